"""Fetching a URL found in someone's notes: the one way paperindex opens an untrusted address.

A URL in notes may point anywhere: at the machine itself (`http://127.0.0.1:6379/`), at the
local network (`http://10.0.0.5/admin`), at a cloud's metadata service
(`http://169.254.169.254/latest/meta-data/`), or at a public host that redirects there, or whose
DNS answer changes between the check and the connection.  `PageFetcher.fetch` therefore:

* takes only `http` and `https`;
* resolves the host itself and refuses it when any of its addresses is loopback, private,
  link-local, multicast, reserved or unspecified, a cloud metadata address, or an IPv6 address
  that embeds one of those (IPv4-mapped `::ffff:127.0.0.1`, 6to4, Teredo, NAT64);
* connects to exactly the address it checked (a pinned connection, `net.pinned_session`: no
  second DNS lookup, no proxy), so a rebinding DNS answer cannot slip in;
* follows at most `max_redirects` redirects itself, checking every hop the same way;
* keeps a deadline on the whole chain and caps each body (`net.get`);
* accepts only HTML and XHTML (`NotHtml` otherwise);
* makes one request at a time per host, at least `min_interval` seconds apart;
* sends a User-Agent that names paperindex.

Every refusal is an `net.HttpError` with its own `kind`, so a report can name it.  Tests serve
pages from a loopback fake by passing an explicit allowance (`allow=`, addresses that would
otherwise be refused), which no configuration outside a test sets.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

from .._version import __version__
from . import MB, HttpError, HttpResponse, HttpTimeout, Unreachable, get, pinned_address

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]
"""(host, port) → the host's addresses, as strings; raises `socket.gaierror` like
`socket.getaddrinfo`."""

USER_AGENT = f"paperindex/{__version__} (reference catalogue tool; reads page metadata)"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
REDIRECTS = frozenset({301, 302, 303, 307, 308})

#: Cloud metadata services, named so a refusal says what was hit (most are link-local anyway).
METADATA_ADDRESSES: Mapping[IPAddress, str] = {
    ipaddress.ip_address("169.254.169.254"): "cloud metadata service (AWS, GCP, Azure, …)",
    ipaddress.ip_address("169.254.170.2"): "cloud metadata service (AWS ECS)",
    ipaddress.ip_address("100.100.100.200"): "cloud metadata service (Alibaba Cloud)",
    ipaddress.ip_address("192.0.0.192"): "cloud metadata service (Oracle Cloud)",
    ipaddress.ip_address("fd00:ec2::254"): "cloud metadata service (AWS, IPv6)",
}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NOT_PUBLIC: Mapping[IPNetwork, str] = {  # what Python 3.11's `is_global` still calls global
    ipaddress.ip_network("fec0::/10"): "a site-local address (deprecated, RFC 3879)",
    ipaddress.ip_network("3fff::/20"): "a documentation address (RFC 9637)",
}


class Refused(HttpError):
    """The guard refused the request before it was made (or the answer before it was used)."""

    kind = "refused"


class BadScheme(Refused):
    """Not an http(s) URL, or no host."""

    kind = "bad-scheme"


class BlockedAddress(Refused):
    """The host is, or resolves to, an address no cited page may be fetched from."""

    kind = "blocked-address"


class TooManyRedirects(Refused):
    """More redirects than `max_redirects`, or a redirect without a usable `Location`."""

    kind = "too-many-redirects"


class NotHtml(Refused):
    """The answer is not an HTML or XHTML page."""

    kind = "not-html"


def refusal(address: IPAddress, allow: Iterable[IPNetwork] = ()) -> str | None:
    """Why a cited page may not be fetched from `address`, or None when it may."""
    if any(address in net for net in allow):
        return None
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            why = refusal(embedded, allow)
            return None if why is None else f"{why}, embedded in the IPv6 address {address}"
    if address in METADATA_ADDRESSES:
        return f"{address} is a {METADATA_ADDRESSES[address]}"
    for net, what in _NOT_PUBLIC.items():
        if address in net:
            return f"{address} is {what}"
    for test, what in (
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_unspecified, "the unspecified address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "not a public address"),
    ):
        if test:
            return f"{address} is {what}"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver, in its order, without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class Clock(Protocol):
    """Monotonic time and sleeping; tests pass a fake one."""

    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class _SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class GuardPolicy:
    """The limits of fetching cited pages."""

    timeout: float = 20.0
    """Seconds for the whole chain of redirects, from the call to the last byte (pauses
    between requests to one host included)."""
    max_bytes: int = 2 * MB
    """Largest page read."""
    max_redirects: int = 5
    min_interval: float = 1.0
    """Seconds between the end of one request to a host and the start of the next."""
    content_types: frozenset[str] = HTML_TYPES
    user_agent: str = USER_AGENT
    allow: tuple[IPNetwork, ...] = field(default=())
    """TESTS ONLY: addresses allowed although the rules refuse them (a loopback fake)."""

    @classmethod
    def for_tests(cls, *networks: str, **kw: Any) -> GuardPolicy:
        """A policy allowing `networks` (default 127.0.0.1) and no pause between requests."""
        allowed = tuple(ipaddress.ip_network(n) for n in (networks or ("127.0.0.1/32",)))
        return cls(allow=allowed, **{"min_interval": 0.0, **kw})


@dataclass(frozen=True)
class Target:
    """A URL's host, port and the checked address it will be fetched from."""

    scheme: str
    host: str
    port: int
    address: str


