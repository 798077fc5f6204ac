"""Looking up CVE records: which ids, in what order, how politely, and from a local CVE list."""

from __future__ import annotations

import itertools
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisories.errors import FetchError
from advisories.models import Advisory, FetchResult, Lookup
from advisories.sources import cve_lookup

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cve5"
NOW = datetime(2026, 12, 6, tzinfo=UTC)


class FakeApi:
    """The fetcher the resolver is given, answering from real records, on a fake clock."""

    def __init__(self) -> None:
        self.t = 0.0
        self.asked: list[tuple[float, str, str | None]] = []
        self.fail: dict[str, FetchError] = {}

    def clock(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds

    def __call__(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        cve_id = url.rsplit("/", 1)[1]
        self.asked.append((self.t, cve_id, etag))
        if cve_id in self.fail:
            raise self.fail[cve_id]
        path = FIXTURES / f"{cve_id}.json"
        if not path.exists():
            return FetchResult("cve", url, 404, b'{"error": "CVE_RECORD_DNE"}')
        if etag == '"v1"':
            return FetchResult("cve", url, 304, None, etag='"v1"')
        return FetchResult("cve", url, 200, path.read_bytes(), etag='"v1"')


def resolve(api: FakeApi, ids: list[str], known: dict[str, Lookup] | None = None) -> cve_lookup.Resolved:
    return cve_lookup.resolve(ids, known or {}, "https://cve.test/api/cve", api, now=NOW, feed="cve",
                              sleep=api.sleep, clock=api.clock)


def test_requests_are_paced_and_the_base_url_takes_the_id() -> None:
    api = FakeApi()
    found = resolve(api, ["CVE-2023-7024", "CVE-2024-21762", "CVE-2025-0282"])
    times = [t for t, _, _ in api.asked]
    assert all(b - a >= 1 / cve_lookup.RATE - 1e-9 for a, b in itertools.pairwise(times))
    assert found.fetched == 3 and {a.id for a in found.advisories} >= {"cve:CVE-2023-7024", "cve:CVE-2025-0282"}


def test_a_stored_record_is_asked_for_conditionally_and_a_304_keeps_it() -> None:
    api = FakeApi()
    first = resolve(api, ["CVE-2023-7024"])
    known = {lk.key: lk for lk in first.lookups}
    again = resolve(api, ["CVE-2023-7024"], known)
    assert api.asked[-1][2] == '"v1"' and again.not_modified == 1 and again.advisories == []


def test_no_such_record_is_an_answer_not_a_failure() -> None:
    found = resolve(FakeApi(), ["CVE-2099-0001"])
    assert found.missing == ["CVE-2099-0001"] and found.failed == []
    assert [lk.outcome for lk in found.lookups] == ["missing"]


def test_a_server_asking_us_to_wait_leaves_the_rest_for_the_next_run_and_names_them() -> None:
    api = FakeApi()
    api.fail["CVE-2024-21762"] = FetchError("cve: HTTP 429", retry_after=3600)
    found = resolve(api, ["CVE-2023-7024", "CVE-2024-21762", "CVE-2025-0282", "CVE-2024-3400"])
    assert found.fetched == 1 and found.deferred == ["CVE-2025-0282", "CVE-2024-3400"]
    assert found.failed[0].startswith("CVE-2024-21762:")


def test_an_api_that_fails_stops_the_runs_look_ups_at_once_and_names_the_rest() -> None:
    """Refused, timing out or rate limiting: every id would fail the same way, slowly."""
    api = FakeApi()
    api.fail["CVE-2024-21762"] = FetchError("cve: connection refused")
    found = resolve(api, ["CVE-2023-7024", "CVE-2024-21762", "CVE-2025-0282"])
    assert found.fetched == 1 and len(found.failed) == 1 and found.deferred == ["CVE-2025-0282"]
    assert [cve for _, cve, _ in api.asked] == ["CVE-2023-7024", "CVE-2024-21762"]


def test_a_run_gives_its_look_ups_a_time_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cve_lookup, "MAX_PER_RUN", 10_000)
    api = FakeApi()
    ids = [f"CVE-2023-{n:04d}" for n in range(1000, 3000)]
    found = resolve(api, ids)
    assert api.t <= cve_lookup.MAX_RUN_S + 1 and found.deferred and len(found.missing) + len(found.deferred) == 2000


def test_a_url_that_is_not_the_api_fails_the_feed_not_each_id() -> None:
    html = FetchResult("cve", "u", 404, b"<html><body>Not found</body></html>")
    api = FakeApi()
    with pytest.raises(cve_lookup.NotTheApi, match="not the CVE API"):
        cve_lookup.resolve(["CVE-2023-7024"], {}, "https://x/", lambda *a: html, now=NOW, feed="cve",
                           sleep=api.sleep, clock=api.clock)
    page = FetchResult("cve", "u", 200, b"<html>a portal</html>")
    with pytest.raises(cve_lookup.NotTheApi):
        cve_lookup.resolve(["CVE-2023-7024"], {}, "https://x/", lambda *a: page, now=NOW, feed="cve",
                           sleep=api.sleep, clock=api.clock)


def test_a_rejected_duplicate_has_its_replacement_looked_up_in_the_same_run() -> None:
    api = FakeApi()
    found = resolve(api, ["CVE-2023-5129"])
    assert [cve for _, cve, _ in api.asked] == ["CVE-2023-5129", "CVE-2023-4863"]
    assert found.missing == ["CVE-2023-4863"]  # not among the fixtures: the API says so


def test_a_record_read_again_replaces_the_cisa_adp_data_stored_before() -> None:
    """A record whose ADP container was dropped, or that was rejected then published again,
    leaves no stale CISA-ADP statements or withdrawal behind."""
    found = resolve(FakeApi(), ["CVE-2023-7024", "CVE-2024-23897"])
    adp = {a.id: a for a in found.advisories if a.kind == "cve-adp"}
    assert set(adp) == {"cve-adp:CVE-2023-7024", "cve-adp:CVE-2024-23897"}
    assert not adp["cve-adp:CVE-2024-23897"].affects and not adp["cve-adp:CVE-2024-23897"].withdrawn


def test_a_record_for_another_id_is_refused() -> None:
    api = FakeApi()
    body = (FIXTURES / "CVE-2025-0282.json").read_bytes()
    found = cve_lookup.resolve(["CVE-2023-7024"], {}, "https://x/", lambda *a: FetchResult("cve", "u", 200, body),
                               now=NOW, feed="cve", sleep=api.sleep, clock=api.clock)
    assert found.advisories == [] and "CVE-2025-0282" in found.failed[0]


def test_a_run_asks_for_at_most_its_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cve_lookup, "MAX_PER_RUN", 2)
    found = resolve(FakeApi(), ["CVE-2023-7024", "CVE-2024-21762", "CVE-2025-0282"])
    assert found.fetched == 2 and found.deferred == ["CVE-2025-0282"]


