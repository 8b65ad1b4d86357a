"""The catalogue stage: `data/links.csv` read and written safely, citations merged into it, and
citation keys that never move.

    csvfile  the file: one row per link, curated columns kept, atomic writes
    merging  an extract folded in: one row per identity, mentions replaced per file
    keys     stable citation keys
"""

from __future__ import annotations

from .csvfile import (
    COLUMNS,
    CURATED,
    DEFAULT_CATALOGUE,
    Catalogue,
    CatalogueError,
    decode_mentions,
    dumps,
    encode_mentions,
    load,
    loads,
    save,
)
from .merging import MergeSummary, merge

__all__ = [
    "COLUMNS",
    "CURATED",
    "DEFAULT_CATALOGUE",
    "Catalogue",
    "CatalogueError",
    "MergeSummary",
    "decode_mentions",
    "dumps",
    "encode_mentions",
    "load",
    "loads",
    "merge",
    "save",
]
