"""Run a job over batches in worker processes and get the results back in input order.

A job is built once per worker process from a picklable factory (a class and its settings),
then `run` is called on each batch. On a platform that forks, and when this process has a
single thread, the workers are forked from the parent after it has built the job, so they
start at once and share its loaded models; elsewhere each worker is spawned and builds its
own. At most `workers * ahead` batches are in flight: a huge input is read as it is checked.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, Protocol, TypeVar

from agentguard.errors import InputError
from agentguard.processes import processors

B = TypeVar("B")
R = TypeVar("R")
T = TypeVar("T")
B_contra = TypeVar("B_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)


class Job(Protocol[B_contra, R_co]):
    """What runs in a worker: built once, then called on batch after batch."""

    def run(self, batch: B_contra) -> R_co:
        """The results of one batch."""
        ...


class WorkerDied(RuntimeError):
    """A worker process ended without finishing its batch (killed, or out of memory)."""


def can_fork() -> bool:
    """Whether workers may be forked: the platform forks and this process runs one thread.

    A forked copy of a process whose other threads hold locks may deadlock.
    """
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


_jobs: dict[int, Any] = {}
"""The job of this worker process (by map), or the parent's, inherited by forked workers."""
_job_key = itertools.count()


def _start(key: int, factory: Callable[[], Any] | None) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the workers, which would
    # otherwise each print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if factory is not None:
        _jobs[key] = factory()
    for other in [k for k in _jobs if k != key]:
        del _jobs[other]  # inherited from maps that this worker is not part of


def _run(key: int, batch: Any) -> Any:
    return _jobs[key].run(batch)


def _ready() -> None:
    """Nothing: submitted once so that the workers exist before any thread of ours does."""


