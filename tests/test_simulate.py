from __future__ import annotations

import io
import json
import math
import subprocess
import sys

import pytest

from agentguard import Policy, PolicyError, TextResolver, load_policy
from agentguard.evaluation.simulation.simulate import (
    POLICIES,
    REWARDS,
    SCENARIOS,
    PolicyStats,
    main,
    render_table,
    simulate,
    simulation_policy,
)

RATES = (
    "ask_rate",
    "silent_assumption_rate",
    "redundant_question_rate",
    "tool_rate",
    "error_rate",
)


def _row(stats: list[PolicyStats], scenario: str, policy: str) -> PolicyStats:
    (found,) = [s for s in stats if s.scenario == scenario and s.policy == policy]
    return found


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def balanced() -> list[PolicyStats]:
    return simulate()


@pytest.fixture(scope="module")
def strict() -> list[PolicyStats]:
    return simulate(policy="strict")


def test_one_row_per_scenario_and_policy_then_all(balanced: list[PolicyStats]) -> None:
    assert [(s.scenario, s.policy) for s in balanced] == [
        (scenario, policy) for scenario in (*SCENARIOS, "all") for policy in POLICIES
    ]
    assert {s.episodes for s in balanced if s.scenario != "all"} == {300}
    assert {s.episodes for s in balanced if s.scenario == "all"} == {900}


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    assert simulate(n=60, seed=3) == simulate(n=60, seed=3)
    assert simulate(n=60, seed=3) != simulate(n=60, seed=4)


def test_rates_are_shares_and_rewards_stay_in_the_cost_table(balanced: list[PolicyStats]) -> None:
    lowest = REWARDS.wrong - REWARDS.ask - REWARDS.tool
    for s in balanced:
        for rate in RATES:
            value = getattr(s, rate)
            assert not math.isnan(value) and 0.0 <= value <= 1.0, (s, rate)
        assert lowest <= s.reward <= REWARDS.correct
        # Every redundant question is a question.
        assert s.redundant_question_rate <= s.ask_rate


def test_bc_guesses_the_hidden_fact_and_the_monitor_asks_instead(
    balanced: list[PolicyStats],
) -> None:
    bc = _row(balanced, "hidden_fact", "bc")
    guarded = _row(balanced, "hidden_fact", "bc+monitor")
    assert bc.silent_assumption_rate > 0.3
    assert bc.ask_rate == 0.0
    assert bc.error_rate > 0.3
    assert guarded.silent_assumption_rate < bc.silent_assumption_rate - 0.3
    assert guarded.error_rate < bc.error_rate - 0.3
    assert guarded.ask_rate > 0.3
    assert guarded.reward > bc.reward + 1.0


def test_bc_asks_what_it_was_told_and_the_monitor_uses_the_context(
    balanced: list[PolicyStats], strict: list[PolicyStats]
) -> None:
    bc = _row(balanced, "reverse", "bc")
    assert bc.redundant_question_rate == 1.0 and bc.ask_rate == 1.0
    assert _row(balanced, "reverse", "optimal").ask_rate == 0.0
    for stats in (balanced, strict):
        guarded = _row(stats, "reverse", "bc+monitor")
        assert guarded.flagged_redundant is not None and guarded.flagged_redundant > 0
        # Every recognised question is kept from the user, and none wrongly.
        assert guarded.used_context == guarded.flagged_redundant
        assert guarded.wrongly_suppressed == 0
        # The questions not recognised still go out, and count as redundant.
        unrecognised = (guarded.episodes - guarded.used_context) / guarded.episodes
        assert guarded.redundant_question_rate == pytest.approx(unrecognised, abs=1e-4)
        assert guarded.ask_rate == guarded.redundant_question_rate
        assert guarded.silent_assumption_rate == 0.0 and guarded.error_rate == 0.0
        expected = 1.0 - REWARDS.ask * unrecognised
        assert guarded.reward == pytest.approx(expected, abs=1e-4)
        assert guarded.reward > bc.reward


def test_the_monitor_counts_apply_to_the_monitor_row_only(balanced: list[PolicyStats]) -> None:
    for s in balanced:
        counts = (s.flagged_redundant, s.used_context, s.wrongly_suppressed)
        if s.policy == "bc+monitor":
            assert all(isinstance(c, int) and 0 <= c <= s.episodes for c in counts), s
        else:
            assert counts == (None, None, None), s
    guarded = {s.scenario: s for s in balanced if s.policy == "bc+monitor"}
    for field in ("flagged_redundant", "used_context", "wrongly_suppressed"):
        per_scenario = sum(getattr(guarded[name], field) for name in SCENARIOS)
        assert getattr(guarded["all"], field) == per_scenario
    # BC never asks in these two: nothing there is a redundant question.
    assert guarded["hidden_fact"].flagged_redundant == 0
    assert guarded["calculator"].flagged_redundant == 0


def _balanced_with(redundant_question: str) -> Policy:
    return load_policy("balanced").model_copy(update={"redundant_question": redundant_question})


def test_retry_also_proceeds_with_the_context_and_annotate_lets_questions_out(
    balanced: list[PolicyStats],
) -> None:
    used = _row(balanced, "reverse", "bc+monitor")
    retry = _row(simulate(policy=_balanced_with("retry")), "reverse", "bc+monitor")
    # A regenerated reply uses the context too: the same outcome, without `use_context`.
    assert (retry.reward, retry.redundant_question_rate) == (
        used.reward,
        used.redundant_question_rate,
    )
    assert retry.flagged_redundant == used.flagged_redundant and retry.used_context == 0
    annotate = _row(simulate(policy=_balanced_with("annotate")), "reverse", "bc+monitor")
    assert annotate.flagged_redundant == used.flagged_redundant
    assert annotate.used_context == 0 and annotate.redundant_question_rate == 1.0
    assert annotate.reward == _row(balanced, "reverse", "bc").reward


