"""Orders suite (customer service), part one: shops, products, the customer and its tools."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from .common import JSON, _email, _fn, _fresh, _name, _phone, _system, _today, _today_line

SHOPS = (
    ("Homeware Direct", "HD-"), ("Acme Shop", "ORD-"), ("Northgate Outfitters", "NG-"),
    ("PixelPeak Electronics", "PP-"), ("GreenLeaf Garden Supply", "GL-"), ("Bookhaven", "BH-"),
)  # fmt: skip
PRODUCTS = (
    ("Blender Pro 500", 8999), ("Wool blanket Nordic", 7400), ("Espresso Max 2", 24900),
    ("Cast-iron skillet", 4550), ("Desk lamp Arc", 5990), ("Headphones Q7", 17900),
    ("Yoga mat Flow", 3200), ("Hiking boots Ridge", 13995), ("Air fryer Crisp", 9900),
    ("Electric toothbrush Sonic", 6499), ("Bamboo cutting board set", 2875),
    ("Rain jacket Storm", 11900), ("Ceramic teapot Kyoto", 3800), ("Cordless drill D18", 12900),
    ("Linen duvet cover", 8400), ("Running shoes Pace", 10995), ("Keyboard K8", 9450),
    ("Garden hose Flex", 4230), ("Robot vacuum R7", 29900), ("Stand mixer Bake", 34900),
    ("Wireless mouse M3", 2999), ("Office chair Ergo", 22900), ("Coffee grinder Burr", 7900),
    ("Backpack Trail", 8900), ("Bluetooth speaker Boom", 5900), ("Frying pan set", 6995),
)  # fmt: skip
REFUND_REASONS = {
    "damaged": ("arrived damaged", "was damaged in transit"),
    "late": ("arrived two weeks late", "came so late that I no longer need it"),
    "wrong_item": ("turned out to be the wrong item", "is the wrong item"),
    "defective": ("is defective", "stopped working after a day, it's defective"),
}
CANCEL_REASONS = {
    "ordered_by_mistake": "it was ordered by mistake",
    "found_it_cheaper": "I found it cheaper elsewhere",
    "no_longer_needed": "it is no longer needed",
}
CARRIERS = ("UPS", "DHL", "FedEx", "DPD", "PostNL", "Royal Mail")


@dataclass(frozen=True)
class Customer:
    """A customer, their shop and one order."""

    first: str
    last: str
    email: str
    phone: str
    shop: str
    order_id: str
    item: str
    cents: int
    today: dt.date

    @property
    def total(self) -> float:
        """The order total as a tool returns it."""
        return self.cents / 100


def _customer(rng: random.Random) -> Customer:
    first, last = _name(rng)
    shop, prefix = rng.choice(SHOPS)
    item, cents = rng.choice(PRODUCTS)
    return Customer(first, last, _email(rng, first, last), _phone(rng), shop,
                    f"{prefix}{rng.randint(10000, 99999)}", item, cents, _today(rng))  # fmt: skip


def _other_order(rng: random.Random, c: Customer, taken: str) -> str:
    prefix = c.order_id.split("-")[0]
    return _fresh(rng, lambda: f"{prefix}-{rng.randint(10000, 99999)}", taken)


def _shop_system(rng: random.Random, c: Customer) -> JSON:
    rule = rng.choice(["", " Refunds need the order number.",
                       " Use the tools to look up orders before acting."])  # fmt: skip
    date = f" {_today_line(rng, c.today)}" if rng.random() < 0.5 else ""
    return _system(f"You are the support assistant of {c.shop}.{rule}{date}")


_ORDER_ID = {"type": "string", "description": "The order number, as printed on the receipt"}
_EMAIL = {"type": "string", "description": "The customer's email address"}


def _shop_tool(name: str) -> JSON:
    reasons = {"type": "string", "enum": list(REFUND_REASONS), "description": "Why it is refunded"}
    tools: dict[str, tuple[str, JSON]] = {
        "find_orders": ("List the orders placed with an email address.", {"email": _EMAIL}),
        "get_order": ("Look up one order: item, total, status, shipping.",
                      {"order_id": _ORDER_ID}),
        "issue_refund": ("Refund an order in full.",
                         {"order_id": _ORDER_ID, "email": _EMAIL, "reason": reasons}),
        "refund_order": ("Refund an amount of an order.", {
            "order_id": _ORDER_ID, "reason": reasons,
            "amount": {"type": "number", "description": "Amount to refund, in dollars"}}),
        "cancel_order": ("Cancel an order that has not shipped yet.", {
            "order_id": _ORDER_ID, "reason": {"type": "string", "enum": [*CANCEL_REASONS,
                                              "other"], "default": "other"}}),
        "update_shipping_address": ("Change the delivery address of an order.", {
            "order_id": _ORDER_ID,
            "address": {"type": "string", "description": "The full new delivery address"}}),
        "lookup_customer": ("Find a customer's account by phone number.", {
            "phone": {"type": "string", "description": "Phone number on the account"}}),
        "send_replacement": ("Ship a replacement item for an order.", {
            "order_id": _ORDER_ID, "item": {"type": "string"},
            "shipping": {"type": "string", "enum": ["standard", "express"]}}),
    }  # fmt: skip
    description, props = tools[name]
    return _fn(name, description, props)


def _refund_request(rng: random.Random, c: Customer, reason: str, with_id: bool) -> str:
    why = rng.choice(REFUND_REASONS[reason])
    where = f" from order {c.order_id}" if with_id else " I ordered"
    ref = f"order {c.order_id}" if with_id else "it"
    return rng.choice(
        [
            f"Hi, I'm {c.email}. The {c.item}{where} {why}, please refund it.",
            f"My {c.item} {why}. Can I get a refund for {ref}? My account email is {c.email}.",
        ]
    )
