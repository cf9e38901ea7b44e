"""What the public-set adapters share: the split names, the case stream and file reading.

The adapters in `adapters` and `bfcl` read the sets through these helpers, so a missing file
or a malformed line gives the same error, naming the file, the line and the field, whichever
set it comes from.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from agentguard.errors import InputError

Split = Literal["train", "dev", "all"]
"""Which part of a set: fit on `train`, report on `dev`."""

HINT = "pass --data with a copy of the public sets"
"""How to fix a missing set, for error messages."""

CaseSource = Iterator[tuple[dict[str, Any], str]]
"""Case objects, each with where it comes from (`file:line`), for `parse_case`."""


def require_file(name: str, root: Path, relative: str) -> Path:
    """`root/relative`, or an error saying the set is not there."""
    path = root / relative
    if not path.is_file():
        raise InputError(name, f"no {relative} under {root} ({HINT})")
    return path


def read_jsonl(
    path: Path, keep: Callable[[int], bool] | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The JSON objects of the lines (all, or those whose number `keep` accepts), numbered."""
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip() or (keep is not None and not keep(n)):
                continue
            try:
                data = json.loads(line)
            except ValueError as exc:
                raise InputError(f"{path}:{n}", f"not JSON ({exc})") from None
            if not isinstance(data, dict):
                raise InputError(f"{path}:{n}", f"must be an object, not {type(data).__name__}")
            yield n, data


def text_field(record: dict[str, Any], field: str, where: str, sep: str = ": ") -> str:
    """A required non-empty string field of a record."""
    value = record.get(field)
    if value is None:
        raise InputError(f"{where}{sep}{field}", "missing")
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}{sep}{field}", "must be a non-empty string")
    return value
