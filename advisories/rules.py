"""Curated rules (rules/*.toml): advisories the LGA team writes when a source gives only prose.

One advisory per file. Every problem in every file is collected, so `advisories check` can show
them all; a broken rule is skipped by a run, never half-loaded. Every value is checked for its
type before it is used: a rule is hand-written TOML, and a number where a string belongs must
cost that one rule (named, with its key), never the whole run.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from advisories import versions
from advisories.defaults import CATALOGUE_FILE
from advisories.limits import oversized
from advisories.models import PLATFORMS, SEVERITIES, Advisory, AffectedProduct, VersionRange
from advisories.products import parse_cpe, purl_base
from advisories.sanitise import safe_url

_RULE_KEYS = {"id", "title", "published", "severity", "exploited", "cves", "links", "summary",
              "action", "affects"}
_AFFECTS_KEYS = {"vendor", "product", "aliases", "platform", "versions", "labels", "ranges",
                 "vers", "start_including", "start_excluding", "end_including", "end_excluding",
                 "scheme", "version_aliases", "fixed_in", "cpe", "purl", "all_versions"}
_RANGE_KEYS = {"introduced", "fixed", "last_affected"}
_NVD_KEYS = ("start_including", "start_excluding", "end_including", "end_excluding")
# Merging joins advisories by exact CVE id, so a misspelt one would silently never merge.
_CVE = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)

Bad = Callable[[str, str], None]


@dataclass(frozen=True)
class RuleLoad:
    advisories: tuple[Advisory, ...]
    problems: tuple[str, ...]
    # Values over a cap in advisories.limits: not errors (a run loads the rule, cut), but an
    # editor should know the alert will not carry the whole text. "file: field: n chars, cap".
    warnings: tuple[str, ...] = ()


def load_rules(folder: Path) -> RuleLoad:
    """Every rule in `folder`; problems name the file and the key.

    Two files with one id are both refused: which one "wins" would otherwise depend on file
    names, and a copied file could silently replace a critical rule. A run with a problem
    withdraws nothing, so a version stored by an earlier run stays in force meanwhile.
    """
    if not folder.is_dir():
        return RuleLoad((), (f"{folder}: rules folder not found (create it or fix settings.rules)",))
    problems: list[str] = []
    warnings: list[str] = []
    read: list[tuple[Advisory | None, str | None]] = []
    files: dict[str, list[Path]] = {}
    for path in sorted(folder.glob("*.toml")):
        if path.name == CATALOGUE_FILE:
            continue
        advisory, errs, rid = _read_rule(path)
        problems.extend(errs)
        if advisory is not None:
            warnings.extend(f"{path}: {over}" for over in oversized(advisory))
        read.append((advisory, rid))
        # A broken file's id counts too: it is still a second claim on that id.
        if rid is not None:
            files.setdefault(rid, []).append(path)
    for rid, paths in files.items():
        if len(paths) > 1:
            problems.append(
                f"{_joined([str(p) for p in paths])}: {'both' if len(paths) == 2 else 'all'} use id "
                f"{rid!r}, so none of them is loaded (give each rule its own id, or delete the copy)"
            )
    loaded = [a for a, rid in read if a is not None and rid is not None and len(files[rid]) == 1]
    return RuleLoad(tuple(loaded), tuple(problems), tuple(warnings))


def load_rule(path: Path) -> tuple[Advisory | None, list[str]]:
    """Parse one rule file; returns (None, problems) if anything in it is wrong."""
    advisory, problems, _ = _read_rule(path)
    return advisory, problems


def _read_rule(path: Path) -> tuple[Advisory | None, list[str], str | None]:
    """(the advisory or None, problems, the id if it could be read, even from a broken rule)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        return None, [f"{path}: cannot read the rule: {exc}"], None
    problems: list[str] = []

    def bad(key: str, what: str) -> None:
        problems.append(f"{path}: {key}: {what}")

    for key in sorted(raw.keys() - _RULE_KEYS):
        bad(key, f"unknown key (known: {', '.join(sorted(_RULE_KEYS))})")
    rid = _text(raw, "id", bad, '"ncsc-2023-3cx-desktop-app"', required=True)
    title = _text(raw, "title", bad, '"3CX Desktop App supply-chain compromise"', required=True)
    published = _published(raw, bad)
    severity = _choice(raw, "severity", SEVERITIES, bad)
    exploited = _flag(raw, "exploited", bad)
    cves = _cves(raw, bad)
    links = _links(raw, bad)
    summary = _text(raw, "summary", bad, '"Trojanised builds of ..."')
    action = _text(raw, "action", bad, '"Update to 18.12.422."')
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
        return None, problems, rid or None
    advisory = Advisory(
        id=rid,
        source="rules",
        title=title,
        summary=summary,
        url=next(iter(links), None),
        published=published,
        severity=severity,
        exploited=exploited,
        cves=cves,
        links=links,
        action=action or None,
        affects=tuple(affects),
        kind="rule",
    )
    return advisory, problems, rid


