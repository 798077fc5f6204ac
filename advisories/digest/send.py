"""Sending the bulletin through the outbox, once per week, and the scheduled Monday job.

Once per week comes from the outbox's UNIQUE key: `digest-2023-W13` can be queued only once,
so a second `--send`, a re-run of the job or a catch-up after a restart all do nothing. A
forced resend gets its own key (`digest-2023-W13-force-1`, -2, ...), so it is recorded too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from advisories.config import Config
from advisories.delivery import Transport
from advisories.delivery.outbox import DeliveryTally, deliver_queued
from advisories.delivery.setup import transport_for
from advisories.digest.build import build_digest, bulletins_made, digest_key
from advisories.digest.council import Tally, send_weekly_summaries
from advisories.digest.edition import Month, Period, resolve_period
from advisories.digest.week import IsoWeek
from advisories.errors import AdvisoriesError, ConfigError
from advisories.store import Store, now
from advisories.store.lock import exclusive

Clock = Callable[[], datetime]
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SCHEDULE_RE = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun) (\d{2}):(\d{2})$")
# A digest job that could not run on time (the host slept, a long poll held the one worker)
# still runs within this, but never as late as the next week's slot.
MISFIRE_GRACE = timedelta(days=6)
# The start-up catch-up waits for the first feed polls, which the scheduler starts at once.
CATCH_UP_DELAY = timedelta(seconds=60)


def send_digest(
    config: Config,
    store: Store,
    week: str | Period | None = None,
    *,
    force: bool = False,
    clock: Clock = now,
    transport: Transport | None = None,
    tally: DeliveryTally | None = None,
) -> str:
    """Build the week's bulletin and send it to [digest] recipients; one line on what happened.

    With no recipients it writes the files and says so, rather than failing: `--send` also
    sends the councils' weekly summaries, which must not wait on the LGA's list.
    """
    tz = ZoneInfo(config.timezone)
    iso = resolve_period(config.digest.period, week, clock(), tz)
    if not config.digest.recipients:
        files = build_digest(config, store, iso, clock=clock)
        return (f"digest {iso}: NOT SENT, [digest] recipients is empty so the bulletin has "
                f"nobody to go to (add recipients = [\"...\"] under [digest]); written to "
                f"{files.webpage}")
    key = digest_key(iso)
    existing = store.outbox_entry(key)
    if existing is not None and not force:
        made = bulletins_made(store).get(iso)
        what = made.describe(tz) if made else f"{existing.state} (outbox {key})"
        return f"digest {iso}: already {what}; nothing sent (--force sends it again)"
    if existing is not None:
        key = _forced_key(store, key)
    files = build_digest(config, store, iso, clock=clock, key=key)
    if not store.queue(files.message, [], at=clock()):
        return f"digest {iso}: already queued by another run (outbox {key}); nothing sent"
    deliver_queued(store, transport or transport_for(config), tally or Tally(), clock=clock)
    entry = store.outbox_entry(key)
    state, error = (entry.state, entry.last_error) if entry else ("queued", None)
    outcome = {
        "sent": f"sent to {len(config.digest.recipients)} recipient(s)",
        "queued": "not sent yet, kept in the outbox to retry",
        "failed": "failed, not retried (fix it, then `advisories outbox --retry`)",
    }[state]
    why = f": {error}" if error else ""
    return f"digest {iso}: {outcome} (outbox {key}){why}; web page {files.webpage}"


def _forced_key(store: Store, key: str) -> str:
    n = 1
    while store.outbox_entry(f"{key}-force-{n}") is not None:
        n += 1
    return f"{key}-force-{n}"


def parse_schedule(text: str) -> tuple[str, int, int]:
    """"mon 08:00" -> ("mon", 8, 0). Config has validated it; this re-checks for direct callers."""
    match = _SCHEDULE_RE.match(text.strip().lower())
    if not match or int(match.group(2)) > 23 or int(match.group(3)) > 59:
        raise ConfigError(f"digest.schedule {text!r} is not a day and a time",
                          "use e.g. 'mon 08:00' (24-hour clock, [settings] timezone)")
    return match.group(1), int(match.group(2)), int(match.group(3))


def due_week(at: datetime, schedule: str, tz: ZoneInfo) -> IsoWeek:
    """The week whose bulletin the most recent scheduled run (at or before `at`) was for.

    The run in week W sends week W-1. Before this week's slot, the latest run was last week's,
    which sent the week before that.
    """
    day, hour, minute = parse_schedule(schedule)
    this_week = IsoWeek.containing(at, tz)
    slot_day = this_week.monday + timedelta(days=_DAYS.index(day))
    slot = datetime(slot_day.year, slot_day.month, slot_day.day, hour, minute, tzinfo=tz)
    fired = this_week if at >= slot else this_week.previous()
    return fired.previous()


def due_edition(config: Config, week: IsoWeek) -> Period:
    """The edition the slot that sends `week` sends: that week, or for monthly editions the
    month before the slot's (the first slot of May sends April; later slots find it sent)."""
    if config.digest.period != "month":
        return week
    return Month(week.next().monday.year, week.next().monday.month).previous()


