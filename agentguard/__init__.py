"""agentguard: a calibration monitor for tool-using agents.

It finds the facts a model output silently assumes, scores how well the agent's context
supports each claim and tool argument, and decides whether to allow the output, ask the user,
call a resolver tool, retry or block.

Example:
    >>> from agentguard import Monitor
    >>> monitor = Monitor(policy="balanced")
    >>> report = monitor.check(
    ...     messages=[{"role": "user", "content": "Where is my order A1234?"}],
    ...     output="Your order A1234 will arrive on June 3.",
    ... )
    >>> [f.type for f in report.flags]
    ['silent_assumption']
"""

from pathlib import Path
from typing import Any

from agentguard.calibration import CalibrationMap, load_calibration
from agentguard.context import build_context
from agentguard.errors import AgentguardWarning, InputError, PolicyError
from agentguard.estimators.base import Assessment, Estimate, Estimator
from agentguard.estimators.coefficients import Coefficients
from agentguard.estimators.default import DefaultEstimator
from agentguard.estimators.ensemble import Ensemble, WithFallback
from agentguard.estimators.llm import LLMJudge
from agentguard.estimators.nli import NLIError, NLIEstimator
from agentguard.inputs import MAX_INPUT_CHARS, CheckInput, Message, parse_check_input
from agentguard.integrations._common import AssumptionFlagged, report_of
from agentguard.monitor import Monitor, MonitorSession
from agentguard.policy import (
    Costs,
    ParamRule,
    Policy,
    TextResolver,
    ToolRule,
    builtin_policies,
    load_policy,
)
from agentguard.redaction import Redaction, get_redaction, redact, redact_text, set_redaction
from agentguard.runtime.agent import Agent
from agentguard.runtime.models import (
    FunctionModel,
    LiteLLMModel,
    Model,
    ModelError,
    OpenAIModel,
    ScriptedModel,
    tool_call,
)
from agentguard.runtime.result import AgentResult
from agentguard.runtime.state import AgentState
from agentguard.runtime.tools import Tool, ToolResult, tool
from agentguard.trace import TRACE_VERSION, Trace, TraceError, TraceWriter, read_trace
from agentguard.types import (
    Claim,
    ClaimDraft,
    Context,
    Decision,
    Evidence,
    Flag,
    KnownValue,
    Report,
    Source,
    ToolCallRequest,
)

__version__ = "0.1.0"


def wrap(
    client: Any,
    *,
    policy: str | Path | Policy | None = None,
    monitor: Monitor | None = None,
    trace: str | Path | TraceWriter | None = None,
    on_flag: str = "replace",
    hold_sentences: bool = False,
    sessions: int = 256,
) -> Any:
    """A copy of an OpenAI client whose answers are checked before they are returned.

    `agentguard.integrations.openai_client.wrap` (imported here on first use, so `import
    agentguard` does not import the OpenAI SDK), where every argument is described: chat
    completions and the Responses API, plain, parsed, raw and streamed; see
    docs/integrations/openai.md.

    Example:
        >>> import openai, agentguard
        >>> client = agentguard.wrap(openai.OpenAI(api_key="sk-test"), policy="strict")
        >>> isinstance(client, openai.OpenAI)
        True
    """
    from agentguard.integrations.openai_client import wrap as wrap_client

    return wrap_client(
        client,
        policy=policy,
        monitor=monitor,
        trace=trace,
        on_flag=on_flag,  # type: ignore[arg-type]  # checked there, naming the valid values
        hold_sentences=hold_sentences,
        sessions=sessions,
    )


__all__ = [
    "MAX_INPUT_CHARS",
    "Agent",
    "AgentResult",
    "AgentState",
    "FunctionModel",
    "LiteLLMModel",
    "Model",
    "ModelError",
    "OpenAIModel",
    "ScriptedModel",
    "TextResolver",
    "Tool",
    "ToolResult",
    "tool",
    "tool_call",
    "TRACE_VERSION",
    "AgentguardWarning",
    "AssumptionFlagged",
    "Assessment",
    "CheckInput",
    "CalibrationMap",
    "Claim",
    "ClaimDraft",
    "Coefficients",
    "Context",
    "Costs",
    "Decision",
    "DefaultEstimator",
    "Ensemble",
    "Estimate",
    "Estimator",
    "Evidence",
    "Flag",
    "InputError",
    "LLMJudge",
    "Message",
    "Monitor",
    "MonitorSession",
    "NLIError",
    "NLIEstimator",
    "ParamRule",
    "Policy",
    "PolicyError",
    "Redaction",
    "Report",
    "Source",
    "ToolCallRequest",
    "KnownValue",
    "ToolRule",
    "Trace",
    "TraceError",
    "TraceWriter",
    "WithFallback",
    "__version__",
    "build_context",
    "builtin_policies",
    "get_redaction",
    "load_calibration",
    "load_policy",
    "parse_check_input",
    "read_trace",
    "redact",
    "redact_text",
    "report_of",
    "set_redaction",
    "wrap",
]
