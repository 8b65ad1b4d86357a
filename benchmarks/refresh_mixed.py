#!/usr/bin/env python3
"""A refresh of 2,000 mixed ids (arXiv, DOI, Semantic Scholar, OpenReview) against the fake
services: requests per source and wall time beside the politeness floor.

    python benchmarks/refresh_mixed.py [--arxiv 1300 --doi 300 --s2 350 --openreview 50]

Builds a catalogue citing that many arXiv papers, DOIs, Semantic Scholar pages and OpenReview
forums, serves every service from its fake in `paperindex.testing` on 127.0.0.1 (answering any
id with a synthetic record), and runs `refresh` twice with each source's real politeness:

* first run: every id is missing, so each source makes ceil(ids it serves / its batch size)
  requests (Semantic Scholar serves the arXiv, DOI and its own ids, 500 a request); the wall
  time is printed beside the politeness floor, the sum over sources of (requests - 1) x interval;
* second run on the fresh stores: 0 requests.

`PAPERINDEX_MAILTO` is set (Crossref's polite pool, 0.1 s); no `S2_API_KEY` (keyless, 3 s).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from paperindex.api import update_catalogue
from paperindex.enrich import SourceConfig, refresh
from paperindex.enrich.sources import source_class
from paperindex.testing import crossref as crf
from paperindex.testing import openreview as orf
from paperindex.testing import semanticscholar as s2f
from paperindex.testing.arxiv import serve as serve_arxiv
from paperindex.testing.network import loopback_only

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["arxiv", "semanticscholar", "crossref", "datacite", "openreview"]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--arxiv", type=int, default=1300)
    parser.add_argument("--doi", type=int, default=300)
    parser.add_argument("--s2", type=int, default=350)
    parser.add_argument("--openreview", type=int, default=50)
    parser.add_argument(
        "--feed", type=Path, default=ROOT.parent / "shared" / "reference" / "arxiv" / "feed.xml"
    )
    args = parser.parse_args()
    os.environ["PAPERINDEX_MAILTO"] = "benchmark@example.org"
    os.environ.pop("S2_API_KEY", None)
    lines = [f"- arXiv:2401.{n:05d}" for n in range(args.arxiv)]
    lines += [f"- https://doi.org/10.5555/bench.{n}" for n in range(args.doi)]
    lines += [f"- https://www.semanticscholar.org/paper/{s2f.sha(f'b{n}')}" for n in range(args.s2)]
    lines += [f"- https://openreview.net/forum?id=Bench{n:05d}" for n in range(args.openreview)]
    expected = {
        "arxiv": -(-args.arxiv // 100),
        "semanticscholar": -(-(args.arxiv + args.doi + args.s2) // 500),
        "crossref": args.doi,
        "datacite": 0,
        "openreview": args.openreview,
    }
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        work = Path(tmp)
        (work / "notes.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        update_catalogue([work / "notes.md"], work / "links.csv", work)
        servers: dict[str, Any] = {
            "arxiv": stack.enter_context(serve_arxiv(args.feed, synthesize=True)),
            "semanticscholar": stack.enter_context(s2f.serve(synthesize=True)),
            "crossref": stack.enter_context(crf.serve_crossref(synthesize=True)),
            "datacite": stack.enter_context(crf.serve_datacite(synthesize=True)),
            "openreview": stack.enter_context(orf.serve(synthesize=True)),
        }
        configs = {n: SourceConfig(base_url=s.url) for n, s in servers.items()}
        started = time.perf_counter()
        first = refresh(work / "links.csv", work, sources=SOURCES, configs=configs)
        wall = time.perf_counter() - started
        asked = {n: len(s.requests) for n, s in servers.items()}
        started = time.perf_counter()
        second = refresh(work / "links.csv", work, sources=SOURCES, configs=configs)
        wall2 = time.perf_counter() - started
        again = {n: len(s.requests) - asked[n] for n, s in servers.items()}
    total = len(lines)
    print(f"ids: {total} ({args.arxiv} arXiv, {args.doi} DOI, {args.s2} Semantic Scholar, "
          f"{args.openreview} OpenReview); failed {len(first.total.failed)}")  # fmt: skip
    print(f"{'source':16} {'requests':>8} {'expected':>8} {'interval':>8} {'floor':>8}")
    floor = 0.0
    for name in SOURCES:
        interval = source_class(name)(configs[name]).interval
        part = max(0, asked[name] - 1) * interval
        floor += part
        print(f"{name:16} {asked[name]:8} {expected[name]:8} {interval:7.1f}s {part:7.1f}s")
    print(
        f"first run:  {sum(asked.values())} requests, {wall:.1f} s wall; politeness floor "
        f"{floor:.1f} s; overhead {wall - floor:.2f} s ({wall / floor:.3f}x the floor)"
    )
    print(
        f"second run: {sum(again.values())} requests, {wall2:.2f} s wall "
        f"({len(second.total.due)} due on the fresh stores)"
    )


if __name__ == "__main__":
    with loopback_only() as refused:  # every service is a fake on 127.0.0.1
        main()
    if refused:
        raise SystemExit(f"the benchmark tried to leave the machine: {sorted(set(refused))}")
