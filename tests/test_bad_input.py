"""Bad and hostile input: encodings, binary, empty and huge files, regex-killer text."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from paperindex.cli import main
from paperindex.extract import extract_paths, extract_text

from .conftest import PEAK_MB

LINE = "研究员1：评测集（https://github.com/OpenBMB/InfiniteBench），见arXiv:2312.00752。\n"


def test_gb18030_notes_are_decoded_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "gbk.md"
    path.write_bytes(("## 标题\n" + LINE).encode("gb18030"))
    result = extract_paths([path])
    (report,) = result.files
    assert report.encoding == "gb18030" and "GB18030" in report.warnings[0]
    assert [c.mention.cited for c in result.citations] == [
        "https://github.com/OpenBMB/InfiniteBench",
        "arXiv:2312.00752",
    ]
    assert result.citations[0].mention.section == "标题"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_notes_saved_as_utf16_or_utf32_with_a_bom_are_text_not_binary(
    tmp_path: Path, codec: str
) -> None:
    """Windows Notepad's "Unicode" is UTF-16 with a BOM: its NUL bytes once made it binary."""
    path = tmp_path / "windows.txt"
    text = ("## 标题\r\n" + LINE.replace("\n", "\r\n")) * 3
    bom = {"utf-16-be": b"\xfe\xff"}.get(codec, b"")
    path.write_bytes(bom + text.encode(codec))
    result = extract_paths([path])
    (report,) = result.files
    assert (report.skipped, report.encoding, report.warnings) == ("", codec[:6], [])
    assert [c.mention.cited for c in result.citations] == [
        "https://github.com/OpenBMB/InfiniteBench",
        "arXiv:2312.00752",
    ] * 3
    assert [c.mention.line for c in result.citations] == [2, 2, 4, 4, 6, 6]
    assert result.citations[0].mention.section == "标题"


def test_a_utf16_note_with_a_broken_tail_keeps_its_links_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "cut.txt"
    path.write_bytes(("x " + LINE).encode("utf-16") + b"\x00")  # an odd byte at the end
    result = extract_paths([path])
    (report,) = result.files
    assert report.warnings == ["not valid UTF-16: undecodable bytes replaced"]
    assert len(result.citations) == 2


