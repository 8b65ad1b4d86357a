#!/usr/bin/env python3
"""Time `paperindex build` on the shipped catalogue, beside the bare interpreter's start-up.

    python benchmarks/build_time.py [--runs 10]

Runs each command `--runs` times in fresh processes (offline, output to a temporary folder) and
prints the best and median wall time, and the command's own CPU time (user + sys of the child).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(args: list[str], runs: int) -> tuple[float, float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        before = os.times()
        start = time.perf_counter()
        subprocess.run(args, cwd=ROOT, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = os.times()
        cpus.append(
            (after.children_user - before.children_user)
            + (after.children_system - before.children_system)
        )
    return min(walls), statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
