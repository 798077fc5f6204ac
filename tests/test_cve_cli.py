"""`advisories match INVENTORY CVE-….json` reads a CVE record as it reads a CSAF document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisories.cli import main

RECORDS = Path(__file__).resolve().parent / "fixtures" / "cve5"
# An Intune "App inventory aggregate" export, as tests/fixtures/inventory/ has it.
INTUNE = """\
ApplicationId,ApplicationKey,ApplicationName,ApplicationPublisher,ApplicationShortVersion,ApplicationVersion,DeviceCount,Platform
a1,k1,Google Chrome,Google LLC,120.0.6099,120.0.6099.109,250,Windows
a2,k2,Google Chrome,Google LLC,120.0.6099,120.0.6099.129,40,Windows
a3,k3,MOVEit Transfer,Progress Software Corporation,2023.0,2023.0.1,1,Windows
a4,k4,MOVEit Transfer,Progress Software Corporation,2023.0,2023.0.2,1,Windows
a5,k5,Microsoft Exchange Server 2019 Cumulative Update 13,Microsoft Corporation,15.2,15.2.1258.12,2,Windows
"""


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "intune_AppInvAggregate.csv"
    path.write_text(INTUNE)
    return path


def rows(capsys: pytest.CaptureFixture[str], inventory: Path, cve: str) -> list[dict[str, object]]:
    assert main(["match", str(inventory), str(RECORDS / f"{cve}.json"), "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_chrome_record_alerts_the_row_below_the_fix_only(inventory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    [row] = rows(capsys, inventory, "CVE-2023-7024")
    assert (row["advisory"], row["version"], row["status"], row["devices"]) == (
        "cve:CVE-2023-7024", "120.0.6099.109", "affected", 250)
    assert "<120.0.6099.129" in str(row["statement"])


def test_na_record_is_matched_through_cisa_statements(inventory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    [row] = rows(capsys, inventory, "CVE-2023-34362")
    assert (row["advisory"], row["version"], row["status"]) == ("cve-adp:CVE-2023-34362", "2023.0.1", "affected")


def test_exchange_publication_bound_is_unknown(inventory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    [row] = rows(capsys, inventory, "CVE-2021-26855")
    assert row["status"] == "unknown" and "publication" in str(row["reason"])


def test_rejected_record_matches_nothing(inventory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert rows(capsys, inventory, "CVE-2023-5129") == []


def test_a_csaf_document_still_reads_as_csaf(inventory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csaf = Path(__file__).resolve().parent / "fixtures" / "csaf"
    document = next(p for p in sorted(csaf.rglob("*.json")) if "golden" not in p.parts and "ROLIE" not in p.name
                    and "provider" not in p.name and "aggregator" not in p.name)
    assert main(["match", str(inventory), str(document), "--json"]) == 0
