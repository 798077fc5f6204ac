"""Alerts on Teams and signed webhooks beside email, against real local HTTP receivers.

The webhook receiver checks the Standard Webhooks signature with its own code (not the
project's); the Teams-like receiver checks the Workflows envelope and the Adaptive Card.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from httpserver import LocalServer, Reply, Request
from markdown_it import MarkdownIt

from advisories.alerts import Withdrawal, build_alert, withdrawn_row
from advisories.cli import main
from advisories.config import load_config
from advisories.delivery.channels import Setup, channels, render_notice
from advisories.delivery.notice import Destination, Notice, WithdrawalNotice
from advisories.delivery.outbox import deliver_queued
from advisories.delivery.setup import setup_for, transports_for
from advisories.delivery.teams import LIMIT_BYTES, card, encode, withdrawal_card
from advisories.delivery.testsend import sample_notice
from advisories.errors import ConfigError
from advisories.models import Advisory, AffectedProduct, InventoryItem, Match, Status
from advisories.pipeline import Pipeline
from advisories.report import RunSummary
from advisories.sources.fetch import FetchPolicy
from advisories.store import Store
from advisories.store.migrations import MIGRATIONS

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo"
RULES = Path(__file__).resolve().parent.parent / "rules"
T0 = datetime(2023, 3, 30, 9, 0, tzinfo=UTC)
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def fast(sleeps: Sleeps | None = None) -> FetchPolicy:
    return FetchPolicy(
        timeout_s=1.0,
        total_s=2.0,
        retries=2,
        backoff_s=0.5,
        max_retry_after_s=30,
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


# -- the receivers' own checks ----------------------------------------------------------------


def verify(request: Request, secret: str) -> bool:
    """Standard Webhooks, as a receiver implements it from the specification."""
    key = base64.b64decode(secret.split("_", 1)[1])
    msg_id, stamp = request.headers["webhook-id"], request.headers["webhook-timestamp"]
    signed = msg_id.encode() + b"." + stamp.encode() + b"." + request.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    given = [s.split(",", 1)[1] for s in request.headers["webhook-signature"].split() if s.startswith("v1,")]
    fresh = abs(datetime.now(UTC).timestamp() - int(stamp)) < 300
    return fresh and any(hmac.compare_digest(expected, g) for g in given)


def webhook_receiver(secret: str, seen: set[str]) -> object:
    def reply(request: Request) -> Reply:
        if not verify(request, secret):
            return Reply(status=401, body=b"bad signature")
        if request.headers["webhook-id"] in seen:
            return Reply(status=200, body=b"duplicate, dropped")
        seen.add(request.headers["webhook-id"])
        doc = json.loads(request.body)
        ok = doc["schema"] == "advisories.alert/1" and doc["advisories"]
        return Reply(status=202 if ok else 422, body=b"accepted" if ok else b"not an advisories alert")

    return reply


def card_problems(body: bytes) -> list[str]:
    """What a Teams Workflows webhook would refuse."""
    problems = []
    if len(body) > 28 * 1024:
        problems.append(f"{len(body)} bytes: over 28 KB")
    doc = json.loads(body)
    if doc.get("type") != "message" or len(doc.get("attachments", [])) != 1:
        return [*problems, "not a message with one attachment"]
    attachment = doc["attachments"][0]
    if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
        problems.append("not an Adaptive Card attachment")
    content = attachment.get("content", {})
    if content.get("type") != "AdaptiveCard" or content.get("version") != "1.4":
        problems.append(f"type {content.get('type')!r} version {content.get('version')!r}")
    if not content.get("body"):
        problems.append("an empty card")
    return problems


def teams_receiver(request: Request) -> Reply:
    problems = card_problems(request.body)
    return Reply(status=400 if problems else 202, body=("; ".join(problems) or "ok").encode())


def texts(doc: dict | list) -> list[str]:
    """Every TextBlock's text and every fact's value in a card."""
    found = []
    if isinstance(doc, dict):
        if doc.get("type") == "TextBlock":
            found.append(doc["text"])
        if "title" in doc and "value" in doc:
            found.append(doc["value"])
        for value in doc.values():
            found.extend(texts(value) if isinstance(value, dict | list) else [])
    elif isinstance(doc, list):
        for value in doc:
            found.extend(texts(value))
    return found


# -- fixtures -------------------------------------------------------------------------------


def advisory(n: int, **kw: object) -> Advisory:
    fields: dict = {
        "id": f"rule:{n}",
        "source": "rules",
        "title": f"Widget {n} flaw",
        "severity": "high",
        "cves": (f"CVE-2023-{n:04d}",),
        "url": f"https://www.ncsc.gov.uk/report/{n}",
        "action": "Upgrade Widget to 2.0.",
        "affects": (AffectedProduct("Acme", f"Widget {n}", versions=("1.0",)),),
    }
    fields.update(kw)
    return Advisory(**fields)


def notice_of(
    advisories: list[Advisory],
    destinations: tuple[Destination, ...] = (),
    recipients: tuple[str, ...] = ("it@barsetshire.example.gov.uk",),
) -> Notice:
    matches = [
        Match(
            a,
            InventoryItem("barsetshire", a.affects[0].product, "1.0", "windows", "Acme", devices=4),
            a.affects[0],
            Status.AFFECTED,
            "1.0 is listed",
        )
        for a in advisories
    ]
    alert = build_alert("barsetshire", "Barsetshire County Council", recipients, matches, {})
    assert alert is not None
    return Notice(alert, "30 March 2023 10:00 BST", destinations)


def setup(
    tmp_path: Path, urls: dict[str, str], secrets: dict[str, str] | None = None, policy: FetchPolicy | None = None
) -> Setup:
    return Setup(
        sender="Alerts <alerts@example.gov.uk>",
        outbox=tmp_path / "outbox",
        urls=urls,
        secrets=secrets or {},
        http=policy or fast(),
    )


TEAMS = Destination("teams", "BARSETSHIRE_TEAMS_URL")
HOOK = Destination("webhook", "BARSETSHIRE_HOOK_URL", "BARSETSHIRE_HOOK_SECRET")


def queue_and_deliver(store: Store, notice: Notice, s: Setup) -> RunSummary:
    store.queue(render_notice(notice, s), [], at=T0)
    summary = RunSummary()
    deliver_queued(store, transports_for(s), summary, clock=lambda: T0)
    return summary


# -- webhook ----------------------------------------------------------------------------------


def test_a_signed_webhook_is_verified_by_the_receiver_and_a_tampered_body_is_not(tmp_path: Path) -> None:
    seen: set[str] = set()
    with LocalServer() as server, Store.open(tmp_path / "state.db") as store:
        server.route("/hook", webhook_receiver(SECRET, seen))  # type: ignore[arg-type]
        s = setup(tmp_path, {HOOK.url_env: server.url("/hook")}, {HOOK.url_env: SECRET})
        summary = queue_and_deliver(store, notice_of([advisory(1)], (HOOK,), recipients=()), s)
        assert summary.by_channel == {"webhook": {"sent": 1}}
        [request] = server.hits("/hook")
    assert verify(request, SECRET)
    tampered = replace(request, body=request.body.replace(b"Widget 1", b"Widget 9"))
    assert not verify(tampered, SECRET)
    doc = json.loads(request.body)
    assert doc["schema"] == "advisories.alert/1" and doc["council"]["id"] == "barsetshire"
    [item] = doc["advisories"]
    assert (item["id"], item["cves"], item["rows"][0]["devices"]) == ("rule:1", ["CVE-2023-0001"], 4)
    assert request.headers["webhook-id"].endswith("/webhook/BARSETSHIRE_HOOK_URL")


def test_the_webhook_id_is_the_same_on_a_retry_so_the_receiver_drops_the_duplicate(tmp_path: Path) -> None:
    seen: set[str] = set()
    receiver = webhook_receiver(SECRET, seen)
    # The receiver takes the first post but its answer never arrives: an unknown outcome.
    with LocalServer() as server, Store.open(tmp_path / "state.db") as store:
        server.route(
            "/hook",
            lambda r: (receiver(r), Reply(status=200, delay_s=1.5))[1],  # type: ignore[operator]
            receiver,
        )  # type: ignore[arg-type]
        s = setup(tmp_path, {HOOK.url_env: server.url("/hook")}, {HOOK.url_env: SECRET})
        first = queue_and_deliver(store, notice_of([advisory(2)], (HOOK,), recipients=()), s)
        assert "may have been delivered" in first.emails_retrying[0]
        second = RunSummary()
        deliver_queued(store, transports_for(s), second, clock=lambda: T0)
        assert second.by_channel == {"webhook": {"sent": 1}}
        ids = [r.headers["webhook-id"] for r in server.hits("/hook")]
    assert len(ids) == 2 and ids[0] == ids[1] and len(seen) == 1


# -- HTTP outcomes ------------------------------------------------------------------------------


def test_429_and_503_are_retried_with_retry_after_and_delivered_once(tmp_path: Path) -> None:
    sleeps = Sleeps()
    with LocalServer() as server, Store.open(tmp_path / "state.db") as store:
        server.route("/teams", Reply(status=429, headers={"Retry-After": "7"}), Reply(status=503), teams_receiver)
        s = setup(tmp_path, {TEAMS.url_env: server.url("/teams")}, policy=fast(sleeps))
        summary = queue_and_deliver(store, notice_of([advisory(3)], (TEAMS,)), s)
        assert summary.by_channel["teams"] == {"sent": 1}
        assert len(server.hits("/teams")) == 3
        assert sleeps == [7.0, 1.0]  # Retry-After honoured, then the backoff
        for _ in range(2):  # later runs: nothing more to post
            deliver_queued(store, transports_for(s), RunSummary(), clock=lambda: T0)
        assert len(server.hits("/teams")) == 3


def test_a_400_fails_that_destination_with_the_first_line_and_is_not_retried(tmp_path: Path) -> None:
    with LocalServer() as server, Store.open(tmp_path / "state.db") as store:
        server.route("/teams", Reply(status=400, body=b"Bad payload: card schema invalid\nat line 3"))
        s = setup(tmp_path, {TEAMS.url_env: server.url("/teams")})
        summary = queue_and_deliver(store, notice_of([advisory(4)], (TEAMS,), recipients=()), s)
        (line,) = summary.emails_failed
        assert "Teams BARSETSHIRE_TEAMS_URL: HTTP 400: Bad payload: card schema invalid" in line
        assert "at line 3" not in line and server.url() not in line  # the URL is a credential
        deliver_queued(store, transports_for(s), RunSummary(), clock=lambda: T0)
        assert len(server.hits("/teams")) == 1
        assert store.channel_counts() == {"teams": {"failed": 1}}


def test_email_and_teams_when_teams_fails_the_next_run_posts_only_to_teams(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("data"))
    shutil.copytree(RULES, tmp_path / "rules")
    path = folder / "feeds.toml"
    text = path.read_text().replace('rules = "../../rules"', 'rules = "../rules"')
    path.write_text(
        text.replace(
            'recipients = ["it-security@barsetshire.example.gov.uk"]',
            'recipients = ["it-security@barsetshire.example.gov.uk"]\n'
            'webhooks = [{ kind = "teams", url_env = "BARSETSHIRE_TEAMS_URL" }]',
        )
    )
    with LocalServer() as server:
        server.route(
            "/teams",
            Reply(status=503, body=b"Service unavailable"),
            Reply(status=503),
            Reply(status=503),
            teams_receiver,
        )
        config = load_config(path, environ={"BARSETSHIRE_TEAMS_URL": server.url("/teams")})
        transports = transports_for(replace(setup_for(config), http=fast()))
        with Store.open(config.state) as store:
            first = Pipeline(config, store, transports=transports, clock=lambda: T0).run()
            emails = sorted(config.outbox.glob("*.eml"))
            assert first.emails_sent == 2 and len(emails) == 2  # Barsetshire's and Wessex's
            assert first.by_channel["teams"] == {"queued": 1, "retrying": 1}
            assert len(server.hits("/teams")) == 3  # the first try and two retries
            for eml in emails:
                eml.unlink()
            second = Pipeline(config, store, transports=transports, clock=lambda: T0).run()
        assert second.emails_sent == 0 and list(config.outbox.glob("*.eml")) == []
        assert second.by_channel["teams"] == {"sent": 1}
        assert len(server.hits("/teams")) == 4
        assert card_problems(server.hits("/teams")[-1].body) == []


# -- the card -----------------------------------------------------------------------------------


def test_the_card_has_the_council_the_advisories_most_urgent_first_and_their_rows() -> None:
    kev = advisory(5, exploited=True, due_date=datetime(2023, 4, 20).date(), severity="critical")
    doc = card(notice_of([advisory(6, severity="medium"), kev]))
    assert card_problems(encode(doc)) == []
    words = texts(doc)
    assert "Barsetshire County Council" in words[0]
    first = next(i for i, t in enumerate(words) if "Widget 5 flaw" in t)
    assert first < next(i for i, t in enumerate(words) if "Widget 6 flaw" in t)
    assert {"Critical", "YES, in the wild", "2023-04-20", "CVE-2023-0005"} <= set(words)
    assert any("Widget 5 1.0 on Windows: 4 devices" in t for t in words)


def test_a_large_alert_keeps_the_most_urgent_in_full_under_28kb() -> None:
    many = [advisory(n, title=f"Widget {n} flaw " + "x" * 250, exploited=n < 3) for n in range(1, 80)]
    doc = card(notice_of(many))
    body = encode(doc)
    assert len(body) <= LIMIT_BYTES and card_problems(body) == []
    words = texts(doc)
    more = [t for t in words if t.endswith("more: see the email / CSV")]
    assert len(more) == 1
    shown = sum("Widget" in t and "flaw" in t for t in words)
    assert shown + int(more[0].split()[0]) == 79
    assert "Widget 1 flaw" in next(t for t in words if "flaw" in t)  # exploited first


def test_feed_text_cannot_put_a_link_or_an_image_on_the_card() -> None:
    hostile = advisory(
        7,
        title="Patch now [click here](https://evil.example/x) ![img](https://evil.example/i.png)",
        action="* **Run** <script>alert(1)</script> `code` [x]: https://evil.example",
    )
    doc = card(notice_of([hostile]))
    md = MarkdownIt("commonmark")  # Teams' TextBlocks read a Markdown subset of CommonMark
    for text in texts(doc):
        html = md.renderInline(text)
        assert "<a " not in html and "<img" not in html and "<strong>" not in html and "<script" not in html
    assert any("click here" in t for t in texts(doc))  # the words are still there


# -- config, check, the outbox, test-send --------------------------------------------------------


def write_config(tmp_path: Path, webhooks: str, recipients: str = '["it@barsetshire.example.gov.uk"]') -> Path:
    (tmp_path / "inventory.csv").write_text("Application name,Application version,Device count\nWidget,1.0,1\n")
    path = tmp_path / "feeds.toml"
    path.write_text(
        f'[settings]\nstate = "state.db"\n\n[[councils]]\nid = "barsetshire"\n'
        f'name = "Barsetshire County Council"\nrecipients = {recipients}\n'
        f'inventory = "inventory.csv"\nwebhooks = {webhooks}\n'
    )
    return path


def test_channel_entries_are_checked_with_their_toml_paths(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        '[{ kind = "teams", url_env = "T_URL" }, { kind = "slack", url_env = "S" },'
        ' { kind = "webhook", url_env = "H_URL" }, { kind = "teams", url = "https://x" }]',
        recipients="[]",
    )
    with pytest.raises(ConfigError) as raised:
        load_config(path, environ={"T_URL": "http://teams.example.com/x"})
    text = str(raised.value)
    assert "councils[0].webhooks[0].url_env: T_URL: must be an https:// URL" in text
    assert "http://teams.example.com" not in text  # never the URL itself
    assert "councils[0].webhooks[1].kind: 'slack': use one of teams, webhook" in text
    assert "councils[0].webhooks[2].secret_env: a webhook is signed" in text
    assert "councils[0].webhooks[3].url: URLs and secrets never go in feeds.toml" in text
    unset = write_config(tmp_path, '[{ kind = "webhook", url_env = "H_URL", secret_env = "H_KEY" }]')
    with pytest.raises(ConfigError, match="environment variable H_URL is not set"):
        load_config(unset, environ={})
    with pytest.raises(ConfigError, match="H_KEY: a Standard Webhooks secret starts 'whsec_'"):
        load_config(unset, environ={"H_URL": "https://soar.example.gov.uk/in", "H_KEY": "plain"})
    (tmp_path / "teams").mkdir()
    teams_only = write_config(tmp_path / "teams", '[{ kind = "teams", url_env = "T_URL" }]', recipients="[]")
    teams_only.write_text(teams_only.read_text() + "weekly = true\n")
    with pytest.raises(ConfigError, match=r"councils\[0\]\.weekly: the weekly summary is an email"):
        load_config(teams_only, environ={"T_URL": "https://example.webhook.office.com/x"})
    loopback = load_config(unset, environ={"H_URL": "http://127.0.0.1:9/in", "H_KEY": SECRET})
    assert loopback.councils[0].webhooks == (Destination("webhook", "H_URL", "H_KEY"),)
    assert loopback.councils[0].recipients == ("it@barsetshire.example.gov.uk",)


def test_test_send_posts_a_marked_test_alert_to_every_channel_and_outbox_shows_channels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: set[str] = set()
    with LocalServer() as server:
        server.route("/teams", teams_receiver)
        server.route("/hook", webhook_receiver(SECRET, seen))  # type: ignore[arg-type]
        monkeypatch.setenv("T_URL", server.url("/teams"))
        monkeypatch.setenv("H_URL", server.url("/hook"))
        monkeypatch.setenv("H_KEY", SECRET)
        path = write_config(
            tmp_path,
            '[{ kind = "teams", url_env = "T_URL" }, { kind = "webhook", url_env = "H_URL", secret_env = "H_KEY" }]',
        )
        assert main(["check", "--config", str(path)]) == 0
        assert "barsetshire: email to 1 address(es), Teams T_URL, webhook H_URL (signed)" in capsys.readouterr().out
        assert main(["test-send", "barsetshire", "--config", str(path)]) == 0
        out = capsys.readouterr().out
        [teams] = server.hits("/teams")
        [hook] = server.hits("/hook")
    assert "email it@barsetshire.example.gov.uk: sent" in out and "Teams T_URL: sent" in out
    assert "webhook H_URL: sent" in out
    assert any("THIS IS A TEST" in t for t in texts(json.loads(teams.body)))
    assert json.loads(hook.body)["test"] is True and verify(hook, SECRET)
    [eml] = (tmp_path / "data" / "outbox").glob("*.eml")
    assert "Subject: [TEST]" in eml.read_text()
    assert main(["outbox", "--config", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "queued 0, sent 3, failed 0, held 0"
    assert "  Teams    queued 0, sent 1, failed 0, held 0" in lines


# -- the outbox -----------------------------------------------------------------------------------


def test_each_channel_is_one_registry_entry() -> None:
    assert list(channels()) == ["email", "teams", "webhook"]


def test_queued_mail_of_an_old_state_file_survives_the_migration(tmp_path: Path) -> None:
    """A state file as 0008 left it: one email queued before its bytes were built, one with them."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, sql in MIGRATIONS:
        if name == "0010_channels":
            break
        for statement in (s for s in sql.split(";") if s.strip()):
            conn.execute(statement)
        conn.execute("INSERT INTO migrations VALUES (?, datetime('now'))", (name,))
    message = {
        "key": "alert-barsetshire-1",
        "council_id": "barsetshire",
        "to": ["it@barsetshire.example.gov.uk"],
        "subject": "[HIGH] Barsetshire: Widget",
        "text": "Widget 1.0 is affected.",
        "html": "<p>Widget</p>",
        "message_id": "<1@example.gov.uk>",
        "headers": [["References", "<0@example.gov.uk>"]],
        "attachments": [],
    }
    conn.execute(
        "INSERT INTO outbox (key, council_id, message, raw, state, created_at) VALUES (?, ?, ?, NULL,"
        " 'queued', '2023-03-30T09:00:00+00:00')",
        ("alert-barsetshire-1", "barsetshire", json.dumps(message)),
    )
    raw = b"From: a@example.gov.uk\r\nTo: it@wessex.example.gov.uk\r\nSubject: Wessex\r\n\r\nbody\r\n"
    conn.execute(
        "INSERT INTO outbox (key, council_id, message, raw, state, created_at, delivered_to) VALUES"
        " (?, ?, ?, ?, 'queued', '2023-03-30T09:00:01+00:00', '[]')",
        (
            "alert-wessex-1",
            "wessex",
            json.dumps({**message, "key": "alert-wessex-1", "to": ["it@wessex.example.gov.uk"]}),
            raw,
        ),
    )
    conn.close()
    with Store.open(path) as store:
        assert store.queued_count() == 2
        [[first, second]] = list(store.queued_rows())
        assert (first.key, first.to, first.raw, second.raw) == (
            "alert-barsetshire-1",
            ("it@barsetshire.example.gov.uk",),
            None,
            raw,
        )
        assert first.draft is not None and first.draft.text == "Widget 1.0 is affected."
        summary = RunSummary()
        s = setup(tmp_path, {})
        deliver_queued(store, transports_for(s), summary, clock=lambda: T0)
        assert summary.emails_sent == 2 and store.outbox_counts() == {"sent": 2}
        columns = {r[1] for r in store.conn.execute("PRAGMA table_info(outbox)")}
        assert "message" not in columns  # no JSON copy of the text and HTML beside the bytes
    sent = sorted(p.read_bytes() for p in (tmp_path / "outbox").glob("*.eml"))
    assert any(b"Widget 1.0 is affected." in p for p in sent) and raw in sent


