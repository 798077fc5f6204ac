"""Product identity: the right rows match a statement, and near names never do."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from advisories.cli import main
from advisories.errors import ConfigError
from advisories.models import AffectedProduct, InventoryItem
from advisories.products import (
    Catalogue,
    normalise_name,
    normalise_vendor,
    parse_cpe,
    purl_base,
    vendors_compatible,
)
from advisories.sources.cve import load_cve_file
from advisories.versions import osv_range

ROOT = Path(__file__).resolve().parent.parent
REVIEW = ROOT / "tests" / "fixtures" / "identity-review"
CATALOGUE = Catalogue.load(ROOT / "rules" / "products.toml")
EMPTY = Catalogue()


def item(product: str, vendor: str = "", **kw: str) -> InventoryItem:
    return InventoryItem("council", product, "1.0", vendor=vendor, **kw)  # type: ignore[arg-type]


def statement(vendor: str, product: str, **kw: object) -> AffectedProduct:
    return AffectedProduct(vendor, product, **kw)  # type: ignore[arg-type]


# -- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "vendor", "key"),
    [
        ("Mozilla Firefox 119.0 (x64 en-GB)", "Mozilla", "firefox"),
        ("Mozilla Firefox 119.0 (x64 en-GB)", "", "mozillafirefox"),
        ("7-Zip 23.01 (x64)", "Igor Pavlov", "7zip"),
        ("7-Zip 19.00 (x64 edition)", "", "7zip"),
        ("Python 3.11.4 (64-bit)", "Python Software Foundation", "python"),
        ("Zoom(64bit)", "", "zoom"),
        ("Java 8 Update 381", "Oracle Corporation", "java"),
        ("Java(TM) SE Development Kit 20.0.2 (64-bit)", "Oracle", "javasedevelopmentkit"),
        ("Microsoft Exchange Server 2019 Cumulative Update 13", "", "microsoftexchangeserver"),
        ("Microsoft Edge", "Microsoft Corporation", "edge"),
        ("Google Chrome", "Google LLC", "chrome"),
        ("3CX Desktop App", "3CX Ltd", "desktopapp"),
        ("Notepad++ 8.5.8 (64-bit x64)", "", "notepadplusplus"),
        (
            "Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.36.32532",
            "",
            "microsoftvisualcplusplus20152022redistributable",
        ),
    ],
)
def test_normalise_name_drops_case_arch_versions_and_vendor(name: str, vendor: str, key: str):
    assert normalise_name(name, vendor) == key


@pytest.mark.parametrize("spelling", ["Desktop App", "DesktopApp", "desktop-app", "DESKTOP  APP"])
def test_names_compare_without_regard_to_spacing_case_or_punctuation(spelling: str):
    assert normalise_name(spelling) == normalise_name("Desktop App")


@pytest.mark.parametrize(
    ("name", "vendor"),
    [("3CX Desktop App", "3CX"), ("3CXDesktopApp", "3CX Ltd"), ("3CX DesktopApp", "3CX")],
)
def test_vendor_prefix_is_stripped_even_when_glued_to_the_name(name: str, vendor: str):
    assert normalise_name(name, vendor) == "desktopapp"


def test_vendor_prefix_is_only_stripped_at_a_word_boundary():
    assert normalise_name("Microsoftware Tools", "Microsoft") == "microsoftwaretools"


def test_a_name_that_is_only_the_vendor_keeps_its_name():
    assert normalise_name("Zoom", "Zoom Video Communications, Inc.") == "zoom"


@pytest.mark.parametrize(
    ("variant", "standard"),
    [
        ("NetScaler ADC 13.1-FIPS", "NetScaler ADC 13.1"),
        ("NetScaler ADC 13.1 NDcPP", "NetScaler ADC 13.1"),
        ("FortiOS 6K7K 6.2.15", "FortiOS 6.2.15"),
        ("Mozilla Firefox 115.4.0esr (x64 en-GB)", "Mozilla Firefox 115.4.0 (x64 en-GB)"),
    ],
)
def test_stripping_a_version_never_strips_a_variant_word(variant: str, standard: str):
    assert normalise_name(variant) != normalise_name(standard)
    assert normalise_name(variant) == normalise_name(variant.replace("13.1", "14.1"))


@pytest.mark.parametrize(
    ("vendor", "normalised"),
    [
        ("Google LLC", "google"),
        ("Microsoft Corporation", "microsoft"),
        ("3CX Ltd", "3cx"),
        ("Cisco Systems, Inc.", "cisco"),
        ("Fortinet Technologies (Canada) ULC", "fortinet"),
        ("PaperCut Software Pty Ltd", "papercut"),
        ("The OpenSSL Project", "openssl"),
        ("https://go.dev", "go"),
        ("n/a", ""),
    ],
)
def test_vendor_names_lose_legal_suffixes(vendor: str, normalised: str):
    assert normalise_vendor(vendor) == normalised


def test_vendors_differ_only_when_both_are_given_and_disagree():
    assert vendors_compatible("Zoom", "Zoom Video Communications, Inc.")
    assert vendors_compatible("", "Google LLC")
    assert not vendors_compatible("Google LLC", "Microsoft Corporation")
    assert not vendors_compatible("Red Hat", "Red Gate")


# -- precision: each pair both ways, with a positive control -------------------------------

PRECISION_PAIRS = [
    (("3CX", "3CX Phone System Management Console"), ("3CX", "3CX Desktop App")),
    (("Microsoft", "Microsoft Edge"), ("Microsoft", "Microsoft Edge WebView2 Runtime")),
    (("Microsoft", "Microsoft Edge"), ("Microsoft", "Microsoft Edge Update")),
    (("Google", "Google Chrome"), ("Google", "Google Chrome Remote Desktop Host")),
    (("Citrix", "NetScaler ADC 13.1-FIPS"), ("Citrix", "NetScaler ADC")),
    (("Citrix", "NetScaler ADC NDcPP"), ("Citrix", "NetScaler ADC")),
    (("Google", "Google Chrome"), ("Microsoft", "Microsoft Edge")),
    (("Mozilla", "Mozilla Firefox ESR"), ("Mozilla", "Mozilla Firefox")),
    (("Fortinet", "FortiOS 6K7K"), ("Fortinet", "FortiOS")),
    (("PaperCut", "PaperCut MF"), ("PaperCut", "PaperCut NG")),
    (("PaperCut", "PaperCut MF Client"), ("PaperCut", "PaperCut MF")),
    (("Fortinet", "FortiClient EMS"), ("Fortinet", "FortiClient")),
    (("Oracle", "Java Auto Updater"), ("Oracle", "Java SE")),
    # MSRC's "Microsoft Edge (Chromium-based)" is Edge, still never the WebView2 Runtime.
    (("Microsoft", "Microsoft Edge (Chromium-based)"), ("Microsoft", "Microsoft Edge WebView2 Runtime")),
    # Fortinet PSIRT's "FortiClientWindows" is the endpoint client, not the EMS server.
    (("Fortinet", "FortiClientWindows"), ("Fortinet", "FortiClient EMS")),
    (("Fortinet", "FortiClientWindows"), ("Fortinet", "FortiClientEMS")),
    # Citrix: the Workspace app is neither its predecessor Receiver nor WEM.
    (("Citrix", "Citrix Workspace app"), ("Citrix", "Citrix Receiver")),
    (("Citrix", "Citrix Workspace 2309"), ("Citrix", "Citrix Workspace Environment Management Agent")),
    # VMSA-2024-0010 lists Workstation Pro and Player as separate rows; Horizon Client is not the Agent.
    (("Broadcom", "VMware Workstation"), ("VMware, Inc.", "VMware Player")),
    (("VMware", "VMware Horizon Client"), ("VMware", "VMware Horizon Agent")),
    # A bare language is only a locale beside an architecture; a real word in the bracket stays.
    (("Mozilla", "Mozilla Firefox (x64 cy)"), ("Mozilla", "Mozilla Firefox (x64 Pro)")),
    (("Mozilla", "Mozilla Firefox (x64 de)"), ("Mozilla", "Mozilla Firefox ESR (x64 de)")),
    # An LTSR install is the Workspace app's LTSR line: never its current release (CTX678036
    # gives each its own fixed build), WEM or Receiver; LTSR builds of Citrix's other products
    # are not their current release either (CVE-2024-8069, Session Recording).
    (("Citrix", "Citrix Workspace 2203 LTSR"), ("Citrix", "Citrix Workspace Environment Management Agent")),
    (("Citrix", "Citrix Workspace LTSR 2203"), ("Citrix", "Citrix Receiver")),
    (("Citrix", "Citrix Receiver 4.9 LTSR"), ("Citrix", "Citrix Workspace app")),
    (("Citrix", "Citrix Receiver 4.9 LTSR"), ("Citrix", "Citrix Workspace app LTSR")),
    (("Citrix", "Citrix Workspace Environment Management 2203 LTSR"), ("Citrix", "Citrix Workspace app")),
    (("Citrix", "Citrix Workspace Environment Management 2203 LTSR"), ("Citrix", "Citrix Workspace app LTSR")),
    (("Citrix", "Citrix Workspace 2203 LTSR"), ("Citrix", "Citrix Workspace app for Windows")),
    (("Citrix", "Citrix Workspace LTSR 2203"), ("Cloud Software Group", "Citrix Workspace app")),
    (("Citrix", "Citrix Workspace 2402 LTSR CU1"), ("Citrix", "Citrix Workspace 2402")),
    (("Citrix", "Citrix Workspace 2309"), ("Citrix", "Citrix Workspace app for Windows LTSR")),
    (("Citrix", "Citrix Session Recording 2402 LTSR CU1"), ("Citrix", "Citrix Session Recording")),
    # A language suffix goes; the paid editor and the free reader stay apart (APSB tables).
    (("Adobe", "Adobe Acrobat DC (64-bit) - English"), ("Adobe", "Adobe Acrobat Reader DC")),
    (("Adobe", "Adobe Acrobat Reader DC - English"), ("Adobe", "Acrobat DC")),
    # The current 64-bit installer's name is the editor (adobe-acrobat), never the Reader;
    # an edition word ("Pro") does not make the editor the Reader either.
    (("Adobe", "Adobe Acrobat (64-bit)"), ("Adobe", "Acrobat Reader DC")),
    (("Adobe", "Adobe Acrobat Pro DC"), ("Adobe", "Adobe Acrobat Reader DC")),
    # The interpreter is not its launcher.
    (("Python Software Foundation", "Python Launcher"), ("Python Software Foundation", "CPython")),
    # A platform dropped from a statement's name leaves FortiClient, never the EMS server.
    (("Fortinet", "FortiClientMac"), ("Fortinet", "FortiClient EMS")),
    (("Fortinet", "FortiClientLinux"), ("Fortinet", "FortiClientEMS")),
]


@pytest.mark.parametrize("catalogue", [CATALOGUE, EMPTY], ids=["catalogue", "no-catalogue"])
@pytest.mark.parametrize(("a", "b"), PRECISION_PAIRS)
def test_near_names_never_match_either_way(catalogue: Catalogue, a: tuple, b: tuple):
    for (iv, ip), (sv, sp) in ((a, b), (b, a)):
        assert not catalogue.matches(item(ip, iv), statement(sv, sp)), f"{ip} hit {sp}"
        assert catalogue.matches(item(ip, iv), statement(iv, ip)), f"{ip} missed itself"


def test_a_chrome_statement_never_applies_to_edge_whatever_the_spelling():
    chrome = statement("Google", "Chrome", cpe="cpe:2.3:a:google:chrome:*:*:*:*:*:*:*:*")
    for spelling in ("Microsoft Edge", "Edge", "Microsoft Edge (Chromium)"):
        assert not CATALOGUE.matches(item(spelling, "Microsoft Corporation"), chrome)


# -- locale tags -----------------------------------------------------------------------------

# Mozilla's installer names a build "Mozilla Firefox (<arch> <locale>)", and a locale without
# a region is the bare language (Firefox's shipped locales: cy, de, fr, ja, ast, ca-valencia,
# ja-JP-mac). Click-to-Run Office names one "<product> - <ll-cc>" (lower case).
@pytest.mark.parametrize(
    ("name", "vendor", "key"),
    [
        ("Mozilla Firefox (x64 cy)", "Mozilla", "cat:mozilla-firefox"),
        ("Mozilla Firefox (x64 de)", "Mozilla", "cat:mozilla-firefox"),
        ("Mozilla Firefox (x64 fr)", "Mozilla", "cat:mozilla-firefox"),
        ("Mozilla Firefox (x64 ja)", "Mozilla", "cat:mozilla-firefox"),
        ("Mozilla Firefox 120.0.1 (x86 gd)", "Mozilla", "cat:mozilla-firefox"),
        ("Mozilla Firefox (x64 ast)", "Mozilla", "cat:mozilla-firefox"),
        ("Mozilla Firefox (x64 ca-valencia)", "Mozilla", "cat:mozilla-firefox"),
        ("Mozilla Firefox (x64 ja-JP-mac)", "Mozilla", "cat:mozilla-firefox"),
        ("Mozilla Firefox (x64 en-GB)", "Mozilla", "cat:mozilla-firefox"),
        ("Mozilla Firefox 115.6.0 ESR (x64 cy)", "Mozilla", "cat:mozilla-firefox-esr"),
        ("Microsoft 365 Apps for enterprise - en-gb", "Microsoft Corporation", "365appsforenterprise"),
        ("Microsoft 365 Apps for enterprise - en-us", "Microsoft Corporation", "365appsforenterprise"),
        ("Microsoft 365 Apps for enterprise - cy-gb", "Microsoft Corporation", "365appsforenterprise"),
        ("Microsoft 365 Apps for enterprise - fr-fr", "Microsoft Corporation", "365appsforenterprise"),
        ("Microsoft Office Professional Plus 2019 - sr-latn-rs", "Microsoft Corporation", "office"),  # edition goes too
        # Adobe's per-language installs spell the language out, in English or its own name.
        ("Adobe Acrobat Reader DC - English", "Adobe Systems Incorporated", "cat:adobe-acrobat-reader"),
        ("Adobe Acrobat Reader DC - English", "Adobe Inc.", "cat:adobe-acrobat-reader"),
        ("Adobe Acrobat Reader - Français", "Adobe Inc.", "cat:adobe-acrobat-reader"),
        ("Adobe Acrobat Reader DC - Deutsch", "Adobe Systems Incorporated", "cat:adobe-acrobat-reader"),
        ("Adobe Acrobat Reader DC - Español", "Adobe Systems Incorporated", "cat:adobe-acrobat-reader"),
        ("Adobe Acrobat Reader DC - Italiano", "Adobe Systems Incorporated", "cat:adobe-acrobat-reader"),
        ("Adobe Acrobat Reader DC - Nederlands", "Adobe Systems Incorporated", "cat:adobe-acrobat-reader"),
        ("Adobe Acrobat Reader DC - Polski", "Adobe Systems Incorporated", "cat:adobe-acrobat-reader"),
        ("Adobe Acrobat Reader DC - Português", "Adobe Systems Incorporated", "cat:adobe-acrobat-reader"),
        ("Adobe Acrobat Reader DC - Cymraeg", "Adobe Systems Incorporated", "cat:adobe-acrobat-reader"),
        ("Adobe Acrobat Reader DC - 日本語", "Adobe Systems Incorporated", "cat:adobe-acrobat-reader"),
        ("Adobe Acrobat Reader DC \u2013 English", "Adobe Inc.", "cat:adobe-acrobat-reader"),  # en dash
        ("Adobe Acrobat DC (64-bit) - English", "Adobe Inc.", "cat:adobe-acrobat"),  # the catalogue's editor
        ("Microsoft Office Proofing Tools 2016 - English", "Microsoft Corporation", "officeproofingtools"),
        ("Microsoft Office Proofing Tools 2016 - Cymraeg", "Microsoft Corporation", "officeproofingtools"),
        ("Microsoft Office Language Pack 2010 - Français/French", "Microsoft Corporation", "officelanguagepack"),
    ],
)
def test_locale_tags_are_not_part_of_the_name(name: str, vendor: str, key: str):
    assert CATALOGUE.key_for(item(name, vendor)) == key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Mozilla Firefox (x64 Pro)", "mozillafirefoxpro"),  # not a language
        ("Mozilla Firefox (x64 ESR)", "mozillafirefoxesr"),  # a variant word, never a locale
        ("Widget (IT)", "widgetit"),  # a bare code without an architecture may be the name
        ("Cisco Secure Client - AnyConnect VPN", "ciscosecureclientanyconnectvpn"),
        ("Widget - add-on", "widgetaddon"),  # "add" is no language
        ("Widget - xx-yy", "widgetxxyy"),
        ("Widget - en-us edition", "widgetenusedition"),  # only a tag that ends the name
        ("Sophos - Endpoint Agent", "sophosendpointagent"),  # a dash inside the product's name
        ("Widget - English Edition", "widgetenglishedition"),  # a language, then more name
        ("Widget - United Kingdom", "widgetunitedkingdom"),  # a region alone is no language
        ("Widget - Latin", "widgetlatin"),
        (
            "Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33130",
            "microsoftvisualcplusplus20152022redistributable",
        ),
    ],
)
def test_words_that_only_look_like_locales_stay(name: str, key: str):
    assert normalise_name(name) == key


@pytest.mark.parametrize("locale", ["en-gb", "en-us", "cy-gb", "fr-fr"])
def test_click_to_run_names_match_the_msrc_product(locale: str):
    """MSRC (CVE-2023-23397) says "Microsoft 365 Apps for Enterprise"."""
    row = item(f"Microsoft 365 Apps for enterprise - {locale}", "Microsoft Corporation")
    assert CATALOGUE.matches(row, statement("Microsoft", "Microsoft 365 Apps for Enterprise"))
    assert EMPTY.matches(row, statement("Microsoft", "Microsoft 365 Apps for Enterprise"))
    assert not CATALOGUE.matches(row, statement("Microsoft", "Microsoft 365 Apps for Business"))


# Add/Remove Programs exports of an LTSR estate, and an Adobe estate installed per language.
@pytest.mark.parametrize(
    ("product", "vendor", "st_vendor", "st_product"),
    [
        # CTX678036's spellings of the LTSR lines; a current-release row never matches them
        # (PRECISION_PAIRS), nor does an LTSR row a current-release statement.
        ("Citrix Workspace LTSR 2203", "Citrix Systems, Inc.", "Citrix", "Citrix Workspace app LTSR"),
        ("Citrix Workspace 2203 LTSR", "Citrix Systems, Inc.", "Citrix", "Citrix Workspace app for Windows 2203 LTSR"),
        ("Citrix Workspace 2203 LTSR", "Citrix Systems, Inc.", "Citrix", "Citrix Workspace app for Windows LTSR"),
        ("Citrix Workspace 2203 LTSR", "Citrix Systems, Inc.", "Citrix", "Citrix Workspace App 2203 LTSR for Windows"),
        ("Citrix Workspace 2402 LTSR", "Cloud Software Group, Inc.", "Citrix", "Citrix Workspace app 2402 LTSR"),
        ("Citrix Workspace 2402 LTSR CU1", "Citrix Systems, Inc.", "Citrix",
         "Citrix Workspace app 2402 LTSR for Windows"),
        ("Citrix Workspace LTSR 2203", "Citrix Systems, Inc.", "Cloud Software Group",
         "Citrix Workspace App for Windows LTSR"),
        ("Adobe Acrobat Reader DC - English", "Adobe Systems Incorporated", "Adobe", "Acrobat Reader DC"),
        ("Adobe Acrobat Reader - Français", "Adobe Inc.", "Adobe", "Adobe Acrobat Reader"),
        ("Adobe Acrobat DC (64-bit) - English", "Adobe Inc.", "Adobe", "Acrobat DC"),
        ("Adobe Acrobat DC (64-bit) - English", "", "Adobe", "Acrobat DC"),
    ],
)
def test_ltsr_and_language_installs_match_the_vendor_names(
    product: str, vendor: str, st_vendor: str, st_product: str
):
    row, advisory = item(product, vendor), statement(st_vendor, st_product)
    assert CATALOGUE.matches(row, advisory)
    assert CATALOGUE.key_for(row) in CATALOGUE.keys_for(advisory)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Citrix Workspace LTSR 2203", "cat:citrix-workspace-app-ltsr"),
        ("Citrix Workspace 2203 LTSR", "cat:citrix-workspace-app-ltsr"),
        ("Citrix Workspace 2203 LTSR CU5", "cat:citrix-workspace-app-ltsr"),
        ("Citrix Workspace 2402 LTSR CU1", "cat:citrix-workspace-app-ltsr"),
        ("Citrix Workspace (LTSR) (x64)", "cat:citrix-workspace-app-ltsr"),
        # A name without LTSR is the current release's; an LTSR update installed under it is
        # told apart by its version (tests/test_citrix_ltsr.py).
        ("Citrix Workspace 2402", "cat:citrix-workspace-app"),
    ],
)
def test_an_ltsr_install_is_the_workspace_app_ltsr(name: str, key: str):
    assert CATALOGUE.key_for(item(name, "Citrix Systems, Inc.")) == key


# -- aliases, vendors and identifiers -------------------------------------------------------


@pytest.mark.parametrize(
    ("product", "vendor"),
    [
        ("3CX Desktop App", "3CX Ltd"),
        ("3CXDesktopApp", ""),
        ("3CX Desktop", ""),
        ("3CX DesktopApp", "3CX"),
        ("Desktop App", "3CX Ltd"),
    ],
)
def test_3cx_desktop_app_is_found_under_every_spelling(product: str, vendor: str):
    advisory = statement("3CX", "3CX Desktop App")
    assert CATALOGUE.matches(item(product, vendor), advisory)
    assert CATALOGUE.key_for(item(product, vendor)) == "cat:3cx-desktop-app"


@pytest.mark.parametrize(
    ("product", "vendor", "st_vendor", "st_product"),
    [
        ("Pulse Connect Secure", "Pulse Secure, LLC", "Ivanti", "Connect Secure"),
        ("Citrix ADC", "Cloud Software Group", "Citrix", "NetScaler ADC"),
        ("Java 8 Update 381 (64-bit)", "Oracle Corporation", "Oracle", "Java SE"),
        ("7-Zip 23.01 (x64)", "Igor Pavlov", "7-Zip", "7-Zip"),
        ("Zoom(64bit)", "Zoom Video Communications, Inc.", "Zoom", "Zoom Workplace"),
        ("Cisco Secure Client - AnyConnect VPN", "Cisco Systems, Inc.", "Cisco", "AnyConnect"),
        ("Adobe Acrobat Reader DC MUI", "Adobe Systems Incorporated", "Adobe", "Acrobat Reader"),
        # MSRC's Security Update Guide (CVE-2023-4863).
        ("Microsoft Edge", "Microsoft Corporation", "Microsoft", "Microsoft Edge (Chromium-based)"),
        # Add/Remove Programs puts the release in the name; Citrix's bulletins add the platform.
        ("Citrix Workspace 2309", "Citrix Systems, Inc.", "Citrix", "Citrix Workspace app"),
        ("Citrix Workspace 2309", "Citrix Systems, Inc.", "Citrix", "Citrix Workspace app for Windows"),
        # Fortinet PSIRT (FG-IR) product names.
        ("FortiClient", "Fortinet Technologies (Canada) ULC", "Fortinet", "FortiClientWindows"),
        ("FortiClient VPN", "Fortinet Technologies (Canada) ULC", "Fortinet", "FortiClientWindows"),
        # VMSAs say "Workstation Pro"; Omnissa now publishes Horizon Client.
        ("VMware Workstation", "VMware, Inc.", "Broadcom", "VMware Workstation Pro"),
        ("Omnissa Horizon Client", "Omnissa, LLC", "VMware", "VMware Horizon Client for Windows"),
        ("VMware Horizon Client", "Omnissa, LLC", "VMware", "Horizon Client"),
        # Oracle's CNA names Java "Java SE JDK and JRE" (CVE-2024-20918) or "Java SE".
        ("Java 8 Update 381", "Oracle Corporation", "Oracle Corporation", "Java SE JDK and JRE"),
        ("Java 8 Update 381 (64-bit)", "Oracle Corporation", "Oracle Corporation", "Java SE JDK and JRE"),
        ("Java(TM) SE Development Kit 17.0.8 (64-bit)", "Oracle Corporation", "Oracle Corporation",
         "Java SE JDK and JRE"),
        ("Java(TM) SE Development Kit 17.0.8 (64-bit)", "Oracle Corporation", "Oracle", "Java SE"),
        ("Java 8 Update 381", "Oracle Corporation", "Oracle", "Java SE"),
        # The PSF's CNA says "CPython"; the Windows installer says "Python 3.11.7 (64-bit)".
        ("Python 3.11.7 (64-bit)", "Python Software Foundation", "Python Software Foundation", "CPython"),
        ("Python 3.12.1 (32-bit)", "Python Software Foundation", "Python Software Foundation", "CPython"),
        # Adobe's current 64-bit installer, and the editions of Acrobat DC, for APSB's "Acrobat DC".
        ("Adobe Acrobat (64-bit)", "Adobe", "Adobe", "Acrobat DC"),
        ("Adobe Acrobat (64-bit)", "Adobe Inc.", "Adobe", "Acrobat DC"),
        ("Adobe Acrobat Pro DC", "Adobe Systems Incorporated", "Adobe", "Acrobat DC"),
        ("Adobe Acrobat DC (64-bit)", "Adobe", "Adobe", "Acrobat DC"),
    ],
)
def test_catalogue_aliases_join_inventory_and_advisory_names(
    product: str, vendor: str, st_vendor: str, st_product: str
):
    advisory = statement(st_vendor, st_product, aliases=("Cisco AnyConnect",))
    assert CATALOGUE.matches(item(product, vendor), advisory)


# A renamed maker publishes under its new name while installs keep the old publisher, in
# both directions: VMSA-2024-0010 is Broadcom's, Citrix bulletins are Cloud Software Group's.
# The VMware Remote Console and Citrix Secure Access Client are not in the catalogue: the
# vendor spellings alone must line the keys up.
@pytest.mark.parametrize(
    ("product", "vendor", "st_vendor", "st_product"),
    [
        ("VMware Workstation", "VMware, Inc.", "Broadcom", "VMware Workstation"),
        ("VMware Workstation", "Broadcom Inc.", "VMware", "VMware Workstation"),
        ("VMware Remote Console", "VMware, Inc.", "Broadcom", "VMware Remote Console"),
        ("VMware Remote Console", "Broadcom Inc.", "VMware", "VMware Remote Console"),
        ("VMware Remote Console", "Broadcom Inc.", "VMware", "Remote Console"),
        ("Citrix Secure Access Client", "Citrix Systems, Inc.", "Cloud Software Group", "Citrix Secure Access Client"),
        ("Citrix Secure Access Client", "Cloud Software Group, Inc.", "Citrix", "Citrix Secure Access Client"),
        ("Citrix Workspace app", "Citrix Systems, Inc.", "Cloud Software Group", "Citrix Workspace app"),
    ],
)
def test_a_renamed_vendor_matches_under_either_name(product: str, vendor: str, st_vendor: str, st_product: str):
    row, advisory = item(product, vendor), statement(st_vendor, st_product)
    assert CATALOGUE.matches(row, advisory)
    assert CATALOGUE.key_for(row) in CATALOGUE.keys_for(advisory)
    assert CATALOGUE.explain(row, [advisory]) == []
    assert not CATALOGUE.matches(item(product, "Foo Ltd"), advisory)  # a rename, not any vendor


def test_a_rename_explains_other_products_without_the_brand():
    [miss] = CATALOGUE.explain(item("VMware Player", "VMware, Inc."), [statement("Broadcom", "VMware Workstation")])
    assert miss.reason == "another VMware product: 'player' is not 'workstation'"


def test_vendor_spellings_come_from_the_catalogue():
    assert set(CATALOGUE.vendor_spellings("Broadcom Inc.")) >= {"vmware", "broadcom"}
    assert CATALOGUE.vendor_spellings("Acme Ltd") == ("Acme Ltd", "acme")


def test_statement_aliases_count_without_a_catalogue():
    advisory = statement("Acme", "Widget", aliases=("Widget Pro Server",))
    assert EMPTY.matches(item("Widget Pro Server 4.2", "Acme Inc."), advisory)
    assert EMPTY.matches(item("Acme Widget"), advisory)
    assert not EMPTY.matches(item("Widget Pro"), advisory)


def test_a_known_different_vendor_blocks_an_equal_name():
    advisory = statement("3CX", "Desktop App")
    assert not CATALOGUE.matches(item("Desktop App", "Foo Ltd"), advisory)
    assert not EMPTY.matches(item("Desktop App", "Foo Ltd"), advisory)
    assert not CATALOGUE.matches(item("Chrome", "Microsoft"), statement("Google", "Chrome"))


def test_a_row_without_vendor_matches_on_name_alone():
    assert EMPTY.matches(item("Desktop App"), statement("3CX", "Desktop App"))


def test_nvd_3cx_cpe_with_a_platform_names_the_desktop_app():
    nvd = statement("3cx", "3cx", cpe="cpe:2.3:a:3cx:3cx:18.12.407:*:*:*:*:windows:*:*")
    assert CATALOGUE.matches(item("3CX Desktop App", "3CX Ltd"), nvd)


def test_3cx_cpe_without_a_platform_is_not_taken_for_the_desktop_app():
    phone = statement("3CX", "3CX Phone System", cpe="cpe:2.3:a:3cx:3cx:*:*:*:*:*:*:*:*")
    assert not CATALOGUE.matches(item("3CX Desktop App", "3CX Ltd"), phone)


def test_fips_cpe_statement_hits_only_the_fips_line():
    cpe = "cpe:2.3:a:citrix:netscaler_application_delivery_controller:*:*:*:*:{}:*:*:*"
    fips = statement("Citrix", "NetScaler ADC", cpe=cpe.format("fips"))
    standard = statement("Citrix", "NetScaler ADC", cpe=cpe.format("-"))
    fips_row, standard_row = item("NetScaler ADC 13.1-FIPS", "Citrix"), item("NetScaler ADC")
    assert CATALOGUE.matches(fips_row, fips) and not CATALOGUE.matches(standard_row, fips)
    assert CATALOGUE.matches(standard_row, standard) and not CATALOGUE.matches(fips_row, standard)


def test_sbom_component_matches_by_purl_before_name():
    log4j = item(
        "org.apache.logging.log4j:log4j-core",
        "The Apache Software Foundation",
        purl="pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar",
    )
    assert CATALOGUE.matches(log4j, statement("Apache", "Log4j"))
    assert CATALOGUE.key_for(log4j) == "cat:apache-log4j"


def test_uncatalogued_package_matches_by_purl_not_by_its_bare_name():
    laravel = item("laravel/framework", purl="pkg:composer/laravel/framework@7.12.0")
    osv = statement("", "laravel/framework", purl="pkg:composer/laravel/framework")
    other = statement("", "framework", purl="pkg:composer/other/framework")
    assert CATALOGUE.matches(laravel, osv)
    assert not CATALOGUE.matches(laravel, other)


def test_windows_program_purls_fall_back_to_the_name():
    edge = item("Microsoft Edge", "Microsoft Corporation", purl="pkg:swid/Microsoft+Edge@116.0")
    assert CATALOGUE.key_for(edge) == "cat:microsoft-edge"


UPSTREAM_OPENSSL = statement("OpenSSL", "OpenSSL", cpe="cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*")
DEBIAN_OPENSSL = statement("Debian", "openssl", purl="pkg:deb/debian/openssl")


# Package purls name another maker's code: Ruby's openssl gem, an npm package of that name,
# and Debian's openssl source package (backports, fixed per DSA-5532-1). A scanner's guessed
# CPE does not make the Debian package upstream either.
@pytest.mark.parametrize(
    ("purl", "cpe", "key"),
    [
        ("pkg:gem/openssl@3.1.0", None, "pkg:gem/openssl"),
        ("pkg:npm/openssl@3.0.2", None, "pkg:npm/openssl"),
        ("pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12", None, "pkg:deb/debian/openssl"),
        (
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2",
            "cpe:2.3:a:openssl:openssl:3.0.11:*:*:*:*:*:*:*",
            "pkg:deb/debian/openssl",
        ),
    ],
)
def test_a_package_purl_decides_identity_not_its_bare_name(purl: str, cpe: str | None, key: str):
    row = InventoryItem("council", "openssl", "3.0.11", vendor="", purl=purl, cpe=cpe)
    assert CATALOGUE.key_for(row) == key
    assert not CATALOGUE.matches(row, UPSTREAM_OPENSSL)
    assert not CATALOGUE.matches(row, statement("OpenSSL", "openssl"))
    assert CATALOGUE.matches(row, DEBIAN_OPENSSL) is key.startswith("pkg:deb/")
    [miss] = CATALOGUE.explain(row, [UPSTREAM_OPENSSL])
    assert miss.reason == f"identified by its package URL {key}, which the statement does not name"


@pytest.mark.parametrize(
    ("name", "vendor", "purl"),
    [
        ("OpenSSL", "OpenSSL Project", None),
        ("OpenSSL", "OpenSSL Project", "pkg:swid/OpenSSL@3.0.8"),
        ("OpenSSL 3.1.2 (64-bit)", "OpenSSL Win64 Installer Team", "pkg:generic/openssl@3.1.2"),
    ],
)
def test_windows_sbom_components_still_match_by_name(name: str, vendor: str, purl: str | None):
    row = item(name, vendor, **({"purl": purl} if purl else {}))
    assert CATALOGUE.key_for(row) == "cat:openssl"
    assert CATALOGUE.matches(row, UPSTREAM_OPENSSL)
    assert not CATALOGUE.matches(row, DEBIAN_OPENSSL)


def _affected(inventory: Path, capsys: pytest.CaptureFixture[str]) -> set[tuple[str, str, str]]:
    rules = sorted(str(p) for p in REVIEW.glob("*.toml"))
    assert main(["match", str(inventory), *rules, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return {(r["advisory"], r["product"], r["version"]) for r in rows if r["status"] == "affected"}


def test_review_inventory_end_to_end(capsys: pytest.CaptureFixture[str]):
    """The reviewer's rows and the advisories as published, through `advisories match`."""
    got = _affected(REVIEW / "inventory.csv", capsys)
    assert {product for _, product, _ in got} == {
        *(f"Mozilla Firefox (x64 {loc})" for loc in ("cy", "de", "fr", "ja", "en-GB")),
        "Microsoft 365 Apps for enterprise - en-gb",
        "Microsoft 365 Apps for enterprise - cy-gb",
        "Microsoft Edge",
        "VMware Workstation",
    }
    assert ("vmsa-2024-0010-workstation", "VMware Workstation", "17.5.0") in got
    assert ("msrc-2023-4863-edge", "Microsoft Edge", "116.0.1938.69") in got


