"""The Responses API's streamed events, checked: a filter in the manner of `openai_filters`."""

from __future__ import annotations

from typing import Any, Literal

from agentguard.integrations._common import attach_report
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
    open: tuple[str, int] | None = None  # the last message the caller has seen begin

    def __init__(self, answer: Any, hold: bool) -> None:
        super().__init__(answer, hold)
        self.repeats: list[Any] = []  # done events of messages, which repeat their text

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
        if kind in self._REPEATS and not self.held:
            # They repeat text already streamed: kept to the end, so a cut can still end the
            # message the caller has seen begin.
            self.repeats.append(event)
            return []
        if self.held or _is_call_event(event):
            self.held.append(event)
            return []
        if kind == "response.output_text.delta":
            return self._text(event)
        item = getattr(event, "item", None)
        if kind == "response.output_item.added":
            self.items += 1
            if getattr(item, "type", None) == "message":
                self.open = (getattr(item, "id", ""), getattr(event, "output_index", 0))
        if self.pending:
            self.pending.append((event, len(self.a.text)))
            return []
        return [self._mark(event)]

    def _final(self, event: Any) -> list[Any]:
        a = self.a
        response = getattr(event, "response", None)
        output = response_output(response) if response is not None else None
        settled = self._settle_text()
        if settled is None:
            return self._cut(event)
        a.check(output=output)
        if response is not None and output is not None:
            a.guard.memory.keep(getattr(response, "id", None), [*(a.messages or []), output])
        if a.held():
            return settled + self._cut(event)
        a.follow_up()  # raises for `on_flag="raise"`; a Responses stream is not continued
        rest = [*self.repeats, *self.held, event]
        out = settled + self._release(len(a.text)) + [self._mark(e) for e in rest]
        if response is not None and a.report is not None:
            attach_report(response, a.report)
        self.held, self.done = [], True
        return out

    def finish(self) -> list[Any]:
        """The stream ended without a terminal event: check what came, release or cut."""
        if self.done:
            return []
        settled = self._settle_text()
        if settled is None:
            return self._cut(None)
        self.a.check()
        if self.a.held():
            return settled + self._cut(None)
        self.a.follow_up()
        rest = [*self.repeats, *self.held]
        out = settled + self._release(len(self.a.text)) + [self._mark(e) for e in rest]
        self.held = self.repeats = []
        return out

    def _cut(self, template: Any) -> list[Any]:
        self.done = True
        self.a.stop()
        report = self.a.report
        shown = self.a.text[: self.shown]
        text = ("\n\n" if shown else "") + (notice(report) if report is not None else "")
        closing: list[Any] = []
        if self.open is not None:  # the message the caller saw begin ends with the notice
            item_id, index = self.open
            # Earlier messages end as they were streamed.
            closing = [e for e in self.repeats if _item_of(e) != item_id]
            events = _message_events(text, index, self.seq + 1, item_id=item_id, shown=shown)
            whole = shown + text
        else:
            item_id, whole = "msg_agentguard", text.strip()
            events = _message_events(whole, self.items, self.seq + 1, item_id=item_id)
        out = [self._mark(e) for e in [*closing, *events]]
        terminal = template if getattr(template, "type", None) in self._TERMINAL else None
        if terminal is not None and getattr(terminal, "response", None) is not None:
            replaced = terminal.model_copy()
            replaced.response = replaced_response(terminal.response, whole, item_id=item_id)
            replaced.sequence_number = self.seq + 1 + len(out)
            if report is not None:
                attach_report(replaced.response, report)
            out.append(self._mark(replaced))
        return out


def _item_of(event: Any) -> str | None:
    """The id of the output item an event is about."""
    found = getattr(event, "item_id", None)
    return found if isinstance(found, str) else getattr(getattr(event, "item", None), "id", None)


def _is_call_event(event: Any) -> bool:
    if event.type.startswith("response.function_call_arguments."):
        return True
    item = getattr(event, "item", None)
    return getattr(item, "type", None) == "function_call"


def _message_events(
    text: str, index: int, seq: int, *, item_id: str, shown: str | None = None
) -> list[Any]:
    """The events of an output message saying `text`, numbered from `seq`.

    With `shown` (the text the caller has of an open message `item_id`), the events that end
    that message: `text` as its last delta, then its done events with `shown` + `text`.
    Otherwise the events of a new message `item_id` at output `index`, from its start.
    """
    from openai.types import responses as r

    whole = text if shown is None else shown + text
    part = r.ResponseOutputText.model_construct(type="output_text", text=whole, annotations=[])
    empty = r.ResponseOutputText.model_construct(type="output_text", text="", annotations=[])
    at = {"item_id": item_id, "output_index": index, "content_index": 0}

    def message(status: Literal["in_progress", "completed"], content: list[Any]) -> Any:
        return r.ResponseOutputMessage.model_construct(
            id=item_id, type="message", role="assistant", status=status, content=content
        )

    made: list[tuple[Any, dict[str, Any]]] = []
    if shown is None:
        made += [
            (
                r.ResponseOutputItemAddedEvent,
                {"item": message("in_progress", []), "output_index": index},
            ),
            (r.ResponseContentPartAddedEvent, {"part": empty, **at}),
        ]
    made += [
        (r.ResponseTextDeltaEvent, {"delta": text, "logprobs": [], **at}),
        (r.ResponseTextDoneEvent, {"text": whole, "logprobs": [], **at}),
        (r.ResponseContentPartDoneEvent, {"part": part, **at}),
        (
            r.ResponseOutputItemDoneEvent,
            {"item": message("completed", [part]), "output_index": index},
        ),
    ]
    kinds = {
        r.ResponseOutputItemAddedEvent: "response.output_item.added",
        r.ResponseContentPartAddedEvent: "response.content_part.added",
        r.ResponseTextDeltaEvent: "response.output_text.delta",
        r.ResponseTextDoneEvent: "response.output_text.done",
        r.ResponseContentPartDoneEvent: "response.content_part.done",
        r.ResponseOutputItemDoneEvent: "response.output_item.done",
    }
    return [
        kind.model_construct(type=kinds[kind], sequence_number=seq + n, **fields)
        for n, (kind, fields) in enumerate(made)
    ]
