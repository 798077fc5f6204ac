"""CsafSource.collect against a real local HTTP server serving the corpus distribution files.

The cisagov IT ROLIE feed (with its real "ref" quirk), changes.csv and index.txt list four
documents; only va-24-254-02 is in the corpus, so the other three paths serve other real
corpus documents. URLs inside the files are rewritten to the local server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from httpserver import LocalServer, Reply

from advisories.config import Config, DigestConfig, FeedConfig
from advisories.errors import FetchError, ParseError
from advisories.pipeline import Pipeline
from advisories.report import RunSummary
from advisories.sources import Collected, Fetcher
from advisories.sources.csaf import CsafSource
from advisories.sources.csaf_collect import Listed, collect_documents, next_cursor
from advisories.sources.fetch import FetchPolicy, fetch
from advisories.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "csaf"
CISA_RAW = "https://raw.githubusercontent.com/cisagov/CSAF/develop/"
WELL_KNOWN = "/.well-known/csaf/provider-metadata.json"
DIRECTORY = "/csaf_files/IT/white/"
FEED = DIRECTORY + "cisa-csaf-it-feed-tlp-white.json"
FAST = FetchPolicy(timeout_s=2.0, total_s=5.0, retries=0, backoff_s=0.01)
# Feed entry -> the corpus document served at its path, and that entry's `updated`.
DOCUMENTS = {
    "va-24-254-02": ("cisagov-CSAF_IT_white_2024_va-24-254-02.json", "2024-10-03T16:03:00+00:00"),
    "va-24-262-01": ("cisagov-CSAF_OT_white_2024_icsa-24-284-08.json", "2024-09-18T16:56:00+00:00"),
    "va-24-201-01": ("cisagov-CSAF_OT_white_2023_icsa-23-103-04.json", "2024-09-18T16:00:00+00:00"),
    "va-24-254-01": ("oasis-csaf20-example_csaf_bsi-2022-0001.json", "2024-09-10T20:08:00+00:00"),
}
NEWEST = DOCUMENTS["va-24-254-02"][1]


def doc_path(name: str) -> str:
    return f"{DIRECTORY}2024/{name}.json"


def local(server: LocalServer, body: bytes) -> bytes:
    return body.replace(CISA_RAW.encode(), server.url("/").encode())


def provider_metadata(server: LocalServer, name: str = "oasis-csaf20-example_provider-metadata_"
                      "example-01-provider-metadata.json") -> bytes:
    body = (FIXTURES / name).read_bytes()
    body = body.replace(b"https://www.example.com/.well-known/csaf/feed-tlp-white.json",
                        server.url(FEED).encode())
    return body.replace(b"https://stackabletech.github.io/advisories/csaf/v2/advisories/",
                        server.url(DIRECTORY).encode())


def rolie_feed(server: LocalServer, **updated: str) -> bytes:
    """The cisagov feed; `updated` moves entries' times (entry id in lower case -> time)."""
    data = json.loads(local(server, (FIXTURES / "cisagov-CSAF_IT_white_cisa-csaf-it-feed-tlp-white.json")
                            .read_bytes()))
    for entry in data["feed"]["entry"]:
        entry["updated"] = updated.get(entry["id"].lower(), entry["updated"])
    return json.dumps(data).encode()


def document(name: str, **tracking: str) -> bytes:
    data = json.loads((FIXTURES / DOCUMENTS[name][0]).read_bytes())
    data["document"]["tracking"].update(tracking)
    return json.dumps(data).encode()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        srv.route(WELL_KNOWN, Reply(body=provider_metadata(srv)))
        srv.route(FEED, Reply(body=rolie_feed(srv)))
        for name in DOCUMENTS:
            srv.route(doc_path(name), Reply(body=document(name)))
        yield srv


def getter(feed: str = "cisa-csaf") -> Fetcher:
    return partial(fetch, feed, policy=FAST)


def collect(server: LocalServer, cursor: str | None, path: str = WELL_KNOWN) -> Collected:
    return CsafSource().collect("cisa-csaf", server.url(path), getter(), cursor, None)


def document_hits(server: LocalServer) -> dict[str, int]:
    return {name: len(server.hits(doc_path(name))) for name in DOCUMENTS}


def test_first_run_follows_provider_metadata_and_rolie_and_fetches_every_document(server: LocalServer) -> None:
    got = collect(server, None)
    assert sorted(a.id for a in got.advisories) == [
        "csaf:BSI-2022-0001", "csaf:ICSA-23-103-04", "csaf:ICSA-24-284-08", "csaf:VA-24-254-02"]
    assert got.cursor == NEWEST and got.problems == []
    assert document_hits(server) == dict.fromkeys(DOCUMENTS, 1)
    assert all(r.headers["Accept"] == "application/json" for r in server.requests)
    # The "ref": "hash" / "signature" links are not documents.
    assert not [r for r in server.requests if r.path.endswith((".sha512", ".asc"))]
    topbraid = next(a for a in got.advisories if a.id == "csaf:VA-24-254-02")
    assert topbraid.revision == "1.0.1" and topbraid.updated == datetime(2024, 10, 3, 16, 3, tzinfo=UTC)


