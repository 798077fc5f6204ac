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
        candidates = [Candidate(a, s) for a in advisories for s in a.affects if CATALOGUE.matches(row, s)]
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
