"""CVE records resolve the CVE ids other sources name, end to end with real parts.

An NCSC-style feed, its article pages and a stand-in for the CVE Services API are all served by
one local HTTP server; a real SMTP server receives the alerts; state is a real SQLite file. The
records are real (tests/fixtures/cve5, from CVEProject/cvelistV5).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from httpserver import LocalServer, Reply, Request
from smtpserver import SmtpServer

from advisories.cli import main
from advisories.sources import cve_lookup
from advisories.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cve5"
ITEM = """<item><title>{title}</title><link>{link}</link><description>{text}</description>
<pubDate>Fri, 22 Dec 2023 12:00:00 +0000</pubDate><guid isPermaLink="true">{link}</guid></item>"""
ARTICLE = """<!doctype html><html><head><title>NCSC</title></head><body>
<header><nav><a href="/">Home</a> <a href="/news/other">CVE-2019-0001 in the menu</a></nav></header>
<main><h1>{title}</h1>{body}</main>
<aside>Related: CVE-2018-13379</aside><footer>Crown copyright</footer></body></html>"""
CHROME = ("Google has released Chrome 120.0.6099.129 for Mac and Linux and 120.0.6099.129/130 for "
          "Windows. The update fixes CVE-2023-7024, which Google says is exploited in the wild.")
# Only the article names the CVE: the feed item is a teaser, as the NCSC's are.
FORTINET_PAGE = ("<p>Fortinet has published advice on CVE-2024-21762 in FortiOS SSL VPN; see "
                 '<a href="https://www.fortiguard.com/psirt/FG-IR-24-015">FG-IR-24-015</a>.</p>')
MOVEIT = "Progress has released fixes for CVE-2023-34362 in MOVEit Transfer."
# The LGA team's curated rule for the Chrome fix, naming the CVE.
CHROME_RULE = """
id = "lga-chrome-2023-12"
title = "Chrome: update now"
severity = "high"
cves = ["CVE-2023-7024"]
action = "Push Chrome 120.0.6099.129 or later today."
[[affects]]
vendor = "Google"
product = "Google Chrome"
ranges = [{ introduced = "0", fixed = "120.0.6099.129" }]
"""
INTUNE = "ApplicationId,ApplicationKey,ApplicationName,ApplicationPublisher,ApplicationShortVersion," \
         "ApplicationVersion,DeviceCount,Platform\n"


class CveApi:
    """The CVE Services read API: GET /api/cve/{id}; ETag and 304; 404 with a JSON body."""

    def __init__(self, server: LocalServer) -> None:
        self.records = {p.stem: p.read_bytes() for p in FIXTURES.glob("CVE-*.json")}
        self.served: list[str] = []
        server.route_prefix("/api/cve/", self.reply)

    def reply(self, request: Request) -> Reply:
        cve_id = request.path.rsplit("/", 1)[1]
        self.served.append(cve_id)
        body = self.records.get(cve_id)
        if body is None:
            return Reply(status=404, body=json.dumps({"error": "CVE_RECORD_DNE"}).encode(),
                         headers={"Content-Type": "application/json"})
        etag = f'"{hash(body) & 0xFFFFFF:x}"'
        if request.headers.get("If-None-Match") == etag:
            return Reply(status=304, headers={"ETag": etag})
        return Reply(body=body, headers={"ETag": etag, "Content-Type": "application/json"})


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, LocalServer, CveApi, SmtpServer]]:
    monkeypatch.setattr(cve_lookup, "RATE", 10_000.0)  # the pacing is tested on its own, with a fake clock
    with LocalServer() as server, SmtpServer() as smtp:
        api = CveApi(server)
        items = [
            ITEM.format(title="Chrome update fixes an exploited flaw", link=server.url("/news/chrome"), text=CHROME),
            ITEM.format(title="Alert: Fortinet FortiOS SSL VPN", link=server.url("/news/fortinet"),
                        text="The NCSC is aware of a vulnerability affecting Fortinet products."),
            ITEM.format(title="MOVEit Transfer", link=server.url("/news/moveit"), text=MOVEIT),
        ]
        server.route("/ncsc/news.xml", Reply(body=feed(*items).encode(), headers={"ETag": '"f1"'}))
        server.route("/news/chrome", Reply(body=ARTICLE.format(title="Chrome", body=f"<p>{CHROME}</p>").encode()))
        server.route("/news/fortinet", Reply(body=ARTICLE.format(title="Fortinet", body=FORTINET_PAGE).encode()))
        server.route("/news/moveit", Reply(status=404, body=b"gone"))
        (tmp_path / "rules").mkdir()
        inventories = tmp_path / "inventories"
        inventories.mkdir()
        (inventories / "patched.csv").write_text(
            INTUNE + "a,k,Google Chrome,Google LLC,120.0,120.0.6099.129,50,Windows\n")
        (inventories / "behind.csv").write_text(
            INTUNE + "a,k,Google Chrome,Google LLC,119.0,119.0.6045.199,7,Windows\n"
            "b,k,FortiOS,Fortinet,7.2,7.2.6,2,Windows\n"
            "c,k,MOVEit Transfer,Progress Software,2023.0,2023.0.0,1,Windows\n")
        (inventories / "otherline.csv").write_text(
            INTUNE + "a,k,FortiOS,Fortinet,7.6,7.6.0,2,Windows\n"
            "b,k,Google Chrome,Google LLC,121.0,121.0.6167.85,9,Windows\n")
        config = tmp_path / "feeds.toml"
        config.write_text(f"""
