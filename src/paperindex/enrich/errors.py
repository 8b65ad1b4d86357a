"""The enrich stage's error for a store that cannot be read, in a module of its own so that the
command line can catch it without loading the stores' machinery (pydantic)."""

from __future__ import annotations


class MetadataError(ValueError):
    """A store file that cannot be read; the message names the file."""
