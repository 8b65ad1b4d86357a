"""One refresh over every metadata source, and the catalogue after it: one row per work, the
published versions of arXiv papers, the derived columns.

Offline-first: the stores are committed, so everything works without a network; `refresh` only
asks a source for the links whose record is missing or older than `max_age_days`.

No lock is held while waiting on the network, so other commands use the catalogue meanwhile:
the catalogue's lock is taken to read it (briefly) and, at the end, to re-read it, derive its
columns from the stores and save it.  Each batch is appended to its store's journal under the
store's own short lock before the next request (see `store`), so an interrupted or failing run
keeps every good record and two refreshes at once keep each other's; each store is rewritten
once, at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import defaults
from ..catalogue import DEFAULT_CATALOGUE, Catalogue, load, save
from ..catalogue.keys import assign_keys
from ..files import locked
from ..model import Kind, Link
from . import published
from . import store as st
from .derive import derive_all
from .identities import equivalents, is_unknown
from .metadata import Metadata, metadata_folder, store_path
from .polite import Clock, FetchError, PoliteClient, SourceConfig, SystemClock
from .published import resolve_all, save_if_changed
from .source import Batch, MetadataSource
from .sources import REGISTRY, check_names, source_class
from .works import WorksReport, suggestions, unify_works

Progress = Callable[[int, int, str], None]
"""Called as (ids done, ids due, message) after each batch."""


@dataclass
class SourceReport:
    """What a refresh did for one source, id by id."""

    name: str
    considered: list[str] = field(default_factory=list)
    """Every id of this source in the catalogue (or asked for with `ids`)."""
    due: list[str] = field(default_factory=list)
    """Ids that were (or, on a dry run, would be) fetched."""
    fetched: list[str] = field(default_factory=list)
    """Ids with no record before."""
    updated: dict[str, str] = field(default_factory=dict)
    """Ids whose record changed, with what changed."""
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    """Ids that could not be fetched, with the reason."""
    anomalies: dict[str, str] = field(default_factory=dict)
    """Ids whose answer was odd but usable, with what was odd."""
    requests: int = 0
    batches: int = 0
    """Batches the due ids make (`ceil(due / batch size)`)."""
    have: list[str] = field(default_factory=list)
    """Ids with a record in the store at the end."""
    stale: list[str] = field(default_factory=list)
    """Ids whose record is older than max-age at the end."""
    endpoint: str = ""


@dataclass
class RefreshReport:
    """What a refresh did, per source."""

    sources: dict[str, SourceReport] = field(default_factory=dict)
    offline: bool = False
    dry_run: bool = False
    works: WorksReport = field(default_factory=WorksReport)
    """Rows merged into one per work, identities recorded as aliases, curated cells in
    conflict, and title matches left as suggestions."""
    published: dict[str, str] = field(default_factory=dict)
    """arXiv id → the published version found (`venue (source)`), for every arXiv paper
    that has one."""

    def work_lines(self, limit: int = 20) -> list[str]:
        """What the refresh did to the catalogue's works, as summary lines for a command line:
        rows merged, curated cells in conflict, title matches not merged, published versions."""
        lines: list[str] = []
        blocks = (
            ("one row per work: rows merged", self.works.merged),
            ("curated cells in conflict (the first row's value kept)", self.works.conflicts),
            ("same title, not merged (no shared id)", self.works.suggestions),
            ("published versions found", [f"{i}: {v}" for i, v in sorted(self.published.items())]),
        )
        for title, items in blocks:
            if items:
                lines.append(f"{title} {len(items)}:")
                lines += [f"    {item}" for item in items[:limit]]
                if len(items) > limit:
                    lines.append(f"    … and {len(items) - limit} more")
        return lines

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not any(r.failed for r in self.sources.values())

    @property
    def total(self) -> SourceReport:
        """All sources together (ids of different sources do not collide: each source's ids
        have their own grammar)."""
        total = SourceReport("all")
        for rep in self.sources.values():
            for name, value in vars(rep).items():
                if isinstance(value, list):
                    getattr(total, name).extend(value)
                elif isinstance(value, dict):
                    getattr(total, name).update(value)
                elif isinstance(value, int):
                    setattr(total, name, getattr(total, name) + value)
        return total


@dataclass
class FetchResult:
    """Everything `fetch` brought back from one source."""

    records: dict[str, Any] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    anomalies: dict[str, str] = field(default_factory=dict)
    requests: int = 0


def fetch_batches(
    source: MetadataSource[Any], ids: Sequence[str], http: PoliteClient
) -> Iterator[Batch[Any]]:
    """`ids` in batches of the source's size, one `Batch` as each completes.  Ids the source
    does not accept fail at once; once a batch says the service is failing (`stop`), the later
    batches are failed without being asked for."""
    wanted = list(dict.fromkeys(ids))
    invalid: Batch[Any] = Batch()
    for i in wanted:
        if source.normalise(i) != i:
            invalid.failures[i] = f"not {source.id_description}"
    if invalid.failures:
        yield invalid
    wanted = [i for i in wanted if i not in invalid.failures]
    size = max(1, source.policy.batch_size)
    stopped = ""
    for start in range(0, len(wanted), size):
        part = wanted[start : start + size]
        if stopped:
            yield Batch(failures=dict.fromkeys(part, f"not asked: {stopped}"))
            continue
        try:
            batch = source.fetch_batch(part, http)
        except FetchError as exc:
            batch = Batch(failures=dict.fromkeys(part, str(exc)), stop=str(exc) if exc.stop else "")
        if batch.stop:
            stopped = f"an earlier batch failed ({batch.stop})"
        yield batch


def fetch(
    source: MetadataSource[Any], ids: Sequence[str], session: Any = None, clock: Clock | None = None
) -> FetchResult:
    """Fetch `ids` from `source` (no store, no catalogue): for scripts and tests."""
    http = PoliteClient(source.name, source.policy, source.config, session, clock)
    result = FetchResult()
    for batch in fetch_batches(source, ids, http):
        result.records.update(batch.records)
        result.failures.update(batch.failures)
        result.anomalies.update(batch.anomalies)
    result.requests = http.requests
    return result


def refresh(
    catalogue_path: Path | str = DEFAULT_CATALOGUE,
    metadata: Path | str = st.DEFAULT_METADATA,
    *,
    sources: Sequence[str] | None = None,
    ids: Sequence[str] | None = None,
    force_all: bool = False,
    max_age_days: float = defaults.MAX_AGE_DAYS,
    offline: bool = False,
    dry_run: bool = False,
    configs: Mapping[str, SourceConfig] | None = None,
    clock: Clock | None = None,
    session: Any = None,
    progress: Progress | None = None,
    lock_wait: float = defaults.LOCK_WAIT,
    on_wait: Callable[[str], None] | None = None,
) -> RefreshReport:
    """Fetch missing or stale metadata from every source (or `sources`), save it, and update the
    catalogue: one row per work, the published versions of arXiv papers, derived columns, keys.

    `ids` limits the run to those ids (each goes to the sources that accept it, whatever its
    age); `force_all` fetches everything.  `offline` and `dry_run` only report.  `configs` sets
    a source's endpoint, timeout and delay by name (defaults: the source's own).  The catalogue's
    lock is waited for up to `lock_wait` seconds (`on_wait` is told), then `LockedError`.

    When an answer names another identity of a work (a DOI in Semantic Scholar's
    `externalIds`, a forum in an arXiv comment), the sources that know that identity are asked
    in a further round of the same run, at most `ROUNDS` rounds, each id at most once.
    """
    catalogue_path, folder = Path(catalogue_path), metadata_folder(metadata)
    clock = clock or SystemClock()
    names = check_names(sources) if sources else list(REGISTRY)
    chosen = [
        source_class(n)(configs.get(n) if configs else None)
        for n in names
        if source_class(n).fetchable
    ]
    report = RefreshReport(offline=offline, dry_run=dry_run)
    with locked(catalogue_path, timeout=lock_wait, wait=lock_wait > 0, on_wait=on_wait):
        catalogue = load(catalogue_path, mentions=False, migrate=True)
    stores = {s.name: st.load(store_path(folder, s.name), s.record_type) for s in chosen}
    known = _metadata(folder, stores)
    _unify_to_plan(catalogue, known)  # a working copy: what the stores already show
    rows = _RowsBySite(catalogue.links)
    for source in chosen:
        report.sources[source.name] = _plan(
            source, stores, chosen, rows, ids, force_all, max_age_days, clock
        )
    if not (offline or dry_run):
        run = _Run(chosen, stores, folder, report, clock, session, progress, on_wait)
        run.fetch({s.name: report.sources[s.name].due for s in chosen})
        for _ in range(ROUNDS - 1):
            if ids:  # asked for these ids only
                break
            unify_works(catalogue, known)
            more = {
                s.name: [i for i in _due(s, stores, chosen, catalogue, False, max_age_days, clock)
                         if i not in run.asked[s.name]]
                for s in chosen
            }  # fmt: skip
            if not any(more.values()):
                break
            for source in chosen:
                rep = report.sources[source.name]
                rep.considered += [i for i in more[source.name] if i not in rep.considered]
                rep.due += more[source.name]
                rep.batches += -(-len(more[source.name]) // max(1, source.policy.batch_size))
            run.fetch(more)
        for source in chosen:
            if report.sources[source.name].due:
                st.compact(store_path(folder, source.name), source.record_type, on_wait=on_wait)
        with locked(catalogue_path, timeout=lock_wait, wait=lock_wait > 0, on_wait=on_wait):
            catalogue = load(catalogue_path, migrate=True)  # others may have changed it meanwhile
            stored = Metadata.load(folder)
            report.works = unify_works(catalogue, stored)
            found = resolve_all(catalogue.links, stored)
            save_if_changed(found, folder)
            stored.stores[published.NAME] = found
            report.published = {i: f"{r.venue} ({r.source})" for i, r in found.records.items()}
            derive_all(catalogue.links, stored)
            assign_keys(catalogue.links)
            save(catalogue, catalogue_path)
        report.works.suggestions = suggestions(catalogue.links, stored)
        stores = {s.name: st.load(store_path(folder, s.name), s.record_type) for s in chosen}
        if not ids:
            _home_failures_only(report, chosen, catalogue)
    for source in chosen:
        rep, store = report.sources[source.name], stores[source.name]
        rep.have = [i for i in rep.considered if i in store.records]
        rep.stale = [i for i in rep.have if not store.is_fresh(i, max_age_days, clock.now())]
    return report


ROUNDS = 3
"""Fetch rounds in one refresh: the ids asked for, then those their answers named."""


def _metadata(folder: Path, stores: Mapping[str, st.Store[Any]]) -> Metadata:
    """Every registered store, with the run's own (updated as batches arrive) in place."""
    known = Metadata.load(folder)
    known.stores.update(stores)
    return known


