"""The enrich stage: metadata for every link, from the services that know it, offline-first.

source    the interface a metadata source implements (`MetadataSource`, `Politeness`,
          `Facts`), and what a batch brings back
sources/  the registered sources, one module each (arXiv, …)
polite    HTTP as each service asks for it: paced, retried, bounded
store     one JSON store per source under data/metadata/, journalled per batch
metadata  every store, loaded: the facts known about each link
derive    the catalogue's derived columns from those facts
refresh   one refresh over all sources
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .derive import derive, derive_all
    from .metadata import Metadata, metadata_folder, store_path
    from .polite import Clock, FetchError, PoliteClient, Politeness, SourceConfig, SystemClock
    from .refreshing import (
        FetchResult,
        RefreshReport,
        SourceReport,
        fetch,
        fetch_batches,
        refresh,
    )
    from .source import Batch, Facts, MetadataSource
    from .store import DEFAULT_METADATA, MetadataError, Record, Store

_WHERE = {
    "derive": "derive", "derive_all": "derive", "Metadata": "metadata",
    "metadata_folder": "metadata", "store_path": "metadata", "Clock": "polite",
    "FetchError": "polite", "PoliteClient": "polite", "Politeness": "polite",
    "SourceConfig": "polite", "SystemClock": "polite", "FetchResult": "refreshing",
    "RefreshReport": "refreshing", "SourceReport": "refreshing", "fetch": "refreshing",
    "fetch_batches": "refreshing", "refresh": "refreshing", "Batch": "source", "Facts": "source",
    "MetadataSource": "source", "DEFAULT_METADATA": "store", "MetadataError": "store",
    "Record": "store", "Store": "store",
}  # fmt: skip
"""Where each name lives: imported on first use, so a command that reads no store (an extract
with none yet) never loads pydantic or an HTTP client."""


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_METADATA",
    "Batch",
    "Clock",
    "Facts",
    "FetchError",
    "FetchResult",
    "Metadata",
    "MetadataError",
    "MetadataSource",
    "PoliteClient",
    "Politeness",
    "Record",
    "RefreshReport",
    "SourceConfig",
    "SourceReport",
    "Store",
    "SystemClock",
    "derive",
    "derive_all",
    "fetch",
    "fetch_batches",
    "metadata_folder",
    "refresh",
    "store_path",
]
