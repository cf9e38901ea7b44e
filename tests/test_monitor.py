import asyncio
from collections.abc import Sequence

import pytest

from agentguard import (
    ClaimDraft,
    Context,
    Estimate,
    InputError,
    Monitor,
    ParamRule,
    Policy,
    ToolRule,
    load_policy,
)
from tests.conftest import call, load_example, system, tool, user

BOOK = tool(
    "book_flight",
    origin={"type": "string", "description": "City the flight departs from"},
    destination={"type": "string", "description": "City the flight arrives in"},
    date={"type": "string", "description": "Departure date"},
    cabin={"type": "string", "enum": ["economy", "business"], "default": "economy"},
)
TODAY = system("Today is Wednesday, 1 May 2024.")


def _book(args: dict, text: str | None = None, policy: str | Policy = "balanced", msgs=None):  # type: ignore[no-untyped-def]
    messages = msgs or [TODAY, user("Book me a flight to Denver next Friday.")]
    return Monitor(policy).check(
        messages=messages,
        tools=[BOOK],
        output={"content": text, "tool_calls": [call("book_flight", args)]},
    )


def _flags(report) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    by_id = {c.id: c for c in report.claims}
    return [
        (f.type, by_id[f.claim_id].path or by_id[f.claim_id].text if f.claim_id else None)
        for f in report.flags
    ]


def test_guessed_origin_is_a_silent_assumption_and_the_monitor_asks() -> None:
    report = _book({"origin": "Boston", "destination": "Denver", "date": "2024-05-03"})
    assert _flags(report) == [("silent_assumption", "origin")]
    assert report.decision.action == "ask_user"
    assert report.decision.question == "Could you tell me the city the flight departs from?"


def test_relative_date_resolves_against_the_stated_date() -> None:
    report = _book({"origin": "Boston", "destination": "Denver", "date": "2024-05-03"})
    (date,) = [c for c in report.claims if c.path == "date"]
    assert date.label == "supported"
    assert [(e.source, e.text) for e in date.evidence] == [("user#1", "next Friday")]


def test_all_given_arguments_are_allowed() -> None:
    msgs = [TODAY, user("Fly me from Boston to Denver on 2024-05-03.")]
    report = _book({"origin": "Boston", "destination": "Denver", "date": "2024-05-03"}, msgs=msgs)
    assert report.flags == ()
    assert report.decision.action == "allow"
    assert report.support is not None and report.support > 0.8


def test_schema_default_supports_unless_the_parameter_must_be_grounded() -> None:
    msgs = [TODAY, user("Fly me from Boston to Denver on 2024-05-03.")]
    args = {"origin": "Boston", "destination": "Denver", "date": "2024-05-03", "cabin": "economy"}
    assert _book(args, msgs=msgs).flags == ()
    strict_cabin = load_policy("balanced").model_copy(
        update={"tools": {"book_flight": ToolRule(params={"cabin": ParamRule(must_ground=True)})}}
    )
    report = _book(args, msgs=msgs, policy=strict_cabin)
    assert _flags(report) == [("silent_assumption", "cabin")]
    assert report.decision.question == "Could you tell me the cabin?"


def test_may_default_parameters_are_not_flagged() -> None:
    policy = load_policy("balanced").model_copy(
        update={"tools": {"book_flight": ToolRule(params={"origin": ParamRule(may_default=True)})}}
    )
    report = _book(
        {"origin": "Boston", "destination": "Denver", "date": "2024-05-03"}, policy=policy
    )
    assert report.flags == ()


def test_several_missing_facts_become_one_question() -> None:
    msgs = [TODAY, user("I need to fly somewhere.")]
    report = _book({"origin": "Boston", "destination": "Denver", "date": "2024-05-03"}, msgs=msgs)
    assert report.decision.action == "ask_user"
    assert report.decision.question == (
        "Could you tell me the city the flight departs from, the city the flight arrives in "
        "and the departure date?"
    )


def test_resolver_tool_is_called_when_cheaper_than_asking() -> None:
    policy = load_policy("balanced").model_copy(
        update={
            "tools": {
                "book_flight": ToolRule(params={"origin": ParamRule(resolver="get_home_city")})
            }
        }
    )
    report = _book(
        {"origin": "Boston", "destination": "Denver", "date": "2024-05-03"}, policy=policy
    )
    assert report.decision.action == "call_tool"
    assert report.decision.tool_call is not None
    assert report.decision.tool_call.name == "get_home_city"
    origin = next(c for c in report.claims if c.path == "origin")
    assert report.decision.tool_call.resolves == (origin.id,)


def test_cheap_guess_is_annotated_not_asked() -> None:
    policy = load_policy("balanced").model_copy(
        update={"tools": {"book_flight": ToolRule(params={"origin": ParamRule(cost_wrong=0.5)})}}
    )
    report = _book(
        {"origin": "Boston", "destination": "Denver", "date": "2024-05-03"}, policy=policy
    )
    assert _flags(report) == [("silent_assumption", "origin")]
    assert report.decision.action == "annotate"
    no_annotate = policy.model_copy(update={"annotate": False})
    assert (
        _book(
            {"origin": "Boston", "destination": "Denver", "date": "2024-05-03"}, policy=no_annotate
        ).decision.action
        == "allow"
    )


