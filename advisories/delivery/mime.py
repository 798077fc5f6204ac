"""Message -> RFC 5322 email (multipart/alternative: text first, HTML second, UTF-8; with
attachments, multipart/mixed: that alternative first, then each attachment).

Feed text ends up in subjects, so header values are treated as hostile: every CR, LF and
other control character is replaced by a space *before* the email package sees the value,
and the email package (policy.SMTP) then RFC 2047-encodes whatever is not ASCII. Relying on
the email package alone is not enough: its refusal of CR/LF depends on the header class and
Python version, and an exception would only turn an injection into a lost alert.

Every email says it is automatic (`Auto-Submitted: auto-generated`, RFC 3834, and Exchange's
`X-Auto-Response-Suppress: All`), so out-of-office replies and read receipts do not come back to
the sender; a List-Id per stream (`list_id`) lets a council file or route each stream by rule.
The Subject is folded by `_SubjectHeader`: only at spaces, never before its first word.
"""

from __future__ import annotations

import binascii
import email
import email.errors
import email.generator
import email.policy
import email.utils
import functools
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import Policy
from typing import Any, cast

from advisories.models import Attachment, Message, Outgoing

__all__ = ["clean_header_value", "envelope_address", "list_id", "sender_address", "to_bytes", "to_email"]

# C0 and C1 controls, DEL, and the Unicode line/paragraph separators: all could end a header
# line in some parser along the way (RFC 5322 parsers, MUAs, log viewers).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# RFC 5322 field name: printable ASCII except ':' and space.
_HEADER_NAME = re.compile(r"[!-9;-~]+")
# A deliberately plain addr-spec: what goes into MAIL FROM / RCPT TO must not be able to
# carry spaces, brackets or separators that could smuggle a second address or command.
_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
# Headers to_email() sets itself (or that would change who receives the mail): a Message's
# extra headers may not override them.
_ADDRESS_HEADERS = ("from", "sender", "to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc")
_OWN_HEADERS = ("subject", "message-id", "date", "mime-version", "return-path")
_MIME_HEADERS = ("content-type", "content-transfer-encoding")
_RESERVED = frozenset(_ADDRESS_HEADERS + _OWN_HEADERS + _MIME_HEADERS)
# Set on every email by to_email(). Messages queued by earlier versions carry Auto-Submitted
# in their own headers: skipped, not refused, so they can still be rebuilt (outbox --retry).
_AUTOMATED = (("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All"))
_AUTOMATED_NAMES = frozenset(name.lower() for name, _ in _AUTOMATED)
# List-Id (RFC 2919): under .invalid, which no one can own, and not under the sender's domain,
# so a council's mail rule keeps working when the operator changes the sender address.
_LIST_DOMAIN = "advisories.invalid"
_NOT_LABEL = re.compile(r"[^a-z0-9_-]+")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
# RFC 5322 asks for lines of at most 78 characters, and RFC 2047 for encoded words of at most 75.
_LINE = 78
_ENCODED_WORD = 75
_Q_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")


class _SubjectHeader(UnstructuredHeader):
    """Subject, folded only at spaces, with its first word on the first line.

    The email package folds a Subject whose next word does not fit before that word, even when
    it is the first ("Subject:" then an empty line), and RFC 2047-encodes an ASCII word too long
    for a line just to split it. Here: plain words are kept as they are (a line may run past 78
    characters for one long word, within RFC 5322's 998), and only non-ASCII text is encoded.
    """

    max_count = 1
    name: str  # BaseHeader's, which the registry mixes in (typeshed does not say so)

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        # The value is our text, not wire format: "=?utf-8?q?...?=" in a feed title stays those
        # characters (the default decodes it, which could bring back a decoded CR or LF).
        super().parse(value, kwds)
        kwds["decoded"] = value

    def fold(self, *, policy: Policy) -> str:
        return fold_subject(self.name, str(self), policy.linesep)


