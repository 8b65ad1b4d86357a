"""Notes are named by their path from the project folder, so a note is one name however it is
given, two folders' `notes.md` stay apart, and a note that is no longer there takes its citations
with it.  Older names (relative to the folder given) are replaced as their notes are read again,
and never dropped otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from paperindex import catalogue as cat
from paperindex.api import update_catalogue
from paperindex.catalogue import merging
from paperindex.extract import project_name
from paperindex.extract.reader import project_root
from paperindex.model import Mention, Status

A = "https://arxiv.org/abs/2001.00001\n"
B = "https://arxiv.org/abs/2002.00002\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.md").write_text(A, encoding="utf-8")
    (tmp_path / "notes" / "b.md").write_text(B, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _extract(*notes: str) -> cat.Catalogue:
    return update_catalogue(list(notes), "data/links.csv", "data/metadata").catalogue


def _where(catalogue: cat.Catalogue) -> dict[str, tuple[str, list[str]]]:
    """Each link's id: its status and the files of its mentions."""
    return {
        link.id: (link.status.value, [m.file for m in link.mentions]) for link in catalogue.links
    }


def test_the_project_folder_holds_data_or_the_catalogue(tmp_path: Path) -> None:
    assert project_root(tmp_path / "data" / "links.csv") == tmp_path
    assert project_root(tmp_path / "refs" / "links.csv") == tmp_path / "refs"
    top = str(tmp_path)
    assert project_name(tmp_path / "notes" / "a.md", top) == "./notes/a.md"
    assert project_name(tmp_path.parent / "elsewhere.md", top) is None
    assert project_name(tmp_path, top) is None


def test_a_deleted_note_takes_its_citations_with_it(project: Path) -> None:
    _extract("notes")
    (project / "notes" / "b.md").unlink()
    result = update_catalogue(["notes"], "data/links.csv", "data/metadata")
    assert result.summary.files_gone == ["./notes/b.md"]
    assert _where(result.catalogue) == {
        "2001.00001": ("cited", ["./notes/a.md"]),
        "2002.00002": ("gone", ["./notes/b.md"]),  # its last mention kept, as for any gone link
    }


def test_a_renamed_note_is_cited_once(project: Path) -> None:
    _extract("notes")
    (project / "notes" / "b.md").rename(project / "notes" / "biology.md")
    assert _where(_extract("notes"))["2002.00002"] == ("cited", ["./notes/biology.md"])


def test_two_folders_notes_of_one_name_stay_apart(project: Path) -> None:
    for name, text in (("projA", A), ("projB", B)):
        (project / name).mkdir()
        (project / name / "notes.md").write_text(text, encoding="utf-8")
    _extract("projA", "projB")
    assert _where(_extract("projB")) == {  # projA's note still cites its paper
        "2001.00001": ("cited", ["./projA/notes.md"]),
        "2002.00002": ("cited", ["./projB/notes.md"]),
    }


def test_a_note_given_itself_or_in_its_folder_is_one_name(project: Path) -> None:
    _extract("notes")
    (project / "notes" / "a.md").write_text(A + B, encoding="utf-8")
    catalogue = _extract("notes/a.md")
    assert _where(catalogue)["2001.00001"] == ("cited", ["./notes/a.md"])
    assert _where(catalogue)["2002.00002"] == ("cited", ["./notes/b.md", "./notes/a.md"])


def test_an_unreadable_or_skipped_note_keeps_its_citations(project: Path) -> None:
    _extract("notes")
    (project / "notes" / "b.md").write_bytes(b"now binary\x00")  # there, but not read
    result = update_catalogue(["notes"], "data/links.csv", "data/metadata")
    assert result.summary.files_gone == []
    assert _where(result.catalogue)["2002.00002"] == ("cited", ["./notes/b.md"])


def test_older_names_are_replaced_when_their_note_is_read_and_kept_otherwise(
    project: Path,
) -> None:
    """A catalogue written before names started from the project folder: `a.md` and `b.md`
    (relative to the folder given), and `other.md` (a note given elsewhere, once)."""
    _extract("notes")
    path = Path("data/links.csv")
    old = cat.load(path)
    for link in old.links:
        link.mentions = [m._replace(file=m.file.rsplit("/", 1)[1]) for m in link.mentions]
    extra = Mention(file="notes/gone-elsewhere.md", line=1, cited="https://arxiv.org/abs/x")
    old.links[0].mentions.append(extra)  # an older name that looks like a path: not dropped
    cat.save(old, path)
    (project / "notes" / "b.md").unlink()
    assert _where(_extract("notes")) == {
        "2001.00001": ("cited", ["notes/gone-elsewhere.md", "./notes/a.md"]),
        "2002.00002": ("cited", ["b.md"]),  # an older name: its note may be elsewhere
    }


