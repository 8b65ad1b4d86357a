"""A polite, fault-tolerant arXiv API client around the `arxiv` package.

The `arxiv` package (4.0.x) parses the API's Atom feed into `arxiv.Result`s well, but its `Client`
sets no request timeout, retries at a fixed 3 s with no backoff, ignores `Retry-After`, and its
`Search.max_results` silently truncates long id lists.  So this module drives the HTTP itself and
hands each response body to the package's parser:

* batches of at most 100 ids per request (longer lists get HTTP 414), one connection at a time,
  at least `delay` seconds between requests (the API terms ask for 3), a User-Agent naming us;
* a deadline on the whole response, not just on each socket read;
* 429/503/timeouts/resets back off exponentially, honour `Retry-After`, and stop after
  `max_attempts`; a wait longer than `max_wait` ends the batch instead of hanging;
* what comes back is checked against what was asked: matched by id in any order, error entries
  turned into per-id failures, ids missing from an answer asked for once more, then reported.

Only `base_url` is ever contacted.
"""

from __future__ import annotations

import email.utils
import logging
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlencode

from . import __version__
from .identity import parse_arxiv_id
from .metadata import ArxivRecord

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://export.arxiv.org/api/query"
USER_AGENT = f"paperindex/{__version__} (reference catalogue tool; python-requests)"
_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
_SPACES = re.compile(r"\s+")


class Clock(Protocol):
    """Time as the client sees it; tests inject a fake one so no test sleeps for real."""

    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class ApiConfig:
    """How to talk to the arXiv API."""

    base_url: str = DEFAULT_API_URL
    """The query endpoint; a mirror or a local test server."""
    timeout: float = 30.0
    """Seconds allowed for one whole request, connection to last byte."""
    delay: float = 3.0
    """Seconds between the end of one request and the start of the next."""
    batch_size: int = 100
    """Ids per request; arXiv answers HTTP 414 to much longer lists."""
    max_attempts: int = 4
    """Tries per request, the first included."""
    backoff: float = 5.0
    """First wait after a 429/503/timeout; doubles on each retry."""
    max_wait: float = 120.0
    """Longest single wait; a Retry-After beyond it gives up on the batch."""
    user_agent: str = USER_AGENT


class FetchError(Exception):
    """One request failed for good (after its retries)."""


@dataclass
class FetchResult:
    """Records by id, failures by id with a reason, and how many HTTP requests were made."""

    records: dict[str, ArxivRecord] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    requests: int = 0


