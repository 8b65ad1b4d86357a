"""One call per job, for scripts and the command line: each loads, works, and saves safely."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import catalogue as cat
from .extract import ExtractResult, FileReport, extract_paths
from .files import locked
from .metadata import DEFAULT_STORE, link_store_path, load_link_store, load_store


@dataclass
class UpdateResult:
    """What `update_catalogue` found and changed."""

    extract: ExtractResult
    summary: cat.MergeSummary
    catalogue: cat.Catalogue
    written: bool


def update_catalogue(
    notes: Sequence[Path | str],
    catalogue_path: Path = cat.DEFAULT_CATALOGUE,
    store_path: Path = DEFAULT_STORE,
    progress: Callable[[FileReport], None] | None = None,
) -> UpdateResult:
    """Extract citations from `notes` and merge them into the catalogue file (atomically).

    Metadata already in the store (offline) fills the derived columns and paper keys.
    A missing input path raises `FileNotFoundError` before anything is written.
    """
    missing = [str(p) for p in notes if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"no such file or directory: {', '.join(missing)}")
    with locked(catalogue_path):
        catalogue = cat.load(catalogue_path)
        lookup = cat.store_lookup(load_store(store_path),
                                  load_link_store(link_store_path(store_path)))
        result = extract_paths(notes, progress)
        scanned = [f.path for f in result.files if not f.skipped]
        summary = cat.merge(catalogue, result.citations, scanned, lookup)
        written = cat.save(catalogue, catalogue_path)
    return UpdateResult(result, summary, catalogue, written)
