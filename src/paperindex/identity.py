"""Canonical identity: what a cited URL or identifier *is*, one row for one thing cited many ways.

`identify(url)` maps a URL to an `Identity` (kind, source, identifier there, one canonical URL, and
what the citation added on top: an arXiv version, a path inside a repository).  The rules live with
each site (`paperindex.sites`); the table is in the README ("Identity and canonical form").
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from .model import Identity
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


@lru_cache(maxsize=4096)  # notes cite the same URLs again and again
def identify(url: str) -> Identity | None:
    """Identity of an http(s) URL, or None when it is not a usable URL (no host, bad port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in DEFAULT_PORTS or not _valid_host(host):
        return None
    host = host.removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    query = parse_qsl(parts.query, keep_blank_values=True) if parts.query else []
    for site in sites_for_host(host):
        found = site.parse(host, segments, query)
        if found is not None:
            return found
    return WEB.identify(scheme, host, port, parts.path, query)


def _valid_host(host: str) -> bool:
    if host == "localhost":
        return True
    return len(host) <= 253 and "_" not in host and _HOST.fullmatch(host) is not None
