"""The fast paths of extract: what they write and find is what the general paths give.

The catalogue writer checks a whole chunk of rows at once and joins it as it is when no cell
needs quoting, cleaning or protecting; the expected text here comes from the csv module.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperindex import catalogue as cat
from paperindex import identity
from paperindex.catalogue import csvfile
from paperindex.extract import extract_text
from paperindex.model import Identity, Kind, Link, Mention

_FORMULA = ("=", "+", "-", "@", "'")


def _formula(cell: str) -> bool:
    """Protected: a formula sign (or `'`) first, or a sign after leading spaces."""
    return cell.startswith(_FORMULA) or cell.lstrip(" ").startswith(_FORMULA[:4])


def _expected_mentions(link_id: str, mentions: list[Mention]) -> str:
    """The mentions file as the csv module writes it, formula-like cells behind a `'`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csvfile.MENTION_COLUMNS)
    for m in mentions:
        cells = [link_id, m.file, str(m.line), *m[2:]]
        writer.writerow(["'" + c if _formula(c) else c for c in cells])
    return out.getvalue()


_CELL = st.text(alphabet="ab 中,\"=+-@'", max_size=6)


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(st.tuples(_CELL, _CELL, _CELL), min_size=1, max_size=8),
    plain_rows=st.integers(min_value=0, max_value=2 * csvfile._CHUNK_ROWS),
)
def test_mentions_file_is_what_csv_writes_whatever_chunk_a_special_cell_is_in(
    cells: list[tuple[str, str, str]], plain_rows: int
) -> None:
    # plain rows first, so that the rows with quotes, commas and formulas land in any chunk
    mentions = [Mention("a.md", i + 1, "s", "l", f"context {i}") for i in range(plain_rows)]
    mentions += [
        Mention("a.md", 9, section, label, context, "", "https://x.org/", "", "")
        for section, label, context in cells
    ]
    link = Link(kind=Kind.PAGE, source="x.org", id="/", url="https://x.org/", mentions=mentions)
    text = cat.dumps_mentions(cat.Catalogue(links=[link]))
    assert text == _expected_mentions("x.org:/", mentions)


def test_a_chunk_of_plain_rows_with_quotes_is_quoted_cell_by_cell() -> None:
    mentions = [Mention("a.md", i, context=f'say "hi" {i}') for i in range(1, 5000)]
    link = Link(kind=Kind.PAGE, source="x.org", id="/", url="https://x.org/", mentions=mentions)
    text = cat.dumps_mentions(cat.Catalogue(links=[link]))
    assert text.splitlines()[1] == 'x.org:/,a.md,1,,,"say ""hi"" 1",,,,'
    assert text == _expected_mentions("x.org:/", mentions)


def test_an_html_link_label_is_found_whatever_the_case_of_href() -> None:
    (citation,) = extract_text('<a Href="https://github.com/state-spaces/mamba">Mamba</a>')
    assert citation.mention.label == "Mamba"
    (citation,) = extract_text("<a href = 'https://github.com/state-spaces/mamba'>Mamba</a>")
    assert citation.mention.label == "Mamba"
    (citation,) = extract_text("见 https://github.com/state-spaces/mamba>Mamba</a>")
    assert citation.mention.label == ""


def _two_files(tmp_path: Path, a_context: str) -> Path:
    """A catalogue of one link cited in a.md (with `a_context`) and in b.md."""
    mentions = [
        Mention("a.md", 1, context=a_context),
        Mention("b.md", 7, context='b says "hi", twice'),
        Mention("b.md", 8, context="plain"),
    ]
    link = Link(kind=Kind.PAGE, source="x.org", id="/", url="https://x.org/", mentions=mentions)
    path = tmp_path / "links.csv"
    cat.save(cat.Catalogue(links=[link]), path)
    return path


def test_mentions_of_a_file_being_replaced_are_passed_over_even_across_lines(
    tmp_path: Path,
) -> None:
    # a context that spans lines and whose next line looks like a row of b.md
    path = _two_files(tmp_path, 'one, "two"\nx.org:/,b.md,99,,,fake')
    assert '\nx.org:/,b.md,99,,,fake"' in cat.mentions_path(path).read_text(encoding="utf-8")
    (link,) = cat.load(path, mentions=["a.md"]).links
    assert [(m.file, m.line, m.context) for m in link.mentions] == [
        ("b.md", 7, 'b says "hi", twice'),
        ("b.md", 8, "plain"),
    ]
    (link,) = cat.load(path).links
    assert [m.line for m in link.mentions] == [1, 7, 8]


def test_a_quote_inside_an_unquoted_cell_is_a_character_whatever_is_passed_over(
    tmp_path: Path,
) -> None:
    path = _two_files(tmp_path, "x")
    mentions = cat.mentions_path(path)
    # by hand: `ab"c` is a cell as it stands, then a quoted cell that goes on to the next line
    text = mentions.read_text(encoding="utf-8").replace(
        "x.org:/,a.md,1,,,x,,,,\n", 'x.org:/,a.md,1,,,ab"c,"d\nx.org:/,b.md,99,,,e",,,\n'
    )
    mentions.write_text(text, encoding="utf-8")
    (link,) = cat.load(path, mentions=["a.md"]).links
    assert [m.line for m in link.mentions] == [7, 8]
    (link,) = cat.load(path).links
    assert link.mentions[0].context == 'ab"c'
    assert link.mentions[0].thread == "d\nx.org:/,b.md,99,,,e"


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("host", ["arxiv.org", "www.arxiv.org"])
@pytest.mark.parametrize("view", ["abs", "pdf", "html", "format", "overview", "list"])
@pytest.mark.parametrize(
    "tail",
    ["2312.00752", "2312.00752v2", "2312.00752v2.pdf", "2312.00752.pdf", "2312.00752/",
     "2312.00752v10.pdf/", "2312.00752v0", "2312.0075", "1501.12345", "hep-th/9901001v3",
     "2312.00752?context=cs", "2312.00752#x", "2312.00752//"],
)  # fmt: skip
def test_an_arxiv_url_is_identified_as_the_general_path_identifies_it(
    scheme: str, host: str, view: str, tail: str
) -> None:
    url = f"{scheme}://{host}/{view}/{tail}"
    assert identity.identify.__wrapped__(url) == identity._identify(url)


def test_the_arxiv_shortcut_gives_the_identity_the_table_gives() -> None:
    found = identity.identify.__wrapped__("https://arxiv.org/pdf/2312.00752v2.pdf")
    assert found == Identity(
        Kind.PAPER, "arxiv", "2312.00752", "https://arxiv.org/abs/2312.00752", "v2", ""
    )
