"""Input files cut into shards: runs of consecutive inputs of one JSONL or Parquet file.

Each shard is read, checked and written as one part by the Ray backend; its inputs are read
with the same splitting, numbering and errors as `agentguard check --jsonl`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from agentguard.errors import InputError
from agentguard.input_files import MAX_RAW_BYTES, BadInput, RawInput, split_lines

Format = Literal["jsonl", "parquet"]

SHARD_ROWS = 10_000
"""Lines (JSONL) or rows (Parquet) per shard: the unit read, checked and written at once."""
_BLOCK = 1 << 20


# --- Input files and their shards ------------------------------------------------------------


@dataclass(frozen=True)
class Shard:
    """A run of consecutive inputs of one file: read, checked and written as one part."""

    index: int
    path: str
    kind: Format
    start: int
    """Byte offset of its first line (JSONL), or its first row counting from 0 (Parquet)."""
    end: int
    """Byte offset after its last line, or the row after its last."""
    first: int
    """The number of its first line or row, counting from 1."""
    rows: int
    """Lines (blank ones too) or rows it holds."""
    file: str = ""
    """The absolute path read (`path` as given names the inputs); `path` when empty."""

    @property
    def source(self) -> str:
        """The path to read: absolute, since Ray workers need not share our working folder."""
        return self.file or self.path


def input_files(paths: str | Sequence[str]) -> list[str]:
    """The input files of `paths`: files as given, and a folder's `*.jsonl` and `*.parquet`.

    Raises:
        InputError: for a path that does not exist, or a folder holding no input file.
    """
    names = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not names:
        raise InputError("inputs", "no input paths given")
    files: list[str] = []
    for name in map(str, names):
        if os.path.isdir(name):
            inside = sorted(
                os.path.join(name, entry)
                for entry in os.listdir(name)
                if entry.endswith((".jsonl", ".parquet"))
                and os.path.isfile(os.path.join(name, entry))
            )
            if not inside:
                raise InputError(name, "a folder holding no *.jsonl or *.parquet file")
            files.extend(inside)
        elif os.path.isfile(name):
            files.append(name)
        else:
            raise InputError(name, "no such file or folder")
    return files


def absolute(path: str) -> str:
    """`path` made absolute: Ray workers need not share the driver's working folder."""
    return os.path.abspath(path)


def file_kind(path: str) -> Format:
    """`parquet` for a `*.parquet` file, else `jsonl`."""
    return "parquet" if path.endswith(".parquet") else "jsonl"


