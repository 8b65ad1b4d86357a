"""The `paperindex` command: a thin layer over `paperindex.api`.

Heavy modules (pydantic, requests, arxiv, bibtexparser) are imported inside each command, so
`paperindex --help` starts in the time Python itself needs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import defaults
from ._version import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(ValueError):
    """A bad argument the parser could not check itself (an unknown source name, …): exit 2."""


def _say(msg: str) -> None:
    print(msg, file=sys.stderr)


def _cmd_extract(args: argparse.Namespace) -> int:
    from .api import update_catalogue
    from .extract import FileReport, display_name

    def progress(report: FileReport) -> None:
        name = display_name(report.path)
        warn = "".join(f"; warning: {w}" for w in report.warnings)
        images = f", {report.images} image(s) skipped" if report.images else ""
        if report.error:
            _say(f"error: skipped {name}: {report.skipped}")
        elif report.skipped:
            _say(f"skipped {name}: {report.skipped}{warn}")
        else:
            _say(f"read {name}: {report.citations} citation(s){images} ({report.encoding}){warn}")

    result = update_catalogue(
        args.notes, args.catalogue, args.metadata, progress,
        follow_symlinks=args.follow_symlinks, keep_images=args.keep_images, skip_unchanged=True,
    )  # fmt: skip
    _KEPT.append(result)  # freed by the process's end, not one object at a time (see main)
    for name in result.summary.files_gone:
        _say(f"gone {display_name(name)}: no longer there; its citations went with it")
    if not result.extract.read and not result.summary.files_gone:
        where = ", ".join(display_name(str(p)) for p in args.notes)
        _say(
            f"paperindex: warning: no notes read in {where} (notes are .md, .markdown and .txt "
            "files; a file named on the command line is read whatever its suffix); "
            f"{display_name(str(args.catalogue))} not written"
        )
        return EXIT_FAILED
    summary = result.summary
    images = result.extract.images
    skipped = f"; {images} image(s) skipped (--keep-images keeps them)" if images else ""
    kinds = ", ".join(f"{n} {k}" for k, n in result.kinds.items())
    _say(
        f"{display_name(str(args.catalogue))}: {result.links} links"
        + (f" ({kinds})" if kinds else "")
        + f"; {len(summary.added)} new, {len(summary.gone)} no longer cited, "
        f"{len(summary.keyed)} keyed; " + ("written" if result.written else "unchanged") + skipped
    )
    if result.extract.read and not any(f.citations for f in result.extract.files):
        _say("paperindex: warning: the notes cite no link")
    errors = result.extract.errors
    if errors:
        _say(
            f"paperindex: {len(errors)} input(s) skipped for errors (listed above); "
            "everything else was extracted and merged"
        )
        return EXIT_FAILED
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    import json

    from .files import atomic_write_text
    from .model import json_schema

    text = json.dumps(json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        atomic_write_text(args.output, text)
        _say(f"wrote {args.output}")
    return EXIT_OK


class _Progress:
    """A bar on a terminal, a plain line per step otherwise (cron, CI, pipes)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int, message: str) -> None:
        if self.tty:
            width = 30
            filled = width * done // max(total, 1)
            bar = "#" * filled + "-" * (width - filled)
            end = "\n" if done >= total else ""
            print(
                f"\r{self.label} [{bar}] {done}/{total} {message}",
                end=end,
                file=sys.stderr,
                flush=True,
            )
        else:
            _say(f"{self.label}: {done}/{total} ids; {message}")


def _listing(ids: Sequence[str], limit: int = 20) -> str:
    """At most `limit` ids, then how many more: a readable line whatever the catalogue's size."""
    if not ids:
        return "none"
    shown = ", ".join(ids[:limit])
    return shown + (f", … and {len(ids) - limit} more" if len(ids) > limit else "")


