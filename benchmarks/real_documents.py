"""Real advisory documents through the real readers and the Matcher: how much do they say?

    python benchmarks/real_documents.py FOLDER              # a synthetic inventory from the documents
    python benchmarks/real_documents.py FOLDER INVENTORY    # a council's export (CSV, TSV, CycloneDX)

Every `*.json` under FOLDER (recursively) is read as what it is: a CSAF 2.0 document, a CVE
JSON 5 record (its CNA's advisory, or CISA's when the CNA gives no versions, as the merge
chooses) or an NVD CVE API response. Other JSON (ROLIE feeds, provider metadata, aggregators,
the KEV catalogue) is counted as skipped. A document a reader refuses (ParseError) is counted
as unreadable; any other exception is a crash, named with its file, and the run goes on.

Without INVENTORY the rows are made from the products the documents name, each at a few
versions around what its statement says (inside it, at its fix, above the fix, on another
release line) and once at "1.0" when the statement gives no versions, so that the affected and
unknown counts mean something: a reader that drops bounds shows up as rows at the fix reported
affected, and one that cannot read a vendor's versions as unknowns.

Printed, the last lines one screen: documents (read / skipped / unreadable, per format),
statements and how many of them have no readable version (none given, or none that parses in
the statement's scheme), inventory rows, matches affected / unknown, crashes, and seconds per
document (reading and matching). Progress goes to stderr when it is a terminal. It is a
benchmark, not a test: CI does not run it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from advisories import versions
from advisories.defaults import CATALOGUE_FILE, default_folder
from advisories.errors import ParseError
from advisories.inventory import load_inventory
from advisories.matching import Matcher
from advisories.models import Advisory, AffectedProduct, InventoryItem, Status
from advisories.products import Catalogue
from advisories.sources.csaf import CsafSource
from advisories.sources.cve import is_cve_record, parse_record, preferred
from advisories.sources.nvd import parse_cves

_NUMBERS = re.compile(r"\d+(?:\.\d+)*")


@dataclass
class Tally:
    read: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    unreadable: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    advisories: list[Advisory] = field(default_factory=list)
    parse_s: float = 0.0


def kind_of(data: Any) -> str | None:
    """"csaf", "cve", "nvd", or None for JSON that is no advisory document."""
    if is_cve_record(data):
        return "cve"
    if isinstance(data, dict) and isinstance(data.get("document"), dict) and "csaf_version" in data["document"]:
        return "csaf"
    if isinstance(data, dict) and isinstance(data.get("vulnerabilities"), list) and any(
        isinstance(v, dict) and isinstance(v.get("cve"), dict) for v in data["vulnerabilities"]
    ):
        return "nvd"
    if isinstance(data, dict) and str(data.get("id", "")).startswith("CVE-") and "descriptions" in data:
        return "nvd"  # one bare NVD cve object, as saved from the API response
    return None


def _skip_reason(data: Any) -> str:
    if isinstance(data, dict):
        if "feed" in data or "service" in data or "categories" in data:
            return "ROLIE"
        if "metadata_version" in data or "canonical_url" in data or "aggregator" in data:
            return "provider metadata"
        if "catalogVersion" in data:
            return "KEV catalogue"
    return "other JSON"


def read_document(path: Path, tally: Tally) -> None:
    started = time.perf_counter()
    try:
        body = path.read_bytes()
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            tally.skipped["not JSON"] += 1
            return
        kind = kind_of(data)
        if kind is None:
            tally.skipped[_skip_reason(data)] += 1
            return
        url = path.resolve().as_uri()
        if kind == "cve":
            found = [preferred(parse_record(data, feed=path.name, url=url))]
        elif kind == "csaf":
            found = CsafSource().parse(body, feed=path.name, url=url)
        else:
            found = parse_cves(data, path.name)
        tally.read[kind] += 1
        tally.advisories.extend(found)
    except ParseError as exc:
        tally.unreadable.append(f"{path}: {exc}")
    except Exception as exc:  # the point of the benchmark: name it and go on
        where = traceback.extract_tb(exc.__traceback__)[-1]
        tally.crashes.append(f"{path}: {type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})")
    finally:
        tally.parse_s += time.perf_counter() - started


def readable(statement: AffectedProduct) -> bool:
    """Whether a statement gives at least one version that parses in its scheme."""
    if statement.all_versions:
        return True
    texts = [*statement.versions, *(b.version for r in statement.ranges for b in (r.lower, r.upper) if b)]
    try:
        return any(versions.parse_version(t, statement.scheme) is not None for t in texts) or any(
            r.lower is None and r.upper is None for r in statement.ranges)
    except ValueError:  # a scheme name the project does not know
        return False


def _bump(version: str, at: int) -> str | None:
    """The version with its number at `at` (-1: last) plus one, later ones dropped."""
    m = _NUMBERS.match(version)
    if m is None:
        return None
    parts = m.group().split(".")
    at = at % len(parts)
    return ".".join([*parts[:at], str(int(parts[at]) + 1)])


def _below(version: str) -> str | None:
    m = _NUMBERS.fullmatch(version)
    if m is None:
        return None
    parts = m.group().split(".")
    if int(parts[-1]) == 0:
        return None
    return ".".join([*parts[:-1], str(int(parts[-1]) - 1)])


def sample_versions(statement: AffectedProduct) -> list[tuple[str, str]]:
    """(version, role): inside the statement, at its fix, above the fix, on another line; "1.0"
    ("none") when it gives no versions."""
    found: list[tuple[str | None, str]] = [(v, "inside") for v in statement.versions[:2]]
    for r in statement.ranges[:3]:
        if r.lower is not None:
            found.append((r.lower.version, "inside"))
        if r.upper is not None:
            fix = r.upper.version if not r.upper.inclusive else _bump(r.upper.version, -1)
            last = r.upper.version if r.upper.inclusive else _below(r.upper.version)
            found.extend([(last, "inside"), (fix, "fix"), (_bump(fix, -1) if fix else None, "above"),
                          (_bump(r.upper.version, 0), "other line")])
    for v in statement.versions[:2]:
        found.extend([(_bump(v, -1), "above"), (_bump(v, 0), "other line")])
    if not (statement.versions or statement.ranges):
        found.append(("1.0", "none"))
    return list(dict.fromkeys((v, role) for v, role in found if v))


def synthetic_inventory(advisories: list[Advisory]) -> list[InventoryItem]:
    """Rows for the products the documents name; each row's `source` says its role."""
    rows: dict[tuple[str, str, str, str], InventoryItem] = {}
    for advisory in advisories:
        for statement in advisory.affects:
            if not statement.product.strip():
                continue  # a prose-only CVE record: the product is left to whoever named the CVE
            for version, role in sample_versions(statement):
                # A row at a fix remembers whose fix it is: another advisory of the same product
                # (an older CVE) may rightly call that version affected; its own may not.
                key = (statement.product, statement.vendor, version, statement.platform)
                source = f"fix {advisory.id}" if role == "fix" else role
                rows.setdefault(key, InventoryItem(council_id="synthetic", product=statement.product,
                                                   vendor=statement.vendor, version=version,
                                                   platform=statement.platform, source=source))
    return list(rows.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("folder", type=Path)
    parser.add_argument("inventory", type=Path, nargs="?")
    args = parser.parse_args(argv)
    paths = sorted(p for p in args.folder.rglob("*.json") if p.is_file())
    progress = sys.stderr.isatty()
    tally = Tally()
    for n, path in enumerate(paths, 1):
        read_document(path, tally)
        if progress and (n % 20 == 0 or n == len(paths)):
            print(f"\r  read {n}/{len(paths)} files ({len(tally.crashes)} crashes)", end="", file=sys.stderr)
    if progress:
        print(file=sys.stderr)
    catalogue = Catalogue.load(default_folder("rules") / CATALOGUE_FILE)
    if args.inventory is not None:
        loaded = load_inventory(args.inventory, args.inventory.stem)
        items, where = loaded.items, f"{args.inventory} ({len(loaded.items)} rows, {len(loaded.problems)} problems)"
    else:
        items = synthetic_inventory(tally.advisories)
        where = f"synthetic ({len(items)} rows from the documents' products)"
    started = time.perf_counter()
    matches = Matcher(tally.advisories, catalogue).match_items(items)
    match_s = time.perf_counter() - started
    print_summary(args.folder, where, tally, matches, match_s)
    return 1 if tally.crashes else 0


def print_summary(folder: Path, where: str, tally: Tally, matches: list[Any], match_s: float) -> None:
    statements = [s for a in tally.advisories for s in a.affects]
    blind = sum(not readable(s) for s in statements)
    by_status = Counter(m.status for m in matches)
    documents = sum(tally.read.values())
    per_kind = ", ".join(f"{k} {n}" for k, n in sorted(tally.read.items()))
    skipped = ", ".join(f"{k} {n}" for k, n in sorted(tally.skipped.items())) or "none"
    for line in tally.unreadable:
        print(f"unreadable: {line}")
    for line in tally.crashes:
        print(f"crash: {line}")
    per_doc = (tally.parse_s + match_s) / documents if documents else 0.0
    print(f"real_documents: {folder}, inventory {where}")
    print(f"  documents   {documents} read ({per_kind}); skipped {sum(tally.skipped.values())} ({skipped}); "
          f"unreadable {len(tally.unreadable)}")
    print(f"  advisories  {len(tally.advisories)}")
    share = f" ({100 * blind / len(statements):.1f} %)" if statements else ""
    print(f"  statements  {len(statements)}, with no readable version {blind}{share}")
    print(f"  rows        {by_status[Status.AFFECTED]} affected, {by_status[Status.UNKNOWN]} unknown "
          f"(of {len(matches)} matches)")
    fixes = [m for m in matches if m.item.council_id == "synthetic" and m.item.source.startswith("fix ")]
    if fixes or any(m.item.council_id == "synthetic" for m in matches):
        hit = {id(m.item) for m in fixes if m.status is Status.AFFECTED}
        own = {id(m.item) for m in fixes if m.status is Status.AFFECTED and m.item.source == f"fix {m.advisory.id}"}
        print(f"  at a fix    {len(own)} synthetic rows at a statement's fix reported affected by that same "
              f"advisory (inversions); {len(hit)} by any advisory of the product (older CVEs may rightly)")
    print(f"  crashes     {len(tally.crashes)}")
    print(f"  seconds     {per_doc:.4f} per document (reading {tally.parse_s:.2f} s, matching {match_s:.2f} s)")


if __name__ == "__main__":
    sys.exit(main())