def test_review_sbom_end_to_end(capsys: pytest.CaptureFixture[str]):
    """Only upstream builds hit the OpenSSL advisory; the Debian package only its DSA."""
    assert _affected(REVIEW / "sbom-openssl.cdx.json", capsys) == {
        ("dsa-5532-1-openssl", "openssl", "3.0.11-1~deb12u1"),
        ("openssl-2023-10-24", "OpenSSL", "3.0.8"),
        ("openssl-2023-10-24", "OpenSSL", "3.0.10"),
        ("openssl-2023-10-24", "OpenSSL 3.1.2 (64-bit)", "3.1.2"),
    }


def test_identifier_parsing():
    assert purl_base("pkg:npm/%40angular/core@16.0.0#sub") == "pkg:npm/@angular/core"
    assert purl_base("not a purl") is None
    assert parse_cpe("cpe:/a:7-zip:7-zip:19.00")[:3] == ("a", "7-zip", "7-zip")  # type: ignore[index]
    assert parse_cpe("cpe:2.3:a:*:*:*") is None


# -- the matcher's contract at sector scale -------------------------------------------------


def test_keys_let_a_matcher_index_statements_and_look_rows_up():
    advisory = statement("Microsoft", "Microsoft Edge")
    index = {key: advisory for key in CATALOGUE.keys_for(advisory)}
    assert index.get(CATALOGUE.key_for(item("Microsoft Edge", "Microsoft Corporation")))
    assert not index.get(CATALOGUE.key_for(item("Microsoft Edge WebView2 Runtime")))


