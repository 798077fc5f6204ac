"""CSAF 2.0 documents -> advisories, and the CSAF distribution files (provider metadata, ROLIE,
changes.csv, index.txt). Golden files: tests/fixtures/csaf/golden, ADVISORIES_REGENERATE=1."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import golden
import pytest
from mutations import with_wrong_types

from advisories.errors import ParseError
from advisories.models import Advisory, AffectedProduct, Bound, VersionRange
from advisories.sources import SOURCES
from advisories.sources.csaf import CsafSource, load_csaf_file
from advisories.sources.csaf_discovery import (
    documents_from_changes_csv,
    documents_from_index_txt,
    documents_from_provider_metadata,
    documents_from_rolie,
    join_document_url,
)
from advisories.sources.csaf_versions import tolerant_range

FIXTURES = Path(__file__).parent / "fixtures" / "csaf"
GOLDEN = FIXTURES / "golden"
CISA_IT = "https://raw.githubusercontent.com/cisagov/CSAF/develop/csaf_files/IT/white/"
DOCUMENTS = [
    "cisagov-CSAF_OT_white_2024_icsa-24-284-08.json",
    "cisagov-CSAF_OT_white_2023_icsa-23-103-04.json",
    "cisagov-CSAF_IT_white_2024_va-24-254-02.json",
    "oasis-csaf20-example_csaf_bsi-2022-0001.json",
    "oasis-csaf20-example_csaf_cisco-sa-20180328-smi2.json",
    "oasis-csaf20-example_csaf_rhsa-2021_5217.json",
    "oasis-csaf20-example_csaf_rhsa-2022_0011.json",
    "oasis-csaf20-example_csaf_csaf_vex_2022-evd-uc-04-001.json",
    "oasis-csaf20-example_csaf_csaf_vex_2022-evd-uc-07-001.json",
]


def parse(doc: dict[str, Any] | bytes, feed: str = "csaf-test") -> Advisory:
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    [advisory] = CsafSource().parse(body, feed=feed, url="https://example.org/x.json")
    return advisory


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_bytes())


def check_golden(name: str, advisories: list[Advisory]) -> None:
    golden.check_golden(GOLDEN / f"{name}.json", advisories)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_corpus_documents_match_their_golden_files(name: str) -> None:
    check_golden(name.removesuffix(".json"), [load_csaf_file(FIXTURES / name)])


def test_the_source_registers_itself() -> None:
    assert isinstance(SOURCES["csaf"], CsafSource)


# --- real documents: what the goldens must keep saying ----------------------------------------


def test_himed_vers_range_keeps_the_v_prefix_and_the_vendor_fix() -> None:
    a = load_csaf_file(FIXTURES / DOCUMENTS[0])
    assert a.id == "csaf:ICSA-24-284-08" and a.source.endswith(DOCUMENTS[0])
    assert a.cves == ("CVE-2023-52952",) and a.severity == "high" and a.kind == "csaf"
    assert a.published == datetime(2024, 10, 8, tzinfo=UTC)
    assert len(a.affects) == 4 and {s.vendor for s in a.affects} == {"Siemens"}
    first = a.affects[0]
    assert first.product == "HiMed Cockpit 12 pro (J31032-K2017-H259)"
    assert first.ranges == (VersionRange(Bound("V11.5.1", True), Bound("V11.6.2", False)),)
    assert first.fixed_in is not None and first.fixed_in.startswith("Update to V11.6.2")
    assert a.action is not None and a.action.startswith("Vendor fix: Update to V11.6.2 or later")
    assert a.url == "https://cert-portal.siemens.com/productcert/html/ssa-540493.html"
    assert all(link.startswith(("http://", "https://")) for link in a.links)


def test_tia_portal_all_versions_and_update_ranges() -> None:
    a = load_csaf_file(FIXTURES / DOCUMENTS[1])
    v15, v16, v17, v18 = a.affects
    assert v15.all_versions and v16.all_versions and not v15.versions
    assert v17.ranges == (VersionRange(None, Bound("V17 Update 6", False)),)
    assert v18.ranges == (VersionRange(None, Bound("V18 Update 1", False)),)
    assert a.action is not None
    lines = a.action.splitlines()
    assert lines[0].startswith("Vendor fix: Update to V17 Update 6 or later version (https://")
    assert any(line.startswith("No fix planned:") for line in lines)


def test_topbraid_free_text_range_and_fixed_version() -> None:
    a = load_csaf_file(FIXTURES / DOCUMENTS[2])
    exact, below = a.affects
    assert exact.versions == ("7.1.3",) and exact.fixed_in is None
    assert below.ranges == (VersionRange(None, Bound("8.0.1", False)),)
    assert below.fixed_in == "8.0.1"
    assert "not understood" not in a.summary
    assert a.severity == "medium"  # max of LOW and MEDIUM


def test_cisco_versions_are_listed_not_widened() -> None:
    a = load_csaf_file(FIXTURES / DOCUMENTS[4])
    ios, xe = a.affects
    assert (ios.product, xe.product) == ("IOS", "Cisco IOS XE Software")
    assert "15.2(4)E5a" in ios.versions and "16.3.1a" in xe.versions
    assert len(ios.versions) + len(xe.versions) == 259 and not ios.ranges
    assert a.severity == "critical" and a.action is not None and a.action.startswith("Workaround")


def test_vex_not_affected_products_make_no_statement() -> None:
    a = load_csaf_file(FIXTURES / DOCUMENTS[8])
    described = [s.describe() for s in a.affects]
    assert described == ["ABC: 2.4, 2.6", "ABC: >=2.9 <=4.1", "JKL: >=4.5 <=5.0"]
    assert a.affects[-1].fixed_in == "5.1"  # the fixed product of the same name
    assert a.severity == "critical" and not a.exploited


def test_red_hat_fixed_only_advisory_has_no_statements_but_keeps_its_rating() -> None:
    a = load_csaf_file(FIXTURES / DOCUMENTS[6])
    assert a.affects == () and a.severity == "high"  # "Important", from the impact threat
    assert a.url == "https://access.redhat.com/errata/RHSA-2022:0011"


# --- constructed cases ---------------------------------------------------------------------------


def topbraid_with_range(text: str) -> dict[str, Any]:
    doc = fixture(DOCUMENTS[2])
    doc["product_tree"]["branches"][0]["branches"][0]["branches"][1]["name"] = text
    return doc


@pytest.mark.parametrize("text", [">= 2.0.0 | 2.6.2", "< IR302 3.5.56", "see vendor advisory",
                                  "vers:generic/PAN-OS Firewall>=11.2.10"])
def test_an_unreadable_range_keeps_an_unknown_statement_and_says_so(text: str) -> None:
    a = parse(topbraid_with_range(text))
    unknown = a.affects[1]
    assert unknown == AffectedProduct(vendor="TopQuadrant", product="TopBraid EDG", fixed_in="8.0.1",
                                      note=f"TopBraid EDG: {text!r} not understood")  # UNKNOWN
    assert f"Check manually: TopBraid EDG: {text!r} not understood" in a.summary


def test_fortinet_style_range_without_vers_prefix() -> None:
    a = parse(topbraid_with_range("FortiOS/>=7.0.0|<=7.0.5"))
    assert a.affects[1].ranges == (VersionRange(Bound("7.0.0", True), Bound("7.0.5", True)),)


def small_doc(branches: list[Any], status: dict[str, list[str]], **tree: Any) -> dict[str, Any]:
    return {
        "document": {"title": "T", "tracking": {"id": "X-1", "version": "2"}},
        "product_tree": {"branches": branches, **tree},
        "vulnerabilities": [{"cve": "CVE-2024-0001", "product_status": status}],
    }


def vendor(name: str, product: str, *leaves: tuple[str, str, str]) -> dict[str, Any]:
    return {"category": "vendor", "name": name, "branches": [{
        "category": "product_name", "name": product,
        "branches": [{"category": cat, "name": text, "product": {"name": f"{product} {text}",
                                                                "product_id": pid}}
                     for cat, text, pid in leaves],
    }]}


@pytest.mark.parametrize(("text", "expected"), [
    ("All", AffectedProduct("V", "P", all_versions=True)),
    ("0", AffectedProduct("V", "P", note="P: '0' not understood")),  # a placeholder, not version 0
    ("prior to 4.2", AffectedProduct("V", "P", ranges=(VersionRange(None, Bound("4.2", False)),))),
    ("8.0.0 - 8.0.1", AffectedProduct("V", "P", ranges=(
        VersionRange(Bound("8.0.0", True), Bound("8.0.1", True)),))),
    ("2.1.7", AffectedProduct("V", "P", versions=("2.1.7",))),
])
def test_product_version_placeholders_and_ranges(text: str, expected: AffectedProduct) -> None:
    a = parse(small_doc([vendor("V", "P", ("product_version", text, "p1"))],
                        {"known_affected": ["p1"]}))
    assert a.affects == (expected,)


def test_relationship_platform_comes_from_the_host_product() -> None:
    branches = [vendor("3CX", "DesktopApp", ("product_version", "18.12.416", "app")),
                vendor("Microsoft", "Windows 11", ("product_version", "23H2", "os"))]
    relationships = [{"category": "installed_on", "product_reference": "app",
                      "relates_to_product_reference": "os",
                      "full_product_name": {"name": "App on Windows", "product_id": "app-win"}}]
    a = parse(small_doc(branches, {"known_affected": ["app-win"]}, relationships=relationships))
    assert a.affects == (AffectedProduct("3CX", "DesktopApp", "windows", versions=("18.12.416",)),)


def test_full_product_name_identified_by_cpe() -> None:
    cpe = "cpe:2.3:a:acme:foo_server:2.3:*:*:*:*:*:*:*"
    names = [{"name": "Foo Server 2.3", "product_id": "f",
              "product_identification_helper": {"cpe": cpe}}]
    a = parse(small_doc([], {"known_affected": ["f"]}, full_product_names=names))
    assert a.affects == (AffectedProduct("acme", "foo_server", versions=("2.3",),
                                         cpe="cpe:2.3:a:acme:foo_server"),)


def test_first_affected_is_open_ended_up_to_the_first_fix() -> None:
    tree = [vendor("V", "P", ("product_version", "2.0", "a"), ("product_version", "2.4", "f"))]
    a = parse(small_doc(tree, {"first_affected": ["a"], "first_fixed": ["f"]}))
    assert a.affects[0].ranges == (VersionRange(Bound("2.0", True), Bound("2.4", False)),)
    b = parse(small_doc(tree, {"last_affected": ["a"]}))
    assert b.affects[0].ranges == (VersionRange(None, Bound("2.0", True)),)


def test_under_investigation_is_an_unknown_statement() -> None:
    tree = [vendor("V", "P", ("product_version", "2.0", "a"))]
    a = parse(small_doc(tree, {"under_investigation": ["a"]}))
    assert a.affects == (AffectedProduct("V", "P"),)
    assert a.summary.endswith("Check manually: P 2.0 (under investigation)")


def test_an_unknown_product_id_is_kept_as_an_unknown_statement() -> None:
    a = parse(small_doc([], {"known_affected": ["ghost"]}))
    assert a.affects == (AffectedProduct("", "ghost"),) and "ghost" in a.summary


@pytest.mark.parametrize(("details", "exploited"), [
    ("Exploited in the wild", True), ("Active exploitation reported", True),
    ("No known active exploitation", False), ("Proof of concept published", False),
])
def test_exploit_status_threats(details: str, exploited: bool) -> None:
    doc = small_doc([], {})
    doc["vulnerabilities"][0]["threats"] = [{"category": "exploit_status", "details": details}]
    assert parse(doc).exploited is exploited


@pytest.mark.parametrize(("text", "ranges", "listed", "all_versions"), [
    ("0 < 8.0.1", (VersionRange(None, Bound("8.0.1", False)),), (), False),
    ("1.2 <= 1.5", (VersionRange(Bound("1.2", True), Bound("1.5", True)),), (), False),
    ("<V3.0.29", (VersionRange(None, Bound("V3.0.29", False)),), (), False),
    (">= 2.0.0, < 2.6.2", (VersionRange(Bound("2.0.0", True), Bound("2.6.2", False)),), (), False),
    ("All versions prior to V3.0", (VersionRange(None, Bound("V3.0", False)),), (), False),
    ("before 1.0.5", (VersionRange(None, Bound("1.0.5", False)),), (), False),
    ("all versions", (), (), True),
    ("2.4|2.6", (), ("2.4", "2.6"), False),
    ("V17 Update 6", (), ("V17 Update 6",), False),
])
def test_tolerant_range_reads_unambiguous_text(
    text: str, ranges: tuple[VersionRange, ...], listed: tuple[str, ...], all_versions: bool
) -> None:
    got = tolerant_range(text)
    assert got is not None
    assert (got.ranges, got.versions, got.all_versions) == (ranges, listed, all_versions)


@pytest.mark.parametrize("text", [">= 2.0.0 | 2.6.2", "< IR302 3.5.56", ">=1|>=2", "", "versions",
                                  "see advisory", "<", "4.2 and earlier"])
def test_tolerant_range_refuses_ambiguous_text(text: str) -> None:
    assert tolerant_range(text) is None


# --- faults ----------------------------------------------------------------------------------


def test_malformed_json_names_the_feed() -> None:
    with pytest.raises(ParseError, match="siemens-csaf"):
        parse(b"<html>Just a moment...</html>", feed="siemens-csaf")


def test_missing_tracking_says_what_is_missing() -> None:
    doc = fixture(DOCUMENTS[0])
    del doc["document"]["tracking"]
    with pytest.raises(ParseError, match=r"document\.tracking"):
        parse(doc)
    with pytest.raises(ParseError, match="no document object"):
        parse({"feed": {}})


def test_a_vulnerability_without_product_status_is_skipped() -> None:
    doc = fixture(DOCUMENTS[2])
    del doc["vulnerabilities"][0]["product_status"]
    a = parse(doc)
    assert [s.describe() for s in a.affects] == ["TopBraid EDG: <8.0.1"]
    assert a.cves == ("CVE-2024-45744", "CVE-2024-45745")


# --- distribution -------------------------------------------------------------------------------


def test_provider_metadata_with_rolie_and_with_a_directory() -> None:
    oasis = (FIXTURES / "oasis-csaf20-example_provider-metadata_example-01-provider-metadata.json")
    assert documents_from_provider_metadata(oasis.read_bytes()) == [
        "https://www.example.com/.well-known/csaf/feed-tlp-white.json"]
    stackable = (FIXTURES / "stackabletech_provider-metadata.json").read_bytes()
    assert documents_from_provider_metadata(stackable) == [
        "https://stackabletech.github.io/advisories/csaf/v2/advisories/"]


def test_provider_metadata_leaves_out_non_public_feeds() -> None:
    feeds = [{"tlp_label": "AMBER", "url": "https://x.example/amber.json"},
             {"tlp_label": "CLEAR", "url": "https://x.example/clear.json"}]
    body = json.dumps({"distributions": [{"rolie": {"feeds": feeds}}]}).encode()
    assert documents_from_provider_metadata(body) == ["https://x.example/clear.json"]
    assert len(documents_from_provider_metadata(body, public_only=False)) == 2
    with pytest.raises(ParseError):
        documents_from_provider_metadata(b"{}")


def test_rolie_feed_with_the_ref_quirk() -> None:
    body = (FIXTURES / "cisagov-CSAF_IT_white_cisa-csaf-it-feed-tlp-white.json").read_bytes()
    found = documents_from_rolie(body, since=None)
    assert [url for url, _ in found] == [
        CISA_IT + "2024/va-24-254-02.json", CISA_IT + "2024/va-24-262-01.json",
        CISA_IT + "2024/va-24-201-01.json", CISA_IT + "2024/va-24-254-01.json"]
    assert found[0][1] == datetime(2024, 10, 3, 16, 3, tzinfo=UTC)
    newer = documents_from_rolie(body, since=datetime(2024, 9, 18, 16, 0, tzinfo=UTC))
    assert [url.rsplit("/", 1)[1] for url, _ in newer] == ["va-24-254-02.json", "va-24-262-01.json"]


def test_rolie_feed_with_rel_and_the_spec_example() -> None:
    ot = (FIXTURES / "cisagov-CSAF_OT_white_cisa-csaf-ot-feed-tlp-white.excerpt.json").read_bytes()
    found = documents_from_rolie(ot, since=None)
    assert len(found) == 12 and all(url.endswith(".json") for url, _ in found)
    oasis = (FIXTURES / "oasis-csaf20-example_ROLIE_example-01-feed-tlp-white.json").read_bytes()
    assert documents_from_rolie(oasis, since=None) == [(
        "https://psirt.domain.tld/advisories/csaf/2020/2020-ESA-001.json",
        datetime(2021, 1, 1, 12, 0, tzinfo=UTC))]
    service = (FIXTURES / "oasis-csaf20-example_ROLIE_example-01-service.json").read_bytes()
    with pytest.raises(ParseError, match="no 'feed' object"):
        documents_from_rolie(service, since=None)


def test_changes_csv_and_index_txt_resolve_against_the_directory() -> None:
    changes = (FIXTURES / "cisagov-CSAF_IT_white_changes.csv").read_bytes()
    found = documents_from_changes_csv(changes, CISA_IT, since=None)
    changed = datetime(2024, 10, 3, 16, 3, tzinfo=UTC)
    assert found[0] == (CISA_IT + "2024/va-24-254-02.json", changed)
    recent = documents_from_changes_csv(changes, CISA_IT, since=datetime(2024, 9, 18, 16, 0))
    assert len(found) == 4 and len(recent) == 2
    index = (FIXTURES / "cisagov-CSAF_IT_white_index.txt").read_bytes()
    assert documents_from_index_txt(index, CISA_IT) == [
        CISA_IT + "2024/va-24-262-01.json", CISA_IT + "2024/va-24-254-02.json",
        CISA_IT + "2024/va-24-254-01.json", CISA_IT + "2024/va-24-201-01.json"]


@pytest.mark.parametrize(("base", "path", "url"), [
    ("https://a.example/csaf/", "2024/x.json", "https://a.example/csaf/2024/x.json"),
    ("https://a.example/csaf", "2024/x.json", "https://a.example/csaf/2024/x.json"),
    ("https://a.example/csaf/", "https://b.example/y.json", "https://b.example/y.json"),
    ("https://a.example/csaf/", "csaf/x.json", "https://a.example/csaf/csaf/x.json"),
])
def test_join_document_url(base: str, path: str, url: str) -> None:
    assert join_document_url(base, path) == url


@pytest.mark.parametrize("name", [DOCUMENTS[0], DOCUMENTS[2], DOCUMENTS[6], DOCUMENTS[8]])
def test_any_value_of_the_wrong_type_gives_an_advisory_or_a_parse_error(name: str) -> None:
    original = fixture(name)
    for doc in with_wrong_types(original):
        with contextlib.suppress(ParseError):
            parse(doc)


@pytest.mark.parametrize(("version", "status"), [
    ("V11.5.0", "not_affected"), ("V11.5.1", "affected"), ("11.6.1", "affected"),
    ("V11.6.2", "not_affected"),
])
def test_himed_statements_work_with_the_version_matcher(version: str, status: str) -> None:
    from advisories.versions import compile_statement

    statement = load_csaf_file(FIXTURES / DOCUMENTS[0]).affects[0]
    assert compile_statement(statement).status(version).status.value == status


def test_unknown_statements_are_unknown_to_the_version_matcher() -> None:
    from advisories.versions import compile_statement

    statement = parse(topbraid_with_range("< IR302 3.5.56")).affects[1]
    assert compile_statement(statement).status("3.5.55").status.value == "unknown"


@pytest.mark.parametrize(("text", "scheme"), [("vers:semver/<1.2.3", "semver"),
                                              ("vers:all/<1.2.3", None),
                                              ("vers:generic/<1.2.3", None)])
def test_a_specific_vers_type_sets_the_scheme(text: str, scheme: str | None) -> None:
    assert parse(topbraid_with_range(text)).affects[1].scheme == scheme


@pytest.mark.parametrize(("name", "read"), [
    ("cisagov-CSAF_IT_white_cisa-csaf-it-feed-tlp-white.json", documents_from_rolie),
    ("oasis-csaf20-example_provider-metadata_example-01-provider-metadata.json",
     documents_from_provider_metadata),
])
def test_distribution_files_with_wrong_types_give_urls_or_parse_error(name: str, read: Any) -> None:
    original = fixture(name)
    for doc in with_wrong_types(original):
        with contextlib.suppress(ParseError):
            assert all(isinstance(u, (str, tuple)) for u in read(json.dumps(doc).encode()))
