"""The priority signals in a CVE record's `metrics`: CVSS scores, CISA's SSVC and KEV entry.

The CNA's container and CISA-ADP's (Vulnrichment) each carry `metrics[]`: CVSS objects under
`cvssV4_0`, `cvssV3_1`, `cvssV3_0`, and CISA's `other` entries of type "ssvc" (decision points,
among them Exploitation: none / poc / active) and "kev" (dateAdded). Read defensively: a record
is someone else's JSON, and a score that is not a number from 0 to 10 is no score.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from advisories.models import Score
from advisories.sanitise import clean_header_text
from advisories.sources.cve_versions import obj, objs, text

# CVSS v2 is left out: no CNA gives it alone any more, and it is not comparable with v3/v4.
CVSS_KEYS = {"cvssV4_0": "4.0", "cvssV3_1": "3.1", "cvssV3_0": "3.0"}
SSVC_EXPLOITATION = ("none", "poc", "active")


def scores(container: dict[str, Any], role: str, by: str = "") -> list[Score]:
    """Every CVSS base score in one container, the highest per version.

    A CNA may score several scenarios (Palo Alto Networks gives PAN-OS CVE-2024-0012 9.3 with
    the management interface on the internet, 5.9 behind a jump box). The alert cannot know
    which is the council's, so the worst case stands for that version.
    """
    best: dict[str, Score] = {}
    for metric in objs(container.get("metrics"))[:20]:
        for key, version in CVSS_KEYS.items():
            found = _score(obj(metric.get(key)), version, role, by)
            if found is not None and (version not in best or found.base > best[version].base):
                best[version] = found
    return [best[v] for v in CVSS_KEYS.values() if v in best]


def _score(cvss: dict[str, Any], version: str, role: str, by: str) -> Score | None:
    base = cvss.get("baseScore")
    if isinstance(base, bool) or not isinstance(base, (int, float)) or not 0 <= base <= 10:
        return None
    vector = clean_header_text(text(cvss.get("vectorString")), 200)
    return Score(version=version, base=float(base), vector=vector, role=role, by=by)


def _others(cisa: Iterable[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    found = []
    for container in cisa:
        for metric in objs(container.get("metrics"))[:20]:
            other = obj(metric.get("other"))
            if text(other.get("type")).lower() == kind:
                found.append(obj(other.get("content")))
    return found


def ssvc_exploitation(cisa: Iterable[dict[str, Any]]) -> str | None:
    """CISA's SSVC Exploitation decision ("none", "poc", "active"), the strongest given."""
    said = [text(v).lower() for content in _others(cisa, "ssvc")
            for option in objs(content.get("options"))[:10]
            for k, v in option.items() if k.casefold() == "exploitation"]
    known = [s for s in said if s in SSVC_EXPLOITATION]
    return max(known, key=SSVC_EXPLOITATION.index, default=None)


def kev_added(cisa: Iterable[dict[str, Any]]) -> date | None:
    """When CISA added the CVE to its KEV catalogue, as CISA-ADP's KEV entry says."""
    days = []
    for content in _others(cisa, "kev"):
        try:
            days.append(date.fromisoformat(text(content.get("dateAdded"))[:10]))
        except ValueError:
            continue
    return min(days, default=None)