def test_second_run_fetches_only_the_document_whose_updated_moved(server: LocalServer, tmp_path: Path) -> None:
    store = Store.open(tmp_path / "state.db")
    first = collect(server, None)
    for advisory in first.advisories:
        store.upsert_advisory(advisory, at=datetime.now(UTC))
    unchanged = collect(server, first.cursor)
    assert unchanged.advisories == [] and unchanged.cursor == first.cursor
    assert document_hits(server) == dict.fromkeys(DOCUMENTS, 1)

    reissued = "2024-10-20T09:00:00+00:00"
    server.route(FEED, Reply(body=rolie_feed(server, **{"va-24-201-01": reissued})))
    server.route(doc_path("va-24-201-01"),
                 Reply(body=document("va-24-201-01", version="2", current_release_date=reissued)))
    second = collect(server, unchanged.cursor)
    assert document_hits(server) == {**dict.fromkeys(DOCUMENTS, 1), "va-24-201-01": 2}
    [advisory] = second.advisories
    assert advisory.id == "csaf:ICSA-23-103-04" and advisory.revision == "2"
    assert second.cursor == reissued
    assert store.upsert_advisory(advisory, at=datetime.now(UTC)) == "updated"
    store.close()


def test_a_failed_document_is_a_problem_holds_the_cursor_and_is_retried(server: LocalServer) -> None:
    failing = doc_path("va-24-262-01")
    server.route(failing, Reply(status=500))
    got = collect(server, None)
    assert len(got.advisories) == 3
    [problem] = got.problems
    assert problem.startswith(f"cisa-csaf: document {server.url(failing)} not stored: ")
    assert "HTTP 500" in problem and "tried again next run" in problem
    # va-24-262-01 (16:56) failed: the cursor stops at the document before it (16:00).
    assert got.cursor == DOCUMENTS["va-24-201-01"][1]

    server.route(failing, Reply(body=document("va-24-262-01")))
    again = collect(server, got.cursor)
    assert sorted(a.id for a in again.advisories) == ["csaf:ICSA-24-284-08", "csaf:VA-24-254-02"]
    assert again.cursor == NEWEST and again.problems == []
    assert len(server.hits(failing)) == 2 and len(server.hits(doc_path("va-24-254-01"))) == 1


def test_bad_json_and_a_missing_tracking_are_problems_too(server: LocalServer) -> None:
    server.route(doc_path("va-24-254-01"), Reply(body=b"<html>Just a moment...</html>"))
    server.route(doc_path("va-24-254-02"), Reply(body=b'{"document": {"title": "no tracking"}}'))
    got = collect(server, None)
    assert len(got.advisories) == 2 and len(got.problems) == 2
    assert "not valid JSON" in got.problems[0] and "document.tracking" in got.problems[1]
    assert got.cursor is None  # the oldest document failed: nothing is known to be complete


def test_a_directory_distribution_reads_changes_csv(server: LocalServer) -> None:
    server.route(WELL_KNOWN, Reply(body=provider_metadata(server, "stackabletech_provider-metadata.json")))
    server.route(DIRECTORY + "changes.csv", Reply(body=(FIXTURES / "cisagov-CSAF_IT_white_changes.csv")
                                                 .read_bytes()))
    got = collect(server, None)
    assert len(got.advisories) == 4 and got.cursor == NEWEST
    assert document_hits(server) == dict.fromkeys(DOCUMENTS, 1) and not server.hits(FEED)
    later = collect(server, "2024-09-18T16:00:00Z")
    assert sorted(a.id for a in later.advisories) == ["csaf:ICSA-24-284-08", "csaf:VA-24-254-02"]


def test_a_directory_without_changes_csv_falls_back_to_index_txt(server: LocalServer) -> None:
    server.route(DIRECTORY + "index.txt", Reply(body=(FIXTURES / "cisagov-CSAF_IT_white_index.txt").read_bytes()))
    got = collect(server, "2024-01-01T00:00:00+00:00", path=DIRECTORY)
    assert len(server.hits(DIRECTORY + "changes.csv")) == 1
    # index.txt gives no dates: every document is read and the cursor cannot move.
    assert len(got.advisories) == 4 and got.cursor == "2024-01-01T00:00:00+00:00"


def test_a_single_document_url_is_read_once_and_skipped_when_unchanged(server: LocalServer) -> None:
    got = collect(server, None, path=doc_path("va-24-254-02"))
    assert [a.id for a in got.advisories] == ["csaf:VA-24-254-02"] and got.cursor == NEWEST
    assert collect(server, got.cursor, path=doc_path("va-24-254-02")).advisories == []
    assert len(server.hits(doc_path("va-24-254-02"))) == 2  # once per run, never twice in one


