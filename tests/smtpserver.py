"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, port 0, in its own thread.

    with SmtpServer() as server:                    # plain SMTP
        server.handler.fail_next(1, "451 4.3.0 Try again later")
        server.handler.refuse("@bad.example", "550 5.1.1 No such user")   # .accept() undoes it
        server.handler.reply_late(1, 2.0)           # kept, but "250" only after 2 s
        ... send to ("127.0.0.1", server.port) ...
        server.handler.messages                     # what was accepted, in order
        server.handler.connections, .peak           # TCP sessions seen, most at once

    cert, key = write_server_certificate(tmp_path)  # self-signed, from tests/certificates.py
    with SmtpServer(tls=(cert, key), starttls=True, auth=("user", "secret")): ...

Failure injection is per message, so tests can check that one refusal does not stop the rest.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = [
    "Handler",
    "Received",
    "SmtpServer",
    "client_tls_context",
]


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    def parsed(self) -> EmailMessage:
        message = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class Handler:
    """aiosmtpd handler that records messages and answers as the test tells it to.

    `latency_s` delays every EHLO, which models the round trips a real relay costs per
    connection (TCP + greeting + EHLO) and makes overlapping connections observable.
    """

    latency_s: float = 0.0
    messages: list[Received] = field(default_factory=list)
    connections: int = 0
    active: int = 0
    peak: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)  # (mechanism, user)
    counting: bool = False  # off while the Controller pokes its own server at start-up
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _data_replies: list[str] = field(default_factory=list)
    _refusals: dict[str, str] = field(default_factory=dict)
    _drops: int = 0
    _slow_replies: list[float] = field(default_factory=list)
    _credentials: tuple[bytes, bytes] | None = None  # (user, password) once AUTH is on

    def fail_next(self, count: int, reply: str = "451 4.3.0 Try again later") -> None:
        """Answer the DATA of the next `count` messages with `reply` (message not kept)."""
        with self._lock:
            self._data_replies.extend([reply] * count)

    def refuse(self, who: str, reply: str = "550 5.1.1 No such user") -> None:
        """Answer RCPT TO for `who` (an address, or "@domain") with `reply`."""
        self._refusals[who.lower()] = reply

    def accept(self, who: str) -> None:
        """Stop refusing `who`: the mailbox is back (a 4xx was temporary, or a 5xx was fixed)."""
        self._refusals.pop(who.lower(), None)

    def drop_next(self, count: int = 1) -> None:
        """Hang up, without a reply, after receiving the next `count` messages' data."""
        with self._lock:
            self._drops += count

    def reply_late(self, count: int, delay_s: float) -> None:
        """Keep the next `count` messages (they count as received) but send the final "250"
        only after `delay_s`: a relay that scans mail before it answers, or hangs."""
        with self._lock:
            self._slow_replies.extend([delay_s] * count)

    def opened(self) -> bool:
        with self._lock:
            if not self.counting:
                return False
            self.connections += 1
            self.active += 1
            self.peak = max(self.peak, self.active)
            return True

    def closed(self) -> None:
        with self._lock:
            self.active -= 1

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list
    ) -> list[str]:
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        session.host_name = hostname  # the 5-argument hook must record it itself
        return responses

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        lowered = address.lower()
        reply = self._refusals.get(lowered) or self._refusals.get("@" + lowered.rpartition("@")[2])
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            reply = self._data_replies.pop(0) if self._data_replies else None
            drop = self._drops > 0
            if drop:
                self._drops -= 1
        if drop:
            assert server.transport is not None
            server.transport.close()
            return "250 OK (never seen: the connection is gone)"
        if reply:
            return reply
        assert isinstance(envelope.original_content, bytes) and envelope.mail_from
        received = Received(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content)
        with self._lock:
            self.messages.append(received)
            delay = self._slow_replies.pop(0) if self._slow_replies else 0.0
        if delay:
            await asyncio.sleep(delay)
        return "250 2.0.0 OK queued"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self._credentials == (data.login, data.password)
        if ok:
            self.logins.append((mechanism, data.login.decode()))
        # handled=False makes aiosmtpd answer the standard "535 5.7.8" on failure.
        return AuthResult(success=ok, handled=False)


class _CountingSMTP(SMTP):
    """Tells the handler when a TCP session starts and ends (STARTTLS is not a new one)."""

    _counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        first = self.transport is None  # STARTTLS calls this again on the same session
        super().connection_made(transport)
        if first:
            self._counted = self.event_handler.opened()

    def connection_lost(self, error: Exception | None) -> None:
        super().connection_lost(error)
        if self._counted:
            self._counted = False
            self.event_handler.closed()


class _Controller(Controller):
    auth_over_implicit_tls = False

    def factory(self) -> SMTP:
        smtp = _CountingSMTP(self.handler, **self.SMTP_kwargs)
        if self.auth_over_implicit_tls:
            # aiosmtpd only counts STARTTLS as encryption, and asking it for AUTH without TLS
            # warns (an error under pytest). The session is TLS from the first byte, so
            # allow AUTH on this instance directly.
            smtp._auth_require_tls = False
        return smtp

    def _trigger_server(self) -> None:
        # Bound to port 0: learn the real port before the base class connects to it.
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    """Start on __enter__, stop on __exit__. `tls`=(cert, key) enables STARTTLS or, with
    `implicit_tls`, TLS from the first byte; `auth`=(user, password) requires AUTH."""

    host = "127.0.0.1"

    def __init__(
        self,
        handler: Handler | None = None,
        *,
        tls: tuple[Path, Path] | None = None,
        implicit_tls: bool = False,
        auth: tuple[str, str] | None = None,
        auth_exclude: Iterable[str] = (),
    ) -> None:
        self.handler = handler or Handler()
        kwargs: dict[str, Any] = {"server_hostname": "smtp.test"}  # no getfqdn() per session
        context = _server_tls_context(*tls) if tls else None
        if implicit_tls:
            assert context is not None, "implicit TLS needs tls=(cert, key)"
            kwargs["ssl_context"] = context
        elif context is not None:
            kwargs.update(tls_context=context, require_starttls=True)
        if auth:
            self.handler._credentials = (auth[0].encode(), auth[1].encode())
            kwargs.update(auth_required=True, authenticator=self.handler.authenticate)
            kwargs.update(auth_exclude_mechanism=list(auth_exclude))
        self._controller = _Controller(self.handler, hostname=self.host, port=0, **kwargs)
        self._controller.auth_over_implicit_tls = bool(auth and implicit_tls)
        self.port = 0

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        self.port = self._controller.port
        self.handler.counting = True
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


def _server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def client_tls_context(cert: Path) -> ssl.SSLContext:
    """A client context that trusts only the test certificate (hostname checked)."""
    return ssl.create_default_context(cafile=str(cert))
