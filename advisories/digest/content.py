"""What goes into a week's bulletin: pure selection over the store's advisories and exposures.

Advisories are merged per CVE group first (merge.merge_by_cve, as the alerts are), so a rule
and the KEV entry for the same CVE are one entry, counted once.

A group belongs to the week one of its advisories was published in (or first seen in, when it
has no date). It is a late arrival in week W's bulletin when it belongs to an earlier week V
whose bulletin had already been made when the advisory was first seen, and it was first seen
after every bulletin made since (for V up to W-1): so it is listed once, in the first bulletin
made after it arrived. Weeks with no bulletin (before the service ran) have no late arrivals,
or a first run would list the whole KEV catalogue.

Sections: NCSC updates, actively exploited, vendor advisories by severity, late arrivals,
sector exposure (aggregated, see sector.py) and needs review; plus the week at a glance and
the top actions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from advisories.digest.notes import Note
from advisories.digest.sector import (
    ReviewRow,
    SectorRow,
    extracted_rows,
    review_rows,
    sector_rows,
    wrong_match_rows,
)
from advisories.digest.week import IsoWeek, aware
from advisories.merge import merge_by_cve
from advisories.models import SEVERITIES, Advisory, Epss
from advisories.priority import order_key, with_epss
from advisories.sanitise import safe_url, truncate
from advisories.store import Exposure

NCSC_DOMAIN = "ncsc.gov.uk"
SUMMARY_CHARS = 200  # about two lines in a 600 px email
ACTIONS = 3
_DUE_RE = re.compile(r"due date:\s*(\d{4}-\d{2}-\d{2})", re.IGNORECASE)
_FIRST_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Item:
    advisory: Advisory
    summary: str
    link: str | None
    due: str | None  # "20 April 2023": the KEV remediation due date, when known


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
    week: IsoWeek
    period: str
    generated: str
    glance: tuple[Glance, ...]
    actions: tuple[Action, ...]
    ncsc: tuple[Item, ...]
    exploited: tuple[Item, ...]
    vendor: tuple[SeverityGroup, ...]
    late: tuple[Item, ...]  # published in an earlier week, first seen after its bulletin went
    sector: tuple[SectorRow, ...]
    review: tuple[ReviewRow, ...]
    note: Note | None
    threshold: int
    advisories_checked: int


@dataclass(frozen=True)
class Selection:
    """The week's CVE groups, the late arrivals, and every stored id -> its merged advisory."""

    weekly: list[Advisory]
    late: list[Advisory]
    by_id: dict[str, Advisory]


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.day} {local:%B %Y, %H:%M %Z}"


def item_link(advisory: Advisory) -> str | None:
    return safe_url(advisory.url) or next(filter(None, map(safe_url, advisory.links)), None)


def is_ncsc_link(url: str | None) -> bool:
    """An https link on ncsc.gov.uk or one of its subdomains.

    By the link's host, never the feed's name or the source: a feed item can link anywhere,
    and the bulletin labels NCSC links "Read it on ncsc.gov.uk".
    """
    if not url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower().rstrip(".")
    return parts.scheme.lower() == "https" and (
        host == NCSC_DOMAIN or host.endswith("." + NCSC_DOMAIN))


def is_ncsc(advisory: Advisory) -> bool:
    """Listed under NCSC updates: the link the bulletin shows for it is the NCSC's own."""
    return is_ncsc_link(item_link(advisory))


def week_advisories(
    advisories: Iterable[Advisory], first_seen: Mapping[str, datetime], week: IsoWeek,
    tz: ZoneInfo,
) -> list[Advisory]:
    out = []
    for a in advisories:
        moment = a.published or first_seen.get(a.id)
        if moment is not None and week.contains(moment, tz):
            out.append(a)
    return out


def is_late(advisory: Advisory, first_seen: Mapping[str, datetime], week: IsoWeek, tz: ZoneInfo,
            made: Mapping[IsoWeek, datetime]) -> bool:
    """First seen after its own week's bulletin and every later one before `week` were made."""
    seen = first_seen.get(advisory.id)
    moment = advisory.published or seen
    if seen is None or moment is None:
        return False
    own = IsoWeek.containing(moment, tz)
    if own >= week or own not in made:
        return False
    since = max(at for w, at in made.items() if own <= w < week)
    # Times are stored to the second: within the same second as a bulletin, list it (again)
    # rather than risk listing it never.
    return aware(seen) >= aware(since)


def select(advisories: list[Advisory], first_seen: Mapping[str, datetime], week: IsoWeek,
           tz: ZoneInfo, made: Mapping[IsoWeek, datetime],
           epss: Mapping[str, Epss] | None = None) -> Selection:
    """Merge per CVE group (EPSS joined in), then keep the groups of the week and the late arrivals."""
    stored = {a.id: a for a in advisories}
    # The week's end, not the wall clock, decides which KEV entries are stale: a bulletin
    # rebuilt months later must still list the KEV entries of its week.
    merged = with_epss(merge_by_cve(advisories, now=week.end(tz)), epss or {})
    by_id: dict[str, Advisory] = {}
    weekly, late = [], []
    for group in merged:
        members = [stored[i] for i in group.sources if i in stored] or [group]
        for member in members:
            by_id[member.id] = group
        by_id[group.id] = group
        if week_advisories(members, first_seen, week, tz):
            weekly.append(group)
        elif any(is_late(m, first_seen, week, tz, made) for m in members):
            late.append(group)
    for a in advisories:
        # Not in any group (a stale KEV entry): its open exposures still need a title.
        by_id.setdefault(a.id, a)
    return Selection(weekly, late, by_id)


