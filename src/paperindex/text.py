"""Text that is safe to write into any output: no control characters, no bidi overrides.

`encode_url` gives the one form of a URL every output may write.

Every exporter (the catalogue CSV, BibTeX, the Markdown and JSON reading lists) passes outside
text through `clean` before writing it, so a BEL, ESC, NUL or DEL from a note or a feed never
reaches a file (`Unicode character ^^G` stops biber; a terminal would act on ESC), and a
right-to-left override cannot make a title or a link read as something else.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

# Bidi formatting controls: ALM, LRM, RLM, LRE..RLO (embeddings and overrides), LRI..PDI.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Noncharacters are never meant for interchange; TeX engines cannot set them.
_NONCHARS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
# C0 and C1 controls other than tab and line feed, DEL, lone surrogates (unwritable as UTF-8).
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff{_NONCHARS}]")
# Controls that are whitespace (`str.split` splits on them): replaced by a space, so removing
# them never glues two words together.  CR is a line break.
_REPLACEMENT = {"\x0b": " ", "\x0c": " ", "\x1c": " ", "\x1d": " ", "\x1e": " ", "\x1f": " "}
_REPLACEMENT.update({"\x85": " ", "\r": "\n"})


def _replace(m: re.Match[str]) -> str:
    return _REPLACEMENT.get(m.group(), "")


def clean(text: str) -> str:
    """`text` without control characters (tab and line feed stay; CR becomes a line feed, other
    whitespace controls a space), bidi controls, lone surrogates or noncharacters."""
    if text.isprintable() or _UNSAFE.search(text) is None:  # every unsafe character is
        return text  # non-printable (Cc, Cf, Cs, Cn), and isprintable is ten times faster
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return _UNSAFE.sub(_replace, text)


_UNRESERVED = "-._~"
_SUB_DELIMS = "!$&'()*+,;="
_PCT = re.compile(r"%(?![0-9A-Fa-f]{2})", re.ASCII)


def encode_url(url: str) -> str | None:
    """An http(s) URL with every character outside RFC 3986 percent-encoded, component by
    component: braces, backslashes, spaces, non-ASCII, a second `#`, `[` `]` outside the host,
    a `%` not followed by two hex digits.  None when it is not an http(s) URL with a host."""
    url = clean(url).strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    scheme, _, rest = url.partition(":")
    rest, hash_, fragment = rest.partition("#")
    rest, question, query = rest.partition("?")
    authority, slash, path = rest[2:].partition("/")  # rest starts with "//"
    pchar = _UNRESERVED + _SUB_DELIMS + ":@"
    return (
        f"{scheme}://{_encode(authority, pchar + '[]')}{slash}{_encode(path, pchar + '/')}"
        f"{question}{_encode(query, pchar + '/?')}{hash_}{_encode(fragment, pchar + '/?')}"
    )


def _encode(text: str, safe: str) -> str:
    return _PCT.sub("%25", quote(text, safe=safe + "%"))
