"""Work shared with a forked helper (`paperindex.cores`), and the commands that use it: the same
result as one process, whatever the helper does."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import pytest

from paperindex import catalogue as cat
from paperindex import cores, files
from paperindex.api import build, reading_list
from paperindex.export import topics

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")


@pytest.fixture(autouse=True)
def _small_work_is_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cores, "LEAST", 4)


def _pids(items: Sequence[int]) -> list[tuple[int, int]]:
    return [(i * i, os.getpid()) for i in items]


def test_map_shared_gives_the_serial_result_with_chunks_from_a_helper() -> None:
    def slow(items: Sequence[int]) -> list[tuple[int, int]]:
        threading.Event().wait(0.01)  # long enough that both take chunks
        return _pids(items)

    result = cores.map_shared(slow, range(40), chunk=2)
    assert [r for r, _ in result] == [i * i for i in range(40)]
    pids = [p for _, p in result]
    assert os.getpid() in pids and len(set(pids)) == 2  # this process and one helper
    assert all(pids[n] == pids[n + 1] for n in range(0, 40, 2))  # a chunk is one process's
    assert gc.get_freeze_count() == 0  # what the fork froze is back in the collector's reach


def test_meanwhile_is_done_here_while_the_helper_takes_the_chunks() -> None:
    seen: list[int] = []

    def meanwhile() -> None:
        seen.append(os.getpid())
        threading.Event().wait(0.5)

    result = cores.map_shared(_pids, range(40), chunk=2, meanwhile=meanwhile)
    assert seen == [os.getpid()]
    assert [r for r, _ in result] == [i * i for i in range(40)]
    assert {p for _, p in result} == {result[0][1]} != {os.getpid()}  # the helper took all


def test_too_many_chunks_are_made_larger(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cores, "_TOKENS", 4)
    assert [r for r, _ in cores.map_shared(_pids, range(10))] == [i * i for i in range(10)]


def test_too_little_work_is_not_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cores, "LEAST", 100)
    assert {p for _, p in cores.map_shared(_pids, range(10))} == {os.getpid()}
    assert {p for _, p in cores.map_shared(_pids, range(10), weight=99)} == {os.getpid()}
    assert len({p for _, p in cores.map_shared(_slow_pids, range(10), weight=100)}) == 2


def _slow_pids(items: Sequence[int]) -> list[tuple[int, int]]:
    threading.Event().wait(0.02)
    return _pids(items)


def test_a_failing_helper_leaves_its_chunks_to_this_process() -> None:
    parent = os.getpid()

    def only_here(items: Sequence[int]) -> list[int]:
        if os.getpid() != parent:
            raise RuntimeError("the helper fails")
        threading.Event().wait(0.01)
        return [i + 1 for i in items]

    assert cores.map_shared(only_here, list(range(20))) == list(range(1, 21))


def test_an_error_is_raised_here_with_its_own_message() -> None:
    def broken(items: Sequence[int]) -> list[int]:
        if 7 in items:
            raise ValueError("item 7 is bad")
        return list(items)

    with pytest.raises(ValueError, match="item 7 is bad"):
        cores.map_shared(broken, list(range(10)))
    with pytest.raises(ValueError, match="meanwhile fails"):
        cores.map_shared(broken, list(range(6)), meanwhile=_fail)


def _fail() -> None:
    raise ValueError("meanwhile fails")


def test_no_helper_while_threads_run() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert {p for _, p in cores.map_shared(_slow_pids, range(10))} == {os.getpid()}
    finally:
        stop.set()
        thread.join()


def _lines(items: Sequence[str]) -> Iterator[str]:
    for item in items:
        yield f"{item}:{os.getpid()}\n"


def test_parts_halves_yields_the_serial_text() -> None:
    items = ["α", "b", "文", "d", "e", "f"]
    text = "".join(cores.parts_halves(_lines, items))
    lines = text.splitlines()
    assert [line.split(":")[0] for line in lines] == items
    assert {line.split(":")[1] for line in lines[:3]} == {str(os.getpid())}
    assert str(os.getpid()) not in {line.split(":")[1] for line in lines[3:]}


def test_parts_halves_renders_the_rest_itself_when_the_helper_fails() -> None:
    parent = os.getpid()

    def only_here(items: Sequence[str]) -> Iterator[str]:
        if os.getpid() != parent:
            raise RuntimeError("the helper fails")
        yield from (f"{i}\n" for i in items)

    assert "".join(cores.parts_halves(only_here, list("abcdef"))) == "a\nb\nc\nd\ne\nf\n"


def test_parts_halves_closed_early_stops_its_helper(tmp_path: Path) -> None:
    parent, pid_file = os.getpid(), tmp_path / "helper.pid"

    def slow(items: Sequence[str]) -> Iterator[str]:
        if os.getpid() != parent:
            pid_file.write_text(str(os.getpid()), encoding="utf-8")
            threading.Event().wait(60)  # the helper would run for a minute
        yield from items

    pieces = cores.parts_halves(slow, list("abcdef"))
    assert next(pieces) == "a"
    for _ in range(500):
        if pid_file.exists() and pid_file.read_text(encoding="utf-8"):
            break
        threading.Event().wait(0.01)
    helper = int(pid_file.read_text(encoding="utf-8"))
    pieces.close()
    with pytest.raises(ProcessLookupError):  # stopped and reaped
        os.kill(helper, 0)


def test_an_even_cut_leaves_out_the_item_that_overshoots() -> None:
    def lines(items: Sequence[int]) -> Iterator[str]:
        yield from (f"{n}:{os.getpid()}\n" for n in items)

    text = "".join(cores.parts_halves(lines, [30, 16, 1, 1, 24, 18, 5, 5], weight=lambda n: n))
    here = [line.endswith(f":{os.getpid()}") for line in text.splitlines()]
    assert here == [True] * 4 + [False] * 4  # 48 and 52


# --- forked writes ------------------------------------------------------------------------------


def test_started_outputs_are_the_helpers_and_renamed_together(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a", encoding="utf-8")

    def pid_text(f: TextIO) -> None:
        f.write(f"made by {os.getpid()}")

    helper = files.ForkedPart.start(a, pid_text)
    assert helper is not None
    files.atomic_write_parts([(a, ["made here"]), (b, ["b"])], started={0: helper})
    assert a.read_text(encoding="utf-8").startswith("made by ")  # the helper's
    assert a.read_text(encoding="utf-8") != f"made by {os.getpid()}"
    assert b.read_text(encoding="utf-8") == "b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_a_failing_output_leaves_every_file_as_it_was(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a", encoding="utf-8")
    b.write_text("old b", encoding="utf-8")

    def broken() -> Iterator[str]:
        yield "half"
        raise RuntimeError("no more")

    def broken_helper(f: TextIO) -> None:
        f.writelines(broken())

    helper = files.ForkedPart.start(a, broken_helper)
    with pytest.raises(RuntimeError, match="no more"):  # raised here, after the helper failed
        files.atomic_write_parts([(a, broken()), (b, ["new b"])], started={0: helper or _no()})
    assert a.read_text(encoding="utf-8") == "old a"
    assert b.read_text(encoding="utf-8") == "old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]  # no temporary file

    def new_b(f: TextIO) -> None:
        f.write("new b")

    helper = files.ForkedPart.start(b, new_b)
    with pytest.raises(RuntimeError, match="no more"):  # this process's own output fails
        files.atomic_write_parts([(b, ["new b"]), (a, broken())], started={0: helper or _no()})
    assert (a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")) == ("old a", "old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def _no() -> files.ForkedPart:
    raise AssertionError("no helper could be forked")


# --- mentions read later, from the version read with the links ---------------------------------

_LINKS = (
    "key,kind,source,id,url\n"
    "a,paper,arxiv,2301.00001,https://arxiv.org/abs/2301.00001\n"
    "b,code,github,example-org/example-repo,https://github.com/example-org/example-repo\n"
)
_MENTIONS = (
    "link,file,line\narxiv:2301.00001,notes.md,3\ngithub:code:example-org/example-repo,notes.md,4\n"
)


def test_later_mentions_come_from_the_version_opened_with_the_links(tmp_path: Path) -> None:
    links = tmp_path / "links.csv"
    links.write_text(_LINKS, encoding="utf-8")
    (tmp_path / "mentions.csv").write_text(_MENTIONS, encoding="utf-8")
    later = cat.LaterMentions()
    catalogue = cat.load(links, later=later)
    assert [len(link.mentions) for link in catalogue.links] == [0, 0]
    newer = tmp_path / "newer.csv"  # another run replaces the file (by renaming, as it does)
    newer.write_text("link,file,line\narxiv:2301.00001,other.md,9\n", encoding="utf-8")
    os.replace(newer, tmp_path / "mentions.csv")
    later.read()
    assert [[(m.file, m.line) for m in link.mentions] for link in catalogue.links] == [
        [("notes.md", 3)],
        [("notes.md", 4)],
    ]
    later.read()  # once only
    assert [len(link.mentions) for link in catalogue.links] == [1, 1]
    assert catalogue.mentions_left_out == frozenset()


# --- the commands: the same files as one process --------------------------------------------------


def _catalogue(folder: Path, n: int) -> Path:
    rows = ["key,kind,source,id,url,topic"]
    mentions = ["link,file,line,section,label,context"]
    for i in range(n):
        ident = f"23{i // 100:02d}.{i % 100:05d}"
        rows.append(f",paper,arxiv,{ident},https://arxiv.org/abs/{ident},")
        topic = ("long context window", "mixture of experts", "reward model alignment")[i % 3]
        mentions.append(
            f'arxiv:{ident},notes.md,{i + 1},Section {i % 7},paper,"{topic} see {ident}"'
        )
    links = folder / "data" / "links.csv"
    links.parent.mkdir(parents=True)
    links.write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "data" / "mentions.csv").write_text("\n".join(mentions) + "\n", encoding="utf-8")
    return links


def test_build_writes_what_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    links = _catalogue(tmp_path, 300)
    monkeypatch.setattr(cores, "LEAST", 10)  # every step shared
    build(tmp_path / "two", links, tmp_path / "none")
    monkeypatch.setattr(files, "can_fork", lambda: False)
    monkeypatch.setattr(cores, "can_fork", lambda: False)
    build(tmp_path / "one", links, tmp_path / "none")
    for name in ("references.bib", "READING_LIST.md"):
        one = (tmp_path / "one" / name).read_bytes()
        assert (tmp_path / "two" / name).read_bytes() == one and len(one) > 10_000
    assert b"## Long context" in (tmp_path / "one" / "READING_LIST.md").read_bytes()
    serial = reading_list(None, links, tmp_path / "none")
    monkeypatch.undo()
    monkeypatch.setattr(cores, "LEAST", 10)
    assert reading_list(None, links, tmp_path / "none") == serial


def test_build_shares_the_topics_with_a_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    links = _catalogue(tmp_path, 300)
    monkeypatch.setattr(cores, "LEAST", 10)
    calls: list[int] = []
    real = cores.map_shared

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(args[1]))
        return real(*args, **kwargs)

    monkeypatch.setattr(topics, "map_shared", counted)
    build(tmp_path / "out", links, tmp_path / "none")
    assert calls[0] == 300  # every link's topic, in chunks of 16


# --- what a review found (each failed on the code before its fix) -------------------------------


def _children() -> list[int]:
    """This process's children, running or not yet reaped."""
    me, found = str(os.getpid()), []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if fields[1] == me:
                    found.append(int(entry.name))
    return found


