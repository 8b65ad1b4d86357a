"""A polite, fault-tolerant arXiv API client around the `arxiv` package.

The `arxiv` package (4.0.x) parses the API's Atom feed into `arxiv.Result`s well, but its `Client`
sets no request timeout, retries at a fixed 3 s with no backoff, ignores `Retry-After`, and its
`Search.max_results` silently truncates long id lists.  So this module drives the HTTP itself and
hands each response body to the package's parser:

* batches of at most 100 ids per request (longer lists get HTTP 414), one connection at a time,
  at least 3 s between requests whatever `delay` says (the API terms; a loopback test server
  is exempt), a User-Agent naming us;
* a deadline on the whole response and a cap on its size (`paperindex.net.get`);
* 429/503/timeouts/resets back off exponentially, honour `Retry-After`, and stop after
  `max_attempts`; a deadline overrun is tried only `timeout_attempts` times (each costs a whole
  `timeout`), an oversized answer not again; a wait longer than `max_wait` ends the batch
  instead of hanging; once a batch has failed that way, later batches are not asked for;
* what comes back is checked against what was asked: matched by id in any order, error entries
  turned into per-id failures, ids missing from an answer asked for once more, then reported;
  two entries for one id are an anomaly, reported, and the later version is kept.

Only `base_url` is ever contacted (redirects are not followed).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

from . import __version__, net
from .identity import parse_arxiv_id
from .metadata import ArxivRecord

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://export.arxiv.org/api/query"
USER_AGENT = f"paperindex/{__version__} (reference catalogue tool; python-requests)"
MIN_DELAY = 3.0
"""Seconds between requests that arXiv's API terms ask for."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
_SPACES = re.compile(r"\s+")


def polite_delay(base_url: str, delay: float) -> float:
    """`delay`, raised to arXiv's 3 s unless `base_url` is a loopback test server."""
    host = urlsplit(base_url).hostname or ""
    if host in LOOPBACK_HOSTS or host.startswith("127."):
        return max(delay, 0.0)
    return max(delay, MIN_DELAY)


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
    """Seconds between the end of one request and the start of the next; below 3 it counts
    only for a loopback server (`pace`)."""
    batch_size: int = 100
    """Ids per request; arXiv answers HTTP 414 to much longer lists."""
    max_attempts: int = 4
    """Tries per request, the first included."""
    timeout_attempts: int = 2
    """Tries of a request whose answers overrun `timeout`: a server too slow for one whole
    deadline is rarely fast a few seconds later, and each try costs a whole `timeout`."""
    backoff: float = 5.0
    """First wait after a 429/503/timeout; doubles on each retry."""
    max_wait: float = 120.0
    """Longest single wait; a Retry-After beyond it gives up on the batch."""
    max_bytes: int = 50 * net.MB
    """Largest answer read; 100 records take about 0.3 MB."""
    user_agent: str = USER_AGENT

    @property
    def pace(self) -> float:
        """The delay actually kept between requests (`polite_delay`)."""
        return polite_delay(self.base_url, self.delay)


class FetchError(Exception):
    """One request failed for good (after its retries).

    `stop` when the API itself is failing (timeouts, resets, 429/503 to the end, an oversized
    answer): later batches would fail the same way, so they are not asked for.
    """

    def __init__(self, message: str, *, stop: bool = False) -> None:
        super().__init__(message)
        self.stop = stop


@dataclass
class FetchResult:
    """Records by id, failures and anomalies by id with a reason, and the HTTP requests made."""

    records: dict[str, ArxivRecord] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    anomalies: dict[str, str] = field(default_factory=dict)
    """Ids whose answer was odd but usable (two entries for one id, an id not asked for)."""
    requests: int = 0


@dataclass
class _Answer:
    found: dict[str, ArxivRecord] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    anomalies: dict[str, str] = field(default_factory=dict)


