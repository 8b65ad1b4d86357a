"""The interface every metadata source implements, and what it hands back.

A *metadata source* is a service that knows about some of the catalogue's links: the arXiv API
for arXiv papers, later Semantic Scholar, Crossref, GitHub, … .  Each is one module under
`paperindex.enrich.sources` with one class deriving from `MetadataSource`, registered by one
line in `paperindex.enrich.sources.REGISTRY`.  The class says

* which links it serves (`ids_for`) and how an id a person types is normalised (`normalise`);
* its politeness (`Politeness`: batch size, minimum interval, retries, how it reads
  `Retry-After` and rate-limit headers) — enforced by `PoliteClient`, so no caller can forget it;
* how it fetches one batch (`fetch_batch`), and the pydantic record it produces (`record_type`),
  stored in `data/metadata/<name>.json`;
* what a record says about its link, in the common vocabulary of `Facts` (`describe`), which is
  all the later stages read.
"""

from __future__ import annotations

import datetime as dt
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from ..model import Link

if TYPE_CHECKING:
    from pydantic import BaseModel

    from .polite import PoliteClient, Politeness, SourceConfig

R = TypeVar("R", bound="BaseModel")


@dataclass
class Batch(Generic[R]):
    """What one batch brought back: records, failures and anomalies by id."""

    records: dict[str, R] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    """Ids that could not be fetched, with the reason."""
    anomalies: dict[str, str] = field(default_factory=dict)
    """Ids whose answer was odd but usable (two entries for one id, …), with what was odd."""
    stop: str = ""
    """Set when the service itself is failing (down, rate-limited to the end): later batches of
    this source are not asked for in this run."""


@dataclass(frozen=True)
class Facts:
    """What metadata says about a link, in one vocabulary for every source.

    The enrich stage derives the catalogue's columns from it; the exporters read it.  Empty
    means unknown.
    """

    title: str = ""
    authors: tuple[str, ...] = ()
    year: str = ""
    """Year of first appearance (arXiv v1), as four digits."""
    date: str = ""
    """ISO date (or date-time) of first appearance, for ordering."""
    abstract: str = ""
    description: str = ""
    """One or two sentences: a repository's description, a dataset's summary."""
    venue: str = ""
    """Where it was published (a journal reference, a proceedings name)."""
    doi: str = ""
    categories: tuple[str, ...] = ()
    primary_category: str = ""
    retrieved: dt.date | None = None
    """When the metadata was fetched (biblatex's `urldate`)."""
    sources: tuple[str, ...] = ()
    """The metadata sources these facts came from, most trusted first."""
    license: str = ""
    """Licence of code, models, datasets: an SPDX id where the service gives one."""
    site: str = ""
    """Where it is published, by name (`GitHub`, `Hugging Face`, `YouTube`, `bilibili`, `X`, a
    page's own site name): a `publisher`/`howpublished` for non-papers."""
    related: tuple[str, ...] = ()
    """Canonical URLs of links the metadata names as related (a model's arXiv paper)."""
    pdf_url: str = ""
    """A PDF the metadata points at (a page's `citation_pdf_url`)."""
    genre: str = ""
    """What the metadata says the link is, when it says: `paper` for a page with Highwire
    `citation_*` tags, `software`, `dataset`, `video`, `post`, `article` otherwise."""
    identities: tuple[str, ...] = ()
    """Identity keys of other identities of the same work the record names (its DOI, arXiv id,
    ACL id, OpenReview forum, Semantic Scholar ids): how rows become one per work."""
    published_from: str = ""
    """Where `venue` (of a published version) was found and when, for a venue the published-
    version resolver chose (`semanticscholar: externalIds.DOI and publicationVenue, 2026-11-27`)."""

    def merged(self, other: Facts) -> Facts:
        """These facts, with every empty field filled from `other` (less trusted)."""
        filled = {
            name: getattr(other, name)
            for name in self.__dataclass_fields__
            if name != "sources" and not getattr(self, name) and getattr(other, name)
        }
        if not filled:
            return self
        return replace(self, **filled, sources=(*self.sources, *other.sources))


class MetadataSource(ABC, Generic[R]):
    """One metadata service (see the module docstring)."""

    name: ClassVar[str]
    """The source's name: `--source NAME`, the store file `data/metadata/NAME.json`."""
    record_type: ClassVar[type[BaseModel]]
    """The pydantic model of one record."""
    default_policy: ClassVar[Politeness]
    """How the service asks to be treated; an instance may be given another (tests, mirrors)."""
    default_url: ClassVar[str] = ""
    """The service's endpoint; `PAPERINDEX_<NAME>_API` or the CLI may point elsewhere."""
    fetchable: ClassVar[bool] = True
    """False for a store compiled by a script rather than fetched (nothing to refresh)."""
    id_description: ClassVar[str] = "an identifier this source knows"
    """What `normalise` accepts, for the message about an id it refused."""
    sites: ClassVar[frozenset[str] | None] = None
    """The sites of every row `ids_for` may serve (the row's own `source` or an alias's
    `site:`), or None for any row: a refresh asks `ids_for` only about those rows, not about
    every row of a 100,000-link catalogue for every source."""

    def __init__(
        self, config: SourceConfig | None = None, policy: Politeness | None = None
    ) -> None:
        from .polite import SourceConfig  # HTTP machinery: only once a source is made

        self.config = config or SourceConfig(base_url=self.configured_url())
        self.policy = policy or self.default_policy

    @classmethod
    def configured_url(cls, environ: Mapping[str, str] | None = None) -> str:
        """The endpoint: `PAPERINDEX_<NAME>_API` when set, else `default_url`."""
        env = os.environ if environ is None else environ
        return env.get(f"PAPERINDEX_{cls.name.upper()}_API") or cls.default_url

    @property
    def interval(self) -> float:
        """Seconds kept between requests (see `Politeness.interval`)."""
        return self.policy.interval(self.config)

    @abstractmethod
    def ids_for(self, link: Link) -> str | None:
        """The id this source holds `link`'s metadata under, or None when it does not serve
        it."""

    def normalise(self, ident: str) -> str | None:
        """An id as a person typed it (`--ids`), normalised, or None when it is not one."""
        return ident.strip() or None

    @abstractmethod
    def fetch_batch(self, ids: list[str], http: PoliteClient) -> Batch[R]:
        """Fetch at most `self.policy.batch_size` ids through `http` (which paces, retries and
        enforces the deadline and size cap)."""

    @abstractmethod
    def describe(self, record: R) -> Facts:
        """What `record` says, in the common vocabulary."""

    def describe_change(self, old: R, new: R) -> str:
        """How a record changed, for the refresh summary."""
        skip = {"retrieved_at", "retrieved_from"}
        a, b = old.model_dump(exclude=skip), new.model_dump(exclude=skip)
        changed = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        return "changed: " + ", ".join(changed)
