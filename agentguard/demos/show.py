"""`agentguard demo`: the example agents run offline, with what the monitor caught and did.

Each scene runs twice: behind the monitor, printing every step, and without it (`guard=False`),
so the summary can show what the agent would have done on its own.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from agentguard.demos.scene import Scene
from agentguard.runtime.result import AgentResult
from agentguard.trace import TraceWriter
from agentguard.types import Report

"""The demo scenes by name."""

Answerer = Callable[[str], str]


@dataclass
class Outcome:
    """What happened in one scene, for the summary."""

    scene: str
    caught: list[str] = field(default_factory=list)
    asked: int = 0
    looked_up: list[str] = field(default_factory=list)
    retries: int = 0
    statuses: list[str] = field(default_factory=list)
    unguarded: list[str] = field(default_factory=list)


class _Printer:
    def __init__(self, out: TextIO, color: bool, outcome: Outcome) -> None:
        self.out = out
        self.color = color
        self.outcome = outcome

    def style(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def line(self, who: str, text: str, code: str = "0") -> None:
        first, *rest = text.splitlines() or [""]
        self.out.write(f"  {self.style(f'{who:<8}', code)} {first}\n")
        for more in rest:
            self.out.write(f"  {'':<8} {more}\n")

    def step(self, node: str, update: dict[str, Any]) -> None:
        if node == "model" and update.get("output"):
            self.line("model", _describe(update["output"]), "34")
        elif node == "monitor" and update.get("report"):
            self._report(Report.model_validate(update["report"]))
        elif node in ("tools", "call_tool"):
            self._tool_messages(node, update)
        elif node == "retry":
            self.outcome.retries += 1
            self.line("monitor", "-> retry: the model is told what was unsupported", "33")

    def _report(self, report: Report) -> None:
        flagged = {f.claim_id: f for f in report.flags}
        for c in report.claims:
            f = flagged.get(c.id)
            what = f"{c.path}={c.value!r}" if c.kind == "argument" else repr(c.text)
            if f is not None:
                self.outcome.caught.append(what)
                self.line("monitor", f"! {what}: support {c.support:.2f}, {f.type}", "31")
        for f in report.flags:
            if f.claim_id is None:
                self.line("monitor", f"! {f.type}: {f.message}", "31")
        d = report.decision
        n = len(report.claims)
        if not report.flags:
            self.line("monitor", f"ok: {n} claim(s) supported -> {d.action}", "32")
        elif d.action in ("allow", "annotate"):
            self.line("monitor", f"-> {d.action}: {d.reason}", "33")
        elif d.action == "call_tool" and d.tool_call:
            self.outcome.looked_up.append(d.tool_call.name)
            self.line("monitor", f"-> call_tool {d.tool_call.name} instead of guessing", "33")
        elif d.action != "retry":
            self.line("monitor", f"-> {d.action}", "33")

    def _tool_messages(self, node: str, update: dict[str, Any]) -> None:
        for m in update.get("messages", []):
            if m["role"] == "assistant" and node == "call_tool":
                self.line("monitor", "calls " + _describe(m), "33")
            elif m["role"] == "tool":
                content = m["content"] if len(m["content"]) <= 100 else m["content"][:97] + "..."
                self.line("tool", content, "36")
        if node == "call_tool" and update.get("feedback"):
            self.line("monitor", "-> the model is told to use the tool", "33")


def _describe(message: dict[str, Any]) -> str:
    parts = []
    if message.get("content"):
        parts.append(str(message["content"]))
    for call in message.get("tool_calls") or []:
        fn = call["function"]
        try:
            args = json.loads(fn["arguments"])
            shown = ", ".join(f"{k}={v!r}" for k, v in args.items())
        except (ValueError, AttributeError):
            shown = fn["arguments"]
        parts.append(f"{fn['name']}({shown})")
    return "\n".join(parts)


def scripted_answers(answers: tuple[str, ...]) -> Answerer:
    """Answers the scene's questions in order (an empty answer once the script runs out)."""
    queue = list(answers)

    def answer(question: str) -> str:
        return queue.pop(0) if queue else ""

    return answer


