"""The catalogue stage: `data/links.csv` and `data/mentions.csv` read and written safely (and
together), citations merged into them, and citation keys that never move.

    csvfile  the files: one row per link, curated columns kept; one row per citation; atomic
    merging  an extract folded in: one row per identity, mentions replaced per file (and
             dropped for notes no longer there)
    keys     stable citation keys
"""

from __future__ import annotations

from .csvfile import (
    COLUMNS,
    CURATED,
    DEFAULT_CATALOGUE,
    MENTION_COLUMNS,
    Catalogue,
    CatalogueError,
    LaterMentions,
    MentionsWriter,
    decode_mentions,
    dumps,
    dumps_mentions,
    encode_mentions,
    load,
    loads,
    mentions_path,
    save,
    start_mentions,
)
from .merging import MergeSummary, files_gone, merge

__all__ = [
    "COLUMNS",
    "CURATED",
    "DEFAULT_CATALOGUE",
    "MENTION_COLUMNS",
    "Catalogue",
    "CatalogueError",
    "LaterMentions",
    "MentionsWriter",
    "MergeSummary",
    "decode_mentions",
    "dumps",
    "dumps_mentions",
    "encode_mentions",
    "files_gone",
    "load",
    "loads",
    "mentions_path",
    "merge",
    "save",
    "start_mentions",
]
