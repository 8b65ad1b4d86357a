"""A first run that just works: an empty folder, a few notes, no catalogue yet; what the commands
say when there is nothing to work on; provisional and pinned keys; links no longer cited."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperindex import catalogue as cat
from paperindex.cli import main
from paperindex.model import Status

from .conftest import ROOT

NOTES = {
    "moe.md": (
        "## 1. <a name='moe'></a>Sparse models 🔥\n\n"
        "Mixtral 用的是 mixture of experts，见 https://arxiv.org/abs/2401.04088 。\n"
        "Switch routing 代码 https://github.com/example-lab/switch-moe\n"
    ),
    "long.md": (
        "# 长文本\n\n"
        "D：位置插值做长上下文外推 https://arxiv.org/abs/2306.15595\n"
        "[![arXiv](https://img.shields.io/badge/arXiv-2312.00752-red)](https://arxiv.org/abs/2312.00752)\n"
    ),
}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder, as a new user's, with a few notes in `notes/`; the working directory."""
    (tmp_path / "notes").mkdir()
    for name, text in NOTES.items():
        (tmp_path / "notes" / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- nothing to work on --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["bib"], ["bib", "-o", "-"], ["reading-list"], ["build"], ["refresh", "--offline"], ["keys"]],
)
def test_without_a_catalogue_exports_exit_2_naming_the_file_and_the_command_that_makes_it(
    folder: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "no catalogue at data/links.csv" in err and "paperindex extract NOTES" in err
    assert sorted(p.name for p in folder.iterdir()) == ["notes"]  # nothing written


def test_the_api_says_the_same(folder: Path) -> None:
    import paperindex
    from paperindex.api import NoCatalogueError

    with pytest.raises(NoCatalogueError, match=r"no catalogue at data/links\.csv"):
        paperindex.build()
    with pytest.raises(FileNotFoundError, match="paperindex extract"):
        paperindex.write_bibtex()
    assert not (folder / "references.bib").exists()


def test_extract_of_a_folder_without_notes_warns_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "slides.pdf").write_bytes(b"%PDF-1.4")
    csv = tmp_path / "links.csv"
    assert main(["extract", str(tmp_path / "empty"), "--catalogue", str(csv)]) == 1
    err = capsys.readouterr().err
    assert (
        "warning: no notes read in" in err and "empty" in err and ".md, .markdown and .txt" in err
    )
    assert not csv.exists()  # no empty catalogue left behind


def test_notes_that_cite_nothing_are_a_warning_not_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "plain.md").write_text("# Just words\n\nNo links here.\n", encoding="utf-8")
    assert (
        main(["extract", str(tmp_path / "plain.md"), "--catalogue", str(tmp_path / "c.csv")]) == 0
    )
    err = capsys.readouterr().err
    assert "warning: the notes cite no link" in err
    assert "c.csv: 0 links; 0 new" in err  # no empty "()" of kinds


# --- an empty folder with a few notes ------------------------------------------------------------


def test_extract_then_build_groups_with_the_packaged_taxonomy(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["extract", "notes/"]) == 0
    err = capsys.readouterr().err
    assert "read ./notes/long.md: 2 citation(s), 1 image(s) skipped (utf-8)" in err
    build = subprocess.run(
        [sys.executable, "-m", "paperindex", "build"], capture_output=True, text=True, timeout=60
    )
    assert build.returncode == 0, build.stderr
    assert "topics from the general taxonomy shipped with paperindex" in build.stderr
    assert (
        "paperindex: 3 of 4 entries use provisional keys (arxiv-2306-15595, arxiv-2312-00752, "
        "arxiv-2401-04088): they have no metadata yet; `paperindex refresh` will give them "
        "readable keys (lastnameYYYYword)"
    ) in build.stderr
    reading = (folder / "READING_LIST.md").read_text(encoding="utf-8")
    assert _topics(reading) == ["Mixture of experts", "Long context"]
    links = cat.load(folder / "data" / "links.csv").links
    assert not [link.url for link in links if "shields.io" in link.url]  # the badge is no row
    # the provisional keys are in the .bib, not in the catalogue
    assert "@misc{arxiv-2401-04088," in (folder / "references.bib").read_text(encoding="utf-8")
    assert [link.key for link in links] == ["", "", "", "example-lab-switch-moe"]


