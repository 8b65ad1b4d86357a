"""What the exporters see: each link joined with its metadata, with one answer per question.

Which title, which authors, which year, which venue: the order of precedence lives here once
(curated column, then metadata, then the link's label, then a readable fallback built from its
identity), so every exporter gives the same answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..catalogue import DEFAULT_CATALOGUE
from ..catalogue import load as load_catalogue
from ..defaults import METADATA as DEFAULT_METADATA
from ..enrich import Facts, Metadata
from ..enrich.identities import id_at
from ..model import Kind, Link
from ..sites import site_for

_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_JOURNAL = re.compile(
    r"\b(journal|transactions|letters|reviews?|magazine|nature|science|vol|volume)(?!\w)", re.I
)


@dataclass(frozen=True, slots=True)
class LinkInfo:
    """A catalogue row and everything known about it.

    Every exporter asks for the title, the authors, the account and the year several times per
    link: each is worked out once, on first use (the row is not changed while it is
    exported)."""

    link: Link
    facts: Facts = field(default_factory=Facts)
    """What the metadata sources say (see `paperindex.enrich.Facts`)."""
    _title: str | None = field(default=None, init=False, repr=False, compare=False)
    _authors: tuple[str, ...] | None = field(default=None, init=False, repr=False, compare=False)
    _account: str | None = field(default=None, init=False, repr=False, compare=False)
    _year: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def title(self) -> str:
        """Curated title, metadata title, the link's label, or a readable fallback."""
        title = self._title
        if title is None:
            title = self.link.display_title or fallback_title(self.link)
            object.__setattr__(self, "_title", title)
        return title

    @property
    def authors(self) -> list[str]:
        """People (or organisations) from metadata."""
        authors = self._authors
        if authors is None:
            authors = tuple(a for a in self.link.display_authors.split("; ") if a)
            object.__setattr__(self, "_authors", authors)
        return list(authors)

    @property
    def account(self) -> str:
        """Who published it, read from its identity when no author is known: a post's
        account, a repository's owner."""
        account = self._account
        if account is None:
            authors = self._authors if self._authors is not None else self.authors
            account = "" if authors else site_for(self.link.source).account(self.link)
            object.__setattr__(self, "_account", account)
        return account

    @property
    def year(self) -> str:
        """Year of publication: of the venue when published, else of first appearance."""
        year = self._year
        if year is None:
            venue = self.venue
            venue_year = _YEAR.search(venue) if venue else None
            year = venue_year.group() if venue_year else self.link.display_year
            object.__setattr__(self, "_year", year)
        return year

    @property
    def venue(self) -> str:
        """Where it was published: the curated venue, else what metadata says — for an arXiv
        paper its published version (arXiv's journal_ref, an explicit link, an OpenReview
        acceptance; see `paperindex.enrich.published`), never a guess."""
        return self.link.venue or self.facts.venue

    @property
    def venue_source(self) -> str:
        """Where `venue` came from: `curated`, the resolver's evidence (`semanticscholar:
        externalIds DOI … and publicationVenue …, 2026-11-27`), `metadata`, or "" (no venue)."""
        if self.link.venue:
            return "curated"
        if self.facts.venue:
            return self.facts.published_from or "metadata"
        return ""

    @property
    def arxiv_id(self) -> str:
        """The work's arXiv id, also when the row was first cited elsewhere (an alias)."""
        return id_at(self.link, "arxiv") or ""

    @property
    def venue_is_journal(self) -> bool:
        """True when the venue names a journal rather than a conference."""
        return bool(_JOURNAL.search(self.venue))

    @property
    def doi(self) -> str:
        """The DOI, when one is known."""
        if self.link.source == "doi":
            return self.link.id
        return self.facts.doi

    @property
    def description(self) -> str:
        """A repository's description, a dataset's summary, when known."""
        return self.facts.description

    @property
    def abstract(self) -> str:
        """The paper's abstract, when known."""
        return self.facts.abstract

    @property
    def pdf_url(self) -> str:
        """A direct PDF link, when the site gives one (arXiv, OpenReview)."""
        return site_for(self.link.source).pdf_url(self.link)

    @property
    def date(self) -> str:
        """When it first appeared, for ordering: metadata's date, else the year."""
        return self.facts.date or self.year


def fallback_title(link: Link) -> str:
    """A readable title from what the link is: `arXiv:2312.00752`, `owner/repo`, a post's
    account, or the host and path (see each site)."""
    return site_for(link.source).fallback_title(link)


def load_infos(
    catalogue_path: Path | str = DEFAULT_CATALOGUE, metadata: Path | str = DEFAULT_METADATA
) -> list[LinkInfo]:
    """Every catalogue row joined with its metadata, in catalogue order."""
    return infos_for(load_catalogue(catalogue_path).links, metadata)


def infos_for(
    links: Iterable[Link], metadata: Path | str | Metadata = DEFAULT_METADATA
) -> list[LinkInfo]:
    """`links` joined with the metadata stores in `metadata` (a folder, or loaded stores)."""
    if isinstance(metadata, Metadata):
        known = metadata
    else:  # only sources with a store file: the others know nothing (nor are imported)
        known = Metadata.load(metadata, present_only=True)
    return [LinkInfo(link, known.facts(link)) for link in links]


def select(infos: Iterable[LinkInfo], kinds: Iterable[Kind] | None = None) -> list[LinkInfo]:
    """The infos whose kind is in `kinds` (all when None)."""
    wanted = set(kinds) if kinds is not None else None
    return [i for i in infos if wanted is None or i.link.kind in wanted]
