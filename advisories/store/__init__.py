"""SQLite state: feeds' HTTP validators, advisories, what was alerted, and the outbox.

The only module that runs SQL. Every write that must stay consistent with another (an outbox
message and the alert rows it covers) happens in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from advisories.errors import AdvisoriesError
from advisories.models import Advisory, Epss, Lookup, Message, Outgoing
from advisories.store.codec import (
    advisory_from_json,
    advisory_to_json,
    message_from_json,
    message_from_raw,
    message_to_json,
)
from advisories.store.migrations import MIGRATIONS, migrate


@dataclass(frozen=True)
class FeedState:
    name: str
    permanent_url: str | None
    redirected_from: str | None
    etag: str | None
    last_modified: str | None
    last_attempt_at: datetime | None
    last_ok_at: datetime | None
    last_error: str | None
    disabled_reason: str | None
    disabled_url: str | None
    cursor: str | None


@dataclass(frozen=True)
class AlertRow:
    """One alerted exposure: a council x advisory x product x version x platform."""

    key: str
    council_id: str
    advisory_id: str
    signature: str
    devices: int
    status: str


@dataclass(frozen=True)
class Exposure:
    key: str
    council_id: str
    advisory_id: str
    devices: int
    status: str
    first_alerted_at: datetime
    remediated_at: datetime | None


@dataclass(frozen=True)
class OutboxEntry:
    item: Outgoing  # `to`: every recipient it is addressed to
    state: str
    attempts: int
    last_error: str | None
    delivered_to: tuple[str, ...] = ()  # recipients whose server accepted it (a post: its destination)
    refused_to: tuple[str, ...] = ()  # recipients refused for good (5xx), until `outbox --retry`
    unknown_outcomes: int = 0  # attempts that may or may not have been delivered
    created_at: datetime | None = None
    last_attempt_at: datetime | None = None

    @property
    def pending(self) -> tuple[str, ...]:
        return _pending(self.item.to, self.delivered_to, self.refused_to)

    @property
    def message(self) -> Message:
        """The email read back (its parts, or its bytes parsed); a post as its JSON text."""
        item = self.item
        if item.draft is not None:
            return replace(item.draft, raw=item.raw)
        if item.channel == "email" and item.raw is not None:
            return message_from_raw(item.raw, key=item.key, council_id=item.council_id)
        text = (item.raw or b"").decode("utf-8", "replace")
        return Message(item.key, item.council_id, item.to, item.subject, text, "", "", raw=item.raw)


@dataclass(frozen=True)
class Attempt:
    """A message's outbox record after one delivery attempt (see Store.record_attempt)."""

    state: str  # queued, sent, failed or held
    delivered_to: tuple[str, ...]
    refused_to: tuple[str, ...]
    pending: tuple[str, ...]  # neither delivered nor refused for good
    last_error: str | None


def now() -> datetime:
    return datetime.now(UTC)


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


_SQLITE_HEADER = b"SQLite format 3\x00"
_RESTORE = ("restore the last good copy (README, \"Backup and restore\"); or move the file aside to "
            "start afresh, knowing that every council is then sent every alert that applies today again")


def _refuse_unusable(path: Path) -> None:
    """An existing state file must be a database before it is trusted: SQLite takes an empty
    file for a new database, and a new database means every council is alerted again."""
    try:
        with path.open("rb") as f:
            head = f.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return  # a first run: a new state file is created
    except OSError as exc:
        raise StateError(f"state {path}: cannot be read ({exc.strerror or exc})",
                         "check the file's permissions and the volume it is on") from None
    if not head:
        raise StateError(f"state {path}: the file is empty (0 bytes); what was alerted and the outbox "
                         "are gone from it (a crash or a failed restore?)", _RESTORE)
    if head != _SQLITE_HEADER:
        raise StateError(f"state {path}: not an SQLite database (it starts {head[:8]!r})", _RESTORE)


def _check_integrity(conn: sqlite3.Connection, path: Path) -> None:
    try:
        found = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.OperationalError:
        raise  # locked, read-only, I/O: the file may be fine; the caller says what it is
    except sqlite3.DatabaseError as exc:  # "database disk image is malformed"
        found = [str(exc)]
    found = [" ".join(line.split()) for line in found]
    if found != ["ok"]:
        conn.close()
        raise StateError(f"state {path}: damaged (SQLite quick_check: {'; '.join(found)[:300]})", _RESTORE)


