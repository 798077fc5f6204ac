"""A council's weekly summary as its IT lead reads it: the 3CX week with the rule, the NCSC item
naming its CVE and CISA KEV entries, in the text and HTML parts, and over real SMTP.

Built on test_digest_scenario's store; the golden files (tests/fixtures/emails/weekly-*) are
rewritten with ADVISORIES_REGENERATE=1.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from smtpserver import SmtpServer
from test_digest_scenario import KEV, NCSC_3CX, THREECX, VENDOR_HIGH, Scenario, alert, scenario

from advisories.cli import main
from advisories.digest.council import council_week, render_weekly
from advisories.digest.week import IsoWeek
from advisories.models import Advisory, AffectedProduct, Message
from advisories.store.acks import record, told

GOLDEN = Path(__file__).parent / "fixtures" / "emails"
SEEN = datetime(2023, 3, 31, 9, tzinfo=UTC)
NCSC_URL = "https://www.ncsc.gov.uk/news/example-3cx"
VENDOR_URL = "https://www.3cx.com/blog/news/desktopapp-security-alert/"
KEV_3CX = Advisory(
    id="kev:CVE-2023-29059", source="cisa-kev", kind="kev",
    title="3CX DesktopApp Embedded Malicious Code Vulnerability",
    summary="3CX DesktopApp contains an embedded malicious code vulnerability.",
    url=VENDOR_URL, links=(VENDOR_URL, "https://nvd.nist.gov/vuln/detail/CVE-2023-29059"),
    published=datetime(2023, 3, 30, tzinfo=UTC), exploited=True, cves=("CVE-2023-29059",),
    due_date=date(2023, 4, 20), kev_added=date(2023, 3, 30),
    affects=(AffectedProduct("3CX", "DesktopApp"),),
)
# The CLFS entry as the KEV source gives it: a due date, no severity, no versions.
KEV_CLFS = replace(KEV, due_date=date(2023, 5, 2), affects=(AffectedProduct("Microsoft", "Windows"),))


EXPORT = (  # Barsetshire's latest Intune export: the names as its IT team knows them
    "ApplicationName,ApplicationPublisher,ApplicationVersion,DeviceCount,Platform\n"
    "3CX Desktop App,3CX Ltd,18.12.416,40,Windows\n"
    "3CXDesktopApp,3CX Ltd,18.12.407,2,Windows\n"
    "Microsoft Windows 10 Enterprise,Microsoft Corporation,10.0.19045.2728,40,Windows\n"
    "Cisco IOS XE Software,Cisco Systems,17.9.3,2,Windows\n"
)


def the_week(tmp_path: Path, *, until: date = date(2023, 6, 30), **options: object) -> Scenario:
    """Barsetshire's 3CX week: one incident told by a rule, the NCSC and KEV; the CLFS KEV entry
    (check manually); a Cisco advisory whose risk it accepted; a row stored under the key
    '3cxdesktopapp' (its export writes '3CXDesktopApp')."""
    s = scenario(tmp_path, **options)
    (tmp_path / "inv").mkdir()
    (tmp_path / "inv" / "barsetshire.csv").write_text(EXPORT, encoding="utf-8")
    for advisory in (replace(NCSC_3CX, cves=("CVE-2023-29059",)), KEV_3CX, KEV_CLFS):
        s.store.upsert_advisory(advisory, at=SEEN)
    alert(s.store, "barsetshire", THREECX, "3CXDesktopApp", "18.12.407", "windows", 2)
    alert(s.store, "barsetshire", KEV_CLFS, "Microsoft Windows 10 Enterprise", "10.0.19045.2728",
          "windows", 40, status="unknown")
    key = alert(s.store, "barsetshire", VENDOR_HIGH, "Cisco IOS XE Software", "17.9.3", "windows", 2)
    exposure = told(s.store, "barsetshire", key)
    assert exposure is not None
    record(s.store, exposure, kind="accepted", reason="isolated lab", until=until,
           sent_to="sec@barsetshire.example.gov.uk", at=SEEN)
    return s


def summary_of(s: Scenario, council: str = "barsetshire", week: str = "2023-W13") -> Message:
    config = s.config
    chosen = next(c for c in config.councils if c.id == council)
    made = council_week(chosen, s.store, IsoWeek.parse(week), ZoneInfo(config.timezone), s.clock(), [])
    return render_weekly(config, made, chosen)


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value or "" for name, value in attrs if tag == "a" and name == "href"]


def hrefs(html: str) -> list[str]:
    parser = _Hrefs()
    parser.feed(html)
    return parser.found


def html_text(html: str) -> str:
    """What a reader sees of the HTML part, a line or a table cell each, spaces collapsed."""
    html = html[html.index("<body"):]
    inline = re.sub(r"</?(strong|em|span|a)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def test_the_it_lead_sees_names_platforms_cves_severity_due_dates_and_links(tmp_path: Path) -> None:
    message = summary_of(the_week(tmp_path))
    html = html_text(message.html)
    # Rows: a line each in the text, a table row (product, version, platform, devices) in HTML.
    for row in ("3CX Desktop App 18.12.416 on Windows: 40 devices",
                "3CXDesktopApp 18.12.407 on Windows: 2 devices",  # stored as '3cxdesktopapp'
                "Microsoft Windows 10 Enterprise 10.0.19045.2728 on Windows: 40 devices [check manually]"):
        assert row in message.text
        cells = row.replace(" on ", " ").replace(":", "").replace(" [check manually]", "")
        assert cells in html.replace(" check manually", "")
    for body in (message.text, html):
        assert "3cxdesktopapp" not in body and "3cx desktop app" not in body
        assert "windows" not in body and "macos" not in body
        assert "CVE-2023-29059" in body and "CVE-2023-28252" in body
        assert "Critical" in body and "ACTIVELY EXPLOITED" in body
        assert "CISA KEV due date: 20 April 2023" in body  # from KEV, merged into the 3CX entry
        assert "CISA KEV due date: 2 May 2023" in body
        assert NCSC_URL in body and VENDOR_URL in body
    # The NCSC item names the CVE: one entry for the incident, the NCSC's words and link first.
    assert message.text.count("* 3CX DesktopApp security issue") == 1
    assert message.text.index(NCSC_URL) < message.text.index(VENDOR_URL)
    assert f'<a href="{NCSC_URL}"' in message.html
    assert "3CX Desktop App supply-chain compromise" not in message.text


def test_the_counts_agree_with_each_other_and_with_the_entries_listed(tmp_path: Path) -> None:
    message = summary_of(the_week(tmp_path))
    assert message.subject == ("Barsetshire County Council weekly security summary, week 13: "
                               "2 new, 0 still open, 1 accepted, 0 remediated")
    glance = "This week: new 2, still open 0, risks accepted 1, remediated 0."
    assert glance in message.text and glance in html_text(message.html)
    assert "NEW THIS WEEK: 2 advisories, 82 devices" in message.text
    assert "New this week: 2 advisories, 82 devices" in html_text(message.html)
    new = message.text.split("NEW THIS WEEK")[1].split("RISKS YOU ACCEPTED")[0]
    assert len(re.findall(r"^\* ", new, re.MULTILINE)) == 2
    assert sum(int(n) for n in re.findall(r": (\d+) devices?", new)) == 82
    # The accepted risk is listed once, as accepted, not again as open.
    assert "RISKS YOU ACCEPTED: 1" in message.text and "STILL OPEN" not in message.text
    assert message.text.count("Cisco IOS XE Software 17.9.3") == 1
    assert "Cisco IOS XE Web UI vulnerability: Cisco IOS XE Software 17.9.3 on Windows, " \
           "accepted until 30 June 2023" in message.text
    # 3CX (the rule, the NCSC item and KEV: one), CLFS, Cisco, Chrome; and last week's.
    assert "4 advisories were published or first seen this week\n(5 known in all)" in message.text


def test_entries_are_in_the_alerts_priority_order(tmp_path: Path) -> None:
    text = summary_of(the_week(tmp_path)).text
    # Both exploited; the 3CX entry's KEV due date (20 April) is sooner than CLFS's (2 May).
    assert text.index("* 3CX DesktopApp security issue") < text.index(
        "* Microsoft Windows CLFS Privilege Escalation")
    s = the_week(tmp_path / "later")
    s.store.upsert_advisory(replace(KEV_CLFS, due_date=date(2023, 4, 10)), at=SEEN)
    text = summary_of(s).text
    assert text.index("* Microsoft Windows CLFS") < text.index("* 3CX DesktopApp security issue")


def test_without_the_export_names_come_from_the_advisory_else_the_stored_key(tmp_path: Path) -> None:
    s = the_week(tmp_path)
    (tmp_path / "inv" / "barsetshire.csv").unlink()  # moved, or unreadable: the summary still goes
    text = summary_of(s).text
    assert "3CX Desktop App 18.12.407 on Windows: 2 devices" in text  # the statement's name
    assert "3CX Desktop App 18.12.416 on Windows: 40 devices" in text
    # Nothing names it but the alert key, which keeps the export's words casefolded.
    assert "microsoft windows 10 enterprise 10.0.19045.2728 on Windows" in text


def test_feed_text_stays_text_and_only_http_links_are_links(tmp_path: Path) -> None:
    s = the_week(tmp_path)
    hostile = replace(KEV_CLFS, title='<img src=x onerror=alert(1)> CLFS <a href="https://evil.example">x</a>',
                      summary="See https://evil.example/summary", action="Run <script>x()</script>",
                      url="javascript:alert(1)", links=("data:text/html,hi", "https://www.cisa.gov/kev"))
    s.store.upsert_advisory(hostile, at=SEEN)
    message = summary_of(s)
    assert "<img" not in message.html and "<script" not in message.html
    assert "&lt;img src=x" in message.html and "&lt;script&gt;" in message.html
    links = hrefs(message.html)
    assert "https://evil.example" not in links and all(h.startswith("https://") for h in links)
    assert "https://www.cisa.gov/kev" in links
    assert "javascript:" not in message.text and "data:text" not in message.text


@pytest.mark.parametrize("part", ["txt", "html"])
def test_the_summary_matches_its_golden_file(tmp_path: Path, part: str) -> None:
    message = summary_of(the_week(tmp_path))
    actual = message.text if part == "txt" else message.html
    path = GOLDEN / f"weekly-barsetshire-2023-W13.{part}"
    if os.environ.get("ADVISORIES_REGENERATE") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with ADVISORIES_REGENERATE=1"
    assert actual == path.read_text(encoding="utf-8")


def test_digest_send_delivers_the_summary_over_smtp(tmp_path: Path) -> None:
    # The CLI runs on today's date: the acceptance must still hold then.
    s = the_week(tmp_path, until=date.today() + timedelta(days=60), recipients="[]")
    config = tmp_path / "feeds.toml"
    with SmtpServer() as server:
        config.write_text(config.read_text() + (
            f'\n[smtp]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n'
            'from = "Council Cyber Alerts <alerts@lga.example.gov.uk>"\n'), encoding="utf-8")
        assert main(["digest", "--week", "2023-W13", "--send", "--config", str(config)]) == 0
    received = {r.rcpt_tos: r.parsed() for r in server.handler.messages}
    got = received[("sec@barsetshire.example.gov.uk",)]
    assert got["Subject"].startswith("Barsetshire County Council weekly security summary, week 13: 2 new")
    text = got.get_body(("plain",)).get_content()
    html = got.get_body(("html",)).get_content()
    assert "3CX Desktop App 18.12.416 on Windows: 40 devices" in text
    assert "3CX Desktop App 18.12.416 Windows 40 devices" in html_text(html)
    for body in (text, html_text(html)):
        assert "3cxdesktopapp" not in body
        assert "CVE-2023-29059" in body and "Critical" in body
        assert "CISA KEV due date: 20 April 2023" in body and NCSC_URL in body
    assert "Wessex" not in text and "Loamshire" not in text
    wessex = received[("cyber@wessex.example.gov.uk",)].get_body(("plain",)).get_content()
    assert "3CX Desktop App 18.11.1213 on macOS: 3 devices" in wessex
    assert s.store.outbox_entry("weekly-barsetshire-2023-W13") is not None

