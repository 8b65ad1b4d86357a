"""Refresh the metadata store from arXiv and let the catalogue's derived columns follow it.

Offline-first: the store is committed, so everything works without a network; `refresh` only
asks arXiv for papers whose record is missing or older than `max_age_days`.

No lock is held while waiting on the network, so other commands use the catalogue meanwhile:
the catalogue's lock is taken to read the ids (briefly) and, at the end, to re-read the
catalogue, derive its columns from the store and save it.  After every batch the store is
re-read and merged with the batch under the store file's own short lock, then saved atomically,
so an interrupted or failing run keeps every good record and two refreshes at once keep each
other's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import catalogue as cat
from .arxiv_api import ApiConfig, ArxivClient, Clock, SystemClock
from .files import locked
from .identity import parse_arxiv_id
from .keys import assign_keys
from .metadata import (
    DEFAULT_STORE,
    ArxivRecord,
    link_store_path,
    load_link_store,
    load_store,
    save_store,
)

Progress = Callable[[int, int, str], None]
"""Called as (ids done, ids due, message) after each batch."""

STORE_LOCK_WAIT = 30.0
"""Seconds to wait for the store's lock: others hold it only to merge one batch."""


@dataclass
class RefreshReport:
    """What a refresh did, id by id."""

    papers: list[str] = field(default_factory=list)
    """Every arXiv id considered (the catalogue's, or `ids`)."""
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
    """Ids whose answer was odd but usable (two entries for one id, ...), with what was odd."""
    requests: int = 0
    offline: bool = False
    dry_run: bool = False
    have: list[str] = field(default_factory=list)
    """Ids with a record in the store at the end."""
    stale: list[str] = field(default_factory=list)
    """Ids whose record is older than max-age at the end."""

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed


def _versionless(ident: str) -> str:
    """`2312.00752v2` → `2312.00752`: a refresh always fetches the latest version."""
    parsed = parse_arxiv_id(ident.strip())
    return parsed[0] if parsed else ident.strip()


def _describe_change(old: ArxivRecord, new: ArxivRecord) -> str:
    if old.version != new.version:
        return f"new version {old.version} → {new.version}"
    skip = {"retrieved_at", "retrieved_from"}
    a, b = old.model_dump(exclude=skip), new.model_dump(exclude=skip)
    return "changed: " + ", ".join(sorted(k for k in a if a[k] != b[k]))


def refresh(
    catalogue_path: Path | str = cat.DEFAULT_CATALOGUE,
    store_path: Path | str = DEFAULT_STORE,
    *,
    ids: Sequence[str] | None = None,
    force_all: bool = False,
    max_age_days: float = 30.0,
    offline: bool = False,
    dry_run: bool = False,
    config: ApiConfig | None = None,
    clock: Clock | None = None,
    session: object = None,
    progress: Progress | None = None,
    lock_wait: float = 60.0,
    on_wait: Callable[[str], None] | None = None,
) -> RefreshReport:
    """Fetch missing or stale arXiv metadata, save it, and update the catalogue's derived columns.

    `ids` limits the run to those papers (and fetches them whatever their age); `force_all`
    fetches every paper.  `offline` and `dry_run` only report.  The catalogue's lock is waited
    for up to `lock_wait` seconds (`on_wait` is told), then `LockedError`.
    """
    catalogue_path, store_path = Path(catalogue_path), Path(store_path)
    clock = clock or SystemClock()
    report = RefreshReport(offline=offline, dry_run=dry_run)
    with locked(catalogue_path, timeout=lock_wait, wait=lock_wait > 0, on_wait=on_wait):
        catalogue = cat.load(catalogue_path)
    store = load_store(store_path)  # replaced atomically: a consistent read without a lock
    catalogue_ids = [lk.id for lk in catalogue.links if lk.source == "arxiv"]
    asked = [_versionless(i) for i in ids] if ids else catalogue_ids
    report.papers = list(dict.fromkeys(asked))
    now = clock.now()
    if ids or force_all:
        report.due = list(report.papers)
    else:
        report.due = [i for i in report.papers if not store.is_fresh(i, max_age_days, now)]
    if not (offline or dry_run):
        if report.due:
            _fetch_into(store_path, report, config, clock, session, progress, on_wait)
        with locked(catalogue_path, timeout=lock_wait, wait=lock_wait > 0, on_wait=on_wait):
            catalogue = cat.load(catalogue_path)  # other commands may have changed it meanwhile
            with locked(store_path, timeout=STORE_LOCK_WAIT, on_wait=on_wait):
                store = load_store(store_path)  # (the lock also clears killed runs' leftovers)
            lookup = cat.store_lookup(store, load_link_store(link_store_path(store_path)))
            for link in catalogue.links:
                cat.derive(link, lookup(link))
            assign_keys(catalogue.links)
            cat.save(catalogue, catalogue_path)
    report.have = [i for i in report.papers if i in store.records]
    report.stale = [i for i in report.have if not store.is_fresh(i, max_age_days, clock.now())]
    return report


def _fetch_into(
    store_path: Path,
    report: RefreshReport,
    config: ApiConfig | None,
    clock: Clock,
    session: object,
    progress: Progress | None,
    on_wait: Callable[[str], None] | None,
) -> None:
    client = ArxivClient(config, session=session, clock=clock)
    done = 0
    for result in client.fetch_batches(report.due):
        if result.records:  # every good batch is on disk before the next request
            _merge_into_store(store_path, result.records, report, on_wait)
        report.failed.update(result.failures)
        report.anomalies.update(result.anomalies)
        done += len(result.records) + len(result.failures)
        if progress:
            progress(done, len(report.due), f"{len(report.failed)} failed so far")
    report.requests = client.requests


def _merge_into_store(
    store_path: Path,
    records: Mapping[str, ArxivRecord],
    report: RefreshReport,
    on_wait: Callable[[str], None] | None,
) -> None:
    """Add `records` to the store file as it is now: records another run saved meanwhile stay."""
    with locked(store_path, timeout=STORE_LOCK_WAIT, on_wait=on_wait):
        store = load_store(store_path)
        for i, record in records.items():
            old = store.records.get(i)
            if old is None:
                report.fetched.append(i)
            elif old.same_content(record):
                report.unchanged.append(i)
            else:
                report.updated[i] = _describe_change(old, record)
            store.records[i] = record
        save_store(store, store_path)
