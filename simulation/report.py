"""The review report of a results folder: what was compared, what came out, how it was made.

:func:`build_report` turns a folder into a :class:`Report` — sections of paragraphs,
tables, figures and notes — that :mod:`simulation.report_html` and
:mod:`simulation.report_pdf` render. A section whose data the folder lacks (an older run)
holds a :class:`Note` saying so instead of failing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from simulation.chart_catalogue import CHART_BY_NAME, chart_images
from simulation.chart_data import ChartNotApplicableError, ChartUnavailableError, ResultsData
from simulation.experiment_charts import varied_keys
from simulation.report_blocks import Block, Figure, Note, Paragraph, Preformatted, Report, Section, Table
from simulation.report_calibration import uncertainty_sections
from simulation.report_tables import headline_tables, level_table, parameter_changes, parameter_words

CHARTS_BY_KIND = {
    "sweep": ("sweep", "risk_sharing"),
    "sensitivity": ("sensitivity",),
}
STANDARD_CHARTS = (
    "relapse_rate",
    "poverty_headcount",
    "mean_income",
    "effects",
    "credit_losses",
    "fiscal_cost",
    "cost_per_poverty_year_averted",
    "cost_per_relapse_averted",
    "relapse_causes",
    "relapse_by_group",
    "income_distribution",
)
SECTION_KEYS = ("overview", "scenarios", "headline", "charts", "parameters", "provenance")
REPORT_DPI = 200


def build_report(data: ResultsData, dpi: int = REPORT_DPI) -> Report:
    """The report of a results folder (figures drawn at ``dpi``)."""
    sections = [
        overview(data),
        *scenarios_section(data),
        headline_section(data),
        *uncertainty_sections(data.path, dpi),  # compare --parameter-sets only
        Section("charts", "Charts", [Paragraph(_charts_intro(data))]),
        *chart_sections(data, dpi),
        parameters_section(data),
        provenance_section(data),
    ]
    kind = {"run": "Run", "compare": "Policy comparison", "sweep": "Parameter sweep", "sensitivity": "Sensitivity"}
    title = f"{kind.get(data.kind, data.kind.title())}: {', '.join(data.scenario_names) or data.path.name}"
    subtitle = f"agrifin report on {data.path.name} — generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    return Report(title, subtitle, sections, f"agrifin report — {data.path.name}")


def overview(data: ResultsData) -> Section:
    """What was run, how often, on what county, and which data the folder lacks."""
    first = data.resolved()
    households = first.get("population", {}).get("households")
    years = first.get("horizon", {}).get("years")
    size = f"{households:,} households over {years} years" if households else "a county of unrecorded size"
    what = {
        "run": "one scenario was run",
        "compare": f"{len(data.scenario_names) - 1} policy scenario(s) were compared with the baseline scenario, "
        f"{data.baseline}, each run on the same replicate seeds (common random numbers)",
        "sweep": f"the scenario {data.baseline} was run over a design of parameter values (a sweep)",
        "sensitivity": f"the global sensitivity of outcomes to parameters of {data.baseline} was estimated",
    }.get(data.kind, f"an experiment of kind {data.kind} was run")
    blocks: list[Block] = [
        Paragraph(
            f"In this experiment {what}. The simulated county has {size}; every scenario was replicated "
            f"{data.replications} times from root seed {data.seed}. Outcomes follow the definitions in "
            "docs/metrics.md: poverty person-years count persons below the poverty line, year by year, over the "
            "whole county; the relapse rate is the annual hazard of the ex-poor cohort (households that had exited "
            "poverty by the end of 2020): those above the line at the last annual assessment and below it at this "
            "one, over those above it; the poverty headcount is the share of persons below the line."
        )
    ]
    if data.kind == "compare":
        blocks.append(
            Paragraph(
                "Differences are policy minus baseline, computed replicate by replicate (the same weather, illness "
                "and price luck in both), with 95% Student t intervals over the pairs. An interval that includes "
                "zero means the simulation cannot distinguish the policy's effect from none at this number of "
                "replications."
            )
        )
    lacking = [
        name
        for name, table in (
            ("summary.parquet", data.summary),
            ("timeseries.parquet", data.timeseries),
            ("by_group.parquet", data.by_group),
            ("income_distribution.parquet", data.income_distribution),
            ("relapse_causes.parquet", data.relapse_causes),
        )
        if table is None
    ]
    if lacking:
        blocks.append(
            Note(
                f"This folder has no {', '.join(lacking)} (results from an older agrifin, or an interrupted run): "
                "the sections that need them say so below. Re-running the experiment with this agrifin version "
                "produces them."
            )
        )
    failed = data.manifest.get("run_counts", {}).get("failed", 0)
    if failed:
        blocks.append(Note(f"{failed} run(s) failed and are left out; see manifest.json for their errors."))
    return Section("overview", "Overview", blocks)


def scenarios_section(data: ResultsData) -> list[Section]:
    """Each scenario and what it changes against the baseline, in words and values."""
    if data.kind in ("sweep", "sensitivity"):
        return [design_section(data)]
    intro = Paragraph(
        f"One scenario was run, {data.baseline}; its parameters are listed in full in Appendix A."
        if len(data.scenario_names) == 1
        else f"{len(data.scenario_names)} scenarios: {data.baseline} is the baseline, and each other scenario is "
        "described by the parameters it changes — what each sets, in the words of the scenario schema with its unit "
        "in brackets, and its value in the baseline and in the scenario."
    )
    sections = [Section("scenarios", "Scenarios compared", [intro])]
    baseline = data.resolved()
    for name in data.scenario_names:
        resolved = data.resolved(name)
        description = " ".join(str(resolved.get("description", "(no description recorded)")).split())
        blocks: list[Block] = [Paragraph(description)]
        if name == data.baseline:
            if len(data.scenario_names) > 1:
                blocks.append(Paragraph("The baseline: the reference every other scenario is compared with."))
        elif not resolved or not baseline:
            blocks.append(Note("The manifest does not record this scenario's parameters; its changes are unknown."))
        elif not (changes := parameter_changes(baseline, resolved)):
            blocks.append(Paragraph("It sets every parameter as the baseline does."))
        else:
            blocks.append(Paragraph(f"It changes {len(changes)} parameter(s) of {data.baseline}:"))
            blocks.append(
                Table(
                    ["Parameter", "What it sets", data.baseline, name],
                    [list(change) for change in changes],
                )
            )
        sections.append(Section(f"scenario-{name}", name, blocks, level=2))
    return sections


def design_section(data: ResultsData) -> Section:
    """For a sweep or sensitivity analysis: the base scenario and the varied keys with their ranges."""
    design = data.manifest.get("experiment", {}).get("design", {})
    factors = design.get("factors", [])
    description = " ".join(str(data.resolved().get("description", "")).split())
    blocks: list[Block] = [Paragraph(f"Base scenario {data.baseline}: {description}")]
    if factors:
        blocks.append(
            Paragraph(
                f"Design: {design.get('method', '?')} over {design.get('points', '?')} points, each replicated "
                f"{data.replications} times; the keys below vary, every other parameter is the base scenario's."
            )
        )
        rows = [
            [
                f["key"],
                parameter_words(f["key"]),
                _number(f.get("low")),
                _number(f.get("high")),
                str(f.get("levels", "")) or ", ".join(f.get("labels", [])),
            ]
            for f in factors
        ]
        blocks.append(Table(["Parameter", "What it sets", "Low", "High", "Levels"], rows, numeric=[0, 0, 1, 1, 1]))
    else:
        blocks.append(Note("The manifest does not record the design's factors."))
    return Section("scenarios", "Design: the parameters varied", blocks)


def _value(value: Any) -> str:
    """A design value: a split as written, a number to 4 significant digits."""
    return value if isinstance(value, str) else f"{value:.4g}"


def _number(value: Any) -> str:
    return f"{value:,.6g}" if isinstance(value, int | float) else str(value)


def headline_section(data: ResultsData) -> Section:
    """Levels per scenario and paired differences against the baseline with 95% intervals."""
    blocks: list[Block] = []
    if data.summary is None:
        blocks.append(Note(_missing("summary.parquet", data)))
        return Section("headline", "Headline results", blocks)
    if data.kind in ("sweep", "sensitivity"):
        return Section("headline", "Headline results", _design_headline(data))
    blocks.append(Paragraph("The headline metrics of each scenario, mean over replications."))
    blocks.append(level_table(data))
    try:
        tables = headline_tables(data.need_comparison())
    except ChartUnavailableError as reason:
        blocks.append(Note(f"No paired comparison: {reason}."))
    else:
        blocks.append(
            Paragraph(
                "Paired differences against the baseline (policy − baseline, per replicate) with 95% intervals and "
                "paired t-test p-values. Shares are in percentage points (pp)."
            )
        )
        blocks += tables
    return Section("headline", "Headline results", blocks)


def _design_headline(data: ResultsData) -> list[Block]:
    if data.sensitivity is not None:
        indices = data.sensitivity
        if not {"outcome", "parameter", "index", "value", "conf"} <= set(indices.columns):
            return [Note("sensitivity.csv lacks the columns outcome, parameter, index, value, conf.")]
        shown = indices[indices["index"].isin(["S1", "ST", "mu_star", "sigma"])]
        rows = [
            [r["outcome"], r["parameter"], r["index"], f"{r['value']:.3f}",
             f"[{r['value'] - r['conf']:.3f}, {r['value'] + r['conf']:.3f}]"]
            for _, r in shown.iterrows()
        ]  # fmt: skip
        return [
            Paragraph("Sensitivity indices with 95% bootstrap intervals (SALib)."),
            Table(["Outcome", "Parameter", "Index", "Value", "95% CI"], rows, numeric=[False] * 3 + [True] * 2),
        ]
    summary = data.summary
    if summary is None or "point" not in summary.columns or "relapse_rate" not in summary.columns:
        return [Note("The summary has no design points with a relapse_rate column.")]
    keys = [k for k in varied_keys(data) if k in summary.columns]
    metric = "relapse_rate"
    means = summary.groupby("point").agg({**{k: "first" for k in keys}, metric: ["mean", "min", "max"]})
    rows = [
        [str(point), *(_value(row[(k, 'first')]) for k in keys), f"{row[(metric, 'mean')]:.2%}",
         f"[{row[(metric, 'min')]:.2%}, {row[(metric, 'max')]:.2%}]"]
        for point, row in means.head(30).iterrows()
    ]  # fmt: skip
    blocks: list[Block] = [
        Paragraph(f"Mean {metric} per design point over replicates (range across replicates in brackets)."),
        Table(["Point", *keys, metric, "Range"], rows, numeric=[True] * (len(keys) + 3)),
    ]
    if len(means) > 30:
        blocks.append(Note(f"The first 30 of {len(means)} points are shown; every point is in summary.csv."))
    return blocks


def _charts_intro(data: ResultsData) -> str:
    colours = ", ".join(data.scenario_names)
    return (
        f"Each scenario keeps one colour in every chart ({colours}, in that order). Every chart is also available as "
        "PNG and SVG with `agrifin plot RESULTS_DIR --chart NAME`."
    )


def chart_sections(data: ResultsData, dpi: int) -> list[Section]:
    """One sub-section per chart: the figure(s) and what they show, or why they are missing."""
    sections = []
    for name in CHARTS_BY_KIND.get(data.kind, STANDARD_CHARTS):
        spec = CHART_BY_NAME[name]
        try:
            images = chart_images(data, name, dpi=dpi)
        except ChartNotApplicableError as reason:
            blocks: list[Block] = [Note(f"Not applicable to this folder: {reason}.")]
        except ChartUnavailableError as reason:
            blocks = [Note(f"No data for this chart: {reason}.")]
        else:
            blocks = [Figure(stem, png, spec.about) for stem, png in images]
        sections.append(Section(f"chart-{name}", spec.title, blocks, level=2))
    return sections


def parameters_section(data: ResultsData) -> Section:
    """Appendix A: the baseline's resolved parameters in full."""
    resolved = data.resolved()
    if not resolved:
        return Section("parameters", "Appendix A. Resolved parameters", [Note(_missing("scenario parameters", data))])
    others = [n for n in data.scenario_names if n != data.baseline]
    text = f"The parameters of {data.baseline} as run (after extends and overrides). " + (
        f"The other scenarios ({', '.join(others)}) differ only as listed under Scenarios compared."
        if others and data.kind not in ("sweep", "sensitivity")
        else "Each design point sets the varied keys as listed in design.csv."
        if data.kind in ("sweep", "sensitivity")
        else ""
    )
    dump = yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True, width=1_000_000)
    return Section("parameters", "Appendix A. Resolved parameters", [Paragraph(text.strip()), Preformatted(dump)])


