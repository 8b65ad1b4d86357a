"""TeX for BibTeX field values, safe by construction.

Text is encoded in one fixed order, so that nothing produced late can undo an escape made early:

1. `clean` (no control or bidi characters), then Unicode normalisation: NFKC in the bibtex
   dialect, which folds look-alikes (`﹨` `｛` `％` become `\\` `{` `%`), NFC in the biblatex
   dialect, which keeps the text as written (no non-ASCII character is special to TeX, biber or
   pandoc, and NFC/NFD never produce an ASCII special);
2. TeX math (`$…$`) is kept only where a real parser (pylatexenc) and the structural rules of
   `is_safe_math` say that plain LaTeX compiles it; everything else is text;
3. bibtex dialect: each non-ASCII character becomes a LaTeX form that plain pdfLaTeX (OT1)
   typesets, taken from pylatexenc only when it matches a fixed whitelist of accents, text
   symbols and math symbols; any other character is transliterated by anyascii (CJK one
   syllable per character), and that ASCII is escaped like any other text;
4. escaping is last: the ten ASCII specials become text commands, braces included
   (`{\\textbraceleft}`), because BibTeX counts every brace, escaped or not; each is braced as a
   BibTeX special character, so no BibTeX string function can cut it.

The output therefore holds no command outside `TEXT_COMMANDS`/`MATH_COMMANDS`, balanced
braces and no control character (tests/test_tex_security.py checks this as a property and
through real pdflatex + bibtex and biber runs).

Values written without escaping (DOIs, arXiv ids and categories, years, URLs) are checked
against their grammar instead; a value that does not match is never written (see `bibtex.py`).
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import lru_cache
from typing import Any, Literal

from ..text import clean, encode_url

Dialect = Literal["bibtex", "biblatex"]

# Each escape is a BibTeX "special character", `{\\…}` at brace level 0: BibTeX's string
# functions (text.prefix$, purify$, change.case$) take it as one character, so a style that
# builds a label from the first letters of a name or a `key` (alpha: `{\\&}Co` → "&Co", never
# a cut `\\&` or `\\te`) or sorts on it cannot split it.
SPECIALS = {
    "\\": r"{\textbackslash}",
    "{": r"{\textbraceleft}",
    "}": r"{\textbraceright}",
    "$": r"{\$}",
    "&": r"{\&}",
    "%": r"{\%}",
    "#": r"{\#}",
    "_": r"{\_}",
    "~": r"{\textasciitilde}",
    "^": r"{\textasciicircum}",
    # OT1, pdfLaTeX's default font encoding, sets these three as ¡, ¿ and a dash
    "<": r"{\textless}",
    ">": r"{\textgreater}",
    "|": r"{\textbar}",
}
# Protection braces are marked with two control characters while the text is still raw, then
# become braces in the escaping pass: `clean` has removed every control character by then, so
# no input can forge one.
_OPEN, _CLOSE = "\x01", "\x02"

# Letters and symbols of OT1 and of the LaTeX kernel's text companion (TS1) that pdfLaTeX sets
# without any package; pylatexenc's forms are used only when their commands are in here.
_LETTERS = "AE ae OE oe O o L l ss i j aa AA"
_TEXT_SYMBOLS = """textemdash textendash textquoteleft textquoteright textquotedblleft
    textquotedblright textexclamdown textquestiondown textsection textparagraph textcopyright
    textregistered textdagger textdaggerdbl textbullet textperiodcentered textdegree texttimes
    textdiv textcent textsterling textyen textcurrency textbrokenbar texteuro textlnot
    textperthousand textpertenthousand textflorin textfractionsolidus textasciicaron
    textasteriskcentered textleftarrow textrightarrow textuparrow textdownarrow textinterrobang
    textreferencemark textmusicalnote textopenbullet textbigcircle textestimated textdiscount
    textrecipe textcircledP textmho textnaira textpeso textwon textdong textlira textbaht
    textcolonmonetary"""
TEXT_SYMBOLS = frozenset((_LETTERS + " " + _TEXT_SYMBOLS).split())
ACCENTS = frozenset("`'^\"~=.uvHcdbr")
"""Accent commands OT1 provides (no ogonek `\\k`, no tie `\\t`)."""
TEXT_ESCAPES = frozenset(
    {"textbackslash", "textbraceleft", "textbraceright", "textasciitilde", "textasciicircum"}
    | {"textless", "textgreater", "textbar"}
    | {"$", "&", "%", "#", "_", "-"}
)

# Math symbols that are single math characters (`\mathchardef`s), so they may also stand alone
# as a superscript or subscript (`x^\alpha`); their lower-case forms are in the set too, since
# BibTeX styles lower-case titles.
MATH_SYMBOLS = frozenset(
    """alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu
    xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta
    Lambda Xi Pi Sigma Upsilon Phi Psi Omega times cdot pm mp div ast star circ bullet cap cup
    vee wedge oplus ominus otimes odot setminus leq geq le ge neq ne approx sim simeq equiv
    propto in ni subset supset subseteq supseteq ll gg perp mid to gets rightarrow leftarrow
    leftrightarrow Rightarrow Leftarrow Leftrightarrow uparrow downarrow mapsto infty partial
    nabla forall exists neg emptyset ell top bot prime sum prod""".split()
)
# Macros: fine as atoms, not as a bare script (`x^\log` is a TeX error).
_MATH_MACROS = frozenset({"ldots", "cdots", "log", "exp"})
MATH_WITH_ARG = frozenset({"mathcal", "mathbf", "mathrm", "mathit", "sqrt"})
"""Commands whose one argument must be a braced group (`\\sqrt2` is refused)."""
MATH_COMMANDS = MATH_SYMBOLS | _MATH_MACROS | MATH_WITH_ARG
TEXT_COMMANDS = TEXT_SYMBOLS | ACCENTS | TEXT_ESCAPES | {"ensuremath"} | MATH_SYMBOLS
"""Every command the text encoder writes outside `$…$` (math symbols inside `\\ensuremath`)."""

_MATH = re.compile(r"\$([^$]{1,200})\$")
_MATH_CHARS = frozenset(string.ascii_letters + string.digits + "+-*/=<>()[]|.,;:!?")
"""Characters math may hold besides `^ _ ' { }` and spaces (no `& # % ~ \\ "` and no non-ASCII)."""

_CJK_RANGES = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    "\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff"
)
_CJK = re.compile(f"[{_CJK_RANGES}]")
# Words for acronym protection: runs of CJK and runs of anything else but spaces, so a title
# written without spaces (天工Skywork-13B開源) still protects only `Skywork-13B`.
_WORD = re.compile(f"[{_CJK_RANGES}]+|[^\\s{_CJK_RANGES}]+")
# ASCII words that may need protection: a capital after a letter of the same part; anchored at
# word starts, so a long word is scanned once.
_ASCII_CANDIDATE = re.compile(r"(?<!\S)\S*?[^\s-][A-Z]\S*")
# Where CJK meets other text: transliterated syllables need a space there.
_CJK_EDGE = re.compile(
    f"(?<=[{_CJK_RANGES}])(?=[^\\s{_CJK_RANGES}])|(?<=[^\\s{_CJK_RANGES}])(?=[{_CJK_RANGES}])"
)
_EDGE = "\"'.,:;!?“”‘’"

_SYMBOL_ALT = "|".join(sorted(TEXT_SYMBOLS, key=len, reverse=True))
_MATH_ALT = "|".join(sorted(MATH_SYMBOLS, key=len, reverse=True))
_BASE = r"(?:[A-Za-z]|\\[ij])"
_FORM = (
    rf"\\(?:{_SYMBOL_ALT})(?![A-Za-z])"
    rf"|\\[`'^\"~=.](?:{_BASE}|\{{{_BASE}\}})"
    rf"|\\[uvHcdbr]\{{{_BASE}\}}"
    r"|\\-"
)
# pylatexenc forms accepted as they are: a whitelisted command, optionally in one pair of braces.
_SAFE_FORM = re.compile(rf"(?:{_FORM})|\{{(?:{_FORM})\}}|\\ensuremath\{{\\(?:{_MATH_ALT})\}}")

_ESCAPE_RUN = re.compile(r"[\\{}$&%#_~^<>|\x01\x02]|[^\x00-\x7f]+")
_ESCAPE_ASCII = re.compile(r"[\\{}$&%#_~^<>|\x01\x02]")  # a plain class scans 5x faster
_ASCII_ESCAPES = {**SPECIALS, _OPEN: "{", _CLOSE: "}"}


def _latex_form(c: str) -> str | None:
    """pylatexenc's LaTeX for `c` when it uses only whitelisted commands, in braces."""
    from pylatexenc.latexencode import unicode_to_latex

    encoded: str = unicode_to_latex(
        c, non_ascii_only=True, unknown_char_policy="keep", unknown_char_warning=False
    )
    if encoded == c or not _SAFE_FORM.fullmatch(encoded):
        return None
    return "{" + encoded + "}" if encoded.startswith("\\") else encoded


