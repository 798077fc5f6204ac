"""Edits survive: the editor's Markdown draft is what `advisories digest --send` sends.

The draft is written by `advisories digest`, edited as the LGA editor would (a sentence
changed, a section added), and sent through the CLI to a real SMTP server (aiosmtpd).
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from smtpserver import SmtpServer
from test_digest_scenario import MONDAY_W14, scenario
from test_pipeline import use_smtp

from advisories.cli import main
from advisories.config import load_config
from advisories.digest import build_digest
from advisories.digest.draft import parse, text_of
from advisories.models import Advisory

ADDED = "## Events\n\nThe **cyber exercise** is on 12 May: [book a place](https://www.local.gov.uk/events).\n"
EVIL = Advisory("psirt:evil", "psirt", "# Heading ![x](https://evil.example/p.png) see https://evil.example",
                summary="<script>x</script> [click](https://evil.example/login) www.evil.example",
                severity="high", published=MONDAY_W14.replace(month=3, day=29))


def draft_week(tmp_path: Path, port: int) -> Path:
    s = scenario(tmp_path)
    s.store.upsert_advisory(EVIL, at=MONDAY_W14.replace(month=3, day=29))
    use_smtp(tmp_path / "feeds.toml", port)
    s.config = load_config(tmp_path / "feeds.toml", environ={})
    s.store.close()  # the CLI opens the state itself
    return s.config.bulletins / "2023-W13.md"


def parts(message: EmailMessage) -> tuple[str, str]:
    html, text = message.get_body(("html",)), message.get_body(("plain",))
    assert html is not None and text is not None
    return html.get_content(), text.get_content()


def edit(draft: Path) -> None:
    source = draft.read_text(encoding="utf-8")
    assert "Trojanised builds of the 3CX Desktop App were signed" in source
    source = source.replace("Trojanised builds of the 3CX Desktop App were signed",
                            "Tampered builds of the 3CX Desktop App were signed")
    draft.write_text(source.rstrip("\n") + "\n\n" + ADDED, encoding="utf-8")


def test_the_edited_draft_is_what_is_sent_in_both_parts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    with SmtpServer() as server:
        draft = draft_week(tmp_path, server.port)
        config = ["--config", str(tmp_path / "feeds.toml")]
        assert main(["digest", "--week", "2023-W13", *config]) == 0
        assert "edit the draft 2023-W13.md" in capsys.readouterr().out
        edit(draft)
        assert main(["digest", "--week", "2023-W13", *config]) == 0  # a preview keeps the edit
        assert "was edited, so it is kept" in capsys.readouterr().out
        assert "Tampered builds" in draft.read_text(encoding="utf-8")
        assert "Tampered builds" in (draft.parent / "2023-W13.email.txt").read_text(encoding="utf-8")
        assert main(["digest", "--week", "2023-W13", "--send", *config]) == 0
        sent = [r.parsed() for r in server.handler.messages if "bulletin@lga" in r.rcpt_tos[0]]
    assert len(sent) == 1
    html, text = parts(sent[0])
    for body in (html, " ".join(text.split())):
        assert "Tampered builds of the 3CX Desktop App" in body and "Trojanised" not in body
        assert "cyber exercise" in body
        assert "3CX Desktop App for Windows: 18.12.416" in body
    assert "\r\nEVENTS\r\n" in text and ">Events</h2>" in html
    assert 'href="https://www.local.gov.uk/events"' in html  # the editor's link is theirs
    assert "book a place (https://www.local.gov.uk/events)" in " ".join(text.split())
    assert re.search(r'<h2 style="[^"]*font-size: 18px[^"]*">Events</h2>', html)  # the frame
    assert "<style" not in html and 'role="presentation" width="600"' in html
    # Feed text stayed text through the round trip: no link, image or heading from it.
    assert not re.search(r"<img|href=\"https://evil|<h\d[^>]*>\s*Heading|<script", html)
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "https://evil.example/login" in html  # shown, as text


def test_an_untouched_draft_is_regenerated_and_the_generated_email_sent(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    first = build_digest(s.config, s.store, "2023-W13", clock=s.clock)
    assert not first.edited
    s.store.upsert_advisory(EVIL, at=MONDAY_W14)
    again = build_digest(s.config, s.store, "2023-W13", clock=s.clock)
    assert not again.edited and "evil.example" in again.markdown.read_text(encoding="utf-8")


def test_the_draft_renderer_keeps_raw_html_and_images_out() -> None:
    source = ("# Title\n\nDear colleague,\n\n## News\n\n<b>x</b> ![i](https://x.example/i.png) "
              "[ok](https://www.local.gov.uk/) [bad](javascript:alert(1))\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    draft = parse(source)
    assert draft.title == "Title" and "Dear colleague" in draft.intro
    html = str(draft.sections[0].html)
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<img" not in html and "javascript" not in html.split("[bad]")[0]
    assert 'href="https://www.local.gov.uk/"' in html and 'class="grid"' in html
    assert "1 | 2" in text_of(source) and "NEWS" in text_of(source)
