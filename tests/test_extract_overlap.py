"""An extract's last steps overlapped and cut short: the mentions file written by a helper
started right after the merge (while columns and keys are made) is the file a plain save
writes; the `paperindex extract` process ends without freeing its catalogue object by object,
its output, files and lock all complete.

The forks happen in a fresh single-threaded process (a subprocess), as on the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from filelock import FileLock

from paperindex import cli

from .conftest import ROOT, run_probe

EARLY = r"""
import hashlib, sys
from pathlib import Path
from paperindex import catalogue as cat
from paperindex.catalogue import csvfile
from paperindex.catalogue.keys import assign_keys
from paperindex.model import Kind, Link, Mention

out = Path(sys.argv[1])
tricky = ["plain", "a,comma", 'a "quote"', "=formula", "'quoted", "line\nbreak", "中文，标点"]

def links():
    found = []
    for i in range(300):
        mentions = [
            Mention(file=f"n{j % 3}.md", line=j + 1, section=tricky[(i + j) % 7],
                    label=tricky[(i * j) % 7], context=tricky[j % 7] + f" {i}", cited=f"u{i}")
            for j in range(i % 5)
        ]
        found.append(Link(kind=Kind.PAGE, source="example.com", id=f"/p{i}",
                          url=f"https://example.com/p{i}", mentions=mentions))
    return found

def save(name, early, other=False):
    catalogue = cat.Catalogue(links=links())
    path = out / name / "links.csv"
    writer = cat.start_mentions(cat.Catalogue(links=links()) if other else catalogue, path)
    assert (writer.helper is not None) == early, name
    for link in catalogue.links:  # what update_catalogue does between the two
        link.auto_title = "derived"
    assert len(assign_keys(catalogue.links)) == 300
    digests = {}
    try:
        assert csvfile.save(catalogue, path, digests, writer)
    finally:
        writer.close()
    assert writer.helper is None
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["links.csv", "mentions.csv"], (name, names)  # no helper file left
    for file, (size, sha) in digests.items():
        data = file.read_bytes()
        assert (size, sha) == (len(data), hashlib.sha256(data).hexdigest())
    return path.read_bytes(), (path.parent / "mentions.csv").read_bytes()

csvfile.FORK_MENTIONS = 10**9
serial = save("serial", False)
csvfile.FORK_MENTIONS = 0
for share in (0.0, 0.05, 0.5, 1.0):
    csvfile._EARLY_SHARE = share
    assert save(f"early{share}", True) == serial, share
assert save("other", True, other=True) == serial  # started for another catalogue: not used

abandoned = cat.start_mentions(cat.Catalogue(links=links()), out / "abandoned" / "links.csv")
assert abandoned.helper is not None
abandoned.close()
assert list((out / "abandoned").iterdir()) == []
print("OK", serial[1].count(b"\n"))
"""


def test_mentions_written_early_are_the_bytes_a_plain_save_writes(tmp_path: Path) -> None:
    said = run_probe(EARLY, str(tmp_path))
    # 300 links with 0..4 mentions each, one row each, the header, and the line breaks
    # inside quoted cells
    assert said[0] == "OK" and int(said[1]) > sum(i % 5 for i in range(300)) + 1


NOTES = "# Papers\nD: https://arxiv.org/abs/2312.00752 and https://github.com/state-spaces/mamba\n"
# Python runs atexit handlers when it finalizes; an `extract` that ends at once never does.
SITE = "import atexit, sys\natexit.register(lambda: sys.stderr.write('FINALIZED\\n'))\n"


def _extract(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "notes").mkdir(exist_ok=True)
    (tmp_path / "notes" / "a.md").write_text(NOTES, encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT / "src")])}
    return subprocess.run(
        [sys.executable, "-m", "paperindex", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_the_extract_command_ends_at_once_with_everything_done(tmp_path: Path) -> None:
    run = _extract(tmp_path, "extract", "notes")
    assert run.returncode == 0, run.stderr
    assert "read ./notes/a.md: 2 citation(s) (utf-8)" in run.stderr
    assert "data/links.csv: 2 links (1 code, 1 paper); 2 new" in run.stderr
    assert "FINALIZED" not in run.stderr
    links = (tmp_path / "data" / "links.csv").read_text(encoding="utf-8")
    assert "arxiv,2312.00752" in links and "state-spaces/mamba" in links
    mentions = (tmp_path / "data" / "mentions.csv").read_text(encoding="utf-8")
    assert mentions.count("a.md,2,") == 2
    with FileLock(str(tmp_path / "data" / "links.csv.lock")).acquire(timeout=0):
        pass  # released
    again = _extract(tmp_path, "extract", "notes")  # the fingerprint was recorded
    assert again.returncode == 0 and "unchanged" in again.stderr, again.stderr


def test_a_failed_extract_ends_at_once_with_its_status(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    run = _extract(tmp_path, "extract", "empty")
    assert run.returncode == 1
    assert "no notes read in empty" in run.stderr and "FINALIZED" not in run.stderr


def test_other_commands_and_callers_of_main_end_as_usual(tmp_path: Path) -> None:
    run = _extract(tmp_path, "--version")
    assert run.returncode == 0 and "FINALIZED" in run.stderr
    (tmp_path / "notes").mkdir(exist_ok=True)
    (tmp_path / "notes" / "a.md").write_text(NOTES, encoding="utf-8")
    catalogue = tmp_path / "data" / "links.csv"
    # called in a process of its own: main returns, and keeps nothing
    assert cli.main(["extract", str(tmp_path / "notes"), "--catalogue", str(catalogue)]) == 0
    assert cli._KEPT == []
    assert catalogue.is_file()


def test_new_rows_keep_one_mention_per_line_in_order_of_appearance() -> None:
    from paperindex import catalogue as cat
    from paperindex.extract import extract_text

    text = (
        "[arXiv:2312.00752](https://arxiv.org/abs/2312.00752) https://arxiv.org/pdf/2312.00752v2\n"
        "https://github.com/state-spaces/mamba\n"
        "again https://arxiv.org/abs/2312.00752 https://github.com/state-spaces/mamba\n"
        "[x](https://github.com/state-spaces/mamba) https://github.com/state-spaces/mamba\n"
    )
    citations = extract_text(text, "a.md")
    catalogue = cat.Catalogue()
    summary = cat.merge(catalogue, citations, ["a.md"])
    assert [link.id for link in summary.added] == ["2312.00752", "state-spaces/mamba"]
    paper, code = catalogue.links
    assert [m.line for m in paper.mentions] == [1, 3]  # three citations on line 1: one
    assert [m.line for m in code.mentions] == [2, 3, 4]
    assert paper.mentions[0] == citations[0].mention  # the first citation of a line is kept
    assert all(link.status.value == "cited" for link in catalogue.links)
