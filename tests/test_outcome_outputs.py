"""The cohort outcomes in comparisons, charts and the report: poverty person-years averted and
their cost, the headline order, the causes of relapse and new poverty, calendar-year axes."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from results_folders import outcomes_folder, run_agrifin

import simulation.outputs.charts.text
from simulation.app.cli.experiments import comparison_text
from simulation.experiments.stats import compare_policies
from simulation.outputs.charts.catalogue import draw_chart
from simulation.outputs.charts.causes import mean_counts
from simulation.outputs.charts.data import ChartUnavailableError, ResultsData
from simulation.outputs.charts.draw import PALETTE
from simulation.outputs.charts.text import MISSING, chart_fonts
from simulation.outputs.report.blocks import Figure, Note, Table
from simulation.outputs.report.build import build_report

HEADLINE_ORDER = ("poverty_person_years", "cohort_poverty_rate", "relapse_rate", "ever_relapsed_share", "new_poor_rate")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return outcomes_folder(tmp_path)


@pytest.fixture
def data(folder: Path) -> ResultsData:
    return ResultsData.load(folder)


def summary_of(base_years: list[float], policy_years: list[float], extra_cost: list[float]) -> pd.DataFrame:
    n = len(base_years)
    return pd.DataFrame(
        {
            "scenario": ["base"] * n + ["policy"] * n,
            "replicate": [*range(n), *range(n)],
            "poverty_person_years": [*base_years, *policy_years],
            "relapse_count": [5.0] * (2 * n),
            "fiscal_cost": [1000.0] * n + [1000.0 + c for c in extra_cost],
        }
    )


def test_poverty_person_years_averted_is_positive_when_the_policy_has_fewer_poverty_person_years():
    summary = summary_of([100.0, 120.0, 110.0], [90.0, 108.0, 102.0], [50.0, 60.0, 40.0])
    table = compare_policies(summary, "base", ("poverty_person_years",)).set_index("metric")
    averted = table.loc["poverty_person_years_averted"]
    assert averted["difference"] == pytest.approx(10.0)  # paired: (10 + 12 + 8) / 3
    assert averted["baseline_mean"] == pytest.approx(110.0) and averted["policy_mean"] == pytest.approx(100.0)
    assert 0 < averted["ci_low"] < 10.0 < averted["ci_high"]
    assert table.loc["poverty_person_years", "difference"] == pytest.approx(-10.0)


def test_cost_per_poverty_year_averted_is_extra_cost_over_years_averted_with_a_delta_method_interval():
    summary = summary_of([100.0, 120.0, 110.0], [90.0, 108.0, 102.0], [50.0, 55.0, 45.0])
    row = compare_policies(summary, "base", ()).set_index("metric").loc["fiscal_cost_per_poverty_year_averted"]
    assert row["difference"] == pytest.approx(5.0)  # 50 yuan extra / 10 person-years averted
    assert row["ci_low"] < 5.0 < row["ci_high"] and row["ci_high"] - row["ci_low"] < 5.0
    assert row["n_pairs"] == 3 and row["note"] == ""


def test_cost_per_poverty_year_averted_is_na_when_the_policy_averts_none():
    summary = summary_of([100.0, 120.0], [104.0, 121.0], [50.0, 60.0])
    row = compare_policies(summary, "base", ()).set_index("metric").loc["fiscal_cost_per_poverty_year_averted"]
    assert np.isnan(row["difference"])
    assert row["note"].startswith("n/a: the policy averts no poverty person-years")


def test_comparison_puts_poverty_person_years_averted_before_relapses_averted():
    summary = summary_of([100.0, 120.0], [90.0, 110.0], [50.0, 60.0])
    metrics = list(compare_policies(summary, "base", ())["metric"])
    assert metrics == [
        "poverty_person_years_averted",
        "fiscal_cost_per_poverty_year_averted",
        "relapses_averted",
        "fiscal_cost_per_relapse_averted",
    ]


def test_a_summary_without_poverty_person_years_gets_only_the_relapse_rows():
    summary = summary_of([100.0, 120.0], [90.0, 110.0], [50.0, 60.0]).drop(columns="poverty_person_years")
    metrics = set(compare_policies(summary, "base", ())["metric"])
    assert metrics == {"relapses_averted", "fiscal_cost_per_relapse_averted"}


def test_console_comparison_leads_with_poverty_person_years_and_shows_their_cost(data: ResultsData):
    text = comparison_text(data.need_comparison())
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("  Poverty person-years (whole run)"))
    assert first < next(i for i, line in enumerate(lines) if line.startswith("  Relapse rate"))
    cost = next(line for line in lines if line.startswith("  Extra fiscal cost per poverty-year averted"))
    assert " 100 " in cost and "[" in cost  # 1,000 yuan for 10 person-years, with its interval
    averted = next(line for line in lines if line.startswith("  Poverty person-years averted"))
    assert "+10" in averted


def test_report_headline_tables_lead_with_poverty_person_years(data: ResultsData):
    headline = build_report(data, dpi=50).section("headline")
    levels, paired = [b for b in headline.blocks if isinstance(b, Table)]
    assert [row[0] for row in levels.rows[:5]] == [
        "Poverty person-years (whole run)",
        "Ex-poor cohort below the line (last year)",
        "Relapse rate, ex-poor cohort (mean per year)",
        "Ex-poor cohort ever relapsed (last year)",
        "New poor rate (mean per year)",
    ]
    labels = [row[0] for row in paired.rows]
    assert labels[:2] == ["Poverty person-years (whole run)", "Poverty person-years averted (whole run)"]
    cost = paired.rows[labels.index("Extra fiscal cost per poverty-year averted (yuan)")]
    assert cost[3] == "100"
    assert labels.index("Extra fiscal cost per poverty-year averted (yuan)") < labels.index(
        "Extra fiscal cost per relapse averted (yuan)"
    )


def test_effects_chart_leads_with_the_headline_outcomes(data: ResultsData):
    (_, fig), *_ = draw_chart(data, "effects")
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()]
    assert titles[:5] == [
        "poverty person-years (whole run)",
        "ex-poor cohort below the line",
        "relapse rate (ex-poor cohort, per year)",
        "ex-poor cohort ever relapsed",
        "new poor rate (per year)",
    ]
    plt.close(fig)


def test_cost_per_poverty_year_chart_places_each_policy_at_its_ratio(data: ResultsData):
    (stem, fig), *_ = draw_chart(data, "cost_per_poverty_year_averted")
    assert stem == "cost_per_poverty_year_averted"
    ax = fig.axes[0]
    points = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert [float(line.get_xdata()[0]) for line in points] == [pytest.approx(100.0)]  # yuan
    assert "poverty person-year" in ax.get_xlabel()
    plt.close(fig)


def bars_by_position(ax: plt.Axes) -> dict[float, list[float]]:
    """Heights of the bars of one panel, by the centre of the bar."""
    found: dict[float, list[float]] = defaultdict(list)
    for patch in ax.patches:
        found[round(patch.get_x() + patch.get_width() / 2, 3)].append(patch.get_height())
    return found


def test_relapse_causes_chart_draws_one_stacked_bar_per_year_and_event_in_each_scenario_panel(data: ResultsData):
    (stem, fig), *_ = draw_chart(data, "relapse_causes")
    assert stem == "relapse_causes"
    baseline, policy = (ax for ax in fig.axes if ax.get_visible())
    assert baseline.get_title(loc="left") == "baseline" and policy.get_title(loc="left") == "support_kept"
    causes_drawn = 4  # illness, disaster, job loss, price fall: not "other", the left-out relapse's cause
    for ax in (baseline, policy):
        bars = bars_by_position(ax)
        assert sorted(bars) == [2020.8, 2021.2, 2021.8, 2022.2]  # relapse left, new poor right, per year
        assert all(len(parts) == causes_drawn for parts in bars.values())
    totals = {x: sum(h) for x, h in bars_by_position(baseline).items()}
    # mean over four replicates, two of which saw nothing; the monitored cohort's "relapse" is left out
    assert totals == {2020.8: pytest.approx(2.0), 2021.2: 0.0, 2021.8: pytest.approx(0.5), 2022.2: pytest.approx(1.5)}
    assert sum(bars_by_position(policy)[2022.2]) == pytest.approx(1.0)
    assert [t.get_text() for t in policy.get_xticklabels()] == ["2021", "2022"]
    plt.close(fig)


def test_cause_colours_never_stand_for_a_scenario(data: ResultsData):
    (_, fig), *_ = draw_chart(data, "relapse_causes")
    colours = {to_hex(patch.get_facecolor()) for ax in fig.axes for patch in ax.patches}
    assert colours and not colours & {c.lower() for c in PALETTE}
    plt.close(fig)


def test_mean_counts_divide_by_every_replicate_including_those_without_events():
    causes = pd.DataFrame(
        [("a", 0, 2021, "ex_poor", "relapse", "illness", 6)],
        columns=["scenario", "replicate", "year", "cohort", "event", "cause", "count"],
    )
    means = mean_counts(causes, pd.Series({"a": 3}))
    assert means.loc[("a", "relapse", 2021), "illness"] == pytest.approx(2.0)


def test_a_folder_without_relapse_causes_skips_the_chart_with_a_message(folder: Path):
    (folder / "relapse_causes.parquet").unlink()
    with pytest.raises(ChartUnavailableError, match=r"relapse_causes\.parquet is absent"):
        draw_chart(ResultsData.load(folder), "relapse_causes")
    code, stderr = run_agrifin("plot", str(folder), "--dpi", "50")
    assert code == 0, stderr
    assert "skipped relapse_causes (relapse_causes.parquet is absent" in stderr
    assert (folder / "figures" / "cost_per_poverty_year_averted.png").exists()
    code, stderr = run_agrifin("plot", str(folder), "--chart", "relapse_causes")
    assert code == 2 and "relapse_causes.parquet is absent" in stderr and "Traceback" not in stderr
    document = build_report(ResultsData.load(folder), dpi=50)
    notes = [b.text for b in document.section("chart-relapse_causes").blocks if isinstance(b, Note)]
    assert notes and "relapse_causes.parquet is absent" in notes[0]


def test_report_shows_the_relapse_causes_chart_with_its_explanation(data: ResultsData):
    section = build_report(data, dpi=50).section("chart-relapse_causes")
    (figure,) = [b for b in section.blocks if isinstance(b, Figure)]
    assert figure.name == "relapse_causes" and "risk type" in figure.about


@pytest.mark.parametrize("name", ["relapse_rate", "poverty_headcount", "mean_income"])
def test_time_charts_are_labelled_by_calendar_year(data: ResultsData, name: str):
    (_, fig), *_ = draw_chart(data, name)
    fig.canvas.draw()
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("Calendar year")
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "2021" in ticks and "2022" in ticks
    if name == "relapse_rate":  # the December assessments sit on their calendar year
        assert list(ax.get_lines()[0].get_xdata()) == [2021.0, 2022.0]
    plt.close(fig)


def test_time_charts_without_calendar_year_count_years_since_start(folder: Path):
    timeseries = pd.read_parquet(folder / "timeseries.parquet").drop(columns="calendar_year")
    timeseries.to_parquet(folder / "timeseries.parquet", index=False)
    (_, fig), *_ = draw_chart(ResultsData.load(folder), "relapse_rate")
    assert fig.axes[0].get_xlabel() == "Year (annual assessment)"
    assert list(fig.axes[0].get_lines()[0].get_xdata()) == [1.0, 2.0]
    plt.close(fig)


@pytest.mark.filterwarnings("ignore:Glyph")
def test_new_charts_speak_chinese(data: ResultsData, monkeypatch):
    monkeypatch.setattr(simulation.outputs.charts.text, "find_cjk_font", lambda: "DejaVu Sans")
    MISSING.clear()
    with chart_fonts("zh"):
        for name in ("relapse_causes", "cost_per_poverty_year_averted", "effects", "relapse_rate"):
            for _, fig in draw_chart(data, name, lang="zh"):
                words = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
                words += [ax.get_xlabel() for ax in fig.axes] + [ax.get_title(loc="left") for ax in fig.axes]
                if name == "relapse_causes":
                    assert "因病" in words and "新致贫（其他队列）" in words
                if name == "relapse_rate":
                    assert fig.axes[0].get_xlabel() == "年份（年度核查）"
                plt.close(fig)
    assert not MISSING, f"labels without a Chinese translation: {sorted(MISSING)}"


def test_relapse_causes_of_each_run_are_consolidated_into_one_parquet_file(tmp_path: Path):
    from simulation.experiments.runner import RunOutput, RunSpec
    from simulation.outputs.results import ResultsFolder
    from simulation.scenario.loading import load_scenario

    scenario = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml")
    folder = ResultsFolder(tmp_path / "out", [scenario], 1, ["agrifin", "run"])
    specs = [RunSpec(scenario, 1, replicate) for replicate in range(2)]
    for spec in specs:
        causes = pd.DataFrame(
            {"scenario": scenario.name, "replicate": spec.replicate, "year": [2021, 2022], "cohort": "ex_poor",
             "event": "relapse", "cause": ["illness", "disaster"], "count": [3 + spec.replicate, 1]}
        )  # fmt: skip
        series = pd.DataFrame({"scenario": scenario.name, "replicate": spec.replicate, "month": [1, 2]})
        folder.record(RunOutput(scenario.name, spec.replicate, 1, "ok", 0.1, 0.0, series, {"relapse_count": 4.0},
                                tables={"relapse_causes": causes}))  # fmt: skip
    folder.finish(specs=specs)
    consolidated = pd.read_parquet(tmp_path / "out" / "relapse_causes.parquet")
    assert list(consolidated["count"]) == [3, 1, 4, 1]
    assert ResultsData.load(tmp_path / "out").relapse_causes is not None
