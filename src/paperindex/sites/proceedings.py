"""Proceedings that publish without (or before) a DOI in their URLs: NeurIPS, PMLR, the CVF's
open access, JMLR, AAAI and IJCAI.  An abstract page, its PDF and its supplement are one paper.

IJCAI papers since 2017 have a DOI made from the year and the paper number
(`ijcai.org/proceedings/2023/0123.pdf` is `10.24963/ijcai.2023/123`), so they are DOI identities.
"""

from __future__ import annotations

import re
from typing import ClassVar

from ..model import Identity, Kind
from .base import Query, Ref, Site, slug
from .papers import doi_identity

_HASH = re.compile(
    r"([0-9a-f]{32})-(Abstract|Paper|Supplemental|Supplementary|Review|MetaReview|AuthorFeedback"
    r"|Bibtex)(-[A-Za-z0-9_]+)?\.(html|pdf|zip|bib)"
)
_NIPS_OLD = re.compile(r"([1-9]\d{0,5})-([a-z0-9-]+?)(\.pdf)?")
_NAME = re.compile(r"[A-Za-z0-9][\w-]*")
_YEAR = re.compile(r"(19|20)\d{2}")


def _key_part(text: str) -> str:
    return slug(text, 60)


class _Proceedings(Site):
    """Keys wait for metadata (authors give `lastnameYYYYword`)."""

    key_waits_for_metadata = True
    page_metadata: ClassVar[bool] = True
    """No API serves these: their landing pages (`citation_*` tags) are read instead."""

    def readable_key(self, ref: Ref) -> str:
        return self.key_prefix + _key_part(ref.id)


class NeurIPS(_Proceedings):
    """NeurIPS (and NIPS) proceedings: `/paper[_files/paper]/YEAR/hash|file/HASH-…` on
    papers.nips.cc, proceedings.neurips.cc and the 2021 datasets track's site, and the old
    numbered pages (`papers.nips.cc/paper/5423-generative-adversarial-nets`)."""

    name = "neurips"
    hosts: ClassVar[tuple[str, ...]] = (
        "papers.nips.cc", "proceedings.neurips.cc", "papers.neurips.cc", "nips.cc",
        "datasets-benchmarks-proceedings.neurips.cc",
    )  # fmt: skip
    key_prefix = "neurips-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if segments[:2] == ["paper_files", "paper"]:
            segments = segments[1:]
        if not segments or segments[0] != "paper":
            return None
        if len(segments) == 2:  # papers.nips.cc/paper/5423-generative-adversarial-nets[.pdf]
            m = _NIPS_OLD.fullmatch(segments[1])
            if not m:
                return None
            number, title = m.group(1), m.group(2)
            url = f"https://papers.nips.cc/paper/{number}-{title}"
            return Identity(Kind.PAPER, self.name, number, url)
        if len(segments) != 4 or not _YEAR.fullmatch(segments[1]):
            return None
        year, kind_dir, file = segments[1], segments[2], segments[3]
        m = _HASH.fullmatch(file)
        if kind_dir not in ("hash", "file") or not m:
            return None
        digest, track = m.group(1), m.group(3) or ""
        if track.startswith("-round"):
            base = "https://datasets-benchmarks-proceedings.neurips.cc/paper/"
        elif int(year) >= 2022:
            base = "https://proceedings.neurips.cc/paper_files/paper/"
            track = track or "-Conference"
        else:
            base = "https://proceedings.neurips.cc/paper/"
        url = f"{base}{year}/hash/{digest}-Abstract{track}.html"
        return Identity(Kind.PAPER, self.name, f"{year}/{digest}", url)

    def fallback_title(self, ref: Ref) -> str:
        return f"{self.label(ref)} paper {ref.id.rsplit('/', 1)[-1][:8]}"

    def pdf_url(self, ref: Ref) -> str:
        url = str(getattr(ref, "url", ""))
        if "/hash/" not in url:
            return ""
        return url.replace("/hash/", "/file/").replace("-Abstract", "-Paper")[:-5] + ".pdf"

    def label(self, ref: Ref) -> str:
        year = ref.id.split("/", 1)[0] if "/" in ref.id else ""
        if not year:
            return "NIPS"
        return f"{'NeurIPS' if int(year) >= 2018 else 'NIPS'} {year}"


