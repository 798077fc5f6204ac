"""Signed answer links: HMAC-SHA256 over a small JSON claim, expiry inside the claim.

A link is `{base_url}/ack/{claim}.{mac}` (both base64url, no padding). Everything the endpoint
needs to record an answer is in the claim, so there is no login and no per-link state: the
council, the exposure's alert key, the kind of answer, a digest of the alert signature it
answers (a link from an email since superseded by a re-alert is refused), the addresses the
email went to (who answered), and when the link expires. Pure: the key and the clock are given.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

KINDS = {
    "patched": "Patched",
    "not_affected": "Not affected here",
    "accepted": "Accept the risk until…",
    "wrong_match": "Wrong match",
}
_VERSION = 1
MAX_TOKEN = 2048  # a claim holds one key and a few addresses: far below this


class LinkError(Exception):
    """A link that must record nothing: `why` is "tampered" or "expired"."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class Claim:
    council_id: str
    key: str  # the exposure's alert key (alerts.alert_keys)
    kind: str  # one of KINDS
    signature: str  # signature_digest() of the alert signature the email told
    to: tuple[str, ...]  # the addresses the email was sent to
    expires: datetime

    def payload(self) -> bytes:
        return json.dumps({"v": _VERSION, "c": self.council_id, "k": self.key, "a": self.kind,
                           "s": self.signature, "t": list(self.to), "e": int(self.expires.timestamp())},
                          separators=(",", ":"), sort_keys=True).encode()


def signature_digest(signature: str) -> str:
    """A short digest of an alert signature: enough to tell one alert of an exposure from the next."""
    return hashlib.sha256(signature.encode()).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, body: str) -> bytes:
    return hmac.new(key, body.encode(), hashlib.sha256).digest()


def sign(claim: Claim, key: bytes) -> str:
    body = _b64(claim.payload())
    return f"{body}.{_b64(_mac(key, body))}"


def verify(token: str, keys: tuple[bytes, ...], at: datetime) -> Claim:
    """The claim of a token signed by any of `keys` (the current one first, then the previous
    one during a rotation), or LinkError. The MAC is checked before anything is parsed."""
    body, dot, mac = token.partition(".")
    if not dot or len(token) > MAX_TOKEN:
        raise LinkError("tampered")
    try:
        given = _unb64(mac)
    except (binascii.Error, ValueError):
        raise LinkError("tampered") from None
    if not any(hmac.compare_digest(_mac(k, body), given) for k in keys):
        raise LinkError("tampered")
    try:
        data = json.loads(_unb64(body))
        claim = Claim(str(data["c"]), str(data["k"]), str(data["a"]), str(data["s"]),
                      tuple(str(t) for t in data["t"]), datetime.fromtimestamp(int(data["e"]), UTC))
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise LinkError("tampered") from None  # signed by us but unreadable: treat as forged
    if data.get("v") != _VERSION or claim.kind not in KINDS:
        raise LinkError("tampered")
    if at >= claim.expires:
        raise LinkError("expired")
    return claim
