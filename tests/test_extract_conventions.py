"""The decided reading conventions for prose, one test per cause found in the blind rounds.

A bare "before Y" / "Y and earlier" names no line and starts at "0"; a list of affected
branches scopes each bound; a fix on a line the affected ranges cover adds nothing; the
vendors' build spellings (milestones, service releases, hotfixes) read as one version.
"""

from __future__ import annotations

import pytest

from advisories.extract import ExtractedStatement, KnownProduct, extract_statements, to_json
from advisories.models import Status
from advisories.prose import as_statement
from advisories.versions import compile_statement

PRODUCTS = [
    KnownProduct("Apache", "Apache Tomcat", ("Tomcat",)),
    KnownProduct("Juniper", "Junos OS", ("Junos",)),
    KnownProduct("SonicWall", "SonicOS"),
    KnownProduct("SolarWinds", "Serv-U"),
    KnownProduct("Veeam", "Veeam Backup & Replication"),
    KnownProduct("Ivanti", "Ivanti Connect Secure", ("Connect Secure",)),
    KnownProduct("Jenkins", "Jenkins LTS"),
    KnownProduct("Zoom", "Zoom VDI Client"),
    KnownProduct("ConnectWise", "ScreenConnect"),
    KnownProduct("Atlassian", "Bitbucket Server"),
    KnownProduct("Fortinet", "FortiOS"),
    KnownProduct("Veeam", "Veeam ONE"),
    KnownProduct("Apple", "iOS"),
    KnownProduct("Apple", "iPadOS"),
    KnownProduct("Apple", "macOS"),
    KnownProduct("Apple", "Safari"),
    KnownProduct("GitLab", "GitLab"),
    KnownProduct("SonicWall", "SonicWall SMA1000", ("SMA1000",)),
    KnownProduct("Palo Alto Networks", "PAN-OS"),
    KnownProduct("Apple", "visionOS"),
    KnownProduct("Veeam", "Veeam Agent for Linux"),
    KnownProduct("Trend Micro", "Trend Micro Apex One", ("Apex One", "Apex One 2019")),
    KnownProduct("Cisco", "Cisco ISE"),
    KnownProduct("VMware", "VMware ESXi", ("ESXi",)),
    KnownProduct("Apache", "Apache ActiveMQ", ("ActiveMQ",)),
    KnownProduct("CrushFTP", "CrushFTP"),
    KnownProduct("Progress", "MOVEit Transfer"),
    KnownProduct("Oracle", "Oracle Java SE", ("Java SE",)),
    KnownProduct("Siemens", "Parasolid"),
    KnownProduct("Apache", "Apache RocketMQ", ("RocketMQ",)),
    KnownProduct("Notepad++", "Notepad++"),
    KnownProduct("OpenSSL", "OpenSSL"),
]


def read(text: str) -> list[ExtractedStatement]:
    return extract_statements(text, PRODUCTS)


def ranges(text: str) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for s in read(text):
        out.setdefault(s.product, []).extend(to_json(s)["ranges"])
    return out


def affected(text: str, version: str) -> bool:
    return any(compile_statement(as_statement(s)).status(version).status is Status.AFFECTED for s in read(text))


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # Tomcat's milestones: "-M1" and ".M1" are part of the version, not an open end.
        (
            "Apache Tomcat from 11.0.0-M1 through 11.0.2 is affected.",
            {"introduced": "11.0.0-M1", "last_affected": "11.0.2"},
        ),
        ("Affected: Apache Tomcat 9.0.0.M1 through 9.0.98.", {"introduced": "9.0.0.M1", "last_affected": "9.0.98"}),
        # Junos service releases, SonicOS lettered builds, SolarWinds hotfixes: one version each.
        ("Junos OS versions prior to 21.2R3-S7 are affected.", {"introduced": "0", "fixed": "21.2R3-S7"}),
        ("SonicOS 5.9.2.14-12o and older is affected.", {"introduced": "0", "last_affected": "5.9.2.14-12o"}),
        ("It affects Serv-U 15.4.2 HF 1 and previous versions.", {"introduced": "0", "last_affected": "15.4.2 HF 1"}),
    ],
)
def test_vendor_build_spellings_read_as_one_version(text: str, want: dict[str, str]) -> None:
    assert [want] in ranges(text).values(), text


