"""The only HTTP code in the project: download one feed, politely and defensively; and post one
message to a channel (a Teams workflow, a webhook: `post`), under the same caps and deadlines.

Polite: a User-Agent naming the project, conditional GET (ETag / Last-Modified), few
bounded retries with exponential backoff, Retry-After honoured. Defensive: every wait is
bounded (connect and read timeouts, plus a wall-clock cap on the whole request for a
server that dribbles bytes), the body is size-capped while it streams, and every failure is
a FetchError that starts with the feed's name and says what to do.

The wall-clock cap is enforced by a watchdog timer rather than by checks between reads,
because a stalled request blocks inside a read that no check can reach: socket timeouts
bound each wait, not their sum, so a server sending a header byte every few seconds, or
redirecting in a slow loop, never trips them. At the deadline the watchdog shuts the
request's sockets down, which wakes the blocked read in whatever thread runs it (APScheduler
runs jobs in worker threads, so signal.alarm is not an option).
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from itertools import pairwise
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection
from urllib3.connectionpool import HTTPConnectionPool

from advisories import __version__
from advisories.errors import FetchError
from advisories.models import FetchResult

log = logging.getLogger(__name__)

USER_AGENT = f"advisories/{__version__} (council threat-advisory alerts; python-requests)"
PERMANENT_REDIRECTS = frozenset({301, 308})
_CHUNK = 64 * 1024
_RETRY_HINT = "usually temporary: the next run tries again; if it persists, check the url"


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """How patient and how generous to be with one download. Tests shrink every number."""

    timeout_s: float = 20.0  # connect timeout, and the longest wait for any single read
    total_s: float = 60.0  # wall-clock cap on one attempt (connect, TLS, redirects, headers, body)
    max_bytes: int = 10 * 1024 * 1024
    retries: int = 2  # extra attempts after the first, for 5xx, 429, timeouts, resets
    backoff_s: float = 1.0  # first retry waits this long, then twice as long each time
    max_retry_after_s: float = 120.0  # a longer Retry-After means "not this run"
    max_redirects: int = 10
    user_agent: str = USER_AGENT
    # Statuses returned as results instead of raised: the CVE API answers 404 with a JSON body
    # for an id that has no record, which is an answer, not a failure.
    answers: frozenset[int] = frozenset()
    sleep: Callable[[float], None] = time.sleep  # tests pass a recorder: no real waiting
    # Follow redirects within the first URL's host only: a feed item's article page may move on
    # its own site, but a link on the NCSC's site must never have us read another site.
    same_host: bool = False
    # time.monotonic() by which every download of one feed's poll must end (its [[feeds]]
    # deadline): each attempt's cap is cut to what is left, and no retry starts past it.
    deadline: float | None = None

    def for_feed(self, deadline_s: float, max_bytes: int | None = None) -> FetchPolicy:
        return replace(self, deadline=time.monotonic() + deadline_s, max_bytes=max_bytes or self.max_bytes)

    def left_s(self) -> float:
        """Seconds an attempt may take: the total cap, or less when the deadline is near."""
        if self.deadline is None:
            return self.total_s
        return min(self.total_s, self.deadline - time.monotonic())


DEFAULT_POLICY = FetchPolicy()


class _Retryable(Exception):
    """One attempt failed in a way that another attempt might not."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def fetch(
    feed: str,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    policy: FetchPolicy = DEFAULT_POLICY,
    session: requests.Session | None = None,
    accept: str = "*/*",
    extra_headers: Mapping[str, str] | None = None,
) -> FetchResult:
    """GET `url` for `feed`. Returns status 200 with the body, or 304 with body None.

    Raises FetchError for anything else; `disable` is set when the publisher removed the
    feed (410). `permanent_url` is set when 301/308 redirects moved the feed, so the caller
    can remember the new address.

    A given `session` is used for its headers, cookies and proxies, but its transport
    adapters are replaced (once) by capped ones: the total-time cap lives there, and no
    session may bypass it. Like any requests Session, it must not be shared between threads.
    """
    if not _is_http_url(url):
        raise FetchError(
            f"{feed}: {url!r} is not an http(s) URL",
            hint="use an https:// url, or `path = ...` for a local file, in feeds.toml",
        )
    headers = _request_headers(policy, etag, last_modified, accept)
    headers.update({k: v for k, v in (extra_headers or {}).items() if _header_safe(v)})
    own_session = session is None
    http = session if session is not None else _new_session(policy)
    try:
        return _with_retries(feed, url, headers, policy, http)
    finally:
        if own_session:
            http.close()


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:  # "https://[broken"
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _new_session(policy: FetchPolicy) -> requests.Session:
    session = requests.Session()
    session.max_redirects = policy.max_redirects
    _capped_adapters(session)
    return session


