"""The last extract's fingerprint, so that a re-run over unchanged notes does no work.

An extract is a function of its inputs: the notes (their names and bytes), the options that
change what is found, the catalogue files it merges into, the metadata stores it derives columns
from, and the code (paperindex's source and Python's version).  Merging the same citations into
its own result changes nothing (a re-run writes no byte), so after a run the fingerprint
(`<catalogue>.fingerprint`, JSON) records every input, the catalogue files as the run wrote or
left them, and what it reported.  A run whose inputs all match, byte for byte (sizes, then
SHA-256 at C speed), replays that report instead of scanning, merging and rebuilding rows.

Why it can only ever cause a full run, never a wrong skip:

- It is a claim about its inputs, not about history: "these notes, options, stores and code,
  merged into catalogue files with these digests, give those same files and this report".  The
  catalogue digests are of the bytes the run itself wrote (hashed while writing, not read back),
  so an edit of `links.csv` or `mentions.csv` at any time, by a person or another command,
  makes it match nothing.  A stale fingerprint is still true of the inputs it names; it just
  names inputs that are no longer there.
- It is written after the catalogue's commit, atomically (temporary file, rename).  A kill
  before that leaves the previous fingerprint, which names the previous catalogue bytes: it
  matches only if those bytes are still what is on disk, and then its claim still holds.  A
  commit completed by the next run (`paperindex.files`) happens under the lock before the
  check, which then hashes what is really there.
- It carries a digest of its own body: a missing, truncated, corrupt or hand-edited file, or one
  of another format, is ignored (a full run), never an error.
- A run that logged a warning, skipped an input for an error, or found a file or a store
  changing while it ran records nothing (its successor runs in full and says it again).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._version import __version__
from ..files import Digest, atomic_write_text
from .reader import (
    ExtractResult,
    FileReport,
    NoteFile,
    _open_regular,
    iter_note_files,
    project_root,
)

FORMAT = 1
SUFFIX = ".fingerprint"
_STORE_ENDINGS = (".json", ".json.journal")
logger = logging.getLogger(__name__)


def fingerprint_path(catalogue: Path) -> Path:
    """Where the fingerprint of the last extract into `catalogue` lives: beside it."""
    return catalogue.with_name(catalogue.name + SUFFIX)


@dataclass(frozen=True)
class Inputs:
    """What an extract's result depends on, beside the bytes of the files it reads."""

    notes: Sequence[str]
    """The notes as given (files and folders)."""
    catalogue: Path
    mentions: Path
    """The catalogue's mentions file."""
    metadata: Path
    """The folder of the metadata stores."""
    follow_symlinks: bool = False
    keep_images: bool = False

    def options(self) -> dict[str, Any]:
        return {
            "code": code_digest(),
            "notes": [os.fspath(p) for p in self.notes],
            "resolved": [os.path.realpath(p) for p in self.notes],
            "catalogue": os.path.realpath(self.catalogue),
            "metadata": os.path.realpath(self.metadata),
            "follow_symlinks": self.follow_symlinks,
            "keep_images": self.keep_images,
        }


@functools.cache
def code_digest() -> str:
    """SHA-256 of paperindex's source files (and the versions of Python and paperindex): any
    change to the code that extracts, merges or derives makes every fingerprint stale."""
    digest = hashlib.sha256(f"{__version__}\0{sys.version}\0".encode())
    root = Path(__file__).resolve().parents[1]
    for folder, subfolders, names in os.walk(root):
        subfolders.sort()
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    data = f.read()
                digest.update(f"{os.path.relpath(path, root)}\0{len(data)}\0".encode())
                digest.update(data)
    return digest.hexdigest()


def file_digest(path: Path) -> Digest | None:
    """Size and SHA-256 of the regular file at `path`; None when there is none (or it cannot be
    read)."""
    try:
        with _open_regular(path) as f:
            size = os.fstat(f.fileno()).st_size
            found = hashlib.file_digest(f, "sha256")  # type: ignore[arg-type]  # a BufferedReader
            return (size, found.hexdigest()) if f.tell() == size else None
    except Exception:  # missing, unreadable, a FIFO: no digest, so no match
        return None


def _store_files(metadata: Path) -> Iterator[Path]:
    """The store files in the metadata folder (a superset of what `Metadata.load` reads)."""
    try:
        with os.scandir(metadata) as listing:
            names = sorted(e.name for e in listing if e.name.endswith(_STORE_ENDINGS))
    except OSError:
        return
    for name in names:
        yield metadata / name


def store_digests(metadata: Path) -> list[list[Any]]:
    """[name, size, sha256] of each store file (size and digest None for one not readable)."""
    found = []
    for path in _store_files(metadata):
        digest = file_digest(path)
        found.append([path.name, *(digest or (None, None))])
    return found


@dataclass
class Replay:
    """What the last extract reported, for a run that matched its fingerprint."""

    files: list[FileReport]
    kinds: dict[str, int] = field(default_factory=dict)
    """Links by kind (the kind's value), in order of kind."""


def _entry(note: NoteFile) -> list[Any]:
    return [os.fspath(note.path), note.name, note.skipped, note.named]


