"""The report in Chinese, headings kept with what follows them, the county actually run, design tables per method."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from results_folders import comparison_folder, design_folder, run_agrifin

import simulation.outputs.charts.text
import simulation.outputs.report.i18n
from simulation.outputs.charts.data import ResultsData
from simulation.outputs.report.blocks import Note, Paragraph, Report, Section, Table
from simulation.outputs.report.build import build_report, run_overrides
from simulation.outputs.report.html import render_html
from simulation.outputs.report.pdf import paginate, pieces

DPI = 50


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return comparison_folder(tmp_path_factory.getbasetemp())


def chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


@pytest.mark.filterwarnings("ignore:Glyph")
def test_a_chinese_report_translates_every_sentence_table_and_chart(folder, monkeypatch):
    monkeypatch.setattr(
        simulation.outputs.charts.text, "find_cjk_font", lambda: "DejaVu Sans"
    )  # glyphs aside, the same
    simulation.outputs.report.i18n.MISSING.clear()
    simulation.outputs.charts.text.MISSING.clear()

    document = build_report(ResultsData.load(folder), dpi=DPI, lang="zh")

    assert not simulation.outputs.report.i18n.MISSING, sorted(simulation.outputs.report.i18n.MISSING)
    assert not simulation.outputs.charts.text.MISSING, sorted(simulation.outputs.charts.text.MISSING)
    assert all(chinese(section.title) for section in document.sections if not section.key.startswith("scenario-"))
    headline = document.section("headline")
    tables = [b for b in headline.blocks if isinstance(b, Table)]
    assert tables and all(chinese(row[0]) for table in tables for row in table.rows)
    assert '<html lang="zh-CN">' in render_html(document)
    pages = paginate(document)
    assert chinese(pages[0].ops[-1].text)  # the footer's page number


def test_a_chinese_report_without_a_cjk_font_exits_2_naming_the_package(folder, monkeypatch, tmp_path):
    monkeypatch.setattr(simulation.outputs.charts.text, "find_cjk_font", lambda: None)
    from click.testing import CliRunner

    from simulation.app.cli.main import cli

    result = CliRunner().invoke(cli, ["report", str(folder), "--lang", "zh", "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert "fonts-noto-cjk" in result.output
    assert not (tmp_path / "r.html").exists()


def test_chinese_text_wraps_between_characters_but_not_before_closing_punctuation():
    assert [word for _, word in pieces("中文，测试 abc")] == ["中", "文，", "测", "试", "abc"]
    assert [gap for gap, _ in pieces("a  b")] == ["", "  "]


@pytest.mark.parametrize("filler", range(40, 62))
def test_a_heading_is_never_left_alone_at_the_foot_of_a_page(filler):
    long_text = Paragraph(" ".join(["word"] * 14 * filler))
    table = Table(["Metric", "a", "b"], [[f"row {i}", "1", "2"] for i in range(8)])
    intro = Paragraph("The headline metrics of each scenario, mean over replications.")
    report = Report(
        "t", "s", [Section("overview", "Overview", [long_text]), Section("headline", "Headline", [intro, table])]
    )

    pages = paginate(report)

    page_of = {op.text: number for number, page in enumerate(pages) for op in page.ops if op.kind == "text"}
    assert page_of["Headline"] == page_of["row 0"] == page_of[intro.text]


def test_the_overview_states_the_county_run_and_flags_the_overrides(folder):
    data = ResultsData.load(folder)
    data.manifest["command"] = ["agrifin", "compare", "a.yaml", "b.yaml", "--households", "600", "--years", "2"]
    data.manifest.setdefault("experiment", {})["overrides"] = {"transfers.dibao_takeup": 0.8}

    overview = build_report(data, dpi=DPI).section("overview")

    text = " ".join(b.text for b in overview.blocks)
    assert "The county actually run has 600 households over 2 years" in text
    assert "replicated 3 times" in text
    notes = [b.text for b in overview.blocks if isinstance(b, Note)]
    assert any(
        "population.households = 600 (--households)" in n and "transfers.dibao_takeup = 0.8 (--set)" in n for n in notes
    )
    assert run_overrides({"command": ["agrifin", "run", "x.yaml"]}) == []


@pytest.mark.parametrize(("kind", "columns"), [("sweep", ["Low", "High", "Levels"]), ("sensitivity", ["Low", "High"])])
def test_design_tables_show_the_columns_of_their_method(tmp_path, kind, columns):
    document = build_report(ResultsData.load(design_folder(tmp_path, kind)), dpi=DPI)

    section = document.section("scenarios")
    table = next(b for b in section.blocks if isinstance(b, Table))
    assert table.columns == ["Parameter", "What it sets", *columns]
    method = "full grid" if kind == "sweep" else "Sobol (Saltelli)"
    assert any(method in b.text for b in section.blocks if isinstance(b, Paragraph))


def test_a_grid_of_value_lists_shows_the_values(tmp_path):
    out = design_folder(tmp_path, "sweep")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["experiment"]["design"]["factors"].append(
        {"key": "monitoring.enabled", "choices": [False, True], "integer": False}
    )
    (out / "manifest.json").write_text(json.dumps(manifest))

    table = next(
        b for b in build_report(ResultsData.load(out), dpi=DPI).section("scenarios").blocks if isinstance(b, Table)
    )

    assert table.columns[-1] == "Values"
    assert table.rows[-1][-2:] == ["2", "false, true"]


def test_report_lang_zh_writes_report_zh_html_beside_the_english_one(folder):
    code, stderr = run_agrifin("report", str(folder), "--lang", "zh", "--dpi", str(DPI))
    assert code == 0, stderr
    assert chinese((folder / "report_zh.html").read_text())
