"""Run a .bib through the programs that consume it, and collect every warning and error.

Each function returns a list of problems (empty when the consumer is happy); a missing binary
makes the calling test skip with the reason.  Every pdflatex run records the files it opens
(`-recorder`): reading a file outside TeX's own trees and the build folder, writing one outside
the build folder (or one there that is not the job's own), or running a shell command is a
problem too, so a bibliography that smuggles `\\input{/etc/passwd}` or `\\openout` fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path

import pytest

LATEX = ["pdflatex", "-recorder", "-interaction=nonstopmode", "-halt-on-error"]
# What a LaTeX run of the job may write (biblatex adds .bcf and .run.xml).
JOB_FILES = (".aux", ".log", ".pdf", ".out", ".toc", ".bcf", ".run.xml", "-blx.bib")
# TeX's own trees, as the brief names them; kpsewhich adds the ones this installation uses.
TEX_TREES = ("/usr/share/texlive", "/usr/share/texmf", "/var/lib/texmf", "/etc/texmf")
_KPSE_TREES = (
    "TEXMFROOT TEXMFDIST TEXMFMAIN TEXMFLOCAL TEXMFSYSVAR TEXMFSYSCONFIG TEXMFVAR TEXMFCONFIG "
    "TEXMFCNF"
).split()
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


# TeX's errors start "! " and its warnings name who warns; a line of a box dump (an overfull
# line's text, wrapped at 79 columns) may start with "!" or hold "Warning" as typeset text.
_LATEX_PROBLEM = re.compile(r"! |(?:LaTeX|Package \S+|Class \S+)(?: Font)? Warning")


def _latex_problems(log: Path) -> list[str]:
    text = log.read_text(encoding="utf-8", errors="replace")
    return [line for line in text.splitlines() if _LATEX_PROBLEM.match(line)]


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


@lru_cache(maxsize=1)
def tex_trees() -> tuple[Path, ...]:
    """Folders TeX reads its own files from: the fixed ones and what kpsewhich reports."""
    roots = {Path(t) for t in TEX_TREES}
    if shutil.which("kpsewhich"):
        for var in _KPSE_TREES:
            value = _run(["kpsewhich", f"-var-value={var}"], Path.cwd()).stdout.strip()
            roots.update(Path(v) for v in re.split(r"[:;]", value) if v.startswith("/"))
    return tuple(sorted(roots | {r.resolve() for r in roots}))


def recorder_problems(workdir: Path, job: str = "doc") -> list[str]:
    """Files the last pdflatex run of `job` read or wrote that it had no business with (its
    `-recorder` .fls file), and any shell command it ran (its .log)."""
    fls = workdir / f"{job}.fls"
    if not fls.exists():
        return [f"{fls.name} missing: pdflatex did not run with -recorder"]
    build = workdir.resolve()
    trees = tex_trees()
    own = {job + suffix for suffix in JOB_FILES}
    pwd = build
    problems = []
    for line in fls.read_text(encoding="utf-8", errors="replace").splitlines():
        kind, _, name = line.partition(" ")
        if kind == "PWD":
            pwd = Path(name)
            continue
        path = Path(os.path.normpath(pwd / name))
        real = path.resolve()
        in_build = real.is_relative_to(build)
        if kind == "OUTPUT" and not (in_build and real.name in own):
            problems.append(f"pdflatex wrote {name}")
        elif kind == "INPUT" and not in_build:
            if not any(path.is_relative_to(t) or real.is_relative_to(t) for t in trees):
                problems.append(f"pdflatex read {name}")
    log = workdir / f"{job}.log"
    if log.exists():
        text = log.read_text(encoding="utf-8", errors="replace")
        problems += [f"pdflatex ran {m}" for m in re.findall(r"runsystem\([^\n]*", text)]
    return problems


def _cycle(workdir: Path, tool: str, is_problem: Callable[[str], bool]) -> list[str]:
    """pdflatex, `tool doc`, pdflatex twice: problems from the tool's .blg, LaTeX's .log and
    every pdflatex run's record of the files it opened."""
    first = _run([*LATEX, "doc.tex"], workdir)
    problems = recorder_problems(workdir)
    if first.returncode:
        return [*problems, f"pdflatex failed: {first.stdout[-2000:]}"]
    run = _run([tool, "doc"], workdir)
    blg = (workdir / "doc.blg").read_text(encoding="utf-8", errors="replace")
    problems += [line for line in blg.splitlines() if is_problem(line)]
    if run.returncode:
        problems.append(f"{tool} exit {run.returncode}: {run.stdout[-1000:]}")
    for _ in range(2):
        final = _run([*LATEX, "doc.tex"], workdir)
        problems += recorder_problems(workdir)
    if final.returncode:
        problems.append(f"pdflatex failed: {final.stdout[-2000:]}")
    return problems + _latex_problems(workdir / "doc.log")


