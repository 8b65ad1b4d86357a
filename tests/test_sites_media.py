"""Identity of videos (YouTube, bilibili) and of Hugging Face's legacy owner-less ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperindex import catalogue as cat
from paperindex.api import update_catalogue
from paperindex.identity import identify
from paperindex.model import Kind
from paperindex.sites import key_of
from paperindex.sites.video import av_to_bv, bv_to_av

VIDEO = "dQw4w9WgXcQ"


@pytest.mark.parametrize(
    "url",
    [
        f"https://www.youtube.com/watch?v={VIDEO}",
        f"https://youtube.com/watch?v={VIDEO}&t=42s",
        f"https://m.youtube.com/watch?feature=share&v={VIDEO}&list=PL0123456789",
        f"https://youtu.be/{VIDEO}?si=AbCdEf",
        f"https://youtu.be/{VIDEO}?t=90",
        f"https://www.youtube.com/shorts/{VIDEO}",
        f"https://www.youtube.com/embed/{VIDEO}?start=3",
        f"https://www.youtube-nocookie.com/embed/{VIDEO}",
        f"https://www.youtube.com/live/{VIDEO}?si=x",
    ],
)
def test_youtube_video_cited_any_way_is_one_identity(url: str) -> None:
    found = identify(url)
    assert found is not None
    assert (found.kind, found.source, found.id) == (Kind.VIDEO, "youtube", VIDEO)
    assert found.url == f"https://www.youtube.com/watch?v={VIDEO}"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/playlist?list=PL0123456789",
        "https://www.youtube.com/@somechannel",
        "https://www.youtube.com/watch?v=tooshort",
    ],
)
def test_youtube_pages_that_are_not_one_video_stay_pages(url: str) -> None:
    found = identify(url)
    assert found is not None and found.kind is Kind.PAGE


def test_youtube_ids_are_case_sensitive() -> None:
    a, b = identify(f"https://youtu.be/{VIDEO}"), identify(f"https://youtu.be/{VIDEO.lower()}")
    assert a is not None and b is not None and key_of(a) != key_of(b)


def test_bilibili_av_and_bv_are_converted_both_ways() -> None:
    # the pair bilibili itself gave when it introduced BV ids (av170001 = BV17x411w7KC)
    assert av_to_bv(170001) == "BV17x411w7KC"
    assert bv_to_av("BV17x411w7KC") == 170001
    for aid in (1, 2, 99, 170001, 455017605, 882584971, 1_000_000_000_000, (1 << 51) - 1):
        assert bv_to_av(av_to_bv(aid)) == aid


@pytest.mark.parametrize(
    "url",
    [
        "https://www.bilibili.com/video/BV17x411w7KC",
        "https://www.bilibili.com/video/BV17x411w7KC/?p=2&share_source=copy_web",
        "https://m.bilibili.com/video/BV17x411w7KC",
        "https://www.bilibili.com/video/av170001",
        "https://www.bilibili.com/video/AV170001/?vd_source=abc",
    ],
)
def test_bilibili_video_cited_any_way_is_one_identity(url: str) -> None:
    found = identify(url)
    assert found is not None
    assert (found.kind, found.source, found.id) == (Kind.VIDEO, "bilibili", "BV17x411w7KC")
    assert found.url == "https://www.bilibili.com/video/BV17x411w7KC"


def test_b23_short_links_are_kept_as_cited() -> None:
    found = identify("https://b23.tv/AbCdEfG")
    assert found is not None
    assert (found.kind, found.source, found.id) == (Kind.VIDEO, "bilibili", "b23.tv/AbCdEfG")


@pytest.mark.parametrize(
    ("url", "kind", "ident", "canonical"),
    [
        ("https://huggingface.co/gpt2", Kind.MODEL, "gpt2", "https://huggingface.co/gpt2"),
        (
            "https://huggingface.co/t5-11b/blob/main/config.json",
            Kind.MODEL,
            "t5-11b",
            "https://huggingface.co/t5-11b",
        ),
        (
            "https://huggingface.co/bert-base-uncased",
            Kind.MODEL,
            "bert-base-uncased",
            "https://huggingface.co/bert-base-uncased",
        ),
        (
            "https://huggingface.co/datasets/bookcorpus",
            Kind.DATASET,
            "bookcorpus",
            "https://huggingface.co/datasets/bookcorpus",
        ),
        (
            "https://huggingface.co/datasets/cc_news/viewer/default/train",
            Kind.DATASET,
            "cc_news",
            "https://huggingface.co/datasets/cc_news",
        ),
        (
            "https://huggingface.co/datasets/Skywork/SkyPile-150B/tree/main",
            Kind.DATASET,
            "Skywork/SkyPile-150B",
            "https://huggingface.co/datasets/Skywork/SkyPile-150B",
        ),
    ],
)
def test_hugging_face_legacy_ids_are_models_and_datasets(
    url: str, kind: Kind, ident: str, canonical: str
) -> None:
    found = identify(url)
    assert found is not None
    assert (found.kind, found.source, found.id, found.url) == (
        kind,
        "huggingface",
        ident,
        canonical,
    )


@pytest.mark.parametrize(
    "url", ["https://huggingface.co/openai", "https://huggingface.co/EleutherAI"]
)
def test_an_owner_page_on_the_hub_is_not_a_model(url: str) -> None:
    found = identify(url)
    assert found is not None and found.kind is Kind.PAGE and found.source == "huggingface.co"


def test_notes_citing_a_video_three_ways_give_one_row(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text(
        f"Talk: https://www.youtube.com/watch?v={VIDEO}&t=10s\n"
        f"Same talk https://youtu.be/{VIDEO}?si=share\n"
        f"- [short](https://youtube.com/shorts/{VIDEO})\n"
        "B站 https://www.bilibili.com/video/av170001\n"
        "同一个 https://www.bilibili.com/video/BV17x411w7KC/?p=1\n"
        "gpt2 https://huggingface.co/gpt2 and https://huggingface.co/datasets/bookcorpus\n",
        encoding="utf-8",
    )
    update_catalogue([notes], tmp_path / "links.csv", tmp_path / "metadata")
    links = cat.load(tmp_path / "links.csv").links
    rows = [(lk.kind, lk.source, lk.id, len(lk.mentions)) for lk in links]
    assert rows == [
        (Kind.VIDEO, "youtube", VIDEO, 3),
        (Kind.VIDEO, "bilibili", "BV17x411w7KC", 2),
        (Kind.MODEL, "huggingface", "gpt2", 1),
        (Kind.DATASET, "huggingface", "bookcorpus", 1),
    ]
    cited = [m.cited for m in links[0].mentions]
    assert cited[1] == f"https://youtu.be/{VIDEO}?si=share"  # the mention keeps what was written
