"""fetch() against a real local HTTP server: status handling, retries, caps, timeouts."""

from __future__ import annotations

import gzip
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from httpserver import LocalServer, Reply, Request, unused_url

from advisories.errors import FetchError
from advisories.sources.fetch import FetchPolicy, fetch, read_local, retry_after_seconds

# Tiny numbers keep the suite fast; each test that depends on one says so.
FAST = FetchPolicy(timeout_s=0.5, total_s=1.0, retries=2, backoff_s=0.01, max_bytes=64 * 1024)
FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as s:
        yield s


def test_200_returns_body_validators_and_content_type(server: LocalServer) -> None:
    server.route(
        "/feed.xml",
        Reply(
            body=FEED,
            headers={
                "ETag": '"v1"',
                "Last-Modified": "Wed, 26 Aug 2026 16:19:20 GMT",
                "Content-Type": "application/rss+xml",
            },
        ),
    )
    result = fetch("ncsc", server.url("/feed.xml"), policy=FAST)
    assert (result.status, result.body, result.feed) == (200, FEED, "ncsc")
    assert result.etag == '"v1"'
    assert result.last_modified == "Wed, 26 Aug 2026 16:19:20 GMT"
    assert result.content_type == "application/rss+xml"
    assert result.permanent_url is None


def test_user_agent_names_the_project(server: LocalServer) -> None:
    server.route("/feed.xml", Reply(body=FEED))
    fetch("ncsc", server.url("/feed.xml"), policy=FAST)
    (request,) = server.hits("/feed.xml")
    assert request.headers["User-Agent"].startswith("advisories/")
    assert "If-None-Match" not in request.headers  # first fetch is unconditional


def _conditional(request: Request) -> Reply:
    if request.headers.get("If-None-Match") == '"v1"':
        return Reply(status=304, headers={"ETag": '"v1"'})
    if request.headers.get("If-Modified-Since") == "Wed, 26 Aug 2026 16:19:20 GMT":
        return Reply(status=304)
    return Reply(body=FEED, headers={"ETag": '"v1"'})


def test_etag_then_304(server: LocalServer) -> None:
    server.route("/feed.xml", _conditional)
    first = fetch("ncsc", server.url("/feed.xml"), policy=FAST)
    second = fetch("ncsc", server.url("/feed.xml"), etag=first.etag, policy=FAST)
    assert (second.status, second.body, second.etag) == (304, None, '"v1"')
    assert server.hits("/feed.xml")[1].headers["If-None-Match"] == '"v1"'


def test_last_modified_then_304_keeps_the_validator_sent(server: LocalServer) -> None:
    server.route("/feed.xml", _conditional)
    stamp = "Wed, 26 Aug 2026 16:19:20 GMT"
    result = fetch("ncsc", server.url("/feed.xml"), last_modified=stamp, policy=FAST)
    assert (result.status, result.body, result.last_modified) == (304, None, stamp)
    assert server.hits("/feed.xml")[0].headers["If-Modified-Since"] == stamp


def test_301_chain_sets_permanent_url(server: LocalServer) -> None:
    server.route("/old", Reply.redirect(301, "/older"))
    server.route("/older", Reply.redirect(308, "/new"))
    server.route("/new", Reply(body=FEED))
    result = fetch("ncsc", server.url("/old"), policy=FAST)
    assert result.body == FEED
    assert result.permanent_url == server.url("/new")
    assert result.url == server.url("/old")  # the caller decides whether to remember it


@pytest.mark.parametrize("status", [302, 307])
def test_temporary_redirect_is_not_remembered(server: LocalServer, status: int) -> None:
    server.route("/feed", Reply.redirect(status, "/today"))
    server.route("/today", Reply(body=FEED))
    result = fetch("ncsc", server.url("/feed"), policy=FAST)
    assert (result.body, result.permanent_url) == (FEED, None)


def test_permanent_hop_after_a_temporary_one_is_not_remembered(server: LocalServer) -> None:
    server.route("/feed", Reply.redirect(302, "/moved"))
    server.route("/moved", Reply.redirect(301, "/final"))
    server.route("/final", Reply(body=FEED))
    assert fetch("ncsc", server.url("/feed"), policy=FAST).permanent_url is None


def test_410_disables_the_feed(server: LocalServer) -> None:
    server.route("/gone", Reply(status=410))
    with pytest.raises(FetchError) as caught:
        fetch("ncsc-alerts", server.url("/gone"), policy=FAST)
    assert caught.value.disable
    assert caught.value.message.startswith("ncsc-alerts: ")
    assert "removed" in caught.value.message
    assert "feeds.toml" in caught.value.hint
    assert len(server.hits("/gone")) == 1  # never retried


