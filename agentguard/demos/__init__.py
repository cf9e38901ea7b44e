"""Example agents that run offline: travel, orders (customer service), retrieval QA, calculator.

`agentguard demo` runs them all; `python -m agentguard.demos.travel` (or `orders`,
`retrieval`, `calculator`) runs one.
"""
