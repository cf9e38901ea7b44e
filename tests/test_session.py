"""`Monitor.session()`: the same reports as `check`, reading only what is new."""

from __future__ import annotations

import json
import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from agentguard import InputError, Monitor, Report
from agentguard.context import build_context
from agentguard.estimators.index import ContextIndex, IndexCache
from agentguard.inputs import parse_check_input
from agentguard.integrations._common import SessionPool, pool_of

SUITES = Path(__file__).resolve().parent.parent / "agentguard" / "evaluation" / "suites"


def _same(a: Report, b: Report) -> dict[str, Any]:
    left, right = a.model_dump(mode="json"), b.model_dump(mode="json")
    left.pop("latency_ms")
    right.pop("latency_ms")
    assert left == right
    return left


def _cases() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(SUITES.glob("*.jsonl")):
        cases += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return cases


def test_a_session_over_the_bundled_suites_gives_the_reports_check_gives() -> None:
    # One long conversation made of every case in turn: each check sees all earlier cases.
    monitor, fresh = Monitor(), Monitor()
    session = monitor.session()
    conversation: list[dict[str, Any]] = []
    actions = set()
    for case in _cases()[:120]:
        conversation += case["messages"]
        data = {
            "messages": list(conversation),
            "output": case["output"],
            "tools": case.get("tools", []),
        }
        data["documents"] = case.get("documents", [])
        dumped = _same(session.check(data), fresh.check(data))
        actions.add(dumped["decision"]["action"])
    assert {"allow", "ask_user"} <= actions  # the checks decided different things


_BITS = [
    "Today is 2024-05-01.",
    "I fly from Boston to Denver on May 3.",
    "order A1234",
    "Dr. Smith said ok.",
    "",
    "3 May",
    "Müller lives in São Paulo, UK.",
    '{"city": "Paris", "n": 12}',
    "next friday at 3 pm",
    "$1,200.50",
    "call +1 (555) 123-4567",
    "done!",
    "\n",
    "May",
    "twelve bags",
]
_OUTPUTS = [
    "Your flight from Boston to Denver on May 3 is booked for $1,200.50.",
    "Order A1234 ships next friday to Paris.",
    "Dr. Smith in São Paulo has 12 bags; call +1 (555) 123-4567.",
    "What is your order number?",
]


@pytest.mark.parametrize("seed", range(12))
def test_random_conversations_give_the_same_reports_turn_by_turn(seed: int) -> None:
    rng = random.Random(seed)
    session, fresh = Monitor().session(), Monitor()
    conversation: list[dict[str, Any]] = []
    for _ in range(25):
        role = rng.choice(["user", "user", "assistant", "system"])
        text = " ".join(rng.choice(_BITS) for _ in range(rng.randint(0, 4)))
        conversation.append({"role": role, "content": text})
        data = {"messages": conversation, "output": rng.choice(_OUTPUTS)}
        _same(session.check(data), fresh.check(data))


def test_a_history_changed_in_place_is_read_again() -> None:
    session, fresh = Monitor().session(), Monitor()
    chat = [{"role": "user", "content": "Fly me to Denver from Boston."}]
    output = "Booked Boston to Denver."
    assert session.check(messages=chat, output=output).decision.action == "allow"
    chat[0]["content"] = "Fly me to Denver."  # the caller edits the message it passed
    report = session.check(messages=chat, output=output)
    assert report.decision.action != "allow"
    assert [f.type for f in report.flags] == ["silent_assumption"]
    _same(report, fresh.check(messages=chat, output=output))
    del chat[0]
    chat.append({"role": "user", "content": "From Boston to Denver, please."})
    _same(session.check(messages=chat, output=output), fresh.check(messages=chat, output=output))


def test_a_bad_message_in_a_session_names_its_place_in_the_whole_conversation() -> None:
    session = Monitor().session()
    chat: list[Any] = [{"role": "user", "content": f"turn {i}"} for i in range(5)]
    session.check(messages=chat, output="ok")
    chat.append({"role": "wizard", "content": "hi"})
    with pytest.raises(InputError, match=r"messages\[5\]\.role: unknown role"):
        session.check(messages=chat, output="ok")
    chat[5] = {"role": "tool", "tool_call_id": "nope", "content": "42"}
    with pytest.raises(InputError, match=r"messages\[5\]\.tool_call_id"):
        session.check(messages=chat, output="ok")


def test_tool_results_may_answer_calls_made_in_earlier_checks() -> None:
    session, fresh = Monitor().session(), Monitor()
    call = {"id": "c1", "type": "function", "function": {"name": "get_order", "arguments": "{}"}}
    chat: list[dict[str, Any]] = [
        {"role": "user", "content": "Where is my order?"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
    ]
    session.check(messages=chat, output="Let me look.")
    chat.append(
        {"role": "tool", "tool_call_id": "c1", "content": '{"order": "A77", "eta": "May 3"}'}
    )
    output = "Order A77 arrives on May 3."
    report = session.check(messages=chat, output=output)
    assert report.decision.action == "allow"
    _same(report, fresh.check(messages=chat, output=output))


def test_the_index_is_built_once_and_extended_while_the_conversation_grows() -> None:
    cache = IndexCache()
    chat: list[dict[str, Any]] = []
    for i in range(40):
        text = f"Turn {i}: order A{1000 + i} on May {i % 28 + 1}."
        chat.append({"role": "user", "content": text})
        ctx = build_context(parse_check_input({"messages": chat, "output": {"content": "ok"}}))
        kept, built = cache.index(ctx), ContextIndex.build(ctx)
        assert kept.text == built.text
        assert kept.sent_starts.tolist() == built.sent_starts.tolist()
        assert kept.find_phrase(f"a{1000 + i}") == built.find_phrase(f"a{1000 + i}")
    assert cache.builds == 1


def test_a_pool_finds_a_conversation_by_how_it_starts() -> None:
    pool = SessionPool(Monitor())
    denver = [{"role": "system", "content": "Travel agent."}, {"role": "user", "content": "Denver"}]
    boston = [{"role": "system", "content": "Travel agent."}, {"role": "user", "content": "Boston"}]
    session = pool.session(denver)
    # The same conversation grown by later turns, in another message form, is the same one.
    grown = [*denver, {"role": "assistant", "content": "From where?"}]
    assert pool.session(grown) is session
    assert pool.session([SimpleNamespace(**m) for m in denver]) is session
    assert pool.session(boston) is not session
    report = pool.check({"messages": grown, "output": "Which date?"})
    _same(report, Monitor().check(messages=grown, output="Which date?"))


def test_a_pool_keeps_the_most_recently_used_conversations() -> None:
    pool = SessionPool(Monitor(), size=2)
    chats = [[{"role": "user", "content": f"conversation {i}"}] for i in range(3)]
    first, second = pool.session(chats[0]), pool.session(chats[1])
    assert pool.session(chats[0]) is first  # now the most recent
    pool.session(chats[2])  # drops the least recently used: the second
    assert pool.session(chats[0]) is first
    assert pool.session(chats[1]) is not second
    with pytest.raises(ValueError, match="size must be at least 1, not 0"):
        SessionPool(Monitor(), size=0)


def test_each_monitor_has_one_pool() -> None:
    monitor, other = Monitor(), Monitor()
    assert pool_of(monitor) is pool_of(monitor)
    assert pool_of(monitor).monitor is monitor
    assert pool_of(other) is not pool_of(monitor)
    chat = [{"role": "user", "content": "Hi"}]
    assert pool_of(monitor).session(chat).monitor is monitor
