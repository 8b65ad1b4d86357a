"""Requests as a source's service asks for them: paced, retried with backoff, bounded in time and
size, and stopped cleanly when the service is down or the budget is spent.

Every source talks HTTP through one `PoliteClient`, built from the source's `Politeness` and the
run's `SourceConfig`, so the rules hold for library callers too, not only for the CLI:

* at least `interval` seconds between the end of one request and the start of the next (the
  policy's floor, e.g. arXiv's 3 s, unless the endpoint is a loopback test server);
* a deadline on the whole response and a cap on its size (`paperindex.net.get`);
* statuses in `retry_status`, resets and answers that fail the caller's check are tried again
  after an exponential backoff that honours `Retry-After`, at most `max_attempts` times; a
  deadline overrun at most `timeout_attempts` times; an oversized answer never;
* a request budget (`X-RateLimit-Remaining: 0`) makes the next request wait for its reset, or,
  when that is further away than `max_wait`, ends the source's run with a clear reason (when
  it resets, and that the ids not asked are left for the next run);
* a service that cannot be reached at all (refused, no route, its name does not resolve) is not
  asked again: the first such request fails at once with "network unreachable" and stops the
  source, so a refresh without a network ends in seconds;
* conditional requests (`get(..., conditional=True)`): a validator cache (`SourceConfig.cache_dir`)
  keeps each answer's `ETag` and body, sends `If-None-Match` next time, and hands the cached body
  back on `304 Not Modified` (which GitHub does not count against its budget);
* once a request has failed for good, `FetchError.stop` tells the refresh not to ask this
  service again in this run.

Time comes from a `Clock`, so tests run without sleeping.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from .. import defaults, net
from .._version import __version__

if TYPE_CHECKING:
    from ..net.guard import GuardPolicy, Resolver

logger = logging.getLogger(__name__)

USER_AGENT = f"paperindex/{__version__} (reference catalogue tool; python-requests)"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

Check = Callable[[net.HttpResponse], str | None]
"""Why a 2xx answer is unusable (truncated, not the expected format), or None."""


@dataclass(frozen=True)
class Politeness:
    """How a source's service asks to be treated (its terms of use and rate limits)."""

    batch_size: int
    """Ids per request (1 for services without a batch endpoint)."""
    min_interval: float
    """Seconds between the end of one request and the start of the next that the service asks
    for; a configured delay below it is raised to it (except for a loopback test server)."""
    concurrency: int = 1
    """Requests in flight at once; every source here makes one at a time."""
    max_attempts: int = 4
    """Tries per request, the first included."""
    timeout_attempts: int = 2
    """Tries of a request whose answer overruns the deadline (each costs a whole timeout)."""
    backoff: float = 5.0
    """First wait after a 429/5xx/timeout; doubles on each retry."""
    max_wait: float = 120.0
    """Longest single wait; a longer `Retry-After` (or rate-limit reset) ends the run for this
    source instead of hanging."""
    retry_status: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    """Statuses worth another try."""
    rate_limit_headers: tuple[str, str] = ("", "")
    """(remaining, reset) header names of a request budget (`X-RateLimit-Remaining`,
    `X-RateLimit-Reset` at GitHub); empty when the service sends none."""

    def interval(self, config: SourceConfig) -> float:
        """Seconds kept between requests: the configured delay, never below `min_interval`
        unless the endpoint is a loopback test server."""
        delay = config.delay if config.delay is not None else self.min_interval
        if config.is_loopback:
            return max(delay, 0.0)
        return max(delay, self.min_interval)


@dataclass(frozen=True)
class SourceConfig:
    """What a user (or a test) configures for one source in one run."""

    base_url: str
    """The API endpoint; the only host the source contacts."""
    timeout: float = defaults.TIMEOUT
    """Seconds allowed for one whole response, connection to last byte."""
    delay: float | None = None
    """Seconds between requests; None means the source's `Politeness.min_interval`."""
    max_bytes: int = defaults.MAX_BYTES
    """Largest answer read."""
    backoff: float | None = None
    """First retry wait; None means the source's policy."""
    max_wait: float | None = None
    """Longest single wait; None means the source's policy."""
    user_agent: str = USER_AGENT
    api_key: str = ""
    """A key or token where the service accepts one (from the environment, never from notes)."""
    urls: Mapping[str, str] = field(default_factory=dict)
    """Second endpoints of a source by role (bilibili's short-link host `short`, GitHub's raw
    file host `raw`); a role not given is `PAPERINDEX_<NAME>_<ROLE>_API` or the default."""
    cache_dir: Path | None = None
    """Where conditional requests keep validators (ETags) and bodies between runs; None: no
    conditional requests."""
    page_policy: GuardPolicy | None = None
    """Limits for fetching pages cited in notes (`net.guard`); None: the defaults."""
    resolver: Resolver | None = None
    """How cited pages' host names are resolved (tests pass a fake); None: the system's."""

    @property
    def is_loopback(self) -> bool:
        """A local test server: politeness floors do not apply to it."""
        from urllib.parse import urlsplit

        host = urlsplit(self.base_url).hostname or ""
        return host in LOOPBACK_HOSTS or host.startswith("127.")


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


