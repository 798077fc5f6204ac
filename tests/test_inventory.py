"""Inventory exports -> items: every header style, platforms, aggregation, bad rows, encodings."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from advisories.cli import main
from advisories.errors import InventoryError
from advisories.inventory import InventoryLoad, load_inventory, normalise_platform
from advisories.models import InventoryItem
from advisories.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "inventory"


def load(name: str) -> InventoryLoad:
    return load_inventory(FIXTURES / name, "wessex")


def find(loaded: InventoryLoad, product: str, platform: str | None = None) -> InventoryItem:
    hits = [i for i in loaded.items if i.product == product]
    hits = [i for i in hits if platform is None or i.platform == platform]
    assert len(hits) == 1, (product, platform, loaded.items)
    return hits[0]


def write(tmp_path: Path, text: str, name: str = "inventory.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# -- every header style ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "product", "vendor", "version", "platform", "devices", "hosts"),
    [
        ("intune_AppInvAggregate.csv", "3CX Desktop App", "3CX Ltd", "18.12.416", "macos", 3, ()),
        (
            "intune_AppInvAggregate.csv",
            "Zoom",
            "Zoom Video Communications Inc.",
            "5.16.10 (26186)",
            "macos",
            9,
            (),
        ),
        (
            "intune_AppInvRawData.csv",
            "Google Chrome",
            "Google LLC",
            "120.0.6099.109",
            "windows",
            1,
            ("LAP-0007",),
        ),
        (
            "intune_DiscoveredAppsRawData.csv",
            "Outlook",
            "Microsoft Corporation",
            "4.2347.0",
            "ios",
            1,
            ("PHONE-17",),
        ),
        (
            "configmgr_v_GS_INSTALLED_SOFTWARE.csv",
            "Java 8 Update 381 (64-bit)",
            "Oracle Corporation",
            "8.0.3810.9",
            "windows",
            1,
            ("PC-0101",),
        ),
        (
            "configmgr_report.csv",
            "Adobe Acrobat Reader DC MUI",
            "Adobe Systems Incorporated",
            "23.006.20360",
            "windows",
            2,
            ("PC-0200", "PC-0201"),
        ),
        ("lansweeper.tsv", "OpenSSL", "OpenSSL Project", "3.0.2", "linux", 1, ("LNX-01",)),
        (
            "add_remove_programs.csv",
            "Microsoft Edge",
            "Microsoft Corporation",
            "120.0.2210.61",
            "windows",
            1,
            ("PC-0300",),
        ),
        (
            "plain.csv",
            "NetScaler ADC 13.1-FIPS",
            "Citrix",
            "13.1-37.164",
            "linux",
            1,
            ("ns-fips-01",),
        ),
    ],
)
def test_each_export_style_loads_as_it_comes(
    fixture: str,
    product: str,
    vendor: str,
    version: str,
    platform: str,
    devices: int,
    hosts: tuple[str, ...],
) -> None:
    loaded = load(fixture)
    assert loaded.problems == ()
    got = find(loaded, product, platform)
    assert (got.vendor, got.version, got.devices, got.hosts) == (vendor, version, devices, hosts)
    assert got.council_id == "wessex" and got.source == str(FIXTURES / fixture)


def test_configmgr_falls_back_to_the_add_remove_programs_name():
    loaded = load("configmgr_v_GS_INSTALLED_SOFTWARE.csv")
    seven_zip = find(loaded, "7-Zip 23.01 (x64)")
    assert (seven_zip.devices, seven_zip.hosts) == (2, ("PC-0101", "PC-0102"))


def test_intune_short_version_is_never_taken_for_the_build(tmp_path: Path):
    """3CX "18.12" would read as 18.12.0 and miss 18.12.416: a blank build stays unknown."""
    path = write(
        tmp_path,
        "ApplicationName,ApplicationShortVersion,ApplicationVersion\nSlack,4.35,4.35.126\nTeams,1.6,\n",
    )
    loaded = load_inventory(path, "c")
    assert {i.product: i.version for i in loaded.items} == {"Slack": "4.35.126", "Teams": ""}
    assert any("line 3" in p and "check manually" in p for p in loaded.problems)


@pytest.mark.parametrize(
    "header",
    [
        "APPLICATIONNAME,APPLICATIONVERSION",
        " applicationname , applicationversion ",
        "\ufeffApplicationName,Application_Version",
        "application name;application version",
    ],
)
def test_headers_match_whatever_their_case_spacing_or_bom(tmp_path: Path, header: str):
    sep = ";" if ";" in header else ","
    path = write(tmp_path, f"{header}\nGoogle Chrome{sep}120.0\n")
    assert [(i.product, i.version) for i in load_inventory(path, "c").items] == [("Google Chrome", "120.0")]


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_delimiter_is_sniffed(tmp_path: Path, sep: str):
    path = write(
        tmp_path,
        sep.join(["product", "version", "vendor"])
        + "\n"
        + sep.join(["Zoom", "5.16.10", "Zoom, Inc." if sep != "," else "Zoom"])
        + "\n",
    )
    assert [i.product for i in load_inventory(path, "c").items] == ["Zoom"]


def test_excel_sep_line_sets_the_delimiter_and_keeps_line_numbers(tmp_path: Path):
    path = write(tmp_path, "sep=;\nproduct;version\nZoom;5.16\n;1.0\n")
    loaded = load_inventory(path, "c")
    assert loaded.items[0].line == 3
    assert loaded.problems == (
        f"{path} line 4: no product name in column 'product'; row skipped (fill it in or remove the row)",
    )


def test_title_rows_before_the_header_are_skipped_and_reported(tmp_path: Path):
    path = write(
        tmp_path,
        "Installed software report\nGenerated by ConfigMgr\n\nComputer Name,Product Name,Version\nPC-1,Zoom,5.16\n",
    )
    loaded = load_inventory(path, "c")
    assert [(i.product, i.line, i.platform) for i in loaded.items] == [("Zoom", 5, "windows")]
    assert loaded.problems == (f"{path}: lines 1-3 come before the header and were ignored",)


def test_a_title_with_a_comma_does_not_decide_the_delimiter(tmp_path: Path):
    path = write(
        tmp_path,
        "Installed software, all devices\nSoftware;Version;Publisher\nZoom;5.16.10;Zoom, Inc.\nSlack;4.35;Slack\n",
    )
    loaded = load_inventory(path, "c")
    assert [(i.product, i.version, i.vendor, i.line) for i in loaded.items] == [
        ("Zoom", "5.16.10", "Zoom, Inc.", 3),
        ("Slack", "4.35", "Slack", 4),
    ]
    assert loaded.problems == (f"{path}: line 1 comes before the header and was ignored",)


def test_a_title_naming_a_header_word_does_not_decide_the_delimiter(tmp_path: Path):
    path = write(tmp_path, "Software\nAssetName\tSoftware\tVersion\nPC-1\tZoom\t5.16\n")
    assert [(i.product, i.hosts) for i in load_inventory(path, "c").items] == [("Zoom", ("PC-1",))]


# -- platforms ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "platform"),
    [
        ("Windows", "windows"),
        ("Windows 11 Enterprise", "windows"),
        ("Windows 10 Pro", "windows"),
        ("Microsoft Windows 10 Enterprise", "windows"),
        ("Win 10", "windows"),
        ("Windows Server 2019 Datacenter", "windows"),
        ("macOS 13.4", "macos"),
        ("Mac OS X", "macos"),
        ("MacMDM", "macos"),
        ("MacOS", "macos"),
        ("OS X 10.15", "macos"),
        ("Linux", "linux"),
        ("Ubuntu 22.04", "linux"),
        ("Red Hat Enterprise Linux 9", "linux"),
        ("iOS", "ios"),
        ("iPadOS", "ios"),
        ("iOS 17.1.2", "ios"),
        ("Android", "android"),
        ("AndroidForWork", "android"),
        ("AndroidEnterprise", "android"),
        ("", "any"),
        ("Unknown", "any"),
        ("Solaris 11", "any"),
        ("ChromeOS", "any"),
    ],
)
def test_platform_values_normalise(value: str, platform: str):
    assert normalise_platform(value) == platform


def test_platform_comes_from_os_description_when_platform_is_blank():
    mac = find(load("intune_AppInvRawData.csv"), "3CX Desktop App", "macos")
    assert mac.hosts == ("MAC-0003",)


def test_windows_only_exports_default_to_windows_others_to_any():
    assert {i.platform for i in load("configmgr_report.csv").items} == {"windows"}
    assert {i.platform for i in load("add_remove_programs.csv").items} == {"windows"}
    esxi = find(load("plain.csv"), "VMware ESXi")
    assert esxi.platform == "any"


def test_unknown_platform_is_reported_once_and_treated_as_any(tmp_path: Path):
    rows = "".join(f"Zoom,5.{n},Solaris\n" for n in range(3))
    path = write(tmp_path, "product,version,platform\n" + rows)
    loaded = load_inventory(path, "c")
    assert {i.platform for i in loaded.items} == {"any"}
    assert loaded.problems == (
        f"{path} line 2: platform 'Solaris' not recognised (3 rows); "
        "treated as any platform (use Windows, macOS, Linux, iOS or "
        "Android)",
    )


# -- aggregation ----------------------------------------------------------------------------


def test_rows_per_device_merge_with_sorted_unique_hosts():
    loaded = load("intune_AppInvRawData.csv")
    win = find(loaded, "3CX Desktop App", "windows")
    # Three rows, but LAP-0042 is listed twice (two users): two devices.
    assert (win.devices, win.hosts, win.line, win.version) == (
        2,
        ("LAP-0007", "LAP-0042"),
        2,
        "18.12.416.0",
    )
    assert len(loaded.items) == 3


def test_device_counts_are_summed_and_first_spelling_kept(tmp_path: Path):
    path = write(
        tmp_path,
        "ApplicationName,ApplicationPublisher,ApplicationVersion,DeviceCount\n"
        "Google Chrome,Google LLC,120.0,1 200\n"
        "google chrome,GOOGLE LLC,120.0,34\n"
        "Google Chrome,Google LLC,121.0,5\n",
    )
    loaded = load_inventory(path, "c")
    assert [(i.product, i.vendor, i.version, i.devices, i.line) for i in loaded.items] == [
        ("Google Chrome", "Google LLC", "120.0", 1234, 2),
        ("Google Chrome", "Google LLC", "121.0", 5, 4),
    ]


def test_same_name_from_two_publishers_stays_two_items(tmp_path: Path):
    path = write(tmp_path, "product,vendor,version\nDesktop App,3CX,1.0\nDesktop App,Foo,1.0\n")
    assert len(load_inventory(path, "c").items) == 2


# -- bad rows -------------------------------------------------------------------------------


def test_bad_rows_are_reported_with_file_and_line_and_the_rest_load():
    loaded = load("bad_rows.csv")
    where = str(FIXTURES / "bad_rows.csv")
    assert loaded.problems == (
        f"{where} line 3: no product name in column 'product'; row skipped (fill it in or remove the row)",
        f"{where} line 4: no version in column 'version'; kept with an unknown version, so "
        "advisories for it say 'check manually' (fill it in)",
        f"{where} line 6: device count 'many' in column 'devices' is not a whole number; counted as 1",
        f"{where} line 7: 7 values but the header has 6; row skipped (a value probably holds an unquoted delimiter)",
        f"{where} line 6: platform 'Solaris' not recognised (1 row); treated as any platform "
        "(use Windows, macOS, Linux, iOS or Android)",
    )
    chrome = find(loaded, "Google Chrome")
    assert (chrome.devices, chrome.line) == (13, 2)
    assert find(loaded, "Zoom").devices == 1
    # An installed product of unknown version is kept: it must be checked, never passed over.
    edge = find(loaded, "Microsoft Edge")
    assert (edge.version, edge.devices) == ("", 5)


def test_formula_looking_cells_are_kept_as_plain_text():
    loaded = load("bad_rows.csv")
    assert find(loaded, '=HYPERLINK("http://example.invalid")').vendor == "Evil Corp"


def test_very_long_cells_skip_their_row_only(tmp_path: Path):
    huge = "x" * 200_000  # beyond the csv module's field limit
    path = write(tmp_path, f'product,version\n{"y" * 600},1.0\n"{huge}",1.0\nZoom,5.16\n')
    loaded = load_inventory(path, "c")
    assert [i.product for i in loaded.items] == ["Zoom"]
    assert loaded.problems[0].startswith(f"{path} line 2: a value is longer than 512 characters")
    assert loaded.problems[1].startswith(f"{path} line 3: unreadable (field larger than")


def test_a_flood_of_bad_rows_is_summarised(tmp_path: Path):
    path = write(tmp_path, "product,version\n" + ",1.0\n" * 500 + "Zoom,5.16\n")
    loaded = load_inventory(path, "c")
    assert [i.product for i in loaded.items] == ["Zoom"]
    assert len(loaded.problems) == 51
    assert loaded.problems[-1] == (
        f"{path}: 450 more problems not shown (the first 50 are above; fix those and load again)"
    )


def test_the_summary_line_counts_every_problem_not_shown(tmp_path: Path):
    """40 bad rows and 15 unknown platforms: 50 shown, and the summary counts the other 5."""
    rows = ",1.0,Windows\n" * 40 + "".join(f"Zoom,5.16,OS-{n}\n" for n in range(15))
    path = write(tmp_path, "product,version,platform\n" + rows)
    loaded = load_inventory(path, "c")
    assert len(loaded.problems) == 51
    assert "platform 'OS-9' not recognised" in loaded.problems[49]
    assert loaded.problems[-1] == (
        f"{path}: 5 more problems not shown (the first 50 are above; fix those and load again)"
    )


def test_one_problem_not_shown_is_counted_in_the_singular(tmp_path: Path):
    path = write(tmp_path, "product,version\n" + ",1.0\n" * 51 + "Zoom,5.16\n")
    assert load_inventory(path, "c").problems[-1] == (
        f"{path}: 1 more problem not shown (the first 50 are above; fix those and load again)"
    )


# -- stray quotes ---------------------------------------------------------------------------
# A quote opening a value runs on to the next quote in the file, swallowing the rows between
# into that one value. Loading the rest would drop those rows without a word, so the file is
# refused: its council's run fails and none of its exposures is marked remediated.

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo"
WESSEX = DEMO / "inventories" / "wessex-intune-appinvrawdata.csv"
STRAY_QUOTE = "fix or remove the stray quote and export again"


def wessex_with_macs_last() -> list[str]:
    """The demo's Intune raw export, its three Mac 3CX rows moved to the end (lines 26-28)."""
    header, *rows = WESSEX.read_text().splitlines(keepends=True)
    macs = [r for r in rows if "MacMDM" in r]
    assert len(macs) == 3
    return [header, *(r for r in rows if r not in macs), *macs]


