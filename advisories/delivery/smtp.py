"""SmtpTransport: messages over SMTP with aiosmtplib, pooled and reused connections.

`send()` is synchronous (it runs its own event loop) so the outbox and scheduler stay plain
functions; async callers use `send_async()`. The messages are cut into batches of at most
`messages_per_connection`; at most `max_connections` workers each open a connection, send
one batch on it, QUIT, and take the next batch. Reusing a connection saves the TCP, TLS and
AUTH round trips per message, which dominate on a real relay.

Every outcome becomes a DeliveryResult, never an exception:
- SMTP 4xx for a message or recipient, dropped connections -> retryable;
- faults of the connection rather than the message (refused, unreachable, TLS, a 535 login
  refusal, a session refused) -> retryable and `transport`: the messages wait in the queue
  until the operator or the relay fixes it, and the run says so;
- a drop or timeout after the whole message went, before the final reply -> `unknown`
  (it may have been delivered; the outbox sends it at most once more);
- SMTP 5xx for a message or recipient, and malformed messages -> permanent.
Recipients refused one by one (RCPT TO) are reported one by one, so the outbox retries only
those refused with a 4xx and never resends to those that accepted.
A refusal of one message is followed by RSET (aiosmtplib does it) and the batch goes on;
a connection that drops mid-batch is reopened once for the rest of the batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import socket
import ssl
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import aiosmtplib

from advisories.delivery import DeliveryResult, OnResult, Refusal
from advisories.delivery.mime import email_bytes, sender_address
from advisories.errors import ConfigError, DeliveryError
from advisories.models import Outgoing

__all__ = ["SmtpSettings", "SmtpTransport"]

Security = Literal["starttls", "tls", "none"]
_QUIT_TIMEOUT_S = 5.0  # a server that hangs on QUIT must not hold up the run for timeout_s
_CLOSE_WAIT_S = 2.0  # for the TLS close_notify exchange after QUIT
_HOSTNAME_MISMATCH = 62  # X509_V_ERR_HOSTNAME_MISMATCH: a trusted certificate for another name


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the relay. Credentials come from the caller (env vars), never config."""

    host: str
    port: int = 587
    security: Security = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "advisories@localhost"
    timeout_s: float = 30
    # The wait for the reply to the end of DATA: RFC 5321 4.5.3.2.6 suggests 10 minutes, as a
    # relay may scan the message before it answers. Giving up sooner would send it again.
    data_timeout_s: float = 600
    max_connections: int = 4
    messages_per_connection: int = 50
    tls_context: ssl.SSLContext | None = None  # None: the system trust store, or ca_file
    ca_file: Path | None = None  # PEM CA certificate(s) to trust instead of the system store
    local_hostname: str | None = None  # EHLO name; None: socket.getfqdn(), looked up once

    def __post_init__(self) -> None:
        problems = list(_problems(self))
        if problems:
            raise ConfigError(
                "invalid SMTP settings: " + "; ".join(problems),
                hint="fix the [smtp] section or the SMTP environment variables",
            )


def _problems(s: SmtpSettings) -> Iterable[str]:
    """Every problem at once, so the operator fixes them in one go."""
    if not s.host:
        yield "smtp.host is empty"
    if not 0 < s.port < 65536:
        yield f"smtp.port {s.port} is not a TCP port"
    if s.security not in ("starttls", "tls", "none"):
        yield f"smtp.security {s.security!r} is not one of starttls, tls, none"
    if (s.username is None) != (s.password is None):
        yield "SMTP username and password must be given together"
    if s.username is not None and s.security == "none":
        yield "SMTP credentials need security 'starttls' or 'tls' (never sent in clear)"
    if s.timeout_s <= 0:
        yield "smtp.timeout_s must be positive"
    if s.data_timeout_s <= 0:
        yield "smtp.data_timeout_s must be positive"
    if s.max_connections < 1:
        yield "smtp.max_connections must be at least 1"
    if s.messages_per_connection < 1:
        yield "smtp.messages_per_connection must be at least 1"
    if s.ca_file is not None and s.tls_context is not None:
        yield "give a TLS context or smtp.ca_file, not both"  # else one would be ignored
    try:
        sender_address(s.sender)
    except ValueError as exc:
        yield f"sender address: {exc}"