def _capped_adapters(session: requests.Session) -> list[_CappedAdapter]:
    """The session's adapters, after replacing any that is not capped.

    Every prefix must be capped, not only the feed's scheme: a redirect can move the request
    from http to https (or to a host with its own mount) halfway through the attempt.
    """
    replacement: _CappedAdapter | None = None
    for prefix, adapter in list(session.adapters.items()):
        if not isinstance(adapter, _CappedAdapter):
            replacement = replacement or _CappedAdapter()
            adapter.close()  # its pooled connections would otherwise wait for the GC
            session.mount(prefix, replacement)
    return list({id(a): a for a in session.adapters.values() if isinstance(a, _CappedAdapter)}.values())


def _request_headers(
    policy: FetchPolicy, etag: str | None, last_modified: str | None, accept: str
) -> dict[str, str]:
    headers = {"User-Agent": policy.user_agent, "Accept": accept}
    # Validators come from an earlier response; a mangled one would only make requests
    # refuse to send, so skip it and do a full GET instead.
    if etag and _header_safe(etag):
        headers["If-None-Match"] = etag
    if last_modified and _header_safe(last_modified):
        headers["If-Modified-Since"] = last_modified
    return headers


def _header_safe(value: str) -> bool:
    return len(value) <= 1024 and value.isprintable()


def _with_retries(
    feed: str, url: str, headers: dict[str, str], policy: FetchPolicy, http: requests.Session
) -> FetchResult:
    attempts = max(0, policy.retries) + 1
    for attempt in range(1, attempts + 1):
        try:
            return _attempt(feed, url, headers, policy, http)
        except _Retryable as failure:
            wait = policy.backoff_s * 2 ** (attempt - 1)
            if failure.retry_after is not None:
                if failure.retry_after > policy.max_retry_after_s:
                    raise FetchError(
                        f"{feed}: {failure.reason} from {url}, and the server asked us to "
                        f"wait {failure.retry_after:.0f} s",
                        hint="the next run tries again; poll this feed less often if it recurs",
                        retry_after=failure.retry_after,
                    ) from failure
                wait = max(wait, failure.retry_after)
            if policy.deadline is not None and attempt < attempts and policy.deadline - time.monotonic() <= wait:
                raise FetchError(
                    f"{feed}: {failure.reason} from {url}; no time left for another attempt before the "
                    "feed's deadline", hint=_RETRY_HINT) from failure.__cause__
            if attempt == attempts:
                raise FetchError(
                    f"{feed}: {failure.reason} from {url}; gave up after {attempts} attempts",
                    hint=_RETRY_HINT,
                ) from failure.__cause__
            log.info("%s: %s; retrying in %.1f s", feed, failure.reason, wait)
            policy.sleep(wait)
    raise AssertionError("unreachable: the loop returns or raises")


def _attempt(
    feed: str, url: str, headers: dict[str, str], policy: FetchPolicy, http: requests.Session
) -> FetchResult:
    """One attempt, all of it (connect, TLS, redirects, headers, body) within total_s.

    Going over the cap is not retried: a server that stalled for total_s will most likely
    stall again, and retries would multiply the time one feed holds up the whole run (in
    `serve`, every other job). The next run tries again.
    """
    seconds = policy.left_s()
    if seconds <= 0:
        raise _over_cap(feed, url, policy, 0)
    watchdog = _Watchdog(_capped_adapters(http), seconds)
    try:
        with watchdog:
            result = _request(feed, url, headers, policy, http)
    except Exception as exc:
        # Whatever the cut sockets made the request raise (a reset, an SSL error, "remote
        # end closed connection"), the real cause is the cap.
        if watchdog.fired:
            raise _over_cap(feed, url, policy, seconds) from exc
        raise
    if watchdog.fired:
        # A body without Content-Length ends when the connection does, so one cut short by
        # the watchdog looks complete: only the flag tells.
        raise _over_cap(feed, url, policy, seconds)
    return result


