"""Checking on Ray gives the reports `agentguard check --json --jsonl` gives, and resumes."""

from __future__ import annotations

import functools
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip(
    "ray", reason="the Ray backend needs the extra: pip install 'agentguard[ray]'"
)
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from agentguard.cli import main  # noqa: E402
from agentguard.errors import InputError  # noqa: E402
from agentguard.evaluation.harness.suite import load_suite  # noqa: E402
from agentguard.input_files import MAX_RAW_BYTES, raw_inputs  # noqa: E402
from agentguard.scale.check_job import CheckSettings, job_factory  # noqa: E402
from agentguard.scale.pool import OrderedPool, WorkerDied  # noqa: E402
from agentguard.scale.ray import (  # noqa: E402
    RayPool,
    check_dataset,
    check_files,
    read_inputs,
    read_reports,
)

SUITES = Path(__file__).resolve().parent.parent / "agentguard" / "evaluation" / "suites"
PER_SUITE = 6
"""Cases taken from each bundled suite (a few dozen inputs in all)."""


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@functools.cache
def good_inputs() -> tuple[str, ...]:
    """JSON texts of check inputs built from the bundled suites."""
    texts = []
    for path in sorted(SUITES.glob("*.jsonl")):
        cases = [case for case in load_suite(path).cases if case.output is not None]
        for case in cases[:PER_SUITE]:
            assert case.output is not None
            check_input = case.check_input(case.output.model_dump(exclude_none=True))
            texts.append(json.dumps(check_input, ensure_ascii=False))
    return tuple(texts)


