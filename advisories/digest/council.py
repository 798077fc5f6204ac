"""Each council's weekly summary (`weekly = true`): its own exposures only, to its own people.

New this week (advisories of the week, or first alerted this week), still open (alerted, and
the latest inventory still shows it), risks the council accepted through an alert's link, and
remediated this week. Each exposure is in exactly one of those sections, so the counts at the
top and in the subject are the sections' own entries. A quiet week still sends a short "all
clear" so a council can tell a silent service from a broken one.

Advisories are merged per CVE group (merge.merge_by_cve, as the alerts are), so an entry carries
what the alert said: the group's CVEs, severity, exploited status and KEV due date, in the
alerts' priority order (priority.order_key).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from advisories.acks.decide import day, holds
from advisories.config import Config, CouncilConfig
from advisories.delivery import Transport
from advisories.delivery.mime import list_id
from advisories.delivery.outbox import DeliveryTally, deliver_queued
from advisories.delivery.setup import transport_for
from advisories.digest.content import due_date, local_time, select
from advisories.digest.output import digest_environment, inline_css
from advisories.digest.week import IsoWeek, aware, resolve_week
from advisories.errors import AdvisoriesError
from advisories.identity.names import normalise_name
from advisories.inventory import load_inventory
from advisories.models import PLATFORM_NAMES, Advisory, Message
from advisories.priority import order_key
from advisories.render import message_id
from advisories.sanitise import clean_header_text, safe_url
from advisories.store import Exposure, Store, now
from advisories.store.acks import latest

LINKS = 4  # a CVE record can list dozens of references; the alert email has them all


@dataclass
class Tally:
    """What deliver_queued counts, when the caller does not want a RunSummary."""

    emails_sent: int = 0
    emails_retrying: list[str] = field(default_factory=list)
    emails_failed: list[str] = field(default_factory=list)
    emails_held: list[str] = field(default_factory=list)
    by_channel: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Line:
    """One exposure as the council sees it: its own product, version, platform and devices."""

    product: str  # as the council's export writes it, else as the advisory does
    version: str
    platform: str  # the platform key ("windows", "any"); `platform_name` is for people
    devices: int
    unknown: bool

    @property
    def platform_name(self) -> str:
        return PLATFORM_NAMES.get(self.platform, self.platform)


@dataclass(frozen=True)
class Group:
    """One advisory (a CVE group) and the council's rows it affects, in one section."""

    advisory: Advisory
    lines: tuple[Line, ...]
    published: str | None = None  # "31 March 2023", the local date

    @property
    def devices(self) -> int:
        return sum(line.devices for line in self.lines)

    @property
    def severity(self) -> str:
        return self.advisory.severity.capitalize() if self.advisory.severity else "Severity not stated"

    @property
    def due(self) -> str | None:
        """"2 May 2023": the CISA KEV remediation due date, when there is one."""
        return due_date(self.advisory)

    @property
    def dates(self) -> str:
        """'CISA KEV due date: 20 April 2023 | published 31 March 2023', or what there is of it."""
        due = f"CISA KEV due date: {self.due}" if self.due else ""
        published = f"published {self.published}" if self.published else ""
        return " | ".join(filter(None, (due, published)))

    @property
    def links(self) -> tuple[str, ...]:
        """Plain http(s) links only: the advisory's own first, then its other sources'."""
        return _links(self.advisory)[:LINKS]

    @property
    def more_links(self) -> int:
        return max(0, len(_links(self.advisory)) - LINKS)


def _links(advisory: Advisory) -> tuple[str, ...]:
    # Only the link fields, never a URL found in feed text, and only what safe_url passes.
    return tuple(dict.fromkeys(filter(None, map(safe_url, (advisory.url, *advisory.links)))))


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
    still_open: tuple[Group, ...]  # not accepted: those are in `accepted` only
    remediated: tuple[Group, ...]
    advisories_checked: int  # advisories (CVE groups) published or first seen in the week
    advisories_known: int  # every advisory (CVE group) the store holds
    last_fetch: str | None  # when a feed was last read successfully: proof the job runs
    accepted: tuple[Accepted, ...] = ()  # risks the council accepted through an alert's link, still open

    @property
    def all_clear(self) -> bool:
        return not (self.new or self.still_open or self.remediated or self.accepted)


def weekly_key(council_id: str, week: IsoWeek) -> str:
    return f"weekly-{council_id}-{week}"


def export_names(council: CouncilConfig) -> dict[str, str]:
    """The council's product names as its export writes them, by their alert-key spelling.

    Alert keys keep the name casefolded ("3cx desktop app"): the latest export gives it back
    as the council's IT team knows it.
    """
    try:
        loaded = load_inventory(council.inventory, council.id, platform=council.platform)
    except (AdvisoriesError, OSError):
        # The run reports a broken export; the summary still goes, naming from the advisory.
        return {}
    return {item.product.strip().casefold(): item.product.strip() for item in loaded.items}


