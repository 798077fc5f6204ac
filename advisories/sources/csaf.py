"""CSAF 2.0 advisories (JSON) -> one Advisory per document.

The product tree says which product each product ID is (vendor, name, version or range,
platform); `vulnerabilities[].product_status` says which IDs are affected. Every affected
ID becomes a statement. When its version text cannot be understood the statement keeps
no versions at all, which the matcher reports as UNKNOWN ("check manually"), and the text
is named in the summary: an unreadable range must never read as "not affected".
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from advisories import versions
from advisories.errors import ParseError
from advisories.models import SEVERITIES, Advisory, AffectedProduct, Bound, VersionRange
from advisories.sanitise import clean_header_text, plain_to_text, safe_url, truncate
from advisories.sources import register
from advisories.sources.csaf_discovery import parse_timestamp

log = logging.getLogger(__name__)

SUMMARY_CHARS = 1500
_VERSION_BRANCHES = ("product_version", "service_pack", "patch_level")
_AFFECTED = ("known_affected", "first_affected", "last_affected")
_FIXED = ("fixed", "first_fixed")
_REMEDIATION_LABELS = {
    "vendor_fix": "Vendor fix", "workaround": "Workaround", "mitigation": "Mitigation",
    "no_fix_planned": "No fix planned", "none_available": "No fix available",
    "optional_patch": "Optional patch", "fix_planned": "Fix planned",
}
_SEVERITY_WORDS = {"critical": "critical", "important": "high", "high": "high",
                   "moderate": "medium", "medium": "medium", "low": "low"}
_NEGATION = re.compile(r"\b(no|not|none|never|without|unlikely)\b", re.I)


@dataclass(frozen=True, slots=True)
class _Product:
    vendor: str
    name: str
    version: str | None = None  # product_version, or the deeper service_pack / patch_level
    range_text: str | None = None  # product_version_range
    platform: str = "any"
    cpe: str | None = None
    purl: str | None = None


@dataclass(frozen=True, slots=True)
class _Versions:
    versions: tuple[str, ...] = ()
    ranges: tuple[VersionRange, ...] = ()
    all_versions: bool = False
    excluded: tuple[str, ...] = ()
    scheme: str | None = None


class CsafSource:
    kind = "csaf"

    def parse(self, body: bytes, *, feed: str, url: str) -> list[Advisory]:
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"feed {feed!r}: not valid CSAF JSON: {exc}",
                             "the server may have sent an HTML error page") from exc
        if not isinstance(doc, dict):
            raise ParseError(f"feed {feed!r}: a CSAF document is a JSON object")
        return [_advisory(doc, feed, url)]


def load_csaf_file(path: Path | str) -> Advisory:
    """One CSAF file on disk -> its Advisory (for `path` feeds and the offline match command)."""
    path = Path(path)
    return CsafSource().parse(path.read_bytes(), feed=str(path), url=path.resolve().as_uri())[0]


def _advisory(doc: dict[str, Any], feed: str, url: str) -> Advisory:
    document = _require(doc, "document", feed)
    tracking = _require(document, "tracking", feed, "document.")
    tracking_id = tracking.get("id")
    if not isinstance(tracking_id, str) or not tracking_id.strip():
        raise ParseError(f"feed {feed!r}: CSAF document has no document.tracking.id",
                         "every CSAF document needs a tracking id")
    products = _products(doc.get("product_tree") or {})
    vulns = [v for v in doc.get("vulnerabilities") or [] if isinstance(v, dict)]
    affects, unparsed = _all_statements(vulns, products, tracking_id)
    summary = _summary(document, vulns)
    if unparsed:
        summary += "\n\nVersion text not understood, check manually: " + "; ".join(unparsed)
    return Advisory(
        id=f"csaf:{tracking_id.strip()}",
        source=feed,
        title=clean_header_text(str(document.get("title") or tracking_id)),
        summary=summary,
        url=_main_url(document, url),
        published=parse_timestamp(tracking.get("initial_release_date"))
        or parse_timestamp(tracking.get("current_release_date")),
        severity=_severity(document, vulns),
        exploited=any(_exploited(v) for v in vulns),
        cves=tuple(dict.fromkeys(v["cve"] for v in vulns if isinstance(v.get("cve"), str))),
        links=_links(document, vulns),
        action=_action(vulns),
        affects=affects,
        kind="csaf",
    )


def _require(parent: dict[str, Any], key: str, feed: str, prefix: str = "") -> dict[str, Any]:
    value = parent.get(key)
    if not isinstance(value, dict):
        raise ParseError(f"feed {feed!r}: CSAF document has no {prefix}{key} object",
                         "is this a CSAF 2.0 advisory (not a ROLIE feed or provider metadata)?")
    return value


# --- product tree -------------------------------------------------------------------------


def _products(tree: dict[str, Any]) -> dict[str, _Product]:
    """product_id -> what it is, from branches, full_product_names and relationships."""
    found: dict[str, _Product] = {}
    # Iterative walk: branches nest arbitrarily deep and a hostile file could be very deep.
    stack: list[tuple[Any, dict[str, str]]] = [(b, {}) for b in tree.get("branches") or []]
    while stack:
        branch, context = stack.pop()
        if not isinstance(branch, dict):
            continue
        category, name = str(branch.get("category", "")), str(branch.get("name", "")).strip()
        context = {**context, category: name}
        if category in _VERSION_BRANCHES:
            context["version"] = name
        if isinstance(branch.get("product"), dict):
            _add_product(found, branch["product"], context)
        stack.extend((child, context) for child in reversed(branch.get("branches") or []))
    for full in tree.get("full_product_names") or []:
        if isinstance(full, dict):
            _add_product(found, full, {})
    for rel in tree.get("relationships") or []:
        if isinstance(rel, dict):
            _add_relationship(found, rel)
    return found


def _add_product(found: dict[str, _Product], product: dict[str, Any], ctx: dict[str, str]) -> None:
    pid = product.get("product_id")
    if not isinstance(pid, str):
        return
    helper = product.get("product_identification_helper") or {}
    cpe = helper.get("cpe") if isinstance(helper.get("cpe"), str) else None
    purl = helper.get("purl") if isinstance(helper.get("purl"), str) else None
    # cpe:2.3:part:vendor:product:version:...; used where the branches do not say.
    fields = cpe.split(":") if cpe and cpe.startswith("cpe:2.3:") and cpe.count(":") >= 5 else []
    cpe_version = fields[5] if fields and fields[5] not in ("*", "-") else None
    name = ctx.get("product_name") or ctx.get("product_family")
    if not name and fields and not ctx:  # a bare full_product_name: the CPE names it best
        name = fields[4]
    found[pid] = _Product(
        vendor=ctx.get("vendor") or (fields[3] if fields else ""),
        name=name or str(product.get("name") or pid).strip(),
        version=ctx.get("version") or (None if "product_version_range" in ctx else cpe_version),
        range_text=ctx.get("product_version_range"),
        cpe=":".join(fields[:5]) if fields else None,
        purl=purl.split("@", 1)[0] if purl else None,
    )


def _add_relationship(found: dict[str, _Product], rel: dict[str, Any]) -> None:
    # "X installed_on / default_component_of Y": the product is X; Y only says where.
    full = rel.get("full_product_name") or {}
    component = found.get(str(rel.get("product_reference")))
    if not isinstance(full.get("product_id"), str) or component is None:
        return
    host = found.get(str(rel.get("relates_to_product_reference")))
    host_name = host.name if host else str(full.get("name", ""))
    found[full["product_id"]] = replace(component, platform=_platform_from_name(host_name))


def _platform_from_name(name: str) -> str:
    text = name.lower()
    if re.search(r"\bwindows\b", text):
        return "windows"
    if re.search(r"\b(macos|mac os|os x)\b", text):
        return "macos"
    if re.search(r"\blinux\b", text):
        return "linux"
    return "any"


# --- versions ----------------------------------------------------------------------------

_VERSION_RE = re.compile(
    r"[vV]?\d[\w.+~:()\-]*(\s(update|sp|service pack|hf|hotfix|u)\s?\d+\w*)?", re.I
)
_OP_RE = re.compile(r"(<=|>=|<|>|=)?\s*(.+)")
_PLACEHOLDERS = {"", "0", "-", "n/a", "na", "unknown", "unspecified", "none"}


def _versions_of(product: _Product) -> _Versions | None:
    """The product's affected versions, or None when its text cannot be read safely."""
    if product.range_text is not None:
        return _range_text(product.range_text)
    version = (product.version or "").strip()
    if version.lower() in _PLACEHOLDERS:
        return None
    if version.lower() in ("all", "all versions", "*"):
        return _Versions(all_versions=True)
    # product_version must be one version, yet vendors write ranges there ("prior to 4.2").
    if re.search(r"[<>|]|\s-\s|\b(prior|before)\b", version, re.I):
        return tolerant_range(version)
    return _Versions(versions=(version,))


