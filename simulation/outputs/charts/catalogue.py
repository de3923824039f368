"""Every chart agrifin draws from a results folder, by name (``agrifin plot --chart NAME``).

A chart is a function of the folder's tables and a language; it returns one or more
figures, or raises :class:`~simulation.outputs.charts.data.ChartUnavailableError` saying which data it
lacks. :func:`draw_chart` draws one and :func:`save_chart` writes it as PNG and SVG under
``figures/``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt

from simulation.outputs.charts import causes as charts_causes
from simulation.outputs.charts import compare as charts_compare
from simulation.outputs.charts import experiments as experiment_charts
from simulation.outputs.charts import groups as charts_groups
from simulation.outputs.charts import risk as charts_risk
from simulation.outputs.charts.data import ResultsData
from simulation.outputs.charts.draw import DEFAULT_DPI, TIME_CHARTS, TimeChart, png_bytes, save_figure, time_chart
from simulation.outputs.charts.text import chart_fonts

Drawn = list[tuple[str, plt.Figure]]


@dataclass(frozen=True)
class ChartSpec:
    """A named chart: its title in the report, what it shows, how it is drawn."""

    name: str
    title: str
    about: str
    draw: Callable[[ResultsData, str, str | None], Drawn]


def _time(chart: TimeChart) -> Callable[[ResultsData, str, str | None], Drawn]:
    return lambda data, lang, metric: time_chart(data, chart, lang)


def _plain(function: Callable[[ResultsData, str], Drawn]) -> Callable[[ResultsData, str, str | None], Drawn]:
    return lambda data, lang, metric: function(data, lang)


def _with_metric(function: Callable[..., Drawn]) -> Callable[[ResultsData, str, str | None], Drawn]:
    return lambda data, lang, metric: function(data, lang, metric) if metric else function(data, lang)


RELAPSE, HEADCOUNT, INCOME = TIME_CHARTS
CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec(
        "relapse_rate",
        "Relapse into poverty over time",
        "Annual relapse hazard of the ex-poor cohort (households above the line at the last assessment and below it "
        "at this one, over those above it), per scenario: median over replications and the 10–90% band.",
        _time(RELAPSE),
    ),
    ChartSpec(
        "poverty_headcount",
        "Poverty headcount over time",
        "Share of persons below the poverty line (rolling 12-month income), median and 10–90% band.",
        _time(HEADCOUNT),
    ),
    ChartSpec(
        "mean_income",
        "Mean per-capita income over time",
        "Mean rolling 12-month per-capita net income, median and 10–90% band.",
        _time(INCOME),
    ),
    ChartSpec(
        "effects",
        "Effects against the baseline",
        "Each policy's paired difference from the baseline (same replicate seeds) on the headline metrics, "
        "poverty person-years and the ex-poor cohort's poverty and relapse first, with 95% t intervals. An interval "
        "that crosses zero is not distinguishable from no effect.",
        _plain(charts_compare.effects_forest),
    ),
    ChartSpec(
        "comparison",
        "Paired against unpaired intervals",
        "The headline effect with the paired interval beside the unpaired (Welch) one that ignores common "
        "random numbers: how much precision the pairing buys.",
        _with_metric(experiment_charts.comparison_intervals_chart),
    ),
    ChartSpec(
        "credit_losses",
        "Who bears credit losses",
        "Written-off loan losses over the run by the party that bore them (the loss waterfall), mean per run; "
        "the insurer's share is its claims net of premiums when positive.",
        _plain(charts_compare.credit_losses_by_party),
    ),
    ChartSpec(
        "fiscal_cost",
        "Fiscal cost by budget line",
        "Government outlays over the run by budget line, and each policy's change against the baseline "
        "line by line (the diamond is the net change).",
        _plain(charts_compare.fiscal_cost_by_line),
    ),
    ChartSpec(
        "cost_per_poverty_year_averted",
        "Fiscal cost per poverty person-year averted",
        "Extra fiscal cost of each policy divided by the poverty person-years it averts (persons × years below the "
        "line, whole county, paired by replicate), with a delta-method 95% interval; undefined when a policy averts "
        "none on average.",
        _plain(charts_compare.cost_per_poverty_year_averted),
    ),
    ChartSpec(
        "cost_per_relapse_averted",
        "Fiscal cost per relapse averted",
        "Extra fiscal cost of each policy divided by the relapses it averts (paired by replicate), with a "
        "delta-method 95% interval; undefined when a policy averts none on average.",
        _plain(charts_compare.cost_per_relapse_averted),
    ),
    ChartSpec(
        "relapse_causes",
        "Why households fell below the line",
        "Relapses of the ex-poor cohort (left bar) and new poor households of the other cohorts (right bar, hatched) "
        "per calendar year, stacked by the monitoring system's risk type of the shock that moved them below the line; "
        "mean over replications, one panel per scenario.",
        _plain(charts_causes.relapse_causes),
    ),
    ChartSpec(
        "relapse_by_group",
        "Relapse by region and household group",
        "Annual relapse rate in each region and household group (small multiples), median over replications with "
        "the baseline's 10–90% band, against the large-scale relapse threshold: where a large-scale relapse would "
        "start.",
        _plain(charts_groups.relapse_by_group),
    ),
    ChartSpec(
        "income_distribution",
        "Income distribution at the start and end",
        "Distribution of per-capita net income over persons at the start and at the end of the run, with the "
        "poverty and monitoring lines.",
        _plain(charts_groups.income_distribution),
    ),
    ChartSpec(
        "sweep",
        "Sweep heatmap",
        "Mean of the metric over replicates at each design point of the sweep, across the first two varied keys.",
        _with_metric(experiment_charts.sweep_chart),
    ),
    ChartSpec(
        "risk_sharing",
        "Outcomes by risk-sharing split",
        "For each split of a guaranteed loss (guarantor:re-guarantor:bank:government) and each stress scenario, "
        "the guaranteed loans' default rate, the guarantor's losses, lowest equity and probability of insolvency "
        "(share of runs), the bank's losses, the fiscal cost and the ex-poor cohort's poverty and relapse: "
        "mean over replicates with its 95% interval (agrifin sweep --vary guarantee.risk_shares=... --stress FILE).",
        _plain(charts_risk.risk_sharing_chart),
    ),
    ChartSpec(
        "sensitivity",
        "Sensitivity indices",
        "Global sensitivity of each outcome to the varied parameters (Sobol S1/ST or Morris μ*/σ) with 95% "
        "bootstrap intervals.",
        _with_metric(experiment_charts.sensitivity_chart),
    ),
)
CHART_BY_NAME = {chart.name: chart for chart in CHARTS}
CHART_NAMES = tuple(CHART_BY_NAME)


def draw_chart(data: ResultsData, name: str, lang: str = "en", metric: str | None = None) -> Drawn:
    """The figures of chart ``name`` (call inside :func:`~simulation.outputs.charts.text.chart_fonts`).

    Raises:
        KeyError: no chart has that name.
        ChartUnavailableError: the folder lacks the data the chart needs.
    """
    return CHART_BY_NAME[name].draw(data, lang, metric)


def save_chart(
    data: ResultsData, name: str, lang: str = "en", dpi: int = DEFAULT_DPI, metric: str | None = None
) -> list[Path]:
    """Draw chart ``name`` and write it as PNG and SVG under ``figures/`` (``_zh`` added for Chinese)."""
    suffix = "" if lang == "en" else f"_{lang}"
    with chart_fonts(lang):
        drawn = draw_chart(data, name, lang, metric)
        paths: list[Path] = []
        for stem, figure in drawn:
            paths += save_figure(figure, data.path / "figures", f"{stem}{suffix}", dpi)
    return paths


def chart_images(data: ResultsData, name: str, lang: str = "en", dpi: int = DEFAULT_DPI) -> list[tuple[str, bytes]]:
    """Chart ``name`` as PNG bytes, for the report (raises like :func:`draw_chart`)."""
    with chart_fonts(lang):
        return [(stem, png_bytes(figure, dpi)) for stem, figure in draw_chart(data, name, lang)]
