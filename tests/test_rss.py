"""RssSource: golden files for real feeds, and every way a download can fail to be a feed."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from advisories.errors import ParseError
from advisories.models import Advisory
from advisories.sources import source_for
from advisories.sources.rss import RssSource, find_cves, looks_like_html, strip_tracking

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
GOLDEN = FEEDS / "golden"
REGENERATE = os.environ.get("ADVISORIES_REGENERATE") == "1"
RSS = RssSource()


def _parse(body: bytes, feed: str = "test") -> list[Advisory]:
    return RSS.parse(body, feed=feed, url=f"https://example.com/{feed}.xml")


def _rss(items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>t</title><link>https://example.com/</link>{items}</channel></rss>"
    ).encode()


def _jsonable(advisory: Advisory) -> dict[str, Any]:
    data = dataclasses.asdict(advisory)
    data["published"] = advisory.published.isoformat() if advisory.published else None
    return json.loads(json.dumps(data))  # tuples -> lists, as the golden file has them


@pytest.mark.parametrize(
    "name", ["ncsc-report", "ncsc-news", "ncsc-all", "fortiguard-ir", "msrc-update-guide"]
)
def test_golden(name: str) -> None:
    advisories = RSS.parse((FEEDS / f"{name}.xml").read_bytes(), feed=name, url=f"{name}.xml")
    got = [_jsonable(a) for a in advisories]
    golden = GOLDEN / f"{name}.json"
    if REGENERATE:
        golden.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8")), (
        "parser output changed; if on purpose, rerun with ADVISORIES_REGENERATE=1 and review"
    )


def test_ncsc_kinds_ids_and_dates() -> None:
    by_title = {a.title: a for a in _parse((FEEDS / "ncsc-all.xml").read_bytes(), "ncsc")}
    alert = next(a for title, a in by_title.items() if title.startswith("Alert: NCSC issues"))
    assert alert.kind == "alert"
    assert alert.id == (
        "ncsc:https://www.ncsc.gov.uk/news/"
        "advice-following-global-targeting-of-fortinet-firewalls-and-vpn-gateways"
    )
    assert alert.published == datetime(2026, 6, 18, 12, 0, tzinfo=UTC)
    assert alert.links == (alert.url,)
    assert (alert.severity, alert.exploited, alert.affects) == (None, False, ())
    assert by_title["Managing the cyber risk of agentic AI"].kind == "blog"
    report = _parse((FEEDS / "ncsc-report.xml").read_bytes(), "ncsc-report")[0]
    assert report.kind == "report"


def test_fortinet_html_summary_no_guid_and_offset_dates() -> None:
    first, second = _parse((FEEDS / "fortiguard-ir.xml").read_bytes(), "fortiguard")
    assert first.id == "fortiguard:https://fortiguard.fortinet.com/psirt/FG-IR-26-165"
    assert first.published == datetime(2026, 9, 8, 7, 0, tzinfo=UTC)  # -0700 -> UTC
    assert first.summary.startswith("CVSSv3 Score: 4.7\n\nAn Unverified Ownership")
    assert "<" not in first.summary and first.cves == ()
    assert second.cves == ("CVE-2022-0778",)
    assert first.kind == second.kind == "advisory"


def test_msrc_duplicate_revisions_keep_the_newest() -> None:
    advisories = _parse((FEEDS / "msrc-update-guide.xml").read_bytes(), "msrc")
    ids = [a.id for a in advisories]
    assert len(ids) == len(set(ids)) == 10  # 11 items, CVE-2026-69836 twice
    entra = next(a for a in advisories if a.id == "msrc:CVE-2026-69836")
    assert entra.published == datetime(2026, 8, 21, 14, 0, tzinfo=UTC)
    # HTML escaped inside the description is decoded and then reduced to text.
    factory = next(a for a in advisories if a.id == "msrc:CVE-2026-62834")
    assert factory.summary.startswith("Improper verification") and "<p>" not in factory.summary


def test_registered_as_rss() -> None:
    assert source_for("rss").kind == "rss"


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><head><title>NCSC</title></head><body><noscript>"
        b"You need to enable JavaScript to run this app.</noscript><div id=root></div></body>"
        b"</html>",
        b'\xef\xbb\xbf\n<?xml version="1.0"?>\n<!-- x -->\n<html xmlns="http://www.w3.org/1999/xhtml">'
        b"<head><title>Error</title></head></html>",
    ],
)
def test_html_page_is_a_parse_error_not_zero_advisories(body: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        _parse(body, "ncsc-news")
    assert caught.value.message.startswith("ncsc-news: the server sent an HTML page, not a feed")
    assert "page title" in caught.value.message


def test_enable_javascript_page_gets_a_specific_hint() -> None:
    page = b"<html><body>You need to enable JavaScript to run this app.</body></html>"
    with pytest.raises(ParseError) as caught:
        _parse(page, "ncsc-news")
    assert "JavaScript app" in caught.value.hint


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title', "broken feed"),
        (b'{"not": "a feed"}', "not an RSS or Atom feed"),
        (b'<?xml version="1.0"?><catalog><book/></catalog>', "not an RSS or Atom feed"),
        (b"", "empty document"),
        (b"  \n ", "empty document"),
    ],
)
def test_not_a_feed_is_a_parse_error_naming_the_feed(body: bytes, words: str) -> None:
    with pytest.raises(ParseError) as caught:
        _parse(body, "vendor")
    assert caught.value.message.startswith("vendor: ")
    assert words in caught.value.message
    assert caught.value.hint


def test_empty_but_valid_feeds_are_zero_advisories() -> None:
    assert _parse(_rss("")) == []
    atom = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        b"<id>urn:x</id><updated>2026-01-01T00:00:00Z</updated></feed>"
    )
    assert _parse(atom) == []


def test_entries_without_guid_or_link_get_stable_hash_ids() -> None:
    body = _rss(
        "<item><title>One</title><description>first</description></item>"
        "<item><title>Two</title><description>second</description></item>"
    )
    first, second = _parse(body, "v")
    assert first.id.startswith("v:sha256:") and first.id != second.id
    assert [a.id for a in _parse(body, "v")] == [first.id, second.id]  # stable across runs
    assert (first.url, first.links) == (None, ())


def test_ids_are_namespaced_by_feed() -> None:
    body = _rss("<item><title>t</title><guid>shared-guid</guid></item>")
    assert _parse(body, "a")[0].id == "a:shared-guid"
    assert _parse(body, "b")[0].id == "b:shared-guid"


def test_long_or_spaced_guids_are_hashed() -> None:
    body = _rss(f"<item><title>t</title><guid>{'x' * 500}</guid></item>")
    assert _parse(body, "v")[0].id.startswith("v:sha256:")
    assert _parse(_rss("<item><title>t</title><guid>a b</guid></item>"), "v")[0].id.startswith(
        "v:sha256:"
    )


def test_cisco_tracking_query_is_stripped_from_id_and_link() -> None:
    link = (
        "https://sec.cloudapps.cisco.com/security/center/content/CiscoSecurityAdvisory/"
        "cisco-sa-ftd-abc?vs_f=Cisco%20Security%20Advisory&amp;vs_cat=Security%20Intelligence"
        "&amp;vs_type=RSS&amp;vs_p=Title&amp;vs_k=1"
    )
    body = _rss(f"<item><title>t</title><link>{link}</link><guid>{link}</guid></item>")
    (advisory,) = _parse(body, "cisco")
    clean = (
        "https://sec.cloudapps.cisco.com/security/center/content/CiscoSecurityAdvisory/"
        "cisco-sa-ftd-abc"
    )
    assert advisory.id == f"cisco:{clean}"
    assert advisory.url == clean


def test_malformed_link_is_dropped_not_fatal() -> None:
    body = _rss("<item><title>t</title><link>https://[broken?utm_source=x</link></item>")
    (advisory,) = _parse(body, "v")
    assert advisory.url is None and advisory.id == "v:https://[broken?utm_source=x"


def test_strip_tracking_keeps_identifying_parameters() -> None:
    assert strip_tracking("https://x.test/a?id=12&utm_source=rss") == "https://x.test/a?id=12"
    assert strip_tracking("https://x.test/a?id=12") == "https://x.test/a?id=12"


def test_atom_entries() -> None:
    body = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        b"<id>urn:feed</id><updated>2026-01-01T00:00:00Z</updated><entry><id>urn:entry:1</id>"
        b'<title type="html">Patch &lt;b&gt;now&lt;/b&gt; for cve-2026-1234</title>'
        b'<link href="https://vendor.test/a1"/><updated>2026-01-02T03:04:05+01:00</updated>'
        b'<content type="html">&lt;p&gt;Fixes CVE-2025-99999 and CVE-2026-1234.&lt;/p&gt;</content>'
        b"</entry></feed>"
    )
    (advisory,) = _parse(body, "vendor")
    assert advisory.id == "vendor:urn:entry:1"
    assert advisory.title == "Patch now for cve-2026-1234"
    assert advisory.summary == "Fixes CVE-2025-99999 and CVE-2026-1234."
    assert advisory.published == datetime(2026, 1, 2, 2, 4, 5, tzinfo=UTC)
    assert advisory.cves == ("CVE-2025-99999", "CVE-2026-1234")


def test_hostile_description_is_sanitised() -> None:
    hostile = (
        "&lt;script&gt;steal()&lt;/script&gt;&lt;p onclick=x&gt;Patch now&lt;/p&gt;"
        "&lt;img src=x onerror=alert(1)&gt;&lt;a href=&quot;javascript:alert(1)&quot;&gt;"
        "click&lt;/a&gt;&lt;style&gt;body{}&lt;/style&gt;"
    )
    body = _rss(
        "<item><title>Urgent&#13;&#10;Bcc: victim@example.com&#x202E;</title>"
        "<link>javascript:alert(1)</link><guid>g1</guid>"
        f"<description>{hostile}</description></item>"
    )
    (advisory,) = _parse(body)
    assert advisory.title == "Urgent Bcc: victim@example.com"
    assert advisory.summary == "Patch now\n\nclick"
    assert advisory.url is None and advisory.links == ()


def test_title_and_summary_are_capped() -> None:
    body = _rss(
        f"<item><title>{'T' * 1000}</title><description>{'word ' * 5000}</description>"
        "<guid>g</guid></item>"
    )
    (advisory,) = _parse(body)
    assert len(advisory.title) <= 300 and len(advisory.summary) <= 4000


def test_missing_title_falls_back_to_summary() -> None:
    (advisory,) = _parse(_rss("<item><description>Only a body</description></item>"))
    assert advisory.title == "Only a body"


def test_find_cves_uppercases_dedupes_and_orders() -> None:
    assert find_cves("cve-2023-29059 and CVE-2023-29059", "CVE-2021-44228, CVE-2023-4966") == (
        "CVE-2021-44228",
        "CVE-2023-4966",
        "CVE-2023-29059",
    )
    assert find_cves("XCVE-2023-1234 CVE-23-1 CVE-2023-12") == ()


def test_looks_like_html() -> None:
    assert looks_like_html(b"  <!doctype HTML><html>")
    assert not looks_like_html((FEEDS / "ncsc-news.xml").read_bytes())
    assert not looks_like_html(b'<?xml version="1.0"?><rss><item><description>&lt;html&gt;')


def test_a_feed_cut_mid_document_stores_nothing_and_says_so() -> None:
    whole = _rss('<item><title>FortiOS advisory</title><link>https://x.example/a</link></item>'
                 '<item><title>Ivanti advisory</title><link>https://x.example/b</link></item>')
    cut = whole[: whole.index(b"Ivanti") + 6]  # a download that stopped inside the second item
    with pytest.raises(ParseError) as caught:
        _parse(cut, feed="vendor")
    assert caught.value.message.startswith("vendor: ") and "ends mid-document" in caught.value.message
    assert "nothing from it was stored" in caught.value.message
    assert [a.title for a in _parse(whole)] == ["FortiOS advisory", "Ivanti advisory"]


def test_a_complete_feed_with_a_publisher_slip_is_still_read() -> None:
    # An unescaped "&" makes the XML not well-formed, but every item is there: losing the whole
    # vendor feed over it would cost more than the slip.
    body = _rss('<item><title>Cisco IOS XE & ASA advisory</title><link>https://x.example/c</link></item>')
    assert [a.title for a in _parse(body)] == ["Cisco IOS XE & ASA advisory"]
