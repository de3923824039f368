"""The results folder of DESIGN.md section 5, written atomically as runs finish.

Each finished run is written at once as ``runs/<scenario>__r<replicate>.parquet`` (and
its summary row as JSON), so a crash loses no finished work. :meth:`ResultsFolder.finish`
consolidates the parts into ``timeseries.parquet``, ``summary.parquet``/``.csv`` and
writes ``manifest.json`` and the resolved scenario files. Every file is written under a
temporary name and renamed into place.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.runner import RunOutput, RunResult, RunSpec
from simulation.scenario import Scenario

PACKAGES = ("mesa", "numpy", "pandas", "pyarrow", "pydantic", "scipy", "matplotlib", "click", "pyyaml", "networkx")


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file under a temporary name in the same folder, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """A DataFrame as Parquet bytes (pyarrow)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def utc_stamp(moment: dt.datetime | None = None) -> str:
    """UTC timestamp for folder names, e.g. 20261128T150102Z."""
    return (moment or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")


def default_folder(base: Path, label: str) -> Path:
    """``results/<label>-<UTC timestamp>`` (a suffix is added if it exists already)."""
    folder = base / f"{label}-{utc_stamp()}"
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = base / f"{label}-{utc_stamp()}-{suffix}"
    return folder


def git_commit() -> str | None:
    """The commit of the agrifin checkout, if it is one."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def environment() -> dict[str, Any]:
    """Python, platform and package versions, for provenance."""
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


class ResultsFolder:
    """One experiment's results folder."""

    def __init__(self, path: Path, scenarios: list[Scenario], seed: int, command: list[str]) -> None:
        self.path = Path(path)
        self.scenarios = scenarios
        self.seed = seed
        self.command = command
        self.started = dt.datetime.now(dt.UTC)
        self.runs: dict[str, dict[str, Any]] = {}
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / "runs").mkdir(exist_ok=True)
        self._write_scenarios()

    def _write_scenarios(self) -> None:
        first, *others = self.scenarios
        write_atomic(self.path / "scenario.yaml", first.to_yaml())
        for scenario in others:
            write_atomic(self.path / f"scenario-{scenario.name}.yaml", scenario.to_yaml())

    def part_name(self, scenario: str, replicate: int) -> str:
        """File stem of one run's part."""
        return f"{scenario}__r{replicate:05d}"

    def record(self, output: RunOutput, spec: RunSpec | None = None) -> None:
        """Store one finished run: its series and summary at once, its status in the manifest."""
        stem = self.part_name(output.scenario, output.replicate)
        if output.status == "ok":
            write_atomic(self.path / "runs" / f"{stem}.parquet", parquet_bytes(output.timeseries))
            write_atomic(self.path / "runs" / f"{stem}.json", json.dumps(output.summary))
        self.runs[stem] = {
            "scenario": output.scenario,
            "replicate": output.replicate,
            "spawn_key": list(spec.spawn_key) if spec else [output.replicate],
            "status": output.status,
            "seconds": round(output.seconds, 3),
            "started": dt.datetime.fromtimestamp(output.started, dt.UTC).isoformat(),
            "error": output.error,
        }
        self.write_manifest(finished=False)

    def manifest(self, finished: bool) -> dict[str, Any]:
        """Provenance of the experiment (DESIGN.md section 5)."""
        return {
            **environment(),
            "command": self.command,
            "root_seed": self.seed,
            "seed_entropy": self.seed,
            "scenarios": [
                {"name": s.name, "content_hash": s.content_hash(), "resolved": s.model_dump(mode="json")}
                for s in self.scenarios
            ],
            "started": self.started.isoformat(),
            "finished": dt.datetime.now(dt.UTC).isoformat() if finished else None,
            "complete": finished,
            "runs": sorted(self.runs.values(), key=lambda r: (r["scenario"], r["replicate"])),
        }

    def write_manifest(self, finished: bool) -> None:
        """Write manifest.json (atomically; rewritten as runs finish)."""
        write_atomic(self.path / "manifest.json", json.dumps(self.manifest(finished), indent=2))

    def finish(self, result: RunResult) -> None:
        """Consolidate the run parts into the tables of the results folder."""
        write_atomic(self.path / "timeseries.parquet", parquet_bytes(result.timeseries))
        write_atomic(self.path / "summary.parquet", parquet_bytes(result.summary))
        write_atomic(self.path / "summary.csv", result.summary.to_csv(index=False))
        self.write_manifest(finished=True)


def read_results(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Timeseries, summary and manifest of a results folder."""
    path = Path(path)
    timeseries = pd.read_parquet(path / "timeseries.parquet")
    summary = pd.read_parquet(path / "summary.parquet")
    manifest = json.loads((path / "manifest.json").read_text())
    return timeseries, summary, manifest
