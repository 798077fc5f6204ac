"""Mail headers as mail systems expect them: the Subject folded at spaces only, every email
marked as automatic, and a List-Id per stream a council can filter on."""

from __future__ import annotations

import email
import email.policy
import os
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from advisories.checks import sample_alert, sample_digest, sample_week, sample_withdrawal
from advisories.config import load_config
from advisories.delivery.mime import list_id, to_bytes
from advisories.digest.council import render_weekly
from advisories.digest.output import digest_environment, render_email
from advisories.models import Message
from advisories.render import environment, render_alert, render_withdrawal

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "fixtures" / "emails"
SENDER = "Council Cyber Alerts <alerts@example.gov.uk>"
WHEN = datetime(2023, 3, 30, 9, 0, tzinfo=UTC)
RUN_TIME = {"run_time": "30 March 2023 10:00 BST"}


def wire(message: Message) -> bytes:
    return to_bytes(message, SENDER, date=WHEN)


def parsed(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def subject_lines(data: bytes) -> list[str]:
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    found = re.search(r"^Subject:.*?(?=\r\n\S)", head, re.M | re.S)
    assert found is not None
    return found.group(0).split("\r\n")


SUBJECTS = [
    # The demo's own shape: the email package folded it before "advisories".
    "[CRITICAL] Barsetshire County Council: 3CX Desktop App, Google Chrome, Microsoft Edge and 3 more"
    " - 2 advisories, exploited in the wild",
    # A first word as long as a line: the email package left "Subject:" on a line of its own.
    "A" * 77 + " b",
    # A long unbroken product name: the email package RFC 2047-encoded plain ASCII to split it.
    "[HIGH] Wessex: Supercalifragilistic-Extraordinarily-Long-Product-Name-Without-Spaces-2024 - 2 advisories",
    "[CRITICAL] Cyngor Sir Ynys Môn: 3CX Desktop App, Google Chrome, Microsoft Edge and 3 more - 2 advisories",
    "[HIGH] Ynys Môn: " + "Gwasanaeth ôl-osod " * 8,
    "[WITHDRAWN] A: =?utf-8?q?not_an_encoded_word?= stays as written",
]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_a_long_subject_folds_at_spaces_with_words_on_its_first_line(subject: str) -> None:
    data = wire(Message(key="k", council_id="barsetshire", to=("it@barsetshire.example.gov.uk",),
                        subject=subject, text="t", html="<p>t</p>", message_id="<k@example.gov.uk>"))
    lines = subject_lines(data)
    assert lines[0].startswith("Subject: ") and lines[0][len("Subject: "):].strip()
    assert all(line.startswith(" ") and not line.startswith("  ") for line in lines[1:])
    # A line runs past 78 characters only when it is one word too long to break.
    assert all(len(line) <= 78 or " " not in line.strip()[len("Subject: "):] for line in lines)
    if subject.isascii() and "=?" not in subject:
        assert "=?" not in "".join(lines)  # plain text is never encoded just to be folded
        assert " ".join(line.strip() for line in lines) == "Subject: " + subject.strip()
    assert parsed(data)["Subject"] == " ".join(subject.split())


def test_alerts_notices_bulletins_and_summaries_are_marked_automatic_with_their_list() -> None:
    env = environment()
    config = load_config(ROOT / "examples" / "demo" / "feeds.toml")
    tz = ZoneInfo("Europe/London")
    emails = {
        "alert": render_alert(env, sample_alert(), sender=SENDER, context=RUN_TIME),
        "withdrawal": render_withdrawal(env, sample_withdrawal(), sender=SENDER, context=RUN_TIME),
        "bulletin": render_email(digest_environment(None, tz), sample_digest(tz), key="digest-2023-W13",
                                 recipients=("cyber@lga.example.gov.uk",), sender=SENDER, web_url=None),
        "weekly": render_weekly(config, sample_week(), config.councils[0]),
    }
    lists = {}
    for kind, message in emails.items():
        got = parsed(wire(message))
        assert got.get_all("Auto-Submitted") == ["auto-generated"], kind
        assert got.get_all("X-Auto-Response-Suppress") == ["All"], kind
        [lists[kind]] = got.get_all("List-Id")
    assert lists == {
        "alert": "<barsetshire.alerts.advisories.invalid>",
        "withdrawal": "<barsetshire.alerts.advisories.invalid>",
        "bulletin": "<bulletin.advisories.invalid>",
        "weekly": "<barsetshire.weekly.advisories.invalid>",
    }


def test_a_message_queued_with_its_own_auto_submitted_gets_it_once() -> None:
    """Messages queued before this change carry Auto-Submitted among their headers."""
    old = Message(key="k", council_id="a", to=("it@a.example.gov.uk",), subject="s", text="t", html="<p>t</p>",
                  message_id="<k@x>", headers=(("Auto-Submitted", "auto-generated"),))
    assert parsed(wire(old)).get_all("Auto-Submitted") == ["auto-generated"]


@pytest.mark.parametrize(("council", "expected"), [
    ("barsetshire", "<barsetshire.alerts.advisories.invalid>"),
    ("north_wessex-2", "<north_wessex-2.alerts.advisories.invalid>"),
    ("Evil.example> <x", "<evil-example-x.alerts.advisories.invalid>"),
    ("", "<x.alerts.advisories.invalid>"),
])
def test_a_list_id_is_built_from_the_council_id_in_safe_characters(council: str, expected: str) -> None:
    assert list_id("alerts", council) == expected


def test_the_alert_headers_match_the_golden_file() -> None:
    """The alert's header block, with the MIME boundary masked (ADVISORIES_REGENERATE=1 rewrites)."""
    env = environment()
    head = wire(render_alert(env, sample_alert(), sender=SENDER, context=RUN_TIME)).split(b"\r\n\r\n", 1)[0]
    actual = re.sub(r'boundary="=+\d+=="', 'boundary="BOUNDARY"', head.decode("ascii").replace("\r\n", "\n")) + "\n"
    path = GOLDEN / "alert-headers.txt"
    if os.environ.get("ADVISORIES_REGENERATE") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="ascii")
    assert path.exists(), f"no golden file {path}: run with ADVISORIES_REGENERATE=1"
    assert actual == path.read_text(encoding="ascii")
