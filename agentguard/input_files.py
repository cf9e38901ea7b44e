"""Reading check inputs from files and standard input, one per file or one per line.

Each input is bounded in size (a file, or a line with `--jsonl`), and every problem is named
by file, line and column.

Reading and parsing are apart: `raw_inputs` cuts the input into `RawInput`s (cheap, in order)
and `parse_raw` turns one into JSON, so the parsing can happen in the worker that checks it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, NamedTuple, TextIO, TypeVar

from agentguard.errors import safe_message
from agentguard.inputs import MAX_INPUT_CHARS

MAX_RAW_BYTES = 4 * MAX_INPUT_CHARS
"""Largest raw input (a file, or a line in `--jsonl` mode) read before parsing."""
CHUNK = 1 << 16
Chunk = TypeVar("Chunk", str, bytes)


class BadInput(Exception):
    """One input that could not be checked; the message is redacted and clipped."""

    def __init__(self, where: str, message: str) -> None:
        self.where = safe_message(where, words=False)
        self.message = safe_message(message)
        super().__init__(f"{self.where}: {self.message}")

    def __reduce__(self) -> tuple[Callable[[str, str], BadInput], tuple[str, str]]:
        # Crosses to and from worker processes as it is (the default passes one argument).
        return _bad_input, (self.where, self.message)


def _bad_input(where: str, message: str) -> BadInput:
    """A `BadInput` from parts already made safe (unpickling)."""
    bad = BadInput.__new__(BadInput)
    Exception.__init__(bad, f"{where}: {message}")
    bad.where, bad.message = where, message
    return bad


def _json_problem(exc: ValueError | RecursionError) -> str:
    if isinstance(exc, RecursionError):
        return "not valid JSON (nested too deeply)"
    if "digits" in str(exc):  # Python refuses ints of over 4,300 digits
        return "not valid JSON (a number has too many digits)"
    return f"not valid JSON ({exc})"


def load_json(text: str, where: str, *, line: bool = False) -> object:
    """Parse JSON; errors are located as `FILE:LINE:COL` (`where` holds the line if `line`)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        at = f"{where}:{exc.colno}" if line else f"{where}:{exc.lineno}:{exc.colno}"
        raise BadInput(at, f"not valid JSON ({exc.msg})") from None
    except (ValueError, RecursionError) as exc:
        raise BadInput(where, _json_problem(exc)) from None


def decode(raw: str | bytes, where: str, *, first: bool) -> str:
    """The text of raw input; a byte that is not UTF-8 is an error naming its column."""
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff") if first else raw
    try:
        return raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(
            where, f"not valid UTF-8 (0x{raw[exc.start]:02x} at byte {exc.start + 1})"
        ) from None


def split_lines(read: Callable[[int], Chunk], limit: int) -> Iterator[tuple[int, Chunk | int]]:
    r"""`(number, line)` for each line, split on `\n` only; a line over `limit` is its length.

    Memory stays within `limit` plus one chunk: a long line is counted, not kept. A last
    line without `\n` is still a line.
    """
    parts: list[Chunk] = []
    size = 0
    n = 0
    while chunk := read(CHUNK):
        newline = "\n" if isinstance(chunk, str) else b"\n"
        pos = 0
        while (i := chunk.find(newline, pos)) >= 0:
            n += 1
            size += i - pos
            if size > limit:
                yield n, size
            else:
                parts.append(chunk[pos:i])
                yield n, chunk[:0].join(parts)
            parts, size, pos = [], 0, i + 1
        size += len(chunk) - pos
        if size > limit:
            parts = []
        elif pos < len(chunk):
            parts.append(chunk[pos:])
    if size:
        yield n + 1, size if size > limit else parts[0][:0].join(parts)


