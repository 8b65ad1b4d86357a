"""Cited pages: metadata read in order of trust from the fixture pages, and the page source
through the guarded fetcher."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from paperindex.enrich import SourceConfig, fetch
from paperindex.enrich.sources.webpage import WebpageSource, read_page
from paperindex.net.guard import GuardPolicy
from paperindex.testing.media import FakeWeb

from .conftest import ROOT

PAGES = ROOT / "tests" / "fixtures" / "pages"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def page(name: str) -> dict[str, Any]:
    record = read_page(
        (PAGES / name).read_bytes(), "https://example.org/x", "https://example.org/x", NOW
    )
    return record.model_dump(exclude={"retrieved_at", "retrieved_from", "id", "final_url"})


def test_highwire_tags_win_and_make_the_page_a_paper() -> None:
    got = page("citation.html")
    # og:title, DC.title and <title> all say something else: citation_title is what Scholar reads
    assert got["title"] == "A Test Paper on Synthetic Things"
    assert got["authors"] == ["Ada Example", "Bob Example"]  # "Example, Ada" turned around
    assert (got["date"], got["doi"]) == ("2024-05-06", "10.1234/example.5678")
    assert got["pdf_url"] == "https://papers.example.org/a-test-paper.pdf"
    assert (got["venue"], got["genre"]) == ("Example Conference on Testing", "paper")
    assert got["sources"] == {
        "title": "citation_*", "authors": "citation_*", "date": "citation_*",
        "doi": "citation_*", "pdf_url": "citation_*", "venue": "citation_*", "genre": "citation_*",
        "description": "dublin-core",
    }  # fmt: skip


def test_a_blog_post_is_read_from_its_json_ld() -> None:
    got = page("blogpost.html")
    assert got["title"] == "Scaling Examples: What We Learned"  # the headline, not og:title
    assert got["authors"] == ["Ada Example", "Bob Example"]
    assert (got["date"], got["genre"], got["schema_type"]) == (
        "2023-12-06",
        "article",
        "BlogPosting",
    )


def test_json_ld_graphs_and_id_references_are_followed() -> None:
    got = page("yoast_graph.html")
    assert (got["title"], got["authors"], got["date"]) == (
        "Notes on Long Context", ["Carol Example"], "2024-02-20",
    )  # fmt: skip


def test_microdata_is_read_like_json_ld() -> None:
    got = page("zhihu_like.html")
    assert (got["title"], got["authors"], got["date"]) == (
        "天工示例模型的炼成与思考", ["示例作者"], "2023-11-01",
    )  # fmt: skip
    assert got["site_name"] == "知乎专栏" and got["sources"]["site_name"] == "opengraph"


def test_dublin_core_comes_before_opengraph() -> None:
    got = page("opengraph_dc.html")
    assert (got["title"], got["authors"], got["date"]) == (
        "A Dublin Core Title", ["Erin Example"], "2021-03-04",
    )  # fmt: skip
    assert got["site_name"] == "Example News"


def test_a_page_with_only_a_title() -> None:
    got = page("title_only.html")
    assert got["title"] == "Mixture of Experts - Example Docs"
    assert (got["authors"], got["date"]) == ([], None)


@pytest.mark.parametrize(
    ("name", "title", "authors", "year", "genre"),
    [
        ("software.html", "Example Tool", ["Example Org"], "2020", "software"),
        (
            "dataset.html",
            "Example Corpus",
            ["Frank Example", "Example Institute"],
            "2019",
            "dataset",
        ),
    ],
)
def test_software_and_dataset_pages(
    name: str, title: str, authors: list[str], year: str, genre: str
) -> None:
    got = page(name)
    assert (got["title"], got["authors"], str(got["date"])[:4], got["genre"]) == (
        title, authors, year, genre,
    )  # fmt: skip


def test_a_date_shown_only_in_the_text_is_found_by_htmldate() -> None:
    html = (
        b"<html><head><title>Release notes</title></head><body><article>"
        b"<p>Published on 2022-09-14 by the team.</p></article></body></html>"
    )
    record = read_page(html, "https://example.org/notes", "https://example.org/notes", NOW)
    assert (record.date, record.sources["date"]) == ("2022-09-14", "htmldate")


def test_the_source_fetches_through_the_guard_and_names_what_it_refused(tmp_path: Path) -> None:
    with FakeWeb() as web:
        ok = web.page("/blog/post", (PAGES / "blogpost.html").read_bytes())
        bad = web.redirect("/blog/moved", "http://10.0.0.1/blog/post")
        pdf = web.page("/paper.pdf", b"%PDF-1.4", content_type="application/pdf")
        config = SourceConfig(base_url="", page_policy=GuardPolicy.for_tests())
        src = WebpageSource(config)
        result = fetch(src, [ok, bad, pdf])
    assert src.describe(result.records[ok]).title == "Scaling Examples: What We Learned"
    assert "10.0.0.1 is a private address" in result.failures[bad]
    assert "(blocked-address)" in result.failures[bad]
    assert "(not-html)" in result.failures[pdf]


def test_without_the_allowance_the_source_fetches_nothing_local() -> None:
    with FakeWeb() as web:
        url = web.page("/blog/post", (PAGES / "blogpost.html").read_bytes())
        result = fetch(WebpageSource(SourceConfig(base_url="")), [url])
        assert web.requests == []
    assert "127.0.0.1 is a loopback address" in result.failures[url]
