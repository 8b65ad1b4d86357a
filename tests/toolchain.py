"""Run a .bib through the programs that consume it, and collect every warning and error.

Each function returns a list of problems (empty when the consumer is happy); a missing binary
makes the calling test skip with the reason.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

LATEX = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error"]
# The document's own substitution for the CJK font's missing italic shape, so the log speaks
# only of the bibliography.
CJK_ITALIC = (
    r"\makeatletter\input{c70gbsn.fd}\makeatother"
    r"\DeclareFontShape{C70}{gbsn}{m}{it}{<->ssub*gbsn/m/n}{}"
    r"\DeclareFontShape{C70}{gbsn}{bx}{it}{<->ssub*gbsn/bx/n}{}"
)


def need(*binaries: str) -> None:
    missing = [b for b in binaries if shutil.which(b) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (.ci/run installs them with apt-get)")


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=180, errors="replace"
    )


def _latex_problems(log: Path) -> list[str]:
    text = log.read_text(encoding="utf-8", errors="replace")
    return [
        line
        for line in text.splitlines()
        if line.startswith("!") or re.search(r"Warning|Undefined control sequence", line)
    ]


def bibtex_problems(bib: str, workdir: Path, style: str) -> list[str]:
    """pdflatex + bibtex with `style` (plain, plainnat) and \\nocite{*}: .blg and .log read."""
    need("pdflatex", "bibtex")
    (workdir / "refs.bib").write_text(bib, encoding="utf-8")
    natbib = r"\usepackage{natbib}" if style.endswith("nat") else ""
    (workdir / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{url}\n"
        f"{natbib}\n\\begin{{document}}\n\\nocite{{*}}\n\\bibliographystyle{{{style}}}\n"
        "\\bibliography{refs}\n\\end{document}\n",
        encoding="utf-8",
    )
    return _cycle(
        workdir,
        "bibtex",
        lambda line: bool(re.search(r"warning|error", line, re.I)) and "warning$ -- 0" not in line,
    )


def _cycle(workdir: Path, tool: str, is_problem: Callable[[str], bool]) -> list[str]:
    """pdflatex, `tool doc`, pdflatex twice: problems from the tool's .blg and LaTeX's .log."""
    first = _run([*LATEX, "doc.tex"], workdir)
    if first.returncode:
        return [f"pdflatex failed: {first.stdout[-2000:]}"]
    run = _run([tool, "doc"], workdir)
    blg = (workdir / "doc.blg").read_text(encoding="utf-8", errors="replace")
    problems = [line for line in blg.splitlines() if is_problem(line)]
    if run.returncode:
        problems.append(f"{tool} exit {run.returncode}: {run.stdout[-1000:]}")
    for _ in range(2):
        final = _run([*LATEX, "doc.tex"], workdir)
    if final.returncode:
        problems.append(f"pdflatex failed: {final.stdout[-2000:]}")
    return problems + _latex_problems(workdir / "doc.log")


def biber_problems(bib: str, workdir: Path) -> list[str]:
    """pdflatex + biblatex + biber (CJKutf8 for Chinese text): biber's .blg and the .log read."""
    need("pdflatex", "biber")
    (workdir / "refs.bib").write_text(bib, encoding="utf-8")
    (workdir / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{CJKutf8}\n"
        f"{CJK_ITALIC}\n"
        "\\usepackage[backend=biber]{biblatex}\n\\addbibresource{refs.bib}\n"
        "\\begin{document}\n\\begin{CJK}{UTF8}{gbsn}\n\\nocite{*}\n\\printbibliography\n"
        "\\end{CJK}\n\\end{document}\n",
        encoding="utf-8",
    )
    return _cycle(workdir, "biber", lambda line: bool(re.search(r"\b(WARN|ERROR)\b", line)))


def pandoc_problems(bib: str, workdir: Path) -> list[str]:
    """pandoc --citeproc --fail-if-warnings on Markdown that cites everything."""
    need("pandoc")
    (workdir / "refs.bib").write_text(bib, encoding="utf-8")
    (workdir / "doc.md").write_text("---\nnocite: '@*'\n---\n\n# References\n", encoding="utf-8")
    run = _run(
        [
            "pandoc",
            "--citeproc",
            "--fail-if-warnings",
            "--bibliography=refs.bib",
            "doc.md",
            "-o",
            "doc.html",
        ],
        workdir,
    )
    problems = [line for line in run.stderr.splitlines() if line.strip()]
    if run.returncode:
        problems.append(f"pandoc exit {run.returncode}")
    return problems


def roundtrip_problems(bib: str) -> list[str]:
    """bibtexparser parses it back with no failed block."""
    import bibtexparser

    library = bibtexparser.parse_string(bib)
    return [f"failed block: {b.raw[:200]!r}" for b in library.failed_blocks]
