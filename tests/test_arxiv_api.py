"""The arXiv client against `responses` mocks, with an injected clock: no test sleeps for real."""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from paperindex.arxiv_api import ApiConfig, ArxivClient

from .fake_arxiv import NS, _error_feed, _feed_xml, load_entries

API = "https://api.example.test/api/query"


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
        return datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def entries(reference: Path) -> dict[str, ET.Element]:
    return load_entries(reference / "arxiv" / "feed.xml")


def _ids(request: requests.PreparedRequest) -> list[str]:
    return parse_qs(urlsplit(request.url or "").query)["id_list"][0].split(",")


def _answer(
    entries: dict[str, ET.Element],
    *,
    order: str = "asked",
    drop: frozenset[str] = frozenset(),
    per_page: int | None = None,
):  # type: ignore[no-untyped-def]
    """A callback answering id_list queries like arXiv, optionally shuffled, lossy or paged."""

    def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        query = parse_qs(urlsplit(request.url or "").query)
        ids = query["id_list"][0].split(",")
        start = int(query["start"][0])
        found = [entries[i] for i in ids if i in entries and i not in drop]
        if order == "reversed":
            found.reverse()
        page = found[start : start + (per_page or len(found))]
        return 200, {}, _feed_xml(page, total=len(found), start=start)

    return callback


def client(clock: FakeClock, **kw: float | int | str) -> ArxivClient:
    config = ApiConfig(base_url=API, **kw)  # type: ignore[arg-type]
    return ArxivClient(config, clock=clock)


@responses.activate
def test_batches_of_100_three_seconds_apart_with_our_user_agent(
    entries: dict[str, ET.Element],
) -> None:
    ids = list(entries)
    synthetic = {}
    for n in range(250 - len(ids)):
        e = copy.deepcopy(next(iter(entries.values())))
        e.find("atom:id", NS).text = f"http://arxiv.org/abs/2401.{n:05d}v1"  # type: ignore[union-attr]
        synthetic[f"2401.{n:05d}"] = e
    allentries = {**entries, **synthetic}
    responses.add_callback(responses.GET, API, callback=_answer(allentries))
    clock = FakeClock()
    result = client(clock).fetch(list(allentries))
    assert len(result.records) == 250 and not result.failures
    assert [len(_ids(c.request)) for c in responses.calls] == [100, 100, 50]
    assert result.requests == 3
    assert clock.sleeps == [3.0, 3.0]
    assert all(c.request.headers["User-Agent"].startswith("paperindex/") for c in responses.calls)
    assert all(c.request.url.startswith(API + "?") for c in responses.calls)
    # no "max_results" smaller than the batch: nothing silently truncated
    assert [parse_qs(urlsplit(c.request.url).query)["max_results"] for c in responses.calls] == [
        ["100"],
        ["100"],
        ["50"],
    ]


@responses.activate
def test_results_in_any_order_are_matched_by_id(entries: dict[str, ET.Element]) -> None:
    responses.add_callback(responses.GET, API, callback=_answer(entries, order="reversed"))
    result = client(FakeClock()).fetch(["2312.00752", "2306.15895"])
    assert result.records["2312.00752"].title.startswith("Mamba")
    assert result.records["2306.15895"].title.startswith("Large Language Model as Attributed")
    rec = result.records["2312.00752"]
    assert (rec.version, rec.year, rec.primary_category) == ("v2", "2023", "cs.LG")
    assert rec.retrieved_at == FakeClock().now()
    assert rec.retrieved_from.startswith(API + "?id_list=2312.00752%2C2306.15895")


@responses.activate
def test_paging_follows_total_results(entries: dict[str, ET.Element]) -> None:
    responses.add_callback(responses.GET, API, callback=_answer(entries, per_page=5))
    result = client(FakeClock()).fetch(list(entries))
    assert len(result.records) == 14 and not result.failures
    assert [parse_qs(urlsplit(c.request.url).query)["start"][0] for c in responses.calls] == [
        "0",
        "5",
        "10",
    ]


@responses.activate
def test_missing_ids_are_asked_again_once_then_reported(entries: dict[str, ET.Element]) -> None:
    responses.add_callback(responses.GET, API, callback=_answer(entries))
    result = client(FakeClock()).fetch(["2312.00752", "2401.99999"])
    assert list(result.records) == ["2312.00752"]
    assert "no record for this id" in result.failures["2401.99999"]
    assert [_ids(c.request) for c in responses.calls] == [
        ["2312.00752", "2401.99999"],
        ["2401.99999"],
    ]


@responses.activate
def test_empty_first_page_is_retried(entries: dict[str, ET.Element]) -> None:
    responses.add(responses.GET, API, body=_feed_xml([], total=0, start=0))
    responses.add_callback(responses.GET, API, callback=_answer(entries))
    result = client(FakeClock()).fetch(["2312.00752"])
    assert list(result.records) == ["2312.00752"] and len(responses.calls) == 2


@responses.activate
def test_error_entry_fails_the_named_id_and_the_rest_are_asked_again(
    entries: dict[str, ET.Element],
) -> None:
    responses.add(responses.GET, API, body=_error_feed("incorrect id format for 2401.99999"))
    responses.add_callback(responses.GET, API, callback=_answer(entries))
    result = client(FakeClock()).fetch(["2312.00752", "2401.99999"])
    assert list(result.records) == ["2312.00752"]
    assert result.failures == {"2401.99999": "arXiv error: incorrect id format for 2401.99999"}
    assert _ids(responses.calls[1].request) == ["2312.00752"]


