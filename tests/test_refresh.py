"""Refresh end to end against the fake arXiv API on 127.0.0.1, which injects faults.

No test sleeps to synchronise: the fake service says when a request has arrived
(`wait_for_requests`), holds an answer until released (`Hold`), and a killed writer says when it
is mid-write on its stdout.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from paperindex import catalogue as cat
from paperindex.api import update_catalogue
from paperindex.cli import main
from paperindex.enrich import Store, store
from paperindex.enrich.sources.arxiv import ArxivRecord
from paperindex.files import LockedError, locked
from paperindex.testing import (
    EndlessBody,
    Fault,
    Hold,
    Malformed,
    Reset,
    Respond,
    Response,
    SlowBody,
    SlowHeaders,
    Status,
    Truncated,
)
from paperindex.testing.arxiv import FakeArxiv, error_feed, feed_xml, serve, with_version

from .conftest import PEAK_MB, ROOT


def load_store(path: Path) -> Store[ArxivRecord]:
    return store.load(path, ArxivRecord)


def save_store(records: Store[ArxivRecord], path: Path) -> None:
    store.save(records, path)


NOTES = """# Papers
Mamba https://arxiv.org/abs/2312.00752v1 and attributed data https://arxiv.org/pdf/2306.15895.pdf
合成医学数据（arXiv:2311.09402），还有一个不存在的 arXiv:2401.99999。
"""
KNOWN = ["2312.00752", "2306.15895", "2311.09402"]


@pytest.fixture
def server(reference: Path) -> Iterator[FakeArxiv]:
    with serve(reference / "arxiv" / "feed.xml") as srv:
        yield srv


@pytest.fixture
def project(tmp_path: Path) -> Path:
    notes = tmp_path / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    update_catalogue([notes], tmp_path / "links.csv", tmp_path / "arxiv.json")
    return tmp_path


ARXIV_ONLY = ["--source", "arxiv"]
"""The other sources have their own tests; a refresh in a subprocess must not try to reach them."""
PYTHON_M = [sys.executable, "-m", "paperindex"]


def files(project: Path) -> list[str]:
    return ["--catalogue", str(project / "links.csv"), "--store", str(project / "arxiv.json")]


def run(project: Path, server: FakeArxiv, *extra: str) -> int:
    fast = ["--delay", "0", "--timeout", "1", "--backoff", "0.2"]
    return main(["refresh", *files(project), *ARXIV_ONLY, "--api-url", server.url, *fast, *extra])


def test_refresh_fetches_reports_and_updates_derived_columns(
    project: Path, server: FakeArxiv, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_before = cat.load(project / "links.csv")
    assert [lk.key for lk in csv_before.links] == ["", "", "", ""]
    assert run(project, server) == 1  # the unknown id is a failure
    out = capsys.readouterr().out
    assert "fetched 3: 2312.00752, 2306.15895, 2311.09402" in out
    assert "2401.99999: arXiv returned no record for this id" in out
    assert "anomalies" not in out
    store = load_store(project / "arxiv.json")
    assert sorted(store.records) == sorted(KNOWN)
    links = {lk.id: lk for lk in cat.load(project / "links.csv").links}
    assert links["2312.00752"].auto_title.startswith("Mamba")
    assert links["2312.00752"].key == "gu2023mamba" and links["2312.00752"].auto_year == "2023"
    assert links["2401.99999"].key == ""  # still waiting for metadata
    assert all((r.header("User-Agent") or "").startswith("paperindex/") for r in server.requests)
    # second run: everything fresh, no request at all
    n = len(server.requests)
    assert run(project, server, "--ids", "2312.00752v1") == 0  # a cited version is fine
    assert "unchanged 1: 2312.00752" in capsys.readouterr().out
    run(project, server)
    assert len(server.requests) == n + 1 + 2  # --ids forced one; the unknown id is retried (2)


def test_offline_and_dry_run_make_no_request(
    project: Path, server: FakeArxiv, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(project, server, "--offline") == 0
    assert "arxiv: metadata for 0 of 4 ids" in capsys.readouterr().out
    assert run(project, server, "--dry-run") == 0
    assert "would fetch 4:" in capsys.readouterr().out
    assert server.requests == []
    assert not (project / "arxiv.json").exists()


FAULTS: list[Fault] = [
    Status(429, retry_after=1),
    Status(503),
    SlowHeaders(delay=3),
    # a byte every 0.5 s: never idle long enough to trip a per-read timeout of 1 s
    SlowHeaders(bytes_per_second=2, limit_seconds=20),
    SlowBody(bytes_per_second=2, limit_seconds=20),
    Reset(),
    Truncated(),
    Respond(Response(200, feed_xml([]))),
    Malformed(),
    Respond(Response(200, error_feed("incorrect id format for 2401.99999"))),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[repr(f)[:40] for f in FAULTS])
def test_each_fault_ends_in_bounded_time_and_keeps_good_records(
    project: Path, server: FakeArxiv, fault: Fault
) -> None:
    server.inject(fault)
    started = time.monotonic()
    code = run(project, server, "--all")
    assert time.monotonic() - started < 8
    assert code == 1  # only the unknown id fails; the fault itself was retried
    assert sorted(load_store(project / "arxiv.json").records) == sorted(KNOWN)
    assert len(cat.load(project / "links.csv").links) == 4


def test_persistent_failure_loses_nothing(
    project: Path, server: FakeArxiv, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(project, server, "--ids", "2312.00752") == 0
    store_before = (project / "arxiv.json").read_bytes()
    csv_before = (project / "links.csv").read_bytes()
    server.inject(*[Status(503)] * 20)
    assert run(project, server, "--all") == 1
    out = capsys.readouterr().out
    assert "2306.15895: HTTP 503 after 4 attempts" in out
    assert (project / "arxiv.json").read_bytes() == store_before
    assert (project / "links.csv").read_bytes() == csv_before


def test_version_change_is_reported_as_updated(
    project: Path, server: FakeArxiv, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(project, server, "--ids", "2312.00752") == 0
    server.entries["2312.00752"] = with_version(server.entries["2312.00752"], "2312.00752", "v3")
    assert run(project, server, "--ids", "2312.00752") == 0
    assert "updated 1: 2312.00752 (new version v2 → v3)" in capsys.readouterr().out
    assert load_store(project / "arxiv.json").records["2312.00752"].version == "v3"
    assert cat.load(project / "links.csv").by_key()["gu2023mamba"].id == "2312.00752"


def test_curated_columns_and_keys_survive_refresh(project: Path, server: FakeArxiv) -> None:
    catalogue = cat.load(project / "links.csv")
    paper = catalogue.links[0]
    paper.key, paper.title, paper.venue, paper.topic = "my-mamba", "My title", "COLM 2024", "SSM"
    cat.save(catalogue, project / "links.csv")
    run(project, server, "--all")
    again = cat.load(project / "links.csv").links[0]
    assert (again.key, again.title, again.venue, again.topic) == (
        "my-mamba",
        "My title",
        "COLM 2024",
        "SSM",
    )
    assert again.auto_title.startswith("Mamba")


def test_refresh_contacts_only_the_configured_host(project: Path, server: FakeArxiv) -> None:
    notes = project / "evil.md"
    notes.write_text(
        "http://127.0.0.2:1/steal https://evil.example/arxiv/2312.00752\n", encoding="utf-8"
    )
    update_catalogue([project / "notes.md", notes], project / "links.csv", project / "arxiv.json")
    run(project, server, "--all")
    assert {tuple(sorted(q)) for q in server.queries} == {("id_list", "max_results", "start")}


def test_duplicate_entries_are_reported_not_silently_last_wins(
    project: Path, server: FakeArxiv, capsys: pytest.CaptureFixture[str]
) -> None:
    v2 = server.entries["2312.00752"]
    v3 = with_version(v2, "2312.00752", "v3")
    server.inject(Respond(Response(200, feed_xml([v3, v2]))))  # the stale one last
    assert run(project, server, "--ids", "2312.00752") == 0
    out = capsys.readouterr().out
    assert (
        "anomalies 1:\n    2312.00752: arXiv sent more than one entry for this id (v2, v3); kept v3"
    ) in out
    assert load_store(project / "arxiv.json").records["2312.00752"].version == "v3"


def test_max_age_decides_what_is_due(
    project: Path, server: FakeArxiv, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(project, server, "--ids", "2312.00752", "2306.15895") == 0
    first = len(server.requests)
    store = load_store(project / "arxiv.json")
    old = store.records["2312.00752"]
    store.records["2312.00752"] = old.model_copy(
        update={"retrieved_at": old.retrieved_at - timedelta(days=40)}
    )
    save_store(store, project / "arxiv.json")
    capsys.readouterr()
    assert run(project, server, "--offline") == 0
    out = capsys.readouterr().out
    assert "arxiv: metadata for 2 of 4 ids" in out and "(1 older than 30 days)" in out
    assert run(project, server, "--dry-run", "--max-age", "60") == 0
    assert "would fetch 2: 2311.09402, 2401.99999" in capsys.readouterr().out
    assert run(project, server, "--dry-run") == 0
    assert "would fetch 3: 2312.00752, 2311.09402, 2401.99999" in capsys.readouterr().out
    assert len(server.requests) == first  # --offline and --dry-run ask nothing
    run(project, server, "--max-age", "60")
    assert server.queries[first]["id_list"] == "2311.09402,2401.99999"
    n = len(server.requests)
    run(project, server, "--max-age", "30")  # only the 40-day-old record (and the unknown id)
    assert server.queries[n]["id_list"] == "2312.00752,2401.99999"
    store = load_store(project / "arxiv.json")
    assert store.records["2312.00752"].retrieved_at > old.retrieved_at - timedelta(days=1)


def test_corrupt_store_is_named_and_nothing_is_written(
    project: Path, server: FakeArxiv, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = b'{"format": 1, "records": {"2312.00752": {"id": '
    (project / "arxiv.json").write_bytes(broken)
    csv_before = (project / "links.csv").read_bytes()
    assert run(project, server) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"paperindex: error: {project / 'arxiv.json'}: not a valid")
    assert server.requests == []
    assert (project / "arxiv.json").read_bytes() == broken
    assert (project / "links.csv").read_bytes() == csv_before


def test_catalogue_is_free_while_refresh_waits_on_the_network(
    project: Path, server: FakeArxiv, capsys: pytest.CaptureFixture[str]
) -> None:
    """While refresh waits for arXiv, extract and bib use the catalogue; refresh's own save at
    the end keeps what they did."""
    server.inject(Hold())
    codes: list[int] = []
    refresh = threading.Thread(target=lambda: codes.append(run(project, server, "--all")))
    refresh.start()
    try:
        assert server.wait_for_requests(1, timeout=30)  # refresh is now waiting on the network
        with locked(project / "links.csv", wait=False):
            pass
        (project / "more.md").write_text("https://github.com/state-spaces/mamba\n")
        started = time.monotonic()
        notes = [str(project / "notes.md"), str(project / "more.md")]
        assert main(["extract", *notes, *files(project)]) == 0
        assert main(["bib", "-o", str(project / "refs.bib"), *files(project)]) == 0
        assert main(["keys", "--pin", *files(project)]) == 0  # bib's provisional key, pinned
        assert time.monotonic() - started < 10
        assert refresh.is_alive() and len(server.requests) == 1
    finally:
        server.release()
        refresh.join(timeout=60)
    assert codes == [1]  # the unknown id
    links = {lk.id: lk for lk in cat.load(project / "links.csv").links}
    assert "state-spaces/mamba" in links  # extract's link survived refresh's save
    assert links["2312.00752"].key == "arxiv-2312-00752"  # the pinned key too
    assert links["2312.00752"].auto_title.startswith("Mamba")  # and refresh derived its columns
    assert "@misc{arxiv-2312-00752," in (project / "refs.bib").read_text()


def test_catalogue_lock_is_still_honoured(project: Path, server: FakeArxiv) -> None:
    with locked(project / "links.csv"):
        with pytest.raises(LockedError, match="locked by another paperindex run"):
            from paperindex.enrich import refresh

            refresh(project / "links.csv", project / "arxiv.json", lock_wait=0)
    assert server.requests == []


def _cli(project: Path, server: FakeArxiv, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PAPERINDEX_ARXIV_API": server.url}
    return subprocess.Popen(
        [*PYTHON_M, "refresh", *files(project), *ARXIV_ONLY, "--delay", "0", *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_refreshes_at_once_keep_each_others_records(project: Path, server: FakeArxiv) -> None:
    server.inject(Hold())
    first = _cli(project, server, "--ids", "2312.00752")
    try:
        assert server.wait_for_requests(1, timeout=30)  # the first is waiting on the network
        second = _cli(project, server, "--ids", "2306.15895", "2311.09402")
        out2, err2 = second.communicate(timeout=60)
        assert second.returncode == 0, err2
        assert "fetched 2: 2306.15895, 2311.09402" in out2
    finally:
        server.release()
        out1, err1 = first.communicate(timeout=60)
    assert first.returncode == 0, err1
    assert "fetched 1: 2312.00752" in out1
    assert sorted(load_store(project / "arxiv.json").records) == sorted(KNOWN)
    links = {lk.id: lk for lk in cat.load(project / "links.csv").links}
    assert all(links[i].auto_title for i in KNOWN) and len(links) == 4


@pytest.mark.slow
def test_one_byte_a_second_cannot_hold_a_refresh(project: Path, server: FakeArxiv) -> None:
    """`--timeout 5`, default backoff: each attempt ends within 6 s of its start, the overrun is
    tried twice, and the run is over in well under a minute."""
    server.inject(*[SlowBody(bytes_per_second=1, limit_seconds=40)] * 4)
    started = time.monotonic()
    proc = _cli(project, server, "--all", "--timeout", "5")
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("refresh still running after 60 s against a 1 byte/s server")
    total = time.monotonic() - started
    assert server.wait_for_ended(len(server.exchanges), timeout=10)
    durations = [e.duration or 99.0 for e in server.exchanges]
    assert len(durations) == 2 and all(d <= 6.0 for d in durations), durations
    assert total < 25, total
    assert proc.returncode == 1
    assert "not complete within the 5s timeout" in out and "after 2 attempts" in out


def test_endless_body_stops_at_the_cap_with_bounded_memory(
    project: Path, server: FakeArxiv
) -> None:
    """The default 50 MB cap: the run fails that batch by name and its peak RSS stays small."""
    server.inject(EndlessBody(limit_bytes=400_000_000))
    code = PEAK_MB + (
        "import sys\n"
        "from paperindex.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print('peak_mb', peak_mb())\n"
        "sys.exit(code)\n"
    )
    args = ["refresh", *files(project), *ARXIV_ONLY, "--api-url", server.url]
    args += ["--delay", "0", "--all"]
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert proc.returncode == 1, proc.stderr
    assert "response larger than the 50 MB limit (body); not read further" in proc.stdout
    peak = re.search(r"peak_mb (\d+)", proc.stdout)
    assert peak is not None
    assert int(peak[1]) < 250, f"peak RSS {peak[1]} MB"
    assert len(server.requests) == 1  # an oversized answer is not asked for again
    assert server.wait_for_ended(1, timeout=10)
    assert server.exchanges[0].sent < 100_000_000


KILL_MID_WRITE = """
import os, sys, time
real_fsync = os.fsync
prefix = "." + os.path.basename(sys.argv[1]) + "."

