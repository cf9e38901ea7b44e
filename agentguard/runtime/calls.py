"""Model and tool calls with a time limit, sync or async, without an unbounded trail of threads.

A Python thread cannot be killed, so a sync call that hangs past its limit is abandoned: it goes
on in its daemon thread until it returns, if ever. `Calls` counts those threads and refuses new
calls once `max_abandoned` of them are still running, so a tool or a server that keeps hanging
costs a fixed number of threads, not one per call. An async call is cancelled at its limit
instead (`asyncio` cancellation), so it leaves nothing behind unless it ignores the
cancellation.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
from collections.abc import Callable
from typing import Any

MAX_ABANDONED = 4
"""Default number of timed-out calls still running before `Calls` refuses new ones."""
CANCEL_GRACE_S = 1.0
"""Seconds an async call gets, after its limit, to finish being cancelled."""


class CallTimeout(TimeoutError):
    """A model or tool call that did not finish within its time limit."""


class CallLimit(RuntimeError):
    """A call refused because too many earlier calls timed out and are still running."""


class Calls:
    """Runs calls within a time limit; bounds the threads that calls which hang leave behind.

    Args:
        max_abandoned: Timed-out calls still running at which new calls are refused with
            `CallLimit` (each holds one thread until it returns).

    Example:
        >>> calls = Calls(max_abandoned=2)
        >>> calls.call(lambda x: x + 1, {"x": 1}, timeout=5)
        2
    """

    def __init__(self, max_abandoned: int = MAX_ABANDONED) -> None:
        if max_abandoned < 1:
            raise ValueError(f"max_abandoned must be at least 1, not {max_abandoned}")
        self.max_abandoned = max_abandoned
        self._lock = threading.Lock()
        self._abandoned = 0

    @property
    def abandoned(self) -> int:
        """Calls that timed out and whose threads are still running."""
        with self._lock:
            return self._abandoned

    def call(
        self, fn: Callable[..., Any], kwargs: dict[str, Any], timeout: float | None, *,
        grace: float = 0.0,
    ) -> Any:  # fmt: skip
        """`fn(**kwargs)`, awaited if it is a coroutine function, within `timeout` seconds.

        A sync call without a limit runs in the caller's thread, as does an async call without a
        limit when no event loop runs there. Everything else runs in a daemon thread with its
        own event loop (so an async tool works even when the caller runs a loop); the caller
        waits `timeout + grace` seconds for it.

        Raises:
            CallTimeout: when the call takes longer than `timeout`.
            CallLimit: when `max_abandoned` timed-out calls are still running.
        """
        is_async = inspect.iscoroutinefunction(fn)
        if timeout is None and (not is_async or not _loop_running()):
            return _run(fn, kwargs, None)
        with self._lock:
            if self._abandoned >= self.max_abandoned:
                raise CallLimit(
                    f"not started: {self._abandoned} earlier calls timed out and are still "
                    f"running (the limit is {self.max_abandoned})"
                )
        box: dict[str, Any] = {}
        done = threading.Event()

        def target() -> None:
            try:
                box["value"] = _run(fn, kwargs, timeout)
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
                box["error"] = exc
            finally:
                with self._lock:
                    done.set()
                    if box.get("abandoned"):
                        self._abandoned -= 1

        threading.Thread(target=target, daemon=True, name="agentguard-call").start()
        wait = None if timeout is None else timeout + (CANCEL_GRACE_S if is_async else grace)
        if not done.wait(wait):
            with self._lock:
                if not done.is_set():  # it may have ended between the wait and the lock
                    box["abandoned"] = True
                    self._abandoned += 1
            if box.get("abandoned"):
                raise CallTimeout(f"timed out after {timeout or 0:g} s")
        if "error" in box:
            raise box["error"]
        return box["value"]


DEFAULT_CALLS = Calls()
"""The `Calls` of tools run outside an agent (`Tool.run` without `calls=`)."""


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _run(fn: Callable[..., Any], kwargs: dict[str, Any], timeout: float | None) -> Any:
    if inspect.iscoroutinefunction(fn):
        return asyncio.run(_within(fn(**kwargs), timeout))
    result = fn(**kwargs)
    if inspect.isawaitable(result):
        return asyncio.run(_within(result, timeout))
    return result


async def _within(awaitable: Any, timeout: float | None) -> Any:
    """Await `awaitable`, cancelling it after `timeout` seconds."""
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if not done:
        task.cancel()
        with contextlib.suppress(BaseException):  # whatever it raises while being cancelled
            await task
        raise CallTimeout(f"timed out after {timeout or 0:g} s")
    return task.result()
