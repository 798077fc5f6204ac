"""The SQLite state: migrations, advisory updates, idempotent queueing, remediation tracking."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from advisories.models import Advisory, AffectedProduct, Message
from advisories.store import AlertRow, Store

T0 = datetime(2023, 3, 30, 9, 0, tzinfo=UTC)


def advisory(title: str = "3CX Desktop App compromise") -> Advisory:
    return Advisory(
        id="rule:3cx", source="rules", title=title, published=T0,
        affects=(AffectedProduct("3CX", "3CX Desktop App", "windows", versions=("18.12.416",)),),
    )


def message(key: str = "alert-barsetshire-1") -> Message:
    return Message(key=key, council_id="barsetshire", to=("it@b.example.gov.uk",),
                   subject="s", text="t", html="<p>h</p>", message_id="<x@example>")


def test_a_new_file_is_created_and_migrated_once(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "state.sqlite3"
    Store.open(path).close()
    Store.open(path).close()
    names = sqlite3.connect(path).execute("SELECT name FROM migrations").fetchall()
    assert [n for (n,) in names] == ["0001_initial", "0002_outbox_recipients", "0003_lookups", "0004_outbox_held",
                                     "0005_health", "0006_epss", "0007_acks", "0008_editions",
                                     "0009_inputs", "0010_channels", "0011_scoped_inputs"]


def test_an_edited_advisory_is_an_update_not_a_new_one(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        assert store.upsert_advisory(advisory(), at=T0) == "new"
        assert store.upsert_advisory(advisory(), at=T0) == "same"
        assert store.upsert_advisory(advisory("3CX (updated)"), at=T0) == "updated"
        [back] = store.advisories()
    assert back == advisory("3CX (updated)")  # the round trip keeps every field


def test_queueing_the_same_message_twice_changes_nothing(tmp_path: Path) -> None:
    row = AlertRow("k1", "barsetshire", "rule:3cx", "sig", 40, "affected")
    with Store.open(tmp_path / "s.db") as store:
        assert store.queue(message(), [row], at=T0)
        assert not store.queue(message(), [row], at=T0)
        assert len(store.queued()) == 1
        store.mark_sent("alert-barsetshire-1", at=T0)
        assert store.queued() == []
        assert not store.queue(message(), [row], at=T0)  # already sent: never again
        assert store.alert_signatures("barsetshire") == {"k1": "sig"}
        assert store.alert_signatures("wessex") == {}


def test_retryable_failures_stay_queued_and_permanent_ones_do_not(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        store.queue(message("a"), [], at=T0)
        store.queue(message("b"), [], at=T0)
        store.mark_failed("a", "451 try later", retryable=True)
        store.mark_failed("b", "550 no such user", retryable=False)
        assert [m.key for m in store.queued()] == ["a"]
        assert store.outbox_counts() == {"queued": 1, "failed": 1}
        [failed] = store.failed()
        store.requeue(failed)
        assert {m.key for m in store.queued()} == {"a", "b"}


def test_exposures_missing_from_the_latest_inventory_are_remediated(tmp_path: Path) -> None:
    rows = [AlertRow("k1", "barsetshire", "a", "s", 40, "affected"),
            AlertRow("k2", "barsetshire", "a", "s", 3, "affected")]
    with Store.open(tmp_path / "s.db") as store:
        store.queue(message(), rows, at=T0)
        store.observe_exposures("barsetshire", {"k1": 35}, at=T0 + timedelta(days=1), active={"a"})
        by_key = {e.key: e for e in store.exposures()}
    assert by_key["k1"].remediated_at is None and by_key["k1"].devices == 35
    assert by_key["k2"].remediated_at == T0 + timedelta(days=1)


def test_exposures_of_advisories_not_matched_this_run_stay_open(tmp_path: Path) -> None:
    rows = [AlertRow("k1", "barsetshire", "kev:CVE-1", "s", 4, "unknown")]
    with Store.open(tmp_path / "s.db") as store:
        store.queue(message(), rows, at=T0)
        store.observe_exposures("barsetshire", {}, at=T0 + timedelta(days=40), active={"other"})
        [exposure] = store.exposures()
    assert exposure.remediated_at is None


def test_every_real_advisory_reads_back_from_the_store_exactly_as_stored() -> None:
    """The codec sets each field directly (a sector run reads 20,000 advisories); what it reads
    back must equal what a source made, field for field, for every kind of real document."""
    import pytest

    from advisories.sources.csaf import load_csaf_file
    from advisories.sources.cve import load_cve_file
    from advisories.store.codec import advisory_from_json, advisory_to_json

    fixtures = Path(__file__).parent / "fixtures"
    made = [a for path in sorted((fixtures / "cve5").glob("*.json")) for a in load_cve_file(path)]
    documents = [*(fixtures / "csaf").glob("*_20??_*.json"), *(fixtures / "csaf-lines").glob("*.json")]
    made += [load_csaf_file(path) for path in sorted(documents)]
    assert len(made) > 20 and any(a.affects and a.affects[0].ranges for a in made)
    for advisory in made:
        assert advisory_from_json(advisory_to_json(advisory)) == advisory, advisory.id
    # A body written by a later version, with a field this one does not know, fails as the
    # constructor would, naming the field, rather than being read without it.
    body = advisory_to_json(made[0]).replace('{"action"', '{"colour": "red", "action"', 1)
    with pytest.raises(TypeError, match="colour"):
        advisory_from_json(body)