@pytest.mark.parametrize(
    "text",
    [
        "Ivanti Connect Secure before 22.7R2.6 is affected.",
        "Connect Secure 22.7R2.5 and earlier are vulnerable.",
        # A fix on another line does not make the bound a list of branches.
        "Veeam Backup & Replication builds up to and including 12.1.2.172 are exposed to the flaw; "
        "the fix is in build 12.2.0.334.",
    ],
)
def test_a_bare_bound_names_no_line_and_starts_at_zero(text: str) -> None:
    found = ranges(text)
    assert all(r["introduced"] == "0" for rs in found.values() for r in rs if "fixed" not in r or rs == [r]), found
    assert any(r["introduced"] == "0" for rs in found.values() for r in rs), found


def test_a_list_of_affected_branches_stays_scoped() -> None:
    # Each "and older" above the lowest starts at its own line; the lowest still covers every
    # older release (the convention decided before round 15).
    found = ranges("SonicOS 5.9.2.14-12o and older, 6.5.4.14-109n and older, and 7.0.1-5035 and older are affected.")
    assert sorted(r["introduced"] for r in found["SonicOS"]) == ["0", "6.5", "7.0"]
    assert not affected("SonicOS 5.9.2.14-12o and older, 6.5.4.14-109n and older are affected.", "6.5.4.15-116n")


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        # Bounds on three lines: the lowest line's bound keeps "0", the others their own line.
        ("PAN-OS 9.0.4 and earlier, 9.1.2 and earlier and 10.0.1 and earlier let an attacker in.",
         ["0", "10.0", "9.1"]),
        # One "up to" beside closed ranges: it is the lowest, so it covers the older releases.
        ("Apache Tomcat up to and including 8.5.20, 9.0.0 to 9.0.12 and 10.0.0 to 10.0.3 are vulnerable.",
         ["0", "10.0.0", "9.0.0"]),
        # Several bounds all on one line: no line is higher, each starts at "0".
        ("Connect Secure 22.7R2.1 and earlier, 22.7R1.4 and earlier are open to the bypass.", ["0", "0"]),
        # A "before" bound below the lowest "and below": from "0" it would cover that fix.
        ("FortiOS 7.4.1 and below, 7.2.5 and below and before 7.0.13 are affected.", ["7.0", "7.2", "7.4"]),
    ],
)
def test_the_lowest_of_several_and_earlier_bounds_starts_at_zero(text: str, starts: list[str]) -> None:
    found = ranges(text)
    assert sorted(r["introduced"] for rs in found.values() for r in rs) == starts, found


@pytest.mark.parametrize(
    ("text", "excluded"),
    [
        (
            "Zoom VDI Client for Windows before 5.16.10 (excluding 5.14.14 and 5.15.12) is affected.",
            ["5.14.14", "5.15.12"],
        ),
        ("Affected: Zoom VDI Client for Windows before 6.3.10 (except 6.1.16 and 6.2.12).", ["6.1.16", "6.2.12"]),
    ],
)
def test_excluded_builds_are_carried_and_never_affected(text: str, excluded: list[str]) -> None:
    (found,) = read(text)
    assert list(found.excluded) == excluded == to_json(found)["excluded"]
    assert list(as_statement(found).excluded) == excluded
    assert not any(affected(text, build) for build in excluded)
    assert affected(text, "5.13.0" if "5.16" in text else "6.0.0")


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("Jenkins LTS 2.426.2 and earlier are vulnerable and LTS 2.426.3 has the fix.", "2.426.3"),
        ("Jenkins LTS 2.426.2 and earlier are affected, and Jenkins LTS 2.426.3 fixes it.", "2.426.3"),
    ],
)
def test_a_version_that_is_the_subject_of_a_fix_is_never_affected(text: str, fixed: str) -> None:
    assert not affected(text, fixed)
    assert affected(text, "2.426.2")