def test_row_look_ups_are_cached_and_fast():
    names = [f"Product {n} Suite" for n in range(3000)]
    rows = [item(names[n % 3000], "Vendor Ltd") for n in range(200_000)]
    started = time.perf_counter()
    keys = {CATALOGUE.key_for(r) for r in rows}
    assert len(keys) == 3000
    assert time.perf_counter() - started < 2.0  # ~0.1 s on a laptop


# -- explanations ---------------------------------------------------------------------------

STATEMENTS = [
    statement("Microsoft", "Microsoft Edge"),
    statement("Google", "Google Chrome"),
    statement("3CX", "3CX Desktop App"),
    statement("Citrix", "NetScaler ADC"),
]


@pytest.mark.parametrize(
    ("product", "vendor", "nearest", "reason"),
    [
        (
            "Microsoft Edge WebView2 Runtime",
            "Microsoft Corporation",
            "Microsoft Edge",
            "'microsoft edge webview2 runtime' has the extra words 'webview2 runtime'",
        ),
        (
            "Google Chrome Remote Desktop Host",
            "Google LLC",
            "Google Chrome",
            "'google chrome remote desktop host' has the extra words 'remote desktop host'",
        ),
        ("Desktop App", "Foo Ltd", "3CX Desktop App", "vendor differs: Foo Ltd vs 3CX"),
        ("Chrome", "Microsoft Corporation", "Google Chrome", "vendor differs: Microsoft vs Google"),
        (
            "NetScaler ADC 13.1-FIPS",
            "Citrix",
            "NetScaler ADC",
            "'netscaler adc fips' is a separate build line (fips)",
        ),
    ],
)
def test_explain_names_the_nearest_product_and_why_it_was_rejected(
    product: str, vendor: str, nearest: str, reason: str
):
    misses = CATALOGUE.explain(item(product, vendor), STATEMENTS)
    assert misses[0].product == nearest
    assert misses[0].reason == reason