def document_problems(body: str, workdir: Path) -> list[str]:
    """One pdflatex run of `body` in a plain article (utf8, OT1): its errors and warnings."""
    need("pdflatex")
    (workdir / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\begin{document}\n"
        f"{body}\n\\end{{document}}\n",
        encoding="utf-8",
    )
    run = _run([*LATEX, "doc.tex"], workdir)
    problems = recorder_problems(workdir) + _latex_problems(workdir / "doc.log")
    if run.returncode:
        problems.append(f"pdflatex failed: {run.stdout[-2000:]}")
    return problems


def biber_problems(bib: str, workdir: Path, hyperref: bool = False) -> list[str]:
    """pdflatex + biblatex + biber (CJKutf8 for Chinese text; hyperref if asked, whose `\\url`
    is stricter inside arguments): biber's .blg and the .log read."""
    need("pdflatex", "biber")
    (workdir / "refs.bib").write_text(bib, encoding="utf-8")
    hyper = "\\usepackage{hyperref}\n" if hyperref else ""
    (workdir / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{CJKutf8}\n"
        f"{CJK_ITALIC}\n"
        f"\\usepackage[backend=biber]{{biblatex}}\n{hyper}\\addbibresource{{refs.bib}}\n"
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
    return [f"failed block: {(b.raw or '')[:200]!r}" for b in library.failed_blocks]


# --- many .bst styles in one pdflatex run ------------------------------------------------------

BST_STYLES = (
    "plain",
    "unsrt",
    "alpha",
    "plainnat",
    "unsrtnat",
    "abbrvnat",
    "IEEEtran",
    "ACM-Reference-Format",
)
"""The .bst styles the tests drive (texlive-base, texlive-latex-base, texlive-publishers)."""


def need_files(*names: str) -> None:
    """Skip unless kpsewhich finds every TeX file named (a .bst, a .csl, a package)."""
    need("kpsewhich")
    missing = [n for n in names if not kpse(n)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not found by kpsewhich (.ci/run installs them)")


@cache
def kpse(name: str) -> str:
    """Where kpsewhich finds `name`, or ""."""
    if shutil.which("kpsewhich") is None:
        return ""
    return _run(["kpsewhich", name], Path.cwd()).stdout.strip()


def bst_problems(
    bib: str, workdir: Path, styles: tuple[str, ...] = BST_STYLES, hyperref: bool = False
) -> dict[str, list[str]]:
    """bibtex with each style on `\\nocite{*}` (an .aux per style, written here), then ONE
    pdflatex run that typesets every style's .bbl in turn (natbib and url loaded, `\\nofiles`
    so the same keys in several bibliographies are not "multiply defined"); problems by style:
    its .blg's warnings and errors, and the LaTeX warnings and errors met while its .bbl was
    being read.  Under "" are problems of the run as a whole (the -recorder check)."""
    need("pdflatex", "bibtex")
    need_files(*(f"{style}.bst" for style in styles))
    (workdir / "refs.bib").write_text(bib, encoding="utf-8")
    problems: dict[str, list[str]] = {"": []}
    for style in styles:
        (workdir / f"{style}.aux").write_text(
            f"\\relax\n\\citation{{*}}\n\\bibstyle{{{style}}}\n\\bibdata{{refs}}\n",
            encoding="utf-8",
        )
        run = _run(["bibtex", style], workdir)
        blg = (workdir / f"{style}.blg").read_text(encoding="utf-8", errors="replace")
        found = [
            line
            for line in blg.splitlines()
            if re.search(r"warning|error", line, re.I)
            and not re.search(r"warning\$ -- \d+$|There were \d+ warnings", line)
        ]
        if run.returncode:
            found.append(f"bibtex exit {run.returncode}: {run.stdout[-1000:]}")
        problems[style] = found
    hyper = "\\usepackage{hyperref}\n" if hyperref else ""
    body = "".join(f"\\begingroup\n\\input{{{style}.bbl}}\n\\endgroup\n" for style in styles)
    (workdir / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{url}\n"
        f"\\usepackage{{natbib}}\n{hyper}\\nofiles\n\\begin{{document}}\n{body}\\end{{document}}\n",
        encoding="utf-8",
    )
    run = _run([*LATEX, "doc.tex"], workdir)
    problems[""] += recorder_problems(workdir)
    if run.returncode:
        problems[""].append(f"pdflatex failed: {run.stdout[-2000:]}")
    style = ""
    log = (workdir / "doc.log").read_text(encoding="utf-8", errors="replace")
    opened = re.compile(r"\(\./(" + "|".join(re.escape(s) for s in styles) + r")\.bbl")
    for line in log.splitlines():
        for m in opened.finditer(line):
            style = m.group(1)
        if _LATEX_PROBLEM.match(line):
            problems[style].append(line)
    return problems


# --- CSL-JSON through pandoc -------------------------------------------------------------------


def pandoc_csl(
    data: str, workdir: Path, csl: str | None = None, suffix: str = ".json"
) -> tuple[list[str], dict[str, str]]:
    """pandoc --citeproc --fail-if-warnings on Markdown that cites everything in `data` (a
    CSL-JSON file, or a .bib with `suffix=".bib"`), with the `csl` style file (default:
    pandoc's Chicago author-date): its problems, and each entry's rendered text by key."""
    import html

    need("pandoc")
    bibliography = workdir / f"refs{suffix}"
    bibliography.write_text(data, encoding="utf-8")
    (workdir / "doc.md").write_text("---\nnocite: '@*'\n---\n\n# References\n", encoding="utf-8")
    args = ["pandoc", "--citeproc", "--fail-if-warnings", f"--bibliography={bibliography.name}"]
    if csl:
        args.append(f"--csl={csl}")
    run = _run([*args, "doc.md", "-t", "html"], workdir)
    problems = [line for line in run.stderr.splitlines() if line.strip()]
    if run.returncode:
        problems.append(f"pandoc exit {run.returncode}")
    entries = {}
    for chunk in run.stdout.split('<div id="ref-')[1:]:
        key, _, body = chunk.partition('"')
        text = re.sub(r"<[^>]+>", "", re.sub(r"</div>|<br ?/?>", " ", body.partition(">")[2]))
        entries[html.unescape(key)] = " ".join(html.unescape(text).split())
    return problems, entries


ACM_EXPECTED = re.compile(
    r"Warning--(empty (publisher|address|author) in |page numbers missing in both pages and "
    r"numpages fields in |no number and no volume in )\S+"
)
"""ACM-Reference-Format's warnings about fields no metadata source knows: a publisher and an
address for every proceedings paper, page numbers, a volume or number for a journal article, an
author for a page that names none.  Warnings, not errors: the entry is typeset without them."""


def bst_unexpected(problems: dict[str, list[str]]) -> list[str]:
    """Every problem of `bst_problems` but ACM's expected warnings, prefixed by its style."""
    return [
        f"{style or 'pdflatex'}: {p}"
        for style, found in problems.items()
        for p in found
        if not (style == "ACM-Reference-Format" and ACM_EXPECTED.fullmatch(p))
    ]
