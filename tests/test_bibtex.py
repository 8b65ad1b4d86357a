"""BibTeX export: entries per kind, style and dialect; text encoding; hostile input; real consumers."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as hst

from paperindex import catalogue as cat
from paperindex.api import ensure_keys, pin_keys, update_catalogue, write_bibtex
from paperindex.enrich import store as st
from paperindex.enrich.sources.arxiv import ArxivRecord
from paperindex.export import ExportError
from paperindex.export.bibtex import BibOptions, bibtex, entry_fields, latex, safe_url
from paperindex.export.view import LinkInfo, load_infos
from paperindex.model import Kind, Link, Mention

from . import toolchain
from .conftest import ROOT

SHIPPED = ROOT / "data" / "links.csv"
STORE = ROOT / "data" / "metadata" / "arxiv.json"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50% & #1", r"50{\%} {\&} {\#}1"),
        ("a_b ~c^d", r"a{\_}b {\textasciitilde}c{\textasciicircum}d"),
        ("cost $5", r"cost {\$}5"),
        (
            r"\input{/etc/passwd}",
            r"{\textbackslash}input{\textbraceleft}/etc/passwd{\textbraceright}",
        ),
        (
            r"\immediate\write18{rm -rf ~}",
            r"{\textbackslash}immediate{\textbackslash}write18{\textbraceleft}rm -rf {\textasciitilde}{\textbraceright}",
        ),
        ("unbalanced } brace", r"unbalanced {\textbraceright} brace"),
        ("@comment{ x", r"@comment{\textbraceleft} x"),
        ("5$\\times$ faster", "5$\\times$ faster"),
        ("noise $\\sigma$ and $x^2_{i}$", "noise $\\sigma$ and $x^2_{i}$"),
        ("$\\input{x}$", r"{\$}{\textbackslash}input{\textbraceleft}x{\textbraceright}{\$}"),
        ("$\\text{ok}$", r"{\$}{\textbackslash}text{\textbraceleft}ok{\textbraceright}{\$}"),
        ("$}{$", r"{\$}{\textbraceright}{\textbraceleft}{\$}"),
        ("Müller naïve", r"M{\"u}ller na{\"\i}ve"),
        ("  spaced\n out\t", "spaced out"),
        ("a < b > c | d", r"a {\textless} b {\textgreater} c {\textbar} d"),
        ("$a < b$ holds", "$a < b$ holds"),  # in math, < is the relation
    ],
)
def test_escaping_table(text: str, expected: str) -> None:
    assert latex(text, "bibtex") == expected


def test_braces_in_output_are_always_balanced() -> None:
    for hostile in ["}}}{", "{{{", "a}b{c", "$}$", "\\}", "\\{"]:
        out = latex(hostile, "bibtex", protect=True)
        depth = 0
        for ch in out:
            depth += {"{": 1, "}": -1}.get(ch, 0)
            assert depth >= 0, out
        assert depth == 0, out


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "GPT-4V(ision) as A Social Media Analysis Engine",
            "{GPT-4V(ision)} as A Social Media Analysis Engine",
        ),
        ("Scaling LLMs with MoE layers", "Scaling {LLMs} with {MoE} layers"),
        ("(LLMs): a survey", "({LLMs}): a survey"),
        ("Mamba: Linear-Time Sequence Modeling", "Mamba: Linear-Time Sequence Modeling"),
        ("InstructPix2Pix: Learning to Follow", "{InstructPix2Pix}: Learning to Follow"),
    ],
)
def test_acronyms_are_protected_one_by_one(title: str, expected: str) -> None:
    assert latex(title, "bibtex", protect=True) == expected


def test_cjk_is_transliterated_in_bibtex_and_kept_in_biblatex() -> None:
    assert latex("天工Skywork开源", "bibtex") == "Tian Gong Skywork Kai Yuan"
    assert latex("天工Skywork开源", "biblatex") == "天工Skywork开源"


def test_urls_are_never_escaped_only_made_safe() -> None:
    assert safe_url("https://x.org/a_b%20c?d=1&e=2#f") == "https://x.org/a_b%20c?d=1&e=2#f"
    assert safe_url("https://x.org/a b\\c{d}") == "https://x.org/a%20b%5Cc%7Bd%7D"
    with pytest.raises(ExportError):
        safe_url("javascript:alert(1)")


@pytest.fixture(scope="module")
def infos() -> dict[str, LinkInfo]:
    return {i.link.key: i for i in load_infos(SHIPPED, STORE)}


def _fields(info: LinkInfo, **kw: str) -> tuple[str, dict[str, str]]:
    entry_type, fields = entry_fields(info, BibOptions(**kw))  # type: ignore[arg-type]
    return entry_type, dict(fields)


def test_arxiv_preprint_in_each_style_and_dialect(infos: dict[str, LinkInfo]) -> None:
    paper = infos["nori2023generalist"]  # no venue known
    t, f = _fields(paper)
    assert t == "misc"
    assert (f["eprint"], f["archivePrefix"], f["primaryClass"]) == ("2311.16452", "arXiv", "cs.CL")
    assert f["url"] == "https://arxiv.org/abs/2311.16452" and f["year"] == "2023"
    assert f["author"].startswith("Harsha Nori and Yin Tat Lee")
    t, f = _fields(paper, style="scholar")
    assert (t, f["journal"]) == ("article", "arXiv preprint arXiv:2311.16452")
    assert "eprint" not in f
    t, f = _fields(paper, dialect="biblatex")
    assert t == "online"
    assert (f["eprinttype"], f["eprintclass"], f["urldate"]) == (
        "arxiv",
        "cs.CL",
        st.load(STORE, ArxivRecord).records["2311.16452"].retrieved_at.date().isoformat(),
    )


def test_published_papers_keep_their_eprint(infos: dict[str, LinkInfo]) -> None:
    t, f = _fields(infos["gu2023mamba"])
    assert (t, f["booktitle"], f["year"], f["eprint"]) == (
        "inproceedings",
        "COLM 2024",
        "2024",
        "2312.00752",
    )
    t, f = _fields(infos["khosravi2023synthetically"], dialect="biblatex")
    assert (
        t == "article"
        and f["journaltitle"].startswith("eBioMedicine")
        and f["eprinttype"] == "arxiv"
    )
    t, f = _fields(infos["guo2024lpntk"])  # OpenReview
    assert (t, f["url"]) == ("inproceedings", "https://openreview.net/forum?id=8Ju0VmvMCW")


@pytest.mark.parametrize(
    ("key", "bibtex_type", "biblatex_type", "author"),
    [
        ("openbmb-infinitebench", "misc", "software", "OpenBMB"),  # the owner, from GitHub
        ("skywork-skypile-150b", "misc", "dataset", "Skywork"),  # the Hub's author
        ("nateraw-mixtral-8x7b-32kseqlen", "misc", "software", "{nateraw}"),
        ("tydsh2023tweet", "misc", "online", "Yuandong Tian"),  # oEmbed's author name
        ("anthropic-claude-2-1-prompting", "misc", "online", "Anthropic"),
        ("perplexity", "misc", "online", None),
    ],
)
def test_other_kinds(
    infos: dict[str, LinkInfo], key: str, bibtex_type: str, biblatex_type: str, author: str | None
) -> None:
    info = infos[key]
    t, f = _fields(info)
    assert t == bibtex_type and f["howpublished"] == "\\url{" + info.link.url + "}"
    assert f.get("author") == author
    assert f["title"] and f["year"]
    t, f = _fields(info, dialect="biblatex")
    assert t == biblatex_type and f["url"] == info.link.url


def test_every_entry_has_title_year_and_url(infos: dict[str, LinkInfo]) -> None:
    assert len(infos) == 34
    for info in infos.values():
        _, f = _fields(info)
        assert f["title"] and f["year"] and ("url" in f or "howpublished" in f)
        assert "author" in f or "key" in f  # .bst styles sort by one of them


def test_output_is_deterministic(infos: dict[str, LinkInfo]) -> None:
    values = list(infos.values())
    assert bibtex(values) == bibtex(values)
    assert bibtex(values).count("\n@") == 34


def test_keys_must_exist_and_be_usable(infos: dict[str, LinkInfo]) -> None:
    info = next(iter(infos.values()))
    for bad in ["", "has space", "a,b", "x{y}", "per%cent"]:
        broken = LinkInfo(replace(info.link, key=bad), info.facts)
        with pytest.raises(ExportError):
            bibtex([broken])


def test_export_writes_identity_keys_to_the_catalogue_first_and_keeps_them(
    tmp_path: Path, reference: Path
) -> None:
    from paperindex.enrich import SourceConfig, refresh
    from paperindex.testing.arxiv import serve

    notes = tmp_path / "n.md"
    notes.write_text(
        "Mamba arXiv:2312.00752 and https://github.com/state-spaces/mamba\n", encoding="utf-8"
    )
    csv_path, store = tmp_path / "links.csv", tmp_path / "arxiv.json"
    update_catalogue([notes], csv_path, store)
    assert [lk.key for lk in cat.load(csv_path).links] == ["", "state-spaces-mamba"]
    text = write_bibtex(tmp_path / "refs.bib", csv_path, store)
    assert "@misc{arxiv-2312-00752," in text
    assert cat.load(csv_path).links[0].key == ""  # provisional: an export does not write it
    assert pin_keys(catalogue_path=csv_path) == ["arxiv-2312-00752"]  # pinned: kept for good
    with serve(reference / "arxiv" / "feed.xml") as server:
        refresh(csv_path, store, configs={"arxiv": SourceConfig(base_url=server.url, delay=0)})
    link = cat.load(csv_path).links[0]
    assert link.auto_title.startswith("Mamba") and link.key == "arxiv-2312-00752"
    assert ensure_keys(csv_path) == []
    assert "@misc{arxiv-2312-00752," in write_bibtex(None, csv_path, store)


def test_kind_filter(tmp_path: Path) -> None:
    text = write_bibtex(
        None,
        _copy(tmp_path),
        tmp_path / "data" / "metadata" / "arxiv.json",
        kinds=["code", "dataset"],
    )
    assert text.count("\n@") == 5
    with pytest.raises(ValueError, match="kinds are"):
        write_bibtex(None, tmp_path / "data" / "links.csv", kinds=["blog"])


def _copy(tmp: Path) -> Path:
    shutil.copytree(ROOT / "data", tmp / "data")
    return tmp / "data" / "links.csv"


# --- hostile catalogue and real consumers -------------------------------------------------------

HOSTILE_TITLES = [
    r"\input{/etc/passwd}",
    r"\immediate\write18{touch /tmp/pwned}",
    "unbalanced } brace and { another",
    "@comment{ this is not a comment",
    "100% of #users & $money_$ ~ ^caret",
    "$\\input{evil}$ and 5$\\times$ $\\sigma$-noise",
    "GPT-4V and LLMs: MoE \\\\ end",
    "中文标题：大模型的合成数据",
    "Ångström naïve café — “quotes” ‘single’ …",
    "}" * 5 + "{" * 3,
    "title with\nnewline and\ttab",
    "Bounds: a < b, c > d | e <<>> ||",  # OT1 sets these as ¡ ¿ and a dash unless escaped
]


def hostile_infos(reference_record: LinkInfo) -> list[LinkInfo]:
    infos = []
    for n, title in enumerate(HOSTILE_TITLES):
        kind = list(Kind)[n % len(Kind)]
        link = Link(
            key=f"hostile{n}",
            kind=kind,
            source="example.com",
            id=f"/p/{n}",
            url=f"https://example.com/p/{n}?q=a_b%20c&r={n}#frag",
            title=title,
            mentions=[Mention(file="n.md", line=n + 1, label="}{\\x")],
        )
        infos.append(LinkInfo(link))
    paper = reference_record
    assert paper.facts.sources == ("arxiv",)
    evil = replace(
        paper.facts,
        title="\\def\\x{y} Attack $\\mathbf{x}$ {{{",
        authors=("Robert'); DROP TABLE--", "Anne and Bob", "Zoë {Brace", "张三"),
    )
    infos.append(
        LinkInfo(
            replace(
                paper.link,
                key="hostilepaper",
                venue="Proc. of {Evil} & Co",
                authors="; ".join(evil.authors),
                auto_title=evil.title,
            ),
            evil,
        )
    )
    return infos


@pytest.fixture(scope="module")
def hostile(infos: dict[str, LinkInfo]) -> list[LinkInfo]:
    return hostile_infos(infos["gu2023mamba"])


def _consumers(bib: str, tmp: Path, dialect: str) -> list[str]:
    problems = toolchain.roundtrip_problems(bib)
    if dialect == "bibtex":  # every .bst style, one pdflatex run; and plain's full cycle
        (tmp / "styles").mkdir()
        problems += toolchain.bst_unexpected(toolchain.bst_problems(bib, tmp / "styles"))
        (tmp / "plain").mkdir()
        problems += [f"plain: {p}" for p in toolchain.bibtex_problems(bib, tmp / "plain", "plain")]
    else:
        (tmp / "biber").mkdir()
        problems += [f"biber: {p}" for p in toolchain.biber_problems(bib, tmp / "biber")]
    (tmp / "pandoc").mkdir()
    problems += [f"pandoc: {p}" for p in toolchain.pandoc_problems(bib, tmp / "pandoc")]
    return problems


@pytest.mark.slow
@pytest.mark.parametrize(
    ("style", "dialect"), [("arxiv", "bibtex"), ("scholar", "bibtex"), ("arxiv", "biblatex")]
)
def test_shipped_bib_passes_every_consumer(
    tmp_path: Path, infos: dict[str, LinkInfo], style: str, dialect: str
) -> None:
    bib = bibtex(list(infos.values()), BibOptions(style=style, dialect=dialect))  # type: ignore[arg-type]
    assert _consumers(bib, tmp_path, dialect) == []


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["bibtex", "biblatex"])
def test_hostile_bib_passes_every_consumer_as_literal_text(
    tmp_path: Path, hostile: list[LinkInfo], dialect: str
) -> None:
    bib = bibtex(hostile, BibOptions(dialect=dialect))  # type: ignore[arg-type]
    assert _consumers(bib, tmp_path, dialect) == []
    assert not (Path("/tmp/pwned")).exists()
    if dialect == "bibtex":
        bbl = (tmp_path / "plain" / "doc.bbl").read_text(encoding="utf-8")
        assert "{\\textbackslash}input{\\textbraceleft}/etc/passwd" in bbl
        assert "\\input{" not in bbl and "\\write18" not in bbl and "\\def\\x" not in bbl


def test_roundtrip_keeps_keys_and_fields(
    infos: dict[str, LinkInfo], hostile: list[LinkInfo]
) -> None:
    import bibtexparser

    for dialect in ("bibtex", "biblatex"):
        items = [*infos.values(), *hostile]
        options = BibOptions(dialect=dialect)
        library = bibtexparser.parse_string(bibtex(items, options))
        assert library.failed_blocks == []
        parsed = {
            e.key: (e.entry_type, {f.key: f.value for f in e.fields}) for e in library.entries
        }
        assert list(parsed) == [i.link.key for i in items]
        for info in items:
            entry_type, fields = entry_fields(info, options)
            assert parsed[info.link.key] == (entry_type, dict(fields))


# --- layout, URLs in howpublished, long author lists, names BibTeX and biber both read -----------


def test_layout_is_bibtexparsers_byte_for_byte(
    infos: dict[str, LinkInfo], hostile: list[LinkInfo]
) -> None:
    """The entries are written directly; the layout stays the one bibtexparser's writer gives."""
    from bibtexparser import model
    from bibtexparser.entrypoint import write_string
    from bibtexparser.library import Library
    from bibtexparser.writer import BibtexFormat

    from paperindex.export.bibtex import write_entries

    fmt = BibtexFormat()  # type: ignore[no-untyped-call]
    fmt.indent, fmt.value_column, fmt.block_separator = "  ", "auto", "\n"
    for dialect in ("bibtex", "biblatex"):
        options = BibOptions(dialect=dialect)
        entries = [(entry_fields(i, options), i.link.key) for i in [*infos.values(), *hostile]]
        library = Library()
        for (entry_type, fields), key in entries:
            library.add(model.Entry(entry_type, key, [model.Field(k, v) for k, v in fields]))
        assert write_entries(entries) == write_string(library, bibtex_format=fmt)
    assert write_entries([]) == ""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.org/a_b?c=1&d=~e", r"\url{https://x.org/a_b?c=1&d=~e}"),
        ("https://x.org/a%20b", r"https://x.org/a{\%}20b"),  # \url{…%…} breaks in an argument
        ("https://x.org/a#frag", r"https://x.org/a{\#}frag"),  # so does # under hyperref
        (
            "https://x.org/%E4?q=a_b&r=~$",
            r"https://x.org/{\%}E4?q=a{\_}b{\&}r={\textasciitilde}{\$}",
        ),
    ],
)
def test_howpublished_url_is_url_or_escaped_text(url: str, expected: str) -> None:
    from paperindex.export.bibtex import url_text

    assert url_text(url) == expected


