"""The agent runtime: a LangGraph loop with the monitor in front of every model output."""

from agentguard.runtime.state import AgentState

__all__ = ["AgentState"]
