"""CSL-JSON and RIS export: the official schema, types, names, dates, identifiers, notes, the
rispy round trip, and the command line.  (pandoc renders them in tests/test_consumers.py.)"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from paperindex.export.csl import csl_json, item, split_name
from paperindex.export.ris import records, ris
from paperindex.export.view import LinkInfo, load_infos
from paperindex.model import Kind, Link, Mention

from .conftest import ROOT
from .test_bibtex import hostile_infos

SCHEMA = Path(__file__).parent / "data" / "csl" / "csl-data.json"
SHIPPED = ROOT / "data" / "links.csv"
METADATA = ROOT / "data" / "metadata"


@pytest.fixture(scope="module")
def shipped() -> dict[str, LinkInfo]:
    return {i.link.key: i for i in load_infos(SHIPPED, METADATA)}


@pytest.fixture(scope="module")
def hostile(shipped: dict[str, LinkInfo]) -> list[LinkInfo]:
    many = Link(
        key="many",
        kind=Kind.PAPER,
        source="example.com",
        id="/many",
        url="https://example.com/a b/{c}\\d/é中?q=x y&p=50%#frag#two",
        title="Title with\nER  - \nTY  - JOUR injected",
        authors="; ".join(f"Given{n} Family{n}" for n in range(1000)),
        mentions=[Mention(file="n.md", line=3, context="ctx\r\nER  - \nTY  - JOUR", label="}{")],
    )
    return [*hostile_infos(shipped["gu2023mamba"]), LinkInfo(many)]


def _validate(data: list[dict[str, Any]]) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(data)


def test_vendored_schema_is_the_reference_copy() -> None:
    reference = ROOT.parent / "shared" / "reference" / "csl" / "csl-data.json"
    if not reference.exists():
        pytest.skip("no ../shared/reference beside the project")
    assert SCHEMA.read_bytes() == reference.read_bytes()
    assert (SCHEMA.parent / "LICENSE.txt").read_text(encoding="utf-8").startswith("MIT License")


def test_schema_rejects_what_it_should() -> None:
    import jsonschema

    with pytest.raises(jsonschema.ValidationError):
        _validate([{"id": "x", "type": "", "title": "pandoc's empty type"}])
    with pytest.raises(jsonschema.ValidationError):
        _validate([{"id": "x", "type": "webpage", "eprint": "invented variable"}])


def test_shipped_and_hostile_csl_json_is_valid(
    shipped: dict[str, LinkInfo], hostile: list[LinkInfo]
) -> None:
    for infos in (list(shipped.values()), hostile):
        data = json.loads(csl_json(infos))
        _validate(data)
        assert [i["id"] for i in data] == [i.link.key for i in infos]
        assert all(i["citation-key"] == i["id"] for i in data)


@pytest.mark.parametrize(
    ("key", "csl_type"),
    [
        ("nori2023generalist", "article"),  # arXiv preprint
        ("gu2023mamba", "paper-conference"),  # COLM 2024
        ("khosravi2023synthetically", "article-journal"),  # eBioMedicine
        ("guo2024lpntk", "paper-conference"),  # OpenReview, ICLR 2024
        ("openbmb-infinitebench", "software"),
        ("nateraw-mixtral-8x7b-32kseqlen", "software"),  # a model
        ("skywork-skypile-150b", "dataset"),
        ("tydsh2023tweet", "post"),
        ("anthropic-claude-2-1-prompting", "post-weblog"),
        ("zhihu-664985891", "post-weblog"),
        ("perplexity", "webpage"),
    ],
)
def test_types(shipped: dict[str, LinkInfo], key: str, csl_type: str) -> None:
    assert item(shipped[key])["type"] == csl_type


def test_video_is_a_motion_picture() -> None:
    video = Link(
        key="v",
        kind=Kind.VIDEO,
        source="youtube",
        id="abc",
        url="https://www.youtube.com/watch?v=abc",
    )
    assert item(LinkInfo(video))["type"] == "motion_picture"


def test_preprint_and_published_paper_keep_arxiv_id_doi_url(
    shipped: dict[str, LinkInfo],
) -> None:
    nori = item(shipped["nori2023generalist"])
    assert (nori["number"], nori["archive"]) == ("2311.16452", "arXiv")
    assert nori["URL"] == "https://arxiv.org/abs/2311.16452"
    assert nori["issued"] == {"date-parts": [[2023, 11, 28]]}  # v1, 2023-11-28
    assert nori["keyword"].startswith("cs.CL")
    mamba = item(shipped["gu2023mamba"])
    assert (mamba["container-title"], mamba["archive"], mamba["archive_location"]) == (
        "COLM 2024",
        "arXiv",
        "2312.00752",
    )
    assert mamba["issued"] == {"date-parts": [[2024]]}  # the venue's year, not v1's
    assert "number" not in mamba
    khosravi = item(shipped["khosravi2023synthetically"])
    assert khosravi["container-title"].startswith("eBioMedicine")
    doi = Link(
        key="d", kind=Kind.PAPER, source="doi", id="10.1145/3-4", url="https://doi.org/10.1145/3-4"
    )
    assert item(LinkInfo(doi))["DOI"] == "10.1145/3-4"


def test_titles_are_exactly_the_catalogues(shipped: dict[str, LinkInfo]) -> None:
    for info in shipped.values():
        assert item(info)["title"] == info.title
    assert item(shipped["zhihu-664985891"])["title"] == "天工Skywork-13B開源模型的煉成與思考"
    assert item(shipped["lyu2023gpt4vision"])["title"].startswith("GPT-4V(ision) as A Social")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Albert Gu", {"family": "Gu", "given": "Albert"}),
        ("Daniel Y. Fu", {"family": "Fu", "given": "Daniel Y."}),
        ("Gu, Albert", {"family": "Gu", "given": "Albert"}),
        ("van Gogh, Vincent", {"family": "van Gogh", "given": "Vincent"}),
        (
            "Ludwig van der Berg",
            {"family": "Berg", "given": "Ludwig", "non-dropping-particle": "van der"},
        ),
        ("Martin Luther King Jr.", {"family": "King", "given": "Martin Luther", "suffix": "Jr."}),
        ("张三", {"literal": "张三"}),
        ("欧阳 娜娜", {"literal": "欧阳 娜娜"}),
        ("Anthropic", {"literal": "Anthropic"}),
        ("@tydsh", {"literal": "@tydsh"}),
        ("a, b, c, d", {"literal": "a, b, c, d"}),
        ("Bell\x07 Ünal\u202e", {"family": "Ünal", "given": "Bell"}),
        ("  ", None),
        ("1234 5678", {"literal": "1234 5678"}),
    ],
)
def test_names(name: str, expected: dict[str, str] | None) -> None:
    assert split_name(name) == expected


def test_authors_dates_and_accounts(shipped: dict[str, LinkInfo]) -> None:
    fu = item(shipped["fu2022hungry"])
    assert fu["author"][0] == {"family": "Fu", "given": "Daniel Y."}
    assert fu["author"][-1] == {"family": "Ré", "given": "Christopher"}
    assert item(shipped["openbmb-infinitebench"])["author"] == [{"literal": "OpenBMB"}]
    assert "issued" not in item(shipped["openbmb-infinitebench"])  # undated: no invented year
    assert "author" not in item(shipped["perplexity"])
    # the status id's snowflake timestamp: 2023-06-29 (see tests/test_keys.py)
    assert item(shipped["tydsh2023tweet"])["issued"] == {"date-parts": [[2023, 6, 29]]}


def test_mentions_and_context_go_into_note(shipped: dict[str, LinkInfo]) -> None:
    info = shipped["openbmb-infinitebench"]
    note = item(info)["note"]
    assert note.startswith("Cited in research-notes.md:17, 模型外推: 研究员1: 我们做了一个100k")
    assert note.count("Cited in ") == len(info.link.mentions)


def test_many_authors_are_all_kept(hostile: list[LinkInfo]) -> None:
    many = item(hostile[-1])
    assert len(many["author"]) == 1000
    assert (
        many["URL"]
        == "https://example.com/a%20b/%7Bc%7D%5Cd/%C3%A9%E4%B8%AD?q=x%20y&p=50%25#frag%23two"
    )


# --- RIS ----------------------------------------------------------------------------------------


def test_ris_round_trips_through_rispy(
    shipped: dict[str, LinkInfo], hostile: list[LinkInfo]
) -> None:
    import rispy

    for infos in (list(shipped.values()), hostile):
        text = ris(infos)
        assert rispy.loads(text) == records(infos)
        assert text.startswith("TY  - ")  # no "1." counter lines


def test_ris_fields(shipped: dict[str, LinkInfo], hostile: list[LinkInfo]) -> None:
    import rispy

    entries = {e["id"]: e for e in rispy.loads(ris(shipped.values()))}
    nori = entries["nori2023generalist"]
    assert (nori["type_of_reference"], nori["name_of_database"], nori["accession_number"]) == (
        "UNPB",
        "arXiv",
        "2311.16452",
    )
    assert nori["authors"][:2] == ["Nori, Harsha", "Lee, Yin Tat"]
    assert (nori["year"], nori["date"]) == ("2023", "2023/11/28")
    mamba = entries["gu2023mamba"]
    assert (mamba["type_of_reference"], mamba["secondary_title"]) == ("CPAPER", "COLM 2024")
    assert entries["khosravi2023synthetically"]["type_of_reference"] == "JOUR"
    assert entries["openbmb-infinitebench"]["type_of_reference"] == "COMP"
    assert entries["skywork-skypile-150b"]["type_of_reference"] == "DATA"
    assert entries["perplexity"]["urls"] == ["https://perplexity.ai/"]
    # a newline in a title or a note cannot end the record or start a tag of its own
    text = ris(hostile)
    loaded = rispy.loads(text)
    assert len(loaded) == len(hostile)
    assert loaded[-1]["title"] == "Title with ER - TY - JOUR injected"
    assert text.count("\nTY  - ") == len(hostile) - 1


def test_a_key_or_a_notes_file_name_cannot_start_a_ris_record() -> None:
    import rispy

    injected = "\nER  - \n\nTY  - JOUR\nTI  - Injected title\nUR  - http://evil.example/"
    link = Link(
        key="k1" + injected,  # a hand-edited catalogue cell
        kind=Kind.PAGE,
        source="example.com",
        id="/p",
        url="https://example.com/p",
        title="A Test Page",
        mentions=[Mention(file="a" + injected + ".md", line=4, context="see this")],
    )
    text = ris([LinkInfo(link)])
    loaded = rispy.loads(text)
    assert len(loaded) == 1 and loaded[0]["title"] == "A Test Page"
    assert loaded[0]["id"] == "k1 ER - TY - JOUR TI - Injected title UR - http://evil.example/"
    assert loaded[0]["urls"] == ["https://example.com/p"]
    tags = [line[:6] for line in text.splitlines() if line]
    assert tags.count("TY  - ") == 1 and tags.count("ER  - ") == 1
    assert "a ER - TY - JOUR" in loaded[0]["notes"][0]


# --- command line ---------------------------------------------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "paperindex", *args], cwd=cwd, capture_output=True, text=True
    )


@pytest.mark.slow
def test_export_command_writes_each_format(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    run = _cli("export", "--format", "csl-json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    data = json.loads((tmp_path / "references.json").read_text(encoding="utf-8"))
    assert len(data) == 34
    _validate(data)
    run = _cli("export", "--format", "ris", "-o", "-", "--kind", "code", cwd=tmp_path)
    assert run.returncode == 0 and run.stdout.count("TY  - COMP") == 4
    run = _cli("export", "--format", "bib", "--dialect", "biblatex", "-o", "x.bib", cwd=tmp_path)
    assert run.returncode == 0 and "@software{" in (tmp_path / "x.bib").read_text(encoding="utf-8")
    bad = _cli("export", "--format", "apa", cwd=tmp_path)
    assert bad.returncode == 2 and "formats are" in bad.stderr and "csl-json" in bad.stderr
    bad = _cli("export", "--format", "ris", "--style", "arxiv", cwd=tmp_path)
    assert bad.returncode == 2
    run = _cli("build", "--formats", "csl-json,ris", "--out", "out", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "references.json",
        "references.ris",
    ]
