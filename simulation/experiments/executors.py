"""Executors: where runs are carried out, a task at a time (a local process pool or a Dask cluster).

Both call the same :func:`simulation.experiments.runner.simulate_batch`, so the same seed
gives bit-identical results on either. The local pool's first worker is the calling
process itself; its other processes fork from a fork server that has the model imported
(:mod:`simulation.experiments.pool`) and take tasks from the front of a
:class:`~simulation.experiments.work_queue.WorkQueue`, whose tasks shrink as the work runs out.
"""

from __future__ import annotations

import itertools
import os
import threading
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from queue import Empty, SimpleQueue
from typing import Any, Protocol

from simulation.experiments.pool import choose_workers, end_with_parent, main_module_hidden, start_fork_server
from simulation.experiments.run_plan import RunSpec
from simulation.experiments.runner import RunBatch, RunOutput, failed_output, simulate_batch, tasks
from simulation.experiments.work_queue import WorkQueue

IN_FLIGHT_PER_WORKER = 2  # tasks submitted ahead per worker: enough to keep it busy, few enough to stay flat


class Executor(Protocol):
    """Runs specs somewhere and yields their results, a task at a time, as they finish (in any order)."""

    description: str

    def run_batches(self, specs: Sequence[RunSpec]) -> Iterator[RunBatch]:
        """Run every spec once; yield each task's batch as soon as it is back."""
        ...

    def run_all(self, specs: Sequence[RunSpec]) -> Iterator[RunOutput]:
        """Run every spec once; yield each output (with its DataFrames) as soon as it is back."""
        ...

    def close(self) -> None:
        """Release processes or connections."""
        ...


def lost_batch(task: Sequence[RunSpec], error: str, started: float | None = None) -> RunBatch:
    """A task that did not come back from its worker: every run of it failed."""
    return RunBatch([failed_output(spec, error, started) for spec in task], {}, [{} for _ in task])


class LocalPool:
    """A local process pool whose first worker is this process itself.

    With ``workers`` = n, this process runs tasks too (taking them from the back of the
    list) while n - 1 pool processes, forked from the model-preloaded fork server, take
    them from the front; a feeder thread hands each pool process its next task the moment
    it sends one back. So the first runs start as soon as this process has imported the
    model, as with one worker, and the pool joins when it is ready.

    Args:
        workers: worker processes, this one included; ``None`` chooses from the work
            (:func:`simulation.experiments.pool.choose_workers`).
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers
        self.description = self._describe(workers) if workers else "local process pool, workers chosen by the work"

    @staticmethod
    def _describe(workers: int) -> str:
        return f"local process pool, {workers} worker{'s' if workers > 1 else ''}"

    def run_all(self, specs: Sequence[RunSpec]) -> Iterator[RunOutput]:
        """Run the specs; yield each output with its DataFrames."""
        for batch in self.run_batches(specs):
            yield from batch.unpacked()

    def run_batches(self, specs: Sequence[RunSpec]) -> Iterator[RunBatch]:
        """Run the specs in tasks, here and in the pool, yielding each task's batch as it is done.

        The pool's processes are started by the feeder thread, so this process begins its
        runs at once instead of waiting for the fork server to have the model imported. Its
        batches are held back (not yielded) until the pool has started: while the pool's
        processes start, ``__main__`` is hidden (:func:`simulation.experiments.pool.main_module_hidden`),
        and the caller's code must not run meanwhile.
        """
        workers = choose_workers(specs, self.workers).workers
        if self.workers is None:
            self.description = self._describe(workers)
        if workers <= 1:
            for task in tasks(specs, 1):
                yield simulate_batch(task)
            return
        work = WorkQueue(specs, workers)
        left = len(specs)
        pool = ProcessPoolExecutor(
            max_workers=workers - 1,
            mp_context=start_fork_server(),
            initializer=end_with_parent,
            initargs=(os.getpid(),),
        )
        feeder = PoolFeeder(pool, work, workers - 1)
        feeder.start()
        held: list[RunBatch] = []  # this process's batches, while the pool's processes start
        try:
            while left:
                try:
                    batch = feeder.done.get_nowait()
                except Empty:
                    task = work.take(front=False)
                    batch = simulate_batch(task) if task is not None else feeder.done.get()
                left -= len(batch.outputs)
                held.append(batch)
                if feeder.started.is_set():
                    yield from held
                    held.clear()
            feeder.started.wait()
            yield from held
        finally:
            work.clear()
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Nothing to release: the pool lives only while :meth:`run_batches` runs."""


