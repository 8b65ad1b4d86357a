"""End to end: notes citing repositories, models, datasets, videos, posts and pages, refreshed
against the fake services on 127.0.0.1, then exported; curated columns; no network at all."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from paperindex import catalogue as cat
from paperindex.api import reading_list, update_catalogue, write_bibtex
from paperindex.cli import main
from paperindex.enrich import SourceConfig, refresh
from paperindex.model import Link
from paperindex.net.guard import GuardPolicy
from paperindex.testing import Respond, Response
from paperindex.testing.github import FakeGitHub, repo_json
from paperindex.testing.media import (
    FakeBilibili,
    FakeHub,
    FakeTwitter,
    FakeWeb,
    FakeYouTube,
    hub_json,
)

from .conftest import ROOT

PAGES = ROOT / "tests" / "fixtures" / "pages"
VIDEO = "AAAAAAAAAAA"
STATUS = "1790000000000000001"
CFF = """cff-version: 1.2.0
message: Please cite the paper.
title: example-repo
authors:
  - name: Example Org
preferred-citation:
  type: article
  title: A Test Paper
  authors:
    - given-names: Ada
      family-names: Example
  year: 2023
"""


@dataclass
class Services:
    github: FakeGitHub
    hub: FakeHub
    youtube: FakeYouTube
    bilibili: FakeBilibili
    twitter: FakeTwitter
    web: FakeWeb

    def configs(self, cache: Path) -> dict[str, SourceConfig]:
        return {
            "github": SourceConfig(
                base_url=self.github.url,
                urls={"raw": self.github.raw_url},
                cache_dir=cache,
                delay=0.0,
            ),
            "huggingface": SourceConfig(base_url=self.hub.url, delay=0.0),
            "youtube": SourceConfig(base_url=self.youtube.url, delay=0.0),
            "bilibili": SourceConfig(
                base_url=self.bilibili.url, urls={"short": self.bilibili.short_url}, delay=0.0
            ),
            "twitter": SourceConfig(base_url=self.twitter.url, delay=0.0),
            "webpage": SourceConfig(base_url="", page_policy=GuardPolicy.for_tests()),
        }


@pytest.fixture
def services() -> Iterator[Services]:
    with (
        FakeGitHub(budget=1000) as github,
        FakeHub() as hub,
        FakeYouTube() as youtube,
        FakeBilibili() as bilibili,
        FakeTwitter() as twitter,
        FakeWeb() as web,
    ):
        github.add(repo_json("example-org/example-repo", created_at="2024-01-02T03:04:05Z"), CFF)
        github.add(
            repo_json("ada/plain", owner_type="User", repo_id=2, created_at="2020-05-06T07:08:09Z",
                      description="A plain repository."),
        )  # fmt: skip
        github.add_user("ada", "Ada Example")
        github.add_user("example-org", "Example Org", "Organization")
        hub.add("models", hub_json("example-org/example-model",
                                   createdAt="2022-02-02T00:00:00.000Z"))  # fmt: skip
        hub.add("datasets", hub_json("example-corpus/example-corpus",
                                     createdAt="2021-03-04T00:00:00.000Z",
                                     cardData={"pretty_name": "Example Corpus"}),
                "example-corpus")  # fmt: skip
        youtube.add(VIDEO, "A Test Video", "Video Example", "2019-04-05T06:07:08-07:00")
        bilibili.add("BV17x411w7KC", 170001, "一个测试视频", "示例UP主", 1714964645)
        twitter.add(STATUS, "adaexample", "Ada Example", "Announcing A Test Paper.", "May 6, 2024")
        web.page("/blog/scaling", (PAGES / "blogpost.html").read_bytes())
        web.page("/docs/moe", (PAGES / "title_only.html").read_bytes())
        web.page("/paper", (PAGES / "citation.html").read_bytes())
        yield Services(github, hub, youtube, bilibili, twitter, web)


def notes_for(services: Services) -> str:
    web = services.web
    return f"""# Reading
