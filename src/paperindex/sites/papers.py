"""Paper identifiers that are not a publisher's: OpenReview forums, DOIs, the ACL Anthology,
Semantic Scholar, PubMed and PubMed Central, DBLP records, Papers with Code pages.

Publishers' pages with a DOI in their path are in `publishers`, proceedings without DOIs in
`proceedings`; every rule there that finds a DOI ends in `doi_identity`, so a DOI is one identity
however it is cited.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import unquote, urlencode

from ..model import Identity, Kind
from .arxiv import arxiv_identity
from .base import Query, Ref, Site

_DOI = re.compile(r"10\.\d{4,9}/\S+")
_ACL_ID = re.compile(r"(?:\d{4}\.[a-z0-9-]+\.\d+|[A-Z]\d{2}-\d{4})")
_ACL_VERSION = re.compile(r"(.+)(v[1-9]\d*)")
_ARXIV_DOI = "10.48550/arxiv."
_ARXIV_SUBCLASS = re.compile(r"(?<=\.)[a-z]{2}(?=/)")  # math.gt/0309136 → math.GT/0309136
_SHA = re.compile(r"[0-9a-f]{40}")
_CORPUS = re.compile(r"corpusid:(\d+)", re.I)
_DBLP_KEY = re.compile(r"(conf|journals|books|series|reference|phd|tr|informal)/[\w./-]+")
_DIGITS = re.compile(r"[1-9]\d{0,9}")
_PMC = re.compile(r"(?:PMC)?([1-9]\d{0,9})", re.I)
#: View words that publishers append after a DOI in their paths (`…/10.1145/3458754/full`).
_VIEW_WORDS = frozenset(
    {"full", "abstract", "abs", "pdf", "epdf", "html", "fulltext", "meta", "summary", "figures",
     "references", "reader", "pdfdirect", "pdfft", "text", "info"}
)  # fmt: skip


def doi_identity(text: str, version: str = "") -> Identity | None:
    """Identity of a bare DOI (`10.1145/3580305.3599572`); DOIs are case-insensitive.

    arXiv's own DOIs (`10.48550/arXiv.2312.00752`) name an arXiv paper: they are its arXiv
    identity, so the DOI and the abstract page are one row.  `version` (a preprint server's
    `v2`) is kept on the citation, never in the identity."""
    raw = unquote(text).strip()
    doi = raw.lower()
    if not _DOI.fullmatch(doi):
        return None
    if doi.startswith(_ARXIV_DOI):
        tail = raw[len(_ARXIV_DOI) :]
        return arxiv_identity(tail) or arxiv_identity(_ARXIV_SUBCLASS.sub(_upper, tail))
    return Identity(Kind.PAPER, "doi", doi, f"https://doi.org/{doi}", version)


def _upper(m: re.Match[str]) -> str:
    return m.group().upper()


def bare_doi(text: str) -> str | None:
    """A DOI as a person types it (`doi:10.1145/X`, `https://doi.org/10.1145/X`), lower-cased,
    or None: arXiv's DOIs included (a DOI service asks about them as DOIs)."""
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", unquote(text).strip(), flags=re.I)
    doi = doi.lower()
    return doi if _DOI.fullmatch(doi) else None


def doi_in_path(segments: list[str]) -> Identity | None:
    """The DOI that makes up the rest of a path (`10.1007`, `s10579-018-9431-1`), without a view
    word after it (`/full`, `/pdf`) or a `.pdf` suffix."""
    for start, seg in enumerate(segments):
        if seg.startswith("10.") and start + 1 < len(segments):
            rest = list(segments[start:])
            while len(rest) > 2 and rest[-1].lower() in _VIEW_WORDS:
                rest.pop()
            rest[-1] = re.sub(r"\.pdf$", "", rest[-1], flags=re.I)
            return doi_identity("/".join(rest))
    return None


