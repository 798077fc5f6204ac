"""Prose version extraction: the sentence table (tests/fixtures/extract/sentences.toml) plus
the rules the table cannot show on its own (JSON shape, noise, suspect handling, purity)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisories.extract import (
    ExtractedStatement,
    KnownProduct,
    extract_statements,
    known_products,
    to_json,
)

TABLE = Path(__file__).parent / "fixtures" / "extract" / "sentences.toml"
DATA = tomllib.loads(TABLE.read_text(encoding="utf-8"))
PRODUCTS = [
    KnownProduct(p["vendor"], p["name"], tuple(p["aliases"]), tuple(p.get("known_builds", ()))) for p in DATA["product"]
]
THREECX = next(p for p in PRODUCTS if p.name == "3CX DesktopApp")
FORTIOS = next(p for p in PRODUCTS if p.name == "FortiOS")


def band(confidence: float) -> str:
    return "high" if confidence >= 0.8 else "low" if confidence <= 0.5 else "medium"


def _ranges(ranges: Any) -> tuple[tuple[tuple[str, str], ...], ...]:
    return tuple(sorted(tuple(sorted(r.items())) for r in ranges))


def expected(e: dict[str, Any]) -> tuple[Any, ...]:
    platform = e.get("platform", "any")
    return (
        e["product"],
        None if platform == "any" else platform,
        tuple(sorted(e.get("versions", ()))),
        _ranges(e.get("ranges", ())),
        e.get("suspect", False),
        tuple(e.get("suggested_versions", ())),
        e.get("confidence", "high"),
    )


def got(s: ExtractedStatement) -> tuple[Any, ...]:
    j = to_json(s)
    return (
        j["product"],
        j["platform"],
        tuple(sorted(j["versions"])),
        _ranges(j["ranges"]),
        j["suspect"],
        tuple(j["suggested_versions"]),
        band(j["confidence"]),
    )


def _param(case: dict[str, Any]) -> Any:
    marks = [pytest.mark.xfail(reason=case["known_gap"], strict=True)] if "known_gap" in case else []
    return pytest.param(case, id=case["id"], marks=marks)


def test_table_is_big_enough_and_cites_advisories() -> None:
    cases = DATA["case"]
    assert len([c for c in cases if not c.get("heldout")]) >= 40
    assert len({c["id"] for c in cases}) == len(cases)
    assert all(c["source"] and ("cve-" in c["id"]) for c in cases)


@pytest.mark.parametrize("case", [_param(c) for c in DATA["case"]])
def test_sentence_table(case: dict[str, Any]) -> None:
    statements = extract_statements(case["text"], PRODUCTS)
    assert sorted(map(repr, map(got, statements))) == sorted(map(repr, map(expected, case.get("expect", ()))))


# ------------------------------------------------------------------------------ JSON shape


def test_to_json_keys_and_range_words() -> None:
    # "and later" is an affected lower bound only where the clause says "affected"; alone it names a fix.
    text = "FortiOS 7.2.0 through 7.2.4, 7.0.11 and below and before 6.4.13, and 7.4.0 and later are affected."
    (s,) = extract_statements(text, [FORTIOS])
    j = to_json(s)
    assert list(j) == [
        "product", "vendor", "platform", "versions", "ranges",
        "confidence", "suspect", "suggested_versions", "evidence",
    ]  # fmt: skip
    assert j["ranges"] == [
        {"introduced": "7.2.0", "last_affected": "7.2.4"},
        {"introduced": "7.0", "last_affected": "7.0.11"},
        {"introduced": "0", "fixed": "6.4.13"},  # a bare "before" below every named line: all older
        {"introduced": "7.4.0"},
    ]
    assert j["platform"] is None and j["vendor"] == "Fortinet"
    assert j["evidence"] == text


# -------------------------------------------------------------------- rules worth one line


def test_explicit_list_is_never_widened_into_a_range() -> None:
    (s,) = extract_statements("3CX DesktopApp 18.11.1213, 18.12.402 or 18.12.416 are affected.", [THREECX])
    assert s.versions == ("18.11.1213", "18.12.402", "18.12.416") and s.ranges == ()


def test_lone_before_covers_older_versions_but_several_branches_are_scoped() -> None:
    (lone,) = extract_statements("FortiOS before 7.2.5 is affected.", [FORTIOS])
    (many,) = extract_statements("FortiOS before 7.2.5 and before 7.0.12 is affected.", [FORTIOS])
    assert to_json(lone)["ranges"] == [{"introduced": "0", "fixed": "7.2.5"}]
    assert to_json(many)["ranges"] == [
        {"introduced": "7.2", "fixed": "7.2.5"},
        {"introduced": "7.0", "fixed": "7.0.12"},
    ]


@pytest.mark.parametrize(
    "text",
    [
        "FortiOS advisory FG-IR-23-097 was published on 2023-06-12 and revised on 13.06.2023.",
        "FortiOS: CVE-2023-27997 has a CVSS v3 score of 9.8 (Critical); see 9.2/10 elsewhere.",
        "FortiOS was patched on 30/03/2023 and 03/30/2023 at 12:00:00.",
        "FortiOS uses TLS 1.2 and HTTP/1.1 and serves https://fortiguard.com/psirt/1.2.3.",
        "FortiOS sessions last up to 1000 users.",
    ],
)
def test_dates_ids_scores_and_protocols_are_not_versions(text: str) -> None:
    assert extract_statements(text, [FORTIOS]) == []


def test_version_without_a_known_product_is_dropped() -> None:
    assert extract_statements("FortiManager 7.2.1 and below are affected.", [THREECX]) == []
    assert extract_statements("", PRODUCTS) == []


def test_mangled_build_with_two_readings_is_suspect_without_a_suggestion() -> None:
    ambiguous = KnownProduct("X", "Widget", (), ("2.12.407", "18.12.407"))
    (s,) = extract_statements("Widget 12.407 is affected.", [ambiguous])
    assert s.suspect and s.suggested_versions == () and s.confidence <= 0.5


def test_dropped_major_is_suspect_even_without_known_builds() -> None:
    bare = KnownProduct("3CX", "3CX DesktopApp")
    (s,) = extract_statements("3CX DesktopApp 18.12.402 and 12.407 are affected.", [bare])
    assert s.suspect and s.suggested_versions == ()


def test_inverted_range_is_suspect() -> None:
    (s,) = extract_statements("FortiOS 7.2.4 through 7.2.0 is affected.", [FORTIOS])
    assert s.suspect and s.confidence <= 0.5


def test_heading_product_lowers_confidence() -> None:
    same = extract_statements("FortiOS 7.2.0 through 7.2.4 is affected.", [FORTIOS])
    heading = extract_statements("FortiOS\n- 7.2.0 through 7.2.4", [FORTIOS])
    assert same[0].confidence >= 0.8 > heading[0].confidence > 0.5
    assert same[0].ranges == heading[0].ranges


def test_fix_on_a_branch_already_stated_affected_is_folded_away() -> None:
    text = "FortiOS 7.2.0 through 7.2.4 is affected. Upgrade to FortiOS 7.2.5 or above."
    (s,) = extract_statements(text, [FORTIOS])
    assert to_json(s)["ranges"] == [{"introduced": "7.2.0", "last_affected": "7.2.4"}]


def test_hard_wrapped_prose_is_rejoined() -> None:
    text = (
        "A access of uninitialized pointer vulnerability in Fortinet FortiOS version 7.2.0 through\n"
        "7.2.4 and before 7.0.11 allows an authenticated attacker to crash httpsd."
    )
    (s,) = extract_statements(text, [FORTIOS])
    assert to_json(s)["ranges"] == [
        {"introduced": "7.2.0", "last_affected": "7.2.4"},
        {"introduced": "0", "fixed": "7.0.11"},  # a bare "before" below the named line: all older
    ]


@dataclass(frozen=True)
class _Entry:  # the shape of products.Product the adapter relies on
    vendor: str
    name: str
    aliases: tuple[str, ...]


def test_known_products_adapts_catalogue_entries() -> None:
    entries = [_Entry("3CX", "3CX Desktop App", ("3CXDesktopApp",))]
    products = known_products(entries, {"3CX Desktop App": ("18.12.407",)})
    assert products == (KnownProduct("3CX", "3CX Desktop App", ("3CXDesktopApp",), ("18.12.407",)),)
    # Spacing is not identity: the NVD's "3CX DesktopApp" is the catalogue's "3CX Desktop App".
    (s,) = extract_statements("3CX DesktopApp 12.407 on Windows is affected.", products)
    assert s.product == "3CX Desktop App" and s.platform == "windows"
    assert s.suggested_versions == ("18.12.407",)


def test_real_catalogue_wires_in() -> None:
    path = Path(__file__).parents[1] / "rules" / "products.toml"
    from advisories.products import Catalogue

    catalogue = Catalogue.load(path)
    text = next(c["text"] for c in DATA["case"] if c["id"] == "cve-2023-29059-3cx-nvd-description")
    found = extract_statements(text, known_products(catalogue.products))
    assert {s.platform for s in found if not s.suspect} == {"windows", "macos"}


# ----------------------------------------------------------------------------- properties


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789.-/ ,;:|()ForiOS3CXbefthrugalvsn\n")), max_size=80))
def test_any_text_gives_well_formed_statements(text: str) -> None:
    for s in extract_statements(text, [FORTIOS, THREECX]):
        assert 0.0 <= s.confidence <= 1.0
        assert not s.suspect or s.confidence <= 0.5
        # A statement with no versions is "check manually": always below the alert threshold.
        assert s.versions or s.ranges or s.confidence <= 0.5
        assert set(to_json(s)) >= {"product", "ranges"}


def test_extraction_is_pure() -> None:
    text = DATA["case"][1]["text"]
    assert extract_statements(text, PRODUCTS) == extract_statements(text, PRODUCTS)
