"""The results folder (README, "Results folder"), written atomically as runs finish.

Runs come back in batches (the runs of one task, :class:`simulation.experiments.runner.RunBatch`).
Each batch is written at once as ``runs/timeseries/part-<batch>.parquet`` (the monthly
series of its runs), ``runs/<table>/part-<batch>.parquet`` (each per-run table) and, last, ``runs/<batch>.json``
(each run's key, summary row and where its rows are): a batch whose JSON is on disk is
finished. Each run's status is then appended to ``runs/status.jsonl`` (flushed to the disk,
once per batch). So a crash loses at most the runs still in flight, and ``--resume`` knows
what is left.
:meth:`ResultsFolder.finish` streams the runs, in the results' order and one batch at a
time, into ``timeseries.parquet`` and ``<table>.parquet``, and gathers
``summary.parquet``/``.csv``; ``manifest.json`` records provenance and every run's status.
Every file except the append-only status log is written under a temporary name and
renamed into place. Folders written one file per run (``runs/<run>.parquet`` and
``runs/<run>.json``, before issue 24) are read as batches of one run.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulation.experiments.run_plan import RunSpec, output_order
from simulation.outputs.parts import TIMESERIES, RunParts, arrow_table
from simulation.scenario.loading import Scenario, ScenarioError

if TYPE_CHECKING:
    from simulation.experiments.runner import RunBatch, RunOutput, RunResult

PACKAGES = (
    "mesa",
    "numpy",
    "pandas",
    "pyarrow",
    "pydantic",
    "scipy",
    "matplotlib",
    "click",
    "pyyaml",
    "networkx",
    "dask",
    "distributed",
    "SALib",
)
MANIFEST_INTERVAL_SECONDS = 10.0
logger = logging.getLogger(__name__)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def write_atomic(path: Path, data: bytes | str, sync: bool = True) -> None:
    """Write a file under a temporary name in the same folder, then rename it into place.

    Args:
        path: the file.
        data: its content.
        sync: flush it to the disk before the rename (``fsync``). A killed process loses
            nothing either way; without, a power cut may leave the file empty or torn
            (the run parts of a batch go without: :meth:`RunParts.scan` checks them on resume).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes files private; results are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class OutsideFolderError(ScenarioError):
    """A path that would be written outside the results folder (a scenario name used as a path)."""


def inside(root: Path, target: Path) -> Path:
    """``target``, checked to lie inside the folder ``root`` once both are resolved.

    Raises:
        OutsideFolderError: ``target`` resolves outside ``root``.
    """
    if not Path(target).resolve().is_relative_to(Path(root).resolve()):
        raise OutsideFolderError(str(target), "", f"refusing to write outside the results folder {root}")
    return target


def parquet_bytes(frame: pd.DataFrame | pa.Table, summary: bool = False) -> bytes:
    """A DataFrame (or an Arrow table) as Parquet bytes, each documented column's unit and meaning in its metadata.

    Args:
        frame: the table.
        summary: a run summary table (each metric's description names how a run is summarised).
    """
    from simulation.outputs.column_docs import with_column_docs

    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    buffer = io.BytesIO()
    pq.write_table(with_column_docs(table, summary), buffer)
    return buffer.getvalue()


