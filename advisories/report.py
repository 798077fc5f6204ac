"""The run summary: what one run (or one `serve` job) did and what went wrong, and the two
ways it is written out: the one-screen summary after `run`, and `serve`'s timestamped log lines.

Pure: the lines are built here; only cli.py prints them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path


@dataclass
class RunSummary:
    feeds_fetched: list[str] = field(default_factory=list)
    feeds_not_modified: list[str] = field(default_factory=list)
    feeds_skipped: list[str] = field(default_factory=list)
    feeds_disabled: list[str] = field(default_factory=list)
    feeds_failed: list[str] = field(default_factory=list)
    advisories_new: int = 0
    advisories_updated: int = 0
    advisories_total: int = 0
    councils_checked: int = 0
    councils_unchanged: int = 0  # of those checked: inputs as the last run saw them, not re-read
    inventories_failed: list[str] = field(default_factory=list)
    rules_failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    matches_affected: int = 0
    matches_unknown: int = 0
    emails_queued: int = 0
    emails_sent: int = 0
    emails_retrying: list[str] = field(default_factory=list)
    emails_failed: list[str] = field(default_factory=list)
    emails_held: list[str] = field(default_factory=list)
    # Per channel (email, teams, webhook): rows "queued" this run, and "sent", "retrying",
    # "failed", "held" by delivery. The email line above counts the same for email.
    by_channel: dict[str, dict[str, int]] = field(default_factory=dict)
    # Failed, held or long-queued messages of earlier runs: still waiting on the operator.
    outbox_trouble: list[str] = field(default_factory=list)
    state_errors: list[str] = field(default_factory=list)  # the state could not be written
    publisher_clashes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what a job did that the counts do not say
    # Documents advisories name: CVE records by id, feed items' article pages. A failure here is
    # not a failed run (the advisory keeps what it had) but is named, so it can be looked into.
    lookups: list[str] = field(default_factory=list)  # one count line per kind
    lookups_failed: list[str] = field(default_factory=list)
    # Seconds per phase of the run (config, advisories, inventories, match, alerts, render,
    # queue, deliver), in the order first timed: where a slow run spends its time.
    phases: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phases[phase] = self.phases.get(phase, 0.0) + time.perf_counter() - started

    def absorb(self, part: RunSummary) -> None:
        """Adds what another process did for some of this run's councils: counts add up, lines
        follow this summary's own, a phase's seconds add (work done, not time waited)."""
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(part, f.name)
            if isinstance(mine, list):
                mine.extend(theirs)
            elif f.name == "by_channel":
                for channel, counts in theirs.items():
                    into = mine.setdefault(channel, {})
                    for kind, n in counts.items():
                        into[kind] = into.get(kind, 0) + n
            elif f.name == "phases":
                for phase, seconds in theirs.items():
                    mine[phase] = mine.get(phase, 0.0) + seconds
            else:
                setattr(self, f.name, mine + theirs)

    @property
    def ok(self) -> bool:
        return not (self.feeds_failed or self.inventories_failed or self.rules_failed
                    or self.emails_failed or self.emails_retrying or self.emails_held
                    or self.outbox_trouble or self.state_errors)


def summary_lines(s: RunSummary, seconds: float, *, smtp: bool, outbox: Path) -> list[str]:
    """The one-screen summary that ends every `run`."""
    lines = [
        f"advisories run finished in {seconds:.1f}s",
        f"  feeds       fetched {len(s.feeds_fetched)}, not modified "
        f"{len(s.feeds_not_modified)}, not due {len(s.feeds_skipped)}, disabled "
        f"{len(s.feeds_disabled)}, failed {len(s.feeds_failed)}",
        f"  advisories  new {s.advisories_new}, updated {s.advisories_updated}, "
        f"known {s.advisories_total}",
        f"  councils    checked {s.councils_checked}"
        + (f" ({s.councils_unchanged} unchanged since the last run, not read again)" if s.councils_unchanged else "")
        + f", inventories failed {len(s.inventories_failed)}",
        f"  matches     affected {s.matches_affected}, check manually {s.matches_unknown}",
        f"  emails      queued {s.emails_queued}, sent {s.emails_sent}, "
        f"retrying {len(s.emails_retrying)}, failed {len(s.emails_failed)}"
        + (f", held {len(s.emails_held)}" if s.emails_held else ""),
    ]
    lines.extend(channel_lines(s))
    lines.extend(f"  lookups     {line}" for line in s.lookups)
    if sum(s.phases.values()) >= 1.0:  # where a slow run went; noise on a quick one
        lines.append("  time        " + ", ".join(f"{name} {sec:.1f}s" for name, sec in s.phases.items()))
    if not smtp and s.emails_sent:
        lines.append(f"  no [smtp] configured: {s.emails_sent} email(s) written to {outbox}")
    lines.extend(s.notes)
    for title, items, hidden in sections(s):
        lines.append(f"{title}:")
        lines.extend(f"  - {item}" for item in items)
        if hidden:
            lines.append(f"  ... and {hidden} more")
    return lines


def channel_lines(s: RunSummary) -> list[str]:
    """One count line per channel besides email that queued or delivered anything."""
    from advisories.delivery.channels import label

    lines = []
    for kind, counts in sorted(s.by_channel.items()):
        if kind == "email":
            continue
        line = (f"  {label(kind):<11} queued {counts.get('queued', 0)}, sent {counts.get('sent', 0)}, "
                f"retrying {counts.get('retrying', 0)}, failed {counts.get('failed', 0)}")
        lines.append(line + (f", held {counts['held']}" if counts.get("held") else ""))
    return lines


def event_lines(s: RunSummary, seconds: float, at: str) -> list[str]:
    """`serve`'s log: one timestamped line per job saying what it did, then one per problem,
    so that a container's log reads (and greps) by time."""
    feeds = [*s.feeds_fetched, *(f"{name} (not modified)" for name in s.feeds_not_modified)]
    did = [f"feeds {', '.join(feeds)}"] if feeds else []
    if s.advisories_new or s.advisories_updated:
        did.append(f"advisories new {s.advisories_new}, updated {s.advisories_updated}")
    if s.matches_affected or s.matches_unknown:
        did.append(f"matches affected {s.matches_affected}, check manually {s.matches_unknown}")
    if s.emails_queued or s.emails_sent or s.emails_retrying or s.emails_failed or s.emails_held:
        did.append(f"emails queued {s.emails_queued}, sent {s.emails_sent}, retrying "
                   f"{len(s.emails_retrying)}, failed {len(s.emails_failed)}, held {len(s.emails_held)}")
    did.extend(" ".join(line.split()) for line in channel_lines(s))
    lines = [f"{at} {'; '.join(did) or 'nothing new'} ({seconds:.1f}s)"]
    lines.extend(f"{at}   {note}" for note in s.notes)
    for title, items, hidden in sections(s):
        lines.extend(f"{at}   {title}: {item}" for item in items)
        if hidden:
            lines.append(f"{at}   {title}: ... and {hidden} more")
    return lines