def _over_cap(feed: str, url: str, policy: FetchPolicy, seconds: float) -> FetchError:
    if seconds < policy.total_s:  # the feed's deadline, not the one download, ran out
        return FetchError(
            f"{feed}: {url} not downloaded: the feed's deadline passed (its downloads took all of it); gave up",
            hint="the publisher is stalled or slow: the next run tries again; if it keeps happening, "
            "raise `deadline` for this feed in feeds.toml (default \"2m\")",
        )
    return FetchError(
        f"{feed}: {url} took longer than {policy.total_s:g} s to download (the total time cap); gave up",
        hint="the server is stalled or very slow: the next run tries again; if it keeps "
        "happening, check the url or ask the publisher",
    )


def _request(
    feed: str, url: str, headers: dict[str, str], policy: FetchPolicy, http: requests.Session
) -> FetchResult:
    try:
        with http.get(
            url,
            headers=headers,
            timeout=(policy.timeout_s, policy.timeout_s),
            stream=True,
            allow_redirects=True,
            hooks={"response": _same_host_only(feed, url)} if policy.same_host else None,
        ) as resp:
            if resp.status_code not in policy.answers:
                _check_status(feed, url, resp)
            return _result(feed, url, resp, headers, policy)
    except (requests.Timeout, urllib3.exceptions.TimeoutError) as exc:
        raise _Retryable(f"timed out (nothing for {policy.timeout_s:g} s)") from exc
    except requests.TooManyRedirects as exc:
        raise FetchError(
            f"{feed}: more than {policy.max_redirects} redirects from {url}",
            hint="the publisher's server is misconfigured or the url is wrong; check it",
        ) from exc
    except (requests.ConnectionError, urllib3.exceptions.ProtocolError) as exc:
        raise _Retryable(f"connection failed ({_short_reason(exc)})") from exc
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise FetchError(
            f"{feed}: could not download {url}: {_short_reason(exc)}", hint=_RETRY_HINT
        ) from exc


def _same_host_only(feed: str, url: str) -> Callable[..., None]:
    """A requests hook refusing a redirect off `url`'s host before it is followed."""
    def site(address: str) -> tuple[str | None, int | None]:
        parts = urlsplit(address)
        return parts.hostname, parts.port or {"http": 80, "https": 443}.get(parts.scheme)

    def check(resp: requests.Response, *args: Any, **kwargs: Any) -> None:
        target = requests.compat.urljoin(resp.url, resp.headers.get("Location", ""))
        if resp.is_redirect and site(target) != site(url):
            raise FetchError(f"{feed}: {url} redirects to another site ({target[:200]}); not followed",
                             hint="only pages on the feed's own site are read")

    return check


def _result(
    feed: str,
    url: str,
    resp: requests.Response,
    sent: dict[str, str],
    policy: FetchPolicy,
) -> FetchResult:
    etag = resp.headers.get("ETag")
    last_modified = resp.headers.get("Last-Modified")
    body = None
    if resp.status_code == 304:
        # A 304 may omit the validators; the ones we sent are still the current ones.
        etag = etag or sent.get("If-None-Match")
        last_modified = last_modified or sent.get("If-Modified-Since")
    else:
        body = _read_body(feed, resp, policy)
    return FetchResult(
        feed=feed,
        url=url,
        status=resp.status_code,
        body=body,
        etag=etag,
        last_modified=last_modified,
        content_type=resp.headers.get("Content-Type"),
        permanent_url=_permanent_url(resp),
    )


def _short_reason(exc: BaseException) -> str:
    """The innermost cause ("[Errno 111] Connection refused"): requests' own text is a
    multi-line repr of connection pools."""
    for _ in range(10):  # causes can in principle form a cycle
        inner = exc.__cause__ or exc.__context__
        if inner is None:
            break
        exc = inner
    return (str(exc) or type(exc).__name__)[:200]


def _check_status(feed: str, url: str, resp: requests.Response) -> None:
    """Return for 2xx and 304; raise FetchError or _Retryable for the rest."""
    status = resp.status_code
    if 200 <= status < 300 or status == 304:
        return
    where = url if resp.url == url else f"{url} (redirected to {resp.url})"
    if status == 410:
        raise FetchError(
            f"{feed}: the publisher has removed this feed: {where} answered 410 Gone",
            hint="remove the feed from feeds.toml or replace its url",
            disable=True,
        )
    if status == 429 or status >= 500:
        after = resp.headers.get("Retry-After") if status in (429, 503) else None
        raise _Retryable(f"HTTP {status}", retry_after=retry_after_seconds(after))
    raise FetchError(f"{feed}: {where} answered HTTP {status}", hint=_status_hint(status))


