"""FIRST's EPSS file (gzip, a #model_version comment line, cve,epss,percentile) -> wanted scores.

The fixture is a real gzip file in FIRST's shape (tests/fixtures/epss/README.md); the bomb and
the cut-short download are made here from it.
"""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from advisories.errors import ParseError
from advisories.models import Epss
from advisories.sources import SOURCES, known_kinds
from advisories.sources import epss as epss_source
from advisories.sources.epss import EpssSource

SAMPLE = Path(__file__).resolve().parent / "fixtures" / "epss" / "epss_scores-sample.csv.gz"
WANTED = {"CVE-2024-0012", "CVE-2023-7024", "CVE-2099-0001"}


def read(body: bytes, wanted: set[str] = WANTED) -> epss_source.EpssFile:
    return EpssSource().read(body, feed="epss", wanted=wanted)


def test_epss_is_a_registered_kind() -> None:
    assert "epss" in known_kinds() and isinstance(SOURCES["epss"], EpssSource)


def test_only_the_wanted_cves_are_kept_with_the_files_model_and_date() -> None:
    found = read(SAMPLE.read_bytes())
    assert found.rows == 206
    assert found.model == "v2025.03.14" and found.scored_on == date(2025, 6, 2)
    assert found.scores == {
        "CVE-2024-0012": Epss(0.94292, 0.99922, date(2025, 6, 2), "v2025.03.14"),
        "CVE-2023-7024": Epss(0.31288, 0.96674, date(2025, 6, 2), "v2025.03.14"),
    }
    assert found.scores["CVE-2024-0012"].describe() == "EPSS 94.3% (99th percentile, 2025-06-02)"


def test_a_plain_csv_reads_the_same_and_parse_emits_no_advisories() -> None:
    text = gzip.decompress(SAMPLE.read_bytes())
    assert read(text).scores == read(SAMPLE.read_bytes()).scores
    assert EpssSource().parse(SAMPLE.read_bytes(), feed="epss", url="x") == []


def test_the_older_file_without_a_comment_line_and_damaged_rows() -> None:
    body = b"cve,epss,percentile\nCVE-2024-0012,0.5,0.9\nCVE-2023-7024,high,0.9\nCVE-2099-0001,1.5,0.2\n"
    found = read(body)
    assert found.scores == {"CVE-2024-0012": Epss(0.5, 0.9, None, "")}  # the others: no score, no failure


@pytest.mark.parametrize("body", [b"<html>Not Found</html>", b"", gzip.compress(b"#model_version:v1\nid,score\n")])
def test_a_file_that_is_not_epss_fails_named(body: bytes) -> None:
    with pytest.raises(ParseError, match="not an EPSS scores file"):
        read(body)


def test_a_download_cut_short_fails_and_is_fetched_again() -> None:
    with pytest.raises(ParseError, match=r"cut short|damaged"):
        read(SAMPLE.read_bytes()[:-40])


def test_a_gzip_bomb_stops_at_the_cap_without_inflating_it_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    # The cap is lowered so the test is quick; the shape is the real one: text far larger than
    # its gzip, refused while it is being inflated.
    monkeypatch.setattr(epss_source, "MAX_TEXT_BYTES", 2 * 2**20)
    body = gzip.compress(b"#model_version:v1\ncve,epss,percentile\n" + b"CVE-2024-0012,0.5,0.9\n" * 200_000)
    assert len(body) < 100_000
    with pytest.raises(ParseError, match="over 2 MB as text"):
        read(body)
