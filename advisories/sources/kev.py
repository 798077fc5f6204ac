"""CISA Known Exploited Vulnerabilities catalogue (JSON, or the CSV variant) -> advisories.

Every entry is exploited by definition. KEV names a vendor and product but no versions, so
each advisory carries one statement with no versions: the matcher reports a product hit as
"review" (unconfirmed by version), never as affected or unaffected. KEV gives no severity.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from advisories.errors import ParseError
from advisories.models import Advisory, AffectedProduct
from advisories.sanitise import clean_header_text, plain_to_text, safe_url
from advisories.sources import register

log = logging.getLogger(__name__)

_CVE_RE = re.compile(r"CVE-\d{4}-\d{4,}", re.I)
_URL_RE = re.compile(r"https?://\S+")


class KevSource:
    kind = "kev"
    rank = 50
    structured = True
    label = "CISA's KEV catalogue"

    def parse(self, body: bytes, *, feed: str, url: str) -> list[Advisory]:
        text = _decode(body, feed)
        entries = _csv_entries(text, feed) if _looks_like_csv(text) else _json_entries(text, feed)
        advisories: list[Advisory] = []
        for index, entry in enumerate(entries):
            advisory = _advisory(entry, feed)
            if advisory is None:
                log.warning("feed %r: KEV entry %d has no valid cveID; skipped", feed, index)
            else:
                advisories.append(advisory)
        return advisories


def _decode(body: bytes, feed: str) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"feed {feed!r}: the KEV catalogue is not UTF-8: {exc}") from exc


def _looks_like_csv(text: str) -> bool:
    first = text.lstrip()[:200]
    return not first.startswith(("{", "[")) and "cveID" in first.split("\n", 1)[0]


def _json_entries(text: str, feed: str) -> list[Mapping[str, Any]]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ParseError(f"feed {feed!r}: the KEV catalogue is not valid JSON or CSV: {exc}",
                         "the server may have sent an HTML page") from exc
    entries = data.get("vulnerabilities") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ParseError(f"feed {feed!r}: the KEV catalogue has no 'vulnerabilities' list",
                         "check that the feed URL is the KEV JSON catalogue")
    return [e for e in entries if isinstance(e, dict)]


def _csv_entries(text: str, feed: str) -> list[Mapping[str, Any]]:
    try:
        return list(csv.DictReader(io.StringIO(text)))
    except csv.Error as exc:
        raise ParseError(f"feed {feed!r}: the KEV CSV cannot be read: {exc}") from exc


def _advisory(entry: Mapping[str, Any], feed: str) -> Advisory | None:
    cve = str(entry.get("cveID") or "").strip().upper()
    if not _CVE_RE.fullmatch(cve):
        return None
    vendor, product = _text(entry, "vendorProject"), _text(entry, "product")
    links = _note_links(_text(entry, "notes"))
    return Advisory(
        id=f"kev:{cve}",
        source=feed,
        title=clean_header_text(_text(entry, "vulnerabilityName") or f"{cve} ({vendor} {product})"),
        summary=_summary(entry),
        url=links[0] if links else None,  # CISA puts the vendor advisory first
        published=_date(_text(entry, "dateAdded")),
        severity=None,  # KEV rates nothing; another source (NVD, CSAF) supplies severity
        exploited=True,
        cves=(cve,),
        links=links,
        action=_action(entry),
        affects=(AffectedProduct(vendor=vendor, product=product or vendor, all_versions=False),),
        kind="kev",
        due_date=_day(_text(entry, "dueDate")),
        ransomware=_text(entry, "knownRansomwareCampaignUse") or None,
        kev_added=_day(_text(entry, "dateAdded")),
        # Kept apart from `action`: merged with a CVE record, the CNA's solution is the action
        # shown, and CISA's required action would otherwise be lost.
        required_action=plain_to_text(_text(entry, "requiredAction"), 800) or None,
    )


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _text(entry: Mapping[str, Any], key: str) -> str:
    value = entry.get(key)
    return str(value).strip() if isinstance(value, (str, int, float)) else ""


def _summary(entry: Mapping[str, Any]) -> str:
    lines = [plain_to_text(_text(entry, "shortDescription"), 1500)]
    ransomware = _text(entry, "knownRansomwareCampaignUse")
    if ransomware:
        lines.append(f"Known ransomware use: {ransomware}")
    cwes = _cwes(entry.get("cwes"))
    if cwes:
        lines.append(f"Weaknesses: {', '.join(cwes)}")
    return "\n".join(line for line in lines if line)


def _cwes(value: Any) -> list[str]:
    # JSON has a list; the CSV has one field "CWE-59, CWE-436".
    items: Iterable[Any] = value if isinstance(value, list) else str(value or "").split(",")
    return [str(c).strip() for c in items if str(c).strip()]


def _action(entry: Mapping[str, Any]) -> str | None:
    parts = [_text(entry, "requiredAction")]
    due = _text(entry, "dueDate")
    if due:
        parts.append(f"CISA due date: {due}")
    return "\n".join(p for p in parts if p) or None


def _note_links(notes: str) -> tuple[str, ...]:
    """The http(s) links in `notes`: separated by " ; ", the first often after some prose."""
    urls = (safe_url(m.group(0).rstrip(".,;)")) for m in _URL_RE.finditer(notes))
    return tuple(dict.fromkeys(u for u in urls if u))


def _date(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


register(KevSource())
