"""The typed records of the catalogue: a link, where it was cited, and what kind of thing it is.

Every stage speaks these types: the extractor yields `Citation`s, the catalogue holds `Link`s
(one per canonical identity) each with its `Mention`s, the enricher adds metadata, the exporters
read `Link`s.  They are pydantic models so that a row read back from a hand-edited CSV is
validated with an error that names the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


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


class Mention(BaseModel):
    """One place a link was cited: the evidence for why it is in the catalogue."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str
    """Notes file, relative to the directory (or file) extract was given."""
    line: int = Field(ge=1)
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


CONTEXT_CHARS = 160


class Link(BaseModel):
    """One row of the catalogue: a cited thing under its canonical identity.

    Curated columns (`key`, `title`, `authors`, `year`, `topic`, `venue`, `note`, `code` and any
    column a user adds, kept in `extra`) belong to people: tools fill `key` once, never change a
    non-empty one, and never write the others.  Derived columns (`kind`, `source`, `id`, `url`,
    `auto_title`, `auto_authors`, `auto_year`, `aliases`, `status`, `mentions`) belong to the
    tools and are rewritten on every run.  Where both exist, the curated one wins
    (`display_title`, `display_authors`, `display_year`).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

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
    aliases: list[str] = Field(default_factory=list)
    """Identity keys of other identities of the same work (its DOI, its OpenReview forum, …):
    citations of them land on this row."""
    status: Status = Status.CITED
    """Whether the latest extract still found it."""
    mentions: list[Mention] = Field(default_factory=list)
    """Every citation of it, in order of appearance."""
    extra: dict[str, str] = Field(default_factory=dict)
    """Columns a user added to the CSV, kept verbatim."""

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


@dataclass(frozen=True, slots=True)
class Identity:
    """What one citation points at: kind, site, identifier there, one canonical URL."""

    kind: Kind
    source: str
    """The site (`arxiv`, `github`, …) or, for any other host, the host name."""
    id: str
    url: str
    version: str = ""
    """arXiv version named by the citation (`v2`); not part of the identity."""
    subpath: str = ""
    """Path inside a repository named by the citation; not part of the identity."""


@dataclass(frozen=True, slots=True)
class Citation:
    """One citation found by the extractor, before it is merged into the catalogue.

    A plain dataclass, not a pydantic model: it is built from values already validated (its
    `Mention` is a model), once per citation in the hot loop of extraction.
    """

    kind: Kind
    source: str
    id: str
    url: str
    mention: Mention


def json_schema() -> dict[str, object]:
    """JSON Schema (2020-12) of a catalogue row, mentions included, as pydantic generates it."""
    schema = Link.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://github.com/paperindex/paperindex/data/links.schema.json"
    return schema
