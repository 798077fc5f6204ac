"""The vers specification (`vers:<type>/<constraint>|...`), read tolerantly.

CSAF feeds break the spec's canonical-form rules in practice (a "V" prefix, spaces inside
versions, unsorted constraints, no "vers:" at all), so this reader repairs what it can
without guessing and raises VersParseError, with the offending text, for the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from ..errors import ParseError
from ..models import Bound, VersionRange
from .core import ParsedVersion, Relation
from .schemes import parse_version, relation


class VersParseError(ParseError, ValueError):
    """A vers string that cannot be read. It is a ValueError and an AdvisoriesError."""

    def __init__(self, text: str, problem: str) -> None:
        super().__init__(
            f"cannot read version range {text!r}: {problem}",
            "the affected statement needs a manual version range",
        )


@dataclass(frozen=True, slots=True)
class VersSpec:
    """A parsed vers string, in the shape of AffectedProduct's version fields."""

    ranges: tuple[VersionRange, ...] = ()
    versions: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    all_versions: bool = False
    scheme: str = "generic"


# vers type -> our scheme. Types we have no scheme of our own for use the generic vendor
# scheme, which orders numeric segments as integers (never as strings).
VERS_TYPES: dict[str, str] = {
    "generic": "generic",
    "intdot": "generic",
    "all": "generic",
    "none": "generic",
    "pypi": "pep440",
    "maven": "maven",
    "deb": "deb",
    "debian": "deb",
    "rpm": "rpm",
    "openssl": "openssl",
    "nginx": "nginx",
    "semver": "semver",
    "npm": "semver",
    "cargo": "semver",
    "golang": "semver",
}

_CONSTRAINT = re.compile(r"^(!=|<=|>=|<|>|=)?\s*(.*)$", re.DOTALL)
_OPERATOR_CHARS = re.compile(r"[<>=!|]")


def _split(text: str) -> tuple[str, str]:
    """(vers type, constraints). Without "vers:", "FortiOS/>=7.0.0" and bare "<V3.0.29" are
    accepted too (CSAF's vls fallback); an unknown type falls back to generic."""
    s = unquote(text).strip()
    if s[:5].lower() == "vers:":
        vtype, slash, rest = s[5:].partition("/")
        if not slash:
            raise VersParseError(text, "no '/' after the type")
        return vtype.strip().lower(), rest
    head, slash, rest = s.partition("/")
    if slash and rest.lstrip()[:1] in ("<", ">", "=", "!", "*"):
        return head.strip().lower(), rest
    return "generic", s


def _constraints(text: str, rest: str) -> list[tuple[str, str]]:
    out = []
    for raw in rest.split("|"):
        if not raw.strip():
            continue  # "a||b" and a trailing "|" carry no meaning
        m = _CONSTRAINT.match(raw.strip())
        op, version = (m.group(1) or "=") if m else "=", (m.group(2).strip() if m else "")
        if not version:
            raise VersParseError(text, f"the constraint {raw.strip()!r} has no version")
        if _OPERATOR_CHARS.search(version):
            raise VersParseError(text, f"{raw.strip()!r} is not one comparator and one version")
        out.append((op, version))
    if not out:
        raise VersParseError(text, "no constraints")
    return out


def parse_vers(text: str) -> VersSpec:
    """Read a vers string: `vers:<type>/<c>|<c>...`, comparators = != < <= > >=, or `*`.

    Containment follows the spec: `!=` versions are out, `=` versions are in, and the
    `<`/`>` constraints, sorted by the type's ordering, pair up into intervals. Tolerated:
    case, whitespace, %-encoding, a "V" prefix, versions with spaces ("17 Update 6"),
    unsorted constraints, and non-alternating bounds (the widest reading is kept, since
    missing an affected version is worse than a false alarm).

    Raises VersParseError (a ValueError) when the text cannot be read.
    """
    vtype, rest = _split(text)
    scheme = VERS_TYPES.get(vtype, "generic")
    if rest.strip() == "*":
        return VersSpec(all_versions=vtype != "none", scheme=scheme)
    parts = _constraints(text, rest)
    if any(v == "*" for _, v in parts):
        raise VersParseError(text, "'*' must stand alone")
    versions = tuple(v for op, v in parts if op == "=")
    excluded = tuple(v for op, v in parts if op == "!=")
    bounds = [(op, v) for op, v in parts if op not in ("=", "!=")]
    return VersSpec(_pair_up(bounds, scheme), versions, excluded, False, scheme)


# Where several bounds name one version, uppers sort before lowers ("<2.0|>2.0" is every
# version but 2.0), an exclusive upper before an inclusive one and an inclusive lower before
# an exclusive one: `_pair_up` keeps the last of a run of uppers and the first of a run of
# lowers, so the widest of the duplicates wins (">=1.0|<=2.0|<2.0" includes 2.0, as the
# vers spec's own check does: an "=", "<=" or ">=" naming the version puts it in).
_TIE_ORDER = {"<": 0, "<=": 1, ">=": 2, ">": 3}


def _sorted(bounds: list[tuple[str, str]], scheme: str) -> list[tuple[str, str]]:
    keyed: list[tuple[ParsedVersion, str, str]] = []
    for op, version in bounds:
        parsed = parse_version(version, scheme)
        if parsed is None or any(relation(parsed, p) is not Relation.ORDERED for p, _, _ in keyed):
            return bounds  # cannot sort what we cannot read: trust the writer's order
        keyed.append((parsed, op, version))
    keyed.sort(key=lambda t: (t[0].key, _TIE_ORDER[t[1]]))
    return [(op, version) for _, op, version in keyed]


def _pair_up(bounds: list[tuple[str, str]], scheme: str) -> tuple[VersionRange, ...]:
    ranges: list[VersionRange] = []
    lower: Bound | None = None
    after_upper = False
    for op, version in _sorted(bounds, scheme):
        bound = Bound(version, op in (">=", "<="))
        if op in (">", ">="):
            lower = lower or bound  # a second lower bound in a row: keep the first (wider)
            after_upper = False
        elif lower is not None:
            ranges.append(VersionRange(lower, bound))
            lower, after_upper = None, True
        elif after_upper:
            ranges[-1] = VersionRange(ranges[-1].lower, bound)  # two uppers in a row: widen
        else:
            ranges.append(VersionRange(None, bound))
            after_upper = True
    if lower is not None:
        ranges.append(VersionRange(lower, None))
    return tuple(ranges)
