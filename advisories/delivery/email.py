"""The email channel: the jinja2 templates (render.py) to the council's recipients, through the
SMTP relay when [smtp] is configured, else as .eml files in the outbox folder."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from advisories.delivery import Transport
from advisories.delivery.channels import Setup
from advisories.delivery.mime import to_bytes
from advisories.delivery.notice import Notice, WithdrawalNotice
from advisories.models import Message, Outgoing

TEST_BANNER = "THIS IS A TEST sent with `advisories test-send`: it names no real advisory; no action is needed."
_BODY = re.compile(r"<body[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class EmailChannel:
    kind: str = "email"
    label: str = "email"

    def render(self, notice: Notice, setup: Setup) -> list[Message | Outgoing]:
        from advisories.render import environment, message_id, render_alert

        if not notice.alert.recipients:
            return []
        env = setup.templates or environment()
        message = render_alert(
            env, notice.alert, sender=setup.sender, context={"run_time": notice.run_time, **notice.email_context}
        )
        if notice.name:  # not the alert's own key (a test send): its own Message-ID too
            message = replace(message, key=notice.name, message_id=message_id(notice.name, setup.sender))
        if notice.test:
            message = marked(message)
        return [replace(message, raw=to_bytes(message, setup.sender))]

    def render_withdrawal(self, notice: WithdrawalNotice, setup: Setup) -> list[Message | Outgoing]:
        from advisories.render import environment, render_withdrawal

        if not notice.withdrawal.recipients:  # nobody to write to: no row that "goes" nowhere
            return []
        env = setup.templates or environment()
        message = render_withdrawal(env, notice.withdrawal, sender=setup.sender, context={"run_time": notice.run_time})
        return [replace(message, raw=to_bytes(message, setup.sender))]

    def transport(self, setup: Setup) -> Transport:
        if setup.smtp is None:
            from advisories.delivery.files import FileTransport

            return FileTransport(setup.outbox, sender=setup.sender)
        from advisories.delivery.smtp import SmtpTransport

        return SmtpTransport(setup.smtp)


def marked(message: Message) -> Message:
    """A test alert, said so in the subject and at the top of both parts."""
    html = message.html
    found = _BODY.search(html)
    banner = f'<p style="background:#fff3cd;padding:8px;font-weight:bold">{TEST_BANNER}</p>'
    html = html[: found.end()] + banner + html[found.end() :] if found else banner + html
    return replace(message, subject=f"[TEST] {message.subject}", text=f"{TEST_BANNER}\n\n{message.text}", html=html)


CHANNEL = EmailChannel()
