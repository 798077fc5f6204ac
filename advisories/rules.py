"""Curated rules (rules/*.toml): advisories the LGA team writes when a source gives only prose.

One advisory per file. Every problem in every file is collected, so `advisories check` can show
them all; a broken rule is skipped by a run, never half-loaded.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from advisories import versions
from advisories.models import PLATFORMS, SEVERITIES, Advisory, AffectedProduct, VersionRange

CATALOGUE_FILE = "products.toml"
_RULE_KEYS = {"id", "title", "published", "severity", "exploited", "cves", "links", "summary",
              "action", "affects"}
_AFFECTS_KEYS = {"vendor", "product", "aliases", "platform", "versions", "labels", "ranges",
                 "vers", "start_including", "start_excluding", "end_including", "end_excluding",
                 "scheme", "version_aliases", "fixed_in", "cpe", "purl", "all_versions"}


@dataclass(frozen=True)
class RuleLoad:
    advisories: tuple[Advisory, ...]
    problems: tuple[str, ...]


def load_rules(folder: Path) -> RuleLoad:
    if not folder.is_dir():
        return RuleLoad((), (f"{folder}: rules folder not found (create it or fix settings.rules)",))
    loaded: list[Advisory] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.toml")):
        if path.name == CATALOGUE_FILE:
            continue
        advisory, errs = load_rule(path)
        problems.extend(errs)
        if advisory is None:
            continue
        if advisory.id in seen:
            problems.append(f"{path}: id {advisory.id!r} is also used by {seen[advisory.id]}")
            continue
        seen[advisory.id] = path
        loaded.append(advisory)
    return RuleLoad(tuple(loaded), tuple(problems))


def load_rule(path: Path) -> tuple[Advisory | None, list[str]]:
    """Parse one rule file; returns (None, problems) if anything in it is wrong."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        return None, [f"{path}: cannot read the rule: {exc}"]
    problems: list[str] = []

    def bad(key: str, what: str) -> None:
        problems.append(f"{path}: {key}: {what}")

    for key in raw.keys() - _RULE_KEYS:
        bad(key, f"unknown key (known: {', '.join(sorted(_RULE_KEYS))})")
    rid = _text(raw, "id", bad)
    title = _text(raw, "title", bad)
    severity = raw.get("severity")
    if severity is not None and severity not in SEVERITIES:
        bad("severity", f"{severity!r}: use one of {', '.join(SEVERITIES)}")
    exploited = raw.get("exploited", False)
    if not isinstance(exploited, bool):
        bad("exploited", "must be true or false")
    affects_raw = raw.get("affects", [])
    if not isinstance(affects_raw, list) or not affects_raw:
        bad("affects", "give at least one [[affects]] table")
        affects_raw = []
    affects = []
    for i, table in enumerate(affects_raw):
        statement = _affects(table, f"affects[{i}]", bad)
        if statement is not None:
            affects.append(statement)
    if problems:
        return None, problems
    return (
        Advisory(
            id=rid,
            source="rules",
            title=title,
            summary=str(raw.get("summary", "")).strip(),
            url=next(iter(_strings(raw, "links", bad)), None),
            published=_published(raw.get("published"), bad),
            severity=severity,
            exploited=exploited,
            cves=_strings(raw, "cves", bad),
            links=_strings(raw, "links", bad),
            action=str(raw["action"]).strip() if raw.get("action") else None,
            affects=tuple(affects),
            kind="rule",
        ),
        problems,
    )


def _text(raw: dict[str, Any], key: str, bad: Any) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        bad(key, "is required and must be a non-empty string")
        return ""
    return value.strip()


def _strings(raw: dict[str, Any], key: str, bad: Any) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        bad(key, "must be a list of strings")
        return ()
    return tuple(v.strip() for v in value)


