"""Extraction: every pattern of the catalogue issue, on short texts of our own."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperindex.extract import extract_text


def cited(text: str) -> list[str]:
    return [c.mention.cited for c in extract_text(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # glued to CJK text on either side
        ("见https://arxiv.org/abs/2311.07547也发现了", ["https://arxiv.org/abs/2311.07547"]),
        (
            "F1：https://arxiv.org/abs/2311.07547也发现了，gpt4",
            ["https://arxiv.org/abs/2311.07547"],
        ),
        # full-width punctuation after, ASCII close paren unbalanced
        (
            "结论（https://zhuanlan.zhihu.com/p/655402388)。",
            ["https://zhuanlan.zhihu.com/p/655402388"],
        ),
        (
            "https://a.example.com，https://b.example.org",
            ["https://a.example.com", "https://b.example.org"],
        ),
        (
            "（https://github.com/OpenBMB/InfiniteBench）",
            ["https://github.com/OpenBMB/InfiniteBench"],
        ),
        ("【https://huggingface.co/datasets/a/b】", ["https://huggingface.co/datasets/a/b"]),
        ("「https://example.com/x」", ["https://example.com/x"]),
        ("《https://example.com/book》", ["https://example.com/book"]),
        ("“https://example.com/q”", ["https://example.com/q"]),
        (
            "这是https://example.com/a、https://example.com/b；还有",
            ["https://example.com/a", "https://example.com/b"],
        ),
        (
            "博客：https://lilianweng.github.io/posts/2023-06-23-agent/了解更多",
            ["https://lilianweng.github.io/posts/2023-06-23-agent/"],
        ),
        # ASCII trailing punctuation is not part of a URL
        (
            "see https://arxiv.org/abs/2401.12345. Also https://github.com/foo/bar),",
            ["https://arxiv.org/abs/2401.12345", "https://github.com/foo/bar"],
        ),
        (
            "Is it https://example.com/x? Yes: https://example.com/y!",
            ["https://example.com/x", "https://example.com/y"],
        ),
        ("'https://example.com/q';", ["https://example.com/q"]),
        ('"https://example.com/dq"', ["https://example.com/dq"]),
        # balanced brackets are part of a URL
        (
            "see https://en.wikipedia.org/wiki/Foo_(bar) now",
            ["https://en.wikipedia.org/wiki/Foo_(bar)"],
        ),
        (
            "(see https://en.wikipedia.org/wiki/Foo_(bar))",
            ["https://en.wikipedia.org/wiki/Foo_(bar)"],
        ),
        ("[https://example.com/a[1]]", ["https://example.com/a[1]"]),
        # query strings, fragments and ports are kept as cited
        ("x https://x.com/u/status/1?s=20 y", ["https://x.com/u/status/1?s=20"]),
        ("http://localhost:8080/p#frag ok", ["http://localhost:8080/p#frag"]),
        # www. without a scheme
        ("see www.example.com/page, ok", ["www.example.com/page"]),
        # emphasis around a URL
        ("**https://example.com/bold**", ["https://example.com/bold"]),
        # not URLs
        ("llama.cpp 和 mixtral-8x7b 以及 3.1T tokens", []),
        ("http://nohost and https://.bad and http:// alone", []),
    ],
)
def test_bare_urls(text: str, expected: list[str]) -> None:
    assert cited(text) == expected


def test_html_entity_in_href_is_one_link_with_the_plain_url() -> None:
    found = extract_text(
        '<a href="https://example.com/list?a=1&amp;b=2">list</a> and https://example.com/list?a=1&b=2'
    )
    assert [c.url for c in found] == ["https://example.com/list?a=1&b=2"] * 2
    assert found[0].mention.cited == "https://example.com/list?a=1&amp;b=2"  # as written


def test_markdown_link_keeps_label_and_drops_title() -> None:
    (c,) = extract_text(
        '论文 [Mamba: Linear-Time](https://arxiv.org/abs/2312.00752 "the paper")，很好'
    )
    assert c.mention.cited == "https://arxiv.org/abs/2312.00752"
    assert c.mention.label == "Mamba: Linear-Time"


def test_markdown_link_with_parens_in_url() -> None:
    (c,) = extract_text("[Foo](https://en.wikipedia.org/wiki/Foo_(bar))。")
    assert c.mention.cited == "https://en.wikipedia.org/wiki/Foo_(bar)"
    assert c.mention.label == "Foo"


def test_autolink_and_html_anchor() -> None:
    found = extract_text('<https://github.com/a/b>, <a href="https://example.com/x">示例 页面</a>')
    assert [c.mention.cited for c in found] == ["https://github.com/a/b", "https://example.com/x"]
    assert [c.mention.label for c in found] == ["", "示例 页面"]


def test_reference_style_links() -> None:
    text = '读 [这篇论文][mamba] 和 [tutel]。\n\n[mamba]: https://arxiv.org/abs/2312.00752 "Mamba"\n[tutel]: <https://github.com/microsoft/tutel>\n'
    found = extract_text(text)
    assert [(c.mention.cited, c.mention.label, c.mention.line) for c in found] == [
        ("https://arxiv.org/abs/2312.00752", "这篇论文", 3),
        ("https://github.com/microsoft/tutel", "tutel", 4),
    ]


def test_urls_inside_code_blocks_count_and_fenced_headings_do_not() -> None:
    text = "# Real\n```python\n# not a heading\nurl = 'https://example.com/in-code'\n```\n`https://example.com/inline`\n"
    found = extract_text(text)
    assert [c.mention.cited for c in found] == [
        "https://example.com/in-code",
        "https://example.com/inline",
    ]
    assert {c.mention.section for c in found} == {"Real"}


@pytest.mark.parametrize(
    ("text", "ident", "version"),
    [
        ("见arXiv:2312.00752，线性复杂度", "2312.00752", ""),
        ("arXiv 2312.00752v2 is newer", "2312.00752", "v2"),
        ("ARXIV：2401.12345", "2401.12345", ""),
        ("old style hep-th/9901001 here", "hep-th/9901001", ""),
        ("arXiv:hep-th/9901001v3.", "hep-th/9901001", "v3"),
        ("solv-int/9701001v1 must not split on v", "solv-int/9701001", "v1"),
        ("math.GT/0309136", "math.GT/0309136", ""),
    ],
)
def test_arxiv_identifiers_without_url(text: str, ident: str, version: str) -> None:
    (c,) = extract_text(text)
    assert (c.kind.value, c.source, c.id, c.mention.version) == ("paper", "arxiv", ident, version)


def test_doi_identifier() -> None:
    (c,) = extract_text("参见doi:10.1145/3580305.3599572。")
    assert (c.source, c.id, c.url) == (
        "doi",
        "10.1145/3580305.3599572",
        "https://doi.org/10.1145/3580305.3599572",
    )
    assert c.mention.cited == "doi:10.1145/3580305.3599572"


def test_identifiers_inside_urls_are_not_counted_twice() -> None:
    assert cited("https://arxiv.org/abs/hep-th/9901001 and https://doi.org/10.1000/xyz") == [
        "https://arxiv.org/abs/hep-th/9901001",
        "https://doi.org/10.1000/xyz",
    ]


def test_not_identifiers() -> None:
    assert cited("version 2312.00752 alone, 12345.67890, cs/123 and mymath/0309136") == []


def test_mention_line_section_and_context() -> None:
    text = (
        "intro\n## 模型外推\n\n研究员1: 评测集（https://github.com/OpenBMB/InfiniteBench），不错\n"
    )
    (c,) = extract_text(text, file="notes.md")
    m = c.mention
    assert (m.file, m.line, m.section) == ("notes.md", 4, "模型外推")
    assert m.context == "研究员1: 评测集（https://github.com/OpenBMB/InfiniteBench），不错"


def test_context_is_at_most_160_chars_and_centred_on_the_citation() -> None:
    text = "字" * 400 + " https://example.com/here " + "尾" * 400
    (c,) = extract_text(text)
    assert len(c.mention.context) <= 160
    assert "https://example.com/here" in c.mention.context
    assert c.mention.context.startswith("…") and c.mention.context.endswith("…")


def test_crlf_and_cr_line_ends_count_lines_like_editors() -> None:
    found = extract_text("a\r\nb https://example.com/1\r\nc\rd https://example.com/2\n")
    assert [c.mention.line for c in found] == [2, 4]
    assert [c.mention.cited for c in found] == ["https://example.com/1", "https://example.com/2"]


def test_every_corpus_link_is_exact(corpus) -> None:  # type: ignore[no-untyped-def]
    """The acceptance corpus: 34 distinct links, each cited string a substring of its line with
    nothing CJK or full-width glued to it."""
    from paperindex.extract import extract_paths

    result = extract_paths([corpus])
    lines = corpus.read_text(encoding="utf-8").splitlines()
    for c in result.citations:
        assert c.mention.cited in lines[c.mention.line - 1]
        assert c.mention.cited.isascii()
        assert c.mention.cited[-1] not in ".,;:!?)'\""
    distinct = {(c.source, c.id) for c in result.citations}
    assert len(distinct) == 34


def test_fence_markers_twice_on_a_line_and_hashes_mid_line() -> None:
    text = "# A #b\n~~~ ``` ~~~\n# inside\n~~~\n## B ##\nhttps://example.com/x\n"
    (c,) = extract_text(text)
    assert c.mention.section == "B"


def _plausible_netloc(netloc: str) -> bool:
    """The host rule, stated on a whole netloc: after any userinfo, a bracketed IPv6 literal, or
    a name before any port that has a dot (not first) or is localhost."""
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        return host.endswith("]") or "]:" in host
    name = host.partition(":")[0]
    return bool(name) and ("." in name or name == "localhost") and not name.startswith(".")


@given(st.text(alphabet="ab.:@[]localhost", max_size=20))
def test_host_check_reads_in_place_what_the_netloc_rule_says(netloc: str) -> None:
    """The scanner checks a host inside the text, from after its last `@`, without slicing it
    out (many `www.` starts share one host part); it must agree with the rule on the slice."""
    from paperindex.extract.scanner import _plausible_host

    text = "xx" + netloc + "/yy"
    start = max(2, text.rfind("@", 2, 2 + len(netloc)) + 1)
    assert _plausible_host(text, start, 2 + len(netloc)) == _plausible_netloc(netloc)


# --- citations, not decorations -----------------------------------------------------------------

BADGE = "https://img.shields.io/badge/arXiv-2303.18223-b31b1b.svg"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the link around a badge is the citation; the badge is not
        (
            f"[![arXiv]({BADGE})](https://arxiv.org/abs/2303.18223)",
            ["https://arxiv.org/abs/2303.18223"],
        ),
        (
            "![diagram](https://example.com/fig.png) then [the page](https://example.com/p)",
            ["https://example.com/p"],
        ),
        ("![](https://example.com/empty-alt.png)", []),
        ('<img src="https://example.com/logo.png" width="180px">', []),
        ("<IMG SRC='https://example.com/upper.png'>", []),
        ('<img alt="x" srcset="https://example.com/a.png 1x, https://example.com/b.png 2x">', []),
        (
            '<picture><source media="(prefers-color-scheme: dark)" srcset="https://example.com/dark.svg">'
            '<img src="https://example.com/light.svg"></picture>',
            [],
        ),
        (
            '<a href="https://github.com/o/r"><img src="https://img.shields.io/github/stars/o/r"></a>',
            ["https://github.com/o/r"],
        ),
        # badge, chart and counter hosts are decorations however they are written
        (f"bare {BADGE} here", []),
        ("https://api.star-history.com/svg?repos=o/r&type=Date", []),
        ("https://visitor-badge.laobi.icu/badge?page_id=o.r", []),
        ("https://github.com/o/r/actions/workflows/ci.yml/badge.svg", []),
        ("https://codecov.io/gh/o/r/branch/main/graph/badge.svg", []),
        ("https://readthedocs.org/projects/x/badge/?version=latest", []),
        (
            "[![Paper page](https://huggingface.co/datasets/huggingface/badges/resolve/main/paper-page-sm.svg)]"
            "(https://huggingface.co/papers/2303.18223)",
            ["https://huggingface.co/papers/2303.18223"],
        ),
        (
            "[![Star History Chart](https://api.star-history.com/svg?repos=o/r&type=Date)]"
            "(https://star-history.com/#o/r&Date)",
            ["https://star-history.com/#o/r&Date"],
        ),
        # …but not pages that merely talk about badges, nor a bare link to an image
        (
            "https://github.com/badges/shields and https://example.com/fig.png",
            ["https://github.com/badges/shields", "https://example.com/fig.png"],
        ),
        # reference-style images; a reference used by a link too stays a citation
        (
            "![logo][l] [site][s] ![b] [b2] ![both][x] [both again][x]\n\n"
            "[l]: https://example.com/l.png\n[s]: https://example.com/s\n[b]: https://example.com/b.png\n"
            "[b2]: https://example.com/b2\n[x]: https://example.com/x\n",
            ["https://example.com/s", "https://example.com/b2", "https://example.com/x"],
        ),
        # a URL nested in another URL's query is not a second citation
        (
            "https://example.com/r?a=1&url=https://arxiv.org/abs/2303.18223",
            ["https://example.com/r?a=1&url=https://arxiv.org/abs/2303.18223"],
        ),
        # an escaped "!" is text: what follows is a link
        ("\\![not an image](https://example.com/link)", ["https://example.com/link"]),
    ],
)
def test_images_and_badges_are_not_citations(text: str, expected: list[str]) -> None:
    assert cited(text) == expected


def test_keep_images_keeps_them_and_identifiers_in_badges_are_not_read_twice() -> None:
    text = f"[![arXiv]({BADGE})](https://arxiv.org/abs/2303.18223) ![x](https://example.com/x.png)"
    kept = [c.mention.cited for c in extract_text(text, keep_images=True)]
    assert kept == [BADGE, "https://arxiv.org/abs/2303.18223", "https://example.com/x.png"]
    # the badge's "arXiv-2303.18223" is part of an image URL: no bare identifier comes of it
    assert [c.id for c in extract_text(text)] == ["2303.18223"]


# A paper list as awesome-lists write them: badges in HTML tables, link-wrapped badges, star
# charts and counters; every link around a badge is a citation, no image is.
PAPER_LIST = """# Awesome Widgets [![Awesome](https://awesome.re/badge.svg)](https://awesome.re) ![visitors](https://visitor-badge.laobi.icu/badge?page_id=w.w)

