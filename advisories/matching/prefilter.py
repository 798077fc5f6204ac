"""The version pre-filter: plain statements' bounds tabulated per product key, so one
bisection says which statements a version may hit, and their verdicts are written directly."""

from __future__ import annotations

from bisect import bisect_left

from advisories.matching.estate import _Reading
from advisories.matching.terms import (
    _AFFECTED,
    _LINELESS,
    _NO_NAMES,
    _NO_PLATFORM,
    _NOT_AFFECTED,
    _ON_LINE,
    _STATUS_RANK,
    _TABLE_BUDGET,
    _UNKNOWN,
    _UNSEEN,
    Candidate,
    Found,
    Key,
)
from advisories.models import Advisory, AffectedProduct, Status
from advisories.versions import (
    Verdict,
    VersionMatcher,
    compile_statement,
    describe_range,
    parse_version,
)
from advisories.versions.core import norm_text
from advisories.versions.matcher import NO_VERSION, quote_list
from advisories.versions.schemes import resolve_scheme

Bound = tuple[Key, bool] | None  # (key, inclusive); None is unbounded


class _Shape:
    """What decides a plain statement: exact builds and ranges, all readable in one scheme.
    The texts its reasons quote (as `VersionMatcher` quotes them) are written the first time
    a verdict needs them: most statements of a sector's advisories never hit a row."""

    __slots__ = ("_texts", "builds", "listed", "norms", "ranges", "scheme", "statement")

    def __init__(
        self,
        statement: AffectedProduct,
        scheme: str,
        listed: tuple[tuple[Key, str], ...],
        ranges: tuple[tuple[Bound, Bound], ...],
    ) -> None:
        self.statement = statement
        self.scheme = scheme
        self.listed = listed  # (parsed key, norm_text) per listed build
        self.ranges = ranges  # (lower, upper) per range
        # (parsed key, text as written) per listed build
        self.builds = tuple((key, text) for (key, _), text in zip(listed, statement.versions, strict=True))
        self.norms = frozenset(norm for _, norm in listed) if listed else _NO_NAMES
        self._texts: tuple[str, str, tuple[str, ...]] | None = None

    def texts(self) -> tuple[str, str, tuple[str, ...]]:
        """(the listed builds as a reason quotes them, what an unreadable version "could not
        be compared with", each range as `describe_range` writes it)."""
        if self._texts is None:
            st = self.statement
            against = [*st.versions, *(b.version for r in st.ranges for b in (r.lower, r.upper) if b is not None)]
            self._texts = (
                quote_list(st.versions),
                quote_list(list(dict.fromkeys(against))) or "the affected versions",
                tuple(describe_range(r) for r in st.ranges),
            )
        return self._texts

    def verdict(self, text: str, norm: str, key: Key) -> tuple[Status, str] | None:
        """The verdict of `VersionMatcher.status` for a plain (`_Reading.simple`) version
        `text`, in its norm_text spelling and with its key in the scheme, that the pre-filter
        kept; None when only the full matcher can tell."""
        if norm in self.norms:
            return _AFFECTED, f"{text} is one of the listed affected builds ({self.texts()[0]})"
        if key is None:
            return (
                _UNKNOWN,
                f"the installed version '{text}' could not be compared with {self.texts()[1]}; "
                "check it manually",
            )
        if key is _ON_LINE:
            return None
        try:
            for build, written in self.builds:
                if build == key:
                    return (
                        _AFFECTED,
                        f"{text} is the same build as {written}, one of the listed affected "
                        f"builds ({self.texts()[0]})",
                    )
            for n, (lower, upper) in enumerate(self.ranges):
                if lower is not None and (not lower[1] if key == lower[0] else key < lower[0]):
                    continue
                if upper is not None and (not upper[1] if key == upper[0] else upper[0] < key):
                    continue
                return _AFFECTED, f"{text} is in the affected range {self.texts()[2][n]}"
        except TypeError:
            return None
        return None


def _shape(statement: AffectedProduct) -> _Shape | None:
    """The statement's builds and bounds if its verdict for a readable version is exactly
    "affected when listed or inside a range, else not affected"; None when anything else
    (labels, exclusions, aliases, all versions, unreadable bounds, IOS trains) may decide it.

    This mirrors `VersionMatcher`: listed builds are matched by norm_text and by parsed key,
    ranges by their parsed bounds, all parsed under the statement's scheme.
    """
    st = statement
    if st.all_versions or st.labels or st.excluded or st.version_aliases or st.undecided:
        return None
    if not (st.versions or st.ranges):
        return None
    try:
        scheme = resolve_scheme(st.scheme)
    except ValueError:
        return None
    if scheme not in _LINELESS:
        return None
    listed = []
    for text in st.versions:
        parsed = parse_version(text, scheme)
        if parsed is None or parsed.line is not None:
            return None
        listed.append((parsed.key, norm_text(text)))
    ranges = []
    for r in st.ranges:
        if r.lower is None and r.upper is None:
            return None
        bounds: list[Bound] = []
        for bound in (r.lower, r.upper):
            if bound is None:
                bounds.append(None)
                continue
            parsed = parse_version(bound.version, scheme)
            if parsed is None or parsed.line is not None:
                return None
            bounds.append((parsed.key, bound.inclusive))
        ranges.append((bounds[0], bounds[1]))
    return _Shape(statement, scheme, tuple(listed), tuple(ranges))


