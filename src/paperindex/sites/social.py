"""Posts on social sites: X (Twitter) statuses."""

from __future__ import annotations

from typing import ClassVar

from ..model import Identity, Kind
from .base import Query, Ref, Site, ascii_fold

_TWITTER_EPOCH_MS = 1288834974657


def tweet_year(status_id: str) -> str:
    """The year a tweet was posted, from its snowflake id (empty for pre-2010 ids)."""
    if not status_id.isdigit() or int(status_id) < 1 << 22:
        return ""
    from datetime import UTC, datetime

    ms = (int(status_id) >> 22) + _TWITTER_EPOCH_MS
    return str(datetime.fromtimestamp(ms / 1000, UTC).year)


class Twitter(Site):
    """X/Twitter statuses on every host that serves them; a status is its number, whatever the
    account is called today."""

    name = "twitter"
    hosts: ClassVar[tuple[str, ...]] = (
        "twitter.com", "x.com", "mobile.twitter.com", "mobile.x.com", "m.twitter.com",
        "fxtwitter.com", "vxtwitter.com", "fixupx.com",
    )  # fmt: skip

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if len(segments) < 3:
            return None
        user, marker, status = segments[:3]
        if marker not in ("status", "statuses") or not status.isdigit():
            return None
        ident = f"{user}/status/{status}"
        return Identity(Kind.POST, self.name, ident, f"https://x.com/{ident}")

    def identity_key(self, kind: Kind | str, source: str, ident: str) -> str:
        return f"{source}:{ident.rsplit('/', 1)[-1]}"

    def readable_key(self, ref: Ref) -> str:
        user, _, status = ref.id.partition("/status/")
        return f"{ascii_fold(user)}{tweet_year(status)}tweet"

    def fallback_title(self, ref: Ref) -> str:
        user, _, status = ref.id.partition("/status/")
        return f"Post by @{user} on X ({status})"

    def account(self, ref: Ref) -> str:
        return "@" + ref.id.split("/", 1)[0]

    def year(self, ref: Ref) -> str:
        return tweet_year(ref.id.rpartition("/")[2])
