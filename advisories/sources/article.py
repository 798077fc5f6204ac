"""A feed item's article page -> its main text and the vendor advisory links it cites.

NCSC feed items carry a teaser only: none of the saved NCSC items names a CVE or a version. The
article at the item's link does (the CVE ids, the vendor's advisory, often the versions). This
reads the page's main article (<main> or <article>, else <body>), leaving out navigation,
headers, footers, side bars, forms and scripts, so a "related CVEs" side bar or the site's menu
never becomes part of what the NCSC said. Pure: HTML in, text out; the pipeline fetches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from advisories.sanitise import html_to_text, safe_url

MAX_ARTICLE_CHARS = 40_000  # an advisory article is a few thousand characters
MAX_LINKS = 20
_REGIONS = ("main", "article", "body")
_LEFT_OUT = frozenset({"nav", "header", "footer", "aside", "form", "script", "style", "noscript",
                       "template", "iframe", "svg", "button", "dialog"})
_LEFT_OUT_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "menu"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                   "track", "wbr"})


@dataclass(frozen=True, slots=True)
class Article:
    text: str
    links: tuple[str, ...]  # to other sites: the vendor advisories the article cites


def read_article(markup: str, page_url: str) -> Article:
    """The main article of `markup` (an HTML page fetched from `page_url`): the first <main>, else
    the longest <article>, else <body>; never a region inside a menu, side bar or hidden element."""
    reader = _Reader(page_url)
    reader.feed(markup[:2_000_000])
    reader.close()
    for name in _REGIONS:
        found = [c for c in reader.closed + reader.open if c.name == name]
        texts = [(html_to_text("".join(c.parts), max_chars=MAX_ARTICLE_CHARS), c) for c in found]
        texts = [(t, c) for t, c in texts if t.strip()]
        if texts:
            text, chosen = texts[0] if name == "main" else max(texts, key=lambda tc: len(tc[0]))
            return Article(text, tuple(dict.fromkeys(chosen.links))[:MAX_LINKS])
    return Article("", ())


@dataclass
class _Capture:
    name: str
    depth: int = 1
    parts: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def _left_out(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    """Menus, side bars and what the page hides from readers: a "related CVEs" card, a hidden
    block of keywords, the site's navigation built from <div role="navigation">."""
    if tag in _LEFT_OUT:
        return True
    values = {k.lower(): (v or "").lower() for k, v in attrs}
    style = values.get("style", "").replace(" ", "")
    return ("hidden" in values or values.get("aria-hidden") == "true" or values.get("role") in _LEFT_OUT_ROLES
            or "display:none" in style or "visibility:hidden" in style)


class _Reader(HTMLParser):
    """One pass: every <main>, <article> and <body> outside a left-out element, with its markup."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=False)
        self.page_url = page_url
        # Inside a left-out element: its name and how deep in itself we are. Only that one name
        # is counted, so an unclosed <li> or <p> inside a menu cannot swallow the article.
        self.skip_tag: str | None = None
        self.skip = 0
        self.open: list[_Capture] = []
        self.closed: list[_Capture] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_tag is not None:
            self.skip += tag == self.skip_tag
            return
        if tag not in _VOID and _left_out(tag, attrs):
            self.skip_tag, self.skip = tag, 1
            return
        same = next((c for c in self.open if c.name == tag), None)
        if same is not None:
            same.depth += 1
        if tag == "a":
            self._link(dict(attrs).get("href"))
        self._emit(f"<{tag}>")
        if same is None and tag in _REGIONS:
            self.open.append(_Capture(tag))

    def handle_endtag(self, tag: str) -> None:
        if self.skip_tag is not None:
            self.skip -= tag == self.skip_tag
            if self.skip == 0:
                self.skip_tag = None
            return
        for capture in [c for c in self.open if c.name == tag]:
            capture.depth -= 1
            if capture.depth == 0:
                self.open.remove(capture)
                self.closed.append(capture)
        self._emit(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.skip_tag is None:
            self._emit(data.replace("<", "&lt;"))

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")

    def _emit(self, piece: str) -> None:
        for capture in self.open:
            capture.parts.append(piece)

    def _link(self, href: str | None) -> None:
        url = safe_url(urljoin(self.page_url, href)) if href else None
        if url and urlsplit(url).hostname != urlsplit(self.page_url).hostname:
            for capture in self.open:
                capture.links.append(url)


def same_site(item_url: str | None, feed_url: str) -> bool:
    """Only pages on the feed's own host are fetched: a feed item cannot send us anywhere."""
    if not item_url:
        return False
    item, feed = urlsplit(item_url), urlsplit(feed_url)
    return item.scheme in ("http", "https") and item.scheme == feed.scheme and bool(item.hostname) \
        and item.hostname == feed.hostname and item.port == feed.port
