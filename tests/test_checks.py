"""`advisories check`: templates are rendered, not only compiled; the state file is checked
without being touched."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest

from advisories.checks import check_all, check_templates
from advisories.digest.build import WEEKLY_TEMPLATES
from advisories.digest.output import DIGEST_TEMPLATES
from advisories.render import ALERT_TEMPLATES, default_folder
from advisories.store import Store

ROOT = Path(__file__).resolve().parent.parent
ALL_TEMPLATES = (*ALERT_TEMPLATES, *DIGEST_TEMPLATES, *WEEKLY_TEMPLATES)

CONFIG = f"""
[settings]
state = "data/state.sqlite3"
outbox = "data/outbox"
rules = "{ROOT / "rules"}"
templates = "templates"

[[feeds]]
name = "ncsc-reports"
kind = "rss"
path = "feed.xml"

[[councils]]
id = "barsetshire"
name = "Barsetshire County Council"
recipients = ["it@barsetshire.example.gov.uk"]
inventory = "inventory.csv"
"""


def project(tmp_path: Path, config: str = CONFIG) -> Path:
    """A small, valid set-up: the config, its feed file, an inventory and a templates folder."""
    (tmp_path / "feed.xml").write_text("<rss/>")
    (tmp_path / "inventory.csv").write_text("product,vendor,version\n3CX Desktop App,3CX,18.12.416\n")
    (tmp_path / "templates").mkdir(exist_ok=True)
    path = tmp_path / "feeds.toml"
    path.write_text(config)
    return path


def test_the_set_up_and_the_shipped_templates_pass(tmp_path: Path) -> None:
    problems, _ = check_all(project(tmp_path))
    assert problems == []
    assert check_templates(None, "Europe/London") == []
    assert not (tmp_path / "data" / "state.sqlite3").exists()  # check creates no state


def test_check_says_when_an_export_gives_no_platform_and_how_to_name_one(tmp_path: Path) -> None:
    _, notes = check_all(project(tmp_path))
    said = [n for n in notes if "give no platform" in n]
    assert said == ["councils[barsetshire]: 1 of those rows give no platform, so a hit by an advisory for one "
                    "platform reads 'check manually'; if this export covers one platform only, say which with "
                    'platform = "windows" (or macos, linux) in its [[councils]] entry']
    problems, notes = check_all(project(tmp_path, CONFIG + 'platform = "windows"\n'))
    assert problems == [] and not [n for n in notes if "give no platform" in n]


def test_a_typo_in_a_custom_template_is_reported_with_its_file_and_line(tmp_path: Path) -> None:
    config = project(tmp_path)
    (tmp_path / "templates" / "alert.subject.txt").write_text(
        "Advisory alert\n{{ alert.council_nmae }}\n")
    problems, _ = check_all(config)
    assert problems == [
        f"{tmp_path / 'templates' / 'alert.subject.txt'} line 2: 'advisories.alerts.CouncilAlert "
        "object' has no attribute 'council_nmae' (fix the template: rendering it with sample "
        "data failed)"
    ]


@pytest.mark.parametrize("name", ALL_TEMPLATES)
def test_every_template_a_run_or_digest_uses_is_rendered(tmp_path: Path, name: str) -> None:
    # The shipped template with one unknown name appended: reached by every render.
    shipped = (default_folder("templates") / name).read_text()
    (tmp_path / name).write_text(shipped + "{{ no_such_variable }}\n")
    problems = check_templates(tmp_path, "Europe/London")
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / name} line ")
    assert "'no_such_variable' is undefined" in problems[0]


def test_a_typo_inside_a_conditional_section_is_still_found(tmp_path: Path) -> None:
    # The sample data fills every section, so a typo in a rarely shown one is reached too.
    shipped = (default_folder("templates") / "alert.txt").read_text()
    broken = shipped.replace("s.advisory.ransomware }}", "s.advisory.ransomwear }}")
    assert broken != shipped
    (tmp_path / "alert.txt").write_text(broken)
    [problem] = check_templates(tmp_path, "Europe/London")
    assert "has no attribute 'ransomwear'" in problem


def test_every_broken_template_is_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "digest.md").write_text("{% for x in %}\n")
    (tmp_path / "weekly.txt").write_text("{{ summary.council }}\n")
    problems = check_templates(tmp_path, "Europe/London")
    assert len(problems) == 2
    assert problems[0].startswith(f"{tmp_path / 'digest.md'} line 1: ")
    assert problems[1].startswith(f"{tmp_path / 'weekly.txt'} line 1: ")


def test_templates_are_rendered_even_when_feeds_toml_is_broken(tmp_path: Path) -> None:
    config = project(tmp_path, CONFIG.replace('[settings]', '[settings]\ncolour = "blue"'))
    (tmp_path / "templates" / "weekly.subject.txt").write_text("{{ summary.week.wek }}\n")
    problems, _ = check_all(config)
    assert any("settings.colour: unknown key" in p for p in problems)
    assert any("weekly.subject.txt line 1" in p and "'wek'" in p for p in problems)


def _cannot_write(folder: Path) -> bool:
    try:
        with tempfile.TemporaryDirectory(dir=folder):
            return False
    except OSError:
        return True


@pytest.mark.skipif(not Path("/sys").is_dir() or not _cannot_write(Path("/sys")),
                    reason="needs a folder nobody can write, even root (Linux /sys)")
def test_a_state_file_in_an_unwritable_place_is_reported(tmp_path: Path) -> None:
    config = project(tmp_path, CONFIG.replace("data/state.sqlite3", "/sys/x/state.sqlite3"))
    problems, _ = check_all(config)
    assert problems == [
        f"{config}: settings.state: /sys/x/state.sqlite3: cannot create anything in /sys "
        "(Operation not permitted); choose a folder this user can write, e.g. "
        'state = "data/state.sqlite3"'
    ]
    assert not Path("/sys/x").exists()


def test_a_state_file_that_is_not_a_database_is_reported_and_left_alone(tmp_path: Path) -> None:
    config = project(tmp_path, CONFIG.replace("data/state.sqlite3", "notes.txt"))
    state = tmp_path / "notes.txt"
    state.write_text("these are my notes, not a database\n" * 50)
    before = state.read_bytes()
    problems, _ = check_all(config)
    assert problems == [
        f"{config}: settings.state: {state} is not a usable SQLite database (file is not a "
        "database): point state at the right file, or move this one away and a new one is "
        "created on the next run"
    ]
    assert state.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("notes")) == ["notes.txt"]


def test_an_existing_state_database_passes_and_is_not_touched(tmp_path: Path) -> None:
    config = project(tmp_path)
    state = tmp_path / "data" / "state.sqlite3"
    with Store.open(state):  # a real state file, in WAL mode, as a run leaves it
        pass
    before = (state.read_bytes(), state.stat().st_mtime_ns)
    names = sorted(p.name for p in state.parent.iterdir())
    problems, _ = check_all(config)
    assert problems == []
    assert (state.read_bytes(), state.stat().st_mtime_ns) == before
    assert sorted(p.name for p in state.parent.iterdir()) == names  # no -wal, -shm or probe left
    assert sqlite3.connect(state).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_state_path_below_a_file_is_reported(tmp_path: Path) -> None:
    config = project(tmp_path, CONFIG.replace("data/state.sqlite3", "feed.xml/state.sqlite3"))
    problems, _ = check_all(config)
    assert problems == [
        f"{config}: settings.state: {tmp_path / 'feed.xml' / 'state.sqlite3'}: "
        f"{tmp_path / 'feed.xml'} is a file, not a folder; choose a folder this user can write, "
        'e.g. state = "data/state.sqlite3"'
    ]


def test_the_demo_still_passes(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(ROOT / "examples" / "demo", demo, ignore=shutil.ignore_patterns("data"))
    config = demo / "feeds.toml"
    config.write_text(config.read_text().replace('rules = "../../rules"', f'rules = "{ROOT / "rules"}"'))
    problems, _ = check_all(config)
    assert problems == []


def test_check_does_not_suggest_a_council_platform_when_the_export_has_a_platform_column(tmp_path: Path) -> None:
    path = project(tmp_path)
    (tmp_path / "inventory.csv").write_text("product,vendor,version,platform\n3CX Desktop App,3CX,18.12.416,FreeDOS\n")
    _, notes = check_all(path)
    assert not [n for n in notes if "give no platform" in n]  # the loader reports 'FreeDOS' itself


def test_check_reads_rule_bounds_in_the_scheme_the_catalogue_gives_their_product(tmp_path: Path) -> None:
    """CTX678036 written with a hotfix of a base release, "2402 Hotfix 1": the generic scheme
    reads it, so the rule loads, but the Citrix Workspace app's own scheme cannot place it
    (Citrix numbers hotfixes of LTSR updates only): every row would read "check manually".
    `check` says so, naming the rule and the fix."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "ctx678036.toml").write_text('''id = "ctx678036"
