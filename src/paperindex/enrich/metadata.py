"""Every source's store, read from one folder: what is known about each catalogue link.

The folder is `data/metadata/` beside the catalogue, one `<source>.json` per registered source.
For compatibility, a path to a store file inside it (`data/metadata/arxiv.json`, as the
`--store` option took before there were several sources) names its folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import defaults
from ..model import Link
from .source import Facts, MetadataSource
from .sources import REGISTRY, source_class

if TYPE_CHECKING:
    from pydantic import BaseModel

    from . import store as st


def metadata_folder(path: Path | str) -> Path:
    """The stores' folder named by `path` (a folder, or a store file inside it)."""
    path = Path(path)
    return path.parent if path.suffix == ".json" else path


def store_path(folder: Path | str, name: str) -> Path:
    """Where source `name` keeps its records."""
    return metadata_folder(folder) / f"{name}.json"


NO_FACTS = Facts()
"""What nothing is known about (one shared instance: `Facts` is immutable)."""


def _has_store(folder: Path, name: str) -> bool:
    path = store_path(folder, name)
    return path.exists() or path.with_name(path.name + defaults.JOURNAL_SUFFIX).exists()


@dataclass
class Metadata:
    """The stores of `sources`, loaded, and the facts they give each link."""

    folder: Path
    sources: list[MetadataSource[Any]]
    stores: dict[str, st.Store[Any]] = field(default_factory=dict)

    @classmethod
    def load(
        cls, folder: Path | str, names: Sequence[str] | None = None, present_only: bool = False
    ) -> Metadata:
        """The stores of the registered sources (or of `names`) in `folder`; a missing file is
        an empty store.  `present_only`: sources without a store file are left out (their
        modules not even imported): enough to read facts, which they have none of."""
        folder = metadata_folder(folder)
        wanted = list(names or REGISTRY)
        if present_only:
            wanted = [n for n in wanted if _has_store(folder, n)]
            if not wanted:
                return cls(folder, [], {})
        from . import store as st  # pydantic: only when there is a store to read

        sources = [source_class(n)() for n in wanted]
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
        facts = NO_FACTS
        for source in self.sources:
            records = self.stores[source.name].records
            if not records:
                continue
            ident = source.ids_for(link)
            record = records.get(ident) if ident is not None else None
            if record is not None:
                facts = facts.merged(source.describe(record))
        return facts

    def facts_for(self, links: Iterable[Link]) -> list[Facts]:
        """`facts` of each link, in order."""
        return [self.facts(link) for link in links]
