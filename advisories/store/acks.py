"""The answers councils give through the links in their alerts (table `acks`, migration 0007).

Free functions over a Store, so that the Store class does not grow: the SQL of answers is here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from advisories.store import Store, _dt, _ts


@dataclass(frozen=True)
class Told:
    """An alerted exposure, as an answer link names it."""

    key: str
    council_id: str
    advisory_id: str
    signature: str
    devices: int
    open: bool  # the latest inventory still shows it


@dataclass(frozen=True)
class Answer:
    id: int
    council_id: str
    key: str
    advisory_id: str
    kind: str
    reason: str | None
    until: date | None  # accepted: the last day the acceptance covers
    sent_to: str
    signature: str  # the alert signature answered
    answered_at: datetime
    reopened_at: datetime | None
    reopened_why: str | None
    alerted_signature: str | None  # the exposure's signature now (None: no longer recorded)
    exposure_open: bool


_COLUMNS = ("a.id, a.council_id, a.key, a.advisory_id, a.kind, a.reason, a.until, a.sent_to, a.signature,"
            " a.answered_at, a.reopened_at, a.reopened_why, e.signature, e.remediated_at IS NULL")
# The latest answer per exposure: a later answer replaces an earlier one.
_LATEST = ("SELECT " + _COLUMNS + " FROM acks a LEFT JOIN alerted e ON e.key = a.key"
           " WHERE a.id = (SELECT MAX(b.id) FROM acks b WHERE b.key = a.key AND b.council_id = a.council_id)")


def _answer(r: tuple) -> Answer:
    return Answer(r[0], r[1], r[2], r[3], r[4], r[5], date.fromisoformat(r[6]) if r[6] else None, r[7], r[8],
                  datetime.fromisoformat(r[9]), _dt(r[10]), r[11], r[12], bool(r[13]))


def told(store: Store, council_id: str, key: str) -> Told | None:
    row = store.conn.execute(
        "SELECT key, council_id, advisory_id, signature, devices, remediated_at IS NULL FROM alerted"
        " WHERE council_id = ? AND key = ?", (council_id, key)).fetchone()
    return Told(row[0], row[1], row[2], row[3], row[4], bool(row[5])) if row else None


def record(store: Store, exposure: Told, *, kind: str, reason: str | None, until: date | None,
           sent_to: str, at: datetime) -> Answer:
    with store.transaction():
        cursor = store.conn.execute(
            "INSERT INTO acks (council_id, key, advisory_id, kind, reason, until, sent_to, signature, answered_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (exposure.council_id, exposure.key, exposure.advisory_id, kind, reason,
             until.isoformat() if until else None, sent_to, exposure.signature, _ts(at)))
        row = store.conn.execute("SELECT " + _COLUMNS + " FROM acks a LEFT JOIN alerted e ON e.key = a.key"
                                 " WHERE a.id = ?", (cursor.lastrowid,)).fetchone()
    return _answer(row)


def latest(store: Store, council_id: str | None = None) -> list[Answer]:
    """The latest answer to each exposure (of one council, or of all)."""
    if council_id is None:
        rows = store.conn.execute(_LATEST + " ORDER BY a.id")
    else:
        rows = store.conn.execute(_LATEST + " AND a.council_id = ? ORDER BY a.id", (council_id,))
    return [_answer(r) for r in rows]


def reopen(store: Store, reasons: Iterable[tuple[int, str]], *, at: datetime) -> None:
    """These answers were told again (once): they no longer silence anything."""
    with store.transaction():
        for answer_id, why in reasons:
            store.conn.execute("UPDATE acks SET reopened_at = ?, reopened_why = ? WHERE id = ? AND reopened_at IS NULL",
                               (_ts(at), why, answer_id))
