"""Reading lists grouped by topic: Markdown for people (GitHub renders it), JSON for machines.

Everything from outside (titles, abstracts, excerpts, labels, curated columns) is untrusted: it
is rendered as text, never as Markdown or HTML.  The only HTML written is `<details>` and
`<summary>`, the only links are http(s) URLs (percent-encoded, in `<…>` form) and anchors of
headings this module writes.  Control and bidi characters are removed from both formats.

The file is read raw as often as rendered, so only what would change the rendering is escaped
(`md`): `100K+`, `(Mamba, H3)` and `讨论&杂谈` stay as they are; `[`, `]`, `*`, `` ` ``, `~`,
`$` always, `_` unless inside a word, `<` before what could start a tag, `&` before what could
be an entity, a backslash before punctuation, and what would start a block at the start.

E-mail addresses: GitHub's autolink extension (cmark-gfm) and linkify-it turn `name@host.tld`
in plain text into a `mailto:` link, and backslash escapes or entities do not stop it (cmark-gfm
joins text nodes before it looks for an `@`).  So an `@` that follows a character an address
can end with is written as the full-width `＠` (U+FF20): no autolinker takes it for an address,
and readers still read it as one.  A handle after a space (`@user`) stays as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..cores import parts_halves
from ..model import KIND_ORDER, Kind, Status
from ..text import clean
from .base import ExportContext, Exporter
from .tex import checked_url, valid_year
from .topics import KIND_HEADINGS, TopicRules, assign, check_wanted, clean_heading
from .view import LinkInfo

# What would be Markdown (CommonMark + GFM + GitHub's math) anywhere in a line, backslash-escaped
# (CommonMark allows escaping any ASCII punctuation): link and image brackets, emphasis and
# code, strikethrough and math (their closing half may be in another piece of the same line, so
# always); `_` only at a word's edge (GFM ignores it inside words); `<` before a tag, comment or
# autolink; `&` before an entity; a backslash that would escape what follows it (or the line's
# next piece: at the end).
_MD_INLINE = re.compile(
    r"[\[\]*`~$]"
    r"|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])"
    r"|<(?=[A-Za-z/!?])"
    r"|&(?=#[0-9]{1,7};|#[xX][0-9A-Fa-f]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)"
    r"|\\(?=[!-/:-@\[-`{-~]|$)"
)
# What would start a block at the start of a line: heading, quote, list item, thematic break,
# setext underline, table row, fence (backticks and tildes are escaped anyway).
_MD_BLOCK_START = re.compile(r"^(?:[#>+=|-]|\d{1,9}(?=[.)]))")
_MERMAID_UNSAFE = re.compile(r"[^\w\s.,'()?!+\-/]")
# An `@` after a character that can end the local part of an address, for GFM (`.+-_` and
# alphanumerics) and linkify-it (which adds `;:&=$,"`), or anything RFC 5322 allows there.
_ADDRESS_AT = re.compile(r"(?<=[A-Za-z0-9.!#$%&'*+/=?^_`{|}~;:,\"-])@(?=\S)")


_MD_SPECIAL = re.compile(r"[\[\]*`~$_<&\\]")
"""Every character `_MD_INLINE` can match starts with one of these."""


def _escape(m: re.Match[str]) -> str:
    return "\\" + m.group()


def md(text: str) -> str:
    """`text` as inert Markdown on one line: it renders as itself, wherever on a line it is put,
    and only what would change the rendering is escaped."""
    if text.isprintable() and "  " not in text and text[:1] != " " != text[-1:]:
        folded = text  # one clean line already (no control character, no other whitespace)
    else:
        folded = " ".join(clean(text).split())
    if "@" in folded:
        folded = _ADDRESS_AT.sub("\uff20", folded)
    # The patterns start with look-behinds, which `re` tries at every offset: a search for the
    # characters they can match, at C speed, tells whether there is anything to escape at all.
    escaped = _MD_INLINE.sub(_escape, folded) if _MD_SPECIAL.search(folded) else folded
    start = _MD_BLOCK_START.match(escaped)
    if start is None:
        return escaped
    if start.group()[0].isdigit():  # "1. " or "1) " would start an ordered list
        end = start.end()
        return escaped[:end] + "\\" + escaped[end:]
    return "\\" + escaped


_md_few = lru_cache(maxsize=4096)(md)
"""`md` for texts that recur: headings, file names, years, link labels."""


def _link(label: str, url: str) -> str:
    encoded = checked_url(url)  # `encode_url`'s answer, without its work for a plain URL
    return f"[{md(label)}](<{encoded}>)" if encoded is not None else md(label)


def slug(heading: str, taken: set[str]) -> str:
    """GitHub's anchor for a heading as rendered (whitespace folded): lower-case, punctuation
    dropped, spaces to hyphens, then `-1`, `-2`, … until unused."""
    base = re.sub(r"[^\w\- ]", "", " ".join(clean(heading).split()).lower()).replace(" ", "-")
    candidate, n = base, 0
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


@dataclass(frozen=True)
class Group:
    """One topic and its links, in reading order."""

    name: str
    description: str
    infos: tuple[LinkInfo, ...]


def _sort_key(info: LinkInfo) -> tuple[Any, ...]:
    kind_rank = KIND_ORDER.index(info.link.kind)
    if info.link.kind is Kind.PAPER:  # newest first
        when = info.date or "0"
        return (kind_rank, _desc(when), info.link.key)
    return (kind_rank, "", "")  # catalogue order within the other kinds (a stable sort)


def _desc(text: str) -> str:
    return "".join(chr(0x10FFFF - ord(c)) for c in text)


def group(
    infos: Iterable[LinkInfo], rules: TopicRules, topics: Iterable[str] | None = None
) -> list[Group]:
    """Links grouped by topic (giant topics split, see `topics.assign`): topics in the order of
    the topic file, then the others alphabetically, each subgroup right after the topic it was
    split from; within a topic papers first (newest first), then code, datasets, models, posts,
    articles, videos, pages.  `topics` keeps only those (and their subgroups)."""
    infos = list(infos)
    assignment = assign(infos, rules)
    by_topic: dict[str, list[LinkInfo]] = {}
    for info, topic in zip(infos, assignment.topics, strict=True):
        by_topic.setdefault(topic, []).append(info)
    parents = assignment.parents
    tops = [t.name for t in rules.topics if t.name in by_topic or t.name in parents.values()]
    tops += sorted(
        {parents.get(t, t) for t in by_topic} - set(tops), key=lambda t: (t.casefold(), t)
    )
    order = []
    for top in tops:
        order += [top] if top in by_topic else []
        order += [t for t in by_topic if parents.get(t) == top]  # in the order they were made
    if topics is not None:
        wanted = check_wanted(topics, rules, [*by_topic, *parents.values()])
        order = [t for t in order if assignment.selects(t, wanted)]
    return [
        Group(name, rules.descriptions.get(name, ""), tuple(sorted(by_topic[name], key=_sort_key)))
        for name in order
    ]


def _authors(info: LinkInfo) -> str:
    names = info.authors or ([info.account] if info.account else [])
    shown = ", ".join(names[:3])
    return shown + (" et al." if len(names) > 3 else "")


def _context(info: LinkInfo) -> str:
    mentions = info.link.mentions
    if not mentions:
        return ""
    first = mentions[0]
    section = clean_heading(first.section)
    where = f"*{_md_few(section)}*" if section else _md_few(first.file)
    more = f" (cited {len(mentions)} times)" if len(mentions) > 1 else ""
    return f"Cited in {where}{more}: “{md(first.context)}”"


def _paper(info: LinkInfo) -> list[str]:
    link = info.link
    authors = _authors(info)
    meta = [md(authors)] if authors else []
    if info.year:
        meta.append(_md_few(info.year))
    meta.append(
        md(info.venue)
        if info.venue
        else (_link(f"arXiv:{link.id}", link.url) if link.source == "arxiv" else md(link.source))
    )
    pdf = info.pdf_url
    if pdf:
        meta.append(_link("PDF", pdf))
    if link.code:
        meta.append(_link("code", link.code))
    lines = [f"- **{_link(info.title, link.url)}**{_gone(info)}", "", "  " + " · ".join(meta)]
    context = _context(info)
    if context:
        lines += ["", "  " + context]
    if info.abstract:
        lines += [
            "",
            "  <details><summary>Abstract</summary>",
            "",
            "  " + md(info.abstract),
            "",
            "  </details>",
        ]
    return lines


def _gone(info: LinkInfo) -> str:
    """The mark of a link the notes no longer cite (shown only with `--include-gone`)."""
    return " *(no longer cited in the notes)*" if info.link.status is Status.GONE else ""


def _other(info: LinkInfo) -> list[str]:
    link = info.link
    if link.kind is Kind.CODE:
        head = f"- **{_link(link.id, link.url)}**{_gone(info)}"
        if link.title or link.auto_title:
            head += " — " + md(link.display_title)
        if info.description:
            head += ": " + md(info.description)
    else:
        head = f"- **{_link(info.title, link.url)}**{_gone(info)}"
        who = _authors(info)
        extra = [x for x in (who, info.year) if x]
        if extra:
            head += " — " + md(", ".join(extra))
        if info.description:
            head += ". " + md(info.description)
    lines = [head]
    context = _context(info)
    if context:
        lines += ["", "  " + context]
    return lines


def _timeline(groups: list[Group]) -> list[str]:
    """A Mermaid timeline of the papers by year of first version (GitHub renders it)."""
    by_year: dict[str, list[str]] = {}
    for g in groups:
        for info in g.infos:
            year = info.link.display_year  # a curated cell: only a year goes in the chart
            if info.link.kind is Kind.PAPER and valid_year(year):
                title = clean(info.title).split(":")[0]
                short = " ".join(_MERMAID_UNSAFE.sub(" ", title).split())
                if len(short) > 48:
                    short = short[:48].rsplit(" ", 1)[0] + " …"
                short = short or " ".join(_MERMAID_UNSAFE.sub(" ", clean(info.link.key)).split())
                if short:
                    by_year.setdefault(year, []).append(short)
    if not by_year:
        return []
    lines = ["```mermaid", "timeline", "    title Papers by year of first version"]
    for year in sorted(by_year):
        events = sorted(by_year[year])
        lines.append(f"    {year} : {events[0]}")
        lines += [f"         : {e}" for e in events[1:]]
    return [*lines, "```"]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _heading(name: str) -> str:
    """A topic name as an ATX heading's text: a closing run of `#` (after a space, or all of
    it) would be dropped, so its first `#` is escaped unless it already is."""
    text = md(name)
    run = len(text) - len(text.rstrip("#"))
    start = len(text) - run
    backslashes = start - len(text[:start].rstrip("\\"))
    if run and backslashes % 2 == 0 and (start == 0 or text[start - 1] == " "):
        return f"{text[:start]}\\{text[start:]}"
    return text


def render_markdown(groups: list[Group], source: str = "data/links.csv") -> str:
    """The reading list as Markdown."""
    return "".join(markdown_parts(groups, source))


def markdown_parts(groups: list[Group], source: str = "data/links.csv") -> Iterator[str]:
    """The reading list as Markdown, in pieces of about one topic each (a reading list of
    100,000 links is tens of megabytes: written piece by piece, it is never held whole)."""
    pending = ""  # the file ends with one line feed: blank lines are held until text follows
    for part in _markdown_lines(groups, source):
        body = part.rstrip("\n")
        if body:
            yield pending + body
            pending = part[len(body) :]
        else:
            pending += part
    yield "\n"


def _markdown_lines(groups: list[Group], source: str) -> Iterator[str]:
    """The lines of the reading list joined by line feeds, one topic at a time."""
    total = sum(len(g.infos) for g in groups)
    taken: set[str] = set()
    slug("Reading list", taken)
    out = [
        "# Reading list",
        "",
        f"{_count(total, 'link')} from `{md(source)}` in {_count(len(groups), 'topic')}, "
        "generated by paperindex. "
        "Papers first (newest first), then code, datasets, models, posts, articles and pages.",
        "",
        "## Contents",
        "",
    ]
    slug("Contents", taken)
    timeline = _timeline(groups)
    anchors = [slug(g.name, taken) for g in groups]
    if timeline:
        out.append(f"- [Timeline of the papers](#{slug('Timeline of the papers', taken)})")
    out += [
        f"- [{md(g.name)}](#{a}) ({len(g.infos)})" for g, a in zip(groups, anchors, strict=True)
    ]
    if timeline:
        out += ["", "## Timeline of the papers", "", *timeline]
    yield "\n".join(out)
    yield from parts_halves(_topic_sections, groups, lambda g: len(g.infos))  # on both cores


def _topic_sections(groups: Sequence[Group]) -> Iterator[str]:
    """Each topic's section, a piece each (each made from its own group alone)."""
    for g in groups:
        out = ["", "", f"## {_heading(g.name)}", ""]  # the first joins it to what came before
        if g.description:
            out += [f"*{md(g.description)}*", ""]
        kind = None
        for info in g.infos:
            if info.link.kind is not kind:
                kind = info.link.kind
                out += [f"**{KIND_HEADINGS[kind]}**", ""]
            out += [*(_paper(info) if kind is Kind.PAPER else _other(info)), ""]
        yield "\n".join(out)


