"""Priority on every item, end to end: KEV, CVE records and EPSS served over local HTTP, a real
SQLite state, alerts received by a real SMTP server and read as a council's team reads them.

Records are real (tests/fixtures/cve5, from CVEProject/cvelistV5), as is the KEV excerpt
(tests/fixtures/kev); the EPSS file is a gzip in FIRST's shape (tests/fixtures/epss/README.md).
"""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest
from httpserver import LocalServer, Reply, Request
from smtpserver import SmtpServer

from advisories.cli import main
from advisories.sources import cve_lookup

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EPSS = (FIXTURES / "epss" / "epss_scores-sample.csv.gz").read_bytes()
KEV = (FIXTURES / "kev" / "known_exploited_vulnerabilities.excerpt.json").read_bytes()
ITEM = """<item><title>{title}</title><link>https://www.ncsc.gov.uk/news/{slug}</link>
<description>{text}</description><pubDate>Mon, 02 Jun 2025 12:00:00 +0000</pubDate>
<guid isPermaLink="true">https://www.ncsc.gov.uk/news/{slug}</guid></item>"""
# The NCSC's items name three CVEs; KEV names MOVEit's and FortiOS's (and 21 others).
ITEMS = [
    ("Palo Alto Networks PAN-OS management interface", "pan-os", "Palo Alto Networks has fixed CVE-2024-0012."),
    ("Chrome update", "chrome", "Google has fixed CVE-2023-7024 in Chrome."),
    ("Oracle Critical Patch Update", "oracle-cpu", "Oracle fixed CVE-2024-20918 in Java SE."),
]
INVENTORY = """ApplicationId,ApplicationKey,ApplicationName,ApplicationPublisher,ApplicationShortVersion,\
ApplicationVersion,DeviceCount,Platform
a,k,Google Chrome,Google LLC,119.0,119.0.6045.199,7,Windows
b,k,FortiOS,Fortinet,7.2,7.2.6,2,Windows
c,k,MOVEit Transfer,Progress Software,2023.0,2023.0.0,1,Windows
d,k,PAN-OS,Palo Alto Networks,10.2,10.2.9,3,
e,k,Java 8 Update 381,Oracle Corporation,8.0,8.0.3810.9,20,Windows
"""


@dataclass
class Epss:
    """FIRST's file, served with an ETag; a request carrying the current one gets 304."""

    body: bytes = EPSS
    etag: str = '"epss-1"'
    asked: list[str | None] = field(default_factory=list)

    def reply(self, request: Request) -> Reply:
        self.asked.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == self.etag:
            return Reply(status=304, headers={"ETag": self.etag})
        return Reply(body=self.body, headers={"ETag": self.etag, "Content-Type": "application/gzip"})


def cve_api(request: Request) -> Reply:
    path = FIXTURES / "cve5" / f"{request.path.rsplit('/', 1)[1]}.json"
    if not path.is_file():
        return Reply(status=404, body=json.dumps({"error": "CVE_RECORD_DNE"}).encode())
    return Reply(body=path.read_bytes(), headers={"Content-Type": "application/json"})


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Epss, SmtpServer]]:
    monkeypatch.setattr(cve_lookup, "RATE", 10_000.0)
    epss = Epss()
    with LocalServer() as server, SmtpServer() as smtp:
        items = "".join(ITEM.format(title=t, slug=s, text=x) for t, s, x in ITEMS)
        server.route("/ncsc/news.xml", Reply(body=(
            '<?xml version="1.0"?><rss version="2.0"><channel><title>NCSC</title><link>https://www.ncsc.gov.uk/</link>'
            f"<description>d</description>{items}</channel></rss>").encode()))
        server.route("/kev.json", Reply(body=KEV, headers={"Content-Type": "application/json"}))
        server.route("/epss_scores-current.csv.gz", epss.reply)
        server.route_prefix("/api/cve/", cve_api)
        (tmp_path / "rules").mkdir()
        (tmp_path / "wessex.csv").write_text(INVENTORY)
        config = tmp_path / "feeds.toml"
        config.write_text(f"""
[settings]
state = "state.sqlite3"
rules = "rules"
[smtp]
host = "127.0.0.1"
port = {smtp.port}
security = "none"
from = "Alerts <alerts@example.gov.uk>"
[[feeds]]
name = "epss"
kind = "epss"
url = "{server.url('/epss_scores-current.csv.gz')}"
every = "1d"
[[feeds]]
name = "ncsc-news"
kind = "rss"
url = "{server.url('/ncsc/news.xml')}"
[[feeds]]
name = "cisa-kev"
kind = "kev"
url = "{server.url('/kev.json')}"
[[feeds]]
name = "cve"
kind = "cve"
url = "{server.url('/api/cve/')}"
[[councils]]
id = "wessex"
name = "Wessex District Council"
recipients = ["cyber@wessex.example.gov.uk"]
inventory = "wessex.csv"
""")
        yield config, epss, smtp


