"""Acknowledgement links in headless Chromium against the real endpoint on 127.0.0.1.

The link is taken from an email the aiosmtpd server received after `advisories run --once`;
Chromium opens it (a GET: nothing recorded), clicks the button (the POST records), and the next
run sends nothing for that exposure. A tampered and an expired link record nothing.
Set ADVISORIES_REGENERATE_DOCS=1 to rewrite docs/ack-email.png and docs/ack-confirm.png.
"""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from acks_setup import KEY, KEY_ENV, Clock, answer_links, answers, endpoint, local, make_demo, run
from browser import chromium_or_skip, ink_pixels, screenshot
from cdp import Browser
from smtpserver import SmtpServer

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DOCS = Path(__file__).resolve().parent.parent / "docs"


def _keep(png: Path) -> None:
    if os.environ.get("ADVISORIES_REGENERATE_DOCS"):
        shutil.copyfile(png, DOCS / png.name)


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)


def test_a_link_from_a_received_email_confirmed_in_chromium_is_recorded_and_silences_the_next_run(
    tmp_path: Path,
) -> None:
    chromium = chromium_or_skip()
    with SmtpServer() as smtp:
        config = make_demo(tmp_path, smtp_port=smtp.port)
        assert run(config) == 0
        [barset] = [m.parsed() for m in smtp.handler.messages if "barsetshire" in str(m.rcpt_tos)]
        html = tmp_path / "ack-email.html"
        body = barset.get_body(("html",))
        assert body is not None
        html.write_text(body.get_content(), encoding="utf-8")
        screenshot(chromium, html, ARTIFACTS / "ack-email.png", width=600, height=660)
        _keep(ARTIFACTS / "ack-email.png")
        [accept] = answer_links(barset)["Accept the risk until…"]
        with endpoint(config) as base, Browser(chromium, width=600, height=470) as browser:
            browser.open(local(accept, base))
            page = browser.text()
            assert "Barsetshire County Council" in page and "3CX Desktop App 18.12.416 on Windows" in page
            assert "Confirm: risk accepted" in page and "Wessex" not in page
            assert answers(config) == []  # the GET (what a mail scanner does) recorded nothing
            browser.screenshot(ARTIFACTS / "ack-confirm.png")
            assert ink_pixels(ARTIFACTS / "ack-confirm.png") > 10_000
            _keep(ARTIFACTS / "ack-confirm.png")
            browser.click("button")
            assert "Recorded: risk accepted" in browser.text()
        [(council, key, kind, _, until, sent_to, reopened)] = answers(config)
        assert (council, kind, sent_to, reopened) == (
            "barsetshire", "accepted", "it-security@barsetshire.example.gov.uk", None)
        assert key == "barsetshire|CVE-2023-29059|3cx desktop app|18.12.416|windows" and until
        before = len(smtp.handler.messages)
        assert run(config, "--force") == 0
        assert len(smtp.handler.messages) == before  # nothing for the answered exposure


@pytest.mark.parametrize("damage", ["mac", "claim"])
def test_a_tampered_link_shows_a_clear_page_and_records_nothing(tmp_path: Path, damage: str) -> None:
    chromium = chromium_or_skip()
    with SmtpServer() as smtp:
        config = make_demo(tmp_path, smtp_port=smtp.port)
        assert run(config) == 0
        [barset] = [m.parsed() for m in smtp.handler.messages if "barsetshire" in str(m.rcpt_tos)]
    [patched] = answer_links(barset)["Patched"]
    claim, mac = patched.rsplit(".", 1)
    # Flip one character of the MAC, or of the claim (another exposure, council or kind).
    tampered = (f"{claim}.{'A' if mac[0] != 'A' else 'B'}{mac[1:]}" if damage == "mac"
                else f"{claim[:-5]}{'x' if claim[-5] != 'x' else 'y'}{claim[-4:]}.{mac}")
    with endpoint(config) as base, Browser(chromium) as browser:
        browser.open(local(tampered, base))
        page = browser.text()
        assert "This link is not valid" in page and "Nothing was recorded" in page
        assert browser.evaluate("document.querySelectorAll('form').length") == 0
    assert answers(config) == []


def test_an_expired_link_shows_a_clear_page_and_records_nothing(tmp_path: Path) -> None:
    chromium = chromium_or_skip()
    with SmtpServer() as smtp:
        config = make_demo(tmp_path, smtp_port=smtp.port)
        assert run(config) == 0
        [barset] = [m.parsed() for m in smtp.handler.messages if "barsetshire" in str(m.rcpt_tos)]
    [wrong] = answer_links(barset)["Wrong match"]
    clock = Clock()
    with endpoint(config, clock) as base, Browser(chromium) as browser:
        browser.open(local(wrong, base))
        assert "Confirm: wrong match" in browser.text()
        clock.ahead = timedelta(days=31)  # past the link's 30 days, between the page and the button
        browser.click("button")
        assert "This link has expired" in browser.text() and "Nothing was recorded" in browser.text()
        browser.open(local(wrong, base))
        assert "This link has expired" in browser.text()
    assert answers(config) == []
