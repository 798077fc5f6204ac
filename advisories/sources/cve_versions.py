"""One product's `versions[]` items -> pieces of its version line, and the affected set.

Every item (see cve_affected.py for the habits) becomes pieces of the version line, each with a
status, in the product's scheme: a place on the line is (1, parsed key, 0 just before | 1 just
after), with (0,) before every version and (2,) after them all, so unions, complements and
differences are plain tuple comparisons. What cannot be placed is kept as the record's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from advisories import versions
from advisories.sanitise import clean_header_text

AFFECTED, UNAFFECTED, UNKNOWN = "affected", "unaffected", "unknown"
_MAX_CHANGES = 100
_QUOTE = 120  # characters of a record's own words quoted in a note
_NONE_WORDS = frozenset({"", "n/a", "na", "none", "unknown", "-", "null", "not applicable"})
_FROM_START = frozenset({"0", "unspecified", "*", "", "n/a"})  # as a lower bound: from the start
_EVERY = frozenset({"*", "all", "all versions"})
_LINE = re.compile(r"(\d+(?:\.\d+)*)\.\*")  # "8.1.*", "2.426.*": a release line
_NUMERIC = re.compile(r"\d+(?:\.\d+)*")
_COMPARATOR = re.compile(r"(<=|>=|<|>|=)\s*(\S+)")
_GIT = re.compile(r"[0-9a-f]{7,40}")
_DOTTED = re.compile(r"\d+(?:\.\d+)+")  # a bound a release line can be read from: "115.16.1", "12.6"

# A place on the version line: (0,) before everything, (2,) after it, and (1, key, side) just
# before (side 0) or just after (side 1) the version whose parsed key is `key`.
Pos = tuple[Any, ...]
START: Pos = (0,)
END: Pos = (2,)
Span = tuple[Pos, Pos]  # [start, end): not empty when start < end


@dataclass
class Piece:
    span: Span
    status: str
    line: str | None = None  # the release line a range is on ("8.1"), for fixed tails


@dataclass
class Group:
    """One product line of one entry (or of several entries naming the same product)."""

    vendor: str
    product: str
    platforms: tuple[str, ...]
    cpe: str | None
    scheme: str | None
    default: str
    note: str | None
    pieces: list[Piece] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # the record's words, quoted
    commits: list[str] = field(default_factory=list)
    comparisons: list[tuple[str, str, str]] = field(default_factory=list)  # (op, version, status)
    texts: dict[Any, str] = field(default_factory=dict)  # parsed key -> the version as written


def obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def objs(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def quote(value: str) -> str:
    return clean_header_text(value, _QUOTE)


def is_na(value: str) -> bool:
    return value.strip().casefold() in _NONE_WORDS


def read_item(item: dict[str, Any], version: str, group: Group) -> None:
    status = text(item.get("status")).lower()
    status = status if status in (AFFECTED, UNAFFECTED) else UNKNOWN
    less, most = text(item.get("lessThan")), text(item.get("lessThanOrEqual"))
    kind = text(item.get("versionType")).lower()
    if kind == "git" or _is_commit(version):
        group.commits.append(version)
        return
    upper_text = most or less
    if not upper_text:
        comparison = _COMPARATOR.fullmatch(version)
        if comparison:
            if _parse(comparison.group(2), group) is None:
                group.unreadable.append(f"the version '{quote(version)}'")
            else:
                group.comparisons.append((comparison.group(1), comparison.group(2), status))
            return
        span = _single(version, group)
        if span is None:
            group.unreadable.append(f"the version '{quote(version)}'")
        else:
            group.pieces.append(Piece(span, status))
        return
    lower, line = _lower(version, group)
    upper = _upper(version, upper_text, bool(most), kind, group)
    said = f"from '{quote(version)}' {'up to' if most else 'below'} '{quote(upper_text)}'"
    if lower is None or upper is None:
        group.unreadable.append(said)
        return
    if lower != START and upper != END and lower >= upper:
        if lower[:2] == upper[:2] and not most:
            lower = START  # Chrome: version == lessThan, meaning "every version below it"
        else:
            group.unreadable.append(f"{said}, which is no range")
            return
    if line is None:
        line = version if kind == "patch" and _NUMERIC.fullmatch(version) else _line_of(upper_text)
    pieces = _changes(lower, upper, status, item.get("changes"), group, line)
    if pieces is None:
        group.unreadable.append(f"{said} with changes that are not versions")
    else:
        group.pieces.extend(pieces)


def read_newest_of_line(item: dict[str, Any], build: str, group: Group) -> None:
    """Oracle's newest affected build of a line: the line from its start up to and including
    that build (OSV last_affected), in the java scheme: 8u391 (1.8.0_391) is 8 to 8u391, 17.0.9
    is 17 to 17.0.9. The line is the first number of the java key, as NVD's reader has it."""
    status = text(item.get("status")).lower()
    status = status if status in (AFFECTED, UNAFFECTED) else UNKNOWN
    key = _parse(build, group)
    lower = _at(str(key[0]), group, 0) if isinstance(key, tuple) and key else None
    upper = _at(build, group, 1)
    if lower is None or upper is None or not lower < upper:
        group.unreadable.append(f"the version '{quote(build)}'")
    else:
        group.pieces.append(Piece((lower, upper), status))


