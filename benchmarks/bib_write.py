"""Writing 10,000 entries: paperindex's `bib` beside bibtexparser's writer and a bare f-string.

    python benchmarks/bib_write.py [--entries 10000] [--repeat 3]

The entries are real-looking: the shipped catalogue's 34 links (arXiv papers with their authors,
venues and categories, repositories, datasets, posts, pages, CJK titles), cloned to 10,000 rows
with their own keys, identities and title variants, saved as a catalogue in a temporary folder
beside a copy of the shipped metadata.  One run prints, best of `--repeat`:

* `paperindex bib` as a user runs it: a fresh process, reading the catalogue and the stores;
* paperindex in-process: `bibtex(infos)` on the loaded links (encoding every field, checking
  every value, writing; its cache of encoded names cleared before each run), and the CSL-JSON
  and RIS exports of the same links;
* bibtexparser's writer alone on the same entries (fields already encoded by paperindex), with
  its in-place unparse stack (`default_unparse_stack(allow_inplace_modification=True)`, no copy
  of every block): building its Library and `write_string`, and `write_string` alone;
* a minimal f-string writer of the same entries (no alignment, no checks).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def make_catalogue(folder: Path, n: int) -> Path:
    """`n` links cloned from the shipped catalogue, with their metadata as curated columns."""
    from paperindex import catalogue as cat
    from paperindex.export.view import load_infos

    base = load_infos(ROOT / "data" / "links.csv", ROOT / "data" / "metadata")
    links = []
    for i in range(n):
        info = base[i % len(base)]
        link = info.link
        if link.source == "arxiv":
            ident = f"{2001 + (i // 90000) % 12:04d}.{i % 90000 + 10000:05d}"
            url = f"https://arxiv.org/abs/{ident}"
        else:
            ident = f"{link.id}-{i}"
            url = f"{link.url.rstrip('/')}-{i}"
        links.append(
            replace(
                link,
                key=f"{link.key}{i}",
                id=ident,
                url=url,
                title=f"{info.title} ({['part', 'Part', 'v'][i % 3]} {i})",
                authors="; ".join(info.authors),
                year=info.year,
                venue=info.venue,
                aliases=[],
            )
        )
    csv = folder / "links.csv"
    cat.save(cat.Catalogue(links=links), csv)
    shutil.copytree(ROOT / "data" / "metadata", folder / "metadata")
    return csv


def fstring(entries: list[tuple[tuple[str, list[tuple[str, str]]], str]]) -> str:
    return "".join(
        f"@{t}{{{k},\n" + ",\n".join(f"  {n} = {{{v}}}" for n, v in fields) + "\n}\n\n"
        for (t, fields), k in entries
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from bibtexparser import model
    from bibtexparser.entrypoint import write_string
    from bibtexparser.library import Library
    from bibtexparser.middlewares.parsestack import default_unparse_stack
    from bibtexparser.writer import BibtexFormat

    from paperindex.export.bibtex import BibOptions, _person_cached, bibtex, entry_fields
    from paperindex.export.csl import csl_json
    from paperindex.export.ris import ris
    from paperindex.export.view import load_infos

    with tempfile.TemporaryDirectory(prefix="paperindex-bib-") as tmp:
        folder = Path(tmp)
        csv = make_catalogue(folder, args.entries)
        infos = load_infos(csv, folder / "metadata")
        cli = [sys.executable, "-m", "paperindex", "bib", "--catalogue", str(csv)]
        cli += ["--metadata", str(folder / "metadata"), "-o", str(folder / "out.bib")]
        fresh = best(lambda: subprocess.run(cli, check=True, capture_output=True), args.repeat)

        def cold() -> str:  # as in a fresh process: no name encoded yet
            _person_cached.cache_clear()
            return bibtex(infos)

        in_process = best(cold, args.repeat)
        text = bibtex(infos)
        options = BibOptions()
        entries = [(entry_fields(i, options), i.link.key) for i in infos]

        def library() -> Library:
            lib = Library()
            for (entry_type, fields), key in entries:
                lib.add(model.Entry(entry_type, key, [model.Field(k, v) for k, v in fields]))
            return lib

        fmt = BibtexFormat()  # type: ignore[no-untyped-call]
        fmt.indent, fmt.value_column, fmt.block_separator = "  ", "auto", "\n"

        def write(lib: Library) -> str:
            stack = default_unparse_stack(allow_inplace_modification=True)
            out: str = write_string(lib, unparse_stack=stack, bibtex_format=fmt)
            return out

        libraries = [library() for _ in range(args.repeat)]  # in place: a fresh one each time
        write_only = best(lambda: write(libraries.pop()), args.repeat)
        build_write = best(lambda: write(library()), args.repeat)
        minimal = best(lambda: fstring(entries), args.repeat)
        csl = best(lambda: csl_json(infos), args.repeat)
        ris_time = best(lambda: ris(infos), args.repeat)
        assert text.endswith(write(library()))  # the same entries, the same layout

    rows = [
        ("paperindex bib, fresh process (CLI as a user runs it)", fresh),
        ("paperindex bibtex(infos), in-process", in_process),
        ("bibtexparser in-place writer: Library + write_string", build_write),
        ("bibtexparser in-place writer: write_string alone", write_only),
        ("minimal f-string writer", minimal),
        ("paperindex CSL-JSON, in-process", csl),
        ("paperindex RIS (rispy), in-process", ris_time),
    ]
    print(f"{args.entries:,} entries, best of {args.repeat} ({len(text) / 1e6:.1f} MB of .bib)")
    for label, seconds in rows:
        print(f"  {label:<56} {seconds:7.3f} s")
    print(
        f"  paperindex in-process / bibtexparser Library + write: {in_process / build_write:.2f}x; "
        f"/ write_string alone: {in_process / write_only:.2f}x; "
        f"/ f-string: {in_process / minimal:.1f}x"
    )


if __name__ == "__main__":
    main()
