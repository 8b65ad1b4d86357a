"""OpenReview (API v2): `GET /notes?id={forum}` for the forums the catalogue cites or that
metadata named for a work.

Plain requests through `PoliteClient`, not `openreview-py`: the package retries eight times at
0.1 s and would need credentials for some calls; here one anonymous request per forum, 1 s
apart (OpenReview documents no limit, and anonymous reads sit behind a bot check), with the
refresh's backoff and stop.  A 403 whose body is not OpenReview's JSON is that bot check: the
service is unavailable, not the paper unknown, so the source's run stops.

What it says, in `Facts`: title, authors, abstract, the year (of `pdate`, else `odate`, else
`cdate`, epoch milliseconds), and — only when the paper was accepted — its venue without the
presentation type (`ICLR 2024 poster` → `ICLR 2024`).  Accepted means a `venueid` that is set,
is not a submission (`…/Submission`, `…/Rejected_Submission`, `…/Desk_Rejected_Submission`)
and is not DBLP's import (`dblp.org/…`).  A withdrawn paper is a failure, named as such.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

from pydantic import Field

from ...model import Kind, Link
from ...net import HttpResponse
from ...sites import key_of
from ...sites.papers import identity_of
from ..identities import id_at, unknown
from ..polite import FetchError, PoliteClient, Politeness
from ..source import Batch, Facts, MetadataSource
from ..store import Record

DEFAULT_API_URL = "https://api2.openreview.net"
SERVICE = "OpenReview"
_FORUM_ID = re.compile(r"[A-Za-z0-9_-]{5,24}")
_PRESENTATION = re.compile(
    r"\s*[(\[]?\b(oral|poster|spotlight|notable[- ]top[- ]\d+%|top[- ]\d+%|(invited|contributed) "
    r"talk|accept(ed)?)(?![\w%])[)\]]?\s*$",
    re.I,
)
_YEAR = re.compile(r"\b(19|20)\d{2}\b")


class OpenReviewRecord(Record):
    """OpenReview's note of one submission (the content fields used here)."""

    id: str
    forum: str = ""
    title: str = ""
    authors: list[str] = Field(default_factory=list)
    abstract: str = ""
    venue: str = ""
    """`content.venue`: `ICLR 2024 poster`, `Submitted to ICLR 2024`, …"""
    venueid: str = ""
    """`content.venueid`: `ICLR.cc/2024/Conference`, `…/Rejected_Submission`, …"""
    pdate: int | None = None
    odate: int | None = None
    cdate: int | None = None


def accepted(record: OpenReviewRecord) -> bool:
    """True when the note says the paper was accepted (see the module docstring)."""
    venueid = record.venueid
    if not venueid or venueid.endswith("Submission") or venueid.startswith("dblp.org"):
        return False
    return not record.venue.lower().startswith(("submitted to", "under review"))


def withdrawn(record: OpenReviewRecord) -> bool:
    """True for a withdrawn submission."""
    return record.venueid.endswith("Withdrawn_Submission") or "withdrawn" in record.venue.lower()


def clean_venue(venue: str) -> str:
    """`ICLR 2023 notable top 25%` → `ICLR 2023`: the venue without the presentation type."""
    venue = " ".join(venue.split())
    while True:
        shorter = _PRESENTATION.sub("", venue)
        if shorter == venue or not shorter:
            return venue
        venue = shorter


