"""Every source's store, read from one folder: what is known about each catalogue link.

The folder is `data/metadata/` beside the catalogue, one `<source>.json` per registered source.
For compatibility, a path to a store file inside it (`data/metadata/arxiv.json`, as the
`--store` option took before there were several sources) names its folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..model import Link
from . import store as st
from .source import Facts, MetadataSource
from .sources import REGISTRY, source_class


def metadata_folder(path: Path | str) -> Path:
    """The stores' folder named by `path` (a folder, or a store file inside it)."""
    path = Path(path)
    return path.parent if path.suffix == ".json" else path


def store_path(folder: Path | str, name: str) -> Path:
    """Where source `name` keeps its records."""
    return metadata_folder(folder) / f"{name}.json"


@dataclass
class Metadata:
    """The stores of `sources`, loaded, and the facts they give each link."""

    folder: Path
    sources: list[MetadataSource[Any]]
    stores: dict[str, st.Store[Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path | str, names: Sequence[str] | None = None) -> Metadata:
        """The stores of the registered sources (or of `names`) in `folder`; a missing file is
        an empty store."""
        folder = metadata_folder(folder)
        sources = [source_class(n)() for n in (names or REGISTRY)]
        stores = {s.name: st.load(store_path(folder, s.name), s.record_type) for s in sources}
        return cls(folder, sources, stores)

    def records(self, link: Link) -> dict[str, BaseModel]:
        """Each source's record of `link`, by source name, in order of trust."""
        found: dict[str, BaseModel] = {}
        for source in self.sources:
            ident = source.ids_for(link)
            record = self.stores[source.name].records.get(ident) if ident is not None else None
            if record is not None:
                found[source.name] = record
        return found

    def facts(self, link: Link) -> Facts:
        """What the sources say about `link`, the most trusted first, gaps filled by the
        others."""
        facts = Facts()
        for source in self.sources:
            ident = source.ids_for(link)
            record = self.stores[source.name].records.get(ident) if ident is not None else None
            if record is not None:
                facts = facts.merged(source.describe(record))
        return facts

    def facts_for(self, links: Iterable[Link]) -> list[Facts]:
        """`facts` of each link, in order."""
        return [self.facts(link) for link in links]