def run(config: Path) -> int:
    return main(["run", "--once", "--force", "--config", str(config)])


def body(message: EmailMessage, kind: str = "plain") -> str:
    part = message.get_body((kind,))
    assert part is not None
    return part.get_content()


def sections(text: str) -> list[str]:
    """The alert's numbered sections, in order: each one's text from its heading on."""
    return re.split(r"\n(?=\d+\. )", text)[1:]


def test_an_alert_lists_what_to_fix_first_and_says_why(world: tuple[Path, Epss, SmtpServer]) -> None:
    config, _, smtp = world
    assert run(config) == 0
    [message] = [r.parsed() for r in smtp.handler.messages]
    parts = sections(body(message))
    order = [next(p for p in ("MOVEit", "FortiOS", "PAN-OS", "Chrome", "Oracle") if p in s.split("\n")[0])
             for s in parts]
    # KEV due dates first (MOVEit's 2023-06-23, FortiOS's 2024-02-16); then exploited with no
    # due date by CVSS (PAN-OS 9.3 over Chrome 8.8); then what nobody says is exploited.
    assert order == ["MOVEit", "FortiOS", "PAN-OS", "Chrome", "Oracle"]
    moveit, fortios, panos, chrome, java = (" ".join(s.split()) for s in parts)
    assert ("First: exploited (CISA KEV, added 2023-06-02; CISA SSVC: active; due 2023-06-23; "
            "ransomware: known). CVSS 3.1 9.8 (CISA-ADP). EPSS 94.4% (99th percentile, 2025-06-02).") in moveit
    assert "First: exploited (CISA KEV, added 2024-02-09; CISA SSVC: active; due 2024-02-16; ransomware: known). " \
           "CVSS 3.1 9.6 (CNA: Fortinet)." in fortios
    assert ("First: exploited (CISA KEV, added 2024-11-18; CISA SSVC: active). CVSS 4.0 9.3 "
            "(CNA: Palo Alto Networks). EPSS 94.3% (99th percentile, 2025-06-02).") in panos
    # The worst of the CNA's two scenarios stands, with its vector.
    assert "Scores: CVSS 4.0 9.3 (CNA: Palo Alto Networks) CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H" in panos
    assert "5.9" not in panos
    assert "First: exploited (CISA KEV, added 2024-01-02; CISA SSVC: active). CVSS 3.1 8.8 (CISA-ADP)." in chrome
    assert "Then: not known to be exploited. CVSS 3.1 7.4 (CNA: Oracle). EPSS 0.4% (61st percentile" in java
    # KEV's own fields reach the council: the due date, ransomware use and CISA's required action
    # (kept beside the CNA's solution, which is the action shown).
    assert "CISA KEV due date: 2024-02-16" in fortios
    assert "Known use in ransomware campaigns: Known" in fortios
    assert "CISA's required action: Apply mitigations per vendor instructions" in fortios
    html = " ".join(body(message, "html").split())
    assert html.index("MOVEit") < html.index("FortiOS") < html.index("PAN-OS") < html.index("Oracle")
    assert "CVSS 4.0 9.3 (CNA: Palo Alto Networks)" in html


def test_epss_is_kept_only_for_named_cves_and_never_alerts_by_itself(
    world: tuple[Path, Epss, SmtpServer], tmp_path: Path,
) -> None:
    config, epss, smtp = world
    assert run(config) == 0
    state = sqlite3.connect(tmp_path / "state.sqlite3")
    kept = {cve for (cve,) in state.execute("SELECT cve FROM epss")}
    # Of the file's 206 rows: the CVEs the feeds name (Log4j's through KEV), none of the others.
    assert kept == {"CVE-2023-34362", "CVE-2024-21762", "CVE-2024-0012", "CVE-2023-7024",
                    "CVE-2024-20918", "CVE-2021-44228"}
    sent = len(smtp.handler.messages)
    # The next day's file: Java's EPSS leaps. The state follows; no council is told again.
    text = gzip.decompress(EPSS).replace(b"CVE-2024-20918,0.00420,0.61837", b"CVE-2024-20918,0.97000,0.99990")
    epss.body, epss.etag = gzip.compress(text), '"epss-2"'
    assert run(config) == 0
    assert state.execute("SELECT score FROM epss WHERE cve = 'CVE-2024-20918'").fetchone() == (0.97,)
    assert len(smtp.handler.messages) == sent
    # Unchanged since: asked conditionally, answered 304.
    assert run(config) == 0
    assert epss.asked == [None, '"epss-1"', '"epss-2"']
