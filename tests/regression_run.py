"""The fixed regression run, shared by ``test_regression.py`` and ``regenerate_baseline.py``.

A small county (1,500 households, 3 years, seed 7, 2 replications) whose summary figures,
averaged over replicates, are pinned in ``regression_baseline.json``. Any change to the
model's numbers shows up here; the baseline is regenerated only on purpose.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from simulation import Scenario, run

BASELINE_PATH = Path(__file__).with_name("regression_baseline.json")
REGENERATE_COMMAND = "python tests/regenerate_baseline.py"
RUN = {"households": 1_500, "years": 3, "seed": 7, "replications": 2, "workers": 1}
RELATIVE_TOLERANCE = 1e-6
ABSOLUTE_TOLERANCE = 1e-9
# rounding noise of the books, not a model outcome: only its size matters (yuan)
NOISE_BOUNDS = {"ledger_imbalance": 1e-3}


def regression_scenario() -> Scenario:
    """The default county, made small."""
    scenario = Scenario(name="regression", description="default county, small, for the regression baseline")
    scenario.population.households = RUN["households"]
    scenario.horizon.years = RUN["years"]
    return scenario


def summary_means() -> dict[str, float]:
    """Mean over replicates of every numeric summary column of the fixed run."""
    result = run(regression_scenario(), replications=RUN["replications"], seed=RUN["seed"], workers=RUN["workers"])
    if result.failed:
        raise RuntimeError("regression run failed:\n" + "\n".join(r.error or "" for r in result.failed))
    numeric = result.summary.drop(columns=["replicate"]).select_dtypes("number")
    return {name: float(value) for name, value in numeric.mean().items()}


def load_baseline() -> dict:
    """The stored baseline: ``{"run": RUN, "metrics": {name: mean}}``."""
    return json.loads(BASELINE_PATH.read_text(encoding="utf-8"))


def write_baseline(metrics: dict[str, float]) -> None:
    """Store the baseline atomically (temporary file, then rename)."""
    text = json.dumps({"run": RUN, "metrics": metrics}, indent=2, sort_keys=True) + "\n"
    temporary = BASELINE_PATH.with_suffix(".json.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, BASELINE_PATH)


def _same(name: str, old: float, new: float) -> bool:
    if name in NOISE_BOUNDS:
        return abs(new) <= NOISE_BOUNDS[name]
    if math.isnan(old) or math.isnan(new):
        return math.isnan(old) and math.isnan(new)
    return math.isclose(new, old, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)


def differences(baseline: dict, metrics: dict[str, float]) -> list[str]:
    """One line per difference between the stored baseline and this run's figures (empty: none)."""
    lines = []
    if baseline.get("run") != RUN:
        lines.append(f"run definition: baseline {baseline.get('run')}, now {RUN}")
    stored = baseline.get("metrics", {})
    for name in sorted(stored.keys() - metrics.keys()):
        lines.append(f"{name}: in the baseline, no longer reported")
    for name in sorted(metrics.keys() - stored.keys()):
        lines.append(f"{name}: new metric, {metrics[name]:.10g}")
    for name in sorted(stored.keys() & metrics.keys()):
        old, new = stored[name], metrics[name]
        if not _same(name, old, new):
            relative = (new - old) / abs(old) if old else math.inf
            lines.append(f"{name}: baseline {old:.10g}, now {new:.10g} ({relative:+.3g} relative)")
    return lines
