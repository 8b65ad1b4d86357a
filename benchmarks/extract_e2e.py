#!/usr/bin/env python3
"""`paperindex extract` end to end, as a user runs it, beside linkify-it-py and urlextract.

    pip install -e '.[bench]'
    python benchmarks/extract_e2e.py [--notes ../shared/corpus/research-notes.md] [--mb 20]
        [--repeat 3] [--no-urlextract]

Two corpora of at least `--mb` MB, each one file: the notes repeated ("repeated": every URL
recurs, as cited links do), and the same with every cited URL made unique in each copy (a digit
run changed, or a suffix added: "unique": no cache helps).  On each, in fresh processes timed from
the outside (wall time, best of `--repeat`, and peak RSS):

* `paperindex extract FILE` into a new catalogue (the command a user types: start-up, reading,
  decoding, scanning, identity, merge, keys, writing the catalogue and its mentions);
* linkify-it-py with fuzzy links off (`fuzzy_link: False`: only links with a scheme or `www.`,
  as paperindex finds them), and with its defaults; urlextract (`limit=None`): each a Python
  process that imports the library, reads the file and returns every match.

Beside them, a floor: the least any Python program doing extract's job can take (read, find
the URLs with one C regex, write one CSV row per distinct URL and per citation; nothing else),
against the 10x goal's budget.

Then where paperindex's time goes (the steps of `update_catalogue` timed in a fresh process:
imports, reading and scanning, merge, derived columns, keys, save), and, separately, its scanner
alone in this process (`extract_text` on the text in memory, best of `--repeat`): the figure
earlier READMEs reported.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _measure import PYCACHE, STAGE_TIMER, spawn  # beside this script

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "paperindex"

LINKIFY = """
import sys
from linkify_it import LinkifyIt
text = open(sys.argv[1], encoding="utf-8").read()
linkify = LinkifyIt()
if sys.argv[2] == "off":
    linkify.set({"fuzzy_link": False})
print(len(linkify.match(text) or []))
"""
URLEXTRACT = """
import sys
from urlextract import URLExtract
text = open(sys.argv[1], encoding="utf-8").read()
print(len(URLExtract(limit=None).find_urls(text)))
"""
FLOOR = """
import csv, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
urls = re.findall(r"https?://[!-~]+", text)  # one pass at C speed; no boundary rules
seen = dict.fromkeys(urls)
with open(sys.argv[2] + ".links", "w", newline="") as f:
    csv.writer(f).writerows((u, "", "", "", "") for u in seen)
with open(sys.argv[2] + ".mentions", "w", newline="") as f:
    csv.writer(f).writerows((u, "note.md", 1, "") for u in urls)
print(len(urls))
"""
STAGES = (
    """
import gc, sys, time
t0 = time.perf_counter()
from pathlib import Path
import paperindex.cli
from paperindex import catalogue as cat
from paperindex.catalogue.keys import assign_keys
from paperindex.enrich.derive import derive_all
from paperindex.enrich.metadata import Metadata
from paperindex.extract import extract_paths
from paperindex.files import locked
"""
    + STAGE_TIMER
    + """path = Path(sys.argv[2])
with locked(path):
    stage("lock")
    result = extract_paths([sys.argv[1]])
    stage("read + scan")
    scanned = [f.path for f in result.files if not f.skipped]
    catalogue = cat.load(path, mentions=scanned, migrate=True)
    known = Metadata.load(path.parent / "metadata", present_only=True)
    stage("load")
    summary = cat.merge(catalogue, result.citations, scanned)
    stage("merge")
    derive_all(catalogue.links, known)
    stage("derive")
    assign_keys(catalogue.links)
    stage("keys")
    cat.save(catalogue, path)
    stage("save")
print(" ".join(f"{k}={v:.3f}" for k, v in times.items()))
"""
)
_DIGITS = re.compile(r"\d{4,}")


@dataclass
class Run:
    seconds: float
    rss_mb: float
    out: str


def run(args: list[str], cwd: Path) -> Run:
    """`args` in a fresh process: wall time, its peak RSS, what it printed (it must succeed)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        status, rss_mb = spawn(args, cwd, out, err)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        said = out.read().decode("utf-8", "replace") + err.read().decode("utf-8", "replace")
    if status != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{said}")
    return Run(seconds, rss_mb, said)


def best(args: list[str], cwd: Path, repeat: int, before: object = None) -> Run:
    runs = []
    for _ in range(repeat):
        if callable(before):
            before()
        runs.append(run(args, cwd))
    return min(runs, key=lambda r: r.seconds)


def variant(url: str, copy: int) -> str:
    """`url` made unique to copy number `copy`: its last run of 4+ digits shifted, or `-copy`
    added to it (the same change for every way one copy cites one thing)."""
    runs = list(_DIGITS.finditer(url))
    if runs:
        m = runs[-1]
        digits = m.group()
        shifted = f"{(int(digits) + copy) % 10 ** len(digits):0{len(digits)}d}"
        return url[: m.start()] + shifted + url[m.end() :]
    return f"{url}-{copy}"


