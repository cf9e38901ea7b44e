"""The job that checks raw inputs in a worker.

It parses, checks, renders what `agentguard check` prints and makes the trace record, so that
the parent only writes what comes back, in order.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from agentguard.errors import InputError
from agentguard.input_files import BadInput, RawInput, parse_raw
from agentguard.inputs import CheckInput, parse_check_input
from agentguard.monitor import Monitor
from agentguard.policy import Policy
from agentguard.redaction import Redaction, get_redaction, redact, redact_text, set_redaction
from agentguard.render import render_report
from agentguard.trace import PreparedRecord, prepare_record, provenance
from agentguard.types import Report

INTERNAL = "internal error (a bug in agentguard: please report it)"
"""How an exception that is not about the input is reported."""

Show = Literal["json", "jsonl", "text", "none"]


@dataclass(frozen=True)
class CheckSettings:
    """Everything a worker needs to check as the parent would; picklable."""

    policy: str | Policy = "balanced"
    calibration: str | None = None
    policies: tuple[tuple[str, str | Policy], ...] = ()
    """Policies an input's `policy` field may name, besides the built-in ones."""
    trace: bool = False
    """Make each report's trace record."""
    trace_inputs: bool = False
    show: Show = "none"
    """What to render for the output: `check --json` (one document, or a line with `jsonl`),
    the text report, or nothing."""
    color: bool = False
    redaction: Redaction = field(default_factory=get_redaction)
    """Set in spawned workers (forked ones inherit the parent's)."""

    def monitor(self) -> Monitor:
        """A monitor with these settings and no trace (the parent writes it)."""
        return Monitor(self.policy, calibration=self.calibration, policies=dict(self.policies))


@dataclass(frozen=True)
class Checked:
    """What came of one input: its rendering and trace record, or why it could not be checked."""

    where: str
    shown: str | None = None
    record: PreparedRecord | None = None
    bad: BadInput | None = None


class CheckJob:
    """Checks batches of raw inputs with one monitor (`pool.Job`)."""

    def __init__(self, settings: CheckSettings) -> None:
        self.settings = settings
        self.monitor = settings.monitor()

    def run(self, batch: Sequence[RawInput]) -> list[Checked]:
        """Check each raw input of a batch, in order."""
        return [self.one(raw) for raw in batch]

    def one(self, raw: RawInput) -> Checked:
        """Check one raw input; a bad one gives its `BadInput`, never an exception."""
        try:
            inp, report = self._check(raw)
        except BadInput as bad:
            return Checked(bad.where, bad=bad)
        s = self.settings
        record = None
        if s.trace:
            extra = provenance(inp, report, context=s.trace_inputs)
            record = prepare_record(report, input_id=inp.id, metadata=inp.metadata, **extra)
        shown = show_report(report, inp.output.text, raw.where, s.show, s.color)
        return Checked(raw.where, shown, record)

    def _check(self, raw: RawInput) -> tuple[CheckInput, Report]:
        """Any failure becomes `BadInput` (one error line, never a traceback)."""
        data = parse_raw(raw)
        try:
            inp = parse_check_input(data)
            return inp, self.monitor.check(inp)
        except InputError as exc:
            raise BadInput(raw.where, str(exc)) from None
        except RecursionError:
            raise BadInput(raw.where, "nested too deeply") from None
        except Exception as exc:  # noqa: BLE001 - one input's failure must not end the batch
            raise BadInput(
                raw.where, f"{INTERNAL}: {type(exc).__name__}: {exc_text(exc)}"
            ) from None


def exc_text(exc: BaseException) -> str:
    """An exception's message, or a stand-in when even that fails."""
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - an exception whose message cannot be made
        return "(no message)"


def show_report(report: Report, text: str, where: str, show: Show, color: bool) -> str | None:
    """What `agentguard check` prints for one report (without the last newline)."""
    if show == "none":
        return None
    if show in ("json", "jsonl"):
        body = redact(report.model_dump(mode="json"))
        if show == "jsonl":
            return json.dumps({"where": redact_text(where), **body}, ensure_ascii=False)
        return json.dumps(body, indent=2, ensure_ascii=False)
    if get_redaction().enabled:
        # The same length, so the claims' spans into the output still hold.
        text = redact_text(text, same_length=True)
        report = Report.model_validate(redact(report.model_dump(mode="json")))
    return render_report(report, text, title=redact_text(where), color=color) + "\n"


def error_line(bad: BadInput) -> str:
    """What `check --json --jsonl` prints for an input it could not check."""
    return json.dumps({"error": {"where": bad.where, "message": bad.message}})


def _spawned_job(settings: CheckSettings) -> CheckJob:
    set_redaction(settings.redaction)
    return CheckJob(settings)


def job_factory(settings: CheckSettings) -> Callable[[], CheckJob]:
    """Builds the job in a spawned worker (a picklable callable)."""
    return functools.partial(_spawned_job, settings)


WARM_UP_SUITES = ("travel", "orders", "retrieval", "arithmetic", "tool_answers")
"""Bundled suites whose first cases `warm_up` checks."""


def warm_up(monitor: Monitor, cases: int = 3) -> None:
    """Check a few bundled cases, loading what the estimator loads on first use.

    Place names and models are then loaded once, here, and shared by workers forked after.
    The cases are read as plain check inputs (the package data of the eval suites).
    """
    folder = Path(__file__).resolve().parent.parent / "evaluation" / "suites"
    for name in WARM_UP_SUITES:
        path = folder / f"{name}.jsonl"
        if not path.is_file():
            continue
        with path.open(encoding="utf-8") as f:
            for line in itertools.islice(f, cases):
                case = json.loads(line)
                fields = {k: case[k] for k in ("messages", "tools", "documents", "output")
                          if k in case}  # fmt: skip
                with contextlib.suppress(Exception):  # only a warm-up: the real checks report
                    monitor.check(fields)


__all__ = [
    "INTERNAL",
    "CheckJob",
    "CheckSettings",
    "Checked",
    "error_line",
    "exc_text",
    "job_factory",
    "show_report",
    "warm_up",
]
