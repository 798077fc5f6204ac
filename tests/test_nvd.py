"""NVD CVE API 2.0 -> advisories, request windows, rate limiting, Retry-After.
Golden: tests/fixtures/nvd/golden, ADVISORIES_REGENERATE=1."""

from __future__ import annotations

import contextlib
import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import golden
import pytest
from mutations import with_wrong_types

from advisories.errors import ParseError
from advisories.matching import Matcher
from advisories.models import Advisory, AffectedProduct, Bound, InventoryItem, VersionRange
from advisories.products import Catalogue
from advisories.sources import SOURCES
from advisories.sources.nvd import NvdSource, cpe_fields, cpe_value
from advisories.sources.nvd_collect import RateLimiter, nvd_request_windows, retry_after_seconds
from advisories.versions import compile_statement

FIXTURES = Path(__file__).parent / "fixtures" / "nvd"
CVE_FILE = FIXTURES / "CVE-2023-29059.nvd-api2.cve.json"


def parse(data: dict[str, Any] | bytes, feed: str = "nvd") -> list[Advisory]:
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return NvdSource().parse(body, feed=feed, url="https://services.nvd.nist.gov/rest/json/cves/2.0")


def envelope(*cves: dict[str, Any]) -> dict[str, Any]:
    # The documented API 2.0 response envelope around the saved cve objects.
    return {"resultsPerPage": len(cves), "startIndex": 0, "totalResults": len(cves),
            "format": "NVD_CVE", "version": "2.0", "timestamp": "2026-06-17T06:00:00.000",
            "vulnerabilities": [{"cve": c} for c in cves]}


def the_3cx_cve() -> dict[str, Any]:
    return json.loads(CVE_FILE.read_bytes())


def check_golden(name: str, advisories: list[Advisory]) -> None:
    golden.check_golden(FIXTURES / "golden" / f"{name}.json", advisories)


def test_3cx_cve_matches_its_golden_file() -> None:
    check_golden("CVE-2023-29059", parse(CVE_FILE.read_bytes()))


def test_3cx_exact_versions_per_platform() -> None:
    [a] = parse(the_3cx_cve())
    assert a.id == "nvd:CVE-2023-29059" and a.cves == ("CVE-2023-29059",) and a.kind == "nvd"
    assert a.severity == "high" and not a.exploited
    assert a.published == datetime(2023, 3, 30, 17, 15, 6, 830000, tzinfo=UTC)
    assert a.url == "https://nvd.nist.gov/vuln/detail/CVE-2023-29059"
    assert len(a.links) == 6  # the two sources list the same six URLs
    assert a.summary.startswith("3CX DesktopApp through 18.12.416 has embedded malicious code")
    # Each statement keeps its CPE's identity fields, target_sw included: the catalogue needs
    # them to tell the desktop app from the phone system (same 3cx:3cx).
    assert set(a.affects) == {
        AffectedProduct("3cx", "3cx", "macos", cpe="cpe:2.3:a:3cx:3cx:*:*:*:*:*:macos:*:*",
                        versions=("18.11.1213", "18.12.402", "18.12.407", "18.12.416")),
        AffectedProduct("3cx", "3cx", "windows", cpe="cpe:2.3:a:3cx:3cx:*:*:*:*:*:windows:*:*",
                        versions=("18.12.407", "18.12.416")),
    }


def test_envelope_and_bare_cve_parse_alike() -> None:
    assert parse(envelope(the_3cx_cve())) == parse(the_3cx_cve())
    assert parse(envelope()) == []


def configured(*nodes: dict[str, Any], operator: str | None = None) -> dict[str, Any]:
    cve = the_3cx_cve()
    config: dict[str, Any] = {"nodes": list(nodes)}
    if operator:
        config["operator"] = operator
    cve["configurations"] = [config]
    return cve


def node(*matches: dict[str, Any]) -> dict[str, Any]:
    return {"operator": "OR", "negate": False, "cpeMatch": list(matches)}


def test_ranges_and_running_on_platforms() -> None:
    app = {"vulnerable": True, "criteria": "cpe:2.3:a:fortinet:forticlient:*:*:*:*:*:*:*:*",
           "versionStartIncluding": "7.0.0", "versionEndExcluding": "7.0.8"}
    oses = [{"vulnerable": False, "criteria": "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"},
            {"vulnerable": False, "criteria": "cpe:2.3:o:apple:macos:-:*:*:*:*:*:*:*"}]
    [a] = parse(configured(node(app), node(*oses), operator="AND"))
    rng = VersionRange(Bound("7.0.0", True), Bound("7.0.8", False))
    cpe = "cpe:2.3:a:fortinet:forticlient:*:*:*:*:*:*:*:*"
    assert [(s.platform, s.ranges, s.cpe) for s in a.affects] == [("windows", (rng,), cpe), ("macos", (rng,), cpe)]


