"""An agent's trace writes: its reports and run events, each naming the thread, run and step."""

from __future__ import annotations

from typing import Any

from agentguard.runtime.models import valid_strings
from agentguard.trace import TraceWriter, flagged_spans
from agentguard.types import Report


class RunLog:
    """Writes an agent's records to its trace (when it has one), at most once per step.

    Text reaching the trace is valid Unicode already (the runtime repairs model outputs, tool
    results and user turns as they come in); a string that still cannot be encoded (a lone
    surrogate in a name or an id) is repaired and the record written again, so a trace never
    ends a run.
    """

    def __init__(self, trace: TraceWriter | None, agent: str) -> None:
        self.trace = trace
        self.agent = agent
        self._written: set[tuple[str, int]] = set()

    def report(
        self, report: Report, *, thread: str, run: str, step: int, output_text: str, **fields: Any
    ) -> None:
        """The report of step `step` of `run`; a step run twice (a resume) is written once.

        The record carries the checked output's text and the flagged spans in it, so a flag
        can be traced back to the words that raised it; the thread, run and step name the
        input.
        """
        if self.trace is None or (run, step) in self._written:
            return
        self._written.add((run, step))
        common = {
            "thread": thread,
            "run": run,
            "step": step,
            "agent": self.agent,
            "output_text": output_text,
            "flagged_spans": flagged_spans(report),
            **fields,
        }
        try:
            self.trace.write(report, **common)
        except UnicodeEncodeError:
            clean = Report.model_validate(valid_strings(report.model_dump(mode="json")))
            self.trace.write(clean, **valid_strings(common))

    def event(self, event: str, **fields: Any) -> None:
        """An event record (`tool_error`, `ask`, `run_end`, ...)."""
        if self.trace is None:
            return
        fields = {**fields, "agent": self.agent}
        try:
            self.trace.write_event(event, **fields)
        except UnicodeEncodeError:
            self.trace.write_event(event, **valid_strings(fields))
