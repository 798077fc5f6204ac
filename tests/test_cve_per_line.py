"""CVE records with one fix per release line (Mozilla, Apple) and Oracle's "Product:build" versions,
read on the real records (tests/fixtures/cve5/, README there) through the real Matcher."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from advisories.matching import Matcher
from advisories.models import Advisory, AffectedProduct, InventoryItem, Status
from advisories.products import Catalogue
from advisories.sources.cve import load_cve_file, parse_record
from advisories.versions import compile_statement

ROOT = Path(__file__).resolve().parent.parent
RECORDS = Path(__file__).resolve().parent / "fixtures" / "cve5"
CATALOGUE = Catalogue.load(ROOT / "rules" / "products.toml")
A, N, U = Status.AFFECTED, Status.NOT_AFFECTED, Status.UNKNOWN


def cna(cve: str) -> Advisory:
    return next(a for a in load_cve_file(RECORDS / f"{cve}.json") if a.kind == "cve")


def status(advisory: Advisory, product: str, version: str, *, vendor: str, platform: str = "windows") -> Status:
    item = InventoryItem(council_id="c", product=product, version=version, platform=platform, vendor=vendor)
    found = Matcher([advisory], CATALOGUE).match_items([item])
    assert len(found) <= 1
    return found[0].status if found else N


def test_firefox_esr_each_fix_judges_its_own_line() -> None:
    advisory = cna("CVE-2024-9680")
    for version, expected in [("115.16.1", N), ("115.17.0", N), ("115.15.0", A), ("102.9.0", A),
                              ("128.3.1", N), ("128.3.0", A), ("128.0", A), ("120.0", U), ("131.0", N)]:
        assert status(advisory, "Mozilla Firefox ESR (x64 en-GB)", version, vendor="Mozilla") is expected, version


def test_thunderbird_three_lines_and_the_lines_between_are_check_manually() -> None:
    advisory = cna("CVE-2024-9680")
    for version, expected in [("128.3.1", N), ("115.16.0", N), ("115.15.0", A), ("128.2.0", A),
                              ("131.0.0", A), ("131.0.1", N), ("130.0", U), ("125.0", U)]:
        assert status(advisory, "Mozilla Thunderbird (x64 en-GB)", version, vendor="Mozilla") is expected, version


def test_firefox_one_bound_keeps_todays_reading() -> None:
    advisory = cna("CVE-2024-9680")
    assert status(advisory, "Mozilla Firefox (x64 en-GB)", "130.0", vendor="Mozilla") is A
    assert status(advisory, "Mozilla Firefox (x64 en-GB)", "115.0", vendor="Mozilla") is A
    assert status(advisory, "Mozilla Firefox (x64 en-GB)", "131.0.2", vendor="Mozilla") is N


def test_macos_fixes_per_major() -> None:
    advisory = cna("CVE-2023-41064")
    for version, expected in [("12.7.1", N), ("11.7.10", N), ("13.5.2", N), ("13.4", A), ("12.5", A),
                              ("11.6.8", A), ("10.15.7", A), ("14.0", N)]:
        assert status(advisory, "macOS", version, vendor="Apple", platform="macos") is expected, version


def test_the_undecided_line_says_why() -> None:
    item = InventoryItem(council_id="c", product="Mozilla Firefox ESR", version="120.0", platform="windows",
                         vendor="Mozilla")
    [found] = Matcher([cna("CVE-2024-9680")], CATALOGUE).match_items([item])
    assert found.status is U and "between those the advisory gives fixes for" in found.reason


# --- Oracle: "Oracle Java SE:8u391" is the newest affected build of the 8 line ---------------------


def oracle(product: str) -> AffectedProduct:
    return next(s for s in cna("CVE-2024-20918").affects if s.product == product)


def test_oracle_java_se_each_build_covers_its_line_up_to_it() -> None:
    java = compile_statement(oracle("Java SE JDK and JRE"))
    assert java.scheme == "java"
    for version, expected in [("8.0.3810.9", A), ("8u391", A), ("1.8.0_391", A), ("8u401", N), ("1.8.0_401", N),
                              ("11.0.21", A), ("11.0.22", N), ("17.0.8.0", A), ("17.0.9", A), ("17.0.10", N),
                              ("21.0.1", A), ("21.0.2", N), ("7u80", N), ("22.0.1", N)]:
        assert java.status(version).status is expected, version


def test_oracle_graalvm_is_its_own_product() -> None:
    names = {s.product for s in cna("CVE-2024-20918").affects}
    assert names == {"Java SE JDK and JRE", "GraalVM for JDK", "GraalVM Enterprise Edition"}
    graal = compile_statement(oracle("GraalVM for JDK"))
    assert graal.status("17.0.9").status is A and graal.status("17.0.10").status is N
    assert graal.status("11.0.21").status is N  # Java SE's 11 line is not GraalVM's
    enterprise = compile_statement(oracle("GraalVM Enterprise Edition"))
    assert enterprise.status("22.3.4").status is A and enterprise.status("22.3.5").status is N
    assert "newest affected build of each line" in (oracle("Java SE JDK and JRE").note or "")


def test_oracle_java_through_the_matcher() -> None:
    advisory = cna("CVE-2024-20918")
    assert status(advisory, "Java SE JDK and JRE", "8u381", vendor="Oracle Corporation") is A
    assert status(advisory, "Java SE JDK and JRE", "8u401", vendor="Oracle Corporation") is N
    assert status(advisory, "GraalVM for JDK", "21.0.1", vendor="Oracle Corporation") is A


def test_oracle_inventory_rows_as_councils_export_them() -> None:
    # Needs the catalogue to know "Java SE JDK and JRE" as Oracle Java SE (another change).
    advisory = cna("CVE-2024-20918")
    assert status(advisory, "Java 8 Update 381", "8.0.3810.9", vendor="Oracle Corporation") is A
    assert status(advisory, "Java 8 Update 401", "8.0.4010.7", vendor="Oracle Corporation") is N
    assert status(advisory, "Java(TM) SE Development Kit 17.0.8 (64-bit)", "17.0.8.0", vendor="Oracle Corporation") is A


# --- property: a row at a bound is never affected; just below it on its line, affected ------------


def _record(bounds: list[str]) -> dict[str, Any]:
    entries = [{"vendor": "Acme", "product": "Widget", "versions": [
        {"version": "unspecified", "lessThan": b, "status": "affected", "versionType": "custom"}]} for b in bounds]
    return {"dataType": "CVE_RECORD", "cveMetadata": {"cveId": "CVE-2024-0001", "state": "PUBLISHED"},
            "containers": {"cna": {"providerMetadata": {"shortName": "acme"}, "affected": entries}}}


def _below(bound: tuple[int, int, int]) -> str | None:
    major, minor, patch = bound
    if patch:
        return f"{major}.{minor}.{patch - 1}"
    return f"{major}.{minor - 1}.99" if minor else None


_majors = st.lists(st.integers(1, 60), min_size=2, max_size=4, unique=True)
_minors = st.lists(st.integers(0, 20), min_size=2, max_size=4, unique=True)


@st.composite
def per_line_bounds(draw: st.DrawFn) -> list[tuple[int, int, int]]:
    if draw(st.booleans()):  # Mozilla/Apple: one major each
        return [(m, draw(st.integers(0, 20)), draw(st.integers(0, 20))) for m in draw(_majors)]
    major = draw(st.integers(1, 30))  # Fortinet-style: one minor each within a major
    return [(major, m, draw(st.integers(1, 20))) for m in draw(_minors)]


@settings(max_examples=60, deadline=None)
@given(per_line_bounds(), st.data())
def test_each_bound_only_judges_its_own_line(bounds: list[tuple[int, int, int]], data: st.DataObject) -> None:
    texts = [".".join(map(str, b)) for b in bounds]
    texts = data.draw(st.permutations(texts))
    [advisory] = parse_record(_record(texts), feed="t", url="u")
    for bound in bounds:
        at = ".".join(map(str, bound))
        assert status(advisory, "Widget", at, vendor="Acme") is not A, (texts, at)
        below = _below(bound)
        if below is not None:
            assert status(advisory, "Widget", below, vendor="Acme") is A, (texts, below)


def test_two_bounds_on_one_line_keep_todays_reading() -> None:
    [advisory] = parse_record(_record(["7.2.4", "7.2.8"]), feed="t", url="u")
    assert status(advisory, "Widget", "7.2.5", vendor="Acme") is A  # the union: below 7.2.8
    assert status(advisory, "Widget", "7.2.8", vendor="Acme") is N

