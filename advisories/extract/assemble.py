"""Expressions of a whole text -> statements.

Branch scoping (VERSIONS.md pitfall 4). An open lower end ("before X", "X and below",
"through X", "fixed in X") starts at X's branch when
  1. the text labels the branch ("13.1 before 13.1-49.15", "7.x before 7.0 U2b"): the label;
  2. it is a fix ("released X", "fixed in X", "upgrade to X", "X or later" outside an
     "affected" clause, "after installation the build number is X", "the patch is included
     in X"): a fix speaks for its own line only, and is never itself affected;
  3. X is an LTSR update (Citrix "2402 LTSR CU1"), which only counts inside its LTSR (2402);
  4. the text names several affected branches for that product ("7.2.4 and below, 7.0.11 and
     below"; a fix on another line does not count), or X is Fortinet's "X and below", which
     Fortinet scopes to X's branch (another vendor's "X and below" starts at "0");
  5. a line is named after the bound: "5.1.0 and earlier 5.x releases" starts at 5.
A bare release-build bound ("Connect Secure before 22.7R2.6", "prior to 13.1-49.13") names no
line, so it starts at "0" like any other: a missed alert is worse than a verify-labelled one.
X's line is its first two numeric parts (7.2.5 -> 7.2, 120.0.6099.129 -> 120.0, 15.2.1544.14
-> 15.2; release-build and update forms keep their release), except where the text names two
builds of one product on one such line from different build families (Exchange 2019 CU14
15.2.1544.14 and CU13 15.2.1258.39): each family is then a line (15.2.1544, 15.2.1258). Several
fixed builds on one line and platform ("120.0.6099.129/130 for Windows"): the lowest bounds it.
A fix whose line does not show (build 14004, a patch name, a date) makes a "check manually"
statement for its product, with no versions, when the text says nothing else about it.
Otherwise an open lower end starts at "0": a lone "Chrome prior to 116.0.5845.187" covers every
older version, because missing an affected install is the worse error. Rules 2 to 4 never apply to
a release named by year and month (Citrix Workspace app 2403.1, 2311): those are one running
numbering, not branches, so "before 2403.1" covers 2402 and 2311 whatever else the text names.
An LTSR is a line of its own (the variant "LTSR", like FIPS): "2203 LTSR before 2203.1 LTSR CU6
Hotfix 2" is labelled 2203 on the LTSR line, and a variant the catalogue lists as a product of
its own (Citrix Workspace app LTSR) is that product.

A fix on a branch the text already states as affected adds nothing and is dropped. A range
from "0" ending on a build the text also lists explicitly is a list widened into a range
(pitfall 6, the 3CX "through 18.12.416"): kept, but suspect, so a human confirms it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from advisories.models import VersionRange
from advisories.products import named_platform
from advisories.versions import compare, osv_range

from . import lexicon as lx
from . import shapes
from .model import Expr, ExtractedStatement, KnownProduct

Key = tuple[int, str]  # (catalogue index, variant)

HIGH = 0.9  # catalogue product and explicit version syntax in one sentence
CONTEXT = 0.7  # product from a heading or an earlier sentence; a variant outside the catalogue
FIX_ONLY = 0.65  # affected-ness inferred from a fix
ALL_VERSIONS = 0.6  # "all versions": no bound at all
UNUSUAL = 0.05  # penalty for a version shape the vendors' data does not use
SUSPECT = 0.4  # mangled, truncated or conflicting: never alert on it silently


CHECK_MANUALLY = 0.3  # only a fix whose line the text does not show: review, never alert


@dataclass
class _Acc:
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


_CALENDAR_LINE = "yymm"  # the one line all of Citrix Workspace's YYMM releases are on


def _line_of(version: str) -> str:
    return _CALENDAR_LINE if shapes.is_calendar_release(version) else shapes.branch(version)


def _branch_of(e: Expr) -> str:
    if e.kind in ("bound", "fix"):
        return e.label or _line_of(e.version)
    if e.kind == "range":
        return _line_of(e.upper or e.lower)
    if e.kind == "wild":
        return e.version
    if e.kind == "all":
        return "*"
    return _line_of(e.version)


def assemble(
    exprs: Sequence[Expr],
    evidence: Sequence[str],
    products: Sequence[KnownProduct],
    line: Callable[[Key], Key] = lambda key: key,
) -> list[ExtractedStatement]:
    """`line` turns a (product, variant) into the catalogue's own product for that build
    line when it has one (scan.ProductIndex.line), so "2203 LTSR" of the Workspace app is
    the Workspace app LTSR, read in its scheme and at full confidence."""
    keyed = [(e, line((m[0], e.variant or m[1]))) for e in exprs if e.group for m in e.group]
    named: dict[Key, set[str]] = {}
    covered: dict[Key, set[str]] = {}
    explicit: dict[Key, set[str]] = {}
    starts: dict[Key, list[str]] = {}  # where the text says a line starts: labels, lower ends
    spans: dict[Key, list[tuple[str, str]]] = {}  # closed affected ranges: "2.0-beta7 through 2.17.0"
    for e, key in keyed:
        if e.kind == "range" and e.lower and e.upper:
            spans.setdefault(key, []).append((e.lower, e.upper))
        start = _start_of(e)
        if start:
            starts.setdefault(key, []).append(start)
        if e.kind in ("bound", "range", "wild"):
            # A list of affected branches scopes each bound; a fix on another line does not
            # ("up to 12.1.2.172 ... the fix is in 12.2.0.334" still covers 11.x).
            named.setdefault(key, set()).add(_branch_of(e))
        if e.kind != "fix":
            covered.setdefault(key, set()).add(_branch_of(e))
        if e.kind == "version":
            explicit.setdefault(key, set()).add(e.version)
    per_line = _earlier_per_line(keyed, products)
    fine = _per_build_lines(keyed)
    stated = {
        (key, p): e.unit for e, key in reversed(keyed) if e.kind != "fix" for p in _platforms(e, products[key[0]])
    }
    accs: dict[tuple[int, Key, str | None], _Acc] = {}
    for e, key in keyed:
        if e.kind == "fix":
            if _fix_is_covered(e, covered.get(key, set())) or _inside(e.version, spans.get(key, [])):
                continue
            fix_line = _fix_line(e, key in fine)
            for platform in _platforms(e, products[key[0]]):
                # Round 3's mixed paragraphs: a fix on a line the affected statement does not
                # cover adds its range to that statement, not a block of its own.
                unit = min(stated.get((key, platform), e.unit), e.unit)
                acc = accs.setdefault((unit, key, platform), _Acc())
                acc.add_fix(fix_line, e.version)
                acc.notes |= set() if e.direct else {"context"}
            continue
        several = len(named.get(key, ())) > 1 and not _older_than_every_line(e, starts.get(key, []))
        several = several and (key in per_line or not _an_earlier(e))
        versions, ranges, notes = _resolve(e, products[key[0]], several, key in fine)
        if not e.direct:
            notes.add("context")
        for platform in _platforms(e, products[key[0]]):
            acc = accs.setdefault((e.unit, key, platform), _Acc())
            acc.add(versions, ranges, notes)
            acc.excluded += [v for v in e.excluded if v not in acc.excluded]
    out: list[ExtractedStatement] = []
    for (unit, key, platform), acc in accs.items():
        s = _finish(acc, products[key[0]], key[1], platform, evidence[unit], explicit.get(key, set()))
        if not any(_same(s, o) for o in out):
            out.append(s)
    return _desktop_wide(out)


_DESKTOP = frozenset({"windows", "macos", "linux"})


def _desktop_wide(found: list[ExtractedStatement]) -> list[ExtractedStatement]:
    """ "Chrome 124.0.6367.207/.208 for Windows and Mac and 124.0.6367.207 for Linux", "rolling
    out to Windows, Mac and Linux": the same reading for every desktop platform limits none, so
    it is one statement for any platform (builds that differ by platform stay apart)."""
    out: list[ExtractedStatement] = []
    for s in found:
        twins = [o for o in found if o.platform in _DESKTOP and _same(replace(o, platform=s.platform), s)]
        if s.platform not in _DESKTOP or {o.platform for o in twins} != _DESKTOP:
            out.append(s)
        elif not any(o.platform is None and _same(replace(s, platform=None), o) for o in out):
            out.append(replace(s, platform=None))
    return out


def _start_of(e: Expr) -> str:
    """The first version of a line the text names itself: "1.5.x before 1.5.4" (a label),
    "5.16.0 before 5.16.7" (a lower end), "every 11.x release" (a whole line)."""
    if e.kind == "bound":
        return e.label
    return e.lower if e.kind == "range" else e.version if e.kind == "wild" else ""


def _older_than_every_line(e: Expr, starts: list[str]) -> bool:
    """ "Roundcube before 1.4.14, 1.5.x before 1.5.4 and 1.6.x before 1.6.3", "5.16.0 before
    5.16.7 ... or any release before 5.15.16": an unlabelled bound below every line the text
    names is the catch-all for all older releases, so it starts at "0" (no named line's fix
    can fall inside it), where a list of bare bounds ("before 2021.0.6, 2021.1.4") is per line.
    Only "before": Fortinet's "6.0.15 and earlier" next to "6.2.0 through 6.2.11" is its line."""
    if e.kind != "bound" or e.upper_kind != "fixed" or e.label or not starts:
        return False
    return all(compare(e.version, start) == -1 for start in starts)