def test_explain_shows_another_product_of_the_same_vendor():
    row = item("3CX Phone System Management Console", "3CX Ltd")
    [miss] = CATALOGUE.explain(row, STATEMENTS)
    assert miss.product == "3CX Desktop App"
    assert miss.reason == "another 3CX product: 'phone system management console' is not 'desktop app'"


def test_explain_leaves_out_matches_and_unrelated_products():
    misses = CATALOGUE.explain(item("Microsoft Edge", "Microsoft Corporation"), STATEMENTS)
    assert misses == []


# -- the catalogue file ---------------------------------------------------------------------

REQUIRED_IDS = {
    "3cx-desktop-app",
    "google-chrome",
    "microsoft-edge",
    "microsoft-edge-webview2",
    "mozilla-firefox",
    "netscaler-adc",
    "netscaler-adc-fips",
    "netscaler-gateway",
    "fortios",
    "forticlient",
    "ivanti-connect-secure",
    "moveit-transfer",
    "microsoft-exchange-server",
    "oracle-java-se",
    "openssl",
    "apache-log4j",
    "7-zip",
    "adobe-acrobat-reader",
    "papercut-mf",
    "papercut-ng",
    "zoom",
    "vmware-tools",
    "vmware-esxi",
    "cisco-anyconnect",
    "citrix-workspace-app",
    "citrix-workspace-app-ltsr",
    "vmware-workstation",
    "vmware-horizon-client",
    "adobe-acrobat",
    "python",
}