def run_week(
    config: Config, store: Store, week: IsoWeek, *, clock: Clock, tally: DeliveryTally,
    transport: Transport | None = None,
) -> list[str]:
    """Send the bulletin (when it has recipients) and the councils' weekly summaries."""
    edition = due_edition(config, week)
    lines = [send_digest(config, store, edition, clock=clock, tally=tally, transport=transport)]
    lines.extend(send_weekly_summaries(config, store, week, clock=clock, transport=transport,
                                       tally=tally))
    return lines


def catch_up(config: Config, store: Store, *, clock: Clock = now, tally: DeliveryTally,
             transport: Transport | None = None) -> list[str]:
    """On start-up: if the latest scheduled bulletin was never queued, send it now (once)."""
    week = due_week(clock(), config.digest.schedule, ZoneInfo(config.timezone))
    if store.outbox_entry(digest_key(due_edition(config, week))) is not None:
        return []
    return run_week(config, store, week, clock=clock, tally=tally, transport=transport)


def schedule_digest(scheduler: Any, config: Config, report: Callable[..., None]) -> None:
    """Add the weekly digest job ([digest] schedule) and a one-off start-up catch-up.

    The scheduler's jobs live in memory, so APScheduler cannot know about a run missed while
    the container was down: the catch-up job checks the outbox instead. misfire_grace_time and
    coalesce cover the other case, a run delayed while the process was alive.
    """
    day, hour, minute = parse_schedule(config.digest.schedule)
    common = {"coalesce": True, "max_instances": 1, "replace_existing": True,
              "misfire_grace_time": int(MISFIRE_GRACE.total_seconds())}
    scheduler.add_job(
        _job(config, report, scheduled=True),
        CronTrigger(day_of_week=day, hour=hour, minute=minute, timezone=config.timezone),
        id="digest", name=f"weekly digest ({config.digest.schedule})", **common,
    )
    scheduler.add_job(
        _job(config, report, scheduled=False),
        DateTrigger(run_date=now() + CATCH_UP_DELAY, timezone=config.timezone),
        id="digest:catch-up", name="send a missed weekly digest", **common,
    )


def _job(config: Config, report: Callable[..., None], *, scheduled: bool) -> Callable[[], None]:
    def job() -> None:
        # Imported here: pipeline pulls in every stage, which the digest itself never needs.
        from advisories.report import RunSummary

        started = time.monotonic()
        summary = RunSummary()
        try:
            with exclusive(config.state), Store.open(config.state) as store:
                if scheduled:
                    # The week of the slot that fired, not of the clock: a run late past
                    # midnight on Sunday must still send the week before the slot.
                    week = due_week(now(), config.digest.schedule, ZoneInfo(config.timezone))
                    lines = run_week(config, store, week, clock=now, tally=summary)
                else:
                    lines = catch_up(config, store, clock=now, tally=summary)
        except AdvisoriesError as exc:
            # Never let one bad week stop the scheduler: the summary names the failure.
            summary.emails_failed.append(f"weekly digest: {exc}")
            lines = []
        if lines or summary.emails_failed:
            summary.notes.extend(lines)
            report(summary, time.monotonic() - started, config)

    return job