def reader(name: str, stdin: TextIO, stack: ExitStack, *, whole: bool) -> Callable[[int], Any]:
    """A `read(n)` for a file or stdin: bytes where possible (so bad UTF-8 is per line).

    With `whole` (one input per file), a regular file over `MAX_RAW_BYTES` is refused before
    anything is read.
    """
    if name == "-":
        buffer = getattr(stdin, "buffer", None)
        if buffer is None:  # a text stream without bytes underneath (io.StringIO)
            return stdin.read
        # read1 returns what is there, so lines are checked as a producer writes them.
        read: Callable[[int], Any] = getattr(buffer, "read1", buffer.read)
        return read
    if os.path.isdir(name):
        raise BadInput(name, "is a directory")
    try:
        f = stack.enter_context(open(name, "rb"))  # noqa: SIM115 - closed by the stack
    except FileNotFoundError:
        raise BadInput(name, "no such file") from None
    except OSError as exc:
        raise BadInput(name, f"cannot read ({exc.strerror or exc})") from None
    except ValueError:  # a NUL in the name
        raise BadInput(name, "not a valid path") from None
    size = os.fstat(f.fileno()).st_size
    if whole and Path(name).is_file() and size > MAX_RAW_BYTES:
        raise BadInput(name, f"{size:,} bytes; the limit is {MAX_RAW_BYTES:,}")
    return f.read1


class RawInput(NamedTuple):
    """One input as read, not yet parsed: `data` is its text (or bytes), or why it is unusable."""

    where: str
    """`FILE` (one input per file) or `FILE:LINE` (`--jsonl`); `<stdin>` for standard input."""
    data: str | bytes | BadInput
    first: bool
    """Whether it starts its file (where a byte order mark may stand)."""
    line: bool
    """Whether it is one line of a JSONL file (errors then name the column only)."""


def parse_raw(raw: RawInput) -> object:
    """The JSON of one raw input.

    Raises:
        BadInput: for an unusable input (not UTF-8, not JSON, over a limit), naming where.
    """
    if isinstance(raw.data, BadInput):
        raise raw.data
    text = decode(raw.data, raw.where, first=raw.first)
    return load_json(text, raw.where, line=raw.line)


def _whole(read: Callable[[int], Any], label: str) -> RawInput:
    """One input read whole (bounded)."""
    chunks: list[Any] = []
    size = 0
    while size <= MAX_RAW_BYTES and (chunk := read(CHUNK)):
        chunks.append(chunk)
        size += len(chunk)
    if size > MAX_RAW_BYTES:
        raise BadInput(label, f"more than {MAX_RAW_BYTES:,} bytes (the limit)")
    raw = chunks[0][:0].join(chunks) if chunks else ""
    return RawInput(label, raw, True, False)


def _jsonl(read: Callable[[int], Any], label: str) -> Iterator[RawInput]:
    for n, line in split_lines(read, MAX_RAW_BYTES):
        where = f"{label}:{n}"
        if isinstance(line, int):
            too_long = BadInput(where, f"a line of {line:,} bytes; the limit is {MAX_RAW_BYTES:,}")
            yield RawInput(where, too_long, n == 1, True)
        elif line.strip():
            yield RawInput(where, line, n == 1, True)


def raw_inputs(files: Sequence[str], jsonl: bool, stdin: TextIO) -> Iterator[RawInput]:
    """Each input of `files` (`-` is `stdin`), in order, read lazily and not parsed.

    With `jsonl`, each non-blank line of a file is one input; otherwise each file is. A file
    that cannot be read is one `RawInput` holding its `BadInput`.
    """
    for name in files:
        label = "<stdin>" if name == "-" else name
        with ExitStack() as stack:
            try:
                read = reader(name, stdin, stack, whole=not jsonl)
                if not jsonl:
                    yield _whole(read, label)
                    continue
            except BadInput as bad:
                yield RawInput(label, bad, True, False)
                continue
            yield from _jsonl(read, label)


def count_lines(files: Sequence[str]) -> int | None:
    """How many lines the files hold (a last line without a newline counts), read in blocks.

    `None` when one is standard input or not a regular file (its size is not known ahead).
    """
    total = 0
    for name in files:
        if name == "-" or not os.path.isfile(name):
            return None
        try:
            with open(name, "rb") as f:
                last = b"\n"
                while block := f.read(1 << 20):
                    total += block.count(b"\n")
                    last = block[-1:]
                total += last != b"\n"
        except OSError:
            return None
    return total
