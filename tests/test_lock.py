"""Two processes never work on one state file at once: the second waits, or says who to ask."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from advisories.errors import AdvisoriesError
from advisories.store.lock import exclusive


def test_a_second_process_waits_for_the_first_then_gives_a_clear_error(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from advisories.store.lock import exclusive\n"
        f"with exclusive(Path({str(state)!r})):\n    print('held', flush=True); time.sleep(3)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(AdvisoriesError, match="another advisories process"), exclusive(state, wait_s=0.5):
            pass
        assert time.monotonic() - started >= 0.5
        with exclusive(state, wait_s=10):  # released when the first finishes
            pass
    finally:
        holder.kill()
        holder.communicate()


def test_outbox_counts_answer_while_another_process_holds_the_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from advisories.cli import main
    from advisories.store import Store

    config = tmp_path / "feeds.toml"
    config.write_text('[settings]\nstate = "state.sqlite3"\nfrom = "a@b.example"\n')
    Store.open(tmp_path / "state.sqlite3").close()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from advisories.store.lock import exclusive\n"
        f"with exclusive(Path({str(tmp_path / 'state.sqlite3')!r})):\n    print('held', flush=True); time.sleep(30)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert main(["outbox", "--config", str(config)]) == 0  # serve mid-run: counts still answer
        assert capsys.readouterr().out.strip() == "queued 0, sent 0, failed 0, held 0"
    finally:
        holder.kill()
        holder.communicate()