def _block(title: str, items: Sequence[str], limit: int = 20) -> str:
    lines = [f"\n    {item}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"\n    … and {len(items) - limit} more")
    return f"  {title} {len(items)}:" + "".join(lines) if items else f"  {title} 0"


def _refresh_configs(
    args: argparse.Namespace,
) -> tuple[list[str], dict[str, Any], dict[str, float]]:
    """(source names, their configurations, the sources whose interval is above --delay)."""
    from dataclasses import replace

    from .enrich import SourceConfig
    from .enrich.polite import default_cache_dir
    from .enrich.sources import REGISTRY, check_names, source_class
    from .net import MB

    try:
        names = check_names(_split(args.source)) if args.source else list(REGISTRY)
        endpoints = dict(_endpoint(e) for e in args.api or [])
        if args.api_url:
            endpoints["arxiv"] = args.api_url
        check_names(endpoints)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    base = SourceConfig(
        base_url="", timeout=args.timeout, delay=args.delay, backoff=args.backoff,
        max_wait=args.max_wait, max_bytes=int(args.max_mb * MB), cache_dir=default_cache_dir(),
    )  # fmt: skip
    configs: dict[str, Any] = {}
    raised: dict[str, float] = {}
    for name in names:
        cls = source_class(name)
        config = replace(base, base_url=endpoints.get(name) or cls.configured_url())
        configs[name] = config
        interval = cls(config).interval
        if cls.fetchable and args.delay is not None and interval > args.delay:
            raised[name] = interval
    return names, configs, raised


def _cmd_refresh(args: argparse.Namespace) -> int:
    from .enrich import refresh

    names, configs, raised = _refresh_configs(args)
    report = refresh(
        args.catalogue, args.metadata, sources=names, ids=_split(args.ids) or None,
        force_all=args.all, max_age_days=args.max_age, offline=args.offline,
        dry_run=args.dry_run, configs=configs, progress=_Progress("refresh"),
        lock_wait=args.wait, on_wait=lambda message: _say(f"paperindex: {message}"),
    )  # fmt: skip
    for name, interval in raised.items():  # only where it mattered: requests were made
        if report.sources.get(name) and report.sources[name].requests:
            _say(
                f"paperindex: {name}: --delay {args.delay:g} is below what {name} asks "
                f"for; used {interval:g} s"
            )
    _print_refresh(report, args)
    if report.offline or report.dry_run:
        return EXIT_OK
    for line in report.work_lines():  # rows merged, conflicts, suggestions, published versions
        print(line)
    return EXIT_OK if report.ok else EXIT_FAILED


def _print_refresh(report: Any, args: argparse.Namespace) -> None:
    """The per-source summary: what was fetched, updated, unchanged, failed (grouped)."""
    from .enrich import metadata_folder, store_path

    folder = metadata_folder(args.metadata)
    unreachable = _all_unreachable([rep.failed for rep in report.sources.values()])
    if unreachable:
        _say(
            f"paperindex: network unreachable: no service could be reached; {unreachable} "
            "id(s) not fetched (listed below), nothing stored was changed"
        )
    for name, rep in report.sources.items():
        have, total = len(rep.have), len(rep.considered)
        if not total and not args.source:
            continue  # nothing of this source in the catalogue
        if report.offline or report.dry_run:
            print(
                f"{name}: metadata for {have} of {total} ids in {store_path(folder, name)}"
                f" ({len(rep.stale)} older than {args.max_age:g} days)"
            )
            print(f"  missing: {_listing([i for i in rep.considered if i not in rep.have])}")
            if report.dry_run:
                print(f"  would fetch {len(rep.due)}: {_listing(rep.due)}")
                print(f"  in {rep.batches} request(s) to {rep.endpoint}")
            continue
        print(
            f"{name}: {total} ids; {len(rep.due)} due (missing, older than {args.max_age:g} "
            "days, or asked for)"
        )
        print(f"  fetched {len(rep.fetched)}: {_listing(rep.fetched)}")
        updates = [f"{i} ({why})" for i, why in sorted(rep.updated.items())]
        print(f"  updated {len(updates)}: {_listing(updates)}")
        print(f"  unchanged {len(rep.unchanged)}: {_listing(rep.unchanged)}")
        if unreachable:
            print(f"  not fetched {len(rep.failed)}: {_listing(sorted(rep.failed))}")
        else:
            print(_block("failed", _grouped_failures(rep.failed)))
        if rep.anomalies:
            print(_block("anomalies", [f"{i}: {why}" for i, why in sorted(rep.anomalies.items())]))
        print(f"  {rep.requests} request(s) to {rep.endpoint}; metadata for {have} of {total}")


def _root_reason(why: str) -> tuple[str, bool]:
    """(the failure behind a reason, whether the id was not asked because of it)."""
    if not why.startswith("not asked: "):
        return why, False
    inner = why.removeprefix("not asked: ")
    if inner.startswith("an earlier batch failed (") and inner.endswith(")"):
        inner = inner.removeprefix("an earlier batch failed (")[:-1]
    return _root_reason(inner)[0], True


def _grouped_failures(failed: dict[str, str]) -> list[str]:
    """One line per distinct reason (`id: reason; the same for N more: ids`); ids not asked
    after a failure go with it."""
    groups: dict[str, list[str]] = {}
    skipped: dict[str, int] = {}
    for ident, why in sorted(failed.items()):
        root, not_asked = _root_reason(why)
        groups.setdefault(root, []).append(ident)
        skipped[root] = skipped.get(root, 0) + not_asked
    lines = []
    for root, ids in groups.items():
        line = f"{ids[0]}: {root}"
        if len(ids) > 1:
            line += f"; the same for {len(ids) - 1} more: {_listing(ids[1:])}"
        if skipped[root]:
            line += f" ({skipped[root]} not asked after the first failure)"
        lines.append(line)
    return lines


def _all_unreachable(failures: Sequence[dict[str, str]]) -> int:
    """How many ids failed, when every failure of the run was an unreachable network (else 0)."""
    from .enrich.polite import UNREACHABLE

    reasons = [why for failed in failures for why in failed.values()]
    if reasons and all(UNREACHABLE in _root_reason(why)[0] for why in reasons):
        return len(reasons)
    return 0


def _endpoint(text: str) -> tuple[str, str]:
    name, sep, url = text.partition("=")
    if not sep or not url:
        raise ValueError(f"--api takes NAME=URL, got {text!r}")
    return name.strip(), url.strip()


def _output(path: Path) -> Path | None:
    """None for "-": the text goes to stdout instead of a file."""
    return None if str(path) == "-" else path


def _done(text: str, output: Path | None, what: str) -> int:
    if output is None:
        sys.stdout.write(text)
    else:
        _say(f"wrote {output}: {what}")
    return EXIT_OK


def _split(values: Sequence[str] | None) -> list[str]:
    return [v for value in values or [] for v in value.replace(",", " ").split()]


def _cmd_bib(args: argparse.Namespace) -> int:
    from .api import write_bibtex

    output = _output(args.output)
    text = write_bibtex(
        output,
        args.catalogue,
        args.metadata,
        style=args.style,
        dialect=args.dialect,
        topics=args.topic or None,
        kinds=_split(args.kind) or None,
        topics_path=args.topics,
    )
    return _done(
        text, output, f"{text.count(chr(10) + '@')} entries ({args.style} style, {args.dialect})"
    )


def _topics_note(catalogue: Path, topics: Path | None) -> str:
    from .api import topics_source

    return f"topics from {topics_source(catalogue, topics)}"


def _cmd_reading_list(args: argparse.Namespace) -> int:
    from .api import reading_list

    output = _output(args.output)
    if output is not None and args.format == "json" and output.suffix == ".md":
        output = output.with_suffix(".json")
    text = reading_list(
        output, args.catalogue, args.metadata, args.topics, args.topic or None, args.format,
        include_gone=args.include_gone, return_text=output is None,
    )  # fmt: skip
    note = _topics_note(args.catalogue, args.topics)
    return _done(text, output, f"{args.format} reading list, {note}")


def _known_formats(names: Sequence[str]) -> None:
    """A usage error (exit 2) naming a format no exporter writes."""
    from .export import EXPORTERS

    for name in names:
        if name not in EXPORTERS:
            raise UsageError(f"unknown format {name!r}; formats are {', '.join(EXPORTERS)}")


def _cmd_build(args: argparse.Namespace) -> int:
    from .api import build

    formats = _split(args.formats) or defaults.FORMATS
    _known_formats(formats)
    result = build(
        args.out, args.catalogue, args.metadata, formats,
        topics_path=args.topics, include_gone=args.include_gone,
    )  # fmt: skip
    written = ", ".join(str(p) for p in result.files.values())
    _say(f"wrote {written} ({result.entries} entries; topics from {result.topics})")
    return EXIT_OK


def _cmd_keys(args: argparse.Namespace) -> int:
    from .api import ensure_keys, pin_keys
    from .extract import display_name

    name = display_name(str(args.catalogue))
    if args.pin is not None:
        pinned = pin_keys(args.pin or None, args.catalogue)
        _say(f"{name}: pinned {len(pinned)} key(s): {_listing(pinned)}; no tool changes them")
        return EXIT_OK
    provisional = ensure_keys(args.catalogue)
    for key in provisional:
        print(key)
    _say(
        f"{name}: {len(provisional)} provisional key(s) (papers without metadata yet): "
        "`paperindex refresh` gives them readable keys; `paperindex keys --pin [KEY ...]` "
        "keeps them as they are"
    )
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from .api import write, write_file
    from .export import exporter

    _known_formats([args.format])
    options = {k: v for k, v in (("style", args.style), ("dialect", args.dialect)) if v}
    if options and args.format != "bib":
        raise UsageError("--style and --dialect are options of --format bib")
    output = _output(args.output or Path(exporter(args.format).default_file))
    topics, kinds = args.topic or None, _split(args.kind) or None
    if output is None:
        text = write(
            args.format, None, args.catalogue, args.metadata, topics=topics, kinds=kinds, **options
        )
    else:  # written piece by piece, never held whole
        text = ""
        write_file(
            args.format, output, args.catalogue, args.metadata, topics=topics, kinds=kinds,
            **options,
        )  # fmt: skip
    return _done(text, output, args.format)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="paperindex",
        description="Research notes in, a reference catalogue, BibTeX and reading lists out.",
    )
    parser.add_argument("--version", action="version", version=f"paperindex {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("extract", help="find every cited link in notes and update the catalogue")
    p.add_argument("notes", nargs="+", type=Path, help="notes files or directories")
    p.add_argument(
        "--follow-symlinks",
        action="store_true",
        help="follow symlinks in a folder wherever they lead (default: only inside it)",
    )
    p.add_argument(
        "--keep-images",
        action="store_true",
        help="catalogue images, badges, charts and counters too (default: skipped, counted)",
    )
    _catalogue_args(p)
    p.set_defaults(run=_cmd_extract)

    p = sub.add_parser(
        "refresh", help="fetch missing or stale metadata from every source (offline-first)"
    )
    _catalogue_args(p)
    p.add_argument(
        "--source",
        action="append",
        metavar="NAME,...",
        help="only these sources (default: all; see paperindex.enrich.sources.REGISTRY)",
    )
    p.add_argument(
        "--max-age",
        type=float,
        default=defaults.MAX_AGE_DAYS,
        metavar="DAYS",
        help=f"refetch records older than this (default {defaults.MAX_AGE_DAYS:g})",
    )
    p.add_argument("--all", action="store_true", help="refetch everything whatever its age")
    p.add_argument(
        "--ids", nargs="+", metavar="ID", help="only these ids (any age), for the sources that "
        "accept them (arXiv ids with or without a version)"
    )  # fmt: skip
    p.add_argument("--offline", action="store_true", help="report what the stores hold; no network")
    p.add_argument("--dry-run", action="store_true", help="say what would be fetched; no network")
    p.add_argument(
        "--api",
        action="append",
        metavar="NAME=URL",
        help="a source's endpoint (default: $PAPERINDEX_<NAME>_API, else the service's own)",
    )
    p.add_argument("--api-url", help="the arXiv API endpoint (same as --api arxiv=URL)")
    p.add_argument(
        "--timeout",
        type=float,
        default=defaults.TIMEOUT,
        help="seconds for a whole response, headers to last byte (default "
        f"{defaults.TIMEOUT:g}); an overrun is tried twice",
    )
    p.add_argument(
        "--max-mb",
        type=float,
        default=defaults.MAX_BYTES / 1_000_000,
        metavar="MB",
        help=f"largest response read, in MB (default {defaults.MAX_BYTES // 10**6}); "
        "a larger one fails its batch",
    )
    p.add_argument(
        "--delay",
        type=float,
        default=None,
        help="seconds between requests (default: what each service asks for, e.g. arXiv's 3; "
        "less only for a loopback test server)",
    )
    p.add_argument(
        "--backoff",
        type=float,
        default=None,
        help="first wait after a 429/5xx/timeout, doubled on each retry (default: the "
        "source's, 5 s)",
    )
    p.add_argument(
        "--max-wait",
        type=float,
        default=None,
        help="longest wait; a longer Retry-After or rate-limit reset ends that source's run "
        "(default: the source's, 120 s)",
    )
    p.add_argument(
        "--wait",
        type=float,
        default=defaults.LOCK_WAIT,
        metavar="SECONDS",
        help=f"wait this long for another command's lock on the catalogue (default "
        f"{defaults.LOCK_WAIT:g}; 0: stop at once); it is held only to read the links and to "
        "save, never during network waits",
    )
    p.set_defaults(run=_cmd_refresh, needs_catalogue=True)

    p = sub.add_parser("bib", help="write the catalogue as BibTeX")
    _catalogue_args(p)
    _output_arg(p, "references.bib")
    p.add_argument(
        "--style",
        choices=defaults.STYLES,
        default=defaults.STYLES[0],
        help="preprints as arXiv exports them (@misc + eprint) or as Google Scholar "
        "does (@article, journal = arXiv preprint)",
    )
    p.add_argument(
        "--dialect",
        choices=defaults.DIALECTS,
        default=defaults.DIALECTS[0],
        help="bibtex: standard .bst types and fields, ASCII; biblatex: @online, "
        "@software, @dataset, eprinttype, UTF-8",
    )
    p.add_argument(
        "--topic", action="append", metavar="T", help="only links of this topic (repeat for more)"
    )
    p.add_argument(
        "--kind",
        action="append",
        metavar="K,...",
        help="only these kinds (paper, code, dataset, model, video, post, article, page)",
    )
    _topics_arg(p)
    p.set_defaults(run=_cmd_bib, needs_catalogue=True)

    p = sub.add_parser("reading-list", help="write a reading list grouped by topic")
    _catalogue_args(p)
    _output_arg(p, "READING_LIST.md")
    p.add_argument(
        "--topic", action="append", metavar="T", help="only this topic (repeat for more)"
    )
    p.add_argument("--format", choices=("md", "json"), default="md")
    _topics_arg(p)
    _gone_arg(p)
    p.set_defaults(run=_cmd_reading_list, needs_catalogue=True)

    p = sub.add_parser("build", help="references.bib and READING_LIST.md, offline")
    _catalogue_args(p)
    p.add_argument("--out", type=Path, default=Path("."), help="output folder (default: .)")
    p.add_argument(
        "--formats",
        action="append",
        metavar="F,...",
        help=f"what to write (default: {','.join(defaults.FORMATS)}; also json); each goes to "
        "its usual file name",
    )
    _topics_arg(p)
    _gone_arg(p)
    p.set_defaults(run=_cmd_build, needs_catalogue=True)

    p = sub.add_parser(
        "keys", help="list provisional citation keys, or pin them so that they never change"
    )
    _catalogue_args(p)
    p.add_argument(
        "--pin",
        nargs="*",
        metavar="KEY",
        help="write these provisional keys (default: all) to the catalogue, for good",
    )
    p.set_defaults(run=_cmd_keys, needs_catalogue=True)

    p = sub.add_parser(
        "export", help="write the catalogue in any registered format (csl-json, ris, bib, …)"
    )
    _catalogue_args(p)
    p.add_argument(
        "--format",
        required=True,
        metavar="NAME",
        help="csl-json (references.json: pandoc, Zotero, Quarto), ris (references.ris: EndNote, "
        "Mendeley), bib, md, json (see paperindex.export.EXPORTERS)",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        help="output file, or - for stdout (default: the format's usual file name)",
    )
    p.add_argument("--style", choices=defaults.STYLES, help="with --format bib (see bib)")
    p.add_argument("--dialect", choices=defaults.DIALECTS, help="with --format bib (see bib)")
    p.add_argument(
        "--topic", action="append", metavar="T", help="only links of this topic (repeat for more)"
    )
    p.add_argument(
        "--kind", action="append", metavar="K,...", help="only these kinds (see bib --kind)"
    )
    p.set_defaults(run=_cmd_export)

    p = sub.add_parser("schema", help="print the JSON Schema of a catalogue row")
    p.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    p.set_defaults(run=_cmd_schema)
    for command in sub.choices.values():
        command.set_defaults(command_parser=command)  # to show a bad option with its usage
    return parser


def _topics_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--topics",
        "--topics-file",
        dest="topics",
        type=Path,
        metavar="FILE",
        help="topic rules (default: topics.toml beside the catalogue, else the general "
        "taxonomy shipped with paperindex)",
    )


