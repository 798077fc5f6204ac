"""Sizes are capped where text enters, and an alert stays a size a relay accepts.

The caps (advisories/limits.py) apply to every advisory on its way to the store; `check` warns
about a rule over one; an alert lists its most urgent rows and attaches the rest as a CSV.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from smtpserver import SmtpServer
from test_pipeline import demo  # noqa: F401  (a fixture)

from advisories.alerts import BODY_ROWS
from advisories.cli import main
from advisories.delivery.files import FileTransport
from advisories.delivery.mime import outgoing, to_bytes
from advisories.limits import (
    PRODUCT_CHARS,
    SUMMARY_CHARS,
    TITLE_CHARS,
    VERSION_CHARS,
    cap_advisory,
    cut_text,
    oversized,
)
from advisories.models import Advisory, AffectedProduct, Attachment, Bound, Message, VersionRange
from advisories.rules import load_rule
from advisories.store import Store

ROOT = Path(__file__).resolve().parent.parent
RULE = ROOT / "rules" / "ncsc-2023-3cx-desktop-app.toml"
LINK = "https://www.3cx.com/blog/news/desktopapp-security-alert/"
TEN_MB = 10 * 1024 * 1024
# The bound README.md documents for an alert, CSV included (half of Postfix's default 10 MB).
MAX_ALERT_BYTES = 5_000_000


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
    demo: Path, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    path = write_big_title_rule(demo.parent / "rules")
    assert main(["check", "--config", str(demo / "feeds.toml")]) == 0
    out = capsys.readouterr().out
    [line] = [x for x in out.splitlines() if "warning:" in x]
    assert f"warning: {path}: title: " in line and "over the 300-character cap" in line
    assert "configuration is valid" in out


def test_a_10_mb_rule_title_makes_small_emails_that_point_to_the_full_text(demo: Path) -> None:  # noqa: F811
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


# -- an alert with 5,000 rows ---------------------------------------------------------------------

WIDGET_RULE = """\
id = "lga-widget-agent"
title = "Widget Agent remote code execution"
published = 2023-03-29
severity = "high"
cves = ["CVE-2023-99999"]
links = ["https://widgets.example.com/security/2023-1"]
summary = "Every Widget Agent build runs attacker-supplied scripts."
action = "Uninstall Widget Agent until the vendor ships a fix."

[[affects]]
vendor = "Acme"
product = "Widget Agent"
platform = "windows"
all_versions = true
"""


def big_estate(folder: Path, rows: int = 5000, devices: int = 3) -> None:
    """Barsetshire's export: `rows` builds of Widget Agent, each on `devices` named PCs."""
    lines = ["product,vendor,version,platform,hostname"]
    for n in range(rows):
        version = f"{n // 1000 + 1}.{n // 100 % 10}.{n % 100}.{1000 + n}"
        lines += [f"Widget Agent,Acme,{version},Windows 11 Enterprise,BARSET-PC-{n:05d}-{d}" for d in range(devices)]
    inventory = folder / "inventories" / "barsetshire-intune-appinvaggregate.csv"
    inventory.write_text("\n".join(lines) + "\n")
    (folder.parent / "rules" / "lga-widget-agent.toml").write_text(WIDGET_RULE)


def test_an_alert_with_5000_rows_lists_the_most_urgent_and_attaches_the_rest(demo: Path) -> None:  # noqa: F811
    """Each row on 20 named PCs, the most a row lists: 3.1 MB sent, CSV included."""
    big_estate(demo, devices=20)
    config = demo / "feeds.toml"
    with SmtpServer() as server:
        config.write_text(config.read_text() + f"""
[smtp]
host = "127.0.0.1"
port = {server.port}
security = "none"
from = "Council Cyber Alerts <alerts@demo.example.gov.uk>"
""")
        assert main(["run", "--once", "--config", str(config)]) == 0
    [received] = [r for r in server.handler.messages if "barsetshire" in r.rcpt_tos[0]]
    assert len(received.data) < MAX_ALERT_BYTES
    message = received.parsed()
    text, markup = bodies(message)
    assert text.count("    Why: ") == BODY_ROWS
    total = 5000
    for body in (text, markup):
        assert re.search(rf"the attached CSV \(barsetshire-affected-rows.csv\) lists all {total}", body)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_filename() == "barsetshire-affected-rows.csv"
    table = list(csv.DictReader(io.StringIO(attachment.get_content())))
    assert len(table) == total  # one list to work from: every row, most urgent first
    assert {r["product"] for r in table} == {"Widget Agent"}
    assert table[0]["severity"] == "high" and table[0]["devices"] == "20"
    assert table[0]["hosts"].startswith("BARSET-PC-")
    shown = set(re.findall(r"Widget Agent (\S+) on Windows", text))
    assert len(shown) == BODY_ROWS and shown < {r["version"] for r in table}


