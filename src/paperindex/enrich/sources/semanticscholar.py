"""Semantic Scholar: one `POST /graph/v1/paper/batch` answers up to 500 papers, by arXiv id, DOI,
ACL id, PubMed ids, corpus id or its own paper id.

Plain requests through `PoliteClient`, not the `semanticscholar` package: the package paces and
retries on its own terms (and hides the 429s it meets), where every request here must keep the
service's rate (1 request/s with an `S2_API_KEY`; without one, a pool shared by every keyless
client, so 3 s apart), honour `Retry-After`, and stop the source's run cleanly when the service is
down.  The answer is a JSON array in the order of the ids asked, `null` for an id it does not
know; an answer of the wrong length or shape is retried like a 5xx, never half-read.

What it says about a paper, in `Facts`: title, authors, year, and the other identities of the
same work (`externalIds`, its own ids) — how one work cited on arXiv, Semantic Scholar and by DOI
becomes one row.  Its venue only when the paper is published somewhere explicit: a DOI (not
arXiv's), an ACL id or a DBLP key outside CoRR, *and* a `publicationVenue` that is not arXiv
(Semantic Scholar files preprints under venue "arXiv.org", journal "ArXiv").
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field

from ...model import Kind, Link
from ...net import HttpResponse
from ...sites import key_of
from ...sites.papers import identity_of, s2_identity
from ..identities import identities, is_preprint_venue, unknown
from ..polite import FetchError, PoliteClient, Politeness, SourceConfig
from ..source import Batch, Facts, MetadataSource
from ..store import Record

DEFAULT_API_URL = "https://api.semanticscholar.org/graph/v1"
FIELDS = "title,authors,year,venue,publicationVenue,externalIds,publicationDate,journal"
BATCH_SIZE = 500
KEYED = Politeness(batch_size=BATCH_SIZE, min_interval=1.0)
"""With an API key: 1 request/s, the rate Semantic Scholar grants a new key."""
KEYLESS = Politeness(batch_size=BATCH_SIZE, min_interval=3.0)
"""Without one: the pool every keyless client shares, asked more gently."""
SERVICE = "Semantic Scholar"
_YEAR = re.compile(r"\b(19|20)\d{2}\b")


class S2Record(Record):
    """Semantic Scholar's record of one paper (the Graph API fields asked for)."""

    paper_id: str
    title: str = ""
    authors: list[str] = Field(default_factory=list)
    year: int | None = None
    venue: str = ""
    publication_venue: str = ""
    """`publicationVenue.name`."""
    publication_venue_type: str = ""
    journal: str = ""
    """`journal.name` (with `volume` and `pages` when given, in `journal_volume`/`pages`)."""
    journal_volume: str = ""
    pages: str = ""
    publication_date: str = ""
    external_ids: dict[str, str] = Field(default_factory=dict)
    """`externalIds`, every value as text (`CorpusId` is a number there)."""


def query_id(source: str, ident: str) -> str | None:
    """The Graph API's id for an identity (`ARXIV:…`, `DOI:…`, a paper id, `CorpusId:N`)."""
    if source == "arxiv":
        return f"ARXIV:{ident}"
    if source == "semanticscholar":
        return ident
    if source == "doi":
        return f"DOI:{ident}"
    if source == "acl":
        return f"ACL:{ident}"
    if source == "pubmed":
        return f"PMID:{ident}"
    if source == "pmc":
        return f"PMCID:{ident.removeprefix('PMC')}"
    return None


def is_published(record: S2Record) -> bool:
    """True when the record names a published version explicitly (see the module docstring)."""
    ids = record.external_ids
    doi = ids.get("DOI", "").lower()
    dblp = ids.get("DBLP", "")
    linked = (
        (doi and not doi.startswith("10.48550/"))
        or ids.get("ACL")
        or (dblp and not dblp.startswith("journals/corr/"))
    )
    name = record.publication_venue or record.venue
    return bool(linked and record.publication_venue and name) and not any(
        is_preprint_venue(n) for n in (record.publication_venue, record.venue, record.journal) if n
    )


def venue_with_year(name: str, year: str) -> str:
    """`Neural Information Processing Systems` + 2023 → `… 2023`; a name with a year stays."""
    name = " ".join(name.split())
    if not name or _YEAR.search(name) or not year:
        return name
    return f"{name} {year}"


