"""The mentions file beside the catalogue: one row per citation, written together with the
catalogue (a kill leaves both old or both new), the old format migrated, links cited very often."""

from __future__ import annotations

import csv
import io
import json
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paperindex import catalogue as cat
from paperindex.api import build, update_catalogue
from paperindex.cli import main
from paperindex.files import locked

from .conftest import ROOT

NOTES = """## 序列模型
D: [Mamba](https://arxiv.org/abs/2312.00752)，线性复杂度。代码 https://github.com/state-spaces/mamba
F1: 同一篇 https://arxiv.org/pdf/2312.00752v2.pdf
"""


def _old_format(path: Path, copies: int) -> None:
    """A catalogue as versions before the mentions file wrote it: a `mentions` column of JSON
    lines, here with `copies` mentions of one paper (and one of a repository)."""
    context = ("D: [Mamba](https://arxiv.org/abs/2312.00752)，线性复杂度，" + "长上下文评测" * 40)[
        :160
    ]
    thread = ("D: 线性注意力和状态空间模型，哪个更适合长文本？" + "我们的经验是" * 40)[:160]
    paper = [
        {"file": f"digest-{i // 1000}.md", "line": i % 1000 + 1, "section": "序列模型",
         "context": context, "thread": thread, "cited": "https://arxiv.org/abs/2312.00752"}
        for i in range(copies)
    ]  # fmt: skip
    repo = [{"file": "a.md", "line": 2, "cited": "https://github.com/state-spaces/mamba"}]
    columns = [*cat.COLUMNS, "mentions", "my_rating"]
    rows = [
        ["gu2023mamba", "paper", "arxiv", "2312.00752", "https://arxiv.org/abs/2312.00752",
         "Mamba", *[""] * 10, "cited", "\n".join(json.dumps(m, ensure_ascii=False) for m in paper),
         "★★★"],
        ["state-spaces-mamba", "code", "github", "state-spaces/mamba",
         "https://github.com/state-spaces/mamba", *[""] * 11, "cited",
         json.dumps(repo[0]), ""],
    ]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)


