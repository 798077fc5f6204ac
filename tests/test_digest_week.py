"""ISO weeks in London time: edges at local midnight, clock-change weeks, and parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from advisories.digest.content import week_advisories
from advisories.digest.send import due_week
from advisories.digest.week import IsoWeek, resolve_week
from advisories.errors import ConfigError
from advisories.models import Advisory

LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("moment", "week"),
    [
        # An ordinary week edge (GMT): Sunday 23:30 vs Monday 00:30.
        (london(2023, 3, 19, 23, 30), "2023-W11"),
        (london(2023, 3, 20, 0, 30), "2023-W12"),
        # Clocks go forward on Sunday 26 March 2023: Monday 00:30 BST is still Sunday in UTC.
        (london(2023, 3, 26, 23, 30), "2023-W12"),
        (london(2023, 3, 27, 0, 30), "2023-W13"),
        (datetime(2023, 3, 26, 23, 30, tzinfo=UTC), "2023-W13"),
        (datetime(2023, 3, 26, 22, 59, tzinfo=UTC), "2023-W12"),
        # Clocks go back on Sunday 29 October 2023: both 01:30s are in the same week.
        (london(2023, 10, 29, 1, 30), "2023-W43"),
        (london(2023, 10, 29, 1, 30).replace(fold=1), "2023-W43"),
        (london(2023, 10, 29, 23, 30), "2023-W43"),
        (london(2023, 10, 30, 0, 30), "2023-W44"),
        (datetime(2023, 10, 30, 0, 0, tzinfo=UTC), "2023-W44"),
        # ISO years: 1 January 2023 (a Sunday) is in 2022's week 52; 2020 had a week 53.
        (london(2023, 1, 1, 12, 0), "2022-W52"),
        (london(2020, 12, 31, 12, 0), "2020-W53"),
    ],
)
def test_a_moment_belongs_to_the_london_week_it_falls_in(moment: datetime, week: str) -> None:
    assert str(IsoWeek.containing(moment, LONDON)) == week
    assert IsoWeek.parse(week).contains(moment, LONDON)


def test_clock_change_weeks_are_167_and_169_hours_long() -> None:
    spring, autumn, plain = IsoWeek(2023, 12), IsoWeek(2023, 43), IsoWeek(2023, 13)
    assert spring.end(LONDON) - spring.start(LONDON) == timedelta(hours=167)
    assert autumn.end(LONDON) - autumn.start(LONDON) == timedelta(hours=169)
    assert plain.end(LONDON) - plain.start(LONDON) == timedelta(hours=168)
    assert plain.start(LONDON) == datetime(2023, 3, 26, 23, 0, tzinfo=UTC)  # 00:00 BST


def test_the_week_edges_are_exclusive_at_the_end() -> None:
    w13 = IsoWeek(2023, 13)
    assert w13.contains(london(2023, 3, 27, 0, 0), LONDON)
    assert not w13.contains(london(2023, 4, 3, 0, 0), LONDON)
    assert w13.contains(london(2023, 4, 2, 23, 59, 59), LONDON)


def test_an_advisory_uses_its_date_else_when_it_was_first_seen() -> None:
    dated = Advisory("a", "s", "dated", published=london(2023, 3, 26, 23, 30))  # W12
    undated = Advisory("b", "s", "undated")
    first_seen = {"a": london(2023, 3, 28, 9, 0), "b": london(2023, 3, 27, 0, 30)}
    found = week_advisories([dated, undated], first_seen, IsoWeek(2023, 13), LONDON)
    assert [a.id for a in found] == ["b"]


@pytest.mark.parametrize("text", ["2023-W13", "2023W13", "2023-w13", " 2023-W13 "])
def test_week_spellings(text: str) -> None:
    assert IsoWeek.parse(text) == IsoWeek(2023, 13)


@pytest.mark.parametrize("text", ["2023-13", "2023-W00", "2023-W53", "W13", "last week", ""])
def test_bad_weeks_are_config_errors_with_a_hint(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        IsoWeek.parse(text)
    assert "2023-W13" in caught.value.hint


def test_neighbours_and_labels_cross_years() -> None:
    assert IsoWeek(2021, 1).previous() == IsoWeek(2020, 53)
    assert IsoWeek(2020, 53).next() == IsoWeek(2021, 1)
    assert IsoWeek(2023, 13).label() == "27 March to 2 April 2023"
    assert IsoWeek(2023, 14).label() == "3 to 9 April 2023"
    assert IsoWeek(2020, 53).label() == "28 December 2020 to 3 January 2021"


def test_the_default_week_is_the_current_london_week() -> None:
    assert resolve_week(None, datetime(2023, 3, 26, 23, 30, tzinfo=UTC), LONDON) == IsoWeek(
        2023, 13)
    assert resolve_week("2023-W01", datetime(2023, 3, 26, tzinfo=UTC), LONDON) == IsoWeek(2023, 1)


@pytest.mark.parametrize(
    ("now", "week"),
    [
        (london(2023, 4, 3, 7, 59), "2023-W12"),  # before Monday's run: last run sent W12
        (london(2023, 4, 3, 8, 0), "2023-W13"),
        (london(2023, 4, 5, 12, 0), "2023-W13"),
        (london(2023, 4, 9, 23, 59), "2023-W13"),
    ],
)
def test_the_due_week_is_the_one_the_latest_scheduled_run_was_for(now: datetime,
                                                                  week: str) -> None:
    assert str(due_week(now, "mon 08:00", LONDON)) == week
