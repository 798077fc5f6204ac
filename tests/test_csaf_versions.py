"""Ranges written in words where CSAF wants one product_version: read as the range they state,
or refused (UNKNOWN, text quoted), never kept as one exact build.

CSAF 2.0 says product_version is a single version and ranges there are invalid (VERSIONS.md
section d), yet vendors write them. Kept as a build, "7.2.4 and below" parses under the generic
scheme and 7.2.3 comes out "not affected": a missed alert. The FortiOS cases are the branches of
FortiGuard FG-IR-23-097 (CVE-2023-27997, fixed in 7.2.5, 7.0.12, 6.4.13, 6.2.14 and 6.0.17),
written in the shapes VERSIONS.md lists for Fortinet ("7.2.4 and below" is scoped to 7.2).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from advisories.cli import main
from advisories.models import AffectedProduct, Bound, Status, VersionRange
from advisories.sources.csaf import CsafSource
from advisories.sources.csaf_versions import tolerant_range, versions_of
from advisories.versions import VersSpec, compile_statement

FIXTURES = Path(__file__).parent / "fixtures" / "csaf"


def spans(spec: VersSpec | None) -> list[tuple[str | None, str | None]] | None:
    """The spec's ranges as (">=lower" or ">lower", "<=upper" or "<upper"), None for refused."""
    if spec is None:
        return None
    assert not spec.versions
    return [(f"{'>=' if r.lower.inclusive else '>'}{r.lower.version}" if r.lower else None,
             f"{'<=' if r.upper.inclusive else '<'}{r.upper.version}" if r.upper else None)
            for r in spec.ranges]


@pytest.mark.parametrize(("text", "expected"), [
    ("7.2.0 through 7.2.4", [(">=7.2.0", "<=7.2.4")]),
    ("7.2.0 to 7.2.4", [(">=7.2.0", "<=7.2.4")]),
    ("from 7.2.0 through 7.2.4", [(">=7.2.0", "<=7.2.4")]),
    ("7.0.0-7.0.11", [(">=7.0.0", "<=7.0.11")]),
    ("7.0.0 – 7.0.11", [(">=7.0.0", "<=7.0.11")]),
    ("7.2.x", [(">=7.2", "<7.3")]),
    ("6.x", [(">=6", "<7")]),
    ("6.0 all versions", [(">=6.0", "<6.1")]),  # FortiGuard's wording for an EOL branch
    ("all 6.0 versions", [(">=6.0", "<6.1")]),
    ("7.2.4 and below", [(None, "<=7.2.4")]),  # alone: every older version too (see below)
    ("7.2.4 and earlier", [(None, "<=7.2.4")]),
    ("7.2.4 or earlier versions", [(None, "<=7.2.4")]),
    ("7.4.0 and later", [(">=7.4.0", None)]),
    ("7.0.0-7.0.11, 7.2.0-7.2.4", [(">=7.0.0", "<=7.0.11"), (">=7.2.0", "<=7.2.4")]),
])
def test_a_range_in_words_becomes_that_range(text: str, expected: list[tuple[str | None, str | None]]) -> None:
    assert spans(versions_of(text, None)) == expected


@pytest.mark.parametrize("text", [
    "up to 7.2.4",  # inclusive or not?
    "7.2.0 until 7.2.3",  # "until" is often exclusive
    "between 7.2.0 and 7.2.4",
    "7.2.4 through 7.2.0",  # inverted: garbled
    "7.0.11-7.0.0",
    "7.0-7.0.11",  # two shapes: a typo or a build?
    "7.2-7.4",  # a range, or a NetScaler-style release-build?
    "7.2.4+",  # nginx reads "+" as "this stable branch onwards"; others as "and later"
    "7.2.4 7.0.11",
    "FortiOS 7.0.0-7.0.11",
    "7.2.4 and below, 7.0.11 and below",
    "7.2.x.y",
])
def test_a_range_in_words_that_cannot_be_read_safely_is_refused(text: str) -> None:
    assert versions_of(text, None) is None


