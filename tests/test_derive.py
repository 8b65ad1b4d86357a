"""The derived title of a link without metadata: the text it was linked with in the notes, when
that text names the work (not "paper", "[1]" or a URL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperindex.enrich.derive import derive_all
from paperindex.enrich.metadata import Metadata
from paperindex.model import Kind, Link, Mention


def _link(ident: str, *labels: str, source: str = "arxiv", kind: Kind = Kind.PAPER) -> Link:
    mentions = [Mention(file="n.md", line=n + 1, label=label) for n, label in enumerate(labels)]
    return Link(kind=kind, source=source, id=ident, url=f"https://example.org/{ident}",
                mentions=mentions)  # fmt: skip


def _titles(links: list[Link], tmp_path: Path) -> list[str]:
    derive_all(links, Metadata.load(tmp_path / "no-stores", present_only=True))
    return [link.auto_title for link in links]


@pytest.mark.parametrize(
    "label",
    ["paper", "PDF", "arXiv", "[1]", "1", "Code", "project page", "论文", "https://a.example/x"],
)
def test_link_text_that_names_no_work_is_no_title(label: str, tmp_path: Path) -> None:
    assert _titles([_link("2301.00001", label)], tmp_path) == [""]  # the site's fallback shows


def test_emphasis_around_a_title_is_removed_and_a_telling_label_later_is_taken(
    tmp_path: Path,
) -> None:
    links = [_link("2303.18223", "*A Survey of Large Language Models*"), _link("2004.05150", "pdf",
             "Longformer: The Long-Document Transformer")]  # fmt: skip
    assert _titles(links, tmp_path) == [
        "A Survey of Large Language Models",
        "Longformer: The Long-Document Transformer",
    ]


def test_a_label_many_links_share_names_a_kind_not_a_work(tmp_path: Path) -> None:
    platforms = [_link(f"example-org/tool-{n}", "Platform", source="github", kind=Kind.CODE)
                 for n in range(3)]  # fmt: skip
    pair = [_link("2312.00752", "Mamba"), _link("state-spaces/mamba", "Mamba", source="github",
            kind=Kind.CODE)]  # fmt: skip
    assert _titles(platforms + pair, tmp_path) == ["", "", "", "Mamba", "Mamba"]
