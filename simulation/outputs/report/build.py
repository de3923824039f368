"""The review report of a results folder: what was compared, what came out, how it was made.

:func:`build_report` turns a folder into a :class:`Report` — sections of paragraphs,
tables, figures and notes — that :mod:`simulation.outputs.report.html` and
:mod:`simulation.outputs.report.pdf` render. A section whose data the folder lacks (an older run)
holds a :class:`Note` saying so instead of failing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from simulation.experiments.sample_checks import MIN_REPLICATES
from simulation.outputs.charts.catalogue import CHART_BY_NAME, chart_images
from simulation.outputs.charts.data import ChartNotApplicableError, ChartUnavailableError, ResultsData
from simulation.outputs.charts.experiments import varied_keys
from simulation.outputs.report.blocks import Block, Figure, Note, Paragraph, Preformatted, Report, Section, Table
from simulation.outputs.report.calibration import uncertainty_sections
from simulation.outputs.report.i18n import t
from simulation.outputs.report.tables import headline_tables, level_table, parameter_changes, parameter_words

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


def build_report(data: ResultsData, dpi: int = REPORT_DPI, lang: str = "en") -> Report:
    """The report of a results folder (figures drawn at ``dpi``), in ``lang`` (``en`` or ``zh``)."""
    sections = [
        overview(data, lang),
        *scenarios_section(data, lang),
        headline_section(data, lang),
        *uncertainty_sections(data.path, dpi),  # compare --parameter-sets only
        Section("charts", t("Charts", lang), [Paragraph(_charts_intro(data, lang))]),
        *chart_sections(data, dpi, lang),
        parameters_section(data, lang),
        provenance_section(data, lang),
    ]
    kind = {"run": "Run", "compare": "Policy comparison", "sweep": "Parameter sweep", "sensitivity": "Sensitivity"}
    colon = "：" if lang == "zh" else ": "
    heading = t(kind[data.kind], lang) if data.kind in kind else data.kind.title()
    title = f"{heading}{colon}{', '.join(data.scenario_names) or data.path.name}"
    subtitle = t("agrifin report on {folder} — generated {time} UTC", lang).format(
        folder=data.path.name, time=f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"
    )
    return Report(title, subtitle, sections, t("agrifin report — {folder}", lang).format(folder=data.path.name), lang)


def run_overrides(manifest: dict[str, Any]) -> list[str]:
    """What the command changed against the scenario files: ``--households``, ``--years`` and each ``--set``."""
    command = [str(part) for part in manifest.get("command", [])]
    found = []
    for option, key in (("--households", "population.households"), ("--years", "horizon.years")):
        for i, part in enumerate(command[:-1]):
            if part == option:
                found.append(f"{key} = {command[i + 1]} ({option})")
    for key, value in manifest.get("experiment", {}).get("overrides", {}).items():
        found.append(f"{key} = {value} (--set)")
    return found


def overview(data: ResultsData, lang: str = "en") -> Section:
    """What was run — the county actually simulated, its replications and overrides — and which data are missing."""
    first = data.resolved()
    households = first.get("population", {}).get("households")
    years = first.get("horizon", {}).get("years")
    what = {
        "run": t("one scenario was run", lang),
        "compare": t(
            "{n} policy scenario(s) were compared with the baseline scenario, {baseline}, each run on the same "
            "replicate seeds (common random numbers)",
            lang,
        ).format(n=len(data.scenario_names) - 1, baseline=data.baseline),
        "sweep": t("the scenario {baseline} was run over a design of parameter values (a sweep)", lang).format(
            baseline=data.baseline
        ),
        "sensitivity": t("the global sensitivity of outcomes to parameters of {baseline} was estimated", lang).format(
            baseline=data.baseline
        ),
    }.get(data.kind, t("an experiment of kind {kind} was run", lang).format(kind=data.kind))
    size = (
        t(
            "The county actually run has {households} households over {years} years; every scenario was replicated "
            "{replications} times from root seed {seed}.",
            lang,
        ).format(households=f"{households:,}", years=years, replications=data.replications, seed=data.seed)
        if households
        else t(
            "The county's size was not recorded; every scenario was replicated {replications} times from root seed "
            "{seed}.",
            lang,
        ).format(replications=data.replications, seed=data.seed)
    )
    blocks: list[Block] = [
        Paragraph(
            " ".join(
                (
                    t("In this experiment {what}.", lang).format(what=what),
                    size,
                    t(
                        "Outcomes follow the definitions in docs/metrics.md: poverty person-years count persons below "
                        "the poverty line, year by year, over the whole county; the relapse rate is the annual hazard "
                        "of the ex-poor cohort (households that had exited poverty by the end of 2020): those above "
                        "the line at the last annual assessment and below it at this one, over those above it; the "
                        "poverty headcount is the share of persons below the line.",
                        lang,
                    ),
                )
            )
        )
    ]
    overrides = run_overrides(data.manifest)
    if overrides:
        blocks.append(
            Note(
                t("Overridden for this run (the scenario files say otherwise): {changes}.", lang).format(
                    changes="; ".join(overrides)
                )
                + " "
                + t(
                    "Scenario descriptions quoted below are the scenario files' own words and may name another "
                    "county size.",
                    lang,
                )
            )
        )
    if 1 < data.replications < MIN_REPLICATES and data.kind in ("run", "compare"):
        blocks.append(
            Note(
                t(
                    "Only {n} replicates per scenario: the 95% intervals are wide; raise -r to at least {minimum}.",
                    lang,
                ).format(n=data.replications, minimum=MIN_REPLICATES)
            )
        )
    if data.kind == "compare":
        blocks.append(
            Paragraph(
                t(
                    "Differences are policy minus baseline, computed replicate by replicate (the same weather, illness "
                    "and price luck in both), with 95% Student t intervals over the pairs. An interval that includes "
                    "zero means the simulation cannot distinguish the policy's effect from none at this number of "
                    "replications.",
                    lang,
                )
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
                t(
                    "This folder has no {files} (results from an older agrifin, or an interrupted run): the sections "
                    "that need them say so below. Re-running the experiment with this agrifin version produces them.",
                    lang,
                ).format(files=", ".join(lacking))
            )
        )
    failed = data.manifest.get("run_counts", {}).get("failed", 0)
    if failed:
        blocks.append(
            Note(t("{n} run(s) failed and are left out; see manifest.json for their errors.", lang).format(n=failed))
        )
    return Section("overview", t("Overview", lang), blocks)


def scenarios_section(data: ResultsData, lang: str = "en") -> list[Section]:
    """Each scenario and what it changes against the baseline, in words and values."""
    if data.kind in ("sweep", "sensitivity"):
        return [design_section(data, lang)]
    intro = Paragraph(
        t("One scenario was run, {baseline}; its parameters are listed in full in Appendix A.", lang).format(
            baseline=data.baseline
        )
        if len(data.scenario_names) == 1
        else t(
            "{n} scenarios: {baseline} is the baseline, and each other scenario is described by the parameters it "
            "changes — what each sets, in the words of the scenario schema with its unit in brackets, and its value "
            "in the baseline and in the scenario.",
            lang,
        ).format(n=len(data.scenario_names), baseline=data.baseline)
    )
    sections = [Section("scenarios", t("Scenarios compared", lang), [intro])]
    baseline = data.resolved()
    for name in data.scenario_names:
        resolved = data.resolved(name)
        description = " ".join(str(resolved.get("description", t("(no description recorded)", lang))).split())
        blocks: list[Block] = [Paragraph(description)]
        if name == data.baseline:
            if len(data.scenario_names) > 1:
                blocks.append(Paragraph(t("The baseline: the reference every other scenario is compared with.", lang)))
        elif not resolved or not baseline:
            blocks.append(
                Note(t("The manifest does not record this scenario's parameters; its changes are unknown.", lang))
            )
        elif not (changes := parameter_changes(baseline, resolved)):
            blocks.append(Paragraph(t("It sets every parameter as the baseline does.", lang)))
        else:
            blocks.append(
                Paragraph(
                    t("It changes {n} parameter(s) of {baseline}:", lang).format(n=len(changes), baseline=data.baseline)
                )
            )
            blocks.append(
                Table(
                    [t("Parameter", lang), t("What it sets", lang), data.baseline, name],
                    [list(change) for change in changes],
                )
            )
        sections.append(Section(f"scenario-{name}", name, blocks, level=2))
    return sections


DESIGN_SENTENCES = {
    "grid": "Design: a full grid over {points} points, each replicated {replications} times; the keys below vary, "
    "every other parameter is the base scenario's.",
    "lhs": "Design: a Latin hypercube of {points} points, each replicated {replications} times, drawn between each "
    "key's low and high; every other parameter is the base scenario's.",
    "sobol": "Design: Sobol (Saltelli) sampling with {samples} base samples, {points} points, each replicated "
    "{replications} times, between each key's low and high; every other parameter is the base scenario's.",
    "morris": "Design: Morris elementary effects, {samples} trajectories, {points} points, each replicated "
    "{replications} times, between each key's low and high; every other parameter is the base scenario's.",
}


def design_section(data: ResultsData, lang: str = "en") -> Section:
    """For a sweep or sensitivity analysis: the base scenario and the varied keys, in the columns of its method.

    A grid lists each key's low, high and levels (or its values); a Latin hypercube, Sobol or
    Morris design draws between low and high, so it has no levels column.
    """
    design = data.manifest.get("experiment", {}).get("design", {})
    factors = design.get("factors", [])
    method = design.get("method", "grid")
    description = " ".join(str(data.resolved().get("description", "")).split())
    blocks: list[Block] = [
        Paragraph(
            t("Base scenario {baseline}: {description}", lang).format(baseline=data.baseline, description=description)
        )
    ]
    if not factors:
        blocks.append(Note(t("The manifest does not record the design's factors.", lang)))
        return Section("scenarios", t("Design: the parameters varied", lang), blocks)
    sentence = t(DESIGN_SENTENCES.get(method, DESIGN_SENTENCES["grid"]), lang)
    points, samples = design.get("points", "?"), design.get("samples", "?")
    blocks.append(Paragraph(sentence.format(points=points, samples=samples, replications=data.replications)))
    head = [t("Parameter", lang), t("What it sets", lang)]
    if method == "grid":
        listed = any("choices" in f or "labels" in f for f in factors)
        rows = [[f["key"], parameter_words(f["key"]), *_grid_cells(f, listed)] for f in factors]
        columns = [t("Low", lang), t("High", lang), t("Levels", lang)] + ([t("Values", lang)] if listed else [])
        numeric = [False, False, True, True, True] + ([False] if listed else [])
    else:
        rows = [[f["key"], parameter_words(f["key"]), _number(f.get("low")), _number(f.get("high"))] for f in factors]
        columns, numeric = [t("Low", lang), t("High", lang)], [False, False, True, True]
    blocks.append(Table([*head, *columns], rows, numeric=numeric))
    return Section("scenarios", t("Design: the parameters varied", lang), blocks)


def _grid_cells(factor: dict[str, Any], listed: bool) -> list[str]:
    """Low, high, levels (and the values of a list factor) of one grid factor."""
    values = factor.get("choices") or factor.get("labels")
    if values:
        shown = ", ".join("true" if v is True else "false" if v is False else str(v) for v in values)
        return ["", "", str(len(values)), shown]
    cells = [_number(factor.get("low")), _number(factor.get("high")), str(factor.get("levels", ""))]
    return [*cells, ""] if listed else cells


def _value(value: Any) -> str:
    """A design value: a split as written, a number to 4 significant digits."""
    return value if isinstance(value, str) else f"{value:.4g}"


def _number(value: Any) -> str:
    return f"{value:,.6g}" if isinstance(value, int | float) else str(value)


def headline_section(data: ResultsData, lang: str = "en") -> Section:
    """Levels per scenario and paired differences against the baseline with 95% intervals."""
    title = t("Headline results", lang)
    blocks: list[Block] = []
    if data.summary is None:
        blocks.append(Note(_missing("summary.parquet", data, lang)))
        return Section("headline", title, blocks)
    if data.kind in ("sweep", "sensitivity"):
        return Section("headline", title, _design_headline(data, lang))
    blocks.append(Paragraph(t("The headline metrics of each scenario, mean over replications.", lang)))
    blocks.append(level_table(data, lang))
    try:
        tables = headline_tables(data.need_comparison(), lang)
    except ChartUnavailableError as reason:
        blocks.append(Note(t("No paired comparison: {reason}.", lang).format(reason=reason)))
    else:
        blocks.append(
            Paragraph(
                t(
                    "Paired differences against the baseline (policy − baseline, per replicate) with 95% intervals and "
                    "paired t-test p-values. Shares are in percentage points (pp).",
                    lang,
                )
            )
        )
        blocks += tables
    return Section("headline", title, blocks)


def _design_headline(data: ResultsData, lang: str = "en") -> list[Block]:
    if data.sensitivity is not None:
        indices = data.sensitivity
        if not {"outcome", "parameter", "index", "value", "conf"} <= set(indices.columns):
            return [Note(t("sensitivity.csv lacks the columns outcome, parameter, index, value, conf.", lang))]
        shown = indices[indices["index"].isin(["S1", "ST", "mu_star", "sigma"])]
        rows = [
            [r["outcome"], r["parameter"], r["index"], f"{r['value']:.3f}",
             f"[{r['value'] - r['conf']:.3f}, {r['value'] + r['conf']:.3f}]"]
            for _, r in shown.iterrows()
        ]  # fmt: skip
        return [
            Paragraph(t("Sensitivity indices with 95% bootstrap intervals (SALib).", lang)),
            Table(
                [t(c, lang) for c in ("Outcome", "Parameter", "Index", "Value", "95% CI")],
                rows,
                numeric=[False] * 3 + [True] * 2,
            ),
        ]
    summary = data.summary
    if summary is None or "point" not in summary.columns or "relapse_rate" not in summary.columns:
        return [Note(t("The summary has no design points with a {metric} column.", lang).format(metric="relapse_rate"))]
    keys = [k for k in varied_keys(data) if k in summary.columns]
    metric = "relapse_rate"
    means = summary.groupby("point").agg({**{k: "first" for k in keys}, metric: ["mean", "min", "max"]})
    rows = [
        [str(point), *(_value(row[(k, 'first')]) for k in keys), f"{row[(metric, 'mean')]:.2%}",
         f"[{row[(metric, 'min')]:.2%}, {row[(metric, 'max')]:.2%}]"]
        for point, row in means.head(30).iterrows()
    ]  # fmt: skip
    blocks: list[Block] = [
        Paragraph(
            t("Mean {metric} per design point over replicates (range across replicates in brackets).", lang).format(
                metric=metric
            )
        ),
        Table([t("Point", lang), *keys, metric, t("Range", lang)], rows, numeric=[True] * (len(keys) + 3)),
    ]
    if len(means) > 30:
        blocks.append(
            Note(t("The first 30 of {n} points are shown; every point is in summary.csv.", lang).format(n=len(means)))
        )
    return blocks


def _charts_intro(data: ResultsData, lang: str = "en") -> str:
    return t(
        "Each scenario keeps one colour in every chart ({colours}, in that order). Every chart is also available as "
        "PNG and SVG with `agrifin plot RESULTS_DIR --chart NAME`.",
        lang,
    ).format(colours=", ".join(data.scenario_names))


def chart_sections(data: ResultsData, dpi: int, lang: str = "en") -> list[Section]:
    """One sub-section per chart: the figure(s) and what they show, or why they are missing."""
    sections = []
    for name in CHARTS_BY_KIND.get(data.kind, STANDARD_CHARTS):
        spec = CHART_BY_NAME[name]
        try:
            images = chart_images(data, name, lang=lang, dpi=dpi)
        except ChartNotApplicableError as reason:
            blocks: list[Block] = [Note(t("Not applicable to this folder: {reason}.", lang).format(reason=reason))]
        except ChartUnavailableError as reason:
            blocks = [Note(t("No data for this chart: {reason}.", lang).format(reason=reason))]
        else:
            blocks = [Figure(stem, png, t(spec.about, lang)) for stem, png in images]
        sections.append(Section(f"chart-{name}", t(spec.title, lang), blocks, level=2))
    return sections


def parameters_section(data: ResultsData, lang: str = "en") -> Section:
    """Appendix A: the baseline's resolved parameters in full."""
    title = t("Appendix A. Resolved parameters", lang)
    resolved = data.resolved()
    if not resolved:
        return Section("parameters", title, [Note(_missing(t("scenario parameters", lang), data, lang))])
    others = [n for n in data.scenario_names if n != data.baseline]
    first = t("The parameters of {baseline} as run (after extends and overrides).", lang).format(baseline=data.baseline)
    rest = (
        t("The other scenarios ({others}) differ only as listed under Scenarios compared.", lang).format(
            others=", ".join(others)
        )
        if others and data.kind not in ("sweep", "sensitivity")
        else t("Each design point sets the varied keys as listed in design.csv.", lang)
        if data.kind in ("sweep", "sensitivity")
        else ""
    )
    dump = yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True, width=1_000_000)
    return Section("parameters", title, [Paragraph(f"{first} {rest}".strip()), Preformatted(dump)])


