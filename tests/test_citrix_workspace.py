"""Citrix Workspace app: release numbers (2403.1) against the dotted versions Windows reports.

CTX678036 / CVE-2024-6286: "Citrix Workspace app for Windows versions before 2403.1" and
"before 2203.1 LTSR CU6 Hotfix 2"; NVD: cpe:2.3:a:citrix:workspace:*:*:*:*:current:windows:*:*
with versionEndExcluding 2403.1. Add/Remove Programs, Intune and ConfigMgr report 2403.1 as
24.3.1.97, 2402 as 24.2.0.172, 2311.1 as 23.11.1.41 and 2203.1 LTSR CU6 as 22.3.6000.x.
Read generically, 24.3.1.97 < 2403.1 (24 < 2403): every up-to-date install was "affected".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisories.cli import main
from advisories.matching import Candidate, Matcher, judge
from advisories.models import Advisory, AffectedProduct, InventoryItem, Status
from advisories.products import Catalogue
from advisories.versions import compare, compile_statement, nvd_range, osv_range

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = Catalogue.load(ROOT / "rules" / "products.toml")
CVE = "CVE-2024-6286 CTX678036"

# The statements as Citrix's bulletin and NVD give them: no scheme of their own.
CURRENT = AffectedProduct(
    vendor="Citrix",
    product="Citrix Workspace app for Windows",
    ranges=(osv_range("2300", fixed="2403.1"),),
)
# Named as the bulletin names the line: an LTSR statement reaches LTSR rows only and is read
# on the LTSR line (catalogue citrix-workspace-app-ltsr, scheme citrix-workspace-ltsr).
LTSR = AffectedProduct(
    vendor="Citrix",
    product="Citrix Workspace app for Windows 2203 LTSR",
    ranges=(osv_range("2203", fixed="2203.1 LTSR CU6 Hotfix 2"),),
)
NVD_CURRENT = AffectedProduct(
    vendor="citrix",
    product="workspace",
    platform="windows",
    ranges=(nvd_range(end_excluding="2403.1"),),
    cpe="cpe:2.3:a:citrix:workspace:*:*:*:*:current:windows:*:*",
)

# Rows as an Intune "AppInvRawData" export gives them.
ROWS = {
    "24.3.1.97": ("Citrix Workspace 2403", Status.NOT_AFFECTED),  # 2403.1, the fix
    "24.5.10.20": ("Citrix Workspace 2405", Status.NOT_AFFECTED),  # 2405.10, later
    "24.3.0.93": ("Citrix Workspace 2403", Status.AFFECTED),  # 2403, before 2403.1
    "24.2.0.172": ("Citrix Workspace 2402", Status.AFFECTED),
    "23.11.1.41": ("Citrix Workspace 2311", Status.AFFECTED),
}


def intune_row(version: str, product: str) -> InventoryItem:
    return InventoryItem("wessex", product, version, "windows", "Citrix Systems, Inc.")


def statuses(statement: AffectedProduct, rows: list[InventoryItem]) -> dict[str, Status]:
    advisory = Advisory(id="ctx678036", source="rules", title="CVE-2024-6286", affects=(statement,))
    found = {m.item.version: m.status for m in Matcher([advisory], CATALOGUE).match_items(rows)}
    return {row.version: found.get(row.version, Status.NOT_AFFECTED) for row in rows}


@pytest.mark.parametrize("statement", [CURRENT, NVD_CURRENT], ids=[f"{CVE} bulletin", f"{CVE} NVD cpe current"])
def test_the_matcher_reads_workspace_release_numbers(statement: AffectedProduct) -> None:
    rows = [intune_row(v, name) for v, (name, _) in ROWS.items()]
    assert statuses(statement, rows) == {v: want for v, (_, want) in ROWS.items()}


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        pytest.param("22.3.6002.6116", Status.NOT_AFFECTED, id=f"{CVE} LTSR CU6 Hotfix 2 is the fix"),
        pytest.param("22.3.6001.5", Status.AFFECTED, id=f"{CVE} LTSR CU6 Hotfix 1"),
        pytest.param("22.3.6000.8", Status.AFFECTED, id=f"{CVE} LTSR CU6"),
        pytest.param("22.3.5000.7", Status.AFFECTED, id=f"{CVE} LTSR CU5"),
        pytest.param("22.3.1.41", Status.AFFECTED, id=f"{CVE} 2203.1 LTSR"),
        pytest.param("22.3.7000.2", Status.NOT_AFFECTED, id=f"{CVE} LTSR CU7"),
    ],
)
def test_the_matcher_reads_ltsr_cumulative_updates(version: str, expected: Status) -> None:
    row = intune_row(version, "Citrix Workspace 2203 LTSR")
    assert statuses(LTSR, [row]) == {version: expected}


RULE = """\
id = "ctx678036"
title = "Citrix Workspace app for Windows: CVE-2024-6286"
cves = ["CVE-2024-6286"]

