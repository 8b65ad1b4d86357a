"""The arXiv client against the fake arXiv API on 127.0.0.1, with an injected clock for its waits.

Requests go over real loopback sockets (so the deadline and the size cap are the real ones);
backoff and pacing sleep on the fake clock, so no test waits for them.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from paperindex.enrich import FetchResult, Politeness, SourceConfig, fetch
from paperindex.enrich.sources.arxiv import ArxivSource
from paperindex.testing import (
    EndlessBody,
    FakeService,
    Reset,
    Respond,
    Response,
    SlowBody,
    SlowHeaders,
    Status,
)
from paperindex.testing.arxiv import (
    NS,
    FakeArxiv,
    error_feed,
    feed_xml,
    load_entries,
    with_version,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class FakeClock:
    """Monotonic time that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.t += seconds

    def now(self) -> datetime:
        return NOW


@pytest.fixture
def entries(reference: Path) -> dict[str, ET.Element]:
    return load_entries(reference / "arxiv" / "feed.xml")


@pytest.fixture
def api(entries: dict[str, ET.Element]) -> Iterator[FakeArxiv]:
    with FakeArxiv(dict(entries)) as server:
        yield server


class Client:
    """The arXiv source with a fake clock, fetched through the refresh's batching."""

    def __init__(self, source: ArxivSource, clock: FakeClock) -> None:
        self.source, self.clock = source, clock

    def fetch(self, ids: list[str]) -> FetchResult:
        return fetch(self.source, ids, clock=self.clock)


def source_for(
    url: str, delay: float = 0.0, max_attempts: int | None = None, **config: Any
) -> ArxivSource:
    """An arXiv source at `url` (no delay: a loopback server, or the floor for any other);
    `max_attempts` overrides the source's policy, the rest configures the run."""
    policy = ArxivSource.default_policy
    if max_attempts is not None:
        policy = replace(policy, max_attempts=max_attempts)
    return ArxivSource(SourceConfig(base_url=url, delay=delay, **config), policy=policy)


def client(api: FakeArxiv, clock: FakeClock, **kw: Any) -> Client:
    return Client(source_for(api.url, **kw), clock)


def asked(api: FakeArxiv) -> list[list[str]]:
    return [q["id_list"].split(",") for q in api.queries]


def test_batches_of_100_three_seconds_apart_with_our_user_agent(
    api: FakeArxiv, entries: dict[str, ET.Element]
) -> None:
    template = next(iter(entries.values()))
    for n in range(250 - len(entries)):
        api.entries[f"2401.{n:05d}"] = with_version(template, f"2401.{n:05d}")
    clock = FakeClock()
    result = client(api, clock, delay=3.0).fetch(list(api.entries))
    assert len(result.records) == 250 and not result.failures
    assert [len(ids) for ids in asked(api)] == [100, 100, 50]
    assert result.requests == 3
    assert clock.sleeps == [3.0, 3.0]
    assert all((r.header("User-Agent") or "").startswith("paperindex/") for r in api.requests)
    assert {r.path for r in api.requests} == {"/api/query"}
    # no "max_results" smaller than the batch: nothing silently truncated
    assert [q["max_results"] for q in api.queries] == ["100", "100", "50"]


@responses.activate
def test_library_callers_get_the_three_second_floor_too() -> None:
    """A delay below 3 s counts only for a loopback server, whoever builds the client."""
    url = "https://api.example.test/api/query"
    responses.add(responses.GET, url, body=feed_xml([]))
    clock = FakeClock()
    ids = [f"2401.{n:05d}" for n in range(250)]
    result = Client(source_for(url), clock).fetch(ids)
    assert len(responses.calls) == 6  # three batches, each asked twice (no record came back)
    assert clock.sleeps == [3.0] * 5
    assert len(result.failures) == 250
    policy: Politeness = ArxivSource.default_policy

    def interval(base: str, delay: float) -> float:
        return policy.interval(SourceConfig(base_url=base, delay=delay))

    assert interval(url, 1.0) == 3.0 and interval(url, 7.0) == 7.0
    assert interval("http://127.0.0.1:8080/api/query", 0.0) == 0.0
    assert interval("http://localhost/api/query", 0.5) == 0.5
    assert ArxivSource(SourceConfig(base_url=url)).interval == 3.0  # no delay given: the floor


def test_results_in_any_order_are_matched_by_id(api: FakeArxiv) -> None:
    api.reverse = True
    result = client(api, FakeClock()).fetch(["2312.00752", "2306.15895"])
    assert result.records["2312.00752"].title.startswith("Mamba")
    assert result.records["2306.15895"].title.startswith("Large Language Model as Attributed")
    rec = result.records["2312.00752"]
    assert (rec.version, rec.year, rec.primary_category) == ("v2", "2023", "cs.LG")
    assert rec.retrieved_at == NOW
    assert rec.retrieved_from.startswith(api.url + "?id_list=2312.00752%2C2306.15895")
    assert not result.anomalies


