#!/usr/bin/env python3
"""A refresh of 1,000 arXiv ids against the local fake API: requests made and wall time.

    python benchmarks/refresh_requests.py [--ids 1000] [--delay 3]

Builds a catalogue citing `--ids` new-style ids, serves the team's reference feed from the fake
arXiv API (`paperindex.testing.arxiv`) on 127.0.0.1 (answering unknown ids with clones of a
reference entry), and runs `refresh` twice with arXiv's real politeness (3 s between requests):

* first run: every id is missing, so ceil(ids / 100) requests; the wall time is printed beside
  the politeness floor, (requests - 1) x delay, measured in the same run;
* second run on the fresh store: nothing is due, so 0 requests.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from paperindex.api import update_catalogue
from paperindex.enrich import SourceConfig, refresh
from paperindex.testing.arxiv import serve
from paperindex.testing.network import loopback_only

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=3.0)
    parser.add_argument(
        "--feed", type=Path, default=ROOT.parent / "shared" / "reference" / "arxiv" / "feed.xml"
    )
    args = parser.parse_args()

    # arXiv only (Semantic Scholar also takes arXiv ids), and nothing may leave the machine.
    with tempfile.TemporaryDirectory() as tmp, loopback_only() as refused:
        work = Path(tmp)
        notes = work / "notes.md"
        notes.write_text(
            "".join(f"- arXiv:2401.{n:05d}\n" for n in range(args.ids)), encoding="utf-8"
        )
        update_catalogue([notes], work / "links.csv", work)
        with serve(args.feed, synthesize=True) as server:
            configs = {"arxiv": SourceConfig(base_url=server.url, delay=args.delay)}
            started = time.perf_counter()
            first = refresh(work / "links.csv", work, sources=["arxiv"], configs=configs)
            wall = time.perf_counter() - started
            requests_first = len(server.requests)
            started = time.perf_counter()
            second = refresh(work / "links.csv", work, sources=["arxiv"], configs=configs)
            wall2 = time.perf_counter() - started
            requests_second = len(server.requests) - requests_first
    if refused:
        raise SystemExit(f"the benchmark tried to leave the machine: {sorted(set(refused))}")
    floor = max(0, requests_first - 1) * args.delay
    print(f"ids: {args.ids}; fetched {len(first.total.fetched)}, failed {len(first.total.failed)}")
    print(
        f"first run:  {requests_first} requests (expected {-(-args.ids // 100)}), "
        f"{wall:.1f} s wall; politeness floor {floor:.1f} s "
        f"({requests_first} requests, {args.delay:g} s apart); overhead {wall - floor:.2f} s "
        f"({wall / floor if floor else float('nan'):.3f}x the floor)"
    )
    print(
        f"second run: {requests_second} requests, {wall2:.2f} s wall "
        f"({len(second.total.due)} due on the fresh store)"
    )


if __name__ == "__main__":
    main()