def _range_text(text: str) -> _Versions | None:
    text = text.strip()
    if text.lower().startswith("vers:"):
        try:
            spec = versions.parse_vers(text)
        except ValueError:
            # Real feeds write "vers:generic/PAN-OS Firewall>=11.2.10": try the part after "/".
            return tolerant_range(text.split("/", 1)[1]) if "/" in text else None
        scheme = spec.scheme if spec.scheme in versions.SCHEMES else None
        return _Versions(tuple(spec.versions), tuple(spec.ranges), spec.all_versions,
                         tuple(spec.excluded), scheme)
    parsed = tolerant_range(text)
    if parsed is None and "/" in text:  # Fortinet writes "FortiOS/>=7.0.0|<=7.0.5"
        parsed = tolerant_range(text.split("/", 1)[1])
    return parsed


def tolerant_range(text: str) -> _Versions | None:
    """Free-text version ranges that are unambiguous -> versions; anything else -> None.

    Understood: "all versions", "<X" / "<=X" / ">X" / ">=X" (one lower and one upper bound,
    joined by "|", "," or "and"), "A < X" and "A <= X" (from A; "0" means no lower bound),
    "A - B" (both inclusive), "prior to X" / "before X", and lists of bare versions.
    A version must start with a digit (after an optional v), so "< IR302 3.5.56" is refused.
    """
    text = " ".join(text.split())
    if re.fullmatch(r"all( versions)?|\*|vers:all/\*", text, flags=re.I):
        return _Versions(all_versions=True)
    rest = re.sub(r"^(all\s+)?versions?\s+", "", text, flags=re.I)  # "all versions prior to 4.2"
    if m := re.fullmatch(r"(?:prior to|before)\s+(.+)", rest, flags=re.I):
        return _bounded(None, (m.group(1), False), text)
    if m := re.fullmatch(r"(\S+)\s+(<=?)\s+(\S.*)", rest):
        lower = None if m.group(1) == "0" else (m.group(1), True)
        return _bounded(lower, (m.group(3), m.group(2) == "<="), text)
    if m := re.fullmatch(r"(\S+)\s+[-–]\s+(\S+)", rest):
        return _bounded((m.group(1), True), (m.group(2), True), text)
    return _comparators(re.split(r"\s*(?:\||,|\band\b)\s*", rest))


