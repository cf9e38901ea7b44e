from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from agentguard import InputError
from agentguard.evaluation.harness.suite import Suite, parse_case
from agentguard.evaluation.public.adapters import PUBLIC_SETS, PublicSuite, load_public

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_data = pytest.mark.skipif(
    not DATA.exists(), reason="public sets not present at ../shared/data"
)


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(r if isinstance(r, str) else json.dumps(r) + "\n" for r in rows))
    return path


QA = [
    {
        "knowledge": "The Lumen Bridge opened in 1931 and spans the Varda river.",
        "question": "When did the Lumen Bridge open?",
        "right_answer": "1931",
        "hallucinated_answer": "The Lumen Bridge opened to traffic in 1952.",
    },
    {
        "knowledge": "Mira Tal wrote the novel Salt Roads.",
        "question": "Who wrote Salt Roads?",
        "right_answer": "Mira Tal wrote it.",
        "hallucinated_answer": "Salt Roads was written by Jon Ek.",
    },
]
DIALOGUE = [
    {
        "knowledge": "Night Harbor is directed by Ana Rey. Night Harbor stars Leo Park.",
        "dialogue_history": "[Human]: Do you like Night Harbor? [Assistant]: Yes, I liked "
        "[Night Harbor] a lot. [Human]: Who directed it? ",
        "right_response": "Ana Rey directed it.",
        "hallucinated_response": "It was directed by Leo Park.",
    },
    {
        "knowledge": "Blue Fern is a jazz album.",
        "dialogue_history": "[Assistant]: Do you like jazz?[Human]:Yes, Blue Fern!",
        "right_response": "Blue Fern is a fine jazz album.",
        "hallucinated_response": "Blue Fern is a punk album from 1977.",
    },
]


def faith_sample(sample_id: int, labels: list[list[str]]) -> dict[str, Any]:
    summary = "The museum opened in 1990 and has three floors."
    return {
        "sample_id": sample_id,
        "source": "The city museum opened in 1990. It has three floors of exhibits.",
        "summary": summary,
        "annotations": [
            {"label": lab, "summary_start": 4, "summary_end": 10, "summary_span": "museum"}
            for lab in labels
        ],
        "metadata": {"summarizer": "some-llm", "hhem-2.1": 0.4, "gpt_4o": 1, "raw_sample_id": 7},
    }


def write_faithbench(root: Path, batches: dict[int, list[dict[str, Any]]]) -> None:
    folder = root / "faithbench"
    folder.mkdir(parents=True, exist_ok=True)
    for n, samples in batches.items():
        (folder / f"batch_{n}.json").write_text(json.dumps({"samples": samples}))


FS_DOCS = [
    {
        "name": "cd",
        "description": "Change the current directory.",
        "parameters": {
            "type": "dict",
            "properties": {"folder": {"type": "string", "description": "Folder to enter."}},
            "required": ["folder"],
        },
    },
    {
        "name": "tail",
        "description": "Show the last lines of a file.",
        "parameters": {
            "type": "dict",
            "properties": {
                "file_name": {"type": "string", "description": "The file."},
                "lines": {"type": "integer", "description": "How many.", "default": 10},
            },
            "required": ["file_name"],
        },
    },
    {
        "name": "mv",
        "description": "Move a file.",
        "parameters": {
            "type": "dict",
            "properties": {
                "source": {"type": "string", "description": "From."},
                "destination": {"type": "string", "description": "To."},
                "ratio": {"type": "float", "description": "Unused."},
                "span": {"type": "tuple", "description": "Unused.", "items": {"type": "float"}},
                "extra": {"type": "any", "description": "Anything."},
            },
            "required": ["source", "destination"],
        },
        "response": {"type": "dict", "properties": {"result": {"type": "string"}}},
    },
]
STATE = {"GorillaFileSystem": {"root": {"docs": {"type": "directory", "contents": {}}}}}


def bfcl_entry(n: int, kind: str, turns: list[str]) -> dict[str, Any]:
    return {
        "id": f"multi_turn_{kind}_{n}",
        "question": [[{"role": "user", "content": t}] for t in turns],
        "initial_config": STATE,
        "path": [],
        "involved_classes": ["GorillaFileSystem"],
    }


