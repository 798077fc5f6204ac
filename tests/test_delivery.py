"""Delivery against real parts: aiosmtpd on 127.0.0.1 port 0, .eml files in tmp_path."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from certificates import write_other_certificate, write_server_certificate
from smtpserver import (
    Handler,
    SmtpServer,
    client_tls_context,
)

from advisories.config import load_config
from advisories.delivery import DeliveryResult, Refusal, Transport
from advisories.delivery.files import FileTransport, file_name
from advisories.delivery.mime import outgoing, to_bytes, to_email
from advisories.delivery.outbox import deliver_queued
from advisories.delivery.setup import transport_for
from advisories.delivery.smtp import SmtpSettings, SmtpTransport
from advisories.errors import ConfigError
from advisories.models import Message, Outgoing
from advisories.report import RunSummary
from advisories.store import Store

SENDER = "Council Alerts <alerts@advisories.test>"
USER, PASSWORD = "mailer", "correct horse"


def rows(messages: list[Message]) -> list[Outgoing]:
    """Emails as the outbox hands them to a transport."""
    return [outgoing(m) for m in messages]


def message(n: int = 0, *, to: tuple[str, ...] = ("soc@council-a.gov.uk",), **kw: Any) -> Message:
    fields: dict = {
        "key": f"alert:council-a:CVE-2024-{n:04d}",
        "council_id": "council-a",
        "to": to,
        "subject": f"[HIGH] FortiOS CVE-2024-{n:04d} affects 12 devices",
        "text": f"FortiOS 7.2.4 is affected by CVE-2024-{n:04d}.\nUpgrade to 7.2.8.\n",
        "html": f"<p>FortiOS 7.2.4 is affected by <b>CVE-2024-{n:04d}</b>.</p>",
        "message_id": f"<alert-{n}@advisories.test>",
        "headers": (("X-Advisories-Council", "council-a"), ("Auto-Submitted", "auto-generated")),
    }
    fields.update(kw)
    return Message(**fields)


def parse(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def settings(port: int, **kw: object) -> SmtpSettings:
    values: dict = {"host": "127.0.0.1", "port": port, "security": "none", "sender": SENDER}
    values.update(timeout_s=5, local_hostname="client.test")
    values.update(kw)
    return SmtpSettings(**values)


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with SmtpServer() as running:
        yield running


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_server_certificate(tmp_path_factory.mktemp("tls"))


# --- mime -------------------------------------------------------------------------------


def test_email_is_text_then_html_in_utf8_with_all_headers() -> None:
    msg = parse(to_bytes(message(7, text="Département\n", html="<p>Département</p>"), SENDER))
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    # The wire form has CRLF line ends, and the parser keeps them in decoded bodies.
    assert parts[0].get_content().replace("\r\n", "\n") == "Département\n"
    assert parts[1].get_content().replace("\r\n", "\n") == "<p>Département</p>\n"
    assert msg["From"] == SENDER and msg["To"] == "soc@council-a.gov.uk"
    assert msg["Message-ID"] == "<alert-7@advisories.test>"
    assert msg["X-Advisories-Council"] == "council-a"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Date"] is not None


def test_email_is_7bit_with_crlf_line_ends() -> None:
    data = to_bytes(message(text="é" * 50, html="ü" * 2000), SENDER)
    assert data.isascii()  # no 8BITMIME needed from the relay
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 998


@pytest.mark.parametrize(
    "subject",
    [
        "x\r\nBcc: victim@example.com",
        "x\nBcc: victim@example.com",
        "x\rBcc: victim@example.com",
        "x\x00\x0bBcc: victim@example.com",
        "x\u2028Bcc: victim@example.com",
        "x\x85Bcc: victim@example.com",
        "x\r\n\r\nBcc: victim@example.com",  # an empty line would start the body
    ],
)
def test_subject_cannot_inject_headers(subject: str) -> None:
    data = to_bytes(message(subject=subject), SENDER)
    head = data.split(b"\r\n\r\n", 1)[0]
    assert not any(line.lower().startswith(b"bcc") for line in head.split(b"\r\n"))
    msg = parse(data)
    assert msg.get_all("Subject") == ["x Bcc: victim@example.com"]
    assert msg.get_all("Bcc") is None
    assert msg.get_content_type() == "multipart/alternative"


def test_extra_header_values_cannot_inject_headers() -> None:
    evil = message(headers=(("X-Advisories-Council", "a\r\nBcc: victim@example.com\r\nX: y"),))
    msg = parse(to_bytes(evil, SENDER))
    assert msg.get_all("X-Advisories-Council") == ["a Bcc: victim@example.com X: y"]
    assert msg.get_all("Bcc") is None and msg.get_all("X") is None


@pytest.mark.parametrize(
    "headers",
    [
        (("Bcc", "victim@example.com"),),
        (("To", "victim@example.com"),),
        (("subject", "second subject"),),
        (("X-Bad\r\nBcc", "v@example.com"),),
        (("X Space", "v"),),
        (("X:Colon", "v"),),
    ],
)
def test_extra_headers_cannot_set_recipients_or_break_names(headers: tuple) -> None:
    with pytest.raises(ValueError):
        to_email(message(headers=headers), SENDER)


@pytest.mark.parametrize(
    "bad", ["a@b.example\r\nRCPT TO:<x@y.example>", "a@b.example, c@d.example", "<a@b.example>", ""]
)
def test_unsafe_recipient_addresses_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        to_email(message(to=(bad,)), SENDER)


@pytest.mark.parametrize(
    "subject", ["Département du Nord: alerte", "🚨 Ivanti — exploited in the wild", "日本語 " * 30]
)
def test_non_ascii_subjects_are_rfc2047_encoded_and_round_trip(subject: str) -> None:
    data = to_bytes(message(subject=subject), SENDER)
    raw_subject = data.split(b"\r\nSubject: ", 1)[1].split(b"\r\nDate:", 1)[0]
    assert b"=?utf-8?" in raw_subject
    assert parse(data)["Subject"] == subject.strip()


def test_date_can_be_fixed_for_golden_files() -> None:
    when = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    assert to_email(message(), SENDER, date=when)["Date"] == "Wed, 01 May 2024 09:30:00 +0000"


# --- files ------------------------------------------------------------------------------


def test_file_transport_writes_parseable_eml_files(tmp_path: Path) -> None:
    transport: Transport = FileTransport(tmp_path / "outbox", SENDER)
    results = transport.send(rows([message(1), message(2)]))
    assert results == [DeliveryResult(message(n).key, ok=True) for n in (1, 2)]
    files = sorted((tmp_path / "outbox").iterdir())
    assert len(files) == 2 and all(f.suffix == ".eml" for f in files)
    msg = parse((tmp_path / "outbox" / file_name(message(1).key)).read_bytes())
    assert msg["Subject"] == message(1).subject
    text, html = (p.get_content() for p in msg.iter_parts())
    assert "CVE-2024-0001" in text and "<b>CVE-2024-0001</b>" in html


def test_file_transport_rewrites_the_same_key_in_place(tmp_path: Path) -> None:
    transport = FileTransport(tmp_path, SENDER)
    transport.send(rows([message(1, subject="first")]))
    transport.send(rows([message(1, subject="second")]))
    files = list(tmp_path.iterdir())  # no leftover temporary files either
    assert [f.name for f in files] == [file_name(message(1).key)]
    assert parse(files[0].read_bytes())["Subject"] == "second"


def test_file_names_are_safe_and_distinct() -> None:
    names = {file_name(k) for k in ("a/b", "a:b", "a b", "../../etc/passwd", "", "é")}
    assert len(names) == 6
    for name in names:
        stem = name.removesuffix(".eml")
        assert set(stem) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        assert not name.startswith(".")


def test_file_transport_reports_a_bad_message_and_writes_the_others(tmp_path: Path) -> None:
    results = FileTransport(tmp_path, SENDER).send(rows([message(1, to=("not an address",)), message(2)]))
    assert not results[0].ok and not results[0].retryable and "address" in results[0].error
    assert results[1].ok
    assert [f.name for f in tmp_path.iterdir()] == [file_name(message(2).key)]


def test_file_transport_failure_to_write_is_retryable(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the folder should be")
    (result,) = FileTransport(blocker, SENDER).send(rows([message()]))
    assert (result.ok, result.retryable) == (False, True) and "cannot write" in result.error


# --- smtp: batching and pooling ---------------------------------------------------------


def test_messages_share_connections_and_arrive_in_full(server: SmtpServer) -> None:
    transport: Transport = SmtpTransport(settings(server.port, max_connections=2))
    messages = [message(n) for n in range(10)]
    results = transport.send(rows(messages))
    assert results == [DeliveryResult(m.key, ok=True) for m in messages]
    assert server.handler.connections == 2 < len(messages)
    got = {r.parsed()["Message-ID"]: r.parsed() for r in server.handler.messages}
    assert set(got) == {m.message_id for m in messages}
    assert got["<alert-3@advisories.test>"]["Subject"] == messages[3].subject


def test_connections_are_bounded_and_carry_at_most_n_messages() -> None:
    with SmtpServer(Handler(latency_s=0.05)) as server:
        transport = SmtpTransport(
            settings(server.port, max_connections=3, messages_per_connection=2)
        )
        results = transport.send(rows([message(n) for n in range(12)]))
    assert all(r.ok for r in results)
    assert server.handler.connections == 6  # 12 messages / 2 per connection
    assert server.handler.peak == 3  # overlapping, but never more than max_connections


def test_envelope_recipients_are_exactly_message_to(server: SmtpServer) -> None:
    to = ("soc@council-a.gov.uk", "it.security@council-a.gov.uk")
    m = message(subject="x\r\nBcc: victim@example.com", to=to)
    assert SmtpTransport(settings(server.port)).send(rows([m]))[0].ok
    (received,) = server.handler.messages
    assert received.rcpt_tos == to
    assert received.mail_from == "alerts@advisories.test"
    assert received.parsed().get_all("Bcc") is None


def test_nothing_to_send_opens_no_connection(server: SmtpServer) -> None:
    assert SmtpTransport(settings(server.port)).send(rows([])) == []
    assert server.handler.connections == 0


# --- smtp: error classification ---------------------------------------------------------


def test_a_4xx_is_retryable_and_the_rest_of_the_batch_goes_on(server: SmtpServer) -> None:
    transport = SmtpTransport(settings(server.port, max_connections=1))
    server.handler.fail_next(1)
    results = transport.send(rows([message(n) for n in range(4)]))
    first = results[0]
    assert (first.ok, first.retryable) == (False, True)
    assert "451" in first.error and "council-a.gov.uk" in first.error
    assert all(r.ok for r in results[1:])
    assert len(server.handler.messages) == 3
    assert server.handler.connections == 1  # RSET and carry on, no reconnect


def test_a_5xx_is_permanent(server: SmtpServer) -> None:
    server.handler.fail_next(1, "554 5.6.0 Message rejected as spam")
    results = SmtpTransport(settings(server.port, max_connections=1)).send(rows([message(1), message(2)]))
    assert (results[0].ok, results[0].retryable) == (False, False)
    assert "554" in results[0].error and "council-a.gov.uk" in results[0].error
    assert results[1].ok


@pytest.mark.parametrize(("reply", "retryable"), [("550 5.1.1 No such user", False),
                                                   ("450 4.2.1 Mailbox busy", True)])  # fmt: skip
def test_refused_recipients_are_classified_by_code(
    server: SmtpServer, reply: str, retryable: bool
) -> None:
    server.handler.refuse("@gone.example", reply)
    results = SmtpTransport(settings(server.port, max_connections=1)).send(rows(
        [message(1, to=("soc@gone.example",)), message(2)]
    ))
    assert (results[0].ok, results[0].retryable) == (False, retryable)
    assert "gone.example" in results[0].error and reply[:3] in results[0].error
    assert results[1].ok


def test_a_partly_refused_message_reports_each_refused_recipient(server: SmtpServer) -> None:
    server.handler.refuse("old@council-a.gov.uk")
    server.handler.refuse("busy@council-a.gov.uk", "450 4.2.1 Mailbox busy")
    m = message(to=("old@council-a.gov.uk", "soc@council-a.gov.uk", "busy@council-a.gov.uk"))
    (result,) = SmtpTransport(settings(server.port)).send(rows([m]))
    assert result.ok and result.retryable  # soc@ has it; busy@ is worth another try
    assert result.refused == (Refusal("old@council-a.gov.uk", 550, "5.1.1 No such user"),
                              Refusal("busy@council-a.gov.uk", 450, "4.2.1 Mailbox busy"))
    assert "old@council-a.gov.uk: SMTP 550" in result.error  # the address, not just the domain
    (received,) = server.handler.messages
    assert received.rcpt_tos == ("soc@council-a.gov.uk",)
    # The bytes that went out come back, so the outbox can send busy@ exactly the same later.
    assert result.raw is not None
    assert result.raw.replace(b"\r\n", b"\n") == received.data.replace(b"\r\n", b"\n")


def test_connection_refused_makes_everything_retryable() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    results = SmtpTransport(settings(port, messages_per_connection=1)).send(rows(
        [message(n) for n in range(8)]
    ))
    assert all(not r.ok and r.retryable for r in results)
    assert f"127.0.0.1:{port}" in results[0].error
    assert time.monotonic() - started < 2  # the first failure stops the other attempts


def test_a_server_that_never_answers_times_out_as_retryable() -> None:
    with socket.socket() as silent:  # accepts TCP connections (backlog) but never speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        results = SmtpTransport(settings(port, timeout_s=0.3)).send(rows([message(1), message(2)]))
    assert all(not r.ok and r.retryable for r in results)
    assert "cannot connect" in results[0].error


def test_a_dropped_connection_reconnects_once_for_the_rest(server: SmtpServer) -> None:
    server.handler.drop_next(1)
    results = SmtpTransport(settings(server.port, max_connections=1)).send(rows(
        [message(n) for n in range(4)]
    ))
    # The server hung up after the whole message: it may have kept it, so the outcome is unknown.
    assert (results[0].ok, results[0].retryable, results[0].unknown) == (False, True, True)
    assert "may have been delivered" in results[0].error
    assert all(r.ok for r in results[1:])
    assert server.handler.connections == 2


def test_a_421_closes_the_session_and_the_rest_goes_on_a_new_one(server: SmtpServer) -> None:
    server.handler.fail_next(1, "421 4.3.2 Service shutting down")
    results = SmtpTransport(settings(server.port, max_connections=1)).send(rows(
        [message(n) for n in range(3)]
    ))
    assert (results[0].ok, results[0].retryable) == (False, True) and "421" in results[0].error
    assert all(r.ok for r in results[1:])
    assert server.handler.connections == 2


def test_an_invalid_message_fails_alone(server: SmtpServer) -> None:
    results = SmtpTransport(settings(server.port)).send(rows(
        [message(1), message(2, headers=(("Bcc", "v@example.com"),)), message(3)]
    ))
    assert [r.ok for r in results] == [True, False, True]
    assert not results[1].retryable and "Bcc" in results[1].error


# --- outbox: per-recipient outcomes ------------------------------------------------------

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def deliver(store: Store, transport: Transport) -> RunSummary:
    summary = RunSummary()
    deliver_queued(store, transport, summary, clock=lambda: T0)
    return summary


def copies(server: SmtpServer) -> dict[str, list[str]]:
    """Message-IDs each recipient was sent, in order."""
    got: dict[str, list[str]] = {}
    for received in server.handler.messages:
        for rcpt in received.rcpt_tos:
            got.setdefault(rcpt, []).append(str(received.parsed()["Message-ID"]))
    return got


def test_a_4xx_for_one_recipient_is_retried_for_that_recipient_only(
    server: SmtpServer, tmp_path: Path
) -> None:
    m = message(1, to=("soc@council-a.gov.uk", "desk@council-a.gov.uk"))
    transport = SmtpTransport(settings(server.port))
    server.handler.refuse("desk@council-a.gov.uk", "450 4.2.1 Mailbox busy, try later")
    with Store.open(tmp_path / "state.db") as store:
        store.queue(m, [], at=T0)
        first = deliver(store, transport)
        assert (first.emails_sent, first.emails_failed) == (0, [])
        (line,) = first.emails_retrying
        assert "desk@council-a.gov.uk: SMTP 450" in line and "delivered to soc@council-a.gov.uk" in line
        assert "kept for the next run (for desk@council-a.gov.uk only)" in line
        assert store.outbox_counts() == {"queued": 1}

        assert deliver(store, transport).emails_retrying  # still busy: still only desk@ tried
        server.handler.accept("desk@council-a.gov.uk")
        second = deliver(store, transport)
        assert (second.emails_sent, second.emails_retrying) == (1, [])
        assert deliver(store, transport).emails_sent == 0  # nothing left to send
        entry = store.outbox_entry(m.key)
        assert entry is not None and entry.state == "sent" and entry.last_error is None
    assert copies(server) == {"soc@council-a.gov.uk": [m.message_id], "desk@council-a.gov.uk": [m.message_id]}
    # The late recipient gets the bytes the first one got (same Date and To), not a rebuild.
    assert server.handler.messages[0].data == server.handler.messages[1].data
    assert server.handler.messages[1].parsed()["To"] == "soc@council-a.gov.uk, desk@council-a.gov.uk"


def test_a_5xx_recipient_fails_alone_and_outbox_retry_sends_only_to_it(
    server: SmtpServer, tmp_path: Path
) -> None:
    to = ("soc@council-a.gov.uk", "gone@council-a.gov.uk", "busy@council-a.gov.uk")
    m = message(2, to=to)
    transport = SmtpTransport(settings(server.port))
    server.handler.refuse("gone@council-a.gov.uk", "550 5.1.1 No such user")
    server.handler.refuse("busy@council-a.gov.uk", "451 4.3.0 Greylisted")
    with Store.open(tmp_path / "state.db") as store:
        store.queue(m, [], at=T0)
        (line,) = deliver(store, transport).emails_retrying  # busy@ still to come
        assert "gone@council-a.gov.uk: SMTP 550" in line and "busy@council-a.gov.uk: SMTP 451" in line
        server.handler.accept("busy@council-a.gov.uk")
        done = deliver(store, transport)
        (failed,) = done.emails_failed  # nobody left to wait for, and gone@ never got it
        assert "gone@council-a.gov.uk: SMTP 550 5.1.1 No such user" in failed
        assert "delivered to soc@council-a.gov.uk, busy@council-a.gov.uk" in failed
        entry = store.outbox_entry(m.key)
        assert entry is not None and entry.state == "failed"
        assert entry.refused_to == ("gone@council-a.gov.uk",)

        server.handler.accept("gone@council-a.gov.uk")  # the operator fixed the mailbox
        (failed_message,) = store.failed()
        store.requeue(failed_message)  # what `advisories outbox --retry` does
        assert deliver(store, transport).emails_sent == 1
        assert store.outbox_counts() == {"sent": 1}
    assert copies(server) == {rcpt: [m.message_id] for rcpt in ("soc@council-a.gov.uk",
                                                                  "busy@council-a.gov.uk",
                                                                  "gone@council-a.gov.uk")}


def test_a_relay_that_answers_late_gets_at_most_one_duplicate(server: SmtpServer, tmp_path: Path) -> None:
    m = message(4)
    transport = SmtpTransport(settings(server.port, data_timeout_s=0.2))
    with Store.open(tmp_path / "state.db") as store:
        store.queue(m, [], at=T0)
        server.handler.reply_late(5, 0.6)  # every copy is kept, every "250" comes too late
        first = deliver(store, transport)
        (line,) = first.emails_retrying
        assert "no reply after the message was sent" in line and "may have been delivered" in line
        second = deliver(store, transport)
        (held,) = second.emails_held
        assert "held, not sent again" in held and "outbox --retry" in held and not second.ok
        for _run in range(3):
            assert deliver(store, transport).emails_held == []  # held: not tried again
        entry = store.outbox_entry(m.key)
        assert entry is not None and (entry.state, entry.unknown_outcomes) == ("held", 2)
    assert copies(server) == {"soc@council-a.gov.uk": [m.message_id] * 2}


def test_a_relay_that_answers_within_the_data_timeout_gets_one_copy(
    server: SmtpServer, tmp_path: Path
) -> None:
    m = message(5)
    # The command timeout is short, but the reply to the end of DATA has its own, longer one.
    transport = SmtpTransport(settings(server.port, timeout_s=0.2, data_timeout_s=5))
    server.handler.reply_late(1, 0.5)
    with Store.open(tmp_path / "state.db") as store:
        store.queue(m, [], at=T0)
        assert deliver(store, transport).emails_sent == 1
        assert deliver(store, transport).emails_sent == 0
    assert copies(server) == {"soc@council-a.gov.uk": [m.message_id]}


def test_a_message_refused_whole_is_retried_to_everyone_once(server: SmtpServer, tmp_path: Path) -> None:
    m = message(3, to=("soc@council-a.gov.uk", "desk@council-a.gov.uk"))
    server.handler.refuse("@council-a.gov.uk", "451 4.3.0 Greylisted")
    transport = SmtpTransport(settings(server.port))
    with Store.open(tmp_path / "state.db") as store:
        store.queue(m, [], at=T0)
        assert deliver(store, transport).emails_retrying
        server.handler.accept("@council-a.gov.uk")
        assert deliver(store, transport).emails_sent == 1
    (received,) = server.handler.messages
    assert received.rcpt_tos == m.to


# --- smtp: TLS and AUTH -----------------------------------------------------------------


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_starttls_and_auth(certificate: tuple[Path, Path], mechanism: str) -> None:
    other = {"PLAIN": "LOGIN", "LOGIN": "PLAIN"}[mechanism]
    with SmtpServer(tls=certificate, auth=(USER, PASSWORD), auth_exclude=[other]) as server:
        transport = SmtpTransport(
            _tls_settings(server.port, certificate, "starttls", max_connections=1)
        )
        results = transport.send(rows([message(1), message(2)]))
    assert all(r.ok for r in results), results
    assert server.handler.logins == [(mechanism, USER)]  # one session, one login
    assert len(server.handler.messages) == 2


def test_a_wrong_password_is_a_fault_of_the_relay_not_of_the_messages(
    certificate: tuple[Path, Path]
) -> None:
    with SmtpServer(tls=certificate, auth=(USER, PASSWORD)) as server:
        transport = SmtpTransport(
            _tls_settings(server.port, certificate, "starttls", password="wrong")
        )
        results = transport.send(rows([message(1), message(2)]))
    assert server.handler.messages == []
    for result in results:
        assert (result.ok, result.retryable, result.transport) == (False, True, True)
        assert "535" in result.error and "username and password" in result.error
    assert "wrong" not in results[0].error


def test_alerts_wait_out_a_wrong_password_and_go_once_it_is_fixed(
    certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    alerts = [message(n) for n in range(3)]
    with SmtpServer(tls=certificate, auth=(USER, PASSWORD)) as server, \
            Store.open(tmp_path / "state.db") as store:
        for m in alerts:
            store.queue(m, [], at=T0)
        for _run in range(2):  # runs go on failing while the password is wrong; nothing is lost
            wrong = deliver(store, SmtpTransport(_tls_settings(server.port, certificate, "starttls",
                                                               password="wrong")))
            assert not wrong.ok and wrong.emails_failed == []
            (line,) = wrong.emails_retrying  # one line for the fault, not one per council
            assert line.startswith("3 message(s) kept queued") and "535" in line
            assert store.outbox_counts() == {"queued": 3}
        fixed = deliver(store, SmtpTransport(_tls_settings(server.port, certificate, "starttls")))
        assert fixed.ok and fixed.emails_sent == 3
    assert sorted(copies(server)["soc@council-a.gov.uk"]) == sorted(m.message_id for m in alerts)


def test_implicit_tls(certificate: tuple[Path, Path]) -> None:
    with SmtpServer(tls=certificate, implicit_tls=True, auth=(USER, PASSWORD)) as server:
        results = SmtpTransport(_tls_settings(server.port, certificate, "tls")).send(rows([message()]))
    assert results[0].ok, results
    assert len(server.handler.messages) == 1


def test_starttls_is_never_skipped(server: SmtpServer) -> None:
    # The server offers no STARTTLS: sending in clear instead would leak the alert.
    (result,) = SmtpTransport(settings(server.port, security="starttls")).send(rows([message()]))
    assert (result.ok, result.retryable) == (False, True)
    assert "STARTTLS" in result.error
    assert server.handler.messages == []


def test_an_untrusted_certificate_is_refused(certificate: tuple[Path, Path]) -> None:
    with SmtpServer(tls=certificate) as server:
        untrusting = ssl.create_default_context()  # system CAs only
        transport = SmtpTransport(
            settings(server.port, security="starttls", tls_context=untrusting)
        )
        (result,) = transport.send(rows([message()]))
    assert (result.ok, result.retryable) == (False, True)
    assert "TLS" in result.error
    assert server.handler.messages == []


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "tls"])
def test_a_private_ca_relay_is_trusted_through_ca_file(
    certificate: tuple[Path, Path], tmp_path: Path, implicit: bool
) -> None:
    security = "tls" if implicit else "starttls"
    m = message(4)
    with SmtpServer(tls=certificate, implicit_tls=implicit) as server, \
            Store.open(tmp_path / "state.db") as store:
        store.queue(m, [], at=T0)
        where = f"127.0.0.1:{server.port}"
        (line,) = deliver(store, SmtpTransport(settings(server.port, security=security))).emails_retrying
        # One line: the server once, why, and what to set; not aiosmtplib's own wrapper too.
        assert f"cannot connect to SMTP server {where}: TLS certificate not trusted" in line
        assert "set [smtp] ca_file" in line and line.count(str(server.port)) == 1
        assert "Error connecting" not in line and "\n" not in line
        assert store.outbox_counts() == {"queued": 1}
        trusting = SmtpTransport(settings(server.port, security=security, ca_file=certificate[0]))
        assert deliver(store, trusting).emails_sent == 1
    assert [r.parsed()["Message-ID"] for r in server.handler.messages] == [m.message_id]


def test_ca_file_from_feeds_toml_reaches_the_transport(certificate: tuple[Path, Path], tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "relay-ca.pem").write_bytes(certificate[0].read_bytes())
    with SmtpServer(tls=certificate) as server:
        config_file = tmp_path / "feeds.toml"
        config_file.write_text(f"""
