"""Results folders for chart and report tests: one real comparison run, and fabricated designs.

The comparison is run once per test session (600 households, 2 years, 3 replicates); tables
and columns a run may not produce yet (``by_group.parquet``, ``income_distribution.parquet``,
``relapse_causes.parquet``, the cohort outcomes and ``calendar_year``) are fabricated on the
schema of docs/metrics.md and the README's results folder when absent. :func:`outcomes_folder` is fabricated
whole, for tests that need to know every number in it.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from simulation.app.cli.main import cli

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
    if not (out / "relapse_causes.parquet").exists():
        fabricate_relapse_causes(timeseries).to_parquet(out / "relapse_causes.parquet", index=False)
    fabricate_cohort_outcomes(out)
    _made["compare"] = out
    return out


COHORT_OUTCOMES = ("poverty_person_years", "cohort_poverty_rate", "ever_relapsed_share", "new_poor_rate")
CAUSES = ("illness", "disaster", "job_loss", "price_fall", "enterprise_loss", "debt_distress", "other")


def fabricate_cohort_outcomes(out: Path) -> None:
    """Add ``calendar_year`` and the cohort outcomes where the run lacks them, and compare again."""
    from simulation.app.cli.experiments import compared_metrics
    from simulation.experiments.stats import compare_policies

    timeseries = pd.read_parquet(out / "timeseries.parquet")
    summary = pd.read_parquet(out / "summary.parquet")
    if "calendar_year" not in timeseries.columns:
        timeseries["calendar_year"] = 2021 + (timeseries["month"] - 1) // 12
        timeseries.to_parquet(out / "timeseries.parquet", index=False)
    if set(COHORT_OUTCOMES) <= set(summary.columns):
        return
    years = float(timeseries["month"].max()) / 12
    summary["poverty_person_years"] = summary["poverty_headcount"] * 600 * 3.5 * years + summary["relapse_count"]
    summary["cohort_poverty_rate"] = summary["poverty_headcount"] * 1.6
    summary["ever_relapsed_share"] = summary["relapse_count"] / 200
    summary["new_poor_rate"] = summary["new_poor_count"] / (600 * years)
    summary.to_parquet(out / "summary.parquet", index=False)
    summary.to_csv(out / "summary.csv", index=False)
    comparison = compare_policies(summary, str(summary["scenario"].iloc[0]), compared_metrics(summary))
    comparison.to_csv(out / "comparison.csv", index=False)


def fabricate_relapse_causes(timeseries: pd.DataFrame) -> pd.DataFrame:
    """``relapse_causes.parquet`` rows: per run and calendar year, counts by cohort, event and cause."""
    rng = np.random.default_rng(3)
    rows = []
    for (scenario, replicate), runs in timeseries.groupby(["scenario", "replicate"], sort=False):
        for year in sorted(set(2021 + (runs["month"] - 1) // 12)):
            for cohort, event in (("ex_poor", "relapse"), ("monitored", "new_poor"), ("general", "new_poor")):
                for cause in CAUSES:
                    count = int(rng.integers(0, 4))
                    if count:  # a cause with no household has no row
                        rows.append((scenario, replicate, int(year), cohort, event, cause, count))
    return pd.DataFrame(rows, columns=["scenario", "replicate", "year", "cohort", "event", "cause", "count"])


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
    for name in ("by_group.parquet", "income_distribution.parquet", "relapse_causes.parquet", "comparison.csv"):
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

    from simulation.app.cli.main import main

    stderr = io.StringIO()
    with mock.patch.object(sys, "argv", ["agrifin", *args]), contextlib.redirect_stderr(stderr):
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                main()
            except SystemExit as done:
                return int(done.code or 0), stderr.getvalue()
    return 0, stderr.getvalue()


OUTCOME_SCENARIOS = ("baseline", "support_kept")
OUTCOME_REPLICATES = 4


def outcomes_folder(base: Path) -> Path:
    """A fabricated comparison of two scenarios over 2021-2022, four replicates, every number known.

    ``support_kept`` has 10 fewer poverty person-years than ``baseline`` on average at an extra
    fiscal cost of 1,000 yuan (100 yuan per poverty person-year averted), and 2 fewer relapses.
    ``relapse_causes.parquet`` has rows in replicates 0 and 1 only (2 and 3 saw no event) and a
    relapse counted outside the ex-poor cohort, which the chart leaves out.
    """
    out = base / "outcomes"
    out.mkdir(parents=True)
    months = np.arange(1, 25)
    series, rows = [], []
    for k, scenario in enumerate(OUTCOME_SCENARIOS):
        for replicate in range(OUTCOME_REPLICATES):
            series.append(
                pd.DataFrame(
                    {
                        "scenario": scenario,
                        "replicate": replicate,
                        "month": months,
                        "calendar_year": 2021 + (months - 1) // 12,
                        "relapse_rate": np.where(months % 12 == 0, 0.03 - 0.01 * k + 0.001 * replicate, 0.0),
                        "poverty_headcount": 0.02 - 0.005 * k + 0.0001 * months,
                        "mean_income_pc": 9000.0 + 20 * months + 100 * k,
                    }
                )
            )
            person_years = 100.0 + 10 * replicate - k * (10.0, 12.0, 8.0, 10.0)[replicate]
            rows.append(
                {
                    "scenario": scenario,
                    "replicate": replicate,
                    "calendar_year": 2022,
                    "poverty_person_years": person_years,
                    "cohort_poverty_rate": 0.05 - 0.01 * k + 0.002 * replicate,
                    "relapse_rate": 0.03 - 0.01 * k + 0.001 * replicate,
                    "ever_relapsed_share": 0.06 - 0.02 * k + 0.001 * replicate,
                    "new_poor_rate": 0.01 - 0.002 * k + 0.0005 * replicate,
                    "relapse_count": 20.0 + 2 * replicate - 2 * k,
                    "new_poor_count": 8.0 + replicate - k,
                    "poverty_headcount": 0.02 - 0.005 * k + 0.001 * replicate,
                    "fiscal_cost": 1e6 + 1e4 * replicate + k * (1000.0, 1100.0, 900.0, 1000.0)[replicate],
                }
            )
    pd.concat(series, ignore_index=True).to_parquet(out / "timeseries.parquet", index=False)
    pd.DataFrame(rows).to_parquet(out / "summary.parquet", index=False)
    causes = [
        ("baseline", 0, 2021, "ex_poor", "relapse", "illness", 4),
        ("baseline", 0, 2021, "ex_poor", "relapse", "disaster", 2),
        ("baseline", 0, 2022, "ex_poor", "relapse", "illness", 2),
        ("baseline", 0, 2022, "general", "new_poor", "job_loss", 6),
        ("baseline", 1, 2021, "ex_poor", "relapse", "illness", 2),
        ("baseline", 1, 2021, "monitored", "relapse", "other", 100),  # not the ex-poor cohort: left out
        ("support_kept", 0, 2022, "monitored", "new_poor", "price_fall", 4),
    ]
    columns = ["scenario", "replicate", "year", "cohort", "event", "cause", "count"]
    pd.DataFrame(causes, columns=columns).to_parquet(out / "relapse_causes.parquet", index=False)
    manifest = {
        "agrifin": "0.1.0",
        "root_seed": 7,
        "command": ["agrifin", "compare", "baseline.yaml", "support_kept.yaml"],
        "experiment": {"kind": "compare", "replications": OUTCOME_REPLICATES},
        "scenarios": [
            {"name": name, "content_hash": "0123456789abcdef", "resolved": {
                "name": name, "description": f"scenario {name}", "population": {"households": 600},
                "horizon": {"years": 2}}}
            for name in OUTCOME_SCENARIOS
        ],
        "runs": [
            {"scenario": s, "replicate": r, "spawn_key": [r], "status": "ok"}
            for s in OUTCOME_SCENARIOS for r in range(OUTCOME_REPLICATES)
        ],
        "run_counts": {"ok": 2 * OUTCOME_REPLICATES, "failed": 0},
    }  # fmt: skip
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out
