"""The export stage: catalogue rows joined with their metadata, written in the formats that
people and programs read.

    view         `LinkInfo`: one answer per question (title, authors, year, venue …) for all
    topics       which topic a link belongs to
    tex          TeX-safe text for BibTeX fields
    bibtex       BibTeX / biblatex (`bib`)
    csl          CSL-JSON (`csl-json`) for pandoc, Zotero and every CSL processor
    ris          RIS (`ris`) for EndNote and Mendeley
    readinglist  reading lists grouped by topic, Markdown (`md`) and JSON (`json`)

Adding a format is a module with an `Exporter` subclass and one line in `EXPORTERS`.
"""

from __future__ import annotations

import importlib
from typing import Any

from .. import defaults
from .base import ExportContext, Exporter, ExportError

EXPORTERS: dict[str, str] = {
    "bib": "paperindex.export.bibtex:BibtexExporter",
    "md": "paperindex.export.readinglist:MarkdownExporter",
    "json": "paperindex.export.readinglist:JsonExporter",
    "csl-json": "paperindex.export.csl:CslJsonExporter",
    "ris": "paperindex.export.ris:RisExporter",
}
"""Format name → `module:class`; imported on first use."""
DEFAULT_FORMATS = defaults.FORMATS
"""What `build` writes unless told otherwise."""


def exporter(name: str, **options: Any) -> Exporter:
    """The exporter registered as `name`, made with `options`; `ValueError` naming the formats
    otherwise."""
    target = EXPORTERS.get(name)
    if target is None:
        raise ValueError(f"unknown format {name!r}; formats are {', '.join(EXPORTERS)}")
    module, _, cls = target.partition(":")
    made: Exporter = getattr(importlib.import_module(module), cls)(**options)
    return made


__all__ = ["DEFAULT_FORMATS", "EXPORTERS", "ExportContext", "ExportError", "Exporter", "exporter"]
