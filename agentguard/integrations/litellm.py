"""litellm: a checked `completion`, an observe-only logging callback and a proxy guardrail.

- `guarded_completion(**kwargs)` / `await guarded_acompletion(**kwargs)` call
  `litellm.completion` / `litellm.acompletion` with `kwargs`, check the first choice's message
  against `kwargs["messages"]` and `kwargs["tools"]`, and per `on_flag` replace the message with
  the clarifying question, raise `FlaggedCompletion`, or pass it through. On `use_context` (a
  question or tool calls the agent does not need) they continue the agent with one follow-up
  call that tells it what it already has. The report always rides on the response:
  `report_of(response)`.
- `AgentguardLogger` checks every successful completion litellm makes (sync and async) and hands
  the report to the monitor's trace and to a callback of yours; it never changes a response.
- `AgentguardGuardrail` is a `CustomGuardrail` for the litellm proxy: after the call, an
  `ask_user` decision replaces the answer with the question (and drops the tool calls), a
  `use_context` one with what the agent already has (`decision.message`).

Each check goes through the session (`Monitor.session()`) of its conversation, recognised by
the conversation's first two messages and kept per monitor for the latest 256 conversations
(`pool_of(monitor)`), so a long conversation's checks read only what is new; the reports are
those `Monitor.check` gives.

A monitor that raises on the input it is given (an `InputError` for a message litellm accepted
but the monitor cannot read) never costs the caller the model's response: the report is then
unchecked, and the policy's `fail_mode` says whether it blocks (`closed`) or lets through.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from agentguard.estimators.llm import import_litellm
from agentguard.integrations._common import (
    AssumptionFlagged,
    attach_report,
    pool_of,
    report_of,
)
from agentguard.integrations._common import unchecked_report as _unchecked
from agentguard.integrations._continue import CONTINUED, chat_follow_up
from agentguard.integrations.openai_client import held_response
from agentguard.integrations.openai_forms import HELD_ATTR
from agentguard.monitor import Monitor
from agentguard.policy import Policy
from agentguard.types import Report

import_litellm()  # sets litellm offline and quiet before its submodules load

from litellm.integrations.custom_guardrail import CustomGuardrail  # noqa: E402
from litellm.integrations.custom_logger import CustomLogger  # noqa: E402
from litellm.types.guardrails import GuardrailEventHooks  # noqa: E402

__all__ = [
    "AgentguardGuardrail",
    "AgentguardLogger",
    "AssumptionFlagged",
    "FlaggedCompletion",
    "OnFlag",
    "guarded_acompletion",
    "guarded_completion",
    "held_response",
    "report_of",
]

OnFlag = Literal["replace", "raise", "annotate"]
"""What a wrapped completion does with a held-back answer: replace it with the question, raise
`FlaggedCompletion`, or pass it through with the report attached."""

# The decisions that hold an answer back, as `AssumptionFlagged` documents them.
_HELD = frozenset({"ask_user", "retry", "block"})
_BLOCKED_TEXT = "agentguard withheld this answer: the policy blocked it."


class FlaggedCompletion(AssumptionFlagged):
    """A wrapped completion was held back; the model's response is kept on the exception.

    Attributes:
        response: The litellm response, unchanged, with its report attached.
    """

    def __init__(self, report: Report, response: Any) -> None:
        """Carry `report` and the `response` it was made on."""
        super().__init__(report)
        self.response = response


@functools.cache
def _default_monitor(policy: str) -> Monitor:
    return Monitor(policy)


def _monitor(monitor: Monitor | None, policy: str | Path | Policy) -> Monitor:
    if monitor is not None:
        return monitor
    if isinstance(policy, str):
        return _default_monitor(policy)  # built once per name: loading a policy reads YAML
    return Monitor(policy)


def _first_message(response: object) -> Any | None:
    choices = getattr(response, "choices", None)
    if not choices:
        return None
    return getattr(choices[0], "message", None)


def _check_response(monitor: Monitor, messages: Any, tools: Any, response: object) -> Report | None:
    """Check the first choice of a litellm `response` and attach the report to it.

    Returns `None` (and attaches nothing) for a response with no message, such as an
    embedding. Never raises: a monitor error gives an unchecked report (see the module).
    """
    message = _first_message(response)
    if message is None:
        return None
    report = _check(monitor, messages, tools, message)
    # A response type that takes no attributes gets no report; the response itself is kept.
    attach_report(response, report)
    return report


def _check(monitor: Monitor, messages: Any, tools: Any, message: Any) -> Report:
    """The report on `message`, checked through its conversation's session of `monitor`.

    Never raises: a monitor error gives an unchecked report (see the module).
    """
    start = time.perf_counter()
    data = {"messages": list(messages or []), "tools": tools or [], "output": message}
    try:
        return pool_of(monitor).check(data)
    except Exception as exc:  # noqa: BLE001 - the model's response must survive a monitor fault
        return _unchecked(monitor, f"monitor failed: {type(exc).__name__}: {exc}", start)


def _replace(response: object, text: str) -> None:
    """Make the first choice's message say `text`, with its tool calls dropped (in place)."""
    message = _first_message(response)
    if message is None:
        return
    message.content = text
    message.tool_calls = None
    if getattr(message, "function_call", None) is not None:
        message.function_call = None
    choice = response.choices[0]  # type: ignore[attr-defined]
    if getattr(choice, "finish_reason", None) in ("tool_calls", "function_call"):
        choice.finish_reason = "stop"


