"""Curated rules: a wrongly typed or duplicated rule costs that rule, named with its file and key,
never the run and never the rule already in force.

Rules are real files in tmp_path; runs use the demo (examples/demo) copied beside them, as in
test_pipeline, and read what the operator reads: the run summary, `check`'s output, the outbox
and the state file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from advisories.cli import main
from advisories.rules import load_rules
from advisories.store import Store

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
THREE_CX = "ncsc-2023-3cx-desktop-app"

HEAD = 'id = "bad"\ntitle = "Bad rule title"\n'
NOT_A_DATE = "expected a TOML date such as 2023-03-30 (no quotes)"
STATEMENT = '[[affects]]\nproduct = "Filer"\n'


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("data"))
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    config = folder / "feeds.toml"
    config.write_text(config.read_text().replace('rules = "../../rules"', 'rules = "../rules"'))
    return folder


def rules_of(demo: Path) -> Path:
    return demo.parent / "rules"


def run(demo: Path) -> int:
    return main(["run", "--once", "--config", str(demo / "feeds.toml")])


def outbox(demo: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted((demo / "data" / "outbox").glob("*.eml"))]


def problems_in(folder: Path, name: str, text: str) -> tuple[list[str], list[str]]:
    """Write one rule beside a good one; returns (loaded ids, problems, without the folder)."""
    folder.mkdir(exist_ok=True)
    (folder / "good.toml").write_text('id = "good"\ntitle = "t"\n' + STATEMENT + 'versions = ["1.0"]\n')
    (folder / name).write_text(text)
    loaded = load_rules(folder)
    return [a.id for a in loaded.advisories], [p.replace(f"{folder}/", "") for p in loaded.problems]


# -- 1. a wrongly typed value skips that rule, with its key ----------------------------------

TYPED = [
    ('ranges = [{ introduced = "0", fixed = 18.13 }]',
     'affects[0].ranges[0].fixed: expected a string such as "18.13", got a number'),
    ('ranges = [{ introduced = "0", last_affected = 5 }]',
     'affects[0].ranges[0].last_affected: expected a string such as "18.12.416", got a number'),
    ('ranges = [{ introduced = 0, fixed = "2.0" }]',
     'affects[0].ranges[0].introduced: expected a string such as "18.0", got a number'),
    ('ranges = [{ introduced = "0", fixed = "" }]',
     'affects[0].ranges[0].fixed: is empty: give a string such as "18.13", or remove the key'),
    ('versions = ["1.0"]\ncpe = 5',
     'affects[0].cpe: expected a string such as "cpe:2.3:a:3cx:3cx", got a number'),
    ('versions = ["1.0"]\ncpe = "filer"',
     'affects[0].cpe: \'filer\' is not a CPE such as "cpe:2.3:a:3cx:3cx"'),
    ('versions = ["1.0"]\npurl = ["x"]',
     'affects[0].purl: expected a string such as "pkg:maven/org.apache.logging.log4j/log4j-core", got a list'),
    ('versions = ["1.0", 2]', 'affects[0].versions[1]: expected a string such as "18.12.416", got a number'),
    ('versions = "1.0"', 'affects[0].versions: expected a list of strings such as ["18.12.416"], got a string'),
    ('versions = ["1.0"]\naliases = "Filer"',
     'affects[0].aliases: expected a list of strings such as ["3CXDesktopApp"], got a string'),
    ('versions = ["1.0"]\nplatform = 1', 'affects[0].platform: expected a string, one of windows, macos, linux, '
                                          'ios, android, any; got a number'),
    ('versions = ["1.0"]\nscheme = ["deb"]', 'affects[0].scheme: expected a string, one of '),
    ('all_versions = "yes"', 'affects[0].all_versions: expected true or false, got a string'),
    ('versions = ["1.0"]\nfixed_in = 1.1', 'affects[0].fixed_in: expected a string such as "18.12.422", got a number'),
    ('versions = ["1.0"]\nlabels = ["Update 7"]', 'affects[0].labels: expected a table mapping a label to its builds'),
    ('versions = ["1.0"]\nlabels = { "Update 7" = "1.0" }',
     'affects[0].labels."Update 7": expected a list of strings such as ["18.12.407"], got a string'),
    ('versions = ["1.0"]\nversion_aliases = { "15.0" = 2023.0 }',
     'affects[0].version_aliases."15.0": expected a string such as "2023.0", got a number'),
    ('vers = 5', 'affects[0].vers: expected a string such as "vers:generic/>=7.2.0|<7.2.5", got a number'),
    ('vers = "vers:generic/>=1.0|<"',
     "affects[0].vers: cannot read version range 'vers:generic/>=1.0|<': the constraint '<' has no version"),
    ('ranges = [{ introduced = "0", fixed = "latest" }]',
     "affects[0].ranges[0].fixed: 'latest' cannot be read as a generic version"),
    ('end_excluding = "the next one"', "affects[0].end_excluding: 'the next one' cannot be read"),
    ('start_including = "1.0"\nstart_excluding = "1.1"',
     "affects[0]: give start_including or start_excluding, not both"),
    ('vendor = 3\nversions = ["1.0"]', 'affects[0].vendor: expected a string such as "3CX", got a number'),
]


@pytest.mark.parametrize(("line", "expected"), TYPED)
def test_a_wrongly_typed_value_skips_only_that_rule_with_its_key(tmp_path: Path, line: str, expected: str) -> None:
    loaded, problems = problems_in(tmp_path / "rules", "x.toml", HEAD + STATEMENT + line + "\n")
    assert loaded == ["good"]
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"x.toml: {expected}")


@pytest.mark.parametrize(("text", "expected"), [
    (HEAD + 'published = "yesterday"\n', f"published: {NOT_A_DATE}, got a string"),
    (HEAD + "published = 12:00:00\n", f"published: {NOT_A_DATE}, got a time"),
    (HEAD + 'exploited = "yes"\n', "exploited: expected true or false, got a string"),
    (HEAD + "severity = 1\n", "severity: expected a string, one of critical, high, medium, low; got a number"),
    (HEAD + 'cves = ["CVE-2023"]\n', "cves[0]: 'CVE-2023' is not a CVE id such as \"CVE-2023-29059\""),
    (HEAD + 'links = ["javascript:alert(1)"]\n', "links[0]: 'javascript:alert(1)' is not an http(s) link"),
    (HEAD + "summary = 5\n", 'summary: expected a string such as "Trojanised builds of ...", got a number'),
    (HEAD + "action = true\n", 'action: expected a string such as "Update to 18.12.422.", got true/false'),
    ('id = 7\ntitle = "t"\n', 'id: expected a string such as "ncsc-2023-3cx-desktop-app", got a number'),
    ('id = "bad"\ntitle = ""\n', 'title: is empty: give a string such as "3CX Desktop App supply-chain compromise"'),
    ('id = "bad"\ntitle = "t"\naffects = [1]\n', "affects[0]: expected a table ([[affects]]), got a number"),
])
def test_a_wrongly_typed_top_level_value_skips_the_rule(tmp_path: Path, text: str, expected: str) -> None:
    if "[[affects]]" not in text and "affects =" not in text:
        text += STATEMENT + 'versions = ["1.0"]\n'
    loaded, problems = problems_in(tmp_path / "rules", "x.toml", text)
    assert loaded == ["good"]
    assert problems == [f"x.toml: {expected}"]


def test_a_rule_using_every_field_correctly_still_loads(tmp_path: Path) -> None:
    loaded, problems = problems_in(tmp_path / "rules", "full.toml", (
        'id = "full"\ntitle = "t"\npublished = 2023-03-30T09:00:00Z\nseverity = "high"\nexploited = false\n'
        'cves = ["cve-2023-29059"]\nlinks = ["https://example.org/a"]\nsummary = "s"\naction = "a"\n'
        + STATEMENT +
        'aliases = ["Filer Pro"]\nplatform = "windows"\nversions = ["1.0"]\n'
        'labels = { "Update 7" = ["1.0"] }\nversion_aliases = { "15.0" = "2023.0" }\n'
        'ranges = [{ introduced = "2.0", fixed = "2.5" }, { introduced = "0", last_affected = "0.9" }]\n'
        'vers = "vers:generic/>=3.0|<3.2"\nstart_including = "4.0"\nend_excluding = "4.2"\n'
        'fixed_in = "4.2"\ncpe = "cpe:2.3:a:oldco:filer"\npurl = "pkg:generic/oldco/filer"\n'
        'all_versions = false\n'
        '[[affects]]\nproduct = "Filer Server"\nvers = "vers:deb/<1:2.3-4"\n'))
    assert problems == [] and sorted(loaded) == ["full", "good"]
    full = next(a for a in load_rules(tmp_path / "rules").advisories if a.id == "full")
    assert full.cves == ("CVE-2023-29059",)  # the spelling other sources use, so merging finds it
    assert len(full.affects[0].ranges) == 4
    assert full.affects[1].scheme == "deb"  # the vers type says how its versions order


@pytest.mark.parametrize(("line", "expected"), [
    ('ranges = [{ introduced = "0", fixed = 18.13 }]',
     'affects[0].ranges[0].fixed: expected a string such as "18.13", got a number'),
    ('ranges = [{ introduced = "0", last_affected = 5 }]',
     'affects[0].ranges[0].last_affected: expected a string such as "18.12.416", got a number'),
    ('versions = ["1.0"]\ncpe = 5', 'affects[0].cpe: expected a string such as "cpe:2.3:a:3cx:3cx", got a number'),
    ('versions = ["1.0"]\npurl = ["x"]', 'affects[0].purl: expected a string such as "pkg:maven/'),
])
def test_run_and_check_name_a_mistyped_rule_and_the_others_still_alert(
    demo: Path, capsys: pytest.CaptureFixture[str], line: str, expected: str
) -> None:
    rule = rules_of(demo) / "x.toml"
    rule.write_text(HEAD + STATEMENT + line + "\n")
    assert run(demo) == 1  # not "all well": cron notices
    out = capsys.readouterr().out
    assert f"  - rule skipped: {rule}: {expected}" in out
    assert "Traceback" not in out
    assert "emails      queued 2, sent 2" in out  # the 3CX rule still alerted both councils
    assert main(["check", "--config", str(demo / "feeds.toml")]) == 2
    captured = capsys.readouterr()
    assert f"problem: {rule}: {expected}" in captured.err
    assert "configuration is valid" not in captured.out


# -- 3. a rule reported as skipped is really skipped, each bad key named once -----------------


def test_a_skipped_rule_is_not_loaded_and_each_bad_key_is_named_once(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Would alert Barsetshire (40 Windows devices on 18.12.416) if it were loaded.
    rule = rules_of(demo) / "stringy.toml"
    rule.write_text(
        'id = "stringy"\ntitle = "Stringy 3CX title"\nseverity = "high"\ncves = "CVE-2023-12345"\n'
        'published = "yesterday"\nlinks = "https://example.org/advice"\n'
        '[[affects]]\nvendor = "3CX"\nproduct = "3CX Desktop App"\nplatform = "windows"\n'
        'versions = ["18.12.416"]\n')
    assert run(demo) == 1
    out = capsys.readouterr().out
    skipped = [x for x in out.splitlines() if "stringy.toml" in x]
    assert [x.split("stringy.toml: ")[1].split(":")[0] for x in skipped] == ["published", "cves", "links"]
    assert all(x.startswith(f"  - rule skipped: {rule}: ") for x in skipped)
    assert not any(b"Stringy 3CX title" in m for m in outbox(demo))
    with Store.open(demo / "data" / "state.sqlite3") as store:
        assert store.advisory("stringy") is None


# -- 2. two files with one id: both refused, the stored rule stays in force -------------------


@pytest.mark.parametrize("name", ["aaa-copy.toml", "zzz-copy.toml"])
def test_two_files_with_one_id_are_both_refused_whichever_sorts_first(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    (folder / name).write_text(f'id = "{THREE_CX}"\ntitle = "t"\n' + STATEMENT + 'versions = ["1.0"]\n')
    loaded = load_rules(folder)
    assert loaded.advisories == ()
    files = sorted([folder / name, folder / f"{THREE_CX}.toml"])
    assert loaded.problems == (
        f"{files[0]} and {files[1]}: both use id '{THREE_CX}', so none of them is loaded "
        "(give each rule its own id, or delete the copy)",
    )


def test_a_broken_copy_still_counts_as_a_second_claim_on_the_id(tmp_path: Path) -> None:
    loaded, problems = problems_in(tmp_path / "rules", "copy.toml", 'id = "good"\ntitle = 5\n')
    assert loaded == []
    assert problems[0].startswith("copy.toml: title: expected a string")
    assert problems[-1].startswith("copy.toml and good.toml: both use id 'good'")


def test_a_duplicate_id_fails_the_run_and_leaves_the_stored_rule_in_force(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(demo) == 0
    sent = outbox(demo)
    assert len(sent) == 2
    state = demo / "data" / "state.sqlite3"
    with Store.open(state) as store:
        before = store.advisory(THREE_CX)
        exposures = store.exposures()
    assert before is not None and before.severity == "critical" and exposures
    # A copy edited into a low-severity rule for other builds must not replace the real one.
    original = rules_of(demo) / f"{THREE_CX}.toml"
    copy = rules_of(demo) / "3cx-copy.toml"
    copy.write_text(original.read_text().replace('severity = "critical"', 'severity = "low"')
                    .replace('"18.12.407", "18.12.416"]', '"1.0"]'))
    capsys.readouterr()

    assert run(demo) == 1
    out = capsys.readouterr().out
    assert (f"  - rule skipped: {copy} and {original}: both use id '{THREE_CX}', so none of them is "
            "loaded") in out
    assert "withdrawn" not in out
    with Store.open(state) as store:
        assert store.advisory(THREE_CX) == before
        after = store.exposures()
    assert [e.remediated_at for e in after] == [None] * len(exposures)
    assert [(e.key, e.devices) for e in after] == [(e.key, e.devices) for e in exposures]
    assert outbox(demo) == sent  # nothing re-sent, nothing new

    assert main(["check", "--config", str(demo / "feeds.toml")]) == 2
    assert f"problem: {copy} and {original}: both use id '{THREE_CX}'" in capsys.readouterr().err
