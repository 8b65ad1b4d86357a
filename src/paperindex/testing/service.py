"""A fake HTTP service on 127.0.0.1 with routes, a request log and one injected fault per request.

Every metadata source is tested against one of these: real sockets, so the client's deadline,
size cap, retries and pacing are exercised as they run against the real service, and no test
reaches beyond the loopback interface.

    from paperindex.testing import FakeService, Response, SlowBody, Status

    with FakeService() as svc:
        svc.route("GET", "/repos/{owner}/{name}", lambda req: Response(200, b"{...}"))
        svc.inject(Status(429, retry_after=5), SlowBody(bytes_per_second=1))
        ...  # the first request gets the 429, the second the body at 1 byte/s, the rest as routed
        assert svc.requests[0].params == {"owner": "...", "name": "..."}

A route's handler is a `Response` (recorded: the same answer every time) or a function of the
`Request` (synthetic).  Faults are taken from the queue one per request, in order; a request
with none gets its routed response.  `svc.exchanges` logs each request with when and how its
answer ended (`sent`, `client-closed`, `limit`, `reset`, `stopped`), which is how tests measure
how long a client held on.  Nothing here imports more than the standard library.
"""

from __future__ import annotations

import contextlib
import email.utils
import re
import select
import socket
import struct
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qs, urlsplit

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Request:
    """One request as the service received it."""

    method: str
    path: str
    """Without the query string."""
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str]
    """Values of the route's `{placeholders}`."""
    received: float
    """`time.monotonic()` when the request had been read."""

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter `name`."""
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str) -> str | None:
        """A request header, by case-insensitive name."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


@dataclass(frozen=True)
class Response:
    """What to answer: status, body, extra headers (Content-Length is added)."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Response]


@dataclass
class Exchange:
    """A request and how its answer ended."""

    request: Request
    fault: str
    """`repr` of the injected fault, or "" for none."""
    ended: float | None = None
    """`time.monotonic()` when the answer was complete or abandoned."""
    outcome: str = ""
    """`sent`, `client-closed`, `limit`, `reset`, `stopped` or `error` (the handler raised)."""
    sent: int = 0
    """Body bytes written."""

    @property
    def duration(self) -> float | None:
        """Seconds from the request to the end of its answer."""
        return None if self.ended is None else self.ended - self.request.received


# --- faults: each applies to one request ------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """Base of the injectable faults."""


@dataclass(frozen=True)
class Status(Fault):
    """Answer with this status instead (429, 503, ...), with `Retry-After` when given: seconds,
    an aware `datetime` (sent as an HTTP-date) or a raw header value."""

    status: int
    retry_after: float | datetime | str | None = None
    body: bytes = b""


@dataclass(frozen=True)
class Respond(Fault):
    """Answer with this response instead of the routed one."""

    response: Response


@dataclass(frozen=True)
class Malformed(Fault):
    """200 with a body the client must refuse (by default an HTML error page)."""

    body: bytes = b"<html><body>Access Denied</body></html>"
    content_type: str = "text/html"


@dataclass(frozen=True)
class SlowHeaders(Fault):
    """Wait `delay` seconds before the status line, then send the status line and headers at
    `bytes_per_second` (all at once when None); the body follows at once."""

    delay: float = 0.0
    bytes_per_second: float | None = None
    limit_seconds: float = 60.0


@dataclass(frozen=True)
class SlowBody(Fault):
    """Headers at once (with the real Content-Length), then the body at `bytes_per_second`."""

    bytes_per_second: float = 1.0
    limit_seconds: float = 60.0
    """The service gives up after this long, so a client that never stops cannot hang a test."""


@dataclass(frozen=True)
class EndlessBody(Fault):
    """Headers (no Content-Length), then an endless body: as fast as the client reads, or at
    `bytes_per_second`; stops when the client closes, or at the limits."""

    bytes_per_second: float | None = None
    limit_bytes: int = 10**10
    limit_seconds: float = 60.0


@dataclass(frozen=True)
class Reset(Fault):
    """Reset the connection (TCP RST) instead of answering."""


@dataclass(frozen=True)
class Truncated(Fault):
    """Declare the whole body's length, send `fraction` of it, close the connection."""

    fraction: float = 0.5


