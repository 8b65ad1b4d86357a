#!/usr/bin/env python3
"""Build the shipped catalogue and metadata from the team's reference data, with our own code.

Our machines cannot reach arXiv.  The team's `shared/reference/` holds real metadata compiled from
public records.  This script, run from a checkout beside `shared/`:

1. compiles `reference/links.json` (facts about the non-arXiv links) into the typed link store
   `data/metadata/links.json`, keyed by each link's identity;
2. runs `paperindex extract` on the acceptance corpus (`shared/corpus/research-notes.md`);
3. serves `reference/arxiv/feed.xml` (the arXiv records in the API's Atom format) from the fake
   arXiv API (`paperindex.testing.arxiv`) on 127.0.0.1 and runs `paperindex refresh --all`
   against it, so the shipped arXiv store is exactly what the refresh code produces;
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
    "tests/fake_arxiv.py on 127.0.0.1 serving the team's reference feed "
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
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
