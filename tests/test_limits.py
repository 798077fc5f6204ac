"""Sizes are capped where text enters.

The caps (advisories/limits.py) apply to every advisory on its way to the store; `check` warns
about a rule over one.
"""

from __future__ import annotations

import email
import email.policy
import re
import shutil
from email.message import EmailMessage
from pathlib import Path

import pytest

from advisories.cli import main
from advisories.limits import (
    PRODUCT_CHARS,
    SUMMARY_CHARS,
    TITLE_CHARS,
    VERSION_CHARS,
    cap_advisory,
    cut_text,
    oversized,
)
from advisories.models import Advisory, AffectedProduct, Bound, VersionRange
from advisories.rules import load_rule
from advisories.store import Store

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
RULE = ROOT / "rules" / "ncsc-2023-3cx-desktop-app.toml"
LINK = "https://www.3cx.com/blog/news/desktopapp-security-alert/"
TEN_MB = 10 * 1024 * 1024


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("data"))
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    config = folder / "feeds.toml"
    config.write_text(config.read_text().replace('rules = "../../rules"', 'rules = "../rules"'))
    return folder


def parsed(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def bodies(message: EmailMessage) -> tuple[str, str]:
    text, markup = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and markup is not None
    return text.get_content(), markup.get_content()


# -- cutting ---------------------------------------------------------------------------------


def test_a_cut_ends_at_a_word_with_an_ellipsis_and_says_where_the_full_text_is() -> None:
    text = "Trojanised builds of the desktop app were signed and shipped " * 20
    cut = cut_text(text, 300, LINK)
    assert len(cut) <= 300
    assert cut.endswith(f"… (cut; read the full text at {LINK})")
    kept = cut.split("…")[0]
    assert text.startswith(kept) and text[len(kept)] == " "  # ends at a whole word
    plain = cut_text(text, 300)
    assert len(plain) <= 300 and plain.endswith(" and…") and text.startswith(plain[:-1] + " ")
    assert cut_text("short", 300, LINK) == "short"


def test_a_link_too_long_to_quote_leaves_a_plain_ellipsis() -> None:
    cut = cut_text("word " * 200, 300, "https://example.com/" + "a" * 300)
    assert len(cut) <= 300 and cut.endswith("…") and "cut;" not in cut


def test_every_text_of_an_advisory_is_within_its_cap_and_a_real_one_is_untouched() -> None:
    rule, problems = load_rule(RULE)
    assert rule is not None and not problems
    assert cap_advisory(rule) is rule  # nothing real is near a cap
    statement = AffectedProduct(vendor="V" * 500, product="P" * 500, versions=("1." * 300,),
                                ranges=(VersionRange(Bound("0", True), Bound("9" * 500, False)),))
    huge = Advisory(id="x", source="rules", title="t " * TEN_MB, summary="s " * 10_000,
                    action="a " * 10_000, notes=("n " * 5000,), links=(LINK,), affects=(statement,))
    capped = cap_advisory(huge)
    assert list(oversized(capped)) == []
    assert len(capped.title) <= TITLE_CHARS and LINK in capped.title
    assert len(capped.summary) <= SUMMARY_CHARS and LINK in capped.summary
    [s] = capped.affects
    assert len(s.product) <= PRODUCT_CHARS and len(s.vendor) <= PRODUCT_CHARS
    assert len(s.versions[0]) <= VERSION_CHARS
    assert s.ranges[0].upper is not None and len(s.ranges[0].upper.version) <= VERSION_CHARS
    assert [o.field for o in oversized(huge)] == [
        "title", "summary", "action", "notes[0]", "affects[0].vendor", "affects[0].product",
        "affects[0].versions[0]", "affects[0].ranges[0]"]


# -- a rule with a 10 MB title, end to end ------------------------------------------------------


def write_big_title_rule(rules: Path) -> Path:
    """The 3CX rule under its own id with a 10 MB title (the shipped one removed)."""
    text = RULE.read_text(encoding="utf-8").replace('"ncsc-2023-3cx-desktop-app"', '"lga-huge-title"')
    title = "Supply chain compromise " + "of the desktop app " * (TEN_MB // 19)
    text = re.sub(r"^title = .*$", lambda _: f'title = "{title}"', text, count=1, flags=re.M)
    (rules / RULE.name).unlink()
    path = rules / "lga-huge-title.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_warns_about_a_rule_over_a_cap_without_failing(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_big_title_rule(demo.parent / "rules")
    assert main(["check", "--config", str(demo / "feeds.toml")]) == 0
    out = capsys.readouterr().out
    [line] = [x for x in out.splitlines() if "warning:" in x]
    assert f"warning: {path}: title: " in line and "over the 300-character cap" in line
    assert "configuration is valid" in out


def test_a_10_mb_rule_title_makes_small_emails_that_point_to_the_full_text(demo: Path) -> None:
    write_big_title_rule(demo.parent / "rules")
    config = str(demo / "feeds.toml")
    assert main(["run", "--once", "--config", config]) == 0
    files = sorted((demo / "data" / "outbox").glob("*.eml"))
    assert len(files) == 2  # Barsetshire and Wessex, as with the shipped rule
    for path in files:
        assert path.stat().st_size < 20_000  # was 28.7 MB before the caps
        text, markup = bodies(parsed(path.read_bytes()))
        assert f"… (cut; read the full text at {LINK})" in text
        assert f"… (cut; read the full text at {LINK})" in markup
    with Store.open(demo / "data" / "state.sqlite3") as store:
        [stored] = [a for a in store.advisories() if a.id == "lga-huge-title"]
    assert len(stored.title) <= TITLE_CHARS
    # The weekly bulletin of that week stays small too (it was 31 MB a part).
    assert main(["digest", "--week", "2023-W13", "--send", "--config", config]) == 0
    bulletins = demo / "data" / "bulletins"
    assert all(p.stat().st_size < 100_000 for p in bulletins.iterdir())
    [digest] = [p for p in (demo / "data" / "outbox").glob("digest-*.eml")]
    assert digest.stat().st_size < 150_000
    assert "cut; read the full text at" in (bulletins / "2023-W13.md").read_text()
