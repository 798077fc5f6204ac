"""Accumulated readings -> one statement: ranges from fixes, damage checks, confidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from advisories.models import VersionRange
from advisories.versions import compare, osv_range

from . import lexicon as lx
from . import shapes
from .model import ExtractedStatement, KnownProduct

HIGH = 0.9  # catalogue product and explicit version syntax in one sentence


CONTEXT = 0.7  # product from a heading or an earlier sentence; a variant outside the catalogue


FIX_ONLY = 0.65  # affected-ness inferred from a fix


ALL_VERSIONS = 0.6  # "all versions": no bound at all


UNUSUAL = 0.05  # penalty for a version shape the vendors' data does not use


SUSPECT = 0.4  # mangled, truncated or conflicting: never alert on it silently


DOUBTFUL = 0.6  # the clause may name the build as fixed as well as affected: review, never alert


CHECK_MANUALLY = 0.3  # only a fix whose line the text does not show: review, never alert


@dataclass
class Acc:
    versions: list[str] = field(default_factory=list)
    ranges: list[VersionRange] = field(default_factory=list)
    notes: set[str] = field(default_factory=set)
    fixes: dict[str, str] = field(default_factory=dict)  # line -> lowest fixed build named on it
    unclear: list[str] = field(default_factory=list)  # fixed builds that show no line
    excluded: list[str] = field(default_factory=list)  # builds the text carves out

    def add(self, versions: list[str], ranges: list[VersionRange], notes: set[str]) -> None:
        self.versions += [v for v in versions if v not in self.versions]
        self.ranges += [r for r in ranges if r not in self.ranges]
        self.notes |= notes

    def add_fix(self, line: str | None, version: str) -> None:
        """Several fixed builds on one line ("120.0.6099.129/130"): the lowest bounds it, so no
        build at or above any named fix falls inside the range."""
        if line is None:
            self.unclear.append(version)
            return
        self.notes.add("fix")
        if line not in self.fixes or compare(version, self.fixes[line]) == -1:
            self.fixes[line] = version

    def all_ranges(self) -> list[VersionRange]:
        # "Veeam ONE 12.2 ... build 12.2.0.4093", "Apex One 2019 (14.0) ... 14.0.0.14039": a bare
        # X.Y that another named fix extends is the release's name, not a fix of its own.
        named = [*self.fixes.values(), *self.unclear]
        fixes = {
            line: v
            for line, v in self.fixes.items()
            if not (shapes.is_plain_line(v) and any(shapes.extends(o, v) for o in named))
        }
        fixed = [osv_range(line, fixed=v) for line, v in fixes.items()]
        return self.ranges + [r for r in fixed if r not in self.ranges]


_DESKTOP = frozenset({"windows", "macos", "linux"})


def desktop_wide(found: list[ExtractedStatement], fix_only: Sequence[bool] = ()) -> list[ExtractedStatement]:
    """ "Chrome 124.0.6367.207/.208 for Windows and Mac and 124.0.6367.207 for Linux", "rolling
    out to Windows, Mac and Linux": the same reading for every desktop platform limits none, so
    it is one statement for any platform (builds that differ by platform stay apart).

    A fix for two of them ("VMware Tools 12.5.2 for Windows and Linux guests") limits none
    either, when no desktop platform of that product has another reading: a fix names where it
    ships, not where the flaw is. `fix_only` (parallel to `found`) says which statements only
    come from fixes; an affected statement for two platforms ("Workspace app for Windows and
    Mac before 2403.1 is affected") keeps them: the third is not stated affected. A mobile
    platform with the same reading as all three desktop ones is part of that one statement."""
    loose = [*fix_only, *[False] * (len(found) - len(fix_only))]
    out: list[ExtractedStatement] = []
    for s in found:
        twins = [o for o in found if o.platform in _DESKTOP and same(replace(o, platform=s.platform), s)]
        kin = [o for o in found if o.platform in _DESKTOP and o.product == s.product]
        platforms = {o.platform for o in twins}
        every = platforms == _DESKTOP
        two_fixes = len(platforms) >= 2 and len(kin) == len(twins) and all(loose[found.index(o)] for o in twins)
        same_reading = {o.platform for o in found if same(replace(o, platform=s.platform), s)}
        if s.platform is not None and s.platform not in _DESKTOP and same_reading >= _DESKTOP:
            continue  # "on Android, iOS, Linux, macOS and Windows": every platform, so none in particular
        if s.platform not in _DESKTOP or not (every or two_fixes):
            out.append(s)
        elif not any(o.platform is None and same(replace(s, platform=None), o) for o in out):
            out.append(replace(s, platform=None))
    return out


def finish(
    acc: Acc,
    product: KnownProduct,
    variant: str,
    platform: str | None,
    evidence: str,
    explicit: set[str],
) -> ExtractedStatement:
    known = product.known_builds
    ranges = acc.all_ranges()
    if not acc.versions and not ranges:
        return _check_manually(acc, product, variant, platform, evidence)
    mangled = [v for v in acc.versions if _mangled(v, known, acc.versions)]
    uppers = [r.upper.version for r in ranges if r.upper]
    bounds = [*uppers, *(r.lower.version for r in ranges if r.lower)]
    bad_range = (
        any(_inverted(r) for r in ranges)
        or any(shapes.truncated(u, known) for u in uppers)
        or any(_mangled(b, (), ()) for b in bounds)  # "5.0.0 to 08/03/2001": a date where a bound was
    )
    widened = any(r.lower is None and r.upper and r.upper.version in explicit for r in ranges)
    # A build in a bracketed scheme no vendor table here knows ("15.2(4)M11"): read whole, checked.
    unknown_scheme = any(shapes.bracketed(v) for v in (*acc.versions, *bounds))
    suspect = bool(mangled) or bad_range or widened or unknown_scheme
    suggested: tuple[str, ...] = ()
    fixes = {v: shapes.suggest(v, known) for v in mangled}
    if mangled and all(fixes.values()) and not (bad_range or widened):
        suggested = tuple(fixes.get(v) or v for v in acc.versions)
    name = f"{product.name} {variant}" if variant else product.name
    return ExtractedStatement(
        product=name,
        vendor=product.vendor,
        platform=platform,
        versions=tuple(acc.versions),
        ranges=tuple(ranges),
        confidence=_confidence(acc, ranges, bool(variant), suspect),
        suspect=suspect,
        suggested_versions=suggested,
        evidence=evidence,
        excluded=tuple(acc.excluded),
    )


def _check_manually(
    acc: Acc, product: KnownProduct, variant: str, platform: str | None, evidence: str
) -> ExtractedStatement:
    """Only fixes whose release line the text does not show (build 14004, a patch name, a
    date): the product is named for review with no versions at all, never an affected build."""
    return ExtractedStatement(
        product=f"{product.name} {variant}" if variant else product.name,
        vendor=product.vendor,
        platform=platform,
        versions=(),
        ranges=(),
        confidence=CHECK_MANUALLY,
        suspect=any(shapes.date_like(v) for v in acc.unclear),
        suggested_versions=(),
        evidence=evidence,
    )


def _mangled(version: str, known: Sequence[str], siblings: Sequence[str]) -> bool:
    return (
        bool(lx.SLASHED.match(version))
        or shapes.date_like(version)
        or shapes.truncated(version, known)
        or shapes.dropped_major(version, siblings)
    )


def _inverted(r: VersionRange) -> bool:
    """ "7.2.4 through 7.2.0": a bound pair in the wrong order was misread or misprinted."""
    return bool(r.lower and r.upper and compare(r.lower.version, r.upper.version) == 1)


def _confidence(acc: Acc, ranges: Sequence[VersionRange], variant: bool, suspect: bool) -> float:
    c = HIGH
    if "context" in acc.notes or "release_line" in acc.notes or variant:
        c = min(c, CONTEXT)
    if "fix" in acc.notes:
        c = min(c, FIX_ONLY)
    if "all" in acc.notes:
        c = min(c, ALL_VERSIONS)
    if "doubtful" in acc.notes:
        c = min(c, DOUBTFUL)
    shown = [*acc.versions, *(r.upper.version for r in ranges if r.upper)]
    if any(not shapes.versionlike(v) for v in shown):
        c = min(c, CONTEXT)  # an opaque patch name: the matcher may not be able to order it
    elif any(shapes.unusual(v) for v in shown):
        c -= UNUSUAL
    if suspect:
        c = min(c, SUSPECT)
    return round(c, 2)


def same(a: ExtractedStatement, b: ExtractedStatement) -> bool:
    return (a.product, a.platform, a.versions, a.ranges, a.excluded) == (
        b.product, b.platform, b.versions, b.ranges, b.excluded
    )  # fmt: skip
