"""The metadata stores, committed beside the catalogue, so everything works offline.

* `data/metadata/arxiv.json`: what arXiv said about each paper, keyed by versionless id; every
  record says when and from which API request it was retrieved (`paperindex refresh` fills it).
* `data/metadata/links.json`: facts about other links (titles, authors, dates, descriptions),
  keyed by the link's identity, each with its sources.

Both are sorted, pretty JSON, so a change shows up in `git diff` as the fields that changed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .files import atomic_write_text

STORE_FORMAT = 1
DEFAULT_STORE = Path("data/metadata/arxiv.json")
LINK_STORE_NAME = "links.json"


class MetadataError(ValueError):
    """The store file cannot be read as a metadata store."""


class Record(BaseModel):
    """A record fetched from a metadata service, with its provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    retrieved_at: datetime
    """When this record was fetched."""
    retrieved_from: str
    """The request it came from."""

    def same_content(self, other: Record) -> bool:
        """True when nothing but the retrieval provenance differs."""
        skip = {"retrieved_at", "retrieved_from"}
        return self.model_dump(exclude=skip) == other.model_dump(exclude=skip)

    def changed_fields(self, other: Record) -> list[str]:
        """The fields (provenance aside) whose values differ from `other`'s, sorted."""
        skip = {"retrieved_at", "retrieved_from"}
        a, b = self.model_dump(exclude=skip), other.model_dump(exclude=skip)
        return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


class ArxivRecord(Record):
    """arXiv's record of one paper (the fields of the API's Atom entry), and its provenance."""

    id: str
    """Versionless arXiv id."""
    version: str
    """Latest version (`v3`)."""
    title: str
    authors: list[str]
    abstract: str
    published: datetime
    """When v1 appeared."""
    updated: datetime
    """When the latest version appeared."""
    primary_category: str
    categories: list[str]
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    pdf_url: str | None = None

    @property
    def year(self) -> str:
        """Year of v1: what a citation of the paper uses (arXiv's own export drifts to the
        latest version's year)."""
        return str(self.published.year)


R = TypeVar("R", bound=BaseModel)


class Store(BaseModel, Generic[R]):
    """One source's records by id, as one sorted JSON file under `data/metadata/`."""

    model_config = ConfigDict(extra="forbid")

    format: int = STORE_FORMAT
    note: str = ""
    """Free text about where the records came from; kept by every refresh."""
    records: dict[str, R] = Field(default_factory=dict)

    def is_fresh(self, ident: str, max_age_days: float, now: datetime | None = None) -> bool:
        """True when the record exists, says when it was fetched, and is younger than
        `max_age_days`."""
        record = self.records.get(ident)
        retrieved = getattr(record, "retrieved_at", None)
        if not isinstance(retrieved, datetime):
            return False
        age = (now or datetime.now(UTC)) - retrieved
        return age.total_seconds() < max_age_days * 86400


class MetadataStore(Store[ArxivRecord]):
    """arXiv records by versionless id."""


class LinkRecord(BaseModel):
    """What is known about a link that is not an arXiv paper."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str | None = None
    authors: list[str] = Field(default_factory=list)
    """People or organisations; for a post, its account holder."""
    year: str | None = None
    description: str | None = None
    """One or two sentences: a repository's description, a dataset's summary."""
    sources: list[str] = Field(default_factory=list)
    """Where each fact was found."""


class LinkStore(Store[LinkRecord]):
    """Link records by identity key (see `paperindex.sites.identity_key`)."""


def link_store_path(store_path: Path) -> Path:
    """The link store lives beside the arXiv store."""
    return store_path.with_name(LINK_STORE_NAME)


_Store = TypeVar("_Store", MetadataStore, LinkStore)


def _load(cls: type[_Store], path: Path | str) -> _Store:
    path = Path(path)
    if not path.exists():
        return cls()
    try:
        return cls.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise MetadataError(f"{path}: not a valid {cls.__name__}: {exc}") from exc


def _dumps(store: Store[BaseModel] | MetadataStore | LinkStore) -> str:
    """Sorted, pretty JSON: the exact bytes written to disk."""
    data = store.model_dump(mode="json")
    data["records"] = dict(sorted(data["records"].items()))
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def load_link_store(path: Path | str) -> LinkStore:
    """The link store at `path`; an empty one when the file does not exist."""
    return _load(LinkStore, path)


def save_link_store(store: LinkStore, path: Path | str) -> None:
    """Write the link store atomically."""
    atomic_write_text(Path(path), _dumps(store))


def load_store(path: Path | str = DEFAULT_STORE) -> MetadataStore:
    """The arXiv store at `path`; an empty one when the file does not exist."""
    return _load(MetadataStore, path)


def save_store(store: MetadataStore, path: Path | str = DEFAULT_STORE) -> None:
    """Write the arXiv store atomically."""
    atomic_write_text(Path(path), _dumps(store))
