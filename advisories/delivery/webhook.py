"""The webhook channel: a versioned JSON document per alert ("schema": "advisories.alert/1")
and per withdrawal ("schema": "advisories.withdrawal/1": alerts sent through CVEs since
rejected, no action needed), signed per the Standard Webhooks specification
(https://www.standardwebhooks.com/), for a service desk or SOAR tool.

Headers: `webhook-id` is the outbox row's key, the same on every retry, so a receiver drops a
duplicate; `webhook-timestamp` the seconds since the epoch when this attempt was sent;
`webhook-signature` "v1," + base64 HMAC-SHA256 over "id.timestamp.body", keyed with the
secret's bytes (a "whsec_" secret: base64 after the prefix). The README documents the document.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from advisories.delivery import Transport
from advisories.delivery.channels import Setup, post_rows
from advisories.delivery.http import PostTransport
from advisories.delivery.notice import Item, Notice, Rejected, WithdrawalNotice, items, rejected
from advisories.models import Message, Outgoing

SCHEMA = "advisories.alert/1"
WITHDRAWAL_SCHEMA = "advisories.withdrawal/1"
PREFIX = "whsec_"


def document(notice: Notice) -> dict[str, Any]:
    a = notice.alert
    return {
        "schema": SCHEMA,
        "test": notice.test,
        "message": notice.key,  # the same on every channel: an email, a card and this tell one alert
        "council": {"id": a.council_id, "name": a.council_name},
        "created": notice.run_time,
        "update": a.is_update,
        "advisories": [_advisory(i) for i in items(notice)],
    }


def _advisory(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "severity": item.severity,
        "exploited": item.exploited,
        "kev_due_date": item.kev_due.isoformat() if item.kev_due else None,
        "cves": list(item.cves),
        "why": item.why,
        "action": item.action,
        "links": list(item.links),
        "thread": item.thread,
        "update": item.update,
        "changes": list(item.changes),
        "devices": item.devices,
        "rows": [
            {
                "product": r.product,
                "vendor": r.vendor,
                "version": r.version,
                "platform": r.platform,
                "devices": r.devices,
                "status": r.status,
                "hosts": list(r.hosts),
            }
            for r in item.rows
        ],
    }


def withdrawal_document(notice: WithdrawalNotice) -> dict[str, Any]:
    w = notice.withdrawal
    return {
        "schema": WITHDRAWAL_SCHEMA,
        "message": notice.key,  # the same on every channel: its email, card and this tell one withdrawal
        "council": {"id": w.council_id, "name": w.council_name},
        "created": notice.run_time,
        "withdrawn": [_rejected(r) for r in rejected(notice)],
    }


def _rejected(found: Rejected) -> dict[str, Any]:
    return {
        "cve": found.cve,
        "reason": found.reason,
        "devices": found.devices,
        "rows": [
            {
                "product": r.product,
                "version": r.version,
                "platform": r.platform,
                "devices": r.devices,
                "first_alerted": r.first_alerted_on.isoformat() if r.first_alerted_on else None,
            }
            for r in found.rows
        ],
    }


def encode(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def secret_key(secret: str) -> bytes:
    """The signing key of a "whsec_…" secret; ValueError when it is not one."""
    if not secret.startswith(PREFIX):
        raise ValueError(f"a Standard Webhooks secret starts {PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(PREFIX) :], validate=True)
    except binascii.Error:
        raise ValueError(f"the part after {PREFIX!r} is not base64") from None
    if len(key) < 24:
        raise ValueError("the key is shorter than 24 bytes (use 32 random bytes, base64)")
    return key


def signature(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


def signed_headers(
    secrets: Mapping[str, str], clock: Callable[[], datetime] | None
) -> Callable[[Outgoing, bytes], Mapping[str, str]]:
    def headers(item: Outgoing, body: bytes) -> Mapping[str, str]:
        timestamp = int((clock() if clock else datetime.now(UTC)).timestamp())
        found = {"webhook-id": item.key, "webhook-timestamp": str(timestamp)}
        secret = secrets.get(item.destination)
        if secret:
            found["webhook-signature"] = signature(secret_key(secret), item.key, timestamp, body)
        return found

    return headers


@dataclass(frozen=True)
class WebhookChannel:
    kind: str = "webhook"
    label: str = "webhook"

    def render(self, notice: Notice, setup: Setup) -> list[Message | Outgoing]:
        return post_rows(notice, self.kind, lambda: encode(document(notice)))

    def render_withdrawal(self, notice: WithdrawalNotice, setup: Setup) -> list[Message | Outgoing]:
        return post_rows(notice, self.kind, lambda: encode(withdrawal_document(notice)))

    def transport(self, setup: Setup) -> Transport:
        # The secret per destination: the URL's environment variable -> its secret's value.
        return PostTransport(self.label, setup.urls, setup.http, headers=signed_headers(setup.secrets, setup.clock))


CHANNEL = WebhookChannel()