def test_bc_answers_arithmetic_wrong_and_the_monitor_sends_it_to_the_calculator(
    balanced: list[PolicyStats],
) -> None:
    bc = _row(balanced, "calculator", "bc")
    guarded = _row(balanced, "calculator", "bc+monitor")
    optimal = _row(balanced, "calculator", "optimal")
    assert bc.error_rate > 0.15 and bc.tool_rate == 0.0
    assert guarded.error_rate < 0.05
    assert guarded.tool_rate > 0.5
    # Results the user already stated are confirmed without a calculator.
    assert guarded.tool_rate < 1.0
    # The optimal policy answers the easy ones itself: fewer calls than the monitor makes.
    assert 0.0 < optimal.silent_assumption_rate < bc.silent_assumption_rate
    assert optimal.tool_rate < guarded.tool_rate


@pytest.mark.parametrize("seed", [0, 1])
def test_the_monitor_comes_close_to_optimal_and_beats_bc(seed: int) -> None:
    stats = simulate(seed=seed)
    rewards = {s.policy: s.reward for s in stats if s.scenario == "all"}
    assert rewards["bc+monitor"] > rewards["bc"] + 1.0
    # The monitor asks exactly where optimal does, and in `reverse` goes on with the context.
    for scenario in ("hidden_fact", "reverse"):
        optimal = _row(stats, scenario, "optimal").reward
        assert optimal - 0.05 <= _row(stats, scenario, "bc+monitor").reward <= optimal
    # What is left is the calculator on the easiest products, which optimal answers itself
    # (expected +0.95 against +0.90): a gap smaller than the sampling noise of one seed.
    assert abs(rewards["optimal"] - rewards["bc+monitor"]) <= 0.02


def test_the_monitor_policy_gets_a_calculator_unless_it_names_its_own() -> None:
    policy = simulation_policy("balanced")
    assert policy.text_resolvers["number"].tool == "calculator"
    assert policy.text_resolvers["number"].cost_tool == REWARDS.tool
    own = load_policy("balanced").model_copy(
        update={"text_resolvers": {"number": TextResolver(tool="abacus")}}
    )
    assert simulation_policy(own).text_resolvers["number"].tool == "abacus"


def test_table_has_a_header_and_one_aligned_line_per_row(balanced: list[PolicyStats]) -> None:
    table = render_table(balanced)
    lines = table.splitlines()
    assert len(lines) == 2 + len(balanced)
    header = lines[0].split()
    for word in ("scenario", "policy", "reward", "ask", "silent", "redundant", "tool", "error"):
        assert word in header
    for words in ("flagged redundant", "used context", "wrongly suppressed"):
        assert words in lines[0]
    assert set(lines[1]) <= {"-", " "}
    assert len({len(line) for line in lines}) == 1
    bc = _row(balanced, "hidden_fact", "bc")
    assert lines[2].split() == [
        "hidden_fact",
        "bc",
        f"{bc.reward:+.2f}",
        *(f"{getattr(bc, rate):.2f}" for rate in RATES),
        "-",
        "-",
        "-",
    ]
    guarded = _row(balanced, "reverse", "bc+monitor")
    cells = lines[2 + balanced.index(guarded)].split()
    assert cells[-3:] == [
        str(guarded.flagged_redundant),
        str(guarded.used_context),
        str(guarded.wrongly_suppressed),
    ]


def test_cli_prints_the_table(balanced: list[PolicyStats]) -> None:
    code, out, err = _run()
    assert code == 0 and err == ""
    assert "300 episodes per scenario, seed 0, monitor policy balanced" in out
    assert render_table(balanced) in out


def test_cli_json_rows_match_simulate() -> None:
    code, out, _ = _run("--n", "20", "--seed", "5", "--policy", "strict", "--json")
    assert code == 0
    body = json.loads(out)
    assert body["n"] == 20 and body["seed"] == 5 and body["policy"] == "strict"
    assert body["rewards"]["wrong"] == REWARDS.wrong
    assert [PolicyStats(**row) for row in body["rows"]] == simulate(20, 5, "strict")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--n", "0"), "n: episodes per scenario must be a positive integer, got 0"),
        (("--n", "-5"), "got -5"),
        (("--policy", "nope"), "unknown policy 'nope'"),
        (("--policy", "missing.yaml"), "missing.yaml: no such policy file"),
    ],
)
def test_cli_bad_arguments_exit_2_with_a_clear_error(argv: tuple[str, ...], message: str) -> None:
    code, out, err = _run(*argv)
    assert code == 2 and out == ""
    assert err.startswith("agentguard simulate: error: ") and message in err


def test_cli_unparsable_arguments_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--n", "many"])
    assert exc.value.code == 2
    assert "--n: invalid int value: 'many'" in capsys.readouterr().err


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_simulate_rejects_a_bad_episode_count(n: object) -> None:
    with pytest.raises(ValueError, match="episodes per scenario must be a positive integer"):
        simulate(n=n)  # type: ignore[arg-type]


def test_simulate_rejects_an_unknown_policy() -> None:
    with pytest.raises(PolicyError, match="unknown policy 'nope'"):
        simulate(n=5, policy="nope")


def test_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "agentguard.evaluation.simulation.simulate", "--n", "20"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].split()[:3] == ["scenario", "policy", "reward"]
