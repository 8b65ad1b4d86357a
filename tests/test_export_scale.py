"""Exports at scale: topic matching part by part gives `Topic.score`'s answers exactly (also for
keywords that run from one part of the evidence into the next), and outputs written piece by
piece are the rendered text, written all or not at all."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import paperindex
from paperindex.export import bibtex, readinglist, topics, view
from paperindex.export.topics import Topic, TopicRules, topic_of
from paperindex.export.view import LinkInfo
from paperindex.files import atomic_write_parts
from paperindex.model import Kind, Link, Mention

_TOPICS = TopicRules(
    (
        Topic("Long context", keywords=("long context", "context window*", "长文本", "外推")),
        Topic("Experts", keywords=("moe", "mixture of experts", "expert*", "混合专家", "moe")),
        Topic(
            "Agents", keywords=("agent*", "tool use", "web agent*", "智能体"), categories=("cs.MA",)
        ),
        Topic("Words", keywords=("of", "a b c d", "Σ")),
    )
)
_PIECES = [
    "long", "context", "window", "windows", "moe", "mixture", "of", "experts", "expert", "agent",
    "agents", "tool", "use", "web", "a", "b", "c", "d", "长文本", "长", "文本", "外推", "混合专家",
    "混合", "专家", "智能体", "ΣΑΣ", "-", " ", "\n", ",", "https://x.org/abs/1", "MoE", "LONG",
]  # fmt: skip


def _reference(parts: Sequence[str], categories: Sequence[str]) -> list[int]:
    """What `Topic.score` says of the evidence the parts make, topic by topic."""
    text = "\n".join(parts)
    return [t.score(text, categories) for t in _TOPICS.topics]


_CACHE: dict[str, topics._Part] = {}  # shared across examples: a part seen before is reused


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(_PIECES), max_size=6).map(" ".join).filter(bool), max_size=6),
    st.lists(st.sampled_from(["cs.MA", "cs.CL"]), max_size=2),
)
def test_part_by_part_matching_scores_as_topic_score(
    parts: list[str], categories: list[str]
) -> None:
    found = _TOPICS.matcher().scores(parts, categories, _CACHE)
    assert found == _reference(parts, categories)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (["Efficient Long", "context, and more"], "Long context"),  # title into thread
        (["about the context", "Window sizes"], "Long context"),  # a prefix across parts
        (["a b", "c", "d e"], "Words"),  # four words across three parts
        (["a b", "x", "c d"], ""),  # not in a row
        (["长 x", "文本"], ""),  # Chinese never runs across a line feed
    ],
)
def test_keywords_that_run_from_one_part_into_the_next(parts: list[str], expected: str) -> None:
    scores = _TOPICS.matcher().scores(parts, (), {})
    best = max(scores)
    assert (_TOPICS.topics[scores.index(best)].name if best else "") == expected
    assert scores == _reference(parts, ())


def test_a_link_is_matched_on_its_title_and_thread_together() -> None:
    link = Link(
        key="k1", kind=Kind.PAPER, source="example.com", id="/1", url="https://example.com/1",
        title="Efficient long",
        mentions=[Mention(file="n.md", line=1, thread="Context: a new method", context="x")],
    )  # fmt: skip
    cache: dict[str, topics._Part] = {}
    assert topic_of(LinkInfo(link), _TOPICS, cache) == "Long context"
    assert topic_of(LinkInfo(link), _TOPICS) == "Long context"
    assert cache  # the parts were kept for the next link


# --- written piece by piece -------------------------------------------------------------------


def test_bibtex_in_pieces_is_the_bibtex_text() -> None:
    infos = [
        LinkInfo(
            Link(
                key=f"k{n}",
                kind=Kind.PAPER if n % 2 else Kind.CODE,
                source="example.com",
                id=f"/{n}",
                url=f"https://example.com/{n}",
                title=f"Title {n}",
            )
        )
        for n in range(2500)  # three pieces
    ]
    parts = list(bibtex.bibtex_parts(infos))
    assert len(parts) == 4  # the header and three pieces
    text = "".join(parts)
    assert "\x00" not in text
    entries = [(bibtex.entry_fields(i, bibtex.BibOptions()), i.link.key) for i in infos]
    assert text.endswith(bibtex.write_entries(entries))
    assert text.count("\n@") == 2500


class _Failing:
    """An exporter's pieces that stop with an error half-way."""

    def __iter__(self) -> Iterator[str]:
        yield "half of a new file"
        raise RuntimeError("render failed")