def _ascii_text(s: str) -> str:
    """ASCII from anyascii (or anywhere): cleaned, then escaped like any other text."""
    return "".join([SPECIALS.get(c, c) for c in clean(s)])


class _BibtexChars(dict[str, str]):
    """Non-ASCII character -> ASCII LaTeX, computed once per character."""

    def __missing__(self, c: str) -> str:
        from anyascii import anyascii

        if _CJK.match(c):
            value = f" {_ascii_text(anyascii(c))} "
        else:
            value = _latex_form(c) or _ascii_text(anyascii(c))
        self[c] = value
        return value


_BIBTEX_CHARS = _BibtexChars(_ASCII_ESCAPES)


def _escape_bibtex(m: re.Match[str]) -> str:
    run = m.group()
    if len(run) == 1:
        return _BIBTEX_CHARS[run]
    return "".join([_BIBTEX_CHARS[c] for c in run])


def _escape_biblatex(m: re.Match[str]) -> str:
    run = m.group()
    return _ASCII_ESCAPES.get(run, run)  # non-ASCII runs are kept as written


def prepare(s: str, dialect: Dialect) -> str:
    """Step 1: normalised, cleaned, whitespace folded to single spaces."""
    if not s.isascii():
        s = unicodedata.normalize("NFKC" if dialect == "bibtex" else "NFC", s)
    s = " ".join(clean(s).split())
    if dialect == "bibtex" and not s.isascii():
        s = " ".join(_CJK_EDGE.sub(" ", s).split())
    return s