def acl_id_of_doi(doi: str) -> str:
    """The ACL Anthology id an ACL DOI names (`10.18653/v1/p19-1001` → `P19-1001`), or ""."""
    m = re.fullmatch(r"10\.18653/v1/(.+)", doi, re.I)
    if not m:
        return ""
    ident = m.group(1)
    if re.fullmatch(r"[a-z]\d{2}-\d{4}", ident, re.I):
        ident = ident.upper()
    return ident if _ACL_ID.fullmatch(ident) else ""


class _Paper(Site):
    """A paper host: keys wait for metadata (`lastnameYYYYword`), like arXiv's."""

    key_waits_for_metadata = True
    label_text: ClassVar[str] = ""

    def label(self, ref: Ref) -> str:
        return self.label_text or self.name


class OpenReview(Site):
    """openreview.net forums; the forum id is case-sensitive."""

    name = "openreview"
    key_waits_for_metadata = True  # `lastnameYYYYword` once a source describes it
    hosts: ClassVar[tuple[str, ...]] = ("openreview.net",)
    key_prefix = "openreview-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if segments not in (["forum"], ["pdf"], ["attachment"]):
            return None
        ident = dict(query).get("id", "")
        if not ident:
            return None
        url = f"https://openreview.net/forum?{urlencode({'id': ident})}"
        return Identity(Kind.PAPER, self.name, ident, url)

    def fallback_title(self, ref: Ref) -> str:
        return f"OpenReview {ref.id}"

    def pdf_url(self, ref: Ref) -> str:
        return f"https://openreview.net/pdf?{urlencode({'id': ref.id})}"


class Doi(Site):
    """doi.org resolver links; the DOI, lower-cased, is the identity."""

    name = "doi"
    key_waits_for_metadata = True  # `lastnameYYYYword` once a source describes it
    hosts: ClassVar[tuple[str, ...]] = ("doi.org", "dx.doi.org")
    key_prefix = "doi-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        return doi_identity("/".join(segments)) if segments else None


class Acl(Site):
    """The ACL Anthology, new ids (`2023.acl-long.1`) and old (`P19-1001`)."""

    name = "acl"
    key_waits_for_metadata = True  # `lastnameYYYYword` once a source describes it
    hosts: ClassVar[tuple[str, ...]] = ("aclanthology.org", "aclweb.org")
    key_prefix = "acl-"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if host == "aclweb.org":
            if segments[:1] != ["anthology"]:
                return None
            segments = segments[1:]
        if len(segments) != 1:
            return None
        ident, version = segments[0].removesuffix(".pdf"), ""
        revised = _ACL_VERSION.fullmatch(ident)  # `P19-1001v2.pdf`: a revision's file
        if revised is not None and _ACL_ID.fullmatch(revised.group(1)):
            ident, version = revised.groups()
        if not _ACL_ID.fullmatch(ident):
            return None
        url = f"https://aclanthology.org/{ident}/"
        return Identity(Kind.PAPER, self.name, ident, url, version)

    def pdf_url(self, ref: Ref) -> str:
        return f"https://aclanthology.org/{ref.id}.pdf"

    def label(self, ref: Ref) -> str:
        return "ACL Anthology"


def s2_identity(text: str) -> Identity | None:
    """A Semantic Scholar paper id: a 40-hex `paperId` or `CorpusId:N` (also as the Graph API
    names other ids: `ARXIV:…`, `DOI:…`, `ACL:…`, which are those sites' identities)."""
    text = unquote(text)
    if _SHA.fullmatch(text.lower()):
        sha = text.lower()
        return Identity(
            Kind.PAPER, "semanticscholar", sha, f"https://www.semanticscholar.org/paper/{sha}"
        )
    corpus = _CORPUS.fullmatch(text)
    if corpus:
        n = corpus.group(1)
        return Identity(
            Kind.PAPER,
            "semanticscholar",
            f"CorpusId:{n}",
            f"https://api.semanticscholar.org/CorpusID:{n}",
        )
    scheme, sep, value = text.partition(":")
    if not sep:
        return None
    scheme = scheme.upper()
    if scheme == "ARXIV":
        return arxiv_identity(value)
    if scheme == "DOI":
        return doi_identity(value)
    if scheme == "ACL" and _ACL_ID.fullmatch(value):
        return Identity(Kind.PAPER, "acl", value, f"https://aclanthology.org/{value}/")
    if scheme == "PMID" and _DIGITS.fullmatch(value):
        return pubmed_identity(value)
    if scheme == "PMCID":
        return pmc_identity(value)
    return None


