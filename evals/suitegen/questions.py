"""Question suites over the tasks of `slots`.

Paraphrased questions, answers in tool results, stale and conflicting values, and optional
parameters with a schema default.

Labels follow the harness's conventions: a question the context already answers (a user turn
or a JSON tool result states the value, or an optional parameter's default settles it) is
`supported: true` with gold `allow`, the agent should go on with what it has; a question the
context does not answer is `supported: false` with gold `ask_user`. Where the context holds two
values for the parameter (the user revised it, or two tool results disagree), the agent cannot
tell which one holds: asking is right (`ask_user`), and a call that uses one of them is
`supported: false`.
"""

from __future__ import annotations

import random

from .common import (
    JSON,
    Draft,
    _arg,
    _assistant,
    _call,
    _calls,
    _out,
    _result,
    _system,
    _txt,
    _user,
)
from .slots import TASKS, Param, Task

CORRECTIONS = ("Actually, make it {v}.", "Sorry, I meant {v}.", "Wait, change that to {v}.",
               "Hmm, actually {v}.")  # fmt: skip
PROFILE = {
    "type": "function",
    "function": {
        "name": "get_saved_details",
        "description": "The details the signed-in user saved in their profile.",
        "parameters": {"type": "object", "properties": {}, "required": []},
    },
}
LAST_REQUEST = {
    "type": "function",
    "function": {
        "name": "get_last_request",
        "description": "The details of the user's most recent request.",
        "parameters": {"type": "object", "properties": {}, "required": []},
    },
}


def _values(rng: random.Random, params: tuple[Param, ...]) -> dict[str, object]:
    values: dict[str, object] = {}
    for p in params:
        v = p.values(rng)
        while v in values.values():
            v = p.values(rng)
        values[p.name] = v
    return values


def _other(rng: random.Random, p: Param, taken: object) -> object:
    for _ in range(100):
        v = p.values(rng)
        if str(v).lower() != str(taken).lower():
            return v
    raise RuntimeError("no other value after 100 draws")


def _says(rng: random.Random, p: Param, value: object) -> str:
    return rng.choice(p.says).format(v=value)


def _request(rng: random.Random, task: Task, values: dict[str, object]) -> str:
    parts = [rng.choice(task.opener)]
    parts += [_says(rng, task.param(k), v) for k, v in values.items()]
    return " ".join(parts)


def _question_draft(
    scene: str,
    direction: str,
    answered: bool,
    task: Task,
    messages: list[JSON],
    question: str,
    tools: list[JSON],
    asks_for: str,
) -> Draft:
    pattern = "redundant_question" if answered else "needed_question"
    return Draft(scene, direction, pattern, "allow" if answered else "ask_user", messages,
                 _out(question), [_txt(question.rstrip("?"), answered)], tools=tools,
                 domain=task.domain, extra={"asks_for": asks_for})  # fmt: skip


# --- paraphrased questions ------------------------------------------------------------------------


def t_paraphrased(rng: random.Random, answered: bool) -> Draft:
    """The agent asks for a required parameter in other words; the user stated it or not."""
    task = rng.choice(TASKS)
    values = _values(rng, task.required)
    asked = rng.choice(task.required)
    if not answered:
        del values[asked.name]
    messages = [_system(task.system), _user(_request(rng, task, values))]
    question = rng.choice(asked.asks)
    return _question_draft("paraphrased_" + ("given" if answered else "missing"),
                           "given" if answered else "missing", answered, task, messages,
                           question, [task.tool_def()], asked.name)  # fmt: skip


PARAPHRASED = [
    (lambda r: t_paraphrased(r, True), 16),
    (lambda r: t_paraphrased(r, False), 14),
]


# --- answers in tool results ----------------------------------------------------------------------


def _record(rng: random.Random) -> JSON:
    return {"customer_id": f"CU-{rng.randint(1000, 9999)}", "tier": rng.choice(["gold", "silver"]),
            "member_since": rng.randint(2012, 2023)}  # fmt: skip


def t_tool_answer(rng: random.Random, answered: bool) -> Draft:
    """The user's saved details (a JSON tool result) hold the parameter under its name, or not."""
    task = rng.choice(TASKS)
    values = _values(rng, task.required)
    asked = rng.choice(task.required)
    value = values.pop(asked.name)
    record = _record(rng)
    if answered:
        record[asked.name] = value
        keys = list(record)
        rng.shuffle(keys)
        record = {k: record[k] for k in keys}
    messages = [
        _system(task.system + " Look up the user's saved details before asking."),
        _user(_request(rng, task, values)),
        _calls(_call("call_0", "get_saved_details", {})),
        _result("call_0", "get_saved_details", record),
    ]
    question = rng.choice(asked.asks)
    return _question_draft("tool_answer_" + ("given" if answered else "missing"),
                           "given" if answered else "missing", answered, task, messages,
                           question, [task.tool_def(), PROFILE], asked.name)  # fmt: skip


