"""`advisories serve`: polls on its own, delivers, and stops cleanly on SIGTERM."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

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
    # Five feeds polled as five jobs on one worker: never two runs at once, so never two
    # alerts for the same exposure, however the jobs interleaved.
    assert len(list(outbox.glob("*.eml"))) == 2
    assert "Traceback" not in out