@pytest.mark.parametrize("text", [
    "2.1.7",
    "15.2(4)E5a",  # Cisco IOS, as in cisco-sa-20180328-smi2
    "V17 Update 6",  # Siemens, as in ICSA-23-103-04
    "v7.2.4,build1396 (GA.F)",  # the FortiOS banner: one build, its comma notwithstanding
    "2023.0.1 (15.0.1)",  # MOVEit's dual label
    "NS13.1: Build 49.13.nc",
    "13.1 Build 49.13",
    "7.0 U1c",
    "8u381",
    "1.0.0-rc1",  # bsi-2022-0001
    "telnet-1:0.17-65.el7_6.x86_64",  # Red Hat NEVRA, rhsa-2022_0011
    "17.9.1x1",
    "2.4.58-1.1",  # a revision: no range runs downwards
])
def test_one_version_stays_one_version(text: str) -> None:
    assert versions_of(text, None) == VersSpec(versions=(text,))


def test_netscaler_release_build_is_one_build_only_from_citrix() -> None:
    # "13.1-49.13" is NetScaler 13.1 build 49.13 (CVE-2023-3519's fix); from anyone else the
    # same shape could be "13.1 through 49.13", so it is refused rather than guessed.
    assert versions_of("13.1-49.13", None, vendor="Citrix") == VersSpec(versions=("13.1-49.13",))
    assert versions_of("13.1-49.13", None, vendor="NetScaler") == VersSpec(versions=("13.1-49.13",))
    assert versions_of("13.1-49.13", None) is None


def test_and_below_is_scoped_to_its_branch_when_several_branches_are_named() -> None:
    assert spans(versions_of("7.2.4 and below", None, scoped=True)) == [(">=7.2", "<=7.2.4")]
    assert versions_of("10.4 and below", None, scoped=True) is None  # which branch is 10.4's?


def test_product_version_range_accepts_the_same_words() -> None:
    # vls is best effort (VERSIONS.md d): the same reader runs when vers and comparators fail.
    assert spans(versions_of(None, "7.0.0 through 7.0.11")) == [(">=7.0.0", "<=7.0.11")]
    assert versions_of(None, "7.2.x.y") is None


def test_lists_never_keep_a_range_as_a_build() -> None:
    assert tolerant_range("7.2.1, 7.2.2") == VersSpec(versions=("7.2.1", "7.2.2"))
    assert tolerant_range("7.2.x, 7.0.x") == VersSpec(ranges=(
        VersionRange(Bound("7.2", True), Bound("7.3", False)),
        VersionRange(Bound("7.0", True), Bound("7.1", False))))
    assert tolerant_range("7.2.1, 7.2-7.4") is None


# --- through the parser and `advisories match` ----------------------------------------------

FORTIOS_BRANCHES = [  # FG-IR-23-097, one product_version per branch, as vendors write them
    ("7.2.0 through 7.2.4", "b72"), ("7.0.0-7.0.11", "b70"), ("6.4.12 and below", "b64"),
    ("6.2.13 and below", "b62"), ("6.0.16 and below", "b60"),
]


def csaf_doc(leaves: dict[str, list[tuple[str, str]]], affected: list[str]) -> dict[str, Any]:
    """A CSAF document with FG-IR-23-097's identity and the given product_version leaves."""
    return {
        "document": {"title": "FortiOS - heap buffer overflow in sslvpn pre-authentication",
                     "category": "csaf_security_advisory", "csaf_version": "2.0",
                     "tracking": {"id": "FG-IR-23-097", "version": "1",
                                  "initial_release_date": "2023-06-12T00:00:00Z"}},
        "product_tree": {"branches": [{"category": "vendor", "name": "Fortinet", "branches": [
            {"category": "product_name", "name": name, "branches": [
                {"category": "product_version", "name": text,
                 "product": {"name": f"{name} {text}", "product_id": pid}}
                for text, pid in versions]}
            for name, versions in leaves.items()]}]},
        "vulnerabilities": [{"cve": "CVE-2023-27997", "product_status": {"known_affected": affected}}],
    }