def _an_earlier(e: Expr) -> bool:
    return e.kind == "bound" and e.upper_kind == "last_affected" and not e.label


def _earlier_per_line(keyed: Sequence[tuple[Expr, Key]], products: Sequence[KnownProduct]) -> set[Key]:
    """ "Adobe Commerce 2.4.3-p1 and earlier and 2.3.7-p2 and earlier": each "Y and earlier" of a
    list starts at "0" (blind rounds 3+), unless that would cover a build the text names as
    fixed ("5.9.2.14-12o and older, ..., 7.0.1-5035 and older ... move to 6.5.4.15-116n"): a
    fix is never read as affected, so the product's list is per line then. Fortinet's lists
    are per branch (VERSIONS.md, table e). The products whose lists are per line."""
    fixes: dict[Key, list[str]] = {}
    for e, key in keyed:
        if e.kind == "fix":
            fixes.setdefault(key, []).append(e.version)
    return {
        key
        for e, key in keyed
        if _an_earlier(e)
        and (_scopes_below(products[key[0]]) or any(compare(f, e.version) != 1 for f in fixes.get(key, [])))
    }


def _platforms(e: Expr, product: KnownProduct) -> tuple[str | None, ...]:
    """An operating system is its own platform: "iOS 16.6.1 ..., and on the Mac in macOS 13.5.2"
    does not make iOS a macOS product."""
    name = product.name.lower().split()
    if "".join(name) in lx.PLATFORM_WORDS or name[0] in lx.PLATFORM_WORDS:
        return (None,)  # "Windows Server 2022", "macOS Sonoma": the OS itself, never a scope
    # "Veeam Agent for Linux": the catalogue's own name says the platform, so it is no scope.
    own = named_platform(product.name)
    if own and e.platforms == (own[0],):
        return (None,)
    return e.platforms or (None,)