class PageFetcher:
    """Fetches cited pages under `GuardPolicy` (see the module docstring); safe to share between
    threads: requests to one host wait for each other."""

    def __init__(
        self,
        policy: GuardPolicy | None = None,
        resolver: Resolver | None = None,
        clock: Clock | None = None,
    ) -> None:
        from . import pinned_session

        self.policy = policy or GuardPolicy()
        self.resolver = resolver or system_resolver
        self.clock = clock or _SystemClock()
        self.session = pinned_session()
        self.requests = 0
        """Requests made (redirect hops included)."""
        self._hosts: dict[str, tuple[threading.Lock, list[float]]] = {}
        self._hosts_lock = threading.Lock()
        self._session_lock = threading.Lock()

    def check(self, url: str) -> Target:
        """The target of `url` with its checked address, or raise `Refused`/`Unreachable`."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise BadScheme(url, f"not a usable URL: {url!r}") from None
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").rstrip(".").lower()
        if scheme not in ("http", "https") or not host:
            raise BadScheme(url, f"only http(s) URLs with a host are fetched, not {url[:80]!r}")
        port = port or (443 if scheme == "https" else 80)
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                addresses = self.resolver(host, port)
            except socket.gaierror as exc:
                unknown = exc.errno == socket.EAI_NONAME
                failed = "host name not found" if unknown else "name resolution failed"
                raise Unreachable(
                    url, f"network unreachable ({failed}: {host})", host_unknown=unknown
                ) from None
            if not addresses:
                raise Unreachable(url, f"host name not found: {host}", host_unknown=True)
        for text in addresses:
            why = refusal(ipaddress.ip_address(text.split("%", 1)[0]), self.policy.allow)
            if why:
                shown = host if literal is not None else f"{host} resolves to {text}, which"
                raise BlockedAddress(url, f"refused: {shown} is not fetched ({why})")
        return Target(scheme, host, port, addresses[0])

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> HttpResponse:
        """The page at `url` after at most `max_redirects` checked redirects: a 2xx HTML answer,
        or any other final status for the caller to judge; raises `HttpError`s otherwise."""
        policy = self.policy
        deadline = self.clock.monotonic() + policy.timeout
        history: list[str] = []
        current = url
        while True:
            target = self.check(current)
            left = deadline - self.clock.monotonic()
            if left <= 0:
                raise HttpTimeout(url, f"no page within the {policy.timeout:g}s timeout")
            resp = self._get(current, target, deadline, headers)
            if resp.status not in REDIRECTS:
                break
            location = resp.header("Location") or ""
            if not location.strip():
                raise TooManyRedirects(url, f"HTTP {resp.status} without a Location")
            if len(history) >= policy.max_redirects:
                raise TooManyRedirects(url, f"more than {policy.max_redirects} redirects")
            history.append(current)
            current = urljoin(current, location.strip())
        if 200 <= resp.status < 300:
            kind = (resp.header("Content-Type") or "").split(";", 1)[0].strip().lower()
            if kind not in policy.content_types:
                raise NotHtml(url, f"not an HTML page (Content-Type {kind or 'missing'})")
        return HttpResponse(
            resp.status, resp.headers, resp.body, current, resp.elapsed, tuple(history)
        )

    def _get(
        self, url: str, target: Target, deadline: float, headers: Mapping[str, str] | None
    ) -> HttpResponse:
        lock, last = self._host(target.host)
        with lock:
            if last:
                wait = last[0] + self.policy.min_interval - self.clock.monotonic()
                if wait > 0:
                    self.clock.sleep(wait)
            timeout = deadline - self.clock.monotonic()  # the pause counts: one deadline
            if timeout <= 0:
                raise HttpTimeout(url, f"no page within the {self.policy.timeout:g}s timeout")
            try:
                with self._session_lock, pinned_address(target.host, target.port, target.address):
                    self.requests += 1
                    return get(
                        self.session,
                        url,
                        headers={
                            "User-Agent": self.policy.user_agent,
                            "Accept": "text/html,application/xhtml+xml;q=0.9",
                            **(headers or {}),
                        },
                        timeout=timeout,
                        max_bytes=self.policy.max_bytes,
                    )
            finally:
                last[:] = [self.clock.monotonic()]

    def _host(self, host: str) -> tuple[threading.Lock, list[float]]:
        with self._hosts_lock:
            if host not in self._hosts:
                self._hosts[host] = (threading.Lock(), [])
            return self._hosts[host]
