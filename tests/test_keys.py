"""Citation keys, tweet years and fallback titles: specified values, stated here by hand."""

from __future__ import annotations

import time

import pytest

from paperindex.catalogue.keys import assign_keys, readable_key
from paperindex.export.view import fallback_title
from paperindex.model import Kind, Link
from paperindex.sites.social import tweet_year


def _link(kind: Kind, source: str, ident: str) -> Link:
    return Link(kind=kind, source=source, id=ident, url="https://example.org/")


@pytest.mark.parametrize(
    ("kind", "source", "ident", "key"),
    [
        (Kind.PAPER, "arxiv", "2312.00752", "arxiv-2312-00752"),
        (Kind.PAPER, "arxiv", "solv-int/9701001", "arxiv-solv-int-9701001"),
        (Kind.PAPER, "openreview", "8Ju0VmvMCW", "openreview-8ju0vmvmcw"),
        (Kind.PAPER, "doi", "10.1145/3580305.3599572", "doi-10-1145-3580305-3599572"),
        (Kind.PAPER, "acl", "2023.acl-long.1", "acl-2023-acl-long-1"),
        (Kind.CODE, "github", "Example-Org/Example_Repo", "example-org-example-repo"),
        (Kind.DATASET, "huggingface", "example-org/A.Dataset", "example-org-a-dataset"),
        (Kind.MODEL, "replicate", "example-org/model-7b", "example-org-model-7b"),
        (Kind.POST, "twitter", "Ada_Example/status/1674436093356421120", "adaexample2023tweet"),
        (Kind.ARTICLE, "zhuanlan.zhihu.com", "/p/664985891", "zhihu-664985891"),
        (Kind.ARTICLE, "mp.weixin.qq.com", "/s?__biz=Mz&mid=1", "weixin-s"),
        (Kind.PAGE, "example-lab.github.io", "/", "example-lab"),
        (Kind.PAGE, "www.example.com.cn", "/a/b/Some_Page.html", "example-some-page-html"),
        (Kind.PAGE, "perplexity.ai", "/", "perplexity"),
        # a URL's escapes are decoded first (here an emoji, which a key leaves out)
        (Kind.PAGE, "example.com", "/c/%E2%AD%90-starcoder-64f9", "example-starcoder-64f9"),
        (Kind.PAGE, "example.com", "/a%20b", "example-a-b"),
    ],
)
def test_readable_keys(kind: Kind, source: str, ident: str, key: str) -> None:
    assert readable_key(_link(kind, source, ident)) == key


@pytest.mark.parametrize(
    ("status", "year"),
    [
        ("1674436093356421120", "2023"),  # (id >> 22) + epoch = 2023-06-29
        ("1445078208190291968", "2021"),  # 2021-10-04
        ("4194303", ""),  # below 2**22: no timestamp bits (pre-snowflake ids)
        ("20", ""),
        ("12a", ""),
    ],
)
def test_tweet_year_from_the_snowflake_id(status: str, year: str) -> None:
    assert tweet_year(status) == year


@pytest.mark.parametrize(
    ("kind", "source", "ident", "title"),
    [
        (Kind.PAPER, "arxiv", "2312.00752", "arXiv:2312.00752"),
        (Kind.PAPER, "openreview", "8Ju0VmvMCW", "OpenReview 8Ju0VmvMCW"),
        (Kind.PAPER, "doi", "10.1000/xyz", "doi:10.1000/xyz"),
        (Kind.PAPER, "acl", "P19-1001", "acl:P19-1001"),
        (Kind.CODE, "github", "example-org/example-repo", "example-org/example-repo"),
        (Kind.POST, "twitter", "ada/status/123", "Post by @ada on X (123)"),
        (Kind.PAGE, "example.com", "/docs/intro/?x=1", "example.com/docs/intro"),
        (Kind.PAGE, "example.com", "/", "example.com"),
    ],
)
def test_fallback_titles(kind: Kind, source: str, ident: str, title: str) -> None:
    assert fallback_title(_link(kind, source, ident)) == title


def test_key_assignment_is_linear_in_links_sharing_a_base() -> None:
    """8,000 videos of one site share the key base; probing suffixes from `a` each time was
    quadratic (29 s for 8,000)."""

    def timed(n: int) -> tuple[float, list[str]]:
        """CPU time, best of 3 (a busy machine delays a run, it does not make it do more)."""
        best, keys = float("inf"), []
        for _ in range(3):
            links = [_link(Kind.PAGE, "video.example.com", f"/watch?v={i}") for i in range(n)]
            start = time.process_time()
            assign_keys(links)
            best = min(best, time.process_time() - start)
            keys = [lk.key for lk in links]
        return best, keys

    small, keys = timed(4000)
    assert keys[:3] == ["example-watch", "example-watcha", "example-watchb"]
    assert keys[26:28] == ["example-watchz", "example-watchaa"] and len(set(keys)) == 4000
    large, _ = timed(16000)
    assert large < 8 * max(small, 0.01), (small, large)  # 4x the links, not 16x the time
