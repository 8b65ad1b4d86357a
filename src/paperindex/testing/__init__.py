"""Test tooling shipped with the package: fake HTTP services on 127.0.0.1.

`FakeService` is a generic HTTP/1.1 server with routes (method + path -> handler), a request log
and injectable faults, one per request; `paperindex.testing.arxiv.FakeArxiv` is the arXiv API
built on it.  Each metadata source gets a small module like that one, and its tests run the
source's real client against it: real sockets, no mocks of the HTTP layer, no outside host.

Faults: `Status` (429/503, with `Retry-After` in seconds or as an HTTP-date), `SlowHeaders`
(a delay, or headers trickled at N bytes/s), `SlowBody` (N bytes/s), `EndlessBody`, `Reset`,
`Truncated`, `Malformed`, `Respond` (any other answer) and `Hold` (answer on `release()`).
Only the standard library is imported.
"""

from .service import (
    EndlessBody,
    Exchange,
    FakeService,
    Fault,
    Handler,
    Hold,
    Malformed,
    Request,
    Reset,
    Respond,
    Response,
    SlowBody,
    SlowHeaders,
    Status,
    Truncated,
)

__all__ = [
    "EndlessBody",
    "Exchange",
    "FakeService",
    "Fault",
    "Handler",
    "Hold",
    "Malformed",
    "Request",
    "Reset",
    "Respond",
    "Response",
    "SlowBody",
    "SlowHeaders",
    "Status",
    "Truncated",
]
