"""The CSV loader's aggregation against a plain reference, and what its fast paths must keep."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisories.errors import InventoryError
from advisories.inventory import load_inventory, normalise_platform
from advisories.inventory._common import _ITEM_FIELDS
from advisories.models import InventoryItem

PRODUCTS = ["Google Chrome", "google chrome", "GOOGLE CHROME", "Zoom", " Zoom ", "Straße App", "STRASSE APP", ""]
VENDORS = ["Google LLC", "google llc", "Zoom", "", "Acme"]
VERSIONS = ["120.0", "120.0 ", "1.2.3", "", "v2"]
PLATFORMS = ["Windows", "windows 11", "macOS", "", "Solaris", "unknown", "Linux"]
COUNTS = ["", "1", "3", "1,234", "1 234", "\u00a012", "+5", "1_000", "-2", "many", "0"]
HOSTS = ["", "PC-01", "PC-02", "pc-01"]

Row = tuple[str, str, str, str, str, str]


def reference(rows: list[Row]) -> list[tuple[object, ...]]:
    """What the loader should make of plain rows (line 1 is the header), written plainly:
    rows summed per (product, vendor, version, platform), product and vendor compared
    case-insensitively and kept as first seen, a host counted once, a given count added."""
    items: dict[tuple[str, str, str, str], dict[str, object]] = {}
    hosts_of: dict[tuple[str, str, str, str], set[str]] = {}
    for line, cells in enumerate(rows, start=2):
        product, vendor, version, platform, count, host = (cell.strip() for cell in cells)
        if not product:
            continue  # skipped (and reported)
        platform = normalise_platform(platform)
        key = (product.casefold(), vendor.casefold(), version, platform)
        if key not in items:
            items[key] = {
                "product": product,
                "vendor": vendor,
                "version": version,
                "platform": platform,
                "devices": 0,
                "line": line,
            }
            hosts_of[key] = set()
        devices = None
        if count:
            try:
                devices = int(re.sub(r"[,\s\u00a0]", "", count))
            except ValueError:
                devices = 1
            if devices < 0:
                devices = 1
        item, hosts = items[key], hosts_of[key]
        if devices is not None:
            item["devices"] += devices  # type: ignore[operator]
        elif not host or host not in hosts:
            item["devices"] += 1  # type: ignore[operator]
        if host:
            hosts.add(host)
    return [
        (i["product"], i["vendor"], i["version"], i["platform"], i["devices"], tuple(sorted(hosts_of[k])), i["line"])
        for k, i in items.items()
    ]


def written(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("product", "vendor", "version", "platform", "devices", "hostname"))
    writer.writerows(rows)
    return out.getvalue()


rows_strategy = st.lists(
    st.tuples(*(st.sampled_from(values) for values in (PRODUCTS, VENDORS, VERSIONS, PLATFORMS, COUNTS, HOSTS))),
    min_size=1,
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(rows_strategy)
def test_the_loader_sums_rows_as_the_plain_reference_does(
    tmp_path_factory: pytest.TempPathFactory, rows: list[Row]
) -> None:
    path = tmp_path_factory.mktemp("inv") / "inventory.csv"
    path.write_text(written(rows), encoding="utf-8")
    loaded = load_inventory(path, "c")
    got = [(i.product, i.vendor, i.version, i.platform, i.devices, i.hosts, i.line) for i in loaded.items]
    assert got == reference(rows)
    assert all(i.council_id == "c" and i.source == str(path) for i in loaded.items)


def test_strings_shared_across_rows_are_one_object_each(tmp_path: Path) -> None:
    """Interned per load: a product, vendor, version or host written on many rows is kept once."""
    path = tmp_path / "inventory.csv"
    path.write_text(
        "product,vendor,version,platform,hostname\n"
        "Zoom,Zoom Inc,6.1.0,Windows,PC-01\n"
        "Zoom,Zoom Inc,6.1.1,Windows,PC-01\n"
        "Teams,Microsoft,6.1.0,macOS,PC-01\n",
        encoding="utf-8",
    )
    zoom_old, zoom_new, teams = load_inventory(path, "c").items
    assert zoom_old.product is zoom_new.product and zoom_old.vendor is zoom_new.vendor
    assert zoom_old.version is teams.version
    assert zoom_old.hosts[0] is zoom_new.hosts[0] is teams.hosts[0]


def test_items_built_slot_by_slot_equal_the_constructors(tmp_path: Path) -> None:
    """The aggregator sets InventoryItem's slots itself: every field, in the dataclass's order."""
    assert tuple(f.name for f in fields(InventoryItem)) == _ITEM_FIELDS
    path = tmp_path / "inventory.csv"
    path.write_text("product,vendor,version,devices,hostname\nZoom,Zoom Inc,6.1.0,,PC-01\nZoom,Zoom Inc,6.1.1,4,\n")
    for item in load_inventory(path, "c", platform="windows").items:
        assert item == InventoryItem(**{name: getattr(item, name) for name in _ITEM_FIELDS})
        assert hash(item) == hash(InventoryItem(**{name: getattr(item, name) for name in _ITEM_FIELDS}))


ODD_LINES = ["", "Zoom,Zoom,1.0", "Zoom,Zoom,1.0,Windows,1,x", '"Zoom\nDesktop",Zoom,1.0,Windows,2', "  ,Acme,1.0,,"]
# Mostly usable rows, so that whole blocks of them are read a column at a time, among rows
# that need a report or a look (the pools above) and records that are not plain rows.
good_rows = st.tuples(
    st.sampled_from(["Zoom", "Teams", " Zoom", "zoom", "Google Chrome"]),
    st.sampled_from(["Zoom Inc", "", "ZOOM INC", "Microsoft"]),
    st.sampled_from([f"1.{n}" for n in range(40)] + ["1.0 "]),
    st.sampled_from(["Windows", "macOS", "", "Linux", " windows", "Solaris", " Solaris", "HP-UX"]),
    st.sampled_from(["", "1", "7", " 2 ", "0"]),
)
odd_rows = st.one_of(
    st.tuples(*(st.sampled_from(values) for values in (PRODUCTS, VENDORS, VERSIONS, PLATFORMS, COUNTS))),
    st.sampled_from(ODD_LINES),
)
plain_lines = st.lists(st.one_of(*[good_rows] * 30, odd_rows), min_size=100, max_size=700)


def _load_both(path: Path) -> tuple[object, object]:
    """What load_inventory makes of `path` with and without `_RowReader.read_plain`."""
    from advisories.inventory import csv_exports

    def outcome() -> object:
        try:
            load = load_inventory(path, "c")
        except InventoryError as exc:
            return str(exc)
        return [tuple(getattr(i, f) for f in _ITEM_FIELDS) for i in load.items], load.problems

    fast = outcome()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_exports._RowReader, "read_plain", lambda self, reader, offset: self.read_rows(reader, offset))
        general = outcome()
    return fast, general


@settings(max_examples=100, deadline=None)
@given(plain_lines)
def test_the_plain_layouts_block_path_reads_as_the_row_by_row_path(
    tmp_path_factory: pytest.TempPathFactory, lines: list[tuple[str, ...] | str]
) -> None:
    """No host column, one platform column: rows are read a block at a time (`read_plain`),
    with the same items, lines, problems and order as the row-by-row path."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    out.write("product,vendor,version,platform,devices\n")
    for line in lines:
        if isinstance(line, str):
            out.write(line + "\n")
        else:
            writer.writerow(line)
    path = tmp_path_factory.mktemp("inv") / "inventory.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    fast, general = _load_both(path)
    assert fast == general
