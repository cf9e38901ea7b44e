"""Checks over Ray Data: `read_inputs` reads check inputs, `check_dataset` checks any dataset."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agentguard.errors import InputError
from agentguard.input_files import BadInput, RawInput, decode
from agentguard.policy import Policy
from agentguard.scale.check_job import (
    Checked,
    CheckSettings,
    error_line,
    job_factory,
)
from agentguard.scale.ray_session import cluster_cpus, import_ray, start_ray
from agentguard.scale.shards import (
    SHARD_ROWS,
    Shard,
    input_files,
    plan_shards,
    shard_raw_inputs,
    value_raw_input,
)

if TYPE_CHECKING:
    from ray.data import Dataset


NO_WHERE = "<dataset>"
"""The `where` of a dataset row without a where column."""


# --- Arrow tables ----------------------------------------------------------------------------


def string_table(columns: dict[str, list[Any]]) -> Any:
    """An Arrow table of nullable string columns.

    The types are never inferred: an all-null column stays a string one in every block.
    """
    import pyarrow as pa

    schema = pa.schema([(name, pa.string()) for name in columns])
    return pa.table(columns, schema=schema)


def _column(batch: Any, name: str) -> list[Any] | None:
    """A column of an Arrow batch as Python values; `None` when there is none."""
    if name not in batch.column_names:
        return None
    values: list[Any] = batch.column(name).to_pylist()
    return values


# --- read_inputs -----------------------------------------------------------------------------


def _text_row(raw: RawInput) -> tuple[str | None, str | None]:
    """`(input text, None)`, or `(None, why the input is unusable)`."""
    try:
        if isinstance(raw.data, BadInput):
            raise raw.data
        return decode(raw.data, raw.where, first=raw.first), None
    except BadInput as bad:
        return None, bad.message


def _read_shard_rows(batch: Any, column: str) -> Any:
    """The input rows of each shard of a batch of shard descriptors (a `map_batches` UDF)."""
    rows: dict[str, list[Any]] = {"where": [], "input": [], "error": []}
    for descriptor in batch.to_pylist():
        for raw in shard_raw_inputs(Shard(**descriptor), column):
            text, error = _text_row(raw)
            rows["where"].append(raw.where)
            rows["input"].append(text)
            rows["error"].append(error)
    return string_table(rows)


def items_dataset(items: Sequence[dict[str, Any]]) -> Dataset:
    """A dataset of `items` (shard descriptors), one block each so that they run apart."""
    ray: Any = import_ray()
    dataset: Dataset = ray.data.from_items(list(items), override_num_blocks=max(1, len(items)))
    return dataset


def read_inputs(paths: str | Sequence[str], *, column: str = "input") -> Dataset:
    """A dataset of the check inputs of JSONL or Parquet files, in input order.

    A JSONL file holds one check input per line (blank lines are skipped, as `agentguard
    check --jsonl` does); a `*.parquet` file holds each input's JSON text in the string
    column `column`. A folder stands for its `*.jsonl` and `*.parquet` files, sorted.

    Rows: `where` (`FILE:LINE` for JSONL, numbered as the CLI does; `FILE:ROW` for Parquet,
    from 1), `input` (the JSON text, never parsed here) and `error` (null, or why the input
    is unusable: a line over the size limit, bytes that are not UTF-8; `input` is then
    null). `check_dataset` reports those errors as the CLI does.

    Raises:
        InputError: for a missing path, or a Parquet file without a string column `column`
            (naming the file and column); also when Ray is not installed.

    Example:
        >>> ds = read_inputs(["inputs/day1.jsonl", "inputs/day2.parquet"])  # doctest: +SKIP
        >>> ds.take(1)  # doctest: +SKIP
        [{'where': 'inputs/day1.jsonl:1', 'input': '{"messages": ...}', 'error': None}]
    """
    import_ray()
    shards = plan_shards(input_files(paths), column=column, shard_rows=SHARD_ROWS)
    items = [dataclasses.asdict(shard) for shard in shards]
    read = functools.partial(_read_shard_rows, column=column)
    return items_dataset(items).map_batches(read, batch_size=1, batch_format="pyarrow")


# --- check_dataset ---------------------------------------------------------------------------


def check_settings(
    policy: str | Policy,
    calibration: str | None,
    policies: dict[str, str | Policy] | None,
) -> CheckSettings:
    """The settings of `check --json --jsonl`, tried here first.

    A bad policy or calibration is then an `InputError` here, not a failure of every actor.
    """
    settings = CheckSettings(
        policy=policy,
        calibration=calibration,
        policies=tuple((policies or {}).items()),
        show="jsonl",
    )
    settings.monitor()
    return settings


def outcome(checked: Checked) -> tuple[str | None, str | None]:
    """`(report line, None)` or `(None, error line)`, as `check --json --jsonl` prints them."""
    if checked.bad is not None:
        return None, error_line(checked.bad)
    return checked.shown, None


class _DatasetChecker:
    """Checks batches of dataset rows (a `map_batches` callable class, one job per actor)."""

    def __init__(
        self, settings: CheckSettings, input_column: str, where_column: str, error_column: str
    ) -> None:
        self.job = job_factory(settings)()
        self.input_column = input_column
        self.where_column = where_column
        self.error_column = error_column

    def __call__(self, batch: Any) -> Any:
        inputs = _column(batch, self.input_column)
        if inputs is None:
            raise InputError("dataset", f"no input column {self.input_column!r}")
        wheres = _column(batch, self.where_column) or [NO_WHERE] * len(inputs)
        errors = _column(batch, self.error_column) or [None] * len(inputs)
        raws = [
            self._raw(str(where), value, error)
            for where, value, error in zip(wheres, inputs, errors, strict=True)
        ]
        outcomes = [outcome(checked) for checked in self.job.run(raws)]
        return string_table(
            {
                "where": [raw.where for raw in raws],
                "report": [report for report, _ in outcomes],
                "error": [error for _, error in outcomes],
            }
        )

    def _raw(self, where: str, value: object, error: str | None) -> RawInput:
        if error is not None:
            return RawInput(where, BadInput(where, error), False, True)
        return value_raw_input(where, value, self.input_column)


def actor_pool(size: int | None, *, grow: bool = False) -> Any:
    """Ray Data's pool of `size` actors (`None`: one per CPU of the cluster, Ray started).

    With `grow`, the pool starts with one actor and grows to `size` while there is work, so a
    small dataset does not start actors it cannot use.
    """
    ray: Any = import_ray()
    if size is None:
        start_ray(None)
        size = cluster_cpus()
    if size < 1:
        raise ValueError(f"concurrency must be at least 1, not {size}")
    if grow:
        return ray.data.ActorPoolStrategy(min_size=1, max_size=size)
    return ray.data.ActorPoolStrategy(size=size)


def _beside_io() -> int:
    """Actors for `check_dataset` by default: one per CPU of the cluster but one.

    Each actor holds a CPU for as long as it lives; the dataset's read and write tasks need
    one too, and would wait forever if the actors held them all.
    """
    start_ray(None)
    return max(1, cluster_cpus() - 1)


def check_dataset(
    ds: Dataset,
    *,
    policy: str | Policy = "balanced",
    calibration: str | None = None,
    policies: dict[str, str | Policy] | None = None,
    input_column: str = "input",
    where_column: str = "where",
    error_column: str = "error",
    concurrency: int | None = None,
    batch_size: int = 64,
) -> Dataset:
    """The reports of a dataset of check inputs, one output row per input row.

    Each input row holds an input's JSON text in `input_column`, and may hold where it
    comes from in `where_column` (else `<dataset>`) and why it is unusable in
    `error_column` (as `read_inputs` makes). Actors (up to `concurrency` of them, each
    holding one CPU; by default one per CPU of the cluster but one, left to the dataset's
    read and write tasks) each build one monitor and check batches of `batch_size` rows. On
    a one-CPU Ray, the one actor leaves the reading no CPU: use `check_files` there.

    Output rows: `where`; `report`, the JSON text of the report exactly as `agentguard check
    --json --jsonl` prints it (with its `where` key), null for a bad input; and `error`,
    null or the error line the CLI prints. The output keeps the input order when
    `DataContext.get_current().execution_options.preserve_order` is set.

    Raises:
        InputError: for a bad policy or calibration, or a dataset known to lack
            `input_column`; also when Ray is not installed.

    Example:
        >>> import ray.data
        >>> ds = ray.data.from_items([{"where": "a", "input": json_text}])  # doctest: +SKIP
        >>> [row["report"] for row in check_dataset(ds).iter_rows()]  # doctest: +SKIP
    """
    settings = check_settings(policy, calibration, policies)
    columns = ds.columns(fetch_if_missing=False)
    if columns is not None and input_column not in columns:
        shown = ", ".join(repr(name) for name in columns[:20]) or "none"
        raise InputError("dataset", f"no column {input_column!r} of inputs (its columns: {shown})")
    return ds.map_batches(
        _DatasetChecker,
        batch_size=batch_size,
        batch_format="pyarrow",
        compute=actor_pool(concurrency or _beside_io(), grow=True),
        fn_constructor_args=(settings, input_column, where_column, error_column),
    )
