"""Named, transactional schema migrations. Append new ones; never edit an applied one."""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_initial",
        """
        CREATE TABLE feeds (
            name TEXT PRIMARY KEY,
            permanent_url TEXT,
            redirected_from TEXT,
            etag TEXT,
            last_modified TEXT,
            last_attempt_at TEXT,
            last_ok_at TEXT,
            last_error TEXT,
            disabled_reason TEXT,
            disabled_url TEXT,
            cursor TEXT
        );
        CREATE TABLE advisories (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            body TEXT NOT NULL,
            published TEXT,
            first_seen TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE alerted (
            key TEXT PRIMARY KEY,
            council_id TEXT NOT NULL,
            advisory_id TEXT NOT NULL,
            signature TEXT NOT NULL,
            devices INTEGER NOT NULL,
            status TEXT NOT NULL,
            message_key TEXT NOT NULL,
            first_alerted_at TEXT NOT NULL,
            last_alerted_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            remediated_at TEXT
        );
        CREATE INDEX alerted_council ON alerted (council_id);
        CREATE INDEX alerted_advisory ON alerted (advisory_id);
        CREATE TABLE outbox (
            key TEXT PRIMARY KEY,
            council_id TEXT NOT NULL,
            message TEXT NOT NULL,
            raw BLOB,
            state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE INDEX outbox_state ON outbox (state);
        """,
    ),
    (
        # Per-recipient outcomes (JSON arrays of addresses): a message accepted for some
        # recipients and refused for others is resent to those refused with a 4xx only, and
        # never to those that accepted it; those refused with a 5xx wait for `outbox --retry`.
        "0002_outbox_recipients",
        """
        ALTER TABLE outbox ADD COLUMN delivered_to TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE outbox ADD COLUMN refused_to TEXT NOT NULL DEFAULT '[]'
        """,
    ),
    (
        # Fetched documents named by advisories: CVE records (by id) and the article pages of
        # feed items (by url), each with its validators for a conditional refresh. `outcome`:
        # 'ok', 'missing' (the API has no such record), or the last error.
        "0003_lookups",
        """
        CREATE TABLE lookups (
            key TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            fetched_at TEXT NOT NULL,
            outcome TEXT NOT NULL,
            body TEXT
        )
        """,
    ),
    (
        # 'held': a message whose outcome was unknown twice (the connection dropped or timed out
        # after it was sent, before the server's final reply): it may have been delivered twice
        # already, so it waits for the operator. 'dismissed': a failed or held message the
        # operator chose not to send (`outbox --dismiss`). SQLite cannot change a CHECK, so the
        # table is rebuilt with the same rows.
        "0004_outbox_held",
        """
        CREATE TABLE outbox_new (
            key TEXT PRIMARY KEY,
            council_id TEXT NOT NULL,
            message TEXT NOT NULL,
            raw BLOB,
            state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'held', 'dismissed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            delivered_to TEXT NOT NULL DEFAULT '[]',
            refused_to TEXT NOT NULL DEFAULT '[]',
            unknown_outcomes INTEGER NOT NULL DEFAULT 0,
            last_attempt_at TEXT
        );
        INSERT INTO outbox_new (key, council_id, message, raw, state, attempts, last_error,
            created_at, sent_at, delivered_to, refused_to)
            SELECT key, council_id, message, raw, state, attempts, last_error, created_at, sent_at,
            delivered_to, refused_to FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_new RENAME TO outbox;
        CREATE INDEX outbox_state ON outbox (state)
        """,
    ),
    (
        # `stages`: when each stage of a run and each feed last finished well (and was first
        # tried: a feed that never worked is late from then), for `advisories status`.
        # `troubles`: what the operator has been told is wrong (key -> one line), so each
        # trouble is emailed once when it starts and once when it clears, never once per run.
        "0005_health",
        """
        CREATE TABLE stages (
            name TEXT PRIMARY KEY,
            first_attempt_at TEXT NOT NULL,
            last_ok_at TEXT,
            last_attempt_at TEXT NOT NULL,
            last_error TEXT
        );
        CREATE TABLE troubles (
            key TEXT PRIMARY KEY,
            since TEXT NOT NULL,
            text TEXT NOT NULL
        )
        """,
    ),
    (
        # FIRST's EPSS scores, only for the CVE ids stored advisories name (not the ~250,000
        # rows of the daily file): replaced whole each time the file changes. Enrichment only.
        "0006_epss",
        """
        CREATE TABLE epss (
            cve TEXT PRIMARY KEY,
            score REAL NOT NULL,
            percentile REAL NOT NULL,
            scored_on TEXT,
            model TEXT NOT NULL DEFAULT ''
        )
        """,
    ),
    (
        # A council's answers to an alerted exposure, from the signed links in its alert
        # (advisories/acks): who (`sent_to`: the addresses the link was sent to), when, and until
        # when (`until`, a date, for an accepted risk). `signature` is the alert signature the
        # answer was given to: a material change re-alerts, and the answer no longer holds.
        # `reopened_at`: a run told the council again (the acceptance expired, or the inventory
        # still shows what was answered "patched"), once.
        "0007_acks",
        """
        CREATE TABLE acks (
            id INTEGER PRIMARY KEY,
            council_id TEXT NOT NULL,
            key TEXT NOT NULL,
            advisory_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('patched', 'not_affected', 'accepted', 'wrong_match')),
            reason TEXT,
            until TEXT,
            sent_to TEXT NOT NULL,
            signature TEXT NOT NULL,
            answered_at TEXT NOT NULL,
            reopened_at TEXT,
            reopened_why TEXT
        );
        CREATE INDEX acks_council ON acks (council_id, key)
        """,
    ),
    (
        # The bulletin's edition numbers ("April 2023 No.8"): one per period ("2023-04" or
        # "2023-W13"), given when its edition is first sent, so the count goes on across
        # restarts and a resend keeps its number.
        "0008_editions",
        """
        CREATE TABLE editions (
            period TEXT PRIMARY KEY,
            number INTEGER NOT NULL UNIQUE,
            numbered_at TEXT NOT NULL
        )
        """,
    ),
    (
        # What each council was last matched on (store/inputs.py): a council whose inputs are
        # unchanged is not read or matched again. `keys` and `matched` are zlib-compressed
        # lines (its rows' product keys; the advisories that matched a row); `advisories` holds
        # the digest of each advisory as last matched, to tell which ones changed since.
        "0009_inputs",
        """
        CREATE TABLE run_inputs (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE council_inputs (
            council_id TEXT PRIMARY KEY,
            inputs TEXT NOT NULL,
            shared TEXT NOT NULL,
            keys BLOB NOT NULL,
            matched BLOB NOT NULL,
            affected INTEGER NOT NULL,
            unknown INTEGER NOT NULL,
            problems TEXT NOT NULL,
            clashes TEXT NOT NULL,
            checked_at TEXT NOT NULL
        );
        CREATE TABLE advisory_inputs (
            id TEXT PRIMARY KEY,
            digest TEXT NOT NULL
        )
        """,
    ),
    (
        # One row per message, channel and destination (an alert's email, each Teams channel,
        # each webhook), each with its own attempts. Each message is stored once: its bytes
        # (`raw`: MIME for email, the JSON body for a post) beside the few fields delivery reads
        # (recipients, and the Message-ID and References an update threads under), no longer a
        # JSON copy of its text and HTML as well. Only an email queued before its bytes were built
        # keeps its parts (`draft`), until its first attempt builds them. Every existing row is
        # an email: it keeps its key, state, attempts and outcomes.
        "0010_channels",
        """
        CREATE TABLE outbox_new (
            key TEXT PRIMARY KEY,
            message_key TEXT NOT NULL,
            channel TEXT NOT NULL,
            destination TEXT NOT NULL DEFAULT '',
            council_id TEXT NOT NULL,
            subject TEXT NOT NULL DEFAULT '',
            recipients TEXT NOT NULL DEFAULT '[]',
            message_id TEXT NOT NULL DEFAULT '',
            refs TEXT NOT NULL DEFAULT '',
            raw BLOB,
            draft TEXT,
            state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'held', 'dismissed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            delivered_to TEXT NOT NULL DEFAULT '[]',
            refused_to TEXT NOT NULL DEFAULT '[]',
            unknown_outcomes INTEGER NOT NULL DEFAULT 0,
            last_attempt_at TEXT,
            UNIQUE (message_key, channel, destination)
        );
        INSERT INTO outbox_new (key, message_key, channel, destination, council_id, subject, recipients,
            message_id, refs, raw, draft, state, attempts, last_error, created_at, sent_at, delivered_to,
            refused_to, unknown_outcomes, last_attempt_at)
            SELECT key, key, 'email', '', council_id, COALESCE(json_extract(message, '$.subject'), ''),
            COALESCE(json_extract(message, '$.to'), '[]'), COALESCE(json_extract(message, '$.message_id'), ''),
            COALESCE((SELECT json_extract(h.value, '$[1]') FROM json_each(message, '$.headers') AS h
                      WHERE lower(json_extract(h.value, '$[0]')) = 'references' LIMIT 1), ''),
            raw, CASE WHEN raw IS NULL THEN message END, state, attempts, last_error, created_at, sent_at,
            delivered_to, refused_to, unknown_outcomes, last_attempt_at FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_new RENAME TO outbox;
        CREATE INDEX outbox_state ON outbox (state, created_at, key);
        CREATE INDEX outbox_message ON outbox (message_key)
        """,
    ),
    (
        # A council whose inventory alone changed is matched against only the advisories that
        # can concern what changed (inputs.py): `rest` is the digest of its own inputs but its
        # inventory file (kept as last matched beside the state). Each advisory as last matched
        # keeps its product keys, the stored advisories it was merged from, and its place in the
        # merged order.
        "0011_scoped_inputs",
        """
        ALTER TABLE council_inputs ADD COLUMN rest TEXT NOT NULL DEFAULT '';
        ALTER TABLE advisory_inputs ADD COLUMN keys TEXT NOT NULL DEFAULT '';
        ALTER TABLE advisory_inputs ADD COLUMN members TEXT NOT NULL DEFAULT '';
        ALTER TABLE advisory_inputs ADD COLUMN position INTEGER NOT NULL DEFAULT 0
        """,
    ),
)


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply every migration not yet applied, each in its own transaction."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT name FROM migrations")}
    applied = []
    for name, sql in MIGRATIONS:
        if name in done:
            continue
        # executescript commits implicitly, so wrap by hand to keep each migration atomic.
        conn.execute("BEGIN")
        try:
            for statement in (s for s in sql.split(";") if s.strip()):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO migrations VALUES (?, datetime('now'))", (name,)
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