def test_an_email_and_its_posts_are_stored_once_each_and_counted_by_sqlite(tmp_path: Path) -> None:
    with Store.open(tmp_path / "state.db") as store:
        notice = notice_of([advisory(8)], (TEAMS, HOOK))
        s = setup(tmp_path, {})
        store.queue(render_notice(notice, s), [], at=T0)
        assert not store.queue(render_notice(notice, s), [], at=T0)  # a repeated run queues nothing
        assert store.channel_counts() == {"email": {"queued": 1}, "teams": {"queued": 1}, "webhook": {"queued": 1}}
        rows = store.conn.execute("SELECT channel, raw IS NOT NULL, draft IS NULL FROM outbox ORDER BY channel")
        assert rows.fetchall() == [("email", 1, 1), ("teams", 1, 1), ("webhook", 1, 1)]


def test_a_test_notice_names_no_real_advisory() -> None:
    config_council = load_config(DEMO / "feeds.toml").councils[0]
    notice = sample_notice(config_council, T0, "Europe/London")
    assert notice.test and notice.key.startswith("test-barsetshire-")
    assert [s.advisory.id for s in notice.alert.sections] == ["TEST-0000"]


# -- withdrawals ----------------------------------------------------------------------------------


def withdrawal_of(
    cves: int,
    rows: int,
    destinations: tuple[Destination, ...] = (),
    recipients: tuple[str, ...] = ("it@barsetshire.example.gov.uk",),
    reason: str = "Rejected by its CNA: a duplicate of CVE-2023-4863",
) -> WithdrawalNotice:
    told = tuple(
        withdrawn_row(f"barsetshire|CVE-2024-{c:04d}|widget {c}|1.{r}|windows", 3, "30 March 2023", T0.date())
        for c in range(1, cves + 1)
        for r in range(rows)
    )
    reasons = tuple((f"CVE-2024-{c:04d}", reason) for c in range(1, cves + 1))
    withdrawal = Withdrawal("barsetshire", "Barsetshire County Council", recipients, told, reasons)
    return WithdrawalNotice(withdrawal, "2 April 2023 09:00 BST", destinations)