def test_the_most_urgent_rows_are_the_ones_in_the_body(demo: Path) -> None:  # noqa: F811
    """The 3CX rows (critical, exploited) are listed in full ahead of 5,000 high-severity ones."""
    big_estate(demo, rows=BODY_ROWS + 50, devices=1)
    inventory = demo / "inventories" / "barsetshire-intune-appinvaggregate.csv"
    inventory.write_text(inventory.read_text() + "3CX Desktop App,3CX,18.12.416,Windows 11 Enterprise,BARSET-3CX\n")
    assert main(["run", "--once", "--config", str(demo / "feeds.toml")]) == 0
    [path] = (demo / "data" / "outbox").glob("alert-barsetshire-*.eml")
    message = parsed(path.read_bytes())
    text, _ = bodies(message)
    assert text.index("3CX Desktop App 18.12.416 on Windows") < text.index("Widget Agent")
    assert "and 51 more rows: see the attached CSV" in text
    assert message["Subject"].startswith("[CRITICAL] Barsetshire County Council: 3CX Desktop App, Widget Agent")


# -- the attachment survives the store, the outbox and the .eml transport --------------------------


def with_csv() -> Message:
    return Message(key="alert-barsetshire-1", council_id="barsetshire", to=("it@barsetshire.example.gov.uk",),
                   subject="[HIGH] Barsetshire County Council: Widget Agent - 1 advisory", text="Body",
                   html="<p>Body</p>", message_id="<1@example.gov.uk>",
                   attachments=(Attachment("barsetshire-more-rows.csv", "text/csv",
                                           "product,version\r\nWidget,1.0\r\n"),))


def test_a_queued_message_keeps_its_attachment_in_the_store(tmp_path: Path) -> None:
    message = with_csv()
    with Store.open(tmp_path / "state.sqlite3") as store:
        assert store.queue(message, [], at=datetime(2023, 3, 30, tzinfo=UTC))
    with Store.open(tmp_path / "state.sqlite3") as store:  # a later run
        [queued] = store.queued()
    assert queued.attachments == message.attachments
    # Rebuilt from the store (as `outbox --retry` does for new recipients), the CSV is still there.
    rebuilt = parsed(to_bytes(queued, "Alerts <alerts@example.gov.uk>"))
    [attachment] = list(rebuilt.iter_attachments())
    assert attachment.get_content().splitlines() == ["product,version", "Widget,1.0"]


def test_the_eml_transport_keeps_the_attachment(tmp_path: Path) -> None:
    transport = FileTransport(tmp_path, "Alerts <alerts@example.gov.uk>")
    [result] = transport.send([outgoing(with_csv())])
    assert result.ok
    message = parsed(transport.path_for("alert-barsetshire-1").read_bytes())
    assert message.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in message.iter_parts()] == ["multipart/alternative", "text/csv"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "barsetshire-more-rows.csv"
    assert [b.strip() for b in bodies(message)] == ["Body", "<p>Body</p>"]


def test_a_withdrawal_of_thousands_of_rows_lists_a_hundred_and_attaches_them_all() -> None:
    from advisories.alerts import Withdrawal, WithdrawnRow
    from advisories.render import environment, render_withdrawal

    rows = tuple(WithdrawnRow(f"barsetshire|CVE-2024-0001|widget agent|1.{n}|windows", "CVE-2024-0001",
                              "Widget Agent", f"1.{n}", "windows", 3, "1 May 2024") for n in range(3000))
    notice = Withdrawal("barsetshire", "Barsetshire County Council", ("it@barsetshire.example.gov.uk",), rows,
                        (("CVE-2024-0001", "rejected as a duplicate"),))
    message = render_withdrawal(environment(None), notice, sender="Alerts <a@example.gov.uk>",
                                context={"run_time": "1 May 2024 09:00 BST"})
    data = to_bytes(message, "Alerts <a@example.gov.uk>")
    assert len(data) < 1_000_000  # 3,000 rows listed in full were several MB of HTML and text
    email_message = parsed(data)
    text, markup = bodies(email_message)
    assert text.count("  - CVE-2024-0001: Widget Agent") == BODY_ROWS
    for body in (text, markup):
        assert "and 2900 more: the attached CSV (barsetshire-withdrawn-rows.csv) lists all 3000" in body
    [attachment] = list(email_message.iter_attachments())
    table = list(csv.DictReader(io.StringIO(attachment.get_content())))
    assert len(table) == 3000 and table[0]["platform"] == "Windows"