def _comparators(parts: list[str]) -> _Versions | None:
    lower: tuple[str, bool] | None = None
    upper: tuple[str, bool] | None = None
    listed: list[str] = []
    for part in parts:
        m = _OP_RE.fullmatch(part.strip())
        if m is None or not _VERSION_RE.fullmatch(m.group(2)):
            return None
        op, version = m.group(1) or "=", m.group(2)
        if op == "=":
            listed.append(version)
        elif op.startswith(">") and lower is None:
            lower = (version, op == ">=")
        elif op.startswith("<") and upper is None:
            upper = (version, op == "<=")
        else:
            return None  # two lower or two upper bounds: several intervals, order unknown
    if listed and (lower or upper):
        return None  # ">= 2.0.0 | 2.6.2": is 2.6.2 a bound or an extra version? Can't tell.
    if listed:
        return _Versions(versions=tuple(listed))
    return _bounded(lower, upper, "|".join(parts))


def _bounded(
    lower: tuple[str, bool] | None, upper: tuple[str, bool] | None, text: str
) -> _Versions | None:
    bounds = [b for b in (lower, upper) if b is not None]
    if not bounds or not all(_VERSION_RE.fullmatch(b[0].strip()) for b in bounds):
        log.debug("version range not understood: %r", text)
        return None
    return _Versions(ranges=(VersionRange(
        lower=Bound(lower[0].strip(), lower[1]) if lower else None,
        upper=Bound(upper[0].strip(), upper[1]) if upper else None,
    ),))


