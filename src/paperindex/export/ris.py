"""RIS (`ris`, `references.ris`) for EndNote, Mendeley and the reference managers that read
it, written by rispy (its tag table is the one those programs use).

RIS values are single lines, so every value is whitespace-folded and control characters are
removed: no value can start a tag of its own.  Names as in CSL-JSON (`csl.split_name`), written
"Family, Given"; mentions as `N1` notes, one per mention.

Types: a preprint is `UNPB` (unpublished work, with `DB` = arXiv and `AN` = its id), a
published paper `JOUR` or `CPAPER` with its venue as `T2`; code and models `COMP`, datasets
`DATA`, videos `VIDEO`, articles (blogs) `BLOG`, posts and pages `ELEC`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..model import Kind
from . import csl, tex
from .base import ExportContext, Exporter
from .view import LinkInfo

TYPES: dict[Kind, str] = {
    Kind.CODE: "COMP",
    Kind.MODEL: "COMP",
    Kind.DATASET: "DATA",
    Kind.VIDEO: "VIDEO",
    Kind.POST: "ELEC",
    Kind.ARTICLE: "BLOG",
    Kind.PAGE: "ELEC",
}
"""RIS type of each kind but papers."""
_PAPER_TYPES = {"article": "UNPB", "article-journal": "JOUR", "paper-conference": "CPAPER"}


def _name(name: dict[str, str]) -> str:
    if "literal" in name:
        return name["literal"]
    family = " ".join(p for p in (name.get("non-dropping-particle"), name["family"]) if p)
    return ", ".join(p for p in (family, name.get("suffix"), name.get("given")) if p)


def record(info: LinkInfo) -> dict[str, Any]:
    """One RIS record as rispy's field names; fields with no value are left out."""
    data = csl.item(info)
    link = info.link
    out: dict[str, Any] = {
        "type_of_reference": (
            _PAPER_TYPES[data["type"]] if link.kind is Kind.PAPER else TYPES[link.kind]
        ),
        "id": csl._text(link.key),  # a curated cell: one line, as every RIS value
        "title": data["title"],
    }
    if "author" in data:
        out["authors"] = [_name(n) for n in data["author"]]
    if "issued" in data:
        parts = data["issued"]["date-parts"][0]
        out["year"] = str(parts[0])
        if len(parts) == 3:
            out["date"] = f"{parts[0]:04d}/{parts[1]:02d}/{parts[2]:02d}"
    if "container-title" in data:
        out["secondary_title"] = data["container-title"]
    if info.arxiv_id:
        out["name_of_database"], out["accession_number"] = "arXiv", info.arxiv_id
    if "DOI" in data:
        out["doi"] = data["DOI"]
    url = tex.checked_url(link.url)
    if url:
        out["urls"] = [url]
    if "accessed" in data:
        y, m, d = data["accessed"]["date-parts"][0]
        out["access_date"] = f"{y:04d}/{m:02d}/{d:02d}"
    if "abstract" in data:
        out["abstract"] = data["abstract"]
    if info.facts.categories:
        out["keywords"] = [csl._text(c) for c in info.facts.categories]
    notes = csl.mention_note(link)
    if notes:
        out["notes"] = notes
    return out


def records(infos: Iterable[LinkInfo]) -> list[dict[str, Any]]:
    """The RIS records for `infos`, in their order."""
    return [record(info) for info in infos]


def ris(infos: Iterable[LinkInfo]) -> str:
    """The RIS text."""
    return "".join(ris_parts(infos))


def ris_parts(infos: Iterable[LinkInfo], batch: int = 1000) -> Iterator[str]:
    """`ris`'s text in pieces of `batch` records.  rispy ends each record's lines with a blank
    line but the last, then a line feed: a piece after the first starts with that blank
    line."""
    import rispy

    class Writer(rispy.RisWriter):  # type: ignore[misc]
        """rispy's writer without its "1." line before each record (no RIS tag)."""

        def set_header(self, count: int) -> str:
            return ""

    infos = list(infos)
    if not infos:
        yield rispy.dumps([], implementation=Writer)
        return
    for start in range(0, len(infos), batch):
        text: str = rispy.dumps(
            [record(i) for i in infos[start : start + batch]], implementation=Writer
        )
        yield text if start == 0 else "\n" + text


class RisExporter(Exporter):
    """RIS for EndNote and Mendeley."""

    name = "ris"
    default_file = "references.ris"
    description = "RIS (EndNote, Mendeley)"

    def render(self, infos: Sequence[LinkInfo], context: ExportContext) -> str:
        return ris(infos)

    def parts(self, infos: Sequence[LinkInfo], context: ExportContext) -> Iterator[str]:
        return ris_parts(infos)
