"""The interface every exporter implements: catalogue rows joined with metadata in, text out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .topics import TopicRules
from .view import LinkInfo


class ExportError(ValueError):
    """The catalogue cannot be exported as asked (the message says which rows and why)."""


@dataclass(frozen=True)
class ExportContext:
    """What an exporter may need beyond the links: where they came from, and the topics."""

    catalogue: str = "data/links.csv"
    """The catalogue's path as the output may name it."""
    rules: TopicRules = field(default_factory=TopicRules)
    """Topic rules, for exporters that group by topic."""
    topics: Sequence[str] | None = None
    """Only these topics, for exporters that group by topic (None: all)."""
    shared: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """What one exporter worked out that the next may reuse (`build` writes the Markdown and
    JSON reading lists from one grouping)."""


class Exporter(ABC):
    """One output format.  A new format is one module with one subclass, registered by one line
    in `paperindex.export.EXPORTERS`."""

    name: ClassVar[str]
    """The format's name (`build --formats`, `--format`)."""
    default_file: ClassVar[str]
    """The file `build` writes it to."""
    description: ClassVar[str] = ""
    needs_mentions: ClassVar[bool] = True
    """Whether it shows where links were cited (the mentions file is read only then)."""

    @abstractmethod
    def render(self, infos: Sequence[LinkInfo], context: ExportContext) -> str:
        """The whole output for `infos`, in their order (every link has a key by now)."""

    def parts(self, infos: Sequence[LinkInfo], context: ExportContext) -> Iterator[str]:
        """`render`'s text in pieces, for writing to a file: an exporter whose output can be
        tens of megabytes yields it a piece at a time, so it is never held whole."""
        yield self.render(infos, context)