def sections(s: RunSummary) -> list[tuple[str, list[str], int]]:
    """What went wrong or needs a look, by kind: at most 15 lines each, and how many more."""
    out = []
    for title, items in (
        ("state not written", s.state_errors),
        ("feeds failed", s.feeds_failed),
        ("feeds disabled", s.feeds_disabled),
        ("inventories failed", s.inventories_failed),
        ("rules failed", s.rules_failed),
        ("emails failed", s.emails_failed),
        ("emails kept for retry", s.emails_retrying),
        ("emails held (may have been delivered)", s.emails_held),
        ("outbox: waiting on the operator (`advisories outbox`)", s.outbox_trouble),
        ("warnings", s.warnings),
        ("not resolved (the advisory keeps what it had)", s.lookups_failed),
        ("same name, other publisher (check these)", s.publisher_clashes),
    ):
        if items:
            out.append((title, items[:15], sum(map(_problems_in, items[15:]))))
    return out


# An inventory's own cap: "<file>: 65 more problems not shown (...)" (inventory/_common.py).
_NOT_SHOWN = re.compile(r": (\d+) more problems? not shown")


def _problems_in(line: str) -> int:
    """How many problems a summary line stands for."""
    found = _NOT_SHOWN.search(line)
    return int(found[1]) if found else 1