def fold_subject(name: str, value: str, linesep: str = "\r\n") -> str:
    """`name: value` as header lines: words packed greedily into lines of at most 78 characters."""
    atoms = list(_subject_atoms(value))
    lines = [f"{name}: {atoms[0]}" if atoms else f"{name}:"]
    for atom in atoms[1:]:
        if len(lines[-1]) + 1 + len(atom) > _LINE:
            lines.append(" " + atom)  # the fold replaces the space between the two words
        else:
            lines[-1] += " " + atom
    return linesep.join(lines) + linesep


def _subject_atoms(value: str) -> Iterator[str]:
    """Plain words, and each run of words that need encoding as encoded words.

    A run is encoded whole, spaces included: the space between two encoded words is dropped
    by the reader, so "Ynys Môn" must not become two encoded words with a space between.
    """
    run: list[str] = []
    for word in value.split():
        if _plain(word):
            if run:
                yield from _encoded_words(" ".join(run))
                run = []
            yield word
        else:
            run.append(word)
    if run:
        yield from _encoded_words(" ".join(run))


def _plain(word: str) -> bool:
    # "=?" could be read as the start of an encoded word; 900 keeps a line under 998.
    return word.isascii() and word.isprintable() and "=?" not in word and len(word) <= 900


def _encoded_words(text: str) -> Iterator[str]:
    """RFC 2047 Q-encoded words of at most 75 characters, cut between characters."""
    chunk = ""
    for ch in text:
        if chunk and len(_q_word(chunk + ch)) > _ENCODED_WORD:
            yield _q_word(chunk)
            chunk = ""
        chunk += ch
    if chunk:
        yield _q_word(chunk)


def _q_word(text: str) -> str:
    encoded = "".join(chr(b) if b in _Q_SAFE else "_" if b == 0x20 else f"={b:02X}" for b in text.encode())
    return f"=?utf-8?q?{encoded}?="


class _CachedHeaderRegistry(HeaderRegistry):
    """HeaderRegistry, minus a new class built with type() for every header it parses.

    That class depends only on the header name, and building it took about a third of the
    time to_bytes() spends on a 20 KB alert.
    """

    def __init__(self) -> None:
        super().__init__()
        self.map_to_type("subject", cast("type[BaseHeader]", _SubjectHeader))
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = super().__getitem__(name)
            if len(self._classes) < 256:  # names come from our code, but stay bounded
                self._classes[key] = cls
        return cls


# CRLF line ends and 7-bit bodies (quoted-printable or base64 for non-ASCII): "8bit" would
# need the relay's 8BITMIME extension, which aiosmtplib does not negotiate for us.
_POLICY = email.policy.SMTP.clone(cte_type="7bit", header_factory=_CachedHeaderRegistry())


def clean_header_value(value: str) -> str:
    """One line of text: control characters become spaces, runs of whitespace collapse."""
    return " ".join(_CONTROL.sub(" ", value).split())


def list_id(stream: str, council_id: str | None = None) -> str:
    """The List-Id of a stream: "<barsetshire.alerts.advisories.invalid>" for a council's
    alerts, "<bulletin.advisories.invalid>" for the bulletin. Council ids are lower case,
    digits, "-" and "_" already (config); anything else becomes "-", so an id cannot add a dot."""
    labels = [_label(council_id)] if council_id is not None else []
    return "<" + ".".join([*labels, _label(stream), _LIST_DOMAIN]) + ">"


def _label(text: str) -> str:
    return _NOT_LABEL.sub("-", text.lower()).strip("-")[:63] or "x"


def envelope_address(address: str) -> str:
    """`address` if it is a plain addr-spec (local@domain), else ValueError."""
    if not _ADDRESS.fullmatch(address):
        raise ValueError(f"not a plain email address: {address[:80]!r}")
    return address


def sender_address(sender: str) -> str:
    """The addr-spec inside `sender`, which may carry a display name ("Alerts <a@b.uk>")."""
    return envelope_address(email.utils.parseaddr(clean_header_value(sender))[1])