def _act(report: Report | None, response: Any, on_flag: OnFlag) -> Any:
    if report is None or report.decision.action not in _HELD:
        return response
    if on_flag == "raise":
        raise FlaggedCompletion(report, response)
    if on_flag == "replace" and report.decision.action == "ask_user" and report.decision.question:
        _replace(response, report.decision.question)
    return response


def _follow_up(
    report: Report | None, response: Any, kwargs: Mapping[str, Any], on_flag: OnFlag
) -> dict[str, Any] | None:
    """The follow-up call's kwargs for a `use_context` decision (`None`: no follow-up).

    Raises:
        FlaggedCompletion: for `use_context` when `on_flag="raise"`.
    """
    if report is None or report.decision.action != "use_context" or on_flag == "annotate":
        return None
    if on_flag == "raise":
        raise FlaggedCompletion(report, response)
    message = _first_message(response)
    calls = list(getattr(message, "tool_calls", None) or [])
    content = getattr(message, "content", None)
    messages = chat_follow_up(kwargs["messages"], content, calls, report.decision)
    return None if messages is None else {**kwargs, "messages": messages}


def _continued(final: Any, first: Any, first_report: Report) -> Any:
    """`final`, the answer to the follow-up, marked as continuing `first` (`held_response`)."""
    report = report_of(final)
    if report is not None:
        note = CONTINUED + (first_report.decision.message or first_report.decision.reason)
        attach_report(final, report.model_copy(update={"notes": (*report.notes, note)}))
    # A response type that takes no attributes keeps no first answer; the report says why.
    with contextlib.suppress(AttributeError, TypeError):
        object.__setattr__(final, HELD_ATTR, first)
    return final


def _check_args(kwargs: Mapping[str, Any], on_flag: str) -> None:
    if on_flag not in ("replace", "raise", "annotate"):
        raise ValueError(f"on_flag must be 'replace', 'raise' or 'annotate', not {on_flag!r}")
    if kwargs.get("stream"):
        raise ValueError("guarded_completion does not check streams: call it without stream=True")
    if "messages" not in kwargs:
        raise TypeError("guarded_completion needs messages=[...] like litellm.completion")


