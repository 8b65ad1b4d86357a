"""One call per job, for scripts and the command line: each loads, works, and saves safely.

The stages meet only here: notes → `extract` → `catalogue` (merge) → `enrich` (derive from the
stores) → keys → save; catalogue + stores → `export`.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from . import catalogue as cat
from . import defaults
from .catalogue.keys import assign_keys
from .extract import ExtractResult, FileReport, display_name, extract_paths, project_name
from .extract.reader import project_root
from .files import ForkedPart, atomic_write_parts, locked, write_synced
from .model import Kind, Link, Status

if TYPE_CHECKING:  # the export stage is imported when exporting: an extract never loads it
    from .export import ExportContext, Exporter
    from .export.topics import TopicRules
    from .export.view import LinkInfo

DEFAULT_METADATA = defaults.METADATA
DEFAULT_FORMATS = defaults.FORMATS

_log = logging.getLogger("paperindex.keys")


class NoCatalogueError(FileNotFoundError):
    """An export or refresh was asked for before any catalogue exists; the message names the
    file and the command that creates it."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"no catalogue at {display_name(str(path))}; create it from your notes with "
            f"`paperindex extract NOTES...` (Python: paperindex.update_catalogue)"
        )
        self.path = path


def require_catalogue(catalogue_path: Path | str) -> Path:
    """`catalogue_path`, or `NoCatalogueError` when there is no such file."""
    path = Path(catalogue_path)
    if not path.is_file():
        raise NoCatalogueError(path)
    return path


@dataclass
class UpdateResult:
    """What `update_catalogue` found and changed."""

    extract: ExtractResult
    summary: cat.MergeSummary
    loaded: cat.Catalogue | None
    """The catalogue as merged and saved (None when the run was `reused`: see `catalogue`)."""
    written: bool
    kinds: dict[str, int] = field(default_factory=dict)
    """Links by kind (the kind's value), in order of kind."""
    reused: bool = False
    """The notes, options, catalogue files and metadata stores were byte for byte what the last
    extract read and left (`skip_unchanged`): nothing was scanned, merged or written, and
    `extract` holds that run's reports, without their citations."""
    path: Path | None = None

    @property
    def catalogue(self) -> cat.Catalogue:
        """The catalogue (read on first use after a `reused` run)."""
        if self.loaded is None:
            assert self.path is not None
            self.loaded = cat.load(self.path)
        return self.loaded

    @property
    def links(self) -> int:
        """How many links the catalogue holds."""
        return sum(self.kinds.values())


