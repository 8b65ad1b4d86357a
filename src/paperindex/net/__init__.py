"""HTTP for every metadata source: a deadline on the whole response and a cap on its size.

`requests` bounds each socket read, not the response: a server that sends one byte a second
never trips a read timeout, and an endless body fills memory.  `get()` closes both holes:

* every socket read of the connection (status line, headers, body) first sets the socket's
  timeout to the time left before the request's deadline, so no read can block past it, and a
  read that starts after the deadline fails at once: `timeout` holds for the whole response,
  however the server paces its bytes;
* the body is read in pieces of `READ_SIZE` bytes and refused as soon as it passes
  `max_bytes` (or at once when `Content-Length` already says so);
* redirects are not followed unless asked: a source contacts the host it was configured with.

It raises only `HttpError`s (`HttpTimeout`, `BodyTooLarge`, `ConnectionFailed` and its
`Unreachable`, for a connection that was never made), never `requests`' exceptions, and returns
any HTTP status: what a status means is the source's business.  `requests` and `urllib3` are
imported on first use.

Pages cited in notes are fetched through `paperindex.net.guard` (addresses checked, one request
per host at a time, HTML only), which builds on `get`.
"""

from __future__ import annotations

import email.utils
import io
import re
import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import requests

READ_SIZE = 4096
"""Bytes asked of the socket per read: small, so the deadline and the cap are checked often."""
MB = 1_000_000


class HttpError(Exception):
    """No usable response; `kind` says why in one word (reports and retry policies use it)."""

    kind: ClassVar[str] = "error"

    def __init__(self, url: str, message: str) -> None:
        super().__init__(message)
        self.url = url


class HttpTimeout(HttpError):
    """The whole response (connection, headers, body) did not arrive within the deadline."""

    kind = "timeout"


class BodyTooLarge(HttpError):
    """The body passed `max_bytes`; reading stopped there."""

    kind = "too-large"


class ConnectionFailed(HttpError):
    """No connection, or it broke (reset, refused, closed before the body was complete)."""

    kind = "connection"


class Unreachable(ConnectionFailed):
    """No connection could be made at all (refused, no route, the name did not resolve): the
    service, or the network, is not there; asking again at once would not help.

    `host_unknown` when the name itself does not exist (a typo, a dead domain), as opposed to a
    network that cannot be reached."""

    kind = "unreachable"

    def __init__(self, url: str, message: str, *, host_unknown: bool = False) -> None:
        super().__init__(url, message)
        self.host_unknown = host_unknown


@dataclass(frozen=True)
class HttpResponse:
    """A complete response: any status, the whole body (at most `max_bytes`), the final URL."""

    status: int
    headers: Mapping[str, str]
    """Case-insensitive."""
    body: bytes
    url: str
    elapsed: float
    """Seconds from the start of the request to the last byte."""
    history: tuple[str, ...] = ()
    """The URLs redirected from, in order, when redirects were followed (`guard.fetch_page`)."""

    def header(self, name: str) -> str | None:
        """A header's value, or None."""
        return self.headers.get(name)


def get(
    session: requests.Session,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float,
    max_bytes: int,
    allow_redirects: bool = False,
    method: str = "GET",
    data: bytes | None = None,
) -> HttpResponse:
    """GET `url`, all of it within `timeout` seconds and `max_bytes` bytes, or raise `HttpError`
    (`method="POST"` with `data` for an API's batch lookup, under the same bounds).

    `session` keeps the connection alive between calls (one connection per host, as polite APIs
    ask); one made by `new_session()` is ready, any other gets our adapter mounted for http(s).
    """
    import requests

    deadline = _Deadline(time.monotonic() + timeout)
    token = _DEADLINE.set(deadline)
    try:
        _ensure_adapter(session)
        resp = session.request(
            method,
            url,
            data=data,
            headers=dict(headers or {}),
            timeout=(timeout, timeout),
            stream=True,
            allow_redirects=allow_redirects,
        )
        with resp:
            declared = resp.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise BodyTooLarge(url, _too_large(max_bytes, f"Content-Length {declared}"))
            body = bytearray()
            for chunk in resp.iter_content(READ_SIZE):
                body += chunk
                if len(body) > max_bytes:
                    raise BodyTooLarge(url, _too_large(max_bytes, "body"))
                if deadline.passed():
                    raise HttpTimeout(url, _slow(deadline, timeout))
            return HttpResponse(
                status=resp.status_code,
                headers=resp.headers,
                body=bytes(body),
                url=resp.url,
                elapsed=time.monotonic() - deadline.start,
            )
    except requests.RequestException as exc:
        if deadline.expired or deadline.passed() or isinstance(exc, requests.Timeout):
            raise HttpTimeout(url, _slow(deadline, timeout)) from None
        unreachable = _unreachable(exc)
        if unreachable is not None:
            why, unknown = unreachable
            raise Unreachable(url, f"network unreachable ({why})", host_unknown=unknown) from None
        raise ConnectionFailed(url, f"connection failed ({_describe(exc)})") from None
    except TimeoutError:  # a read refused at the deadline, not wrapped by urllib3
        raise HttpTimeout(url, _slow(deadline, timeout)) from None
    finally:
        _DEADLINE.reset(token)


