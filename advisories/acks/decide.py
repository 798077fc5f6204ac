"""What a council's answers do to its next alert. Pure: answers, the keys matched now and the clock in.

An answer holds while it is the latest for its exposure, was given to the alert signature still
recorded (a material change re-alerts, and the old answer no longer holds), was not told again
already, and, for an accepted risk, its date has not passed. While it holds, the exposure is
re-alerted only on a material change (alerts.material_change against the answered signature).
Two answers end in one more alert, once: an acceptance that has run out while the inventory
still shows the exposure, and "patched" contradicted by an inventory exported after the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from advisories.store import Store
from advisories.store.acks import Answer, latest

LABELS = {"patched": "patched", "not_affected": "not affected here", "accepted": "risk accepted",
          "wrong_match": "wrong match"}


@dataclass(frozen=True)
class Verdict:
    silenced: dict[str, str] = field(default_factory=dict)  # key -> the signature answered
    told_again: dict[str, str] = field(default_factory=dict)  # key -> why the council is told again
    reopened: tuple[tuple[int, str], ...] = ()  # (answer id, why) to record once the alert is queued


def holds(answer: Answer, today: date) -> bool:
    if answer.reopened_at is not None or answer.alerted_signature != answer.signature:
        return False
    return answer.kind != "accepted" or answer.until is None or today <= answer.until


def day(value: date | datetime, tz: ZoneInfo) -> str:
    local = value.astimezone(tz) if isinstance(value, datetime) else value
    return f"{local.day} {local:%B %Y}"


def decide(answers: Iterable[Answer], present: set[str], *, at: datetime, tz: ZoneInfo,
           inventory_at: datetime | None) -> Verdict:
    """`present`: every alert key matched this run; `inventory_at`: when the inventory read this
    run was written (its file's modification time), None if unknown."""
    today = at.astimezone(tz).date()
    verdict = Verdict()
    reopened = []
    for a in answers:
        if a.key not in present or a.reopened_at is not None or a.alerted_signature != a.signature:
            continue
        why = None
        if a.kind == "accepted" and a.until is not None and today > a.until:
            why = f"your acceptance of this risk ran until {day(a.until, tz)} and has expired"
        elif a.kind == "patched" and inventory_at is not None and inventory_at > a.answered_at:
            why = (f"you answered \"patched\" on {day(a.answered_at, tz)}, but your inventory of "
                   f"{day(inventory_at, tz)} still shows it")
        if why is None:
            verdict.silenced[a.key] = a.signature
        else:
            verdict.told_again[a.key] = why
            reopened.append((a.id, why))
    return Verdict(verdict.silenced, verdict.told_again, tuple(reopened))


def holding_answers(store: Store, at: datetime, tz: ZoneInfo, council_id: str | None = None) -> dict[str, str]:
    """Exposure key -> the kind of answer that holds now (for the bulletin and weekly summaries)."""
    today = at.astimezone(tz).date()
    return {a.key: a.kind for a in latest(store, council_id) if holds(a, today)}