def _is_commit(version: str) -> bool:
    return bool(_GIT.fullmatch(version)) and any(c.isalpha() for c in version)


def _parse(version: str, group: Group) -> Any:
    """The parsed key of `version` in the group's scheme, remembering how it was written;
    None when it is not a version (or lies on a comparability line: an ordering across
    lines cannot be worked out here)."""
    if not re.match(r"[vV]?\d", version):
        return None
    parsed = versions.parse_version(version, group.scheme)
    if parsed is None or parsed.line is not None:
        return None
    group.texts.setdefault(parsed.key, version)
    return parsed.key


def _at(version: str, group: Group, side: int) -> Pos | None:
    key = _parse(version, group)
    return None if key is None else (1, key, side)


def _next_line(line: str) -> str:
    head, _, last = line.rpartition(".")
    return f"{head}.{int(last) + 1}" if head else str(int(last) + 1)


def _line_of(version: str) -> str | None:
    """The release line of a version: its numbers but the last ("8.1.29" -> "8.1")."""
    m = _NUMERIC.match(version)
    if m is None or "." not in m.group():
        return None
    return m.group().rpartition(".")[0]


def _single(version: str, group: Group) -> Span | None:
    if version.casefold() in _EVERY:
        return (START, END)
    line = _LINE.fullmatch(version)
    if line:
        lo, hi = _at(line.group(1), group, 0), _at(_next_line(line.group(1)), group, 0)
        return None if lo is None or hi is None else (lo, hi)
    lo, hi = _at(version, group, 0), _at(version, group, 1)
    return None if lo is None or hi is None else (lo, hi)


def _lower(version: str, group: Group) -> tuple[Pos | None, str | None]:
    if version.casefold() in _FROM_START:
        return START, None
    line = _LINE.fullmatch(version)
    if line:
        return _at(line.group(1), group, 0), line.group(1)
    return _at(version, group, 0), None


def _upper(version: str, bound: str, inclusive: bool, kind: str, group: Group) -> Pos | None:
    if bound == "*":
        return END
    line = _LINE.fullmatch(bound)
    if line:
        return _at(_next_line(line.group(1)), group, 0)  # "2.426.*": the rest of the 2.426 line
    if kind == "patch" and _NUMERIC.fullmatch(version) and not bound.startswith(f"{version}-"):
        bound = f"{version}-{bound}"  # Citrix: 13.1 below 49.15 is below 13.1-49.15
    return _at(bound, group, 1 if inclusive else 0)


def _changes(lower: Pos, upper: Pos, status: str, changes: Any, group: Group, line: str | None) -> list[Piece] | None:
    """The range cut where `changes[]` switch its status (PAN-OS: unaffected at 10.2.9-h1)."""
    points: list[tuple[Pos, str]] = []
    for change in objs(changes)[:_MAX_CHANGES]:
        at = _at(text(change.get("at")), group, 0)
        if at is None:
            return None
        new = text(change.get("status")).lower()
        points.append((at, new if new in (AFFECTED, UNAFFECTED) else UNKNOWN))
    points.sort()
    pieces: list[Piece] = []
    start, current = lower, status
    for at, new in points:
        if start < min(at, upper):
            pieces.append(Piece((start, min(at, upper)), current, line))
        start, current = max(start, at), new
    if start < upper:
        pieces.append(Piece((start, upper), current, line))
    return pieces


# --- the affected set ---------------------------------------------------------------------------


