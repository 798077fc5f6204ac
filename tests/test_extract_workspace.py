"""Citrix Workspace app wording in prose: year-and-month release numbers, LTSR lines and their
CU/Hotfix updates, and platforms said by the product's name. The sentence table holds the
bulletins' own sentences; these are the rules behind them, and the end-to-end check that the
statements read from CTX678036 alert on the right inventory rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisories.extract import KnownProduct, extract_statements, known_products, shapes, to_json
from advisories.matching import Matcher
from advisories.models import Advisory, InventoryItem, Status
from advisories.products import Catalogue
from advisories.prose import as_statement

CATALOGUE = Path(__file__).parents[1] / "rules" / "products.toml"
WORKSPACE = KnownProduct("Citrix", "Citrix Workspace app", ("Citrix Workspace", "Citrix Workspace app for Windows"))
WORKSPACE_LTSR = KnownProduct(
    "Citrix", "Citrix Workspace app LTSR", ("Citrix Workspace LTSR", "Citrix Workspace app for Windows LTSR")
)
CTX678036 = (
    "Citrix Workspace app for Windows versions before 2403.1 are affected. "
    "Citrix Workspace app for Windows 2203 LTSR before 2203.1 LTSR CU6 Hotfix 2 is affected."
)


def _read(text: str, products: list[KnownProduct]) -> list[tuple[str, str | None, list[dict[str, str]]]]:
    return [(j["product"], j["platform"], j["ranges"]) for j in map(to_json, extract_statements(text, products))]


# ------------------------------------------------------------------------------ end to end


@pytest.mark.parametrize(
    ("name", "version", "status"),
    [
        ("Citrix Workspace 2402", "24.2.0.172", Status.AFFECTED),
        ("Citrix Workspace 2403", "24.3.1.97", None),  # 2403.1 itself: fixed
        ("Citrix Workspace 2203 LTSR", "22.3.6000.8", Status.AFFECTED),  # CU6
        ("Citrix Workspace 2203 LTSR", "22.3.6002.6116", None),  # CU6 Hotfix 2: fixed
    ],
)
def test_ctx678036_read_from_prose_alerts_on_the_right_rows(name: str, version: str, status: Status | None) -> None:
    catalogue = Catalogue.load(CATALOGUE)
    found = extract_statements(CTX678036, known_products(catalogue.products))
    advisory = Advisory(id="ctx678036", source="prose", title="CTX678036", affects=tuple(map(as_statement, found)))
    matches = Matcher([advisory], catalogue).match_items([InventoryItem("c1", name, version, "windows", "Citrix")])
    assert [m.status for m in matches] == ([status] if status else [])
    # The statements name the catalogue's two products and Windows only.
    assert {(s.product, s.platform) for s in advisory.affects} == {
        ("Citrix Workspace app", "windows"),
        ("Citrix Workspace app LTSR", "windows"),
    }


def test_ctx678036_never_reaches_a_mac() -> None:
    catalogue = Catalogue.load(CATALOGUE)
    found = extract_statements(CTX678036, known_products(catalogue.products))
    advisory = Advisory(id="ctx678036", source="prose", title="CTX678036", affects=tuple(map(as_statement, found)))
    mac = InventoryItem("c1", "Citrix Workspace 2402", "24.2.0.172", "macos", "Citrix")
    assert Matcher([advisory], catalogue).match_items([mac]) == []


# ---------------------------------------------------------------- release numbers and lines


def test_year_and_month_releases_are_one_numbering_even_when_several_are_named() -> None:
    # Two bounds for one product would scope each to its branch (2403, 2402); Workspace's
    # numbering has none, so each covers every earlier release of its platform.
    text = (
        "Citrix Workspace app for Windows before 2403.1 and Citrix Workspace app for Mac before 2402.10 are affected."
    )
    assert sorted(_read(text, [WORKSPACE, WORKSPACE_LTSR])) == [
        ("Citrix Workspace app", "macos", [{"introduced": "0", "fixed": "2402.10"}]),
        ("Citrix Workspace app", "windows", [{"introduced": "0", "fixed": "2403.1"}]),
    ]


def test_fix_of_a_year_and_month_release_covers_every_earlier_one() -> None:
    (s,) = extract_statements("Citrix Workspace app for Mac is fixed in 2402.10 and later.", [WORKSPACE])
    assert to_json(s)["ranges"] == [{"introduced": "0", "fixed": "2402.10"}]


def test_ltsr_update_is_kept_whole_and_scoped_to_its_ltsr() -> None:
    text = "Citrix Workspace app versions before 2203.1 LTSR CU6 hotfix 2 are affected."
    assert _read(text, [WORKSPACE, WORKSPACE_LTSR]) == [
        ("Citrix Workspace app LTSR", None, [{"introduced": "2203", "fixed": "2203.1 LTSR CU6 hotfix 2"}]),
    ]


def test_ltsr_without_a_catalogue_product_is_a_variant_line() -> None:
    (s,) = extract_statements("Citrix Workspace app 2402 LTSR before 2402 LTSR CU1 is affected.", [WORKSPACE])
    assert s.product == "Citrix Workspace app LTSR" and s.confidence < 0.8
    assert to_json(s)["ranges"] == [{"introduced": "2402", "fixed": "2402 LTSR CU1"}]


def test_explicit_ltsr_release_names_the_ltsr_product() -> None:
    assert _read("Citrix Workspace app 2402 LTSR for Windows is affected.", [WORKSPACE, WORKSPACE_LTSR]) == [
        ("Citrix Workspace app LTSR", "windows", []),
    ]
    (s,) = extract_statements("Citrix Workspace app 2402 LTSR for Windows is affected.", [WORKSPACE, WORKSPACE_LTSR])
    assert s.versions == ("2402",)


def test_a_cumulative_update_of_another_product_is_not_a_workspace_update() -> None:
    exchange = KnownProduct("Microsoft", "Exchange Server")
    (s,) = extract_statements("Exchange Server 2019 CU12 before 15.2.1118.20 is vulnerable.", [exchange])
    assert to_json(s)["ranges"] == [{"introduced": "0", "fixed": "15.2.1118.20"}]


@pytest.mark.parametrize(
    ("version", "calendar", "update", "branch"),
    [
        ("2403.1", True, False, "2403"),
        ("2311", True, False, "2311"),
        ("2203.1 LTSR CU6 Hotfix 2", False, True, "2203"),
        ("2402 LTSR CU1", False, True, "2402"),
        ("7.15 LTSR CU9", False, True, "7.15"),
        ("2023.3", False, False, "2023"),  # JetBrains' year.n: month 23 is no month
        ("2019", False, False, "2019"),
        ("7.2.4", False, False, "7.2"),
    ],
)
def test_shapes(version: str, calendar: bool, update: bool, branch: str) -> None:
    assert shapes.is_calendar_release(version) is calendar
    assert shapes.is_line_update(version) is update
    assert shapes.branch(version) == branch


# ------------------------------------------------------ catalogue lines and named platforms


def test_variant_the_catalogue_lists_is_that_product_at_full_confidence() -> None:
    adc = KnownProduct("Citrix", "NetScaler ADC", ("Citrix ADC",))
    fips = KnownProduct("Citrix", "NetScaler ADC FIPS", ("Citrix ADC FIPS",))
    (s,) = extract_statements("NetScaler ADC 13.1-FIPS before 13.1-37.164 is affected.", [adc, fips])
    assert s.product == "NetScaler ADC FIPS" and s.confidence >= 0.8
    (alone,) = extract_statements("NetScaler ADC 13.1-FIPS before 13.1-37.164 is affected.", [adc])
    assert alone.product == "NetScaler ADC FIPS" and alone.confidence < 0.8  # a line outside the catalogue


def test_product_name_saying_its_platform_gives_the_platform() -> None:
    forticlient = KnownProduct("Fortinet", "FortiClient", ("FortiClient for Windows",))
    (s,) = extract_statements("FortiClient for Windows 7.0.0 through 7.0.9 is affected.", [forticlient])
    assert s.product == "FortiClient" and s.platform == "windows"


def test_platform_after_a_name_that_said_one_adds_to_it() -> None:
    found = _read("Citrix Workspace app for Windows and Mac before 2403.1 is affected.", [WORKSPACE])
    assert sorted(p for _, p, _ in found) == ["macos", "windows"]


def test_name_saying_its_platform_after_the_versions_gives_them_the_platform() -> None:
    text = "Versions before 2403.1 of the Citrix Workspace app for Windows are affected."
    assert _read(text, [WORKSPACE]) == [("Citrix Workspace app", "windows", [{"introduced": "0", "fixed": "2403.1"}])]


def test_a_platform_in_one_products_name_is_not_the_next_products() -> None:
    """Zoom runs on Windows and Mac: "for Windows" in the Workspace app's name says nothing of
    it, and reading it as Windows-only would miss every Mac running the affected Zoom."""
    zoom = KnownProduct("Zoom", "Zoom Workplace", ("Zoom",))
    found = _read("Citrix Workspace app for Windows before 2403.1 and Zoom Workplace before 6.0.0 are affected.",
                  [WORKSPACE, zoom])
    assert {(product, platform) for product, platform, _ in found} == {
        ("Citrix Workspace app", "windows"), ("Zoom Workplace", None)}
