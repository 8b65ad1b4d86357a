#!/usr/bin/env python3
"""Time `paperindex build` on the shipped catalogue, beside the bare interpreter's start-up.

    python benchmarks/build_time.py [--runs 10]
    python benchmarks/build_time.py --steps DIR     # where build's time goes, in DIR

Runs each command `--runs` times in fresh processes (offline, output to a temporary folder) and
prints the best and median wall time, and the command's own CPU time (user + sys of the child).

`--steps DIR` runs build's steps in this process on the catalogue in DIR (`data/links.csv`,
`data/metadata`; e.g. a folder kept by `benchmarks/scale.py --keep`), with the command line's
collector settings, and prints each step's time: catalogue read (links, then mentions), keys,
metadata join, topic of each link, giant topics split, grouping, Markdown, BibTeX.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import ENV, PYCACHE  # beside this script

ROOT = Path(__file__).resolve().parents[1]


def measure(args: list[str], runs: int) -> tuple[float, float, float]:
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True, env=ENV)  # warm-up
    walls, cpus = [], []
    for _ in range(runs):
        before = os.times()
        start = time.perf_counter()
        subprocess.run(args, cwd=ROOT, check=True, capture_output=True, env=ENV)
        walls.append(time.perf_counter() - start)
        after = os.times()
        cpus.append(
            (after.children_user - before.children_user)
            + (after.children_system - before.children_system)
        )
    return min(walls), statistics.median(walls), statistics.median(cpus)


def steps(folder: Path) -> None:
    import gc

    gc.set_threshold(100_000, 50, 100)  # as `paperindex.cli.main`
    from paperindex import catalogue as cat
    from paperindex.catalogue.keys import assign_keys
    from paperindex.export import ExportContext, exporter
    from paperindex.export import readinglist as rl
    from paperindex.export import topics as tp
    from paperindex.export.view import infos_for

    catalogue, metadata = folder / "data" / "links.csv", folder / "data" / "metadata"
    times: dict[str, float] = {}
    start = time.perf_counter()

    def step(name: str) -> None:
        nonlocal start
        now = time.perf_counter()
        times[name] = now - start
        start = now

    cat.load(catalogue, mentions=False)
    step("catalogue read, links only")
    loaded = cat.load(catalogue, mentions=True)
    step("catalogue read with mentions")
    assign_keys(loaded.links)
    assign_keys(loaded.links, force=True)
    step("keys")
    infos = infos_for(loaded.links, metadata)
    step("metadata join (LinkInfo)")
    rules = tp.find_topics(catalogue)
    cache: dict[str, tp._Part] = {}
    [tp.topic_of(info, rules, cache) for info in infos]
    del cache
    alone = time.perf_counter() - start
    tp.assign(infos, rules)  # topics again, then the split
    assigned = time.perf_counter() - start - alone
    groups = rl.group(infos, rules)  # topics and split again, then the order
    grouped = time.perf_counter() - start - alone - assigned
    times["topic of each link"] = alone
    times["giant topics split"] = assigned - alone
    times["order within topics"] = grouped - assigned
    start = time.perf_counter()
    for _ in rl.markdown_parts(groups, catalogue.as_posix()):
        pass
    step("Markdown")
    for _ in exporter("bib").parts(infos, ExportContext()):
        pass
    step("BibTeX")
    print(f"{len(infos)} links in {folder}")
    for name, seconds in times.items():
        print(f"  {name:<34} {seconds:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--steps", type=Path, metavar="DIR", help="time build's steps in DIR")
    args = parser.parse_args()
    if args.steps is not None:
        steps(args.steps)
        return
    try:
        with tempfile.TemporaryDirectory() as out:
            rows = {
                "python -c pass": [sys.executable, "-c", "pass"],
                "paperindex --help": [sys.executable, "-m", "paperindex", "--help"],
                "paperindex build": [sys.executable, "-m", "paperindex", "build", "--out", out],
            }
            print(f"{'command':<20} {'best s':>8} {'median s':>9} {'cpu s':>7}")
            for name, command in rows.items():
                best, median, cpu = measure(command, args.runs)
                print(f"{name:<20} {best:8.3f} {median:9.3f} {cpu:7.3f}")
    finally:
        shutil.rmtree(PYCACHE, ignore_errors=True)


if __name__ == "__main__":
    main()
