"""Siemens' release lines, read from the real CSAF documents in tests/fixtures/csaf-lines/.

Siemens names one product per release line ("Totally Integrated Automation Portal (TIA
Portal) V17", "<V17 Update 6"; "COMOS V10.2", all versions). A statement for one line says
nothing about another: "all versions" of V15 is V15.x, and a row on a line the document does
not list is not affected by it. Rows are written as councils' inventories write them: the
short name ("TIA Portal"), Siemens' spelling ("V17 Update 6") or dotted ("17.0.6").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from advisories.matching import Matcher
from advisories.models import InventoryItem, Match, Status
from advisories.products import Catalogue
from advisories.sources.csaf import load_csaf_file

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "tests" / "fixtures" / "csaf-lines"
CATALOGUE = Catalogue.load(ROOT / "rules" / "products.toml")
A, U, N = Status.AFFECTED, Status.UNKNOWN, Status.NOT_AFFECTED
# The rest are Siemens'.
VENDORS = {"icsa-23-040-03.json": "Johnson Controls Inc.", "icsa-23-248-01.json": "Fujitsu Limited"}


def found(doc: str, product: str, version: str) -> Match | None:
    advisory = load_csaf_file(DOCS / doc)
    row = InventoryItem("council", product, version, "windows", VENDORS.get(doc, "Siemens AG"))
    [*hits] = Matcher([advisory], CATALOGUE).match_items([row])
    assert len(hits) <= 1  # one finding per advisory and row
    return hits[0] if hits else None


def status(doc: str, product: str, version: str) -> Status:
    match = found(doc, product, version)
    return N if match is None else match.status


TIA_PORTAL = "icsa-23-103-04.json"  # V15, V16 all versions; V17 < V17 Update 6; V18 < V18 Update 1


@pytest.mark.parametrize(
    ("product", "version", "expected"),
    [
        ("TIA Portal", "V17 Update 5", A),
        ("TIA Portal", "V17 Update 6", N),  # the fix
        ("TIA Portal", "17.0.5", A),  # dotted, as an install reports it
        ("TIA Portal", "17.0.6", N),
        ("TIA Portal", "V16 Update 7", A),  # V16: all versions
        ("TIA Portal", "V18", A),
        ("TIA Portal", "V18 Update 1", N),
        # Lines the document does not list: V15's "all versions" is V15.x only.
        ("TIA Portal", "V14 SP1 Update 10", N),
        ("TIA Portal V19", "V19", N),
        # The long name, with or without its short one.
        ("Totally Integrated Automation Portal V17", "V17 Update 4", A),
        ("Totally Integrated Automation Portal (TIA Portal) V17", "V17 Update 4", A),
        ("Totally Integrated Automation Portal V18", "V17 Update 4", N),  # the row's name says V18
    ],
)
def test_tia_portal_each_line_by_its_own_statement(product: str, version: str, expected: Status) -> None:
    assert status(TIA_PORTAL, product, version) is expected


def test_the_reason_names_the_line_the_statement_is_about() -> None:
    match = found(TIA_PORTAL, "TIA Portal", "V16 Update 7")
    assert match is not None
    assert match.statement.describe() == "Totally Integrated Automation Portal (TIA Portal) V16: >=V16 <V17"
    assert match.reason == "V16 Update 7 is in the affected range >=V16 <V17"


STEP7 = "icsa-22-104-14.json"  # SIMATIC STEP 7 (TIA Portal) V15 all; V16 < V16 Update 5; V17 < V17 Update 2


@pytest.mark.parametrize(
    ("product", "version", "expected"),
    [
        ("SIMATIC STEP 7 (TIA Portal)", "V16 Update 4", A),
        ("SIMATIC STEP 7 (TIA Portal)", "V16 Update 5", N),
        ("SIMATIC STEP 7 (TIA Portal) V17", "V17 Update 1", A),
        ("SIMATIC STEP 7 (TIA Portal) V17", "V16 Update 1", N),  # the V17 install is not on V16
        ("SIMATIC STEP 7 (TIA Portal)", "V14", N),
        # STEP 7 for the TIA Portal is STEP 7, not the TIA Portal itself.
        ("TIA Portal", "V16 Update 4", N),
    ],
)
def test_step7_is_step7_not_the_tia_portal(product: str, version: str, expected: Status) -> None:
    assert status(STEP7, product, version) is expected


@pytest.mark.parametrize(
    ("doc", "product", "version", "expected"),
    [
        # COMOS V10.2 all versions; V10.3 < V10.3.3.3 (and >= V10.3.3.3 for CVE-2021-37196);
        # V10.4 < V10.4.1; "only if web components are used" is the council's to check.
        ("icsa-22-013-05.json", "COMOS", "10.2.1", A),
        ("icsa-22-013-05.json", "COMOS", "10.4.0", A),
        ("icsa-22-013-05.json", "COMOS", "10.4.1", N),  # an install of 10.4.1 is not affected
        ("icsa-22-013-05.json", "COMOS", "10.1", N),  # a line the document does not list
        # SIMATIC WinCC V7.3 all; V7.4 < V7.4 SP1 Update 14; V7.5 < V7.5 SP1 Update 1.
        ("icsa-20-042-06.json", "SIMATIC WinCC", "V7.4 SP1 Update 13", A),
        ("icsa-20-042-06.json", "SIMATIC WinCC", "V7.4 SP1 Update 14", N),
        ("icsa-20-042-06.json", "SIMATIC WinCC", "7.4.1.14", N),  # V7.4 SP1 Update 14, dotted
        ("icsa-20-042-06.json", "SIMATIC WinCC", "7.4.1.3", A),
        ("icsa-20-042-06.json", "SIMATIC WinCC", "V7.5 SP1", A),
        ("icsa-20-042-06.json", "SIMATIC WinCC", "V7.5 SP2 Update 14", N),
        ("icsa-20-042-06.json", "SIMATIC WinCC", "V7.3 Update 5", A),
        ("icsa-20-042-06.json", "SIMATIC WinCC", "V7.2", N),
        # Teamcenter Visualization V13.3 < V13.3.0.5, V14.0 < V14.0.0.2; JT2Go < V13.3.0.5.
        ("icsa-22-195-07.json", "Teamcenter Visualization", "13.3.0.4", A),
        ("icsa-22-195-07.json", "Teamcenter Visualization", "13.3.0.5", N),
        ("icsa-22-195-07.json", "Teamcenter Visualization", "14.0.0.1", A),
        ("icsa-22-195-07.json", "Teamcenter Visualization", "13.2.0.9", N),  # line 13.2: not listed
        ("icsa-22-195-07.json", "JT2Go", "13.3.0.4", A),
        # Year-numbered lines.
        ("icsa-21-257-04.json", "Simcenter Femap", "2020.2.1", A),
        ("icsa-21-257-04.json", "Simcenter Femap", "2021.1", A),
        ("icsa-21-257-04.json", "Simcenter Femap", "2022.1", N),
        ("icsa-24-046-07.json", "Tecnomatix Plant Simulation", "2302.0006", A),
        ("icsa-24-046-07.json", "Tecnomatix Plant Simulation", "2302.0007", N),
        ("icsa-24-046-07.json", "Tecnomatix Plant Simulation", "2404.0001", N),
        # WinCC OA V3.16 "all versions in default configuration"; V3.19 is not listed.
        ("icsa-22-172-06.json", "SIMATIC WinCC OA", "3.16 P035", A),
        ("icsa-22-172-06.json", "SIMATIC WinCC OA", "V3.19 P001", N),
        # Parasolid V34.1 < V34.1.233: a V34.0 install is judged by its own line's statement.
        ("icsa-22-195-09.json", "Parasolid", "34.1.232", A),
        ("icsa-22-195-09.json", "Parasolid", "34.0.250", N),
        ("icsa-22-195-09.json", "Parasolid", "34.0.249", A),
        ("icsa-22-195-09.json", "Parasolid", "35.0.1", N),
        # Opcenter Quality V13.1 < V13.1.20220624 (with "All versions" and a double space).
        ("icsa-22-195-17.json", "Opcenter Quality", "13.1.20220101", A),
        ("icsa-22-195-17.json", "Opcenter Quality", "13.2.20220624", N),
        # SINUMERIK Integrate Client 02: ">= V02.00.12 < 02.00.18".
        ("icsa-21-194-04.json", "SINUMERIK Integrate Client 02", "02.00.12", A),
        ("icsa-21-194-04.json", "SINUMERIK Integrate Client 02", "02.00.18", N),
        ("icsa-21-194-04.json", "SINUMERIK Integrate Client 03", "02.00.12", N),  # another line
    ],
)
def test_siemens_lines_in_real_documents(doc: str, product: str, version: str, expected: Status) -> None:
    assert status(doc, product, version) is expected


@pytest.mark.parametrize(
    ("doc", "product", "version"),
    [
        # A renamed product: "TIA Multiuser Server V15" < V15.1 Update 8; V14 all versions.
        ("icsa-23-047-07.json", "TIA Multiuser Server", "V15.1 Update 7"),
        ("icsa-23-047-07.json", "TIA Multiuser Server", "V14 SP1"),
        ("icsa-23-047-07.json", "TIA Project-Server", "V17 Update 5"),
        # SINUMERIK Operate V4.93 < V4.93 HF7.
        ("icsa-21-194-04.json", "SINUMERIK Operate", "V4.93 HF6"),
    ],
)
def test_spaced_siemens_forms_are_read(doc: str, product: str, version: str) -> None:
    assert status(doc, product, version) is A


def test_a_three_number_version_is_unknown_against_a_service_pack_bound() -> None:
    """7.5.2 may be V7.5 SP2 or V7.5 Update 2: against "< V7.5 SP1 Update 1" it cannot be placed."""
    match = found("icsa-20-042-06.json", "SIMATIC WinCC", "7.5.2")
    assert match is not None and match.status is U
    assert "could not be compared" in match.reason


def test_an_unreadable_siemens_condition_stays_check_manually() -> None:
    """"All versions < V8.1 SP1 with WinCC V7.3 Upd 13" depends on another product's version."""
    match = found("icsa-17-306-01.json", "SIMATIC PCS 7", "V8.1")
    assert match is not None and match.status is U


