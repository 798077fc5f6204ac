"""The outbox stage: take queued messages from the store, hand them to a transport, record each.

A message is marked sent only after the transport accepted it, so a crash in between can cause
one duplicate at most, never a loss. Retryable failures stay queued for the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from advisories.config import Config
from advisories.delivery import DeliveryResult, Transport
from advisories.store import Store, now


class DeliveryTally(Protocol):
    emails_sent: int
    emails_partial: list[str]
    emails_retrying: list[str]
    emails_failed: list[str]


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
            sender=smtp.sender,
            timeout_s=smtp.timeout_s,
            max_connections=smtp.max_connections,
        )
    )


def deliver_queued(
    store: Store,
    transport: Transport,
    tally: DeliveryTally,
    *,
    clock: Callable[[], datetime] = now,
) -> None:
    queued = {m.key: m for m in store.queued()}

    def record(result: DeliveryResult) -> None:
        message = queued[result.key]
        where = f"{message.council_id} ({', '.join(message.to)})"
        if result.ok:
            store.mark_sent(message.key, at=clock())
            tally.emails_sent += 1
            if result.error:  # accepted for some recipients, refused for others: not resent,
                # which would duplicate it for the others, but shown, and the run is not "ok"
                tally.emails_partial.append(f"{where}: {result.error}")
        elif result.retryable:
            store.mark_failed(message.key, result.error, retryable=True)
            tally.emails_retrying.append(f"{where}: {result.error}; kept for the next run")
        else:
            store.mark_failed(message.key, result.error, retryable=False)
            tally.emails_failed.append(
                f"{where}: {result.error}; not retried (fix it, then `advisories outbox --retry`)"
            )

    if queued:
        transport.send(list(queued.values()), on_result=record)
