"""Crossref: `GET /works/{doi}` for the DOIs of the catalogue (a row's own, or one that metadata
named for the same work).

Plain requests through `PoliteClient`, not `habanero`: one DOI per request at the polite pool's
pace (10 requests/s with a `mailto`, from `PAPERINDEX_MAILTO`; the public pool's 5/s without),
429 and 5xx retried with backoff honouring `Retry-After`, the run stopped when the service is
down — controls a client library would hide.  A 404 (plain text `Resource not found.`) means
Crossref does not hold the DOI; DataCite is asked next (`datacite.DataCiteSource`).

What it says, in `Facts`: title, authors, year, the DOI, the identities its `relation` names
for the same work (`is-preprint-of`, `has-preprint`, `is-version-of`, `has-version`,
`is-identical-to`, `is-same-as`: an arXiv preprint's DOI among them is that arXiv paper), and,
for a published type only (a journal, proceedings or book article, never `posted-content`), its
venue: the journal or proceedings title with the year.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from pydantic import Field

from ...model import Kind, Link
from ...net import HttpResponse
from ...sites import key_of
from ...sites.papers import bare_doi, doi_identity, identity_of
from ..identities import id_at, is_preprint_venue, unknown
from ..polite import FetchError, PoliteClient, Politeness, SourceConfig
from ..source import Batch, Facts, MetadataSource
from ..store import Record
from .semanticscholar import venue_with_year

DEFAULT_API_URL = "https://api.crossref.org"
SERVICE = "Crossref"
POLITE = Politeness(batch_size=1, min_interval=0.1)
"""The polite pool (a `mailto` given): 10 single-DOI requests a second."""
PUBLIC = Politeness(batch_size=1, min_interval=0.2)
"""The public pool: 5 single-DOI requests a second (Crossref's limits since December 2025)."""
SAME_WORK = frozenset(
    {"is-preprint-of", "has-preprint", "is-version-of", "has-version", "is-identical-to",
     "is-same-as", "is-manifestation-of", "has-manifestation"}
)  # fmt: skip
"""Relations that name another identity of the same work."""
PUBLISHED_TYPES = frozenset(
    {"journal-article", "proceedings-article", "book-chapter", "book", "monograph",
     "edited-book", "reference-entry", "book-part", "book-section"}
)  # fmt: skip


def mailto(environ: Mapping[str, str] | None = None) -> str:
    """The contact address for the polite pools (`PAPERINDEX_MAILTO`), or ""."""
    env = os.environ if environ is None else environ
    return env.get("PAPERINDEX_MAILTO", "").strip()


class CrossrefRecord(Record):
    """Crossref's record of one DOI (the fields of `/works/{doi}` used here)."""

    doi: str
    type: str = ""
    title: str = ""
    container_title: str = ""
    event: str = ""
    authors: list[str] = Field(default_factory=list)
    issued: str = ""
    """ISO date with 1–3 parts (`2024`, `2024-05`, `2024-05-06`)."""
    volume: str = ""
    issue: str = ""
    page: str = ""
    publisher: str = ""
    relations: dict[str, list[str]] = Field(default_factory=dict)
    """Relation name → ids as `type:id` (`doi:10.48550/arxiv.2401.00001`), same-work ones."""


class CrossrefSource(MetadataSource[CrossrefRecord]):
    """DOIs, one request each."""

    name = "crossref"
    record_type = CrossrefRecord
    default_policy: ClassVar[Politeness] = PUBLIC
    default_url = DEFAULT_API_URL
    id_description = "a DOI (10.NNNN/…)"
    home_sites: ClassVar[tuple[str, ...]] = ("doi",)

    def __init__(
        self, config: SourceConfig | None = None, policy: Politeness | None = None
    ) -> None:
        super().__init__(config, policy)
        self.mailto = mailto()
        if policy is None:
            self.policy = POLITE if self.mailto else PUBLIC

    sites: ClassVar[frozenset[str] | None] = frozenset({"doi"})

    def ids_for(self, link: Link) -> str | None:
        return id_at(link, "doi") if link.kind is Kind.PAPER else None

    def normalise(self, ident: str) -> str | None:
        return bare_doi(ident)

    def fetch_batch(self, ids: list[str], http: PoliteClient) -> Batch[CrossrefRecord]:
        batch: Batch[CrossrefRecord] = Batch()
        for doi in ids:
            query = f"?{urlencode({'mailto': self.mailto})}" if self.mailto else ""
            url = f"{self.config.base_url.rstrip('/')}/works/{quote(doi, safe='/():;')}{query}"
            try:
                resp = http.get(url, headers={"Accept": "application/json"}, check=_check)
            except FetchError as exc:
                batch.failures[doi] = str(exc)
                batch.stop = str(exc) if exc.stop else ""
                return batch
            if resp.status == 404:
                batch.failures[doi] = unknown(SERVICE)
            elif resp.status != 200:
                batch.failures[doi] = f"HTTP {resp.status} from {SERVICE}"
            else:
                message = json.loads(resp.body)["message"]
                batch.records[doi] = to_record(message, doi, url, http.clock.now())
        return batch

    def describe(self, record: CrossrefRecord) -> Facts:
        year = record.issued[:4]
        name = record.container_title or record.event
        published = record.type in PUBLISHED_TYPES and name and not is_preprint_venue(name)
        return Facts(
            title=record.title,
            authors=tuple(record.authors),
            year=year,
            date=record.issued,
            venue=venue_with_year(name, year) if published else "",
            doi=record.doi,
            retrieved=record.retrieved_at.date(),
            sources=(self.name,),
            identities=record_identities(record),
        )


def record_identities(record: CrossrefRecord) -> tuple[str, ...]:
    """Identity keys of the DOI itself and of the same-work relations."""
    found = [doi_identity(record.doi)]
    for ids in record.relations.values():
        for typed in ids:
            scheme, _, value = typed.partition(":")
            found.append(identity_of(scheme, value))
    return tuple(sorted({key_of(i) for i in found if i is not None}))


def to_record(message: Mapping[str, Any], doi: str, url: str, now: Any) -> CrossrefRecord:
    """A `CrossrefRecord` from the `message` of a `/works/{doi}` answer."""
    relations: dict[str, list[str]] = {}
    for name, items in (message.get("relation") or {}).items():
        if name not in SAME_WORK or not isinstance(items, list):
            continue
        ids = sorted(
            {
                f"{str(r.get('id-type', '')).lower()}:{str(r.get('id', '')).strip()}"
                for r in items
                if isinstance(r, dict) and r.get("id-type") in ("doi", "arxiv") and r.get("id")
            }
        )
        if ids:
            relations[name] = ids
    event = message.get("event") or {}
    return CrossrefRecord(
        doi=doi,
        type=str(message.get("type") or ""),
        title=_first(message.get("title")),
        container_title=_first(message.get("container-title")),
        event=str(event.get("name") or "") if isinstance(event, dict) else "",
        authors=[n for n in (_name(a) for a in message.get("author") or []) if n],
        issued=_date(message.get("issued")) or _date(message.get("published")),
        volume=str(message.get("volume") or ""),
        issue=str(message.get("issue") or ""),
        page=str(message.get("page") or ""),
        publisher=str(message.get("publisher") or ""),
        relations=relations,
        retrieved_at=now.replace(microsecond=0),
        retrieved_from=url,
    )


def _first(value: Any) -> str:
    """The first of Crossref's title-like arrays (`["A Test Paper"]`), whitespace-folded."""
    if isinstance(value, list):
        value = next((v for v in value if v), "")
    return " ".join(str(value or "").split())


def _name(author: Any) -> str:
    if not isinstance(author, dict):
        return ""
    if author.get("name"):  # an organisation
        return str(author["name"]).strip()
    return " ".join(str(author.get(k) or "").strip() for k in ("given", "family")).strip()


def _date(value: Any) -> str:
    """`{"date-parts": [[2024, 5, 6]]}` → `2024-05-06` (1–3 parts; `[[null]]` → "")."""
    try:
        parts = [int(p) for p in value["date-parts"][0] if p is not None]
    except (TypeError, KeyError, IndexError, ValueError):
        return ""
    if not parts:
        return ""
    return "-".join([f"{parts[0]:04d}", *(f"{p:02d}" for p in parts[1:3])])


def _check(resp: HttpResponse) -> str | None:
    """A 200 must be a work envelope; Crossref's 404 is plain text and not checked."""
    try:
        data = json.loads(resp.body)
    except ValueError:
        return "malformed JSON from Crossref"
    if not isinstance(data, dict) or not isinstance(data.get("message"), dict):
        return "Crossref's answer is not a work"
    return None
