"""What the exporters see: each link joined with its metadata, with one answer per question.

Which title, which authors, which year, which venue: the order of precedence lives here once
(curated column, then metadata, then the link's label, then a readable fallback built from its
identity), so BibTeX and the reading list never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import catalogue as cat
from .metadata import (
    DEFAULT_STORE,
    ArxivRecord,
    LinkRecord,
    link_store_path,
    load_link_store,
    load_store,
)
from .model import Kind, Link
from .sites import site_for

_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_JOURNAL = re.compile(
    r"\b(journal|transactions|letters|reviews?|magazine|nature|science|vol|volume)(?!\w)", re.I
)


@dataclass(frozen=True)
class LinkInfo:
    """A catalogue row and everything known about it."""

    link: Link
    arxiv: ArxivRecord | None = None
    facts: LinkRecord | None = None

    @property
    def title(self) -> str:
        """Curated title, metadata title, the link's label, or a readable fallback."""
        return self.link.display_title or fallback_title(self.link)

    @property
    def authors(self) -> list[str]:
        """People (or organisations) from metadata."""
        return [a for a in self.link.authors.split("; ") if a] if self.link.authors else []

    @property
    def account(self) -> str:
        """Who published it, read from its identity when no author is known: a post's
        account, a repository's owner."""
        return "" if self.authors else site_for(self.link.source).account(self.link)

    @property
    def year(self) -> str:
        """Year of publication: of the venue when published, else of first appearance."""
        venue_year = _YEAR.search(self.venue) if self.venue else None
        return venue_year.group() if venue_year else self.link.year

    @property
    def venue(self) -> str:
        """Where it was published: curated venue, else arXiv's journal_ref."""
        if self.link.venue:
            return self.link.venue
        return (self.arxiv.journal_ref or "") if self.arxiv else ""

    @property
    def venue_is_journal(self) -> bool:
        """True when the venue names a journal rather than a conference."""
        return bool(_JOURNAL.search(self.venue))

    @property
    def doi(self) -> str:
        """The DOI, when one is known."""
        if self.link.source == "doi":
            return self.link.id
        return (self.arxiv.doi or "") if self.arxiv else ""

    @property
    def description(self) -> str:
        """A repository's description, a dataset's summary, when known."""
        return (self.facts.description or "") if self.facts else ""

    @property
    def abstract(self) -> str:
        """The paper's abstract, when known."""
        return self.arxiv.abstract if self.arxiv else ""

    @property
    def pdf_url(self) -> str:
        """A direct PDF link, when the site gives one (arXiv, OpenReview)."""
        return site_for(self.link.source).pdf_url(self.link)


def fallback_title(link: Link) -> str:
    """A readable title from what the link is: `arXiv:2312.00752`, `owner/repo`, a post's
    account, or the host and path (see each site)."""
    return site_for(link.source).fallback_title(link)


def load_infos(
    catalogue_path: Path | str = cat.DEFAULT_CATALOGUE, store_path: Path | str = DEFAULT_STORE
) -> list[LinkInfo]:
    """Every catalogue row joined with its metadata, in catalogue order."""
    catalogue = cat.load(catalogue_path)
    return infos_for(catalogue.links, store_path)


def infos_for(links: Iterable[Link], store_path: Path | str = DEFAULT_STORE) -> list[LinkInfo]:
    """`links` joined with the metadata stores beside `store_path`."""
    store_path = Path(store_path)
    arxiv = load_store(store_path)
    facts = load_link_store(link_store_path(store_path))
    return [
        LinkInfo(
            link,
            arxiv.records.get(link.id) if link.source == "arxiv" else None,
            facts.records.get(link.identity),
        )
        for link in links
    ]


def select(infos: Iterable[LinkInfo], kinds: Iterable[Kind] | None = None) -> list[LinkInfo]:
    """The infos whose kind is in `kinds` (all when None)."""
    wanted = set(kinds) if kinds is not None else None
    return [i for i in infos if wanted is None or i.link.kind in wanted]
