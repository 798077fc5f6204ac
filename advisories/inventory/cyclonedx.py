"""CycloneDX JSON BOMs: installed programs (cdxgen/osquery OBOM) and package SBOMs.

Components may nest. The platform comes from the BOM's subject when it is an operating
system (metadata.component), else from an operating-system component, else from a Linux
package purl (deb/rpm/apk); otherwise it is "any". JSON has no useful line numbers, so items
have line 0 and problems name the component by position and name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from advisories.errors import InventoryError
from advisories.inventory._common import MAX_CELL, Aggregator, Problems
from advisories.inventory.platforms import classify_platform

_LINUX_PURLS = ("pkg:deb/", "pkg:rpm/", "pkg:apk/", "pkg:alpm/")
_MAX_DEPTH = 64
HINT = 'give a CycloneDX JSON BOM (bomFormat "CycloneDX") or a CSV export'


def load_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InventoryError(f"{source}: not valid JSON ({exc})", HINT) from None
    except RecursionError:
        raise InventoryError(f"{source}: JSON nested too deeply to be a BOM", HINT) from None


def _decode_name(name: str) -> str:
    """cdxgen writes spaces as '+' ("Microsoft+Edge"); a real '+' ("Notepad++") is doubled."""
    if " " in name:
        return name
    return re.sub(r"(?<=[^+\s])\+(?=[^+\s])", " ", name)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _vendor(component: dict[str, Any]) -> str:
    # Authors are people ("Taylor Otwell"), not vendors: leave them out of the vendor check.
    for key in ("publisher", "supplier", "manufacturer", "manufacture"):
        value = component.get(key)
        name = _text(value.get("name")) if isinstance(value, dict) else _text(value)
        if name:
            return name
    return ""


def _walk(components: Any) -> Iterator[dict[str, Any]]:
    """Components in document order, nested ones after their parent, without recursion."""
    done = object()
    stack = [iter(components if isinstance(components, list) else ())]
    while stack:
        component = next(stack[-1], done)
        if component is done:
            stack.pop()
        elif isinstance(component, dict):
            yield component
            children = component.get("components")
            if isinstance(children, list) and len(stack) < _MAX_DEPTH:
                stack.append(iter(children))


def _bom_platform(doc: dict[str, Any], default: str, problems: Problems) -> str:
    """The operating-system component's platform; `default` when the BOM names none. A name
    we cannot place is reported, as the CSV loader reports a platform cell."""
    metadata = doc.get("metadata")
    subject = metadata.get("component") if isinstance(metadata, dict) else None
    for comp in (subject, *_walk(doc.get("components"))):
        if isinstance(comp, dict) and comp.get("type") == "operating-system":
            name = _decode_name(_text(comp.get("name")))
            found = classify_platform(name)
            if found is None:
                problems.add("", f"operating system {name[:60]!r} not recognised; its components are treated as "
                                 "any platform (name it Windows, macOS, Linux, iOS or Android)")
            return found or "any"
    return default


def _product(component: dict[str, Any], purl: str | None) -> str:
    name, group = _decode_name(_text(component.get("name"))), _text(component.get("group"))
    if not group:
        return name
    return f"{group}:{name}" if (purl or "").startswith("pkg:maven/") else f"{group}/{name}"


def parse_cyclonedx(doc: Any, agg: Aggregator, problems: Problems, platform: str = "any") -> None:
    """Add each named component to `agg` (one without a version is kept and reported).
    `platform`: what the components run when the BOM has no operating-system component."""
    if not isinstance(doc, dict) or (doc.get("bomFormat") != "CycloneDX" and "specVersion" not in doc):
        raise InventoryError(f"{problems.source}: JSON but not a CycloneDX BOM", HINT)
    if not isinstance(doc.get("components"), list) or not doc["components"]:
        raise InventoryError(
            f"{problems.source}: CycloneDX BOM without components (a VEX document?)",
            "give the BOM that lists the installed software",
        )
    platform = _bom_platform(doc, platform, problems)
    for n, component in enumerate(_walk(doc["components"]), start=1):
        if component.get("type") == "operating-system":
            continue  # the platform, not an installed product
        _component(n, component, platform, agg, problems)


def _component(n: int, component: dict[str, Any], platform: str, agg: Aggregator, problems: Problems) -> None:
    purl = _text(component.get("purl")) or None
    cpe = _text(component.get("cpe")) or None
    product, version = _product(component, purl), _text(component.get("version"))
    where = f"component {n}" + (f" ({product[:60]!r})" if product else "")
    if not product:
        problems.add(where, "no name; component skipped")
        return
    if not version:  # kept: an unknown version must still be checked, never "not affected"
        problems.add(where, "no version; kept with an unknown version (add it to the BOM)")
    vendor = _vendor(component)
    if max(len(product), len(version), len(vendor)) > MAX_CELL:
        problems.add(where, f"a value is longer than {MAX_CELL} characters; component skipped")
        return
    if platform == "any" and purl and purl.startswith(_LINUX_PURLS):
        platform = "linux"
    agg.add(product, vendor, version, platform, None, "", 0, purl, cpe)
