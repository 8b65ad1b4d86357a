#!/usr/bin/env python3
"""A refresh of 1,000 GitHub repositories against the fake GitHub API, with GitHub's
unauthenticated budget of 60 requests an hour simulated on a fake clock.

    python benchmarks/refresh_github.py [--repos 1000] [--budget 60] [--owners 50]

The catalogue cites `--repos` repositories of `--owners` owners (every tenth has a CITATION.cff).
The fake API (`paperindex.testing.github`) counts the budget per hour of the fake clock, answers
403 when it is spent, and answers 304 to a matching `If-None-Match` at no cost.

1. the first run stops when the budget is spent, with the message the user sees;
2. hourly runs (the clock moves an hour, the budget is whole again) resume where the last one
   stopped, asking only for what is still missing, until every repository has a record;
3. a month later every record is stale: one run asks for all of them again, conditionally, and
   gets 304s that cost no budget, so 60 requests an hour are enough for 1,000 repositories.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from paperindex.api import update_catalogue
from paperindex.enrich import RefreshReport, SourceConfig, refresh
from paperindex.testing.github import FakeGitHub, repo_json
from paperindex.testing.network import loopback_only

CFF = """cff-version: 1.2.0
message: Cite this.
title: {name}
authors:
  - name: {owner}
date-released: 2023-04-05
"""


class Clock:
    """Fake time: moves only when the client sleeps or the benchmark says an hour has passed."""

    def __init__(self) -> None:
        self.t = 0.0
        self.start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t)

    def epoch(self) -> float:
        return self.now().timestamp()


def root_reason(report: RefreshReport) -> str:
    reasons = [r for r in report.total.failed.values() if not r.startswith("not asked")]
    return reasons[0] if reasons else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--budget", type=int, default=60)
    parser.add_argument("--owners", type=int, default=50)
    args = parser.parse_args()

    clock = Clock()
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeGitHub(budget=args.budget, clock=clock.epoch) as github,
    ):
        work = Path(tmp)
        names = [f"owner{n % args.owners}/repo-{n:04d}" for n in range(args.repos)]
        for n, name in enumerate(names):
            owner = name.split("/")[0]
            cff = CFF.format(name=name, owner=owner) if n % 10 == 0 else None
            github.add(repo_json(name, repo_id=n + 1, description=f"Repository {n}."), cff)
        for n in range(args.owners):
            github.add_user(f"owner{n}", f"Owner {n}", "Organization")
        notes = work / "notes.md"
        notes.write_text("".join(f"- https://github.com/{n}\n" for n in names), encoding="utf-8")
        update_catalogue([notes], work / "links.csv", work / "metadata")
        config = SourceConfig(
            base_url=github.url, urls={"raw": github.raw_url}, cache_dir=work / "cache",
            delay=0.0,
        )  # fmt: skip

        def run(**kw: object) -> tuple[RefreshReport, float, Counter[int]]:
            before = len(github.statuses)
            started = time.perf_counter()
            report = refresh(
                work / "links.csv", work / "metadata", sources=["github"],
                configs={"github": config}, clock=clock, **kw,  # type: ignore[arg-type]
            )  # fmt: skip
            return report, time.perf_counter() - started, Counter(github.statuses[before:])

        report, wall, statuses = run()
        total = report.total
        print(f"repositories: {args.repos} of {args.owners} owners; budget {args.budget}/hour")
        print(
            f"run 1: fetched {len(total.fetched)}, not fetched {len(total.failed)}; "
            f"API answers {dict(statuses)}; {wall:.2f} s wall"
        )
        print(f"  message: {root_reason(report)}")
        runs, fetched, walls = 1, len(total.fetched), wall
        while len(report.total.failed):
            clock.sleep(3600)  # an hour later (cron): the budget is whole again
            report, wall, statuses = run()
            runs += 1
            fetched += len(report.total.fetched)
            walls += wall
            if runs > 10 * args.repos:
                raise SystemExit("no progress")
        print(
            f"hourly runs until done: {runs} runs, {fetched} repositories fetched in all "
            f"(each once: {fetched == args.repos}), {walls:.2f} s wall in all"
        )
        clock.sleep(31 * 86400)  # a month later: every record is older than --max-age
        report, wall, statuses = run()
        total = report.total
        spent = sum(n for status, n in statuses.items() if status != 304)
        print(
            f"a month later, one run: {len(total.due)} due, {len(total.unchanged)} unchanged, "
            f"{len(total.failed)} failed; API answers {dict(statuses)} (repositories and "
            f"owners); budget spent {spent}; {wall:.2f} s wall"
        )


if __name__ == "__main__":
    with loopback_only() as refused:  # every service is a fake on 127.0.0.1
        main()
    if refused:
        raise SystemExit(f"the benchmark tried to leave the machine: {sorted(set(refused))}")