class ArxivClient:
    """Fetches arXiv records by id, politely."""

    def __init__(
        self,
        config: ApiConfig | None = None,
        session: Any = None,
        clock: Clock | None = None,
    ) -> None:
        import requests

        self.config = config or ApiConfig()
        self.session = session or requests.Session()
        self.clock = clock or SystemClock()
        self.requests = 0
        self._last_end: float | None = None

    def fetch(self, ids: Iterable[str]) -> FetchResult:
        """Fetch the records of `ids` (versionless arXiv ids)."""
        total = FetchResult()
        for part in self.fetch_batches(ids):
            total.records.update(part.records)
            total.failures.update(part.failures)
        total.requests = self.requests
        return total

    def fetch_batches(self, ids: Iterable[str]) -> Iterator[FetchResult]:
        """One result per batch of at most `batch_size` ids, as each batch completes."""
        wanted = list(dict.fromkeys(ids))
        invalid = FetchResult()
        for i in wanted:
            parsed = parse_arxiv_id(i)
            if parsed is None or parsed[1]:
                invalid.failures[i] = "not a versionless arXiv identifier"
        if invalid.failures:
            yield invalid
        wanted = [i for i in wanted if i not in invalid.failures]
        size = max(1, min(self.config.batch_size, 100))
        for start in range(0, len(wanted), size):
            result = FetchResult()
            self._fetch_batch(wanted[start : start + size], result)
            result.requests = self.requests
            yield result

    def _fetch_batch(self, batch: list[str], result: FetchResult) -> None:
        pending = list(batch)
        for round_ in (1, 2):  # ids missing from an answer are asked for once more
            try:
                found, errors = self._query(pending)
            except FetchError as exc:
                for i in pending:
                    result.failures[i] = str(exc)
                return
            for i, reason in errors.items():
                result.failures[i] = reason
            result.records.update({i: r for i, r in found.items() if i in pending})
            pending = [i for i in pending if i not in found and i not in errors]
            if not pending:
                return
            logger.info("round %d: %d id(s) missing from the answer", round_, len(pending))
        for i in pending:
            result.failures[i] = "arXiv returned no record for this id (unknown or withdrawn id?)"

    def _query(self, ids: list[str]) -> tuple[dict[str, ArxivRecord], dict[str, str]]:
        """All pages for one id list: (records by id, errors by id)."""
        found: dict[str, ArxivRecord] = {}
        errors: dict[str, str] = {}
        start = 0
        while True:
            url = f"{self.config.base_url}?" + urlencode(
                {"id_list": ",".join(ids), "start": start, "max_results": len(ids) - start}
            )
            feed = self._get_feed(url)
            entries = list(feed.results)
            for entry in entries:
                if entry.title == "Error" and "api/errors" in entry.entry_id:
                    message = _SPACES.sub(" ", entry.summary).strip()
                    named = [i for i in ids if i in message]
                    if not named:
                        raise FetchError(f"arXiv answered with an error: {message}")
                    for i in named:
                        errors[i] = f"arXiv error: {message}"
                    continue
                record = to_record(entry, url, self.clock.now())
                if record is not None and record.id in ids:
                    found[record.id] = record
            start += len(entries)
            total = feed.header.total_results
            if errors and not found:
                # one bad id fails the whole query at arXiv: ask again without it
                rest = [i for i in ids if i not in errors]
                if rest and rest != ids:
                    more, more_errors = self._query(rest)
                    found.update(more)
                    errors.update(more_errors)
                return found, errors
            if not entries or start >= min(total, len(ids)):
                return found, errors

    def _get_feed(self, url: str) -> Any:
        """One logical request: paced, deadline-bound, retried with backoff."""
        from arxiv import _feed  # the package's own Atom parser

        cfg = self.config
        last_error = ""
        for attempt in range(1, cfg.max_attempts + 1):
            self._pace()
            status, body, retry_after, error = self._http_get(url)
            if error is None and status == 200:
                error = _check_atom(body)
                if error is None:
                    return _feed.parse(body)
            elif error is None and status not in _RETRYABLE_STATUS:
                raise FetchError(f"HTTP {status} from the arXiv API (not retried)")
            last_error = error or f"HTTP {status}"
            if attempt == cfg.max_attempts:
                break
            wait = cfg.backoff * 2 ** (attempt - 1)
            if retry_after is not None:
                if retry_after > cfg.max_wait:
                    raise FetchError(
                        f"{last_error}; arXiv asked to wait {retry_after:.0f}s, more than "
                        f"--max-wait {cfg.max_wait:.0f}s"
                    )
                wait = max(wait, retry_after)
            wait = min(wait, cfg.max_wait)
            logger.warning(
                "%s (attempt %d/%d); retrying in %.0fs", last_error, attempt, cfg.max_attempts, wait
            )
            self.clock.sleep(wait)
        raise FetchError(f"{last_error} after {cfg.max_attempts} attempts")

    def _pace(self) -> None:
        if self._last_end is not None:
            wait = self._last_end + self.config.delay - self.clock.monotonic()
            if wait > 0:
                self.clock.sleep(wait)

    def _http_get(self, url: str) -> tuple[int, bytes, float | None, str | None]:
        """(status, body, Retry-After seconds, transport error) with a deadline on the whole."""
        import requests

        cfg = self.config
        self.requests += 1
        started = time.monotonic()
        try:
            with self.session.get(
                url, headers={"User-Agent": cfg.user_agent}, timeout=cfg.timeout, stream=True
            ) as resp:
                chunks = []
                for chunk in resp.iter_content(65536):
                    chunks.append(chunk)
                    if time.monotonic() - started > cfg.timeout:
                        return 0, b"", None, f"response slower than the {cfg.timeout:.0f}s timeout"
                return resp.status_code, b"".join(chunks), _retry_after(resp.headers), None
        except requests.Timeout:
            return 0, b"", None, f"no response within the {cfg.timeout:.0f}s timeout"
        except requests.RequestException as exc:
            return 0, b"", None, f"connection failed ({type(exc).__name__}: {_short(exc)})"
        finally:
            self._last_end = self.clock.monotonic()


def _check_atom(body: bytes) -> str | None:
    """Why `body` is not a complete Atom feed, or None.

    The package's parser recovers from broken XML, which would accept a truncated response as a
    shorter list of entries, the last one cut mid-abstract; a strict parse first refuses it.
    """
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        return f"malformed or truncated XML ({_short(exc)})"
    if root is None or root.tag != "{http://www.w3.org/2005/Atom}feed":
        return "the answer is not an Atom feed"
    return None


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 160 else text[:157] + "..."


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


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
