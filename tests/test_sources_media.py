"""The Hugging Face, YouTube, bilibili and X sources against their fakes on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from paperindex.enrich import FetchResult, SourceConfig, fetch
from paperindex.enrich.source import MetadataSource
from paperindex.enrich.sources.bilibili import BilibiliSource
from paperindex.enrich.sources.huggingface import HuggingFaceSource
from paperindex.enrich.sources.twitter import TwitterSource, snowflake_time
from paperindex.enrich.sources.youtube import YouTubeSource
from paperindex.testing.media import FakeBilibili, FakeHub, FakeTwitter, FakeYouTube, hub_json

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
CARD_CITATION = """@inproceedings{example2023corpus,
  title={An Example Corpus for Testing},
  author={Example, Ada and Bob Example},
  booktitle={Proceedings of Examples},
  year={2019}
}"""


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds

    def now(self) -> datetime:
        return NOW


def run(src: MetadataSource[Any], ids: list[str]) -> FetchResult:
    return fetch(src, ids, clock=FakeClock())


# --- Hugging Face --------------------------------------------------------------------------------


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub() as server:
        server.add("models", hub_json(
            "example-org/example-model", createdAt="2024-01-02T03:04:05.000Z",
            tags=["transformers", "arxiv:2401.00001", "license:apache-2.0", "en"],
            cardData={"license": "apache-2.0", "language": ["en"]},
        ))  # fmt: skip
        # a legacy dataset id: the Hub answers under the old name with the new id in the body
        server.add("datasets", hub_json(
            "example-corpus/example-corpus", createdAt="2022-03-02T00:00:00.000Z",
            cardData={"pretty_name": "Example Corpus", "license": "cc-by-4.0"},
            citation=CARD_CITATION, description="A corpus of examples.",
        ), "example-corpus")  # fmt: skip
        server.add("models", hub_json("example-gpt", author=None, createdAt="2022-03-02T00:00:00Z"))
        server.move("models", "old-org/old-model", "example-org/example-model")
        yield server


def hub_source(hub: FakeHub) -> HuggingFaceSource:
    return HuggingFaceSource(SourceConfig(base_url=hub.url, delay=0.0))


def test_a_model_gives_author_licence_year_and_its_paper(hub: FakeHub) -> None:
    src = hub_source(hub)
    record = run(src, ["models/example-org/example-model"]).records[
        "models/example-org/example-model"
    ]
    facts = src.describe(record)
    assert (facts.title, facts.authors, facts.year) == ("example-model", ("example-org",), "2024")
    assert facts.license == "apache-2.0" and facts.site == "Hugging Face"
    assert facts.related == ("https://arxiv.org/abs/2401.00001",)
    assert hub.requests[0].path == "/api/models/example-org/example-model"


def test_a_legacy_dataset_id_is_a_dataset_and_its_card_citation_is_cited(hub: FakeHub) -> None:
    src = hub_source(hub)
    record = run(src, ["datasets/example-corpus"]).records["datasets/example-corpus"]
    assert record.canonical_id == "example-corpus/example-corpus"
    facts = src.describe(record)
    assert facts.title == "An Example Corpus for Testing"
    assert facts.authors == ("Ada Example", "Bob Example") and facts.year == "2019"
    assert facts.description == "A corpus of examples." and facts.license == "cc-by-4.0"
    assert hub.requests[0].path == "/api/datasets/example-corpus"


def test_a_renamed_repository_is_followed(hub: FakeHub) -> None:
    src = hub_source(hub)
    record = run(src, ["models/old-org/old-model"]).records["models/old-org/old-model"]
    assert record.canonical_id == "example-org/example-model"


def test_an_unknown_repository_is_a_named_failure(hub: FakeHub) -> None:
    result = run(hub_source(hub), ["datasets/nobody/nothing"])
    assert (
        "no such public dataset on the Hub (RepoNotFound"
        in result.failures["datasets/nobody/nothing"]
    )


# --- YouTube -------------------------------------------------------------------------------------

VIDEO, PRIVATE, NODATE = "AAAAAAAAAAA", "BBBBBBBBBBB", "CCCCCCCCCCC"


@pytest.fixture
def youtube() -> Iterator[FakeYouTube]:
    with FakeYouTube() as server:
        server.add(VIDEO, "A Test Video", "Ada Example", "2024-05-06T03:04:05-07:00")
        server.add(NODATE, "Another Test Video", "Bob Example")
        server.no_embed.add(PRIVATE)
        yield server


def test_a_video_gets_title_channel_and_upload_date(youtube: FakeYouTube) -> None:
    src = YouTubeSource(SourceConfig(base_url=youtube.url, delay=0.0))
    record = run(src, [VIDEO]).records[VIDEO]
    facts = src.describe(record)
    assert (facts.title, facts.authors, facts.year) == ("A Test Video", ("Ada Example",), "2024")
    assert facts.date.startswith("2024-05-06")
    oembed = youtube.requests[0]
    assert (
        oembed.path == "/oembed" and oembed.arg("url") == f"https://www.youtube.com/watch?v={VIDEO}"
    )


def test_a_video_whose_page_gives_no_date_keeps_title_and_says_why(youtube: FakeYouTube) -> None:
    src = YouTubeSource(SourceConfig(base_url=youtube.url, delay=0.0))
    record = run(src, [NODATE]).records[NODATE]
    assert record.uploaded is None and record.date_problem is not None
    assert src.describe(record).title == "Another Test Video"


def test_youtube_errors_are_named(youtube: FakeYouTube) -> None:
    result = run(YouTubeSource(SourceConfig(base_url=youtube.url, delay=0.0)), [PRIVATE, "D" * 11])
    assert "embedding is disabled" in result.failures[PRIVATE]
    assert "no such video (oEmbed 404" in result.failures["D" * 11]


# --- bilibili ------------------------------------------------------------------------------------


@pytest.fixture
def bilibili() -> Iterator[FakeBilibili]:
    with FakeBilibili() as server:
        # 1714964645 = 2024-05-06 03:04:05 UTC = 11:04:05 in Shanghai
        server.add("BV17x411w7KC", 170001, "一个测试视频", "示例UP主", 1714964645)
        # 1704040000 = 2023-12-31 16:26:40 UTC, already 2024-01-01 in Shanghai
        server.add("BV1xx411c7mD", 2, "跨年的视频", "示例UP主", 1704040000)
        server.short["AbCdEfG"] = (
            "https://www.bilibili.com/video/BV17x411w7KC?p=1&share_source=copy"
        )
        server.short["SpAcE12"] = "https://space.bilibili.com/123456"
        server.codes["BV1Q541167Qg"] = 62002
        yield server


def bili_source(server: FakeBilibili) -> BilibiliSource:
    config = SourceConfig(base_url=server.url, delay=0.0, urls={"short": server.short_url})
    return BilibiliSource(config)


def test_a_bilibili_video_gets_title_uploader_and_date_in_bilibili_time(
    bilibili: FakeBilibili,
) -> None:
    src = bili_source(bilibili)
    result = run(src, ["BV17x411w7KC", "BV1xx411c7mD"])
    facts = src.describe(result.records["BV17x411w7KC"])
    assert (facts.title, facts.authors, facts.year) == ("一个测试视频", ("示例UP主",), "2024")
    assert facts.date == "2024-05-06T11:04:05+08:00"
    assert src.describe(result.records["BV1xx411c7mD"]).year == "2024"
    assert (bilibili.requests[0].header("User-Agent") or "").count("paperindex/") == 1


def test_a_b23_short_link_is_resolved_to_its_video(bilibili: FakeBilibili) -> None:
    src = bili_source(bilibili)
    result = run(src, ["b23.tv/AbCdEfG", "b23.tv/SpAcE12"])
    assert result.records["b23.tv/AbCdEfG"].bvid == "BV17x411w7KC"
    assert "not a video" in result.failures["b23.tv/SpAcE12"]
    assert [r.path for r in bilibili.requests][:2] == ["/b23/AbCdEfG", "/x/web-interface/view"]


def test_bilibili_error_codes_are_named_and_risk_control_stops_the_run(
    bilibili: FakeBilibili,
) -> None:
    bilibili.codes["BV1mK4y1C7Bz"] = -352
    result = run(bili_source(bilibili), ["BV1Q541167Qg", "BV1GJ411x7h7", "BV1mK4y1C7Bz",
                                         "BV17x411w7KC"])  # fmt: skip
    assert result.failures["BV1Q541167Qg"] == "the video is hidden (62002)"
    assert result.failures["BV1GJ411x7h7"] == "no such video on bilibili (-404)"
    assert "risk control" in result.failures["BV1mK4y1C7Bz"]
    assert result.failures["BV17x411w7KC"].startswith("not asked")


# --- X -------------------------------------------------------------------------------------------

STATUS = "1790000000000000001"


@pytest.fixture
def twitter() -> Iterator[FakeTwitter]:
    with FakeTwitter() as server:
        server.add(
            STATUS, "adaexample", "Ada Example", "Announcing A Test Paper today.", "May 6, 2024"
        )
        yield server


def test_a_post_gets_author_text_and_the_date_oembed_shows(twitter: FakeTwitter) -> None:
    src = TwitterSource(SourceConfig(base_url=twitter.url, delay=0.0))
    ident = f"adaexample/status/{STATUS}"
    record = run(src, [ident]).records[ident]
    facts = src.describe(record)
    assert facts.title == "Announcing A Test Paper today."
    assert (facts.authors, facts.year) == (("Ada Example",), "2024")
    assert record.date_shown == "2024-05-06"
    assert twitter.requests[0].arg("url") == f"https://twitter.com/adaexample/status/{STATUS}"


def test_a_deleted_post_is_a_named_failure_and_its_id_still_dates_it(twitter: FakeTwitter) -> None:
    result = run(TwitterSource(SourceConfig(base_url=twitter.url, delay=0.0)),
                 ["someone/status/1674436093356421120"])  # fmt: skip
    assert "no such post" in result.failures["someone/status/1674436093356421120"]
    # the status id alone gives the exact time: 2023-06-29T15:14:08Z (snowflake arithmetic)
    posted = snowflake_time("1674436093356421120")
    assert posted is not None and posted.isoformat().startswith("2023-06-29T15:14:08")
