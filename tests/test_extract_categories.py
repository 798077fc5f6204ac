"""Categories of advisory wording, each a general rule, each from a real advisory (cited).

Version shapes vendors print, products that run on other products, and the ways a sentence
says its builds are affected. Judged by the version code the matcher uses.
"""

from __future__ import annotations

from advisories.extract import ExtractedStatement, KnownProduct, extract_statements, to_json
from advisories.models import Status
from advisories.prose import as_statement
from advisories.versions import compile_statement

PRODUCTS = [
    KnownProduct("Grafana Labs", "Grafana", ()),
    KnownProduct("Kubernetes", "kubelet", ()),
    KnownProduct("SonicWall", "SonicOS", ()),
    KnownProduct("SonicWall", "SonicOSv", ("SonicOS NSv",)),
]


def read(text: str, products: list[KnownProduct] | None = None) -> list[ExtractedStatement]:
    return extract_statements(text, products or PRODUCTS)


def status(found: ExtractedStatement, version: str) -> Status:
    return compile_statement(as_statement(found)).status(version).status


def ranges(found: ExtractedStatement) -> list[dict[str, str]]:
    return list(to_json(found)["ranges"])


# ------------------------------------------------------------------ version shapes


def test_semver_build_metadata_is_part_of_the_fixed_build() -> None:
    # Grafana's May 2025 security release for CVE-2025-4123 (grafana.com/security/security-advisories).
    (found,) = read(
        "The fix for CVE-2025-4123 is in Grafana 12.0.0+security-01, 11.6.1+security-02 and 11.5.4+security-01."
    )
    assert {"introduced": "11.6", "fixed": "11.6.1+security-02"} in ranges(found)
    assert status(found, "11.6.1+security-02") is Status.NOT_AFFECTED
    assert status(found, "11.6.1") is Status.AFFECTED  # the plain release is not the patched one


def test_a_lowercase_v_prefix_is_kept_as_printed() -> None:
    # Kubernetes security announcement for CVE-2024-9042 (kubelet on Windows nodes).
    (found,) = read(
        "The log query endpoint is affected in kubelet v1.31.0 to v1.31.4 and v1.30.0 to v1.30.8 (CVE-2024-9042)."
    )
    assert ranges(found) == [
        {"introduced": "v1.31.0", "last_affected": "v1.31.4"},
        {"introduced": "v1.30.0", "last_affected": "v1.30.8"},
    ]
    assert status(found, "1.31.3") is Status.AFFECTED and status(found, "v1.31.5") is Status.NOT_AFFECTED


def test_sonicos_builds_of_builds_are_one_version() -> None:
    # SonicWall SNWLID-2023-0004 (CVE-2023-0656): NSv "6.5.4.4-44v-21-1519 and older".
    found = {
        s.product: s
        for s in read("SonicOS 7.0.1-5030 and older and SonicOS NSv 6.5.4.4-44v-21-1519 and older are affected.")
    }
    nsv = found["SonicOSv"]
    assert ranges(nsv) == [{"introduced": "0", "last_affected": "6.5.4.4-44v-21-1519"}]
    assert not nsv.suspect and status(nsv, "6.5.4.4-44v-21-1600") is Status.NOT_AFFECTED
    assert status(found["SonicOS"], "7.0.1-5050") is Status.NOT_AFFECTED


# ------------------------------------------------------------------ hosts

HOSTED = [
    KnownProduct("WordPress", "WordPress", ()),
    KnownProduct("PHP Group", "PHP", ()),
    KnownProduct("Wordfence", "WP-Automatic", ()),
    KnownProduct("WebFactory", "WP File Manager", ("File Manager",)),
    KnownProduct("QNAP", "QNAP QTS", ("QTS",)),
    KnownProduct("QNAP", "Surveillance Station", ()),
    KnownProduct("F5", "BIG-IP", ()),
    KnownProduct("F5", "BIG-IQ", ()),
]


def by_product(text: str) -> dict[str, ExtractedStatement]:
    return {s.product: s for s in read(text, HOSTED)}


def test_a_plugins_versions_are_the_plugins_not_its_hosts_or_a_file_names() -> None:
    # Wordfence on CVE-2024-27956 (WP-Automatic): "up to, and including, 3.92.0", via inc/csv.php.
    found = by_product(
        "The WP-Automatic plugin for WordPress is vulnerable to SQL injection via the"
        " /wp-content/plugins/wp-automatic/inc/csv.php file in all versions up to, and including, 3.92.0."
    )
    assert set(found) == {"WP-Automatic"}
    assert ranges(found["WP-Automatic"]) == [{"introduced": "0", "last_affected": "3.92.0"}]
    # NVD on CVE-2020-25213: "The File Manager (wp-file-manager) plugin before 6.9 for WordPress".
    found = by_product("The File Manager plugin for WordPress before 6.9 allows remote attackers to upload PHP code.")
    assert set(found) == {"WP File Manager"}
    assert status(found["WP File Manager"], "6.8") is Status.AFFECTED


