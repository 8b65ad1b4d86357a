"""Semantic Scholar, Crossref, DataCite and OpenReview against their fakes on 127.0.0.1: the real
response shapes with synthetic values, and faults (429 with and without Retry-After, 5xx,
timeouts, malformed JSON, partial batches, unknown ids).  Waits sleep on a fake clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from paperindex.enrich import FetchResult, SourceConfig, fetch
from paperindex.enrich.source import MetadataSource
from paperindex.enrich.sources.crossref import CrossrefSource
from paperindex.enrich.sources.datacite import DataCiteSource
from paperindex.enrich.sources.openreview import OpenReviewSource, clean_venue
from paperindex.enrich.sources.semanticscholar import SemanticScholarSource
from paperindex.testing import Malformed, Respond, Response, SlowHeaders, Status
from paperindex.testing import crossref as crf
from paperindex.testing import openreview as orf
from paperindex.testing import semanticscholar as s2f

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
A1, A2 = "2401.00001", "2401.00002"
DOI = "10.1234/example.5678"


class FakeClock:
    """Monotonic time that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.t += seconds

    def now(self) -> datetime:
        return NOW


def run(
    cls: type[MetadataSource[Any]], url: str, ids: list[str], **config: Any
) -> tuple[FetchResult, FakeClock]:
    clock = FakeClock()
    source = cls(SourceConfig(base_url=url, **config))
    return fetch(source, ids, clock=clock), clock


@pytest.fixture(autouse=True)
def _no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("S2_API_KEY", raising=False)
    monkeypatch.delenv("PAPERINDEX_MAILTO", raising=False)


# --- Semantic Scholar ----------------------------------------------------------------------------

PUBLISHED = s2f.paper(
    "published", ArXiv=A1, DOI="10.1234/EXAMPLE.5678", venue="Example Conference on Testing",
    year=2024, journal={"name": "Example Conference on Testing", "pages": "1-10"},
)  # fmt: skip
PREPRINT = s2f.arxiv_only("preprint", A2, year=2024)


@pytest.fixture
def s2() -> Iterator[s2f.FakeSemanticScholar]:
    with s2f.serve({f"ARXIV:{A1}": PUBLISHED, f"ARXIV:{A2}": PREPRINT}) as server:
        yield server


def test_s2_one_post_for_a_batch_in_order_with_null_for_unknown(
    s2: s2f.FakeSemanticScholar,
) -> None:
    ids = [f"ARXIV:{A2}", "ARXIV:2401.99999", f"ARXIV:{A1}"]
    result, _ = run(SemanticScholarSource, s2.url, ids)
    assert result.requests == 1 and s2.batches == [ids]
    request = s2.requests[0]
    assert request.method == "POST" and request.path == "/graph/v1/paper/batch"
    assert request.arg("fields") == (
        "title,authors,year,venue,publicationVenue,externalIds,publicationDate,journal"
    )
    assert request.header("Content-Type") == "application/json" and not request.header("x-api-key")
    assert result.failures == {"ARXIV:2401.99999": "unknown to Semantic Scholar"}
    record = result.records[f"ARXIV:{A1}"]
    assert record.title == "A Test Paper" and record.authors == ["Ada Example", "Bob Example"]
    assert record.external_ids["CorpusId"] == str(s2f.corpus_id("published"))  # an int there