def provenance_section(data: ResultsData) -> Section:
    """Appendix B: version, commit, command, seeds, replications, dates, hashes, package versions."""
    m = data.manifest
    experiment = m.get("experiment", {})
    counts = m.get("run_counts", {})
    keys = sorted({tuple(r.get("spawn_key", [])) for r in m.get("runs", [])})
    spawn = f"{len(keys)} spawn keys, {_span(keys)}, shared by every scenario" if keys else "not recorded"
    rows = [
        ["agrifin version", str(m.get("agrifin", "?"))],
        ["git commit", str(m.get("git_commit") or "not a git checkout")],
        ["command", " ".join(m.get("command", [])) or "not recorded"],
        ["experiment", f"{experiment.get('kind', data.kind)}, {experiment.get('runs', '?')} runs planned"],
        ["runs finished / failed", f"{counts.get('ok', '?')} / {counts.get('failed', '?')}"],
        ["replications", str(data.replications)],
        ["root seed", str(m.get("root_seed", "?"))],
        ["replicate spawn keys", spawn],
        ["started", str(m.get("started", "?"))],
        ["finished", str(m.get("finished") or "not finished")],
        ["executor", str(experiment.get("executor", "?"))],
        ["Python", f"{m.get('python', '?')} on {m.get('platform', '?')}"],
    ]
    rows += [[f"scenario {s['name']}", f"content hash {s.get('content_hash', '?')}"] for s in m.get("scenarios", [])]
    rows += [[f"package {k}", str(v)] for k, v in m.get("packages", {}).items()]
    blocks: list[Block] = [
        Paragraph(
            "Everything needed to reproduce this folder: the same command with this agrifin version and seed "
            "gives identical numbers."
        ),
        Table(["Item", "Value"], rows),
    ]
    return Section("provenance", "Appendix B. Provenance", blocks)


def _span(keys: list[tuple]) -> str:
    if len(keys) <= 4:
        return ", ".join(str(list(k)) for k in keys)
    return f"{list(keys[0])} … {list(keys[-1])}"


def _missing(what: str, data: ResultsData) -> str:
    why = data.unreadable.get(what)
    return f"{what} is unreadable ({why})" if why else f"This folder has no {what} (results from an older agrifin?)"
