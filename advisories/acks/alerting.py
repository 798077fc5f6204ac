"""The run's side of answers: what they do to a council's alert, and the links the alert carries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from advisories.acks.decide import Verdict, decide
from advisories.acks.links import KINDS, Claim, sign, signature_digest
from advisories.acks.settings import WebConfig
from advisories.alerts import CouncilAlert, alert_keys, signature, told_key
from advisories.config import CouncilConfig
from advisories.models import Match
from advisories.store import Store
from advisories.store import acks as stored

AckLinks = Callable[[Match], list[tuple[str, str]]]


def verdict_for(store: Store, council: CouncilConfig, matches: list[Match], *, at: datetime, tz: ZoneInfo) -> Verdict:
    answers = stored.latest(store, council.id)
    if not answers:
        return Verdict()
    present = {k for m in matches for k in alert_keys(m)}
    return decide(answers, present, at=at, tz=tz, inventory_at=_modified(council))


def _modified(council: CouncilConfig) -> datetime | None:
    try:
        return datetime.fromtimestamp(council.inventory.stat().st_mtime, UTC)
    except OSError:
        return None


def link_context(web: WebConfig | None, alert: CouncilAlert, previous: dict[str, str], *,
                 at: datetime) -> dict[str, Any]:
    """`ack_links` for the alert templates: for each row, (label, signed url) per kind of answer.
    Nothing without [web] (or without a key, which `check` reports): the templates show no links."""
    if web is None or not web.keys:
        return {}
    expires = (at + timedelta(seconds=web.link_expiry_s)).replace(microsecond=0)
    told = dict(alert.keys)

    def ack_links(m: Match) -> list[tuple[str, str]]:
        key = told_key(m, previous)
        sig = told[key] if key in told else signature(m)  # told: the alert signed it already
        return [(label, web.link(sign(Claim(alert.council_id, key, kind, signature_digest(sig),
                                            alert.recipients, expires), web.keys[0])))
                for kind, label in KINDS.items()]

    return {"ack_links": ack_links}
