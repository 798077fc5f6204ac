"""Documents advisories name, fetched and remembered: feed items' article pages, CVE records.

A stage between fetching feeds and matching: it reads what an advisory points at (the NCSC
item's article, the CVE ids every source names), keeps each document's validators in the store
so a refresh is a conditional request, and folds what it read back into advisories. One
document's failure never stops a run: the advisory keeps what it had, and the report names it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from advisories.config import FeedConfig
from advisories.errors import AdvisoriesError
from advisories.models import Advisory, FetchResult, Lookup
from advisories.sources import cve_lookup
from advisories.sources.article import read_article, same_site
from advisories.sources.fetch import FetchPolicy, fetch
from advisories.sources.rss import find_cves
from advisories.store import Store

ARTICLE_PREFIX = "page:"
CVE_PREFIX = cve_lookup.KEY_PREFIX
MAX_ARTICLES_PER_RUN = 40  # a first run of a 20-item feed reads every page; a flood waits
MAX_ARTICLE_BYTES = 2 * 1024 * 1024
MAX_ARTICLE_S = 20.0
RETRY_FAILED = timedelta(minutes=50)  # a page that failed is tried again by the next hourly run
Progress = Callable[[str], None]


@dataclass
class Report:
    """What a look-up step did: count lines, and one line per document not resolved."""

    counts: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def with_articles(
    advisories: list[Advisory], feed: FeedConfig, feed_url: str, store: Store, policy: FetchPolicy,
    *, clock: Callable[[], datetime], progress: Progress, report: Report,
) -> list[Advisory]:
    """Each item's article page (on the feed's own host only), read when the item is new and
    again, conditionally, when the item changed: its CVE ids, vendor links and text."""
    known = store.lookups(ARTICLE_PREFIX)
    out, read, failed = [], 0, 0
    for advisory in advisories:
        if advisory.url is None or not same_site(advisory.url, feed_url):
            out.append(advisory)
            continue
        key = ARTICLE_PREFIX + advisory.url
        page = known.get(key)
        failed_before = page is not None and page.outcome != "ok" and clock() - page.fetched_at >= RETRY_FAILED
        if (page is None or failed_before or _item_changed(store, advisory)) and read < MAX_ARTICLES_PER_RUN:
            read += 1
            progress(f"{feed.name}: reading article {read} ({advisory.url})")
            page = _fetch_article(feed.name, advisory.url, key, page, store, policy, clock())
            if page.outcome != "ok":
                failed += 1
                report.failed.append(f"{feed.name}: article {advisory.url}: {page.outcome}")
        out.append(_with_article(advisory, page))
    if read:
        report.counts.append(f"{feed.name}: articles read {read - failed}, failed {failed}")
    return out


def unread_items(store: Store, feed: str) -> list[Advisory]:
    """A feed's stored items whose article page no run has read yet (it failed, or the per-run
    cap was reached): read while the feed itself answers "not modified", not left for ever."""
    read = {key for key, lookup in store.lookups(ARTICLE_PREFIX).items() if lookup.outcome == "ok"}
    return [a for a in store.advisories(feed) if a.url and ARTICLE_PREFIX + a.url not in read]


def _item_changed(store: Store, advisory: Advisory) -> bool:
    """The feed says the item changed (an NCSC alert updated with new builds): read its page again."""
    stored = store.advisory(advisory.id)
    return stored is not None and (stored.title, stored.summary, stored.updated) != (
        advisory.title, advisory.summary, advisory.updated)


def _fetch_article(feed: str, url: str, key: str, old: Lookup | None, store: Store, policy: FetchPolicy,
                   at: datetime) -> Lookup:
    capped = replace(policy, max_bytes=min(policy.max_bytes, MAX_ARTICLE_BYTES),
                     total_s=min(policy.total_s, MAX_ARTICLE_S), same_host=True)
    usable = old is not None and old.outcome == "ok"
    try:
        got = fetch(feed, url, policy=capped, accept="text/html", etag=old.etag if old and usable else None,
                    last_modified=old.last_modified if old and usable else None)
    except AdvisoriesError as exc:
        if usable and old is not None:  # a refresh failed: what was read before still stands
            return old
        failed = Lookup(key, at, f"{_unprefixed(exc.message, feed)} (tried again by the next run)")
        store.record_lookup(failed)
        return failed
    if got.body is None and old is not None:  # 304: the page is as we read it
        lookup = replace(old, fetched_at=at)
    else:
        article = read_article((got.body or b"").decode("utf-8", errors="replace"), got.url)
        lookup = Lookup(key, at, "ok", got.etag, got.last_modified,
                        json.dumps({"text": article.text, "links": list(article.links)}))
    store.record_lookup(lookup)
    return lookup


def _unprefixed(message: str, feed: str) -> str:
    """A fetch error without its leading "feed: ": the summary line names the feed already."""
    return message.removeprefix(f"{feed}: ")


def _with_article(advisory: Advisory, page: Lookup | None) -> Advisory:
    if page is None or page.outcome != "ok" or not page.body:
        return advisory
    data = json.loads(page.body)
    text, links = str(data.get("text", "")), tuple(str(u) for u in data.get("links", ()))
    return replace(advisory, article=text, cves=find_cves(" ".join(advisory.cves), text),
                   links=tuple(dict.fromkeys((*advisory.links, *links))))


def resolve_cves(
    feed: FeedConfig, named: Iterable[Advisory], store: Store, policy: FetchPolicy, *,
    at: datetime, force: bool, progress: Progress, report: Report, new_only: bool = False,
) -> cve_lookup.Resolved | None:
    """Look up the CVE ids `named` advisories carry: new ones every run, known ones when older
    than the feed's `every` (`new_only`: only ids never looked up). None when nothing is due.
    The caller stores the advisories, then `remember`s the look-ups: a crash in between fetches
    again rather than trusting a 304."""
    known = store.lookups(cve_lookup.KEY_PREFIX)
    every = timedelta(seconds=0 if force else feed.every_s)
    ids = cve_lookup.due(cve_lookup.named_ids(named), known, now=at, every=every)
    if new_only:
        ids = [i for i in ids if cve_lookup.KEY_PREFIX + i not in known]
    if not ids:
        return None
    if feed.path is not None:
        found = cve_lookup.from_folder(ids, feed.path, now=at, feed=feed.name)
    else:
        # No retries per id: a failure of the API stops this run's look-ups (cve_lookup.resolve).
        answering = replace(policy, answers=frozenset({404}), retries=0)

        def get(url: str, etag: str | None, last_modified: str | None) -> FetchResult:
            return fetch(feed.name, url, policy=answering, etag=etag, last_modified=last_modified,
                         accept="application/json")

        found = cve_lookup.resolve(ids, known, feed.url or "", get, now=at, feed=feed.name,
                                   sleep=policy.sleep, progress=progress)
    _report_cves(feed.name, found, report)
    return found


def remember(found: cve_lookup.Resolved, store: Store) -> None:
    for lookup in found.lookups:
        store.record_lookup(lookup)


def _report_cves(feed: str, found: cve_lookup.Resolved, report: Report) -> None:
    report.counts.append(
        f"cve records {found.fetched} read, {found.not_modified} not modified, {len(found.missing)} "
        f"with no record, {len(found.failed)} failed, {len(found.deferred)} left for the next run")
    report.failed.extend(f"{feed}: {line}; the advisory keeps what it had" for line in found.failed)
    if found.deferred:
        report.failed.append(f"{feed}: left for the next run: {_some(found.deferred)}")
    if found.missing:
        report.failed.append(f"{feed}: no CVE record for {_some(found.missing)} "
                             "(not published yet, or a typo in the advisory)")


def _some(ids: list[str], shown: int = 10) -> str:
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more
