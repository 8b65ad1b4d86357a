"""The registry of metadata sources: adding one is a module here and one line in `REGISTRY`.

Sources are imported on first use (`load`), so the command line starts without them.  The order
of `REGISTRY` is the order of trust when two sources describe one link.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from ..source import MetadataSource

REGISTRY: dict[str, str] = {
    "arxiv": "paperindex.enrich.sources.arxiv:ArxivSource",
    "published": "paperindex.enrich.published:PublishedSource",
    "semanticscholar": "paperindex.enrich.sources.semanticscholar:SemanticScholarSource",
    "crossref": "paperindex.enrich.sources.crossref:CrossrefSource",
    "datacite": "paperindex.enrich.sources.datacite:DataCiteSource",
    "openreview": "paperindex.enrich.sources.openreview:OpenReviewSource",
    "github": "paperindex.enrich.sources.github:GitHubSource",
    "huggingface": "paperindex.enrich.sources.huggingface:HuggingFaceSource",
    "youtube": "paperindex.enrich.sources.youtube:YouTubeSource",
    "bilibili": "paperindex.enrich.sources.bilibili:BilibiliSource",
    "twitter": "paperindex.enrich.sources.twitter:TwitterSource",
    "webpage": "paperindex.enrich.sources.webpage:WebpageSource",
    "links": "paperindex.enrich.sources.facts:FactsSource",
}
"""Source name → `module:class`."""


def source_class(name: str) -> type[MetadataSource[Any]]:
    """The class registered as `name`; `ValueError` naming the known ones otherwise."""
    target = REGISTRY.get(name)
    if target is None:
        raise ValueError(f"unknown source {name!r}; sources are {', '.join(REGISTRY)}")
    module, _, cls = target.partition(":")
    found: type[MetadataSource[Any]] = getattr(importlib.import_module(module), cls)
    return found


def check_names(names: Iterable[str]) -> list[str]:
    """`names` in registry order, or `ValueError` naming the unknown ones and the known ones."""
    wanted = set(names)
    unknown = sorted(wanted - REGISTRY.keys())
    if unknown:
        raise ValueError(
            f"unknown source(s) {', '.join(unknown)}; sources are {', '.join(REGISTRY)}"
        )
    return [n for n in REGISTRY if n in wanted]