def _gone_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--include-gone",
        action="store_true",
        help="also list links the notes no longer cite, marked (the .bib always keeps them)",
    )


def _output_arg(p: argparse.ArgumentParser, default: str) -> None:
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path(default),
        help=f"output file, or - for stdout (default: {default})",
    )


def _catalogue_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--catalogue",
        type=Path,
        default=defaults.CATALOGUE,
        help=f"catalogue CSV (default: {defaults.CATALOGUE})",
    )
    p.add_argument(
        "--metadata",
        "--store",
        type=Path,
        default=defaults.METADATA,
        help="folder of the metadata stores, one <source>.json each (default: "
        f"{defaults.METADATA}; a store file inside it names it too)",
    )


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments; an unknown option is shown with the usage of its own command (argparse
    would show the top-level usage), and exits 2."""
    args, extra = build_parser().parse_known_args(argv)
    if extra:
        args.command_parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


_KEPT: list[object] = []
"""What a command leaves for the process's end to free: an extract of 100,000 links drops
millions of objects, ~0.1 s of freeing one at a time that ending the process skips."""


def _whole_process() -> bool:
    """Whether this process is the `paperindex` command itself (its script, or `python -m
    paperindex`), so nothing runs after `main` but the interpreter's exit."""
    top = sys.modules.get("__main__")
    spec = getattr(top, "__spec__", None)
    if spec is not None:
        return bool(spec.name == "paperindex.__main__")
    return Path(getattr(top, "__file__", "") or "").stem == "paperindex"