class PoolFeeder(threading.Thread):
    """Starts the pool's processes, then keeps each busy with one task from the front of ``work``.

    Results go to ``done``; ``started`` is set once the pool's processes have started (or failed to).
    """

    def __init__(self, pool: ProcessPoolExecutor, work: WorkQueue, processes: int) -> None:
        super().__init__(name="agrifin-pool-feeder", daemon=True)
        self.pool = pool
        self.work = work
        self.processes = processes
        self.done: SimpleQueue[RunBatch] = SimpleQueue()
        self.started = threading.Event()
        self.pending: dict[Future[RunBatch], list[RunSpec]] = {}

    def submit_work(self) -> None:
        """Give each idle pool process a task from the front of ``work`` (the first call starts the processes)."""
        while len(self.pending) < self.processes:
            task = self.work.take(front=True)
            if task is None:
                return
            try:
                self.pending[self.pool.submit(simulate_batch, task)] = task
            except Exception as err:  # the pool is gone or could not start: report the task lost
                self.done.put(lost_batch(task, f"worker process died: {err}"))

    def run(self) -> None:
        """Start the pool on the first tasks; then wait for any task to come back, pass it on, submit the next."""
        try:
            with main_module_hidden():  # the pool's processes start without __main__
                self.submit_work()
        finally:
            self.started.set()
        pending = self.pending
        while True:
            self.submit_work()
            if not pending:
                return
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                task = pending.pop(future)
                try:
                    self.done.put(future.result())
                except (BrokenProcessPool, CancelledError) as err:  # a worker process died (killed, out of memory)
                    self.done.put(lost_batch(task, f"worker process died: {err}"))


class DaskCluster:
    """A Dask distributed cluster reached through its scheduler (``tcp://host:8786``)."""

    def __init__(self, address: str, timeout: float = 15.0) -> None:
        from simulation.experiments.scheduler_check import check_scheduler
        from simulation.extras import require

        Client = require("distributed", "cluster").Client

        self.address = check_scheduler(address)  # within seconds: a bad or non-Dask address raises SchedulerError
        self.client = Client(address, timeout=timeout, set_as_default=False)
        self.description = f"Dask distributed scheduler {address}"

    def run_all(self, specs: Sequence[RunSpec]) -> Iterator[RunOutput]:
        """Run the specs on the cluster; yield each output with its DataFrames."""
        for batch in self.run_batches(specs):
            yield from batch.unpacked()

    def run_batches(self, specs: Sequence[RunSpec]) -> Iterator[RunBatch]:
        """Submit tasks a few at a time and yield their batches as the cluster returns them."""
        from distributed import as_completed

        threads = max(1, sum(self.client.nthreads().values()))
        queue = iter(tasks(specs, threads))
        pending: dict[Any, list[RunSpec]] = {}

        def submit(task: list[RunSpec]) -> Any:
            key = f"agrifin-{task[0].label}-{len(task)}-{uuid.uuid4().hex}"
            future = self.client.submit(simulate_batch, task, pure=False, key=key)
            pending[future] = task
            return future

        first = [submit(t) for t in itertools.islice(queue, IN_FLIGHT_PER_WORKER * threads)]
        ongoing = as_completed(first, loop=self.client.loop)
        try:
            for future in ongoing:
                task = pending.pop(future)
                try:
                    batch = future.result()
                except Exception as err:  # the cluster lost the task (e.g. KilledWorker)
                    batch = lost_batch(task, f"{type(err).__name__}: {err}")
                future.release()
                yield batch
                for following in itertools.islice(queue, 1):
                    ongoing.add(submit(following))
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        """Disconnect from the scheduler (the cluster keeps running)."""
        self.client.close()


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """A Dask cluster when a scheduler address is given (or in DASK_SCHEDULER_ADDRESS), else a local pool."""
    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    return DaskCluster(address) if address else LocalPool(workers)


def execute(specs: list[RunSpec], workers: int | None = None, scheduler: str | None = None) -> Iterator[RunOutput]:
    """Run the specs on a local pool (or a Dask cluster), yielding outputs as they finish."""
    executor = make_executor(workers, scheduler)
    try:
        yield from executor.run_all(specs)
    finally:
        executor.close()
