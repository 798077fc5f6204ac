"""The fast matcher gives exactly the answers of the naive every-row x every-statement loop.

The fast path writes the verdicts of plain statements itself (for speed), so this property
test is what keeps it equal to `VersionMatcher`: status, reason and label, row for row.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from advisories.matching import Candidate, Matcher, judge
from advisories.models import Advisory, AffectedProduct, InventoryItem, Match
from advisories.products import Catalogue
from advisories.versions import osv_range, parse_vers

CATALOGUE = Catalogue.load(Path(__file__).resolve().parent.parent / "rules" / "products.toml")
VERSIONS = ["18.12.407", "18.12.416", "18.12.416.0", "18.11.1213", "18.12.422", "18.12", "v18.12.416",
            "7.2.4", "7.2.5", "7.0.11", "7.0.12", "13.1-49.13", "1.1.1w", "2023.0.1 (15.0.1)", "",
            "latest", "Update 7", "17.9.4a", "120.0.6099.109"]
# The first five are what statements name: catalogue products, and one the catalogue does
# not know, whose maker's spelling alone tells it from another maker's product of that name.
PRODUCTS = [("3CX", "3CX Desktop App"), ("3CX", "3CXDesktopApp"), ("Google", "Google Chrome"),
            ("Fortinet", "FortiOS"), ("Acme", "Desktop App"), ("", "3CX Desktop App"),
            ("Acme Software Ltd", "Desktop App"), ("Zenith", "Desktop App"), ("", "Desktop App")]
PLATFORMS = ["windows", "macos", "linux", "any"]


@st.composite
def statements(draw: st.DrawFn) -> AffectedProduct:
    vendor, product = draw(st.sampled_from(PRODUCTS[:5]))
    listed = tuple(draw(st.lists(st.sampled_from(VERSIONS[:13]), max_size=3, unique=True)))
    ranges = []
    for _ in range(draw(st.integers(0, 2))):
        lo = draw(st.sampled_from(["0", "7.0.0", "7.2.0", "18.0", "18.12.407"]))
        hi = draw(st.sampled_from([None, "7.0.12", "7.2.5", "18.12.422", "19"]))
        with contextlib.suppress(ValueError):  # an upper bound below the lower one
            ranges.append(osv_range(lo, fixed=hi) if draw(st.booleans()) else osv_range(lo, last_affected=hi))
    if draw(st.booleans()):
        ranges.extend(parse_vers(draw(st.sampled_from(
            ["vers:all/>=V18.11.1213|<V18.12.422", "vers:generic/>=7.0.0|<=7.0.11|>=7.2.0|<7.2.5"]))).ranges)
    labels = (("Update 7", ("18.12.407", "18.12.416")),) if draw(st.booleans()) else ()
    scheme = draw(st.sampled_from([None, None, "generic", "semver", "citrix"]))
    return AffectedProduct(vendor, product, draw(st.sampled_from(PLATFORMS)), versions=listed,
                           ranges=tuple(ranges), labels=labels, scheme=scheme,
                           all_versions=not (listed or ranges) and draw(st.booleans()))


@st.composite
def items(draw: st.DrawFn) -> InventoryItem:
    vendor, product = draw(st.sampled_from(PRODUCTS))
    council = draw(st.sampled_from(["a", "b", "c"]))
    return InventoryItem(council, product, draw(st.sampled_from(VERSIONS)), draw(st.sampled_from(PLATFORMS)),
                         vendor, devices=draw(st.integers(1, 5)))


def naive(advisories: list[Advisory], rows: list[InventoryItem]) -> list[tuple[object, ...]]:
    out = []
    for row in rows:
        # Each statement read in its product's scheme when it names none, as the Matcher reads it.
        candidates = [Candidate(a, CATALOGUE.with_scheme(s)) for a in advisories for s in a.affects
                      if CATALOGUE.matches(row, s)]
        for c, v in judge(row, candidates):
            out.append((id(row), c.advisory.id, c.statement, v.status, v.reason, v.label))
    return sorted(out, key=repr)


def seen(matches: list[Match]) -> list[tuple[object, ...]]:
    return sorted(((id(m.item), m.advisory.id, m.statement, m.status, m.reason, m.label) for m in matches),
                  key=repr)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(statements(), min_size=1, max_size=3), min_size=1, max_size=4),
       st.lists(items(), min_size=1, max_size=12))
def test_fast_matching_equals_the_naive_loop(groups: list[list[AffectedProduct]],
                                             rows: list[InventoryItem]) -> None:
    advisories = [Advisory(id=f"adv-{i}", source="t", title="t", affects=tuple(g)) for i, g in enumerate(groups)]
    assert seen(Matcher(advisories, CATALOGUE).match_items(rows)) == naive(advisories, rows)


# One statement per Cisco IOS train (cisco-ios), beside plain statements about the same product:
# a train's statement says nothing of a row on another train ("other release line"), so it
# counts only when no statement of the same advisory judged the row.
IOS_VERSIONS = ["15.2(4)M7", "15.2(4)M11", "15.2(7)E3", "15.2(7)E8", "15.9(3)M2", "15.2(4)M1"]


@st.composite
def ios_statements(draw: st.DrawFn) -> AffectedProduct:
    platform = draw(st.sampled_from(PLATFORMS))
    if draw(st.booleans()):
        lo, hi = draw(st.sampled_from([("15.2(4)M1", "15.2(4)M11"), ("15.2(7)E1", "15.2(7)E8"),
                                       ("15.9(3)M1", "15.9(3)M4")]))
        return AffectedProduct("Cisco", "IOS", platform, ranges=(osv_range(lo, fixed=hi),), scheme="cisco-ios")
    listed = tuple(draw(st.lists(st.sampled_from(IOS_VERSIONS), min_size=1, max_size=2, unique=True)))
    return AffectedProduct("Cisco", "IOS", platform, versions=listed,
                           scheme=draw(st.sampled_from(["cisco-ios", "generic"])))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(ios_statements(), min_size=1, max_size=3), min_size=1, max_size=3),
       st.lists(st.tuples(st.sampled_from(IOS_VERSIONS), st.sampled_from(PLATFORMS)), min_size=1, max_size=8))
def test_per_train_statements_match_as_the_naive_loop_does(groups: list[list[AffectedProduct]],
                                                          rows: list[tuple[str, str]]) -> None:
    advisories = [Advisory(id=f"adv-{i}", source="t", title="t", affects=tuple(g)) for i, g in enumerate(groups)]
    items_ = [InventoryItem("c", "Cisco IOS", version, platform, "Cisco Systems") for version, platform in rows]
    assert seen(Matcher(advisories, CATALOGUE).match_items(items_)) == naive(advisories, items_)


def test_a_patched_row_is_cleared_by_its_own_trains_statement_not_made_unknown_by_another() -> None:
    """cisco-ios: one advisory, one statement per train. 15.2(4)M11 is its train's fix; the E
    train's statement cannot place it, which must not turn "fixed" into "check manually". A
    row on a train no statement names stays "check manually"."""
    advisory = Advisory(id="cisco-sa", source="t", title="t", affects=(
        AffectedProduct("Cisco", "IOS", ranges=(osv_range("15.2(4)M1", fixed="15.2(4)M11"),), scheme="cisco-ios"),
        AffectedProduct("Cisco", "IOS", ranges=(osv_range("15.2(7)E1", fixed="15.2(7)E8"),), scheme="cisco-ios"),
    ))
    rows = [InventoryItem("c", "Cisco IOS", v, "any", "Cisco Systems")
            for v in ("15.2(4)M11", "15.2(4)M7", "15.9(3)M2")]
    found = {m.item.version: m.status.value for m in Matcher([advisory], CATALOGUE).match_items(rows)}
    assert found == {"15.2(4)M7": "affected", "15.9(3)M2": "unknown"}


WORKSPACE_RANGES = [("20.0", "22.0"), ("23.0", "24.3.1"), ("2203", "2403.1"), ("24.0", "25.0")]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([None, "generic"]), st.sampled_from(WORKSPACE_RANGES)),
                min_size=1, max_size=3),
       st.lists(st.sampled_from(["24.2.1001.2", "24.3.1.97", "24.2.0.172", "22.3.6000.8", "23.11.1.41"]),
                min_size=1, max_size=5))
def test_statements_in_two_schemes_of_one_advisory_match_as_the_naive_loop_does(
    statements: list[tuple[str | None, tuple[str, str]]], versions: list[str]
) -> None:
    """Citrix Workspace statements read in the catalogue's line-aware scheme beside ones that
    name `generic` (which the pre-filter tabulates and may pass over): a statement that judged
    the row, passed over or not, outweighs another's "other release line"."""
    advisory = Advisory(id="ctx", source="t", title="t", affects=tuple(
        AffectedProduct("Citrix", "Citrix Workspace app", ranges=(osv_range(lo, fixed=hi),), scheme=scheme)
        for scheme, (lo, hi) in statements))
    rows = [InventoryItem("c", "Citrix Workspace 2402", v, "windows", "Citrix Systems, Inc.") for v in versions]
    assert seen(Matcher([advisory], CATALOGUE).match_items(rows)) == naive([advisory], rows)