def due_date(advisory: Advisory) -> str | None:
    day = advisory.due_date
    if day is None:
        match = _DUE_RE.search(advisory.action or "")
        try:
            day = date.fromisoformat(match.group(1)) if match else None
        except ValueError:
            return None
    return f"{day.day} {day:%B %Y}" if day else None


def item(advisory: Advisory) -> Item:
    summary = truncate(" ".join(advisory.summary.split()), SUMMARY_CHARS)
    return Item(advisory, summary, item_link(advisory), due_date(advisory))


def _newest_first(items: Iterable[Advisory]) -> list[Advisory]:
    by_title = sorted(items, key=lambda a: a.title.casefold())
    return sorted(by_title, key=lambda a: a.published.timestamp() if a.published else 0,
                  reverse=True)


def vendor_groups(advisories: Iterable[Advisory]) -> tuple[SeverityGroup, ...]:
    """By stated severity, each group in priority order (priority.py): CVSS, then EPSS."""
    groups: dict[str, list[Advisory]] = {}
    for a in advisories:
        groups.setdefault(a.severity if a.severity in SEVERITIES else "not stated", []).append(a)
    return tuple(
        SeverityGroup(sev, tuple(item(a) for a in sorted(_newest_first(groups[sev]), key=order_key)))
        for sev in (*SEVERITIES, "not stated")
        if sev in groups
    )


def action_text(advisory: Advisory) -> str:
    first = (advisory.action or "").strip().splitlines()[:1]
    if not first:
        return "Read the advisory and apply the vendor's fix or workaround."
    return truncate(_FIRST_SENTENCE.split(first[0])[0], 180)


def top_actions(candidates: Iterable[Advisory], exposed: set[str]) -> tuple[Action, ...]:
    """The three things most worth doing: exposure in the sector first, then by priority."""
    worth = [a for a in candidates
             if a.id in exposed or a.exploited or a.severity in ("critical", "high")]
    worth.sort(key=lambda a: (a.id not in exposed, order_key(a)))
    return tuple(Action(a.title, action_text(a), item(a).link) for a in worth[:ACTIONS])


def plural(n: int, one: str, many: str) -> Glance:
    return Glance(str(n), one if n == 1 else many)


def _glance(listed: list[Advisory], ncsc: int, exploited: int, sector: int) -> tuple[Glance, ...]:
    # `listed` holds the late arrivals too; "actively exploited" is that section's own count,
    # as the subject line says.
    return (
        plural(len(listed), "advisory published or first seen",
               "advisories published or first seen"),
        plural(ncsc, "NCSC update", "NCSC updates"),
        plural(exploited, "actively exploited", "actively exploited"),
        plural(sum(a.severity in ("critical", "high") for a in listed),
               "critical or high", "critical or high"),
        plural(sector, "advisory hit council software", "advisories hit council software"),
    )


def collect_digest(
    *,
    week: IsoWeek,
    tz: ZoneInfo,
    advisories: list[Advisory],
    first_seen: dict[str, datetime],
    exposures: list[Exposure],
    threshold: int,
    note: Note | None,
    now: datetime,
    made: Mapping[IsoWeek, datetime] | None = None,
    epss: Mapping[str, Epss] | None = None,
    answered: Mapping[str, str] | None = None,
) -> Digest:
    """`made`: when each earlier week's bulletin was made (queued), for the late arrivals;
    `epss`: the state's EPSS scores, which order the lists but select nothing.
    `answered`: exposure key -> the kind of the councils' answer that holds (acks)."""
    answered = answered or {}
    chosen = select(advisories, first_seen, week, tz, made or {}, epss)
    by_id, weekly = chosen.by_id, chosen.weekly
    # Exposures are recorded against the advisory alerted at the time; count them against
    # its CVE group now, so one group is one sector row however its members were alerted.
    exposures = [replace(e, advisory_id=by_id[e.advisory_id].id) if e.advisory_id in by_id
                 else e for e in exposures]
    groups = {a.id: a for a in by_id.values()}
    ncsc = [a for a in weekly if is_ncsc(a)]
    exploited = sorted((a for a in weekly if a.exploited), key=order_key)
    vendor = [a for a in weekly if not a.exploited and not is_ncsc(a)]
    # Exposures first alerted this week count too: an old advisory can newly hit a council.
    ids = {a.id for a in (*weekly, *chosen.late)} | {
        e.advisory_id for e in exposures if week.contains(e.first_alerted_at, tz)
    }
    sector = sector_rows(groups, exposures, ids, threshold, answered)
    exposed = {row.advisory.id for row in sector}
    return Digest(
        week=week,
        period=week.label(),
        generated=local_time(now, tz),
        glance=_glance([*weekly, *chosen.late], len(ncsc), len(exploited), len(sector)),
        actions=top_actions([groups[i] for i in sorted(ids) if i in groups], exposed),
        ncsc=tuple(item(a) for a in _newest_first(ncsc)),
        exploited=tuple(item(a) for a in exploited),
        vendor=vendor_groups(vendor),
        late=tuple(item(a) for a in sorted(chosen.late, key=order_key)),
        sector=tuple(sector),
        review=(*review_rows(groups, exposures, threshold),
                *extracted_rows([*weekly, *chosen.late]),
                *wrong_match_rows(groups, exposures, answered, threshold)),
        note=note,
        threshold=threshold,
        advisories_checked=len(advisories),
    )