def _union(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for lo, hi in sorted(s for s in spans if s[0] < s[1]):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _complement(spans: list[Span]) -> list[Span]:
    gaps: list[Span] = []
    start = START
    for lo, hi in _union(spans):
        if start < lo:
            gaps.append((start, lo))
        start = max(start, hi)
    if start < END:
        gaps.append((start, END))
    return gaps


def _subtract(spans: list[Span], holes: list[Span]) -> list[Span]:
    kept = _complement(holes)
    return _union([(max(a, c), min(b, d)) for a, b in _union(spans) for c, d in kept if max(a, c) < min(b, d)])


def timeline(group: Group) -> list[Piece]:
    """Atlassian's comparisons in `version`, read as one timeline: "< 8.0.0" unaffected, then
    from each ">= X" on its status until the next X: >= 8.5.1 affected, >= 8.5.2 unaffected
    leaves 8.5.1 affected and 8.5.2 on clear."""
    pieces: list[Piece] = []
    starts: list[tuple[Pos, str]] = []
    for op, version, status in group.comparisons:
        if op in ("<", "<="):
            pieces.append(Piece((START, _at_required(version, group, 1 if op == "<=" else 0)), status))
        elif op == "=":
            pieces.append(Piece((_at_required(version, group, 0), _at_required(version, group, 1)), status))
        else:
            starts.append((_at_required(version, group, 0 if op == ">=" else 1), status))
    starts.sort()
    for n, (at, status) in enumerate(starts):
        pieces.append(Piece((at, starts[n + 1][0] if n + 1 < len(starts) else END), status))
    return pieces


def _at_required(version: str, group: Group, side: int) -> Pos:
    pos = _at(version, group, side)
    assert pos is not None  # checked when the comparison was read
    return pos


def _fixed_tails(pieces: list[Piece], group: Group) -> list[Span]:
    """defaultStatus affected with no unaffected piece: each affected range's end starts a
    fixed tail to the end of its release line, the newest one to the end of the line."""
    ranges = [p for p in pieces if p.status == AFFECTED and p.span[1] != END and p.span[1][2] == 0]
    tails: list[Span] = []
    for piece in ranges:
        end = piece.span[1]
        if piece.line is not None and re.fullmatch(r"\d+(?:\.\d+)*", piece.line):
            next_line = _at(_next_line(piece.line), group, 0)
            if next_line is not None and next_line > end:
                tails.append((end, next_line))
    if ranges:
        tails.append((max(p.span[1] for p in ranges), END))
    return tails


def per_line(pieces: list[Piece], group: Group) -> tuple[list[Piece], list[Span]]:
    """Affected ranges from the start, one per release line, each read on its own line; and the
    lines between those lines, which the record leaves undecided.

    Mozilla gives Firefox ESR "< 128.3.1" and "< 115.16.1", Apple macOS "< 13.5", "< 12.6" and
    "< 11.7": one fix per supported line, each bound meant for its line only. Their union would
    call the patched ESR 115.16.1 affected (it is below 128.3.1). So, as the CSAF reader does
    (csaf_versions.per_line): the lowest bound counts from the start (every older version is
    affected); each higher one from the start of its own line; a line between two listed lines
    (Firefox ESR 116 to 127) is undecided, to be checked by hand, never "not affected".

    The line: when every bound has a first number of its own (115/128, 11/12/13: Mozilla's and
    Apple's majors), the first number, so ESR 115.17.0 is on 115's line, past its fix; else the
    first two numbers (Fortinet-style 7.0.14 beside 7.2.7: lines 7.0 and 7.2). Only when every
    bound is a dotted number, each on a line of its own; else the pieces are kept as they are
    (one bound, or two on one line: the union, today's reading). A bound at the very start of
    its line ("< 17.0" beside "< 16.7.2") leaves nothing of that line affected.
    """
    starts = [p for p in pieces if p.status == AFFECTED and p.span[0] == START and p.span[1] != END]
    uppers = sorted({p.span[1] for p in starts})
    texts = [group.texts.get(u[1], "") for u in uppers]
    if len(uppers) < 2 or not all(_DOTTED.fullmatch(t) for t in texts):
        return pieces, []
    numbers = [[int(n) for n in t.split(".")] for t in texts]
    width = 1 if len({n[0] for n in numbers}) == len(numbers) else 2
    lines = [".".join(map(str, n[:width])) for n in numbers]
    begins = [_at(line, group, 0) for line in lines]
    if len(set(lines)) < len(lines) or any(b is None or b > u for b, u in zip(begins, uppers, strict=True)):
        return pieces, []
    moved: dict[Pos, Pos] = {}
    gaps: list[Span] = []
    for n in range(1, len(uppers)):
        begin, after = begins[n], _at(_next_line(lines[n - 1]), group, 0)
        if begin is None or after is None or after > begin:
            return pieces, []
        if after < begin:
            gaps.append((after, begin))
        moved[uppers[n]] = begin
    ids = {id(p) for p in starts}
    return [Piece((moved[p.span[1]], p.span[1]), p.status, p.line) if id(p) in ids and p.span[1] in moved else p
            for p in pieces], gaps


def affected_spans(group: Group) -> tuple[list[Span], list[Span], list[Span]]:
    """(affected spans, spans whose status the record gives as unknown, spans it leaves
    undecided: release lines between those its per-line bounds speak for)."""
    pieces = group.pieces + timeline(group)
    gaps: list[Span] = []
    if group.default != AFFECTED:
        pieces, gaps = per_line(pieces, group)
    by = {s: [p.span for p in pieces if p.status == s] for s in (AFFECTED, UNAFFECTED, UNKNOWN)}
    if group.default == AFFECTED:
        clear = by[UNAFFECTED] or _fixed_tails(pieces, group)
        if not clear:
            return [], [], []
        return _union(_complement(clear) + by[AFFECTED]), _subtract(by[UNKNOWN], clear), []
    decided = by[AFFECTED] + by[UNAFFECTED]
    return _subtract(by[AFFECTED], by[UNAFFECTED]), _subtract(by[UNKNOWN], decided), _subtract(gaps, decided)
