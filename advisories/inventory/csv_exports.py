"""CSV exports from Intune, ConfigMgr, Lansweeper, Add/Remove Programs, and our plain form.

Headers are matched case-insensitively, ignoring spaces, underscores and a BOM, and used as
they come from each tool (see HEADERS). ConfigMgr and Add/Remove Programs list Windows
software only, so their rows are Windows unless an OS column says otherwise; every other
export without a platform column gives "any" (platform unknown).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import add, itemgetter
from typing import TYPE_CHECKING

from advisories.errors import InventoryError
from advisories.inventory._common import MAX_CELL, Aggregator, Problems
from advisories.inventory.platforms import classify_platform

if TYPE_CHECKING:
    from _csv import Reader

# (field, header as the tool writes it, where it comes from); earlier wins within a field.
HEADERS: tuple[tuple[str, str, str], ...] = (
    ("product", "ApplicationName", "Intune AppInvAggregate, AppInvRawData, DiscoveredAppsRawData"),
    ("product", "ProductName0", "ConfigMgr v_GS_INSTALLED_SOFTWARE"),
    (
        "product",
        "ARPDisplayName0",
        "ConfigMgr v_GS_INSTALLED_SOFTWARE (when ProductName0 is blank)",
    ),
    ("product", "Product Name", "ConfigMgr report"),
    ("product", "Software", "Lansweeper report"),
    ("product", "softwareName", "Lansweeper tblSoftwareUni"),
    ("product", "DisplayName", "Add/Remove Programs (registry, PowerShell)"),
    ("product", "product", "plain"),
    ("vendor", "ApplicationPublisher", "Intune"),
    ("vendor", "Publisher0", "ConfigMgr"),
    ("vendor", "Publisher", "ConfigMgr report, Lansweeper, Add/Remove Programs"),
    ("vendor", "SoftwarePublisher", "Lansweeper tblSoftwareUni"),
    ("vendor", "vendor", "plain"),
    ("version", "ApplicationVersion", "Intune"),
    ("version", "ProductVersion0", "ConfigMgr"),
    ("version", "DisplayVersion", "Add/Remove Programs"),
    ("version", "softwareVersion", "Lansweeper tblSoftware"),
    ("version", "Version", "ConfigMgr report, Lansweeper, plain"),
    # Not ApplicationShortVersion: "18.12" for 18.12.416 would read as 18.12.0 and could be
    # judged "not affected"; a blank ApplicationVersion stays unknown ("check manually").
    ("platform", "Platform", "Intune, plain"),
    ("platform", "OSDescription", "Intune AppInvRawData, DiscoveredAppsRawData"),
    ("platform", "OSname", "Lansweeper tsysOS"),
    ("platform", "Caption0", "ConfigMgr v_GS_OPERATING_SYSTEM"),
    ("platform", "Operating System", "reports"),
    ("platform", "OS", "reports"),
    ("devices", "DeviceCount", "Intune AppInvAggregate"),
    ("devices", "devices", "plain"),
    ("host", "DeviceName", "Intune AppInvRawData, DiscoveredAppsRawData"),
    ("host", "Name0", "ConfigMgr v_R_System"),
    ("host", "Computer Name", "ConfigMgr report"),
    ("host", "AssetName", "Lansweeper"),
    ("host", "PSComputerName", "Add/Remove Programs over PowerShell remoting"),
    ("host", "hostname", "plain"),
)
# Product columns only Windows tools write (the registry's uninstall keys, ConfigMgr).
_WINDOWS_ONLY = frozenset({"productname0", "arpdisplayname0", "productname", "displayname"})
_FIELDS = ("product", "vendor", "version", "platform", "devices", "host")
_HEADER_SEARCH = 10  # rows to look through for the header (report titles come first)
_DELIMITERS = (",", ";", "\t", "|")
# Read after the file's last line. csv's lenient mode ends a quoted value that is never closed
# at the end of the file without a word; with this mark after the end, such a value ends in
# the mark instead. decode() removes NUL from every file, so the mark is never real data.
_END = "\x00"
_STRAY_QUOTE = "fix or remove the stray quote and export again"
_BLOCK = 128  # plain rows `_RowReader.read_plain` gathers before adding them a column at a time


def _norm(header: str) -> str:
    return re.sub(r"[\s_.\-]", "", header.replace("\ufeff", "").casefold())


_LOOKUP = {_norm(header): (field, rank) for rank, (field, header, _) in enumerate(HEADERS)}


def accepted_headers(field: str) -> str:
    """The headers accepted for one field, for error hints."""
    return ", ".join(f"{h} ({src})" for f, h, src in HEADERS if f == field)


@dataclass(frozen=True, slots=True)
class _Layout:
    """Which columns hold what, in priority order, for one file's header."""

    columns: dict[str, tuple[int, ...]]
    names: tuple[str, ...]
    default_platform: str

    def label(self, field: str) -> str:
        return " or ".join(f"'{self.names[i]}'" for i in self.columns[field])


