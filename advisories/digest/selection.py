"""Which advisories a bulletin holds: pure selection over the store's advisories.

Advisories are merged per CVE group first (merge.merge_by_cve, as the alerts are), so a rule
and the KEV entry for the same CVE are one entry, counted once.

A group belongs to the period one of its advisories was published in (or first seen in, when it
has no date). It is a late arrival in period W's bulletin when it belongs to an earlier period V
whose bulletin had already been made when the advisory was first seen, and it was first seen
after every bulletin made since (for V up to W-1): so it is listed once, in the first bulletin
made after it arrived. Periods with no bulletin (before the service ran) have no late arrivals,
or a first run would list the whole KEV catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from advisories.digest.edition import Period
from advisories.digest.week import aware
from advisories.merge import merge_by_cve
from advisories.models import Advisory, Epss
from advisories.priority import with_epss


@dataclass(frozen=True)
class Selection:
    """The week's CVE groups, the late arrivals, every stored id -> its merged advisory, and
    each group's stored members (to tell an NCSC item inside a group)."""

    weekly: list[Advisory]
    late: list[Advisory]
    by_id: dict[str, Advisory]
    members: dict[str, list[Advisory]]


def week_advisories(
    advisories: Iterable[Advisory], first_seen: Mapping[str, datetime], week: Period,
    tz: ZoneInfo,
) -> list[Advisory]:
    out = []
    for a in advisories:
        moment = a.published or first_seen.get(a.id)
        if moment is not None and week.contains(moment, tz):
            out.append(a)
    return out


def is_late(advisory: Advisory, first_seen: Mapping[str, datetime], week: Period, tz: ZoneInfo,
            made: Mapping[Period, datetime]) -> bool:
    """First seen after its own week's bulletin and every later one before `week` were made."""
    seen = first_seen.get(advisory.id)
    moment = advisory.published or seen
    if seen is None or moment is None:
        return False
    own = type(week).containing(moment, tz)
    # Compared by their starts: a week and a month do not order against each other as values.
    if own.start(tz) >= week.start(tz) or own not in made:
        return False
    since = max(at for w, at in made.items() if own.start(tz) <= w.start(tz) < week.start(tz))
    # Times are stored to the second: within the same second as a bulletin, list it (again)
    # rather than risk listing it never.
    return aware(seen) >= aware(since)


def select(advisories: list[Advisory], first_seen: Mapping[str, datetime], week: Period,
           tz: ZoneInfo, made: Mapping[Period, datetime],
           epss: Mapping[str, Epss] | None = None) -> Selection:
    """Merge per CVE group (EPSS joined in), then keep the groups of the week and the late arrivals."""
    stored = {a.id: a for a in advisories}
    # The week's end, not the wall clock, decides which KEV entries are stale: a bulletin
    # rebuilt months later must still list the KEV entries of its week.
    merged = with_epss(merge_by_cve(advisories, now=week.end(tz)), epss or {})
    by_id: dict[str, Advisory] = {}
    grouped: dict[str, list[Advisory]] = {}
    weekly, late = [], []
    for group in merged:
        members = [stored[i] for i in group.sources if i in stored] or [group]
        grouped[group.id] = members
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
    return Selection(weekly, late, by_id, grouped)
