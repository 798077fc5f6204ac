"""to_bytes()'s fast path writes the same bytes as the email package (to_email().as_bytes()).

Both ways draw their MIME boundaries from email.generator's _make_boundary (random), so each
comparison seeds `random` identically before each way.
"""

from __future__ import annotations

import email.generator
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from advisories.alerts import Withdrawal, WithdrawnRow
from advisories.checks import sample_alert, sample_withdrawal
from advisories.delivery import mime
from advisories.delivery.mime import to_bytes, to_email
from advisories.models import Attachment, Message
from advisories.render import environment, render_alert, render_withdrawal

SENDER = "Council Cyber Alerts <alerts@example.gov.uk>"
WHEN = datetime(2023, 3, 30, 9, 0, tzinfo=UTC)


def reference(message: Message, sender: str, date: datetime | None, seed: int) -> bytes | type[BaseException]:
    random.seed(seed)
    try:
        return to_email(message, sender, date=date).as_bytes()
    except Exception as exc:
        return type(exc)


def fast(message: Message, sender: str, date: datetime | None, seed: int) -> bytes | type[BaseException]:
    random.seed(seed)
    try:
        return to_bytes(message, sender, date=date)
    except Exception as exc:
        return type(exc)


def same(message: Message, sender: str = SENDER, date: datetime | None = WHEN, seed: int = 0) -> bytes:
    expected = reference(message, sender, date, seed)
    got = fast(message, sender, date, seed)
    assert got == expected
    assert isinstance(got, bytes)
    return got


def message(**kw: Any) -> Message:
    fields: dict[str, Any] = {
        "key": "alert-a-1", "council_id": "a", "to": ("it@a.example.gov.uk",),
        "subject": "[HIGH] A: Widget - 1 advisory", "text": "Body\n", "html": "<p>Body</p>\n",
        "message_id": "<1@example.gov.uk>",
        "headers": (("X-Advisories-Council", "a"), ("List-Id", "<a.alerts.advisories.invalid>")),
    }
    fields.update(kw)
    return Message(**fields)


# -- hypothesis: generated messages ---------------------------------------------------------------

_PIECES = st.sampled_from([
    "", " ", "  ", "\n", "\r\n", "\r", "\n\n", ".", ".\n", "From ", "\nFrom me\n", "trailing   \n", "\t",
    "é", "Ynys Môn", "ü" * 40, "€", "\u2028", "\x0b", "\x0c", "\x85", "\x00", "=?utf-8?q?x?=", "--", "=" * 15,
    "a" * 989, "b" * 990, "c" * 1000, "word ", "<td>row</td>", "\U0001f600",
])
BODIES = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=12).map("".join),
)
SUBJECTS = st.one_of(
    st.text(max_size=120),
    st.lists(st.one_of(st.sampled_from(["[HIGH]", "Môn", "x" * 80, "=?a?q?b?=", "a:b", "\r\n", " ", "é" * 30,
                                        "Supercalifragilistic-Extraordinarily-Long-Product-Name"]),
                       st.text(min_size=1, max_size=10)),
             max_size=12).map(" ".join),
)
ADDRESSES = st.one_of(
    st.sampled_from(["it@a.example.gov.uk", "soc@council-a.gov.uk", "a.b+c@x.example", "o'neil@x.example",
                     "x{y}@x.example", "bad address", "a@b", "first.last@very-long-subdomain.example.gov.uk"]),
    st.emails(),
)
SENDERS = st.sampled_from([
    SENDER, "alerts@example.gov.uk", "Alerts <a@example.gov.uk>", '"Cyber, Alerts" <a@example.gov.uk>',
    "Ynys Môn Alerts <a@example.gov.uk>", "A. N. Other <a@example.gov.uk>", "not an address",
    "Council\r\nBcc: evil@x.example <a@example.gov.uk>", "A very long display name for the council alerts service "
    "of the county <alerts@example.gov.uk>",
])
HEADER_NAMES = st.sampled_from([
    "X-Advisories-Council", "List-Id", "In-Reply-To", "References", "X-Advisories-Digest", "Auto-Submitted",
    "x-auto-response-suppress", "Reply-To", "Keywords", "Comments", "Subject", "Bcc", "Content-Type", "Bad Name",
    "X:Colon", "",
])
HEADER_VALUES = st.one_of(
    st.text(max_size=100),
    st.sampled_from(["<a.alerts.advisories.invalid>", "<1@x> <2@x> " * 12, "=?utf-8?q?caf=C3=A9?=", "a(b)c",
                     '"quoted"', "x" * 100, "a\r\nb", "a@b.example, c@d.example", "Môn"]),
)
MESSAGE_IDS = st.one_of(
    st.sampled_from(["<1@example.gov.uk>", "k@x", "<11201fe2b47d40f70abd042d73152903@example.gov.uk>",
                     "<" + "a" * 80 + "@x.example>", "a b@c", "<a@[1.2.3.4]>", "<a..b@c>", "<\"q\"@c>", "", " "]),
    st.text(max_size=40),
)
ATTACHMENTS = st.builds(
    Attachment,
    filename=st.one_of(st.sampled_from(["rows.csv", "barsetshire-affected-rows.csv", "../../etc/passwd", "",
                                        "x" * 120 + ".csv", "résumé.txt"]), st.text(max_size=30)),
    content_type=st.sampled_from(["text/csv", "text/plain", "text/CSV", "text/x-csv", "text/html",
                                  "application/pdf", "text/", "text/a;b", 'text/a"b']),
    text=BODIES,
)
DATES = st.one_of(
    st.none(),
    st.datetimes(),
    st.builds(lambda d, minutes: d.replace(tzinfo=timezone(timedelta(minutes=minutes))),
              st.datetimes(), st.integers(-23 * 60, 23 * 60)),
)
MESSAGES = st.builds(
    Message,
    key=st.just("k"),
    council_id=st.just("a"),
    to=st.lists(ADDRESSES, max_size=6).map(tuple),
    subject=SUBJECTS,
    text=BODIES,
    html=BODIES,
    message_id=MESSAGE_IDS,
    headers=st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=4).map(tuple),
    attachments=st.lists(ATTACHMENTS, max_size=3).map(tuple),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MESSAGES, SENDERS, DATES, st.integers(0, 2**32))