class OrderedPool(Generic[B, R]):
    """Worker processes running one job; `map` yields results in the order of the batches.

    Args:
        factory: Builds the job (in each worker, or once here when the workers are forked);
            must pickle when they are not (a class or a `functools.partial` of one).
        workers: How many processes; 1 runs every batch here, in this process.
        job: The job already built here, if it is: used in this process (one worker) and by
            forked workers, instead of calling `factory`.
        ahead: Batches in flight per worker.
    """

    def __init__(
        self,
        factory: Callable[[], Job[B, R]],
        workers: int,
        *,
        job: Job[B, R] | None = None,
        ahead: int = 8,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        self.workers = workers
        self.ahead = ahead
        self._key = next(_job_key)
        self._pool: ProcessPoolExecutor | None = None
        if workers == 1:
            self._job = job if job is not None else factory()
            return
        method: str = "spawn"
        made: Callable[[], Job[B, R]] | None = factory
        if can_fork():
            _jobs[self._key] = self._job = job if job is not None else factory()
            method, made = "fork", None
        context = multiprocessing.get_context(method)
        initargs = (self._key, made)
        self._pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start, initargs=initargs
        )
        try:
            self._pool.submit(_ready).result()
        except BrokenProcessPool:
            self.close()
            raise WorkerDied("the worker processes could not start") from None

    def map(self, batches: Iterable[B]) -> Iterator[R]:
        """`job.run(batch)` for each batch, in order."""
        if self._pool is None:
            yield from map(self._job.run, batches)
            return
        pool = self._pool

        def submit(batch: B) -> Future[R]:
            return pool.submit(_run, self._key, batch)

        try:
            yield from in_order(batches, submit, Future.result, Future.cancel,
                                self.workers * self.ahead)  # fmt: skip
        except BrokenProcessPool:
            raise WorkerDied(
                "a worker process ended without finishing its batch (killed, or out of memory)"
            ) from None

    def close(self) -> None:
        """Stop the workers (idempotent)."""
        _jobs.pop(self._key, None)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> OrderedPool[B, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


F = TypeVar("F")
_END = object()


class _Failed:
    """An error of the batches' iterator, handed to the consumer in its place."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def in_order(
    batches: Iterable[B],
    submit: Callable[[B], F],
    result: Callable[[F], R],
    cancel: Callable[[F], object],
    limit: int,
) -> Iterator[R]:
    """The result of each submitted batch, in the order of the batches, as soon as it is in.

    A thread submits the batches, at most `limit` unfinished at once, while the caller takes
    the results in order: a result is handed on when it is ready, even while the next batch
    is still being waited for (a slow producer). An error of `batches` is raised after the
    results of the batches before it; closing the generator cancels what is still pending.
    """
    room = threading.Semaphore(limit)
    pending: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()

    def feed() -> None:
        try:
            for batch in batches:
                while not room.acquire(timeout=0.1):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
                pending.put(submit(batch))
        except BaseException as exc:  # noqa: BLE001 - raised by the consumer, in order
            pending.put(_Failed(exc))
        pending.put(_END)

    threading.Thread(target=feed, name="agentguard-feeder", daemon=True).start()
    try:
        while (item := pending.get()) is not _END:
            if isinstance(item, _Failed):
                raise item.exc
            value = result(item)
            room.release()
            yield value
    finally:
        stop.set()
        while True:
            try:
                item = pending.get_nowait()
            except queue.Empty:
                break
            if item is not _END and not isinstance(item, _Failed):
                cancel(item)


class _Reader(Generic[T]):
    """Pulls items in a thread into a bounded queue, for `take` to cut into batches."""

    _END = object()

    def __init__(self, items: Iterable[T], room: int) -> None:
        self._ready: queue.Queue[Any] = queue.Queue(maxsize=room)
        self._stop = threading.Event()
        self._failure: BaseException | None = None
        self._ended = False
        threading.Thread(target=self._read, args=(items,), name="agentguard-reader",
                         daemon=True).start()  # fmt: skip

    def _put(self, item: object) -> None:
        while not self._stop.is_set():
            try:
                self._ready.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _read(self, items: Iterable[T]) -> None:
        try:
            for item in items:
                self._put(item)
                if self._stop.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 - raised by the consumer, in order
            self._failure = exc
        self._put(self._END)

    def take(self, size: int, weight: Callable[[T], int], max_weight: int) -> list[T]:
        """Up to `size` items (`max_weight` in all): empty only at the end."""
        batch: list[T] = []
        total = 0
        item: Any = self._END if self._ended else self._ready.get()
        while item is not self._END:
            batch.append(item)
            total += weight(item)
            if len(batch) >= size or total >= max_weight:
                return batch
            try:
                item = self._ready.get_nowait()
            except queue.Empty:
                return batch
        self._ended = True
        if not batch and self._failure is not None:
            raise self._failure
        return batch

    def stop(self) -> None:
        self._stop.set()


def ready_batches(
    items: Iterable[T], *, size: int, weight: Callable[[T], int], max_weight: int
) -> Iterator[list[T]]:
    """`items` in batches of up to `size` (and `max_weight` in all), cut when no more is ready.

    A reader thread pulls the items, so a slow producer (a pipe) gets its lines checked as
    they come, while a file fills whole batches. An error of `items` is raised after the
    items before it. Start worker processes before iterating: the reader is a thread.
    """
    reader = _Reader(items, 4 * size)
    try:
        while batch := reader.take(size, weight, max_weight):
            yield batch
    finally:
        reader.stop()


ENGINES = ("local", "ray")
"""Where checks run: processes on this machine, or a Ray cluster (`agentguard.scale.ray`)."""

WORKERS_ENV = "AGENTGUARD_WORKERS"
"""Environment variable holding the default number of workers (else all cores)."""


def workers_option(text: str) -> int:
    """Parse a `--workers` value: a whole number of at least 1 (argparse `type`)."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        import argparse

        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return n


def default_workers() -> int:
    """`$AGENTGUARD_WORKERS` when set, else every processor this process may use.

    Raises:
        InputError: for a value that is not a whole number of at least 1.
    """
    text = os.environ.get(WORKERS_ENV, "").strip()
    if not text:
        return processors()
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise InputError(WORKERS_ENV, f"expected a whole number of at least 1, not {text[:40]!r}")
    return n
