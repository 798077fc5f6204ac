"""CSAF 2.0 advisories (JSON) -> one Advisory per document, and collecting a provider's documents.

The product tree and product_status become statements (csaf_products.py, with the version
text rules in csaf_versions.py); this module reads the document's text fields. `collect`
follows a provider's distributions (csaf_collect.py) and fetches only what changed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from advisories.errors import ParseError
from advisories.models import SEVERITIES, Advisory
from advisories.sanitise import clean_header_text, plain_to_text, safe_url, truncate
from advisories.sources import Collected, Fetcher, register
from advisories.sources.csaf_collect import collect_documents, json_object
from advisories.sources.csaf_discovery import parse_timestamp
from advisories.sources.csaf_products import all_statements, obj, objs, products, sentences

SUMMARY_CHARS = 1500
_REMEDIATION_LABELS = {
    "vendor_fix": "Vendor fix", "workaround": "Workaround", "mitigation": "Mitigation",
    "no_fix_planned": "No fix planned", "none_available": "No fix available",
    "optional_patch": "Optional patch", "fix_planned": "Fix planned",
}
_SEVERITY_WORDS = {"critical": "critical", "important": "high", "high": "high",
                   "moderate": "medium", "medium": "medium", "low": "low"}
_NEGATION = re.compile(r"\b(no|not|none|never|without|unlikely)\b", re.I)


class CsafSource:
    kind = "csaf"
    rank = 10
    structured = True
    label = "the vendor's CSAF advisory"
    accept = "application/json"

    def parse(self, body: bytes, *, feed: str, url: str) -> list[Advisory]:
        return [_advisory(json_object(body, f"feed {feed!r}: the CSAF document"), feed, url)]

    def collect(
        self, feed: str, url: str, get: Fetcher, cursor: str | None, secret: str | None
    ) -> Collected:
        """Documents new or changed since `cursor` (CSAF needs no secret: public TLP only)."""
        return collect_documents(feed, url, get, cursor, _advisory)


def load_csaf_file(path: Path | str) -> Advisory:
    """One CSAF file on disk -> its Advisory (for `path` feeds and the offline match command)."""
    path = Path(path)
    return CsafSource().parse(path.read_bytes(), feed=path.name, url=path.resolve().as_uri())[0]


def _advisory(doc: dict[str, Any], feed: str, url: str) -> Advisory:
    document = _require(doc, "document", feed)
    tracking = _require(document, "tracking", feed, "document.")
    tracking_id = tracking.get("id")
    if not isinstance(tracking_id, str) or not tracking_id.strip():
        raise ParseError(f"feed {feed!r}: CSAF document has no document.tracking.id",
                         "every CSAF document needs a tracking id")
    vulns = objs(doc.get("vulnerabilities"))
    affects, unparsed = all_statements(vulns, products(obj(doc.get("product_tree"))), tracking_id)
    summary = _summary(document, vulns)
    if unparsed:
        more = f"; and {len(unparsed) - 10} more" if len(unparsed) > 10 else ""
        summary += "\n\nCheck manually: " + "; ".join(unparsed[:10])
        summary += more
    return Advisory(
        id=f"csaf:{tracking_id.strip()}",
        source=feed,
        title=clean_header_text(str(document.get("title") or tracking_id)),
        summary=summary,
        url=_main_url(document, url),
        published=parse_timestamp(tracking.get("initial_release_date"))
        or parse_timestamp(tracking.get("current_release_date")),
        severity=_severity(document, vulns),
        exploited=any(_exploited(v) for v in vulns),
        cves=tuple(dict.fromkeys(v["cve"] for v in vulns if isinstance(v.get("cve"), str))),
        links=_links(document, vulns),
        action=_action(vulns),
        affects=affects,
        kind="csaf",
        # A re-issued document changes these, so the store sees new content and says "updated".
        updated=parse_timestamp(tracking.get("current_release_date")),
        revision=_revision(tracking.get("version")),
    )


def _require(parent: dict[str, Any], key: str, feed: str, prefix: str = "") -> dict[str, Any]:
    value = parent.get(key)
    if not isinstance(value, dict):
        raise ParseError(f"feed {feed!r}: CSAF document has no {prefix}{key} object",
                         "is this a CSAF 2.0 advisory (not a ROLIE feed or provider metadata)?")
    return value


def _revision(value: Any) -> str | None:
    """tracking.version ("1", "2.1.0"); CSAF requires a string, shown in emails as is."""
    return (clean_header_text(value, 40) or None) if isinstance(value, str) else None


def _url(value: Any) -> str | None:
    return safe_url(value) if isinstance(value, str) else None


# --- text fields -------------------------------------------------------------------------------


def _summary(document: dict[str, Any], vulns: list[dict[str, Any]]) -> str:
    for notes in [objs(document.get("notes")), *(objs(v.get("notes")) for v in vulns)]:
        for category in ("summary", "description"):
            for note in notes:
                if note.get("category") == category and note.get("text"):
                    return plain_to_text(str(note["text"]), SUMMARY_CHARS)
    return ""


def _main_url(document: dict[str, Any], fetched: str) -> str | None:
    selfs = [str(r["url"]) for r in objs(document.get("references"))
             if r.get("category") == "self" and _url(r.get("url"))]
    # Prefer the human-readable page over the JSON copy of the same advisory.
    pages = [u for u in selfs if not u.lower().endswith(".json")]
    return pages[0] if pages else selfs[0] if selfs else safe_url(fetched)


def _links(document: dict[str, Any], vulns: list[dict[str, Any]]) -> tuple[str, ...]:
    refs = objs(document.get("references"))
    for vuln in vulns:
        refs.extend(objs(vuln.get("references")))
    urls = (_url(r.get("url")) for r in refs)
    return tuple(dict.fromkeys(u for u in urls if u))


def _severity(document: dict[str, Any], vulns: list[dict[str, Any]]) -> str | None:
    found: list[str] = []
    for vuln in vulns:
        for score in objs(vuln.get("scores")):
            cvss = obj(score.get("cvss_v3"))
            word = _SEVERITY_WORDS.get(str(cvss.get("baseSeverity", "")).lower())
            found.extend([word] if word else [])
        # Red Hat gives its own rating as an "impact" threat ("Important") and no CVSS.
        for threat in objs(vuln.get("threats")):
            if threat.get("category") == "impact":
                word = _SEVERITY_WORDS.get(str(threat.get("details", "")).strip().lower())
                found.extend([word] if word else [])
    if not found:
        aggregate = obj(document.get("aggregate_severity")).get("text", "")
        word = _SEVERITY_WORDS.get(str(aggregate).strip().lower())
        found.extend([word] if word else [])
    return min(found, key=SEVERITIES.index) if found else None


def _exploited(vuln: dict[str, Any]) -> bool:
    for threat in objs(vuln.get("threats")):
        if threat.get("category") != "exploit_status":
            continue
        details = str(threat.get("details", "")).lower()
        if re.search(r"exploited|active", details) and not _NEGATION.search(details):
            return True
    return False


def _action(vulns: list[dict[str, Any]]) -> str | None:
    lines: list[str] = []
    for category in _REMEDIATION_LABELS:  # the most useful remediation first
        for vuln in vulns:
            for rem in objs(vuln.get("remediations")):
                if rem.get("category") != category:
                    continue
                details = truncate(sentences(str(rem.get("details", ""))), 200)
                link = _url(rem.get("url"))
                line = f"{_REMEDIATION_LABELS[category]}: {details}"
                line += f" ({link})" if link else ""
                if line not in lines:
                    lines.append(line)
    if len(lines) > 6:
        lines = [*lines[:6], f"(and {len(lines) - 6} more remediations in the advisory)"]
    return "\n".join(lines) or None


register(CsafSource())