<p align="center"><img src="https://example.org/assets/logo.png" width="200"></p>

## 1. Papers

| Title | Links |
|---|---|
| Widget Transformers | <a href="https://arxiv.org/abs/2401.00001"><img src="https://img.shields.io/badge/arXiv-2401.00001-red"></a> <a href="https://github.com/widget/transformers"><img src="https://img.shields.io/github/stars/widget/transformers?style=social"></a> |
| Sparse Widgets | [![arXiv](https://img.shields.io/badge/arXiv-2402.00002-b31b1b.svg)](https://arxiv.org/abs/2402.00002) [![Code](https://img.shields.io/badge/Code-GitHub-black)](https://github.com/widget/sparse) |
| Widget Data | [![Paper page](https://huggingface.co/datasets/huggingface/badges/resolve/main/paper-page-sm.svg)](https://huggingface.co/papers/2403.00003) [![Dataset](https://img.shields.io/badge/HF-dataset-yellow)](https://huggingface.co/datasets/widget/data) |

## Star History

[![Star History Chart](https://api.star-history.com/svg?repos=widget/awesome&type=Date)](https://star-history.com/#widget/awesome&Date)
"""


def test_a_paper_list_with_badges_catalogues_no_image_and_every_link_around_one(
    tmp_path: Path,
) -> None:
    from paperindex.api import update_catalogue

    notes = tmp_path / "list.md"
    notes.write_text(PAPER_LIST, encoding="utf-8")
    result = update_catalogue([notes], tmp_path / "links.csv", tmp_path / "metadata")
    urls = [link.url for link in result.catalogue.links]
    assert urls == [
        "https://awesome.re/",
        "https://arxiv.org/abs/2401.00001",
        "https://github.com/widget/transformers",
        "https://arxiv.org/abs/2402.00002",
        "https://github.com/widget/sparse",
        "https://arxiv.org/abs/2403.00003",
        "https://huggingface.co/datasets/widget/data",
        "https://star-history.com/",  # canonical: no fragment
    ]
    (report,) = result.extract.files
    assert report.images == 10 and result.extract.images == 10


def test_the_cli_counts_skipped_images_and_keeps_them_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from paperindex.cli import main

    (tmp_path / "list.md").write_text(PAPER_LIST, encoding="utf-8")
    csv = str(tmp_path / "links.csv")
    assert main(["extract", str(tmp_path / "list.md"), "--catalogue", csv]) == 0
    err = capsys.readouterr().err
    assert "read ./list.md: 8 citation(s), 10 image(s) skipped (utf-8)" in err
    assert "10 image(s) skipped (--keep-images keeps them)" in err
    kept = str(tmp_path / "kept.csv")
    assert main(["extract", str(tmp_path / "list.md"), "--catalogue", kept, "--keep-images"]) == 0
    assert "image(s) skipped" not in capsys.readouterr().err
    assert "img.shields.io" in Path(kept).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("unclosed img tags", lambda n: "<img " * (n // 5)),
        ("img tags of URLs", lambda n: "<img src=https://a.com/x " * (n // 25)),
        ("image openers", lambda n: "![" * (n // 2)),
        ("image reference soup", lambda n: "![a][" * (n // 5) + "\n[a]: https://a.com/x\n"),
        ("shortcut references", lambda n: "[a] ![b] " * (n // 9) + "\n[b]: https://a.com/y\n"),
        ("badges", lambda n: f"[![b]({BADGE})](https://a.com/z) " * (n // 80)),
    ],
)
def test_image_shapes_are_linear(name: str, make: Callable[[int], str]) -> None:
    small, large = make(250_000), make(1_000_000)
    t_small = _cpu_seconds(lambda: extract_text(small))
    t_large = _cpu_seconds(lambda: extract_text(large))
    assert t_large < 2.0, f"{name}: {t_large:.2f}s for 1 MB"
    assert t_large <= 8 * t_small + 0.05, f"{name}: {t_small:.3f}s -> {t_large:.3f}s"


def _cpu_seconds(fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(2):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best
