#!/usr/bin/env python3
"""How fast `build` could be on this machine: its work, phase by phase, and a lower bound.

    python benchmarks/build_bound.py [--links 100000] [--best-of 3] [--keep DIR]

The notes are `benchmarks/scale.py`'s (N unique links, about 1.5 N citations); `paperindex
extract` makes the catalogue.  Then, each in fresh processes, best of `--best-of`:

* `paperindex build` as a user runs it (its helpers on the second core): wall time and CPU
  time (user + system, helpers included);
* the same in one process (a second thread keeps helpers from forking: `files.can_fork`);
* build's work phase by phase, in one process: its imports, reading the links (and
  keys), the export views and topic rules, the .bib, reading the mentions, each link's topic,
  the giant-topic splits (`assign` less the topics), and the Markdown (the reading list's
  grouping less `assign`, and its rendering).

From the phases, a lower bound for any schedule of this work on two cores: the imports, the links
and the views come first, on one core (everything else needs them); the mentions are read on
one core while the other can only make the .bib (nothing else is ready); everything after is
shared perfectly, with no cost for sharing.  Writing the files is left out (it only raises the
bound).  Beside it, what sharing cost in the measured build: its CPU time less the one-process
build's (page copies after each fork, the work a helper repeats).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _measure import ENV, PYCACHE, STAGE_TIMER  # beside this script
from scale import write_notes  # beside this script

BIN = Path(sys.executable).parent / "paperindex"
ONE_PROCESS = """
import sys, threading
threading.Thread(target=threading.Event().wait, daemon=True).start()  # helpers off
from paperindex.cli import main
sys.exit(main(sys.argv[1:]))
"""
PHASES = (
    """
import gc, json, sys, threading, time
t0 = time.perf_counter()
threading.Thread(target=threading.Event().wait, daemon=True).start()  # helpers off
from pathlib import Path
from paperindex import api, catalogue as cat
from paperindex.export import ExportContext, exporter
from paperindex.export.topics import assign, topic_of
from paperindex.export.view import infos_for
"""
    + STAGE_TIMER
    + """
path = Path("data/links.csv")
later = cat.LaterMentions()
catalogue, _ = api._keyed(path, True, later)
stage("links")
infos = infos_for(catalogue.links, Path("data/metadata"))
rules = api._rules(path, None)
context = ExportContext(path.as_posix(), rules)
stage("views")
for _ in exporter("bib").parts(infos, context):
    pass
stage("bib")
later.read()
stage("mentions")
cache = {}
for info in infos:
    topic_of(info, rules, cache)
stage("topics")
assign(infos, rules)
stage("assign")
for _ in exporter("md").parts(infos, context):
    pass
stage("markdown")
print(json.dumps(times))
"""
)


@dataclass
class Run:
    wall: float
    cpu: float


def run(args: list[str], cwd: Path) -> tuple[Run, str]:
    """`args` in a fresh process: wall time, CPU time (user + system, of it and the helpers it
    waited for), what it printed (it must succeed)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=err, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        said = out.read().decode("utf-8", "replace")
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(args)} failed:\n{said}{err.read().decode()}")
    return Run(wall, usage.ru_utime + usage.ru_stime), said


def best(args: list[str], cwd: Path, repeat: int) -> tuple[Run, str]:
    return min((run(args, cwd) for _ in range(repeat)), key=lambda r: r[0].wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--best-of", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="make the notes and catalogue here")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="paperindex-bound-"))
    try:
        mb = write_notes(args.links, work / "notes") / 1e6
        shutil.rmtree(work / "data", ignore_errors=True)
        run([str(BIN), "extract", "notes"], work)
        build = [str(BIN), "build", "--out", "out"]
        run(build, work)  # fills the bytecode cache (see ENV)
        print(f"{args.links:,} links, {mb:.1f} MB of notes; best of {args.best_of}")
        shared, _ = best(build, work, args.best_of)
        alone, _ = best([sys.executable, "-c", ONE_PROCESS, *build[1:]], work, args.best_of)
        phases = min(
            (json.loads(run([sys.executable, "-c", PHASES], work)[1]) for _ in range(args.best_of)),
            key=lambda p: sum(p.values()),
        )
        split = phases["assign"] - phases["topics"]
        markdown = phases["markdown"] - phases["assign"]
        print("\nphases, one process (seconds):")
        for name, seconds in [*phases.items()]:
            shown = {"assign": ("giant-topic splits", split), "markdown": ("markdown", markdown)}
            label, value = shown.get(name, (name, seconds))
            print(f"  {label:<20} {value:6.2f}")
        first = phases["imports"] + phases["links"] + phases["views"]
        mentions, bib = phases["mentions"], phases["bib"]
        rest = phases["topics"] + split + markdown + max(0.0, bib - mentions)
        bound = first + mentions + rest / 2
        tax = shared.cpu - alone.cpu
        print("\n| build | wall | CPU (user + system) |\n|---|---|---|")
        print(f"| one process | {alone.wall:.2f} s | {alone.cpu:.2f} s |")
        print(f"| with helpers (as shipped) | {shared.wall:.2f} s | {shared.cpu:.2f} s |")
        print(f"\nlower bound on two cores, sharing free: {first:.2f} (imports, links, views) "
              f"+ {mentions:.2f} (mentions; the .bib meanwhile) + {rest:.2f} / 2 (the rest) "
              f"= {bound:.2f} s")  # fmt: skip
        print(f"measured: {shared.wall:.2f} s; sharing cost {tax:.2f} s of CPU in this run "
              "(page copies after each fork, work a helper repeats)")  # fmt: skip
    finally:
        shutil.rmtree(PYCACHE, ignore_errors=True)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
