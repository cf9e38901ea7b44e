"""Example agents that run offline: travel booking, customer support, retrieval QA, calculator.

`agentguard demo` runs them all; `python -m agentguard.demos.travel` (or `support`,
`retrieval`, `calculator`) runs one.
"""
