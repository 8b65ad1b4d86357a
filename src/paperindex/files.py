"""Safe file writes: atomic replacement and one writer at a time per data file.

A writer killed between creating its temporary file and renaming it leaves the temporary file
behind (`.<name>.XXXXXXXX.tmp`, beside the data file); the next run that takes the data file's
lock removes those older than the moment it took the lock.  Only a writer holding that lock
writes the file, so no live writer's temporary file can be that old.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

_TEMP_NAME = "[a-z0-9_]{8}"  # what tempfile.mkstemp puts between our prefix and suffix


class LockedError(RuntimeError):
    """Another paperindex run holds the lock on a data file."""


def atomic_write_text(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a reader (or a crash) sees the old file or the new one.

    The new content goes to a temporary file in the same directory, is flushed to disk, then
    renamed over the old one (rename is atomic on POSIX and Windows within one filesystem).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
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


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def remove_orphans(path: Path, older_than_ns: int) -> list[Path]:
    """Remove the temporary files of `path` that a killed writer left, last modified before
    `older_than_ns` (nanoseconds, as `st_mtime_ns`); returns what was removed.

    Only names `atomic_write_text` makes for `path` (`.<name>.XXXXXXXX.tmp`) and only regular
    files are considered: anything else in the folder is not ours.
    """
    pattern = re.compile(re.escape(_temp_prefix(path)) + _TEMP_NAME + r"\.tmp")
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    removed = []
    for name in names:
        if not pattern.fullmatch(name):
            continue
        tmp = path.parent / name
        try:
            info = tmp.lstat()
            if stat.S_ISREG(info.st_mode) and info.st_mtime_ns < older_than_ns:
                tmp.unlink()
                removed.append(tmp)
        except FileNotFoundError:  # another run cleaned it first
            continue
    return removed


def _now_on_disk(marker: Path) -> int:
    """The filesystem's own "now" (touching `marker`): the clock temporary files' times come
    from, so a file written after this moment can never look older."""
    try:
        os.utime(marker)
        return os.stat(marker).st_mtime_ns
    except OSError:
        return time.time_ns() - 2_000_000_000  # a margin for coarse file times


@contextlib.contextmanager
def locked(
    path: Path,
    timeout: float = 60.0,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold `<path>.lock` while the block runs, so two runs never interleave their writes.

    When another run holds it, `on_wait` is told (else it is logged as a warning) and the lock
    is waited for up to `timeout` seconds, then `LockedError` (at once when `wait` is false).
    Once held, temporary files that killed writers of `path` left are removed.
    """
    from filelock import FileLock, Timeout

    lock_path = Path(str(path) + ".lock")
    lock = FileLock(str(lock_path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if not wait or timeout <= 0:
            raise LockedError(
                f"{path} is locked by another paperindex run ({lock_path}); try again later"
            ) from None
        message = f"{path} is locked by another run; waiting up to {timeout:.0f}s"
        if on_wait is not None:
            on_wait(message)
        else:
            logger.warning("paperindex: %s", message)
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise LockedError(
                f"{path} stayed locked by another paperindex run for {timeout:.0f}s; "
                "nothing was changed"
            ) from None
    try:
        removed = remove_orphans(Path(path), _now_on_disk(lock_path))
        if removed:
            logger.info(
                "removed %d temporary file(s) left by an interrupted run: %s",
                len(removed),
                ", ".join(p.name for p in removed),
            )
        yield
    finally:
        lock.release()
