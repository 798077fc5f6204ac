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
from advisories.versions import VersSpec

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
    products = _products(_obj(doc.get("product_tree")))
    vulns = _objs(doc.get("vulnerabilities"))
    affects, unparsed = _all_statements(vulns, products, tracking_id)
    summary = _summary(document, vulns)
    if unparsed:
        more = f"; and {len(unparsed) - 10} more" if len(unparsed) > 10 else ""
        summary += "\n\nCheck manually: " + "; ".join(unparsed[:10])
        summary += more
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


def _obj(value: Any) -> dict[str, Any]:
    """A JSON object, or {} for anything else: real and hostile files put wrong types anywhere."""
    return value if isinstance(value, dict) else {}


def _objs(value: Any) -> list[dict[str, Any]]:
    """The JSON objects in a list, or [] when it is not a list."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _url(value: Any) -> str | None:
    return safe_url(value) if isinstance(value, str) else None


def _strs(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


# --- product tree -------------------------------------------------------------------------


def _products(tree: dict[str, Any]) -> dict[str, _Product]:
    """product_id -> what it is, from branches, full_product_names and relationships."""
    found: dict[str, _Product] = {}
    # Iterative walk: branches nest arbitrarily deep and a hostile file could be very deep.
    stack = [(b, dict[str, str]()) for b in reversed(_objs(tree.get("branches")))]
    while stack:
        branch, context = stack.pop()
        category, name = str(branch.get("category", "")), str(branch.get("name", "")).strip()
        context = {**context, category: name}
        if category in _VERSION_BRANCHES:
            context["version"] = name
        if isinstance(branch.get("product"), dict):
            _add_product(found, branch["product"], context)
        stack.extend((child, context) for child in reversed(_objs(branch.get("branches"))))
    for full in _objs(tree.get("full_product_names")):
        _add_product(found, full, {})
    for rel in _objs(tree.get("relationships")):
        _add_relationship(found, rel)
    return found


def _add_product(found: dict[str, _Product], product: dict[str, Any], ctx: dict[str, str]) -> None:
    pid = product.get("product_id")
    if not isinstance(pid, str):
        return
    helper = _obj(product.get("product_identification_helper"))
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
    full = _obj(rel.get("full_product_name"))
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


def _versions_of(product: _Product) -> VersSpec | None:
    """The product's affected versions, or None when its text cannot be read safely."""
    if product.range_text is not None:
        return _range_text(product.range_text)
    version = (product.version or "").strip()
    if version.lower() in _PLACEHOLDERS:
        return None
    if version.lower() in ("all", "all versions", "*"):
        return VersSpec(all_versions=True)
    # product_version must be one version, yet vendors write ranges there ("prior to 4.2").
    if re.search(r"[<>|]|\s-\s|\b(prior|before)\b", version, re.I):
        return tolerant_range(version)
    return VersSpec(versions=(version,))


def _range_text(text: str) -> VersSpec | None:
    text = text.strip()
    if text.lower().startswith("vers:"):
        try:
            spec = versions.parse_vers(text)
        except ValueError:
            # Real feeds write "vers:generic/PAN-OS Firewall>=11.2.10": try the part after "/".
            return tolerant_range(text.split("/", 1)[1]) if "/" in text else None
        return spec
    parsed = tolerant_range(text)
    if parsed is None and "/" in text:  # Fortinet writes "FortiOS/>=7.0.0|<=7.0.5"
        parsed = tolerant_range(text.split("/", 1)[1])
    return parsed


