"""Priority signals: read from real records, kept through the merge, ordering alerts and bulletins."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from test_digest_scenario import KEV, MONDAY_W14, scenario

from advisories.alerts import Signatures, signature
from advisories.digest import build_digest
from advisories.merge import merge_by_cve
from advisories.models import Advisory, Epss, InventoryItem, Match, Score, Status
from advisories.priority import order_key, why, with_epss
from advisories.sources.cve import load_cve_file
from advisories.sources.kev import KevSource
from advisories.sources.nvd import parse_cves

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOW = datetime(2025, 6, 2, tzinfo=UTC)


def kev(cve: str) -> Advisory:
    body = (FIXTURES / "kev" / "known_exploited_vulnerabilities.excerpt.json").read_bytes()
    return next(a for a in KevSource().parse(body, feed="cisa-kev", url="x") if a.cves == (cve,))


def test_cvss_v31_and_v40_are_read_with_who_scored_them() -> None:
    confluence = load_cve_file(FIXTURES / "cve5" / "CVE-2023-22515.json")[0]
    assert [s.describe() for s in confluence.scores] == ["CVSS 3.0 10.0 (CNA: Atlassian)", "CVSS 3.1 9.8 (CISA-ADP)"]
    panos = load_cve_file(FIXTURES / "cve5" / "CVE-2024-0012.json")[0]
    assert panos.scores == (Score("4.0", 9.3, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:L/SI:N/SA:N/"
                                  "AU:N/R:U/V:C/RE:H/U:Red", "CNA", "Palo Alto Networks"),)
    assert (panos.ssvc_exploitation, panos.kev_added) == ("active", date(2024, 11, 18))
    jenkins = load_cve_file(FIXTURES / "cve5" / "CVE-2024-23897.json")[0]
    assert (jenkins.scores, jenkins.ssvc_exploitation, jenkins.kev_added) == ((), None, None)


def test_a_merged_cve_keeps_every_sources_score_named_and_kevs_fields() -> None:
    record = load_cve_file(FIXTURES / "cve5" / "CVE-2023-4966.json")
    nvd = parse_cves(json.loads((FIXTURES / "nvd" / "CVE-2023-4966.nvd-api2.cve.json").read_bytes()), "nvd")
    [merged] = merge_by_cve([*record, *nvd, kev("CVE-2023-4966")], now=NOW)
    # Citrix's 9.4 is in both the record and NVD: once, named as the record names Citrix.
    assert [s.describe() for s in merged.scores] == ["CVSS 3.1 9.4 (CNA: Citrix)", "CVSS 3.1 7.5 (NVD)"]
    assert merged.kev_added == date(2023, 10, 18) and merged.due_date == date(2023, 11, 8)
    assert merged.ransomware == "Known" and merged.ssvc_exploitation == "active"
    assert (merged.required_action or "").startswith("Apply mitigations and kill all active and persistent")
    assert why(merged) == ("First: exploited (CISA KEV, added 2023-10-18; CISA SSVC: active; due 2023-11-08; "
                           "ransomware: known). CVSS 3.1 9.4 (CNA: Citrix).")


def advisory(title: str, **signals: object) -> Advisory:
    return replace(Advisory(id=title, source="t", title=title, cves=(f"CVE-2025-{len(title):04d}",)), **signals)


def test_exploited_then_due_date_then_cvss_then_epss() -> None:
    cna = Score("3.1", 9.8, "", "CNA", "Google")
    items = [
        advisory("scored high, no epss", scores=(cna,)),
        advisory("scored high, likely", scores=(cna,), epss=Epss(0.6, 0.98)),
        advisory("rule: critical, no score", severity="critical"),
        advisory("exploited, due later", exploited=True, due_date=date(2025, 7, 1)),
        advisory("exploited, no due date", exploited=True, scores=(replace(cna, base=10.0),)),
        advisory("exploited, due soon", exploited=True, due_date=date(2025, 6, 10), kind="kev"),
        advisory("nothing known"),
        advisory("scored low", scores=(Score("4.0", 2.1, "", "NVD"),), epss=Epss(0.9, 0.99)),
    ]
    assert [a.title for a in sorted(items, key=order_key)] == [
        "exploited, due soon", "exploited, due later", "exploited, no due date",
        "scored high, likely", "scored high, no epss", "rule: critical, no score", "scored low", "nothing known",
    ]
    assert why(items[2]) == "Then: not known to be exploited. No CVSS score; severity critical."
    assert why(items[3]) == "First: exploited (CISA KEV; due 2025-07-01). No CVSS score."
    assert why(replace(items[6], ssvc_exploitation="poc")) == \
        "Then: not known to be exploited (CISA SSVC: proof of concept). No CVSS score."


def test_epss_joins_by_cve_and_never_enters_the_signature() -> None:
    record = load_cve_file(FIXTURES / "cve5" / "CVE-2024-0012.json")[0]
    item = InventoryItem("wessex", "PAN-OS", "10.2.9")
    before = Match(record, item, record.affects[0], Status.AFFECTED, "in range")
    [scored] = with_epss([record], {"CVE-2024-0012": Epss(0.94, 0.999, date(2025, 6, 2)), "CVE-2099-1": Epss(1, 1)})
    assert scored.epss == Epss(0.94, 0.999, date(2025, 6, 2))
    assert signature(before._replace(advisory=scored)) == signature(before)


def test_a_runs_signatures_are_worked_out_once_and_agree_with_signature() -> None:
    """A sector run signs each statement once for all its councils: every council must still get
    exactly what signature() says, and a "check manually" row must not borrow an affected one's."""
    record = load_cve_file(FIXTURES / "cve5" / "CVE-2024-0012.json")[0]
    signed = Signatures()
    for council in ("wessex", "barsetshire"):
        for status in (Status.AFFECTED, Status.UNKNOWN):
            match = Match(record, InventoryItem(council, "PAN-OS", "10.2.9"), record.affects[0], status, "r")
            assert signed(match) == signature(match)
    rescored = replace(record, severity="low")  # another advisory object: its own signature
    match = Match(rescored, InventoryItem("wessex", "PAN-OS", "10.2.9"), record.affects[0], Status.AFFECTED, "r")
    assert signed(match) == signature(match) != signature(match._replace(advisory=record))


