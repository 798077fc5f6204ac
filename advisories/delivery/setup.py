"""The configuration, read once for delivery: what each channel needs (channels.Setup), and
the transports. The one delivery module that knows Config, so the channels and the outbox
do not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from advisories.config import Config
from advisories.delivery import Transport
from advisories.delivery.channels import Setup, channels


def setup_for(config: Config, *, templates: Any = None, clock: Callable[[], datetime] | None = None) -> Setup:
    smtp = None
    if config.smtp is not None:
        from advisories.delivery.smtp import SmtpSettings

        s = config.smtp
        smtp = SmtpSettings(
            host=s.host,
            port=s.port,
            security=s.security,  # type: ignore[arg-type]
            username=s.username,
            password=s.password,
            sender=config.sender,  # [smtp] from, else [settings] from
            timeout_s=s.timeout_s,
            data_timeout_s=s.data_timeout_s,
            max_connections=s.max_connections,
            ca_file=s.ca_file,
        )
    return Setup(
        sender=config.sender,
        outbox=config.outbox,
        smtp=smtp,
        urls=config.channel_urls,
        secrets=config.channel_secrets,
        templates=templates,
        clock=clock,
    )


def transports_for(setup: Setup) -> dict[str, Transport]:
    """kind -> its transport, for every channel."""
    return {kind: channel.transport(setup) for kind, channel in channels().items()}


def transport_for(config: Config) -> Transport:
    """Email's: SMTP when [smtp] is configured, else .eml files in the outbox folder."""
    return channels()["email"].transport(setup_for(config))
