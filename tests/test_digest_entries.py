"""Each bulletin entry carries what a council needs, and one incident is one entry.

The week of 2023-W13 with the shipped 3CX rule (builds per platform, "Update 6/7"), the NCSC's
3CX item (no CVE: it names the product), the KEV entry for the same CVE and the CLFS KEV entry.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from test_digest_scenario import KEV, NCSC_3CX, Scenario, alert, scenario

from advisories.digest import DigestFiles, build_digest
from advisories.digest.facts import neutral_advice, range_text, summary_text
from advisories.models import Advisory, AffectedProduct, Bound, VersionRange
from advisories.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
SEEN = datetime(2023, 3, 31, 9, tzinfo=UTC)
KEV_3CX = Advisory(
    id="kev:CVE-2023-29059", source="cisa-kev",
    title="3CX DesktopApp Embedded Malicious Code Vulnerability",
    url="https://www.cisa.gov/known-exploited-vulnerabilities-catalog",
    published=datetime(2023, 3, 30, tzinfo=UTC), exploited=True, cves=("CVE-2023-29059",),
    action="Apply mitigations per vendor instructions.", kind="kev", due_date=date(2023, 4, 20),
    affects=(AffectedProduct("3CX", "3CX Desktop App"),),
)


def shipped_rule() -> Advisory:
    loaded = load_rules(ROOT / "rules")
    return next(a for a in loaded.advisories if a.id == "ncsc-2023-3cx-desktop-app")


def the_week(tmp_path: Path) -> tuple[Scenario, DigestFiles]:
    s = scenario(tmp_path)
    rule = shipped_rule()
    for advisory in (rule, KEV_3CX):
        s.store.upsert_advisory(advisory, at=SEEN)
    alert(s.store, "loamshire", rule, "3CX Desktop App", "18.12.407", "windows", 5)
    return s, build_digest(s.config, s.store, "2023-W13", clock=s.clock)


def bodies(files: DigestFiles) -> dict[str, str]:
    return {"html": files.message.html, "text": " ".join(files.message.text.split()),
            "markdown": files.markdown.read_text(encoding="utf-8"),
            "webpage": files.webpage.read_text(encoding="utf-8")}


def test_the_3cx_entry_gives_builds_per_platform_labels_advice_cves_and_links(tmp_path: Path) -> None:
    _, files = the_week(tmp_path)
    for name, body in bodies(files).items():
        flat = re.sub(r"\\(.)", r"\1", body) if name == "markdown" else body
        assert "3CX Desktop App for Windows: 18.12.407 and 18.12.416 (Update 7)" in flat, name
        assert ("3CX Desktop App for macOS: 18.11.1213 (Update 6); 18.12.402, 18.12.407 and "
                "18.12.416 (Update 7)") in flat, name
        assert "use the browser-based PWA client instead" in flat, name
        assert "Windows 18.12.425 or later" in flat, name
        assert "CVE-2023-29059" in flat, name
        assert "fix by 20 April 2023 (CISA due date)" in flat, name
        # The summary ends at a sentence, never "...(UNC4736). The..."
        assert "(UNC4736)." in flat and "(UNC4736). The…" not in flat, name
    html = files.message.html
    ncsc = html.index('href="https://www.ncsc.gov.uk/news/example-3cx"')
    assert ncsc < html.index('href="https://www.3cx.com/blog/news/desktopapp-security-alert/"')


def test_one_incident_is_one_entry_counted_once_and_pointed_to(tmp_path: Path) -> None:
    _, files = the_week(tmp_path)
    text = files.message.text
    glance = text.split("THE WEEK AT A GLANCE")[1].split("NCSC UPDATES")[0]
    actions = glance.split("Top actions:")[1]
    assert actions.count("supply-chain compromise") == 1  # listed once in the week at a glance
    # The NCSC item, the rule and both KEV entries: one entry. With CLFS, Cisco and Chrome: 4.
    assert "    4  advisories published or first seen" in glance
    assert "    1  NCSC update\n" in glance
    ncsc = text.split("NCSC UPDATES")[1].split("ACTIVELY EXPLOITED")[0]
    assert "* 3CX Desktop App supply-chain compromise\n" in ncsc
    assert "NCSC: 3CX DesktopApp security issue" in ncsc
    exploited = text.split("ACTIVELY EXPLOITED")[1].split("SECTOR EXPOSURE")[0]
    assert ("* 3CX Desktop App supply-chain compromise (exploited), fix by 20 April 2023 "
            "(CISA due date): see NCSC updates") in exploited
    assert text.count("Trojanised builds") == 1  # written in full once
    for body in bodies(files).values():
        assert "Embedded Malicious Code Vulnerability" not in body
        assert body.count("3CX DesktopApp security issue") == 1
    markdown = files.markdown.read_text(encoding="utf-8")
    assert markdown.count("| 3CX Desktop App supply-chain compromise (exploited) |") == 1


def test_counts_agree_with_what_the_sections_list(tmp_path: Path) -> None:
    _, files = the_week(tmp_path)
    text = files.message.text
    exploited = text.split("ACTIVELY EXPLOITED")[1].split("SECTOR EXPOSURE")[0]
    rows = re.findall(r"^\* ", exploited, re.MULTILINE)
    assert f"    {len(rows)}  actively exploited" in text
    assert files.message.subject.endswith(f": {len(rows)} actively exploited")


def test_an_old_exploited_advisory_newly_hitting_a_council_is_counted_where_it_shows(
    tmp_path: Path,
) -> None:
    s = scenario(tmp_path)
    old = Advisory("kev:CVE-2021-1", "cisa-kev", "Old exploited flaw", exploited=True,
                   published=datetime(2021, 1, 4, tzinfo=UTC), cves=("CVE-2021-1",), kind="kev")
    s.store.upsert_advisory(old, at=datetime(2021, 1, 4, tzinfo=UTC))
    alert(s.store, "wessex", old, "Widget", "1.0", "windows", 2, at=SEEN)
    files = build_digest(s.config, s.store, "2023-W13", clock=s.clock)
    text = files.message.text
    assert "Old exploited flaw (exploited)" in text.split("SECTOR EXPOSURE")[1]
    exploited = text.split("ACTIVELY EXPLOITED")[1].split("SECTOR EXPOSURE")[0]
    assert "* Old exploited flaw (exploited): see Sector exposure" in exploited
    assert "    3  actively exploited" in text


def test_the_sector_bulletin_never_speaks_of_listed_devices(tmp_path: Path) -> None:
    _, files = the_week(tmp_path)
    for body in bodies(files).values():
        assert not re.search(r"listed devices|from the listed|these devices", body, re.IGNORECASE)
        assert "Uninstall the 3CX Desktop App and use the browser-based" in re.sub(r"\\(.)", r"\1", body)


@pytest.mark.parametrize(
    ("action", "neutral"),
    [("Uninstall X from the listed devices and use Y.", "Uninstall X and use Y."),
     ("Check the listed devices for indicators.", "Check affected devices for indicators."),
     ("Patch it.\nCISA due date: 2023-04-20", "Patch it."),
     ("Remove it on your affected hosts now.", "Remove it now.")],
)
def test_device_wording_is_neutralised(action: str, neutral: str) -> None:
    assert neutral_advice(action) == neutral


def test_summaries_end_at_a_sentence() -> None:
    text = ("A " * 100 + "first sentence (UNC4736). The second " + "b " * 200 + "ends.")
    assert summary_text(text).endswith("(UNC4736).")
    assert summary_text("short. text") == "short. text"


@pytest.mark.parametrize(
    ("lower", "upper", "text"),
    [(None, Bound("7.2.5", False), "before 7.2.5"),
     (Bound("7.2.0", True), Bound("7.2.5", False), "7.2.0 to before 7.2.5"),
     (Bound("0", True), Bound("7.0.11", True), "up to 7.0.11"),
     (Bound("7.4.0", True), None, "7.4.0 and later")],
)
def test_ranges_read_as_people_write_them(lower: Bound | None, upper: Bound | None, text: str) -> None:
    assert range_text(VersionRange(lower, upper)) == text


def test_an_ncsc_item_about_another_product_stays_its_own_entry(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    other = Advisory("ncsc:x", "ncsc", "Advice on passwords", summary="Use long passphrases.",
                     url="https://www.ncsc.gov.uk/news/passwords", published=SEEN, kind="news")
    s.store.upsert_advisory(other, at=SEEN)
    text = build_digest(s.config, s.store, "2023-W13", clock=s.clock).message.text
    assert "    2  NCSC updates" in text and NCSC_3CX.title in text and KEV.title in text
