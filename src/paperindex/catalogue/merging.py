"""Merging an extract into the catalogue: one row per identity, mentions replaced per file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..model import Citation, Link, Mention, Status
from ..sites import identity_key, key_of
from .csvfile import Catalogue


@dataclass
class MergeSummary:
    """What a merge changed."""

    added: list[Link] = field(default_factory=list)
    gone: list[Link] = field(default_factory=list)
    returned: list[Link] = field(default_factory=list)
    keyed: list[Link] = field(default_factory=list)


def merge(
    catalogue: Catalogue,
    citations: Iterable[Citation],
    scanned_files: Iterable[str],
) -> MergeSummary:
    """Fold an extract's citations into the catalogue, in place.

    Mentions from `scanned_files` are replaced by what was found there now; mentions from other
    files are kept, so extracting one folder does not forget another.  New links are appended in
    order of appearance; a link left with no mention is kept, with its last mentions, as `gone`.
    Curated columns and keys are never touched here: deriving columns from metadata is the
    enrich stage's job, and keys come after it (see `paperindex.api.update_catalogue`).
    """
    scanned = set(scanned_files)
    summary = MergeSummary()
    index = catalogue.by_identity()
    fresh: dict[str, list[Mention]] = {}
    for citation in citations:
        ident = identity_key(citation.kind, citation.source, citation.id)
        if ident not in index:
            link = Link(
                kind=citation.kind, source=citation.source, id=citation.id, url=citation.url
            )
            catalogue.links.append(link)
            index[ident] = link
            summary.added.append(link)
        fresh.setdefault(ident, []).append(citation.mention)
    for link in catalogue.links:
        kept = [m for m in link.mentions if m.file not in scanned]
        mentions = _dedupe([*kept, *fresh.get(key_of(link), [])])
        if mentions:
            if link.status is Status.GONE:
                summary.returned.append(link)
            link.mentions = mentions
            link.status = Status.CITED
        elif link.status is not Status.GONE:
            link.status = Status.GONE
            summary.gone.append(link)
    return summary


def _dedupe(mentions: list[Mention]) -> list[Mention]:
    """One mention per (file, line): `[arXiv:X](https://arxiv.org/abs/X)` is one citation."""
    seen: set[tuple[str, int]] = set()
    out = []
    for m in mentions:
        if (m.file, m.line) not in seen:
            seen.add((m.file, m.line))
            out.append(m)
    return out
