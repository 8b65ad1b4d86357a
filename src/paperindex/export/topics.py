"""Which topic each link belongs to, for reading lists and `--topic` filters.

In order: the curated `topic` column; else the topic whose rules match most often (ties: the
first in the file) in the thread the link was cited in (not the whole section), its excerpt,
label, title, abstract and description, and its arXiv categories; else the first heading it was
cited under that says what it is about (cleaned of HTML, Markdown, numbering and emoji; a
catch-all such as "Misc" or "讨论&杂谈" does not count); else the name of its arXiv primary
category; else a catch-all heading; else "Unsorted".  Then no topic may hold more than a share of
all links (default 25%, at most 40): a bigger one is split into subgroups named for what their
links share (arXiv category, venue, a title word).

Rules come from the first of: a file given (`--topics FILE`), `topics.toml` beside the
catalogue, the general taxonomy shipped in the package (`taxonomy.toml` here).

    [split]                 # optional
    max_share = 0.25        # no topic holds more than this share of the links …
    max_links = 40          # … or more than this many …
    min_links = 8           # … but a topic this small is never split

    [[topic]]
    name = "Mixture of experts"
    description = "Sparse expert models: routing, capacity, systems."
    keywords = ["mixture of experts", "moe", "router*", "混合专家"]
    patterns = ["\\\\bswitch[- ]transformers?\\\\b"]          # Python regexes, case-insensitive
    categories = []                                         # arXiv categories, exact

Keywords are case-insensitive.  In Latin script a keyword matches whole words only: `elicit`
does not match "Elicits", `expert` not "Experts"; a trailing `*` makes it a prefix (`expert*`),
and spaces and hyphens in a keyword match any run of spaces and hyphens ("long context" matches
"long-context").  A keyword holding CJK characters matches as a substring (Chinese has no
spaces between words).
"""

from __future__ import annotations

import heapq
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..cores import map_shared
from ..model import Kind
from .view import LinkInfo

DEFAULT_TOPICS = Path("data/topics.toml")
"""Where the repository's own reading list keeps its topics (beside the shipped catalogue)."""
TOPICS_FILE = "topics.toml"
"""The file name looked for beside the catalogue."""
PACKAGED = "the general taxonomy shipped with paperindex"
"""`TopicRules.source` of the packaged taxonomy."""
KIND_HEADINGS = {
    Kind.PAPER: "Papers",
    Kind.CODE: "Code",
    Kind.DATASET: "Datasets",
    Kind.MODEL: "Models",
    Kind.POST: "Posts",
    Kind.ARTICLE: "Articles",
    Kind.VIDEO: "Videos",
    Kind.PAGE: "Pages",
}
"""How each kind is named where links are grouped by kind."""

_LATIN_WORD = re.compile(r"[0-9a-z\u00c0-\u024f]+")
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003ffff]")
_KEYWORD_SEPARATORS = re.compile(r"[\s\-_/.']+")


class TopicsError(ValueError):
    """The topic file is malformed (or missing); the message says where."""


class UnknownChoiceError(ValueError):
    """A value that is not among the valid ones (an unknown topic or kind); the message lists
    the valid ones.  The command line exits 2 for it, as for any bad argument."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """What topic rules are matched against: the text lower-cased, and its Latin words."""

    text: str
    words: str
    """The Latin words of `text`, each between single spaces (`" long context window "`)."""
    tokens: frozenset[str] = frozenset()
    """The Latin words of `text`, as a set."""

    @classmethod
    def of(cls, text: str) -> Evidence:
        lowered = text.lower()
        tokens = _LATIN_WORD.findall(lowered)
        return cls(lowered, " " + " ".join(tokens) + " ", frozenset(tokens))


def _keyword_needle(keyword: str) -> tuple[str, bool]:
    """What to look for, and where: (needle, in the words) or (substring, in the text)."""
    lowered = keyword.strip().lower()
    if _CJK.search(lowered):
        return lowered, False
    prefix = lowered.endswith("*")
    words = _LATIN_WORD.findall(lowered.rstrip("*"))
    return " " + " ".join(words) + ("" if prefix else " "), True


def _check_keyword(keyword: str) -> str:
    """Why `keyword` cannot work as a word match, or ""."""
    lowered = keyword.strip().lower()
    if not lowered.rstrip("*").strip():
        return "empty keyword"
    if _CJK.search(lowered):
        return ""
    rest = _LATIN_WORD.sub("", _KEYWORD_SEPARATORS.sub("", lowered.rstrip("*")))
    if rest:
        return f"keyword {keyword!r}: {rest!r} is not matched as a word; use a pattern"
    return ""


@dataclass(frozen=True)
class Topic:
    """One topic and the rules that assign links to it."""

    name: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    categories: tuple[str, ...] = ()
    _needles: tuple[tuple[str, bool], ...] = field(
        init=False, repr=False, compare=False, default=()
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_needles", tuple(_keyword_needle(k) for k in self.keywords))

    def score(self, evidence: Evidence | str, categories: Iterable[str] = ()) -> int:
        """How many of this topic's rules match (each keyword, pattern, category once)."""
        if isinstance(evidence, str):
            evidence = Evidence.of(evidence)
        hits = sum(
            1
            for needle, in_words in self._needles
            if needle in (evidence.words if in_words else evidence.text)
        )
        hits += sum(1 for p in self.patterns if p.search(evidence.text))
        hits += sum(1 for c in self.categories if c in categories)
        return hits


