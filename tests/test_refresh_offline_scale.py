"""`refresh --offline` plans without the work that cannot change its report: no unifying of
rows when no store holds a record and no row names a new identity of its own, and each source
asked only about the rows of the sites it serves.  The plan must stay what it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paperindex import catalogue as cat
from paperindex.enrich import refresh, refreshing, works
from paperindex.enrich.sources import REGISTRY, source_class
from paperindex.model import Kind, Link

A, B = "2312.00752", "2401.00002"
ACL_DOI = "10.18653/v1/P19-1001"


def _link(kind: Kind, source: str, ident: str, aliases: list[str] | None = None) -> Link:
    return Link(
        kind=kind, source=source, id=ident, url=f"https://example.org/{source}/{ident}",
        aliases=aliases or [],
    )  # fmt: skip


SAMPLES = [
    _link(Kind.PAPER, "arxiv", A),
    _link(Kind.PAPER, "doi", "10.1234/x.1", ["arxiv:2401.00002"]),
    _link(Kind.PAPER, "doi", ACL_DOI),
    _link(Kind.PAPER, "acl", "P19-1001"),
    _link(Kind.PAPER, "openreview", "AbCdEf1234", ["doi:10.1234/y.2"]),
    _link(Kind.PAPER, "semanticscholar", "0123456789abcdef0123456789abcdef01234567"),
    _link(Kind.PAPER, "pubmed", "12345678"),
    _link(Kind.PAPER, "pmc", "PMC1234567"),
    _link(Kind.PAPER, "proceedings.mlr.press", "v1/a.html"),
    _link(Kind.CODE, "github", "state-spaces/mamba"),
    _link(Kind.MODEL, "huggingface", "state-spaces/mamba-130m"),
    _link(Kind.DATASET, "huggingface", "allenai/c4"),
    _link(Kind.VIDEO, "youtube", "dQw4w9WgXcQ"),
    _link(Kind.VIDEO, "bilibili", "BV1xx411c7mD"),
    _link(Kind.POST, "twitter", "someone/status/1234567890"),
    _link(Kind.ARTICLE, "example.org", "blog/post"),
    _link(Kind.PAGE, "example.org", "page"),
]


@pytest.mark.parametrize("name", list(REGISTRY))
def test_a_source_serves_only_rows_of_the_sites_it_names(name: str) -> None:
    source = source_class(name)()
    if source.sites is None:
        return  # asked about every row
    for link in SAMPLES:
        sites = {link.source, *(a.partition(":")[0] for a in link.aliases)}
        if source.ids_for(link) is not None:
            assert sites & source.sites, (name, link.source, link.id)


def _catalogue(tmp_path: Path, links: list[Link]) -> Path:
    path = tmp_path / "data" / "links.csv"
    path.parent.mkdir(parents=True)
    cat.save(cat.Catalogue(links=links), path)
    return path


def _considered(path: Path, names: list[str]) -> dict[str, list[str]]:
    report = refresh(path, path.parent / "metadata", sources=names, offline=True)
    return {n: report.sources[n].considered for n in names}


def test_without_records_rows_are_not_unified_when_nothing_can_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _catalogue(
        tmp_path,
        [
            _link(Kind.PAPER, "doi", "10.1234/x.1", ["arxiv:2401.00002"]),
            _link(Kind.PAPER, "arxiv", A),
            _link(Kind.CODE, "github", "state-spaces/mamba"),
        ],
    )

    def no_unify(*args: Any) -> Any:
        raise AssertionError("unify_works asked although no row can change")

    monkeypatch.setattr(refreshing, "unify_works", no_unify)
    found = _considered(path, ["arxiv", "semanticscholar", "crossref", "github"])
    assert found == {
        "arxiv": [B, A],
        "semanticscholar": ["DOI:10.1234/x.1", f"ARXIV:{A}"],
        "crossref": ["10.1234/x.1"],
        "github": ["state-spaces/mamba"],
    }


def test_an_acl_doi_still_takes_its_anthology_row_in_the_plan(tmp_path: Path) -> None:
    path = _catalogue(
        tmp_path, [_link(Kind.PAPER, "doi", ACL_DOI), _link(Kind.PAPER, "acl", "P19-1001")]
    )
    # one work: the Anthology row joins the DOI's, so Semantic Scholar is asked once
    assert _considered(path, ["semanticscholar"]) == {"semanticscholar": [f"DOI:{ACL_DOI}"]}


def test_unsorted_aliases_are_sorted_before_the_plan(tmp_path: Path) -> None:
    path = _catalogue(
        tmp_path, [_link(Kind.PAPER, "doi", "10.1234/x.1", [f"arxiv:{B}", f"arxiv:{A}"])]
    )
    # unify sorts a row's aliases; arXiv is then asked about the first of them
    assert _considered(path, ["arxiv"]) == {"arxiv": [A]}


def test_with_records_the_rows_are_unified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _catalogue(tmp_path, [_link(Kind.PAPER, "arxiv", A)])
    folder = path.parent / "metadata"
    folder.mkdir()
    record: dict[str, object] = {"title": "T", "authors": [], "year": None, "description": None}
    store = {"format": 1, "note": "", "records": {f"arxiv:{A}": record}}
    (folder / "links.json").write_text(json.dumps(store), encoding="utf-8")
    calls: list[int] = []
    real = works.unify_works

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(refreshing, "unify_works", counted)
    assert _considered(path, ["arxiv"]) == {"arxiv": [A]}
    assert calls == [1]


def test_rows_are_listed_once_each_in_catalogue_order_across_sites() -> None:
    links = [
        _link(Kind.PAPER, "doi", "10.1/a", ["arxiv:1", "arxiv:2"]),
        _link(Kind.PAPER, "arxiv", "3"),
        _link(Kind.PAPER, "acl", "X", ["doi:10.1/b"]),
        _link(Kind.CODE, "github", "o/r"),
    ]
    rows = refreshing._RowsBySite(links)
    s2 = source_class("semanticscholar")()
    assert rows.rows_for(s2) == links[:3]
    assert rows.rows_for(source_class("arxiv")()) == links[:2]
    assert rows.rows_for(source_class("webpage")()) == links
    assert rows.rows_for(source_class("twitter")()) == []


def test_the_plan_relies_on_load_refusing_two_rows_of_one_identity(tmp_path: Path) -> None:
    # what lets the plan skip unify: no two rows share an identity or an alias
    path = _catalogue(
        tmp_path,
        [_link(Kind.PAPER, "arxiv", A), _link(Kind.PAPER, "doi", "10.1234/x.1", [f"arxiv:{A}"])],
    )
    with pytest.raises(cat.CatalogueError, match="same link as line 2"):
        refresh(path, path.parent / "metadata", offline=True)
