"""`agentguard.wrap`: an OpenAI client whose chat completions and responses are checked.

`wrap(client)` returns a copy of an `openai.OpenAI` or `openai.AsyncOpenAI` client (the one
passed is left as it was) whose `chat.completions.create`/`parse` and `responses.create`/
`parse` check the model's answer against the request before returning it. Everything else is
the client's own: `isinstance(wrapped, openai.OpenAI)` holds, `with_options()` and `copy()`
return wrapped clients, `.with_raw_response` and `.with_streaming_response` hand back raw
responses whose `.parse()` is checked, and `chat.completions.stream()` and
`responses.stream()` read checked streams (`agentguard.integrations.openai_stream`).

Each conversation is checked through its own monitor session (`SessionPool`), so a long
agent loop costs in proportion to what is new. A monitor that fails, or cannot read a request,
never costs the caller the model's answer: the report is then unchecked and the policy's
`fail_mode` decides (`closed` holds the answer back, anything else lets it through).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import openai

from agentguard.integrations._common import attach_report, report_of
from agentguard.integrations.openai_forms import HELD_ATTR
from agentguard.integrations.openai_guard import FollowUp, Guard, OnFlag
from agentguard.integrations.openai_stream import AsyncGuardedStream, GuardedStream
from agentguard.monitor import Monitor
from agentguard.policy import Policy
from agentguard.trace import TraceWriter

__all__ = ["SUPPORTED_CLIENTS", "OnFlag", "held_response", "wrap"]

SUPPORTED_CLIENTS = "openai.OpenAI and openai.AsyncOpenAI (and subclasses such as AzureOpenAI)"
"""The clients `wrap` takes, as its error names them."""

_GUARD_ATTR = "_agentguard_guard"


def _result(
    guard: Guard,
    api: str,
    value: Any,
    kwargs: dict[str, Any],
    again: Callable[..., Any] | None = None,
) -> Any:
    """The checked form of what a wrapped `create`/`parse` returned.

    `again` is the unchecked method, for the one follow-up of a `use_context` decision: a
    stream calls it itself; a plain answer comes back as a `FollowUp` for the caller to send.
    Raw responses are not continued.
    """
    if isinstance(value, openai.Stream):
        return GuardedStream(value, guard, api, kwargs, again)
    if isinstance(value, openai.AsyncStream):
        return AsyncGuardedStream(value, guard, api, kwargs, again)
    if hasattr(value, "http_response") and callable(getattr(value, "parse", None)):
        return RawResponse(value, lambda parsed: _result(guard, api, parsed, kwargs))
    may = again is not None
    if api == "chat":
        return guard.chat(value, kwargs, may)
    return guard.response(value, kwargs, may)


class RawResponse:
    """A raw response (`.with_raw_response`, `.with_streaming_response`), `parse()` checked.

    Everything else (headers, status, `http_response`, `close()`) is the original's.
    """

    def __init__(self, raw: Any, finish: Callable[[Any], Any]) -> None:
        """Wrap `raw`; `finish` checks what its `parse()` gives."""
        self._raw = raw
        self._finish = finish

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        """The original's `parse()`, checked (awaitable when the original's is)."""
        parsed = self._raw.parse(*args, **kwargs)
        if asyncio.iscoroutine(parsed):
            return self._finish_later(parsed)
        return self._finish(parsed) if not args and not kwargs else parsed

    async def _finish_later(self, parsed: Awaitable[Any]) -> Any:
        return self._finish(await parsed)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def __enter__(self) -> RawResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        self._raw.close()

    async def __aenter__(self) -> RawResponse:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._raw.close()


class StreamManager:
    """A `stream()` helper's manager whose stream hands its report to the final answer.

    The helpers build their final completion or response from the (checked) events; the
    report of the checked stream goes on it, so `report_of(stream.get_final_response())` works.
    """

    def __init__(self, manager: Any) -> None:
        """Wrap the SDK's manager."""
        self._manager = manager

    def __enter__(self) -> FinalReport:
        return FinalReport(self._manager.__enter__())

    def __exit__(self, *exc: Any) -> Any:
        return self._manager.__exit__(*exc)

    async def __aenter__(self) -> FinalReport:
        return FinalReport(await self._manager.__aenter__())

    async def __aexit__(self, *exc: Any) -> Any:
        return await self._manager.__aexit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)