# --- vulnerabilities -> statements -----------------------------------------------------------


def _all_statements(
    vulns: list[dict[str, Any]], products: dict[str, _Product], doc_id: str
) -> tuple[tuple[AffectedProduct, ...], list[str]]:
    merged: dict[tuple[AffectedProduct, bool], AffectedProduct] = {}
    unparsed: list[str] = []
    for vuln in vulns:
        status = vuln.get("product_status")
        if not isinstance(status, dict):
            log.warning("%s: vulnerability %s has no product_status; skipped",
                        doc_id, vuln.get("cve", "?"))
            continue
        for statement, raw in _statements(vuln, status, products):
            if raw is not None and raw not in unparsed:
                unparsed.append(raw)
            # One statement per product: its listed versions (Cisco lists hundreds) united,
            # ranges kept apart, and a statement with no versions never absorbed.
            key = (replace(statement, versions=(), fixed_in=None), bool(statement.versions))
            old = merged.get(key)
            if old is not None:
                statement = replace(
                    statement,
                    versions=tuple(dict.fromkeys((*old.versions, *statement.versions))),
                    fixed_in="; ".join(dict.fromkeys(
                        f for f in (old.fixed_in, statement.fixed_in) if f)) or None,
                )
            merged[key] = statement
    return tuple(merged.values()), unparsed


def _ids(status: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(i for k in keys for i in status.get(k) or [] if isinstance(i, str)))


def _statements(
    vuln: dict[str, Any], status: dict[str, Any], products: dict[str, _Product]
) -> list[tuple[AffectedProduct, str | None]]:
    """(statement, the text that could not be read or None) for each affected product ID."""
    fixed = _fixed_texts(status, products)
    vendor_fixes = _vendor_fixes(vuln)
    out: list[tuple[AffectedProduct, str | None]] = []
    for key in _AFFECTED:
        for pid in _ids(status, (key,)):
            product = products.get(pid) or _Product(vendor="", name=pid)
            fixes = fixed.get((product.vendor, product.name), [])
            found = _versions_of(product)
            if found is not None and key != "known_affected":
                found = _open_ended(found, key, fixes)
            statement = _statement(product, found, fixes or vendor_fixes.get(pid, []))
            out.append((statement, _unparsed(product, found, pid)))
    return out


def _open_ended(found: _Versions, key: str, fixes: list[str]) -> _Versions:
    # first_affected 2.0 means 2.0 and later releases; keeping just "2.0" would report 2.1
    # as not affected. Bound it by the product's single fixed version when there is one.
    if len(found.versions) != 1:
        return found
    version = found.versions[0]
    if key == "first_affected":
        fix = fixes[0] if len(fixes) == 1 and _VERSION_RE.fullmatch(fixes[0]) else None
        upper = Bound(fix, False) if fix else None
        return _Versions(ranges=(VersionRange(Bound(version, True), upper),))
    return _Versions(ranges=(VersionRange(None, Bound(version, True)),))  # last_affected


def _fixed_texts(
    status: dict[str, Any], products: dict[str, _Product]
) -> dict[tuple[str, str], list[str]]:
    """(vendor, product name) -> the versions listed as fixed for that same product."""
    fixed: dict[tuple[str, str], list[str]] = {}
    for pid in _ids(status, _FIXED):
        product = products.get(pid)
        text = product and (product.version or _short_range(product.range_text))
        if product and text:
            fixed.setdefault((product.vendor, product.name), []).append(text)
    return {k: list(dict.fromkeys(v)) for k, v in fixed.items()}


def _vendor_fixes(vuln: dict[str, Any]) -> dict[str, list[str]]:
    """product_id -> vendor_fix texts ("Update to V17 Update 6 or later version")."""
    out: dict[str, list[str]] = {}
    for rem in vuln.get("remediations") or []:
        if isinstance(rem, dict) and rem.get("category") == "vendor_fix" and rem.get("details"):
            text = truncate(_sentences(str(rem["details"])), 120)
            for pid in rem.get("product_ids") or []:
                out.setdefault(str(pid), []).append(text)
    return out


def _short_range(text: str | None) -> str | None:
    return re.sub(r"^vers:[^/]*/", "", text) if text else None


