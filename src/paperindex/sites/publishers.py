"""Publishers and preprint servers.  Where the DOI is in the URL (or follows from it), the DOI is
the identity, so an article cited by doi.org and by its publisher's page is one row; otherwise
the publisher's own document id is (IEEE Xplore's article number, an Elsevier PII, …).

    DOI in the path    ACM DL, Science, Wiley, Taylor & Francis, SAGE, ACS, NEJM, PNAS, APS,
                       IOP, Annual Reviews, Royal Society, …  (`/doi/[view/]10.…`), Springer
                       and BMC (`/article|chapter/10.…`), Frontiers, PLOS (`?id=10.…`), OUP
                       (`/article/doi/10.1093/…`)
    DOI from the URL   Nature (`/articles/s41586-…` is `10.1038/s41586-…`), bioRxiv/medRxiv
                       (`/content/10.1101/…v2`: the version is kept on the citation), SSRN
                       (`abstract_id=N` is `10.2139/ssrn.N`), JMIR (`e48291` is `10.2196/48291`),
                       eLife, PeerJ
    own ids            IEEE Xplore, ScienceDirect (with Cell's and The Lancet's PII forms),
                       OUP and MDPI article paths, JAMA Network, old ACM `citation.cfm?id=`,
                       Science's old `content/VOL/ISSUE/PAGE`, ADS bibcodes (an arXiv bibcode
                       is the arXiv paper), ResearchGate publications, JSTOR
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import unquote

from ..model import Identity, Kind
from .arxiv import arxiv_identity
from .base import Query, Ref, Site, slug
from .papers import doi_identity, doi_in_path

#: Hosts whose article URLs carry the DOI after a `doi` segment (and maybe a view word).
DOI_PATH_HOSTS = (
    "dl.acm.org", "science.org", "onlinelibrary.wiley.com", "tandfonline.com",
    "journals.sagepub.com", "pubs.acs.org", "nejm.org", "ai.nejm.org", "pnas.org",
    "journals.aps.org", "iopscience.iop.org", "annualreviews.org", "royalsocietypublishing.org",
    "liebertpub.com", "ascelibrary.org", "journals.physiology.org", "ahajournals.org",
    "psychiatryonline.org", "journals.asm.org", "emerald.com", "pubs.rsc.org", "aip.scitation.org",
    "pubs.aip.org", "journals.ametsoc.org", "mitpressjournals.org", "direct.mit.edu",
    "jamanetwork.com", "academic.oup.com", "link.springer.com", "frontiersin.org",
    "journals.plos.org", "biomedcentral.com", "springeropen.com", "nature.com",
    "jmir.org", "elifesciences.org", "peerj.com", "science.sciencemag.org",
)  # fmt: skip
_PII = re.compile(r"S?[0-9X]{4}-?[0-9X]{4}\(?\d{2}\)?[0-9X]{5}-?[0-9X]", re.I)
_OUP_JOURNAL = re.compile(r"[a-z][a-z0-9-]*")


class _Publisher(Site):
    key_waits_for_metadata = True
    page_metadata: ClassVar[bool] = True
    """No API serves these: their landing pages (`citation_*` tags) are read instead."""

    def readable_key(self, ref: Ref) -> str:
        return self.key_prefix + slug(ref.id.rsplit("/", 1)[-1], 40)


class DoiPath(_Publisher):
    """Publishers whose paths carry the DOI: the DOI identity, whatever the view (abstract,
    full text, PDF, e-reader)."""

    name = "doi-path"
    """Never a catalogue source: every identity here is a `doi` one."""
    hosts: ClassVar[tuple[str, ...]] = DOI_PATH_HOSTS
    host_suffixes: ClassVar[tuple[str, ...]] = (
        ".onlinelibrary.wiley.com", ".biomedcentral.com", ".springeropen.com", ".jmir.org",
    )  # fmt: skip

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if host == "journals.plos.org":
            ident = dict(query).get("id", "")
            return doi_identity(ident) if ident.startswith("10.") else None
        if host == "nature.com":
            return _nature(segments)
        if host == "jmir.org" or host.endswith(".jmir.org"):
            if len(segments) == 3 and re.fullmatch(r"e(\d{3,7})", segments[2]):
                return doi_identity(f"10.2196/{segments[2][1:]}")
            return None
        if host == "elifesciences.org":
            if len(segments) == 2 and segments[0] == "articles" and segments[1].isdigit():
                return doi_identity(f"10.7554/eLife.{segments[1]}")
            return None
        if host == "peerj.com":
            m = re.fullmatch(r"(cs-)?(\d{1,6})", segments[1]) if len(segments) >= 2 else None
            if m and segments[0] == "articles":
                return doi_identity(f"10.7717/peerj{'-cs' if m.group(1) else ''}.{m.group(2)}")
            return None
        if host == "academic.oup.com":
            return _oup_doi(segments)
        if host == "link.springer.com" and segments[:1] == ["content"]:
            return doi_in_path(segments[1:]) if segments[1:2] == ["pdf"] else None
        if host == "science.sciencemag.org":
            return None  # old content paths: the `science` site
        if (
            "doi" in segments
            or host in ("link.springer.com", "frontiersin.org")
            or host.endswith((".biomedcentral.com", ".springeropen.com"))
        ):
            return doi_in_path(segments)
        if host in ("journals.aps.org", "iopscience.iop.org"):
            return doi_in_path(segments)
        return None


def _nature(segments: list[str]) -> Identity | None:
    """nature.com/articles/ID[.pdf] and the old nature.com/JOURNAL/journal/vN/nN/full/ID.html."""
    if len(segments) == 2 and segments[0] == "articles":
        stem = re.sub(r"\.pdf$", "", segments[1])
        return doi_identity(f"10.1038/{stem}")
    if len(segments) >= 3 and segments[-2] in ("full", "pdf", "abs"):
        stem = re.sub(r"\.(html|pdf)$", "", segments[-1])
        return doi_identity(f"10.1038/{stem}") if re.fullmatch(r"[a-z]+[\w.-]*\d", stem) else None
    return None


def _oup_doi(segments: list[str]) -> Identity | None:
    """OUP's `/JOURNAL/article[-abstract]/doi/10.1093/JOURNAL/ID/N`: the DOI is three segments."""
    if "doi" not in segments:
        return None
    at = segments.index("doi") + 1
    parts = segments[at : at + 3]
    if len(parts) == 3 and parts[0] == "10.1093":
        return doi_identity("/".join(parts))
    return doi_in_path(segments[at:])