def update_catalogue(
    notes: Sequence[Path | str],
    catalogue_path: Path | str = cat.DEFAULT_CATALOGUE,
    metadata: Path | str = DEFAULT_METADATA,
    progress: Callable[[FileReport], None] | None = None,
    follow_symlinks: bool = False,
    keep_images: bool = False,
    skip_unchanged: bool = False,
) -> UpdateResult:
    """Extract citations from `notes` and merge them into the catalogue file (atomically).

    Images, badges, charts and counters are counted (`result.extract.images`), not catalogued,
    unless `keep_images`.  When no note could be read at all, nothing is written (an empty
    catalogue is not created): `result.extract.read` is empty, and the caller should say so.

    Metadata already in the stores (offline) fills the derived columns and paper keys.
    A missing input path raises `FileNotFoundError` before anything is written.  An input that
    cannot be read is skipped and listed in `result.extract.errors`; the rest is merged and
    saved, and the skipped files keep the mentions they had.  Symlinks in a folder are followed
    only to files inside it unless `follow_symlinks`.

    Notes under the project folder (`paperindex.extract.reader.project_root`) are named by their
    path from it (`./notes/a.md`).  A note that used to be in a folder given and is no longer
    there takes its mentions with it (`result.summary.files_gone`).

    `skip_unchanged`: when every input is byte for byte what the last such run read and the
    catalogue files are what it left (`paperindex.extract.fingerprint`), nothing is done: the
    result is that run's report, `reused`.  Otherwise the run is recorded for the next one.
    """
    catalogue_path = Path(catalogue_path)
    missing = [display_name(str(p)) for p in notes if not os.path.lexists(p)]
    if missing:
        raise FileNotFoundError(f"no such file or directory: {', '.join(missing)}")
    from .enrich.derive import derive_all
    from .enrich.metadata import Metadata, metadata_folder

    with locked(catalogue_path):
        last = None
        if skip_unchanged:
            from .extract.fingerprint import Fingerprint, Inputs

            mentions = cat.mentions_path(catalogue_path)
            last = Fingerprint(Inputs(
                [os.fspath(p) for p in notes], catalogue_path, mentions,
                metadata_folder(metadata), follow_symlinks, keep_images,
            ))  # fmt: skip
            replay = last.replay()
            if replay is not None:
                for report in replay.files:
                    if progress is not None:
                        progress(report)
                extract = ExtractResult(files=replay.files)
                nothing = cat.MergeSummary()
                return UpdateResult(
                    extract, nothing, None, False, replay.kinds, True, catalogue_path
                )
        with last.watch() if last is not None else contextlib.nullcontext():
            root = project_root(catalogue_path)
            result = extract_paths(notes, progress, follow_symlinks, keep_images, root=root)
            read = [
                (note, f) for note, f in zip(result.inputs, result.files, strict=True)
                if not f.skipped
            ]  # fmt: skip
            scanned = [f.path for _, f in read]
            # a file's mentions under the name older versions gave it go too: replaced
            scanned += [note.legacy for note, _ in read if note.legacy]
            # the mentions of the files just read are replaced: no need to read them
            catalogue = cat.load(catalogue_path, mentions=scanned, migrate=True)
            gone = cat.files_gone(catalogue, _walked(notes, root), str(root), set(scanned))
            known = Metadata.load(metadata, present_only=True)
            summary = cat.merge(catalogue, result.citations, scanned + gone)
            summary.files_gone = gone
            changed = bool(scanned or gone)
            # the mentions file is fixed now: a helper writes it while columns and keys are made
            early = cat.start_mentions(catalogue, catalogue_path) if changed else None
            try:
                derive_all(catalogue.links, known)
                summary.keyed = assign_keys(catalogue.links)
                digests: dict[Path, tuple[int, str]] | None = {} if last is not None else None
                written = cat.save(catalogue, catalogue_path, digests, early) if changed else False
            finally:
                if early is not None:
                    early.close()
            kinds = dict(sorted(Counter(link.kind.value for link in catalogue.links).items()))
        if last is not None and digests is not None:
            last.record(result, digests, kinds)
    return UpdateResult(result, summary, catalogue, written, kinds, False, catalogue_path)


def _walked(notes: Sequence[Path | str], root: Path) -> list[str]:
    """The folders among `notes` under the project root, as prefixes of the names of the files
    in them (`./notes/`; `./` for the root itself)."""
    top = str(root)
    prefixes = []
    for note in notes:
        if os.path.isdir(note):
            name = "./" if os.path.realpath(note) == top else project_name(Path(note), top)
            if name is not None:
                prefixes.append(name.rstrip("/") + "/" if name != "./" else name)
    return prefixes


def ensure_keys(catalogue_path: Path | str = cat.DEFAULT_CATALOGUE) -> list[str]:
    """Write every key that can be final now, and return the provisional ones an export would
    use (not written).

    A paper still waiting for metadata has no readable key yet: an export shows it under a
    provisional identity key (`arxiv-2312-00752`) that `refresh` replaces with a readable one
    (`gu2023mamba`) once metadata arrives, unless it was pinned (`pin_keys`).
    """
    return [link.key for link in _keyed(require_catalogue(catalogue_path))[1]]


