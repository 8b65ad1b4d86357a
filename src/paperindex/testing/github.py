"""A fake GitHub REST API (and raw file host) on a `FakeService`, with a request budget.

It holds no data of its own: give it repositories (the REST API's JSON shape, see
`repo_json`), users and CITATION.cff files.  It answers as GitHub does (shapes from the REST
reference, values synthetic): `ETag` on every 200 and `304` to a matching `If-None-Match`
(costing no budget), `X-RateLimit-*` headers, `403` with the rate-limit body once the budget is
spent (until `reset_budget()` or its reset time passes on `clock`), `301` to
`/repositories/{id}` for a renamed repository, `404` with GitHub's body for an unknown one.  Raw
files are under `/raw/{owner}/{repo}/{branch}/{path}` (the source's `raw` endpoint).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from .service import FakeService, Request, Response

JSON = {"Content-Type": "application/json; charset=utf-8"}


def repo_json(
    full_name: str,
    *,
    description: str | None = None,
    owner_type: str = "Organization",
    license_spdx: str | None = None,
    created_at: str | None = "2024-01-02T03:04:05Z",
    pushed_at: str | None = "2024-05-06T07:00:00Z",
    default_branch: str = "main",
    repo_id: int = 123456789,
    **extra: Any,
) -> dict[str, Any]:
    """A repository as `GET /repos/{owner}/{repo}` returns it (the fields paperindex reads,
    and a few it does not)."""
    owner, name = full_name.split("/", 1)
    licence = None
    if license_spdx:
        licence = {"key": license_spdx.lower(), "name": license_spdx, "spdx_id": license_spdx}
    return {
        "id": repo_id, "name": name, "full_name": full_name, "private": False,
        "owner": {"login": owner, "id": 1000001, "type": owner_type},
        "html_url": f"https://github.com/{full_name}", "description": description,
        "fork": False, "archived": False, "homepage": None, "language": "Python",
        "license": licence, "topics": [], "stargazers_count": 42, "forks_count": 3,
        "default_branch": default_branch, "created_at": created_at, "updated_at": pushed_at,
        "pushed_at": pushed_at, **extra,
    }  # fmt: skip


class FakeGitHub(FakeService):
    """The fake API; `budget` requests per window of `window` seconds on `clock`."""

    def __init__(
        self,
        *,
        budget: int = 60,
        window: float = 3600.0,
        clock: Callable[[], float] = time.time,
        port: int = 0,
    ) -> None:
        super().__init__(port=port)
        self.repos: dict[str, dict[str, Any]] = {}
        """Repository JSON by lower-cased full name."""
        self.users: dict[str, dict[str, Any]] = {}
        self.files: dict[tuple[str, str], str] = {}
        """(lower-cased full name, path) → text on the default branch."""
        self.renamed: dict[str, str] = {}
        """Old lower-cased full name → current full name."""
        self.limit = budget
        self.remaining = budget
        self.window = window
        self.clock = clock
        self.reset_at = clock() + window
        self.statuses: list[int] = []
        """The status of every API answer, in order."""
        self.route("GET", "/repos/{owner}/{name}", self._repo)
        self.route("GET", "/repositories/{rid}", self._by_id)
        self.route("GET", "/users/{login}", self._user)
        self.route("GET", "/raw/{owner}/{name}/{branch}/{path}", self._raw)

    @property
    def url(self) -> str:
        return self.base_url

    @property
    def raw_url(self) -> str:
        return self.url_for("/raw")

    def add(self, repo: dict[str, Any], citation: str | None = None) -> None:
        """Serve `repo` (see `repo_json`), with a CITATION.cff when given."""
        key = str(repo["full_name"]).lower()
        self.repos[key] = repo
        if citation is not None:
            self.files[(key, "CITATION.cff")] = citation

    def add_user(self, login: str, name: str | None, kind: str = "User") -> None:
        self.users[login.lower()] = {"login": login, "id": 1000002, "type": kind, "name": name}

    def rename(self, old: str, new: str) -> None:
        """`old` now answers 301 to the repository `new` (which must have been added)."""
        self.renamed[old.lower()] = new

    def reset_budget(self, budget: int | None = None) -> None:
        """A new window: the budget is whole again (or `budget`)."""
        if budget is not None:
            self.limit = budget
        self.remaining = self.limit
        self.reset_at = self.clock() + self.window

    # answers

    def _rate_headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(int(self.reset_at)),
            "X-RateLimit-Used": str(self.limit - self.remaining),
            "X-RateLimit-Resource": "core",
        }

    def _answer(self, request: Request, status: int, payload: Any) -> Response:
        if self.clock() >= self.reset_at:
            self.reset_budget()
        body = json.dumps(payload, sort_keys=True).encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if status == 200 and request.header("If-None-Match") == etag:
            self.statuses.append(304)
            return Response(304, b"", {"ETag": etag, **self._rate_headers()})
        if self.remaining <= 0:
            self.statuses.append(403)
            message = {
                "message": "API rate limit exceeded for 203.0.113.7. (But here's the good news: "
                "Authenticated requests get a higher rate limit. Check out the documentation "
                "for more details.)",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
            }
            return Response(403, json.dumps(message).encode(), {**JSON, **self._rate_headers()})
        self.remaining -= 1
        self.statuses.append(status)
        headers = {**JSON, **self._rate_headers()}
        if status == 200:
            headers["ETag"] = etag
        return Response(status, body, headers)

    def _repo(self, request: Request) -> Response:
        key = f"{request.params['owner']}/{request.params['name']}".lower()
        if key in self.renamed:
            target = self.repos[self.renamed[key].lower()]
            location = self.url_for(f"/repositories/{target['id']}")
            resp = self._answer(
                request, 301, {"message": "Moved Permanently", "url": location,
                               "documentation_url": "https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects"},
            )  # fmt: skip
            return Response(resp.status, resp.body, {**resp.headers, "Location": location})
        repo = self.repos.get(key)
        if repo is None:
            return self._answer(request, 404, _not_found("repos/repos#get-a-repository"))
        return self._answer(request, 200, repo)

    def _by_id(self, request: Request) -> Response:
        for repo in self.repos.values():
            if str(repo["id"]) == request.params["rid"]:
                return self._answer(request, 200, repo)
        return self._answer(request, 404, _not_found("repos/repos#get-a-repository"))

    def _user(self, request: Request) -> Response:
        user = self.users.get(request.params["login"].lower())
        if user is None:
            return self._answer(request, 404, _not_found("users/users#get-a-user"))
        return self._answer(request, 200, user)

    def _raw(self, request: Request) -> Response:
        key = f"{request.params['owner']}/{request.params['name']}".lower()
        text = self.files.get((key, request.params["path"]))
        repo = self.repos.get(key)
        if text is None or repo is None or request.params["branch"] != repo["default_branch"]:
            return Response(404, b"404: Not Found", {"Content-Type": "text/plain"})
        body = text.encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if request.header("If-None-Match") == etag:
            return Response(304, b"", {"ETag": etag})
        return Response(200, body, {"Content-Type": "text/plain; charset=utf-8", "ETag": etag})


def _not_found(doc: str) -> dict[str, str]:
    return {
        "message": "Not Found",
        "documentation_url": f"https://docs.github.com/rest/{doc}",
        "status": "404",
    }
