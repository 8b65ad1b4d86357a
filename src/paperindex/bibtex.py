"""BibTeX and biblatex export through bibtexparser, with text that real toolchains accept.

Text fields are encoded here, not by bibtexparser's `LatexEncodingMiddleware`, which would wrap
`url` in `\\url{}` and leave CJK raw with a warning per character:

* LaTeX specials become text commands.  Braces become `\\textbraceleft{}`/`\\textbraceright{}`,
  never `\\{`: BibTeX counts every brace, escaped or not, so only balanced output is safe.
  A title such as `\\input{/etc/passwd}` or `@comment{` therefore comes out as literal text.
* TeX math from arXiv titles (`5$\\times$`, `$\\sigma$`) stays math when every command in it is a
  known-safe math command; anything else in dollars is escaped as text.
* Words with capitals after their first letter (`GPT-4V`, `LLMs`, `MoE`) are brace-protected one
  by one, so styles that lower-case titles keep them; the whole title is never wrapped.
* bibtex dialect: accented letters become LaTeX (pylatexenc); scripts that pdfLaTeX cannot set
  without extra packages (CJK, …) are transliterated to ASCII (anyascii), one syllable per
  character, so the file compiles anywhere.  biblatex dialect: UTF-8 is kept as is.
* `url`, `doi` and `eprint` are never escaped or wrapped; URLs are checked and percent-encoded
  to RFC 3986 characters, so none can break out of its field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlsplit

from .model import Kind
from .view import LinkInfo

_Add = Callable[[str, str], None]
Style = Literal["arxiv", "scholar"]
Dialect = Literal["bibtex", "biblatex"]

_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_MATH = re.compile(r"\$([^$]{1,200})\$")
_MATH_COMMANDS = frozenset(
    """times cdot ldots cdots pm mp to rightarrow leftarrow leq geq le ge neq approx sim propto
    infty partial nabla ell circ star ast in top perp prime log exp sum prod alpha beta gamma
    delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi rho sigma tau
    upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi
    Omega""".split()
)
_MATH_WITH_ARG = frozenset({"mathcal", "mathbf", "mathrm", "mathit", "sqrt"})
_MATH_TOKEN = re.compile(r"\\([A-Za-z]+)|([A-Za-z0-9 +\-*/=<>()\[\]|.,;:'!^_{}])|(.)", re.S)
_EDGE = "\"'.,:;!?“”‘’"
_SAFE_URL_CHARS = "/:@!$&'()*+,;=?#%-._~"
_CJK_RANGES = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    "\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff"
)
_CJK = re.compile(f"[{_CJK_RANGES}]")
# Words for acronym protection: runs of CJK and runs of anything else but spaces, so a title
# written without spaces (天工Skywork-13B開源) still protects only `Skywork-13B`.
_WORD = re.compile(f"[{_CJK_RANGES}]+|[^\\s{_CJK_RANGES}]+")
# Where CJK meets other text: transliterated syllables need a space there.
_CJK_EDGE = re.compile(
    f"(?<=[{_CJK_RANGES}])(?=[^\\s{_CJK_RANGES}])|(?<=[^\\s{_CJK_RANGES}])(?=[{_CJK_RANGES}])"
)


class ExportError(ValueError):
    """The catalogue cannot be exported as asked (the message says which rows and why)."""


@dataclass(frozen=True)
class BibOptions:
    """How to write entries."""

    style: Style = "arxiv"
    """`arxiv`: arXiv's own export (`@misc` + eprint); `scholar`: `@article` with
    `journal = {arXiv preprint arXiv:ID}`."""
    dialect: Dialect = "bibtex"
    """`bibtex`: entry types and fields standard .bst styles know, ASCII text;
    `biblatex`: `@online`/`@software`/`@dataset`, `eprinttype`, UTF-8."""


# --- text -------------------------------------------------------------------------------------


def _is_safe_math(body: str) -> bool:
    """True when `body` (between dollars) is math that plain LaTeX typesets without error and
    that runs no command outside a short list of symbols and font switches."""
    tokens = []
    for m in _MATH_TOKEN.finditer(body):
        command, plain, other = m.groups()
        if other is not None:
            return False
        if command is not None:
            if command not in _MATH_COMMANDS and command not in _MATH_WITH_ARG:
                return False
            tokens.append("\\" + command)
        elif plain != " ":
            tokens.append(plain)
    depth = 0
    scripts: list[set[str]] = [set()]  # scripts already attached to the current atom, per group
    expect_operand = False
    for token in tokens:
        if token in ("^", "_"):
            if expect_operand or token in scripts[-1]:
                return False  # "x^^", "x^2^3": TeX errors
            scripts[-1].add(token)
            expect_operand = True
            continue
        if token == "{":
            depth += 1
            scripts.append(set())
            expect_operand = False
            continue
        if token == "}":
            depth -= 1
            if depth < 0 or expect_operand:
                return False
            scripts.pop()
            continue
        if expect_operand:  # the script's operand: the scripts stay attached to the same atom
            expect_operand = token[1:] in _MATH_WITH_ARG
            continue
        scripts[-1] = set()  # a new atom
        expect_operand = token[1:] in _MATH_WITH_ARG
    return depth == 0 and not expect_operand


def _char(c: str, dialect: Dialect) -> str:
    if c in _SPECIALS:
        return _SPECIALS[c]
    if c.isascii() or dialect == "biblatex":
        return c
    if _CJK.match(c):
        from anyascii import anyascii

        return f" {anyascii(c)} "
    from pylatexenc.latexencode import unicode_to_latex

    encoded: str = unicode_to_latex(
        c, non_ascii_only=True, unknown_char_policy="keep", unknown_char_warning=False
    )
    if encoded == c:  # no LaTeX form known
        from anyascii import anyascii

        return str(anyascii(c))
    return "{" + encoded + "}" if encoded.startswith("\\") else encoded


def _text(s: str, dialect: Dialect) -> str:
    out = "".join(_char(c, dialect) for c in s)
    return " ".join(out.split()) if dialect == "bibtex" else out


def _core(word: str) -> str:
    """The word without surrounding punctuation; a parenthesis only when it is unmatched."""
    core = word.strip(_EDGE)
    while core:
        opens, closes = core[:1] in ("(", "["), core[-1:] in (")", "]")
        if opens and closes:
            core = core[1:-1]
        elif opens and not any(c in core for c in ")]"):
            core = core[1:]
        elif closes and not any(c in core for c in "(["):
            core = core[:-1]
        else:
            break
        core = core.strip(_EDGE)
    return core


def _protect_word(word: str) -> bool:
    core = _core(word)
    return any(any(ch.isupper() for ch in part[1:]) for part in core.split("-") if part)


def latex(s: str, dialect: Dialect, protect: bool = False) -> str:
    """`s` as a BibTeX field value: safe math kept, text escaped, acronyms protected."""
    s = " ".join(s.split())
    if dialect == "bibtex":
        s = _CJK_EDGE.sub(" ", s)
    pieces = []
    pos = 0
    for m in _MATH.finditer(s):
        if _is_safe_math(m.group(1)):
            pieces.append(_words(s[pos : m.start()], dialect, protect))
            pieces.append(m.group())
            pos = m.end()
    pieces.append(_words(s[pos:], dialect, protect))
    return " ".join("".join(pieces).split())


def _words(s: str, dialect: Dialect, protect: bool) -> str:
    def one(m: re.Match[str]) -> str:
        word = m.group()
        if not (protect and _protect_word(word)):
            return _text(word, dialect)
        core = _core(word)
        start = word.index(core)
        end = start + len(core)
        return (
            _text(word[:start], dialect)
            + "{"
            + _text(core, dialect)
            + "}"
            + _text(word[end:], dialect)
        )

    # keep the spaces around math pieces: only words are rewritten
    return _WORD.sub(one, s)


def safe_url(url: str) -> str:
    """An http(s) URL with every character outside RFC 3986 percent-encoded."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ExportError(f"not an http(s) URL: {url!r}")
    return quote(url, safe=_SAFE_URL_CHARS + "[]")


