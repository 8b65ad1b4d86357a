"""Posts on X (Twitter): author and text from the oEmbed endpoint (no key); the date two ways.

`GET https://publish.twitter.com/oembed?url=https://twitter.com/USER/status/ID` answers with the
author's display name and an HTML blockquote: the post's text is its `<p>`, its date the text of
the last link ("May 6, 2024", a day, no time).  The status id itself proves the exact time
(snowflake: milliseconds since 2010-11-04 in its upper bits), so a post keeps a date and a year
even when oEmbed is unavailable (deleted posts answer 404, protected accounts 403).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar
from urllib.parse import urlencode

from ...model import Link
from ...sites.social import tweet_year
from ..polite import FetchError, PoliteClient, Politeness
from ..source import Batch, Facts, MetadataSource
from ..store import Record
from ._common import clean, fetch_each, json_body

_TWITTER_EPOCH_MS = 1288834974657
TITLE_CHARS = 120
"""A post's text as its title is cut here (at a word), with an ellipsis."""


def snowflake_time(status: str) -> datetime | None:
    """When a post was made, from its status id (None for ids older than snowflakes)."""
    if not status.isdigit() or not tweet_year(status):
        return None
    return datetime.fromtimestamp(((int(status) >> 22) + _TWITTER_EPOCH_MS) / 1000, UTC)


class PostRecord(Record):
    """What oEmbed says about a post."""

    id: str
    """`user/status/ID` as cited."""
    author_name: str | None = None
    author_url: str | None = None
    text: str | None = None
    date_shown: str | None = None
    """The date oEmbed shows (ISO date), when it shows one."""
    posted_at: datetime | None = None
    """Exact time, from the status id."""


class TwitterSource(MetadataSource[PostRecord]):
    """X/Twitter posts."""

    name = "twitter"
    record_type = PostRecord
    default_policy: ClassVar[Politeness] = Politeness(batch_size=1, min_interval=1.0)
    default_url = "https://publish.twitter.com/oembed"
    id_description = "a post (user/status/ID)"

    sites: ClassVar[frozenset[str] | None] = frozenset({"twitter"})

    def ids_for(self, link: Link) -> str | None:
        return link.id if link.source == "twitter" else None

    def normalise(self, ident: str) -> str | None:
        user, sep, status = ident.strip().partition("/status/")
        return f"{user}/status/{status}" if sep and user and status.isdigit() else None

    def fetch_batch(self, ids: list[str], http: PoliteClient) -> Batch[PostRecord]:
        return fetch_each(ids, lambda ident: self._fetch(ident, http))

    def _fetch(self, ident: str, http: PoliteClient) -> PostRecord:
        user, _, status = ident.partition("/status/")
        post = f"https://twitter.com/{user}/status/{status}"
        url = f"{self.config.base_url}?" + urlencode(
            {"url": post, "omit_script": "1", "dnt": "true"}
        )
        resp = http.get(url)
        if resp.status == 404:
            raise FetchError("no such post (oEmbed 404: deleted, or never public)")
        if resp.status == 403:
            raise FetchError("the account is protected (oEmbed 403)")
        if resp.status != 200:
            raise FetchError(f"HTTP {resp.status} from X oEmbed (not retried)")
        info = json_body(resp, "X oEmbed")
        if not isinstance(info, dict):
            raise FetchError("X oEmbed's answer is not an object")
        text, shown = _blockquote(str(info.get("html") or ""))
        return PostRecord(
            id=ident,
            author_name=clean(info.get("author_name")) or None,
            author_url=clean(info.get("author_url")) or None,
            text=text or None,
            date_shown=shown,
            posted_at=snowflake_time(status),
            retrieved_at=http.clock.now().replace(microsecond=0),
            retrieved_from=url,
        )

    def describe(self, record: PostRecord) -> Facts:
        posted = record.posted_at
        year = (record.date_shown or "")[:4] or (f"{posted.year:04d}" if posted else "")
        return Facts(
            title=_excerpt(record.text or ""),
            authors=(record.author_name,) if record.author_name else (),
            year=year,
            date=posted.isoformat() if posted else (record.date_shown or ""),
            description=record.text or "",
            retrieved=record.retrieved_at.date(),
            sources=(self.name,),
            site="X",
            genre="post",
        )


def _blockquote(html: str) -> tuple[str, str | None]:
    """(the post's text, the date shown as an ISO date) from oEmbed's blockquote."""
    if not html.strip():
        return "", None
    from lxml import html as lxml_html

    try:
        root = lxml_html.fromstring(html)
    except (ValueError, TypeError):
        return "", None
    paragraph = root.find(".//p")
    text = clean(paragraph.text_content()) if paragraph is not None else ""
    links = root.findall(".//a")
    shown = None
    if links:
        try:
            shown = datetime.strptime(clean(links[-1].text_content()), "%B %d, %Y").date()
        except ValueError:
            shown = None
    return text, shown.isoformat() if shown else None


def _excerpt(text: str) -> str:
    if len(text) <= TITLE_CHARS:
        return text
    cut = text[:TITLE_CHARS].rsplit(" ", 1)[0] or text[:TITLE_CHARS]
    return cut.rstrip(" ,;:") + "…"
