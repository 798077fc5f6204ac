"""One fix per release line, and models named only in full_product_name, read from the real CSAF
documents in tests/fixtures/csaf-lines/ (VERSIONS.md pitfall 4: a fix on one line says nothing
of another).

Siemens gives each Desigo controller "< V4.10.111", "< V5.00.171", "< V5.10.069" and
"< V6.00.204" for the one CVE; Johnson Controls gives Metasys "< 11.0.6" and "< 12.0.4";
Medtronic the FT10 "<= 2.0.3" and "<= 2.1.0". The lowest bound counts from the first version,
each higher one from its own line, and a line between two listed ones is "check manually".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisories.matching import Candidate, Matcher, judge
from advisories.models import Advisory, InventoryItem, Status
from advisories.products import Catalogue
from advisories.sources.csaf import CsafSource, load_csaf_file

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "tests" / "fixtures" / "csaf-lines"
CATALOGUE = Catalogue.load(ROOT / "rules" / "products.toml")
A, U, N = Status.AFFECTED, Status.UNKNOWN, Status.NOT_AFFECTED


def fast_and_naive(advisory: Advisory, product: str, version: str, vendor: str) -> Status:
    """The Matcher's status for one row (N when it reports nothing), checked against the
    every-statement verdict (`judge`) so the pre-filter's fast path agrees with it."""
    row = InventoryItem("council", product, version, "any", vendor)
    hits = Matcher([advisory], CATALOGUE).match_items([row])
    assert len(hits) <= 1
    fast = hits[0].status if hits else N
    named = [Candidate(advisory, s) for s in advisory.affects if s.product == product]
    naive = [v.status for _, v in judge(row, named) if v.status is not Status.NOT_AFFECTED]
    assert [fast] == (naive or [N])
    return fast


DESIGO = "Desigo Automation Controllers Compact PXC12/22/36-E.D"


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("V3.20.5", A),  # below the lowest line: everything older is affected
        ("V4.10.110", A),
        ("V4.10.111", N),  # fixed on its line, though below "< V6.00.204"
        ("V4.20.3", U),  # a line the document does not list, between 4.10 and 5.00
        ("V5.00.170", A),
        ("V5.00.171", N),
        ("V5.05.2", U),
        ("V5.10.068", A),
        ("V5.10.069", N),
        ("V6.00.203", A),
        ("V6.00.204", N),
        ("V6.10.1", N),  # above every line: as before
    ],
)
def test_desigo_one_fix_per_line(version: str, expected: Status) -> None:
    advisory = load_csaf_file(DOCS / "icsa-18-025-02b.json")
    assert fast_and_naive(advisory, DESIGO, version, "Siemens") is expected


def test_a_row_between_lines_says_why_it_is_unknown() -> None:
    advisory = load_csaf_file(DOCS / "icsa-18-025-02b.json")
    [hit] = Matcher([advisory], CATALOGUE).match_items([InventoryItem("c", DESIGO, "V4.20.3", "any", "Siemens")])
    assert "between those the advisory gives fixes for" in hit.reason
    assert ">=V4.11 <V5.00" in hit.reason


@pytest.mark.parametrize(
    ("version", "expected"),
    [("10.1.2", A), ("11.0.5", A), ("11.0.6", N), ("11.0.7", N), ("11.2.1", U),
     ("12.0.3", A), ("12.0.4", N), ("13.0", N)],
)
def test_metasys_one_fix_per_line(version: str, expected: Status) -> None:
    advisory = load_csaf_file(DOCS / "icsa-23-341-03.json")
    assert fast_and_naive(advisory, "Metasys NAE55 engines", version, "Johnson Controls") is expected


@pytest.mark.parametrize(("version", "expected"), [("2.0.3", A), ("2.0.4", N), ("2.1.0", A), ("2.1.1", N)])
def test_inclusive_bounds_per_line(version: str, expected: Status) -> None:
    advisory = load_csaf_file(DOCS / "icsma-19-311-01.json")
    product = "Valleylab FT10 Energy Platform (VLFT10GEN)"
    assert fast_and_naive(advisory, product, version, "Medtronic") is expected


def test_omron_models_named_from_their_full_product_names() -> None:
    advisory = load_csaf_file(DOCS / "icsa-22-314-08.json")
    described = {s.describe() for s in advisory.affects}
    prefix = "NJ/NX-series Controllers and Software - "
    assert described == {
        f"{prefix}NX7-series Machine Automation Controller: <=1.28",
        f"{prefix}NX1-series Machine Automation Controller: <=1.48",
        f"{prefix}NJ-series Machine Automation Controller: <=1.48",
        f"{prefix}Automation Software Sysmac Studio: <=1.49",
        f"{prefix}NA-series Programable Terminal (NA5-15W, NA5-12W, NA5-9W, NA5-7W): <=1.15",
    }
    nx7 = f"{prefix}NX7-series Machine Automation Controller"
    assert fast_and_naive(advisory, nx7, "1.29", "Omron") is N  # not inside the NX1's "<= 1.48"
    assert fast_and_naive(advisory, nx7, "1.28", "Omron") is A


def _document(bounds: list[str]) -> Advisory:
    """One product, one vulnerability, one "< bound" product_version_range per bound."""
    branches = [{"category": "product_name", "name": "Widget", "branches": [{
        "category": "product_version_range", "name": f"< {b}",
        "product": {"name": f"Widget < {b}", "product_id": f"P{i}"}}]} for i, b in enumerate(bounds)]
    doc = {"document": {"csaf_version": "2.0", "title": "t", "tracking": {"id": "T-1"}},
           "product_tree": {"branches": [{"category": "vendor", "name": "Acme", "branches": branches}]},
           "vulnerabilities": [{"cve": "CVE-2024-0001",
                                "product_status": {"known_affected": [f"P{i}" for i in range(len(bounds))]}}]}
    return CsafSource().parse(json.dumps(doc).encode(), feed="f", url="https://example.org/t.json")[0]


# Per-line bound sets: distinct (major, minor) lines, each with a patch number above 0.
_LINES = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=2, max_size=5, unique=True)


@given(_LINES, st.lists(st.integers(1, 400), min_size=5, max_size=5))
def test_property_no_row_at_a_bound_is_affected_and_one_below_is(
    lines: list[tuple[int, int]], patches: list[int]
) -> None:
    bounds = [f"{major}.{minor}.{patch}" for (major, minor), patch in zip(lines, patches, strict=False)]
    advisory = _document(bounds)
    for (major, minor), patch in zip(lines, patches, strict=False):
        assert fast_and_naive(advisory, "Widget", f"{major}.{minor}.{patch}", "Acme") is N
        assert fast_and_naive(advisory, "Widget", f"{major}.{minor}.{patch - 1}", "Acme") is A