def _fix_is_covered(e: Expr, cover: set[str]) -> bool:
    """A fix on a branch the text already states as affected adds nothing ("FortiOS 7.2.0
    through 7.2.4 ... upgrade to 7.2.5"; "prior to 120.0.6099.129 ... has released 120.0.6099.129")."""
    if "*" in cover or _branch_of(e) in cover:
        return True
    return any(c and (e.version == c or shapes.extends(e.version, c)) for c in cover)


def _inside(version: str, spans: list[tuple[str, str]]) -> bool:
    """ "Log4j 2.0-beta7 through 2.17.0, excluding 2.3.2 and 2.12.4 ... the fixes are 2.17.1,
    2.12.4 and 2.3.2": a fix inside a range the text states affected is a backport that range
    already speaks for (or carves out); a fix-only range of its own would only repeat it."""
    return any(compare(lo, version) != 1 and compare(version, hi) != 1 for lo, hi in spans)


def _per_build_lines(keyed: Sequence[tuple[Expr, Key]]) -> set[Key]:
    """Products whose fixes name two builds on one release line with different build
    families (Exchange 2019 CU14 15.2.1544.14 and CU13 15.2.1258.39): each family is a line
    of its own there (15.2.1544, 15.2.1258), as it is in Microsoft's own per-CU data."""
    seen: dict[tuple[Key, str], set[str]] = {}
    for e, key in keyed:
        if e.kind in ("fix", "bound") and not e.label:
            line = shapes.fix_line(e.version)
            if line is not None and line.count(".") == 1:
                seen.setdefault((key, line), set()).add(shapes.branch(e.version))
    return {key for (key, _), families in seen.items() if len(families) > 1}


