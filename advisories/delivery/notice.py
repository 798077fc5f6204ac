"""The neutral message: what one notice says, built once, whatever channel carries it.

A `Notice` is a council's alert (alerts.CouncilAlert: its advisories in priority order, each
with the council's own rows and what changed since it was last told) with where it goes and
when it was made. `items` reads it as plain facts, most urgent first, for the channels that
do not use the email templates: the Teams card and the webhook document are both built from it.

A `WithdrawalNotice` is the other thing a council is told: alerts it had through CVEs since
rejected are withdrawn (alerts.Withdrawal). It goes wherever an alert goes; `rejected` reads it
as plain facts, one CVE at a time with why it was rejected and the rows it had been told of.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from advisories import priority
from advisories.alerts import AlertSection, CouncilAlert, Withdrawal
from advisories.models import PLATFORM_NAMES, Status

HOSTS = 20  # device names per row, as in the email and the CSV


@dataclass(frozen=True)
class Destination:
    """One place a council's alerts are posted: its channel and the environment variables
    holding its URL (and, for a signed webhook, its secret)."""

    kind: str  # a channel in delivery.channels.CHANNELS other than "email"
    url_env: str
    secret_env: str | None = None


@dataclass(frozen=True)
class Notice:
    alert: CouncilAlert  # the whole alert, as build_alert made it
    run_time: str  # when it was made, on the council's clock ("30 March 2023 09:00 BST")
    destinations: tuple[Destination, ...] = ()  # besides the email to alert.recipients
    test: bool = False  # `advisories test-send`: clearly marked, about nothing real
    # What only the email's templates use (the answer links of acks/, per recipient).
    email_context: Mapping[str, Any] = field(default_factory=dict)
    name: str = ""  # its outbox key, when not the alert's own (a test send's)

    @property
    def key(self) -> str:
        return self.name or self.alert.message_key

    @property
    def council_id(self) -> str:
        return self.alert.council_id

    @property
    def title(self) -> str:
        """One line naming it: for the outbox's lines and a card's heading."""
        a = self.alert
        count = len(a.all_sections)
        what = "update" if a.is_update else "alert"
        test = "TEST " if self.test else ""
        severity = f"[{a.top_severity.upper()}] " if a.top_severity else ""
        return f"{test}{severity}{a.council_name}: security {what}, {count} advisor{'y' if count == 1 else 'ies'}"


@dataclass(frozen=True)
class Row:
    """One affected row of the council's inventory."""

    product: str
    vendor: str
    version: str
    platform: str  # as people read it: "Windows", "macOS"
    devices: int
    status: str  # "affected" or "check manually"
    hosts: tuple[str, ...] = ()  # the first HOSTS device names, where the export gives them


@dataclass(frozen=True)
class Item:
    """One advisory as the council reads it."""

    id: str
    title: str
    severity: str | None
    exploited: bool
    kev_due: date | None
    cves: tuple[str, ...]
    why: str  # why it stands where it does in the order
    action: str
    links: tuple[str, ...]
    rows: tuple[Row, ...]
    update: bool  # the council was told of this advisory before
    changes: tuple[str, ...]  # what changed since, one line each
    thread: str  # stable per council and advisory: a receiver's ticket or thread to add to

    @property
    def devices(self) -> int:
        return sum(r.devices for r in self.rows)


def items(notice: Notice) -> list[Item]:
    """The alert's advisories, most urgent first, each with every one of its rows."""
    return [_item(notice.council_id, s) for s in notice.alert.sections]


def _item(council_id: str, s: AlertSection) -> Item:
    a = s.advisory
    rows = tuple(
        Row(
            m.item.product,
            m.item.vendor,
            m.item.version or "(no version)",
            PLATFORM_NAMES.get(m.item.platform, m.item.platform),
            m.item.devices,
            "check manually" if m.status is Status.UNKNOWN else "affected",
            m.item.hosts[:HOSTS],
        )
        for m in (*s.matches, *s.more)
    )
    changes = s.changes or ((s.change,) if s.change else ())
    links = tuple(dict.fromkeys([*([a.url] if a.url else []), *a.links]))
    return Item(
        id=a.id,
        title=a.title,
        severity=a.severity,
        exploited=a.exploited,
        kev_due=a.due_date,
        cves=a.cves,
        why=priority.why(a),
        action=a.action or "Read the advisory and apply the vendor's fix or workaround.",
        links=links,
        rows=rows,
        update=s.update,
        changes=changes,
        thread=f"{council_id}|{(sorted(a.cves) or [a.id])[0]}",
    )


@dataclass(frozen=True)
class WithdrawalNotice:
    """A council told that what it was alerted of through now-rejected CVEs is withdrawn."""

    withdrawal: Withdrawal
    run_time: str  # when it was made, on the council's clock
    destinations: tuple[Destination, ...] = ()  # besides the email to withdrawal.recipients

    @property
    def key(self) -> str:
        return self.withdrawal.message_key

    @property
    def council_id(self) -> str:
        return self.withdrawal.council_id

    @property
    def title(self) -> str:
        cves = [cve for cve, _ in self.withdrawal.reasons]
        named = ", ".join(cves[:3]) + (f" and {len(cves) - 3} more" if len(cves) > 3 else "")
        them = "it" if len(cves) == 1 else "them"
        return f"[WITHDRAWN] {self.withdrawal.council_name}: {named} rejected; no action needed for {them}"


@dataclass(frozen=True)
class ToldRow:
    """One row of the council's inventory it had been alerted of through a rejected CVE."""

    product: str
    version: str
    platform: str  # as people read it
    devices: int
    first_alerted: str  # as the council's calendar shows it ("26 September 2023")
    first_alerted_on: date | None  # the same day, for a machine


@dataclass(frozen=True)
class Rejected:
    """One rejected CVE: what its record now says, and what the council had been told through it."""

    cve: str
    reason: str
    rows: tuple[ToldRow, ...]

    @property
    def devices(self) -> int:
        return sum(r.devices for r in self.rows)


def rejected(notice: WithdrawalNotice) -> list[Rejected]:
    """The rejected CVEs in the notice's order, each with every one of its rows."""
    w = notice.withdrawal
    return [
        Rejected(
            cve,
            reason,
            tuple(
                ToldRow(
                    r.product,
                    r.version or "(no version)",
                    PLATFORM_NAMES.get(r.platform, r.platform),
                    r.devices,
                    r.first_alerted,
                    r.first_alerted_on,
                )
                for r in w.rows
                if r.cve == cve
            ),
        )
        for cve, reason in w.reasons
    ]