@responses.activate
def test_429_backs_off_exponentially_and_honours_retry_after(
    entries: dict[str, ET.Element],
) -> None:
    responses.add(responses.GET, API, status=429)
    responses.add(responses.GET, API, status=503, headers={"Retry-After": "40"})
    responses.add(responses.GET, API, status=429)
    responses.add_callback(responses.GET, API, callback=_answer(entries))
    clock = FakeClock()
    result = client(clock, backoff=5.0).fetch(["2312.00752"])
    assert list(result.records) == ["2312.00752"]
    # waits: 5 (backoff), max(10, Retry-After 40), 20; pacing is already covered by the backoff
    assert clock.sleeps == [5.0, 40.0, 20.0]


@responses.activate
def test_attempts_are_bounded_and_the_batch_fails_with_the_reason(
    entries: dict[str, ET.Element],
) -> None:
    for _ in range(10):
        responses.add(responses.GET, API, status=503)
    clock = FakeClock()
    result = client(clock, max_attempts=3, backoff=1.0, delay=0.0).fetch(
        ["2312.00752", "2306.15895"]
    )
    assert result.records == {}
    assert result.failures == {i: "HTTP 503 after 3 attempts" for i in ("2312.00752", "2306.15895")}
    assert len(responses.calls) == 3 and clock.sleeps == [1.0, 2.0]


@responses.activate
def test_retry_after_beyond_max_wait_gives_up_instead_of_hanging() -> None:
    responses.add(responses.GET, API, status=429, headers={"Retry-After": "3600"})
    clock = FakeClock()
    result = client(clock, max_wait=60.0).fetch(["2312.00752"])
    assert "asked to wait 3600s" in result.failures["2312.00752"]
    assert clock.sleeps == [] and len(responses.calls) == 1


@responses.activate
def test_http_date_retry_after(entries: dict[str, ET.Element]) -> None:
    responses.add(
        responses.GET, API, status=429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}
    )
    responses.add_callback(responses.GET, API, callback=_answer(entries))
    clock = FakeClock()
    assert list(client(clock, backoff=2.0, delay=0.0).fetch(["2312.00752"]).records) == [
        "2312.00752"
    ]
    assert clock.sleeps == [2.0]  # a date in the past: no extra wait beyond the backoff


@responses.activate
def test_timeouts_and_connection_errors_are_retried(entries: dict[str, ET.Element]) -> None:
    responses.add(responses.GET, API, body=requests.ConnectTimeout("slow"))
    responses.add(responses.GET, API, body=requests.ConnectionError("reset"))
    responses.add_callback(responses.GET, API, callback=_answer(entries))
    clock = FakeClock()
    assert list(client(clock, backoff=1.0, delay=0.0).fetch(["2312.00752"]).records) == [
        "2312.00752"
    ]
    assert clock.sleeps == [1.0, 2.0]


@responses.activate
def test_short_backoffs_still_keep_three_seconds_between_requests(
    entries: dict[str, ET.Element],
) -> None:
    responses.add(responses.GET, API, status=503)
    responses.add(responses.GET, API, status=503)
    responses.add_callback(responses.GET, API, callback=_answer(entries))
    clock = FakeClock()
    assert list(client(clock, backoff=1.0).fetch(["2312.00752"]).records) == ["2312.00752"]
    assert clock.sleeps == [1.0, 2.0, 2.0, 1.0]  # backoff, then the rest of the 3 s floor


@responses.activate
def test_truncated_xml_is_refused_not_half_accepted(entries: dict[str, ET.Element]) -> None:
    full = _feed_xml([entries["2312.00752"], entries["2306.15895"]], total=2, start=0)
    cut = full[: full.index(b"Mamba") + 200]
    responses.add(responses.GET, API, body=cut)
    responses.add_callback(responses.GET, API, callback=_answer(entries))
    result = client(FakeClock()).fetch(["2312.00752", "2306.15895"])
    assert len(responses.calls) == 2
    assert len(result.records["2312.00752"].abstract) > 500  # the whole abstract, not the cut one


@responses.activate
def test_non_retryable_status_fails_at_once() -> None:
    responses.add(responses.GET, API, status=414)
    result = client(FakeClock()).fetch(["2312.00752"])
    assert result.failures == {"2312.00752": "HTTP 414 from the arXiv API (not retried)"}
    assert len(responses.calls) == 1


@responses.activate
def test_invalid_ids_are_refused_without_a_request() -> None:
    result = client(FakeClock()).fetch(["not-an-id", "2312.00752v2", "https://evil.example/x"])
    assert set(result.failures) == {"not-an-id", "2312.00752v2", "https://evil.example/x"}
    assert len(responses.calls) == 0


@responses.activate
def test_old_style_ids_round_trip(entries: dict[str, ET.Element]) -> None:
    e = copy.deepcopy(entries["2312.00752"])
    e.find("atom:id", NS).text = "http://arxiv.org/abs/solv-int/9701001v1"  # type: ignore[union-attr]
    responses.add_callback(responses.GET, API, callback=_answer({"solv-int/9701001": e}))
    result = client(FakeClock()).fetch(["solv-int/9701001"])
    assert (result.records["solv-int/9701001"].id, result.records["solv-int/9701001"].version) == (
        "solv-int/9701001",
        "v1",
    )
    assert re.search(r"id_list=solv-int%2F9701001", responses.calls[0].request.url or "")
