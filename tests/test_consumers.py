"""The exported files in the programs people use them with: every .bst style in one pdflatex run,
biblatex + biber reading each dialect, pandoc --citeproc with each dialect and with the CSL-JSON
in two CSL styles; for the shipped catalogue and for a hostile one built from test notes.

Zero errors and zero warnings (read from the .blg files and the LaTeX log), except two lists,
each with its reason:

* ACM-Reference-Format asks for fields no metadata source knows: a publisher and an address for
  every proceedings paper, page numbers, a volume or number for journal articles, an author for
  web pages with none.  There: zero errors, and only these warnings.
* biber reading the *bibtex* dialect: one "legacy year field 'n.d.'" per undated entry.  The
  natbib styles (plainnat, unsrtnat, abbrvnat) warn "empty year" for an entry with no year, and
  biber warns for any year that is not a number (Biber/Input/file/bibtex.pm: `_literal`), so no
  value satisfies both; the bibtex dialect is for .bst styles and keeps "n.d.", and the biblatex
  dialect (what biber users should take) has no warning at all.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from paperindex import catalogue as cat
from paperindex.api import update_catalogue, write
from paperindex.model import Kind, Link

from . import toolchain
from .conftest import ROOT

SHIPPED = ROOT / "data" / "links.csv"
METADATA = ROOT / "data" / "metadata"

# Every URL character the issue names, in the path or the query, as notes cite them.
HOSTILE_NOTES = """\
# 笔记 \\input{/etc/passwd} }{ $x$

