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
  when that is further away than `max_wait`, ends the source's run with a clear reason;
* once a request has failed for good, `FetchError.stop` tells the refresh not to ask this
  service again in this run.

Time comes from a `Clock`, so tests run without sleeping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from .. import defaults, net
from .._version import __version__

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
    (timeouts, resets, 429/5xx to the end, an oversized answer, a spent budget), so later batches
    would fail the same way."""

    def __init__(self, message: str, *, stop: bool = False) -> None:
        super().__init__(message)
        self.stop = stop


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
    ) -> net.HttpResponse:
        """One logical request: paced, deadline-bound, retried; returns the first answer whose
        status is not worth a retry (the caller judges 404s and the like), or raises
        `FetchError`."""
        last_error = ""
        overruns = 0
        attempts = self.policy.max_attempts
        for attempt in range(1, attempts + 1):
            self._pace()
            retry_after: float | None = None
            timed_out = False
            try:
                resp = self._send(url, headers)
            except net.BodyTooLarge as exc:  # an endless or huge answer: not worth a second try
                raise FetchError(str(exc), stop=True) from None
            except net.HttpTimeout as exc:
                last_error, timed_out = str(exc), True
                overruns += 1
                if overruns >= self.policy.timeout_attempts:
                    raise FetchError(_attempts(last_error, attempt), stop=True) from None
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
                raise FetchError(
                    f"request budget spent; it resets in {wait / 60:.0f} min, after this run "
                    "(run refresh again then)",
                    stop=True,
                )
            if wait > 0:
                self.clock.sleep(wait)
            self._budget_reset = None
        if self._last_end is not None:
            wait = self._last_end + self.interval - self.clock.monotonic()
            if wait > 0:
                self.clock.sleep(wait)

    def _send(self, url: str, headers: Mapping[str, str] | None) -> net.HttpResponse:
        self.requests += 1
        try:
            return net.get(
                self.session,
                url,
                headers={"User-Agent": self.config.user_agent, **(headers or {})},
                timeout=self.config.timeout,
                max_bytes=self.config.max_bytes,
            )
        finally:
            self._last_end = self.clock.monotonic()

    def _read_budget(self, resp: net.HttpResponse) -> bool:
        """Note a spent request budget; True when this answer was refused for it."""
        remaining_name, reset_name = self.policy.rate_limit_headers
        if not remaining_name or resp.header(remaining_name) != "0":
            return False
        reset = resp.header(reset_name) or ""
        if reset.isdigit():  # epoch seconds (GitHub)
            self._budget_reset = self.clock.monotonic() + max(
                0.0, int(reset) - self.clock.now().timestamp()
            )
        return resp.status in (403, 429)

    def _budget_wait(self) -> float:
        return max(0.0, (self._budget_reset or 0.0) - self.clock.monotonic())


def _attempts(error: str, attempts: int) -> str:
    return f"{error} after {attempts} attempt{'s' if attempts > 1 else ''}"
