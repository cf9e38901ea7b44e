"""`agentguard demo`: the example agents run offline, with what the monitor caught and did.

Each scene runs twice: behind the monitor, printing every step, and without it (`guard=False`),
so the summary can show what the agent would have done on its own.

Both directions show: a fact the model would assume is asked for or looked up, and a question
or tool call the model does not need (`redundant_question`, `needless_question`,
`needless_tool_call`) is not made: under `use_context` the model goes on with what the context
holds, and a needless call is answered with the result the monitor already has.
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
    """Claims the monitor found unsupported or contradicted (assumptions)."""
    needless: list[str] = field(default_factory=list)
    """Questions and tool calls the monitor found the agent did not need."""
    used_context: int = 0
    """Times the agent went on with what it had instead (`use_context`)."""
    answered: list[tuple[str, str]] = field(default_factory=list)
    """Needless tool calls the monitor answered with the result it had: (tool, result)."""
    unsent: int = 0
    """Questions not sent to the user because the context answered them."""
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
        self.known_calls: set[str] = set()
        """Ids of the calls the last decision answers from what the monitor knows."""

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
        elif node == "use_context":
            self._use_context(update)
        elif node == "retry":
            self.outcome.retries += 1
            self.line("monitor", "-> retry: the model is told what was unsupported", "33")

    def _report(self, report: Report) -> None:
        flagged = {f.claim_id: f for f in report.flags}
        for c in report.claims:
            f = flagged.get(c.id)
            what = f"{c.path}={c.value!r}" if c.kind == "argument" else repr(c.text)
            if f is None:
                continue
            needless = f.type in _NEEDLESS
            (self.outcome.needless if needless else self.outcome.caught).append(what)
            code = "36" if needless else "31"
            self.line("monitor", f"! {what}: support {c.support:.2f}, {f.type}", code)
        for f in report.flags:
            if f.claim_id is None:
                if f.type in _NEEDLESS:
                    self.outcome.needless.append(f.message)
                self.line(
                    "monitor", f"! {f.type}: {f.message}", "36" if f.type in _NEEDLESS else "31"
                )
        d = report.decision
        n = len(report.claims)
        self.known_calls = {k.call_id for k in d.known if k.call_id is not None}
        if not report.flags:
            self.line("monitor", f"ok: {n} claim(s) supported -> {d.action}", "32")
        elif d.action == "use_context":
            self.outcome.used_context += 1
            self.line("monitor", f"-> use_context: {d.message}", "36")
        elif d.action in ("allow", "annotate"):
            self.line("monitor", f"-> {d.action}: {d.reason}", "33")
        elif d.action == "call_tool" and d.tool_call:
            self.outcome.looked_up.append(d.tool_call.name)
            self.line("monitor", f"-> call_tool {d.tool_call.name} instead of guessing", "33")
        elif d.action != "retry":
            self.line("monitor", f"-> {d.action}", "33")

    def _use_context(self, update: dict[str, Any]) -> None:
        messages = update.get("messages", [])
        known = self.known_calls
        calls: dict[str, dict[str, Any]] = {}
        for m in messages:
            if m["role"] == "assistant":
                calls.update({c["id"]: c for c in m.get("tool_calls") or []})
            elif m["role"] == "tool" and m["tool_call_id"] in calls:
                call = calls[m["tool_call_id"]]
                if m["tool_call_id"] not in known:
                    self.line("tool", m["content"], "36")  # another call of the output: it ran
                    continue
                name = call["function"]["name"]
                self.outcome.answered.append((name, m["content"]))
                self.line(
                    "monitor", f"answers {_describe({'tool_calls': [call]})}: {m['content']}", "36"
                )
        if not any(m["role"] == "tool" for m in messages):
            self.outcome.unsent += 1
            self.line("monitor", "-> the question is not sent; the model goes on", "36")

    def _tool_messages(self, node: str, update: dict[str, Any]) -> None:
        for m in update.get("messages", []):
            if m["role"] == "assistant" and node == "call_tool":
                self.line("monitor", "calls " + _describe(m), "33")
            elif m["role"] == "tool":
                content = m["content"] if len(m["content"]) <= 100 else m["content"][:97] + "..."
                self.line("tool", content, "36")
        if node == "call_tool" and update.get("feedback"):
            self.line("monitor", "-> the model is told to use the tool", "33")


_NEEDLESS = ("redundant_question", "needless_question", "needless_tool_call")
"""Flags for what the agent does not need: its question or call is answered from the context."""


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
    """The calls and answer of the run's last turn (earlier turns are summarised already)."""
    start = max((i for i, m in enumerate(result.messages) if m["role"] == "user"), default=0)
    calls = [
        _describe({"tool_calls": m["tool_calls"]})
        for m in result.messages[start:]
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
        answered = dict(o.answered)
        for name in dict.fromkeys(o.looked_up):
            if name in answered:
                did.append(f"sent the model to {name}, then answered the call itself")
            else:
                did.append(f"called {name}")
        if o.retries:
            did.append(f"retried {o.retries}x")
        if o.unsent:
            did.append(f"did not send {o.unsent} question(s) the context answers")
        others = [f"{n} ({r})" for n, r in o.answered if n not in o.looked_up]
        if others:
            did.append("answered " + ", ".join(others) + " itself")
        caught = ", ".join(dict.fromkeys(o.caught)) or "nothing"
        lines = [f"{o.scene:<11} caught: {caught}"]
        if o.needless:
            lines.append(f"{'':<11} spared: {', '.join(dict.fromkeys(o.needless))}")
        lines.append(f"{'':<11} did:    {'; '.join(did) or 'nothing'} -> {', '.join(o.statuses)}")
        lines.append(f"{'':<11} alone:  {' | '.join(o.unguarded)}")
        rows.append("\n".join(lines))
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
