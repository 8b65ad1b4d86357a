"""Reading notes from disk: walking folders safely, decoding as the bytes stream, and handing
the scanner blocks of text small enough to bound memory.

One bad input never stops a run: it is skipped and reported by name (`FileReport.error` says
whether that was an error or policy).  A file is read once, in fixed-size byte chunks decoded as
they stream (a NUL anywhere makes it binary); it is re-read only to decode it as GB18030.  A
large file, when no helper scans other files, is scanned in two halves on two cores: a forked
helper reads it too and scans from a cut (`_split_note`).
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import hashlib
import os
import pickle
import re
import stat
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from ..files import Digest, can_fork
from ..model import Citation
from . import forked
from .scanner import _SPLIT_CONTEXT, UNKNOWN, _Scanner, last_stop

NOTE_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
BLOCK_CHARS = 1 << 20
"""Characters scanned at once (whole lines, or pieces of a longer line); bounds memory."""
READ_BYTES = 1 << 20
"""Bytes read from a file at once."""


@dataclass
class FileReport:
    """What happened to one input file (or folder, when it could not be listed)."""

    path: str
    """The file's name relative to the argument it was found under (undecodable bytes of a name
    that was skipped for them are shown escaped, `\\xff`)."""
    citations: int = 0
    images: int = 0
    """Images, badges, charts and counters passed over (not citations)."""
    encoding: str = ""
    skipped: str = ""
    """Why the file was not read (empty when it was)."""
    error: bool = False
    """Skipped for an error (unreadable, special file, symlink out of the folder or in a loop,
    undecodable name, missing) rather than by policy (hidden, binary)."""
    warnings: list[str] = field(default_factory=list)
    digest: Digest | None = None
    """The size and SHA-256 of the bytes read (the whole file, binary ones too); None when it
    was not read, or changed between two reads of it."""


@dataclass
class ExtractResult:
    """Citations in order of appearance, and a report per file."""

    citations: list[Citation] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)
    inputs: list[NoteFile] = field(default_factory=list)
    """The inputs as found (one per report, in the same order)."""

    @property
    def errors(self) -> list[FileReport]:
        """Inputs skipped for an error: the caller should say so and fail (after saving)."""
        return [f for f in self.files if f.error]

    @property
    def read(self) -> list[FileReport]:
        """The files that were read (none: there was nothing to extract)."""
        return [f for f in self.files if not f.skipped]

    @property
    def images(self) -> int:
        """Images, badges, charts and counters passed over in all files."""
        return sum(f.images for f in self.files)


@dataclass(frozen=True, slots=True)
class _Block:
    """Text to scan at once, with its neighbours when it cuts a line (see `_Scanner.feed`)."""

    text: str
    continued: bool = False
    left: str = ""
    right: str = ""


def _blocks(pieces: Iterable[str], size: int = BLOCK_CHARS) -> Generator[_Block]:
    """Blocks of whole lines, about `size` characters each, from text arriving in pieces.

    A line longer than `size` is cut after its last character that no URL contains (a run of
    more than `size` URL characters, which is no real URL, at `size`); a cut is not a new line.
    A "\r" is never parted from the "\n" after it.
    """
    pending, continued, left = "", False, ""
    chunks = iter(pieces)
    done = False
    while not done:
        piece = next(chunks, None)
        if piece is None:
            done = True
        else:
            pending += piece
        while pending and (done or len(pending) >= size + _SPLIT_CONTEXT):
            avail = len(pending) - (not done and pending.endswith("\r"))
            last_break = max(pending.rfind("\n", 0, avail), pending.rfind("\r", 0, avail))
            if last_break >= 0 or done:
                cut = len(pending) if done else last_break + 1
                yield _Block(pending[:cut], continued, left)
                pending, continued, left = pending[cut:], False, ""
                continue
            stop = last_stop().match(pending, 0, size)
            cut = stop.end() if stop else size
            block = pending[:cut]
            yield _Block(block, continued, left, pending[cut : cut + _SPLIT_CONTEXT])
            left = (left + block)[-_SPLIT_CONTEXT:]  # however short the pieces
            pending, continued = pending[cut:], True


class _Source(Protocol):
    """A file opened for reading, in binary."""

    def read(self, size: int, /) -> bytes: ...

    def seek(self, offset: int, /) -> int: ...


class _File(_Source, Protocol):
    def fileno(self) -> int: ...


class _Hashed:
    """A note file whose bytes are hashed as they are read: the digest of what was scanned
    (`FileReport.digest`), without a second pass over the file.

    Each pass that reads to the end is hashed afresh (the GB18030 check reads the file again);
    passes that differ (the file changed meanwhile) leave it without a digest.
    """

    __slots__ = ("digest", "f", "hash", "size", "stable")

    def __init__(self, f: _File) -> None:
        self.f = f
        self.hash = hashlib.sha256()
        self.size = 0
        self.digest: Digest | None = None
        self.stable = True

    def read(self, size: int, /) -> bytes:
        data = self.f.read(size)
        if data:
            self.hash.update(data)
            self.size += len(data)
        else:  # the end of a pass
            found = (self.size, self.hash.hexdigest())
            if self.digest is None:
                self.digest = found
            elif found != self.digest:
                self.stable = False
        return data

    def fileno(self) -> int:
        return self.f.fileno()

    def seek(self, offset: int, /) -> int:
        if offset:
            raise ValueError("a note is only read again from its start")
        self.hash = hashlib.sha256()
        self.size = 0
        return self.f.seek(offset)

    def finish(self) -> Digest | None:
        """The digest of the whole file: a file found binary is read to its end first (the
        scanner stopped at the chunk with its first NUL)."""
        if self.digest is None:
            try:
                while self.read(READ_BYTES):
                    pass
            except OSError:
                return None
        return self.digest if self.stable else None


class _BinaryError(Exception):
    """A NUL byte: the file is not text."""


class _NotRegularError(Exception):
    """A FIFO, socket, device or folder where a file was expected."""


_ESCAPED = re.compile("[\udc80-\udcff]")
_ASCII = bytes(range(128))


def _utf8_cut(data: bytes) -> int:
    """Where to cut `data` so that no character is split: before an incomplete last sequence."""
    n = len(data)
    for back in range(1, min(4, n) + 1):
        byte = data[n - back]
        if byte < 0x80:
            return n
        if byte >= 0xC0:  # a lead byte: is its sequence complete?
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return n - back if back < need else n
    return n


def _utf8_text(f: _Source, bad: list[int]) -> Iterator[str]:
    """The text of `f` as `decode("utf-8-sig", errors="replace")` gives it, chunk by chunk.

    Adds the number of undecodable bytes to `bad[0]`; raises `_BinaryError` at the first chunk
    that holds a NUL, wherever it is in the file.
    """
    carry = b""
    first = True
    while True:
        chunk = f.read(READ_BYTES)
        if b"\0" in chunk:
            raise _BinaryError
        data = carry + chunk if carry else chunk
        if first:
            if chunk and len(data) < len(codecs.BOM_UTF8):
                carry = data
                continue
            first = False
            if data.startswith(codecs.BOM_UTF8):
                data = data[3:]
        cut = _utf8_cut(data) if chunk else len(data)
        part, carry = (data, b"") if cut == len(data) else (data[:cut], data[cut:])
        if part:
            try:
                text = part.decode("utf-8")  # the fast path: valid, as notes almost always are
            except UnicodeDecodeError:
                bad[0] += len(_ESCAPED.findall(part.decode("utf-8", "surrogateescape")))
                text = part.decode("utf-8", "replace")
            yield text
        if not chunk:
            return


def _gb18030_text(f: _Source) -> Iterator[str]:
    """The text of `f` as GB18030; raises UnicodeDecodeError at the first undecodable byte."""
    decoder = codecs.getincrementaldecoder("gb18030")("strict")
    while chunk := f.read(READ_BYTES):
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


# The byte order marks that make a file UTF-32 or UTF-16 (UTF-32 LE's starts as UTF-16 LE's).
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _wide_text(f: _Source, codec: str, errors: str = "strict") -> Iterator[str]:
    """The text of `f`, a UTF-16 or UTF-32 file that starts with its byte order mark."""
    decoder = codecs.getincrementaldecoder(codec)(errors)
    while chunk := f.read(READ_BYTES):
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def _non_ascii_bytes(f: _Source) -> int:
    f.seek(0)
    count = 0
    while chunk := f.read(READ_BYTES):
        count += len(chunk.translate(None, _ASCII))
    return count


def _scan_text(
    file: str, pieces: Iterable[str], keep_images: bool = False
) -> tuple[list[Citation], int]:
    """Citations in the text, and how many images were passed over."""
    scanner = _Scanner(file, keep_images)
    found: list[Citation] = []
    for block in _blocks(pieces, BLOCK_CHARS):
        found.extend(scanner.feed(block.text, block.continued, block.left, block.right))
    return found, scanner.images


def _read_note(
    path: Path, report: FileReport, keep_images: bool = False, split: bool = False
) -> list[Citation]:
    """Citations of one file, read once as UTF-8 while scanning, again only to try GB18030.

    UTF-8 (a BOM allowed) is the norm.  A file whose non-ASCII bytes are mostly not UTF-8 but
    decode strictly as GB18030 (the common encoding of Chinese notes on Windows) is read as
    GB18030, with a warning.  Otherwise it is UTF-8 with its few undecodable bytes replaced and
    counted: a single corrupt byte in a UTF-8 file must not turn the whole file into mojibake.
    `split`: a large file may be scanned in two halves on two cores (see `_split_note`).
    """
    with _open_regular(path) as file:
        f = _Hashed(file)
        try:
            return _decoded_note(f, report, keep_images, split)
        finally:
            report.digest = f.finish()


def _decoded_note(
    f: _Hashed, report: FileReport, keep_images: bool, split: bool = False
) -> list[Citation]:
    """`_read_note` of the file opened as `f`."""
    head = f.read(4)
    f.seek(0)
    wide = next((codec for bom, codec in _WIDE_BOMS if head.startswith(bom)), None)
    if wide is not None:  # Windows Notepad's "Unicode": its NUL bytes are text
        report.encoding = wide
        try:
            found, report.images = _scan_text(report.path, _wide_text(f, wide), keep_images)
        except UnicodeDecodeError:
            f.seek(0)
            found, report.images = _scan_text(
                report.path, _wide_text(f, wide, "replace"), keep_images
            )
            report.warnings.append(f"not valid {wide.upper()}: undecodable bytes replaced")
        return found
    report.encoding = "utf-8"
    if split:
        halves = _split_note(f, report.path, keep_images)
        if halves is not None:
            found, report.images = halves
            return found
        f.seek(0)  # not split after all: read it again, whole
    bad = [0]
    found, report.images = _scan_text(report.path, _utf8_text(f, bad), keep_images)
    if not bad[0]:
        return found
    if bad[0] >= _non_ascii_bytes(f) // 4:  # mostly not UTF-8: perhaps GB18030
        f.seek(0)
        try:
            gb_found, gb_images = _scan_text(report.path, _gb18030_text(f), keep_images)
        except UnicodeDecodeError:
            pass
        else:
            report.encoding, report.images = "gb18030", gb_images
            report.warnings.append("not UTF-8; decoded as GB18030")
            return gb_found
    report.warnings.append(f"not valid UTF-8: {bad[0]} undecodable byte(s) replaced with U+FFFD")
    return found


_OWN_SHARE = 0.6
"""The share of a split file's bytes scanned here (before the cut)."""