def write_bfcl(root: Path, kind: str, dialogues: list[tuple[list[str], list[list[str]]]]) -> None:
    folder = root / "bfcl"
    write_jsonl(folder / "multi_turn_func_doc" / "gorilla_file_system.json", FS_DOCS)
    write_jsonl(
        folder / f"BFCL_v4_multi_turn_{kind}.json",
        [bfcl_entry(n, kind, turns) for n, (turns, _) in enumerate(dialogues)],
    )
    write_jsonl(
        folder / "possible_answer" / f"BFCL_v4_multi_turn_{kind}.json",
        [
            {"id": f"multi_turn_{kind}_{n}", "ground_truth": gt}
            for n, (_, gt) in enumerate(dialogues)
        ],
    )


MISS = [
    (
        ["Go to the docs folder.", "Show the last lines of report.txt.", "Make it 20 lines."],
        [["cd(folder='docs')"], [], ["tail('report.txt', lines=20)"]],
    ),
    (
        ["Go to the docs folder.", "Show me some file.", "The one I like best."],
        [["cd(folder='docs')"], [], ["tail(file_name='notes.txt')"]],
    ),
]


def check_cases(suite: Suite) -> None:
    for case in suite.cases:
        parse_case(case.model_dump(exclude_none=True), case.id)
        assert case.domain is not None and case.domain in PUBLIC_SETS


# Fixture files written here, so these run without the public data.


def test_halueval_qa_cases(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "halueval" / "qa.jsonl", QA)
    suite = load_public("halueval-qa", tmp_path, split="all")
    assert isinstance(suite, PublicSuite)
    check_cases(suite)
    ids = [c.id for c in suite.cases]
    assert ids == [
        "halueval-qa-1-right",
        "halueval-qa-1-hallucinated",
        "halueval-qa-2-right",
        "halueval-qa-2-hallucinated",
    ]
    right, wrong = suite.cases[0], suite.cases[1]
    assert right.documents[0].id == "knowledge"
    assert "1931" in right.documents[0].text
    assert right.messages[0].role == "user" and right.messages[0].text == QA[0]["question"]
    assert right.output is not None and right.output.text == "1931"
    assert (right.gold.action, right.gold.supported, right.gold.others) == ("allow", True, True)
    assert (wrong.gold.action, wrong.gold.supported, wrong.gold.others) == ("retry", False, None)
    assert right.metadata == {"pair": 1, "answer_words": 1}
    assert wrong.metadata == {"pair": 1, "answer_words": 8}
    assert suite.skipped == 0 and suite.notes == ()


def test_halueval_splits_follow_line_numbers(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "halueval" / "qa.jsonl", QA)
    assert len(load_public("halueval-qa", tmp_path, split="train").cases) == 4
    assert load_public("halueval-qa", tmp_path, split="dev").cases == ()
    assert len(load_public("halueval-qa", tmp_path, split="all", limit=3).cases) == 3


def test_halueval_dialogue_turns(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "halueval" / "dialogue.jsonl", DIALOGUE)
    suite = load_public("halueval-dialogue", tmp_path, split="all")
    check_cases(suite)
    first = suite.cases[0]
    assert [(m.role, m.text) for m in first.messages] == [
        ("user", "Do you like Night Harbor?"),
        ("assistant", "Yes, I liked [Night Harbor] a lot."),
        ("user", "Who directed it?"),
    ]
    assert first.output is not None and first.output.text == "Ana Rey directed it."
    assert suite.cases[1].gold.action == "retry"
    opened_by_assistant = suite.cases[2]
    assert [(m.role, m.text) for m in opened_by_assistant.messages] == [
        ("assistant", "Do you like jazz?"),
        ("user", "Yes, Blue Fern!"),
    ]


