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
    from .extract import FileReport

    def progress(report: FileReport) -> None:
        if report.skipped:
            _say(f"skipped {report.path}: {report.skipped}")
        else:
            warn = "".join(f"; warning: {w}" for w in report.warnings)
            _say(f"read {report.path}: {report.citations} citation(s) ({report.encoding}){warn}")

    result = update_catalogue(args.notes, args.catalogue, args.store, progress)
    links = result.catalogue.links
    kinds = Counter(link.kind.value for link in links)
    summary = result.summary
    _say(
        f"{args.catalogue}: {len(links)} links ("
        + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        + f"); {len(summary.added)} new, {len(summary.gone)} no longer cited, "
        f"{len(summary.keyed)} keyed; " + ("written" if result.written else "unchanged")
    )
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
    _catalogue_args(p)
    p.set_defaults(run=_cmd_extract)

    p = sub.add_parser("schema", help="print the JSON Schema of a catalogue row")
    p.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    p.set_defaults(run=_cmd_schema)
    return parser


def _catalogue_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--catalogue", type=Path, default=Path("data/links.csv"),
                   help="catalogue CSV (default: data/links.csv)")
    p.add_argument("--store", type=Path, default=Path("data/metadata/arxiv.json"),
                   help="arXiv metadata store (default: data/metadata/arxiv.json)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    from .catalogue import CatalogueError
    from .files import LockedError
    from .metadata import MetadataError

    try:
        code: int = args.run(args)
    except (CatalogueError, MetadataError, LockedError, FileNotFoundError) as exc:
        _say(f"paperindex: error: {exc}")
        return EXIT_USAGE if isinstance(exc, FileNotFoundError) else EXIT_FAILED
    except KeyboardInterrupt:
        _say("paperindex: interrupted; files are as they were before the last write")
        return 130
    return code