def guarded_completion(
    *,
    monitor: Monitor | None = None,
    policy: str | Path | Policy = "balanced",
    on_flag: OnFlag = "replace",
    **kwargs: Any,
) -> Any:
    """`litellm.completion(**kwargs)`, with the answer checked before it is returned.

    Args:
        monitor: The monitor that checks; one per `policy` is built when omitted.
        policy: The policy of that monitor (ignored when `monitor` is given).
        on_flag: For an answer the policy holds back (`ask_user`, `retry`, `block`):
            `"replace"` puts the clarifying question in place of an `ask_user` answer (tool
            calls dropped; other held answers pass unchanged), `"raise"` raises
            `FlaggedCompletion` carrying the report and the response, `"annotate"` passes it.
            For `use_context`: `"replace"` makes one follow-up call (the question left out and
            a system message saying what is known, or the needless tool calls answered with
            their known results, when every call of the answer is needless) and returns its
            checked answer, with the first at `held_response(response)`; `"raise"` raises;
            `"annotate"` passes it.
        **kwargs: Everything `litellm.completion` takes; `messages` is required and `stream`
            is not supported.

    Returns:
        litellm's `ModelResponse`, with its report at `report_of(response)`.

    Raises:
        FlaggedCompletion: when `on_flag="raise"` and the answer is held back.

    Example:
        >>> response = guarded_completion(
        ...     model="gpt-4o-mini",
        ...     messages=[{"role": "user", "content": "What is 2 + 2?"}],
        ...     mock_response="I'll need your account number first.",
        ... )
        >>> report_of(response).decision.action
        'allow'
    """
    _check_args(kwargs, on_flag)
    checker = _monitor(monitor, policy)
    litellm = import_litellm()
    response = litellm.completion(**kwargs)
    report = _check_response(checker, kwargs["messages"], kwargs.get("tools"), response)
    follow = _follow_up(report, response, kwargs, on_flag)
    if follow is None or report is None:
        return _act(report, response, on_flag)
    again = litellm.completion(**follow)
    second = _check_response(checker, follow["messages"], follow.get("tools"), again)
    return _continued(_act(second, again, on_flag), response, report)


async def guarded_acompletion(
    *,
    monitor: Monitor | None = None,
    policy: str | Path | Policy = "balanced",
    on_flag: OnFlag = "replace",
    **kwargs: Any,
) -> Any:
    """`await litellm.acompletion(**kwargs)`, checked like `guarded_completion`.

    The check runs in a worker thread, so the event loop stays free.
    """
    _check_args(kwargs, on_flag)
    checker = _monitor(monitor, policy)
    litellm = import_litellm()
    response = await litellm.acompletion(**kwargs)
    report = await _acheck_response(checker, kwargs["messages"], kwargs.get("tools"), response)
    follow = _follow_up(report, response, kwargs, on_flag)
    if follow is None or report is None:
        return _act(report, response, on_flag)
    again = await litellm.acompletion(**follow)
    second = await _acheck_response(checker, follow["messages"], follow.get("tools"), again)
    return _continued(_act(second, again, on_flag), response, report)


async def _acheck_response(
    monitor: Monitor, messages: Any, tools: Any, response: object
) -> Report | None:
    return await asyncio.to_thread(_check_response, monitor, messages, tools, response)


ReportCallback = Callable[[Report, Mapping[str, Any]], None]
"""Called with each report and the call's litellm `kwargs` (model, messages, ...)."""


def _tools_of(kwargs: Mapping[str, Any]) -> Any:
    tools = kwargs.get("tools")
    if tools is None:
        optional = kwargs.get("optional_params")
        tools = optional.get("tools") if isinstance(optional, Mapping) else None
    return tools