@dataclass(frozen=True)
class Split:
    """When a topic is too big and is split into subgroups."""

    max_share: float = 0.25
    max_links: int = 40
    min_links: int = 8

    def limit(self, total: int) -> int:
        """The most links one topic may hold in a reading list of `total` links."""
        return max(self.min_links, min(self.max_links, int(self.max_share * total)))


@dataclass(frozen=True)
class TopicRules:
    """All topics of a topic file, in file order, and where they came from."""

    topics: tuple[Topic, ...] = ()
    descriptions: dict[str, str] = field(default_factory=dict)
    source: str = ""
    """The file the rules were read from, or `PACKAGED`; empty when there are none."""
    split: Split = field(default_factory=Split)
    _matcher: list[_Matcher] = field(default_factory=list, init=False, repr=False, compare=False)

    def scores(self, evidence: Evidence, categories: Iterable[str] = ()) -> list[int]:
        """Each topic's `Topic.score` for `evidence`, in order (all topics at once: a keyword
        is looked for only when the evidence holds its first word or character)."""
        return self.matcher().scores([evidence.text], categories, {})

    def matcher(self) -> _Matcher:
        """Every keyword of every topic, indexed (made once)."""
        if not self._matcher:
            self._matcher.append(_Matcher(self.topics))
        return self._matcher[0]


_Part = tuple[str, tuple[int, ...], tuple[tuple[int, str], ...]]
"""One part of a link's evidence (a title, an excerpt, a thread), lower-cased: its Latin words
joined by spaces, the keywords it holds by itself, and the keywords of several words that it
may begin and the next part end."""


