"""The only HTTP code in the project: download one feed, politely and defensively.

Polite: a User-Agent naming the project, conditional GET (ETag / Last-Modified), few
bounded retries with exponential backoff, Retry-After honoured. Defensive: every wait is
bounded (connect and read timeouts, plus a wall-clock cap for a server that dribbles
bytes), the body is size-capped while it streams, and every failure is a FetchError that
starts with the feed's name and says what to do.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

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
    total_s: float = 60.0  # wall-clock cap on one attempt, however slowly bytes arrive
    max_bytes: int = 10 * 1024 * 1024
    retries: int = 2  # extra attempts after the first, for 5xx, 429, timeouts, resets
    backoff_s: float = 1.0  # first retry waits this long, then twice as long each time
    max_retry_after_s: float = 120.0  # a longer Retry-After means "not this run"
    max_redirects: int = 10
    user_agent: str = USER_AGENT


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
    return session


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
                    ) from failure
                wait = max(wait, failure.retry_after)
            if attempt == attempts:
                raise FetchError(
                    f"{feed}: {failure.reason} from {url}; gave up after {attempts} attempts",
                    hint=_RETRY_HINT,
                ) from failure.__cause__
            log.info("%s: %s; retrying in %.1f s", feed, failure.reason, wait)
            time.sleep(wait)
    raise AssertionError("unreachable: the loop returns or raises")


def _attempt(
    feed: str, url: str, headers: dict[str, str], policy: FetchPolicy, http: requests.Session
) -> FetchResult:
    deadline = time.monotonic() + policy.total_s
    try:
        with http.get(
            url,
            headers=headers,
            timeout=(policy.timeout_s, policy.timeout_s),
            stream=True,
            allow_redirects=True,
        ) as resp:
            _check_status(feed, url, resp)
            return _result(feed, url, resp, headers, policy, deadline)
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


def _result(
    feed: str,
    url: str,
    resp: requests.Response,
    sent: dict[str, str],
    policy: FetchPolicy,
    deadline: float,
) -> FetchResult:
    etag = resp.headers.get("ETag")
    last_modified = resp.headers.get("Last-Modified")
    body = None
    if resp.status_code == 304:
        # A 304 may omit the validators; the ones we sent are still the current ones.
        etag = etag or sent.get("If-None-Match")
        last_modified = last_modified or sent.get("If-Modified-Since")
    else:
        body = _read_body(feed, resp, policy, deadline)
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


def _read_body(feed: str, resp: requests.Response, policy: FetchPolicy, deadline: float) -> bytes:
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise _too_big(feed, resp.url, policy)
    chunks: list[bytes] = []
    size = 0
    while True:
        # Checked between reads: each read waits at most timeout_s, so a server sending
        # one byte at a time is cut off near total_s rather than never.
        if time.monotonic() > deadline:
            raise _Retryable(f"download took longer than {policy.total_s:g} s")
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
        hint="check the url in feeds.toml points at a feed; if it really is this big, "
        "raise the size limit",
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
