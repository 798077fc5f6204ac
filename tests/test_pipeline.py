"""End to end with real parts: feeds over local HTTP, a real SQLite file, a real SMTP server.

Each test copies the demo (examples/demo) into a temporary folder and runs the CLI on it.
"""

from __future__ import annotations

import email
import email.policy
import re
import shutil
import tempfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from httpserver import LocalServer, Reply
from smtpserver import SmtpServer

from advisories.cli import main
from advisories.store import Store

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo"
RULES = Path(__file__).resolve().parent.parent / "rules"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("data"))
    shutil.copytree(RULES, tmp_path / "rules")
    config = folder / "feeds.toml"
    config.write_text(config.read_text().replace('rules = "../../rules"', 'rules = "../rules"'))
    return folder


def run(config: Path, *extra: str) -> int:
    return main(["run", "--once", "--config", str(config), *extra])


def feed_counts(out: str) -> dict[str, int]:
    """The summary's feeds line as numbers: {"fetched": 2, "not modified": 1, ...}."""
    line = next(x for x in out.splitlines() if x.strip().startswith("feeds "))
    return {k.strip(): int(v) for v, k in
            (m.groups()[::-1] for m in re.finditer(r"([a-z ]+?) (\d+)", line.split("feeds", 1)[1]))}


def outbox(folder: Path) -> list[EmailMessage]:
    files = sorted((folder / "data" / "outbox").glob("*.eml"))
    return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]  # type: ignore[misc]


def body(message: EmailMessage) -> str:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content() + "\n" + html.get_content()


