"""A fake Semantic Scholar Graph API (`POST /graph/v1/paper/batch`, `GET /graph/v1/paper/{id}`)
on a `FakeService`.

It holds papers by the ids a client asks with (`ARXIV:…`, `DOI:…`, `CorpusId:N`, a paper id):
`papers` maps each to a paper object with the real field names (`paper()` builds one from
synthetic values, `arxiv_only()` one shaped like Semantic Scholar's record of a preprint).  The
batch answer is a JSON array in the order asked, `null` for an id it does not hold, as the real
API answers; with `synthesize=True` it answers every well-formed id with a paper made from the id
alone (load benchmarks).  `require_key` makes it answer 403 unless `x-api-key` is that key.
Faults are the service's (`inject(Status(429, retry_after=2), Malformed(), …)`); `short_answer`
is an answer with one entry missing (a partial batch).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .service import FakeService, Request, Response

API = "/graph/v1"
JSON = {"Content-Type": "application/json"}
ARXIV_VENUE = {
    "id": "1901e811-ee72-4b20-8f7e-de08cd395a10",
    "name": "arXiv.org",
    "alternate_names": ["ArXiv"],
    "issn": "2331-8422",
    "url": "https://arxiv.org",
}
"""The `publicationVenue` Semantic Scholar gives preprints."""


def sha(text: str) -> str:
    """A stable synthetic 40-hex paper id for `text`."""
    return hashlib.sha1(text.encode()).hexdigest()


def corpus_id(text: str) -> int:
    """A stable synthetic corpus id for `text`."""
    return int(sha(text)[:12], 16)


def paper(
    key: str,
    *,
    title: str = "A Test Paper",
    authors: tuple[str, ...] = ("Ada Example", "Bob Example"),
    year: int | None = 2024,
    venue: str = "",
    venue_type: str = "conference",
    journal: Mapping[str, str] | None = None,
    date: str | None = None,
    **external_ids: Any,
) -> dict[str, Any]:
    """A paper object with the Graph API's fields; `key` seeds its synthetic ids, `venue`
    (when given) is its `venue` and `publicationVenue.name`, `external_ids` its `externalIds`
    (`ArXiv="2401.00001"`, `DOI="10.1234/x"`, `DBLP="conf/x/Y24"`, …)."""
    ids = {"CorpusId": corpus_id(key), **external_ids}
    return {
        "paperId": sha(key),
        "externalIds": ids,
        "title": title,
        "authors": [{"authorId": str(corpus_id(a)), "name": a} for a in authors],
        "year": year,
        "venue": venue,
        "publicationVenue": (
            {
                "id": f"00000000-0000-4000-8000-{corpus_id(venue):012d}",
                "name": venue,
                "type": venue_type,
                "alternate_names": [],
                "url": "https://example.org/venue",
            }
            if venue
            else None
        ),
        "publicationDate": date,
        "journal": dict(journal) if journal else None,
    }


def arxiv_only(key: str, arxiv_id: str, **fields: Any) -> dict[str, Any]:
    """How Semantic Scholar records a paper that is only on arXiv: venue `arXiv.org`, journal
    `ArXiv`, DBLP's CoRR key."""
    found = paper(key, ArXiv=arxiv_id, DBLP=f"journals/corr/abs-{arxiv_id.replace('.', '-')}",
                  **fields)  # fmt: skip
    found["venue"] = "arXiv.org"
    found["publicationVenue"] = ARXIV_VENUE
    found["journal"] = {"name": "ArXiv", "volume": f"abs/{arxiv_id}"}
    return found


def synthetic(ident: str) -> dict[str, Any]:
    """A paper for any well-formed id, naming only that id (benchmarks)."""
    scheme, sep, value = ident.partition(":")
    ids: dict[str, Any] = {}
    if sep and scheme.upper() == "ARXIV":
        ids["ArXiv"] = value
    elif sep and scheme.upper() == "DOI":
        ids["DOI"] = value
    found = paper(ident, title=f"Synthetic paper {ident}", **ids)
    if not sep:
        found["paperId"] = ident
    return found


class FakeSemanticScholar(FakeService):
    """The fake Graph API; `url` is the base a source is configured with."""

    def __init__(
        self,
        papers: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        synthesize: bool = False,
        require_key: str = "",
        port: int = 0,
    ) -> None:
        super().__init__(port=port)
        self.papers: dict[str, Mapping[str, Any]] = dict(papers or {})
        self.synthesize = synthesize
        self.require_key = require_key
        self.batches: list[list[str]] = []
        """The ids of each batch request, in order."""
        self.route("POST", f"{API}/paper/batch", self._batch)
        self.route("GET", f"{API}/paper/{{ident}}", self._one)

    @property
    def url(self) -> str:
        return self.url_for(API)

    def lookup(self, ident: str) -> Mapping[str, Any] | None:
        """The paper held for `ident` (ids compared as the real API does: scheme
        case-insensitive)."""
        scheme, sep, value = ident.partition(":")
        key = f"{scheme.upper()}:{value}" if sep and scheme.upper() != "CORPUSID" else ident
        found = self.papers.get(ident) or self.papers.get(key)
        if found is None and self.synthesize:
            return synthetic(ident)
        return found

    def _refused(self, request: Request) -> Response | None:
        if self.require_key and request.header("x-api-key") != self.require_key:
            return Response(403, json.dumps({"message": "Forbidden"}).encode(), JSON)
        return None

    def _batch(self, request: Request) -> Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        try:
            ids = json.loads(request.body)["ids"]
        except (ValueError, KeyError, TypeError):
            return Response(400, b'{"error":"Unacceptable request body"}', JSON)
        if len(ids) > 500:
            return Response(400, b'{"error":"Too many ids. Maximum is 500"}', JSON)
        self.batches.append(list(ids))
        return Response(200, json.dumps([self.lookup(i) for i in ids]).encode(), JSON)

    def _one(self, request: Request) -> Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        found = self.lookup(request.params["ident"])
        if found is None:
            body = {"error": f"Paper with id {request.params['ident']} not found"}
            return Response(404, json.dumps(body).encode(), JSON)
        return Response(200, json.dumps(found).encode(), JSON)


def short_answer(entries: list[Any]) -> bytes:
    """A batch answer with its last entry missing: a partial batch the client must refuse."""
    return json.dumps(entries[:-1]).encode()


TOO_MANY_REQUESTS = json.dumps(
    {
        "message": "Too Many Requests. Please wait and try again or apply for a key for higher "
        "rate limits. https://www.semanticscholar.org/product/api#api-key-form",
        "code": "429",
    }
).encode()
"""The 429 body Semantic Scholar sends (it sends no `Retry-After`)."""


@contextmanager
def serve(
    papers: Mapping[str, Mapping[str, Any]] | None = None, **options: Any
) -> Iterator[FakeSemanticScholar]:
    """A started fake Graph API for the duration of the block."""
    with FakeSemanticScholar(papers, **options) as server:
        yield server
