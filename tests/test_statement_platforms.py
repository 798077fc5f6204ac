"""A statement's product name that says its platform, and the three identity gaps end to end.

Fortinet's PSIRT names "FortiClientWindows", "FortiClientMac" and "FortiClientLinux"; Citrix
and Zoom write "... for Windows" / "... for Mac". Such a statement, given no platform of its
own, applies to that platform only. Rows are read as written. The end-to-end tests run the
real Matcher over rows as Add/Remove Programs and Intune exports show them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from advisories.matching import Matcher, platform_verdict
from advisories.models import Advisory, AffectedProduct, Bound, InventoryItem, Status, VersionRange
from advisories.products import Catalogue, named_platform, normalise_name
from advisories.rules import load_rule
from advisories.store.codec import advisory_from_json, advisory_to_json

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = Catalogue.load(ROOT / "rules" / "products.toml")


def row(product: str, version: str, platform: str, vendor: str) -> InventoryItem:
    return InventoryItem("barsetshire", product, version, platform, vendor)


def fixed(introduced: str, fix: str) -> VersionRange:
    return VersionRange(Bound(introduced, True), Bound(fix, False))


def hits(advisory: Advisory, rows: list[InventoryItem]) -> dict[tuple[str, str, str], Status]:
    """(product, version, platform) of each row hit -> its status."""
    return {
        (m.item.product, m.item.version, m.item.platform): m.status
        for m in Matcher([advisory], CATALOGUE).match_items(rows)
    }


# -- reading the platform out of a name --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("FortiClientWindows", ("windows", "FortiClient")),
        ("FortiClientMac", ("macos", "FortiClient")),
        ("FortiClientLinux", ("linux", "FortiClient")),
        ("Zoom Client for Windows", ("windows", "Zoom Client")),
        ("Zoom Workplace Desktop App for Windows", ("windows", "Zoom Workplace Desktop App")),
        ("Citrix Workspace app for Mac", ("macos", "Citrix Workspace app")),
        ("Citrix Workspace app for Linux", ("linux", "Citrix Workspace app")),
        ("Citrix Workspace app for Windows LTSR", ("windows", "Citrix Workspace app LTSR")),
        ("Citrix Workspace App 2203 LTSR for Windows", ("windows", "Citrix Workspace App 2203 LTSR")),
        ("VMware Horizon Client for Windows", ("windows", "VMware Horizon Client")),
        ("Microsoft Defender for Endpoint on Linux", ("linux", "Microsoft Defender for Endpoint")),
        ("Microsoft AutoUpdate for macOS", ("macos", "Microsoft AutoUpdate")),
        ("Zoom Client for Windows (64-bit)", ("windows", "Zoom Client (64-bit)")),
        # The platform, but the words after it are still the product's.
        (
            "Microsoft Defender for Endpoint on Windows Server",
            ("windows", "Microsoft Defender for Endpoint on Windows Server"),
        ),
    ],
)
def test_a_name_says_its_platform(name: str, expected: tuple[str, str]):
    assert named_platform(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "FortiClient",
        "FortiClientEMS",
        "FortiClient EMS",
        "Windows",  # CISA KEV's product for a Windows CVE: the OS itself, not "for Windows"
        "Microsoft Windows Server 2022",
        "Red Hat Enterprise Linux",
        "Windows Subsystem for Linux",  # two platforms: neither is where it runs alone
        "Zoom Workplace for Windows and Mac",
        "iMac",
        "Machine Learning Server",
        "AlmaLinux",  # a distribution's own name, not a product built for Linux
        "CloudLinux",
        "Citrix Workspace app",
    ],
)
def test_a_name_without_one_platform_names_none(name: str):
    assert named_platform(name) is None


@pytest.mark.parametrize(
    ("vendor", "product", "platform"),
    [
        ("Fortinet", "FortiClientWindows", "windows"),
        ("Fortinet", "FortiClientMac", "macos"),
        ("Fortinet", "FortiClientLinux", "linux"),
        ("Zoom", "Zoom Client for Windows", "windows"),
        ("Citrix", "Citrix Workspace app for Mac", "macos"),
        ("Citrix", "Citrix Workspace app for Linux", "linux"),
        ("Fortinet", "FortiClient", "any"),
        ("Microsoft", "Windows", "any"),
        ("Microsoft", "Windows Subsystem for Linux", "any"),
    ],
)
def test_a_statement_without_a_platform_takes_the_one_its_name_says(vendor: str, product: str, platform: str):
    assert AffectedProduct(vendor, product).platform == platform


def test_an_explicit_platform_is_kept():
    assert AffectedProduct("Fortinet", "FortiClientWindows", platform="macos").platform == "macos"
    assert AffectedProduct("Citrix", "Citrix Workspace app for Mac", platform="ios").platform == "ios"


def test_rows_are_read_as_written():
    """Only statements are narrowed: an inventory row keeps its platform and its name's key."""
    forticlient = InventoryItem("c", "FortiClientWindows", "7.0.9")
    assert forticlient.platform == "any"
    git = InventoryItem("c", "Git for Windows", "2.45.2", "linux")
    assert git.platform == "linux"
    assert CATALOGUE.key_for(git) == normalise_name("Git for Windows") == "gitforwindows"


