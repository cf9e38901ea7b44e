"""`check_files`: JSONL or Parquet inputs checked on Ray into a resumable folder of reports."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from agentguard.errors import InputError
from agentguard.policy import Policy
from agentguard.progress import Progress
from agentguard.scale.check_job import (
    CheckSettings,
    job_factory,
)
from agentguard.scale.ray_data import (
    actor_pool,
    check_settings,
    items_dataset,
    outcome,
    string_table,
)
from agentguard.scale.ray_session import cluster_cpus, import_ray, ray_session
from agentguard.scale.shards import (
    SHARD_ROWS,
    Format,
    Shard,
    absolute,
    input_files,
    plan_shards,
    shard_raw_inputs,
)

MANIFEST = "manifest.json"


# --- check_files -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckFilesResult:
    """What a `check_files` run did."""

    output: str
    checked: int
    """Inputs checked into a report, in the shards run now."""
    errors: int
    """Inputs that could not be checked (each has its error line), in the shards run now."""
    shards_done: int
    shards_skipped: int
    """Shards whose part an earlier run had written."""
    seconds: float


def part_name(index: int, count: int, fmt: Format) -> str:
    """The part file of shard `index` of `count`: names sort in input order."""
    width = max(5, len(str(count - 1)))
    return f"part-{index:0{width}d}.{fmt}"


def _write_atomically(path: str, write: Callable[[str], None]) -> None:
    """Write a file under a temporary name in its folder, then rename it into place."""
    folder, name = os.path.split(path)
    temporary = os.path.join(folder, f".{name}.{uuid.uuid4().hex}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)


def _write_part(path: str, fmt: Format, wheres: list[str], outcomes: list[Any]) -> None:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        table = string_table(
            {
                "where": wheres,
                "report": [report for report, _ in outcomes],
                "error": [error for _, error in outcomes],
            }
        )
        _write_atomically(path, lambda name: pq.write_table(table, name))
        return
    text = "".join(f"{report or error}\n" for report, error in outcomes)

    def write(name: str) -> None:
        with open(name, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())

    _write_atomically(path, write)


class _ShardChecker:
    """Checks whole shards into their part files (a `map_batches` callable class)."""

    def __init__(self, settings: CheckSettings, output: str, fmt: Format, column: str) -> None:
        self.job = job_factory(settings)()
        self.output = output
        self.fmt = fmt
        self.column = column

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        counts = []
        for descriptor in batch.to_pylist():
            part = str(descriptor.pop("part"))
            counts.append(self._shard(Shard(**descriptor), part))
        return pa.table(
            {
                "checked": [c for c, _, _ in counts],
                "errors": [e for _, e, _ in counts],
                "rows": [r for _, _, r in counts],
            }
        )

    def _shard(self, shard: Shard, part: str) -> tuple[int, int, int]:
        raws = list(shard_raw_inputs(shard, self.column))
        outcomes = [outcome(checked) for checked in self.job.run(raws)]
        _write_part(os.path.join(self.output, part), self.fmt, [r.where for r in raws], outcomes)
        errors = sum(error is not None for _, error in outcomes)
        return len(outcomes) - errors, errors, shard.rows


def _file_identity(path: str) -> dict[str, Any]:
    stat = os.stat(path)
    return {
        "path": path,
        "absolute": absolute(path),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }


def _policy_json(policy: str | Policy) -> Any:
    return policy if isinstance(policy, str) else policy.model_dump(mode="json")


def _settings_json(settings: CheckSettings) -> dict[str, Any]:
    calibration = settings.calibration
    return {
        "policy": _policy_json(settings.policy),
        "calibration": calibration,
        "calibration_file": (
            _file_identity(calibration)
            if calibration is not None and os.path.isfile(calibration)
            else None
        ),
        "policies": {name: _policy_json(p) for name, p in settings.policies},
    }


def _manifest_head(
    files: Sequence[str], settings: CheckSettings, fmt: Format, column: str, shard_rows: int
) -> dict[str, Any]:
    """What a run's manifest records besides its shards: what a resumed run must match."""
    return {
        "agentguard": "check_files",
        "version": 1,
        "inputs": [_file_identity(path) for path in files],
        "settings": _settings_json(settings),
        "format": fmt,
        "column": column,
        "shard_rows": shard_rows,
    }


