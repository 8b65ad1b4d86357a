"""The published version of arXiv papers: explicit links only, in order of trust, curated venue
first; checked against the venues the team found by hand (`published_as` in the reference)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from paperindex import catalogue as cat
from paperindex.api import write_bibtex
from paperindex.enrich import Metadata, SourceConfig, Store, refresh
from paperindex.enrich.published import resolve
from paperindex.enrich.sources import crossref, openreview, semanticscholar
from paperindex.enrich.sources.arxiv import ArxivRecord
from paperindex.export.view import infos_for
from paperindex.model import Kind, Link
from paperindex.testing import crossref as crf
from paperindex.testing import openreview as orf
from paperindex.testing import semanticscholar as s2f
from paperindex.testing.reference import load_records, published_venues, s2_papers

from .conftest import ROOT

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
A = "2401.00001"
DOI = "10.1234/example.5678"
FORUM = "AbCdEf1234"


def _arxiv(**fields: Any) -> ArxivRecord:
    base: dict[str, Any] = dict(
        id=A, version="v1", title="A Test Paper", authors=["Ada Example"], abstract="",
        published=datetime(2024, 1, 2, tzinfo=UTC), updated=datetime(2024, 1, 2, tzinfo=UTC),
        primary_category="cs.LG", categories=["cs.LG"], retrieved_at=NOW, retrieved_from="x",
    )  # fmt: skip
    return ArxivRecord(**{**base, **fields})


def _metadata(tmp_path: Path, **records: dict[str, Any]) -> Metadata:
    known = Metadata.load(tmp_path)
    for name, found in records.items():
        known.stores[name] = Store(records=found)
    return known


LINK = Link(kind=Kind.PAPER, source="arxiv", id=A, url=f"https://arxiv.org/abs/{A}",
            aliases=[f"doi:{DOI}", f"openreview:{FORUM}"])  # fmt: skip
S2_PUBLISHED = semanticscholar.to_record(
    s2f.paper("p", ArXiv=A, DOI=DOI, venue="Example Conference on Testing"), "x", NOW
)
S2_PREPRINT = semanticscholar.to_record(s2f.arxiv_only("p", A), "x", NOW)
CROSSREF = crossref.to_record(
    crf.work(DOI, type="proceedings-article", container="Proceedings of ECT 2025"), DOI, "x", NOW
)
POSTED = crossref.to_record(
    crf.work(DOI, type="posted-content", container="bioRxiv"), DOI, "x", NOW
)
ACCEPTED = openreview.to_record(orf.note(FORUM, venue="ICLR 2024 oral"), "x", NOW)
REJECTED = openreview.to_record(orf.rejected(FORUM), "x", NOW)


def test_arxiv_journal_ref_first(tmp_path: Path) -> None:
    known = _metadata(
        tmp_path,
        arxiv={A: _arxiv(journal_ref="J. Examples 12 (2023) 1-10", doi=DOI)},
        semanticscholar={f"ARXIV:{A}": S2_PUBLISHED}, crossref={DOI: CROSSREF},
        openreview={FORUM: ACCEPTED},
    )  # fmt: skip
    found = resolve(LINK, known)
    assert found is not None
    assert (found.venue, found.year, found.doi, found.source) == (
        "J. Examples 12 (2023) 1-10", "2023", DOI, "arxiv",
    )  # fmt: skip


def test_an_explicit_link_next_crossref_before_semantic_scholar(tmp_path: Path) -> None:
    known = _metadata(
        tmp_path, arxiv={A: _arxiv()}, semanticscholar={f"ARXIV:{A}": S2_PUBLISHED},
        crossref={DOI: CROSSREF}, openreview={FORUM: ACCEPTED},
    )  # fmt: skip
    found = resolve(LINK, known)
    assert found is not None and (found.venue, found.source) == (
        "Proceedings of ECT 2025",
        "crossref",
    )
    known.stores["crossref"] = Store(records={DOI: POSTED})  # a preprint server is no venue
    found = resolve(LINK, known)
    assert found is not None and found.source == "semanticscholar"
    assert found.venue == "Example Conference on Testing 2024" and found.doi == DOI
    assert "externalIds DOI" in found.evidence and found.found_at == NOW


def test_an_openreview_acceptance_last(tmp_path: Path) -> None:
    known = _metadata(
        tmp_path, arxiv={A: _arxiv()}, semanticscholar={f"ARXIV:{A}": S2_PREPRINT},
        openreview={FORUM: ACCEPTED},
    )  # fmt: skip
    found = resolve(LINK, known)
    assert found is not None and (found.venue, found.source) == ("ICLR 2024", "openreview")


def test_no_explicit_link_no_venue_ever(tmp_path: Path) -> None:
    known = _metadata(
        tmp_path, arxiv={A: _arxiv(comment="Submitted to ICLR 2024")},
        semanticscholar={f"ARXIV:{A}": S2_PREPRINT}, crossref={DOI: POSTED},
        openreview={FORUM: REJECTED},
    )  # fmt: skip
    assert resolve(LINK, known) is None
    (info,) = infos_for([LINK], known)
    assert info.venue == "" and info.venue_source == ""


def test_curated_venue_wins(tmp_path: Path) -> None:
    known = _metadata(tmp_path, arxiv={A: _arxiv(journal_ref="J. Examples 12 (2023)")})
    curated = replace(LINK, venue="ICLR 2024")
    (info,) = infos_for([curated], known)
    assert (info.venue, info.venue_source, info.year) == ("ICLR 2024", "curated", "2024")


def test_the_venues_found_by_hand_are_found_and_no_other(tmp_path: Path, reference: Path) -> None:
    """The shipped catalogue's curated venues (from `published_as`) are found again by the
    resolver from Semantic Scholar answers shaped from the same records, and where the records
    have no venue the resolver finds none; with the curated column emptied, the .bib is the
    same, byte for byte."""
    records = load_records(reference)
    expected = published_venues(records)
    shutil.copytree(ROOT / "data", tmp_path / "data")
    csv_path, folder = tmp_path / "data" / "links.csv", tmp_path / "data" / "metadata"
    before = write_bibtex(None, csv_path, folder)
    catalogue = cat.load(csv_path)
    arxiv_rows = [lk for lk in catalogue.links if lk.source == "arxiv"]
    assert len(arxiv_rows) >= 13
    for link in arxiv_rows:
        assert link.venue == (expected[link.id] or "")  # today: the curated column
        link.venue = ""
    cat.save(catalogue, csv_path)
    with s2f.serve(s2_papers(records)) as server:
        config = {"semanticscholar": SourceConfig(base_url=server.url, delay=0)}
        report = refresh(csv_path, folder, sources=["semanticscholar"], configs=config)
    assert report.ok
    found = {i: v.rsplit(" (", 1)[0] for i, v in report.published.items()}
    for link in arxiv_rows:
        assert found.get(link.id) == expected[link.id], link.id
    assert [i for i, v in expected.items() if v is None and i in found] == []
    assert write_bibtex(None, csv_path, folder) == before


def test_a_work_first_cited_elsewhere_is_still_its_arxiv_paper(tmp_path: Path) -> None:
    """A row kept under its OpenReview forum, with the arXiv id as an alias, gets arXiv's record
    and its published version, and exporters see its arXiv id."""
    known = _metadata(tmp_path, arxiv={A: _arxiv(title="From arXiv")}, openreview={FORUM: ACCEPTED})
    link = Link(kind=Kind.PAPER, source="openreview", id=FORUM,
                url=f"https://openreview.net/forum?id={FORUM}", aliases=[f"arxiv:{A}"])  # fmt: skip
    found = resolve(link, known)
    assert found is not None and found.venue == "ICLR 2024"
    (info,) = infos_for([link], known)
    assert info.facts.title == "From arXiv" and info.arxiv_id == A
