"""The operator's notices: one email when trouble starts, one when it clears, never one per run.

Troubles come from health.troubles (stale feeds and stages, messages failed, held or stuck);
the store remembers which were told, so a feed that stays down is told about once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from advisories.config import Config
from advisories.delivery.mime import list_id
from advisories.health import troubles
from advisories.models import Message
from advisories.render import environment, message_id
from advisories.sanitise import clean_header_text
from advisories.store import Store

OPERATOR_ID = "operator"  # reserved: no council may use it (config.RESERVED_COUNCIL_IDS)


def queue_notice(config: Config, store: Store, at: datetime) -> Message | None:
    """Record what is wrong now; queue one notice of what started and what cleared since the
    last notice, when there is any and `[operator] recipients` is set."""
    new, cleared = store.update_troubles(troubles(config, store, at), at=at)
    if not config.operator.recipients or not (new or cleared):
        return None
    message = notice(config, sorted(new.values()), sorted(cleared.values()), at)
    store.queue(message, [], at=at)
    return message


def notice(config: Config, new: list[str], cleared: list[str], at: datetime) -> Message:
    env = environment(config.templates)
    data = {"new": new, "cleared": cleared, "run_time": f"{at:%Y-%m-%d %H:%M} UTC", "config": str(config.path)}
    digest = hashlib.sha256("\n".join(["+", *new, "-", *cleared]).encode()).hexdigest()[:16]
    key = f"{OPERATOR_ID}:{at:%Y%m%dT%H%M%S}:{digest}"
    return Message(
        key=key,
        council_id=OPERATOR_ID,
        to=config.operator.recipients,
        subject=clean_header_text(env.get_template("operator.subject.txt").render(data), max_chars=200),
        text=env.get_template("operator.txt").render(data),
        html=env.get_template("operator.html").render(data),
        message_id=message_id(key, config.sender),
        headers=(("List-Id", list_id(OPERATOR_ID)),),
    )
