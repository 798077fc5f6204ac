"""The bulletin's files: self-contained email HTML, size, escaping, the editor's note, overrides."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_digest_scenario import Scenario, scenario

from advisories.digest import build_digest
from advisories.digest.notes import load_note, render_note
from advisories.digest.output import MAX_EMAIL_BYTES
from advisories.models import Advisory

HOSTILE = '<img src=x onerror="alert(1)"> **[click](javascript:alert(1))** | # <script>x</script>'


def add(s: Scenario, *advisories: Advisory) -> None:
    for advisory in advisories:
        s.store.upsert_advisory(advisory, at=datetime(2023, 3, 31, tzinfo=UTC))


def test_the_email_is_self_contained_with_inlined_css(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    html = build_digest(s.config, s.store, "2023-W13", clock=s.clock).message.html
    assert "<style" not in html and "<script" not in html.lower()
    assert not re.search(r"<(img|link|iframe|object|embed)\b", html, re.IGNORECASE)
    assert not re.search(r"\ssrc=|url\(", html, re.IGNORECASE)  # nothing fetched remotely
    assert re.search(r'<h2 style="[^"]*font-size: 18px', html)  # css-inline did its work
    assert 'role="presentation" width="600"' in html  # table layout


def test_the_plain_text_part_reads_on_its_own(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    text = build_digest(s.config, s.store, "2023-W13", clock=s.clock).message.text
    assert not re.search(r"<[a-z/][^>]*>", text) and "&amp;" not in text
    assert "NCSC UPDATES" in text and "SECTOR EXPOSURE" in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_a_huge_week_stays_under_100_kb_and_the_web_page_lists_everything(
    tmp_path: Path,
) -> None:
    s = scenario(tmp_path)
    base = datetime(2023, 3, 28, tzinfo=UTC)
    add(s, *(Advisory(f"nvd:CVE-2023-{n}", "nvd", f"Vendor product {n} remote code execution "
                      + "with a long title " * 5, summary="word " * 400, severity=sev,
                      url=f"https://nvd.nist.gov/vuln/detail/CVE-2023-{n}", cves=(f"CVE-2023-{n}",),
                      published=base + timedelta(minutes=n), exploited=n % 7 == 0)
             for n in range(600) for sev in [("critical", "high", "medium", "low")[n % 4]]))
    files = build_digest(s.config, s.store, "2023-W13", clock=s.clock)
    size = len(files.message.html.encode()) + len(files.message.text.encode())
    assert size <= MAX_EMAIL_BYTES
    assert "more in the web copy of this bulletin" in files.message.text
    page = files.webpage.read_text(encoding="utf-8")
    assert all(f"CVE-2023-{n}" in page for n in range(600))


def test_feed_text_is_escaped_in_every_format(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    add(s, Advisory("evil", "ncsc-news", HOSTILE, summary=HOSTILE, severity="low",
                    url="https://www.ncsc.gov.uk/news/x", published=datetime(2023, 3, 29,
                                                                            tzinfo=UTC)))
    files = build_digest(s.config, s.store, "2023-W13", clock=s.clock)
    for html in (files.message.html, files.webpage.read_text(encoding="utf-8")):
        assert "<img" not in html and "<script>" not in html
        assert "&lt;img src=x" in html
    markdown = files.markdown.read_text(encoding="utf-8")
    assert "<img" not in markdown and not re.search(r"(?<!\\)\]\(javascript:", markdown)
    assert r"\*\*\[click\](javascript:alert(1))\*\* \| \# &lt;script&gt;" in markdown


def test_the_editors_note_is_merged_in_at_the_top_and_rendered_safely(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "2023-W13.md").write_text(
        "Thanks to **everyone** who patched 3CX. See [the NCSC](https://www.ncsc.gov.uk/news/)."
        "\n\n<script>alert(1)</script> [bad](javascript:alert(1))\n\n- one\n- two\n",
        encoding="utf-8")
    files = build_digest(s.config, s.store, "2023-W13", clock=s.clock)
    html = files.message.html
    assert html.index("Thanks to") < html.index("The week at a glance")
    assert "<strong" in html and 'href="https://www.ncsc.gov.uk/news/"' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert "Thanks to everyone who patched 3CX. See the NCSC (https://www.ncsc.gov.uk/news/)." in (
        " ".join(files.message.text.split()))
    assert "Thanks to **everyone** who patched 3CX" in files.markdown.read_text(encoding="utf-8")
    # Another week has no note, and no section for it.
    other = build_digest(s.config, s.store, "2023-W12", clock=s.clock)
    assert "Thanks to" not in other.message.html


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("a\nb\n\nc", "<p>a b</p><p>c</p>"),
        ("1. x\n2. **y**", "<ol><li>x</li><li><strong>y</strong></li></ol>"),
        ("* x\n- y", "<ul><li>x</li><li>y</li></ul>"),
        ("[a](https://x.example/?q=1&r=2)",
         '<p><a href="https://x.example/?q=1&amp;r=2" rel="noopener noreferrer">a</a></p>'),
        ("<b onclick=x>hi</b>", "<p>&lt;b onclick=x&gt;hi&lt;/b&gt;</p>"),
        ("[x](https://u:p@evil.example/)", "<p>[x](https://u:p@evil.example/)</p>"),
    ],
)
def test_the_markdown_subset(source: str, html: str) -> None:
    assert str(render_note(source).html) == html


def test_no_notes_folder_or_an_empty_note_means_no_note(tmp_path: Path) -> None:
    assert load_note(None, "2023-W13") is None
    (tmp_path / "2023-W13.md").write_text("  \n")
    assert load_note(tmp_path, "2023-W13") is None


def test_an_operator_template_overrides_the_shipped_one(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    mine = tmp_path / "mytemplates"
    mine.mkdir()
    (mine / "digest.subject.txt").write_text("Bulletin {{ digest.week }}\n")
    config = replace(s.config, templates=mine)
    files = build_digest(config, s.store, "2023-W13", clock=s.clock)
    assert files.message.subject == "Bulletin 2023-W13"
    assert "NCSC UPDATES" in files.message.text  # the rest still comes from the defaults


def test_an_empty_week_still_has_the_glance_and_nothing_else(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    files = build_digest(s.config, s.store, "2022-W01", clock=s.clock)
    text = files.message.text
    assert "THE WEEK AT A GLANCE" in text and "0  advisories published" in text
    for heading in ("NCSC UPDATES", "ACTIVELY EXPLOITED", "SECTOR EXPOSURE", "VENDOR"):
        assert heading not in text
    assert "NEEDS REVIEW" in text  # open unknown versions stay listed until resolved
