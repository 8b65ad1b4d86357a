"""The typed records of the catalogue: a link, where it was cited, and what kind of thing it is.

Every stage speaks these types: the extractor yields `Citation`s, the catalogue holds `Link`s
(one per canonical identity) each with its `Mention`s, the enricher adds metadata, the exporters
read `Link`s.  They are plain slotted classes, not pydantic models: a catalogue of 100,000 links
and their citations must fit in a few hundred megabytes and load in a second.  Data is validated
where it enters (the catalogue reader names the file, line and column of a bad cell), and
`json_schema` describes a catalogue row for other tools.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple


class Kind(StrEnum):
    """What a link is, independent of where it lives."""

    PAPER = "paper"
    CODE = "code"
    DATASET = "dataset"
    MODEL = "model"
    VIDEO = "video"
    POST = "post"
    ARTICLE = "article"
    PAGE = "page"


#: The order kinds are listed in, wherever links are grouped by kind.
KIND_ORDER: tuple[Kind, ...] = tuple(Kind)


class Status(StrEnum):
    """Whether the notes still cite a link."""

    CITED = "cited"
    """Found by the latest extract."""
    GONE = "gone"
    """In the catalogue but no longer in the notes; kept, never deleted."""


class Mention(NamedTuple):
    """One place a link was cited: the evidence for why it is in the catalogue.

    A named tuple: a catalogue holds one per citation (hundreds of thousands), so each must be
    small and quick to make.
    """

    file: str
    """Notes file, relative to the directory (or file) extract was given."""
    line: int
    """1-based line number of the citation."""
    section: str = ""
    """The nearest Markdown heading above the citation."""
    label: str = ""
    """Link text (`[label](url)`, `<a>label</a>`) or a Markdown link title, when there was one."""
    context: str = ""
    """The text around the citation, whitespace-folded, at most `CONTEXT_CHARS` characters."""
    thread: str = ""
    """The line that opened the chat thread it was cited in (`D: …`, `Q: …`), when that is
    another line; at most `CONTEXT_CHARS` characters."""
    cited: str = ""
    """The link exactly as written in the notes (URL or identifier)."""
    version: str = ""
    """The arXiv version cited (`v2`), when the citation named one."""
    subpath: str = ""
    """The sub-path cited inside a repository (`tree/main/transformer_lm`), when there was one."""

    def as_dict(self) -> dict[str, Any]:
        """The fields that are set (`file` and `line` always), for JSON."""
        return {
            name: value
            for name, value in zip(self._fields, self, strict=True)
            if value or name in _MENTION_REQUIRED
        }


_MENTION_REQUIRED = frozenset({"file", "line"})
CONTEXT_CHARS = 160


@dataclass(slots=True, kw_only=True)
class Link:
    """One row of the catalogue: a cited thing under its canonical identity.

    Curated columns (`key`, `title`, `authors`, `year`, `topic`, `venue`, `note`, `code` and any
    column a user adds, kept in `extra`) belong to people: tools fill `key` once, never change a
    non-empty one, and never write the others.  Derived columns (`kind`, `source`, `id`, `url`,
    `auto_title`, `auto_authors`, `auto_year`, `aliases`, `status`) and the mentions (kept in a
    file of their own beside the catalogue) belong to the tools and are rewritten on every run.
    Where both exist, the curated one wins (`display_title`, `display_authors`,
    `display_year`).
    """

    key: str = ""
    """Citation key; stable once written (see `paperindex.keys`)."""
    kind: Kind
    """What the link is."""
    source: str
    """Where it lives: `arxiv`, `openreview`, `doi`, `acl`, `github`, `huggingface`, `twitter`,
    or the host name."""
    id: str
    """Its identifier at `source`: versionless arXiv id, `owner/repo`, `user/status/123`, a path."""
    url: str
    """One canonical URL for it."""
    title: str = ""
    """Curated title; overrides `auto_title` everywhere."""
    authors: str = ""
    """Curated authors, `; `-separated; override `auto_authors` everywhere."""
    year: str = ""
    """Curated year; overrides `auto_year` everywhere."""
    topic: str = ""
    """Curated topic; overrides topic rules."""
    venue: str = ""
    """Curated venue (`ICLR 2024`); overrides journal_ref/DOI from metadata."""
    note: str = ""
    """Free-form curated note."""
    code: str = ""
    """Curated URL of the official code, when it is not cited on its own."""
    auto_title: str = ""
    """Title from metadata, else the first mention's label."""
    auto_authors: str = ""
    """Authors from metadata, `; `-separated."""
    auto_year: str = ""
    """Year of first publication (arXiv v1), from metadata or the identity (a tweet's id)."""
    aliases: list[str] = field(default_factory=list)
    """Identity keys of other identities of the same work (its DOI, its OpenReview forum, …):
    citations of them land on this row."""
    status: Status = Status.CITED
    """Whether the latest extract still found it."""
    mentions: list[Mention] = field(default_factory=list)
    """Every citation of it, in order of appearance."""
    extra: dict[str, str] = field(default_factory=dict)
    """Columns a user added to the CSV, kept verbatim."""

    def __post_init__(self) -> None:
        # The enums are the only values whose type matters downstream (`link.kind is Kind.X`);
        # a plain string is accepted and made one, anything else is refused.
        if type(self.kind) is not Kind:
            self.kind = Kind(self.kind)
        if type(self.status) is not Status:
            self.status = Status(self.status)

    @property
    def display_title(self) -> str:
        """The best title known: curated, then metadata/label, else empty."""
        return self.title or self.auto_title

    @property
    def display_authors(self) -> str:
        """The authors to cite: curated, else from metadata (`; `-separated)."""
        return self.authors or self.auto_authors

    @property
    def display_year(self) -> str:
        """The year to cite: curated, else from metadata."""
        return self.year or self.auto_year

    def as_dict(self, mentions: bool = True) -> dict[str, Any]:
        """Every field as JSON-ready values (enums as their values), the mentions as
        `Mention.as_dict` unless `mentions` is false."""
        out: dict[str, Any] = {name: getattr(self, name) for name in _LINK_FIELDS}
        out["kind"], out["status"] = self.kind.value, self.status.value
        out["aliases"], out["extra"] = list(self.aliases), dict(self.extra)
        if mentions:
            out["mentions"] = [m.as_dict() for m in self.mentions]
        else:
            del out["mentions"]
        return out


