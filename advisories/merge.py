"""One CVE, one advisory: merge what several sources say about the same CVEs before matching.

Rules (pure, table-tested):
- Advisories sharing a CVE (rules, CSAF, NVD, KEV, and feed items whose versions were read
  from their text) become one, alerted once.
- Versions come from the vendor level (a curated rule or the vendor's CSAF), all of whose
  statements are kept: a narrower source never hides a wider vendor statement. NVD's statements
  are used only when no vendor-level source gives versions, and versions read from prose only
  when no structured source does; where they say something else, it stays visible in `notes`.
- KEV adds what it knows (exploited, due date, ransomware use) to whatever it merges into. A KEV
  entry with nothing to merge into stays on its own as a "review" advisory (no versions: every
  row of its product is "check manually"), but only while it is recent: a catalogue of 1,400
  entries going back to 2021 would otherwise bury a council's first alert in old news.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar

from advisories.alerts import SEVERITY_RANK
from advisories.models import Advisory, AffectedProduct

VENDOR_KINDS = ("rule", "csaf")
MERGED_KINDS = (*VENDOR_KINDS, "nvd", "kev")
KEV_REVIEW_WINDOW = timedelta(days=30)
T = TypeVar("T")
_PREFERENCE = {kind: rank for rank, kind in enumerate(MERGED_KINDS)}


def has_versions(statement: AffectedProduct) -> bool:
    return bool(statement.versions or statement.ranges or statement.all_versions)


def one_per_page(advisories: Iterable[Advisory]) -> list[Advisory]:
    """Feed items linking to the same page, or with no usable link and the same text, are one
    item: the NCSC's "all" feed repeats its news and report items, and a council must not be
    told the same thing twice. The first stored is kept, so a later copy never re-alerts."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for advisory in advisories:
        if advisory.kind not in MERGED_KINDS:
            page = ("url", advisory.url) if advisory.url else ("text", advisory.title, advisory.summary)
            if page in seen:
                continue
            seen.add(page)
        out.append(advisory)
    return out


def merge_by_cve(advisories: Sequence[Advisory], *, now: datetime) -> list[Advisory]:
    """The advisories to match: merged per CVE group, others unchanged, stale KEV left out."""
    out: list[Advisory] = []
    for group in _groups(one_per_page(advisories)):
        merged = group[0] if len(group) == 1 else _merge(group)
        if merged.kind == "kev" and not _recent(merged, now):
            continue
        out.append(merged)
    return out


def _groups(advisories: Sequence[Advisory]) -> list[list[Advisory]]:
    """Connected groups by shared CVE (union-find); non-CVE kinds stay alone."""
    parent = list(range(len(advisories)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[str, int] = {}
    for i, advisory in enumerate(advisories):
        if advisory.kind not in MERGED_KINDS and not any(s.from_text for s in advisory.affects):
            continue  # feed items join a CVE group only once versions were read from their text
        for cve in advisory.cves:
            j = first_with.setdefault(cve, i)
            parent[root(i)] = root(j)
    groups: dict[int, list[Advisory]] = {}
    for i, advisory in enumerate(advisories):
        groups.setdefault(root(i), []).append(advisory)
    return [sorted(g, key=lambda a: (_PREFERENCE.get(a.kind, 99), a.id)) for g in groups.values()]


def _merge(group: list[Advisory]) -> Advisory:
    vendor = [a for a in group if a.kind in VENDOR_KINDS and any(map(has_versions, a.affects))]
    nvd = [a for a in group if a.kind == "nvd" and any(map(has_versions, a.affects))]
    prose = [a for a in group if a.kind not in MERGED_KINDS and any(map(has_versions, a.affects))]
    primary = (vendor or nvd or prose or group)[0]
    chosen = vendor or nvd or prose
    affects = _unique(s for a in chosen for s in a.affects) if chosen else primary.affects
    notes = list(_unique(n for a in group for n in a.notes))
    if vendor or nvd:
        notes.extend(_disagreements(affects, [a for a in (*nvd, *prose) if a not in chosen]))
    kev = [a for a in group if a.kind == "kev"]
    return replace(
        primary,
        severity=max((a.severity for a in group if a.severity),
                     key=lambda s: SEVERITY_RANK.get(s, 0), default=None),
        exploited=any(a.exploited for a in group),
        cves=tuple(sorted({c for a in group for c in a.cves})),
        links=_unique(link for a in group for link in a.links),
        action=primary.action or next((a.action for a in group if a.action), None),
        summary=primary.summary or next((a.summary for a in group if a.summary), ""),
        affects=affects,
        due_date=min((a.due_date for a in kev if a.due_date), default=primary.due_date),
        ransomware=next((a.ransomware for a in kev if a.ransomware == "Known"),
                        kev[0].ransomware if kev else primary.ransomware),
        notes=tuple(notes),
        sources=tuple(a.id for a in group),
    )


def _disagreements(vendor: tuple[AffectedProduct, ...], others: list[Advisory]) -> list[str]:
    said = {s.describe() for s in vendor}
    notes = []
    for advisory in others:
        for statement in advisory.affects:
            if has_versions(statement) and statement.describe() not in said:
                notes.append(f"{advisory.id} says {statement.describe()}; this alert follows "
                             "the vendor's own statement")
    return notes


def _recent(advisory: Advisory, now: datetime) -> bool:
    return advisory.published is None or now - advisory.published <= KEV_REVIEW_WINDOW


def _unique(items: Iterable[T]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(items))
