"""Matches -> one alert per council: which exposures are new, or materially changed, since last told.

Pure: the caller passes what was alerted before (key -> signature) and stores what this returns.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property

from advisories.models import PLATFORM_NAMES, SEVERITIES, Advisory, AffectedProduct, Match, Status
from advisories.priority import order_key

SEVERITY_RANK = {s: len(SEVERITIES) - i for i, s in enumerate(SEVERITIES)}
# Rows listed in an alert's body; the rest go in an attached CSV. 100 rows of a real alert are
# about 100 KB of text and HTML, so the email stays small whatever the council's estate (an
# alert with 5,000 rows, CSV included, is about 1.3 MB: tests/test_limits.py measures it).
BODY_ROWS = 100
# Advisories told in full in one email; the others get one line each (and their rows are in the
# CSV). A council's first alert can match hundreds: the most urgent ten are what it reads first.
SECTIONS_IN_FULL = 10


@dataclass(frozen=True)
class AlertSection:
    """One advisory in a council's alert, with that council's own affected rows."""

    advisory: Advisory
    matches: tuple[Match, ...]
    change: str | None  # why this is a re-alert ("exploitation newly confirmed"), None if new
    more: tuple[Match, ...] = ()  # its rows beyond the body's limit: in the attached CSV
    # The council was told of this advisory before: what changed since that email, one line each.
    update: bool = False
    changes: tuple[str, ...] = ()

    # Cached: the templates read these once per line of the alert, for each part (text, HTML).
    @cached_property
    def devices(self) -> int:
        return sum(m.item.devices for m in (*self.matches, *self.more))

    @cached_property
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
    # Advisories beyond SECTIONS_IN_FULL (see within()): one line each; their rows in the CSV.
    brief: tuple[AlertSection, ...] = ()
    # Message-IDs of the earlier emails on these advisories to this council, oldest first: the
    # update's In-Reply-To and References, so a mail client threads it under the first alert.
    thread: tuple[str, ...] = ()
    # Why exposures told before with nothing material changed are told again (an acceptance
    # expired, "patched" contradicted): part of the message key, so the re-alert is a new email.
    occasion: str = ""

    @cached_property
    def counts_only(self) -> bool:
        """Some row comes from an export with device counts but no device names."""
        return any(not m.item.hosts for s in self.all_sections for m in (*s.matches, *s.more))

    @property
    def is_update(self) -> bool:
        """Every advisory in it was told to the council before: an update, not news."""
        return all(s.update for s in self.all_sections)

    @property
    def top_severity(self) -> str | None:
        ranked = [s.advisory.severity for s in self.all_sections if s.advisory.severity]
        return max(ranked, key=lambda s: SEVERITY_RANK.get(s, 0), default=None)

    @cached_property
    def products(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for section in self.all_sections:
            for m in (*section.matches, *section.more):
                seen.setdefault(m.statement.product, None)
        return tuple(seen)

    @property
    def all_sections(self) -> tuple[AlertSection, ...]:
        return self.sections + self.hidden + self.brief

    @property
    def rows_shown(self) -> int:
        return sum(len(s.matches) for s in self.sections)

    @cached_property
    def rows_in_csv(self) -> tuple[Match, ...]:
        """Once the body leaves anything out, the CSV lists every row of the alert (a council
        works from one list), most urgent first; else nothing."""
        cut = self.brief or self.hidden or any(s.more for s in self.sections)
        rows = [m for s in self.all_sections for m in (*s.matches, *s.more)]
        return tuple(sorted(rows, key=_urgency)) if cut else ()

    @cached_property
    def rows_total(self) -> int:
        return sum(len(s.matches) + len(s.more) for s in self.all_sections)

    @property
    def csv_name(self) -> str:
        return f"{self.council_id}-affected-rows.csv"

    def within(self, limit: int = BODY_ROWS, sections: int = SECTIONS_IN_FULL) -> CouncilAlert:
        """This alert (as build_alert made it) with its first `sections` advisories in full and
        the rest `brief`, and only the `limit` most urgent rows in the full ones (the body); the
        others move to each section's `more`, and a section left with none moves to `hidden`.

        Most urgent: the advisory's priority (priority.py: exploited, KEV due date, CVSS, EPSS),
        then confirmed affected before "check manually", then the most devices. The order
        within a section is kept.
        """
        if len(self.sections) > sections:
            return replace(self, sections=self.sections[:sections],
                           brief=self.sections[sections:]).within(limit, sections)
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
    first_alerted_on: date | None = None  # the same day, for a machine (a webhook's document)


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

    @property
    def shown(self) -> tuple[WithdrawnRow, ...]:
        """The rows the notice lists; beyond BODY_ROWS, every row is in the attached CSV."""
        return self.rows[:BODY_ROWS]

    @property
    def csv_name(self) -> str:
        return f"{self.council_id}-withdrawn-rows.csv"


def withdrawn_row(key: str, devices: int, first_alerted: str, on: date | None = None) -> WithdrawnRow:
    """An alert key ("council|CVE|product|version|platform", see alert_keys) read back."""
    _, cve, rest = key.split("|", 2)
    product, version, platform = rest.rsplit("|", 2)
    return WithdrawnRow(key, cve, product, version, platform, devices, first_alerted, on)


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


def told_key(match: Match, previous: Mapping[str, str], spellings: tuple[str, ...] | None = None) -> str:
    """The key an exposure is recorded under: the spelling it was first told under, if any.
    `spellings`: its alert_keys, when the caller has them already."""
    spellings = spellings or alert_keys(match)
    return next((k for k in spellings if k in previous), spellings[0])


def signature(match: Match) -> str:
    """What, if it changes in a material way, makes an exposure worth telling again; and what
    an update says changed (the KEV due date, the fixed versions), which alone tells nobody.

    Scores are left out on purpose: EPSS changes daily and CVSS is re-scored by NVD and CISA;
    they order what is sent, but never send anything by themselves.
    """
    s = match.statement
    due = match.advisory.due_date
    return json.dumps({
        "affected": sorted({*s.versions, *(repr(r) for r in s.ranges), *(["*"] * s.all_versions)}),
        "platform": s.platform,
        "exploited": match.advisory.exploited,
        "severity": match.advisory.severity,
        "status": match.status.value,
        "due": due.isoformat() if due else None,
        "fixes": sorted({r.upper.version for r in s.ranges if r.upper is not None and not r.upper.inclusive}),
    }, sort_keys=True)


class Signatures:
    """`signature` per (statement, advisory, status), remembered for one run's councils: a
    sector run judges the same advisory's statement for hundreds of councils, and its
    signature is the same for each. Entries hold the objects they are keyed by, so no key
    outlives them; make one per run, not one per process."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, int, Status], tuple[AffectedProduct, Advisory, str]] = {}

    def __call__(self, match: Match) -> str:
        key = (id(match.statement), id(match.advisory), match.status)
        known = self._known.get(key)
        if known is None:
            known = self._known[key] = (match.statement, match.advisory, signature(match))
        return known[2]