def provenance_section(data: ResultsData, lang: str = "en") -> Section:
    """Appendix B: version, commit, command, seeds, replications, dates, hashes, overrides, package versions."""
    m = data.manifest
    experiment = m.get("experiment", {})
    counts = m.get("run_counts", {})
    keys = sorted({tuple(r.get("spawn_key", [])) for r in m.get("runs", [])})
    spawn = (
        t("{n} spawn keys, {span}, shared by every scenario", lang).format(n=len(keys), span=_span(keys))
        if keys
        else t("not recorded", lang)
    )
    rows = [
        [t("agrifin version", lang), str(m.get("agrifin", "?"))],
        [t("git commit", lang), str(m.get("git_commit") or t("not a git checkout", lang))],
        [t("command", lang), " ".join(m.get("command", [])) or t("not recorded", lang)],
        [
            t("experiment", lang),
            t("{kind}, {runs} runs planned", lang).format(
                kind=experiment.get("kind", data.kind), runs=experiment.get("runs", "?")
            ),
        ],
        [t("runs finished / failed", lang), f"{counts.get('ok', '?')} / {counts.get('failed', '?')}"],
        [t("replications", lang), str(data.replications)],
        [t("root seed", lang), str(m.get("root_seed", "?"))],
        [t("replicate spawn keys", lang), spawn],
        [t("started", lang), str(m.get("started", "?"))],
        [t("finished", lang), str(m.get("finished") or t("not finished", lang))],
        [t("executor", lang), str(experiment.get("executor", "?"))],
        [
            t("Python", lang),
            t("{python} on {platform}", lang).format(python=m.get("python", "?"), platform=m.get("platform", "?")),
        ],
    ]
    overrides = run_overrides(m)
    if overrides:
        rows.append([t("overrides", lang), "; ".join(overrides)])
    rows += [
        [
            t("scenario {name}", lang).format(name=s["name"]),
            t("content hash {hash}", lang).format(hash=s.get("content_hash", "?")),
        ]
        for s in m.get("scenarios", [])
    ]
    rows += [[t("package {name}", lang).format(name=k), str(v)] for k, v in m.get("packages", {}).items()]
    blocks: list[Block] = [
        Paragraph(
            t(
                "Everything needed to reproduce this folder: the same command with this agrifin version and seed "
                "gives identical numbers.",
                lang,
            )
        ),
        Table([t("Item", lang), t("Value", lang)], rows),
    ]
    return Section("provenance", t("Appendix B. Provenance", lang), blocks)


def _span(keys: list[tuple]) -> str:
    if len(keys) <= 4:
        return ", ".join(str(list(k)) for k in keys)
    return f"{list(keys[0])} … {list(keys[-1])}"


def _missing(what: str, data: ResultsData, lang: str = "en") -> str:
    why = data.unreadable.get(what)
    if why:
        return t("{what} is unreadable ({why})", lang).format(what=what, why=why)
    return t("This folder has no {what} (results from an older agrifin?)", lang).format(what=what)
