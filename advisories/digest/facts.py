"""The facts a council needs from one bulletin entry, as sentences: pure functions of an Advisory.

Which builds are affected on which platform (exact builds, or "before X" per release line),
the vendor's labels for them ("Update 7"), the fixed versions, the vendor's advice with any
council-facing device wording taken out (the bulletin lists no devices), and a summary cut at
a sentence boundary, never mid-sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from advisories.models import PLATFORM_NAMES, AffectedProduct, VersionRange
from advisories.prose import alerts_on
from advisories.sanitise import truncate

# About three lines in a 600 px email; a first sentence longer than this is kept whole up to
# LONGEST, so a summary never stops inside its only sentence unless the text has no full stop.
SUMMARY_CHARS = 320
LONGEST = 600
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z0-9\"'(\[])")
_DUE_LINE = re.compile(r"^\s*CISA due date:.*$", re.IGNORECASE | re.MULTILINE)
# Alerts tell a council what to do with *its* devices; the sector bulletin lists none.
_FROM_DEVICES = re.compile(
    r"\s+(?:from|on|of|across)\s+(?:the|these|those|your|all)\s+(?:listed|affected|above)\s+"
    r"(?:devices|hosts|machines|computers)\b", re.IGNORECASE)
_LISTED = re.compile(r"\b(?:the|these|those|your)\s+(?:listed|above)\s+(devices|hosts|machines|computers)\b",
                     re.IGNORECASE)


def summary_text(text: str) -> str:
    """Whole sentences up to SUMMARY_CHARS (at least the first, up to LONGEST)."""
    text = " ".join(text.split())
    if len(text) <= SUMMARY_CHARS:
        return text
    ends = [m.start() for m in _SENTENCE_END.finditer(text)]
    fits = [e for e in ends if e <= SUMMARY_CHARS]
    if fits:
        return text[:fits[-1]].rstrip()
    if ends and ends[0] <= LONGEST:
        return text[:ends[0]].rstrip()
    return truncate(text, SUMMARY_CHARS)  # no sentence ends near: a marked cut is all there is


def neutral_advice(action: str | None, required: str | None = None) -> str:
    """The vendor's advice for the sector: device wording and the KEV due-date line removed."""
    text = _DUE_LINE.sub("", action or "").strip() or (required or "").strip()
    text = " ".join(text.split())
    text = _FROM_DEVICES.sub("", text)
    return _LISTED.sub(lambda m: f"affected {m.group(1).lower()}", text)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def range_text(r: VersionRange) -> str:
    low = r.lower.version if r.lower and r.lower.version not in ("0", "") else None
    if r.upper is None:
        return f"{low} and later" if low else "all versions"
    if r.upper.inclusive:
        return f"{low} to {r.upper.version}" if low else f"up to {r.upper.version}"
    return f"{low} to before {r.upper.version}" if low else f"before {r.upper.version}"


def _labelled(versions: tuple[str, ...], labels: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    """'18.11.1213 (Update 6); 18.12.402, 18.12.407 and 18.12.416 (Update 7)'."""
    by_label: dict[str, list[str]] = {}
    for version in versions:
        label = next((name for name, builds in labels if version in builds), "")
        by_label.setdefault(label, []).append(version)
    return "; ".join(_and(vs) + (f" ({label})" if label else "") for label, vs in by_label.items())


def statement_versions(s: AffectedProduct) -> str:
    parts = []
    if s.all_versions:
        parts.append("all versions")
    if s.versions:
        parts.append(_labelled(s.versions, s.labels))
    parts.extend(range_text(r) for r in s.ranges)
    return "; ".join(parts) or "versions not stated"


def where(s: AffectedProduct) -> str:
    return s.product if s.platform == "any" else f"{s.product} for {PLATFORM_NAMES.get(s.platform, s.platform)}"


def affected_lines(statements: Iterable[AffectedProduct]) -> tuple[str, ...]:
    """One line per product and platform: '3CX Desktop App for Windows: 18.12.407 and 18.12.416
    (Update 7)'. Versions read from prose too doubtful to alert on are left to "Needs review"."""
    merged: dict[str, list[str]] = {}
    for s in statements:
        if alerts_on(s):
            merged.setdefault(where(s), []).append(statement_versions(s))
    return tuple(f"{name}: {'; '.join(dict.fromkeys(texts))}" for name, texts in merged.items())


def fixed_lines(statements: Iterable[AffectedProduct]) -> tuple[str, ...]:
    """The first fixed build per product and platform: `fixed_in`, or a range's exclusive end."""
    fixed: dict[str, list[str]] = {}
    for s in statements:
        if not alerts_on(s):
            continue
        found = [s.fixed_in] if s.fixed_in else []
        found += [r.upper.version for r in s.ranges if r.upper and not r.upper.inclusive]
        if found:
            fixed.setdefault(where(s), []).extend(found)
    return tuple(f"{name}: {_and(list(dict.fromkeys(vs)))}" for name, vs in fixed.items())


def labels_named(statements: Iterable[AffectedProduct]) -> tuple[str, ...]:
    """Every vendor label an entry's statements use, for a test or a subject line."""
    return tuple(dict.fromkeys(name for s in statements for name, _ in s.labels))