def parse(doc: dict[str, Any]) -> Any:
    [advisory] = CsafSource().parse(json.dumps(doc).encode(), feed="t", url="https://example.org/x.json")
    return advisory


def test_fortios_branches_in_words_become_per_branch_ranges() -> None:
    a = parse(csaf_doc({"FortiOS": FORTIOS_BRANCHES}, [pid for _, pid in FORTIOS_BRANCHES]))
    assert [s.describe() for s in a.affects] == [
        "FortiOS: >=7.2.0 <=7.2.4", "FortiOS: >=7.0.0 <=7.0.11", "FortiOS: >=6.4 <=6.4.12",
        "FortiOS: >=6.2 <=6.2.13", "FortiOS: >=6.0 <=6.0.16"]
    assert "Check manually" not in a.summary


def test_a_lone_and_below_covers_every_older_version() -> None:
    # With no other branch named, "6.4.12 and below" may well cover 6.2 too: the wider reading,
    # since missing an affected install is the worse error (the prose extractor's rule).
    a = parse(csaf_doc({"FortiOS": [("6.4.12 and below", "b64")]}, ["b64"]))
    assert [s.describe() for s in a.affects] == ["FortiOS: <=6.4.12"]
    assert compile_statement(a.affects[0]).status("6.2.13").status is Status.AFFECTED


def test_an_unreadable_range_in_words_is_unknown_and_quoted() -> None:
    a = parse(csaf_doc({"FortiProxy": [("7.2.0 until 7.2.3", "p72")]}, ["p72"]))
    assert a.affects == (AffectedProduct("Fortinet", "FortiProxy",
                                         note="FortiProxy: '7.2.0 until 7.2.3' not understood"),)
    assert a.summary.endswith("Check manually: FortiProxy: '7.2.0 until 7.2.3' not understood")
    assert compile_statement(a.affects[0]).status("7.2.1").status is Status.UNKNOWN


@pytest.mark.parametrize(("version", "status"), [
    ("7.2.3", "affected"), ("v7.2.4,build1396 (GA.F)", "affected"), ("7.2.5", None),
    ("7.0.5", "affected"), ("7.0.11", "affected"), ("7.0.12", None),
    ("6.4.12", "affected"), ("6.4.13", None), ("6.2.0", "affected"), ("6.2.14", None),
    ("6.0.16", "affected"), ("6.0.17", None), ("7.4.0", None),
])
def test_match_reads_fortios_branches_in_words(version: str, status: str | None, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "FG-IR-23-097.json"
    doc.write_text(json.dumps(csaf_doc({"FortiOS": FORTIOS_BRANCHES},
                                       [pid for _, pid in FORTIOS_BRANCHES])))
    inventory = tmp_path / "inv.csv"
    inventory.write_text(f'product,vendor,version\nFortiOS,Fortinet,"{version}"\n')
    assert main(["match", str(inventory), str(doc), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in rows] == ([status] if status else [])


def test_match_says_unknown_for_a_range_it_cannot_read(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "x.json"
    doc.write_text(json.dumps(csaf_doc({"FortiOS": [("7.2.x.y", "b")]}, ["b"])))
    inventory = tmp_path / "inv.csv"
    inventory.write_text("product,vendor,version\nFortiOS,Fortinet,7.2.3\nFortiOS,Fortinet,7.4.1\n")
    assert main(["match", str(inventory), str(doc), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["version"]: r["status"] for r in rows} == {"7.2.3": "unknown", "7.4.1": "unknown"}


def test_the_real_topbraid_document_still_reads_the_same() -> None:
    # va-24-254-02: product_version "7.1.3" and the vls "0 < 8.0.1" are untouched by the prose rules.
    doc = json.loads((FIXTURES / "cisagov-CSAF_IT_white_2024_va-24-254-02.json").read_bytes())
    a = parse(doc)
    assert [s.describe() for s in a.affects] == ["TopBraid EDG: 7.1.3", "TopBraid EDG: <8.0.1"]