class _Matcher:
    """Every keyword of every topic, indexed by what must be in the evidence for it to match:
    its first word (Latin), its first character (CJK).  Matching is `Topic.score`'s, exactly.

    The evidence of a link is parts joined by line feeds, and the parts recur (a thread holds
    many links, an excerpt two): each part is matched once (`_part`, cached by the caller), and
    a link's keywords are those of its parts, plus those of several words that run from one
    part into the next (checked against all its words).  A keyword never holds a line feed
    (else it is checked against the whole text), so no other keyword can cross parts."""

    def __init__(self, topics: tuple[Topic, ...]) -> None:
        self.topics = topics
        self.owner: list[int] = []  # the topic of each keyword
        self.by_word: dict[str, list[tuple[int, str, int]]] = {}  # (keyword, needle, words)
        self.by_char: dict[str, list[tuple[int, str]]] = {}
        self.prefixes: list[tuple[int, str]] = []  # one word, as a prefix: " moe"
        self.in_words: list[tuple[int, str]] = []  # no word: against all the words
        self.in_text: list[tuple[int, str]] = []  # a line feed: against the whole text
        for index, topic in enumerate(topics):
            for needle, in_words in topic._needles:
                keyword = len(self.owner)
                self.owner.append(index)
                words = needle.split()
                if in_words and not words:
                    self.in_words.append((keyword, needle))
                elif in_words and len(words) == 1 and not needle.endswith(" "):
                    self.prefixes.append((keyword, needle))
                elif in_words:
                    self.by_word.setdefault(words[0], []).append((keyword, needle, len(words)))
                elif "\n" in needle or not needle:
                    self.in_text.append((keyword, needle))
                else:
                    self.by_char.setdefault(needle[0], []).append((keyword, needle))
        self.first_words = frozenset(self.by_word)
        # One C-speed pass finds which first characters the text holds (iterating a text of
        # CJK characters in Python cost more than all the keyword tests together).
        self.first_chars = (
            re.compile("[" + "".join(sorted(map(re.escape, self.by_char))) + "]")
            if self.by_char
            else None
        )
        # whether any of them may be there: one pass, at C speed (most texts hold none)
        self.any_prefix = (
            re.compile(" (?:" + "|".join(re.escape(n[1:]) for _, n in self.prefixes) + ")")
            if self.prefixes
            else None
        )
        self.patterns = [(i, t.patterns) for i, t in enumerate(topics) if t.patterns]
        self.by_category: dict[str, list[int]] = {}  # a topic once per time it lists one
        for index, topic in enumerate(topics):
            for category in topic.categories:
                self.by_category.setdefault(category, []).append(index)

    def _part(self, text: str) -> _Part:
        """What one part (lower-cased) holds by itself."""
        tokens = _LATIN_WORD.findall(text)
        words = " ".join(tokens)
        padded = f" {words} "
        found: list[int] = []
        ends: list[tuple[int, str]] = []
        if tokens:
            for word in self.first_words.intersection(tokens):
                for keyword, needle, n in self.by_word[word]:
                    if n == 1 or needle in padded:  # one whole word: a token, so it is there
                        found.append(keyword)
                    elif word in tokens[1 - n :]:  # may run on into the next part
                        ends.append((keyword, needle))
            if self.any_prefix is not None and self.any_prefix.search(padded):
                found += [keyword for keyword, needle in self.prefixes if needle in padded]
        if self.first_chars is not None:
            for char in set(self.first_chars.findall(text)):
                found += [keyword for keyword, needle in self.by_char[char] if needle in text]
        return words, tuple(found), tuple(ends)

    def scores(
        self, parts: Sequence[str], categories: Iterable[str], cache: dict[str, _Part]
    ) -> list[int]:
        """Each topic's `Topic.score` for the evidence `"\n".join(parts).lower()`, each part
        matched once while `cache` lives."""
        found: set[int] = set()
        words: list[str] = []
        ends: list[tuple[int, str]] = []
        for part in parts:
            known = cache.get(part)
            if known is None:
                known = cache[part] = self._part(part.lower())
            part_words, part_found, part_ends = known
            if part_words:
                words.append(part_words)
            if part_found:
                found.update(part_found)
            if part_ends:
                ends += part_ends
        if ends or self.in_words:
            joined = f" {' '.join(words)} "
            found.update(k for k, needle in ends if k not in found and needle in joined)
            found.update(k for k, needle in self.in_words if needle in joined)
        text = "\n".join(parts).lower() if self.in_text or self.patterns else ""
        found.update(k for k, needle in self.in_text if needle in text)
        hits = [0] * len(self.topics)
        owner = self.owner
        for keyword in found:
            hits[owner[keyword]] += 1
        for index, patterns in self.patterns:
            hits[index] += sum(1 for p in patterns if p.search(text))
        if self.by_category:
            for category in set(categories):
                for index in self.by_category.get(category, ()):
                    hits[index] += 1
        return hits


def load_topics(path: Path = DEFAULT_TOPICS) -> TopicRules:
    """The rules in `path`; none when the file does not exist."""
    if not path.exists():
        return TopicRules()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TopicsError(f"{path}: {exc}") from exc
    return parse_topics(text, str(path))


def packaged_topics() -> TopicRules:
    """The general taxonomy shipped inside the package."""
    text = resources.files(__package__).joinpath("taxonomy.toml").read_text(encoding="utf-8")
    return parse_topics(text, PACKAGED)


def find_topics(catalogue: Path, topics_file: Path | None = None) -> TopicRules:
    """The rules to group by: `topics_file` (else `FileNotFoundError`), else `topics.toml`
    beside the catalogue, else the packaged general taxonomy."""
    if topics_file is not None:
        if not topics_file.is_file():
            raise FileNotFoundError(f"{topics_file}: no such topics file")
        return load_topics(topics_file)
    beside = catalogue.parent / TOPICS_FILE
    if beside.is_file():
        return load_topics(beside)
    return packaged_topics()


