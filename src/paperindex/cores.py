"""Work shared with a forked helper, so that a command uses both cores of a small machine.

The helper is a fork of this process: it sees every object as it is, takes chunks of the work
in turn with this process (`map_shared`) or renders the second half of a text (`parts_halves`),
leaves its results in an unlinked temporary file and exits with
`os._exit` (never through the caller's `finally` blocks, which would release locks it
shares).  Nothing here changes a result: a chunk is computed exactly as in one process, and
when no helper can be forked (threads running, no `os.fork`) or the helper fails, this process
computes what it left, so an error is raised here, with its usual message, as in a serial run.
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import os
import pickle
import tempfile
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import IO, TypeVar

from .files import can_fork, fork_helper, stop_helper

_CHUNK = 1 << 20
T = TypeVar("T")
R = TypeVar("R")

LEAST = 1_000
"""The least work worth a helper, in items (or weight): a fork takes a few milliseconds, and
every page either process then writes is copied.  (`build` of 1,000 links: 84 -> 81 ms with
helpers; 3,000: 237 -> 184 ms; 10,000: 0.80 -> 0.56 s.)"""
_TOKENS = 2_048  # chunks at most: their tokens fit in any pipe (4 KB) before anyone reads


class _Helper:
    """A forked helper writing to an unlinked temporary file."""

    def __init__(self, write: Callable[[IO[bytes]], None]) -> None:
        self.file: IO[bytes] | None = None
        self.pid = 0
        self.froze = False
        if not can_fork():
            return
        try:
            file = tempfile.TemporaryFile()
        except OSError:  # no room for one: no helper
            return
        # Objects the collector tracks are kept out of its reach while the helper runs: a
        # collection writes to every object it visits, and each page written is then copied
        # (in both processes: the memory they share is copy-on-write).  Not when something else
        # froze them already (a pre-forking server does): unfreezing would undo that too.
        self.froze = gc.get_freeze_count() == 0
        if self.froze:
            gc.freeze()

        def run() -> None:
            gc.disable()  # short-lived: what it allocates is freed at its exit
            write(file)
            file.flush()

        pid = fork_helper(run)
        if not pid:
            self._thaw()
            file.close()
            return
        self.file, self.pid = file, pid

    def _thaw(self) -> None:
        if self.froze:
            gc.unfreeze()
            self.froze = False

    def result(self) -> IO[bytes] | None:
        """The helper's file, rewound, once it has finished well; None when it failed."""
        if not self.pid or self.file is None:
            return None
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        self._thaw()
        if status != 0:
            return None
        self.file.seek(0)
        return self.file

    def close(self) -> None:
        """Stop the helper if it still runs; drop its file."""
        if self.pid:
            stop_helper(self.pid)
            self.pid = 0
        self._thaw()
        if self.file is not None:
            self.file.close()
            self.file = None


def map_shared(
    func: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    chunk: int = 1,
    meanwhile: Callable[[], object] | None = None,
    weight: int | None = None,
) -> list[R]:
    """`func(items)`, computed a `chunk` of items at a time by this process and a forked
    helper, each taking the next chunk when done with its last (the work is shared evenly
    however its cost varies; put the costliest items first).  `meanwhile`, when given, is
    called here first, while the helper starts on the chunks.  `func` must work item by item
    and its results must pickle.  Under `LEAST` in `weight` (default: the number of items),
    no helper; chunks a failed helper took are computed here."""
    chunk = max(chunk, 1, -(-len(items) // _TOKENS))
    chunks = -(-len(items) // chunk)
    if (len(items) if weight is None else weight) < LEAST or chunks < 2:
        if meanwhile is not None:
            meanwhile()
        return func(items)
    tokens = b"".join(n.to_bytes(2, "big") for n in range(chunks))
    tokens_in, tokens_out = os.pipe()  # the chunks not yet taken: two bytes each
    try:
        os.set_blocking(tokens_out, False)  # a pipe smaller than the tokens: one process
        written = os.write(tokens_out, tokens)
    except BlockingIOError:
        written = 0
    finally:
        os.close(tokens_out)  # once all are taken, a read gets b"": the end
    if written != len(tokens):
        os.close(tokens_in)
        if meanwhile is not None:
            meanwhile()
        return func(items)
    done: dict[int, list[R]] = {}

    def take(out: Callable[[int, list[R]], None]) -> None:
        while len(token := os.read(tokens_in, 2)) == 2:
            n = int.from_bytes(token, "big")
            out(n, func(items[n * chunk : (n + 1) * chunk]))

    def helper_work(f: IO[bytes]) -> None:
        take(lambda n, result: pickle.dump((n, result), f, pickle.HIGHEST_PROTOCOL))

    helper = _Helper(helper_work)
    try:
        if meanwhile is not None:
            meanwhile()
        take(done.__setitem__)
        theirs = helper.result()
        if theirs is not None:
            with contextlib.suppress(EOFError):
                while True:
                    n, result = pickle.load(theirs)
                    done[n] = result
    finally:
        os.close(tokens_in)
        helper.close()
    out: list[R] = []
    for n in range(chunks):  # a failed helper's chunks are missing: computed here
        found = done.get(n)
        out += found if found is not None else func(items[n * chunk : (n + 1) * chunk])
    return out


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
