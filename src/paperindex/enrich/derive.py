"""The catalogue's derived columns (`auto_title`, `authors`, `year`), from metadata and mentions.

Run after every extract and every refresh, so the columns always follow what the stores say:
metadata first, then what the link itself shows (its label in the notes, a year its identity
proves, such as a tweet's).  Curated columns are never touched.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..model import Link
from ..sites import site_for
from .metadata import Metadata
from .source import Facts


def derive(link: Link, facts: Facts) -> None:
    """Recompute the tool-owned descriptive columns of `link`."""
    label = next((m.label for m in link.mentions if m.label), "")
    link.auto_title = facts.title or label
    link.auto_authors = "; ".join(facts.authors)
    link.auto_year = facts.year or site_for(link.source).year(link)


def derive_all(links: Iterable[Link], metadata: Metadata) -> None:
    """`derive` every link from the stores in `metadata`."""
    for link in links:
        derive(link, metadata.facts(link))