def test_a_hosts_version_that_conditions_another_products_build_is_no_statement() -> None:
    # QNAP QSA-21-07 (CVE-2021-28797): Surveillance Station fixed per QTS release.
    found = by_product(
        "QNAP has fixed CVE-2021-28797 in Surveillance Station 5.1.5.4.3 on QTS 4.5.2 and"
        " Surveillance Station 5.1.5.3.3 on QTS 4.3.6."
    )
    assert set(found) == {"Surveillance Station"}
    assert status(found["Surveillance Station"], "5.1.5.4.3") is Status.NOT_AFFECTED


def test_on_a_product_with_its_own_bounds_is_that_products_statement() -> None:
    # F5 K03009991 (CVE-2021-22986): "on BIG-IP 16.0.x before 16.0.1.1 ..., and on BIG-IQ ...".
    found = by_product(
        "The iControl REST flaw is exploitable on BIG-IP 16.0.x before 16.0.1.1 and on BIG-IQ 7.1.0.x before 7.1.0.3."
    )
    assert set(found) == {"BIG-IP", "BIG-IQ"}
    assert status(found["BIG-IP"], "16.0.1") is Status.AFFECTED


# ------------------------------------------------------------------ affected cues

CUED = [
    KnownProduct("Cisco", "Cisco Smart Licensing Utility", ()),
    KnownProduct("Oracle", "Oracle WebLogic Server", ("WebLogic Server",)),
    KnownProduct("GitLab", "GitLab", ()),
]


def test_releases_that_contain_a_kind_of_flaw_are_affected_and_ones_that_contain_its_fix_are_not() -> None:
    # Cisco cisco-sa-cslu-7gHMzWmw (CVE-2024-20439): CSLU 2.0.0 to 2.3.0, a static admin credential.
    (found,) = read(
        "Cisco Smart Licensing Utility 2.0.0, 2.1.0, 2.2.0 and 2.3.0 contain an undocumented static user"
        " credential for an administrative account.",
        CUED,
    )
    assert found.versions == ("2.0.0", "2.1.0", "2.2.0", "2.3.0")
    # Oracle's CPU text for CVE-2020-14882 (WebLogic 12.2.1.3.0 and 12.2.1.4.0, the console).
    (found,) = read(
        "Oracle WebLogic Server 12.2.1.3.0 and 12.2.1.4.0 contain a path traversal and authentication bypass"
        " in the Console component.",
        CUED,
    )
    assert found.versions == ("12.2.1.3.0", "12.2.1.4.0")
    # GitLab's January 2024 release post (CVE-2023-7028): the patch releases carry the fix.
    for s in read("GitLab 16.7.2 contains the fix for an account takeover via password reset.", CUED):
        assert status(s, "16.7.2") is not Status.AFFECTED


# ------------------------------------------------------------------ release names

NAMED = [
    KnownProduct("Sophos", "Sophos Firewall", ()),
    KnownProduct("Progress", "Telerik Report Server", ("Report Server",)),
    KnownProduct("Progress", "MOVEit Transfer", ()),
]


def test_a_release_named_in_words_stands_for_the_build_in_its_brackets() -> None:
    # Sophos advisory for CVE-2022-1040: "Sophos Firewall v18.5 MR3 (18.5.3) and older".
    (found,) = read("Sophos Firewall v18.5 MR3 (18.5.3) and older are affected by an authentication bypass.", NAMED)
    assert ranges(found) == [{"introduced": "0", "last_affected": "18.5.3"}]
    # Progress on CVE-2024-6327: fixed in Report Server 2024 Q2 (10.1.24.709).
    (found,) = read("Progress has fixed CVE-2024-6327 in Telerik Report Server 2024 Q2 (10.1.24.709).", NAMED)
    assert status(found, "10.1.24.514") is Status.AFFECTED
    assert status(found, "10.1.24.709") is Status.NOT_AFFECTED


def test_a_second_numbering_in_brackets_is_still_the_same_build() -> None:
    # Progress's MOVEit Transfer bulletin of 31 May 2023: "2021.0.6 (13.0.6)".
    (found,) = read("The fix is in MOVEit Transfer 2021.0.6 (13.0.6).", NAMED)
    assert ranges(found) == [{"introduced": "2021.0", "fixed": "2021.0.6"}]


# ------------------------------------------------------------------ damaged text


def test_a_date_as_the_upper_end_of_a_version_range_is_a_mangled_version_for_review() -> None:
    # FG-IR-23-097 (FortiOS 7.2.0 through 7.2.4) as a spreadsheet prints it: 7.2.4 became 7/2/2004.
    fortios = [KnownProduct("Fortinet", "FortiOS", (), ("7.2.4", "7.2.5"))]
    (found,) = read("FortiOS 7.2.0 to 7/2/2004 is affected by a heap overflow in SSL-VPN.", fortios)
    assert found.suspect and found.confidence <= 0.4
    assert ranges(found) == [{"introduced": "7.2.0", "last_affected": "7/2/2004"}]
    # A real date range stays a date: nothing is read from it.
    assert not read("FortiOS was exploited from 01/02/2023 to 03/04/2023.", fortios)
