"""Paper hosts other than arXiv: OpenReview forums, DOIs, the ACL Anthology."""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import unquote, urlencode

from ..model import Identity, Kind
from .base import Query, Ref, Site

_DOI = re.compile(r"10\.\d{4,9}/\S+")
_ACL_ID = re.compile(r"(?:\d{4}\.[a-z0-9-]+\.\d+|[A-Z]\d{2}-\d{4})")


def doi_identity(text: str) -> Identity | None:
    """Identity of a bare DOI (`10.1145/3580305.3599572`); DOIs are case-insensitive."""
    doi = unquote(text).lower()
    if not _DOI.fullmatch(doi):
        return None
    return Identity(Kind.PAPER, "doi", doi, f"https://doi.org/{doi}")


class OpenReview(Site):
    """openreview.net forums; the forum id is case-sensitive."""

    name = "openreview"
    hosts: ClassVar[tuple[str, ...]] = ("openreview.net",)
    key_prefix = "openreview-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if segments not in (["forum"], ["pdf"], ["attachment"]):
            return None
        ident = dict(query).get("id", "")
        if not ident:
            return None
        url = f"https://openreview.net/forum?{urlencode({'id': ident})}"
        return Identity(Kind.PAPER, self.name, ident, url)

    def fallback_title(self, ref: Ref) -> str:
        return f"OpenReview {ref.id}"

    def pdf_url(self, ref: Ref) -> str:
        return f"https://openreview.net/pdf?{urlencode({'id': ref.id})}"


class Doi(Site):
    """doi.org resolver links; the DOI, lower-cased, is the identity."""

    name = "doi"
    hosts: ClassVar[tuple[str, ...]] = ("doi.org", "dx.doi.org")
    key_prefix = "doi-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        return doi_identity("/".join(segments)) if segments else None


class Acl(Site):
    """The ACL Anthology, new ids (`2023.acl-long.1`) and old (`P19-1001`)."""

    name = "acl"
    hosts: ClassVar[tuple[str, ...]] = ("aclanthology.org", "aclweb.org")
    key_prefix = "acl-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if host == "aclweb.org":
            if segments[:1] != ["anthology"]:
                return None
            segments = segments[1:]
        if len(segments) != 1:
            return None
        ident = segments[0].removesuffix(".pdf")
        if not _ACL_ID.fullmatch(ident):
            return None
        return Identity(Kind.PAPER, self.name, ident, f"https://aclanthology.org/{ident}/")
