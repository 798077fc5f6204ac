"""CSAF version text -> VersSpec: canonical vers, and the free text real feeds write instead.

Anything ambiguous gives None, which the parser turns into a statement with no versions
(UNKNOWN to the matcher): an unreadable range must never read as "not affected".
"""

from __future__ import annotations

import logging
import re
from functools import cmp_to_key

from advisories import versions
from advisories.models import Bound, VersionRange
from advisories.versions import VersSpec

log = logging.getLogger(__name__)

# A version, and Siemens' spaced qualifiers after it: "V7.4 SP1 Update 14", "V5.6 SP2 HF3",
# "V3.15 P038", "V9.0 Upd3", "V17 Update 6" (one version, however many qualifiers).
VERSION_RE = re.compile(
    r"[vV]?\d[\w.+~:()\-]*(\s(update|upd|sp|service pack|hf|hotfix|u|p)\s?\d+\w*)*", re.I
)
# Siemens' words for the parts of a release, which the siemens scheme orders.
SIEMENS_WORDS = re.compile(r"\s(?:sp|upd|update|hf|p)\s?\d", re.I)
# Conditions after a range: the range is what is affected when the condition holds, and
# whether it holds is the council's to check, so the range is kept (an alert, never a miss).
_CONDITION = re.compile(
    r"\s+(?:only\s+if|only\s+when|if|when|with\s+installed|in\s+(?:non-)?default\s+configurations?)\b.*$",
    re.I,
)
# "between V3.0 (including) and V3.0.2 (excluding)", as Siemens writes a closed-open range.
_BETWEEN = re.compile(
    r"between\s+(\S+)\s+\((in|ex)cluding\)\s+and\s+(\S+)\s+\((in|ex)cluding\)", re.I
)
# ">= V02.00.12 < 02.00.18", ">=V9.3.0<V9.24.22": a lower and an upper bound, no separator.
_SPAN = re.compile(r"(>=?)\s*([vV]?\d[^|,<>]*?)\s*(<=?)\s*([vV]?\d[^|,<>]*)")
_OP_RE = re.compile(r"(<=|>=|<|>|=)?\s*(.+)")
_PLACEHOLDERS = {"", "0", "-", "n/a", "na", "unknown", "unspecified", "none"}

# --- prose in product_version -----------------------------------------------------------------
# CSAF says product_version is one version, but vendors write ranges there. Read as a single
# build, "7.2.4 and below" or "7.0.0-7.0.11" parses under the generic scheme and every other
# version comes out "not affected": a missed alert. So each shape below is either read as the
# range it states or refused (None: UNKNOWN, with the text quoted in the summary).
_DOTTED = r"[vV]?\d+(?:\.\d+)+"
_BELOW = re.compile(
    r"(\S+)\s+(?:and|or|&)\s+(?:below|earlier|prior|lower|older)(?:\s+versions?)?", re.I
)
_ABOVE = re.compile(r"(\S+)\s+(?:and|or|&)\s+(?:above|later|higher|newer)(?:\s+versions?)?", re.I)
_THROUGH = re.compile(r"(?:from\s+)?(\S+)\s+(?:through|thru|to)\s+(\S+)", re.I)
_HYPHEN = re.compile(rf"({_DOTTED})\s*[-–]\s*({_DOTTED})")
# "7.2.x", "7.x", "7.2.*", "7.2 all versions", "all 7.2 versions", "7.2 (all versions)".
_WILD = re.compile(
    r"(?:all\s+(?:versions\s+of\s+)?)?([vV]?\d+(?:\.\d+)*)"
    r"(?:\.[xX*]|\s*\(?\s*all(?:\s+versions)?\s*\)?|\s+versions)",
    re.I,
)
# Words and marks that make a product_version more than one version. A text with any of them
# that no reader above understood is refused, never kept as an exact build.
_PROSE = re.compile(
    r"\b(?:and|or|below|earlier|prior|lower|older|above|later|higher|newer|through|thru|to"
    r"|until|till|up|from|between|since|onwards?|all|any|every|versions?|except|including"
    r"|inclusive|than|greater|less|[xX])\b|[*?&]|\.\.|\+$|\d\s*[-–]\s*[vV]?\d+\.\d+\.\d",
    re.I,
)
# Two versions side by side ("7.2.4 7.0.11") are a list, not a version with a suffix.
_TWO_VERSIONS = re.compile(rf"(?:^|\s){_DOTTED}\s+{_DOTTED}(?:\s|$)")
# Fortinet's one-version banner "v7.2.4,build1396 (GA.F)" has a comma (VERSIONS.md table e).
_BUILD_LABEL = re.compile(r",\s*build\s*\d", re.I)
# NetScaler writes release-build: "13.1-49.13" is one build, not 13.1 through 49.13.
_RELEASE_BUILD_VENDORS = re.compile(r"citrix|netscaler|cloud software group", re.I)


