"""Matches -> one alert per council: which exposures are new, or materially changed, since last told.

Pure: the caller passes what was alerted before (key -> signature) and stores what this returns.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace

from advisories.models import SEVERITIES, Advisory, Match, Status

SEVERITY_RANK = {s: len(SEVERITIES) - i for i, s in enumerate(SEVERITIES)}
# Rows listed in an alert's body; the rest go in an attached CSV. 100 rows of a real alert are
# about 100 KB of text and HTML, so the email stays small whatever the council's estate (an
# alert with 5,000 rows, CSV included, is about 1.3 MB: tests/test_limits.py measures it).
BODY_ROWS = 100


@dataclass(frozen=True)
class AlertSection:
    """One advisory in a council's alert, with that council's own affected rows."""

    advisory: Advisory
    matches: tuple[Match, ...]
    change: str | None  # why this is a re-alert ("exploitation newly confirmed"), None if new
    more: tuple[Match, ...] = ()  # its rows beyond the body's limit: in the attached CSV

    @property
    def devices(self) -> int:
        return sum(m.item.devices for m in (*self.matches, *self.more))

    @property
    def unknown_only(self) -> bool:
        return all(m.status is Status.UNKNOWN for m in (*self.matches, *self.more))


@dataclass(frozen=True)
class CouncilAlert:
    council_id: str
    council_name: str
    recipients: tuple[str, ...]
    sections: tuple[AlertSection, ...]
    keys: tuple[tuple[str, str], ...]  # (alert key, signature) for every exposure included
    # Advisories none of whose rows fit in the body (see within()): only in the attached CSV.
    hidden: tuple[AlertSection, ...] = ()
    # Why exposures told before with nothing material changed are told again (an acceptance
    # expired, "patched" contradicted): part of the message key, so the re-alert is a new email.
    occasion: str = ""

    @property
    def top_severity(self) -> str | None:
        ranked = [s.advisory.severity for s in self.all_sections if s.advisory.severity]
        return max(ranked, key=lambda s: SEVERITY_RANK.get(s, 0), default=None)

    @property
    def products(self) -> list[str]:
        seen: dict[str, None] = {}
        for section in self.all_sections:
            for m in (*section.matches, *section.more):
                seen.setdefault(m.statement.product, None)
        return list(seen)

    @property
    def all_sections(self) -> tuple[AlertSection, ...]:
        return self.sections + self.hidden

    @property
    def rows_shown(self) -> int:
        return sum(len(s.matches) for s in self.sections)

    @property
    def rows_in_csv(self) -> tuple[Match, ...]:
        """The rows not in the body, most urgent first, as the CSV lists them."""
        rest = [m for s in self.sections for m in s.more] + [m for s in self.hidden for m in s.matches]
        return tuple(sorted(rest, key=_urgency))

    @property
    def csv_name(self) -> str:
        return f"{self.council_id}-more-rows.csv"

    def within(self, limit: int = BODY_ROWS) -> CouncilAlert:
        """This alert (as build_alert made it) with only its `limit` most urgent rows in the
        sections (the body); the others move to each section's `more`, and a section left with
        none moves whole to `hidden`.

        Most urgent: the advisory's severity, then exploited, then confirmed affected before
        "check manually", then the most devices. The order within a section is kept.
        """
        rows = [m for s in self.sections for m in s.matches]
        if len(rows) <= limit:
            return self
        chosen = {id(m) for m in sorted(rows, key=_urgency)[:limit]}
        shown, hidden = [], []
        for s in self.sections:
            kept = tuple(m for m in s.matches if id(m) in chosen)
            if kept:
                shown.append(replace(s, matches=kept, more=tuple(m for m in s.matches if id(m) not in chosen)))
            else:
                hidden.append(s)
        return replace(self, sections=tuple(shown), hidden=tuple(hidden))

    @property
    def message_key(self) -> str:
        told = json.dumps(sorted(self.keys)) + (self.occasion and "\n" + self.occasion)
        digest = hashlib.sha256(told.encode()).hexdigest()[:20]
        return f"alert-{self.council_id}-{digest}"


@dataclass(frozen=True)
class WithdrawnRow:
    """One exposure a council was told of through a CVE its CNA has since rejected."""

    key: str
    cve: str
    product: str
    version: str
    platform: str
    devices: int
    first_alerted: str  # the date it was first told, as the council's calendar shows it


@dataclass(frozen=True)
class Withdrawal:
    """A notice to a council: these exposures were alerted through CVEs now rejected."""

    council_id: str
    council_name: str
    recipients: tuple[str, ...]
    rows: tuple[WithdrawnRow, ...]
    reasons: tuple[tuple[str, str], ...]  # (CVE, what its record now says: reason, replacement)

    @property
    def message_key(self) -> str:
        digest = hashlib.sha256(json.dumps(sorted(r.key for r in self.rows)).encode()).hexdigest()[:20]
        return f"withdrawn-{self.council_id}-{digest}"


def withdrawn_row(key: str, devices: int, first_alerted: str) -> WithdrawnRow:
    """An alert key ("council|CVE|product|version|platform", see alert_keys) read back."""
    _, cve, rest = key.split("|", 2)
    product, version, platform = rest.rsplit("|", 2)
    return WithdrawnRow(key, cve, product, version, platform, devices, first_alerted)


def alert_keys(match: Match) -> tuple[str, ...]:
    """The keys of one exposure: council x CVE x the row's product, version and platform.

    One key per CVE (or the advisory id when it has none), all naming the same exposure: when
    another source joins a CVE group (NVD after a rule, a feed item citing a second CVE) the
    exposure is still found under the key it was first told under. The row's own product name
    is used, not the statement's, which changes when a vendor statement replaces NVD's.
    """
    item = match.item
    row = (item.product.strip().casefold(), item.version.strip().casefold(), item.platform)
    subjects = sorted(match.advisory.cves) or [match.advisory.id]
    return tuple("|".join((item.council_id, subject, *row)) for subject in subjects)


def told_key(match: Match, previous: Mapping[str, str]) -> str:
    """The key an exposure is recorded under: the spelling it was first told under, if any."""
    spellings = alert_keys(match)
    return next((k for k in spellings if k in previous), spellings[0])


def signature(match: Match) -> str:
    """What, if it changes in a material way, makes an exposure worth telling again."""
    s = match.statement
    return json.dumps({
        "affected": sorted({*s.versions, *(repr(r) for r in s.ranges), *(["*"] * s.all_versions)}),
        "platform": s.platform,
        "exploited": match.advisory.exploited,
        "severity": match.advisory.severity,
        "status": match.status.value,
    }, sort_keys=True)


def material_change(old: str, new: str) -> str | None:
    """Why `new` is worth a re-alert over `old`, or None. Narrowing or downgrades stay quiet.

    Newly listed versions or platforms reach the councils that run them as new exposures
    (new keys); a council already told about its own version is not told again because
    the advisory grew elsewhere.
    """
    a, b = json.loads(old), json.loads(new)
    if b["exploited"] and not a["exploited"]:
        return "exploitation newly confirmed"
    if SEVERITY_RANK.get(b["severity"], 0) > SEVERITY_RANK.get(a["severity"], 0):
        return f"severity raised to {b['severity']}"
    if a["status"] == "unknown" and b["status"] == "affected":
        return "the version is now confirmed affected"
    return None


def build_alert(
    council_id: str,
    council_name: str,
    recipients: tuple[str, ...],
    matches: list[Match],
    previous: dict[str, str],
    answered: Mapping[str, str] | None = None,
    told_again: Mapping[str, str] | None = None,
) -> CouncilAlert | None:
    """The council's alert for this run: new exposures and materially changed ones only.

    `answered` (key -> the signature the council answered, acks.decide) re-alerts only on a
    material change since that answer; `told_again` (key -> why) are told again regardless.
    """
    answered, told_again = answered or {}, told_again or {}
    by_advisory: dict[str, list[Match]] = {}
    changes: dict[str, str | None] = {}
    keys: list[tuple[str, str]] = []
    for m in matches:
        if m.item.council_id != council_id:
            # Defence in depth: the caller filters already; one council's rows never cross.
            raise ValueError(f"match for {m.item.council_id} passed to {council_id}'s alert")
        key, sig = told_key(m, previous), signature(m)  # an exposure keeps the key it was first told under
        old = previous.get(key)
        change = None if old is None else material_change(old, sig)
        if key in answered and material_change(answered[key], sig) is None:
            continue
        change = change or told_again.get(key)
        if old is not None and change is None:
            continue
        by_advisory.setdefault(m.advisory.id, []).append(m)
        if m.advisory.id not in changes or change is None:
            changes[m.advisory.id] = change
        keys.append((key, sig))
    if not by_advisory:
        return None
    sections = [
        AlertSection(ms[0].advisory, tuple(sorted(ms, key=_row_order)), changes[aid])
        for aid, ms in by_advisory.items()
    ]
    sections.sort(key=lambda s: (-SEVERITY_RANK.get(s.advisory.severity or "", 0),
                                 not s.advisory.exploited, s.advisory.title))
    occasion = json.dumps(sorted((k, why) for k, why in told_again.items() if k in dict(keys)))
    return CouncilAlert(council_id, council_name, recipients, tuple(sections), tuple(keys),
                        occasion=occasion if occasion != "[]" else "")


def _row_order(m: Match) -> tuple[str, str, str]:
    return (m.item.product.casefold(), m.item.platform, m.item.version)


def _urgency(m: Match) -> tuple[int, bool, bool, int, str, str, str, str]:
    return (-SEVERITY_RANK.get(m.advisory.severity or "", 0), not m.advisory.exploited,
            m.status is Status.UNKNOWN, -m.item.devices, m.advisory.title, *_row_order(m))