# -- R-releases, "version N" and article numbers ----------------------------------------------

SIVEILLANCE_VIDEO = "icsa-23-131-03.json"  # 2020 R2 < V20.2 HotfixRev14; 2020 R3 < V20.3 HotfixRev12; ...
SIVEILLANCE_VMS = "icsa-18-128-02.json"  # 2016 R2 < V10.1a; 2016 R3 < V10.2b; 2017 R1 < V11.1a; ...
SCT = "icsa-23-040-03.json"  # version 14 < 14.2.3; version 15 < 15.0.3
S7_1500 = "icsa-24-284-01.json"  # one statement per article number


@pytest.mark.parametrize(
    ("doc", "product", "version", "expected"),
    [
        # At each line's own fix: not affected, whatever the next line's fix bound says.
        (SIVEILLANCE_VIDEO, "Siveillance Video 2020 R2", "V20.2 HotfixRev14", N),
        (SIVEILLANCE_VIDEO, "Siveillance Video 2021 R1", "V21.1 HotfixRev12", N),
        (SIVEILLANCE_VIDEO, "Siveillance Video 2022 R1", "V22.1 HotfixRev7", N),
        (SIVEILLANCE_VIDEO, "Siveillance Video 2022 R2", "V22.2 HotfixRev5", N),
        (SIVEILLANCE_VMS, "Siveillance VMS 2016 R2", "V10.1a", N),
        (SIVEILLANCE_VMS, "Siveillance VMS 2017 R1", "V11.1a", N),
        (SCT, "System Configuration Tool (SCT) version 14", "14.2.3", N),
        (S7_1500, "SIMATIC S7-1500 CPU 1510SP F-1 PN (6ES7510-1SK03-0AB0)", "V3.1.4", N),
        (S7_1500, "SIMATIC S7-1500 CPU 1511-1 PN (6ES7511-1AL03-0AB0)", "V3.1.4", N),
        (S7_1500, "SIMATIC S7-1500 CPU 1516-3 PN/DP (6ES7516-3AP03-0AB0)", "V3.1.4", N),
        # Below it: affected, by the line's or the model's own statement.
        (SIVEILLANCE_VIDEO, "Siveillance Video 2020 R2", "V20.2 HotfixRev13", A),
        (SIVEILLANCE_VIDEO, "Siveillance Video 2022 R3", "V22.3 HotfixRev1", A),
        (SIVEILLANCE_VMS, "Siveillance VMS 2016 R3", "V10.2a", A),
        (SCT, "System Configuration Tool (SCT) version 14", "14.2.2", A),
        (SCT, "System Configuration Tool (SCT) version 15", "15.0.2", A),
        (S7_1500, "SIMATIC S7-1500 CPU 1511-1 PN (6ES7511-1AL03-0AB0)", "V3.1.3", A),
        (S7_1500, "SIMATIC S7-1500 CPU 1511-1 PN (6ES7511-1AK01-0AB0)", "V3.1.4", A),  # all versions
        (S7_1500, "SIMATIC S7-1500 CPU 1511-1 PN (6ES7511-1AK02-0AB0)", "V2.9", A),
        # A row that does not say its release, version line or article number is judged by its
        # version against every statement of the product: never a silent miss.
        (SIVEILLANCE_VIDEO, "Siveillance Video", "V20.2 HotfixRev13", A),
        (SCT, "System Configuration Tool (SCT)", "14.2.2", A),
        (SCT, "System Configuration Tool (SCT)", "15.0.3", N),  # above both fixes
        (S7_1500, "SIMATIC S7-1500 CPU 1511-1 PN", "V3.1.4", A),  # the AK01 and AK02 are all versions
        (S7_1500, "SIMATIC S7-1510SP F-1 PN", "V3.1.4", N),  # another name altogether
    ],
)
def test_releases_and_articles_in_real_documents(doc: str, product: str, version: str, expected: Status) -> None:
    assert status(doc, product, version) is expected