[[affects]]
vendor = "Citrix"
product = "Citrix Workspace app for Windows"
ranges = [{ introduced = "2300", fixed = "2403.1" }]

[[affects]]
vendor = "Citrix"
product = "Citrix Workspace app for Windows 2203 LTSR"
ranges = [{ introduced = "2203", fixed = "2203.1 LTSR CU6 Hotfix 2" }]
"""


def test_advisories_match_reads_workspace_release_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = tmp_path / "ctx678036.toml"
    rule.write_text(RULE)
    inventory = tmp_path / "intune.csv"
    lines = ["product,vendor,version,platform"]
    lines += [f"{name},\"Citrix Systems, Inc.\",{v},windows" for v, (name, _) in ROWS.items()]
    lines += ["Citrix Workspace 2203 LTSR,\"Citrix Systems, Inc.\",22.3.6002.6116,windows",
              "Citrix Workspace 2203 LTSR,\"Citrix Systems, Inc.\",22.3.6000.8,windows"]
    inventory.write_text("\n".join(lines) + "\n")
    assert main(["match", str(inventory), str(rule), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["version"]: r["status"] for r in rows} == {
        "24.3.0.93": "affected",
        "24.2.0.172": "affected",
        "23.11.1.41": "affected",
        "22.3.6000.8": "affected",
    }


NVD_RULE = """\
id = "nvd-cve-2024-6286"
title = "CVE-2024-6286 as NVD gives it"

[[affects]]
vendor = "citrix"
product = "workspace"
platform = "windows"
cpe = "cpe:2.3:a:citrix:workspace:*:*:*:*:current:windows:*:*"
end_excluding = "2403.1"
"""


def test_advisories_match_no_longer_flags_every_up_to_date_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The false alarm itself: NVD's only bound is versionEndExcluding 2403.1."""
    rule = tmp_path / "nvd.toml"
    rule.write_text(NVD_RULE)
    inventory = tmp_path / "intune.csv"
    inventory.write_text("product,vendor,version,platform\n"
                         + "".join(f"{name},\"Citrix Systems, Inc.\",{v},windows\n" for v, (name, _) in ROWS.items()))
    assert main(["match", str(inventory), str(rule), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["version"]: r["status"] for r in rows} == {
        "24.3.0.93": "affected", "24.2.0.172": "affected", "23.11.1.41": "affected"}
    assert {r["reason"] for r in rows} == {f"{r['version']} is in the affected range <2403.1" for r in rows}


def test_match_explain_says_why_an_up_to_date_install_is_not_affected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = tmp_path / "nvd.toml"
    rule.write_text(NVD_RULE)
    inventory = tmp_path / "intune.csv"
    inventory.write_text("product,vendor,version,platform\n"
                         "Citrix Workspace 2403,\"Citrix Systems, Inc.\",24.3.1.97,windows\n")
    assert main(["match", str(inventory), str(rule), "--explain"]) == 0
    assert "24.3.1.97 is not in the affected range <2403.1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("product", "row_name"),
    [("Citrix Workspace app", "Citrix Workspace 2203"), ("Citrix Workspace app LTSR", "Citrix Workspace 2203 LTSR")],
    ids=["current-release statement", "LTSR statement"],
)
def test_a_bound_that_names_no_release_is_unknown_never_not_affected(product: str, row_name: str) -> None:
    """"CU6 Hotfix 2" without "2203.1 LTSR" cannot be placed: check manually. (Each statement
    now reaches its own track's rows: an LTSR-named row only meets the LTSR statement.)"""
    statement = AffectedProduct("Citrix", product, ranges=(osv_range("0", fixed="CU6 Hotfix 2"),))
    rows = [intune_row("22.3.6000.8", row_name), intune_row("24.3.1.97", row_name)]
    assert statuses(statement, rows) == {"22.3.6000.8": Status.UNKNOWN, "24.3.1.97": Status.UNKNOWN}


def test_an_explicit_scheme_is_kept() -> None:
    """A statement that says how its versions order is taken at its word, even when wrong."""
    generic = AffectedProduct("Citrix", "Citrix Workspace app", scheme="generic",
                              ranges=(nvd_range(end_excluding="2403.1"),))
    assert statuses(generic, [intune_row("24.3.1.97", "Citrix Workspace 2403")]) == {"24.3.1.97": Status.AFFECTED}


