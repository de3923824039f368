"""agrifin optimize: NSGA-II on a toy problem, scoring, the command end to end, resume after a kill, Dask."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from test_dask import cluster  # noqa: F401  (the Dask cluster fixture)

from simulation.app.cli.main import cli
from simulation.experiments.optimize import Score, pareto_mask, score_runs, search

COUNTY = "name: county\ndescription: optimize tests\npopulation:\n  households: 300\nhorizon:\n  years: 2\n"
UNCERTAINTIES = """uncertainties:
  illness_incidence:
    key: health.event_probability
    range: [0.002, 0.03]
    unit: per household per month
    description: Chance of a serious illness.
  price_fall:
    choices:
      none: {}
      severe: {farming.price_shocks: [{month: 13, crops: [cash_crop, livestock], log_change: -0.6}]}
    description: A price collapse in year 2, or none.
"""
LEVERS = """levers:
  dibao_takeup:
    key: transfers.dibao_takeup
    range: [0.3, 1.0]
    unit: share
    description: Eligible households enrolled in dibao.
  anti_poverty_insurance:
    key: insurance.anti_poverty.coverage_share
    range: [0.0, 0.3]
    with: {insurance.anti_poverty.enabled: true}
    unit: share of households
    description: Anti-poverty insurance coverage.
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    for name, text in (("county.yaml", COUNTY), ("uncertainties.yaml", UNCERTAINTIES), ("levers.yaml", LEVERS)):
        (tmp_path / name).write_text(text)
    return {name: str(tmp_path / f"{name}.yaml") for name in ("county", "uncertainties", "levers")}


def command(files: dict[str, str], out: Path, *extra: str) -> list[str]:
    return [
        "optimize",
        files["county"],
        "--uncertainties",
        files["uncertainties"],
        "--levers",
        files["levers"],
        "--futures",
        "3",
        "--population",
        "4",
        "--generations",
        "3",
        "-r",
        "1",
        "--seed",
        "5",
        "--robustness",
        "cohort_poverty_rate",
        "--constraint",
        "relapse_rate",
        "--bad-above",
        "0.02",
        "--max-share",
        "0.4",
        "-o",
        str(out),
        "-q",
        *extra,
    ]


