"""arXiv: the first metadata source, over the arXiv API and the `arxiv` package's feed parser.

The `arxiv` package (4.0.x) parses the API's Atom feed into `arxiv.Result`s well, but its `Client`
sets no request timeout, retries at a fixed 3 s with no backoff, ignores `Retry-After`, and its
`Search.max_results` silently truncates long id lists.  So requests go through our own
`PoliteClient` (batches of at most 100 ids — longer lists get HTTP 414 —, 3 s apart as the API
terms ask, a deadline on the whole answer, backoff honouring `Retry-After`) and each body is handed
to the package's parser, after a strict XML check (its lenient parser would accept a truncated
feed).  What comes back is checked against what was asked: matched by id in any order, error
entries turned into per-id failures, ids missing from an answer asked for once more, then
reported; two entries for one id are an anomaly, reported, and the later version is kept.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

from ...model import Link
from ...net import HttpResponse
from ...sites.arxiv import parse_arxiv_id
from ..identities import id_at
from ..polite import FetchError, PoliteClient, Politeness
from ..source import Batch, Facts, MetadataSource
from ..store import Record

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://export.arxiv.org/api/query"
MIN_DELAY = 3.0
"""Seconds between requests that arXiv's API terms ask for."""
_SPACES = re.compile(r"\s+")


class ArxivRecord(Record):
    """arXiv's record of one paper (the fields of the API's Atom entry), and its provenance."""

    id: str
    """Versionless arXiv id."""
    version: str
    """Latest version (`v3`)."""
    title: str
    authors: list[str]
    abstract: str
    published: datetime
    """When v1 appeared."""
    updated: datetime
    """When the latest version appeared."""
    primary_category: str
    categories: list[str]
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    pdf_url: str | None = None

    @property
    def year(self) -> str:
        """Year of v1: what a citation of the paper uses (arXiv's own export drifts to the
        latest version's year)."""
        return str(self.published.year)


@dataclass
class _Answer:
    found: dict[str, ArxivRecord] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    anomalies: dict[str, str] = field(default_factory=dict)


class ArxivSource(MetadataSource[ArxivRecord]):
    """Papers cited on arXiv (or by an arXiv id anywhere)."""

    name = "arxiv"
    record_type = ArxivRecord
    default_policy: ClassVar[Politeness] = Politeness(batch_size=100, min_interval=MIN_DELAY)
    default_url = DEFAULT_API_URL
    id_description = "a versionless arXiv identifier"

    sites: ClassVar[frozenset[str] | None] = frozenset({"arxiv"})

    def ids_for(self, link: Link) -> str | None:
        return id_at(link, "arxiv")  # its own id, or an alias: the arXiv version of a work

    def normalise(self, ident: str) -> str | None:
        """`2312.00752v2` → `2312.00752`: a refresh always fetches the latest version."""
        parsed = parse_arxiv_id(ident.strip())
        return parsed[0] if parsed else None

    def fetch_batch(self, ids: list[str], http: PoliteClient) -> Batch[ArxivRecord]:
        batch: Batch[ArxivRecord] = Batch()
        pending = list(ids)
        for round_ in (1, 2):  # ids missing from an answer are asked for once more
            answer = _Answer()
            try:
                self._query(pending, answer, http)
            except FetchError as exc:
                if exc.stop:
                    batch.stop = str(exc)
                batch.failures.update(dict.fromkeys(pending, str(exc)))
                batch.anomalies.update(answer.anomalies)
                return batch
            batch.failures.update(answer.errors)
            batch.anomalies.update(answer.anomalies)
            batch.records.update({i: r for i, r in answer.found.items() if i in pending})
            pending = [i for i in pending if i not in answer.found and i not in answer.errors]
            if not pending:
                return batch
            logger.info("round %d: %d id(s) missing from the answer", round_, len(pending))
        for i in pending:
            batch.failures[i] = "arXiv returned no record for this id (unknown or withdrawn id?)"
        return batch

    def _query(self, ids: list[str], answer: _Answer, http: PoliteClient) -> None:
        """All pages for one id list, into `answer` (records, errors and anomalies by id)."""
        from arxiv import _feed  # the package's own Atom parser

        start = 0
        asked = set(ids)
        while True:
            url = f"{self.config.base_url}?" + urlencode(
                {"id_list": ",".join(ids), "start": start, "max_results": len(ids) - start}
            )
            resp = http.get(url, check=_check_atom)
            if resp.status != 200:
                raise FetchError(f"HTTP {resp.status} from the arXiv API (not retried)")
            feed = _feed.parse(resp.body)
            entries = list(feed.results)
            for entry in entries:
                if entry.title == "Error" and "api/errors" in entry.entry_id:
                    message = _SPACES.sub(" ", entry.summary).strip()
                    named = [i for i in ids if i in message]
                    if not named:
                        raise FetchError(f"arXiv answered with an error: {message}")
                    for i in named:
                        answer.errors[i] = f"arXiv error: {message}"
                    continue
                record = to_record(entry, url, http.clock.now())
                if record is None:
                    continue
                if record.id not in asked:
                    answer.anomalies[record.id] = "in the answer without being asked for; ignored"
                elif record.id in answer.found:
                    _keep_latest(answer, record)
                else:
                    answer.found[record.id] = record
            start += len(entries)
            total = feed.header.total_results
            if answer.errors and not answer.found:
                # one bad id fails the whole query at arXiv: ask again without it
                rest = [i for i in ids if i not in answer.errors]
                if rest and rest != ids:
                    self._query(rest, answer, http)
                return
            if not entries or start >= min(total, len(ids)):
                return

    def describe(self, record: ArxivRecord) -> Facts:
        return Facts(
            title=record.title,
            authors=tuple(record.authors),
            year=record.year,
            date=record.published.isoformat(),
            abstract=record.abstract,
            venue=record.journal_ref or "",
            doi=record.doi or "",
            categories=tuple(record.categories),
            primary_category=record.primary_category,
            retrieved=record.retrieved_at.date(),
            sources=(self.name,),
        )

    def describe_change(self, old: ArxivRecord, new: ArxivRecord) -> str:
        if old.version != new.version:
            return f"new version {old.version} → {new.version}"
        return super().describe_change(old, new)


