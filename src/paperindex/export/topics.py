"""Which topic each link belongs to, for reading lists and `--topic` filters.

In order: the curated `topic` column; else the rules of `data/topics.toml`, matched against the
thread the link was cited in (not the whole section), its title, abstract, description and arXiv
categories, the topic with the most matching keywords winning (ties: the first in the file);
else the section heading it was cited under.

    [[topic]]
    name = "Mixture of experts"
    description = "Sparse expert models: routing, capacity, systems."
    keywords = ["moe", "mixture-of-experts", "expert"]      # case-insensitive substrings
    patterns = ["\\\\bmixtral\\\\b"]                            # Python regexes, case-insensitive
    categories = []                                         # arXiv categories, exact
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .view import LinkInfo

DEFAULT_TOPICS = Path("data/topics.toml")


class TopicsError(ValueError):
    """The topic file is malformed; the message says where."""


@dataclass(frozen=True)
class Topic:
    """One topic and the rules that assign links to it."""

    name: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    categories: tuple[str, ...] = ()

    def score(self, text: str, categories: Iterable[str]) -> int:
        """How many of this topic's rules match."""
        hits = sum(1 for k in self.keywords if k in text)
        hits += sum(1 for p in self.patterns if p.search(text))
        hits += sum(1 for c in self.categories if c in categories)
        return hits


@dataclass(frozen=True)
class TopicRules:
    """All topics of a topic file, in file order."""

    topics: tuple[Topic, ...] = ()
    descriptions: dict[str, str] = field(default_factory=dict)


def load_topics(path: Path = DEFAULT_TOPICS) -> TopicRules:
    """The rules in `path`; none when the file does not exist."""
    if not path.exists():
        return TopicRules()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TopicsError(f"{path}: {exc}") from exc
    topics = []
    for n, entry in enumerate(data.get("topic", []), 1):
        where = f"{path}: topic #{n}"
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise TopicsError(f"{where}: needs a name")
        unknown = set(entry) - {"name", "description", "keywords", "patterns", "categories"}
        if unknown:
            raise TopicsError(f"{where} ({name}): unknown key(s) {', '.join(sorted(unknown))}")
        try:
            patterns = tuple(re.compile(p, re.I) for p in entry.get("patterns", []))
        except re.error as exc:
            raise TopicsError(f"{where} ({name}): bad pattern: {exc}") from exc
        topics.append(
            Topic(
                name=name.strip(),
                description=str(entry.get("description", "")).strip(),
                keywords=tuple(str(k).lower() for k in entry.get("keywords", [])),
                patterns=patterns,
                categories=tuple(entry.get("categories", [])),
            )
        )
    names = [t.name for t in topics]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise TopicsError(f"{path}: topic(s) named twice: {', '.join(dupes)}")
    return TopicRules(tuple(topics), {t.name: t.description for t in topics})


def evidence(info: LinkInfo) -> str:
    """The text topic rules are matched against, lower-cased: threads, contexts, title,
    abstract, description."""
    link = info.link
    parts = [info.title, info.abstract, info.description]
    for m in link.mentions:
        parts += [m.thread, m.context, m.label]
    return "\n".join(p for p in parts if p).lower()


def topic_of(info: LinkInfo, rules: TopicRules) -> str:
    """The topic of one link (see the module docstring for the order)."""
    if info.link.topic:
        return info.link.topic
    text = evidence(info)
    categories = info.facts.categories
    best, best_score = "", 0
    for topic in rules.topics:
        score = topic.score(text, categories)
        if score > best_score:
            best, best_score = topic.name, score
    if best:
        return best
    section = next((m.section for m in info.link.mentions if m.section), "")
    return section or "Unsorted"


def assign_topics(infos: Iterable[LinkInfo], rules: TopicRules) -> list[str]:
    """The topic of each link, in order."""
    return [topic_of(info, rules) for info in infos]


def check_wanted(wanted: Iterable[str], rules: TopicRules, present: Iterable[str]) -> set[str]:
    """`wanted` as a set, or `ValueError` naming the topics that neither the rules nor the
    links (curated topics, section headings) know."""
    wanted = set(wanted)
    unknown = wanted - {t.name for t in rules.topics} - set(present)
    if unknown:
        raise ValueError(f"unknown topic(s): {', '.join(sorted(unknown))}")
    return wanted
