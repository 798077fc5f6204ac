"""Collect a CSAF provider's documents: find where they are, list them, fetch what changed.

The feed url may be a provider-metadata.json, a ROLIE feed, a directory (ending in "/",
listed by changes.csv or else index.txt) or a single CSAF document; which one is read from
the url and the downloaded JSON. The cursor is an ISO-8601 time: documents updated at or
before it were all stored by an earlier run. Each run fetches at most `limit` documents,
oldest first, so a provider's backlog is worked through over several runs.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from advisories.errors import AdvisoriesError, FetchError, ParseError
from advisories.models import Advisory
from advisories.sources import Collected, Fetcher
from advisories.sources.csaf_discovery import (
    PUBLIC_TLP,
    documents_from_changes_csv,
    documents_from_index_txt,
    documents_from_provider_metadata,
    documents_from_rolie,
    parse_timestamp,
)
from advisories.sources.csaf_products import obj

log = logging.getLogger(__name__)

MAX_DOCUMENTS = 300
# A provider that is down would otherwise cost every remaining document its full retries.
MAX_FAILURES_IN_A_ROW = 5
JSON = "application/json"
TEXT = "text/csv, text/plain;q=0.9, */*;q=0.1"

# (CSAF JSON object, feed, document url) -> its advisory; raises ParseError.
ParseDocument = Callable[[dict[str, Any], str, str], Advisory]


@dataclass(frozen=True, slots=True)
class Listed:
    """One document a distribution lists, and when it last changed (None: not said)."""

    url: str
    updated: datetime | None


def collect_documents(
    feed: str, url: str, get: Fetcher, cursor: str | None, parse: ParseDocument,
    *, limit: int = MAX_DOCUMENTS,
) -> Collected:
    """The documents of `url` new or changed since `cursor`; raises when nothing can be listed."""
    since = parse_timestamp(cursor)
    if cursor and since is None:
        log.warning("%s: stored cursor %r is not a timestamp; reading everything again", feed, cursor)
        cursor = None
    run = _Run(feed, get, since)
    listed = run.discover(url)
    todo = run.select(listed, limit)
    advisories, done = run.fetch_documents(todo, parse)
    return Collected(advisories=advisories, cursor=next_cursor(listed, done, cursor),
                     problems=run.problems)


def next_cursor(listed: list[Listed], done: set[str], old: str | None) -> str | None:
    """The latest time T such that every dated document changed at or before T is done.

    A document that failed, or that the per-run cap left for later, holds the cursor back,
    so the next run lists it again. Undated documents are listed every run anyway.
    """
    dated = _oldest_first(listed)
    reached: datetime | None = None
    for when, group in itertools.groupby(dated, key=lambda d: d.updated):
        if not all(d.url in done for d in group):
            break
        reached = when
    return reached.isoformat() if reached else old


@dataclass
class _Run:
    feed: str
    get: Fetcher
    since: datetime | None
    problems: list[str] = field(default_factory=list)
    # A feed url that is itself a CSAF document was downloaded to find that out: kept here.
    bodies: dict[str, bytes] = field(default_factory=dict)

    # -- listing: raises, since without a listing no cursor can safely move ----------------

    def discover(self, url: str) -> list[Listed]:
        if url.endswith("/"):
            return self.directory(url)
        body = self.download(url, JSON)
        data = self.json_object(body, url)
        if "distributions" in data:
            return self.provider(url, body)
        if "feed" in data:
            return self.rolie(url, body)
        if "document" in data:
            self.bodies[url] = body
            tracking = obj(obj(data["document"]).get("tracking"))
            updated = parse_timestamp(tracking.get("current_release_date"))
            return [Listed(url, updated)] if self._is_new(updated) else []
        raise ParseError(f"{self.feed}: {url} is not CSAF provider metadata, a ROLIE feed or a CSAF document",
                         "point the feed at .well-known/csaf/provider-metadata.json")

    def provider(self, url: str, body: bytes) -> list[Listed]:
        with _named(self.feed, url):
            distributions = documents_from_provider_metadata(body)
        if not distributions:
            raise ParseError(f"{self.feed}: {url} names no public (TLP:CLEAR/WHITE) distribution",
                             "the provider publishes nothing this pipeline may read; remove the feed")
        found: dict[str, Listed] = {}
        for where in distributions:
            for doc in self.directory(where) if where.endswith("/") else self.rolie(where):
                old = found.get(doc.url)
                # Listed twice: keep the later time (the newer copy); a dated listing beats an
                # undated one, since only dated documents can move the cursor.
                if old is None or old.updated is None or (doc.updated and doc.updated > old.updated):
                    found[doc.url] = doc
        return list(found.values())

    def rolie(self, url: str, body: bytes | None = None) -> list[Listed]:
        body = self.download(url, JSON) if body is None else body
        with _named(self.feed, url):
            return [Listed(u, t) for u, t in documents_from_rolie(body, self.since)]

    def directory(self, base: str) -> list[Listed]:
        try:
            changes = self.download(base + "changes.csv", TEXT)
        except FetchError as missing:
            # changes.csv is required by the spec, but index.txt still lists every document.
            try:
                index = self.download(base + "index.txt", TEXT)
            except FetchError:
                raise missing from None
            log.warning("%s: %s has no changes.csv; reading every document of index.txt", self.feed, base)
            with _named(self.feed, base + "index.txt"):
                return [Listed(u, None) for u in documents_from_index_txt(index, base)]
        with _named(self.feed, base + "changes.csv"):
            return [Listed(u, t) for u, t in documents_from_changes_csv(changes, base, self.since)]

    def select(self, listed: list[Listed], limit: int) -> list[Listed]:
        dated = _oldest_first(listed)
        undated = [d for d in listed if d.updated is None]
        if len(dated) > limit:
            log.info("%s: %d documents changed; %d this run, the rest next runs", self.feed, len(dated), limit)
        if undated and len(dated) + len(undated) > limit:
            self.problems.append(
                f"{self.feed}: {len(undated)} documents are listed without a date; only {limit} documents "
                "are read per run (ask the provider to publish changes.csv or a ROLIE feed)")
        return [*dated, *undated][:limit]

    # -- documents: one failure is a problem line, never the end of the run ------------------

    def fetch_documents(self, todo: list[Listed], parse: ParseDocument) -> tuple[list[Advisory], set[str]]:
        advisories: list[Advisory] = []
        done: set[str] = set()
        in_a_row = 0
        for position, doc in enumerate(todo, start=1):
            try:
                advisory = self.document(doc.url, parse)
            except AdvisoriesError as exc:
                self.problems.append(f"{self.feed}: document {doc.url} not stored: {self._detail(exc)}; "
                                     "it is tried again next run (if it keeps failing, tell the provider)")
                in_a_row += 1
                if in_a_row >= MAX_FAILURES_IN_A_ROW and position < len(todo):
                    self.problems.append(f"{self.feed}: stopped after {in_a_row} failed documents in a row; "
                                         f"the other {len(todo) - position} are tried next run")
                    break
                continue
            in_a_row = 0
            done.add(doc.url)
            if advisory is not None:
                advisories.append(advisory)
        return advisories, done

    def document(self, url: str, parse: ParseDocument) -> Advisory | None:
        body = self.bodies.pop(url, None) or self.download(url, JSON)
        doc = self.json_object(body, url)
        label = str(obj(obj(obj(doc.get("document")).get("distribution")).get("tlp")).get("label", "CLEAR"))
        if label.upper() not in PUBLIC_TLP:
            # Readable by us does not make it shareable: TLP:AMBER/RED must not go out by email.
            self.problems.append(f"{self.feed}: document {url} not stored: it is marked TLP:{label.upper()} "
                                 "and alerts may only carry TLP:CLEAR/WHITE information")
            return None
        return parse(doc, self.feed, url)

    # -- helpers -------------------------------------------------------------------------------

    def download(self, url: str, accept: str) -> bytes:
        result = self.get(url, accept=accept)
        if result.body is None:  # no validators are sent, so only a broken server says 304
            raise FetchError(f"{self.feed}: {url} answered 304 to a plain GET", "tell the provider")
        return result.body

    def json_object(self, body: bytes, url: str) -> dict[str, Any]:
        return json_object(body, f"{self.feed}: {url}")

    def _is_new(self, updated: datetime | None) -> bool:
        return self.since is None or updated is None or updated > self.since

    def _detail(self, exc: AdvisoriesError) -> str:
        # Errors already name the feed; the problem line names it once, at the start.
        text = str(exc)
        for prefix in (f"{self.feed}: ", f"feed {self.feed!r}: "):
            text = text.removeprefix(prefix)
        return text


@contextlib.contextmanager
def _named(feed: str, url: str) -> Iterator[None]:
    """Re-raise a discovery helper's ParseError with the feed and url it was about."""
    try:
        yield
    except ParseError as exc:
        raise ParseError(f"{feed}: {url}: {exc.message}", exc.hint) from exc


def _oldest_first(listed: list[Listed]) -> list[Listed]:
    return sorted((d for d in listed if d.updated is not None), key=lambda d: (d.updated, d.url))


def json_object(body: bytes, what: str) -> dict[str, Any]:
    """`body` as a JSON object, or a ParseError saying which document (`what`) is wrong."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"{what} is not valid JSON: {exc}",
                         "the server may have sent an HTML error page") from exc
    if not isinstance(data, dict):
        raise ParseError(f"{what} is not a JSON object")
    return data