class SemanticScholar(_Paper):
    """Semantic Scholar paper pages (`/paper/<slug>/<sha>`, `/paper/<sha>`, the reader, PDFs on
    pdfs.semanticscholar.org) and corpus ids (`api.semanticscholar.org/CorpusID:N`)."""

    name = "semanticscholar"
    hosts: ClassVar[tuple[str, ...]] = (
        "semanticscholar.org", "api.semanticscholar.org", "pdfs.semanticscholar.org",
    )  # fmt: skip
    key_prefix = "s2-"
    label_text = "Semantic Scholar"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if host == "pdfs.semanticscholar.org":
            if len(segments) == 2 and segments[1].endswith(".pdf"):
                return s2_identity(segments[0] + segments[1].removesuffix(".pdf"))
            return None
        if host == "api.semanticscholar.org":
            if len(segments) == 1:
                return s2_identity(segments[0])  # /CorpusID:N
            if segments[:3] == ["graph", "v1", "paper"] and len(segments) == 4:
                return s2_identity(segments[3])
            return None
        if len(segments) >= 2 and segments[0] == "arxiv":
            return arxiv_identity("/".join(segments[1:]))
        if len(segments) >= 2 and segments[0] in ("paper", "reader"):
            for seg in segments[1:3]:
                found = s2_identity(seg) if _SHA.fullmatch(seg.lower()) else None
                if found is not None:
                    return found
        return None

    def fallback_title(self, ref: Ref) -> str:
        return f"Semantic Scholar {ref.id}"