def test_a_failure_while_writing_leaves_every_file_as_it_was(tmp_path: Path) -> None:
    first, second = tmp_path / "a.bib", tmp_path / "b.md"
    first.write_text("old a")
    second.write_text("old b")
    with pytest.raises(RuntimeError):
        atomic_write_parts([(first, iter(["new a"])), (second, _Failing())])
    assert first.read_text() == "old a"
    assert second.read_text() == "old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bib", "b.md"]  # no temporary left
    atomic_write_parts([(first, iter(["new ", "a"])), (second, iter(["new b"]))])
    assert (first.read_text(), second.read_text()) == ("new a", "new b")


def test_build_writes_what_each_export_returns(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    catalogue, metadata = root / "data" / "links.csv", root / "data" / "metadata"
    out = tmp_path / "out"
    paperindex.build(out, catalogue, metadata, formats=["bib", "md", "json"])
    assert (out / "references.bib").read_text("utf-8") == paperindex.write_bibtex(
        None, catalogue, metadata
    )
    for fmt, name in (("md", "READING_LIST.md"), ("json", "reading-list.json")):
        written = tmp_path / name
        text = paperindex.reading_list(written, catalogue, metadata, fmt=fmt)
        assert (out / name).read_text("utf-8") == text == written.read_text("utf-8")
        again = paperindex.reading_list(written, catalogue, metadata, fmt=fmt, return_text=False)
        assert again == "" and written.read_text("utf-8") == text


_JSON_TEXT = st.text(
    st.sampled_from(["a", "é", "长", "\x07", "\u202e", '"', "\\", "\n", "\r", " "])
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _JSON_TEXT,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(_JSON_TEXT, inner, max_size=3)
        | st.tuples(inner, _JSON_TEXT)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_the_reading_lists_json_is_what_json_dumps_writes(value: object) -> None:
    expected = json.dumps(readinglist._clean_json(value), ensure_ascii=False, indent=2)
    assert readinglist._json(value, "") == expected


def test_the_json_reading_list_in_pieces_is_one_json_document() -> None:
    root = Path(__file__).resolve().parents[1]
    infos = view.load_infos(root / "data" / "links.csv", root / "data" / "metadata")
    groups = readinglist.group(infos, topics.load_topics(root / "data" / "topics.toml"))
    text = readinglist.render_json(groups)
    data = {
        "topics": [
            {
                "name": g.name,
                "description": g.description,
                "links": [readinglist._json_link(i) for i in g.infos],
            }
            for g in groups
        ]
    }
    expected = json.dumps(readinglist._clean_json(data), ensure_ascii=False, indent=2) + "\n"
    assert text == expected
    assert readinglist.render_json([]) == json.dumps({"topics": []}, indent=2) + "\n"


def test_build_groups_the_links_once_for_both_reading_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    original = readinglist.group

    def counted(*args: object, **kwargs: object) -> list[readinglist.Group]:
        calls.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(readinglist, "group", counted)
    root = Path(__file__).resolve().parents[1]
    catalogue, metadata = root / "data" / "links.csv", root / "data" / "metadata"
    out = tmp_path / "out"
    paperindex.build(out, catalogue, metadata, ["md", "json"])
    assert len(calls) == 1
    monkeypatch.setattr(readinglist, "group", original)
    expected = paperindex.reading_list(None, catalogue, metadata)
    assert (out / "READING_LIST.md").read_text("utf-8") == expected
