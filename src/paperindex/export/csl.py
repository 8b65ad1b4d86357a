"""CSL-JSON (`csl-json`, `references.json`): what pandoc's citeproc, Zotero, citeproc-js, Quarto
and Typst's Hayagriva read, valid against the official CSL-JSON schema (draft-07; vendored in
tests/data/csl/ and checked there).

Faithful rather than pretty: the catalogue's key is `id` (and `citation-key`); titles are
written exactly as the metadata gives them (no recasing, no TeX); names are split into
`family`/`given` only where the split is certain enough (Western "Given Family" or
"Family, Given"), and kept whole as `literal` otherwise (CJK names, organisations, accounts);
dates are `date-parts`.  What the schema has no variable for (where and why a link was cited)
goes into `note`, one line per mention, never into an invented variable.

Types: a preprint is `article` with `number` = its arXiv id and `archive` = "arXiv"; a published
paper is `paper-conference` or `article-journal` with its venue as `container-title`; code and
models are `software`, datasets `dataset`, posts (tweets) `post`, articles (blogs)
`post-weblog`, videos `motion_picture`, other pages `webpage`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..model import Kind, Link
from ..text import clean
from . import tex
from .base import ExportContext, Exporter
from .view import LinkInfo, fallback_title

TYPES: dict[Kind, str] = {
    Kind.CODE: "software",
    Kind.MODEL: "software",
    Kind.DATASET: "dataset",
    Kind.VIDEO: "motion_picture",
    Kind.POST: "post",
    Kind.ARTICLE: "post-weblog",
    Kind.PAGE: "webpage",
}
"""CSL type of each kind but papers (see `paper_type`)."""

_CJK = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]"
)
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_PARTICLES = frozenset("van von der den de del della di da das dos du la le ten ter bin al".split())
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_YEAR = re.compile(r"\d{4}", re.ASCII)


def _text(value: str) -> str:
    """Outside text as one line: control and bidi characters removed, whitespace folded."""
    if value.isascii() and value.isprintable() and "  " not in value and value == value.strip():
        return value  # the common case, already one clean line
    return " ".join(clean(value).split())


# "Given [Given…] Family": every word capitalised (so no particle), ASCII, no suffix to look for.
_SIMPLE_NAME = re.compile(r"[A-Z][A-Za-z.'-]*(?: [A-Z][A-Za-z.'-]*)+", re.ASCII)


def split_name(name: str) -> dict[str, str] | None:
    """A CSL name: `family`/`given` (with `suffix` and `non-dropping-particle` when present) for
    "Given [particle] Family [Jr.]" and "Family, Given"; `literal` for one word, CJK, or
    anything with a letterless part; None when nothing is left once cleaned."""
    if _SIMPLE_NAME.fullmatch(name) and name.rpartition(" ")[2].lower() not in _SUFFIXES:
        given, _, family = name.rpartition(" ")
        return {"family": family, "given": given}
    text = _text(name)
    if not text:
        return None
    if _CJK.search(text) or not any(c.isalpha() for c in text):
        return {"literal": text}
    if "," in text:
        parts = [p.strip() for p in text.split(",")]
        if len(parts) == 2 and all(parts):
            return {"family": parts[0], "given": parts[1]}
        if len(parts) == 3 and all(parts):  # BibTeX's "von Last, Jr, First"
            return {"family": parts[0], "suffix": parts[1], "given": parts[2]}
        return {"literal": text}
    words = text.split()
    suffix = ""
    if len(words) > 2 and words[-1].lower() in _SUFFIXES:
        suffix = words.pop()
    if len(words) < 2 or not all(any(c.isalpha() for c in w) for w in words):
        return {"literal": text}
    start = len(words) - 1
    while start > 1 and words[start - 1] in _PARTICLES:
        start -= 1
    out = {"family": words[-1], "given": " ".join(words[:start])}
    if start < len(words) - 1:
        out["non-dropping-particle"] = " ".join(words[start:-1])
    if suffix:
        out["suffix"] = suffix
    return out


def _date(year: str, iso: str = "") -> dict[str, Any] | None:
    """`date-parts` for a year, with month and day when `iso` is a date in that year."""
    if not _YEAR.fullmatch(year):
        return None
    m = _ISO_DATE.match(iso)
    if m and m.group(1) == year:
        return {"date-parts": [[int(m.group(1)), int(m.group(2)), int(m.group(3))]]}
    return {"date-parts": [[int(year)]]}


def paper_type(info: LinkInfo) -> str:
    """`paper-conference` or `article-journal` when published, else `article`."""
    if info.venue:
        return "article-journal" if info.venue_is_journal else "paper-conference"
    return "article"


def mention_note(link: Link) -> list[str]:
    """The curated note, then one line per mention: file:line, section, the context."""
    lines = [_text(link.note)] if _text(link.note) else []
    for m in link.mentions:
        where = f"{_text(m.file)}:{m.line}" + (f", {_text(m.section)}" if _text(m.section) else "")
        said = _text(m.context) or _text(m.label) or _text(m.cited)
        lines.append(f"Cited in {where}" + (f": {said}" if said else ""))
    return lines


def item(info: LinkInfo) -> dict[str, Any]:
    """One CSL-JSON item for `info`; variables with no value are left out."""
    link = info.link
    kind = link.kind
    out: dict[str, Any] = {
        "id": link.key,
        "citation-key": link.key,
        "type": paper_type(info) if kind is Kind.PAPER else TYPES[kind],
        "title": _text(info.title) or _text(fallback_title(link)),
    }
    names = [n for n in (split_name(a) for a in info.authors) if n]
    if not names and info.account:
        names = [{"literal": _text(info.account)}]
    if names:
        out["author"] = names
    issued = _date(info.year, info.facts.date)
    if issued:
        out["issued"] = issued
    if kind is Kind.PAPER:
        venue = _text(info.venue)
        if venue:
            out["container-title"] = venue
        arxiv = info.arxiv_id  # also when the row was first cited elsewhere (an alias)
        if arxiv:
            if venue:  # the id of the preprint behind a published paper
                out["archive"], out["archive_location"] = "arXiv", arxiv
            else:
                out["number"], out["archive"] = arxiv, "arXiv"
    doi = _text(info.doi)
    if doi.startswith("10.") and "/" in doi:
        out["DOI"] = doi
    url = tex.checked_url(link.url)
    if url:
        out["URL"] = url
    if info.facts.retrieved is not None:
        r = info.facts.retrieved
        out["accessed"] = {"date-parts": [[r.year, r.month, r.day]]}
    abstract = _text(info.abstract) or _text(info.description)
    if abstract:
        out["abstract"] = abstract
    if info.facts.categories:
        out["keyword"] = ", ".join(_text(c) for c in info.facts.categories)
    note = mention_note(link)
    if note:
        out["note"] = "\n".join(note)
    return out


def items(infos: Iterable[LinkInfo]) -> list[dict[str, Any]]:
    """The CSL-JSON items for `infos`, in their order."""
    return [item(info) for info in infos]


def csl_json(infos: Iterable[LinkInfo]) -> str:
    """The CSL-JSON text: UTF-8, one item per line in catalogue order (so a diff shows which rows
    changed), variables sorted.  One line per item also keeps json's C encoder (an indented dump
    is pure Python, three times slower)."""
    return "".join(csl_json_parts(infos))


def csl_json_parts(infos: Iterable[LinkInfo], batch: int = 1000) -> Iterator[str]:
    """`csl_json`'s text in pieces of `batch` items (never all items at once)."""
    encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
    infos = list(infos)
    if not infos:
        yield "[]\n"
        return
    for start in range(0, len(infos), batch):
        lines = ",\n".join([encode(item(i)) for i in infos[start : start + batch]])
        yield ("[\n" if start == 0 else ",\n") + lines
    yield "\n]\n"


class CslJsonExporter(Exporter):
    """CSL-JSON for pandoc, Zotero and every CSL processor."""

    name = "csl-json"
    default_file = "references.json"
    description = "CSL-JSON (pandoc --citeproc, Zotero, Quarto, Typst)"

    def render(self, infos: Sequence[LinkInfo], context: ExportContext) -> str:
        return csl_json(infos)

    def parts(self, infos: Sequence[LinkInfo], context: ExportContext) -> Iterator[str]:
        return csl_json_parts(infos)
