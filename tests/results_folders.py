"""Results folders for chart and report tests: one real comparison run, and fabricated designs.

The comparison is run once per test session (600 households, 2 years, 3 replicates); tables
a run may not produce yet (``by_group.parquet``, ``income_distribution.parquet``) are
fabricated on the schema of DESIGN.md section 5 when absent.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from simulation.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("baseline.yaml", "risk_sharing_4321.yaml", "grassroots_liaison.yaml")
RUN_OPTIONS = ("--households", "600", "--years", "2", "-r", "3", "--seed", "5", "--workers", "2", "--no-charts", "-q")
_made: dict[str, Path] = {}


def comparison_folder(base: Path) -> Path:
    """A real ``agrifin compare`` folder of three scenarios (made once per session)."""
    if "compare" in _made:
        return _made["compare"]
    out = base / "compare"
    args = ["compare", *(str(ROOT / "scenarios" / name) for name in SCENARIOS), *RUN_OPTIONS, "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    timeseries = pd.read_parquet(out / "timeseries.parquet")
    if not (out / "by_group.parquet").exists():
        fabricate_by_group(timeseries).to_parquet(out / "by_group.parquet", index=False)
    if not (out / "income_distribution.parquet").exists():
        fabricate_income_distribution(timeseries).to_parquet(out / "income_distribution.parquet", index=False)
    _made["compare"] = out
    return out


def fabricate_by_group(timeseries: pd.DataFrame) -> pd.DataFrame:
    """``by_group.parquet`` rows for every (scenario, replicate, month) of a timeseries."""
    rng = np.random.default_rng(1)
    keys = timeseries[["scenario", "replicate", "month"]].drop_duplicates()
    rows = []
    for dimension, groups in (("region", ("plain", "hill", "mountain")), ("household_group", ("ex_poor", "fringe"))):
        for group in groups:
            part = keys.copy()
            part["dimension"], part["group"] = dimension, group
            part["households"] = 200.0
            part["persons"] = 640.0
            part["exited"] = 0.0 if group == "fringe" else 60.0
            part["relapses"] = rng.integers(0, 6, len(part)).astype(float) * (group != "fringe")
            part["poor_persons"] = rng.integers(10, 40, len(part)).astype(float)
            part["borrowers"] = 20.0
            part["relapse_rate"] = np.where(part["exited"] > 0, part["relapses"] / part["exited"].clip(lower=1), 0.0)
            part["poverty_headcount"] = part["poor_persons"] / part["persons"]
            part["credit_coverage"] = 0.1
            part["npl_ratio"] = 0.02
            rows.append(part)
    return pd.concat(rows, ignore_index=True)


def fabricate_income_distribution(timeseries: pd.DataFrame) -> pd.DataFrame:
    """A sample of per-capita incomes per run at the start and the end."""
    rng = np.random.default_rng(2)
    parts = []
    for (scenario, replicate), _ in timeseries.groupby(["scenario", "replicate"], sort=False):
        for when, mean in (("start", 9.3), ("end", 9.4)):
            parts.append(
                pd.DataFrame(
                    {
                        "scenario": scenario,
                        "replicate": replicate,
                        "when": when,
                        "income_pc": rng.lognormal(mean, 0.6, 400),
                        "persons": rng.integers(1, 6, 400).astype(float),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def older_copy(source: Path, target: Path) -> Path:
    """A copy of a folder as an older agrifin would have left it: fewer tables, fewer columns."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("runs", "figures", "report.*"))
    for name in ("by_group.parquet", "income_distribution.parquet", "comparison.csv"):
        (target / name).unlink(missing_ok=True)
    summary = pd.read_parquet(target / "summary.parquet")
    dropped = [c for c in summary.columns if c.startswith(("credit_losses", "fiscal_", "insurance_"))]
    summary.drop(columns=dropped).to_parquet(target / "summary.parquet", index=False)
    return target


def design_folder(base: Path, kind: str) -> Path:
    """A fabricated sweep (2 keys x 3 levels) or Sobol sensitivity folder."""
    out = base / kind
    out.mkdir(parents=True)
    keys = ("transfers.dibao_takeup", "health.reimbursement_share")
    levels = {keys[0]: [0.3, 0.6, 0.9], keys[1]: [0.4, 0.6, 0.8]}
    points = pd.DataFrame([(a, b) for a in levels[keys[0]] for b in levels[keys[1]]], columns=list(keys)).rename_axis(
        "point"
    )
    rows = []
    for point, values in points.iterrows():
        for replicate in range(2):
            rate = 0.05 - 0.02 * values[keys[0]] - 0.01 * values[keys[1]] + 0.002 * replicate
            rows.append({"scenario": "county", "point": point, "replicate": replicate, **values, "relapse_rate": rate,
                         "poverty_headcount": rate / 3})  # fmt: skip
    pd.DataFrame(rows).to_parquet(out / "summary.parquet", index=False)
    points.reset_index().to_csv(out / "design.csv", index=False)
    factors = [{"key": k, "low": min(v), "high": max(v), "levels": 3} for k, v in levels.items()]
    if kind == "sensitivity":
        indices = [
            {"outcome": o, "method": "sobol", "parameter": k, "index": i, "value": v, "conf": 0.05,
             "ci_low": v - 0.05, "ci_high": v + 0.05}
            for o in ("relapse_rate", "poverty_headcount") for k, v in zip(keys, (0.6, 0.3), strict=True)
            for i in ("S1", "ST")
        ]  # fmt: skip
        pd.DataFrame(indices).to_csv(out / "sensitivity.csv", index=False)
    manifest = {
        "agrifin": "0.1.0",
        "root_seed": 3,
        "command": ["agrifin", kind, "county.yaml"],
        "experiment": {
            "kind": kind,
            "replications": 2,
            "design": {"method": "grid" if kind == "sweep" else "sobol", "points": len(points), "factors": factors},
        },
        "scenarios": [
            {
                "name": "county",
                "content_hash": "0123456789abcdef",
                "resolved": {
                    "name": "county",
                    "description": "a small county",
                    "population": {"households": 600},
                    "horizon": {"years": 2},
                },
            }
        ],
        "runs": [{"scenario": "county", "replicate": r, "spawn_key": [r], "status": "ok"} for r in range(2)],
        "run_counts": {"ok": 2 * len(points), "failed": 0},
    }
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


def run_agrifin(*args: str) -> tuple[int, str]:
    """``agrifin ARGS`` in this process, through the entry point users run: (exit status, stderr)."""
    import contextlib
    import io
    from unittest import mock

    from simulation.cli import main

    stderr = io.StringIO()
    with mock.patch.object(sys, "argv", ["agrifin", *args]), contextlib.redirect_stderr(stderr):
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                main()
            except SystemExit as done:
                return int(done.code or 0), stderr.getvalue()
    return 0, stderr.getvalue()