def test_the_bulletin_lists_by_priority_and_says_why(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    week = datetime(2023, 3, 29, tzinfo=UTC)
    low = Advisory("v:low", "vendor", "Vendor flaw scored 7.5", published=week, severity="high",
                   cves=("CVE-2023-0002",), scores=(Score("3.1", 7.5, "", "NVD"),))
    likely = replace(low, id="v:likely", title="Vendor flaw scored 7.5, likely exploited", cves=("CVE-2023-0003",))
    top = replace(low, id="v:top", title="Vendor flaw scored 8.8", cves=("CVE-2023-0004",),
                  scores=(Score("4.0", 8.8, "", "CNA", "Cisco"),))
    for a in (low, likely, top):
        s.store.upsert_advisory(a, at=week)
    # The scenario's KEV entry as the KEV source reads it now: its due date and date added apart.
    s.store.upsert_advisory(replace(KEV, due_date=date(2023, 5, 2), kev_added=date(2023, 3, 28)), at=week)
    s.store.replace_epss({"CVE-2023-0003": Epss(0.2, 0.95, date(2023, 3, 31))})
    text = build_digest(s.config, s.store, "2023-W13", clock=lambda: MONDAY_W14).message.text
    vendor = text.split("VENDOR ADVISORIES")[1]
    assert vendor.index("scored 8.8") < vendor.index("likely exploited") < vendor.index("scored 7.5\n")
    assert "CVSS 4.0 8.8 (CNA: Cisco)" in vendor
    assert "EPSS 20.0% (95th percentile, 2023-03-31)" in " ".join(vendor.split())
    exploited = text.split("ACTIVELY EXPLOITED")[1].split("VENDOR ADVISORIES")[0]
    # The KEV entry (due 2 May) before the 3CX rule (exploited, critical, no due date).
    assert exploited.index("Windows CLFS") < exploited.index("3CX")
    said = " ".join(exploited.split())
    assert "First: exploited (CISA KEV, added 2023-03-28; due 2023-05-02). No CVSS score." in said
    # 3CX is written in full under NCSC updates (the NCSC wrote about it); here it is a pointer.
    assert "3CX Desktop App supply-chain compromise (exploited): see NCSC updates" in said
    ncsc = " ".join(text.split("NCSC UPDATES")[1].split("ACTIVELY EXPLOITED")[0].split())
    assert "First: exploited (the advisory says so). No CVSS score; severity critical." in ncsc
