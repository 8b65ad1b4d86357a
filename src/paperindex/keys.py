"""Citation keys that never move once a person may have used them.

The rule (after Better BibTeX's pinned keys, without its "showstopper" of renaming old keys):

* a non-empty key in the catalogue is never changed by any tool;
* a key is written only when its final form can be computed: papers as `lastnameYYYYword`
  (first author, v1 year, first significant title word, ASCII-folded, lower-case), which for
  arXiv papers needs their metadata; other links from their identity (`openbmb-infinitebench`);
* an arXiv paper still waiting for metadata has no key until metadata arrives, or until an export
  needs one, which then writes an identity key (`arxiv-2312-00752`) to the catalogue first;
* a collision gets `a`, `b`, … appended to the *new* key, compared case-insensitively (biblatex
  keys are), so an existing key is never renamed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .model import Kind, Link

STOP_WORDS = frozenset(
    """a an the on of for in into to and or with without from via towards toward is are was were
    be how what when why which who do does can could should we our us your you by at as it its
    this that these those not no""".split()
)
_SITE_ALIASES = {"mp.weixin.qq.com": "weixin", "github.io": "", "medium.com": "medium"}
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_TWITTER_EPOCH_MS = 1288834974657


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters and digits only: `Müller-Lüdenscheidt` → `mullerludenscheidt`."""
    decomposed = unicodedata.normalize("NFKD", text)
    return _NON_ALNUM.sub("", decomposed.encode("ascii", "ignore").decode().lower())


def slug(text: str, limit: int = 40) -> str:
    """`Foo_Bar/baz.qux` → `foo-bar-baz-qux`, at most `limit` characters."""
    decomposed = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _NON_ALNUM.sub("-", decomposed).strip("-")[:limit].strip("-")


def tweet_year(status_id: str) -> str:
    """The year a tweet was posted, from its snowflake id (empty for pre-2010 ids)."""
    if not status_id.isdigit() or int(status_id) < 1 << 22:
        return ""
    from datetime import UTC, datetime

    ms = (int(status_id) >> 22) + _TWITTER_EPOCH_MS
    return str(datetime.fromtimestamp(ms / 1000, UTC).year)


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


def _site(host: str) -> str:
    if host in _SITE_ALIASES:
        return _SITE_ALIASES[host]
    labels = host.split(".")
    if host.endswith(".github.io"):
        return labels[0]
    # the registrable name: drop the TLD and a two-letter second level (example.com.cn)
    core = labels[:-1]
    if len(core) > 1 and len(core[-1]) <= 3 and len(labels[-1]) == 2:
        core = core[:-1]
    return core[-1] if core else host


def readable_key(link: Link) -> str:
    """A readable key from what the link is and where it lives."""
    if link.source == "arxiv":
        return "arxiv-" + slug(link.id)
    if link.kind is Kind.POST and link.source == "twitter":
        user, _, status = link.id.partition("/status/")
        return f"{ascii_fold(user)}{tweet_year(status)}tweet"
    if link.source in ("github", "huggingface", "replicate", "openreview", "doi", "acl"):
        prefix = "" if link.source in ("github", "huggingface", "replicate") else link.source + "-"
        return prefix + slug(link.id)
    site = _site(link.source)
    tail = slug(link.id.split("?")[0].rstrip("/").rsplit("/", 1)[-1], 30)
    return "-".join(p for p in (slug(site), tail) if p) or "link"


def proposed_key(link: Link, force: bool = False) -> str | None:
    """The key `link` should get now, or None while it should wait for metadata."""
    if link.kind is Kind.PAPER and link.authors and link.year and link.auto_title:
        return paper_key(link.authors.split("; "), link.year, link.auto_title)
    if link.source == "arxiv" and not force:
        return None
    return readable_key(link)


def unique_key(base: str, taken: set[str]) -> str:
    """`base`, or `base` + `a`, `b`, … `z`, `aa`, … : the first not in `taken` (case-folded)."""
    candidate, n = base, 0
    while candidate.casefold() in taken:
        n += 1
        suffix, m = "", n
        while m:
            m, r = divmod(m - 1, 26)
            suffix = chr(ord("a") + r) + suffix
        candidate = base + suffix
    return candidate


def assign_keys(links: Iterable[Link], force: bool = False) -> list[Link]:
    """Give every link without a key the key it can have now; return the links that got one.

    Keys already present are never touched.  With `force`, arXiv papers still waiting for
    metadata get identity keys (an export needs a key for every entry).
    """
    links = list(links)
    taken = {link.key.casefold() for link in links if link.key}
    assigned = []
    for link in links:
        if link.key:
            continue
        base = proposed_key(link, force)
        if base is None:
            continue
        link.key = unique_key(base, taken)
        taken.add(link.key.casefold())
        assigned.append(link)
    return assigned