def _version_number(version: str) -> int:
    digits = version.lstrip("v")
    return int(digits) if digits.isdigit() else 0


def _keep_latest(answer: _Answer, record: ArxivRecord) -> None:
    """Two entries for one id: keep the later version (then the later update), and say so."""
    old = answer.found[record.id]
    versions = sorted({old.version, record.version}, key=_version_number)
    if (_version_number(record.version), record.updated) > (
        _version_number(old.version),
        old.updated,
    ):
        answer.found[record.id] = record
    kept = answer.found[record.id].version
    answer.anomalies[record.id] = (
        f"arXiv sent more than one entry for this id ({', '.join(versions)}); kept {kept}"
    )


def _check_atom(resp: HttpResponse) -> str | None:
    """Why the body is not a complete Atom feed, or None.

    The package's parser recovers from broken XML, which would accept a truncated response as a
    shorter list of entries, the last one cut mid-abstract; a strict parse first refuses it.
    """
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        root = etree.fromstring(resp.body, parser=parser)
    except etree.XMLSyntaxError as exc:
        return f"malformed or truncated XML ({_short(exc)})"
    if root is None or root.tag != "{http://www.w3.org/2005/Atom}feed":
        return "the answer is not an Atom feed"
    return None


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 160 else text[:157] + "..."


def to_record(result: Any, url: str, now: datetime) -> ArxivRecord | None:
    """An `ArxivRecord` from an `arxiv.Result`, or None when its id is not an arXiv id."""
    short = result.entry_id.rsplit("/abs/", 1)[-1]
    parsed = parse_arxiv_id(short)
    if parsed is None:
        return None
    ident, version = parsed
    return ArxivRecord(
        id=ident,
        version=version or "v1",
        title=_SPACES.sub(" ", result.title).strip(),
        authors=[a.name for a in result.authors],
        abstract=_SPACES.sub(" ", result.summary).strip(),
        published=result.published,
        updated=result.updated,
        primary_category=result.primary_category,
        categories=list(result.categories),
        comment=result.comment or None,
        journal_ref=result.journal_ref or None,
        doi=result.doi or None,
        pdf_url=result.pdf_url or None,
        retrieved_at=now.replace(microsecond=0),
        retrieved_from=url,
    )