def test_unknown_context_keeps_any_and_vulnerable_false_is_never_a_statement() -> None:
    app = {"vulnerable": True, "criteria": "cpe:2.3:a:acme:agent:2.1:*:*:*:*:*:*:*"}
    device = {"vulnerable": False, "criteria": "cpe:2.3:h:acme:box_9000:-:*:*:*:*:*:*:*"}
    [a] = parse(configured(node(app), node(device), operator="AND"))
    assert a.affects == (AffectedProduct("acme", "agent", "any", versions=("2.1",),
                                         cpe="cpe:2.3:a:acme:agent:*:*:*:*:*:*:*:*"),)


def test_star_without_bounds_is_all_versions_and_dash_is_unknown() -> None:
    every = {"vulnerable": True, "criteria": "cpe:2.3:a:acme:old:*:*:*:*:*:*:*:*"}
    dash = {"vulnerable": True, "criteria": "cpe:2.3:a:acme:cloud:-:*:*:*:*:*:*:*"}
    win = "cpe:2.3:o:microsoft:windows_10_22h2:10.0.19045.3570:*:*:*:*:*:*:*"
    os_cpe = {"vulnerable": True, "criteria": win}
    studio = {"vulnerable": True, "criteria": "cpe:2.3:a:google:android_studio:1.0:*:*:*:*:*:*:*"}
    [a] = parse(configured(node(every, dash, os_cpe, studio)))
    old, cloud, windows, ide = a.affects
    assert ide.platform == "any"  # an application named "android..." is not the OS
    assert old.all_versions and not old.versions
    assert (cloud.versions, cloud.ranges, cloud.all_versions) == ((), (), False)  # UNKNOWN
    assert windows.platform == "windows"
    assert windows.cpe == "cpe:2.3:o:microsoft:windows_10_22h2:*:*:*:*:*:*:*:*"


def test_kev_fields_in_nvd_mark_exploited_and_rejected_cves_are_dropped() -> None:
    cve = the_3cx_cve()
    cve.update(cisaExploitAdd="2023-03-30", cisaRequiredAction="Uninstall the app.",
               cisaVulnerabilityName="3CX DesktopApp Embedded Malicious Code")
    rejected = {**the_3cx_cve(), "id": "CVE-2023-00001", "vulnStatus": "Rejected"}
    [a] = parse(envelope(cve, rejected))
    assert a.exploited and a.action == "Uninstall the app."
    assert a.title == "3CX DesktopApp Embedded Malicious Code"


def test_not_nvd_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="nvd-feed"):
        parse(b"<html>503</html>", feed="nvd-feed")
    with pytest.raises(ParseError, match=r"not an NVD CVE API 2\.0 response"):
        parse({"message": "Invalid apiKey"})


def test_the_source_registers_itself() -> None:
    assert isinstance(SOURCES["nvd"], NvdSource)


def test_cpe_fields_keep_escaped_colons() -> None:
    fields = cpe_fields(r"cpe:2.3:a:acme:foo\:bar:1.0:*:*:*:*:*:*:*")
    assert fields[4] == r"foo\:bar" and fields[5] == "1.0" and len(fields) == 13
    assert cpe_fields("not a cpe") == []


# --- request pacing ----------------------------------------------------------------------------

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def test_request_windows_are_at_most_120_days_and_contiguous() -> None:
    assert nvd_request_windows(T0, T0) == []
    assert nvd_request_windows(T0, T0 + timedelta(days=3)) == [(T0, T0 + timedelta(days=3))]
    windows = nvd_request_windows(T0, T0 + timedelta(days=300))
    assert len(windows) == 3 and windows[0][0] == T0 and windows[-1][1] == T0 + timedelta(days=300)
    assert all(end - start <= timedelta(days=120) for start, end in windows)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_rate_limiter_allows_five_per_rolling_thirty_seconds_without_a_key() -> None:
    clock = FakeClock()
    limiter = RateLimiter.for_nvd(has_api_key=False, clock=clock)
    for _ in range(5):
        assert limiter.delay() == 0.0
        limiter.record()
        clock.now += 1
    assert limiter.delay() == pytest.approx(25.0)  # the first request leaves the window at +30
    limiter.acquire(sleep=clock.sleep)
    assert clock.now == pytest.approx(1030.0)
    assert limiter.delay() == pytest.approx(1.0)