def _status_hint(status: int) -> str:
    if status == 404:
        return "the feed has moved or the url is wrong: check the url in feeds.toml"
    if status in (401, 403):
        return "the server refused us: check the url in feeds.toml, or ask the publisher"
    if 300 <= status < 400:
        return "a redirect without a usable Location: check the url in feeds.toml"
    return "check the url in feeds.toml"


def _read_body(feed: str, resp: requests.Response, policy: FetchPolicy) -> bytes:
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise _too_big(feed, resp.url, policy)
    chunks: list[bytes] = []
    size = 0
    while True:
        # A server dribbling bytes is cut off by the watchdog (see _attempt), not here.
        # read1 returns whatever one socket read brings; iter_content would block until a
        # whole chunk arrived, which a dribbling server can stretch out indefinitely.
        chunk = resp.raw.read1(_CHUNK, decode_content=True)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > policy.max_bytes:  # counts decoded bytes, so a gzip bomb stops here too
            raise _too_big(feed, resp.url, policy)
        chunks.append(chunk)


def _too_big(feed: str, url: str, policy: FetchPolicy) -> FetchError:
    return FetchError(
        f"{feed}: {url} is larger than the {policy.max_bytes} byte limit",
        hint="check the url in feeds.toml points at a feed; if it really is this big, raise "
        f"`max_size_mb` for this feed in feeds.toml (now {policy.max_bytes // (1024 * 1024) or 1})",
    )


def _permanent_url(resp: requests.Response) -> str | None:
    """Where 301/308 redirects moved the feed, or None.

    Only the leading run of permanent hops counts: once a temporary (302/307) hop appears,
    what follows is where the publisher points today, not the feed's new home.
    """
    hops = [*resp.history, resp]
    moved_to = None
    for hop, following in pairwise(hops):
        if hop.status_code not in PERMANENT_REDIRECTS:
            break
        moved_to = following.url
    return moved_to


# -- the total-time cap ------------------------------------------------------------------

_CAP_KW = "advisories_cap"  # key in a pool's conn_kw that hands each new connection its adapter


class _CappedAdapter(HTTPAdapter):
    """An HTTPAdapter whose sockets a watchdog thread can shut down all at once.

    shutdown(SHUT_RDWR) wakes a recv() blocked on the socket in another thread, plain or
    TLS, and makes every later one return at once; close() may not wake it, and would free
    the descriptor number for reuse under the reader.
    """

    def __init__(self, **kwargs: Any) -> None:
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []  # this attempt's duplicates, closed by disarm()
        self._cut = False
        self._deadline: float | None = None
        self.attempt = 0  # counts arm() calls, so a connection knows if this one has seen it
        super().__init__(**kwargs)

    # requests >= 2.32.2 asks for a pool with this; older versions with get_connection.
    def get_connection_with_tls_context(self, *args: Any, **kwargs: Any) -> HTTPConnectionPool:
        return self._watch(super().get_connection_with_tls_context(*args, **kwargs))

    def get_connection(self, *args: Any, **kwargs: Any) -> HTTPConnectionPool:
        return self._watch(super().get_connection(*args, **kwargs))

    def _watch(self, pool: HTTPConnectionPool) -> HTTPConnectionPool:
        # Every pool passes through here before its first connection is made, so each of
        # its connections (plain, TLS, via a proxy) is one that reports its socket.
        if pool.conn_kw.get(_CAP_KW) is not self:
            pool.ConnectionCls = _watched_class(pool.ConnectionCls)
            pool.conn_kw[_CAP_KW] = self
        return pool

    def arm(self, deadline: float) -> None:
        with self._lock:
            self._cut, self._deadline = False, deadline
            self.attempt += 1

    def disarm(self) -> None:
        with self._lock:
            self._cut, self._deadline = False, None
            socks, self._socks = self._socks, []
        for watch in socks:
            watch.close()

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            for watch in self._socks:
                _shutdown(watch)

    def connect_timeout(self, timeout: float | None) -> float | None:
        """`timeout`, shortened so connecting cannot outlast the deadline either."""
        with self._lock:
            deadline = self._deadline
        if deadline is None:
            return timeout
        left = max(deadline - time.monotonic(), 0.001)
        return left if timeout is None else min(timeout, left)

    def track(self, sock: socket.socket) -> int | None:
        """Keep a duplicate descriptor of `sock` until the attempt ends, for cut().

        Returns the attempt it is tracked for, or None outside fetch()'s watchdog.

        A duplicate, because the connection's own socket objects come and go while the
        connection lives: TLS detaches the plain socket (its fileno becomes -1) before the
        handshake and the SSLSocket only exists after it, and http.client closes the
        connection as soon as it sees `Connection: close`, while the body is still read
        through the response. The duplicate reaches the connection throughout; and it is
        ours, so its number cannot be reused by an unrelated socket while cut() may use it.
        """
        with self._lock:
            if self._deadline is None:
                return None
            watch = socket.fromfd(sock.fileno(), sock.family, sock.type, sock.proto)
            self._socks.append(watch)
            if self._cut:  # connected after the deadline: dead on arrival
                _shutdown(watch)
            return self.attempt

    def close(self) -> None:
        super().close()
        self.disarm()  # in case the session is closed while an attempt is under way


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already shut down, or the peer already reset it
        sock.shutdown(socket.SHUT_RDWR)


