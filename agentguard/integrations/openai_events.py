"""The Responses API's streamed events, checked: a filter in the manner of `openai_filters`."""

from __future__ import annotations

from typing import Any, Literal

from agentguard.integrations.openai_filters import Filter
from agentguard.integrations.openai_forms import notice, replaced_response, response_output

__all__ = ["ResponsesFilter"]


class ResponsesFilter(Filter):
    """Responses API events in, the events the caller gets out."""

    _TERMINAL = ("response.completed", "response.incomplete")
    # Events that repeat the text whole: held with `hold` until the text is checked.
    _REPEATS = (
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
    )
    seq = 0
    items = 0  # output items the caller has been told of

    def text_of(self, item: Any) -> str:
        """The text `item` adds to the answer (none for most items)."""
        delta = getattr(item, "delta", None)
        return delta if item.type == "response.output_text.delta" and isinstance(delta, str) else ""

    def split(self, item: Any, at: int) -> tuple[Any, Any]:
        """`item` cut in two at offset `at` of its text."""
        head, tail = item.model_copy(), item.model_copy()
        head.delta, tail.delta = item.delta[:at], item.delta[at:]
        return head, tail

    def may_check(self, item: Any) -> bool:
        """Whether feeding `item` may run a check (the async stream runs those off the loop)."""
        return item.type in self._TERMINAL or super().may_check(item)

    def feed(self, event: Any) -> list[Any]:
        """Take one item of the model's stream; return the items the caller gets now."""
        self.seq = max(self.seq, getattr(event, "sequence_number", 0) or 0)
        kind = event.type
        if kind in self._TERMINAL:
            return self._final(event)
        if self.held or _is_call_event(event) or (self.hold and kind in self._REPEATS):
            self.held.append(event)
            return []
        if kind == "response.output_text.delta":
            return self._text(event)
        if kind == "response.output_item.added":
            self.items += 1
        if self.pending:
            self.pending.append((event, len(self.a.text)))
            return []
        return [self._mark(event)]

    def _final(self, event: Any) -> list[Any]:
        a = self.a
        response = getattr(event, "response", None)
        output = response_output(response) if response is not None else None
        a.check(output=output)
        if response is not None and output is not None:
            a.guard.memory.keep(getattr(response, "id", None), [*(a.messages or []), output])
        if a.held():
            return self._cut(event)
        out = self._release(len(a.text)) + [self._mark(e) for e in [*self.held, event]]
        self.held, self.done = [], True
        return out

    def finish(self) -> list[Any]:
        """The stream ended without a terminal event: check what came, release or cut."""
        if self.done:
            return []
        self.a.check()
        if self.a.held():
            return self._cut(None)
        out = self._release(len(self.a.text)) + [self._mark(e) for e in self.held]
        self.held = []
        return out

    def _cut(self, template: Any) -> list[Any]:
        self.done = True
        self.a.stop()
        report = self.a.report
        text = ("\n\n" if self.shown else "") + (notice(report) if report is not None else "")
        out = [self._mark(e) for e in _message_events(text, self.items, self.seq + 1)]
        terminal = template if getattr(template, "type", None) in self._TERMINAL else None
        if terminal is not None and getattr(terminal, "response", None) is not None:
            replaced = terminal.model_copy()
            replaced.response = replaced_response(terminal.response, text.strip())
            replaced.sequence_number = self.seq + 1 + len(out)
            out.append(self._mark(replaced))
        return out


def _is_call_event(event: Any) -> bool:
    if event.type.startswith("response.function_call_arguments."):
        return True
    item = getattr(event, "item", None)
    return getattr(item, "type", None) == "function_call"


def _message_events(text: str, index: int, seq: int) -> list[Any]:
    """The events of one new output message saying `text`, numbered from `seq`."""
    from openai.types import responses as r

    mid = "msg_agentguard"
    part = r.ResponseOutputText.model_construct(type="output_text", text=text, annotations=[])
    empty = r.ResponseOutputText.model_construct(type="output_text", text="", annotations=[])

    def message(status: Literal["in_progress", "completed"], content: list[Any]) -> Any:
        return r.ResponseOutputMessage.model_construct(
            id=mid, type="message", role="assistant", status=status, content=content
        )

    return [
        r.ResponseOutputItemAddedEvent.model_construct(
            type="response.output_item.added",
            item=message("in_progress", []),
            output_index=index,
            sequence_number=seq,
        ),
        r.ResponseContentPartAddedEvent.model_construct(
            type="response.content_part.added",
            part=empty,
            item_id=mid,
            output_index=index,
            content_index=0,
            sequence_number=seq + 1,
        ),
        r.ResponseTextDeltaEvent.model_construct(
            type="response.output_text.delta",
            delta=text,
            item_id=mid,
            output_index=index,
            content_index=0,
            logprobs=[],
            sequence_number=seq + 2,
        ),
        r.ResponseTextDoneEvent.model_construct(
            type="response.output_text.done",
            text=text,
            item_id=mid,
            output_index=index,
            content_index=0,
            logprobs=[],
            sequence_number=seq + 3,
        ),
        r.ResponseContentPartDoneEvent.model_construct(
            type="response.content_part.done",
            part=part,
            item_id=mid,
            output_index=index,
            content_index=0,
            sequence_number=seq + 4,
        ),
        r.ResponseOutputItemDoneEvent.model_construct(
            type="response.output_item.done",
            item=message("completed", [part]),
            output_index=index,
            sequence_number=seq + 5,
        ),
    ]