def refused(path: Path) -> InventoryError:
    with pytest.raises(InventoryError) as err:
        load_inventory(path, "wessex")
    assert err.value.hint == STRAY_QUOTE
    assert "\n" not in str(err.value)
    return err.value


def test_an_unclosed_quote_refuses_the_file_naming_its_line(tmp_path: Path):
    lines = wessex_with_macs_last()
    assert lines[12].endswith(",Staff 12\n") and "3CX" in lines[12]
    lines[12] = lines[12].replace(",Staff 12", ',"Staff 12')
    path = write(tmp_path, "".join(lines))
    assert refused(path).message == (
        f"{path} line 13: a quote opened here is never closed, so the 15 lines after it read as one value"
    )


def test_an_unclosed_quote_on_the_last_line_refuses_the_file(tmp_path: Path):
    path = write(tmp_path, 'product,version,comment\nZoom,5.16,ok\nSlack,4.35,"half\n')
    assert refused(path).message == f"{path} line 3: a quote opened here is never closed"


@pytest.mark.parametrize(
    ("closing", "last"),
    [
        ("Google Chrome", 21),  # a quoted product many rows later closes it
        ("Staff 3", 7),  # the next row's quoted user name closes it, column for column
        ("d-win-3", 7),  # the next row's quoted device id, before the stray quote's column
    ],
)
def test_a_stray_quote_closed_by_a_later_quote_refuses_the_file(tmp_path: Path, closing: str, last: int):
    lines = WESSEX.read_text().splitlines(keepends=True)
    lines[5] = lines[5].replace(",Staff 2", ',"Staff 2')
    line = next(n for n in range(last - 1, len(lines)) if closing in lines[n])
    lines[line] = lines[line].replace(closing, f'"{closing}"', 1)
    path = write(tmp_path, "".join(lines))
    assert refused(path).message == (
        f"{path} line 6: a quote opened here runs on to line {last}, so lines 6-{last} read as one value"
    )