def test_shipped_catalogue_has_the_products_councils_are_warned_about():
    assert {p.id for p in CATALOGUE.products} >= REQUIRED_IDS


def test_every_catalogue_name_resolves_to_its_own_product():
    for product in CATALOGUE.products:
        for name in product.names:
            assert CATALOGUE.product_for_name(name, product.vendor) is product, name
            assert CATALOGUE.product_for_name(name) is product, name


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "products.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_toml_names_the_file_and_the_line(tmp_path: Path):
    path = write(tmp_path, '[[product]]\nid = "x"\nname = \n')
    with pytest.raises(ConfigError) as err:
        Catalogue.load(path)
    assert str(path) in err.value.message and "line 3" in err.value.message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'id = "a"\nvendor = "V"\nname = "A"\nalias = ["B"]',
            "product[0] (a): unknown key 'alias' (did you mean 'aliases'?)",
        ),
        ('id = "a"\nvendor = "V"', "product[0] (a): missing key 'name'"),
        (
            'id = "a"\nvendor = "V"\nname = "A"\naliases = "B"',
            "product[0] (a).aliases: must be a list of non-empty strings",
        ),
        (
            'id = "a"\nvendor = "V"\nname = "A"\ncpe = ["google:chrome"]',
            "product[0] (a).cpe: 'google:chrome' is not a CPE 2.3 name",
        ),
        ('id = "A B"\nvendor = "V"\nname = "A"', "product[0] (A B).id: use lower-case"),
        (
            'id = "a"\nvendor = "V"\nname = "A"\nscheme = "citrix-worksapce"',
            "product[0] (a).scheme: unknown version scheme 'citrix-worksapce' (did you mean 'citrix-workspace'?)",
        ),
        ('id = "a"\nvendor = "V"\nname = "A"\nscheme = 2403', "product[0] (a).scheme: must be a string"),
    ],
)
def test_catalogue_errors_name_the_file_and_the_key(tmp_path: Path, body: str, expected: str):
    path = write(tmp_path, f"[[product]]\n{body}\n")
    with pytest.raises(ConfigError) as err:
        Catalogue.load(path)
    assert err.value.message.startswith(f"{path}: ")
    assert expected in err.value.message