title = "Citrix Workspace app for Windows: CVE-2024-6286"
severity = "high"

[[affects]]
vendor = "Citrix"
product = "Citrix Workspace app LTSR"
ranges = [{ introduced = "2402", fixed = "2402 Hotfix 1" }]

[[affects]]
vendor = "Citrix"
product = "Citrix Workspace app"
ranges = [{ introduced = "0", fixed = "2403.1" }]

[[affects]]
vendor = "Citrix"
product = "Citrix Workspace app LTSR"
versions = ["2203.1 LTSR CU6", "2203.1 Hotfix 1"]
''')
    problems, _ = check_all(project(tmp_path, CONFIG.replace(f'rules = "{ROOT / "rules"}"', 'rules = "rules"')))
    assert problems == [
        "rule ctx678036: affects[0]: '2402 Hotfix 1' cannot be read as a citrix-workspace-ltsr version, the "
        "numbering the catalogue gives Citrix Workspace app LTSR; write the release as the vendor names it "
        '(e.g. "2203.1 LTSR CU6 Hotfix 2"), or set scheme',
        "rule ctx678036: affects[2]: '2203.1 Hotfix 1' cannot be read as a citrix-workspace-ltsr version, the "
        "numbering the catalogue gives Citrix Workspace app LTSR; write the release as the vendor names it "
        '(e.g. "2203.1 LTSR CU6 Hotfix 2"), or set scheme',
    ]
