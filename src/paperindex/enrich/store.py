"""Metadata stores: one file per source under `data/metadata/`, committed, so everything works
offline.

A store is sorted, pretty JSON (`{"format", "note", "records": {id: record}}`), so a refresh shows
up in `git diff` as the fields that changed.  Every fetched record carries its provenance: when,
and from which request (`Record`).

A refresh adds records batch by batch.  Rewriting the whole file after every batch would make a
long refresh quadratic, so a batch is *appended* to a journal beside the store
(`arxiv.json.journal`, one JSON line per record, flushed to disk before the next request) and
the store is rewritten once, at the end (`compact`).  Loading replays the journal, so a run that
was killed keeps every batch it finished; a torn last line (a kill mid-append) is ignored.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import defaults
from ..files import atomic_write_text, locked
from .errors import MetadataError as MetadataError

STORE_FORMAT = 1
DEFAULT_METADATA = defaults.METADATA
"""The folder of the stores, beside the catalogue."""
JOURNAL_SUFFIX = defaults.JOURNAL_SUFFIX
STORE_LOCK_WAIT = 30.0
"""Seconds to wait for a store's lock: others hold it only to append one batch."""


class Record(BaseModel):
    """A record fetched from a metadata service, with its provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    retrieved_at: datetime
    """When this record was fetched."""
    retrieved_from: str
    """The request it came from."""

    def same_content(self, other: BaseModel) -> bool:
        """True when nothing but the retrieval provenance differs."""
        return not self.changed_fields(other)

    def changed_fields(self, other: BaseModel) -> list[str]:
        """The fields (provenance aside) whose values differ from `other`'s, sorted."""
        skip = {"retrieved_at", "retrieved_from"}
        a, b = self.model_dump(exclude=skip), other.model_dump(exclude=skip)
        return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


R = TypeVar("R", bound=BaseModel)


class Store(BaseModel, Generic[R]):
    """One source's records by id."""

    model_config = ConfigDict(extra="forbid")

    format: int = STORE_FORMAT
    note: str = ""
    """Free text about where the records came from; kept by every refresh."""
    records: dict[str, R] = Field(default_factory=dict)

    def is_fresh(self, ident: str, max_age_days: float, now: datetime | None = None) -> bool:
        """True when the record exists, says when it was fetched, and is younger than
        `max_age_days`."""
        retrieved = getattr(self.records.get(ident), "retrieved_at", None)
        if not isinstance(retrieved, datetime):
            return False
        age = (now or datetime.now(UTC)) - retrieved
        return age.total_seconds() < max_age_days * 86400


def dumps(store: Store[Any]) -> str:
    """Sorted, pretty JSON: the exact text written to disk."""
    data = store.model_dump(mode="json")
    data["records"] = dict(sorted(data["records"].items()))
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def journal_path(path: Path) -> Path:
    """Where batches are appended before the store is rewritten."""
    return path.with_name(path.name + JOURNAL_SUFFIX)


def load(path: Path | str, record_type: type[R]) -> Store[R]:
    """The store at `path` with its journal replayed; empty when neither exists."""
    path = Path(path)
    store: Store[R]
    if path.exists():
        try:
            store = Store[record_type].model_validate_json(path.read_bytes())  # type: ignore[valid-type]
        except ValidationError as exc:
            raise MetadataError(
                f"{path}: not a valid store of {record_type.__name__} records: {_first_error(exc)}"
            ) from exc
    else:
        store = Store[record_type]()  # type: ignore[valid-type]
    store.records.update(_replay(journal_path(path), record_type))
    return store


def _replay(journal: Path, record_type: type[R]) -> dict[str, R]:
    if not journal.exists():
        return {}
    lines = journal.read_bytes().split(b"\n")
    records: dict[str, R] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            records[str(entry["id"])] = record_type.model_validate(entry["record"])
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            if n >= len(lines) - 1:  # the last line, torn by a kill mid-append: that batch
                break  # was not finished, so it was never reported as saved
            raise MetadataError(f"{journal}:{n}: not a journal line ({exc})") from exc
    return records


def save(store: Store[Any], path: Path | str) -> None:
    """Write the store atomically (and drop its journal, which it now holds)."""
    path = Path(path)
    atomic_write_text(path, dumps(store))
    journal_path(path).unlink(missing_ok=True)


def append(path: Path | str, records: Mapping[str, BaseModel]) -> None:
    """Add a batch to the store's journal, on disk before this returns (the caller holds the
    store's lock)."""
    if not records:
        return
    journal = journal_path(Path(path))
    journal.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(
        json.dumps(
            {"id": i, "record": r.model_dump(mode="json")}, ensure_ascii=False, sort_keys=True
        )
        + "\n"
        for i, r in records.items()
    )
    _drop_torn_tail(journal)
    with journal.open("a", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _drop_torn_tail(journal: Path) -> None:
    """Cut a line a killed run left half-written (its batch was never reported as saved), so
    that it cannot end up between two whole lines."""
    if not journal.exists():
        return
    with journal.open("r+b") as f:
        size = f.seek(0, os.SEEK_END)
        if size == 0:
            return
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        end = size
        while end > 0:  # back to the last line break, a block at a time
            start = max(0, end - 65536)
            f.seek(start)
            last = f.read(end - start).rfind(b"\n")
            if last >= 0:
                f.truncate(start + last + 1)
                return
            end = start
        f.truncate(0)


def compact(
    path: Path | str,
    record_type: type[BaseModel],
    lock_wait: float = STORE_LOCK_WAIT,
    on_wait: Any = None,
) -> None:
    """Fold the journal into the store file, under the store's lock (end of a refresh)."""
    path = Path(path)
    if not journal_path(path).exists():
        return
    with locked(path, timeout=lock_wait, on_wait=on_wait):
        save(load(path, record_type), path)


def ids_with_records(stores: Iterable[Store[Any]]) -> set[str]:
    """Every id that some store holds a record for."""
    return {i for store in stores for i in store.records}


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}"