def _create(path: Path) -> None:
    """A new state file appears whole or not at all: built and migrated under a temporary name,
    then linked into place. SQLite would otherwise leave an empty file from `connect` until its
    first write, which a crash, or another process opening it meanwhile, would take for a lost
    state. Two creators at once: the first link wins, the other's copy is dropped."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f"{path.name}.new-{os.getpid()}-{threading.get_ident()}")
    conn = sqlite3.connect(part, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        migrate(conn)
    finally:
        conn.close()
    try:
        os.link(part, path)
    except FileExistsError:
        pass
    finally:
        part.unlink()


def _connect(path: Path) -> sqlite3.Connection:
    if not path.exists():
        _create(path)
    _refuse_unusable(path)
    # isolation_level=None: we open transactions ourselves, so they are explicit.
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    _check_integrity(conn, path)
    conn.execute("PRAGMA journal_mode=WAL")
    _settings(conn)
    migrate(conn)
    return conn


def _settings(conn: sqlite3.Connection) -> None:
    """Per connection (the file keeps WAL by itself)."""
    # WAL + NORMAL: no fsync per commit (one per checkpoint), still crash-safe for the
    # process; after a power cut the last few "sent" marks may roll back, which means a
    # message is sent again, never lost.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")


# Unknown outcomes (no final reply after the message was sent) before a message is held: the
# first is followed by one more attempt, so a relay that takes a message and never answers
# delivers it at most twice.
HOLD_AFTER_UNKNOWN = 2


def _read_only(path: Path) -> sqlite3.Connection:
    """Read-only, also on a read-only volume: there SQLite cannot create the WAL's shared-memory
    file, so the file is read as immutable (a snapshot; nothing can be writing to that volume)."""
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None)
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        return conn
    except sqlite3.OperationalError:
        conn.close()
        return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)


class StateError(AdvisoriesError):
    """The state file cannot be trusted or written: refuse it rather than start afresh."""


@contextmanager
def store_errors(path: Path) -> Iterator[None]:
    """Turns SQLite's I/O errors into one line naming the file and what to do."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "full" in text:
            raise StateError(f"state {path}: the disk is full ({text})",
                             "free space on the state volume (or grow it), then run again; nothing "
                             "half-written is kept") from None
        if "readonly" in text or "read-only" in text:
            raise StateError(f"state {path}: cannot be written ({text})",
                             "make the state file and its folder writable by this user") from None
        if "disk I/O" in text:
            raise StateError(f"state {path}: disk I/O error ({text})",
                             "check the volume the state file is on") from None
        raise


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path | None = None) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open_readonly(cls, path: Path) -> Store:
        """For commands that only look (`outbox`, `status`): no migration, no write, and it
        works on a read-only volume. A state file an older version wrote is refused."""
        _refuse_unusable(path)
        if not path.exists():
            raise StateError(f"state {path}: no such file",
                             "run `advisories run --once` first, or check [settings] state")
        try:
            conn = _read_only(path)
            _check_integrity(conn, path)
            done = {row[0] for row in conn.execute("SELECT name FROM migrations")}
        except sqlite3.DatabaseError as exc:
            raise StateError(f"state {path}: cannot be read ({exc})",
                             "check the file's permissions and the volume it is on") from None
        if missing := [name for name, _ in MIGRATIONS if name not in done]:
            conn.close()
            raise StateError(f"state {path}: written by an older version (missing {', '.join(missing)})",
                             "run `advisories run --once` once with a writable state to bring it up to date")
        return cls(conn, path)

    def backup(self, target: Path) -> None:
        """A consistent copy of the whole state while it is in use (SQLite's online backup),
        written under a temporary name and renamed, so `target` is never half a database."""
        part = target.with_name(target.name + ".part")
        target.parent.mkdir(parents=True, exist_ok=True)
        part.unlink(missing_ok=True)
        copy = sqlite3.connect(part)
        try:
            self.conn.backup(copy)
        finally:
            copy.close()
        part.replace(target)

    @classmethod
    def open(cls, path: Path) -> Store:
        try:
            return cls(_connect(path), path)
        except StateError:
            raise
        except (OSError, sqlite3.OperationalError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise AdvisoriesError(
                f"state {path}: cannot be created or written ({why})",
                "set [settings] state to a writable path (in a container: a mounted volume)",
            ) from None
        except sqlite3.DatabaseError as exc:
            raise AdvisoriesError(
                f"state {path}: not a usable SQLite database ({exc})",
                "point [settings] state at another file, or move this one aside; it is not an advisories state file",
            ) from None

    def reopened(self) -> Store:
        """This state through a connection of its own, for a forked worker: a SQLite connection
        must never be used on both sides of a fork. The file was checked and migrated when this
        store opened it."""
        if self.path is None:
            raise ValueError("an in-memory state cannot be shared with another process")
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        _settings(conn)
        return Store(conn, self.path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:  # SQLite rolls back by itself on a full disk or I/O error
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- feeds ---------------------------------------------------------------------------

    def feed_state(self, name: str) -> FeedState | None:
        row = self.conn.execute(_FEEDS + " WHERE name = ?", (name,)).fetchone()
        return None if row is None else _feed(row)

    def _ensure_feed(self, name: str) -> None:
        self.conn.execute("INSERT OR IGNORE INTO feeds (name) VALUES (?)", (name,))

    def record_fetch_ok(
        self,
        name: str,
        *,
        etag: str | None,
        last_modified: str | None,
        permanent_url: str | None,
        at: datetime,
        cursor: str | None = None,
        requested: str | None = None,
    ) -> None:
        """`requested`: the url fetched, remembered as where a permanent redirect came from."""
        with self.transaction():
            self._ensure_feed(name)
            if permanent_url is not None:
                self.conn.execute("UPDATE feeds SET redirected_from = ? WHERE name = ?", (requested, name))
            self.conn.execute(
                "UPDATE feeds SET etag = ?, last_modified = ?,"
                " permanent_url = COALESCE(?, permanent_url), cursor = COALESCE(?, cursor),"
                " last_attempt_at = ?, last_ok_at = ?, last_error = NULL, disabled_reason = NULL,"
                " disabled_url = NULL WHERE name = ?",
                (etag, last_modified, permanent_url, cursor, _ts(at), _ts(at), name),
            )

    def record_fetch_error(
        self, name: str, error: str, *, at: datetime, disable_url: str | None = None
    ) -> None:
        """Record a failure; with `disable_url`, stop polling until the feed's url changes."""
        with self.transaction():
            self._ensure_feed(name)
            self.conn.execute(
                "UPDATE feeds SET last_attempt_at = ?, last_error = ? WHERE name = ?",
                (_ts(at), error, name),
            )
            if disable_url is not None:
                self.conn.execute(
                    "UPDATE feeds SET disabled_reason = ?, disabled_url = ?,"
                    " permanent_url = NULL WHERE name = ?",
                    (error, disable_url, name),
                )

    def feed_states(self) -> dict[str, FeedState]:
        return {r[0]: _feed(r) for r in self.conn.execute(_FEEDS)}

    # -- health: stages and what the operator was told ----------------------------------------

    def record_stage(self, name: str, *, at: datetime, error: str | None = None) -> None:
        """A stage of a run finished: well (`error` None) or not."""
        self.conn.execute(
            "INSERT INTO stages (name, first_attempt_at, last_ok_at, last_attempt_at, last_error)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET last_attempt_at = excluded.last_attempt_at,"
            " last_error = excluded.last_error, last_ok_at = COALESCE(excluded.last_ok_at, last_ok_at)",
            (name, _ts(at), None if error else _ts(at), _ts(at), error),
        )

    def stages(self) -> dict[str, tuple[datetime | None, datetime, str | None]]:
        """name -> (last finished well, first attempted, last error)."""
        rows = self.conn.execute("SELECT name, last_ok_at, first_attempt_at, last_error FROM stages")
        return {r[0]: (_dt(r[1]), datetime.fromisoformat(r[2]), r[3]) for r in rows}

    def update_troubles(self, current: dict[str, str], *, at: datetime) -> tuple[dict[str, str], dict[str, str]]:
        """Record what is wrong now (key -> line); returns (new since last time, cleared since)."""
        with self.transaction():
            known = dict(self.conn.execute("SELECT key, text FROM troubles").fetchall())
            new = {k: v for k, v in current.items() if k not in known}
            cleared = {k: v for k, v in known.items() if k not in current}
            for key, text in new.items():
                self.conn.execute("INSERT INTO troubles (key, since, text) VALUES (?, ?, ?)", (key, _ts(at), text))
            for key in cleared:
                self.conn.execute("DELETE FROM troubles WHERE key = ?", (key,))
        return new, cleared

    def forget_validators(self, name: str) -> None:
        """Drop ETag/Last-Modified so the next fetch downloads the whole feed again."""
        self.conn.execute(
            "UPDATE feeds SET etag = NULL, last_modified = NULL WHERE name = ?", (name,)
        )

    # -- lookups: CVE records and article pages named by advisories -----------------------

    def lookups(self, prefix: str) -> dict[str, Lookup]:
        rows = self.conn.execute(
            "SELECT key, fetched_at, outcome, etag, last_modified, body FROM lookups"
            " WHERE key >= ? AND key < ?", (prefix, prefix + "\uffff"),
        )
        return {r[0]: Lookup(r[0], datetime.fromisoformat(r[1]), r[2], r[3], r[4], r[5]) for r in rows}

    def record_lookup(self, lookup: Lookup) -> None:
        self.conn.execute(
            "INSERT INTO lookups (key, etag, last_modified, fetched_at, outcome, body) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,"
            " fetched_at = excluded.fetched_at, outcome = excluded.outcome, body = excluded.body",
            (lookup.key, lookup.etag, lookup.last_modified, _ts(lookup.fetched_at), lookup.outcome, lookup.body),
        )

    # -- advisories ----------------------------------------------------------------------

    def upsert_advisory(self, advisory: Advisory, *, at: datetime) -> str:
        """Store an advisory; returns 'new', 'updated' (content changed) or 'same'."""
        body = advisory_to_json(advisory)
        digest = hashlib.sha256(body.encode()).hexdigest()
        published = _ts(advisory.published) if advisory.published else None
        with self.transaction():
            row = self.conn.execute(
                "SELECT content_hash FROM advisories WHERE id = ?", (advisory.id,)
            ).fetchone()
            if row is None:
                self.conn.execute(
                    "INSERT INTO advisories VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (advisory.id, advisory.source, digest, body, published, _ts(at), _ts(at)),
                )
                return "new"
            if row[0] == digest:
                return "same"
            self.conn.execute(
                "UPDATE advisories SET content_hash = ?, body = ?, published = ?, updated_at = ?"
                " WHERE id = ?",
                (digest, body, published, _ts(at), advisory.id),
            )
            return "updated"

    def advisories(self, source: str | None = None) -> list[Advisory]:
        """Every stored advisory, or one feed's (`source`), in the order first stored: of two
        copies of one feed item, the first alerted stays the one kept (merge.one_per_page)."""
        if source is None:
            rows = self.conn.execute("SELECT body FROM advisories ORDER BY rowid")
        else:
            rows = self.conn.execute("SELECT body FROM advisories WHERE source = ? ORDER BY rowid", (source,))
        return [advisory_from_json(r[0]) for r in rows]

    def advisories_with_ids(self, ids: Iterable[str]) -> list[Advisory]:
        """The stored advisories among `ids`, in the order first stored (as `advisories`)."""
        wanted, rows = sorted(set(ids)), []
        for start in range(0, len(wanted), 500):  # well inside SQLite's bound on parameters
            part = wanted[start:start + 500]
            rows += self.conn.execute(f"SELECT rowid, body FROM advisories WHERE id IN ({','.join('?' * len(part))})",
                                      part).fetchall()
        return [advisory_from_json(body) for _, body in sorted(rows)]

    def advisory_ids(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT id FROM advisories")}

    def advisories_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM advisories").fetchone()[0])

    def withdraw_rules(self, keep: set[str]) -> list[str]:
        """Delete stored rules whose file is gone (so a wrong rule can be withdrawn); returns
        their ids. What was alerted stays recorded, so nothing is re-sent if one comes back."""
        with self.transaction():
            stored = [r[0] for r in self.conn.execute("SELECT id FROM advisories WHERE source = 'rules'")]
            gone = [rid for rid in stored if rid not in keep]
            for rid in gone:
                self.conn.execute("DELETE FROM advisories WHERE id = ?", (rid,))
        return gone

    def advisory(self, advisory_id: str) -> Advisory | None:
        row = self.conn.execute("SELECT body FROM advisories WHERE id = ?", (advisory_id,)).fetchone()
        return advisory_from_json(row[0]) if row else None

    def advisory_first_seen(self) -> dict[str, datetime]:
        rows = self.conn.execute("SELECT id, first_seen FROM advisories")
        return {r[0]: datetime.fromisoformat(r[1]) for r in rows}

    # -- EPSS (enrichment: orders alerts, never sends one) ------------------------------

    def replace_epss(self, scores: Mapping[str, Epss]) -> None:
        """The wanted rows of a new EPSS file, in place of the last file's."""
        with self.transaction():
            self.conn.execute("DELETE FROM epss")
            self.conn.executemany(
                "INSERT INTO epss (cve, score, percentile, scored_on, model) VALUES (?, ?, ?, ?, ?)",
                [(cve, e.score, e.percentile, e.scored_on.isoformat() if e.scored_on else None, e.model)
                 for cve, e in scores.items()],
            )

    def epss_scores(self) -> dict[str, Epss]:
        try:
            rows = self.conn.execute("SELECT cve, score, percentile, scored_on, model FROM epss").fetchall()
        except sqlite3.OperationalError:  # a read-only state from before 0006_epss: no scores yet
            return {}
        return {r[0]: Epss(r[1], r[2], date.fromisoformat(r[3]) if r[3] else None, r[4]) for r in rows}

    # -- alerts and outbox ---------------------------------------------------------------

    def carry_platform(self, council_id: str, platform: str, keys: set[str]) -> None:
        """Move each exposure alerted under a row's unknown platform ("…|any") to the same
        row's key on `platform`, for the `keys` now matched on it, unless that key is known
        already or the unknown-platform row is itself still matched (a blank platform cell)."""
        suffix = "|" + platform
        with self.transaction():
            for key in keys:
                unknown = key[: -len(suffix)] + "|any"
                if key.endswith(suffix) and unknown not in keys:
                    self.conn.execute(
                        "UPDATE alerted SET key = ? WHERE key = ? AND council_id = ?"
                        " AND NOT EXISTS (SELECT 1 FROM alerted WHERE key = ?)",
                        (key, unknown, council_id, key),
                    )

    def alert_signatures(self, council_id: str) -> dict[str, str]:
        rows = self.conn.execute(
            "SELECT key, signature FROM alerted WHERE council_id = ?", (council_id,)
        )
        return dict(rows.fetchall())

    def alert_history(self, council_id: str) -> tuple[dict[str, str], dict[str, int]]:
        """Of each exposure told to the council: its signature, and its devices when last seen
        (an update says how that changed). One read of the council's rows, for both."""
        signatures, devices = {}, {}
        for key, sig, count in self.conn.execute(
                "SELECT key, signature, devices FROM alerted WHERE council_id = ?", (council_id,)):
            signatures[key], devices[key] = sig, count
        return signatures, devices

    def thread(self, council_id: str, subjects: Iterable[str]) -> tuple[str, ...]:
        """Message-IDs of the emails that told `council_id` of these CVEs (or advisory ids),
        oldest first, each preceded by the References it carried: the thread an update joins."""
        wanted = set(subjects)
        keys = {r[1] for r in self.conn.execute(
            "SELECT key, message_key FROM alerted WHERE council_id = ?", (council_id,))
            if r[0].split("|")[1] in wanted}
        if not keys:
            return ()
        marks = ",".join("?" * len(keys))
        rows = self.conn.execute(
            f"SELECT message_id, refs FROM outbox WHERE message_key IN ({marks}) AND channel = 'email'"
            " ORDER BY created_at, key", tuple(keys))
        ids: dict[str, None] = {}
        for message_id, refs in rows:
            ids.update(dict.fromkeys(refs.split()))
            if message_id:
                ids[message_id] = None
        return tuple(ids)

    def queue(self, messages: Message | Outgoing | Sequence[Message | Outgoing], rows: Iterable[AlertRow], *,
              at: datetime) -> bool:
        """Queue a message (an email; or one row per channel and destination of an alert) and
        record the exposures it tells of, atomically.

        Returns False (and changes nothing) if every row is queued or sent already: the
        deterministic keys make a repeated run idempotent.
        """
        items = [messages] if isinstance(messages, Message | Outgoing) else list(messages)
        with self.transaction():
            inserted = [self._enqueue(m, at) for m in items]
            if not any(inserted):
                return False
            message_key, stamp = _outgoing(items[0]).message, _ts(at)
            self.conn.executemany(
                "INSERT INTO alerted (key, council_id, advisory_id, signature, devices,"
                " status, message_key, first_alerted_at, last_alerted_at, last_seen_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET signature = excluded.signature,"
                " devices = excluded.devices, status = excluded.status,"
                " message_key = excluded.message_key, last_alerted_at = excluded.last_alerted_at,"
                " last_seen_at = excluded.last_seen_at, remediated_at = NULL",
                [(r.key, r.council_id, r.advisory_id, r.signature, r.devices, r.status,
                  message_key, stamp, stamp, stamp) for r in rows],
            )
            return True

    def _enqueue(self, message: Message | Outgoing, at: datetime) -> bool:
        """Queue one row unless its key is queued or sent already (inside a transaction)."""
        item = _outgoing(message)
        message_id, refs = "", ""
        if isinstance(message, Message):
            message_id = message.message_id
            refs = next((v for n, v in message.headers if n.lower() == "references"), "")
        return bool(self.conn.execute(
            "INSERT OR IGNORE INTO outbox (key, message_key, channel, destination, council_id, subject,"
            " recipients, message_id, refs, raw, draft, state, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
            (item.key, item.message, item.channel, item.destination, item.council_id, item.subject,
             json.dumps(item.to or (item.destination,)), message_id, refs, item.raw,
             message_to_json(item.draft) if item.draft is not None else None, _ts(at)),
        ).rowcount)

    def withdraw(self, messages: Message | Outgoing | Sequence[Message | Outgoing], keys: Iterable[str], *,
                 at: datetime) -> bool:
        """Queue a withdrawal notice (its email, and a row per Teams channel and webhook, as an
        alert's) and close the exposures it withdraws, atomically; False (nothing changed) when
        every row was queued or sent before. With no row at all (a council left with no channel)
        the exposures still close: the CVE is rejected whether or not anyone can be told."""
        items = [messages] if isinstance(messages, Message | Outgoing) else list(messages)
        with self.transaction():
            inserted = [self._enqueue(m, at) for m in items]
            if items and not any(inserted):
                return False
            for key in keys:
                self.conn.execute("UPDATE alerted SET remediated_at = ?, status = 'withdrawn' WHERE key = ?",
                                  (_ts(at), key))
            return any(inserted)

    def carry_exposure(self, old: str, new: Iterable[str], *, at: datetime) -> None:
        """An exposure told under a CVE since rejected that another CVE still covers: known under
        the surviving keys from now on (so it is not told again as new), the old key closed."""
        with self.transaction():
            for key in new:
                self.conn.execute(
                    "INSERT OR IGNORE INTO alerted (key, council_id, advisory_id, signature, devices, status,"
                    " message_key, first_alerted_at, last_alerted_at, last_seen_at)"
                    " SELECT ?, council_id, advisory_id, signature, devices, status, message_key,"
                    " first_alerted_at, last_alerted_at, last_seen_at FROM alerted WHERE key = ?", (key, old))
            self.conn.execute("UPDATE alerted SET remediated_at = ?, status = 'withdrawn' WHERE key = ?",
                              (_ts(at), old))

    def open_exposures(self, council_id: str) -> list[Exposure]:
        rows = self.conn.execute(
            "SELECT key, council_id, advisory_id, devices, status, first_alerted_at, remediated_at"
            " FROM alerted WHERE council_id = ? AND remediated_at IS NULL ORDER BY key", (council_id,),
        )
        return [Exposure(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5]), None) for r in rows]

    def observe_exposures(
        self, council_id: str, present: dict[str, int], *, at: datetime,
        active: set[str] | None = None,
    ) -> None:
        """Record which alerted exposures the latest inventory still shows (key -> devices).

        An alerted key of an `active` advisory (one this run matched against; None: all) missing from
        `present` is remediated now; one that reappears is open again. Exposures of advisories
        not matched this run (a KEV entry past its review window) are left as they were: that
        the match is gone says nothing about the council's devices.
        """
        stamp = _ts(at)
        with self.transaction():
            self.conn.executemany(
                "UPDATE alerted SET last_seen_at = ?, devices = ?, remediated_at = NULL"
                " WHERE key = ? AND council_id = ?",
                [(stamp, devices, key, council_id) for key, devices in present.items()],
            )
            known = self.conn.execute(
                "SELECT key, advisory_id FROM alerted WHERE council_id = ? AND remediated_at IS NULL",
                (council_id,),
            ).fetchall()
            self.conn.executemany(
                "UPDATE alerted SET remediated_at = ? WHERE key = ?",
                [(stamp, key) for key, advisory_id in known
                 if key not in present and (active is None or advisory_id in active)],
            )

    def exposures(self) -> list[Exposure]:
        rows = self.conn.execute(
            "SELECT key, council_id, advisory_id, devices, status, first_alerted_at,"
            " remediated_at FROM alerted ORDER BY key"
        )
        return [
            Exposure(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5]), _dt(r[6]))
            for r in rows
        ]

    def queued(self) -> list[Message]:
        """Queued emails, read back whole (to look at; delivery reads rows: queued_rows)."""
        rows = self.conn.execute(self._ENTRY + " WHERE state = 'queued' AND channel = 'email'"
                                 " ORDER BY created_at, key")
        return [_entry(row).message for row in rows]

    def queued_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM outbox WHERE state = 'queued'").fetchone()[0])

    def queued_rows(self, *, batch: int = 50, only: set[str] | None = None) -> Iterator[list[Outgoing]]:
        """Queued rows in the order queued, `batch` at a time, each addressed to the recipients
        still waiting for it: its `to` minus those that accepted it already and those that
        refused it for good. Read in batches, so a long queue is never in memory at once; rows
        recorded meanwhile are not read again."""
        after = ("", "")
        while True:
            rows = self.conn.execute(
                "SELECT key, council_id, channel, destination, recipients, subject, raw, draft, message_key,"
                " delivered_to, refused_to, created_at FROM outbox WHERE state = 'queued'"
                " AND (created_at, key) > (?, ?) ORDER BY created_at, key LIMIT ?", (*after, batch)).fetchall()
            if not rows:
                return
            after = (rows[-1][11], rows[-1][0])
            found = []
            for key, council, channel, destination, to, subject, raw, draft, message_key, done, gone, _ in rows:
                if only is not None and key not in only:
                    continue
                found.append(Outgoing(
                    key, council, channel, destination, _pending(json.loads(to), json.loads(done), json.loads(gone)),
                    subject, raw, message_from_json(draft) if draft is not None else None, message_key))
            if found:
                yield found

    _ENTRY = ("SELECT key, council_id, channel, destination, recipients, subject, raw, draft, message_key, state,"
              " attempts, last_error, delivered_to, refused_to, unknown_outcomes, created_at, last_attempt_at"
              " FROM outbox")

    def outbox_entry(self, key: str) -> OutboxEntry | None:
        row = self.conn.execute(self._ENTRY + " WHERE key = ?", (key,)).fetchone()
        return None if row is None else _entry(row)

    def outbox_trouble(self, queued_before: datetime) -> list[OutboxEntry]:
        """What waits on the operator: failed and held messages, and messages still queued
        that were queued before `queued_before` (stuck: a relay down, a password wrong)."""
        rows = self.conn.execute(
            self._ENTRY + " WHERE state IN ('failed', 'held') OR (state = 'queued' AND created_at < ?)"
            " ORDER BY created_at, key", (_ts(queued_before),))
        return [_entry(row) for row in rows]

    def outbox_times(self, key_prefix: str) -> list[tuple[str, str, datetime, datetime | None]]:
        """(key, state, queued at, sent at) of every outbox row whose key starts so."""
        rows = self.conn.execute(
            "SELECT key, state, created_at, sent_at FROM outbox WHERE substr(key, 1, ?) = ?",
            (len(key_prefix), key_prefix),
        )
        return [(key, state, datetime.fromisoformat(created), _dt(sent)) for key, state, created, sent in rows]

    def mark_sent(self, key: str, *, at: datetime) -> None:
        self.conn.execute(
            "UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?,"
            " last_error = NULL WHERE key = ?",
            (_ts(at), key),
        )

    def record_attempt(
        self,
        key: str,
        *,
        accepted: Iterable[str] = (),
        refused: Iterable[str] = (),
        retry: bool,
        error: str = "",
        raw: bytes | None = None,
        unknown: bool = False,
        at: datetime,
    ) -> Attempt:
        """Record one delivery attempt of a queued message, recipient by recipient.

        `accepted`: recipients the server took it for; never sent it again. `refused`: refused
        for good (5xx); not tried again until `outbox --retry`. `retry`: whether recipients
        still pending stay queued (a 4xx, a dropped connection) or fail (5xx). The message is
        sent once nobody is pending and nobody refused it, else failed once nobody is pending.
        A post has one recipient: its destination. `raw`: the bytes the accepted
        recipients got, kept (if none were stored) so those still pending get the same message.
        `unknown`: the server may have taken it (no final reply); after the second such attempt
        the message is held, never sent a third time.
        """
        with self.transaction():
            row = self.conn.execute(
                "SELECT recipients, delivered_to, refused_to, unknown_outcomes FROM outbox WHERE key = ?",
                (key,)).fetchone()
            if row is None:
                raise AdvisoriesError(f"outbox: no message {key!r}", "it was queued by this run; report a bug")
            to = json.loads(row[0])  # a post's one recipient is its destination
            delivered_to = list(dict.fromkeys([*json.loads(row[1]), *accepted]))
            gone = [a for a in dict.fromkeys([*json.loads(row[2]), *refused]) if a not in delivered_to]
            pending = _pending(to, delivered_to, gone)
            unknowns = row[3] + unknown
            state = _outbox_state(pending, gone, retry=retry)
            if state == "queued" and unknowns >= HOLD_AFTER_UNKNOWN:
                state = "held"
            self.conn.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, delivered_to = ?,"
                " refused_to = ?, raw = COALESCE(raw, ?), draft = CASE WHEN ? IS NULL THEN draft END,"
                " unknown_outcomes = ?, last_attempt_at = ?,"
                " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END,"
                # Sent: no error left. Else the newest error, or the one that explains why it
                # is still not sent when this attempt had none to report.
                " last_error = CASE WHEN ? = 'sent' THEN NULL ELSE COALESCE(NULLIF(?, ''), last_error) END"
                " WHERE key = ?",
                (state, json.dumps(delivered_to), json.dumps(gone), raw, raw, unknowns, _ts(at), state, _ts(at),
                 state, error, key),
            )
            last_error = self.conn.execute(
                "SELECT last_error FROM outbox WHERE key = ?", (key,)
            ).fetchone()[0]
        return Attempt(state, tuple(delivered_to), tuple(gone), pending, last_error)

    def mark_failed(self, key: str, error: str, *, retryable: bool) -> None:
        self.conn.execute(
            "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ? WHERE key = ?",
            ("queued" if retryable else "failed", error, key),
        )

    def failed(self) -> list[Outgoing]:
        """Failed and held rows: those `outbox --retry` puts back in the queue, each with every
        recipient it was addressed to."""
        rows = self.conn.execute(self._ENTRY + " WHERE state IN ('failed', 'held') ORDER BY key")
        return [_entry(row).item for row in rows]

    def requeue(self, item: Outgoing) -> None:
        """Put a failed or held row back in the queue, as given (an email's recipients may have
        changed, and its bytes with them). The operator decided: recipients that refused it for
        good are tried again, and a held message gets one more attempt (and one more after an
        unknown outcome); recipients that accepted it are still never sent it twice.
        """
        draft = message_to_json(item.draft) if item.draft is not None else None
        self.conn.execute(
            "UPDATE outbox SET state = 'queued', recipients = ?, raw = ?, draft = ?, refused_to = '[]',"
            " unknown_outcomes = 0 WHERE key = ? AND state IN ('failed', 'held')",
            (json.dumps(item.to), item.raw, draft, item.key),
        )

    def dismiss(self, key: str, *, at: datetime) -> bool:
        """The operator's decision not to send a failed or held message; False if there is no
        such message in those states."""
        return bool(self.conn.execute(
            "UPDATE outbox SET state = 'dismissed', last_attempt_at = ? WHERE key = ? AND state IN ('failed', 'held')",
            (_ts(at), key)).rowcount)

    def outbox_counts(self) -> dict[str, int]:
        rows = self.conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state")
        return {state: count for state, count in rows}

    def channel_counts(self) -> dict[str, dict[str, int]]:
        """channel -> state -> rows, counted by SQLite."""
        counts: dict[str, dict[str, int]] = {}
        for channel, state, count in self.conn.execute(
                "SELECT channel, state, COUNT(*) FROM outbox GROUP BY channel, state ORDER BY channel"):
            counts.setdefault(channel, {})[state] = count
        return counts


