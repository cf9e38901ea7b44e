"""LangChain v1: an `AgentMiddleware` for `langchain.agents.create_agent`.

`AgentguardMiddleware` checks each model response in its `after_model` hook, as
`agentguard.integrations.langgraph.monitor_node` does in a graph of your own: an `ask_user`
decision asks the user through `interrupt()` (with a checkpointer) and, once answered, sends
the agent back to the model with the answer as the last message; the held-back tool calls never
reach the tools. A `use_context` decision asks nobody: a question the context answers is
replaced by a system message with what is known and the agent goes back to the model; needless
tool calls are answered by tool messages with the known values, and the agent's own routing
sends only the other calls to the tools. The report rides on each checked message
(`report_of(message)`).

Needs the `langchain` extra (`pip install 'agentguard[langchain]'`); `import agentguard` never
imports LangChain, only this module does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentguard.integrations.langgraph import OnFlag, _Guard, held_message, report_of
from agentguard.monitor import Monitor
from agentguard.policy import Policy

try:
    from langchain.agents.middleware import AgentMiddleware, AgentState, hook_config
    from langgraph.runtime import Runtime
except ImportError as exc:  # pragma: no cover - the extra is installed in development
    raise ImportError(
        "agentguard.integrations.langchain needs LangChain v1: pip install 'agentguard[langchain]'"
    ) from exc

__all__ = ["AgentguardMiddleware", "held_message", "report_of"]


class AgentguardMiddleware(AgentMiddleware[AgentState[Any], Any]):
    """Checks every model response of a `create_agent` agent before its tools run.

    Args:
        monitor: The monitor that checks; a `Monitor(policy)` when omitted.
        policy: The policy of that monitor (ignored when `monitor` is given).
        tools: The agent's tools (the same list as `create_agent(tools=...)`), so the monitor
            knows their parameters.
        on_flag: `"interrupt"` (needs a checkpointer) asks an `ask_user` question through
            `interrupt()`; `"replace"` ends the turn with the question as the answer;
            `"annotate"` lets every response through with its report. `retry` and `block`
            replace the response by a notice unless `"annotate"`. `use_context` (unless
            `"annotate"`) replaces a question the context answers by a system message, or
            answers needless tool calls with tool messages, and asks nobody.
        system: The agent's `system_prompt`, which is not among the state's messages.

    Example:
        >>> middleware = AgentguardMiddleware(policy="balanced", on_flag="replace")
        >>> middleware.name
        'AgentguardMiddleware'
    """

    def __init__(
        self,
        monitor: Monitor | None = None,
        *,
        policy: str | Path | Policy = "balanced",
        tools: Sequence[Any] | None = None,
        on_flag: OnFlag = "interrupt",
        system: str | None = None,
    ) -> None:
        """Set up the monitor and what a held-back response gets."""
        super().__init__()
        self._guard = _Guard(monitor, policy, tools, on_flag, system, "messages", None)
        self.monitor = self._guard.monitor

    @hook_config(can_jump_to=["model", "end"])
    def after_model(self, state: AgentState[Any], runtime: Runtime[Any]) -> dict[str, Any] | None:
        """Check the response; replace it, or ask and go back to the model, when held back.

        On `use_context` the model reads the known values next; when needless calls were
        answered and others remain, `create_agent`'s routing sends only those to the tools.
        Async agents run this hook in a worker thread, so the event loop stays free.
        """
        found = self._guard.last_ai(state)
        if found is None:
            return None
        messages, last = found
        report = self._guard.check(messages[:-1], last)
        update, goto = self._guard.act(messages, report)
        if goto == "model":
            update["jump_to"] = "model"
        return update or None
