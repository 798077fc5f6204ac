"""What every inventory format shares: the problem report and the per-product aggregation."""

from __future__ import annotations

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


class _Acc:
    """One (product, vendor, version, platform) being summed over rows."""

    __slots__ = (
        "cpe",
        "devices",
        "hosts",
        "line",
        "platform",
        "product",
        "purl",
        "vendor",
        "version",
    )

    def __init__(
        self,
        product: str,
        vendor: str,
        version: str,
        platform: str,
        line: int,
        purl: str | None,
        cpe: str | None,
    ) -> None:
        self.product, self.vendor, self.version = product, vendor, version
        self.platform, self.line, self.purl, self.cpe = platform, line, purl, cpe
        self.devices = 0
        self.hosts: set[str] = set()


class Aggregator:
    """Sums rows per (product, vendor, version, platform) into InventoryItems.

    Product and vendor are compared case-insensitively; the strings kept are those of the
    first row seen, and `line` is that row's line. The vendor is part of the key so that two
    publishers' "Desktop App" never merge into one item.

    Devices: a row's explicit count (DeviceCount) is added as given; a row naming a host counts
    that host once however often it repeats (raw exports list a device once per user); any
    other row counts 1.
    """

    def __init__(self, council_id: str, source: str) -> None:
        self.council_id = council_id
        self.source = source
        self._acc: dict[tuple[str, str, str, str, str | None, str | None], _Acc] = {}

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
        acc = self._acc.get(key)
        if acc is None:
            acc = self._acc[key] = _Acc(product, vendor, version, platform, line, purl, cpe)
        if devices is not None:
            acc.devices += devices
        elif not host or host not in acc.hosts:
            acc.devices += 1
        if host:
            acc.hosts.add(host)

    def items(self) -> tuple[InventoryItem, ...]:
        return tuple(
            InventoryItem(
                council_id=self.council_id,
                product=a.product,
                version=a.version,
                platform=a.platform,
                vendor=a.vendor,
                devices=a.devices,
                hosts=tuple(sorted(a.hosts)),
                source=self.source,
                line=a.line,
                purl=a.purl,
                cpe=a.cpe,
            )
            for a in self._acc.values()
        )
