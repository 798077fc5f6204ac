"""The outbox stage: take queued messages from the store, hand them to a transport, record each.

A message is marked sent only after the transport accepted it, so a crash in between can cause
one duplicate at most, never a loss. Retryable failures stay queued for the next run.
Outcomes are kept per recipient: a message some recipients accepted goes on later runs only
to those that refused it with a 4xx, as the same bytes (same Message-ID).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from advisories.config import Config
from advisories.delivery import DeliveryResult, Transport
from advisories.models import Message
from advisories.store import Attempt, Store, now


class DeliveryTally(Protocol):
    emails_sent: int  # messages now delivered to every recipient
    emails_retrying: list[str]  # still queued, for all or some recipients
    emails_failed: list[str]  # refused for good, by the server or by some recipients


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
) -> None:
    queued: dict[str, Message] = {}
    envelopes: dict[str, tuple[str, ...]] = {}
    outgoing: list[Message] = []
    for message, pending in store.queued_for():
        queued[message.key] = message
        if pending:
            # The envelope is who is still waiting; the stored bytes keep the To header whole.
            envelopes[message.key] = pending
            outgoing.append(message if pending == message.to else replace(message, to=pending))
        else:  # re-addressed by `outbox --retry` to recipients that all have it already
            store.record_attempt(message.key, retry=False, at=clock())

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
            at=clock(),
        )
        _tally(tally, message, attempt)

    if outgoing:
        transport.send(outgoing, on_result=record)


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
    else:
        tally.emails_failed.append(
            f"{where}: {why}; not retried (fix it, then `advisories outbox --retry`)"
        )
