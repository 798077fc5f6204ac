"""What to fix first: the order of an alert's advisories and the bulletin's, and one line saying why.

The order, each step only breaking the previous step's ties:
1. exploited first: in CISA's KEV catalogue, CISA's SSVC Exploitation "active", or the vendor,
   the NCSC or a curated rule says so (`Advisory.exploited` holds all of them);
2. the KEV due date, soonest first (none: after those with one);
3. CVSS, highest first: the highest base score any scorer gave (the CNA, CISA-ADP or NVD). An
   advisory with no score stands at the bottom of its stated severity's CVSS band (critical 9.0,
   high 7.0, ...), so a curated "critical" rule never sinks below a scored "low";
4. EPSS, highest first.
A council's team reads the line to see why an item is where it is, so it names each signal's
source and never says more than the sources do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date

from advisories.models import SEVERITIES, Advisory, Epss, Score

# The lower end of each CVSS v3/v4 qualitative severity band.
SEVERITY_FLOOR = {"critical": 9.0, "high": 7.0, "medium": 4.0, "low": 0.1}
_SEVERITY_RANK = {s: len(SEVERITIES) - i for i, s in enumerate(SEVERITIES)}
_SCORERS = ("CNA", "CISA-ADP", "NVD")
_SSVC_WORDS = {"active": "active", "poc": "proof of concept", "none": "none"}


def top_score(advisory: Advisory) -> Score | None:
    """The highest CVSS base score; of equal ones, the CNA's before CISA-ADP's before NVD's."""
    def rank(s: Score) -> tuple[float, int]:
        return s.base, -(_SCORERS.index(s.role) if s.role in _SCORERS else len(_SCORERS))
    return max(advisory.scores, key=rank, default=None)


def cvss(advisory: Advisory) -> float | None:
    top = top_score(advisory)
    return top.base if top else SEVERITY_FLOOR.get(advisory.severity or "")


def order_key(advisory: Advisory) -> tuple[bool, date, float, float, int, str]:
    """Sort key: the most urgent advisory first (see the module docstring)."""
    epss = advisory.epss.score if advisory.epss else -1.0
    return (not advisory.exploited, advisory.due_date or date.max, -(cvss(advisory) or -1.0), -epss,
            -_SEVERITY_RANK.get(advisory.severity or "", 0), advisory.title.casefold())


def exploited_by(advisory: Advisory) -> list[str]:
    """Who says it is exploited, in words: 'CISA KEV, added 2023-03-30', 'CISA SSVC: active'."""
    said = []
    if advisory.kev_added or advisory.kind == "kev" or advisory.due_date:
        said.append("CISA KEV" + (f", added {advisory.kev_added.isoformat()}" if advisory.kev_added else ""))
    if advisory.ssvc_exploitation == "active":
        said.append("CISA SSVC: active")
    return said or ["the advisory says so"]


def why(advisory: Advisory) -> str:
    """One line: 'First: exploited (CISA KEV, added 2023-03-30; due 2023-04-20; ransomware:
    known). CVSS 3.1 9.8 (CNA: Google).'"""
    if advisory.exploited:
        facts = exploited_by(advisory)
        if advisory.due_date:
            facts.append(f"due {advisory.due_date.isoformat()}")
        if advisory.ransomware:
            facts.append(f"ransomware: {advisory.ransomware.lower()}")
        head = f"First: exploited ({'; '.join(facts)})."
    else:
        ssvc = _SSVC_WORDS.get(advisory.ssvc_exploitation or "")
        head = "Then: not known to be exploited" + (f" (CISA SSVC: {ssvc})." if ssvc else ".")
    top = top_score(advisory)
    if top is not None:
        score = f"{top.describe()}."
    elif advisory.severity:
        score = f"No CVSS score; severity {advisory.severity}."
    else:
        score = "No CVSS score."
    chance = f" {advisory.epss.describe()}." if advisory.epss else ""
    return f"{head} {score}{chance}"


def scores_line(advisory: Advisory) -> str:
    """Every score with who gave it and its vector, for the alert's 'Scores:' line."""
    return "; ".join(f"{s.describe()} {s.vector}".strip() for s in advisory.scores)


def with_epss(advisories: Iterable[Advisory], table: Mapping[str, Epss]) -> list[Advisory]:
    """The advisories with EPSS joined in: of several CVEs, the highest score stands."""
    out = []
    for advisory in advisories:
        found = [table[c] for c in advisory.cves if c in table]
        best = max(found, key=lambda e: e.score, default=None)
        out.append(replace(advisory, epss=best) if best is not None else advisory)
    return out


def ordered(advisories: Iterable[Advisory]) -> list[Advisory]:
    return sorted(advisories, key=order_key)