def to_email(message: Message, sender: str, *, date: datetime | None = None) -> EmailMessage:
    """Build the email for `message`; ValueError if an address or header name is unusable.

    `date` defaults to now; tests pass one to get byte-stable output.
    """
    if not message.to:
        raise ValueError(f"message {message.key!r} has no recipients")
    sender_address(sender)
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = clean_header_value(sender)
    msg["To"] = ", ".join(envelope_address(a) for a in message.to)
    msg["Subject"] = clean_header_value(message.subject)
    msg["Date"] = email.utils.format_datetime(date or datetime.now(UTC))
    msg["Message-ID"] = _message_id(message.message_id)
    for name, value in _AUTOMATED:
        msg[name] = value
    for name, value in message.headers:
        if name.lower() not in _AUTOMATED_NAMES:
            _add_header(msg, name, value)
    msg.set_content(message.text, subtype="plain", charset="utf-8", cte=_body_encoding(message.text))
    msg.add_alternative(message.html, subtype="html", charset="utf-8", cte=_body_encoding(message.html))
    for attachment in message.attachments:
        _attach(msg, attachment)
    return msg


def to_bytes(message: Message, sender: str, *, date: datetime | None = None) -> bytes:
    """The wire form of to_email(): CRLF line ends, 7-bit clean throughout.

    A message built when it was queued (`raw`) is sent exactly as built.
    """
    if message.raw is not None:
        return message.raw
    when = date or datetime.now(UTC)
    fast = _fast_bytes(message, sender, when)
    if fast is not None:
        return fast
    return to_email(message, sender, date=when).as_bytes()


def email_bytes(item: Outgoing, sender: str) -> bytes:
    """An email row's bytes: those built when it was queued, else built now from its draft."""
    if item.raw is not None:
        return item.raw
    if item.draft is None:
        raise ValueError(f"message {item.key!r} has neither bytes nor parts")
    return to_bytes(item.draft, sender)


def outgoing(message: Message) -> Outgoing:
    """An email as an outbox row: its bytes when built (`raw`), else its parts to build them from."""
    return Outgoing(key=message.key, council_id=message.council_id, channel="email", to=message.to,
                    subject=message.subject, raw=message.raw,
                    draft=message if message.raw is None else None)


def readdress(raw: bytes, to: tuple[str, ...]) -> bytes:
    """The same email with another To header (`outbox --retry` after the recipients changed)."""
    msg = email.message_from_bytes(raw, policy=_POLICY)
    del msg["To"]
    msg["To"] = ", ".join(envelope_address(a) for a in to)
    return msg.as_bytes()


def _message_id(value: str) -> str:
    cleaned = "".join(clean_header_value(value).split())
    if not cleaned:
        raise ValueError("message has an empty Message-ID")
    return cleaned if cleaned.startswith("<") and cleaned.endswith(">") else f"<{cleaned}>"


def _add_header(msg: EmailMessage, name: str, value: str) -> None:
    if not _HEADER_NAME.fullmatch(name):
        raise ValueError(f"invalid header name {name[:40]!r}")
    if name.lower() in _RESERVED:
        raise ValueError(f"header {name!r} is set by the transport, not by the message")
    try:
        msg[name] = clean_header_value(value)
    except (ValueError, email.errors.MessageError) as exc:
        raise ValueError(f"header {name}: {exc}") from exc


def _attach(msg: EmailMessage, attachment: Attachment) -> None:
    """A text attachment; the alternative part becomes the first part of a multipart/mixed."""
    maintype, _, subtype = attachment.content_type.partition("/")
    if maintype != "text" or not _HEADER_NAME.fullmatch(subtype):
        raise ValueError(f"attachment {attachment.filename[:40]!r}: not a text type: {attachment.content_type[:40]!r}")
    name = _UNSAFE_FILENAME.sub("_", attachment.filename).strip("._")[:100] or "attachment.txt"
    msg.add_attachment(attachment.text, subtype=subtype, charset="utf-8",
                       cte=_body_encoding(attachment.text), filename=name)


