"""Scanning on every core: the notes split into runs scanned by forked helpers give exactly
what one process finds (citations, reports, the catalogue files), whatever the cut; a helper
that fails or sends garbage costs only time; an interrupted run leaves no helper behind.

The forks happen in a fresh single-threaded process (a subprocess), as on the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from paperindex.extract import forked
from paperindex.extract.reader import iter_note_files

from .conftest import ROOT, run_probe

A = """# 序列模型
D: [Mamba](https://arxiv.org/abs/2312.00752)，线性复杂度。代码 https://github.com/state-spaces/mamba
F1: 同一篇 https://arxiv.org/pdf/2312.00752v2.pdf ![图](https://example.com/fig.png)
"""


def _corpus(root: Path) -> Path:
    """Notes of every kind: many files, nested, a GB18030 one, a binary one, a hidden one, a
    broken symlink, a link cited in several files."""
    notes = root / "notes"
    (notes / "sub").mkdir(parents=True)
    for i in range(12):
        lines = [f"## Part {i}\n"]
        for j in range(20 * (i + 1)):
            lines.append(
                f"Q{j}: see https://arxiv.org/abs/2401.{i * 1000 + j:05d} and "
                f"https://github.com/org{j % 7}/repo-{i}-{j} 还有 arXiv:2312.00752\n"
            )
        folder = notes / "sub" if i % 3 == 0 else notes
        (folder / f"n{i:02d}.md").write_text("".join(lines), encoding="utf-8")
    (notes / "a.md").write_text(A, encoding="utf-8")
    (notes / "zh.md").write_bytes("见 https://zhuanlan.zhihu.com/p/655402388\n".encode("gb18030"))
    (notes / "blob.md").write_bytes(b"https://example.com/x\0\1\2")
    (notes / ".hidden.md").write_text("https://example.com/hidden\n", encoding="utf-8")
    (notes / "broken.md").symlink_to(root / "nowhere.md")
    return notes


PROBE = """
import os, sys
from pathlib import Path
from paperindex.extract import extract_paths, forked
from paperindex.extract.reader import _read_one, iter_note_files

notes_dir = Path(sys.argv[1])
notes = list(iter_note_files([notes_dir]))
serial = extract_paths([notes_dir], parallel=False)
expected = list(zip(serial.files, [None] * len(notes)))
parent = os.getpid()

def scan(note):
    return _read_one(note, False)

def split(found):
    reports = [r for r, _ in found]
    return reports, [c for _, cs in found for c in cs]

checked = 0
for cuts in [[k] for k in range(1, len(notes))] + [[2, 5, 9], [1, 2, 3], [len(notes) - 1]]:
    reports, citations = split(list(forked.scanned(notes, scan, cuts)))
    assert reports == serial.files, cuts
    assert citations == serial.citations, cuts
    checked += 1

# a helper that fails, or sends garbage: its files are scanned here
def failing(note):
    if os.getpid() != parent:
        raise RuntimeError("helper failed")
    return scan(note)

reports, citations = split(list(forked.scanned(notes, failing, [3, 8])))
assert (reports, citations) == (serial.files, serial.citations)
real_pack = forked._pack
forked._pack = lambda found: b"garbage"
reports, citations = split(list(forked.scanned(notes, scan, [4])))
assert (reports, citations) == (serial.files, serial.citations)
forked._pack = real_pack

# interrupted after the first result: every helper killed and reaped
found = forked.scanned(notes, scan, [2, 6])
next(found)
found.close()
try:
    os.waitpid(-1, os.WNOHANG)
except ChildProcessError:
    pass
else:
    raise AssertionError("a helper left behind")

# the whole run, parallel as planned, is the serial one
forked.MIN_BYTES = 0
assert forked.plan(notes) != []
again = extract_paths([notes_dir])
assert (again.files, again.citations, again.inputs) == (serial.files, serial.citations, serial.inputs)
print("OK", checked, len(serial.citations))
"""


def test_helpers_find_exactly_what_one_process_finds(tmp_path: Path) -> None:
    notes = _corpus(tmp_path)
    said = run_probe(PROBE, str(notes))
    assert said[0] == "OK" and int(said[1]) == 16 + 3  # 17 inputs: 16 single cuts, 3 more
    # 12 files of 20, 40, ... 240 lines, three citations each; a.md's 3; zh.md's 1
    assert int(said[2]) == 3 * 20 * sum(range(1, 13)) + 3 + 1


CATALOGUE = """
import sys
from pathlib import Path
from paperindex.api import update_catalogue
from paperindex.extract import forked

notes, out, parallel = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
forked.MIN_BYTES = 0 if parallel else 10**12
forks = []
real_fork = forked._fork
forked._fork = lambda *args: forks.append(1) or real_fork(*args)
update_catalogue([notes], out / "links.csv", out / "meta")
print(len(forks))
"""


def test_the_catalogue_files_are_byte_identical(tmp_path: Path) -> None:
    notes = _corpus(tmp_path)
    for parallel in ("0", "1"):
        out = tmp_path / f"out{parallel}"
        run = subprocess.run(
            [sys.executable, "-c", CATALOGUE, str(notes), str(out), parallel],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        assert int(run.stdout) == (forked.processes() - 1 if parallel == "1" else 0)
    for name in ("links.csv", "mentions.csv"):
        serial = (tmp_path / "out0" / name).read_bytes()
        assert (tmp_path / "out1" / name).read_bytes() == serial
        assert serial.count(b"\n") > 1000


def test_the_plan_splits_by_bytes_and_only_when_worth_it(tmp_path: Path) -> None:
    notes = list(iter_note_files([_corpus(tmp_path)]))
    assert forked.plan(notes) == []  # 0.4 MB: not worth a helper
    cuts = forked.plan(notes, min_bytes=0)
    if forked.processes() < 2:
        assert cuts == []
        return
    assert 0 < cuts[0] < len(notes)
    assert cuts == sorted(set(cuts))


def test_a_file_holding_most_of_the_text_is_split_rather_than_given_a_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _corpus(tmp_path)
    (folder / "big.md").write_text(A * 20_000, encoding="utf-8")  # most of the bytes
    notes = list(iter_note_files([folder]))
    if forked.processes() < 2:
        return
    monkeypatch.setattr(forked, "SPLIT_BYTES", 10**12)  # too small to split: runs of files
    assert forked.plan(notes, min_bytes=0) != []
    monkeypatch.setattr(forked, "SPLIT_BYTES", 1_000_000)
    assert forked.plan(notes, min_bytes=0) == []  # no helper for other files: it is split


SAVE = """
import hashlib, os, sys
from pathlib import Path
from paperindex import catalogue as cat
from paperindex.catalogue import csvfile
from paperindex.model import Kind, Link, Mention

out = Path(sys.argv[1])
tricky = ["plain", "a,comma", 'a "quote"', "=formula", "'quoted", "line\\nbreak", "中文，标点", "-1"]
links = []
for i in range(400):
    mentions = [
        Mention(file=f"n{j % 3}.md", line=j + 1, section=tricky[(i + j) % 8],
                label=tricky[(i * j) % 8], context=tricky[j % 8] + f" {i}", cited=f"u{i}")
        for j in range(i % 7)
    ]
    links.append(Link(kind=Kind.PAGE, source="example.com", id=f"/p{i}",
                      url=f"https://example.com/p{i}", mentions=mentions))

def save(name, fork, share=0.4):
    csvfile.FORK_MENTIONS = 0 if fork else 10**9
    csvfile._OWN_SHARE = share
    digests = {}
    csvfile.save(cat.Catalogue(links=links), out / name / "links.csv", digests)
    folder = out / name
    assert sorted(p.name for p in folder.iterdir()) == ["links.csv", "mentions.csv"], name
    for path, (size, sha) in digests.items():
        data = path.read_bytes()
        assert (size, sha) == (len(data), hashlib.sha256(data).hexdigest())
    return (folder / "mentions.csv").read_bytes()

serial = save("serial", False)
for share in (0.0, 0.1, 0.4, 0.9, 1.0):
    assert save(f"fork{share}", True, share) == serial, share

parent = os.getpid()
real = csvfile._write_lines
def failing(out, rows):
    if os.getpid() != parent:
        raise RuntimeError("helper failed")
    real(out, rows)
csvfile._write_lines = failing
assert save("failed", True) == serial
print("OK", serial.count(b"\\n"))
"""


def test_a_save_with_a_helper_writes_the_same_bytes(tmp_path: Path) -> None:
    said = run_probe(SAVE, str(tmp_path))
    # 400 links with 0..6 mentions each (i % 7), one line each, plus the header, plus the
    # line breaks inside quoted cells
    assert said[0] == "OK" and int(said[1]) > sum(i % 7 for i in range(400)) + 1