def tolerant_range(text: str) -> VersSpec | None:
    """Free-text version ranges that are unambiguous -> versions; anything else -> None.

    Understood: "all versions", "<X" / "<=X" / ">X" / ">=X" (one lower and one upper bound,
    joined by "|", "," or "and"), "A < X" and "A <= X" (from A; "0" means no lower bound),
    "A - B" (both inclusive), "prior to X" / "before X", and lists of bare versions.
    A version must start with a digit (after an optional v), so "< IR302 3.5.56" is refused.
    """
    text = " ".join(text.split())
    if re.fullmatch(r"all( versions)?|\*|vers:all/\*", text, flags=re.I):
        return VersSpec(all_versions=True)
    rest = re.sub(r"^(all\s+)?versions?\s+", "", text, flags=re.I)  # "all versions prior to 4.2"
    if m := re.fullmatch(r"(?:prior to|before)\s+(.+)", rest, flags=re.I):
        return _bounded(None, (m.group(1), False), text)
    if m := re.fullmatch(r"(\S+)\s+(<=?)\s+(\S.*)", rest):
        lower = None if m.group(1) == "0" else (m.group(1), True)
        return _bounded(lower, (m.group(3), m.group(2) == "<="), text)
    if m := re.fullmatch(r"(\S+)\s+[-–]\s+(\S+)", rest):
        return _bounded((m.group(1), True), (m.group(2), True), text)
    return _comparators(re.split(r"\s*(?:\||,|\band\b)\s*", rest))


def _comparators(parts: list[str]) -> VersSpec | None:
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
        return VersSpec(versions=tuple(listed))
    return _bounded(lower, upper, "|".join(parts))