class SemanticScholarSource(MetadataSource[S2Record]):
    """Papers by any id the Graph API knows (see `query_id`)."""

    name = "semanticscholar"
    record_type = S2Record
    default_policy: ClassVar[Politeness] = KEYLESS
    default_url = DEFAULT_API_URL
    id_description = "a Semantic Scholar id (ARXIV:…, DOI:…, ACL:…, CorpusId:N, a paper id)"
    home_sites: ClassVar[tuple[str, ...]] = ("semanticscholar",)
    """Rows whose own identity is here: an id it does not know is a failure for them."""

    def __init__(
        self, config: SourceConfig | None = None, policy: Politeness | None = None
    ) -> None:
        super().__init__(config, policy)
        self.api_key = self.config.api_key or os.environ.get("S2_API_KEY", "")
        if policy is None:
            self.policy = KEYED if self.api_key else KEYLESS

    sites: ClassVar[frozenset[str] | None] = frozenset(
        {"arxiv", "semanticscholar", "doi", "acl", "pubmed", "pmc"}
    )

    def ids_for(self, link: Link) -> str | None:
        if link.kind is not Kind.PAPER:
            return None
        found = query_id(link.source, link.id)  # the row's own identity, then its aliases'
        if found is not None or not link.aliases:
            return found
        for source, ident in identities(link):
            found = query_id(source, ident)
            if found is not None:
                return found
        return None

    def normalise(self, ident: str) -> str | None:
        text = ident.strip()
        found = s2_identity(text) or identity_of("arxiv", text) or identity_of("doi", text)
        return query_id(found.source, found.id) if found is not None else None

    def fetch_batch(self, ids: list[str], http: PoliteClient) -> Batch[S2Record]:
        batch: Batch[S2Record] = Batch()
        url = f"{self.config.base_url.rstrip('/')}/paper/batch?fields={FIELDS}"
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["x-api-key"] = self.api_key
        body = json.dumps({"ids": ids}).encode()
        try:
            resp = http.post(url, body, headers=headers, check=_check_batch(len(ids)))
        except FetchError as exc:
            batch.failures.update(dict.fromkeys(ids, str(exc)))
            batch.stop = str(exc) if exc.stop else ""
            return batch
        if resp.status != 200:
            why = f"HTTP {resp.status} from {SERVICE}: {_error_text(resp)}"
            batch.failures.update(dict.fromkeys(ids, why))
            if resp.status in (401, 403):  # a refused key fails every batch the same way
                batch.stop = why
            return batch
        now = http.clock.now().replace(microsecond=0)
        for ident, item in zip(ids, json.loads(resp.body), strict=True):
            if item is None:
                batch.failures[ident] = unknown(SERVICE)
                continue
            record = to_record(item, url, now)
            batch.records[ident] = record
            asked = s2_identity(ident)
            by_sha = asked is not None and asked.source == self.name and "Id:" not in asked.id
            if by_sha and asked is not None and asked.id != record.paper_id:
                batch.anomalies[ident] = (
                    f"{SERVICE} answered with paper {record.paper_id} (merged or re-routed)"
                )
        return batch

    def describe(self, record: S2Record) -> Facts:
        year = str(record.year) if record.year else ""
        published = is_published(record)
        doi = record.external_ids.get("DOI", "").lower()
        return Facts(
            title=record.title,
            authors=tuple(record.authors),
            year=year,
            date=record.publication_date,
            venue=venue_with_year(record.publication_venue or record.venue, year)
            if published
            else "",
            doi=doi if doi and not doi.startswith("10.48550/") else "",
            retrieved=record.retrieved_at.date(),
            sources=(self.name,),
            identities=record_identities(record),
        )


def record_identities(record: S2Record) -> tuple[str, ...]:
    """Identity keys of every id the record lists for the paper (its own included)."""
    found = [s2_identity(record.paper_id)]
    found += [identity_of(scheme, value) for scheme, value in record.external_ids.items()]
    return tuple(sorted({key_of(i) for i in found if i is not None}))


def to_record(item: Mapping[str, Any], url: str, now: Any) -> S2Record:
    """An `S2Record` from one paper object of the Graph API (fields missing or null are empty)."""
    venue = item.get("publicationVenue") or {}
    journal = item.get("journal") or {}
    ids = item.get("externalIds") or {}
    return S2Record(
        paper_id=str(item.get("paperId") or ""),
        title=" ".join(str(item.get("title") or "").split()),
        authors=[str(a.get("name")) for a in item.get("authors") or [] if a and a.get("name")],
        year=item.get("year") if isinstance(item.get("year"), int) else None,
        venue=str(item.get("venue") or ""),
        publication_venue=str(venue.get("name") or "") if isinstance(venue, dict) else "",
        publication_venue_type=str(venue.get("type") or "") if isinstance(venue, dict) else "",
        journal=str(journal.get("name") or "") if isinstance(journal, dict) else "",
        journal_volume=str(journal.get("volume") or "") if isinstance(journal, dict) else "",
        pages=str(journal.get("pages") or "") if isinstance(journal, dict) else "",
        publication_date=str(item.get("publicationDate") or ""),
        external_ids={str(k): str(v) for k, v in ids.items() if v not in (None, "")},
        retrieved_at=now,
        retrieved_from=url,
    )


def _check_batch(expected: int) -> Any:
    def check(resp: HttpResponse) -> str | None:
        try:
            data = json.loads(resp.body)
        except ValueError:
            return "malformed JSON from Semantic Scholar"
        if not isinstance(data, list):
            return "Semantic Scholar's answer is not a list of papers"
        if len(data) != expected:
            return f"incomplete answer from Semantic Scholar: {len(data)} of {expected} entries"
        if any(not (x is None or (isinstance(x, dict) and x.get("paperId"))) for x in data):
            return "an entry of Semantic Scholar's answer is not a paper"
        return None

    return check


def _error_text(resp: HttpResponse) -> str:
    try:
        data = json.loads(resp.body)
    except ValueError:
        return resp.body[:120].decode("utf-8", "replace").strip() or "no message"
    if isinstance(data, dict):
        return str(data.get("error") or data.get("message") or "no message")[:160]
    return "no message"