def test_build_helpers_read_nothing_themselves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The .bib's helper once read the catalogue on its own after the lock was released: an
    extract in between gave a .bib and a reading list of two versions."""
    links = _catalogue(tmp_path, 300)
    readers = tmp_path / "readers"
    real_load = cat.load

    def load(*args: Any, **kwargs: Any) -> Any:
        with readers.open("a", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")
        return real_load(*args, **kwargs)

    monkeypatch.setattr(cat, "load", load)
    build(tmp_path / "out", links, tmp_path / "none")
    assert readers.read_text(encoding="utf-8").split() == [str(os.getpid())]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_a_failed_write_leaves_no_helper_and_nothing_frozen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    links = _catalogue(tmp_path, 300)
    real = files.write_synced

    parent = os.getpid()

    def disk_full(parts: Any, f: TextIO) -> None:  # here (the reading list), not in the helper
        if os.getpid() == parent:
            pieces = iter(parts)
            next(pieces), next(pieces)  # the first pieces made (its helpers started)
            raise OSError(28, "No space left on device")
        real(parts, f)

    monkeypatch.setattr(files, "write_synced", disk_full)
    kept = []
    for _ in range(2):
        with pytest.raises(OSError, match="No space") as caught:
            build(tmp_path / "out", links, tmp_path / "none")
        kept.append(caught)  # a traceback kept (as a notebook keeps it) holds its frames
        with pytest.raises(OSError, match="No space") as caught:
            reading_list(tmp_path / "out" / "list.md", links, tmp_path / "none")
        kept.append(caught)
    assert _children() == [] and gc.get_freeze_count() == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == []


def test_a_freeze_made_by_the_host_program_stays(tmp_path: Path) -> None:
    links = _catalogue(tmp_path, 300)
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        reading_list(None, links, tmp_path / "none")
        assert gc.get_freeze_count() == frozen > 0
    finally:
        gc.unfreeze()


def test_no_room_for_a_helper_file_means_no_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    def read_only(*args: Any, **kwargs: Any) -> Any:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr("paperindex.cores.tempfile.TemporaryFile", read_only)
    assert {p for _, p in cores.map_shared(_slow_pids, range(10))} == {os.getpid()}
    assert "".join(cores.parts_halves(_lines, list("abcdef"))).count("\n") == 6


def test_a_helper_writing_an_output_leaves_no_file_behind_when_killed(tmp_path: Path) -> None:
    started = threading.Event()

    def endless(f: TextIO) -> None:
        f.write("x")
        f.flush()
        started.wait(60)

    helper = files.ForkedPart.start(tmp_path / "references.bib", endless)
    assert helper is not None
    assert list(tmp_path.iterdir()) == []  # its file has no name: a kill leaves nothing
    os.kill(helper.pid, signal.SIGKILL)
    helper.close()
    assert list(tmp_path.iterdir()) == []


def test_closing_later_mentions_closes_their_file(tmp_path: Path) -> None:
    links = tmp_path / "links.csv"
    links.write_text(_LINKS, encoding="utf-8")
    (tmp_path / "mentions.csv").write_text(_MENTIONS, encoding="utf-8")
    before = len(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").exists() else None
    later = cat.LaterMentions()
    cat.load(links, later=later)
    later.close()
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) == before
    later.read()  # nothing left to read: no error


def test_the_first_output_s_error_is_reported_as_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key BibTeX cannot use (the .bib fails) and a malformed mentions row (the reading list
    fails): one process makes the .bib first and reports its error; so must two."""
    links = _catalogue(tmp_path, 300)
    rows = links.read_text(encoding="utf-8").splitlines()
    rows[4] = "smith 2020" + rows[4]
    links.write_text("\n".join(rows) + "\n", encoding="utf-8")
    mentions = tmp_path / "data" / "mentions.csv"
    mentions.write_text(
        mentions.read_text(encoding="utf-8").replace(",notes.md,10,", ",notes.md,ten,"),
        encoding="utf-8",
    )
    with pytest.raises(Exception, match="BibTeX cannot use") as two:
        build(tmp_path / "two", links, tmp_path / "none")
    monkeypatch.setattr(files, "can_fork", lambda: False)
    monkeypatch.setattr(cores, "can_fork", lambda: False)
    with pytest.raises(Exception, match="BibTeX cannot use") as one:
        build(tmp_path / "one", links, tmp_path / "none")
    assert str(two.value) == str(one.value)