@dataclass(frozen=True)
class Hold(Fault):
    """Answer only once `FakeService.release()` is called (or after `limit_seconds`): lets a test
    act while a client is known to be waiting on the network, with no sleeps."""

    limit_seconds: float = 60.0


# --- the service -----------------------------------------------------------------------------


class FakeService:
    """An HTTP/1.1 server on 127.0.0.1 (port 0: any free port) for the duration of a test."""

    def __init__(
        self, routes: Mapping[tuple[str, str], Handler | Response] | None = None, *, port: int = 0
    ) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        for (method, path), handler in (routes or {}).items():
            self.route(method, path, handler)
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._released = threading.Event()
        self._closing = threading.Event()
        self.exchanges: list[Exchange] = []
        self._server = _Server((LOOPBACK, port), _Handler)
        self._server.service = self
        self._thread: threading.Thread | None = None

    # configuration

    def route(self, method: str, path: str, handler: Handler | Response) -> None:
        """Answer `method` `path` with `handler`; `{name}` in `path` matches one segment."""
        pattern = re.compile(
            "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)) + "$"
        )
        fn = handler if callable(handler) else _recorded(handler)
        self._routes.append((method.upper(), pattern, fn))

    def inject(self, *faults: Fault) -> None:
        """Queue faults, one per coming request, in order."""
        with self._lock:
            self._faults.extend(faults)

    def release(self) -> None:
        """Let every `Hold` (now and later) answer."""
        self._released.set()

    # what happened

    @property
    def requests(self) -> list[Request]:
        """The requests received so far, in order."""
        with self._lock:
            return [e.request for e in self.exchanges]

    def wait_for_requests(self, count: int, timeout: float = 30.0) -> bool:
        """Block until `count` requests have arrived; False when `timeout` passes first."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.exchanges) >= count, timeout)

    def wait_for_ended(self, count: int, timeout: float = 30.0) -> bool:
        """Block until the answers to `count` requests have ended (sent or abandoned)."""
        with self._changed:
            return self._changed.wait_for(
                lambda: sum(e.ended is not None for e in self.exchanges) >= count, timeout
            )

    # addresses and life cycle

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def url_for(self, path: str = "/") -> str:
        return self.base_url + path

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving; slow, endless and held answers end at once."""
        self._closing.set()
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # used by the handler

    def _begin(self, request: Request) -> tuple[Exchange, Fault | None]:
        with self._changed:
            fault = self._faults.pop(0) if self._faults else None
            exchange = Exchange(request, "" if fault is None else repr(fault))
            self.exchanges.append(exchange)
            self._changed.notify_all()
        return exchange, fault

    def _end(self, exchange: Exchange, outcome: str) -> None:
        with self._changed:
            if exchange.ended is None:
                exchange.ended = time.monotonic()
                exchange.outcome = outcome
            self._changed.notify_all()

    def _match(self, request: Request) -> tuple[Handler, Request]:
        """The route's handler, and the request with the route's `{placeholders}` filled in."""
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                return handler, _with_params(request, match.groupdict())
        return _recorded(Response(404, b"no such route in the fake service\n")), request


def _recorded(response: Response) -> Handler:
    def handler(_request: Request) -> Response:
        return response

    return handler


