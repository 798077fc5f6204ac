"""CVE records (CVE JSON 5, dataVersion 5.0 to 5.2) -> the CNA's advisory, and CISA's beside it.

Since NVD enriches only a few CVEs, the CNA's `affected[]` in the CVE record is the
authoritative version data for most of them (cve_affected.py reads it, CNA habits and all).
One record gives:

- `cve:CVE-…` (kind "cve"): the CNA container. Title, description, references, CVSS severity
  and solutions are the CNA's; "exploited" and the notes come from the CISA-ADP container
  (Vulnrichment: a KEV entry, or SSVC Exploitation "active"). A prose-only record (vendor and
  product "n/a", mostly from MITRE) has no statements of its own: products are never read
  from its description here.
- `cve-adp:CVE-…` (kind "cve-adp"), only when CISA-ADP has `affected[]`: the same record with
  CISA's statements. Whoever merges prefers the CNA's statements when they give versions.
- a REJECTED record: one `cve:` advisory, withdrawn, with no statements.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from advisories.errors import ParseError
from advisories.models import SEVERITIES, Advisory, AffectedProduct
from advisories.sanitise import clean_header_text, plain_to_text, safe_url
from advisories.sources import cve_metrics as metrics
from advisories.sources import register
from advisories.sources.cve_affected import is_na, obj, objs, quote, statements, text

ADP_RANK = 30  # CISA-ADP's statements: below the CNA's (rank 20), above NVD's
RECORD_URL = "https://www.cve.org/CVERecord?id={}"
ADP_WORDS = "CISA's enrichment of the CVE record (Vulnrichment)"
SUMMARY_CHARS = 2000
_CVE_ID = re.compile(r"CVE-\d{4}-\d{4,}")
_CVSS = ("cvssV4_0", "cvssV3_1", "cvssV3_0")
_CISA_ADP = "cisa-adp"
_CHECK_LIMIT = 10  # notes quoted under "Check manually" in the summary
# CNA short names that do not read as their organisation's name.
_CNA_NAMES = {
    "chrome": "Google", "palo_alto": "Palo Alto Networks", "redhat": "Red Hat", "mitre": "MITRE",
    "cisa-cg": "CISA", "linux": "the Linux kernel", "jenkins": "the Jenkins project", "github_m": "GitHub",
    "vuldb": "VulDB", "talos": "Cisco Talos", "zdi": "the Zero Day Initiative", "hackerone": "HackerOne",
    "apache": "the Apache Software Foundation", "icscert": "CISA (ICS)", "cert-in": "CERT-In", "php": "PHP",
    "f5": "F5", "sap": "SAP", "ibm": "IBM", "hp": "HP", "hpe": "HPE", "vmware": "VMware", "openssl": "OpenSSL",
    "jfrog": "JFrog", "oracle": "Oracle", "gitlab": "GitLab", "wpscan": "WPScan", "snyk": "Snyk",
}


class CveRecordSource:
    kind = "cve"
    rank = 20
    structured = True
    accept = "application/json"
    label = "the CNA's CVE record"  # each advisory says whose: `versions_from`

    def parse(self, body: bytes, *, feed: str, url: str) -> list[Advisory]:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ParseError(f"feed {feed!r}: not a CVE record: the body is not JSON ({exc})",
                             "the server may have sent an HTML page") from exc
        return parse_record(data, feed=feed, url=url)


def is_cve_record(data: Any) -> bool:
    """Whether decoded JSON is a CVE JSON 5 record (cvelistV5, the CVE Services API)."""
    if not isinstance(data, dict):
        return False
    return data.get("dataType") == "CVE_RECORD" or isinstance(data.get("cveMetadata"), dict)


def load_cve_file(path: Path | str) -> list[Advisory]:
    """One record file on disk (a local copy of cvelistV5) -> its advisories."""
    path = Path(path)
    return CveRecordSource().parse(path.read_bytes(), feed=path.name, url=path.resolve().as_uri())


def preferred(advisories: Sequence[Advisory]) -> Advisory:
    """Of one record's advisories, the one whose statements decide: the CNA's when any of its
    statements gives versions, else CISA's when it has statements, else the CNA's."""
    cna = next(a for a in advisories if a.kind == "cve")
    adp = next((a for a in advisories if a.kind == "cve-adp"), None)
    if any(s.versions or s.ranges or s.all_versions for s in cna.affects) or adp is None:
        return cna
    return adp


def parse_record(data: dict[str, Any], *, feed: str, url: str) -> list[Advisory]:
    """A decoded CVE record -> [the CNA's advisory] or [the CNA's, CISA-ADP's]."""
    if isinstance(data, dict) and "error" in data and "cveMetadata" not in data:
        said = quote(text(data.get("message")) or text(data.get("error")))
        raise ParseError(f"feed {feed!r}: the CVE service answered with an error, not a record: {said}",
                         "a CVE id with no published record has nothing to read yet")
    if not is_cve_record(data):
        raise ParseError(f"feed {feed!r}: not a CVE record (no cveMetadata)",
                         "expected a CVE JSON 5 record, as in cvelistV5 or from the CVE Services API")
    meta = obj(data.get("cveMetadata"))
    cve_id = text(meta.get("cveId")).upper()
    if not _CVE_ID.fullmatch(cve_id):
        raise ParseError(f"feed {feed!r}: the CVE record has no valid cveMetadata.cveId",
                         "expected an id such as CVE-2024-3400")
    containers = obj(data.get("containers"))
    cna = obj(containers.get("cna"))
    state = text(meta.get("state")).upper()
    if state == "REJECTED":
        return [_rejected(cve_id, meta, cna, feed)]
    if state != "PUBLISHED":
        raise ParseError(f"feed {feed!r}: {cve_id} is {quote(state) or 'in no state'}, not published",
                         "only PUBLISHED records carry affected versions (a RESERVED id has none yet)")
    cisa = [a for a in objs(containers.get("adp")) if _short_name(a).casefold() == _CISA_ADP]
    who = versions_from(cna)
    affects, named = statements(cna.get("affected"), who)
    adp_affects, _ = statements([e for a in cisa for e in objs(a.get("affected"))], "CISA's enrichment of the record")
    exploited, notes = _cisa_notes(cisa)
    description = _english(cna.get("descriptions"))
    if not named:
        notes.insert(0, _prose_note(cna, description, bool(adp_affects)))
        if not adp_affects:
            # Products are never read from prose here: the statement is for whoever resolved the
            # CVE id to say which product it came for.
            affects = [AffectedProduct(vendor="", product="", note=notes[0])]
    notes.extend(dict.fromkeys(s.note for s in affects if s.note and _gives_versions(s)))
    base = Advisory(
        id=f"cve:{cve_id}",
        source=feed,
        title=_title(cve_id, cna, description),
        summary=_summary(description, affects),
        url=RECORD_URL.format(cve_id),
        published=_timestamp(meta.get("datePublished")),
        severity=_severity(cna) or next((s for a in cisa if (s := _severity(a))), None),
        exploited=exploited,
        cves=(cve_id,),
        links=_links(cna),
        action=_action(cna),
        affects=tuple(affects),
        kind="cve",
        updated=_timestamp(meta.get("dateUpdated")),
        notes=tuple(dict.fromkeys(notes)),
        versions_from=who,
        scores=(*metrics.scores(cna, "CNA", cna_name(cna)), *(s for a in cisa for s in metrics.scores(a, "CISA-ADP"))),
        ssvc_exploitation=metrics.ssvc_exploitation(cisa),
        kev_added=metrics.kev_added(cisa),
    )
    if not adp_affects:
        return [base]
    adp_notes = [*notes, *(s.note for s in adp_affects if s.note and _gives_versions(s))]
    adp = replace(base, id=f"cve-adp:{cve_id}", kind="cve-adp", affects=tuple(adp_affects),
                  summary=_summary(description, adp_affects), versions_from=ADP_WORDS,
                  notes=tuple(dict.fromkeys(adp_notes)))
    return [base, adp]


def _gives_versions(statement: AffectedProduct) -> bool:
    return bool(statement.versions or statement.ranges or statement.all_versions)


def _short_name(container: dict[str, Any]) -> str:
    return text(obj(container.get("providerMetadata")).get("shortName"))


def versions_from(cna: dict[str, Any]) -> str:
    """The CNA's record in words for an alert: "Fortinet's CVE record", "Google's CVE record"."""
    name = cna_name(cna)
    return f"{name}' CVE record" if name.endswith("s") else f"{name}'s CVE record"


def cna_name(cna: dict[str, Any]) -> str:
    """The CNA as an organisation's name: "Google" for "Chrome", "Fortinet" for "fortinet"."""
    short = _short_name(cna)
    name = _CNA_NAMES.get(short.casefold())
    if name is None:
        vendors = [text(e.get("vendor")) for e in objs(cna.get("affected")) if not is_na(text(e.get("vendor")))]
        squashed = re.sub(r"[^a-z0-9]", "", short.casefold())
        name = next((v for v in vendors if squashed and re.sub(r"[^a-z0-9]", "", v.casefold()) == squashed), None)
        name = clean_header_text(name or short.replace("_", " "), 60) or "the CNA"
    return name


def _english(items: Any) -> str:
    texts = [d for d in objs(items) if text(d.get("value"))]
    english = [d for d in texts if text(d.get("lang")).casefold().startswith("en")] or texts
    return text(english[0].get("value")) if english else ""


def _title(cve_id: str, cna: dict[str, Any], description: str) -> str:
    title = text(cna.get("title")) or re.split(r"(?<=[a-z0-9)])\.\s", description, maxsplit=1)[0]
    return clean_header_text(f"{cve_id}: {title}" if title else cve_id, 160)


def _summary(description: str, affects: Sequence[AffectedProduct]) -> str:
    summary = plain_to_text(description, SUMMARY_CHARS)
    # A note on a statement with no versions says why it is UNKNOWN, as NVD and CSAF say it.
    unknown = list(dict.fromkeys(s.note for s in affects if s.note and not _gives_versions(s)))
    if unknown:
        more = f"; and {len(unknown) - _CHECK_LIMIT} more" if len(unknown) > _CHECK_LIMIT else ""
        summary += "\n\nCheck manually: " + "; ".join(unknown[:_CHECK_LIMIT]) + more
    return summary.strip()


def _prose_note(cna: dict[str, Any], description: str, adp: bool) -> str:
    said = plain_to_text(description, 400).replace("\n", " ")
    where = "CISA's enrichment gives the affected versions" if adp else "check manually"
    return f"The CVE record names no product or version (n/a); its description says: \"{said}\"; {where}"


def _timestamp(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _severity(container: dict[str, Any]) -> str | None:
    metrics = objs(container.get("metrics"))
    for key in _CVSS:
        for metric in metrics:
            word = text(obj(metric.get(key)).get("baseSeverity")).lower()
            if word in SEVERITIES:
                return word
    return None


def _links(cna: dict[str, Any]) -> tuple[str, ...]:
    urls = (safe_url(text(r.get("url"))) for r in objs(cna.get("references"))[:200])
    return tuple(dict.fromkeys(u for u in urls if u))


def _action(cna: dict[str, Any]) -> str | None:
    solutions = [d for d in objs(cna.get("solutions")) if text(d.get("value"))]
    english = [d for d in solutions if text(d.get("lang")).casefold().startswith("en")] or solutions
    lines = [plain_to_text(text(d.get("value")), 800) for d in english[:3]]
    return "\n".join(line for line in lines if line) or None


def _cisa_notes(cisa: list[dict[str, Any]]) -> tuple[bool, list[str]]:
    """(exploited, notes) from CISA-ADP's metrics: a KEV entry or SSVC Exploitation "active"."""
    exploited = False
    notes: list[str] = []
    for container in cisa:
        for metric in objs(container.get("metrics")):
            other = obj(metric.get("other"))
            content = obj(other.get("content"))
            kind = text(other.get("type")).lower()
            if kind == "kev":
                exploited = True
                added = quote(text(content.get("dateAdded")))[:10]
                notes.append(f"In CISA's Known Exploited Vulnerabilities catalogue{f' since {added}' if added else ''}")
            elif kind == "ssvc":
                options = {quote(k): quote(text(v)) for o in objs(content.get("options"))[:10] for k, v in o.items()}
                if options.get("Exploitation", "").lower() == "active":
                    exploited = True
                if options:
                    said = ", ".join(f"{k} {v.lower()}" for k, v in options.items())
                    notes.append(f"CISA's SSVC decision points: {said}")
    return exploited, notes


def _rejected(cve_id: str, meta: dict[str, Any], cna: dict[str, Any], feed: str) -> Advisory:
    reason = plain_to_text(_english(cna.get("rejectedReasons")), 600)
    replaced = [r for r in (text(x).upper() for x in (cna.get("replacedBy") or [])[:10]
                            if isinstance(cna.get("replacedBy"), list)) if _CVE_ID.fullmatch(r)]
    when = text(meta.get("dateRejected"))[:10]
    notes = [f"Rejected by its CNA{f' on {when}' if when else ''}: {reason or 'no reason given'}"]
    if replaced:
        notes.append(f"Replaced by {', '.join(replaced)}")
    title = f"Rejected: {cve_id}" + (f" (replaced by {', '.join(replaced)})" if replaced else "")
    return Advisory(
        id=f"cve:{cve_id}",
        source=feed,
        title=clean_header_text(title, 160),
        summary=reason,
        url=RECORD_URL.format(cve_id),
        published=_timestamp(meta.get("datePublished")),
        cves=(cve_id,),
        kind="cve",
        updated=_timestamp(meta.get("dateUpdated")) or _timestamp(meta.get("dateRejected")),
        notes=tuple(notes),
        withdrawn=True,
        replaced_by=tuple(replaced),
        versions_from=versions_from(cna),
    )


register(CveRecordSource())
try:  # the CISA-ADP advisories this source emits beside its own
    from advisories.sources import Authority, register_authority
except ImportError:  # a registry that knows no authorities: nothing to declare
    pass
else:
    register_authority(Authority("cve-adp", ADP_RANK, True, ADP_WORDS))
