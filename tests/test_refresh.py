"""Refresh end to end against a real HTTP server on 127.0.0.1 that injects faults."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperindex import catalogue as cat
from paperindex.api import update_catalogue
from paperindex.cli import main
from paperindex.metadata import load_store

from .conftest import ROOT
from .fake_arxiv import FakeArxiv, serve

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


def run(project: Path, server: FakeArxiv, *extra: str) -> int:
    return main(
        [
            "refresh",
            "--catalogue",
            str(project / "links.csv"),
            "--store",
            str(project / "arxiv.json"),
            "--api-url",
            server.url,
            "--delay",
            "0",
            "--timeout",
            "1",
            "--backoff",
            "0.2",
            *extra,
        ]
    )


def test_refresh_fetches_reports_and_updates_derived_columns(
    project: Path, server: FakeArxiv, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_before = cat.load(project / "links.csv")
    assert [lk.key for lk in csv_before.links] == ["", "", "", ""]
    assert run(project, server) == 1  # the unknown id is a failure
    out = capsys.readouterr().out
    assert "fetched 3: 2312.00752, 2306.15895, 2311.09402" in out
    assert "2401.99999: arXiv returned no record for this id" in out
    store = load_store(project / "arxiv.json")
    assert sorted(store.records) == sorted(KNOWN)
    links = {lk.id: lk for lk in cat.load(project / "links.csv").links}
    assert links["2312.00752"].auto_title.startswith("Mamba")
    assert links["2312.00752"].key == "gu2023mamba" and links["2312.00752"].year == "2023"
    assert links["2401.99999"].key == ""  # still waiting for metadata
    assert all(ua.startswith("paperindex/") for ua in server.user_agents)
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
    assert "metadata for 0 of 4 papers" in capsys.readouterr().out
    assert run(project, server, "--dry-run") == 0
    assert "would fetch 4:" in capsys.readouterr().out
    assert server.requests == []
    assert not (project / "arxiv.json").exists()


@pytest.mark.parametrize(
    "fault",
    [
        "429:1",
        "503",
        "slow:3",
        "reset",
        "truncated",
        "empty",
        "html",
        "error:incorrect id format for 2401.99999",
    ],
)
def test_each_fault_ends_in_bounded_time_and_keeps_good_records(
    project: Path, server: FakeArxiv, fault: str
) -> None:
    server.faults = [fault]
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
    server.faults = ["503"] * 20
    assert run(project, server, "--all") == 1
    out = capsys.readouterr().out
    assert "2306.15895: HTTP 503 after 4 attempts" in out
    assert (project / "arxiv.json").read_bytes() == store_before
    assert (project / "links.csv").read_bytes() == csv_before


def test_version_change_is_reported_as_updated(
    project: Path, server: FakeArxiv, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(project, server, "--ids", "2312.00752") == 0
    entry = server.entries["2312.00752"]
    ident = entry.find("{http://www.w3.org/2005/Atom}id")
    assert ident is not None and ident.text is not None
    ident.text = ident.text.replace("v2", "v3")
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
    assert {tuple(sorted(q)) for q in server.requests} == {("id_list", "max_results", "start")}


def _cli(project: Path, server: FakeArxiv, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PAPERINDEX_ARXIV_API": server.url}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "paperindex",
            "refresh",
            "--catalogue",
            str(project / "links.csv"),
            "--store",
            str(project / "arxiv.json"),
            "--delay",
            "0",
            "--timeout",
            "10",
            "--backoff",
            "0.2",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_two_refreshes_at_once_do_not_corrupt(project: Path, server: FakeArxiv) -> None:
    server.faults = ["slow:2"]
    first = _cli(project, server, "--all")
    deadline = time.monotonic() + 10
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    second = _cli(project, server, "--all")
    _, err2 = second.communicate(timeout=30)
    assert second.returncode == 1
    assert "locked by another paperindex run" in err2
    waiting = _cli(project, server, "--all", "--wait", "20")
    out3, err3 = waiting.communicate(timeout=60)
    first.communicate(timeout=60)
    assert first.returncode == 1  # the unknown id
    assert "is locked by another run; waiting up to 20s" in err3 and "fetched" in out3
    assert sorted(load_store(project / "arxiv.json").records) == sorted(KNOWN)
    assert len(cat.load(project / "links.csv").links) == 4


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
            proc = _cli(tmp_path, srv, "--all")
            time.sleep(rng.uniform(0.3, 1.6))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            store = load_store(tmp_path / "arxiv.json")  # parses: old file or new file
            assert set(before) <= set(store.records), f"attempt {attempt}: records lost"
            catalogue = cat.load(tmp_path / "links.csv")
            assert len(catalogue.links) == 300
        final = _cli(tmp_path, srv)
        final.communicate(timeout=120)
    assert final.returncode == 0
    assert len(load_store(tmp_path / "arxiv.json").records) == 300
    assert all(lk.key for lk in cat.load(tmp_path / "links.csv").links)
