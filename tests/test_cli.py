"""The command line's contract: exit codes, the schema command, error messages that name what is
wrong, bounded listings; and the metadata store's journal, which keeps a killed refresh's work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperindex import cli, files
from paperindex.catalogue import load
from paperindex.cli import main
from paperindex.enrich import MetadataError, store
from paperindex.enrich.sources.facts import LinkRecord
from paperindex.model import json_schema


def _catalogue(tmp_path: Path, text: str) -> list[str]:
    notes = tmp_path / "notes.md"
    notes.write_text(text, encoding="utf-8")
    args = ["--catalogue", str(tmp_path / "links.csv"), "--metadata", str(tmp_path / "meta")]
    assert main(["extract", str(notes), *args]) == 0
    return args


def test_schema_command_prints_and_writes_the_row_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json_schema()
    assert set(printed["properties"]) >= {"key", "kind", "source", "id", "url", "status"}
    assert "mentions" not in printed["properties"]  # a file of their own
    assert main(["schema", "-o", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8")) == printed


def test_ctrl_c_exits_130_and_says_files_are_intact(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_cmd_schema", interrupted)
    assert main(["schema"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_a_full_disk_is_one_line_and_leaves_the_outputs_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _catalogue(tmp_path, "https://arxiv.org/abs/2301.00001\n")
    out = tmp_path / "refs.bib"
    out.write_text("% the old one\n", encoding="utf-8")

    def disk_full(parts: object, f: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "write_synced", disk_full)
    capsys.readouterr()
    assert main(["bib", *args, "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert "No space left on device" in err and "Traceback" not in err
    assert len(err.splitlines()) == 1
    assert out.read_text(encoding="utf-8") == "% the old one\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".refs")) == []


def test_a_catalogue_that_is_not_utf8_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "links.csv").write_bytes(b"key,kind,source,id,url\n" + b"\xff\xfe,,\n")
    assert main(["bib", "--catalogue", str(tmp_path / "links.csv"), "-o", "-"]) == 1
    err = capsys.readouterr().err
    assert "links.csv" in err and "not UTF-8" in err


def test_a_corrupt_store_is_one_line_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _catalogue(tmp_path, "https://example.com/a\n")
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta" / "arxiv.json").write_text('{"records": {"x": {"id": 1}}}', "utf-8")
    capsys.readouterr()
    assert main(["bib", *args, "-o", "-"]) == 1
    err = capsys.readouterr().err.strip()
    assert "arxiv.json" in err and "not a valid store" in err and len(err.splitlines()) == 1


def test_one_mention_per_line_however_many_forms_cite_it(tmp_path: Path) -> None:
    """`[arXiv:X](https://arxiv.org/abs/X)` names the paper twice on one line: one citation."""
    args = _catalogue(
        tmp_path,
        "[arXiv:2312.00752](https://arxiv.org/abs/2312.00752v2)\n"
        "again https://arxiv.org/pdf/2312.00752 and arXiv:2312.00752\n",
    )
    (link,) = load(Path(args[1])).links
    assert [(m.line, m.cited) for m in link.mentions] == [
        (1, "arXiv:2312.00752"),
        (2, "https://arxiv.org/pdf/2312.00752"),
    ]


def test_unknown_source_or_endpoint_name_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _catalogue(tmp_path, "arXiv:2312.00752\n")
    assert main(["refresh", *args, "--offline", "--source", "arxiv,nope"]) == 2
    assert "unknown source(s) nope; sources are arxiv" in capsys.readouterr().err
    assert main(["refresh", *args, "--offline", "--api", "nope=http://127.0.0.1:9/"]) == 2
    assert main(["refresh", *args, "--offline", "--api", "arxiv"]) == 2
    assert "NAME=URL" in capsys.readouterr().err


def test_offline_listing_is_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _catalogue(tmp_path, "".join(f"arXiv:2401.{n:05d}\n" for n in range(100)))
    assert main(["refresh", *args, "--offline"]) == 0
    out = capsys.readouterr().out
    assert "arxiv: metadata for 0 of 100 ids" in out
    missing = next(line for line in out.splitlines() if "missing:" in line)
    assert missing.count("2401.") == 20 and missing.endswith("… and 80 more")


def _record(title: str) -> LinkRecord:
    return LinkRecord(title=title)


def test_store_journal_keeps_batches_and_ignores_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "links.json"
    store.save(store.Store[LinkRecord](note="kept"), path)
    store.append(path, {"a": _record("A"), "b": _record("B")})
    store.append(path, {"a": _record("A2")})
    journal = store.journal_path(path)
    with journal.open("a", encoding="utf-8") as f:
        f.write('{"id": "c", "record": {"tit')  # a kill in the middle of a line
    loaded = store.load(path, LinkRecord)
    assert {k: r.title for k, r in loaded.records.items()} == {"a": "A2", "b": "B"}
    assert loaded.note == "kept"
    store.append(path, {"d": _record("D")})  # after a torn line: starts a line of its own
    assert set(store.load(path, LinkRecord).records) == {"a", "b", "d"}
    store.compact(path, LinkRecord)
    assert not journal.exists()
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert list(on_disk["records"]) == ["a", "b", "d"] and on_disk["note"] == "kept"


def test_a_damaged_journal_line_that_is_not_the_last_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "links.json"
    store.append(path, {"a": _record("A")})
    journal = store.journal_path(path)
    journal.write_text("not json\n" + journal.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(MetadataError, match=r"links\.json\.journal:1"):
        store.load(path, LinkRecord)


def test_an_unknown_build_format_is_a_usage_error_like_export_s(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _catalogue(tmp_path, "https://arxiv.org/abs/2301.00001\n")
    capsys.readouterr()
    assert main(["build", *args, "--out", str(tmp_path / "out"), "--formats", "bib,pdf"]) == 2
    assert main(["export", *args, "--format", "pdf", "-o", "-"]) == 2
    err = capsys.readouterr().err
    assert err.count("unknown format 'pdf'; formats are bib,") == 2
    assert not (tmp_path / "out").exists()  # nothing written
