"""A feed item's article page -> its main text and the vendor advisory links it cites.

NCSC feed items carry a teaser only: none of the saved NCSC items names a CVE or a version. The
article at the item's link does (the CVE ids, the vendor's advisory, often the versions). This
reads the page's main article (<main> or <article>, else <body>), leaving out navigation,
headers, footers, side bars, forms and scripts, so a "related CVEs" side bar or the site's menu
never becomes part of what the NCSC said. Pure: HTML in, text out; the pipeline fetches.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from advisories.sanitise import html_to_text, safe_url

MAX_ARTICLE_CHARS = 40_000  # an advisory article is a few thousand characters
MAX_LINKS = 20
_REGIONS = ("main", "article")
_LEFT_OUT = frozenset({"nav", "header", "footer", "aside", "form", "script", "style", "noscript",
                       "template", "iframe", "svg", "button"})


@dataclass(frozen=True, slots=True)
class Article:
    text: str
    links: tuple[str, ...]  # to other sites: the vendor advisories the article cites


def read_article(markup: str, page_url: str) -> Article:
    """The main article of `markup` (an HTML page fetched from `page_url`)."""
    for region in (*_REGIONS, "body"):
        picker = _Region(region, page_url)
        picker.feed(markup[:2_000_000])
        picker.close()
        if picker.found and picker.parts:
            text = html_to_text("".join(picker.parts), max_chars=MAX_ARTICLE_CHARS)
            if text.strip():
                return Article(text, tuple(dict.fromkeys(picker.links))[:MAX_LINKS])
    return Article("", ())


class _Region(HTMLParser):
    """Keeps the markup inside the first `region` element, minus the left-out elements."""

    def __init__(self, region: str, page_url: str) -> None:
        super().__init__(convert_charrefs=False)
        self.region, self.page_url = region, page_url
        self.depth = 0  # inside the region: nesting depth of region tags
        # Inside a left-out element: its name and how deep in itself we are. Only that one name
        # is counted, so an unclosed <li> or <p> inside a menu cannot swallow the article.
        self.skip_tag: str | None = None
        self.skip = 0
        self.found = self.done = False
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == self.region:
            self.found = True
            self.depth += 1
            if self.depth == 1:
                return
        if not self.depth:
            return
        if self.skip_tag is not None:
            self.skip += tag == self.skip_tag
            return
        if tag in _LEFT_OUT:
            self.skip_tag, self.skip = tag, 1
            return
        if tag == "a":
            self._link(dict(attrs).get("href"))
        self.parts.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if self.done or not self.depth:
            return
        if self.skip_tag is not None:
            self.skip -= tag == self.skip_tag
            if self.skip == 0:
                self.skip_tag = None
            return
        if tag == self.region:
            self.depth -= 1
            if self.depth == 0:
                self.done = True
                return
        self.parts.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.depth and self.skip_tag is None and not self.done:
            self.parts.append(data.replace("<", "&lt;"))

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")

    def _link(self, href: str | None) -> None:
        url = safe_url(urljoin(self.page_url, href)) if href else None
        if url and urlsplit(url).hostname != urlsplit(self.page_url).hostname:
            self.links.append(url)


def same_site(item_url: str | None, feed_url: str) -> bool:
    """Only pages on the feed's own host are fetched: a feed item cannot send us anywhere."""
    if not item_url:
        return False
    item, feed = urlsplit(item_url), urlsplit(feed_url)
    return item.scheme in ("http", "https") and item.scheme == feed.scheme and bool(item.hostname) \
        and item.hostname == feed.hostname and item.port == feed.port