def test_the_cap_works_through_a_backlog_oldest_first(server: LocalServer) -> None:
    def run(cursor: str | None) -> Collected:
        return collect_documents("cisa-csaf", server.url(FEED), getter(), cursor,
                                 lambda doc, feed, url: CsafSource().parse(json.dumps(doc).encode(),
                                                                           feed=feed, url=url)[0], limit=2)

    first = run(None)
    assert sorted(a.id for a in first.advisories) == ["csaf:BSI-2022-0001", "csaf:ICSA-23-103-04"]
    assert first.cursor == DOCUMENTS["va-24-201-01"][1]
    second = run(first.cursor)
    assert sorted(a.id for a in second.advisories) == ["csaf:ICSA-24-284-08", "csaf:VA-24-254-02"]
    assert second.cursor == NEWEST and run(second.cursor).advisories == []


def test_a_document_marked_amber_is_not_stored_but_passed(server: LocalServer) -> None:
    data: dict[str, Any] = json.loads(document("va-24-254-01"))
    data["document"]["distribution"]["tlp"]["label"] = "AMBER"
    server.route(doc_path("va-24-254-01"), Reply(body=json.dumps(data).encode()))
    got = collect(server, None)
    assert len(got.advisories) == 3 and got.cursor == NEWEST
    assert ["TLP:AMBER" in p for p in got.problems] == [True]


def test_a_provider_that_is_down_stops_after_five_failures_in_a_row(server: LocalServer) -> None:
    entries = json.loads(rolie_feed(server))
    entry = entries["feed"]["entry"][0]
    entries["feed"]["entry"] = [{**entry, "link": [{"rel": "self", "href": server.url(f"/gone/{i}.json")}]}
                                for i in range(8)]
    server.route(FEED, Reply(body=json.dumps(entries).encode()))
    got = collect(server, None, path=FEED)
    assert len(server.requests) == 1 + 5 and got.cursor is None
    assert got.problems[-1] == "cisa-csaf: stopped after 5 failed documents in a row; the other 3 are tried next run"


def test_provider_metadata_or_feed_that_cannot_be_read_raises(server: LocalServer) -> None:
    with pytest.raises(FetchError, match="answered HTTP 404"):
        collect(server, None, path="/nowhere/provider-metadata.json")
    server.route(FEED, Reply(status=404))
    with pytest.raises(FetchError, match=r"cisa-csaf: .*feed-tlp-white\.json answered HTTP 404"):
        collect(server, None)
    server.route(FEED, Reply(body=b'{"service": {}}'))
    with pytest.raises(ParseError, match=r"cisa-csaf: .*feed-tlp-white\.json: ROLIE feed has no .feed."):
        collect(server, None)
    with pytest.raises(ParseError, match="not CSAF provider metadata, a ROLIE feed or a CSAF document"):
        collect(server, None, path=FEED)
    server.route(WELL_KNOWN, Reply(body=b'{"distributions": [{"rolie": {"feeds": [{"tlp_label": "RED", '
                                        b'"url": "https://x.example/red.json"}]}}]}'))
    with pytest.raises(ParseError, match="no public"):
        collect(server, None)
    assert not any(r.path.endswith(".json") and "/2024/" in r.path for r in server.requests)


@pytest.mark.parametrize(("done", "cursor"), [
    ({"a", "b", "c", "d"}, "2024-01-03T00:00:00+00:00"),
    ({"a", "c", "d"}, "2024-01-01T00:00:00+00:00"),  # b and c share a time: c alone is not enough
    ({"b", "c", "d"}, "old"),
    (set(), "old"),
])
def test_next_cursor_stops_before_the_first_unfinished_time(done: set[str], cursor: str) -> None:
    day = [datetime(2024, 1, d, tzinfo=UTC) for d in (1, 2, 3)]
    listed = [Listed("c", day[1]), Listed("a", day[0]), Listed("b", day[1]), Listed("d", day[2]),
              Listed("undated", None)]
    assert next_cursor(listed, done, "old") == cursor


def test_the_pipeline_stores_the_cursor_and_hands_it_back(server: LocalServer, tmp_path: Path) -> None:
    feed = FeedConfig(name="cisa-csaf", kind="csaf", url=server.url(WELL_KNOWN), path=None, every_s=3600)
    config = Config(path=tmp_path / "feeds.toml", state=tmp_path / "state.db", outbox=tmp_path / "outbox",
                    rules=tmp_path, templates=None, bulletins=tmp_path, timezone="Europe/London",
                    sender="alerts@council.example.gov.uk", smtp=None, feeds=(feed,), councils=(),
                    digest=DigestConfig())
    store = Store.open(config.state)
    pipeline = Pipeline(config, store, policy=FAST)
    summary = RunSummary()
    pipeline.poll(feed, summary, force=True)
    state = store.feed_state("cisa-csaf")
    assert summary.advisories_new == 4 and state is not None and state.cursor == NEWEST
    pipeline.poll(feed, summary, force=True)
    assert summary.advisories_new == 4 and document_hits(server) == dict.fromkeys(DOCUMENTS, 1)
    store.close()
