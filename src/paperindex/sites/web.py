"""Any other host: a page or an article, identified by its cleaned URL."""

from __future__ import annotations

from urllib.parse import urlencode

from ..model import Identity, Kind
from .base import Query, Ref, Site, slug

_ARTICLE_HOSTS = frozenset({"zhuanlan.zhihu.com", "mp.weixin.qq.com", "medium.com"})
_ARTICLE_SEGMENTS = frozenset({"blog", "blogs", "post", "posts", "news", "article", "articles"})
#: Sites whose articles live under a path that is not called "blog".
_ARTICLE_PREFIXES = {"anthropic.com": ("/index/", "/news/", "/research/")}
_TRACKING = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "spm", "from",
        "share", "share_source", "share_medium", "share_token", "share_from", "ref_src",
        "ref_url", "vd_source", "_hsenc", "_hsmi", "si",
    }
)  # fmt: skip
#: Parameters that identify the resource on a host; everything else there is dropped.
_KEEP_ONLY = {"mp.weixin.qq.com": frozenset({"__biz", "mid", "idx", "sn"})}
_SITE_ALIASES = {"mp.weixin.qq.com": "weixin", "github.io": "", "medium.com": "medium"}
DEFAULT_PORTS = {"http": 80, "https": 443}


class Web(Site):
    """Pages and articles anywhere else; the site's name is the host (without `www.`)."""

    name = "web"

    def identify(
        self, scheme: str, host: str, port: int | None, path: str, query: Query
    ) -> Identity:
        """The identity of any http(s) URL: lower-case host, no default port, no fragment, no
        tracking parameters."""
        keep_only = _KEEP_ONLY.get(host)
        kept = [
            (k, v)
            for k, v in query
            if (k in keep_only if keep_only is not None else _is_identifying(k))
        ]
        netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
        path = path or "/"
        ident = path + (f"?{urlencode(kept)}" if kept else "")
        return Identity(_kind(host, path), host, ident, f"{scheme}://{netloc}{ident}")

    def identity_key(self, kind: Kind | str, source: str, ident: str) -> str:
        """A path is case-sensitive, a trailing slash aside."""
        return f"{source}:{ident.rstrip('/') or '/'}"

    def readable_key(self, ref: Ref) -> str:
        tail = slug(ref.id.split("?")[0].rstrip("/").rsplit("/", 1)[-1], 30)
        return "-".join(p for p in (slug(_site_word(ref.source)), tail) if p) or "link"

    def fallback_title(self, ref: Ref) -> str:
        path = ref.id.split("?")[0].rstrip("/")
        return ref.source + path if path else ref.source

    def label(self, ref: Ref) -> str:
        return ref.source


def _is_identifying(param: str) -> bool:
    return not (param.startswith("utm_") or param in _TRACKING)


def _kind(host: str, path: str) -> Kind:
    if path.lower().endswith(".pdf"):  # a paper or a report, until metadata says otherwise
        return Kind.PAPER
    if host in _ARTICLE_HOSTS or host.endswith((".substack.com", ".medium.com")):
        return Kind.ARTICLE
    if host.startswith(("blog.", "news.")):
        return Kind.ARTICLE
    if path.startswith(_ARTICLE_PREFIXES.get(host, ())):
        return Kind.ARTICLE
    if not _ARTICLE_SEGMENTS.isdisjoint(path.split("/")):
        return Kind.ARTICLE
    return Kind.PAGE


def _site_word(host: str) -> str:
    """The word that names a host in a key: its registrable name (`example` for
    `www.example.com.cn`), the user of a `github.io` page, or a known alias."""
    if host in _SITE_ALIASES:
        return _SITE_ALIASES[host]
    labels = host.split(".")
    if host.endswith(".github.io"):
        return labels[0]
    core = labels[:-1]
    if len(core) > 1 and len(core[-1]) <= 3 and len(labels[-1]) == 2:
        core = core[:-1]
    return core[-1] if core else host
