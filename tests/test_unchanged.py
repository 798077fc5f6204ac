"""A council whose inputs did not change since the last run is not read or matched again; any
change to what its alert depends on reads again exactly the councils it concerns.

The demo's three councils: Barsetshire and Wessex run the 3CX Desktop App, Loamshire runs Adobe
Acrobat Reader and no 3CX. Each test runs the real command twice and reads the summary, which
names the councils read again and why.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import test_pipeline

import advisories
from advisories.cli import main

ALL = {"barsetshire", "loamshire", "wessex"}
demo = test_pipeline.demo  # the fixture: a copy of the demo, with the shipped rules beside it


def run(demo: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    main(["run", "--once", "--config", str(demo / "feeds.toml")])
    return capsys.readouterr().out


def read_again(out: str) -> set[str]:
    """The councils a run read and matched: all of them, but for those it says were unchanged."""
    checked = re.search(r"councils +checked (\d+)(?: \((\d+) unchanged)?", out)
    assert checked, out
    if not checked.group(2):
        return set(ALL)
    if checked.group(2) == checked.group(1):
        return set()
    named = re.search(r"read again +(.*)", out)
    assert named, out
    return set(re.findall(r"(\w+) \(", named.group(1)))


def emails(demo: Path) -> list[str]:
    return sorted(p.name for p in (demo / "data" / "outbox").glob("*.eml"))


def test_a_second_run_reads_no_inventory_and_says_so(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = run(demo, capsys)
    assert read_again(first) == ALL
    second = run(demo, capsys)
    assert read_again(second) == set()
    assert "checked 3 (3 unchanged since the last run, not read again)" in second
    # The counts and the inventories' warnings are still told, as the last reading found them.
    assert re.search(r"affected (\d+)", first).group(1) == re.search(r"affected (\d+)", second).group(1)  # type: ignore[union-attr]
    assert len(emails(demo)) == 2


def test_an_edited_inventory_reads_that_council_only_and_alerts_on_what_changed(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(demo, capsys)
    inventory = demo / "inventories" / "loamshire-lansweeper.csv"
    inventory.write_text(inventory.read_text() + "LOAM-PC-99,3CX Desktop App,18.12.416,3CX Ltd\n")
    out = run(demo, capsys)
    assert read_again(out) == {"loamshire"}
    assert "loamshire (its inventory changed)" in out
    assert len(emails(demo)) == 3  # Loamshire's new 3CX install is alerted at once
    assert read_again(run(demo, capsys)) == set()


def test_an_edited_rule_reads_again_only_the_councils_running_its_product(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(demo, capsys)
    rule = demo.parent / "rules" / "ncsc-2023-3cx-desktop-app.toml"
    rule.write_text(rule.read_text().replace('"18.12.407", "18.12.416"]', '"18.12.407", "18.12.416", "18.12.422"]'))
    out = run(demo, capsys)
    assert read_again(out) == {"barsetshire", "wessex"}
    assert "wessex (an advisory about software it runs changed)" in out
    # Wessex's Windows PCs on 18.12.422 are now affected: it is told, once.
    assert len(emails(demo)) == 3
    (demo.parent / "rules" / "acrobat.toml").write_text(
        'id = "acrobat-test"\ntitle = "Acrobat Reader flaw"\nseverity = "high"\nsummary = "s"\naction = "a"\n'
        '[[affects]]\nvendor = "Adobe"\nproduct = "Adobe Acrobat Reader"\nversions = ["1.0.0"]\n')
    assert read_again(run(demo, capsys)) == {"loamshire"}


def test_a_changed_catalogue_reads_every_council(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(demo, capsys)
    catalogue = demo.parent / "rules" / "products.toml"
    catalogue.write_text(catalogue.read_text() + '\n[[product]]\nname = "Benchmark Tool"\nvendor = "Benchmark"\n')
    assert read_again(run(demo, capsys)) == ALL


def test_a_new_template_reads_every_council(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(demo, capsys)
    config = demo / "feeds.toml"
    (demo / "templates").mkdir()
    config.write_text(config.read_text().replace("[settings]\n", '[settings]\ntemplates = "templates"\n'))
    assert read_again(run(demo, capsys)) == ALL
    assert read_again(run(demo, capsys)) == set()
    (demo / "templates" / "footer.txt").write_text("Sent by the demo.\n")
    out = run(demo, capsys)
    assert read_again(out) == ALL
    assert "all matched again: the program, catalogue, templates or settings changed" in out


def test_a_program_upgrade_reads_every_council(
    demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(demo, capsys)
    monkeypatch.setattr(advisories, "__version__", advisories.__version__ + ".post1")
    assert read_again(run(demo, capsys)) == ALL


def test_a_changed_platform_reads_that_council_only(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(demo, capsys)
    config = demo / "feeds.toml"
    text = config.read_text()
    at = text.index('id = "loamshire"')
    config.write_text(text[:at] + 'platform = "windows"\n' + text[at:])
    assert read_again(run(demo, capsys)) == {"loamshire"}


def test_a_restored_older_state_file_never_skips(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(demo, capsys)
    state = demo / "data" / "state.sqlite3"
    older = demo / "older.sqlite3"
    shutil.copyfile(state, older)
    assert read_again(run(demo, capsys)) == set()
    shutil.copyfile(older, state)  # the operator restores last night's copy
    out = run(demo, capsys)
    assert read_again(out) == ALL
    assert "the state file was restored or replaced since the last run" in out
    assert len(emails(demo)) == 2  # and nothing is told twice


def test_an_answer_from_the_council_reads_that_council_again(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    run(demo, capsys)
    with sqlite3.connect(demo / "data" / "state.sqlite3") as conn:
        key, signature = conn.execute(
            "SELECT key, signature FROM alerted WHERE council_id = 'wessex' LIMIT 1").fetchone()
        conn.execute(
            "INSERT INTO acks (council_id, key, advisory_id, kind, sent_to, signature, answered_at)"
            " VALUES ('wessex', ?, 'x', 'not_affected', 'it@wessex', ?, '2026-01-01T00:00:00+00:00')",
            (key, signature))
    assert read_again(run(demo, capsys)) == {"wessex"}


def test_a_kev_entry_leaving_its_review_window_reads_again_the_councils_it_matched(demo: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from advisories.config import load_config
    from advisories.pipeline import Pipeline
    from advisories.store import Store

    inventory = demo / "inventories" / "loamshire-lansweeper.csv"
    inventory.write_text(inventory.read_text() + "LOAM-PC-07,WinRAR 7.12 (64-bit),7.12.0,win.rar GmbH\n")
    config = load_config(demo / "feeds.toml")
    added = datetime(2025, 8, 26, 9, 0, tzinfo=UTC)  # the day after KEV added Git's and WinRAR's flaws

    def at(when: datetime) -> tuple[int, int, str]:
        with Store.open(config.state) as store:
            summary = Pipeline(config, store, clock=lambda: when).run(force=True)
        return summary.councils_unchanged, summary.matches_unknown, " ".join(summary.notes)

    unchanged, unknown, _ = at(added)
    assert unchanged == 0 and unknown > 0  # recent KEV entries ask for a check where no version says
    assert at(added + timedelta(hours=1))[:2] == (3, unknown)
    unchanged, later_unknown, notes = at(added + timedelta(days=40))
    assert later_unknown < unknown  # past its window, a KEV entry alone no longer asks
    assert unchanged == 2 and "loamshire (an advisory about software it runs changed)" in notes


def test_an_advisorys_digest_reads_every_field_of_every_model_in_it() -> None:
    """Councils are skipped while the digests of the advisories they matched stay the same; the
    digest reads the advisory's repr. A field left out of a repr (or a hand-written __repr__)
    would let a change to it skip every council it concerns: a missed alert."""
    import dataclasses
    import typing

    from advisories import inputs, models

    seen: set[type] = set()
    todo: list[type] = [models.Advisory]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        generated = getattr(model.__repr__, "__wrapped__", None)  # dataclass's, under reprlib's guard
        assert generated is not None and generated.__code__.co_filename == "<string>", f"{model} has its own __repr__"
        hints = typing.get_type_hints(model, vars(models))
        for field in dataclasses.fields(model):
            assert field.repr, f"{model.__name__}.{field.name} is left out of its repr"
            todo.extend(t for t in _types_in(hints[field.name]) if dataclasses.is_dataclass(t))
    assert {models.AffectedProduct, models.VersionRange, models.Bound, models.Score, models.Epss} <= seen

    record = Path(__file__).parent / "fixtures" / "cve5" / "CVE-2024-0012.json"
    from advisories.sources.cve import load_cve_file
    advisory = load_cve_file(record)[0]
    bound = advisory.affects[0].ranges[0].upper
    assert bound is not None
    deeper = dataclasses.replace(bound, inclusive=not bound.inclusive)
    changed = dataclasses.replace(advisory, affects=(dataclasses.replace(
        advisory.affects[0], ranges=(dataclasses.replace(advisory.affects[0].ranges[0], upper=deeper),
                                     *advisory.affects[0].ranges[1:])), *advisory.affects[1:]))
    assert inputs.advisory_digest(changed) != inputs.advisory_digest(advisory)
    assert inputs.advisory_digest(dataclasses.replace(advisory)) == inputs.advisory_digest(advisory)


def _types_in(hint: object) -> list[type]:
    import typing

    args = typing.get_args(hint)
    if not args:
        return [hint] if isinstance(hint, type) else []
    return [t for a in args for t in _types_in(a)]