def escape(s: str, dialect: Dialect) -> str:
    """Prepared text (see `prepare`) as TeX text: the last step, one regex pass."""
    if s.isascii():
        return _ESCAPE_ASCII.sub(_escape_biblatex, s)
    return _ESCAPE_RUN.sub(_escape_bibtex if dialect == "bibtex" else _escape_biblatex, s)


def latex(s: str, dialect: Dialect, protect: bool = False, math: bool = True) -> str:
    """`s` as a BibTeX field value: normalised, safe math kept (when `math`), text escaped,
    words with inner capitals brace-protected (when `protect`)."""
    if s.isascii() and s.isprintable() and "  " not in s and s[:1] != " " != s[-1:]:
        # the common case, printable ASCII with single spaces: `prepare` would change nothing
        if not (math and "$" in s):
            if protect:
                s = _ASCII_CANDIDATE.sub(_mark_word, s)
            return _ESCAPE_ASCII.sub(_escape_biblatex, s)
    s = prepare(s, dialect)
    pieces = []
    pos = 0
    if math and "$" in s:
        for m in _MATH.finditer(s):
            if is_safe_math(m.group(1)):
                pieces.append(escape(_mark(s[pos : m.start()], protect), dialect))
                pieces.append(m.group())
                pos = m.end()
    pieces.append(escape(_mark(s[pos:], protect), dialect))
    out = "".join(pieces)
    return " ".join(out.split()) if dialect == "bibtex" and not s.isascii() else out


# --- acronym protection ----------------------------------------------------------------------


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


def _mark_word(m: re.Match[str]) -> str:
    word = m.group()
    core = _core(word)
    if not any(any(ch.isupper() for ch in part[1:]) for part in core.split("-") if part):
        return word
    start = word.index(core)
    end = start + len(core)
    return word[:start] + _OPEN + core + _CLOSE + word[end:]


def _mark(s: str, protect: bool) -> str:
    """Words with capitals after their first letter (`GPT-4V`, `LLMs`) between protection
    marks; the escaping pass turns the marks into braces."""
    if not protect:
        return s
    return (_ASCII_CANDIDATE if s.isascii() else _WORD).sub(_mark_word, s)


# --- math ------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def is_safe_math(body: str) -> bool:
    """True when `$body$` is math that plain LaTeX compiles and that runs no command outside
    `MATH_COMMANDS`: parsed by pylatexenc (braces, commands and their arguments), then checked
    for TeX's rules on scripts (one superscript and one subscript per atom, a prime counts as a
    superscript, an operand after every `^`/`_` that is one character, one math symbol or a
    braced group), so `x^2'`, `x^\\sqrt{2}`, `x^^2` and `\\frac12` are refused."""
    if "^^" in body:  # TeX reads ^^5c as a backslash before any parsing
        return False
    from pylatexenc.latexwalker import LatexWalker, LatexWalkerError

    try:
        nodes, pos, length = LatexWalker(
            body, latex_context=_math_context(), tolerant_parsing=False
        ).get_latex_nodes()
    except LatexWalkerError:
        return False
    if pos + length != len(body):  # what the parser did not read (a lone `\`) is not math
        return False
    return _valid_math(nodes)


@lru_cache(maxsize=1)
def _math_context() -> Any:
    """A pylatexenc context that knows only the whitelisted commands, and no specials."""
    from pylatexenc.macrospec import LatexContextDb, MacroSpec

    context = LatexContextDb()
    context.add_context_category(
        "paperindex-math",
        macros=[MacroSpec(name, "{") for name in sorted(MATH_WITH_ARG)]
        + [MacroSpec(name, "") for name in sorted(MATH_SYMBOLS | _MATH_MACROS)],
        environments=[],
        specials=[],
    )
    return context


