"""A catalogue row's identities, as the metadata sources ask for them.

A row has its own identity (`source`, `id`) and, once metadata has shown that other identities
name the same work, those as `aliases` (identity keys: `doi:10.1145/…`, `arxiv:2312.00752`).  A
source asks about whichever of them it understands, the row's own first (`id_at`).  Aliases of
paper sites are `site:id`, so they read back without a table.

Also here, because every source needs them: the failure text for an id a service does not hold
(`unknown`), which the refresh treats as a failure only at the row's home source, and the venues
that are preprint servers, never a published venue.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import Link
from ..sites import key_of
from ..sites.papers import acl_id_of_doi

UNKNOWN_PREFIX = "unknown to "
"""How a failure for an id the service does not hold begins (see `unknown`)."""

#: Venue names of preprint servers and repositories: never where a paper was published.
_PREPRINT_VENUES = re.compile(
    r"^\s*(arxiv(\.org)?|corr|biorxiv|medrxiv|ssrn( electronic journal)?|research ?square|"
    r"preprints(\.org)?|chemrxiv|techrxiv|psyarxiv|socarxiv|osf preprints|eartharxiv|"
    r"zenodo|figshare|openreview(\.net)?|papers with code|hal)\b",
    re.I,
)


def unknown(service: str, detail: str = "") -> str:
    """The failure text for an id `service` does not hold."""
    return f"{UNKNOWN_PREFIX}{service}" + (f" ({detail})" if detail else "")


def is_unknown(reason: str) -> bool:
    """True for a failure that says the service does not hold the id (not that it failed)."""
    return reason.startswith(UNKNOWN_PREFIX)


def is_preprint_venue(name: str) -> bool:
    """True for `arXiv`, `arXiv.org`, `CoRR`, `bioRxiv`, `SSRN Electronic Journal`, … ."""
    return bool(_PREPRINT_VENUES.match(name or ""))


def split_key(key: str) -> tuple[str, str]:
    """`doi:10.1145/x` → (`doi`, `10.1145/x`): an identity key of a paper site, read back."""
    source, _, ident = key.partition(":")
    return source, ident


def identities(link: Link) -> Iterator[tuple[str, str]]:
    """(source, id) of the row itself, then of each alias, in order."""
    yield link.source, link.id
    for alias in link.aliases:
        yield split_key(alias)


def id_at(link: Link, source: str) -> str | None:
    """The row's id at site `source` (its own first, then its aliases'), or None."""
    if link.source == source:  # asked for every row by every source: no generator
        return link.id
    for alias in link.aliases:
        site, _, ident = alias.partition(":")
        if site == source:
            return ident
    return None


def equivalents(link: Link) -> set[str]:
    """Identity keys that the row's own identities name without asking anyone: an ACL DOI
    (`10.18653/v1/P19-1001`) is that Anthology paper."""
    found = set()
    for source, ident in identities(link):
        if source == "doi":
            acl = acl_id_of_doi(ident)
            if acl:
                found.add(f"acl:{acl}")
    if found:
        found.discard(key_of(link))
    return found