def versions_of(
    version: str | None, range_text: str | None, *, vendor: str = "", scoped: bool = False
) -> VersSpec | None:
    """A product's affected versions, or None when its text cannot be read safely.

    `scoped`: the document names several branches of this product, so an open lower end
    ("7.2.4 and below") starts at its own branch (7.2) rather than at the first version
    (VERSIONS.md pitfall 4, and the same rule as the prose extractor's).
    """
    if range_text is not None:
        return range_text_spec(range_text, vendor=vendor, scoped=scoped)
    version = " ".join((version or "").split())
    if version.lower() in _PLACEHOLDERS:
        return None
    if version.lower() in ("all", "all versions", "*"):
        return VersSpec(all_versions=True)
    # product_version must be one version, yet vendors write ranges there ("prior to 4.2").
    if re.search(r"[<>|]|\s-\s|\b(prior|before)\b", version, re.I):
        return tolerant_range(version, vendor=vendor)
    prose = prose_range(version, vendor=vendor, scoped=scoped)
    if not isinstance(prose, _NotProse):
        return prose
    if _BUILD_LABEL.search(version):
        return VersSpec(versions=(version,))
    if "," in version or _PROSE.search(version) or _TWO_VERSIONS.search(version):
        # "7.2.1, 7.2.2" and "7.2.1 and 7.2.2" are lists; anything else in words is refused.
        return tolerant_range(version, vendor=vendor)
    return VersSpec(versions=(version,))


def range_text_spec(text: str, *, vendor: str = "", scoped: bool = False) -> VersSpec | None:
    text = text.strip()
    if text.lower().startswith("vers:"):
        try:
            spec = versions.parse_vers(text)
        except ValueError:
            # Real feeds write "vers:generic/PAN-OS Firewall>=11.2.10": try the part after "/".
            return tolerant_range(text.split("/", 1)[1]) if "/" in text else None
        return spec
    parsed = tolerant_range(text, vendor=vendor)
    if parsed is None and "/" in text:  # Fortinet writes "FortiOS/>=7.0.0|<=7.0.5"
        parsed = tolerant_range(text.split("/", 1)[1], vendor=vendor)
    if parsed is None:  # vls is best effort: "7.0.0 through 7.0.11" there too
        prose = prose_range(" ".join(text.split()), vendor=vendor, scoped=scoped)
        parsed = None if isinstance(prose, _NotProse) else prose
    return parsed


def short_range(text: str | None) -> str | None:
    """A range without its "vers:type/" prefix, for human-readable fix and problem texts."""
    return re.sub(r"^vers:[^/]*/", "", text) if text else None


class _NotProse:
    """prose_range's answer for a text with none of the range shapes it knows."""


_NOT_PROSE = _NotProse()


