"""A no-change re-run of `extract` does no work: it replays the last run's report when every
input is byte for byte what that run read and the catalogue files are what it left; any change
(a note, `links.csv`, `mentions.csv`, an option, the set of files, a metadata store), a corrupt
fingerprint or a kill at any moment only ever makes it a full run with the right result."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import pytest

from paperindex import api
from paperindex import catalogue as cat
from paperindex.cli import main
from paperindex.enrich import store
from paperindex.enrich.sources.facts import LinkRecord
from paperindex.extract import extract_paths
from paperindex.extract.fingerprint import fingerprint_path
from paperindex.files import write_together

from .conftest import ROOT

A = """# 序列模型
D: [Mamba](https://arxiv.org/abs/2312.00752)，线性复杂度。代码 https://github.com/state-spaces/mamba
F1: 同一篇 https://arxiv.org/pdf/2312.00752v2.pdf ![图](https://example.com/fig.png)
"""
B = """## Attention
See arXiv:1706.03762 and https://github.com/karpathy/nanogpt
"""
GB = "## 中文笔记\n见 https://zhuanlan.zhihu.com/p/655402388 的讨论\n"


def _notes(root: Path) -> Path:
    """A folder of notes: two UTF-8 notes, a GB18030 one, a binary one and a hidden one."""
    notes = root / "notes"
    (notes / "sub").mkdir(parents=True)
    (notes / "a.md").write_text(A, encoding="utf-8")
    (notes / "sub" / "b.md").write_text(B, encoding="utf-8")
    (notes / "zh.md").write_bytes(GB.encode("gb18030"))
    (notes / "blob.md").write_bytes(b"https://example.com/x\0\1\2")
    (notes / ".hidden.md").write_text("https://example.com/hidden\n", encoding="utf-8")
    return notes


class Calls:
    """Counts the scans (`extract_paths`) of the runs in this process."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.scans = 0

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.scans += 1
            return extract_paths(*args, **kwargs)

        monkeypatch.setattr(api, "extract_paths", counted)


def _extract(
    root: Path, capsys: pytest.CaptureFixture[str], *options: str, code: int = 0
) -> list[str]:
    data = ["--catalogue", str(root / "data" / "links.csv"), "--metadata", str(root / "meta")]
    assert main(["extract", str(root / "notes"), *data, *options]) == code
    return capsys.readouterr().err.splitlines()


def _files(root: Path) -> tuple[bytes, bytes]:
    data = root / "data"
    return (data / "links.csv").read_bytes(), (data / "mentions.csv").read_bytes()


def test_an_unchanged_rerun_replays_the_report_without_scanning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _notes(tmp_path)
    first = _extract(tmp_path, capsys)
    files = _files(tmp_path)
    assert fingerprint_path(tmp_path / "data" / "links.csv").is_file()

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a replayed run scans, loads or saves nothing")

    with monkeypatch.context() as m:
        for target, name in ((api, "extract_paths"), (cat, "load"), (cat, "save")):
            m.setattr(target, name, fail)
        m.setattr(cat, "merge", fail)
        replayed = _extract(tmp_path, capsys)
    assert _files(tmp_path) == files

    # the same report as a full run over the same state prints (the fingerprint removed)
    fingerprint_path(tmp_path / "data" / "links.csv").unlink()
    full = _extract(tmp_path, capsys)
    assert _files(tmp_path) == files
    assert replayed == full
    assert full == [
        "skipped ./notes/.hidden.md: hidden",
        "read ./notes/a.md: 3 citation(s), 1 image(s) skipped (utf-8)",
        "skipped ./notes/blob.md: binary (NUL bytes)",
        "read ./notes/sub/b.md: 2 citation(s) (utf-8)",
        "read ./notes/zh.md: 1 citation(s) (gb18030); warning: not UTF-8; decoded as GB18030",
        f"{tmp_path / 'data' / 'links.csv'}: 5 links (1 article, 2 code, 2 paper); 0 new, "
        "0 no longer cited, 0 keyed; unchanged; 1 image(s) skipped (--keep-images keeps them)",
    ]
    assert first[:-1] == full[:-1]
    assert first[-1].endswith("5 new, 0 no longer cited, 3 keyed; written; 1 image(s) skipped "
                              "(--keep-images keeps them)")  # fmt: skip


def _edit_note_same_size_and_time(root: Path) -> None:
    """One character of a.md changed (same byte count), its times put back: only the bytes
    differ."""
    path = root / "notes" / "a.md"
    st = path.stat()
    text = path.read_text(encoding="utf-8").replace("state-spaces/mamba", "state-spaces/mambo")
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size


def _delete_a_row_of_links(root: Path) -> None:
    path = root / "data" / "links.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if "karpathy" not in line), encoding="utf-8")


def _curate_a_title(root: Path) -> None:
    path = root / "data" / "links.csv"
    catalogue = cat.load(path)
    catalogue.links[0].title = "My title"
    path.write_text(cat.dumps(catalogue), encoding="utf-8")


def _delete_a_mention(root: Path) -> None:
    path = root / "data" / "mentions.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if ",./notes/sub/b.md,2," not in line), "utf-8")


def _add_a_note(root: Path) -> None:
    (root / "notes" / "c.md").write_text("https://github.com/openai/gpt-2\n", encoding="utf-8")


def _remove_a_note(root: Path) -> None:
    (root / "notes" / "sub" / "b.md").unlink()


def _add_a_store(root: Path) -> None:
    records = {"github:code:state-spaces/mamba": LinkRecord(title="Mamba, the code")}
    store.save(store.Store[LinkRecord](records=records), root / "meta" / "links.json")


CHANGES: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "a note's bytes (same size and time)": (_edit_note_same_size_and_time, ()),
    "a row of links.csv deleted": (_delete_a_row_of_links, ()),
    "a curated cell of links.csv": (_curate_a_title, ()),
    "a row of mentions.csv deleted": (_delete_a_mention, ()),
    "a note added": (_add_a_note, ()),
    "a note removed": (_remove_a_note, ()),
    "a metadata store": (_add_a_store, ()),
    "--keep-images": (lambda root: None, ("--keep-images",)),
    "--follow-symlinks": (lambda root: None, ("--follow-symlinks",)),
}