def corpora(notes: str, mb: float) -> tuple[str, str]:
    """(repeated, unique): the notes repeated to at least `mb` MB, and the same with every cited
    URL (not the bare identifiers) unique to its copy."""
    from paperindex.extract import extract_text

    copies = int(mb * 1e6 // len(notes.encode("utf-8"))) + 1
    repeated = "\n".join([notes] * copies)
    spans: list[tuple[int, int, str]] = []
    offsets = [0]
    for line in notes.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    for c in extract_text(notes):
        cited = c.mention.cited
        if not cited.startswith(("http://", "https://", "www.")):
            continue
        start = notes.find(cited, offsets[c.mention.line - 1])
        spans.append((start, start + len(cited), cited))
    spans = sorted(set(spans))
    parts = []
    for copy in range(copies):
        pos = 0
        for start, end, cited in spans:
            parts.append(notes[pos:start])
            parts.append(variant(cited, copy))
            pos = end
        parts.append(notes[pos:])
        parts.append("\n")
    return repeated, "".join(parts)[:-1]


def in_process(text: str, repeat: int) -> tuple[float, int, float, int]:
    """The scanner alone on `text` (seconds, citations), and the canonical identity of each
    distinct URL cited (seconds, URLs), best of `repeat`, in this process."""
    from paperindex import identity
    from paperindex.extract import decorations, extract_text

    best_seconds, found = float("inf"), 0
    urls: list[str] = []
    for _ in range(repeat):
        identity.identify.cache_clear()  # as in a fresh process
        decorations.is_decoration.cache_clear()
        start = time.perf_counter()
        citations = extract_text(text)
        best_seconds = min(best_seconds, time.perf_counter() - start)
        found = len(citations)
        urls = list(dict.fromkeys(c.mention.cited for c in citations if "://" in c.mention.cited))
    best_identity = float("inf")
    for _ in range(repeat):
        identity.identify.cache_clear()
        start = time.perf_counter()
        for url in urls:
            identity.identify(url)
        best_identity = min(best_identity, time.perf_counter() - start)
    return best_seconds, found, best_identity, len(urls)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--notes", type=Path, default=ROOT.parent / "shared" / "corpus" / "research-notes.md"
    )
    parser.add_argument("--mb", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-urlextract", action="store_true", help="skip it (slow)")
    args = parser.parse_args()
    notes = args.notes.read_text(encoding="utf-8")
    work = Path(tempfile.mkdtemp(prefix="paperindex-e2e-"))
    try:
        warm = work / "warm"
        warm.mkdir()
        (warm / "note.md").write_text(notes[:2000], encoding="utf-8")
        run([str(BIN), "extract", "note.md"], warm)  # fills the bytecode cache (see ENV)
        repeated, unique = corpora(notes, args.mb)
        for name, text in (("repeated", repeated), ("unique", unique)):
            path = work / f"{name}.md"
            path.write_text(text, encoding="utf-8")
            size = path.stat().st_size / 1e6
            urls = len(set(re.findall(r"https?://[^\s，。）)（】“”、]+", text)))
            print(f"\n{name}: {args.notes.name} x {text.count(notes[:40])} = {size:.1f} MB, "
                  f"about {urls:,} distinct URLs")  # fmt: skip
            catalogue = work / "cat"
            rows: dict[str, Run] = {}
            rows["paperindex extract"] = best(
                [str(BIN), "extract", str(path), "--catalogue", str(catalogue / "links.csv"),
                 "--metadata", str(catalogue / "metadata")],
                work, args.repeat, lambda: shutil.rmtree(catalogue, ignore_errors=True),  # noqa: B023
            )  # fmt: skip
            found = re.search(r"(\d+) citation\(s\)", rows["paperindex extract"].out)
            linkify = [sys.executable, "-c", LINKIFY, str(path)]
            rows["linkify-it-py, fuzzy links off"] = best([*linkify, "off"], work, args.repeat)
            rows["linkify-it-py, defaults"] = best([*linkify, "on"], work, args.repeat)
            if not args.no_urlextract:
                urlextract = [sys.executable, "-c", URLEXTRACT, str(path)]
                rows["urlextract"] = best(urlextract, work, 1)
            rows["floor (see below)"] = best(
                [sys.executable, "-c", FLOOR, str(path), str(work / "floor")], work, args.repeat
            )
            base = rows["linkify-it-py, fuzzy links off"].seconds
            print(f"| {name}, fresh processes | seconds | MB/s | peak RSS | vs linkify (fuzzy off) "
                  "| matches |")  # fmt: skip
            print("|---|---|---|---|---|---|")
            for tool, r in rows.items():
                matches = (
                    found.group(1) if tool.startswith("paperindex") and found else r.out.strip()
                )
                print(f"| {tool} | {r.seconds:.2f} | {size / r.seconds:.1f} | {r.rss_mb:.0f} MB | "
                      f"{base / r.seconds:.1f}x | {matches} |")  # fmt: skip
            floor = rows["floor (see below)"].seconds
            print(f"10x linkify-it-py (fuzzy off) is {base / 10:.3f} s.  The floor is a lower "
                  "bound for any Python program that does what extract must: read the file, find "
                  "the URLs (one C regex, no boundary rules), one row per distinct URL and one "
                  "per citation (csv module); no imports, lock, identity, excerpts, keys, fsync: "
                  f"{floor:.3f} s, {floor / (base / 10):.0%} of that budget.")  # fmt: skip
            stages = best(
                [sys.executable, "-c", STAGES, str(path), str(catalogue / "links.csv")],
                work, args.repeat, lambda: shutil.rmtree(catalogue, ignore_errors=True),  # noqa: B023
            )  # fmt: skip
            print(f"where the time goes (a fresh process, the steps of update_catalogue, seconds): "
                  f"{stages.out.strip()}")  # fmt: skip
            seconds, citations, identities, urls = in_process(text, args.repeat)
            print(f"scanner alone, in process (extract_text): {seconds:.2f} s, "
                  f"{size / seconds:.1f} MB/s, {citations} citations")  # fmt: skip
            print(f"canonical identity of the {urls:,} distinct URLs, in process "
                  f"(identity.identify, its cache cleared): {identities:.3f} s")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(PYCACHE, ignore_errors=True)


if __name__ == "__main__":
    main()
