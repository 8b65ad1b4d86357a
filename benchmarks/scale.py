#!/usr/bin/env python3
"""How the commands scale: synthetic notes with 1k, 10k and 100k unique links, and a 200 MB note.

    python benchmarks/scale.py [--sizes 1000,10000,100000] [--big-mb 200] [--keep DIR]

Each size gets its own folder of notes and a new catalogue; every command runs as a user runs it
(the `paperindex` script, a fresh process, offline) and is timed from the outside: wall time
and the command's own peak RSS (GNU time's `%M`).  Commands: `extract` (first run, then again with
nothing changed), `refresh --offline`, `bib`, `reading-list`, `build`.  Then the growth exponent
from 10k to 100k links, `log10(t(100k) / t(10k))`, of the wall time and of the wall time less the
interpreter's start-up (`paperindex --version`, measured here), which a fixed cost would
otherwise flatter.  Every command runs with its bytecode cached, as an installed package has it
(in a folder of this run's own, `PYTHONPYCACHEPREFIX`, filled by a warm-up of every command on
200 links; with PYTHONDONTWRITEBYTECODE set, paperindex would compile its source on every run).

The notes: Markdown files of 5,000 lines in chat-digest form (headings, `D:`/`Q1:` threads,
replies, CJK text around the links).  Half the links are arXiv papers, cited in their five forms
(`arxiv.org/abs/ID`, `arxiv.org/pdf/IDv2`, `arXiv:ID`, `huggingface.co/papers/ID`,
`alphaxiv.org/abs/ID`); the rest GitHub repositories, Hugging Face datasets and models, posts
from eight accounts (whose keys collide: `acct2023tweet`, `acct2023tweeta`, …), YouTube and
bilibili videos, blog posts, and pages whose key bases collide (`docs.example.com/v1/…/intro`).
Every line cites one new link, and every other line also cites an earlier one again, so a
catalogue of N links holds about 1.5 N mentions.  The 200 MB note is the 100k links' lines with
link-free chat lines between them, in one file.
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from _measure import PYCACHE, spawn  # beside this script

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "paperindex"

_ACCOUNTS = ("karpathy", "ylecun", "tydsh", "_akhaliq", "francisyao", "srush_nlp", "jxmnop", "ai")
_TWITTER_EPOCH_MS = 1288834974657
_WORDS = (
    "我们 发现 这个 方法 在 长文本 上 效果 很好 但是 训练 成本 比较 高 大家 怎么 看 可以 参考 "
    "一下 实验 结果 模型 数据 评测 对齐 推理 显存 量化 微调 预训练 scaling law attention "
    "context window RLHF benchmark MoE token the results look solid, see also the ablation"
).split()
_FILLER = (
    "A：同意，这个问题之前讨论过，关键还是数据质量和评测方法，不过最近的结果确实更稳定一些。",
    "F2: I think the main issue is evaluation; the numbers are close and the variance is large.",
    "研究员3：补充一点，显存占用主要在 KV cache，长上下文下尤其明显，量化以后会好很多。",
    "plain continuation line with no link at all, only words about training and inference.",
)


def _arxiv_id(i: int) -> str:
    year, rest = divmod(i, 12 * 30000)
    month, number = divmod(rest, 30000)
    return f"{15 + year % 10:02d}{month + 1:02d}.{number + 1:05d}"


def _tweet_id(rng: random.Random) -> str:
    year = rng.choice((2021, 2022, 2023, 2024))
    start = int(time.mktime((year, 1, 1, 0, 0, 0, 0, 0, 0)) * 1000) - _TWITTER_EPOCH_MS
    ms = start + rng.randrange(360 * 86400 * 1000)
    return str((ms << 22) + rng.randrange(1 << 22))


def link_text(i: int, rng: random.Random) -> str:
    """The i-th unique link as the notes cite it (a URL, an identifier or a Markdown link)."""
    r = i % 20
    if r < 10:  # arXiv, five forms
        ident = _arxiv_id(i)
        form = (i // 20) % 5
        return (
            f"https://arxiv.org/abs/{ident}",
            f"https://arxiv.org/pdf/{ident}v2",
            f"arXiv:{ident}",
            f"[论文](https://huggingface.co/papers/{ident})",
            f"https://www.alphaxiv.org/abs/{ident}",
        )[form]
    if r < 12:
        return f"https://github.com/org{i % 997}/repo-{i}"
    if r == 12:
        kind = "datasets/" if i % 40 < 20 else ""
        return f"https://huggingface.co/{kind}team{i % 313}/set-{i}"
    if r < 15:
        return f"https://x.com/{_ACCOUNTS[i % len(_ACCOUNTS)]}/status/{_tweet_id(rng)}?s=20"
    if r == 15:
        if i % 40 < 20:
            return f"https://www.youtube.com/watch?v=v{i:010d}"
        return f"https://www.bilibili.com/video/BV{i:010d}"
    if r == 16:
        return f"https://zhuanlan.zhihu.com/p/{600000000 + i}"
    if r == 17:
        return f"[博客](https://blog{i % 50}.example.org/posts/{i}-notes-on-training/)"
    return f"https://docs.example{i % 7}.com/v{i}/guide/intro"


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words))


def note_lines(n: int, seed: int = 1) -> Iterator[str]:
    """The lines of the notes citing `n` unique links, in order."""
    rng = random.Random(seed)
    cited: list[str] = []
    for i in range(n):
        if i % 400 == 0:
            yield f"\n## 第 {i // 400 + 1} 次讨论：{_sentence(rng, 3)}\n"
        link = link_text(i, rng)
        cited.append(link)
        opener = ("D: ", "Q1：", "A: ", "F1：", "研究员2：", "")[i % 6]
        line = f"{opener}{_sentence(rng, 6)} {link}，{_sentence(rng, 5)}"
        if i % 2:
            line += f" 另见 {cited[rng.randrange(len(cited))]} 。"
        yield line + "\n"


def write_notes(n: int, folder: Path, lines_per_file: int = 5000) -> int:
    """The notes for `n` links as Markdown files in `folder`; returns their size in bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    size = 0
    out = None
    for count, line in enumerate(note_lines(n)):
        if count % lines_per_file == 0:
            if out is not None:
                out.close()
            out = (folder / f"notes-{count // lines_per_file:04d}.md").open("w", encoding="utf-8")
        assert out is not None
        out.write(line)
        size += len(line.encode("utf-8"))
    if out is not None:
        out.close()
    return size