def check_parquet_column(path: str, column: str) -> int:
    """The rows of a Parquet file, once its `column` is known to hold strings.

    Raises:
        InputError: naming the file: not Parquet, or without a string column `column`.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(path, f"not a readable Parquet file ({exc})") from None
    schema = parquet.schema_arrow
    if column not in schema.names:
        shown = ", ".join(repr(name) for name in schema.names[:20]) or "none"
        raise InputError(path, f"no column {column!r} of inputs (its columns: {shown})")
    kind = schema.field(column).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise InputError(
            path, f"column {column!r} holds {kind}, not strings (each input's JSON text)"
        )
    rows: int = parquet.metadata.num_rows
    return rows


def _line_cuts(path: str, every: int) -> tuple[list[tuple[int, int]], int, int]:
    """Where each shard of a JSONL file starts, `(byte offset, line number)`; size; lines.

    A shard starts after every `every` newlines: one fast pass over the bytes.
    """
    cuts = [(0, 1)]
    line, since, base = 1, 0, 0
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            pos = 0
            while True:
                left = every - since
                count = block.count(b"\n", pos)
                if count < left:
                    since += count
                    line += count
                    break
                for _ in range(left):
                    pos = block.index(b"\n", pos) + 1
                line += left
                since = 0
                cuts.append((base + pos, line))
            base += len(block)
            last = block[-1:]
    if base == 0:
        return [], 0, 0
    lines = line - 1 + (last != b"\n")
    if cuts[-1][0] == base:
        cuts.pop()  # the file ends at a cut: no empty shard after it
    return cuts, base, lines


def _jsonl_shards(path: str, every: int, index: int) -> list[Shard]:
    cuts, size, lines = _line_cuts(path, every)
    if not cuts:
        return []  # an empty file
    ends = [offset for offset, _ in cuts[1:]] + [size]
    firsts = [first for _, first in cuts[1:]] + [lines + 1]
    return [
        Shard(index + i, path, "jsonl", start, end, first, next_first - first, absolute(path))
        for i, ((start, first), end, next_first) in enumerate(zip(cuts, ends, firsts, strict=True))
    ]


def _parquet_shards(path: str, every: int, index: int, column: str) -> list[Shard]:
    rows = check_parquet_column(path, column)
    starts = range(0, rows, every)
    return [
        Shard(index + i, path, "parquet", start, min(start + every, rows), start + 1,
              min(start + every, rows) - start, absolute(path))
        for i, start in enumerate(starts)
    ]  # fmt: skip


def plan_shards(files: Sequence[str], *, column: str, shard_rows: int) -> list[Shard]:
    """The shards of the input files, in input order (deterministic for the same files).

    Raises:
        InputError: for a Parquet file without a string column `column`.
    """
    if shard_rows < 1:
        raise ValueError(f"shard_rows must be at least 1, not {shard_rows}")
    shards: list[Shard] = []
    for path in files:
        if file_kind(path) == "parquet":
            shards += _parquet_shards(path, shard_rows, len(shards), column)
        else:
            shards += _jsonl_shards(path, shard_rows, len(shards))
    return shards


def _byte_range(path: str, start: int, end: int, stack: contextlib.ExitStack) -> Any:
    """A `read(n)` over bytes `start` to `end` of a file."""
    f = stack.enter_context(open(path, "rb"))  # noqa: SIM115 - closed by the stack
    f.seek(start)
    left = end - start

    def read(n: int) -> bytes:
        nonlocal left
        chunk = f.read(min(n, left))
        left -= len(chunk)
        return chunk

    return read


def _jsonl_raw_inputs(shard: Shard) -> Iterator[RawInput]:
    """The inputs of a JSONL shard, cut and located as `check --jsonl` does."""
    with contextlib.ExitStack() as stack:
        read = _byte_range(shard.source, shard.start, shard.end, stack)
        for n, line in split_lines(read, MAX_RAW_BYTES):
            number = shard.first + n - 1
            where = f"{shard.path}:{number}"
            if isinstance(line, int):
                too_long = BadInput(
                    where, f"a line of {line:,} bytes; the limit is {MAX_RAW_BYTES:,}"
                )
                yield RawInput(where, too_long, number == 1, True)
            elif line.strip():
                yield RawInput(where, line, number == 1, True)


def _parquet_values(shard: Shard, column: str) -> Iterator[tuple[int, object]]:
    """`(row number from 1, value)` for each row of a Parquet shard."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(shard.source)
    row = 0
    for group in range(parquet.num_row_groups):
        size = parquet.metadata.row_group(group).num_rows
        low, high = max(shard.start - row, 0), min(shard.end - row, size)
        if low < high:
            values = parquet.read_row_group(group, columns=[column]).column(0)
            for k, value in enumerate(values.slice(low, high - low).to_pylist()):
                yield row + low + k + 1, value
        row += size


def value_raw_input(where: str, value: object, column: str) -> RawInput:
    """The raw input of one value of a dataset's input column (JSON text expected)."""
    if isinstance(value, (str, bytes)):
        if len(value) > MAX_RAW_BYTES:
            bad = BadInput(
                where, f"an input of {len(value):,} bytes; the limit is {MAX_RAW_BYTES:,}"
            )
            return RawInput(where, bad, False, True)
        return RawInput(where, value, False, True)
    what = "no input (null)" if value is None else f"a {type(value).__name__}, not JSON text"
    return RawInput(where, BadInput(where, f"column {column!r} holds {what}"), False, True)


def shard_raw_inputs(shard: Shard, column: str = "input") -> Iterator[RawInput]:
    """The raw inputs of one shard, in order, located as `agentguard check --jsonl` does."""
    if shard.kind == "jsonl":
        yield from _jsonl_raw_inputs(shard)
        return
    for row, value in _parquet_values(shard, column):
        yield value_raw_input(f"{shard.path}:{row}", value, column)