def render_json(groups: list[Group]) -> str:
    """The same grouping for machines."""
    return "".join(json_parts(groups))


def json_parts(groups: list[Group]) -> Iterator[str]:
    """`render_json`'s text a topic at a time: what `json.dumps(…, ensure_ascii=False,
    indent=2)` writes, every string cleaned (`_clean_json`), made here without json's
    indenting encoder (pure Python, a generator per value: 14 s for 100,000 links)."""
    if not groups:
        yield '{\n  "topics": []\n}\n'
        return
    inner = " " * 4
    for n, g in enumerate(groups):
        topic = {
            "name": g.name,
            "description": g.description,
            "links": [_json_link(i) for i in g.infos],
        }
        yield ('{\n  "topics": [\n' if n == 0 else ",\n") + inner + _json(topic, inner)
    yield "\n  ]\n}\n"


_json_string = json.encoder.encode_basestring  # json's own (C) string encoder, UTF-8 kept


def _json(value: Any, indent: str) -> str:
    """`value` as `json.dumps(_clean_json(value), ensure_ascii=False, indent=2)` writes it, at
    `indent` (no raw line feed can be inside a JSON string: each new line is the layout's)."""
    if isinstance(value, str):
        return _json_string(clean(value))
    if value is None or value is True or value is False:
        return "null" if value is None else "true" if value else "false"
    if type(value) is int:
        return int.__repr__(value)
    deeper = indent + "  "
    if type(value) is dict and all(type(k) is str for k in value):
        if not value:
            return "{}"
        cleaned = {clean(k): v for k, v in value.items()}  # keys equal once cleaned: one
        items = [f"{_json_string(k)}: {_json(v, deeper)}" for k, v in cleaned.items()]
        return "{\n" + deeper + (",\n" + deeper).join(items) + "\n" + indent + "}"
    if type(value) is list:
        if not value:
            return "[]"
        items = [_json(v, deeper) for v in value]
        return "[\n" + deeper + (",\n" + deeper).join(items) + "\n" + indent + "]"
    text = json.dumps(_clean_json(value), ensure_ascii=False, indent=2)  # anything else
    return text.replace("\n", "\n" + indent)