def utc_stamp(moment: dt.datetime | None = None) -> str:
    """UTC timestamp for folder names, e.g. 20261128T150102Z."""
    return (moment or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")


def git_commit() -> str | None:
    """The commit of the agrifin checkout, if it is one."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


@functools.cache
def environment() -> dict[str, Any]:
    """Python, platform and package versions, for provenance (looked up once per process)."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    try:
        agrifin = metadata.version("agrifin")
    except metadata.PackageNotFoundError:
        agrifin = "unknown"
    return {
        "agrifin": agrifin,
        "git_commit": git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": versions,
    }


def plan_fingerprint(specs: list[RunSpec], kind: str, design_hash: str | None = None) -> str:
    """Content hash of an experiment's planned runs: scenarios, points, seed and replicates.

    ``--resume`` continues a folder only when the command plans exactly the same runs.
    """
    hashes: dict[int, str] = {}
    items = []
    for spec in specs:
        digest = hashes.setdefault(id(spec.scenario), spec.scenario.content_hash())
        items.append([digest, spec.point, spec.seed, spec.replicate])
    text = json.dumps({"kind": kind, "design": design_hash, "runs": sorted(items, key=str)})
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class ResumeMismatchError(ScenarioError):
    """``--resume`` pointed at a folder made by a different experiment."""


class ResultsFolder:
    """One experiment's results folder.

    Args:
        path: the folder (created if needed).
        scenarios: the resolved scenarios (a sweep's base scenario alone).
        seed: root seed.
        command: the command line, for provenance.
        experiment: what was planned (kind, replications, fingerprint, design, executor).
        design: a sweep's design table (one row per point), written as ``design.csv``.
    """

    def __init__(
        self,
        path: Path,
        scenarios: list[Scenario],
        seed: int,
        command: list[str],
        experiment: dict[str, Any] | None = None,
        design: pd.DataFrame | None = None,
    ) -> None:
        self.path = Path(path)
        self.scenarios = scenarios
        self.seed = seed
        self.command = command
        self.experiment = experiment or {}
        self.design = design
        self.started = dt.datetime.now(dt.UTC)
        self.sessions: list[dict[str, Any]] = []
        self.runs: dict[str, dict[str, Any]] = {}
        self._manifest_written = 0.0
        self._batches = 0
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / "runs").mkdir(exist_ok=True)
        self.parts = RunParts(self.path / "runs")
        self._write_scenarios()

    @classmethod
    def resume(
        cls,
        path: Path,
        scenarios: list[Scenario],
        seed: int,
        command: list[str],
        experiment: dict[str, Any],
        design: pd.DataFrame | None = None,
    ) -> ResultsFolder:
        """Reopen an interrupted folder, refusing it if it planned other runs.

        Raises:
            ResumeMismatchError: no manifest, or its fingerprint differs from ``experiment``'s.
        """
        manifest_path = Path(path) / "manifest.json"
        try:
            old = json.loads(manifest_path.read_text())
        except (OSError, ValueError):
            raise ResumeMismatchError(str(path), "manifest.json", "missing or unreadable; cannot resume") from None
        found = old.get("experiment", {}).get("fingerprint")
        if found != experiment.get("fingerprint"):
            raise ResumeMismatchError(
                str(path),
                "manifest.json",
                f"made by a different experiment (fingerprint {found}, this command {experiment.get('fingerprint')}): "
                "scenarios, design, seed or replications differ",
            )
        folder = cls(path, scenarios, seed, command, experiment, design)
        folder.started = dt.datetime.fromisoformat(old["started"])
        folder.sessions = old.get("sessions", [])
        for entry in folder.read_status_log():
            folder.runs[entry["part"]] = entry
        folder.parts.scan()
        return folder

    def _write_scenarios(self) -> None:
        first, *others = self.scenarios
        write_atomic(self.path / "scenario.yaml", first.to_yaml())
        for scenario in others:
            write_atomic(inside(self.path, self.path / f"scenario-{scenario.name}.yaml"), scenario.to_yaml())
        if self.design is not None:
            write_atomic(self.path / "design.csv", self.design.reset_index().to_csv(index=False))

    def part_name(self, scenario: str, replicate: int, point: int | None = None) -> str:
        """File stem of one run's part."""
        at = "" if point is None else f"__p{point:05d}"
        return f"{scenario}{at}__r{replicate:05d}"

    @property
    def status_log(self) -> Path:
        """``runs/status.jsonl``: one line per finished or failed run, appended as runs end."""
        return self.path / "runs" / "status.jsonl"

    def read_status_log(self) -> list[dict[str, Any]]:
        """The status log's entries (a line torn by a crash is skipped)."""
        if not self.status_log.exists():
            return []
        entries = []
        for line in self.status_log.read_text().splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue
        return entries

    def is_finished(self, spec: RunSpec) -> bool:
        """Whether a run's records and summary are on disk (what --resume skips)."""
        return self.part_name(spec.scenario.name, spec.replicate, spec.point) in self.parts

    def begin(self, specs_to_run: int, executor: str) -> None:
        """Note a session (first start or resume) and write the manifest before any run."""
        self.sessions.append(
            {"started": dt.datetime.now(dt.UTC).isoformat(), "runs_to_do": specs_to_run, "executor": executor}
        )
        self.write_manifest(finished=False)

    def record(self, output: RunOutput, spec: RunSpec | None = None) -> None:
        """Store one finished run (with its DataFrames) as a batch of one."""
        from simulation.experiments.runner import RunBatch

        self.record_batch(RunBatch.of([output]), [spec] if spec else None)

    def record_batch(self, batch: RunBatch, specs: list[RunSpec] | None = None) -> None:
        """Store the runs of one task: their records and summaries at once, their statuses in the log.

        Args:
            batch: what the task sent back.
            specs: the task's runs, in the batch's order (for their spawn keys).
        """
        self._batches += 1
        name = f"batch-s{len(self.sessions):03d}-{self._batches:06d}"
        stems = [self.part_name(o.scenario, o.replicate, o.point) for o in batch.outputs]
        for stem in stems:  # a scenario name never makes a path outside the folder
            inside(self.path / "runs", self.path / "runs" / f"{stem}.parquet")
        ok = [i for i, output in enumerate(batch.outputs) if output.status == "ok"]
        if ok:
            where = batch.offsets()
            self.parts.write_batch(
                name,
                [stems[i] for i in ok],
                [batch.outputs[i].summary for i in ok],
                batch.records,
                [where[i] for i in ok],
            )
        lines = []
        for i, output in enumerate(batch.outputs):
            spec = specs[i] if specs else None
            entry = {
                "part": stems[i],
                "batch": name if output.status == "ok" else None,
                "scenario": output.scenario,
                "point": output.point,
                "replicate": output.replicate,
                "spawn_key": list(spec.spawn_key) if spec else [output.replicate],
                "status": output.status,
                "seconds": round(output.seconds, 3),
                "started": dt.datetime.fromtimestamp(output.started, dt.UTC).isoformat(),
                "worker": output.worker,
                "error": output.error,
            }
            self.runs[stems[i]] = entry
            lines.append(json.dumps(entry) + "\n")
        with open(self.status_log, "a", encoding="utf-8") as log:
            log.write("".join(lines))
            log.flush()
            os.fsync(log.fileno())
        logger.debug("batch %s: %d runs stored (%d ok)", name, len(batch.outputs), len(ok))
        if time.monotonic() - self._manifest_written > MANIFEST_INTERVAL_SECONDS:
            self.write_manifest(finished=False)

    def manifest(self, finished: bool) -> dict[str, Any]:
        """Provenance of the experiment (README, "Results folder")."""
        runs = sorted(self.runs.values(), key=lambda r: (r["scenario"], r.get("point") or 0, r["replicate"]))
        counts = {status: sum(r["status"] == status for r in runs) for status in ("ok", "failed")}
        return {
            **environment(),
            "command": self.command,
            "root_seed": self.seed,
            "seed_entropy": self.seed,
            "experiment": self.experiment,
            "scenarios": [
                {"name": s.name, "content_hash": s.content_hash(), "resolved": s.model_dump(mode="json")}
                for s in self.scenarios
            ],
            "started": self.started.isoformat(),
            "sessions": self.sessions,
            "finished": dt.datetime.now(dt.UTC).isoformat() if finished else None,
            "complete": finished,
            "run_counts": counts,
            "runs": runs,
        }

    def write_manifest(self, finished: bool) -> None:
        """Write manifest.json (atomically; rewritten now and then as runs finish, and at the end)."""
        write_atomic(self.path / "manifest.json", json.dumps(self.manifest(finished), indent=2))
        self._manifest_written = time.monotonic()

    def finish(self, result: RunResult | None = None, specs: list[RunSpec] | None = None) -> pd.DataFrame:
        """Consolidate the tables of the folder and write the final manifest.

        Args:
            result: tables already in memory (small experiments); written as they are.
            specs: otherwise, the planned runs: their parts on disk are streamed, one at a
                time, into ``timeseries.parquet``, and their summaries gathered.

        Returns:
            The summary table.
        """
        if result is not None:
            write_atomic(self.path / "timeseries.parquet", parquet_bytes(result.timeseries))
            for name, table in result.tables.items():
                write_atomic(self.path / f"{name}.parquet", parquet_bytes(table))
            summary = result.summary
        else:
            summary = self._consolidate(specs or [])
        summary_table = arrow_table(summary) if len(summary) else summary
        write_atomic(self.path / "summary.parquet", parquet_bytes(summary_table, summary=True))
        write_atomic(self.path / "summary.csv", summary.to_csv(index=False))
        self.write_manifest(finished=True)
        logger.info("consolidated %d runs into %s", len(summary), self.path)
        return summary

    def _consolidate(self, specs: list[RunSpec]) -> pd.DataFrame:
        """Stream every finished run's records into the folder's tables; return the summary table."""
        ordered = [s for s in output_order(specs) if self.is_finished(s)]
        stems = [self.part_name(s.scenario.name, s.replicate, s.point) for s in ordered]
        written = {
            record: self.parts.stream(stems, record, self.path / f"{record}.parquet")
            for record in self.parts.records(stems)
        }
        if not written.get(TIMESERIES):
            empty = pd.DataFrame(columns=["scenario", "replicate", "month"])
            write_atomic(self.path / f"{TIMESERIES}.parquet", parquet_bytes(empty))
        rows = []
        for spec, stem in zip(ordered, stems, strict=True):
            keys: dict[str, Any] = {"scenario": spec.scenario.name}
            if spec.point is not None:
                keys["point"] = spec.point
            keys["replicate"] = spec.replicate
            rows.append({**keys, **self.parts.finished[stem].summary})
        summary = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["scenario", "replicate"])
        if self.design is not None and rows:
            position = summary.columns.get_loc("replicate") + 1
            values = self.design.loc[summary["point"]].reset_index(drop=True)
            for offset, column in enumerate(values.columns):
                summary.insert(position + offset, column, values[column].to_numpy())
        return summary


def read_results(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Timeseries, summary and manifest of a results folder."""
    path = Path(path)
    timeseries = pd.read_parquet(path / "timeseries.parquet")
    summary = pd.read_parquet(path / "summary.parquet")
    manifest = json.loads((path / "manifest.json").read_text())
    return timeseries, summary, manifest
