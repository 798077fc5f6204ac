"""Each council's weekly summary (`weekly = true`): its own exposures only, to its own people.

Still open (alerted, and the latest inventory still shows it), remediated this week, and new this
week (advisories of the week, or first alerted this week). A quiet week still sends a short
"all clear" so a council can tell a silent service from a broken one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from advisories.acks.decide import day, holds
from advisories.config import Config, CouncilConfig
from advisories.delivery import Transport
from advisories.delivery.mime import list_id
from advisories.delivery.outbox import DeliveryTally, deliver_queued, transport_for
from advisories.digest.content import local_time, week_advisories
from advisories.digest.output import digest_environment, inline_css
from advisories.digest.week import IsoWeek, aware, resolve_week
from advisories.models import Advisory, Message
from advisories.render import message_id
from advisories.sanitise import clean_header_text
from advisories.store import Exposure, Store, now
from advisories.store.acks import latest


@dataclass
class Tally:
    """What deliver_queued counts, when the caller does not want a RunSummary."""

    emails_sent: int = 0
    emails_retrying: list[str] = field(default_factory=list)
    emails_failed: list[str] = field(default_factory=list)
    emails_held: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Line:
    """One exposure as the council sees it: its own product, version, platform and devices."""

    product: str
    version: str
    platform: str
    devices: int
    unknown: bool


@dataclass(frozen=True)
class Group:
    advisory: Advisory
    lines: tuple[Line, ...]

    @property
    def devices(self) -> int:
        return sum(line.devices for line in self.lines)


@dataclass(frozen=True)
class Accepted:
    """An open exposure whose risk the council accepted, and until when."""

    advisory: Advisory
    line: Line
    until: str  # "31 March 2027"
    by: str  # the address(es) the answered alert went to


@dataclass(frozen=True)
class CouncilWeek:
    council_id: str
    council_name: str
    week: IsoWeek
    period: str
    generated: str
    new: tuple[Group, ...]
    still_open: tuple[Group, ...]
    remediated: tuple[Group, ...]
    advisories_checked: int  # advisories of the week, all checked against the inventory
    advisories_known: int
    last_fetch: str | None  # when a feed was last read successfully: proof the job runs
    accepted: tuple[Accepted, ...] = ()  # risks the council accepted through an alert's link, still open

    @property
    def all_clear(self) -> bool:
        return not (self.new or self.still_open or self.remediated)


def weekly_key(council_id: str, week: IsoWeek) -> str:
    return f"weekly-{council_id}-{week}"


def _line(e: Exposure, advisory: Advisory) -> Line:
    # Alert keys are "council|advisory|product|version|platform"; the advisory id may hold "|".
    _, product, version, platform = e.key.rsplit("|", 3)
    names = {a.product.casefold(): a.product for a in advisory.affects}
    return Line(names.get(product, product), version or "(no version)",
                platform if platform != "any" else "unknown platform", e.devices,
                e.status == "unknown")


def _groups(exposures: Iterable[Exposure], advisories: dict[str, Advisory]) -> tuple[Group, ...]:
    grouped: dict[str, list[Line]] = {}
    for e in exposures:
        if e.advisory_id in advisories:
            grouped.setdefault(e.advisory_id, []).append(_line(e, advisories[e.advisory_id]))
    groups = [Group(advisories[aid], tuple(sorted(lines, key=lambda x: (x.product, x.version))))
              for aid, lines in grouped.items()]
    return tuple(sorted(groups, key=lambda g: (not g.advisory.exploited, g.advisory.title)))


def council_week(
    council: CouncilConfig, store: Store, week: IsoWeek, tz: ZoneInfo, at: datetime,
    feeds: Iterable[str],
) -> CouncilWeek:
    advisories = {a.id: a for a in store.advisories()}
    of_week = week_advisories(advisories.values(), store.advisory_first_seen(), week, tz)
    week_ids = {a.id for a in of_week}
    # Only this council's rows from here on: nothing about another council can reach the email.
    mine = [e for e in store.exposures() if e.council_id == council.id]
    new = [e for e in mine if e.remediated_at is None
           and (e.advisory_id in week_ids or week.contains(e.first_alerted_at, tz))]
    new_keys = {e.key for e in new}
    still_open = [e for e in mine if e.remediated_at is None and e.key not in new_keys]
    fixed = [e for e in mine if e.remediated_at is not None and week.contains(e.remediated_at, tz)]
    fetched = [s.last_ok_at for s in map(store.feed_state, feeds) if s and s.last_ok_at]
    return CouncilWeek(
        council_id=council.id,
        council_name=council.name,
        week=week,
        period=week.label(),
        generated=local_time(at, tz),
        new=_groups(new, advisories),
        still_open=_groups(still_open, advisories),
        remediated=_groups(fixed, advisories),
        advisories_checked=len(of_week),
        advisories_known=len(advisories),
        last_fetch=local_time(aware(max(fetched)), tz) if fetched else None,
        accepted=_accepted(store, council.id, mine, advisories, at, tz),
    )


def _accepted(store: Store, council_id: str, mine: list[Exposure], advisories: dict[str, Advisory],
              at: datetime, tz: ZoneInfo) -> tuple[Accepted, ...]:
    today = at.astimezone(tz).date()
    exposures = {e.key: e for e in mine if e.remediated_at is None and e.advisory_id in advisories}
    found = [Accepted(advisories[e.advisory_id], _line(e, advisories[e.advisory_id]), day(a.until, tz), a.sent_to)
             for a in latest(store, council_id)
             if a.kind == "accepted" and a.until and holds(a, today) and (e := exposures.get(a.key))]
    return tuple(sorted(found, key=lambda x: (x.until, x.advisory.title)))


def render_weekly(config: Config, summary: CouncilWeek, council: CouncilConfig) -> Message:
    env = digest_environment(config.templates, ZoneInfo(config.timezone))
    data = {"summary": summary}
    key = weekly_key(council.id, summary.week)
    return Message(
        key=key,
        council_id=council.id,
        to=council.recipients,
        subject=clean_header_text(env.get_template("weekly.subject.txt").render(data), 200),
        text=env.get_template("weekly.txt").render(data),
        html=inline_css(env.get_template("weekly.html").render(data)),
        message_id=message_id(key, config.sender),
        headers=(("X-Advisories-Council", council.id), ("List-Id", list_id("weekly", council.id))),
    )


def send_weekly_summaries(
    config: Config,
    store: Store,
    week: str | IsoWeek | None = None,
    *,
    clock: Callable[[], datetime] = now,
    transport: Transport | None = None,
    tally: DeliveryTally | None = None,
) -> list[str]:
    """Queue and send each `weekly = true` council's summary for the week, once per week."""
    tz = ZoneInfo(config.timezone)
    at = clock()
    iso = resolve_week(week, at, tz)
    lines, queued = [], []
    for council in (c for c in config.councils if c.weekly):
        key = weekly_key(council.id, iso)
        if store.outbox_entry(key) is not None:
            lines.append(f"weekly summary {iso} for {council.id}: already sent; nothing to do")
            continue
        summary = council_week(council, store, iso, tz, at, (f.name for f in config.feeds))
        if store.queue(render_weekly(config, summary, council), [], at=at):
            queued.append((council.id, key, "all clear" if summary.all_clear else "summary"))
    if queued:
        deliver_queued(store, transport or transport_for(config), tally or Tally(), clock=clock)
    for council_id, key, what in queued:
        entry = store.outbox_entry(key)
        state = entry.state if entry else "queued"
        lines.append(f"weekly summary {iso} for {council_id}: {what}, {state}")
    return lines
