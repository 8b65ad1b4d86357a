#!/usr/bin/env python3
"""Build the shipped catalogue and metadata from the team's reference data, with our own code.

Our machines cannot reach arXiv.  The team's `shared/reference/` holds real metadata compiled from
public records.  This script, run from a checkout beside `shared/`:

1. compiles `reference/links.json` (facts about the non-arXiv links) into the typed link store
   `data/metadata/links.json`, keyed by each link's identity (the fallback of lowest trust, for
   facts no fetching source gives: an OpenReview paper, account holders, third-party titles);
2. runs `paperindex extract` on the acceptance corpus (`shared/corpus/research-notes.md`);
3. serves `reference/arxiv/feed.xml` (the arXiv records in the API's Atom format) from the fake
   arXiv API (`paperindex.testing.arxiv`) on 127.0.0.1 and runs `paperindex refresh --all`
   against it, so the shipped arXiv store is exactly what the refresh code produces;
   then serves the same reference facts from the fake GitHub API, Hub API and X oEmbed endpoint
   and refreshes those sources against them, and reads pages built from them with the page
   reader (`ship_links_through_sources`), so the shipped `github`, `huggingface`, `twitter` and
   `webpage` stores are what the sources produce;
4. copies published venues and official code repositories (`published_as` in
   `reference/arxiv/records.json`, `venue` in `links.json`) into the catalogue's curated `venue`
   and `code` columns, where those are still empty: curation done once, by us, from records.

    python scripts/ship_reference_metadata.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from paperindex import catalogue as cat
from paperindex.api import update_catalogue
from paperindex.enrich import DEFAULT_METADATA, SourceConfig, Store, refresh, store_path
from paperindex.enrich import store as st
from paperindex.enrich.sources.arxiv import ArxivRecord
from paperindex.enrich.sources.facts import LinkRecord
from paperindex.identity import identify
from paperindex.model import Kind
from paperindex.sites import key_of
from paperindex.testing.arxiv import serve

ROOT = Path(__file__).resolve().parents[1]

PORT = 47100  # fixed, so the provenance URLs in the store do not change from run to run
ARXIV_NOTE = (
    "Records produced by scripts/ship_reference_metadata.py: `paperindex refresh --all` against "
    "paperindex.testing.arxiv on 127.0.0.1 serving the team's reference feed "
    "(shared/reference/arxiv/feed.xml, real arXiv metadata compiled from public records; "
    "times of day are not known and read 00:00 UTC). A refresh from arXiv replaces them."
)
LINKS_NOTE = (
    "Compiled by scripts/ship_reference_metadata.py from the team's shared/reference/links.json "
    "(facts about the non-arXiv links of the acceptance corpus, from public records); each "
    "record lists its sources."
)


def _year(facts: dict[str, Any]) -> str | None:
    for key in ("year", "date", "tweet_datetime_utc_from_snowflake_id"):
        value = facts.get(key)
        if value:
            return str(value)[:4]
    return None


def link_record(entry: dict[str, Any]) -> LinkRecord:
    """A typed record from one entry of reference/links.json."""
    facts = entry["facts"]
    authors = facts.get("authors") or ([facts["publisher"]] if facts.get("publisher") else [])
    description = next(
        (
            facts[k]
            for k in ("description", "repo_description", "summary", "one_line", "opening_line")
            if facts.get(k)
        ),
        None,
    )
    return LinkRecord(
        title=facts.get("title") or facts.get("pretty_name"),
        authors=list(authors),
        year=_year(facts),
        description=description,
        sources=list(entry.get("sources", [])),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--catalogue", type=Path, default=ROOT / cat.DEFAULT_CATALOGUE)
    parser.add_argument("--metadata", type=Path, default=ROOT / DEFAULT_METADATA)
    args = parser.parse_args()
    reference = args.shared / "reference"

    entries = json.loads((reference / "links.json").read_text(encoding="utf-8"))
    links = Store[LinkRecord](note=LINKS_NOTE)
    venues: dict[str, str] = {}
    for entry in entries:
        ident = identify(entry["url"])
        if ident is None:
            raise SystemExit(f"reference URL not understood: {entry['url']}")
        links.records[key_of(ident)] = link_record(entry)
        if ident.kind is Kind.PAPER and entry["facts"].get("venue"):
            venues[key_of(ident)] = entry["facts"]["venue"]
    st.save(links, store_path(args.metadata, "links"))
    print(f"link store: {len(links.records)} records")

    update_catalogue([args.shared / "corpus" / "research-notes.md"], args.catalogue, args.metadata)
    with serve(reference / "arxiv" / "feed.xml", port=PORT) as server:
        report = refresh(
            args.catalogue,
            args.metadata,
            sources=["arxiv"],
            force_all=True,
            configs={"arxiv": SourceConfig(base_url=server.url, delay=0.0)},
        )
    total = report.total
    print(
        f"refresh: fetched {len(total.fetched)}, updated {len(total.updated)}, "
        f"unchanged {len(total.unchanged)}, failed {len(total.failed)}, "
        f"{total.requests} request(s)"
    )
    arxiv_path = store_path(args.metadata, "arxiv")
    arxiv = st.load(arxiv_path, ArxivRecord)
    arxiv.note = ARXIV_NOTE
    st.save(arxiv, arxiv_path)
    written = ship_links_through_sources(reference, args.catalogue, args.metadata)
    print("link sources: " + ", ".join(f"{n} {k} records" for n, k in written.items()))

    records = json.loads((reference / "arxiv" / "records.json").read_text(encoding="utf-8"))
    published = {r["arxiv_id"]: r.get("published_as") or {} for r in records}
    catalogue = cat.load(args.catalogue)
    filled = 0
    for link in catalogue.links:
        facts = published.get(link.id, {}) if link.source == "arxiv" else {}
        venue = facts.get("venue") or venues.get(key_of(link))
        if venue and not link.venue:
            link.venue = venue
            filled += 1
        if facts.get("code_url") and not link.code:
            link.code = facts["code_url"]
    cat.save(catalogue, args.catalogue)
    print(f"curated venue filled for {filled} paper(s)")
    wrong = check_published_venues(reference, args.catalogue, args.metadata)
    return 0 if report.ok and not wrong else 1


# --- the arXiv-venue half: the published-version resolver finds the curated venues -------------


def check_published_venues(reference: Path, catalogue: Path, metadata: Path) -> list[str]:
    """In a temporary copy (nothing here is shipped: the answers carry synthetic ids), empty the
    curated venues of the arXiv papers, refresh Semantic Scholar against answers shaped from
    `records.json`, and compare what the resolver finds with `published_as`: the same venue
    where the records have one, none where they have none.  Returns the disagreements."""
    import shutil
    import tempfile

    from paperindex.testing.reference import load_records, published_venues, s2_papers
    from paperindex.testing.semanticscholar import serve as serve_s2

    records = load_records(reference)
    expected = published_venues(records)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(catalogue, work / "links.csv")
        shutil.copy(cat.mentions_path(catalogue), cat.mentions_path(work / "links.csv"))
        shutil.copytree(metadata, work / "metadata")
        copy = cat.load(work / "links.csv")
        papers = [link.id for link in copy.links if link.source == "arxiv"]
        for link in copy.links:
            if link.source == "arxiv":
                link.venue = ""
        cat.save(copy, work / "links.csv")
        with serve_s2(s2_papers(records)) as server:
            report = refresh(
                work / "links.csv",
                work / "metadata",
                sources=["semanticscholar"],
                configs={"semanticscholar": SourceConfig(base_url=server.url, delay=0.0)},
            )
    found = {i: v.rsplit(" (", 1)[0] for i, v in report.published.items()}
    wrong = [
        f"{i}: resolver {found.get(i)!r}, records {expected.get(i)!r}"
        for i in papers
        if found.get(i) != expected.get(i)
    ]
    agreed = sum(1 for i in papers if expected.get(i) and found.get(i) == expected[i])
    none = sum(1 for i in papers if not expected.get(i) and i not in found)
    print(
        f"published-version resolver (temporary copy, Semantic Scholar answers shaped from "
        f"records.json): {agreed} curated venue(s) found again, {none} paper(s) without one "
        f"left without one, {len(wrong)} disagreement(s)" + "".join(f"\n  {w}" for w in wrong)
    )
    return wrong


# --- the links half: metadata of the non-arXiv links, through the new sources ------------------

LINK_SOURCES_NOTE = (
    "Records produced by scripts/ship_reference_metadata.py: `paperindex refresh --source {name}` "
    "against paperindex.testing's fake {service} on 127.0.0.1, serving answers built from the "
    "team's shared/reference/links.json (real facts compiled from public records; facts no "
    "record gave are null, never invented). A refresh from the service replaces them."
)
PAGES_NOTE = (
    "Records produced by scripts/ship_reference_metadata.py: the page reader of "
    "paperindex.enrich.sources.webpage on HTML pages built from the team's "
    "shared/reference/links.json (title, authors, date as JSON-LD), since no page can be "
    "fetched here. A refresh from the pages themselves replaces them."
)
_ARTICLE_KINDS = {"blog_post": "Article", "zhihu_article": "Article", "wechat_article": "Article"}


def _reference_page(entry: dict[str, Any]) -> bytes | None:
    """A page carrying the reference facts of a cited page (JSON-LD), or None without a title."""
    import html as html_text

    facts = entry["facts"]
    title = facts.get("title")
    if not title:
        return None
    kind = _ARTICLE_KINDS.get(entry["kind"]) or (
        "ScholarlyArticle" if "paper" in entry["kind"] else "WebPage"
    )
    node: dict[str, Any] = {"@context": "https://schema.org", "@type": kind, "name": title}
    if kind != "WebPage":
        node["headline"] = title
    authors = facts.get("authors") or ([facts["publisher"]] if facts.get("publisher") else [])
    if authors:
        node["author"] = [{"@type": "Person", "name": a} for a in authors]
    date = facts.get("date") or (str(facts["year"]) if facts.get("year") else None)
    if date:
        node["datePublished"] = date
    ld = json.dumps(node, ensure_ascii=False)
    page = (
        f"<!DOCTYPE html><html><head><title>{html_text.escape(title)}</title>"
        f'<script type="application/ld+json">{ld}</script></head><body></body></html>'
    )
    return page.encode()


def ship_links_through_sources(
    reference: Path, catalogue: Path, metadata: Path, port: int = PORT + 1
) -> dict[str, int]:
    """Metadata of the non-arXiv links through the sources that fetch it: GitHub, the Hub and X
    refreshed from fakes serving the reference facts, pages read from pages built from them.
    Returns records written per source."""
    from datetime import UTC, datetime

    from paperindex.enrich.sources import source_class
    from paperindex.enrich.sources.twitter import snowflake_time
    from paperindex.enrich.sources.webpage import PageRecord, read_page
    from paperindex.testing.github import FakeGitHub, repo_json
    from paperindex.testing.media import FakeHub, FakeTwitter, hub_json

    entries = json.loads((reference / "links.json").read_text(encoding="utf-8"))
    written: dict[str, int] = {}
    pages = Store[PageRecord](note=PAGES_NOTE)
    with (
        FakeGitHub(budget=5000, port=port) as github,
        FakeHub(port=port + 1) as hub,
        FakeTwitter(port=port + 2) as twitter,
    ):
        for n, entry in enumerate(entries, 1):
            ident, facts = identify(entry["url"]), entry["facts"]
            if ident is None:
                continue
            if ident.source == "github":
                github.add(repo_json(
                    ident.id, repo_id=n, description=facts.get("description")
                    or facts.get("repo_description"), license_spdx=facts.get("license_spdx"),
                    default_branch=facts.get("default_branch") or "main", created_at=None,
                    pushed_at=None,
                ))  # fmt: skip
            elif ident.source == "huggingface":
                card = {
                    **(facts.get("card_metadata") or {}),
                    "pretty_name": facts.get("pretty_name"),
                }
                paper = (facts.get("paper") or {}).get("arxiv_id")
                hub.add(_hub_kind(ident.kind), hub_json(
                    ident.id, createdAt=None, lastModified=None, cardData=card,
                    tags=[f"arxiv:{paper}"] if paper else [], description=facts.get("summary"),
                ))  # fmt: skip
            elif ident.source == "twitter":
                status = ident.id.rsplit("/", 1)[-1]
                posted = snowflake_time(status)
                name = facts.get("display_name") or facts.get("account_holder") or ""
                shown = f"{posted:%B} {posted.day}, {posted.year}" if posted else ""
                twitter.add(status, ident.id.split("/")[0], name, facts.get("tweet_text") or "",
                            shown)  # fmt: skip
            else:
                html = _reference_page(entry)
                if html is not None:
                    now = datetime.now(UTC)
                    record = read_page(html, ident.url, ident.url, now)
                    pages.records[ident.url] = record.model_copy(
                        update={"retrieved_from": "shared/reference/links.json"}
                    )
        configs = {
            "github": SourceConfig(base_url=github.url, urls={"raw": github.raw_url}, delay=0.0),
            "huggingface": SourceConfig(base_url=hub.url, delay=0.0),
            "twitter": SourceConfig(base_url=twitter.url, delay=0.0),
        }
        services = {"github": "GitHub API", "huggingface": "Hugging Face Hub API",
                    "twitter": "X oEmbed endpoint"}  # fmt: skip
        for name, config in configs.items():
            refresh(catalogue, metadata, sources=[name], force_all=True,
                    configs={name: config})  # fmt: skip
            path = store_path(metadata, name)
            store = st.load(path, source_class(name).record_type)
            store.note = LINK_SOURCES_NOTE.format(name=name, service=services[name])
            st.save(store, path)
            written[name] = len(store.records)
    st.save(pages, store_path(metadata, "webpage"))
    written["webpage"] = len(pages.records)
    return written


def _hub_kind(kind: Kind) -> str:
    return {Kind.MODEL: "models", Kind.DATASET: "datasets"}.get(kind, "spaces")


if __name__ == "__main__":
    sys.exit(main())