def _unify_to_plan(catalogue: Catalogue, known: Metadata) -> None:
    """Unify the working copy on what the stores already show (`unify_works`), unless that
    cannot change it: when no store holds a record, `proven` names for a row only what its own
    identities name (`equivalents`: the Anthology id of an ACL DOI), and the catalogue's load
    refused two rows sharing an identity or an alias; so a row that names no new equivalent and
    keeps its aliases sorted is left as it is by `unify`, which would key every row to see it."""
    held = any(store.records for store in known.stores.values())
    rows = [x for x in catalogue.links if x.aliases or x.source == "doi"]  # the others cannot
    if held or any(map(_may_unify_alone, rows)):
        unify_works(catalogue, known)


def _may_unify_alone(link: Link) -> bool:
    """Whether `unify`, with no store holding records, may change `link`'s row (see
    `_unify_to_plan`)."""
    aliases = link.aliases
    if aliases and aliases != sorted(aliases):
        return True
    if link.kind is not Kind.PAPER:
        return False
    if link.source != "doi" and not any(a.startswith("doi:") for a in aliases):
        return False
    return not equivalents(link) <= set(aliases)


class _RowsBySite:
    """The catalogue's rows by site (a row's own `source` and its aliases' sites), in order:
    a source that says which `sites` it serves is asked only about those rows."""

    def __init__(self, links: Sequence[Link]) -> None:
        self.links = links
        self.at: dict[str, list[int]] = {}
        for n, link in enumerate(links):
            self.at.setdefault(link.source, []).append(n)
            for alias in link.aliases:
                site = alias.partition(":")[0]
                if site != link.source:
                    found = self.at.setdefault(site, [])
                    if not found or found[-1] != n:
                        found.append(n)

    def rows_for(self, source: MetadataSource[Any]) -> Sequence[Link]:
        """The rows `source.ids_for` may serve (every row, when it does not say), in order."""
        if source.sites is None:
            return self.links
        parts = [self.at[site] for site in source.sites if site in self.at]
        if not parts:
            return []
        numbers = parts[0] if len(parts) == 1 else sorted(set().union(*parts))
        links = self.links
        return [links[n] for n in numbers]