def test_very_costly_guess_without_cheaper_option_is_blocked() -> None:
    costs = load_policy("balanced").costs.model_copy(
        update={"ask_user": 100.0, "block": 5.0, "wrong_argument": 50.0}
    )
    policy = load_policy("balanced").model_copy(update={"costs": costs})
    report = _book(
        {"origin": "Boston", "destination": "Denver", "date": "2024-05-03"}, policy=policy
    )
    assert report.decision.action == "block"


def test_unsupported_sentence_is_retried() -> None:
    report = Monitor().check(load_example("delivery_date_unsupported"))
    assert _flags(report) == [("silent_assumption", "It will be delivered on June 14.")]
    assert report.decision.action == "retry"


def test_hedged_assumption_is_declared_and_allowed_by_balanced_but_not_strict() -> None:
    text = "I'll assume you're flying from Boston unless you tell me otherwise."
    args = {"origin": "Boston", "destination": "Denver", "date": "2024-05-03"}
    report = _book(args, text=text)
    types = {t for t, _ in _flags(report)}
    assert types == {"declared_assumption"}
    assert report.decision.action == "annotate"
    strict = _book(args, text=text, policy="strict")
    assert strict.decision.action == "ask_user"


def test_contradiction_of_a_stated_number() -> None:
    report = Monitor().check(
        messages=[user("Please book a table for 4 people at 7pm.")],
        output="I booked a table for 6 people at 7pm.",
    )
    assert _flags(report) == [("contradiction", "I booked a table for 6 people at 7pm.")]
    assert report.claims[0].label == "contradicted"
    assert any(e.text == "4" for e in report.claims[0].evidence)
    assert report.decision.action == "retry"
    strict = Monitor("strict").check(
        messages=[user("Please book a table for 4 people at 7pm.")],
        output="I booked a table for 6 people at 7pm.",
    )
    assert strict.decision.action == "block"


def test_redundant_question_is_flagged_and_answered_from_the_context() -> None:
    data = load_example("redundant_question")
    for policy in ("balanced", "strict"):
        report = Monitor(policy).check(data)
        assert _flags(report) == [("redundant_question", "order_id")]
        decision = report.decision
        assert decision.action == "use_context" and decision.question is None
        (known,) = decision.known
        assert (known.claim_id, known.origin) == (report.claims[0].id, "stated")
        assert (known.tool, known.path, known.value) == (
            "send_replacement_part",
            "order_id",
            "ORD-40417",
        )
        assert [e.source for e in known.evidence] == ["user#1"]
        assert decision.message is not None
        assert decision.message.startswith(
            "Already known, no need to ask: order_id is 'ORD-40417' (user#1: "
        )
    permissive = Monitor("permissive").check(data)
    assert _flags(permissive) == [("redundant_question", "order_id")]
    assert permissive.decision.action == "allow" and permissive.decision.message is None


def test_a_policy_that_retries_redundant_questions_still_retries() -> None:
    policy = load_policy("strict").model_copy(update={"redundant_question": "retry"})
    report = Monitor(policy).check(load_example("redundant_question"))
    assert _flags(report) == [("redundant_question", "order_id")]
    assert report.decision.action == "retry"
    assert report.decision.known == () and report.decision.message is None
    assert "What is your order number?" in report.decision.reason


def test_needed_question_is_not_redundant() -> None:
    report = Monitor().check(
        messages=[user("I want to return something.")], output="What is your order number?"
    )
    assert report.flags == ()
    assert report.claims[0].kind == "question" and report.claims[0].label == "unsupported"


def test_malformed_tool_call_gets_retry_and_no_fake_score() -> None:
    report = Monitor().check(load_example("malformed_tool_call"))
    assert [f.type for f in report.flags] == ["malformed_tool_call"]
    assert report.decision.action == "retry"
    assert report.support is None


def test_output_without_claims_says_so() -> None:
    report = Monitor().check(messages=[user("hi")], output="Hello! How can I help you today?")
    assert report.claims == ()
    assert report.no_claims is True
    assert report.support is None
    assert "no claims" in report.notes[0]
    assert report.decision.action == "allow" and "no claims" in report.decision.reason


def test_order_number_from_a_tool_result_passes() -> None:
    report = Monitor().check(load_example("refund_order_from_tool"))
    assert report.flags == ()
    order = next(c for c in report.claims if c.path == "order_id")
    assert [e.source for e in order.evidence] == ["tool:find_orders#1"]


class _Broken:
    name = "broken"

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        raise RuntimeError("model server unreachable")