def _person(name: str, dialect: Dialect) -> str:
    # "and" inside a name or an unmatched comma would split it: protect such names whole
    text = latex(name, dialect)
    if re.search(r"\band\b", name, re.I) or name.count(",") > 1:
        return "{" + text + "}"
    return text


def _authors(info: LinkInfo, dialect: Dialect) -> str:
    if info.authors:
        return " and ".join(_person(a, dialect) for a in info.authors)
    if info.account:  # an account or owner is one name, never "Last, First"
        return "{" + latex(info.account, dialect) + "}"
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
    add("title", latex(info.title, d, protect=True))
    if link.kind is Kind.PAPER:
        entry_type = _paper_fields(info, options, add)
    else:
        entry_type = _other_fields(info, options, add)
    if d == "bibtex":
        if not authors:  # .bst styles sort by author, else by this field, else they warn
            add("key", latex(info.title, d))
        if not info.year:  # plainnat warns on an empty year; "n.d." is the usual "no date"
            fields.insert(
                next(i for i, f in enumerate(fields) if f[0] == "title") + 1, ("year", "n.d.")
            )
    return entry_type, fields


def _paper_fields(info: LinkInfo, options: BibOptions, add: _Add) -> str:
    d, link, record = options.dialect, info.link, info.arxiv
    venue = info.venue
    if venue:
        entry_type = "article" if info.venue_is_journal else "inproceedings"
        journal = "journaltitle" if d == "biblatex" else "journal"
        add(journal if entry_type == "article" else "booktitle", latex(venue, d))
    elif link.source == "arxiv" and options.style == "scholar":
        entry_type = "article"
        add("journaltitle" if d == "biblatex" else "journal", f"arXiv preprint arXiv:{link.id}")
    else:
        entry_type = "online" if d == "biblatex" else "misc"
    add("year", info.year)
    if link.source == "arxiv" and (options.style == "arxiv" or venue):
        add("eprint", link.id)
        if d == "biblatex":
            add("eprinttype", "arxiv")
            add("eprintclass", record.primary_category if record else "")
        else:
            add("archivePrefix", "arXiv")
            add("primaryClass", record.primary_category if record else "")
    add("doi", info.doi)
    add("url", safe_url(link.url))
    if d == "biblatex" and record is not None:
        add("urldate", record.retrieved_at.date().isoformat())
    return entry_type