def _fallbacks(chosen: Sequence[MetadataSource[Any]]) -> dict[str, MetadataSource[Any]]:
    """Primary source name → the chosen source that takes the ids it does not hold."""
    names = {s.name for s in chosen}
    return {
        primary: s
        for s in chosen
        if (primary := str(getattr(s, "fallback_for", ""))) and primary in names
    }


def _share(
    source: MetadataSource[Any],
    stores: Mapping[str, st.Store[Any]],
    chosen: Sequence[MetadataSource[Any]],
) -> Callable[[str], bool] | None:
    """Which ids `source` is asked about at all (None: every one): a primary leaves to its
    fallback the ids the fallback claims or holds; a fallback takes only those (the others it
    gets when the primary does not know them).  Worked out once per source, not per id."""
    fallback = _fallbacks(chosen).get(source.name)
    if fallback is not None:
        theirs = fallback
        return lambda ident: not _claimed(theirs, ident, stores)
    primary = str(getattr(source, "fallback_for", ""))
    if primary and primary in {s.name for s in chosen}:
        return lambda ident: _claimed(source, ident, stores)
    return None


def _wanted_ids(
    source: MetadataSource[Any],
    found: Iterable[str | None],
    stores: Mapping[str, st.Store[Any]],
    chosen: Sequence[MetadataSource[Any]],
) -> list[str]:
    """The distinct ids of `found`, in order, that `source` is asked about (see `_share`)."""
    distinct = dict.fromkeys(found)
    distinct.pop(None, None)
    keep = _share(source, stores, chosen)
    return [i for i in distinct if i is not None and (keep is None or keep(i))]


