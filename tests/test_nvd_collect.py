"""NvdSource.collect against a real local HTTP server: windows, paging, apiKey, 429, rate limits.

Pages wrap copies of the corpus CVE-2023-29059 record (renumbered) in the documented API 2.0
envelope. Only the rate limiter's clock and sleep are fake; HTTP and Retry-After are real.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from httpserver import LocalServer, Reply, Request

from advisories.errors import FetchError, ParseError
from advisories.sources import SOURCES, Collected, CollectingSource
from advisories.sources.fetch import FetchPolicy, fetch
from advisories.sources.nvd import NvdSource
from advisories.sources.nvd_collect import OVERLAP

CVE_FILE = Path(__file__).parent / "fixtures" / "nvd" / "CVE-2023-29059.nvd-api2.cve.json"
API = "/rest/json/cves/2.0"
NOW = datetime(2026, 6, 17, 6, 0, 0, tzinfo=UTC)
FAST = FetchPolicy(timeout_s=2.0, total_s=5.0, retries=2, backoff_s=0.01)


class FakeClock:
    """The rate limiter's monotonic clock; sleeping moves it on and is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def page(total: int, start: int, count: int) -> Reply:
    cves = []
    for n in range(start, start + count):
        cve: dict[str, Any] = json.loads(CVE_FILE.read_bytes())
        cve["id"] = f"CVE-2026-{10000 + n}"
        cves.append({"cve": cve})
    body = {"resultsPerPage": count, "startIndex": start, "totalResults": total, "format": "NVD_CVE",
            "version": "2.0", "timestamp": "2026-06-17T06:00:00.000", "vulnerabilities": cves}
    return Reply(body=json.dumps(body).encode(), headers={"Content-Type": "application/json"})


def query(request: Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


def collect(server: LocalServer, clock: FakeClock, cursor: str | None = None, secret: str | None = None,
            now: datetime = NOW) -> Collected:
    source = NvdSource(sleep=clock.sleep, clock=clock, now=lambda: now)
    return source.collect("nvd", server.url(API), partial(fetch, "nvd", policy=FAST), cursor, secret)


def test_the_registered_source_collects() -> None:
    assert isinstance(SOURCES["nvd"], CollectingSource)


def test_first_run_reads_the_last_seven_days_page_by_page(server: LocalServer) -> None:
    server.route(API, page(3, 0, 2), page(3, 2, 1))
    got = collect(server, FakeClock())
    assert [a.id for a in got.advisories] == ["nvd:CVE-2026-10000", "nvd:CVE-2026-10001", "nvd:CVE-2026-10002"]
    first, second = (query(r) for r in server.hits(API))
    assert first == {"lastModStartDate": "2026-06-10T06:00:00.000+00:00",
                     "lastModEndDate": "2026-06-17T06:00:00.000+00:00",
                     "resultsPerPage": "500", "startIndex": "0"}
    assert "%2B00%3A00" in server.hits(API)[0].path  # "+" sent encoded, or NVD reads a space
    assert second["startIndex"] == "2" and second["lastModEndDate"] == first["lastModEndDate"]
    assert got.cursor == NOW.isoformat() and got.problems == []
    assert all(r.headers["Accept"] == "application/json" for r in server.requests)


def test_the_api_key_goes_in_the_apikey_header_only_when_given(server: LocalServer) -> None:
    server.route(API, page(1, 0, 1))
    collect(server, FakeClock())
    collect(server, FakeClock(), secret="0123-key")
    without, keyed = server.hits(API)
    assert without.headers["apiKey"] is None
    assert keyed.headers["apiKey"] == "0123-key" and "0123-key" not in keyed.path


def test_a_429_with_retry_after_is_waited_out_then_retried(server: LocalServer) -> None:
    server.route(API, Reply(status=429, headers={"Retry-After": "1"}), page(1, 0, 1))
    started = time.monotonic()
    got = collect(server, FakeClock())
    assert time.monotonic() - started >= 1.0  # fetch.py slept the stated second, not its 0.01 s backoff
    assert len(server.hits(API)) == 2 and len(got.advisories) == 1 and got.cursor == NOW.isoformat()


def test_the_cursor_moves_to_the_window_end_and_the_next_run_starts_just_before_it(server: LocalServer) -> None:
    server.route(API, page(0, 0, 0))
    first = collect(server, FakeClock())
    later = NOW + timedelta(hours=2)
    second = collect(server, FakeClock(), cursor=first.cursor, now=later)
    assert second.cursor == later.isoformat()
    q = query(server.hits(API)[-1])
    # The overlap re-reads a few minutes so a CVE changed during the last run is not missed.
    assert q["lastModStartDate"] == (NOW - OVERLAP).isoformat(timespec="milliseconds")
    assert q["lastModEndDate"] == "2026-06-17T08:00:00.000+00:00"


def test_a_long_gap_is_read_in_windows_of_at_most_120_days(server: LocalServer) -> None:
    server.route(API, page(0, 0, 0))
    collect(server, FakeClock(), cursor=(NOW - timedelta(days=200)).isoformat())
    windows = [(q["lastModStartDate"], q["lastModEndDate"]) for q in map(query, server.hits(API))]
    assert len(windows) == 2 and windows[0][1] == windows[1][0]
    assert windows[1][1] == "2026-06-17T06:00:00.000+00:00"


def test_a_failure_keeps_finished_windows_and_raises_when_none_finished(server: LocalServer) -> None:
    server.route(API, page(1, 0, 1), Reply(status=500))
    cursor = (NOW - timedelta(days=200)).isoformat()
    got = collect(server, FakeClock(), cursor=cursor)
    first_window_end = datetime.fromisoformat(cursor) - OVERLAP + timedelta(days=120)
    assert len(got.advisories) == 1 and got.cursor == first_window_end.isoformat()
    [problem] = got.problems
    assert problem.startswith("nvd: stopped at CVEs modified ") and "HTTP 500" in problem
    with pytest.raises(FetchError, match="HTTP 500"):
        collect(server, FakeClock(), cursor=got.cursor)


def test_a_page_that_is_not_an_nvd_response_is_a_parse_error(server: LocalServer) -> None:
    server.route(API, Reply(body=b"<html>Request blocked</html>"))
    with pytest.raises(ParseError, match="not valid JSON"):
        collect(server, FakeClock())
    server.route(API, Reply(body=b'{"message": "no"}'))
    with pytest.raises(ParseError, match="no totalResults"):
        collect(server, FakeClock())


def test_the_sixth_request_without_a_key_waits_for_the_rolling_window(server: LocalServer) -> None:
    server.route(API, *(page(6, n, 1) for n in range(6)))
    clock = FakeClock()
    got = collect(server, clock)
    assert len(server.hits(API)) == 6 and len(got.advisories) == 6
    assert clock.sleeps == [pytest.approx(30.0)]  # five went at once; the sixth waited 30 s


def test_with_a_key_six_requests_go_without_waiting(server: LocalServer) -> None:
    server.route(API, *(page(6, n, 1) for n in range(6)))
    clock = FakeClock()
    collect(server, clock, secret="0123-key")
    assert len(server.hits(API)) == 6 and clock.sleeps == []
