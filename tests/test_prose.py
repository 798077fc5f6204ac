"""Versions read from prose: confident readings alert (labelled), doubtful ones go to review."""

from __future__ import annotations

import email
import email.policy
import json
import shutil
from pathlib import Path

import pytest

from advisories.cli import main
from advisories.rules import load_rule

ROOT = Path(__file__).resolve().parent.parent
ITEM = """<item><title>{title}</title><link>https://www.ncsc.gov.uk/news/{slug}</link>
<description>{text}</description><pubDate>Fri, 31 Mar 2023 12:00:00 +0000</pubDate>
<guid isPermaLink="true">https://www.ncsc.gov.uk/news/{slug}</guid></item>"""
CLEAR = ("The 3CX Desktop App was trojanised. Affected versions are 18.12.407 and 18.12.416 for "
         "Windows; 18.11.1213, 18.12.402, 18.12.407 and 18.12.416 for macOS.")
DAMAGED = "A partner bulletin printed the affected Windows builds of the 3CX Desktop App as 12.407 and 12.416."


def feed(*items: str) -> str:
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>News Feed</title>'
            f'<link>https://www.ncsc.gov.uk/</link><description>d</description>{"".join(items)}'
            "</channel></rss>")


@pytest.fixture
def setup(tmp_path: Path) -> Path:
    """The demo's councils, with no curated rules at all: only the NCSC's prose."""
    shutil.copytree(ROOT / "examples" / "demo", tmp_path / "demo", ignore=shutil.ignore_patterns("data"))
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(ROOT / "rules" / "products.toml", rules)
    config = tmp_path / "demo" / "feeds.toml"
    text = config.read_text().replace('rules = "../../rules"', 'rules = "../rules"')
    config.write_text(text.replace('path = "feeds/ncsc-3cx-week.xml"', 'path = "feeds/prose.xml"'))
    return tmp_path / "demo"


def messages(folder: Path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for p in sorted((folder / "data" / "outbox").glob("*.eml"))]


def test_a_clear_prose_advisory_alerts_with_a_please_verify_label(setup: Path) -> None:
    (setup / "feeds" / "prose.xml").write_text(feed(ITEM.format(title="3CX Desktop App compromise",
                                                                slug="3cx", text=CLEAR)))
    assert main(["run", "--once", "--config", str(setup / "feeds.toml")]) == 0
    sent = {m["To"].split("@")[1].split(".")[0]: m for m in messages(setup)}
    assert set(sent) == {"barsetshire", "wessex"}  # platform-aware, exactly as the rule would
    text = sent["barsetshire"].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Versions read from the advisory text: please verify" in text
    assert "18.12.416" in text and "40 devices" in text


