"""The outbox stage: take queued messages from the store, hand them to a transport, record each.

A message is marked sent only after the transport accepted it, so a crash in between can cause
one duplicate at most, never a loss. Retryable failures stay queued for the next run.
Outcomes are kept per recipient: a message some recipients accepted goes on later runs only
to those that refused it with a 4xx, as the same bytes (same Message-ID).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from advisories.config import Config
from advisories.delivery import DeliveryResult, Transport
from advisories.models import Message
from advisories.store import Attempt, OutboxEntry, Store, now
from advisories.store.lock import exclusive


class DeliveryTally(Protocol):
    emails_sent: int  # messages now delivered to every recipient
    emails_retrying: list[str]  # still queued, for all or some recipients
    emails_failed: list[str]  # refused for good, by the server or by some recipients
    emails_held: list[str]  # no final reply twice: may have been delivered; the operator decides


def transport_for(config: Config) -> Transport:
    """SMTP when [smtp] is configured, else .eml files in the outbox folder."""
    if config.smtp is None:
        from advisories.delivery.files import FileTransport

        return FileTransport(config.outbox, sender=config.sender)
    from advisories.delivery.smtp import SmtpSettings, SmtpTransport

    smtp = config.smtp
    return SmtpTransport(
        SmtpSettings(
            host=smtp.host,
            port=smtp.port,
            security=smtp.security,  # type: ignore[arg-type]
            username=smtp.username,
            password=smtp.password,
            sender=config.sender,  # [smtp] from, else [settings] from
            timeout_s=smtp.timeout_s,
            data_timeout_s=smtp.data_timeout_s,
            max_connections=smtp.max_connections,
            ca_file=smtp.ca_file,
        )
    )


def deliver_queued(
    store: Store,
    transport: Transport,
    tally: DeliveryTally,
    *,
    clock: Callable[[], datetime] = now,
    only: set[str] | None = None,
) -> Delivered:
    """Send what is queued (`only`: just these keys) and record each outcome. One sender at a
    time per state file (the delivery lock), or the same queued message could go twice."""
    with exclusive(store.path, kind="deliver") if store.path is not None else nullcontext():
        return _deliver(store, transport, tally, clock, only)


def _deliver(store: Store, transport: Transport, tally: DeliveryTally, clock: Callable[[], datetime],
             only: set[str] | None) -> Delivered:
    queued: dict[str, Message] = {}
    envelopes: dict[str, tuple[str, ...]] = {}
    outgoing: list[Message] = []
    for message, pending in store.queued_for():
        if only is not None and message.key not in only:
            continue
        queued[message.key] = message
        if pending:
            # The envelope is who is still waiting; the stored bytes keep the To header whole.
            envelopes[message.key] = pending
            outgoing.append(message if pending == message.to else replace(message, to=pending))
        else:  # re-addressed by `outbox --retry` to recipients that all have it already
            store.record_attempt(message.key, retry=False, at=clock())

    transport_faults: dict[str, int] = {}

    def record(result: DeliveryResult) -> None:
        message = queued[result.key]
        refused = {r.address for r in result.refused}
        attempt = store.record_attempt(
            message.key,
            accepted=[a for a in envelopes[message.key] if a not in refused] if result.ok else (),
            refused=[r.address for r in result.refused if not r.retryable],
            # Per-recipient refusals decide for themselves; otherwise the whole message.
            retry=result.retryable,
            error=result.error,
            raw=result.raw,
            unknown=result.unknown,
            at=clock(),
        )
        if result.transport and attempt.state == "queued":
            # One fault of the relay (a wrong password, a refused connection) is one line,
            # not one per council.
            transport_faults[result.error] = transport_faults.get(result.error, 0) + 1
        else:
            _tally(tally, message, attempt)

    if outgoing:
        transport.send(outgoing, on_result=record)
    for error, count in transport_faults.items():
        tally.emails_retrying.append(f"{count} message(s) kept queued, to go out once this is fixed: {error}")
    return Delivered(set(queued), next(iter(transport_faults), None))


@dataclass(frozen=True)
class Delivered:
    tried: set[str]  # the keys of the messages handed to the transport
    transport_fault: str | None  # the relay could not be used (refused, TLS, login): why


def trouble_line(entry: OutboxEntry, at: datetime) -> str:
    """One line for a message waiting on the operator: whose, to whom, what, how long, why."""
    message = entry.message
    waiting = ", ".join(entry.pending or entry.refused_to or message.to)
    what = {"queued": "still queued", "held": "held (may have been delivered)"}.get(entry.state, entry.state)
    since = entry.created_at or at
    return (f"{message.council_id} ({waiting}): {what} for {age(at - since)}, {entry.attempts} attempt(s)"
            f": {entry.last_error or 'not tried yet'} [{message.key}]")


def age(span: timedelta) -> str:
    minutes = max(0, int(span.total_seconds() // 60))
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {mins}m" if hours else f"{mins}m"


def _tally(tally: DeliveryTally, message: Message, attempt: Attempt) -> None:
    if attempt.state == "sent":
        tally.emails_sent += 1
        return
    where = f"{message.council_id} ({', '.join(message.to)})"
    why = attempt.last_error or "not delivered"
    # Named in full, so the operator knows exactly who has the alert and who has not.
    if attempt.delivered_to:
        why += f"; delivered to {', '.join(attempt.delivered_to)}"
    if attempt.state == "queued":
        only = f" (for {', '.join(attempt.pending)} only)" if attempt.delivered_to else ""
        tally.emails_retrying.append(f"{where}: {why}; kept for the next run{only}")
    elif attempt.state == "held":
        tally.emails_held.append(
            f"{where}: {why}, twice; held, not sent again (ask the relay's operator whether it was "
            "delivered; to send it once more: `advisories outbox --retry`)")
    else:
        tally.emails_failed.append(
            f"{where}: {why}; not retried (fix it, then `advisories outbox --retry`)"
        )
