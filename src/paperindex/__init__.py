"""paperindex: research notes in, a reference catalogue out.

    >>> import paperindex
    >>> links = paperindex.extract_text("见https://arxiv.org/abs/2312.00752v2，代码在https://github.com/state-spaces/mamba。")
    >>> [(c.kind.value, c.id, c.mention.version) for c in links]
    [('paper', '2312.00752', 'v2'), ('code', 'state-spaces/mamba', '')]

The stages, one package each, in the order data flows: `extract` (notes → citations),
`catalogue` (citations → `data/links.csv`), `enrich` (metadata from every source), `export`
(BibTeX, reading lists).  `api` runs them as jobs; `cli` is the command line over it.

Names are imported on first use, so the command line starts without loading pydantic or requests.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

_EXPORTS = {
    "Kind": "model",
    "Status": "model",
    "Link": "model",
    "Mention": "model",
    "Citation": "model",
    "Identity": "model",
    "identify": "identity",
    "parse_arxiv_id": "identity",
    "extract_text": "extract",
    "extract_paths": "extract",
    "ExtractResult": "extract",
    "Catalogue": "catalogue",
    "CatalogueError": "catalogue",
    "merge": "catalogue",
    "load_catalogue": "catalogue:load",
    "save_catalogue": "catalogue:save",
    "Facts": "enrich",
    "Metadata": "enrich",
    "MetadataSource": "enrich",
    "refresh": "enrich",
    "RefreshReport": "enrich",
    "ArxivRecord": "enrich.sources.arxiv",
    "update_catalogue": "api",
    "write": "api",
    "write_file": "api",
    "write_bibtex": "api",
    "reading_list": "api",
    "build": "api",
    "Exporter": "export",
    "BibOptions": "export.bibtex",
    "bibtex": "export.bibtex",
    "load_infos": "export.view",
    "LinkInfo": "export.view",
}
__all__ = [  # noqa: RUF022 - grouped by stage, as in _EXPORTS
    "__version__",
    "Kind",
    "Status",
    "Link",
    "Mention",
    "Citation",
    "Identity",
    "identify",
    "parse_arxiv_id",
    "extract_text",
    "extract_paths",
    "ExtractResult",
    "Catalogue",
    "CatalogueError",
    "merge",
    "load_catalogue",
    "save_catalogue",
    "Facts",
    "Metadata",
    "MetadataSource",
    "refresh",
    "RefreshReport",
    "ArxivRecord",
    "update_catalogue",
    "write",
    "write_file",
    "write_bibtex",
    "reading_list",
    "build",
    "Exporter",
    "BibOptions",
    "bibtex",
    "load_infos",
    "LinkInfo",
]

if TYPE_CHECKING:
    from .api import build, reading_list, update_catalogue, write, write_bibtex, write_file
    from .catalogue import Catalogue, CatalogueError, merge
    from .catalogue import load as load_catalogue
    from .catalogue import save as save_catalogue
    from .enrich import Facts, Metadata, MetadataSource, RefreshReport, refresh
    from .enrich.sources.arxiv import ArxivRecord
    from .export import Exporter
    from .export.bibtex import BibOptions, bibtex
    from .export.view import LinkInfo, load_infos
    from .extract import ExtractResult, extract_paths, extract_text
    from .identity import identify, parse_arxiv_id
    from .model import Citation, Identity, Kind, Link, Mention, Status


def __getattr__(name: str) -> Any:
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'paperindex' has no attribute {name!r}")
    module, _, attr = target.partition(":")
    value = getattr(importlib.import_module(f".{module}", __name__), attr or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
