"""Which release line a bound or a fix speaks for: branch scoping.

Branch scoping (VERSIONS.md pitfall 4). An open lower end ("before X", "X and below",
"through X", "fixed in X") starts at X's branch when
  1. the text labels the branch ("13.1 before 13.1-49.15", "7.x before 7.0 U2b"): the label;
  2. it is a fix ("released X", "fixed in X", "upgrade to X", "X or later" outside an
     "affected" clause, "after installation the build number is X", "the patch is included
     in X"): a fix speaks for its own line only, and is never itself affected;
  3. X is an LTSR update (Citrix "2402 LTSR CU1"), which only counts inside its LTSR (2402);
  4. the text names several affected branches for that product ("7.2.4 and below, 7.0.11 and
     below"; a fix on another line does not count), or X is Fortinet's "X and below", which
     Fortinet scopes to X's branch (another vendor's "X and below" starts at "0"); but of
     several "Y and earlier" bounds, those on the lowest line keep "0" (`lowest_open_line`);
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

from collections.abc import Sequence

from advisories.models import VersionRange
from advisories.versions import compare, osv_range

from . import shapes
from .model import Expr, KnownProduct

Key = tuple[int, str]  # (catalogue index, variant)


_CALENDAR_LINE = "yymm"  # the one line all of Citrix Workspace's YYMM releases are on


def line_of(version: str) -> str:
    return _CALENDAR_LINE if shapes.is_calendar_release(version) else shapes.branch(version)


def branch_of(e: Expr) -> str:
    if e.kind in ("bound", "fix"):
        return e.label or line_of(e.version)
    if e.kind == "range":
        return line_of(e.upper or e.lower)
    if e.kind == "wild":
        return e.version
    if e.kind == "all":
        return "*"
    return line_of(e.version)


def start_of(e: Expr) -> str:
    """The first version of a line the text names itself: "1.5.x before 1.5.4" (a label),
    "5.16.0 before 5.16.7" (a lower end), "every 11.x release" (a whole line)."""
    if e.kind == "bound":
        return e.label
    return e.lower if e.kind == "range" else e.version if e.kind == "wild" else ""


def older_than_every_line(e: Expr, starts: list[str]) -> bool:
    """ "Roundcube before 1.4.14, 1.5.x before 1.5.4 and 1.6.x before 1.6.3", "5.16.0 before
    5.16.7 ... or any release before 5.15.16": an unlabelled bound below every line the text
    names is the catch-all for all older releases, so it starts at "0" (no named line's fix
    can fall inside it), where a list of bare bounds ("before 2021.0.6, 2021.1.4") is per line.
    Only "before": the lowest "and earlier" bound has its own rule (`lowest_open_line`)."""
    if e.kind != "bound" or e.upper_kind != "fixed" or e.label or not starts:
        return False
    return all(compare(e.version, start) == -1 for start in starts)


def cover_of(e: Expr) -> set[str]:
    """The lines an affected expression speaks for: its branch, and for a release-build
    ("SonicOS 6.5.4.14-109n and older") also the X.Y line that release is on."""
    lines = {branch_of(e)}
    version = e.upper or e.version if e.kind in ("range", "bound", "version") else ""
    if version and shapes.is_release_build(version):
        lines.add(shapes.fix_line(version) or "")
    if version and e.kind in ("range", "bound") and not e.label:
        # "7.0.41.1141 (and any earlier build) ... 7.0.43 removes the race": a bound covers the
        # X.Y line it is on, so a fix later on that line names no other line's range.
        lines.add(shapes.fix_line(version) or "")
    return lines - {""}


def fix_is_covered(e: Expr, cover: set[str]) -> bool:
    """A fix on a branch the text already states as affected adds nothing ("FortiOS 7.2.0
    through 7.2.4 ... upgrade to 7.2.5"; "prior to 120.0.6099.129 ... has released 120.0.6099.129";
    "6.5.4.14-109n and older ... move to 6.5.4.15-116n": a release-build fix on a covered X.Y line)."""
    if "*" in cover or branch_of(e) in cover:
        return True
    if shapes.is_release_build(e.version) and shapes.fix_line(e.version) in cover:
        return True
    return any(c and (e.version == c or shapes.extends(e.version, c)) for c in cover)


def inside(version: str, spans: list[tuple[str, str]]) -> bool:
    """ "Log4j 2.0-beta7 through 2.17.0, excluding 2.3.2 and 2.12.4 ... the fixes are 2.17.1,
    2.12.4 and 2.3.2": a fix inside a range the text states affected is a backport that range
    already speaks for (or carves out); a fix-only range of its own would only repeat it."""
    return any(compare(lo, version) != 1 and compare(version, hi) != 1 for lo, hi in spans)


def per_build_lines(keyed: Sequence[tuple[Expr, Key]]) -> set[Key]:
    """Products whose fixes name two builds on one release line with different build
    families (Exchange 2019 CU14 15.2.1544.14 and CU13 15.2.1258.39): each family is a line
    of its own there (15.2.1544, 15.2.1258), as it is in Microsoft's own per-CU data."""
    seen: dict[tuple[Key, str], set[str]] = {}
    for e, key in keyed:
        # Only plain dotted builds: a release-build suffix (SonicOS 6.5.4.14-109n, SMA
        # 10.2.1.0-17sv) is a build of a release on the X.Y line, not a family of its own.
        if e.kind in ("fix", "bound") and not e.label and not shapes.is_release_build(e.version):
            line = shapes.fix_line(e.version)
            if line is not None and line.count(".") == 1:
                seen.setdefault((key, line), set()).add(shapes.branch(e.version))
    return {key for (key, _), families in seen.items() if len(families) > 1}


