"""Collecting from the NVD CVE API 2.0: lastModified windows, paging, the published rate limits.

The cursor is the end of the last window whose every page was stored (ISO-8601); the next
run starts a little before it. Without a cursor the last FIRST_RUN days are read. NVD allows
5 requests per rolling 30 s without an API key and 50 with one; `RateLimiter` keeps to
that, and fetch.py waits out a 429/503 Retry-After.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from advisories.errors import AdvisoriesError, FetchError, ParseError
from advisories.models import Advisory
from advisories.sources import Collected, Fetcher

log = logging.getLogger(__name__)

MAX_WINDOW = timedelta(days=120)  # NVD refuses lastModStartDate..EndDate spans over 120 days
FIRST_RUN = timedelta(days=7)
# Each run re-reads a little before the cursor: a CVE changed while the last run's final page
# was being served, or a clock a few minutes ahead of NVD's, must not fall between windows.
# The store recognises the re-read CVEs as unchanged.
OVERLAP = timedelta(minutes=15)
# Below the API's maximum (2000): a full page of real CVEs runs to ~14 MB, past the fetch size cap.
PAGE_SIZE = 500
JSON = "application/json"

# (decoded API response, feed) -> its advisories; raises ParseError.
ParsePage = Callable[[Any, str], list[Advisory]]


@dataclass(frozen=True, slots=True)
class Paging:
    """How to talk to the API this run. Tests pass a fake sleep and a fake-clocked limiter."""

    limiter: RateLimiter
    sleep: Callable[[float], None] = time.sleep
    page_size: int = PAGE_SIZE


def collect_cves(
    feed: str, url: str, get: Fetcher, cursor: str | None, secret: str | None,
    *, parse: ParsePage, paging: Paging, now: datetime,
) -> Collected:
    """CVEs modified since `cursor`; raises when not even the first window could be read."""
    now = now.astimezone(UTC).replace(microsecond=0)  # the API takes milliseconds; keep it exact
    windows = nvd_request_windows(_start(feed, cursor, now), now)
    headers = {"apiKey": secret} if secret else None
    advisories: list[Advisory] = []
    reached = cursor
    for begin, end in windows:
        try:
            advisories.extend(_window(feed, url, get, (begin, end), headers, parse, paging))
        except AdvisoriesError as exc:
            if reached == cursor:
                raise  # no window finished: the feed failed this run
            # Later windows only: keep what earlier windows stored; the next run resumes here.
            return Collected(advisories, reached, [
                f"{feed}: stopped at CVEs modified {begin:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}: "
                f"{str(exc).removeprefix(f'{feed}: ')}; the next run continues from there"])
        reached = end.isoformat()
    return Collected(advisories, reached)


def _start(feed: str, cursor: str | None, now: datetime) -> datetime:
    try:
        last = datetime.fromisoformat(cursor) if cursor else None
    except ValueError:
        log.warning("%s: stored cursor %r is not a timestamp; reading the last %s", feed, cursor, FIRST_RUN)
        last = None
    if last is None:
        return now - FIRST_RUN
    return (last if last.tzinfo else last.replace(tzinfo=UTC)) - OVERLAP


def _window(
    feed: str, url: str, get: Fetcher, window: tuple[datetime, datetime],
    headers: Mapping[str, str] | None, parse: ParsePage, paging: Paging,
) -> list[Advisory]:
    """Every page of one lastModified window, following startIndex until totalResults."""
    found: list[Advisory] = []
    index = 0
    while True:
        query = {"lastModStartDate": _nvd_time(window[0]), "lastModEndDate": _nvd_time(window[1]),
                 "resultsPerPage": paging.page_size, "startIndex": index}
        paging.limiter.acquire(paging.sleep)
        page_url = url + ("&" if "?" in url else "?") + urlencode(query)
        result = get(page_url, accept=JSON, extra_headers=headers)
        data, total, count = _page(feed, page_url, result.body)
        found.extend(parse(data, feed))
        index += count
        # count == 0 guards against a server that reports more results than it ever sends.
        if count == 0 or index >= total:
            return found


def _page(feed: str, url: str, body: bytes | None) -> tuple[Any, int, int]:
    """(decoded page, totalResults, entries on this page), or ParseError for anything else."""
    if body is None:  # no validators are sent, so only a broken server says 304
        raise FetchError(f"{feed}: {url} answered 304 to a plain GET", "the next run tries again")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"{feed}: NVD page {url} is not valid JSON: {exc}",
                         "the server may have sent an HTML error page; the next run tries again") from exc
    total = data.get("totalResults") if isinstance(data, dict) else None
    entries = data.get("vulnerabilities") if isinstance(data, dict) else None
    if not isinstance(total, int) or not isinstance(entries, list):
        raise ParseError(f"{feed}: {url} is not an NVD CVE API 2.0 page (no totalResults/vulnerabilities)",
                         "check the feed url is https://services.nvd.nist.gov/rest/json/cves/2.0")
    return data, total, len(entries)


def _nvd_time(moment: datetime) -> str:
    # NVD's documented form: 2024-04-01T13:00:00.000+01:00 (urlencode turns "+" into %2B).
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def nvd_request_windows(last_run: datetime, now: datetime) -> list[tuple[datetime, datetime]]:
    """Consecutive (lastModStartDate, lastModEndDate) windows covering last_run..now.

    NVD rejects a lastMod span over 120 days, so a long gap becomes several requests.
    """
    windows: list[tuple[datetime, datetime]] = []
    start = last_run
    while start < now:
        end = min(start + MAX_WINDOW, now)
        windows.append((start, end))
        start = end
    return windows


class RateLimiter:
    """At most `limit` requests in any rolling `window` seconds (NVD: 5/30 s, 50/30 s keyed).

    Pure bookkeeping with an injectable clock; the fetcher sleeps for `delay()` seconds.
    """

    def __init__(self, limit: int, window: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit, self.window, self.clock = limit, window, clock
        self._sent: deque[float] = deque()

    @classmethod
    def for_nvd(cls, has_api_key: bool, clock: Callable[[], float] = time.monotonic,
                window: float = 30.0) -> RateLimiter:
        return cls(50 if has_api_key else 5, window, clock)

    def delay(self) -> float:
        """Seconds to wait before the next request may be sent (0.0 when it may go now)."""
        now = self.clock()
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()
        if len(self._sent) < self.limit:
            return 0.0
        return self._sent[0] + self.window - now

    def record(self) -> None:
        """Note that a request is being sent now."""
        self._sent.append(self.clock())

    def acquire(self, sleep: Callable[[float], None] = time.sleep) -> None:
        """Wait until a request may go, then record it."""
        while (wait := self.delay()) > 0:
            sleep(wait)
        self.record()


def retry_after_seconds(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """The Retry-After of a 429/503 in seconds (delta or HTTP date), or None if absent/bad."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
