"""YouTube videos: title and channel from the oEmbed endpoint (no key), date from the watch page.

`GET /oembed?url=https://www.youtube.com/watch?v=ID&format=json` gives the title and the
channel (`author_name`), but no date.  Without an API key the upload date is only on the watch
page (`GET /watch?v=ID`), as schema.org microdata (`<meta itemprop="uploadDate">` in a
`VideoObject`), read with extruct; that page is fragile (consent pages, bot checks), so a video
whose page gives no date keeps its title and channel and says why it has no date.

oEmbed answers 404 for a deleted video, 401 when embedding is disabled and 400 for a URL that
is not a video, each with a plain-text body: named failures.  A 200 that is not JSON (private
videos have answered `Forbidden`) is one too.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import ClassVar
from urllib.parse import urlencode

from ...model import Link
from ..polite import FetchError, PoliteClient, Politeness
from ..source import Batch, Facts, MetadataSource
from ..store import Record
from ._common import clean, fetch_each, json_body, year_of
from .webpage import structured_date

_VIDEO = re.compile(r"[A-Za-z0-9_-]{11}")
_OEMBED_ERRORS = {
    400: "not a video URL (oEmbed 400)",
    401: "embedding is disabled for this video, so oEmbed does not describe it (401)",
    403: "private video (oEmbed 403)",
    404: "no such video (oEmbed 404: deleted or mistyped)",
}


class YouTubeRecord(Record):
    """What oEmbed and the watch page say about a video."""

    id: str
    title: str
    channel: str | None = None
    channel_url: str | None = None
    uploaded: datetime | None = None
    """Upload date from the watch page, when it gave one."""
    date_problem: str | None = None
    """Why there is no upload date."""


class YouTubeSource(MetadataSource[YouTubeRecord]):
    """YouTube videos."""

    name = "youtube"
    record_type = YouTubeRecord
    default_policy: ClassVar[Politeness] = Politeness(batch_size=1, min_interval=1.0)
    default_url = "https://www.youtube.com"
    id_description = "a YouTube video id (11 characters)"

    sites: ClassVar[frozenset[str] | None] = frozenset({"youtube"})

    def ids_for(self, link: Link) -> str | None:
        return link.id if link.source == "youtube" else None

    def normalise(self, ident: str) -> str | None:
        ident = ident.strip()
        return ident if _VIDEO.fullmatch(ident) else None

    def fetch_batch(self, ids: list[str], http: PoliteClient) -> Batch[YouTubeRecord]:
        return fetch_each(ids, lambda ident: self._fetch(ident, http))

    def _fetch(self, ident: str, http: PoliteClient) -> YouTubeRecord:
        base = self.config.base_url.rstrip("/")
        watch = f"https://www.youtube.com/watch?v={ident}"
        url = f"{base}/oembed?" + urlencode({"url": watch, "format": "json"})
        resp = http.get(url)
        if resp.status in _OEMBED_ERRORS:
            raise FetchError(_OEMBED_ERRORS[resp.status])
        if resp.status != 200:
            raise FetchError(f"HTTP {resp.status} from YouTube oEmbed (not retried)")
        info = json_body(resp, "YouTube oEmbed (a private video?)")
        if not isinstance(info, dict) or not clean(info.get("title")):
            raise FetchError("YouTube oEmbed gave no title")
        uploaded, problem = self._upload_date(ident, http)
        return YouTubeRecord(
            id=ident,
            title=clean(info["title"]),
            channel=clean(info.get("author_name")) or None,
            channel_url=clean(info.get("author_url")) or None,
            uploaded=uploaded,
            date_problem=problem,
            retrieved_at=http.clock.now().replace(microsecond=0),
            retrieved_from=url,
        )

    def _upload_date(self, ident: str, http: PoliteClient) -> tuple[datetime | None, str | None]:
        base = self.config.base_url.rstrip("/")
        try:
            resp = http.get(f"{base}/watch?v={ident}")
        except FetchError as exc:
            if exc.stop:
                raise
            return None, f"watch page not read ({exc})"
        if resp.status != 200:
            return None, f"watch page answered HTTP {resp.status}"
        found = structured_date(resp.body, f"https://www.youtube.com/watch?v={ident}")
        if found is None:
            return None, "the watch page gives no upload date (consent or bot-check page?)"
        return found, None

    def describe(self, record: YouTubeRecord) -> Facts:
        return Facts(
            title=record.title,
            authors=(record.channel,) if record.channel else (),
            year=year_of(record.uploaded),
            date=record.uploaded.isoformat() if record.uploaded else "",
            retrieved=record.retrieved_at.date(),
            sources=(self.name,),
            site="YouTube",
            genre="video",
        )
