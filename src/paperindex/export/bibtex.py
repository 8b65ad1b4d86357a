"""BibTeX and biblatex export, with text that real toolchains accept.

Text fields are encoded by `paperindex.tex`, not by bibtexparser's `LatexEncodingMiddleware`,
which would wrap `url` in `\\url{}` and leave CJK raw with a warning per character:

* normalise first, escape last: look-alikes (`﹨input﹛…﹜`) are folded and transliterated
  *before* the LaTeX specials are escaped, so no character can turn into a command later;
  braces become `{\\textbraceleft}`/`{\\textbraceright}`, never `\\{`: BibTeX counts every
  brace, escaped or not, so only balanced output is safe.
* TeX math from arXiv titles (`5$\\times$`, `$\\sigma$`) stays math only in titles, and only
  when pylatexenc parses it and it passes TeX's rules on scripts with whitelisted commands.
* Words with capitals after their first letter (`GPT-4V`, `LLMs`, `MoE`) are brace-protected one
  by one, so styles that lower-case titles keep them; the whole title is never wrapped.
* bibtex dialect: accented letters become LaTeX that plain pdfLaTeX sets; other scripts
  (CJK, …) are transliterated to ASCII (anyascii), one syllable per character, so the file
  compiles anywhere.  biblatex dialect: UTF-8 is kept as is.
* Values written without escaping (`eprint`, `primaryClass`/`eprintclass`, `doi`, `year`,
  `url`) are checked against their grammar; one that does not match is left out, with a
  warning on the `paperindex.export.bibtex` logger, never written raw.  URLs are percent-encoded
  where RFC 3986 requires it (and nowhere else), so none can break out of its field.
* A `url` field is read verbatim by every consumer (biber, `\\url` at the top level of a .bst's
  output, ACM's `\\urldef`), but `howpublished` ends up inside another command's argument
  (biblatex's `\\field`, ACM's `\\bibinfo`), where `\\url` cannot take `%` or `#`: such a URL is
  written there as escaped text instead (`\\%`, `\\#`), which every consumer prints as the URL.
* More than `MAX_AUTHORS` authors are cut to that many and `and others` (every style prints
  "et al."), as INSPIRE does for collaborations: biber takes seconds per thousand names and
  plainnat would print them all.  CSL-JSON and RIS keep every name.
* Control characters and bidi controls never reach the file.

The entries are written here, not by bibtexparser's writer: the layout is the one bibtexparser
writes (`tests/test_bibtex.py` checks it byte for byte), without its copy of every block.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .. import defaults
from ..model import Kind
from . import tex
from .base import ExportContext, Exporter, ExportError
from .view import LinkInfo, fallback_title

_Add = Callable[[str, str], None]
Style = Literal["arxiv", "scholar"]
Dialect = tex.Dialect
STYLES: tuple[str, ...] = defaults.STYLES
DIALECTS: tuple[str, ...] = defaults.DIALECTS
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BibOptions:
    """How to write entries."""

    style: Style = "arxiv"
    """`arxiv`: arXiv's own export (`@misc` + eprint); `scholar`: `@article` with
    `journal = {arXiv preprint arXiv:ID}`."""
    dialect: Dialect = "bibtex"
    """`bibtex`: entry types and fields standard .bst styles know, ASCII text;
    `biblatex`: `@online`/`@software`/`@dataset`, `eprinttype`, UTF-8."""

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ExportError(f"unknown style {self.style!r}; styles are {', '.join(STYLES)}")
        if self.dialect not in DIALECTS:
            raise ExportError(
                f"unknown dialect {self.dialect!r}; dialects are {', '.join(DIALECTS)}"
            )


# --- text -------------------------------------------------------------------------------------


def latex(s: str, dialect: Dialect, protect: bool = False, math: bool = True) -> str:
    """`s` as a BibTeX field value: safe math kept, text escaped, acronyms protected."""
    return tex.latex(s, dialect, protect=protect, math=math)


def safe_url(url: str) -> str:
    """An http(s) URL with every character outside RFC 3986 percent-encoded."""
    encoded = tex.checked_url(url)
    if encoded is None:
        raise ExportError(f"not an http(s) URL: {url!r}")
    return encoded


# natbib reads `\bibitem[Name(year)]{key}`, with the label made of authors' last names or the
# `key` field: a `]` there would end the optional argument and a parenthesis would split the
# label in the wrong place.  In braces they are only text.
_LABEL_DELIMITERS = re.compile(r"[][()]")


def _label_text(text: str, dialect: Dialect) -> str:
    """`text` (already encoded) safe inside a bibtex label."""
    if dialect == "biblatex":
        return text
    return _LABEL_DELIMITERS.sub(lambda m: "{" + m.group() + "}", text)


_AND = re.compile(r"\band\b", re.I)
# A name of ASCII letters, dots, hyphens, apostrophes and single spaces needs no encoding and
# no protection unless it holds the word "and" (the common case, checked first).
_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z.'-]*(?: [A-Za-z.'-]+)*", re.ASCII)
MAX_AUTHORS = 50
"""Authors written before `and others` (see the module docstring)."""


# A name part that starts with escaped specials: biber decodes `{\\textbraceleft}` to "{" for the
# part's initial (`familyi={{\\bibinitperiod}`: an unbalanced .bbl), so the leading escapes are
# written unbraced (`\\textbraceleft{}`, which biber skips) and the part becomes one braced group
# that starts with a backslash: still one "special character" to BibTeX's text.prefix$ (alpha
# builds labels from the first letters of names), which a bare `\\textbraceleft{}` would not be.
_ESCAPE = (
    r"\{\\(?:textbackslash|textbraceleft|textbraceright|textasciitilde|textasciicircum|[$&%#_])\}"
)
# A part starts after a space, or after the comma of "Last, First" (`Last,{\\textbackslash}x`:
# the given name); in a name kept whole its commas are braced, so only a space separates.
_LEADING_RUN = re.compile(rf"(?<![^\s,])((?:{_ESCAPE})+)([^\s,]*)")
_LEADING_RUN_WHOLE = re.compile(rf"(?<!\S)((?:{_ESCAPE})+)(\S*)")


# A hyphenated word whose later part starts with an escape (`Ab-{\\textbraceright}`): biber
# takes that part's initial from the decoded escape too (`A\\bibinithyphendelim }`: the same
# unbalanced .bbl), and leading-run unbracing does not help there; the word braced whole is one
# part to biber (initial "A") and to BibTeX.  A name part starts after a space or a comma
# ("Last,{\\textbackslash}x": the given name starts at the escape), which stays outside.
# Unicode's Dash characters: biber splits a name part at any of them (`\\p{Dash}`).
_DASH = (
    "\\-\u058a\u05be\u1400\u1806\u2010-\u2015\u2053\u207b\u208b\u2212\u2e17\u2e1a"
    "\u2e3a\u2e3b\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead"
)
# A dash (as written, or the bibtex dialect's escape of one), then an escaped special (an
# accent is decoded to a letter: `Jean-{\\'E}tienne` keeps its two initials).
_DASHED = rf"(?:[{_DASH}]|\{{\\text(?:en|em)dash\}}){_ESCAPE}"
_HYPHEN_ESCAPE = re.compile(rf"(?<![^\s,])([^\s,{{][^\s,]*?{_DASHED}[^\s,]*?)(?=[\s,]|$)")
_HYPHEN_ESCAPE_WHOLE = re.compile(rf"(?<!\S)([^\s{{]\S*?{_DASHED}\S*?)(?=\s|$)")


def _parts_protected(text: str, whole: bool) -> str:
    """Leading escape runs unbraced and hyphenated words with escapes braced (see above), in a
    "Last, First" name or (`whole`) one kept whole."""
    leading, hyphen = (
        (_LEADING_RUN_WHOLE, _HYPHEN_ESCAPE_WHOLE) if whole else (_LEADING_RUN, _HYPHEN_ESCAPE)
    )
    text = leading.sub(_leading_escape, text)
    return hyphen.sub(lambda m: "{" + m.group(1) + "}", text)


def _unbraced(escapes: str) -> str:
    return re.sub(
        r"\{\\([A-Za-z]+|.)\}",
        lambda m: "\\" + m.group(1) + ("{}" if m.group(1).isalpha() else ""),
        escapes,
    )


def _leading_escape(m: re.Match[str]) -> str:
    return "{" + _unbraced(m.group(1)) + m.group(2) + "}"


def _kept_whole(text: str) -> str:
    """`text` as one name that BibTeX neither splits at "and" nor reorders at a comma.  Braced
    whole when it holds no escape; an escape inside a group that does not start with a command
    would be cut by text.prefix$ (`{pQ{\\&}X}` → `{pQ{\\}}`), so then only the word "and" and
    the commas are braced."""
    if "\\" not in text:
        return "{" + text + "}"
    text = _AND.sub(lambda m: "{" + m.group() + "}", text).replace(",", "{,}")
    return _parts_protected(text, whole=True)


# biblatex dialect, read by biber alone: biber takes a name part's initial (`giveni`,
# `familyi` in the .bbl) from the part with `\\cmd` and `\\cmd{arg}` replaced by `arg`
# (Biber::Utils::strip_noinit), its leading "{" removed, then its first character, or first two
# when that one is a diacritic (`＾`, `` ` ``).  A braced escape leaves a brace there
# (`{\\textbraceleft}x` → "}", `＾{\\$}` → "＾{": an unbalanced .bbl), and no bracing of the part
# helps when all it holds is escapes.  So a name's escapes are written unbraced
# (`\\textbraceleft{}`, deleted whole; `\\$`, whose initial is "\\"): its parts then hold no
# brace at all.  A name kept whole is one group ("{" is removed from its start) only when it
# has a space or a comma, or is the word "and": one token is never split, and its group's
# closing brace would be the initial's second character after a lone diacritic (`{＾}` →
# "＾}").  BibTeX's text.prefix$, which needs escapes braced, never reads this dialect.
_BRACED_ESCAPE = re.compile(_ESCAPE)


def _biber_name(text: str, whole: bool) -> str:
    """An encoded biblatex name (its braces are escapes') with its escapes unbraced, and
    braced whole if `whole` and biber could split it (see above)."""
    text = _BRACED_ESCAPE.sub(lambda m: _unbraced(m.group()), text)
    if text == "0":  # false to Perl: biber skips the entry ("Name … is empty"), braced or not
        return "0{}"
    if whole and (text.lower() == "and" or any(c.isspace() or c == "," for c in text)):
        return "{" + text + "}"
    return text


def _person(name: str, dialect: Dialect) -> str:
    """One name; protected whole when BibTeX would split or misread it: an "and" inside it
    (checked after normalisation: full-width "ａｎｄ" is "and" by then), more than one comma,
    a comma with nothing on one side, or no letter at all (biber drops a name "0")."""
    if _PLAIN_NAME.fullmatch(name) and not _AND.search(name):
        return name
    text = _label_text(latex(name, dialect, math=False), dialect)
    last, comma, first = text.partition(",")
    whole = bool(
        _AND.search(text)
        or text.count(",") > 1
        or (comma and not (last.strip() and first.strip()))
        or not any(c.isalpha() for c in text)
    )
    if dialect == "biblatex":
        return _biber_name(text, whole)
    if whole:
        return _kept_whole(text)
    if "{\\" not in text:
        return text
    return _parts_protected(text, whole=False)


# Names recur across a catalogue (the same people write many papers): each is encoded once.
_person_cached = lru_cache(maxsize=1 << 16)(_person)


def _authors(info: LinkInfo, dialect: Dialect) -> str:
    names = [p for p in (_person_cached(a, dialect) for a in info.authors) if p]
    if len(names) > MAX_AUTHORS:
        names[MAX_AUTHORS:] = ["others"]
    if names:
        return " and ".join(names)
    account = latex(info.account, dialect, math=False) if info.account else ""
    if not account:
        return ""
    if dialect == "biblatex":  # never "Last, First"
        return _biber_name(account, whole=True)
    return _kept_whole(_label_text(account, dialect))


def _checked(key: str, field: str, value: str | None, valid: Callable[[str], bool]) -> str:
    """`value` when it matches its grammar; else "" and a warning (it is never written raw)."""
    if not value:
        return ""
    if valid(value):
        return value
    log.warning("%s: %s %r is not valid; left out", key, field, value)
    return ""


# --- entries ----------------------------------------------------------------------------------


def entry_fields(info: LinkInfo, options: BibOptions) -> tuple[str, list[tuple[str, str]]]:
    """(entry type, fields in output order) for one link."""
    d = options.dialect
    link = info.link
    fields: list[tuple[str, str]] = []

    def add(name: str, value: str) -> None:
        if value:
            fields.append((name, value))

    authors = _authors(info, d)
    add("author", authors)
    # a title made only of control characters is empty once cleaned: fall back as for none
    title = latex(info.title, d, protect=True) or latex(fallback_title(link), d, protect=True)
    add("title", title)
    year = _checked(link.key, "year", info.year, tex.valid_year)
    if link.kind is Kind.PAPER:
        entry_type = _paper_fields(info, options, year, bool(authors), add)
    else:
        entry_type = _other_fields(info, options, year, add)
    if d == "bibtex":
        if not authors:  # .bst styles sort by author, else by this field, else they warn
            # no math: alpha builds its label from the key's first three characters
            key = latex(info.title, d, math=False) or latex(fallback_title(link), d, math=False)
            add("key", _label_text(key, d))
        if not year:  # plainnat warns on an empty year; "n.d." is the usual "no date"
            fields.insert(
                next((i for i, f in enumerate(fields) if f[0] == "title"), -1) + 1,
                ("year", "n.d."),
            )
    return entry_type, fields


def _url(key: str, url: str) -> str:
    encoded = tex.checked_url(url)
    if encoded is None:
        log.warning("%s: url %r is not an http(s) URL; left out", key, url)
        return ""
    return encoded


# Characters of an encoded URL that are special in TeX text.
_URL_SPECIALS = re.compile(r"[$&%#_~]")


def url_text(url: str) -> str:
    """An encoded URL for `howpublished`, which styles put inside another command's argument:
    `\\url{…}` when that is safe there, else the URL as escaped text (`\\url` cannot take `%` or
    `#` inside an argument: biblatex stops with "File ended while scanning use of \\field")."""
    if "%" in url or "#" in url:
        return _URL_SPECIALS.sub(lambda m: tex.SPECIALS[m.group()], url)
    return "\\url{" + url + "}"


def _paper_fields(
    info: LinkInfo, options: BibOptions, year: str, has_author: bool, add: _Add
) -> str:
    d, link = options.dialect, info.link
    key = link.key
    arxiv = info.arxiv_id  # also when the row was first cited by its DOI or forum (an alias)
    eprint = _checked(key, "eprint", arxiv, tex.valid_arxiv_id) if arxiv else ""
    venue = latex(info.venue, d, math=False) if info.venue else ""  # "" if only controls
    journal = "journaltitle" if d == "biblatex" else "journal"
    if venue:
        entry_type = "article" if info.venue_is_journal else "inproceedings"
        container = (journal if entry_type == "article" else "booktitle", venue)
    elif eprint and options.style == "scholar":
        entry_type = "article"
        container = (journal, f"arXiv preprint arXiv:{eprint}")
    else:
        entry_type, container = ("online" if d == "biblatex" else "misc"), ("", "")
    if d == "bibtex" and not has_author and entry_type != "misc":
        # .bst styles require an author for articles and proceedings papers and warn
        # without one; @misc does not, and prints the venue as `howpublished`
        entry_type, container = "misc", ("howpublished", container[1])
    add(*container)
    add("year", year)
    if eprint and (options.style == "arxiv" or venue):
        add("eprint", eprint)
        category_field = "eprintclass" if d == "biblatex" else "primaryClass"
        category = info.facts.primary_category
        if d == "biblatex":
            add("eprinttype", "arxiv")
        else:
            add("archivePrefix", "arXiv")
        add(category_field, _checked(key, category_field, category, tex.valid_arxiv_category))
    add("doi", _checked(key, "doi", info.doi, tex.valid_doi))
    add("url", _url(key, link.url))
    if d == "biblatex" and info.facts.retrieved is not None:
        add("urldate", info.facts.retrieved.isoformat())
    return entry_type


_BIBLATEX_TYPES = {Kind.CODE: "software", Kind.DATASET: "dataset", Kind.MODEL: "software"}


def _other_fields(info: LinkInfo, options: BibOptions, year: str, add: _Add) -> str:
    url = _url(info.link.key, info.link.url)
    add("year", year)
    if options.dialect == "biblatex":
        add("url", url)
        return _BIBLATEX_TYPES.get(info.link.kind, "online")
    if url:
        add("howpublished", url_text(url))
    return "misc"


_KEY = re.compile(r"[A-Za-z0-9_:.+/-]+")


def bibtex(infos: Iterable[LinkInfo], options: BibOptions | None = None) -> str:
    """The .bib text for `infos`, in their order; every link needs a key (see `assign_keys`)."""
    return "".join(bibtex_parts(infos, options))


_MARK = "\x00"
"""Where a field name's padding goes, until the longest name is known: `clean` removes every
control character from the values, and keys and types cannot hold one."""
_BATCH = 1000


def bibtex_parts(infos: Iterable[LinkInfo], options: BibOptions | None = None) -> Iterator[str]:
    """`bibtex`'s text in pieces of `_BATCH` entries.  The names are aligned on the longest
    of all, known only at the end: each entry is written at once with a mark after each name
    (a string per entry, not its fields: a tenth of the memory), and the marks become padding
    as the pieces go out."""
    options = options or BibOptions()
    infos = list(infos)
    missing = [i.link.id for i in infos if not i.link.key]
    if missing:
        raise ExportError(f"{len(missing)} link(s) have no citation key: {', '.join(missing)}")
    bad = [i.link.key for i in infos if not _KEY.fullmatch(i.link.key)]
    if bad:
        raise ExportError(
            "key(s) BibTeX cannot use (letters, digits and _:.+/- only): "
            + ", ".join(repr(k) for k in bad)
            + "; edit the key column of the catalogue"
        )
    names: set[str] = set()
    pieces: list[str] = []
    batch: list[str] = []
    for info in infos:
        entry_type, fields = entry_fields(info, options)
        key = info.link.key
        if fields:
            names.update([name for name, _ in fields])
            body = ",\n".join([f"  {name}{_MARK} = {{{value}}}" for name, value in fields])
            batch.append(f"@{entry_type}{{{key},\n{body}\n}}\n")
        else:
            batch.append(f"@{entry_type}{{{key},\n}}\n")
        if len(batch) == _BATCH:
            pieces.append("\n".join(batch))
            batch = []
    if batch:
        pieces.append("\n".join(batch))
    del batch
    yield (
        f"% Generated by paperindex ({len(infos)} entries, style={options.style}, "
        f"dialect={options.dialect}). Edit data/links.csv, not this file.\n\n"
    )
    width = max(map(len, names), default=0)
    marks = [(f"\n  {n}{_MARK} = ", f"\n  {n}{' ' * (width - len(n))} = ") for n in names]
    for n, piece in enumerate(pieces):
        pieces[n] = ""  # given away: not held twice
        for mark, padded in marks:
            piece = piece.replace(mark, padded)
        yield f"\n{piece}" if n else piece


def write_entries(entries: Sequence[tuple[tuple[str, list[tuple[str, str]]], str]]) -> str:
    """((type, fields), key) pairs as .bib text in bibtexparser's layout (two-space indent,
    values braced and aligned one column after the longest field name, one blank line between
    entries).  Values must be balanced already (`tex` makes them so)."""
    width = max((len(name) for (_, fields), _ in entries for name, _ in fields), default=0)
    pads = [" " * (width - n) for n in range(width + 1)]
    out: list[str] = []
    for (entry_type, fields), key in entries:
        body = ",\n".join([f"  {name}{pads[len(name)]} = {{{value}}}" for name, value in fields])
        out.append(
            f"@{entry_type}{{{key},\n{body}\n}}\n" if body else f"@{entry_type}{{{key},\n}}\n"
        )
    return "\n".join(out)


class BibtexExporter(Exporter):
    """BibTeX or biblatex (`BibOptions`)."""

    name = "bib"
    default_file = "references.bib"
    needs_mentions = False
    description = "BibTeX (--style arxiv|scholar, --dialect bibtex|biblatex)"

    def __init__(self, style: str = STYLES[0], dialect: str = DIALECTS[0]) -> None:
        self.options = BibOptions(style=style, dialect=dialect)  # type: ignore[arg-type]

    def render(self, infos: Sequence[LinkInfo], context: ExportContext) -> str:
        return bibtex(infos, self.options)

    def parts(self, infos: Sequence[LinkInfo], context: ExportContext) -> Iterator[str]:
        return bibtex_parts(infos, self.options)