def new_session() -> requests.Session:
    """A `requests.Session` whose connections enforce `get()`'s deadline on every read."""
    import requests

    session = requests.Session()
    _ensure_adapter(session)
    return session


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` value (seconds or an HTTP-date), or None.

    `now` is the caller's clock, so a date is read against the same time the caller sleeps by.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _too_large(max_bytes: int, what: str) -> str:
    return f"response larger than the {max_bytes / MB:g} MB limit ({what}); not read further"


def _slow(deadline: _Deadline, timeout: float) -> str:
    if not deadline.received:
        return f"no response within the {timeout:g}s timeout"
    return (
        f"response not complete within the {timeout:g}s timeout "
        f"({deadline.received} bytes received)"
    )


def _unreachable(exc: BaseException) -> tuple[str, bool] | None:
    """(why, the host name does not exist) when no connection was ever made, else None."""
    import socket

    from urllib3.exceptions import NameResolutionError, NewConnectionError

    causes = _causes(exc)
    if not any(isinstance(c, NewConnectionError | NameResolutionError) for c in causes):
        return None  # the connection was made, then broke: a transient failure
    for cause in causes:
        if isinstance(cause, socket.gaierror):
            unknown = cause.errno == socket.EAI_NONAME
            return ("host name not found" if unknown else "name resolution failed"), unknown
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused", False
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror.lower(), False
    return "no connection could be made", False


def _describe(exc: BaseException) -> str:
    """The root cause in a few words: what a person can act on, not the library's wrapping."""
    text = str(exc)
    cut = re.search(r"IncompleteRead\((\d+) bytes read, (\d+) more expected", text)
    if cut:
        got, more = int(cut[1]), int(cut[2])
        return f"closed before the end of the body: {got} of {got + more} bytes"
    for cause in _causes(exc):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError):
            return "connection reset by the server"
    text = f"{type(exc).__name__}: {text}"
    return text if len(text) < 160 else text[:157] + "..."


def _causes(exc: BaseException, depth: int = 0) -> list[BaseException]:
    """`exc`, and the exceptions wrapped in its arguments, reason and cause (urllib3 nests)."""
    if depth > 5:
        return []
    found = [exc]
    nested = [*exc.args, getattr(exc, "reason", None), exc.__cause__, exc.__context__]
    for inner in nested:
        if isinstance(inner, BaseException) and inner is not exc:
            found += _causes(inner, depth + 1)
    return found


# --- the deadline, carried from get() to the socket reads of the same thread -------------------


class _Deadline:
    def __init__(self, at: float) -> None:
        self.start = time.monotonic()
        self.at = at
        self.expired = False
        self.received = 0

    def passed(self) -> bool:
        return time.monotonic() >= self.at


_DEADLINE: ContextVar[_Deadline | None] = ContextVar("paperindex_net_deadline", default=None)


def _arm(sock: Any) -> _Deadline | None:
    """Give the next socket operation only the time left; refuse it when none is left."""
    deadline = _DEADLINE.get()
    if deadline is None:  # used outside get(): the socket's own timeout applies
        return None
    left = deadline.at - time.monotonic()
    if left <= 0:
        deadline.expired = True
        raise TimeoutError("the response deadline has passed")
    sock.settimeout(left)
    return deadline


class _DeadlineSocket:
    """A connected socket whose reads and writes are bounded by the current `get()` deadline.

    Everything else is the wrapped socket's (`__getattr__`); http.client reads the response
    through `makefile("rb")`, which returns a buffered reader over `_DeadlineReader`.
    """

    def __init__(self, sock: Any) -> None:
        self._sock = sock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def makefile(self, mode: str = "r", buffering: int | None = None, **kw: Any) -> Any:
        if mode != "rb":
            return self._sock.makefile(mode, buffering, **kw)
        # the socket's own unbuffered reader keeps its reference counting (http.client closes
        # the connection while the response still reads from it); ours checks the deadline
        raw = self._sock.makefile("rb", 0)
        return io.BufferedReader(_DeadlineReader(self._sock, raw), READ_SIZE)

    def sendall(self, data: bytes, *args: Any) -> None:
        _arm(self._sock)
        self._sock.sendall(data, *args)

    def recv(self, size: int, *args: Any) -> bytes:
        _arm(self._sock)
        data: bytes = self._sock.recv(size, *args)
        return data

    def recv_into(self, buffer: Any, *args: Any) -> int:
        _arm(self._sock)
        n: int = self._sock.recv_into(buffer, *args)
        return n


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock: Any, raw: Any) -> None:
        super().__init__()
        self._sock = sock
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        deadline = _arm(self._sock)
        try:
            n: int | None = self._raw.readinto(buffer)
        except TimeoutError:
            if deadline is not None and deadline.passed():
                deadline.expired = True
            raise
        if deadline is not None and n:
            deadline.received += n
        return n

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


_ADAPTERS: dict[bool, Any] = {}


def _adapter_class(pinned: bool = False) -> Any:
    """`requests`' adapter with urllib3 connections that wrap their socket: built on first use.

    `pinned`: every new connection goes to the address `pinned_address` holds for its host and
    port (checked by the caller), never to a fresh DNS answer; with none set, it is refused.
    """
    if pinned in _ADAPTERS:
        return _ADAPTERS[pinned]
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.exceptions import NewConnectionError
    from urllib3.util import connection as util_connection

    def new_conn(conn: Any, default: Any) -> Any:
        if not pinned:
            return default(conn)
        address = _PINNED.get()
        if address is None or (address[0], address[1]) != (conn.host.lower(), conn.port):
            raise NewConnectionError(conn, "refused: no checked address for this host")
        try:
            return util_connection.create_connection(
                (address[2], conn.port), conn.timeout, source_address=conn.source_address,
                socket_options=conn.socket_options,
            )  # fmt: skip
        except OSError as exc:
            raise NewConnectionError(conn, f"Failed to establish a new connection: {exc}") from exc

    class DeadlineHTTPConnection(HTTPConnection):
        def _new_conn(self) -> Any:
            return new_conn(self, HTTPConnection._new_conn)

        def connect(self) -> None:
            super().connect()
            self.sock = _DeadlineSocket(self.sock)

    class DeadlineHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> Any:
            return new_conn(self, HTTPSConnection._new_conn)

        def connect(self) -> None:
            super().connect()
            self.sock = _DeadlineSocket(self.sock)

    class DeadlineHTTPPool(HTTPConnectionPool):
        ConnectionCls = DeadlineHTTPConnection

    class DeadlineHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = DeadlineHTTPSConnection

    pools = {"http": DeadlineHTTPPool, "https": DeadlineHTTPSPool}

    class DeadlineAdapter(HTTPAdapter):
        """Mounts connections whose every read honours the `get()` deadline."""

        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

        def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
            if pinned:  # a proxy would connect for us, to an address nobody checked
                raise ValueError("a pinned session uses no proxy")
            manager = super().proxy_manager_for(proxy, **kwargs)
            if not proxy.lower().startswith("socks"):  # SOCKS has its own connection classes
                manager.pool_classes_by_scheme = pools
            return manager

    _ADAPTERS[pinned] = DeadlineAdapter
    return DeadlineAdapter


def _ensure_adapter(session: Any) -> None:
    adapter = _adapter_class(getattr(session, "paperindex_pinned", False))
    for prefix in ("https://", "http://"):
        if not isinstance(session.adapters.get(prefix), adapter):
            session.mount(prefix, adapter())


_PINNED: ContextVar[tuple[str, int, str] | None] = ContextVar("paperindex_net_pin", default=None)
"""(host, port, address): where a pinned session's next connection to that host goes."""


def pinned_session() -> requests.Session:
    """A session that connects only to addresses given by `pinned_address` (no DNS of its own,
    no proxies from the environment)."""
    import requests

    session = requests.Session()
    session.trust_env = False
    session.paperindex_pinned = True  # type: ignore[attr-defined]
    _ensure_adapter(session)
    return session


class pinned_address:
    """Within the block, a `pinned_session()` connects to `host:port` at `address` only."""

    def __init__(self, host: str, port: int, address: str) -> None:
        self._value = (host.lower(), port, address)
        self._token: Any = None

    def __enter__(self) -> None:
        self._token = _PINNED.set(self._value)

    def __exit__(self, *exc: object) -> None:
        _PINNED.reset(self._token)
