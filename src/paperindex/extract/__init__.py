"""The extract stage: every cited link in notes, exactly, with where and why it was cited.

scanner  text → citations (URLs, Markdown and HTML links, bare identifiers; threads, labels)
reader   files and folders → text, safely (encodings, binary files, special files, symlinks)
"""

from __future__ import annotations

from .reader import (
    NOTE_SUFFIXES,
    ExtractResult,
    FileReport,
    NoteFile,
    display_name,
    extract_paths,
    iter_note_files,
    project_name,
)
from .scanner import extract_text, scan

__all__ = [
    "NOTE_SUFFIXES",
    "ExtractResult",
    "FileReport",
    "NoteFile",
    "display_name",
    "extract_paths",
    "extract_text",
    "iter_note_files",
    "project_name",
    "scan",
]