def test_faithbench_cases_and_split(tmp_path: Path) -> None:
    write_faithbench(
        tmp_path,
        {
            1: [faith_sample(0, [["Benign"]])],
            9: [
                faith_sample(0, [["Questionable"], ["Benign", "Unwanted.Intrinsic"]]),
                faith_sample(1, [["Questionable"]]),
                faith_sample(2, []),
            ],
        },
    )
    dev = load_public("faithbench", tmp_path)
    check_cases(dev)
    assert [c.id for c in dev.cases] == ["faithbench-9-0", "faithbench-9-1", "faithbench-9-2"]
    bad, ok, plain = dev.cases
    assert (bad.gold.action, bad.gold.supported) == ("retry", False)
    assert (ok.gold.action, ok.gold.supported) == ("allow", True)
    assert (plain.gold.action, plain.gold.supported) == ("allow", True)
    assert bad.documents[0].text.startswith("The city museum")
    assert bad.output is not None and bad.output.text.startswith("The museum opened")
    assert bad.metadata["spans"] == [[4, 10, "Questionable"], [4, 10, "Unwanted.Intrinsic"]]
    assert bad.metadata["detectors"] == {"hhem-2.1": 0.4, "gpt_4o": 1}
    assert bad.metadata["summarizer"] == "some-llm"
    assert bad.messages[0].role == "user" and "ummar" in bad.messages[0].text
    train = load_public("faithbench", tmp_path, split="train")
    assert [c.id for c in train.cases] == ["faithbench-1-0"]
    assert len(load_public("faithbench", tmp_path, split="all").cases) == 4


def test_bfcl_miss_param_pair(tmp_path: Path) -> None:
    write_bfcl(tmp_path, "miss_param", MISS)
    suite = load_public("bfcl-miss-param", tmp_path, split="all")
    check_cases(suite)
    assert [c.id for c in suite.cases] == [
        "multi_turn_miss_param_0-missing",
        "multi_turn_miss_param_0-given",
    ]
    missing, given = suite.cases
    # Dialogue 1 names its file only indirectly ("the one I like best"): no exact match.
    assert suite.skipped == 1
    assert "stated only by the turn after" in suite.notes[0]

    assert missing.gold.action == "ask_user" and missing.gold.supported is False
    labels = {(c.tool, c.path): c.supported for c in missing.gold.claims}
    assert labels == {("tail", "file_name"): True, ("tail", "lines"): False}
    assert missing.gold.others is None
    assert missing.metadata["withheld"] == [
        {"tool": "tail", "path": "lines", "value": 20, "in_state": False}
    ]
    # The withheld value is not stated yet, and the output's call id names where it sits.
    assert missing.metadata["unstated"] == [
        {"call_id": "call_2_0", "tool": "tail", "path": "lines"}
    ]
    assert missing.metadata["unmatched"] == ["tail.lines"]
    assert missing.output is not None
    call = missing.output.tool_calls[0]
    assert call.function.name == "tail"
    # The positional argument is named from the schema's parameter order.
    assert json.loads(str(call.function.arguments)) == {"file_name": "report.txt", "lines": 20}
    assert [m.role for m in missing.messages] == ["user", "assistant", "tool", "user"]
    assert missing.messages[1].tool_calls is not None
    assert missing.messages[2].tool_call_id == missing.messages[1].tool_calls[0].id
    assert [d.id for d in missing.documents] == ["initial_state"]

    assert (given.gold.action, given.gold.supported, given.gold.others) == ("allow", True, True)
    assert [m.text for m in given.messages if m.role == "user"][-1] == "Make it 20 lines."
    assert given.output == missing.output
    assert given.metadata["dialogue"] == "multi_turn_miss_param_0"


def test_bfcl_tool_schemas_become_json_schema(tmp_path: Path) -> None:
    write_bfcl(tmp_path, "miss_param", MISS)
    case = load_public("bfcl-miss-param", tmp_path, split="all").cases[0]
    tools = {t.function.name: t.function for t in case.tools}
    assert set(tools) == {"cd", "tail", "mv"}
    mv = tools["mv"].parameters
    assert mv["type"] == "object"
    assert mv["properties"]["ratio"] == {"type": "number", "description": "Unused."}
    assert mv["properties"]["span"]["type"] == "array"
    assert mv["properties"]["span"]["items"] == {"type": "number"}
    assert mv["properties"]["extra"] == {"description": "Anything."}
    assert mv["required"] == ["source", "destination"]
    assert tools["tail"].parameters["properties"]["lines"]["default"] == 10
    assert tools["cd"].description == "Change the current directory."


def test_bfcl_excluded_functions_are_not_offered(tmp_path: Path) -> None:
    write_bfcl(tmp_path, "miss_param", MISS)
    path = tmp_path / "bfcl" / "BFCL_v4_multi_turn_miss_param.json"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[0]["excluded_function"] = ["mv"]
    write_jsonl(path, rows)
    case = load_public("bfcl-miss-param", tmp_path, split="all").cases[0]
    assert {t.function.name for t in case.tools} == {"cd", "tail"}