def prose_range(text: str, *, vendor: str = "", scoped: bool = False) -> VersSpec | _NotProse | None:
    """A range written in words where one version belongs: the range, None when the shape
    is known but cannot be read safely, or _NOT_PROSE when it is none of these shapes.

    "X and below" (scoped: from X's branch, else from the first version), "X and later",
    "A through B" / "A to B" (both inclusive), "A-B" between two dotted versions, and whole
    branches: "7.2.x", "7.2 all versions".
    """
    if m := _BELOW.fullmatch(text):
        upper = m.group(1)
        if not scoped:
            return _bounded(None, (upper, True), text)
        branch = _branch(upper)
        return _bounded((branch, True), (upper, True), text) if branch else None
    if m := _ABOVE.fullmatch(text):
        return _bounded((m.group(1), True), None, text)
    if m := _THROUGH.fullmatch(text):
        return _closed(m.group(1), m.group(2), text)
    if m := _HYPHEN.fullmatch(text):
        return _hyphenated(m.group(1), m.group(2), text, vendor)
    if m := _WILD.fullmatch(text):
        line = m.group(1)
        return _bounded((line, True), (_next_line(line), False), text)
    return _NOT_PROSE


def _branch(version: str) -> str | None:
    """x.y of a plain x.y.z, the branch Fortinet-style "x.y.z and below" is scoped to."""
    m = re.fullmatch(r"([vV]?\d+\.\d+)\.\d+", version)
    return m.group(1) if m else None


def _next_line(line: str) -> str:
    """The first version past a whole line: 7.2 -> 7.3, V7 -> V8, V5.00 -> V5.01."""
    head, _, last = line.rpartition(".")
    bumped = re.sub(r"\d+$", lambda d: f"{int(d.group(0)) + 1:0{len(d.group(0))}d}", last)
    return f"{head}.{bumped}" if head else bumped


def _closed(lower: str, upper: str, text: str) -> VersSpec | None:
    # An inverted or incomparable pair ("7.2.4 through 7.2.0") is a garbled range: refuse it.
    if versions.compare(lower, upper) not in (-1, 0):
        log.debug("version range not in order: %r", text)
        return None
    return _bounded((lower, True), (upper, True), text)


def _hyphenated(left: str, right: str, text: str, vendor: str) -> VersSpec | None:
    parts = (left.count("."), right.count("."))
    if parts == (1, 1):
        # "13.1-49.13" is a NetScaler build; "7.2-7.4" from anyone else could be either.
        return VersSpec(versions=(text,)) if _RELEASE_BUILD_VENDORS.search(vendor) else None
    order = versions.compare(left, right)  # generic: None if unreadable
    if parts[0] == parts[1] and order == -1:
        return _bounded((left, True), (right, True), text)  # "7.0.0-7.0.11"
    if parts[0] != parts[1] and order == 1:
        return VersSpec(versions=(text,))  # "2.4.58-1.1": a revision; no range runs downwards
    return None  # "7.0-7.0.11", or an inverted "7.0.11-7.0.0": garbled either way


def tolerant_range(text: str, *, vendor: str = "") -> VersSpec | None:
    """Free-text version ranges that are unambiguous -> versions; anything else -> None.

    Understood: "all versions", "<X" / "<=X" / ">X" / ">=X" (one lower and one upper bound,
    joined by "|", "," or "and"), "A < X" and "A <= X" (from A; "0" means no lower bound),
    "A - B" (both inclusive), "prior to X" / "before X", and lists of bare versions.
    A version must start with a digit (after an optional v), so "< IR302 3.5.56" is refused.
    """
    # "All_versions_with_installed_WebRH": underscores between words are spaces.
    text = re.sub(r"(?<=[A-Za-z])_|_(?=[A-Za-z])", " ", text)
    text = _CONDITION.sub("", " ".join(text.split()))
    if re.fullmatch(r"all( versions)?|\*|vers:all/\*", text, flags=re.I):
        return VersSpec(all_versions=True)
    rest = re.sub(r"^(all\s+)?versions?\s+", "", text, flags=re.I)  # "all versions prior to 4.2"
    if m := _BETWEEN.fullmatch(rest):
        return _bounded((m.group(1), m.group(2) == "in"), (m.group(3), m.group(4) == "in"), text)
    if m := _SPAN.fullmatch(rest):
        return _bounded((m.group(2), m.group(1) == ">="), (m.group(4), m.group(3) == "<="), text)
    if m := re.fullmatch(r"(?:prior to|before)\s+(.+)", rest, flags=re.I):
        return _bounded(None, (m.group(1), False), text)
    if m := re.fullmatch(r"(\S+)\s+(<=?)\s+(\S.*)", rest):
        lower = None if m.group(1) == "0" else (m.group(1), True)
        return _bounded(lower, (m.group(3), m.group(2) == "<="), text)
    if m := re.fullmatch(r"(\S+)\s+[-–]\s+(\S+)", rest):
        return _bounded((m.group(1), True), (m.group(2), True), text)
    return _comparators(re.split(r"\s*(?:\||,|\band\b)\s*", rest), vendor)


