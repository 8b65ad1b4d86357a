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

from .derive import derive, derive_all
from .metadata import Metadata, metadata_folder, store_path
from .polite import Clock, FetchError, PoliteClient, Politeness, SourceConfig, SystemClock
from .refreshing import FetchResult, RefreshReport, SourceReport, fetch, fetch_batches, refresh
from .source import Batch, Facts, MetadataSource
from .store import DEFAULT_METADATA, MetadataError, Record, Store

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