- repo with a citation file https://github.com/example-org/example-repo
- repo without https://github.com/ada/plain/tree/main/src
- model https://huggingface.co/example-org/example-model
- legacy dataset https://huggingface.co/datasets/example-corpus
- talk https://www.youtube.com/watch?v={VIDEO}&t=42s
- same talk https://youtu.be/{VIDEO}?si=abc
- same talk again https://www.youtube.com/shorts/{VIDEO}
- B站 https://www.bilibili.com/video/av170001
- post https://x.com/adaexample/status/{STATUS}?s=20
- blog {web.url_for("/blog/scaling")}
- docs {web.url_for("/docs/moe")}
- paper page {web.url_for("/paper")}
"""


def by_url(links: list[Link]) -> dict[str, Link]:
    return {lk.url: lk for lk in links}


def test_every_kind_gets_title_authors_and_year_from_its_source(
    services: Services, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text(notes_for(services), encoding="utf-8")
    csv, meta = tmp_path / "links.csv", tmp_path / "metadata"
    update_catalogue([notes], csv, meta)
    report = refresh(csv, meta, configs=services.configs(tmp_path / "cache"))
    assert report.ok, {n: r.failed for n, r in report.sources.items() if r.failed}
    web = services.web
    rows = {
        url: (lk.kind.value, lk.auto_title, lk.auto_authors, lk.auto_year)
        for url, lk in by_url(cat.load(csv).links).items()
    }
    assert rows == {
        "https://github.com/example-org/example-repo": ("code", "A Test Paper", "Ada Example", "2023"),
        "https://github.com/ada/plain": ("code", "plain", "Ada Example", "2020"),
        "https://huggingface.co/example-org/example-model": ("model", "example-model", "example-org", "2022"),
        "https://huggingface.co/datasets/example-corpus": ("dataset", "Example Corpus", "example-corpus", "2021"),
        f"https://www.youtube.com/watch?v={VIDEO}": ("video", "A Test Video", "Video Example", "2019"),
        "https://www.bilibili.com/video/BV17x411w7KC": ("video", "一个测试视频", "示例UP主", "2024"),
        f"https://x.com/adaexample/status/{STATUS}": ("post", "Announcing A Test Paper.", "Ada Example", "2024"),
        web.url_for("/blog/scaling"): ("article", "Scaling Examples: What We Learned", "Ada Example; Bob Example", "2023"),
        web.url_for("/docs/moe"): ("page", "Mixture of Experts - Example Docs", "", ""),
        web.url_for("/paper"): ("page", "A Test Paper on Synthetic Things", "Ada Example; Bob Example", "2024"),
    }  # fmt: skip
    youtube = by_url(cat.load(csv).links)[f"https://www.youtube.com/watch?v={VIDEO}"]
    assert len(youtube.mentions) == 3  # one row for the video cited three ways

    import bibtexparser

    bib = bibtexparser.parse_string(write_bibtex(None, csv, meta, dialect="biblatex"))
    entries = {e.key: {f.key: f.value for f in e.fields} for e in bib.entries}
    keys = {lk.url: lk.key for lk in cat.load(csv).links}
    repo = entries[keys["https://github.com/example-org/example-repo"]]
    assert (repo["author"], repo["year"]) == ("Ada Example", "2023") and "A Test Paper" in repo[
        "title"
    ]
    video = entries[keys[f"https://www.youtube.com/watch?v={VIDEO}"]]
    assert (video["author"], video["year"]) == ("Video Example", "2019")
    blog = entries[keys[web.url_for("/blog/scaling")]]
    assert blog["author"] == "Ada Example and Bob Example" and blog["year"] == "2023"
    text = reading_list(None, csv, meta)
    for shown in (
        "A Test Paper",
        "A Test Video",
        "Video Example",
        "一个测试视频",
        "Scaling Examples",
    ):
        assert shown in text


def test_a_refused_page_is_a_named_failure_and_its_stored_record_is_kept(
    services: Services, tmp_path: Path
) -> None:
    web = services.web
    notes = tmp_path / "notes.md"
    notes.write_text(f"- blog {web.url_for('/blog/scaling')}\n", encoding="utf-8")
    csv, meta = tmp_path / "links.csv", tmp_path / "metadata"
    update_catalogue([notes], csv, meta)
    configs = {"webpage": services.configs(tmp_path)["webpage"]}
    assert refresh(csv, meta, sources=["webpage"], configs=configs).ok
    hostile = Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    web.inject(Respond(hostile))  # the page now redirects to the metadata service
    report = refresh(csv, meta, sources=["webpage"], configs=configs, force_all=True)
    (why,) = report.sources["webpage"].failed.values()
    assert "cloud metadata service" in why and "(blocked-address)" in why
    (link,) = cat.load(csv).links
    assert link.auto_title == "Scaling Examples: What We Learned"  # from the kept record


def test_curated_authors_and_year_survive_extract_and_refresh_and_win_in_the_bib(
    services: Services, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("- https://github.com/ada/plain\n", encoding="utf-8")
    csv, meta = tmp_path / "links.csv", tmp_path / "metadata"
    update_catalogue([notes], csv, meta)
    catalogue = cat.load(csv)
    catalogue.links[0].authors = "Grace Curated; Alan Curated"
    catalogue.links[0].year = "1999"
    cat.save(catalogue, csv)
    update_catalogue([notes], csv, meta)
    refresh(csv, meta, configs=services.configs(tmp_path / "cache"), force_all=True)
    update_catalogue([notes], csv, meta)
    (link,) = cat.load(csv).links
    assert (link.authors, link.year) == ("Grace Curated; Alan Curated", "1999")
    assert (link.auto_authors, link.auto_year) == ("Ada Example", "2020")  # derived, beside it
    import bibtexparser

    (entry,) = bibtexparser.parse_string(write_bibtex(None, csv, meta)).entries
    fields = {f.key: f.value for f in entry.fields}
    assert (fields["author"], fields["year"]) == ("Grace Curated and Alan Curated", "1999")


def test_refresh_without_any_network_fails_fast_and_says_so_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text(
        "arXiv:2312.00752 arXiv:2306.15895 https://github.com/ada/plain https://github.com/b/c\n"
        "https://huggingface.co/gpt2 https://www.youtube.com/watch?v=AAAAAAAAAAA\n"
        "https://x.com/a/status/1790000000000000001 https://blog.example.org/post\n",
        encoding="utf-8",
    )
    csv, meta = tmp_path / "links.csv", tmp_path / "metadata"
    update_catalogue([notes], csv, meta)
    with socket.socket() as s:  # a port nobody listens on: connections are refused
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    apis = [a for n in ("arxiv", "github", "huggingface", "youtube", "twitter")
            for a in ("--api", f"{n}={dead}/")]  # fmt: skip
    args = ["--catalogue", str(csv), "--metadata", str(meta), "--backoff", "5", *apis]
    started = time.monotonic()
    code = main(["refresh", *args])
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    assert code == 1 and elapsed < 5  # no backoff waits: 36 s before
    assert err.count("network unreachable") == 1  # once, in the summary's first line
    assert "not fetched 2: 2306.15895, 2312.00752" in out
    assert "not fetched 2: ada/plain, b/c" in out and "https://blog.example.org/post" in out
    assert out.count("network unreachable") == 0
