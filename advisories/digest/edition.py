"""Editions: a bulletin per week or per calendar month, numbered, with the editor's blocks.

The LGA's bulletin is a monthly edition with a number and a date line ("April 2023 No.8"), an
introduction ("Dear colleague"), sections of its own beyond the NCSC's (news, central
government, events), a sign-off and contact details. Each of those blocks is a Markdown file in
the notes folder, all optional:

    notes/2023-04/introduction.md     (or notes/2023-04.md, the older single note)
    notes/2023-04/news.md, central-government.md, events.md, sign-off.md, contact.md
    notes/sign-off.md, notes/contact.md   standing text, used when the edition has none
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from advisories.digest.notes import Note, load_note
from advisories.digest.week import IsoWeek, aware
from advisories.errors import ConfigError

# In the LGA's order; each with the heading the bulletin gives it (None: no heading).
BLOCKS = {"introduction": None, "news": "News", "central-government": "Central government",
          "events": "Events", "sign-off": None, "contact": "Contact details"}
STANDING = ("sign-off", "contact")  # the same every edition unless the edition has its own
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in local time: the 1st 00:00 to the next 1st 00:00."""

    year: int
    month: int

    def __post_init__(self) -> None:
        date(self.year, self.month, 1)

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH_RE.match(text.strip())
        try:
            if match:
                return cls(int(match.group(1)), int(match.group(2)))
        except ValueError:
            pass
        raise ConfigError(f"{text!r} is not a month", "write it like 2023-04")

    @classmethod
    def containing(cls, moment: datetime, tz: ZoneInfo) -> Month:
        local = aware(moment).astimezone(tz)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    def start(self, tz: ZoneInfo) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=tz).astimezone(UTC)

    def end(self, tz: ZoneInfo) -> datetime:
        return self.next().start(tz)

    def contains(self, moment: datetime, tz: ZoneInfo) -> bool:
        return self.start(tz) <= aware(moment) < self.end(tz)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), 12 if self.month == 1 else self.month - 1)

    def next(self) -> Month:
        return Month(self.year + (self.month == 12), 1 if self.month == 12 else self.month + 1)

    def label(self) -> str:
        return f"{self.first:%B %Y}"


Period = IsoWeek | Month


def parse_period(text: str) -> Period:
    return Month.parse(text) if _MONTH_RE.match(text.strip()) else IsoWeek.parse(text)


def resolve_period(kind: str, given: str | Period | None, now: datetime, tz: ZoneInfo) -> Period:
    """The period asked for (it must be of the configured kind), or the one `now` falls in."""
    wanted = Month if kind == "month" else IsoWeek
    if given is None or given == "":
        return wanted.containing(now, tz)
    period = given if isinstance(given, IsoWeek | Month) else parse_period(given)
    if not isinstance(period, wanted):
        other = "--week 2023-W13" if kind == "week" else "--month 2023-04"
        raise ConfigError(f"{period} is not a {kind}: [digest] period is {kind!r}",
                          f"give {other}, or set [digest] period")
    return period


@dataclass(frozen=True)
class Edition:
    period: Period
    number: int

    @property
    def monthly(self) -> bool:
        return isinstance(self.period, Month)

    @property
    def dateline(self) -> str:
        """As the LGA writes it: "April 2023 No.8"; weekly "Week 13, 27 March to 2 April 2023 No.8"."""
        if isinstance(self.period, Month):
            return f"{self.period.label()} No.{self.number}"
        return f"Week {self.period.week}, {self.period.label()} No.{self.number}"


def load_blocks(folder: Path | None, period: str) -> dict[str, Note]:
    """The editor's blocks for `period` that exist and are not empty, by name."""
    if folder is None:
        return {}
    found = {}
    for name in BLOCKS:
        note = load_note(folder / period, name)
        if note is None and name == "introduction":
            note = load_note(folder, period)
        if note is None and name in STANDING:
            note = load_note(folder, name)
        if note is not None:
            found[name] = note
    return found