class Oup(_Publisher):
    """Oxford Academic article paths without a DOI: `/JOURNAL/article[-abstract]/VOL/ISSUE/PAGE/ID`
    (the abstract and the full text are one paper)."""

    name = "oup"
    hosts: ClassVar[tuple[str, ...]] = ("academic.oup.com",)
    key_prefix = "oup-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if len(segments) != 6 or segments[1] not in ("article", "article-abstract"):
            return None
        journal, vol, issue, page, number = segments[0], *segments[2:]
        if not (_OUP_JOURNAL.fullmatch(journal) and number.isdigit()):
            return None
        ident = f"{journal}/{vol}/{issue}/{page}/{number}"
        url = f"https://academic.oup.com/{journal}/article/{vol}/{issue}/{page}/{number}"
        return Identity(Kind.PAPER, self.name, ident, url)

    def label(self, ref: Ref) -> str:
        return "Oxford Academic"


class Ieee(_Publisher):
    """IEEE Xplore article numbers: `/document/N`, `/abstract/document/N`,
    `/stamp/stamp.jsp?arnumber=N`, `/xpls/abs_all.jsp?arnumber=N`, `/ielx7/…/0N.pdf`."""

    name = "ieee"
    hosts: ClassVar[tuple[str, ...]] = ("ieeexplore.ieee.org",)
    key_prefix = "ieee-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        number = ""
        if "document" in segments:
            at = segments.index("document") + 1
            number = segments[at] if at < len(segments) else ""
        elif segments and segments[-1].endswith(".jsp"):
            number = dict(query).get("arnumber", "")
        elif segments and segments[0].startswith("iel") and segments[-1].endswith(".pdf"):
            number = segments[-1].removesuffix(".pdf").lstrip("0")
        if not re.fullmatch(r"[1-9]\d{0,9}", number):
            return None
        url = f"https://ieeexplore.ieee.org/document/{number}"
        return Identity(Kind.PAPER, self.name, number, url)

    def label(self, ref: Ref) -> str:
        return "IEEE Xplore"

    def fallback_title(self, ref: Ref) -> str:
        return f"IEEE Xplore {ref.id}"