@pytest.mark.parametrize(
    "text",
    [
        "Affected Junos OS: all versions prior to 20.4R3-S9; 21.2 versions prior to 21.2R3-S7.",
        "Affected Junos OS: every release before 20.4R3-S9; 21.2 before 21.2R3-S7.",
    ],
)
def test_all_versions_before_a_bound_is_that_bound_from_zero(text: str) -> None:
    found = ranges(text)["Junos OS"]
    assert {"introduced": "0", "fixed": "20.4R3-S9"} in found
    assert {"introduced": "21.2", "fixed": "21.2R3-S7"} in found
    assert {"introduced": "0"} not in found  # no open "all versions" range beside the bound
    assert not affected(text, "20.4R3-S9")


@pytest.mark.parametrize(
    ("text", "excepted", "still"),
    [
        (
            "PAN-OS 11.2 before 11.2.4-h1 is vulnerable except the hotfix builds 11.2.0-h1 and 11.2.3-h3, "
            "and PAN-OS 11.1 before 11.1.5-h1 is vulnerable except 11.1.0-h4 and 11.1.4-h7.",
            ["11.2.0-h1", "11.2.3-h3", "11.1.0-h4", "11.1.4-h7"],
            ["11.2.3", "11.1.4"],
        ),
        (
            "For the PAN-OS 10.2 train, every release before 10.2.12-h2 is exposed apart from the hotfixes "
            "10.2.0-h4 and 10.2.11-h6, which already carry the fix.",
            ["10.2.0-h4", "10.2.11-h6"],
            ["10.2.11", "10.2.0"],
        ),
    ],
)
def test_hotfix_exclusions_end_at_the_next_statement_and_never_alert(
    text: str, excepted: list[str], still: list[str]
) -> None:
    assert not any(affected(text, build) for build in excepted)
    assert all(affected(text, build) for build in still)
    assert not affected(text, "10.1.14")  # a named line bounds "every release before" it
    found = ranges(text)["PAN-OS"]
    assert all(r["introduced"] != "0" for r in found), found


@pytest.mark.parametrize(
    "text",
    [
        "The fix is in iOS 17.1.2 and iPadOS 17.1.2, macOS Sonoma 14.1.2 and Safari 17.1.2.",
        "Update to Safari 17.1.2, iOS and iPadOS 17.1.2 or macOS Sonoma 14.1.2.",
        "The update brings iOS and iPadOS to 17.1.2, while macOS Sonoma 14.1.2 and Safari 17.1.2 carry the fix.",
    ],
)
def test_an_os_name_with_its_own_version_is_a_product_not_a_platform(text: str) -> None:
    found = read(text)
    assert {s.product for s in found} == {"iOS", "iPadOS", "macOS", "Safari"}, found
    assert all(s.platform is None for s in found), found


def test_an_os_product_is_never_tagged_with_another_platform() -> None:
    (ios, mac) = read("The flaw is resolved in iOS 16.6.1, and on the Mac in macOS Ventura 13.5.2.")
    assert (ios.product, ios.platform, mac.product, mac.platform) == ("iOS", None, "macOS", None)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # The release is a name; the build in brackets is the fix.
        (
            "The fixed releases are Veeam ONE 12.2 (build 12.2.0.4093) and "
            "Veeam Agent for Linux 6.2 (build 6.2.0.101).",
            {"Veeam ONE": [{"introduced": "12.2", "fixed": "12.2.0.4093"}],
             "Veeam Agent for Linux": [{"introduced": "6.2", "fixed": "6.2.0.101"}]},
        ),
        (
            "Apex One 2019 (14.0) is fixed in Critical Patch build 14.0.0.14039.",
            {"Trend Micro Apex One": [{"introduced": "14.0", "fixed": "14.0.0.14039"}]},
        ),
        (
            "The fix is in V12 build 12.0.0.1420 P20230223 and V11a build 11.0.1.1261 P20230227 "
            "of Veeam Backup & Replication.",
            {"Veeam Backup & Replication": [{"introduced": "12.0", "fixed": "12.0.0.1420"},
                                            {"introduced": "11.0", "fixed": "11.0.1.1261"}]},
        ),
        # A patch name or a bare build shows no line: check manually, no range at all.
        ("The fixed Cisco ISE releases are 3.3 Patch 7 and 3.4 Patch 2.", {"Cisco ISE": []}),
        ("The fixes are ESXi 8.0 Update 3d (build 24585383) and ESXi 7.0 Update 3s (build 24585291).",
         {"VMware ESXi": []}),
        (
            "After the upgrade, the Veeam Backup & Replication console should report build number 12.2.0.334. "
            "Servers still showing 12.1.2.172 or lower remain exposed.",
            {"Veeam Backup & Replication": [{"introduced": "12.2", "fixed": "12.2.0.334"},
                                            {"introduced": "0", "last_affected": "12.1.2.172"}]},
        ),
    ],
)  # fmt: skip
def test_a_release_name_is_not_its_own_fix(text: str, want: dict[str, list[dict[str, str]]]) -> None:
    assert ranges(text) == want
    assert all(s.platform is None for s in read(text))  # "for Linux" in the product's own name is no scope