def test_damaged_versions_never_alert_and_reach_the_digest_review_list(
    setup: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # With the 3CX rule present, its builds are the product's known builds: the damage shows.
    shutil.copy(ROOT / "rules" / "ncsc-2023-3cx-desktop-app.toml", setup.parent / "rules")
    (setup / "feeds" / "prose.xml").write_text(feed(ITEM.format(title="3CX Desktop App builds",
                                                                slug="3cx2", text=DAMAGED)))
    assert main(["run", "--once", "--config", str(setup / "feeds.toml")]) == 0
    sent = messages(setup)
    assert len(sent) == 2  # the rule's alerts only
    assert not any("read from the advisory text" in m.get_body(("plain",)).get_content()  # type: ignore[union-attr]
                   for m in sent)
    assert main(["digest", "--week", "2023-W13", "--config", str(setup / "feeds.toml")]) == 0
    markdown = (setup / "data" / "bulletins" / "2023-W13.md").read_text()
    review = markdown.split("Needs review")[1]
    assert "12.407" in review and "perhaps 18.12.407, 18.12.416" in review
    assert "draft-rule ncsc-3cx-week:https://www.ncsc.gov.uk/news/3cx2" in review


def test_extract_json_has_the_documented_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "advisory.html"
    page.write_text(f"<html><body><h1>3CX DesktopApp</h1><p>{CLEAR}</p><p>{DAMAGED}</p></body></html>")
    assert main(["extract", str(page), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(set(r) == {"product", "vendor", "platform", "versions", "ranges", "confidence", "suspect",
                          "suggested_versions", "evidence"} for r in rows)
    by = {(r["platform"], tuple(r["versions"])): r for r in rows}
    assert not by[("windows", ("18.12.407", "18.12.416"))]["suspect"]
    assert ("macos", ("18.11.1213", "18.12.402", "18.12.407", "18.12.416")) in by
    damaged = by[("windows", ("12.407", "12.416"))]
    assert damaged["suspect"] and damaged["suggested_versions"] == ["18.12.407", "18.12.416"]


def test_draft_rule_writes_a_loadable_rule_for_review(setup: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (setup / "feeds" / "prose.xml").write_text(feed(ITEM.format(title="3CX Desktop App compromise",
                                                                slug="3cx", text=CLEAR)))
    config = str(setup / "feeds.toml")
    assert main(["run", "--once", "--config", config]) == 0
    capsys.readouterr()
    assert main(["draft-rule", "ncsc-3cx-week:https://www.ncsc.gov.uk/news/3cx", "--config", config]) == 0
    path = Path(capsys.readouterr().out.split("draft written to ")[1].split(" (")[0])
    assert path.parent.name == "drafts"  # runs never read drafts: a person reviews them first
    advisory, problems = load_rule(path)
    assert problems == [] and advisory is not None
    assert {(s.platform, s.versions) for s in advisory.affects} == {
        ("windows", ("18.12.407", "18.12.416")), ("macos", ("18.11.1213", "18.12.402", "18.12.407", "18.12.416"))}
    capsys.readouterr()
    assert main(["draft-rule", "no-such-id", "--config", config]) == 2
    assert "the latest stored: " in capsys.readouterr().err
    assert main(["draft-rule", "news/3cx", "--config", config]) == 2  # a part of an id
    assert "similar: ncsc-3cx-week:https://www.ncsc.gov.uk/news/3cx" in capsys.readouterr().err


def test_only_confident_readings_reach_the_matcher() -> None:
    from advisories.matching import Matcher
    from advisories.models import Advisory, AffectedProduct, InventoryItem
    from advisories.products import Catalogue

    row = InventoryItem("barsetshire", "3CX Desktop App", "18.12.416", "windows", "3CX", devices=40)

    def advisory(confidence: float) -> Advisory:
        stmt = AffectedProduct("3CX", "3CX Desktop App", "windows", versions=("18.12.416",),
                               from_text=True, confidence=confidence)
        return Advisory(id=f"ncsc:{confidence}", source="ncsc", title="t", kind="news", affects=(stmt,))

    catalogue = Catalogue.load(ROOT / "rules" / "products.toml")
    assert [m.advisory.id for m in Matcher([advisory(0.7)], catalogue).match_items([row])] == ["ncsc:0.7"]
    assert Matcher([advisory(0.65)], catalogue).match_items([row]) == []


def test_hostile_feed_text_is_escaped_in_the_alert_and_never_reaches_a_header(setup: Path) -> None:
    title = "3CX Desktop App &lt;script&gt;alert(1)&lt;/script&gt; Bcc: victim@example.com"
    text = CLEAR + " &lt;img src=x onerror=alert(2)&gt; &lt;a href='javascript:alert(3)'&gt;Read the advice.&lt;/a&gt;"
    (setup / "feeds" / "prose.xml").write_text(feed(ITEM.format(title=title, slug="x", text=text)))
    assert main(["run", "--once", "--config", str(setup / "feeds.toml")]) == 0
    sent = messages(setup)
    assert len(sent) == 2
    for message in sent:
        assert message.get_all("Bcc") is None and len(message.get_all("Subject") or []) == 1
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert "<script" not in html and "onerror" not in html and "javascript:" not in html
        assert "Versions read from the advisory text" in html


def test_a_new_source_for_a_told_exposure_is_not_a_second_alert(setup: Path) -> None:
    """A feed item later cites the rule's CVE and another one: the exposure keeps its key."""
    from advisories.store import Store

    shutil.copy(ROOT / "rules" / "ncsc-2023-3cx-desktop-app.toml", setup.parent / "rules")
    (setup / "feeds" / "prose.xml").write_text(feed())
    config = str(setup / "feeds.toml")
    assert main(["run", "--once", "--config", config]) == 0
    assert len(messages(setup)) == 2
    update = ITEM.format(title="Update on 3CX: CVE-2023-29059 and CVE-2023-20000", slug="u", text=CLEAR)
    (setup / "feeds" / "prose.xml").write_text(feed(update))
    assert main(["run", "--once", "--config", config, "--force"]) == 0
    assert len(messages(setup)) == 2
    with Store.open(setup / "data" / "state.sqlite3") as store:
        assert all(e.remediated_at is None for e in store.exposures())


def test_the_same_page_in_two_feeds_is_one_section(setup: Path) -> None:
    item = ITEM.format(title="3CX Desktop App compromise", slug="3cx", text=CLEAR)
    (setup / "feeds" / "prose.xml").write_text(feed(item))
    (setup / "feeds" / "all.xml").write_text(feed(item))
    config = setup / "feeds.toml"
    config.write_text(config.read_text().replace(
        "[digest]", '[[feeds]]\nname = "ncsc-all"\nkind = "rss"\npath = "feeds/all.xml"\n\n[digest]'))
    assert main(["run", "--once", "--config", str(config)]) == 0
    for message in messages(setup):
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert text.count("3CX Desktop App compromise") == 1


@pytest.mark.parametrize("sentence", [
    "3CX Desktop App versions up to 18.12.416 are not believed to be affected.",
    "Users of 3CX Desktop App 18.12.416 need not take action.",
])
def test_a_negated_sentence_never_alerts(setup: Path, sentence: str) -> None:
    (setup / "feeds" / "prose.xml").write_text(feed(ITEM.format(title="3CX update", slug="n", text=sentence)))
    assert main(["run", "--once", "--config", str(setup / "feeds.toml")]) == 0
    assert messages(setup) == []


def test_extract_reads_a_page_from_a_url(capsys: pytest.CaptureFixture[str]) -> None:
    from httpserver import LocalServer, Reply

    with LocalServer() as server:
        server.route("/advisory", Reply(body=f"<html><body><p>{CLEAR}</p></body></html>".encode(),
                                        headers={"Content-Type": "text/html"}))
        assert main(["extract", server.url("/advisory"), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {(r["platform"], len(r["versions"])) for r in rows} == {("windows", 2), ("macos", 4)}


def test_adopting_a_draft_as_told_keeps_the_shipped_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A config that names no rules folder reads the shipped rules (the 3CX rule among them).
    # Following draft-rule's steps word for word must not withdraw them at the next run.
    import subprocess

    shutil.copytree(ROOT / "examples" / "demo", tmp_path / "demo", ignore=shutil.ignore_patterns("data"))
    config = tmp_path / "demo" / "feeds.toml"
    config.write_text(config.read_text().replace('rules = "../../rules"\n', ""))
    assert main(["run", "--once", "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["draft-rule", "ncsc-3cx-week:https://www.ncsc.gov.uk/news/", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    draft = Path(out.split("draft written to ")[1].split(" (")[0])
    steps = out.splitlines()
    shell = next(line.strip() for line in steps if line.strip().startswith("mkdir -p "))
    subprocess.run(shell, shell=True, check=True)  # step 1, as printed
    rules = draft.parent.parent
    if "\n[[affects]]" not in draft.read_text():  # the editor completes what the teaser did not say
        draft.write_text(draft.read_text() + '\n[[affects]]\nvendor = "3CX"\nproduct = "3CX Desktop App"\n'
                         'versions = ["18.12.416"]\n')
    draft.replace(rules / draft.name)  # step 2
    assert any(f"set rules = \"rules\" under [settings] in {config}" in line for line in steps)
    config.write_text(config.read_text().replace("[settings]\n", '[settings]\nrules = "rules"\n', 1))  # step 3
    capsys.readouterr()
    assert main(["run", "--once", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "withdrawn" not in out  # the shipped rules are still read: none is taken back
    assert (rules / "ncsc-2023-3cx-desktop-app.toml").is_file()


def test_check_of_a_broken_config_naming_no_rules_reads_the_shipped_ones(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text('[settings]\nstate = "s.sqlite3"\nbogus = 1\n')
    assert main(["check", "--config", str(config)]) == 2
    out, err = capsys.readouterr()
    assert "settings.bogus: unknown key" in err and "folder" not in err  # no missing rules folder
    assert f"{ROOT / 'rules'}: " in out
