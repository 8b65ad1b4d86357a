#!/usr/bin/env python3
"""Build the shipped metadata from the team's reference data, with the project's own code.

Our machines cannot reach arXiv.  `../shared/reference/arxiv/feed.xml` holds the real records of
the acceptance corpus's papers in the API's Atom format.  This script serves that feed from the
fake arXiv API of the tests on 127.0.0.1, runs `paperindex refresh --all` against it, so the
shipped store is exactly what the refresh code produces, then copies each paper's published
venue and official code repository from `records.json` (`published_as`) into the catalogue's
curated `venue` and `code` columns, where those are still empty.

    python scripts/ship_reference_metadata.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fake_arxiv import serve  # noqa: E402

from paperindex import catalogue as cat  # noqa: E402
from paperindex.arxiv_api import ApiConfig  # noqa: E402
from paperindex.enrich import refresh  # noqa: E402
from paperindex.metadata import DEFAULT_STORE, load_store, save_store  # noqa: E402

PORT = 47100  # fixed, so the provenance URLs in the store do not change from run to run
NOTE = (
    "Records produced by scripts/ship_reference_metadata.py: `paperindex refresh --all` against "
    "tests/fake_arxiv.py on 127.0.0.1 serving the team's reference feed "
    "(shared/reference/arxiv/feed.xml, real arXiv metadata compiled from public records; "
    "times of day are not known and read 00:00 UTC). A refresh from arXiv replaces them."
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--catalogue", type=Path, default=ROOT / cat.DEFAULT_CATALOGUE)
    parser.add_argument("--store", type=Path, default=ROOT / DEFAULT_STORE)
    args = parser.parse_args()
    reference = args.shared / "reference" / "arxiv"

    with serve(reference / "feed.xml", port=PORT) as server:
        report = refresh(args.catalogue, args.store, force_all=True,
                         config=ApiConfig(base_url=server.url, delay=0.0))
    print(f"refresh: fetched {len(report.fetched)}, updated {len(report.updated)}, "
          f"unchanged {len(report.unchanged)}, failed {len(report.failed)}, "
          f"{report.requests} request(s)")
    store = load_store(args.store)
    store.note = NOTE
    save_store(store, args.store)

    published = {r["arxiv_id"]: r.get("published_as") or {}
                 for r in json.loads((reference / "records.json").read_text(encoding="utf-8"))}
    catalogue = cat.load(args.catalogue)
    filled = 0
    for link in catalogue.links:
        facts = published.get(link.id) if link.source == "arxiv" else None
        if not facts:
            continue
        if not link.venue and facts.get("venue"):
            link.venue = facts["venue"]
            filled += 1
        if not link.code and facts.get("code_url"):
            link.code = facts["code_url"]
    cat.save(catalogue, args.catalogue)
    print(f"curated venue filled for {filled} paper(s)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