def test_a_rule_without_a_platform_takes_the_name_s(tmp_path: Path):
    rule = tmp_path / "fortinet-forticlient-mac.toml"
    rule.write_text(
        'id = "fortinet-forticlient-mac"\ntitle = "FortiClientMac privilege escalation"\n'
        'severity = "high"\n\n[[affects]]\nvendor = "Fortinet"\nproduct = "FortiClientMac"\n'
        'ranges = [{ introduced = "7.0.0", fixed = "7.0.11" }]\n',
        encoding="utf-8",
    )
    advisory, problems = load_rule(rule)
    assert problems == [] and advisory is not None
    assert advisory.affects[0].platform == "macos"


def test_a_statement_stored_before_the_change_is_read_back_narrowed():
    advisory = Advisory("fg-ir", "fortinet", "FortiClient", affects=(AffectedProduct("Fortinet", "FortiClientMac"),))
    stored = advisory_to_json(advisory).replace('"platform": "macos"', '"platform": "any"')
    assert '"platform": "any"' in stored
    assert advisory_from_json(stored).affects[0].platform == "macos"


# -- end to end: FortiClient per platform ------------------------------------------------------

# One FG-IR advisory with a line per client, as Fortinet's PSIRT writes them.
FORTICLIENT = Advisory(
    "fg-ir-forticlient",
    "fortinet-psirt",
    "FortiClient - privilege escalation",
    severity="high",
    affects=(
        AffectedProduct("Fortinet", "FortiClientWindows", ranges=(fixed("7.0.0", "7.0.10"),)),
        AffectedProduct("Fortinet", "FortiClientMac", ranges=(fixed("7.0.0", "7.0.11"),)),
    ),
)
FORTINET = "Fortinet Technologies (Canada) ULC"


def test_forticlient_statements_reach_only_their_own_platform():
    rows = [
        row("FortiClient", "7.0.9.0470", "windows", FORTINET),
        row("FortiClient VPN", "7.0.9.0493", "windows", FORTINET),
        row("FortiClient", "7.0.10", "macos", FORTINET),
        row("FortiClient", "7.0.12", "macos", FORTINET),
        row("FortiClient", "7.0.9", "linux", FORTINET),
        row("FortiClient", "7.0.9", "any", FORTINET),  # an export without a platform column
        row("FortiClient EMS", "7.0.9", "windows", FORTINET),
    ]
    assert hits(FORTICLIENT, rows) == {
        ("FortiClient", "7.0.9.0470", "windows"): Status.AFFECTED,
        ("FortiClient VPN", "7.0.9.0493", "windows"): Status.AFFECTED,
        ("FortiClient", "7.0.10", "macos"): Status.AFFECTED,  # the Mac fix is 7.0.11, not 7.0.10
        ("FortiClient", "7.0.9", "any"): Status.UNKNOWN,  # "check manually": which platform?
    }


def test_a_mac_only_statement_says_so_for_a_windows_row():
    windows = row("FortiClient", "7.0.9.0470", "windows", FORTINET)
    mac_only = FORTICLIENT.affects[1]
    assert CATALOGUE.matches(windows, mac_only)  # the same product...
    assert platform_verdict(windows, mac_only) is None  # ...on another platform


# -- end to end: Citrix Workspace app, current release and LTSR --------------------------------

# Citrix's bulletin wording: "Citrix Workspace app for Windows before 2311" and "Citrix
# Workspace app for Windows 2203 LTSR before 2203.1 CU5". Add/Remove Programs versions are
# YY.M.x: 2309 is 23.9.0.24, 2203.1 LTSR CU6 is 22.3.6000.8. LTSR is a line of its own: the
# LTSR statement reaches LTSR rows only, the current-release statement the others, and an
# LTSR update under a name without "LTSR" is on another line than the current release's range.
CITRIX = Advisory(
    "ctx-workspace-windows",
    "citrix",
    "Citrix Workspace app for Windows - privilege escalation",
    severity="high",
    affects=(
        AffectedProduct("Citrix", "Citrix Workspace app for Windows", ranges=(fixed("23.0", "23.11"),)),
        AffectedProduct("Citrix", "Citrix Workspace app for Windows LTSR", ranges=(fixed("22.3", "22.3.5000"),)),
    ),
)
CITRIX_SYSTEMS = "Citrix Systems, Inc."


