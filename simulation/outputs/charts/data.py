"""A results folder read for charts and reports: every table it has, and what it lacks.

Folders written by older agrifin versions lack some tables (``by_group.parquet``,
``income_distribution.parquet``, ``relapse_causes.parquet``) or metric columns; a table that is absent or unreadable
is ``None`` here, and charts that need it raise :class:`ChartUnavailableError` naming what is
missing, so a report can say so instead of failing.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.experiments.runner import RUN_TABLES
from simulation.outputs.charts.draw import scenario_colours
from simulation.outputs.charts.text import tr

OLDER_RUN = "results from an older agrifin, or a run that did not produce it"
PARQUET_TABLES = ("timeseries", "summary", *RUN_TABLES)
# summary columns that label a run rather than measure it: never compared
NOT_COMPARED = ("scenario", "replicate", "point", "calendar_year")


class ResultsFolderError(ValueError):
    """The path is not a readable agrifin results folder (bad input)."""


class ChartUnavailableError(LookupError):
    """A chart cannot be drawn from this folder; the message says which data are missing."""


class ChartNotApplicableError(ChartUnavailableError):
    """The chart does not apply to this kind of experiment (a comparison for one scenario, a heatmap for a run)."""


@dataclass
class ResultsData:
    """The tables of one results folder (``None`` where a table is absent)."""

    path: Path
    manifest: dict[str, Any]
    timeseries: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None
    comparison: pd.DataFrame | None = None
    by_group: pd.DataFrame | None = None
    income_distribution: pd.DataFrame | None = None
    relapse_causes: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    design: pd.DataFrame | None = None
    unreadable: dict[str, str] = field(default_factory=dict)  # file name -> why it could not be read

    @classmethod
    def load(cls, path: Path) -> ResultsData:
        """Read every table of the folder at ``path``.

        Raises:
            ResultsFolderError: no such folder, or no readable ``manifest.json`` in it.
        """
        path = Path(path)
        if not path.is_dir():
            raise ResultsFolderError(f"{path}: no such results folder")
        try:
            manifest = json.loads((path / "manifest.json").read_text())
        except FileNotFoundError:
            raise ResultsFolderError(f"{path}: not an agrifin results folder (no manifest.json)") from None
        except (OSError, ValueError) as err:
            raise ResultsFolderError(f"{path}/manifest.json: unreadable ({err})") from None
        if not isinstance(manifest, dict):
            raise ResultsFolderError(f"{path}/manifest.json: not an agrifin manifest (expected a JSON object)")
        data = cls(path, manifest)
        for name in PARQUET_TABLES:
            setattr(data, name, data._read(f"{name}.parquet"))
        for name in ("comparison", "sensitivity", "design"):
            setattr(data, name, data._read(f"{name}.csv"))
        return data

    def _read(self, name: str) -> pd.DataFrame | None:
        file = self.path / name
        if not file.exists():
            return None
        try:
            return pd.read_parquet(file) if name.endswith(".parquet") else pd.read_csv(file)
        except (OSError, ValueError) as err:  # pyarrow errors derive from ValueError or OSError
            self.unreadable[name] = str(err).splitlines()[0] if str(err) else type(err).__name__
            return None

    # -- what the folder is --------------------------------------------------------------

    @property
    def kind(self) -> str:
        """``run``, ``compare``, ``sweep`` or ``sensitivity`` (``run`` when unrecorded)."""
        found = self.manifest.get("experiment", {}).get("kind")
        if found:
            return str(found)
        return "compare" if len(self.scenario_names) > 1 else "run"

    @cached_property
    def scenario_names(self) -> list[str]:
        """Scenario names in the order they were run (the baseline first)."""
        names = [s["name"] for s in self.manifest.get("scenarios", [])]
        for table in (self.summary, self.timeseries):
            if table is not None and "scenario" in table.columns:
                names += [n for n in table["scenario"].unique() if n not in names]
        return names

    @property
    def baseline(self) -> str:
        """The first scenario: the one every other is compared against."""
        return self.scenario_names[0] if self.scenario_names else "baseline"

    @cached_property
    def colours(self) -> dict[str, str]:
        """One colour per scenario, the same in every figure of the folder."""
        return scenario_colours(self.scenario_names)

    def resolved(self, name: str | None = None) -> dict[str, Any]:
        """The resolved parameters of a scenario (the baseline by default) as recorded in the manifest."""
        name = name or self.baseline
        return next((s.get("resolved", {}) for s in self.manifest.get("scenarios", []) if s["name"] == name), {})

    @property
    def replications(self) -> int:
        """Replications per scenario (or per design point)."""
        planned = self.manifest.get("experiment", {}).get("replications")
        if planned:
            return int(planned)
        table = self.summary if self.summary is not None else self.timeseries
        if table is None or table.empty:
            return 0
        return int(table.groupby("scenario")["replicate"].nunique().max())

    @property
    def seed(self) -> Any:
        """The root seed."""
        return self.manifest.get("root_seed", "?")

    def caption(self, lang: str = "en", extra: str = "") -> str:
        """Caption line: scenarios, replications, seed, households, horizon, version (wrapped for A4)."""
        first = self.resolved()
        households = first.get("population", {}).get("households")
        years = first.get("horizon", {}).get("years", "?")
        size = f"{households:,} {tr('households', lang)}" if isinstance(households, int) else ""
        parts = [
            f"{tr('Scenarios', lang)}: {', '.join(self.scenario_names)}",
            f"{self.replications} {tr('replications', lang)}",
            f"{tr('seed', lang)} {self.seed}",
            f"{size}, {years} {tr('years', lang)}".strip(", "),
            f"agrifin {self.manifest.get('agrifin', '')}".strip(),
        ]
        if extra:
            parts.append(extra)
        return "\n".join(textwrap.wrap(" | ".join(parts), width=120 if lang == "en" else 80))

    # -- what a chart needs ----------------------------------------------------------------

    def need(
        self, table: str, columns: tuple[str, ...] = (), any_of: bool = False, by_point: bool = False
    ) -> pd.DataFrame:
        """The table ``table`` with ``columns`` (all of them, or at least one with ``any_of``).

        Args:
            table: ``timeseries``, ``summary``, ``by_group``, ``income_distribution``, ``relapse_causes``,
                ``comparison``, ...
            columns: the columns the chart reads.
            any_of: at least one of ``columns`` is enough.
            by_point: the chart reads a design's points (sweep, sensitivity); other charts refuse a
                table whose runs differ by design point, since pooling them would mislead.

        Raises:
            ChartUnavailableError: the table is absent or unreadable, lacks the columns, or pools design points.
        """
        frame = getattr(self, table)
        file = f"{table}.parquet" if table in PARQUET_TABLES else f"{table}.csv"
        if frame is None:
            why = self.unreadable.get(file)
            raise ChartUnavailableError(f"{file} is unreadable ({why})" if why else f"{file} is absent ({OLDER_RUN})")
        if frame.empty:
            raise ChartUnavailableError(f"{file} has no rows")
        if not by_point and "point" in frame.columns and frame["point"].nunique() > 1:
            raise ChartNotApplicableError(
                f"the runs in {file} differ by design point ({self.kind}); pooling them would mislead — "
                "see the sweep or sensitivity chart"
            )
        present = [c for c in columns if c in frame.columns]
        if columns and (not present if any_of else len(present) < len(columns)):
            lacking = [c for c in columns if c not in frame.columns]
            raise ChartUnavailableError(f"{file} lacks the column(s) {', '.join(lacking)} ({OLDER_RUN})")
        return frame

    def need_comparison(self) -> pd.DataFrame:
        """``comparison.csv``, or the paired comparison computed from the summary when it is absent.

        Raises:
            ChartUnavailableError: fewer than two scenarios, or no summary to compute it from.
        """
        if self.comparison is not None and not self.comparison.empty:
            return self.comparison
        if self.kind in ("sweep", "sensitivity") or len(self.scenario_names) < 2:
            raise ChartNotApplicableError("a comparison needs two or more scenarios (agrifin compare)")
        from simulation.experiments.stats import compare_policies

        summary = self.need("summary", ("scenario", "replicate"))
        metrics = tuple(c for c in summary.columns if c not in NOT_COMPARED)
        self.comparison = compare_policies(summary, self.baseline, metrics)
        return self.comparison
