"""One writer at a time per state file, across processes (cron `run` beside `serve`, or an
operator's `outbox --retry` during a run): without it, two processes could send the same
queued message."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from advisories.errors import AdvisoriesError

WAIT_S = 900.0  # a sector run takes about a minute; a quarter of an hour means something is stuck


@contextmanager
def exclusive(state: Path, wait_s: float = WAIT_S, *, kind: str = "") -> Iterator[None]:
    """`kind="deliver"`: the lock for sending only, so that `serve` delivers while a slow feed
    holds the state lock; a run takes the state lock first, then this one, never the reverse."""
    lock = state.with_name(state.name + (f".{kind}" if kind else "") + ".lock")
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        handle = lock.open("a")
    except OSError as exc:
        raise AdvisoriesError(
            f"state {state}: its folder cannot be created or written ({exc.strerror or exc})",
            "set [settings] state to a writable path (in a container: a mounted volume)",
        ) from None
    with handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise AdvisoriesError(
                        f"{state}: another advisories process has been using it for {wait_s:.0f}s",
                        "wait for it to finish, or stop the other process (cron and serve together?)",
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
