"""Safe file writes: atomic replacement and one writer at a time per data file."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


class LockedError(RuntimeError):
    """Another paperindex run holds the lock on a data file."""


def atomic_write_text(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a reader (or a crash) sees the old file or the new one.

    The new content goes to a temporary file in the same directory, is flushed to disk, then
    renamed over the old one (rename is atomic on POSIX and Windows within one filesystem).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@contextlib.contextmanager
def locked(path: Path, timeout: float = 60.0, wait: bool = True) -> Iterator[None]:
    """Hold `<path>.lock` while the block runs, so two runs never interleave their writes.

    A second run says on stderr that it waits, and gives up with `LockedError` after `timeout`
    seconds (at once when `wait` is false).
    """
    from filelock import FileLock, Timeout

    lock = FileLock(str(path) + ".lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if not wait or timeout <= 0:
            raise LockedError(
                f"{path} is locked by another paperindex run ({path}.lock); try again later"
            ) from None
        print(
            f"paperindex: {path} is locked by another run; waiting up to {timeout:.0f}s",
            file=sys.stderr,
        )
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise LockedError(
                f"{path} stayed locked by another paperindex run for {timeout:.0f}s; "
                "nothing was changed"
            ) from None
    try:
        yield
    finally:
        lock.release()