def write_jsonl(path: Path) -> Path:
    """Good inputs with a blank line, a line that is not JSON and one over the size limit."""
    good = good_inputs()
    lines = [*good[:20], "", "{not json", "x" * (MAX_RAW_BYTES + 10), *good[20:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cli_reports(path: Path) -> list[dict[str, Any]]:
    """What `agentguard check --jsonl --json` prints for a file, parsed."""
    out = io.StringIO()
    main(["check", "--jsonl", "--json", str(path)], stdout=out, stderr=io.StringIO())
    return [json.loads(line) for line in out.getvalue().splitlines()]


def same(reports: Any) -> list[dict[str, Any]]:
    """Reports without what differs from run to run (`latency_ms`)."""
    return [{k: v for k, v in report.items() if k != "latency_ms"} for report in reports]


def without_where(reports: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "where"} for r in same(reports)]


def test_check_files_gives_the_reports_of_the_cli(local_ray: None, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl")
    result = check_files(str(source), tmp_path / "out", shard_rows=25, progress=False)
    expected = cli_reports(source)
    assert same(read_reports(tmp_path / "out")) == same(expected)
    assert (result.checked, result.errors) == (len(good_inputs()), 2)
    assert (result.shards_done, result.shards_skipped) == (3, 0)
    assert sorted(os.listdir(tmp_path / "out")) == [
        "manifest.json", "part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"
    ]  # fmt: skip
    errors = [r["error"] for r in expected if "error" in r]
    assert [e["where"] for e in errors] == [f"{source}:22:2", f"{source}:23"]
    assert "the limit is" in errors[1]["message"]


def test_parquet_in_and_out_give_the_same_reports(local_ray: None, tmp_path: Path) -> None:
    good = list(good_inputs()[:30])
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("\n".join(good) + "\n", encoding="utf-8")
    parquet = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": range(31), "input": [*good, None]}), parquet, row_group_size=7)
    check_files([str(parquet)], tmp_path / "out", format="parquet", shard_rows=16, progress=False)
    reports = list(read_reports(tmp_path / "out"))
    assert without_where(reports[:-1]) == without_where(cli_reports(jsonl))
    assert [r["where"] for r in reports[:-1]] == [f"{parquet}:{row}" for row in range(1, 31)]
    assert reports[-1]["error"]["where"] == f"{parquet}:31"
    assert "null" in reports[-1]["error"]["message"]
    part = pq.read_table(tmp_path / "out" / "part-00000.parquet")
    assert part.column_names == ["where", "report", "error"]


def test_an_interrupted_run_resumes_with_the_missing_shards(
    local_ray: None, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl")
    out = tmp_path / "out"
    (out / "part-00002.jsonl").mkdir(parents=True)  # its part cannot be written: a crash
    with pytest.raises(Exception, match="part-00002"):
        check_files(str(source), out, shard_rows=12, workers=1, progress=False)
    written = {p.name: p.stat().st_mtime_ns for p in out.glob("part-*.jsonl") if p.is_file()}
    assert "part-00002.jsonl" not in written
    (out / "part-00002.jsonl").rmdir()

    result = check_files(str(source), out, shard_rows=12, progress=False)
    assert result.shards_skipped == len(written)
    shards = json.loads((out / "manifest.json").read_text())["shards"]
    assert len(shards) == -(-(len(good_inputs()) + 3) // 12)  # lines, 12 a shard
    assert result.shards_done == len(shards) - len(written)
    assert {name: (out / name).stat().st_mtime_ns for name in written} == written
    assert same(read_reports(out)) == same(cli_reports(source))


def test_resuming_other_inputs_or_settings_is_refused(local_ray: None, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(good_inputs()[:3]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    check_files(str(source), out, progress=False)
    assert check_files(str(source), out, progress=False).shards_skipped == 1
    with pytest.raises(InputError, match="cannot resume: the settings differ"):
        check_files(str(source), out, policy="strict", progress=False)
    with pytest.raises(InputError, match="cannot resume: the format differs"):
        check_files(str(source), out, format="parquet", progress=False)
    source.write_text("\n".join(good_inputs()[:4]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"cannot resume: the inputs differ \(changed: "):
        check_files(str(source), out, progress=False)
    result = check_files(str(source), out, format="parquet", resume=False, progress=False)
    assert (result.checked, result.shards_done, result.shards_skipped) == (4, 1, 0)
    assert sorted(os.listdir(out)) == ["manifest.json", "part-00000.parquet"]
    assert same(read_reports(out)) == same(cli_reports(source))


def test_check_dataset_keeps_the_order_and_the_reports(local_ray: None, tmp_path: Path) -> None:
    good = list(good_inputs()[:24])
    items = [{"where": f"item {i}", "input": text} for i, text in enumerate([*good, "[1, 2"])]
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    ds = check_dataset(ray.data.from_items(items, override_num_blocks=4), batch_size=5)
    rows = list(ds.iter_rows())
    assert [row["where"] for row in rows] == [item["where"] for item in items]
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("\n".join(good) + "\n", encoding="utf-8")
    reports = [json.loads(row["report"]) for row in rows[:-1]]
    assert without_where(reports) == without_where(cli_reports(jsonl))
    assert reports[0]["where"] == "item 0"
    assert rows[-1]["report"] is None
    assert json.loads(rows[-1]["error"])["error"]["where"] == "item 24:6"


def test_a_read_check_write_pipeline_leaves_the_reads_a_cpu(
    local_ray: None, tmp_path: Path
) -> None:
    """Ray's Parquet reader, `check_dataset`, Ray's Parquet writer: the pipeline of the docs.

    With actors holding every CPU, the read task would wait forever; it runs in a thread
    here so that such a hang fails the test instead of stalling it.
    """
    good = list(good_inputs()[:30])
    pq.write_table(pa.table({"input": good}), tmp_path / "in.parquet", row_group_size=10)
    ray.data.DataContext.get_current().execution_options.preserve_order = True
    done: list[bool] = []

    def pipeline() -> None:
        logs = ray.data.read_parquet(str(tmp_path / "in.parquet"))
        check_dataset(logs, policy="strict").write_parquet(str(tmp_path / "out"))
        done.append(True)

    worker = threading.Thread(target=pipeline, daemon=True)
    worker.start()
    worker.join(180)
    assert done, "the pipeline did not finish in 180 s"
    table = pq.read_table(tmp_path / "out")
    reports = [json.loads(text) for text in table.column("report").to_pylist()]
    assert len(reports) == 30 and {r["policy"] for r in reports} == {"strict"}


def test_read_inputs_locates_lines_as_the_cli_does(local_ray: None, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl")
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    rows = list(check_dataset(read_inputs([str(source)])).iter_rows())
    lines = [row["report"] or row["error"] for row in rows]
    assert same(map(json.loads, lines)) == same(cli_reports(source))


def test_ray_pool_gives_what_the_local_pool_gives(local_ray: None, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl")
    raws = list(raw_inputs([str(source)], True, io.StringIO()))
    batches = [raws[i : i + 7] for i in range(0, len(raws), 7)]
    factory = job_factory(CheckSettings(show="jsonl"))

    def shown(results: Any) -> list[Any]:
        return [
            json.loads(c.shown) | {"latency_ms": 0} if c.bad is None else (c.where, c.bad.message)
            for batch in results
            for c in batch
        ]

    with OrderedPool(factory, 1) as local:
        expected = shown(local.map(batches))
    with RayPool(factory, 2, ahead=1) as pool:
        assert shown(pool.map(batches)) == expected
    assert ray.is_initialized()  # the pool did not start Ray, so it leaves it running


def test_ray_pool_reports_an_actor_that_cannot_start(local_ray: None) -> None:
    factory = job_factory(CheckSettings(policy="no-such-policy"))
    with pytest.raises(WorkerDied, match="could not start"):
        RayPool(factory, 1)


def test_a_parquet_file_without_the_input_column_is_refused(tmp_path: Path) -> None:
    pq.write_table(pa.table({"text": ["{}"]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"input": [1, 2]}), tmp_path / "b.parquet")
    with pytest.raises(InputError, match=r"a\.parquet: no column 'input' of inputs"):
        read_inputs(str(tmp_path / "a.parquet"))
    with pytest.raises(InputError, match=r"b\.parquet: column 'input' holds int64, not strings"):
        check_files([str(tmp_path / "b.parquet")], tmp_path / "out")
    with pytest.raises(InputError, match=r"a\.parquet: no column 'body' of inputs"):
        read_inputs(str(tmp_path / "a.parquet"), column="body")


def test_a_missing_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nowhere\.jsonl: no such file or folder"):
        check_files(str(tmp_path / "nowhere.jsonl"), tmp_path / "out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="a folder holding no"):
        read_inputs(str(tmp_path / "empty"))


def test_agentguard_does_not_import_ray() -> None:
    code = (
        "import sys, agentguard, agentguard.cli, agentguard.scale.pool; print('ray' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def _run_folder(out: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A run's result lines and trace records, without what differs from run to run."""
    results = same(json.loads(line) for line in (out / "results.jsonl").open(encoding="utf-8"))
    records = []
    for line in (out / "trace.jsonl").open(encoding="utf-8"):
        record = json.loads(line)
        if record["kind"] == "report":
            del record["time"], record["writer"], record["report"]["latency_ms"]
            records.append(record)
    return results, records


def test_eval_on_ray_writes_the_run_one_process_writes(local_ray: None, tmp_path: Path) -> None:
    runs = {}
    for engine, workers in (("local", "1"), ("ray", "2")):
        out = tmp_path / engine
        code, err = io.StringIO(), io.StringIO()
        argv = ["eval", "travel", "orders", "--engine", engine, "--workers", workers,
                "--out", str(out), "--no-progress", "--json"]  # fmt: skip
        assert main(argv, stdout=code, stderr=err) == 0, err.getvalue()
        runs[engine] = (*_run_folder(out), json.loads(code.getvalue()))
    assert len(runs["local"][0]) > 100
    assert runs["ray"] == runs["local"]
