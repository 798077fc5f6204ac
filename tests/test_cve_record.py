"""CVE JSON 5 records, read as a council would want them read: each CNA habit on its real record,
matched through the real Matcher and catalogue. Records: tests/fixtures/cve5/ (README there)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisories.errors import ParseError
from advisories.matching import Matcher
from advisories.models import Advisory, InventoryItem, Status
from advisories.products import Catalogue
from advisories.sources.cve import (
    ADP_RANK,
    CveRecordSource,
    is_cve_record,
    load_cve_file,
    parse_record,
    preferred,
)

ROOT = Path(__file__).resolve().parent.parent
RECORDS = Path(__file__).resolve().parent / "fixtures" / "cve5"
CATALOGUE = Catalogue.load(ROOT / "rules" / "products.toml")  # as the pipeline loads it


def record(cve: str) -> list[Advisory]:
    return load_cve_file(RECORDS / f"{cve}.json")


def cna(cve: str) -> Advisory:
    return next(a for a in record(cve) if a.kind == "cve")


def adp(cve: str) -> Advisory:
    return next(a for a in record(cve) if a.kind == "cve-adp")


def status(advisory: Advisory, product: str, version: str, *, vendor: str = "", platform: str = "windows") -> Status:
    item = InventoryItem(council_id="c", product=product, version=version, platform=platform, vendor=vendor)
    found = Matcher([advisory], CATALOGUE).match_items([item])
    assert len(found) <= 1
    return found[0].status if found else Status.NOT_AFFECTED


def reason(advisory: Advisory, product: str, version: str, *, vendor: str = "") -> str:
    item = InventoryItem(council_id="c", product=product, version=version, platform="windows", vendor=vendor)
    [found] = Matcher([advisory], CATALOGUE).match_items([item])
    return found.reason


A, N, U = Status.AFFECTED, Status.NOT_AFFECTED, Status.UNKNOWN


# --- Chrome: version == lessThan means "below it" ------------------------------------------


@pytest.mark.parametrize(("version", "expected"), [
    ("120.0.6099.128", A), ("120.0.6099.109", A), ("119.0.6045.199", A),
    ("120.0.6099.129", N), ("120.0.6099.130", N), ("121.0.6167.85", N),
])
def test_chrome_below_the_fix_is_affected_and_the_fix_is_not(version: str, expected: Status) -> None:
    assert status(cna("CVE-2023-7024"), "Google Chrome", version, vendor="Google LLC") is expected


def test_chrome_is_exploited_from_cisa_kev_and_says_whose_versions() -> None:
    advisory = cna("CVE-2023-7024")
    assert advisory.exploited
    assert advisory.id == "cve:CVE-2023-7024" and advisory.kind == "cve" and advisory.cves == ("CVE-2023-7024",)
    assert advisory.versions_from == "Google's CVE record"
    assert "In CISA's Known Exploited Vulnerabilities catalogue since 2024-01-02" in advisory.notes
    assert any("Exploitation active" in n for n in advisory.notes)
    assert advisory.severity == "high"  # the CNA gives none: CISA-ADP's CVSS 3.1
    assert advisory.url == "https://www.cve.org/CVERecord?id=CVE-2023-7024"
    assert advisory.published is not None and advisory.updated is not None
    assert all(link.startswith("https://") for link in advisory.links)


# --- Fortinet: lessThanOrEqual, defaultStatus unaffected -----------------------------------


@pytest.mark.parametrize(("version", "expected"), [
    ("7.2.6", A), ("7.2.0", A), ("6.4.14", A), ("6.0.17", A),
    ("7.2.7", N), ("6.4.15", N),
    ("5.6.14", N), ("7.6.0", N),  # lines the record does not list: not affected
])
def test_fortios_inclusive_bounds_and_unlisted_lines(version: str, expected: Status) -> None:
    assert status(cna("CVE-2024-21762"), "FortiOS", version, vendor="Fortinet") is expected


def test_fortinet_cna_decides_over_cisa_spanning_two_lines() -> None:
    advisories = record("CVE-2024-21762")
    assert preferred(advisories).kind == "cve"
    # CISA's row 6.0.0 below 6.2.16 spans two lines; Fortinet's 6.0 line ends at 6.0.17.
    assert status(adp("CVE-2024-21762"), "FortiOS", "6.0.18", vendor="Fortinet") is A
    assert status(preferred(advisories), "FortiOS", "6.0.18", vendor="Fortinet") is N
    assert adp("CVE-2024-21762").versions_from == "CISA's enrichment of the CVE record (Vulnrichment)"
    assert CveRecordSource.rank < ADP_RANK
    assert cna("CVE-2024-21762").action and "7.4.3" in cna("CVE-2024-21762").action  # the CNA's solutions
    assert cna("CVE-2024-21762").versions_from == "Fortinet's CVE record"


# --- Exchange: lessThan "publication" -------------------------------------------------------


def test_exchange_publication_bound_is_check_manually_quoting_the_record() -> None:
    advisory = cna("CVE-2021-26855")
    assert advisory.affects and not any(s.versions or s.ranges for s in advisory.affects)
    assert {s.platform for s in advisory.affects} == {"windows"}  # "x64-based Systems" from Microsoft
    row = ("Microsoft Exchange Server 2019 Cumulative Update 13", "15.2.1258.12")
    assert status(advisory, *row, vendor="Microsoft Corporation") is U
    assert "'publication'" in reason(advisory, *row, vendor="Microsoft Corporation")
    assert "Check manually" in advisory.summary


# --- prose-only records: 3CX, MOVEit ---------------------------------------------------------


def test_3cx_na_record_gets_one_check_manually_statement_and_no_invented_product() -> None:
    advisories = record("CVE-2023-29059")
    assert [a.kind for a in advisories] == ["cve"]
    [statement] = advisories[0].affects
    assert (statement.vendor, statement.product, statement.versions, statement.ranges) == ("", "", (), ())
    assert statement.note and "3CX DesktopApp through 18.12.416" in statement.note
    # No product: nothing is matched until whoever resolved the CVE id names the product ...
    assert status(advisories[0], "3CX Desktop App", "18.12.416", vendor="3CX Ltd") is N
    # ... and once it does, every version is "check manually", never "not affected".
    named = replace(advisories[0], affects=(replace(statement, vendor="3CX", product="3CX Desktop App"),))
    assert status(named, "3CX Desktop App", "18.12.416", vendor="3CX Ltd") is U
    assert status(named, "3CX Desktop App", "18.12.500", vendor="3CX Ltd") is U


def test_moveit_na_record_takes_cisa_statements() -> None:
    advisories = record("CVE-2023-34362")
    assert cna("CVE-2023-34362").affects == ()
    assert any("names no product or version" in n for n in cna("CVE-2023-34362").notes)
    chosen = preferred(advisories)
    assert chosen.id == "cve-adp:CVE-2023-34362" and chosen.exploited
    assert status(chosen, "MOVEit Transfer", "2023.0.1", vendor="Progress Software Corporation") is A
    assert status(chosen, "MOVEit Transfer", "2023.0.2", vendor="Progress Software Corporation") is N
    assert status(chosen, "MOVEit Transfer", "2019.2", vendor="Progress Software Corporation") is A  # "0" below 2020.0


# --- REJECTED ---------------------------------------------------------------------------------


def test_rejected_record_is_withdrawn() -> None:
    [advisory] = record("CVE-2023-5129")
    assert advisory.withdrawn and advisory.kind == "cve" and advisory.id == "cve:CVE-2023-5129"
    assert advisory.affects == ()
    assert advisory.title.startswith("Rejected: CVE-2023-5129")
    assert "Replaced by CVE-2023-4863" in advisory.notes
    assert any("rejected or withdrawn" in n for n in advisory.notes)


def test_reserved_or_unknown_state_is_a_parse_error() -> None:
    data = json.loads((RECORDS / "CVE-2023-7024.json").read_text())
    data["cveMetadata"]["state"] = "RESERVED"
    with pytest.raises(ParseError, match="RESERVED"):
        parse_record(data, feed="t", url="u")


# --- Ivanti, PAN-OS, Citrix, Confluence, Jenkins, kernel, PHP, ScreenConnect --------------------


@pytest.mark.parametrize(("version", "expected"), [("22.7R2", A), ("22.7R2.4", A), ("22.7R2.5", N), ("22.7R2.6", N)])
def test_ivanti_r_versions(version: str, expected: Status) -> None:
    assert status(cna("CVE-2025-0282"), "Ivanti Connect Secure", version, vendor="Ivanti") is expected


@pytest.mark.parametrize(("version", "expected"), [
    ("10.2.9", A), ("10.2.0", A), ("10.2.9-h1", N), ("10.2.10", N), ("11.1.2-h3", N), ("11.1.2", A), ("9.1.17", N),
])
def test_pan_os_changes_fix_the_hotfix(version: str, expected: Status) -> None:
    assert status(cna("CVE-2024-3400"), "PAN-OS", version, vendor="Palo Alto Networks") is expected


@pytest.mark.parametrize(("product", "version", "expected"), [
    ("NetScaler ADC", "13.1-49.14", A), ("NetScaler ADC", "13.1-49.15", N), ("NetScaler ADC", "13.1 Build 48.47", A),
    ("NetScaler ADC", "14.1-8.50", N), ("NetScaler ADC", "13.0-92.18", A), ("NetScaler ADC", "12.1-65.17", N),
    ("NetScaler ADC FIPS", "13.1-37.163", A), ("NetScaler ADC FIPS", "13.1-37.164", N),
    ("NetScaler Gateway", "13.1-49.14", A),
])
def test_citrix_patch_bounds_are_builds_of_the_release(product: str, version: str, expected: Status) -> None:
    assert status(cna("CVE-2023-4966"), product, version, vendor="Citrix") is expected


def test_citrix_fips_is_its_own_product() -> None:
    names = {s.product for s in cna("CVE-2023-4966").affects}
    assert names == {"NetScaler ADC", "NetScaler ADC FIPS", "NetScaler ADC NDcPP", "NetScaler Gateway"}


@pytest.mark.parametrize(("version", "expected"), [
    ("8.5.1", A), ("8.0.0", A), ("8.1.0", A), ("8.3.2", A), ("8.5.2", N), ("8.3.3", N), ("8.4.3", N), ("7.19.14", N),
])
def test_confluence_comparisons_inside_version(version: str, expected: Status) -> None:
    assert status(cna("CVE-2023-22515"), "Confluence Server", version, vendor="Atlassian") is expected


@pytest.mark.parametrize(("version", "expected"), [
    ("2.441", A), ("2.440", A), ("2.426.2", A), ("2.427", A), ("1.606", A),
    ("2.442", N), ("2.426.3", N), ("2.426.4", N), ("2.440.1", N), ("1.605", N),
])
def test_jenkins_default_affected_with_unaffected_lines(version: str, expected: Status) -> None:
    assert status(cna("CVE-2024-23897"), "Jenkins", version, vendor="Jenkins Project") is expected


@pytest.mark.parametrize(("version", "expected"), [
    ("5.15.160", A), ("6.8", A), ("4.6", A), ("5.15.161", N), ("6.9.4", N), ("6.10", N), ("4.5", N),
])
def test_kernel_semver_ranges_decide_and_git_ranges_are_dropped(version: str, expected: Status) -> None:
    advisory = cna("CVE-2024-36971")
    assert all(not any(c.isalpha() for r in s.ranges for b in (r.lower, r.upper) if b for c in b.version)
               for s in advisory.affects)
    assert status(advisory, "Linux", version, vendor="Linux") is expected


def test_git_only_entry_is_check_manually() -> None:
    data = json.loads((RECORDS / "CVE-2024-36971.json").read_text())
    affected = data["containers"]["cna"]["affected"]
    data["containers"]["cna"]["affected"] = affected[:1]  # only the git ranges
    advisory = parse_record(data, feed="t", url="u")[0]
    [statement] = advisory.affects
    assert not statement.ranges and statement.note and "git commits" in statement.note
    assert status(advisory, "Linux", "6.1.0", vendor="Linux") is U


@pytest.mark.parametrize(("version", "platform", "expected"), [
    ("8.1.28", "windows", A), ("8.1.29", "windows", N), ("8.3.8", "windows", N), ("8.2.19", "windows", A),
    ("8.0.30", "windows", A),  # an older line, under defaultStatus affected
    ("8.4.1", "windows", N),  # a line released after the fixes
    ("8.1.28", "linux", N),  # PHP-CGI on Windows only
])
def test_php_windows_line_wildcards(version: str, platform: str, expected: Status) -> None:
    assert status(cna("CVE-2024-4577"), "PHP", version, vendor="PHP Group", platform=platform) is expected


def test_screenconnect_from_zero_through_23_9_7() -> None:
    advisory = cna("CVE-2024-1709")
    assert status(advisory, "ScreenConnect", "23.9.7", vendor="ConnectWise") is A
    assert status(advisory, "ScreenConnect", "22.4.0", vendor="ConnectWise") is A
    assert status(advisory, "ScreenConnect", "23.9.8", vendor="ConnectWise") is N


def test_xz_every_version_without_versions_is_check_manually_and_distro_rows_unaffected() -> None:
    advisory = cna("CVE-2024-3094")
    [statement] = advisory.affects
    assert statement.product == "xz" and statement.vendor == ""
    assert status(advisory, "xz", "5.6.1") is U


# --- unusable version data is never "not affected" ----------------------------------------


def _one(versions: list[dict[str, Any]], **entry: Any) -> dict[str, Any]:
    data = json.loads((RECORDS / "CVE-2023-7024.json").read_text())
    data["containers"]["cna"]["affected"] = [{"vendor": "OpenSSL", "product": "OpenSSL", "versions": versions, **entry}]
    return data


def test_a_sentence_in_version_is_check_manually_quoting_it() -> None:
    sentence = "Fixed in OpenSSL 3.0.7 (Affected 3.0.0,3.0.1,3.0.2,3.0.3,3.0.4,3.0.5,3.0.6)"
    advisory = parse_record(_one([{"version": sentence, "status": "affected"}]), feed="t", url="u")[0]
    assert status(advisory, "OpenSSL", "3.0.7") is U
    assert "Fixed in OpenSSL 3.0.7" in reason(advisory, "OpenSSL", "3.0.7")


def test_na_version_of_a_named_product_is_check_manually() -> None:
    advisory = parse_record(_one([{"version": "n/a", "status": "affected"}]), feed="t", url="u")[0]
    assert status(advisory, "OpenSSL", "3.0.7") is U


def test_a_line_wildcard_upper_bound_is_the_rest_of_the_line() -> None:
    versions = [{"version": "3.0.0", "lessThan": "3.0.*", "status": "affected", "versionType": "semver"}]
    advisory = parse_record(_one(versions), feed="t", url="u")[0]
    assert status(advisory, "OpenSSL", "3.0.12") is A
    assert status(advisory, "OpenSSL", "3.1.0") is N


def test_bounds_out_of_order_are_check_manually() -> None:
    versions = [{"version": "3.0.9", "lessThan": "3.0.2", "status": "affected"}]
    advisory = parse_record(_one(versions), feed="t", url="u")[0]
    assert status(advisory, "OpenSSL", "3.0.5") is U


# --- hostile and broken input ------------------------------------------------------------------


def test_hostile_record_is_sanitised_and_never_crashes() -> None:
    data = json.loads((RECORDS / "CVE-2023-7024.json").read_text())
    cna_container = data["containers"]["cna"]
    cna_container["title"] = "<script>alert(1)</script>Bad\r\nBcc: x@example.com " + "A" * 100_000
    cna_container["descriptions"] = [{"lang": "en", "value": "<img src=x onerror=alert(1)> http://evil.example/x"}]
    cna_container["references"] = [{"url": "javascript:alert(1)"}, {"url": 42}, "nope", {"url": "https://ok.example/a"}]
    cna_container["affected"] = [
        None, 7, "x", {"vendor": ["list"], "product": {"a": 1}, "versions": "all"},
        {"vendor": "V", "product": "P" * 50_000, "versions": [
            None, {"version": 5, "status": []}, {"version": "1" * 5000, "lessThan": "2", "status": "affected"},
            {"version": "1.0", "lessThan": "2.0", "status": "affected", "changes": "bad"}]},
        {"vendor": "V", "product": "Q", "platforms": [None, 3], "cpes": [1, None], "versions": [
            {"version": "1.0", "lessThan": "9" * 400, "status": "affected"}]},
    ]
    data["containers"]["adp"] = [{"providerMetadata": {"shortName": "CISA-ADP"}, "metrics": [{"other": []}, 5],
                                  "affected": {"not": "a list"}}]
    advisories = parse_record(data, feed="t", url="u")
    title = advisories[0].title
    assert "\r" not in title and "\n" not in title and len(title) <= 160
    assert advisories[0].links == ("https://ok.example/a",)
    assert "hxxp://evil[.]example" in advisories[0].summary
    for statement in advisories[0].affects:
        assert len(statement.product) <= 120
        if not (statement.versions or statement.ranges):
            assert statement.note


NOT_RECORDS = [
    b"<html>nope</html>", b"[]", b'{"document": {}}', b"\xff\xfe", b'{"cveMetadata": {}}',
    b'{"error": "CVE_RECORD_DNE", "message": "The cve record for the cve id does not exist."}',
]


@pytest.mark.parametrize("body", NOT_RECORDS)
def test_not_a_cve_record_is_a_parse_error_with_a_hint(body: bytes) -> None:
    with pytest.raises(ParseError) as raised:
        CveRecordSource().parse(body, feed="cve", url="https://cveawg.mitre.org/api/cve/CVE-2099-0001")
    assert raised.value.hint


def test_is_cve_record_tells_records_from_csaf() -> None:
    assert is_cve_record(json.loads((RECORDS / "CVE-2024-3400.json").read_text()))
    assert not is_cve_record({"document": {"csaf_version": "2.0"}})


def test_every_real_record_parses_with_statements_that_say_something() -> None:
    for path in sorted(RECORDS.glob("CVE-*.json")):
        for advisory in load_cve_file(path):
            for statement in advisory.affects:
                assert statement.versions or statement.ranges or statement.note, (path.name, statement)


# --- property: a lessThan bound is never affected ------------------------------------------------


_VERSION = st.lists(st.integers(0, 60), min_size=1, max_size=4).map(lambda parts: ".".join(map(str, parts)))


@settings(max_examples=60, deadline=None)
@given(_VERSION, _VERSION)
def test_a_version_equal_to_a_less_than_bound_is_never_affected(low: str, high: str) -> None:
    versions = [{"version": low, "lessThan": high, "status": "affected", "versionType": "custom"}]
    advisory = parse_record(_one(versions), feed="t", url="u")[0]
    assert status(advisory, "OpenSSL", high) is not A
