"""`advisories test-send COUNCIL`: a clearly marked test alert to every channel a council has
(its email, each Teams channel, each webhook), sent at once, so an operator sees each one work
before a real alert depends on it. It names no real advisory and records no exposure."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from advisories.alerts import build_alert
from advisories.config import Config, CouncilConfig
from advisories.delivery import Transport
from advisories.delivery.channels import label, render_notice
from advisories.delivery.notice import Notice
from advisories.delivery.outbox import deliver_queued
from advisories.delivery.setup import setup_for, transports_for
from advisories.errors import ConfigError
from advisories.models import Advisory, AffectedProduct, InventoryItem, Match, Status
from advisories.report import RunSummary
from advisories.store import Store


def sample_notice(council: CouncilConfig, at: datetime, timezone: str) -> Notice:
    """A test alert about an example product, as a real one would look."""
    advisory = Advisory(
        id="TEST-0000",
        source="test-send",
        title="TEST: an example advisory from advisories (no action needed)",
        severity="high",
        exploited=True,
        due_date=date(at.year, at.month, at.day),
        cves=("CVE-0000-0000",),
        url="https://www.ncsc.gov.uk/",
        action="Nothing: this is a test of the channel. Reply to your advisories operator to say it arrived.",
        affects=(AffectedProduct("Example Vendor", "Example Product", versions=("1.0",)),),
    )
    item = InventoryItem(
        council.id,
        "Example Product",
        "1.0",
        "windows",
        "Example Vendor",
        devices=3,
        hosts=("TEST-PC-01", "TEST-PC-02", "TEST-PC-03"),
    )
    match = Match(advisory, item, advisory.affects[0], Status.AFFECTED, "a test: version 1.0 is listed")
    alert = build_alert(council.id, council.name, council.recipients, [match], {})
    assert alert is not None  # one new exposure always makes an alert
    local = at.astimezone(ZoneInfo(timezone))
    return Notice(
        alert,
        local.strftime("%d %B %Y %H:%M %Z"),
        council.webhooks,
        test=True,
        name=f"test-{council.id}-{at:%Y%m%dT%H%M%S}",
    )


def send_test(
    config: Config,
    store: Store,
    council_id: str,
    *,
    clock: Callable[[], datetime],
    transports: Mapping[str, Transport] | None = None,
) -> tuple[list[str], bool]:
    """Queue the test alert on every channel of the council, send it now; a line per channel,
    and whether every one was delivered."""
    council = next((c for c in config.councils if c.id == council_id), None)
    if council is None:
        known = ", ".join(c.id for c in config.councils)
        raise ConfigError(f"no council {council_id!r} in {config.path}", f"use one of: {known}")
    from advisories.render import environment

    at = clock()
    notice = sample_notice(council, at, config.timezone)
    rows = render_notice(notice, setup_for(config, templates=environment(config.templates)))
    store.queue(rows, [], at=at)
    summary = RunSummary()
    deliver_queued(
        store, transports or transports_for(setup_for(config)), summary, clock=clock, only={r.key for r in rows}
    )
    lines, ok = [], True
    for row in rows:
        entry = store.outbox_entry(row.key)
        state = entry.state if entry else "queued"
        channel = getattr(row, "channel", "email")
        where = ", ".join(council.recipients) if channel == "email" else getattr(row, "destination", "")
        why = f": {entry.last_error}" if entry and entry.last_error and state != "sent" else ""
        ok = ok and state == "sent"
        lines.append(f"{label(channel)} {where}: {state}{why} [{row.key}]")
    return lines, ok