def _end_now(code: int) -> None:
    """End the process with `code` at once, its output flushed, when a command left a large
    result (`_KEPT`) and nothing else runs after `main`; otherwise return (all files are
    written and every lock released by now: only memory is left to free)."""
    if not _KEPT or not _whole_process():
        return
    import logging

    try:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # a closed pipe, …: the usual exit reports it
        return
    import os

    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parse(argv)
    import gc
    import logging

    # A command builds a catalogue's worth of objects and drops them at exit; the collector's
    # full passes over them (a fifth of an extract of 100,000 links) find no cycle to free.
    # Young objects are still collected, full passes come seldom.
    gc.set_threshold(100_000, 50, 100)

    from .catalogue import CatalogueError
    from .enrich.errors import MetadataError
    from .files import LockedError

    logging.basicConfig(level=logging.WARNING, format="paperindex: %(message)s")

    try:
        if getattr(args, "needs_catalogue", False):
            from .api import require_catalogue

            require_catalogue(args.catalogue)
        code: int = args.run(args)
    except (CatalogueError, MetadataError, LockedError, FileNotFoundError, ValueError) as exc:
        from .export.topics import UnknownChoiceError

        _say(f"paperindex: error: {exc}")
        usage = (FileNotFoundError, UsageError, UnknownChoiceError)
        return EXIT_USAGE if isinstance(exc, usage) else EXIT_FAILED
    except KeyboardInterrupt:
        _say("paperindex: interrupted; files are as they were before the last write")
        return 130
    except OSError as exc:  # the machine's, not the input's: a full disk, a read-only folder
        _say(f"paperindex: error: {exc}; files are as they were before the last write")
        return EXIT_FAILED
    if argv is None:  # this process's own command line
        _end_now(code)
    _KEPT.clear()
    return code
