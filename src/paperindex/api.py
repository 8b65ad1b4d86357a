"""One call per job, for scripts and the command line: each loads, works, and saves safely."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import catalogue as cat
from .extract import ExtractResult, FileReport, display_name, extract_paths
from .files import locked
from .metadata import DEFAULT_STORE, link_store_path, load_link_store, load_store
from .model import Link
from .view import LinkInfo, infos_for, load_infos, select


@dataclass
class UpdateResult:
    """What `update_catalogue` found and changed."""

    extract: ExtractResult
    summary: cat.MergeSummary
    catalogue: cat.Catalogue
    written: bool


def update_catalogue(
    notes: Sequence[Path | str],
    catalogue_path: Path | str = cat.DEFAULT_CATALOGUE,
    store_path: Path | str = DEFAULT_STORE,
    progress: Callable[[FileReport], None] | None = None,
    follow_symlinks: bool = False,
) -> UpdateResult:
    """Extract citations from `notes` and merge them into the catalogue file (atomically).

    Metadata already in the store (offline) fills the derived columns and paper keys.
    A missing input path raises `FileNotFoundError` before anything is written.  An input that
    cannot be read is skipped and listed in `result.extract.errors`; the rest is merged and
    saved, and the skipped files keep the mentions they had.  Symlinks in a folder are followed
    only to files inside it unless `follow_symlinks`.
    """
    catalogue_path, store_path = Path(catalogue_path), Path(store_path)
    missing = [display_name(str(p)) for p in notes if not os.path.lexists(p)]
    if missing:
        raise FileNotFoundError(f"no such file or directory: {', '.join(missing)}")
    with locked(catalogue_path):
        catalogue = cat.load(catalogue_path)
        lookup = cat.store_lookup(
            load_store(store_path), load_link_store(link_store_path(store_path))
        )
        result = extract_paths(notes, progress, follow_symlinks)
        scanned = [f.path for f in result.files if not f.skipped]
        summary = cat.merge(catalogue, result.citations, scanned, lookup)
        written = cat.save(catalogue, catalogue_path)
    return UpdateResult(result, summary, catalogue, written)


def ensure_keys(catalogue_path: Path | str = cat.DEFAULT_CATALOGUE) -> list[str]:
    """Give every link a key before an export, writing them to the catalogue first.

    An exporter never invents a key: arXiv papers still waiting for metadata get their identity
    key (`arxiv-2312-00752`) here, saved atomically, and keep it for good.
    """
    return [link.key for link in _keyed(Path(catalogue_path))[1]]


def _keyed(catalogue_path: Path) -> tuple[cat.Catalogue, list[Link]]:
    """The catalogue with every link keyed (saved first when keys were added), and those links."""
    from .keys import assign_keys

    with locked(catalogue_path, timeout=30):
        catalogue = cat.load(catalogue_path)
        assigned = assign_keys(catalogue.links, force=True)
        if assigned:
            cat.save(catalogue, catalogue_path)
    return catalogue, assigned


def write_bibtex(
    output: Path | str | None = Path("references.bib"),
    catalogue_path: Path | str = cat.DEFAULT_CATALOGUE,
    store_path: Path | str = DEFAULT_STORE,
    style: str = "arxiv",
    dialect: str = "bibtex",
    topics: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
) -> str:
    """Export the catalogue (or the links of `topics`/`kinds`) as BibTeX; returns the text and
    writes it atomically to `output` unless that is None."""
    from .bibtex import BibOptions, bibtex
    from .files import atomic_write_text

    catalogue_path = Path(catalogue_path)
    catalogue, _ = _keyed(catalogue_path)
    infos = _selected(infos_for(catalogue.links, Path(store_path)), catalogue_path, topics, kinds)
    text = bibtex(infos, BibOptions(style=style, dialect=dialect))  # type: ignore[arg-type]
    if output is not None:
        atomic_write_text(Path(output), text)
    return text


def _selected(
    infos: list[LinkInfo],
    catalogue_path: Path,
    topics: Sequence[str] | None,
    kinds: Sequence[str] | None,
) -> list[LinkInfo]:
    from .model import Kind

    if kinds:
        try:
            wanted = {Kind(k) for k in kinds}
        except ValueError as exc:
            raise ValueError(f"{exc}; kinds are {', '.join(k.value for k in Kind)}") from None
        infos = select(infos, wanted)
    if topics:
        from .topics import assign_topics, check_wanted, load_topics

        rules = load_topics(catalogue_path.parent / "topics.toml")
        by_topic = assign_topics(infos, rules)
        chosen = check_wanted(topics, rules, by_topic.values())
        infos = [i for i in infos if by_topic[i.link.identity] in chosen]
    return infos


def reading_list(
    output: Path | str | None = Path("READING_LIST.md"),
    catalogue_path: Path | str = cat.DEFAULT_CATALOGUE,
    store_path: Path | str = DEFAULT_STORE,
    topics_path: Path | str | None = None,
    topics: Sequence[str] | None = None,
    fmt: str = "md",
) -> str:
    """The reading list (Markdown, or JSON with `fmt="json"`); written atomically to `output`
    unless that is None.  Topic rules come from `topics.toml` beside the catalogue."""
    from .files import atomic_write_text

    catalogue_path = Path(catalogue_path)
    text = _reading_text(
        load_infos(catalogue_path, Path(store_path)),
        catalogue_path,
        Path(topics_path) if topics_path else None,
        topics,
        fmt,
    )
    if output is not None:
        atomic_write_text(Path(output), text)
    return text


def _reading_text(
    infos: list[LinkInfo],
    catalogue_path: Path,
    topics_path: Path | None,
    topics: Sequence[str] | None,
    fmt: str,
) -> str:
    from .readinglist import group, render_json, render_markdown
    from .topics import load_topics

    if fmt not in ("md", "json"):
        raise ValueError(f"unknown format {fmt!r}; use md or json")
    rules = load_topics(topics_path or catalogue_path.parent / "topics.toml")
    groups = group(infos, rules, topics)
    if fmt == "json":
        return render_json(groups)
    return render_markdown(groups, catalogue_path.as_posix())


@dataclass
class BuildResult:
    """Files written by `build`."""

    bibtex: Path
    reading_list: Path
    entries: int


def build(
    out_dir: Path | str = Path("."),
    catalogue_path: Path | str = cat.DEFAULT_CATALOGUE,
    store_path: Path | str = DEFAULT_STORE,
) -> BuildResult:
    """Everything, offline: `references.bib` and `READING_LIST.md` in `out_dir`, from one read
    of the catalogue and the stores."""
    from .bibtex import bibtex
    from .files import atomic_write_text

    out_dir, catalogue_path = Path(out_dir), Path(catalogue_path)
    catalogue, _ = _keyed(catalogue_path)
    infos = infos_for(catalogue.links, Path(store_path))
    bib = bibtex(infos)
    markdown = _reading_text(infos, catalogue_path, None, None, "md")
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_dir / "references.bib", bib)
    atomic_write_text(out_dir / "READING_LIST.md", markdown)
    return BuildResult(out_dir / "references.bib", out_dir / "READING_LIST.md", len(infos))