[settings]
state = "data/state.sqlite3"
rules = "rules"

[smtp]
host = "127.0.0.1"
port = {smtp.port}
security = "none"
from = "Alerts <alerts@example.gov.uk>"

[[feeds]]
name = "ncsc-news"
kind = "rss"
url = "{server.url('/ncsc/news.xml')}"

[[feeds]]
name = "cve"
kind = "cve"
url = "{server.url('/api/cve/')}"
every = "1d"
""" + "".join(f"""
[[councils]]
id = "{cid}"
name = "{cid.title()} Council"
recipients = ["it@{cid}.example.gov.uk"]
inventory = "inventories/{cid}.csv"
""" for cid in ("patched", "behind", "otherline")))
        yield config, server, api, smtp


def feed(*items: str) -> str:
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>News Feed</title>'
            f"<link>https://www.ncsc.gov.uk/</link><description>d</description>{''.join(items)}</channel></rss>")


def run(config: Path, *extra: str) -> int:
    return main(["run", "--once", "--config", str(config), *extra])


def sent_to(smtp: SmtpServer) -> dict[str, EmailMessage]:
    return {r.rcpt_tos[0].split("@")[1].split(".")[0]: r.parsed() for r in smtp.handler.messages}


def text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return part.get_content()


def test_ncsc_items_alert_through_the_cve_records_they_name(
    world: tuple[Path, LocalServer, CveApi, SmtpServer], capsys: pytest.CaptureFixture[str],
) -> None:
    config, _, api, smtp = world
    assert run(config) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    sent = sent_to(smtp)
    # The council on the fix hears nothing; the one below it is told, with the NCSC's words.
    assert set(sent) == {"behind"}, out
    behind = text(sent["behind"])
    assert "Chrome update fixes an exploited flaw" in behind and "119.0.6045.199" in behind
    assert "exploited" in behind.lower()
    assert "Google's CVE record" in behind
    # The Fortinet item named its CVE only on the article page: still resolved and matched.
    assert "Alert: Fortinet FortiOS SSL VPN" in behind and "7.2.6" in behind
    assert "CVE-2019-0001" not in behind and "CVE-2018-13379" not in behind  # menu and side bar
    # MOVEit's CNA record says "n/a": CISA's enrichment of it gives the versions, and says so.
    assert "2023.0.0" in behind and "CISA's enrichment of the CVE record" in behind
    # The MOVEit page failed (404): the item stays as it was, and the summary names it.
    assert "article" in out and "/news/moveit" in out
    # Each id fetched once; the menu's and side bar's ids never.
    assert sorted(set(api.served)) == ["CVE-2023-34362", "CVE-2023-7024", "CVE-2024-21762"]


def test_a_second_run_asks_conditionally_and_sends_nothing_again(
    world: tuple[Path, LocalServer, CveApi, SmtpServer], capsys: pytest.CaptureFixture[str],
) -> None:
    config, server, api, smtp = world
    assert run(config) == 0
    served = len(api.served)
    assert run(config) == 0
    assert len(api.served) == served  # not due: no request at all
    assert run(config, "--force") == 0  # due again: conditional requests, 304s
    revisits = [r for r in server.requests if r.path.startswith("/api/cve/")][served:]
    assert revisits and all(r.headers.get("If-None-Match") for r in revisits)
    assert "not modified" in capsys.readouterr().out
    assert len(smtp.handler.messages) == 1


def test_a_rejected_record_withdraws_the_alert(
    world: tuple[Path, LocalServer, CveApi, SmtpServer],
) -> None:
    config, _, api, smtp = world
    assert run(config) == 0
    assert set(sent_to(smtp)) == {"behind"}
    # Google's CNA rejects CVE-2023-7024 (here: the real REJECTED record of CVE-2023-5129, renamed).
    rejected = json.loads((FIXTURES / "CVE-2023-5129.json").read_bytes())
    rejected["cveMetadata"]["cveId"] = "CVE-2023-7024"
    api.records["CVE-2023-7024"] = json.dumps(rejected).encode()
    assert run(config, "--force") == 0
    with Store.open(config.parent / "data" / "state.sqlite3") as store:
        chrome = [e for e in store.exposures() if "google chrome" in e.key]
        assert chrome and all(e.remediated_at is not None and e.status == "withdrawn" for e in chrome)
        fortios = [e for e in store.exposures() if "fortios" in e.key]
        assert fortios and all(e.remediated_at is None for e in fortios)
    # The council that was told is told, once, that it can stand down; nobody else hears anything.
    assert len(smtp.handler.messages) == 2
    notice = smtp.handler.messages[-1]
    assert notice.rcpt_tos == ("it@behind.example.gov.uk",)
    parsed = notice.parsed()
    assert "WITHDRAWN" in parsed["Subject"] and "CVE-2023-7024" in parsed["Subject"]
    body = text(parsed)
    assert "no action" in body and "Google Chrome 119.0.6045.199" in body and "Replaced by CVE-2023-4863" in body
    assert "fortios" not in body.lower()  # the FortiOS alert still stands
    assert run(config, "--force") == 0
    assert len(smtp.handler.messages) == 2


def test_an_api_that_fails_or_asks_us_to_wait_blocks_nothing(
    world: tuple[Path, LocalServer, CveApi, SmtpServer], capsys: pytest.CaptureFixture[str],
) -> None:
    config, server, api, smtp = world
    server.route_prefix("/api/cve/", lambda request: Reply(status=429, headers={"Retry-After": "3600"}))
    assert run(config) == 0
    out = capsys.readouterr().out
    assert "not resolved" in out and "CVE-2023-7024" in out
    # The feed items are stored; nothing was alerted on versions nobody gave.
    assert smtp.handler.messages == []
    server.route_prefix("/api/cve/", api.reply)
    assert run(config) == 0  # the next run resolves what the last could not
    assert set(sent_to(smtp)) == {"behind"}


def test_an_unknown_id_is_an_answer_and_a_huge_record_is_refused(
    world: tuple[Path, LocalServer, CveApi, SmtpServer], capsys: pytest.CaptureFixture[str],
) -> None:
    config, server, api, _ = world
    server.route("/ncsc/news.xml", Reply(body=feed(ITEM.format(
        title="Two CVEs", link=server.url("/news/two"),
        text="CVE-2099-0001 and CVE-2023-7024 affect something.")).encode()))
    server.route("/news/two", Reply(body=b"<html><body><main><p>Nothing more.</p></main></body></html>"))
    api.records["CVE-2023-7024"] = b'{"dataType": "CVE_RECORD", "x": "' + b"A" * (3 * 1024 * 1024) + b'"}'
    assert run(config) == 0
    out = capsys.readouterr().out
    assert "no CVE record for CVE-2099-0001" in out
    assert "CVE-2023-7024" in out and "larger than" in out


def test_a_slow_api_is_cut_off_at_the_fetch_cap_and_the_next_run_resolves_the_rest(
    world: tuple[Path, LocalServer, CveApi, SmtpServer],
) -> None:
    """A record slower than the fetch's total cap stops this run's look-ups (the API, not the
    id, is slow); the ids left are named, and the next run resolves and alerts."""
    from advisories.config import load_config
    from advisories.pipeline import Pipeline
    from advisories.sources.fetch import FetchPolicy

    config_path, server, api, smtp = world
    server.route_prefix("/api/cve/", lambda request: Reply(body=b"{}", delay_s=3.0))
    config = load_config(config_path)
    policy = FetchPolicy(timeout_s=0.3, total_s=0.5, retries=0)
    with Store.open(config.state) as store:
        summary = Pipeline(config, store, policy=policy).run()
        failed = "\n".join(summary.lookups_failed)
        assert "left for the next run" in failed and summary.ok and not smtp.handler.messages
        server.route_prefix("/api/cve/", api.reply)
        Pipeline(config, store, policy=policy).run()
    assert {r.rcpt_tos[0] for r in smtp.handler.messages} == {"it@behind.example.gov.uk"}


def test_an_updated_item_has_its_article_read_again_conditionally(
    world: tuple[Path, LocalServer, CveApi, SmtpServer],
) -> None:
    """The NCSC updates an alert (a new CVE on the page): the page is asked for again with its
    validators; an unchanged item's page is never asked for twice."""
    config, server, _, smtp = world
    page = {"etag": '"p1"', "body": ARTICLE.format(title="Fortinet", body="<p>Nothing named yet.</p>")}

    def fortinet(request: Request) -> Reply:
        if request.headers.get("If-None-Match") == page["etag"]:
            return Reply(status=304, headers={"ETag": page["etag"]})
        return Reply(body=page["body"].encode(), headers={"ETag": page["etag"]})

    server.route("/news/fortinet", fortinet)
    assert run(config) == 0
    assert run(config, "--force") == 0  # the item did not change: its page is not asked for
    assert len(server.hits("/news/fortinet")) == 1
    assert all("fortios" not in text(r.parsed()).lower() for r in smtp.handler.messages)
    page.update(etag='"p2"', body=ARTICLE.format(title="Fortinet", body=FORTINET_PAGE))
    updated = ITEM.format(title="Alert: Fortinet FortiOS SSL VPN (updated)", link=server.url("/news/fortinet"),
                          text="The NCSC is aware of a vulnerability affecting Fortinet products.")
    server.route("/ncsc/news.xml", Reply(body=feed(updated).encode(), headers={"ETag": '"f2"'}))
    assert run(config, "--force") == 0
    asked = server.hits("/news/fortinet")
    assert len(asked) == 2 and asked[1].headers.get("If-None-Match") == '"p1"'
    assert "7.2.6" in text(smtp.handler.messages[-1].parsed())  # the CVE the page now names


