"""At sector scale a run reads its councils in one forked process per core. What a council is
told must not depend on that: these tests run the real command on the demo in worker processes
(the threshold lowered so its three councils are spread over two) beside a run in one process,
and kill a worker halfway to show that nothing is lost or sent twice.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from email import message_from_bytes
from pathlib import Path

import pytest
import test_pipeline

from advisories.cli import main

demo = test_pipeline.demo  # the fixture: a copy of the demo, with the shipped rules beside it

# The command as the CLI runs it, in a child process of its own (a fork needs a process with one
# thread; pytest's may have others), with every council spread over two workers. `die_in` names a
# council whose worker is killed, as the kernel's out-of-memory killer would.
_IN_WORKERS = """
import os, sys
from advisories import pipeline, processes
from advisories.cli import main
processes.MIN_COUNCILS_PER_PROCESS = 1
processes.cores = lambda: 2
die_in = sys.argv[2]
if die_in:
    work = pipeline.Pipeline._process_due
    def dying(self, due, *rest):
        if any(c.id == die_in for c in due):
            os._exit(9)
        return work(self, due, *rest)
    pipeline.Pipeline._process_due = dying
sys.exit(main(["run", "--once", "--config", sys.argv[1]]))
"""


def in_workers(demo: Path, die_in: str = "") -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-c", _IN_WORKERS, str(demo / "feeds.toml"), die_in],
                          capture_output=True, text=True, timeout=120, check=False)
    return done.returncode, done.stdout + done.stderr


def told(folder: Path) -> list[tuple[str, str, str]]:
    """Each queued email as its council sees it: recipient, subject, text body (without the
    run's own Date and Message-ID)."""
    found = []
    for path in sorted((folder / "data" / "outbox").glob("*.eml")):
        message = message_from_bytes(path.read_bytes())
        text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
        found.append((str(message["To"]), str(message["Subject"]), text.get_payload(decode=True).decode()))
    return sorted(found)


def summary_counts(out: str) -> list[str]:
    """The summary's count lines, which must not depend on how many processes did the work."""
    return [line for line in out.splitlines()
            if re.match(r"  (councils|matches|emails|advisories) ", line) and "read in" not in line]


def test_councils_read_in_worker_processes_are_told_exactly_what_one_process_tells_them(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alone = tmp_path / "alone"
    shutil.copytree(demo, alone)
    capsys.readouterr()
    main(["run", "--once", "--config", str(alone / "feeds.toml")])
    one_process = capsys.readouterr().out
    assert "read in" not in one_process  # three councils stay in one process

    code, out = in_workers(demo)
    assert code == 0, out
    assert "councils    read in 2 processes" in out
    assert told(demo) == told(alone)
    assert len(told(demo)) == 2  # the two 3CX councils, as the demo's README says
    assert summary_counts(out) == summary_counts(one_process)

    # What the workers recorded is the state's: the next run reads nothing again, sends nothing.
    code, again = in_workers(demo)
    assert code == 0, again
    assert "checked 3 (3 unchanged since the last run, not read again)" in again
    assert "queued 0" in again
    assert len(told(demo)) == 2


def test_a_worker_killed_halfway_loses_no_alert_and_sends_none_twice(demo: Path) -> None:
    code, out = in_workers(demo, die_in="wessex")
    assert code == 1, out  # not "all well": a council was not read
    # A dead worker breaks the pool: every council not yet back is named, and is read next run.
    assert re.search(r"wessex: not read: a worker process stopped before it finished .*read again at the "
                     r"next run", out), out
    first = told(demo)  # Barsetshire's, if its worker finished before the kill

    code, out = in_workers(demo)  # the worker survives this time
    assert code == 0, out
    assert "councils    checked 3, inventories failed 0" in out  # all three read: none was recorded
    after = told(demo)
    assert sorted(to for to, _, _ in after) == [
        "cyber@wessex.example.gov.uk, servicedesk@wessex.example.gov.uk",
        "it-security@barsetshire.example.gov.uk",
    ], out  # each 3CX council alerted once, whichever run told it
    assert set(first) <= set(after)


def test_a_process_with_other_threads_never_forks() -> None:
    # serve's jobs run beside its scheduler's threads: a fork would copy only the calling one,
    # and a lock another held would never be released in the child. (In a child process: this
    # one's thread count depends on the tests before.)
    script = """
import threading
from advisories import processes
processes.cores = lambda: 2
print(processes.process_count(1000))
stop = threading.Event()
other = threading.Thread(target=stop.wait)
other.start()
print(processes.process_count(1000))
stop.set()
other.join()
print(processes.process_count(processes.MIN_COUNCILS_PER_PROCESS * 2 - 1))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    alone, beside_a_thread, too_few = done.stdout.split()
    assert (alone, beside_a_thread, too_few) == ("2", "1", "1")