def _split_at(block: _Block, read: int, target: int) -> bool:
    """Whether the second half starts at `block`: the first that starts a line once `read`
    bytes of the file, `target` or more, were read to make it (both halves read the same bytes
    in the same chunks, so both cut at the same block; see `_split_note`)."""
    return read >= target and not block.continued


def _split_note(f: _Hashed, name: str, keep_images: bool) -> tuple[list[Citation], int] | None:
    """The citations and images of a large UTF-8 file, its second half scanned by a forked
    helper meanwhile; None when it is not split (small, cannot fork, not clean UTF-8, the
    helper failed or read other bytes): then the caller reads it again from the start.

    Both halves cut the text into the same blocks (`_blocks`), and nothing carries from one
    block to the next but the line number, section, fence and thread.  The helper follows the
    line number and the fence over the first half (`_Scanner.skip`, at C speed) and scans from
    the cut with the section and thread unknown; its citations before its first heading get
    them here, where the first half was scanned.  So the citations are those of one process
    scanning the whole file, byte for byte.
    """
    size = os.fstat(f.fileno()).st_size
    if size < forked.SPLIT_BYTES or forked.processes() < 2 or not can_fork():
        return None
    target = int(size * _OWN_SHARE)
    fd = f.fileno()
    child = forked.spawn(lambda: _scan_second_half(fd, name, keep_images, target))
    if child is None:
        return None
    try:
        bad = [0]
        scanner = _Scanner(name, keep_images)
        found: list[Citation] = []
        blocks = _blocks(_utf8_text(f, bad), BLOCK_CHARS)
        at_cut = None  # where the helper's part starts: none if the text ended before
        for block in blocks:
            if bad[0]:  # not clean UTF-8: read whole, as such a file is
                return None
            if _split_at(block, f.size, target):
                at_cut = (scanner.line_no, scanner.fence)
                break
            found.extend(scanner.feed(block.text, block.continued, block.left, block.right))
        blocks.close()
        if bad[0]:
            return None
        while chunk := f.read(READ_BYTES):  # hashed, and checked for NUL
            if b"\0" in chunk:
                raise _BinaryError
        data = forked.collect(child)
        if data is None:
            return None
        try:
            digest, helper_bad, images, helper_at_cut, rows = pickle.loads(data)
            if helper_bad or f.digest is None or tuple(digest) != f.digest:
                return None  # not clean UTF-8 after the cut, or the file changed meanwhile
            if helper_at_cut != at_cut:
                return None  # cannot be (both read the same lines); checked all the same
            found.extend(forked.citations_of(_known(rows, scanner)))
        except Exception:  # unreadable: read here instead
            return None
        return found, scanner.images + int(images)
    finally:
        forked.stop(child)


