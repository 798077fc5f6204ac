"""ISO weeks in local time (Europe/London by default): Monday 00:00 to the next Monday 00:00.

Bulletins are about the week a council lived through, so a week's edges are local midnights,
not UTC ones: Monday 00:30 BST is still Sunday in UTC but belongs to the new week. A week with
a clock change is 167 or 169 hours long; that falls out of doing the arithmetic on local dates
and converting each edge on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from advisories.errors import ConfigError

_WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    def __post_init__(self) -> None:
        # fromisocalendar knows which years have a week 53.
        date.fromisocalendar(self.year, self.week, 1)

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """"2023-W13" (also "2023W13", "2023-w13") -> IsoWeek; ConfigError otherwise."""
        match = _WEEK_RE.match(text.strip())
        try:
            if match:
                return cls(int(match.group(1)), int(match.group(2)))
        except ValueError:
            pass
        raise ConfigError(
            f"{text!r} is not an ISO week",
            "write it like 2023-W13 (weeks run from W01 to W52, or W53 in some years)",
        )

    @classmethod
    def containing(cls, moment: datetime, tz: ZoneInfo) -> IsoWeek:
        local = aware(moment).astimezone(tz)
        year, week, _ = local.isocalendar()
        return cls(year, week)

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def start(self, tz: ZoneInfo) -> datetime:
        """Monday's local midnight, in UTC.

        UTC because Python subtracts two datetimes of the same zone by wall clock, which would
        make every week 168 hours long. Local midnight exists in every zone we care about (UK
        clocks change at 01:00 and 02:00).
        """
        return datetime.combine(self.monday, time(0), tzinfo=tz).astimezone(UTC)

    def end(self, tz: ZoneInfo) -> datetime:
        """The next Monday's local midnight: the end is exclusive."""
        return self.next().start(tz)

    def contains(self, moment: datetime, tz: ZoneInfo) -> bool:
        return self.start(tz) <= aware(moment) < self.end(tz)

    def previous(self) -> IsoWeek:
        year, week, _ = (self.monday - timedelta(days=7)).isocalendar()
        return IsoWeek(year, week)

    def next(self) -> IsoWeek:
        year, week, _ = (self.monday + timedelta(days=7)).isocalendar()
        return IsoWeek(year, week)

    def label(self) -> str:
        """"27 March to 2 April 2023", for subjects and headings."""
        first, last = self.monday, self.sunday
        left = f"{first.day} {first:%B}" + ("" if first.year == last.year else f" {first.year}")
        if first.month == last.month and first.year == last.year:
            left = str(first.day)
        return f"{left} to {last.day} {last:%B %Y}"


def aware(moment: datetime) -> datetime:
    """Stored times are UTC; a naive one (from an old row or a test) is taken as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def resolve_week(week: str | IsoWeek | None, now: datetime, tz: ZoneInfo) -> IsoWeek:
    """The week asked for, or the one `now` falls in."""
    if isinstance(week, IsoWeek):
        return week
    if week:
        return IsoWeek.parse(week)
    return IsoWeek.containing(now, tz)