class FinalReport:
    """A helper's stream, the same but for its final answer, which carries the report."""

    def __init__(self, stream: Any) -> None:
        """Wrap the SDK's helper stream."""
        self._stream = stream

    def __iter__(self) -> Any:
        return iter(self._stream)

    def __next__(self) -> Any:
        return next(self._stream)

    def __aiter__(self) -> Any:
        return self._stream.__aiter__()

    async def __anext__(self) -> Any:
        return await self._stream.__anext__()

    def _final(self, name: str) -> Any:
        final = getattr(self._stream, name)()
        if asyncio.iscoroutine(final):
            return self._final_later(final)
        return self._with_report(final)

    async def _final_later(self, final: Awaitable[Any]) -> Any:
        return self._with_report(await final)

    def _with_report(self, final: Any) -> Any:
        report = report_of(getattr(self._stream, "_raw_stream", None))
        if report is not None:
            attach_report(final, report)
        return final

    def get_final_completion(self) -> Any:
        """The helper's final completion, with the report of the checked stream."""
        return self._final("get_final_completion")

    def get_final_response(self) -> Any:
        """The helper's final response, with the report of the checked stream."""
        return self._final("get_final_response")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def held_response(response: object) -> Any | None:
    """The model's own response behind one a wrapped client replaced or continued, or `None`.

    For an answer to the follow-up of a `use_context` decision, the model's first answer (the
    question or the needless tool calls), whose report `report_of` gives.
    """
    return getattr(response, HELD_ATTR, None)


def _guarded(api: str, create: Callable[..., Any], guard: Guard, is_async: bool) -> Any:
    if is_async:

        async def acreate(*args: Any, **kwargs: Any) -> Any:
            value = await create(*args, **kwargs)
            if isinstance(value, openai.AsyncStream) or hasattr(value, "http_response"):
                return _result(guard, api, value, kwargs, create)
            out = await asyncio.to_thread(_result, guard, api, value, kwargs, create)
            if isinstance(out, FollowUp):  # one follow-up, checked, never continued again
                value = await create(*args, **out.kwargs)
                out = out.finish(await asyncio.to_thread(_result, guard, api, value, out.kwargs))
            return out

        return acreate

    def screate(*args: Any, **kwargs: Any) -> Any:
        out = _result(guard, api, create(*args, **kwargs), kwargs, create)
        if isinstance(out, FollowUp):  # one follow-up, checked, never continued again
            out = out.finish(_result(guard, api, create(*args, **out.kwargs), out.kwargs))
        return out

    return screate


def _managed(stream: Callable[..., Any]) -> Callable[..., Any]:
    def managed(*args: Any, **kwargs: Any) -> StreamManager:
        return StreamManager(stream(*args, **kwargs))

    return managed


def _patch(client: Any, guard: Guard) -> Any:
    """Make `client` (a fresh copy) check through `guard`; its copies are patched too."""
    is_async = isinstance(client, openai.AsyncOpenAI)
    # Instance attributes shadow the resources' methods; `with_raw_response`,
    # `with_streaming_response` and the `stream()` helpers look `create`/`parse` up on the
    # instance when they are first used, so they go through the checked ones.
    for api, resource in (("chat", client.chat.completions), ("responses", client.responses)):
        for method in ("create", "parse"):
            original = getattr(resource, method)
            setattr(resource, method, _guarded(api, original, guard, is_async))
        resource.stream = _managed(resource.stream)
    copy = client.copy

    def guarded_copy(*args: Any, **kwargs: Any) -> Any:
        return _patch(copy(*args, **kwargs), guard)

    client.copy = guarded_copy
    client.with_options = guarded_copy
    setattr(client, _GUARD_ATTR, guard)
    return client


