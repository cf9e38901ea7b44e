from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from agentguard import InputError
from agentguard.evaluation.harness.suite import EvalCase, parse_case
from agentguard.evaluation.public.adapters import PUBLIC_SETS, load_public
from agentguard.types import Flag

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_data = pytest.mark.skipif(
    not DATA.exists(), reason="public sets not present at ../shared/data"
)
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(r if isinstance(r, str) else json.dumps(r) + "\n" for r in rows))
    return path


def tool(name: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "description": f"The {name} tool.",
        "parameters": {"type": "dict", "properties": properties, "required": required},
    }


AREA = tool(
    "geometry.triangle_area",
    {
        "base": {"type": "integer", "description": "The base."},
        "height": {"type": "float", "description": "The height."},
        "unit": {"type": "string", "description": "The unit (defaults to 'units')."},
    },
    ["base", "height"],
)
QUERY = tool(
    "database.query",
    {
        "table": {"type": "string", "description": "Table name."},
        "conditions": {
            "type": "array",
            "description": "Conditions.",
            "items": {
                "type": "dict",
                "properties": {
                    "field": {"type": "string", "description": "Field."},
                    "value": {"type": "string", "description": "Value."},
                },
            },
        },
        "limit": {"type": "integer", "description": "At most this many.", "default": 50},
        "verbose": {"type": "boolean", "description": "Say more.", "default": False},
        "span": {"type": "tuple", "description": "Range.", "items": {"type": "integer"}},
        "extra": {"type": "any", "description": "Anything."},
    },
    ["table"],
)
NOOP = tool("noop", {"level": {"type": "integer", "description": "Level.", "default": 1}}, [])
CIRCLE = tool("circle_area", {"radius": {"type": "float", "description": "Radius."}}, ["radius"])

SIMPLE = [  # (request, tool, ground truth of the tool's call)
    (
        "Triangle area with base 10 units and height 5 units.",
        AREA,
        {"base": [10], "height": [5.0, 5], "unit": ["units", ""]},
    ),
    (
        "Find users whose job is engineer in table users, at most 10 rows, from 1 to 9.",
        QUERY,
        {
            "table": ["users", "user"],
            "conditions": [[{"field": ["job"], "value": ["engineer", "eng"]}]],
            "limit": ["", 10, 20],
            "verbose": [""],
            "span": [[1, 9]],
        },
    ),
    ("Do nothing at the usual level.", NOOP, {"level": [""]}),
    ("Triangle area, base 3, height 4.5 in cm.", AREA, {"base": [3], "height": [4.5]}),
]


