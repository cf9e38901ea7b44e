"""Checking a stream of raw inputs on the cores of this machine, in input order."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

from agentguard.input_files import RawInput
from agentguard.scale.check_job import Checked, CheckJob, job_factory, warm_up
from agentguard.scale.pool import OrderedPool, ready_batches

BATCH = 64
"""Inputs sent to a worker at once (fewer when no more are ready)."""
BATCH_BYTES = 1 << 22
"""Raw bytes sent to a worker at once, at most (one input may be larger)."""


def _weight(raw: RawInput) -> int:
    return 0 if isinstance(raw.data, Exception) else len(raw.data)


@contextlib.contextmanager
def check_raw_inputs(
    job: CheckJob, raws: Iterable[RawInput], workers: int
) -> Iterator[Iterator[Checked]]:
    """Each input's outcome, in input order, checked by `job` in `workers` processes.

    With more than one worker, `job`'s monitor is warmed up here first (`warm_up`), then the
    workers are forked from this process (or spawned, building their own job); the inputs go
    to them in batches of up to `BATCH`. Leaving the context stops the workers.
    """
    if workers == 1:
        yield map(job.one, raws)
        return
    warm_up(job.monitor)
    with OrderedPool(job_factory(job.settings), workers, job=job) as pool:
        batches = ready_batches(raws, size=BATCH, weight=_weight, max_weight=BATCH_BYTES)
        yield (checked for done in pool.map(batches) for checked in done)
