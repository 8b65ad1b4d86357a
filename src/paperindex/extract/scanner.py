"""Find every cited link in a text, character-exact, with where and why it was cited.

Why not urlextract or linkify-it-py: on CJK notes both glue the following text or full-width
punctuation onto about half of the URLs, or miss URLs glued to a preceding CJK character (see
`benchmarks/extract_throughput.py`).  The scanner here stops a URL at anything that cannot be
part of one in running text: whitespace, CJK characters, full-width and general punctuation.

Every regular expression below is a single character class, or starts from a literal with only
bounded repetition after it, so none can backtrack more than a constant; each run of text is
measured once, each candidate tried once, and a failed candidate is passed over, never rescanned,
so the scan is linear in the input (the tests check the scaling on hostile shapes).

Text arrives in blocks of whole lines (see `reader`); a line too long for one block is cut after
a character no URL contains and each piece is scanned with a little of its neighbours, so memory
stays bounded however a file is shaped and a cut changes nothing that is found (only a run of
more than a block of URL characters, which is no real URL, is cut where it must be).
"""

from __future__ import annotations

import bisect
import heapq
import io
import re
from collections.abc import Iterator
from functools import cache
from itertools import accumulate
from operator import itemgetter
from typing import NamedTuple

from ..identity import (
    _ARCHIVE_ALT,
    Identity,
    arxiv_identity,
    doi_identity,
    identify,
)
from ..model import CONTEXT_CHARS, Citation, Mention
from .decorations import is_decoration

_SPLIT_CONTEXT = 1024
"""Characters on each side of a cut in a long line scanned with the piece: more than any label,
look-behind, identifier or context window reaches, so a cut changes nothing that is found."""

# Characters that end a URL in running text: ASCII space/controls and `"<>\^`{|}`, and the
# non-ASCII ranges of punctuation, symbols and CJK scripts (general punctuation, CJK symbols and
# punctuation, kana, CJK ideographs, Hangul, compatibility forms, full-width forms).
_STOP = (
    '\\x00-\\x20\\x7f"<>\\\\^`{|}\\u0085\\u00a0\\u2000-\\u2bff\\u2e00-\\u9fff\\ua000-\\ua4cf'
    "\\uac00-\\ud7af\\uf900-\\ufaff\\ufe10-\\ufe6f\\uff00-\\uffef\\U00020000-\\U0003ffff"
)
_URL_BODY = re.compile(f"[^{_STOP}]*")


@cache  # only a line longer than a block needs it, and it takes 1.6 ms to compile
def last_stop() -> re.Pattern[str]:
    """The end of the last character no URL contains (greedy, backtracks once from the end:
    linear)."""
    return re.compile(f"(?s:.*)[{_STOP}]")


_SCHEME_SEP = re.compile("://")
_WWW = (re.compile(r"www\."), re.compile(r"WWW\."))
_HOST_PART = re.compile(r"[^/?#]*")
_BRACKETS = re.compile(r"[()\[\]]")
_TRAILING = frozenset(".,;:!?'*")
_PAIRS = {")": "(", "]": "["}

