"""Hugging Face Hub models, datasets and spaces: `GET /api/{models,datasets,spaces}/{id}`.

What is kept: the canonical id (legacy owner-less ids such as `gpt2` or `bookcorpus` now live
under an organisation; the Hub answers for the old id, with a redirect or with the new id in the
body), author, card data (licence, language, tags, pretty name), `arxiv:` tags (links to the
papers: `Facts.related`), created and last-modified dates, and a dataset card's citation block.
A card's citation, like a CITATION.cff's preferred citation, gives the title, authors and year to
cite; otherwise the card's pretty name, the author and the creation year.

An unknown, private or gated repository answers 401/404 with `X-Error-Code: RepoNotFound`: a
named failure.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

from pydantic import Field

from ...model import Kind, Link
from ..polite import FetchError, PoliteClient, Politeness
from ..source import Batch, Facts, MetadataSource
from ..store import Record
from ._common import bibtex_citation, check_json, clean, json_body, parse_datetime, year_of

_KINDS = {Kind.MODEL: "models", Kind.DATASET: "datasets", Kind.PAGE: "spaces"}
_SINGULAR = {"models": "model", "datasets": "dataset", "spaces": "space"}
_ID = re.compile(r"(models|datasets|spaces)/([\w.-]+(?:/[\w.-]+)?)")
_ARXIV_TAG = re.compile(r"arxiv:(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})", re.I)


class HubRecord(Record):
    """The Hub's record of a model, dataset or space."""

    id: str
    """As cited, with its type: `models/gpt2`, `datasets/Skywork/SkyPile-150B`."""
    repo_type: str
    """`models`, `datasets` or `spaces`."""
    canonical_id: str
    """The repository's id now (`openai-community/gpt2` for the legacy `gpt2`)."""
    author: str | None = None
    pretty_name: str | None = None
    license: str | None = None
    languages: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    arxiv: list[str] = Field(default_factory=list)
    """arXiv ids from the `arxiv:` tags."""
    created_at: datetime | None = None
    last_modified: datetime | None = None
    description: str | None = None
    citation: str | None = None
    """The card's citation block (BibTeX), when it has one."""
    citation_title: str | None = None
    citation_authors: list[str] = Field(default_factory=list)
    citation_year: str | None = None
    citation_doi: str | None = None


class HuggingFaceSource(MetadataSource[HubRecord]):
    """Models, datasets and spaces on the Hugging Face Hub."""

    name = "huggingface"
    record_type = HubRecord
    default_policy: ClassVar[Politeness] = Politeness(batch_size=1, min_interval=1.0)
    default_url = "https://huggingface.co"
    id_description = "a Hub id with its type (models/ID, datasets/ID, spaces/ID)"

    sites: ClassVar[frozenset[str] | None] = frozenset({"huggingface"})

    def ids_for(self, link: Link) -> str | None:
        if link.source != "huggingface" or link.kind not in _KINDS:
            return None
        return f"{_KINDS[link.kind]}/{link.id}"

    def normalise(self, ident: str) -> str | None:
        ident = ident.strip().strip("/")
        return ident if _ID.fullmatch(ident) else None

    def fetch_batch(self, ids: list[str], http: PoliteClient) -> Batch[HubRecord]:
        batch: Batch[HubRecord] = Batch()
        for ident in ids:
            try:
                batch.records[ident] = self._fetch(ident, http)
            except FetchError as exc:
                batch.failures[ident] = str(exc)
                if exc.stop:
                    batch.stop = str(exc)
                    rest = ids[ids.index(ident) + 1 :]
                    batch.failures.update(dict.fromkeys(rest, f"not asked: {exc}"))
                    break
        return batch

    def _fetch(self, ident: str, http: PoliteClient) -> HubRecord:
        repo_type, _, repo_id = ident.partition("/")
        base = self.config.base_url.rstrip("/")
        url = f"{base}/api/{repo_type}/{quote(repo_id, safe='/')}"
        headers = {"Authorization": f"Bearer {self.config.api_key}"} if self.config.api_key else {}
        resp = http.get(url, headers=headers, check=check_json)
        for _ in range(3):  # renamed repositories answer 307 with a relative Location
            location = resp.header("Location") or ""
            if resp.status not in (301, 302, 307, 308) or not location:
                break
            url = base + location if location.startswith("/") else location
            if not url.startswith(base + "/"):
                raise FetchError(f"the Hub redirected outside its API ({location[:80]!r})")
            resp = http.get(url, headers=headers, check=check_json)
        what = _SINGULAR[repo_type]
        if resp.status in (401, 403, 404):
            code = resp.header("X-Error-Code") or f"HTTP {resp.status}"
            raise FetchError(
                f"no such public {what} on the Hub ({code}: unknown, private or gated)"
            )
        if resp.status != 200:
            raise FetchError(f"HTTP {resp.status} from the Hub (not retried)")
        info = json_body(resp, f"Hub {what}")
        if not isinstance(info, dict):
            raise FetchError(f"the Hub's answer is not a {what}")
        card: dict[str, Any] = info["cardData"] if isinstance(info.get("cardData"), dict) else {}
        tags = [t for t in info.get("tags") or [] if isinstance(t, str)]
        cited = bibtex_citation(info.get("citation") or "") if info.get("citation") else None
        return HubRecord(
            id=ident,
            repo_type=repo_type,
            canonical_id=clean(info.get("id")) or repo_id,
            author=clean(info.get("author")) or None,
            pretty_name=clean(card.get("pretty_name")) or clean(card.get("title")) or None,
            license=_licence(card.get("license"), tags),
            languages=_strings(card.get("language")),
            tags=tags,
            arxiv=list(dict.fromkeys(m[1] for t in tags if (m := _ARXIV_TAG.fullmatch(t)))),
            created_at=parse_datetime(info.get("createdAt")),
            last_modified=parse_datetime(info.get("lastModified")),
            description=clean(info.get("description")) or None,
            citation=(info.get("citation") or "").strip() or None,
            citation_title=cited["title"] if cited else None,
            citation_authors=cited["authors"] if cited else [],
            citation_year=(cited["year"] or None) if cited else None,
            citation_doi=(cited["doi"] or None) if cited else None,
            retrieved_at=http.clock.now().replace(microsecond=0),
            retrieved_from=url,
        )

    def describe(self, record: HubRecord) -> Facts:
        name = record.canonical_id.rsplit("/", 1)[-1]
        created = record.created_at
        return Facts(
            title=record.citation_title or record.pretty_name or name,
            authors=tuple(record.citation_authors) or ((record.author,) if record.author else ()),
            year=record.citation_year or year_of(created),
            date=created.isoformat() if created else "",
            description=record.description or "",
            doi=record.citation_doi or "",
            retrieved=record.retrieved_at.date(),
            sources=(self.name,),
            license=record.license or "",
            site="Hugging Face",
            related=tuple(f"https://arxiv.org/abs/{a}" for a in record.arxiv),
            genre={"models": "software", "datasets": "dataset"}.get(record.repo_type, ""),
        )


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [clean(value)] if clean(value) else []
    if isinstance(value, list):
        return [clean(v) for v in value if clean(v)]
    return []


def _licence(card_value: Any, tags: list[str]) -> str | None:
    found = _strings(card_value)
    if found:
        return ", ".join(found)
    return next((t.removeprefix("license:") for t in tags if t.startswith("license:")), None)