def test_a_range_that_may_run_across_the_rows_line_is_never_cleared_by_a_sibling() -> None:
    """A range open at one end, or with bounds on two lines, may cover a release line between
    them ("before 2402 LTSR" of every older LTSR; an IOS range from one train to another):
    the row stays "check manually" even when another statement of the advisory, naming one
    build of the row's line, does not list it. A range closed within one other line says
    nothing of the row, and the sibling statement decides."""
    def ltsr(*affects: AffectedProduct) -> set[str]:
        advisory = Advisory(id="ctx", source="t", title="t", affects=affects)
        row = InventoryItem("c", "Citrix Workspace 2203 LTSR", "22.3.5000.7", "windows", "Citrix Systems, Inc.")
        return {m.status.value for m in Matcher([advisory], CATALOGUE).match_items([row])}

    exact = AffectedProduct("Citrix", "Citrix Workspace app LTSR", versions=("2203.1",))
    before = AffectedProduct("Citrix", "Citrix Workspace app LTSR", ranges=(osv_range("0", fixed="2402"),))
    within = AffectedProduct("Citrix", "Citrix Workspace app LTSR", ranges=(osv_range("2402", fixed="2402 LTSR CU1"),))
    assert ltsr(before) == {"unknown"}
    assert ltsr(before, exact) == {"unknown"}
    assert ltsr(within, exact) == set()

    across = Advisory(id="cisco-sa", source="t", title="t", affects=(
        AffectedProduct("Cisco", "IOS", ranges=(osv_range("15.0(1)M1", fixed="15.2(4)M11"),), scheme="cisco-ios"),
        AffectedProduct("Cisco", "IOS", versions=("15.1(4)M4",), scheme="cisco-ios"),
    ))
    row = InventoryItem("c", "Cisco IOS", "15.1(4)M10", "any", "Cisco Systems")
    assert {m.status.value for m in Matcher([across], CATALOGUE).match_items([row])} == {"unknown"}
