"""The state file misbehaving, as an operator meets it: empty, damaged, full, read-only.

Real parts throughout: the demo configuration run through the CLI, a real SQLite file, a real
SMTP server counting what it received. The full disk is SQLite's own: `PRAGMA max_page_count`
makes it report "database or disk is full" without filling a real disk.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from smtpserver import SmtpServer
from test_pipeline import demo, run, use_smtp  # noqa: F401  (demo is a fixture)

from advisories.cli import main
from advisories.config import load_config
from advisories.pipeline import Pipeline
from advisories.report import summary_lines
from advisories.store import Store


def state_of(folder: Path) -> Path:
    return folder / "data" / "state.sqlite3"


def test_an_empty_state_file_is_refused_and_nobody_is_alerted_again(
    demo: Path, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    config = demo / "feeds.toml"
    with SmtpServer() as server:
        use_smtp(config, server.port)
        assert run(config) == 0
        assert len(server.handler.messages) == 2
        state_of(demo).write_bytes(b"")  # a crash, or a restore that wrote nothing
        capsys.readouterr()
        assert run(config) == 1
        assert len(server.handler.messages) == 2  # not every alert again
    err = capsys.readouterr().err
    assert "the file is empty (0 bytes)" in err and "Traceback" not in err
    assert "restore the last good copy" in err and "every council is then sent every alert" in err
    assert state_of(demo).stat().st_size == 0  # left as found, for the operator to look at


def _table_root_page(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0])


def test_a_damaged_state_file_is_refused(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    config = demo / "feeds.toml"
    assert run(config) == 0
    path = state_of(demo)
    page = _table_root_page(path, "alerted")
    data = bytearray(path.read_bytes())
    start = (page - 1) * 4096 + 8  # inside the page: its cell pointers, what a torn write leaves
    data[start:start + 200] = b"\x5a" * 200
    path.write_bytes(bytes(data))
    capsys.readouterr()
    assert run(config) == 1
    err = capsys.readouterr().err
    assert "damaged (SQLite quick_check:" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 2  # the problem, and what to do
    assert main(["outbox", "--config", str(config)]) == 1  # the read-only commands refuse it too


def test_a_full_disk_is_one_line_and_what_was_queued_still_goes(demo: Path) -> None:  # noqa: F811
    config_file = demo / "feeds.toml"
    with SmtpServer() as down:
        port = down.port
    use_smtp(config_file, port)  # nobody listens: the two alerts stay queued
    assert run(config_file) == 1
    rule = demo.parent / "rules" / "zz-big.toml"
    with SmtpServer() as server:
        config_file.write_text(config_file.read_text().replace(f"port = {port}", f"port = {server.port}"))
        config = load_config(config_file)
        with Store.open(config.state) as store:
            pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
            store.conn.execute(f"PRAGMA max_page_count = {pages}")  # full: no page may be added
            rule.write_text(BIG_RULE)  # a new rule that needs pages of its own (3,000 versions)
            summary = Pipeline(config, store).run(force=True)
            assert store.advisory("big") is None  # nothing half-written
        assert len(server.handler.messages) == 2  # what earlier runs queued went out
    (line,) = summary.state_errors
    assert "the disk is full" in line and "free space on the state volume" in line
    assert not summary.ok and summary.emails_sent == 2
    text = "\n".join(summary_lines(summary, 1.0, smtp=True, outbox=config.outbox))
    assert "state not written:" in text and "Traceback" not in text
    assert run(config_file) == 0  # the disk has room again (a new connection): all is well


BIG_RULE = f"""id = "big"
title = "A rule too big for the disk"
published = 2024-05-01
severity = "high"
summary = "Padding."
action = "Upgrade."

[[affects]]
vendor = "Acme"
product = "Acme Widget"
versions = [{", ".join(f'"1.{n}"' for n in range(3000))}]
"""


def test_outbox_lists_what_waits_without_credentials_and_without_writing(
    demo: Path, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    config = demo / "feeds.toml"
    with SmtpServer() as server:
        use_smtp(config, server.port)
        server.handler.refuse("@barsetshire.example.gov.uk")
        assert run(config) == 1
    config.write_text(config.read_text().replace('security = "none"', 'security = "starttls"\n'
                                                 'username_env = "NOT_SET_U"\npassword_env = "NOT_SET_P"'))
    before = hashlib.sha256(state_of(demo).read_bytes()).hexdigest()
    capsys.readouterr()
    assert main(["outbox", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "queued 0, sent 1, failed 1, held 0"
    (line,) = [x for x in out.splitlines() if x.startswith("  - ")]
    assert line.startswith("  - barsetshire (it-security@barsetshire.example.gov.uk): failed for ")
    assert "1 attempt(s): refused by" in line and "550" in line
    assert hashlib.sha256(state_of(demo).read_bytes()).hexdigest() == before

    key = line.rsplit("[", 1)[1].rstrip("]")
    assert main(["outbox", "--dismiss", key, "--config", str(config)]) == 0
    assert main(["outbox", "--config", str(config)]) == 0  # nothing waits on the operator now


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to a read-only folder")
def test_outbox_works_on_a_read_only_state_folder(demo: Path) -> None:  # noqa: F811
    config = demo / "feeds.toml"
    assert run(config) == 0
    folder = state_of(demo).parent
    (folder / "state.sqlite3.lock").unlink()
    folder.chmod(0o555)
    try:
        assert main(["outbox", "--config", str(config)]) == 0
    finally:
        folder.chmod(0o755)


def test_backup_is_a_consistent_copy_that_a_run_accepts(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    config = demo / "feeds.toml"
    assert run(config) == 0
    copy = demo / "backups" / "state-copy.sqlite3"
    assert main(["backup", str(copy), "--config", str(config)]) == 0
    assert not copy.with_name(copy.name + ".part").exists()
    state_of(demo).write_bytes(b"")  # lost
    copy.replace(state_of(demo))  # restored
    capsys.readouterr()
    assert run(config) == 0
    assert "emails      queued 0" in capsys.readouterr().out  # nothing re-sent after the restore


def test_a_new_state_file_appears_whole_even_when_jobs_open_it_at_once(tmp_path: Path) -> None:
    # `serve` starts its delivery job and its first poll together: both find no state file.
    # SQLite's connect leaves an empty file until the first write; the other job must never
    # see that and refuse the state as lost.
    import threading

    path = tmp_path / "data" / "state.sqlite3"
    errors: list[Exception] = []
    start = threading.Barrier(8)

    def open_it() -> None:
        start.wait()
        try:
            Store.open(path).close()
        except Exception as exc:  # collected, and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # No half-made file left behind. SQLite's own -wal and -shm may outlive connections that
    # close at the same moment (the last to close cannot always take the lock to remove them).
    left = {p.name for p in path.parent.iterdir()} - {"state.sqlite3-wal", "state.sqlite3-shm"}
    assert left == {"state.sqlite3"}
