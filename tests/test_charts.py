"""Charts of a results folder: every chart renders, carries its title, units and caption, keeps
each scenario's colour, degrades with a reason, and speaks Chinese when asked."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex
from PIL import Image
from results_folders import comparison_folder, design_folder, older_copy, run_agrifin

import simulation.outputs.charts.text
from simulation.app.cli.main import cli
from simulation.outputs.charts.catalogue import CHART_NAMES, draw_chart, save_chart
from simulation.outputs.charts.data import ChartUnavailableError, ResultsData
from simulation.outputs.charts.text import MISSING, chart_fonts

COMPARISON_CHARTS = tuple(name for name in CHART_NAMES if name not in ("sweep", "sensitivity", "risk_sharing"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return comparison_folder(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def data(folder: Path) -> ResultsData:
    return ResultsData.load(folder)


def titles(fig: plt.Figure) -> list[str]:
    """The figure's title: the suptitle, or the title of the legend that carries it."""
    found = [fig.get_suptitle()] if fig.get_suptitle() and fig._suptitle.get_visible() else []
    return found + [legend.get_title().get_text() for legend in fig.legends if legend.get_title().get_text()]


@pytest.mark.parametrize("name", COMPARISON_CHARTS)
def test_each_chart_is_saved_as_png_and_svg_of_a4_width(data: ResultsData, name: str):
    paths = save_chart(data, name)
    assert {p.suffix for p in paths} == {".png", ".svg"}
    for path in paths:
        assert path.parent == data.path / "figures"
        assert path.stat().st_size > (15_000 if path.suffix == ".png" else 8_000)
    width, height = Image.open(next(p for p in paths if p.suffix == ".png")).size
    assert 900 <= width <= 1100 and height > 400  # 6.3 inches at 150 dpi, plus the margins


def test_print_resolution_doubles_the_pixels(data: ResultsData):
    screen = save_chart(data, "credit_losses", dpi=150)[0]
    width_150 = Image.open(screen).size[0]
    printed = save_chart(data, "credit_losses", dpi=300)[0]
    assert Image.open(printed).size[0] == pytest.approx(2 * width_150, rel=0.02)


@pytest.mark.parametrize("name", COMPARISON_CHARTS)
def test_each_chart_has_a_title_axis_labels_with_units_and_a_caption(data: ResultsData, name: str):
    for _, fig in draw_chart(data, name):
        assert titles(fig), f"{name} has no title"
        visible = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
        xlabels = [ax.get_xlabel() for ax in visible if ax.get_xlabel()]
        assert xlabels, f"{name} has no x-axis label"
        assert any("(" in label or "yuan" in label or "points" in label or "year" in label.lower() for label in xlabels)
        captions = [t.get_text() for t in fig.texts if t.get_text().startswith("Scenarios:")]
        assert captions and "3 replications" in captions[0] and "seed 5" in captions[0] and "baseline" in captions[0]
        plt.close(fig)


def test_each_scenario_has_the_same_colour_in_every_chart(data: ResultsData):
    seen: dict[str, set[str]] = {}
    for name in ("relapse_rate", "poverty_headcount", "effects", "relapse_by_group", "income_distribution"):
        for _, fig in draw_chart(data, name):
            for line in (line for ax in fig.axes for line in ax.get_lines()):
                label = line.get_label().split(":")[0]
                if label in data.colours:
                    seen.setdefault(label, set()).add(to_hex(line.get_color()))
            plt.close(fig)
    assert set(seen) == set(data.scenario_names)
    assert all(colours == {data.colours[name].lower()} for name, colours in seen.items())
    assert len(set(data.colours.values())) == len(data.colours)


def test_sweep_heatmap_and_sensitivity_bars_render_from_their_folders(tmp_path: Path):
    sweep = ResultsData.load(design_folder(tmp_path, "sweep"))
    assert [p.name for p in save_chart(sweep, "sweep")] == ["sweep_relapse_rate.png", "sweep_relapse_rate.svg"]
    sensitivity = ResultsData.load(design_folder(tmp_path, "sensitivity"))
    names = {p.name for p in save_chart(sensitivity, "sensitivity")}
    assert {"sensitivity_relapse_rate.png", "sensitivity_poverty_headcount.svg"} <= names
    with pytest.raises(ChartUnavailableError, match="design point"):
        draw_chart(sweep, "fiscal_cost")  # pooling a sweep's points would mislead


def test_a_chart_without_its_data_names_what_is_missing(folder: Path, tmp_path: Path):
    older = ResultsData.load(older_copy(folder, tmp_path / "older"))
    with pytest.raises(ChartUnavailableError, match=r"by_group\.parquet is absent"):
        draw_chart(older, "relapse_by_group")
    with pytest.raises(ChartUnavailableError, match="credit_losses_bank"):
        draw_chart(older, "credit_losses")
    drawn = draw_chart(older, "effects")  # comparison.csv is gone: computed again from the summary
    assert drawn and drawn[0][0] == "effects"


def test_plot_draws_one_chart_and_refuses_unknown_names_and_folders(folder: Path, tmp_path: Path):
    code, stderr = run_agrifin("plot", str(folder), "--chart", "fiscal_cost", "--dpi", "100")
    assert code == 0, stderr
    assert (folder / "figures" / "fiscal_cost.svg").exists()
    for args, says in (
        (("plot", str(folder), "--chart", "pie"), "'pie' is not one of"),
        (("plot", str(tmp_path / "nowhere")), "no such results folder"),
        (("plot", str(older_copy(folder, tmp_path / "old")), "--chart", "income_distribution"), "is absent"),
        (("plot", str(folder), "--metric", "happiness"), "unknown metric"),
    ):
        code, stderr = run_agrifin(*args)
        assert code == 2, (args, stderr)
        assert says in stderr and len(stderr.strip().splitlines()) == 1
        assert "Traceback" not in stderr


def test_chinese_labels_without_a_cjk_font_exit_2_naming_the_package(folder: Path, monkeypatch):
    from click.testing import CliRunner

    monkeypatch.setattr(simulation.outputs.charts.text, "find_cjk_font", lambda: None)
    result = CliRunner().invoke(cli, ["plot", str(folder), "--chart", "relapse_rate", "--lang", "zh"])
    assert result.exit_code == 2
    assert "fonts-noto-cjk" in result.output
    assert not (folder / "figures" / "relapse_rate_zh.png").exists()


@pytest.mark.filterwarnings("ignore:Glyph")
def test_chinese_labels_with_a_font_translate_every_label(data: ResultsData, monkeypatch):
    monkeypatch.setattr(simulation.outputs.charts.text, "find_cjk_font", lambda: "DejaVu Sans")
    MISSING.clear()
    paths = save_chart(data, "relapse_by_group", lang="zh")
    assert paths[0].name == "relapse_by_group_zh.png"
    with chart_fonts("zh"):
        for name in COMPARISON_CHARTS:
            for _, fig in draw_chart(data, name, lang="zh"):
                assert any("\u4e00" <= char <= "\u9fff" for char in "".join(titles(fig)))
                plt.close(fig)
    assert not MISSING, f"labels without a Chinese translation: {sorted(MISSING)}"
