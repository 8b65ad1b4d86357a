"""The catalogue files: `data/links.csv`, one row per link, and `data/mentions.csv`, one row per
citation; curated columns kept, both written atomically together.

Format (documented in the README): UTF-8, a header row, `\\n` line ends, minimal quoting.  A
mention row starts with the identity key of its link (`arxiv:2312.00752`, the `link` column),
then the fields of `Mention`; rows are grouped by link in catalogue order, each link's in the
order they were found.  A cell that a spreadsheet would run as a formula (starting `=`, `+`,
`-`, `@`, tab or CR) is written with a leading `'`, as is a cell that itself starts with `'`;
reading strips exactly one, so every value loads back as the text it was.  Control and bidi
characters are never written (`text.clean`: tab and line feed stay).

A catalogue written before mentions had their own file (a `mentions` column of JSON lines) loads
as it is; the next save under the lock (`load(..., migrate=True)`) moves the mentions out.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import os
import re
import sys
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TextIO

from .. import defaults
from ..files import Digest, ForkedPart, can_fork, open_together, write_together
from ..model import Kind, Link, Mention, Status
from ..sites import key_of
from ..text import clean

COLUMNS = (
    "key",
    "kind",
    "source",
    "id",
    "url",
    "title",
    "authors",
    "year",
    "topic",
    "venue",
    "note",
    "code",
    "auto_title",
    "auto_authors",
    "auto_year",
    "aliases",
    "status",
)
MENTION_COLUMNS = ("link", *Mention._fields)
"""The mentions file's columns: the link's identity key, then the fields of `Mention`."""
CURATED = frozenset({"key", "title", "authors", "year", "topic", "venue", "note", "code"})
_ALIAS_SEPARATOR = " "  # identity keys hold no space (URLs and DOIs are encoded)
REQUIRED = ("kind", "source", "id", "url")
DEFAULT_CATALOGUE = defaults.CATALOGUE
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
_OLD_MENTIONS = "mentions"
"""The column that held every mention of a link as JSON lines, before they had their own file."""
_new = tuple.__new__  # a named tuple from its fields, without the keyword handling of its __new__
_KINDS = {k.value: k for k in Kind}
_STATUSES = {s.value: s for s in Status}
_MENTION_DEFAULTS = Mention._field_defaults
logger = logging.getLogger("paperindex.catalogue")


class CatalogueError(ValueError):
    """A catalogue file that cannot be read; the message names the file and line."""


@dataclass
class Catalogue:
    """Links in the order they were first catalogued, plus any columns users added."""

    links: list[Link] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    mentions_left_out: frozenset[str] | None = frozenset()
    """Files whose mentions were not read (`load(mentions=...)`), or None when no mention was:
    until a merge replaces them, `save` keeps the mentions file as it is."""
    migrated: bool = False
    """Read from a file that still held its mentions in a column (written by an older version)."""
    path: Path | None = None
    """The file it was read from."""

    def by_identity(self) -> dict[str, Link]:
        """Links by their deduplication key, and by each of their aliases."""
        index = {key_of(link): link for link in self.links}
        index.update({alias: link for link in self.links for alias in link.aliases})
        return index

    def by_key(self) -> dict[str, Link]:
        """Links by citation key (links without a key left out)."""
        return {link.key: link for link in self.links if link.key}


def mentions_path(catalogue: Path | str) -> Path:
    """Where the mentions of the catalogue at `catalogue` live: `mentions.csv` beside
    `links.csv`, `<name>.mentions.csv` beside a catalogue of any other name."""
    path = Path(catalogue)
    if path.name == "links.csv":
        return path.with_name("mentions.csv")
    return path.with_name(f"{path.stem}.mentions.csv")


# --- writing ------------------------------------------------------------------------------------


def _protect(value: str) -> str:
    value = clean(value)
    formula = value.startswith(_FORMULA_START) or _FORMULA_VALUE.match(value) is not None
    return "'" + value if formula else value


def _line(row: list[str]) -> str:
    """`row` as one CSV line, each cell cleaned and formula-protected, quoted as csv's minimal
    quoting does (a cell holding a comma, a quote or a line break; `\\r` is never left in one).

    The common row, printable cells none of which holds a comma or a quote or starts like a
    formula, is joined as it is, checked at C speed.
    """
    text = ",".join(row)
    plain = (  # no cell to clean or protect: a formula cell would show as `,=` (or `=` first)
        text.isprintable()
        and not text.startswith(_FORMULA_START)
        and _FORMULA_VALUE.match(text) is None
        and _FORMULA_CELL.search(text) is None
    )
    if plain and '"' not in text and text.count(",") == len(row) - 1:
        return text + "\n"
    cells = row if plain else [_protect(c) for c in row]
    return ",".join([_quoted(c) if _QUOTE.search(c) else c for c in cells]) + "\n"


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if '"' in cell else f'"{cell}"'


_QUOTE = re.compile('[,"\n]')
# A value some spreadsheet may read as a formula: a sign first, once leading spaces (which an
# importer may trim) are passed over; full-width signs too.  `\s` takes NBSP, U+3000, U+2028.
_SIGN = "[=+\\-@\uff0b\uff0d\uff1d\uff20]"
_SPACES = "[\\s\u200b-\u200d\u2060\ufeff]"
_FORMULA_VALUE = re.compile(f"{_SPACES}*{_SIGN}")
_FORMULA_CELL = re.compile(f",(?:{_SIGN}|'|{_SPACES}+{_SIGN})")  # (the common branch first)
"""A cell (after the first) starting like a formula, in a row whose commas all separate cells."""
_CHUNK_ROWS = 4096


def _write_lines(out: TextIO, rows: Iterable[list[str]]) -> None:
    """`_line` of every row, checked a chunk of rows at a time: a chunk whose rows are all
    plain (see `_line`) is joined as it is; any other chunk goes row by row."""
    chunk: list[list[str]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= _CHUNK_ROWS:
            out.write(_chunk_text(chunk))
            chunk.clear()
    out.write(_chunk_text(chunk))


def _chunk_text(chunk: list[list[str]]) -> str:
    """The lines of `chunk`, as `_line` makes them.

    Its rows joined by commas are one row of all its cells, checked at C speed: when no cell
    needs cleaning or protecting (isprintable: no line break; the formula check sees every
    cell's start), only cells holding a comma or a quote need quoting, in the rows that hold
    one (a row's commas that do not add up, or a quote); any other chunk goes row by row.
    """
    if not chunk:
        return ""
    lines = [",".join(row) for row in chunk]
    text = ",".join(lines)
    if (
        text.isprintable()
        and not text.startswith(_FORMULA_START)
        and _FORMULA_VALUE.match(text) is None
        and _FORMULA_CELL.search(text) is None
    ):
        if '"' in text or text.count(",") != sum(map(len, chunk)) - 1:
            for i, line in enumerate(lines):
                row = chunk[i]
                if '"' in line or line.count(",") != len(row) - 1:
                    lines[i] = ",".join([_quoted(c) if "," in c or '"' in c else c for c in row])
        lines.append("")
        return "\n".join(lines)
    return "".join(map(_line, chunk))


def _link_row(link: Link, extra_columns: list[str]) -> list[str]:
    row = [
        link.key,
        link.kind.value,
        link.source,
        link.id,
        link.url,
        link.title,
        link.authors,
        link.year,
        link.topic,
        link.venue,
        link.note,
        link.code,
        link.auto_title,
        link.auto_authors,
        link.auto_year,
        _ALIAS_SEPARATOR.join(link.aliases),
        link.status.value,
    ]
    if extra_columns:
        row += [link.extra.get(col, "") for col in extra_columns]
    return row


def write_links(catalogue: Catalogue, out: TextIO) -> None:
    """The catalogue's rows as CSV (the exact text `save` writes to `links.csv`)."""
    extra = catalogue.extra_columns
    header = [[*COLUMNS, *extra]]
    _write_lines(out, chain(header, (_link_row(link, extra) for link in catalogue.links)))


def _mention_rows(links: Iterable[Link]) -> Iterator[list[str]]:
    for link in links:
        if not link.mentions:
            continue
        ident = key_of(link)
        for m in link.mentions:
            yield [ident, m[0], str(m[1]), m[2], m[3], m[4], m[5], m[6], m[7], m[8]]


def write_mentions(catalogue: Catalogue, out: TextIO, helper: _Helper | None = None) -> None:
    """Every mention as CSV (the exact text `save` writes to the mentions file).

    With `helper`, the rows of the links from `helper.start` on are those a forked helper wrote
    meanwhile (written here if it failed): each row's text is its own, so the file is the same
    wherever it is cut.
    """
    links = catalogue.links
    end = len(links) if helper is None else helper.start
    _write_lines(out, chain([list(MENTION_COLUMNS)], _mention_rows(links[:end])))
    if helper is not None and not helper.part.append_to(out):
        _write_lines(out, _mention_rows(links[end:]))


@dataclass
class _Helper:
    start: int
    part: ForkedPart


FORK_MENTIONS = 50_000
"""Mentions enough for a forked helper to write some of them while this process writes the
links and the rest (one fifth of a save of 100,000 links)."""
_OWN_SHARE = 0.3
"""The mentions this process writes when a helper writes the others: it writes the links first."""


_EARLY_SHARE = 0.12
"""The same, when the helper is started before the derived columns and keys (`start_mentions`):
this process derives them and writes the links while the helper writes nearly every mention."""


def _mentions_helper(catalogue: Catalogue, path: Path, share: float = -1.0) -> _Helper | None:
    """A forked helper writing the last mention rows, when there are enough to be worth it;
    this process writes the first `share` of them (default `_OWN_SHARE`)."""
    counts = [len(link.mentions) for link in catalogue.links]
    total = sum(counts)
    if total < FORK_MENTIONS or not can_fork():
        return None
    own = _OWN_SHARE if share < 0 else share
    done, start = 0, len(counts)
    for i, n in enumerate(counts):
        if done >= total * own:
            start = i
            break
        done += n
    rest = catalogue.links[start:]
    part = ForkedPart.start(path, lambda f: _write_lines(f, _mention_rows(rest)))
    return _Helper(start, part) if part is not None else None


class MentionsWriter:
    """The mentions file of a merged catalogue, being written by a forked helper meanwhile
    (`start_mentions`); hand it to `save`, or `close` it."""

    def __init__(self, catalogue: Catalogue, helper: _Helper | None) -> None:
        self.catalogue = catalogue
        self.helper: _Helper | None = helper

    def take(self, catalogue: Catalogue) -> _Helper | None:
        """The helper, for a save of `catalogue` (the one it was started for), once."""
        helper, self.helper = self.helper, None
        if helper is not None and catalogue is not self.catalogue:
            helper.part.close()
            return None
        return helper

    def close(self) -> None:
        """Stop the helper if no save took it."""
        if self.helper is not None:
            self.helper.part.close()
            self.helper = None


def start_mentions(catalogue: Catalogue, path: Path | str = DEFAULT_CATALOGUE) -> MentionsWriter:
    """Start writing the mentions file of `catalogue` (to be saved at `path`) in a forked
    helper now, when there are enough mentions for one (`FORK_MENTIONS`).

    A mention row holds the link's identity and the mention, both fixed once a merge is done:
    deriving columns and assigning keys change neither.  So the helper writes while this
    process does those, and `save(..., mentions=writer)` then only appends its bytes.  The
    catalogue's identities and mentions must not change before that save.
    """
    helper = None
    if catalogue.mentions_left_out == frozenset():
        helper = _mentions_helper(catalogue, Path(path), _EARLY_SHARE)
    return MentionsWriter(catalogue, helper)


def dumps(catalogue: Catalogue) -> str:
    """The catalogue as CSV text (the exact bytes `save` writes to `links.csv`)."""
    out = io.StringIO()
    write_links(catalogue, out)
    return out.getvalue()


def dumps_mentions(catalogue: Catalogue) -> str:
    """The mentions as CSV text (the exact bytes `save` writes to the mentions file)."""
    out = io.StringIO()
    write_mentions(catalogue, out)
    return out.getvalue()


def save(
    catalogue: Catalogue,
    path: Path | str = DEFAULT_CATALOGUE,
    digests: dict[Path, Digest] | None = None,
    mentions: MentionsWriter | None = None,
) -> bool:
    """Write the catalogue and its mentions, atomically together; return False (and write
    nothing) when neither changed.  The caller holds the catalogue's lock.

    A catalogue whose mentions were not all read (`Catalogue.mentions_left_out`) keeps the
    mentions file as it is.  `digests` receives the size and SHA-256 of each file's content as
    written (see `paperindex.files.write_together`).  `mentions`: the helper `start_mentions`
    started for this catalogue and path (stopped here whatever happens).
    """
    path = Path(path)
    files = [(path, lambda f: write_links(catalogue, f))]
    helper = mentions.take(catalogue) if mentions is not None else None
    try:
        if catalogue.mentions_left_out != frozenset() and helper is not None:
            helper.part.close()
            helper = None
        elif catalogue.mentions_left_out == frozenset():
            if helper is None:
                helper = _mentions_helper(catalogue, path)
            files.append((mentions_path(path), lambda f: write_mentions(catalogue, f, helper)))
        return bool(write_together(path, files, digests))
    finally:
        if helper is not None:
            helper.part.close()


# --- reading ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _no_field_limit() -> Iterator[None]:
    """csv refuses fields over 131,072 characters; a curated note (or, in the old format, the
    mentions of a link cited a few hundred times) may be longer."""
    old = csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _unprotect(value: str) -> str:
    return value[1:] if value.startswith("'") else value


def loads(
    text: str,
    name: str = "<catalogue>",
    mentions: str | None = None,
    mentions_name: str = "<mentions>",
) -> Catalogue:
    """Parse catalogue CSV (and the text of its mentions file); any malformed row raises
    `CatalogueError` naming its line."""
    with _no_field_limit():
        catalogue, index = _read_links(io.StringIO(text, newline=""), name)
        if mentions is not None and not catalogue.migrated:
            found = io.StringIO(mentions, newline="")
            _read_mentions(catalogue, found, mentions_name, (), index=index)
    return catalogue


class LaterMentions:
    """The mentions of a catalogue loaded without them (`load(later=...)`), read on demand from
    the version of the mentions file that was current with the links (opened with them)."""

    def __init__(self) -> None:
        self._read: Callable[[], None] | None = None
        self._file: TextIO | None = None

    def read(self) -> None:
        """Attach the mentions to the catalogue's links (once; later calls do nothing)."""
        read, self._read = self._read, None
        if read is not None:
            try:
                read()
            finally:
                self.close()

    def close(self) -> None:
        """Give up reading them: the file is closed."""
        self._read = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def _defer(self, catalogue: Catalogue, f: TextIO, name: str, index: dict[str, Link]) -> None:
        fd = os.dup(f.fileno())  # `f` is closed with its group; nothing was read from it yet
        later = self._file = open(fd, encoding="utf-8-sig", newline="")
        weakref.finalize(self, later.close)

        def read() -> None:
            try:
                with _no_field_limit():
                    _read_mentions(catalogue, later, name, (), index=index)
            except UnicodeDecodeError as exc:
                raise CatalogueError(f"{name}: not UTF-8 ({exc})") from exc

        self._read = read
        catalogue.mentions_left_out = None


def load(
    path: Path | str = DEFAULT_CATALOGUE,
    mentions: bool | Collection[str] = True,
    migrate: bool = False,
    later: LaterMentions | None = None,
) -> Catalogue:
    """The catalogue at `path` with its mentions; empty when the file does not exist.

    `mentions`: False reads none (for commands that do not show them), a collection of file
    names reads all but those files' (an extract that is about to replace them).  `migrate`
    (the caller holds the lock): a catalogue in the old format, its mentions in a column, is
    saved in the new one at once, and a warning says so.  `later` (with `mentions` True):
    the mentions are read when `later.read()` is called (the links may be handed to a forked
    helper first, which then has no copy of them to make).
    """
    path = Path(path)
    companion = mentions_path(path)
    with _no_field_limit(), open_together(path, [path, companion]) as (links, mention_file):
        if links is None:
            return Catalogue()
        try:
            catalogue, index = _read_links(links, str(path))
            catalogue.path = path
            if catalogue.migrated:
                pass  # the old file's own column is the truth; a mentions file is stale
            elif mentions is False:
                catalogue.mentions_left_out = None
            elif later is not None and mentions is True and mention_file is not None:
                later._defer(catalogue, mention_file, str(companion), index)
            elif mention_file is not None:
                skip = () if mentions is True else frozenset(mentions)
                _read_mentions(catalogue, mention_file, str(companion), skip, index=index)
        except UnicodeDecodeError as exc:
            raise CatalogueError(f"{path}: not UTF-8 ({exc})") from exc
    if catalogue.migrated and migrate:
        save(catalogue, path)
        logger.warning(
            "%s: mentions moved to %s, one citation per row (the catalogue keeps one line per "
            "link)",
            path,
            companion,
        )
    return catalogue


def _header(row: list[str] | None, name: str) -> list[str]:
    if row is None:
        return []
    header = [h.strip() for h in row]
    if "auto_authors" not in header:  # written before authors/year could be curated: those two
        header = [{"authors": "auto_authors", "year": "auto_year"}.get(h, h) for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CatalogueError(f"{name}:1: header lacks column(s) {', '.join(missing)}")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise CatalogueError(f"{name}:1: column(s) {', '.join(dupes)} appear twice")
    return header


def _records(
    f: Iterable[str], name: str, wanted: Callable[[str], bool] | None = None, first: int = 1
) -> Iterator[tuple[int, list[str]]]:
    """(line the row starts on, its cells) for each row of `f`, blank rows left out.

    A line with no quote and no CR is split at its commas (what csv reads from it, at C speed,
    without csv's per-character work); any other row is read by the csv module (strict), which
    takes as many lines as a quoted cell spans.  Cells come unprotected (`_unprotect`).
    `wanted(line)`, when given, may pass over a line with no quote before it is split (a false
    keeps it: only what is certainly unwanted is passed over).  `first`: the number of `f`'s
    first line.
    """
    lines = iter(f)
    feed = _Feed(lines)
    reader = csv.reader(feed, strict=True)  # one for every quoted row (each reads from `feed`)
    number = first - 1
    for text in lines:
        number += 1
        start = number
        if '"' not in text and "\r" not in text:
            if wanted is not None and not wanted(text):
                continue
            row = text[:-1].split(",") if text.endswith("\n") else text.split(",")
            if text.startswith("'") or ",'" in text:  # every comma parts cells here
                row = [_unprotect(c) for c in row]
        else:
            if wanted is not None and _passable(text) and not wanted(text):
                continue
            feed.pending = text
            before = reader.line_num
            try:
                row = next(reader)
            except csv.Error as exc:
                raise CatalogueError(f"{name}:{start}: {exc}") from exc
            spanned = reader.line_num - before
            if "'" in text or spanned > 1:  # a protected cell starts with ' (on some line)
                row = [_unprotect(c) for c in row]
            number += spanned - 1
        if row[0].strip() or "".join(row).strip():  # a blank or whitespace-only row is no row
            yield start, row


class _Feed:
    """The lines a csv reader reads: one put back (`pending`), then the file's next ones."""

    __slots__ = ("lines", "pending")

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.pending: str | None = None

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        text = self.pending
        if text is None:
            return next(self.lines)
        self.pending = None
        return text


# A row that ends on its line, as csv (strict) reads it: cells quoted whole, a quote inside doubled,
# no line break in one; or unquoted (a quote inside is a character).  Possessive: linear.
_CELL = '(?:"(?:[^"\n]++|"")*+"|[^",\n][^,\n]*+|)'
_ONE_LINE_ROW = re.compile(f"{_CELL}(?:,{_CELL})*+\n?")


def _passable(line: str) -> bool:
    """Whether `wanted` may pass over `line`, a line with a quote: it is a whole row, and its
    first two cells (a mention's link and file) are unquoted, so splitting at commas reads
    them as csv does."""
    second = line.find(",", line.find(",") + 1)
    return (
        0 < second < line.find('"')
        and "\r" not in line
        and _ONE_LINE_ROW.fullmatch(line) is not None
    )


def _read_links(f: TextIO, name: str) -> tuple[Catalogue, dict[str, Link]]:
    """The catalogue in `f`, and its links by identity (their own and their aliases)."""
    records = _records(f, name)
    first = next(records, None)
    if first is not None and first[0] != 1:
        raise CatalogueError(f"{name}:1: the header row is blank")
    header = _header(first[1] if first else None, name)
    if not header:
        return Catalogue(), {}
    extra = [h for h in header if h not in COLUMNS and h != _OLD_MENTIONS]
    catalogue = Catalogue(extra_columns=extra, migrated=_OLD_MENTIONS in header)
    where = {c: i for i, c in enumerate(header)}
    standard = [where.get(c) for c in COLUMNS]
    extras = [(c, where[c]) for c in extra]
    old = where.get(_OLD_MENTIONS)
    width = len(header)
    plain = tuple(header) == COLUMNS  # the standard columns in their order, nothing else
    seen: dict[str, int] = {}
    index: dict[str, Link] = {}
    keys: dict[str, int] = {}
    links = catalogue.links
    for start, row in records:
        if len(row) != width:
            raise CatalogueError(
                f"{name}:{start}: {len(row)} cells but the header has {width} columns"
            )
        cells = row if plain else [row[i] if i is not None else "" for i in standard]
        link = _row_to_link(cells, name, start)
        if extras:
            link.extra = {c: row[i] for c, i in extras}
        if old is not None:
            link.mentions = _old_mentions(row[old], f"{name}:{start}")
        ident = key_of(link)
        if ident in seen:
            raise CatalogueError(
                f"{name}:{start}: same link as line {seen[ident]} ({ident}); merge the two rows"
            )
        seen[ident] = start
        index[ident] = link
        for alias in link.aliases:
            if alias in seen:
                raise CatalogueError(
                    f"{name}:{start}: same link as line {seen[alias]} ({alias}); merge the two rows"
                )
            seen[alias] = start
            index[alias] = link
        if link.key:
            folded = link.key.casefold()
            if folded in keys:
                raise CatalogueError(
                    f"{name}:{start}: key {link.key!r} is already used on line {keys[folded]}"
                )
            keys[folded] = start
        links.append(link)
    return catalogue, index


def _row_to_link(cells: list[str], name: str, line: int) -> Link:
    (key, kind, source, ident, url, title, authors, year, topic, venue, note, code,
     auto_title, auto_authors, auto_year, aliases, status) = cells  # fmt: skip
    kind_value = _KINDS.get(kind)
    if kind_value is None:
        raise CatalogueError(
            f"{name}:{line}: column 'kind': not a kind; kinds are {', '.join(_KINDS)} "
            f"(got {kind!r})"
        )
    status_value = _STATUSES.get(status) if status else Status.CITED
    if status_value is None:
        raise CatalogueError(
            f"{name}:{line}: column 'status': not a status; statuses are "
            f"{', '.join(_STATUSES)} (got {status!r})"
        )
    return Link(
        key=key, kind=kind_value, source=source, id=ident, url=url, title=title,
        authors=authors, year=year, topic=topic, venue=venue, note=note, code=code,
        auto_title=auto_title, auto_authors=auto_authors, auto_year=auto_year,
        aliases=aliases.split() if aliases else [], status=status_value,
    )  # fmt: skip


def _mention(fields: dict[str, object], where: str) -> Mention:
    """A mention from named fields, checked (the old format's JSON, a mentions row)."""
    unknown = [k for k in fields if k not in _MENTION_FIELDS]
    if unknown:
        raise CatalogueError(f"{where}: field {unknown[0]!r}: not a field of a mention")
    for name in ("file", "line"):
        if name not in fields:
            raise CatalogueError(f"{where}: field {name!r}: missing")
    line = fields["line"]
    if isinstance(line, str) and line.isdecimal():
        line = int(line)
    if type(line) is not int or line < 1:
        raise CatalogueError(f"{where}: field 'line': not a line number (got {line!r})")
    for name, value in fields.items():
        if name != "line" and not isinstance(value, str):
            raise CatalogueError(f"{where}: field {name!r}: not text (got {value!r})")
    values = {**_MENTION_DEFAULTS, **fields, "line": line}
    return Mention(**values)


_MENTION_FIELDS = frozenset(Mention._fields)


def _old_mentions(cell: str, where: str) -> list[Mention]:
    """The `mentions` cell of the old format: one JSON object per line."""
    found = []
    for text in cell.splitlines():
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CatalogueError(f"{where}: column 'mentions': not JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise CatalogueError(f"{where}: column 'mentions': not an object (got {text!r})")
        found.append(_mention(data, f"{where}: column 'mentions'"))
    return found


def restore_mentions(catalogue: Catalogue, links: Collection[Link]) -> None:
    """Give `links` back the mentions a partial `load` left out (a merge found them no longer
    cited: they keep their last mentions)."""
    left_out = catalogue.mentions_left_out
    if not links or not left_out or catalogue.path is None:
        return
    path = catalogue.path
    companion = mentions_path(path)
    wanted = {id(link) for link in links}
    with _no_field_limit(), open_together(path, [companion]) as (f,):
        if f is not None:
            _read_mentions(catalogue, f, str(companion), left_out, wanted)


def _mention_header(first: list[str] | None, name: str) -> list[str] | None:
    if first is None:
        return None
    header = [h.strip() for h in first]
    missing = [c for c in ("link", "file", "line") if c not in header]
    if missing:
        raise CatalogueError(f"{name}:1: header lacks column(s) {', '.join(missing)}")
    unknown = [c for c in header if c not in MENTION_COLUMNS]
    if unknown:
        raise CatalogueError(f"{name}:1: unknown column(s) {', '.join(unknown)}")
    return header


def _wanted(
    index: dict[str, Link], skip: Collection[str], only: Collection[int] | None
) -> Callable[[str], bool]:
    """Whether a line of the mentions file (in the standard column order) may be wanted: not a
    row of a file in `skip` whose link's mentions are being replaced (see `_read_mentions`)."""
    gone = Status.GONE

    def wanted(line: str) -> bool:
        cells = line.split(",", 2)
        if len(cells) < 3 or cells[1] not in skip:
            return only is None
        link = index.get(cells[0])
        if link is None:
            return False
        return id(link) in only if only is not None else link.status is gone

    return wanted


def _read_mentions(
    catalogue: Catalogue,
    f: TextIO,
    name: str,
    skip: Collection[str],
    only: Collection[int] | None = None,
    index: dict[str, Link] | None = None,
) -> None:
    """Attach the mentions in `f` to their links; those of files in `skip` are left out, but
    for links already `gone` (whose mentions no extract replaces).  With `only` (ids of
    links), read just what was left out for those links."""
    if index is None:
        index = catalogue.by_identity()
    head = f.readline()
    first = next(_records([head], name), None) if head else None
    if head and first is None:
        raise CatalogueError(f"{name}:1: the header row is blank")
    header = _mention_header(first[1] if first else None, name)
    if header is None:
        return
    standard = tuple(header) == MENTION_COLUMNS  # a row's link and file lead it
    wanted = _wanted(index, skip, only) if skip and standard else None
    records = _records(f, name, wanted, first=2)
    width = len(header)
    fast = standard
    positions = [header.index(c) if c in header else None for c in MENTION_COLUMNS]
    shared: dict[str, str] = {}  # file, section, thread (and a line's excerpt) repeat: one each
    orphans: list[str] = []
    for start, row in records:
        if len(row) != width:
            raise CatalogueError(
                f"{name}:{start}: {len(row)} cells but the header has {width} columns"
            )
        if not fast:
            row = [row[i] if i is not None else "" for i in positions]
        ident, file, line, section, label, context, thread, cited, version, subpath = row
        link = index.get(ident)
        if only is not None:
            if link is None or id(link) not in only or file not in skip:
                continue
        elif link is None:
            orphans.append(ident)
            continue
        elif file in skip and link.status is not Status.GONE:
            continue
        if not file:
            raise CatalogueError(f"{name}:{start}: column 'file': empty")
        if not (line.isascii() and line.isdigit()) or (number := int(line)) < 1:
            raise CatalogueError(f"{name}:{start}: column 'line': not a line number (got {line!r})")
        link.mentions.append(
            _new(Mention, (
                shared.setdefault(file, file), number, shared.setdefault(section, section),
                label, shared.setdefault(context, context), shared.setdefault(thread, thread),
                cited, version, subpath,
            ))
        )  # fmt: skip
    if only is None:
        catalogue.mentions_left_out = frozenset(skip)
    if orphans:
        logger.warning(
            "%s: %d mention(s) of links no longer in the catalogue left out (%s%s)",
            name,
            len(orphans),
            ", ".join(dict.fromkeys(orphans[:3])),
            ", …" if len(orphans) > 3 else "",
        )


def decode_mentions(cell: str) -> list[Mention]:
    """The mentions in a cell of the old format (one JSON object per line)."""
    return _old_mentions(cell, "<mentions>")


def encode_mentions(mentions: Iterable[Mention]) -> str:
    """One compact JSON object per line (the old format's cell), empty fields left out."""
    return "\n".join(
        json.dumps({k: clean(v) if isinstance(v, str) else v for k, v in m.as_dict().items()},
                   ensure_ascii=False)
        for m in mentions
    )  # fmt: skip
