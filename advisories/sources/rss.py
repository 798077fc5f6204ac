"""RSS 2.0 and Atom feeds (NCSC, vendor PSIRTs) -> Advisory, via feedparser.

Feed items are prose: this source reads titles, links, dates and CVE ids, and leaves
product/version extraction to later stages. Everything from the feed is untrusted and goes
through `advisories.sanitise` before it lands in an Advisory.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser

from advisories.errors import ParseError
from advisories.models import Advisory
from advisories.sanitise import clean_header_text, html_to_text, plain_to_text, safe_url
from advisories.sources import register

TITLE_CHARS = 300
SUMMARY_CHARS = 4000
MAX_READABLE_ID = 200  # longer guids are hashed: ids end up in keys, logs and Message-IDs

# Sent as Accept by callers that fetch for this source: asking for XML first makes some
# servers (NCSC's among them, reportedly) less likely to answer with their web app's page.
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)

_CVE_RE = re.compile(r"\bCVE-([0-9]{4})-([0-9]{4,7})\b", re.IGNORECASE)  # ASCII digits: ids we can look up
# An HTML page, possibly after a BOM, an XML declaration, comments or a doctype.
_HTML_START_RE = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    rb"<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
_HTML_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
# Query parameters that only track the click (Cisco's vs_*, analytics' utm_*). Other
# parameters may be the identity of the page (`?id=123`), so they stay.
_TRACKING_PARAM_RE = re.compile(r"^(?:utm_|vs_)|^(?:fbclid|gclid|mc_cid|mc_eid)$", re.IGNORECASE)
# NCSC URL paths say what an item is; the feeds carry no categories.
_NCSC_KINDS = (
    ("/report/", "report"),
    ("/news/", "news"),
    ("/guidance/", "guidance"),
    ("/blog-post/", "blog"),
    ("/blogs/", "blog"),
    ("/collection/", "collection"),
)


class RssSource:
    kind = "rss"
    rank = 100
    structured = False
    label = "the advisory's own text"
    accept = ACCEPT

    def parse(self, body: bytes, *, feed: str, url: str) -> list[Advisory]:
        """Parse downloaded bytes. [] means a valid feed with no items; anything that is not
        a feed (an HTML page, broken XML, JSON) raises ParseError naming the feed."""
        parsed = _feedparse(body, feed=feed, url=url)
        advisories: dict[str, Advisory] = {}
        for entry in parsed.entries:
            advisory = entry_to_advisory(entry, feed=feed)
            seen = advisories.get(advisory.id)
            # A feed can list one item twice (MSRC lists each revision of a CVE): keep the
            # most recently published, so ids stay unique within one parse.
            if seen is None or _newer(advisory, seen):
                advisories[advisory.id] = advisory
        return list(advisories.values())


def _feedparse(body: bytes, *, feed: str, url: str) -> Any:
    if looks_like_html(body):
        raise _html_page_error(body, feed=feed, url=url)
    if not body.strip():
        raise ParseError(
            f"{feed}: {url} sent an empty document, not a feed",
            hint="usually temporary; if it persists, check the url or path in feeds.toml",
        )
    # Bytes, never a URL or a path: feedparser would otherwise fetch or open it itself.
    parsed = feedparser.parse(body)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom root element"
        raise ParseError(
            f"{feed}: {url} is not an RSS or Atom feed ({reason})",
            hint="check the url or path in feeds.toml points at the feed and the feed's kind is right",
        )
    if "no element found" in str(parsed.get("bozo_exception", "")):
        # The document stops mid-way (a download cut short, a publisher's half-written file):
        # its last item would be stored cut, with a title or link missing. Read it next run.
        raise ParseError(
            f"{feed}: {url} ends mid-document ({parsed.get('bozo_exception')}); nothing from it was stored",
            hint="usually a download cut short: the next run fetches it again; if it persists, tell the publisher",
        )
    if parsed.get("bozo") and not parsed.entries:
        raise ParseError(
            f"{feed}: {url} is a broken feed: {parsed.get('bozo_exception')}",
            hint="the publisher's feed is malformed; the next run tries again, and if it "
            "persists, tell the publisher",
        )
    return parsed


def looks_like_html(body: bytes) -> bool:
    """True for a web page: what some servers send instead of the feed that was asked for."""
    return bool(_HTML_START_RE.match(body[:4096]))


def _html_page_error(body: bytes, *, feed: str, url: str) -> ParseError:
    match = _HTML_TITLE_RE.search(body[:65536])
    raw_title = html.unescape(match.group(1).decode("utf-8", "replace")) if match else ""
    title = clean_header_text(raw_title, 80)
    about = f", page title {title!r}" if title else ""
    if b"enable javascript" in body[:65536].lower():
        hint = (
            "the site served its JavaScript app instead of the feed (NCSC has been seen to); "
            "check the url in feeds.toml is the feed's, and let a later run try again"
        )
    else:
        hint = "check the url or path in feeds.toml points at the RSS/Atom feed, not a web page"
    return ParseError(f"{feed}: the server sent an HTML page, not a feed ({url}{about})", hint)


def entry_to_advisory(entry: Any, *, feed: str) -> Advisory:
    """One feedparser entry -> Advisory, every field sanitised."""
    title = _title(entry)
    summary = _summary(entry)
    link = safe_url(strip_tracking(str(entry.get("link") or "")))
    return Advisory(
        id=entry_id(entry, feed=feed, title=title, summary=summary),
        source=feed,
        title=title,
        summary=summary,
        url=link,
        published=_published(entry),
        cves=find_cves(title, summary),
        links=(link,) if link else (),
        kind=_kind(title, link),
    )


def entry_id(entry: Any, *, feed: str, title: str, summary: str) -> str:
    """Stable and unique across feeds: "<feed>:<guid>", else the link, else a content hash."""
    key = str(entry.get("id") or entry.get("link") or "").strip()
    if key.lower().startswith(("http://", "https://")):
        key = strip_tracking(key)
    if not key:
        digest = hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()
        return f"{feed}:sha256:{digest[:32]}"
    if len(key) > MAX_READABLE_ID or not key.isprintable() or any(c.isspace() for c in key):
        return f"{feed}:sha256:{hashlib.sha256(key.encode()).hexdigest()[:32]}"
    return f"{feed}:{key}"


def strip_tracking(url: str) -> str:
    """The URL without click-tracking query parameters (Cisco adds five to every link)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "https://[broken": not ours to fix, and safe_url rejects it
        return url
    if not parts.query:
        return url
    params = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in params if not _TRACKING_PARAM_RE.search(k)]
    if len(kept) == len(params):
        return url  # untouched: re-encoding could change an otherwise identical id
    return urlunsplit(parts._replace(query=urlencode(kept)))