def test_serve_polling_one_feed_resolves_its_new_ids_at_once_and_refreshes_nothing(
    world: tuple[Path, LocalServer, CveApi, SmtpServer],
) -> None:
    """`serve` runs one feed per job: that job looks up the ids the feed brought, at once, and
    leaves the refresh of known records to the cve feed's own `every`."""
    from datetime import UTC, datetime, timedelta

    from advisories.config import load_config
    from advisories.pipeline import Pipeline

    config_path, _, api, smtp = world
    config = load_config(config_path)
    start = datetime(2026, 12, 6, 9, tzinfo=UTC)
    with Store.open(config.state) as store:
        Pipeline(config, store, clock=lambda: start).run(only_feeds={"ncsc-news"}, force=True)
        assert sorted(set(api.served)) == ["CVE-2023-34362", "CVE-2023-7024", "CVE-2024-21762"]
        assert {r.rcpt_tos[0] for r in smtp.handler.messages} == {"it@behind.example.gov.uk"}
        served = len(api.served)
        later = start + timedelta(days=3)  # every known record is due for a refresh by now
        Pipeline(config, store, clock=lambda: later).run(only_feeds={"ncsc-news"}, force=True)
        assert len(api.served) == served
        Pipeline(config, store, clock=lambda: later).run(only_feeds={"cve"})
        assert len(api.served) == served + 3


