"""`advisories match` gives the same answers as the version library on the vendor-advisory table.

Each table case (tests/test_versions.py, cited by advisory) is written out as a rule file and a
one-row inventory, and run through the CLI: affected, unknown, or no row at all (not affected).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_versions import ADVISORY_CASES, verdict_status

from advisories.cli import main
from advisories.models import AffectedProduct, Status


def _q(value: str) -> str:
    return json.dumps(value)


def rule_text(st: AffectedProduct) -> str | None:
    """The statement as a rule, or None when the rule format cannot say it exactly."""
    if st.excluded or any(r.lower is not None and not r.lower.inclusive for r in st.ranges):
        return None
    lines = ['id = "case"', 'title = "case"', "[[affects]]", f"vendor = {_q(st.vendor)}",
             f"product = {_q(st.product)}", f"platform = {_q(st.platform)}"]
    if st.versions:
        lines.append(f"versions = [{', '.join(map(_q, st.versions))}]")
    ranges = []
    for r in st.ranges:
        parts = [f"introduced = {_q(r.lower.version if r.lower else '0')}"]
        if r.upper is not None:
            parts.append(f"{'last_affected' if r.upper.inclusive else 'fixed'} = {_q(r.upper.version)}")
        ranges.append("{ " + ", ".join(parts) + " }")
    if ranges:
        lines.append(f"ranges = [{', '.join(ranges)}]")
    if st.all_versions:
        lines.append("all_versions = true")
    if st.scheme:
        lines.append(f"scheme = {_q(st.scheme)}")
    if st.labels:
        lines.append("labels = { " + ", ".join(f"{_q(k)} = [{', '.join(map(_q, v))}]" for k, v in st.labels) + " }")
    if st.version_aliases:
        lines.append("version_aliases = { " + ", ".join(f"{_q(k)} = {_q(v)}" for k, v in st.version_aliases) + " }")
    return "\n".join(lines) + "\n"


CASES = [case for case in ADVISORY_CASES if rule_text(case.values[0]) is not None]


def test_nearly_every_table_case_can_be_written_as_a_rule() -> None:
    assert len(CASES) >= 0.85 * len(ADVISORY_CASES)


@pytest.mark.parametrize(("statement", "version", "expected"), CASES)
def test_match_cli_agrees_with_the_library(statement: AffectedProduct, version: str, expected: Status,
                                           tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rule = tmp_path / "rule.toml"
    rule.write_text(rule_text(statement) or "")
    inventory = tmp_path / "inv.csv"
    platform = statement.platform if statement.platform != "any" else "windows"
    inventory.write_text("product,vendor,version,platform\n"
                         f"{_q(statement.product)},{_q(statement.vendor)},{_q(version)},{platform}\n")
    catalogue = tmp_path / "empty.toml"  # product identity is not under test here: names as given
    catalogue.write_text("")
    assert main(["match", str(inventory), str(rule), "--json", "--catalogue", str(catalogue)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    got = Status(rows[0]["status"]) if rows else Status.NOT_AFFECTED
    assert got is verdict_status(statement, version) is expected
