"""Work shared with a forked helper, so that a command uses both cores of a small machine.

The helper is a fork of this process: it sees every object as it is, computes its half, leaves
its result in an unlinked temporary file and exits with `os._exit` (never through the caller's
`finally` blocks, which would release locks it shares).  Nothing here changes a result: a half
is computed exactly as the whole would be, and when no helper can be forked (threads running,
no `os.fork`) or the helper fails, this process computes that half itself, so an error is
raised here, with its usual message, as in a serial run.
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import os
import pickle
import signal
import tempfile
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import IO, TypeVar

from .files import can_fork

T = TypeVar("T")
R = TypeVar("R")

_CHUNK = 1 << 20
LEAST = 20_000
"""The least work worth a helper, in items (or weight): a fork takes about 10 ms, and every
page either process then writes is copied."""


class _Helper:
    """A forked helper writing to an unlinked temporary file."""

    def __init__(self, write: Callable[[IO[bytes]], None]) -> None:
        self.file: IO[bytes] | None = None
        self.pid = 0
        if not can_fork():
            return
        file = tempfile.TemporaryFile()
        # Objects the collector tracks are kept out of its reach while the helper runs: a
        # collection writes to every object it visits, and each page written is then copied
        # (in both processes: the memory they share is copy-on-write).
        gc.freeze()
        try:
            pid = os.fork()
        except OSError:
            gc.unfreeze()
            file.close()
            return
        if pid == 0:  # the helper: write, leave; never return into the caller
            code = 1
            try:
                gc.disable()  # short-lived: what it allocates is freed at its exit
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # interrupted with its parent
                write(file)
                file.flush()
                code = 0
            finally:
                os._exit(code)
        self.file, self.pid = file, pid

    def result(self) -> IO[bytes] | None:
        """The helper's file, rewound, once it has finished well; None when it failed."""
        if not self.pid or self.file is None:
            return None
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        gc.unfreeze()
        if status != 0:
            return None
        self.file.seek(0)
        return self.file

    def close(self) -> None:
        """Stop the helper if it still runs; drop its file."""
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self.pid, 0)
            self.pid = 0
            gc.unfreeze()
        if self.file is not None:
            self.file.close()
            self.file = None


def map_halves(
    func: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    weight: Callable[[T], int] | None = None,
    runs: int = 1,
) -> list[R]:
    """`func(items)`, computed in two shares, one by a forked helper while this process computes
    the other.  `func` must work item by item (each result depends only on its item) and its
    results must pickle.  The shares: the items before and from where half their weight is
    reached (each item 1 by default); or, with `runs` > 1 (and no weight), `items` cut into
    that many runs, every other run to the helper, which evens out work that varies along the
    items.  Under `LEAST` in weight, no helper."""
    if runs > 1 and weight is None:
        if len(items) < max(LEAST, runs):
            return func(items)
        size = -(-len(items) // runs)
        starts = range(0, len(items), size)
        mine = [x for start in starts[0::2] for x in items[start : start + size]]
        theirs = [x for start in starts[1::2] for x in items[start : start + size]]
        first, second = _shared(func, mine, theirs)
        out: list[R] = []
        for n in range(len(starts)):
            at = n // 2 * size  # where run n is in its share
            out += (second if n % 2 else first)[at : at + size]
        return out
    cut = _halves(items, weight)
    if cut is None:
        return func(items)
    first, second = _shared(func, items[:cut], items[cut:])
    return first + second


def _shared(
    func: Callable[[Sequence[T]], list[R]], mine: Sequence[T], theirs: Sequence[T]
) -> tuple[list[R], list[R]]:
    """`func(mine)` here, `func(theirs)` by a forked helper (here, if it fails)."""
    helper = _Helper(lambda f: pickle.dump(func(theirs), f, pickle.HIGHEST_PROTOCOL))
    try:
        first = func(mine)
        done = helper.result()
        second: list[R] = pickle.load(done) if done is not None else func(theirs)
    finally:
        helper.close()
    return first, second


def _halves(items: Sequence[T], weight: Callable[[T], int] | None) -> int | None:
    """Where the second half starts: the cut that parts the weight of `items` most evenly
    (0 < cut < len), or None when there is too little to share."""
    if weight is None:
        return len(items) // 2 if len(items) >= max(LEAST, 2) else None
    weights = [weight(item) for item in items]
    total = sum(weights)
    if total < LEAST or len(items) < 2:
        return None
    cut, reached = 0, 0
    while 2 * reached < total:
        reached += weights[cut]
        cut += 1
    if cut > 1 and total - 2 * (reached - weights[cut - 1]) < 2 * reached - total:
        cut -= 1  # the half is nearer without the last item taken
    return min(cut, len(items) - 1)


def parts_halves(
    render: Callable[[Sequence[T]], Iterable[str]],
    items: Sequence[T],
    weight: Callable[[T], int] | None = None,
) -> Generator[str, None, None]:
    """The text `render(items)` yields, in pieces: the items from where half of their total
    `weight` is reached are rendered by a forked helper, while this process renders (and
    yields) those before.  `render` must render each item by itself (the text of a run of
    items is the texts of its items, in order).  Under `LEAST` in weight (each item 1 by
    default), no helper.  Closing the generator early stops the helper."""
    cut = _halves(items, weight)
    if cut is None:
        yield from render(items)
        return
    rest = items[cut:]

    def write(f: IO[bytes]) -> None:
        with open(f.fileno(), "w", encoding="utf-8", newline="", closefd=False) as text:
            text.writelines(render(rest))

    helper = _Helper(write)
    try:
        yield from render(items[:cut])
        done = helper.result()
        if done is None:
            yield from render(rest)
        else:
            decoder = codecs.getincrementaldecoder("utf-8")()
            while chunk := done.read(_CHUNK):
                yield decoder.decode(chunk)
            yield decoder.decode(b"", final=True)
    finally:
        helper.close()
