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
