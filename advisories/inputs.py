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
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from pathlib import Path

import advisories
from advisories.config import Config, CouncilConfig
from advisories.defaults import default_folder
from advisories.merge import KEV_REVIEW_WINDOW, merge_by_cve
from advisories.models import Advisory, InventoryItem
from advisories.priority import with_epss
from advisories.products import Catalogue
from advisories.store import Store
from advisories.store.inputs import (
    AdvisoryInput,
    CouncilMark,
    advisory_index,
    council_marks,
    record_unchanged,
    replace_advisory_inputs,
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


def council_rest(council: CouncilConfig, store: Store, today: str) -> str:
    """Its own inputs but its inventory file: its entry in feeds.toml and its answers (with
    today's date while an accepted risk with an end date is among them: it runs out on a day,
    not on an input)."""
    answers = store.conn.execute("SELECT * FROM acks WHERE council_id = ? ORDER BY id", (council.id,)).fetchall()
    dated = any(a[4] == "accepted" and a[6] for a in answers)
    return _digest([council, answers, today if dated else ""])


def council_digest(rest: str, inventory: tuple[object, ...]) -> str:
    """All its own inputs: the rest (`council_rest`) and its inventory file (`file_digest`)."""
    return _digest([rest, inventory])


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
    rest: dict[str, str] = field(default_factory=dict)  # council id -> its digest but its inventory's
    scoped: set[str] = field(default_factory=set)  # due only because their inventory changed
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
    indexed = result.data_same and run_value(store, "indexed") == data
    for council in config.councils:
        rest = result.rest[council.id] = council_rest(council, store, today)
        own = result.own[council.id] = council_digest(rest, file_digest(council.inventory))
        mark = marks.get(council.id)
        if mark is not None and mark.inputs != own:
            result.reasons[council.id] = ("its inventory changed" if mark.rest == rest
                                          else "its entry in feeds.toml or its answers changed")
        if restored or mark is None or not same_frame:
            continue
        if mark.inputs != own:
            if indexed and mark.rest == rest and mark.shared == shared:
                result.scoped.add(council.id)
            continue
        if result.data_same and mark.shared == shared:
            result.unchanged.add(council.id)
        elif mark.shared == previous:
            result.maybe.add(council.id)
    result.why = ("the state file was restored or replaced since the last run" if restored and token
                  else "" if same_frame else "the program, catalogue, templates or settings changed")
    return result


def settle(result: Plan, store: Store, merged: Sequence[Advisory], catalogue: Catalogue,
           rejections: Iterable[str]) -> dict[str, AdvisoryInput]:
    """The councils among `maybe` that no changed advisory concerns join `unchanged`; returns
    the advisories as matched now (digest, keys, members), to record once the run is done."""
    keys_for = catalogue.keys_for
    now = {a.id: AdvisoryInput(advisory_digest(a), frozenset(k for s in a.affects for k in keys_for(s)),
                               (a.id, *a.sources)) for a in merged}
    rejected = _digest(sorted(rejections))
    if not result.maybe:
        return now
    if run_value(store, "rejections") != rejected:
        return now  # what a rejected CVE withdraws is decided across every council
    before = advisory_index(store)
    changed = {i for i, a in now.items() if i not in before or before[i].digest != a.digest}
    changed |= before.keys() - now.keys()
    keys = {k for i in changed if i in now for k in now[i].keys}
    for council_id in result.maybe:
        mark = result.marks[council_id]
        if mark.keys.isdisjoint(keys) and mark.matched.isdisjoint(changed):
            result.unchanged.add(council_id)
        else:
            result.reasons[council_id] = "an advisory about software it runs changed"
    return now


def finish(result: Plan, store: Store, *, at: datetime, stored: Sequence[Advisory] | None,
           digests: Mapping[str, AdvisoryInput] | None, rejections: Iterable[str] | None) -> None:
    """Record this run's inputs: the skipped councils as seen, the advisories as matched (when
    they were read), and a new token in the state and beside it."""
    record_unchanged(store, result.unchanged, result.shared, at=at)
    if store.path is not None:
        forget_kept(store.path, result.own)
    values = {"frame": result.frame, "data": result.data, "shared": result.shared,
              "token": secrets.token_hex(16)}
    if digests is not None and stored is not None and rejections is not None:
        replace_advisory_inputs(store, digests)
        values["valid_until"] = next_change(stored, at)
        values["rejections"] = _digest(sorted(rejections))
        # `scoped` reads these back split on newlines: the index serves only if none holds one.
        withdrawn = [a.id for a in stored if a.withdrawn]
        written = [*withdrawn, *(k for a in digests.values() for k in (*a.keys, *a.members))]
        values["withdrawn"] = "\n".join(withdrawn)
        values["indexed"] = "" if any("\n" in w for w in written) else result.data
    set_run_values(store, values)
    try:
        temp = result.token_file.with_name(result.token_file.name + ".tmp")
        temp.write_text(values["token"] + "\n")
        temp.replace(result.token_file)
    except OSError:
        pass  # the next run matches every council again: slower, never wrong


# -- a council whose inventory alone changed -------------------------------------------------
#
# Its rows are matched again against the advisories that can concern them, not all of them: a
# row as it was last time is hit by what hit it then (the data and the frame are the same, and
# a row's verdicts depend on its own identity and its key's advisories only), and a row added
# is hit only by an advisory naming its key. So the advisories read are those that matched the
# council last time and those naming a key whose rows changed; the rest of the run (its alert,
# its exposures, its answers) sees every match a full reading would give.

_IDENTITY = attrgetter("product", "vendor", "version", "platform", "purl", "cpe")  # all a match reads


def kept_inventory(state: Path, council_id: str) -> Path:
    """Where a council's inventory file is kept as last matched: beside the state."""
    return state.with_name(f"{state.name}.inventories") / f"{council_id}.inventory"


def keep_inventory(state: Path, council: CouncilConfig) -> None:
    """Keep the council's inventory file as just matched, modification time and all, for the
    next run to tell which of its rows changed. A copy that fails is removed: the next edit
    then reads every advisory."""
    kept = kept_inventory(state, council.id)
    temp = kept.with_suffix(".tmp")
    try:
        kept.parent.mkdir(exist_ok=True)
        shutil.copy2(council.inventory, temp)
        temp.replace(kept)
    except OSError:
        kept.unlink(missing_ok=True)


def kept_as_matched(state: Path, mark: CouncilMark) -> Path | None:
    """The council's kept inventory if it is the file its last match read (the size,
    modification time and bytes its mark records), else None."""
    kept = kept_inventory(state, mark.council_id)
    return kept if council_digest(mark.rest, file_digest(kept)) == mark.inputs else None


def forget_kept(state: Path, councils: Iterable[str]) -> None:
    """Kept inventories of councils no longer in feeds.toml go."""
    folder = kept_inventory(state, "-").parent
    keep = {kept_inventory(state, c).name for c in councils}
    if folder.is_dir():
        for path in folder.iterdir():
            if path.name not in keep:
                path.unlink(missing_ok=True)


def rows_changed(mark: CouncilMark, before: Sequence[InventoryItem], items: Sequence[InventoryItem],
                 catalogue: Catalogue) -> frozenset[str]:
    """The product keys to match against every advisory naming them: those of rows not there
    last time (`before`), and those of the rows a publisher clash named then (whether a row
    clashes depends on all its key's advisories, and a row gone may change the clash's count).
    A row gone needs nothing more: it takes no match from the rows left."""
    seen = set(map(_IDENTITY, before))
    key_for = catalogue.key_for
    keys = {key_for(item) for item, row in zip(items, map(_IDENTITY, items), strict=True) if row not in seen}
    clashed = {(c[0], c[1]) for c in mark.clashes}
    keys.update(key_for(i) for i in items if (i.product, i.vendor) in clashed)
    return frozenset(keys)


@dataclass(frozen=True)
class Scoped:
    """The advisories a scoped run reads: as stored, and as merged and matched last time (in
    that order); and every advisory id the last full reading matched against (`active`)."""

    stored: list[Advisory]
    merged: list[Advisory]
    active: set[str]


def scoped(store: Store, keys: set[str], matched: set[str], *, at: datetime) -> Scoped | None:
    """The advisories naming `keys` and those in `matched`, read and merged as a full reading
    would; None when that cannot be shown (an advisory merges otherwise than it did last time:
    then every advisory is read)."""
    index = advisory_index(store)
    if matched - index.keys():
        return None  # matched last time, gone since: the data changed, not only the rows
    wanted = {i for i, a in index.items() if not a.keys.isdisjoint(keys)} | matched
    # An advisory merged from several stored ones needs them all, and each of those may be part
    # of another (a feed item naming two CVE groups): take the whole of what they touch.
    ids = store.advisory_ids()
    stored_of = {i: {m if m in ids else m.rsplit("#", 1)[0] for m in a.members} for i, a in index.items()}
    merged_of: dict[str, set[str]] = {}
    for i, members in stored_of.items():
        for m in members:
            merged_of.setdefault(m, set()).add(i)
    todo, take = list(wanted), set(wanted)
    while todo:
        for m in stored_of[todo.pop()]:
            for other in merged_of[m] - take:
                take.add(other)
                todo.append(other)
    withdrawn = (run_value(store, "withdrawn") or "").split("\n")
    read = store.advisories_with_ids({m for i in take for m in stored_of[i]} | {w for w in withdrawn if w})
    merged = with_epss(merge_by_cve(read, now=at), store.epss_scores())
    if any(a.id not in index or advisory_digest(a) != index[a.id].digest for a in merged) or \
            take - {a.id for a in merged}:
        return None
    order = {i: n for n, i in enumerate(index)}
    merged.sort(key=lambda a: order[a.id])
    return Scoped(read, merged, {m for a in index.values() for m in a.members})