def _math_tokens(nodes: list[Any]) -> list[Any] | None:
    """Characters (str) and nodes, in order; None when a node is not allowed at all."""
    from pylatexenc.latexwalker import LatexCharsNode, LatexGroupNode, LatexMacroNode

    tokens: list[Any] = []
    for node in nodes:
        if isinstance(node, LatexCharsNode):
            tokens.extend(node.chars)
        elif isinstance(node, LatexGroupNode):
            if node.delimiters != ("{", "}") or not _valid_math(node.nodelist):
                return None
            tokens.append(node)
        elif isinstance(node, LatexMacroNode):
            if node.macroname not in MATH_COMMANDS or not _valid_arguments(node):
                return None
            tokens.append(node)
        else:  # comments, environments, nested math, specials
            return None
    return tokens


def _valid_arguments(node: Any) -> bool:
    from pylatexenc.latexwalker import LatexGroupNode

    args = node.nodeargd.argnlist if node.nodeargd is not None else []
    if node.macroname not in MATH_WITH_ARG:
        return not args
    return (
        len(args) == 1
        and isinstance(args[0], LatexGroupNode)
        and args[0].delimiters == ("{", "}")
        and _valid_math(args[0].nodelist)
    )


def _valid_math(nodes: list[Any]) -> bool:
    tokens = _math_tokens(nodes)
    if tokens is None:
        return False
    sup = sub = False  # scripts already on the current atom
    after_prime = False  # primes in a row are one superscript
    operand = False  # a `^` or `_` waits for its operand
    for token in tokens:
        char = token if isinstance(token, str) else ""
        if char == " ":
            continue
        if operand:
            if char and char not in _MATH_CHARS:
                return False
            if not char and getattr(token, "macroname", None) not in (None, *MATH_SYMBOLS):
                return False  # a macro (`\sqrt`, `\log`) needs braces as a script
            operand = after_prime = False
        elif char in ("^", "_"):
            if (sup if char == "^" else sub) or (char == "^" and after_prime):
                return False  # double script; `x'^2` is TeX-legal but refused to stay simple
            sup, sub = sup or char == "^", sub or char == "_"
            operand, after_prime = True, False
        elif char == "'":
            if sup and not after_prime:
                return False  # `x^2'`: the prime is a second superscript
            sup = after_prime = True
        elif char and char not in _MATH_CHARS:
            return False
        else:
            sup = sub = after_prime = False  # a new atom
    return not operand


# --- values written without escaping ----------------------------------------------------------

# re.ASCII: `\d` would otherwise match full-width and other Unicode digits.
_DOI = re.compile(r"10\.\d{4,9}(?:\.\d+)*/[-._;()/:<>+A-Za-z0-9]+", re.ASCII)
_ARXIV_ID = re.compile(
    r"(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})(?:v[1-9]\d*)?", re.ASCII
)
_ARXIV_CATEGORY = re.compile(r"[a-z-]+(?:\.[A-Za-z-]+)?", re.ASCII)
_YEAR = re.compile(r"\d{4}", re.ASCII)


def valid_doi(doi: str) -> bool:
    """A DOI: `10.` registrant `/` suffix, the suffix in characters that are safe unescaped in
    every consumer (Crossref's pattern plus `<>+`)."""
    return _DOI.fullmatch(doi) is not None


def valid_arxiv_id(ident: str) -> bool:
    """An arXiv identifier, new (`2312.00752`) or old style (`hep-th/9901001`), version optional."""
    return _ARXIV_ID.fullmatch(ident) is not None


def valid_arxiv_category(category: str) -> bool:
    """An arXiv category: `cs.LG`, `hep-th`, `math.AG`."""
    return _ARXIV_CATEGORY.fullmatch(category) is not None


def valid_year(year: str) -> bool:
    """Four digits: what BibTeX styles and biber read as a year."""
    return _YEAR.fullmatch(year) is not None


# A URL that is already what `encode_url` makes of it: http(s), a host, and only characters
# RFC 3986 allows, every `%` starting an escape; checked first because it is the common case.
_SAFE_URL = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,4})?(?:/(?:[-A-Za-z0-9._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*)?"
    r"(?:\?(?:[-A-Za-z0-9._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?",
    re.ASCII,
)


def checked_url(url: str) -> str | None:
    """`encode_url(url)`: percent-encoded where RFC 3986 requires it, None when not http(s)."""
    return url if _SAFE_URL.fullmatch(url) else encode_url(url)