def _bounded(
    lower: tuple[str, bool] | None, upper: tuple[str, bool] | None, text: str
) -> VersSpec | None:
    bounds = [b for b in (lower, upper) if b is not None]
    if not bounds or not all(_VERSION_RE.fullmatch(b[0].strip()) for b in bounds):
        log.debug("version range not understood: %r", text)
        return None
    return VersSpec(ranges=(VersionRange(
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
        if not isinstance(status, dict) or not status:
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
    return list(dict.fromkeys(i for k in keys for i in _strs(status.get(k))))


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
    # Under investigation may turn out affected: a statement with no versions, so UNKNOWN.
    for pid in _ids(status, ("under_investigation",)):
        product = products.get(pid) or _Product(vendor="", name=pid)
        version = product.version or _short_range(product.range_text) or ""
        out.append((_statement(product, None, []),
                    f"{product.name} {version}".strip() + " (under investigation)"))
    return out


def _open_ended(found: VersSpec, key: str, fixes: list[str]) -> VersSpec:
    # first_affected 2.0 means 2.0 and later releases; keeping just "2.0" would report 2.1
    # as not affected. Bound it by the product's single fixed version when there is one.
    if len(found.versions) != 1:
        return found
    version = found.versions[0]
    if key == "first_affected":
        fix = fixes[0] if len(fixes) == 1 and _VERSION_RE.fullmatch(fixes[0]) else None
        upper = Bound(fix, False) if fix else None
        return VersSpec(ranges=(VersionRange(Bound(version, True), upper),))
    return VersSpec(ranges=(VersionRange(None, Bound(version, True)),))  # last_affected


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
    for rem in _objs(vuln.get("remediations")):
        if rem.get("category") == "vendor_fix" and rem.get("details"):
            text = truncate(_sentences(str(rem["details"])), 120)
            for pid in _strs(rem.get("product_ids")):
                out.setdefault(pid, []).append(text)
    return out


def _short_range(text: str | None) -> str | None:
    return re.sub(r"^vers:[^/]*/", "", text) if text else None


def _statement(product: _Product, found: VersSpec | None, fixes: list[str]) -> AffectedProduct:
    found = found or VersSpec()  # nothing readable: the matcher's UNKNOWN
    return AffectedProduct(
        vendor=product.vendor, product=product.name, platform=product.platform,
        versions=found.versions, ranges=found.ranges, all_versions=found.all_versions,
        # vers:all / vers:generic name no ordering: leave the choice to the product catalogue.
        scheme=None if found.scheme == versions.DEFAULT_SCHEME else found.scheme,
        excluded=found.excluded, cpe=product.cpe, purl=product.purl,
        fixed_in="; ".join(dict.fromkeys(fixes)) or None,
    )


def _unparsed(product: _Product, found: VersSpec | None, pid: str) -> str | None:
    if found is not None:
        return None
    text = product.range_text or product.version
    return f"{product.name or pid}: " + (f"{text!r} not understood" if text else "no version")


# --- text fields -------------------------------------------------------------------------------


def _summary(document: dict[str, Any], vulns: list[dict[str, Any]]) -> str:
    for notes in [_objs(document.get("notes")), *(_objs(v.get("notes")) for v in vulns)]:
        for category in ("summary", "description"):
            for note in notes:
                if note.get("category") == category and note.get("text"):
                    return plain_to_text(str(note["text"]), SUMMARY_CHARS)
    return ""


def _sentences(text: str) -> str:
    """Multi-line text on one line, each line ended as a sentence so they do not run on."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [ln for ln in lines if ln]
    ended = [ln if ln[-1] in ".!?:;" else ln + "." for ln in lines[:-1]]
    return " ".join([*ended, *lines[-1:]])


def _main_url(document: dict[str, Any], fetched: str) -> str | None:
    selfs = [str(r["url"]) for r in _objs(document.get("references"))
             if r.get("category") == "self" and _url(r.get("url"))]
    # Prefer the human-readable page over the JSON copy of the same advisory.
    pages = [u for u in selfs if not u.lower().endswith(".json")]
    return pages[0] if pages else selfs[0] if selfs else safe_url(fetched)


def _links(document: dict[str, Any], vulns: list[dict[str, Any]]) -> tuple[str, ...]:
    refs = _objs(document.get("references"))
    for vuln in vulns:
        refs.extend(_objs(vuln.get("references")))
    urls = (_url(r.get("url")) for r in refs)
    return tuple(dict.fromkeys(u for u in urls if u))


def _severity(document: dict[str, Any], vulns: list[dict[str, Any]]) -> str | None:
    found: list[str] = []
    for vuln in vulns:
        for score in _objs(vuln.get("scores")):
            cvss = _obj(score.get("cvss_v3"))
            word = _SEVERITY_WORDS.get(str(cvss.get("baseSeverity", "")).lower())
            found.extend([word] if word else [])
        # Red Hat gives its own rating as an "impact" threat ("Important") and no CVSS.
        for threat in _objs(vuln.get("threats")):
            if threat.get("category") == "impact":
                word = _SEVERITY_WORDS.get(str(threat.get("details", "")).strip().lower())
                found.extend([word] if word else [])
    if not found:
        aggregate = _obj(document.get("aggregate_severity")).get("text", "")
        word = _SEVERITY_WORDS.get(str(aggregate).strip().lower())
        found.extend([word] if word else [])
    return min(found, key=SEVERITIES.index) if found else None


def _exploited(vuln: dict[str, Any]) -> bool:
    for threat in _objs(vuln.get("threats")):
        if threat.get("category") != "exploit_status":
            continue
        details = str(threat.get("details", "")).lower()
        if re.search(r"exploited|active", details) and not _NEGATION.search(details):
            return True
    return False


def _action(vulns: list[dict[str, Any]]) -> str | None:
    lines: list[str] = []
    for category in _REMEDIATION_LABELS:  # the most useful remediation first
        for vuln in vulns:
            for rem in _objs(vuln.get("remediations")):
                if rem.get("category") != category:
                    continue
                details = truncate(_sentences(str(rem.get("details", ""))), 200)
                link = _url(rem.get("url"))
                line = f"{_REMEDIATION_LABELS[category]}: {details}"
                line += f" ({link})" if link else ""
                if line not in lines:
                    lines.append(line)
    if len(lines) > 6:
        lines = [*lines[:6], f"(and {len(lines) - 6} more remediations in the advisory)"]
    return "\n".join(lines) or None


register(CsafSource())
