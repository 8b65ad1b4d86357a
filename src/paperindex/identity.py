"""Canonical identity: what a cited URL or identifier *is*, one row for one thing cited many ways.

`identify(url)` maps a URL to an `Identity` (kind, source, identifier there, one canonical URL, and
what the citation added on top: an arXiv version, a path inside a repository).  The table lives in
the README ("Identity and canonical form"); each rule below names the forms it folds together.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from .model import Kind

# arXiv identifier grammars (https://info.arxiv.org/help/arxiv_identifier.html).  The version is a
# separate group: an id is never split on "v", since archives such as solv-int contain one.
_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(v[1-9]\d*)?")
ARXIV_ARCHIVES = (
    "acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn chem-ph cmp-lg comp-gas "
    "cond-mat cs dg-ga funct-an gr-qc hep-ex hep-lat hep-ph hep-th math math-ph mtrl-th nlin "
    "nucl-ex nucl-th patt-sol physics plasm-ph q-alg q-bio quant-ph solv-int supr-con"
).split()
_ARCHIVE_ALT = "|".join(sorted(ARXIV_ARCHIVES, key=len, reverse=True))
_ARXIV_OLD = re.compile(rf"((?:{_ARCHIVE_ALT})(?:\.[A-Z]{{2}})?/\d{{7}})(v[1-9]\d*)?")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_ACL_ID = re.compile(r"(?:\d{4}\.[a-z0-9-]+\.\d+|[A-Z]\d{2}-\d{4})")

_ARXIV_HOSTS = frozenset(
    {"arxiv.org", "export.arxiv.org", "ar5iv.org", "ar5iv.labs.arxiv.org", "alphaxiv.org"}
)
_ARXIV_VIEWS = frozenset({"abs", "pdf", "html", "format", "overview"})
_TWITTER_HOSTS = frozenset(
    {
        "twitter.com",
        "x.com",
        "mobile.twitter.com",
        "mobile.x.com",
        "m.twitter.com",
        "fxtwitter.com",
        "vxtwitter.com",
        "fixupx.com",
    }
)
_GITHUB_RESERVED = frozenset(
    {
        "about",
        "apps",
        "collections",
        "enterprise",
        "explore",
        "features",
        "login",
        "marketplace",
        "orgs",
        "pricing",
        "search",
        "settings",
        "sponsors",
        "topics",
        "trending",
    }
)
_HF_RESERVED = frozenset(
    {
        "blog",
        "collections",
        "docs",
        "join",
        "learn",
        "login",
        "models",
        "organizations",
        "papers",
        "pricing",
        "settings",
        "tasks",
    }
)
_ARTICLE_HOSTS = frozenset({"zhuanlan.zhihu.com", "mp.weixin.qq.com", "medium.com"})
_ARTICLE_SEGMENTS = frozenset({"blog", "blogs", "post", "posts", "news", "article", "articles"})
#: Sites whose articles live under a path that is not called "blog".
_ARTICLE_PREFIXES = {"anthropic.com": ("/index/", "/news/", "/research/")}
_TRACKING = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "spm",
        "from",
        "share",
        "share_source",
        "share_medium",
        "share_token",
        "share_from",
        "ref_src",
        "ref_url",
        "vd_source",
        "_hsenc",
        "_hsmi",
        "si",
    }
)
#: Parameters that identify the resource on a host; everything else there is dropped.
_KEEP_ONLY = {"mp.weixin.qq.com": frozenset({"__biz", "mid", "idx", "sn"})}
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Identity:
    """What one citation points at."""

    kind: Kind
    source: str
    id: str
    url: str
    version: str = ""
    """arXiv version named by the citation (`v2`); not part of the identity."""
    subpath: str = ""
    """Path inside a repository named by the citation; not part of the identity."""

    @property
    def key(self) -> str:
        """The deduplication key (see `identity_key`)."""
        return identity_key(self.kind, self.source, self.id)


def identity_key(kind: Kind | str, source: str, ident: str) -> str:
    """The key two citations must share to be one link.

    GitHub and Hugging Face names are case-insensitive; a tweet is its status number whatever the
    account is called today; other paths are case-sensitive, a trailing slash aside.
    """
    if source in ("github", "huggingface"):
        return f"{source}:{kind}:{ident.casefold()}"
    if source == "twitter":
        return f"twitter:{ident.rsplit('/', 1)[-1]}"
    if source in ("arxiv", "openreview", "doi", "acl", "replicate"):
        return f"{source}:{ident}"
    return f"{source}:{ident.rstrip('/') or '/'}"


def parse_arxiv_id(text: str) -> tuple[str, str] | None:
    """Split an arXiv identifier into (versionless id, version), or None if it is not one."""
    for grammar in (_ARXIV_NEW, _ARXIV_OLD):
        m = grammar.fullmatch(text)
        if m:
            return m.group(1), m.group(2) or ""
    return None


def arxiv_identity(text: str) -> Identity | None:
    """Identity of a bare arXiv id (`2312.00752v2`, `hep-th/9901001`)."""
    parsed = parse_arxiv_id(text)
    if parsed is None:
        return None
    ident, version = parsed
    return Identity(Kind.PAPER, "arxiv", ident, f"https://arxiv.org/abs/{ident}", version)


def doi_identity(text: str) -> Identity | None:
    """Identity of a bare DOI (`10.1145/3580305.3599572`); DOIs are case-insensitive."""
    doi = unquote(text).lower()
    if not _DOI.fullmatch(doi):
        return None
    return Identity(Kind.PAPER, "doi", doi, f"https://doi.org/{doi}")


@lru_cache(maxsize=4096)  # notes cite the same URLs again and again
def identify(url: str) -> Identity | None:
    """Identity of an http(s) URL, or None when it is not a usable URL (no host, bad port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not _valid_host(host):
        return None
    host = host.removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    query = parse_qsl(parts.query, keep_blank_values=True) if parts.query else []
    rules = _RULES.get(host, (_arxiv,) if host.endswith(".arxiv.org") else ())
    for rule in rules:
        found = rule(host, segments, query)
        if found is not None:
            return found
    return _generic(scheme, host, port, parts.path, query)


_HOST = re.compile(r"(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_][\w-]*[^\W_]|\d{1,3}(?:\.\d{1,3}){3}")


def _valid_host(host: str) -> bool:
    if host == "localhost":
        return True
    return len(host) <= 253 and "_" not in host and _HOST.fullmatch(host) is not None


_Query = list[tuple[str, str]]


def _arxiv(host: str, segments: list[str], query: _Query) -> Identity | None:
    if host == "huggingface.co" and len(segments) == 2 and segments[0] == "papers":
        return arxiv_identity(segments[1])
    if host not in _ARXIV_HOSTS and not host.endswith(".arxiv.org"):
        return None
    if len(segments) < 2 or segments[0] not in _ARXIV_VIEWS:
        return None
    cited = "/".join(segments[1:]).removesuffix(".pdf")
    return arxiv_identity(cited)


def _openreview(host: str, segments: list[str], query: _Query) -> Identity | None:
    if host != "openreview.net" or segments not in (["forum"], ["pdf"], ["attachment"]):
        return None
    ident = dict(query).get("id", "")
    if not ident:
        return None
    return Identity(
        Kind.PAPER, "openreview", ident, f"https://openreview.net/forum?{urlencode({'id': ident})}"
    )


def _doi(host: str, segments: list[str], query: _Query) -> Identity | None:
    if host not in ("doi.org", "dx.doi.org") or not segments:
        return None
    return doi_identity("/".join(segments))


def _acl(host: str, segments: list[str], query: _Query) -> Identity | None:
    if host == "aclweb.org" and segments[:1] == ["anthology"]:
        segments = segments[1:]
    elif host != "aclanthology.org":
        return None
    if len(segments) != 1:
        return None
    ident = segments[0].removesuffix(".pdf")
    if not _ACL_ID.fullmatch(ident):
        return None
    return Identity(Kind.PAPER, "acl", ident, f"https://aclanthology.org/{ident}/")


def _github(host: str, segments: list[str], query: _Query) -> Identity | None:
    if host != "github.com" or len(segments) < 2 or segments[0].lower() in _GITHUB_RESERVED:
        return None
    owner, repo = segments[0], segments[1].removesuffix(".git")
    ident = f"{owner}/{repo}"
    return Identity(
        Kind.CODE, "github", ident, f"https://github.com/{ident}", subpath="/".join(segments[2:])
    )


def _huggingface(host: str, segments: list[str], query: _Query) -> Identity | None:
    if host not in ("huggingface.co", "hf.co") or len(segments) < 2:
        return None
    kinds = {"datasets": Kind.DATASET, "spaces": Kind.PAGE}
    if segments[0] in kinds:
        if len(segments) < 3:
            return None
        kind, prefix, rest = kinds[segments[0]], segments[0] + "/", segments[1:]
    elif segments[0] in _HF_RESERVED:
        return None
    else:
        kind, prefix, rest = Kind.MODEL, "", segments
    ident = f"{rest[0]}/{rest[1]}"
    return Identity(
        kind,
        "huggingface",
        ident,
        f"https://huggingface.co/{prefix}{ident}",
        subpath="/".join(rest[2:]),
    )


def _twitter(host: str, segments: list[str], query: _Query) -> Identity | None:
    if host not in _TWITTER_HOSTS or len(segments) < 3:
        return None
    user, marker, status = segments[:3]
    if marker not in ("status", "statuses") or not status.isdigit():
        return None
    ident = f"{user}/status/{status}"
    return Identity(Kind.POST, "twitter", ident, f"https://x.com/{ident}")


def _replicate(host: str, segments: list[str], query: _Query) -> Identity | None:
    if host != "replicate.com" or len(segments) != 2:
        return None
    ident = "/".join(segments)
    return Identity(Kind.MODEL, "replicate", ident, f"https://replicate.com/{ident}")


def _generic(scheme: str, host: str, port: int | None, path: str, query: _Query) -> Identity:
    keep_only = _KEEP_ONLY.get(host)
    kept = [
        (k, v)
        for k, v in query
        if (k in keep_only if keep_only is not None else _is_identifying(k))
    ]
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = path or "/"
    ident = path + (f"?{urlencode(kept)}" if kept else "")
    return Identity(_generic_kind(host, path), host, ident, f"{scheme}://{netloc}{ident}")


def _is_identifying(param: str) -> bool:
    return not (param.startswith("utm_") or param in _TRACKING)


def _generic_kind(host: str, path: str) -> Kind:
    if host in _ARTICLE_HOSTS or host.endswith((".substack.com", ".medium.com")):
        return Kind.ARTICLE
    if host.startswith(("blog.", "news.")):
        return Kind.ARTICLE
    if path.startswith(_ARTICLE_PREFIXES.get(host, ())):
        return Kind.ARTICLE
    if any(seg in _ARTICLE_SEGMENTS for seg in path.split("/")):
        return Kind.ARTICLE
    return Kind.PAGE


_Rule = Callable[[str, list[str], _Query], Identity | None]
#: The rules that may claim a host; any other host is a generic page or article.
_RULES: dict[str, tuple[_Rule, ...]] = {
    **{h: (_arxiv,) for h in _ARXIV_HOSTS},
    **{h: (_twitter,) for h in _TWITTER_HOSTS},
    "huggingface.co": (_arxiv, _huggingface),
    "hf.co": (_huggingface,),
    "openreview.net": (_openreview,),
    "doi.org": (_doi,),
    "dx.doi.org": (_doi,),
    "aclanthology.org": (_acl,),
    "aclweb.org": (_acl,),
    "github.com": (_github,),
    "replicate.com": (_replicate,),
}
