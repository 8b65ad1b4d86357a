"""Safe file writes: atomic replacement, files replaced together, one writer at a time.

A writer killed between creating its temporary file and renaming it leaves the temporary file
behind (`.<name>.XXXXXXXX.tmp`, beside the data file); the next run that takes the data file's
lock removes those older than the moment it took the lock.  Only a writer holding that lock
writes the file, so no live writer's temporary file can be that old.

Files that must change together (the catalogue and its mentions) are written by `write_together`:
each to a temporary file, then a commit marker (`<main>.commit`) naming the renames is written
atomically — the moment the new versions count — then the renames, then the marker is removed.
A run killed before the marker leaves the old files (its temporary files are orphans, removed as
above); one killed after it leaves a marker that the next run taking the lock completes
(`finish_pending`), and that readers without the lock follow meanwhile (`current_sources`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

logger = logging.getLogger(__name__)

_TEMP_NAME = "[a-z0-9_]{8}"  # what tempfile.mkstemp puts between our prefix and suffix


class LockedError(RuntimeError):
    """Another paperindex run holds the lock on a data file."""


def atomic_write_text(path: Path, text: str, temp_as: Path | None = None) -> None:
    """Replace `path` with `text` so that a reader (or a crash) sees the old file or the new one.

    The new content goes to a temporary file in the same directory, is flushed to disk, then
    renamed over the old one (rename is atomic on POSIX and Windows within one filesystem).
    The temporary file is named as `temp_as`'s would be (default: `path`'s), for the sweep of
    the lock that guards it.
    """
    atomic_write_parts([(path, (text,))], temp_as=temp_as)


def atomic_write_parts(
    outputs: Sequence[tuple[Path, Iterable[str]]],
    temp_as: Path | None = None,
    *,
    started: dict[int, ForkedPart] | None = None,
) -> None:
    """Each output's text, piece by piece (never held whole), to a temporary file beside it,
    flushed to disk; then each renamed over its file: a reader or a crash sees each file old or
    new, and a failure while making any of them leaves every file as it was.  `temp_as`: see
    `atomic_write_text`.

    `started`: forked helpers (`ForkedPart`) already writing some of the outputs, by index; they
    are taken over (waited for, and closed in the end).  One that failed, or wrote nothing, is
    made here from its `outputs` pieces, so its error is raised here as in a serial run."""
    helpers: dict[int, ForkedPart] = dict(started or {})
    made: dict[int, str] = {}  # each output's temporary file, until it is renamed
    try:
        for n, (path, parts) in enumerate(outputs):
            if n not in helpers:
                try:
                    made[n] = _write_temp(path, parts, temp_as)
                except Exception:
                    _raise_earlier(outputs[:n], helpers, temp_as)
                    raise
        for n, helper in list(helpers.items()):
            del helpers[n]
            path, parts = outputs[n]
            written = helper.finish()
            made[n] = _write_temp(path, parts, temp_as) if written is None else _copy(path, written)
            helper.close()
        for n, (path, _) in enumerate(outputs):
            os.chmod(made[n], path.stat().st_mode & 0o777 if path.exists() else 0o644)
        for n, (path, _) in enumerate(outputs):
            os.replace(made[n], path)
            del made[n]
            _fsync_dir(path.parent)
    finally:
        for helper in helpers.values():
            helper.close()
        for tmp in made.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        for _, parts in outputs:  # a generator left half-made (its helpers, its files)
            close = getattr(parts, "close", None)
            if close is not None:
                close()


def _raise_earlier(
    earlier: Sequence[tuple[Path, Iterable[str]]],
    helpers: dict[int, ForkedPart],
    temp_as: Path | None,
) -> None:
    """Raise the error of an earlier output whose helper failed, if any, as a serial run
    (which makes the outputs in order) would have."""
    for n, (path, parts) in enumerate(earlier):
        helper = helpers.get(n)
        if helper is not None and helper.finish() is None:
            os.unlink(_write_temp(path, parts, temp_as))  # raises its error, most likely


def _copy(path: Path, written: IO[bytes]) -> str:
    """A helper's text to a new temporary file beside `path`, flushed to disk; its name."""
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            while chunk := written.read(_CHUNK):
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp


