"""The outbox stage: take queued rows from the store, hand each to its channel's transport,
record each outcome.

A row is marked sent only after the transport accepted it, so a crash in between can cause
one duplicate at most, never a loss. Retryable failures stay queued for the next run.
Outcomes are kept per row (an alert's email, each Teams channel, each webhook: one that went is
never sent again while another is retried) and, for email, per recipient: a message some
recipients accepted goes on later runs only to those that refused it with a 4xx, as the same
bytes (same Message-ID). Rows are read from the store a batch at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from advisories.delivery import DeliveryResult, Transport
from advisories.delivery.channels import label
from advisories.models import Outgoing
from advisories.store import Attempt, OutboxEntry, Store, now
from advisories.store.lock import exclusive

BATCH = 100  # rows read and handed to a transport at a time


class DeliveryTally(Protocol):
    emails_sent: int  # emails now delivered to every recipient
    emails_retrying: list[str]  # still queued (any channel), for all or some recipients
    emails_failed: list[str]  # refused for good, by the server or by some recipients
    emails_held: list[str]  # no final reply twice: may have been delivered; the operator decides
    by_channel: dict[str, dict[str, int]]  # channel -> outcome ("sent", "retrying", ...) -> rows


Transports = Transport | Mapping[str, Transport]  # one Transport alone: email's


def deliver_queued(
    store: Store,
    transports: Transports,
    tally: DeliveryTally,
    *,
    clock: Callable[[], datetime] = now,
    only: set[str] | None = None,
) -> Delivered:
    """Send what is queued (`only`: just these keys) and record each outcome. One sender at a
    time per state file (the delivery lock), or the same queued message could go twice."""
    by_kind = transports if isinstance(transports, Mapping) else {"email": transports}
    with exclusive(store.path, kind="deliver") if store.path is not None else nullcontext():
        return _Run(store, by_kind, tally, clock).deliver(only)


@dataclass(frozen=True)
class Delivered:
    tried: set[str]  # the keys of the rows handed to a transport
    transport_fault: str | None  # the relay could not be used (refused, TLS, login): why


class _Run:
    def __init__(
        self, store: Store, transports: Mapping[str, Transport], tally: DeliveryTally, clock: Callable[[], datetime]
    ) -> None:
        self.store, self.transports, self.tally, self.clock = store, transports, tally, clock
        self.tried: set[str] = set()
        self.faults: dict[str, int] = {}  # a relay's fault -> rows it kept queued
        self.broken: set[str] = set()  # channels whose transport failed this run: not tried again

    def deliver(self, only: set[str] | None) -> Delivered:
        for batch in self.store.queued_rows(batch=BATCH, only=only):
            by_kind: dict[str, list[Outgoing]] = {}
            for item in batch:
                by_kind.setdefault(item.channel, []).append(item)
            for kind, items in by_kind.items():
                transport = self.transports.get(kind)
                if transport is not None and kind not in self.broken:
                    self._send(transport, items)
        for error, count in self.faults.items():
            self.tally.emails_retrying.append(f"{count} message(s) kept queued, to go out once this is fixed: {error}")
        return Delivered(self.tried, next(iter(self.faults), None))

    def _send(self, transport: Transport, items: list[Outgoing]) -> None:
        envelopes = {item.key: item for item in items}
        outgoing = []
        for item in items:
            self.tried.add(item.key)
            if item.to:
                outgoing.append(item)
            else:  # re-addressed by `outbox --retry` to recipients that all have it already
                self.store.record_attempt(item.key, retry=False, at=self.clock())

        def record(result: DeliveryResult) -> None:
            item = envelopes[result.key]
            refused = {r.address for r in result.refused}
            attempt = self.store.record_attempt(
                item.key,
                accepted=[a for a in item.to if a not in refused] if result.ok else (),
                refused=[r.address for r in result.refused if not r.retryable],
                # Per-recipient refusals decide for themselves; otherwise the whole message.
                retry=result.retryable,
                error=result.error,
                raw=result.raw,
                unknown=result.unknown,
                at=self.clock(),
            )
            if result.transport and attempt.state == "queued":
                # One fault of the relay (a wrong password, a refused connection) is one line,
                # not one per council; and the rest of its queue waits for the next run.
                self.faults[result.error] = self.faults.get(result.error, 0) + 1
                self.broken.add(item.channel)
            else:
                _tally(self.tally, item, attempt)

        if outgoing:
            transport.send(outgoing, on_result=record)


def trouble_line(entry: OutboxEntry, at: datetime) -> str:
    """One line for a message waiting on the operator: whose, to whom, what, how long, why."""
    item = entry.item
    waiting = ", ".join(entry.pending or entry.refused_to or item.to)
    if item.channel != "email":
        waiting = f"{label(item.channel)} {waiting}"
    what = {"queued": "still queued", "held": "held (may have been delivered)"}.get(entry.state, entry.state)
    since = entry.created_at or at
    return (
        f"{item.council_id} ({waiting}): {what} for {age(at - since)}, {entry.attempts} attempt(s)"
        f": {entry.last_error or 'not tried yet'} [{item.key}]"
    )


def age(span: timedelta) -> str:
    minutes = max(0, int(span.total_seconds() // 60))
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {mins}m" if hours else f"{mins}m"


def _tally(tally: DeliveryTally, item: Outgoing, attempt: Attempt) -> None:
    outcome = {"sent": "sent", "queued": "retrying"}.get(attempt.state, attempt.state)
    counts = tally.by_channel.setdefault(item.channel, {})
    counts[outcome] = counts.get(outcome, 0) + 1
    if attempt.state == "sent":
        if item.channel == "email":
            tally.emails_sent += 1
        return
    where = (
        f"{item.council_id} ({', '.join(item.to)})"
        if item.channel == "email"
        else f"{item.council_id} ({label(item.channel)} {item.destination})"
    )
    why = attempt.last_error or "not delivered"
    # Named in full, so the operator knows exactly who has the alert and who has not.
    if attempt.delivered_to and item.channel == "email":
        why += f"; delivered to {', '.join(attempt.delivered_to)}"
    if attempt.state == "queued":
        only = f" (for {', '.join(attempt.pending)} only)" if attempt.delivered_to else ""
        tally.emails_retrying.append(f"{where}: {why}; kept for the next run{only}")
    elif attempt.state == "held":
        asked = "relay" if item.channel == "email" else "receiver"
        tally.emails_held.append(
            f"{where}: {why}, twice; held, not sent again (ask the {asked}'s operator whether it was "
            "delivered; to send it once more: `advisories outbox --retry`)"
        )
    else:
        tally.emails_failed.append(f"{where}: {why}; not retried (fix it, then `advisories outbox --retry`)")