def test_a_withdrawal_goes_as_one_row_per_channel_and_destination_and_closes_once(tmp_path: Path) -> None:
    notice = withdrawal_of(1, 2, (TEAMS, HOOK))
    with Store.open(tmp_path / "state.db") as store:
        rows = render_notice(notice, setup(tmp_path, {}))
        assert [getattr(r, "channel", "email") for r in rows] == ["email", "teams", "webhook"]
        assert [r.key for r in rows[1:]] == [f"{notice.key}/teams/BARSETSHIRE_TEAMS_URL",
                                             f"{notice.key}/webhook/BARSETSHIRE_HOOK_URL"]
        assert store.withdraw(rows, [], at=T0)
        assert not store.withdraw(render_notice(notice, setup(tmp_path, {})), [], at=T0)  # never twice
        assert store.channel_counts() == {"email": {"queued": 1}, "teams": {"queued": 1}, "webhook": {"queued": 1}}
    # A council without recipients gets no email row: nothing to mark "sent" that went nowhere.
    no_email = render_notice(withdrawal_of(1, 2, (TEAMS,), recipients=()), setup(tmp_path, {}))
    assert [getattr(r, "channel", "email") for r in no_email] == ["teams"]


def test_the_withdrawal_card_names_each_rejected_cve_why_and_its_rows() -> None:
    doc = withdrawal_card(withdrawal_of(2, 10))
    assert card_problems(encode(doc)) == []
    words = texts(doc)
    assert "WITHDRAWN" in words[0] and "no action needed" in words[0]
    assert "CVE-2024-0001: rejected" in words and "CVE-2024-0002: rejected" in words
    assert words.count("Why: Rejected by its CNA: a duplicate of CVE-2023-4863") == 2
    assert "• widget 1 1.0 on Windows: 3 devices (alerted 30 March 2023)" in words
    assert words.count("and 2 more rows: see the email / CSV") == 2  # eight rows per CVE on the card


def test_a_large_withdrawal_card_stays_under_28kb_and_says_how_many_more() -> None:
    doc = withdrawal_card(withdrawal_of(200, 20, reason="x" * 2000))
    body = encode(doc)
    assert len(body) <= LIMIT_BYTES and card_problems(body) == []
    words = texts(doc)
    [more] = [t for t in words if t.endswith("more: see the email / CSV") and not t.startswith("and ")]
    shown = sum(t.endswith(": rejected") for t in words)
    assert shown and shown + int(more.split()[0]) == 200


def test_a_rejection_reason_cannot_put_a_link_or_an_image_on_the_card() -> None:
    hostile = "See [click here](https://evil.example/x) ![img](https://evil.example/i.png) **now** <b>x</b>"
    doc = withdrawal_card(withdrawal_of(1, 1, reason=hostile))
    md = MarkdownIt("commonmark")
    for text in texts(doc):
        html = md.renderInline(text)
        assert "<a " not in html and "<img" not in html and "<strong>" not in html and "<b>" not in html
    assert any("click here" in t for t in texts(doc))