def parse_topics(text: str, name: str) -> TopicRules:
    """The rules in the TOML `text` (of file `name`, for messages)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TopicsError(f"{name}: {exc}") from exc
    unknown = set(data) - {"topic", "split"}
    if unknown:
        raise TopicsError(f"{name}: unknown table(s) {', '.join(sorted(unknown))}")
    topics = [
        _topic(entry, f"{name}: topic #{n}") for n, entry in enumerate(data.get("topic", []), 1)
    ]
    names = [t.name for t in topics]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise TopicsError(f"{name}: topic(s) named twice: {', '.join(dupes)}")
    return TopicRules(
        tuple(topics),
        {t.name: t.description for t in topics},
        name,
        _split(data.get("split", {}), name),
    )


def _topic(entry: dict[str, object], where: str) -> Topic:
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise TopicsError(f"{where}: needs a name")
    unknown = set(entry) - {"name", "description", "keywords", "patterns", "categories"}
    if unknown:
        raise TopicsError(f"{where} ({name}): unknown key(s) {', '.join(sorted(unknown))}")
    lists = {}
    for key in ("keywords", "patterns", "categories"):
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise TopicsError(f"{where} ({name}): {key} must be a list of strings")
        lists[key] = value
    for keyword in lists["keywords"]:
        problem = _check_keyword(keyword)
        if problem:
            raise TopicsError(f"{where} ({name}): {problem}")
    try:
        patterns = tuple(re.compile(p, re.I) for p in lists["patterns"])
    except re.error as exc:
        raise TopicsError(f"{where} ({name}): bad pattern: {exc}") from exc
    return Topic(
        name=name.strip(),
        description=str(entry.get("description", "")).strip(),
        keywords=tuple(lists["keywords"]),
        patterns=patterns,
        categories=tuple(lists["categories"]),
    )


def _split(data: object, name: str) -> Split:
    if not isinstance(data, dict):
        raise TopicsError(f"{name}: [split] must be a table")
    unknown = set(data) - {"max_share", "max_links", "min_links"}
    if unknown:
        raise TopicsError(f"{name}: [split]: unknown key(s) {', '.join(sorted(unknown))}")
    split = Split()
    share = data.get("max_share", split.max_share)
    most = data.get("max_links", split.max_links)
    least = data.get("min_links", split.min_links)
    if not isinstance(share, int | float) or not 0 < share <= 1:
        raise TopicsError(f"{name}: [split] max_share must be a number in (0, 1]")
    if not isinstance(most, int) or not isinstance(least, int) or most < 1 or least < 1:
        raise TopicsError(f"{name}: [split] max_links and min_links must be whole numbers >= 1")
    return Split(float(share), most, least)


def evidence(info: LinkInfo) -> Evidence:
    """What topic rules are matched against: threads, excerpts and labels of the link's
    mentions, its title, abstract and description."""
    return Evidence.of("\n".join(_evidence_parts(info)))


def _evidence_parts(info: LinkInfo) -> list[str]:
    parts = [info.title, info.abstract, info.description]
    for m in info.link.mentions:
        parts += [m.thread, m.context, m.label]
    return [p for p in parts if p]


def best_topic(info: LinkInfo, rules: TopicRules, cache: dict[str, _Part] | None = None) -> str:
    """The topic whose rules match `info` most often (ties: the earlier one), or "".  `cache`
    keeps what each part of the evidence matched, for the next link (see `_Matcher`)."""
    if not rules.topics:
        return ""
    scores = rules.matcher().scores(
        _evidence_parts(info), info.facts.categories, {} if cache is None else cache
    )
    best = max(scores)
    return rules.topics[scores.index(best)].name if best > 0 else ""


def topic_of(info: LinkInfo, rules: TopicRules, cache: dict[str, _Part] | None = None) -> str:
    """The topic of one link before giant topics are split (see the module docstring);
    `cache` as for `best_topic`."""
    if info.link.topic:
        return info.link.topic
    best = best_topic(info, rules, cache)
    if best:
        return best
    headings = [clean_heading(m.section) for m in info.link.mentions]
    specific = next((h for h in headings if h and not is_catch_all(h)), "")
    if specific:
        return specific
    category = category_name(info.facts.primary_category)
    if category:
        return category
    return next((h for h in headings if h), "") or "Unsorted"


# --- headings -----------------------------------------------------------------------------------

_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]{0,2000}>")
_MD_IMAGE = re.compile(
    r"!\[[^\[\]]{0,300}\](?:\([^()\s]{0,2000}(?:\s+\"[^\"]{0,300}\")?\)|\[[^\[\]]{0,300}\])?"
)
_MD_LINK = re.compile(
    r"\[([^\[\]]{0,300})\](?:\([^()\s]{0,2000}(?:\s+\"[^\"]{0,300}\")?\)|\[[^\[\]]{0,300}\])"
)
_EMPHASIS = re.compile(r"\*+|~~+|`+|(?<![0-9A-Za-z])_+|_+(?![0-9A-Za-z])")
_EMOJI = re.compile(
    "[\u200d\u20e3\ufe0e\ufe0f\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u25a0-\u27bf\u2900-\u297f"
    "\u2b00-\u2bff\u3030\u303d\u3297\u3299\U0001f000-\U0001faff\U000e0020-\U000e007f]"
)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9A-Fa-f]{1,6}|[A-Za-z]{2,8});")
_NUMBERING = re.compile(
    r"^(?:"
    r"\d{1,3}(?:\.\d{1,3})+\.?"  # 1.1, 1.2.3, 1.1.
    r"|\d{1,3}[.)、:：．]"  # 6.  6)  6、
    r"|[(（]\d{1,3}[)）]"  # (6)
    r"|[一二三四五六七八九十百]{1,4}[、.．]"  # 一、
    r"|[(（][一二三四五六七八九十]{1,3}[)）]"  # （一）
    r"|(?:[IVX]{1,5}|[ivx]{1,5})\.(?=\s)"  # IV.
    r"|第[一二三四五六七八九十百\d]{1,4}[章节部分篇]"  # 第一章
    r")\s*"
)
_EDGE_PUNCTUATION = " \t-–—|·•:：,，;；.。/\\>*#"


@lru_cache(maxsize=8192)  # a heading is seen once per citation under it
def clean_heading(heading: str) -> str:
    """A heading as a topic name: HTML tags and anchors, Markdown images (badges), link
    syntax, emphasis, emoji and leading numbering (`6.`, `1.1`, `一、`) removed; "" when
    nothing is left."""
    text = _HTML_COMMENT.sub(" ", heading)
    text = _MD_IMAGE.sub(" ", text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _HTML_TAG.sub(" ", text)
    text = _ENTITY.sub(_entity, text)
    text = _EMOJI.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    text = " ".join(text.split()).strip(_EDGE_PUNCTUATION)
    while True:  # "1. 1.1 Intro"
        stripped = _NUMBERING.sub("", text, count=1).strip(_EDGE_PUNCTUATION)
        if stripped == text:
            break
        text = stripped
    return text


def _entity(m: re.Match[str]) -> str:
    import html

    return html.unescape(m.group())


_CATCH_ALL_WORDS = frozenset(
    """misc miscellaneous other others unsorted uncategorized uncategorised unclassified general
    various random todo more additional extra short quick brief notes note links link resources
    resource stuff things items discussion discussions questions question answers answer qa faq
    chat chats chatter paper papers reading readings and the of etc""".split()
)
_CATCH_ALL_CJK = ("简短", "其他", "其它", "杂谈", "杂项", "杂记", "讨论", "问答", "闲聊", "未分类",
                  "零散", "综合", "更多", "和", "与", "及")  # fmt: skip


@lru_cache(maxsize=8192)
def is_catch_all(heading: str) -> bool:
    """Whether a (cleaned) heading only says "everything else": every word of it is one of
    misc, other, unsorted, discussion, Q&A, notes, links …, or 杂谈, 讨论, 问答, 其他, 简短 …"""
    lowered = heading.lower()
    cjk = re.sub(r"[\sA-Za-z0-9&/+,，、·.\-_:：!?！？()（）]+", "", lowered)
    for word in sorted(_CATCH_ALL_CJK, key=len, reverse=True):
        cjk = cjk.replace(word, "")
    if cjk:
        return False
    words = re.findall(r"[a-z]+", lowered)
    return all(w in _CATCH_ALL_WORDS or w in ("q", "a") for w in words)


# --- arXiv categories ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _category_names() -> dict[str, str]:
    text = resources.files(__package__).joinpath("arxiv-categories.toml").read_text("utf-8")
    data = tomllib.loads(text)
    names: dict[str, str] = {**data["archives"], **data["categories"]}
    return names


def category_name(category: str) -> str:
    """arXiv's name for a category (`cs.CL` → "Computation and Language"), else its archive's
    ("Computer Science"), else ""."""
    if not category:
        return ""
    names = _category_names()
    return names.get(category) or names.get(category.split(".", 1)[0], "")


# --- splitting giant topics ---------------------------------------------------------------------

_GENERIC = frozenset(
    """a an the on of for in into to and or with without from via towards toward is are was were
    be how what when why which who do does can could should we our us your you by at as it its
    this that these those not no all any new using use based approach approaches method methods
    model models modeling modelling learning large language languages neural network networks
    deep study studies paper analysis toward beyond through better improving improved improve
    task tasks framework system systems more than one two vs versus via open towards make
    makes making simple effective efficient general generalist good need all code paper papers
    github arxiv pdf link links project page repo official implementation website blog see
    also here https http com org www html abs""".split()
)
_VENUE_YEAR = re.compile(r"(?:19|20)\d{2}|['’]\d{2}\b|\d+(?:st|nd|rd|th)\b")


# Kinds of evidence for a subgroup, most trusted first: the author's own heading, arXiv's
# category, the venue, a word the links share.
_HEADING, _CATEGORY, _VENUE, _WORDS = 3, 2, 1, 0
_Label = tuple[int, str]


@dataclass(slots=True)
class _Facets:
    """What one link is about, for splitting: labels (rank, text; words by their stem), the
    words as written, its kind and its year."""

    labels: tuple[_Label, ...]
    """Each once."""
    words: list[tuple[str, str]]
    """(stem, as written) of each word among the labels."""
    kind: Kind
    year: str


_WORD = re.compile(r"[0-9A-Za-z\u00c0-\u024f][0-9A-Za-z\u00c0-\u024f'-]*")
# A URL takes its whole run of non-space characters: tried only where a run starts (the same
# matches, without rescanning the run from each of its characters).
_URLISH = re.compile(r"(?<!\S)\S*(?:://|www\.)\S*|\]\([^)\s]*\)?")


class _Memo:
    """What a split works out once: equal labels and words as one object each (a giant topic
    has 100,000 links, few words), and each word's stem (or None: it tells nothing)."""

    def __init__(self, skip: frozenset[str]) -> None:
        self.skip = skip
        self.labels: dict[_Label, _Label] = {}
        self.words: dict[str, tuple[_Label, tuple[str, str]] | None] = {}

    def word(self, surface: str) -> tuple[_Label, tuple[str, str]] | None:
        """(its label, (stem, as written)), or None when the word says nothing."""
        surface = surface.strip("'-")
        word = surface.lower()
        stem = _stem(word)
        if len(word) < 3 or word.isdigit() or {word, stem} & _GENERIC or stem in self.skip:
            return None
        return self.labels.setdefault((_WORDS, stem), (_WORDS, stem)), (stem, surface)


