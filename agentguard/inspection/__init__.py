"""Inspecting traces: an index beside each trace, `agentguard inspect`, `view` and labels."""