# Other products keep their answers: their statements name no scheme, and neither does their
# catalogue entry (VERSIONS.md: MOVEit's dual label, Exchange's CU labels, date versions).
OTHERS = [
    pytest.param(
        AffectedProduct("Progress", "MOVEit Transfer", ranges=(osv_range("2023.0.0", fixed="2023.0.1"),)),
        "Progress Software Corporation", "MOVEit Transfer",
        {"2023.0.0 (15.0.0)": Status.AFFECTED, "2023.0.1 (15.0.1)": Status.NOT_AFFECTED,
         "2023.0.1": Status.NOT_AFFECTED},
        id="progress-moveit-transfer-may-2023 CVE-2023-34362 2023.0.1",
    ),
    pytest.param(
        AffectedProduct("Microsoft", "Exchange Server", versions=("2019 CU13",)),
        "Microsoft Corporation", "Microsoft Exchange Server 2019",
        {"2019 CU13": Status.AFFECTED, "2019 CU14": Status.NOT_AFFECTED, "15.2.1258.12": Status.UNKNOWN},
        id="msrc-CVE-2023-36439 Exchange 2019 CU13",
    ),
    pytest.param(
        AffectedProduct("PaperCut", "PaperCut MF", ranges=(osv_range("0", fixed="2023.03.1"),)),
        "PaperCut Software Pty Ltd", "PaperCut MF",
        {"2023.3.0": Status.AFFECTED, "2023.03.1": Status.NOT_AFFECTED, "2023.10.0": Status.NOT_AFFECTED},
        id="date versions 2023.03.1",
    ),
]


@pytest.mark.parametrize(("statement", "publisher", "name", "expected"), OTHERS)
def test_other_products_keep_their_answers(
    statement: AffectedProduct, publisher: str, name: str, expected: dict[str, Status]
) -> None:
    assert CATALOGUE.with_scheme(statement) is statement
    rows = [InventoryItem("c", name, v, "windows", publisher) for v in expected]
    assert statuses(statement, rows) == expected


# --- properties: one release, two numberings ----------------------------------------------

SETTINGS = settings(max_examples=200, deadline=None)
years = st.integers(18, 30)
months = st.integers(1, 12)
points = st.integers(0, 20)
builds = st.integers(0, 9999)


class Release(NamedTuple):
    """One release: its order (year, month, n), Citrix's name for it, and its dotted version."""

    order: tuple[int, int, int]
    name: str
    dotted: str

    def written(self, dotted: bool) -> str:
        return self.dotted if dotted else self.name


ANY_MONTH = st.tuples(years, months)


@st.composite
def releases(draw: st.DrawFn, months_of: st.SearchStrategy[tuple[int, int]] = ANY_MONTH) -> Release:
    """Citrix's name and the dotted version of a release: "2311.1" and "23.11.1.41", or an LTSR
    update, "2203.1 LTSR CU6 Hotfix 2" and "22.3.6002.6116"; in a month of `months_of`."""
    year, month = draw(months_of)
    dotted_month = draw(st.sampled_from([str(month), f"{month:02d}"]))
    if draw(st.booleans()):
        n = draw(points)
        name = f"{year:02d}{month:02d}" + (f".{n}" if n or draw(st.booleans()) else "")
    else:
        cu, hotfix = draw(st.integers(1, 12)), draw(st.integers(0, 5))
        n = cu * 1000 + hotfix
        point = draw(st.sampled_from(["", ".1"]))
        name = f"{year:02d}{month:02d}{point} LTSR CU{cu}" + (f" Hotfix {hotfix}" if hotfix else "")
    return Release((year, month, n), name, f"{year}.{dotted_month}.{n}.{draw(builds)}")


# The current-release reading (citrix-workspace) and the LTSR reading (citrix-workspace-ltsr,
# for statements about the LTSR product).
WS_SCHEMES = st.sampled_from(["citrix-workspace", "citrix-workspace-ltsr"])


def line(release: Release, scheme: str) -> tuple[object, ...] | None:
    """Where a release orders: an LTSR update (n >= 1000) only among its own LTSR's versions,
    every other release on the current-release line; in the LTSR reading every release on the
    LTSR line of its month. Versions on different lines are not compared."""
    year, month, n = release.order
    return ("ltsr", year, month) if scheme == "citrix-workspace-ltsr" or n >= 1000 else None


@SETTINGS
@given(releases(), WS_SCHEMES)
def test_a_release_name_and_its_dotted_version_are_one_release(release: Release, scheme: str) -> None:
    assert compare(release.name, release.dotted, scheme) == 0
    assert compare(release.dotted, release.name, scheme) == 0


@SETTINGS
@given(releases(), releases(), st.booleans(), st.booleans(), WS_SCHEMES)
def test_both_numberings_order_releases_alike(
    a: Release, b: Release, a_dotted: bool, b_dotted: bool, scheme: str
) -> None:
    want = (a.order > b.order) - (a.order < b.order) if line(a, scheme) == line(b, scheme) else None
    assert compare(a.written(a_dotted), b.written(b_dotted), scheme) == want


