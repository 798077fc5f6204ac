"""The CLI's contracts: check reports every problem, match answers offline, exit codes hold."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from advisories.cli import main

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
RULE = ROOT / "rules" / "ncsc-2023-3cx-desktop-app.toml"


def test_check_passes_on_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--config", str(DEMO / "feeds.toml")]) == 0
    assert "configuration is valid" in capsys.readouterr().out


def test_check_reports_every_problem_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(DEMO, tmp_path / "demo", ignore=shutil.ignore_patterns("data"))
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "broken.toml").write_text('id = "x"\ntitle = "t"\nseverity = "urgent"\n'
                                       '[[affects]]\nproduct = "P"\nplatform = "amiga"\n')
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "alert.txt").write_text("{% for x in %}\n")
    config = tmp_path / "demo" / "feeds.toml"
    config.write_text(config.read_text().replace('rules = "../../rules"', 'rules = "../rules"')
                      .replace("[settings]", '[settings]\ntemplates = "../templates"')
                      .replace("loamshire-lansweeper.csv", "missing.csv"))
    assert main(["check", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "broken.toml: severity: 'urgent'" in err
    assert "broken.toml: affects[0].platform: 'amiga'" in err
    assert "missing.csv" in err
    assert "alert.txt line 1" in err


def test_check_on_a_bad_config_names_each_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text('[settings]\ncolour = "blue"\n[[feeds]]\nname = "a"\nkind = "atom"\nurl = "x"\n')
    assert main(["check", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "settings.colour: unknown key" in err
    assert "feeds[0].kind: unknown kind 'atom'" in err
    assert "feeds[0].url: must be an http(s) URL" in err


def match_rows(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["match", *args, "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_match_json_names_product_version_platform_devices_and_why(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = match_rows(capsys, str(DEMO / "inventories" / "wessex-intune-appinvrawdata.csv"), str(RULE))
    assert len(rows) == 1
    [row] = rows
    assert row["advisory"] == "ncsc-2023-3cx-desktop-app"
    assert (row["product"], row["version"], row["platform"], row["devices"]) == (
        "3CX Desktop App", "18.11.1213", "macos", 3)
    assert row["status"] == "affected"
    assert row["hosts"] == ["WX-MAC-001", "WX-MAC-002", "WX-MAC-003"]
    assert "18.11.1213" in str(row["statement"]) and "macos" in str(row["statement"])


def test_match_reports_unknown_platform_as_check_manually(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = tmp_path / "inv.csv"
    inventory.write_text("product,vendor,version\n3CX Desktop App,3CX,18.11.1213\n"
                         "3CX Desktop App,3CX,18.12.422\n3CX Desktop App,3CX,\n")
    rows = match_rows(capsys, str(inventory), str(RULE))
    by_version = {r["version"]: r["status"] for r in rows}
    # 18.11.1213 is affected on macOS only, and the row does not say its platform.
    assert by_version["18.11.1213"] == "unknown"
    assert "18.12.422" not in by_version  # not affected on any platform
    assert by_version[""] == "unknown"  # no version: never "not affected"
    rows = match_rows(capsys, str(inventory), str(RULE), "--platform", "windows")
    assert {r["version"]: r["status"] for r in rows} == {"": "unknown"}


def test_match_explain_shows_near_misses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inventory = tmp_path / "inv.csv"
    inventory.write_text("product,vendor,version,platform\n"
                         "3CX Phone System Management Console,3CX,18.12.416,Windows\n")
    assert main(["match", str(inventory), str(RULE), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "no inventory row is affected" in out
    assert "NEAR" in out and "3CX Phone System Management Console" in out
    assert out.count("NEAR") == 1  # one row, one near miss, however many statements the rule has


def test_match_explain_says_why_the_right_product_is_not_affected(capsys: pytest.CaptureFixture[str]) -> None:
    # Wessex's 12 Windows PCs run the fixed 18.12.422: the rule's Windows list says why.
    inventory = DEMO / "inventories" / "wessex-intune-appinvrawdata.csv"
    assert main(["match", str(inventory), str(RULE), "--explain"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if line.startswith("NOT")] == [
        "NOT      3CX Desktop App 18.12.422 (windows): 18.12.422 is not one of the listed affected builds "
        "(18.12.407, 18.12.416)"]


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run([sys.executable, "-m", "advisories", "--version"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("advisories ")


def test_a_bad_advisory_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\n')
    inventory = DEMO / "inventories" / "wessex-intune-appinvrawdata.csv"
    assert main(["match", str(inventory), str(bad)]) == 2
    assert "bad.toml: title" in capsys.readouterr().err


def test_match_reads_a_csaf_document_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ICSA-24-284-08 (Siemens HiMed Cockpit): vers:all/>=V11.5.1|<V11.6.2, with the V prefix."""
    csaf = ROOT / "tests" / "fixtures" / "csaf" / "cisagov-CSAF_OT_white_2024_icsa-24-284-08.json"
    inventory = tmp_path / "inv.csv"
    inventory.write_text("product,vendor,version,platform\n"
                         "HiMed Cockpit 12 pro (J31032-K2017-H259),Siemens,V11.5.2,windows\n"
                         "HiMed Cockpit 12 pro (J31032-K2017-H259),Siemens,11.6.2,windows\n")
    rows = match_rows(capsys, str(inventory), str(csaf))
    assert [(r["version"], r["status"], r["advisory"]) for r in rows] == [
        ("V11.5.2", "affected", "csaf:ICSA-24-284-08")]


def test_match_with_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inventory = DEMO / "inventories" / "wessex-intune-appinvrawdata.csv"
    assert main(["match", str(inventory), str(tmp_path / "nope.json")]) == 2
    assert main(["match", str(tmp_path / "nope.csv"), str(RULE)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_check_goes_on_past_a_broken_feeds_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "bad.toml").write_text('id = "x"\ntitle = "t"\ncolour = "red"\n[[affects]]\nproduct = "P"\n'
                                    'versions = ["1"]\n')
    (tmp_path / "inv.csv").write_text("colour,size\nred,3\n")
    config = tmp_path / "feeds.toml"
    config.write_text('[settings]\nrules = "rules"\n[[feeds]]\nname = "a"\nkind = "rss"\nurl = "x"\n'
                      '[[councils]]\nid = "c"\nname = "C"\nrecipients = ["it@c.example.gov.uk"]\n'
                      'inventory = "inv.csv"\n')
    assert main(["check", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "feeds[0].url" in err  # the config's own problem
    assert "bad.toml: colour: unknown key" in err  # and the rules it names
    assert "councils[c].inventory" in err  # and the inventories


def test_check_reports_a_state_path_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(DEMO, tmp_path / "demo", ignore=shutil.ignore_patterns("data"))
    config = tmp_path / "demo" / "feeds.toml"
    (tmp_path / "demo" / "data" / "state.sqlite3").mkdir(parents=True)
    config.write_text(config.read_text().replace('rules = "../../rules"', f'rules = "{ROOT / "rules"}"'))
    assert main(["check", "--config", str(config)]) == 2
    assert "settings.state" in capsys.readouterr().err
