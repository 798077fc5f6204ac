"""Sector exposure: aggregated counts, the small-number threshold, remediation, review rows."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from test_digest_scenario import LAST_WEEK, THREECX, VENDOR_UNDATED, alert, scenario

from advisories.digest import build_digest
from advisories.digest.sector import (
    ReviewRow,
    SectorRow,
    councils_text,
    remediated_text,
    review_rows,
    sector_rows,
)
from advisories.models import Advisory, AffectedProduct
from advisories.store import Exposure

T = datetime(2023, 3, 30, 9, tzinfo=UTC)


def exposure(council: str, devices: int, *, status: str = "affected",
             remediated: datetime | None = None, advisory: str = THREECX.id) -> Exposure:
    return Exposure(f"{council}|{advisory}|3cx desktop app|1|windows", council, advisory,
                    devices, status, T, remediated)


@pytest.mark.parametrize(
    ("n", "threshold", "text"),
    [(0, 3, "no councils"), (1, 3, "fewer than 3 councils"), (2, 3, "fewer than 3 councils"),
     (3, 3, "3 councils"), (1, 1, "1 council"), (4, 5, "fewer than 5 councils"),
     (12, 5, "12 councils")],
)
def test_council_counts_below_the_threshold_are_not_shown(n: int, threshold: int,
                                                          text: str) -> None:
    assert councils_text(n, threshold) == text


@pytest.mark.parametrize(
    ("n", "of", "text"),
    [(0, 9, "none yet"), (1, 9, "fewer than 3"), (2, 9, "fewer than 3"), (3, 9, "3"),
     (3, 3, "3"),  # all of them: nobody is still exposed, which singles out no council
     # 4 councils, 3 remediated would say exactly 1 still exposed: that number is hidden too.
     (3, 4, "all but fewer than 3"), (3, 5, "all but fewer than 3"), (3, 6, "3")],
)
def test_remediated_counts_use_the_same_threshold(n: int, of: int, text: str) -> None:
    assert remediated_text(n, of, 3) == text


def test_councils_devices_and_remediation_are_aggregated_per_advisory() -> None:
    rows = [
        exposure("a", 40), exposure("a", 2),  # two builds at one council: one council
        exposure("b", 3, remediated=T),
        exposure("c", 5, remediated=T), exposure("c", 1),  # one build still open: not remediated
        exposure("d", 10, remediated=T),
        exposure("e", 99, status="unknown"),  # unconfirmed: needs review, not exposure
    ]
    [row] = sector_rows({THREECX.id: THREECX}, rows, [THREECX.id], threshold=3)
    assert (row.councils, row.devices, row.remediated) == ("4 councils", 61, "fewer than 3")
    [row] = sector_rows({THREECX.id: THREECX}, rows, [THREECX.id], threshold=2)
    assert row.remediated == "2"


def test_only_the_requested_advisories_with_an_affected_exposure_get_a_row() -> None:
    advisories = {THREECX.id: THREECX, VENDOR_UNDATED.id: VENDOR_UNDATED}
    rows = [exposure("a", 1), exposure("b", 1, advisory=VENDOR_UNDATED.id, status="unknown")]
    assert [r.advisory.id for r in sector_rows(advisories, rows, list(advisories), 3)] == [
        THREECX.id]
    assert sector_rows(advisories, rows, [], 3) == []


def test_review_rows_list_open_unknown_exposures_without_naming_anyone() -> None:
    rows = [exposure("a", 7, status="unknown", advisory=VENDOR_UNDATED.id),
            exposure("b", 2, status="unknown", advisory=VENDOR_UNDATED.id, remediated=T)]
    [row] = review_rows({VENDOR_UNDATED.id: VENDOR_UNDATED}, rows, 3)
    assert (row.products, row.councils, row.devices) == ("Google Chrome", "fewer than 3 councils",
                                                         7)


def test_rows_for_templates_carry_no_raw_council_count_or_id() -> None:
    # A restyled template can only print what it is given: text, never the number or the ids.
    for row_type in (SectorRow, ReviewRow):
        names = {f.name for f in fields(row_type)}
        assert names.isdisjoint({"council_ids", "council_count", "councils_n", "council_id"})
        assert next(f for f in fields(row_type) if f.name == "councils").type == "str"


@pytest.mark.parametrize(("threshold", "shown"), [(3, "fewer than 3 councils"),
                                                  (2, "2 councils"), (1, "2 councils")])
def test_the_configured_threshold_reaches_the_bulletin(tmp_path: Path, threshold: int,
                                                       shown: str) -> None:
    s = scenario(tmp_path, threshold=threshold)
    files = build_digest(s.config, s.store, "2023-W13", clock=s.clock)
    assert f"{shown}, 43 devices" in files.message.text
    assert f'counts below {threshold} read "fewer than {threshold}"' in files.message.text


def test_a_council_that_remediated_is_counted_once_the_threshold_allows(tmp_path: Path) -> None:
    s = scenario(tmp_path, threshold=1)
    s.store.observe_exposures("wessex", {}, at=datetime(2023, 4, 1, tzinfo=UTC))
    text = build_digest(s.config, s.store, "2023-W13", clock=s.clock).message.text
    assert "2 councils, 43 devices; since remediated: 1" in text


def test_an_old_advisory_newly_alerted_this_week_is_in_the_exposure(tmp_path: Path) -> None:
    s = scenario(tmp_path, threshold=1)
    alert(s.store, "loamshire", LAST_WEEK, "Cisco IOS", "17.1", "any", 4,
          at=datetime(2023, 3, 29, tzinfo=UTC))
    text = build_digest(s.config, s.store, "2023-W13", clock=s.clock).message.text
    assert "An advisory from the week before\n  1 council, 4 devices" in text


KEV_3CX = Advisory(
    id="kev:CVE-2023-29059", source="cisa-kev",
    title="3CX DesktopApp Embedded Malicious Code Vulnerability",
    url="https://www.3cx.com/blog/news/desktopapp-security-alert/",
    published=datetime(2023, 3, 30, tzinfo=UTC), exploited=True, cves=("CVE-2023-29059",),
    action="Apply mitigations per vendor instructions.", kind="kev",
    due_date=date(2023, 4, 20),
    affects=(AffectedProduct("3CX", "3CX Desktop App"),),
)


def test_a_rule_and_a_kev_entry_for_one_cve_are_one_entry_counted_once(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    s.store.upsert_advisory(KEV_3CX, at=T)
    # Loamshire was alerted on the KEV entry alone ("check manually" style, before the rule
    # existed): the same CVE, so the same sector row as the rule's exposures.
    alert(s.store, "loamshire", KEV_3CX, "3CX Desktop App", "18.12.416", "windows", 5)
    files = build_digest(s.config, s.store, "2023-W13", clock=s.clock)
    text, markdown = files.message.text, files.markdown.read_text(encoding="utf-8")
    assert files.message.subject.endswith(": 2 actively exploited")  # 3CX and CLFS
    assert "    2  actively exploited" in text
    exploited = text.split("ACTIVELY EXPLOITED")[1].split("SECTOR EXPOSURE")[0]
    assert exploited.count("3CX Desktop App supply-chain compromise") == 1
    assert "fix by 20 April 2023 (CISA due date)" in exploited  # what the KEV entry adds
    for body in (text, markdown, files.webpage.read_text(encoding="utf-8")):
        assert "3CX DesktopApp Embedded Malicious Code Vulnerability" not in body
    assert "3 councils, 48 devices; since remediated: none yet" in text
    assert markdown.count("| 3CX Desktop App supply-chain compromise (exploited) |") == 1


def test_no_derived_number_reveals_fewer_than_three_councils(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    for council in ("c4", "c5"):
        alert(s.store, council, THREECX, "3CX Desktop App", "18.12.416", "windows", 10)
    later = datetime(2023, 4, 1, tzinfo=UTC)
    for council in ("barsetshire", "wessex", "c4"):
        s.store.observe_exposures(council, {}, at=later)
    # 4 councils, 3 remediated would say exactly one is still exposed.
    files = build_digest(s.config, s.store, "2023-W13", clock=s.clock)
    assert "4 councils, 63 devices; since remediated: all but fewer than 3" in files.message.text
    assert "| 4 councils | 63 | all but fewer than 3 |" in files.markdown.read_text(
        encoding="utf-8")
    for html in (files.message.html, files.webpage.read_text(encoding="utf-8")):
        assert re.search(r">4 councils</td><td[^>]*>63</td><td[^>]*>all but fewer than 3</td>",
                         html)
    s.store.observe_exposures("c5", {}, at=later)  # all four: none is still exposed
    text = build_digest(s.config, s.store, "2023-W13", clock=s.clock).message.text
    assert "4 councils, 63 devices; since remediated: 4" in text
