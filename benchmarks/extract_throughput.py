#!/usr/bin/env python3
"""Extraction throughput and exactness: paperindex beside urlextract and linkify-it-py.

    pip install -e '.[bench]'
    python benchmarks/extract_throughput.py [--notes ../shared/corpus/research-notes.md] [--mb 20]
        [--tools paperindex,file]

Builds a corpus of at least `--mb` MB by repeating the notes, times each tool on the same text in
the same run (best of `--repeat`), and scores each on the acceptance corpus against the cited
strings recorded in data/links.csv (whose identities the tests check against the team's
reference data): how many of the 34 cited URLs each tool returns exactly, and how many of its
matches carry stray characters (glued CJK text or punctuation) or are not links at all.
The `file` row is paperindex on the corpus saved as a UTF-8 file (`extract_paths`: reading,
decoding, binary check and scanning).  Every figure here is in process, and linkify-it-py runs with
its defaults (fuzzy links on, its slowest mode): the command a user runs, against linkify-it-py
with fuzzy links off too, is measured by `benchmarks/extract_e2e.py`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _paperindex() -> Callable[[str], list[str]]:
    from paperindex.extract import extract_text

    return lambda text: [c.mention.cited for c in extract_text(text)]


def _urlextract() -> Callable[[str], list[str]]:
    from urlextract import URLExtract

    extractor = URLExtract(limit=None)  # no cap on matches per text
    return lambda text: [str(u) for u in extractor.find_urls(text)]


def _linkify() -> Callable[[str], list[str]]:
    from linkify_it import LinkifyIt

    linkify = LinkifyIt()
    return lambda text: [m.raw for m in (linkify.match(text) or [])]


def _paperindex_uncached() -> Callable[[str], list[str]]:
    """paperindex with its per-URL identity cache off: the corpus repeats every URL, which
    flatters the cache; this row shows the cost when no URL repeats."""
    from paperindex import identity
    from paperindex.extract import scanner

    extract_text = _paperindex()
    cached = identity.identify
    uncached = cached.__wrapped__

    def run(text: str) -> list[str]:
        scanner.identify = uncached  # type: ignore[attr-defined,assignment]
        try:
            return extract_text(text)
        finally:
            scanner.identify = cached  # type: ignore[attr-defined]

    return run


class _FromFile:
    """paperindex on the same text read from a file: `extract_paths`, as the CLI runs it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[str, Path] = {}

    def prepare(self, text: str) -> None:
        """Write `text` to its file (not timed)."""
        path = self.folder / f"notes-{len(self.files)}.md"
        path.write_text(text, encoding="utf-8")
        self.files[text] = path

    def __call__(self, text: str) -> list[str]:
        from paperindex.extract import extract_paths

        if text not in self.files:
            self.prepare(text)
        return [c.mention.cited for c in extract_paths([self.files[text]]).citations]


TOOLS: dict[str, Callable[[], Callable[[str], list[str]]]] = {
    "paperindex": _paperindex,
    "(no URL cache)": _paperindex_uncached,
    "urlextract": _urlextract,
    "linkify-it-py": _linkify,
}


def best_time(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def gold_urls(catalogue: Path) -> set[str]:
    from paperindex import catalogue as cat

    return {
        m.cited
        for link in cat.load(catalogue).links
        for m in link.mentions
        if m.cited.startswith(("http://", "https://"))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--notes", type=Path, default=ROOT.parent / "shared" / "corpus" / "research-notes.md"
    )
    parser.add_argument("--catalogue", type=Path, default=ROOT / "data/links.csv")
    parser.add_argument("--mb", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--tools",
        default="paperindex,nocache,file,urlextract,linkify",
        help="comma-separated subset of: paperindex,nocache,file,urlextract,linkify",
    )
    args = parser.parse_args()
    wanted = set(args.tools.split(","))
    aliases = {"nocache": "(no URL cache)", "linkify": "linkify-it-py", "file": "(from a file)"}
    folder = tempfile.TemporaryDirectory()
    tools = dict(TOOLS)
    tools["(from a file)"] = lambda: _FromFile(Path(folder.name))
    order = ["paperindex", "(no URL cache)", "(from a file)", "urlextract", "linkify-it-py"]
    chosen = [n for n in order if n in {aliases.get(w, w) for w in wanted}]

    notes = args.notes.read_text(encoding="utf-8")
    copies = int(args.mb * 1e6 // len(notes.encode("utf-8"))) + 1
    big = "\n".join([notes] * copies)
    size_mb = len(big.encode("utf-8")) / 1e6
    gold = gold_urls(args.catalogue)
    print(
        f"corpus: {args.notes.name} x {copies} = {size_mb:.1f} MB; "
        f"{len(gold)} distinct cited URLs in the acceptance corpus"
    )
    print(
        f"{'tool':<14} {'MB/s':>8} {'seconds':>8} {'exact':>7} {'stray':>6}  "
        "examples of stray matches"
    )

    rows = {}
    for name in chosen:
        try:
            extract = tools[name]()
        except ImportError:
            print(f"{name:<14} not installed (pip install -e '.[bench]')")
            continue
        if isinstance(extract, _FromFile):
            extract.prepare(big)
        seconds = best_time(lambda: extract(big), args.repeat)  # noqa: B023 - called at once
        found = extract(notes)
        exact = len(gold & set(found))
        stray = sorted({u for u in found if u not in gold})
        rows[name] = size_mb / seconds
        examples = "; ".join(s if len(s) < 60 else s[:57] + "..." for s in stray[:2])
        print(
            f"{name:<14} {size_mb / seconds:8.2f} {seconds:8.2f} {exact:>4}/{len(gold)} "
            f"{len(stray):>6}  {examples}"
        )
    for ours in ("paperindex", "(no URL cache)", "(from a file)"):
        for name in ("urlextract", "linkify-it-py"):
            if ours in rows and name in rows:
                print(f"{ours} is {rows[ours] / rows[name]:.1f}x the speed of {name} (in process;"
                      " linkify-it-py's defaults; see extract_e2e.py for the CLI)")  # fmt: skip


if __name__ == "__main__":
    main()