def test_an_ltsr_estate_is_alerted_and_its_version_decides():
    rows = [
        row("Citrix Workspace 2203 LTSR", "22.3.4000.4", "windows", CITRIX_SYSTEMS),
        row("Citrix Workspace LTSR 2203", "22.3.4000.4", "windows", CITRIX_SYSTEMS),
        row("Citrix Workspace 2203 LTSR", "22.3.6000.8", "windows", CITRIX_SYSTEMS),
        row("Citrix Workspace 2309", "23.9.0.24", "windows", CITRIX_SYSTEMS),
        row("Citrix Workspace 2311", "23.11.0.132", "windows", CITRIX_SYSTEMS),
        row("Citrix Workspace 2203 LTSR", "22.3.4000.4", "macos", CITRIX_SYSTEMS),  # Windows bulletin
        row("Citrix Workspace Environment Management Agent", "2203.1.0.1", "windows", CITRIX_SYSTEMS),
        row("Citrix Receiver 4.9 LTSR", "14.9.0.2539", "windows", CITRIX_SYSTEMS),
        row("Citrix Workspace 2203", "22.3.4000.4", "windows", CITRIX_SYSTEMS),  # LTSR CU4, name says not
    ]
    assert hits(CITRIX, rows) == {
        ("Citrix Workspace 2203 LTSR", "22.3.4000.4", "windows"): Status.AFFECTED,
        ("Citrix Workspace LTSR 2203", "22.3.4000.4", "windows"): Status.AFFECTED,
        ("Citrix Workspace 2309", "23.9.0.24", "windows"): Status.AFFECTED,
        ("Citrix Workspace 2203", "22.3.4000.4", "windows"): Status.UNKNOWN,  # check manually
    }


def test_a_citrix_workspace_for_mac_statement_reaches_the_macs_only():
    mac = Advisory(
        "ctx-workspace-mac",
        "citrix",
        "Citrix Workspace app for Mac",
        affects=(AffectedProduct("Citrix", "Citrix Workspace app for Mac", ranges=(fixed("23.0", "23.11"),)),),
    )
    rows = [
        row("Citrix Workspace", "23.9.0.31", "macos", CITRIX_SYSTEMS),  # Intune's name on a Mac
        row("Citrix Workspace 2309", "23.9.0.24", "windows", CITRIX_SYSTEMS),
    ]
    assert hits(mac, rows) == {("Citrix Workspace", "23.9.0.31", "macos"): Status.AFFECTED}


# -- end to end: Adobe installs per language ---------------------------------------------------


def test_language_installs_of_acrobat_and_reader_each_get_their_own_bulletin_line():
    """APSB tables name "Acrobat DC" and "Acrobat Reader DC" (Continuous) separately."""
    apsb = Advisory(
        "apsb-acrobat",
        "adobe",
        "Security update available for Adobe Acrobat and Reader",
        severity="critical",
        affects=(
            AffectedProduct("Adobe", "Acrobat DC", ranges=(fixed("15.0", "23.006.20360"),)),
            AffectedProduct("Adobe", "Acrobat Reader DC", ranges=(fixed("15.0", "23.006.20360"),)),
        ),
    )
    adobe = "Adobe Systems Incorporated"
    rows = [
        row("Adobe Acrobat Reader DC - English", "23.003.20244", "windows", adobe),
        row("Adobe Acrobat Reader - Français", "23.003.20244", "windows", "Adobe Inc."),
        row("Adobe Acrobat DC (64-bit) - English", "23.003.20244", "windows", "Adobe Inc."),
        row("Adobe Acrobat Reader DC - Deutsch", "23.006.20360", "windows", adobe),  # patched
    ]
    found = {
        (m.item.product, m.statement.product) for m in Matcher([apsb], CATALOGUE).match_items(rows)
    }
    assert found == {
        ("Adobe Acrobat Reader DC - English", "Acrobat Reader DC"),
        ("Adobe Acrobat Reader - Français", "Acrobat Reader DC"),
        ("Adobe Acrobat DC (64-bit) - English", "Acrobat DC"),
    }
