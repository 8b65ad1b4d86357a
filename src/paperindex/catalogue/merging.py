"""Merging into the catalogue: an extract's citations (one row per identity, mentions replaced
per file), and rows that metadata shows to be one work (`unify`: one row per work)."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from ..model import Citation, Link, Mention, Status
from ..sites import identity_key, key_of
from .csvfile import Catalogue, restore_mentions


@dataclass
class MergeSummary:
    """What a merge changed."""

    added: list[Link] = field(default_factory=list)
    gone: list[Link] = field(default_factory=list)
    returned: list[Link] = field(default_factory=list)
    keyed: list[Link] = field(default_factory=list)
    files_gone: list[str] = field(default_factory=list)
    """Notes no longer there, whose mentions were dropped (see `files_gone`)."""


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

    The catalogue may have been read without the mentions of the scanned files
    (`load(mentions=scanned)`), never without others': they are what is kept.
    """
    scanned = set(scanned_files)
    left_out = catalogue.mentions_left_out
    if left_out is None or not left_out <= scanned:
        raise ValueError("merge needs the catalogue's mentions of every file it does not scan")
    summary = MergeSummary()
    links = catalogue.links
    old = len(links)
    index = catalogue.by_identity()
    # by id() of the row a citation lands on: its new mentions (a new row's own list)
    fresh: dict[int, list[Mention]] = {}
    # (kind, source, id) -> the new mentions of the row it lands on, without recomputing its
    # identity key: a citation of an alias (a DOI of a merged work) shares its row's list
    rows: dict[tuple[object, ...], list[Mention]] = {}
    row_of, add, added = rows.get, links.append, summary.added.append
    for citation in citations:
        row = citation[:3]
        found = row_of(row)
        if found is None:
            kind, source, ident_id, url, _ = citation
            ident = identity_key(kind, source, ident_id)
            link = index.get(ident)
            if link is None:
                link = Link(kind=kind, source=source, id=ident_id, url=url)
                add(link)
                index[ident] = link
                added(link)
                found = fresh[id(link)] = link.mentions
            else:
                found = fresh.get(id(link))
                if found is None:
                    found = fresh[id(link)] = []
            rows[row] = found
        found.append(citation[4])
    gone = Status.GONE
    for i in range(old):
        link = links[i]
        new = fresh.get(id(link))
        if link.status is gone:  # its mentions are its last ones, history: only new ones count
            if new is not None:
                link.mentions = _dedupe(new) if len(new) > 1 else new
                link.status = Status.CITED
                summary.returned.append(link)
            continue
        mentions = link.mentions
        if scanned and mentions:
            mentions = [m for m in mentions if m.file not in scanned]
        if new is not None:
            mentions = _dedupe(mentions + new) if mentions or len(new) > 1 else new
        if mentions:
            link.mentions = mentions
        else:
            link.status = gone
            summary.gone.append(link)
    for i in range(old, len(links)):  # new rows: cited, their mentions all new
        mentions = links[i].mentions
        if len(mentions) > 1:
            first, second = mentions[0], mentions[1]
            if len(mentions) > 2 or (first[1] == second[1] and first[0] == second[0]):
                links[i].mentions = _dedupe(mentions)
    restore_mentions(catalogue, summary.gone)  # the last mentions of what is no longer cited
    catalogue.mentions_left_out = frozenset()
    return summary


def files_gone(
    catalogue: Catalogue, folders: Iterable[str], root: str, read: Collection[str]
) -> list[str]:
    """The notes the catalogue's mentions name inside `folders` that are certainly no longer
    there, sorted: what a walk of those folders would have read, had they still been there.

    Only names that start from the project root count (`./notes/a.md`, see
    `paperindex.extract.iter_note_files`; `folders` are such prefixes, `./notes/`), from the
    absolute folder `root`: an older name, relative to some folder given once, could be a file
    elsewhere that still exists.  Names in `read` (this run's) are left out, and so are the
    mentions of links already gone (their last ones, kept).  A note counts as gone only when a
    folder on its way lists no entry of exactly its name, or it is a folder now: one behind an
    unreadable folder or a broken symlink (a drive not mounted) is kept."""
    prefixes = tuple(folders)
    if not prefixes:
        return []
    gone = Status.GONE
    names = {m.file for link in catalogue.links if link.status is not gone for m in link.mentions}
    listings: dict[str, frozenset[str] | None] = {}
    return sorted(
        name
        for name in names
        if name.startswith(prefixes) and name not in read and _certainly_gone(root, name, listings)
    )


def _certainly_gone(root: str, name: str, listings: dict[str, frozenset[str] | None]) -> bool:
    """Whether the note `name` (`./a/b.md`, from `root`) is gone; `listings` caches folders'
    entries (None: a folder that cannot be listed).  Entries are compared exactly, so a note
    renamed `A.md` to `a.md` on a case-insensitive file system is gone too."""
    parts = name[2:].split("/")
    folder = root
    for depth, part in enumerate(parts):
        if folder not in listings:
            try:
                listings[folder] = frozenset(os.listdir(folder))
            except OSError:  # unreadable, or a symlink to what is not there now: can't tell
                listings[folder] = None
        entries = listings[folder]
        if entries is None:
            return False
        if part not in entries:
            return True
        folder = os.path.join(folder, part)
        if depth == len(parts) - 1:  # the note itself: a folder of that name is not it
            return os.path.isdir(folder) and not os.path.islink(folder)
    return False


