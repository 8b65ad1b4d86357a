"""Fake Crossref (`GET /works/{doi}`) and DataCite (`GET /dois/{doi}`) services on
`FakeService`s, answering from given records with the real envelopes.

Crossref: `{"status": "ok", "message-type": "work", "message": {…}}`, 404 with the plain-text
body `Resource not found.`, the `x-rate-limit-*` and `x-api-pool` headers (`polite` when the
request carried a `mailto`).  DataCite: `{"data": {"id", "type": "dois", "attributes": {…}}}`,
404 with `{"errors": [{"status": "404", "title": …}]}`.  `work()` and `doi_record()` build
records from synthetic values with the real field names; `synthesize=True` answers any DOI
(load benchmarks).  Faults are the services' (`inject(…)`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

from .service import FakeService, Request, Response

JSON = {"Content-Type": "application/json"}
_DEPTH = 6
"""DOIs have up to this many `/`-separated parts in the fake's routes."""


def work(
    doi: str,
    *,
    type: str = "journal-article",
    title: str = "A Test Paper",
    container: str = "Journal of Examples",
    authors: Sequence[str] = ("Ada Example", "Bob Example"),
    issued: Sequence[int] = (2024, 5, 6),
    relation: Mapping[str, Sequence[str]] | None = None,
    event: str = "",
) -> dict[str, Any]:
    """A Crossref work (`message`) with the real field names; `relation` maps a relation name
    to DOIs (`{"has-preprint": ["10.48550/arxiv.2401.00001"]}`)."""
    people = []
    for n, name in enumerate(authors):
        given, _, family = name.rpartition(" ")
        people.append(
            {"given": given, "family": family, "sequence": "first" if n == 0 else "additional",
             "affiliation": []} if given else {"name": name, "sequence": "additional",
                                               "affiliation": []}
        )  # fmt: skip
    found: dict[str, Any] = {
        "DOI": doi,
        "type": type,
        "prefix": doi.split("/", 1)[0],
        "member": "99999",
        "publisher": "Example Publisher",
        "source": "Crossref",
        "title": [title],
        "subtitle": [],
        "container-title": [container] if container else [],
        "short-container-title": [],
        "author": people,
        "issued": {"date-parts": [list(issued)]},
        "published": {"date-parts": [list(issued)]},
        "URL": f"https://doi.org/{doi}",
        "relation": {
            name: [{"id-type": "doi", "id": i, "asserted-by": "subject"} for i in ids]
            for name, ids in (relation or {}).items()
        },
        "is-referenced-by-count": 0,
        "reference-count": 0,
        "score": 1,
    }
    if event:
        found["event"] = {"name": event, "location": "Example City"}
    return found


def doi_record(
    doi: str,
    *,
    title: str = "A Test Paper",
    creators: Sequence[str] = ("Example, Ada",),
    year: int = 2024,
    publisher: str = "arXiv",
    resource_type: str = "Preprint",
    related: Sequence[tuple[str, str, str]] = (),
) -> dict[str, Any]:
    """A DataCite DOI record (`data`) with the real field names; `related` holds
    (relationType, relatedIdentifierType, relatedIdentifier) triples."""
    return {
        "id": doi.lower(),
        "type": "dois",
        "attributes": {
            "doi": doi.lower(),
            "prefix": doi.split("/", 1)[0],
            "identifiers": [],
            "creators": [{"name": c, "nameType": "Personal", "affiliation": []} for c in creators],
            "titles": [{"title": title}],
            "publisher": publisher,
            "container": {},
            "publicationYear": year,
            "types": {"resourceTypeGeneral": resource_type, "bibtex": "misc"},
            "relatedIdentifiers": [
                {"relationType": r, "relatedIdentifierType": t, "relatedIdentifier": i}
                for r, t, i in related
            ],
            "url": "https://example.org/record",
            "state": "findable",
        },
        "relationships": {"client": {"data": {"id": "example.client", "type": "clients"}}},
    }


class _DoiService(FakeService):
    prefix = ""

    def __init__(
        self,
        records: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        synthesize: bool = False,
        port: int = 0,
    ) -> None:
        super().__init__(port=port)
        self.records = {k.lower(): v for k, v in (records or {}).items()}
        self.synthesize = synthesize
        for depth in range(1, _DEPTH + 1):
            parts = "/".join(f"{{p{n}}}" for n in range(depth))
            self.route("GET", f"{self.prefix}/{parts}", self._answer)

    @property
    def url(self) -> str:
        return self.base_url

    @property
    def asked(self) -> list[str]:
        """The DOIs asked for, in order."""
        return [_doi(r) for r in self.requests]

    def _answer(self, request: Request) -> Response:
        raise NotImplementedError


def _doi(request: Request) -> str:
    return unquote("/".join(request.params[k] for k in sorted(request.params))).lower()


class FakeCrossref(_DoiService):
    """The fake `/works/{doi}`."""

    prefix = "/works"

    def _answer(self, request: Request) -> Response:
        doi = _doi(request)
        pool = "polite" if request.arg("mailto") else "public"
        headers = {**JSON, "x-rate-limit-limit": "10", "x-rate-limit-interval": "1s",
                   "x-api-pool": pool}  # fmt: skip
        found = self.records.get(doi)
        if found is None and self.synthesize:
            found = work(doi, title=f"Synthetic work {doi}")
        if found is None:
            return Response(404, b"Resource not found.", {"Content-Type": "text/plain"})
        body = {"status": "ok", "message-type": "work", "message-version": "1.0.0",
                "message": found}  # fmt: skip
        return Response(200, json.dumps(body).encode(), headers)


class FakeDataCite(_DoiService):
    """The fake `/dois/{doi}`."""

    prefix = "/dois"

    def _answer(self, request: Request) -> Response:
        doi = _doi(request)
        found = self.records.get(doi)
        if found is None and self.synthesize:
            found = doi_record(doi, title=f"Synthetic record {doi}")
        if found is None:
            body = {
                "errors": [
                    {"status": "404", "title": "The resource you are looking for doesn't exist."}
                ]
            }
            return Response(404, json.dumps(body).encode(), JSON)  # fmt: skip
        return Response(200, json.dumps({"data": found}).encode(), JSON)


@contextmanager
def serve_crossref(
    records: Mapping[str, Mapping[str, Any]] | None = None, **options: Any
) -> Iterator[FakeCrossref]:
    """A started fake Crossref for the duration of the block."""
    with FakeCrossref(records, **options) as server:
        yield server


@contextmanager
def serve_datacite(
    records: Mapping[str, Mapping[str, Any]] | None = None, **options: Any
) -> Iterator[FakeDataCite]:
    """A started fake DataCite for the duration of the block."""
    with FakeDataCite(records, **options) as server:
        yield server
