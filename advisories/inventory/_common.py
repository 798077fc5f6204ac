"""What every inventory format shares: the problem report and the per-product aggregation."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress, count, repeat
from operator import eq, not_

from advisories.models import InventoryItem

MAX_PROBLEMS = 50  # per file; a 2-million-row export with a bad column must stay readable
MAX_CELL = 512  # characters in a product, vendor, version or host name


class Problems:
    """One-line reports for one file: where, what went wrong, and what to do."""

    def __init__(self, source: str, limit: int = MAX_PROBLEMS) -> None:
        self.source = source
        self.limit = limit
        self._shown: list[str] = []
        self._hidden = 0

    def add(self, where: str, message: str) -> None:
        """`where` is "line 14", "component 3 ('Foo')" or "" for the whole file."""
        if len(self._shown) >= self.limit:
            self._hidden += 1
            return
        place = f"{self.source} {where}" if where else self.source
        self._shown.append(f"{place}: {message}")

    def result(self) -> tuple[str, ...]:
        if not self._hidden:
            return tuple(self._shown)
        more = (
            f"{self.source}: {self._hidden} more problem{'' if self._hidden == 1 else 's'} not shown "
            f"(the first {self.limit} are above; fix those and load again)"
        )
        return (*self._shown, more)


# InventoryItem's slots, set directly: what its generated __init__ does, without binding eleven
# arguments and looking up object.__setattr__ for each (a quarter of building a sector's items).
# All of them are set, so an item built this way equals one from the constructor (a test pins it).
_ITEM_FIELDS = (
    "council_id", "product", "version", "platform", "vendor", "devices", "hosts", "source", "line", "purl", "cpe"
)
_SET_FIELD = tuple(getattr(InventoryItem, name).__set__ for name in _ITEM_FIELDS)


class Aggregator:
    """Sums rows per (product, vendor, version, platform) into InventoryItems.

    Product and vendor are compared case-insensitively; the strings kept are those of the
    first row seen, and `line` is that row's line. The vendor is part of the key so that two
    publishers' "Desktop App" never merge into one item.

    Devices: a row's explicit count (DeviceCount) is added as given; a row naming a host counts
    that host once however often it repeats (raw exports list a device once per user); any
    other row counts 1.

    Every string kept is interned per load: the items of one file share one object per distinct
    product, vendor, version and host name, instead of each keeping the copy its row was read
    into (hundreds of MB at sector scale).
    """

    def __init__(self, council_id: str, source: str) -> None:
        self.council_id = council_id
        self.source = source
        # Per item, in first-seen order: what its first row said (product, vendor, version,
        # platform, line, purl, cpe), its device count, and its hosts when rows name them.
        # Flat lists and tuples rather than an object per item: a 2-million-row load has one
        # item per distinct row, and the collector walks every object it tracks.
        self._index: dict[tuple[str, str, str, str, str | None, str | None], int] = {}
        self._first: list[tuple[str, str, str, str, int, str | None, str | None]] = []
        self._devices: list[int] = []
        self._hosts: dict[int, set[str]] = {}
        self._strings: dict[str, str] = {}

    def add(
        self,
        product: str,
        vendor: str,
        version: str,
        platform: str,
        devices: int | None,
        host: str,
        line: int,
        purl: str | None = None,
        cpe: str | None = None,
    ) -> None:
        key = (product.casefold(), vendor.casefold(), version, platform, purl, cpe)
        n = self._index.get(key)
        if n is None:
            n = self._index[key] = len(self._first)
            intern = self._strings.setdefault
            product, vendor, version = intern(product, product), intern(vendor, vendor), intern(version, version)
            self._first.append((product, vendor, version, platform, line, purl, cpe))
            self._devices.append(0)
        if host:
            hosts = self._hosts.get(n)
            if hosts is None:
                hosts = self._hosts[n] = set()
            if host in hosts:
                if devices is not None:
                    self._devices[n] += devices
                return
            hosts.add(self._strings.setdefault(host, host))
        self._devices[n] += 1 if devices is None else devices

    def add_rows(
        self,
        products: list[str],
        vendors: Sequence[str],
        versions: list[str],
        platforms: Sequence[str | None],
        line: int,
        devices: Sequence[int],
    ) -> None:
        """Rows on consecutive lines from `line`, each already stripped and checked, with an
        explicit device count and no host, purl or cpe: what `add` does for each in turn, a
        column at a time (the CSV reader's plain layout, a block of rows at once)."""
        index, first, totals, intern = self._index, self._first, self._devices, self._strings.setdefault
        fold = str.casefold
        keys = list(zip(map(fold, products), map(fold, vendors), versions, platforms, repeat(None), repeat(None)))
        base = len(first)
        ids = list(map(index.setdefault, keys, count(base)))  # a new key takes its row's place...
        new = list(map(eq, ids, count(base)))
        index.update(zip(compress(keys, new), count(base)))  # ...renumbered to its place among the new
        first.extend(zip(
            map(intern, compress(products, new), compress(products, new)),
            map(intern, compress(vendors, new), compress(vendors, new)),
            map(intern, compress(versions, new), compress(versions, new)),
            compress(platforms, new),
            compress(count(line), new),
            repeat(None),
            repeat(None),
        ))
        totals.extend(compress(devices, new))
        place = dict(zip(compress(count(base), new), count(base)))
        for n, more in compress(zip(ids, devices, strict=True), map(not_, new)):
            totals[place.get(n, n)] += more

    def items(self) -> tuple[InventoryItem, ...]:
        council, source, hosts = self.council_id, self.source, self._hosts
        new, item = object.__new__, InventoryItem
        s_council, s_product, s_version, s_platform, s_vendor, s_devices, s_hosts, s_source, s_line, s_purl, s_cpe = (
            _SET_FIELD
        )
        out = []
        for n, ((product, vendor, version, platform, line, purl, cpe), devices) in enumerate(
            zip(self._first, self._devices, strict=True)
        ):
            made = new(item)
            s_council(made, council)
            s_product(made, product)
            s_version(made, version)
            s_platform(made, platform)
            s_vendor(made, vendor)
            s_devices(made, devices)
            s_hosts(made, tuple(sorted(hosts[n])) if n in hosts else ())
            s_source(made, source)
            s_line(made, line)
            s_purl(made, purl)
            s_cpe(made, cpe)
            out.append(made)
        return tuple(out)
