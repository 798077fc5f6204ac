"""What goes into a bulletin: its entries and sections, pure over the store's advisories.

One incident is one entry (incidents.py): written in full once, in the first section it
belongs to (NCSC updates, else actively exploited, else vendor advisories; a late arrival under
"published earlier"), and pointed to from the others. Every count in the week at a glance is a
count of what the sections list, so they agree: "actively exploited" counts the rows of that
section, pointers included, and that section points to every exploited row of the sector
exposure table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from advisories.digest.edition import BLOCKS, Edition, Period
from advisories.digest.facts import affected_lines, fixed_lines, neutral_advice, summary_text
from advisories.digest.incidents import Incident, fold, is_ncsc, is_ncsc_link, item_link
from advisories.digest.notes import Note
from advisories.digest.sector import (
    ReviewRow,
    SectorRow,
    extracted_rows,
    review_rows,
    sector_rows,
    wrong_match_rows,
)
from advisories.digest.selection import select, week_advisories
from advisories.models import SEVERITIES, Advisory, Epss
from advisories.priority import order_key
from advisories.sanitise import truncate
from advisories.store import Exposure

# Re-exported: the council summary and older callers import these from here.
__all__ = ["is_ncsc", "item_link", "week_advisories"]

ACTIONS = 3
NCSC, EXPLOITED, VENDOR, LATE, SECTOR = (
    "NCSC updates", "Actively exploited", "Vendor advisories",
    "Published earlier, first seen this week", "Sector exposure")
_DUE_RE = re.compile(r"due date:\s*(\d{4}-\d{2}-\d{2})", re.IGNORECASE)
_FIRST_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Link:
    url: str
    label: str  # "Read it on ncsc.gov.uk" for the NCSC's own pages, else the host


@dataclass(frozen=True)
class Item:
    """One entry. `see` set: a pointer to the section that has it in full."""

    advisory: Advisory  # the incident's lead advisory: title, severity, priority line
    summary: str
    link: str | None
    due: str | None  # "20 April 2023": the KEV remediation due date, when known
    affected: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    advice: str = ""
    cves: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    ncsc_titles: tuple[str, ...] = ()
    exploited: bool = False
    see: str | None = None


@dataclass(frozen=True)
class SeverityGroup:
    severity: str  # "critical", ..., or "not stated"
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Action:
    title: str
    text: str
    link: str | None


@dataclass(frozen=True)
class Glance:
    value: str
    label: str


@dataclass(frozen=True)
class Digest:
    week: Period  # an IsoWeek, or a Month for a monthly edition
    period: str
    generated: str
    glance: tuple[Glance, ...]
    actions: tuple[Action, ...]
    ncsc: tuple[Item, ...]
    exploited: tuple[Item, ...]
    vendor: tuple[SeverityGroup, ...]
    late: tuple[Item, ...]  # published in an earlier period, first seen after its bulletin went
    sector: tuple[SectorRow, ...]
    review: tuple[ReviewRow, ...]
    note: Note | None
    threshold: int
    advisories_checked: int
    edition: Edition | None = None  # the date line and number
    blocks: dict[str, Note] = field(default_factory=dict)  # the editor's, by name (edition.py)

    def closing(self) -> list[tuple[str | None, Note]]:
        """The editor's blocks after the generated sections, in the LGA's order, with headings."""
        return [(heading, self.blocks[name]) for name, heading in BLOCKS.items()
                if name != "introduction" and name in self.blocks]


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.day} {local:%B %Y, %H:%M %Z}"


def due_date(advisory: Advisory) -> str | None:
    day = advisory.due_date
    if day is None:
        match = _DUE_RE.search(advisory.action or "")
        try:
            day = date.fromisoformat(match.group(1)) if match else None
        except ValueError:
            return None
    return f"{day.day} {day:%B %Y}" if day else None


def link(url: str) -> Link:
    if is_ncsc_link(url):
        return Link(url, "Read it on ncsc.gov.uk")
    host = (urlsplit(url).hostname or url).removeprefix("www.")
    return Link(url, host)


def entry(incident: Incident, see: str | None = None) -> Item:
    main, members = incident.main, incident.members
    statements = [s for m in members for s in m.affects]
    summary = main.summary or next((n.summary for n in incident.ncsc if n.summary), "")
    links = incident.links()
    return Item(
        advisory=main,
        summary=summary_text(summary),
        link=links[0] if links else None,
        due=next(filter(None, map(due_date, members)), None),
        affected=affected_lines(statements),
        fixed=fixed_lines(statements),
        advice=next((a for m in members if (a := neutral_advice(m.action, m.required_action))), ""),
        cves=tuple(dict.fromkeys(c for m in members for c in m.cves)),
        links=tuple(map(link, links)),
        ncsc_titles=tuple(n.title for n in incident.ncsc if n is not main),
        exploited=incident.exploited,
        see=see,
    )


def home(incident: Incident) -> str:
    """The section an incident is written in full in."""
    if incident.ncsc:
        return NCSC
    return EXPLOITED if incident.exploited else VENDOR


def vendor_groups(items: Iterable[Item]) -> tuple[SeverityGroup, ...]:
    """By stated severity, each group in priority order (priority.py): CVSS, then EPSS."""
    groups: dict[str, list[Item]] = {}
    for i in items:
        sev = i.advisory.severity if i.advisory.severity in SEVERITIES else "not stated"
        groups.setdefault(sev or "not stated", []).append(i)
    return tuple(SeverityGroup(sev, tuple(groups[sev]))
                 for sev in (*SEVERITIES, "not stated") if sev in groups)


def action_text(item: Item) -> str:
    if not item.advice:
        return "Read the advisory and apply the vendor's fix or workaround."
    return truncate(_FIRST_SENTENCE.split(item.advice)[0], 180)


def top_actions(items: Iterable[Item], exposed: set[str]) -> tuple[Action, ...]:
    """The three things most worth doing: exposure in the sector first, then by priority.
    One per incident: `items` holds each entry once (never a pointer)."""
    worth = [i for i in items
             if i.advisory.id in exposed or i.exploited or i.advisory.severity in ("critical", "high")]
    worth.sort(key=lambda i: (i.advisory.id not in exposed, order_key(i.advisory)))
    return tuple(Action(i.advisory.title, action_text(i), i.link) for i in worth[:ACTIONS])


def plural(n: int, one: str, many: str) -> Glance:
    return Glance(str(n), one if n == 1 else many)


def glance(entries: list[Item], ncsc: int, exploited: int, sector: int) -> tuple[Glance, ...]:
    """Counts of what the sections list: `entries` is every entry written in full, once."""
    return (
        plural(len(entries), "advisory published or first seen",
               "advisories published or first seen"),
        plural(ncsc, "NCSC update", "NCSC updates"),
        plural(exploited, "actively exploited", "actively exploited"),
        plural(sum(i.advisory.severity in ("critical", "high") for i in entries),
               "critical or high", "critical or high"),
        plural(sector, "advisory hit council software", "advisories hit council software"),
    )


def sections(week: list[Incident], late: list[Incident]) -> dict[str, list[Item]]:
    """Each incident in full in its home section; actively exploited points to the others."""
    out: dict[str, list[Item]] = {NCSC: [], EXPLOITED: [], VENDOR: [], LATE: []}
    for incident in sorted(week, key=lambda i: order_key(i.main)):
        where = home(incident)
        out[where].append(entry(incident))
        if incident.exploited and where != EXPLOITED:
            out[EXPLOITED].append(entry(incident, see=where))
    for incident in sorted(late, key=lambda i: order_key(i.main)):
        out[LATE].append(entry(incident))
        if incident.exploited:
            out[EXPLOITED].append(entry(incident, see=LATE))
    out[NCSC].sort(key=_newest_first)
    return out


def _newest_first(item: Item) -> tuple[float, str]:
    published = item.advisory.published
    return (-published.timestamp() if published else 0.0, item.advisory.title.casefold())


def sector_pointers(rows: Iterable[SectorRow], listed: Mapping[str, Item]) -> list[Item]:
    """Exploited sector rows whose advisory no section lists (an old advisory newly hitting a
    council): actively exploited points to the sector table, so the counts agree."""
    return [Item(r.advisory, "", None, due_date(r.advisory), exploited=True, see=SECTOR)
            for r in rows if r.advisory.exploited and r.advisory.id not in listed]


def collect_digest(
    *,
    week: Period,
    tz: ZoneInfo,
    advisories: list[Advisory],
    first_seen: dict[str, datetime],
    exposures: list[Exposure],
    threshold: int,
    note: Note | None,
    now: datetime,
    made: Mapping[Period, datetime] | None = None,
    epss: Mapping[str, Epss] | None = None,
    answered: Mapping[str, str] | None = None,
) -> Digest:
    """`made`: when each earlier period's bulletin was made (queued), for the late arrivals;
    `epss`: the state's EPSS scores, which order the lists but select nothing.
    `answered`: exposure key -> the kind of the councils' answer that holds (acks).
    `week` is the period: an IsoWeek, or an edition.Month for a monthly edition."""
    answered = answered or {}
    chosen = select(advisories, first_seen, week, tz, made or {}, epss)
    weekly = fold(chosen.weekly, chosen.members)
    late = fold(chosen.late, chosen.members)
    # Exposures are recorded against the advisory alerted at the time; count them against
    # its incident now, so one incident is one sector row however its members were alerted.
    lead = {m.id: i.main for i in (*weekly, *late) for m in i.members}
    by_id = {k: lead.get(g.id, g) for k, g in chosen.by_id.items()}
    exposures = [replace(e, advisory_id=by_id[e.advisory_id].id) if e.advisory_id in by_id
                 else e for e in exposures]
    groups = {a.id: a for a in by_id.values()}
    ids = {i.id for i in (*weekly, *late)} | {
        e.advisory_id for e in exposures if week.contains(e.first_alerted_at, tz)}
    sector = sector_rows(groups, exposures, ids, threshold, answered)
    parts = sections(weekly, late)
    full = [i for name in (NCSC, EXPLOITED, VENDOR, LATE) for i in parts[name] if not i.see]
    parts[EXPLOITED] += sector_pointers(sector, {i.advisory.id: i for i in full})
    newly_exposed = [entry(Incident(groups[i], (groups[i],))) for i in sorted(ids)
                     if i in groups and i not in {f.advisory.id for f in full}]
    return Digest(
        week=week,
        period=week.label(),
        generated=local_time(now, tz),
        glance=glance(full, len(parts[NCSC]), len(parts[EXPLOITED]), len(sector)),
        actions=top_actions([*full, *newly_exposed], {row.advisory.id for row in sector}),
        ncsc=tuple(parts[NCSC]),
        exploited=tuple(parts[EXPLOITED]),
        vendor=vendor_groups(parts[VENDOR]),
        late=tuple(parts[LATE]),
        sector=tuple(sector),
        review=(*review_rows(groups, exposures, threshold),
                *extracted_rows(m for i in (*weekly, *late) for m in i.members),
                *wrong_match_rows(groups, exposures, answered, threshold)),
        note=note,
        threshold=threshold,
        advisories_checked=len(advisories),
    )