def _clean_json(value: Any) -> Any:
    """Every string in `value` (keys too) without control or bidi characters."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {_clean_json(k): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    return value


def _json_link(info: LinkInfo) -> dict[str, Any]:
    link = info.link
    return {
        "key": link.key,
        "kind": link.kind.value,
        "source": link.source,
        "id": link.id,
        "url": link.url,
        "title": info.title,
        "authors": info.authors or ([info.account] if info.account else []),
        "year": info.year or None,
        "venue": info.venue or None,
        "pdf": info.pdf_url or None,
        "code": link.code or None,
        "description": info.description or None,
        "abstract": info.abstract or None,
        "status": link.status.value,
        "mentions": [m.as_dict() for m in link.mentions],
    }


def _grouped(infos: Sequence[LinkInfo], context: ExportContext) -> list[Group]:
    """`group(infos, …)`, once per context for the same `infos`."""
    known = context.shared.get("groups")
    if known is not None and known[0] is infos:
        return list(known[1])
    groups = group(infos, context.rules, context.topics)
    context.shared["groups"] = (infos, groups)
    return groups


class MarkdownExporter(Exporter):
    """The reading list as Markdown."""

    groups_by_topic = True
    """A reading list: links the notes no longer cite are left out unless asked for."""
    name = "md"
    default_file = "READING_LIST.md"
    description = "reading list grouped by topic, Markdown"

    def render(self, infos: Sequence[LinkInfo], context: ExportContext) -> str:
        return "".join(self.parts(infos, context))

    def parts(self, infos: Sequence[LinkInfo], context: ExportContext) -> Iterator[str]:
        return markdown_parts(_grouped(infos, context), context.catalogue)


class JsonExporter(Exporter):
    """The reading list as JSON."""

    groups_by_topic = True
    name = "json"
    default_file = "reading-list.json"
    description = "reading list grouped by topic, JSON"

    def render(self, infos: Sequence[LinkInfo], context: ExportContext) -> str:
        return "".join(self.parts(infos, context))

    def parts(self, infos: Sequence[LinkInfo], context: ExportContext) -> Iterator[str]:
        return json_parts(_grouped(infos, context))
