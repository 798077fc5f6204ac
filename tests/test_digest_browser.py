"""The bulletin email in a real browser engine: it renders (not blank) and fits 600 px.

Needs Debian's `chromium`; fails under CI without it, skips locally. The screenshot is kept in
test-artifacts/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from browser import chromium_or_skip, ink_pixels, measure, png_size, screenshot
from test_digest_scenario import scenario

from advisories.digest import build_digest, send_weekly_summaries
from advisories.models import Advisory

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
WIDTH = 600


def test_the_bulletin_email_renders_and_fits_600px(tmp_path: Path) -> None:
    chromium = chromium_or_skip()
    s = scenario(tmp_path)
    files = build_digest(s.config, s.store, "2023-W13", clock=s.clock)
    png = ARTIFACTS / "digest-2023-W13-email.png"
    screenshot(chromium, files.email_html, png, width=WIDTH, height=2000)
    assert png_size(png) == (WIDTH, 2000)
    # The black header band alone is ~50,000 dark pixels; a blank page has none.
    assert ink_pixels(png) > 50_000, f"the screenshot looks blank: {png}"
    layout = measure(chromium, files.message.html, tmp_path, width=WIDTH)
    assert layout.inner_width == WIDTH
    assert layout.scroll_width <= WIDTH, f"wider than {WIDTH}px: {layout.overflowing}"
    assert layout.overflowing == []
    assert layout.text_length > 1000  # the text is there, not just the frame


def test_long_unbroken_feed_text_wraps_instead_of_widening_the_email(tmp_path: Path) -> None:
    chromium = chromium_or_skip()
    s = scenario(tmp_path)
    word = "Supercalifragilistic" * 12
    s.store.upsert_advisory(Advisory(
        "long", "ncsc-news", f"Title {word}", summary=f"Summary {word}", severity="high",
        url="https://www.ncsc.gov.uk/news/" + "x" * 300, cves=("CVE-2023-1",) * 1,
        published=datetime(2023, 3, 29, tzinfo=UTC)), at=datetime(2023, 3, 29, tzinfo=UTC))
    files = build_digest(s.config, s.store, "2023-W13", clock=s.clock)
    layout = measure(chromium, files.message.html, tmp_path, width=WIDTH)
    assert layout.scroll_width <= WIDTH, f"wider than {WIDTH}px: {layout.overflowing}"


def test_a_councils_weekly_summary_fits_600px(tmp_path: Path) -> None:
    chromium = chromium_or_skip()
    s = scenario(tmp_path)
    send_weekly_summaries(s.config, s.store, "2023-W13", clock=s.clock)
    entry = s.store.outbox_entry("weekly-barsetshire-2023-W13")
    assert entry is not None
    layout = measure(chromium, entry.message.html, tmp_path, width=WIDTH)
    assert layout.scroll_width <= WIDTH, f"wider than {WIDTH}px: {layout.overflowing}"


def test_a_monthly_edition_with_the_editors_blocks_fits_600px(tmp_path: Path) -> None:
    """The README's screenshot (docs/bulletin-monthly.png; ADVISORIES_REGENERATE_DOCS=1)."""
    import os

    from test_digest_edition import MAY, monthly

    chromium = chromium_or_skip()
    s = monthly(tmp_path)
    files = build_digest(s.config, s.store, "2023-03", clock=lambda: MAY)
    layout = measure(chromium, files.message.html, tmp_path, width=WIDTH)
    assert layout.inner_width == WIDTH
    assert layout.scroll_width <= WIDTH, f"wider than {WIDTH}px: {layout.overflowing}"
    assert layout.overflowing == []
    png = ARTIFACTS / "digest-2023-03-email.png"
    screenshot(chromium, files.email_html, png, width=WIDTH, height=2000)
    assert ink_pixels(png) > 50_000, f"the screenshot looks blank: {png}"
    docs = Path(__file__).resolve().parent.parent / "docs" / "bulletin-monthly.png"
    if os.environ.get("ADVISORIES_REGENERATE_DOCS"):
        screenshot(chromium, files.email_html, docs, width=WIDTH, height=layout.content_height)
    assert docs.is_file() and png_size(docs)[0] == WIDTH
