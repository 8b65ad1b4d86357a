"""Scanning notes on every core: a run over several files forks helpers that each scan a run
of the files, and hands the results on in file order, so the extract is byte-identical to
scanning them one after another.  (A run with no such helper splits a large file in two
instead: see `reader._split_note`, which uses `spawn` and `collect` from here.)

Each file is scanned on its own (nothing carries from one file to the next but caches of pure
functions), so the citations of files `a..k` scanned here and those of `k+1..n` scanned in a
child, joined in that order, are exactly what one process finds.  A child sends its reports
and citations back through a pipe as plain values (strings and numbers, pickled: far cheaper
than pickling named tuples and enums), rebuilt here as the scanner builds them.

Safe by design: the child only reads notes and writes to its pipe, and leaves with `os._exit`
(never through the caller's `finally` blocks, which would release the catalogue's lock it
shares); a child that fails, is killed or sends something unreadable costs only time, because
its files are then scanned here.  A run interrupted here kills its children.  Helpers are
forked only from a process with a single thread (fork copies no other thread, and a lock one
held would stay held), where `os.fork` exists (`paperindex.files.can_fork`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..files import can_fork, fork_helper, stop_helper
from ..model import Citation, Kind, Mention

if TYPE_CHECKING:  # the reader imports this module (when it scans)
    from .reader import FileReport, NoteFile

MIN_BYTES = 2_000_000
"""Less text than this in all is scanned in one process: a helper would cost more than it
saves."""
SPLIT_BYTES = 4_000_000
"""A file this large, read while no helper scans other files, is scanned in two halves, one
by a forked helper (`reader._split_note`): with less, the fork costs more than it saves."""
MAX_PROCESSES = 4
_LEAD = 1.06
"""This process's share of the text over an even split: it rebuilds the helpers' citations
while they would be idle, so it takes a little more to start with."""
_KINDS = {k.value: k for k in Kind}
_new = tuple.__new__

Scan = Callable[["NoteFile"], tuple["FileReport", list[Citation]]]


def processes() -> int:
    """How many processes may scan at once: the cores this one may run on (at most
    `MAX_PROCESSES`)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return min(cores, MAX_PROCESSES)


def plan(notes: Sequence[NoteFile], min_bytes: int | None = None) -> list[int]:
    """Where to cut `notes` into runs, one per process (this one first): the indexes where each
    run after the first starts; none when it is not worth a helper (less text than `min_bytes`,
    default `MIN_BYTES`), not safe to fork, or one file holds most of the text (runs of whole
    files cannot share it out: that file is split instead, see `reader._split_note`)."""
    if not can_fork():
        return []
    sizes = []
    for note in notes:
        size = 0
        if not note.skipped:
            with contextlib.suppress(OSError):
                size = os.stat(note.path).st_size
        sizes.append(size)
    total = sum(sizes)
    count = min(processes(), sum(1 for s in sizes if s))
    if count < 2 or total < (MIN_BYTES if min_bytes is None else min_bytes):
        return []
    if 2 * max(sizes) > total and max(sizes) >= SPLIT_BYTES:
        return []
    first = total / count * _LEAD
    rest = (total - first) / (count - 1)
    before = [0]  # the bytes before each note
    for size in sizes:
        before.append(before[-1] + size)
    cuts: list[int] = []
    for k in range(count - 1):
        target = first + k * rest
        low = cuts[-1] + 1 if cuts else 1
        if low >= len(notes):
            break
        cuts.append(min(range(low, len(notes)), key=lambda i: abs(before[i] - target)))
    return cuts


@dataclass
class _Child:
    pid: int
    fd: int
    notes: Sequence[NoteFile]


def scanned(
    notes: Sequence[NoteFile], scan: Scan, cuts: Sequence[int]
) -> Generator[tuple[FileReport, list[Citation]]]:
    """`scan(note)` of each note, in order; the runs of notes from each of `cuts` on scanned in
    forked helpers meanwhile."""
    bounds = [0, *cuts, len(notes)]
    children: list[_Child] = []
    try:
        for start, end in itertools.pairwise(bounds[1:]):
            child = _fork(notes[start:end], scan) if not children or children[-1].pid else None
            children.append(child or _Child(0, -1, notes[start:end]))  # pid 0: scanned here
        for note in notes[: bounds[1]]:
            yield scan(note)
        while children:
            child = children[0]
            found = _receive(child) if child.pid else None
            children.pop(0)
            if found is None:  # no helper, or it failed: its files are scanned here
                found = [scan(note) for note in child.notes]
            yield from found
    finally:
        for child in children:
            stop(child)


def _fork(notes: Sequence[NoteFile], scan: Scan) -> _Child | None:
    child = spawn(lambda: _pack([scan(note) for note in notes]))
    return _Child(child.pid, child.fd, notes) if child else None


def spawn(produce: Callable[[], bytes]) -> _Child | None:
    """A forked helper that sends what `produce()` returns and leaves (see the module
    docstring); None when it cannot be forked.  `collect` or `stop` it."""
    try:
        read, write = os.pipe()
    except OSError:
        return None

    def send() -> None:  # in the helper
        os.close(read)
        payload = produce()
        with os.fdopen(write, "wb") as out:
            out.write(payload)

    pid = fork_helper(send)
    os.close(write)
    if not pid:
        os.close(read)
        return None
    return _Child(pid, read, ())


def collect(child: _Child) -> bytes | None:
    """What the helper sent, once it has exited well; None otherwise."""
    with os.fdopen(child.fd, "rb") as f:
        child.fd = -1
        data = f.read()
    _, status = os.waitpid(child.pid, 0)
    child.pid = 0
    return data if status == 0 else None


def _receive(child: _Child) -> list[tuple[FileReport, list[Citation]]] | None:
    """What the helper sent, once it has exited well; None otherwise."""
    data = collect(child)
    if data is None:
        return None
    try:
        return _unpack(data)
    except Exception:  # unreadable: scanned here instead
        return None


def stop(child: _Child) -> None:
    """Kill the helper (if it still runs) and close its pipe."""
    if child.pid:
        stop_helper(child.pid)
    if child.fd >= 0:
        with contextlib.suppress(OSError):
            os.close(child.fd)


def _pack(found: list[tuple[FileReport, list[Citation]]]) -> bytes:
    reports = [report for report, _ in found]
    rows = rows_of([c for _, citations in found for c in citations])
    return pickle.dumps((reports, rows), protocol=pickle.HIGHEST_PROTOCOL)


def _unpack(data: bytes) -> list[tuple[FileReport, list[Citation]]]:
    reports, rows = pickle.loads(data)
    del data
    found = []
    start = 0
    for report in reports:
        end = start + int(report.citations)
        found.append((report, citations_of(rows[start:end])))
        start = end
    if start != len(rows):
        raise ValueError("citations left over")
    return found


def rows_of(citations: list[Citation]) -> list[tuple[Any, ...]]:
    """Citations as plain values, to pickle."""
    return [(c[0].value, c[1], c[2], c[3], *c[4]) for c in citations]


def citations_of(rows: list[tuple[Any, ...]]) -> list[Citation]:
    """The citations `rows_of` gave these rows, rebuilt as the scanner builds them."""
    kinds, new = _KINDS, _new
    return [new(Citation, (kinds[r[0]], r[1], r[2], r[3], new(Mention, r[4:]))) for r in rows]
