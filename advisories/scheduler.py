"""`advisories serve`: APScheduler 3.x in the foreground.

Each feed is polled on its own interval, queued mail is retried every few minutes, and all jobs
run on one worker thread, so they never overlap (SQLite has one writer, and a slow feed must not
start a second run beside the first). SIGTERM and SIGINT stop it cleanly after the current job.
"""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from advisories.config import Config, FeedConfig
from advisories.digest import schedule_digest
from advisories.errors import AdvisoriesError
from advisories.pipeline import Pipeline
from advisories.report import RunSummary
from advisories.store import Store, now
from advisories.store.lock import exclusive

RETRY_DELIVERY = timedelta(minutes=5)
Report = Callable[[RunSummary, float, Config], None]


def build_scheduler(config: Config, report: Report, stop: threading.Event | None = None) -> BackgroundScheduler:
    stop = stop or threading.Event()
    scheduler = BackgroundScheduler(
        # Polls and the digest share one worker (one writer of advisories at a time); delivery
        # has its own, so a feed that hangs until its deadline never holds up the mail.
        executors={"default": ThreadPoolExecutor(max_workers=1), "delivery": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=config.timezone,
    )
    first = now() + timedelta(seconds=1)
    for feed in config.feeds:
        scheduler.add_job(
            _poll_job(config, feed, report, lambda: _deliver_now(scheduler)),
            IntervalTrigger(seconds=feed.every_s, timezone=config.timezone),
            id=f"feed:{feed.name}",
            name=f"poll {feed.name}",
            next_run_time=first,
        )
    schedule_digest(scheduler, config, report)
    scheduler.add_job(
        _deliver_job(config, report),
        IntervalTrigger(seconds=int(RETRY_DELIVERY.total_seconds()), timezone=config.timezone),
        id="deliver",
        name="deliver queued mail",
        executor="delivery",
        next_run_time=first,  # what an earlier run left queued goes at start, not in 5 minutes
    )
    for job in scheduler.get_jobs():
        job.modify(func=_guarded(job.name, job.func, stop))
    return scheduler


def _guarded(name: str, job: Callable[[], None], stop: threading.Event) -> Callable[[], None]:
    """The job, unless a stop was asked for (jobs already waiting for the one worker would
    otherwise all run before shutdown returns), failing in one line, never stopping `serve`."""

    def guarded() -> None:
        if stop.is_set():
            return
        try:
            job()
        except (AdvisoriesError, OSError, sqlite3.Error) as exc:
            print(f"{stamp()} {name} failed: {exc}; it runs again at its next time", flush=True)

    return guarded


def stamp() -> str:
    return now().strftime("%Y-%m-%dT%H:%M:%SZ")


def _deliver_now(scheduler: BackgroundScheduler) -> None:
    """What a poll queued goes out at once, in the delivery job (not after the next polls)."""
    with contextlib.suppress(JobLookupError):  # shutting down
        scheduler.modify_job("deliver", next_run_time=now())


def _poll_job(config: Config, feed: FeedConfig, report: Report, queued: Callable[[], None]) -> Callable[[], None]:
    def job() -> None:
        started = time.monotonic()
        with exclusive(config.state), Store.open(config.state) as store:
            summary = Pipeline(config, store).run(only_feeds={feed.name}, force=True, deliver=False)
        report(summary, time.monotonic() - started, config)
        if summary.emails_queued or any(c.get("queued") for c in summary.by_channel.values()):
            queued()

    return job


def _deliver_job(config: Config, report: Report) -> Callable[[], None]:
    """Not under the state lock: the outbox's own delivery lock keeps it one sender at a time."""

    def job() -> None:
        started = time.monotonic()
        with Store.open(config.state) as store:
            summary = Pipeline(config, store).run_delivery()
        if summary.emails_sent or summary.emails_retrying or summary.emails_failed or summary.emails_held \
                or summary.by_channel or summary.notes or summary.state_errors:
            report(summary, time.monotonic() - started, config)

    return job


def serve(config: Config, report: Report, *, stop: threading.Event | None = None) -> int:
    """Run until `stop` is set; without one, until SIGTERM or SIGINT (the CLI passes its own,
    installed before anything starts listening)."""
    if stop is None:
        stop = threading.Event()

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            stop.set()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
    scheduler = build_scheduler(config, report, stop)
    scheduler.start()
    stop.wait()
    # wait=True lets the job in progress finish, so no message is left half-recorded; the
    # jobs queued behind it see the stop and return at once.
    scheduler.shutdown(wait=True)
    return 0
