"""What a council's alert depends on, fingerprinted, so that a council whose inputs did not
change since the last run is not read, matched or diffed again.

A council's alert is a function of its own inputs (its entry in feeds.toml, its inventory
file, its answers to earlier alerts) and of inputs every council shares. Those are taken in
two parts, because they change at different rates:

* the frame: the program's own files, the product catalogue, the templates and the shared
  settings. Any change and every council is matched again.
* the data: the stored advisories (their content hashes), EPSS scores and CVE look-ups, and
  the clock where it decides (a KEV entry leaving its review window). A change here compares
  the advisories as matched one by one, and matches again only the councils that run a product
  a changed advisory names, or that a changed or vanished advisory matched last time.

Matching an unchanged council again would only give what the state already records (alerts are
told once per signature), so skipping it changes nothing but the time a run takes. A state file
restored from a backup never skips: every run leaves a token in the state and in a file beside
it (`<state>.run`), and when the two differ every council is matched again.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import advisories
from advisories.config import Config, CouncilConfig
from advisories.defaults import default_folder
from advisories.merge import KEV_REVIEW_WINDOW
from advisories.models import Advisory
from advisories.products import Catalogue
from advisories.store import Store
from advisories.store.inputs import (
    CouncilMark,
    advisory_digests,
    council_marks,
    record_unchanged,
    replace_advisory_digests,
    run_value,
    set_run_values,
)

_NEVER = "9999-12-31T00:00:00+00:00"
_PROGRAM = Path(advisories.__file__).parent


def _digest(parts: Iterable[object]) -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        h.update(part if isinstance(part, bytes) else repr(part).encode())
        h.update(b"\x1f")
    return h.hexdigest()


def _files(folder: Path | None, pattern: str, *, contents: bool) -> list[object]:
    """Each file's name and either its bytes or (size, mtime): a folder's state, cheaply."""
    if folder is None or not folder.is_dir():
        return [str(folder)]
    parts: list[object] = []
    for path in sorted(folder.rglob(pattern)):
        if path.is_file():
            stat = path.stat()
            parts.append(str(path.relative_to(folder)))
            parts.append(path.read_bytes() if contents else (stat.st_size, stat.st_mtime_ns))
    return parts


def frame_digest(config: Config, catalogue: Path) -> str:
    """The program, the catalogue, the templates and the settings every alert shares."""
    return _digest([
        advisories.__version__, *_files(_PROGRAM, "*.py", contents=False),
        catalogue.read_bytes() if catalogue.is_file() else str(catalogue),
        *_files(config.templates, "*", contents=True), *_files(default_folder("templates"), "*", contents=True),
        config.timezone, config.sender, config.web, str(config.rules),
    ])


def data_digest(store: Store) -> str:
    """The stored advisories, their scores and the CVE look-ups, from the state's own hashes."""
    conn = store.conn
    return _digest([
        conn.execute("SELECT id, content_hash FROM advisories ORDER BY id").fetchall(),
        conn.execute("SELECT * FROM epss ORDER BY 1").fetchall(),
        conn.execute("SELECT key FROM lookups ORDER BY key").fetchall(),
    ])


def file_digest(path: Path) -> tuple[object, ...]:
    """An inventory file by its size, modification time and bytes; ("missing",) if unreadable.

    The modification time is part of it because an answer of "patched" is judged against it.
    SHA-256 because CPUs hash it in hardware: twice blake2b's speed over a sector's 111 MB."""
    try:
        with path.open("rb") as handle:
            stat = path.stat()
            return (stat.st_size, stat.st_mtime_ns, hashlib.file_digest(handle, "sha256").hexdigest())
    except OSError as exc:
        return ("unreadable", exc.errno)


def council_digest(council: CouncilConfig, inventory: tuple[object, ...], store: Store, today: str) -> str:
    """Its entry in feeds.toml, its inventory file, and its answers (with today's date while
    an accepted risk with an end date is among them: it runs out on a day, not on an input)."""
    answers = store.conn.execute("SELECT * FROM acks WHERE council_id = ? ORDER BY id", (council.id,)).fetchall()
    dated = any(a[4] == "accepted" and a[6] for a in answers)
    return _digest([council, inventory, answers, today if dated else ""])


def advisory_digest(advisory: Advisory) -> str:
    """An advisory as merged and matched, by its repr: every field of the models is in it
    (tests/test_unchanged.py checks that), and it takes half the time of pickling them."""
    return hashlib.blake2b(repr(advisory).encode(), digest_size=20).hexdigest()