def test_a_name_claimed_by_two_products_is_refused(tmp_path: Path):
    path = write(
        tmp_path,
        '[[product]]\nid = "edge"\nvendor = "Microsoft"\nname = "Edge"\n'
        '[[product]]\nid = "chrome"\nvendor = "Google"\nname = "Chrome"\n'
        'aliases = ["Edge"]\n',
    )
    with pytest.raises(ConfigError) as err:
        Catalogue.load(path)
    assert "chrome: name 'Edge' is also claimed by edge" in err.value.message


def test_missing_catalogue_is_a_config_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="cannot read the product catalogue"):
        Catalogue.load(tmp_path / "nope.toml")


def test_winrar_publisher_spelling_matches_the_kev_vendor() -> None:
    """ARP says "win.rar GmbH"; CISA KEV (CVE-2025-8088) and NVD say RARLAB."""
    from pathlib import Path

    from advisories.models import AffectedProduct, InventoryItem
    from advisories.products import Catalogue

    catalogue = Catalogue.load(Path(__file__).resolve().parent.parent / "rules" / "products.toml")
    row = InventoryItem("c", "WinRAR 6.23 (64-bit)", "6.23.0", "windows", "win.rar GmbH")
    assert catalogue.matches(row, AffectedProduct("RARLAB", "WinRAR"))