class ArxivClient:
    """Fetches arXiv records by id, politely."""

    def __init__(
        self,
        config: ApiConfig | None = None,
        session: Any = None,
        clock: Clock | None = None,
    ) -> None:
        self.config = config or ApiConfig()
        self.session = session or net.new_session()
        self.clock = clock or SystemClock()
        self.requests = 0
        self._last_end: float | None = None
        self._broken: str | None = None

    def fetch(self, ids: Iterable[str]) -> FetchResult:
        """Fetch the records of `ids` (versionless arXiv ids)."""
        total = FetchResult()
        for part in self.fetch_batches(ids):
            total.records.update(part.records)
            total.failures.update(part.failures)
            total.anomalies.update(part.anomalies)
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
            batch = wanted[start : start + size]
            if self._broken is None:
                self._fetch_batch(batch, result)
            else:
                reason = f"not asked: an earlier batch failed ({self._broken})"
                result.failures.update(dict.fromkeys(batch, reason))
            result.requests = self.requests
            yield result

    def _fetch_batch(self, batch: list[str], result: FetchResult) -> None:
        pending = list(batch)
        for round_ in (1, 2):  # ids missing from an answer are asked for once more
            answer = _Answer()
            try:
                self._query(pending, answer)
            except FetchError as exc:
                if exc.stop:
                    self._broken = str(exc)
                result.failures.update(dict.fromkeys(pending, str(exc)))
                result.anomalies.update(answer.anomalies)
                return
            result.failures.update(answer.errors)
            result.anomalies.update(answer.anomalies)
            result.records.update({i: r for i, r in answer.found.items() if i in pending})
            pending = [i for i in pending if i not in answer.found and i not in answer.errors]
            if not pending:
                return
            logger.info("round %d: %d id(s) missing from the answer", round_, len(pending))
        for i in pending:
            result.failures[i] = "arXiv returned no record for this id (unknown or withdrawn id?)"

    def _query(self, ids: list[str], answer: _Answer) -> None:
        """All pages for one id list, into `answer` (records, errors and anomalies by id)."""
        start = 0
        asked = set(ids)
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
                        answer.errors[i] = f"arXiv error: {message}"
                    continue
                record = to_record(entry, url, self.clock.now())
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
                    self._query(rest, answer)
                return
            if not entries or start >= min(total, len(ids)):
                return

    def _get_feed(self, url: str) -> Any:
        """One logical request: paced, deadline-bound, retried with backoff."""
        from arxiv import _feed  # the package's own Atom parser

        cfg = self.config
        last_error = ""
        overruns = 0
        for attempt in range(1, cfg.max_attempts + 1):
            self._pace()
            retry_after = None
            timed_out = False
            try:
                resp = self._http_get(url)
            except net.BodyTooLarge as exc:  # an endless or huge answer: not worth a second try
                raise FetchError(str(exc), stop=True) from None
            except net.HttpTimeout as exc:
                last_error = str(exc)
                timed_out = True
                overruns += 1
                if overruns >= cfg.timeout_attempts:
                    raise FetchError(_attempts(last_error, attempt), stop=True) from None
            except net.HttpError as exc:
                last_error = str(exc)
            else:
                if resp.status == 200:
                    error = _check_atom(resp.body)
                    if error is None:
                        return _feed.parse(resp.body)
                    last_error = error
                elif resp.status not in _RETRYABLE_STATUS:
                    raise FetchError(f"HTTP {resp.status} from the arXiv API (not retried)")
                else:
                    last_error = f"HTTP {resp.status}"
                    retry_after = net.retry_after(resp.header("Retry-After"), self.clock.now())
            if attempt == cfg.max_attempts:
                break
            wait = cfg.backoff * 2 ** (attempt - 1)
            if retry_after is not None:
                if retry_after > cfg.max_wait:
                    raise FetchError(
                        f"{last_error}; arXiv asked to wait {retry_after:.0f}s, more than "
                        f"--max-wait {cfg.max_wait:.0f}s",
                        stop=True,
                    )
                wait = max(wait, retry_after)
            wait = min(wait, cfg.max_wait)
            tries = f"attempt {attempt}/{cfg.max_attempts}"
            if timed_out:
                tries += f", deadline overrun {overruns}/{cfg.timeout_attempts}"
            logger.warning("%s (%s); retrying in %.0fs", last_error, tries, wait)
            self.clock.sleep(wait)
        raise FetchError(_attempts(last_error, cfg.max_attempts), stop=True)

    def _pace(self) -> None:
        if self._last_end is not None:
            wait = self._last_end + self.config.pace - self.clock.monotonic()
            if wait > 0:
                self.clock.sleep(wait)

    def _http_get(self, url: str) -> net.HttpResponse:
        """One HTTP request: the whole answer within `timeout` and `max_bytes`, or `HttpError`."""
        cfg = self.config
        self.requests += 1
        try:
            return net.get(
                self.session,
                url,
                headers={"User-Agent": cfg.user_agent},
                timeout=cfg.timeout,
                max_bytes=cfg.max_bytes,
            )
        finally:
            self._last_end = self.clock.monotonic()


def _attempts(error: str, attempts: int) -> str:
    return f"{error} after {attempts} attempt{'s' if attempts > 1 else ''}"


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
