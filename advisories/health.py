"""Is the service doing its job? What `advisories status` prints and what the operator is told.

Read from the state only: when each feed and each stage last finished well, and the outbox.
A feed is stale when it has not been fetched well for `[operator] silent_after` beyond its own
`every` (a daily feed is not late an hour after its time); a stage when it has not finished
well for `silent_after`. Each trouble is one line under a stable key, so that the operator is
emailed once when it starts and once when it clears (store.update_troubles), never every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from advisories.config import Config
from advisories.delivery.outbox import age, trouble_line
from advisories.store import Store

# The stages a run records (Pipeline): "ingest" (fetch, match, queue) and "deliver" (the relay
# took what was queued, or nothing was queued).
STAGES = ("ingest", "deliver")


@dataclass(frozen=True)
class Check:
    name: str  # "feed ncsc-news", "stage deliver"
    last_ok: datetime | None
    stale: bool
    detail: str  # the last error, or why it is stale


def checks(config: Config, store: Store, at: datetime) -> list[Check]:
    silent = timedelta(seconds=config.operator.silent_after_s)
    states, stages = store.feed_states(), store.stages()

    def check(key: str, label: str, grace: timedelta) -> Check:
        last_ok, first_tried, error = stages.get(key, (None, None, None))
        since = last_ok or first_tried  # never worked: late from the first try
        return Check(label, last_ok, since is not None and at - since > grace, error or "")

    out = []
    for feed in config.feeds:
        state = states.get(feed.name)
        if not feed.enabled:
            continue
        if state is not None and state.disabled_reason:
            out.append(Check(f"feed {feed.name}", state.last_ok_at, True, f"disabled: {state.disabled_reason}"))
        else:  # a daily feed is not late an hour after its time
            key = f"feed {feed.name}"
            out.append(check(key, key, silent + timedelta(seconds=feed.every_s)))
    out.extend(check(name, f"stage {name}", silent) for name in STAGES)
    return out


def troubles(config: Config, store: Store, at: datetime) -> dict[str, str]:
    """What is wrong now and needs the operator: key -> one line."""
    found = {}
    for check in checks(config, store, at):
        if check.stale:
            when = f"last worked {age(at - check.last_ok)} ago" if check.last_ok else "has never worked"
            found[check.name] = f"{check.name}: {when}" + (f" ({check.detail})" if check.detail else "")
    stuck = at - timedelta(seconds=config.operator.stuck_after_s)
    for entry in store.outbox_trouble(stuck):
        # Keyed by message and state: a held message that is then dismissed or sent clears.
        found[f"outbox {entry.item.key} {entry.state}"] = "message " + trouble_line(entry, at)
    return found


def status_lines(config: Config, store: Store, at: datetime) -> tuple[list[str], bool]:
    """`advisories status`: one line per feed and stage, then the outbox; and whether all is well."""
    lines, healthy = [], True
    for check in checks(config, store, at):
        healthy &= not check.stale
        when = f"{check.last_ok:%Y-%m-%d %H:%M}Z ({age(at - check.last_ok)} ago)" if check.last_ok else "never"
        mark = "STALE" if check.stale else "ok"
        lines.append(f"{mark:<5} {check.name:<32} last ok {when}" + (f"  {check.detail}" if check.detail else ""))
    counts = store.outbox_counts()
    waiting = store.outbox_trouble(at - timedelta(seconds=config.operator.stuck_after_s))
    healthy &= not waiting
    lines.append(f"{'ok' if not waiting else 'STALE':<5} outbox{'':<26} queued {counts.get('queued', 0)}, "
                 f"failed {counts.get('failed', 0)}, held {counts.get('held', 0)}; waiting on you {len(waiting)}"
                 + (" (`advisories outbox`)" if waiting else ""))
    return lines, healthy
