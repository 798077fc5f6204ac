"""A withdrawal goes on every channel the alert went on, end to end with real parts.

The world of test_cve_feed (an NCSC-style feed, its pages and a stand-in for the CVE Services
API on one local HTTP server, a real SMTP server, a real SQLite state) alerts the "behind"
council of Chrome through CVE-2023-7024; then the CNA rejects the CVE. Here that council has
a Teams channel, a signed webhook, or both email and Teams: each receiver is a local HTTP server
checking what it gets with its own code (test_channels' Standard Webhooks check and card check).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from httpserver import LocalServer, Reply, Request
from smtpserver import SmtpServer
from test_channels import SECRET, card_problems, fast, texts, verify
from test_cve_feed import FIXTURES, CveApi, sent_to, text, world  # noqa: F401  (world is a fixture)

from advisories.config import Config, load_config
from advisories.delivery.setup import setup_for, transports_for
from advisories.pipeline import Pipeline
from advisories.report import RunSummary
from advisories.store import Store

World = tuple[Path, LocalServer, CveApi, SmtpServer]
BEHIND = 'recipients = ["it@behind.example.gov.uk"]'


def with_channels(path: Path, recipients: str, webhooks: str, environ: dict[str, str]) -> Config:
    """The world's feeds.toml with the "behind" council given these recipients and webhooks."""
    path.write_text(path.read_text().replace(BEHIND, f"recipients = {recipients}\nwebhooks = {webhooks}"))
    return load_config(path, environ=environ)


def run(config: Config, force: bool = False) -> RunSummary:
    transports = transports_for(replace(setup_for(config), http=fast()))
    with Store.open(config.state) as store:
        return Pipeline(config, store, transports=transports).run(force=force)


def reject(api: CveApi) -> None:
    """Google's CNA rejects CVE-2023-7024 (the real REJECTED record of CVE-2023-5129, renamed)."""
    rejected = json.loads((FIXTURES / "CVE-2023-5129.json").read_bytes())
    rejected["cveMetadata"]["cveId"] = "CVE-2023-7024"
    api.records["CVE-2023-7024"] = json.dumps(rejected).encode()


class Teams:
    """A Workflows webhook: refuses what Teams would refuse, keeps what it takes."""

    def __init__(self) -> None:
        self.cards: list[dict] = []

    def __call__(self, request: Request) -> Reply:
        problems = card_problems(request.body)
        if problems:
            return Reply(status=400, body="; ".join(problems).encode())
        self.cards.append(json.loads(request.body))
        return Reply(status=202, body=b"ok")


class Hook:
    """A service desk's webhook endpoint: checks the signature with its own code, drops duplicates."""

    def __init__(self) -> None:
        self.docs: dict[str, dict] = {}  # webhook-id -> the document

    def __call__(self, request: Request) -> Reply:
        if not verify(request, SECRET):
            return Reply(status=401, body=b"bad signature")
        if request.headers["webhook-id"] not in self.docs:
            self.docs[request.headers["webhook-id"]] = json.loads(request.body)
        return Reply(status=202, body=b"accepted")


def shown(card: dict) -> list[str]:
    """The card's texts as Teams shows them: Markdown's escapes read."""
    return [re.sub(r"\\(.)", r"\1", t) for t in texts(card)]


def is_withdrawal(card: dict) -> bool:
    return any("[WITHDRAWN]" in t for t in shown(card))


def sent_states(config: Config) -> dict[str, dict[str, int]]:
    with Store.open(config.state) as store:
        return store.channel_counts()


def test_a_council_on_teams_alone_is_told_on_teams_and_nothing_is_sent_nowhere(world: World) -> None:  # noqa: F811
    path, server, api, smtp = world
    teams = Teams()
    server.route("/teams", teams)
    config = with_channels(
        path, "[]", '[{ kind = "teams", url_env = "BEHIND_TEAMS_URL" }]', {"BEHIND_TEAMS_URL": server.url("/teams")}
    )
    run(config)
    [alert] = teams.cards
    assert not is_withdrawal(alert) and any("CVE-2023-7024" in t for t in shown(alert))
    reject(api)
    summary = run(config, force=True)
    assert summary.by_channel["teams"] == {"queued": 1, "sent": 1}
    [card] = teams.cards[1:]
    content = card["attachments"][0]["content"]
    assert (card["type"], content["type"], content["version"]) == ("message", "AdaptiveCard", "1.4")
    words = shown(card)
    assert "[WITHDRAWN] Behind Council: CVE-2023-7024 rejected; no action needed for it" in words[0]
    assert any("no action" in t for t in words)
    assert "CVE-2023-7024: rejected" in words
    assert any(t.startswith("Why: ") and "Replaced by CVE-2023-4863" in t for t in words)
    told = [t for t in words if "Google Chrome 119.0.6045.199 on Windows: 7 devices (alerted " in t]
    assert len(told) == 1, words
    assert not any("FortiOS" in t for t in words)  # the FortiOS alert still stands
    # No email row: nothing marked "sent" that went nowhere. Every sent row is a post received.
    assert sent_states(config) == {"teams": {"sent": 2}}
    assert smtp.handler.messages == []
    with Store.open(config.state) as store:
        chrome = [e for e in store.exposures() if "google chrome" in e.key]
        assert chrome and all(e.status == "withdrawn" for e in chrome)
    run(config, force=True)
    assert len(teams.cards) == 2  # told once


