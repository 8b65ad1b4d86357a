"""The GitHub source against the fake GitHub API on 127.0.0.1: repository facts, CITATION.cff,
renames, named failures, the request budget and conditional requests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperindex.enrich import FetchResult, SourceConfig, fetch
from paperindex.enrich.sources.github import GitHubSource, parse_cff
from paperindex.testing import Reset
from paperindex.testing.github import FakeGitHub, repo_json

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

CFF_PREFERRED = """cff-version: 1.2.0
message: If you use this software, please cite the paper.
title: example-repo
authors:
  - name: Example Org
date-released: 2024-02-03
preferred-citation:
  type: conference-paper
  title: A Test Paper
  authors:
    - given-names: Ada
      family-names: Example
    - given-names: Bob
      name-particle: van
      family-names: Example
  year: 2023
  doi: 10.1234/example.5678
  conference:
    name: Example Conference on Testing
"""
CFF_SOFTWARE = """cff-version: 1.2.0
message: Cite this software.
title: Example Tool
authors:
  - family-names: Example
    given-names: Carol
date-released: 2022-08-09
"""
CFF_INVALID = """cff-version: 1.2.0
message: Cite this.
title: Broken
authors:
  - family-names: Example
date-released: 2024-13-45
"""


class FakeClock:
    """Time stands still except when the client sleeps; `now` is also the fake's clock."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds

    def now(self) -> datetime:
        return NOW


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(budget=100, clock=NOW.timestamp) as server:
        server.add(
            repo_json("example-org/example-repo", description="Code for A Test Paper.",
                      license_spdx="MIT", created_at="2024-01-02T03:04:05Z"),
            CFF_PREFERRED,
        )  # fmt: skip
        server.add(
            repo_json(
                "carol/tool", owner_type="User", repo_id=2, created_at="2021-02-03T00:00:00Z"
            ),
            CFF_SOFTWARE,
        )
        server.add(
            repo_json("ada/plain", owner_type="User", repo_id=3, description="A plain repo.",
                      created_at="2020-05-06T00:00:00Z"),
        )  # fmt: skip
        server.add(repo_json("ada/broken", owner_type="User", repo_id=4), CFF_INVALID)
        server.add_user("ada", "Ada Example")
        server.add_user("carol", None)  # no display name set
        server.add_user("example-org", "Example Org", "Organization")
        yield server


def source(github: FakeGitHub, tmp_path: Path | None = None, **kw: object) -> GitHubSource:
    config = SourceConfig(
        base_url=github.url, urls={"raw": github.raw_url}, delay=0.0,
        cache_dir=tmp_path, backoff=0.01, **kw,  # type: ignore[arg-type]
    )  # fmt: skip
    return GitHubSource(config)


def run(src: GitHubSource, ids: list[str], clock: FakeClock | None = None) -> FetchResult:
    return fetch(src, ids, clock=clock or FakeClock())


def test_a_repository_with_a_preferred_citation_is_cited_as_that_work(github: FakeGitHub) -> None:
    src = source(github)
    result = run(src, ["example-org/example-repo"])
    record = result.records["example-org/example-repo"]
    facts = src.describe(record)
    assert facts.title == "A Test Paper"
    assert facts.authors == ("Ada Example", "Bob van Example")
    assert (facts.year, facts.doi) == ("2023", "10.1234/example.5678")
    assert facts.description == "Code for A Test Paper." and facts.license == "MIT"
    assert record.citation is not None and record.citation.preferred
    assert record.citation.venue == "Example Conference on Testing"
    requests = [(r.path, r.header("Accept")) for r in github.requests]
    assert requests[0] == ("/repos/example-org/example-repo", "application/vnd.github+json")
    assert requests[-1][0] == "/raw/example-org/example-repo/main/CITATION.cff"


def test_a_citation_file_without_a_preferred_citation_cites_the_software(
    github: FakeGitHub,
) -> None:
    src = source(github)
    facts = src.describe(run(src, ["carol/tool"]).records["carol/tool"])
    assert (facts.title, facts.authors, facts.year) == ("Example Tool", ("Carol Example",), "2022")


