"""Text -> units: headings, prose sentences, and list blocks (bullets, table rows, short lines).

A unit is what one statement's evidence quotes. A prose sentence is one unit; consecutive
list lines are one unit, so "FortiOS 7.4.0 through 7.4.2\nFortiOS 7.2.0 through 7.2.6" gives
one statement with two ranges. A heading names the product (and maybe the platform) for
what follows, which is why statements that rely on it get a lower confidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from . import cue_words as cue
from . import lexicon as lx
from .scan import mask_noise

_MARKUP = re.compile(r"\*\*|__|`")
_SHORT_WORDS = 14  # a version line this short, without a full stop, is a list item
_WRAP_WIDTH = 60  # a prose line this long that does not end a sentence was hard-wrapped


@dataclass(frozen=True, slots=True)
class Unit:
    kind: str  # heading | prose | list | break
    clauses: tuple[str, ...]
    evidence: str


def _clean(line: str) -> tuple[str, bool]:
    stripped = lx.BULLET.sub("", line, count=1)
    return _MARKUP.sub("", stripped).strip(), stripped != line


def _has_version(text: str) -> bool:
    return bool(lx.VERSION.search(mask_noise(text)))


def _kind(line: str, bullet: bool) -> str:
    versions = _has_version(line)
    short = len(line.split()) <= _SHORT_WORDS
    if "|" in line or "\t" in line:
        return "list"  # a table row, header rows included: they give the columns' roles
    if bullet:
        return "list"
    if not versions:
        return "heading" if short and not line.endswith(".") else "prose"
    return "list" if short and not line.endswith(".") else "prose"


def _joined(text: str) -> Iterator[tuple[str, bool]]:
    """Cleaned lines, with hard-wrapped prose put back together: a long line that does not
    end a sentence continues on the next line unless that one is a bullet or a table row."""
    held = ""
    for raw in text.replace("\u00a0", " ").splitlines():
        line, bullet = _clean(raw)
        wrapped = len(held) >= _WRAP_WIDTH and held[-1] not in ".:;!?" and "|" not in held
        if held and line and wrapped and not bullet and "|" not in line:
            held = f"{held} {line}"
            continue
        if held:
            yield held, False
            held = ""
        if bullet or not line:
            yield line, bullet
        else:
            held = line
    if held:
        yield held, False


def _lines(text: str) -> Iterator[tuple[str, str]]:
    """(kind, line) where kind is heading, prose, list or break."""
    for line, bullet in _joined(text):
        yield ("break", "") if not line else (_kind(line, bullet), line)


def _normalise(text: str) -> str:
    # Dashes between versions are ranges; other symbols to their operator spelling.
    return re.sub(r"\s*[\u2013\u2014]\s*", " - ", text).replace("\u2264", "<=").replace("\u2265", ">=")


def units(text: str) -> Iterator[Unit]:
    listed: list[str] = []
    for kind, line in _lines(_normalise(text)):
        if kind == "list":
            listed.append(line)
            continue
        if listed:
            yield _list_unit(listed)
            listed = []
        if kind == "prose":
            for sentence in lx.SENTENCE_BREAK.split(line):
                yield Unit("prose", tuple(lx.CLAUSE_BREAK.split(sentence)), sentence)
        else:
            yield Unit(kind, (line,), line)
    if listed:
        yield _list_unit(listed)


def _list_unit(lines: list[str]) -> Unit:
    rows = _table_rows(lines)
    clauses = tuple(c for line in rows for c in lx.CLAUSE_BREAK.split(line))
    return Unit("list", clauses, "\n".join(lines))


def _table_rows(lines: list[str]) -> list[str]:
    """Table rows with the cells of "Unaffected" columns dropped, "Fixed"/"Solution" cells
    marked as fixes, so ">= 11.1.2-h3" under "Unaffected" is never read as affected, and
    "Affected versions" cells marked affected: a bare version is affected only when said."""
    header = next((ln for ln in lines if "|" in ln and not _has_version(ln)), None)
    if header is None:
        return lines
    roles = [_role(c) for c in header.split("|")]
    rows = []
    for line in lines:
        if line is header or "|" not in line:
            rows.append(line if line is not header else "")
            continue
        cells = line.split("|")
        kept = [
            _cell(c, role) for c, role in zip(cells, roles + [""] * len(cells), strict=False) if role != "unaffected"
        ]
        rows.append(" | ".join(kept))
    return [r for r in rows if r]


def _role(heading: str) -> str:
    if lx.UNAFFECTED_COLUMN.search(heading):
        return "unaffected"
    if lx.FIXED_COLUMN.search(heading):
        return "fixed"
    return "affected" if lx.AFFECTED_COLUMN.search(heading) else ""


def _cell(cell: str, role: str) -> str:
    if role == "fixed" and not cue.FIX_CUE.search(cell):
        return f"fixed in {cell}"
    if role == "affected" and lx.VERSION.search(cell) and not cue.AFFECTED_CUE.search(cell):
        return f"{cell.rstrip()} (affected) "  # after the cell: "7.4 | 7.4.0 through 7.4.2" keeps its label
    return cell
