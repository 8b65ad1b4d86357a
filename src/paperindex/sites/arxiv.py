"""arXiv: identifier grammars, the URL forms of its mirrors and readers, keys and PDF links."""

from __future__ import annotations

import re
from typing import ClassVar

from ..model import Identity, Kind
from .base import Query, Ref, Site, slug

# arXiv identifier grammars (https://info.arxiv.org/help/arxiv_identifier.html).  The version is a
# separate group: an id is never split on "v", since archives such as solv-int contain one.
_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(v[1-9]\d*)?")
ARXIV_ARCHIVES = (
    "acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn chem-ph cmp-lg comp-gas "
    "cond-mat cs dg-ga funct-an gr-qc hep-ex hep-lat hep-ph hep-th math math-ph mtrl-th nlin "
    "nucl-ex nucl-th patt-sol physics plasm-ph q-alg q-bio quant-ph solv-int supr-con"
).split()
ARCHIVE_ALTERNATION = "|".join(sorted(ARXIV_ARCHIVES, key=len, reverse=True))
"""The archive names as one regex alternation, longest first (for scanners)."""
_ARXIV_OLD = re.compile(rf"((?:{ARCHIVE_ALTERNATION})(?:\.[A-Z]{{2}})?/\d{{7}})(v[1-9]\d*)?")
_HOSTS = ("arxiv.org", "export.arxiv.org", "ar5iv.org", "ar5iv.labs.arxiv.org", "alphaxiv.org")
_VIEWS = frozenset({"abs", "pdf", "html", "format", "overview"})


def parse_arxiv_id(text: str) -> tuple[str, str] | None:
    """Split an arXiv identifier into (versionless id, version), or None if it is not one."""
    for grammar in (_ARXIV_NEW, _ARXIV_OLD):
        m = grammar.fullmatch(text)
        if m:
            return m.group(1), m.group(2) or ""
    return None


def arxiv_identity(text: str) -> Identity | None:
    """Identity of a bare arXiv id (`2312.00752v2`, `hep-th/9901001`)."""
    parsed = parse_arxiv_id(text)
    if parsed is None:
        return None
    ident, version = parsed
    return Identity(Kind.PAPER, "arxiv", ident, f"https://arxiv.org/abs/{ident}", version)


class Arxiv(Site):
    """arxiv.org and the sites that show its papers under the same id (ar5iv, alphaXiv,
    Hugging Face paper pages)."""

    name = "arxiv"
    hosts: ClassVar[tuple[str, ...]] = (*_HOSTS, "huggingface.co")
    host_suffixes: ClassVar[tuple[str, ...]] = (".arxiv.org",)
    key_prefix = "arxiv-"
    key_waits_for_metadata = True
    label_is_link = True

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if host == "huggingface.co":
            if len(segments) == 2 and segments[0] == "papers":
                return arxiv_identity(segments[1])
            return None
        if len(segments) < 2 or segments[0] not in _VIEWS:
            return None
        return arxiv_identity("/".join(segments[1:]).removesuffix(".pdf"))

    def readable_key(self, ref: Ref) -> str:
        return self.key_prefix + slug(ref.id)

    def fallback_title(self, ref: Ref) -> str:
        return f"arXiv:{ref.id}"

    def pdf_url(self, ref: Ref) -> str:
        return f"https://arxiv.org/pdf/{ref.id}"

    def label(self, ref: Ref) -> str:
        return f"arXiv:{ref.id}"