def test_a_stray_quote_longer_than_csv_allows_refuses_the_file(tmp_path: Path):
    """Past csv's 128 KB value limit the reader gives up mid-file; those rows are gone too."""
    rows = "".join(f"App {n},1.{n},User {n}\n" for n in range(20_000))
    path = write(tmp_path, 'product,version,user\nZoom,5.16,"Bob\n' + rows + 'Slack,4.35,"Ann"\n')
    message = refused(path).message
    assert message.startswith(f"{path} line 2: a quote opened here runs on past line ")


def test_a_quoted_value_over_several_lines_loads(tmp_path: Path):
    """Exports quote a comment that holds line breaks; such a value is kept, not refused."""
    path = write(
        tmp_path,
        "Software,Version,Comments,AssetName\r\n"
        '"Zoom","5.16","Installed by IT, for the\r\nhelpdesk; see ticket 42","PC-1"\r\n'
        '"Slack","4.35","","PC-2"\r\n',
    )
    loaded = load_inventory(path, "c")
    assert [(i.product, i.hosts, i.line) for i in loaded.items] == [("Zoom", ("PC-1",), 2), ("Slack", ("PC-2",), 4)]
    assert loaded.problems == ()


def test_a_stray_quote_fails_that_council_and_closes_none_of_its_exposures(tmp_path: Path):
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("data"))
    shutil.copytree(DEMO.parent.parent / "rules", tmp_path / "rules")
    config = folder / "feeds.toml"
    config.write_text(config.read_text().replace('rules = "../../rules"', 'rules = "../rules"'))
    assert main(["run", "--once", "--config", str(config)]) == 0
    inventory = folder / "inventories" / WESSEX.name
    inventory.write_text("".join(wessex_with_macs_last()).replace(",Staff 12\n", ',"Staff 12\n', 1))
    assert main(["run", "--once", "--config", str(config)]) == 1
    with Store.open(folder / "data" / "state.sqlite3") as store:
        wessex = [e for e in store.exposures() if e.council_id == "wessex"]
    assert wessex and all(e.remediated_at is None for e in wessex)