def test_without_a_citation_file_the_repository_facts_are_used(github: FakeGitHub) -> None:
    src = source(github)
    record = run(src, ["ada/plain"]).records["ada/plain"]
    facts = src.describe(record)
    assert (facts.title, facts.authors, facts.year) == ("plain", ("Ada Example",), "2020")
    assert record.citation is None and record.citation_problem is None
    assert (record.owner, record.owner_type, record.default_branch) == ("ada", "User", "main")


def test_an_invalid_citation_file_is_reported_and_the_repository_facts_are_used(
    github: FakeGitHub,
) -> None:
    src = source(github)
    record = run(src, ["ada/broken"]).records["ada/broken"]
    assert record.citation is None
    assert record.citation_problem is not None and "not valid CFF" in record.citation_problem
    assert "2024-13-45" in record.citation_problem
    assert src.describe(record).title == "broken"


def test_an_owner_without_a_display_name_is_cited_by_login(github: FakeGitHub) -> None:
    github.add(repo_json("carol/other", owner_type="User", repo_id=5))
    src = source(github)
    assert src.describe(run(src, ["carol/other"]).records["carol/other"]).authors == ("carol",)


def test_a_renamed_repository_is_followed_and_the_rename_recorded(github: FakeGitHub) -> None:
    github.rename("ada/old-name", "ada/plain")
    src = source(github)
    record = run(src, ["ada/old-name"]).records["ada/old-name"]
    assert (record.full_name, record.moved_from) == ("ada/plain", "ada/old-name")
    assert [r.path for r in github.requests][:2] == ["/repos/ada/old-name", "/repositories/3"]


def test_an_unknown_repository_is_a_named_failure(github: FakeGitHub) -> None:
    result = run(source(github), ["ada/missing", "ada/plain"])
    assert "no such repository on GitHub (404" in result.failures["ada/missing"]
    assert "ada/plain" in result.records  # the next one is still asked


def test_the_token_is_sent_when_set(github: FakeGitHub) -> None:
    run(source(github, api_key="ghp_example"), ["ada/plain"])
    assert github.requests[0].header("Authorization") == "Bearer ghp_example"
    run(source(github), ["ada/plain"])
    assert github.requests[-1].header("Authorization") is None


def test_a_spent_budget_stops_cleanly_and_says_when_it_resets(github: FakeGitHub) -> None:
    github.reset_budget(3)  # the plain repo, its owner, one more repository
    clock = FakeClock()
    result = run(source(github), ["ada/plain", "carol/tool", "example-org/example-repo"], clock)
    assert list(result.records) == ["ada/plain"]
    reason = result.failures["carol/tool"]
    assert "request budget spent; it resets at 13:00 UTC (in 60 min)" in reason
    assert "GITHUB_TOKEN" in reason and "left for the next run" in reason
    assert result.failures["example-org/example-repo"].startswith("not asked")
    assert clock.sleeps == []  # nothing waited an hour
    assert github.statuses == [200, 200, 200]  # and nothing was asked past the budget


def test_conditional_requests_answer_304_and_cost_no_budget(
    github: FakeGitHub, tmp_path: Path
) -> None:
    first = run(source(github, tmp_path), ["example-org/example-repo", "ada/plain"])
    spent = github.limit - github.remaining
    src = source(github, tmp_path)
    second = run(src, ["example-org/example-repo", "ada/plain"])
    assert github.limit - github.remaining == spent  # the second run cost nothing
    assert github.statuses[-4:] == [304, 304, 304, 304]  # repos and users
    for ident, record in second.records.items():
        assert record.same_content(first.records[ident])


def test_an_unreachable_api_fails_at_once_without_retries(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clock = FakeClock()
    src = GitHubSource(SourceConfig(base_url=f"http://127.0.0.1:{port}", delay=0.0))
    result = run(src, ["ada/plain", "carol/tool"], clock)
    assert result.requests == 1 and clock.sleeps == []
    assert result.failures["ada/plain"].startswith("network unreachable (connection refused)")
    assert result.failures["carol/tool"].startswith("not asked")


def test_a_reset_connection_is_still_retried(github: FakeGitHub) -> None:
    github.inject(Reset())
    result = run(source(github), ["ada/plain"])
    assert "ada/plain" in result.records and github.statuses[0] == 200


def test_parse_cff_refuses_what_is_not_cff() -> None:
    for text in ("just text", "title: no version\n", CFF_INVALID):
        with pytest.raises(ValueError):
            parse_cff(text)