# -- field checks --------------------------------------------------------------------------
# Each reads one key once and reports it at most once per element, so the operator sees each
# mistake on exactly one line, with the key path written as in the file.


def _kind(value: Any) -> str:
    """What a TOML value is, in the words an LGA editor uses."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, time):
        return "a time"
    return type(value).__name__


def _at(where: str, key: str) -> str:
    # Label and alias names ("Update 7", "15.0") are quoted, as they must be in the file.
    shown = key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else '"' + key.replace('"', '\\"') + '"'
    return f"{where}.{shown}" if where else shown


def _text(
    t: dict[str, Any], key: str, bad: Bad, example: str, *, where: str = "", required: bool = False,
    allow_empty: bool = True,
) -> str:
    """A string value, stripped; "" when absent or wrong (the wrong one reported)."""
    if key not in t:
        if required:
            bad(_at(where, key), f"is required: a string such as {example}")
        return ""
    value = t[key]
    if not isinstance(value, str):
        bad(_at(where, key), f"expected a string such as {example}, got {_kind(value)}")
        return ""
    if not value.strip() and (required or not allow_empty):
        bad(_at(where, key), f"is empty: give a string such as {example}" if required
            else f"is empty: give a string such as {example}, or remove the key")
    return value.strip()


def _strings(t: dict[str, Any], key: str, bad: Bad, example: str, *, where: str = "") -> tuple[str, ...]:
    """A list of non-empty strings; each wrong element is reported with its index."""
    value = t.get(key, [])
    if not isinstance(value, list):
        bad(_at(where, key), f"expected a list of strings such as [{example}], got {_kind(value)}")
        return ()
    out: list[str] = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            bad(f"{_at(where, key)}[{i}]", f"expected a string such as {example}, got {_kind(item)}")
        elif not item.strip():
            bad(f"{_at(where, key)}[{i}]", "is empty: remove it or fill it in")
        else:
            out.append(item.strip())
    return tuple(out)


def _flag(t: dict[str, Any], key: str, bad: Bad, *, where: str = "") -> bool:
    value = t.get(key, False)
    if not isinstance(value, bool):
        bad(_at(where, key), f"expected true or false, got {_kind(value)}")
        return False
    return value


def _choice(t: dict[str, Any], key: str, allowed: tuple[str, ...], bad: Bad, *, where: str = "") -> str | None:
    if key not in t:
        return None
    value = t[key]
    if not isinstance(value, str):
        bad(_at(where, key), f"expected a string, one of {', '.join(allowed)}; got {_kind(value)}")
        return None
    if value not in allowed:
        bad(_at(where, key), f"{value!r}: use one of {', '.join(allowed)}")
        return None
    return value


def _published(raw: dict[str, Any], bad: Bad) -> datetime | None:
    value = raw.get("published")
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    # A quoted "2023-03-30" is a string in TOML: say so, since it looks right to a person.
    bad("published", f"expected a TOML date such as 2023-03-30 (no quotes), got {_kind(value)}")
    return None


def _cves(raw: dict[str, Any], bad: Bad) -> tuple[str, ...]:
    out: list[str] = []
    for i, cve in enumerate(_strings(raw, "cves", bad, '"CVE-2023-29059"')):
        if _CVE.fullmatch(cve):
            out.append(cve.upper())  # the spelling every source uses, so merging finds it
        else:
            bad(f"cves[{i}]", f"{cve!r} is not a CVE id such as \"CVE-2023-29059\"")
    return tuple(out)


def _links(raw: dict[str, Any], bad: Bad) -> tuple[str, ...]:
    out: list[str] = []
    for i, link in enumerate(_strings(raw, "links", bad, '"https://www.3cx.com/blog/news/"')):
        # An alert drops a link it cannot safely show: refuse it here, where it can be fixed.
        if safe_url(link) is None:
            bad(f"links[{i}]", f"{link!r} is not an http(s) link")
        else:
            out.append(link)
    return tuple(out)


def _affects(t: Any, where: str, bad: Bad) -> AffectedProduct | None:
    if not isinstance(t, dict):
        bad(where, f"expected a table ([[affects]]), got {_kind(t)}")
        return None
    found: list[str] = []

    def note(key: str, what: str) -> None:
        found.append(key)
        bad(key, what)

    for key in sorted(t.keys() - _AFFECTS_KEYS):
        note(f"{where}.{key}", f"unknown key (known: {', '.join(sorted(_AFFECTS_KEYS))})")
    vendor = _text(t, "vendor", note, '"3CX"', where=where)
    product = _text(t, "product", note, '"3CX Desktop App"', where=where, required=True)
    platform = _choice(t, "platform", PLATFORMS, note, where=where) or "any"
    scheme = _choice(t, "scheme", tuple(sorted(versions.SCHEMES)), note, where=where)
    aliases = _strings(t, "aliases", note, '"3CXDesktopApp"', where=where)
    listed = _strings(t, "versions", note, '"18.12.416"', where=where)
    labels = _labels(t, where, note)
    version_aliases = _version_aliases(t, where, note)
    fixed_in = _text(t, "fixed_in", note, '"18.12.422"', where=where, allow_empty=False)
    cpe = _identifier(t, "cpe", where, note, '"cpe:2.3:a:3cx:3cx"', lambda s: parse_cpe(s) is not None)
    purl = _identifier(t, "purl", where, note, '"pkg:maven/org.apache.logging.log4j/log4j-core"',
                       lambda s: purl_base(s) is not None)
    all_versions = _flag(t, "all_versions", note, where=where)
    spec = _vers(t, where, note)
    if scheme is None and spec is not None and spec.scheme != versions.DEFAULT_SCHEME:
        scheme = spec.scheme  # "vers:deb/..." says how its versions order, as in CSAF
    ranges = [*_osv_ranges(t, where, note), *_nvd_range(t, where, note)]
    if spec is not None:
        ranges += [(r, f"{where}.vers", f"{where}.vers") for r in spec.ranges]
        listed = (*listed, *spec.versions)
        all_versions = all_versions or spec.all_versions
    _check_bounds(ranges, scheme, note)
    if found:
        return None
    # Only asked when nothing else was wrong: a mistyped range has already said what to fix.
    if not (listed or ranges or all_versions):
        bad(where, "say which versions are affected: versions, ranges, vers, "
                   "start_*/end_* or all_versions = true")
        return None
    return AffectedProduct(
        vendor=vendor,
        product=product,
        platform=platform,
        versions=tuple(dict.fromkeys(listed)),
        ranges=tuple(r for r, _, _ in ranges),
        all_versions=all_versions,
        aliases=aliases,
        labels=labels,
        scheme=scheme,
        version_aliases=version_aliases,
        excluded=tuple(spec.excluded) if spec is not None else (),
        cpe=cpe,
        purl=purl,
        fixed_in=fixed_in or None,
    )


def _identifier(
    t: dict[str, Any], key: str, where: str, bad: Bad, example: str, valid: Callable[[str], bool]
) -> str | None:
    if key not in t:
        return None
    value = _text(t, key, bad, example, where=where, allow_empty=False)
    if value and not valid(value):
        # Matching would never find an inventory row by an identifier it cannot read.
        bad(f"{where}.{key}", f"{value!r} is not a {key.upper()} such as {example}")
        return None
    return value or None


def _labels(t: dict[str, Any], where: str, bad: Bad) -> tuple[tuple[str, tuple[str, ...]], ...]:
    value = t.get("labels", {})
    if not isinstance(value, dict):
        bad(f"{where}.labels", 'expected a table mapping a label to its builds, such as '
                               f'{{ "Update 7" = ["18.12.407"] }}, got {_kind(value)}')
        return ()
    out = []
    for name, builds in value.items():
        builds_out = _strings(value, name, bad, '"18.12.407"', where=f"{where}.labels")
        if isinstance(builds, list) and len(builds_out) == len(builds):
            out.append((name, builds_out))
    return tuple(out)


def _version_aliases(t: dict[str, Any], where: str, bad: Bad) -> tuple[tuple[str, str], ...]:
    value = t.get("version_aliases", {})
    if not isinstance(value, dict):
        bad(f"{where}.version_aliases",
            f'expected a table of strings such as {{ "15.0" = "2023.0" }}, got {_kind(value)}')
        return ()
    out = []
    for key in value:
        other = _text(value, key, bad, '"2023.0"', where=f"{where}.version_aliases", allow_empty=False)
        if other:
            out.append((key, other))
    return tuple(out)


# A range with the key paths of its lower and upper bounds, so an unreadable bound is named
# exactly where the editor wrote it.
Located = tuple[VersionRange, str, str]


def _osv_ranges(t: dict[str, Any], where: str, bad: Bad) -> list[Located]:
    raw = t.get("ranges", [])
    if not isinstance(raw, list):
        bad(f"{where}.ranges", 'expected a list of inline tables such as '
                               f'[{{ introduced = "18.0", fixed = "18.12.422" }}], got {_kind(raw)}')
        return []
    out: list[Located] = []
    for i, r in enumerate(raw):
        key = f"{where}.ranges[{i}]"
        if not isinstance(r, dict):
            bad(key, f'expected an inline table such as {{ introduced = "18.0", fixed = "18.12.422" }}, '
                     f"got {_kind(r)}")
            continue
        errors: list[str] = []

        def local(k: str, what: str, errors: list[str] = errors) -> None:
            errors.append(k)
            bad(k, what)

        for extra in sorted(set(r) - _RANGE_KEYS):
            local(f"{key}.{extra}", "unknown key (only introduced, fixed and last_affected)")
        if "introduced" not in r:
            local(f"{key}.introduced", 'is required (use "0" for all earlier versions)')
        introduced = _text(r, "introduced", local, '"18.0"', where=key, allow_empty=False)
        fixed = _text(r, "fixed", local, '"18.13"', where=key, allow_empty=False)
        last = _text(r, "last_affected", local, '"18.12.416"', where=key, allow_empty=False)
        if fixed and last:
            local(key, "give fixed or last_affected, not both (split into two ranges)")
        if not errors:
            upper = f"{key}.fixed" if fixed else f"{key}.last_affected"
            out.append((versions.osv_range(introduced, fixed or None, last or None), f"{key}.introduced", upper))
    return out


def _nvd_range(t: dict[str, Any], where: str, bad: Bad) -> list[Located]:
    given = [k for k in _NVD_KEYS if k in t]
    if not given:
        return []
    bounds = {k: _text(t, k, bad, '"7.2.5"', where=where, allow_empty=False) for k in given}
    if not all(bounds.values()):
        return []
    for side in ("start", "end"):
        if f"{side}_including" in bounds and f"{side}_excluding" in bounds:
            bad(where, f"give {side}_including or {side}_excluding, not both")
            return []
    r = versions.nvd_range(**bounds)
    start = next((f"{where}.{k}" for k in given if k.startswith("start")), where)
    end = next((f"{where}.{k}" for k in given if k.startswith("end")), where)
    return [(r, start, end)]


def _vers(t: dict[str, Any], where: str, bad: Bad) -> versions.VersSpec | None:
    if "vers" not in t:
        return None
    text = _text(t, "vers", bad, '"vers:generic/>=7.2.0|<7.2.5"', where=where, allow_empty=False)
    if not text:
        return None
    try:
        return versions.parse_vers(text)
    except ValueError as exc:
        bad(f"{where}.vers", getattr(exc, "message", str(exc)))
        return None


def _check_bounds(ranges: list[Located], scheme: str | None, bad: Bad) -> None:
    """Refuse a bound no installed version could be compared with: it would turn every row
    of the product into "check manually" instead of an answer."""
    name = scheme or versions.DEFAULT_SCHEME
    for r, lower_key, upper_key in ranges:
        for bound, key in ((r.lower, lower_key), (r.upper, upper_key)):
            if bound is not None and versions.parse_version(bound.version, name) is None:
                bad(key, f"{bound.version!r} cannot be read as a {name} version, so nothing "
                         "could be compared with it (write a version such as \"18.13\", or set "
                         "scheme to the vendor's numbering)")


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