def _facets(
    info: LinkInfo, parent: str, skip: frozenset[str], memo: _Memo | None = None
) -> _Facets:
    """The heading the link was cited under, its arXiv category's name, its venue, and the
    words of its title, label, description and excerpt (not those in `skip`)."""
    one = memo if memo is not None else _Memo(skip)
    mentions = info.link.mentions
    heading = ""
    for m in mentions:
        h = clean_heading(m.section)
        if h and not is_catch_all(h):
            heading = h
            break
    shared = one.labels
    labels: set[_Label] = set()
    if heading and heading != parent:
        labels.add(shared.setdefault((_HEADING, heading), (_HEADING, heading)))
    category = category_name(info.facts.primary_category)
    if category and category != parent:
        labels.add(shared.setdefault((_CATEGORY, category), (_CATEGORY, category)))
    venue = info.venue
    if venue:
        venue = " ".join(_VENUE_YEAR.sub(" ", venue).split()).strip(" ,;:()-")
        if venue and venue != parent:
            labels.add(shared.setdefault((_VENUE, venue), (_VENUE, venue)))
    surfaces = _WORD.findall(info.title)
    if info.description:
        surfaces += _WORD.findall(info.description)
    if mentions:
        first = mentions[0]
        surfaces += _WORD.findall(_URLISH.sub(" ", f"{first.label} {first.context}"))
    words: list[tuple[str, str]] = []
    known = one.words
    for surface in surfaces:
        if surface.isdigit():  # a number says nothing (`_Memo.word`): not worth a memo entry
            continue
        found = known.get(surface, _UNKNOWN)
        if found is _UNKNOWN:
            found = known[surface] = one.word(surface)
        if found is not None and found[0] not in labels:
            labels.add(found[0])  # already the shared one (see `_Memo.word`)
            words.append(found[1])
    return _Facets(tuple(labels), words, info.link.kind, info.year)


