"""The canonical-form table: many citations of one thing, one identity."""

from __future__ import annotations

import pytest

from paperindex.identity import identify, parse_arxiv_id
from paperindex.model import Kind
from paperindex.sites import key_of

ARXIV_FORMS = [
    "https://arxiv.org/abs/2312.00752",
    "https://arxiv.org/abs/2312.00752v2",
    "http://arxiv.org/pdf/2312.00752",
    "https://arxiv.org/pdf/2312.00752.pdf",
    "https://arxiv.org/pdf/2312.00752v1.pdf",
    "https://arxiv.org/html/2312.00752v2",
    "https://export.arxiv.org/abs/2312.00752",
    "https://www.arxiv.org/abs/2312.00752",
    "https://ar5iv.labs.arxiv.org/html/2312.00752",
    "https://ar5iv.org/abs/2312.00752",
    "https://www.alphaxiv.org/abs/2312.00752",
    "https://alphaxiv.org/overview/2312.00752v2",
    "https://huggingface.co/papers/2312.00752",
]


@pytest.mark.parametrize("url", ARXIV_FORMS)
def test_arxiv_forms_are_one_paper(url: str) -> None:
    ident = identify(url)
    assert ident is not None
    assert (ident.kind, ident.source, ident.id, ident.url) == (
        Kind.PAPER,
        "arxiv",
        "2312.00752",
        "https://arxiv.org/abs/2312.00752",
    )


def test_cited_version_is_kept_apart() -> None:
    ident = identify("https://arxiv.org/pdf/2311.10367v1.pdf")
    assert ident is not None and (ident.id, ident.version) == ("2311.10367", "v1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2312.00752", ("2312.00752", "")),
        ("0704.0001v12", ("0704.0001", "v12")),
        ("hep-th/9901001", ("hep-th/9901001", "")),
        ("solv-int/9701001v1", ("solv-int/9701001", "v1")),
        ("math.GT/0309136v2", ("math.GT/0309136", "v2")),
        ("2312.0075", ("2312.0075", "")),
        ("2312.007522", None),
        ("2312.00752v0", None),
        ("foo-bar/9901001", None),
        ("hep-th/990100", None),
    ],
)
def test_arxiv_id_grammar(text: str, expected: tuple[str, str] | None) -> None:
    assert parse_arxiv_id(text) == expected


def test_old_style_ids_in_urls() -> None:
    ident = identify("https://arxiv.org/abs/solv-int/9701001v1")
    assert ident is not None and (ident.id, ident.version) == ("solv-int/9701001", "v1")