def pii_identity(text: str) -> Identity | None:
    """An Elsevier PII in any of its forms (`S0893608019303739`,
    `S2589-7500(23)00083-3`): ScienceDirect's article, whichever Elsevier site shows it."""
    text = unquote(text)
    if not _PII.fullmatch(text):
        return None
    pii = re.sub(r"[-()]", "", text).upper()
    if not pii.startswith("S"):
        pii = "S" + pii
    if len(pii) != 17:
        return None
    url = f"https://www.sciencedirect.com/science/article/pii/{pii}"
    return Identity(Kind.PAPER, "sciencedirect", pii, url)


class ScienceDirect(_Publisher):
    """Elsevier articles by PII: ScienceDirect (`/science/article/[abs/]pii/PII`), its link
    hub, and the same PII on Cell Press and The Lancet pages."""

    name = "sciencedirect"
    hosts: ClassVar[tuple[str, ...]] = (
        "sciencedirect.com", "linkinghub.elsevier.com", "cell.com", "thelancet.com",
    )  # fmt: skip
    key_prefix = "sd-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if host in ("sciencedirect.com", "linkinghub.elsevier.com"):
            if "pii" in segments and segments.index("pii") + 1 < len(segments):
                return pii_identity(segments[segments.index("pii") + 1])
            return None
        for seg in segments:  # cell.com/…/fulltext/S0092-8674(23)…, thelancet.com/…/PIIS…
            candidate = seg.removeprefix("PII")
            if candidate[:1] in ("S", "s") and _PII.fullmatch(unquote(candidate)):
                return pii_identity(candidate)
        return None

    def label(self, ref: Ref) -> str:
        return "ScienceDirect"

    def fallback_title(self, ref: Ref) -> str:
        return f"ScienceDirect {ref.id}"


class Preprints(_Publisher):
    """bioRxiv and medRxiv: `/content/10.1101/SUFFIXvN[.full|.full.pdf|.abstract…]` and the
    `content/biorxiv|medrxiv/early/Y/M/D/SUFFIX…` PDFs are the DOI `10.1101/SUFFIX`; the version
    is kept on the citation."""

    name = "biorxiv"
    hosts: ClassVar[tuple[str, ...]] = ("biorxiv.org", "medrxiv.org")

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if segments[:1] == ["cgi"] and len(segments) >= 4:
            return _rxiv(segments[-1])
        if segments[:1] != ["content"] or len(segments) < 3:
            return None
        if segments[1] == "10.1101":
            return _rxiv(segments[2])
        if segments[1] in ("biorxiv", "medrxiv") and segments[2] == "early" and len(segments) >= 7:
            return _rxiv(segments[-1])
        return None


_RXIV = re.compile(r"((?:\d{4}\.\d{2}\.\d{2}\.)?\d{6,8})(v[1-9]\d*)?(?:[.-][\w.-]*)?")