def test_paging_follows_total_results(api: FakeArxiv) -> None:
    api.page_size = 5
    result = client(api, FakeClock()).fetch(list(api.entries))
    assert len(result.records) == 14 and not result.failures
    assert [q["start"] for q in api.queries] == ["0", "5", "10"]


def test_missing_ids_are_asked_again_once_then_reported(api: FakeArxiv) -> None:
    result = client(api, FakeClock()).fetch(["2312.00752", "2401.99999"])
    assert list(result.records) == ["2312.00752"]
    assert "no record for this id" in result.failures["2401.99999"]
    assert asked(api) == [["2312.00752", "2401.99999"], ["2401.99999"]]


def test_empty_first_page_is_retried(api: FakeArxiv) -> None:
    api.inject(Respond(Response(200, feed_xml([]))))
    result = client(api, FakeClock()).fetch(["2312.00752"])
    assert list(result.records) == ["2312.00752"] and len(api.requests) == 2


def test_error_entry_fails_the_named_id_and_the_rest_are_asked_again(api: FakeArxiv) -> None:
    api.inject(Respond(Response(200, error_feed("incorrect id format for 2401.99999"))))
    result = client(api, FakeClock()).fetch(["2312.00752", "2401.99999"])
    assert list(result.records) == ["2312.00752"]
    assert result.failures == {"2401.99999": "arXiv error: incorrect id format for 2401.99999"}
    assert asked(api)[1] == ["2312.00752"]


def test_429_backs_off_exponentially_and_honours_retry_after(api: FakeArxiv) -> None:
    api.inject(Status(429), Status(503, retry_after=40), Status(429))
    clock = FakeClock()
    result = client(api, clock, backoff=5.0).fetch(["2312.00752"])
    assert list(result.records) == ["2312.00752"]
    # waits: 5 (backoff), max(10, Retry-After 40), 20
    assert clock.sleeps == [5.0, 40.0, 20.0]


def test_future_http_date_retry_after_is_waited_for(api: FakeArxiv) -> None:
    """An HTTP-date is read against the client's clock: 40 s after its "now", so 40 s."""
    api.inject(Status(429, retry_after=NOW + timedelta(seconds=40)))
    clock = FakeClock()
    result = client(api, clock, backoff=2.0).fetch(["2312.00752"])
    assert list(result.records) == ["2312.00752"]
    assert api.requests[0].header("User-Agent")
    assert clock.sleeps == [40.0]


