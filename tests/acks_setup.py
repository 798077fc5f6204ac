"""Shared by the acknowledgement tests: the demo with [web] (and [smtp] when given a port), the
answer endpoint on 127.0.0.1 in a thread with an injectable clock, links read from emails."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from advisories.acks.server import make_server, start_in_thread
from advisories.cli import main
from advisories.config import load_config

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = "https://advisories.example.gov.uk/acks"
KEY_ENV, OLD_KEY_ENV = "ADVISORIES_TEST_WEB_KEY", "ADVISORIES_TEST_WEB_KEY_OLD"
KEY, OLD_KEY = "k" * 48, "o" * 48
WEB = f"""
[web]
base_url = "{BASE_URL}"
key_env = "{KEY_ENV}"
max_accept = "90d"
"""


def make_demo(tmp_path: Path, *, smtp_port: int | None = None, web: bool = True) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(ROOT / "examples" / "demo", folder, ignore=shutil.ignore_patterns("data"))
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    config = folder / "feeds.toml"
    text = config.read_text().replace('rules = "../../rules"', 'rules = "../rules"')
    if smtp_port is not None:
        text += f'\n[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
        text += 'from = "Council Cyber Alerts <alerts@demo.example.gov.uk>"\n'
    config.write_text(text + (WEB if web else ""))
    return config


def run(config: Path, *extra: str) -> int:
    return main(["run", "--once", "--config", str(config), *extra])


class Clock:
    """The endpoint's clock: real time, moved on by `ahead` (no real waiting)."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


@contextmanager
def endpoint(config: Path, clock: Clock | None = None) -> Iterator[str]:
    """The real endpoint on 127.0.0.1 (a free port); yields its base address."""
    log: list[str] = []
    server = make_server(load_config(config), "127.0.0.1:0", log=log.append, clock=clock or Clock())
    thread = start_in_thread(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert not any("/ack/" in line and "/ack/…" not in line for line in log), "a token reached the log"


def answer_links(message: EmailMessage) -> dict[str, list[str]]:
    """label -> every answer link of that kind in the plain-text part, in order."""
    part = message.get_body(("plain",))
    assert part is not None
    text = part.get_content().replace("\r\n", "\n")
    found: dict[str, list[str]] = {}
    for label, url in re.findall(r"^ {4}(.+?): (https://\S+/ack/\S+)$", text, re.M):
        found.setdefault(label, []).append(url)
    return found


def local(url: str, base: str) -> str:
    """The link as the reverse proxy would forward it: the same path, on the endpoint."""
    assert url.startswith(BASE_URL + "/ack/"), url
    return base + url[len(BASE_URL):]


def answers(config: Path) -> list[tuple]:
    with sqlite3.connect(config.parent / "data" / "state.sqlite3") as conn:
        return conn.execute("SELECT council_id, key, kind, reason, until, sent_to, reopened_at FROM acks"
                            " ORDER BY id").fetchall()
