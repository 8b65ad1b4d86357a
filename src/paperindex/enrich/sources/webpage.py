"""Any other cited page or article: its HTML, fetched through the guarded fetcher, read in layers.

Every fact is taken from the most trusted layer that has it:

1. Highwire `citation_*` meta tags (what Google Scholar reads: title, authors, date, DOI, PDF,
   journal or conference) — a page with a `citation_title` is a paper (`Facts.genre`);
2. JSON-LD (`ScholarlyArticle`, `Article`, `BlogPosting`, `NewsArticle`, `TechArticle`,
   `SoftwareSourceCode`, `Dataset`, `VideoObject`, … incl. `@graph` and `@id` references);
3. schema.org microdata (the same types, as Zhihu and YouTube write them);
4. Dublin Core (`DC.title`, `DC.creator`, `DC.date`, `DCTERMS.*`);
5. OpenGraph (`og:title`, `og:site_name`, `article:author`, `article:published_time`);
6. `<title>`; and, for the date alone, htmldate (a date shown in the page or its URL).

Layers 2–5 are read by extruct, the `<title>` and `citation_*` tags (which extruct does not read)
with lxml's HTML parser, the last-resort date by htmldate; nothing here scrapes HTML by hand.
Each record says which layer gave each fact (`sources`).

Pages are fetched only through `paperindex.net.guard.PageFetcher` (addresses checked at every
redirect, 2 MB, HTML only, one request at a time per host): a refused page is a named failure
(`refused: … (blocked-address)`), a network that cannot be reached stops the source for the run.
"""

from __future__ import annotations

import logging
import re
import warnings
from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

from ...identity import identify
from ...model import Link
from ...net import HttpError, Unreachable
from ...net.guard import PageFetcher
from ...sites import WEB, site_for
from ..polite import PoliteClient, Politeness
from ..source import Batch, Facts, MetadataSource
from ..store import Record
from ._common import clean, parse_datetime, year_of

logger = logging.getLogger(__name__)

#: schema.org types that describe the page's own work, most specific first.
WORK_TYPES = (
    "ScholarlyArticle", "Report", "Thesis", "TechArticle", "BlogPosting", "NewsArticle",
    "Article", "SoftwareSourceCode", "SoftwareApplication", "Dataset", "VideoObject", "Book",
    "CreativeWork", "WebPage",
)  # fmt: skip
_GENRES = {
    "ScholarlyArticle": "paper", "Report": "paper", "Thesis": "paper", "TechArticle": "article",
    "BlogPosting": "article", "NewsArticle": "article", "Article": "article",
    "SoftwareSourceCode": "software", "SoftwareApplication": "software", "Dataset": "dataset",
    "VideoObject": "video", "Book": "book",
}  # fmt: skip
#: Sites served by their own API source; every other host is a page.
_API_SITES = frozenset({"arxiv", "openreview", "doi", "acl", "github", "huggingface", "twitter",
                        "youtube", "bilibili"})  # fmt: skip


def _reads_pages(source: str) -> bool:
    """Pages of the web, Replicate's, and paper hosts with no API of their own (proceedings,
    publishers: `Site.page_metadata`), whose landing pages carry `citation_*` tags."""
    site = site_for(source)
    return site is WEB or source == "replicate" or bool(getattr(site, "page_metadata", False))


class PageRecord(Record):
    """What a page's metadata says, and which layer said it."""

    id: str
    """The page's canonical URL (as the catalogue has it)."""
    final_url: str
    """Where it was read, after redirects."""
    title: str | None = None
    authors: list[str] = Field(default_factory=list)
    date: str | None = None
    """ISO date (or date-time) of publication."""
    description: str | None = None
    site_name: str | None = None
    doi: str | None = None
    pdf_url: str | None = None
    venue: str | None = None
    license: str | None = None
    genre: str | None = None
    schema_type: str | None = None
    language: str | None = None
    sources: dict[str, str] = Field(default_factory=dict)
    """Field → the layer it came from (`citation_*`, `json-ld`, `microdata`, `dublin-core`,
    `opengraph`, `title`, `htmldate`)."""


