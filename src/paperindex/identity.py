"""Canonical identity: what a cited URL or identifier *is*, one row for one thing cited many ways.

`identify(url)` maps a URL to an `Identity` (kind, source, identifier there, one canonical URL, and
what the citation added on top: an arXiv version, a path inside a repository).  The rules live with
each site (`paperindex.sites`); the table is in the README ("Identity and canonical form").
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from .model import Identity, Kind
from .sites import WEB, identity_key, sites_for_host
from .sites.arxiv import ARCHIVE_ALTERNATION, arxiv_identity, parse_arxiv_id
from .sites.papers import doi_identity
from .sites.web import DEFAULT_PORTS

__all__ = [
    "ARCHIVE_ALTERNATION",
    "Identity",
    "arxiv_identity",
    "doi_identity",
    "identify",
    "identity_key",
    "parse_arxiv_id",
]
_ARCHIVE_ALT = ARCHIVE_ALTERNATION  # the name the scanner imports

_HOST = re.compile(r"(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_][\w-]*[^\W_]|\d{1,3}(?:\.\d{1,3}){3}")


# The shape almost every cited URL has: a lower-case scheme and host, no user, no port, nothing
# `urlsplit` would strip or remove (controls, spaces).  Split here in one match, it gives what
# `urlsplit` gives, at a fraction of the cost; anything else takes `urlsplit`.
_PLAIN_URL = re.compile(
    r"(https?)://([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)"
    r"(/[^?#\x00-\x20\x7f]*)?(?:\?([^#\x00-\x20\x7f]*))?(?:#[^\x00-\x20\x7f]*)?"
)


# The commonest cited URL of all, an arXiv abstract or PDF: what the general path below gives
# it (see `sites.arxiv.Arxiv.parse`), in one match.
_ARXIV_URL = re.compile(
    r"https?://(?:www\.)?arxiv\.org/(?:abs|pdf|html|format|overview)/"
    r"(\d{4}\.\d{4,5})(v[1-9]\d*)?(?:\.pdf)?/?"
)


@lru_cache(maxsize=4096)  # notes cite the same URLs again and again
def identify(url: str) -> Identity | None:
    """Identity of an http(s) URL, or None when it is not a usable URL (no host, bad port)."""
    arxiv = _ARXIV_URL.fullmatch(url)
    if arxiv is not None:
        ident, version = arxiv.groups()
        return Identity(Kind.PAPER, "arxiv", ident, f"https://arxiv.org/abs/{ident}", version or "")
    return _identify(url)


def _identify(url: str) -> Identity | None:
    """`identify` by the general path: split the URL, ask the sites that may claim its host."""
    plain = _PLAIN_URL.fullmatch(url)
    if plain is not None:
        scheme, host, path, raw_query = plain.groups()
        path = path or ""
        port = None
    else:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return None
        scheme, host = parts.scheme.lower(), (parts.hostname or "").rstrip(".")
        path, raw_query = parts.path, parts.query
    if scheme not in DEFAULT_PORTS or not _valid_host(host):
        return None
    host = host.removeprefix("www.")
    if raw_query and "&amp;" in raw_query:  # as written in HTML or Markdown: it means `&`
        raw_query = raw_query.replace("&amp;", "&")
    query = parse_qsl(raw_query, keep_blank_values=True) if raw_query else []
    sites = sites_for_host(host)
    if sites:
        segments = list(filter(None, path.split("/")))
        for site in sites:
            found = site.parse(host, segments, query)
            if found is not None:
                return found
    return WEB.identify(scheme, host, port, path, query)


@lru_cache(maxsize=4096)  # hosts repeat far more than URLs
def _valid_host(host: str) -> bool:
    if host == "localhost":
        return True
    return len(host) <= 253 and "_" not in host and _HOST.fullmatch(host) is not None
