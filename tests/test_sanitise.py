"""sanitise: hostile feed HTML and text -> safe text, header text, URLs and limited HTML."""

from __future__ import annotations

import time

import pytest

from advisories.sanitise import (
    clean_header_text,
    defang,
    html_to_text,
    plain_to_text,
    safe_html,
    safe_url,
    truncate,
)

RLO = "\u202e"  # right-to-left override: renders "exe.pdf" backwards


def test_block_tags_become_line_breaks_and_entities_decode() -> None:
    markup = (
        "<h2>Summary</h2><p>Patch&nbsp;<b>now</b> &amp; reboot.</p>"
        "<ul><li>FortiOS 7.4</li><li>FortiProxy</li></ul>Line<br>break"
        "<table><tr><td>a</td><td>b</td></tr></table>"
    )
    assert html_to_text(markup) == (
        "Summary\n\nPatch now & reboot.\n\n- FortiOS 7.4\n- FortiProxy\n\nLine\nbreak\n\na b"
    )


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert('x')</script>",
        "<style>body { display: none }</style>",
        "<SCRIPT type=text/javascript>var a = '<p>';</SCRIPT>",
        "<noscript>You need to enable JavaScript</noscript>",
        "<iframe src='https://evil.test'>frame text</iframe>",
        "<svg><script>alert(1)</script></svg>",
        "<template><p>hidden</p></template>",
    ],
)
def test_scripts_styles_and_embeds_vanish_with_their_content(markup: str) -> None:
    assert html_to_text(f"before{markup}after") == "beforeafter"


def test_attributes_and_event_handlers_leave_no_trace() -> None:
    text = html_to_text(
        '<img src=x onerror="alert(1)"><a href="javascript:alert(1)" onclick="x()">click</a>'
        '<p style="color:red" onmouseover=steal()>text</p>'
    )
    assert text == "click\n\ntext"


def test_escaped_markup_stays_text() -> None:
    # &lt;script&gt; in the source is text about a tag, not a tag: it survives as text.
    assert html_to_text("Use &lt;script&gt; carefully") == "Use <script> carefully"


def test_whitespace_is_collapsed() -> None:
    assert html_to_text("  a \t  b\n\n\n\n  c  ") == "a b\n\nc"


def test_nul_control_and_bidi_characters_are_dropped() -> None:
    assert html_to_text(f"in\x00voice{RLO}fdp.exe\x07\x1b[31m") == "invoicefdp.exe[31m"
    assert plain_to_text(f"a\x00b\r\nc{RLO}") == "ab\nc"


def test_huge_input_is_bounded_and_quick() -> None:
    start = time.monotonic()
    text = html_to_text("<p>" + "word " * 2_000_000 + "</p>" + "<div>" * 100_000)
    assert len(text) <= 4000 and text.endswith("…")
    assert time.monotonic() - start < 5


def test_unclosed_tags_do_not_swallow_the_cap() -> None:
    assert html_to_text("<b>bold <i>unclosed", max_chars=100) == "bold unclosed"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Title\r\nBcc: victim@example.com", "Title Bcc: victim@example.com"),
        ("Title\nX-Injected: 1\rY", "Title X-Injected: 1 Y"),
        ("a\u2028b\u2029c\x85d", "a b c d"),
        (f"Invoice {RLO}fdp.exe", "Invoice fdp.exe"),
        ("nul\x00byte\x7f", "nulbyte"),
        ("  spaced \t out  ", "spaced out"),
        ("", ""),
    ],
)
def test_clean_header_text_is_one_safe_line(raw: str, expected: str) -> None:
    assert clean_header_text(raw) == expected


def test_clean_header_text_caps_length() -> None:
    capped = clean_header_text("word " * 1000, max_chars=50)
    assert len(capped) <= 50 and capped.endswith("…")
    assert len(clean_header_text("x" * 1_000_000)) <= 200


def test_truncate() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("the quick brown fox jumps", 20) == "the quick brown fox…"
    assert truncate("abcdefghijklmnopqrstuvwxyz", 10) == "abcdefghi…"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.ncsc.gov.uk/news/alert",
        "http://example.com/a?b=c#d",
        "HTTPS://EXAMPLE.COM/",
        "https://example.com:8443/path",
    ],
)
def test_safe_url_accepts_http_and_https(url: str) -> None:
    assert safe_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox",
        "file:///etc/passwd",
        "ftp://example.com/x",
        "//example.com/no-scheme",
        "/relative/path",
        "https://",
        "https://ncsc.gov.uk@evil.test/",
        "https://example.com/a\r\nBcc: x@example.com",
        "https://example.com/a b",
        "https://example.com/\x00",
        f"https://example.com/{RLO}gpj.exe",
        "https://example.com:99999/",
        "https://example.com/" + "a" * 3000,
        "",
        None,
    ],
)
def test_safe_url_refuses_everything_else(url: str | None) -> None:
    assert safe_url(url) is None


def test_safe_html_keeps_structure_and_http_links_only() -> None:
    cleaned = safe_html(
        '<p onclick="x()">Patch <strong>now</strong></p><script>alert(1)</script>'
        '<a href="javascript:alert(1)">bad</a><a href="https://vendor.test/fix">fix</a>'
        '<a href="/relative">rel</a><img src=x onerror=alert(1)><iframe src=x></iframe>'
    )
    assert cleaned == (
        "<p>Patch <strong>now</strong></p>"
        '<a rel="noopener noreferrer nofollow">bad</a>'
        '<a href="https://vendor.test/fix" rel="noopener noreferrer nofollow">fix</a>'
        '<a rel="noopener noreferrer nofollow">rel</a>'
    )


@pytest.mark.parametrize(("text", "written"), [
    ("Patch at https://evil.example/patch now", "Patch at hxxps://evil[.]example/patch now"),
    ("see www.ncsc.gov.uk/collection.", "see www[.]ncsc[.]gov[.]uk/collection."),
    ("HTTP://A.B and ftp://files.example/x", "hxxp://A[.]B and fxp://files[.]example/x"),
    ("(https://x.example/z)", "(hxxps://x[.]example/z)"),
    ("versions 1.2.3 and 18.12.416 on example.com", "versions 1.2.3 and 18.12.416 on example.com"),
])
def test_addresses_in_feed_text_are_defanged_as_threat_reports_write_them(text: str, written: str) -> None:
    assert defang(text) == written
    assert plain_to_text(text) == written and clean_header_text(text) == written
    assert html_to_text(f"<p>{text}</p>") == written