def _known(rows: list[tuple[Any, ...]], scanner: _Scanner) -> list[tuple[Any, ...]]:
    """The helper's citations (`forked.rows_of`) with the section and thread it did not know
    (`UNKNOWN`) as `scanner` left them at the cut.  They are only in the citations before the
    helper's first heading (which sets both): a run at the start of `rows`."""
    section, thread = scanner.section, scanner.thread_excerpt()
    for i, row in enumerate(rows):  # (kind, source, id, url, file, line, section, label, ...)
        if row[6] != UNKNOWN:
            break
        rows[i] = (*row[:6], section, *row[7:9], thread if row[9] == UNKNOWN else row[9], *row[10:])
    return rows


class _Positional:
    """A file descriptor read from an offset of its own (the helper of a split file shares the
    descriptor, and so its offset, with its parent)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pos = 0

    def read(self, size: int, /) -> bytes:
        parts = []
        while size > 0:  # whole chunks, as a buffered file gives them: the blocks depend on it
            data = os.pread(self.fd, size, self.pos)
            if not data:
                break
            parts.append(data)
            self.pos += len(data)
            size -= len(data)
        return b"".join(parts)

    def seek(self, offset: int, /) -> int:
        self.pos = offset
        return offset

    def fileno(self) -> int:
        return self.fd


def _scan_second_half(fd: int, name: str, keep_images: bool, target: int) -> bytes:
    """In the helper: the citations from the cut on (`_split_note`), and what the parent needs
    to check that it read the same file: the digest and undecodable bytes of the whole."""
    f = _Hashed(_Positional(fd))
    bad = [0]
    scanner = _Scanner(name, keep_images)
    found: list[Citation] = []
    at_cut = None
    for block in _blocks(_utf8_text(f, bad), BLOCK_CHARS):
        if at_cut is None and _split_at(block, f.size, target):
            at_cut = (scanner.line_no, scanner.fence)
        if at_cut is not None:
            found.extend(scanner.feed(block.text, block.continued, block.left, block.right))
        else:
            scanner.skip(block.text, block.continued)
    digest = f.finish()
    result = (digest, bad[0], scanner.images, at_cut, forked.rows_of(found))
    return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


_OPEN_FLAGS = os.O_RDONLY
for _flag in ("O_NONBLOCK", "O_NOCTTY", "O_CLOEXEC", "O_BINARY"):
    _OPEN_FLAGS |= getattr(os, _flag, 0)


def _open_regular(path: Path) -> BinaryIO:
    """`path` opened for reading, if it is a regular file.

    Non-blocking, so a file swapped for a FIFO after it was listed cannot hang the run.
    """
    fd = os.open(path, _OPEN_FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _NotRegularError(_file_type(mode))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _file_type(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISDIR, "folder"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "not found"
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    return f"unreadable ({exc.strerror or exc})"


_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def display_name(name: str) -> str:
    """`name` safe to print and to encode: undecodable bytes of a file name (which Python keeps
    as lone surrogates) shown as `\\xff`, control characters as `\\x1b`."""

    def escape(m: re.Match[str]) -> str:
        code = ord(m.group())
        if 0xDC80 <= code <= 0xDCFF:
            return f"\\x{code - 0xDC00:02x}"
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNSAFE.sub(escape, name)


@dataclass(frozen=True, slots=True)
class NoteFile:
    """An input found by `iter_note_files`: a file to read, or why it is skipped."""

    path: Path
    name: str
    """Name for mentions: `./` and the path from the project root (`iter_note_files`'s `root`)
    for a file under it, else relative to the folder given, or the file's own name."""
    skipped: str = ""
    error: bool = False
    named: bool = False
    """Named by the caller, not found in a folder."""
    legacy: str = ""
    """The name a file under the root had before names started from the root (relative to the
    folder given, or its own name), when a root was given: a catalogue may still hold it."""


_OUTSIDE = "symlink to outside the folder; not followed"


def iter_note_files(
    paths: Sequence[Path], follow_symlinks: bool = False, root: Path | None = None
) -> Iterator[NoteFile]:
    """Each input under `paths`, in order, with the reason to skip it if there is one.

    Files named directly are read whatever their suffix.  Folders are walked in sorted order
    for .md, .markdown and .txt files.  Skipped by policy: hidden files and folders (note files
    in them are reported).  Skipped for an error (and reported): unreadable files and folders,
    FIFOs, sockets and devices (never opened: opening a FIFO blocks), names that are not valid
    UTF-8, symlinks that leave the folder (unless `follow_symlinks`), symlink loops.

    `root` (the project's folder): a file under it is named by its path from there
    (`./notes/a.md`), the same however it was reached, so two folders' `a.md` stay apart.
    """
    if root is None:
        yield from _note_files(paths, follow_symlinks)
        return
    top = os.path.realpath(root)
    for note in _note_files(paths, follow_symlinks):
        name = None if note.error else project_name(note.path, top)
        yield note if name is None else replace(note, name=name, legacy=note.name)


def project_root(catalogue: Path | str) -> Path:
    """A catalogue's project folder, its symlinks resolved: the one holding its `data` folder
    (`data/links.csv` → `.`), else the catalogue's own folder.  Notes under it are named by
    their path from it (`./notes/a.md`), however they are given to `extract`, so names stay
    the same from run to run."""
    folder = Path(os.path.realpath(Path(catalogue).parent))  # (the file may be a link)
    return folder.parent if folder.name == "data" else folder


def project_name(path: Path | str, root: str) -> str | None:
    """`./` and `path`'s path from the folder `root` (symlinks resolved), or None when it is
    not under it.  Symlinks are resolved: a note reached through a link to another folder of
    the project is one note, and one behind a link that leaves the project is not under it."""
    full = os.path.realpath(path)
    try:
        inside = full != root and _inside(full, root)
    except ValueError:  # another drive (Windows)
        return None
    return "./" + Path(os.path.relpath(full, root)).as_posix() if inside else None


def _note_files(paths: Sequence[Path], follow_symlinks: bool) -> Iterator[NoteFile]:
    for root in paths:
        try:
            mode = root.stat().st_mode
        except OSError as exc:
            yield NoteFile(root, display_name(str(root)), _os_reason(exc), error=True, named=True)
            continue
        if stat.S_ISDIR(mode):
            yield from _walk(root, follow_symlinks)
        elif not stat.S_ISREG(mode):
            special = f"special file ({_file_type(mode)}); not opened"
            yield NoteFile(root, display_name(str(root)), special, error=True, named=True)
        elif _ESCAPED.search(root.name):
            yield NoteFile(root, display_name(root.name), _BAD_NAME, error=True, named=True)
        else:
            yield NoteFile(root, root.name, named=True)


_BAD_NAME = "file name is not valid UTF-8; rename it"


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def _walk(root: Path, follow_symlinks: bool) -> Iterator[NoteFile]:
    """Depth first, each folder's entries in name order (the order of sorting the paths)."""
    walker = _Walker(root, follow_symlinks)
    problem = walker.enter(root, "", frozenset(), False)
    if problem:
        yield NoteFile(root, display_name(str(root)), problem, error=True, named=True)
    while walker.stack:
        entries, rel, parents, hidden = walker.stack[-1]
        entry = next(entries, None)
        if entry is None:
            walker.stack.pop()
        elif found := walker.visit(entry, rel, parents, hidden):
            yield found


class _Walker:
    def __init__(self, root: Path, follow_symlinks: bool) -> None:
        self.real_root = os.path.realpath(root)
        self.follow = follow_symlinks
        # Per open folder: its remaining entries, its name, the identities of it and its
        # parents (a folder met again among its own parents is a loop), whether it is hidden.
        self.stack: list[
            tuple[Iterator[os.DirEntry[str]], str, frozenset[tuple[int, int]], bool]
        ] = []

    def enter(
        self, folder: Path, rel: str, parents: frozenset[tuple[int, int]], hidden: bool
    ) -> str:
        """List `folder` to be walked next; the reason it cannot be, if so."""
        try:
            st = folder.stat()
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            return f"folder {_os_reason(exc)}"
        key = (st.st_dev, st.st_ino)
        if key in parents:
            return "symlink loop (a folder inside itself)"
        self.stack.append((iter(entries), rel, parents | {key}, hidden))
        return ""

    def visit(
        self,
        entry: os.DirEntry[str],
        rel: str,
        parents: frozenset[tuple[int, int]],
        hidden: bool,
    ) -> NoteFile | None:
        """The entry as a note to read or a report, or None when it is silently passed over
        (not a note; a folder, which is entered instead)."""
        name = f"{rel}/{entry.name}" if rel else entry.name
        path = Path(entry.path)
        hide = hidden or entry.name.startswith(".")
        note = os.path.splitext(entry.name)[1].lower() in NOTE_SUFFIXES
        mode = self._mode(entry, name, hide, note)
        if not isinstance(mode, int):
            return mode
        if stat.S_ISDIR(mode):
            problem = self.enter(path, name, parents, hide)
            if problem and not hide:
                return NoteFile(path, display_name(name + "/"), problem, error=True)
            return None
        if not note:
            return None
        if hide:
            return NoteFile(path, display_name(name), "hidden") if stat.S_ISREG(mode) else None
        if not stat.S_ISREG(mode):
            special = f"special file ({_file_type(mode)}); not opened"
            return NoteFile(path, display_name(name), special, error=True)
        if _ESCAPED.search(name):
            return NoteFile(path, display_name(name), _BAD_NAME, error=True)
        return NoteFile(path, name)

    def _mode(
        self, entry: os.DirEntry[str], name: str, hide: bool, note: bool
    ) -> int | NoteFile | None:
        """The entry's file type (through a symlink that may be followed), else its report."""
        path = Path(entry.path)
        try:
            if not entry.is_symlink():
                return entry.stat(follow_symlinks=False).st_mode
            if hide:  # nothing hidden is read, so no link in it is followed
                return NoteFile(path, display_name(name), "hidden") if note else None
            try:
                mode = os.stat(entry.path).st_mode
            except FileNotFoundError:
                return NoteFile(path, display_name(name), "broken symlink", True) if note else None
            if self.follow or _inside(os.path.realpath(entry.path), self.real_root):
                return mode
            if note or stat.S_ISDIR(mode):
                return NoteFile(path, display_name(name), _OUTSIDE, error=True)
            return None
        except OSError as exc:  # a symlink loop; or unreadable, or gone since it was listed
            if note or exc.errno == errno.ELOOP:
                return NoteFile(path, display_name(name), _os_reason(exc), error=True)
            return None


def extract_paths(
    paths: Sequence[Path | str],
    progress: Callable[[FileReport], None] | None = None,
    follow_symlinks: bool = False,
    keep_images: bool = False,
    parallel: bool = True,
    root: Path | None = None,
) -> ExtractResult:
    """Citations from files and folders of notes, with a report per file.

    One bad input never stops the run: it is skipped and reported (`FileReport.error` tells
    errors from policy), and everything else is read.  A file is read once, in chunks, in
    bounded memory; a NUL byte anywhere makes it binary, and what it seemed to cite is dropped.
    Images, badges, charts and counters are counted, not cited, unless `keep_images`.
    `parallel`: several files holding enough text are scanned on every core, with the same
    result (see `paperindex.extract.forked`).  `root`: the project's folder, which the names
    of the files under it start from (see `iter_note_files`).
    """
    result = ExtractResult()
    notes = list(iter_note_files([Path(p) for p in paths], follow_symlinks, root))
    cuts = forked.plan(notes) if parallel else []
    split = parallel and not cuts  # no helper scans other files: a large one may be split

    def scan(note: NoteFile) -> tuple[FileReport, list[Citation]]:
        return _read_one(note, keep_images, split)

    found: Generator[tuple[FileReport, list[Citation]]]
    if cuts:
        found = forked.scanned(notes, scan, cuts)
    else:
        found = (scan(note) for note in notes)
    with contextlib.closing(found):  # helpers stopped if this run is
        for note, (report, citations) in zip(notes, found, strict=True):
            result.citations.extend(citations)
            result.files.append(report)
            result.inputs.append(note)
            if progress is not None:
                progress(report)
    return result


def _read_one(
    note: NoteFile, keep_images: bool, split: bool = False
) -> tuple[FileReport, list[Citation]]:
    """The report on one input, and its citations (`split`: see `_read_note`)."""
    report = FileReport(path=note.name, skipped=note.skipped, error=note.error)
    if note.skipped:
        return report, []
    try:
        found = _read_note(note.path, report, keep_images, split)
    except _BinaryError:
        report.skipped, report.encoding, report.images = "binary (NUL bytes)", "", 0
        if note.named:
            report.warnings.append("named as a note, but it is not text")
    except _NotRegularError as exc:
        report.skipped, report.error = f"special file ({exc}); not read", True
        report.encoding = ""
    except OSError as exc:
        report.skipped, report.error, report.encoding = _os_reason(exc), True, ""
    else:
        report.citations = len(found)
        return report, found
    return report, []