def _comparators(parts: list[str], vendor: str = "") -> VersSpec | None:
    lower: tuple[str, bool] | None = None
    upper: tuple[str, bool] | None = None
    listed: list[str] = []
    spans: list[VersionRange] = []
    for part in parts:
        m = _OP_RE.fullmatch(part.strip())
        if m is None:
            return None
        op, version = m.group(1) or "=", m.group(2)
        if op == "=":
            # A list member may itself be a range ("7.0.0-7.0.11, 7.2.0-7.2.4"): read it as
            # one, or refuse it, but never keep it as an exact build.
            prose = prose_range(version, vendor=vendor)
            if isinstance(prose, VersSpec):
                spans.extend(prose.ranges)
                listed.extend(prose.versions)
                continue
            if prose is None or not VERSION_RE.fullmatch(version) or _PROSE.search(version):
                return None
            listed.append(version)
        elif not VERSION_RE.fullmatch(version):
            return None
        elif op.startswith(">") and lower is None:
            lower = (version, op == ">=")
        elif op.startswith("<") and upper is None:
            upper = (version, op == "<=")
        else:
            return None  # two lower or two upper bounds: several intervals, order unknown
    if (listed or spans) and (lower or upper):
        return None  # ">= 2.0.0 | 2.6.2": is 2.6.2 a bound or an extra version? Can't tell.
    if listed or spans:
        return VersSpec(ranges=tuple(spans), versions=tuple(listed))
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


# --- one fix per release line ---------------------------------------------------------------
# "< V4.10.111", "< V5.00.171", "< V6.00.204" for one product and one vulnerability: one fix
# on each line (VERSIONS.md pitfall 4). Read as three ranges from the first version, a row at
# V4.10.111, fixed on its line, would fall inside "< V6.00.204".
_LINE = re.compile(r"([vV]?\d+\.\d+)\.\d+\S*")


def per_line(uppers: list[Bound]) -> list[tuple[VersionRange, VersionRange | None]] | None:
    """Each upper bound as (its range, the undecided line gap below it), in the order given;
    None to keep reading each bound from the first version.

    The lowest bound counts from the first version (everything older is affected); each higher
    one from its own line, the first two numbers (V5.00 for V5.00.171). A line between two
    listed ones (V4.20 beside V4.10 and V5.00) is undecided: the document gives it no fix.
    Only when every bound is a dotted x.y.z on a line of its own.
    """
    lines = [m.group(1) if (m := _LINE.fullmatch(b.version.strip())) else None for b in uppers]
    if len(uppers) < 2 or None in lines:
        return None
    texts = [b.version.strip() for b in uppers]
    if any(versions.compare(a, b) is None for a in texts for b in texts):
        return None  # a bound the generic scheme cannot order: today's reading

    def ordered(i: int, j: int) -> int:
        return versions.compare(texts[i], texts[j]) or 0

    order = sorted(range(len(uppers)), key=cmp_to_key(ordered))
    out: dict[int, tuple[VersionRange, VersionRange | None]] = {}
    below: str | None = None  # the line of the next lower bound
    for i in order:
        line = str(lines[i])
        if below is None:
            out[i] = (VersionRange(None, uppers[i]), None)
        elif versions.compare(below, line) != -1:
            return None  # two bounds on one line: today's reading
        else:
            start = _next_line(below)
            gap = VersionRange(Bound(start, True), Bound(line, False))
            out[i] = (VersionRange(Bound(line, True), uppers[i]),
                      gap if versions.compare(start, line) == -1 else None)
        below = line
    return [out[i] for i in range(len(uppers))]
