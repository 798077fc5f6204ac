"""The bulletin's edition numbers (table `editions`, migration 0008).

Free functions over a Store, as acks.py: the Store class does not grow for them.
"""

from __future__ import annotations

from datetime import datetime

from advisories.store import Store, _ts


def edition_number(store: Store, period: str) -> int | None:
    """The number `period` ("2023-04", "2023-W13") was given, if it was sent."""
    row = store.conn.execute("SELECT number FROM editions WHERE period = ?", (period,)).fetchone()
    return int(row[0]) if row else None


def next_edition(store: Store, first: int = 1) -> int:
    """The number the next new edition gets: one more than the last, or `first`."""
    (last,) = store.conn.execute("SELECT MAX(number) FROM editions").fetchone()
    return max(first, int(last) + 1) if last is not None else first


def number_edition(store: Store, period: str, *, first: int = 1, at: datetime) -> int:
    """Give `period` its number (once: a resend keeps it) and return it."""
    with store.transaction():
        known = edition_number(store, period)
        if known is not None:
            return known
        number = next_edition(store, first)
        store.conn.execute("INSERT INTO editions (period, number, numbered_at) VALUES (?, ?, ?)",
                           (period, number, _ts(at)))
    return number