@pytest.mark.parametrize("status", [404, 403, 400])
def test_4xx_names_feed_url_and_status_without_retrying(server: LocalServer, status: int) -> None:
    server.route("/missing", Reply(status=status))
    with pytest.raises(FetchError) as caught:
        fetch("ncsc-alerts", server.url("/missing"), policy=FAST)
    message = caught.value.message
    assert message.startswith("ncsc-alerts: ")
    assert server.url("/missing") in message and str(status) in message
    assert caught.value.hint and not caught.value.disable
    assert len(server.hits("/missing")) == 1


def test_500_then_success_is_retried(server: LocalServer) -> None:
    server.route("/flaky", Reply(status=500), Reply(status=502), Reply(body=FEED))
    assert fetch("ncsc", server.url("/flaky"), policy=FAST).body == FEED
    assert len(server.hits("/flaky")) == 3


def test_500_forever_gives_up_after_bounded_retries(server: LocalServer) -> None:
    server.route("/down", Reply(status=500))
    with pytest.raises(FetchError) as caught:
        fetch("ncsc", server.url("/down"), policy=FAST)
    assert caught.value.message.startswith("ncsc: HTTP 500")
    assert "3 attempts" in caught.value.message
    assert len(server.hits("/down")) == 3  # 1 + FAST.retries


def test_backoff_grows_exponentially(server: LocalServer) -> None:
    server.route("/down", Reply(status=503))
    policy = FetchPolicy(timeout_s=0.5, retries=2, backoff_s=0.1)
    start = time.monotonic()
    with pytest.raises(FetchError):
        fetch("ncsc", server.url("/down"), policy=policy)
    assert time.monotonic() - start >= 0.1 + 0.2


def test_429_honours_retry_after(server: LocalServer) -> None:
    server.route("/busy", Reply(status=429, headers={"Retry-After": "1"}), Reply(body=FEED))
    start = time.monotonic()
    assert fetch("ncsc", server.url("/busy"), policy=FAST).body == FEED
    assert time.monotonic() - start >= 1.0
    assert len(server.hits("/busy")) == 2