def test_estimator_failure_follows_the_fail_mode() -> None:
    data = load_example("flight_missing_origin")
    why = "estimator 'broken' failed: RuntimeError: model server unreachable"
    fallback = Monitor("balanced", estimator=_Broken()).check(data)
    assert fallback.decision == Monitor("balanced").check(data).decision
    assert fallback.notes[0] == f"{why}; scored by the offline estimator instead"
    assert fallback.checked and fallback.estimator_error == why
    closed = Monitor("strict", estimator=_Broken()).check(data)
    assert closed.decision.action == "block"
    assert closed.support is None and not closed.checked


def test_acheck_and_check_many_agree_with_check() -> None:
    data = load_example("flight_missing_origin")
    monitor = Monitor()
    one = monitor.check(data)
    many = monitor.check_many([data, load_example("refund_order_from_tool")])
    async_one = asyncio.run(monitor.acheck(data))
    assert (
        [f.type for f in many[0].flags]
        == [f.type for f in one.flags]
        == [f.type for f in async_one.flags]
    )
    assert many[1].decision.action == "allow"


def test_per_input_policy_overrides_the_monitor_policy() -> None:
    data = {**load_example("redundant_question"), "policy": "strict"}
    assert Monitor("balanced").check(data).policy == "strict"


def test_keyword_and_object_forms_cannot_be_mixed() -> None:
    with pytest.raises(TypeError):
        Monitor().check(load_example("redundant_question"), messages=[])


def test_bad_input_raises_input_error_naming_the_field() -> None:
    with pytest.raises(InputError, match=r"messages\[0\]: missing field 'role'"):
        Monitor().check(messages=[{"content": "hi"}], output="ok")


@pytest.mark.parametrize(
    "example",
    [
        "flight_missing_origin",
        "refund_order_from_tool",
        "delivery_date_unsupported",
        "redundant_question",
    ],
)
def test_evidence_spans_point_into_the_source_text(example: str) -> None:
    from agentguard import build_context, parse_check_input

    data = load_example(example)
    sources = {s.id: s.text for s in build_context(parse_check_input(data)).sources}
    report = Monitor().check(data)
    evidence = [e for c in report.claims for e in c.evidence]
    assert evidence
    for e in evidence:
        assert sources[e.source][e.span[0] : e.span[1]] == e.text


def test_values_of_a_json_tool_result_support_a_paraphrase() -> None:
    messages = [
        system("Today is 2024-05-09."),
        user("What's the weather in Paris tomorrow?"),
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [call("get_weather", {"city": "Paris"})],
        },
        {
            "role": "tool",
            "tool_call_id": "call_1",
            "content": '{"forecast": "sunny", "high_c": 22, "low_c": 14}',
        },
    ]
    report = Monitor().check(
        messages=messages,
        output="Tomorrow in Paris it will be sunny, with a high of 22°C and a low of 14°C. Enjoy!",
    )
    assert report.flags == ()
    assert report.decision.action == "allow"
    sources = {e.source for e in report.claims[0].evidence}
    assert sources == {"user#1", "tool:get_weather#1"}


def test_negated_statement_is_contradicted() -> None:
    report = Monitor().check(
        messages=[user("My flight is not on May 5, it's on May 7.")],
        output="Got it, your flight is on May 5.",
    )
    assert [f.type for f in report.flags] == ["contradiction"]


@pytest.mark.parametrize(
    ("said", "date"),
    [
        ("I leave in 3 days.", "2024-05-04"),
        ("I leave in two weeks.", "2024-05-15"),
        ("I leave the day after tomorrow.", "2024-05-03"),
        ("I leave next Friday.", "2024-05-03"),
        ("I leave on 3 May.", "2024-05-03"),
        ("I leave on 05/03/2024.", "2024-05-03"),
    ],
)
def test_every_date_rendering_in_the_context_supports_the_argument(said: str, date: str) -> None:
    report = Monitor().check(
        messages=[TODAY, user(f"Fly me from Boston to Denver. {said}")],
        tools=[BOOK],
        output={
            "tool_calls": [
                call("book_flight", {"origin": "Boston", "destination": "Denver", "date": date})
            ]
        },
    )
    assert report.flags == (), said


def test_a_tool_confirmation_restated_with_other_formatting_passes() -> None:
    result = '{"flight": "UA 455", "departs": "09:00", "seat": "14C", "confirmation": "QX7PLM"}'
    messages = [
        user("Book the 9am one."),
        {"role": "assistant", "content": None, "tool_calls": [call("book", {"flight": "UA 455"})]},
        {"role": "tool", "tool_call_id": "call_1", "content": result},
    ]
    report = Monitor().check(
        messages=messages,
        output="Flight UA 455 departs at 9:00 AM, seat 14C, confirmation code QX7PLM.",
    )
    assert report.flags == ()
    assert report.claims[0].label == "supported"
    texts = {e.text for e in report.claims[0].evidence}
    assert {"QX7PLM", "455"} <= texts and texts & {"9am", "09:00"}


def test_asking_for_a_fact_the_user_did_not_give_is_not_redundant() -> None:
    report = Monitor().check(
        messages=[user("I'd like to fly to Denver next Friday with my wife.")],
        output="You'd like to fly to Denver next Friday with your wife. Where are you flying from?",
    )
    assert report.flags == ()
