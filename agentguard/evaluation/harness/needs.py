"""Questions and tool calls the agent did not need: how many the monitor recognised and used.

The other direction of the monitor: an output that asks for something the context already
answers (or that an optional parameter's schema default settles), or that calls a tool whose
result the agent already has. For each question and each labelled tool call of a case's output
this module makes one *need item*, and `need_counts` counts them, overall and per group:

- `unneeded`: the gold says the agent did not need it: a question whose gold label is
  `supported` (the context answers it; unlabeled, a case whose right action is `allow`), a call
  that `gold.needless_calls` names;
- `recognised`: of those, flagged (`redundant_question` or `needless_question` for a question,
  `needless_tool_call` for a call);
- `acted_on`: of those, with the decision `use_context` (the agent goes on with what it has);
- `needed`: the gold says the agent needed it (a question the context does not answer, or
  unlabeled, a case whose right action is `ask_user`; a call `gold.needless_calls` leaves out);
- `suppressed`: of those, wrongly held back: flagged as not needed, or (a question) the
  decision `use_context`, which keeps the output's question from the user.

Calls are counted only where the case's gold has `needless_calls`. A result line written
before these fields existed (no `flag_claims`) counts a question as flagged when the output
has a question flag at all.

Example:
    >>> items = [{"kind": "question", "needed": False, "flagged": True, "acted": True,
    ...           "suppressed": False}]
    >>> need_counts(items)["questions"]["acted_on"]
    1
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "NEED_COUNTS",
    "NEED_KINDS",
    "QUESTION_FLAGS",
    "need_counts",
    "need_items",
    "need_section",
]

QUESTION_FLAGS = ("redundant_question", "needless_question")
"""Flags that say a question was not needed."""
CALL_FLAG = "needless_tool_call"
NEED_KINDS = {"questions": "question", "calls": "call"}
"""Count groups and the `kind` of their items."""
NEED_COUNTS: dict[str, str] = {
    "unneeded": "not needed",
    "recognised": "recognised",
    "acted_on": "acted on",
    "needed": "needed",
    "suppressed": "wrongly suppressed",
}
"""The counts of each group in display order, with their column names."""


def _question_need(claim: Mapping[str, Any], gold_action: Any) -> bool | None:
    """Whether a question was needed: its gold label, else the case's right action."""
    gold = claim.get("gold")
    if isinstance(gold, bool):
        return not gold
    return {"allow": False, "ask_user": True}.get(str(gold_action))


def need_items(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The need items of one finished result line: one per question and per labelled call.

    Each item has `kind` (`question` or `call`), `needed`, `flagged`, `acted`, `suppressed`
    and `item` (the claim id of a question, the call id of a call).
    """
    if result.get("error") or not isinstance(result.get("claims"), list):
        return []
    flags = [str(f) for f in result.get("flags") or []]
    by_claim = result.get("flag_claims")
    use_context = result.get("action") == "use_context"
    items: list[dict[str, Any]] = []
    for claim in result["claims"]:
        if not isinstance(claim, Mapping) or claim.get("kind") != "question":
            continue
        needed = _question_need(claim, result.get("gold_action"))
        if needed is None:
            continue
        if isinstance(by_claim, list):
            flagged = any(
                f in QUESTION_FLAGS and c == claim.get("id")
                for f, c in zip(flags, by_claim, strict=False)
            )
        else:
            flagged = any(f in QUESTION_FLAGS for f in flags)
        items.append(_item("question", claim.get("id"), needed, flagged, use_context,
                           suppressed=needed and (flagged or use_context)))  # fmt: skip
    gold_calls = result.get("gold_needless_calls")
    if isinstance(gold_calls, list):
        needless = set(result.get("needless_calls") or [])
        for call in result.get("calls") or []:
            needed = call not in gold_calls
            flagged = call in needless
            items.append(_item("call", call, needed, flagged, use_context,
                               suppressed=needed and flagged))  # fmt: skip
    return items


def _item(
    kind: str, item: Any, needed: bool, flagged: bool, use_context: bool, *, suppressed: bool
) -> dict[str, Any]:
    return {
        "kind": kind,
        "item": item,
        "needed": needed,
        "flagged": flagged,
        "acted": (not needed) and flagged and use_context,
        "suppressed": suppressed,
    }


def need_counts(items: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """The five counts (`NEED_COUNTS`) of questions and of calls among `items`."""
    out = {group: dict.fromkeys(NEED_COUNTS, 0) for group in NEED_KINDS}
    for it in items:
        group = "questions" if it.get("kind") == "question" else "calls"
        counts = out[group]
        if it.get("needed"):
            counts["needed"] += 1
            counts["suppressed"] += bool(it.get("suppressed"))
        else:
            counts["unneeded"] += 1
            counts["recognised"] += bool(it.get("flagged"))
            counts["acted_on"] += bool(it.get("acted"))
    return out


def need_section(behaviour_rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The counts of the need items the behaviour rows carry (`needs`), overall and per group.

    Returns:
        `{"overall": counts, "by_suite": {name: counts}, "by_domain": {name: counts}}`, each
        `counts` as `need_counts` gives it; groups come only from rows with items.
    """
    rows = [r for r in behaviour_rows if isinstance(r.get("needs"), list) and r["needs"]]
    section: dict[str, Any] = {"overall": need_counts(i for r in rows for i in r["needs"])}
    for key in ("suite", "domain"):
        names = sorted({str(r[key]) for r in rows if r.get(key) is not None})
        section[f"by_{key}"] = {
            name: need_counts(i for r in rows if str(r.get(key)) == name for i in r["needs"])
            for name in names
        }
    return section