@dataclass(frozen=True, slots=True)
class _Outgoing:
    index: int  # position in the caller's list, so results come back in input order
    message: Outgoing

    @property
    def key(self) -> str:
        return self.message.key

    @property
    def recipients(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.message.to))  # envelope = item.to, deduplicated


class SmtpTransport:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._envelope_from = sender_address(settings.sender)
        self._local_hostname = settings.local_hostname
        # Built once, not per connection; a CA file that cannot be loaded is the operator's to
        # fix before anything is sent.
        self._tls_context = settings.tls_context
        if settings.ca_file is not None:
            self._tls_context = _trusting(settings.ca_file)

    def send(self, messages: Sequence[Outgoing], on_result: OnResult | None = None) -> list[DeliveryResult]:
        """Deliver `messages`; one result per message, in order. Not for use inside a loop."""
        if not messages:
            return []
        return asyncio.run(self.send_async(messages, on_result))

    async def send_async(
        self, messages: Sequence[Outgoing], on_result: OnResult | None = None
    ) -> list[DeliveryResult]:
        if self._local_hostname is None:
            # aiosmtplib would otherwise resolve it again for every connection.
            self._local_hostname = await asyncio.to_thread(socket.getfqdn)
        results: list[DeliveryResult | None] = [None] * len(messages)
        outgoing = [_Outgoing(index, message) for index, message in enumerate(messages)]
        run = _Run(self.settings, self._tls_context, self._envelope_from, self._local_hostname,
                   results, on_result)
        await run.deliver(outgoing)
        assert all(r is not None for r in results), "every message gets a result"
        return [r for r in results if r is not None]


def _batches(
    items: list[_Outgoing], max_connections: int, per_connection: int
) -> deque[list[_Outgoing]]:
    # Spread small runs over the pool (10 messages, 4 connections -> batches of 3) while
    # large runs get full batches of `per_connection`.
    size = max(1, min(per_connection, math.ceil(len(items) / max_connections)))
    return deque(items[i : i + size] for i in range(0, len(items), size))


