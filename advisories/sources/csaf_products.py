"""CSAF product tree and product_status -> affected statements.

The product tree says which product each product ID is (vendor, name, version or range,
platform); `vulnerabilities[].product_status` says which IDs are affected. Every affected
ID becomes a statement; one whose version text cannot be read keeps no versions at all
(UNKNOWN to the matcher) and its text is returned so the summary can name it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from advisories import versions
from advisories.cpe import Cpe, cpe_value, parse_cpe
from advisories.models import AffectedProduct, Bound, VersionRange
from advisories.sanitise import truncate
from advisories.sources.csaf_versions import SIEMENS_WORDS, VERSION_RE, per_line, short_range, versions_of
from advisories.versions import VersSpec

log = logging.getLogger(__name__)

_VERSION_BRANCHES = ("product_version", "service_pack", "patch_level")
_AFFECTED = ("known_affected", "first_affected", "last_affected")
_FIXED = ("fixed", "first_fixed")
_SIEMENS = re.compile(r"\bsiemens\b", re.I)


@dataclass(frozen=True, slots=True)
class Product:
    vendor: str
    name: str
    version: str | None = None  # product_version, or the deeper service_pack / patch_level
    range_text: str | None = None  # product_version_range
    platform: str = "any"
    cpe: str | None = None
    purl: str | None = None


# --- tolerant JSON access: real and hostile files put wrong types anywhere -------------------


def obj(value: Any) -> dict[str, Any]:
    """A JSON object, or {} for anything else."""
    return value if isinstance(value, dict) else {}


def objs(value: Any) -> list[dict[str, Any]]:
    """The JSON objects in a list, or [] when it is not a list."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def strs(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def sentences(text: str) -> str:
    """Multi-line text on one line, each line ended as a sentence so they do not run on."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [ln for ln in lines if ln]
    ended = [ln if ln[-1] in ".!?:;" else ln + "." for ln in lines[:-1]]
    return " ".join([*ended, *lines[-1:]])


# --- product tree -------------------------------------------------------------------------


def products(tree: dict[str, Any]) -> dict[str, Product]:
    """product_id -> what it is, from branches, full_product_names and relationships."""
    found: dict[str, Product] = {}
    models: dict[str, str] = {}  # product_id -> its full_product_name, under a product_name branch
    # Iterative walk: branches nest arbitrarily deep and a hostile file could be very deep.
    stack = [(b, dict[str, str]()) for b in reversed(objs(tree.get("branches")))]
    while stack:
        branch, context = stack.pop()
        category, name = str(branch.get("category", "")), str(branch.get("name", "")).strip()
        context = {**context, category: name}
        if category in _VERSION_BRANCHES:
            context["version"] = name
        if isinstance(branch.get("product"), dict):
            _add_product(found, branch["product"], context)
            full, pid = branch["product"].get("name"), branch["product"].get("product_id")
            if isinstance(full, str) and isinstance(pid, str) and context.get("product_name"):
                models[pid] = " ".join(full.split())
        stack.extend((child, context) for child in reversed(objs(branch.get("branches"))))
    _model_names(found, models)
    for full in objs(tree.get("full_product_names")):
        _add_product(found, full, {})
    for rel in objs(tree.get("relationships")):
        _add_relationship(found, rel)
    return found


# The version text a full_product_name ends with: "...: Versions 1.28 and prior", ": < V5.0".
_NAME_VERSION = re.compile(r"\s*:[^:]*(?:\d|\ball\b|\bversions?\b)[^:]*$", re.I)
_ALL_MODELS = re.compile(r"\s*\(all models\)", re.I)
_VERSIONISH = re.compile(r"(?<![\w.])[vV]?\d[\w.+~\-]*")  # "V1.0", "1.0.0-alpha", "< 8.0.1"


def _model_names(found: dict[str, Product], models: dict[str, str]) -> None:
    """Name each product by its full_product_name when products sharing one product_name
    differ only there (Omron's "NJ/NX-series Controllers and Software - NX7-series Machine
    Automation Controller" beside "... - Automation Software Sysmac Studio"): the model is in
    the full name alone. Only a full name that is the product_name and more than a version."""
    groups: dict[tuple[str, str], dict[str, str]] = {}
    for pid, full in models.items():
        product = found[pid]
        specific = _ALL_MODELS.sub("", _NAME_VERSION.sub("", full)).strip()
        rest = specific[len(product.name):] if specific.casefold().startswith(product.name.casefold()) else ""
        if product.version:  # a model written as the version ("CODESYS Control for BeagleBone")
            rest = rest.casefold().replace(product.version.casefold(), "")
        model = re.search(r"[A-Za-z]", _VERSIONISH.sub("", rest))
        groups.setdefault((product.vendor, product.name), {})[pid] = specific if model else product.name
    for names in groups.values():
        if len(set(names.values())) > 1 and all(n != found[p].name for p, n in names.items()):
            for pid, specific in names.items():
                found[pid] = replace(found[pid], name=specific)


def _add_product(found: dict[str, Product], product: dict[str, Any], ctx: dict[str, str]) -> None:
    pid = product.get("product_id")
    if not isinstance(pid, str):
        return
    helper = obj(product.get("product_identification_helper"))
    cpe = helper.get("cpe") if isinstance(helper.get("cpe"), str) else None
    purl = helper.get("purl") if isinstance(helper.get("purl"), str) else None
    # The CPE (2.3 or a 2.2 URI) says vendor, product and version where the branches do not.
    parsed = parse_cpe(cpe) if cpe else None
    cpe_version = cpe_value(parsed.version) if parsed and parsed.version not in ("*", "-") else None
    name = ctx.get("product_name") or ctx.get("product_family")
    if not name and parsed and not ctx:  # a bare full_product_name: the CPE names it best
        name = cpe_value(parsed.product) or parsed.product
    found[pid] = Product(
        vendor=ctx.get("vendor") or (cpe_value(parsed.vendor) or "" if parsed else ""),
        name=name or str(product.get("name") or pid).strip(),
        version=ctx.get("version") or (None if "product_version_range" in ctx else cpe_version),
        range_text=ctx.get("product_version_range"),
        cpe=_line_cpe(parsed) if parsed else None,
        purl=purl.split("@", 1)[0] if purl else None,
    )


def _line_cpe(cpe: Cpe) -> str:
    """The product line a CPE names, its version and update left to the statement's versions:
    "cpe:2.3:a:vendor:product" when nothing else is said, else every field but those two."""
    rest = (*cpe[5:],)
    if all(f == "*" for f in rest):
        return f"cpe:2.3:{cpe.part}:{cpe.vendor}:{cpe.product}"
    return cpe._replace(version="*", update="*").formatted()


def _add_relationship(found: dict[str, Product], rel: dict[str, Any]) -> None:
    # "X installed_on / default_component_of Y": the product is X; Y only says where.
    full = obj(rel.get("full_product_name"))
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


# --- vulnerabilities -> statements -----------------------------------------------------------


def all_statements(
    vulns: list[dict[str, Any]], found: dict[str, Product], doc_id: str
) -> tuple[tuple[AffectedProduct, ...], list[str]]:
    """The document's statements, and the version texts that could not be read."""
    merged: dict[tuple[AffectedProduct, bool], AffectedProduct] = {}
    unparsed: list[str] = []
    for vuln in vulns:
        status = vuln.get("product_status")
        if not isinstance(status, dict) or not status:
            log.warning("%s: vulnerability %s has no product_status; skipped",
                        doc_id, vuln.get("cve", "?"))
            continue
        for statement, raw in _statements(vuln, status, found):
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
    return list(dict.fromkeys(i for k in keys for i in strs(status.get(k))))


def _statements(
    vuln: dict[str, Any], status: dict[str, Any], found: dict[str, Product]
) -> list[tuple[AffectedProduct, str | None]]:
    """(statement, the text that could not be read or None) for each affected product ID."""
    fixed = _fixed_texts(status, found)
    vendor_fixes = _vendor_fixes(vuln)
    several = _several_branches(status, found)
    specs = {pid: versions_of(p.version, p.range_text, vendor=p.vendor, scoped=(p.vendor, p.name) in several)
             for pid in _ids(status, _AFFECTED) if (p := found.get(pid) or Product(vendor="", name=pid))}
    lines = _per_line(specs, found)
    out: list[tuple[AffectedProduct, str | None]] = []
    for key in _AFFECTED:
        for pid in _ids(status, (key,)):
            product = found.get(pid) or Product(vendor="", name=pid)
            fixes = fixed.get((product.vendor, product.name), [])
            spec, undecided = lines.get(pid, (specs[pid], ()))
            if spec is not None and key != "known_affected":
                spec = _open_ended(spec, key, fixes)
            problem = _unparsed(product, spec, pid)
            statement = _statement(product, spec, fixes or vendor_fixes.get(pid, []),
                                   note=problem if spec is None and _version_text(product) else None)
            statement = replace(statement, undecided=undecided) if undecided else statement
            out.append((statement, problem))
    # Under investigation may turn out affected: a statement with no versions, so UNKNOWN.
    for pid in _ids(status, ("under_investigation",)):
        product = found.get(pid) or Product(vendor="", name=pid)
        version = product.version or short_range(product.range_text) or ""
        out.append((_statement(product, None, []),
                    f"{product.name} {version}".strip() + " (under investigation)"))
    return out


def _several_branches(status: dict[str, Any], found: dict[str, Product]) -> set[tuple[str, str]]:
    """(vendor, name) of the products whose affected entries name more than one branch.

    "7.2.4 and below" next to "7.0.11 and below" speaks for the 7.2 branch only; a lone
    "7.2.4 and below" covers every older version, because missing an affected install is
    the worse error (the prose extractor's rule too, VERSIONS.md pitfall 4).
    """
    branches: dict[tuple[str, str], set[str]] = {}
    for pid in _ids(status, _AFFECTED):
        product = found.get(pid)
        line = product and re.search(r"\d+\.\d+", _version_text(product) or "")
        if product and line:
            branches.setdefault((product.vendor, product.name), set()).add(line.group(0))
    return {key for key, lines in branches.items() if len(lines) > 1}


def _per_line(
    specs: dict[str, VersSpec | None], found: dict[str, Product]
) -> dict[str, tuple[VersSpec, tuple[VersionRange, ...]]]:
    """product_id -> its range read on its own release line, and the undecided line below it,
    for the products given one upper bound per line ("< V4.10.111", "< V5.00.171": csaf_versions'
    `per_line`); the other IDs keep the reading from the first version."""
    groups: dict[tuple[str, str, str], list[tuple[str, Bound]]] = {}
    for pid, spec in specs.items():
        product = found.get(pid)
        if product is None or spec is None or spec.versions or spec.all_versions or spec.excluded:
            continue
        if len(spec.ranges) == 1 and spec.ranges[0].lower is None and spec.ranges[0].upper is not None:
            groups.setdefault((product.vendor, product.name, product.platform), []).append(
                (pid, spec.ranges[0].upper))
    out: dict[str, tuple[VersSpec, tuple[VersionRange, ...]]] = {}
    for members in groups.values():
        bounds = list(dict.fromkeys(bound for _, bound in members))
        read = per_line(bounds)
        if read is None:
            continue
        by_bound = dict(zip(bounds, read, strict=True))
        for pid, bound in members:
            span, gap = by_bound[bound]
            out[pid] = (replace(specs[pid] or VersSpec(), ranges=(span,)), (gap,) if gap else ())
    return out


def _version_text(product: Product) -> str | None:
    return product.range_text or product.version


def _open_ended(spec: VersSpec, key: str, fixes: list[str]) -> VersSpec:
    # first_affected 2.0 means 2.0 and later releases; keeping just "2.0" would report 2.1
    # as not affected. Bound it by the product's single fixed version when there is one.
    if len(spec.versions) != 1:
        return spec
    version = spec.versions[0]
    if key == "first_affected":
        fix = fixes[0] if len(fixes) == 1 and VERSION_RE.fullmatch(fixes[0]) else None
        upper = Bound(fix, False) if fix else None
        return VersSpec(ranges=(VersionRange(Bound(version, True), upper),))
    return VersSpec(ranges=(VersionRange(None, Bound(version, True)),))  # last_affected


def _fixed_texts(
    status: dict[str, Any], found: dict[str, Product]
) -> dict[tuple[str, str], list[str]]:
    """(vendor, product name) -> the versions listed as fixed for that same product."""
    fixed: dict[tuple[str, str], list[str]] = {}
    for pid in _ids(status, _FIXED):
        product = found.get(pid)
        text = product and (product.version or short_range(product.range_text))
        if product and text:
            fixed.setdefault((product.vendor, product.name), []).append(text)
    return {k: list(dict.fromkeys(v)) for k, v in fixed.items()}


def _vendor_fixes(vuln: dict[str, Any]) -> dict[str, list[str]]:
    """product_id -> vendor_fix texts ("Update to V17 Update 6 or later version")."""
    out: dict[str, list[str]] = {}
    for rem in objs(vuln.get("remediations")):
        if rem.get("category") == "vendor_fix" and rem.get("details"):
            text = truncate(sentences(str(rem["details"])), 120)
            for pid in strs(rem.get("product_ids")):
                out.setdefault(pid, []).append(text)
    return out


def _statement(
    product: Product, spec: VersSpec | None, fixes: list[str], note: str | None = None
) -> AffectedProduct:
    spec = spec or VersSpec()  # nothing readable: the matcher's UNKNOWN
    return AffectedProduct(
        vendor=product.vendor, product=product.name, platform=product.platform,
        versions=spec.versions, ranges=spec.ranges, all_versions=spec.all_versions,
        scheme=_scheme(product.vendor, spec),
        excluded=spec.excluded, cpe=product.cpe, purl=product.purl,
        fixed_in="; ".join(dict.fromkeys(fixes)) or None,
        note=note,  # the text as the vendor wrote it, so "check manually" can quote it
    )


def _scheme(vendor: str, spec: VersSpec) -> str | None:
    """The scheme a statement's versions are read in. vers:all / vers:generic name no
    ordering: the choice is left to the product catalogue, except for Siemens' releases
    written with named parts ("V7.4 SP1 Update 14"), which only the siemens scheme orders
    against each other and against the dotted form inventories report (7.4.1.14)."""
    if spec.scheme != versions.DEFAULT_SCHEME:
        return spec.scheme
    texts = [*spec.versions, *(b.version for r in spec.ranges for b in (r.lower, r.upper) if b)]
    if _SIEMENS.search(vendor) and any(SIEMENS_WORDS.search(t) for t in texts):
        return "siemens"
    return None


def _unparsed(product: Product, spec: VersSpec | None, pid: str) -> str | None:
    if spec is not None:
        return None
    text = _version_text(product)
    return f"{product.name or pid}: " + (f"{text!r} not understood" if text else "no version")
