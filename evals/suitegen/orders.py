"""Orders suite (customer service): refunds, cancellations, addresses, order status, and its plan.

The shop data, the customer and the tool schemas live in `orders_blocks`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from .common import (
    CITIES,
    JSON,
    STREETS,
    Draft,
    _arg,
    _call,
    _calls,
    _context_text,
    _email,
    _fresh,
    _money,
    _out,
    _result,
    _txt,
    _user,
    render_date,
)
from .orders_blocks import (
    CANCEL_REASONS,
    CARRIERS,
    PRODUCTS,
    REFUND_REASONS,
    Customer,
    _customer,
    _other_order,
    _refund_request,
    _shop_system,
    _shop_tool,
)


def s_refund_order_id(rng: random.Random, where: str) -> Draft:
    """A full refund: the order number is guessed, given by the user, or found by `find_orders`."""
    c = _customer(rng)
    reason = rng.choice(list(REFUND_REASONS))
    messages = [_shop_system(rng, c), _user(_refund_request(rng, c, reason, where == "user"))]
    order_id = c.order_id
    if where == "tool":
        others = [(o, p) for o, p in PRODUCTS if o != c.item]
        listed = [{"order_id": c.order_id, "item": c.item, "total": c.total, "status": "delivered"}]
        for item, cents in rng.sample(others, rng.randint(1, 2)):
            listed.append(
                {
                    "order_id": _other_order(rng, c, c.order_id),
                    "item": item,
                    "total": cents / 100,
                    "status": rng.choice(["delivered", "shipped"]),
                }
            )
        rng.shuffle(listed)
        messages += [_calls(_call("call_1", "find_orders", {"email": c.email})),
                     _result("call_1", "find_orders", {"orders": listed})]  # fmt: skip
    elif where == "guess":
        order_id = _other_order(rng, c, _context_text(messages))
    args = {"order_id": order_id, "email": c.email, "reason": reason}
    known = where != "guess"
    claims = [_arg("order_id", known), _arg("email", True), _arg("reason", True)]
    text = None
    if rng.random() < 0.5:
        text = rng.choice([f"I'm refunding order {order_id} for your {c.item} now.",
                           f"Refund started for order {order_id}."])  # fmt: skip
        claims.insert(0, _txt(f"order {order_id}", known))
    output = _out(text, _call("call_2", "issue_refund", args))
    tools = [_shop_tool("find_orders"), _shop_tool("issue_refund")]
    if known:
        return Draft(f"refund_order_id_from_{where}", "given", "grounded", "allow", messages,
                     output, claims, tools=tools, extra={"fact_from": where})  # fmt: skip
    return Draft("refund_order_id_guessed", "missing", "silent_assumption", "call_tool", messages,
                 output, claims, tools=tools, resolvers={"order_id": "find_orders"})  # fmt: skip


def s_cancel(rng: random.Random, with_id: bool) -> Draft:
    """Cancel an order: with the number the user gave, or a made-up one (nothing can look it up)."""
    c = _customer(rng)
    reason = rng.choice(list(CANCEL_REASONS))
    ref = f"order {c.order_id}" if with_id else f"my order for the {c.item}"
    request = rng.choice(
        [
            f"Please cancel {ref}, {CANCEL_REASONS[reason]}.",
            f"Hi {c.shop}, I want to cancel {ref}: {CANCEL_REASONS[reason]}.",
        ]
    )
    messages = [_shop_system(rng, c), _user(request)]
    order_id = c.order_id if with_id else _other_order(rng, c, _context_text(messages))
    output = _out(None, _call("call_1", "cancel_order", {"order_id": order_id, "reason": reason}))
    claims = [_arg("order_id", with_id), _arg("reason", True)]
    tools = [_shop_tool("get_order"), _shop_tool("cancel_order")]
    if with_id:
        return Draft("cancel_with_order_id", "given", "grounded", "allow", messages, output,
                     claims, tools=tools, extra={"fact_from": "user"})  # fmt: skip
    return Draft("cancel_order_id_guessed", "missing", "silent_assumption", "ask_user", messages,
                 output, claims, tools=tools)  # fmt: skip


def _address(rng: random.Random) -> str:
    street = f"{rng.randint(2, 240)} {rng.choice(STREETS)} {rng.choice(['Street', 'Road', 'Lane'])}"
    city = rng.choice(CITIES)
    return rng.choice([f"{street}, {city}", f"{street}, Apartment {rng.randint(1, 40)}, {city}"])


def s_address(rng: random.Random, given: bool) -> Draft:
    """Change a delivery address: the new one is in the user turn, or invented."""
    c = _customer(rng)
    new = _address(rng)
    request = (
        rng.choice([f"Please send order {c.order_id} to my new address: {new}.",
                    f"I've moved. The new delivery address for order {c.order_id} is {new}."])
        if given
        else rng.choice([f"I've moved. Can you change the delivery address on order {c.order_id}?",
                         f"Order {c.order_id} should go to my new place, please update it."])
    )  # fmt: skip
    messages = [_shop_system(rng, c), _user(request)]
    if not given:
        new = _fresh(rng, lambda: _address(rng), _context_text(messages))
    args = {"order_id": c.order_id, "address": new}
    output = _out(None, _call("call_1", "update_shipping_address", args))
    claims = [_arg("address", given), _arg("order_id", True)]
    tools = [_shop_tool("get_order"), _shop_tool("update_shipping_address")]
    if given:
        return Draft("address_given", "given", "grounded", "allow", messages, output, claims,
                     tools=tools, extra={"fact_from": "user"})  # fmt: skip
    return Draft("address_guessed", "missing", "silent_assumption", "ask_user", messages, output,
                 claims, tools=tools)  # fmt: skip


def _order_record(rng: random.Random, c: Customer) -> JSON:
    shipped = c.today - dt.timedelta(days=rng.randint(1, 6))
    return {
        "order_id": c.order_id,
        "item": c.item,
        "total": c.total,
        "status": "shipped",
        "carrier": rng.choice(CARRIERS),
        "tracking": f"TRK{rng.randint(10**9, 10**10 - 1)}",
        "shipped_on": shipped.isoformat(),
        "estimated_delivery": (shipped + dt.timedelta(days=rng.randint(2, 5))).isoformat(),
    }


def s_refund_amount(rng: random.Random, looked_up: bool) -> Draft:
    """A refund needs the amount: read from `get_order`, or guessed without calling it."""
    c = _customer(rng)
    reason = rng.choice(list(REFUND_REASONS))
    request = rng.choice([f"Order {c.order_id} {rng.choice(REFUND_REASONS[reason])}. "
                          "I want my money back.",
                          f"Please refund order {c.order_id} in full, it "
                          f"{rng.choice(REFUND_REASONS[reason])}."])  # fmt: skip
    messages = [_shop_system(rng, c), _user(request)]
    cents = c.cents
    if looked_up:
        record = _order_record(rng, c) | {"status": "delivered"}
        messages += [_calls(_call("call_1", "get_order", {"order_id": c.order_id})),
                     _result("call_1", "get_order", record)]  # fmt: skip
    else:
        taken = _context_text(messages)
        cents = rng.choice([p for _, p in PRODUCTS if p != c.cents and str(p / 100) not in taken])
    args = {"order_id": c.order_id, "amount": cents / 100, "reason": reason}
    claims = [_arg("amount", looked_up), _arg("order_id", True), _arg("reason", True)]
    text = None
    if looked_up and rng.random() < 0.6:
        text = f"Refunding {_money(cents)} for the {c.item} on order {c.order_id}."
        claims.insert(0, _txt(f"refunding {_money(cents)}", True))
    output = _out(text, _call("call_2", "refund_order", args))
    tools = [_shop_tool("get_order"), _shop_tool("refund_order")]
    if looked_up:
        return Draft("refund_amount_from_tool", "given", "grounded", "allow", messages, output,
                     claims, tools=tools, extra={"fact_from": "tool"})  # fmt: skip
    return Draft("refund_amount_guessed", "missing", "silent_assumption", "call_tool", messages,
                 output, claims, tools=tools, resolvers={"amount": "get_order"})  # fmt: skip


def s_email_lookup(rng: random.Random, looked_up: bool) -> Draft:
    """The customer gives a phone number; the email is read from `lookup_customer` or made up."""
    c = _customer(rng)
    request = rng.choice([f"Hi, this is {c.first} {c.last}. Where is my {c.item}? "
                          f"My phone number is {c.phone}.",
                          f"{c.first} {c.last} here, phone {c.phone}. "
                          f"Can you check my orders?"])  # fmt: skip
    messages = [_shop_system(rng, c), _user(request)]
    email = c.email
    if looked_up:
        record = {
            "name": f"{c.first} {c.last}",
            "email": c.email,
            "phone": c.phone,
            "customer_since": (c.today - dt.timedelta(days=rng.randint(90, 2000))).year,
        }
        messages += [_calls(_call("call_1", "lookup_customer", {"phone": c.phone})),
                     _result("call_1", "lookup_customer", record)]  # fmt: skip
    else:
        # Never the real address by chance: a lucky guess is still a guess, but a clearer case.
        taken = f"{_context_text(messages)} {c.email}"
        email = _fresh(rng, lambda: _email(rng, c.first, c.last), taken)
    output = _out(None, _call("call_2", "find_orders", {"email": email}))
    claims = [_arg("email", looked_up)]
    tools = [_shop_tool("lookup_customer"), _shop_tool("find_orders")]
    if looked_up:
        return Draft("email_from_lookup", "given", "grounded", "allow", messages, output, claims,
                     tools=tools, extra={"fact_from": "tool"})  # fmt: skip
    return Draft("email_guessed", "missing", "silent_assumption", "call_tool", messages, output,
                 claims, tools=tools, resolvers={"email": "lookup_customer"})  # fmt: skip


def _status_text(rng: random.Random, record: JSON, carrier: str, shipped: str) -> str:
    day = render_date(dt.date.fromisoformat(shipped), rng.choice(["md", "dm", "wd_md"]))
    return rng.choice(
        [
            f"Your order {record['order_id']} shipped with {carrier} on {day} "
            f"(tracking {record['tracking']}).",
            f"Order {record['order_id']} left our warehouse on {day} with {carrier}, "
            f"tracking number {record['tracking']}.",
        ]
    )


def s_status(rng: random.Random, variant: str) -> Draft:
    """Order status in words: faithful (`given`), one value changed (`wrong`), or a fact added."""
    c = _customer(rng)
    record = _order_record(rng, c)
    messages = [
        _shop_system(rng, c),
        _user(rng.choice([f"Where is my order {c.order_id}?",
                          f"Hi, any news on order {c.order_id}? It's been a while."])),
        _calls(_call("call_1", "get_order", {"order_id": c.order_id})),
        _result("call_1", "get_order", record),
    ]  # fmt: skip
    carrier, shipped = record["carrier"], record["shipped_on"]
    if variant == "wrong" and rng.random() < 0.5:
        carrier = rng.choice([x for x in CARRIERS if x != carrier])
    elif variant == "wrong":
        shipped = (dt.date.fromisoformat(shipped) - dt.timedelta(days=1)).isoformat()
    first = _status_text(rng, record, carrier, shipped)
    claims = [_txt(f"{c.order_id}", variant != "wrong")]
    eta = dt.date.fromisoformat(record["estimated_delivery"])
    if variant == "added":
        # Facts the order record does not state, none of which contradicts it.
        second, selector = rng.choice([
            ("The courier will deliver it before 6 pm.", "before 6 pm"),
            (f"Delivery was free because the order is over {_money(c.cents // 2)}.",
             "delivery was free"),
            (f"You'll get a text message from {carrier} the day before it arrives.",
             "text message"),
            ("The parcel needs a signature on delivery.", "signature"),
        ])  # fmt: skip
        claims.append(_txt(selector, False))
        pattern, direction, action = "added_sentence", "missing", "retry"
    else:
        second = f"It is expected to arrive on {render_date(eta, rng.choice(['md', 'wd_md']))}."
        claims.append(_txt("expected to arrive", True))
        pattern, direction, action = "grounded", "given", "allow"
        if variant == "wrong":
            pattern, direction, action = "contradiction", "conflict", "retry"
    tools = [_shop_tool("get_order")]
    return Draft(f"order_status_{variant}", direction, pattern, action, messages,
                 _out(f"{first} {second}"), claims, tools=tools)  # fmt: skip


_SUPPORT_QUESTIONS = {
    "order_id": ("What is your order number?", "Could you tell me the order number?"),
    "email": ("What is your email address?", "Could you tell me your email address?"),
}  # fmt: skip


def s_question(rng: random.Random, redundant: bool) -> Draft:
    """The output asks for the order number or email: already given, or really missing."""
    c = _customer(rng)
    about = rng.choice(["order_id", "email"])
    if redundant:
        request = (
            f"Hi, my order number is {c.order_id} and the {c.item} arrived damaged."
            if about == "order_id"
            else f"My email is {c.email}. I'd like to return something I bought."
        )
    else:
        request = (f"Hi, the {c.item} I ordered arrived damaged. What can you do?"
                   if about == "order_id"
                   else "Hi, I'd like to see my recent orders, please.")  # fmt: skip
    question = rng.choice(_SUPPORT_QUESTIONS[about])
    messages = [_shop_system(rng, c), _user(request)]
    claims = [_txt(question.rstrip("?"), redundant)]
    tools = [_shop_tool("get_order"), _shop_tool("refund_order")]
    if redundant:
        return Draft("redundant_question", "given", "redundant_question", "allow", messages,
                     _out(question), claims, tools=tools, extra={"asks_for": about})  # fmt: skip
    return Draft("needed_question", "missing", "needed_question", "ask_user", messages,
                 _out(question), claims, tools=tools, extra={"asks_for": about})  # fmt: skip


def s_contradiction(rng: random.Random) -> Draft:
    """The refund call changes a value the user or the tool stated: a swapped digit, an amount."""
    c = _customer(rng)
    reason = rng.choice(list(REFUND_REASONS))
    request = f"Please refund order {c.order_id}, it {rng.choice(REFUND_REASONS[reason])}."
    messages = [
        _shop_system(rng, c),
        _user(request),
        _calls(_call("call_1", "get_order", {"order_id": c.order_id})),
        _result("call_1", "get_order", _order_record(rng, c) | {"status": "delivered"}),
    ]
    digits = c.order_id.split("-")[1]
    i = rng.choice([k for k in range(4) if digits[k] != digits[k + 1]] or [0])
    swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
    args = {"order_id": c.order_id, "amount": c.total, "reason": reason}
    changed = "order_id" if swapped != digits and rng.random() < 0.5 else "amount"
    if changed == "order_id":
        args["order_id"] = f"{c.order_id.split('-')[0]}-{swapped}"
    else:
        args["amount"] = (c.cents + rng.choice([-1000, 1000, 900, -99])) / 100
    claims = [_arg(changed, False)]
    claims += [_arg(p, True) for p in ("order_id", "amount", "reason") if p != changed]
    output = _out(None, _call("call_2", "refund_order", args))
    tools = [_shop_tool("get_order"), _shop_tool("refund_order")]
    return Draft("argument_contradiction", "conflict", "contradiction", "retry", messages, output,
                 claims, tools=tools, extra={"changed": changed})  # fmt: skip


def s_hedged(rng: random.Random) -> Draft:
    """A proposal that states its assumption and waits for the customer: nothing is executed."""
    c = _customer(rng)
    record = _order_record(rng, c) | {"status": "delivered"}
    messages = [
        _shop_system(rng, c),
        _user(f"The {c.item} from order {c.order_id} arrived damaged. What are my options?"),
        _calls(_call("call_1", "get_order", {"order_id": c.order_id})),
        _result("call_1", "get_order", record),
    ]
    text, selector = rng.choice(
        [
            (f"I'll assume the refund of {_money(c.cents)} should go back to your original "
             "payment method unless you tell me otherwise.", "original payment method"),
            (f"I can send a replacement {c.item}, and I'll assume standard shipping unless you "
             "tell me you need it sooner.", "standard shipping"),
            ("I'll assume the courier can collect the damaged item from your delivery address "
             "unless you say otherwise.", "courier can collect"),
            (f"Your refund of {_money(c.cents)} would go back to your original payment method, "
             "assuming you don't prefer store credit.", "original payment method"),
            (f"The replacement {c.item} would go out by standard shipping, assuming you don't "
             "need it sooner.", "standard shipping"),
            ("Assuming you're at home on weekdays, the courier can collect the damaged item "
             "from your delivery address.", "courier can collect"),
        ]
    )  # fmt: skip
    tools = [_shop_tool("get_order"), _shop_tool("refund_order"),
             _shop_tool("send_replacement")]  # fmt: skip
    return Draft("hedged_proposal", "missing", "hedged", "allow", messages, _out(text),
                 [_txt(selector, False)], others=None, tools=tools)  # fmt: skip


ORDERS: list[tuple[Callable[[random.Random], Draft], int]] = [
    (lambda r: s_refund_order_id(r, "guess"), 8),
    (lambda r: s_cancel(r, False), 5),
    (lambda r: s_address(r, False), 4),
    (lambda r: s_refund_amount(r, False), 4),
    (lambda r: s_email_lookup(r, False), 3),
    (lambda r: s_status(r, "added"), 4),
    (lambda r: s_question(r, False), 3),
    (s_hedged, 3),
    (lambda r: s_refund_order_id(r, "user"), 3),
    (lambda r: s_refund_order_id(r, "tool"), 6),
    (lambda r: s_cancel(r, True), 3),
    (lambda r: s_refund_amount(r, True), 4),
    (lambda r: s_address(r, True), 3),
    (lambda r: s_status(r, "given"), 4),
    (lambda r: s_email_lookup(r, True), 2),
    (lambda r: s_question(r, True), 4),
    (s_contradiction, 3),
    (lambda r: s_status(r, "wrong"), 2),
]
