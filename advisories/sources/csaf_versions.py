"""CSAF version text -> VersSpec: canonical vers, and the free text real feeds write instead.

Anything ambiguous gives None, which the parser turns into a statement with no versions
(UNKNOWN to the matcher): an unreadable range must never read as "not affected".
"""

from __future__ import annotations

import logging
import re

from advisories import versions
from advisories.models import Bound, VersionRange
from advisories.versions import VersSpec

log = logging.getLogger(__name__)

VERSION_RE = re.compile(
    r"[vV]?\d[\w.+~:()\-]*(\s(update|sp|service pack|hf|hotfix|u)\s?\d+\w*)?", re.I
)
_OP_RE = re.compile(r"(<=|>=|<|>|=)?\s*(.+)")
_PLACEHOLDERS = {"", "0", "-", "n/a", "na", "unknown", "unspecified", "none"}


def versions_of(version: str | None, range_text: str | None) -> VersSpec | None:
    """A product's affected versions, or None when its text cannot be read safely."""
    if range_text is not None:
        return range_text_spec(range_text)
    version = (version or "").strip()
    if version.lower() in _PLACEHOLDERS:
        return None
    if version.lower() in ("all", "all versions", "*"):
        return VersSpec(all_versions=True)
    # product_version must be one version, yet vendors write ranges there ("prior to 4.2").
    if re.search(r"[<>|]|\s-\s|\b(prior|before)\b", version, re.I):
        return tolerant_range(version)
    return VersSpec(versions=(version,))


def range_text_spec(text: str) -> VersSpec | None:
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


def short_range(text: str | None) -> str | None:
    """A range without its "vers:type/" prefix, for human-readable fix and problem texts."""
    return re.sub(r"^vers:[^/]*/", "", text) if text else None


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
        if m is None or not VERSION_RE.fullmatch(m.group(2)):
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
    if not bounds or not all(VERSION_RE.fullmatch(b[0].strip()) for b in bounds):
        log.debug("version range not understood: %r", text)
        return None
    return VersSpec(ranges=(VersionRange(
        lower=Bound(lower[0].strip(), lower[1]) if lower else None,
        upper=Bound(upper[0].strip(), upper[1]) if upper else None,
    ),))