TOOL_ANSWERS = [
    (lambda r: t_tool_answer(r, True), 16),
    (lambda r: t_tool_answer(r, False), 14),
]


# --- stale values ---------------------------------------------------------------------------------


def t_stale(rng: random.Random, output: str) -> Draft:
    """The user states a value, then another (`output`: `question`, `stale_call`, `control`)."""
    task = rng.choice(TASKS)
    values = _values(rng, task.required)
    asked = rng.choice(task.required)
    first = values[asked.name]
    second = _other(rng, asked, first)
    # The value corrected is stated last, so that "Sorry, I meant X" can only correct it.
    values = {**{k: v for k, v in values.items() if k != asked.name}, asked.name: first}
    turns = [_system(task.system), _user(_request(rng, task, values))]
    if output != "control":
        correction = rng.choice(CORRECTIONS).format(v=second)
        if rng.random() < 0.5:
            turns[-1] = _user(turns[-1]["content"] + " " + correction)
        else:
            turns += [_assistant("Sure, let me set that up."), _user(correction)]
    if output == "stale_call":
        args = dict(values)
        claims = [_arg(k, k != asked.name) for k in args]
        out = _out(None, _call("call_1", task.tool, args))
        return Draft("stale_call", "conflict", "stale_value", "ask_user", turns, out, claims,
                     tools=[task.tool_def()], domain=task.domain,
                     extra={"changed": asked.name})  # fmt: skip
    answered = output == "control"
    question = rng.choice(asked.asks)
    return _question_draft("stale_question" if not answered else "single_value_question",
                           "conflict" if not answered else "given", answered, task, turns,
                           question, [task.tool_def()], asked.name)  # fmt: skip


STALE = [
    (lambda r: t_stale(r, "question"), 12),
    (lambda r: t_stale(r, "stale_call"), 10),
    (lambda r: t_stale(r, "control"), 8),
]


# --- conflicting tool results ---------------------------------------------------------------------


def t_conflict(rng: random.Random, output: str) -> Draft:
    """Two tool results give the parameter (`output`: `question`, `call`, `agree`)."""
    task = rng.choice(TASKS)
    values = _values(rng, task.required)
    asked = rng.choice(task.required)
    first = values.pop(asked.name)
    second = first if output == "agree" else _other(rng, asked, first)
    saved, last = _record(rng), {"requested_at": f"2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"}
    saved[asked.name], last[asked.name] = first, second
    turns = [
        _system(task.system + " Check the user's saved details and last request."),
        _user(_request(rng, task, values)),
        _calls(_call("call_0", "get_saved_details", {}), _call("call_9", "get_last_request", {})),
        _result("call_0", "get_saved_details", saved),
        _result("call_9", "get_last_request", last),
    ]
    tools = [task.tool_def(), PROFILE, LAST_REQUEST]
    if output == "call":
        args = {**values, asked.name: rng.choice([first, second])}
        claims = [_arg(k, k != asked.name) for k in args]
        out = _out(None, _call("call_1", task.tool, args))
        return Draft("conflict_call", "conflict", "conflicting_values", "ask_user", turns, out,
                     claims, tools=tools, domain=task.domain,
                     extra={"asks_for": asked.name})  # fmt: skip
    answered = output == "agree"
    question = rng.choice(asked.asks)
    return _question_draft("agree_question" if answered else "conflict_question",
                           "given" if answered else "conflict", answered, task, turns, question,
                           tools, asked.name)  # fmt: skip


CONFLICTING = [
    (lambda r: t_conflict(r, "question"), 12),
    (lambda r: t_conflict(r, "call"), 10),
    (lambda r: t_conflict(r, "agree"), 8),
]


# --- optional parameters with a default -----------------------------------------------------------


def t_default(rng: random.Random, optional: bool) -> Draft:
    """The agent asks for an optional parameter (its default will do) or a missing required one."""
    task = rng.choice(TASKS)
    values = _values(rng, task.required)
    if optional:
        asked = rng.choice(task.optional)
    else:
        asked = rng.choice(task.required)
        del values[asked.name]
    messages = [_system(task.system), _user(_request(rng, task, values))]
    question = rng.choice(asked.asks)
    draft = _question_draft("optional_default" if optional else "required_missing",
                            "given" if optional else "missing", optional, task, messages,
                            question, [task.tool_def()], asked.name)  # fmt: skip
    if optional:
        draft.pattern = "needless_question"
        draft.extra["default"] = asked.default
    return draft


DEFAULTS = [
    (lambda r: t_default(r, True), 16),
    (lambda r: t_default(r, False), 12),
]