def _topics(reading_list: str) -> list[str]:
    headings = re.findall(r"^## (.+)$", reading_list, re.M)
    return [h for h in headings if h not in ("Contents", "Timeline of the papers")]


def test_a_topics_file_given_wins_and_a_missing_one_is_a_usage_error(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["extract", "notes/"]) == 0
    (folder / "mine.toml").write_text(
        '[[topic]]\nname = "Everything"\nkeywords = ["arxiv", "github"]\n', encoding="utf-8"
    )
    assert main(["reading-list", "--topics", "mine.toml", "-o", "-"]) == 0
    out, err = capsys.readouterr()
    assert _topics(out) == ["Everything"]
    assert "topics from mine.toml" not in err  # to stdout: the text only
    assert main(["reading-list", "--topics", "mine.toml"]) == 0
    assert "md reading list, topics from mine.toml" in capsys.readouterr().err
    assert main(["build", "--topics", "nope.toml"]) == 2
    assert "nope.toml: no such topics file" in capsys.readouterr().err


# The README's API example, run as written in a fresh folder; refresh goes to fake services on
# 127.0.0.1 (one arXiv answer, every other source an empty fake).
def _readme_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def _synthetic_feed(*idents: str) -> bytes:
    """An arXiv answer with an obviously synthetic entry for each id (one author, Ada Example)."""
    from paperindex.testing.arxiv import ATOM, NS, feed_xml

    entries = []
    for n, ident in enumerate(idents):
        entry = ET.Element(f"{{{ATOM}}}entry")
        for tag, text in (
            ("id", f"http://arxiv.org/abs/{ident}v1"),
            ("updated", "2023-12-01T00:00:00Z"),
            ("published", "2023-12-01T00:00:00Z"),
            ("title", f"Synthetic Widgets {n}: A Test Entry" if n else "Synthetic Widgets: A Test"),
            ("summary", "An obviously synthetic abstract about widgets."),
        ):
            ET.SubElement(entry, f"{{{ATOM}}}{tag}").text = text
        author = ET.SubElement(entry, f"{{{ATOM}}}author")
        ET.SubElement(author, f"{{{ATOM}}}name").text = "Ada Example"
        ET.SubElement(entry, f"{{{NS['arxiv']}}}primary_category", term="cs.LG")
        ET.SubElement(entry, f"{{{ATOM}}}category", term="cs.LG")
        entries.append(entry)
    return feed_xml(entries)