_UNKNOWN: Any = object()


def _stem(word: str) -> str:
    """Plural to singular, roughly: enough that "Agents" and "agent" are one subgroup."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def split_topic(
    name: str, infos: Sequence[LinkInfo], limit: int, rules: TopicRules | None = None
) -> list[tuple[str, list[int]]]:
    """`infos` (one topic, more than `limit` links) as subgroups of at most `limit` links each:
    (name, indexes into `infos`), what is left under `name` first.

    Greedy, most trusted evidence first: while what is left is too big, take the heading the
    links were cited under that the most of them share, then arXiv's category name, then the
    venue, then a word of their titles and excerpts (not one of the topic's own name or
    keywords, nor one more than half of them share: it says nothing about a subgroup); a
    subgroup holds at most `limit` and at least `limit // 8` links (2 or more).  What is left
    takes a label all of it shares, if there is one.  What is still too big is split by kind,
    then by year, then into numbered parts.  Subgroups of a catch-all ("Misc") are named by
    their label alone.
    """
    skip = {_stem(w) for w in _LATIN_WORD.findall(name.lower())}
    rule = next((t for t in rules.topics if t.name == name), None) if rules else None
    for keyword in rule.keywords if rule else ():
        skip |= {_stem(w) for w in _LATIN_WORD.findall(keyword.lower())}
    memo = _Memo(frozenset(skip))
    facets = [_facets(info, name, memo.skip, memo) for info in infos]
    del memo
    pairs: Counter[tuple[str, str]] = Counter()
    for f in facets:
        pairs.update(f.words)
    written: dict[str, Counter[str]] = {}  # each stem's forms, in the order first written
    for (stem, surface), n in pairs.items():
        forms = written.get(stem)
        if forms is None:
            forms = written[stem] = Counter()
        forms[surface] = n
    del pairs
    least, half = max(2, limit // 8), len(infos) // 2
    counts: Counter[_Label] = Counter()
    for f in facets:
        counts.update(f.labels)
    telling = {label for label, n in counts.items() if n <= half or label[0] != _WORDS}
    holders = _holders(facets, {label for label in telling if counts[label] >= least})
    del counts
    window = _Window(least, limit)
    for label, has in holders.items():
        window.add(label, len(has))
    prefix = "" if is_catch_all(name) else f"{name}: "
    left = set(range(len(infos)))
    groups: list[tuple[str, list[int]]] = []
    while left:
        if len(left) <= limit:  # it fits: named after what all of it shares, if anything
            best = _shared(left, facets, telling)
            if best is None:
                break
            rank, text = best
            members = sorted(left)
        else:
            best = window.best()  # most trusted, most links, then the greatest text
            if best is None:
                break
            rank, text = best
            members = sorted(holders[rank, text])
        left -= set(members)
        _take(members, facets, holders, window)
        shown = _written(written[text]) if rank == _WORDS else text
        groups.append((f"{prefix}{shown}", members))
    rest = sorted(left)
    if len(rest) > limit:
        groups += _by_kind_year_parts(name, rest, facets, limit)
        rest = []
    return ([(name, rest)] if rest else []) + groups


def _holders(facets: list[_Facets], labels: set[_Label]) -> dict[_Label, set[int]]:
    """The links that carry each of `labels`: those that can ever be chosen while what is left
    is too big (a label held by fewer than `least` links never can: counts only fall)."""
    holders: dict[_Label, set[int]] = {label: set() for label in labels}
    for i, f in enumerate(facets):
        for label in f.labels:
            has = holders.get(label)
            if has is not None:
                has.add(i)
    return holders


def _take(
    members: list[int], facets: list[_Facets], holders: dict[_Label, set[int]], window: _Window
) -> None:
    """The labels `members` carry now count fewer links."""
    for i in members:
        for label in facets[i].labels:
            has = holders.get(label)
            if has is not None:
                has.discard(i)
                window.move(label, len(has) + 1, len(has))


def _shared(left: set[int], facets: list[_Facets], telling: set[_Label]) -> _Label | None:
    """The most trusted telling label every link of `left` carries (the greatest text)."""
    counts: Counter[_Label] = Counter()
    for i in left:
        counts.update(facets[i].labels)
    fitting = [label for label, n in counts.items() if n == len(left) and label in telling]
    return max(fitting) if fitting else None


class _Greater(str):
    """A text that sorts first when it is the greater: heapq's min-heap as a max-heap."""

    __slots__ = ()

    def __lt__(self, other: str) -> bool:
        return str.__gt__(self, other)


