"""OpenTelemetry: one span per check, one `gen_ai.evaluation.result` event per flag.

Offline: the spans go to an in-memory exporter and are printed here. In production, give
`instrument` your tracer provider (or set the global one) with an OTLP exporter instead; pass
`--console` to see the full spans as the SDK's ConsoleSpanExporter prints them.

    pip install 'agentguard[otel]'
    python examples/integrations/otel_console.py
"""

from __future__ import annotations

import json
import sys

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from agentguard import Monitor
from agentguard.integrations.otel import instrument

CHECK = {
    "messages": [
        {"role": "system", "content": "You are a travel agent. Today is Wednesday, 1 May 2024."},
        {"role": "user", "content": "Book me a flight to Denver next Friday."},
    ],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "book_flight",
                "description": "Book a one-way flight.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "origin": {"type": "string", "description": "City of departure"},
                        "destination": {"type": "string", "description": "City of arrival"},
                        "date": {"type": "string", "description": "Date, YYYY-MM-DD"},
                    },
                    "required": ["origin", "destination", "date"],
                },
            },
        }
    ],
    "output": {
        "content": "Booking your flight from Boston to Denver on Friday, May 3.",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {
                    "name": "book_flight",
                    "arguments": json.dumps(
                        {"origin": "Boston", "destination": "Denver", "date": "2024-05-03"}
                    ),
                },
            }
        ],
    },
}


def main(console: bool = False) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    if console:
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    monitor = instrument(Monitor(), tracer_provider=provider)

    report = monitor.check(CHECK)
    print(f"decision: {report.decision.action}")
    for span in exporter.get_finished_spans():
        attrs = span.attributes or {}
        action, support = attrs["agentguard.decision.action"], attrs["agentguard.support"]
        print(f"span {span.name}: action={action} support={support}")
        for event in span.events:
            e = event.attributes or {}
            where = str(e["agentguard.claim.kind"])
            if "agentguard.claim.tool" in e:
                where += f" {e['agentguard.claim.tool']}.{e['agentguard.claim.path']}"
            label, claim = e["gen_ai.evaluation.score.label"], e["agentguard.claim.id"]
            print(f"  event {event.name}: {label} on {claim} ({where})")
    provider.shutdown()


if __name__ == "__main__":
    main(console="--console" in sys.argv[1:])
