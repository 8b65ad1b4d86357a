"""Topics that fit anyone's notes: word-boundary rules, clean headings, catch-alls, the packaged
taxonomy and where rules come from, and no giant topics."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from paperindex.enrich import Facts
from paperindex.export import topics
from paperindex.export.readinglist import group, render_markdown
from paperindex.export.topics import Topic, TopicRules, TopicsError, assign_topics, topic_of
from paperindex.export.view import LinkInfo
from paperindex.model import Kind, Link, Mention

# New names are reached through the module (`topics.clean_heading`), so that against an older
# paperindex each test fails on its own instead of the whole file failing to import.

# --- rules match words, not pieces of words ----------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "text", "matches"),
    [
        ("elicit", "Chain-of-Thought Prompting Elicits Reasoning", False),
        ("elicit", "try Elicit for the literature", True),
        ("expert", "Surpassing Human Experts", False),
        ("expert*", "Surpassing Human Experts", True),
        ("experts", "Surpassing Human Experts", True),
        ("length extrapolation", "extrapolating the trend", False),
        ("extrapolat*", "extrapolating the trend", True),
        ("long context", "Long-Context Language Modeling", True),
        ("long-context", "long context windows", True),
        ("long context", "a long, contextual story", False),
        ("moe", "MoE layers", True),
        ("moe", "Moebius strips", False),
        ("rag", "RAG pipelines", True),
        ("rag", "fragments and storage", False),
        ("gpt-4", "GPT-4 and GPT-4V", True),
        ("gpt-4", "GPT-40", False),
        ("4090", "两张4090显卡", True),  # Latin words end where Chinese begins
        ("benchmark", "用benchmark评测", True),
        ("a100", "on A100s", False),
        ("a100*", "on A100s", True),
        ("长文本", "我们做了一个长文本评测集", True),  # Chinese: substrings
        ("外推", "模型外推能力", True),
        ("混合专家", "专家混合", False),
        ("naïve", "Naïve Bayes", True),
    ],
)
def test_keywords_match_whole_words_or_prefixes_and_chinese_substrings(
    keyword: str, text: str, matches: bool
) -> None:
    rules = TopicRules((Topic("T", keywords=(keyword,)),))
    found = topic_of(LinkInfo(_link(1, text, "Heading")), rules)
    assert found == ("T" if matches else "Heading")


def test_patterns_and_categories_still_count_once_each() -> None:
    topic = Topic(
        "T",
        keywords=("moe", "moe"),
        patterns=(re.compile(r"\bswitch\b", re.I),),
        categories=("cs.LG",),
    )
    assert topic.score("MoE and Switch", ["cs.LG", "cs.CL"]) == 4
    assert topic.score("nothing here", ["cs.CL"]) == 0


def test_a_keyword_a_word_match_cannot_see_is_refused() -> None:
    with pytest.raises(TopicsError, match=r"'c\+\+'.*use a pattern"):
        topics.parse_topics('[[topic]]\nname = "C"\nkeywords = ["c++"]\n', "t.toml")
    with pytest.raises(TopicsError, match="list of strings"):
        topics.parse_topics('[[topic]]\nname = "C"\nkeywords = "moe"\n', "t.toml")
    with pytest.raises(TopicsError, match=r"\[split\] max_share"):
        topics.parse_topics("[split]\nmax_share = 2\n", "t.toml")
    with pytest.raises(TopicsError, match="unknown table"):
        topics.parse_topics("[splits]\nmax_share = 0.5\n", "t.toml")


# --- headings as topics --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "clean"),
    [
        ("6. <a name='LLM评测'></a>LLM评测", "LLM评测"),
        ("1.1 Background", "Background"),
        ("1.2.3. Deep part", "Deep part"),
        ("一、概述", "概述"),
        ("（二）数据集", "数据集"),
        ("第三章 训练", "训练"),
        ("IV. Results", "Results"),
        ("(3) Evaluation", "Evaluation"),
        ("🔥 News ⚡", "News"),
        ("⭐⭐⭐", ""),
        ("<!-- x --> <img src='a.png'>", ""),
        (
            "Awesome-LLM [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)",
            "Awesome-LLM",
        ),
        ("[Milestone Papers](#milestone) ![b](https://img.shields.io/x)", "Milestone Papers"),
        ("**Bold** and `code` and _under_score_", "Bold and code and under_score"),
        ("LLM Evaluation:", "LLM Evaluation"),
        ("Q&amp;A", "Q&A"),
        ("2023 Papers", "2023 Papers"),  # a year is not numbering
        ("3D Vision", "3D Vision"),
        ("GPT-4 notes", "GPT-4 notes"),
        ("讨论&杂谈", "讨论&杂谈"),
    ],
)
def test_headings_are_cleaned(heading: str, clean: str) -> None:
    assert topics.clean_heading(heading) == clean


@pytest.mark.parametrize(
    ("heading", "catch_all"),
    [
        ("Unsorted", True),
        ("Misc", True),
        ("Miscellaneous", True),
        ("讨论&杂谈", True),
        ("简短问答", True),
        ("Other Papers", True),
        ("Q&A", True),
        ("其他", True),
        ("LLM评测", False),
        ("Medical Agents", False),
        ("Discussion of scaling laws", False),
        ("模型外推", False),
    ],
)
def test_catch_all_headings(heading: str, catch_all: bool) -> None:
    assert topics.is_catch_all(heading) is catch_all


def _link(
    n: int,
    title: str,
    section: str = "",
    kind: Kind = Kind.PAPER,
    topic: str = "",
    context: str = "",
) -> Link:
    return Link(
        key=f"k{n}",
        kind=kind,
        source="example.com",
        id=f"/{n}",
        url=f"https://example.com/{n}",
        title=title,
        topic=topic,
        mentions=[Mention(file="n.md", line=n + 1, section=section, context=context)],
    )


RULES = TopicRules((Topic("Mixture of experts", keywords=("moe",)),))


def test_topic_order_rules_then_heading_then_category_then_catch_all() -> None:
    def topic(section: str, category: str = "", title: str = "Widgets") -> str:
        info = LinkInfo(_link(1, title, section), Facts(primary_category=category))
        return topic_of(info, RULES)

    assert topic("6. <a name='x'></a>Widgets", "cs.CL", "MoE layers") == "Mixture of experts"
    assert topic("6. <a name='x'></a>Widget studies", "cs.CL") == "Widget studies"
    assert topic("Misc", "cs.CL") == "Computation and Language"  # better evidence than "Misc"
    assert topic("讨论&杂谈", "") == "讨论&杂谈"  # nothing better: the catch-all stays
    assert topic("", "") == "Unsorted"
    assert topic("🔥", "") == "Unsorted"  # nothing left of the heading: no heading


def test_category_names() -> None:
    assert topics.category_name("cs.CL") == "Computation and Language"
    assert topics.category_name("stat.ML") == "Machine Learning (Statistics)"
    assert topics.category_name("cs.XX") == "Computer Science"  # unknown: the archive's name
    assert topics.category_name("") == ""


# --- where rules come from -----------------------------------------------------------------------


def test_rules_come_from_the_file_given_then_beside_the_catalogue_then_the_package(
    tmp_path: Path,
) -> None:
    catalogue = tmp_path / "data" / "links.csv"
    catalogue.parent.mkdir()
    assert topics.find_topics(catalogue).source == topics.PACKAGED
    beside = catalogue.parent / "topics.toml"
    beside.write_text('[[topic]]\nname = "Beside"\n', encoding="utf-8")
    assert [t.name for t in topics.find_topics(catalogue).topics] == ["Beside"]
    given = tmp_path / "mine.toml"
    given.write_text('[[topic]]\nname = "Given"\n', encoding="utf-8")
    rules = topics.find_topics(catalogue, given)
    assert [t.name for t in rules.topics] == ["Given"] and rules.source == str(given)
    with pytest.raises(FileNotFoundError, match="no such topics file"):
        topics.find_topics(catalogue, tmp_path / "nope.toml")


def test_the_packaged_taxonomy_is_broad_and_bilingual() -> None:
    rules = topics.packaged_topics()
    names = [t.name for t in rules.topics]
    assert 30 <= len(names) <= 60
    assert "Mixture of experts" in names  # the README's example asks for it
    keywords = [k for t in rules.topics for k in t.keywords]
    assert sum(1 for k in keywords if re.search(r"[\u4e00-\u9fff]", k)) >= 60
    assert sum(1 for t in rules.topics if t.categories) >= 10
    assert all(t.description for t in rules.topics)
    for area in (
        "Reasoning",
        "Computer vision",
        "Speech and audio",
        "Training systems and hardware",
    ):
        assert area in names


@pytest.mark.parametrize(
    ("title", "topic"),
    [
        ("Chain-of-Thought Prompting Elicits Reasoning in Large Language Models", "Reasoning"),
        ("Surpassing Human Experts at Widget Sorting", ""),
        ("Extrapolating the Widget Trend", ""),
        ("Mixtral of Experts", "Mixture of experts"),
        (
            "Extending Context Window of Large Language Models via Positional Interpolation",
            "Long context",
        ),
        ("Denoising Diffusion Probabilistic Models", "Image generation and diffusion"),
        ("LoRA: Low-Rank Adaptation of Large Language Models", "Fine-tuning and adaptation"),
        ("Robust Speech Recognition via Large-Scale Weak Supervision", "Speech and audio"),
        ("大模型长文本评测", "Long context"),
        ("Scaling Laws for Neural Language Models", "Optimization and training dynamics"),
        # notes outside language models (a new user's biology and vision notes)
        ("Widget Screens of the Human Genome", "Science"),
        ("Widgetpose: Generalist Cell Segmentation for Microscopy", "Science"),
        ("Fast Optical Flow for Widgets", "Computer vision"),
        ("Human Pose Estimation for Widgets", "Computer vision"),
        ("Chinese Word Segmentation with Widgets", "Multilingual and Chinese NLP"),
    ],
)
def test_the_packaged_taxonomy_on_titles(title: str, topic: str) -> None:
    assert topics.best_topic(LinkInfo(_link(1, title)), topics.packaged_topics()) == topic


# --- no giant topics -----------------------------------------------------------------------------

_SUBJECTS = ["retrieval", "agents", "vision", "speech", "graphs", "privacy", "tables", "music"]
_CATEGORIES = ["cs.CL", "cs.CV", "cs.LG", "cs.IR", "cs.SD", "cs.CR", "cs.DB", "cs.RO"]


def _big_list(n: int, with_metadata: bool) -> list[LinkInfo]:
    """`n` papers under three headings, as one long list with few sections; titles share a
    subject word, and (with metadata) arXiv categories."""
    headings = ["## 2. <a name='w'></a>Widget studies 📚", "Misc", "Surveys"]
    infos = []
    for i in range(n):
        subject = _SUBJECTS[i % len(_SUBJECTS)]
        link = _link(i, f"Widget {subject} study number {i}", headings[i % 3 if i % 7 else 2])
        facts = (
            Facts(primary_category=_CATEGORIES[i % 8], year="2023") if with_metadata else Facts()
        )
        infos.append(LinkInfo(link, facts))
    return infos


@pytest.mark.parametrize("with_metadata", [True, False])
def test_no_topic_holds_more_than_a_quarter_or_40_links(with_metadata: bool) -> None:
    infos = _big_list(330, with_metadata)
    groups = group(infos, TopicRules())
    sizes = [len(g.infos) for g in groups]
    assert sum(sizes) == 330
    assert max(sizes) <= 40  # 25% would be 82
    for g in groups:
        assert g.name == " ".join(g.name.split()) and not re.search(r"[<>#*\[\]📚]", g.name)
        assert not g.name.startswith(("2.", "Misc:"))  # numbering cleaned; no catch-all parent
    names = [g.name for g in groups]
    if with_metadata:  # the catch-all's links are named after their arXiv categories
        assert "Computation and Language" in names
    else:
        assert any(n.startswith("Widget studies: ") for n in names)


def test_a_giant_topic_splits_by_category_names_first() -> None:
    infos = [
        LinkInfo(
            _link(i, f"Widget paper {i}", "Widget work"), Facts(primary_category=_CATEGORIES[i % 3])
        )
        for i in range(60)
    ]
    found = assign_topics(infos, TopicRules(split=topics.Split(max_share=1.0, max_links=25)))
    assert sorted(set(found)) == [
        "Widget work: Computation and Language",
        "Widget work: Computer Vision and Pattern Recognition",
        "Widget work: Machine Learning",
    ]


def test_a_giant_topic_splits_by_shared_words_without_metadata() -> None:
    infos = [
        LinkInfo(_link(i, f"{_SUBJECTS[i % 4].title()} for widgets {i}", "Widget work"))
        for i in range(60)
    ]
    found = assign_topics(infos, TopicRules(split=topics.Split(max_share=1.0, max_links=25)))
    assert sorted(set(found)) == [
        "Widget work: Agents",
        "Widget work: Retrieval",
        "Widget work: Speech",
        "Widget work: Vision",
    ]


def test_split_limits_come_from_the_topic_file_and_small_lists_are_left_alone() -> None:
    rules = topics.parse_topics(
        "[split]\nmax_share = 0.5\nmax_links = 10\nmin_links = 3\n", "t.toml"
    )
    assert rules.split == topics.Split(0.5, 10, 3)
    assert rules.split.limit(8) == 4 and rules.split.limit(100) == 10
    assert topics.Split().limit(10) == 8  # a topic of 8 links or fewer is never split
    infos = [LinkInfo(_link(i, f"Paper {i}", "Only heading")) for i in range(8)]
    assert set(assign_topics(infos, TopicRules())) == {"Only heading"}


def test_curated_topics_are_never_split() -> None:
    infos = [LinkInfo(_link(i, f"Paper {i}", topic="Mine")) for i in range(50)]
    assert set(assign_topics(infos, TopicRules())) == {"Mine"}


def test_a_topic_filter_takes_a_split_topic_and_its_subgroups() -> None:
    infos = [
        LinkInfo(_link(i, f"{_SUBJECTS[i % 4].title()} for widgets {i}", "Widget work"))
        for i in range(60)
    ]
    rules = TopicRules(split=topics.Split(max_share=1.0, max_links=25))
    assert sum(len(g.infos) for g in group(infos, rules, ["Widget work"])) == 60
    (only,) = group(infos, rules, ["Widget work: Agents"])
    assert len(only.infos) == 15
    with pytest.raises(topics.UnknownChoiceError, match=r"topics are .*Widget work: Agents"):
        group(infos, rules, ["Nope"])


def test_unknown_topics_name_the_valid_ones() -> None:
    with pytest.raises(
        topics.UnknownChoiceError,
        match=r"unknown topic\(s\): Nope; topics are Mixture of experts, Here",
    ):
        topics.check_wanted(["Nope"], RULES, ["Here", "Here"])


def test_reading_list_counts_read_well() -> None:
    markdown = render_markdown(group([LinkInfo(_link(1, "Only one", "Solo"))], TopicRules()))
    assert "1 link from `data/links.csv` in 1 topic," in markdown