class FetchError(Exception):
    """A request failed for good (after its retries); `stop` when the service itself is failing
    (timeouts, resets, 429/5xx to the end, an oversized answer, a spent budget, no network), so
    later batches would fail the same way."""

    def __init__(self, message: str, *, stop: bool = False, unreachable: bool = False) -> None:
        super().__init__(message)
        self.stop = stop
        self.unreachable = unreachable
        """No connection could be made at all (see `net.Unreachable`)."""


UNREACHABLE = "network unreachable"
"""How every failure to reach a service at all begins, so a summary can say it once."""


class PoliteClient:
    """HTTP for one source in one run (see the module docstring)."""

    def __init__(
        self,
        name: str,
        policy: Politeness,
        config: SourceConfig,
        session: Any = None,
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self.policy = policy
        self.config = config
        self.interval = policy.interval(config)
        """Seconds kept between requests."""
        self.session = session or net.new_session()
        self.clock = clock or SystemClock()
        self.requests = 0
        """HTTP requests made so far (retries included)."""
        self.not_modified = 0
        """Conditional requests answered `304 Not Modified` (served from the validator cache)."""
        self.budget_remaining: int | None = None
        """The request budget left, as the service last said (`X-RateLimit-Remaining`)."""
        self._last_end: float | None = None
        self._budget_reset: float | None = None

    @property
    def backoff(self) -> float:
        """First retry wait: the run's setting, else the policy's."""
        return self.config.backoff if self.config.backoff is not None else self.policy.backoff

    @property
    def max_wait(self) -> float:
        """Longest single wait: the run's setting, else the policy's."""
        return self.config.max_wait if self.config.max_wait is not None else self.policy.max_wait

    def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        check: Check | None = None,
        conditional: bool = False,
    ) -> net.HttpResponse:
        """One logical request: paced, deadline-bound, retried; returns the first answer whose
        status is not worth a retry (the caller judges 404s and the like), or raises
        `FetchError`.

        `conditional`: send the validator of the last answer to `url` (when the run has a
        `cache_dir`); a `304 Not Modified` comes back with status 304 and that answer's body.
        """
        cached = self._cached(url) if conditional else None
        if cached is not None:
            headers = {**(headers or {}), "If-None-Match": cached[0]}
        resp = self._get(url, headers, check)
        if cached is not None and resp.status == 304:
            self.not_modified += 1
            return net.HttpResponse(304, resp.headers, cached[1], resp.url, resp.elapsed)
        if conditional and resp.status == 200 and resp.header("ETag"):
            self._remember(url, resp)
        return resp

    def post(
        self,
        url: str,
        body: bytes,
        *,
        headers: Mapping[str, str] | None = None,
        check: Check | None = None,
    ) -> net.HttpResponse:
        """One logical POST of `body` (a batch lookup such as Semantic Scholar's
        `/paper/batch`), paced, bounded and retried exactly as `get`."""
        return self._get(url, headers, check, body)

    def _get(
        self,
        url: str,
        headers: Mapping[str, str] | None,
        check: Check | None,
        body: bytes | None = None,
    ) -> net.HttpResponse:
        last_error = ""
        overruns = 0
        attempts = self.policy.max_attempts
        for attempt in range(1, attempts + 1):
            self._pace()
            retry_after: float | None = None
            timed_out = False
            try:
                resp = self._send(url, headers, body)
            except net.BodyTooLarge as exc:  # an endless or huge answer: not worth a second try
                raise FetchError(str(exc), stop=True) from None
            except net.HttpTimeout as exc:
                last_error, timed_out = str(exc), True
                overruns += 1
                if overruns >= self.policy.timeout_attempts:
                    raise FetchError(_attempts(last_error, attempt), stop=True) from None
            except net.Unreachable as exc:  # nothing there: another try now would not help
                host = urlsplit(url).netloc
                raise FetchError(f"{exc} at {host}", stop=True, unreachable=True) from None
            except net.HttpError as exc:
                last_error = str(exc)
            else:
                spent = self._read_budget(resp)
                if resp.status in self.policy.retry_status or spent:
                    last_error = f"HTTP {resp.status}" + (
                        " (request budget spent)" if spent else ""
                    )
                    retry_after = net.retry_after(resp.header("Retry-After"), self.clock.now())
                    if spent and self._budget_reset is not None:
                        retry_after = max(retry_after or 0.0, self._budget_wait())
                else:
                    problem = (
                        check(resp) if check is not None and 200 <= resp.status < 300 else None
                    )
                    if problem is None:
                        return resp
                    last_error = problem
            if attempt == attempts:
                break
            wait = min(self.backoff * 2 ** (attempt - 1), self.max_wait)
            if retry_after is not None:
                if retry_after > self.max_wait:
                    raise FetchError(
                        f"{last_error}; the service asked to wait {retry_after:.0f}s, more than "
                        f"the {self.max_wait:.0f}s allowed (--max-wait)",
                        stop=True,
                    )
                wait = max(wait, retry_after)
            tries = f"attempt {attempt}/{attempts}"
            if timed_out:
                tries += f", deadline overrun {overruns}/{self.policy.timeout_attempts}"
            logger.warning("%s: %s (%s); retrying in %.0fs", self.name, last_error, tries, wait)
            self.clock.sleep(wait)
        raise FetchError(_attempts(last_error, attempts), stop=True)

    def _pace(self) -> None:
        if self._budget_reset is not None:
            wait = self._budget_wait()
            if wait > self.max_wait:
                when = self.clock.now().timestamp() + wait
                at = datetime.fromtimestamp(when, UTC).strftime("%H:%M UTC")
                raise FetchError(
                    f"request budget spent; it resets at {at} (in {wait / 60:.0f} min), after "
                    "this run: the ids not asked are left for the next run",
                    stop=True,
                )
            if wait > 0:
                self.clock.sleep(wait)
            self._budget_reset = None
        if self._last_end is not None:
            wait = self._last_end + self.interval - self.clock.monotonic()
            if wait > 0:
                self.clock.sleep(wait)

    def _send(
        self, url: str, headers: Mapping[str, str] | None, body: bytes | None = None
    ) -> net.HttpResponse:
        self.requests += 1
        try:
            return net.get(
                self.session,
                url,
                headers={"User-Agent": self.config.user_agent, **(headers or {})},
                timeout=self.config.timeout,
                max_bytes=self.config.max_bytes,
                method="GET" if body is None else "POST",
                data=body,
            )
        finally:
            self._last_end = self.clock.monotonic()

    def _read_budget(self, resp: net.HttpResponse) -> bool:
        """Note a spent request budget; True when this answer was refused for it."""
        remaining_name, reset_name = self.policy.rate_limit_headers
        remaining = resp.header(remaining_name) if remaining_name else None
        if remaining is not None and remaining.strip().isdigit():
            self.budget_remaining = int(remaining)
        if not remaining_name or remaining != "0":
            return False
        reset = resp.header(reset_name) or ""
        if reset.isdigit():  # epoch seconds (GitHub)
            self._budget_reset = self.clock.monotonic() + max(
                0.0, int(reset) - self.clock.now().timestamp()
            )
        return resp.status in (403, 429)

    def _budget_wait(self) -> float:
        return max(0.0, (self._budget_reset or 0.0) - self.clock.monotonic())

    # --- the validator cache of conditional requests ------------------------------------------

    def _cache_file(self, url: str) -> Path | None:
        folder = self.config.cache_dir
        if folder is None:
            return None
        digest = hashlib.sha256(f"{self.config.api_key and 'auth:'}{url}".encode()).hexdigest()
        return folder / self.name / f"{digest[:40]}.json"

    def _cached(self, url: str) -> tuple[str, bytes] | None:
        path = self._cache_file(url)
        try:
            entry = json.loads(path.read_text(encoding="utf-8")) if path else None
            if entry and entry.get("url") == url:
                return str(entry["etag"]), base64.b64decode(entry["body"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no entry, or a broken one: ask without a validator
        return None

    def _remember(self, url: str, resp: net.HttpResponse) -> None:
        path = self._cache_file(url)
        if path is None:
            return
        body = base64.b64encode(resp.body).decode("ascii")
        entry = {"url": url, "etag": resp.header("ETag") or "", "body": body}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(entry), "utf-8")
            tmp.replace(path)
        except OSError as exc:  # a cache that cannot be written only costs a full request
            logger.warning("%s: validator cache not written (%s)", self.name, exc)


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the command line keeps validators: `PAPERINDEX_CACHE_DIR`, else the user's cache
    folder (`$XDG_CACHE_HOME/paperindex/http`, `~/.cache/paperindex/http`)."""
    env = os.environ if environ is None else environ
    if env.get("PAPERINDEX_CACHE_DIR"):
        return Path(env["PAPERINDEX_CACHE_DIR"])
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "paperindex" / "http"


def endpoint(config: SourceConfig, source: str, role: str, default: str) -> str:
    """A source's second endpoint `role`: the run's setting, `PAPERINDEX_<SOURCE>_<ROLE>_API`,
    else `default`."""
    given = config.urls.get(role) or os.environ.get(f"PAPERINDEX_{source}_{role}_API".upper())
    if given:
        return given.rstrip("/")
    return default


def _attempts(error: str, attempts: int) -> str:
    return f"{error} after {attempts} attempt{'s' if attempts > 1 else ''}"
