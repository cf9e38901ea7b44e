"""Checked streams of a wrapped OpenAI client: chat completion chunks and Responses API events.

Text streams through as it comes and is checked sentence by sentence: when a sentence ends
(the next one has begun, or a line ends), the text so far is checked against the request.
Tool calls are held back whole: their chunks (or events) are kept until the stream ends, the
calls are checked with the text, and only then do they reach the caller, unchanged or not at
all. Per the wrapper's `on_flag`, a held-back answer (`ask_user`, `retry`, `block`):

- `"replace"`: the stream is cut at the flagged sentence's end (or where the tool calls would
  begin); the model's stream is closed, and the stream ends with the clarifying question (or a
  notice saying why) as text and a `stop` finish;
- `"raise"`: the stream raises `AssumptionFlagged` at that point;
- `"annotate"`: everything goes through.

A `use_context` decision (the agent asks for, or calls for, what it already has) is acted on
for tool calls only, which are held to the end: with `"replace"`, a chat completion stream whose
calls are all needless ends without them and goes on with the streamed answer to one follow-up
request (the calls answered with `tool` messages), checked in turn; with `"raise"` the stream
raises. A Responses API stream is not continued (a second response's events cannot join the
first's), and text has gone out as it came: a needless question in streamed text passes with
its report, as with `"annotate"`.

With `hold_sentences`, each sentence is also held until it is checked, so a flagged sentence
never reaches the caller. The latest report rides on every chunk or event after it, and on the
stream (`agentguard.report_of`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

from agentguard.integrations._common import attach_report
from agentguard.integrations._continue import CONTINUED
from agentguard.integrations.openai_events import ResponsesFilter
from agentguard.integrations.openai_filters import Answer, ChatFilter

if TYPE_CHECKING:
    from agentguard.integrations.openai_guard import Guard

__all__ = ["AsyncGuardedStream", "GuardedStream"]


def _filter(guard: Guard, api: str, kwargs: dict[str, Any]) -> ChatFilter | ResponsesFilter:
    answer = Answer(guard, api, kwargs)
    if api == "chat":
        return ChatFilter(answer, guard.hold_sentences)
    return ResponsesFilter(answer, guard.hold_sentences)


def _continued(f: ChatFilter | ResponsesFilter) -> str:
    """The note on the follow-up's reports: what the first decision told the agent."""
    report = f.a.report
    said = (report.decision.message or report.decision.reason) if report is not None else ""
    return CONTINUED + said


class GuardedStream:
    """A checked `openai.Stream`: iterate it as the original.

    `response`, `close()` and the context manager are the original's (the first stream's,
    when a follow-up continued it).
    """

    def __init__(
        self,
        stream: Any,
        guard: Guard,
        api: str,
        kwargs: dict[str, Any],
        again: Callable[..., Any] | None = None,
    ) -> None:
        """Check `stream`, the answer to a `create(**kwargs)` of `api` (`chat`, `responses`).

        `again` (the unchecked `create`) sends the follow-up of a `use_context` decision on
        needless tool calls; without it the calls pass with their report.
        """
        self._stream = stream
        self._guard, self._api, self._again = guard, api, again
        self._filter = _filter(guard, api, kwargs)
        self._filter.a.can_continue = again is not None
        self._iterator = self._events()

    @property
    def response(self) -> Any:
        """The HTTP response of the original stream."""
        return self._stream.response

    def _events(self) -> Iterator[Any]:
        f = self._filter
        for item in self._stream:
            yield from f.feed(item)
            self._report()
            if f.done:
                self._stream.close()  # the model's stream is cut: read no more of it
                return
        yield from f.finish()
        self._report()
        if f.follow is not None and self._again is not None:
            self._stream.close()
            follow = GuardedStream(self._again(**f.follow), self._guard, self._api, f.follow)
            follow._filter.a.note = _continued(f)
            self._follow = follow
            with follow:
                for item in follow:
                    yield item
                    self._report()

    _follow: GuardedStream | None = None

    def _report(self) -> None:
        found = self._follow._filter.a.report if self._follow is not None else None
        if found is None:
            found = self._filter.a.report
        if found is not None:
            attach_report(self, found)

    def __iter__(self) -> Iterator[Any]:
        return self._iterator

    def __next__(self) -> Any:
        return next(self._iterator)

    def close(self) -> None:
        """Close the original stream."""
        self._stream.close()

    def __enter__(self) -> GuardedStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class AsyncGuardedStream:
    """A checked `openai.AsyncStream`; checks run in a worker thread, off the event loop."""

    def __init__(
        self,
        stream: Any,
        guard: Guard,
        api: str,
        kwargs: dict[str, Any],
        again: Callable[..., Any] | None = None,
    ) -> None:
        """Check `stream`, the answer to a `create(**kwargs)` of `api`; `again` as for sync."""
        self._stream = stream
        self._guard, self._api, self._again = guard, api, again
        self._filter = _filter(guard, api, kwargs)
        self._filter.a.can_continue = again is not None
        self._iterator = self._events()

    @property
    def response(self) -> Any:
        """The HTTP response of the original stream."""
        return self._stream.response

    async def _events(self) -> AsyncIterator[Any]:
        f = self._filter
        async for item in self._stream:
            if f.may_check(item):
                outs = await asyncio.to_thread(f.feed, item)
            else:
                outs = f.feed(item)
            if f.a.report is not None:
                attach_report(self, f.a.report)
            for out in outs:
                yield out
            if f.done:
                await self._stream.close()
                return
        for out in await asyncio.to_thread(f.finish):
            yield out
        if f.a.report is not None:
            attach_report(self, f.a.report)
        if f.follow is not None and self._again is not None:
            await self._stream.close()
            stream = await self._again(**f.follow)
            follow = AsyncGuardedStream(stream, self._guard, self._api, f.follow)
            follow._filter.a.note = _continued(f)
            async with follow:
                async for out in follow:
                    yield out
                    if follow._filter.a.report is not None:
                        attach_report(self, follow._filter.a.report)

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterator

    async def __anext__(self) -> Any:
        return await self._iterator.__anext__()

    async def close(self) -> None:
        """Close the original stream."""
        await self._stream.close()

    async def __aenter__(self) -> AsyncGuardedStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
