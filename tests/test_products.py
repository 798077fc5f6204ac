"""Product identity: the right rows match a statement, and near names never do."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

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

ROOT = Path(__file__).resolve().parent.parent
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
    ],
)
def test_catalogue_aliases_join_inventory_and_advisory_names(
    product: str, vendor: str, st_vendor: str, st_product: str
):
    advisory = statement(st_vendor, st_product, aliases=("Cisco AnyConnect",))
    assert CATALOGUE.matches(item(product, vendor), advisory)


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
