"""bilibili videos: the public view API (`/x/web-interface/view?bvid=…`), no key, no signing.

It answers HTTP 200 with an envelope whose `code` says what happened: 0 (the video: title,
uploader, publication time as Unix seconds, description), -404 (no such video), 62002 (hidden),
62004 (under review), 62012 (visible to its uploader only), -400/-403; risk control (-352, and
HTTP 412 / -412) means "try later", so it stops this run rather than failing ids one by one.

A `b23.tv/CODE` short link (kept as cited by the identity rules) is resolved first: its host
(`short` endpoint, default https://b23.tv) answers 302 to the video's page; only `/video/BV…`
and `/video/av…` targets are videos.  Dates are read in bilibili's own time zone (UTC+8), as the
site shows them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar
from urllib.parse import quote, urlencode, urlsplit

from ..._version import __version__
from ...model import Link
from ...sites.video import video_id
from ..polite import FetchError, PoliteClient, Politeness, endpoint
from ..source import Batch, Facts, MetadataSource
from ..store import Record
from ._common import check_json, clean, fetch_each, json_body

SHORT_URL = "https://b23.tv"
SHANGHAI = timezone(timedelta(hours=8), "UTC+08:00")
#: bilibili refuses clients that do not look like a browser; this one still names paperindex.
USER_AGENT = f"Mozilla/5.0 (compatible; paperindex/{__version__}; reference catalogue tool)"
_CODES = {
    -400: "bilibili refused the request as malformed (-400)",
    -403: "bilibili refused access (-403)",
    -404: "no such video on bilibili (-404)",
    62002: "the video is hidden (62002)",
    62004: "the video is under review (62004)",
    62012: "the video is visible to its uploader only (62012)",
}
_RISK = {-352, -412}


class BilibiliRecord(Record):
    """bilibili's record of a video."""

    id: str
    """As cited: a BV id, or `b23.tv/CODE`."""
    bvid: str
    aid: int | None = None
    title: str
    owner: str | None = None
    owner_mid: int | None = None
    published: datetime | None = None
    description: str | None = None
    duration: int | None = None
    """Seconds."""


class BilibiliSource(MetadataSource[BilibiliRecord]):
    """bilibili videos (and b23.tv short links to them)."""

    name = "bilibili"
    record_type = BilibiliRecord
    default_policy: ClassVar[Politeness] = Politeness(batch_size=1, min_interval=1.0)
    default_url = "https://api.bilibili.com"
    id_description = "a bilibili BV id or b23.tv/CODE"

    sites: ClassVar[frozenset[str] | None] = frozenset({"bilibili"})

    def ids_for(self, link: Link) -> str | None:
        return link.id if link.source == "bilibili" else None

    def normalise(self, ident: str) -> str | None:
        ident = ident.strip()
        if ident.startswith("b23.tv/") and ident[7:].isalnum():
            return ident
        return video_id(ident)

    def fetch_batch(self, ids: list[str], http: PoliteClient) -> Batch[BilibiliRecord]:
        return fetch_each(ids, lambda ident: self._fetch(ident, http))

    def _fetch(self, ident: str, http: PoliteClient) -> BilibiliRecord:
        bvid = ident
        if ident.startswith("b23.tv/"):
            bvid = self._resolve(ident, http)
        base = self.config.base_url.rstrip("/")
        url = f"{base}/x/web-interface/view?" + urlencode({"bvid": bvid})
        resp = http.get(url, headers={"User-Agent": USER_AGENT}, check=check_json)
        if resp.status == 412:
            raise FetchError("bilibili's risk control refused the request (HTTP 412); try later",
                             stop=True)  # fmt: skip
        if resp.status != 200:
            raise FetchError(f"HTTP {resp.status} from bilibili (not retried)")
        envelope = json_body(resp, "bilibili view API")
        code = envelope.get("code") if isinstance(envelope, dict) else None
        if code in _RISK:
            raise FetchError(f"bilibili's risk control refused the request ({code}); try later",
                             stop=True)  # fmt: skip
        if code != 0:
            message = clean(envelope.get("message")) if isinstance(envelope, dict) else ""
            known = _CODES.get(code) if isinstance(code, int) else None
            raise FetchError(known or f"bilibili answered code {code} ({message})")
        data = envelope.get("data")
        if not isinstance(data, dict) or not clean(data.get("title")):
            raise FetchError("bilibili's answer has no video")
        owner: dict[str, Any] = data["owner"] if isinstance(data.get("owner"), dict) else {}
        pubdate = data.get("pubdate")
        published = (
            datetime.fromtimestamp(pubdate, UTC).astimezone(SHANGHAI)
            if isinstance(pubdate, int) and pubdate > 0
            else None
        )
        return BilibiliRecord(
            id=ident,
            bvid=clean(data.get("bvid")) or bvid,
            aid=data.get("aid") if isinstance(data.get("aid"), int) else None,
            title=clean(data["title"]),
            owner=clean(owner.get("name")) or None,
            owner_mid=owner.get("mid") if isinstance(owner.get("mid"), int) else None,
            published=published,
            description=clean(data.get("desc")) or None,
            duration=data.get("duration") if isinstance(data.get("duration"), int) else None,
            retrieved_at=http.clock.now().replace(microsecond=0),
            retrieved_from=url,
        )

    def _resolve(self, ident: str, http: PoliteClient) -> str:
        """The BV id a b23.tv short link leads to."""
        short = endpoint(self.config, self.name, "short", SHORT_URL)
        resp = http.get(f"{short}/{quote(ident.removeprefix('b23.tv/'))}",
                        headers={"User-Agent": USER_AGENT})  # fmt: skip
        location = resp.header("Location") or ""
        if resp.status not in (301, 302, 303, 307, 308) or not location:
            raise FetchError(f"the short link did not redirect (HTTP {resp.status})")
        parts = urlsplit(location)
        segments = [s for s in parts.path.split("/") if s]
        host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
        is_video = host == "bilibili.com" and len(segments) > 1 and segments[0] == "video"
        found = video_id(segments[1]) if is_video else None
        if found is None:
            raise FetchError(f"the short link leads to {location.split('?')[0][:80]}, not a video")
        return found

    def describe(self, record: BilibiliRecord) -> Facts:
        published = record.published
        return Facts(
            title=record.title,
            authors=(record.owner,) if record.owner else (),
            year=f"{published.year:04d}" if published else "",
            date=published.isoformat() if published else "",
            description=record.description or "",
            retrieved=record.retrieved_at.date(),
            sources=(self.name,),
            site="bilibili",
            genre="video",
        )
