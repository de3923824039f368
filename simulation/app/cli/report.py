"""``agrifin report`` and ``agrifin plot``: a review document and charts from a results folder."""

from __future__ import annotations

from pathlib import Path

import click

from simulation.app.cli.runs import BadInput
from simulation.engine.metrics import METRIC_NAMES
from simulation.outputs.charts.catalogue import CHART_BY_NAME, CHART_NAMES
from simulation.outputs.charts.text import LANGUAGES

FORMATS = ("html", "pdf")


def _load(results_dir: Path):
    from simulation.outputs.charts.data import ResultsData, ResultsFolderError

    try:
        return ResultsData.load(results_dir)
    except ResultsFolderError as err:
        raise BadInput(str(err)) from None


@click.command()
@click.argument("results_dir", type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True, help="html: one file with "
    "embedded images; pdf: A4 pages drawn by matplotlib."
)  # fmt: skip
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here (default RESULTS_DIR/report.FORMAT).")
@click.option("--dpi", type=click.IntRange(50, 600), default=200, show_default=True, help="Resolution of the figures.")
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the whole report: text, tables and charts (zh: Chinese; default file report_zh.FORMAT).",
)
@click.option("-q", "--quiet", is_flag=True, help="Do not print the path written.")
def report(results_dir: Path, fmt: str, output: Path | None, dpi: int, lang: str, quiet: bool) -> None:
    """Write a review report of RESULTS_DIR: scenarios, headline table, charts, parameters, provenance."""
    from simulation.outputs.charts.text import MissingFontError, find_cjk_font
    from simulation.outputs.report.build import build_report
    from simulation.outputs.report.calibration import calibration_report, is_calibration_folder
    from simulation.outputs.report.explore import exploratory_kind, exploratory_report
    from simulation.outputs.results import write_atomic

    calibration = is_calibration_folder(results_dir) and not (results_dir / "manifest.json").exists()
    exploratory = exploratory_kind(results_dir) is not None  # explore, discover or optimize: their own report
    data = None if calibration or exploratory else _load(results_dir)
    target = output or results_dir / (f"report.{fmt}" if lang == "en" else f"report_{lang}.{fmt}")
    if target.is_dir():
        raise BadInput(f"-o {target}: is a folder; name the report file, e.g. -o {target / f'report.{fmt}'}")
    if lang == "zh" and find_cjk_font() is None:
        raise BadInput(str(MissingFontError()))
    if exploratory:
        document = exploratory_report(results_dir, dpi, lang)
    else:
        document = calibration_report(results_dir, dpi) if calibration else build_report(data, dpi=dpi, lang=lang)
    if fmt == "html":
        from simulation.outputs.report.html import render_html

        write_atomic(target, render_html(document))
    else:
        from simulation.outputs.report.pdf import render_pdf

        write_atomic(target, render_pdf(document))
    if not quiet:
        click.echo(f"wrote {target}")


@click.command()
@click.argument("results_dir", type=click.Path(path_type=Path), required=False)
@click.option(
    "--chart",
    "charts",
    multiple=True,
    type=click.Choice(CHART_NAMES),
    help="A chart to draw (repeatable); default: every chart the folder has data for.",
)
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True, help="Language of the labels.")
@click.option(
    "--dpi", type=click.IntRange(50, 600), default=150, show_default=True, help="PNG resolution (300: print)."
)
@click.option("--metric", help="Metric of the comparison and sweep charts, or outcome of the sensitivity chart.")
@click.option("--list", "list_charts", is_flag=True, help="List the charts and what each shows, then exit.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the files written.")
def plot(
    results_dir: Path | None,
    charts: tuple[str, ...],
    lang: str,
    dpi: int,
    metric: str | None,
    list_charts: bool,
    quiet: bool,
) -> None:
    """Draw charts of RESULTS_DIR as PNG and SVG under RESULTS_DIR/figures/."""
    from simulation.experiments.stats import AVERTED_METRICS
    from simulation.outputs.charts.catalogue import save_chart
    from simulation.outputs.charts.data import ChartUnavailableError
    from simulation.outputs.charts.text import MissingFontError, find_cjk_font

    if list_charts:
        for spec in CHART_BY_NAME.values():
            click.echo(f"{spec.name:<26} {spec.about}")
        return
    if results_dir is None:
        raise BadInput("plot: name the RESULTS_DIR to draw from (or --list the charts)")
    data = _load(results_dir)
    own = (
        [] if data.summary is None else [c for c in data.summary.columns if c not in ("scenario", "point", "replicate")]
    )
    if metric is not None and metric not in (*METRIC_NAMES, *AVERTED_METRICS, *own):  # own: a run's custom outcomes
        raise BadInput(f"--metric {metric}: unknown metric; choose one of {', '.join(METRIC_NAMES)}")
    if lang == "zh" and find_cjk_font() is None:
        raise BadInput(str(MissingFontError()))
    written, skipped = [], []
    for name in charts or CHART_NAMES:
        try:
            written += save_chart(data, name, lang, dpi, metric)
        except ChartUnavailableError as reason:
            if charts:
                raise BadInput(f"{results_dir}: cannot draw {name}: {reason}") from None
            skipped.append(f"{name} ({reason})")
    if not written:
        raise BadInput(f"{results_dir}: no chart can be drawn: {'; '.join(skipped)}")
    if not quiet:
        for path in written:
            click.echo(f"wrote {path}")
        for line in skipped:
            click.echo(f"skipped {line}", err=True)
