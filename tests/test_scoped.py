"""A council whose inventory alone changed is matched against only the advisories its change
concerns (inputs.scoped): what it is told, what the state records and which exposures close must
be exactly what a full reading gives.

Each case runs the real pipeline twice from the same state and clock after the same edit: once
as any run would (scoped), once with the state's run token gone, which makes every council be
read in full. The advisories are real documents: every CVE 5 record and NVD record among the
fixtures (some of the same CVEs, so merged, and one REJECTED duplicate), the KEV excerpt, the
CSAF fixtures, the shipped rules, and an NCSC-style item naming the CVEs of two groups.
"""

from __future__ import annotations

import email
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from advisories.config import load_config
from advisories.merge import merge_by_cve
from advisories.models import Advisory
from advisories.pipeline import Pipeline
from advisories.sources import source_for
from advisories.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RULES = Path(__file__).resolve().parent.parent / "rules"
FIRST = datetime(2025, 8, 26, 9, 0, tzinfo=UTC)  # the day after the KEV excerpt's newest entries
LATER = FIRST + timedelta(hours=2)
HEADER = "product,vendor,version,platform,devices\n"


def _documents() -> list[Advisory]:
    found: list[Advisory] = []
    for kind, folder, pattern in (("cve", "cve5", "CVE-*.json"), ("nvd", "nvd", "*.json"),
                                  ("csaf", "csaf", "*csaf_*.json"), ("csaf", "csaf", "*white_20*.json")):
        for path in sorted((FIXTURES / folder).glob(pattern)):
            found += source_for(kind).parse(path.read_bytes(), feed=kind, url=f"https://example.test/{path.name}")
    kev = FIXTURES / "kev" / "known_exploited_vulnerabilities.excerpt.json"
    found += source_for("kev").parse(kev.read_bytes(), feed="kev", url="https://example.test/kev.json")
    # A weekly round-up naming two CVE groups: it joins each as a copy with its id suffixed.
    found.append(Advisory("https://www.ncsc.gov.uk/report/weekly-round-up", "ncsc", "Weekly threat report",
                          summary="Citrix NetScaler and PAN-OS flaws exploited.", kind="report",
                          url="https://www.ncsc.gov.uk/report/weekly-round-up",
                          cves=("CVE-2023-4966", "CVE-2024-3400")))
    return found


DOCUMENTS = _documents()


def _pool() -> list[str]:
    """Rows an inventory may hold: each product the advisories name, at versions they list, at
    their range bounds and at two they do not; and a row of the same name by another maker."""
    rows: dict[str, None] = {}
    for advisory in merge_by_cve(DOCUMENTS, now=FIRST):
        for s in advisory.affects:
            if not s.product.strip() or "," in s.product + s.vendor or '"' in s.product + s.vendor:
                continue
            bounds = [b.version for r in s.ranges for b in (r.lower, r.upper) if b is not None]
            for version in (*s.versions[:2], *bounds[:2], "0.1", "999.0"):
                if "," not in version and '"' not in version:
                    platform = s.platform if s.platform != "any" else "windows"
                    rows[f"{s.product},{s.vendor},{version},{platform}"] = None
            rows[f"{s.product},Other Maker Ltd,{s.versions[0] if s.versions else '1.0'},windows"] = None
    return sorted(rows)


POOL = _pool()


@dataclass
class Estate:
    folder: Path

    @property
    def config(self) -> Path:
        return self.folder / "feeds.toml"

    def inventory(self, council: str) -> Path:
        return self.folder / "inventories" / f"{council}.csv"

    def write(self, council: str, rows: list[str], devices: int = 2) -> None:
        self.inventory(council).write_text(HEADER + "".join(f"{r},{devices}\n" for r in rows))

    def run(self, at: datetime) -> tuple[list[str], str]:
        """The progress lines and the summary notes of one run at `at`."""
        progress: list[str] = []
        with Store.open(self.folder / "data" / "state.sqlite3") as store:
            summary = Pipeline(load_config(self.config), store, clock=lambda: at, progress=progress.append).run()
        return progress, "\n".join(summary.notes)

    def state(self, council: str) -> dict[str, str]:
        """What the state records of the council, and what it was sent, byte for byte; but for
        this copy's folder, which paths name, and the digests of its inputs, which read them."""
        conn = sqlite3.connect(self.folder / "data" / "state.sqlite3")
        try:
            found = {
                "mark": conn.execute("SELECT keys, matched, affected, unknown, problems, clashes"
                                     " FROM council_inputs WHERE council_id = ?", (council,)).fetchall(),
                "alerted": conn.execute("SELECT * FROM alerted WHERE council_id = ? ORDER BY key",
                                        (council,)).fetchall(),
                "outbox": [(*row[:-1], _parts(row[-1])) for row in conn.execute(
                    "SELECT subject, recipients, state, raw FROM outbox WHERE council_id = ? ORDER BY created_at, key",
                    (council,))],
            }
        finally:
            conn.close()
        return {name: repr(rows).replace(str(self.folder), "<estate>") for name, rows in found.items()}