def test_past_http_date_retry_after_adds_nothing_to_the_backoff(api: FakeArxiv) -> None:
    api.inject(Status(429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT"))
    clock = FakeClock()
    assert list(client(api, clock, backoff=2.0).fetch(["2312.00752"]).records) == ["2312.00752"]
    assert clock.sleeps == [2.0]


def test_attempts_are_bounded_and_the_batch_fails_with_the_reason(api: FakeArxiv) -> None:
    api.inject(*[Status(503)] * 10)
    clock = FakeClock()
    result = client(api, clock, max_attempts=3, backoff=1.0).fetch(["2312.00752", "2306.15895"])
    assert result.records == {}
    assert result.failures == {i: "HTTP 503 after 3 attempts" for i in ("2312.00752", "2306.15895")}
    assert len(api.requests) == 3 and clock.sleeps == [1.0, 2.0]


def test_retry_after_beyond_max_wait_gives_up_instead_of_hanging(api: FakeArxiv) -> None:
    api.inject(Status(429, retry_after=3600))
    clock = FakeClock()
    result = client(api, clock, max_wait=60.0).fetch(["2312.00752"])
    assert "asked to wait 3600s" in result.failures["2312.00752"]
    assert clock.sleeps == [] and len(api.requests) == 1


def test_resets_and_slow_headers_are_retried(api: FakeArxiv) -> None:
    api.inject(Reset(), SlowHeaders(delay=5))
    clock = FakeClock()
    started = time.monotonic()
    result = client(api, clock, backoff=1.0, timeout=0.5).fetch(["2312.00752"])
    assert time.monotonic() - started < 3
    assert list(result.records) == ["2312.00752"]
    assert clock.sleeps == [1.0, 2.0] and len(api.requests) == 3


def test_one_byte_a_second_ends_each_attempt_at_the_deadline(api: FakeArxiv) -> None:
    """Headers at once, then 1 byte/s: each attempt ends at `timeout`, overruns are tried twice,
    and the next batch is not asked (the API is failing)."""
    api.inject(*[SlowBody(bytes_per_second=1, limit_seconds=30)] * 4)
    clock = FakeClock()
    ids = ["2312.00752", *(f"2401.{n:05d}" for n in range(100))]
    started = time.monotonic()
    result = client(api, clock, timeout=1.0, backoff=1.0).fetch(ids)
    elapsed = time.monotonic() - started
    assert api.wait_for_ended(2, timeout=5)
    durations = [e.duration or 99.0 for e in api.exchanges]
    assert len(durations) == 2 and all(0.9 <= d < 1.6 for d in durations), durations
    assert elapsed < 3.5
    assert clock.sleeps == [1.0]
    first = result.failures["2312.00752"]
    assert "not complete within the 1s timeout" in first and first.endswith("after 2 attempts")
    assert result.failures["2401.00099"].startswith("not asked: an earlier batch failed (")
    assert result.requests == 2 and not result.records


def test_endless_body_stops_at_the_cap_and_is_not_retried(api: FakeArxiv) -> None:
    api.inject(EndlessBody())
    result = client(api, FakeClock(), max_bytes=1_000_000).fetch(["2312.00752"])
    assert result.failures["2312.00752"].startswith("response larger than the 1 MB limit")
    assert len(api.requests) == 1
    assert api.wait_for_ended(1, timeout=5)
    assert api.exchanges[0].outcome == "client-closed"


def test_truncated_xml_is_refused_not_half_accepted(
    api: FakeArxiv, entries: dict[str, ET.Element]
) -> None:
    full = feed_xml([entries["2312.00752"], entries["2306.15895"]], total=2, start=0)
    cut = full[: full.index(b"Mamba") + 200]  # a complete HTTP answer whose XML is cut
    api.inject(Respond(Response(200, cut)))
    result = client(api, FakeClock()).fetch(["2312.00752", "2306.15895"])
    assert len(api.requests) == 2
    assert len(result.records["2312.00752"].abstract) > 500  # the whole abstract, not the cut one


def test_non_retryable_status_fails_at_once(api: FakeArxiv) -> None:
    api.inject(Status(414))
    result = client(api, FakeClock()).fetch(["2312.00752"])
    assert result.failures == {"2312.00752": "HTTP 414 from the arXiv API (not retried)"}
    assert len(api.requests) == 1


def test_redirects_are_not_followed(api: FakeArxiv) -> None:
    with FakeService({("GET", "/api/query"): Response(200, b"")}) as elsewhere:
        api.inject(Respond(Response(301, headers={"Location": elsewhere.url_for("/api/query")})))
        result = client(api, FakeClock()).fetch(["2312.00752"])
        assert result.failures == {"2312.00752": "HTTP 301 from the arXiv API (not retried)"}
        assert elsewhere.requests == []


def test_invalid_ids_are_refused_without_a_request(api: FakeArxiv) -> None:
    result = client(api, FakeClock()).fetch(["not-an-id", "2312.00752v2", "https://evil.example/x"])
    assert set(result.failures) == {"not-an-id", "2312.00752v2", "https://evil.example/x"}
    assert api.requests == []


def test_old_style_ids_round_trip(api: FakeArxiv, entries: dict[str, ET.Element]) -> None:
    api.entries = {"solv-int/9701001": with_version(entries["2312.00752"], "solv-int/9701001")}
    result = client(api, FakeClock()).fetch(["solv-int/9701001"])
    record = result.records["solv-int/9701001"]
    assert (record.id, record.version) == ("solv-int/9701001", "v1")
    assert parse_qs(urlsplit(record.retrieved_from).query)["id_list"] == ["solv-int/9701001"]


@pytest.mark.parametrize("order", ["v2 first", "v3 first"])
def test_two_entries_for_one_id_are_an_anomaly_and_the_later_version_wins(
    api: FakeArxiv, entries: dict[str, ET.Element], order: str
) -> None:
    v2 = entries["2312.00752"]
    v3 = with_version(v2, "2312.00752", "v3")
    title = v3.find("atom:title", NS)
    assert title is not None
    title.text = "Mamba, third version"
    pair = [v2, v3] if order == "v2 first" else [v3, v2]
    api.inject(Respond(Response(200, feed_xml([*pair, entries["2306.15895"]]))))
    result = client(api, FakeClock()).fetch(["2312.00752", "2306.15895"])
    assert result.records["2312.00752"].version == "v3"
    assert result.records["2312.00752"].title == "Mamba, third version"
    assert result.anomalies == {
        "2312.00752": "arXiv sent more than one entry for this id (v2, v3); kept v3"
    }
    assert not result.failures and len(api.requests) == 1


def test_an_entry_not_asked_for_is_an_anomaly_and_ignored(
    api: FakeArxiv, entries: dict[str, ET.Element]
) -> None:
    api.inject(Respond(Response(200, feed_xml([entries["2312.00752"], entries["2306.15895"]]))))
    result = client(api, FakeClock()).fetch(["2312.00752"])
    assert list(result.records) == ["2312.00752"]
    assert result.anomalies == {"2306.15895": "in the answer without being asked for; ignored"}
