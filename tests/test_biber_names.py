"""biber's name initials in the biblatex dialect.

biber writes each name part's initial into the .bbl (`familyi`, `giveni`) from the part with
`\\cmd{}` deleted, its leading "{" removed, then its first character (two after a diacritic):
a brace there leaves the .bbl unbalanced and pdflatex stops.  The hostile-bibliography hunt
(tests/test_tex_security.py, explore mode) found two such names; these are their minimal forms,
through real biber and pdflatex, and every short name built from the characters that matter.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperindex.export.bibtex import BibOptions, _person, bibtex
from paperindex.export.view import LinkInfo
from paperindex.model import Kind, Link

from . import toolchain

BIBLATEX = BibOptions(dialect="biblatex")
# Seed 110: escapes, then a diacritic (full-width circumflex) and an escaped "{": the initial
# was "＾{".  Seed 113: a name kept whole (it holds "and") whose first word is an escaped "{":
# that word's initial was "}".
AFTER_DIACRITIC = "~}＾{x"
ESCAPE_ONLY_WORD = "{ and x"


def _entry(key: str, authors: list[str]) -> LinkInfo:
    return LinkInfo(
        Link(
            key=key,
            kind=Kind.PAGE,
            source="example.com",
            id=f"/{key}",
            url=f"https://example.com/{key}",
            title="T",
            authors="; ".join(authors),
        )
    )


def _account(key: str, account: str) -> LinkInfo:
    """A repository with no author: its account is the name."""
    return LinkInfo(
        Link(
            key=key,
            kind=Kind.CODE,
            source="github",
            id=f"{account}/repo",
            url="https://github.com/o/r",
            title="T",
        )
    )


def _balanced(text: str) -> bool:
    depth = 0
    for c in text:
        depth += (c == "{") - (c == "}")
        if depth < 0:
            return False
    return depth == 0


def _initials(bbl: str) -> list[str]:
    """The values of the .bbl's initials, one a line: `familyi={…},`, or `giveni={…}}}%` at
    the end of a name."""
    return re.findall(r"^\s*(?:family|given|prefix|suffix)i=\{(.*?)\}(?:,|\}\}%)$", bbl, re.M)


def test_escapes_in_biblatex_names_are_unbraced() -> None:
    assert (
        _person(AFTER_DIACRITIC, "biblatex")
        == r"\textasciitilde{}\textbraceright{}＾\textbraceleft{}x"
    )
    assert _person(ESCAPE_ONLY_WORD, "biblatex") == r"{\textbraceleft{} and x}"
    assert _person("Smith, $J", "biblatex") == r"Smith, \$J"
    # one word is never split: unbraced, so no closing brace follows a lone diacritic
    assert _person("＾{", "biblatex") == r"＾\textbraceleft{}"
    assert _person("and", "biblatex") == "{and}"  # " and and and " would split
    assert _person("Anne and Bob", "biblatex") == "{Anne and Bob}"
    assert _person("a,b,c", "biblatex") == "{a,b,c}"
    # biber skips an entry with a name "0" (false to Perl), braced or not
    assert _person("0", "biblatex") == "0{}"
    # the bibtex dialect keeps its groups (BibTeX's text.prefix$ must not cut an escape)
    assert _person(ESCAPE_ONLY_WORD, "bibtex") == r"{\textbraceleft{}} {and} x"


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("{}\\$&%#_~^ ,-x0＾`‘天é\u0301"), max_size=12))
def test_a_biblatex_name_has_no_brace_but_its_own_outer_group(name: str) -> None:
    """What keeps every initial balanced: with `\\cmd{}` deleted, no brace is left in a part
    but a name's outer group, and that group holds a space or a comma (a second character
    before its closing brace) or is the word "and"."""
    out = _person(name, "biblatex")
    rest = re.sub(r"\\[A-Za-z]+\{\}", "", out)
    if rest == "0{}":  # the initial is "0" (see above)
        return
    if rest.startswith("{") and rest.endswith("}"):
        inner = rest[1:-1]
        assert inner.lower() == "and" or any(c.isspace() or c == "," for c in inner), out
        rest = inner
    assert "{" not in rest and "}" not in rest, out


@pytest.mark.slow
def test_names_found_by_the_hunt_compile_with_balanced_initials(tmp_path: Path) -> None:
    found_110 = "~}＾{＄‘PJ成源ú{äÈÄ“＠"  # as hypothesis drew it (seed 110)
    infos = [
        _entry("a", [AFTER_DIACRITIC, ESCAPE_ONLY_WORD, found_110]),
        _account("b", "{ and \\\\input{"),  # as hypothesis drew it (seed 113)
    ]
    bib = bibtex(infos, BIBLATEX)
    assert toolchain.biber_problems(bib, tmp_path) == []
    bbl = (tmp_path / "doc.bbl").read_text(encoding="utf-8")
    initials = _initials(bbl)
    assert len(initials) == 4  # one family each (the names kept whole have no given part)
    assert all(_balanced(i) for i in initials), initials
    # `\textasciitilde{}` and `\textbraceright{}` give no initial; "＾" takes the next letter
    assert "＾x\\bibinitperiod" in initials


# The characters that decide an initial: braces and escapes, diacritics biber keeps with the
# next character (full-width circumflex, backtick), what biber's noinit deletes (`‘`, `al-`),
# dashes it splits at, separators, and a letter and a digit.
PIECES = [
    "{",
    "}",
    "\\",
    "$",
    "~",
    "^",
    "＾",
    "`",
    "‘",
    "al-",
    "-",
    "—",
    " ",
    ",",
    " and ",
    "x",
    "0",
]


@pytest.mark.slow
def test_every_short_name_gets_balanced_initials_from_biber(tmp_path: Path) -> None:
    """Every name of up to three pieces (5,000 names), ten to an entry, through biber."""
    names = ["".join(p) for n in (1, 2, 3) for p in itertools.product(PIECES, repeat=n)]
    infos = [_entry(f"n{i}", names[i : i + 10]) for i in range(0, len(names), 10)]
    bib = bibtex(infos, BIBLATEX)
    assert toolchain.biber_problems(bib, tmp_path) == []
    initials = _initials((tmp_path / "doc.bbl").read_text(encoding="utf-8"))
    assert len(initials) > len(names)  # most names have two parts
    assert [i for i in initials if not _balanced(i)] == []