- [\\input{/etc/passwd} and \\immediate\\write18{touch /tmp/pwned}](https://example.com/p/a_b?x=1&y=~z)
- [unbalanced } brace { and @comment{ x](https://blog.example.com/a%7Bb%7D%5C%20c?u=http://x.org/y%3Fz#frag)
- [100% of #users & $money_$ ~ ^caret](https://example.com/wiki/C%2B%2B_(lang)~x?q=a:b/c&r=x%20y&s=%25)
- [中文标题：大模型的合成数据 Skywork-13B](https://zhuanlan.zhihu.com/p/123456)
- [$\\sigma$-noise 5$\\times$ faster, $x^2'$ and $\\frac12$](https://example.com/%E4%B8%AD%E6%96%87/%F0%9F%98%80?q=%E4%B8%AD)
- Mamba arXiv:2312.00752 and its code https://github.com/state-spaces/mamba
- a post https://x.com/user_name/status/1732353942288585143
- a dataset https://huggingface.co/datasets/Org/Set_Name
- a video https://www.youtube.com/watch?v=abc_DEF-123
"""
# A URL no extractor would produce but a hand-edited catalogue may hold: raw braces, backslash,
# spaces, non-ASCII, a stray %, a second #.
RAW_URL = "https://example.com/a b/{c}\\d/é中?q=x y&z={1}&p=50%&t=~_#frag#two"
MANY = 1000


@dataclass(frozen=True)
class Catalogue:
    csv: Path
    metadata: Path
    undated: int

    def text(self, fmt: str, **options: str) -> str:
        return write(fmt, None, self.csv, self.metadata, **options)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    tmp = tmp_path_factory.mktemp("hostile")
    notes = tmp / "notes.md"
    notes.write_text(HOSTILE_NOTES, encoding="utf-8")
    csv = tmp / "links.csv"
    update_catalogue([notes], csv, METADATA)
    catalogue = cat.load(csv)
    by_url = {link.url: link for link in catalogue.links}
    many = by_url["https://example.com/p/a_b?x=1&y=~z"]
    many.authors = "; ".join(f"Given{n} Family{n}" for n in range(MANY))
    people = by_url["https://example.com/p/a_b?x=1&y=~z"]
    people.note = "curated note with } and \\input{x}"
    odd = by_url["https://zhuanlan.zhihu.com/p/123456"]
    odd.authors = "张三; 李四; Anne and Bob; Zoë {Brace; Robert'); DROP TABLE--"
    odd.year = "2023"
    by_url["https://arxiv.org/abs/2312.00752"].venue = "Proc. of {Evil} & Co 100% #1 2024"
    catalogue.links.append(
        Link(
            key="rawurl",
            kind=Kind.PAGE,
            source="example.com",
            id="/raw",
            url=RAW_URL,
            title="\\textbf{Bold} \\url{x} \\cite{y} \\def\\x{y} \\catcode`\\@=11 {{{",
        )
    )
    cat.save(catalogue, csv)
    return Catalogue(csv, METADATA, _undated(csv))


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    tmp = tmp_path_factory.mktemp("shipped")
    csv = tmp / "links.csv"
    csv.write_bytes(SHIPPED.read_bytes())
    (tmp / "topics.toml").write_bytes((SHIPPED.parent / "topics.toml").read_bytes())
    return Catalogue(csv, METADATA, _undated(csv))


def _undated(csv: Path) -> int:
    """Links with no year anywhere in the catalogue (curated, derived, or in the venue)."""
    return sum(
        not (link.display_year or re.search(r"\b(19|20)\d\d\b", link.venue))
        for link in cat.load(csv).links
    )


def test_hostile_catalogue_is_as_hostile_as_promised(hostile: Catalogue) -> None:
    bib = hostile.text("bib")
    assert "and others" in bib and "Given49 Family49 and others" in bib  # 1,000 authors, cut
    items = {i["id"]: i for i in json.loads(hostile.text("csl-json"))}
    many = next(i for i in items.values() if len(i.get("author", [])) == MANY)
    assert many["author"][-1] == {"family": f"Family{MANY - 1}", "given": f"Given{MANY - 1}"}
    urls = " ".join(i["URL"] for i in items.values())
    for char in "%~_&":
        assert char in urls
    assert "#frag" in urls  # a fragment survives; the second # was percent-encoded
    assert items["rawurl"]["URL"] == (
        "https://example.com/a%20b/%7Bc%7D%5Cd/%C3%A9%E4%B8%AD?q=x%20y&z=%7B1%7D&p=50%25&t=~_"
        "#frag%23two"
    )
    assert {i["type"] for i in items.values()} >= {
        "software", "dataset", "post", "motion_picture", "webpage", "post-weblog",
        "paper-conference",
    }  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("which", ["shipped", "hostile"])
def test_every_bst_style_in_one_pdflatex_run(
    tmp_path: Path, which: str, request: pytest.FixtureRequest
) -> None:
    source: Catalogue = request.getfixturevalue(which)
    bib = source.text("bib")
    (tmp_path / "url").mkdir()
    (tmp_path / "hyperref").mkdir()
    for folder, hyperref in (("url", False), ("hyperref", True)):
        problems = toolchain.bst_problems(bib, tmp_path / folder, hyperref=hyperref)
        assert toolchain.bst_unexpected(problems) == []
        assert problems["ACM-Reference-Format"]  # the expected ones (toolchain.ACM_EXPECTED)
    if which == "hostile":  # the URL with % is in the .bbl as text, the one without in \url
        bbl = (tmp_path / "url" / "ACM-Reference-Format.bbl").read_text(encoding="utf-8")
        assert "a{\\%}7Bb{\\%}7D{\\%}5C{\\%}20c?u=http{\\%}3A" in bbl.replace("\n", "")
        assert "\\url{https://example.com/p/a_b?x=1&y=~z}" in bbl
        assert not Path("/tmp/pwned").exists()


@pytest.mark.slow
@pytest.mark.parametrize("which", ["shipped", "hostile"])
@pytest.mark.parametrize("dialect", ["bibtex", "biblatex"])
def test_biber_reads_each_dialect(
    tmp_path: Path, which: str, dialect: str, request: pytest.FixtureRequest
) -> None:
    source: Catalogue = request.getfixturevalue(which)
    bib = source.text("bib", dialect=dialect)
    problems = toolchain.biber_problems(bib, tmp_path, hyperref=dialect == "bibtex")
    if dialect == "biblatex":
        assert problems == []
    else:  # see the module docstring
        legacy = [p for p in problems if "legacy year field 'n.d.'" in p]
        assert len(legacy) == source.undated > 0
        assert {p for p in problems if p not in legacy} <= {
            "Package biblatex Warning: Biber reported the following issues"
        }


def _fold(text: str) -> str:
    """Rendered text compared with the catalogue: styles title-case and curl quotes."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub("[\"'“”‘’]", "'", text).split())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["chicago", "ieee", "bibtex", "biblatex"])
@pytest.mark.parametrize("which", ["shipped", "hostile"])
def test_pandoc_renders_every_entry_in_each_format(
    tmp_path: Path, which: str, name: str, request: pytest.FixtureRequest
) -> None:
    source: Catalogue = request.getfixturevalue(which)
    items = json.loads(source.text("csl-json"))
    csl = None
    if name == "ieee":
        csl = toolchain.kpse("ieee.csl") or None
        if csl is None:
            pytest.skip(
                "ieee.csl not found by kpsewhich (texlive-bibtex-extra; .ci/run installs it)"
            )
    data, suffix = {
        "bibtex": (source.text("bib"), ".bib"),
        "biblatex": (source.text("bib", dialect="biblatex"), ".bib"),
    }.get(name, (source.text("csl-json"), ".json"))
    problems, rendered = toolchain.pandoc_csl(data, tmp_path, csl, suffix)
    assert problems == [], name
    assert sorted(rendered) == sorted(i["id"] for i in items), name
    if suffix == ".bib":
        for item in items:  # the URL comes out of either dialect exactly
            assert item["URL"] in rendered[item["id"]], (name, item["id"])
        return
    for item in items:
        text = _fold(rendered[item["id"]])
        assert _fold(item["title"]) in text, (name, item["id"])
        first = item.get("author", [{}])[0]
        assert _fold(first.get("family") or first.get("literal") or "") in text
        if "issued" in item:
            assert str(item["issued"]["date-parts"][0][0]) in text, (name, item["id"])