class Pmlr(_Proceedings):
    """Proceedings of Machine Learning Research (ICML, AISTATS, CoRL, …): `vNN/name.html`, its
    PDF `vNN/name/name.pdf` and supplement, also at its old home jmlr.org/proceedings."""

    name = "pmlr"
    hosts: ClassVar[tuple[str, ...]] = ("proceedings.mlr.press", "mlr.press", "jmlr.org")
    key_prefix = "pmlr-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if host == "jmlr.org":
            if segments[:2] != ["proceedings", "papers"]:
                return None
            segments = segments[2:]
        if len(segments) not in (2, 3) or not re.fullmatch(r"[vr]\d{1,4}", segments[0]):
            return None
        volume = segments[0]
        name = re.sub(r"(-supp|Supp|-supplementary)?\.(html|pdf|zip)$", "", segments[1])
        if len(segments) == 3:
            inner = re.sub(r"(-supp|Supp|-supplementary)?\.(pdf|zip)$", "", segments[2])
            if inner != name:
                return None
        if not _NAME.fullmatch(name):
            return None
        url = f"https://proceedings.mlr.press/{volume}/{name}.html"
        return Identity(Kind.PAPER, self.name, f"{volume}/{name}", url)

    def pdf_url(self, ref: Ref) -> str:
        volume, _, name = ref.id.partition("/")
        return f"https://proceedings.mlr.press/{volume}/{name}/{name}.pdf"

    def label(self, ref: Ref) -> str:
        return f"PMLR {ref.id.split('/', 1)[0]}"

    def fallback_title(self, ref: Ref) -> str:
        return f"PMLR {ref.id}"


class Cvf(_Proceedings):
    """The CVF's open access (CVPR, ICCV, ECCV, WACV and their workshops): `…/html/X_paper.html`,
    `…/papers/X_paper.pdf`, `…/supplemental/X_supplemental.pdf` are one paper."""

    name = "cvf"
    hosts: ClassVar[tuple[str, ...]] = ("openaccess.thecvf.com",)
    key_prefix = "cvf-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        for i, seg in enumerate(segments):
            if seg in ("html", "papers", "supplemental") and i + 2 == len(segments) and i >= 1:
                m = re.fullmatch(r"(.+?)_(paper|supplemental)\.(html|pdf|zip)", segments[-1])
                if not m or not segments[0].startswith("content"):
                    return None
                folder = "/".join(segments[:i])
                stem = m.group(1)
                url = f"https://openaccess.thecvf.com/{folder}/html/{stem}_paper.html"
                return Identity(Kind.PAPER, self.name, f"{folder}/{stem}", url)
        return None

    def pdf_url(self, ref: Ref) -> str:
        folder, _, stem = ref.id.rpartition("/")
        return f"https://openaccess.thecvf.com/{folder}/papers/{stem}_paper.pdf"

    def label(self, ref: Ref) -> str:
        folder = ref.id.split("/")[:-1]
        m = re.search(r"([A-Za-z]+)_?((?:19|20)\d{2})", "/".join(folder))
        return f"{m.group(1).upper()} {m.group(2)}" if m else "CVF"

    def readable_key(self, ref: Ref) -> str:
        return self.key_prefix + _key_part(ref.id.rsplit("/", 1)[-1])

    def fallback_title(self, ref: Ref) -> str:
        stem = ref.id.rsplit("/", 1)[-1]
        words = stem.split("_")[1:]  # Author_Title_Words_CVPR_2023
        if len(words) > 2 and _YEAR.fullmatch(words[-1]):
            words = words[:-2]
        return " ".join(words) or stem


class Jmlr(_Proceedings):
    """The Journal of Machine Learning Research: `papers/vNN/ID.html` and
    `papers/volumeNN/ID/ID.pdf` (jmlr.org, www.jmlr.org, jmlr.csail.mit.edu)."""

    name = "jmlr"
    hosts: ClassVar[tuple[str, ...]] = ("jmlr.org", "jmlr.csail.mit.edu")
    key_prefix = "jmlr-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if segments[:1] == ["beta"]:
            segments = segments[1:]
        if segments[:1] != ["papers"] or len(segments) not in (3, 4):
            return None
        m = re.fullmatch(r"v(?:olume)?(\d{1,3})", segments[1])
        if not m:
            return None
        volume = m.group(1)
        name = re.sub(r"\.(html|pdf)$", "", segments[2])
        if len(segments) == 4 and re.sub(r"\.pdf$", "", segments[3]) != name:
            return None
        if not _NAME.fullmatch(name):
            return None
        url = f"https://jmlr.org/papers/v{volume}/{name}.html"
        return Identity(Kind.PAPER, self.name, f"v{volume}/{name}", url)

    def pdf_url(self, ref: Ref) -> str:
        volume, _, name = ref.id.partition("/")
        return f"https://jmlr.org/papers/volume{volume[1:]}/{name}/{name}.pdf"

    def label(self, ref: Ref) -> str:
        return f"JMLR {ref.id.split('/', 1)[0]}"

    def fallback_title(self, ref: Ref) -> str:
        return f"JMLR {ref.id}"