class WebpageSource(MetadataSource[PageRecord]):
    """Pages and articles on any other host, through the guarded fetcher."""

    name = "webpage"
    record_type = PageRecord
    default_policy: ClassVar[Politeness] = Politeness(batch_size=1, min_interval=0.0)
    default_url = ""
    id_description = "an http(s) URL of a page"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fetcher: PageFetcher | None = None

    def ids_for(self, link: Link) -> str | None:
        if link.source in _API_SITES:
            return None
        return link.url if _reads_pages(link.source) else None

    def normalise(self, ident: str) -> str | None:
        found = identify(ident.strip())
        if found is None or (found.source in _API_SITES):
            return None
        return found.url if _reads_pages(found.source) else None

    def fetcher(self, http: PoliteClient) -> PageFetcher:
        """The run's guarded fetcher (one per source instance, so pacing per host holds)."""
        if self._fetcher is None:
            from ...net.guard import GuardPolicy

            policy = self.config.page_policy or GuardPolicy(
                timeout=self.config.timeout, user_agent=self.config.user_agent
            )
            self._fetcher = PageFetcher(policy, self.config.resolver, http.clock)
        return self._fetcher

    def fetch_batch(self, ids: list[str], http: PoliteClient) -> Batch[PageRecord]:
        batch: Batch[PageRecord] = Batch()
        fetcher = self.fetcher(http)
        for ident in ids:
            try:
                resp = fetcher.fetch(ident)
            except Unreachable as exc:
                if exc.host_unknown:
                    batch.failures[ident] = f"{exc} ({exc.kind})"
                    continue
                batch.failures[ident] = str(exc)
                batch.stop = str(exc)
                break
            except HttpError as exc:
                batch.failures[ident] = f"{exc} ({exc.kind})"
                continue
            finally:
                http.requests = fetcher.requests
            if resp.status != 200:
                batch.failures[ident] = f"HTTP {resp.status} from the page"
                continue
            record = read_page(resp.body, ident, resp.url, http.clock.now())
            if record.title is None and not record.authors and record.date is None:
                batch.failures[ident] = "the page has no title, author or date in its metadata"
                continue
            batch.records[ident] = record
        return batch

    def describe(self, record: PageRecord) -> Facts:
        return Facts(
            title=record.title or "",
            authors=tuple(record.authors),
            year=year_of(record.date),
            date=record.date or "",
            description=record.description or "",
            venue=record.venue or "",
            doi=record.doi or "",
            retrieved=record.retrieved_at.date(),
            sources=(self.name,),
            license=record.license or "",
            site=record.site_name or "",
            pdf_url=record.pdf_url or "",
            genre=record.genre or "",
        )


# --- reading a page ----------------------------------------------------------------------------


def read_page(html: bytes, ident: str, final_url: str, now: datetime) -> PageRecord:
    """A `PageRecord` from a page's HTML (see the module docstring for the layers)."""
    root = _parse(html)
    layers = [
        ("citation_*", _highwire(root)),
        *(
            (name, facts)
            for name, facts in _structured(html, final_url)
            if facts  # json-ld, microdata, dublin-core, opengraph, in that order
        ),
        ("title", {"title": clean(root.findtext(".//title")) if root is not None else ""}),
    ]
    fields: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, facts in layers:
        for key, value in facts.items():
            if value and key not in fields:
                fields[key], sources[key] = value, name
    if "date" not in fields:
        found = _htmldate(root, final_url)
        if found:
            fields["date"], sources["date"] = found, "htmldate"
    lang = root.get("lang") if root is not None else None
    return PageRecord(
        id=ident,
        final_url=final_url,
        title=fields.get("title"),
        authors=list(fields.get("authors", [])),
        date=fields.get("date"),
        description=fields.get("description"),
        site_name=fields.get("site_name"),
        doi=fields.get("doi"),
        pdf_url=fields.get("pdf_url"),
        venue=fields.get("venue"),
        license=fields.get("license"),
        genre=fields.get("genre"),
        schema_type=fields.get("schema_type"),
        language=clean(lang) or None,
        sources=sources,
        retrieved_at=now.replace(microsecond=0),
        retrieved_from=final_url,
    )


def _parse(html: bytes) -> Any:
    from lxml import etree
    from lxml import html as lxml_html

    try:
        return lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _metas(root: Any, prefix: str) -> dict[str, list[str]]:
    """`<meta name="PREFIX…" content="…">` values by lower-cased name, in page order."""
    found: dict[str, list[str]] = {}
    if root is None:
        return found
    for meta in root.iter("meta"):
        name = (meta.get("name") or "").strip().lower()
        content = clean(meta.get("content"))
        if name.startswith(prefix) and content:
            found.setdefault(name, []).append(content)
    return found


def _highwire(root: Any) -> dict[str, Any]:
    tags = _metas(root, "citation_")

    def first(*names: str) -> str:
        return next((tags[n][0] for n in names if n in tags), "")

    title = first("citation_title")
    date = first("citation_publication_date", "citation_date", "citation_online_date")
    return {
        "title": title,
        "authors": [_person(a) for a in tags.get("citation_author", [])],
        "date": _iso(date),
        "doi": first("citation_doi").removeprefix("doi:"),
        "pdf_url": first("citation_pdf_url"),
        "venue": first(
            "citation_conference_title", "citation_journal_title", "citation_inbook_title"
        ),
        "genre": "paper" if title else "",
    }


def _person(name: str) -> str:
    """`Example, Ada` → `Ada Example` (Highwire writes either form)."""
    last, comma, first = name.partition(",")
    return clean(f"{first} {last}") if comma and first.strip() and "," not in first else name


def _iso(value: str) -> str:
    parsed = parse_datetime(value)
    if parsed is None:
        return ""
    if re.fullmatch(r"\d{4}", value.strip()):
        return value.strip()
    return parsed.date().isoformat()


