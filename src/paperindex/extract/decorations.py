"""Badges, charts and counters: URLs that decorate a list rather than cite anything.

READMEs and awesome-lists put a shields.io badge, a star-history chart or a visitor counter next
to almost every entry; catalogued, they were 40-48% of the rows of real lists.  An image is
never a citation (the scanner knows image syntax); these hosts and paths serve nothing but such
images, so a URL on them is a decoration however it is written.  The link *around* a badge is a
citation and stays.
"""

from __future__ import annotations

import re
from functools import lru_cache

BADGE_HOSTS = frozenset(
    {
        "img.shields.io",
        "raster.shields.io",
        "badgen.net",
        "flat.badgen.net",
        "badge.fury.io",
        "api.star-history.com",
        "starchart.cc",
        "hits.seeyoufarm.com",
        "hits.sh",
        "hits.dwyl.com",
        "komarev.com",
        "profile-counter.glitch.me",
        "count.getloli.com",
        "github-readme-stats.vercel.app",
        "github-readme-streak-stats.herokuapp.com",
        "contrib.rocks",
        "repobeats.axiom.co",
        "forthebadge.com",
        "camo.githubusercontent.com",
        "static.pepy.tech",
        "api.visitorbadge.io",
    }
)
"""Hosts that serve only badges, charts and counters."""

_BADGE_HOST_LABELS = frozenset({"badge", "badges", "badgen", "visitor-badge", "shields"})
"""A first host label that names a badge service (`visitor-badge.laobi.icu`, …)."""

_IMAGE_SUFFIXES = (".svg", ".png", ".gif", ".jpg", ".jpeg", ".webp")
# The host: after the last `@` before the path, up to a port (`[^/?#]` is bounded by the path).
_HOST = re.compile(r"(?:[^/?#]*@)?([^/?#:]*)")


@lru_cache(maxsize=4096)
def is_decoration(url: str) -> bool:
    """Whether `url` (as cited, with or without a scheme) is a badge, chart or counter.

    On a badge host; or a path with a `badge` segment that ends in an image (`…/badge.svg`,
    GitHub Actions, Codecov, the Hugging Face "paper page" badge) or in `badge` itself
    (Read the Docs).
    """
    scheme = url.find("://")
    rest = url[scheme + 3 :] if scheme >= 0 else url
    found = _HOST.match(rest)
    if _badge_host(found.group(1) if found else ""):
        return True
    if "badge" not in rest.lower():  # the path must say it: most URLs stop here
        return False
    cut = found.end(1) if found else 0
    cut = min((i for i in (rest.find(c, cut) for c in "/?#") if i >= 0), default=len(rest))
    path = rest[cut:].split("?", 1)[0].split("#", 1)[0].lower().rstrip("/")
    if "badge" not in path:
        return False
    segments = path.split("/")
    last = segments[-1]
    if last in ("badge", "badges"):
        return True
    return last.endswith(_IMAGE_SUFFIXES) and any("badge" in s for s in segments)


@lru_cache(maxsize=1024)  # hosts repeat far more than URLs
def _badge_host(host: str) -> bool:
    """Whether `host` (as cited) serves only badges, charts and counters."""
    host = host.lower().removeprefix("www.")
    return host in BADGE_HOSTS or host.split(".", 1)[0] in _BADGE_HOST_LABELS