def _claimed(
    fallback: MetadataSource[Any], ident: str, stores: Mapping[str, st.Store[Any]]
) -> bool:
    claims = getattr(fallback, "claims", None)
    held = ident in stores[fallback.name].records
    return held or bool(claims is not None and claims(ident))


def _due(
    source: MetadataSource[Any],
    stores: Mapping[str, st.Store[Any]],
    chosen: Sequence[MetadataSource[Any]],
    catalogue: Catalogue,
    force_all: bool,
    max_age_days: float,
    clock: Clock,
) -> list[str]:
    """Ids of the catalogue's links this source should fetch now."""
    now = clock.now()
    store = stores[source.name]
    wanted = _wanted_ids(source, map(source.ids_for, catalogue.links), stores, chosen)
    return [i for i in wanted if force_all or not store.is_fresh(i, max_age_days, now)]


def _plan(
    source: MetadataSource[Any],
    stores: Mapping[str, st.Store[Any]],
    chosen: Sequence[MetadataSource[Any]],
    rows: _RowsBySite,
    ids: Sequence[str] | None,
    force_all: bool,
    max_age_days: float,
    clock: Clock,
) -> SourceReport:
    rep = SourceReport(source.name, endpoint=source.config.base_url)
    store = stores[source.name]
    asked = map(source.normalise, ids) if ids else map(source.ids_for, rows.rows_for(source))
    rep.considered = _wanted_ids(source, asked, stores, chosen)
    now = clock.now()
    if ids or force_all or not store.records:  # no record is fresh
        rep.due = list(rep.considered)
    else:
        rep.due = [i for i in rep.considered if not store.is_fresh(i, max_age_days, now)]
    rep.batches = -(-len(rep.due) // max(1, source.policy.batch_size))
    return rep


class _Run:
    """The fetching of one refresh: one polite client per source for the whole run, each id
    asked at most once, a fallback source asked about what its primary did not know."""

    def __init__(
        self,
        chosen: Sequence[MetadataSource[Any]],
        stores: Mapping[str, st.Store[Any]],
        folder: Path,
        report: RefreshReport,
        clock: Clock,
        session: Any,
        progress: Progress | None,
        on_wait: Callable[[str], None] | None,
    ) -> None:
        self.chosen, self.stores, self.folder, self.report = chosen, stores, folder, report
        self.progress, self.on_wait = progress, on_wait
        self.clients = {
            s.name: PoliteClient(s.name, s.policy, s.config, session, clock) for s in chosen
        }
        self.asked: dict[str, set[str]] = {s.name: set() for s in chosen}
        self.done = 0

    def fetch(self, due: Mapping[str, Sequence[str]]) -> None:
        """Fetch each source's `due` ids (in registry order), its fallback's share after it."""
        extra: dict[str, list[str]] = {}
        handed: dict[str, tuple[str, list[str]]] = {}
        total = sum(len(v) for v in due.values()) + self.done
        for source in self.chosen:
            wanted = [*due.get(source.name, ()), *extra.get(source.name, [])]
            wanted = [i for i in dict.fromkeys(wanted) if i not in self.asked[source.name]]
            rep = self.report.sources[source.name]
            if source.name in extra:
                rep.considered += [i for i in extra[source.name] if i not in rep.considered]
                rep.due += [i for i in extra[source.name] if i not in rep.due]
            if wanted:
                self.asked[source.name].update(wanted)
                self.done = _fetch_into(
                    source, self.stores[source.name], self.folder, rep, self.clients[source.name],
                    self.progress, self.done, total, self.on_wait, wanted,
                )  # fmt: skip
            fallback = _fallbacks(self.chosen).get(source.name)
            if fallback is not None:
                unknown_ids = [i for i in wanted if is_unknown(rep.failed.get(i, ""))]
                extra.setdefault(fallback.name, []).extend(unknown_ids)
                handed[fallback.name] = (source.name, unknown_ids)
            if source.name in handed:
                self._settle(handed[source.name][0], source.name, handed[source.name][1])

    def _settle(self, primary: str, fallback: str, ids: Sequence[str]) -> None:
        """After the fallback answered for the primary's unknown ids: those it holds are no
        failure; those neither holds fail once, under the primary, naming both."""
        first, second = self.report.sources[primary], self.report.sources[fallback]
        for i in ids:
            if i in self.stores[fallback].records:
                first.failed.pop(i, None)
            elif is_unknown(second.failed.get(i, "")):
                first.failed[i] = f"no service holds it ({first.failed[i]}; {second.failed.pop(i)})"


def _home_failures_only(
    report: RefreshReport, chosen: Sequence[MetadataSource[Any]], catalogue: Catalogue
) -> None:
    """An id a service does not hold fails only for the row whose own identity it is (its home:
    a Semantic Scholar page at Semantic Scholar); for another identity of a work that other
    sources describe (an arXiv paper unknown to Semantic Scholar) it is an anomaly."""
    for source in chosen:
        home_sites = getattr(source, "home_sites", None)
        if home_sites is None:
            continue
        rep = report.sources[source.name]
        home = {
            source.ids_for(replace(link, aliases=[]))
            for link in catalogue.links
            if link.source in home_sites
        }
        for ident, why in list(rep.failed.items()):
            if is_unknown(why) and ident not in home:
                rep.anomalies[ident] = f"{rep.failed.pop(ident)}; other sources describe the work"


def _fetch_into(
    source: MetadataSource[Any],
    store: st.Store[Any],
    folder: Path,
    rep: SourceReport,
    http: PoliteClient,
    progress: Progress | None,
    done: int,
    total: int,
    on_wait: Callable[[str], None] | None,
    ids: Sequence[str],
) -> int:
    """Fetch `ids`, journal each batch and add it to `store` (the run's copy), fill `rep`;
    returns ids done across sources."""
    path = store_path(folder, source.name)
    for batch in fetch_batches(source, ids, http):
        for i, record in batch.records.items():
            old = store.records.get(i)
            if old is None:
                rep.fetched.append(i)
            elif old.same_content(record):
                rep.unchanged.append(i)
            else:
                rep.updated[i] = source.describe_change(old, record)
        if batch.records:  # every good batch is on disk before the next request
            with locked(path, timeout=st.STORE_LOCK_WAIT, on_wait=on_wait):
                st.append(path, batch.records)
            store.records.update(batch.records)
        rep.failed.update(batch.failures)
        rep.anomalies.update(batch.anomalies)
        done += len(batch.records) + len(batch.failures)
        rep.requests = http.requests
        if progress:
            progress(done, total, f"{source.name}: {len(rep.failed)} failed so far")
    return done