def test_header_without_rows_is_reported(tmp_path: Path):
    path = write(tmp_path, "product,version\n\n")
    assert load_inventory(path, "c") == InventoryLoad((), (f"{path}: has a header but no rows",))


# -- encodings ------------------------------------------------------------------------------


def test_windows_1252_is_read_and_reported(tmp_path: Path):
    path = write(tmp_path, "product,vendor,version\nLecteur PDF,Société Générale,1.0\n", encoding="cp1252")
    loaded = load_inventory(path, "c")
    assert loaded.items[0].vendor == "Société Générale"
    assert loaded.problems == (
        f"{path}: not UTF-8 (first bad byte on line 2); read as "
        "Windows-1252 (cp1252) (check accented names, or export as "
        "UTF-8)",
    )


def test_utf8_with_bom_is_read_silently(tmp_path: Path):
    path = write(tmp_path, "product,vendor,version\nLecteur,Société,1.0\n", encoding="utf-8-sig")
    loaded = load_inventory(path, "c")
    assert (loaded.items[0].vendor, loaded.problems) == ("Société", ())


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_unicode_text_from_excel_is_read(tmp_path: Path, encoding: str):
    path = write(tmp_path, "Software\tVersion\r\nMicrosoft Edge\t120.0\r\n", encoding=encoding)
    loaded = load_inventory(path, "c")
    assert [(i.product, i.version) for i in loaded.items] == [("Microsoft Edge", "120.0")]