def _difference(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """What differs between an earlier run's manifest and this run's, in words."""
    if old.get("agentguard") != "check_files" or old.get("version") != 1:
        return "it is not a manifest of this version of check_files"
    if old.get("inputs") != new["inputs"]:
        before = {f["path"]: f for f in old.get("inputs", [])}
        now = {f["path"]: f for f in new["inputs"]}
        changed = [p for p in now if p in before and before[p] != now[p]]
        added = [p for p in now if p not in before]
        removed = [p for p in before if p not in now]
        for what, paths in (("changed", changed), ("new", added), ("gone", removed)):
            if paths:
                return f"the inputs differ ({what}: {', '.join(paths[:3])})"
        return "the inputs differ (their order)"
    for key in ("settings", "format", "column", "shard_rows"):
        if old.get(key) != new[key]:
            verb = "differ" if key == "settings" else "differs"
            return f"the {key} {verb} ({json.dumps(old.get(key))} then, {json.dumps(new[key])} now)"
    return None


def _clear(output: str) -> None:
    """Remove what a `check_files` run wrote to `output` (parts, temporary files, manifest)."""
    for entry in os.listdir(output):
        path = os.path.join(output, entry)
        ours = entry == MANIFEST or (
            entry.startswith(("part-", ".part-")) and entry.endswith((".jsonl", ".parquet", ".tmp"))
        )
        if ours and os.path.isfile(path):
            os.remove(path)


def _has_parts(output: str) -> bool:
    return any(
        entry.startswith("part-") and os.path.isfile(os.path.join(output, entry))
        for entry in os.listdir(output)
    )


def _read_manifest(output: str) -> dict[str, Any] | None:
    path = os.path.join(output, MANIFEST)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            manifest: dict[str, Any] = json.load(f)
    except (OSError, ValueError) as exc:
        raise InputError(path, f"not a readable manifest ({exc})") from None
    return manifest


def _write_manifest(output: str, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"

    def write(name: str) -> None:
        with open(name, "w", encoding="utf-8") as f:
            f.write(text)

    _write_atomically(os.path.join(output, MANIFEST), write)


def _prepare_output(output: str, head: dict[str, Any], resume: bool) -> dict[str, Any] | None:
    """Make `output` ready; the earlier run's manifest when it is resumed, else `None`.

    Raises:
        InputError: when resuming a run whose inputs or settings differ, or when `output`
            holds parts of no manifest.
    """
    os.makedirs(output, exist_ok=True)
    old = _read_manifest(output)
    if not resume:
        _clear(output)
        return None
    if old is None:
        if _has_parts(output):
            raise InputError(
                output, "holds part files but no manifest.json; pass resume=False to start over"
            )
        return None
    difference = _difference(old, head)
    if difference is not None:
        raise InputError(
            os.path.join(output, MANIFEST),
            f"cannot resume: {difference}; pass resume=False to start over",
        )
    return old


@contextlib.contextmanager
def _ordered_data() -> Iterator[None]:
    """Ray Data keeping the input order, quiet: its progress bars and INFO lines off.

    `check_files` shows its own progress (or none, when asked for none).
    """
    ray: Any = import_ray()
    context = ray.data.DataContext.get_current()
    before = context.execution_options.preserve_order, context.enable_progress_bars
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    logger = logging.getLogger("ray.data")
    level = logger.level
    logger.setLevel(max(logging.WARNING, logger.getEffectiveLevel()))
    try:
        yield
    finally:
        context.execution_options.preserve_order, context.enable_progress_bars = before
        logger.setLevel(level)


def _plan(
    inputs: str | Sequence[str],
    output: str,
    settings: CheckSettings,
    fmt: Format,
    column: str,
    shard_rows: int,
    resume: bool,
) -> list[dict[str, Any]]:
    """The shard descriptors of the run (with their part names), the manifest written."""
    files = input_files(inputs)
    head = _manifest_head(files, settings, fmt, column, shard_rows)
    old = _prepare_output(output, head, resume)
    if old is not None:
        return list(old["shards"])
    shards = plan_shards(files, column=column, shard_rows=shard_rows)
    described = [
        {"part": part_name(s.index, len(shards), fmt), **dataclasses.asdict(s)} for s in shards
    ]
    _write_manifest(output, {**head, "shards": described})
    return described


def check_files(
    inputs: str | Sequence[str],
    output: str | os.PathLike[str],
    *,
    format: Format | None = None,  # noqa: A002 - the word users know
    policy: str | Policy = "balanced",
    calibration: str | None = None,
    policies: dict[str, str | Policy] | None = None,
    column: str = "input",
    workers: int | None = None,
    resume: bool = True,
    shard_rows: int = SHARD_ROWS,
    progress: bool = True,
) -> CheckFilesResult:
    """Check JSONL or Parquet input files on Ray into a folder of reports; resumable.

    The inputs (files, or folders of `*.jsonl` and `*.parquet` files, as `read_inputs`
    reads them) are cut into shards of `shard_rows` lines or rows, in input order. Each
    shard is read, checked and written by one actor (`workers` of them, one per CPU of the
    cluster by default) as one part file of `output`, written whole under a temporary name
    and then renamed, so a part is there complete or not at all:

    - `format="jsonl"` (the default): `part-00000.jsonl`, ... holding exactly the lines
      `agentguard check --json --jsonl` prints (reports, and error lines);
    - `format="parquet"`: `part-00000.parquet`, ... with the string columns `where`,
      `report` and `error` (as `check_dataset` makes them).

    `output/manifest.json` records the inputs (paths, sizes, modification times), the
    settings and the shards. Running again with `resume=True` skips the shards whose part
    exists, so an interrupted run picks up where it stopped; `resume=False` starts over,
    removing the earlier parts. `read_reports(output)` reads the reports in input order.
    Ray is started here (and stopped after) unless it runs already: call `ray.init(address=
    ...)` first to use a cluster.

    Args:
        inputs: Input files or folders.
        output: The folder of reports (made when missing).
        format: `jsonl` or `parquet`; `jsonl` when `None`.
        policy: Policy name or file, or a `Policy`.
        calibration: A calibration file (`agentguard calibrate`).
        policies: Policies an input's `policy` field may name, besides the built-in ones.
        column: The Parquet column holding each input's JSON text.
        workers: How many actors check at once.
        resume: Skip the shards an earlier run with the same inputs and settings wrote.
        shard_rows: Lines or rows per shard (and part file).
        progress: Show progress on standard error.

    Returns:
        Counts of the inputs checked and of errors (in the shards run now), of the shards
        done and skipped, and the seconds taken.

    Raises:
        InputError: for a missing input path, a Parquet file without a string column
            `column`, a bad policy or calibration, or an output folder whose manifest has
            other inputs or settings (with `resume=True`); also when Ray is not installed.

    Example:
        >>> result = check_files("inputs/", "reports/", format="parquet")  # doctest: +SKIP
        >>> result.checked, result.errors  # doctest: +SKIP
        (120000, 3)
        >>> next(read_reports("reports/"))["where"]  # doctest: +SKIP
        'inputs/day1.jsonl:1'
    """
    begun = time.perf_counter()
    fmt: Format = format or "jsonl"
    if fmt not in ("jsonl", "parquet"):
        raise InputError("format", f"expected 'jsonl' or 'parquet', not {fmt!r}")
    import_ray()
    folder = os.fspath(output)
    settings = check_settings(policy, calibration, policies)
    shards = _plan(inputs, folder, settings, fmt, column, shard_rows, resume)
    todo = [s for s in shards if not os.path.isfile(os.path.join(folder, s["part"]))]
    checked, errors = _run_shards(todo, _ShardRun(settings, folder, fmt, column), workers, progress)
    seconds = round(time.perf_counter() - begun, 3)
    return CheckFilesResult(folder, checked, errors, len(todo), len(shards) - len(todo), seconds)


@dataclass(frozen=True)
class _ShardRun:
    """What every shard of a run is checked with (the arguments of `_ShardChecker`)."""

    settings: CheckSettings
    output: str
    fmt: Format
    column: str


def _run_shards(
    todo: Sequence[dict[str, Any]], run: _ShardRun, workers: int | None, progress: bool
) -> tuple[int, int]:
    """Check the shards still to do on Ray, each into its part: `(checked, errors)`."""
    if not todo:
        return 0, 0
    checked = errors = 0
    with ray_session(), _ordered_data():
        results = items_dataset(todo).map_batches(
            _ShardChecker,
            batch_size=1,
            batch_format="pyarrow",
            compute=actor_pool(min(workers or cluster_cpus(), len(todo))),
            fn_constructor_args=(run.settings, absolute(run.output), run.fmt, run.column),
        )
        with Progress(sum(int(s["rows"]) for s in todo), "inputs", enabled=progress) as bar:
            for row in results.iter_rows():
                checked += int(row["checked"])
                errors += int(row["errors"])
                bar.update(int(row["rows"]))
    return checked, errors


# --- read_reports ----------------------------------------------------------------------------


def _part_names(output: str) -> list[str]:
    manifest = _read_manifest(output)
    if manifest is not None:
        return [str(shard["part"]) for shard in manifest["shards"]]
    return sorted(e for e in os.listdir(output) if e.startswith("part-") and not e.endswith(".tmp"))


def _part_reports(path: str) -> Iterator[dict[str, Any]]:
    if path.endswith(".parquet"):
        import pyarrow.parquet as pq

        table = pq.read_table(path, columns=["report", "error"])
        for report, error in zip(*table.to_pydict().values(), strict=True):
            yield json.loads(report if report is not None else error)
        return
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def read_reports(output: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The reports of a `check_files` folder in input order, as dicts.

    Each is a parsed line of `agentguard check --json --jsonl`: a report with its `where`,
    or `{"error": {"where": ..., "message": ...}}` for an input that could not be checked.

    Raises:
        InputError: when `output` is not a folder, or a part is missing (a run that did not
            finish: run `check_files` again to complete it).

    Example:
        >>> for report in read_reports("reports/"):  # doctest: +SKIP
        ...     print(report.get("where"), report.get("decision"))
    """
    folder = os.fspath(output)
    if not os.path.isdir(folder):
        raise InputError(folder, "no such folder of reports")
    for name in _part_names(folder):
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            raise InputError(path, "missing: the run did not finish (run check_files again)")
        yield from _part_reports(path)