@pytest.mark.parametrize(
    ("text", "product", "want"),
    [
        # "A before B" where B is not on A's line: A is where the range starts; a bare "before"
        # below every line so named is the catch-all for all older releases (blind round 3).
        (
            "Bitbucket Server 7.0.0 before 7.6.17 and 8.0.0 before 8.0.3 is affected.",
            "Bitbucket Server",
            [{"introduced": "7.0.0", "fixed": "7.6.17"}, {"introduced": "8.0.0", "fixed": "8.0.3"}],
        ),
        (
            "Apache ActiveMQ 5.16.0 before 5.16.7 and before 5.15.16 can be abused.",
            "Apache ActiveMQ",
            [{"introduced": "5.16.0", "fixed": "5.16.7"}, {"introduced": "0", "fixed": "5.15.16"}],
        ),
        # An undotted line before a bound on it is the bound's label.
        (
            "Vulnerable: CrushFTP 10 before 10.8.5 and 11 before 11.3.4_23.",
            "CrushFTP",
            [{"introduced": "10", "fixed": "10.8.5"}, {"introduced": "11", "fixed": "11.3.4_23"}],
        ),
        # "respectively" pairs the n-th start with the n-th bound.
        (
            "Affected MOVEit Transfer builds start at 2023.0.0 and 2024.0.0 and run up to, but not including, "
            "2023.0.11 and 2024.0.2 respectively.",
            "MOVEit Transfer",
            [{"introduced": "2023.0.0", "fixed": "2023.0.11"}, {"introduced": "2024.0.0", "fixed": "2024.0.2"}],
        ),
    ],
)
def test_a_lower_end_pairs_with_its_bound(text: str, product: str, want: list[dict[str, str]]) -> None:
    assert ranges(text)[product] == want


def test_java_update_names_read_as_versions() -> None:
    (java,) = read("Oracle Java SE 8u431-perf and 11.0.25 are affected.")
    assert java.versions == ("8u431-perf", "11.0.25")


def test_siemens_versions_keep_their_v() -> None:
    text = "Siemens has fixed Parasolid in V34.0.250 and V34.1.233."
    assert ranges(text)["Parasolid"] == [
        {"introduced": "V34.0", "fixed": "V34.0.250"},
        {"introduced": "V34.1", "fixed": "V34.1.233"},
    ]
    assert affected(text, "V34.0.100") and not affected(text, "V34.0.250")
    assert read(text)[0].confidence == 0.65  # a V-prefixed build is an ordinary version shape


# Round 4 (RocketMQ CVE-2023-33246, Veeam CVE-2026-44963, Notepad++ CVE-2025-49144): a line
# named after "and earlier" scopes the bound; it is not a whole line of its own.
@pytest.mark.parametrize(
    ("text", "product", "want"),
    [
        (
            "Apache RocketMQ 5.1.0 and earlier 5.x releases, and 4.9.5 and earlier 4.x releases, are affected.",
            "Apache RocketMQ",
            [{"introduced": "5", "last_affected": "5.1.0"}, {"introduced": "4", "last_affected": "4.9.5"}],
        ),
        (
            "Veeam Backup & Replication 12.3.2.4465 and all earlier version 12 builds are affected.",
            "Veeam Backup & Replication",
            [{"introduced": "12", "last_affected": "12.3.2.4465"}],
        ),
        (
            "Notepad++ 8.8.1 and all earlier releases ship a vulnerable installer.",
            "Notepad++",
            [{"introduced": "0", "last_affected": "8.8.1"}],
        ),
    ],
)
def test_a_line_named_after_and_earlier_scopes_the_bound(text: str, product: str, want: list[dict[str, str]]) -> None:
    assert ranges(text)[product] == want
    if product == "Apache RocketMQ":
        assert not affected(text, "5.1.1") and not affected(text, "4.9.6") and affected(text, "4.0.1")