def _body_encoding(body: str) -> str:
    """7bit when the body already is (most alerts are), else base64.

    Not quoted-printable: the email package encodes that in pure Python, which made building
    a 20 KB alert cost more than sending it; base64 is done in C.
    """
    if body.isascii() and max(map(len, body.splitlines()), default=0) < 990:
        return "7bit"
    return "base64"


# The fast path: to_email(...).as_bytes() without building the EmailMessage tree, for the shapes
# our messages have (multipart/alternative text+HTML, maybe inside multipart/mixed with text
# attachments). The output is byte-for-byte the email package's: each header is folded by the
# email package itself (cached by name and value, since most repeat from one email to the next),
# except the Subject, which is _SubjectHeader's own fold_subject, and a plain Message-ID; the
# bodies are encoded as contentmanager does; boundaries come from the generator's own
# _make_boundary, in the generator's order (inner part first), checked against the same text.
# Any input it is not sure of returns None before a boundary is drawn: the caller then builds
# the email the reference way (which also raises whatever errors the input deserves).
_CRLF = b"\r\n"
_FAST_SUBTYPE = re.compile(r"[a-z0-9][a-z0-9.+-]{0,39}")
_PLAIN_MESSAGE_ID = re.compile(
    r"<[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*>"
)
_PLAIN_BOUNDARY = re.compile(r"={15}[0-9]{19}==")
_TEXT_PART = (b'Content-Type: text/plain; charset="utf-8"\r\n', b"Content-Transfer-Encoding: ")
_HTML_PART = (b'Content-Type: text/html; charset="utf-8"\r\n', b"Content-Transfer-Encoding: ")
_MIME_VERSION = b"MIME-Version: 1.0\r\n"


@functools.lru_cache(maxsize=1024)
def _folded(name: str, value: str) -> bytes:
    """`name: value` as the generator writes it: the email package's header object, folded."""
    return _POLICY.fold_binary(*_POLICY.header_store_parse(name, value))


def _fast_bytes(message: Message, sender: str, date: datetime) -> bytes | None:
    """to_email(message, sender, date=date).as_bytes(), or None where not sure it would be."""
    try:
        head = _fast_headers(message, sender, date)
        if head is None:
            return None
        alternative = (_fast_part(_TEXT_PART, message.text, mime_version=False),
                       _fast_part(_HTML_PART, message.html, mime_version=True))
        attachments = [_fast_attachment(attachment) for attachment in message.attachments]
    except Exception:  # the reference way raises (or copes) as it always has
        return None
    if None in alternative or None in attachments:
        return None
    # From here on nothing can refuse: boundaries are drawn exactly as the generator would.
    inner = _multipart(b"alternative", cast("list[bytes]", list(alternative)))
    if not attachments:
        return head + inner
    outer = _multipart(b"mixed", [inner, *cast("list[bytes]", attachments)])
    return head + outer


def _fast_headers(message: Message, sender: str, date: datetime) -> bytes | None:
    """The top-level headers up to MIME-Version, as to_email() adds them."""
    if not message.to:
        return None
    sender_address(sender)
    subject = clean_header_value(message.subject)
    subject.encode("utf-8")  # lone surrogates: the header would be sanitized; reference way
    parts = [
        _folded("From", clean_header_value(sender)),
        _folded("To", ", ".join(envelope_address(a) for a in message.to)),
        fold_subject("Subject", subject).encode("ascii"),
        _folded("Date", email.utils.format_datetime(date)),
    ]
    message_id = _message_id(message.message_id)
    if len(message_id) <= _LINE - len("Message-ID: ") and _PLAIN_MESSAGE_ID.fullmatch(message_id):
        parts.append(f"Message-ID: {message_id}\r\n".encode("ascii"))
    else:
        parts.append(_POLICY.fold_binary(*_POLICY.header_store_parse("Message-ID", message_id)))
    for name, value in _AUTOMATED:
        parts.append(_folded(name, value))
    for name, value in message.headers:
        lower = name.lower()
        if lower in _AUTOMATED_NAMES:
            continue
        if not _HEADER_NAME.fullmatch(name) or lower in _RESERVED:
            return None
        if _POLICY.header_max_count(name) is not None:
            return None  # a header the email package limits in number (Reply-To): reference way
        parts.append(_folded(name, clean_header_value(value)))
    parts.append(_MIME_VERSION)
    return b"".join(parts)