def pin_keys(
    keys: Sequence[str] | None = None, catalogue_path: Path | str = cat.DEFAULT_CATALOGUE
) -> list[str]:
    """Make provisional keys permanent (all, or those in `keys`): write them to the catalogue,
    where no tool changes a key again.  Returns the keys pinned; `UnknownChoiceError` lists the
    provisional keys when one of `keys` is not among them."""
    path = require_catalogue(catalogue_path)
    with locked(path, timeout=30):
        catalogue = cat.load(path, mentions=False, migrate=True)
        assign_keys(catalogue.links)  # final keys first, so a pin never takes their name
        provisional = assign_keys(catalogue.links, force=True)
        wanted = set(keys) if keys is not None else {link.key for link in provisional}
        unknown = wanted - {link.key for link in provisional}
        if unknown:
            from .export.topics import UnknownChoiceError

            known = ", ".join(link.key for link in provisional) or "none"
            raise UnknownChoiceError(
                f"not provisional key(s): {', '.join(sorted(unknown))}; provisional keys are "
                f"{known}"
            )
        for link in provisional:
            if link.key not in wanted:
                link.key = ""
        cat.save(catalogue, path)
    return [link.key for link in provisional if link.key in wanted]


def _keyed(
    catalogue_path: Path, mentions: bool = True, later: cat.LaterMentions | None = None
) -> tuple[cat.Catalogue, list[Link]]:
    """The catalogue with every link keyed (with its mentions, when asked for: now, or on
    `later.read()`), and the links whose keys are provisional.

    Keys that are final are saved first (under the lock); provisional ones only live in memory,
    for this export.
    """
    with locked(catalogue_path, timeout=30):
        catalogue = cat.load(catalogue_path, mentions=mentions, migrate=True, later=later)
        if assign_keys(catalogue.links):
            cat.save(catalogue, catalogue_path)
    return catalogue, assign_keys(catalogue.links, force=True)


def _say_provisional(links: Sequence[Link], total: int) -> None:
    if not links:
        return
    shown = ", ".join(link.key for link in links[:5]) + (", …" if len(links) > 5 else "")
    _log.warning(
        "%d of %d entries use provisional keys (%s): they have no metadata yet; "
        "`paperindex refresh` will give them readable keys (lastnameYYYYword). "
        "To cite these as they are, pin them first: `paperindex keys --pin`",
        len(links),
        total,
        shown,
    )


def topics_source(catalogue_path: Path | str, topics_path: Path | str | None = None) -> str:
    """Where the topic rules come from: `topics_path`, `topics.toml` beside the catalogue, or
    the general taxonomy shipped in the package (`export.topics.find_topics`)."""
    return _rules(Path(catalogue_path), topics_path).source


def _rules(catalogue_path: Path, topics_path: Path | str | None) -> TopicRules:
    from .export.topics import find_topics

    return find_topics(catalogue_path, Path(topics_path) if topics_path else None)


def _selected(
    infos: list[LinkInfo],
    rules: TopicRules,
    topics: Sequence[str] | None,
    kinds: Sequence[str] | None,
) -> list[LinkInfo]:
    from .export.topics import UnknownChoiceError, assign, check_wanted, kind_names
    from .export.view import select

    if kinds:
        unknown = ", ".join(k for k in kinds if k not in set(Kind))
        if unknown:
            raise UnknownChoiceError(f"unknown kind(s): {unknown}; kinds are {kind_names()}")
        infos = select(infos, {Kind(k) for k in kinds})
    if topics:
        assignment = assign(infos, rules)
        by_topic = assignment.topics
        chosen = check_wanted(topics, rules, [*by_topic, *assignment.parents.values()])
        infos = [
            i for i, topic in zip(infos, by_topic, strict=True) if assignment.selects(topic, chosen)
        ]
    return infos


def _current(infos: list[LinkInfo], include_gone: bool) -> list[LinkInfo]:
    """For reading lists: links the notes no longer cite are left out unless asked for (a .bib
    keeps them, so that citations of them still resolve)."""
    return infos if include_gone else [i for i in infos if i.link.status is not Status.GONE]


