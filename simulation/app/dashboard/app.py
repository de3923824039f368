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
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from simulation.app.dashboard.figures import CHARTS, chart_patch, map_figure
from simulation.app.dashboard.layout import STYLE, PageSetup, page_layout
from simulation.app.dashboard.levers import (
    BY_KEY,
    HOUSEHOLDS,
    LEVERS,
    PREMIUM_SUBSIDIES,
    RISK_SHARES,
    balance_shares,
    cap_total,
    changed_levers,
    describe_changes,
    lever_range,
    lever_values,
    overrides_for,
    save_lever_set,
)
from simulation.engine.model import ValueChainModel
from simulation.scenario.loading import ScenarioError, load_scenario

MAX_PAGES = 6


@dataclass
class PageRun:
    """One page's county: the model, the levers it runs with, and the run before it."""

    model: ValueChainModel
    levers: dict[str, Any]
    seed: int
    previous: list[dict[str, float]] = field(default_factory=list)
    step_seconds: float = 0.0


@dataclass
class PageState:
    """An open page: its run (once started) and the lock that lets one request at a time change it."""

    run: PageRun | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class CountyDashboard:
    """The Dash app and the runs of the pages it serves.

    Args:
        source: the scenario file the page starts from (saved lever sets extend it).
        households: households at start (default: the scenario's).
        seed: root seed at start.
        save_dir: the folder lever sets are saved in (not outside it).
        encoding: the scenario files' text encoding when not UTF-8 (``--encoding``).
    """

    def __init__(
        self,
        source: Path,
        households: int | None = None,
        seed: int = 1,
        save_dir: Path = Path("."),
        encoding: str | None = None,
    ) -> None:
        self.source = Path(source)
        self.encoding = encoding
        self.start = load_scenario(self.source, encoding=encoding)
        overrides = {HOUSEHOLDS: households} if households is not None else {}
        self.initial = lever_values(load_scenario(self.source, overrides, encoding))
        self.households_range = lever_range(BY_KEY[HOUSEHOLDS], self.initial[HOUSEHOLDS])
        self.save_dir = Path(save_dir)
        self.pages: OrderedDict[str, PageState] = OrderedDict()
        self.pages_lock = threading.Lock()
        self.app = Dash(
            __name__,
            title="agrifin dashboard",
            update_title=None,
            serve_locally=True,
            assets_ignore=".*",
        )
        self.app.index_string = self.app.index_string.replace("{%css%}", "{%css%}<style>" + STYLE + "</style>")
        setup = PageSetup(self.source, self.start, self.initial, seed, self.save_dir)
        self.app.layout = lambda: page_layout(setup)
        self.register_callbacks()

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
        """Start, restart, step or play the page's county, and redraw what changed.

        One request at a time per page; a play tick that finds the previous month still
        being computed is dropped rather than queued.
        """
        trigger = ctx.triggered_id
        state = self.page(page)
        if trigger == "clock":
            if paused or not state.lock.acquire(blocking=False):
                raise PreventUpdate
        else:
            state.lock.acquire()
        try:
            if trigger == "play":
                paused = not paused
            return self.update(state, trigger, levers, seed, view, paused)
        finally:
            state.lock.release()

    def update(
        self, state: PageState, trigger: str | None, levers: dict[str, Any], seed: int | None, view: str, paused: bool
    ) -> dict[str, Any]:
        """What :meth:`advance` does, under the page's lock."""
        run = state.run
        try:
            values, seed = self.checked_levers(levers, seed)
        except ValueError as err:
            return self.response(run, view, f"Not applied: {err}", paused=True, charts=False)
        if run is None or trigger == "reset" or values != run.levers or seed != run.seed:
            try:
                state.run = run = self.restart(run, values, seed)
            except ScenarioError as err:
                return self.response(run, view, f"Not applied: {err.problem} ({err.key})", paused=True, charts=False)
            return self.response(run, view, self.describe(run), paused=True)
        steps = trigger in ("step", "clock") or (trigger == "play" and not paused)
        if not steps:
            return self.response(run, view, self.describe(run), paused=paused, charts=False)
        if not run.model.running:
            return self.response(run, view, "End of the horizon: Reset to run again.", paused=True, charts=False)
        began = time.perf_counter()
        run.model.step()
        run.step_seconds = time.perf_counter() - began
        return self.response(run, view, self.describe(run), paused=paused or not run.model.running)

    def checked_levers(self, levers: dict[str, Any], seed: int | None) -> tuple[dict[str, Any], int]:
        """The lever values in the scenario's types; a cleared or out-of-range number is an error."""
        households = levers.get(HOUSEHOLDS)
        low, high = self.households_range
        if households is None or not low <= float(households) <= high:
            raise ValueError(f"households: enter a whole number from {low:,.0f} to {high:,.0f}")
        if seed is None or int(seed) < 0:
            raise ValueError("seed: enter a whole number, 0 or more")
        return overrides_for(levers), int(seed)

    def restart(self, run: PageRun | None, values: dict[str, Any], seed: int) -> PageRun:
        """A fresh run from month 0 under ``values``; the current run becomes the previous one."""
        fresh = PageRun(ValueChainModel(load_scenario(self.source, values, self.encoding), seed=seed), values, seed)
        if run is not None:
            fresh.previous = list(run.model.records) if run.model.records else run.previous
        return fresh

    def page(self, page: str) -> PageState:
        """The page's state, made on its first request; only the last few pages opened are kept."""
        with self.pages_lock:
            state = self.pages.get(page)
            if state is None:
                state = self.pages[page] = PageState()
            self.pages.move_to_end(page)
            while len(self.pages) > MAX_PAGES:
                self.pages.popitem(last=False)
            return state

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
        """Save the page's levers as ``<folder>/<name>.yaml``, a diff over the starting scenario (inside --save-dir)."""
        target = Path(folder or self.save_dir)
        if not target.resolve().is_relative_to(self.save_dir.resolve()):
            return f"Not saved: the folder {target} is outside {self.save_dir} (--save-dir); choose a folder inside it"
        try:
            values, seed = self.checked_levers(levers, seed)
            saved = save_lever_set(self.source, self.start, values, (name or "").strip(), target, seed, self.encoding)
        except (ValueError, OSError) as err:
            return f"Not saved: {err}"
        return f"Saved {saved.path} ({describe_changes(saved.changes)}). Run it with: agrifin run {saved.path}"
