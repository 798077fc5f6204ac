"""Citrix LTSR is a line of its own: current-release (CR) statements never judge LTSR builds.

CTX678036 (CVE-2024-6286) lists "Citrix Workspace app for Windows before 2403.1", "2402 LTSR
before 2402 LTSR CU1" and "2203.1 LTSR before 2203.1 LTSR CU6 Hotfix 2": each line its own
fixed build. Windows reports 2402 LTSR CU1 as 24.2.1001.x, inside the CR numbering (2402 <
24.2.1001 < 2403.1), so when "LTSR" was dropped from row names a patched LTSR install read as
"affected" by the CR range. Now an LTSR-named row meets LTSR statements only, an LTSR update
under a name without "LTSR" is on another line than a CR range (unknown, "check manually"),
and a base LTSR release (24.2.0.172) is the very build of CR 2402 and is judged as one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisories.cli import main
from advisories.matching import Matcher
from advisories.models import Advisory, AffectedProduct, Bound, InventoryItem, Match, Status, VersionRange
from advisories.products import Catalogue

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = Catalogue.load(ROOT / "rules" / "products.toml")
CTX = "CTX678036 CVE-2024-6286"
CITRIX_SYSTEMS = "Citrix Systems, Inc."


def r(lo: str, hi: str) -> VersionRange:
    return VersionRange(Bound(lo, True), Bound(hi, False))


def row(product: str, version: str) -> InventoryItem:
    return InventoryItem("c", product, version, "windows", CITRIX_SYSTEMS)


def matches(advisory: Advisory, rows: list[InventoryItem]) -> dict[tuple[str, str], Match]:
    return {(m.item.product, m.item.version): m for m in Matcher([advisory], CATALOGUE).match_items(rows)}


# The review's reproduction: a CR range and the 2203 LTSR line, as separate statements.
REPRODUCTION = Advisory("cve-2024-6286", "rules", "Workspace LPE", affects=(
    AffectedProduct("Citrix", "Citrix Workspace app for Windows", ranges=(r("23.0", "24.3.1"),)),
    AffectedProduct("Citrix", "Citrix Workspace app for Windows 2203 LTSR", ranges=(r("22.3", "22.3.6000"),)),
))
CR_STATEMENT, LTSR_2203 = REPRODUCTION.affects


def test_reproduction_a_patched_2402_ltsr_is_not_affected_by_the_cr_range() -> None:
    """CTX678036 CVE-2024-6286: 2402 LTSR CU1 (24.2.1001.2) is the 2402 LTSR fix. The CR range
    never reaches the LTSR row; the 2203 LTSR range is another line and says nothing of it."""
    found = matches(REPRODUCTION, [row("Citrix Workspace 2402 LTSR", "24.2.1001.2")])
    m = found[("Citrix Workspace 2402 LTSR", "24.2.1001.2")]
    assert m.status is not Status.AFFECTED and m.statement.product == LTSR_2203.product
    assert m.status is Status.UNKNOWN  # this advisory names no 2402 LTSR line: check it by hand
    assert m.reason == (
        "the installed version '24.2.1001.2' (2402 LTSR CU1 Hotfix 1) is on another release line "
        "than >=22.3 <22.3.6000, which say nothing about it; check it manually"
    )


@pytest.mark.parametrize(
    ("name", "status", "statement"),
    [
        # Installed under a name without "LTSR" (Add/Remove Programs shows "Citrix Workspace
        # 2402" for either track): the same build as CR 2402, inside the CR range.
        pytest.param("Citrix Workspace 2402", Status.AFFECTED, CR_STATEMENT, id=f"{CTX} unnamed 2402 base"),
        # Named LTSR: only the LTSR statement reaches it, and it is about 2203 LTSR.
        pytest.param("Citrix Workspace 2402 LTSR", Status.UNKNOWN, LTSR_2203, id=f"{CTX} 2402 LTSR base"),
    ],
)
def test_reproduction_an_unpatched_2402_base_release(name: str, status: Status, statement: AffectedProduct) -> None:
    """24.2.0.172 is both CR 2402 and the base 2402 LTSR release: never "not affected" here."""
    m = matches(REPRODUCTION, [row(name, "24.2.0.172")])[(name, "24.2.0.172")]
    assert (m.status, m.statement.product) == (status, statement.product)


def test_an_ltsr_update_under_a_cr_name_is_on_another_line_than_the_cr_range() -> None:
    """CTX678036 CVE-2024-6286: an unnamed 2402 LTSR CU1 row meets the CR statement, whose
    range is another line: "check manually", never affected by the CR bound."""
    m = matches(REPRODUCTION, [row("Citrix Workspace 2402", "24.2.1001.2")])[("Citrix Workspace 2402", "24.2.1001.2")]
    assert (m.status, m.statement.product) == (Status.UNKNOWN, CR_STATEMENT.product)
    assert "(2402 LTSR CU1 Hotfix 1) is on another release line than >=23.0 <24.3.1" in m.reason


# The bulletin's three lines as one would write them in a rule: the CR range, and the LTSR
# product with a range per LTSR line (each range is read on its own LTSR's line).
BULLETIN = Advisory("ctx678036", "rules", "Citrix Workspace app for Windows: CVE-2024-6286", affects=(
    AffectedProduct("Citrix", "Citrix Workspace app for Windows", ranges=(r("2300", "2403.1"),)),
    AffectedProduct("Citrix", "Citrix Workspace App for Windows LTSR", ranges=(
        r("2402", "2402 LTSR CU1"), r("2203", "2203.1 LTSR CU6 Hotfix 2"))),
))


@pytest.mark.parametrize(
    ("name", "version", "status"),
    [
        pytest.param("Citrix Workspace 2402 LTSR CU1", "24.2.1001.2", None, id=f"{CTX} 2402 LTSR CU1 Hotfix 1"),
        pytest.param("Citrix Workspace 2402 LTSR", "24.2.1000.10", None, id=f"{CTX} 2402 LTSR CU1 is the fix"),
        pytest.param("Citrix Workspace 2402 LTSR", "24.2.0.172", Status.AFFECTED, id=f"{CTX} 2402 LTSR base"),
        pytest.param("Citrix Workspace 2203 LTSR", "22.3.6000.8", Status.AFFECTED, id=f"{CTX} 2203 LTSR CU6"),
        pytest.param("Citrix Workspace LTSR 2203", "22.3.6001.5", Status.AFFECTED, id=f"{CTX} 2203 LTSR CU6 HF1"),
        pytest.param("Citrix Workspace 2203 LTSR", "22.3.6002.6116", None, id=f"{CTX} 2203 LTSR CU6 HF2 is the fix"),
        pytest.param("Citrix Workspace 2203 LTSR", "22.3.7000.2", None, id=f"{CTX} 2203 LTSR CU7 later"),
        pytest.param("Citrix Workspace 2403", "24.3.1.97", None, id=f"{CTX} CR 2403.1 is the fix"),
        pytest.param("Citrix Workspace 2403", "24.3.0.93", Status.AFFECTED, id=f"{CTX} CR 2403"),
        pytest.param("Citrix Workspace 2203", "22.3.6000.8", Status.UNKNOWN, id=f"{CTX} unnamed LTSR CU6"),
    ],
)
def test_the_bulletins_lines_each_judge_their_own_rows(name: str, version: str, status: Status | None) -> None:
    found = matches(BULLETIN, [row(name, version)])
    assert (found[(name, version)].status if found else None) == status


def test_a_cr_row_is_never_judged_by_ltsr_statements() -> None:
    """CTX678036 CVE-2024-6286: an LTSR-only advisory does not reach current-release rows, whose
    numbers (24.2.0.172 aside) lie on no LTSR line."""
    ltsr_only = Advisory("ltsr-only", "rules", "LTSR only", affects=BULLETIN.affects[1:])
    rows = [row("Citrix Workspace 2403", "24.3.0.93"), row("Citrix Workspace 2311", "23.11.1.41"),
            row("Citrix Workspace 2402", "24.2.0.172"), row("Citrix Workspace 2402 LTSR", "24.2.0.172")]
    assert {k: m.status for k, m in matches(ltsr_only, rows).items()} == {
        ("Citrix Workspace 2402 LTSR", "24.2.0.172"): Status.AFFECTED}


def test_separate_statements_per_ltsr_line_each_judge_their_own_line() -> None:
    """CTX678036 CVE-2024-6286 written with one statement per LTSR line, as NVD's cpeMatches
    are: a patched 2402 LTSR is outside its own line's range, and the 2203 line's statement,
    which cannot place it, does not turn that into "check manually"; the 2203 CU6 row is hit."""
    per_line = Advisory("ctx678036-per-line", "rules", "CVE-2024-6286", affects=(
        AffectedProduct("Citrix", "Citrix Workspace app for Windows 2402 LTSR", ranges=(r("2402", "2402 LTSR CU1"),)),
        AffectedProduct("Citrix", "Citrix Workspace app for Windows 2203 LTSR",
                        ranges=(r("2203", "2203.1 LTSR CU6 Hotfix 2"),)),
    ))
    found = matches(per_line, [row("Citrix Workspace 2402 LTSR", "24.2.1001.2"),
                               row("Citrix Workspace 2203 LTSR", "22.3.6000.8")])
    assert {k: m.status for k, m in found.items()} == {
        ("Citrix Workspace 2203 LTSR", "22.3.6000.8"): Status.AFFECTED,
    }


# CTX691941 (CVE-2024-8068, CVE-2024-8069), Session Recording: the CR fix is 24.5.200.8 and
# 2402 LTSR CU1's hotfix 24.02.1200.16, "below" it in any numbering.
SESSION_RECORDING = Advisory("ctx691941", "rules", "Citrix Session Recording: CVE-2024-8069", affects=(
    AffectedProduct("Citrix", "Citrix Session Recording", ranges=(VersionRange(None, Bound("24.5.200.8", False)),)),
    AffectedProduct("Citrix", "Citrix Session Recording 2402 LTSR",
                    ranges=(VersionRange(Bound("24.02", True), Bound("24.02.1200.16", False)),)),
))


@pytest.mark.parametrize(
    ("name", "version", "status"),
    [
        pytest.param("Citrix Session Recording 2402 LTSR CU1", "24.02.1200.16", None,
                     id="CVE-2024-8069 2402 LTSR CU1 hotfix is not hit by the CR fix 24.5.200.8"),
        pytest.param("Citrix Session Recording 2402 LTSR CU1", "24.02.1000.7", Status.AFFECTED,
                     id="CVE-2024-8069 2402 LTSR CU1 before its hotfix"),
        pytest.param("Citrix Session Recording", "24.5.100.3", Status.AFFECTED,
                     id="CVE-2024-8069 CR before 24.5.200.8"),
        pytest.param("Citrix Session Recording", "24.5.200.8", None, id="CVE-2024-8069 CR fix"),
    ],
)
def test_session_recording_ltsr_rows_meet_ltsr_statements_only(name: str, version: str, status: Status | None) -> None:
    found = matches(SESSION_RECORDING, [row(name, version)])
    assert (found[(name, version)].status if found else None) == status
    if found:  # each row was judged by its own track's statement
        assert ("LTSR" in found[(name, version)].statement.product) is ("LTSR" in name)


CURRENT_RULE = """\
id = "ctx678036"
title = "Citrix Workspace app for Windows: CVE-2024-6286"
cves = ["CVE-2024-6286"]

