"""Does an installed version fall inside one affected statement, and why?

`compile_statement` parses a statement's versions and bounds once; `VersionMatcher.status`
then answers per installed version string, with a reason written for council IT staff.
UNKNOWN ("check manually") is returned whenever the answer is not certain: an unreadable
installed version is never reported as not affected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from ..models import AffectedProduct, Status
from .core import ParsedVersion, Relation, clean, label_key, norm_text, split_dual
from .ranges import Containment, compile_range
from .schemes import SCHEMES, compare_parsed, parse_version, relation, resolve_scheme

_CACHE_LIMIT = 1 << 16  # distinct installed versions remembered per statement
_SHOWN_LIMIT = 8  # listed builds quoted in one reason
NO_VERSION = "no installed version was recorded; check it manually"  # the reason, for any statement


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    reason: str
    label: str | None = None
    # UNKNOWN only because every bound is on another release line (another Cisco IOS train,
    # another Citrix LTSR): it says nothing of this row, so a sibling statement of the same
    # advisory that does judge the row's own line decides instead (matching's `_strongest`).
    elsewhere: bool = False


@dataclass(frozen=True, slots=True)
class _Listed:
    text: str  # as the advisory wrote it
    norm: str
    parsed: ParsedVersion | None


def quote_list(items: list[str] | tuple[str, ...], sep: str = ", ") -> str:
    """Items as a reason quotes them: the first few, then how many more."""
    if len(items) <= _SHOWN_LIMIT:
        return sep.join(items)
    return f"{sep.join(items[:_SHOWN_LIMIT])} and {len(items) - _SHOWN_LIMIT} more"


def _alias_translator(aliases: tuple[tuple[str, str], ...]) -> Callable[[str], str] | None:
    """Map a version in the first numbering of each alias pair to the second, so that one
    numbering is compared throughout ("15.0.1" -> "2023.0.1" for ("15.0", "2023.0"))."""
    if not aliases:
        return None
    pairs = [(norm_text(clean(a)), clean(b)) for a, b in aliases]

    def translate(text: str) -> str:
        s = clean(text)
        low = s.casefold()
        for prefix, target in pairs:
            if low == prefix or low.startswith(prefix + "."):
                return target + s[len(prefix) :]
        return text

    return translate


_LEADING = re.compile(r"\d+")


def _leading_number(text: str) -> int | None:
    """The first number of a version ("2023" in "v2023.0.1"), or None if it has none first."""
    m = _LEADING.match(clean(text))
    return int(m.group()) if m else None


class VersionMatcher:
    """One compiled affected statement. Build it with `compile_statement`."""

    def __init__(self, statement: AffectedProduct) -> None:
        self.statement = statement
        self._problem: str | None = None
        try:
            self.scheme = resolve_scheme(statement.scheme)
        except ValueError:
            self.scheme = statement.scheme or ""
            self._problem = (
                f"the advisory uses the version scheme {statement.scheme!r}, which this tool "
                f"does not know ({', '.join(sorted(SCHEMES))}); check it manually"
            )
        self._translate = _alias_translator(statement.version_aliases)
        self._listed = self._compile_list(statement.versions)
        self._excluded = self._compile_list(statement.excluded)
        self._listed_norms = {x.norm: x for x in self._listed}
        self._excluded_norms = {x.norm for x in self._excluded}
        self._ranges = (
            tuple(compile_range(r, self.scheme, self._translate) for r in statement.ranges)
            if self._problem is None
            else ()
        )
        self._undecided = tuple(compile_range(r, self.scheme, self._translate) for r in statement.undecided)
        self._labels = {label_key(name): (name, builds) for name, builds in statement.labels}
        self._build_labels = {
            norm_text(self._key_text(b)): name for name, builds in statement.labels for b in builds
        }
        # The leading numbers this statement speaks in ("2023" for fixed 2023.0.1): which
        # reading of a dual label is in its numbering.
        own = [self._key_text(split_dual(v)[0]) for v in statement.versions] + [
            self._key_text(b.version) for r in statement.ranges for b in (r.lower, r.upper) if b
        ]
        self._lines = frozenset(n for n in map(_leading_number, own) if n is not None)
        self._line_widths = frozenset(len(str(n)) for n in self._lines)
        self._cache: dict[str, Verdict] = {}

    def _key_text(self, text: str) -> str:
        return self._translate(text) if self._translate else text

    def _compile_list(self, versions: tuple[str, ...]) -> tuple[_Listed, ...]:
        out = []
        for v in versions:
            key_text = self._key_text(split_dual(v)[0] if self._translate else v)
            parsed = parse_version(key_text, self.scheme) if self._problem is None else None
            out.append(_Listed(v, norm_text(key_text), parsed))
        return tuple(out)

    def status(self, version: str) -> Verdict:
        """Whether `version` (an inventory string, a label such as "Update 7", or a dual
        label such as "2023.0.1 (15.0.1)") is affected by this statement, and why."""
        verdict = self._cache.get(version)
        if verdict is None:
            verdict = self._evaluate(version)
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[version] = verdict
        return verdict

    def _evaluate(self, version: str) -> Verdict:
        text = version.strip()
        if not text:
            return Verdict(Status.UNKNOWN, NO_VERSION)
        if self._problem is not None:
            return Verdict(Status.UNKNOWN, self._problem)
        st = self.statement
        if not (st.all_versions or st.versions or st.ranges):
            said = f" ({st.note})" if st.note else ""  # e.g. the version text that could not be read
            return Verdict(
                Status.UNKNOWN,
                f"the advisory names no affected versions of {st.product}{said}; check it manually",
            )
        label = self._labels.get(label_key(text))
        if label is not None:
            return self._judge_label(text, *label)
        verdict = self._judge_candidates(text)
        return self._with_label(verdict, text)

    def _with_label(self, verdict: Verdict, text: str) -> Verdict:
        if not self._build_labels:
            return verdict
        label = self._build_labels.get(norm_text(self._key_text(split_dual(text)[0])))
        return verdict if label is None else Verdict(verdict.status, verdict.reason, label)

    def _candidates(self, text: str) -> list[tuple[str, str]]:
        """(text to compare, how to show it) for each numbering the string carries."""
        primary, alt = split_dual(text)
        if alt is None and self._translate is None:
            return [(text, text)]
        out = []
        for part in (primary, alt):
            if part is None:
                continue
            key_text = self._key_text(part)
            shown = text if key_text == part else f"{text} (read as {clean(key_text)})"
            out.append((key_text, shown))
        return out

    def _judge_candidates(self, text: str) -> Verdict:
        """A dual label ("2023.0.3 (15.0.3)") is one release in two numberings, not two
        versions (VERSIONS.md): judge it by the readings in the statement's own numbering
        (after `version_aliases`): those that start on one of its lines (2023), else those
        whose first number is as long as one of its lines' (2024 for a newer release, not
        16), else both. Readings that still disagree are UNKNOWN: never AFFECTED only
        through the other numbering, never NOT_AFFECTED by ignoring one."""
        candidates = self._candidates(text)
        if len(candidates) > 1:
            firsts = [_leading_number(t) for t, _ in candidates]
            own = [c for c, n in zip(candidates, firsts, strict=True) if n in self._lines]
            if not own:
                own = [
                    c
                    for c, n in zip(candidates, firsts, strict=True)
                    if n is not None and len(str(n)) in self._line_widths
                ]
            candidates = own or candidates
        verdicts = [self._judge(t, shown) for t, shown in candidates]
        first = verdicts[0]
        if all(v.status is first.status for v in verdicts[1:]):
            return first
        for v in verdicts:
            if v.status is Status.UNKNOWN:
                return v
        readings = "; ".join(self._judge(t, clean(t)).reason for t, _ in candidates)
        return Verdict(
            Status.UNKNOWN,
            f"the two numberings of '{text}' disagree ({readings}); check it manually, "
            "or give the rule version_aliases",
        )

    def _judge_label(self, shown: str, label: str, builds: tuple[str, ...]) -> Verdict:
        intro = f"'{shown}' is {label} (builds {quote_list(builds)})"
        verdicts = [self._judge_candidates(b) for b in builds]
        for wanted in (Status.AFFECTED, Status.UNKNOWN):
            for v in verdicts:
                if v.status is wanted:
                    return Verdict(wanted, f"{intro}; {v.reason}", label)
        if not verdicts:
            return Verdict(Status.UNKNOWN, f"{intro}, which lists no builds; check it manually")
        return Verdict(Status.NOT_AFFECTED, f"{intro}, and none of them is affected", label)

    def _judge(self, text: str, shown: str) -> Verdict:
        norm = norm_text(text)
        if norm in self._excluded_norms:
            return Verdict(Status.NOT_AFFECTED, f"{shown} is listed as not affected")
        listed = self._listed_norms.get(norm)
        if listed is not None:
            return Verdict(Status.AFFECTED, self._listed_reason(shown, listed))
        parsed = parse_version(text, self.scheme)
        if parsed is not None and any(
            x.parsed is not None and compare_parsed(parsed, x.parsed) == 0 for x in self._excluded
        ):
            return Verdict(Status.NOT_AFFECTED, f"{shown} is listed as not affected")
        if self.statement.all_versions:
            return Verdict(
                Status.AFFECTED, f"all versions of {self.statement.product} are affected"
            )
        if parsed is None:
            return self._unknown(shown, [x.text for x in self._listed] + self._bound_texts())
        return self._judge_parsed(parsed, shown)

    def _judge_parsed(self, parsed: ParsedVersion, shown: str) -> Verdict:
        unreadable: list[str] = []
        other_line: list[str] = []
        for item in self._listed:
            p = item.parsed
            related = Relation.UNCLEAR if p is None else relation(parsed, p)
            if related is Relation.UNCLEAR:
                unreadable.append(item.text)
            elif related is Relation.OTHER_LINE:
                other_line.append(item.text)
            elif p is not None and p.key == parsed.key:
                return Verdict(Status.AFFECTED, self._listed_reason(shown, item))
        for r in self._ranges:
            inside = r.contains(parsed)
            if inside is Containment.IN:
                return Verdict(Status.AFFECTED, f"{shown} is in the affected range {r.text}")
            if inside is Containment.UNREADABLE:
                unreadable.append(r.text)
            elif inside is Containment.OTHER_LINE:
                other_line.append(r.text)
        compared = len(self._listed) + len(self._ranges) - len(unreadable) - len(other_line)
        if unreadable:
            return self._unknown(shown, unreadable)
        for r in self._undecided:
            if r.contains(parsed) is Containment.IN:
                return Verdict(
                    Status.UNKNOWN,
                    f"the installed version '{shown}' is on a release line ({r.text}) between those "
                    "the advisory gives fixes for, and it says nothing about it; check it manually",
                )
        if other_line and not compared:
            return self._other_line(parsed, shown, other_line)
        return Verdict(Status.NOT_AFFECTED, self._not_affected_reason(shown))

    def _listed_reason(self, shown: str, item: _Listed) -> str:
        names = quote_list([x.text for x in self._listed])
        if norm_text(shown) == item.norm or shown == item.text:
            return f"{shown} is one of the listed affected builds ({names})"
        return (
            f"{shown} is the same build as {item.text}, one of the listed affected builds ({names})"
        )

    def _not_affected_reason(self, shown: str) -> str:
        parts = []
        if self._ranges:
            word = "range" if len(self._ranges) == 1 else "ranges"
            spans = quote_list([r.text for r in self._ranges], "; ")
            parts.append(f"not in the affected {word} {spans}")
        if self._listed:
            names = quote_list([x.text for x in self._listed])
            parts.append(f"not one of the listed affected builds ({names})")
        return f"{shown} is {' and '.join(parts)}"

    def _bound_texts(self) -> list[str]:
        return [b.text for r in self._ranges for b in (r.lower, r.upper) if b is not None]

    @staticmethod
    def _other_line(parsed: ParsedVersion, shown: str, against: list[str]) -> Verdict:
        # Said as such, because the fix for the installed line may be elsewhere in the same
        # advisory or missing from it: "2402 LTSR CU1" read against "<2403.1" (the current
        # release) is neither inside nor outside it.
        named = "" if norm_text(parsed.normalized) == norm_text(shown) else f" ({parsed.normalized})"
        what = quote_list(list(dict.fromkeys(against)))
        return Verdict(
            Status.UNKNOWN,
            f"the installed version '{shown}'{named} is on another release line than {what}, "
            "which say nothing about it; check it manually",
            elsewhere=True,
        )

    @staticmethod
    def _unknown(shown: str, against: list[str]) -> Verdict:
        what = quote_list(list(dict.fromkeys(against))) or "the affected versions"
        return Verdict(
            Status.UNKNOWN,
            f"the installed version '{shown}' could not be compared with {what}; check it manually",
        )


@lru_cache(maxsize=1 << 14)
def _compile_cached(statement: AffectedProduct) -> VersionMatcher:
    return VersionMatcher(statement)


# Hashing a frozen dataclass walks every field on each call (about 1.5 us for a statement
# with ranges); the matcher calls compile_statement once per inventory row, so remember
# matchers by object identity first. Each entry holds its statement, so ids are not reused.
_BY_ID: dict[int, tuple[AffectedProduct, VersionMatcher]] = {}
_BY_ID_LIMIT = 1 << 14


def compile_statement(statement: AffectedProduct) -> VersionMatcher:
    """The matcher for one statement, built once per distinct statement (they are frozen
    and hashable). Never raises: an unknown scheme gives a matcher that answers UNKNOWN."""
    hit = _BY_ID.get(id(statement))
    if hit is not None and hit[0] is statement:
        return hit[1]
    matcher = _compile_cached(statement)
    if len(_BY_ID) >= _BY_ID_LIMIT:
        _BY_ID.clear()
    _BY_ID[id(statement)] = (statement, matcher)
    return matcher
