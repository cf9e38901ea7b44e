from pathlib import Path

import pytest

from agentguard import Monitor, PolicyError, builtin_policies, load_policy


def test_builtin_policies_load_and_order_by_strictness() -> None:
    assert builtin_policies() == ["balanced", "permissive", "strict"]
    strict, balanced, permissive = (load_policy(n) for n in ("strict", "balanced", "permissive"))
    assert strict.threshold > balanced.threshold > permissive.threshold
    assert strict.fail_mode == "closed"
    assert balanced.fail_mode == permissive.fail_mode == "fallback"


def test_policy_from_a_yaml_path(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(
        "threshold: 0.6\n"
        "tools:\n"
        "  refund_order:\n"
        "    params:\n"
        "      order_id: {must_ground: true, resolver: find_orders, cost_wrong: 50}\n"
    )
    policy = load_policy(path)
    assert policy.name == "shop"
    assert policy.rule("refund_order", "order_id").resolver == "find_orders"
    assert policy.cost_wrong_argument("refund_order", "order_id") == 50
    assert policy.cost_wrong_argument("other", "x") == policy.costs.wrong_argument


def test_unknown_field_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("threshold: 0.5\ncosts:\n  ask_usr: 1.0\n")
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert str(err.value) == f"{path}: costs.ask_usr: unknown field"


def test_wrong_type_names_the_nested_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("tools:\n  book:\n    params:\n      origin: {must_ground: maybe}\n")
    with pytest.raises(
        PolicyError,
        match=r"tools\.book\.params\.origin\.must_ground: Input should be a valid boolean",
    ):
        load_policy(path)


def test_out_of_range_threshold_and_bad_enum(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("threshold: 1.5\n")
    with pytest.raises(PolicyError, match="threshold: Input should be less than 1"):
        load_policy(path)
    path.write_text("contradiction: shrug\n")
    with pytest.raises(PolicyError, match="contradiction: Input should be 'block', 'retry'"):
        load_policy(path)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("threshold: 0.5\ncosts: [1, 2\n")
    with pytest.raises(PolicyError, match=r"bad\.yaml:\d+: not valid YAML"):
        load_policy(path)


def test_non_mapping_and_missing_file_and_unknown_name(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(PolicyError, match="must hold a mapping"):
        load_policy(path)
    with pytest.raises(PolicyError, match="no such policy file"):
        load_policy(tmp_path / "missing.yaml")
    with pytest.raises(PolicyError, match="unknown policy 'lenient'"):
        Monitor("lenient")


def test_the_policy_shown_in_the_docs_loads(tmp_path: Path) -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "policies.md").read_text()
    block = page.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "shop.yaml"
    path.write_text(block)
    policy = load_policy(path)
    assert policy.name == "shop"
    assert policy.rule("refund_order", "order_id").resolver == "find_orders"
    assert policy.cost_wrong_argument("refund_order", "reason") == 20
    assert policy.rule("book_flight", "passengers[].name").cost_wrong == 50
    assert policy.rule("any_tool", "locale").may_default