def pubmed_identity(pmid: str) -> Identity | None:
    """A PubMed record (PMID)."""
    if not _DIGITS.fullmatch(pmid):
        return None
    return Identity(Kind.PAPER, "pubmed", pmid, f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/")


def pmc_identity(text: str) -> Identity | None:
    """A PubMed Central article (`PMC1234567`, the number alone accepted)."""
    m = _PMC.fullmatch(text)
    if not m:
        return None
    ident = f"PMC{m.group(1)}"
    return Identity(Kind.PAPER, "pmc", ident, f"https://pmc.ncbi.nlm.nih.gov/articles/{ident}/")


class PubMed(_Paper):
    """PubMed records, on pubmed.ncbi.nlm.nih.gov, the older ncbi.nlm.nih.gov/pubmed/ and
    Europe PMC (`/article/MED/N`)."""

    name = "pubmed"
    hosts: ClassVar[tuple[str, ...]] = (
        "pubmed.ncbi.nlm.nih.gov", "ncbi.nlm.nih.gov", "europepmc.org",
    )  # fmt: skip
    key_prefix = "pmid-"
    label_text = "PubMed"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if host == "pubmed.ncbi.nlm.nih.gov" and len(segments) == 1:
            return pubmed_identity(segments[0])
        if host == "ncbi.nlm.nih.gov" and len(segments) == 2 and segments[0] == "pubmed":
            return pubmed_identity(segments[1])
        if host == "europepmc.org" and len(segments) == 3 and segments[1] == "MED":
            if segments[0] in ("article", "abstract"):
                return pubmed_identity(segments[2])
        return None

    def fallback_title(self, ref: Ref) -> str:
        return f"PubMed {ref.id}"


class Pmc(_Paper):
    """PubMed Central articles (`/pmc/articles/PMCN/`, pmc.ncbi.nlm.nih.gov, Europe PMC),
    their PDFs included."""

    name = "pmc"
    hosts: ClassVar[tuple[str, ...]] = (
        "ncbi.nlm.nih.gov", "pmc.ncbi.nlm.nih.gov", "europepmc.org",
    )  # fmt: skip
    key_prefix = "pmc-"
    label_text = "PubMed Central"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if host == "ncbi.nlm.nih.gov":
            if segments[:2] != ["pmc", "articles"] or len(segments) < 3:
                return None
            return pmc_identity(segments[2])
        if host == "pmc.ncbi.nlm.nih.gov":
            if segments[:1] != ["articles"] or len(segments) < 2:
                return None
            return pmc_identity(segments[1])
        if host == "europepmc.org":
            if len(segments) == 3 and segments[0] == "article" and segments[1] == "PMC":
                return pmc_identity(segments[2])
            if len(segments) == 2 and segments[0] == "articles":
                return pmc_identity(segments[1])
        return None

    def fallback_title(self, ref: Ref) -> str:
        return f"PubMed Central {ref.id}"

    def pdf_url(self, ref: Ref) -> str:
        return f"https://pmc.ncbi.nlm.nih.gov/articles/{ref.id}/pdf/"


class Dblp(_Paper):
    """DBLP records (`dblp.org/rec/conf/iclr/GuD24.html`): the key Semantic Scholar lists in a
    paper's `externalIds`."""

    name = "dblp"
    hosts: ClassVar[tuple[str, ...]] = ("dblp.org", "dblp.uni-trier.de")
    key_prefix = "dblp-"
    label_text = "DBLP"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if segments[:1] != ["rec"] or len(segments) < 3:
            return None
        if segments[1] in ("html", "bib", "xml", "bibtex"):  # older /rec/html/<key>
            segments = segments[1:]
        key = "/".join(segments[1:])
        key = re.sub(r"\.(html|bib|xml|ris|nt|ttl|rdf)$", "", key)
        if not _DBLP_KEY.fullmatch(key):
            return None
        return Identity(Kind.PAPER, self.name, key, f"https://dblp.org/rec/{key}.html")


class PapersWithCode(_Paper):
    """Papers with Code paper pages (`/paper/<slug>`); its method, task and dataset pages are
    pages."""

    name = "paperswithcode"
    hosts: ClassVar[tuple[str, ...]] = ("paperswithcode.com",)
    key_prefix = "pwc-"
    label_text = "Papers with Code"

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if len(segments) < 2 or segments[0] != "paper":
            return None
        slug = segments[1]
        return Identity(Kind.PAPER, self.name, slug, f"https://paperswithcode.com/paper/{slug}")

    def fallback_title(self, ref: Ref) -> str:
        return ref.id.replace("-", " ")


def identity_of(scheme: str, value: str) -> Identity | None:
    """The identity an id in metadata names (`ArXiv`, `DOI`, `ACL`, `DBLP`, `PubMed`,
    `PubMedCentral`, `CorpusId`, `OpenReview`, a Semantic Scholar `paperId`), or None."""
    value = str(value).strip()
    if not value:
        return None
    scheme = scheme.lower()
    if scheme in ("arxiv",):
        return arxiv_identity(value.removeprefix("arXiv:").removeprefix("arxiv:"))
    if scheme == "doi":
        return doi_identity(re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", value, flags=re.I))
    if scheme == "acl":
        return s2_identity(f"ACL:{value}")
    if scheme == "dblp":
        return Dblp().parse("dblp.org", ["rec", *value.split("/")], [])
    if scheme in ("pubmed", "pmid"):
        return pubmed_identity(value)
    if scheme in ("pubmedcentral", "pmcid", "pmc"):
        return pmc_identity(value)
    if scheme == "corpusid":
        return s2_identity(f"CorpusId:{value}")
    if scheme in ("paperid", "s2", "semanticscholar"):
        return s2_identity(value)
    if scheme == "openreview":
        return OpenReview().parse("openreview.net", ["forum"], [("id", value)])
    return None


#: Registered in `paperindex.sites.SITES` after the older paper sites, in this order.
MORE_SITES: tuple[Site, ...] = (SemanticScholar(), PubMed(), Pmc(), Dblp(), PapersWithCode())
