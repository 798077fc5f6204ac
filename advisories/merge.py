"""One CVE, one advisory: merge what several sources say about the same CVEs before matching.

Rules (pure, table-tested):
- Advisories sharing a CVE (rules, CSAF, CVE records, NVD, KEV, and feed items that name the
  CVE) become one, alerted once.
- One resolution order decides whose statements a merged advisory carries, read from each
  source's declared authority (sources.authority_of): the LGA team's curated rule > the
  vendor's CSAF > the CNA's CVE record > CISA-ADP > NVD > KEV > a prose reading. The strongest
  source that gives versions decides; a curated rule and the vendor's CSAF are one level, all
  of whose statements are kept, so a narrower source never hides a wider vendor statement.
  What a weaker source says otherwise stays visible in `notes`, never alerts.
- A feed item (an NCSC report or news item) that names the CVE keeps its own title, summary
  and link: the council reads the NCSC's words, with versions from the strongest source.
- A CVE record REJECTED by its CNA withdraws what that record (and its CISA-ADP data) said.
- Priority signals are kept from every source, never chosen between: each CVSS score with who
  gave it (the CNA, CISA-ADP, NVD; the same score NVD copied from the CNA once), the earliest
  KEV date added, CISA's required action, the strongest SSVC Exploitation.
- KEV adds what it knows (exploited, due date, ransomware use) to whatever it merges into. A KEV
  entry with nothing to merge into stays on its own as a "review" advisory (no versions: every
  row of its product is "check manually"), but only while it is recent: a catalogue of 1,400
  entries going back to 2021 would otherwise bury a council's first alert in old news.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from advisories.alerts import SEVERITY_RANK
from advisories.models import Advisory, AffectedProduct, Score
from advisories.sources import authority_of
from advisories.sources.cve_metrics import SSVC_EXPLOITATION

_SCORERS = ("CNA", "CISA-ADP", "NVD")
_VERSIONS = {"4.0": 0, "3.1": 1, "3.0": 2}

KEV_REVIEW_WINDOW = timedelta(days=30)
T = TypeVar("T")


def _rank(advisory: Advisory) -> int:
    return authority_of(advisory.kind).rank


def _level(advisory: Advisory) -> int:
    """Ranks up to the vendor's CSAF (the curated rule and the CSAF) are one level: a union."""
    return max(_rank(advisory), authority_of("csaf").rank)


def _structured(advisory: Advisory) -> bool:
    return authority_of(advisory.kind).structured


def has_versions(statement: AffectedProduct) -> bool:
    return bool(statement.versions or statement.ranges or statement.all_versions)