def _write_temp(path: Path, parts: Iterable[str], temp_as: Path | None) -> str:
    """`parts` to a new temporary file beside `path`, flushed to disk; its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(temp_as or path), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            write_synced(parts, f)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp


def write_synced(parts: Iterable[str], f: TextIO) -> None:
    """`parts` to `f`, flushed to disk (`fsync`)."""
    for part in parts:
        f.write(part)
    f.flush()
    os.fsync(f.fileno())


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


COMMIT_SUFFIX = ".commit"
_CHUNK = 1 << 20


def commit_marker(main: Path) -> Path:
    """The marker that says a group write of `main` and its companions is committed."""
    return main.with_name(main.name + COMMIT_SUFFIX)


def _same_bytes(a: Path, b: Path) -> bool:
    """Whether two files hold the same bytes (False when `b` is missing)."""
    try:
        if a.stat().st_size != b.stat().st_size:
            return False
        with a.open("rb") as fa, b.open("rb") as fb:
            while True:
                x, y = fa.read(_CHUNK), fb.read(_CHUNK)
                if x != y:
                    return False
                if not x:
                    return True
    except FileNotFoundError:
        return False


def _fsync_dir(folder: Path) -> None:
    if hasattr(os, "O_DIRECTORY"):  # make renames durable
        dir_fd = os.open(folder, os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


Writer = Callable[[TextIO], None]
"""Writes a file's whole new content to the (text, UTF-8, `\\n`) stream it is given."""


class _HashedFile(io.FileIO):
    """A file whose bytes are hashed as they are written (SHA-256), and counted."""

    def __init__(self, fd: int) -> None:
        super().__init__(fd, "w")
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, b: ReadableBuffer, /) -> int:
        n = super().write(b)
        if n:
            with memoryview(b) as view:
                self.hash.update(view.cast("B")[:n])
            self.size += n
        return n


Digest = tuple[int, str]
"""A file's content, as a fingerprint: its size in bytes and its SHA-256 (hex)."""


def can_fork() -> bool:
    """Whether this process may fork a helper: it has a single thread (fork copies no other
    thread, and a lock one of them held would stay held in the copy) and `os.fork` exists."""
    return hasattr(os, "fork") and threading.active_count() == 1


def fork_helper(run: Callable[[], None]) -> int:
    """Fork a helper that calls `run` and leaves with `os._exit` (0 when `run` returned, 1 when
    it raised), never through the caller's `finally` blocks (which would release a lock it
    shares); its pid, or 0 when none could be forked."""
    try:
        pid = os.fork()
    except OSError:
        return 0
    if pid == 0:  # the helper: never returns into the caller
        code = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # interrupted with its parent
            run()
            code = 0
        finally:
            os._exit(code)
    return pid


def stop_helper(pid: int) -> None:
    """Stop a forked helper if it still runs, and reap it."""
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.waitpid(pid, 0)


class ForkedPart:
    """The text of a file (or its end), written by a forked helper while this process does
    other work.

    The helper writes to an unlinked temporary file beside `main`, so a kill of either process
    at any point leaves nothing behind, and leaves with `os._exit`, never through the caller's
    `finally` blocks (which would release a lock it shares).  `append_to` or `finish` waits for
    it; a helper that failed gives nothing, and the caller writes that part itself.
    """

    def __init__(self, pid: int, file: IO[bytes]) -> None:
        self.pid = pid
        self.file: IO[bytes] | None = file

    @classmethod
    def start(cls, main: Path, write: Writer) -> ForkedPart | None:
        """Fork a helper running `write` (None when no helper can be forked)."""
        if not can_fork():
            return None
        main.parent.mkdir(parents=True, exist_ok=True)
        try:
            file = tempfile.TemporaryFile(dir=main.parent)
        except OSError:
            return None

        def run() -> None:
            with open(file.fileno(), "w", encoding="utf-8", newline="", closefd=False) as f:
                write(f)

        pid = fork_helper(run)
        if not pid:
            file.close()
            return None
        return cls(pid, file)

    def finish(self) -> IO[bytes] | None:
        """Wait for the helper: what it wrote (rewound), or None when it failed."""
        if self.pid:
            _, status = os.waitpid(self.pid, 0)
            self.pid = 0
            if status != 0:
                self.close()
        if self.file is not None:
            self.file.seek(0)
        return self.file

    def append_to(self, out: TextIO) -> bool:
        """Wait for the helper and append what it wrote to `out`; False (nothing appended)
        when it failed."""
        written = self.finish()
        if written is None:
            return False
        out.flush()
        while chunk := written.read(_CHUNK):
            out.buffer.write(chunk)
        return True

    def close(self) -> None:
        """Stop the helper if it still runs; drop its file."""
        if self.pid:
            stop_helper(self.pid)
            self.pid = 0
        if self.file is not None:
            self.file.close()
            self.file = None


