"""The operator hears about trouble: once when it starts, once when it clears, never every run;
`advisories status` says when each feed and stage last worked.

Real parts: the demo configuration, a feed on a real local HTTP server that breaks and recovers,
a real SQLite state, the operator's notices as real .eml files. Only the clock is injected.
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from httpserver import LocalServer, Reply
from test_pipeline import demo  # noqa: F401  (a fixture)

from advisories.cli import main
from advisories.config import load_config
from advisories.health import status_lines
from advisories.pipeline import Pipeline
from advisories.sources.fetch import FetchPolicy
from advisories.store import Store

RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://x.example/</link>'
       b'<description>d</description></channel></rss>')
NO_RETRY = FetchPolicy(retries=0, timeout_s=5, total_s=5)


def operator_mail(folder: Path) -> list[EmailMessage]:
    found = []
    for path in sorted((folder / "data" / "outbox").glob("*.eml")):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if parsed["To"] == "ops@demo.example.gov.uk":
            found.append(parsed)
    return found  # type: ignore[return-value]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


@pytest.fixture
def watched(demo: Path) -> Path:  # noqa: F811
    config = demo / "feeds.toml"
    config.write_text(config.read_text() + """
[operator]
recipients = ["ops@demo.example.gov.uk"]
silent_after = "1d"
""")
    return demo


def run_at(config_file: Path, at: datetime, server: LocalServer) -> None:
    text = config_file.read_text()
    if "broken-vendor" not in text:
        config_file.write_text(text.replace("[operator]", f"""[[feeds]]
name = "broken-vendor"
kind = "rss"
url = "{server.url('/feed.xml')}"
every = "1h"

[operator]"""))
    config = load_config(config_file)
    with Store.open(config.state) as store:
        Pipeline(config, store, policy=NO_RETRY, clock=lambda: at).run(force=True)


def test_a_feed_down_for_a_day_is_told_once_and_its_recovery_once(watched: Path) -> None:
    config_file = watched / "feeds.toml"
    start = datetime.now(UTC) - timedelta(days=2)
    with LocalServer() as server:
        server.route("/feed.xml", Reply(status=500))
        run_at(config_file, start, server)
        assert operator_mail(watched) == []  # one failure is not yet a silent feed
        run_at(config_file, start + timedelta(hours=20), server)
        assert operator_mail(watched) == []

        late = start + timedelta(days=1, hours=2)  # past silent_after plus the feed's own `every`
        run_at(config_file, late, server)
        (notice,) = operator_mail(watched)
        assert notice["Subject"] == "advisories: 1 problem needs you"
        assert notice["Auto-Submitted"] == "auto-generated"
        body = text_of(notice)
        assert "feed broken-vendor: has never worked" in body and "500" in body
        config = load_config(config_file)
        with Store.open(config.state) as store:
            lines, healthy = status_lines(config, store, late)
        assert not healthy and any(line.startswith("STALE feed broken-vendor") for line in lines)

        for hours in (3, 4, 5):  # still down: nothing more to say
            run_at(config_file, start + timedelta(days=1, hours=hours), server)
        assert len(operator_mail(watched)) == 1

        server.route("/feed.xml", Reply(body=RSS))
        run_at(config_file, start + timedelta(days=1, hours=6), server)
        notices = operator_mail(watched)
        assert len(notices) == 2
        cleared = next(n for n in notices if n["Subject"] != notice["Subject"])
        assert cleared["Subject"] == "advisories: 1 problem cleared"
        assert "feed broken-vendor" in text_of(cleared)
    assert main(["status", "--config", str(config_file)]) == 0  # all worked within the last day


def test_status_is_stale_when_nothing_has_run_for_a_day(
    demo: Path, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    config_file = demo / "feeds.toml"
    config = load_config(config_file)
    with Store.open(config.state) as store:
        Pipeline(config, store, clock=lambda: datetime.now(UTC) - timedelta(days=3)).run()
    capsys.readouterr()
    assert main(["status", "--config", str(config_file)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith("STALE stage ingest") and "(3d 0h ago)" in line for line in out)
    assert any(line.startswith("STALE stage deliver") for line in out)
    assert out[-1].startswith("ok    outbox")
