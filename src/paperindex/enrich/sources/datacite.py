"""DataCite: `GET /dois/{doi}` for the DOIs Crossref does not hold — data repositories' (Zenodo,
figshare, Dryad, OSF) and arXiv's own `10.48550/arXiv.*`, which name arXiv papers.

It is asked directly for DOIs under DataCite's prefixes (`claims`), and otherwise only as
Crossref's fallback: the refresh hands it the DOIs Crossref answered 404 for, in the same run,
and never asks Crossref again about a DOI DataCite holds.  Plain requests through `PoliteClient`
(one DOI per request; 0.3 s apart with a contact address in `PAPERINDEX_MAILTO` — DataCite's
1,000 requests per 5 minutes for identified clients — else 0.6 s, its 500).

What it says, in `Facts`: title, creators, year, and the identities its `relatedIdentifiers`
name for the same work (`IsVersionOf`, `HasVersion`, `IsIdenticalTo`, `IsVariantFormOf`,
`IsOriginalFormOf`): for an arXiv DOI, the journal version its authors registered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from ...model import Kind, Link
from ...net import HttpResponse
from ...sites import key_of
from ...sites.papers import bare_doi, doi_identity, identity_of
from ..identities import id_at, is_preprint_venue, unknown
from ..polite import FetchError, PoliteClient, Politeness, SourceConfig
from ..source import Batch, Facts, MetadataSource
from ..store import Record
from .crossref import mailto
from .semanticscholar import venue_with_year

DEFAULT_API_URL = "https://api.datacite.org"
SERVICE = "DataCite"
IDENTIFIED = Politeness(batch_size=1, min_interval=0.3)
ANONYMOUS = Politeness(batch_size=1, min_interval=0.6)
PREFIXES = ("10.48550/", "10.5281/", "10.6084/", "10.5061/", "10.17605/", "10.7910/")
"""arXiv, Zenodo, figshare, Dryad, OSF, Harvard Dataverse: DataCite's, asked directly."""
SAME_WORK = frozenset(
    {"IsVersionOf", "HasVersion", "IsIdenticalTo", "IsVariantFormOf", "IsOriginalFormOf"}
)
PUBLISHED_TYPES = frozenset({"JournalArticle", "ConferencePaper", "BookChapter", "Book"})


class Related(BaseModel):
    """One of a record's `relatedIdentifiers` (same-work relations only)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    relation: str
    type: str
    id: str


class DataCiteRecord(Record):
    """DataCite's record of one DOI."""

    doi: str
    title: str = ""
    authors: list[str] = Field(default_factory=list)
    year: str = ""
    publisher: str = ""
    container: str = ""
    resource_type: str = ""
    """`types.resourceTypeGeneral` (`Preprint`, `Dataset`, `Software`, `JournalArticle`, …)."""
    related: list[Related] = Field(default_factory=list)


class DataCiteSource(MetadataSource[DataCiteRecord]):
    """DOIs under DataCite's prefixes, and Crossref's unknown DOIs."""

    name = "datacite"
    record_type = DataCiteRecord
    default_policy: ClassVar[Politeness] = ANONYMOUS
    default_url = DEFAULT_API_URL
    id_description = "a DOI (10.NNNN/…)"
    home_sites: ClassVar[tuple[str, ...]] = ("doi",)
    fallback_for: ClassVar[str] = "crossref"
    """Asked about the DOIs that source does not hold (see `paperindex.enrich.refreshing`)."""

    def __init__(
        self, config: SourceConfig | None = None, policy: Politeness | None = None
    ) -> None:
        super().__init__(config, policy)
        self.mailto = mailto()
        if policy is None:
            self.policy = IDENTIFIED if self.mailto else ANONYMOUS

    def claims(self, doi: str) -> bool:
        """True for a DOI under one of DataCite's prefixes: asked here, not at Crossref."""
        return doi.lower().startswith(PREFIXES)

    sites: ClassVar[frozenset[str] | None] = frozenset({"doi"})

    def ids_for(self, link: Link) -> str | None:
        return id_at(link, "doi") if link.kind is Kind.PAPER else None

    def normalise(self, ident: str) -> str | None:
        return bare_doi(ident)

    def fetch_batch(self, ids: list[str], http: PoliteClient) -> Batch[DataCiteRecord]:
        batch: Batch[DataCiteRecord] = Batch()
        headers = {"Accept": "application/vnd.api+json"}
        if self.mailto:
            headers["User-Agent"] = f"{self.config.user_agent} (mailto:{self.mailto})"
        for doi in ids:
            url = f"{self.config.base_url.rstrip('/')}/dois/{quote(doi, safe='')}"
            try:
                resp = http.get(url, headers=headers, check=_check)
            except FetchError as exc:
                batch.failures[doi] = str(exc)
                batch.stop = str(exc) if exc.stop else ""
                return batch
            if resp.status == 404:
                batch.failures[doi] = unknown(SERVICE)
            elif resp.status != 200:
                batch.failures[doi] = f"HTTP {resp.status} from {SERVICE}"
            else:
                data = json.loads(resp.body)["data"]
                batch.records[doi] = to_record(data, doi, url, http.clock.now())
        return batch

    def describe(self, record: DataCiteRecord) -> Facts:
        published = (
            record.resource_type in PUBLISHED_TYPES
            and record.container
            and not is_preprint_venue(record.container)
        )
        own = doi_identity(record.doi)
        return Facts(
            title=record.title,
            authors=tuple(record.authors),
            year=record.year,
            venue=venue_with_year(record.container, record.year) if published else "",
            doi=record.doi if own is not None and own.source == "doi" else "",
            retrieved=record.retrieved_at.date(),
            sources=(self.name,),
            identities=record_identities(record),
        )


