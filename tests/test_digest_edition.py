"""Editions: weekly or monthly, numbered across restarts, with the editor's blocks in order."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_digest_scenario import Scenario, scenario

from advisories.config import load_config
from advisories.digest import build_digest, send_digest
from advisories.digest.edition import Month
from advisories.errors import ConfigError
from advisories.store import Store

# Tuesday 2 May 2023: April's edition is due.
MAY = datetime(2023, 5, 2, 8, tzinfo=UTC)
BLOCKS = {
    "introduction": "Dear colleague,\n\nWelcome to the March edition.",
    "news": "The **LGA** published its cyber guidance.",
    "central-government": "DSIT opened a consultation.",
    "events": "- 12 May: cyber exercise in a box",
    "sign-off": "Best wishes,\n\nThe LGA cyber team",
}


def monthly(tmp_path: Path, *, first: int = 8) -> Scenario:
    s = scenario(tmp_path)
    path = tmp_path / "feeds.toml"
    path.write_text(path.read_text() + f'period = "month"\nfirst_edition = {first}\n')
    s.config = load_config(path, environ={})  # the same Scenario: it owns the store's lifetime
    notes = tmp_path / "notes"
    (notes / "2023-03").mkdir(parents=True)
    for name, text in BLOCKS.items():
        (notes / "2023-03" / f"{name}.md").write_text(text, encoding="utf-8")
    (notes / "contact.md").write_text("cyber@local.gov.uk", encoding="utf-8")
    return s


def test_a_monthly_edition_has_the_lgas_date_line_and_blocks_in_order(tmp_path: Path) -> None:
    s = monthly(tmp_path)
    files = build_digest(s.config, s.store, "2023-03", clock=lambda: MAY)
    assert files.webpage.name == "2023-03.html"
    assert files.message.subject.startswith("Cyber, Digital and Technology Bulletin, March 2023 No.8")
    text = files.message.text
    order = ["March 2023 No.8", "Dear colleague", "THE WEEK AT A GLANCE", "NCSC UPDATES",
             "NEWS", "The LGA published", "CENTRAL GOVERNMENT", "EVENTS", "Best wishes",
             "CONTACT DETAILS", "cyber@local.gov.uk"]
    assert [text.index(x) for x in order] == sorted(text.index(x) for x in order)
    # The month holds the 3CX week's advisories (27-31 March) and not February's.
    assert "3CX Desktop App supply-chain compromise" in text
    markdown = files.markdown.read_text(encoding="utf-8")
    assert markdown.startswith("# Cyber, Digital and Technology Bulletin\n\n**March 2023 No.8**")
    assert "## Central government\n\nDSIT opened a consultation." in markdown
    html = files.message.html
    assert "March 2023 No.8" in html and "<strong>LGA</strong>" in html
    assert html.index("Dear colleague") < html.index("The week at a glance") < html.index("Events")


def test_edition_numbers_count_up_and_survive_a_restart(tmp_path: Path) -> None:
    s = monthly(tmp_path)
    assert "sent to 1 recipient" in send_digest(s.config, s.store, "2023-03", clock=lambda: MAY)
    s.store.close()
    with Store.open(s.config.state) as store:  # a restart: a new process, the same state
        files = build_digest(s.config, store, "2023-04", clock=lambda: MAY)
        assert "April 2023 No.9" in files.message.text
        again = build_digest(s.config, store, "2023-03", clock=lambda: MAY)
        assert "March 2023 No.8" in again.message.text  # a sent edition keeps its number
        assert "sent to 1" in send_digest(s.config, store, "2023-04", clock=lambda: MAY)
        assert "sent to 1" in send_digest(s.config, store, "2023-04", force=True, clock=lambda: MAY)
        may = build_digest(s.config, store, "2023-05", clock=lambda: MAY)
        assert "May 2023 No.10" in may.message.text  # a resend used no number up


def test_a_weekly_period_refuses_a_month_and_the_reverse(tmp_path: Path) -> None:
    weekly = scenario(tmp_path / "w")
    with pytest.raises(ConfigError, match="is not a week"):
        build_digest(weekly.config, weekly.store, "2023-03", clock=lambda: MAY)
    s = monthly(tmp_path / "m")
    with pytest.raises(ConfigError, match="is not a month"):
        build_digest(s.config, s.store, "2023-W13", clock=lambda: MAY)
    assert build_digest(s.config, s.store, None, clock=lambda: MAY).week == Month(2023, 5)


@pytest.mark.parametrize(("line", "problem"), [('period = "fortnight"', "digest.period"),
                                                ("first_edition = 0", "digest.first_edition")])
def test_bad_edition_settings_are_config_errors(tmp_path: Path, line: str, problem: str) -> None:
    scenario(tmp_path)
    path = tmp_path / "feeds.toml"
    path.write_text(path.read_text() + line + "\n")
    with pytest.raises(ConfigError, match=problem):
        load_config(path, environ={})


def test_a_weekly_edition_carries_its_number_too(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    text = build_digest(s.config, s.store, "2023-W13", clock=s.clock).message.text
    assert "Week 13, 27 March to 2 April 2023 No.1" in text
