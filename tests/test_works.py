"""One row per work: rows that metadata shows to be one work are merged (the first keeps its key
and curated cells, the others become aliases), title matches are only suggested, and bad input
ends as named failures with nothing stored lost.  End to end against the fake services."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from paperindex import catalogue as cat
from paperindex.api import update_catalogue, write_bibtex
from paperindex.catalogue.merging import unify
from paperindex.cli import main
from paperindex.enrich import SourceConfig, refresh
from paperindex.enrich.refreshing import RefreshReport
from paperindex.model import Kind, Link, Mention
from paperindex.testing import Status
from paperindex.testing import crossref as crf
from paperindex.testing import openreview as orf
from paperindex.testing import semanticscholar as s2f
from paperindex.testing.arxiv import NS, FakeArxiv, load_entries

A = "2312.00752"
SHA = s2f.sha("the work")
DOI = "10.1234/example.5678"
FORUM = "AbCdEf1234"
SOURCES = ["arxiv", "semanticscholar", "crossref", "datacite", "openreview"]
NOTES = f"""# Sequence models
- Mamba, https://arxiv.org/abs/{A}v2 （值得一读）
- Semantic Scholar page: https://www.semanticscholar.org/paper/Mamba-Linear-Time/{SHA}
- reviews https://openreview.net/forum?id={FORUM}
- the proceedings version https://doi.org/{DOI}
"""


@dataclass
class Services:
    arxiv: FakeArxiv
    s2: s2f.FakeSemanticScholar
    crossref: crf.FakeCrossref
    datacite: crf.FakeDataCite
    openreview: orf.FakeOpenReview

    def configs(self) -> dict[str, SourceConfig]:
        urls = {
            "arxiv": self.arxiv.url, "semanticscholar": self.s2.url,
            "crossref": self.crossref.url, "datacite": self.datacite.url,
            "openreview": self.openreview.url,
        }  # fmt: skip
        return {n: SourceConfig(base_url=u, delay=0, backoff=0.01) for n, u in urls.items()}

    def requests(self) -> int:
        servers = (self.arxiv, self.s2, self.crossref, self.datacite, self.openreview)
        return sum(len(s.requests) for s in servers)

    def api_args(self) -> list[str]:
        args = []
        for name, config in self.configs().items():
            args += ["--api", f"{name}={config.base_url}"]
        return [*args, "--delay", "0", "--backoff", "0.01", "--timeout", "2"]


@pytest.fixture
def services(reference: Path) -> Iterator[Services]:
    entries = load_entries(reference / "arxiv" / "feed.xml")
    entry = copy.deepcopy(entries[A])  # its authors name the forum in their arXiv comment
    comment = entry.find("arxiv:comment", NS)
    if comment is None:
        comment = ET.SubElement(entry, f"{{{NS['arxiv']}}}comment")
    comment.text = f"Reviews and code: https://openreview.net/forum?id={FORUM}"
    entries[A] = entry
    work = s2f.paper("the work", title="Mamba", ArXiv=A, DOI=DOI, DBLP="conf/example/Gu24",
                     venue="Example Conference on Testing")  # fmt: skip
    work["paperId"] = SHA
    papers = {f"ARXIV:{A}": work, SHA: work, f"DOI:{DOI}": work}
    works = {DOI: crf.work(DOI, type="proceedings-article",
                           container="Proceedings of the Example Conference on Testing 2024",
                           relation={"has-preprint": [f"10.48550/arXiv.{A}"]})}  # fmt: skip
    with ExitStack() as stack:
        yield Services(
            stack.enter_context(FakeArxiv(entries)),
            stack.enter_context(s2f.FakeSemanticScholar(papers)),
            stack.enter_context(crf.FakeCrossref(works)),
            stack.enter_context(crf.FakeDataCite()),
            stack.enter_context(orf.FakeOpenReview({FORUM: orf.note(FORUM, title="Mamba")})),
        )


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_one_work_cited_four_ways_is_one_row_one_entry_and_stable(
    tmp_path: Path, services: Services
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    csv_path = tmp_path / "links.csv"
    update_catalogue([notes], csv_path, tmp_path)
    assert len(cat.load(csv_path).links) == 4  # four identities before any metadata
    report = refresh(csv_path, tmp_path, sources=SOURCES, configs=services.configs())
    assert report.ok, {n: r.failed for n, r in report.sources.items()}
    links = cat.load(csv_path).links
    assert len(links) == 1
    (link,) = links
    assert (link.source, link.id, link.key) == ("arxiv", A, "gu2023mamba")  # cited first
    assert {f"doi:{DOI}", f"openreview:{FORUM}", f"semanticscholar:{SHA}",
            "dblp:conf/example/Gu24"} <= set(link.aliases)  # fmt: skip
    assert [m.line for m in link.mentions] == [2, 3, 4, 5]  # every mention kept
    assert len(report.works.merged) == 3 and not report.works.conflicts
    # one BibTeX entry, citing the published version and keeping the arXiv id
    bib = write_bibtex(None, csv_path, tmp_path)
    assert bib.count("\n@") == 1
    assert "@inproceedings{gu2023mamba," in bib
    assert "booktitle     = {Proceedings of the Example Conference on Testing 2024}" in bib
    assert f"eprint        = {{{A}}}" in bib and "archivePrefix = {arXiv}" in bib
    assert report.published[A].endswith("(crossref)")
    lines = report.work_lines()
    assert "one row per work: rows merged 3:" in lines and "published versions found 1:" in lines
    # a second refresh: no request, no byte changed anywhere
    before, asked = _snapshot(tmp_path), services.requests()
    again = refresh(csv_path, tmp_path, sources=SOURCES, configs=services.configs())
    assert services.requests() == asked and again.ok
    assert _snapshot(tmp_path) == before
    # later citations of any identity land on the row
    more = tmp_path / "more.md"
    more.write_text(f"again doi:{DOI} and https://openreview.net/pdf?id={FORUM}\n")
    update_catalogue([notes, more], csv_path, tmp_path)
    (link,) = cat.load(csv_path).links
    assert [m.file for m in link.mentions].count("./more.md") == 1  # one line, one citation


def _link(source: str, ident: str, line: int, **cells: str) -> Link:
    link = Link(kind=Kind.PAPER, source=source, id=ident, url=f"https://example.org/{ident}",
                mentions=[Mention(file="n.md", line=line)])  # fmt: skip
    return replace(link, **cells)  # type: ignore[arg-type]


def test_unify_keeps_the_first_rows_key_and_cells_and_reports_conflicts() -> None:
    first = _link("arxiv", A, 7, key="gu2023mamba", topic="SSMs", note="")
    second = _link("openreview", FORUM, 3, key="gu2024mamba", topic="Sequence models", note="read")
    other = _link("arxiv", "2401.00001", 5)
    catalogue = cat.Catalogue(links=[first, other, second])
    same = {A: {f"openreview:{FORUM}"}}
    report = unify(catalogue, lambda link: same.get(link.id, set()))
    assert [lk.id for lk in catalogue.links] == [A, "2401.00001"]
    kept = catalogue.links[0]
    assert kept.key == "gu2023mamba" and kept.topic == "SSMs" and kept.note == "read"
    assert kept.aliases == [f"openreview:{FORUM}"]
    assert any("topic 'SSMs' kept; 'Sequence models'" in c for c in report.conflicts)
    assert any("'gu2024mamba'" in c and "retired" in c for c in report.conflicts)
    assert [m.line for m in kept.mentions] == [3, 7]  # both, in the order of the notes
    # again: nothing to do
    again = unify(catalogue, lambda link: same.get(link.id, set()))
    assert not again.changed and not again.conflicts
    text = cat.dumps(catalogue)
    assert cat.dumps(cat.loads(text)) == text  # aliases survive the CSV


def test_a_title_match_is_a_suggestion_never_a_merge(tmp_path: Path, services: Services) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text(f"https://arxiv.org/abs/{A}\nhttps://openreview.net/forum?id=OtherForum1\n")
    csv_path = tmp_path / "links.csv"
    update_catalogue([notes], csv_path, tmp_path)
    services.openreview.notes["OtherForum1"] = orf.note(
        "OtherForum1", title="Mamba: Linear-Time Sequence Modeling with Selective State Spaces",
        authors=("Albert Gu", "Tri Dao"),
    )  # fmt: skip
    services.arxiv.entries[A].find("arxiv:comment", NS).text = "no link here"  # type: ignore[union-attr]
    report = refresh(csv_path, tmp_path, sources=SOURCES, configs=services.configs())
    assert len(cat.load(csv_path).links) == 2  # not merged
    (suggestion,) = report.works.suggestions
    assert "gu2023mamba" in suggestion and "not merged" in suggestion and "gu" in suggestion


def test_bad_input_ends_in_named_failures_and_keeps_what_was_stored(
    tmp_path: Path, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    services.openreview.notes["Withdrawn01"] = orf.withdrawn("Withdrawn01")
    notes = tmp_path / "notes.md"
    notes.write_text(
        f"https://arxiv.org/abs/{A}\n"
        f"unknown paper https://www.semanticscholar.org/paper/{s2f.sha('nobody')}\n"
        "a DOI no one holds https://doi.org/10.9999/nobody.1\n"
        "withdrawn https://openreview.net/forum?id=Withdrawn01\n"
        "unknown arXiv id arXiv:2401.99999\n",
        encoding="utf-8",
    )
    csv_path = tmp_path / "links.csv"
    update_catalogue([notes], csv_path, tmp_path)
    args = [
        "refresh",
        "--catalogue",
        str(csv_path),
        "--metadata",
        str(tmp_path),
        *services.api_args(),
    ]
    assert main([*args, "--source", ",".join(SOURCES)]) == 1
    out = capsys.readouterr().out
    assert f"{s2f.sha('nobody')}: unknown to Semantic Scholar" in out
    assert "10.9999/nobody.1: no service holds it (unknown to Crossref; unknown to DataCite)" in out
    assert "Withdrawn01: withdrawn: ICLR 2024 Conference Withdrawn Submission" in out
    assert "2401.99999: arXiv returned no record" in out
    stored = _snapshot(tmp_path)
    assert "semanticscholar.json" in stored and "arxiv.json" in stored
    # the services go down: every id fails by name, exit 1, nothing stored is lost
    services.s2.inject(*[Status(503)] * 4)
    services.arxiv.inject(*[Status(503)] * 4)
    assert main([*args, "--source", "arxiv,semanticscholar", "--all"]) == 1
    out = capsys.readouterr().out
    assert "HTTP 503 after 4 attempts" in out
    after = _snapshot(tmp_path)
    for name in ("arxiv.json", "semanticscholar.json", "published.json"):
        assert after.get(name) == stored.get(name)


def test_a_preprint_with_no_explicit_link_stays_misc(tmp_path: Path, services: Services) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("https://arxiv.org/abs/2311.16452\n", encoding="utf-8")
    services.s2.papers["ARXIV:2311.16452"] = s2f.arxiv_only("promptbase", "2311.16452")
    csv_path = tmp_path / "links.csv"
    update_catalogue([notes], csv_path, tmp_path)
    report: RefreshReport = refresh(csv_path, tmp_path, sources=SOURCES, configs=services.configs())
    assert report.published == {}
    bib = write_bibtex(None, csv_path, tmp_path)
    assert "@misc{nori2023generalist," in bib and "booktitle" not in bib and "journal" not in bib


def test_a_work_first_cited_by_its_doi_keeps_its_arxiv_id_in_every_format() -> None:
    """The row's own identity is the DOI; its arXiv alias still gives eprint, CSL's archive and
    RIS's accession number."""
    from paperindex.export.bibtex import BibOptions, entry_fields
    from paperindex.export.csl import item
    from paperindex.export.ris import record
    from paperindex.export.view import LinkInfo
    from paperindex.model import Kind, Link

    link = Link(
        key="ex2024paper", kind=Kind.PAPER, source="doi", id="10.1000/example.1",
        url="https://doi.org/10.1000/example.1", aliases=["arxiv:2401.00001"], venue="ICML 2024",
        auto_title="A Test Paper", auto_authors="Ada Example", auto_year="2024",
    )  # fmt: skip
    info = LinkInfo(link)
    assert info.arxiv_id == "2401.00001"
    _, fields = entry_fields(info, BibOptions())
    assert ("eprint", "2401.00001") in fields and ("archivePrefix", "arXiv") in fields
    assert (item(info)["archive"], item(info)["archive_location"]) == ("arXiv", "2401.00001")
    assert record(info)["accession_number"] == "2401.00001"