# -- CycloneDX ------------------------------------------------------------------------------


def test_cdxgen_windows_programs_bom_loads_with_decoded_names():
    loaded = load("cyclonedx-obom_cdxgen-windows11_programs-excerpt.json")
    assert loaded.problems == ()
    assert len(loaded.items) == 56
    assert {i.platform for i in loaded.items} == {"windows"}  # from metadata.component
    edge = find(loaded, "Microsoft Edge")
    assert (edge.version, edge.vendor, edge.purl) == (
        "116.0.1938.62",
        "Microsoft Corporation",
        "pkg:swid/Microsoft+Edge@116.0.1938.62",
    )
    assert find(loaded, "Microsoft Edge WebView2 Runtime").version == "116.0.1938.62"
    assert find(loaded, "Python 3.11.4 (64-bit)").version == "3.11.4150.0"
    assert find(loaded, "Microsoft Edge Update").vendor == ""


def test_laravel_sbom_loads_packages_with_purls_on_any_platform():
    loaded = load("cyclonedx-sbom_laravel-7.12.0_bom.1.4.json")
    assert len(loaded.items) == 62
    framework = find(loaded, "laravel/framework")
    assert (framework.platform, framework.purl) == ("any", "pkg:composer/laravel/framework@v7.30.6")


def test_nested_components_and_os_component_are_handled(tmp_path: Path):
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "components": [
            {"type": "operating-system", "name": "ubuntu", "version": "22.04"},
            {
                "type": "application",
                "name": "app",
                "version": "1.0",
                "supplier": {"name": "Acme"},
                "components": [
                    {
                        "type": "library",
                        "name": "log4j-core",
                        "version": "2.14.1",
                        "group": "org.apache.logging.log4j",
                        "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                    },
                    {"type": "library", "name": "noversion"},
                ],
            },
        ],
    }
    path = write(tmp_path, json.dumps(bom), "bom.json")
    loaded = load_inventory(path, "c")
    assert [(i.product, i.version, i.platform, i.vendor) for i in loaded.items] == [
        ("app", "1.0", "linux", "Acme"),
        ("org.apache.logging.log4j:log4j-core", "2.14.1", "linux", ""),
        ("noversion", "", "linux", ""),
    ]
    assert loaded.problems == (
        f"{path} component 4 ('noversion'): no version; kept with an unknown version (add it to the BOM)",
    )