def test_a_council_with_a_signed_webhook_gets_a_withdrawal_document_it_can_verify(world: World) -> None:  # noqa: F811
    path, server, api, smtp = world
    hook = Hook()
    server.route("/hook", hook)
    config = with_channels(
        path,
        "[]",
        '[{ kind = "webhook", url_env = "BEHIND_HOOK_URL", secret_env = "BEHIND_HOOK_SECRET" }]',
        {"BEHIND_HOOK_URL": server.url("/hook"), "BEHIND_HOOK_SECRET": SECRET},
    )
    run(config)
    reject(api)
    run(config, force=True)
    run(config, force=True)
    alerts = [d for d in hook.docs.values() if d["schema"] == "advisories.alert/1"]
    [(hook_id, doc)] = [(k, d) for k, d in hook.docs.items() if d["schema"] == "advisories.withdrawal/1"]
    assert len(alerts) == 1 and len(hook.docs) == 2
    assert hook_id == f"{doc['message']}/webhook/BEHIND_HOOK_URL" and doc["message"].startswith("withdrawn-behind-")
    assert doc["council"] == {"id": "behind", "name": "Behind Council"}
    [withdrawn] = doc["withdrawn"]
    assert withdrawn["cve"] == "CVE-2023-7024" and "Replaced by CVE-2023-4863" in withdrawn["reason"]
    assert withdrawn["devices"] == 7
    with Store.open(config.state) as store:  # the day it was first alerted, on the council's calendar
        [chrome] = [e for e in store.exposures() if "google chrome" in e.key]
    alerted = chrome.first_alerted_at.astimezone(ZoneInfo(config.timezone)).date().isoformat()
    assert withdrawn["rows"] == [
        {
            "product": "Google Chrome",
            "version": "119.0.6045.199",
            "platform": "Windows",
            "devices": 7,
            "first_alerted": alerted,
        }
    ]
    # The receiver's own check, and a body changed in transit that it refuses.
    [request] = [r for r in server.hits("/hook") if r.headers["webhook-id"] == hook_id]
    assert verify(request, SECRET)
    assert not verify(replace(request, body=request.body.replace(b'"devices": 7', b'"devices": 0')), SECRET)
    assert len(server.hits("/hook")) == 2  # one post each, never again
    assert sent_states(config) == {"webhook": {"sent": 2}} and smtp.handler.messages == []


def test_email_and_teams_when_teams_fails_the_email_goes_once_and_the_card_next_run(world: World) -> None:  # noqa: F811
    path, server, api, smtp = world
    teams = Teams()
    server.route("/teams", teams)
    config = with_channels(
        path,
        '["it@behind.example.gov.uk"]',
        '[{ kind = "teams", url_env = "BEHIND_TEAMS_URL" }]',
        {"BEHIND_TEAMS_URL": server.url("/teams")},
    )
    run(config)
    assert set(sent_to(smtp)) == {"behind"} and len(teams.cards) == 1  # the alert, on both
    reject(api)
    server.route("/teams", Reply(status=503), Reply(status=503), Reply(status=503), teams)
    second = run(config, force=True)
    assert second.emails_sent == 1 and second.by_channel["teams"] == {"queued": 1, "retrying": 1}
    [email] = smtp.handler.messages[1:]
    assert email.rcpt_tos == ("it@behind.example.gov.uk",)
    assert "WITHDRAWN" in email.parsed()["Subject"] and "Google Chrome 119.0.6045.199" in text(email.parsed())
    assert len(teams.cards) == 1
    with Store.open(config.state) as store:  # closed with the notice queued, in one transaction
        chrome = [e for e in store.exposures() if "google chrome" in e.key]
        assert chrome and all(e.status == "withdrawn" and e.remediated_at is not None for e in chrome)
    third = run(config, force=True)
    assert third.emails_sent == 0 and third.by_channel["teams"] == {"sent": 1}
    assert len(smtp.handler.messages) == 2
    [card] = teams.cards[1:]
    assert is_withdrawal(card) and "CVE-2023-7024: rejected" in shown(card)
    run(config, force=True)
    assert len(smtp.handler.messages) == 2 and len(teams.cards) == 2
    assert sent_states(config) == {"email": {"sent": 2}, "teams": {"sent": 2}}
