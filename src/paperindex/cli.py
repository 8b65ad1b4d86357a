"""The `paperindex` command: a thin layer over `paperindex.api`.

Heavy modules (pydantic, requests, arxiv, bibtexparser) are imported inside each command, so
`paperindex --help` starts in the time Python itself needs.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from . import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _say(msg: str) -> None:
    print(msg, file=sys.stderr)


def _cmd_extract(args: argparse.Namespace) -> int:
    from .api import update_catalogue
    from .extract import FileReport, display_name

    def progress(report: FileReport) -> None:
        name = display_name(report.path)
        warn = "".join(f"; warning: {w}" for w in report.warnings)
        if report.error:
            _say(f"error: skipped {name}: {report.skipped}")
        elif report.skipped:
            _say(f"skipped {name}: {report.skipped}{warn}")
        else:
            _say(f"read {name}: {report.citations} citation(s) ({report.encoding}){warn}")

    result = update_catalogue(
        args.notes, args.catalogue, args.store, progress, follow_symlinks=args.follow_symlinks
    )
    links = result.catalogue.links
    kinds = Counter(link.kind.value for link in links)
    summary = result.summary
    _say(
        f"{display_name(str(args.catalogue))}: {len(links)} links ("
        + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        + f"); {len(summary.added)} new, {len(summary.gone)} no longer cited, "
        f"{len(summary.keyed)} keyed; " + ("written" if result.written else "unchanged")
    )
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


def _cmd_refresh(args: argparse.Namespace) -> int:
    import os

    from .arxiv_api import DEFAULT_API_URL, ApiConfig
    from .enrich import refresh
    from .net import MB

    api_url = args.api_url or os.environ.get("PAPERINDEX_ARXIV_API") or DEFAULT_API_URL
    config = ApiConfig(
        base_url=api_url,
        timeout=args.timeout,
        delay=args.delay,
        backoff=args.backoff,
        max_wait=args.max_wait,
        max_bytes=int(args.max_mb * MB),
    )
    if config.pace > args.delay and not (args.offline or args.dry_run):
        _say(f"paperindex: --delay {args.delay:g} is below arXiv's 3 s; using {config.pace:g} s")
    ids = [i for chunk in args.ids or [] for i in chunk.replace(",", " ").split()]
    report = refresh(
        args.catalogue,
        args.store,
        ids=ids or None,
        force_all=args.all,
        max_age_days=args.max_age,
        offline=args.offline,
        dry_run=args.dry_run,
        config=config,
        progress=_Progress("refresh"),
        lock_wait=args.wait,
        on_wait=lambda message: _say(f"paperindex: {message}"),
    )

    def listing(ids: Sequence[str]) -> str:
        return ", ".join(ids) if ids else "none"

    have, total = len(report.have), len(report.papers)
    if report.offline or report.dry_run:
        print(
            f"metadata for {have} of {total} papers in {args.store}"
            f" ({len(report.stale)} older than {args.max_age:g} days)"
        )
        missing = [i for i in report.papers if i not in report.have]
        print(f"missing: {listing(missing)}")
        if report.dry_run:
            batches = -(-len(report.due) // min(config.batch_size, 100))
            print(f"would fetch {len(report.due)}: {listing(report.due)}")
            print(f"in {batches} request(s) to {api_url}")
        return EXIT_OK
    print(
        f"{total} papers; {len(report.due)} due (missing, older than {args.max_age:g} days,"
        " or asked for)"
    )
    print(f"fetched {len(report.fetched)}: {listing(report.fetched)}")
    updates = [f"{i} ({why})" for i, why in sorted(report.updated.items())]
    print(f"updated {len(report.updated)}: {listing(updates)}")
    print(f"unchanged {len(report.unchanged)}: {listing(report.unchanged)}")
    failures = [f"{i}: {why}" for i, why in sorted(report.failed.items())]
    print(
        f"failed {len(report.failed)}:" + "".join(f"\n  {f}" for f in failures)
        if failures
        else "failed 0"
    )
    if report.anomalies:
        odd = [f"{i}: {why}" for i, why in sorted(report.anomalies.items())]
        print(f"anomalies {len(odd)}:" + "".join(f"\n  {f}" for f in odd))
    print(f"{report.requests} request(s) to {api_url}; metadata for {have} of {total} papers")
    return EXIT_OK if report.ok else EXIT_FAILED


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
        args.store,
        style=args.style,
        dialect=args.dialect,
        topics=args.topic or None,
        kinds=_split(args.kind) or None,
    )
    return _done(
        text, output, f"{text.count(chr(10) + '@')} entries ({args.style} style, {args.dialect})"
    )


def _cmd_reading_list(args: argparse.Namespace) -> int:
    from .api import reading_list

    output = _output(args.output)
    if output is not None and args.format == "json" and output.suffix == ".md":
        output = output.with_suffix(".json")
    text = reading_list(
        output, args.catalogue, args.store, args.topics_file, args.topic or None, args.format
    )
    return _done(text, output, f"{args.format} reading list")


def _cmd_build(args: argparse.Namespace) -> int:
    from .api import build

    result = build(args.out, args.catalogue, args.store)
    _say(f"wrote {result.bibtex} ({result.entries} entries) and {result.reading_list}")
    return EXIT_OK


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
    _catalogue_args(p)
    p.set_defaults(run=_cmd_extract)

    p = sub.add_parser("refresh", help="fetch missing or stale arXiv metadata (offline-first)")
    _catalogue_args(p)
    p.add_argument(
        "--max-age",
        type=float,
        default=30.0,
        metavar="DAYS",
        help="refetch records older than this (default 30; arXiv changes daily)",
    )
    p.add_argument("--all", action="store_true", help="refetch every paper whatever its age")
    p.add_argument("--ids", nargs="+", metavar="ID", help="only these arXiv ids (any age)")
    p.add_argument("--offline", action="store_true", help="report what the store holds; no network")
    p.add_argument("--dry-run", action="store_true", help="say what would be fetched; no network")
    p.add_argument(
        "--api-url",
        help="arXiv API endpoint (default: $PAPERINDEX_ARXIV_API or "
        "https://export.arxiv.org/api/query)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds for a whole response, headers to last byte (default 30); an overrun is "
        "tried twice",
    )
    p.add_argument(
        "--max-mb",
        type=float,
        default=50.0,
        metavar="MB",
        help="largest response read, in MB (default 50); a larger one fails its batch",
    )
    p.add_argument(
        "--delay",
        type=float,
        default=3.0,
        help="seconds between requests (default 3, arXiv's minimum: less only for a loopback "
        "test server)",
    )
    p.add_argument(
        "--backoff",
        type=float,
        default=5.0,
        help="first wait after a 429/503/timeout, doubled on each retry (default 5)",
    )
    p.add_argument(
        "--max-wait",
        type=float,
        default=120.0,
        help="longest backoff wait; a longer Retry-After fails the batch (default 120)",
    )
    p.add_argument(
        "--wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="wait this long for another command's lock on the catalogue (default 60; 0: stop "
        "at once); it is held only to read the ids and to save, never during network waits",
    )
    p.set_defaults(run=_cmd_refresh)

    p = sub.add_parser("bib", help="write the catalogue as BibTeX")
    _catalogue_args(p)
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("references.bib"),
        help="output file, or - for stdout (default: references.bib)",
    )
    p.add_argument(
        "--style",
        choices=("arxiv", "scholar"),
        default="arxiv",
        help="preprints as arXiv exports them (@misc + eprint) or as Google Scholar "
        "does (@article, journal = arXiv preprint)",
    )
    p.add_argument(
        "--dialect",
        choices=("bibtex", "biblatex"),
        default="bibtex",
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
        help="only these kinds (paper, code, dataset, model, post, article, page)",
    )
    p.set_defaults(run=_cmd_bib)

    p = sub.add_parser("reading-list", help="write a reading list grouped by topic")
    _catalogue_args(p)
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("READING_LIST.md"),
        help="output file, or - for stdout (default: READING_LIST.md)",
    )
    p.add_argument(
        "--topic", action="append", metavar="T", help="only this topic (repeat for more)"
    )
    p.add_argument("--format", choices=("md", "json"), default="md")
    p.add_argument(
        "--topics-file", type=Path, help="topic rules (default: topics.toml beside the catalogue)"
    )
    p.set_defaults(run=_cmd_reading_list)

    p = sub.add_parser("build", help="references.bib and READING_LIST.md, offline")
    _catalogue_args(p)
    p.add_argument("--out", type=Path, default=Path("."), help="output folder (default: .)")
    p.set_defaults(run=_cmd_build)

    p = sub.add_parser("schema", help="print the JSON Schema of a catalogue row")
    p.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    p.set_defaults(run=_cmd_schema)
    return parser


def _catalogue_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--catalogue",
        type=Path,
        default=Path("data/links.csv"),
        help="catalogue CSV (default: data/links.csv)",
    )
    p.add_argument(
        "--store",
        type=Path,
        default=Path("data/metadata/arxiv.json"),
        help="arXiv metadata store (default: data/metadata/arxiv.json)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    from .catalogue import CatalogueError
    from .files import LockedError
    from .metadata import MetadataError

    try:
        code: int = args.run(args)
    except (CatalogueError, MetadataError, LockedError, FileNotFoundError, ValueError) as exc:
        _say(f"paperindex: error: {exc}")
        return EXIT_USAGE if isinstance(exc, FileNotFoundError) else EXIT_FAILED
    except KeyboardInterrupt:
        _say("paperindex: interrupted; files are as they were before the last write")
        return 130
    return code
