"""One large note scanned in two halves on two cores finds exactly what one process finds:
citations (line, section, thread, label, excerpt), images and the report, wherever the cut
falls (the helper follows the line number and the code fence over the first half as scanning
it would); a note that is not clean UTF-8, turns binary after the cut, or a helper that fails,
sends garbage or read other bytes, is read whole instead, with the same result.

The forks happen in a fresh single-threaded process (a subprocess), as on the command line;
blocks and chunks are made tiny so that a small note has many blocks to cut between."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from paperindex.extract import forked
from paperindex.extract.scanner import UNKNOWN, _Scanner

from .conftest import run_probe


def _chat(n: int, newline: str = "\n") -> str:
    """A chat digest with everything that carries across lines or blocks: headings, fences
    (with headings and thread openers inside), threads and their replies, link items,
    reference links defined far from their use, images, an HTML image tag over two lines, a
    label and its URL on two lines, and a long line of links that is cut into pieces."""
    parts = []
    for i in range(n):
        parts += [
            f"## Part {i} 第{i}部分",
            f"D: [Mamba {i}](https://arxiv.org/abs/2312.{i:05d}v2)，线性复杂度。代码 "
            f"https://github.com/org/repo-{i}",
            f"F1: 同一篇 https://arxiv.org/pdf/2312.{i:05d}.pdf ![图](https://e.com/{i}.png)",
            "plain continuation with arXiv:2401.00001 and doi:10.1145/3580305.35998" + str(i),
            f"Q{i % 5}：[a ref][r{i}] and [r{i + 1}] <img",
            f'  src="https://e.com/img{i}.png"> then [label {i}](',
            f"  https://example.com/wrapped/{i})",
        ]
        if i % 4 == 1:
            parts += ["```python", "# not a heading", "D: not a thread https://x.org/a", "```"]
        if i % 4 == 2:
            parts += ["~~~~", "## inside", "~~~", "https://in.fence/x", "~~~~"]
        if i % 6 == 3:
            parts.append(" ".join(f"https://long.example/{i}/{j}" for j in range(40)))
        if i % 5 == 4:
            parts.append("（预训练数据集）https://huggingface.co/datasets/org/set" + str(i))
        parts.append(f'[r{i}]: https://ref.example/{i} "Title {i}"')
    return newline.join(parts) + newline


PROBE = """
import os, pickle, sys
from pathlib import Path
from paperindex.extract import forked, reader
from paperindex.extract.reader import extract_paths

folder = Path(sys.argv[1])
reader.READ_BYTES, reader.BLOCK_CHARS, forked.SPLIT_BYTES = 997, 1200, 0
parent = os.getpid()
received = []
real_citations_of = forked.citations_of
def citations_of(rows):
    received.append(len(rows))
    return real_citations_of(rows)
forked.citations_of = citations_of

def same(path, label):
    serial = extract_paths([path], parallel=False)
    found = extract_paths([path])
    assert found.files == serial.files, (label, found.files, serial.files)
    assert found.citations == serial.citations, label
    return serial

checked = 0
for path in sorted(folder.iterdir()):
    for share in (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0):
        reader._OWN_SHARE = share
        del received[:]
        serial = same(path, (path.name, share))
        helper = received[0] if received else None
        if path.name.startswith("clean") and 0.1 <= share <= 0.9:
            # really split: the helper sent the citations after the cut, some but not all
            assert helper is not None and 0 < helper < len(serial.citations), (path, share)
        if not path.name.startswith("clean") and share > 0:
            assert not helper, (path.name, share)  # read whole, or nothing after the cut
        checked += 1

reader._OWN_SHARE = 0.5
clean = folder / "clean-lf.md"
# a helper that fails, sends garbage, or read other bytes: read whole here
real = reader._scan_second_half
for fake in (
    lambda *a: (_ for _ in ()).throw(RuntimeError("helper failed")),
    lambda *a: b"garbage",
    lambda *a: pickle.dumps(((1, "0" * 64), 0, 0, [])),
):
    reader._scan_second_half = fake
    same(clean, "fake helper")
reader._scan_second_half = real
try:
    os.waitpid(-1, os.WNOHANG)
except ChildProcessError:
    pass
else:
    raise AssertionError("a helper left behind")
print("OK", checked)
"""


def test_a_note_split_in_two_finds_exactly_what_one_process_finds(tmp_path: Path) -> None:
    if forked.processes() < 2:  # one core: never split (a helper would only cost)
        return
    notes = tmp_path / "notes"
    notes.mkdir()
    text = _chat(60)
    (notes / "clean-lf.md").write_text(text, encoding="utf-8")
    (notes / "clean-crlf.md").write_bytes(_chat(60, "\r\n").encode("utf-8"))
    (notes / "clean-cr.md").write_bytes(_chat(60, "\r").encode("utf-8"))
    emoji = text.replace("线性", "😀线性")  # four bytes a character: a wide string
    (notes / "clean-bom.md").write_bytes(b"\xef\xbb\xbf" + emoji.encode("utf-8"))
    one_line = " ".join(f"见https://arxiv.org/abs/2401.{j:05d}，" for j in range(900))
    (notes / "one-line.md").write_text(one_line, encoding="utf-8")
    data = text.encode("utf-8")
    (notes / "gb18030.md").write_bytes(text.encode("gb18030"))
    (notes / "bad-byte-late.md").write_bytes(data[:-200] + b"\xff" + data[-200:])
    (notes / "bad-byte-early.md").write_bytes(data[:200] + b"\xff" + data[200:])
    (notes / "nul-late.md").write_bytes(data[:-100] + b"\0" + data[-100:])
    assert run_probe(PROBE, str(notes), timeout=300) == ["OK", str(9 * 7)]


_PIECES = st.sampled_from(
    ["```", "````", "~~~", "~~~~", "``", " ", "   ", "    ", "\n", "\r\n", "\r", "# h", "D: q",
     "(a) https://x.org/", "https://y.org/", "x", "`", "~", "\t", "python", "中"]
)  # fmt: skip


@given(blocks=st.lists(st.tuples(st.lists(_PIECES, max_size=40).map("".join), st.booleans())))
def test_skipping_a_block_leaves_the_line_and_fence_that_scanning_it_leaves(
    blocks: list[tuple[str, bool]],
) -> None:
    skipped, scanned = _Scanner("n.md"), _Scanner("n.md")
    for text, continued in blocks:
        skipped.skip(text, continued)
        if text:  # as `feed` does
            scanned._advance(text, continued)
        assert (skipped.line_no, skipped.fence) == (scanned.line_no, scanned.fence)
        if text:
            assert skipped.section == skipped.thread == UNKNOWN