_FEEDS = ("SELECT name, permanent_url, redirected_from, etag, last_modified, last_attempt_at, last_ok_at,"
          " last_error, disabled_reason, disabled_url, cursor FROM feeds")


def _feed(row: tuple) -> FeedState:
    return FeedState(row[0], row[1], row[2], row[3], row[4], _dt(row[5]), _dt(row[6]), row[7],
                     row[8], row[9], row[10])


def _entry(row: tuple) -> OutboxEntry:
    key, council, channel, destination, to, subject, raw, draft, message_key = row[:9]
    item = Outgoing(key, council, channel, destination, tuple(json.loads(to)), subject, raw,
                    message_from_json(draft) if draft is not None else None, message_key)
    return OutboxEntry(item, row[9], row[10], row[11], tuple(json.loads(row[12])), tuple(json.loads(row[13])),
                       row[14], _dt(row[15]), _dt(row[16]))


def _outgoing(message: Message | Outgoing) -> Outgoing:
    if isinstance(message, Outgoing):
        return message
    return Outgoing(key=message.key, council_id=message.council_id, channel="email", to=message.to,
                    subject=message.subject, raw=message.raw, draft=message if message.raw is None else None)


def _pending(to: Iterable[str], delivered: Iterable[str], refused: Iterable[str]) -> tuple[str, ...]:
    done = {*delivered, *refused}
    return tuple(a for a in dict.fromkeys(to) if a not in done)


def _outbox_state(pending: tuple[str, ...], refused: list[str], *, retry: bool) -> str:
    if pending:
        return "queued" if retry else "failed"
    # Nobody left to try: done, unless someone refused it for good (then `outbox --retry`).
    return "failed" if refused else "sent"
