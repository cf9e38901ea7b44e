"""The calculator scene: a cheap tool, used exactly when the model's own answer is unsupported.

The model does arithmetic in its head, the way the people it imitates wrote answers down. A
`calculator` tool costs little (0.1), and it declares that it resolves sentences stating
numbers. When the answer states a number nothing in the conversation supports, the monitor
sends the model to the calculator; when the number is already there, no tool is called. The
monitor computes plain arithmetic exactly, so it answers the model's `calculator` call itself
(`needless_tool_call`, `use_context`: the tool message holds the result) and the tool never runs.
Run it: `python -m agentguard.demos.calculator`.
"""

from __future__ import annotations

import ast
import operator
import re
from typing import Any

from agentguard.demos.scene import Scene
from agentguard.runtime.interventions import NOTE_PREFIX
from agentguard.runtime.models import MessageDict, tool_call
from agentguard.runtime.tools import tool

_OPS: dict[type[ast.AST], Any] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
}


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return float(_OPS[type(node.op)](_evaluate(node.left), _evaluate(node.right)))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return float(_OPS[type(node.op)](_evaluate(node.operand)))
    raise ValueError("only numbers and + - * / ** are allowed")


@tool(resolves=["text:number", "text:money"], cost=0.1)
def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression exactly.

    Args:
        expression: The expression, e.g. 17 * 23.
    """
    value = _evaluate(ast.parse(expression, mode="eval"))
    return f"{expression} = {value:g}"


def calculator_model(messages: list[MessageDict], tools: list[MessageDict]) -> str | MessageDict:
    """Answers arithmetic from memory (off by a little, as people are) unless told to check."""
    last = messages[-1]
    if last["role"] == "tool":
        # The calculator's "17 * 23 = 391", or the bare result when the monitor already knew it.
        return f"17 times 23 is {last['content'].split('=')[-1].strip()}."
    if str(last.get("content") or "").startswith(NOTE_PREFIX):
        return {"tool_calls": [tool_call("calculator", {"expression": "17 * 23"})]}
    question = str(last.get("content") or "")
    if re.search(r"\$40 each", question):
        return "Yes, $40 each is right: $120 for the 3 of you."
    return "17 times 23 is 381."


SCENE = Scene(
    name="calculator",
    title="The calculator scene: a cheap tool, used exactly when the answer is unsupported.",
    model=calculator_model,
    tools=(calculator,),
    system="You are a helpful assistant.",
    turns=(
        "What is 17 times 23?",
        "Dinner was $120 for the 3 of us, so the app says $40 each. Is that right?",
    ),
)
build = SCENE.build


if __name__ == "__main__":
    from agentguard.demos.show import run_scene_main

    run_scene_main(SCENE)
