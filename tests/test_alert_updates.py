"""Alerts a council can act on: no first-run flood, updates that say what changed, and where
to find the devices when the export gives only counts.

Real parts: the demo configuration run through the CLI, emails received by aiosmtpd and parsed.
"""

from __future__ import annotations

import csv
import io
from email.message import EmailMessage
from pathlib import Path

from smtpserver import SmtpServer
from test_pipeline import body, demo, run, use_smtp  # noqa: F401  (demo is a fixture)

MAX_ALERT_BYTES = 5_000_000  # README, "Sizes": the documented bound on one alert email
BARSETSHIRE = "barsetshire-intune-appinvaggregate.csv"


def widget_rule(n: int, severity: str = "high") -> str:
    return f"""id = "lga-widget-server-{n}"
title = "Widget Server {n} remote code execution"
published = 2023-03-29
severity = "{severity}"
cves = ["CVE-2023-9{n:04d}"]
links = ["https://widgets.example.com/security/{n}"]
summary = \"\"\"Widget Server {n} lets an unauthenticated attacker run code through its admin port. \
The vendor has seen attempts against internet-facing servers and asks every customer to act. \
This paragraph is as long as an ordinary advisory summary is.\"\"\"
action = "Upgrade Widget Server {n} to 2.0 or later."

[[affects]]
vendor = "Acme"
product = "Widget Server {n}"
ranges = [{{ introduced = "0", fixed = "2.0" }}]
"""


def estate(folder: Path, rows: list[str]) -> None:
    inventory = folder / "inventories" / BARSETSHIRE
    inventory.write_text("product,vendor,version,platform,hostname\n" + "".join(rows))


def barsetshire(server: SmtpServer) -> list[EmailMessage]:
    return [r.parsed() for r in server.handler.messages if "barsetshire" in r.rcpt_tos[0]]


def test_a_first_run_matching_300_advisories_tells_ten_in_full_and_lists_the_rest(demo: Path) -> None:  # noqa: F811
    rules = demo.parent / "rules"
    for n in range(300):
        (rules / f"lga-widget-server-{n}.toml").write_text(widget_rule(n, "critical" if n % 100 == 7 else "high"))
    estate(demo, [f"Widget Server {n},Acme,1.{n % 9}.0,Windows 11 Enterprise,BARSET-{n:03d}\n" for n in range(300)])
    with SmtpServer() as server:
        use_smtp(demo / "feeds.toml", server.port)
        assert run(demo / "feeds.toml") == 0
        raw = [r for r in server.handler.messages if "barsetshire" in r.rcpt_tos[0]]
    assert len(raw) == 1 and len(raw[0].data) < MAX_ALERT_BYTES
    message = raw[0].parsed()
    text = body(message)
    plain = message.get_body(("plain",))
    assert plain is not None
    lines = plain.get_content().splitlines()
    assert sum(line.startswith("Your affected software") for line in lines) == 10  # ten in full
    assert "The 10 most urgent of its 300 advisories are told in full below" in text
    # The three critical ones come first.
    told = [line.split(" ", 1)[1] for line in lines if line[:3] in {f"{i}. " for i in range(1, 10)}]
    assert sorted(told[:3]) == sorted(f"Widget Server {n} remote code execution" for n in (7, 107, 207))
    brief = [line for line in lines if line.startswith("  - [HIGH] Widget Server ")]
    assert len(brief) == 290 and all(line.endswith(": 1 device") for line in brief)
    [attachment] = list(message.iter_attachments())
    table = list(csv.DictReader(io.StringIO(attachment.get_content())))
    assert len(table) == 300 and len({r["product"] for r in table}) == 300  # every row
    assert [r["severity"] for r in table[:3]] == ["critical"] * 3


def test_an_update_says_what_changed_for_the_council(demo: Path) -> None:  # noqa: F811
    rule = demo.parent / "rules" / "lga-widget-server-1.toml"
    rule.write_text(widget_rule(1).replace('severity = "high"', 'severity = "medium"'))
    estate(demo, ["Widget Server 1,Acme,1.1.0,Windows 11 Enterprise,BARSET-A\n"])
    with SmtpServer() as server:
        use_smtp(demo / "feeds.toml", server.port)
        assert run(demo / "feeds.toml") == 0
        # The vendor raises the severity; the council now has a second build and more devices.
        rule.write_text(widget_rule(1))
        estate(demo, [f"Widget Server 1,Acme,1.1.0,Windows 11 Enterprise,BARSET-{c}\n" for c in "ABC"]
               + ["Widget Server 1,Acme,1.5.0,Windows 11 Enterprise,BARSET-D\n"])
        assert run(demo / "feeds.toml") == 0
        first, update = barsetshire(server)
    assert update["Subject"].startswith("Update: [HIGH] Barsetshire County Council: ")
    assert update["In-Reply-To"] == first["Message-ID"]
    text = body(update)
    assert "What changed since our last email" in text
    assert "severity raised to high" in text
    assert "devices: 1 then, 3 now (Widget Server 1 1.1.0 on Windows)" in text
    assert "newly affected: Widget Server 1 1.5.0 on Windows" in text


def test_an_export_with_counts_only_says_where_to_find_the_devices(demo: Path) -> None:  # noqa: F811
    # Barsetshire's real demo export (Intune's aggregate report) has device counts, no names;
    # Wessex's per-device export names its machines.
    with SmtpServer() as server:
        use_smtp(demo / "feeds.toml", server.port)
        assert run(demo / "feeds.toml") == 0
        received = {r.rcpt_tos[0].split("@")[1].split(".")[0]: r.parsed() for r in server.handler.messages}
    assert "Apps > Monitor > Discovered apps" in body(received["barsetshire"])
    assert "Apps &gt; Monitor &gt; Discovered apps" in body(received["barsetshire"])  # the HTML part too
    assert "Discovered apps" not in body(received["wessex"])
