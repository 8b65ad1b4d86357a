"""Citation keys that never move once a person may have used them.

The rule (after Better BibTeX's pinned keys, without its "showstopper" of renaming old keys):

* a non-empty key in the catalogue is never changed by any tool: a key in the catalogue is
  pinned;
* a key is written only when its final form can be computed: papers as `lastnameYYYYword`
  (first author, v1 year, first significant title word, ASCII-folded, lower-case), which for
  arXiv papers needs their metadata; other links from their identity (`openbmb-infinitebench`);
* an arXiv paper still waiting for metadata has a *provisional* key: an export shows it under
  its identity key (`arxiv-2312-00752`, `assign_keys(force=True)` on links in memory) without
  writing it, and says so; metadata later gives it its readable key, unless the user pinned the
  provisional one first (`paperindex keys --pin`, `api.pin_keys`), which writes it here;
* a collision gets `a`, `b`, … appended to the *new* key, compared case-insensitively (biblatex
  keys are), so an existing key is never renamed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..model import Kind, Link
from ..sites import site_for
from ..sites.base import ascii_fold, slug
from ..sites.social import tweet_year

__all__ = [
    "STOP_WORDS", "ascii_fold", "assign_keys", "paper_key", "proposed_key", "readable_key", "slug",
    "tweet_year", "unique_key",
]  # fmt: skip

STOP_WORDS = frozenset(
    """a an the on of for in into to and or with without from via towards toward is are was were
    be how what when why which who do does can could should we our us your you by at as it its
    this that these those not no""".split()
)


def paper_key(authors: Iterable[str], year: str, title: str) -> str:
    """`lastnameYYYYword` from metadata."""
    first = next(iter(authors), "")
    # "Last, First" or "First Last"; a CJK name folds to nothing and becomes "anon"
    last = first.split(",")[0] if "," in first else (first.split() or [""])[-1]
    last = ascii_fold(last) or "anon"
    word = next(
        (
            w
            for w in (ascii_fold(t) for t in re.split(r"[\s:/]+", title))
            if w and w not in STOP_WORDS
        ),
        "",
    )
    return f"{last}{year}{word}"


def readable_key(link: Link) -> str:
    """A readable key from what the link is and where it lives (see each site)."""
    return site_for(link.source).readable_key(link)


def proposed_key(link: Link, force: bool = False) -> str | None:
    """The key `link` should get now, or None while it should wait for metadata."""
    if link.kind is Kind.PAPER:
        authors, year, title = link.display_authors, link.display_year, link.display_title
        if authors and year and title:
            return paper_key(authors.split("; "), year, title)
    site = site_for(link.source)
    if site.key_waits_for_metadata and not force:
        return None
    return site.readable_key(link)


def _suffix(n: int) -> str:
    """0 → ``, 1 → `a`, 26 → `z`, 27 → `aa`: bijective base 26."""
    suffix = ""
    while n:
        n, r = divmod(n - 1, 26)
        suffix = chr(ord("a") + r) + suffix
    return suffix


def unique_key(base: str, taken: set[str], tried: dict[str, int] | None = None) -> str:
    """`base`, or `base` + `a`, `b`, … `z`, `aa`, … : the first not in `taken` (case-folded).

    `tried` remembers, per base, how many suffixes are known to be taken; since `taken` only
    grows while keys are assigned, the next probe starts there, so 8,000 links sharing one base
    cost 8,000 probes, not 32 million.
    """
    folded = base.casefold()
    n = tried.get(folded, 0) if tried is not None else 0
    if not n and folded not in taken:  # the common case: the base itself is free
        if tried is not None:
            tried[folded] = 0
        return base
    while (base + _suffix(n)).casefold() in taken:
        n += 1
    if tried is not None:
        tried[folded] = n
    return base + _suffix(n)


def assign_keys(links: Iterable[Link], force: bool = False) -> list[Link]:
    """Give every link without a key the key it can have now; return the links that got one.

    Keys already present are never touched.  With `force`, arXiv papers still waiting for
    metadata get their provisional identity keys (an export needs a key for every entry; the
    caller decides whether they are saved, see `paperindex.api.pin_keys`).
    """
    links = list(links)
    taken = {link.key.casefold() for link in links if link.key}
    tried: dict[str, int] = {}
    assigned = []
    for link in links:
        if link.key:
            continue
        base = proposed_key(link, force)
        if base is None:
            continue
        link.key = unique_key(base, taken, tried)
        taken.add(link.key.casefold())
        assigned.append(link)
    return assigned