[[affects]]
vendor = "Citrix"
product = "Citrix Workspace app for Windows"
ranges = [{ introduced = "0", fixed = "2403.1" }]
"""
RULE = CURRENT_RULE + """
[[affects]]
vendor = "Citrix"
product = "Citrix Workspace app for Windows LTSR"
ranges = [{ introduced = "2402", fixed = "2402 LTSR CU1" }, { introduced = "2203", fixed = "2203.1 LTSR CU6 Hotfix 2" }]
"""


def test_advisories_match_keeps_the_ltsr_lines_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """CTX678036 CVE-2024-6286 as a rule, against an Intune export of a mixed estate. The CR
    range has no lower bound: nothing keeps the LTSR builds below 2403.1 out of it but their line."""
    rule = tmp_path / "ctx678036.toml"
    rule.write_text(RULE)
    inventory = tmp_path / "intune.csv"
    rows = [
        ("Citrix Workspace 2403", "24.3.1.97"), ("Citrix Workspace 2403", "24.3.0.93"),
        ("Citrix Workspace 2402 LTSR", "24.2.1001.2"), ("Citrix Workspace 2402 LTSR", "24.2.0.172"),
        ("Citrix Workspace 2203 LTSR", "22.3.6002.6116"), ("Citrix Workspace 2203 LTSR", "22.3.6000.8"),
        ("Citrix Workspace 2402", "24.2.1001.2"),
    ]
    inventory.write_text("product,vendor,version,platform\n"
                         + "".join(f'{name},"{CITRIX_SYSTEMS}",{v},windows\n' for name, v in rows))
    assert main(["match", str(inventory), str(rule), "--json"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {(o["product"], o["version"]): o["status"] for o in out} == {
        ("Citrix Workspace 2403", "24.3.0.93"): "affected",
        ("Citrix Workspace 2402 LTSR", "24.2.0.172"): "affected",
        ("Citrix Workspace 2203 LTSR", "22.3.6000.8"): "affected",
        ("Citrix Workspace 2402", "24.2.1001.2"): "unknown",  # an LTSR update under a CR name
    }


def test_match_explain_says_an_ltsr_row_is_a_line_of_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """CTX678036 CVE-2024-6286: why the CR statement ("before 2403.1") passed an LTSR row by."""
    rule = tmp_path / "current.toml"
    rule.write_text(CURRENT_RULE)
    inventory = tmp_path / "intune.csv"
    inventory.write_text(f'product,vendor,version,platform\nCitrix Workspace 2402 LTSR,"{CITRIX_SYSTEMS}",'
                         '24.2.1001.2,windows\n')
    assert main(["match", str(inventory), str(rule), "--explain"]) == 0
    assert "'citrix workspace ltsr' is a separate build line (ltsr)" in capsys.readouterr().out
