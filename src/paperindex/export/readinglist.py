"""Reading lists grouped by topic: Markdown for people (GitHub renders it), JSON for machines.

Everything from outside (titles, abstracts, excerpts, labels, curated columns) is untrusted: it
is rendered as text, never as Markdown or HTML.  The only HTML written is `<details>` and
`<summary>`, the only links are http(s) URLs (percent-encoded, in `<…>` form) and anchors of
headings this module writes.  Control and bidi characters are removed from both formats.

E-mail addresses: GitHub's autolink extension (cmark-gfm) and linkify-it turn `name@host.tld`
in plain text into a `mailto:` link, and backslash escapes or entities do not stop it (cmark-gfm
joins text nodes before it looks for an `@`).  So an `@` that follows a character an address
can end with is written as the full-width `＠` (U+FF20): no autolinker takes it for an address,
and readers still read it as one.  A handle after a space (`@user`) stays as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..model import KIND_ORDER, Kind
from ..text import clean, encode_url
from .base import ExportContext, Exporter
from .topics import TopicRules, check_wanted, topic_of
from .view import LinkInfo

# ASCII punctuation that can start Markdown syntax inline; backslash-escaped (CommonMark allows
# escaping any ASCII punctuation), so text renders as itself.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>()#+!|~&$])")
_MERMAID_UNSAFE = re.compile(r"[^\w\s.,'()?!+\-/]")
# An `@` after a character that can end the local part of an address, for GFM (`.+-_` and
# alphanumerics) and linkify-it (which adds `;:&=$,"`), or anything RFC 5322 allows there.
_ADDRESS_AT = re.compile(r"(?<=[A-Za-z0-9.!#$%&'*+/=?^_`{|}~;:,\"-])@(?=\S)")
KIND_HEADINGS = {
    Kind.PAPER: "Papers",
    Kind.CODE: "Code",
    Kind.DATASET: "Datasets",
    Kind.MODEL: "Models",
    Kind.POST: "Posts",
    Kind.ARTICLE: "Articles",
    Kind.VIDEO: "Videos",
    Kind.PAGE: "Pages",
}


def md(text: str) -> str:
    """`text` as inert Markdown: one line, every syntax character escaped."""
    folded = _ADDRESS_AT.sub("\uff20", " ".join(clean(text).split()))
    escaped = _MD_SPECIAL.sub(r"\\\1", folded)
    # a leading "1." or "-" would not start a list here (we never start a line with text),
    # but a leading "=" or "-" under a paragraph could make a setext heading: escape it too
    return re.sub(r"^([=\-.])", r"\\\1", escaped)


def _link(label: str, url: str) -> str:
    encoded = encode_url(url)
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
    """Links grouped by topic: topics in the order of the topic file, then the others
    alphabetically; within a topic papers first (newest first), then code, datasets, models,
    posts, articles, pages."""
    by_topic: dict[str, list[LinkInfo]] = {}
    for info in infos:
        by_topic.setdefault(topic_of(info, rules), []).append(info)
    order = [t.name for t in rules.topics if t.name in by_topic]
    order += sorted(t for t in by_topic if t not in order)
    if topics is not None:
        wanted = check_wanted(topics, rules, by_topic)
        order = [t for t in order if t in wanted]
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
    where = f"*{md(first.section)}*" if first.section else md(first.file)
    more = f" (cited {len(mentions)} times)" if len(mentions) > 1 else ""
    return f"Cited in {where}{more}: “{md(first.context)}”"


def _paper(info: LinkInfo) -> list[str]:
    link = info.link
    meta = [md(_authors(info))] if _authors(info) else []
    if info.year:
        meta.append(md(info.year))
    meta.append(
        md(info.venue)
        if info.venue
        else (_link(f"arXiv:{link.id}", link.url) if link.source == "arxiv" else md(link.source))
    )
    if info.pdf_url:
        meta.append(_link("PDF", info.pdf_url))
    if link.code:
        meta.append(_link("code", link.code))
    lines = [f"- **{_link(info.title, link.url)}**", "", "  " + " · ".join(meta)]
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


def _other(info: LinkInfo) -> list[str]:
    link = info.link
    if link.kind is Kind.CODE:
        head = f"- **{_link(link.id, link.url)}**"
        if link.title or link.auto_title:
            head += " — " + md(link.display_title)
        if info.description:
            head += ": " + md(info.description)
    else:
        head = f"- **{_link(info.title, link.url)}**"
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
            if info.link.kind is Kind.PAPER and info.link.display_year:
                title = clean(info.title).split(":")[0]
                short = " ".join(_MERMAID_UNSAFE.sub(" ", title).split())
                if len(short) > 48:
                    short = short[:48].rsplit(" ", 1)[0] + " …"
                short = short or info.link.key
                by_year.setdefault(info.link.display_year, []).append(short)
    if not by_year:
        return []
    lines = ["```mermaid", "timeline", "    title Papers by year of first version"]
    for year in sorted(by_year):
        events = sorted(by_year[year])
        lines.append(f"    {year} : {events[0]}")
        lines += [f"         : {e}" for e in events[1:]]
    return [*lines, "```"]


def render_markdown(groups: list[Group], source: str = "data/links.csv") -> str:
    """The reading list as Markdown."""
    total = sum(len(g.infos) for g in groups)
    taken: set[str] = set()
    slug("Reading list", taken)
    out = [
        "# Reading list",
        "",
        f"{total} links from `{md(source)}` in {len(groups)} topics, generated by paperindex. "
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
    for g in groups:
        out += ["", f"## {md(g.name)}", ""]
        if g.description:
            out += [f"*{md(g.description)}*", ""]
        kind = None
        for info in g.infos:
            if info.link.kind is not kind:
                kind = info.link.kind
                out += [f"**{KIND_HEADINGS[kind]}**", ""]
            out += [*(_paper(info) if kind is Kind.PAPER else _other(info)), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def render_json(groups: list[Group]) -> str:
    """The same grouping for machines."""
    data = {
        "topics": [
            {
                "name": g.name,
                "description": g.description,
                "links": [_json_link(i) for i in g.infos],
            }
            for g in groups
        ]
    }
    return json.dumps(_clean_json(data), ensure_ascii=False, indent=2) + "\n"


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
        "mentions": [m.model_dump(exclude_defaults=True) for m in link.mentions],
    }


class MarkdownExporter(Exporter):
    """The reading list as Markdown."""

    name = "md"
    default_file = "READING_LIST.md"
    description = "reading list grouped by topic, Markdown"

    def render(self, infos: Sequence[LinkInfo], context: ExportContext) -> str:
        return render_markdown(group(infos, context.rules, context.topics), context.catalogue)


class JsonExporter(Exporter):
    """The reading list as JSON."""

    name = "json"
    default_file = "reading-list.json"
    description = "reading list grouped by topic, JSON"

    def render(self, infos: Sequence[LinkInfo], context: ExportContext) -> str:
        return render_json(group(infos, context.rules, context.topics))
