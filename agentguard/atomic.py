"""Whole files and whole lines: readers see the old content or the new, never a mix.

`write_text_atomic` replaces a file; `read_regular_file` reads one that an operator named
(a policy, a calibration map) without hanging on a FIFO or filling memory from a device. The
rest serve append-only line files that several writers share (traces): an advisory lock, a cut
partial last line, a line appended whole.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl

    HAVE_FLOCK = True
    """Whether this platform has `flock` (every POSIX one; Windows has not)."""
except ImportError:  # pragma: no cover - Windows
    HAVE_FLOCK = False

_CHUNK = 1 << 16
_PROCESS_LOCK = threading.Lock()


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write `text` to a temporary file beside `path`, then rename it over `path`.

    The file gets mode 0644 (`mkstemp` would leave it private); a failure removes the temporary
    file and leaves any old `path` as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def pread(fd: int, size: int, offset: int) -> bytes:
    """Up to `size` bytes of `fd` from `offset` (`os.pread` where there is one)."""
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # pragma: no cover - Windows has no pread
    return os.read(fd, size)  # pragma: no cover


@contextlib.contextmanager
def file_lock(fd: int, *, exclusive: bool, required: bool = True) -> Iterator[None]:
    """Hold an advisory `flock` on `fd`: exclusive for writers, shared for readers.

    `flock` locks an open file description, so two opens of one file exclude each other, in one
    process or two; a forked child shares its parent's. Without `flock` (Windows) only writers
    in this process exclude each other.

    Raises:
        OSError: the filesystem refused the lock and `required` is set (else runs unlocked).
    """
    if not HAVE_FLOCK:  # pragma: no cover - Windows
        with _PROCESS_LOCK:
            yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
    except OSError:
        if required:
            raise
        yield
        return
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def first_line(fd: int, limit: int) -> bytes:
    """The file's first line with its newline, or up to `limit` bytes when it has none."""
    data = b""
    while len(data) < limit:
        chunk = pread(fd, _CHUNK, len(data))
        end = chunk.find(b"\n")
        if end >= 0:
            return data + chunk[: end + 1]
        if not chunk:
            break
        data += chunk
    return data


def cut_partial_line(fd: int) -> int:
    """Truncate a last line that has no newline (a writer died mid-line); the new size.

    Call it holding the exclusive lock that every writer holds for a whole line: then a partial
    line is a dead writer's, never one still being written.
    """
    size = os.fstat(fd).st_size
    if size == 0 or pread(fd, 1, size - 1) == b"\n":
        return size
    pos = size
    while pos > 0:
        start = max(0, pos - _CHUNK)
        found = pread(fd, pos - start, start).rfind(b"\n")
        if found >= 0:
            os.ftruncate(fd, start + found + 1)
            return start + found + 1
        pos = start
    os.ftruncate(fd, 0)
    return 0


def append_whole(fd: int, data: bytes, size: int) -> int:
    """Append `data` to a file of `size` bytes opened with `O_APPEND`; the new size.

    One `os.write` unless the OS writes less; on a failure (a full disk) the file is cut back
    to `size`, so no partial line is left behind.
    """
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view) :]
    except OSError:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, size)
        raise
    return size + len(data)


class UnreadableFile(ValueError):
    """A file `read_regular_file` refused; the message says why, in a few words.

    Attributes:
        missing: The file does not exist (callers word that case their own way).
    """

    def __init__(self, reason: str, *, missing: bool = False) -> None:
        super().__init__(reason)
        self.missing = missing


def read_regular_file(path: str | os.PathLike[str], limit: int) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes, read with a bounded read.

    The file is opened without blocking and checked on the open descriptor, so a FIFO cannot
    block the open, a device (`/dev/zero`) cannot fill memory, and a file swapped in after a
    check is still refused.

    Raises:
        UnreadableFile: "no such file", "a directory", "not a regular file", "more than N
            bytes", "not UTF-8 (byte N)" or the system's reason.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise UnreadableFile("no such file", missing=True) from None
    except OSError as exc:
        raise UnreadableFile(str(exc.strerror or exc)) from None
    except ValueError:  # a NUL in the path
        raise UnreadableFile("not a valid path") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UnreadableFile("a directory" if stat.S_ISDIR(mode) else "not a regular file")
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise UnreadableFile(str(exc.strerror or exc)) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UnreadableFile(f"more than {limit:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not UTF-8 (byte {exc.start})") from None
