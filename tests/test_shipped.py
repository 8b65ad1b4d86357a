"""The shipped catalogue and metadata are exactly what the project's own code produces."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from paperindex import catalogue as cat
from paperindex.enrich import SourceConfig, refresh, store
from paperindex.enrich.sources.arxiv import ArxivRecord
from paperindex.enrich.sources.facts import LinkRecord
from paperindex.sites import key_of
from paperindex.testing.arxiv import serve

from .conftest import ROOT


def load_store(path: Path) -> store.Store[ArxivRecord]:
    return store.load(path, ArxivRecord)


SHIPPED_CSV = ROOT / "data" / "links.csv"
SHIPPED_STORE = ROOT / "data" / "metadata" / "arxiv.json"


def _copy_data(tmp: Path) -> Path:
    shutil.copytree(ROOT / "data", tmp / "data")
    return tmp


def _paperindex(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "paperindex", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_extract_reproduces_the_shipped_catalogue_byte_for_byte(
    corpus: Path, tmp_path: Path
) -> None:
    work = _copy_data(tmp_path)
    out = _paperindex(work, "extract", str(corpus))
    assert out.returncode == 0, out.stderr
    assert "34 links" in out.stderr and "unchanged" in out.stderr
    assert (work / "data" / "links.csv").read_bytes() == SHIPPED_CSV.read_bytes()


def test_extract_from_scratch_matches_shipped_but_for_curated_columns(
    corpus: Path, tmp_path: Path
) -> None:
    work = _copy_data(tmp_path)
    (work / "data" / "links.csv").unlink()
    (work / "data" / "mentions.csv").unlink()
    out = _paperindex(work, "extract", str(corpus))
    assert out.returncode == 0, out.stderr
    fresh = cat.load(work / "data" / "links.csv").links
    shipped = cat.load(SHIPPED_CSV).links
    assert len(fresh) == 34
    kinds = Counter(lk.kind.value for lk in fresh)
    assert (kinds["paper"], kinds["code"], kinds["dataset"], kinds["post"]) == (15, 4, 1, 3)
    assert Counter(lk.source for lk in fresh if lk.kind.value == "paper") == {
        "arxiv": 14,
        "openreview": 1,
    }
    curated = {"venue", "code"}
    for a, b in zip(fresh, shipped, strict=True):
        mine, theirs = a.as_dict(), b.as_dict()
        assert {k: v for k, v in mine.items() if k not in curated} == {
            k: v for k, v in theirs.items() if k not in curated
        }


def test_offline_refresh_reports_every_paper(tmp_path: Path) -> None:
    work = _copy_data(tmp_path)
    out = _paperindex(work, "refresh", "--offline")
    assert out.returncode == 0, out.stderr
    assert "arxiv: metadata for 14 of 14 ids" in out.stdout
    assert (work / "data" / "links.csv").read_bytes() == SHIPPED_CSV.read_bytes()


def test_shipped_store_is_what_refresh_produces_from_the_reference_feed(
    reference: Path, tmp_path: Path
) -> None:
    work = _copy_data(tmp_path)
    store_path = work / "data" / "metadata" / "arxiv.json"
    store_path.unlink()
    with serve(reference / "arxiv" / "feed.xml") as server:
        report = refresh(
            work / "data" / "links.csv",
            store_path,
            sources=["arxiv"],
            force_all=True,
            configs={"arxiv": SourceConfig(base_url=server.url, delay=0.0)},
        )
    assert report.ok and len(report.total.fetched) == 14 and report.total.requests == 1
    produced, shipped = load_store(store_path), load_store(SHIPPED_STORE)
    assert sorted(produced.records) == sorted(shipped.records)
    for ident, record in produced.records.items():
        ship = shipped.records[ident]
        assert record.model_dump(exclude={"retrieved_at", "retrieved_from"}) == ship.model_dump(
            exclude={"retrieved_at", "retrieved_from"}
        )
        port = re.compile(r"127\.0\.0\.1:\d+")
        assert port.sub("HOST", record.retrieved_from) == port.sub("HOST", ship.retrieved_from)
    assert "reference feed" in shipped.note


def test_shipped_records_agree_with_the_reference_records(reference: Path) -> None:
    records = {
        r["arxiv_id"]: r
        for r in json.loads((reference / "arxiv" / "records.json").read_text(encoding="utf-8"))
    }
    store = load_store(SHIPPED_STORE)
    assert set(store.records) == set(records)
    for ident, rec in store.records.items():
        ref = records[ident]
        assert rec.authors == ref["authors"]
        assert rec.published.date().isoformat() == ref["published"]
        assert rec.version == ref["latest_version"]
    venues = {lk.id: lk.venue for lk in cat.load(SHIPPED_CSV).links if lk.source == "arxiv"}
    assert venues == {
        i: (r.get("published_as") or {}).get("venue") or "" for i, r in records.items()
    }


def test_shipped_link_store_is_compiled_from_the_reference(reference: Path) -> None:
    import importlib.util

    from paperindex.identity import identify

    spec = importlib.util.spec_from_file_location(
        "ship", ROOT / "scripts" / "ship_reference_metadata.py"
    )
    assert spec is not None and spec.loader is not None
    ship = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ship)
    entries = json.loads((reference / "links.json").read_text(encoding="utf-8"))
    shipped = store.load(ROOT / "data" / "metadata" / "links.json", LinkRecord).records
    assert len(shipped) == len(entries) == 19
    for entry in entries:
        ident = identify(entry["url"])
        assert ident is not None
        assert shipped[key_of(ident)] == ship.link_record(entry)
    # every reference link is in the catalogue: extraction found them all
    catalogue_keys = {key_of(lk) for lk in cat.load(SHIPPED_CSV).links}
    assert set(shipped) <= catalogue_keys
    records = json.loads((reference / "arxiv" / "records.json").read_text(encoding="utf-8"))
    assert {f"arxiv:{r['arxiv_id']}" for r in records} <= catalogue_keys
