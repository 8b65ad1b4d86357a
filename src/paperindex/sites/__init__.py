"""Per-site knowledge, in one place: which URLs each site claims and how its links behave.

Adding a site is one class (see `base.Site`) and one line in `SITES`.  Everything else —
identity, keys, fallback titles, accounts, PDF links — asks `site_for(source)`.
"""

from __future__ import annotations

from functools import lru_cache

from ..model import Kind
from . import papers, proceedings, publishers
from .arxiv import Arxiv
from .base import Ref, Site
from .code import GitHub, HuggingFace, Replicate
from .papers import Acl, Doi, OpenReview
from .social import Twitter
from .video import Bilibili, YouTube
from .web import Web

#: Registered sites, in the order their URL rules are tried on a shared host (arXiv's paper
#: pages on huggingface.co come before the Hub's models).
SITES: tuple[Site, ...] = (
    Arxiv(), OpenReview(), Doi(), Acl(), GitHub(), HuggingFace(), Replicate(), Twitter(),
    YouTube(), Bilibili(),
    *papers.MORE_SITES, *proceedings.SITES, *publishers.SITES,
)  # fmt: skip
WEB = Web()
"""Every host no registered site claims."""

_BY_NAME = {site.name: site for site in SITES}
_BY_HOST: dict[str, tuple[Site, ...]] = {}
for _site in SITES:
    for _host in _site.hosts:
        _BY_HOST[_host] = (*_BY_HOST.get(_host, ()), _site)


def site_for(source: str) -> Site:
    """The site of a catalogue `source` value (a host name means the web)."""
    return _BY_NAME.get(source, WEB)


def sites_for_host(host: str) -> tuple[Site, ...]:
    """The sites whose URL rules may claim `host` (lower-case, without `www.`), in order."""
    found = _BY_HOST.get(host)
    if found is not None:
        return found
    return _by_suffix(host)


@lru_cache(maxsize=4096)  # a catalogue has far fewer hosts than links
def _by_suffix(host: str) -> tuple[Site, ...]:
    return tuple(s for s in SITES if s.host_suffixes and host.endswith(s.host_suffixes))


def identity_key(kind: Kind | str, source: str, ident: str) -> str:
    """The key two citations must share to be one link (see each site's `identity_key`)."""
    return site_for(source).identity_key(kind, source, ident)


def key_of(ref: Ref) -> str:
    """`identity_key` of a link, identity or citation."""
    return site_for(ref.source).identity_key(ref.kind, ref.source, ref.id)


__all__ = ["SITES", "WEB", "Ref", "Site", "identity_key", "key_of", "site_for", "sites_for_host"]
