"""What the benchmarks share: commands run as an installed package runs them, and their peak RSS.

Imported by the scripts beside it (`python benchmarks/NAME.py` puts this folder on the path).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

TIME = Path("/usr/bin/time")
PYCACHE = Path(tempfile.mkdtemp(prefix="paperindex-bench-pycache-"))
"""A bytecode cache of the run's own (remove it when done: `shutil.rmtree(PYCACHE)`)."""
ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "PYTHONPYCACHEPREFIX": str(PYCACHE),
}
"""Every command runs with its bytecode cached, as an installed package has it (pip compiles
linkify-it-py and urlextract on install; an editable paperindex caches on its first run, here in
`PYCACHE`, filled by a warm-up run).  With PYTHONDONTWRITEBYTECODE set, as on this machine,
paperindex alone would compile its source on every run (0.05-0.1 s)."""


def spawn(args: list[str], cwd: Path, out: Any, err: Any) -> tuple[int, float]:
    """Run `args` (with `ENV`): (exit status, its peak RSS in MB).

    Linux keeps, as a process's peak RSS, that of the image it replaced: a child forked from
    this (large) process would report ours.  GNU time, small, forks the command and reports its
    own child's (the largest process of the command); without it, wait4 is the fallback (an
    overestimate).
    """
    if TIME.exists():
        with tempfile.NamedTemporaryFile("r") as peak:
            code = subprocess.call(
                [str(TIME), "-f", "%M", "-o", peak.name, *args],
                cwd=cwd, stdout=out, stderr=err, env=ENV,
            )  # fmt: skip
            return code, int(peak.read().split()[-1]) / 1024
    proc = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=err, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024


STAGE_TIMER = """
gc.set_threshold(100_000, 50, 100)  # as the CLI sets it
times = {"imports": time.perf_counter() - t0}
def stage(name, start=[time.perf_counter()]):
    now = time.perf_counter()
    times[name] = now - start[0]
    start[0] = now
"""
"""The lines a timed script (run by `python -c`) has after its imports, which need `gc` and `time`
imported and `t0` taken first: `stage(name)` records in `times` the seconds since the last stage
(the first: since these lines), `times["imports"]` those before them."""