_LINK_FIELDS: tuple[str, ...] = tuple(Link.__dataclass_fields__)


class Identity(NamedTuple):
    """What one citation points at: kind, site, identifier there, one canonical URL.

    A named tuple: one is made for every distinct URL cited (a frozen dataclass took three
    times as long to make).
    """

    kind: Kind
    source: str
    """The site (`arxiv`, `github`, …) or, for any other host, the host name."""
    id: str
    url: str
    version: str = ""
    """arXiv version named by the citation (`v2`); not part of the identity."""
    subpath: str = ""
    """Path inside a repository named by the citation; not part of the identity."""


class Citation(NamedTuple):
    """One citation found by the extractor, before it is merged into the catalogue."""

    kind: Kind
    source: str
    id: str
    url: str
    mention: Mention


def json_schema() -> dict[str, object]:
    """JSON Schema (2020-12) of a catalogue row (`Link.as_dict(mentions=False)`: the mentions
    are rows of a file of their own), as pydantic generates it."""
    from dataclasses import MISSING, fields
    from typing import get_type_hints

    from pydantic import ConfigDict, Field, create_model

    hints = get_type_hints(Link)
    columns: dict[str, Any] = {}
    for f in fields(Link):
        if f.name == "mentions":
            continue
        if f.default is not MISSING:
            columns[f.name] = (hints[f.name], f.default)
        elif f.default_factory is not MISSING:
            columns[f.name] = (hints[f.name], Field(default_factory=f.default_factory))
        else:
            columns[f.name] = (hints[f.name], ...)
    row = create_model(
        "Link", __config__=ConfigDict(extra="forbid"), __doc__=Link.__doc__, **columns
    )
    schema: dict[str, Any] = row.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://github.com/paperindex/paperindex/data/links.schema.json"
    return schema
