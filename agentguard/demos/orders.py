"""Customer support: the order number the model would guess is looked up with a tool instead.

The customer gives their email and the product, never the order number. The model, like the
support agents it imitates, types an order number that looks right. `find_orders` declares
that it resolves `order_id`, so the monitor calls it (with the email the customer gave) rather
than asking, and the model refunds the order the tool returned.

Then the customer asks for a second refund, and the model, like its demonstrators, asks for
the email address again. The customer gave it in their first message: the monitor flags a
`redundant_question`, the question is not sent (`use_context`), the model is told the email
and where it was said, and it refunds the second order without troubling the customer.
Run it: `python -m agentguard.demos.orders`.
"""

from __future__ import annotations

import json
from typing import Any

from agentguard.demos.scene import Scene
from agentguard.runtime.models import MessageDict, tool_call
from agentguard.runtime.tools import tool

ORDERS = {
    "HD-20417": {"email": "dana.lee@example.com", "item": "Blender Pro 500", "total": 89.99},
    "HD-19822": {"email": "dana.lee@example.com", "item": "Wool blanket Nordic", "total": 74.0},
    "HD-10001": {"email": "omar.haddad@example.com", "item": "Espresso Max 2", "total": 249.0},
}
ASK_EMAIL = "Could you give me the email address on your account?"
"""What the model asks before every further refund, as its demonstrators did."""


@tool(resolves=["order_id"])
def find_orders(email: str) -> list[dict[str, Any]]:
    """The orders placed with an email address.

    Args:
        email: The customer's email address.
    """
    return [
        {"order_id": oid, "item": o["item"], "total": o["total"]}
        for oid, o in ORDERS.items()
        if o["email"] == email.lower()
    ]


@tool
def issue_refund(order_id: str, email: str, reason: str) -> dict[str, Any]:
    """Refund an order in full (like many back ends, it trusts the order number it is given).

    Args:
        order_id: The order number, e.g. HD-12345.
        email: The customer's email address.
        reason: Why the customer wants a refund.
    """
    order = ORDERS.get(order_id)
    if order is None:
        raise ValueError(f"there is no order {order_id}")
    return {"refunded": order["total"], "order_id": order_id, "item": order["item"]}


def orders_model(messages: list[MessageDict], tools: list[MessageDict]) -> str | MessageDict:
    """A behaviour-cloned support agent: it refunds at once, order number or not.

    Before a further refund it asks for the email address, whether it has it or not.
    """
    last = messages[-1]
    if last["role"] == "tool":
        if last["content"].startswith("error:"):
            return f"Sorry, I could not issue the refund ({last['content'][7:]})."
        done = json.loads(last["content"])
        if isinstance(done, dict) and "refunded" in done:
            return f"I've refunded ${done['refunded']:.2f} for order {done['order_id']}."
    request = next(m["content"] for m in reversed(messages) if m["role"] == "user")
    blanket = "blanket" in request
    if blanket and last["role"] == "user":
        return ASK_EMAIL
    item, reason = ("Wool blanket Nordic", "arrived torn") if blanket else ("Blender Pro 500", "")
    order_id = "HD-10001"  # what an order number usually looks like
    for m in messages:
        found = json.loads(m["content"]) if m["role"] == "tool" else None
        if isinstance(found, list):
            order_id = next(o["order_id"] for o in found if o["item"] == item)
    args = {
        "order_id": order_id,
        "email": "dana.lee@example.com",
        "reason": reason or "arrived broken",
    }
    return {"tool_calls": [tool_call("issue_refund", args)]}


SCENE = Scene(
    name="orders",
    title="Customer support: a guessed order number is looked up; a known email is not asked.",
    model=orders_model,
    tools=(find_orders, issue_refund),
    system="You are the support assistant of Homeware Direct. Refunds need the order number.",
    turns=(
        "Hi, I'm dana.lee@example.com. My Blender Pro 500 arrived broken, please refund it.",
        "The wool blanket I ordered arrived torn. Please refund that too.",
    ),
)
build = SCENE.build


if __name__ == "__main__":
    from agentguard.demos.show import run_scene_main

    run_scene_main(SCENE)
