"""Retrieval QA: an answer sentence that no document supports is retried.

The model answers from the retrieved product documents but, as people writing answers do, adds
a helpful-sounding sentence the documents never state. The monitor holds the answer back and
names the unsupported sentence; the model answers again from the documents alone.
Run it: `python -m agentguard.demos.retrieval`.
"""

from __future__ import annotations

from agentguard.demos.scene import Scene
from agentguard.runtime.interventions import NOTE_PREFIX
from agentguard.runtime.models import MessageDict

DOCUMENTS = (
    {
        "id": "espresso-max-2",
        "text": "Espresso Max 2 user guide. The Espresso Max 2 comes with a two-year warranty "
        "covering the pump and the heating element. Register the machine within 30 days of "
        "purchase to activate the warranty.",
    },
    {
        "id": "returns",
        "text": "Returns policy. Unused items can be returned within 30 days for a full refund.",
    },
)

SUPPORTED = (
    "The Espresso Max 2 comes with a two-year warranty covering the pump and the heating "
    "element. Register the machine within 30 days of purchase to activate it."
)
EMBELLISHED = SUPPORTED + " The warranty also includes a free yearly descaling service."


def retrieval_model(messages: list[MessageDict], tools: list[MessageDict]) -> str | MessageDict:
    """Answers from the documents, adding an embellishment unless told not to."""
    told = str(messages[-1].get("content") or "").startswith(NOTE_PREFIX)
    return SUPPORTED if told else EMBELLISHED


SCENE = Scene(
    name="retrieval",
    title="Retrieval QA: an answer sentence that no document supports is retried.",
    model=retrieval_model,
    system="Answer questions about Homeware Direct products from the documents you are given.",
    documents=DOCUMENTS,
    turns=("What warranty does the Espresso Max 2 come with?",),
)
build = SCENE.build


if __name__ == "__main__":
    from agentguard.demos.show import run_scene_main

    run_scene_main(SCENE)
