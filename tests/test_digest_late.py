"""Bulletins already sent: late arrivals reach the next one, and a preview leaves them alone.

The rule: an advisory published in a week whose bulletin had already gone when it was first
seen is listed in the next bulletin made, under "Published earlier, first seen this week".
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from test_digest_scenario import MONDAY_W14, Scenario, scenario

from advisories.delivery.files import FileTransport
from advisories.digest import build_digest, preview_digest, send_digest
from advisories.models import Advisory

MONDAY_W15 = datetime(2023, 4, 10, 7, 0, tzinfo=UTC)  # 08:00 BST: the run that sends week 14
MONDAY_W16 = datetime(2023, 4, 17, 7, 0, tzinfo=UTC)
# Published on the Sunday of week 13, fetched on Monday after the week 13 bulletin went.
LATE = Advisory("ncsc-news:late-sunday", "ncsc-news", "Late Sunday NCSC alert: Fortinet flaw",
                summary="Patch FortiOS now.", url="https://www.ncsc.gov.uk/news/late-sunday",
                published=datetime(2023, 4, 2, 19, tzinfo=UTC), severity="critical",
                kind="news")
# A KEV entry from 2021 first fetched now: no bulletin was ever made for its week.
ANCIENT = Advisory("kev:CVE-2021-44228", "cisa-kev", "Apache Log4j2 RCE", exploited=True,
                   published=datetime(2021, 12, 10, tzinfo=UTC), cves=("CVE-2021-44228",),
                   kind="kev")
HEADING = "PUBLISHED EARLIER, FIRST SEEN THIS WEEK"


def send(s: Scenario, week: str, at: datetime, *, force: bool = False) -> str:
    return send_digest(s.config, s.store, week, force=force, clock=lambda: at,
                       transport=FileTransport(s.config.outbox, s.config.sender))


def test_an_item_fetched_after_its_weeks_bulletin_went_is_in_the_next_one(
    tmp_path: Path,
) -> None:
    s = scenario(tmp_path)
    assert "sent to 1 recipient" in send(s, "2023-W13", MONDAY_W14)
    fetched = datetime(2023, 4, 3, 9, tzinfo=UTC)  # an hour after the week 13 bulletin
    s.store.upsert_advisory(LATE, at=fetched)
    s.store.upsert_advisory(ANCIENT, at=fetched)
    files = build_digest(s.config, s.store, "2023-W14", clock=lambda: MONDAY_W15)
    text = files.message.text
    late = text.split(HEADING)[1].split("VENDOR ADVISORIES")[0]
    assert "These arrived after the bulletin for their week had gone out." in late
    assert "* Late Sunday NCSC alert: Fortinet flaw\n" in late
    assert "\n  Critical | published 2 April 2023\n" in late
    assert "https://www.ncsc.gov.uk/news/late-sunday" in late
    assert "    1  advisory published or first seen" in text
    assert "    1  critical or high" in text
    assert "Log4j" not in text  # its week never had a bulletin to miss
    # Only the late one: what week 13's bulletin already listed is not repeated.
    assert "3CX DesktopApp security issue" not in text
    markdown = files.markdown.read_text(encoding="utf-8")
    assert ("## Published earlier, first seen this week\n\nThese arrived after the bulletin "
            "for their week had gone out.\n\n### [Late Sunday NCSC alert: Fortinet flaw]"
            "(https://www.ncsc.gov.uk/news/late-sunday)\n\n**Critical** · published 2 April 2023\n"
            ) in markdown
    for html in (files.message.html, files.webpage.read_text(encoding="utf-8")):
        assert "Published earlier, first seen this week</h2>" in html
        assert ">Late Sunday NCSC alert: Fortinet flaw</a>" in html


def test_a_late_arrival_is_listed_once(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    send(s, "2023-W13", MONDAY_W14)
    s.store.upsert_advisory(LATE, at=datetime(2023, 4, 3, 9, tzinfo=UTC))
    send(s, "2023-W14", MONDAY_W15)
    week14 = s.store.outbox_entry("digest-2023-W14")
    assert week14 is not None and "Late Sunday NCSC alert" in week14.message.text
    week15 = build_digest(s.config, s.store, "2023-W15", clock=lambda: MONDAY_W16)
    assert HEADING not in week15.message.text and "Late Sunday" not in week15.message.text


def test_an_item_fetched_before_its_weeks_bulletin_is_not_late(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    s.store.upsert_advisory(LATE, at=datetime(2023, 4, 3, 6, tzinfo=UTC))  # 07:00 BST Monday
    send(s, "2023-W13", MONDAY_W14)
    week13 = s.store.outbox_entry("digest-2023-W13")
    assert week13 is not None and "Late Sunday NCSC alert" in week13.message.text
    week14 = build_digest(s.config, s.store, "2023-W14", clock=lambda: MONDAY_W15)
    assert "Late Sunday" not in week14.message.text


def test_previewing_a_sent_week_says_so_and_leaves_the_published_copy(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    sent = send(s, "2023-W13", MONDAY_W14)
    published = {p: p.read_bytes() for p in s.config.bulletins.glob("2023-W13*")}
    assert len(published) == 4 and "web page" in sent
    s.store.upsert_advisory(LATE, at=datetime(2023, 4, 5, tzinfo=UTC))
    lines = preview_digest(s.config, s.store, "2023-W13", clock=lambda: MONDAY_W15)
    assert lines[0] == (
        "digest 2023-W13: already sent on 3 April 2023, 08:00 BST (outbox digest-2023-W13); "
        "the published copy is left as sent. This preview is not sent, and is written to:")
    previews = s.config.state.parent / "bulletin-previews"
    assert lines[1:] == [f"  {previews / name}" for name in (
        "2023-W13.html", "2023-W13.md", "2023-W13.email.html", "2023-W13.email.txt")]
    assert {p: p.read_bytes() for p in s.config.bulletins.glob("2023-W13*")} == published
    assert "Late Sunday NCSC alert" in (previews / "2023-W13.html").read_text(encoding="utf-8")
    # A week not yet sent is previewed where it will be published, as before.
    lines = preview_digest(s.config, s.store, "2023-W14", clock=lambda: MONDAY_W15)
    assert lines[0] == ("digest 2023-W14: written, not sent; edit the draft 2023-W14.md, then add "
                        "--send to send it:")
    assert lines[1] == f"  {s.config.bulletins / '2023-W14.html'}"


def test_a_forced_resend_updates_the_published_copy_its_email_links_to(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    send(s, "2023-W13", MONDAY_W14)
    s.store.upsert_advisory(LATE, at=datetime(2023, 4, 5, tzinfo=UTC))
    again = send(s, "2023-W13", MONDAY_W15)
    assert again.startswith("digest 2023-W13: already sent on 3 April 2023, 08:00 BST "
                            "(outbox digest-2023-W13); nothing sent (--force sends it again)")
    page = s.config.bulletins / "2023-W13.html"
    assert "Late Sunday" not in page.read_text(encoding="utf-8")
    assert "sent to 1 recipient" in send(s, "2023-W13", MONDAY_W15, force=True)
    assert "Late Sunday NCSC alert" in page.read_text(encoding="utf-8")