# Round 4 (Cisco ArcaneDoor "(High, 6.0)", Zoom ZSB-25030 "rates ... at 9.6", Docker's
# "192.168.65.7:2375"): scores and addresses are noise, never a fixed version.
@pytest.mark.parametrize(
    "text",
    [
        "Cisco published FortiOS advisories: CVE-2024-20359 (High, 6.0) and CVE-2024-20358 (Medium, 6.0).",
        "Fortinet rates the FortiOS flaw at 9.6 (CVE-2024-21762).",
        "FortiOS exposed its API at 192.168.65.7:2375 by default.",
    ],
)
def test_scores_and_addresses_are_not_versions(text: str) -> None:
    assert read(text) == []


# Round 4 (Ivanti CSA CVE-2024-8190, Sophos CVE-2022-3236): a bare release line whose role the
# clause does not say, or a fix that starts a line ("move to 5.0"), guesses no range below it.
@pytest.mark.parametrize(
    "text",
    [
        "FortiOS 7.4 is end of life.",
        "Fortinet urges customers to move to FortiOS 8.0.",
    ],
)
def test_a_release_line_with_no_stated_role_gives_no_range(text: str) -> None:
    assert all(not s.ranges and not s.versions for s in read(text))
    assert not affected(text, "7.4.1") and not affected(text, "7.9.9")


# Round 3 and 4 (SolarWinds WHD CVE-2025-26399, ManageEngine CVE-2021-40539): only Fortinet
# scopes "X and below" to X's branch; another vendor's names no line and starts at "0".
@pytest.mark.parametrize(
    ("text", "product", "want"),
    [
        ("GitLab 12.8.7 and below are affected.", "GitLab", [{"introduced": "0", "last_affected": "12.8.7"}]),
        ("GitLab builds 6113 and below are affected.", "GitLab", [{"introduced": "0", "last_affected": "6113"}]),
        ("FortiOS 7.0.16 and below is affected.", "FortiOS", [{"introduced": "7.0", "last_affected": "7.0.16"}]),
    ],
)
def test_and_below_is_line_scoped_only_for_fortinet(text: str, product: str, want: list[dict[str, str]]) -> None:
    assert ranges(text)[product] == want


# Round 4 (Sophos CVE-2022-3236, Ivanti EPM CVE-2024-29824, Juniper JSA83126): maintenance
# releases, service updates and support tracks are part of the version.
@pytest.mark.parametrize(
    ("text", "product", "want"),
    [
        ("GitLab 19.0 MR1 and older are affected.", "GitLab", [{"introduced": "0", "last_affected": "19.0 MR1"}]),
        ("GitLab 2022 SU5 and prior are affected.", "GitLab", [{"introduced": "0", "last_affected": "2022 SU5"}]),
        ("GitLab 6.2 before 6.2.5-sts is affected.", "GitLab", [{"introduced": "6.2", "fixed": "6.2.5-sts"}]),
    ],
)
def test_maintenance_release_names_are_part_of_the_version(text: str, product: str, want: list[dict[str, str]]) -> None:
    assert ranges(text)[product] == want


# Round 4 (CVE-2024-38063): a product named by its OS ("Windows Server 2022") is the OS itself;
# "the Windows TCP/IP stack" before it does not make it a Windows-only statement.
def test_an_os_product_takes_no_platform() -> None:
    text = (
        "A flaw in the Windows TCP/IP stack is present in Windows Server 2022 builds before 10.0.20348.2700 "
        "and Windows Server 2019 before 10.0.17763.6293."
    )
    products = [KnownProduct("Microsoft", "Windows Server 2022"), KnownProduct("Microsoft", "Windows Server 2019")]
    found = extract_statements(text, products)
    assert {(s.product, s.platform) for s in found} == {("Windows Server 2022", None), ("Windows Server 2019", None)}


