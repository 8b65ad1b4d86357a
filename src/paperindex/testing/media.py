"""Fake Hugging Face Hub, YouTube (oEmbed + watch pages), bilibili (view API + b23.tv) and X
oEmbed services, and a fake web of cited pages, each on a `FakeService`.

They hold no data of their own: tests and scripts give them answers in the services' documented
shapes (synthetic values in tests; the team's reference facts in the shipping script), and they
answer errors as the real services do (see the notes on each class).
"""

from __future__ import annotations

import json
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .service import FakeService, Request, Response

JSON = {"Content-Type": "application/json; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
TEXT = {"Content-Type": "text/plain; charset=utf-8"}


def _json(status: int, payload: Any, **headers: str) -> Response:
    return Response(status, json.dumps(payload, ensure_ascii=False).encode(), {**JSON, **headers})


class FakeHub(FakeService):
    """`/api/{models,datasets,spaces}/{id}`; unknown ids answer 401 `RepoNotFound` as the Hub
    does for anonymous callers; `moved` ids answer 307 with a relative Location."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(port=port)
        self.repos: dict[tuple[str, str], dict[str, Any]] = {}
        self.moved: dict[tuple[str, str], str] = {}
        for kind in ("models", "datasets", "spaces"):
            self.route("GET", f"/api/{kind}/{{a}}", self._answer)
            self.route("GET", f"/api/{kind}/{{a}}/{{b}}", self._answer)

    @property
    def url(self) -> str:
        return self.base_url

    def add(self, kind: str, info: dict[str, Any], *aliases: str) -> None:
        """Serve `info` (the Hub's JSON) as `kind/info["id"]`, and under `aliases` too (a
        legacy id the Hub still answers for, with the new id in the body)."""
        for name in (info["id"], *aliases):
            self.repos[(kind, name.lower())] = info

    def move(self, kind: str, old: str, new: str) -> None:
        self.moved[(kind, old.lower())] = new

    def _answer(self, request: Request) -> Response:
        kind = request.path.split("/")[2]
        name = "/".join(v for k, v in sorted(request.params.items()))
        if (kind, name.lower()) in self.moved:
            target = f"/api/{kind}/{self.moved[(kind, name.lower())]}"
            return Response(307, b"", {"Location": target})
        info = self.repos.get((kind, name.lower()))
        if info is None:
            return _json(401, {"error": "Repository not found"}, **{
                "X-Error-Code": "RepoNotFound",
                "X-Error-Message": "Repository not found",
            })  # fmt: skip
        return _json(200, info)


def hub_json(repo_id: str, **fields: Any) -> dict[str, Any]:
    """A Hub repository answer with the fields paperindex reads (override any)."""
    author = repo_id.split("/")[0] if "/" in repo_id else None
    return {
        "_id": "65f0000000000000000000aa", "id": repo_id, "author": author,
        "sha": "0" * 40, "createdAt": "2024-01-02T03:04:05.000Z",
        "lastModified": "2024-05-06T07:08:09.000Z", "private": False, "gated": False,
        "disabled": False, "downloads": 1, "likes": 1, "tags": [], "cardData": {},
        **fields,
    }  # fmt: skip


class FakeYouTube(FakeService):
    """`/oembed?url=…&format=json` and `/watch?v=ID`.  Unknown videos answer 404 `Not Found`
    (plain text); `no_embed` ids 401 `Unauthorized`; watch pages carry microdata when the video
    has an `upload_date`."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(port=port)
        self.videos: dict[str, dict[str, Any]] = {}
        self.no_embed: set[str] = set()
        self.route("GET", "/oembed", self._oembed)
        self.route("GET", "/watch", self._watch)

    @property
    def url(self) -> str:
        return self.base_url

    def add(self, video: str, title: str, channel: str, upload_date: str | None = None) -> None:
        self.videos[video] = {"title": title, "channel": channel, "date": upload_date}

    def _oembed(self, request: Request) -> Response:
        target = urlsplit(request.arg("url") or "")
        video = (parse_qs(target.query).get("v") or [""])[0]
        if video in self.no_embed:
            return Response(401, b"Unauthorized", TEXT)
        found = self.videos.get(video)
        if found is None:
            return Response(404, b"Not Found", TEXT)
        return _json(200, {
            "title": found["title"], "author_name": found["channel"],
            "author_url": "https://www.youtube.com/@example", "type": "video", "height": 113,
            "width": 200, "version": "1.0", "provider_name": "YouTube",
            "provider_url": "https://www.youtube.com/",
            "thumbnail_url": f"https://i.ytimg.com/vi/{video}/hqdefault.jpg",
            "html": f'<iframe src="https://www.youtube.com/embed/{video}?feature=oembed"></iframe>',
        })  # fmt: skip

    def _watch(self, request: Request) -> Response:
        found = self.videos.get(request.arg("v") or "")
        if found is None:
            return Response(404, b"<html><title>YouTube</title></html>", HTML)
        date = found["date"]
        meta = (
            f'<div itemscope itemtype="http://schema.org/VideoObject">'
            f'<meta itemprop="name" content="{escape(found["title"])}">'
            f'<meta itemprop="uploadDate" content="{date}"></div>'
            if date
            else ""
        )
        title = escape(found["title"])
        page = f"<html><head><title>{title} - YouTube</title></head><body>{meta}</body></html>"
        return Response(200, page.encode(), HTML)


class FakeBilibili(FakeService):
    """`/x/web-interface/view?bvid=…` (HTTP 200 envelopes: code 0, -404, or a `codes` entry such
    as 62002 or -352) and short links `/b23/{code}` (302 to the video page)."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(port=port)
        self.videos: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, int] = {}
        self.short: dict[str, str] = {}
        self.route("GET", "/x/web-interface/view", self._view)
        self.route("GET", "/b23/{code}", self._short)

    @property
    def url(self) -> str:
        return self.base_url

    @property
    def short_url(self) -> str:
        return self.url_for("/b23")

    def add(self, bvid: str, aid: int, title: str, owner: str, pubdate: int) -> None:
        self.videos[bvid] = {
            "bvid": bvid, "aid": aid, "videos": 1, "tid": 17, "tname": "Example zone",
            "copyright": 1, "pic": "https://i0.hdslb.com/bfs/archive/example.jpg",
            "title": title, "pubdate": pubdate, "ctime": pubdate - 100, "desc": "Description.",
            "duration": 300, "owner": {"mid": 123456, "name": owner, "face": ""},
            "stat": {"aid": aid, "view": 10}, "cid": 279786,
        }  # fmt: skip

    def _view(self, request: Request) -> Response:
        bvid = request.arg("bvid") or ""
        if bvid in self.codes:
            code = self.codes[bvid]
            return _json(200, {"code": code, "message": "error", "ttl": 1})
        data = self.videos.get(bvid)
        if data is None:
            return _json(200, {"code": -404, "message": "啥都木有", "ttl": 1})
        return _json(200, {"code": 0, "message": "0", "ttl": 1, "data": data})

    def _short(self, request: Request) -> Response:
        target = self.short.get(request.params["code"])
        if target is None:
            return Response(404, b"", TEXT)
        return Response(302, b"", {"Location": target})


class FakeTwitter(FakeService):
    """X's oEmbed endpoint (`/oembed?url=…`): 200 with the blockquote, 404 for unknown posts."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(port=port)
        self.posts: dict[str, dict[str, str]] = {}
        self.route("GET", "/oembed", self._answer)

    @property
    def url(self) -> str:
        return self.url_for("/oembed")

    def add(self, status: str, handle: str, name: str, text: str, shown_date: str) -> None:
        """A post; `shown_date` as oEmbed shows it ("May 6, 2024")."""
        self.posts[status] = {"handle": handle, "name": name, "text": text, "date": shown_date}

    def _answer(self, request: Request) -> Response:
        target = request.arg("url") or ""
        status = target.rstrip("/").rsplit("/", 1)[-1]
        post = self.posts.get(status)
        if post is None:
            return Response(404, b"", TEXT)
        handle = post["handle"]
        link = f"https://twitter.com/{handle}/status/{status}?ref_src=twsrc%5Etfw"
        html = (
            f'<blockquote class="twitter-tweet" data-dnt="true"><p lang="en" dir="ltr">'
            f"{escape(post['text'])}</p>&mdash; {escape(post['name'])} (@{handle}) "
            f'<a href="{link}">{post["date"]}</a></blockquote>\n'
        )
        return _json(200, {
            "url": f"https://twitter.com/{handle}/status/{status}", "author_name": post["name"],
            "author_url": f"https://twitter.com/{handle}", "html": html, "width": 550,
            "height": None, "type": "rich", "cache_age": "3153600000",
            "provider_name": "Twitter", "provider_url": "https://twitter.com", "version": "1.0",
        })  # fmt: skip


class FakeWeb(FakeService):
    """Cited pages: `page(path, html)` serves HTML at `path`; anything else is up to routes."""

    def page(self, path: str, html: str | bytes, content_type: str = HTML["Content-Type"]) -> str:
        """Serve `html` at `path`; returns its URL."""
        body = html.encode() if isinstance(html, str) else html
        self.route("GET", path, Response(200, body, {"Content-Type": content_type}))
        return self.url_for(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.route("GET", path, Response(status, b"", {"Location": location}))
        return self.url_for(path)
