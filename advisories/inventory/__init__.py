"""Inventory files -> InventoryItem, with a one-line report for every row that is skipped.

One entry point, `load_inventory`; one module per format behind it (csv_exports for the CSV
exports of Intune, ConfigMgr, Lansweeper, Add/Remove Programs and our plain form; cyclonedx
for CycloneDX JSON). Only a file that is unusable as a whole raises InventoryError.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from advisories.inventory._common import Aggregator, Problems
from advisories.inventory.csv_exports import HEADERS, parse_csv
from advisories.inventory.cyclonedx import load_json, parse_cyclonedx
from advisories.inventory.platforms import normalise_platform
from advisories.inventory.reading import MAX_BYTES, decode, read_bytes
from advisories.models import InventoryItem

__all__ = ["HEADERS", "MAX_BYTES", "InventoryLoad", "load_inventory", "normalise_platform"]


@dataclass(frozen=True, slots=True)
class InventoryLoad:
    """The items of one file, and the problems found (each names the file and the line)."""

    items: tuple[InventoryItem, ...]
    problems: tuple[str, ...]


def load_inventory(
    path: Path, council_id: str, *, max_bytes: int = MAX_BYTES, platform: str | None = None
) -> InventoryLoad:
    """Read one inventory export; rows sharing (product, vendor, version, platform) merge.
    `platform`: what the rows run when the file says nothing of platforms (no platform column,
    no operating-system component: the council's `platform`); None: unknown. A platform cell
    the loader cannot read stays unknown, and is reported.

    Raises InventoryError when the file is missing, too big, binary, neither CSV nor JSON, or
    has no product column. Bad rows are skipped and reported in `problems`.
    """
    source = str(path)
    data = read_bytes(path, max_bytes)
    problems = Problems(source)
    text = decode(data, problems)
    agg = Aggregator(council_id, source)
    if text.lstrip()[:1] in ("{", "["):
        parse_cyclonedx(load_json(text, source), agg, problems, platform or "any")
    else:
        parse_csv(text, agg, problems, platform or "any")
    return InventoryLoad(agg.items(), problems.result())