def _statement(product: _Product, found: _Versions | None, fixes: list[str]) -> AffectedProduct:
    found = found or _Versions()  # nothing readable: the matcher's UNKNOWN
    return AffectedProduct(
        vendor=product.vendor, product=product.name, platform=product.platform,
        versions=found.versions, ranges=found.ranges, all_versions=found.all_versions,
        excluded=found.excluded, scheme=found.scheme, cpe=product.cpe, purl=product.purl,
        fixed_in="; ".join(dict.fromkeys(fixes)) or None,
    )


def _unparsed(product: _Product, found: _Versions | None, pid: str) -> str | None:
    if found is not None:
        return None
    text = product.range_text or product.version or "no version given"
    return f"{product.name or pid}: {text!r}"


# --- text fields -------------------------------------------------------------------------------


def _summary(document: dict[str, Any], vulns: list[dict[str, Any]]) -> str:
    for notes in [document.get("notes")] + [v.get("notes") for v in vulns]:
        for category in ("summary", "description"):
            for note in notes or []:
                if isinstance(note, dict) and note.get("category") == category and note.get("text"):
                    return plain_to_text(str(note["text"]), SUMMARY_CHARS)
    return ""


def _sentences(text: str) -> str:
    """Multi-line text on one line, each line ended as a sentence so they do not run on."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return " ".join(ln if ln[-1] in ".!?:;" else ln + "." for ln in lines if ln)


def _main_url(document: dict[str, Any], fetched: str) -> str | None:
    selfs = [r.get("url") for r in document.get("references") or []
             if isinstance(r, dict) and r.get("category") == "self" and safe_url(r.get("url"))]
    # Prefer the human-readable page over the JSON copy of the same advisory.
    pages = [u for u in selfs if not u.lower().endswith(".json")]
    return (pages or selfs or [safe_url(fetched)])[0]


def _links(document: dict[str, Any], vulns: list[dict[str, Any]]) -> tuple[str, ...]:
    refs = [*(document.get("references") or [])]
    for vuln in vulns:
        refs.extend(vuln.get("references") or [])
    urls = (safe_url(r.get("url")) for r in refs if isinstance(r, dict))
    return tuple(dict.fromkeys(u for u in urls if u))


def _severity(document: dict[str, Any], vulns: list[dict[str, Any]]) -> str | None:
    found: list[str] = []
    for vuln in vulns:
        for score in vuln.get("scores") or []:
            cvss = score.get("cvss_v3") if isinstance(score, dict) else None
            word = _SEVERITY_WORDS.get(str((cvss or {}).get("baseSeverity", "")).lower())
            found.extend([word] if word else [])
        # Red Hat gives its own rating as an "impact" threat ("Important") and no CVSS.
        for threat in vuln.get("threats") or []:
            if isinstance(threat, dict) and threat.get("category") == "impact":
                word = _SEVERITY_WORDS.get(str(threat.get("details", "")).strip().lower())
                found.extend([word] if word else [])
    if not found:
        aggregate = (document.get("aggregate_severity") or {}).get("text", "")
        word = _SEVERITY_WORDS.get(str(aggregate).strip().lower())
        found.extend([word] if word else [])
    return min(found, key=SEVERITIES.index) if found else None


def _exploited(vuln: dict[str, Any]) -> bool:
    for threat in vuln.get("threats") or []:
        if not isinstance(threat, dict) or threat.get("category") != "exploit_status":
            continue
        details = str(threat.get("details", "")).lower()
        if re.search(r"exploited|active", details) and not _NEGATION.search(details):
            return True
    return False


def _action(vulns: list[dict[str, Any]]) -> str | None:
    lines: list[str] = []
    for category in _REMEDIATION_LABELS:  # the most useful remediation first
        for vuln in vulns:
            for rem in vuln.get("remediations") or []:
                if not isinstance(rem, dict) or rem.get("category") != category:
                    continue
                details = truncate(_sentences(str(rem.get("details", ""))), 200)
                link = safe_url(rem.get("url"))
                line = f"{_REMEDIATION_LABELS[category]}: {details}"
                line += f" ({link})" if link else ""
                if line not in lines:
                    lines.append(line)
    if len(lines) > 6:
        lines = [*lines[:6], f"(and {len(lines) - 6} more remediations in the advisory)"]
    return "\n".join(lines) or None


register(CsafSource())