class _Window:
    """Labels held by between `least` and `limit` links, by rank and count, the greatest text
    first: what `split_topic` may choose from, kept as counts fall (never recounted)."""

    def __init__(self, least: int, limit: int) -> None:
        self.least, self.limit = least, limit
        self.sets: dict[tuple[int, int], set[str]] = {}
        self.heaps: dict[tuple[int, int], list[_Greater]] = {}

    def add(self, label: _Label, n: int) -> None:
        if self.least <= n <= self.limit:
            self.sets.setdefault((label[0], n), set()).add(label[1])
            heapq.heappush(self.heaps.setdefault((label[0], n), []), _Greater(label[1]))

    def move(self, label: _Label, old: int, new: int) -> None:
        found = self.sets.get((label[0], old))
        if found is not None:
            found.discard(label[1])  # its heap entry goes stale, dropped when met
        self.add(label, new)

    def best(self) -> _Label | None:
        for rank in (_HEADING, _CATEGORY, _VENUE, _WORDS):
            for n in range(self.limit, self.least - 1, -1):
                found = self.sets.get((rank, n))
                if not found:
                    continue
                heap = self.heaps[rank, n]
                while heap[0] not in found:
                    heapq.heappop(heap)
                return rank, str(heap[0])
        return None


def _written(forms: Counter[str]) -> str:
    """A word as the links write it most often, capitalised when it is all lower-case."""
    word = forms.most_common(1)[0][0]
    return word[:1].upper() + word[1:] if word.islower() else word