def write_together(
    main: Path,
    files: Sequence[tuple[Path, Writer]],
    digests: dict[Path, Digest] | None = None,
) -> list[Path]:
    """Replace each file with what its writer writes, all or none, even across a kill; returns
    the files that changed (none: nothing was touched).  The caller holds `main`'s lock.

    Every file must be in `main`'s folder.  The new contents stream to temporary files named as
    `main`'s (so the orphan sweep of `main`'s lock finds them); files whose bytes are unchanged
    are left alone; one changed file is simply renamed over; several are committed by a marker
    (see the module docstring).  `digests`, when given, receives each file's `Digest`, hashed
    as its content was written: the bytes this write put (or left) there, not what a reader
    may find later.
    """
    main.parent.mkdir(parents=True, exist_ok=True)
    finish_pending(main)
    written: list[tuple[Path, Path]] = []
    try:
        for path, write in files:
            if path.parent != main.parent:
                raise ValueError(f"{path} is not beside {main}")
            fd, name = tempfile.mkstemp(prefix=_temp_prefix(main), suffix=".tmp", dir=main.parent)
            written.append((Path(name), path))
            if digests is None:
                with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                    write(f)
                continue
            raw = _HashedFile(fd)
            buffered = io.BufferedWriter(raw, _CHUNK)
            with io.TextIOWrapper(buffered, encoding="utf-8", newline="") as f:
                write(f)
            digests[path] = (raw.size, raw.hash.hexdigest())
        changed = []
        for tmp, path in written:
            if _same_bytes(tmp, path):
                tmp.unlink()
            else:
                changed.append((tmp, path))
        written = changed
        for tmp, path in changed:
            with tmp.open("rb") as f:
                os.fsync(f.fileno())
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        marker = commit_marker(main)
        if len(changed) > 1:
            plan = [[tmp.name, path.name] for tmp, path in changed]
            atomic_write_text(marker, json.dumps({"replace": plan}) + "\n", temp_as=main)
        for tmp, path in changed:
            os.replace(tmp, path)
        written = []
        if changed:
            _fsync_dir(main.parent)
        if len(changed) > 1:
            marker.unlink()
    except BaseException:
        if not commit_marker(main).exists():  # not committed: the old files stand
            for tmp, _ in written:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
        raise
    return [path for _, path in changed]


def _pending(main: Path) -> list[tuple[Path, Path]] | None:
    """The renames a committed group write of `main` still owes, or None when there is none."""
    marker = commit_marker(main)
    try:
        plan = json.loads(marker.read_text(encoding="utf-8"))["replace"]
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:  # written atomically: never torn
        raise OSError(f"{marker}: unreadable commit marker ({exc}); see paperindex.files") from exc
    folder = main.parent
    return [(folder / Path(tmp).name, folder / Path(final).name) for tmp, final in plan]


def finish_pending(main: Path) -> bool:
    """Complete a group write of `main` that a killed run committed (the caller holds `main`'s
    lock); True when there was one."""
    renames = _pending(main)
    if renames is None:
        return False
    for tmp, path in renames:
        if tmp.exists():
            os.replace(tmp, path)
    _fsync_dir(main.parent)
    commit_marker(main).unlink(missing_ok=True)
    logger.info("completed the interrupted write of %s", ", ".join(p.name for _, p in renames))
    return True


def _sources(main: Path, paths: Sequence[Path]) -> list[Path]:
    """Where each of `paths` has its current content: the file itself, or the temporary file a
    committed but unfinished group write will rename over it."""
    pending = {path: tmp for tmp, path in _pending(main) or () if tmp.exists()}
    return [pending.get(path, path) for path in paths]


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


@contextlib.contextmanager
def open_together(main: Path, paths: Sequence[Path]) -> Iterator[list[TextIO | None]]:
    """`paths` (written together with `main` by `write_together`) opened for reading as one
    version of the group, even while another run writes it without our holding the lock; None
    for a file that does not exist.  UTF-8, a BOM skipped, newlines kept as they are (for csv).
    """
    for _ in range(100):
        sources = _sources(main, paths)
        with contextlib.ExitStack() as stack:
            opened: list[TextIO | None] = []
            for source in sources:
                try:
                    f = open(source, encoding="utf-8-sig", newline="")
                except FileNotFoundError:
                    opened.append(None)
                    continue
                opened.append(stack.enter_context(f))
            # Still the current version once all are open?  Then it can no longer change.
            now = _sources(main, paths)
            same = now == sources and all(
                (f is None and _identity(src) is None)
                or (f is not None and _identity(src) == _fd_identity(f))
                for f, src in zip(opened, sources, strict=True)
            )
            if same:
                yield opened
                return
        time.sleep(0.01)
    raise OSError(f"{main} kept changing while it was read; try again")


def _fd_identity(f: TextIO) -> tuple[int, int]:
    st = os.fstat(f.fileno())
    return st.st_dev, st.st_ino


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
    Once held, a group write of `path` that a killed run committed is completed
    (`write_together`), and temporary files that killed writers of `path` left are removed.
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
        finish_pending(Path(path))  # before the sweep: a committed write's files are not orphans
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