[smtp]
host = "127.0.0.1"
port = {server.port}
from = "{SENDER}"
ca_file = "certs/relay-ca.pem"
""")
        config = load_config(config_file, {})
        assert transport_for(config).send(rows([message(5)]))[0].ok
    assert len(server.handler.messages) == 1


def test_a_ca_file_that_is_not_the_servers_ca_says_so(
    certificate: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    other_ca = write_other_certificate(tmp_path_factory.mktemp("other"))
    with SmtpServer(tls=certificate) as server:
        transport = SmtpTransport(settings(server.port, security="starttls", ca_file=other_ca))
        (result,) = transport.send(rows([message()]))
    assert (result.ok, result.retryable) == (False, True)
    assert f"ca_file {other_ca} does not hold the CA" in result.error


def test_an_unloadable_ca_file_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "empty.pem").write_text("")
    with pytest.raises(ConfigError, match="no PEM certificate"):
        SmtpTransport(settings(25, security="starttls", ca_file=tmp_path / "empty.pem"))


def test_a_plain_server_on_the_implicit_tls_setting_is_explained(server: SmtpServer) -> None:
    (result,) = SmtpTransport(settings(server.port, security="tls")).send(rows([message()]))
    assert (result.ok, result.retryable) == (False, True)
    assert f"127.0.0.1:{server.port}: TLS handshake failed" in result.error
    assert "check [smtp] security" in result.error


def _tls_settings(port: int, certificate: tuple[Path, Path], security: str, **kw: object):
    values: dict = {"username": USER, "password": PASSWORD, "security": security}
    values.update(kw)
    return settings(port, tls_context=client_tls_context(certificate[0]), **values)


# --- settings ---------------------------------------------------------------------------


def test_settings_report_every_problem_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        SmtpSettings(host="", port=0, max_connections=0, sender="nobody", username="u")
    text = str(caught.value)
    for fragment in ("host", "port", "max_connections", "sender", "together"):
        assert fragment in text


def test_settings_never_send_credentials_in_clear_or_show_them() -> None:
    with pytest.raises(ConfigError, match="clear"):
        SmtpSettings(host="relay", security="none", username="u", password="p")
    assert "s3cret" not in repr(SmtpSettings(host="relay", username="u", password="s3cret"))
