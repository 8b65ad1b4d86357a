"""Atomic writes and locks: modes kept, killed writers' temporary files cleared, no printing."""

from __future__ import annotations

import logging
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from paperindex.files import LockedError, atomic_write_text, locked

from .conftest import ROOT


def test_atomic_write_keeps_the_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "links.csv"
    path.write_text("old\n")
    path.chmod(0o600)
    atomic_write_text(path, "new\n")
    assert path.read_text() == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    fresh = tmp_path / "new.csv"
    atomic_write_text(fresh, "x\n")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["links.csv", "new.csv"]


KILLED_WRITER = """
import os, sys, time
from pathlib import Path
from paperindex.files import atomic_write_text, locked

real_fsync = os.fsync

def fsync(fd):
    real_fsync(fd)
    print("WRITING", os.readlink(f"/proc/self/fd/{fd}"), flush=True)
    time.sleep(120)  # killed here: after the temporary file is written, before the rename

os.fsync = fsync
target = Path(sys.argv[1])
with locked(target):
    atomic_write_text(target, "x" * 1_000_000)
"""


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc (Linux)")
def test_the_next_locked_run_removes_what_a_killed_writer_left(tmp_path: Path) -> None:
    target = tmp_path / "links.csv"
    target.write_text("old\n")
    victim = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(target)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert victim.stdout is not None
    line = victim.stdout.readline()
    victim.send_signal(signal.SIGKILL)
    assert victim.wait(timeout=10) == -signal.SIGKILL
    assert line.startswith("WRITING "), line
    orphan = Path(line.split(" ", 1)[1].strip())
    assert orphan.parent == tmp_path and orphan.stat().st_size == 1_000_000
    assert target.read_text() == "old\n"  # the old file, whole

    # what is not ours, or not that file's, or newer than the lock, stays
    others = [
        tmp_path / ".links.csv.keep.tmp",  # not a name we make
        tmp_path / ".other.csv.abcdefgh.tmp",  # another file's
        tmp_path / "links.csv.abcdefgh.tmp",  # no leading dot
    ]
    for other in others:
        other.write_text("not ours")
    live = tmp_path / ".links.csv.zz99zz99.tmp"  # a writer's file dated after the lock is taken
    live.write_text("live")
    future = orphan.stat().st_mtime + 3600
    os.utime(live, (future, future))

    with locked(target, wait=False):
        assert not orphan.exists()
    assert all(p.exists() for p in others) and live.exists()
    assert target.read_text() == "old\n"


def test_remove_orphans_only_touches_older_regular_files(tmp_path: Path) -> None:
    from paperindex.files import remove_orphans

    target = tmp_path / "arxiv.json"
    old = tmp_path / ".arxiv.json.abc_1234.tmp"
    old.write_text("{")
    os.utime(old, (1_000_000_000, 1_000_000_000))
    folder = tmp_path / ".arxiv.json.dir_1234.tmp"
    folder.mkdir()
    os.utime(folder, (1_000_000_000, 1_000_000_000))
    assert remove_orphans(target, 2_000_000_000 * 10**9) == [old]
    assert folder.exists() and not old.exists()
    assert remove_orphans(tmp_path / "missing" / "x.json", 2**62) == []


def test_waiting_for_a_lock_is_told_to_the_caller_not_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    target = tmp_path / "links.csv"
    told: list[str] = []
    release = threading.Event()
    holding = threading.Event()

    def holder() -> None:
        with locked(target):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert holding.wait(10)
        with pytest.raises(LockedError, match="stayed locked by another paperindex run for 0s"):
            with locked(target, timeout=0.2, on_wait=told.append):
                pass
        with caplog.at_level(logging.WARNING, logger="paperindex.files"):
            with pytest.raises(LockedError):
                with locked(target, timeout=0.2):
                    pass
        with pytest.raises(LockedError, match="try again later"):
            with locked(target, wait=False):
                pass
    finally:
        release.set()
        thread.join(10)
    assert told == [f"{target} is locked by another run; waiting up to 0s"]
    assert [r.getMessage() for r in caplog.records] == [f"paperindex: {told[0]}"]
    assert capsys.readouterr() == ("", "")
