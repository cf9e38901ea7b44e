"""The agent runtime: a LangGraph loop with the monitor in front of every model output."""