def test_s2_batches_of_500_and_the_key_from_the_environment(
    s2: s2f.FakeSemanticScholar, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [f"ARXIV:2401.{n:05d}" for n in range(501)]
    result, clock = run(SemanticScholarSource, s2.url, ids)
    assert [len(b) for b in s2.batches] == [500, 1] and clock.sleeps == [3.0]  # keyless: 3 s
    monkeypatch.setenv("S2_API_KEY", "test-key")
    s2.require_key = "test-key"
    result, clock = run(SemanticScholarSource, s2.url, ids)
    assert s2.requests[-1].header("x-api-key") == "test-key"
    assert clock.sleeps == [1.0]  # with a key: its 1 request/s
    assert len(result.failures) == 499 and sorted(result.records) == [f"ARXIV:{A1}", f"ARXIV:{A2}"]


def test_s2_refused_key_stops_the_source(
    s2: s2f.FakeSemanticScholar, monkeypatch: pytest.MonkeyPatch
) -> None:
    s2.require_key = "the-right-key"
    monkeypatch.setenv("S2_API_KEY", "a-wrong-key")
    ids = [f"ARXIV:2401.{n:05d}" for n in range(600)]
    result, _ = run(SemanticScholarSource, s2.url, ids)
    assert result.requests == 1  # the second batch is not asked
    assert result.failures["ARXIV:2401.00000"].startswith("HTTP 403 from Semantic Scholar")
    assert result.failures["ARXIV:2401.00599"].startswith("not asked")


@pytest.mark.parametrize(
    ("fault", "waited"),
    [
        (Status(429, retry_after=17, body=s2f.TOO_MANY_REQUESTS), 17.0),
        (Status(429, body=s2f.TOO_MANY_REQUESTS), 5.0),  # no Retry-After: the backoff
        (Status(504), 5.0),
        (Malformed(b"<html>Bad gateway</html>"), 5.0),
        (Respond(Response(200, b'[{"paperId": ')), 5.0),  # malformed JSON
        (Respond(Response(200, s2f.short_answer([PUBLISHED, PREPRINT]))), 5.0),  # partial batch
        (Respond(Response(200, json.dumps([PUBLISHED, {"title": "x"}]).encode())), 5.0),
    ],
    ids=["429+Retry-After", "429", "504", "html", "malformed", "partial", "not-a-paper"],
)
def test_s2_faults_are_retried_and_nothing_half_read(
    s2: s2f.FakeSemanticScholar, fault: Any, waited: float
) -> None:
    s2.inject(fault)
    result, clock = run(SemanticScholarSource, s2.url, [f"ARXIV:{A1}", f"ARXIV:{A2}"])
    assert result.requests == 2 and clock.sleeps == [waited]
    assert sorted(result.records) == [f"ARXIV:{A1}", f"ARXIV:{A2}"] and not result.failures


def test_s2_down_fails_every_id_and_stops(s2: s2f.FakeSemanticScholar) -> None:
    s2.inject(*[Status(503)] * 4)
    result, clock = run(SemanticScholarSource, s2.url, [f"ARXIV:{A1}"])
    assert result.requests == 4 and clock.sleeps == [5.0, 10.0, 20.0]
    assert result.failures[f"ARXIV:{A1}"] == "HTTP 503 after 4 attempts" and not result.records


def test_s2_timeout_is_bounded(s2: s2f.FakeSemanticScholar) -> None:
    s2.inject(SlowHeaders(delay=3), SlowHeaders(delay=3))
    result, _ = run(SemanticScholarSource, s2.url, [f"ARXIV:{A1}"], timeout=0.3)
    assert result.requests == 2 and "timeout" in result.failures[f"ARXIV:{A1}"]


def test_s2_describe_published_only_with_an_explicit_link() -> None:
    source = SemanticScholarSource(SourceConfig(base_url="http://127.0.0.1:9"))
    published = s2f.paper("x", ArXiv=A1, DOI=DOI, venue="Neural Information Processing Systems")
    facts = source.describe(_record(published))
    assert facts.venue == "Neural Information Processing Systems 2024" and facts.doi == DOI
    assert "arxiv:2401.00001" in facts.identities and f"doi:{DOI}" in facts.identities
    assert f"semanticscholar:{s2f.sha('x')}" in facts.identities
    # a preprint: venue arXiv.org, journal ArXiv, DBLP's CoRR key: never a venue
    assert source.describe(_record(PREPRINT)).venue == ""
    # a venue without an explicit link (no DOI, ACL, DBLP outside CoRR): no venue either
    unlinked = s2f.paper("y", ArXiv=A1, venue="International Conference on Machine Learning")
    unlinked["externalIds"]["DBLP"] = "journals/corr/abs-2401-00001"
    assert source.describe(_record(unlinked)).venue == ""
    # arXiv's own DOI is not a published version's
    arxiv_doi = s2f.paper("z", ArXiv=A1, DOI=f"10.48550/arXiv.{A1}", venue="Some Venue")
    assert source.describe(_record(arxiv_doi)).venue == ""
    assert source.describe(_record(arxiv_doi)).doi == ""


def test_s2_rerouted_paper_is_an_anomaly(s2: s2f.FakeSemanticScholar) -> None:
    sha = s2f.sha("asked")
    s2.papers[sha] = PUBLISHED  # answered under another paperId: merged at Semantic Scholar
    result, _ = run(SemanticScholarSource, s2.url, [sha])
    assert sha in result.records and "merged or re-routed" in result.anomalies[sha]


def test_s2_normalises_what_people_type() -> None:
    source = SemanticScholarSource(SourceConfig(base_url="http://127.0.0.1:9"))
    assert source.normalise("arXiv:2401.00001v2") == "ARXIV:2401.00001"
    assert source.normalise("2401.00001") == "ARXIV:2401.00001"
    assert source.normalise("10.1234/ABC") == "DOI:10.1234/abc"
    assert source.normalise("corpusid:42") == "CorpusId:42"
    assert source.normalise(s2f.sha("q").upper()) == s2f.sha("q")
    assert source.normalise("8Ju0VmvMCW") is None


def _record(item: dict[str, Any]) -> Any:
    from paperindex.enrich.sources.semanticscholar import to_record

    return to_record(item, "http://fake/", NOW)


# --- Crossref and DataCite -----------------------------------------------------------------------


@pytest.fixture
def crossref() -> Iterator[crf.FakeCrossref]:
    records = {
        DOI: crf.work(DOI, type="proceedings-article", container="Proceedings of ECT 2024",
                      relation={"has-preprint": [f"10.48550/arxiv.{A1}"]},
                      authors=("Ada Example", "Example Consortium"), issued=(2024, 5)),
        "10.5555/posted": crf.work("10.5555/posted", type="posted-content", container="bioRxiv"),
        "10.1093/x/y/z": crf.work("10.1093/x/y/z", container="Journal of Examples", issued=(2021,)),
    }  # fmt: skip
    with crf.serve_crossref(records) as server:
        yield server


def test_crossref_work_with_relation_and_polite_pool(
    crossref: crf.FakeCrossref, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, clock = run(CrossrefSource, crossref.url, [DOI, "10.1093/x/y/z", "10.9999/nobody"])
    assert crossref.asked == [DOI, "10.1093/x/y/z", "10.9999/nobody"]
    assert clock.sleeps == [0.2, 0.2]  # the public pool: 5 requests/s
    assert not crossref.requests[0].arg("mailto")
    assert result.failures == {"10.9999/nobody": "unknown to Crossref"}
    record = result.records[DOI]
    assert record.authors == ["Ada Example", "Example Consortium"] and record.issued == "2024-05"
    facts = CrossrefSource(SourceConfig(base_url=crossref.url)).describe(record)
    assert facts.venue == "Proceedings of ECT 2024" and facts.year == "2024"
    assert set(facts.identities) == {f"doi:{DOI}", f"arxiv:{A1}"}  # the preprint is arXiv's
    assert result.records["10.1093/x/y/z"].issued == "2021"
    monkeypatch.setenv("PAPERINDEX_MAILTO", "someone@example.org")
    result, clock = run(CrossrefSource, crossref.url, [DOI, "10.1093/x/y/z"])
    assert crossref.requests[-1].arg("mailto") == "someone@example.org" and clock.sleeps == [0.1]


def test_crossref_posted_content_is_never_a_venue(crossref: crf.FakeCrossref) -> None:
    result, _ = run(CrossrefSource, crossref.url, ["10.5555/posted"])
    source = CrossrefSource(SourceConfig(base_url=crossref.url))
    assert source.describe(result.records["10.5555/posted"]).venue == ""
    ssrn = result.records["10.5555/posted"].model_copy(
        update={"type": "journal-article", "container_title": "SSRN Electronic Journal"}
    )
    assert source.describe(ssrn).venue == ""


@pytest.mark.parametrize(
    "fault",
    [Status(429, retry_after=3), Status(503), Malformed(b"<html>busy</html>"),
     Respond(Response(200, b'{"status": "ok", "message": '))],
    ids=["429", "503", "html", "truncated-json"],
)  # fmt: skip
def test_crossref_faults_are_retried(crossref: crf.FakeCrossref, fault: Any) -> None:
    crossref.inject(fault)
    result, _ = run(CrossrefSource, crossref.url, [DOI])
    assert DOI in result.records and result.requests == 2


@pytest.fixture
def datacite() -> Iterator[crf.FakeDataCite]:
    records = {
        f"10.48550/arxiv.{A1}": crf.doi_record(
            f"10.48550/arXiv.{A1}", related=[("IsVersionOf", "DOI", DOI),
                                             ("References", "DOI", "10.1/unrelated")]),
        "10.5281/zenodo.1": crf.doi_record("10.5281/zenodo.1", publisher="Zenodo",
                                           resource_type="Software",
                                           related=[("IsVersionOf", "URL", f"https://doi.org/{DOI}"),
                                                    ("IsIdenticalTo", "arXiv", f"arXiv:{A2}")]),
    }  # fmt: skip
    with crf.serve_datacite(records) as server:
        yield server


def test_datacite_related_identifiers_name_the_same_work(datacite: crf.FakeDataCite) -> None:
    ids = [f"10.48550/arxiv.{A1}", "10.5281/zenodo.1", "10.9999/nobody"]
    result, clock = run(DataCiteSource, datacite.url, ids)
    assert clock.sleeps == [0.6, 0.6]  # anonymous: 500 requests per 5 minutes
    assert result.failures == {"10.9999/nobody": "unknown to DataCite"}
    source = DataCiteSource(SourceConfig(base_url=datacite.url))
    arxiv = source.describe(result.records[f"10.48550/arxiv.{A1}"])
    assert set(arxiv.identities) == {f"arxiv:{A1}", f"doi:{DOI}"}  # not the reference
    assert arxiv.doi == "" and arxiv.authors == ("Ada Example",) and arxiv.venue == ""
    zenodo = source.describe(result.records["10.5281/zenodo.1"])
    assert set(zenodo.identities) == {"doi:10.5281/zenodo.1", f"doi:{DOI}", f"arxiv:{A2}"}
    assert source.claims("10.5281/zenodo.1") and not source.claims(DOI)


# --- OpenReview -----------------------------------------------------------------------------------


@pytest.fixture
def openreview() -> Iterator[orf.FakeOpenReview]:
    notes = {
        "AcceptedOne": orf.note("AcceptedOne", venue="ICLR 2024 spotlight"),
        "RejectedOne": orf.rejected("RejectedOne"),
        "Withdrawn01": orf.withdrawn("Withdrawn01"),
    }
    with orf.serve(notes) as server:
        yield server


def test_openreview_acceptance_rejection_withdrawal(openreview: orf.FakeOpenReview) -> None:
    ids = ["AcceptedOne", "RejectedOne", "Withdrawn01", "Unknown0001"]
    result, clock = run(OpenReviewSource, openreview.url, ids)
    assert openreview.asked == ids and clock.sleeps == [1.0, 1.0, 1.0]
    source = OpenReviewSource(SourceConfig(base_url=openreview.url))
    accepted = source.describe(result.records["AcceptedOne"])
    assert accepted.venue == "ICLR 2024" and accepted.year == "2024"
    assert accepted.identities == ("openreview:AcceptedOne",)
    assert source.describe(result.records["RejectedOne"]).venue == ""
    assert result.failures["Withdrawn01"] == (
        "withdrawn: ICLR 2024 Conference Withdrawn Submission"
    )
    assert "Withdrawn01" not in result.records
    assert result.failures["Unknown0001"] == "unknown to OpenReview"


def test_openreview_bot_check_stops_but_a_private_note_does_not(
    openreview: orf.FakeOpenReview,
) -> None:
    openreview.inject(Respond(orf.forbidden("AcceptedOne")))
    result, _ = run(OpenReviewSource, openreview.url, ["AcceptedOne", "RejectedOne"])
    assert result.failures["AcceptedOne"].startswith("HTTP 403 from OpenReview: ForbiddenError")
    assert "RejectedOne" in result.records
    openreview.inject(Respond(orf.cloudflare()))
    result, _ = run(OpenReviewSource, openreview.url, ["AcceptedOne", "RejectedOne"])
    assert "bot check" in result.failures["AcceptedOne"]
    assert result.failures["RejectedOne"].startswith("not asked")


def test_openreview_faults_and_empty_answers(openreview: orf.FakeOpenReview) -> None:
    openreview.inject(Status(429, retry_after=7), Respond(Response(200, b"{notes:")))
    result, clock = run(OpenReviewSource, openreview.url, ["AcceptedOne"])
    assert "AcceptedOne" in result.records and clock.sleeps == [7.0, 10.0]
    openreview.inject(Respond(Response(200, b'{"notes": [], "count": 0}')))
    result, _ = run(OpenReviewSource, openreview.url, ["AcceptedOne"])
    assert result.failures == {"AcceptedOne": "unknown to OpenReview"}


@pytest.mark.parametrize(
    ("venue", "clean"),
    [
        ("ICLR 2024 poster", "ICLR 2024"),
        ("ICLR 2023 notable top 25%", "ICLR 2023"),
        ("ICLR 2024 Oral", "ICLR 2024"),
        ("NeurIPS 2023 Datasets and Benchmarks Poster", "NeurIPS 2023 Datasets and Benchmarks"),
        ("TMLR", "TMLR"),
    ],
)
def test_openreview_venue_without_presentation_type(venue: str, clean: str) -> None:
    assert clean_venue(venue) == clean