def next_change(stored: Sequence[Advisory], at: datetime) -> str:
    """When the merge gives another result with no new input: the next KEV entry to leave its
    review window (merge.py), or never."""
    ends = [a.published + KEV_REVIEW_WINDOW for a in stored if a.kind == "kev" and a.published is not None]
    later = [end for end in ends if end > at]
    return min(later).isoformat() if later else _NEVER


def _token_file(state: Path) -> Path:
    return state.with_name(state.name + ".run")


@dataclass
class Plan:
    """Which councils this run reads and matches (`due`) and which it skips (`unchanged`)."""

    shared: str
    frame: str
    data: str
    restored: bool
    marks: dict[str, CouncilMark]
    token_file: Path
    own: dict[str, str] = field(default_factory=dict)  # council id -> its digest now
    unchanged: set[str] = field(default_factory=set)
    maybe: set[str] = field(default_factory=set)  # unchanged but for the data: diffed
    data_same: bool = False
    why: str = ""
    reasons: dict[str, str] = field(default_factory=dict)  # council id -> why it is read again

    def due(self, council_id: str) -> bool:
        return council_id not in self.unchanged


def plan(config: Config, store: Store, catalogue: Path, *, at: datetime, today: str) -> Plan:
    """Which councils' own inputs are as their last match saw them, before any advisory is read."""
    frame, data = frame_digest(config, catalogue), data_digest(store)
    shared = _digest([frame, data])
    token = run_value(store, "token")
    beside = _token_file(store.path or config.state)
    try:
        restored = token is None or beside.read_text().strip() != token
    except OSError:
        restored = True
    marks = council_marks(store)
    result = Plan(shared, frame, data, restored, marks, beside)
    previous = run_value(store, "shared")
    same_frame = not restored and run_value(store, "frame") == frame
    until = run_value(store, "valid_until")
    result.data_same = (same_frame and run_value(store, "data") == data and until is not None
                        and at < datetime.fromisoformat(until))
    for council in config.councils:
        own = result.own[council.id] = council_digest(council, file_digest(council.inventory), store, today)
        mark = marks.get(council.id)
        if mark is not None and mark.inputs != own:
            result.reasons[council.id] = "its inventory, its entry in feeds.toml or its answers changed"
        if restored or mark is None or mark.inputs != own or not same_frame:
            continue
        if result.data_same and mark.shared == shared:
            result.unchanged.add(council.id)
        elif mark.shared == previous:
            result.maybe.add(council.id)
    result.why = ("the state file was restored or replaced since the last run" if restored and token
                  else "" if same_frame else "the program, catalogue, templates or settings changed")
    return result


def settle(result: Plan, store: Store, merged: Sequence[Advisory], catalogue: Catalogue,
           rejections: Iterable[str]) -> dict[str, str]:
    """The councils among `maybe` that no changed advisory concerns join `unchanged`; returns
    the digests of the advisories as matched now, to record once the run is done."""
    digests = {a.id: advisory_digest(a) for a in merged}
    rejected = _digest(sorted(rejections))
    if not result.maybe:
        return digests
    if run_value(store, "rejections") != rejected:
        return digests  # what a rejected CVE withdraws is decided across every council
    before = advisory_digests(store)
    changed = {i for i, d in digests.items() if before.get(i) != d} | (before.keys() - digests.keys())
    keys = {k for a in merged if a.id in changed for s in a.affects for k in catalogue.keys_for(s)}
    for council_id in result.maybe:
        mark = result.marks[council_id]
        if mark.keys.isdisjoint(keys) and mark.matched.isdisjoint(changed):
            result.unchanged.add(council_id)
        else:
            result.reasons[council_id] = "an advisory about software it runs changed"
    return digests


def finish(result: Plan, store: Store, *, at: datetime, stored: Sequence[Advisory] | None,
           digests: Mapping[str, str] | None, rejections: Iterable[str] | None) -> None:
    """Record this run's inputs: the skipped councils as seen, the advisories as matched (when
    they were read), and a new token in the state and beside it."""
    record_unchanged(store, result.unchanged, result.shared, at=at)
    values = {"frame": result.frame, "data": result.data, "shared": result.shared,
              "token": secrets.token_hex(16)}
    if digests is not None and stored is not None and rejections is not None:
        replace_advisory_digests(store, digests)
        values["valid_until"] = next_change(stored, at)
        values["rejections"] = _digest(sorted(rejections))
    set_run_values(store, values)
    try:
        temp = result.token_file.with_name(result.token_file.name + ".tmp")
        temp.write_text(values["token"] + "\n")
        temp.replace(result.token_file)
    except OSError:
        pass  # the next run matches every council again: slower, never wrong

