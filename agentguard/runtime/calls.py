"""Running a model or tool call with a time limit, whether it is sync or async."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable
from typing import Any


class CallTimeout(TimeoutError):
    """A model or tool call that did not finish within its time limit."""


def call_with_timeout(fn: Callable[..., Any], kwargs: dict[str, Any], timeout: float | None) -> Any:
    """`fn(**kwargs)`, awaited if it is a coroutine function, within `timeout` seconds.

    With a limit, or for a coroutine function, the call runs in a daemon thread with its own
    event loop, so a call that hangs is abandoned (it cannot be killed) without keeping the
    process alive, and an async tool works even when the caller's thread runs an event loop.

    Raises:
        CallTimeout: when the call takes longer than `timeout`.
    """
    if timeout is None and not inspect.iscoroutinefunction(fn):
        return _run(fn, kwargs)
    box: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["value"] = _run(fn, kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, daemon=True, name="agentguard-call").start()
    if not done.wait(timeout):
        raise CallTimeout(f"timed out after {timeout or 0:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _run(fn: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    if inspect.iscoroutinefunction(fn):
        return asyncio.run(fn(**kwargs))
    result = fn(**kwargs)
    if inspect.isawaitable(result):
        return asyncio.run(_await(result))
    return result


async def _await(awaitable: Any) -> Any:
    return await awaitable
