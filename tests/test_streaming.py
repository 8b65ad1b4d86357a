"""Reading a file in chunks and cutting long lines finds exactly what scanning it whole finds."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from paperindex.extract import extract_paths, extract_text
from paperindex.extract import reader as extract
from paperindex.model import Citation


@contextmanager
def _sizes(read_bytes: int, block_chars: int) -> Iterator[None]:
    saved = extract.READ_BYTES, extract.BLOCK_CHARS
    extract.READ_BYTES, extract.BLOCK_CHARS = read_bytes, block_chars
    try:
        yield
    finally:
        extract.READ_BYTES, extract.BLOCK_CHARS = saved


def _decoded(data: bytes, read_bytes: int) -> tuple[str, int]:
    bad = [0]
    with _sizes(read_bytes, extract.BLOCK_CHARS):
        text = "".join(extract._utf8_text(io.BytesIO(data), bad))
    return text, bad[0]


_BYTES = st.one_of(
    st.binary(max_size=80),
    st.text(max_size=40).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.lists(
        st.sampled_from(
            [
                *(
                    b"\xef\xbb\xbf",
                    "研究".encode(),
                    "😀".encode(),
                    "é".encode(),
                    b"a",
                    b"\r",
                    b"\n",
                ),
                *(b"\xe7\xa0", b"\xff", b"\xc3", b"\x80", "研究".encode("gb18030")),
            ]
        ),
        max_size=30,
    ).map(b"".join),
).map(lambda b: b.replace(b"\0", b""))


@given(data=_BYTES, read_bytes=st.integers(1, 9))
def test_chunked_utf8_decoding_is_one_whole_decoding(data: bytes, read_bytes: int) -> None:
    """Whatever the chunk size, the text is what decoding the whole file at once gives (a BOM
    dropped, each maximal bad sequence one U+FFFD), and every undecodable byte is counted."""
    text, bad = _decoded(data, read_bytes)
    assert text == data.decode("utf-8-sig", "replace")
    assert bad == len(re.findall("[\udc80-\udcff]", data.decode("utf-8", "surrogateescape")))


def test_a_nul_in_any_chunk_is_binary() -> None:
    data = b"x" * 100 + b"\0"
    bad = [0]
    with _sizes(7, extract.BLOCK_CHARS):
        try:
            list(extract._utf8_text(io.BytesIO(data), bad))
        except extract._BinaryError:
            return
    raise AssertionError("a NUL at byte 100 was not noticed")


# Pieces of notes: links of every kind, identifiers, labels, headings, thread openers, fences,
# line ends of every kind, CJK and full-width punctuation.  Not `[label][ref]`: a reference is
# looked up within its block (as before), so it may label its definition only when scanned whole.
_TOKENS = [
    "https://arxiv.org/abs/2312.00752v2",
    "https://github.com/state-spaces/mamba/tree/main/x",
    "https://en.wikipedia.org/wiki/Foo_(bar)",
    "www.example.com/page",
    "arXiv:2312.00752",
    "arXiv 2401.12345v3",
    "hep-th/9901001",
    "doi:10.1145/3580305.3599572",
    "[标签 label](https://example.com/a)",
    '<a href="https://example.com/h">锚</a>',
    "\n[r1]: https://example.com/ref",
    "\n# 标题",
    "\n## Section two",
    "\nD：讨论",
    "\nQ4: question",
    "\nA: answer",
    "\n```\n# not a heading\n```\n",
    "研究员1：",
    "见",
    "也发现了",
    "words and more words",
    "(",
    ")",
]
_SEPARATORS = [" ", " ", "，", "。", "（", "）", "\n", "\r\n", "\r", "\t", ""]


@st.composite
def _notes(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 400))):
        parts.append(draw(st.sampled_from(_TOKENS)))
        parts.append(draw(st.sampled_from(_SEPARATORS)))
    return "".join(parts)


def _mentions(citations: list[Citation]) -> list[dict[str, object]]:
    return [{"id": c.id, **c.mention._asdict()} for c in citations]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_notes(), read_bytes=st.integers(1, 700), block=st.integers(1300, 3000))
def test_chunks_and_cut_lines_find_what_the_whole_text_holds(
    tmp_path_factory: object, text: str, read_bytes: int, block: int
) -> None:
    """Lines far longer than a block are cut into pieces; line numbers, sections, threads,
    labels, contexts and cited text are those of one scan of the whole text."""
    assume(not re.search(r"[!-~]{600,}", text))  # no run of URL characters longer than a block
    path = Path(str(tmp_path_factory.mktemp("notes"))) / "n.md"  # type: ignore[attr-defined]
    path.write_bytes(text.encode())
    with _sizes(read_bytes, block):
        streamed = extract_paths([path])
    assert _mentions(streamed.citations) == _mentions(extract_text(text, file="n.md"))


def test_a_cut_line_is_one_line_and_a_url_at_the_cut_stays_whole(tmp_path: Path) -> None:
    """A 20 KB line read in 2 KB blocks: each URL whole, each on line 2, the next line 3."""
    urls = [f"https://example.com/p/{i}/{'x' * (i % 50)}" for i in range(400)]
    line = "，".join(f"见{u}" for u in urls)
    path = tmp_path / "long.md"
    path.write_text(f"# H\n{line}\nhttps://example.com/after\n", encoding="utf-8")
    with _sizes(512, 2048):
        found = extract_paths([path]).citations
    assert [c.mention.cited for c in found] == [*urls, "https://example.com/after"]
    assert [c.mention.line for c in found] == [2] * 400 + [3]
    assert {c.mention.section for c in found} == {"H"}


def test_an_arxiv_id_across_a_cut_is_found_once(tmp_path: Path) -> None:
    """`arXiv：` ends one piece (the full-width colon is where the line is cut) and the number
    starts the next: the identifier is still cited once, whole."""
    head = "字" * 1500 + "arXiv："
    path = tmp_path / "cut.md"
    path.write_text(head + "2312.00752" + "x" * 3000 + "\n", encoding="utf-8")
    with _sizes(64, len(head)):
        found = extract_paths([path]).citations
    assert [(c.mention.cited, c.mention.line) for c in found] == [("arXiv：2312.00752", 1)]
