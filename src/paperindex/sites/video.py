"""Videos: YouTube and bilibili, one row per video however it was cited.

YouTube: `watch?v=ID`, `youtu.be/ID`, `shorts/ID`, `embed/ID`, `live/ID`, `v/ID` on youtube.com,
m./music. and youtube-nocookie.com are one video, `ID` (11 characters, case-sensitive); a start
time (`t=`), a share id (`si=`), a playlist (`list=`, `index=`) are not part of it.

bilibili: `/video/BV…` and `/video/av…` are one video: an av number is turned into its BV id
(bilibili's own reversible encoding, see `av_to_bv`), so both citations land on one row; the part
(`p=`) and share parameters are not part of it.  A `b23.tv` short link cannot be read without
asking b23.tv, so it is kept as cited (`b23.tv/CODE`) and the bilibili source resolves it.
"""

from __future__ import annotations

import re
from typing import ClassVar

from ..model import Identity, Kind
from .base import Query, Ref, Site

_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_YOUTUBE_PATHS = frozenset({"shorts", "embed", "live", "v", "e"})

# bilibili's BV encoding (2024 form, which also covers every older av number): the av number,
# with bit 51 set, XOR a constant, written in base 58 over this alphabet, two pairs of digits
# swapped, after the prefix "BV1".
_BV_ALPHABET = "FcwAPNKTMug3GV5Lj7EJnHpWsx4tb8haYeviqBz6rkCy12mUSDQX9RdoZf"
_BV_XOR = 23442827791579
_BV_MASK = (1 << 51) - 1
_BV_SWAPS = ((3, 9), (4, 7))
_BV = re.compile(r"BV1[1-9A-HJ-NP-Za-km-z]{9}")
_AV = re.compile(r"av([1-9][0-9]{0,15})", re.IGNORECASE)


def av_to_bv(aid: int) -> str:
    """bilibili's BV id of video number `aid` (`170001` → `BV17x411w7KC`)."""
    if not 0 < aid <= _BV_MASK:
        raise ValueError(f"not a bilibili av number: {aid}")
    n = ((1 << 51) | aid) ^ _BV_XOR
    digits = []
    for _ in range(9):
        n, d = divmod(n, 58)
        digits.append(_BV_ALPHABET[d])
    chars = list("BV1" + "".join(reversed(digits)))
    for a, b in _BV_SWAPS:
        chars[a], chars[b] = chars[b], chars[a]
    return "".join(chars)


def bv_to_av(bvid: str) -> int:
    """The av number of BV id `bvid` (`BV17x411w7KC` → `170001`)."""
    if not _BV.fullmatch(bvid):
        raise ValueError(f"not a bilibili BV id: {bvid!r}")
    chars = list(bvid)
    for a, b in _BV_SWAPS:
        chars[a], chars[b] = chars[b], chars[a]
    n = 0
    for c in chars[3:]:
        n = n * 58 + _BV_ALPHABET.index(c)
    return (n & _BV_MASK) ^ _BV_XOR


class YouTube(Site):
    """YouTube videos."""

    name = "youtube"
    hosts: ClassVar[tuple[str, ...]] = (
        "youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be",
        "youtube-nocookie.com",
    )  # fmt: skip

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        video = ""
        if host == "youtu.be":
            video = segments[0] if segments else ""
        elif segments[:1] == ["watch"]:
            video = next((v for k, v in query if k == "v"), "")
        elif len(segments) >= 2 and segments[0] in _YOUTUBE_PATHS:
            video = segments[1]
        if not _YOUTUBE_ID.fullmatch(video):
            return None
        return Identity(Kind.VIDEO, self.name, video, f"https://www.youtube.com/watch?v={video}")

    def readable_key(self, ref: Ref) -> str:
        return f"youtube-{ref.id}"

    def fallback_title(self, ref: Ref) -> str:
        return f"YouTube video {ref.id}"

    def label(self, ref: Ref) -> str:
        return "YouTube"


class Bilibili(Site):
    """bilibili videos (and b23.tv short links to them)."""

    name = "bilibili"
    hosts: ClassVar[tuple[str, ...]] = ("bilibili.com", "m.bilibili.com", "b23.tv")

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if host == "b23.tv":
            if len(segments) != 1 or not segments[0].isalnum():
                return None
            ident = f"b23.tv/{segments[0]}"
            return Identity(Kind.VIDEO, self.name, ident, f"https://{ident}")
        if len(segments) < 2 or segments[0] != "video":
            return None
        bvid = video_id(segments[1])
        if bvid is None:
            return None
        return Identity(Kind.VIDEO, self.name, bvid, f"https://www.bilibili.com/video/{bvid}")

    def readable_key(self, ref: Ref) -> str:
        return "bilibili-" + ref.id.replace("b23.tv/", "b23-").lower()

    def fallback_title(self, ref: Ref) -> str:
        return f"bilibili video {ref.id}"

    def label(self, ref: Ref) -> str:
        return "bilibili"


def video_id(text: str) -> str | None:
    """The BV id of `BV…` or `av…` (any case of `av`), or None."""
    if _BV.fullmatch(text):
        return text
    av = _AV.fullmatch(text)
    if av is None:
        return None
    try:
        return av_to_bv(int(av[1]))
    except ValueError:
        return None