class _Run:
    """One send(): a pool of workers sharing a queue of batches and the results list."""

    def __init__(
        self,
        settings: SmtpSettings,
        tls_context: ssl.SSLContext | None,
        envelope_from: str,
        local_hostname: str,
        results: list[DeliveryResult | None],
        on_result: OnResult | None = None,
    ) -> None:
        self.settings = settings
        self.tls_context = tls_context
        self.envelope_from = envelope_from
        self.local_hostname = local_hostname
        self.results = results
        self.on_result = on_result
        # Set by the first failed connect (or second drop): later batches fail fast with the
        # same error instead of each waiting for its own refused connection or timeout.
        self.abort: DeliveryError | None = None

    async def deliver(self, outgoing: list[_Outgoing]) -> None:
        s = self.settings
        queue = _batches(outgoing, s.max_connections, s.messages_per_connection)
        workers = min(s.max_connections, len(queue))
        await asyncio.gather(*(self._worker(queue) for _ in range(workers)))

    async def _worker(self, queue: deque[list[_Outgoing]]) -> None:
        while queue:
            batch = queue.popleft()
            if self.abort is not None:
                self._fail(batch, self.abort)
            else:
                await self._send_batch(batch)

    async def _send_batch(self, batch: list[_Outgoing]) -> None:
        pending = batch
        for _attempt in range(2):  # the first connection, and one reconnect after a drop
            try:
                smtp = await self._connect()
            except DeliveryError as exc:
                self.abort = exc
                self._fail(pending, exc)
                return
            protocol = smtp.protocol  # kept: close() forgets it, _close() waits on it
            try:
                pending = await self._send_on(smtp, pending)
            finally:
                await _close(smtp, protocol)
            if not pending:
                return
        where = f"{self.settings.host}:{self.settings.port}"
        self.abort = DeliveryError(f"connection to {where} dropped twice", retryable=True)
        self._fail(pending, self.abort)

    async def _send_on(self, smtp: aiosmtplib.SMTP, batch: list[_Outgoing]) -> list[_Outgoing]:
        """Send `batch` on one connection; return what was not tried because it dropped."""
        for position, item in enumerate(batch):
            self._record(item, await self._send_one(smtp, item))
            if not smtp.is_connected:
                return batch[position + 1 :]
        return []

    async def _send_one(self, smtp: aiosmtplib.SMTP, item: _Outgoing) -> DeliveryResult:
        # Built here rather than all up front: building costs as much CPU as sending on a
        # fast link, and this way the server works on one message while the next is built.
        try:
            data = email_bytes(item.message, self.settings.sender)
        except ValueError as exc:
            return DeliveryResult(item.key, ok=False, error=f"invalid message: {exc}")
        try:
            refused = await self._transaction(smtp, item.recipients, data)
        except _FinalReplyLost as exc:
            smtp.close()
            text = (f"{_domains(item.recipients)}: no reply after the message was sent ({exc}); "
                    "it may have been delivered")
            return DeliveryResult(item.key, ok=False, retryable=True, unknown=True, error=text)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return _refused_result(item.key, exc.recipients, data)
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code == 421:  # "service closing": the server is about to hang up
                smtp.close()
            who = _domains(item.recipients)
            if isinstance(exc, aiosmtplib.SMTPSenderRefused):
                who = f"sender {_domain(exc.sender)}"
            return _code_result(item.key, who, exc.code, exc.message)
        except OSError as exc:  # dropped, reset or timed out: the session state is unknown
            smtp.close()
            reason = f"connection lost while sending: {_one_line(str(exc)) or type(exc).__name__}"
            text = f"{_domains(item.recipients)}: {reason}"
            return DeliveryResult(item.key, ok=False, retryable=True, error=text)
        except (ValueError, aiosmtplib.SMTPException) as exc:  # unsendable address, no SMTPUTF8
            return DeliveryResult(item.key, ok=False, error=f"not sendable: {_one_line(str(exc))}")
        if refused:
            # Accepted for the others: the outbox must resend to the refused (4xx) ones only,
            # so each refusal is reported with its address, and `raw` keeps what they missed.
            refusals = tuple(Refusal(rcpt, r.code, _one_line(r.message)) for rcpt, r in refused.items())
            return DeliveryResult(
                item.key,
                ok=True,
                retryable=any(r.retryable for r in refusals),
                error="refused by " + "; ".join(map(str, refusals)),
                refused=refusals,
                raw=data,
            )
        return DeliveryResult(item.key, ok=True)

    async def _transaction(
        self, smtp: aiosmtplib.SMTP, recipients: tuple[str, ...], data: bytes
    ) -> dict[str, aiosmtplib.SMTPResponse]:
        """aiosmtplib's sendmail(), except for the end of DATA: its reply gets the longer
        data timeout, and losing it raises _FinalReplyLost, because by then the server holds
        the whole message and may deliver it; the caller must not count it as not sent."""
        options = [f"SIZE={len(data)}"] if smtp.supports_extension("size") else []
        try:
            await smtp.mail(self.envelope_from, options=options)
            refused: dict[str, aiosmtplib.SMTPResponse] = {}
            for recipient in recipients:
                try:
                    await smtp.rcpt(recipient)
                except aiosmtplib.SMTPRecipientRefused as exc:
                    refused[recipient] = aiosmtplib.SMTPResponse(exc.code, exc.message)
            if len(refused) == len(recipients):
                raise aiosmtplib.SMTPRecipientsRefused(
                    [aiosmtplib.SMTPRecipientRefused(r.code, r.message, a) for a, r in refused.items()])
            try:
                await smtp.data(data, timeout=self.settings.data_timeout_s)
            except OSError as exc:  # aiosmtplib's timeout and disconnect errors are OSErrors
                raise _FinalReplyLost(_one_line(str(exc)) or type(exc).__name__) from exc
        except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
            with contextlib.suppress(OSError, aiosmtplib.SMTPException):
                await smtp.rset()  # a clean envelope for the next message on this connection
            raise
        return refused

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self.settings
        smtp = aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            timeout=s.timeout_s,
            use_tls=s.security == "tls",
            start_tls=s.security == "starttls",  # True: refuse to go on without STARTTLS
            tls_context=self.tls_context,
            local_hostname=self.local_hostname,
        )
        try:
            await smtp.connect()
            if s.username is not None and s.password is not None:
                await smtp.login(s.username, s.password)
        except Exception as exc:
            await _close(smtp)  # after a refused login the session is still open: QUIT it
            raise _connect_error(s, exc) from exc
        except BaseException:  # cancelled: no goodbye, but never leak the socket
            smtp.close()
            raise
        return smtp

    def _fail(self, items: Iterable[_Outgoing], error: DeliveryError) -> None:
        # Only the connection failed: nothing about these messages is wrong.
        for item in items:
            self._record(item, DeliveryResult(item.key, ok=False, retryable=True, transport=True,
                                              error=str(error)))

    def _record(self, item: _Outgoing, result: DeliveryResult) -> None:
        # Reported as soon as it is known, so the outbox records a sent message before the
        # next one goes: a crash can then repeat only the messages in flight, once each.
        self.results[item.index] = result
        if self.on_result is not None:
            self.on_result(result)


