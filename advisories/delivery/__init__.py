"""Delivery: one-method transports that hand rendered Messages to the outside world.

A transport never raises for a message it could not send: it returns one DeliveryResult
per message, in input order, so the outbox can record sent / retry later / give up.
Implementations: `smtp.SmtpTransport` (aiosmtplib) and `files.FileTransport` (.eml files).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from advisories.models import Message

__all__ = ["DeliveryResult", "OnResult", "Transport"]


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What happened to one message.

    `retryable` only matters when `ok` is False: True keeps the message queued for the next
    run (4xx, refused or dropped connection), False gives up (5xx, malformed message).
    `error` is one line for the run summary, naming the recipient domain and the SMTP code;
    it may also be set when `ok` is True, e.g. some recipients refused while others accepted.
    """

    key: str
    ok: bool
    retryable: bool = False
    error: str = ""


OnResult = Callable[[DeliveryResult], None]


class Transport(Protocol):
    def send(self, messages: Sequence[Message], on_result: OnResult | None = None) -> list[DeliveryResult]:
        """Deliver `messages`; return exactly one result per message, in the same order.

        `on_result` is called with each result as soon as it is known (in completion order),
        so the caller can record it before more messages go out.
        """
        ...
