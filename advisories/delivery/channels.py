"""The channels an alert goes out on, one module each, and the one registry that lists them.

A channel renders the neutral messages (notice.Notice, an alert; notice.WithdrawalNotice, alerts
withdrawn because their CVEs were rejected) into outbox rows, one per destination, and makes the
transport that delivers those rows. A council hears a withdrawal on every channel it heard the
alert on. Adding one (Slack, say) is one new module
in this package with a `CHANNEL` that satisfies `Channel`, and its name as one line of
`CHANNEL_MODULES` below; feeds.toml, `advisories check`, the outbox and the run summary take
its kind from here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from advisories.delivery import Transport
from advisories.delivery.notice import Destination, Notice, WithdrawalNotice
from advisories.models import Message, Outgoing
from advisories.sources.fetch import FetchPolicy

if TYPE_CHECKING:
    from advisories.delivery.smtp import SmtpSettings


# A post's patience: short, since a channel that does not answer in seconds is tried next run.
POST_POLICY = FetchPolicy(timeout_s=10.0, total_s=30.0, retries=2, backoff_s=1.0, max_retry_after_s=60.0)


@dataclass(frozen=True)
class Setup:
    """What the channels need from the configuration, and nothing else of it."""

    sender: str
    outbox: Path  # .eml files when there is no SMTP relay
    smtp: SmtpSettings | None = None
    urls: Mapping[str, str] = field(default_factory=dict, repr=False)  # environment variable -> URL
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)  # environment variable -> secret
    http: FetchPolicy = POST_POLICY
    templates: Any = None  # the email's jinja2 Environment (render.environment), once per run
    clock: Callable[[], datetime] | None = None  # a webhook's timestamp; None: the real time


class Channel(Protocol):
    kind: str  # its name in feeds.toml (`webhooks = [{ kind = ... }]`) and in the outbox
    label: str  # for people: "Teams"

    def render(self, notice: Notice, setup: Setup) -> list[Message | Outgoing]:
        """The outbox rows of `notice` on this channel: one per destination of its kind."""
        ...

    def render_withdrawal(self, notice: WithdrawalNotice, setup: Setup) -> list[Message | Outgoing]:
        """The same for a withdrawal notice: the council can stand down, on this channel too."""
        ...

    def transport(self, setup: Setup) -> Transport: ...


def _registry(*channels: Channel) -> dict[str, Channel]:
    found: dict[str, Channel] = {}
    for channel in channels:
        if channel.kind in found:
            raise ValueError(f"two channels named {channel.kind!r}")
        found[channel.kind] = channel
    return found


# One line per channel module of this package, email first.
CHANNEL_MODULES: tuple[str, ...] = (
    "email",
    "teams",
    "webhook",
)


def _load() -> dict[str, Channel]:
    return _registry(*(importlib.import_module(f"advisories.delivery.{name}").CHANNEL for name in CHANNEL_MODULES))


_CHANNELS: dict[str, Channel] = {}


def channels() -> dict[str, Channel]:
    """kind -> channel, email first. Loaded on first use: the channel modules render and send."""
    if not _CHANNELS:
        _CHANNELS.update(_load())
    return _CHANNELS


def post_kinds() -> tuple[str, ...]:
    """The kinds a council lists under `webhooks`: every channel but email."""
    return tuple(kind for kind in channels() if kind != "email")


def label(kind: str) -> str:
    channel = channels().get(kind)
    return channel.label if channel else kind


class Addressed(Protocol):
    """What a post row needs of a notice, whichever kind it is."""

    @property
    def key(self) -> str: ...
    @property
    def council_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def destinations(self) -> tuple[Destination, ...]: ...


def post_rows(notice: Addressed, kind: str, body: Callable[[], bytes]) -> list[Message | Outgoing]:
    """The body `body()` builds as one row per destination of `kind` (none, and nothing built,
    when the council has no such destination): its key names the notice, the channel and the
    destination, so a run repeated never queues it twice (and a webhook's id is stable)."""
    mine = [d for d in notice.destinations if d.kind == kind]
    if not mine:
        return []
    raw = body()
    return [
        Outgoing(
            key=f"{notice.key}/{kind}/{d.url_env}",
            council_id=notice.council_id,
            channel=kind,
            destination=d.url_env,
            to=(d.url_env,),
            subject=notice.title,
            raw=raw,
            message_key=notice.key,
        )
        for d in mine
    ]


def render_notice(notice: Notice | WithdrawalNotice, setup: Setup) -> list[Message | Outgoing]:
    """The notice's outbox rows on every channel: its email, and a row per webhook destination."""
    if isinstance(notice, WithdrawalNotice):
        return [row for channel in channels().values() for row in channel.render_withdrawal(notice, setup)]
    return [row for channel in channels().values() for row in channel.render(notice, setup)]
