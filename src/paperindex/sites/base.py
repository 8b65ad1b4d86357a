"""The shape of per-site knowledge: one small class per place links live.

A *site* is the `source` column of the catalogue: `arxiv`, `github`, `twitter`, … or, for any
other host, the host name itself.  Everything paperindex knows about a site lives on its class,
so the stages never test `source == "…"`: which URLs it claims and how it reads them (identity),
how two citations are compared (identity key), the readable citation key, the title to show when
no metadata is known, who published it, where its PDF is.
"""

from __future__ import annotations

import re
import unicodedata
from typing import ClassVar, Protocol
from urllib.parse import unquote

from ..model import Identity, Kind

Query = list[tuple[str, str]]
"""A URL's query as (name, value) pairs, in order."""

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


class Ref(Protocol):
    """Anything that names a link: a catalogue `Link`, an `Identity`, a `Citation`."""

    @property
    def kind(self) -> Kind: ...
    @property
    def source(self) -> str: ...
    @property
    def id(self) -> str: ...


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters and digits only: `Müller-Lüdenscheidt` → `mullerludenscheidt`."""
    if text.isascii():  # NFKD leaves ASCII as it is
        return _NON_ALNUM.sub("", text.lower())
    decomposed = unicodedata.normalize("NFKD", text)
    return _NON_ALNUM.sub("", decomposed.encode("ascii", "ignore").decode().lower())


def slug(text: str, limit: int = 40) -> str:
    """`Foo_Bar/baz.qux` → `foo-bar-baz-qux`, at most `limit` characters (a URL's escapes
    decoded first: `%E2%AD%90-x` is `⭐-x`, so `x`, not `e2-ad-90-x`)."""
    if "%" in text:
        text = unquote(text)
    if text.isascii():  # NFKD leaves ASCII as it is
        decomposed = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _NON_ALNUM.sub("-", decomposed).strip("-")[:limit].strip("-")


class Site:
    """Knowledge about one site; subclasses override what differs from these defaults."""

    name: ClassVar[str] = ""
    """The catalogue's `source` value for links of this site."""
    hosts: ClassVar[tuple[str, ...]] = ()
    """Hosts (without `www.`) whose URLs `parse` may claim."""
    host_suffixes: ClassVar[tuple[str, ...]] = ()
    """Host suffixes (`.arxiv.org`) that `parse` may claim too, for hosts not listed anywhere."""
    fold_case: ClassVar[bool] = False
    """Identifiers compare case-insensitively (GitHub and Hugging Face names do)."""
    key_prefix: ClassVar[str] = ""
    """Put before the slug of the identifier in a readable key (`arxiv-2312-00752`)."""
    key_waits_for_metadata: ClassVar[bool] = False
    """A paper here gets no key until its metadata gives `lastnameYYYYword` (unless forced)."""

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        """The identity of a URL on one of `hosts` (path split on `/`), or None."""
        return None

    def identity_key(self, kind: Kind | str, source: str, ident: str) -> str:
        """The key two citations must share to be one link (`source` is this site's name, or
        the host for the web)."""
        if self.fold_case:
            return f"{source}:{kind}:{ident.casefold()}"
        return f"{source}:{ident}"

    def readable_key(self, ref: Ref) -> str:
        """A readable citation key from the identity alone."""
        return self.key_prefix + slug(ref.id)

    def fallback_title(self, ref: Ref) -> str:
        """What to call the link when neither a person nor metadata gave it a title."""
        return f"{self.name}:{ref.id}"

    def account(self, ref: Ref) -> str:
        """Who published it, read from the identity (an account, an owner), or empty."""
        return ""

    def pdf_url(self, ref: Ref) -> str:
        """A direct PDF link, when the identity gives one."""
        return ""

    def year(self, ref: Ref) -> str:
        """The year the identity itself proves (a tweet's snowflake id), or empty."""
        return ""

    def label(self, ref: Ref) -> str:
        """How a reading list names the link's home when it has no venue."""
        return self.name

    label_is_link: ClassVar[bool] = False
    """The label names the link itself (`arXiv:ID`), so a reading list links it."""
