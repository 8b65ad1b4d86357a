"""Small pieces the web sources share: reading JSON answers, dates, names, citation blocks."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from ...net import HttpResponse
from ..polite import FetchError
from ..source import Batch, R

_SPACES = re.compile(r"\s+")


def fetch_each(ids: Sequence[str], fetch_one: Callable[[str], R]) -> Batch[R]:
    """A batch of one request per id: each failure is that id's; one that says the service is
    failing (`FetchError.stop`: rate-limited, down) ends the batch, the later ids unasked."""
    batch: Batch[R] = Batch()
    for ident in ids:
        try:
            batch.records[ident] = fetch_one(ident)
        except FetchError as exc:
            batch.failures[ident] = str(exc)
            if exc.stop:
                batch.stop = str(exc)
                break
    return batch


def clean(text: Any) -> str:
    """`text` as one line of plain text ("" for None and non-strings)."""
    return _SPACES.sub(" ", text).strip() if isinstance(text, str) else ""


def json_body(resp: HttpResponse, what: str) -> Any:
    """The JSON of an answer, or `FetchError` naming `what` was not JSON."""
    try:
        return json.loads(resp.body)
    except ValueError:
        snippet = clean(resp.body[:60].decode("utf-8", "replace"))
        raise FetchError(f"{what}: the answer is not JSON ({snippet!r})") from None


def check_json(resp: HttpResponse) -> str | None:
    """For `PoliteClient.get(check=...)`: why a 2xx answer is not JSON (a truncated or HTML
    answer is worth another try), or None."""
    try:
        json.loads(resp.body)
    except ValueError:
        return "the answer is not complete JSON"
    return None


def parse_datetime(value: Any) -> datetime | None:
    """An ISO 8601 date or date-time (`Z` allowed; a date is midnight UTC), or None."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("/", "-")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        match = re.match(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", text)
        if not match:
            return None
        try:
            parsed = datetime(int(match[1]), int(match[2] or 1), int(match[3] or 1))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def year_of(value: Any) -> str:
    """The four-digit year of a date, a date-time, an ISO string or an int, else ""."""
    if isinstance(value, int) and 1000 <= value <= 9999:
        return str(value)
    if isinstance(value, str) and re.fullmatch(r"\d{4}", value.strip()):
        return value.strip()
    parsed = parse_datetime(value)
    return f"{parsed.year:04d}" if parsed else ""


def bibtex_citation(text: str) -> dict[str, Any] | None:
    """The first entry of a BibTeX citation block (a dataset card's `citation`) as
    {title, authors, year, doi}, or None when it has none with a title."""
    if "@" not in text:
        return None
    try:
        import bibtexparser

        library = bibtexparser.parse_string(text)
    except Exception:  # a hand-written block: anything may be wrong with it
        return None
    for entry in library.entries:
        fields = {f.key.lower(): f.value for f in entry.fields}
        title = clean(str(fields.get("title", "")).replace("{", "").replace("}", ""))
        if not title:
            continue
        authors = [
            bibtex_name(a) for a in re.split(r"\s+and\s+", str(fields.get("author", ""))) if a
        ]
        return {
            "title": title,
            "authors": [a for a in authors if a],
            "year": year_of(str(fields.get("year", "")).strip("{} ")),
            "doi": clean(str(fields.get("doi", ""))),
        }
    return None


def bibtex_name(name: str) -> str:
    """`Example, Ada` → `Ada Example`; braces dropped."""
    name = clean(name.replace("{", "").replace("}", ""))
    last, comma, first = name.partition(",")
    if comma and "," not in first:
        return clean(f"{first} {last}")
    return name
