"""The filters of a wrapped client's streams: the streamed answer, its checks, and chat chunks.

A filter takes the model's stream one item at a time and says what the caller gets; see
`agentguard.integrations.openai_stream` for the behaviour and `openai_events` for the
Responses API's events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from agentguard.integrations._common import AssumptionFlagged, attach_report
from agentguard.integrations._continue import chat_follow_up
from agentguard.integrations.openai_forms import notice
from agentguard.text.tokens import sentence_ends
from agentguard.types import Report

if TYPE_CHECKING:
    from agentguard.integrations.openai_guard import Guard

__all__ = ["Answer", "ChatFilter", "Filter", "confirmed_ends"]

ENDERS = frozenset(".!?\n")


def confirmed_ends(text: str, after: int) -> list[int]:
    """The sentence ends in `text` past offset `after` that more text has confirmed.

    An end at the very end of the text may be none ("3." may go on as "3.5"), so it counts
    once something other than spaces follows it, or when it is a line break.
    """
    window = max(0, after - 16)  # room for "Dr." and other looks behind a period
    ends = [window + e for e in sentence_ends(text[window:])]
    return [e for e in ends if e > after and (text[e - 1] == "\n" or text[e:].strip())]


class Answer:
    """The text and tool calls streamed so far, and the checks made on them."""

    def __init__(self, guard: Guard, api: str, kwargs: dict[str, Any]) -> None:
        self.guard = guard
        self.api = api
        self.kwargs = kwargs
        self.can_continue = False  # whether the stream can send a follow-up request
        self.messages = guard.conversation(kwargs) if api == "responses" else kwargs.get("messages")
        self.tools = kwargs.get("tools")
        self.note = guard.unseen_previous(kwargs) if api == "responses" else None
        self.text = ""
        self.checked = 0
        self.report: Report | None = None
        self.calls: dict[int, dict[str, Any]] = {}

    def check(self, upto: int | None = None, output: dict[str, Any] | None = None) -> Report:
        """Check the text up to `upto` (all of it when `None`), or `output` when given."""
        if output is None:
            text = self.text if upto is None else self.text[:upto]
            output = {"role": "assistant", "content": text, "tool_calls": self.tool_calls()}
            if upto is not None:
                output["tool_calls"] = []
        self.report = self.guard.check(self.messages, self.tools, output, self.note)
        self.checked = len(self.text) if upto is None else upto
        return self.report

    def tool_calls(self) -> list[dict[str, Any]]:
        """The streamed tool calls so far, in OpenAI form."""
        return [
            {
                "id": c["id"],
                "type": "function",
                "function": {"name": c["name"], "arguments": c["args"]},
            }
            for _, c in sorted(self.calls.items())
        ]

    def add_call_delta(self, delta: Any) -> None:
        """Add the tool-call pieces of a chunk's `delta`."""
        for part in getattr(delta, "tool_calls", None) or []:
            call = self.calls.setdefault(part.index, {"id": None, "name": "", "args": ""})
            call["id"] = part.id or call["id"]
            function = part.function
            if function is not None:
                call["name"] += function.name or ""
                call["args"] += function.arguments or ""

    def held(self) -> bool:
        """Whether the latest report holds the answer back (for the caller's `on_flag`)."""
        return self.report is not None and self.guard.held(self.report)

    def stop(self) -> None:
        """Raise for `on_flag="raise"`; otherwise the caller ends the stream with the notice."""
        if self.guard.on_flag == "raise" and self.report is not None:
            raise AssumptionFlagged(self.report)

    def follow_up(self) -> dict[str, Any] | None:
        """The chat request that continues the agent after needless tool calls, or `None`.

        Only tool calls are acted on in a stream (they are held to the end; text has gone
        out): with `on_flag="raise"` a `use_context` decision on them raises, with
        `"replace"` the follow-up is given when every call is needless.
        """
        report = self.report
        if report is None or not self.calls or not self.guard.uses_context(report):
            return None
        if self.guard.on_flag == "raise":
            raise AssumptionFlagged(report)
        if self.api != "chat" or not self.can_continue:
            return None  # a Responses API stream cannot take a second response's events
        messages = chat_follow_up(
            self.messages, self.text or None, self.tool_calls(), report.decision
        )
        return None if messages is None else {**self.kwargs, "messages": messages}


