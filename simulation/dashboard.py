"""The planners' dashboard: move a lever, step the county month by month, watch it respond.

A Dash app served from this process on 127.0.0.1. Dash ships its front end (React,
dash-renderer, the components and plotly.js) inside its Python wheels and serves them
itself, so the page works with no internet access at all.

Each open page gets its own :class:`ValueChainModel`, kept here in memory. Moving a lever
re-validates the scenario and starts a fresh run from month 0 under the new levers with
the same seed; the previous run stays on the charts as a dashed grey line, so the gap
between the two is the levers' effect (both runs meet the same weather, illness and price
luck). The model's institutions are built from the scenario when a run starts, which is
why a lever applies from month 0 rather than in the middle of a run.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from simulation.dashboard_figures import CHARTS, MAP_VIEWS, chart_figure, chart_patch, map_figure
from simulation.dashboard_levers import (
    BY_KEY,
    HOUSEHOLDS,
    LEVERS,
    PREMIUM_SUBSIDIES,
    RISK_SHARES,
    Lever,
    balance_shares,
    cap_total,
    changed_levers,
    describe_changes,
    lever_range,
    lever_values,
    overrides_for,
    save_lever_set,
)
from simulation.model import ValueChainModel
from simulation.scenario import ScenarioError, load_scenario

PLAY_INTERVAL_MS = 400
MAX_PAGES = 6
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
.number { width: 110px; }
#save-message { font-size: 12px; margin-top: 4px; word-break: break-all; }
"""