def fix_line(e: Expr, per_build: bool) -> str | None:
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


def is_open_upto(e: Expr) -> bool:
    """ "Y and earlier", "and below", "and prior", "up to and including Y", a bare "through Y":
    every release up to Y, with no line the text names below it."""
    return (
        e.kind == "bound" and e.upper_kind == "last_affected" and not e.label and not e.from_zero
        and not shapes.is_calendar_release(e.version) and not shapes.date_like(e.version)
        and not shapes.is_line_update(e.version)
    )


def open_line(e: Expr, per_build: bool = False) -> str:
    """The line an "and earlier" bound starts at when the text names several lines."""
    return _own_line(e.version, per_build) or shapes.branch(e.version)


def lowest_open_line(exprs: Sequence[Expr], per_build: bool = False) -> str | None:
    """Of several "Y and earlier" bounds of one product, the line the lowest is on: those
    bounds keep "0" (the vendor's "and earlier" still covers the older, often end-of-life,
    releases), where each bound on a higher line starts at its own line. Without this,
    "10.6.0.2 and below or 8.12.0.1 and below" would leave 8.11 and older out. None when the
    text names a fix or a "before" bound below it ("7.0.11 and below and before 6.4.13"):
    from "0" it would cover that fixed build."""
    open_bounds = [e for e in exprs if is_open_upto(e)]
    if not open_bounds:
        return None
    lowest = open_bounds[0]
    for e in open_bounds[1:]:
        if compare(open_line(e, per_build), open_line(lowest, per_build)) == -1:
            lowest = e
    fixes = [e.version for e in exprs if e.kind == "fix" or (e.kind == "bound" and e.upper_kind == "fixed")]
    if any(compare(fix, lowest.version) == -1 for fix in fixes):
        return None
    return open_line(lowest, per_build)


def resolve(
    e: Expr, product: KnownProduct, several: bool, per_build: bool = False, lowest_line: str | None = None
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
        return [], [osv_range(v, fixed=shapes.next_branch(v))], {"release_line"} if e.implied_line else set()
    if e.kind == "all":
        return [], [osv_range("0")], {"all"}
    if shapes.date_like(v) and e.upper_kind == "fixed":
        # "before 15/08/2009", "6.x before 06/06/2001": the bound is mangled but the operator still
        # says everything below it (from the label's line, if any); kept as written in its range,
        # which finish marks suspect, so it goes to review.
        return [], [osv_range(e.label or "0", fixed=v)], set()
    if shapes.date_like(v) and e.by_line and scopes_below(product):
        return [v], [], set()  # "7/2/2004 and below": Fortinet's branch is unknown; the build for review
    if shapes.date_like(v):
        # "02/02/2023 and previous versions": another vendor's "and earlier" starts at "0"
        # whatever its bound; kept as printed, which finish marks suspect.
        return [], [osv_range(e.label or "0", **{e.upper_kind: v})], set()
    # A YYMM release (2403.1) has no branch: Workspace's numbering runs on across releases.
    on_lowest = several and is_open_upto(e) and open_line(e, per_build) == lowest_line
    scoped = (
        not shapes.is_calendar_release(v)
        and not e.from_zero
        and not on_lowest
        and (shapes.is_line_update(v) or several or (e.by_line and scopes_below(product)))
    )
    introduced = e.label or ((_own_line(v, per_build) or shapes.branch(v)) if scoped else "0")
    return [], [osv_range(introduced, **{e.upper_kind: v})], set()


def scopes_below(product: KnownProduct) -> bool:
    """Fortinet writes "7.2.4 and below" for the 7.2 branch (VERSIONS.md, table e); any other
    vendor's "12.8.7 and below" names no line and starts at "0" (blind rounds 3 and 4)."""
    return product.vendor.lower().startswith("fortinet")
