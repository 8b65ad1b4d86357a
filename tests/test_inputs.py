"""One bad input never sinks a run: odd names, unreadable files and folders, FIFOs, sockets,
devices, symlinks out of the folder and symlink loops are skipped and reported by name."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest

from paperindex import catalogue as cat
from paperindex import extract
from paperindex.api import update_catalogue
from paperindex.cli import main
from paperindex.extract import extract_paths

GOOD = "见https://github.com/state-spaces/mamba，arXiv:2312.00752。\n"


@contextmanager
def _deadline(seconds: int = 10) -> Iterator[None]:
    """Fail instead of hanging for ever if something opens a FIFO."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("blocked: was a FIFO opened?")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _unprivileged() -> Iterator[None]:
    """Act as an ordinary user (nobody) when the tests run as root, who reads every file
    whatever its mode bits; as anyone else, do nothing."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder that `nobody` may enter (pytest's tmp_path is private to its user)."""
    path = Path(tempfile.mkdtemp(prefix="paperindex-inputs-"))
    path.chmod(0o755)
    yield path
    for p in path.rglob("*"):
        if p.is_dir() and not p.is_symlink():
            p.chmod(0o755)
    shutil.rmtree(path)


def _reports(reports: list[extract.FileReport]) -> list[tuple[str, str]]:
    return [(r.path, r.skipped) for r in reports]


def _errors(reports: list[extract.FileReport]) -> list[str]:
    return [r.path for r in reports if r.error]


