"""What goes into a week's bulletin: pure selection over the store's advisories and exposures.

An advisory belongs to the week it was published in, or first seen in when it has no date.
Sections: NCSC updates, actively exploited, vendor advisories by severity, sector exposure
(aggregated, see sector.py) and needs review; plus the week at a glance and the top actions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from advisories.alerts import SEVERITY_RANK
from advisories.digest.notes import Note
from advisories.digest.sector import ReviewRow, SectorRow, extracted_rows, review_rows, sector_rows
from advisories.digest.week import IsoWeek
from advisories.merge import one_per_page
from advisories.models import SEVERITIES, Advisory
from advisories.sanitise import safe_url, truncate
from advisories.store import Exposure

NCSC_HOSTS = ("www.ncsc.gov.uk", "ncsc.gov.uk")
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
    sector: tuple[SectorRow, ...]
    review: tuple[ReviewRow, ...]
    note: Note | None
    threshold: int
    advisories_checked: int


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.day} {local:%B %Y, %H:%M %Z}"


def is_ncsc(advisory: Advisory) -> bool:
    host = (urlsplit(advisory.url or "").hostname or "").lower()
    return advisory.source.casefold().startswith("ncsc") or host in NCSC_HOSTS


def week_advisories(
    advisories: Iterable[Advisory], first_seen: dict[str, datetime], week: IsoWeek, tz: ZoneInfo
) -> list[Advisory]:
    out = []
    for a in advisories:
        moment = a.published or first_seen.get(a.id)
        if moment is not None and week.contains(moment, tz):
            out.append(a)
    return out


def due_date(advisory: Advisory) -> str | None:
    match = _DUE_RE.search(advisory.action or "")
    if not match:
        return None
    try:
        day = date.fromisoformat(match.group(1))
    except ValueError:
        return None
    return f"{day.day} {day:%B %Y}"


def item(advisory: Advisory) -> Item:
    summary = truncate(" ".join(advisory.summary.split()), SUMMARY_CHARS)
    link = safe_url(advisory.url) or next(filter(None, map(safe_url, advisory.links)), None)
    return Item(advisory, summary, link, due_date(advisory))


def _rank(a: Advisory) -> tuple[int, int, str]:
    return (-SEVERITY_RANK.get(a.severity or "", 0), -int(a.exploited), a.title.casefold())


def _newest_first(items: Iterable[Advisory]) -> list[Advisory]:
    by_title = sorted(items, key=lambda a: a.title.casefold())
    return sorted(by_title, key=lambda a: a.published.timestamp() if a.published else 0,
                  reverse=True)


def vendor_groups(advisories: Iterable[Advisory]) -> tuple[SeverityGroup, ...]:
    groups: dict[str, list[Advisory]] = {}
    for a in advisories:
        groups.setdefault(a.severity if a.severity in SEVERITIES else "not stated", []).append(a)
    return tuple(
        SeverityGroup(sev, tuple(item(a) for a in _newest_first(groups[sev])))
        for sev in (*SEVERITIES, "not stated")
        if sev in groups
    )


def action_text(advisory: Advisory) -> str:
    first = (advisory.action or "").strip().splitlines()[:1]
    if not first:
        return "Read the advisory and apply the vendor's fix or workaround."
    return truncate(_FIRST_SENTENCE.split(first[0])[0], 180)


def top_actions(candidates: Iterable[Advisory], exposed: set[str]) -> tuple[Action, ...]:
    """The three things most worth doing: exposure in the sector first, then exploitation."""
    worth = [a for a in candidates
             if a.id in exposed or a.exploited or a.severity in ("critical", "high")]
    worth.sort(key=lambda a: (a.id not in exposed, not a.exploited, *_rank(a)))
    return tuple(Action(a.title, action_text(a), item(a).link) for a in worth[:ACTIONS])


def plural(n: int, one: str, many: str) -> Glance:
    return Glance(str(n), one if n == 1 else many)


def _glance(weekly: list[Advisory], ncsc: int, exploited: int, sector: int) -> tuple[Glance, ...]:
    return (
        plural(len(weekly), "advisory published or first seen",
               "advisories published or first seen"),
        plural(ncsc, "NCSC update", "NCSC updates"),
        plural(exploited, "actively exploited", "actively exploited"),
        plural(sum(a.severity in ("critical", "high") for a in weekly),
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
) -> Digest:
    by_id = {a.id: a for a in advisories}
    weekly = one_per_page(week_advisories(advisories, first_seen, week, tz))
    ncsc = [a for a in weekly if is_ncsc(a)]
    exploited = sorted((a for a in weekly if a.exploited), key=_rank)
    vendor = [a for a in weekly if not a.exploited and not is_ncsc(a)]
    # Exposures first alerted this week count too: an old advisory can newly hit a council.
    ids = {a.id for a in weekly} | {
        e.advisory_id for e in exposures if week.contains(e.first_alerted_at, tz)
    }
    sector = sector_rows(by_id, exposures, ids, threshold)
    exposed = {row.advisory.id for row in sector}
    return Digest(
        week=week,
        period=week.label(),
        generated=local_time(now, tz),
        glance=_glance(weekly, len(ncsc), len(exploited), len(sector)),
        actions=top_actions([by_id[i] for i in ids if i in by_id], exposed),
        ncsc=tuple(item(a) for a in _newest_first(ncsc)),
        exploited=tuple(item(a) for a in exploited),
        vendor=vendor_groups(vendor),
        sector=tuple(sector),
        review=(*review_rows(by_id, exposures, threshold), *extracted_rows(weekly)),
        note=note,
        threshold=threshold,
        advisories_checked=len(advisories),
    )
