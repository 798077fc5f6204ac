"""Caps on the text an advisory carries, whatever source or rule it came from.

Every advisory passes through `cap_advisory` on its way to the store (pipeline
`_store_advisories`), so no feed, CSAF document, CVE record or hand-written rule can put more
than these many characters into an alert or a bulletin. Without them a rule with a 10 MB title
made a 28.7 MB alert, which a relay refuses with a 5xx: that council's alert failed for good.

The caps sit well above anything real: over the 333 advisories of the shared corpus the
longest title is 159 characters, summary 1,755, action 1,341, product name 105 and version 74.
A cut is marked, and where the advisory has a link the cut text says where to read it all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import NamedTuple

from advisories.models import Advisory, AffectedProduct, Bound, VersionRange
from advisories.sanitise import ELLIPSIS

TITLE_CHARS = 300  # a heading and a bulletin line; the RSS source already cut there
SUMMARY_CHARS = 4000  # about a page; the longest source cap (RSS) is the same
ACTION_CHARS = 2000  # "what to do"
FIX_CHARS = 4000  # a statement's fix text (fixed_in): CSAF remediations run to 3,432
NOTE_CHARS = 1000  # each note on an advisory or a statement ("nvd:CVE-… says …")
PRODUCT_CHARS = 200  # product, vendor, alias and label names
VERSION_CHARS = 100  # each version string: listed builds, range bounds, exclusions, labels' builds
LINKS = 100  # links kept per advisory (real CVE records cite up to ~65); each is <= 2,048 chars
# A link longer than this is not worth quoting in a cut title: the note would crowd out the text.
_QUOTED_LINK_CHARS = 200


class Over(NamedTuple):
    """One value over its cap: where it is (as a rule file names it), its length, the cap."""

    field: str
    length: int
    cap: int

    def __str__(self) -> str:
        return (f"{self.field}: {self.length:,} characters, over the {self.cap:,}-character cap "
                "(a run keeps the first part, marked as cut)")


def cut_text(text: str, cap: int, link: str | None = None) -> str:
    """`text` cut to at most `cap` characters at a word boundary, marked "…"; with `link`,
    the mark says where the full text is: "… (cut; read the full text at <link>)"."""
    if len(text) <= cap:
        return text
    mark = ELLIPSIS
    if link and len(link) <= min(_QUOTED_LINK_CHARS, cap // 2):
        mark = f"{ELLIPSIS} (cut; read the full text at {link})"
    room = max(cap - len(mark), 0)
    kept = text[:room]
    space = kept.rfind(" ")
    if space > room * 0.8:  # back off to a word boundary only when it costs little
        kept = kept[:space]
    return (kept.rstrip() + mark)[:cap]


def cap_advisory(advisory: Advisory) -> Advisory:
    """The advisory with every text within its cap; the same object when nothing is over."""
    if not any(oversized(advisory)):
        return advisory
    link = advisory.url or next(iter(advisory.links), None)
    return replace(
        advisory,
        title=cut_text(advisory.title, TITLE_CHARS, link),
        summary=cut_text(advisory.summary, SUMMARY_CHARS, link),
        action=None if advisory.action is None else cut_text(advisory.action, ACTION_CHARS, link),
        notes=tuple(cut_text(n, NOTE_CHARS) for n in advisory.notes),
        links=advisory.links[:LINKS],
        affects=tuple(_cap_statement(s) for s in advisory.affects),
    )


def oversized(advisory: Advisory) -> Iterator[Over]:
    """Each value over its cap, named as in a rule file ("title", "affects[0].versions[3]")."""
    for name, text, cap in (("title", advisory.title, TITLE_CHARS), ("summary", advisory.summary, SUMMARY_CHARS),
                            ("action", advisory.action or "", ACTION_CHARS)):
        if len(text) > cap:
            yield Over(name, len(text), cap)
    for i, note in enumerate(advisory.notes):
        if len(note) > NOTE_CHARS:
            yield Over(f"notes[{i}]", len(note), NOTE_CHARS)
    if len(advisory.links) > LINKS:
        yield Over("links (count)", len(advisory.links), LINKS)
    for i, statement in enumerate(advisory.affects):
        for name, text, cap in _statement_texts(statement):
            if len(text) > cap:
                yield Over(f"affects[{i}].{name}", len(text), cap)


def _statement_texts(s: AffectedProduct) -> Iterator[tuple[str, str, int]]:
    yield "vendor", s.vendor, PRODUCT_CHARS
    yield "product", s.product, PRODUCT_CHARS
    yield "fixed_in", s.fixed_in or "", FIX_CHARS
    yield "note", s.note or "", NOTE_CHARS
    for name, values in (("aliases", s.aliases), ("versions", s.versions), ("excluded", s.excluded)):
        cap = PRODUCT_CHARS if name == "aliases" else VERSION_CHARS
        yield from ((f"{name}[{j}]", v, cap) for j, v in enumerate(values))
    for j, r in enumerate((*s.ranges, *s.undecided)):
        yield from ((f"ranges[{j}]", b.version, VERSION_CHARS) for b in (r.lower, r.upper) if b)
    for label, builds in s.labels:
        yield f"labels.{label[:40]}", label, PRODUCT_CHARS
        yield from ((f"labels.{label[:40]}", b, VERSION_CHARS) for b in builds)
    for one, other in s.version_aliases:
        yield from (("version_aliases", v, VERSION_CHARS) for v in (one, other))


def _cap_statement(s: AffectedProduct) -> AffectedProduct:
    # A cut version cannot be read, so it matches as "check manually", never as "not affected".
    name, version = _cutter(PRODUCT_CHARS), _cutter(VERSION_CHARS)
    return replace(
        s,
        vendor=name(s.vendor),
        product=name(s.product),
        aliases=tuple(map(name, s.aliases)),
        versions=tuple(map(version, s.versions)),
        excluded=tuple(map(version, s.excluded)),
        ranges=tuple(_cap_range(r) for r in s.ranges),
        undecided=tuple(_cap_range(r) for r in s.undecided),
        labels=tuple((name(label), tuple(map(version, builds))) for label, builds in s.labels),
        version_aliases=tuple((version(a), version(b)) for a, b in s.version_aliases),
        fixed_in=None if s.fixed_in is None else cut_text(s.fixed_in, FIX_CHARS),
        note=None if s.note is None else cut_text(s.note, NOTE_CHARS),
    )


def _cutter(cap: int) -> Callable[[str], str]:
    return lambda text: cut_text(text, cap)


def _cap_range(r: VersionRange) -> VersionRange:
    def bound(b: Bound | None) -> Bound | None:
        return None if b is None else Bound(cut_text(b.version, VERSION_CHARS), b.inclusive)

    return VersionRange(bound(r.lower), bound(r.upper))
