"""The scenes of `agentguard demo`, by name, in the order the demo runs them."""

from __future__ import annotations

from agentguard.demos import calculator, orders, retrieval, travel
from agentguard.demos.scene import Scene

SCENES: dict[str, Scene] = {m.SCENE.name: m.SCENE for m in (travel, orders, retrieval, calculator)}
"""Every scene, keyed by its name."""