@dataclass
class PageRun:
    """One page's county: the model, the levers it runs with, and the run before it."""

    model: ValueChainModel
    levers: dict[str, Any]
    seed: int
    previous: list[dict[str, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    step_seconds: float = 0.0


class CountyDashboard:
    """The Dash app and the runs of the pages it serves.

    Args:
        source: the scenario file the page starts from (saved lever sets extend it).
        households: households at start (default: the scenario's).
        seed: root seed at start.
        save_dir: the folder lever sets are saved to by default.
    """

    def __init__(self, source: Path, households: int | None = None, seed: int = 1, save_dir: Path = Path(".")) -> None:
        self.source = Path(source)
        self.start = load_scenario(self.source)
        overrides = {HOUSEHOLDS: households} if households is not None else {}
        self.initial = lever_values(load_scenario(self.source, overrides))
        self.seed = seed
        self.save_dir = Path(save_dir)
        self.pages: OrderedDict[str, PageRun] = OrderedDict()
        self.pages_lock = threading.Lock()
        self.app = Dash(
            __name__,
            title="agrifin dashboard",
            update_title=None,
            serve_locally=True,
            assets_ignore=".*",
        )
        self.app.index_string = self.app.index_string.replace("{%css%}", "{%css%}<style>" + STYLE + "</style>")
        self.app.layout = self.layout
        self.register_callbacks()

    # ------------------------------------------------------------------ the page
    def layout(self) -> html.Div:
        """The page, built afresh on each load with a new page id."""
        months = self.start.months
        return html.Div(
            [
                dcc.Store(id="page", data=uuid.uuid4().hex),
                dcc.Interval(id="clock", interval=PLAY_INTERVAL_MS, disabled=True),
                html.Div(
                    [
                        html.H1("agrifin — county dashboard"),
                        html.P(
                            f"Starting scenario: {self.start.name} ({self.source.name}). "
                            "Move a lever: the county restarts at month 0 under it, the previous run stays dashed."
                        ),
                    ],
                    className="header",
                ),
                html.Div(
                    [
                        html.Div([*self.lever_panel(), *self.save_panel()], className="levers"),
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

    def lever_panel(self) -> list[Any]:
        """The levers, section by section, then the seed."""
        children: list[Any] = []
        group = None
        for lever in LEVERS:
            if lever.group != group:
                group = lever.group
                children.append(html.H2(group))
            children.append(lever_control(lever, self.initial[lever.key]))
        children.append(html.Div("Seed", className="lever-label"))
        children.append(
            dcc.Input(id="seed", type="number", min=0, step=1, value=self.seed, debounce=True, className="number")
        )
        return children

    def save_panel(self) -> list[Any]:
        """Save the lever set as a scenario file that extends the starting one."""
        return [
            html.H2("Save levers as a scenario"),
            html.Div("Name", className="lever-label"),
            dcc.Input(id="save-name", type="text", value=f"{self.start.name}_dashboard", debounce=False),
            html.Div("Folder", className="lever-label"),
            dcc.Input(id="save-folder", type="text", value=str(self.save_dir), style={"width": "95%"}),
            html.Div(html.Button("Save scenario", id="save"), style={"marginTop": "6px"}),
            html.Div("", id="save-message"),
        ]

    # ------------------------------------------------------------------ callbacks
    def register_callbacks(self) -> None:
        """Wire the page: share rules, the run (play, step, reset, levers) and saving."""
        app = self.app
        risk = [BY_KEY[k].dom_id for k in RISK_SHARES]
        subsidies = [BY_KEY[k].dom_id for k in PREMIUM_SUBSIDIES]
        app.callback([Output(i, "value") for i in risk], [Input(i, "value") for i in risk], prevent_initial_call=True)(
            self.keep_risk_shares_summing_to_one
        )
        app.callback(
            [Output(i, "value") for i in subsidies], [Input(i, "value") for i in subsidies], prevent_initial_call=True
        )(self.keep_premium_subsidies_within_one)
        app.callback(
            output={
                "month": Output("month", "children"),
                "status": Output("status", "children"),
                "paused": Output("clock", "disabled"),
                "play_label": Output("play", "children"),
                "charts": {c.name: Output(f"chart-{c.name}", "figure") for c in CHARTS},
                "county": Output("county-map", "figure"),
            },
            inputs={
                "levers": {lever.key: Input(lever.dom_id, "value") for lever in LEVERS},
                "seed": Input("seed", "value"),
                "play": Input("play", "n_clicks"),
                "step": Input("step", "n_clicks"),
                "reset": Input("reset", "n_clicks"),
                "tick": Input("clock", "n_intervals"),
                "view": Input("map-view", "value"),
                "paused": State("clock", "disabled"),
                "page": State("page", "data"),
            },
        )(self.advance)
        app.callback(
            output=Output("save-message", "children"),
            inputs={
                "clicks": Input("save", "n_clicks"),
                "name": State("save-name", "value"),
                "folder": State("save-folder", "value"),
                "seed": State("seed", "value"),
                "levers": {lever.key: State(lever.dom_id, "value") for lever in LEVERS},
            },
            prevent_initial_call=True,
        )(self.save)

    @staticmethod
    def keep_risk_shares_summing_to_one(*shares: float) -> list[float]:
        """The guarantor, re-guarantor, bank and government shares always sum to 1."""
        moved = ctx.triggered_id
        values = {BY_KEY[k].dom_id: (s or 0.0) for k, s in zip(RISK_SHARES, shares, strict=True)}
        if moved not in values:
            raise PreventUpdate
        return list(balance_shares(values, moved).values())

    @staticmethod
    def keep_premium_subsidies_within_one(*subsidies: float) -> list[float]:
        """Central, province and county premium subsidies never exceed the whole premium."""
        moved = ctx.triggered_id
        values = {BY_KEY[k].dom_id: (s or 0.0) for k, s in zip(PREMIUM_SUBSIDIES, subsidies, strict=True)}
        if moved not in values:
            raise PreventUpdate
        return list(cap_total(values, moved).values())

    def advance(
        self,
        levers: dict[str, Any],
        seed: int | None,
        play: int | None,
        step: int | None,
        reset: int | None,
        tick: int | None,
        view: str,
        paused: bool,
        page: str,
    ) -> dict[str, Any]:
        """Start, restart, step or play the page's county, and redraw what changed."""
        trigger = ctx.triggered_id
        run = self.page_run(page)
        if trigger == "clock" and (paused or run is None):
            raise PreventUpdate
        if trigger == "play":
            paused = not paused
        try:
            values, seed = self.checked_levers(levers, seed)
        except ValueError as err:
            return self.response(run, view, f"Not applied: {err}", paused=True, charts=False)
        if run is None or trigger == "reset" or values != run.levers or seed != run.seed:
            try:
                run = self.restart(page, run, values, seed)
            except ScenarioError as err:
                return self.response(run, view, f"Not applied: {err.problem} ({err.key})", paused=True, charts=False)
            return self.response(run, view, self.describe(run), paused=True)
        if trigger in ("step", "clock", "play"):
            if not run.model.running:
                return self.response(run, view, "End of the horizon: Reset to run again.", paused=True, charts=False)
            if trigger == "clock" and not run.lock.acquire(blocking=False):
                raise PreventUpdate  # the previous month is still being computed
            if trigger != "clock":
                run.lock.acquire()
            try:
                began = time.perf_counter()
                run.model.step()
                run.step_seconds = time.perf_counter() - began
            finally:
                run.lock.release()
            paused = paused or not run.model.running
            return self.response(run, view, self.describe(run), paused=paused)
        return self.response(run, view, self.describe(run), paused=paused, charts=False)

    def checked_levers(self, levers: dict[str, Any], seed: int | None) -> tuple[dict[str, Any], int]:
        """The lever values in the scenario's types; a cleared or out-of-range number is an error."""
        households = levers.get(HOUSEHOLDS)
        lever = BY_KEY[HOUSEHOLDS]
        if households is None or not lever.low <= float(households) <= lever.high:
            raise ValueError(f"households: enter a whole number from {lever.low:,.0f} to {lever.high:,.0f}")
        if seed is None or int(seed) < 0:
            raise ValueError("seed: enter a whole number, 0 or more")
        return overrides_for(levers), int(seed)

    def restart(self, page: str, run: PageRun | None, values: dict[str, Any], seed: int) -> PageRun:
        """A fresh run from month 0 under ``values``; the current run becomes the previous one."""
        scenario = load_scenario(self.source, values)
        fresh = PageRun(ValueChainModel(scenario, seed=seed), values, seed)
        if run is not None:
            fresh.previous = list(run.model.records) if run.model.records else run.previous
        with self.pages_lock:
            self.pages[page] = fresh
            self.pages.move_to_end(page)
            while len(self.pages) > MAX_PAGES:
                self.pages.popitem(last=False)
        return fresh

    def page_run(self, page: str) -> PageRun | None:
        """The page's run, if it has one (pages beyond the last few open are forgotten)."""
        with self.pages_lock:
            run = self.pages.get(page)
            if run is not None:
                self.pages.move_to_end(page)
            return run

    def describe(self, run: PageRun) -> str:
        """The status line: what is running and which levers differ from the starting scenario."""
        changes = changed_levers(self.start, run.levers)
        changes.pop(HOUSEHOLDS, None)
        households = run.levers[HOUSEHOLDS]
        timing = f" · last step {run.step_seconds * 1000:.0f} ms" if run.step_seconds else ""
        return (
            f"{households:,} households, seed {run.seed}{timing} · levers changed from {self.start.name}: "
            f"{describe_changes(changes)}"
        )

    def response(
        self, run: PageRun | None, view: str, status: str, paused: bool, charts: bool = True
    ) -> dict[str, Any]:
        """Everything the page shows, for the outputs of :meth:`advance`."""
        nothing = {c.name: no_update for c in CHARTS}
        if run is None:
            return {
                "month": no_update,
                "status": status,
                "paused": paused,
                "play_label": "Play",
                "charts": nothing,
                "county": no_update,
            }
        model = run.model
        return {
            "month": f"Month {max(model.month, 0)} of {model.params.months}",
            "status": status,
            "paused": paused,
            "play_label": "Play" if paused else "Pause",
            "charts": {c.name: chart_patch(c, model.records, run.previous) for c in CHARTS} if charts else nothing,
            "county": map_figure(model, view),
        }

    def save(
        self, clicks: int | None, name: str | None, folder: str | None, seed: int | None, levers: dict[str, Any]
    ) -> str:
        """Save the page's levers as ``<folder>/<name>.yaml``, a diff over the starting scenario."""
        try:
            values, seed = self.checked_levers(levers, seed)
            saved = save_lever_set(self.source, self.start, values, (name or "").strip(), Path(folder or "."), seed)
        except (ValueError, OSError) as err:
            return f"Not saved: {err}"
        return f"Saved {saved.path} ({describe_changes(saved.changes)}). Run it with: agrifin run {saved.path}"


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
    if lever.kind == "count":
        control = dcc.Input(
            id=lever.dom_id,
            type="number",
            min=lever.low,
            max=lever.high,
            step=lever.step,
            value=value,
            debounce=True,
            className="number",
        )
        return html.Div([html.Div(lever.label, className="lever-label"), control])
    low, high = lever_range(lever, value)
    slider = dcc.Slider(
        id=lever.dom_id,
        min=low,
        max=high,
        step=lever.step,
        value=value,
        marks={low: f"{low:g}", high: f"{high:g}"},
    )
    return html.Div([html.Div(lever.label, className="lever-label"), slider])