def test_a_rejected_cve_a_curated_rule_still_covers_is_neither_withdrawn_nor_told_again(
    world: tuple[Path, LocalServer, CveApi, SmtpServer],
) -> None:
    """The LGA's rule for Chrome names CVE-2023-7024; the CVE is rejected; the rule stands. The
    council is not told "no action needed", and not alerted a second time either."""
    config, _, api, smtp = world
    (config.parent / "rules" / "chrome.toml").write_text(CHROME_RULE)
    assert run(config) == 0
    assert set(sent_to(smtp)) == {"behind"}
    told = len(smtp.handler.messages)
    rejected = json.loads((FIXTURES / "CVE-2023-5129.json").read_bytes())
    rejected["cveMetadata"]["cveId"] = "CVE-2023-7024"
    rejected["containers"]["cna"].pop("replacedBy", None)
    api.records["CVE-2023-7024"] = json.dumps(rejected).encode()
    assert run(config, "--force") == 0
    assert len(smtp.handler.messages) == told
    with Store.open(config.parent / "data" / "state.sqlite3") as store:
        chrome = [e for e in store.exposures() if "google chrome" in e.key and e.remediated_at is None]
        assert chrome  # still open, under the rule's own key


def test_a_page_that_failed_is_read_by_a_later_run_while_the_feed_says_not_modified(
    world: tuple[Path, LocalServer, CveApi, SmtpServer],
) -> None:
    from datetime import UTC, datetime, timedelta

    from advisories.config import load_config
    from advisories.pipeline import Pipeline
    from advisories.sources.fetch import FetchPolicy

    config_path, server, _, smtp = world
    # The feed answers 304 to its own validator from the second run on.
    items = feed(ITEM.format(title="Alert: Fortinet FortiOS SSL VPN", link=server.url("/news/fortinet"),
                             text="The NCSC is aware of a vulnerability affecting Fortinet products.")).encode()
    server.route("/ncsc/news.xml", lambda r: Reply(status=304, headers={"ETag": '"f1"'})
                 if r.headers.get("If-None-Match") == '"f1"' else Reply(body=items, headers={"ETag": '"f1"'}))
    server.route("/news/fortinet", Reply(status=503),
                 Reply(body=ARTICLE.format(title="Fortinet", body=FORTINET_PAGE).encode()))
    config = load_config(config_path)
    policy = FetchPolicy(retries=0)
    start = datetime(2026, 12, 6, 9, tzinfo=UTC)
    with Store.open(config.state) as store:
        first = Pipeline(config, store, policy=policy, clock=lambda: start).run(force=True)
        assert any("/news/fortinet" in line for line in first.lookups_failed) and not smtp.handler.messages
        later = start + timedelta(hours=1)
        second = Pipeline(config, store, policy=policy, clock=lambda: later).run(force=True)
    assert "ncsc-news" in second.feeds_not_modified and len(server.hits("/news/fortinet")) == 2
    assert "7.2.6" in text(smtp.handler.messages[0].parsed())


def test_a_round_up_naming_two_products_cves_alerts_each_on_its_own_record(
    world: tuple[Path, LocalServer, CveApi, SmtpServer],
) -> None:
    """A weekly round-up names a Chrome CVE (which a curated rule covers) and a FortiOS CVE:
    each product is judged by its own source, each section says whose versions they are."""
    config, server, _, smtp = world
    (config.parent / "rules" / "chrome.toml").write_text(CHROME_RULE)
    roundup = ITEM.format(title="Weekly threat report", link=server.url("/report/wtr"),
                          text="This week: CVE-2023-7024 in Chrome and CVE-2024-21762 in FortiOS.")
    server.route("/ncsc/news.xml", Reply(body=feed(roundup).encode()))
    server.route("/report/wtr", Reply(status=404))
    assert run(config) == 0
    body = text(sent_to(smtp)["behind"])
    assert body.count("Weekly threat report") == 2 and "7.2.6" in body and "119.0.6045.199" in body
    assert "Affected versions from the LGA team's curated rule" in body
    assert "Affected versions from Fortinet's CVE record" in body
