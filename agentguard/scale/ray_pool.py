"""`RayPool`: a job run on Ray actors, results in batch order (as `OrderedPool` locally)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

from agentguard.scale.check_job import (
    exc_text,
)
from agentguard.scale.pool import Job, WorkerDied, in_order
from agentguard.scale.ray_session import cluster_cpus, import_ray, start_ray

B = TypeVar("B")
R = TypeVar("R")


# --- RayPool ---------------------------------------------------------------------------------


class _Actor:
    """What each Ray actor of a `RayPool` holds: one job, built once."""

    def __init__(self, factory: Callable[[], Job[Any, Any]]) -> None:
        self.job: Job[Any, Any] | None = None
        self.failure: str | None = None
        try:
            self.job = factory()
        except Exception as exc:  # noqa: BLE001 - told by `ready` (Ray may not unpickle it)
            self.failure = f"{type(exc).__name__}: {exc_text(exc)}"

    def ready(self) -> str | None:
        """Why the job could not be built, or `None` once it is."""
        return self.failure

    def run(self, batch: Any) -> Any:
        """The job's results for one batch."""
        if self.job is None:
            raise RuntimeError(f"this actor's job failed to build ({self.failure})")
        return self.job.run(batch)


class RayPool(Generic[B, R]):
    """Ray actors running one job; `map` yields results in the order of the batches.

    The same interface as `OrderedPool`, on a Ray cluster: one actor (one CPU) per worker,
    each building the job once with `factory()`. At most `workers * ahead` batches are in
    flight, so a huge input is read as it is checked.

    Args:
        factory: Builds the job in each actor; must pickle (a class or a `functools.partial`).
        workers: How many actors; `None` for one per CPU of the cluster.
        address: The cluster to join when Ray is not running yet (`None` starts Ray here).
            A pool that started Ray shuts it down on `close`.
        ahead: Batches in flight per actor.

    Raises:
        InputError: when Ray is not installed.
        WorkerDied: when an actor cannot build its job.

    Example:
        >>> from agentguard.scale.check_job import CheckSettings, job_factory
        >>> with RayPool(job_factory(CheckSettings(show="jsonl")), 2) as pool:  # doctest: +SKIP
        ...     for checked in pool.map(batches_of_raw_inputs):
        ...         print([c.shown for c in checked])
    """

    def __init__(
        self,
        factory: Callable[[], Job[B, R]],
        workers: int | None = None,
        *,
        address: str | None = None,
        ahead: int = 4,
    ) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        if ahead < 1:
            raise ValueError(f"ahead must be at least 1, not {ahead}")
        self._ray: Any = import_ray()
        self.ahead = ahead
        self._actors: list[Any] = []
        self._started = start_ray(address)
        try:
            self.workers = workers if workers is not None else cluster_cpus()
            remote = self._ray.remote(num_cpus=1)(_Actor)
            self._actors = [remote.remote(factory) for _ in range(self.workers)]
            self._check_started()
        except BaseException:
            self.close()
            raise

    def _check_started(self) -> None:
        """Wait for every actor to build its job.

        Raises:
            WorkerDied: naming why a job could not be built, or that an actor died.
        """
        failures = self._get([actor.ready.remote() for actor in self._actors], "could not start")
        for failure in failures:
            if failure is not None:
                raise WorkerDied(f"a Ray actor could not start: its job failed ({failure})")

    def _get(self, ref: Any, doing: str = "ended without finishing its batch") -> Any:
        """`ray.get(ref)`; a lost actor is `WorkerDied`."""
        exceptions = self._ray.exceptions
        try:
            return self._ray.get(ref)
        except (exceptions.RayActorError, exceptions.ActorUnavailableError) as exc:
            cause = str(exc).strip().splitlines()
            detail = f" ({cause[-1][:300]})" if cause else ""
            raise WorkerDied(
                f"a Ray actor {doing} (killed, out of memory, or its node lost){detail}"
            ) from None

    def map(self, batches: Iterable[B]) -> Iterator[R]:
        """`job.run(batch)` for each batch, in order, each as soon as it is in."""
        actors = itertools.cycle(self._actors)

        def submit(batch: B) -> Any:
            return next(actors).run.remote(batch)

        def cancel(ref: Any) -> None:
            with contextlib.suppress(Exception):
                self._ray.cancel(ref)

        yield from in_order(batches, submit, self._get, cancel, self.workers * self.ahead)

    def close(self) -> None:
        """Stop the actors, and Ray if this pool started it (idempotent)."""
        for actor in self._actors:
            with contextlib.suppress(Exception):
                self._ray.kill(actor)
        self._actors = []
        if self._started:
            self._started = False
            self._ray.shutdown()

    def __enter__(self) -> RayPool[B, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