def invoke(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_the_front_on_a_toy_problem_contains_the_known_optimum():
    # cost x0 + x1 and robustness 1 - x0 + x1, with x0 >= 0.5: the front is x1 = 0, x0 in [0.5, 1);
    # the cheapest policy meeting the constraint is (0.5, 0)
    batches = []

    def evaluate(keys):
        batches.append(len(keys))
        return [Score(k[0] + k[1], 1 - k[0] + k[1], 0.5 - k[0]) for k in keys]

    scores = search(2, lambda v: tuple(round(x, 6) for x in v), evaluate, 20, 30, 1, 0.0)
    keys = [k for k, s in scores.items() if s.constraint <= 0]
    front = [keys[i] for i in np.flatnonzero(pareto_mask([[scores[k].cost, scores[k].robustness] for k in keys]))]
    cheapest = min(front, key=lambda k: scores[k].cost)
    assert cheapest == pytest.approx((0.5, 0.0), abs=0.01)
    assert all(k[1] < 0.05 for k in front) and len(front) >= 5
    assert len(batches) == 30  # one batch per generation
    again = search(2, lambda v: tuple(round(x, 6) for x in v), evaluate, 20, 30, 1, 0.0)
    assert list(again) == list(scores)  # the same seed proposes the same policies


def test_pareto_mask_keeps_exactly_the_undominated_rows():
    rows = np.array([[1, 5], [2, 2], [3, 3], [5, 1], [2, 2], [4, 1.5]])
    assert pareto_mask(rows).tolist() == [True, True, False, True, True, True]


def test_a_policy_is_scored_by_its_mean_cost_its_percentile_and_its_share_of_bad_futures():
    summary = pd.DataFrame(
        {
            "policy": [0] * 8,
            "future": [0, 0, 1, 1, 2, 2, 3, 3],
            "replicate": [0, 1] * 4,
            "fiscal_cost": [1e6, 3e6, 2e6, 2e6, 4e6, 4e6, 1e6, 1e6],
            "cohort_poverty_rate": [0.1, 0.3, 0.0, 0.0, 0.5, 0.5, 0.2, 0.2],
            "large_scale_relapse": [1, 1, 0, 1, 0, 0, 1, 0],
        }
    )
    scored = score_runs(summary, "fiscal_cost", "cohort_poverty_rate", 50, "large_scale_relapse", 0.5).iloc[0]
    assert scored["cost"] == pytest.approx(2.25)  # million yuan
    assert scored["robustness"] == pytest.approx(np.percentile([0.2, 0.0, 0.5, 0.2], 50))
    assert scored["constraint"] == pytest.approx(0.25)  # only future 0 has the alarm in more than half its runs


def test_explore_discover_and_optimize_run_end_to_end(files: dict[str, str], tmp_path: Path):
    explored = tmp_path / "explore"
    invoke(
        "explore",
        files["county"],
        "--uncertainties",
        files["uncertainties"],
        "--levers",
        files["levers"],
        "--scenarios",
        "6",
        "--policies",
        "2",
        "-r",
        "1",
        "-o",
        str(explored),
        "-q",
    )
    experiments = pd.read_parquet(explored / "experiments.parquet")
    assert len(experiments) == 12 and {"dibao_takeup", "illness_incidence"} <= set(experiments.columns)
    threshold = float(pd.read_parquet(explored / "outcomes.parquet")["cohort_poverty_rate"].median())
    invoke("discover", str(explored), "--outcome", "cohort_poverty_rate", "--threshold", str(threshold), "-q")
    assert (explored / "discover-cohort_poverty_rate" / "boxes.csv").is_file()

    out = tmp_path / "optimize"
    invoke(*command(files, out))
    evaluations = pd.read_parquet(out / "evaluations.parquet")
    assert len(evaluations) <= 12 and set(evaluations["batch"]) <= {1, 2, 3}
    pareto = pd.read_csv(out / "pareto.csv")
    assert not pareto.empty and {"policy", "cost", "robustness", "constraint", "dibao_takeup", "file"} <= set(pareto)
    assert (pareto["constraint"] <= 0.4).all() and pareto["cost"].is_monotonic_increasing
    first = out / pareto["file"].iloc[0]
    assert first.read_text().startswith("# yaml-language-server: $schema=scenario.schema.json\n")
    assert (out / "policies" / "scenario.schema.json").is_file()
    done = subprocess.run([sys.executable, "-m", "simulation", "validate", str(first)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (out / "figures" / "pareto_front.png").is_file() and (out / "figures" / "parallel_coordinates.svg").is_file()
    record = json.loads((out / "optimize.json").read_text())
    assert record["complete"] and record["cheapest"]["file"] == pareto["file"].iloc[0]
    assert len((out / "verify.txt").read_text().splitlines()) == 1 + 3  # a comment, one compare per future
    for lang in ("en", "zh"):
        invoke("report", str(out), "--lang", lang, "-q")
    assert "帕累托" in (out / "report_zh.html").read_text()


def test_a_search_killed_part_way_and_resumed_scores_the_same_policies(files: dict[str, str], tmp_path: Path):
    invoke(*command(files, tmp_path / "whole"))
    out = tmp_path / "killed"
    words = [sys.executable, "-m", "simulation", *command(files, out, "--workers", "1")]
    process = subprocess.Popen(words, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 600
    while not (out / "batches" / "batch-0002" / "runs").is_dir() and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not json.loads((out / "optimize.json").read_text())["complete"]
    invoke(*command(files, out, "--resume"))
    for table in ("evaluations.parquet",):
        pd.testing.assert_frame_equal(pd.read_parquet(out / table), pd.read_parquet(tmp_path / "whole" / table))
    pd.testing.assert_frame_equal(pd.read_csv(out / "pareto.csv"), pd.read_csv(tmp_path / "whole" / "pareto.csv"))


def test_resume_refuses_a_folder_of_another_search(files: dict[str, str], tmp_path: Path):
    out = tmp_path / "search"
    invoke(*command(files, out))
    other = [w if w != "5" else "6" for w in command(files, out, "--resume")]  # another seed
    done = subprocess.run([sys.executable, "-m", "simulation", *other], capture_output=True, text=True)
    assert done.returncode == 2 and "made by a different search" in done.stderr


def test_an_unknown_outcome_exits_2_and_leaves_no_folder(files: dict[str, str], tmp_path: Path):
    out = tmp_path / "never"
    words = [w if w != "cohort_poverty_rate" else "poverty_rat" for w in command(files, out)]
    done = subprocess.run([sys.executable, "-m", "simulation", *words], capture_output=True, text=True)
    assert done.returncode == 2 and "--robustness poverty_rat: unknown outcome" in done.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "outcome", "why"),
    [
        ("--robustness", "cohort_income_pc", "optimize minimises it, but for cohort_income_pc higher is better"),
        ("--cost", "bank_equity", "optimize minimises it, but for bank_equity higher is better"),
        (
            "--constraint",
            "loans_outstanding",
            "a future is bad when it is above --bad-above, but for loans_outstanding it is neither better low nor high",
        ),
    ],
)
def test_an_outcome_that_is_not_better_low_cannot_be_minimised(
    files: dict[str, str], tmp_path: Path, option: str, outcome: str, why: str
):
    out = tmp_path / "never"
    done = subprocess.run(
        [sys.executable, "-m", "simulation", *command(files, out), option, outcome], capture_output=True, text=True
    )
    assert done.returncode == 2, done.stderr
    assert f"{option} {outcome}: {why}; choose one where lower is better: relapse_rate," in done.stderr
    assert not out.exists()


def test_explore_and_optimize_on_dask_give_the_local_numbers(cluster: str, files: dict[str, str], tmp_path: Path):  # noqa: F811
    common = [
        "explore",
        files["county"],
        "--uncertainties",
        files["uncertainties"],
        "--scenarios",
        "4",
        "-r",
        "2",
        "--no-charts",
        "-q",
    ]
    invoke(*common, "-o", str(tmp_path / "local"), "--workers", "2")
    invoke(*common, "-o", str(tmp_path / "dask"), "--scheduler", cluster)
    for table in ("experiments.parquet", "outcomes.parquet"):
        local, dask = pd.read_parquet(tmp_path / "local" / table), pd.read_parquet(tmp_path / "dask" / table)
        pd.testing.assert_frame_equal(dask, local, check_exact=True)
    invoke(*command(files, tmp_path / "opt-local"), "--workers", "2")
    invoke(*command(files, tmp_path / "opt-dask"), "--scheduler", cluster)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "opt-dask" / "evaluations.parquet"),
        pd.read_parquet(tmp_path / "opt-local" / "evaluations.parquet"),
        check_exact=True,
    )


def test_a_resumed_search_with_more_generations_extends_the_same_search(files: dict[str, str], tmp_path: Path):
    invoke(*command(files, tmp_path / "long"))  # three generations
    out = tmp_path / "extended"
    short = command(files, out)
    short[short.index("--generations") + 1] = "2"
    invoke(*short)
    invoke(*command(files, out, "--resume"))
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "evaluations.parquet"), pd.read_parquet(tmp_path / "long" / "evaluations.parquet")
    )