class Filter:
    """What the chat and Responses filters share: held text, releasing it, cutting."""

    def __init__(self, answer: Answer, hold: bool) -> None:
        self.a = answer
        self.hold = hold
        self.pending: list[tuple[Any, int]] = []  # items held with `hold`, at a text offset
        self.held: list[Any] = []  # tool calls and what follows them, kept to the end
        self.done = False
        self.shown = 0  # characters of text the caller has been given
        self.follow: dict[str, Any] | None = None  # the follow-up request, once decided

    def text_of(self, item: Any) -> str:
        """The text `item` adds to the answer (none for most items)."""
        raise NotImplementedError

    def split(self, item: Any, at: int) -> tuple[Any, Any]:
        """`item` cut in two at offset `at` of its text."""
        raise NotImplementedError

    def _mark(self, item: Any) -> Any:
        if self.a.report is not None:
            attach_report(item, self.a.report)
        return item

    def _text(self, item: Any) -> list[Any]:
        """Take a text item: pass it on (or hold it), and check when a sentence has ended."""
        a = self.a
        start = len(a.text)
        a.text += self.text_of(item)
        out: list[Any] = []
        if self.hold:
            self.pending.append((item, start))
        else:
            out.append(self._mark(item))
            self.shown = len(a.text)
        if not ENDERS.intersection(a.text[a.checked :]):
            return out
        # Each sentence that has ended is checked on its own, the first flagged one cuts.
        for end in confirmed_ends(a.text, a.checked):
            a.check(end)
            if a.held():
                return out + self._cut(item)
            out += self._release(end)
        return out

    def _release(self, upto: int) -> list[Any]:
        """The held items whose text is checked up to offset `upto`, a straddler split."""
        out, keep = [], []
        for item, start in self.pending:
            length = len(self.text_of(item))
            if start + length <= upto:
                out.append(self._mark(item))
            elif start < upto:
                head, tail = self.split(item, upto - start)
                out.append(self._mark(head))
                keep.append((tail, upto))
            else:
                keep.append((item, start))
        self.pending = keep
        self.shown = max(self.shown, upto)
        return out

    def _settle_text(self) -> list[Any] | None:
        """With `hold`, the held text checked alone before the tool calls join it.

        Returns what it releases, or `None` when the text itself is held back (the caller
        cuts). A sentence that ends the text is not lost because a guessed call follows it.
        """
        a = self.a
        if not (self.hold and self.pending and a.text.strip()):
            return []
        a.check(len(a.text))
        return None if a.held() else self._release(len(a.text))

    def may_check(self, item: Any) -> bool:
        """Whether feeding `item` may run a check (the async stream runs those off the loop)."""
        text = self.text_of(item)
        a = self.a
        return bool(text.strip()) and bool(ENDERS.intersection(a.text[a.checked :] + text))

    def _cut(self, template: Any) -> list[Any]:
        raise NotImplementedError


class ChatFilter(Filter):
    """Chat completion chunks in, the chunks the caller gets out."""

    last: Any = None

    def text_of(self, item: Any) -> str:
        """The text `item` adds to the answer (none for most items)."""
        choice = item.choices[0] if item.choices else None
        return (choice.delta.content or "") if choice is not None else ""

    def split(self, item: Any, at: int) -> tuple[Any, Any]:
        """`item` cut in two at offset `at` of its text."""
        content = self.text_of(item)
        head, tail = item.model_copy(deep=True), item.model_copy(deep=True)
        head.choices[0].delta.content = content[:at]
        tail.choices[0].delta.content = content[at:]
        return head, tail

    def feed(self, chunk: Any) -> list[Any]:
        """Take one item of the model's stream; return the items the caller gets now."""
        choice: Any = chunk.choices[0] if chunk.choices else None
        if choice is not None:
            self.last = chunk
        delta = choice.delta if choice is not None else None
        if self.held or delta is None or delta.tool_calls or choice.finish_reason:
            self.a.add_call_delta(delta)
            self.a.text += self.text_of(chunk)  # text beside the calls: checked with them
            self.held.append(chunk)
            return []
        return self._text(chunk)

    def finish(self) -> list[Any]:
        """The model's stream has ended: the last check, and what the caller gets then."""
        if self.done:
            return []
        a = self.a
        settled = self._settle_text()
        if settled is None:
            return self._cut(self.last)
        a.check()
        if a.held():
            return settled + self._cut(self.last)
        self.follow = a.follow_up()
        if self.follow is not None:  # the needless calls are answered in the follow-up
            self.done = True
            return settled + self._release(len(a.text))
        return settled + self._release(len(a.text)) + [self._mark(c) for c in self.held]

    def _cut(self, template: Any) -> list[Any]:
        self.done = True
        self.a.stop()
        usage = [self._mark(c) for c in self.held if not c.choices]  # the usage chunk stays
        if template is None:
            return usage
        report = self.a.report
        text = ("\n\n" if self.shown else "") + (notice(report) if report is not None else "")
        say = _chunk_like(template, content=text, finish=None)
        end = _chunk_like(template, content=None, finish="stop")
        return [self._mark(say), self._mark(end), *usage]


def _chunk_like(template: Any, *, content: str | None, finish: Literal["stop"] | None) -> Any:
    from openai.types.chat.chat_completion_chunk import Choice, ChoiceDelta

    chunk = template.model_copy(deep=True)
    delta = ChoiceDelta.model_construct(role="assistant" if content else None, content=content)
    chunk.choices = [Choice.model_construct(index=0, delta=delta, finish_reason=finish)]
    chunk.usage = None
    return chunk
