"""Each council's weekly summary: only its own data, to its own recipients; all clear when quiet."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from test_digest_scenario import THREECX, Scenario, alert, scenario

from advisories.delivery.files import FileTransport
from advisories.digest import send_weekly_summaries
from advisories.digest.council import council_week
from advisories.digest.week import IsoWeek
from advisories.models import Message

LONDON = ZoneInfo("Europe/London")


def send(s: Scenario, week: str = "2023-W13") -> list[str]:
    return send_weekly_summaries(s.config, s.store, week, clock=s.clock,
                                 transport=FileTransport(s.config.outbox, s.config.sender))


def sent(s: Scenario, council: str, week: str = "2023-W13") -> Message:
    entry = s.store.outbox_entry(f"weekly-{council}-{week}")
    assert entry is not None and entry.state == "sent"
    return entry.message


def test_each_council_gets_only_its_own_exposures_at_its_own_address(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    lines = send(s)
    assert lines == [f"weekly summary 2023-W13 for {c}: summary, sent"
                     for c in ("barsetshire", "wessex", "loamshire")]
    barset, wessex = sent(s, "barsetshire"), sent(s, "wessex")
    assert barset.to == ("sec@barsetshire.example.gov.uk",)
    assert wessex.to == ("cyber@wessex.example.gov.uk",)
    assert "3CX Desktop App 18.12.416 on Windows: 40 devices" in barset.text
    assert "18.11.1213" not in barset.text and "macOS" not in barset.text
    assert "3CX Desktop App 18.11.1213 on macOS: 3 devices" in wessex.text
    assert "18.12.416" not in wessex.text
    for message, other in ((barset, "Wessex"), (wessex, "Barsetshire")):
        for body in (message.text, message.html, message.subject):
            assert other not in body and other.lower() not in body
    loam = sent(s, "loamshire")
    assert "Google Chrome 120.0.6099.109 on unknown platform: 7 devices [check manually]" in (
        loam.text)
    assert "3CX" not in loam.text and "3CX" not in loam.html


def test_the_email_file_goes_to_that_councils_address(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    send(s)
    [eml] = s.config.outbox.glob("weekly-wessex-*.eml")
    parsed = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "cyber@wessex.example.gov.uk"
    assert parsed["X-Advisories-Council"] == "wessex"


def test_a_quiet_week_is_an_all_clear_that_says_the_job_ran(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    s.store.record_fetch_ok("ncsc-3cx-week", etag=None, last_modified=None, permanent_url=None,
                            at=datetime(2023, 4, 9, 20, tzinfo=UTC))
    # Week 14 brings no advisories; Loamshire's one exposure went in week 13, so its week 14
    # is all clear, while Barsetshire's 3CX is still open.
    s.store.observe_exposures("loamshire", {}, at=datetime(2023, 3, 31, tzinfo=UTC))
    send(s, "2023-W14")
    loam = sent(s, "loamshire", "2023-W14")
    assert loam.subject == "All clear: Loamshire Borough Council weekly security summary, week 14"
    assert "ALL CLEAR. The advisories service ran this week and checked 0 new" in loam.text
    assert "(6 known in all)" in loam.text
    assert "Feeds last read: 9 April 2023, 21:00 BST." in loam.text
    assert "All clear." in loam.html
    barset = sent(s, "barsetshire", "2023-W14")
    assert "STILL OPEN" in barset.text and "ALL CLEAR" not in barset.text


def test_remediated_this_week_is_reported_and_no_longer_open(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    s.store.observe_exposures("wessex", {}, at=datetime(2023, 4, 5, tzinfo=UTC))
    week = council_week(s.config.councils[1], s.store, IsoWeek(2023, 14), LONDON,
                        s.clock(), [])
    assert [g.advisory.id for g in week.remediated] == [THREECX.id]
    assert week.still_open == () and week.new == () and not week.all_clear
    assert week.last_fetch is None


def test_new_exposures_of_the_week_are_not_repeated_as_still_open(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    alert(s.store, "barsetshire", THREECX, "3CX Desktop App", "18.12.407", "windows", 2,
          at=datetime(2023, 4, 4, tzinfo=UTC))
    week = council_week(s.config.councils[0], s.store, IsoWeek(2023, 14), LONDON,
                        s.clock(), [])
    [new], [old] = week.new, week.still_open
    assert [line.version for line in new.lines] == ["18.12.407"]
    assert [line.version for line in old.lines] == ["18.12.416"]


def test_summaries_are_sent_once_per_week_and_only_when_asked_for(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    send(s)
    assert send(s) == [f"weekly summary 2023-W13 for {c}: already sent; nothing to do"
                       for c in ("barsetshire", "wessex", "loamshire")]
    quiet = scenario(tmp_path / "off", weekly=False)
    assert send(quiet) == []