def _published(value: Any, bad: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    bad("published", "must be a TOML date such as 2023-03-30")
    return None


def _affects(t: Any, where: str, bad: Any) -> AffectedProduct | None:
    if not isinstance(t, dict):
        bad(where, "must be a table")
        return None
    for key in t.keys() - _AFFECTS_KEYS:
        bad(f"{where}.{key}", f"unknown key (known: {', '.join(sorted(_AFFECTS_KEYS))})")
    platform = t.get("platform", "any")
    if platform not in PLATFORMS:
        bad(f"{where}.platform", f"{platform!r}: use one of {', '.join(PLATFORMS)}")
    scheme = t.get("scheme")
    if scheme is not None and scheme not in versions.SCHEMES:
        bad(f"{where}.scheme", f"{scheme!r}: use one of {', '.join(sorted(versions.SCHEMES))}")
    listed = _strings(t, "versions", lambda k, w: bad(f"{where}.{k}", w))
    ranges, from_vers, excluded, all_versions = _ranges(t, where, bad)
    listed = tuple(dict.fromkeys((*listed, *from_vers)))
    all_versions = all_versions or t.get("all_versions", False) is True
    if not (listed or ranges or all_versions):
        bad(where, "say which versions are affected: versions, ranges, vers, "
                   "start_*/end_* or all_versions = true")
    vendor = t.get("vendor", "")
    product = t.get("product")
    if not isinstance(product, str) or not product.strip():
        bad(f"{where}.product", "is required")
        return None
    return AffectedProduct(
        vendor=str(vendor).strip(),
        product=product.strip(),
        platform=str(platform),
        versions=listed,
        ranges=ranges,
        all_versions=all_versions,
        aliases=_strings(t, "aliases", lambda k, w: bad(f"{where}.{k}", w)),
        labels=_pairs_of_lists(t.get("labels", {}), f"{where}.labels", bad),
        scheme=scheme,
        version_aliases=_pairs(t.get("version_aliases", {}), f"{where}.version_aliases", bad),
        excluded=excluded,
        cpe=t.get("cpe"),
        purl=t.get("purl"),
        fixed_in=t.get("fixed_in"),
    )


def _ranges(
    t: dict[str, Any], where: str, bad: Any
) -> tuple[tuple[VersionRange, ...], tuple[str, ...], tuple[str, ...], bool]:
    """All the range forms of one statement, as one union: (ranges, versions, excluded, all)."""
    out: list[VersionRange] = []
    listed: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    all_versions = False
    raw = t.get("ranges", [])
    if not isinstance(raw, list):
        bad(f"{where}.ranges", "must be a list of inline tables")
        raw = []
    for i, r in enumerate(raw):
        key = f"{where}.ranges[{i}]"
        if not isinstance(r, dict) or "introduced" not in r:
            bad(key, "needs introduced (use \"0\" for all earlier versions)")
            continue
        if set(r) - {"introduced", "fixed", "last_affected"}:
            bad(key, "only introduced, fixed and last_affected are allowed")
            continue
        if "fixed" in r and "last_affected" in r:
            bad(key, "give fixed or last_affected, not both (split into two ranges)")
            continue
        out.append(versions.osv_range(str(r["introduced"]), r.get("fixed"), r.get("last_affected")))
    if "vers" in t:
        try:
            spec = versions.parse_vers(str(t["vers"]))
        except ValueError as exc:
            bad(f"{where}.vers", str(exc))
        else:
            out.extend(spec.ranges)
            excluded = tuple(spec.excluded)
            all_versions = spec.all_versions
            listed = tuple(spec.versions)
    nvd = {k: t[k] for k in ("start_including", "start_excluding", "end_including",
                             "end_excluding") if k in t}
    if nvd:
        out.append(versions.nvd_range(**{k: str(v) for k, v in nvd.items()}))
    return tuple(out), listed, excluded, all_versions


def _pairs(value: Any, where: str, bad: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        bad(where, 'must be an inline table of strings, e.g. { "15.0" = "2023.0" }')
        return ()
    return tuple((str(k), v) for k, v in value.items())


def _pairs_of_lists(value: Any, where: str, bad: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    ok = isinstance(value, dict) and all(
        isinstance(v, list) and all(isinstance(s, str) for s in v) for v in value.values()
    )
    if not ok:
        bad(where, 'must map a label to its builds, e.g. { "Update 7" = ["18.12.407"] }')
        return ()
    return tuple((str(k), tuple(v)) for k, v in value.items())