_ID_NEW = r"\d{4}\.\d{4,5}"
_ID_OLD = rf"(?:{_ARCHIVE_ALT})(?:\.[A-Z]{{2}})?/\d{{7}}"
_VERSION = r"(?P<v>v[1-9]\d*)?(?!\d)"
# Each search starts from a literal ("iv"/"IV", "10.", "/"), which `re` finds at C speed; the
# bounded text before it is then checked with an anchored match.
_IV_LITERALS = (re.compile("iv"), re.compile("IV"))
_ARXIV_REF = re.compile(
    rf"[Aa][Rr][Xx][Ii][Vv][ \t]?[:：]?[ \t]?(?P<id>{_ID_NEW}|{_ID_OLD}){_VERSION}"
)
_OLD_NUMBER = re.compile(rf"/\d{{7}}{_VERSION}")
_OLD_ARCHIVE = re.compile(rf"(?:{_ARCHIVE_ALT})(?:\.[A-Z]{{2}})?$")
_DOI_NUMBER = re.compile(r"10\.\d{4,9}/")
_DOI_PREFIX = re.compile(r"[Dd][Oo][Ii][ \t]?[:：][ \t]?$")
_ID_BEFORE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/.-")
_MD_LINK = re.compile(r"\[([^\[\]\n]{0,300})\]\(\s*<?")
_REF_DEF = re.compile(r"^ {0,3}\[([^\[\]\n]{1,300})\]:[ \t]*<?", re.M)
_REF_USE = re.compile(r"\[([^\[\]\n]{1,300})\]\[([^\[\]\n]{0,300})\]")
_REF_TITLE = re.compile(r"[ \t]+[\"'(]([^\"'()\n]{1,300})[\"')]")
# `![alt][ref]`, `![ref][]` are found by _REF_USE (an image when a `!` comes before);
# `![ref]` and `[ref]` (shortcut forms) by this, with what comes before and after checked.
_REF_SHORT = re.compile(r"\[([^\[\]\n]{1,300})\](?![\[(:])")
# An HTML image tag, to its end (or 4,000 characters): every URL in it is an image (src,
# srcset, data-src); <picture> holds <source> and <img> tags.
_IMG_TAG = re.compile(r"<(?:[iI][mM][gG]|[sS][oO][uU][rR][cC][eE])(?![\w-])[^<>]{0,4000}")
_IMG_HINT = re.compile(r"<[iIsS]")
_HREF = re.compile(r"(?i:href)\s*=\s*[\"']?$")
_A_LABEL = re.compile(r"[^<>\n]{0,500}>([^<\n]{0,300})</a>", re.I)
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
# Lines that may change the section or the thread: headings, fences, thread openers, link items.
# One pass in C from each line break; only the lines it finds are looked at in Python.
_STRUCTURE_LINE = re.compile(
    r"[\n\r] {0,3}(?:[(（][^)）\n]{0,30}[)）]\s?https?://|[#`~DQ]|https?://)"
)
# The same for a block without `\r`: a literal first character, which `re` finds at C speed.
_STRUCTURE_LINE_LF = re.compile(
    r"\n {0,3}(?:[(（][^)）\n]{0,30}[)）]\s?https?://|[#`~DQ]|https?://)"
)
# Chat digests: "D:", "D(Discussion)：", "Q:", "Q4：" open a thread; replies (A:, F1：, 研究员1：)
# stay in it.  ASCII and full-width colons both.
_THREAD_OPENER = re.compile(r" {0,3}[DQ]\d{0,3}(?:\s?[(（][^)）\n]{0,40}[)）])?\s?[:：]")
# A line that starts with a link, perhaps after a short label in parentheses, is an item of its
# own: it closes the chat thread above it.
_LINK_ITEM = re.compile(r" {0,3}(?:[(（][^)）\n]{0,30}[)）]\s?)?https?://")


class _Hit(NamedTuple):
    start: int
    end: int
    identity: Identity
    label: str = ""
    image: bool = False
    """An image (Markdown or HTML image syntax) or a badge, chart or counter: no citation."""


_START = itemgetter(0)
_new = tuple.__new__
"""A named tuple from all its fields, without the keyword handling of its generated __new__
(a fifth of the cost of a citation)."""


