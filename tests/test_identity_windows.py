"""Windows as a council's inventory lists it, against Microsoft's CVE records.

Intune and Defender list a PC as "Microsoft Windows 11 Pro", "Windows 10 Pro 22H2" or
"Microsoft Windows 10 Enterprise LTSC 2019"; Microsoft's CVE records name the release
("Windows 10 Version 22H2", "Windows 11 Version 23H2", "Windows 10 Version 1809") and give
each release's builds. Every edition is Windows on its line (10 or 11), judged by its build,
as "Windows 11 Enterprise" always was. Records: tests/fixtures/cve5/ (README there).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_matching import naive, seen

from advisories.matching import Matcher
from advisories.models import Advisory, InventoryItem, Status
from advisories.products import Catalogue, normalise_name, release_line
from advisories.sources.cve import load_cve_file

ROOT = Path(__file__).resolve().parent.parent
RECORDS = Path(__file__).resolve().parent / "fixtures" / "cve5"
CATALOGUE = Catalogue.load(ROOT / "rules" / "products.toml")
MS = "Microsoft Corporation"
A = Status.AFFECTED


def cna(cve: str) -> Advisory:
    return next(a for a in load_cve_file(RECORDS / f"{cve}.json") if a.kind == "cve")


TCPIP = cna("CVE-2024-38063")  # Windows TCP/IP, August 2024
OUTLOOK = cna("CVE-2024-21413")  # Outlook MonikerLink, February 2024


def row(name: str, build: str) -> InventoryItem:
    return InventoryItem("c", name, build, "windows", MS)


def judged(advisory: Advisory, item: InventoryItem) -> list[tuple[str, Status, str]]:
    """Each statement of the advisory the row is matched with, its verdict and reason."""
    return [(m.statement.product, m.status, m.reason) for m in Matcher([advisory], CATALOGUE).match_items([item])]


def statements_for(advisory: Advisory, item: InventoryItem) -> set[str]:
    return {s.product for s in advisory.affects if CATALOGUE.matches(item, s)}


# Unpatched builds from the August 2024 estate: each edition is affected through its release's range.
@pytest.mark.parametrize(
    ("name", "build", "fixed"),
    [
        ("Microsoft Windows 11 Enterprise", "10.0.22631.3880", "10.0.22631.4037"),  # the control
        ("Microsoft Windows 11 Pro", "10.0.22631.3880", "10.0.22631.4037"),
        ("Windows 11 Pro", "10.0.22631.3880", "10.0.22631.4037"),
        ("Windows 11 Home", "10.0.22631.3880", "10.0.22631.4037"),
        ("Windows 11 Pro Education", "10.0.22631.3880", "10.0.22631.4037"),
        ("Windows 11 Pro N", "10.0.22631.3880", "10.0.22631.4037"),
        ("Windows 10 Pro 22H2", "10.0.19045.4651", "10.0.19045.4780"),
        ("Microsoft Windows 10 Pro", "10.0.19045.4651", "10.0.19045.4780"),
        ("Windows 10 Education", "10.0.19045.4651", "10.0.19045.4780"),
        ("Windows 10 Pro for Workstations", "10.0.19045.4651", "10.0.19045.4780"),
        ("Windows 10 IoT Enterprise", "10.0.19045.4651", "10.0.19045.4780"),
        ("Windows 10 Home", "10.0.19045.4651", "10.0.19045.4780"),
        # LTSC 2019 is release 1809 (build 17763), LTSC 2021 is 21H2 (19044): the year names
        # the servicing channel, the build the release.
        ("Microsoft Windows 10 Enterprise LTSC 2019", "10.0.17763.6189", "10.0.17763.6293"),
        ("Windows 10 Enterprise LTSC 2021", "10.0.19044.4651", "10.0.19044.4780"),
        ("Windows 10 IoT Enterprise LTSC 2021", "10.0.19044.4651", "10.0.19044.4780"),
    ],
)
def test_every_windows_edition_is_judged_by_its_build(name: str, build: str, fixed: str) -> None:
    verdicts = judged(TCPIP, row(name, build))
    affected = [(product, reason) for product, status, reason in verdicts if status is A]
    assert len(affected) == 1, verdicts
    assert f"<{fixed}" in affected[0][1]


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("Microsoft Windows 11 Pro", "10.0.22631.4037"),
        ("Windows 10 Pro 22H2", "10.0.19045.4780"),
        ("Windows 10 Education", "10.0.19045.4894"),
        ("Microsoft Windows 10 Enterprise LTSC 2019", "10.0.17763.6293"),
    ],
)
def test_a_patched_edition_is_matched_and_found_not_affected(name: str, build: str) -> None:
    item = row(name, build)
    assert statements_for(TCPIP, item)  # the release's statement reads the row...
    assert judged(TCPIP, item) == []  # ...and its build is past the fix


def test_editions_share_the_key_and_line_of_the_release_statements() -> None:
    for name, line in [
        ("Microsoft Windows 11 Pro", "11"),
        ("Windows 10 Pro 22H2", "10"),
        ("Windows 10 Pro for Workstations", "10"),
        ("Microsoft Windows 10 Enterprise LTSC 2019", "10"),
        ("Windows 10 Enterprise 2016 LTSB", "10"),
        ("Windows 10 Version 1809", "10"),
        ("Windows 11 Version 23H2", "11"),
    ]:
        assert normalise_name(name, MS) == "windows", name
        assert release_line(name).shown() == line, name


def test_an_ltsc_row_meets_its_release_and_never_windows_server_2019() -> None:
    # Build 17763 is both Windows 10 1809 and Windows Server 2019; the name tells them apart.
    assert statements_for(TCPIP, row("Microsoft Windows 10 Enterprise LTSC 2019", "10.0.17763.6189")) == {
        "Windows 10 Version 1809", "Windows 10 Version 21H2", "Windows 10 Version 22H2",
    }
    assert statements_for(TCPIP, row("Windows Server 2019 Standard", "10.0.17763.6189")) == {"Windows Server 2019"}


def test_a_windows_10_edition_never_meets_a_windows_11_statement() -> None:
    assert not any("11" in s for s in statements_for(TCPIP, row("Windows 10 Pro", "10.0.19045.4651")))
    assert not any("10" in s for s in statements_for(TCPIP, row("Windows 11 Home", "10.0.22631.3880")))


# The Windows edition words are read in client Windows names only.
@pytest.mark.parametrize(
    ("name", "key", "line"),
    [
        ("Windows Server 2019 Standard", "windowsserver", "2019"),
        ("Windows Server 2022 Datacenter", "windowsserver", "2022"),
        ("Windows Mixed Reality Home", "windowsmixedrealityhome", ""),
        ("Windows Admin Center", "windowsadmincenter", ""),
        ("Microsoft Surface Pro 9", "microsoftsurfacepro", "9"),
        ("Minecraft Education", "minecrafteducation", ""),
        ("Sophos Home", "sophoshome", ""),
        ("Nitro Pro 13", "nitropro", "13"),
    ],
)
def test_edition_words_stay_in_other_names(name: str, key: str, line: str) -> None:
    assert normalise_name(name) == key
    assert release_line(name).shown() == line


# Office's LTSC year is a release line of its own: CVE-2024-21413 gives Office 2016, Office
# 2019 and Office LTSC 2021 a statement each.
@pytest.mark.parametrize(
    ("name", "build", "statement"),
    [
        ("Microsoft Office LTSC Professional Plus 2021 - en-us", "16.0.14332.20624", "Microsoft Office LTSC 2021"),
        ("Microsoft Office LTSC Standard 2021", "16.0.14332.20624", "Microsoft Office LTSC 2021"),
        ("Microsoft Office Professional Plus 2019 - en-us", "16.0.10406.20006", "Microsoft Office 2019"),
        ("Microsoft Office Professional Plus 2016", "16.0.4266.1001", "Microsoft Office 2016"),
    ],
)
def test_office_ltsc_2021_stays_its_own_line(name: str, build: str, statement: str) -> None:
    assert statements_for(OUTLOOK, row(name, build)) == {statement}


def test_the_fast_path_agrees_with_the_naive_loop_on_windows_and_office_rows() -> None:
    rows = [
        row(name, build)
        for name in (
            "Microsoft Windows 11 Pro", "Windows 10 Pro 22H2", "Windows 10 Education", "Windows 11 Home",
            "Windows 10 Pro for Workstations", "Windows 10 IoT Enterprise", "Windows 11 Enterprise 23H2",
            "Microsoft Windows 10 Enterprise LTSC 2019", "Windows 10 Enterprise 2016 LTSB",
            "Windows Server 2019 Standard", "Microsoft Windows Server 2022 Datacenter",
            "Microsoft Office LTSC Professional Plus 2021 - en-us", "Microsoft Office Professional Plus 2019",
        )
        for build in ("10.0.17763.6189", "10.0.19045.4651", "10.0.22631.3880", "10.0.22631.4037", "16.0.14332.20624")
    ]
    advisories = [TCPIP, OUTLOOK]
    assert seen(Matcher(advisories, CATALOGUE).match_items(rows)) == naive(advisories, rows)
