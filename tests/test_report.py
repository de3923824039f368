"""The review report: every section present, figures embedded, the PDF paginated as laid out,
scenario changes in words and values, and an older folder degrading with notes, not errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from results_folders import comparison_folder, design_folder, older_copy, run_agrifin

from simulation.outputs.charts.data import ResultsData
from simulation.outputs.report.blocks import Figure, Note, Table
from simulation.outputs.report.build import SECTION_KEYS, STANDARD_CHARTS, build_report
from simulation.outputs.report.html import render_html
from simulation.outputs.report.pdf import page_count, render_pdf
from simulation.outputs.report.tables import parameter_words

DPI = 60  # small figures: the layout is the same, the test faster


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return comparison_folder(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def report(folder: Path):
    return build_report(ResultsData.load(folder), dpi=DPI)


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_html_report_has_every_section_and_embeds_every_chart(folder: Path):
    code, stderr = run_agrifin("report", str(folder), "--dpi", str(DPI))
    assert code == 0, stderr
    html = (folder / "report.html").read_text()
    for key in (*SECTION_KEYS, *(f"chart-{name}" for name in STANDARD_CHARTS)):
        assert f'<section id="{key}">' in html, key
    assert html.count('src="data:image/png;base64,') == len(STANDARD_CHARTS)
    assert not re.search(r'(src|href)="(?!data:|#)', html), "the report must not link outside itself"
    assert not list(folder.glob(".report.html.*")), "no temporary file left behind"


def test_pdf_report_has_the_pages_its_layout_planned(folder: Path, report):
    code, stderr = run_agrifin("report", str(folder), "--format", "pdf", "--dpi", str(DPI))
    assert code == 0, stderr
    pdf = (folder / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    pages = pdf_pages(pdf)
    assert pages == page_count(report)
    figures = sum(isinstance(b, Figure) for s in report.sections for b in s.blocks)
    assert figures == len(STANDARD_CHARTS)
    # front matter and tables, about a page per chart, the two appendices
    assert figures // 2 + 3 <= pages <= figures + 12


def test_scenarios_are_described_by_their_changes_in_words_and_values(report):
    section = report.section("scenario-risk_sharing_4321")
    table = next(b for b in section.blocks if isinstance(b, Table))
    assert table.columns[2:] == ["baseline", "risk_sharing_4321"]
    assert ["guarantee.enabled", "Whether the guarantor covers loans", "false", "true"] in table.rows
    baseline = report.section("scenario-baseline")
    assert not any(isinstance(b, Table) for b in baseline.blocks)


def test_parameter_words_come_from_the_schema_with_units():
    assert parameter_words("poverty.line").endswith("[yuan per person per year]")
    assert parameter_words("regions.mountain.transfers.dibao_takeup").startswith("In mountain villages: ")
    assert "not in this agrifin" in parameter_words("no.such.key")


def test_headline_table_gives_paired_differences_with_intervals(report):
    tables = [b for b in report.section("headline").blocks if isinstance(b, Table)]
    levels, *paired = tables
    assert levels.columns == ["Metric", "baseline", "risk_sharing_4321", "grassroots_liaison"]
    assert [t.columns[2] for t in paired] == ["risk_sharing_4321", "grassroots_liaison"]
    relapse = next(row for row in paired[1].rows if row[0].startswith("Relapse rate"))
    assert relapse[3].endswith(" pp") and relapse[4].startswith("[") and relapse[4].endswith("] pp")
    assert "3 paired replicates" in paired[0].caption


def test_provenance_names_version_seed_replications_and_dates(report):
    rows = dict(next(b for b in report.section("provenance").blocks if isinstance(b, Table)).rows)
    assert rows["root seed"] == "5" and rows["replications"] == "3"
    assert rows["agrifin version"] and rows["started"].startswith("20") and rows["command"].startswith("agrifin")


def test_a_folder_missing_tables_and_metrics_gets_notes_not_errors(folder: Path, tmp_path: Path):
    older = older_copy(folder, tmp_path / "older")
    document = build_report(ResultsData.load(older), dpi=DPI)
    notes = {s.key: " ".join(b.text for b in s.blocks if isinstance(b, Note)) for s in document.sections}
    assert "by_group.parquet is absent" in notes["chart-relapse_by_group"]
    assert "income_distribution.parquet is absent" in notes["chart-income_distribution"]
    assert "credit_losses_bank" in notes["chart-credit_losses"]
    assert "fiscal_basic_transfers" in notes["chart-fiscal_cost"]
    assert "by_group.parquet" in notes["overview"]
    assert any(isinstance(b, Figure) for b in document.section("chart-relapse_rate").blocks)
    assert '<section id="headline">' in render_html(document)
    assert pdf_pages(render_pdf(document)) == page_count(document)
    code, stderr = run_agrifin("report", str(older), "--dpi", str(DPI))
    assert code == 0, stderr
    assert '<section id="chart-credit_losses">' in (older / "report.html").read_text()


@pytest.mark.parametrize("kind", ["sweep", "sensitivity"])
def test_design_reports_describe_the_varied_keys_and_draw_their_chart(tmp_path: Path, kind: str):
    document = build_report(ResultsData.load(design_folder(tmp_path, kind)), dpi=DPI)
    design = next(b for b in document.section("scenarios").blocks if isinstance(b, Table))
    assert [row[0] for row in design.rows] == ["transfers.dibao_takeup", "health.reimbursement_share"]
    figures = [b.name for s in document.sections for b in s.blocks if isinstance(b, Figure)]
    assert figures == (["sweep_relapse_rate"] if kind == "sweep" else
                       ["sensitivity_relapse_rate", "sensitivity_poverty_headcount"])  # fmt: skip
    assert pdf_pages(render_pdf(document)) == page_count(document)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("report", "/no/such/folder"), "no such results folder"),
        (("report", ".", "--format", "docx"), "'docx' is not one of"),
        (("report", str(Path(__file__).resolve().parents[1] / "docs")), "not an agrifin results folder"),
    ],
)
def test_report_bad_input_exits_2_with_one_line(args: tuple[str, ...], says: str):
    code, stderr = run_agrifin(*args)
    assert code == 2
    assert says in stderr and len(stderr.strip().splitlines()) == 1
    assert "Traceback" not in stderr
