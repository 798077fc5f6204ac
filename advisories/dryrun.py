"""`advisories match`: an offline dry run of one inventory against some advisory files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from advisories.defaults import CATALOGUE_FILE, default_folder
from advisories.errors import ConfigError, InventoryError
from advisories.inventory import load_inventory
from advisories.matching import Matcher, platform_verdict
from advisories.models import Advisory, AffectedProduct, InventoryItem, Match
from advisories.products import Catalogue
from advisories.rules import load_rule


@dataclass
class DryRunReport:
    rows: list[dict[str, Any]] = field(default_factory=list)
    near_misses: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


_KINDS = "give a rule (.toml), a CSAF document or a CVE record (.json)"


def load_advisory_file(path: Path) -> Advisory:
    """A rule TOML or a structured advisory document (CSAF JSON, or a CVE JSON 5 record).

    A CVE record gives its CNA's advisory and, when CISA enriched it, CISA's: the dry run
    reads the one whose statements decide, as the merge does (the CNA's when they give
    versions, else CISA's)."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such advisory file", _KINDS)
    if path.suffix == ".toml":
        advisory, problems = load_rule(path)
        if advisory is None:
            raise ConfigError("\n".join(problems), "fix the rule and try again")
        return advisory
    if path.suffix == ".json":
        if _is_cve_record(path):
            from advisories.sources.cve import load_cve_file, preferred

            return preferred(load_cve_file(path))
        from advisories.sources.csaf import load_csaf_file

        return load_csaf_file(path)
    raise ConfigError(f"{path}: not an advisory file", _KINDS)


def _is_cve_record(path: Path) -> bool:
    """Whether a JSON file is a CVE record; anything unreadable is left to the CSAF reader,
    which says what is wrong with it."""
    from advisories.sources.cve import is_cve_record

    try:
        return is_cve_record(json.loads(path.read_bytes()))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False


def match_json(m: Match) -> dict[str, Any]:
    return {
        "advisory": m.advisory.id,
        "product": m.item.product,
        "vendor": m.item.vendor,
        "version": m.item.version,
        "platform": m.item.platform,
        "devices": m.item.devices,
        "hosts": list(m.item.hosts),
        "status": m.status.value,
        "statement": m.statement.describe(),
        "reason": m.reason,
        "label": m.label,
        "source": f"{m.item.source}:{m.item.line}",
    }


def dry_run(
    inventory: Path,
    advisory_files: list[Path],
    *,
    platform: str | None = None,
    catalogue: Path | None = None,
    explain: bool = False,
) -> DryRunReport:
    report = DryRunReport()
    advisories = [load_advisory_file(p) for p in advisory_files]
    cat = _catalogue(catalogue)
    try:
        loaded = load_inventory(inventory, inventory.stem)
    except InventoryError as exc:  # a bad argument, not a failed run: exit 2
        raise ConfigError(exc.message, exc.hint) from None
    report.problems.extend(loaded.problems)
    items = [_with_platform(i, platform) for i in loaded.items]
    if platform:
        items = [i for i in items if i.platform == platform]
    matcher = Matcher(advisories, cat)
    matches = matcher.match_items(items)
    report.rows = [match_json(m) for m in matches]
    if explain:
        matched = {id(m.item) for m in matches}
        statements = [s for a in advisories for s in a.affects]
        for item in items:
            if id(item) not in matched:
                report.near_misses.extend(_explain(item, statements, cat))
    return report


def _explain(item: InventoryItem, statements: list[AffectedProduct], cat: Catalogue) -> list[dict[str, Any]]:
    """Why a row that no advisory hit was not hit: the right product at a version outside the
    statements (each reason once), else the nearest other products and why they are not it."""
    row = {"product": item.product, "version": item.version, "platform": item.platform}
    reasons: dict[str, str] = {}
    elsewhere: dict[str, str] = {}  # statements for other platforms: said only if none is for this one
    for st in statements:
        if cat.matches(item, st):
            verdict = platform_verdict(item, cat.with_scheme(st))  # read as the Matcher reads it
            if verdict is None:
                elsewhere.setdefault(f"the advisory speaks of {st.platform} only", st.product)
            else:
                reasons.setdefault(verdict.reason, st.product)
    reasons = reasons or elsewhere
    if reasons:
        return [{"status": "not_affected", **row, "candidate": p, "why": w} for w, p in reasons.items()]
    misses = {(near.product, near.reason): near for near in cat.explain(item, statements)}
    return [{"status": "near_miss", **row, "candidate": n.product, "why": n.reason} for n in list(misses.values())[:3]]


def _catalogue(path: Path | None) -> Catalogue:
    if path is not None:
        return Catalogue.load(path)
    return Catalogue.load(default_folder("rules") / CATALOGUE_FILE)


def _with_platform(item: InventoryItem, platform: str | None) -> InventoryItem:
    if platform and item.platform == "any":
        return replace(item, platform=platform)
    return item