def test_new_ids_come_first_then_the_stalest_due_ones() -> None:
    known = {
        "cve:CVE-2020-0002": Lookup("cve:CVE-2020-0002", NOW - timedelta(days=3), "ok"),
        "cve:CVE-2020-0001": Lookup("cve:CVE-2020-0001", NOW - timedelta(days=5), "ok"),
        "cve:CVE-2020-0003": Lookup("cve:CVE-2020-0003", NOW - timedelta(hours=1), "ok"),
    }
    ids = ["CVE-2020-0002", "CVE-2020-0003", "CVE-2021-9999", "CVE-2020-0001"]
    assert cve_lookup.due(ids, known, now=NOW, every=timedelta(days=1)) == [
        "CVE-2021-9999", "CVE-2020-0001", "CVE-2020-0002"]


@given(st.lists(st.sampled_from(["rule", "csaf", "nvd", "kev", "news", "cve", "cve-adp"]), max_size=8),
       st.lists(st.text(alphabet="CVE-0123456789x", max_size=16), max_size=8))
def test_named_ids_are_well_formed_and_each_once(kinds: list[str], names: list[str]) -> None:
    advisories = [Advisory(id=f"{k}:{i}", source="s", title="t", kind=k, cves=tuple(names))
                  for i, k in enumerate(kinds)]
    ids = cve_lookup.named_ids(advisories)
    assert len(ids) == len(set(ids)) and all(cve_lookup.CVE_ID.match(i) for i in ids)


def test_a_local_cve_list_is_read_in_its_own_layout_or_anywhere_below(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "CVE-2023-7024.json", (tmp_path / "cves" / "2023" / "7xxx").mkdir(parents=True)
                or tmp_path / "cves" / "2023" / "7xxx" / "CVE-2023-7024.json")
    shutil.copy(FIXTURES / "CVE-2023-5129.json", tmp_path / "CVE-2023-5129.json")
    found = cve_lookup.from_folder(["CVE-2023-7024", "CVE-2023-5129", "CVE-2099-0001"], tmp_path, now=NOW, feed="cve")
    # The rejected duplicate names its replacement, looked up too (not in this folder).
    assert found.fetched == 2 and found.missing == ["CVE-2099-0001", "CVE-2023-4863"]
    withdrawn = {a.id for a in found.advisories if a.withdrawn}
    # A rejected record withdraws the CISA-ADP data it may have had before, too.
    assert withdrawn == {"cve:CVE-2023-5129", "cve-adp:CVE-2023-5129"}