def test_percent_in_a_non_paper_url_stays_out_of_url_command(tmp_path: Path) -> None:
    link = Link(
        key="pct",
        kind=Kind.PAGE,
        source="example.com",
        id="/p",
        url="https://example.com/wiki/%E4%B8%AD?q=a%3Ab#x",
        title="Percent",
    )
    fields = dict(entry_fields(LinkInfo(link), BibOptions())[1])
    assert fields["howpublished"] == r"https://example.com/wiki/{\%}E4{\%}B8{\%}AD?q=a{\%}3Ab{\#}x"
    biblatex = dict(entry_fields(LinkInfo(link), BibOptions(dialect="biblatex"))[1])
    assert biblatex["url"] == "https://example.com/wiki/%E4%B8%AD?q=a%3Ab#x"


@given(
    hst.text(hst.sampled_from("abcXYZ019-._~!$&'()*+,;=:@/?#%[]{}\\ é中\x07"), max_size=30),
    hst.sampled_from(["http://", "https://", "HTTPS://", "ftp://"]),
    hst.sampled_from(["example.com", "x.org:8080", "a.b:99999", "[::1]", "u@h.org", ""]),
)
def test_fast_url_check_agrees_with_encode_url(tail: str, scheme: str, host: str) -> None:
    from paperindex.export.bibtex import _url
    from paperindex.text import encode_url

    url = scheme + host + "/" + tail
    assert _url("k", url) == (encode_url(url) or "")