class OpenReviewSource(MetadataSource[OpenReviewRecord]):
    """OpenReview forums, one request each."""

    name = "openreview"
    record_type = OpenReviewRecord
    default_policy: ClassVar[Politeness] = Politeness(batch_size=1, min_interval=1.0)
    default_url = DEFAULT_API_URL
    id_description = "an OpenReview forum id"
    home_sites: ClassVar[tuple[str, ...]] = ("openreview",)

    sites: ClassVar[frozenset[str] | None] = frozenset({"openreview"})

    def ids_for(self, link: Link) -> str | None:
        return id_at(link, "openreview") if link.kind is Kind.PAPER else None

    def normalise(self, ident: str) -> str | None:
        ident = ident.strip()
        return ident if _FORUM_ID.fullmatch(ident) else None

    def fetch_batch(self, ids: list[str], http: PoliteClient) -> Batch[OpenReviewRecord]:
        batch: Batch[OpenReviewRecord] = Batch()
        for forum in ids:
            url = f"{self.config.base_url.rstrip('/')}/notes?{urlencode({'id': forum})}"
            try:
                resp = http.get(url, headers={"Accept": "application/json"}, check=_check)
            except FetchError as exc:
                batch.failures[forum] = str(exc)
                batch.stop = str(exc) if exc.stop else ""
                return batch
            error = _error(resp)
            if resp.status == 403 and error is None:  # not OpenReview's JSON: a bot check
                why = f"{SERVICE} refused anonymous access (HTTP 403, not its JSON: a bot check)"
                batch.failures[forum] = why
                batch.stop = why
                return batch
            if resp.status == 404:
                batch.failures[forum] = unknown(SERVICE)
            elif resp.status != 200:
                batch.failures[forum] = f"HTTP {resp.status} from {SERVICE}: {error or ''}".strip()
            else:
                notes = json.loads(resp.body).get("notes") or []
                note = next((n for n in notes if n.get("id") == forum), None)
                if note is None:
                    batch.failures[forum] = unknown(SERVICE)
                    continue
                record = to_record(note, url, http.clock.now())
                if withdrawn(record):
                    batch.failures[forum] = f"withdrawn: {record.venue or record.venueid}"
                    continue
                batch.records[forum] = record
        return batch

    def describe(self, record: OpenReviewRecord) -> Facts:
        when = record.pdate or record.odate or record.cdate
        date = datetime.fromtimestamp(when / 1000, UTC).date().isoformat() if when else ""
        venue = clean_venue(record.venue) if accepted(record) else ""
        year = _YEAR.search(venue)
        own = identity_of("openreview", record.forum or record.id)
        return Facts(
            title=record.title,
            authors=tuple(record.authors),
            year=date[:4],
            date=date,
            abstract=record.abstract,
            venue=venue if year or not venue else f"{venue} {date[:4]}".strip(),
            retrieved=record.retrieved_at.date(),
            sources=(self.name,),
            identities=(key_of(own),) if own is not None else (),
        )


def _value(content: Mapping[str, Any], name: str) -> Any:
    """A content field of API v2 (`{"value": …}`) or v1 (the bare value)."""
    field = content.get(name)
    return field.get("value") if isinstance(field, dict) else field


def to_record(note: Mapping[str, Any], url: str, now: datetime) -> OpenReviewRecord:
    """An `OpenReviewRecord` from one note."""
    content = note.get("content") or {}
    authors = _value(content, "authors") or []

    def ms(name: str) -> int | None:
        value = note.get(name)
        return value if isinstance(value, int) and value > 0 else None

    return OpenReviewRecord(
        id=str(note.get("id") or ""),
        forum=str(note.get("forum") or ""),
        title=" ".join(str(_value(content, "title") or "").split()),
        authors=[str(a) for a in authors if a] if isinstance(authors, list) else [],
        abstract=" ".join(str(_value(content, "abstract") or "").split()),
        venue=str(_value(content, "venue") or ""),
        venueid=str(_value(content, "venueid") or ""),
        pdate=ms("pdate"),
        odate=ms("odate"),
        cdate=ms("cdate"),
        retrieved_at=now.replace(microsecond=0),
        retrieved_from=url,
    )


def _check(resp: HttpResponse) -> str | None:
    try:
        data = json.loads(resp.body)
    except ValueError:
        return "malformed JSON from OpenReview"
    if not isinstance(data, dict) or not isinstance(data.get("notes"), list):
        return "OpenReview's answer is not a list of notes"
    return None


def _error(resp: HttpResponse) -> str | None:
    """OpenReview's error (`{"name": "ForbiddenError", "message": …}`), or None for a body that
    is not its JSON."""
    try:
        data = json.loads(resp.body)
    except ValueError:
        return None
    if isinstance(data, dict) and (data.get("name") or data.get("message")):
        return f"{data.get('name', 'Error')}: {str(data.get('message', ''))[:120]}"
    return None