def test_vex_without_components_is_refused():
    with pytest.raises(InventoryError, match="without components"):
        load("cyclonedx-vex_cisa-case-1_vex-affected.json")


# -- unusable files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04rest-of-zip", "an Excel workbook or ZIP file, not CSV or JSON"),
        (b"Company,Name,Asset Tag\nAcme,Backhoe,ICC-1\n", "no product column in the header"),
        (b"<!DOCTYPE html><html>Sign in</html>\n", "HTML or XML, not a CSV export"),
        (b"product,vendor\nZoom,Zoom\n", "no version column in the header"),
        (b"  \n\n", "the file is empty"),
        (b'{"bomFormat": "CycloneDX", "components": [', "not valid JSON"),
        (b'{"content": {"softwares": []}}', "JSON but not a CycloneDX BOM"),
    ],
)
def test_unusable_files_raise_with_a_hint(tmp_path: Path, content: bytes, message: str):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(InventoryError) as err:
        load_inventory(path, "c")
    assert err.value.message.startswith(str(path)) and message in err.value.message
    assert err.value.hint


def test_no_product_column_hint_lists_the_accepted_headers(tmp_path: Path):
    path = write(tmp_path, "Name,Version\nBackhoe,1\n")
    with pytest.raises(InventoryError) as err:
        load_inventory(path, "c")
    for header in ("ApplicationName", "ProductName0", "Software", "DisplayName", "product"):
        assert header in err.value.hint


