"""The catalogue's derived columns (`auto_title`, `authors`, `year`), from metadata and mentions.

Run after every extract and every refresh, so the columns always follow what the stores say:
metadata first, then what the link itself shows (its label in the notes, a year its identity
proves, such as a tweet's).  Curated columns are never touched.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable

from ..model import Link
from ..sites import site_for
from .metadata import Metadata
from .source import Facts

# Link text that says what kind of link it is, not which work ("paper", "code", "[1]", "PDF",
# "论文"): the non-descriptive link text accessibility checkers flag.  Never a title.
_NON_DESCRIPTIVE = frozenset(
    """here this click link links url site website homepage home page project official paper
    papers pdf abs abstract html code repo repository source github gitlab arxiv openreview acl
    doi blog post tweet thread video talk slides demo model models dataset datasets data docs
    documentation download preprint version full text details more read see also
    论文 代码 链接 地址 项目 主页 原文 这里 博客 视频 数据集 模型""".split()
)
_WORD = re.compile(r"\w+")
_EMPHASIS = "*_`~ "
SHARED = 3
"""A label that many links share ("Link", "Model") names a kind of link, not a work."""


def derive(link: Link, facts: Facts, shared: Collection[str] = ()) -> None:
    """Recompute the tool-owned descriptive columns of `link`; `shared`: labels (case-folded)
    too many links carry to be a title."""
    _set(link, facts, _label(link, shared))


def _set(link: Link, facts: Facts, label: str) -> None:
    link.auto_title = facts.title or label
    link.auto_authors = "; ".join(facts.authors)
    link.auto_year = facts.year or site_for(link.source).year(link)


def _label(link: Link, shared: Collection[str] = ()) -> str:
    """The first label `link` was cited with that names the work (`_title`), or ""."""
    return next((t for m in link.mentions if m.label and (t := _title(m.label, link, shared))), "")


def _title(label: str, link: Link, shared: Collection[str]) -> str:
    """`label` as a title (emphasis around it removed), or "" when it does not name the work:
    a number or bracket ("[1]"), a URL, the link's own source, non-descriptive words only, or
    one that many links share."""
    text = label.strip(_EMPHASIS)
    folded = text.casefold()
    words = _WORD.findall(folded)
    if not words or "://" in text or folded in shared:
        return ""
    if all(w.isdigit() or w in _NON_DESCRIPTIVE or w == link.source for w in words):
        return ""
    return text


def derive_all(links: Iterable[Link], metadata: Metadata) -> None:
    """`derive` every link from the stores in `metadata`; a label that `SHARED` links or more
    would take as their title is no one's."""
    links = list(links)
    labels = [_label(link) for link in links]
    carried = Counter(label.casefold() for label in labels if label)
    shared = {label for label, n in carried.items() if n >= SHARED}
    for link, label in zip(links, labels, strict=True):
        if label.casefold() in shared:
            label = _label(link, shared)  # a later label may still name it
        _set(link, metadata.facts(link), label)
