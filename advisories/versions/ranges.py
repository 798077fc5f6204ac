"""Range constructors (OSV, NVD, nginx) and the compiled form the matcher tests against.

Every input form becomes `models.VersionRange` (one interval; None on a side means
unbounded). A statement's ranges are a union of such intervals, one per branch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from ..models import Bound, VersionRange
from .core import ParsedVersion, Relation
from .schemes import parse_version, relation


def _given(value: str | None) -> str | None:
    # NVD uses "*" and "-" for "no value"; feeds also leave empty strings.
    if value is None:
        return None
    s = value.strip()
    return None if s in ("", "*", "-") else s


def osv_range(
    introduced: str | None, fixed: str | None = None, last_affected: str | None = None
) -> VersionRange:
    """One OSV `ranges[].events` timeline as an interval.

    `introduced` "0" (or None) means unbounded below; `fixed` is an exclusive upper bound
    and `last_affected` an inclusive one. OSV forbids both in one range: ValueError.
    """
    fixed, last_affected = _given(fixed), _given(last_affected)
    if fixed and last_affected:
        raise ValueError(
            f"an OSV range has either 'fixed' ({fixed}) or 'last_affected' ({last_affected}), "
            "not both; split it into two ranges"
        )
    start = _given(introduced)
    lower = None if start in (None, "0") else Bound(start, True)
    if fixed:
        return VersionRange(lower, Bound(fixed, False))
    return VersionRange(lower, Bound(last_affected, True) if last_affected else None)


def nvd_range(
    start_including: str | None = None,
    start_excluding: str | None = None,
    end_including: str | None = None,
    end_excluding: str | None = None,
) -> VersionRange:
    """An NVD cpeMatch's versionStart*/versionEnd* fields as an interval.

    At most one start and one end may be given (ValueError otherwise); a missing side is
    unbounded. A cpeMatch with none of them and an exact CPE version is a listed version,
    not a range: put it in AffectedProduct.versions instead.
    """
    si, se = _given(start_including), _given(start_excluding)
    ei, ee = _given(end_including), _given(end_excluding)
    if si and se:
        raise ValueError(f"both versionStartIncluding ({si}) and versionStartExcluding ({se})")
    if ei and ee:
        raise ValueError(f"both versionEndIncluding ({ei}) and versionEndExcluding ({ee})")
    lower = Bound(si, True) if si else Bound(se, False) if se else None
    upper = Bound(ei, True) if ei else Bound(ee, False) if ee else None
    return VersionRange(lower, upper)


def describe_range(r: VersionRange) -> str:
    """ ">=7.2.0 <7.2.5", as in AffectedProduct.describe() and the emails."""
    lo = f"{'>=' if r.lower.inclusive else '>'}{r.lower.version}" if r.lower else ""
    hi = f"{'<=' if r.upper.inclusive else '<'}{r.upper.version}" if r.upper else ""
    return " ".join(p for p in (lo, hi) if p) or "all versions"


class Containment(Enum):
    IN = "in"
    OUT = "out"
    # A bound could not be read, schemes or notations differ, or the range may run across v's
    # line (open at one end, or with bounds on two lines).
    UNREADABLE = "unreadable"
    OTHER_LINE = "other_line"  # closed within one other line (IOS train, Workspace LTSR)


@dataclass(frozen=True, slots=True)
class CompiledBound:
    text: str
    inclusive: bool
    parsed: ParsedVersion | None


@dataclass(frozen=True, slots=True)
class CompiledRange:
    """A VersionRange with its bounds parsed once, for millions of containment tests."""

    lower: CompiledBound | None
    upper: CompiledBound | None
    text: str

    def contains(self, v: ParsedVersion) -> Containment:
        """OUT as soon as one readable bound excludes v, even if the other is unreadable."""
        unreadable = on_line = False
        lines: set[tuple[object, ...] | None] = set()  # the other lines v's bounds are on
        for bound, is_upper in ((self.lower, False), (self.upper, True)):
            if bound is None:
                continue
            p = bound.parsed
            if p is None or p.scheme != v.scheme:
                unreadable = True
                continue
            if p.line != v.line:
                related = relation(v, p)
                if related is Relation.UNCLEAR:
                    unreadable = True
                    continue
                if related is Relation.OTHER_LINE:
                    lines.add(p.line)
                    continue
            on_line = True
            if v.key == p.key:
                if not bound.inclusive:
                    return Containment.OUT
            elif (v.key < p.key) != is_upper:
                return Containment.OUT
        if unreadable:
            return Containment.UNREADABLE
        if lines:
            # Only a range closed on both sides within one other line says nothing of v's. One
            # with a bound on v's line and one elsewhere, bounds on two lines, or one open end
            # ("before 2402 LTSR", "introduced 0") may run across v's line: cannot be decided.
            within = len(lines) == 1 and not on_line and self.lower is not None and self.upper is not None
            return Containment.OTHER_LINE if within else Containment.UNREADABLE
        return Containment.IN


def compile_range(
    r: VersionRange, scheme: str, translate: Callable[[str], str] | None = None
) -> CompiledRange:
    """Parse both bounds once under `scheme`. `translate` maps a bound's text to the text
    to parse (the statement's version aliases); None parses the text as written."""

    def bound(b: Bound | None) -> CompiledBound | None:
        if b is None:
            return None
        text = translate(b.version) if translate else b.version
        return CompiledBound(b.version, b.inclusive, parse_version(text, scheme))

    return CompiledRange(bound(r.lower), bound(r.upper), describe_range(r))


# nginx advisories say "Vulnerable: 1.1.3-1.23.1" and "Not vulnerable: 1.23.2+, 1.22.1+".
# "x.y.z+" on an even (stable) minor covers only that stable line, up to the next minor;
# on an odd (mainline) minor it covers everything from x.y.z up. A naive ">=1.22.1" would
# clear 1.23.0 and 1.23.1, which are affected.
Position = tuple[tuple[object, ...], int]  # (key, -1 just before it | +1 just after it)


@dataclass(frozen=True, slots=True)
class _Interval:
    lo: tuple[Position, str] | None  # None: unbounded
    hi: tuple[Position, str] | None

    def is_empty(self) -> bool:
        return self.lo is not None and self.hi is not None and self.lo[0] >= self.hi[0]


def _pos(version: str, side: int) -> tuple[Position, str]:
    parsed = parse_version(version, "nginx")
    if parsed is None:
        raise ValueError(f"{version!r} is not an nginx version (expected digits and dots)")
    return ((parsed.key, side), version)


def _nginx_item(item: str, *, fixed: bool) -> _Interval | None:
    s = item.strip().lower()
    if s in ("", "none"):
        return None
    if s == "all":
        return _Interval(None, None)
    if fixed and s.endswith("+"):
        base = s[:-1].strip()
        parts = base.split(".")
        if len(parts) < 2 or not parts[1].isdigit():
            raise ValueError(f"cannot read nginx 'not vulnerable' item {item!r}")
        if int(parts[1]) % 2:  # mainline: everything from here on
            return _Interval(_pos(base, -1), None)
        return _Interval(_pos(base, -1), _pos(f"{parts[0]}.{int(parts[1]) + 1}.0", -1))
    low, _, high = s.partition("-")
    return _Interval(_pos(low.strip(), -1), _pos((high or low).strip(), 1))


def _subtract(a: _Interval, hole: _Interval) -> list[_Interval]:
    pieces = []
    if hole.lo is not None:
        hi = hole.lo if a.hi is None or hole.lo[0] < a.hi[0] else a.hi
        pieces.append(_Interval(a.lo, hi))
    if hole.hi is not None:
        lo = hole.hi if a.lo is None or hole.hi[0] > a.lo[0] else a.lo
        pieces.append(_Interval(lo, a.hi))
    return [p for p in pieces if not p.is_empty()]


def _to_range(i: _Interval) -> VersionRange:
    lower = Bound(i.lo[1], i.lo[0][1] < 0) if i.lo else None
    upper = Bound(i.hi[1], i.hi[0][1] > 0) if i.hi else None
    return VersionRange(lower, upper)


def nginx_ranges(vulnerable: str, not_vulnerable: str = "") -> tuple[VersionRange, ...]:
    """The affected intervals of an nginx.org security advisory, in the nginx scheme.

    `vulnerable` and `not_vulnerable` are the advisory's comma-separated lines, e.g.
    ("1.1.3-1.23.1, 1.0.7-1.0.15", "1.23.2+, 1.22.1+"). Raises ValueError for an item it
    cannot read.
    """
    found = (_nginx_item(x, fixed=False) for x in vulnerable.split(","))
    intervals = [i for i in found if i is not None]
    for item in not_vulnerable.split(","):
        hole = _nginx_item(item, fixed=True)
        if hole is not None:
            intervals = [piece for i in intervals for piece in _subtract(i, hole)]
    intervals.sort(key=lambda i: (i.lo is not None, i.lo[0] if i.lo else ()))
    return tuple(_to_range(i) for i in intervals)