def test_missing_and_oversized_files_raise(tmp_path: Path):
    with pytest.raises(InventoryError, match="not found"):
        load_inventory(tmp_path / "missing.csv", "c")
    path = write(tmp_path, "product,version\n" + "Zoom,5.16\n" * 200)
    with pytest.raises(InventoryError, match="larger than 0 MB"):
        load_inventory(path, "c", max_bytes=1000)


# -- speed ----------------------------------------------------------------------------------


def test_a_5000_row_export_loads_quickly(tmp_path: Path):
    header = (
        "ApplicationKey,ApplicationName,ApplicationPublisher,ApplicationShortVersion,"
        "ApplicationVersion,DeviceId,DeviceName,EmailAddress,OSDescription,OSVersion,"
        "Platform,UserId,UserName\n"
    )
    rows = "".join(
        f"k{n % 300},App {n % 300},Vendor {n % 40} Ltd,{n % 7}.0,{n % 7}.0.{n % 3},d{n},"
        f"PC-{n % 900:04d},u{n}@example.gov.uk,Microsoft Windows 11 Enterprise,10.0.22631,"
        f"Windows,u{n},User {n}\n"
        for n in range(5000)
    )
    path = write(tmp_path, header + rows)
    started = time.perf_counter()
    loaded = load_inventory(path, "c")
    elapsed = time.perf_counter() - started
    assert loaded.problems == ()
    assert sum(i.devices for i in loaded.items) == 5000
    assert elapsed < 1.0  # about 0.02 s on a laptop


def test_a_council_platform_fills_only_what_the_export_says_nothing_about(tmp_path: Path):
    """[[councils]] platform: a software report without an OS column runs that platform; an
    export that has the column keeps what it says, and a cell it cannot read stays unknown
    (a Chromebook in a Windows estate is not a Windows PC); so does a BOM naming its OS."""
    bare = tmp_path / "lansweeper.csv"
    bare.write_text("AssetName,Software,Version,Publisher\nPC-1,Zoom,6.1.0,Zoom\n")
    assert [i.platform for i in load_inventory(bare, "c", platform="windows").items] == ["windows"]
    assert [i.platform for i in load_inventory(bare, "c").items] == ["any"]
    with_os = tmp_path / "with_os.csv"
    with_os.write_text("product,vendor,version,platform\nZoom,Zoom,6.1.0,macOS 14.2\n"
                       "Zoom,Zoom,6.1.1,\nZoom,Zoom,6.1.2,Chrome OS Flex\n")
    loaded = load_inventory(with_os, "c", platform="windows")
    assert {i.version: i.platform for i in loaded.items} == {"6.1.0": "macos", "6.1.1": "any", "6.1.2": "any"}
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.5",
           "components": [{"type": "application", "name": "curl", "version": "8.4.0"}]}
    sbom = tmp_path / "sbom.json"
    sbom.write_text(json.dumps(bom))
    assert [i.platform for i in load_inventory(sbom, "c", platform="windows").items] == ["windows"]
    bom["metadata"] = {"component": {"type": "operating-system", "name": "macOS"}}
    sbom.write_text(json.dumps(bom))
    assert [i.platform for i in load_inventory(sbom, "c", platform="windows").items] == ["macos"]


def test_a_bom_naming_an_operating_system_we_cannot_place_says_so(tmp_path: Path):
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.5",
           "metadata": {"component": {"type": "operating-system", "name": "Haiku R1"}},
           "components": [{"type": "application", "name": "curl", "version": "8.4.0"}]}
    sbom = tmp_path / "sbom.json"
    sbom.write_text(json.dumps(bom))
    loaded = load_inventory(sbom, "c", platform="windows")
    assert [i.platform for i in loaded.items] == ["any"]  # unknown, not the council's platform
    assert any("operating system 'Haiku R1' not recognised" in p for p in loaded.problems)
