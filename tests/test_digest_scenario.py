"""The 3CX week (2023-W13) as the digest sees it, built straight into a store.

Other test_digest_* modules import `scenario` from here. The store is filled directly (not via
the pipeline) so these tests depend only on the store's contract, not on matching.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from advisories.config import Config, load_config
from advisories.digest import build_digest
from advisories.models import Advisory, AffectedProduct, Message
from advisories.store import AlertRow, Store

# Monday 3 April 2023, 08:00 BST: the scheduled run that sends week 13.
MONDAY_W14 = datetime(2023, 4, 3, 7, 0, tzinfo=UTC)
PUBLISHED_3CX = datetime(2023, 3, 30, tzinfo=UTC)

THREECX = Advisory(
    id="ncsc-2023-3cx-desktop-app", source="rules",
    title="3CX Desktop App supply-chain compromise",
    summary="Trojanised builds of the 3CX Desktop App were signed and shipped by 3CX in March "
            "2023: a supply-chain attack. The installer side-loads a malicious DLL on Windows "
            "and a malicious dylib on macOS, which fetch a second-stage infostealer.",
    url="https://www.3cx.com/blog/news/desktopapp-security-alert/",
    published=PUBLISHED_3CX, severity="critical", exploited=True, cves=("CVE-2023-29059",),
    action="Uninstall the 3CX Desktop App from the listed devices and use the PWA client "
           "instead. Update the 3CX server.",
    affects=(AffectedProduct("3CX", "3CX Desktop App", "windows", versions=("18.12.416",)),
             AffectedProduct("3CX", "3CX Desktop App", "macos", versions=("18.11.1213",))),
    kind="rule",
)
NCSC_3CX = Advisory(
    id="ncsc-3cx-week:https://www.ncsc.gov.uk/news/example-3cx", source="ncsc-3cx-week",
    title="3CX DesktopApp security issue",
    summary="The NCSC strongly urges all UK organisations running the 3CX DesktopApp to "
            "consult the vendor advisory.",
    url="https://www.ncsc.gov.uk/news/example-3cx",
    published=datetime(2023, 3, 31, 12, tzinfo=UTC), kind="news",
)
KEV = Advisory(
    id="kev:CVE-2023-28252", source="cisa-kev",
    title="Microsoft Windows CLFS Privilege Escalation",
    summary="Windows Common Log File System contains an unspecified vulnerability.",
    url="https://msrc.microsoft.com/update-guide/vulnerability/CVE-2023-28252",
    published=datetime(2023, 3, 28, tzinfo=UTC), exploited=True, cves=("CVE-2023-28252",),
    action="Apply updates per vendor instructions.\nCISA due date: 2023-05-02", kind="kev",
)
VENDOR_HIGH = Advisory(
    id="cisco:sa-1", source="cisco", title="Cisco IOS XE Web UI vulnerability",
    url="https://sec.cloudapps.cisco.com/security/center/sa-1",
    published=datetime(2023, 3, 29, tzinfo=UTC), severity="high", cves=("CVE-2023-20001",),
)
VENDOR_UNDATED = Advisory(
    id="psirt:undated", source="vendor-psirt", title="Undated vendor note about Chrome",
    severity="medium",
    affects=(AffectedProduct("Google", "Google Chrome"),),
)
LAST_WEEK = Advisory(
    id="cisco:sa-0", source="cisco", title="An advisory from the week before",
    published=datetime(2023, 3, 22, tzinfo=UTC), severity="critical",
)


@dataclass
class Scenario:
    config: Config
    store: Store

    def clock(self) -> datetime:
        return MONDAY_W14


def write_config(tmp_path: Path, *, threshold: int = 3, weekly: bool = True,
                 recipients: str = '["bulletin@lga.example.gov.uk"]') -> Config:
    councils = "".join(
        f'[[councils]]\nid = "{cid}"\nname = "{name}"\nrecipients = ["{addr}"]\n'
        f'inventory = "inv/{cid}.csv"\nweekly = {str(weekly).lower()}\n\n'
        for cid, name, addr in (
            ("barsetshire", "Barsetshire County Council", "sec@barsetshire.example.gov.uk"),
            ("wessex", "Wessex District Council", "cyber@wessex.example.gov.uk"),
            ("loamshire", "Loamshire Borough Council", "ict@loamshire.example.gov.uk"),
        )
    )
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "feeds.toml"
    path.write_text(
        '[settings]\nstate = "data/state.sqlite3"\noutbox = "data/outbox"\n'
        'bulletins = "data/bulletins"\ntimezone = "Europe/London"\n'
        'from = "Council Cyber Alerts <alerts@lga.example.gov.uk>"\n\n'
        '[[feeds]]\nname = "ncsc-3cx-week"\nkind = "rss"\npath = "ncsc.xml"\n\n'
        f"{councils}"
        f'[digest]\nrecipients = {recipients}\nthreshold = {threshold}\nnotes = "notes"\n',
        encoding="utf-8",
    )
    return load_config(path, environ={})


def alert(store: Store, council: str, advisory: Advisory, product: str, version: str,
          platform: str, devices: int, *, status: str = "affected",
          at: datetime = PUBLISHED_3CX) -> str:
    """Record an alerted exposure the way the pipeline does: a queued message + its rows."""
    key = "|".join((council, advisory.id, product.casefold(), version, platform))
    message = Message(key=f"alert-{council}-{advisory.id}-{version}", council_id=council,
                      to=(f"x@{council}.example.gov.uk",), subject="s", text="t",
                      html="<p>h</p>", message_id=f"<{council}-{version}@example>")
    store.queue(message, [AlertRow(key, council, advisory.id, "sig", devices, status)], at=at)
    store.mark_sent(message.key, at=at)
    return key


def scenario(tmp_path: Path, **config_options: object) -> Scenario:
    config = write_config(tmp_path, **config_options)  # type: ignore[arg-type]
    store = Store.open(config.state)
    seen = datetime(2023, 3, 31, 9, tzinfo=UTC)
    for advisory in (THREECX, NCSC_3CX, KEV, VENDOR_HIGH, VENDOR_UNDATED, LAST_WEEK):
        store.upsert_advisory(advisory, at=seen)
    alert(store, "barsetshire", THREECX, "3CX Desktop App", "18.12.416", "windows", 40)
    alert(store, "wessex", THREECX, "3CX Desktop App", "18.11.1213", "macos", 3)
    alert(store, "loamshire", VENDOR_UNDATED, "Google Chrome", "120.0.6099.109", "any", 7,
          status="unknown")
    built = Scenario(config, store)
    # Close the connection when the test drops the scenario (Python 3.13 warns otherwise).
    weakref.finalize(built, store.close)
    return built


def test_the_3cx_week_shows_the_ncsc_item_the_exploited_advisory_and_the_exposure(
    tmp_path: Path,
) -> None:
    s = scenario(tmp_path)
    files = build_digest(s.config, s.store, "2023-W13", clock=s.clock)
    page = files.webpage.read_text(encoding="utf-8")
    text = files.message.text
    for body in (page, text, files.markdown.read_text(encoding="utf-8")):
        assert "3CX DesktopApp security issue" in body  # NCSC updates
        assert "3CX Desktop App supply-chain compromise" in body  # exploited + sector
        assert "fewer than 3 councils" in body
        assert "An advisory from the week before" not in body
    assert "fewer than 3 councils, 43 devices; since remediated: none yet" in text
    assert "fix by 2 May 2023 (CISA due date)" in text
    assert "Undated vendor note about Chrome" in text  # first seen this week, no date
    assert files.message.subject == (
        "NCSC updates and sector exposure, week 13 (27 March to 2 April 2023): "
        "2 actively exploited"
    )
    assert files.message.to == ("bulletin@lga.example.gov.uk",)
    assert files.webpage == s.config.bulletins / "2023-W13.html"
    assert {p.name for p in files.paths} == {
        "2023-W13.html", "2023-W13.md", "2023-W13.email.html", "2023-W13.email.txt"}
    for council in ("barsetshire", "wessex", "loamshire", "Barsetshire", "Wessex"):
        assert council not in page and council not in text  # aggregated: nobody is named