class Aaai(_Proceedings):
    """AAAI's proceedings: OJS articles (`ojs.aaai.org/index.php/AAAI/article/view/N[/G]`,
    `…/download/N/G`, also under aaai.org/ojs) and the older OCS papers
    (`aaai.org/ocs/index.php/AAAI/AAAI17/paper/view/N`)."""

    name = "aaai"
    hosts: ClassVar[tuple[str, ...]] = ("ojs.aaai.org", "aaai.org")
    key_prefix = "aaai-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if host == "aaai.org" and segments[:1] in (["ojs"], ["ocs"]):
            kind, segments = segments[0], segments[1:]
        elif host == "ojs.aaai.org":
            kind = "ojs"
        else:
            return None
        if segments[:1] != ["index.php"]:
            return None
        rest = segments[1:]
        if kind == "ojs":
            if len(rest) >= 4 and rest[1] == "article" and rest[2] in ("view", "download"):
                journal, number = rest[0], rest[3]
                if not number.isdigit():
                    return None
                url = f"https://ojs.aaai.org/index.php/{journal}/article/view/{number}"
                return Identity(Kind.PAPER, self.name, f"{journal}/{number}", url)
            return None
        if len(rest) >= 5 and rest[2] == "paper" and rest[3] in ("view", "download"):
            conf, edition, number = rest[0], rest[1], rest[4]
            if not number.isdigit():
                return None
            url = f"https://aaai.org/ocs/index.php/{conf}/{edition}/paper/view/{number}"
            return Identity(Kind.PAPER, self.name, f"ocs/{conf}/{edition}/{number}", url)
        return None

    def label(self, ref: Ref) -> str:
        parts = ref.id.split("/")
        return parts[2] if parts[0] == "ocs" else parts[0]

    def fallback_title(self, ref: Ref) -> str:
        return f"AAAI {ref.id}"


class Ijcai(_Proceedings):
    """IJCAI proceedings.  Since 2017 a paper's DOI is `10.24963/ijcai.YEAR/N`, so
    `ijcai.org/proceedings/2023/0123[.pdf]` is that DOI; older papers
    (`Proceedings/16/Papers/123.pdf`, `Abstract/16/123`) are `ijcai` ids `2016/123`."""

    name = "ijcai"
    hosts: ClassVar[tuple[str, ...]] = ("ijcai.org",)
    key_prefix = "ijcai-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        lower = [s.lower() for s in segments]
        if len(lower) == 3 and lower[0] == "proceedings" and re.fullmatch(r"20\d\d", lower[1]):
            number = re.fullmatch(r"0*([1-9]\d{0,4})(\.pdf)?", lower[2])
            if number and int(lower[1]) >= 2017:
                return doi_identity(f"10.24963/ijcai.{lower[1]}/{number.group(1)}")
            if number:
                return self._old(lower[1], number.group(1))
            return None
        if len(lower) == 4 and lower[0] == "proceedings" and lower[2] == "papers":
            number = re.fullmatch(r"0*([1-9]\d{0,4})\.pdf", lower[3])
            year = _full_year(lower[1])
            return self._old(year, number.group(1)) if number and year else None
        if len(lower) == 3 and lower[0] == "abstract":
            year = _full_year(lower[1])
            return self._old(year, lower[2]) if year and lower[2].isdigit() else None
        return None

    def _old(self, year: str, number: str) -> Identity:
        yy = year[2:]
        url = f"https://www.ijcai.org/Proceedings/{yy}/Papers/{int(number):03d}.pdf"
        return Identity(Kind.PAPER, self.name, f"{year}/{int(number)}", url)

    def label(self, ref: Ref) -> str:
        return f"IJCAI {ref.id.split('/', 1)[0]}"

    def fallback_title(self, ref: Ref) -> str:
        return f"IJCAI {ref.id}"


def _full_year(text: str) -> str:
    if re.fullmatch(r"(19|20)\d\d", text):
        return text
    if re.fullmatch(r"\d\d", text):
        return ("19" if int(text) >= 69 else "20") + text
    return ""


#: Registered in `paperindex.sites.SITES`, in this order (PMLR before JMLR on jmlr.org).
SITES: tuple[Site, ...] = (NeurIPS(), Pmlr(), Cvf(), Jmlr(), Aaai(), Ijcai())
