"""A demo scene: a behaviour-cloned model, its tools, and the user's side of the conversation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentguard.runtime.agent import Agent
from agentguard.runtime.models import FunctionModel, MessageDict
from agentguard.runtime.tools import Tool
from agentguard.trace import TraceWriter


@dataclass(frozen=True)
class Scene:
    """One example agent of `agentguard demo`."""

    name: str
    title: str
    model: Callable[[list[MessageDict], list[MessageDict]], str | MessageDict]
    tools: tuple[Tool, ...] = ()
    system: str = ""
    documents: tuple[dict[str, str], ...] = ()
    turns: tuple[str, ...] = ()
    """What the user says, one run per turn, on one thread."""
    answers: tuple[str, ...] = ()
    """The scripted user's answers to clarifying questions, in order."""

    def build(
        self, *, trace: str | Path | TraceWriter | None = None, guard: bool = True, **options: Any
    ) -> Agent:
        """The scene's agent (`options` go to `Agent`)."""
        return Agent(
            FunctionModel(self.model, name=f"{self.name}-bc"),
            self.tools,
            system=self.system or None,
            documents=self.documents,
            trace=trace,
            guard=guard,
            name=self.name,
            **options,
        )