def write_big_note(n: int, path: Path, mb: float) -> int:
    """One file of about `mb` MB: the lines citing `n` links, link-free chat lines between."""
    lines = list(note_lines(n))
    linked = sum(len(line.encode("utf-8")) for line in lines)
    filler = [(f + "\n").encode("utf-8") for f in _FILLER]
    per_filler = sum(map(len, filler)) / len(filler)
    between = max(0, int((mb * 1e6 - linked) / per_filler / max(1, len(lines))))
    size = 0
    with path.open("wb") as out:
        for k, line in enumerate(lines):
            data = line.encode("utf-8")
            out.write(data)
            size += len(data)
            for j in range(between):
                chunk = filler[(k + j) % len(filler)]
                out.write(chunk)
                size += len(chunk)
    return size


@dataclass
class Measure:
    seconds: float
    rss_mb: float
    status: int
    stderr: str


def run(args: Sequence[str], cwd: Path) -> Measure:
    """`args` in a fresh process: wall time, its own peak RSS, exit status, what it said."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        status, rss_mb = spawn(list(args), cwd, subprocess.DEVNULL, err)
        seconds = time.perf_counter() - start
        err.seek(0)
        said = err.read().decode("utf-8", "replace")
    return Measure(seconds, rss_mb, status, said)


COMMANDS: dict[str, list[str]] = {
    "extract": ["extract", "notes"],
    "extract again": ["extract", "notes"],
    "refresh --offline": ["refresh", "--offline"],
    "bib": ["bib", "-o", "references.bib"],
    "reading-list": ["reading-list", "-o", "READING_LIST.md"],
    "build": ["build", "--out", "out"],
}


def measure_size(n: int, work: Path, best_of: int) -> dict[str, Measure]:
    """Every command on the notes of `n` links (the best of `best_of` runs of each, the
    first extract always on a new catalogue)."""
    notes = work / "notes"
    mb = write_notes(n, notes) / 1e6
    print(f"N = {n:,} links: {mb:.1f} MB of notes in {len(list(notes.iterdir()))} files")
    found: dict[str, Measure] = {}
    for name, args in COMMANDS.items():
        best: Measure | None = None
        for _ in range(best_of):
            if name == "extract":
                shutil.rmtree(work / "data", ignore_errors=True)
            m = run([str(BIN), *args], work)
            if m.status != 0:
                raise SystemExit(f"{name} failed ({m.status}):\n{m.stderr}")
            if best is None or m.seconds < best.seconds:
                best = m
        assert best is not None
        found[name] = best
        print(f"  {name:<18} {best.seconds:7.2f} s {best.rss_mb:7.0f} MB")
    return found


def exponent(small: float, large: float, ratio: float) -> float:
    return math.log(large / small) / math.log(ratio) if small > 0 and large > 0 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--big-mb", type=float, default=200.0, help="0: no big note")
    parser.add_argument("--best-of", type=int, default=1, help="runs per command (best kept)")
    parser.add_argument("--keep", type=Path, help="build the notes and catalogues here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    base = args.keep or Path(tempfile.mkdtemp(prefix="paperindex-scale-"))
    try:
        warm = base / "warm-up"
        write_notes(200, warm / "notes")
        for name, command in COMMANDS.items():  # fills the bytecode cache (see ENV)
            m = run([str(BIN), *command], warm)
            if m.status != 0:
                raise SystemExit(f"warm-up {name} failed ({m.status}):\n{m.stderr}")
        shutil.rmtree(warm, ignore_errors=True)
        start = min(run([str(BIN), "--version"], ROOT).seconds for _ in range(5))
        print(f"start-up (paperindex --version): {start:.3f} s")
        results = {n: measure_size(n, base / f"n{n}", args.best_of) for n in sizes}
        if args.big_mb:
            work = base / "big"
            (work / "notes").mkdir(parents=True, exist_ok=True)
            n = max(sizes)
            mb = write_big_note(n, work / "notes" / "digest.md", args.big_mb) / 1e6
            print(f"one note of {mb:.0f} MB ({n:,} links, link-free lines between)")
            for name in ("extract", "extract again"):
                m = run([str(BIN), *COMMANDS[name]], work)
                if m.status != 0:
                    raise SystemExit(f"{name} failed ({m.status}):\n{m.stderr}")
                speed = f"{mb / m.seconds:.0f} MB/s"
                print(f"  {name:<18} {m.seconds:7.2f} s {m.rss_mb:7.0f} MB ({speed})")
        print()
        header = " | ".join(f"{n:,} links" for n in sizes)
        print(f"| command | {header} | exponent 10k→100k (net of start-up) |")
        print("|---|" + "---|" * len(sizes) + "---|")
        for name in COMMANDS:
            cells = [f"{results[n][name].seconds:.2f} s, {results[n][name].rss_mb:.0f} MB"
                     for n in sizes]  # fmt: skip
            growth = ""
            if 10_000 in results and 100_000 in results:
                a, b = results[10_000][name].seconds, results[100_000][name].seconds
                growth = f"{exponent(a, b, 10):.2f} ({exponent(a - start, b - start, 10):.2f})"
            print(f"| {name} | " + " | ".join(cells) + f" | {growth} |")
    finally:
        shutil.rmtree(PYCACHE, ignore_errors=True)
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
