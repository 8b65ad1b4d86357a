"""The catalogue file: merge, curated columns, keys, formulas, malformed rows, atomic writes."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import replace
from pathlib import Path

import pytest

from paperindex import catalogue as cat
from paperindex.api import update_catalogue
from paperindex.catalogue.keys import assign_keys, paper_key, unique_key
from paperindex.extract import extract_text
from paperindex.model import Kind, Link, Status

NOTES_A = """## 序列模型
D: [Mamba](https://arxiv.org/abs/2312.00752)，线性复杂度。代码 https://github.com/state-spaces/mamba
F1: 同一篇 https://arxiv.org/pdf/2312.00752v2.pdf 以及 https://x.com/someone/status/1732353942288585143?s=20
"""
NOTES_B = """## More
See https://zhuanlan.zhihu.com/p/655402388 and https://github.com/State-Spaces/Mamba/tree/main/csrc
"""


def _write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def test_one_row_per_identity_with_every_mention(tmp_path: Path) -> None:
    notes = _write(tmp_path, "a.md", NOTES_A)
    result = update_catalogue([notes], tmp_path / "links.csv", tmp_path / "none.json")
    links = result.catalogue.links
    assert [(lk.kind, lk.id) for lk in links] == [
        (Kind.PAPER, "2312.00752"),
        (Kind.CODE, "state-spaces/mamba"),
        (Kind.POST, "someone/status/1732353942288585143"),
    ]
    paper = links[0]
    assert [(m.line, m.version, m.label) for m in paper.mentions] == [
        (2, "", "Mamba"),
        (3, "v2", ""),
    ]
    assert paper.auto_title == "Mamba"  # the label until metadata arrives


def test_rerun_changes_no_byte(tmp_path: Path) -> None:
    notes = _write(tmp_path, "a.md", NOTES_A)
    out = tmp_path / "links.csv"
    update_catalogue([notes], out, tmp_path / "none.json")
    first = out.read_bytes()
    mtime = out.stat().st_mtime_ns
    again = update_catalogue([notes], out, tmp_path / "none.json")
    assert not again.written
    assert out.read_bytes() == first and out.stat().st_mtime_ns == mtime


def test_curated_and_user_columns_survive_reextract(tmp_path: Path) -> None:
    notes = _write(tmp_path, "a.md", NOTES_A)
    out = tmp_path / "links.csv"
    update_catalogue([notes], out, tmp_path / "none.json")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    rows[0].update(
        key="gu2023mamba", title="Mamba (curated)", topic="SSM", venue="COLM 2024", note="读过",
        authors="Albert Gu; Tri Dao", year="2023",
    )  # fmt: skip
    for row in rows:
        row["my_rating"] = "★★★" if row["kind"] == "paper" else ""
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*rows[0].keys()], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    # the notes change: a new link, and the tweet disappears
    notes.write_text(
        NOTES_A.replace("以及 https://x.com/someone/status/1732353942288585143?s=20", "")
        + "new: https://github.com/microsoft/tutel\n",
        encoding="utf-8",
    )
    result = update_catalogue([notes], out, tmp_path / "none.json")
    by_id = {lk.id: lk for lk in result.catalogue.links}
    paper = by_id["2312.00752"]
    assert (paper.key, paper.title, paper.topic, paper.venue, paper.note) == (
        "gu2023mamba",
        "Mamba (curated)",
        "SSM",
        "COLM 2024",
        "读过",
    )
    assert (paper.authors, paper.year, paper.auto_authors) == ("Albert Gu; Tri Dao", "2023", "")
    assert (paper.display_authors, paper.display_year) == ("Albert Gu; Tri Dao", "2023")
    assert paper.extra == {"my_rating": "★★★"}
    assert result.catalogue.extra_columns == ["my_rating"]
    tweet = by_id["someone/status/1732353942288585143"]
    assert tweet.status is Status.GONE and tweet.mentions  # kept, marked, with where it was
    assert [lk.id for lk in result.summary.added] == ["microsoft/tutel"]
    assert cat.load(out).links[-1].id == "microsoft/tutel"


def test_a_catalogue_from_before_curated_authors_loads_with_them_as_derived() -> None:
    """`authors` and `year` were tool columns; a file without `auto_authors` is that format."""
    old = (
        "key,kind,source,id,url,title,topic,venue,note,code,auto_title,authors,year,status,mentions\n"
        "k,paper,arxiv,2312.00752,https://arxiv.org/abs/2312.00752,,,,,,Mamba,Albert Gu,2023,cited,\n"
    )
    (link,) = cat.loads(old).links
    assert (link.authors, link.year) == ("", "")
    assert (link.auto_authors, link.auto_year) == ("Albert Gu", "2023")
    assert (
        cat.dumps(cat.loads(old))
        .splitlines()[0]
        .startswith(
            "key,kind,source,id,url,title,authors,year,topic,venue,note,code,auto_title,auto_authors,"
        )
    )


def test_aliases_are_identities_of_the_row() -> None:
    row = "k,paper,arxiv,2312.00752,https://arxiv.org/abs/2312.00752,,,,,,,,,,,{},cited\n"
    header = ",".join(cat.COLUMNS) + "\n"
    catalogue = cat.loads(header + row.format("doi:10.1000/x openreview:AbC"))
    assert catalogue.links[0].aliases == ["doi:10.1000/x", "openreview:AbC"]
    assert set(catalogue.by_identity()) == {"arxiv:2312.00752", "doi:10.1000/x", "openreview:AbC"}
    twice = (
        header
        + row.format("doi:10.1000/x")
        + row.replace("2312.00752", "2401.00001").format("doi:10.1000/x").replace("k,", "j,", 1)
    )
    with pytest.raises(cat.CatalogueError, match=r":3: same link as line 2 \(doi:10.1000/x\)"):
        cat.loads(twice)


def test_extracting_other_files_does_not_forget_mentions(tmp_path: Path) -> None:
    a, b = _write(tmp_path, "a.md", NOTES_A), _write(tmp_path, "b.md", NOTES_B)
    out = tmp_path / "links.csv"
    update_catalogue([a], out, tmp_path / "none.json")
    result = update_catalogue([b], out, tmp_path / "none.json")
    repo = next(lk for lk in result.catalogue.links if lk.kind is Kind.CODE)
    assert [(m.file, m.subpath) for m in repo.mentions] == [
        ("./a.md", ""),  # named from the catalogue's folder, where the notes are
        ("./b.md", "tree/main/csrc"),
    ]
    assert all(lk.status is Status.CITED for lk in result.catalogue.links)


def test_gone_link_returns(tmp_path: Path) -> None:
    notes = _write(tmp_path, "a.md", "https://example.com/x\n")
    out = tmp_path / "links.csv"
    update_catalogue([notes], out, tmp_path / "none.json")
    notes.write_text("nothing\n", encoding="utf-8")
    assert (
        update_catalogue([notes], out, tmp_path / "none.json").catalogue.links[0].status
        is Status.GONE
    )
    notes.write_text("back https://example.com/x\n", encoding="utf-8")
    result = update_catalogue([notes], out, tmp_path / "none.json")
    assert result.catalogue.links[0].status is Status.CITED and result.summary.returned


@pytest.mark.parametrize(
    "value",
    [
        *('=HYPERLINK("http://evil")', "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "'quoted", "''"),
        *(" =1+1", '  =HYPERLINK("http://e")', "\u00a0=1", "\u3000+1", "\u200b=1", "\ufeff@x"),
        *("\u2028=1", "\uff1d1+1", "\uff0b1", " 'not a formula", "plain", "a = b", " plain"),
    ],
)
def test_formula_cells_are_inert_and_round_trip(value: str) -> None:
    link = Link(
        kind=Kind.PAGE,
        source="example.com",
        id="/x",
        url="https://example.com/x",
        title=value,
        note=value,
    )
    text = cat.dumps(cat.Catalogue(links=[link]))
    signs = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
    for row in csv.reader(io.StringIO(text)):
        for cell in row:  # a sign first, even once leading spaces are trimmed: never
            assert not cell.startswith(("\t", "\r"))
            assert not cell.lstrip(" \u00a0\u3000\u200b\ufeff\u2028").startswith(signs)
    back = cat.loads(text).links[0]
    assert (back.title, back.note) == (value, value)


def test_case4_control_and_bidi_characters_are_never_written() -> None:
    from paperindex.model import Mention

    link = Link(
        kind=Kind.PAGE,
        source="example.com",
        id="/x",
        url="https://example.com/x",
        title="Bell\x07 Esc\x1b[31m \u202eevil\u2066",
        note="line one\r\nline two\ttabbed\x00",
        extra={"mine": "\x7f=1"},
        mentions=[Mention(file="n.md", line=1, label="\u200f\x85", context="\x1b[0m ok")],
    )
    catalogue = cat.Catalogue(links=[link], extra_columns=["mine"])
    text, mentions = cat.dumps(catalogue), cat.dumps_mentions(catalogue)
    unsafe = set(map(chr, [*range(0, 9), *range(11, 32), *range(0x7F, 0xA0)]))
    unsafe |= set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert not unsafe & set(text + mentions)
    back = cat.loads(text, mentions=mentions).links[0]
    assert back.title == "Bell Esc[31m evil"
    assert back.note == "line one\nline two\ttabbed"
    assert back.extra == {"mine": "=1"}  # a formula once cleaned: protected, and read back
    assert [(m.label, m.context) for m in back.mentions] == [(" ", "[0m ok")]  # NEL: a space
    again = cat.loads(text, mentions=mentions)
    assert (cat.dumps(again), cat.dumps_mentions(again)) == (text, mentions)  # byte for byte


def test_mentions_file_has_one_row_per_citation() -> None:
    (c1,) = extract_text("a https://example.com/x", file="n.md")
    (c2,) = extract_text("\n[=标签](https://example.com/x)", file="n.md")
    link = Link(
        kind=c1.kind, source=c1.source, id=c1.id, url=c1.url, mentions=[c1.mention, c2.mention]
    )
    text = cat.dumps_mentions(cat.Catalogue(links=[link]))
    assert text.splitlines() == [
        "link,file,line,section,label,context,thread,cited,version,subpath",
        "example.com:/x,n.md,1,,,a https://example.com/x,,https://example.com/x,,",
        "example.com:/x,n.md,2,,'=标签,[=标签](https://example.com/x),,https://example.com/x,,",
    ]
    assert "mentions" not in cat.dumps(cat.Catalogue(links=[link])).splitlines()[0]
    back = cat.loads(cat.dumps(cat.Catalogue(links=[link])), mentions=text).links[0]
    assert back.mentions == [c1.mention, c2.mention]


def _row(**cells: str) -> str:
    """A catalogue row with `cells` in their columns, the rest (and one user column) empty."""
    return ",".join([*(cells.get(c, "") for c in cat.COLUMNS), ""]) + "\n"


_PAPER = {"key": "k", "kind": "paper", "source": "arxiv", "id": "2312.00752", "url": "u"}
_PAGE = {"kind": "page", "source": "x.com", "url": "u"}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("k,paper,arxiv,1,u\n", f"2: 5 cells but the header has {len(cat.COLUMNS) + 1}"),
        (_row(**{**_PAPER, "kind": "papr"}), "2: column 'kind'"),
        (_row(**_PAPER, status="maybe"), "2: column 'status'"),
        (
            _row(key="a", id="/a", **_PAGE) + _row(key="A", id="/b", **_PAGE),
            "3: key 'A' is already used on line 2",
        ),
        (
            _row(key="a", id="/a", **_PAGE) + _row(key="b", id="/a/", **_PAGE),
            "3: same link as line 2",
        ),
        ('k,page,x.com,/a,"unclosed\n', "2:"),
    ],
)
def test_malformed_rows_name_the_line_and_change_nothing(
    tmp_path: Path, bad: str, message: str
) -> None:
    out = tmp_path / "links.csv"
    text = ",".join([*cat.COLUMNS, "extra"]) + "\n" + bad
    out.write_text(text, encoding="utf-8")
    notes = _write(tmp_path, "a.md", NOTES_A)
    with pytest.raises(cat.CatalogueError, match=message):
        update_catalogue([notes], out, tmp_path / "none.json")
    assert out.read_text(encoding="utf-8") == text
    assert not (tmp_path / "mentions.csv").exists()


_MENTIONS_HEADER = "link,file,line,section,label,context,thread,cited,version,subpath\n"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("arxiv:2312.00752,b.md,0,,,,,,,\n", "mentions.csv:6: column 'line': not a line number"),
        ("arxiv:2312.00752,b.md,two,,,,,,,\n", "mentions.csv:6: column 'line'"),
        ("arxiv:2312.00752,,3,,,,,,,\n", "mentions.csv:6: column 'file': empty"),
        ("arxiv:2312.00752,b.md,3\n", "mentions.csv:6: 3 cells but the header has 10"),
        ('arxiv:2312.00752,"b.md\n', "mentions.csv:6:"),
    ],
)
def test_malformed_mention_rows_name_the_line_and_change_nothing(
    tmp_path: Path, bad: str, message: str
) -> None:
    notes = _write(tmp_path, "a.md", NOTES_A)
    out = tmp_path / "links.csv"
    update_catalogue([notes], out, tmp_path / "none.json")
    mentions = tmp_path / "mentions.csv"
    broken = mentions.read_text(encoding="utf-8") + bad
    mentions.write_text(broken, encoding="utf-8")
    before = out.read_bytes()
    with pytest.raises(cat.CatalogueError, match=message):
        update_catalogue([notes], out, tmp_path / "none.json")
    with pytest.raises(cat.CatalogueError, match=message):
        cat.load(out)
    assert out.read_bytes() == before and mentions.read_text(encoding="utf-8") == broken


def test_mentions_of_rows_a_person_deleted_are_dropped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    notes = _write(tmp_path, "a.md", NOTES_A)
    out = tmp_path / "links.csv"
    update_catalogue([notes], out, tmp_path / "none.json")
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(line for line in lines if "github" not in line), encoding="utf-8")
    catalogue = cat.load(out)
    assert [lk.id for lk in catalogue.links] == ["2312.00752", "someone/status/1732353942288585143"]
    assert [m.line for m in catalogue.links[0].mentions] == [2, 3]
    assert "1 mention(s) of links no longer in the catalogue left out" in caplog.text
    assert "github:code:state-spaces/mamba" in caplog.text


def test_header_without_identity_columns_is_refused() -> None:
    with pytest.raises(cat.CatalogueError, match="1: header lacks column"):
        cat.loads("key,title\nx,y\n")


def test_interrupted_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = _write(tmp_path, "a.md", NOTES_A)
    out = tmp_path / "links.csv"
    update_catalogue([notes], out, tmp_path / "none.json")
    before = out.read_bytes()
    notes.write_text(NOTES_A + NOTES_B, encoding="utf-8")

    def crash(src: str, dst: str) -> None:
        raise OSError("disk full")

    mentions = (tmp_path / "mentions.csv").read_bytes()
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        update_catalogue([notes], out, tmp_path / "none.json")
    assert out.read_bytes() == before and (tmp_path / "mentions.csv").read_bytes() == mentions
    names = ["a.md", "links.csv", "links.csv.lock", "mentions.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == names  # no temporary file left

    monkeypatch.undo()
    real_replace = os.replace

    def crash_after_commit(src: str, dst: str) -> None:
        if not str(dst).endswith(".commit"):
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_after_commit)
    with pytest.raises(OSError, match="disk full"):
        update_catalogue([notes], out, tmp_path / "none.json")
    assert out.read_bytes() == before and (tmp_path / "mentions.csv").read_bytes() == mentions
    assert (tmp_path / "links.csv.commit").exists()
    # committed (the marker is written) but not renamed: the next run under the lock finishes
    monkeypatch.undo()
    assert cat.load(out).links[-1].id == "/p/655402388"  # a reader sees the new files
    result = update_catalogue([notes], out, tmp_path / "none.json")
    assert not result.written
    assert sorted(p.name for p in tmp_path.iterdir()) == [n for n in names if "commit" not in n]
    assert len(cat.load(out).links) == 4


def test_paper_key_formula() -> None:
    assert (
        paper_key(["Albert Gu", "Tri Dao"], "2023", "Mamba: Linear-Time Sequence Modeling")
        == "gu2023mamba"
    )
    assert paper_key(["Jörg Müller"], "2021", "On the Über-Model") == "muller2021ubermodel"
    assert (
        paper_key(["Vaswani, Ashish"], "2017", "Attention Is All You Need")
        == "vaswani2017attention"
    )
    assert paper_key(["张三"], "2023", "∞Bench: Long") == "anon2023bench"


def test_collisions_suffix_new_keys_only() -> None:
    old = Link(key="gu2023mamba", kind=Kind.PAPER, source="arxiv", id="1", url="u1")
    new = Link(
        kind=Kind.PAPER,
        source="arxiv",
        id="2",
        url="u2",
        auto_title="Mamba again",
        authors="Albert Gu",
        year="2023",
    )
    newer = replace(new, id="3")
    assigned = assign_keys([old, new, newer])
    assert [lk.key for lk in (old, new, newer)] == ["gu2023mamba", "gu2023mambaa", "gu2023mambab"]
    assert assigned == [new, newer]
    assert unique_key("X", {"x", "xa"}) == "Xb"
    assert unique_key("k", {"k", *(f"k{c}" for c in "abcdefghijklmnopqrstuvwxyz")}) == "kaa"


def test_arxiv_papers_wait_for_metadata_unless_forced() -> None:
    paper = Link(kind=Kind.PAPER, source="arxiv", id="hep-th/9901001", url="u")
    assert assign_keys([paper]) == [] and paper.key == ""
    assign_keys([paper], force=True)
    assert paper.key == "arxiv-hep-th-9901001"
    paper.authors, paper.year, paper.auto_title = "Someone Else", "1999", "A Title"
    assign_keys([paper])
    assert paper.key == "arxiv-hep-th-9901001"  # never changes once written