def test_a_row_without_an_article_number_is_hit_by_each_models_statement() -> None:
    match = found(S7_1500, "SIMATIC S7-1500 CPU 1510SP F-1 PN", "V3.1.3")
    assert match is not None and match.status is A
    advisory = load_csaf_file(DOCS / S7_1500)
    row = InventoryItem("council", "SIMATIC S7-1500 CPU 1510SP F-1 PN", "V3.1.4", "windows", "Siemens AG")
    [hit] = Matcher([advisory], CATALOGUE).match_items([row])
    assert hit.statement.product == "SIMATIC S7-1500 CPU 1510SP F-1 PN (6ES7510-1SJ01-0AB0)"  # all versions


def test_the_reason_names_the_other_line() -> None:
    """An inventory row on 2020 R2 is explained as another line, not silently passed over."""
    advisory = load_csaf_file(DOCS / SIVEILLANCE_VIDEO)
    row = InventoryItem("council", "Siveillance Video 2020 R2", "V20.2 HotfixRev14", "windows", "Siemens AG")
    r3 = next(s for s in advisory.affects if s.product == "Siveillance Video 2020 R3")
    [miss] = CATALOGUE.explain(row, [r3])
    assert miss.reason == (
        "'siveillance video' is release line 2020 R2, and the statement is about line 2020 R3 only"
    )


