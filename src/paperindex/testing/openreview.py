"""A fake OpenReview API v2 (`GET /notes?id=…`) on a `FakeService`, answering from given notes.

`note()` builds a submission note with the real shape (every content field `{"value": …}`,
epoch-millisecond dates) from synthetic values, accepted (`venueid` the conference group) or not
(`…/Rejected_Submission`, `…/Withdrawn_Submission`).  An id it does not hold gets OpenReview's
404 JSON (`NotFoundError`); `cloudflare()` is the HTML 403 of a bot check, `forbidden()` the JSON
403 of a note that is not public.  `synthesize=True` answers any id with an accepted note (load
benchmarks).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from .service import FakeService, Request, Response

JSON = {"Content-Type": "application/json; charset=utf-8"}
ICLR_2024 = "ICLR.cc/2024/Conference"


def note(
    forum: str,
    *,
    title: str = "A Test Paper",
    authors: Sequence[str] = ("Ada Example", "Bob Example"),
    venue: str = "ICLR 2024 poster",
    venueid: str = ICLR_2024,
    pdate: int | None = 1705000000000,
    abstract: str = "An abstract.",
) -> dict[str, Any]:
    """A submission note of API v2; `venue`/`venueid` say whether it was accepted."""
    found: dict[str, Any] = {
        "id": forum,
        "forum": forum,
        "number": 4242,
        "invitations": [f"{ICLR_2024}/-/Submission", f"{ICLR_2024}/-/Post_Submission"],
        "domain": ICLR_2024,
        "cdate": 1695000000000,
        "tcdate": 1695000000000,
        "mdate": 1710000000000,
        "tmdate": 1710000000000,
        "odate": 1697000000000,
        "readers": ["everyone"],
        "content": {
            "title": {"value": title},
            "authors": {"value": list(authors)},
            "authorids": {"value": [f"~{a.replace(' ', '_')}1" for a in authors]},
            "abstract": {"value": abstract},
            "venue": {"value": venue},
            "venueid": {"value": venueid},
            "pdf": {"value": "/pdf/0123456789abcdef0123456789abcdef01234567.pdf"},
        },
    }
    if pdate is not None:
        found["pdate"] = pdate
    return found


def rejected(forum: str, **fields: Any) -> dict[str, Any]:
    """A note of a rejected submission."""
    return note(forum, venue="Submitted to ICLR 2024",
                venueid=f"{ICLR_2024}/Rejected_Submission", pdate=None, **fields)  # fmt: skip


def withdrawn(forum: str, **fields: Any) -> dict[str, Any]:
    """A note of a withdrawn submission."""
    return note(forum, venue="ICLR 2024 Conference Withdrawn Submission",
                venueid=f"{ICLR_2024}/Withdrawn_Submission", pdate=None, **fields)  # fmt: skip


def cloudflare() -> Response:
    """The HTML 403 of a bot check in front of the API."""
    return Response(403, b"<!DOCTYPE html><html><title>Just a moment...</title></html>",
                    {"Content-Type": "text/html"})  # fmt: skip


def forbidden(forum: str) -> Response:
    """OpenReview's JSON 403 for a note that is not public."""
    body = {"name": "ForbiddenError", "message": f"You don't have permission to read {forum}",
            "status": 403}  # fmt: skip
    return Response(403, json.dumps(body).encode(), JSON)


class FakeOpenReview(FakeService):
    """The fake `/notes` endpoint; `url` is its base."""

    def __init__(
        self,
        notes: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        synthesize: bool = False,
        port: int = 0,
    ) -> None:
        super().__init__(port=port)
        self.notes = dict(notes or {})
        self.synthesize = synthesize
        self.route("GET", "/notes", self._answer)

    @property
    def url(self) -> str:
        return self.base_url

    @property
    def asked(self) -> list[str]:
        """The forum ids asked for, in order."""
        return [r.arg("id") or "" for r in self.requests]

    def _answer(self, request: Request) -> Response:
        forum = request.arg("id") or ""
        found = self.notes.get(forum)
        if found is None and self.synthesize:
            found = note(forum, title=f"Synthetic note {forum}")
        if found is None:
            body = {"name": "NotFoundError", "message": f"The Note {forum} was not found",
                    "status": 404}  # fmt: skip
            return Response(404, json.dumps(body).encode(), JSON)
        return Response(200, json.dumps({"notes": [found], "count": 1}).encode(), JSON)


@contextmanager
def serve(
    notes: Mapping[str, Mapping[str, Any]] | None = None, **options: Any
) -> Iterator[FakeOpenReview]:
    """A started fake OpenReview API for the duration of the block."""
    with FakeOpenReview(notes, **options) as server:
        yield server