def test_an_old_catalogue_with_a_cell_past_the_csv_limit_migrates_and_exports(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The issue's case: a link cited about 290 times (here 300) made its mentions cell larger than csv's
    field limit; the catalogue was written, then every later command failed."""
    path = tmp_path / "links.csv"
    _old_format(path, 300)
    with pytest.raises(csv.Error, match="field larger than field limit"):  # what broke commands
        list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    args = ["--catalogue", str(path), "--metadata", str(tmp_path / "meta")]

    with caplog.at_level(logging.WARNING, logger="paperindex.catalogue"):
        assert main(["bib", "-o", str(tmp_path / "refs.bib"), *args]) == 0
    assert f"{path}: mentions moved to {tmp_path / 'mentions.csv'}" in caplog.text
    assert "@misc{gu2023mamba," in (tmp_path / "refs.bib").read_text(encoding="utf-8")

    # links.csv is one short line per link, with the user's column kept; mentions one per row
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join([*cat.COLUMNS, "my_rating"])
    assert len(lines) == 3 and max(map(len, lines)) < 200 and lines[1].endswith(",cited,★★★")
    with (tmp_path / "mentions.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 301
    assert [r["link"] for r in rows[:1] + rows[-1:]] == [
        "arxiv:2312.00752", "github:code:state-spaces/mamba"
    ]  # fmt: skip
    assert (rows[289]["file"], rows[289]["line"]) == ("digest-0.md", "290")

    # every later command works, and the migration is said once
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="paperindex.catalogue"):
        assert main(["build", "--out", str(tmp_path / "out"), *args]) == 0
    assert "mentions moved" not in caplog.text
    listing = (tmp_path / "out" / "READING_LIST.md").read_text(encoding="utf-8")
    assert "(cited 300 times)" in listing
    loaded = cat.load(path)
    assert [len(link.mentions) for link in loaded.links] == [300, 1]
    assert loaded.links[0].extra == {"my_rating": "★★★"}


def test_an_old_catalogue_is_migrated_by_extract_too(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "links.csv"
    _old_format(path, 3)
    notes = tmp_path / "b.md"
    notes.write_text("新的 https://github.com/microsoft/tutel\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="paperindex.catalogue"):
        result = update_catalogue([notes], path, tmp_path / "meta")
    assert caplog.text.count("mentions moved to") == 1
    assert result.written
    links = cat.load(path).links
    assert [(lk.id, len(lk.mentions)) for lk in links] == [
        ("2312.00752", 3), ("state-spaces/mamba", 1), ("microsoft/tutel", 1)
    ]  # fmt: skip


@pytest.mark.slow
def test_a_link_cited_100000_times_loads_and_exports(tmp_path: Path) -> None:
    notes = tmp_path / "digest.md"
    with notes.open("w", encoding="utf-8") as f:
        f.write("## 长文本\n")
        for i in range(100_000):
            f.write(f"D{i % 10}: 第 {i} 次提到 https://arxiv.org/abs/2312.00752v{i % 3 + 1} 。\n")
    path = tmp_path / "links.csv"
    result = update_catalogue([notes], path, tmp_path / "meta")
    assert result.written
    (link,) = cat.load(path).links
    assert len(link.mentions) == 100_000
    assert (link.mentions[-1].line, link.mentions[-1].version) == (100_001, "v1")
    assert max(len(line) for line in path.read_text(encoding="utf-8").splitlines()) < 200
    done = build(tmp_path / "out", path, tmp_path / "meta", formats=["bib", "md", "ris"])
    assert "(cited 100000 times)" in done.reading_list.read_text(encoding="utf-8")
    ris = (tmp_path / "out" / "references.ris").read_text(encoding="utf-8")
    assert ris.count("\nN1  - Cited in ./digest.md:") == 100_000


# --- a kill at any point leaves both files old or both new ---------------------------------------

KILLED_SAVE = """
import os, sys, time
from pathlib import Path
from paperindex import catalogue as cat
from paperindex.files import locked
from paperindex.model import Link, Kind, Mention

path, stage = Path(sys.argv[1]), sys.argv[2]
real_replace = os.replace

def replace(src, dst):
    name = Path(dst).name
    if (stage, name) in {("before-commit", "links.csv.commit"), ("after-commit", "links.csv"),
                         ("between-renames", "mentions.csv")}:
        print("AT", stage, flush=True)
        time.sleep(120)  # killed here
    real_replace(src, dst)

os.replace = replace
with locked(path):
    catalogue = cat.load(path)
    catalogue.links[0].mentions.append(Mention(file="new.md", line=7, context="new"))
    new = f"/new{len(catalogue.links)}"
    catalogue.links.append(Link(kind=Kind.PAGE, source="example.com", id=new,
                                url="https://example.com" + new,
                                mentions=[Mention(file="new.md", line=9)]))
    cat.save(catalogue, path)
print("SAVED", flush=True)
"""


def _state(path: Path) -> tuple[list[str], list[tuple[str, int]]]:
    catalogue = cat.load(path)
    return [lk.id for lk in catalogue.links], [
        (m.file, m.line) for lk in catalogue.links for m in lk.mentions
    ]


@pytest.mark.parametrize(
    ("stage", "after"),
    [("before-commit", "old"), ("after-commit", "new"), ("between-renames", "new")],
)
def test_a_kill_while_saving_leaves_both_files_old_or_both_new(
    tmp_path: Path, stage: str, after: str
) -> None:
    notes = tmp_path / "a.md"
    notes.write_text(NOTES, encoding="utf-8")
    path = tmp_path / "links.csv"
    update_catalogue([notes], path, tmp_path / "meta")
    old = _state(path)
    new = (
        [*old[0], "/new2"],
        [*old[1][:2], ("new.md", 7), *old[1][2:], ("new.md", 9)],
    )
    victim = subprocess.Popen(
        [sys.executable, "-c", KILLED_SAVE, str(path), stage],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert victim.stdout is not None
    line = victim.stdout.readline()
    victim.send_signal(signal.SIGKILL)
    assert victim.wait(timeout=10) == -signal.SIGKILL
    assert line.strip() == f"AT {stage}"

    expected = old if after == "old" else new
    assert _state(path) == expected  # a reader without the lock sees one version, whole
    time.sleep(0.05)  # file times tick coarsely; the sweep takes what is older than the lock
    with locked(path, wait=False):  # the next run: completes a committed write, sweeps the rest
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.md", "links.csv", "links.csv.lock", "mentions.csv"
    ]  # fmt: skip
    assert _state(path) == expected

    # and the next save over it is whole too
    again = subprocess.run(
        [sys.executable, "-c", KILLED_SAVE, str(path), "none"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.stdout.strip() == "SAVED", again.stderr
    assert _state(path)[0] == [*expected[0], f"/new{len(expected[0])}"]
