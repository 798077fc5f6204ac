"""`advisories serve`: polls on its own, delivers, and stops cleanly on SIGTERM."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from advisories.config import load_config
from advisories.scheduler import build_scheduler

ROOT = Path(__file__).resolve().parent.parent


def test_serve_polls_alerts_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(ROOT / "examples" / "demo", demo, ignore=shutil.ignore_patterns("data"))
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    config = demo / "feeds.toml"
    config.write_text(config.read_text().replace('rules = "../../rules"', 'rules = "../rules"'))
    proc = subprocess.Popen([sys.executable, "-m", "advisories", "serve", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        outbox = demo / "data" / "outbox"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(list(outbox.glob("*.eml"))) < 2:
            time.sleep(0.2)
        assert len(list(outbox.glob("*.eml"))) == 2
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, out
    assert "advisories serving" in out and "advisories stopped" in out
    # A container's log: every line stamped, each poll naming its feed.
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ", line) for line in out.splitlines())
    assert re.search(r"Z feeds ncsc-3cx-week \(\d+ entries\)", out)
    # Five feeds polled as five jobs on one worker: never two runs at once, so never two
    # alerts for the same exposure, however the jobs interleaved.
    assert len(list(outbox.glob("*.eml"))) == 2
    assert "Traceback" not in out


def _demo(tmp_path: Path) -> Path:
    demo = tmp_path / "demo"
    shutil.copytree(ROOT / "examples" / "demo", demo, ignore=shutil.ignore_patterns("data"))
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    config = demo / "feeds.toml"
    config.write_text(config.read_text().replace('rules = "../../rules"', 'rules = "../rules"'))
    return config


def test_jobs_waiting_behind_the_current_one_do_nothing_once_a_stop_is_asked(tmp_path: Path) -> None:
    # SIGTERM must stop after the job in progress, not after every job queued behind it:
    # Docker kills the container 10 s after asking.
    config = load_config(_demo(tmp_path), environ={})
    reports: list[object] = []
    stop = threading.Event()
    scheduler = build_scheduler(config, lambda *args: reports.append(args), stop)
    stop.set()
    for job in scheduler.get_jobs():
        job.func()
    assert reports == [] and not config.state.exists()


def test_a_failing_job_is_one_timestamped_line_and_serve_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _demo(tmp_path)
    (path.parent / "not-a-folder").write_text("")
    path.write_text(path.read_text().replace('"data/state.sqlite3"', '"not-a-folder/state.sqlite3"'))
    config = load_config(path, environ={})
    scheduler = build_scheduler(config, lambda *args: None)
    scheduler.get_job("feed:ncsc-news").func()  # raises nothing: serve keeps its other jobs
    [line] = capsys.readouterr().out.splitlines()
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ poll ncsc-news failed: state ", line)
    assert line.endswith("it runs again at its next time")


def test_a_hung_feed_holds_up_neither_the_mail_nor_the_run_beyond_its_deadline(tmp_path: Path) -> None:
    from httpserver import LocalServer, Reply
    from smtpserver import SmtpServer

    from advisories.models import Message
    from advisories.store import Store, now

    path = _demo(tmp_path)
    with LocalServer() as http, SmtpServer() as smtp:
        http.route("/hung.xml", Reply(body=b"<rss/>", delay_s=30))  # answers long after any deadline
        path.write_text(path.read_text().replace("[[feeds]]", f"""[[feeds]]
name = "hung"
kind = "rss"
url = "{http.url('/hung.xml')}"
every = "1h"
deadline = "3s"

[[feeds]]""", 1) + f'\n[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n')
        config = load_config(path, environ={})
        left_over = Message(key="alert:barsetshire:earlier", council_id="barsetshire",
                            to=("it-security@barsetshire.example.gov.uk",), subject="Left from an earlier run",
                            text="t", html="<p>t</p>", message_id="<earlier@demo.example.gov.uk>")
        with Store.open(config.state) as store:
            store.queue(left_over, [], at=now())
        reports: list[tuple] = []
        scheduler = build_scheduler(config, lambda *args: reports.append(args))
        scheduler.start()
        try:
            started = time.monotonic()
            while not http.hits("/hung.xml") and time.monotonic() - started < 10:
                time.sleep(0.02)
            hit = time.monotonic()  # the hung feed's poll is under way, holding the state lock
            while not smtp.handler.messages and time.monotonic() - hit < 10:
                time.sleep(0.02)
            hung_done_when_mailed = any(r[0].feeds_failed for r in reports)
            while not any(r[0].feeds_failed for r in reports) and time.monotonic() - hit < 20:
                time.sleep(0.05)
            hung_s = time.monotonic() - hit
        finally:
            scheduler.shutdown(wait=True)
    assert smtp.handler.messages[0].parsed()["Subject"] == "Left from an earlier run"
    assert not hung_done_when_mailed  # the mail went while the hung feed's poll was still running
    (failed,) = [line for r in reports for line in r[0].feeds_failed]
    assert failed.startswith("hung: ") and "the feed's deadline passed" in failed and "raise `deadline`" in failed
    assert hung_s < 5  # its deadline, not the server's 30 s