def test_invalid_utf8_keeps_every_valid_link_and_says_how_many_bytes_were_bad(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(LINE.encode() + b"\xff\xfe broken \xc3\n" + b"https://example.com/after\n")
    result = extract_paths([path])
    (report,) = result.files
    assert report.encoding == "utf-8"
    assert report.warnings == ["not valid UTF-8: 3 undecodable byte(s) replaced with U+FFFD"]
    assert [c.mention.cited for c in result.citations] == [
        "https://github.com/OpenBMB/InfiniteBench",
        "arXiv:2312.00752",
        "https://example.com/after",
    ]


def test_utf8_bom_is_not_part_of_the_first_line(tmp_path: Path) -> None:
    path = tmp_path / "bom.md"
    path.write_bytes(b"\xef\xbb\xbf# Heading\nhttps://example.com/x\n")
    (c,) = extract_paths([path]).citations
    assert c.mention.section == "Heading"


def test_directories_skip_binary_and_hidden_files_and_report_them(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "sub" / "b.md").write_text("https://example.com/b\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("https://example.com/a\n", encoding="utf-8")
    (tmp_path / "img.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00https://example.com/no")
    (tmp_path / ".secret.md").write_text("https://example.com/s\n", encoding="utf-8")
    (tmp_path / ".hidden" / "c.md").write_text("https://example.com/c\n", encoding="utf-8")
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "data.csv").write_text("https://example.com/csv\n", encoding="utf-8")
    result = extract_paths([tmp_path])
    assert [(f.path, f.skipped, f.citations) for f in result.files] == [
        (".hidden/c.md", "hidden", 0),
        (".secret.md", "hidden", 0),
        ("a.txt", "", 1),
        ("empty.md", "", 0),
        ("img.md", "binary (NUL bytes)", 0),
        ("sub/b.md", "", 1),
    ]
    assert [c.mention.file for c in result.citations] == ["a.txt", "sub/b.md"]


def test_cli_reports_skips_and_refuses_missing_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bin.md").write_bytes(b"\x00\x01\x02")
    out = tmp_path / "links.csv"
    assert (
        main(
            ["extract", str(tmp_path), "--catalogue", str(out), "--store", str(tmp_path / "s.json")]
        )
        == 1  # no note could be read: nothing to do is not success
    )
    assert "skipped ./bin.md: binary (NUL bytes)" in capsys.readouterr().err
    assert main(["extract", str(tmp_path / "nope.md"), "--catalogue", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no such file or directory" in err and "nope.md" in err


def test_empty_text() -> None:
    assert extract_text("") == []


def _cpu_seconds(fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("100k open parens", lambda n: "(" * n),
        ("one huge URL", lambda n: "https://example.com/" + "a" * n),
        ("repeated schemes", lambda n: "http://" * (n // 7)),
        ("URL of open parens", lambda n: "https://example.com/" + "(" * n),
        ("URL of close parens", lambda n: "https://example.com/a" + ")" * n),
        ("open brackets", lambda n: "[" * n),
        ("markdown label soup", lambda n: "[a](" * (n // 4)),
        ("trailing dots", lambda n: "https://example.com/a" + "." * n),
        ("repeated www", lambda n: "www." * (n // 4)),
        ("repeated arXiv prefixes", lambda n: "arXiv:" * (n // 6)),
        ("repeated dois", lambda n: "doi:10.1234/" * (n // 12)),
        ("heading hashes", lambda n: "# " * (n // 2)),
        ("URLs glued by close parens", lambda n: "https://a.com/x)" * (n // 16)),
        ("one line of many URLs", lambda n: "see https://a.com/x " * (n // 20)),
        ("thread openers", lambda n: "D：https://a.com/q\n" * (n // 18)),
        # a failed DOI used to leave the scan where it was: 61 s for 256 KB
        ("failed DOIs", lambda n: "doi:10.1234/%20," * (n // 16)),
        # `www.` starts sharing one host part: each used to re-read the rest of it
        ("www. before an @", lambda n: "www.@;" * (n // 6)),
        ("www. glued by close parens", lambda n: "www.)" * (n // 5)),
    ],
)
def test_pathological_text_is_linear(name: str, make: Callable[[int], str]) -> None:
    """A naive URL regex backtracks on these; quadrupling the input must not square the time."""
    small, large = make(250_000), make(1_000_000)
    t_small = _cpu_seconds(lambda: extract_text(small))
    t_large = _cpu_seconds(lambda: extract_text(large))
    assert t_large < 2.0, f"{name}: {t_large:.2f}s for 1 MB"
    # linear: ~4x; quadratic would be ~16x.  Generous bound for timer noise on tiny times.
    assert t_large <= 8 * t_small + 0.05, f"{name}: {t_small:.3f}s -> {t_large:.3f}s"


def test_failed_dois_are_read_once() -> None:
    """Case 6 of the attack battery, small enough to run everywhere: 16 KB took 0.31 s and
    64 KB 4.2 s (a DOI that fails to identify did not advance the scan)."""
    small, large = "doi:10.1234/%20," * 1_000, "doi:10.1234/%20," * 4_000
    assert extract_text(large) == []
    t_small = _cpu_seconds(lambda: extract_text(small))
    t_large = _cpu_seconds(lambda: extract_text(large))
    assert t_large < 0.2, f"{t_large:.2f}s for 64 KB"
    assert t_large <= 8 * t_small + 0.02, f"{t_small:.3f}s -> {t_large:.3f}s"


def test_a_failed_doi_is_passed_over_and_the_scan_goes_on() -> None:
    assert [c.mention.cited for c in extract_text("doi:10.1234/a%20b https://a.com/x")] == [
        "https://a.com/x"
    ]


# The hostile shapes of the linear-time suite and the attack battery, and some normal text.
_SHAPES = (
    "(",
    "http://",
    "https://",
    "doi:10.1234/%20,",
    "doi:10.1234/",
    "arXiv:",
    "arXiv 2312.0075",
    "[x](",
    "[a][",
    "]: ",
    "https://a.com/x)",
    "www.",
    "www.@;",
    "@",
    ".",
    ")",
    "，",
    "。",
    "（",
    "研究",
    " ",
    "\n",
    "D：",
    "# ",
    '<a href="',
    "hep-th/",
    "9901001",
)


def _hostile_mix(size: int, seed: int) -> str:
    """`size` characters of runs of random hostile shapes (a run repeats one shape)."""
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size:
        shape = rng.choice(_SHAPES)
        run = shape * rng.choice((1, 2, 5, 50, 500, 5_000))
        parts.append(run)
        total += len(run)
    return "".join(parts)[:size]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_mixes_of_hostile_shapes_are_linear(seed: int) -> None:
    """Fuzzing the scanner with the known hostile shapes glued in random runs: 4 MB must take
    at most 5x the time of 1 MB (quadratic would be 16x).  The 4 MB are the 1 MB four times
    over, so both hold the same shapes in the same proportions and only the length differs."""
    small = _hostile_mix(1_000_000, seed)
    large = small * 4
    t_small = _cpu_seconds(lambda: extract_text(small))
    t_large = _cpu_seconds(lambda: extract_text(large))
    assert t_large <= 5 * t_small + 0.05, f"seed {seed}: {t_small:.3f}s -> {t_large:.3f}s"


def test_a_nul_anywhere_makes_a_file_binary_and_drops_its_citations(tmp_path: Path) -> None:
    """Case 7: only the first 8 KB used to be checked, so this was read as text."""
    path = tmp_path / "late-nul.md"
    text = (LINE * 200).encode()  # 16 KB of text with links
    path.write_bytes(text + b"https://example.com/tail " * 80_000 + b"\x00" + b"more\n")
    result = extract_paths([tmp_path])
    (report,) = result.files
    assert (report.skipped, report.citations) == ("binary (NUL bytes)", 0)
    assert result.citations == []
    assert not report.error  # binary in a folder is policy, not an error


def test_a_binary_file_named_directly_gets_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(b"https://example.com/x\n\x00")
    (report,) = extract_paths([path]).files
    assert report.skipped == "binary (NUL bytes)"
    assert report.warnings == ["named as a note, but it is not text"]
    assert not report.error


def test_1gb_file_with_nuls_after_8kb_is_binary_at_once(tmp_path: Path) -> None:
    """Case 7: a 1 GB file with 8 KB of text before its NULs was read as text (2.1 GB RSS,
    43 s).  Sparse, so it costs no disk; the first chunk read shows the NULs."""
    path = tmp_path / "huge.md"
    with path.open("wb") as f:
        f.write(LINE.encode() * 100)  # 8 KB
        f.truncate(1 << 30)
    probe = PEAK_MB + (
        "import sys\n"
        "from paperindex.extract import extract_paths\n"
        "base = peak_mb()\n"
        "r = extract_paths([sys.argv[1]])\n"
        "print(r.files[0].skipped, len(r.citations), peak_mb() - base, sep='|')\n"
    )
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", probe, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=20,
    )
    skipped, count, grown_mb = out.stdout.strip().split("|")
    assert (skipped, count) == ("binary (NUL bytes)", "0")
    assert int(grown_mb) < 20 and time.perf_counter() - start < 10


@pytest.mark.slow
def test_200mb_single_line_note_in_bounded_memory(tmp_path: Path) -> None:
    """Case 7: a 200 MB note with no newline peaked at 561 MB (one line was one string).  Now
    it is read in chunks and cut into pieces: the whole process stays under 100 MB."""
    path = tmp_path / "one-line.md"
    filler = "这是一段没有换行的很长的笔记 with some English words, 和标点。" * 1_700  # ~100 KB
    links = 0
    with path.open("w", encoding="utf-8") as f:
        written = 0
        while written < 200_000_000:
            block = f"{filler}见https://example.com/p/{links}）"
            f.write(block)
            written += len(block.encode())
            links += 1
    probe = PEAK_MB + (
        "import sys\n"
        "from paperindex.extract import extract_paths\n"
        "r = extract_paths([sys.argv[1]])\n"
        "lines = {c.mention.line for c in r.citations}\n"
        "last = r.citations[-1].mention.cited\n"
        "print(len(r.citations), sorted(lines), last, peak_mb(), sep='|')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    count, lines, last, peak_mb = out.stdout.strip().split("|")
    assert int(count) == links and lines == "[1]"
    assert last == f"https://example.com/p/{links - 1}"
    assert int(peak_mb) < 100, f"peak RSS {peak_mb} MB reading a 200 MB single-line note"


@pytest.mark.slow
def test_50mb_file_in_bounded_memory(tmp_path: Path) -> None:
    """A 50 MB note is streamed: peak memory stays far below what holding it would take."""
    path = tmp_path / "big.md"
    filler = "这是一段没有链接的很长的中文笔记内容，用来测试内存是否有界。" * 3 + "\n"
    with path.open("w", encoding="utf-8") as f:
        written = 0
        i = 0
        while written < 50_000_000:
            block = filler * 50 + f"第{i}条 https://example.com/p/{i}）\n"
            f.write(block)
            written += len(block.encode())
            i += 1
    probe = PEAK_MB + (
        "import sys\n"
        "from paperindex.extract import extract_paths\n"
        "base = peak_mb()\n"
        "r = extract_paths([sys.argv[1]])\n"
        "print(len(r.citations), peak_mb() - base)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    count, grown_mb = map(int, out.stdout.split())
    assert count == i
    # The text alone is ~50 MB as UTF-8 and ~70 MB as a Python str; streaming keeps growth small.
    assert grown_mb < 40, f"memory grew by {grown_mb} MB while reading a 50 MB file"


def test_damaged_utf8_chinese_stays_utf8_and_keeps_every_link(tmp_path: Path) -> None:
    path = tmp_path / "damaged.md"
    text = ("## 标题\n" + LINE) * 20
    data = text.encode("utf-8")
    start_of_line_2 = len("## 标题\n".encode())
    damaged = data[:start_of_line_2] + b"\xa1" + data[start_of_line_2:]
    path.write_bytes(damaged)
    result = extract_paths([path])
    (report,) = result.files
    assert report.encoding == "utf-8"
    assert report.warnings == ["not valid UTF-8: 1 undecodable byte(s) replaced with U+FFFD"]
    assert len(result.citations) == 40 and result.citations[-1].mention.section == "标题"