# -- model designations: "808D", "1542SP-1", "IP-90" are the product, not its version ---------

SINUMERIK = "icsa-18-345-02.json"  # 808D V4.7, V4.8 < V4.91; 828D V4.7 < V4.7 SP6 HF1; 840D sl ...
IP_SERIES = "icsa-23-248-01.json"  # Fujitsu IP-900E ... < V02L061; IP-90 < V01L013; IP-9610 < V02L007
CP_1542SP = "icsa-24-165-10.json"  # SIMATIC CP 1542SP-1, CP 1543SP-1 < V2.3
CP_1604 = "icsa-19-099-06.json"  # SIMATIC CP 1604, CP 1616 all versions; CP 443-1 < V3.3; ...
IP = 'Real-time Video Transmission Gear "IP series" IP-'


@pytest.mark.parametrize(
    ("doc", "product", "version", "expected"),
    [
        # At a model's own fix: not affected, whatever another model's fix bound says.
        (SINUMERIK, "SINUMERIK 828D V4.7", "V4.7 SP6 HF1", N),  # 808D's < V4.91 is another model
        (SINUMERIK, "SINUMERIK 828D", "V4.7 SP6 HF1", N),
        (IP_SERIES, f"{IP}90", "V01L013", N),  # IP-900E's < V02L061 is another model
        (IP_SERIES, f"{IP}9610", "V02L007", N),
        (CP_1542SP, "SIMATIC CP 1542SP-1", "V2.3", N),
        (CP_1604, "SIMATIC CP 1542SP-1", "V2.3", N),  # CP 1604 and CP 1616 are other processors
        (CP_1542SP, "SIMATIC CP 1604", "V2.2", N),  # and the other way round
        (S7_1500, "SIMATIC S7-1500 Software Controller CPU 1508S V2", "V3.1", N),  # no 1508S V2 is V3
        # Below it, or on a model whose fix is later: affected, by the model's own statement.
        (SINUMERIK, "SINUMERIK 828D V4.7", "V4.7 SP6", A),
        (SINUMERIK, "SINUMERIK 808D V4.7", "V4.7 SP6 HF1", A),
        (SINUMERIK, "SINUMERIK 808D", "V4.8 SP1", A),
        (IP_SERIES, f"{IP}90", "V01L012", A),
        (IP_SERIES, f"{IP}900E", "V02L060", A),
        (IP_SERIES, f"{IP}900IID", "V02L060", A),
        (CP_1542SP, "SIMATIC CP 1542SP-1", "V2.2", A),
        (CP_1604, "SIMATIC CP 1604", "V2.8", A),
        # A row that gives no model is judged by its version against every model's statement.
        (SINUMERIK, "SINUMERIK", "V4.7 SP6 HF1", A),  # 808D: < V4.91
        (SINUMERIK, "SINUMERIK V4.7", "V4.7 SP6 HF1", A),
        (SINUMERIK, "SINUMERIK", "V4.91", N),  # above every fix
        (CP_1542SP, "SIMATIC CP", "V2.2", A),
    ],
)
def test_models_in_real_documents(doc: str, product: str, version: str, expected: Status) -> None:
    assert status(doc, product, version) is expected


@pytest.mark.parametrize(
    ("product", "version", "statement"),
    [
        ("CPU 1508S V3", "V3.1", "CPU 1508S V3"),
        ("CPU 1507S", "V2.9.7", "CPU 1507S V2"),  # a row without its line: the version places it
        ("CPU 1507S", "V3.1", "CPU 1507S V3"),
    ],
)
def test_a_software_controller_is_hit_by_its_own_models_statement(product: str, version: str, statement: str) -> None:
    match = found(S7_1500, f"SIMATIC S7-1500 Software Controller {product}", version)
    assert match is not None and match.status is A
    assert match.statement.product == f"SIMATIC S7-1500 Software Controller {statement}"


def test_the_reason_names_the_other_model() -> None:
    advisory = load_csaf_file(DOCS / SINUMERIK)
    row = InventoryItem("council", "SINUMERIK 828D V4.7", "V4.7 SP6 HF1", "windows", "Siemens AG")
    other = next(s for s in advisory.affects if s.product == "SINUMERIK 808D V4.7")
    [miss] = CATALOGUE.explain(row, [other])
    assert miss.reason == "'sinumerik' is model 828D, and the statement is about model 808D only"