def _fix_line(e: Expr, per_build: bool) -> str | None:
    """The line a fix bounds: the text's label, else the fix's own line (None: not shown)."""
    if e.label:
        return e.label
    if shapes.is_calendar_release(e.version):
        return "0"  # Workspace's YYMM numbering runs on: "before 2403.1" covers 2311
    return _own_line(e.version, per_build)


def _own_line(version: str, per_build: bool) -> str | None:
    line = shapes.fix_line(version)
    if line is not None and per_build and shapes.branch(version).startswith(line + "."):
        return shapes.branch(version)
    return line


def _resolve(
    e: Expr, product: KnownProduct, several: bool, per_build: bool = False
) -> tuple[list[str], list[VersionRange], set[str]]:
    v = e.version
    if e.kind == "version":
        known = product.known_builds
        if shapes.is_plain_line(v) and v not in known and any(shapes.extends(b, v) for b in known):
            # Citrix "12.1" when its builds are "12.1-55.18": the whole release line.
            return [], [osv_range(v, fixed=shapes.next_branch(v))], {"release_line"}
        return [v, *e.alts], [], set()
    if e.kind == "range":
        upper = {e.upper_kind: e.upper} if e.upper else {}
        return [], [osv_range(e.lower, **upper)], set()
    if e.kind == "wild":
        return [], [osv_range(v, fixed=shapes.next_branch(v))], set()
    if e.kind == "all":
        return [], [osv_range("0")], {"all"}
    if shapes.date_like(v):
        return [v], [], set()  # "7/2/2004 and below": a mangled version, kept as written for review
    # A YYMM release (2403.1) has no branch: Workspace's numbering runs on across releases.
    scoped = (
        not shapes.is_calendar_release(v)
        and not e.from_zero
        and (shapes.is_line_update(v) or several or (e.by_line and _scopes_below(product)))
    )
    introduced = e.label or ((_own_line(v, per_build) or shapes.branch(v)) if scoped else "0")
    return [], [osv_range(introduced, **{e.upper_kind: v})], set()


def _scopes_below(product: KnownProduct) -> bool:
    """Fortinet writes "7.2.4 and below" for the 7.2 branch (VERSIONS.md, table e); any other
    vendor's "12.8.7 and below" names no line and starts at "0" (blind rounds 3 and 4)."""
    return product.vendor.lower().startswith("fortinet")


def _finish(
    acc: _Acc,
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
    bad_range = any(_inverted(r) for r in ranges) or any(shapes.truncated(u, known) for u in uppers)
    widened = any(r.lower is None and r.upper and r.upper.version in explicit for r in ranges)
    suspect = bool(mangled) or bad_range or widened
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
    acc: _Acc, product: KnownProduct, variant: str, platform: str | None, evidence: str
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


def _confidence(acc: _Acc, ranges: Sequence[VersionRange], variant: bool, suspect: bool) -> float:
    c = HIGH
    if "context" in acc.notes or "release_line" in acc.notes or variant:
        c = min(c, CONTEXT)
    if "fix" in acc.notes:
        c = min(c, FIX_ONLY)
    if "all" in acc.notes:
        c = min(c, ALL_VERSIONS)
    shown = [*acc.versions, *(r.upper.version for r in ranges if r.upper)]
    if any(not shapes.versionlike(v) for v in shown):
        c = min(c, CONTEXT)  # an opaque patch name: the matcher may not be able to order it
    elif any(shapes.unusual(v) for v in shown):
        c -= UNUSUAL
    if suspect:
        c = min(c, SUSPECT)
    return round(c, 2)


def _same(a: ExtractedStatement, b: ExtractedStatement) -> bool:
    return (a.product, a.platform, a.versions, a.ranges, a.excluded) == (
        b.product, b.platform, b.versions, b.ranges, b.excluded
    )  # fmt: skip
