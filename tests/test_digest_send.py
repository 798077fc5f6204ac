"""Sending the bulletin: once per week through the outbox, --force, the schedule, the catch-up."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from test_digest_scenario import MONDAY_W14, Scenario, scenario

from advisories.cli import main
from advisories.delivery.files import FileTransport
from advisories.digest import send_digest
from advisories.digest.send import MISFIRE_GRACE, catch_up, parse_schedule, schedule_digest
from advisories.errors import ConfigError
from advisories.store import Store


def transport(s: Scenario) -> FileTransport:
    return FileTransport(s.config.outbox, sender=s.config.sender)


def emls(s: Scenario, prefix: str = "digest") -> list[Path]:
    return sorted(s.config.outbox.glob(f"{prefix}*.eml"))


def test_sending_twice_in_a_week_sends_once(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    first = send_digest(s.config, s.store, "2023-W13", clock=s.clock, transport=transport(s))
    assert first.startswith("digest 2023-W13: sent to 1 recipient(s) (outbox digest-2023-W13)")
    [eml] = emls(s)
    again = send_digest(s.config, s.store, "2023-W13", clock=s.clock, transport=transport(s))
    assert "already sent" in again and "--force" in again
    assert emls(s) == [eml]
    assert s.store.outbox_counts() == {"sent": 4}  # the digest + the scenario's three alerts
    parsed = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "bulletin@lga.example.gov.uk"
    assert parsed["X-Advisories-Digest"] == "2023-W13"
    assert parsed.get_content_type() == "multipart/alternative"


def test_force_sends_again_under_a_new_key_each_time(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    for _ in range(3):
        send_digest(s.config, s.store, "2023-W13", force=True, clock=s.clock,
                    transport=transport(s))
    keys = ["digest-2023-W13", "digest-2023-W13-force-1", "digest-2023-W13-force-2"]
    for key in keys:
        entry = s.store.outbox_entry(key)
        assert entry is not None and entry.state == "sent"
    assert len(emls(s)) == 3
    ids = {s.store.outbox_entry(k).message.message_id for k in keys}  # type: ignore[union-attr]
    assert len(ids) == 3  # each resend is its own email


def test_a_failed_delivery_stays_in_the_outbox_and_is_not_resent(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the outbox folder should be")
    line = send_digest(s.config, s.store, "2023-W13", clock=s.clock,
                       transport=FileTransport(blocked, sender=s.config.sender))
    assert line.startswith("digest 2023-W13: not sent yet, kept in the outbox to retry")
    assert "cannot write" in line
    # The outbox retries it; a second --send does not add a second copy.
    assert "already queued" in send_digest(s.config, s.store, "2023-W13", clock=s.clock,
                                           transport=transport(s))


def test_send_with_no_bulletin_recipients_still_sends_the_councils_summaries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # README: --send sends each weekly council its summary; the bulletin's list is the LGA's.
    s = scenario(tmp_path, recipients="[]")
    code = main(["digest", "--week", "2023-W13", "--send", "--config",
                 str(tmp_path / "feeds.toml")])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0] == (
        'digest 2023-W13: NOT SENT, [digest] recipients is empty so the bulletin has nobody to '
        'go to (add recipients = ["..."] under [digest]); written to '
        f"{s.config.bulletins / '2023-W13.html'}")
    assert out[1:] == [f"weekly summary 2023-W13 for {c}: summary, sent"
                       for c in ("barsetshire", "wessex", "loamshire")]
    assert emls(s) == [] and len(emls(s, "weekly")) == 3
    assert s.store.outbox_entry("digest-2023-W13") is None  # a later --send with recipients works


@pytest.mark.parametrize(("text", "parsed"), [("mon 08:00", ("mon", 8, 0)),
                                              ("FRI 16:45", ("fri", 16, 45))])
def test_schedule_format(text: str, parsed: tuple[str, int, int]) -> None:
    assert parse_schedule(text) == parsed


@pytest.mark.parametrize("text", ["monday 8am", "mon 25:00", "mon 8:00", ""])
def test_bad_schedules_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_schedule(text)


def test_schedule_digest_adds_a_london_cron_job_and_a_catch_up(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    scheduler = BackgroundScheduler(timezone="Europe/London")
    schedule_digest(scheduler, s.config, lambda *args: None)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    cron, once = jobs["digest"], jobs["digest:catch-up"]
    assert isinstance(cron.trigger, CronTrigger) and isinstance(once.trigger, DateTrigger)
    assert str(cron.trigger) == "cron[day_of_week='mon', hour='8', minute='0']"
    assert str(cron.trigger.timezone) == "Europe/London"
    fire = cron.trigger.get_next_fire_time(None, datetime(2023, 3, 30, tzinfo=UTC))
    assert fire == datetime(2023, 4, 3, 7, 0, tzinfo=UTC)  # 08:00 BST
    fire = cron.trigger.get_next_fire_time(None, datetime(2023, 10, 26, tzinfo=UTC))
    assert fire == datetime(2023, 10, 30, 8, 0, tzinfo=UTC)  # 08:00 GMT, after the change
    for job in (cron, once):
        assert job.coalesce and job.max_instances == 1
        assert job.misfire_grace_time == MISFIRE_GRACE.total_seconds()


def test_the_catch_up_sends_a_missed_week_once(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    tally = _Tally()
    tuesday = datetime(2023, 4, 4, 9, tzinfo=UTC)  # the Monday run was missed
    lines = catch_up(s.config, s.store, clock=lambda: tuesday, tally=tally,
                     transport=transport(s))
    assert lines[0].startswith("digest 2023-W13: sent")
    assert [line.split(":")[0] for line in lines[1:]] == [
        f"weekly summary 2023-W13 for {c}" for c in ("barsetshire", "wessex", "loamshire")]
    assert tally.emails_sent == 4
    assert catch_up(s.config, s.store, clock=lambda: tuesday, tally=tally) == []
    assert len(emls(s)) == 1


def test_no_catch_up_before_this_weeks_slot_when_last_week_went_out(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    send_digest(s.config, s.store, "2023-W12", clock=s.clock, transport=transport(s))
    early_monday = datetime(2023, 4, 3, 6, 30, tzinfo=UTC)  # 07:30 BST, before 08:00
    assert catch_up(s.config, s.store, clock=lambda: early_monday, tally=_Tally()) == []


def test_the_scheduled_job_reports_what_it_sent(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    s = scenario(tmp_path)
    s.store.close()
    monkeypatch.setattr("advisories.digest.send.now", lambda: MONDAY_W14)
    scheduler = BackgroundScheduler(timezone="Europe/London")
    reports: list[Any] = []
    schedule_digest(scheduler, s.config, lambda summary, secs, config: reports.append(summary))
    scheduler.get_job("digest").func()
    [summary] = reports
    assert summary.emails_sent == 4 and not summary.emails_failed
    assert summary.notes[0].startswith("digest 2023-W13: sent")
    with Store.open(s.config.state) as store:
        assert store.outbox_entry("digest-2023-W13") is not None
    scheduler.get_job("digest:catch-up").func()  # already sent: nothing to report
    assert len(reports) == 1


class _Tally:
    def __init__(self) -> None:
        self.emails_sent = 0
        self.warnings: list[str] = []
        self.emails_retrying: list[str] = []
        self.emails_failed: list[str] = []
        self.by_channel: dict[str, dict[str, int]] = {}


def test_previewing_a_sent_week_from_the_cli_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario(tmp_path)
    config = str(tmp_path / "feeds.toml")
    assert main(["digest", "--week", "2023-W13", "--send", "--config", config]) == 0
    capsys.readouterr()
    assert main(["digest", "--week", "2023-W13", "--config", config]) == 0
    out = capsys.readouterr().out
    assert out.startswith("digest 2023-W13: already sent on ") and "bulletin-previews" in out


def test_a_scheduled_run_late_past_midnight_sends_the_week_before_its_slot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = scenario(tmp_path)
    s.store.close()
    config = replace(s.config, digest=replace(s.config.digest, schedule="sun 23:55"))
    # The Sunday 2 April 23:55 BST slot (week 13) ran ten minutes late, on Monday of week 14.
    monkeypatch.setattr("advisories.digest.send.now", lambda: datetime(2023, 4, 2, 23, 5, tzinfo=UTC))
    scheduler = BackgroundScheduler(timezone="Europe/London")
    reports: list[Any] = []
    schedule_digest(scheduler, config, lambda summary, secs, config: reports.append(summary))
    scheduler.get_job("digest").func()
    assert reports[0].notes[0].startswith("digest 2023-W12: sent")
