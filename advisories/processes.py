"""The councils of a sector run spread over the machine's cores, one forked process per core.

Why fork: each worker needs the run's merged advisories and compiled matcher, hundreds of MB at
sector scale. Forked, it shares the parent's pages instead of unpickling a copy; only the
councils to do go in and each chunk's small summary comes back. Each worker writes its own
councils' alerts through a connection of its own (SQLite serialises the writers), so what a
worker finished is committed even if another one fails.

Fork is used only when this process has one thread: a forked child has only the forking thread,
and a lock another thread held at that moment (a logger's, SQLite's) would never be released.
`serve` runs its jobs beside other threads, so it reads councils in one process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many councils per process a worker costs more (fork, its own estate and buckets)
# than it saves: the demo's three councils stay in one process.
MIN_COUNCILS_PER_PROCESS = 20

# Chunks per process: small enough that a process that finishes early takes another,
# large enough that each chunk's estate still matches a row shared by its councils once.
_CHUNKS_PER_PROCESS = 2

_job: Callable[[Any], Any] | None = None  # set in the parent just before the workers fork


def process_count(councils: int) -> int:
    """How many processes to read `councils` councils in: 1 (this one) unless it pays."""
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(cores(), councils // MIN_COUNCILS_PER_PROCESS))


def cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def chunks(items: Sequence[T], processes: int) -> list[Sequence[T]]:
    """`items` in order, cut into about `_CHUNKS_PER_PROCESS` pieces per process."""
    size = max(1, -(-len(items) // (processes * _CHUNKS_PER_PROCESS)))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _run(chunk: Any) -> Any:
    assert _job is not None, "a worker forked without its job"
    return _job(chunk)


def in_processes(job: Callable[[Sequence[T]], R], pieces: list[Sequence[T]],
                 processes: int) -> list[tuple[Sequence[T], R | Exception]]:
    """`job(piece)` for each piece in `processes` forked workers; each piece with its result,
    or with what it raised (a worker killed by the kernel raises BrokenProcessPool for every
    piece it had not returned). In the order given, whatever order they finish in."""
    global _job
    _job = job
    for stream in (sys.stdout, sys.stderr):  # else a worker could write the parent's buffered text again
        stream.flush()
    try:
        with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(_run, piece) for piece in pieces]
            done: list[tuple[Sequence[T], R | Exception]] = []
            for piece, future in zip(pieces, futures, strict=True):
                try:
                    done.append((piece, future.result()))
                except Exception as exc:  # handed back with its piece: the caller decides
                    done.append((piece, exc))
            return done
    finally:
        _job = None
