"""What the dashboard's page is made of: the levers panel, the run controls, the charts and the map.

The page is plain Dash components styled by one small stylesheet written into the page
(no file, no web font, nothing fetched from elsewhere).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dash import dcc, html

from simulation.app.dashboard.figures import CHARTS, MAP_VIEWS, chart_figure
from simulation.app.dashboard.levers import LEVERS, Lever, lever_range
from simulation.scenario.loading import Scenario

PLAY_INTERVAL_MS = 400
STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 0; color: #222; background: #f4f5f7; }
.header { background: #1f3b57; color: #fff; padding: 10px 18px; }
.header h1 { font-size: 20px; margin: 0; }
.header p { margin: 2px 0 0; font-size: 13px; color: #d8e2ec; }
.page { display: flex; align-items: flex-start; }
.levers { width: 330px; flex: none; padding: 8px 14px; background: #fff; border-right: 1px solid #ddd;
          min-height: calc(100vh - 60px); box-sizing: border-box; font-size: 13px; }
.levers h2 { font-size: 14px; margin: 14px 0 4px; color: #1f3b57; border-bottom: 1px solid #e3e6ea; }
.lever-label { margin: 8px 0 0; }
.main { flex: 1; padding: 10px 14px; min-width: 0; }
.controls { display: flex; align-items: center; gap: 10px; background: #fff; padding: 8px 12px;
            border: 1px solid #ddd; border-radius: 4px; }
.controls button, .levers button { font-size: 14px; padding: 5px 14px; cursor: pointer; }
#month { font-size: 18px; font-weight: bold; margin-left: 10px; }
#status { font-size: 12px; color: #444; margin-left: 10px; flex: 1; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 10px; margin-top: 10px; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: 4px; }
.number { width: 170px; }
#save-message { font-size: 12px; margin-top: 4px; word-break: break-all; }
"""


@dataclass(frozen=True)
class PageSetup:
    """What the page starts from: the scenario file, the levers' first values, the seed and save folder."""

    source: Path
    start: Scenario
    initial: dict[str, Any]
    seed: int
    save_dir: Path


def page_layout(setup: PageSetup) -> html.Div:
    """The page, built afresh on each load with a new page id."""
    months = setup.start.months
    return html.Div(
        [
            dcc.Store(id="page", data=uuid.uuid4().hex),
            dcc.Interval(id="clock", interval=PLAY_INTERVAL_MS, disabled=True),
            html.Div(
                [
                    html.H1("agrifin — county dashboard"),
                    html.P(
                        f"Starting scenario: {setup.start.name} ({setup.source.name}). "
                        "Move a lever: the county restarts at month 0 under it, the previous run stays dashed."
                    ),
                ],
                className="header",
            ),
            html.Div(
                [
                    html.Div([*lever_panel(setup), *save_panel(setup)], className="levers"),
                    html.Div(
                        [
                            html.Div(
                                [
                                    html.Button("Play", id="play"),
                                    html.Button("Step", id="step"),
                                    html.Button("Reset", id="reset"),
                                    html.Span(f"Month 0 of {months}", id="month"),
                                    html.Span("", id="status"),
                                ],
                                className="controls",
                            ),
                            html.Div(
                                [
                                    *[
                                        html.Div(
                                            dcc.Graph(
                                                id=f"chart-{chart.name}",
                                                figure=chart_figure(chart, months),
                                                config={"displaylogo": False, "responsive": True},
                                            ),
                                            className="card",
                                        )
                                        for chart in CHARTS
                                    ],
                                    html.Div(
                                        [
                                            dcc.RadioItems(
                                                id="map-view",
                                                options=[
                                                    {"label": f"colour by {v[0]}", "value": k}
                                                    for k, v in MAP_VIEWS.items()
                                                ],
                                                value="at_risk",
                                                inline=True,
                                                inputStyle={"margin": "0 4px 0 10px"},
                                            ),
                                            dcc.Graph(id="county-map", config={"displaylogo": False}),
                                        ],
                                        className="card",
                                    ),
                                ],
                                className="charts",
                            ),
                        ],
                        className="main",
                    ),
                ],
                className="page",
            ),
        ]
    )


def lever_panel(setup: PageSetup) -> list[Any]:
    """The levers, section by section, then the seed."""
    children: list[Any] = []
    group = None
    for lever in LEVERS:
        if lever.group != group:
            group = lever.group
            children.append(html.H2(group))
        children.append(lever_control(lever, setup.initial[lever.key]))
    children.append(html.Div("Seed", className="lever-label"))
    children.append(
        dcc.Input(id="seed", type="number", min=0, step=1, value=setup.seed, debounce=True, className="number")
    )
    return children


def save_panel(setup: PageSetup) -> list[Any]:
    """Save the lever set as a scenario file that extends the starting one."""
    return [
        html.H2("Save levers as a scenario"),
        html.Div("Name", className="lever-label"),
        dcc.Input(id="save-name", type="text", value=f"{setup.start.name}_dashboard", debounce=False),
        html.Div("Folder", className="lever-label"),
        dcc.Input(id="save-folder", type="text", value=str(setup.save_dir), style={"width": "95%"}),
        html.Div(html.Button("Save scenario", id="save"), style={"marginTop": "6px"}),
        html.Div("", id="save-message"),
    ]


def lever_control(lever: Lever, value: Any) -> html.Div:
    """A lever's control: a slider, an on/off switch or a number box."""
    if lever.kind == "switch":
        return html.Div(
            dcc.Checklist(
                id=lever.dom_id,
                options=[{"label": " " + lever.label, "value": "on"}],
                value=["on"] if value else [],
            ),
            className="lever-label",
        )
    low, high = lever_range(lever, value)
    if lever.kind == "count":
        control = dcc.Input(
            id=lever.dom_id,
            type="number",
            min=low,
            max=high,
            step=lever.step,
            value=value,
            debounce=True,
            className="number",
        )
        return html.Div([html.Div(lever.label, className="lever-label"), control])
    slider = dcc.Slider(
        id=lever.dom_id,
        min=low,
        max=high,
        step=lever.step,
        value=value,
        marks={low: f"{low:g}", high: f"{high:g}"},
    )
    return html.Div([html.Div(lever.label, className="lever-label"), slider])