def what_changed(old: str, new: str, devices: tuple[int, int] | None = None) -> list[str]:
    """Since the last email on an exposure, in the words of the update's opener. Fields an
    earlier version's signature lacks are not reported as changed."""
    a, b = json.loads(old), json.loads(new)
    lines = []
    if b["exploited"] and not a["exploited"]:
        lines.append("now exploited in the wild")
    if SEVERITY_RANK.get(b["severity"], 0) > SEVERITY_RANK.get(a["severity"], 0):
        lines.append(f"severity raised to {b['severity']}")
    if a["status"] == "unknown" and b["status"] == "affected":
        lines.append("your version is now confirmed affected (it was \"check manually\")")
    if "due" in a and b.get("due") and b["due"] != a["due"]:
        lines.append(f"CISA KEV due date {b['due']}")
    if "fixes" in a and b.get("fixes") and not a["fixes"]:
        lines.append(f"a fix is published: {', '.join(b['fixes'])}")
    if devices is not None and devices[0] != devices[1]:
        lines.append(f"devices: {devices[0]} then, {devices[1]} now")
    return lines


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
    previous: Mapping[str, str],
    devices: Mapping[str, int] | None = None,
    answered: Mapping[str, str] | None = None,
    told_again: Mapping[str, str] | None = None,
    signed: Callable[[Match], str] = signature,
) -> CouncilAlert | None:
    """The council's alert for this run: new exposures and materially changed ones only.

    `previous`: key -> signature of what was told before; `devices`: key -> devices then.
    `answered` (key -> the signature the council answered, acks.decide) re-alerts only on a
    material change since that answer; `told_again` (key -> why) are told again regardless.
    `signed`: `signature`, or a run's `Signatures` (the same answers, each worked out once).
    """
    answered, told_again = answered or {}, told_again or {}
    by_advisory: dict[str, list[Match]] = {}
    changes: dict[str, str | None] = {}
    told: dict[str, list[str]] = {}  # for an update: what changed, line by line
    keys: list[tuple[str, str]] = []
    subjects = {key.split("|")[1] for key in previous}  # the CVEs (or ids) told before
    for m in matches:
        if m.item.council_id != council_id:
            # Defence in depth: the caller filters already; one council's rows never cross.
            raise ValueError(f"match for {m.item.council_id} passed to {council_id}'s alert")
        spellings = alert_keys(m)
        key, sig = told_key(m, previous, spellings), signed(m)  # an exposure keeps the key it was first told under
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
        if any(k.split("|")[1] in subjects for k in spellings):  # the council has heard of it
            told.setdefault(m.advisory.id, []).extend(
                [*([told_again[key]] if key in told_again else []), *_told_lines(m, old, sig, devices)])
        keys.append((key, sig))
    if not by_advisory:
        return None
    sections = [
        AlertSection(ms[0].advisory, tuple(sorted(ms, key=_row_order)), changes[aid],
                     update=aid in told, changes=tuple(dict.fromkeys(told.get(aid, ()))))
        for aid, ms in by_advisory.items()
    ]
    sections.sort(key=lambda s: order_key(s.advisory))
    occasion = json.dumps(sorted((k, why) for k, why in told_again.items() if k in dict(keys)))
    return CouncilAlert(council_id, council_name, recipients, tuple(sections), tuple(keys),
                        occasion=occasion if occasion != "[]" else "")


def _told_lines(m: Match, old: str | None, sig: str, devices: Mapping[str, int] | None) -> list[str]:
    """What an update says about one exposure of an advisory the council was told of before."""
    item = m.item
    where = f"{item.product} {item.version or '(no version)'} on {PLATFORM_NAMES.get(item.platform, item.platform)}"
    if old is None:
        return [f"newly affected: {where}"]
    known = next((devices[k] for k in alert_keys(m) if devices and k in devices), None)
    lines = what_changed(old, sig, None if known is None else (known, item.devices))
    return [f"{line} ({where})" if line.startswith("devices") else line for line in lines]


def _row_order(m: Match) -> tuple[str, str, str]:
    return (m.item.product.casefold(), m.item.platform, m.item.version)


def _urgency(m: Match) -> tuple[object, ...]:
    return (order_key(m.advisory), m.status is Status.UNKNOWN, -m.item.devices, *_row_order(m))
