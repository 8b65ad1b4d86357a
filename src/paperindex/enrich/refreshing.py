"""One refresh over every metadata source, and the catalogue's derived columns after it.

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

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import defaults
from ..catalogue import DEFAULT_CATALOGUE, Catalogue, load, save
from ..catalogue.keys import assign_keys
from ..files import locked
from . import store as st
from .derive import derive_all
from .metadata import Metadata, metadata_folder, store_path
from .polite import Clock, FetchError, PoliteClient, SourceConfig, SystemClock
from .source import Batch, MetadataSource
from .sources import REGISTRY, check_names, source_class

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
    catalogue's derived columns and keys.

    `ids` limits the run to those ids (each goes to the sources that accept it, whatever its
    age); `force_all` fetches everything.  `offline` and `dry_run` only report.  `configs` sets
    a source's endpoint, timeout and delay by name (defaults: the source's own).  The catalogue's
    lock is waited for up to `lock_wait` seconds (`on_wait` is told), then `LockedError`.
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
        catalogue = load(catalogue_path)
    stores = {s.name: st.load(store_path(folder, s.name), s.record_type) for s in chosen}
    for source in chosen:
        report.sources[source.name] = _plan(
            source, stores[source.name], catalogue, ids, force_all, max_age_days, clock
        )
    if not (offline or dry_run):
        total = sum(len(r.due) for r in report.sources.values())
        done = 0
        for source in chosen:
            rep = report.sources[source.name]
            if rep.due:
                done = _fetch_into(
                    source,
                    stores[source.name],
                    folder,
                    rep,
                    clock,
                    session,
                    progress,
                    done,
                    total,
                    on_wait,
                )
                st.compact(store_path(folder, source.name), source.record_type, on_wait=on_wait)
        with locked(catalogue_path, timeout=lock_wait, wait=lock_wait > 0, on_wait=on_wait):
            catalogue = load(catalogue_path)  # other commands may have changed it meanwhile
            derive_all(catalogue.links, Metadata.load(folder))
            assign_keys(catalogue.links)
            save(catalogue, catalogue_path)
        stores = {s.name: st.load(store_path(folder, s.name), s.record_type) for s in chosen}
    for source in chosen:
        rep, store = report.sources[source.name], stores[source.name]
        rep.have = [i for i in rep.considered if i in store.records]
        rep.stale = [i for i in rep.have if not store.is_fresh(i, max_age_days, clock.now())]
    return report


def _plan(
    source: MetadataSource[Any],
    store: st.Store[Any],
    catalogue: Catalogue,
    ids: Sequence[str] | None,
    force_all: bool,
    max_age_days: float,
    clock: Clock,
) -> SourceReport:
    rep = SourceReport(source.name, endpoint=source.config.base_url)
    if ids:
        asked = [n for n in (source.normalise(i) for i in ids) if n is not None]
    else:
        asked = [i for i in (source.ids_for(link) for link in catalogue.links) if i is not None]
    rep.considered = list(dict.fromkeys(asked))
    now = clock.now()
    if ids or force_all:
        rep.due = list(rep.considered)
    else:
        rep.due = [i for i in rep.considered if not store.is_fresh(i, max_age_days, now)]
    rep.batches = -(-len(rep.due) // max(1, source.policy.batch_size))
    return rep


def _fetch_into(
    source: MetadataSource[Any],
    before: st.Store[Any],
    folder: Path,
    rep: SourceReport,
    clock: Clock,
    session: Any,
    progress: Progress | None,
    done: int,
    total: int,
    on_wait: Callable[[str], None] | None,
) -> int:
    """Fetch `rep.due`, journal each batch, fill `rep`; returns ids done across sources."""
    http = PoliteClient(source.name, source.policy, source.config, session, clock)
    path = store_path(folder, source.name)
    for batch in fetch_batches(source, rep.due, http):
        for i, record in batch.records.items():
            old = before.records.get(i)
            if old is None:
                rep.fetched.append(i)
            elif old.same_content(record):
                rep.unchanged.append(i)
            else:
                rep.updated[i] = source.describe_change(old, record)
        if batch.records:  # every good batch is on disk before the next request
            with locked(path, timeout=st.STORE_LOCK_WAIT, on_wait=on_wait):
                st.append(path, batch.records)
        rep.failed.update(batch.failures)
        rep.anomalies.update(batch.anomalies)
        done += len(batch.records) + len(batch.failures)
        rep.requests = http.requests
        if progress:
            progress(done, total, f"{source.name}: {len(rep.failed)} failed so far")
    return done
