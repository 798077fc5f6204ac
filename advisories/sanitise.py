"""Untrusted text from feeds -> safe plain text, one-line header text, or limited HTML.

Everything a publisher sends is hostile until it has been through here: feed titles end up
in email subjects (CRLF injection), summaries in email bodies (script, tracking pixels),
links in href attributes (javascript:). The HTML work is done by nh3 (ammonia), a real
sanitiser; this module only decides what to keep and turns its output into text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit

import nh3

# Bigger inputs are cut before sanitising: no advisory needs more, and it bounds the work.
MAX_INPUT_CHARS = 1_000_000
ELLIPSIS = "…"

# fmt: off
# Tags whose content is dropped along with the tag: code, styling and embedded documents
# are never prose a reader should see.
_DROP_WITH_CONTENT = frozenset({
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math",
    "head", "title", "textarea", "select",
})
# Tags that start a new line in text. Everything else is unwrapped (text kept, tag gone).
_BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "header", "footer", "aside", "nav", "blockquote",
    "pre", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "figure", "figcaption", "details", "summary", "address", "main",
})
# fmt: on
_TEXT_TAGS = _BLOCK_TAGS | {"br", "li", "td", "th"}

# Limited HTML for email bodies: structure and emphasis, links to http(s) only, no images
# (tracking pixels), no attributes but href.
_SAFE_HTML_TAGS = frozenset(
    ["p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "code", "pre", "blockquote", "a"]
)

# After nh3 the markup is normalised (no attributes kept, `<` in text escaped as &lt;), so
# these simple patterns only ever see real tags.
_TAG_RE = re.compile(r"<(/?)([a-z0-9]+)[^>]*>")
_SPACES_RE = re.compile(r"[^\S\n]+")
_BLANK_LINES_RE = re.compile(r"\n{3,}")
_WS_RE = re.compile(r"\s+")

# Bidi embedding/override/isolate controls can make "exe.pdf" render as "fdp.exe"; zero
# width characters hide text. Both are stripped even from multi-line text.
_INVISIBLE = frozenset(
    "\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)


# Web addresses in feed text: the scheme of a URL and the host of a URL or a "www." name.
_ADDRESS_RE = re.compile(r"\b(?:(https?|ftp)://|(?=www\.))([^\s/?#<>\"'()\[\]]+)", re.IGNORECASE)
_DEFANGED = {"http": "hxxp", "https": "hxxps", "ftp": "fxp"}


def defang(text: str) -> str:
    """"https://evil.example/x" -> "hxxps://evil[.]example/x", as threat reports write them.

    Email clients turn any address in text into a link; one from a feed must never be one a
    council clicks. An advisory's own link is vetted apart (`safe_url`) and is not text.
    """

    def write(found: re.Match[str]) -> str:
        scheme = f"{_DEFANGED[found[1].lower()]}://" if found[1] else ""
        return scheme + found[2].replace(".", "[.]")

    return _ADDRESS_RE.sub(write, text)


def html_to_text(markup: str, max_chars: int = 4000) -> str:
    """Feed HTML -> plain text: block tags become line breaks, entities are decoded.

    Scripts, styles and the like vanish with their content. The result is plain text, not
    HTML: escape it before putting it into an HTML document (jinja2 autoescape does).
    """
    cleaned = nh3.clean(
        markup[:MAX_INPUT_CHARS],
        tags=_TEXT_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes={},
        link_rel=None,
    )
    text = html.unescape(_TAG_RE.sub(_tag_to_text, cleaned))
    return truncate(_tidy_lines(_strip_controls(defang(text))), max_chars)


def _tag_to_text(match: re.Match[str]) -> str:
    closing, name = match.group(1), match.group(2)
    if name == "br":
        return "\n"
    if name == "li":
        return "" if closing else "\n- "
    if name in ("td", "th"):
        return " " if closing else ""
    return "\n\n"


def _tidy_lines(text: str) -> str:
    lines = (_SPACES_RE.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip()


def _strip_controls(text: str) -> str:
    """Drop control and invisible characters, keeping line breaks (and tabs as spaces)."""
    out: list[str] = []
    for ch in text:
        if ch in "\n\u2028\u2029\x85":
            out.append("\n")
        elif ch in "\t\r\v\f":
            out.append(" ")
        elif ch in _INVISIBLE or unicodedata.category(ch) in ("Cc", "Cs", "Co"):
            continue
        else:
            out.append(ch)
    return "".join(out)


def plain_to_text(text: str, max_chars: int = 4000) -> str:
    """Text that is already plain (not HTML): same tidying as html_to_text, no tag handling."""
    return truncate(_tidy_lines(_strip_controls(defang(text[:MAX_INPUT_CHARS]))), max_chars)


def clean_header_text(s: str, max_chars: int = 200) -> str:
    """One line of text fit for an email subject or a display name.

    CR, LF and every other control or format character go, so "Title\\r\\nBcc: x" can
    never become a second header; runs of whitespace become one space.
    """
    kept = (
        " " if ch.isspace() else ch
        for ch in s[:MAX_INPUT_CHARS]
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
    )
    return truncate(_WS_RE.sub(" ", defang("".join(kept))).strip(), max_chars)


def truncate(text: str, max_chars: int) -> str:
    """Cut to at most max_chars, at a word boundary when one is near, marking the cut."""
    if len(text) <= max_chars:
        return text
    if max_chars <= len(ELLIPSIS):
        return text[:max_chars]
    cut = text[: max_chars - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > len(cut) * 0.8:  # only back off to a word boundary if it costs little
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link fit for an href or an email, else None.

    Refused: other schemes (javascript:, data:, file:), no host, user:password@ parts
    (used to disguise the real host), whitespace or control characters inside, and
    anything absurdly long.
    """
    if not url:
        return None
    url = url.strip()
    if len(url) > 2048 or any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in url):
        return None
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not hostname or "@" in parts.netloc:
        return None
    return url


def safe_html(markup: str) -> str:
    """Feed HTML -> a small, safe HTML subset (paragraphs, lists, emphasis, http(s) links)."""
    return nh3.clean(
        _strip_controls(markup[:MAX_INPUT_CHARS]),
        tags=_SAFE_HTML_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        url_relative="deny",  # a relative link means nothing once the text is in an email
        link_rel="noopener noreferrer nofollow",
    )