class _SchemeIndex:
    """The plain statements of one key and one scheme, indexed by the versions they hit.

    The bounds and listed builds of all of them cut the scheme's versions into segments:
    segment 2j is the gap before `points[j]`, 2j+1 is `points[j]` itself. `table` lists, per
    segment, exactly the statements whose verdict for a readable version there is not "not
    affected" (inside one of its ranges, or one of its listed builds by key), in order; a
    version spelt as a listed build (`by_norm`) adds that statement too. So finding them is
    one bisection. Past the budget the ranges are checked one by one instead.
    """

    def __init__(self, scheme: str, members: list[tuple[int, _Shape]]) -> None:
        self.scheme = scheme
        self.members = tuple(i for i, _ in members)
        self.by_norm: dict[str, list[int]] = {}
        by_key: dict[Key, list[int]] = {}
        # The one key every listed build spelt this way has, when they agree.
        self.norm_key: dict[str, Key] = {}
        self.ranges: list[tuple[Bound, Bound, int]] = []
        for i, shape in members:
            for key, norm in shape.listed:
                by_key.setdefault(key, []).append(i)
                same = self.by_norm.setdefault(norm, [])
                known = self.norm_key.get(norm, _UNSEEN)
                if not same:
                    self.norm_key[norm] = key
                elif known is not _UNSEEN and known != key:
                    del self.norm_key[norm]
                same.append(i)
            for lower, upper in shape.ranges:
                assert lower is not None or upper is not None  # unbounded on both sides is "all versions"
                self.ranges.append((lower, upper, i))
        self.by_key = by_key
        bounds = {b[0] for lower, upper, _ in self.ranges for b in (lower, upper) if b is not None}
        self.points: list[Key] = sorted(bounds.union(by_key))  # TypeError: no pre-filter here
        self.table: list[tuple[int, ...]] | None = self._tabulate()
        # No statement is hit above `ceiling` but by its spelling (_UNSEEN: no such key).
        self.ceiling: Key = _UNSEEN
        if self.table is not None and self.points:
            last = max((s for s, ids in enumerate(self.table) if ids), default=0)
            if last < 2 * len(self.points):  # the gap above every point is hit by nothing
                self.ceiling = self.points[last // 2]

    def _segment(self, key: Key) -> int:
        j = bisect_left(self.points, key)
        return 2 * j + 1 if j < len(self.points) and self.points[j] == key else 2 * j

    def _tabulate(self) -> list[tuple[int, ...]] | None:
        """The statements hit in each segment, by one sweep over the segments; None when
        they would hold more than the budget."""
        count = 2 * len(self.points) + 1
        opens: list[list[int]] = [[] for _ in range(count + 1)]
        closes: list[list[int]] = [[] for _ in range(count + 1)]
        stored = 0
        for lower, upper, i in self.ranges:
            first = 0 if lower is None else self._segment(lower[0]) + (0 if lower[1] else 1)
            last = count - 1 if upper is None else self._segment(upper[0]) - (0 if upper[1] else 1)
            if first > last:
                continue
            stored += last - first + 1
            if stored > _TABLE_BUDGET:
                return None
            opens[first].append(i)
            closes[last + 1].append(i)
        for key, ids in self.by_key.items():
            at = self._segment(key)
            opens[at].extend(ids)
            closes[at + 1].extend(ids)
        table: list[tuple[int, ...]] = []
        inside: dict[int, int] = {}  # statement -> how many of its ranges and builds cover here
        current: tuple[int, ...] = ()
        for segment in range(count):
            changed = False
            for i in closes[segment]:
                changed = True
                if inside[i] == 1:
                    del inside[i]
                else:
                    inside[i] -= 1
            for i in opens[segment]:
                changed = True
                inside[i] = inside.get(i, 0) + 1
            if changed:
                current = tuple(sorted(inside))
            table.append(current)
        return table

    def hits(self, norm: str, key: Key) -> tuple[int, ...]:
        """The statements whose verdict for a version readable here (`key`) and spelt `norm`
        may not be "not affected", in order. TypeError: the key does not order here."""
        if self.table is not None:
            found = self.table[self._segment(key)]
        else:
            found = tuple(
                i
                for lower, upper, i in self.ranges
                if (lower is None or lower[0] < key or (lower[1] and lower[0] == key))
                and (upper is None or key < upper[0] or (upper[1] and key == upper[0]))
            )
            found = tuple(sorted(set(found).union(self.by_key.get(key, ()))))
        named = self.by_norm.get(norm)
        if named and self.norm_key.get(norm, _UNSEEN) != key:
            found = tuple(sorted(set(found).union(named)))
        return found

    def add_hits(self, reading: _Reading, out: set[int]) -> None:
        key = reading.key(self.scheme)
        if key is None or key is _ON_LINE:
            out.update(self.members)  # unreadable here: every statement answers "unknown"
            return
        try:
            out.update(self.hits(reading.norm, key))
        except TypeError:  # keys of this scheme that do not order against each other
            out.update(self.members)


class _Compiled:
    """A statement's `VersionMatcher`, compiled the first time a verdict needs it: the
    pre-filter's `_Shape` decides most plain statements without one, and most statements of
    a sector's advisories never hit a row at all."""

    __slots__ = ("_matcher", "statement")

    def __init__(self, statement: AffectedProduct) -> None:
        self.statement = statement
        self._matcher: VersionMatcher | None = None

    def status(self, version: str) -> Verdict:
        matcher = self._matcher
        if matcher is None:
            matcher = self._matcher = compile_statement(self.statement)
        return matcher.status(version)


class _Prepare:
    """Each statement read once; equal statements (several advisories about one release often
    say the same thing) share one shape and one matcher, and so the matcher's verdicts."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[AffectedProduct, _Compiled, _Shape | None]] = {}
        self._equal: dict[AffectedProduct, tuple[AffectedProduct, _Compiled, _Shape | None]] = {}

    def __call__(self, statement: AffectedProduct) -> tuple[_Compiled, _Shape | None]:
        entry = self._by_id.get(id(statement))
        if entry is None or entry[0] is not statement:
            entry = self._equal.get(statement)
            if entry is None:
                entry = self._equal[statement] = (statement, _Compiled(statement), _shape(statement))
            self._by_id[id(statement)] = (statement, entry[1], entry[2])
        return entry[1], entry[2]


class _Bucket:
    """The candidates of one product key, with the version pre-filter over them, and what
    each distinct version (`hits`) and (version, platform) (`judged`) came to."""

    def __init__(self, candidates: list[Candidate], prepared: _Prepare) -> None:
        self.candidates = candidates
        self.everything = tuple(range(len(candidates)))
        # Per candidate, what judging it reads.
        self.specs: list[tuple[str, str, _Shape | None, _Compiled, Advisory, AffectedProduct]] = []
        always: list[int] = []
        plain: dict[str, list[tuple[int, _Shape]]] = {}
        # Catalogue.matches reads a statement's product identity only (vendor, product,
        # aliases, cpe, purl): statements sharing it are checked once, through the first.
        named: dict[tuple[object, ...], tuple[AffectedProduct, list[int]]] = {}
        for i, candidate in enumerate(candidates):
            st = candidate.statement
            matcher, shape = prepared(st)
            self.specs.append((candidate.advisory.id, st.platform, shape, matcher, candidate.advisory, st))
            if shape is None:
                always.append(i)
            else:
                plain.setdefault(shape.scheme, []).append((i, shape))
            ident = (st.vendor, st.product, st.aliases, st.cpe, st.purl)
            same = named.get(ident)
            if same is None:
                named[ident] = (st, [i])
            else:
                same[1].append(i)
        self.products = list(named.values())
        self.by_advisory: dict[str, list[int]] = {}
        for i, spec in enumerate(self.specs):
            self.by_advisory.setdefault(spec[0], []).append(i)
        self.indexes: list[_SchemeIndex] = []
        for scheme, members in plain.items():
            try:
                self.indexes.append(_SchemeIndex(scheme, members))
            except TypeError:  # bounds that do not order: no pre-filter for them
                always.extend(i for i, _ in members)
        self.always = frozenset(always)
        # The common case, one index and nothing beside it: its hits are the bucket's.
        self.single = self.indexes[0] if not always and len(self.indexes) == 1 else None
        # ...and past its ceiling (scheme, key, listed spellings) nothing at all is hit.
        self.quick: tuple[str, Key, frozenset[str]] | None = None
        if self.single is not None and self.single.ceiling is not _UNSEEN:
            self.quick = (self.single.scheme, self.single.ceiling, frozenset(self.single.by_norm))
        self.hits: dict[str, tuple[int, ...]] = {}
        self.judged: dict[tuple[str, str], list[Found]] = {}

    def find(self, reading: _Reading) -> tuple[int, ...]:
        """Positions of the candidates whose verdict for the version may not be "not
        affected", in order."""
        if not reading.simple:
            return self.everything
        single = self.single
        if single is not None:
            key = reading.key(single.scheme)
            if key is None or key is _ON_LINE:
                return single.members  # unreadable here: every statement answers "unknown"
            try:
                return single.hits(reading.norm, key)
            except TypeError:  # keys of this scheme that do not order against each other
                return single.members
        out = set(self.always)
        for index in self.indexes:
            index.add_hits(reading, out)
        return tuple(sorted(out)) if out else ()

    def judge(self, reading: _Reading, version: str, platform: str, ids: tuple[int, ...]) -> list[Found]:
        """`_strongest` over the candidates at `ids` for a row with this version and platform:
        at most one finding per advisory, the strongest, the first of equals."""
        if not reading.simple:
            return self._judge_fully(reading, version, platform, ids)
        best: dict[str, Found] = {}
        get, specs, single = best.get, self.specs, self.single
        text, norm, blind = reading.text, reading.norm, platform == "any"
        key = reading.key(single.scheme) if single is not None else _UNSEEN
        aside: dict[str, Found] = {}
        judged: set[str] = set()
        for i in ids:
            aid, where, shape, matcher, advisory, statement = specs[i]
            seen = get(aid)
            if seen is not None and seen[2] is _AFFECTED:
                continue  # nothing outranks it, and the first of equals is kept
            if where != "any" and where != platform and not blind:
                continue  # a statement for another platform
            said = None
            if shape is not None:
                said = shape.verdict(text, norm, key if single is not None else reading.key(shape.scheme))
            if said is None:
                verdict = matcher.status(version)
                status, reason, label = verdict.status, verdict.reason, verdict.label
                if verdict.elsewhere:
                    aside.setdefault(aid, (advisory, statement, status, reason, label))
                    continue
                judged.add(aid)
                if status is _NOT_AFFECTED:
                    continue
            else:
                (status, reason), label = said, None
            if blind and where != "any" and status is _AFFECTED:
                status, reason = _UNKNOWN, f"{reason} on {where}{_NO_PLATFORM}"
            if seen is None or _STATUS_RANK[status] > _STATUS_RANK[seen[2]]:
                best[aid] = (advisory, statement, status, reason, label)
        if aside:
            self._settle(best, aside, judged, ids, platform)
        return list(best.values())

    def _settle(
        self, best: dict[str, Found], aside: dict[str, Found], judged: set[str], ids: tuple[int, ...], platform: str
    ) -> None:
        """Add the "other release line" unknowns (`Verdict.elsewhere`) of the advisories none
        of whose statements judged the row, as `_strongest` does. Judged it: a statement with a
        finding (`best`), one the full matcher cleared (`judged`), and a plain statement the
        pre-filter passed over (not in `ids`: not affected)."""
        looked = set(ids)
        for aid, found in aside.items():
            passed_over = [self.specs[j] for j in self.by_advisory[aid] if j not in looked]
            applies = [s for s in passed_over if s[2] is not None and (platform == "any" or s[1] in ("any", platform))]
            if aid not in judged and aid not in best and not applies:
                best[aid] = found

    def _judge_fully(self, reading: _Reading, version: str, platform: str, ids: tuple[int, ...]) -> list[Found]:
        """`judge` for no version, or two numberings: every verdict from `VersionMatcher`."""
        best: dict[str, Found] = {}
        blind = platform == "any"
        aside: dict[str, Found] = {}
        judged: set[str] = set()
        for i in ids:
            aid, where, _, matcher, advisory, statement = self.specs[i]
            seen = best.get(aid)
            if seen is not None and seen[2] is _AFFECTED:
                continue
            if where != "any" and where != platform and not blind:
                continue
            if reading.text:
                verdict = matcher.status(version)
                status, reason, label = verdict.status, verdict.reason, verdict.label
                if verdict.elsewhere:
                    aside.setdefault(aid, (advisory, statement, status, reason, label))
                    continue
            else:  # VersionMatcher's first answer, whatever the statement
                status, reason, label = _UNKNOWN, NO_VERSION, None
            judged.add(aid)
            if status is _NOT_AFFECTED:
                continue
            if blind and where != "any" and status is _AFFECTED:
                status, reason = _UNKNOWN, f"{reason} on {where}{_NO_PLATFORM}"
            if seen is None or _STATUS_RANK[status] > _STATUS_RANK[seen[2]]:
                best[aid] = (advisory, statement, status, reason, label)
        if aside:
            self._settle(best, aside, judged, ids, platform)
        return list(best.values())