def one_per_page(advisories: Iterable[Advisory]) -> list[Advisory]:
    """Feed items linking to the same page, or with no usable link and the same text, are one
    item: the NCSC's "all" feed repeats its news and report items, and a council must not be
    told the same thing twice. The first stored is kept, so a later copy never re-alerts."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for advisory in advisories:
        if not _structured(advisory):
            page = ("url", advisory.url) if advisory.url else ("text", advisory.title, advisory.summary)
            if page in seen:
                continue
            seen.add(page)
        out.append(advisory)
    return out


def merge_by_cve(advisories: Sequence[Advisory], *, now: datetime) -> list[Advisory]:
    """The advisories to match: merged per CVE group, others unchanged, stale KEV left out."""
    out: list[Advisory] = []
    for group in _groups(_without_rejected(one_per_page(advisories))):
        merged = _said_by(group[0]) if len(group) == 1 else _merge(group)
        if merged.kind == "kev" and not _recent(merged, now):
            continue
        out.append(merged)
    return out


def _said_by(advisory: Advisory) -> Advisory:
    """A lone advisory decides its own versions: say so, as a merged one does."""
    if advisory.versions_from or not any(map(has_versions, advisory.affects)):
        return advisory
    return replace(advisory, versions_from=authority_of(advisory.kind).label)


def rejected_cves(advisories: Iterable[Advisory]) -> dict[str, tuple[str, ...]]:
    """Rejected CVE id -> the ids that replace it (a duplicate's), or () (withdrawn outright)."""
    return {cve: a.replaced_by for a in advisories if a.withdrawn for cve in a.cves}


def _without_rejected(advisories: list[Advisory]) -> list[Advisory]:
    """A REJECTED record's CVE says nothing any more: its record, its CISA-ADP data, NVD's and
    KEV's entries for it go. Rules, CSAF and feed items stay (they may name other CVEs too) and
    name the CVEs that replace a rejected duplicate instead of it: an NCSC item about
    CVE-2023-5129 is about CVE-2023-4863 now."""
    gone = rejected_cves(advisories)
    if not gone:
        return advisories
    derived = {"cve", "cve-adp", "nvd", "kev"}
    out = []
    for a in advisories:
        if a.withdrawn or (a.kind in derived and set(a.cves) <= set(gone)):
            continue
        if gone.keys() & set(a.cves):
            a = replace(a, cves=_unique(r for c in a.cves for r in (gone.get(c, (c,)))))
        out.append(a)
    return out


def _groups(advisories: Sequence[Advisory]) -> list[list[Advisory]]:
    """Structured advisories grouped by shared CVE (union-find); strongest source first.

    A feed item (prose) never links two groups: a weekly round-up naming a Chrome CVE and a
    FortiOS CVE must not make one advisory whose Chrome rule decides FortiOS's versions. It joins
    each group it names, as that group's words (its id suffixed with the group's first CVE when
    it names several); an item naming no grouped CVE stands alone.
    """
    structured = [a for a in advisories if _structured(a)]
    parent = list(range(len(structured)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[str, int] = {}
    for i, advisory in enumerate(structured):
        for cve in advisory.cves:
            j = first_with.setdefault(cve, i)
            parent[root(i)] = root(j)
    groups: dict[int, list[Advisory]] = {}
    for i, advisory in enumerate(structured):
        groups.setdefault(root(i), []).append(advisory)
    alone: list[list[Advisory]] = []
    for item in (a for a in advisories if not _structured(a)):
        named = _unique(root(first_with[c]) for c in item.cves if c in first_with)
        for g in named:
            own = {c for a in groups[g] for c in a.cves}
            copy = replace(item, cves=tuple(c for c in item.cves if c in own))
            groups[g].append(copy if len(named) == 1 else replace(copy, id=f"{item.id}#{copy.cves[0]}"))
        if not named:
            alone.append([item])
    return [sorted(g, key=lambda a: (_rank(a), a.id)) for g in groups.values()] + alone


def _merge(group: list[Advisory]) -> Advisory:
    """`group` is sorted strongest first; see the module docstring for who decides what."""
    with_versions = [a for a in group if any(map(has_versions, a.affects))]
    chosen = [a for a in with_versions if _level(a) == _level(with_versions[0])] if with_versions else []
    decider = (chosen or group)[0]
    # The NCSC's (or a vendor feed's) item is what the council reads; the versions are the decider's.
    shown = next((a for a in group if not _structured(a)), decider)
    if chosen:
        affects = _unique(s for a in chosen for s in a.affects)
    else:  # nobody gives versions: every "check manually" that names a product stands
        affects = _unique(s for a in group for s in a.affects if s.product.strip())
    said_by = (decider.versions_from or authority_of(decider.kind).label) if chosen else ""
    notes = list(_unique(n for a in group for n in a.notes))
    if chosen and _structured(decider):
        notes.extend(_disagreements(affects, [a for a in with_versions if a not in chosen], said_by))
    kev = [a for a in group if a.kind == "kev"]
    return replace(
        shown,
        severity=max((a.severity for a in group if a.severity),
                     key=lambda s: SEVERITY_RANK.get(s, 0), default=None),
        exploited=any(a.exploited for a in group),
        cves=tuple(sorted({c for a in group for c in a.cves})),
        links=_unique(link for a in (shown, *group) for link in (*((a.url,) if a.url else ()), *a.links)),
        action=decider.action or next((a.action for a in group if a.action), None),
        summary=shown.summary or next((a.summary for a in group if a.summary), ""),
        affects=affects,
        due_date=min((a.due_date for a in kev if a.due_date), default=decider.due_date),
        ransomware=next((a.ransomware for a in kev if a.ransomware == "Known"),
                        kev[0].ransomware if kev else decider.ransomware),
        notes=tuple(notes),
        sources=tuple(a.id for a in group),
        versions_from=said_by,
        **_signals(group),
    )


def _signals(group: list[Advisory]) -> dict[str, Any]:
    """The priority signals of a CVE group (`group` strongest first): every scorer's, named."""
    scores = {(s.version, s.role, s.vector, s.base): s for a in reversed(group) for s in a.scores}
    ssvc = [a.ssvc_exploitation for a in group if a.ssvc_exploitation in SSVC_EXPLOITATION]
    return {
        "scores": tuple(sorted(scores.values(), key=_scorer_order)),
        "kev_added": min((a.kev_added for a in group if a.kev_added), default=None),
        "required_action": next((a.required_action for a in group if a.required_action), None),
        "ssvc_exploitation": max(ssvc, key=SSVC_EXPLOITATION.index, default=None),
    }


def _scorer_order(score: Score) -> tuple[int, int]:
    """The CNA's first, then CISA-ADP's, then NVD's; the newest CVSS version first within each."""
    role = _SCORERS.index(score.role) if score.role in _SCORERS else len(_SCORERS)
    return role, _VERSIONS.get(score.version, len(_VERSIONS))


def _disagreements(decided: tuple[AffectedProduct, ...], others: list[Advisory], said_by: str) -> list[str]:
    said = {s.describe() for s in decided}
    notes = []
    for advisory in others:
        for statement in advisory.affects:
            if has_versions(statement) and statement.describe() not in said:
                notes.append(f"{advisory.id} says {statement.describe()}; this alert follows {said_by}")
    return notes


def _recent(advisory: Advisory, now: datetime) -> bool:
    return advisory.published is None or now - advisory.published <= KEV_REVIEW_WINDOW


def _unique(items: Iterable[T]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(items))
