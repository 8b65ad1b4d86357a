"""A safety net for test runs: no connection and no DNS lookup beyond the loopback interface.

Tests configure every source's endpoint to a fake service on 127.0.0.1, but a refresh goes
through every registered source, so a test that forgets one would reach for the real service.
`loopback_only()` makes that impossible for the block (the test suite turns it on for every
test): a name other than `localhost` does not resolve, and a connection to an address outside
127.0.0.0/8 and ::1 fails, both with the error a machine without a network gives
(`socket.gaierror` EAI_AGAIN, `OSError` ENETUNREACH), so the code under test reacts as it would
offline and the test sees a "network unreachable" failure instead of a silent outside request.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def _is_loopback(host: Any) -> bool:
    if not isinstance(host, str):
        return False
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@contextlib.contextmanager
def loopback_only() -> Iterator[list[str]]:
    """Within the block, only loopback addresses resolve and connect; yields the list of
    refused attempts (host or address), for tests that want to look."""
    refused: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_loopback(host):
            refused.append(str(host))
            raise socket.gaierror(socket.EAI_AGAIN, "no network in tests (loopback only)")
        return real_getaddrinfo(host, *args, **kwargs)

    def allowed(sock: socket.socket, address: Any) -> bool:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return True  # Unix sockets and the like are local by nature
        host = address[0] if isinstance(address, tuple) else address
        if _is_loopback(host):
            return True
        refused.append(str(host))
        return False

    def connect(sock: socket.socket, address: Any) -> None:
        if not allowed(sock, address):
            raise OSError(errno.ENETUNREACH, "Network is unreachable (tests: loopback only)")
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        if not allowed(sock, address):
            return errno.ENETUNREACH
        return real_connect_ex(sock, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    try:
        yield refused
    finally:
        socket.getaddrinfo = real_getaddrinfo
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