def test_notes_outside_the_project_keep_the_names_they_had(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "shared" / "corpus"
    outside.mkdir(parents=True)
    (outside / "digest.md").write_text(A, encoding="utf-8")
    (tmp_path / "project").mkdir()
    monkeypatch.chdir(tmp_path / "project")
    catalogue = _extract(os.path.join("..", "shared", "corpus", "digest.md"))
    assert _where(catalogue) == {"2001.00001": (Status.CITED.value, ["digest.md"])}


def test_the_command_says_which_notes_are_gone_even_when_none_is_left(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from paperindex.cli import main

    assert main(["extract", "notes"]) == 0
    for name in ("a.md", "b.md"):
        (project / "notes" / name).unlink()
    capsys.readouterr()
    assert main(["extract", "notes"]) == 0  # the folder is empty: its citations are gone
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == [
        "gone ./notes/a.md: no longer there; its citations went with it",
        "gone ./notes/b.md: no longer there; its citations went with it",
    ]
    assert "0 new, 2 no longer cited" in err[-1] and "written" in err[-1]
    assert {link.status for link in cat.load(Path("data/links.csv")).links} == {Status.GONE}
    (project / "data" / "links.csv.fingerprint").unlink(missing_ok=True)  # a full run again
    assert main(["extract", "notes"]) == 1  # an empty folder, as ever: nothing to read
    said = capsys.readouterr().err  # said once: gone links keep their last mentions
    assert "gone " not in said and "no notes read" in said


def test_a_gone_link_stays_gone_until_a_note_cites_it_again(project: Path) -> None:
    _extract("notes")
    (project / "notes" / "a.md").write_text("no link now\n", encoding="utf-8")
    assert _where(_extract("notes"))["2001.00001"][0] == "gone"
    # another run, of another note: the gone link's last mention is history, not a citation
    (project / "notes" / "b.md").write_text(B + "\n", encoding="utf-8")
    assert _where(_extract("notes/b.md"))["2001.00001"] == ("gone", ["./notes/a.md"])
    (project / "notes" / "b.md").unlink()
    _extract("notes")
    assert {status for status, _ in _where(_extract("notes")).values()} == {"gone"}  # again
    (project / "notes" / "c.md").write_text(A, encoding="utf-8")
    assert _where(_extract("notes"))["2001.00001"] == ("cited", ["./notes/c.md"])


def test_a_note_behind_an_unreadable_folder_or_a_broken_link_is_kept(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "notes" / "sub").mkdir()
    (project / "notes" / "sub" / "c.md").write_text("https://arxiv.org/abs/2003.00003\n")
    outside = project.parent / f"{project.name}-drive"
    outside.mkdir()
    (outside / "d.md").write_text("https://arxiv.org/abs/2004.00004\n", encoding="utf-8")
    (project / "notes" / "drive").symlink_to(outside)  # a drive mounted there
    result = update_catalogue(["notes"], "data/links.csv", "data/metadata", follow_symlinks=True)
    names = {m.file for link in result.catalogue.links for m in link.mentions}
    # behind a link out of the project: named as the folder given saw it
    assert {"./notes/sub/c.md", "drive/d.md"} <= names
    outside.rename(project.parent / f"{project.name}-unmounted")
    listdir = os.listdir

    def unreadable(path: str) -> list[str]:
        if path.endswith("sub"):
            raise PermissionError(13, "Permission denied", path)
        return listdir(path)

    catalogue = cat.load(Path("data/links.csv"))
    root = str(project_root(Path("data/links.csv")))
    with monkeypatch.context() as patch:
        patch.setattr(os, "listdir", unreadable)
        assert merging.files_gone(catalogue, ["./notes/"], root, ()) == []
    # the folder moved to a drive, linked in its place, and the drive is not mounted
    (project / "notes" / "sub").rename(project.parent / f"{project.name}-sub")
    (project / "notes" / "sub").symlink_to(project.parent / f"{project.name}-not-mounted")
    assert merging.files_gone(catalogue, ["./notes/"], root, ()) == []
    (project / "notes" / "sub").unlink()  # and now it is gone
    assert merging.files_gone(catalogue, ["./notes/"], root, ()) == ["./notes/sub/c.md"]


def test_a_note_reached_through_a_link_inside_the_project_is_one_note(project: Path) -> None:
    (project / "n2").symlink_to(project / "notes")
    catalogue = _extract("notes", "n2", str(project / "n2" / "a.md"))
    assert _where(catalogue)["2001.00001"] == ("cited", ["./notes/a.md"])


def test_a_note_become_a_folder_or_renamed_in_case_is_gone(project: Path) -> None:
    (project / "notes" / "C.md").write_text("https://arxiv.org/abs/2003.00003\n")
    _extract("notes")
    (project / "notes" / "b.md").unlink()
    (project / "notes" / "b.md").mkdir()
    (project / "notes" / "C.md").rename(project / "notes" / "c.md")  # a case-only rename
    result = update_catalogue(["notes"], "data/links.csv", "data/metadata")
    assert result.summary.files_gone == ["./notes/C.md", "./notes/b.md"]
    assert _where(result.catalogue)["2003.00003"] == ("cited", ["./notes/c.md"])