def write(
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
    atomically to `output` unless that is None.

    No catalogue is `NoCatalogueError` (a `FileNotFoundError`).  Topic rules come from
    `topics_path`, else `topics.toml` beside the catalogue, else the packaged taxonomy.  Reading
    lists leave out links the notes no longer cite (`reading_list(include_gone=True)` shows
    them).  Entries still on provisional keys are named in a warning (logger
    `paperindex.keys`).
    """
    from .export import exporter

    writer = exporter(fmt, **options)  # a bad format or option fails before any write
    return _export(writer, output, catalogue_path, metadata, topics, kinds, topics_path)


def write_file(
    fmt: str,
    output: Path | str,
    catalogue_path: Path | str = cat.DEFAULT_CATALOGUE,
    metadata: Path | str = DEFAULT_METADATA,
    *,
    topics: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    topics_path: Path | str | None = None,
    **options: str,
) -> None:
    """`write`, to `output`, piece by piece: the text (tens of megabytes for 100,000 links) is
    never held whole, nor returned."""
    from .export import exporter

    writer = exporter(fmt, **options)
    _export(writer, output, catalogue_path, metadata, topics, kinds, topics_path, keep_text=False)


def _export(
    writer: Exporter,
    output: Path | str | None,
    catalogue_path: Path | str,
    metadata: Path | str,
    topics: Sequence[str] | None,
    kinds: Sequence[str] | None,
    topics_path: Path | str | None,
    include_gone: bool = False,
    keep_text: bool = True,
) -> str:
    from .export import ExportContext
    from .export.view import infos_for

    catalogue_path = Path(catalogue_path)
    mentions = bool(topics) or writer.needs_mentions  # topic rules read where links were cited
    catalogue, provisional = _keyed(require_catalogue(catalogue_path), mentions)
    rules = _rules(catalogue_path, topics_path)
    infos = infos_for(catalogue.links, metadata)
    if getattr(writer, "groups_by_topic", False):  # the exporter picks the topics
        infos = _selected(_current(infos, include_gone), rules, None, kinds)
        context = ExportContext(catalogue_path.as_posix(), rules, topics)
    else:  # a bibliography is filtered, and keeps every link
        infos = _selected(infos, rules, topics, kinds)
        context = ExportContext(catalogue_path.as_posix(), rules)
    exported = {id(i.link) for i in infos}
    if output is None:
        text = writer.render(infos, context)
    else:
        kept: list[str] | None = [] if keep_text else None
        atomic_write_parts([(Path(output), _kept(writer.parts(infos, context), kept))])
        text = "".join(kept) if kept is not None else ""
    # said once the output is made: never as a preamble to an error
    _say_provisional([link for link in provisional if id(link) in exported], len(infos))
    return text


def _kept(parts: Iterable[str], kept: list[str] | None) -> Iterable[str]:
    for part in parts:
        if kept is not None:
            kept.append(part)
        yield part


def write_bibtex(
    output: Path | str | None = Path("references.bib"),
    catalogue_path: Path | str = cat.DEFAULT_CATALOGUE,
    metadata: Path | str = DEFAULT_METADATA,
    style: str = defaults.STYLES[0],
    dialect: str = defaults.DIALECTS[0],
    topics: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    topics_path: Path | str | None = None,
) -> str:
    """Export the catalogue (or the links of `topics`/`kinds`) as BibTeX (`style` arxiv or
    scholar, `dialect` bibtex or biblatex; anything else is a `ValueError`); returns the text
    and writes it atomically to `output` unless that is None.  Links the notes no longer cite
    stay in, so that citations of them still resolve."""
    return write(
        "bib", output, catalogue_path, metadata, topics=topics, kinds=kinds,
        topics_path=topics_path, style=style, dialect=dialect,
    )  # fmt: skip


def reading_list(
    output: Path | str | None = Path("READING_LIST.md"),
    catalogue_path: Path | str = cat.DEFAULT_CATALOGUE,
    metadata: Path | str = DEFAULT_METADATA,
    topics_path: Path | str | None = None,
    topics: Sequence[str] | None = None,
    fmt: str = "md",
    include_gone: bool = False,
    *,
    return_text: bool = True,
) -> str:
    """The reading list (Markdown, or JSON with `fmt="json"`); written atomically to `output`
    unless that is None.  Topic rules come from `topics_path`, else `topics.toml` beside the
    catalogue, else the general taxonomy shipped in the package.  Links the notes no longer
    cite are left out unless `include_gone` (then they are marked).  With `return_text=False`
    and an `output`, the text is written piece by piece and "" returned: a reading list of
    100,000 links is tens of megabytes, and then it is never held whole."""
    from .export import exporter

    if fmt not in ("md", "json"):
        raise ValueError(f"unknown reading-list format {fmt!r}; formats are md, json")
    return _export(
        exporter(fmt), output, catalogue_path, metadata, topics, None, topics_path, include_gone,
        keep_text=return_text or output is None,
    )  # fmt: skip


@dataclass
class BuildResult:
    """Files written by `build`, by format."""

    files: dict[str, Path] = field(default_factory=dict)
    entries: int = 0
    provisional: list[str] = field(default_factory=list)
    """Keys of entries still waiting for metadata (see `ensure_keys`), not written."""
    topics: str = ""
    """Where the topic rules came from (a file, or the packaged taxonomy)."""

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
    topics_path: Path | str | None = None,
    include_gone: bool = False,
) -> BuildResult:
    """Everything, offline: each format's default file (`references.bib`, `READING_LIST.md`)
    in `out_dir`, from one read of the catalogue and the stores (see `export` for topics,
    provisional keys and links no longer cited)."""
    from . import cores
    from .export import ExportContext, exporter
    from .export.view import infos_for

    asked = [exporter(f) for f in dict.fromkeys(formats)]  # unknown formats fail first
    # Those that need no mentions first (so `started` is indexed as `writers`): forked helpers
    # make them from this process's links, keys and metadata, while it reads the mentions.
    writers = sorted(asked, key=lambda w: w.needs_mentions)
    out_dir, catalogue_path = Path(out_dir), Path(catalogue_path)
    mentions = any(w.needs_mentions for w in writers)
    alone = [w for w in writers if not w.needs_mentions][: None if mentions else -1]
    started: dict[int, ForkedPart] = {}
    later = cat.LaterMentions()
    made: list[Generator[str, None, None]] = []
    try:
        catalogue, provisional = _keyed(require_catalogue(catalogue_path), mentions, later)
        infos = infos_for(catalogue.links, metadata)
        rules = _rules(catalogue_path, topics_path)
        context = ExportContext(catalogue_path.as_posix(), rules)
        current = _current(infos, include_gone)
        out_dir.mkdir(parents=True, exist_ok=True)
        # each file is written as it is made (none held whole); all are renamed at the end
        made = [
            _made(w, current if getattr(w, "groups_by_topic", False) else infos, context, later)
            for w in writers
        ]
        for n, w in enumerate(alone if len(infos) >= cores.LEAST else ()):  # worth a fork
            helper = ForkedPart.start(out_dir / w.default_file, partial(write_synced, made[n]))
            if helper is not None:
                started[n] = helper
        atomic_write_parts(
            [(out_dir / w.default_file, m) for w, m in zip(writers, made, strict=True)],
            started=started,
        )
    finally:
        later.close()
        for helper in started.values():
            helper.close()
        for m in made:
            m.close()  # one left half-made by an error (its helpers, its files)
    _say_provisional(provisional, len(infos))  # once the files are made, never before an error
    return BuildResult(
        files={w.name: out_dir / w.default_file for w in asked},
        entries=len(infos),
        provisional=[link.key for link in provisional],
        topics=rules.source,
    )


def _made(
    writer: Exporter, infos: list[LinkInfo], context: ExportContext, later: cat.LaterMentions
) -> Generator[str, None, None]:
    """`writer`'s pieces, made (and the mentions read, when it needs them) once iterated."""
    if writer.needs_mentions:
        later.read()
    yield from writer.parts(infos, context)