def test_file_names_that_are_not_utf8_are_reported_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Case 8: a name with an undecodable byte aborted the run (`'utf-8' codec can't encode
    character '\\udcff'`, the file not named)."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.md").write_text(GOOD, encoding="utf-8")
    bad = os.fsencode(notes) + b"/bad\xff.md"
    with open(bad, "wb") as f:
        f.write(b"https://example.com/in-bad-name\n")
    out = tmp_path / "links.csv"
    code = main(["extract", str(notes), "--catalogue", str(out), "--store", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 1
    assert "error: skipped bad\\xff.md: file name is not valid UTF-8; rename it" in err
    assert {link.id for link in cat.load(out).links} == {"state-spaces/mamba", "2312.00752"}
    result = extract_paths([notes])
    assert _reports(result.files) == [
        ("bad\\xff.md", "file name is not valid UTF-8; rename it"),
        ("good.md", ""),
    ]
    assert _errors(result.files) == ["bad\\xff.md"]


def test_unreadable_files_and_folders_are_reported_and_the_rest_is_read(
    shared_dir: Path,
) -> None:
    """Case 8: an unreadable file stopped the run with a raw PermissionError; an unreadable
    folder was passed over in silence."""
    (shared_dir / "a.md").write_text(GOOD, encoding="utf-8")
    (shared_dir / "secret.md").write_text("https://example.com/secret\n", encoding="utf-8")
    (shared_dir / "secret.md").chmod(0)
    (shared_dir / "locked").mkdir()
    (shared_dir / "locked" / "x.md").write_text("https://example.com/x\n", encoding="utf-8")
    (shared_dir / "locked").chmod(0)
    (shared_dir / "z.md").write_text("https://example.com/z\n", encoding="utf-8")
    with _unprivileged():
        result = extract_paths([shared_dir])
    assert _reports(result.files) == [
        ("a.md", ""),
        ("locked/", "folder unreadable (Permission denied)"),
        ("secret.md", "unreadable (Permission denied)"),
        ("z.md", ""),
    ]
    assert _errors(result.files) == ["locked/", "secret.md"]
    assert [c.mention.file for c in result.citations] == ["a.md", "a.md", "z.md"]


def test_a_fifo_named_on_the_command_line_is_skipped_for_an_error_not_opened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Case 8: a FIFO named on the command line was "skipped: not found" (exit 0)."""
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    good = tmp_path / "good.md"
    good.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "links.csv"
    with _deadline():
        code = main(["extract", str(fifo), str(good), "--catalogue", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert f"error: skipped {fifo}: special file (FIFO); not opened" in err
    assert "read ./good.md: 2 citation(s)" in err  # named from the catalogue's folder
    assert "1 input(s) skipped for errors" in err
    assert len(cat.load(out).links) == 2  # everything else was saved


def test_fifos_sockets_and_devices_are_reported_never_opened(tmp_path: Path) -> None:
    """In a folder they used to be passed over in silence; a device named directly was "not
    found"."""
    notes = tmp_path / "notes"
    notes.mkdir()
    os.mkfifo(notes / "a-pipe.md")
    os.mkfifo(notes / "other-pipe.csv")  # not a note: passed over, like any .csv
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(notes / "b-socket.md"))
        (notes / "c.md").write_text(GOOD, encoding="utf-8")
        with _deadline():
            result = extract_paths([notes, "/dev/null"])
    finally:
        server.close()
    assert _reports(result.files) == [
        ("a-pipe.md", "special file (FIFO); not opened"),
        ("b-socket.md", "special file (socket); not opened"),
        ("c.md", ""),
        ("/dev/null", "special file (character device); not opened"),
    ]
    assert _errors(result.files) == ["a-pipe.md", "b-socket.md", "/dev/null"]
    assert len(result.citations) == 2


def test_symlinks_are_followed_only_inside_the_folder(tmp_path: Path) -> None:
    """Case 9: `passwd.md -> /etc/passwd` in a notes folder was read.  Links inside the folder
    are followed; links out of it are reported, unless `follow_symlinks`."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("https://example.com/secret\n", encoding="utf-8")
    notes = tmp_path / "notes"
    (notes / "sub").mkdir(parents=True)
    (notes / "sub" / "real.md").write_text("https://example.com/real\n", encoding="utf-8")
    (notes / "alias.md").symlink_to(notes / "sub" / "real.md")
    (notes / "linked-sub").symlink_to("sub")
    (notes / "passwd.md").symlink_to(outside / "secret.md")
    (notes / "out").symlink_to(outside)
    (notes / "out-notes.txt").symlink_to("/etc/passwd")
    (notes / "out-data").symlink_to("/etc/passwd")  # not a note: passed over
    result = extract_paths([notes])
    assert [(c.mention.file, c.mention.cited) for c in result.citations] == [
        ("alias.md", "https://example.com/real"),
        ("linked-sub/real.md", "https://example.com/real"),
        ("sub/real.md", "https://example.com/real"),
    ]
    outside_link = "symlink to outside the folder; not followed"
    assert _reports(result.files) == [
        ("alias.md", ""),
        ("linked-sub/real.md", ""),
        ("out", outside_link),
        ("out-notes.txt", outside_link),
        ("passwd.md", outside_link),
        ("sub/real.md", ""),
    ]
    assert _errors(result.files) == ["out", "out-notes.txt", "passwd.md"]

    followed = extract_paths([notes], follow_symlinks=True)
    assert _reports(followed.files) == [
        ("alias.md", ""),
        ("linked-sub/real.md", ""),
        ("out/secret.md", ""),
        ("out-notes.txt", ""),
        ("passwd.md", ""),
        ("sub/real.md", ""),
    ]
    assert [c.mention.file for c in followed.citations if "secret" in c.mention.cited] == [
        "out/secret.md",
        "passwd.md",
    ]


def test_symlink_loops_and_broken_links_are_reported(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").symlink_to("b.md")
    (notes / "b.md").symlink_to("a.md")
    (notes / "gone.md").symlink_to("nowhere.md")
    (notes / "self").symlink_to(".")
    (notes / "up").symlink_to("..")
    (notes / "x.md").write_text(GOOD, encoding="utf-8")
    with _deadline():
        result = extract_paths([notes])
    assert _reports(result.files) == [
        ("a.md", "symlink loop"),
        ("b.md", "symlink loop"),
        ("gone.md", "broken symlink"),
        ("self/", "symlink loop (a folder inside itself)"),
        ("up", "symlink to outside the folder; not followed"),
        ("x.md", ""),
    ]
    assert _errors(result.files) == ["a.md", "b.md", "gone.md", "self/", "up"]
    with _deadline():
        everywhere = extract_paths([notes], follow_symlinks=True)
    # Followed everywhere, `up` leads back into `notes` itself: a loop, reported, not walked.
    assert ("up/notes/", "symlink loop (a folder inside itself)") in _reports(everywhere.files)
    assert "up/notes/" in _errors(everywhere.files)


def test_only_policy_skips_exit_0_and_errors_exit_1_with_everything_else_saved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text(GOOD, encoding="utf-8")
    (notes / ".hidden.md").write_text("https://example.com/hidden\n", encoding="utf-8")
    (notes / "bin.md").write_bytes(b"https://example.com/bin\x00")
    out = tmp_path / "links.csv"
    assert main(["extract", str(notes), "--catalogue", str(out)]) == 0
    err = capsys.readouterr().err
    assert "skipped ./notes/.hidden.md: hidden" in err
    assert "skipped ./notes/bin.md: binary (NUL bytes)" in err
    assert "error" not in err

    # b.md is cited, then replaced by a FIFO: the run fails, b.md keeps its mentions, a.md's
    # new link is saved.
    (notes / "b.md").write_text("https://example.com/b\n", encoding="utf-8")
    assert main(["extract", str(notes), "--catalogue", str(out)]) == 0
    (notes / "b.md").unlink()
    os.mkfifo(notes / "b.md")
    (notes / "a.md").write_text(GOOD + "https://example.com/new\n", encoding="utf-8")
    with _deadline():
        assert main(["extract", str(notes), "--catalogue", str(out)]) == 1
    links = {link.id: link for link in cat.load(out).links}
    assert links["/new"].status.value == "cited"
    assert links["/b"].status.value == "cited"
    assert [m.file for m in links["/b"].mentions] == ["./notes/b.md"]  # not gone: unreadable


def test_the_api_reports_errors_and_follows_symlinks_when_asked(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("https://example.com/out\n", encoding="utf-8")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "link.md").symlink_to(outside)
    result = update_catalogue([notes], tmp_path / "links.csv", tmp_path / "s.json")
    assert [r.path for r in result.extract.errors] == ["link.md"]
    result = update_catalogue(
        [notes], tmp_path / "links.csv", tmp_path / "s.json", follow_symlinks=True
    )
    assert result.extract.errors == [] and [link.id for link in result.catalogue.links] == ["/out"]


def test_a_broken_symlink_named_directly_is_an_error_not_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    (tmp_path / "loop.md").symlink_to("loop.md")
    result = extract_paths([tmp_path / "dangling.md", tmp_path / "loop.md"])
    assert _reports(result.files) == [
        (str(tmp_path / "dangling.md"), "not found"),
        (str(tmp_path / "loop.md"), "symlink loop"),
    ]
    assert _errors(result.files) == [str(tmp_path / "dangling.md"), str(tmp_path / "loop.md")]
    assert main(["extract", str(tmp_path / "loop.md"), "--catalogue", str(tmp_path / "c")]) == 1


def test_display_name_escapes_what_a_terminal_or_utf8_cannot_take() -> None:
    display_name = extract.display_name
    assert display_name("notes/研究.md") == "notes/研究.md"
    assert display_name("bad\udcff.md") == "bad\\xff.md"
    assert display_name("esc\x1b[31m.md\n") == "esc\\x1b[31m.md\\x0a"
    assert display_name("c1\x9b.md") == "c1\\x9b.md"


def test_hidden_folders_are_policy_even_when_unreadable(shared_dir: Path) -> None:
    (shared_dir / ".git").mkdir()
    (shared_dir / ".git" / "objects").mkdir()
    (shared_dir / ".git" / "objects").chmod(0)
    (shared_dir / ".git" / "notes.md").write_text("https://example.com/h\n", encoding="utf-8")
    with _unprivileged():
        result = extract_paths([shared_dir])
    assert _reports(result.files) == [(".git/notes.md", "hidden")]
    assert _errors(result.files) == []
    assert stat.S_IMODE((shared_dir / ".git" / "objects").stat().st_mode) == 0
