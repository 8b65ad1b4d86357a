"""A fake arXiv API (`/api/query?id_list=...`) on a `FakeService`, answering from a given feed.

It holds no data of its own: give it Atom entries (`load_entries(feed.xml)`, e.g. the team's
reference feed) and it answers `id_list` queries with them, paged by `start`/`max_results` and
counted in `opensearch:totalResults`, as arXiv does.  With `synthesize=True` it also answers for
ids it does not hold, by cloning its first entry under the asked id (load benchmarks only).
`reverse` answers in the opposite order to the one asked (arXiv promises no order), and
`page_size` caps the entries per answer whatever `max_results` asks (as arXiv's own page limit).
Faults are the service's (`inject(Status(429, retry_after=5), SlowBody(1), ...)`); arXiv-shaped
answers for them are `feed_xml([])` (an empty page) and `error_feed(message)`.

Used by the tests, `benchmarks/refresh_requests.py` and `scripts/ship_reference_metadata.py`.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .service import FakeService, Request, Response

ATOM = "http://www.w3.org/2005/Atom"
NS = {
    "atom": ATOM,
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
    "arxiv": "http://arxiv.org/schemas/atom",
}
for _prefix, _uri in NS.items():
    ET.register_namespace("" if _prefix == "atom" else _prefix, _uri)

API_PATH = "/api/query"
ATOM_TYPE = {"Content-Type": "application/atom+xml; charset=utf-8"}


def versionless(entry_id: str) -> str:
    """`http://arxiv.org/abs/2312.00752v2` → `2312.00752` (old-style ids too)."""
    short = entry_id.rsplit("/abs/", 1)[-1]
    last = short.split("/")[-1]
    head, sep, tail = last.rpartition("v")
    if sep and head and tail.isdigit():
        return short[: len(short) - len(tail) - 1]
    return short


def load_entries(feed: Path | bytes) -> dict[str, ET.Element]:
    """The entries of an Atom feed (a file or its bytes), by versionless id."""
    root = ET.parse(feed).getroot() if isinstance(feed, Path) else ET.fromstring(feed)
    return {versionless(e.findtext("atom:id", "", NS)): e for e in root.findall("atom:entry", NS)}


def feed_xml(entries: list[ET.Element], total: int | None = None, start: int = 0) -> bytes:
    """An arXiv API answer holding `entries` (one page of `total` results)."""
    root = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(root, f"{{{ATOM}}}title").text = "ArXiv Query (fake)"
    ET.SubElement(root, f"{{{NS['opensearch']}}}totalResults").text = str(
        len(entries) if total is None else total
    )
    ET.SubElement(root, f"{{{NS['opensearch']}}}startIndex").text = str(start)
    ET.SubElement(root, f"{{{NS['opensearch']}}}itemsPerPage").text = str(len(entries))
    root.extend(entries)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def error_feed(message: str) -> bytes:
    """arXiv's answer to a bad query: one entry titled `Error` whose summary says why."""
    entry = ET.Element(f"{{{ATOM}}}entry")
    ET.SubElement(entry, f"{{{ATOM}}}id").text = "http://arxiv.org/api/errors#incorrect_id_format"
    ET.SubElement(entry, f"{{{ATOM}}}title").text = "Error"
    ET.SubElement(entry, f"{{{ATOM}}}summary").text = message
    ET.SubElement(entry, f"{{{ATOM}}}updated").text = "2026-01-01T00:00:00-05:00"
    ET.SubElement(entry, f"{{{ATOM}}}published").text = "2026-01-01T00:00:00-05:00"
    return feed_xml([entry], total=1, start=0)


def with_version(entry: ET.Element, ident: str, version: str = "v1") -> ET.Element:
    """A copy of `entry` under another id (and version)."""
    clone = copy.deepcopy(entry)
    node = clone.find("atom:id", NS)
    if node is None:
        node = ET.SubElement(clone, f"{{{ATOM}}}id")
    node.text = f"http://arxiv.org/abs/{ident}{version}"
    return clone


class FakeArxiv(FakeService):
    """The fake API; `url` is its query endpoint, `entries` can be edited between requests."""

    def __init__(
        self, entries: dict[str, ET.Element], *, synthesize: bool = False, port: int = 0
    ) -> None:
        super().__init__(port=port)
        self.entries = entries
        self.synthesize = synthesize
        self.reverse = False
        self.page_size: int | None = None
        self.route("GET", API_PATH, self._answer)

    @property
    def url(self) -> str:
        return self.url_for(API_PATH)

    @property
    def queries(self) -> list[dict[str, str]]:
        """Each request's query parameters (first values)."""
        return [{k: v[0] for k, v in r.query.items()} for r in self.requests]

    def feed(self, ids: list[str], start: int, max_results: int) -> bytes:
        """The answer to `id_list=ids&start=...&max_results=...`."""
        found = []
        for i in ids:
            if i in self.entries:
                found.append(self.entries[i])
            elif self.synthesize and self.entries:
                found.append(with_version(next(iter(self.entries.values())), i))
        if self.reverse:
            found.reverse()
        count = max_results if self.page_size is None else min(max_results, self.page_size)
        return feed_xml(found[start : start + count], total=len(found), start=start)

    def _answer(self, request: Request) -> Response:
        ids = [i for i in (request.arg("id_list") or "").split(",") if i]
        start = int(request.arg("start") or 0)
        max_results = int(request.arg("max_results") or 10)
        return Response(200, self.feed(ids, start, max_results), ATOM_TYPE)


@contextmanager
def serve(feed: Path | bytes, synthesize: bool = False, port: int = 0) -> Iterator[FakeArxiv]:
    """A started fake arXiv API serving `feed`'s entries for the duration of the block."""
    with FakeArxiv(load_entries(feed), synthesize=synthesize, port=port) as server:
        yield server
