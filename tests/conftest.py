"""Shared fixtures: the team's corpus and reference data, when `../shared` is beside the project."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from paperindex.testing.network import loopback_only

# The property tests draw the same examples on every run, so that a CI result is reproducible
# and a failure is the change's, not the draw's; `PAPERINDEX_HYPOTHESIS=explore` draws new ones
# (with `--hypothesis-seed=N`), which is how hostile inputs are hunted between changes: what a
# hunt finds becomes an explicit `@example`.
settings.register_profile("reproducible", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile(
    "explore" if os.environ.get("PAPERINDEX_HYPOTHESIS") == "explore" else "reproducible"
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "research-notes.md"
REFERENCE = SHARED / "reference"


@pytest.fixture
def corpus() -> Path:
    """The acceptance corpus; tests using it skip, with the reason, where ../shared is absent."""
    if not CORPUS.exists():
        pytest.skip(f"acceptance corpus not found at {CORPUS} (../shared is provided by the team)")
    return CORPUS


@pytest.fixture
def reference() -> Path:
    """The reference metadata folder (../shared/reference)."""
    if not (REFERENCE / "arxiv" / "feed.xml").exists():
        pytest.skip(
            f"reference metadata not found at {REFERENCE} (../shared is provided by the team)"
        )
    return REFERENCE


@pytest.fixture(autouse=True)
def _no_network_beyond_loopback() -> Iterator[None]:
    """Every test: no DNS lookup and no connection beyond 127.0.0.1 (a refresh goes through
    every registered source; one a test forgot to point at a fake must not reach the real one)."""
    with loopback_only():
        yield


@pytest.fixture(autouse=True)
def _private_http_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI keeps HTTP validators (ETags) in the user's cache folder; tests keep theirs, and
    their subprocesses', in a temporary one."""
    monkeypatch.setenv("PAPERINDEX_CACHE_DIR", str(tmp_path_factory.mktemp("http-cache")))


# Peak memory of the probe process itself, in MB.  Not ru_maxrss: Linux carries it over from the
# parent (pytest, which may have grown far larger) through fork and exec.
PEAK_MB = (
    "def peak_mb():\n"
    "    try:\n"
    "        with open('/proc/self/status') as f:\n"
    "            return next(int(v.split()[1]) for v in f if v.startswith('VmHWM:')) // 1024\n"
    "    except OSError:\n"
    "        import resource\n"
    "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024\n"
)


def run_probe(code: str, *args: str, timeout: float = 120) -> list[str]:
    """What a script run in a fresh interpreter (from the project's folder) prints, split into
    words; its error output is the failure message when it does not exit 0.  Forks and file
    descriptors of the code under test stay out of the test process."""
    run = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.split()
