"""Semantic Scholar answers shaped from the team's reference records (`arxiv/records.json`), for
checking the published-version resolver against what people found by hand.

For each record, the paper object the Graph API would give for `ARXIV:<id>`: with
`published_as.venue`, a published paper (`venue` and `publicationVenue.name` that venue, its
year, a DBLP key outside CoRR as the explicit link); without one, the shape Semantic Scholar
gives a preprint (venue `arXiv.org`, journal `ArXiv`, DBLP's CoRR key), which must never become a
venue.  Titles and authors are the record's; paper ids, corpus ids and DBLP keys are synthetic
(derived from the arXiv id), so none of this may be shipped as metadata.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .semanticscholar import arxiv_only, paper

_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_JOURNAL = re.compile(r"journal|transactions|letters|ebiomedicine|nature|science", re.I)


def load_records(reference: Path) -> list[dict[str, Any]]:
    """`reference/arxiv/records.json`."""
    records: list[dict[str, Any]] = json.loads(
        (reference / "arxiv" / "records.json").read_text(encoding="utf-8")
    )
    return records


def published_venues(records: Sequence[Mapping[str, Any]]) -> dict[str, str | None]:
    """arXiv id → the venue people found (`published_as.venue`), None where they found none."""
    return {r["arxiv_id"]: (r.get("published_as") or {}).get("venue") for r in records}


def s2_papers(records: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """`ARXIV:<id>` → the Graph API paper object for each record (see the module docstring)."""
    papers = {}
    for record in records:
        arxiv_id = record["arxiv_id"]
        venue = (record.get("published_as") or {}).get("venue")
        fields: dict[str, Any] = {"title": record["title"], "authors": tuple(record["authors"])}
        if venue:
            year = _YEAR.search(venue)
            last = re.sub(r"\W", "", record["authors"][0].split()[-1]) if record["authors"] else ""
            kind = "journals" if _JOURNAL.search(venue) else "conf"
            found = paper(
                arxiv_id, venue=venue, venue_type="journal" if kind == "journals" else "conference",
                year=int(year.group()) if year else None, ArXiv=arxiv_id,
                DBLP=f"{kind}/example/{last}{year.group()[2:] if year else ''}", **fields,
            )  # fmt: skip
        else:
            found = arxiv_only(arxiv_id, arxiv_id, year=int(record["published"][:4]), **fields)
        papers[f"ARXIV:{arxiv_id}"] = found
    return papers
