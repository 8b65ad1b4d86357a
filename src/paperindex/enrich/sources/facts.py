"""Link facts compiled by a script from curated records (`scripts/ship_reference_metadata.py`):
titles, authors, years and descriptions of links no fetching source knows yet.

Nothing is fetched here (`fetchable = False`): the store is written by the script and read like
any other.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ...model import Link
from ...sites import key_of
from ..polite import PoliteClient, Politeness
from ..source import Batch, Facts, MetadataSource


class LinkRecord(BaseModel):
    """What is known about a link, and where each fact was found."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str | None = None
    authors: list[str] = Field(default_factory=list)
    """People or organisations; for a post, its account holder."""
    year: str | None = None
    description: str | None = None
    """One or two sentences: a repository's description, a dataset's summary."""
    sources: list[str] = Field(default_factory=list)
    """Where each fact was found."""


class FactsSource(MetadataSource[LinkRecord]):
    """Compiled facts, by the link's identity key (see `paperindex.sites.key_of`)."""

    name = "links"
    record_type = LinkRecord
    default_policy: ClassVar[Politeness] = Politeness(batch_size=1, min_interval=0.0)
    fetchable = False

    def ids_for(self, link: Link) -> str | None:
        return key_of(link)

    def fetch_batch(self, ids: list[str], http: PoliteClient) -> Batch[LinkRecord]:
        raise NotImplementedError("compiled facts are written by a script, never fetched")

    def describe(self, record: LinkRecord) -> Facts:
        return Facts(
            title=record.title or "",
            authors=tuple(record.authors),
            year=record.year or "",
            description=record.description or "",
            sources=(self.name,),
        )
