"""paperindex: research notes in, a reference catalogue out.

    >>> import paperindex
    >>> links = paperindex.extract_text("见https://arxiv.org/abs/2312.00752v2，代码在https://github.com/state-spaces/mamba。")
    >>> [(c.kind.value, c.id, c.mention.version) for c in links]
    [('paper', '2312.00752', 'v2'), ('code', 'state-spaces/mamba', '')]

Names are imported on first use, so the command line starts without loading pydantic or requests.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Kind": "model",
    "Status": "model",
    "Link": "model",
    "Mention": "model",
    "Citation": "model",
    "Identity": "identity",
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
    "ArxivRecord": "metadata",
    "MetadataStore": "metadata",
    "load_store": "metadata",
    "save_store": "metadata",
    "update_catalogue": "api",
    "refresh": "enrich",
    "RefreshReport": "enrich",
    "write_bibtex": "api",
    "bibtex": "bibtex",
    "BibOptions": "bibtex",
    "reading_list": "api",
    "build": "api",
    "load_infos": "view",
    "LinkInfo": "view",
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
    "ArxivRecord",
    "MetadataStore",
    "load_store",
    "save_store",
    "update_catalogue",
    "refresh",
    "RefreshReport",
    "write_bibtex",
    "bibtex",
    "BibOptions",
    "reading_list",
    "build",
    "load_infos",
    "LinkInfo",
]

if TYPE_CHECKING:
    from .catalogue import Catalogue, CatalogueError, merge
    from .catalogue import load as load_catalogue
    from .catalogue import save as save_catalogue
    from .extract import ExtractResult, extract_paths, extract_text
    from .identity import Identity, identify, parse_arxiv_id
    from .metadata import ArxivRecord, MetadataStore, load_store, save_store
    from .model import Citation, Kind, Link, Mention, Status


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