CHECKS: dict[str, Callable[[list[str], set[str], bytes], bool]] = {
    "a note's bytes (same size and time)": lambda said, ids, m: (
        "state-spaces/mambo" in ids and "1 new, 1 no longer cited" in said[-1]
    ),
    "a row of links.csv deleted": lambda said, ids, m: (
        "karpathy/nanogpt" in ids and "1 new" in said[-1]
    ),
    "a curated cell of links.csv": lambda said, ids, m: "0 new" in said[-1],
    "a row of mentions.csv deleted": lambda said, ids, m: b",./notes/sub/b.md,2," in m,
    "a note added": lambda said, ids, m: "openai/gpt-2" in ids and "1 new" in said[-1],
    # its citations go with it: what only it cited is no longer cited (its last mention kept)
    "a note removed": lambda said, ids, m: ", 2 no longer cited" in said[-1],
    "a metadata store": lambda said, ids, m: True,
    "--keep-images": lambda said, ids, m: "/fig.png" in ids and "1 new" in said[-1],
    "--follow-symlinks": lambda said, ids, m: "0 new" in said[-1],
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_any_change_makes_a_full_run_with_the_result_of_one(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    change: str,
) -> None:
    edit, options = CHANGES[change]
    _notes(tmp_path)
    _extract(tmp_path, capsys)
    calls = Calls(monkeypatch)
    _extract(tmp_path, capsys)
    assert calls.scans == 0  # unchanged: replayed
    edit(tmp_path)

    # the expected result: a full run over a copy of the same state, with no fingerprint
    twin = tmp_path / "twin"
    for folder in ("notes", "data", "meta"):
        if (tmp_path / folder).exists():
            shutil.copytree(tmp_path / folder, twin / folder, symlinks=True)
    fingerprint_path(twin / "data" / "links.csv").unlink()
    expected = _extract(twin, capsys, *options)

    said = _extract(tmp_path, capsys, *options)
    assert calls.scans == 2  # the twin's, then ours
    assert _files(tmp_path) == _files(twin)
    assert said[:-1] == expected[:-1]
    assert said[-1].split(": ", 1)[1] == expected[-1].split(": ", 1)[1]
    links = cat.load(tmp_path / "data" / "links.csv")
    ids = {link.id for link in links.links}
    assert CHECKS[change](said, ids, _files(tmp_path)[1]), said
    if change == "a curated cell of links.csv":
        assert links.links[0].title == "My title"
    if change == "a metadata store":
        assert [lk.auto_title for lk in links.links if lk.id == "state-spaces/mamba"] == [
            "Mamba, the code"
        ]

    # and the state it left is replayed next time
    images = "" if "--keep-images" in options else "; 1 image(s) skipped (--keep-images keeps them)"
    counts = said[-1].split(";")[0]
    reports = [line for line in said[:-1] if not line.startswith("gone ")]  # said once
    again = [*reports, f"{counts}; 0 new, 0 no longer cited, 0 keyed; unchanged{images}"]
    assert _extract(tmp_path, capsys, *options) == again
    assert calls.scans == 2


def _fingerprint(root: Path) -> Path:
    return fingerprint_path(root / "data" / "links.csv")


def _reshaped(text: str) -> str:
    """A well-formed fingerprint (its check recomputed) of an unexpected shape."""
    data = json.loads(text)
    del data["body"]["notes"][0]["report"]
    body = json.dumps(data["body"], ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    data["check"] = hashlib.sha256(body.encode("ascii")).hexdigest()
    return json.dumps(data)


CORRUPTIONS: dict[str, Callable[[str], str | None]] = {
    "empty": lambda text: "",
    "truncated": lambda text: text[: len(text) // 2],
    "not JSON": lambda text: "\x00\xff garbage",
    "a list": lambda text: "[1, 2, 3]",
    "edited by hand": lambda text: text.replace('"citations":3', '"citations":4'),
    "another format": lambda text: text.replace('"format":1', '"format":99'),
    "well-formed, wrong shape": _reshaped,
    "a folder": lambda text: None,
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_a_corrupt_fingerprint_makes_a_full_run_never_an_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    corruption: str,
) -> None:
    _notes(tmp_path)
    _extract(tmp_path, capsys)
    files = _files(tmp_path)
    text = _fingerprint(tmp_path).read_text(encoding="ascii")
    assert '"citations":3' in text and '"format":1' in text
    corrupt = CORRUPTIONS[corruption](text)
    _fingerprint(tmp_path).unlink()
    if corrupt is None:
        _fingerprint(tmp_path).mkdir()
    else:
        _fingerprint(tmp_path).write_text(corrupt, encoding="utf-8", errors="surrogateescape")
    calls = Calls(monkeypatch)
    said = _extract(tmp_path, capsys)
    assert calls.scans == 1
    assert said[-1].endswith("0 new, 0 no longer cited, 0 keyed; unchanged; 1 image(s) skipped "
                             "(--keep-images keeps them)")  # fmt: skip
    assert _files(tmp_path) == files
    _extract(tmp_path, capsys)
    assert calls.scans == (2 if corruption == "a folder" else 1)  # rewritten, then replayed


def test_a_run_that_warned_or_skipped_an_input_for_an_error_is_not_replayed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _notes(tmp_path)
    _extract(tmp_path, capsys)
    calls = Calls(monkeypatch)
    # a mention of a link no longer in links.csv: the run says so (a logged warning)
    with (tmp_path / "data" / "mentions.csv").open("a", encoding="utf-8") as f:
        f.write("github:code:gone/away,other.md,9,,,,,https://github.com/gone/away,,\n")
    _extract(tmp_path, capsys)
    assert not _fingerprint(tmp_path).exists()
    _extract(tmp_path, capsys)  # nothing to warn about now: recorded
    _extract(tmp_path, capsys)
    assert calls.scans == 2

    (tmp_path / "notes" / "broken.md").symlink_to(tmp_path / "nowhere.md")
    said = _extract(tmp_path, capsys, code=1)
    assert "error: skipped broken.md: broken symlink" in said
    assert not _fingerprint(tmp_path).exists()
    _extract(tmp_path, capsys, code=1)
    assert calls.scans == 4


def test_the_api_replays_only_when_asked_and_reads_the_catalogue_on_demand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = _notes(tmp_path)
    path, meta = tmp_path / "links.csv", tmp_path / "meta"
    api.update_catalogue([notes], path, meta)
    assert not fingerprint_path(path).exists()  # not asked: nothing recorded
    first = api.update_catalogue([notes], path, meta, skip_unchanged=True)
    assert not first.reused and first.links == 5
    calls = Calls(monkeypatch)
    again = api.update_catalogue([notes], path, meta, skip_unchanged=True)
    assert calls.scans == 0
    assert again.reused and not again.written and again.extract.citations == []
    assert again.kinds == first.kinds == {"article": 1, "code": 2, "paper": 2}
    assert [f.citations for f in again.extract.files] == [0, 3, 0, 2, 1]
    assert [(lk.id, len(lk.mentions)) for lk in again.catalogue.links] == [
        (lk.id, len(lk.mentions)) for lk in first.catalogue.links
    ]
    api.update_catalogue([notes], path, meta)  # not asked: a full run
    assert calls.scans == 1


def test_digests_are_of_the_bytes_read_and_written(tmp_path: Path) -> None:
    notes = _notes(tmp_path)
    found = extract_paths([notes])
    for note, report in zip(found.inputs, found.files, strict=True):
        if note.name == ".hidden.md":
            assert report.digest is None
            continue
        data = note.path.read_bytes()
        assert report.digest == (len(data), hashlib.sha256(data).hexdigest()), note.name
    digests: dict[Path, tuple[int, str]] = {}
    main_file, other = tmp_path / "x.csv", tmp_path / "y.csv"
    other.write_text("same\n", encoding="utf-8")

    def writer(text: str) -> Callable[[TextIO], None]:
        def write(f: TextIO) -> None:
            f.write(text)

        return write

    write_together(
        main_file, [(main_file, writer("é,\n" * 100_000)), (other, writer("same\n"))], digests
    )
    for path in (main_file, other):
        data = path.read_bytes()
        assert digests[path] == (len(data), hashlib.sha256(data).hexdigest())


KILLED = """
import os, signal, sys
from pathlib import Path
from paperindex import api, files
from paperindex.extract import fingerprint

root, stage = Path(sys.argv[1]), sys.argv[2]
real_replace = os.replace

def kill(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

def replace(src, dst):
    if Path(dst).name == "mentions.csv":
        kill()  # the catalogue committed, one file of two renamed
    real_replace(src, dst)

if stage == "before-fingerprint":
    fingerprint.remember = kill
elif stage == "between-renames":
    files.os.replace = replace
api.update_catalogue([root / "notes"], root / "data" / "links.csv", root / "meta",
                     skip_unchanged=True)
"""


@pytest.mark.parametrize("stage", ["before-fingerprint", "between-renames"])
def test_a_kill_at_any_point_leaves_a_fingerprint_that_cannot_match_wrongly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    _notes(tmp_path)
    _extract(tmp_path, capsys)  # notes N1, catalogue C1, fingerprint of (N1, C1)
    before = _files(tmp_path)
    a = tmp_path / "notes" / "a.md"
    a.write_text(A + "https://github.com/openai/gpt-2\n", encoding="utf-8")  # N2
    killed = subprocess.run(
        [sys.executable, "-c", KILLED, str(tmp_path), stage], cwd=ROOT, capture_output=True
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    calls = Calls(monkeypatch)
    # the notes back as they were: the old fingerprint names them, but not the catalogue now
    a.write_text(A, encoding="utf-8")
    said = _extract(tmp_path, capsys)
    assert calls.scans == 1
    assert "0 new, 1 no longer cited" in said[-1]  # gpt-2, catalogued by the killed run
    assert _files(tmp_path) != before
    ids = [lk.id for lk in cat.load(tmp_path / "data" / "links.csv").links]
    assert ids[-1] == "openai/gpt-2"
    _extract(tmp_path, capsys)
    assert calls.scans == 1  # and now recorded