# Rounds 3 and 4 (FortiVoice/FortiNDR CVE-2025-32756, FortiManager CVE-2022-42475 era
# advisories): a clause after ";" that is only a list of ranges goes on with the affected
# statement before it, so its bare first build is affected, not a fix; "are hit" is a cue.
@pytest.mark.parametrize(
    "text",
    [
        "The affected releases are GitLab 8.0.0 through 8.0.4; FortiOS 7.6.0, 7.4.0 through 7.4.7 and 7.2.0 "
        "through 7.2.4.",
        "FortiOS is hit as well: 7.6.0, 7.4.0 through 7.4.7 and 7.2.0 through 7.2.4. Upgrade to 7.6.1 or 7.4.8.",
    ],
)
def test_a_list_of_ranges_keeps_its_bare_build_affected(text: str) -> None:
    (fortios,) = [s for s in read(text) if s.product == "FortiOS"]
    assert fortios.versions == ("7.6.0",)
    assert affected(text, "7.6.0") and not affected(text, "7.6.1") and not affected(text, "7.4.8")


# Round 4 (FortiProxy 1.2/1.1 in FG-IR-22-377), round 2's "the end-of-life 12.1 and 13.0
# releases": an affected X.Y that the text calls a release or line is the whole line.
def test_an_affected_line_called_a_release_is_the_whole_line() -> None:
    text = "Every FortiOS 1.2 and 1.1 release is also vulnerable, and those lines will get no fix."
    assert ranges(text)["FortiOS"] == [{"introduced": "1.2", "fixed": "1.3"}, {"introduced": "1.1", "fixed": "1.2"}]
    assert affected(text, "1.2.9") and not affected(text, "1.3.0")
    (explicit,) = read("FortiOS 1.2 is affected.")  # an explicit build: no line claimed
    assert (explicit.versions, explicit.ranges) == (("1.2",), ())


# Rounds 3 and 4 (Acrobat APSB23-34, Jenkins CVE-2023-27898): in a mixed paragraph a fix on a
# line the affected statement does not cover joins that statement, even from a later sentence.
def test_a_later_fix_on_an_uncovered_line_joins_the_affected_statement() -> None:
    text = "Jenkins LTS 2.277.1 through 2.375.3 are affected. LTS users should update to 2.375.4 or 2.387.1."
    (lts,) = read(text)
    assert to_json(lts)["ranges"] == [
        {"introduced": "2.277.1", "last_affected": "2.375.3"},
        {"introduced": "2.387", "fixed": "2.387.1"},
    ]
    assert not affected(text, "2.375.4") and not affected(text, "2.387.1") and affected(text, "2.387")


# Round 4 (Apple CVE-2024-23225): an OS name followed by its own major and a bound ("iOS and
# iPadOS 17 before 17.4") is the product being described, not a platform word.
def test_an_os_name_with_a_major_before_a_bound_is_the_product() -> None:
    text = "The flaw affects iOS and iPadOS 17 before 17.4 and 16 before 16.7.6."
    found = {s.product: to_json(s)["ranges"] for s in read(text)}
    want = [{"introduced": "17", "fixed": "17.4"}, {"introduced": "16", "fixed": "16.7.6"}]
    assert found == {"iOS": want, "iPadOS": want}


@pytest.mark.parametrize(
    ("text", "product", "want"),
    [
        # Facts of CVE-2025-24813's record ("EOL at the time the CVE was created but known to be affected").
        (
            "Apache Tomcat 9.0.0.M1 to 9.0.98 is affected, and so is the end-of-life 8.5.0 to 8.5.100.",
            "Apache Tomcat",
            [
                {"introduced": "9.0.0.M1", "last_affected": "9.0.98"},
                {"introduced": "8.5.0", "last_affected": "8.5.100"},
            ],
        ),
        # OpenSSL's CVE-2023-0286 advisory: 1.0.2zg goes to premium support customers only.
        (
            "OpenSSL 3.0 users should upgrade to OpenSSL 3.0.8; premium support customers get 1.0.2zg.",
            "OpenSSL",
            [{"introduced": "3.0", "fixed": "3.0.8"}, {"introduced": "1.0", "fixed": "1.0.2zg"}],
        ),
    ],
)
def test_a_release_status_or_a_verb_before_a_version_names_no_other_product(
    text: str, product: str, want: list[dict[str, str]]
) -> None:
    assert ranges(text)[product] == want