def _check_options(client: Any, on_flag: Any, hold_sentences: Any, sessions: Any) -> None:
    if not isinstance(client, (openai.OpenAI, openai.AsyncOpenAI)):
        kind = f"{type(client).__module__}.{type(client).__qualname__}"
        names = (
            type(client).__module__,
            getattr(client, "__name__", None),
            getattr(client, "__module__", None),
        )
        hint = ""
        if any(isinstance(n, str) and n.startswith("litellm") for n in names):
            hint = "; for litellm use agentguard.integrations.litellm (guarded_completion)"
        raise TypeError(f"agentguard.wrap cannot wrap {kind}: it wraps {SUPPORTED_CLIENTS}{hint}")
    if on_flag not in ("replace", "raise", "annotate"):
        raise ValueError(f"on_flag must be 'replace', 'raise' or 'annotate', not {on_flag!r}")
    if not isinstance(hold_sentences, bool):
        raise TypeError(f"hold_sentences must be True or False, not {hold_sentences!r}")
    if not isinstance(sessions, int) or isinstance(sessions, bool) or sessions < 1:
        raise ValueError(f"sessions must be a whole number of at least 1, not {sessions!r}")


def wrap(
    client: Any,
    *,
    policy: str | Path | Policy | None = None,
    monitor: Monitor | None = None,
    trace: str | Path | TraceWriter | None = None,
    on_flag: OnFlag = "replace",
    hold_sentences: bool = False,
    sessions: int = 256,
) -> Any:
    """A copy of an OpenAI client whose answers are checked before they are returned.

    Args:
        client: An `openai.OpenAI` or `openai.AsyncOpenAI` (or a subclass, such as
            `AzureOpenAI`). It is not changed; the copy shares its connection pool. A wrapped
            client may be wrapped again: the new copy checks with the new settings only.
        policy: The policy of the monitor built here (`balanced` when omitted).
        monitor: The monitor that checks, with its own policy and trace; when omitted,
            `Monitor(policy, trace=trace)`. Give either a monitor or `policy`/`trace`.
        trace: Where the monitor built here appends its reports.
        on_flag: For an answer the policy holds back (`ask_user`, `retry`, `block`):
            `"replace"` returns a copy whose message is the clarifying question (or a notice
            saying why it was held) with the tool calls held back, `"raise"` raises
            `AssumptionFlagged` carrying the report, `"annotate"` returns it unchanged.
            For `use_context` (a question, or tool calls, the agent does not need):
            `"replace"` continues the agent with one follow-up request (the question left
            out and a system message saying what is known, or the needless calls answered
            with `tool` messages when every call of the answer is needless) and returns the
            follow-up's checked answer, the first at `held_response(answer)`; `"raise"`
            raises `AssumptionFlagged`; `"annotate"` returns it unchanged. Raw responses are
            not continued. Streams: see `agentguard.integrations.openai_stream`.
        hold_sentences: Streams only: hold each sentence of text back until it is checked,
            so a flagged sentence never reaches the caller (the first text then waits for
            the end of the first sentence). Off: text streams through as it comes.
        sessions: How many conversations keep a monitor session (the least recent dropped).

    Returns:
        The wrapped copy. `agentguard.report_of(answer)` gives the report of each answer
        (completion, response, raw response's `parse()`, streamed chunk or event).

    Raises:
        TypeError: for a client that is not one of `SUPPORTED_CLIENTS`, or a bad option type.
        ValueError: for an unknown `on_flag`, or a monitor given with `policy` or `trace`.

    Example:
        >>> import openai, agentguard
        >>> client = agentguard.wrap(openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:9"))
        >>> isinstance(client, openai.OpenAI)
        True
    """
    _check_options(client, on_flag, hold_sentences, sessions)
    if monitor is not None and (policy is not None or trace is not None):
        raise ValueError("pass policy and trace to your Monitor, not to wrap, when you give one")
    if monitor is not None and not isinstance(monitor, Monitor):
        raise TypeError(f"monitor must be an agentguard.Monitor, not {type(monitor).__name__}")
    checker = monitor if monitor is not None else Monitor(policy or "balanced", trace=trace)
    # The class's own `copy`: a wrapped client wrapped again gets the new settings only.
    copy: Callable[[Any], Any] = type(client).copy
    fresh = copy(client)
    return _patch(fresh, Guard(checker, on_flag, hold_sentences, sessions))