def test_more_than_fifty_authors_are_cut_to_and_others() -> None:
    from paperindex.export.bibtex import MAX_AUTHORS

    authors = [f"Given{n} Family{n}" for n in range(1000)]
    link = Link(key="many", kind=Kind.PAPER, source="example.com", id="/m", url="https://e.org/m")
    info = LinkInfo(replace(link, authors="; ".join(authors), title="T"))
    author = dict(entry_fields(info, BibOptions())[1])["author"]
    assert MAX_AUTHORS == 50
    assert author == " and ".join(authors[:50]) + " and others"
    fifty = LinkInfo(replace(link, authors="; ".join(authors[:50]), title="T"))
    assert "others" not in dict(entry_fields(fifty, BibOptions())[1])["author"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Albert Gu", "Albert Gu"),
        ("AT&T Labs", r"AT{\&}T Labs"),  # a special character inside a name part stays braced
        ("&Co", r"{\&Co}"),  # at the start of a part: one group starting with the escape
        ("Ann _x", r"Ann {\_x}"),
        ("\\Ann", r"{\textbackslash{}Ann}"),
        ("Zoë {Brace", r"Zo{\"e} {\textbraceleft{}Brace}"),
        ("\\\\\\csname input", r"{\textbackslash{}\textbackslash{}\textbackslash{}csname} input"),
        ("Anne and Bob", "{Anne and Bob}"),
        ("{and} x", r"{\textbraceleft{}{and}{\textbraceright}} x"),  # "and" braced, not the name
        ("Johnson and Johnson", "{Johnson and Johnson}"),  # no escape: kept whole
        ("pQ&X$ and y", r"pQ{\&}X{\$} {and} y"),  # escapes: a group would be cut by alpha
        ("0&", r"0{\&}"),
        ("@Francis_YAO_", r"@Francis{\_}YAO{\_}"),
    ],
)
def test_names_biber_and_bibtex_both_read(name: str, expected: str) -> None:
    """biber takes a name part's initial by decoding a leading `{\\textbraceleft}` to "{" (an
    unbalanced .bbl); alpha takes the first characters of a name, which must not cut a command."""
    from paperindex.export.bibtex import _person

    assert _person(name, "bibtex") == expected


def test_key_field_has_no_math_and_no_bare_command(infos: dict[str, LinkInfo]) -> None:
    """alpha labels an authorless entry with the first three characters of `key`: a bare
    `\\textbackslash{}` there became `\\tend` (an undefined command) with the year "n.d."."""
    info = LinkInfo(
        Link(
            key="k",
            kind=Kind.PAGE,
            source="example.com",
            id="/k",
            url="https://example.com/k",
            title="\\textbf{x} 5$\\times$",
        )
    )
    key = dict(entry_fields(info, BibOptions())[1])["key"]
    assert (
        key
        == r"{\textbackslash}textbf{\textbraceleft}x{\textbraceright} 5{\$}{\textbackslash}times{\$}"
    )