def _body_digest(body: Any) -> str:
    text = json.dumps(body, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _read(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read())
        body = data["body"]
        if data["format"] != FORMAT or data["check"] != _body_digest(body):
            return None
        if not isinstance(body, dict):
            return None
        return body
    except Exception:  # missing, torn, corrupt, another format: no fingerprint
        return None


def replay(inputs: Inputs) -> Replay | None:
    """The last extract's report, when every input is what it was then and the catalogue files
    are what it left; None otherwise (run in full).  The caller holds the catalogue's lock."""
    body = _read(fingerprint_path(inputs.catalogue))
    if body is None:
        return None
    try:
        return _replay(inputs, body)
    except Exception:  # a well-formed fingerprint of unexpected shape: no match
        logger.debug("fingerprint of %s not usable", inputs.catalogue, exc_info=True)
        return None


def _replay(inputs: Inputs, body: dict[str, Any]) -> Replay | None:
    if body["options"] != inputs.options():
        return None
    stored = body["notes"]
    notes = list(
        iter_note_files(
            [Path(p) for p in inputs.notes], inputs.follow_symlinks, project_root(inputs.catalogue)
        )
    )
    if len(notes) != len(stored) or any(n.error for n in notes):
        return None
    if any(_entry(n) != s["entry"] for n, s in zip(notes, stored, strict=True)):
        return None
    files = [(inputs.catalogue, body["links"]), (inputs.mentions, body["mentions"])]
    files += [(n.path, s["digest"]) for n, s in zip(notes, stored, strict=True) if not n.skipped]
    for path, digest in files:  # sizes first: a change of size costs no read
        size = _size(path)
        if size != (digest[0] if digest else None):
            return None
    if store_digests(inputs.metadata) != body["stores"]:
        return None
    for path, digest in files:
        if digest is not None and list(file_digest(path) or ()) != digest:
            return None
    reports = [
        FileReport(
            path=s["report"]["path"],
            citations=s["report"]["citations"],
            images=s["report"]["images"],
            encoding=s["report"]["encoding"],
            skipped=s["report"]["skipped"],
            warnings=list(s["report"]["warnings"]),
        )
        for s in stored
    ]
    return Replay(reports, dict(body["kinds"]))


def _size(path: Path) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None


class Fingerprint:
    """The fingerprint of the extracts with these `inputs`: `replay` the last one, or `watch` a
    full run and `record` it."""

    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.stores: list[list[Any]] | None = None
        self.warnings = 0

    def replay(self) -> Replay | None:
        """See `replay`."""
        return replay(self.inputs)

    @contextlib.contextmanager
    def watch(self) -> Iterator[None]:
        """Around a full run: the stores' digests before they are read, and the warnings the
        run logs (a run that warned is not replayed: its successor warns again)."""
        self.stores = store_digests(self.inputs.metadata)
        handler = _Counter()
        root = logging.getLogger("paperindex")
        root.addHandler(handler)
        try:
            yield
        finally:
            root.removeHandler(handler)
            self.warnings = handler.count

    def record(
        self, result: ExtractResult, catalogue: dict[Path, Digest], kinds: dict[str, int]
    ) -> bool:
        """Record the full run just `watch`ed (see `remember`); forget the last one when it
        cannot be."""
        if self.stores is None or self.warnings or not result.read:
            return forget(self.inputs.catalogue)
        return remember(self.inputs, result, catalogue, self.stores, kinds)


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def remember(
    inputs: Inputs,
    result: ExtractResult,
    catalogue: dict[Path, Digest],
    stores: list[list[Any]],
    kinds: dict[str, int],
) -> bool:
    """Record what a full extract read and wrote (see the module docstring); True when it did.

    `catalogue`: the digests of the catalogue files as the run wrote or left them; `stores`:
    `store_digests` taken before the stores were loaded (they must still be the same); `kinds`:
    the catalogue's links by kind.  A run with an input skipped for an error, or a file read
    with no digest, is not recorded.
    """
    path = fingerprint_path(inputs.catalogue)
    notes = []
    for note, report in zip(result.inputs, result.files, strict=True):
        if report.error or (not note.skipped and report.digest is None):
            return forget(inputs.catalogue)
        notes.append(
            {
                "entry": _entry(note),
                "digest": list(report.digest) if report.digest else None,
                "report": {
                    "path": report.path,
                    "citations": report.citations,
                    "images": report.images,
                    "encoding": report.encoding,
                    "skipped": report.skipped,
                    "warnings": report.warnings,
                },
            }
        )
    links_digest = catalogue.get(inputs.catalogue)
    mentions_digest = catalogue.get(inputs.mentions)
    if links_digest is None or mentions_digest is None:
        return forget(inputs.catalogue)
    if store_digests(inputs.metadata) != stores:  # a refresh wrote a store meanwhile
        return forget(inputs.catalogue)
    body = {
        "options": inputs.options(),
        "notes": notes,
        "links": list(links_digest),
        "mentions": list(mentions_digest),
        "stores": stores,
        "kinds": kinds,
    }
    data = {"format": FORMAT, "check": _body_digest(body), "body": body}
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":")) + "\n"
    try:
        atomic_write_text(path, text, temp_as=inputs.catalogue)
    except OSError as exc:
        logger.debug("fingerprint %s not written: %s", path, exc)
        forget(inputs.catalogue)
        return False
    return True


def forget(catalogue: Path) -> bool:
    """Remove the fingerprint beside `catalogue` (not needed for safety: a tidy folder)."""
    try:
        fingerprint_path(catalogue).unlink(missing_ok=True)
    except OSError:
        pass
    return False