def _title(entry: Any) -> str:
    raw = str(entry.get("title") or "")
    if "html" in str(entry.get("title_detail", {}).get("type", "")):
        raw = html_to_text(raw, max_chars=TITLE_CHARS * 2)
    # Titles become email subjects: one line, no control characters, bounded.
    title = clean_header_text(raw, max_chars=TITLE_CHARS)
    return title or clean_header_text(_summary(entry), max_chars=120) or "(untitled)"


def _summary(entry: Any) -> str:
    detail = entry.get("summary_detail") or {}
    value, kind = entry.get("summary"), detail.get("type", "text/html")
    if not value and entry.get("content"):
        value, kind = entry.content[0].get("value"), entry.content[0].get("type", "text/html")
    if not value:
        return ""
    if "html" in str(kind):
        return html_to_text(str(value), max_chars=SUMMARY_CHARS)
    return plain_to_text(str(value), max_chars=SUMMARY_CHARS)


def _published(entry: Any) -> datetime | None:
    # feedparser has already converted these to UTC struct_times.
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if not stamp:
        return None
    try:
        year, month, day, hour, minute, second = stamp[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def find_cves(*texts: str) -> tuple[str, ...]:
    """CVE ids in the texts, uppercased, unique, in (year, number) order."""
    found = {(m[1], m[2]) for text in texts for m in _CVE_RE.finditer(text)}
    ordered = sorted(found, key=lambda yn: (int(yn[0]), int(yn[1])))
    return tuple(f"CVE-{year}-{number}" for year, number in ordered)


def _kind(title: str, link: str | None) -> str:
    if title.lower().startswith("alert:"):
        return "alert"
    parts = urlsplit(link or "")
    host = (parts.hostname or "").lower()
    if host == "ncsc.gov.uk" or host.endswith(".ncsc.gov.uk"):
        for prefix, kind in _NCSC_KINDS:
            if parts.path.startswith(prefix):
                return kind
    return "advisory"


def _newer(a: Advisory, b: Advisory) -> bool:
    return a.published is not None and (b.published is None or a.published > b.published)


register(RssSource())