def _rxiv(text: str) -> Identity | None:
    m = _RXIV.fullmatch(text)
    if not m:
        return None
    return doi_identity(f"10.1101/{m.group(1)}", version=m.group(2) or "")


class Ssrn(_Publisher):
    """SSRN papers (`papers.cfm?abstract_id=N`, `ssrn.com/abstract=N`, the delivery PDFs): the DOI
    `10.2139/ssrn.N`."""

    name = "ssrn"
    hosts: ClassVar[tuple[str, ...]] = ("papers.ssrn.com", "ssrn.com")

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        args = {k.lower(): v for k, v in query}
        number = args.get("abstract_id") or args.get("abstractid") or ""
        for seg in segments:
            m = re.fullmatch(r"abstract(?:_id)?=(\d+)", seg, re.I) or re.fullmatch(
                r"SSRN_ID(\d+)_code[\w-]*\.pdf", seg, re.I
            )
            if m:
                number = m.group(1)
        return doi_identity(f"10.2139/ssrn.{number}") if number.isdigit() else None


class Mdpi(_Publisher):
    """MDPI articles: `/ISSN/VOL/ISSUE/ARTICLE[/htm|/pdf]`."""

    name = "mdpi"
    hosts: ClassVar[tuple[str, ...]] = ("mdpi.com",)
    key_prefix = "mdpi-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if len(segments) not in (4, 5) or not re.fullmatch(r"\d{4}-\d{3}[\dX]", segments[0]):
            return None
        if not all(s.isdigit() for s in segments[1:4]):
            return None
        if len(segments) == 5 and segments[4] not in ("htm", "pdf", "html", "xml"):
            return None
        ident = "/".join(segments[:4])
        return Identity(Kind.PAPER, self.name, ident, f"https://www.mdpi.com/{ident}")

    def label(self, ref: Ref) -> str:
        return "MDPI"


class Jama(_Publisher):
    """JAMA Network articles: `/journals/JOURNAL/fullarticle|article-abstract/N`."""

    name = "jama"
    hosts: ClassVar[tuple[str, ...]] = ("jamanetwork.com",)
    key_prefix = "jama-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if len(segments) != 4 or segments[0] != "journals" or not segments[3].isdigit():
            return None
        if segments[2] not in ("fullarticle", "article-abstract"):
            return None
        ident = f"{segments[1]}/{segments[3]}"
        url = f"https://jamanetwork.com/journals/{segments[1]}/fullarticle/{segments[3]}"
        return Identity(Kind.PAPER, self.name, ident, url)

    def label(self, ref: Ref) -> str:
        return "JAMA Network"


class Acm(_Publisher):
    """The ACM DL's old document ids (`citation.cfm?id=N`); its `/doi/…` pages are DOIs."""

    name = "acm"
    hosts: ClassVar[tuple[str, ...]] = ("dl.acm.org", "portal.acm.org")
    key_prefix = "acm-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if segments != ["citation.cfm"]:
            return None
        number = dict(query).get("id", "").rpartition(".")[2]
        if not number.isdigit():
            return None
        url = f"https://dl.acm.org/citation.cfm?id={number}"
        return Identity(Kind.PAPER, self.name, number, url)

    def label(self, ref: Ref) -> str:
        return "ACM DL"


class Science(_Publisher):
    """Science's old pages `science.sciencemag.org/content/VOL/ISSUE/PAGE[.full|.abstract]`."""

    name = "science"
    hosts: ClassVar[tuple[str, ...]] = ("science.sciencemag.org",)
    key_prefix = "science-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if len(segments) != 4 or segments[0] != "content":
            return None
        page = re.sub(r"\.(full|abstract|long|short|full\.pdf|pdf)$", "", segments[3])
        if not (segments[1].isdigit() and segments[2].isdigit() and page.isalnum()):
            return None
        ident = f"{segments[1]}/{segments[2]}/{page}"
        return Identity(
            Kind.PAPER, self.name, ident, f"https://science.sciencemag.org/content/{ident}"
        )

    def label(self, ref: Ref) -> str:
        return "Science"