class _WatchedConnection(HTTPConnection):
    """Mixed into whatever connection class a pool uses: reports each socket it uses."""

    _cap: _CappedAdapter | None = None
    _cap_attempt: int | None = None  # the attempt this connection's socket is tracked for

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._cap = kwargs.pop(_CAP_KW, None)
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        cap = self._cap
        if cap is not None and (self.timeout is None or isinstance(self.timeout, int | float)):
            self.timeout = cap.connect_timeout(self.timeout)
        sock = super()._new_conn()
        if cap is not None:  # before TLS and any proxy tunnel, so those are covered too
            self._cap_attempt = cap.track(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        # A kept-alive connection reused from an earlier attempt (or outside one) is not
        # yet watched by this attempt.
        cap = self._cap
        if cap is not None and self.sock is not None and self._cap_attempt != cap.attempt:
            self._cap_attempt = cap.track(self.sock)
        super().request(*args, **kwargs)


@cache
def _watched_class(cls: type[HTTPConnection]) -> type[HTTPConnection]:
    if issubclass(cls, _WatchedConnection):
        return cls
    return type(f"Watched{cls.__name__}", (_WatchedConnection, cls), {})


class _Watchdog:
    """Within `with`, cuts the adapters' connections once `seconds` have passed.

    A timer thread per attempt: it costs well under a millisecond next to any download,
    needs no long-lived thread, and is cancelled and joined on the way out, so none is left
    behind. `fired` is final once the `with` has exited.
    """

    def __init__(self, adapters: list[_CappedAdapter], seconds: float) -> None:
        self._adapters = adapters
        self._seconds = seconds
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True  # never what keeps a stopping process alive
        self._timer.name = "advisories-fetch-cap"
        self.fired = False

    def _fire(self) -> None:
        self.fired = True
        for adapter in self._adapters:
            adapter.cut()

    def __enter__(self) -> _Watchdog:
        deadline = time.monotonic() + self._seconds
        for adapter in self._adapters:
            adapter.arm(deadline)
        self._timer.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._timer.cancel()
        self._timer.join()
        for adapter in self._adapters:
            adapter.disarm()


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


# -- POST: a message to one destination --------------------------------------------------------

_ANSWER_BYTES = 64 * 1024  # of a POST's response: only its first line is kept


@dataclass(frozen=True, slots=True)
class Posted:
    """What one `post` came to. `status`: the last HTTP status, None when no response came.
    `first_line`: the start of the response's body (or why there was none). `unknown`: the body
    went out and no answer came (a read timeout, the cap, a reset): it may have arrived.
    `retry_after`: seconds the server asked for beyond what one call waits."""

    status: int | None
    first_line: str = ""
    unknown: bool = False
    retry_after: float | None = None
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """Worth another call later: 429, 5xx, or no connection at all."""
        return not self.unknown and (self.status is None or self.status == 429 or self.status >= 500)


def post(url: str, body: bytes, *, headers: Mapping[str, str], policy: FetchPolicy = DEFAULT_POLICY,
         headers_for: Callable[[], Mapping[str, str]] | None = None) -> Posted:
    """POST `body` to `url`, never raising for what the server or the network did.

    429 and 5xx are tried again (policy.retries times) after the backoff or the Retry-After
    asked for (one longer than policy.max_retry_after_s ends the call: the next run tries); a
    refused connection too. A timeout or a drop after the body was sent is not tried again: it
    may have been taken. No redirects are followed. `headers_for`: headers made afresh for each
    attempt (a signature over the time it is sent).
    """
    http = _new_session(policy)
    try:
        attempts = max(0, policy.retries) + 1
        outcome = Posted(None, "not tried")
        for attempt in range(1, attempts + 1):
            sent = {"User-Agent": policy.user_agent, **headers, **(headers_for() if headers_for else {})}
            outcome = replace(_post_once(url, body, sent, policy, http), attempts=attempt)
            if outcome.ok or not outcome.retryable:
                return outcome
            wait = policy.backoff_s * 2 ** (attempt - 1)
            if outcome.retry_after is not None:
                if outcome.retry_after > policy.max_retry_after_s:
                    return outcome
                wait = max(wait, outcome.retry_after)
            out_of_time = policy.deadline is not None and policy.deadline - time.monotonic() <= wait
            if attempt == attempts or out_of_time:
                return outcome
            log.info("POST %s: HTTP %s; retrying in %.1f s", urlsplit(url).hostname, outcome.status, wait)
            policy.sleep(wait)
        return outcome
    finally:
        http.close()


def _post_once(url: str, body: bytes, headers: dict[str, str], policy: FetchPolicy,
               http: requests.Session) -> Posted:
    seconds = policy.left_s()
    if seconds <= 0:
        return Posted(None, "no time left before the deadline")
    watchdog = _Watchdog(_capped_adapters(http), seconds)
    try:
        with watchdog, http.post(url, data=body, headers=headers, timeout=(policy.timeout_s, policy.timeout_s),
                                 stream=True, allow_redirects=False) as resp:
            answer = resp.raw.read(_ANSWER_BYTES, decode_content=True) or b""
            line = answer.decode("utf-8", "replace").strip().split("\n", 1)[0][:200]
            after = retry_after_seconds(resp.headers.get("Retry-After")) if resp.status_code in (429, 503) else None
            return Posted(resp.status_code, line or resp.reason or "", retry_after=after)
    except (requests.ConnectTimeout, urllib3.exceptions.ConnectTimeoutError) as exc:
        if watchdog.fired:
            return Posted(None, f"no connection within {seconds:g} s (the time cap)")
        return Posted(None, f"no connection ({_short_reason(exc)})")
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        if watchdog.fired:
            return Posted(None, f"no answer within {seconds:g} s (the time cap); it may have been delivered",
                          unknown=True)
        if _never_connected(exc):
            return Posted(None, f"no connection ({_short_reason(exc)})")
        if isinstance(exc, requests.Timeout | urllib3.exceptions.TimeoutError):
            return Posted(None, f"no answer within {policy.timeout_s:g} s after the message was sent; "
                          "it may have been delivered", unknown=True)
        return Posted(None, f"the connection dropped after the message was sent ({_short_reason(exc)}); "
                      "it may have been delivered", unknown=True)


def _never_connected(exc: BaseException) -> bool:
    """The request failed before any byte of it left: nothing can have been delivered."""
    for _ in range(10):
        if isinstance(exc, urllib3.exceptions.NewConnectionError | ConnectionRefusedError | socket.gaierror
                      | urllib3.exceptions.NameResolutionError | ssl.SSLError):
            return True
        inner = exc.__cause__ or exc.__context__
        if inner is None:
            return False
        exc = inner
    return False


def read_local(feed: str, path: Path, policy: FetchPolicy = DEFAULT_POLICY) -> FetchResult:
    """Read a `path = ...` feed from disk, under the same size cap as a download."""
    try:
        with path.open("rb") as fh:
            body = fh.read(policy.max_bytes + 1)
    except OSError as exc:
        raise FetchError(
            f"{feed}: cannot read {path}: {exc.strerror or exc}",
            hint="check the feed's path in feeds.toml",
        ) from exc
    if len(body) > policy.max_bytes:
        raise _too_big(feed, str(path), policy)
    return FetchResult(feed=feed, url=str(path), status=200, body=body)