def test_retry_after_beyond_the_cap_gives_up_at_once(server: LocalServer) -> None:
    server.route("/busy", Reply(status=503, headers={"Retry-After": "3600"}))
    start = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch("ncsc", server.url("/busy"), policy=FAST)
    assert time.monotonic() - start < 1.0
    assert caught.value.message.startswith("ncsc: ") and "3600 s" in caught.value.message
    assert len(server.hits("/busy")) == 1


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = datetime(2026, 8, 26, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 26 Aug 2026 12:01:00 GMT", now=now) == 60.0
    assert retry_after_seconds("Wed, 26 Aug 2026 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_server_that_never_answers_times_out(server: LocalServer) -> None:
    server.route("/slow", Reply(body=FEED, delay_s=5))
    policy = FetchPolicy(timeout_s=0.3, total_s=1.0, retries=1, backoff_s=0.01)
    start = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch("ncsc", server.url("/slow"), policy=policy)
    assert time.monotonic() - start < 2.0  # two attempts of ~0.3 s, far below the 5 s delay
    assert caught.value.message.startswith("ncsc: timed out")
    assert len(server.hits("/slow")) == 2  # timeouts are retried


def test_dribbling_server_is_cut_off_by_the_wall_clock_cap(server: LocalServer) -> None:
    # Each byte arrives well inside the read timeout, so only the total cap can stop it:
    # 400 bytes at 20 ms would take 8 s.
    server.route("/drip", Reply(body=b"x" * 400, dribble_s=0.02))
    policy = FetchPolicy(timeout_s=0.5, total_s=0.5, retries=0)
    start = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch("ncsc", server.url("/drip"), policy=policy)
    assert time.monotonic() - start < 1.5
    assert "longer than 0.5 s" in caught.value.message


@pytest.mark.parametrize("content_length", [True, False])
def test_body_past_the_size_cap(server: LocalServer, content_length: bool) -> None:
    server.route("/big", Reply(body=b"x" * 5000, content_length=content_length))
    policy = FetchPolicy(timeout_s=0.5, max_bytes=1000, retries=2)
    with pytest.raises(FetchError) as caught:
        fetch("ncsc", server.url("/big"), policy=policy)
    assert caught.value.message.startswith("ncsc: ")
    assert "1000 byte limit" in caught.value.message
    assert "raise `max_size_mb` for this feed in feeds.toml" in caught.value.hint  # names the setting
    assert len(server.hits("/big")) == 1  # the same body would arrive again: not retried


def test_size_cap_counts_decompressed_bytes(server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * 200_000)  # ~200 bytes on the wire
    server.route("/bomb", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    with pytest.raises(FetchError, match="byte limit"):
        fetch("ncsc", server.url("/bomb"), policy=FetchPolicy(timeout_s=0.5, max_bytes=10_000))


def test_gzip_body_is_decoded(server: LocalServer) -> None:
    server.route("/gz", Reply(body=gzip.compress(FEED), headers={"Content-Encoding": "gzip"}))
    assert fetch("ncsc", server.url("/gz"), policy=FAST).body == FEED


def test_connection_refused_is_retried_then_reported() -> None:
    url = unused_url("/feed.xml")
    with pytest.raises(FetchError) as caught:
        fetch("ncsc", url, policy=FAST)
    message = caught.value.message
    assert message.startswith("ncsc: connection failed") and url in message
    assert "3 attempts" in message and caught.value.hint


def test_too_many_redirects(server: LocalServer) -> None:
    server.route("/loop", Reply.redirect(302, "/loop"))
    with pytest.raises(FetchError, match=r"^ncsc: more than 3 redirects"):
        fetch("ncsc", server.url("/loop"), policy=FetchPolicy(timeout_s=0.5, max_redirects=3))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://x.test/f", "", "https://[broken"])
def test_non_http_url_is_refused_without_a_request(url: str) -> None:
    with pytest.raises(FetchError, match=r"^ncsc: .* is not an http\(s\) URL"):
        fetch("ncsc", url, policy=FAST)


def test_a_given_session_is_used_and_left_open(server: LocalServer) -> None:
    server.route("/feed.xml", Reply(body=FEED))
    with requests.Session() as session:
        session.headers["X-Probe"] = "1"
        fetch("a", server.url("/feed.xml"), policy=FAST, session=session)
        fetch("b", server.url("/feed.xml"), policy=FAST, session=session)
    assert [r.headers["X-Probe"] for r in server.hits("/feed.xml")] == ["1", "1"]


def test_read_local(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(FEED)
    result = read_local("local", path, FAST)
    assert (result.status, result.body, result.feed) == (200, FEED, "local")


def test_read_local_size_cap_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(b"x" * 2000)
    with pytest.raises(FetchError, match=r"^local: .*1000 byte limit"):
        read_local("local", path, FetchPolicy(max_bytes=1000))
    with pytest.raises(FetchError, match=r"^local: cannot read") as caught:
        read_local("local", tmp_path / "nope.xml", FAST)
    assert "path" in caught.value.hint


# -- the total time cap covers the whole request, however the server stalls -------------------

# Every wait below is well inside the 1 s read timeout, so only the 2 s total cap can stop
# them. The bound proves "it stopped", generously. Each stall ends by itself after about 20 s
# (DRIP_LIMIT_S, 400 body bytes, 60 redirects), so without the cap a test fails, not hangs.
CAP = FetchPolicy(timeout_s=1.0, total_s=2.0, backoff_s=0.01, max_redirects=60)
BOUND_S = CAP.total_s + 3


@pytest.fixture(params=["http", "https"])
def tls_server(request: pytest.FixtureRequest) -> Iterator[LocalServer]:
    with LocalServer(tls=request.param == "https") as s:
        yield s


@pytest.fixture
def client(tls_server: LocalServer) -> Iterator[requests.Session]:
    """A session that trusts the server's certificate (unused over plain http)."""
    with requests.Session() as session:
        session.trust_env = False  # REQUESTS_CA_BUNDLE or a proxy must not get in the way
        session.verify = tls_server.cafile or True
        yield session


def _cut_at_the_cap(
    server: LocalServer, path: str, session: requests.Session | None = None
) -> FetchError:
    start = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch("slow-feed", server.url(path), policy=CAP, session=session)
    assert time.monotonic() - start < BOUND_S
    message = caught.value.message
    assert message.startswith("slow-feed: ") and "longer than 2 s" in message
    assert "\n" not in message and caught.value.hint
    return caught.value


def test_headers_dribbled_byte_by_byte_are_cut_at_the_cap(
    tls_server: LocalServer, client: requests.Session
) -> None:
    # The reviewer's repro: a status line, then one header byte at a time, for ever.
    tls_server.route("/feed.xml", Reply(header_drip_s=0.2))
    _cut_at_the_cap(tls_server, "/feed.xml", client)
    assert len(tls_server.hits("/feed.xml")) == 1  # a stall is not retried: it would stall again


@pytest.mark.parametrize("content_length", [True, False])
def test_body_dribbled_below_the_read_timeout_is_cut_at_the_cap(
    tls_server: LocalServer, client: requests.Session, content_length: bool
) -> None:
    # Without Content-Length the cut body ends like a complete one: it must not be returned.
    tls_server.route("/feed.xml", Reply(body=b"x" * 400, dribble_s=0.05, content_length=content_length))
    _cut_at_the_cap(tls_server, "/feed.xml", client)


def test_slow_redirect_loop_is_cut_at_the_cap(server: LocalServer) -> None:
    server.route("/loop", Reply.redirect(302, "/loop", delay_s=0.3))
    _cut_at_the_cap(server, "/loop")
    assert len(server.hits("/loop")) > 1  # it was the loop that was cut, not the first hop


def test_cap_holds_in_a_worker_thread(server: LocalServer) -> None:
    # How `advisories serve` runs fetches: in an APScheduler worker thread, where no signal
    # can interrupt a blocked read.
    server.route("/feed.xml", Reply(header_drip_s=0.2))
    failures: list[BaseException] = []

    def job() -> None:
        try:
            fetch("slow-feed", server.url("/feed.xml"), policy=CAP)
        except FetchError as exc:
            failures.append(exc)

    worker = threading.Thread(target=job)
    worker.start()
    worker.join(BOUND_S)
    assert not worker.is_alive()
    assert len(failures) == 1 and "longer than 2 s" in str(failures[0])


def test_next_feed_after_the_cap_is_fetched_normally(
    tls_server: LocalServer, client: requests.Session
) -> None:
    tls_server.route("/stalled.xml", Reply(header_drip_s=0.2))
    tls_server.route("/feed.xml", Reply(body=FEED))
    _cut_at_the_cap(tls_server, "/stalled.xml", client)
    # The same session, as a caller that passes one would go on using it.
    assert fetch("next-feed", tls_server.url("/feed.xml"), policy=CAP, session=client).body == FEED


def test_next_feed_after_the_cap_is_fetched_normally_with_its_own_session(server: LocalServer) -> None:
    server.route("/stalled.xml", Reply(body=b"x" * 400, dribble_s=0.05))
    server.route("/feed.xml", Reply(body=FEED))
    _cut_at_the_cap(server, "/stalled.xml")
    assert fetch("next-feed", server.url("/feed.xml"), policy=CAP).body == FEED


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts descriptors in /proc")
def test_no_thread_or_socket_is_left_behind() -> None:
    before = _open_descriptors()
    with LocalServer(tls=True) as tls, LocalServer() as plain, requests.Session() as session:
        session.trust_env, session.verify = False, tls.cafile
        for s in (tls, plain):
            s.route("/feed.xml", Reply(body=FEED))
            s.route("/stalled.xml", Reply(header_drip_s=0.2))
            s.route("/moved", Reply.redirect(301, "/feed.xml"))
        # A normal fetch is unaffected, with its own session or a given one, over either.
        for _ in range(5):
            assert fetch("ncsc", plain.url("/feed.xml"), policy=CAP).body == FEED
            assert fetch("ncsc", plain.url("/moved"), policy=CAP).body == FEED
            assert fetch("ncsc", tls.url("/feed.xml"), policy=CAP, session=session).body == FEED
        _cut_at_the_cap(plain, "/stalled.xml")
        _cut_at_the_cap(tls, "/stalled.xml", session)
        assert not [t for t in threading.enumerate() if t.name == "advisories-fetch-cap"]
    assert _open_descriptors() <= before


def test_a_same_host_fetch_never_follows_a_redirect_to_another_host() -> None:
    """A link on the feed's site that redirects elsewhere is refused before the other site is asked."""
    with LocalServer() as elsewhere, LocalServer() as server:
        server.route("/news/moved", Reply.redirect(302, "/news/here"))
        server.route("/news/here", Reply(body=b"<main>ok</main>"))
        server.route("/news/away", Reply.redirect(302, elsewhere.url("/evil")))
        elsewhere.route("/evil", Reply(body=b"<main>CVE-2024-3400</main>"))
        policy = FetchPolicy(retries=0, same_host=True)
        assert fetch("ncsc", server.url("/news/moved"), policy=policy).body == b"<main>ok</main>"
        with pytest.raises(FetchError, match="redirects to another site"):
            fetch("ncsc", server.url("/news/away"), policy=policy)
        assert elsewhere.hits("/evil") == []