_ARXIV_BIBCODE = re.compile(r"\d{4}arXiv(\d{4})\.?(\d{4,5})[A-Z.]")


class Ads(_Publisher):
    """NASA ADS records (`ui.adsabs.harvard.edu/abs/BIBCODE[/abstract]`); an arXiv bibcode
    (`2023arXiv230511747L`) is that arXiv paper."""

    name = "ads"
    hosts: ClassVar[tuple[str, ...]] = ("ui.adsabs.harvard.edu", "adsabs.harvard.edu")
    key_prefix = "ads-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if len(segments) < 2 or segments[0] != "abs":
            return None
        bibcode = unquote(segments[1])
        if len(bibcode) != 19:
            return None
        m = _ARXIV_BIBCODE.fullmatch(bibcode)
        if m:
            return arxiv_identity(f"{m.group(1)}.{m.group(2)}")
        url = f"https://ui.adsabs.harvard.edu/abs/{segments[1]}/abstract"
        return Identity(Kind.PAPER, self.name, bibcode, url)

    def label(self, ref: Ref) -> str:
        return "ADS"


class ResearchGate(_Publisher):
    """ResearchGate publications (`/publication/N_Title`, also under a profile's links)."""

    name = "researchgate"
    hosts: ClassVar[tuple[str, ...]] = ("researchgate.net",)
    key_prefix = "researchgate-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        for i, seg in enumerate(segments[:-1]):
            if seg == "publication":
                m = re.match(r"(\d{6,12})(_|$)", segments[i + 1])
                if m:
                    number = m.group(1)
                    url = f"https://www.researchgate.net/publication/{number}"
                    return Identity(Kind.PAPER, self.name, number, url)
        return None

    def label(self, ref: Ref) -> str:
        return "ResearchGate"


class Jstor(_Publisher):
    """JSTOR stable ids (`/stable/N`, `/stable/pdf/N.pdf`)."""

    name = "jstor"
    hosts: ClassVar[tuple[str, ...]] = ("jstor.org",)
    key_prefix = "jstor-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if segments[:1] != ["stable"] or len(segments) < 2:
            return None
        number = segments[-1].removesuffix(".pdf")
        if not number.isdigit():
            return None
        return Identity(Kind.PAPER, self.name, number, f"https://www.jstor.org/stable/{number}")

    def label(self, ref: Ref) -> str:
        return "JSTOR"


class Lww(_Publisher):
    """Wolters Kluwer journals: `journals.lww.com/JOURNAL/fulltext|abstract/YEAR/ISSUE/X.aspx`."""

    name = "lww"
    hosts: ClassVar[tuple[str, ...]] = ("journals.lww.com",)
    key_prefix = "lww-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if len(segments) != 5 or segments[1] not in ("fulltext", "abstract", "full"):
            return None
        journal, year, issue, page = segments[0], segments[2], segments[3], segments[4]
        page = page.removesuffix(".aspx")
        if not (year.isdigit() and issue.isdigit() and page):
            return None
        ident = f"{journal}/{year}/{issue}/{page}"
        url = f"https://journals.lww.com/{journal}/fulltext/{year}/{issue}/{page}.aspx"
        return Identity(Kind.PAPER, self.name, ident, url)

    def label(self, ref: Ref) -> str:
        return "Wolters Kluwer"


#: Registered in `paperindex.sites.SITES`, in this order: a DOI in the path wins over a
#: publisher's own id on the same host (OUP, ACM, JAMA).
SITES: tuple[Site, ...] = (
    DoiPath(), Oup(), Acm(), Jama(), Ieee(), ScienceDirect(), Preprints(), Ssrn(), Mdpi(),
    Science(), Ads(), ResearchGate(), Jstor(), Lww(),
)  # fmt: skip
