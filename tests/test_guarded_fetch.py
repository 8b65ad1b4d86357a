"""The guarded fetcher for cited pages (`paperindex.net.guard`): what it refuses, and that the
refusal happens before any connection.

Pages are served by a loopback fake; the fetcher reaches it only through the explicit test
allowance (`GuardPolicy.for_tests`).  The guard itself is shown by fetchers *without* that
allowance.  Every test runs under the suite's loopback-only net (conftest), and private or
metadata addresses are never connected to: the guard refuses them first, which the tests check
through the fake's request log and the net's list of refused attempts.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator

import pytest

from paperindex import net
from paperindex.net.guard import (
    BadScheme,
    BlockedAddress,
    GuardPolicy,
    NotHtml,
    PageFetcher,
    TooManyRedirects,
    refusal,
)
from paperindex.testing import EndlessBody, SlowBody
from paperindex.testing.media import FakeWeb
from paperindex.testing.network import loopback_only

PAGE = b"<!DOCTYPE html><html><head><title>A page</title></head><body>text</body></html>"


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.t += seconds


@pytest.fixture
def web() -> Iterator[FakeWeb]:
    with FakeWeb() as server:
        server.page("/page", PAGE)
        yield server


def allowed(**kw: object) -> PageFetcher:
    """A fetcher that may reach 127.0.0.1 (the fake) and nothing else the rules refuse."""
    return PageFetcher(GuardPolicy.for_tests(**kw))


def test_a_page_is_fetched_with_our_user_agent_through_the_allowance(web: FakeWeb) -> None:
    resp = allowed().fetch(web.url_for("/page"))
    assert resp.status == 200 and resp.body == PAGE
    assert (web.requests[0].header("User-Agent") or "").startswith("paperindex/")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:{port}/page", "127.0.0.1 is a loopback address"),
        ("http://10.0.0.7/admin", "10.0.0.7 is a private address"),
        ("http://192.168.1.1/", "192.168.1.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata service"),
        ("http://[::1]:{port}/page", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]:{port}/page", "127.0.0.1 is a loopback address, embedded"),
        ("http://[::ffff:169.254.169.254]/", "cloud metadata service"),
        ("http://[fd00:ec2::254]/", "cloud metadata service (AWS, IPv6)"),
        ("http://[fe80::1]/", "link-local"),
        ("http://224.0.0.1/", "multicast"),
        ("http://0.0.0.0:{port}/page", "unspecified"),
    ],
)
def test_without_the_allowance_these_addresses_are_refused_before_connecting(
    web: FakeWeb, url: str, why: str
) -> None:
    fetcher = PageFetcher(GuardPolicy())
    with loopback_only() as attempts, pytest.raises(BlockedAddress, match="refused") as info:
        fetcher.fetch(url.format(port=web.port))
    assert why in str(info.value) and info.value.kind == "blocked-address"
    assert web.requests == [] and attempts == [] and fetcher.requests == 0


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.2:{port}/page",  # loopback, outside the allowance of 127.0.0.1 alone
        "http://10.1.2.3/",
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://[::ffff:10.1.2.3]/",
    ],
)
def test_a_redirect_to_a_refused_address_is_refused_at_that_hop(web: FakeWeb, target: str) -> None:
    start = web.redirect("/go", target.format(port=web.port))
    fetcher = allowed()
    with loopback_only() as attempts, pytest.raises(BlockedAddress):
        fetcher.fetch(start)
    assert [r.path for r in web.requests] == ["/go"] and attempts == []


def test_names_are_resolved_and_checked_and_the_checked_address_is_the_one_connected(
    web: FakeWeb,
) -> None:
    answers = {"blog.example.test": [["127.0.0.1"], ["10.0.0.1"]]}  # rebinding on 2nd lookup
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers[host].pop(0)

    fetcher = PageFetcher(GuardPolicy.for_tests(), resolver=resolver)
    resp = fetcher.fetch(f"http://blog.example.test:{web.port}/page")
    assert resp.body == PAGE and asked == ["blog.example.test"]  # one lookup, no second one
    assert web.requests[0].header("Host") == f"blog.example.test:{web.port}"


@pytest.mark.parametrize(
    ("addresses", "why"),
    [
        (["10.9.8.7"], "10.9.8.7 is a private address"),
        (["93.184.216.34", "127.0.0.1"], "127.0.0.1 is a loopback address"),  # any one refused
        (["::ffff:192.168.0.1"], "192.168.0.1 is a private address"),
        (["169.254.169.254"], "metadata"),
    ],
)
def test_a_name_resolving_to_a_refused_address_is_refused(addresses: list[str], why: str) -> None:
    fetcher = PageFetcher(GuardPolicy(), resolver=lambda host, port: addresses)
    with loopback_only() as attempts, pytest.raises(BlockedAddress, match=why):
        fetcher.fetch("https://innocent.example.test/post")
    assert attempts == []


def test_a_public_looking_name_through_a_redirect_to_a_private_name_is_refused(
    web: FakeWeb,
) -> None:
    start = web.redirect("/go", "http://intranet.example.test/secrets")
    table = {"intranet.example.test": ["10.0.0.5"]}
    fetcher = PageFetcher(GuardPolicy.for_tests(), resolver=lambda h, p: table[h])
    with pytest.raises(BlockedAddress, match=r"intranet\.example\.test resolves to 10\.0\.0\.5"):
        fetcher.fetch(start)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://example.org/", "http:///x"]
)
def test_only_http_and_https_with_a_host(url: str) -> None:
    with pytest.raises(BadScheme):
        PageFetcher(GuardPolicy()).fetch(url)


def test_at_most_five_redirects(web: FakeWeb) -> None:
    for n in range(7):
        web.redirect(f"/r{n}", f"/r{n + 1}")
    web.page("/r7", PAGE)
    web.page("/s0", PAGE)
    for n in range(5):
        web.redirect(f"/t{n}", f"/t{n + 1}")
    web.page("/t5", PAGE)
    fetcher = allowed()
    assert fetcher.fetch(web.url_for("/t0")).history[-1].endswith("/t4")  # five: fine
    with pytest.raises(TooManyRedirects, match="more than 5 redirects"):
        fetcher.fetch(web.url_for("/r0"))


@pytest.mark.parametrize(
    ("content_type", "ok"),
    [
        ("text/html; charset=utf-8", True),
        ("application/xhtml+xml", True),
        ("application/pdf", False),
        ("application/json", False),
        ("", False),
    ],
)
def test_only_html_and_xhtml_are_accepted(web: FakeWeb, content_type: str, ok: bool) -> None:
    url = web.page("/typed", PAGE, content_type=content_type)
    if ok:
        assert allowed().fetch(url).status == 200
    else:
        with pytest.raises(NotHtml):
            allowed().fetch(url)


def test_an_oversized_page_is_refused_by_its_declared_length(web: FakeWeb) -> None:
    url = web.page("/big", b"<html>" + b"x" * (2_000_001) + b"</html>")
    with pytest.raises(net.BodyTooLarge, match="2 MB"):
        allowed().fetch(url)


def test_an_endless_page_stops_at_the_cap(web: FakeWeb) -> None:
    web.inject(EndlessBody())
    with pytest.raises(net.BodyTooLarge):
        allowed().fetch(web.url_for("/page"))
    assert web.wait_for_ended(1, timeout=10)
    # the fetcher closed the connection at the cap: what the server got out is 2 MB plus the
    # loopback socket buffers, not the endless body's 10 GB limit
    assert web.exchanges[0].outcome == "client-closed" and web.exchanges[0].sent < 10_000_000


def test_a_trickling_page_is_cut_at_the_deadline_of_the_whole_response(web: FakeWeb) -> None:
    web.inject(SlowBody(bytes_per_second=20))
    with pytest.raises(net.HttpTimeout):
        allowed(timeout=0.5).fetch(web.url_for("/page"))


def test_one_request_at_a_time_per_host_with_a_minimum_interval(web: FakeWeb) -> None:
    clock = FakeClock()
    policy = GuardPolicy.for_tests(min_interval=2.0)
    resolver_table = {"a.example.test": ["127.0.0.1"], "b.example.test": ["127.0.0.1"]}
    fetcher = PageFetcher(policy, lambda h, p: resolver_table[h], clock)
    for host in ("a.example.test", "a.example.test", "b.example.test", "a.example.test"):
        fetcher.fetch(f"http://{host}:{web.port}/page")
    # time only moves when the fetcher sleeps: each repeat of a host waits the whole interval,
    # the first request to another host does not wait
    assert clock.sleeps == [2.0, 2.0]


def test_the_pause_between_requests_counts_against_the_deadline(web: FakeWeb) -> None:
    clock = FakeClock()
    web.redirect("/moved", "/page")  # to the same host: the second request waits its turn
    fetcher = PageFetcher(GuardPolicy.for_tests(min_interval=5.0, timeout=3.0), clock=clock)
    with pytest.raises(net.HttpTimeout):
        fetcher.fetch(web.url_for("/moved"))
    assert clock.sleeps == [5.0] and [r.path for r in web.requests] == ["/moved"]
    fetcher = PageFetcher(GuardPolicy.for_tests(min_interval=1.0, timeout=3.0), clock=clock)
    assert fetcher.fetch(web.url_for("/moved")).status == 200  # a pause inside the deadline


def test_an_unresolvable_name_is_unreachable_and_says_whether_the_host_exists() -> None:
    def missing(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    def offline(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    with pytest.raises(net.Unreachable) as gone:
        PageFetcher(GuardPolicy(), missing).fetch("https://no-such-host.example.test/")
    with pytest.raises(net.Unreachable) as down:
        PageFetcher(GuardPolicy(), offline).fetch("https://example.test/")
    assert gone.value.host_unknown and not down.value.host_unknown
    assert "network unreachable" in str(down.value)


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("8.8.8.8", False),
        ("2606:4700:4700::1111", False),
        ("100.64.0.1", True),  # shared address space (carrier-grade NAT): not public
        ("100.100.100.200", True),  # Alibaba Cloud's metadata service
        ("2002:a00:1::", True),  # 6to4 around 10.0.0.1
        ("64:ff9b::a9fe:a9fe", True),  # NAT64 around 169.254.169.254
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", True),  # Teredo around 10.0.0.1
        ("198.18.0.1", True),  # benchmarking range
        ("fec0::1", True),  # IPv6 site-local (deprecated): Python 3.11 calls it global
        ("3fff::1", True),  # IPv6 documentation range of RFC 9637
        ("2a00:1450::1", False),
    ],
)
def test_address_rules(address: str, refused: bool) -> None:
    assert (refusal(ipaddress.ip_address(address)) is not None) is refused