class AgentguardLogger(CustomLogger):
    """A litellm callback that checks every successful completion and only observes.

    The report goes to the monitor's trace (give the monitor a `trace=`) and to `on_report`;
    the response is never changed, and a failing callback never fails the call (litellm logs
    callback errors and goes on).

    Args:
        monitor: The monitor that checks; `Monitor(policy)` when omitted.
        policy: The policy of that monitor (ignored when `monitor` is given).
        trace: A JSONL file that monitor appends its reports to (ignored with `monitor`).
        on_report: Called with each report and the call's litellm `kwargs`.

    Example:
        >>> import litellm
        >>> logger = AgentguardLogger(on_report=lambda report, kwargs: print(report.decision))
        >>> litellm.callbacks = [logger]  # doctest: +SKIP
    """

    def __init__(
        self,
        monitor: Monitor | None = None,
        *,
        policy: str | Path | Policy = "balanced",
        trace: str | Path | None = None,
        on_report: ReportCallback | None = None,
    ) -> None:
        """Set up the monitor and the callback."""
        super().__init__()
        self.monitor = monitor if monitor is not None else Monitor(policy, trace=trace)
        self.on_report = on_report

    def _observe(self, kwargs: Mapping[str, Any], response_obj: object) -> None:
        messages = kwargs.get("messages")
        if not messages:
            return  # an embedding, a text completion: no conversation to check against
        message = _first_message(response_obj)
        if message is None:
            return
        report = _check(self.monitor, messages, _tools_of(kwargs), message)
        if self.on_report is not None:
            self.on_report(report, kwargs)

    def log_success_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        """Check a finished sync completion."""
        self._observe(kwargs, response_obj)

    async def async_log_success_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        """Check a finished async completion (in a worker thread)."""
        await asyncio.to_thread(self._observe, kwargs, response_obj)


class AgentguardGuardrail(CustomGuardrail):
    """A litellm proxy guardrail: an answer resting on unstated facts becomes the question.

    In the post-call hook the response is checked against the request's `messages` and
    `tools`; on `ask_user` its message is replaced by the clarifying question (tool calls
    dropped), on `use_context` by what the agent already has (`decision.message`: the answer
    to its needless question, or the result of its needless tool calls), on `block` by a
    short notice; anything else passes unchanged. Every report is written to the monitor's
    trace when it has one.

    Args:
        monitor: The monitor that checks; `Monitor(policy)` when omitted.
        policy: The policy of that monitor (ignored when `monitor` is given); in the proxy,
            `policy:` under the guardrail's `litellm_params`.
        trace: A JSONL file that monitor appends its reports to (ignored with `monitor`);
            `trace:` under `litellm_params`.
        **kwargs: `CustomGuardrail`'s own (the proxy passes `guardrail_name`, `event_hook`,
            `default_on` from `config.yaml`).
    """

    def __init__(
        self,
        monitor: Monitor | None = None,
        *,
        policy: str | Path | Policy = "balanced",
        trace: str | Path | None = None,
        **kwargs: Any,
    ) -> None:
        """Set up the monitor; the rest goes to `CustomGuardrail`."""
        kwargs.setdefault("supported_event_hooks", [GuardrailEventHooks.post_call])
        kwargs.setdefault("event_hook", GuardrailEventHooks.post_call)
        super().__init__(**kwargs)
        self.monitor = monitor if monitor is not None else Monitor(policy, trace=trace)

    def apply(self, data: Mapping[str, Any], response: Any) -> Report | None:
        """Check `response` against the request `data` and rewrite it when held back.

        Returns the report, or `None` for a response with no message to check.
        """
        messages = data.get("messages")
        if not messages:
            return None
        report = _check_response(self.monitor, messages, data.get("tools"), response)
        if report is None:
            return None
        if report.decision.action == "ask_user" and report.decision.question:
            _replace(response, report.decision.question)
        elif report.decision.action == "use_context" and report.decision.message:
            _replace(response, report.decision.message)
        elif report.decision.action == "block":
            _replace(response, _BLOCKED_TEXT)
        return report

    async def async_post_call_success_hook(
        self, data: dict[str, Any], user_api_key_dict: Any, response: Any
    ) -> Any:
        """The proxy's hook after a successful call: check, rewrite when held back."""
        if not self.should_run_guardrail(data=data, event_type=GuardrailEventHooks.post_call):
            return response
        await asyncio.to_thread(self.apply, data, response)
        return response
