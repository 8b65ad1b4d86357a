"""`paperindex.net.get` against the fake HTTP service: the deadline holds for the whole response
whatever the server's pace, the size cap holds whatever it sends, errors are typed."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from paperindex import net
from paperindex.testing import (
    EndlessBody,
    FakeService,
    Fault,
    Reset,
    Respond,
    Response,
    SlowBody,
    SlowHeaders,
    Status,
    Truncated,
)

BODY = b"0123456789" * 300  # 3,000 bytes


@pytest.fixture
def svc() -> Iterator[FakeService]:
    routes = {("GET", "/doc"): Response(200, BODY, {"Content-Type": "text/plain", "X-Id": "7"})}
    with FakeService(routes) as service:
        yield service


def fetch(svc: FakeService, *, timeout: float = 1.0, max_bytes: int = 10_000) -> net.HttpResponse:
    return net.get(net.new_session(), svc.url_for("/doc"), timeout=timeout, max_bytes=max_bytes)


def timed(
    svc: FakeService, *, timeout: float = 1.0, max_bytes: int = 10_000
) -> tuple[net.HttpError, float]:
    started = time.monotonic()
    with pytest.raises(net.HttpError) as info:
        fetch(svc, timeout=timeout, max_bytes=max_bytes)
    return info.value, time.monotonic() - started


def test_a_plain_answer(svc: FakeService) -> None:
    resp = fetch(svc)
    assert (resp.status, resp.body, resp.url) == (200, BODY, svc.url_for("/doc"))
    assert resp.header("x-id") == "7" and resp.headers["CONTENT-TYPE"] == "text/plain"
    assert 0 <= resp.elapsed < 1


def test_statuses_are_returned_not_raised(svc: FakeService) -> None:
    svc.inject(Status(503, retry_after=7, body=b"busy"))
    resp = fetch(svc)
    assert (resp.status, resp.body, resp.header("Retry-After")) == (503, b"busy", "7")
    assert (
        net.get(net.new_session(), svc.url_for("/nowhere"), timeout=1, max_bytes=100).status == 404
    )


@pytest.mark.parametrize(
    "fault",
    [
        SlowBody(bytes_per_second=1),
        SlowBody(bytes_per_second=2000),  # 3 KB at 2 KB/s: steady progress, still too slow
        SlowHeaders(bytes_per_second=1),
        SlowHeaders(delay=5),
        EndlessBody(bytes_per_second=50),
    ],
    ids=repr,
)
def test_the_deadline_holds_for_the_whole_response(svc: FakeService, fault: Fault) -> None:
    svc.inject(fault)
    error, elapsed = timed(svc, timeout=1.0)
    assert isinstance(error, net.HttpTimeout) and error.kind == "timeout"
    assert "within the 1s timeout" in str(error)
    assert 0.95 <= elapsed < 1.4, elapsed
    assert svc.wait_for_ended(1, timeout=5)
    assert svc.exchanges[0].outcome == "client-closed"


def test_the_connection_is_usable_after_a_timeout(svc: FakeService) -> None:
    session = net.new_session()
    svc.inject(SlowBody(bytes_per_second=1))
    with pytest.raises(net.HttpTimeout):
        net.get(session, svc.url_for("/doc"), timeout=0.5, max_bytes=10_000)
    assert net.get(session, svc.url_for("/doc"), timeout=1, max_bytes=10_000).body == BODY


def test_an_endless_body_stops_at_the_cap(svc: FakeService) -> None:
    svc.inject(EndlessBody())
    error, elapsed = timed(svc, timeout=10.0, max_bytes=2_000_000)
    assert isinstance(error, net.BodyTooLarge)
    assert str(error) == "response larger than the 2 MB limit (body); not read further"
    assert elapsed < 2
    assert svc.wait_for_ended(1, timeout=5)
    assert svc.exchanges[0].outcome == "client-closed"


def test_a_declared_length_over_the_cap_is_refused_before_reading(svc: FakeService) -> None:
    error, _ = timed(svc, max_bytes=1_000)
    assert isinstance(error, net.BodyTooLarge)
    assert "(Content-Length 3000)" in str(error)


def test_the_cap_counts_the_body_exactly(svc: FakeService) -> None:
    assert fetch(svc, max_bytes=len(BODY)).body == BODY
    svc.inject(Respond(Response(200, BODY + b"!")))
    error, _ = timed(svc, max_bytes=len(BODY))
    assert isinstance(error, net.BodyTooLarge)


def test_reset_and_truncation_are_connection_failures(svc: FakeService) -> None:
    svc.inject(Reset(), Truncated(fraction=0.5))
    reset, _ = timed(svc)
    assert isinstance(reset, net.ConnectionFailed) and reset.kind == "connection"
    assert str(reset) == "connection failed (connection reset by the server)"
    cut, _ = timed(svc)
    assert isinstance(cut, net.ConnectionFailed)
    assert "closed before the end of the body: 1500 of 3000 bytes" in str(cut)


def test_a_refused_connection_is_a_connection_failure() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(net.ConnectionFailed, match="connection refused"):
        net.get(net.new_session(), f"http://127.0.0.1:{port}/", timeout=1, max_bytes=10)


def test_redirects_are_not_followed_unless_asked(svc: FakeService) -> None:
    svc.route("GET", "/old", Response(302, headers={"Location": "/doc"}))
    session = net.new_session()
    moved = net.get(session, svc.url_for("/old"), timeout=1, max_bytes=100)
    assert (moved.status, moved.header("Location")) == (302, "/doc")
    followed = net.get(
        session, svc.url_for("/old"), timeout=1, max_bytes=10_000, allow_redirects=True
    )
    assert (followed.status, followed.body, followed.url) == (200, BODY, svc.url_for("/doc"))


def test_a_plain_requests_session_gets_the_deadline_too(svc: FakeService) -> None:
    session = requests.Session()
    svc.inject(SlowHeaders(bytes_per_second=2))
    started = time.monotonic()
    with pytest.raises(net.HttpTimeout):
        net.get(session, svc.url_for("/doc"), timeout=0.5, max_bytes=10_000)
    assert time.monotonic() - started < 1.0


def test_headers_are_sent(svc: FakeService) -> None:
    net.get(
        net.new_session(),
        svc.url_for("/doc?q=1"),
        headers={"User-Agent": "ua/1"},
        timeout=1,
        max_bytes=10_000,
    )
    request = svc.requests[0]
    assert request.header("user-agent") == "ua/1" and request.query == {"q": ["1"]}


NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("Fri, 27 Nov 2026 12:01:30 GMT", 90.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after(value: str | None, seconds: float | None) -> None:
    assert net.retry_after(value, NOW) == seconds