def _structured(html: bytes, url: str) -> list[tuple[str, dict[str, Any]]]:
    """(layer, facts) from extruct's JSON-LD, microdata, Dublin Core and OpenGraph."""
    try:
        import extruct  # type: ignore[import-untyped]

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = extruct.extract(
                html, base_url=url, uniform=True, errors="ignore",
                syntaxes=["json-ld", "microdata", "dublincore", "opengraph"],
            )  # fmt: skip
    except Exception as exc:  # a page extruct cannot read still has its <title>
        logger.info("%s: structured data not read (%s)", url, exc)
        return []
    return [
        ("json-ld", _schema_org(data.get("json-ld") or [])),
        ("microdata", _schema_org(data.get("microdata") or [])),
        ("dublin-core", _dublin_core(data.get("dublincore") or [])),
        ("opengraph", _opengraph(data.get("opengraph") or [])),
    ]


def _nodes(items: list[Any]) -> list[dict[str, Any]]:
    """Every schema.org node, `@graph`s flattened."""
    found: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, dict):
            graph = item.get("@graph")
            if isinstance(graph, list):
                found += _nodes(graph)
            else:
                found.append(item)
        elif isinstance(item, list):
            found += _nodes(item)
    return found


def _types(node: dict[str, Any]) -> list[str]:
    kind = node.get("@type")
    names = kind if isinstance(kind, list) else [kind]
    return [str(k).rsplit("/", 1)[-1] for k in names if k]


def _schema_org(items: list[Any]) -> dict[str, Any]:
    nodes = _nodes(items)
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    ranked = [
        (WORK_TYPES.index(t), i, n)
        for i, n in enumerate(nodes)
        for t in _types(n)[:1]
        if t in WORK_TYPES
    ]
    if not ranked:
        return {}
    _, _, node = min(ranked, key=lambda r: (r[0], r[1]))
    kind = _types(node)[0]
    if kind == "WebPage":  # a page about itself says least: take only what it says directly
        return {"title": _text(node.get("name")), "date": _iso(_text(node.get("datePublished")))}
    people = node.get("author") or node.get("creator") or []
    publisher = _resolve(node.get("publisher"), by_id)
    return {
        "title": _text(node.get("headline")) or _text(node.get("name")),
        "authors": [n for n in (_name(_resolve(p, by_id)) for p in _list(people)) if n],
        "date": _iso(
            _text(node.get("datePublished"))
            or _text(node.get("dateCreated"))
            or _text(node.get("uploadDate"))
        ),
        "description": _text(node.get("description")),
        "license": _licence(node.get("license")),
        "site_name": _name(publisher),
        "genre": _GENRES.get(kind, ""),
        "schema_type": kind,
    }


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _resolve(value: Any, by_id: dict[str, dict[str, Any]]) -> Any:
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in by_id:
        return by_id[value["@id"]]
    return value


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name") or ""
    return clean(value) if isinstance(value, str) else ""


def _name(value: Any) -> str:
    if isinstance(value, str):
        return "" if value.startswith(("http://", "https://")) else clean(value)
    if isinstance(value, dict):
        return _text(value.get("name"))
    return ""


def _licence(value: Any) -> str:
    text = _text(value) if not isinstance(value, str) else clean(value)
    match = re.search(r"spdx\.org/licenses/([\w.+-]+)", text)
    return match[1] if match else text


def _dublin_core(items: list[Any]) -> dict[str, Any]:
    values: dict[str, list[str]] = {}
    for item in items:
        for element in [*(item.get("elements") or []), *(item.get("terms") or [])]:
            name = str(element.get("URI") or element.get("name") or "").rsplit("/", 1)[-1]
            content = clean(element.get("content"))
            if content:
                values.setdefault(name.lower(), []).append(content)

    def first(*names: str) -> str:
        return next((values[n][0] for n in names if n in values), "")

    return {
        "title": first("title"),
        "authors": values.get("creator", []),
        "date": _iso(first("issued", "date", "created")),
        "description": first("description", "abstract"),
    }


def _opengraph(items: list[Any]) -> dict[str, Any]:
    og: dict[str, Any] = {}
    for item in items:
        for key, value in item.items():
            og.setdefault(key, value)
    authors = [a for a in _list(og.get("article:author") or []) if isinstance(a, str)]
    return {
        "title": _text(og.get("og:title")),
        "authors": [clean(a) for a in authors if not a.startswith(("http://", "https://"))],
        "date": _iso(_text(og.get("article:published_time"))),
        "description": _text(og.get("og:description")),
        "site_name": _text(og.get("og:site_name")),
    }


def structured_date(html: bytes, url: str) -> datetime | None:
    """The publication (or upload) date a page's JSON-LD or microdata gives, or None."""
    for _, facts in _structured(html, url)[:2]:
        if facts.get("date"):
            return parse_datetime(facts["date"])
    return None


def _htmldate(root: Any, url: str) -> str:
    """A date htmldate finds in the page's text or URL.  It is given the parsed tree, never a
    string: a string that looks like a URL would make htmldate download it, past the guard."""
    if root is None:
        return ""
    try:
        from htmldate import find_date

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = find_date(root, url=url, original_date=True)
    except Exception as exc:  # a heuristic that fails has found nothing
        logger.info("%s: htmldate found no date (%s)", url, exc)
        return ""
    return str(found or "")