def fsync(fd):
    real_fsync(fd)
    name = os.readlink(f"/proc/self/fd/{fd}")
    if os.path.basename(name).startswith(prefix):
        print("WRITING", name, flush=True)
        time.sleep(120)  # the parent kills us here, between the write and the rename

os.fsync = fsync
from paperindex.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc (Linux)")
def test_store_temp_file_of_a_killed_refresh_is_removed_by_the_next(
    project: Path, server: FakeArxiv
) -> None:
    store = project / "arxiv.json"
    args = ["refresh", *files(project), *ARXIV_ONLY, "--api-url", server.url]
    args += ["--delay", "0", "--all"]
    victim = subprocess.Popen(
        [sys.executable, "-c", KILL_MID_WRITE, str(store), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert victim.stdout is not None
    line = victim.stdout.readline()
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    assert line.startswith("WRITING "), line
    orphan = Path(line.split(" ", 1)[1].strip())
    assert orphan.exists() and orphan.parent == project and not store.exists()
    assert run(project, server, "--ids", "2312.00752") == 0
    assert not orphan.exists()
    assert list(project.glob(".*.tmp")) == []
    # the kill came while the store was being rewritten at the end: every batch was already in
    # the journal, so nothing the killed run fetched is lost
    assert sorted(load_store(store).records) == sorted(KNOWN)


@pytest.mark.slow
def test_sigkill_while_writing_leaves_old_or_new_files(tmp_path: Path, reference: Path) -> None:
    notes = tmp_path / "many.md"
    notes.write_text("\n".join(f"arXiv:2401.{n:05d}" for n in range(300)) + "\n", encoding="utf-8")
    update_catalogue([notes], tmp_path / "links.csv", tmp_path / "arxiv.json")
    rng = random.Random(7)
    with serve(reference / "arxiv" / "feed.xml", synthesize=True) as srv:
        for attempt in range(12):
            before = (
                load_store(tmp_path / "arxiv.json").records.keys()
                if (tmp_path / "arxiv.json").exists()
                else set()
            )
            proc = _cli(tmp_path, srv, "--all", "--timeout", "10")
            time.sleep(rng.uniform(0.3, 1.6))  # a random moment to kill at, not a synchronisation
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            store = load_store(tmp_path / "arxiv.json")  # parses: old file or new file
            assert set(before) <= set(store.records), f"attempt {attempt}: records lost"
            catalogue = cat.load(tmp_path / "links.csv")
            assert len(catalogue.links) == 300
        final = _cli(tmp_path, srv, "--timeout", "10")
        final.communicate(timeout=120)
    assert final.returncode == 0
    assert len(load_store(tmp_path / "arxiv.json").records) == 300
    assert all(lk.key for lk in cat.load(tmp_path / "links.csv").links)
    assert list(tmp_path.glob(".*.tmp")) == []  # whatever the kills left, the last run removed