def _by_kind_year_parts(
    name: str, members: list[int], facets: list[_Facets], limit: int
) -> list[tuple[str, list[int]]]:
    """Last resorts, each only where the one before leaves a group too big: by kind of link,
    by year, then numbered parts."""
    out: list[tuple[str, list[int]]] = []
    for kind_name, by_kind in _partition(
        name, members, lambda i: KIND_HEADINGS[facets[i].kind], limit
    ):
        if len(by_kind) <= limit:
            out.append((kind_name, by_kind))
            continue
        for year_name, by_year in _partition(
            kind_name, by_kind, lambda i: facets[i].year or "year unknown", limit
        ):
            if len(by_year) <= limit:
                out.append((year_name, by_year))
                continue
            parts = -(-len(by_year) // limit)
            size = -(-len(by_year) // parts)
            out += [
                (f"{year_name} (part {p + 1} of {parts})", by_year[p * size : (p + 1) * size])
                for p in range(parts)
            ]
    return out


def _partition(
    name: str, members: list[int], key: Callable[[int], str], limit: int
) -> list[tuple[str, list[int]]]:
    """`members` by `key` as `name: key` groups, or all under `name` when they share one."""
    by: dict[str, list[int]] = {}
    for i in members:
        by.setdefault(key(i), []).append(i)
    if len(by) < 2:
        return [(name, members)]
    return [(f"{name}: {k}", by[k]) for k in sorted(by, key=lambda k: (-len(by[k]), k))]


@dataclass(frozen=True)
class Assignment:
    """The topic of each link, in order, and the topic each subgroup was split from."""

    topics: list[str]
    parents: dict[str, str]

    def selects(self, topic: str, wanted: set[str]) -> bool:
        """Whether `topic` is one of `wanted` or a subgroup of one."""
        return topic in wanted or self.parents.get(topic, "") in wanted


def assign(infos: Sequence[LinkInfo], rules: TopicRules) -> Assignment:
    """Every link's topic, giant topics split (see `split_topic`) unless curated: a topic
    people wrote into the catalogue is theirs to size.  The work is shared with a forked
    helper (`cores.map_shared`)."""
    chunk = max(16, len(infos) // 64)  # the last chunks even out the two shares
    cache: dict[str, _Part] = {}  # the parts of the evidence recur: each matched once a process
    topics = map_shared(lambda part: [topic_of(i, rules, cache) for i in part], infos, chunk)
    cache.clear()  # (its memory, for what follows)
    limit = rules.split.limit(len(infos))
    members: dict[str, list[int]] = {}
    for i, topic in enumerate(topics):
        members.setdefault(topic, []).append(i)
    parents: dict[str, str] = {}
    taken = set(members)
    giants = [
        (topic, indexes)
        for topic, indexes in members.items()
        if len(indexes) > limit and not all(infos[i].link.topic == topic for i in indexes)
    ]

    def split(some: Sequence[tuple[str, list[int]]]) -> list[list[tuple[str, list[int]]]]:
        return [split_topic(t, [infos[i] for i in chosen], limit, rules) for t, chosen in some]

    # each giant topic is split by itself, the largest first, shared with a forked helper
    largest = sorted(giants, key=_size, reverse=True)
    done = map_shared(split, largest, weight=sum(map(_size, giants)))
    splits = dict(zip((t for t, _ in largest), done, strict=True))
    for topic, indexes in giants:  # in order: a name taken twice is numbered in this order
        for sub, chosen in splits[topic]:
            if sub != topic:
                unique, n = sub, 1
                while unique in taken:
                    n += 1
                    unique = f"{sub} ({n})"
                taken.add(unique)
                parents[unique] = topic
                for c in chosen:
                    topics[indexes[c]] = unique
    return Assignment(topics, parents)


def _size(giant: tuple[str, list[int]]) -> int:
    return len(giant[1])


def assign_topics(infos: Sequence[LinkInfo], rules: TopicRules) -> list[str]:
    """The topic of each link, in order (giant topics split)."""
    return assign(infos, rules).topics


def check_wanted(wanted: Iterable[str], rules: TopicRules, present: Iterable[str]) -> set[str]:
    """`wanted` as a set, or `UnknownChoiceError` naming the topics that neither the rules nor
    the links (curated topics, headings, subgroups) know, and the ones they do."""
    wanted = set(wanted)
    present = list(dict.fromkeys(present))
    known = [t.name for t in rules.topics] + [p for p in present if p not in rules.descriptions]
    unknown = wanted - set(known)
    if unknown:
        raise UnknownChoiceError(
            f"unknown topic(s): {', '.join(sorted(unknown))}; topics are {', '.join(known)}"
        )
    return wanted


def kind_names() -> str:
    """The valid `--kind` values, for messages."""
    return ", ".join(k.value for k in Kind)
