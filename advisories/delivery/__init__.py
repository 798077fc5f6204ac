"""Delivery: one-method transports that hand outbox rows (models.Outgoing) to the outside world.

A transport never raises for a message it could not send: it returns one DeliveryResult
per message, in input order, so the outbox can record sent / retry later / give up.
For email the envelope recipients are `item.to`: the outbox narrows it to those still waiting
for the message (after a partial delivery) while `raw` keeps the bytes, and so the To header,
intact. A post goes to the URL its `destination` names. Each channel (email, Teams, webhook)
is one module listed in `channels.CHANNELS`: it renders the neutral alert (notice.Notice) and
makes the transport. Email's transports: `smtp.SmtpTransport` (aiosmtplib) and
`files.FileTransport` (.eml files); posts go through `http.PostTransport`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from advisories.models import Outgoing

__all__ = ["DeliveryResult", "OnResult", "Refusal", "Transport"]


@dataclass(frozen=True, slots=True)
class Refusal:
    """One envelope recipient the server refused (RCPT TO), with its reply."""

    address: str
    code: int
    reply: str

    @property
    def retryable(self) -> bool:
        # 5xx is permanent; 4xx and anything odd is worth another try on a later run.
        return not 500 <= self.code < 600

    def __str__(self) -> str:
        return f"{self.address}: SMTP {self.code} {self.reply}"


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What happened to one message.

    `ok`: the server took the message for every envelope recipient not in `refused`.
    `refused` (email only): recipients refused one by one; each one's code says whether to try it again,
    while the recipients that accepted must never be sent it again.
    `retryable`: something is left to try on the next run: the whole message when not `ok`
    (4xx, refused or dropped connection; False for 5xx or a malformed message), or some
    recipients refused with a 4xx.
    `error`: one line for the run summary: the recipient domains (or, for refusals, the
    addresses in full) and the SMTP code.
    `raw`: the bytes that went out, set when recipients remain to be tried, so they later get
    exactly what the others got (same Date, To and Message-ID).
    `unknown`: the connection dropped or timed out after the whole message was sent, before the
    server's final reply: it may have been delivered or not. The outbox sends such a message at
    most once more, so a relay that is slow to answer gets at most one duplicate.
    `transport`: the fault lies with the connection (refused, TLS, login, a session refused),
    not with the message, which stays queued for when the fault clears.
    """

    key: str
    ok: bool
    retryable: bool = False
    error: str = ""
    refused: tuple[Refusal, ...] = ()
    raw: bytes | None = field(default=None, repr=False, compare=False)
    unknown: bool = False
    transport: bool = False


OnResult = Callable[[DeliveryResult], None]


class Transport(Protocol):
    def send(self, messages: Sequence[Outgoing], on_result: OnResult | None = None) -> list[DeliveryResult]:
        """Deliver `messages` (outbox rows of this transport's channel); return exactly one
        result per message, in the same order.

        `on_result` is called with each result as soon as it is known (in completion order),
        so the caller can record it before more messages go out.
        """
        ...