# -- the version scheme a product's statements are read in -------------------------------------

WORKSPACE_RANGE = (osv_range("0", fixed="2403.1"),)


CR, LTSR = "citrix-workspace", "citrix-workspace-ltsr"


@pytest.mark.parametrize(
    ("vendor", "product", "kw", "scheme"),
    [
        pytest.param("Citrix", "Citrix Workspace app for Windows", {}, CR, id="CTX678036 bulletin name"),
        pytest.param("Citrix", "Citrix Workspace app for Mac", {}, CR, id="a platform in the name"),
        pytest.param("Cloud Software Group", "Citrix Workspace app", {}, CR, id="the maker's new name"),
        pytest.param(
            "citrix", "workspace", {"cpe": "cpe:2.3:a:citrix:workspace:*:*:*:*:current:windows:*:*"}, CR,
            id="CVE-2024-6286 NVD cpe current",
        ),
        pytest.param("Citrix", "Citrix Workspace app for Windows 2203 LTSR", {}, LTSR, id="CTX678036 2203 LTSR"),
        pytest.param("Citrix", "Citrix Workspace app 2402 LTSR for Windows", {}, LTSR, id="CTX678036 2402 LTSR"),
        pytest.param(
            "citrix", "workspace ltsr", {"cpe": "cpe:2.3:a:citrix:workspace:*:*:*:*:ltsr:windows:*:*"}, LTSR,
            id="CVE-2024-6286 NVD cpe ltsr",
        ),
        pytest.param(
            "citrix", "workspace", {"cpe": "cpe:2.3:a:citrix:workspace:*:*:*:*:ltsr:windows:*:*"}, LTSR,
            id="NVD cpe ltsr, whatever the name",
        ),
    ],
)
def test_a_workspace_statement_without_a_scheme_gets_the_catalogues(
    vendor: str, product: str, kw: dict, scheme: str
) -> None:
    st = statement(vendor, product, ranges=WORKSPACE_RANGE, **kw)
    read = CATALOGUE.with_scheme(st)
    assert read.scheme == scheme
    assert read == statement(vendor, product, ranges=WORKSPACE_RANGE, scheme=scheme, **kw)
    assert CATALOGUE.with_scheme(st) is read  # one object, so its compiled matcher is shared
    assert CATALOGUE.keys_for(read) == CATALOGUE.keys_for(st)