def test_bfcl_base_every_turn_and_split(tmp_path: Path) -> None:
    base = [
        (
            ["Go to docs.", "Show the last 5 lines of a.txt."],
            [["cd(folder='docs')"], ["tail(file_name='a.txt', lines=5)"]],
        ),
        (["Go to docs.", "Thanks!"], [["cd(folder='docs')"], []]),
    ]
    write_bfcl(tmp_path, "base", base)
    train = load_public("bfcl-base", tmp_path, split="train")
    dev = load_public("bfcl-base", tmp_path, split="dev")
    check_cases(train)
    assert [c.id for c in train.cases] == ["multi_turn_base_0-turn0", "multi_turn_base_0-turn1"]
    assert [c.id for c in dev.cases] == ["multi_turn_base_1-turn0"]
    assert dev.skipped == 1 and "without ground-truth calls" in dev.notes[0]
    second = train.cases[1]
    assert (second.gold.action, second.gold.supported, second.gold.others) == ("allow", True, True)
    assert [m.role for m in second.messages] == ["user", "assistant", "tool", "user"]
    assert second.metadata["unmatched"] == second.metadata["unstated"] == []


# Errors


def test_missing_folder_and_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"does not exist \(pass --data"):
        load_public("halueval-qa", tmp_path / "nowhere")
    with pytest.raises(InputError, match=r"no halueval/qa\.jsonl under .* \(pass --data"):
        load_public("halueval-qa", tmp_path, limit=0)
    with pytest.raises(InputError, match=r"no faithbench/batch_N\.json under"):
        load_public("faithbench", tmp_path)
    with pytest.raises(InputError, match=r"no bfcl/BFCL_v4_multi_turn_base\.json under"):
        load_public("bfcl-base", tmp_path)


def test_unknown_name_lists_the_sets(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        load_public("halueval", tmp_path)
    for name in PUBLIC_SETS:
        assert name in str(err.value)
    with pytest.raises(InputError, match="unknown split"):
        load_public("halueval-qa", tmp_path, split="test")  # type: ignore[arg-type]


def test_malformed_halueval_lines(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "halueval" / "qa.jsonl", [*QA, "{not json\n"])
    with pytest.raises(InputError, match=re.escape(f"{path}:3") + ": not JSON"):
        load_public("halueval-qa", tmp_path, split="all")
    # The first two lines are fine: a limit that stops before the bad line loads them.
    assert len(load_public("halueval-qa", tmp_path, split="all", limit=4).cases) == 4
    broken = {k: v for k, v in QA[0].items() if k != "right_answer"}
    write_jsonl(tmp_path / "halueval" / "qa.jsonl", [QA[0], broken])
    with pytest.raises(InputError, match=re.escape(f"{path}:2: right_answer") + ": missing"):
        load_public("halueval-qa", tmp_path, split="all")
    write_jsonl(tmp_path / "halueval" / "qa.jsonl", [{**QA[0], "question": 7}])
    with pytest.raises(InputError, match=r":1: question: must be a non-empty string"):
        load_public("halueval-qa", tmp_path, split="all")


def test_malformed_faithbench_span(tmp_path: Path) -> None:
    sample = faith_sample(0, [["Unwanted"]])
    sample["annotations"][0]["summary_end"] = 999
    write_faithbench(tmp_path, {9: [sample]})
    with pytest.raises(InputError, match=r"batch_9\.json: samples\[0\]\.annotations\[0\]"):
        load_public("faithbench", tmp_path)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("tail(file_name=open('x').read())", "is not a literal"),
        ("rm(file_name='a.txt')", "'rm', which is not one of the dialogue's tools"),
        ("tail(", "not a Python call"),
    ],
)
def test_malformed_bfcl_calls(tmp_path: Path, call: str, message: str) -> None:
    write_bfcl(tmp_path, "base", [(["Show a.txt."], [[call]])])
    with pytest.raises(InputError, match=r"ground_truth\[0\]\[0\]") as err:
        load_public("bfcl-base", tmp_path, split="all")
    assert message in str(err.value)