def terminal_answers(question: str) -> str:
    """Asks the person at the terminal."""
    try:
        return input("  your answer> ")
    except EOFError:
        return ""


def run_scene(
    scene: Scene,
    *,
    trace: TraceWriter | None,
    out: TextIO,
    color: bool = False,
    answer: Answerer | None = None,
) -> Outcome:
    """Run one scene behind the monitor (printing each step), then without it."""
    name = scene.name
    outcome = Outcome(scene=name)
    printer = _Printer(out, color, outcome)
    out.write("\n" + printer.style(f"== {name}: {scene.title}", "1") + "\n")
    answer = answer or scripted_answers(scene.answers)
    agent = scene.build(trace=trace)
    thread = f"demo-{name}"
    for turn in scene.turns:
        printer.line("user", turn, "1")
        result = agent.run(turn, thread_id=thread, on_step=printer.step)
        while result.status == "waiting_for_user":
            outcome.asked += 1
            printer.line("agent", result.question or "", "1;33")
            reply = answer(result.question or "")
            printer.line("user", reply or "(no answer)", "1")
            result = agent.resume(reply, thread_id=thread, on_step=printer.step)
        _finish(printer, result)
        outcome.statuses.append(result.status)
    bare = scene.build(guard=False)
    for turn in scene.turns:
        result = bare.run(turn, thread_id=thread)
        outcome.unguarded.append(_unguarded_summary(result))
    return outcome


def _finish(printer: _Printer, result: AgentResult) -> None:
    if result.status == "answered":
        printer.line("agent", result.answer or "", "1;32")
        if result.detail:
            printer.line("", f"({result.detail})", "2")
    else:
        printer.line("stopped", f"{result.status}: {result.detail}", "1;31")


def _unguarded_summary(result: AgentResult) -> str:
    calls = [
        _describe({"tool_calls": m["tool_calls"]})
        for m in result.messages
        if m["role"] == "assistant" and m.get("tool_calls")
    ]
    said = result.answer or result.status
    return "; ".join([*calls, said])


def summary(outcomes: list[Outcome]) -> str:
    """The closing table: what each scene's monitor caught and did, and what the agent alone did."""
    rows = []
    for o in outcomes:
        did = []
        if o.asked:
            did.append(f"asked {o.asked} question(s)")
        if o.looked_up:
            did.append("called " + ", ".join(dict.fromkeys(o.looked_up)))
        if o.retries:
            did.append(f"retried {o.retries}x")
        caught = ", ".join(dict.fromkeys(o.caught)) or "nothing"
        rows.append(
            f"{o.scene:<11} caught: {caught}\n{'':<11} did:    {'; '.join(did) or 'nothing'}"
            f" -> {', '.join(o.statuses)}\n{'':<11} alone:  {' | '.join(o.unguarded)}"
        )
    return "\n".join(rows)


def run_demo(
    scenes: list[Scene],
    *,
    trace_path: str | Path = "agentguard-demo.jsonl",
    interactive: bool = False,
    out: TextIO | None = None,
    color: bool = False,
) -> list[Outcome]:
    """Run the scenes, print each conversation and the summary; write the trace."""
    out = out or sys.stdout
    outcomes = []
    with TraceWriter(trace_path, meta={"demo": [s.name for s in scenes]}) as trace:
        for scene in scenes:
            answer = terminal_answers if interactive else None
            outcomes.append(run_scene(scene, trace=trace, out=out, color=color, answer=answer))
            out.flush()
    out.write("\n== summary (with the monitor, and the same agent alone) ==\n")
    out.write(summary(outcomes) + "\n")
    out.write(f"\ntrace: {trace_path}\n")
    return outcomes


def run_scene_main(scene: Scene) -> None:
    """`python -m agentguard.demos.NAME`: one scene, trace in the current folder."""
    path = f"agentguard-demo-{scene.name}.jsonl"
    run_demo([scene], trace_path=path, color=sys.stdout.isatty())