@pytest.mark.parametrize(
    "st",
    [
        pytest.param(statement("Citrix", "Citrix Workspace app", scheme="generic", ranges=WORKSPACE_RANGE),
                     id="an explicit scheme is kept"),
        pytest.param(statement("Citrix", "Citrix Receiver", ranges=WORKSPACE_RANGE), id="Receiver is not it"),
        pytest.param(statement("Acme", "Workspace", ranges=WORKSPACE_RANGE), id="another maker's Workspace"),
        pytest.param(statement("Citrix", "NetScaler ADC", scheme="citrix"), id="NetScaler keeps citrix"),
        pytest.param(statement("Progress", "MOVEit Transfer", versions=("2023.0.1",)), id="MOVEit 2023.0.1"),
        pytest.param(statement("Microsoft", "Exchange Server", versions=("2019 CU13",)), id="Exchange 2019 CU13"),
        pytest.param(statement("PaperCut", "PaperCut MF", versions=("2023.03.1",)), id="date 2023.03.1"),
    ],
)
def test_other_statements_are_read_as_written(st: AffectedProduct) -> None:
    assert CATALOGUE.with_scheme(st) is st
    assert EMPTY.with_scheme(st) is st


def test_only_the_workspace_app_and_python_name_a_scheme_of_their_own() -> None:
    # Every other product's statements keep the generic default unless they say otherwise.
    assert {p.id: p.scheme for p in CATALOGUE.products if p.scheme} == {
        "citrix-workspace-app": "citrix-workspace", "citrix-workspace-app-ltsr": "citrix-workspace-ltsr",
        "python": "python-windows"}


def test_oracle_cve_record_names_reach_the_java_rows_councils_list():
    # CVE-2024-20918 (tests/fixtures/cve5): Oracle's CNA says "Java SE JDK and JRE", and puts
    # GraalVM in the same entry; only the naming is checked here (test_cve_record reads versions).
    [advisory] = [a for a in load_cve_file(ROOT / "tests" / "fixtures" / "cve5" / "CVE-2024-20918.json")
                  if a.kind == "cve"]
    rows = ["Java 8 Update 381", "Java 8 Update 381 (64-bit)", "Java(TM) SE Development Kit 17.0.8 (64-bit)"]
    for name in rows:
        named = {s.product for s in advisory.affects if CATALOGUE.matches(item(name, "Oracle Corporation"), s)}
        assert named == {"Java SE JDK and JRE"}, name


def test_a_catalogue_is_freed_as_soon_as_a_run_lets_go_of_it() -> None:
    """Its look-up memos hold every statement a run read through it; in a reference cycle they
    would wait for the collector's next full pass (a third of a second at a sector run's exit,
    and a serve process's previous run kept in memory until then)."""
    import gc
    import weakref

    catalogue = Catalogue.load(ROOT / "rules" / "products.toml")
    statement = AffectedProduct("3CX", "3CX Desktop App", versions=("18.12.407",))
    assert catalogue.keys_for(statement) and catalogue.with_scheme(statement) is statement
    catalogue.key_for(InventoryItem("barsetshire", "3CX Desktop App", "18.12.407", vendor="3CX Ltd"))
    gone = weakref.ref(catalogue)
    enabled = gc.isenabled()
    gc.disable()
    try:
        del catalogue
        assert gone() is None
    finally:
        if enabled:
            gc.enable()
