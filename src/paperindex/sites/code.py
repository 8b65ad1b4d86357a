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
        "papers", "pricing", "settings", "tasks", "datasets", "spaces", "posts", "chat",
        "enterprise", "new", "search", "welcome", "api", "changelog", "inference-endpoints",
    }
)  # fmt: skip
#: Tabs and file views after a repository's name: a path inside it, not its name.
_HF_TABS = frozenset(
    {"blob", "tree", "resolve", "raw", "commit", "commits", "discussions", "edit", "viewer"}
)
#: Model families that were published without an owner before the Hub required one (`gpt2`,
#: `t5-11b`, `bert-base-uncased`; moved under organisations in 2024, the old ids still work).
#: An owner-less name outside these is a user's or organisation's page, not a model.
_HF_LEGACY_MODEL_FAMILIES = frozenset(
    {
        "albert", "bart", "bert", "camembert", "ctrl", "distilbert", "distilgpt2",
        "distilroberta", "flaubert", "gpt2", "openai", "roberta", "t5", "transfo", "xlm",
        "xlnet",
    }
)  # fmt: skip


def hf_legacy_model(name: str) -> bool:
    """True for an owner-less legacy model id (`gpt2`, `t5-11b`, `openai-gpt`), by its family."""
    family = name.split("-", 1)[0].lower()
    return family in _HF_LEGACY_MODEL_FAMILIES and (family != "openai" or name == "openai-gpt")


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
    """Hugging Face Hub models, datasets and spaces.

    Legacy ids without an owner are repositories too: `huggingface.co/datasets/bookcorpus` is
    the dataset `bookcorpus`, `huggingface.co/gpt2` the model `gpt2` (for models only the legacy
    families, see `hf_legacy_model`: `huggingface.co/openai` is an organisation's page).
    """

    name = "huggingface"
    hosts: ClassVar[tuple[str, ...]] = ("huggingface.co", "hf.co")
    fold_case = True

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if not segments:
            return None
        kinds = {"datasets": Kind.DATASET, "spaces": Kind.PAGE}
        if segments[0] in kinds:
            kind, prefix, rest = kinds[segments[0]], segments[0] + "/", segments[1:]
            legacy = kind is Kind.DATASET and bool(rest) and (len(rest) == 1 or rest[1] in _HF_TABS)
        elif segments[0] in _HF_RESERVED:
            return None
        else:
            kind, prefix, rest = Kind.MODEL, "", segments
            legacy = (len(rest) == 1 or rest[1] in _HF_TABS) and hf_legacy_model(rest[0])
        if legacy:
            ident, sub = rest[0], rest[1:]
        elif len(rest) >= 2 and rest[1] not in _HF_TABS:
            ident, sub = f"{rest[0]}/{rest[1]}", rest[2:]
        else:
            return None
        return Identity(
            kind, self.name, ident, f"https://huggingface.co/{prefix}{ident}",
            subpath="/".join(sub),
        )  # fmt: skip

    def account(self, ref: Ref) -> str:
        return ref.id.split("/", 1)[0] if "/" in ref.id else ""


class Replicate(_Owned):
    """replicate.com models."""

    name = "replicate"
    hosts: ClassVar[tuple[str, ...]] = ("replicate.com",)

    def parse(self, host: str, segments: list[str], query: Query) -> Identity | None:
        if len(segments) != 2:
            return None
        ident = "/".join(segments)
        return Identity(Kind.MODEL, self.name, ident, f"https://replicate.com/{ident}")
