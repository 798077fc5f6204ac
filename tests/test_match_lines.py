"""The fast matcher and the naive loop agree on products whose names carry release lines,
R-releases, models and article numbers: the identity rules are decided once, in one place."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_matching import CATALOGUE, PLATFORMS, naive, seen

from advisories.matching import Matcher
from advisories.models import Advisory, AffectedProduct, InventoryItem
from advisories.versions import osv_range

NAMES = [
    "Microsoft Office 2016", "Microsoft Office 2019", "Microsoft Office Professional Plus 2019", "Microsoft Office",
    "Teamcenter V13.1", "Teamcenter 13.0.0.9", "Teamcenter", "Siveillance Video 2020 R2",
    "Siveillance Video 2020 R3", "Siveillance Video 2020", "SINUMERIK 808D V4.7", "SINUMERIK 828D V4.7",
    "SINUMERIK V4.7", "SIMATIC S7-1500 CPU 1511-1 PN (6ES7511-1AK01-0AB0)",
    "SIMATIC S7-1500 CPU 1511-1 PN (6ES7511-1AL03-0AB0)", "SIMATIC S7-1500 CPU 1511-1 PN",
    "Citrix Workspace App 2203 LTSR for Windows", "Citrix Workspace 2402 LTSR CU1", "Desktop App 12",
    "Desktop App 13", "Desktop App", "3CX Desktop App 18",
]
VENDORS = ["Acme", "Zenith", "", "Microsoft", "Siemens", "Citrix", "3CX"]
VERSIONS = ["16.0.1", "13.1.0.9", "13.0.0.9", "4.7.1", "2020.2", "12.1", "18.12.416", "", "2203.1"]


@st.composite
def statements(draw: st.DrawFn) -> AffectedProduct:
    bound = draw(st.sampled_from(VERSIONS[:7]))
    return AffectedProduct(
        draw(st.sampled_from(VENDORS)), draw(st.sampled_from(NAMES)), draw(st.sampled_from(PLATFORMS)),
        versions=tuple(draw(st.lists(st.sampled_from(VERSIONS[:7]), max_size=2, unique=True))),
        ranges=(osv_range("0", fixed=bound),) if draw(st.booleans()) else (),
        scheme=draw(st.sampled_from([None, "generic", "siemens", "citrix-workspace", "semver"])),
        all_versions=draw(st.booleans()))


@st.composite
def rows(draw: st.DrawFn) -> InventoryItem:
    return InventoryItem(draw(st.sampled_from("abc")), draw(st.sampled_from(NAMES)), draw(st.sampled_from(VERSIONS)),
                         draw(st.sampled_from(PLATFORMS)), draw(st.sampled_from(VENDORS)), devices=1)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(statements(), min_size=1, max_size=4), min_size=1, max_size=6),
       st.lists(rows(), min_size=1, max_size=20))
def test_the_fast_path_agrees_with_the_naive_loop_on_lined_names(
    groups: list[list[AffectedProduct]], items: list[InventoryItem],
) -> None:
    advisories = [Advisory(id=f"adv-{i}", source="t", title="t", affects=tuple(g)) for i, g in enumerate(groups)]
    assert seen(Matcher(advisories, CATALOGUE).match_items(items)) == naive(advisories, items)


def test_a_number_in_a_name_is_no_release_line_when_the_statement_lies_below_it() -> None:
    # "Widget Server 2", fixed in 2.0: everything below 2.0 is affected. Read as release line 2
    # the range would be >=2 <2.0, empty, and a council on 1.2.0 would never hear of it.
    widget = AffectedProduct("Acme", "Widget Server 2", ranges=(osv_range("0", fixed="2.0"),))
    teamcenter = AffectedProduct("Siemens", "Teamcenter V13.1", ranges=(osv_range("0", fixed="V13.1.0.9"),))
    advisories = [Advisory("widget-2", "rules", "Widget Server 2", affects=(widget,)),
                  Advisory("ssa-1", "csaf", "Teamcenter", affects=(teamcenter,))]
    rows = [InventoryItem("c", "Widget Server 2", "1.2.0", vendor="Acme"),
            InventoryItem("c", "Widget Server 2", "2.0", vendor="Acme"),
            InventoryItem("c", "Teamcenter", "13.0.0.9", vendor="Siemens"),
            InventoryItem("c", "Teamcenter", "13.1.0.8", vendor="Siemens")]
    found = {(m.item.product, m.item.version, m.status.value) for m in Matcher(advisories, CATALOGUE).match_items(rows)}
    assert ("Widget Server 2", "1.2.0", "affected") in found
    assert not any(v == "2.0" for _, v, _ in found)
    # The Siemens line still scopes: 13.0.0.9 (another line) is not told, 13.1.0.8 is.
    assert ("Teamcenter", "13.1.0.8", "affected") in found
    assert not any(v == "13.0.0.9" for _, v, _ in found)