def write_simple(root: Path, rows: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
    entries, truth = [], []
    for n, (request, doc, params) in enumerate(rows):
        sid = f"simple_python_{n}"
        entries.append(
            {"id": sid, "question": [[{"role": "user", "content": request}]], "function": [doc]}
        )
        truth.append({"id": sid, "ground_truth": [{doc["name"]: params}]})
    write_jsonl(root / "bfcl" / "BFCL_v4_simple_python.json", entries)
    write_jsonl(root / "bfcl" / "possible_answer" / "BFCL_v4_simple_python.json", truth)


def write_multiple(root: Path) -> None:
    requests = ["Area of a circle of radius 2.5.", "Area of a circle of radius 7."]
    entries = [
        {
            "id": f"multiple_{n}",
            "question": [[{"role": "user", "content": text}]],
            "function": [AREA, CIRCLE],
        }
        for n, text in enumerate(requests)
    ]
    truth = [
        {"id": "multiple_0", "ground_truth": [{"circle_area": {"radius": [2.5]}}]},
        {"id": "multiple_1", "ground_truth": [{"circle_area": {"radius": [7.0, 7]}}]},
    ]
    write_jsonl(root / "bfcl" / "BFCL_v4_multiple.json", entries)
    write_jsonl(root / "bfcl" / "possible_answer" / "BFCL_v4_multiple.json", truth)


def arguments(case: EvalCase) -> tuple[str, dict[str, Any]]:
    assert case.output is not None and len(case.output.tool_calls) == 1
    call = case.output.tool_calls[0].function
    return call.name, json.loads(str(call.arguments))


def valid(case: EvalCase) -> None:
    parse_case(case.model_dump(exclude_none=True), case.id)
    assert case.domain in PUBLIC_SETS
    assert (case.gold.action, case.gold.supported, case.gold.others) == ("allow", True, True)
    assert case.gold.claims == []


# Fixture files written here, so these run without the public data.


def test_registered_with_descriptions() -> None:
    assert "simple_python" in PUBLIC_SETS["bfcl-simple"]
    assert "multiple" in PUBLIC_SETS["bfcl-multiple"]


def test_simple_cases_first_allowed_value(tmp_path: Path) -> None:
    write_simple(tmp_path, SIMPLE)
    suite = load_public("bfcl-simple", tmp_path, split="all")
    assert [c.id for c in suite.cases] == ["simple_python_0", "simple_python_1", "simple_python_3"]
    for case in suite.cases:
        valid(case)
    area, query, other = suite.cases
    assert area.domain == "bfcl-simple"
    assert [(m.role, m.text) for m in area.messages] == [("user", SIMPLE[0][0])]
    # The first allowed value wins: 5.0 over 5, "units" over leaving it out.
    assert arguments(area) == (
        "geometry.triangle_area",
        {"base": 10, "height": 5.0, "unit": "units"},
    )
    # "" first: the first other value; only "": left out; nested allowed values resolved too.
    assert arguments(query) == (
        "database.query",
        {
            "table": "users",
            "conditions": [{"field": "job", "value": "engineer"}],
            "limit": 10,
            "span": [1, 9],
        },
    )
    assert isinstance(arguments(area)[1]["height"], float)
    assert arguments(other)[1] == {"base": 3, "height": 4.5}
    assert area.metadata == {
        "entry": "simple_python_0",
        "unmatched": [],
        "unstated": [],
        "omissible": ["geometry.triangle_area.unit"],
    }
    assert query.metadata["omissible"] == ["database.query.limit"]
    assert query.metadata["unmatched"] == []  # users, job, engineer, 10, 1, 9: all in the request
    assert suite.skipped == 1
    assert suite.notes == (
        "bfcl-simple: skipped 1 (every ground-truth argument may be left out: the call has no "
        "argument)",
    )


def test_tool_schemas_become_json_schema(tmp_path: Path) -> None:
    write_simple(tmp_path, SIMPLE)
    query = load_public("bfcl-simple", tmp_path, split="all").cases[1]
    (definition,) = query.tools
    assert definition.type == "function" and definition.function.name == "database.query"
    params = definition.function.parameters
    assert params["type"] == "object" and params["required"] == ["table"]
    props = params["properties"]
    assert props["conditions"]["items"]["type"] == "object"
    assert props["span"]["type"] == "array" and props["span"]["items"] == {"type": "integer"}
    assert props["extra"] == {"description": "Anything."}
    assert props["limit"]["default"] == 50 and props["verbose"]["type"] == "boolean"


def test_multiple_offers_every_tool(tmp_path: Path) -> None:
    write_multiple(tmp_path)
    suite = load_public("bfcl-multiple", tmp_path, split="all")
    assert [c.id for c in suite.cases] == ["multiple_0", "multiple_1"]
    for case in suite.cases:
        valid(case)
        assert case.domain == "bfcl-multiple"
        assert [t.function.name for t in case.tools] == ["geometry.triangle_area", "circle_area"]
    assert arguments(suite.cases[0]) == ("circle_area", {"radius": 2.5})
    assert arguments(suite.cases[1]) == ("circle_area", {"radius": 7.0})
    assert suite.skipped == 0 and suite.notes == ()


def test_split_by_id_suffix_and_limit(tmp_path: Path) -> None:
    write_simple(tmp_path, SIMPLE)
    write_multiple(tmp_path)
    train = load_public("bfcl-simple", tmp_path, split="train")
    dev = load_public("bfcl-simple", tmp_path, split="dev")
    assert [c.id for c in train.cases] == ["simple_python_0"]
    assert train.skipped == 1  # simple_python_2, even, has no argument
    assert [c.id for c in dev.cases] == ["simple_python_1", "simple_python_3"]
    assert dev.skipped == 0
    assert [c.id for c in load_public("bfcl-simple", tmp_path).cases] == [
        "simple_python_1",
        "simple_python_3",
    ]  # dev is the default
    assert [c.id for c in load_public("bfcl-multiple", tmp_path, split="train").cases] == [
        "multiple_0"
    ]
    assert [c.id for c in load_public("bfcl-multiple", tmp_path, split="dev").cases] == [
        "multiple_1"
    ]
    assert [c.id for c in load_public("bfcl-simple", tmp_path, split="dev", limit=1).cases] == [
        "simple_python_1"
    ]


# Errors


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no bfcl/BFCL_v4_multiple\.json under .* \(pass --data"):
        load_public("bfcl-multiple", tmp_path, limit=0)
    write_simple(tmp_path, SIMPLE)
    (tmp_path / "bfcl" / "possible_answer" / "BFCL_v4_simple_python.json").unlink()
    with pytest.raises(InputError, match=r"no bfcl/possible_answer/BFCL_v4_simple_python\.json"):
        load_public("bfcl-simple", tmp_path)


def test_bad_json_lines_name_file_and_line(tmp_path: Path) -> None:
    write_simple(tmp_path, SIMPLE)
    entries = tmp_path / "bfcl" / "BFCL_v4_simple_python.json"
    lines = entries.read_text().splitlines(keepends=True)
    write_jsonl(entries, [*lines[:2], "{not json\n"])
    with pytest.raises(InputError, match=re.escape(f"{entries}:3") + ": not JSON"):
        load_public("bfcl-simple", tmp_path, split="all")
    write_simple(tmp_path, SIMPLE)
    truth = tmp_path / "bfcl" / "possible_answer" / "BFCL_v4_simple_python.json"
    write_jsonl(truth, [*truth.read_text().splitlines(keepends=True), "[1, 2]\n"])
    with pytest.raises(InputError, match=re.escape(f"{truth}:5") + ": must be an object"):
        load_public("bfcl-simple", tmp_path, split="all")


def test_missing_ground_truth_names_the_entry(tmp_path: Path) -> None:
    write_simple(tmp_path, SIMPLE)
    truth = tmp_path / "bfcl" / "possible_answer" / "BFCL_v4_simple_python.json"
    write_jsonl(truth, truth.read_text().splitlines(keepends=True)[:1])
    entries = tmp_path / "bfcl" / "BFCL_v4_simple_python.json"
    with pytest.raises(InputError) as err:
        load_public("bfcl-simple", tmp_path, split="all")
    assert str(err.value) == (f"{entries}:2: id: no ground truth for 'simple_python_1' in {truth}")


def rewrite_truth(root: Path, line: int, ground_truth: Any) -> Path:
    truth = root / "bfcl" / "possible_answer" / "BFCL_v4_simple_python.json"
    rows = [json.loads(x) for x in truth.read_text().splitlines()]
    rows[line - 1]["ground_truth"] = ground_truth
    return write_jsonl(truth, rows)


@pytest.mark.parametrize(
    ("ground_truth", "where", "what"),
    [
        (
            [{"geometry.area": {"base": [10]}}],
            "ground_truth[0]",
            "calls 'geometry.area', not one of the entry's tools (geometry.triangle_area)",
        ),
        (
            [{"geometry.triangle_area": {"base": [10], "depth": [2]}}],
            "ground_truth[0].geometry.triangle_area.depth",
            "is not a parameter of geometry.triangle_area",
        ),
        (
            [{"geometry.triangle_area": {"base": []}}],
            "ground_truth[0].geometry.triangle_area.base",
            "must be a non-empty list of allowed values",
        ),
        (
            [{"geometry.triangle_area": {"base": [10]}, "circle_area": {}}],
            "ground_truth[0]",
            "must be an object with one function name",
        ),
        ([], "ground_truth", "must be a non-empty list of calls"),
    ],
)
def test_malformed_ground_truth(tmp_path: Path, ground_truth: Any, where: str, what: str) -> None:
    write_simple(tmp_path, SIMPLE)
    truth = rewrite_truth(tmp_path, 1, ground_truth)
    with pytest.raises(InputError) as err:
        load_public("bfcl-simple", tmp_path, split="all")
    assert str(err.value) == f"{truth}:1: {where}: {what}"


def test_malformed_entries(tmp_path: Path) -> None:
    write_simple(tmp_path, SIMPLE)
    entries = tmp_path / "bfcl" / "BFCL_v4_simple_python.json"
    rows = [json.loads(x) for x in entries.read_text().splitlines()]
    write_jsonl(entries, [{**rows[0], "id": "simple_python_x"}])
    with pytest.raises(InputError, match=r":1: id: 'simple_python_x' has no numeric suffix"):
        load_public("bfcl-simple", tmp_path, split="all")
    write_jsonl(entries, [{**rows[0], "function": []}])
    with pytest.raises(InputError, match=r":1: function: must be a non-empty list of tool docs"):
        load_public("bfcl-simple", tmp_path, split="all")
    write_jsonl(entries, [{**rows[0], "question": "Area?"}])
    with pytest.raises(InputError, match=r":1: question: must be a non-empty list of turns"):
        load_public("bfcl-simple", tmp_path, split="all")


# The quality benchmark's BFCL section


def _benchmark_module(name: str) -> ModuleType:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def test_flagged_paths_of_complete_calls(tmp_path: Path) -> None:
    qs, qf = _benchmark_module("quality_scores"), _benchmark_module("quality_figures")
    write_simple(tmp_path, SIMPLE)
    runs = qs.check_cases(load_public("bfcl-simple", tmp_path, split="all").cases)

    def flag(run: Any, *paths: str) -> Any:
        ids = [c.id for c in run.report.claims if c.kind == "argument" and c.path in paths]
        flags = tuple(
            Flag(type="silent_assumption", claim_id=i, risk=0.9, message="assumed")
            for i in [*ids, *ids]  # two flags on one claim count once
        )
        return qs.Checked(run.case, run.report.model_copy(update={"flags": flags}), run.ms)

    area, query, other = runs
    flagged = [flag(area, "unit", "base"), flag(query, "limit"), flag(other, "base")]
    fig = qf.bfcl_figures(flagged, n_boot=20)
    assert fig["complete_cases"] == 3 and "missing_flagged" not in fig
    assert fig["complete_flagged"].value == 1.0 and fig["complete_flagged"].n == 3
    assert fig["flagged_claims"] == 4
    assert fig["flagged_paths"] == [
        {"path": "base", "count": 2},
        {"path": "limit", "count": 1},
        {"path": "unit", "count": 1},
    ]
    assert qf.top_paths(qf.flagged_path_counts(flagged), top=1) == [{"path": "base", "count": 2}]
    fig = qf.bfcl_figures([flag(area), flag(query, "conditions[0].field")], n_boot=20)
    assert fig["complete_flagged"].value == 0.5
    assert fig["flagged_paths"] == [{"path": "conditions[0].field", "count": 1}]


def test_benchmark_prints_single_turn_sets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    q = _benchmark_module("quality")
    write_simple(tmp_path, SIMPLE)
    write_multiple(tmp_path)
    out = tmp_path / "quality.json"
    sets = ["--sets", "bfcl-simple", "bfcl-multiple"]
    assert q.main(["--data", str(tmp_path), *sets, "--n-boot", "20", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "== BFCL single-turn simple_python (bfcl-simple, dev): 2 cases ==" in printed
    assert "== BFCL single-turn multiple (bfcl-multiple, dev): 1 cases ==" in printed
    assert "bfcl-simple: skipped" not in printed  # the argument-less entry is on train
    assert printed.count("complete calls: any argument flagged") == 3  # two sets and pooled
    assert "== BFCL, pooled (bfcl-simple, bfcl-multiple) ==" in printed
    doc = json.loads(out.read_text())
    pooled = doc["bfcl_pooled"]["complete_flagged"]
    assert pooled["n"] == 3 and "ece" in doc["bfcl_pooled"]
    for name in ("bfcl-simple", "bfcl-multiple"):
        fig = doc["sets"][name]
        assert fig["complete_flagged"]["n"] == fig["n"]
        assert isinstance(fig["flagged_paths"], list)
    # Named sets must be there; unnamed absent ones are reported as not measured.
    (tmp_path / "bfcl" / "BFCL_v4_multiple.json").unlink()
    assert q.main(["--data", str(tmp_path), *sets, "--n-boot", "20"]) == 2
    assert "no bfcl/BFCL_v4_multiple.json" in capsys.readouterr().err


# The real public sets


@needs_data
def test_real_dev_and_train() -> None:
    for name, size in (("bfcl-simple", 200), ("bfcl-multiple", 100)):
        dev = load_public(name, DATA, split="dev")
        train = load_public(name, DATA, split="train")
        assert len(dev.cases) + dev.skipped == size
        assert len(train.cases) + train.skipped == size
        assert len(dev.cases) > 0.9 * size
        for suite, parity in ((dev, 1), (train, 0)):
            for case in suite.cases:
                assert int(case.metadata["entry"].rsplit("_", 1)[1]) % 2 == parity
                assert case.gold.action == "allow" and case.gold.others is True
                tool_name, args = arguments(case)
                assert tool_name in {t.function.name for t in case.tools}
                assert args
                assert "" not in args.values()
        assert len(load_public(name, DATA, split="dev", limit=10).cases) == 10


def test_values_neither_request_nor_schema_states_are_marked_unstated(tmp_path: Path) -> None:
    rows = [("Area of a circle, please.", CIRCLE, {"radius": [2.5]})]
    write_simple(tmp_path, rows)
    (case,) = load_public("bfcl-simple", tmp_path, split="all").cases
    assert case.metadata["unstated"] == [
        {"call_id": "call_0_0", "tool": "circle_area", "path": "radius"}
    ]
    assert case.metadata["unmatched"] == ["circle_area.radius"]
    (call,) = case.output.tool_calls if case.output else ()
    assert call.id == "call_0_0"
