"""The ``runs/`` folder of a results folder: run parts written in batches, found again, streamed.

A batch (the runs of one task) is written as one file per record, each record in its own
folder (``timeseries/part-<batch>.parquet``, ``by_group/part-<batch>.parquet``, ...), and
last ``<batch>.json``, which names each run, its summary row and where its rows are in
each record. A run is finished once a batch JSON naming it is on disk. One folder per
table means any Parquet reader takes a table whole without mixing it with another:
``duckdb: SELECT * FROM 'runs/timeseries/*.parquet'``, ``pyarrow.dataset.dataset("runs/by_group")``.

The part files and the batch JSON are not flushed to the disk one by one (a killed process
loses nothing written; the status log is flushed once per batch): on resume,
:meth:`RunParts.scan` counts a batch finished only if every record file it names is whole.
The records of the batches written by this process are kept in memory (up to
:data:`KEPT_BYTES`), so consolidating them reads nothing back.

Older folders are read too: batches written before this layout (``<batch>.parquet`` and
``<batch>.<record>.parquet`` beside the JSON, which has no ``layout`` key), and the
one-run-per-file layout (``<run>.parquet``, ``<run>.<record>.parquet``, ``<run>.json``
holding the summary alone), read as batches of one run.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    import pandas as pd

TIMESERIES = "timeseries"  # the monthly series, consolidated into timeseries.parquet
LAYOUT = "tables"  # a batch JSON's "layout": each record in runs/<record>/part-<batch>.parquet
# Records of the batches written by this process are kept in memory, up to this many bytes in
# all, so consolidating them reads nothing back from disk; beyond it they are read from their files.
KEPT_BYTES = 256 * 2**20


@dataclass(frozen=True)
class RunPart:
    """Where one finished run lies: its batch, its summary and its rows in each record."""

    batch: str
    summary: dict[str, Any]
    rows: dict[str, tuple[int, int] | None]  # record -> (first row, count); None: the whole file
    flat: bool = False  # written before the folder per record: <batch>.parquet, <batch>.<record>.parquet


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """A DataFrame as an Arrow table, column by column (numbers and Arrow-backed text without copying)."""
    columns = [
        pa.array(column.to_numpy()) if column.dtype.kind in "iufb" else pa.array(column)
        for column in (frame[name] for name in frame.columns)
    ]
    return pa.Table.from_arrays(columns, names=[str(name) for name in frame.columns])


@functools.cache
def text_type() -> pa.DataType:
    """The Arrow type a text column of pandas becomes (:func:`arrow_table`)."""
    import pandas as pd

    return arrow_table(pd.DataFrame({"text": [""]})).schema.field("text").type


def with_run_keys(
    table: pa.Table,
    scenarios: Sequence[str],
    points: Sequence[int] | None,
    replicates: Sequence[int],
    counts: Sequence[int],
) -> pa.Table:
    """The rows of several runs, one after another, with each run's key columns in front.

    The columns are those a run's frames get from :func:`simulation.experiments.runner.add_keys`:
    ``scenario``, ``point`` (in a sweep) and ``replicate``, with the same types.

    Args:
        table: the runs' rows, ``counts[i]`` rows for run ``i``.
        scenarios: each run's scenario name.
        points: each run's design point (None outside a sweep).
        replicates: each run's replicate.
        counts: how many rows each run has.
    """
    if len(set(scenarios)) == 1:
        names = pa.repeat(pa.scalar(scenarios[0], text_type()), table.num_rows)
    else:
        names = pa.array(np.repeat(np.array(scenarios, dtype=object), counts), type=text_type())
    keys = [("scenario", names)]
    if points is not None:
        keys.append(("point", pa.array(np.repeat(np.asarray(points, dtype=np.int64), counts))))
    keys.append(("replicate", pa.array(np.repeat(np.asarray(replicates, dtype=np.int64), counts))))
    for position, (name, values) in enumerate(keys):
        table = table.add_column(position, name, values)
    return table


def part_bytes(table: pa.Table) -> bytes:
    """A batch's record as Parquet bytes, written for speed: it is read back once, whole, when consolidating.

    No column statistics and no dictionary pages (the consolidated tables have both).
    """
    from simulation.outputs.column_docs import with_column_docs

    sink = pa.BufferOutputStream()
    pq.write_table(with_column_docs(table), sink, write_statistics=False, use_dictionary=False)
    return sink.getvalue().to_pybytes()


def record_file(folder: Path, batch: str, record: str, flat: bool = False) -> Path:
    """Where a batch's record lies: ``<record>/part-<batch>.parquet``.

    In older (``flat``) folders: ``<batch>.parquet`` for the monthly series, ``<batch>.<record>.parquet`` for a table.
    """
    if flat:
        return folder / (f"{batch}.parquet" if record == TIMESERIES else f"{batch}.{record}.parquet")
    return folder / record / f"part-{batch}.parquet"


class RunParts:
    """The finished runs of a results folder's ``runs/``, by run name (the part stem)."""

    def __init__(self, folder: Path, kept_bytes: int = KEPT_BYTES) -> None:
        self.folder = folder
        self.finished: dict[str, RunPart] = {}
        self.kept: dict[tuple[str, str], pa.Table] = {}  # (batch, record) -> the rows written there
        self.kept_bytes = kept_bytes

    def __contains__(self, run: str) -> bool:
        return run in self.finished

    def scan(self) -> None:
        """Find the finished runs on disk (an interrupted experiment being resumed)."""
        for path in sorted(self.folder.glob("*.json")):
            try:
                content = json.loads(path.read_text())
            except (OSError, ValueError):
                continue  # not written to the end: its runs are not finished
            if isinstance(content, dict) and isinstance(content.get("runs"), list):
                flat = content.get("layout") != LAYOUT
                entries = [
                    (entry, {name: (int(start), int(count)) for name, (start, count) in entry["rows"].items()})
                    for entry in content["runs"]
                ]
                if not flat and not self.complete(path.stem, [rows for _, rows in entries]):
                    continue  # a record torn by a power cut: its runs are done again
                for entry, rows in entries:
                    self.finished[entry["run"]] = RunPart(path.stem, entry["summary"], rows, flat)
            elif isinstance(content, dict) and record_file(self.folder, path.stem, TIMESERIES, flat=True).exists():
                records = [
                    p.name[len(path.stem) + 1 : -len(".parquet")] for p in self.folder.glob(f"{path.stem}.*.parquet")
                ]
                rows = dict.fromkeys([TIMESERIES, *records])
                self.finished[path.stem] = RunPart(path.stem, content, rows, flat=True)

    def complete(self, batch: str, rows: list[dict[str, tuple[int, int]]]) -> bool:
        """Whether every record file of a batch is on disk whole, with all the rows its JSON names.

        The part files are not flushed to the disk one by one (the status log is, once per
        batch), so after a power cut a batch's JSON may name a record that is empty or torn.
        """
        ends: dict[str, int] = {}
        for where in rows:
            for name, (start, count) in where.items():
                ends[name] = max(ends.get(name, 0), start + count)
        for name, end in ends.items():
            try:
                if pq.read_metadata(record_file(self.folder, batch, name)).num_rows < end:
                    return False
            except (OSError, pa.ArrowInvalid):
                return False
        return True

    def write_batch(
        self, batch: str, runs: Sequence[str], summaries: Sequence[dict], records: dict[str, pa.Table], rows: list
    ) -> None:
        """Write a batch: its records first, then its JSON, which makes its runs finished.

        Args:
            batch: file stem of the batch.
            runs: the successful runs' names, in the order of their rows.
            summaries: their summary rows.
            records: every record's rows of these runs, run after run.
            rows: per run, ``{record: (first row, count)}``.
        """
        from simulation.outputs.results import write_atomic

        for name, table in records.items():  # not flushed to disk one by one: scan() checks them
            write_atomic(record_file(self.folder, batch, name), part_bytes(table), sync=False)
        self.keep(batch, records)
        entries = [
            {"run": run, "summary": summary, "rows": {k: list(v) for k, v in where.items()}}
            for run, summary, where in zip(runs, summaries, rows, strict=True)
        ]
        write_atomic(self.folder / f"{batch}.json", json.dumps({"layout": LAYOUT, "runs": entries}), sync=False)
        for run, summary, where in zip(runs, summaries, rows, strict=True):
            self.finished[run] = RunPart(batch, summary, dict(where))

    def keep(self, batch: str, records: dict[str, pa.Table]) -> None:
        """Hold a written batch's records in memory for consolidation, while within :attr:`kept_bytes`."""
        size = sum(table.nbytes for table in records.values())
        if size <= self.kept_bytes:
            self.kept_bytes -= size
            self.kept.update({(batch, name): table for name, table in records.items()})

    def rows_of(self, runs: Sequence[str], record: str) -> Iterator[pa.Table]:
        """The runs' rows of ``record`` in the order given: one table per stretch of neighbouring rows."""
        cached: tuple[str, pa.Table] | None = None

        def read(batch: str, start: int | None, stop: int | None) -> pa.Table:
            nonlocal cached
            if cached is None or cached[0] != batch:
                flat = flat_batches.get(batch, False)
                kept = self.kept.get((batch, record))
                cached = (
                    batch,
                    kept if kept is not None else pq.ParquetFile(record_file(self.folder, batch, record, flat)).read(),
                )
            return cached[1] if start is None else cached[1].slice(start, stop - start)

        flat_batches = {self.finished[run].batch: self.finished[run].flat for run in runs}

        stretch: tuple[str, int | None, int | None] | None = None
        for run in runs:
            part = self.finished[run]
            if record not in part.rows:
                continue
            span = part.rows[record]
            if span is not None and stretch is not None and stretch[0] == part.batch and stretch[2] == span[0]:
                stretch = (part.batch, stretch[1], span[0] + span[1])
                continue
            if stretch is not None:
                yield read(*stretch)
            stretch = (part.batch, None, None) if span is None else (part.batch, span[0], span[0] + span[1])
        if stretch is not None:
            yield read(*stretch)

    def records(self, runs: Sequence[str]) -> list[str]:
        """The record names the runs have, the monthly series first."""
        names = dict.fromkeys(name for run in runs for name in self.finished[run].rows)
        return sorted(names, key=lambda name: (name != TIMESERIES, list(names).index(name)))

    def stream(self, runs: Sequence[str], record: str, target: Path) -> bool:
        """Write the runs' rows of ``record`` into one Parquet file, a batch at a time; False if none."""
        from simulation.outputs.column_docs import with_column_docs

        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        writer: pq.ParquetWriter | None = None
        try:
            for table in self.rows_of(runs, record):
                if writer is None:  # no dictionary pages for measured numbers: they rarely repeat, and trying costs
                    coded = [f.name for f in table.schema if not pa.types.is_floating(f.type)]
                    writer = pq.ParquetWriter(tmp, with_column_docs(table).schema, use_dictionary=coded)
                writer.write_table(table.cast(writer.schema))
            if writer is None:
                return False
            writer.close()
            os.chmod(tmp, 0o666 & ~current_umask())
            os.replace(tmp, target)
            return True
        finally:
            Path(tmp).unlink(missing_ok=True)


def current_umask() -> int:
    """The process's umask (read without changing it for good)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
