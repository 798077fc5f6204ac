"""Resolving CVE ids to CVE records: the `kind = "cve"` feed.

Every CVE id another source names (an NCSC item, a vendor RSS item, KEV, CSAF, NVD, a rule) is
looked up once in the CVE Program's own data, where the CNA's `affected[]` is the authoritative
version data for most CVEs (NVD adds CPEs only for a few since April 2026):

- `url`: the CVE Services read API; the record for an id is `GET {url}{CVE-ID}`, and a 404 with
  a JSON body means "no such record" (an answer, kept, not retried every run). Each record is
  kept with its ETag and refreshed by a conditional request once it is older than the feed's
  `every`; requests are paced (RATE per second) and a 429's Retry-After is honoured, within
  the run's patience, else the ids left over wait for the next run.
- `path`: a local copy of the CVE list (cvelistV5), records found as `**/CVE-*.json`.

One id's failure never blocks the run: the advisory keeps what it had, and the run summary names
the ids not resolved. A failure of the API itself (429, 5xx, a timeout, a refused connection)
stops the run's look-ups at once, the rest named and left for the next run: one slow or
rate-limiting service must not hold a cron run, or `serve`'s other jobs, for hours. An answer
that is not the API's (an HTML 404, a 200 that is not JSON) means the feed's url is wrong: that
is the feed failing, not an id. Pure but for the injected fetcher, sleep and clock.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from advisories.errors import AdvisoriesError, FetchError, ParseError
from advisories.models import Advisory, FetchResult, Lookup

CVE_ID = re.compile(r"^CVE-[0-9]{4}-[0-9]{4,}$")
KEY_PREFIX = "cve:"
RATE = 5.0  # requests per second: the public API's users are asked to be polite
MAX_PER_RUN = 300  # a first run naming the whole KEV catalogue spreads over a few runs
MAX_RECORD_BYTES = 2 * 1024 * 1024  # the largest real records are a few hundred KB
MAX_RUN_S = 120.0  # the look-ups' share of one run; the rest wait for the next

# (url, etag, last_modified) -> the response; raises FetchError. 404 comes back as a result.
Get = Callable[[str, str | None, str | None], FetchResult]


@dataclass
class Resolved:
    """What one run learnt. `advisories` and `lookups` are for the store."""

    advisories: list[Advisory] = field(default_factory=list)
    lookups: list[Lookup] = field(default_factory=list)
    fetched: int = 0
    not_modified: int = 0
    missing: list[str] = field(default_factory=list)  # no such record
    failed: list[str] = field(default_factory=list)  # "CVE-…: why", one line each
    deferred: list[str] = field(default_factory=list)  # left for the next run (per-run cap, or
    # the server asked us to wait longer than a run does)


def named_ids(advisories: Iterable[Advisory]) -> list[str]:
    """The CVE ids other sources name, those of prose items and rules first (they need the
    record's versions most), then the rest, then those replacing a rejected duplicate; each
    once, well-formed only."""
    def need(a: Advisory) -> int:
        return 0 if a.kind in ("rule",) or not a.affects else 1

    advisories = list(advisories)
    ordered = sorted((a for a in advisories if not a.id.startswith(("cve:", "cve-adp:"))), key=need)
    replacing = (c for a in advisories if a.withdrawn for c in a.replaced_by)
    return list(dict.fromkeys(c for c in (*(c for a in ordered for c in a.cves), *replacing) if CVE_ID.match(c)))


def due(ids: Iterable[str], known: Mapping[str, Lookup], *, now: datetime, every: timedelta) -> list[str]:
    """Ids never looked up come first; then those whose last look-up is older than `every`."""
    new = [i for i in ids if KEY_PREFIX + i not in known]
    stale = sorted((i for i in ids if KEY_PREFIX + i in known
                    and now - known[KEY_PREFIX + i].fetched_at >= every),
                   key=lambda i: known[KEY_PREFIX + i].fetched_at)
    return new + stale


def resolve(
    ids: list[str], known: Mapping[str, Lookup], base_url: str, get: Get, *,
    now: datetime, feed: str, sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic, progress: Callable[[str], None] = lambda _: None,
) -> Resolved:
    """Look up `ids` (already chosen by `due`) in the CVE Services API."""
    out = Resolved()
    base_url = base_url.rstrip("/") + "/"
    gap, started, last = 1.0 / RATE, clock(), None
    queue = list(ids)
    for n, cve_id in enumerate(queue):  # grows when a rejected duplicate names its replacement
        if n >= MAX_PER_RUN or clock() - started > MAX_RUN_S:
            out.deferred = queue[n:]
            break
        if last is not None and (wait := last + gap - clock()) > 0:
            sleep(wait)
        last = clock()
        progress(f"{feed}: CVE record {n + 1}/{min(len(queue), MAX_PER_RUN)} ({cve_id})")
        old = known.get(KEY_PREFIX + cve_id)
        usable = old is not None and old.outcome == "ok"  # validators of a stored record only
        try:
            got = get(base_url + cve_id, old.etag if old and usable else None,
                      old.last_modified if old and usable else None)
        except FetchError as exc:  # the API, not this id: stop, the rest wait for the next run
            out.failed.append(f"{cve_id}: {exc.message.removeprefix(f'{feed}: ')}")
            out.deferred = queue[n + 1:]
            break
        _take(cve_id, got, old, now, feed, out)
        queue.extend(r for r in _replacements(out) if r not in queue and KEY_PREFIX + r not in known)
    return out


def _replacements(out: Resolved) -> list[str]:
    return [r for a in out.advisories if a.withdrawn for r in a.replaced_by]


def _take(cve_id: str, got: FetchResult, old: Lookup | None, now: datetime, feed: str, out: Resolved) -> None:
    key = KEY_PREFIX + cve_id
    if got.status == 304 and old is not None:  # the stored advisories are still the record's
        out.not_modified += 1
        out.lookups.append(Lookup(key, now, "ok", got.etag or old.etag, got.last_modified or old.last_modified))
        return
    if got.status == 404:
        if not _is_json(got.body):
            raise NotTheApi(f"{feed}: {got.url} answered 404 with a page that is not the CVE API's JSON",
                            "check the feed's url: the base of the CVE Services read API, "
                            "https://cveawg.mitre.org/api/cve/")
        out.missing.append(cve_id)
        out.lookups.append(Lookup(key, now, "missing"))
        return
    if not _is_json(got.body):
        raise NotTheApi(f"{feed}: {got.url} did not answer with JSON",
                        "check the feed's url: the base of the CVE Services read API, "
                        "https://cveawg.mitre.org/api/cve/")
    try:
        advisories = read_record(got.body or b"", cve_id, feed=feed, url=got.url)
    except AdvisoriesError as exc:
        out.failed.append(f"{cve_id}: {exc.message}")
        return
    out.fetched += 1
    out.advisories.extend(advisories)
    out.lookups.append(Lookup(key, now, "ok", got.etag, got.last_modified, None))


class NotTheApi(FetchError):
    """The url answers, but not as the CVE API does: the feed is misconfigured, not one id."""


def read_record(body: bytes, cve_id: str, *, feed: str, url: str) -> list[Advisory]:
    """One record's advisories, always with a `cve-adp:` one: CISA-ADP's statements, or an empty
    one that replaces what an earlier reading stored (ADP data since dropped, a record
    rejected then published again)."""
    from advisories.sources.cve import parse_record

    if len(body) > MAX_RECORD_BYTES:
        raise ParseError(f"the record is larger than {MAX_RECORD_BYTES} bytes", "the next run tries again")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"not JSON ({exc})", "the next run tries again") from None
    if not isinstance(data, dict):
        raise ParseError("not a CVE record (no JSON object)", "the next run tries again")
    found = (data.get("cveMetadata") or {}).get("cveId") if isinstance(data.get("cveMetadata"), dict) else None
    if found != cve_id:
        raise ParseError(f"the record returned is for {found!r}, not {cve_id}", "check the feed's url")
    advisories = parse_record(data, feed=feed, url=url)
    if not any(a.kind == "cve-adp" for a in advisories):
        rejected = any(a.withdrawn for a in advisories)
        advisories.append(Advisory(id=f"cve-adp:{cve_id}", source=feed, title=cve_id, kind="cve-adp",
                                   cves=(cve_id,), withdrawn=rejected))
    return advisories


def _is_json(body: bytes | None) -> bool:
    try:
        return isinstance(json.loads(body or b""), dict)
    except (ValueError, UnicodeDecodeError):
        return False


def from_folder(ids: list[str], folder: Path, *, now: datetime, feed: str) -> Resolved:
    """Look up `ids` in a local copy of the CVE list (cvelistV5's `cves/YEAR/NNxxx/` layout
    first, then anywhere below `folder`)."""
    out = Resolved()
    index: dict[str, Path] | None = None
    queue = list(ids)
    for cve_id in queue:  # grows when a rejected duplicate names its replacement
        path = _layout_path(folder, cve_id)
        if not path.is_file():
            if index is None:
                index = {p.stem: p for p in folder.rglob("CVE-*.json")}
            path = index.get(cve_id, path)
        if not path.is_file():
            out.missing.append(cve_id)
            out.lookups.append(Lookup(KEY_PREFIX + cve_id, now, "missing"))
            continue
        try:
            with path.open("rb") as handle:
                body = handle.read(MAX_RECORD_BYTES + 1)
            out.advisories.extend(read_record(body, cve_id, feed=feed, url=path.as_uri()))
        except (AdvisoriesError, OSError) as exc:
            out.failed.append(f"{cve_id}: {path}: {getattr(exc, 'message', None) or exc}")
            continue
        out.fetched += 1
        out.lookups.append(Lookup(KEY_PREFIX + cve_id, now, "ok"))
        queue.extend(r for r in _replacements(out) if r not in queue)
    return out


def _layout_path(folder: Path, cve_id: str) -> Path:
    _, year, number = cve_id.split("-")
    return folder / "cves" / year / f"{number[:-3]}xxx" / f"{cve_id}.json"