def _connect_error(s: SmtpSettings, exc: Exception) -> DeliveryError:
    where = f"{s.host}:{s.port}"
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return DeliveryError(
            f"SMTP login to {where} as {s.username!r} refused: {exc.code} {_one_line(exc.message)}",
            hint="check the SMTP username and password; queued messages go out once it is fixed",
            retryable=True,
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException):  # greeting, EHLO or STARTTLS refused
        return DeliveryError(
            f"SMTP server {where} refused the session: {exc.code} {_one_line(exc.message)}",
            hint="check [smtp] host, port and security with the relay's operator",
            retryable=True,
        )
    # Refused, unreachable, timed out, TLS failure, STARTTLS or AUTH not offered: nothing is
    # wrong with the messages, so they stay queued until the operator or the relay recovers.
    tls = _tls_error(exc)
    if tls is not None:
        reason, hint = _tls_reason(s, tls)
    else:
        reason, hint = _reason(s, exc)
    return DeliveryError(f"cannot connect to SMTP server {where}: {reason}", hint, retryable=True)


class _FinalReplyLost(Exception):
    """The connection dropped or timed out while waiting for the reply to the end of DATA."""


def _tls_error(exc: BaseException) -> ssl.SSLError | None:
    """The TLS failure behind `exc`: STARTTLS raises it as is, implicit TLS wraps it."""
    seen: BaseException | None = exc
    for _ in range(5):  # a short chain; never loop on a cycle
        if seen is None or isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _tls_reason(s: SmtpSettings, exc: ssl.SSLError) -> tuple[str, str]:
    """One line on what TLS refused, and what the operator can change about it."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = f"TLS certificate not trusted ({exc.verify_message or exc.reason})"
        if exc.verify_code == _HOSTNAME_MISMATCH:
            return reason, f"set [smtp] host to a name the server's certificate is issued for, not {s.host!r}"
        if s.ca_file is not None:
            return reason, f"[smtp] ca_file {s.ca_file} does not hold the CA that issued the server's certificate"
        return reason, (
            "if the relay's certificate is issued by a private CA or self-signed, set [smtp] ca_file "
            "to that CA certificate (PEM)"
        )
    reason = f"TLS handshake failed ({exc.reason or _one_line(str(exc))})"
    return reason, f"check [smtp] security ({s.security!r}) and port: 465 is usually \"tls\", 587 \"starttls\""


def _reason(s: SmtpSettings, exc: Exception) -> tuple[str, str]:
    """The OS's words ("Connection refused"), not aiosmtplib's wrapper around them, which
    repeats the host and port the caller already names; and a hint where there is one."""
    cause = exc.__cause__
    if isinstance(exc, aiosmtplib.SMTPConnectTimeoutError):
        if isinstance(cause, aiosmtplib.SMTPTimeoutError):  # connected, but no "220" greeting
            hint = "" if s.security == "tls" else (
                "a server that expects TLS from the first byte (often port 465) needs "
                "security = \"tls\"")
            return f"no greeting within {s.timeout_s:g}s", hint
        return f"no answer within {s.timeout_s:g}s", ""
    if isinstance(cause, OSError) and cause.errno:
        return os.strerror(cause.errno), ""
    if isinstance(exc, aiosmtplib.SMTPConnectError) and cause is not None and str(cause):
        return _one_line(str(cause)), ""
    return _one_line(str(exc)) or type(exc).__name__, ""


def _trusting(ca_file: Path) -> ssl.SSLContext:
    """A client context that trusts the certificates in `ca_file` (and only those)."""
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except OSError as exc:  # ssl.SSLError (no certificate in it) is an OSError too
        why = "no PEM certificate in it" if isinstance(exc, ssl.SSLError) else exc.strerror or str(exc)
        raise ConfigError(
            f"smtp.ca_file {ca_file}: cannot be loaded ({why})",
            hint="point [smtp] ca_file at the relay's CA certificate, in PEM form",
        ) from None


async def _close(smtp: aiosmtplib.SMTP, protocol: asyncio.BaseProtocol | None = None) -> None:
    protocol = protocol or smtp.protocol
    if smtp.is_connected:
        # Every message already has its result; a failed goodbye changes nothing.
        with contextlib.suppress(OSError, aiosmtplib.SMTPException):
            await smtp.quit(timeout=_QUIT_TIMEOUT_S)
    smtp.close()
    if protocol is not None:
        await _wait_closed(protocol)


async def _wait_closed(protocol: asyncio.BaseProtocol) -> None:
    """Wait until the socket is really closed, aborting it if the peer takes too long.

    Over TLS, close() only starts the close_notify exchange; if send() returned (and its
    event loop ended) before that finished, the socket would leak. The protocol drops its
    `transport` in connection_lost(), which is the signal polled here.
    """
    deadline = asyncio.get_running_loop().time() + _CLOSE_WAIT_S
    while (transport := getattr(protocol, "transport", None)) is not None:
        if asyncio.get_running_loop().time() > deadline:
            transport.abort()
            await asyncio.sleep(0)  # let the abort run connection_lost()
            return
        await asyncio.sleep(0.001)


def _code_result(key: str, domains: str, code: int, text: str) -> DeliveryResult:
    retryable = not 500 <= code < 600  # 5xx is permanent; 4xx and anything odd is retried
    return DeliveryResult(
        key, ok=False, retryable=retryable, error=f"{domains}: SMTP {code} {_one_line(text)}"
    )


def _refused_result(
    key: str, refusals: list[aiosmtplib.SMTPRecipientRefused], data: bytes
) -> DeliveryResult:
    # Nobody received it: the outbox retries the recipients refused with a 4xx and records
    # those refused with a 5xx as failed, so they are not bounced again every run.
    refused = tuple(Refusal(r.recipient, r.code, _one_line(r.message)) for r in refusals)
    return DeliveryResult(
        key,
        ok=False,
        retryable=any(r.retryable for r in refused),
        error="refused by " + "; ".join(map(str, refused)),
        refused=refused,
        raw=data,
    )


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def _domains(addresses: Iterable[str]) -> str:
    return ",".join(dict.fromkeys(_domain(a) for a in addresses))


def _one_line(text: str, limit: int = 200) -> str:
    """Server replies can span lines; the run summary wants one short line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
