"""Terms the matching modules share: row identities, findings, and the platform rule's text."""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from advisories.models import Advisory, AffectedProduct, Status

RowId = tuple[str, str, str, str, str | None, str | None]  # product, vendor, version, platform, purl, cpe
Identity = tuple[str, str, str | None, str | None]  # product, vendor, purl, cpe: all key_for reads
Key = Any  # a ParsedVersion key: tuples that order within one scheme
# One statement's finding for a distinct row: what each of the row's Matches carries.
Found = tuple[Advisory, AffectedProduct, Status, str, str | None]

_AFFECTED, _UNKNOWN, _NOT_AFFECTED = Status.AFFECTED, Status.UNKNOWN, Status.NOT_AFFECTED
_STATUS_RANK = {_AFFECTED: 2, _UNKNOWN: 1}
_NO_PLATFORM = "; the inventory does not say which platform this device runs, so check it manually"
_row_id = attrgetter("product", "vendor", "version", "platform", "purl", "cpe")
# Schemes the pre-filter tabulates: their bounds lie on no comparability line, so a version
# key off every line orders against all of them. A version on a line (a Citrix Workspace
# LTSR update) reads as `_ON_LINE` and goes to the full matcher; Cisco IOS versions and
# bounds are all on trains, so it is left out.
_LINELESS = frozenset(
    {"generic", "pep440", "semver", "maven", "deb", "rpm", "openssl", "nginx", "java", "citrix",
     "ivanti", "vmware", "citrix-workspace", "python-windows"}
)
_TABLE_BUDGET = 1_000_000  # statement ids tabulated per key and scheme; past it, ranges are scanned
_ON_LINE: Any = object()  # a version key on a comparability line (a Workspace LTSR update)
_UNSEEN: Any = object()
_NO_NAMES: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Candidate:
    advisory: Advisory
    statement: AffectedProduct