def _layout(header: list[str], platform: str = "any") -> _Layout | None:
    """`platform`: what the rows run when the header has no platform column."""
    found: dict[str, list[tuple[int, int]]] = {f: [] for f in _FIELDS}
    for index, cell in enumerate(header):
        hit = _LOOKUP.get(_norm(cell))
        if hit:
            found[hit[0]].append((hit[1], index))
    if not found["product"]:
        return None
    columns = {f: tuple(i for _, i in sorted(found[f])) for f in _FIELDS}
    windows = not columns["platform"] and any(_norm(header[i]) in _WINDOWS_ONLY for i in columns["product"])
    default = "windows" if windows else "any" if columns["platform"] else platform
    return _Layout(columns, tuple(c.strip() for c in header), default)


def _known_columns(line: str, delimiter: str, needed: tuple[str, ...]) -> int:
    """How many cells of `line` are headers we know, or 0 unless they cover `needed`."""
    try:
        cells = next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return 0
    fields = [hit[0] for hit in map(_LOOKUP.get, map(_norm, cells)) if hit]
    return len(fields) if all(f in fields for f in needed) else 0


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that makes one of `lines` a header we know, else the first one seen.

    Judged on the header, not the first line: a report title such as "Installed software, all
    devices" above a semicolon header would otherwise choose the comma and hide the header.
    """
    # A header without a version column still fixes the delimiter, so the error names it.
    for needed in (("product", "version"), ("product",)):
        for line in lines:
            known = {d: _known_columns(line, d, needed) for d in _DELIMITERS}
            best = max(known, key=lambda d: known[d])
            if known[best]:
                return best
    for line in lines:
        counts = {d: line.count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        if counts[best]:
            return best
    return ","


def _preamble(text: str) -> tuple[int, str | None]:
    """Where the CSV starts and its delimiter, after an Excel "sep=;" or PowerShell "#TYPE" line.

    Returns (characters to skip, delimiter or None).
    """
    end = text.find("\n")
    marker = (text if end < 0 else text[:end]).strip()
    if marker.lower().startswith("sep=") and len(marker) == 5:
        return end + 1, marker[4]
    if marker.startswith("#TYPE "):
        return end + 1, None
    return 0, None


def _first(row: list[str], indices: tuple[int, ...]) -> str:
    for i in indices:
        if i < len(row):
            value = row[i].strip()
            if value:
                return value
    return ""


def _records(
    reader: Iterator[list[str]], problems: Problems, offset: int, line_num: Callable[[], int]
) -> Iterator[tuple[int, int, list[str]]]:
    """(first line, last line, cells) per record; unreadable records are reported and skipped.

    Raises InventoryError for a quote that swallows later lines into one value: skipping that
    "row" would silently drop every row it swallowed.
    """
    previous = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            previous = _unreadable(exc, problems, previous, line_num(), offset)
            continue
        start, previous = previous + 1 + offset, line_num()
        if row and row[-1].endswith(_END):
            if row == [_END]:
                return
            raise _unclosed(problems.source, start, row)
        if any(row):
            yield start, previous + offset, row


def _unreadable(exc: csv.Error, problems: Problems, previous: int, line_num: int, offset: int) -> int:
    """Report a record the csv module could not read (after line `previous`, up to its
    `line_num`) and return where the next starts. InventoryError when it spans lines: only a
    quoted value crosses a line end, and skipping it would drop every row it swallowed."""
    start = previous + 1 + offset
    if line_num - previous > 1:
        raise InventoryError(
            f"{problems.source} line {start}: a quote opened here runs on past line "
            f"{line_num + offset}, so lines {start}-{line_num + offset} read as one value",
            _STRAY_QUOTE,
        ) from None
    problems.add(f"line {start}", f"unreadable ({exc}); row skipped")
    return line_num


def _unclosed(source: str, start: int, row: list[str]) -> InventoryError:
    """The error for a quote that is never closed: the last value runs to the end of file."""
    line = start + sum(cell.count("\n") for cell in row[:-1])
    after = row[-1].removesuffix(_END).rstrip("\r\n").count("\n")
    lost = f", so the {_lines(after)} after it read as one value" if after else ""
    return InventoryError(f"{source} line {line}: a quote opened here is never closed{lost}", _STRAY_QUOTE)


def _lines(count: int) -> str:
    return "1 line" if count == 1 else f"{count} lines"


def _runs_on(source: str, start: int, row: list[str], cell: int) -> InventoryError:
    """The error for a stray quote in row[cell] that ran on to a later quote."""
    line = start + sum(value.count("\n") for value in row[:cell])
    last = line + row[cell].count("\n")
    what = f"a quote opened here runs on to line {last}, so lines {line}-{last} read as one value"
    return InventoryError(f"{source} line {line}: {what}", _STRAY_QUOTE)


def _swallowed(row: list[str], width: int, delimiter: str) -> int | None:
    """Which value a stray quote opened, when that value swallowed rows below it; else None.

    A value spans lines either because the export quoted a real multi-line value (a comment,
    a description) or because a stray quote ran on to the next quote in the file. Running on
    from one row into a later one takes in the rest of the first row's delimiters and the
    later row's up to that quote: so the record ends up with more values than the header, or
    the value holds at least a whole row's worth of delimiters. A real multi-line value
    rarely holds that many; when one does, refusing the file is the safe mistake.
    """
    spanning = [i for i, cell in enumerate(row) if "\n" in cell or "\r" in cell]
    for i in spanning:
        if row[i].count(delimiter) >= width - 1:
            return i
    if spanning and len(row) > width:
        return spanning[0]
    return None


class _RowReader:
    """Turns one file's records into aggregated items, reporting what it cannot use.

    Built for millions of rows (`read`): one loop over the csv reader, each row's cells taken
    by one itemgetter, each distinct platform cell classified once, device counts read by
    int() (the separators Excel writes are only stripped when int() refuses a cell). A record
    that is not a plain, usable row of the header's width goes to `record`, which reads it as
    the plain path would and says what is wrong with it.
    """

    def __init__(self, layout: _Layout, agg: Aggregator, problems: Problems, delimiter: str) -> None:
        self.layout, self.agg, self.problems, self.delimiter = layout, agg, problems, delimiter
        self.cols = layout.columns
        self.width = len(layout.names)
        self.unknown_platforms: dict[str, tuple[int, int]] = {}
        # Each field's first column, or `width`, an always-blank pad cell the row is given;
        # fall-back columns are only read when the first is blank.
        self.primary = tuple(self.cols[f][0] if self.cols[f] else self.width for f in _FIELDS)
        self.cells = itemgetter(*self.primary)
        self.fallbacks = tuple((n, self.cols[f][1:]) for n, f in enumerate(_FIELDS) if len(self.cols[f]) > 1)
        self.pad = [""] * (self.width + 1)
        # What each platform cell comes to when it needs no report (a file has a handful);
        # with several platform columns `platform` reads them all, row by row.
        self.single_platform = len(self.cols["platform"]) <= 1
        self.platforms: dict[str, str] = {}
        self._raw_platforms: dict[str, str] = {}  # the same, by the cell as read (`read_plain`)
        self._raw_unknown: dict[str, str] = {}  # a cell as read -> its value in `unknown_platforms`
        # `read_plain`: the fields (product, vendor, version, platform, devices) that have a
        # column, and a getter for their cells; `plain_getter` reads all five from a padded row.
        self.plain_fields = tuple(n for n in range(5) if self.cols[_FIELDS[n]])
        self.plain_cells = itemgetter(*(self.primary[n] for n in self.plain_fields))
        self.plain_getter = itemgetter(*self.primary[:5])
        self.seen = False  # a row after the header, usable or not

    def read(self, reader: Reader, offset: int) -> None:
        """Every record after the header (`reader.line_num` is the header's last line)."""
        if self.single_platform and not self.fallbacks and not self.cols["host"]:
            self.read_plain(reader, offset)
        else:
            self.read_rows(reader, offset)

    def read_rows(self, reader: Reader, offset: int) -> None:
        """`read` for any layout, one row at a time."""
        previous = reader.line_num
        width, cells, strip, long = self.width, self.cells, str.strip, MAX_CELL
        fallbacks, single, platforms, add = self.fallbacks, self.single_platform, self.platforms, self.agg.add
        while True:  # again after each record the csv module cannot read
            try:
                for row in reader:
                    line, now = previous + 1 + offset, reader.line_num
                    if len(row) != width or now - previous > 1:
                        previous = now
                        if not self.record(line, now + offset, row):
                            return
                        continue
                    previous = now
                    row.append("")  # the pad cell `primary` names for a field without a column
                    product, vendor, version, platform, count, host = map(strip, cells(row))
                    if fallbacks:
                        product, vendor, version, platform, count, host = self.fall_back(
                            row, [product, vendor, version, platform, count, host]
                        )
                    # No product, no version, or a value that may be too long: `record` says so.
                    if not (product and version) or len(product) + len(vendor) + len(version) + len(host) > long:
                        row.pop()
                        self.record(line, line, row)
                        continue
                    self.seen = True
                    found = platforms.get(platform) if single else None
                    if found is None:
                        found = self.platform(line, row, platform)
                    devices: int | None = None
                    if count:
                        try:
                            devices = int(count)
                        except ValueError:
                            devices = -1
                        if devices < 0:
                            devices = self.devices(line, count)
                    add(product, vendor, version, found, devices, host, line)
                return
            except csv.Error as exc:
                previous = _unreadable(exc, self.problems, previous, reader.line_num, offset)

    def read_plain(self, reader: Reader, offset: int) -> None:
        """`read` for the common layout: one platform column, no fall-back columns, no host
        column. Plain rows (the header's width, one line each) are gathered into blocks, and
        `block` handles each block a column at a time; every other record goes to `record`
        once the rows before it are added, so problems and items come in the same order."""
        width, size = self.width, _BLOCK
        rows: list[list[str]] = []
        add_row, record, flush = rows.append, self.record, self.block
        previous = reader.line_num
        while True:  # again after each record the csv module cannot read
            try:
                for row in reader:
                    now = reader.line_num
                    if len(row) == width and now - previous == 1:
                        previous = now
                        add_row(row)
                        if len(rows) >= size:
                            flush(previous + offset - size + 1, rows)
                            rows.clear()
                        continue
                    if rows:
                        flush(previous + offset - len(rows) + 1, rows)
                        rows.clear()
                    line, previous = previous + 1 + offset, now
                    if not record(line, now + offset, row):
                        return
                if rows:
                    flush(previous + offset - len(rows) + 1, rows)
                return
            except csv.Error as exc:
                if rows:
                    flush(previous + offset - len(rows) + 1, rows)
                    rows.clear()
                previous = _unreadable(exc, self.problems, previous, reader.line_num, offset)

    def block(self, line: int, rows: list[list[str]]) -> None:
        """Plain rows from `line` on, one line each: every field read a column at a time by
        map(), then the new items appended and the others' devices summed as `Aggregator.add`
        does. A block where any row needs a report, or its platform a look, is halved until
        such rows go one at a time to `plain_row`, in order."""
        self.seen = True
        fields = self.plain_fields
        got = dict(zip(fields, self.plain_cells(tuple(zip(*rows, strict=True))), strict=True))
        blank = ("",) * len(rows)
        strip = str.strip
        products = list(map(strip, got[0]))
        versions = list(map(strip, got[2]))
        vendors = list(map(strip, got[1])) if 1 in got else blank
        platforms: list[str | None] = list(map(self._raw_platforms.get, got.get(3, blank)))
        unknown: list[str] = []  # cells already reported as not recognised, one per such row
        if None in platforms:
            known, default = self._raw_unknown, self.layout.default_platform
            for n, cell in enumerate(got.get(3, blank)):
                if platforms[n] is None and cell in known:
                    platforms[n] = default
                    unknown.append(known[cell])
        devices: list[int] | tuple[int, ...] = (1,) * len(rows)
        plain = all(products) and all(versions) and None not in platforms
        if plain and 4 in got:
            try:
                devices = list(map(int, got[4]))
            except ValueError:
                plain = False
            else:
                plain = min(devices) >= 0
        if plain and max(map(len, products)) + max(map(len, versions)) + max(map(len, vendors)) > MAX_CELL:
            sums = map(add, map(add, map(len, products), map(len, versions)), map(len, vendors))
            plain = max(sums) <= MAX_CELL
        if not plain:  # halves until the rows that need a look are found, in order
            if len(rows) <= 16:
                for n, row in enumerate(rows, line):
                    self.plain_row(n, row)
            else:
                half = len(rows) // 2
                self.block(line, rows[:half])
                self.block(line + half, rows[half:])
            return
        for cell in unknown:
            first_line, seen = self.unknown_platforms[cell]
            self.unknown_platforms[cell] = (first_line, seen + 1)
        self.agg.add_rows(products, vendors, versions, platforms, line, devices)

    def plain_row(self, line: int, row: list[str]) -> None:
        """One row of `block` that needs a closer look: `read`'s checks, one row at a time."""
        row.append("")  # the pad cell `primary` names for a field without a column
        product, vendor, version, cell, count = self.plain_getter(row)
        product, vendor, version = product.strip(), vendor.strip(), version.strip()
        if not (product and version) or len(product) + len(vendor) + len(version) > MAX_CELL:
            row.pop()
            self.record(line, line, row)
            return
        platforms = self.platforms
        platform = self._raw_platforms.get(cell)
        if platform is None:
            stripped = cell.strip()
            platform = platforms.get(stripped)
            if platform is None:
                platform = self.platform(line, row, stripped)
            if stripped in platforms:
                self._raw_platforms[cell] = platform
            elif stripped in self.unknown_platforms:  # not recognised: counted by `block` from now on
                self._raw_unknown[cell] = stripped
        self.agg.add(product, vendor, version, platform, self.count(line, count), "", line)

    def count(self, line: int, cell: str) -> int:
        """A device count cell as `read_rows` reads it: 1 when blank (a row without a count),
        else `devices` when int() refuses it or it is negative."""
        count = cell.strip()
        if not count:
            return 1
        try:
            devices = int(count)
        except ValueError:
            devices = -1
        return devices if devices >= 0 else self.devices(line, count)

    def record(self, line: int, end: int, row: list[str]) -> bool:
        """One record that is not a plain, usable row (lines `line` to `end`); False at the
        end of the file."""
        if row and row[-1].endswith(_END):
            if row == [_END]:
                return False
            raise _unclosed(self.problems.source, line, row)
        if not any(row):
            return True  # a blank line
        self.seen = True
        if end > line and (cell := _swallowed(row, self.width, self.delimiter)) is not None:
            raise _runs_on(self.problems.source, line, row, cell)
        if len(row) > self.width:
            self.problems.add(
                f"line {line}",
                f"{len(row)} values but the header has {self.width}; row skipped (a value "
                "probably holds an unquoted delimiter)",
            )
            return True
        row.extend(self.pad[len(row) :])
        values = [row[i].strip() for i in self.primary]
        product, vendor, version, platform, count, host = self.fall_back(row, values)
        problem = self.check(product, vendor, version, host)
        if problem:
            self.problems.add(f"line {line}", problem)
            return True
        if not version:  # kept: an unknown version must still be checked, never "not affected"
            self.problems.add(
                f"line {line}",
                f"no version in column {self.layout.label('version')}; kept with an unknown "
                "version, so advisories for it say 'check manually' (fill it in)",
            )
        found = self.platforms.get(platform) if self.single_platform else None
        platform = found or self.platform(line, row, platform)
        devices = self.devices(line, count) if count else None
        self.agg.add(product, vendor, version, platform, devices, host, line)
        return True

    def fall_back(self, row: list[str], values: list[str]) -> list[str]:
        """`values` with each blank field read from its next columns (ConfigMgr's
        ARPDisplayName0 when ProductName0 is blank)."""
        for n, alternatives in self.fallbacks:
            values[n] = values[n] or _first(row, alternatives)
        return values

    def check(self, product: str, vendor: str, version: str, host: str) -> str:
        """Why a row cannot be used, or "" when it can."""
        todo = "row skipped (fill it in or remove the row)"
        if not product:
            return f"no product name in column {self.layout.label('product')}; {todo}"
        if max(len(product), len(vendor), len(version), len(host)) > MAX_CELL:
            return f"a value is longer than {MAX_CELL} characters; row skipped (check the columns)"
        return ""

    def platform(self, line: int, row: list[str], cell: str) -> str:
        """The row's platform: with one platform column, what `cell` (its value) names (and
        remembered when that needs no report); else the first platform column that names
        one. Unknown values are noted for `finish`."""
        if self.single_platform:
            found = classify_platform(cell)
            if found is not None:
                self.platforms[cell] = found if found != "any" else self.layout.default_platform
                return self.platforms[cell]
        for i in self.cols["platform"]:
            cell = row[i].strip()
            found = classify_platform(cell) if cell else "any"
            if found is None:
                first, count = self.unknown_platforms.get(cell, (line, 0))
                self.unknown_platforms[cell] = (first, count + 1)
            elif found != "any":
                return found
        return self.layout.default_platform

    def devices(self, line: int, cell: str) -> int:
        """A device count cell as a number; a bad one counts 1 and is reported."""
        try:
            count = int(re.sub(r"[,\s\u00a0]", "", cell))  # "1,234" and "1 234" from Excel
        except ValueError:
            count = -1
        if count < 0:
            self.problems.add(
                f"line {line}",
                f"device count {cell[:40]!r} in column {self.layout.label('devices')} is not a "
                "whole number; counted as 1",
            )
            return 1
        return count

    def finish(self) -> None:
        for value, (line, count) in self.unknown_platforms.items():
            rows = "1 row" if count == 1 else f"{count} rows"
            self.problems.add(
                f"line {line}",
                f"platform {value[:60]!r} not recognised ({rows});"
                " treated as any platform (use Windows, macOS, Linux, iOS or "
                "Android)",
            )


def parse_csv(text: str, agg: Aggregator, problems: Problems, platform: str = "any") -> None:
    """Add every usable row of a CSV export to `agg`; `platform`: what the rows run when the
    export has no platform column.

    InventoryError if there is no header, or a stray quote swallowed rows.
    """
    skip, delimiter = _preamble(text)
    offset = 1 if skip else 0
    head = [line for line in text[skip : skip + 65536].splitlines()[:_HEADER_SEARCH] if line.strip()]
    delimiter = delimiter or _sniff_delimiter(head)
    stream = io.StringIO(text)
    stream.seek(skip)
    reader = csv.reader(itertools.chain(stream, (_END,)), delimiter=delimiter)
    records = _records(reader, problems, offset, lambda: reader.line_num)
    layout, header_line = None, 0
    for header_line, _, header in records:
        found = _layout(header, platform)
        # A title such as "Software" reads as a product column too: the header has a version.
        if found is not None and (layout is None or found.columns["version"]):
            layout = found
        if (layout and layout.columns["version"]) or header_line - offset >= _HEADER_SEARCH:
            break
    if layout is None:
        raise _no_header(problems.source, head)
    if not layout.columns["version"]:
        raise InventoryError(
            f"{problems.source}: no version column in the header {list(layout.names)[:12]}",
            f"accepted version columns: {accepted_headers('version')}",
        )
    if header_line > 1 + offset:
        before = "line 1 comes" if header_line == 2 else f"lines 1-{header_line - 1} come"
        problems.add("", f"{before} before the header and {'was' if header_line == 2 else 'were'} ignored")
    rows = _RowReader(layout, agg, problems, delimiter)
    rows.read(reader, offset)
    rows.finish()
    if not rows.seen:
        problems.add("", "has a header but no rows")


def _no_header(source: str, head: list[str]) -> InventoryError:
    first = next((line for line in head if line.strip()), "")[:120]
    if first.lstrip().startswith("<"):
        return InventoryError(
            f"{source}: this is HTML or XML, not a CSV export",
            "download the export again; a login page may have been saved",
        )
    return InventoryError(
        f"{source}: no product column in the header (first line: {first!r})",
        f"accepted product columns: {accepted_headers('product')}",
    )