def test_rate_limiter_with_a_key_allows_fifty() -> None:
    clock = FakeClock()
    limiter = RateLimiter.for_nvd(has_api_key=True, clock=clock)
    for _ in range(50):
        limiter.acquire(sleep=clock.sleep)
    assert clock.now == 1000.0 and limiter.delay() == pytest.approx(30.0)
    with pytest.raises(ValueError):
        RateLimiter(0)


@pytest.mark.parametrize(("headers", "seconds"), [
    ({"Retry-After": "120"}, 120.0),
    ({"retry-after": "Mon, 01 Jan 2024 00:01:00 GMT"}, 60.0),
    ({"Retry-After": "Sun, 31 Dec 2023 23:00:00 GMT"}, 0.0),
    ({"Retry-After": "soon"}, None),
    ({}, None),
])
def test_retry_after_seconds(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after_seconds(headers, now=T0) == seconds


def test_any_value_of_the_wrong_type_gives_advisories_or_a_parse_error() -> None:
    original = envelope(the_3cx_cve())
    for doc in with_wrong_types(original):
        with contextlib.suppress(ParseError):
            parse(doc)


def test_conflicting_bounds_keep_the_wider_reading() -> None:
    app = {"vulnerable": True, "criteria": "cpe:2.3:a:acme:agent:*:*:*:*:*:*:*:*",
           "versionStartIncluding": "1.0", "versionStartExcluding": "1.0",
           "versionEndExcluding": "2.0"}
    [a] = parse(configured(node(app)))
    assert a.affects[0].ranges == (VersionRange(Bound("1.0", True), Bound("2.0", False)),)


def test_3cx_statements_work_with_the_version_matcher() -> None:
    from advisories.versions import compile_statement

    [a] = parse(the_3cx_cve())
    windows = next(s for s in a.affects if s.platform == "windows")
    assert compile_statement(windows).status("18.12.416.0").status.value == "affected"
    assert compile_statement(windows).status("18.12.425").status.value == "not_affected"


# --- CPE spelling -> versions an inventory records ---------------------------------------------

REAL_CVES = ["CVE-2018-0171", "CVE-2021-26855", "CVE-2023-22049", "CVE-2023-4966", "CVE-2024-37085"]
CATALOGUE = Catalogue.load(Path(__file__).resolve().parent.parent / "rules" / "products.toml")


def real_cve(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.nvd-api2.cve.json").read_bytes())


def statements(cve: dict[str, Any], product: str) -> list[AffectedProduct]:
    [a] = parse(cve)
    return [s for s in a.affects if s.product == product]


def statement(cve: dict[str, Any], product: str) -> AffectedProduct:
    [found] = statements(cve, product)
    return found


def strongest(found: list[AffectedProduct], installed: str) -> str:
    """A product's statements together: the strongest verdict is the one reported."""
    verdicts = {compile_statement(s).status(installed).status.value for s in found}
    return next(v for v in ("affected", "unknown", "not_affected") if v in verdicts)


def matched(cve: dict[str, Any], product: str, vendor: str, version: str, platform: str = "any") -> str | None:
    """`advisories match`'s answer for one inventory row: a status, or None (no row: not affected)."""
    rows = Matcher(parse(cve), CATALOGUE).match_items([InventoryItem("c", product, version, platform, vendor)])
    assert len(rows) <= 1
    return rows[0].status.value if rows else None


@pytest.mark.parametrize("name", REAL_CVES)
def test_real_cves_match_their_golden_files(name: str) -> None:
    check_golden(name, parse(real_cve(name)))


@pytest.mark.parametrize(("field", "value"), [
    (r"15.2\(5\)e", "15.2(5)e"), (r"13.1\-49.13", "13.1-49.13"), (r"foo\:bar", "foo:bar"),
    (r"a\\b", "a\\b"), ("7.0", "7.0"), ("2.*", None), ("1.?", None),
])
def test_cpe_value_removes_quoting_and_refuses_wildcards(field: str, value: str | None) -> None:
    assert cpe_value(field) == value


@pytest.mark.parametrize(("version", "status"), [
    ("15.2(5)E", "affected"), ("15.2(5)e", "affected"), ("15.2(5)E1", "not_affected"),
    ("15.2(4)E5a", "not_affected"), ("15.0(2)SE", "unknown"),  # another train: not comparable
])
def test_cisco_ios_cpe_escapes_are_removed(version: str, status: str) -> None:
    """CVE-2018-0171 (Smart Install, cisco-sa-20180328-smi2): NVD writes 15.2\\(5\\)e."""
    ios = statement(real_cve("CVE-2018-0171"), "ios")
    assert ios.versions == ("15.2(5)e",) and ios.scheme == "cisco-ios"
    assert compile_statement(ios).status(version).status.value == status


def test_citrix_release_build_escape_is_removed() -> None:
    # NetScaler 13.1-49.13 (CVE-2023-3519's fix) in the CPE spelling, "-" quoted as "\-".
    app = {"vulnerable": True,
           "criteria": r"cpe:2.3:a:citrix:netscaler_application_delivery_controller:13.1\-49.13:*:*:*:*:*:*:*"}
    [a] = parse(configured(node(app)))
    assert a.affects[0].versions == ("13.1-49.13",)
    for installed in ("13.1-49.13", "NS13.1: Build 49.13.nc"):
        assert compile_statement(a.affects[0]).status(installed).status.value == "affected"


# Oracle CPU July 2023, CVE-2023-22049: "Supported versions that are affected are Oracle Java SE:
# 8u371, 8u371-perf, 11.0.19, 17.0.7, 20.0.1", the newest affected build of each line.
JAVA_LINES = (
    VersionRange(Bound("1.8.0", True), Bound("1.8.0_371", True)),
    VersionRange(Bound("11.0.0", True), Bound("11.0.19", True)),
    VersionRange(Bound("17.0.0", True), Bound("17.0.7", True)),
    VersionRange(Bound("20.0.0", True), Bound("20.0.1", True)),
)
JAVA_NOTE = ("Oracle names only the newest affected build of each Java line (1.8.0_371, 11.0.19, "
             "17.0.7, 20.0.1), so earlier builds of those lines are affected too")


@pytest.mark.parametrize("product", ["jre", "jdk"])
def test_java_builds_are_the_newest_affected_of_their_line(product: str) -> None:
    """CVE-2023-22049: NVD writes jre:1.8.0:update371 and jre:11.0.19 for 8u371 and 11.0.19; each
    is read as its line up to that build (last_affected), never as that build alone. NVD gives
    8u371 sw_edition "-" and 8u371-perf (the Enterprise Performance Pack) its own sw_edition, so
    each CPE line is a statement of its own, with the sw_edition as NVD wrote it."""
    cpe = f"cpe:2.3:a:oracle:{product}:*:*:*:*:{{}}:*:*:*"
    found = statements(real_cve("CVE-2023-22049"), product)
    assert {(s.cpe, s.versions, s.ranges, s.scheme, s.note) for s in found} == {
        (cpe.format("-"), (), JAVA_LINES[:1], "java", JAVA_NOTE),
        (cpe.format("enterprise_performance_pack"), (), JAVA_LINES[:1], "java", JAVA_NOTE),
        (cpe.format("*"), (), JAVA_LINES[1:], "java", JAVA_NOTE),
    }


@pytest.mark.parametrize(("version", "status"), [
    ("8u361", "affected"), ("1.8.0_361", "affected"), ("8 Update 361", "affected"),  # the April CPU
    ("8.0.3610.9", "affected"),  # the Windows file version of 8u361
    ("8u202", "affected"), ("1.8.0", "affected"),  # the line starts at 8 GA
    ("8u371", "affected"), ("1.8.0_371", "affected"), ("8u371-perf", "affected"),
    ("8.0.3710.11", "affected"),
    ("8u381", "not_affected"), ("1.8.0_381", "not_affected"),  # the July 2023 CPU fix
    ("11.0.18", "affected"), ("11.0.19", "affected"), ("11.0.20", "not_affected"),
    ("17.0.6", "affected"), ("17.0.7", "affected"), ("17.0.8", "not_affected"),
    ("20.0.1", "affected"),
    ("21.0.1", "not_affected"),  # no line 21 is named (JDK 21 came out after this CPU)
    ("1.7.0_80", "not_affected"),  # nor line 7: a fix on one line says nothing of another
])
def test_java_versions_against_the_newest_affected_build_per_line(version: str, status: str) -> None:
    """CVE-2023-22049 (Oracle CPU July 2023), end to end: the NVD record through the source's
    parse, then the version matcher and `advisories match`'s matcher on one inventory row."""
    assert strongest(statements(real_cve("CVE-2023-22049"), "jre"), version) == status
    assert matched(real_cve("CVE-2023-22049"), "Java SE Runtime Environment", "Oracle", version) == (
        None if status == "not_affected" else status)


def test_java_reasons_name_the_line_and_the_fixed_build_is_outside_every_line() -> None:
    java8, *_, later = statements(real_cve("CVE-2023-22049"), "jre")
    java8_line, later_lines = compile_statement(java8), compile_statement(later)
    assert java8_line.status("8u361").reason == "8u361 is in the affected range >=1.8.0 <=1.8.0_371"
    assert later_lines.status("11.0.18").reason == "11.0.18 is in the affected range >=11.0.0 <=11.0.19"
    assert java8_line.status("8u381").reason.startswith("8u381 is not in the affected range")
    assert later_lines.status("8u381").reason.startswith("8u381 is not in the affected ranges >=11.0.0 <=11.0.19; ")


@pytest.mark.parametrize(("name", "version", "status"), [
    # Windows "Programs" rows as cdxgen exports them (shared/corpus/inventory, windows11 OBOM).
    ("Java(TM) SE Development Kit 20.0.2 (64-bit)", "20.0.2.0", None),  # the July 2023 CPU fix
    ("Java(TM) SE Development Kit 20.0.1 (64-bit)", "20.0.1.0", "affected"),
    ("Java 8 Update 361 (64-bit)", "8.0.3610.9", "affected"),
    ("Java 8 Update 381 (64-bit)", "8.0.3810.9", None),
])
def test_java_inventory_rows_from_windows_programs(name: str, version: str, status: str | None) -> None:
    """CVE-2023-22049: an estate that installed April's 8u361 and skipped July's 8u381 is alerted."""
    assert matched(real_cve("CVE-2023-22049"), name, "Oracle Corporation", version) == status


def test_java_note_is_on_the_alert_once_and_is_no_reason_to_check_by_hand() -> None:
    [a] = parse(real_cve("CVE-2023-22049"))
    assert a.notes == (JAVA_NOTE,)  # jre and jdk say the same: once
    assert "Check manually" not in a.summary


def test_graalvm_builds_stay_exact() -> None:
    """CVE-2023-22049 also names Oracle GraalVM Enterprise Edition 20.3.10, 21.3.6, 22.3.2 and
    GraalVM for JDK 17.0.7, 20.0.1. Their lines are GraalVM's, not Java's, so the Java line rule
    does not apply to them: NVD's builds are kept as listed."""
    cve = real_cve("CVE-2023-22049")
    graalvm, for_jdk = statement(cve, "graalvm"), statement(cve, "graalvm_for_jdk")
    assert (graalvm.versions, graalvm.ranges, graalvm.note) == (("20.3.10", "21.3.6", "22.3.2"), (), None)
    assert (for_jdk.versions, for_jdk.ranges, for_jdk.scheme) == (("17.0.7", "20.0.1"), (), None)


@pytest.mark.parametrize(("criteria", "installed", "status"), [
    # java_se writes Java 8 as "8" with the update apart: 8u381 is line 8 up to 8u381.
    ("cpe:2.3:a:oracle:java_se:8:update381:*:*:*:*:*:*", "8u371", "affected"),
    ("cpe:2.3:a:oracle:java_se:8:update381:*:*:*:*:*:*", "1.8.0_381", "affected"),
    ("cpe:2.3:a:oracle:java_se:8:update381:*:*:*:*:*:*", "8u391", "not_affected"),
    ("cpe:2.3:a:oracle:java_se:8:update381:*:*:*:*:*:*", "11.0.1", "not_affected"),
    # An update-less legacy build is the line's GA release, the newest affected of its line.
    ("cpe:2.3:a:oracle:jre:1.7.0:-:*:*:*:*:*:*", "7u0", "affected"),
    ("cpe:2.3:a:oracle:jre:1.7.0:-:*:*:*:*:*:*", "1.7.0_1", "not_affected"),
    # A Java 8 build with an update NVD spells as a word is no version: UNKNOWN, not widened.
    ("cpe:2.3:a:oracle:jdk:1.8.0:update371_b25:*:*:*:*:*:*", "8u361", "unknown"),
])
def test_java_cpe_spellings_become_lines(criteria: str, installed: str, status: str) -> None:
    [a] = parse(configured(node({"vulnerable": True, "criteria": criteria})))
    assert strongest(list(a.affects), installed) == status


@pytest.mark.parametrize(("version", "status"), [
    ("7.0U3c", "affected"), ("7.0.3", "affected"),  # esxi:7.0:* is every 7.0 update
    ("7.0 Update 1", "affected"), ("8.0", "affected"), ("8.0b", "affected"),
    ("8.0U1a", "affected"), ("8.0 Update 2", "affected"), ("8.0U2c", "affected"),
    ("8.0U3", None),  # VMSA-2024-0013: fixed in ESXi 8.0 Update 3
    ("8.0U1b", None),  # not listed, so not affected by NVD's account
])
def test_esxi_update_field_becomes_the_vmware_version(version: str, status: str | None) -> None:
    """CVE-2024-37085 (ESXi AD group bypass, KEV): esxi:7.0:*, esxi:8.0:update_1a, esxi:8.0:b."""
    esxi = statement(real_cve("CVE-2024-37085"), "esxi")
    assert esxi.scheme == "vmware" and "8.0U1a" in esxi.versions and "8.0b" in esxi.versions
    assert esxi.ranges == (VersionRange(Bound("7.0", True), Bound("7.1", False)),)
    assert matched(real_cve("CVE-2024-37085"), "VMware ESXi", "VMware", version) == status


def test_exchange_cumulative_updates_are_unknown_and_say_so() -> None:
    """CVE-2021-26855 (ProxyLogon): exchange_server:2019:cumulative_update_8 names a CU, and
    inventories record builds (15.2.792.10); none can be compared, so every build is UNKNOWN."""
    cve = real_cve("CVE-2021-26855")
    [a] = parse(cve)
    [exchange] = a.affects
    assert (exchange.versions, exchange.ranges, exchange.all_versions) == ((), (), False)
    assert exchange.note is not None
    assert exchange.note.startswith("NVD names exchange_server 2013 cumulative_update_21, ")
    assert exchange.note.endswith("and 16 more, which cannot be compared with an installed version")
    assert "\n\nCheck manually: NVD names exchange_server" in a.summary
    for build in ("15.2.792.3", "15.2.792.10", "15.1.2176.9"):
        assert matched(cve, "Microsoft Exchange Server", "Microsoft", build) == "unknown"


@pytest.mark.parametrize(("criteria", "installed", "status"), [
    ("cpe:2.3:a:openssl:openssl:1.0.2:beta1:*:*:*:*:*:*", "1.0.2-beta1", "affected"),
    ("cpe:2.3:a:openssl:openssl:1.0.2:beta1:*:*:*:*:*:*", "1.0.2", "not_affected"),
    ("cpe:2.3:a:openbsd:openssh:8.9:p1:*:*:*:*:*:*", "OpenSSH_8.9p1", "affected"),
    ("cpe:2.3:a:microsoft:sharepoint_server:2019:*:*:*:*:*:*:*", "16.0.10337.12109", "unknown"),
    ("cpe:2.3:o:microsoft:windows_10:1607:*:*:*:*:*:*:*", "10.0.14393.5921", "unknown"),
    ("cpe:2.3:o:vmware:esxi:6.5:650-201701001:*:*:*:*:*:*", "6.5.0", "unknown"),  # CVE-2021-21974
    ("cpe:2.3:a:oracle:jre:1.8.0:*:*:*:*:*:*:*", "8u202", "affected"),  # every Java 8 update
    ("cpe:2.3:a:acme:agent:2.*:*:*:*:*:*:*:*", "2.1", "unknown"),  # a pattern, not a version
])
def test_update_fields_that_are_versions_and_ones_that_are_not(criteria: str, installed: str,
                                                               status: str) -> None:
    [a] = parse(configured(node({"vulnerable": True, "criteria": criteria})))
    assert strongest(list(a.affects), installed) == status


def test_readable_and_unreadable_cpes_of_one_product_keep_both_statements() -> None:
    """CVE-2021-21974 writes ESXi 7.0.0 update_1 next to 6.5 patch bulletins (650-201701001)."""
    cpes = ["cpe:2.3:o:vmware:esxi:7.0.0:update_1:*:*:*:*:*:*",
            "cpe:2.3:o:vmware:esxi:6.5:650-201701001:*:*:*:*:*:*"]
    [a] = parse(configured(node(*({"vulnerable": True, "criteria": c} for c in cpes))))
    readable, unreadable = a.affects
    assert readable.versions == ("7.0U1",) and unreadable.versions == ()
    assert unreadable.note == ("NVD names esxi 6.5 650-201701001, which cannot be compared with "
                               "an installed version")
    advisory = Advisory(id="x", source="t", title="t", affects=a.affects)
    rows = Matcher([advisory], CATALOGUE).match_items(
        [InventoryItem("c", "VMware ESXi", v, "any", "VMware") for v in ("7.0 Update 1", "6.5.0")])
    assert {r.item.version: r.status.value for r in rows} == {"7.0 Update 1": "affected", "6.5.0": "unknown"}


# --- the CPE's identity fields: platform and build line ----------------------------------------


@pytest.mark.parametrize(("name", "vendor", "version", "platform", "status"), [
    ("3CX Desktop App", "3CX Ltd", "18.12.416", "windows", "affected"),
    ("3CXDesktopApp", "", "18.12.416", "windows", "affected"),  # the installer's own name
    ("3CX Desktop App", "3CX Ltd", "18.11.1213", "macos", "affected"),
    ("3CX Desktop App", "3CX Ltd", "18.12.422", "windows", None),  # 3CX's clean Windows build
    ("3CX Desktop App", "3CX Ltd", "18.11.1213", "windows", None),  # a macOS-only build
    ("3CX Phone System", "3CX", "18.12.416", "windows", None),  # also 3cx:3cx, never this CVE's
])
def test_3cx_desktop_app_rows_through_the_matcher(name: str, vendor: str, version: str, platform: str,
                                                   status: str | None) -> None:
    """CVE-2023-29059 as NVD publishes it: target_sw windows/macos is what makes 3cx:3cx the
    desktop app in the catalogue, and it sets each statement's platform."""
    assert matched(the_3cx_cve(), name, vendor, version, platform) == status


NETSCALER = "cpe:2.3:a:citrix:netscaler_application_delivery_controller:*:*:*:*:{}:*:*:*"


def test_netscaler_fips_and_ndcpp_cpes_are_statements_of_their_own() -> None:
    """CVE-2023-4966 (Citrix Bleed, CTX579459) as NVD publishes it: sw_edition "-" is the
    standard line, "fips" and "ndcpp" the FIPS and NDcPP lines, each with its own fixed builds."""
    [a] = parse(real_cve("CVE-2023-4966"))
    fixes = {s.cpe: (s.product, [r.upper.version for r in s.ranges if r.upper])
             for s in a.affects if s.product.startswith("netscaler_application_delivery_controller")}
    assert fixes == {
        NETSCALER.format("-"): ("netscaler_application_delivery_controller",
                                ["13.0-92.19", "13.1-49.15", "14.1-8.50"]),
        NETSCALER.format("fips"): ("netscaler_application_delivery_controller fips", ["12.1-55.300", "13.1-37.164"]),
        NETSCALER.format("ndcpp"): ("netscaler_application_delivery_controller ndcpp", ["12.1-55.300"]),
    }


@pytest.mark.parametrize(("name", "version", "status"), [
    ("NetScaler ADC 13.1-FIPS", "13.1-37.150", "affected"),
    ("NetScaler ADC 13.1-FIPS", "13.1-37.164", None),  # the FIPS fix, below the standard line's
    ("NetScaler ADC NDcPP", "12.1-55.291", "affected"),
    ("NetScaler ADC NDcPP", "12.1-55.300", None),
    ("NetScaler ADC NDcPP", "13.1-48.47", None),  # the standard 13.1 range is not NDcPP's
    ("NetScaler ADC", "13.1-48.47", "affected"),
    ("NetScaler ADC", "NS13.1: Build 48.47.nc", "affected"),
    ("NetScaler ADC", "13.1-49.15", None),
    ("NetScaler ADC", "12.1-55.291", None),  # the FIPS/NDcPP 12.1 range is not the standard line's
    ("NetScaler Gateway", "14.1-8.42", "affected"),
])
def test_netscaler_lines_through_the_matcher(name: str, version: str, status: str | None) -> None:
    assert matched(real_cve("CVE-2023-4966"), name, "Citrix", version) == status


def test_cpes_differing_in_edition_or_other_are_never_merged() -> None:
    """Built here from the CPE 2.3 shape (NISTIR 7695: edition, sw_edition and other are fields
    of their own), not a real NVD record: a standard, an edition and an "other" variant of one
    product, all version 2.0. Each is a statement, the variant word in its name."""
    cpes = ["cpe:2.3:a:acme:gate:2.0:*:*:*:-:*:*:*", "cpe:2.3:a:acme:gate:2.0:*:fips:*:*:*:*:*",
            "cpe:2.3:a:acme:gate:2.0:*:*:*:*:*:*:ndcpp_build", "cpe:2.3:a:acme:gate:2.0:*:*:*:enterprise:*:*:*"]
    [a] = parse(configured(node(*({"vulnerable": True, "criteria": c} for c in cpes))))
    assert [(s.product, s.cpe) for s in a.affects] == [
        ("gate", "cpe:2.3:a:acme:gate:*:*:*:*:-:*:*:*"),
        ("gate fips", "cpe:2.3:a:acme:gate:*:*:fips:*:*:*:*:*"),
        ("gate ndcpp", "cpe:2.3:a:acme:gate:*:*:*:*:*:*:*:ndcpp_build"),
        ("gate", "cpe:2.3:a:acme:gate:*:*:*:*:enterprise:*:*:*"),  # an edition, not a build line
    ]
    # Without a catalogue product, the names keep the FIPS row off the standard line's statement.
    rows = Matcher([a], CATALOGUE).match_items([InventoryItem("c", "Acme Gate 2.0-FIPS", "2.0", "any", "Acme")])
    assert [r.statement.cpe for r in rows] == ["cpe:2.3:a:acme:gate:*:*:fips:*:*:*:*:*"]


@pytest.mark.parametrize(("target_sw", "platform"), [
    ("windows", "windows"), ("macos", "macos"), ("mac_os_x", "macos"), ("linux", "linux"), ("*", "any"),
])
def test_target_sw_sets_the_platform_and_stays_in_the_cpe(target_sw: str, platform: str) -> None:
    criteria = f"cpe:2.3:a:acme:agent:2.1:*:*:*:*:{target_sw}:*:*"
    [a] = parse(configured(node({"vulnerable": True, "criteria": criteria})))
    assert [(s.platform, s.cpe) for s in a.affects] == [(platform, f"cpe:2.3:a:acme:agent:*:*:*:*:*:{target_sw}:*:*")]


WORKSPACE = "cpe:2.3:a:citrix:workspace:*:*:*:*:{}:windows:*:*"


def workspace_cve() -> dict[str, Any]:
    """CVE-2024-6286 (CTX678036) as NVD configures it: sw_edition "current" before 2403.1, and
    "ltsr" with versionEndExcluding 2203.1 (NVD's value: the bulletin's 2203.1 LTSR fix is CU6
    Hotfix 2, and fleetdm/fleet overrides NVD's bound in its own feed). Built from the record's
    two ranged cpeMatch entries, not a saved copy of it; the rest of the record is 3CX's."""
    cve = configured(node(
        {"vulnerable": True, "criteria": WORKSPACE.format("ltsr"), "versionEndExcluding": "2203.1"},
        {"vulnerable": True, "criteria": WORKSPACE.format("current"), "versionEndExcluding": "2403.1"},
    ))
    cve["id"] = "CVE-2024-6286"
    return cve


def test_workspace_current_and_ltsr_cpes_are_statements_of_their_own() -> None:
    """As FIPS and NDcPP are for NetScaler: sw_edition "ltsr" names the statement as the LTSR
    line, so it reaches LTSR rows only; "current" is the current-release product."""
    [a] = parse(workspace_cve())
    assert [(s.product, s.platform, s.cpe, s.ranges) for s in a.affects] == [
        ("workspace ltsr", "windows", WORKSPACE.format("ltsr"), (VersionRange(None, Bound("2203.1", False)),)),
        ("workspace", "windows", WORKSPACE.format("current"), (VersionRange(None, Bound("2403.1", False)),)),
    ]
    found = [CATALOGUE.product_for_statement(s) for s in a.affects]
    assert [p.id if p else None for p in found] == ["citrix-workspace-app-ltsr", "citrix-workspace-app"]


@pytest.mark.parametrize(("name", "version", "status"), [
    pytest.param("Citrix Workspace 2403", "24.3.0.93", "affected", id="CVE-2024-6286 current 2403"),
    pytest.param("Citrix Workspace 2403", "24.3.1.97", None, id="CVE-2024-6286 current 2403.1 is the fix"),
    pytest.param("Citrix Workspace 2402", "24.2.0.172", "affected", id="CVE-2024-6286 current 2402, base of 2402 LTSR"),
    # The review's false alarm: the current range never reaches an LTSR row, and NVD's ltsr
    # range is on the 2203 line, which says nothing of 2402 LTSR (check it manually).
    pytest.param("Citrix Workspace 2402 LTSR", "24.2.1001.2", "unknown", id="CVE-2024-6286 2402 LTSR CU1"),
    pytest.param("Citrix Workspace 2402 LTSR", "24.2.0.172", "unknown", id="CVE-2024-6286 2402 LTSR base"),
    pytest.param("Citrix Workspace 2402", "24.2.1001.2", "unknown", id="CVE-2024-6286 LTSR CU1 under a CR name"),
    pytest.param("Citrix Workspace 2203 LTSR", "22.3.0.38", "affected", id="CVE-2024-6286 ltsr before 2203.1"),
    # NVD's bound, read as NVD wrote it; a rule from the bulletin finds CU6 (test_citrix_ltsr.py).
    pytest.param("Citrix Workspace 2203 LTSR", "22.3.6000.8", None, id="CVE-2024-6286 ltsr 2203 CU6, NVD's bound"),
])
def test_workspace_lines_through_the_matcher(name: str, version: str, status: str | None) -> None:
    assert matched(workspace_cve(), name, "Citrix Systems, Inc.", version, "windows") == status