def record_identities(record: DataCiteRecord) -> tuple[str, ...]:
    """Identity keys of the DOI itself (an arXiv DOI is the arXiv paper) and of the same-work
    relations."""
    found = [doi_identity(record.doi)]
    for rel in record.related:
        scheme = {"URL": "doi"}.get(rel.type, rel.type)
        if rel.type == "URL" and "doi.org/" not in rel.id:
            continue
        found.append(identity_of(scheme, rel.id))
    return tuple(sorted({key_of(i) for i in found if i is not None}))


def to_record(data: Mapping[str, Any], doi: str, url: str, now: Any) -> DataCiteRecord:
    """A `DataCiteRecord` from the `data` of a `/dois/{doi}` answer."""
    attrs = data.get("attributes") or {}
    titles = [t for t in attrs.get("titles") or [] if isinstance(t, dict)]
    main = next((t for t in titles if not t.get("titleType")), titles[0] if titles else {})
    publisher = attrs.get("publisher")
    if isinstance(publisher, dict):
        publisher = publisher.get("name")
    container = attrs.get("container") or {}
    types = attrs.get("types") or {}
    related = [
        Related(
            relation=str(r.get("relationType")),
            type=str(r.get("relatedIdentifierType") or ""),
            id=str(r.get("relatedIdentifier") or "").strip(),
        )
        for r in attrs.get("relatedIdentifiers") or []
        if isinstance(r, dict) and r.get("relationType") in SAME_WORK and r.get("relatedIdentifier")
    ]
    return DataCiteRecord(
        doi=doi,
        title=" ".join(str(main.get("title") or "").split()),
        authors=[n for n in (_creator(c) for c in attrs.get("creators") or []) if n],
        year=str(attrs.get("publicationYear") or "")[:4],
        publisher=str(publisher or ""),
        container=str(container.get("title") or "") if isinstance(container, dict) else "",
        resource_type=str(types.get("resourceTypeGeneral") or "")
        if isinstance(types, dict)
        else "",
        related=related,
        retrieved_at=now.replace(microsecond=0),
        retrieved_from=url,
    )


def _creator(creator: Any) -> str:
    """`{"name": "Example, Ada", "givenName": "Ada", "familyName": "Example"}` → `Ada Example`;
    an organisation keeps its name."""
    if not isinstance(creator, dict):
        return ""
    given, family = creator.get("givenName"), creator.get("familyName")
    if given and family:
        return f"{given} {family}"
    name = str(creator.get("name") or "").strip()
    if creator.get("nameType") != "Organizational" and name.count(",") == 1:
        family, given = (p.strip() for p in name.split(","))
        return f"{given} {family}".strip()
    return name


def _check(resp: HttpResponse) -> str | None:
    try:
        data = json.loads(resp.body)
    except ValueError:
        return "malformed JSON from DataCite"
    if not isinstance(data, dict) or not isinstance(data.get("data"), dict):
        return "DataCite's answer is not a DOI record"
    return None
