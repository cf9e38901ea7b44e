"""The scripted OpenAI-compatible server of `agentguard.testing`, under its old name."""

from agentguard.testing import PATHS, ChatServer, Reply, Request, completion

__all__ = ["PATHS", "ChatServer", "Reply", "Request", "completion"]