def test_the_demo_leaves_two_alerts_each_naming_only_its_own_devices(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(demo / "feeds.toml") == 0
    messages = outbox(demo)
    by_to = {m["To"]: m for m in messages}
    assert len(messages) == 2, [m["Subject"] for m in messages]
    barset = by_to["it-security@barsetshire.example.gov.uk"]
    wessex = by_to["cyber@wessex.example.gov.uk, servicedesk@wessex.example.gov.uk"]
    b, w = body(barset), body(wessex)
    assert "Barsetshire County Council" in barset["Subject"] and "CRITICAL" in barset["Subject"]
    assert "3CX Desktop App" in barset["Subject"]
    assert "18.12.416" in b and "40 devices" in b
    assert "Management Console" not in b  # a different 3CX product is not the desktop app
    assert "18.11.1213" in w and "WX-MAC-001" in w and "3 devices" in w
    assert "18.12.422" not in w  # Wessex's Windows PCs run the fixed build
    for text, other in ((b, "Wessex"), (b, "WX-MAC"), (w, "Barsetshire"), (w, "40 devices")):
        assert other not in text
    summary = capsys.readouterr().out
    assert "emails      queued 2, sent 2" in summary


def test_a_second_run_sends_nothing_again(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(demo / "feeds.toml") == 0
    first = {p.name: p.read_bytes() for p in (demo / "data" / "outbox").glob("*.eml")}
    capsys.readouterr()
    assert run(demo / "feeds.toml", "--force") == 0
    assert {p.name: p.read_bytes() for p in (demo / "data" / "outbox").glob("*.eml")} == first
    assert "emails      queued 0, sent 0" in capsys.readouterr().out


def test_a_material_change_re_alerts_and_a_cosmetic_one_does_not(demo: Path) -> None:
    rule = demo.parent / "rules" / "ncsc-2023-3cx-desktop-app.toml"
    assert run(demo / "feeds.toml") == 0
    rule.write_text(rule.read_text().replace("Trojanised builds", "Trojanised (signed) builds"))
    assert run(demo / "feeds.toml") == 0
    assert len(outbox(demo)) == 2  # a reworded summary is not worth another email
    rule.write_text(rule.read_text().replace(
        'versions = ["18.12.407", "18.12.416"]', 'versions = ["18.12.407", "18.12.416", "18.12.422"]'
    ))
    assert run(demo / "feeds.toml") == 0
    messages = outbox(demo)
    # Wessex's Windows PCs now run a listed build: a new exposure, told at once. Barsetshire
    # was already told about its own build, so the wider list is not news to it.
    assert len(messages) == 3
    newest = [m for m in messages if "WX-LT-001" in body(m)]
    assert len(newest) == 1 and "wessex" in newest[0]["To"]
    assert "12 devices" in body(newest[0]) and "WX-MAC-001" not in body(newest[0])
    rule.write_text(rule.read_text().replace('severity = "critical"', 'severity = "high"'))
    assert run(demo / "feeds.toml") == 0
    assert len(outbox(demo)) == 3  # a downgrade is not worth waking anyone


def test_exploitation_newly_confirmed_is_an_update_threaded_under_the_first_alert(demo: Path) -> None:
    rule = demo.parent / "rules" / "ncsc-2023-3cx-desktop-app.toml"
    rule.write_text(rule.read_text().replace("exploited = true", "exploited = false"))
    with SmtpServer() as server:
        use_smtp(demo / "feeds.toml", server.port)
        assert run(demo / "feeds.toml") == 0
        rule.write_text(rule.read_text().replace("exploited = false", "exploited = true"))
        assert run(demo / "feeds.toml") == 0
        assert run(demo / "feeds.toml") == 0  # nothing new: no third email
    received = [r.parsed() for r in server.handler.messages]
    assert len(received) == 4
    for council in ("barsetshire", "wessex"):
        first, update = [m for m in received if m["X-Advisories-Council"] == council]
        assert not first["Subject"].startswith("Update:") and first["In-Reply-To"] is None
        exploited = first["Subject"].replace(" - 1 advisory", " - 1 advisory, exploited in the wild")
        assert update["Subject"] == "Update: " + exploited
        assert update["In-Reply-To"] == first["Message-ID"]
        assert update["References"].split() == [first["Message-ID"]]
        text = body(update)
        assert "What changed since our last email" in text and "now exploited in the wild" in text
        assert "ACTIVELY EXPLOITED" in text


def test_an_invalid_config_exits_2_and_does_nothing(demo: Path) -> None:
    config = demo / "feeds.toml"
    config.write_text(config.read_text().replace('every = "1h"', 'every = "hourly"', 1))
    assert run(config) == 2
    assert not (demo / "data").exists()


def test_a_missing_inventory_fails_only_that_council(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = demo / "feeds.toml"
    config.write_text(config.read_text().replace("wessex-intune-appinvrawdata.csv", "gone.csv"))
    assert run(config) == 1
    assert [m["To"] for m in outbox(demo)] == ["it-security@barsetshire.example.gov.uk"]
    out = capsys.readouterr().out
    assert "inventories failed:" in out and "wessex" in out and "gone.csv" in out


def test_remediated_devices_are_tracked_and_not_re_alerted(demo: Path) -> None:
    assert run(demo / "feeds.toml") == 0
    inventory = demo / "inventories" / "barsetshire-intune-appinvaggregate.csv"
    inventory.write_text(inventory.read_text().replace("18.12.416,40", "18.12.425,40"))
    assert run(demo / "feeds.toml") == 0
    assert len(outbox(demo)) == 2
    with Store.open(demo / "data" / "state.sqlite3") as store:
        open_ = {e.council_id for e in store.exposures() if e.remediated_at is None}
    assert open_ == {"wessex"}


# -- feeds over HTTP -----------------------------------------------------------------------


@pytest.fixture
def feed_server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def use_http_feeds(config: Path, server: LocalServer, extra: str = "") -> None:
    text = config.read_text()
    text = text.replace('path = "feeds/ncsc-report-rss-feed.xml"',
                        f'url = "{server.url("/report.xml")}"')
    text = text.replace('path = "feeds/ncsc-news-rss-feed.xml"', f'url = "{server.url("/news.xml")}"')
    config.write_text(text + extra)


def test_conditional_get_makes_the_second_fetch_cheap(
    demo: Path, feed_server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    report = (demo / "feeds" / "ncsc-report-rss-feed.xml").read_bytes()
    feed_server.route("/report.xml", lambda r: Reply(status=304) if r.headers.get(
        "If-None-Match") == '"v1"' else Reply(body=report, headers={"ETag": '"v1"'}))
    feed_server.route("/news.xml", Reply(body=(demo / "feeds" / "ncsc-news-rss-feed.xml").read_bytes()))
    use_http_feeds(demo / "feeds.toml", feed_server)
    assert run(demo / "feeds.toml") == 0
    capsys.readouterr()
    assert run(demo / "feeds.toml", "--force") == 0
    out = capsys.readouterr().out
    counts = feed_counts(out)
    assert counts["not modified"] == 1 and counts["failed"] == 0  # the report feed: a 304
    assert feed_server.hits("/report.xml")[-1].headers["If-None-Match"] == '"v1"'


def test_one_broken_feed_never_stops_the_others(
    demo: Path, feed_server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_server.route("/report.xml", Reply(
        body=b"<!doctype html><html><body>You need to enable JavaScript to run this app.</body></html>",
        headers={"Content-Type": "text/html"}))
    feed_server.route("/news.xml", Reply(status=410))
    use_http_feeds(demo / "feeds.toml", feed_server)
    assert run(demo / "feeds.toml") == 1
    out = capsys.readouterr().out
    assert feed_counts(out)["failed"] == 2
    assert "ncsc-reports" in out and "HTML" in out
    assert "ncsc-news" in out and "410" in out
    assert len(outbox(demo)) == 2  # the rules still alerted every affected council
    assert run(demo / "feeds.toml", "--force") == 1
    out = capsys.readouterr().out
    assert "ncsc-news: disabled" in out  # a 410 is not retried every run
    assert len(feed_server.hits("/news.xml")) == 1
    # The operator points the feed somewhere new: it is polled again.
    feed_server.route("/news2.xml", Reply(body=(demo / "feeds" / "ncsc-news-rss-feed.xml").read_bytes()))
    config = demo / "feeds.toml"
    config.write_text(config.read_text().replace("/news.xml", "/news2.xml"))
    before = feed_counts(out)["fetched"]
    run(config, "--force")
    assert feed_counts(capsys.readouterr().out)["fetched"] == before + 1


# -- delivery through a real SMTP server ---------------------------------------------------


def use_smtp(config: Path, port: int) -> None:
    config.write_text(config.read_text() + f"""
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
from = "Council Cyber Alerts <alerts@demo.example.gov.uk>"
""")


def test_smtp_delivery_retries_a_4xx_next_run_and_never_duplicates(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SmtpServer() as server:
        use_smtp(demo / "feeds.toml", server.port)
        server.handler.fail_next(1)
        assert run(demo / "feeds.toml") == 1
        assert len(server.handler.messages) == 1
        assert "kept for the next run" in capsys.readouterr().out
        assert run(demo / "feeds.toml") == 0
        assert run(demo / "feeds.toml") == 0
    received = server.handler.messages
    assert len(received) == 2
    # What went out is exactly what was built when queued (same Date, same boundaries), so a
    # retried message is byte-identical to the first attempt.
    import sqlite3

    stored = {bytes(r[0]) for r in sqlite3.connect(demo / "data" / "state.sqlite3").execute(
        "SELECT raw FROM outbox")}
    assert {r.data.replace(b"\r\n", b"\n") for r in received} == {
        raw.replace(b"\r\n", b"\n") for raw in stored}
    assert {r.rcpt_tos for r in received} == {
        ("it-security@barsetshire.example.gov.uk",),
        ("cyber@wessex.example.gov.uk", "servicedesk@wessex.example.gov.uk"),
    }
    assert len({r.parsed()["Message-ID"] for r in received}) == 2


def test_a_permanent_smtp_failure_is_recorded_and_shown(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SmtpServer() as server:
        use_smtp(demo / "feeds.toml", server.port)
        server.handler.refuse("@barsetshire.example.gov.uk")
        assert run(demo / "feeds.toml") == 1
        out = capsys.readouterr().out
        assert "emails failed:" in out and "barsetshire" in out and "550" in out
        # Not retried by itself (no repeated bounces), but every run names it and exits 1 until
        # the operator acts: a failed alert never goes quiet.
        assert run(demo / "feeds.toml") == 1
        out = capsys.readouterr().out
        assert "outbox: waiting on the operator" in out and "barsetshire" in out and "failed for" in out
        assert [r.rcpt_tos for r in server.handler.messages] == [
            ("cyber@wessex.example.gov.uk", "servicedesk@wessex.example.gov.uk")]
        server.handler.accept("@barsetshire.example.gov.uk")  # the mailbox is fixed
        assert main(["outbox", "--retry", "--config", str(demo / "feeds.toml")]) == 0
        assert run(demo / "feeds.toml") == 0
        assert len(server.handler.messages) == 2


def test_smtp_outage_loses_nothing(demo: Path) -> None:
    with SmtpServer() as server:
        port = server.port
    use_smtp(demo / "feeds.toml", port)  # nobody listens there now: connection refused
    assert run(demo / "feeds.toml") == 1
    with SmtpServer() as server:
        config = demo / "feeds.toml"
        config.write_text(config.read_text().replace(f"port = {port}", f"port = {server.port}"))
        assert run(demo / "feeds.toml") == 0
    assert len(server.handler.messages) == 2


# -- CISA KEV ------------------------------------------------------------------------------


def kev_catalogue(entries: list[dict[str, str]]) -> str:
    import json

    base = {"vulnerabilityName": "", "shortDescription": "",
            "requiredAction": "Apply mitigations per vendor instructions.",
            "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": []}
    return json.dumps({"title": "CISA Catalog of Known Exploited Vulnerabilities",
                       "catalogVersion": "t", "dateReleased": "2023-01-01T00:00:00Z",
                       "count": len(entries), "vulnerabilities": [{**base, **e} for e in entries]})


def test_kev_confirms_exploitation_and_asks_for_review_of_unversioned_products(demo: Path) -> None:
    from datetime import date

    today = date.today().isoformat()
    rule = demo.parent / "rules" / "ncsc-2023-3cx-desktop-app.toml"
    rule.write_text(rule.read_text().replace("exploited = true", "exploited = false"))
    assert run(demo / "feeds.toml") == 0
    assert len(outbox(demo)) == 2
    (demo / "feeds" / "kev.json").write_text(kev_catalogue([
        {"cveID": "CVE-2023-29059", "vendorProject": "3CX", "product": "Desktop App",
         "vulnerabilityName": "3CX DesktopApp Embedded Malicious Code", "dateAdded": today,
         "dueDate": "2030-01-31", "knownRansomwareCampaignUse": "Known"},
        {"cveID": "CVE-2023-4863", "vendorProject": "Google", "product": "Chrome",
         "vulnerabilityName": "Google Chromium WebP Heap-Based Buffer Overflow", "dateAdded": today,
         "dueDate": "2030-02-01"},
    ]))
    config = demo / "feeds.toml"
    config.write_text(config.read_text().replace(
        "[digest]", '[[feeds]]\nname = "kev-test"\nkind = "kev"\npath = "feeds/kev.json"\n\n[digest]'))
    assert run(config) == 0
    messages = outbox(demo)
    assert len(messages) == 5, [m["Subject"] for m in messages]
    texts = {m["To"].split("@")[1].split(".")[0]: body(m) for m in messages
             if "exploitation newly confirmed" in body(m) or "Review, unconfirmed" in body(m)}
    assert set(texts) == {"barsetshire", "wessex", "loamshire"}
    # Loamshire runs Chrome but no 3CX: a review item only.
    assert "Review, unconfirmed by version" in texts["loamshire"] and "3CX" not in texts["loamshire"]
    # Both others run an affected 3CX build: told again, now exploited, with the KEV facts.
    for council in ("barsetshire", "wessex"):
        text = texts[council]
        assert "now exploited in the wild" in text and "CISA KEV due date 2030-01-31" in text  # what changed
        assert "2030-01-31" in text and "ransomware campaigns: Known" in text
    # Both run Chrome; KEV gives no versions, so it is a review item, never "affected".
    assert "Review, unconfirmed by version" in texts["barsetshire"]
    assert "CVE-2023-4863" in texts["barsetshire"] and "Google Chrome" in texts["barsetshire"]
    assert "WX-LT-001" in texts["wessex"]  # Wessex's Chrome rows name its own devices only


# -- tenant isolation ----------------------------------------------------------------------


def test_no_council_ever_sees_another_councils_data(tmp_path: Path) -> None:
    """Many councils, all running affected builds, each with unique hosts: each email holds
    its own council's name and hosts and nobody else's, and goes only to its own address."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from advisories.config import load_config
    from advisories.delivery.files import FileTransport
    from advisories.pipeline import Pipeline
    from advisories.store import Store

    builds = st.sampled_from([("18.12.416", "Windows"), ("18.12.407", "Windows"), ("18.11.1213", "macOS 13.4"),
                              ("18.12.422", "Windows"), ("18.12.402", "MacMDM")])

    @settings(max_examples=15, deadline=None)
    @given(st.lists(st.lists(builds, min_size=1, max_size=4), min_size=2, max_size=6))
    def check(estates: list[list[tuple[str, str]]]) -> None:
        folder = Path(tempfile.mkdtemp(dir=tmp_path))
        toml = [f'[settings]\nrules = "{RULES}"\n']
        for i, estate in enumerate(estates):
            rows = ["DeviceName,ApplicationName,ApplicationPublisher,ApplicationVersion,Platform"]
            rows += [f"C{i}-HOST-{j},3CX Desktop App,3CX,{v},{p}" for j, (v, p) in enumerate(estate)]
            (folder / f"c{i}.csv").write_text("\n".join(rows) + "\n")
            toml.append(f'[[councils]]\nid = "c{i}"\nname = "Council Number {i}"\n'
                        f'recipients = ["it@c{i}.example.gov.uk"]\ninventory = "c{i}.csv"\n')
        (folder / "feeds.toml").write_text("\n".join(toml))
        config = load_config(folder / "feeds.toml")
        with Store.open(config.state) as store:
            Pipeline(config, store, transport=FileTransport(config.outbox, sender=config.sender)).run()
        for message in outbox(folder):
            [me] = [i for i in range(len(estates)) if message["To"] == f"it@c{i}.example.gov.uk"]
            text = body(message) + str(message["Subject"])
            assert f"Council Number {me}" in text and f"C{me}-HOST-" in text
            for other in set(range(len(estates))) - {me}:
                assert f"C{other}-HOST-" not in text and f"Council Number {other}" not in text
                assert f"c{other}.example" not in text

    check()


def test_a_crash_between_send_and_record_duplicates_once_and_loses_nothing(demo: Path) -> None:
    from advisories.config import load_config
    from advisories.delivery.smtp import SmtpSettings, SmtpTransport
    from advisories.pipeline import Pipeline
    from advisories.store import Store

    class Crash(BaseException):
        """The process dies: the server has the message, the outbox has not recorded it."""

    class CrashAfterFirstAccept:
        def __init__(self, inner: SmtpTransport) -> None:
            self.inner = inner

        def send(self, messages, on_result=None):  # type: ignore[no-untyped-def]
            def die(result):  # type: ignore[no-untyped-def]
                raise Crash

            return self.inner.send(messages, on_result=die)

    with SmtpServer() as server:
        use_smtp(demo / "feeds.toml", server.port)
        config = load_config(demo / "feeds.toml")
        smtp = SmtpTransport(SmtpSettings(host="127.0.0.1", port=server.port, security="none",
                                          sender=config.sender, max_connections=1))
        with Store.open(config.state) as store, pytest.raises(Crash):
            Pipeline(config, store, transport=CrashAfterFirstAccept(smtp)).run()
        assert len(server.handler.messages) == 1
        for _ in range(2):
            with Store.open(config.state) as store:
                assert Pipeline(config, store, transport=smtp).run().ok
    ids = [r.parsed()["Message-ID"] for r in server.handler.messages]
    assert len(ids) == 3 and len(set(ids)) == 2  # one message twice, the other once
    assert ids.count(ids[0]) == 2


def test_a_header_only_export_fails_that_council_and_closes_nothing(demo: Path) -> None:
    from advisories.store import Store

    assert run(demo / "feeds.toml") == 0
    inventory = demo / "inventories" / "barsetshire-intune-appinvaggregate.csv"
    inventory.write_text(inventory.read_text().splitlines()[0] + "\n")
    assert run(demo / "feeds.toml") == 1
    with Store.open(demo / "data" / "state.sqlite3") as store:
        assert all(e.remediated_at is None for e in store.exposures())


def test_a_broken_rule_is_skipped_named_and_fails_the_run(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (demo.parent / "rules" / "typo.toml").write_text(
        'id = "x"\ntitle = "t"\n[[affects]]\nproduct = "P"\nversion = "1"\n')
    assert run(demo / "feeds.toml") == 1
    out = capsys.readouterr().out
    assert "rules failed:" in out and "typo.toml: affects[0].version: unknown key" in out
    assert len(outbox(demo)) == 2  # the other rules still alerted


def test_deleting_a_rule_file_withdraws_the_rule(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(demo / "feeds.toml") == 0
    (demo.parent / "rules" / "ncsc-2023-3cx-desktop-app.toml").unlink()
    capsys.readouterr()
    assert run(demo / "feeds.toml") == 0
    out = capsys.readouterr().out
    assert "rule ncsc-2023-3cx-desktop-app withdrawn" in out and "affected 0" in out


def test_a_remembered_redirect_gives_way_when_the_operator_edits_the_url(
    demo: Path, feed_server: LocalServer
) -> None:
    body_ = (demo / "feeds" / "ncsc-report-rss-feed.xml").read_bytes()
    feed_server.route("/report.xml", Reply.redirect(301, feed_server.url("/moved.xml")))
    for path in ("/moved.xml", "/news.xml", "/edited.xml"):
        feed_server.route(path, Reply(body=body_))
    use_http_feeds(demo / "feeds.toml", feed_server)
    assert run(demo / "feeds.toml") == 0
    assert run(demo / "feeds.toml", "--force") == 0
    assert len(feed_server.hits("/report.xml")) == 1  # the move was remembered
    assert len(feed_server.hits("/moved.xml")) == 2
    config = demo / "feeds.toml"
    config.write_text(config.read_text().replace("/report.xml", "/edited.xml"))
    assert run(config, "--force") == 0
    assert len(feed_server.hits("/edited.xml")) == 1 and len(feed_server.hits("/moved.xml")) == 2


def test_outbox_retry_goes_to_the_corrected_address_only(demo: Path) -> None:
    with SmtpServer() as server:
        use_smtp(demo / "feeds.toml", server.port)
        server.handler.refuse("it-security@barsetshire.example.gov.uk")
        assert run(demo / "feeds.toml") == 1
        config = demo / "feeds.toml"
        config.write_text(config.read_text().replace("it-security@barsetshire", "cyber@barsetshire"))
        assert main(["outbox", "--retry", "--config", str(config)]) == 0
    to = [r.rcpt_tos for r in server.handler.messages]
    assert ("cyber@barsetshire.example.gov.uk",) in to
    assert ("it-security@barsetshire.example.gov.uk",) not in to
    [retried] = [r.parsed() for r in server.handler.messages if "cyber@barsetshire" in r.rcpt_tos[0]]
    assert retried["To"] == "cyber@barsetshire.example.gov.uk" and "40 devices" in str(retried)


def test_a_product_named_in_an_advisory_under_another_publisher_is_shown_not_alerted(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Hypothetical bulletin that keeps a product's old maker after a takeover; the export
    # gives the new one. Only the installed version inside the statement is worth a look.
    (demo.parent / "rules" / "renamed-maker.toml").write_text(
        'id = "renamed-maker"\ntitle = "Filer remote code execution"\nseverity = "high"\n'
        'summary = "s"\naction = "Update Filer to 4.2."\n'
        '[[affects]]\nvendor = "Oldco"\nproduct = "Filer"\nplatform = "windows"\n'
        'ranges = [{ introduced = "4.0", fixed = "4.2" }]\n')
    inventory = demo / "inventories" / "loamshire-lansweeper.csv"
    inventory.write_text(inventory.read_text() + "LOAM-PC-01,Filer,4.1.7,Newco Holdings Ltd\n"
                         "LOAM-PC-02,Filer,4.3.0,Newco Holdings Ltd\n")
    assert run(demo / "feeds.toml") == 0  # a note for the operator, not a failure
    out = capsys.readouterr().out
    section = out.split("same name, other publisher (check these):", 1)[1]
    assert "'Filer' by 'Newco Holdings Ltd' (1 row(s) in loamshire)" in section
    assert "renamed-maker (Oldco)" in section and "vendor_aliases" in section
    assert len(outbox(demo)) == 2  # Loamshire still gets no alert: the maker is not known to be the same

    # Once two makers' advisories use the name, it is a generic name, not a renamed maker.
    (demo.parent / "rules" / "other-filer.toml").write_text(
        'id = "other-filer"\ntitle = "Another Filer"\nseverity = "low"\nsummary = "s"\naction = "a"\n'
        '[[affects]]\nvendor = "Thirdco"\nproduct = "Filer"\nversions = ["9.9"]\n')
    assert run(demo / "feeds.toml") == 0
    assert "other publisher" not in capsys.readouterr().out
    (demo.parent / "rules" / "other-filer.toml").unlink()

    products = demo.parent / "rules" / "products.toml"
    products.write_text(products.read_text() + '\n[[product]]\nid = "filer"\nvendor = "Oldco"\n'
                        'name = "Filer"\nvendor_aliases = ["Newco Holdings"]\n')
    assert run(demo / "feeds.toml") == 0
    out = capsys.readouterr().out
    assert "other publisher" not in out
    loamshire = [m for m in outbox(demo) if "loamshire" in str(m["To"])]
    assert len(loamshire) == 1 and "LOAM-PC-01" in body(loamshire[0]) and "LOAM-PC-02" not in body(loamshire[0])


ZOOM_ITEM = """<item><title>Zoom Workplace flaw</title><link>javascript:alert(1)</link>
<description>Zoom for Windows before version 5.17.0 is affected.</description>
<guid isPermaLink="false">zoom-1</guid></item>"""


def rss(*items: str) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
            f"<link>https://x.example/</link><description>d</description>{''.join(items)}</channel></rss>")


def test_one_item_in_two_feeds_is_alerted_once_whichever_feed_carries_it_later(demo: Path) -> None:
    # The shipped feeds.toml reads the NCSC's news feed and its "all" feed, which repeats it;
    # this item has no usable link, so only its text says it is the same.
    (demo / "feeds" / "news.xml").write_text(rss(ZOOM_ITEM))
    (demo / "feeds" / "all.xml").write_text(rss())
    config = demo / "feeds.toml"
    config.write_text(config.read_text() + '\n[[feeds]]\nname = "zz-news"\nkind = "rss"\npath = "feeds/news.xml"\n'
                      '\n[[feeds]]\nname = "aa-all"\nkind = "rss"\npath = "feeds/all.xml"\n')
    assert run(config) == 0
    first = [m["Message-ID"] for m in outbox(demo) if "Zoom Workplace flaw" in body(m)]
    assert len(first) == 1

    (demo / "feeds" / "all.xml").write_text(rss(ZOOM_ITEM))  # the copy arrives in the other feed
    assert run(config, "--force") == 0
    assert [m["Message-ID"] for m in outbox(demo) if "Zoom Workplace flaw" in body(m)] == first


def test_one_item_in_two_feeds_at_once_is_listed_once(demo: Path) -> None:
    (demo / "feeds" / "news.xml").write_text(rss(ZOOM_ITEM))
    config = demo / "feeds.toml"
    config.write_text(config.read_text() + '\n[[feeds]]\nname = "news"\nkind = "rss"\npath = "feeds/news.xml"\n'
                      '\n[[feeds]]\nname = "all"\nkind = "rss"\npath = "feeds/news.xml"\n')
    assert run(config) == 0
    [alert] = [m for m in outbox(demo) if "Zoom Workplace flaw" in body(m)]
    text = alert.get_body(("plain",))
    assert text is not None and text.get_content().count("Zoom Workplace flaw") == 1


def test_a_broken_custom_template_fails_the_alerts_not_the_run_and_loses_nothing(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    templates = demo / "templates"
    shutil.copytree(Path(__file__).resolve().parent.parent / "templates", templates)
    (templates / "alert.subject.txt").write_text("{{ alert.council_nmae }}\n")
    config = demo / "feeds.toml"
    config.write_text(config.read_text().replace("[settings]\n", '[settings]\ntemplates = "templates"\n'))
    assert run(config) == 1
    out = capsys.readouterr().out
    assert "barsetshire: cannot render the alert: " in out and "alert.subject.txt line 1" in out
    assert "council_nmae" in out and "Traceback" not in out
    assert outbox(demo) == []

    (templates / "alert.subject.txt").write_text("{{ alert.council_name }}: security alert\n")
    assert run(config) == 0
    assert sorted(str(m["To"]).split("@")[1].split(".")[0] for m in outbox(demo)) == ["barsetshire", "wessex"]


def test_an_unusable_state_path_is_one_line_not_a_traceback(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = demo / "feeds.toml"
    (demo / "not-a-folder").write_text("")
    config.write_text(config.read_text().replace('"data/state.sqlite3"', '"not-a-folder/state.sqlite3"'))
    assert run(config) == 1
    err = capsys.readouterr().err
    assert "not-a-folder/state.sqlite3: its folder cannot be created or written" in err and "Traceback" not in err

    (demo / "junk.sqlite3").write_text("these are someone's notes, not a database\n" * 100)
    config.write_text(config.read_text().replace("not-a-folder/state.sqlite3", "junk.sqlite3"))
    assert run(config) == 1
    err = capsys.readouterr().err
    assert "junk.sqlite3: not an SQLite database" in err and "move the file aside" in err
    assert (demo / "junk.sqlite3").read_text().startswith("these are someone's notes")  # left untouched


def test_the_summary_counts_every_hidden_problem(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inventory = demo / "inventories" / "loamshire-lansweeper.csv"
    bad = [f"LOAM-X-{i},,1.0,Acme\n" for i in range(100)] + [f"LOAM-Y-{i},Tool,,Acme\n" for i in range(30)]
    inventory.write_text(inventory.read_text() + "".join(bad))
    run(demo / "feeds.toml")
    out = capsys.readouterr().out
    shown = out.split("warnings:\n", 1)[1].split("\n")
    assert sum(1 for line in shown if line.startswith("  - ") and "loamshire" in line) == 15
    assert "  ... and 115 more" in shown  # 130 problems, 15 shown


def test_a_broken_bulletin_template_is_named_with_its_line(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    templates = demo / "templates"
    shutil.copytree(Path(__file__).resolve().parent.parent / "templates", templates)
    (templates / "digest.subject.txt").write_text("Cyber bulletin\n{{ digest.weeek }}\n")
    config = demo / "feeds.toml"
    config.write_text(config.read_text().replace("[settings]\n", '[settings]\ntemplates = "templates"\n'))
    assert run(config) == 0  # the alerts do not use it
    capsys.readouterr()
    assert main(["digest", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "digest.subject.txt line 2: " in err and "weeek" in err and "Traceback" not in err


def test_an_address_in_feed_text_reaches_the_alert_as_text_never_as_a_link(demo: Path) -> None:
    item = ZOOM_ITEM.replace("is affected.", "is affected. Reset your password at https://evil.example/zoom")
    (demo / "feeds" / "news.xml").write_text(rss(item))
    config = demo / "feeds.toml"
    config.write_text(config.read_text() + '\n[[feeds]]\nname = "news"\nkind = "rss"\npath = "feeds/news.xml"\n')
    assert run(config) == 0
    [alert] = [m for m in outbox(demo) if "Zoom Workplace flaw" in body(m)]
    assert "hxxps://evil[.]example/zoom" in body(alert)
    assert "evil.example" not in body(alert)


def test_a_config_of_ones_own_uses_the_shipped_rules_and_catalogue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An operator's first feeds.toml: no rules folder, no products.toml copied anywhere.
    (tmp_path / "inv.csv").write_text("product,vendor,version,platform,devices\n"
                                      "3CX Desktop App,3CX Ltd,18.12.416,windows,5\n")
    config = tmp_path / "feeds.toml"
    config.write_text('[settings]\nfrom = "Alerts <alerts@example.gov.uk>"\n'
                      '[[councils]]\nid = "exampleshire"\nname = "Exampleshire Council"\n'
                      'recipients = ["it@exampleshire.example.gov.uk"]\ninventory = "inv.csv"\n')
    assert run(config) == 0
    assert "affected 1" in capsys.readouterr().out
    assert len(list((tmp_path / "data" / "outbox").glob("*.eml"))) == 1

    # A rules folder of its own, without products.toml: the shipped catalogue still applies.
    (tmp_path / "rules").mkdir()
    config.write_text(config.read_text().replace("[settings]\n", '[settings]\nrules = "rules"\n'))
    assert run(config) == 0
    out = capsys.readouterr().out
    assert "catalogue not used" not in out and "rules failed" not in out
    assert main(["check", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"ok: {tmp_path / 'rules'}: 0 rule(s)" in out and "products.toml" in out


def test_a_bulletin_before_any_run_says_it_is_empty_and_why(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["digest", "--week", "2023-W13", "--config", str(demo / "feeds.toml")]) == 0
    assert "holds no advisories yet, so this bulletin is empty: run `advisories run --once" in capsys.readouterr().err
    assert run(demo / "feeds.toml") == 0
    capsys.readouterr()
    assert main(["digest", "--week", "2023-W13", "--config", str(demo / "feeds.toml")]) == 0
    assert "holds no advisories" not in capsys.readouterr().err


def test_a_council_whose_export_gives_no_platform_can_say_which_it_runs(demo: Path) -> None:
    """Loamshire's Lansweeper software report has no OS column, so each row's platform is
    unknown: a macOS-only build is "check manually" there, until the operator says the estate
    is Windows; then it is no alert at all, and a Windows-only build is plainly affected."""
    export = demo / "inventories" / "loamshire-lansweeper.csv"
    export.write_text(export.read_text() + "LOAM-PC-07,3CX Desktop App,18.12.402,3CX Ltd\n"
                      "LOAM-PC-08,3CX Desktop App,18.12.416,3CX Ltd\n")
    assert run(demo / "feeds.toml") == 0
    (loam,) = [m for m in outbox(demo) if "loamshire" in m["To"]]
    text = body(loam)
    assert "LOAM-PC-07" in text and "LOAM-PC-08" in text  # both builds: check them by hand
    assert "could not confirm" in text.lower()

    shutil.rmtree(demo / "data")
    config = demo / "feeds.toml"
    config.write_text(config.read_text().replace(
        'inventory = "inventories/loamshire-lansweeper.csv"',
        'inventory = "inventories/loamshire-lansweeper.csv"\nplatform = "windows"'))
    assert run(config) == 0
    (loam,) = [m for m in outbox(demo) if "loamshire" in m["To"]]
    text = body(loam)
    assert "LOAM-PC-08" in text and "LOAM-PC-07" not in text  # 18.12.402 was a macOS build only
    assert "could not confirm" not in text.lower()


def test_a_council_platform_must_name_one(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = demo / "feeds.toml"
    config.write_text(config.read_text().replace(
        'inventory = "inventories/loamshire-lansweeper.csv"',
        'inventory = "inventories/loamshire-lansweeper.csv"\nplatform = "Windows 11"'))
    assert run(config) == 2
    err = capsys.readouterr().err
    assert "councils[2].platform: 'Windows 11': use one of windows, macos, linux, ios, android" in err
    assert not (demo / "data" / "outbox").exists()


def test_naming_a_councils_platform_later_keeps_its_exposures_history(demo: Path) -> None:
    """Loamshire was told to check a 3CX install by hand (its export gives no platform). The
    operator then says the estate is Windows: the same install is now plainly affected, which
    is worth one more email, but it is the same exposure: first alerted when it was, and
    nothing in the state reads as fixed."""
    export = demo / "inventories" / "loamshire-lansweeper.csv"
    export.write_text(export.read_text() + "LOAM-PC-08,3CX Desktop App,18.12.416,3CX Ltd\n")
    assert run(demo / "feeds.toml") == 0
    config = demo / "feeds.toml"
    config.write_text(config.read_text().replace(
        'inventory = "inventories/loamshire-lansweeper.csv"',
        'inventory = "inventories/loamshire-lansweeper.csv"\nplatform = "windows"'))
    store = Store.open(demo / "data" / "state.sqlite3")
    (before,) = [e for e in store.exposures() if e.council_id == "loamshire"]
    assert run(config) == 0
    (after,) = [e for e in store.exposures() if e.council_id == "loamshire"]
    assert before.key.endswith("|any") and after.key == before.key[: -len("any")] + "windows"
    assert (after.first_alerted_at, after.remediated_at, after.status) == (before.first_alerted_at, None, "affected")
    told = [body(m).lower() for m in outbox(demo) if "loamshire" in m["To"]]
    assert sorted("could not confirm" in text for text in told) == [False, True]  # check by hand, then affected
    assert run(config) == 0  # and nothing more after that
    assert len([m for m in outbox(demo) if "loamshire" in m["To"]]) == 2


def test_a_row_still_without_a_platform_keeps_its_own_exposure(demo: Path) -> None:
    """An export with an OS column but a blank cell: that row stays "platform unknown" whatever
    the council's platform says, and a new Windows row of the same build is a new exposure; the
    blank row's history stays its own, open, and is not alerted again."""
    export = demo / "inventories" / "loamshire-lansweeper.csv"
    export.write_text("AssetName,Software,Version,Publisher,OSname\nLOAM-PC-08,3CX Desktop App,18.12.416,3CX Ltd,\n")
    assert run(demo / "feeds.toml") == 0
    export.write_text(export.read_text() + "LOAM-PC-09,3CX Desktop App,18.12.416,3CX Ltd,Windows 11 Pro\n")
    config = demo / "feeds.toml"
    config.write_text(config.read_text().replace(
        'inventory = "inventories/loamshire-lansweeper.csv"',
        'inventory = "inventories/loamshire-lansweeper.csv"\nplatform = "windows"'))
    assert run(config) == 0
    exposures = {e.key.rsplit("|", 1)[1]: e for e in Store.open(demo / "data" / "state.sqlite3").exposures()
                 if e.council_id == "loamshire"}
    assert set(exposures) == {"any", "windows"}
    assert exposures["any"].remediated_at is None and exposures["any"].status == "unknown"
    second = [body(m) for m in outbox(demo) if "loamshire" in m["To"] and "LOAM-PC-09" in body(m)]
    assert len(second) == 1 and "LOAM-PC-08" not in second[0]
