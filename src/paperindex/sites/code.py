"""Where code, models and datasets live: GitHub, the Hugging Face Hub, Replicate."""

from __future__ import annotations

from typing import ClassVar

from ..model import Identity, Kind
from .base import Query, Ref, Site, slug

_GITHUB_RESERVED = frozenset(
    {
        "about", "apps", "collections", "enterprise", "explore", "features", "login", "marketplace",
        "orgs", "pricing", "search", "settings", "sponsors", "topics", "trending",
    }
)  # fmt: skip
_HF_RESERVED = frozenset(
    {
        "blog", "collections", "docs", "join", "learn", "login", "models", "organizations",
        "papers", "pricing", "settings", "tasks",
    }
)  # fmt: skip


class _Owned(Site):
    """`owner/name` identifiers: the owner published it, the name is its title."""

    def readable_key(self, ref: Ref) -> str:
        return slug(ref.id)

    def fallback_title(self, ref: Ref) -> str:
        return ref.id

    def account(self, ref: Ref) -> str:
        return ref.id.split("/", 1)[0]


class GitHub(_Owned):
    """github.com repositories; a path inside one is kept on the mention, not the identity."""

    name = "github"
    hosts: ClassVar[tuple[str, ...]] = ("github.com",)
    fold_case = True

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if len(segments) < 2 or segments[0].lower() in _GITHUB_RESERVED:
            return None
        ident = f"{segments[0]}/{segments[1].removesuffix('.git')}"
        return Identity(
            Kind.CODE, self.name, ident, f"https://github.com/{ident}",
            subpath="/".join(segments[2:]),
        )  # fmt: skip


class HuggingFace(_Owned):
    """Hugging Face Hub models, datasets and spaces."""

    name = "huggingface"
    hosts: ClassVar[tuple[str, ...]] = ("huggingface.co", "hf.co")
    fold_case = True

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if len(segments) < 2:
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
            kind, self.name, ident, f"https://huggingface.co/{prefix}{ident}",
            subpath="/".join(rest[2:]),
        )  # fmt: skip


class Replicate(_Owned):
    """replicate.com models."""

    name = "replicate"
    hosts: ClassVar[tuple[str, ...]] = ("replicate.com",)

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if len(segments) != 2:
            return None
        ident = "/".join(segments)
        return Identity(Kind.MODEL, self.name, ident, f"https://replicate.com/{ident}")
