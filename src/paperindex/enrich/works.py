"""One row per work: which identities the stores show to be the same work as a row, the
catalogue unified on them, and the title matches that are only reported.

Evidence is an identifier, never a title: the identities a record lists (`Facts.identities`:
Semantic Scholar's `externalIds`, Crossref's relations, DataCite's related identifiers), arXiv's
own DOI field and an OpenReview forum its authors named in their arXiv comment, and what an
identity itself names (an ACL DOI is that Anthology paper).  Two rows with the same title,
an author in common and years at most one apart are a *suggestion*, reported and not applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..catalogue import Catalogue
from ..catalogue.merging import UnifyReport, unify
from ..model import Kind, Link
from ..sites import key_of
from ..sites.base import ascii_fold
from ..sites.papers import doi_identity, identity_of
from .identities import equivalents
from .metadata import Metadata
from .source import MetadataSource

MAX_PASSES = 6
"""A new alias can make another source's record count; a few passes reach the fixed point."""
_OPENREVIEW_URL = re.compile(r"openreview\.net/(?:forum|pdf)\?(?:[^\s]*&)?id=([A-Za-z0-9_-]+)")
_WORD = re.compile(r"[^\W_]+")


@dataclass
class WorksReport(UnifyReport):
    """`UnifyReport` over all passes, and the title matches left as suggestions."""

    suggestions: list[str] = field(default_factory=list)


def arxiv_record_identities(record: Any) -> set[str]:
    """What arXiv's record names for the same work: the DOI of the published version (its `doi`
    field) and OpenReview forums in its comment or journal reference."""
    found = set()
    doi = doi_identity(str(getattr(record, "doi", None) or ""))
    if doi is not None:
        found.add(key_of(doi))
    for text in (getattr(record, "comment", None), getattr(record, "journal_ref", None)):
        for forum in _OPENREVIEW_URL.findall(str(text or "")):
            ident = identity_of("openreview", forum)
            if ident is not None:
                found.add(key_of(ident))
    return found


def proven(link: Link, metadata: Metadata) -> set[str]:
    """Identity keys the stores (and the row's own identities) show to be the same work."""
    return _proven(link, _holding(metadata))


def _holding(metadata: Metadata) -> list[tuple[MetadataSource[Any], dict[str, Any]]]:
    """The sources whose stores hold records, with those records."""
    found = []
    for source in metadata.sources:
        store = metadata.stores.get(source.name)
        if store is not None and store.records:
            found.append((source, store.records))
    return found


def _proven(link: Link, holding: list[tuple[MetadataSource[Any], dict[str, Any]]]) -> set[str]:
    if link.kind is not Kind.PAPER:
        return set()
    keys = equivalents(link)
    for source, records in holding:
        ident = source.ids_for(link)
        record = records.get(ident) if ident is not None else None
        if record is None:
            continue
        keys.update(source.describe(record).identities)
        if source.name == "arxiv":
            keys.update(arxiv_record_identities(record))
    return keys


def unify_works(catalogue: Catalogue, metadata: Metadata) -> WorksReport:
    """Unify the catalogue on what the stores show, to the fixed point (see `unify`).  The
    title matches that remain are `suggestions` (listed once keys are assigned)."""
    report = WorksReport()
    holding = _holding(metadata)  # once, not once a row
    for _ in range(MAX_PASSES):
        step = unify(catalogue, lambda link: _proven(link, holding))
        report.extend(step)
        if not step.changed:
            break
    return report


def _title_key(title: str) -> str:
    words = _WORD.findall(title.casefold())
    return " ".join(words) if len(words) >= 3 else ""


def _surnames(authors: Iterable[str]) -> set[str]:
    names = set()
    for author in authors:
        last = author.split(",")[0] if "," in author else (author.split() or [""])[-1]
        folded = ascii_fold(last)
        if folded:
            names.add(folded)
    return names


def suggestions(links: Iterable[Link], metadata: Metadata) -> list[str]:
    """Rows that may be one work by their titles: the same title (three words or more), an
    author in common and years at most one apart.  Reported, never merged."""
    by_title: dict[str, list[tuple[Link, set[str], str]]] = {}
    for link in links:
        if link.kind is not Kind.PAPER:
            continue
        facts = metadata.facts(link)
        key = _title_key(link.title or facts.title)
        if not key:
            continue
        authors = link.authors.split("; ") if link.authors else list(facts.authors)
        by_title.setdefault(key, []).append((link, _surnames(authors), link.year or facts.year))
    found = []
    for group in by_title.values():
        for i, (a, names_a, year_a) in enumerate(group):
            for b, names_b, year_b in group[i + 1 :]:
                shared = sorted(names_a & names_b)
                if not shared or not (year_a.isdigit() and year_b.isdigit()):
                    continue
                if abs(int(year_a) - int(year_b)) > 1:
                    continue
                found.append(
                    f"{a.key or key_of(a)} and {b.key or key_of(b)} may be one work (same title, "
                    f"author {shared[0]}, years {year_a}/{year_b}); not merged: no shared id"
                )
    return found
