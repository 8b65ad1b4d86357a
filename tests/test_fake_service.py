"""The fake HTTP service itself: routes, request log, faults one per request, clean stops.

Checked with the standard library's own client (`http.client`), not with the code under test.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import pytest

from paperindex.testing import (
    FakeService,
    Hold,
    Malformed,
    Request,
    Respond,
    Response,
    SlowBody,
    Status,
    Truncated,
)


def call(
    svc: FakeService, path: str, method: str = "GET", body: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers={"X-Test": "yes"})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_routes_recorded_and_synthetic_with_placeholders() -> None:
    def repo(req: Request) -> Response:
        return Response(200, f"{req.params['owner']}/{req.params['name']}".encode())

    routes = {("GET", "/static"): Response(200, b"same", {"ETag": "1"})}
    with FakeService(routes) as svc:
        svc.route("GET", "/repos/{owner}/{name}", repo)
        svc.route("POST", "/echo", lambda req: Response(201, req.body))
        assert call(svc, "/static")[2] == b"same" and call(svc, "/static")[1]["ETag"] == "1"
        assert call(svc, "/repos/state-spaces/mamba")[2] == b"state-spaces/mamba"
        assert call(svc, "/echo", "POST", b"payload")[:3:2] == (201, b"payload")
        assert call(svc, "/repos/a")[0] == 404  # a placeholder is one segment
        assert call(svc, "/static", "POST")[0] == 404
    log = svc.requests
    assert [(r.method, r.path) for r in log][2:4] == [
        ("GET", "/repos/state-spaces/mamba"),
        ("POST", "/echo"),
    ]
    assert log[2].params == {"owner": "state-spaces", "name": "mamba"}
    assert log[3].body == b"payload" and log[3].header("x-test") == "yes"


def test_request_log_has_query_and_headers() -> None:
    with FakeService({("GET", "/q"): Response()}) as svc:
        call(svc, "/q?id_list=a,b&start=0&empty=")
    (req,) = svc.requests
    assert req.query == {"id_list": ["a,b"], "start": ["0"], "empty": [""]}
    assert req.arg("id_list") == "a,b" and req.arg("missing", "d") == "d"
    assert req.header("X-TEST") == "yes"


def test_faults_are_taken_one_per_request_in_order() -> None:
    date = datetime(2026, 11, 27, 12, 0, 40, tzinfo=UTC)
    with FakeService({("GET", "/x"): Response(200, b"ok")}) as svc:
        svc.inject(
            Status(429, retry_after=5),
            Status(503, retry_after=date),
            Malformed(),
            Respond(Response(418, b"teapot")),
        )
        got = [call(svc, "/x") for _ in range(5)]
    assert [g[0] for g in got] == [429, 503, 200, 418, 200]
    assert got[0][1]["Retry-After"] == "5"
    assert got[1][1]["Retry-After"] == "Fri, 27 Nov 2026 12:00:40 GMT"
    assert got[2][2].startswith(b"<html>") and got[4][2] == b"ok"
    assert [e.fault.split("(")[0] for e in svc.exchanges] == [
        "Status",
        "Status",
        "Malformed",
        "Respond",
        "",
    ]
    assert all(e.outcome == "sent" for e in svc.exchanges)


def test_truncated_declares_the_whole_length() -> None:
    with FakeService({("GET", "/x"): Response(200, b"0123456789")}) as svc:
        svc.inject(Truncated(fraction=0.3))
        with pytest.raises(http.client.IncompleteRead) as info:
            call(svc, "/x")
    assert info.value.partial == b"012"


def test_slow_body_paces_and_reports_a_client_that_leaves() -> None:
    with FakeService({("GET", "/x"): Response(200, b"abcdefghij")}) as svc:
        svc.inject(SlowBody(bytes_per_second=20))
        started = time.monotonic()
        assert call(svc, "/x")[2] == b"abcdefghij"
        assert 0.4 <= time.monotonic() - started < 1.5  # 10 bytes at 20/s
        svc.inject(SlowBody(bytes_per_second=1))
        conn = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=10)
        conn.request("GET", "/x")
        conn.getresponse().read(1)
        conn.close()  # the client gives up
        assert svc.wait_for_ended(2, timeout=5)
    assert [e.outcome for e in svc.exchanges] == ["sent", "client-closed"]
    duration = svc.exchanges[1].duration
    assert duration is not None and duration < 1.5


def test_hold_answers_on_release_and_wait_for_requests_needs_no_sleep() -> None:
    with FakeService({("GET", "/x"): Response(200, b"late")}) as svc:
        svc.inject(Hold())
        result: list[bytes] = []
        client = threading.Thread(target=lambda: result.append(call(svc, "/x")[2]))
        client.start()
        assert svc.wait_for_requests(1, timeout=10)
        assert result == [] and client.is_alive()
        svc.release()
        client.join(10)
    assert result == [b"late"]
    assert not svc.wait_for_requests(2, timeout=0.01)


def test_stop_ends_held_and_endless_answers() -> None:
    svc = FakeService({("GET", "/x"): Response(200, b"x")})
    svc.start()
    svc.inject(Hold())
    failed: list[Exception] = []

    def client_call() -> None:
        try:
            call(svc, "/x")
        except http.client.RemoteDisconnected as exc:  # the service stopped without answering
            failed.append(exc)

    client = threading.Thread(target=client_call, daemon=True)
    client.start()
    assert svc.wait_for_requests(1, timeout=10)
    started = time.monotonic()
    svc.stop()
    assert svc.wait_for_ended(1, timeout=5)
    assert time.monotonic() - started < 2
    assert svc.exchanges[0].outcome == "stopped"
    client.join(5)
    assert len(failed) == 1


def test_a_broken_handler_answers_500() -> None:
    def broken(_req: Request) -> Response:
        raise RuntimeError("handler bug")

    with FakeService({("GET", "/x"): broken}) as svc:
        status, _, body = call(svc, "/x")
    assert status == 500 and b"handler bug" in body
    assert svc.exchanges[0].outcome == "error"


def test_importing_the_testing_package_stays_light() -> None:
    code = (
        "import sys, paperindex.testing, paperindex.testing.arxiv\n"
        "heavy = {'requests', 'pydantic', 'urllib3', 'lxml', 'arxiv', 'bibtexparser'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