@pytest.mark.parametrize(
    ("url", "kind", "source", "ident", "canonical"),
    [
        (
            "https://openreview.net/forum?id=8Ju0VmvMCW",
            Kind.PAPER,
            "openreview",
            "8Ju0VmvMCW",
            "https://openreview.net/forum?id=8Ju0VmvMCW",
        ),
        (
            "https://openreview.net/pdf?id=8Ju0VmvMCW&noteId=x",
            Kind.PAPER,
            "openreview",
            "8Ju0VmvMCW",
            "https://openreview.net/forum?id=8Ju0VmvMCW",
        ),
        (
            "https://doi.org/10.1145/ABC.123",
            Kind.PAPER,
            "doi",
            "10.1145/abc.123",
            "https://doi.org/10.1145/abc.123",
        ),
        (
            "http://dx.doi.org/10.18653/v1/2023.acl-long.1",
            Kind.PAPER,
            "doi",
            "10.18653/v1/2023.acl-long.1",
            "https://doi.org/10.18653/v1/2023.acl-long.1",
        ),
        (
            "https://aclanthology.org/2023.acl-long.1.pdf",
            Kind.PAPER,
            "acl",
            "2023.acl-long.1",
            "https://aclanthology.org/2023.acl-long.1/",
        ),
        (
            "https://www.aclweb.org/anthology/P19-1001",
            Kind.PAPER,
            "acl",
            "P19-1001",
            "https://aclanthology.org/P19-1001/",
        ),
        (
            "https://github.com/OpenBMB/InfiniteBench",
            Kind.CODE,
            "github",
            "OpenBMB/InfiniteBench",
            "https://github.com/OpenBMB/InfiniteBench",
        ),
        (
            "https://github.com/ml-explore/mlx-examples/tree/main/transformer_lm",
            Kind.CODE,
            "github",
            "ml-explore/mlx-examples",
            "https://github.com/ml-explore/mlx-examples",
        ),
        ("https://github.com/a/b.git", Kind.CODE, "github", "a/b", "https://github.com/a/b"),
        (
            "https://specialist-diffusion.github.io/",
            Kind.PAGE,
            "specialist-diffusion.github.io",
            "/",
            "https://specialist-diffusion.github.io/",
        ),
        (
            "https://huggingface.co/datasets/Skywork/SkyPile-150B",
            Kind.DATASET,
            "huggingface",
            "Skywork/SkyPile-150B",
            "https://huggingface.co/datasets/Skywork/SkyPile-150B",
        ),
        (
            "https://huggingface.co/spaces/a/demo",
            Kind.PAGE,
            "huggingface",
            "a/demo",
            "https://huggingface.co/spaces/a/demo",
        ),
        (
            "https://huggingface.co/mistralai/Mixtral-8x7B-v0.1/blob/main/config.json",
            Kind.MODEL,
            "huggingface",
            "mistralai/Mixtral-8x7B-v0.1",
            "https://huggingface.co/mistralai/Mixtral-8x7B-v0.1",
        ),
        (
            "https://twitter.com/tydsh/status/1674436093356421120",
            Kind.POST,
            "twitter",
            "tydsh/status/1674436093356421120",
            "https://x.com/tydsh/status/1674436093356421120",
        ),
        (
            "https://x.com/ipruning/status/1732353942288585143?s=20&t=abc",
            Kind.POST,
            "twitter",
            "ipruning/status/1732353942288585143",
            "https://x.com/ipruning/status/1732353942288585143",
        ),
        (
            "https://mobile.twitter.com/u/status/42",
            Kind.POST,
            "twitter",
            "u/status/42",
            "https://x.com/u/status/42",
        ),
        (
            "https://zhuanlan.zhihu.com/p/655402388?utm_source=wechat&utm_medium=social",
            Kind.ARTICLE,
            "zhuanlan.zhihu.com",
            "/p/655402388",
            "https://zhuanlan.zhihu.com/p/655402388",
        ),
        (
            "https://mp.weixin.qq.com/s?__biz=MzA&mid=22&idx=1&sn=abc&chksm=zz&scene=21#wechat",
            Kind.ARTICLE,
            "mp.weixin.qq.com",
            "/s?__biz=MzA&mid=22&idx=1&sn=abc",
            "https://mp.weixin.qq.com/s?__biz=MzA&mid=22&idx=1&sn=abc",
        ),
        (
            "https://www.anthropic.com/index/claude-2-1-prompting",
            Kind.ARTICLE,
            "anthropic.com",
            "/index/claude-2-1-prompting",
            "https://anthropic.com/index/claude-2-1-prompting",
        ),
        (
            "https://xnboqt31tz.feishu.cn/wiki/D5R?from=from_copylink",
            Kind.PAGE,
            "xnboqt31tz.feishu.cn",
            "/wiki/D5R",
            "https://xnboqt31tz.feishu.cn/wiki/D5R",
        ),
        (
            "HTTPS://WWW.Example.COM:443/Path?spm=1&q=2#top",
            Kind.PAGE,
            "example.com",
            "/Path?q=2",
            "https://example.com/Path?q=2",
        ),
        ("http://example.com:8080", Kind.PAGE, "example.com", "/", "http://example.com:8080/"),
        (
            "https://replicate.com/nateraw/mixtral-8x7b-32kseqlen",
            Kind.MODEL,
            "replicate",
            "nateraw/mixtral-8x7b-32kseqlen",
            "https://replicate.com/nateraw/mixtral-8x7b-32kseqlen",
        ),
        (
            "https://openai.com/blog/chatgpt",
            Kind.ARTICLE,
            "openai.com",
            "/blog/chatgpt",
            "https://openai.com/blog/chatgpt",
        ),
    ],
)
def test_canonical_form_table(
    url: str, kind: Kind, source: str, ident: str, canonical: str
) -> None:
    found = identify(url)
    assert found is not None
    assert (found.kind, found.source, found.id, found.url) == (kind, source, ident, canonical)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "https://github.com/OpenBMB/InfiniteBench",
            "https://github.com/openbmb/infinitebench/blob/main/README.md",
        ),
        ("https://twitter.com/old_name/status/99", "https://x.com/new_name/status/99"),
        ("https://deepspeed.ai/tutorials/moe/", "https://www.deepspeed.ai/tutorials/moe"),
        ("https://huggingface.co/datasets/A/B", "https://hf.co/datasets/a/b"),
        # `&amp;` in a query is `&` (an href, or Markdown text, copied as written)
        ("https://example.com/search?a=1&amp;b=2", "https://example.com/search?a=1&b=2"),
        # a revision's PDF in the ACL Anthology is the paper
        ("https://aclanthology.org/P19-1001v2.pdf", "https://aclanthology.org/P19-1001/"),
        (
            "https://aclanthology.org/2023.acl-long.1v3.pdf",
            "https://aclanthology.org/2023.acl-long.1",
        ),
        ("https://www.youtube.com/watch?t=5&amp;v=abcdefghijk", "https://youtu.be/abcdefghijk"),
    ],
)
def test_same_identity(a: str, b: str) -> None:
    ia, ib = identify(a), identify(b)
    assert ia is not None and ib is not None and key_of(ia) == key_of(ib)


def test_dataset_and_model_of_same_name_differ() -> None:
    a = identify("https://huggingface.co/datasets/a/b")
    b = identify("https://huggingface.co/a/b")
    assert a is not None and b is not None and key_of(a) != key_of(b)


def test_openreview_ids_are_case_sensitive() -> None:
    a = identify("https://openreview.net/forum?id=abcDEF")
    b = identify("https://openreview.net/forum?id=ABCdef")
    assert a is not None and b is not None and key_of(a) != key_of(b)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "https://nodot",
        "https://ex ample.com",
        "https://example.com:99999/",
        "https://-bad-.com/",
    ],
)
def test_not_usable_urls(url: str) -> None:
    assert identify(url) is None


def test_acl_revision_is_kept_as_the_version_cited() -> None:
    found = identify("https://aclanthology.org/P19-1001v2.pdf")
    assert found is not None
    assert (found.kind, found.source, found.id, found.version) == (
        Kind.PAPER,
        "acl",
        "P19-1001",
        "v2",
    )
    for not_an_id in ("https://aclanthology.org/Xv2.pdf", "https://aclanthology.org/events/v2"):
        other = identify(not_an_id)
        assert other is not None and other.source == "aclanthology.org"  # a page of the site