def _dedupe(mentions: list[Mention]) -> list[Mention]:
    """One mention per (file, line): `[arXiv:X](https://arxiv.org/abs/X)` is one citation."""
    seen: set[tuple[str, int]] = set()
    out = []
    for m in mentions:
        where = (m.file, m.line)
        if where not in seen:
            seen.add(where)
            out.append(m)
    return out


# --- one row per work ---------------------------------------------------------------------------

_CURATED_CELLS = ("title", "authors", "year", "topic", "venue", "note", "code")


@dataclass
class UnifyReport:
    """What `unify` changed: rows merged, identities recorded, curated cells in conflict."""

    merged: list[str] = field(default_factory=list)
    """One line per absorbed row: `kept <- absorbed`."""
    conflicts: list[str] = field(default_factory=list)
    """Curated cells that differed (the first row's value was kept), and citation keys
    retired."""
    aliases_added: int = 0

    @property
    def changed(self) -> bool:
        """True when a row was merged or an alias recorded."""
        return bool(self.merged or self.aliases_added)

    def extend(self, other: UnifyReport) -> None:
        """Fold `other` (a later pass) into this report."""
        self.merged += other.merged
        self.conflicts += other.conflicts
        self.aliases_added += other.aliases_added


def unify(catalogue: Catalogue, same: Callable[[Link], Iterable[str]]) -> UnifyReport:
    """Make the catalogue one row per work, in place.

    `same(link)` gives identity keys that metadata shows to be the same work as `link` (a DOI
    in its `externalIds`, a Crossref relation, …).  Rows that share an identity (their own, an
    alias, or one of these) become one: the row catalogued first keeps its key, its curated
    cells and its place; the others' identities become its aliases (so later citations of them
    land on it), their mentions join its mentions, an empty curated cell of the first is filled
    from the others, and every cell that differs is reported in `conflicts` (the first row's
    value kept).  Identities shown for a row that no other row has are recorded as its aliases
    too.  Running it again on its own result changes nothing.
    """
    links = catalogue.links
    parent = list(range(len(links)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    keys: list[set[str]] = []
    owner: dict[str, int] = {}
    for i, link in enumerate(links):
        mine = {key_of(link), *link.aliases, *same(link)}
        keys.append(mine)
        for k in mine:
            if k in owner:
                a, b = find(i), find(owner[k])
                parent[max(a, b)] = min(a, b)
            else:
                owner[k] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(links)):
        groups.setdefault(find(i), []).append(i)
    report = UnifyReport()
    absorbed: set[int] = set()
    for members in groups.values():
        keeper = links[members[0]]
        if len(members) == 1 and len(keys[members[0]]) == 1 + len(keeper.aliases):
            if not keeper.aliases or keeper.aliases == sorted(keeper.aliases):
                continue  # a row alone, shown to be nothing but itself: nothing to change
        everything = set().union(*(keys[i] for i in members)) - {key_of(keeper)}
        aliases = sorted(everything)
        report.aliases_added += len(set(aliases) - set(keeper.aliases))
        for i in members[1:]:
            _absorb(keeper, links[i], report)
            absorbed.add(i)
        if aliases != keeper.aliases:
            keeper.aliases = aliases
    if absorbed:
        catalogue.links = [link for i, link in enumerate(links) if i not in absorbed]
    return report


def _absorb(keeper: Link, other: Link, report: UnifyReport) -> None:
    """Fold `other` into `keeper` (see `unify`)."""
    name = keeper.key or key_of(keeper)
    report.merged.append(f"{name} ({key_of(keeper)}) <- {other.key or key_of(other)} "
                         f"({key_of(other)})")  # fmt: skip
    if other.key:
        if not keeper.key:
            keeper.key = other.key
        elif other.key != keeper.key:
            report.conflicts.append(
                f"{name}: citation key {other.key!r} of {key_of(other)} retired; cite {name}"
            )
    for cell in _CURATED_CELLS:
        mine, theirs = getattr(keeper, cell), getattr(other, cell)
        if theirs and not mine:
            setattr(keeper, cell, theirs)
        elif theirs and mine != theirs:
            report.conflicts.append(
                f"{name}: {cell} {mine!r} kept; {theirs!r} of {key_of(other)} dropped"
            )
    for column, theirs in other.extra.items():
        mine = keeper.extra.get(column, "")
        if theirs and not mine:
            keeper.extra = {**keeper.extra, column: theirs}
        elif theirs and mine != theirs:
            report.conflicts.append(
                f"{name}: {column} {mine!r} kept; {theirs!r} of {key_of(other)} dropped"
            )
    mentions = sorted([*keeper.mentions, *other.mentions], key=lambda m: (m.file, m.line))
    keeper.mentions = _dedupe(mentions)
    if other.status is Status.CITED:
        keeper.status = Status.CITED