@pytest.fixture
def fake_sources(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every registered source pointed at a fake on 127.0.0.1: arXiv knows the notes' papers (one
    answer: a second request would wait out arXiv's 3 s floor)."""
    from paperindex.enrich.sources import REGISTRY
    from paperindex.testing import FakeService
    from paperindex.testing.arxiv import serve

    feed = _synthetic_feed("2312.00752", "2306.15595", "2401.04088")
    with serve(feed) as arxiv, FakeService() as other:
        for name in REGISTRY:
            url = arxiv.url if name == "arxiv" else other.url_for("/")
            monkeypatch.setenv(f"PAPERINDEX_{name.upper()}_API", url)
        yield


def test_the_readme_api_example_runs_as_written_in_a_fresh_folder(
    folder: Path, fake_sources: None
) -> None:
    code = _readme_example()
    assert 'reading_list("READING_LIST.md", topics=["Mixture of experts"])' in code
    exec(compile(code, "README.md", "exec"), {})
    for name in ("references.bib", "READING_LIST.md"):
        assert (folder / name).stat().st_size > 0
    items = json.loads((folder / "references.json").read_text(encoding="utf-8"))
    assert {item["id"] for item in items} == {
        lk.key for lk in cat.load(folder / "data" / "links.csv").links
    }
    markdown = (folder / "READING_LIST.md").read_text(encoding="utf-8")
    assert "## Mixture of experts" in markdown and "## Long context" in markdown


# --- keys: provisional until metadata or a pin ---------------------------------------------------


def test_refresh_gives_provisional_keys_readable_ones_and_never_renames_a_pinned_key(
    folder: Path,
    fake_sources: None,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert main(["extract", "notes/"]) == 0
    assert main(["keys"]) == 0
    out, err = capsys.readouterr()
    assert out.split() == ["arxiv-2306-15595", "arxiv-2312-00752", "arxiv-2401-04088"]
    assert "3 provisional key(s)" in err
    assert main(["keys", "--pin", "arxiv-2401-04088"]) == 0
    assert "pinned 1 key(s): arxiv-2401-04088" in capsys.readouterr().err
    assert main(["keys", "--pin", "gu2023mamba"]) == 2
    assert "provisional keys are arxiv-2306-15595, arxiv-2312-00752" in capsys.readouterr().err
    # a bib before any metadata does not pin: it says so
    assert main(["bib"]) == 0
    assert "2 of 4 entries use provisional keys (arxiv-2306-15595, arxiv-2312-00752)" in caplog.text
    caplog.clear()
    assert main(["refresh", "--source", "arxiv", "--ids", "2312.00752"]) == 0
    keys = {link.id: link.key for link in cat.load(folder / "data" / "links.csv").links}
    assert keys["2312.00752"] == "example2023synthetic"  # metadata came: a readable key
    assert keys["2401.04088"] == "arxiv-2401-04088"  # pinned: kept
    assert keys["2306.15595"] == ""  # still no metadata: still provisional
    assert main(["keys", "--pin"]) == 0
    assert "pinned 1 key(s): arxiv-2306-15595" in capsys.readouterr().err
    assert main(["bib"]) == 0
    assert "provisional" not in caplog.text


# --- links the notes no longer cite --------------------------------------------------------------


def test_gone_links_leave_the_reading_list_but_stay_in_the_bib(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["extract", "notes/"]) == 0
    (folder / "notes" / "moe.md").write_text("## Sparse models\n\nnothing cited now\n", "utf-8")
    assert main(["extract", "notes/"]) == 0
    statuses = {link.id: link.status for link in cat.load(folder / "data" / "links.csv").links}
    assert statuses["2401.04088"] is Status.GONE
    assert main(["build"]) == 0
    assert "2401.04088" not in (folder / "READING_LIST.md").read_text(encoding="utf-8")
    assert "arxiv-2401-04088" in (folder / "references.bib").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["reading-list", "--include-gone", "-o", "-"]) == 0
    lines = capsys.readouterr().out.splitlines()
    marked = "- **[arXiv:2401.04088](<https://arxiv.org/abs/2401.04088>)** *(no longer cited in the notes)*"
    assert marked in lines
    assert sum(1 for line in lines if "no longer cited" in line) == 2  # the repository too


# --- bad arguments -------------------------------------------------------------------------------


def test_unknown_kind_or_topic_exits_2_with_the_valid_values(
    folder: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    assert main(["extract", "notes/"]) == 0
    capsys.readouterr()
    assert main(["bib", "--kind", "paper,blog"]) == 2
    assert "error: unknown kind(s): blog; " in capsys.readouterr().err
    assert main(["bib", "--kind", "blog"]) == 2
    assert (
        "kinds are paper, code, dataset, model, video, post, article, page"
        in capsys.readouterr().err
    )
    caplog.clear()
    assert main(["reading-list", "--topic", "Nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown topic(s): Nope; topics are Mixture of experts, Long context," in err
    # what the output would hold is said only once it is made, never before an error
    assert not [r for r in caplog.records if "provisional" in r.getMessage()]
    assert main(["reading-list", "-o", "list.md"]) == 0
    assert [r for r in caplog.records if "use provisional keys" in r.getMessage()]


def test_a_bad_option_shows_its_own_commands_usage(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["bib", "--styel", "arxiv"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: paperindex bib ") and "unrecognized arguments: --styel" in err


def test_a_broken_mentions_cell_names_the_column_once(folder: Path) -> None:
    """In a catalogue of the old format (mentions in a column of JSON lines)."""
    columns = [*cat.COLUMNS, "mentions"]
    row = dict.fromkeys(columns, "")
    row |= {"kind": "page", "source": "example.com", "id": "/x", "url": "https://example.com/x"}
    row["mentions"] = '{"file": "n.md", "line": 0}'
    with (folder / "links.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
    with pytest.raises(cat.CatalogueError) as err:
        cat.load(folder / "links.csv")
    message = str(err.value)
    assert message.endswith(
        "links.csv:2: column 'mentions': field 'line': not a line number (got 0)"
    )
    assert message.count("column") == 1