@SETTINGS
@given(st.data(), st.tuples(years, months), st.booleans(), WS_SCHEMES)
def test_a_release_range_holds_the_same_releases_in_either_numbering(
    data: st.DataObject, month: tuple[int, int], inclusive: bool, scheme: str
) -> None:
    """A statement written with release names and one written with dotted versions agree on
    every row, written either way: the answer never depends on which numbering a side used.
    A range on another line than the row's never makes it affected."""
    # Often in one month, so that an LTSR's own line is exercised as well as the CR line.
    pick = st.one_of(releases(), releases(st.just(month)))
    low, high, row = data.draw(pick), data.draw(pick), data.draw(pick)
    inside = low.order <= row.order and (row.order <= high.order if inclusive else row.order < high.order)
    want = Status.AFFECTED if inside else Status.NOT_AFFECTED
    found = set()
    for dotted in (False, True):
        upper = high.written(dotted)
        bounds = osv_range(low.written(dotted), last_affected=upper) if inclusive else osv_range(
            low.written(dotted), fixed=upper)
        matcher = compile_statement(AffectedProduct("Citrix", "Citrix Workspace app", scheme=scheme,
                                                    ranges=(bounds,)))
        found |= {matcher.status(row.name).status, matcher.status(row.dotted).status}
    if line(low, scheme) == line(high, scheme) == line(row, scheme):
        assert found == {want}
    else:
        assert len(found) == 1 and Status.AFFECTED not in found


# --- the fast matcher's answers for Workspace statements -------------------------------------
WS_VERSIONS = ["24.3.1.97", "24.3.0.93", "24.2.0.172", "23.11.1.41", "22.3.6002.6116", "22.3.6000.8",
               "2403.1", "2402", "latest", "", "4.9.9002", "2203.1 LTSR CU6 (22.3.6000.8)", "24.2.1001.2",
               "2402 LTSR CU1"]
WS_BOUNDS = ["2403.1", "2402", "24.2.0.172", "2311.1", "2203.1 LTSR CU6 Hotfix 2", "22.3.6000", "23.0",
             "2402 LTSR", "2402 LTSR CU1"]
WS_NAMES = [("Citrix", "Citrix Workspace app for Windows"), ("citrix", "workspace"),
            ("Cloud Software Group", "Citrix Workspace app"), ("Citrix", "Citrix Workspace app for Windows LTSR"),
            ("citrix", "workspace ltsr"), ("Citrix", "Citrix Workspace app 2402 LTSR for Windows")]
WS_ROWS = ["Citrix Workspace 2403", "Citrix Workspace 2402 LTSR"]


@st.composite
def workspace_statements(draw: st.DrawFn) -> AffectedProduct:
    vendor, name = draw(st.sampled_from(WS_NAMES))
    ranges = []
    for _ in range(draw(st.integers(1, 2))):
        low, high = draw(st.sampled_from(["0", *WS_BOUNDS])), draw(st.sampled_from(WS_BOUNDS))
        ranges.append(osv_range(low, fixed=high) if draw(st.booleans()) else osv_range(low, last_affected=high))
    listed = tuple(draw(st.lists(st.sampled_from(WS_BOUNDS), max_size=2, unique=True)))
    scheme = draw(st.sampled_from([None, None, "generic", "citrix-workspace", "citrix-workspace-ltsr"]))
    return AffectedProduct(vendor, name, versions=listed, ranges=tuple(ranges), scheme=scheme)


@SETTINGS
@given(st.lists(workspace_statements(), min_size=1, max_size=4),
       st.lists(st.tuples(st.sampled_from(WS_VERSIONS), st.sampled_from(WS_ROWS)), min_size=1))
def test_the_fast_matcher_equals_the_naive_loop_for_workspace(
    statements: list[AffectedProduct], versions: list[tuple[str, str]]
) -> None:
    """Every statement of the row's product (current release or LTSR) judged in the scheme the
    catalogue gives it, row by row."""
    advisories = [Advisory(id=f"adv-{i}", source="t", title="t", affects=(s,)) for i, s in enumerate(statements)]
    rows = [intune_row(v, name) for v, name in versions]
    matches = Matcher(advisories, CATALOGUE).match_items(rows)
    fast = sorted((id(m.item), m.advisory.id, m.status, m.reason) for m in matches)
    naive = []
    for row in rows:
        candidates = [Candidate(a, CATALOGUE.with_scheme(s)) for a in advisories for s in a.affects
                      if CATALOGUE.matches(row, s)]
        naive += [(id(row), c.advisory.id, v.status, v.reason) for c, v in judge(row, candidates)]
    assert fast == sorted(naive)
