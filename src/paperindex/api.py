"""One call per job, for scripts and the command line: each loads, works, and saves safely.

The stages meet only here: notes → `extract` → `catalogue` (merge) → `enrich` (derive from the
stores) → keys → save; catalogue + stores → `export`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import catalogue as cat
from . import defaults
from .catalogue.keys import assign_keys
from .enrich import DEFAULT_METADATA, Metadata, derive_all
from .export import DEFAULT_FORMATS, ExportContext, exporter
from .export.topics import TopicRules, assign_topics, check_wanted, load_topics
from .export.view import LinkInfo, infos_for, select
from .extract import ExtractResult, FileReport, display_name, extract_paths
from .files import atomic_write_text, locked
from .model import Kind, Link


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
    metadata: Path | str = DEFAULT_METADATA,
    progress: Callable[[FileReport], None] | None = None,
    follow_symlinks: bool = False,
) -> UpdateResult:
    """Extract citations from `notes` and merge them into the catalogue file (atomically).

    Metadata already in the stores (offline) fills the derived columns and paper keys.
    A missing input path raises `FileNotFoundError` before anything is written.  An input that
    cannot be read is skipped and listed in `result.extract.errors`; the rest is merged and
    saved, and the skipped files keep the mentions they had.  Symlinks in a folder are followed
    only to files inside it unless `follow_symlinks`.
    """
    catalogue_path = Path(catalogue_path)
    missing = [display_name(str(p)) for p in notes if not os.path.lexists(p)]
    if missing:
        raise FileNotFoundError(f"no such file or directory: {', '.join(missing)}")
    with locked(catalogue_path):
        catalogue = cat.load(catalogue_path)
        known = Metadata.load(metadata)
        result = extract_paths(notes, progress, follow_symlinks)
        scanned = [f.path for f in result.files if not f.skipped]
        summary = cat.merge(catalogue, result.citations, scanned)
        derive_all(catalogue.links, known)
        summary.keyed = assign_keys(catalogue.links)
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
    with locked(catalogue_path, timeout=30):
        catalogue = cat.load(catalogue_path)
        assigned = assign_keys(catalogue.links, force=True)
        if assigned:
            cat.save(catalogue, catalogue_path)
    return catalogue, assigned


def _rules(catalogue_path: Path, topics_path: Path | str | None) -> TopicRules:
    return load_topics(Path(topics_path) if topics_path else catalogue_path.parent / "topics.toml")


def _selected(
    infos: list[LinkInfo],
    rules: TopicRules,
    topics: Sequence[str] | None,
    kinds: Sequence[str] | None,
) -> list[LinkInfo]:
    if kinds:
        try:
            wanted = {Kind(k) for k in kinds}
        except ValueError as exc:
            raise ValueError(f"{exc}; kinds are {', '.join(k.value for k in Kind)}") from None
        infos = select(infos, wanted)
    if topics:
        by_topic = assign_topics(infos, rules)
        chosen = check_wanted(topics, rules, by_topic)
        infos = [i for i, topic in zip(infos, by_topic, strict=True) if topic in chosen]
    return infos


def export(
    fmt: str,
    output: Path | str | None = None,
    catalogue_path: Path | str = cat.DEFAULT_CATALOGUE,
    metadata: Path | str = DEFAULT_METADATA,
    *,
    topics: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    topics_path: Path | str | None = None,
    **options: str,
) -> str:
    """The catalogue (or the links of `topics`/`kinds`) in format `fmt` (see
    `paperindex.export.EXPORTERS`), with the exporter's `options`; returns the text and writes it
    atomically to `output` unless that is None."""
    catalogue_path = Path(catalogue_path)
    writer = exporter(fmt, **options)  # a bad format or option fails before any write
    catalogue, _ = _keyed(catalogue_path)
    rules = _rules(catalogue_path, topics_path)
    infos = infos_for(catalogue.links, metadata)
    if writer.name == "bib":  # a .bib is filtered; a reading list groups by topic instead
        infos = _selected(infos, rules, topics, kinds)
        context = ExportContext(catalogue_path.as_posix(), rules)
    else:  # grouped by topic: the exporter picks the topics (and checks the names)
        infos = _selected(infos, rules, None, kinds)
        context = ExportContext(catalogue_path.as_posix(), rules, topics)
    text = writer.render(infos, context)
    if output is not None:
        atomic_write_text(Path(output), text)
    return text


def write_bibtex(
    output: Path | str | None = Path("references.bib"),
    catalogue_path: Path | str = cat.DEFAULT_CATALOGUE,
    metadata: Path | str = DEFAULT_METADATA,
    style: str = defaults.STYLES[0],
    dialect: str = defaults.DIALECTS[0],
    topics: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
) -> str:
    """Export the catalogue (or the links of `topics`/`kinds`) as BibTeX (`style` arxiv or
    scholar, `dialect` bibtex or biblatex; anything else is a `ValueError`); returns the text
    and writes it atomically to `output` unless that is None."""
    return export(
        "bib", output, catalogue_path, metadata, topics=topics, kinds=kinds, style=style,
        dialect=dialect,
    )  # fmt: skip


def reading_list(
    output: Path | str | None = Path("READING_LIST.md"),
    catalogue_path: Path | str = cat.DEFAULT_CATALOGUE,
    metadata: Path | str = DEFAULT_METADATA,
    topics_path: Path | str | None = None,
    topics: Sequence[str] | None = None,
    fmt: str = "md",
) -> str:
    """The reading list (Markdown, or JSON with `fmt="json"`); written atomically to `output`
    unless that is None.  Topic rules come from `topics_path`, else `topics.toml` beside the
    catalogue."""
    if fmt not in ("md", "json"):
        raise ValueError(f"unknown reading-list format {fmt!r}; formats are md, json")
    return export(fmt, output, catalogue_path, metadata, topics=topics, topics_path=topics_path)


@dataclass
class BuildResult:
    """Files written by `build`, by format."""

    files: dict[str, Path] = field(default_factory=dict)
    entries: int = 0

    @property
    def bibtex(self) -> Path:
        """The .bib written (when `bib` was among the formats)."""
        return self.files["bib"]

    @property
    def reading_list(self) -> Path:
        """The Markdown reading list written (when `md` was among the formats)."""
        return self.files["md"]


def build(
    out_dir: Path | str = Path("."),
    catalogue_path: Path | str = cat.DEFAULT_CATALOGUE,
    metadata: Path | str = DEFAULT_METADATA,
    formats: Sequence[str] = DEFAULT_FORMATS,
) -> BuildResult:
    """Everything, offline: each format's default file (`references.bib`, `READING_LIST.md`)
    in `out_dir`, from one read of the catalogue and the stores."""
    writers = [exporter(f) for f in dict.fromkeys(formats)]  # unknown formats fail first
    out_dir, catalogue_path = Path(out_dir), Path(catalogue_path)
    catalogue, _ = _keyed(catalogue_path)
    infos = infos_for(catalogue.links, metadata)
    context = ExportContext(catalogue_path.as_posix(), _rules(catalogue_path, None))
    texts = {w: w.render(infos, context) for w in writers}
    out_dir.mkdir(parents=True, exist_ok=True)
    result = BuildResult(entries=len(infos))
    for writer, text in texts.items():
        path = out_dir / writer.default_file
        atomic_write_text(path, text)
        result.files[writer.name] = path
    return result