def _fast_body(text: str) -> tuple[bytes, bytes]:
    """(Content-Transfer-Encoding, wire body) as contentmanager and the generator make them."""
    cte = _body_encoding(text)
    lines = text.encode("utf-8").splitlines()
    if cte == "7bit":
        return b"7bit", _CRLF.join(lines) + _CRLF
    # contentmanager's _encode_base64: 57 bytes (76 characters) a line
    encoded = binascii.b2a_base64(_CRLF.join(lines) + _CRLF, newline=False)
    return b"base64", _CRLF.join([encoded[i:i + 76] for i in range(0, len(encoded), 76)]) + _CRLF


def _fast_part(head: tuple[bytes, bytes], text: str, *, mime_version: bool) -> bytes:
    cte, body = _fast_body(text)
    return b"".join((head[0], head[1], cte, _CRLF, _MIME_VERSION if mime_version else b"", _CRLF, body))


def _fast_attachment(attachment: Attachment) -> bytes | None:
    maintype, _, subtype = attachment.content_type.partition("/")
    if maintype != "text" or not _FAST_SUBTYPE.fullmatch(subtype):
        return None
    name = _UNSAFE_FILENAME.sub("_", attachment.filename).strip("._")[:100] or "attachment.txt"
    cte, body = _fast_body(attachment.text)
    return b"".join((
        _folded("Content-Type", f'text/{subtype}; charset="utf-8"'),
        b"Content-Transfer-Encoding: ", cte, _CRLF,
        _folded("Content-Disposition", f'attachment; filename="{name}"'),
        _MIME_VERSION, _CRLF, body,
    ))


def _boundary(text: bytes) -> str:
    """BytesGenerator._make_boundary(text), with its check of the text done faster.

    The generator draws a random boundary (the same call, so the same draw from `random`), then
    lengthens it while a line of the text is "--boundary" or "--boundary--", compiling and running
    a regular expression anchored at line starts: most of the time this module spent. A boundary
    that is not in the text at all needs no such check; one that is gets the generator's own.
    """
    # Looked up on each call (not bound once), so a test that patches it patches both ways.
    boundary: str = cast("Any", email.generator.BytesGenerator)._make_boundary()
    if b"--" + boundary.encode("ascii") not in text:
        return boundary
    candidate, counter = boundary, 0
    while re.search(b"^--" + re.escape(candidate.encode("ascii")) + b"(--)?$", text, re.MULTILINE):
        candidate = f"{boundary}.{counter}"
        counter += 1
    return candidate


def _multipart(subtype: bytes, parts: list[bytes]) -> bytes:
    """A multipart part (its Content-Type header, blank line, parts) as the generator writes it."""
    boundary = _boundary(_CRLF.join(parts))
    if _PLAIN_BOUNDARY.fullmatch(boundary):
        if subtype == b"alternative":  # 87 characters on one line: folded before the parameter
            header = b'Content-Type: multipart/alternative;\r\n boundary="%s"\r\n' % boundary.encode("ascii")
        else:
            header = b'Content-Type: multipart/mixed; boundary="%s"\r\n' % boundary.encode("ascii")
    else:  # a boundary made longer because it was in the text: fold it the email package's way
        value = f'multipart/{subtype.decode("ascii")}; boundary="{boundary}"'
        header = _POLICY.fold_binary(*_POLICY.header_store_parse("Content-Type", value))
    delimiter = b"\r\n--" + boundary.encode("ascii") + _CRLF
    return b"".join((header, _CRLF, delimiter[2:], delimiter.join(parts), b"\r\n--", boundary.encode("ascii"),
                     b"--\r\n"))
