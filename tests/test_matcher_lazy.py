"""What the Matcher leaves until matching needs it: a statement's VersionMatcher, its reasons'
texts, and a key's bucket. The answers are pinned elsewhere
(test_matching's naive-loop equivalence); here, that the work is in fact not done early."""

from __future__ import annotations

from pathlib import Path

from advisories.matching import Matcher
from advisories.models import Advisory, AffectedProduct, InventoryItem
from advisories.products import Catalogue
from advisories.versions import osv_range

CATALOGUE = Catalogue.load(Path(__file__).resolve().parent.parent / "rules" / "products.toml")


def advisory(aid: str, statement: AffectedProduct) -> Advisory:
    return Advisory(id=aid, source="t", title="t", affects=(statement,))


def test_plain_statements_are_judged_without_compiling_a_version_matcher() -> None:
    plain = advisory("a", AffectedProduct("Zoom", "Zoom Workplace", ranges=(osv_range("6.0.0", fixed="6.1.5"),)))
    labelled = advisory(
        "b", AffectedProduct("Zoom", "Zoom Workplace", versions=("6.0.1",), labels=(("U1", ("6.0.1",)),))
    )
    matcher = Matcher([plain, labelled], CATALOGUE)
    rows = [
        InventoryItem("c", "Zoom Workplace", v, "windows", "Zoom Video Communications, Inc.") for v in ("6.1.0", "6.2")
    ]
    found = {(m.advisory.id, m.item.version, m.status.value, m.reason) for m in matcher.match_items(rows)}
    assert found == {("a", "6.1.0", "affected", "6.1.0 is in the affected range >=6.0.0 <6.1.5")}
    compiled = {entry[0].versions: entry[1]._matcher is not None for entry in matcher._prepared._equal.values()}
    # The range is decided by the pre-filter's table; the labelled statement needs the full matcher.
    assert compiled == {(): False, ("6.0.1",): True}


def test_a_keys_bucket_is_built_when_an_estate_first_looks_it_up() -> None:
    zoom = advisory("a", AffectedProduct("Zoom", "Zoom Workplace", ranges=(osv_range("6.0.0", fixed="6.1.5"),)))
    chrome = advisory("b", AffectedProduct("Google", "Chrome", ranges=(osv_range("120.0", fixed="121.0"),)))
    matcher = Matcher([zoom, chrome], CATALOGUE)
    assert matcher._buckets == {} and matcher._shared == {}
    row = InventoryItem("c", "Zoom Workplace", "6.1.0", "windows", "Zoom Video Communications, Inc.")
    assert [m.advisory.id for m in matcher.match_items([row])] == ["a"]
    assert list(matcher._buckets) == [CATALOGUE.key_for(row)]
    assert [c.advisory.id for bucket in matcher._shared.values() for c in bucket.candidates] == ["a"]