def test_bfcl_unknown_class_and_missing_answer(tmp_path: Path) -> None:
    write_bfcl(tmp_path, "base", [(["Go to docs."], [["cd(folder='docs')"]])])
    path = tmp_path / "bfcl" / "BFCL_v4_multi_turn_base.json"
    entry = json.loads(path.read_text())
    write_jsonl(path, [{**entry, "involved_classes": ["SpaceAPI"]}])
    with pytest.raises(InputError, match=r":1: involved_classes: unknown class 'SpaceAPI'"):
        load_public("bfcl-base", tmp_path, split="all")
    write_jsonl(path, [{**entry, "id": "multi_turn_base_9"}])
    with pytest.raises(InputError, match="no ground truth for 'multi_turn_base_9'"):
        load_public("bfcl-base", tmp_path, split="all")


# The real public sets


@pytest.fixture(scope="module")
def dev_suites() -> dict[str, tuple[PublicSuite, float]]:
    out = {}
    for name in PUBLIC_SETS:
        start = time.perf_counter()
        suite = load_public(name, DATA, split="dev")
        out[name] = (suite, time.perf_counter() - start)
    return out


@needs_data
def test_dev_loads_in_seconds(dev_suites: dict[str, tuple[PublicSuite, float]]) -> None:
    for name, (suite, seconds) in dev_suites.items():
        assert suite.cases, name
        assert seconds < 5.0, f"{name} dev took {seconds:.1f} s"


@needs_data
def test_halueval_dev_is_lines_6001_to_8000(
    dev_suites: dict[str, tuple[PublicSuite, float]],
) -> None:
    for name in ("halueval-qa", "halueval-dialogue"):
        suite = dev_suites[name][0]
        assert len(suite.cases) == 4000
        pairs = [c.metadata["pair"] for c in suite.cases]
        assert min(pairs) == 6001 and max(pairs) == 8000
        assert sum(c.gold.supported is True for c in suite.cases) == 2000
        assert all(c.messages and c.documents for c in suite.cases)


@needs_data
def test_faithbench_dev_is_batches_9_to_12(
    dev_suites: dict[str, tuple[PublicSuite, float]],
) -> None:
    suite = dev_suites["faithbench"][0]
    assert {c.metadata["batch"] for c in suite.cases} == {9, 10, 11, 12}
    assert len(suite.cases) == 200
    hallucinated = [c for c in suite.cases if c.gold.supported is False]
    assert 0 < len(hallucinated) < len(suite.cases)
    for case in hallucinated:
        assert any(label.startswith("Unwanted") for _, _, label in case.metadata["spans"])
    for case in suite.cases:
        assert case.output is not None
        for start, end, _ in case.metadata["spans"]:
            assert 0 <= start <= end <= len(case.output.text)
        assert "hhem-2.1" in case.metadata["detectors"]


@needs_data
def test_bfcl_dev_uses_odd_dialogues(dev_suites: dict[str, tuple[PublicSuite, float]]) -> None:
    for name in ("bfcl-miss-param", "bfcl-base"):
        suite = dev_suites[name][0]
        for case in suite.cases:
            assert int(case.metadata["dialogue"].rsplit("_", 1)[1]) % 2 == 1
    miss = dev_suites["bfcl-miss-param"][0]
    assert len(miss.cases) % 2 == 0
    assert miss.skipped + len(miss.cases) // 2 == 100  # each dialogue: a pair or a skip
    assert miss.notes and all("skipped" in n for n in miss.notes)
    for missing, given in zip(miss.cases[::2], miss.cases[1::2], strict=True):
        assert missing.id.endswith("-missing") and given.id.endswith("-given")
        assert missing.output == given.output
        assert missing.gold.action == "ask_user" and given.gold.action == "allow"
        assert missing.metadata["withheld"]
        assert len(given.messages) > len(missing.messages)
    flagged = [c for c in miss.cases[::2] if any(not g.supported for g in c.gold.claims)]
    assert len(flagged) > 0.8 * len(miss.cases) / 2


@needs_data
def test_real_train_split_and_limit() -> None:
    train = load_public("halueval-qa", DATA, split="train")
    assert len(train.cases) == 12000
    assert max(c.metadata["pair"] for c in train.cases) == 6000
    for name in PUBLIC_SETS:
        assert len(load_public(name, DATA, split="dev", limit=10).cases) == 10
    base_train = load_public("bfcl-base", DATA, split="train")
    assert all(int(c.metadata["dialogue"].rsplit("_", 1)[1]) % 2 == 0 for c in base_train.cases)