def display_name(product: str, advisory: Advisory, names: Mapping[str, str]) -> str:
    """The export's own spelling, else the statement's display name, else the key as stored."""
    if product in names:
        return names[product]
    key = normalise_name(product)
    return next((st.product for st in advisory.affects
                 if st.product.casefold() == product or normalise_name(st.product) == key), product)


def _line(e: Exposure, advisory: Advisory, names: Mapping[str, str]) -> Line:
    # Alert keys are "council|CVE or advisory|product|version|platform"; an id may hold "|".
    _, product, version, platform = e.key.rsplit("|", 3)
    return Line(display_name(product, advisory, names), version or "(no version)", platform,
                e.devices, e.status == "unknown")


def _line_order(line: Line) -> tuple[bool, int, str, str, str]:
    # As the alert orders its rows: confirmed before "check manually", most devices first.
    return (line.unknown, -line.devices, line.product.casefold(), line.version, line.platform)


def _groups(exposures: Iterable[Exposure], by_id: Mapping[str, Advisory],
            names: Mapping[str, str], tz: ZoneInfo) -> tuple[Group, ...]:
    grouped: dict[str, tuple[Advisory, dict[tuple[str, str, str], Line]]] = {}
    for e in exposures:
        if e.advisory_id not in by_id:
            continue
        advisory = by_id[e.advisory_id]
        line = _line(e, advisory, names)
        # A row told under two of the group's CVEs is one row.
        rows = grouped.setdefault(advisory.id, (advisory, {}))[1]
        rows.setdefault((line.product.casefold(), line.version, line.platform), line)
    groups = [Group(advisory, tuple(sorted(rows.values(), key=_line_order)),
                    day(advisory.published, tz) if advisory.published else None)
              for advisory, rows in grouped.values()]
    return tuple(sorted(groups, key=lambda g: order_key(g.advisory)))


def council_week(
    council: CouncilConfig, store: Store, week: IsoWeek, tz: ZoneInfo, at: datetime,
    feeds: Iterable[str],
) -> CouncilWeek:
    chosen = select(store.advisories(), store.advisory_first_seen(), week, tz, {},
                    store.epss_scores())
    by_id, names = chosen.by_id, export_names(council)
    week_ids = {member for a in chosen.weekly for member in (a.id, *a.sources)}
    # Only this council's rows from here on: nothing about another council can reach the email.
    mine = [e for e in store.exposures() if e.council_id == council.id]
    accepted = _accepted(store, council.id, mine, by_id, names, at, tz)
    accepted_keys = {a.key for a in accepted}
    open_ = [e for e in mine if e.remediated_at is None and e.key not in accepted_keys]
    new = [e for e in open_ if e.advisory_id in week_ids or week.contains(e.first_alerted_at, tz)]
    new_keys = {e.key for e in new}
    fixed = [e for e in mine if e.remediated_at is not None and week.contains(e.remediated_at, tz)]
    fetched = [s.last_ok_at for s in map(store.feed_state, feeds) if s and s.last_ok_at]
    return CouncilWeek(
        council_id=council.id,
        council_name=council.name,
        week=week,
        period=week.label(),
        generated=local_time(at, tz),
        new=_groups(new, by_id, names, tz),
        still_open=_groups((e for e in open_ if e.key not in new_keys), by_id, names, tz),
        remediated=_groups(fixed, by_id, names, tz),
        advisories_checked=len(chosen.weekly),
        advisories_known=len({a.id for a in by_id.values()}),
        last_fetch=local_time(aware(max(fetched)), tz) if fetched else None,
        accepted=tuple(a.accepted for a in accepted),
    )


@dataclass(frozen=True)
class _Held:
    key: str
    until: date
    accepted: Accepted


def _accepted(store: Store, council_id: str, mine: list[Exposure], by_id: Mapping[str, Advisory],
              names: Mapping[str, str], at: datetime, tz: ZoneInfo) -> list[_Held]:
    today = at.astimezone(tz).date()
    exposures = {e.key: e for e in mine if e.remediated_at is None and e.advisory_id in by_id}
    found = [_Held(e.key, a.until, Accepted(by_id[e.advisory_id], _line(e, by_id[e.advisory_id], names),
                                   day(a.until, tz), a.sent_to))
             for a in latest(store, council_id)
             if a.kind == "accepted" and a.until and holds(a, today) and (e := exposures.get(a.key))]
    return sorted(found, key=lambda h: (h.until, h.accepted.advisory.title))


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
