"""The catalogue file `data/links.csv`: one row per link, curated columns kept, written atomically.

Format (documented in the README): UTF-8, a header row, `\\n` line ends, minimal quoting.  The
`mentions` cell holds one JSON object per line, one line per citation.  A cell that a spreadsheet
would run as a formula (starting `=`, `+`, `-`, `@`, tab or CR) is written with a leading `'`, as
is a cell that itself starts with `'`; reading strips exactly one, so every value loads back as
the text it was.  Control and bidi characters are never written (`text.clean`: tab and line feed
stay), in cells or inside the mentions' JSON.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from .. import defaults
from ..files import atomic_write_text
from ..model import Link, Mention
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
    "mentions",
)
CURATED = frozenset({"key", "title", "authors", "year", "topic", "venue", "note", "code"})
_ALIAS_SEPARATOR = " "  # identity keys hold no space (URLs and DOIs are encoded)
REQUIRED = ("kind", "source", "id", "url")
DEFAULT_CATALOGUE = defaults.CATALOGUE
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


class CatalogueError(ValueError):
    """A catalogue file that cannot be read; the message names the file and line."""


@dataclass
class Catalogue:
    """Links in the order they were first catalogued, plus any columns users added."""

    links: list[Link] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)

    def by_identity(self) -> dict[str, Link]:
        """Links by their deduplication key, and by each of their aliases."""
        index = {key_of(link): link for link in self.links}
        index.update({alias: link for link in self.links for alias in link.aliases})
        return index

    def by_key(self) -> dict[str, Link]:
        """Links by citation key (links without a key left out)."""
        return {link.key: link for link in self.links if link.key}


def _protect(value: str) -> str:
    value = clean(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def _unprotect(value: str) -> str:
    return value[1:] if value.startswith("'") else value


def encode_mentions(mentions: Iterable[Mention]) -> str:
    """One compact JSON object per line; empty fields left out."""
    return "\n".join(
        json.dumps(_clean_mention(m), ensure_ascii=False, sort_keys=False) for m in mentions
    )


def _clean_mention(mention: Mention) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, value in mention.model_dump(exclude_defaults=True).items():
        value = clean(value) if isinstance(value, str) else value
        if value != "" or name == "file":  # a field emptied by cleaning is a default again
            out[name] = value
    return out


def decode_mentions(cell: str) -> list[Mention]:
    """Inverse of `encode_mentions`."""
    return [Mention.model_validate_json(line) for line in cell.splitlines() if line.strip()]


def dumps(catalogue: Catalogue) -> str:
    """The catalogue as CSV text (the exact bytes `save` writes)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*COLUMNS, *catalogue.extra_columns])
    for link in catalogue.links:
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
            encode_mentions(link.mentions),
        ]
        row += [link.extra.get(col, "") for col in catalogue.extra_columns]
        writer.writerow([_protect(v) for v in row])
    return out.getvalue()


def loads(text: str, name: str = "<catalogue>") -> Catalogue:
    """Parse catalogue CSV; any malformed row raises `CatalogueError` naming its line."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise CatalogueError(f"{name}:1: {exc}") from exc
    if header is None:
        return Catalogue()
    header = [_unprotect(h).strip() for h in header]
    if "auto_authors" not in header:  # written before authors/year could be curated: those two
        header = [{"authors": "auto_authors", "year": "auto_year"}.get(h, h) for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CatalogueError(f"{name}:1: header lacks column(s) {', '.join(missing)}")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise CatalogueError(f"{name}:1: column(s) {', '.join(dupes)} appear twice")
    extra = [h for h in header if h not in COLUMNS]
    catalogue = Catalogue(extra_columns=extra)
    seen: dict[str, int] = {}
    keys: dict[str, int] = {}
    line = 1
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CatalogueError(f"{name}:{start}: {exc}") from exc
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise CatalogueError(
                f"{name}:{start}: {len(row)} cells but the header has {len(header)} columns"
            )
        cells = dict(zip(header, (_unprotect(c) for c in row), strict=True))
        link = _row_to_link(cells, extra, f"{name}:{start}")
        for ident in (key_of(link), *link.aliases):
            if ident in seen:
                raise CatalogueError(
                    f"{name}:{start}: same link as line {seen[ident]} ({ident}); merge the two rows"
                )
            seen[ident] = start
        if link.key:
            folded = link.key.casefold()
            if folded in keys:
                raise CatalogueError(
                    f"{name}:{start}: key {link.key!r} is already used on line {keys[folded]}"
                )
            keys[folded] = start
        catalogue.links.append(link)
    return catalogue


def _row_to_link(cells: dict[str, str], extra: list[str], where: str) -> Link:
    try:
        mentions = decode_mentions(cells.get("mentions", ""))
    except ValidationError as exc:  # named once: the column, then the field of the mention
        err = exc.errors()[0]
        field_name = ".".join(str(p) for p in err["loc"])
        what = f"field {field_name!r}: " if field_name else ""
        raise CatalogueError(
            f"{where}: column 'mentions': {what}{err['msg']} (got {err.get('input')!r})"
        ) from exc
    fields: dict[str, object] = {
        c: cells[c] for c in COLUMNS if c in cells and c not in ("mentions", "aliases")
    }
    if not fields.get("status"):
        fields.pop("status", None)
    fields["aliases"] = cells.get("aliases", "").split()
    try:
        return Link.model_validate(
            {**fields, "mentions": mentions, "extra": {c: cells[c] for c in extra}}
        )
    except ValidationError as exc:
        raise CatalogueError(f"{where}: {_first_error(exc)}") from exc


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    return f"column {loc!r}: {err['msg']} (got {err.get('input')!r})"


def load(path: Path | str = DEFAULT_CATALOGUE) -> Catalogue:
    """The catalogue at `path`; empty when the file does not exist."""
    path = Path(path)
    if not path.exists():
        return Catalogue()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{path}: not UTF-8 ({exc})") from exc
    return loads(text, str(path))


def save(catalogue: Catalogue, path: Path | str = DEFAULT_CATALOGUE) -> bool:
    """Write the catalogue atomically; return False (and write nothing) when unchanged."""
    path = Path(path)
    text = dumps(catalogue)
    if path.exists() and path.read_text(encoding="utf-8-sig") == text:
        return False
    atomic_write_text(path, text)
    return True