def _parts(raw: bytes) -> list[object]:
    """An email's headers and decoded parts, but for its MIME boundaries (random by design) and
    its Date (the wall clock's when it was built, not the run's)."""
    message = email.message_from_bytes(raw)
    return [(sorted((k, v) for k, v in part.items() if k not in ("Content-Type", "Date")), part.get_content_type(),
             part.get_payload(decode=True)) for part in message.walk()]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two councils matched once, in a state holding every document: copied for each case."""
    folder = tmp_path_factory.mktemp("scoped") / "estate"
    (folder / "inventories").mkdir(parents=True)
    shutil.copytree(RULES, folder / "rules")
    (folder / "feeds.toml").write_text(
        '[settings]\nrules = "rules"\ntimezone = "Europe/London"\nstate = "data/state.sqlite3"\n'
        'outbox = "data/outbox"\n'
        + "".join(f'[[councils]]\nid = "{c}"\nname = "{c.title()}"\nrecipients = ["it@{c}.example.gov.uk"]\n'
                  f'inventory = "inventories/{c}.csv"\n' for c in ("northshire", "southshire")))
    estate = Estate(folder)
    estate.write("northshire", POOL[::3])
    estate.write("southshire", POOL[1::4])
    (folder / "data").mkdir()
    with Store.open(folder / "data" / "state.sqlite3") as store:
        for advisory in DOCUMENTS:
            store.upsert_advisory(advisory, at=FIRST)
    estate.run(FIRST)
    shutil.copytree(folder, folder.parent / "pristine")
    yield folder


def _twins(first_run: Path, tmp_path: Path) -> tuple[Estate, Estate]:
    """The estate as the first run left it, where it was (its paths are among a run's inputs),
    and a copy elsewhere without the state's run token: there every council is read in full."""
    shutil.rmtree(first_run)
    shutil.copytree(first_run.parent / "pristine", first_run)
    full = Estate(tmp_path / "full")
    shutil.copytree(first_run, full.folder)
    (full.folder / "data" / "state.sqlite3.run").unlink()
    return Estate(first_run), full


def test_a_feed_item_naming_two_cve_groups_is_read_with_both(first_run: Path, tmp_path: Path) -> None:
    """The round-up names a NetScaler and a PAN-OS CVE: a council running neither, which installs
    PAN-OS, needs the round-up's NetScaler copy read too, or the PAN-OS copy would merge apart."""
    scoped, full = _twins(first_run, tmp_path)
    rows = [r for r in POOL[::3] if "NetScaler" not in r and "PAN-OS" not in r]
    for estate in (scoped, full):
        estate.write("northshire", rows)
        estate.run(LATER)
        estate.write("northshire", [*rows, "PAN-OS,Palo Alto Networks,10.2.0,windows"])
    (full.folder / "data" / "state.sqlite3.run").unlink()
    progress, _ = scoped.run(LATER + timedelta(hours=1))
    full_progress, _ = full.run(LATER + timedelta(hours=1))
    assert _matched_against(progress) < _matched_against(full_progress)
    after = scoped.state("northshire")
    assert after == full.state("northshire")
    assert "PAN-OS" in after["outbox"] and "weekly-round-up" in after["alerted"]


@pytest.mark.parametrize("kept", ["removed", "edited"])
def test_an_inventory_not_kept_as_matched_reads_every_advisory(first_run: Path, tmp_path: Path, kept: str) -> None:
    """The rows as last matched are read from the copy kept beside the state; one gone, or not
    the file the last match read (its size, time and bytes are in the council's mark), is not
    trusted: the run reads every advisory."""
    scoped, full = _twins(first_run, tmp_path)
    copy = scoped.folder / "data" / "state.sqlite3.inventories" / "northshire.inventory"
    assert copy.read_bytes() == scoped.inventory("northshire").read_bytes()
    if kept == "removed":
        copy.unlink()
    else:  # as a row lost from the copy would leave it: that row must not count as known
        copy.write_text(copy.read_text().replace("3CX", "4CX"))
    for estate in (scoped, full):
        estate.write("northshire", [*POOL[::3], "3CX Desktop App,3CX Ltd,18.12.416,windows"])
    progress, notes = scoped.run(LATER)
    full_progress, _ = full.run(LATER)
    assert "northshire (its inventory changed)" in notes
    assert _matched_against(progress) == _matched_against(full_progress)
    assert scoped.state("northshire") == full.state("northshire")
    assert copy.read_bytes() == scoped.inventory("northshire").read_bytes()  # kept again, as matched now


def test_a_council_gone_from_feeds_toml_leaves_no_kept_inventory(first_run: Path, tmp_path: Path) -> None:
    scoped, _ = _twins(first_run, tmp_path)
    kept = scoped.folder / "data" / "state.sqlite3.inventories"
    assert sorted(p.name for p in kept.iterdir()) == ["northshire.inventory", "southshire.inventory"]
    text = scoped.config.read_text()
    scoped.config.write_text(text[:text.index('[[councils]]\nid = "southshire"')])
    scoped.run(LATER)
    assert sorted(p.name for p in kept.iterdir()) == ["northshire.inventory"]


def _matched_against(progress: list[str]) -> int:
    line = next(p for p in progress if p.startswith("matching "))
    return int(line.split(" against ")[1].split()[0])


def test_the_documents_merge_reject_and_clash_as_the_cases_need(first_run: Path) -> None:
    conn = sqlite3.connect(first_run.parent / "pristine" / "data" / "state.sqlite3")
    clashes = conn.execute("SELECT clashes FROM council_inputs WHERE council_id = 'northshire'").fetchone()[0]
    conn.close()
    assert "Other Maker Ltd" in clashes  # rows of an advisory's product by another publisher
    merged = merge_by_cve(DOCUMENTS, now=FIRST)
    assert any(a.withdrawn for a in DOCUMENTS)  # CVE-2023-5129, rejected as a duplicate
    assert any(len(a.sources) > 2 for a in merged)  # a CVE record, NVD's and KEV's, as one
    assert {a.id for a in merged} >= {"https://www.ncsc.gov.uk/report/weekly-round-up#CVE-2023-4966",
                                      "https://www.ncsc.gov.uk/report/weekly-round-up#CVE-2024-3400"}
    assert len(POOL) > 100


# No shrinking: each example runs the pipeline twice, and a failing one is readable as drawn.
@settings(max_examples=20, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(removed=st.sets(st.integers(0, len(POOL[::3]) - 1), max_size=8),
       added=st.sets(st.sampled_from(POOL), max_size=8), devices=st.sampled_from([2, 5]))
def test_an_edited_inventory_is_told_and_recorded_as_a_full_reading_would(
    first_run: Path, tmp_path_factory: pytest.TempPathFactory, removed: set[int], added: set[str], devices: int
) -> None:
    scoped, full = _twins(first_run, tmp_path_factory.mktemp("case"))
    rows = [r for n, r in enumerate(POOL[::3]) if n not in removed] + sorted(added - set(POOL[::3]))
    for estate in (scoped, full):
        estate.write("northshire", rows, devices)
    progress, notes = scoped.run(LATER)
    full_progress, _ = full.run(LATER)
    assert "read again  northshire (its inventory changed)" in notes
    assert _matched_against(progress) < _matched_against(full_progress)  # it read only a few
    assert scoped.state("northshire") == full.state("northshire")
    # The other council was not read (a full reading would only have stamped it seen again).
    before = Estate(first_run.parent / "pristine").state("southshire")  # its paths name first_run
    assert scoped.state("southshire") == {k: v.replace(str(first_run), "<estate>") for k, v in before.items()}


@settings(max_examples=10, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(north=st.sets(st.sampled_from(POOL), min_size=1, max_size=6),
       south=st.sets(st.sampled_from(POOL), min_size=1, max_size=6))
def test_two_councils_edited_at_once_are_each_told_as_a_full_reading_would(
    first_run: Path, tmp_path_factory: pytest.TempPathFactory, north: set[str], south: set[str]
) -> None:
    """One scoped reading for both: the advisories either change concerns, each council's rows
    matched against all of them, its publisher clashes judged on its own changed products."""
    scoped, full = _twins(first_run, tmp_path_factory.mktemp("case"))
    for estate in (scoped, full):
        estate.write("northshire", sorted({*POOL[::3], *north}))
        estate.write("southshire", sorted({*POOL[1::4], *south}), devices=3)
    progress, _ = scoped.run(LATER)
    full_progress, _ = full.run(LATER)
    assert _matched_against(progress) < _matched_against(full_progress)
    for council in ("northshire", "southshire"):
        assert scoped.state(council) == full.state(council)


def test_a_new_row_of_a_product_no_row_ran_before_is_alerted(first_run: Path, tmp_path: Path) -> None:
    scoped, full = _twins(first_run, tmp_path)
    rows = [*POOL[::3], "3CX Desktop App,3CX Ltd,18.12.416,windows"]
    for estate in (scoped, full):
        estate.write("northshire", rows)
    progress, _ = scoped.run(LATER)
    full_progress, _ = full.run(LATER)
    assert _matched_against(progress) < _matched_against(full_progress)
    after = scoped.state("northshire")
    assert after == full.state("northshire")
    assert "3CX Desktop App" in after["outbox"] and "18.12.416" in after["outbox"]


def test_advisories_that_no_longer_merge_as_recorded_are_all_read(first_run: Path, tmp_path: Path) -> None:
    """A recorded digest that the scoped reading does not give back (a stored advisory edited
    behind the run's back) sends the run to read every advisory, never to match on a guess."""
    scoped, full = _twins(first_run, tmp_path)
    for estate in (scoped, full):
        conn = sqlite3.connect(estate.folder / "data" / "state.sqlite3")
        with conn:
            conn.execute("UPDATE advisory_inputs SET digest = 'x' WHERE id IN (SELECT id FROM advisory_inputs"
                         " WHERE keys != '' LIMIT 400)")
        conn.close()
        estate.write("northshire", POOL[::3] + POOL[1:40:7])
    progress, _ = scoped.run(LATER)
    full_progress, _ = full.run(LATER)
    assert _matched_against(progress) == _matched_against(full_progress)
    assert scoped.state("northshire") == full.state("northshire")