def _with_params(request: Request, params: dict[str, str]) -> Request:
    return Request(
        request.method,
        request.path,
        request.query,
        request.headers,
        request.body,
        params,
        request.received,
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    service: FakeService


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _handle(self) -> None:
        service = self.server.service
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers=dict(self.headers.items()),
            body=self.rfile.read(length) if length else b"",
            params={},
            received=time.monotonic(),
        )
        handler, request = service._match(request)
        exchange, fault = service._begin(request)
        outcome = "error"
        try:
            outcome = self._answer(handler, request, exchange, fault)
        except (BrokenPipeError, ConnectionResetError):
            outcome = "client-closed"
            self.close_connection = True
        except Exception:  # a broken handler: say so to the client, as a real server would
            body = traceback.format_exc().encode()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._write(self._head(Response(500, body), len(body), True) + body)
        finally:
            service._end(exchange, outcome)

    def _answer(
        self, handler: Handler, request: Request, exchange: Exchange, fault: Fault | None
    ) -> str:
        service = self.server.service
        if isinstance(fault, Reset):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return "reset"
        if isinstance(fault, Hold):
            service._released.wait(fault.limit_seconds)
            if service._closing.is_set():
                self.close_connection = True
                return "stopped"
        if isinstance(fault, Status):
            response = Response(fault.status, fault.body, _retry_after(fault.retry_after))
        elif isinstance(fault, Respond):
            response = fault.response
        elif isinstance(fault, Malformed):
            response = Response(200, fault.body, {"Content-Type": fault.content_type})
        else:
            response = handler(request)
        body = b"" if request.method == "HEAD" else response.body
        closing = isinstance(fault, (Truncated, EndlessBody))
        head = self._head(response, None if isinstance(fault, EndlessBody) else len(body), closing)
        if isinstance(fault, SlowHeaders):
            if not self._pause(fault.delay):
                return self._gone_or_stopped(service)
            rate = fault.bytes_per_second
            if rate is not None:
                done = self._trickle(head, rate, time.monotonic() + fault.limit_seconds)
                if done != "sent":
                    return done
                head = b""
        if isinstance(fault, SlowBody):
            self._write(head)
            return self._trickle(
                body, fault.bytes_per_second, time.monotonic() + fault.limit_seconds, exchange
            )
        if isinstance(fault, EndlessBody):
            self._write(head)
            self.close_connection = True
            return self._endless(fault, exchange)
        if isinstance(fault, Truncated):
            body = body[: int(len(body) * fault.fraction)]
            self.close_connection = True
        self._write(head + body)
        exchange.sent = len(body)
        return "sent"

    def _head(self, response: Response, length: int | None, closing: bool) -> bytes:
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = "Unknown"
        lines = [f"HTTP/1.1 {response.status} {reason}", f"Date: {self.date_time_string()}"]
        lines += [f"{k}: {v}" for k, v in response.headers.items()]
        if length is not None:
            lines.append(f"Content-Length: {length}")
        if closing or self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _write(self, data: bytes) -> None:
        if data:
            self.wfile.write(data)

    def _gone_or_stopped(self, service: FakeService) -> str:
        self.close_connection = True
        return "stopped" if service._closing.is_set() else "client-closed"

    def _pause(self, seconds: float) -> bool:
        """Wait, unless the client closes or the service stops first (then False)."""
        closing = self.server.service._closing
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if closing.is_set():
                return False
            state = self._client_state(min(left, 0.05))
            if state == "closed":
                return False
            if state == "data":  # it sent more (pipelining): nothing to watch, just wait
                closing.wait(min(left, 0.05))
        return True

    def _client_state(self, wait: float) -> str:
        """`closed` when the client has closed its end (seen within `wait` s), `data` or `idle`."""
        try:
            readable, _, _ = select.select([self.connection], [], [], wait)
            if not readable:
                return "idle"
            return "closed" if self.connection.recv(1, socket.MSG_PEEK) == b"" else "data"
        except OSError:
            return "closed"

    def _trickle(
        self, data: bytes, rate: float, limit: float, exchange: Exchange | None = None
    ) -> str:
        """Send `data` at `rate` bytes a second; how it ended."""
        tick = max(1.0 / rate, 0.01)
        step = max(1, round(rate * tick))
        for start in range(0, len(data), step):
            if time.monotonic() >= limit:
                self.close_connection = True
                return "limit"
            self._write(data[start : start + step])
            if exchange is not None:
                exchange.sent += len(data[start : start + step])
            if start + step < len(data) and not self._pause(tick):
                return self._gone_or_stopped(self.server.service)
        return "sent"

    def _endless(self, fault: EndlessBody, exchange: Exchange) -> str:
        limit = time.monotonic() + fault.limit_seconds
        rate = fault.bytes_per_second
        chunk = b"x" * (65536 if rate is None else max(1, round(rate * max(1.0 / rate, 0.01))))
        pause = 0.0 if rate is None else max(1.0 / rate, 0.01)
        while exchange.sent < fault.limit_bytes:
            if time.monotonic() >= limit:
                return "limit"
            if self.server.service._closing.is_set():
                return "stopped"
            self._write(chunk)
            exchange.sent += len(chunk)
            if pause and not self._pause(pause):
                return self._gone_or_stopped(self.server.service)
        return "limit"


def _retry_after(value: float | datetime | str | None) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, datetime):
        return {"Retry-After": email.utils.format_datetime(value.astimezone(UTC), usegmt=True)}
    if isinstance(value, float | int):
        return {"Retry-After": f"{value:g}"}
    return {"Retry-After": value}