_BIBLATEX_TYPES = {Kind.CODE: "software", Kind.DATASET: "dataset", Kind.MODEL: "software"}


def _other_fields(info: LinkInfo, options: BibOptions, add: _Add) -> str:
    url = safe_url(info.link.url)
    add("year", info.year)
    if options.dialect == "biblatex":
        add("url", url)
        return _BIBLATEX_TYPES.get(info.link.kind, "online")
    add("howpublished", "\\url{" + url + "}")
    return "misc"


def bibtex(infos: Iterable[LinkInfo], options: BibOptions | None = None) -> str:
    """The .bib text for `infos`, in their order; every link needs a key (see `assign_keys`)."""
    from bibtexparser import model
    from bibtexparser.entrypoint import write_string
    from bibtexparser.library import Library
    from bibtexparser.writer import BibtexFormat

    options = options or BibOptions()
    infos = list(infos)
    missing = [i.link.id for i in infos if not i.link.key]
    if missing:
        raise ExportError(f"{len(missing)} link(s) have no citation key: {', '.join(missing)}")
    bad = [i.link.key for i in infos if not re.fullmatch(r"[A-Za-z0-9_:.+/-]+", i.link.key)]
    if bad:
        raise ExportError(
            "key(s) BibTeX cannot use (letters, digits and _:.+/- only): "
            + ", ".join(repr(k) for k in bad)
            + "; edit the key column of the catalogue"
        )
    library = Library()
    for info in infos:
        entry_type, fields = entry_fields(info, options)
        library.add(model.Entry(entry_type, info.link.key, [model.Field(k, v) for k, v in fields]))
    fmt = BibtexFormat()  # type: ignore[no-untyped-call]
    fmt.indent = "  "
    fmt.value_column = "auto"
    fmt.block_separator = "\n"
    header = (
        f"% Generated by paperindex ({len(infos)} entries, style={options.style}, "
        f"dialect={options.dialect}). Edit data/links.csv, not this file.\n\n"
    )
    return header + write_string(library, bibtex_format=fmt)