@example(message(), SENDER, WHEN, 0)
@example(message(to=(), subject=""), SENDER, WHEN, 0)
def test_generated_messages_give_the_reference_bytes(msg: Message, sender: str, date: datetime | None,
                                                    seed: int) -> None:
    if date is None:
        date = WHEN  # "now" would differ between the two builds across a second boundary
    expected = reference(msg, sender, date, seed)
    assert fast(msg, sender, date, seed) == expected


PLAIN_MESSAGES = st.builds(
    message,
    to=st.lists(st.sampled_from(["it@a.example.gov.uk", "soc@council-a.gov.uk", "a.b+c@x.example"]),
                min_size=1, max_size=8).map(tuple),
    subject=SUBJECTS,
    text=BODIES,
    html=BODIES,
    attachments=st.lists(st.builds(Attachment, filename=st.text(max_size=30),
                                   content_type=st.sampled_from(["text/csv", "text/plain", "text/x-csv"]),
                                   text=BODIES), max_size=3).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(PLAIN_MESSAGES, st.integers(0, 2**32))
def test_our_shapes_take_the_fast_path_and_give_the_reference_bytes(msg: Message, seed: int) -> None:
    """Not by falling back: _fast_bytes itself builds them."""
    expected = reference(msg, SENDER, WHEN, seed)
    if not isinstance(expected, bytes):  # a body with lone surrogates: refused either way
        assert fast(msg, SENDER, WHEN, seed) == expected
        return
    random.seed(seed)
    assert mime._fast_bytes(msg, SENDER, WHEN) == expected


# -- real rendered emails -------------------------------------------------------------------------

RUN_TIME = {"run_time": "30 March 2023 10:00 BST"}


def test_a_rendered_alert_gives_the_reference_bytes() -> None:
    msg = render_alert(environment(), sample_alert(), sender=SENDER, context=RUN_TIME)
    random.seed(7)
    assert mime._fast_bytes(msg, SENDER, WHEN) is not None  # the fast path built it
    same(msg, seed=7)


def test_a_rendered_withdrawal_with_a_csv_gives_the_reference_bytes() -> None:
    rows = tuple(WithdrawnRow(f"barsetshire|CVE-2024-0001|widget agent|1.{n}|windows", "CVE-2024-0001",
                              "Widget Agent", f"1.{n}", "windows", 3, "1 May 2024") for n in range(260))
    notice = Withdrawal("barsetshire", "Barsetshire County Council", ("it@barsetshire.example.gov.uk",), rows,
                        (("CVE-2024-0001", "rejected as a duplicate"),))
    msg = render_withdrawal(environment(None), notice, sender=SENDER, context=RUN_TIME)
    assert msg.attachments
    random.seed(3)
    assert mime._fast_bytes(msg, SENDER, WHEN) is not None
    data = same(msg, seed=3)
    assert b"Content-Type: multipart/mixed" in data
    plain = render_withdrawal(environment(), sample_withdrawal(), sender=SENDER, context=RUN_TIME)
    same(plain, seed=4)


def test_a_threaded_update_gives_the_reference_bytes() -> None:
    thread = tuple(f"<alert-{n}-{'x' * 30}@example.gov.uk>" for n in range(11))
    same(message(headers=(("X-Advisories-Council", "a"), ("In-Reply-To", thread[-1]),
                          ("References", " ".join(thread)))))


# -- what the fast path refuses still gets the reference bytes (or error) ------------------------

@pytest.mark.parametrize("msg", [
    message(headers=(("Reply-To", "a@b.example"),)),  # a header the email package counts
    message(attachments=(Attachment("r.csv", "text/CSV", "a,b\n"),)),  # an unusual subtype
    message(subject="caf\udce9"),  # a lone surrogate: the header would be sanitized
], ids=["reply-to", "subtype", "surrogate-subject"])
def test_what_the_fast_path_refuses_goes_the_reference_way(msg: Message) -> None:
    assert mime._fast_bytes(msg, SENDER, WHEN) is None
    same(msg, seed=11)


@pytest.mark.parametrize("msg", [
    message(to=()),
    message(to=("not an address",)),
    message(headers=(("Bcc", "x@y.example"),)),
    message(headers=(("Bad Name", "x"),)),
    message(attachments=(Attachment("r.pdf", "application/pdf", "x"),)),
    message(text="lone \udce9 surrogate"),
    message(message_id=" "),
    message(message_id=":"),  # the email package's parser fails (IndexError): as it always has
], ids=["no-recipients", "bad-address", "reserved-header", "bad-header-name", "pdf", "surrogate-body", "empty-id",
        "colon-id"])
def test_an_unusable_message_raises_as_before(msg: Message) -> None:
    assert mime._fast_bytes(msg, SENDER, WHEN) is None
    expected = reference(msg, SENDER, WHEN, 0)
    assert not isinstance(expected, bytes)
    with pytest.raises(expected):
        to_bytes(msg, SENDER, date=WHEN)


def test_a_boundary_found_in_the_text_is_folded_as_the_email_package_folds_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A boundary the generator lengthened (".0") is not of the plain form: its header is folded by the
    email package, whatever length it has."""
    def long_boundary(cls: type, text: bytes | None = None) -> str:
        return "=" * 15 + str(random.randrange(10**6)) + "==.0"

    monkeypatch.setattr(email.generator.Generator, "_make_boundary", classmethod(long_boundary))
    same(message(), seed=1)
    same(message(attachments=(Attachment("r.csv", "text/csv", "a,b\n"),)), seed=2)


def test_without_a_date_the_fast_path_stamps_now() -> None:
    data = to_bytes(message(), SENDER)
    assert b"\r\nDate: " in data and b"+0000\r\n" in data.split(b"\r\nDate: ", 1)[1][:40]


def test_a_body_holding_the_drawn_boundary_gives_the_reference_bytes() -> None:
    random.seed(5)
    inner = email.generator.Generator._make_boundary()
    outer = email.generator.Generator._make_boundary()
    text = f"--{inner}\n--{inner}--\nx --{outer}\n--{outer}--\n"
    same(message(text=text, html=text, attachments=(Attachment("r.csv", "text/csv", text),)), seed=5)


@pytest.mark.parametrize("text", [b"", b"a\r\n", b"--B\r\n", b"--B\n", b"x\n--B--\n", b"--B\n--B.0--\n--B.1",
                                  b"--B.0\n--B"])
def test_the_boundary_check_agrees_with_the_generators(monkeypatch: pytest.MonkeyPatch, text: bytes) -> None:
    """Lines ending in a bare LF never reach it from to_bytes(), but the check is the generator's."""
    random.seed(9)
    drawn = email.generator.Generator._make_boundary()
    text = text.replace(b"B", drawn.encode("ascii"))
    random.seed(9)
    expected = email.generator.BytesGenerator._make_boundary(text)
    random.seed(9)
    assert mime._boundary(text) == expected
