"""Delivery under faults: does any alert get lost, or sent more than twice?

    python benchmarks/faults.py

Each fault runs the offline demo (two alerts: one council with one recipient, one with two)
through `advisories run --once` against a real local SMTP server (aiosmtpd) and, where the fault
is in fetching, a real local HTTP server; SIGKILL faults kill a real `advisories` process at the
named moment. After the fault the service is run again until it settles. Then every message the
outbox knows is checked recipient by recipient at the SMTP server:

- lost: a recipient who never received it, while the outbox does not say so (not failed, not
  held, not refused): nobody would know it is missing;
- duplicates: the most copies any recipient received of one message, minus one.

The last line is: faults: scenarios=<n> lost=<total> max_duplicates=<n>
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the real local servers the tests use

from certificates import write_server_certificate  # noqa: E402
from httpserver import LocalServer, Reply  # noqa: E402
from smtpserver import SmtpServer  # noqa: E402

from advisories.cli import main  # noqa: E402
from advisories.config import load_config  # noqa: E402
from advisories.pipeline import Pipeline  # noqa: E402
from advisories.store import Store  # noqa: E402

WESSEX = "servicedesk@wessex.example.gov.uk"


@dataclass
class World:
    """One scenario: a copy of the demo in a temp folder, delivering to `server`."""

    folder: Path
    server: SmtpServer
    codes: list[int] = field(default_factory=list)
    output: list[str] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.folder / "feeds.toml"

    @property
    def state(self) -> Path:
        return self.folder / "data" / "state.sqlite3"

    def smtp(self, port: int | None = None, extra: str = "") -> None:
        text = self.config.read_text().split("\n[smtp]")[0]
        self.config.write_text(text + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port or self.server.port}\n'
                               f'security = "none"\nfrom = "Alerts <alerts@demo.example.gov.uk>"\n{extra}')

    def run(self) -> int:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["run", "--once", "--config", str(self.config)])
        self.codes.append(code)
        self.output.append(out.getvalue() + err.getvalue())
        return code

    def process(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "advisories", "run", "--once", "--config", str(self.config)],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def kill_when(self, proc: subprocess.Popen[bytes], ready: Callable[[], bool], limit_s: float = 30) -> None:
        deadline = time.monotonic() + limit_s
        while not ready() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        if proc.poll() is not None or not ready():
            raise SystemExit("faults: the process was not at the moment to kill it; the scenario is wrong")
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.codes.append(-9)

    def queued(self) -> int:
        if not self.state.exists():
            return 0
        with contextlib.suppress(sqlite3.Error), sqlite3.connect(f"file:{self.state}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])
        return 0


@dataclass(frozen=True)
class Outcome:
    fault: str
    codes: list[int]
    survived: bool
    lost: int
    duplicates: int


def outcome(fault: str, world: World) -> Outcome:
    copies: Counter[tuple[str, str]] = Counter()
    for received in world.server.handler.messages:
        mid = str(received.parsed()["Message-ID"])
        for rcpt in received.rcpt_tos:
            copies[(mid, rcpt.lower())] += 1
    lost = 0
    with sqlite3.connect(world.state) as db:
        rows = db.execute("SELECT message_id, recipients, state, refused_to FROM outbox WHERE channel = 'email'")
        for message_id, recipients, state, refused in rows:
            for rcpt in json.loads(recipients):
                told = state in ("failed", "held", "dismissed") or rcpt in json.loads(refused)
                lost += not copies[(message_id, rcpt.lower())] and not told
    crashed = any("Traceback" in text for text in world.output)
    survived = not crashed and all(code in (0, 1, -9) for code in world.codes)
    return Outcome(fault, world.codes, survived, lost, max(copies.values(), default=1) - 1)


@contextlib.contextmanager
def world(**server: object) -> Iterator[World]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "demo"
        shutil.copytree(ROOT / "examples" / "demo", folder, ignore=shutil.ignore_patterns("data"))
        config = folder / "feeds.toml"
        config.write_text(config.read_text().replace('rules = "../../rules"', f'rules = "{ROOT / "rules"}"'))
        with SmtpServer(**server) as smtp:  # type: ignore[arg-type]
            w = World(folder, smtp)
            w.smtp()
            yield w


def relay_down(w: World) -> None:
    with SmtpServer() as gone:
        port = gone.port
    w.smtp(port)
    w.run()
    w.smtp()
    w.run()


def reply_421(w: World) -> None:
    w.server.handler.fail_next(1, "421 4.3.2 Service shutting down")
    w.run(), w.run()


def recipient_451(w: World) -> None:
    w.server.handler.refuse(WESSEX, "451 4.3.0 Mailbox busy")
    w.run()
    w.server.handler.accept(WESSEX)
    w.run(), w.run()


def recipient_550(w: World) -> None:
    w.server.handler.refuse(WESSEX, "550 5.1.1 No such user")
    w.run(), w.run()


def drop_after_data(w: World) -> None:
    w.server.handler.drop_next(1)
    w.run(), w.run(), w.run()


def late_final_reply(w: World) -> None:
    w.smtp(extra="data_timeout = 0.3\n")
    w.server.handler.reply_late(20, 0.8)  # every copy kept, every "250" too late, whatever happens
    for _ in range(4):
        w.run()


def kill_at_fetch(w: World) -> None:
    with LocalServer() as http:
        http.route("/slow.xml", Reply(body=b"<rss version='2.0'><channel></channel></rss>", delay_s=20))
        text = w.config.read_text()
        w.config.write_text(text.replace("[digest]", f'[[feeds]]\nname = "slow"\nkind = "rss"\n'
                                         f'url = "{http.url("/slow.xml")}"\nevery = "1h"\n\n[digest]'))
        w.kill_when(w.process(), lambda: bool(http.hits("/slow.xml")))
        w.config.write_text(text)
    w.run(), w.run()


def kill_after_queue(w: World) -> None:
    w.server.handler.latency_s = 3.0  # the relay is slow to greet: the kill lands before sending
    w.kill_when(w.process(), lambda: w.queued() == 2)
    w.server.handler.latency_s = 0.0
    w.run(), w.run()


def kill_mid_delivery(w: World) -> None:
    w.server.handler.reply_late(2, 10.0)  # the relay has the messages; their "250"s are pending
    w.kill_when(w.process(), lambda: len(w.server.handler.messages) == 2)
    w.run(), w.run()


def two_at_once(w: World) -> None:
    first, second = w.process(), w.process()
    w.codes += [first.wait(), second.wait()]
    w.run()


def disk_full(w: World) -> None:
    with SmtpServer() as gone:
        port = gone.port
    w.smtp(port)
    w.run()  # two alerts queued, the relay down
    w.smtp()
    rule = ROOT / "rules"
    extra = w.folder / "rules"
    shutil.copytree(rule, extra)
    w.config.write_text(w.config.read_text().replace(f'rules = "{rule}"', 'rules = "rules"'))
    (extra / "zz-big.toml").write_text(
        'id = "big"\ntitle = "Big"\npublished = 2024-05-01\nseverity = "high"\nsummary = "Pad."\n'
        'action = "Upgrade."\n\n[[affects]]\nvendor = "Acme"\nproduct = "Acme Widget"\n'
        f'versions = [{", ".join(f"{chr(34)}1.{n}{chr(34)}" for n in range(3000))}]\n')  # needs new pages
    config = load_config(w.config)
    with Store.open(config.state) as store:
        store.conn.execute(f"PRAGMA max_page_count = {store.conn.execute('PRAGMA page_count').fetchone()[0]}")
        summary = Pipeline(config, store).run(force=True)
    w.codes.append(0 if summary.ok else 1)
    w.output.append("\n".join(summary.state_errors))
    w.run()


def empty_state(w: World) -> None:
    w.run()
    with contextlib.redirect_stdout(io.StringIO()):
        main(["backup", str(w.folder / "backup.sqlite3"), "--config", str(w.config)])
    w.state.write_bytes(b"")  # a crash or a restore that wrote nothing: refused, nobody re-alerted
    w.run(), w.run()
    (w.folder / "backup.sqlite3").replace(w.state)  # what the README says to do
    w.run()


def damaged_state(w: World) -> None:
    w.run()
    with contextlib.redirect_stdout(io.StringIO()):
        main(["backup", str(w.folder / "backup.sqlite3"), "--config", str(w.config)])
    with sqlite3.connect(w.state) as db:
        page = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'alerted'").fetchone()[0]
    data = bytearray(w.state.read_bytes())
    data[(page - 1) * 4096 + 8:(page - 1) * 4096 + 208] = b"\x5a" * 200
    w.state.write_bytes(bytes(data))
    w.run(), w.run()
    (w.folder / "backup.sqlite3").replace(w.state)
    w.run()


SCENARIOS: list[tuple[str, Callable[[World], None]]] = [
    ("relay refuses connections, then back", relay_down),
    ("421 at DATA", reply_421),
    ("451 for one recipient, then accepted", recipient_451),
    ("550 for one recipient", recipient_550),
    ("connection dropped after DATA", drop_after_data),
    ("final reply after data_timeout, every time", late_final_reply),
    ("SIGKILL while fetching a feed", kill_at_fetch),
    ("SIGKILL after queueing, before sending", kill_after_queue),
    ("SIGKILL mid-delivery (reply pending)", kill_mid_delivery),
    ("two processes at once", two_at_once),
    ("disk full (max_page_count), queued mail", disk_full),
    ("empty state file", empty_state),
    ("damaged state file (quick_check)", damaged_state),
]


def login_scenario() -> Outcome:
    with tempfile.TemporaryDirectory() as certs:
        cert, key = write_server_certificate(Path(certs))
        with world(tls=(cert, key), auth=("mailer", "right")) as w:
            w.smtp(extra=f'security = "starttls"\nusername_env = "FAULTS_U"\npassword_env = "FAULTS_P"\n'
                         f'ca_file = "{cert}"\n')
            w.config.write_text(w.config.read_text().replace('security = "none"\n', ""))
            os.environ.update(FAULTS_U="mailer", FAULTS_P="wrong")
            w.run(), w.run()
            os.environ["FAULTS_P"] = "right"
            w.run(), w.run()
            return outcome("535 (wrong password), then fixed", w)


def main_() -> int:
    results = []
    for name, scenario in SCENARIOS:
        with world() as w:
            scenario(w)
            results.append(outcome(name, w))
        print(f"  ... {name}", file=sys.stderr)
    results.insert(5, login_scenario())
    width = max(len(r.fault) for r in results)
    print(f"{'fault':<{width}}  {'exit codes':<16} survived  lost  duplicates")
    for r in results:
        codes = ",".join(map(str, r.codes))
        print(f"{r.fault:<{width}}  {codes:<16} {'yes' if r.survived else 'NO':<9} {r.lost:<5} {r.duplicates}")
    print(f"faults: scenarios={len(results)} lost={sum(r.lost for r in results)} "
          f"max_duplicates={max(r.duplicates for r in results)} "
          f"survived={sum(r.survived for r in results)}/{len(results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main_())
