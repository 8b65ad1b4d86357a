"""A small fake arXiv API on 127.0.0.1: answers `id_list` queries from the reference feed.

It serves the entries of `../shared/reference/arxiv/feed.xml` (real metadata compiled from public
records), and injects faults on demand, one per request, from `faults`:

    "ok", "429", "429:<seconds>" (with Retry-After), "503", "slow:<seconds>", "reset",
    "truncated", "empty", "html", "error:<message>"

With `synthesize=True` it also answers for ids it does not hold, by cloning a reference entry
under the asked id (for load benchmarks only; the clone's text is the template's).
Used by the tests, the benchmarks and `scripts/ship_reference_metadata.py`.
"""

from __future__ import annotations

import copy
import socket
import struct
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ATOM = "http://www.w3.org/2005/Atom"
NS = {
    "atom": ATOM,
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
    "arxiv": "http://arxiv.org/schemas/atom",
}
for prefix, uri in NS.items():
    ET.register_namespace("" if prefix == "atom" else prefix, uri)


def load_entries(feed_path: Path) -> dict[str, ET.Element]:
    """Reference entries by versionless id."""
    root = ET.parse(feed_path).getroot()
    entries = {}
    for entry in root.findall("atom:entry", NS):
        short = (entry.findtext("atom:id", "", NS)).rsplit("/abs/", 1)[-1]
        ident = (
            short.rsplit("v", 1)[0]
            if short[-1].isdigit() and "v" in short.split("/")[-1]
            else short
        )
        entries[ident] = entry
    return entries


class FakeArxiv(ThreadingHTTPServer):
    """The server; `url` is its query endpoint."""

    daemon_threads = True

    def __init__(
        self, entries: dict[str, ET.Element], synthesize: bool = False, port: int = 0
    ) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.entries = entries
        self.synthesize = synthesize
        self.faults: list[str] = []
        self.requests: list[dict[str, str]] = []
        self.user_agents: list[str] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/query"

    def next_fault(self) -> str:
        with self.lock:
            return self.faults.pop(0) if self.faults else "ok"

    def feed(self, ids: list[str], start: int, max_results: int) -> bytes:
        found = []
        for i in ids:
            if i in self.entries:
                found.append(self.entries[i])
            elif self.synthesize and self.entries:
                template = copy.deepcopy(next(iter(self.entries.values())))
                template.find("atom:id", NS).text = f"http://arxiv.org/abs/{i}v1"  # type: ignore[union-attr]
                found.append(template)
        page = found[start : start + max_results]
        return _feed_xml(page, total=len(found), start=start)


def _feed_xml(entries: list[ET.Element], total: int, start: int) -> bytes:
    root = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(root, f"{{{ATOM}}}title").text = "ArXiv Query (fake)"
    ET.SubElement(root, f"{{{NS['opensearch']}}}totalResults").text = str(total)
    ET.SubElement(root, f"{{{NS['opensearch']}}}startIndex").text = str(start)
    ET.SubElement(root, f"{{{NS['opensearch']}}}itemsPerPage").text = str(len(entries))
    root.extend(entries)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _error_feed(message: str) -> bytes:
    entry = ET.Element(f"{{{ATOM}}}entry")
    ET.SubElement(entry, f"{{{ATOM}}}id").text = "http://arxiv.org/api/errors#incorrect_id_format"
    ET.SubElement(entry, f"{{{ATOM}}}title").text = "Error"
    ET.SubElement(entry, f"{{{ATOM}}}summary").text = message
    ET.SubElement(entry, f"{{{ATOM}}}updated").text = "2026-01-01T00:00:00-05:00"
    ET.SubElement(entry, f"{{{ATOM}}}published").text = "2026-01-01T00:00:00-05:00"
    return _feed_xml([entry], total=1, start=0)


class _Handler(BaseHTTPRequestHandler):
    server: FakeArxiv
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        with self.server.lock:
            self.server.requests.append(query)
            self.server.user_agents.append(self.headers.get("User-Agent", ""))
        fault = self.server.next_fault()
        name, _, arg = fault.partition(":")
        ids = [i for i in query.get("id_list", "").split(",") if i]
        body = self.server.feed(ids, int(query.get("start", 0)), int(query.get("max_results", 10)))
        if name == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if name == "slow":
            time.sleep(float(arg or 5))
        if name in ("429", "503"):
            headers = {"Retry-After": arg} if arg else {}
            self._send(int(name), b"rate limited" if name == "429" else b"unavailable", headers)
            return
        if name == "truncated":
            body = body[: len(body) // 2]
        elif name == "empty":
            body = _feed_xml([], total=0, start=0)
        elif name == "html":
            body = b"<html><body>Access Denied</body></html>"
        elif name == "error":
            body = _error_feed(arg)
        self._send(200, body, {"Content-Type": "application/atom+xml; charset=utf-8"})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            pass


@contextmanager
def serve(feed_path: Path, synthesize: bool = False, port: int = 0) -> Iterator[FakeArxiv]:
    """Run a fake arXiv API for the duration of the block (on `port`, or any free one)."""
    server = FakeArxiv(load_entries(feed_path), synthesize=synthesize, port=port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