class _NewlineLines:
    """Line numbers and bounds of offsets in a block whose lines end in `\\n` only, asked for
    in increasing order: counted as they are asked for, at C speed, never listed."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.index = 0
        self.count = text.count("\n") + (not text.endswith("\n"))

    def rewind(self) -> None:
        """Be asked again from the start."""
        self.pos = self.index = 0

    def locate(self, pos: int) -> tuple[int, int, int]:
        """(index of the line holding offset `pos`, its start, its end with the break)."""
        text = self.text
        if pos > self.pos:
            self.index += text.count("\n", self.pos, pos)
            self.pos = pos
        return self.index, text.rfind("\n", 0, pos) + 1, text.find("\n", pos) + 1 or len(text)


class _SplitLines:
    """`_NewlineLines` for a block with `\\r` line breaks too (lines split as files are)."""

    def __init__(self, text: str) -> None:
        lines = list(io.StringIO(text, newline=""))
        self.starts = list(accumulate(map(len, lines), initial=0))
        self.count = len(lines)

    def rewind(self) -> None:
        """Nothing to do: lines are found by bisection."""

    def locate(self, pos: int) -> tuple[int, int, int]:
        index = bisect.bisect_right(self.starts, pos) - 1
        return index, self.starts[index], self.starts[index + 1]


class _Scanner:
    """Carries line number, heading, code-fence and thread state across the blocks of a file."""

    def __init__(self, file: str, keep_images: bool = False) -> None:
        self.file = file
        self.keep_images = keep_images
        self.images = 0
        """Images (and badges, charts, counters) passed over so far: not citations."""
        self.line_no = 0
        self.section = ""
        self.fence = ""
        self.thread = ""
        self.thread_line = 0
        self.taken = 0
        """Characters at the start of the next block already cited from the previous one."""

    def _structure(
        self, text: str, continued: bool, first_line: int, lines: _NewlineLines | _SplitLines
    ) -> list[tuple[int, str, str, int]]:
        """Changes of section or thread in `text`, as (line index, section, thread opener, its
        line number); only lines that can be headings, fences or thread openers are looked at."""
        changes = [(-1, self.section, self.thread, self.thread_line)]
        plain = isinstance(lines, _NewlineLines)
        pattern = _STRUCTURE_LINE_LF if plain else _STRUCTURE_LINE
        candidates = [0] if not continued and pattern.match("\n" + text[:64]) else []
        candidates += [m.start() + 1 for m in pattern.finditer(text)]
        seen = -1
        locate, append = lines.locate, changes.append
        fence, section, thread, thread_line = (
            self.fence,
            self.section,
            self.thread,
            self.thread_line,
        )
        for pos in candidates:
            index, start, end = locate(pos)
            if index == seen:
                continue  # one look per line, however many markers it holds
            seen = index
            # one line, inline (a call per line was a third of this pass)
            line = text[start:end]
            first = line.lstrip(" ")[:1]
            marker = _FENCE.match(line) if first in _FENCE_FIRST else None
            if marker:
                found = marker.group(1)
                if not fence:
                    fence = found
                    continue
                if found[0] == fence[0] and len(found) >= len(fence):
                    fence = ""
                    continue
            if fence:
                continue
            heading = _heading(line) if first == "#" else None
            if heading is not None:
                new = (heading, "", 0)
            elif first in _THREAD_FIRST and _THREAD_OPENER.match(line):
                new = (section, line, first_line + index)
            elif _LINK_ITEM.match(line):
                new = (section, "", 0)
            else:
                continue
            if new[:2] != (section, thread):
                append((index, *new))
            section, thread, thread_line = new
        self.fence, self.section, self.thread, self.thread_line = (
            fence,
            section,
            thread,
            thread_line,
        )
        return changes

    def _advance(
        self, text: str, continued: bool
    ) -> tuple[int, _NewlineLines | _SplitLines, list[tuple[int, str, str, int]]]:
        """Read the lines of `text` for the state they leave (line number, section, fence,
        thread): (its first line's number, its lines, the changes of section or thread)."""
        first_line = self.line_no if continued else self.line_no + 1
        lines: _NewlineLines | _SplitLines = (
            _NewlineLines(text) if "\r" not in text else _SplitLines(text)
        )
        changes = self._structure(text, continued, first_line, lines)
        self.line_no = first_line + lines.count - 1
        return first_line, lines, changes

    def thread_excerpt(self) -> str:
        """The thread's excerpt as a citation on a later line records it."""
        return _excerpt(self.thread, 0) if self.thread else ""

    def skip(self, text: str, continued: bool = False) -> None:
        """Pass over a block another process scans, for only what must be known exactly after
        it: the line number and the open code fence (in C, but for the few fence lines).  The
        section and thread become `UNKNOWN`: the process that scanned the block knows them."""
        if not text:
            return
        first_line = self.line_no if continued else self.line_no + 1
        count = text.count("\n") + (not text.endswith("\n")) if "\r" not in text else None
        self.line_no = first_line + (_SplitLines(text).count if count is None else count) - 1
        fence = self.fence
        for marker in _fence_markers(text, continued):  # as `_structure` follows them
            if not fence:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = ""
        self.fence = fence
        self.section = self.thread = UNKNOWN
        self.thread_line = -1

    def feed(
        self, text: str, continued: bool = False, left: str = "", right: str = ""
    ) -> list[Citation]:
        """Citations in `text`, a block of lines in order.

        `continued`: its first line began in the previous block, whose end is `left`;
        `right` is how its last line goes on in the next block.  Both are only read, for labels,
        look-behinds and excerpts: a citation is reported by the block it starts in.
        """
        if not text:
            return []
        base = len(left)
        full = f"{left}{text}{right}" if left or right else text
        first_line, lines, changes = self._advance(text, continued)
        lines.rewind()
        change_lines = [c[0] for c in changes]
        n_lines = lines.count
        end = base + len(text)
        hits = scan(full, base)
        if left or right:  # only what starts in this block, and not taken by the one before
            taken = base + self.taken
            hits = [h for h in hits if taken <= h.start < end]
            self.taken = max(0, hits[-1].end - end) if hits else 0
        if not self.keep_images:
            cited = [h for h in hits if not h.image]
            self.images += len(hits) - len(cited)
            hits = cited
        return self._citations(hits, text, full, base, lines, changes, change_lines, first_line,
                               0 if left else -1, n_lines - 1 if right else -1)  # fmt: skip

    def _citations(
        self,
        hits: list[_Hit],
        text: str,
        full: str,
        base: int,
        lines: _NewlineLines | _SplitLines,
        changes: list[tuple[int, str, str, int]],
        change_lines: list[int],
        first_line: int,
        first_cut: int,
        last_cut: int,
    ) -> list[Citation]:
        """The hits as citations: where (line, section, thread) and why (label, excerpt)."""
        file = self.file
        thread_excerpts: dict[int, str] = {}
        _, section, thread, thread_line = changes[0]
        one_state = len(changes) == 1
        citations: list[Citation] = []
        append, new = citations.append, _new
        short_line, short_context = -1, ""  # the excerpt of a short line is the whole line
        long_line = -1  # a line known not to be short
        for hit in hits:
            index, line_start, line_end = lines.locate(hit.start - base)
            if not one_state:
                _, section, thread, thread_line = changes[
                    bisect.bisect_right(change_lines, index) - 1
                ]
            if index == first_cut or index == last_cut:  # a cut line: read it with its neighbours
                context = _excerpt_in(
                    full,
                    hit.start,
                    0 if index == first_cut else base + line_start,
                    len(full) if index == last_cut else base + line_end,
                )
            elif index == short_line:
                context = short_context
            elif index == long_line:
                context = _long_excerpt(text, line_start, line_end, hit.start - base)
            else:
                short = _short_excerpt(text[line_start:line_end])
                if short is None:
                    long_line = index
                    context = _long_excerpt(text, line_start, line_end, hit.start - base)
                else:
                    context = short_line_context = short
                    short_line, short_context = index, short_line_context
            line_no = first_line + index
            ident = hit.identity
            mention = new(
                Mention,
                (
                    file,
                    line_no,
                    section,
                    hit.label,
                    context,
                    _cached_excerpt(thread_excerpts, thread, thread_line)
                    if thread_line != line_no
                    else "",
                    full[hit.start : hit.end],
                    ident.version,
                    ident.subpath,
                ),
            )
            append(new(Citation, (ident.kind, ident.source, ident.id, ident.url, mention)))
        return citations


_FENCE_FIRST = frozenset("`~")
_FENCE_RUNS = (re.compile("```"), re.compile("~~~"))
UNKNOWN = "\0"
"""The section and thread after `_Scanner.skip` (a NUL is never in a note's text)."""


def _fence_markers(text: str, continued: bool) -> list[str]:
    """The fence markers (```` ``` ````, `~~~~`, …) of the lines of `text` that `_structure`
    reads as fences, in order: those that start a line after at most three spaces (the first
    line only if it is not `continued`)."""
    found = []
    for literal in _FENCE_RUNS:
        for m in literal.finditer(text):
            pos = start = m.start()
            while start > 0 and pos - start < 3 and text[start - 1] == " ":
                start -= 1
            if (text[start - 1] in "\n\r") if start else not continued:
                found.append((start, _FENCE.match(text, start).group(1)))  # type: ignore[union-attr]
    found.sort()
    return [marker for _, marker in found]


_THREAD_FIRST = frozenset("DQ")


def _cached_excerpt(cache: dict[int, str], line: str, line_no: int) -> str:
    if not line:
        return ""
    if line_no not in cache:
        cache[line_no] = _excerpt(line, 0)
    return cache[line_no]


def _heading(line: str) -> str | None:
    """The text of an ATX heading line (CommonMark), or None."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3 or not stripped.startswith("#"):
        return None
    level = len(stripped) - len(stripped.lstrip("#"))
    rest = stripped[level:]
    if level > 6 or rest[:1] not in ("", " ", "\t", "\r", "\n"):
        return None
    rest = rest.strip()
    closing = rest.rstrip("#")
    if closing != rest and (not closing or closing[-1] in " \t"):
        rest = closing
    return _fold(rest)


def scan(text: str, line_start: int = 0) -> list[_Hit]:
    """Every URL and bare identifier in `text`, in order, as non-overlapping spans.

    `line_start`: where the text's first line starts when what comes before is only context.
    """
    labels, images = _labels(text, line_start)
    hits = _scan_urls(text, labels, images, _image_tags(text))
    identifiers = _scan_identifiers(text, hits)
    if identifiers:  # URLs come in order already
        hits.extend(identifiers)
        hits.sort(key=_START)
    return hits


def _image_tags(text: str) -> list[tuple[int, int]]:
    """Spans of HTML `<img …>` and `<source …>` tags, in order (none unless a `<i`/`<s` is
    there, which one search in C finds)."""
    if _IMG_HINT.search(text) is None:
        return []
    return [m.span() for m in _IMG_TAG.finditer(text)]


def _url_starts(text: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end of the scheme or of "www.", has scheme) for each candidate, in order.

    Literal searches let `re` skip ahead at C speed; the checks around them are done here.
    """
    schemes = []
    for m in _SCHEME_SEP.finditer(text):
        i = m.start()
        scheme = text[max(0, i - 5) : i].lower()
        if scheme.endswith("https"):
            schemes.append((i - 5, m.end(), True))
        elif scheme.endswith("http"):
            schemes.append((i - 4, m.end(), True))
    wwws = sorted(
        (m.start(), m.end(), False)
        for literal in _WWW
        for m in literal.finditer(text)
        if m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_.@/-")
    )
    return heapq.merge(schemes, wwws)


def _scan_urls(
    text: str, labels: dict[int, str], images: set[int], tags: list[tuple[int, int]]
) -> list[_Hit]:
    """URLs in order; `images` are where Markdown image destinations start, `tags` the spans
    of HTML image tags (both in order)."""
    hits: list[_Hit] = []
    append = hits.append
    tag = 0  # the first image tag that may still hold a URL (hits come in order)
    n_tags = len(tags)
    body, host_part, brackets = _URL_BODY.match, _HOST_PART.match, _BRACKETS.search
    pos = body_end = host_end = 0
    last_at = tried = -1
    host_ok = False
    for start, prefix_end, has_scheme in _url_starts(text):
        if start < pos:
            continue  # inside a URL already taken
        host_start = prefix_end if has_scheme else start
        if prefix_end >= body_end:  # a run of URL characters is measured once, not per start
            body_end = body(text, prefix_end).end()  # type: ignore[union-attr]
        if host_start >= host_end:  # so is a host part shared by several `www.` starts
            host_end = host_part(text, host_start, body_end).end()  # type: ignore[union-attr]
            last_at = text.rfind("@", host_start, host_end)
        host_from = last_at + 1 if last_at >= host_start else host_start  # after any userinfo
        if host_from != tried:  # starts before the same `@` share their host
            tried, host_ok = host_from, _plausible_host(text, host_from, host_end)
        if not host_ok:
            continue  # every start is tried once: no rescan of what was read
        if brackets(text, prefix_end, body_end) is None:
            end = body_end
        else:
            end = _url_end(text, prefix_end, body_end)
        while end > host_end and text[end - 1] in _TRAILING:
            end -= 1
        pos = end if end > prefix_end else prefix_end
        cited = text[start:end]
        ident = identify(cited if has_scheme else "http://" + cited)
        if ident is None:
            continue
        label = labels.get(start, "")
        if not label and text.find("=", start - 12 if start > 12 else 0, start) >= 0:
            label = _html_label(text, start, end)  # `href=` is a `=` before the URL
        if n_tags:
            while tag < n_tags and tags[tag][1] <= start:
                tag += 1
            image = start in images or (tag < n_tags and tags[tag][0] < start)
        else:
            image = start in images
        append(_new(_Hit, (start, end, ident, label, image or is_decoration(cited))))
    return hits


def _body_end(text: str, pos: int) -> int:
    """End of the run of URL characters starting at `pos`."""
    m = _URL_BODY.match(text, pos)
    return m.end() if m else pos


def _host_end(text: str, pos: int, stop: int) -> int:
    m = _HOST_PART.match(text, pos, stop)
    return m.end() if m else pos


def _plausible_host(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` (a host and port, after any userinfo) can name a host.

    Looks only as far as the first dot, so trying many starts in one host part stays linear.
    """
    if start >= end or text[start] in ".:":
        return False
    if text[start] == "[":
        return text[end - 1] == "]" or text.find("]:", start, end) >= 0
    dot = text.find(".", start, end)
    if dot >= 0 and text.find(":", start, dot) < 0:
        return True
    return text.startswith("localhost", start, end) and (start + 9 == end or text[start + 9] == ":")


def _url_end(text: str, start: int, stop: int) -> int:
    """End of a URL: the first closing bracket with no opening one inside the URL.

    Scans only as far as it must (never copies the rest of the run), so URLs glued by brackets
    (`https://a/x)https://a/y)…`) stay linear.
    """
    stack: list[str] = []
    for b in _BRACKETS.finditer(text, start, stop):
        ch = b.group()
        if ch in _PAIRS:
            if not stack or stack[-1] != _PAIRS[ch]:
                return b.start()
            stack.pop()
        else:
            stack.append(ch)
    return stop


def _identifier_matches(text: str) -> list[tuple[int, str, re.Match[str]]]:
    """(start, kind, match) of bare identifiers not glued to a word on their left, in order."""
    found: list[tuple[int, str, re.Match[str]]] = []
    for literal in _IV_LITERALS:
        for x in literal.finditer(text):
            i = x.start()
            if i >= 3 and text[i - 3 : i].lower() == "arx":
                m = _ARXIV_REF.match(text, i - 3)
                if m is not None:
                    found.append((m.start(), "arxiv", m))
    for m in _DOI_NUMBER.finditer(text):
        prefix = _DOI_PREFIX.search(text, max(0, m.start() - 6), m.start())
        if prefix is not None:
            found.append((prefix.start(), "doi", m))
    for m in _OLD_NUMBER.finditer(text):
        archive = _OLD_ARCHIVE.search(text, max(0, m.start() - 16), m.start())
        if archive is not None:
            found.append((archive.start(), "old", m))
    found = [f for f in found if f[0] == 0 or text[f[0] - 1] not in _ID_BEFORE]
    found.sort(key=lambda f: f[0])
    return found


def _scan_identifiers(text: str, url_hits: list[_Hit]) -> list[_Hit]:
    found: list[_Hit] = []
    spans = [(h.start, h.end) for h in url_hits]
    last_end = body_end = 0
    for start, kind, m in _identifier_matches(text):
        i = bisect.bisect_right(spans, (start, len(text) + 1)) - 1
        if start < last_end or (i >= 0 and spans[i][0] <= start < spans[i][1]):
            continue  # part of a URL or DOI already found
        if kind == "doi":
            if m.end() >= body_end:
                body_end = _body_end(text, m.end())
            end = _url_end(text, m.end(), body_end)
            while end > m.end() and text[end - 1] in _TRAILING:
                end -= 1
            ident = doi_identity(text[m.start() : end])
        elif kind == "arxiv":
            ident, end = arxiv_identity(m.group("id") + (m.group("v") or "")), m.end()
        else:
            ident, end = arxiv_identity(text[start : m.start()] + m.group()), m.end()
        last_end = end  # taken or not, what was read is not read again (`doi:10.1/%20,` x N)
        if ident is not None:
            found.append(_new(_Hit, (start, end, ident, "", False)))
    return found


def _labels(text: str, line_start: int = 0) -> tuple[dict[int, str], set[int]]:
    """Labels by the offset where the labelled URL starts (`[label](url)`, reference links),
    and the offsets where image destinations start (`![alt](url)`, and the definition of a
    reference used only by images: `![alt][ref]`, `![ref][]`, `![ref]`).

    Reference definitions are looked for from `line_start` on (`^` matches only at real line
    starts after it, not inside the context before a cut line).
    """
    labels: dict[int, str] = {}
    images: set[int] = set()
    for m in _MD_LINK.finditer(text):
        labels[m.end()] = _fold(m.group(1))
        if _bang_before(text, m.start()):
            images.add(m.end())
    if "]:" in text:
        uses: dict[str, str] = {}
        image_refs: set[str] = set()
        for m in _REF_USE.finditer(text):
            ref = (m.group(2) or m.group(1)).casefold()
            if _bang_before(text, m.start()):
                image_refs.add(ref)
            else:
                uses.setdefault(ref, _fold(m.group(1)))
        shortcut_links: set[str] = set()
        if "![" in text:
            shortcut_images, shortcut_links = _shortcut_uses(text)
            image_refs |= shortcut_images
        for m in _REF_DEF.finditer(text, line_start):
            title = _REF_TITLE.match(text, _body_end(text, m.end()))
            ref = m.group(1)
            labels[m.end()] = uses.get(ref.casefold()) or (
                _fold(title.group(1)) if title else _fold(ref)
            )
            folded = ref.casefold()
            if folded in image_refs and folded not in uses and folded not in shortcut_links:
                images.add(m.end())
    return labels, images


def _bang_before(text: str, i: int) -> bool:
    """Whether an image's `!` (not an escaped `\\!`) comes right before offset `i`."""
    return i > 0 and text[i - 1] == "!" and (i < 2 or text[i - 2] != "\\")


def _shortcut_uses(text: str) -> tuple[set[str], set[str]]:
    """References used in shortcut form: as images (`![ref]`), and as links (`[ref]`)."""
    images, links = set(), set()
    for m in _REF_SHORT.finditer(text):
        before = text[m.start() - 1] if m.start() else ""
        if _bang_before(text, m.start()):
            images.add(m.group(1).casefold())
        elif before != "]":  # not the `[ref]` of `[label][ref]`, counted already
            links.add(m.group(1).casefold())
    return images, links


def _html_label(text: str, start: int, end: int) -> str:
    if not _HREF.search(text, max(0, start - 12), start):
        return ""
    m = _A_LABEL.match(text, end)
    return _fold(m.group(1)) if m else ""


def _fold(s: str) -> str:
    return " ".join(s.split())  # str.split is several times faster than a regex here


_WINDOW = 4 * CONTEXT_CHARS


def _short_excerpt(line: str) -> str | None:
    """The excerpt of `line` when it is the whole line folded (the same wherever the citation
    is in it), else None."""
    if len(line) <= 2 * _WINDOW:
        folded = _fold(line)
        if len(folded) <= CONTEXT_CHARS:
            return folded
    return None


def _excerpt(line: str, at: int) -> str:
    """The line around offset `at`, whitespace-folded, at most CONTEXT_CHARS characters.

    Only a window around `at` is looked at, so a long line with many links stays linear.
    """
    if len(line) <= 2 * _WINDOW:
        folded = _fold(line)
        if len(folded) <= CONTEXT_CHARS:
            return folded
    else:
        left = max(0, at - _WINDOW)
        line, at = line[left : at + _WINDOW], at - left
    return _centred(line, at)


def _long_excerpt(text: str, start: int, end: int, at: int) -> str:
    """`_excerpt` of the line `text[start:end]` around offset `at` of `text`, for a line that
    `_short_excerpt` found not short (so it is not folded whole again)."""
    if end - start <= 2 * _WINDOW:
        return _centred(text[start:end], at - start)
    left = max(start, at - _WINDOW)
    return _centred(text[left : min(end, at + _WINDOW)], at - left)


def _excerpt_in(text: str, at: int, start: int, end: int) -> str:
    """`_excerpt` of the line `text[start:end]` (a cut line seen with its neighbours), without
    copying more of it than the window."""
    if end - start <= 2 * _WINDOW:
        return _excerpt(text[start:end], at - start)
    left = max(start, at - _WINDOW)
    return _centred(text[left : min(end, at + _WINDOW)], at - left)


def _centred(line: str, at: int) -> str:
    # Fold each side on its own so the window stays centred on the citation: a third before it.
    before, after = _fold(line[:at]), _fold(line[at:])
    sep = " " if before and line[at - 1 : at].isspace() else ""
    room = CONTEXT_CHARS - len(sep)
    right_room = room - min(len(before), room // 3)
    if len(after) > right_room:
        after = after[: right_room - 1] + "…"
    left_room = room - len(after)
    if len(before) > left_room:
        before = "…" + before[len(before) - left_room + 1 :] if left_room > 1 else ""
    return before + sep + after


def extract_text(text: str, file: str = "<text>", keep_images: bool = False) -> list[Citation]:
    """Every citation in `text`, in order of appearance.

    Images (Markdown `![…](…)`, HTML `<img>`/`<source>`, and badges, charts and counters
    however they are written) are not citations; `keep_images` keeps them.
    """
    return _Scanner(file, keep_images).feed(text)
