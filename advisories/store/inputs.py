"""What each council was last matched on (tables `run_inputs`, `council_inputs` and
`advisory_inputs`, migration 0009): read and written by advisories/inputs.py.

Free functions over a Store, as acks.py: the Store class does not grow for them.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from advisories.store import Store, _ts

# A council's share of a publisher clash: (product, vendor) as its row names them, the
# advisory, the statement's maker, and how many of the council's rows.
Clash = tuple[str, str, str, str, int]


@dataclass(frozen=True, slots=True)
class CouncilMark:
    """One council as last matched: its own inputs' digest, the shared inputs' digest it was
    matched (or found unaffected) under, what it runs and what matched it, and its counts."""

    council_id: str
    inputs: str
    shared: str
    keys: frozenset[str]
    matched: frozenset[str]
    affected: int
    unknown: int
    problems: tuple[str, ...]
    clashes: tuple[Clash, ...] = ()
    rest: str = ""  # the digest of its own inputs but its inventory file: see inputs.plan


@dataclass(frozen=True, slots=True)
class AdvisoryInput:
    """One advisory as last matched: its digest, the product keys its statements may have, and
    the stored advisories it was merged from (inputs.scoped reads them back by key)."""

    digest: str
    keys: frozenset[str]
    members: tuple[str, ...]


def _pack(values: Iterable[str]) -> bytes:
    return zlib.compress("\n".join(sorted(values)).encode(), 1)


def _unpack(blob: bytes) -> frozenset[str]:
    text = zlib.decompress(blob).decode()
    return frozenset(text.split("\n")) if text else frozenset()


def run_value(store: Store, name: str) -> str | None:
    row = store.conn.execute("SELECT value FROM run_inputs WHERE name = ?", (name,)).fetchone()
    return str(row[0]) if row else None


def set_run_values(store: Store, values: Mapping[str, str]) -> None:
    with store.transaction():
        store.conn.executemany("INSERT OR REPLACE INTO run_inputs (name, value) VALUES (?, ?)",
                               values.items())


def council_marks(store: Store) -> dict[str, CouncilMark]:
    rows = store.conn.execute(
        "SELECT council_id, inputs, shared, keys, matched, affected, unknown, problems, clashes, rest"
        " FROM council_inputs")
    return {r[0]: CouncilMark(r[0], r[1], r[2], _unpack(r[3]), _unpack(r[4]), r[5], r[6],
                              tuple(json.loads(r[7])), tuple(tuple(c) for c in json.loads(r[8])), r[9])
            for r in rows}


def record_council(store: Store, mark: CouncilMark, *, at: datetime) -> None:
    with store.transaction():
        store.conn.execute(
            "INSERT OR REPLACE INTO council_inputs (council_id, inputs, shared, keys, matched, affected, unknown,"
            " problems, clashes, checked_at, rest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (mark.council_id, mark.inputs, mark.shared, _pack(mark.keys), _pack(mark.matched),
             mark.affected, mark.unknown, json.dumps(list(mark.problems)), json.dumps(list(mark.clashes)), _ts(at),
             mark.rest))


def forget_council(store: Store, council_id: str) -> None:
    """A council whose inventory could not be read this run: matched in full next time."""
    with store.transaction():
        store.conn.execute("DELETE FROM council_inputs WHERE council_id = ?", (council_id,))


def record_unchanged(store: Store, council_ids: Collection[str], shared: str, *, at: datetime) -> None:
    """The councils found unchanged this run: now current under `shared`, seen at `at`.

    One row per council, not one per exposure: an exposure's `last_seen_at` is the last run that
    matched it, and its council's `checked_at` the last run that found the same inventory (at
    sector scale, every open exposure of 400 skipped councils is 100,000 rows written a run)."""
    if not council_ids:
        return
    stamp = _ts(at)
    with store.transaction():
        store.conn.executemany("UPDATE council_inputs SET shared = ?, checked_at = ? WHERE council_id = ?",
                               [(shared, stamp, c) for c in council_ids])


def advisory_digests(store: Store) -> dict[str, str]:
    return dict(store.conn.execute("SELECT id, digest FROM advisory_inputs"))


def advisory_index(store: Store) -> dict[str, AdvisoryInput]:
    """Every advisory as last matched, in the order they were matched in."""
    rows = store.conn.execute("SELECT id, digest, keys, members FROM advisory_inputs ORDER BY position")
    return {r[0]: AdvisoryInput(r[1], frozenset(r[2].split("\n")) if r[2] else frozenset(), tuple(r[3].split("\n")))
            for r in rows}


def replace_advisory_inputs(store: Store, inputs: Mapping[str, AdvisoryInput]) -> None:
    """The advisories as matched this run, in their order (no key or member holds a newline:
    they are product keys and stored ids, which inputs.settle checks)."""
    with store.transaction():
        store.conn.execute("DELETE FROM advisory_inputs")
        store.conn.executemany(
            "INSERT INTO advisory_inputs (id, digest, keys, members, position) VALUES (?, ?, ?, ?, ?)",
            [(i, a.digest, "\n".join(sorted(a.keys)), "\n".join(a.members), n)
             for n, (i, a) in enumerate(inputs.items())])
