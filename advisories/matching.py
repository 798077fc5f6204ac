"""Pure matching: advisories x inventories -> matches, each with the reason.

Built for sector scale. An Estate groups every council's rows by what they are (product, vendor,
version, platform), and those groups by product identity, so each distinct row is matched once
and fanned out to the councils that have it, and a product no advisory names costs one dict
look-up for all its rows. Statements are indexed by product key; within a key, a version
pre-filter (exact builds by parsed key, ranges by bisection over their bounds, each distinct
version string parsed once) leaves only the statements that may hit a version, and those get
the full `VersionMatcher` verdict. The pre-filter only ever drops statements whose verdict is
certainly "not affected", so the answers are those of the every-row x every-statement loop.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Any

from advisories.models import Advisory, AffectedProduct, InventoryItem, Match, Status
from advisories.products import Catalogue
from advisories.prose import alerts_on
from advisories.versions import Verdict, VersionMatcher, compile_statement, parse_version
from advisories.versions.core import norm_text, split_dual
from advisories.versions.schemes import resolve_scheme

RowId = tuple[str, str, str, str, str | None, str | None]  # product, vendor, version, platform, purl, cpe
Identity = tuple[str, str, str | None, str | None]  # product, vendor, purl, cpe: all key_for reads
_STATUS_RANK = {Status.AFFECTED: 2, Status.UNKNOWN: 1}
_row_id = attrgetter("product", "vendor", "version", "platform", "purl", "cpe")
# Schemes whose versions have no comparability line (Cisco IOS trains do), so that one
# version's key orders against every bound of the scheme.
_LINELESS = frozenset(
    {"generic", "pep440", "semver", "maven", "deb", "rpm", "openssl", "nginx", "java", "citrix",
     "ivanti", "vmware"}
)
_COVER_BUDGET = 200_000  # ids stored for bounded ranges per key; wider ranges are scanned


@dataclass(frozen=True)
class Candidate:
    advisory: Advisory
    statement: AffectedProduct


class Estate:
    """Every council's inventory rows, grouped by identity so each is matched once.

    `groups` maps each distinct row to the rows that are it, in first-seen order;
    `identities` maps each product identity (product, vendor, purl, cpe) to its groups, each
    with its position in `groups`.
    """

    def __init__(self, items: Iterable[InventoryItem]) -> None:
        self.groups: dict[RowId, list[InventoryItem]] = {}
        self.identities: dict[Identity, list[tuple[int, list[InventoryItem]]]] = {}
        groups, identities, row_id = self.groups, self.identities, _row_id
        for item in items:
            rid = row_id(item)
            group = groups.get(rid)
            if group is not None:
                group.append(item)
                continue
            group = groups[rid] = [item]
            ident = (rid[0], rid[1], rid[4], rid[5])
            entry = (len(groups) - 1, group)
            same = identities.get(ident)
            if same is None:
                identities[ident] = [entry]
            else:
                same.append(entry)

    def __len__(self) -> int:
        return sum(len(g) for g in self.groups.values())


class Matcher:
    def __init__(self, advisories: Sequence[Advisory], catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.index: dict[str, list[Candidate]] = {}
        for advisory in advisories:
            for statement in advisory.affects:
                if not alerts_on(statement):
                    continue  # a doubtful reading from prose: the digest's review list, not an alert
                candidate = Candidate(advisory, statement)
                for key in catalogue.keys_for(statement):
                    self.index.setdefault(key, []).append(candidate)
        # Each statement is compiled and its builds and bounds read once, and each distinct
        # candidate list indexed once: a product's keys ("cat:google-chrome", "chrome",
        # "googlechrome") usually share one.
        prepared = _Prepare()
        shared: dict[tuple[int, ...], _Bucket] = {}
        self._buckets: dict[str, _Bucket] = {}
        for key, found in self.index.items():
            signature = tuple(map(id, found))
            bucket = shared.get(signature)
            if bucket is None:
                bucket = shared[signature] = _Bucket(found, prepared)
            self._buckets[key] = bucket
        self._selected: dict[Identity, tuple[_Bucket, frozenset[int] | None] | None] = {}

    def candidates(self, item: InventoryItem) -> list[Candidate]:
        found = self.index.get(self.catalogue.key_for(item))
        if not found:
            return []
        # Same key is not enough: "Desktop App" by 3CX is not someone else's "Desktop App".
        return [c for c in found if self.catalogue.matches(item, c.statement)]

    def match_items(self, items: Iterable[InventoryItem]) -> list[Match]:
        return self.match_estate(Estate(items))

    def match_estate(self, estate: Estate) -> list[Match]:
        found: list[tuple[int, list[Match]]] = []
        selected = self._selected
        for ident, entries in estate.identities.items():
            choice = selected.get(ident, _UNSEEN)
            if choice is _UNSEEN:
                choice = selected[ident] = self._select(entries[0][1][0])
            if choice is None:
                continue  # no advisory names this product: all its rows, one look-up
            bucket, allowed = choice
            for order, group in entries:
                first = group[0]
                ids = bucket.hits(first.version)
                if not ids:
                    continue
                if allowed is not None:
                    ids = [i for i in ids if i in allowed]
                verdicts = bucket.judge(first, ids)
                if verdicts:
                    found.append((order, [
                        Match(c.advisory, item, c.statement, v.status, v.reason, v.label)
                        for c, v in verdicts
                        for item in group
                    ]))
        found.sort(key=itemgetter(0))  # the order of the rows, as one pass over them gives
        return [m for _, matches in found for m in matches]

    def _select(self, item: InventoryItem) -> tuple[_Bucket, frozenset[int] | None] | None:
        """The candidates of the row's key and, unless all of them, the positions of those
        that are the row's product (one Catalogue.matches call per product the key's
        statements name, not per statement)."""
        bucket = self._buckets.get(self.catalogue.key_for(item))
        if bucket is None:
            return None
        # Same key is not enough: "Desktop App" by 3CX is not someone else's "Desktop App".
        passing = [
            positions
            for statement, positions in bucket.products
            if self.catalogue.matches(item, statement)
        ]
        if len(passing) == len(bucket.products):
            return bucket, None
        if not passing:
            return None
        return bucket, frozenset(i for positions in passing for i in positions)


_UNSEEN: Any = object()


def judge(item: InventoryItem, candidates: list[Candidate]) -> list[tuple[Candidate, Verdict]]:
    """Verdicts for one distinct row: at most one per advisory, the strongest."""
    return _strongest(item, ((c, None) for c in candidates))


def platform_verdict(item: InventoryItem, statement: AffectedProduct) -> Verdict | None:
    """The version verdict, if the statement applies to the row's platform at all.

    A statement for one platform never applies to a row on another. A row whose platform the
    inventory does not give is checked anyway and, if its version is hit, reported as unknown:
    missing data is never a silent "not affected".
    """
    return _verdict(item, statement, None)


def _verdict(
    item: InventoryItem, statement: AffectedProduct, matcher: VersionMatcher | None
) -> Verdict | None:
    if statement.platform not in ("any", item.platform) and item.platform != "any":
        return None
    if matcher is None:
        matcher = compile_statement(statement)
    verdict = matcher.status(item.version)
    if item.platform == "any" and statement.platform != "any" and verdict.status is Status.AFFECTED:
        return Verdict(
            Status.UNKNOWN,
            f"{verdict.reason} on {statement.platform}; the inventory does not say which "
            "platform this device runs, so check it manually",
            verdict.label,
        )
    return verdict


def _strongest(
    item: InventoryItem, pairs: Iterable[tuple[Candidate, VersionMatcher | None]]
) -> list[tuple[Candidate, Verdict]]:
    best: dict[str, tuple[Candidate, Verdict]] = {}
    for candidate, matcher in pairs:
        aid = candidate.advisory.id
        seen = best.get(aid)
        if seen is not None and seen[1].status is Status.AFFECTED:
            continue  # nothing outranks it, and the first of equals is kept
        verdict = _verdict(item, candidate.statement, matcher)
        if verdict is None or verdict.status is Status.NOT_AFFECTED:
            continue
        if seen is None or _STATUS_RANK[verdict.status] > _STATUS_RANK[seen[1].status]:
            best[aid] = (candidate, verdict)
    return list(best.values())


# -- the version pre-filter ------------------------------------------------------------------


Key = Any  # a ParsedVersion key: tuples that order within one scheme
Bound = tuple[Key, bool] | None  # (key, inclusive); None is unbounded


@dataclass(frozen=True, slots=True)
class _Shape:
    """What decides a plain statement: exact builds and ranges, all readable in one scheme."""

    scheme: str
    listed: tuple[tuple[Key, str], ...]  # (parsed key, norm_text) per listed build
    ranges: tuple[tuple[Bound, Bound], ...]  # (lower, upper)


def _shape(statement: AffectedProduct) -> _Shape | None:
    """The statement's builds and bounds if its verdict for a readable version is exactly
    "affected when listed or inside a range, else not affected"; None when anything else
    (labels, exclusions, aliases, all versions, unreadable bounds, IOS trains) may decide it.

    This mirrors `VersionMatcher`: listed builds are matched by norm_text and by parsed key,
    ranges by their parsed bounds, all parsed under the statement's scheme.
    """
    st = statement
    if st.all_versions or st.labels or st.excluded or st.version_aliases:
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
    return _Shape(scheme, tuple(listed), tuple(ranges))


class _Sorted:
    """One-sided bounds, sorted: which of them does a key satisfy?"""

    def __init__(self, bounds: list[tuple[Key, bool, int]], upper: bool) -> None:
        bounds.sort(key=itemgetter(0))
        self.keys = [k for k, _, _ in bounds]
        self.inclusive = [inc for _, inc, _ in bounds]
        self.ids = [i for _, _, i in bounds]
        self.upper = upper

    def add_hits(self, key: Key, out: set[int]) -> None:
        lo, hi = bisect_left(self.keys, key), bisect_right(self.keys, key)
        out.update(self.ids[hi:] if self.upper else self.ids[:lo])  # strictly inside
        for j in range(lo, hi):  # on the bound itself
            if self.inclusive[j]:
                out.add(self.ids[j])


class _SchemeIndex:
    """The plain statements of one key and one scheme, indexed by the versions they hit.

    `add_hits` adds exactly the statements whose verdict for a readable version is not
    "not affected": listed builds by key and spelling, one-sided ranges by bisection, and
    two-sided ranges through the segments their bounds cut the versions into.
    """

    def __init__(self, scheme: str, members: list[tuple[int, _Shape]]) -> None:
        self.scheme = scheme
        self.members = tuple(i for i, _ in members)
        self.by_key: dict[Key, list[int]] = {}
        self.by_norm: dict[str, list[int]] = {}
        uppers: list[tuple[Key, bool, int]] = []  # ranges with no lower bound
        lowers: list[tuple[Key, bool, int]] = []  # ranges with no upper bound
        bounded: list[tuple[tuple[Key, bool], tuple[Key, bool], int]] = []
        for i, shape in members:
            for key, norm in shape.listed:
                self.by_key.setdefault(key, []).append(i)
                self.by_norm.setdefault(norm, []).append(i)
            for lower, upper in shape.ranges:
                if lower is None:
                    assert upper is not None  # an interval unbounded on both sides is "all versions"
                    uppers.append((upper[0], upper[1], i))
                elif upper is None:
                    lowers.append((lower[0], lower[1], i))
                else:
                    bounded.append((lower, upper, i))
        self.sides = [_Sorted(b, upper) for b, upper in ((uppers, True), (lowers, False)) if b]
        # Segment 2j is the gap before points[j], 2j+1 is points[j] itself; each segment
        # lists the two-sided ranges covering it. Ranges too wide for the budget are
        # checked one by one instead.
        self.points = sorted({b[0] for lower, upper, _ in bounded for b in (lower, upper)})
        self.cover: list[list[int]] = [[] for _ in range(2 * len(self.points) + 1)]
        self.scan: list[tuple[tuple[Key, bool], tuple[Key, bool], int]] = []
        stored = 0
        for lower, upper, i in bounded:
            first = self._segment(lower[0]) + (0 if lower[1] else 1)
            last = self._segment(upper[0]) - (0 if upper[1] else 1)
            if stored + last - first + 1 > _COVER_BUDGET:
                self.scan.append((lower, upper, i))
                continue
            stored += max(0, last - first + 1)
            for segment in range(first, last + 1):
                self.cover[segment].append(i)

    def _segment(self, key: Key) -> int:
        j = bisect_left(self.points, key)
        return 2 * j + 1 if j < len(self.points) and self.points[j] == key else 2 * j

    def add_hits(self, text: str, norm: str, out: set[int]) -> None:
        named = self.by_norm.get(norm)
        if named:
            out.update(named)
        parsed = parse_version(text, self.scheme)
        if parsed is None or parsed.line is not None:
            out.update(self.members)  # unreadable here: every statement answers "unknown"
            return
        key = parsed.key
        try:
            listed = self.by_key.get(key)
            if listed:
                out.update(listed)
            for side in self.sides:
                side.add_hits(key, out)
            if self.points:
                out.update(self.cover[self._segment(key)])
            for (lo, lo_in), (hi, hi_in), i in self.scan:
                if (lo < key or (lo_in and lo == key)) and (key < hi or (hi_in and key == hi)):
                    out.add(i)
        except TypeError:  # keys of this scheme that do not order against each other
            out.update(self.members)


class _Prepare:
    """Each statement compiled and read once; equal statements (several advisories about
    one release often say the same thing) share one VersionMatcher and so its verdicts."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[AffectedProduct, VersionMatcher, _Shape | None]] = {}
        self._equal: dict[AffectedProduct, tuple[AffectedProduct, VersionMatcher, _Shape | None]] = {}

    def __call__(self, statement: AffectedProduct) -> tuple[VersionMatcher, _Shape | None]:
        entry = self._by_id.get(id(statement))
        if entry is None or entry[0] is not statement:
            entry = self._equal.get(statement)
            if entry is None:
                entry = self._equal[statement] = (
                    statement, compile_statement(statement), _shape(statement)
                )
            self._by_id[id(statement)] = (statement, entry[1], entry[2])
        return entry[1], entry[2]


class _Bucket:
    """The candidates of one product key, with the version pre-filter over them."""

    def __init__(self, candidates: list[Candidate], prepared: _Prepare) -> None:
        self.candidates = candidates
        self.everything = tuple(range(len(candidates)))
        self.matchers: list[VersionMatcher] = []
        always: list[int] = []
        plain: dict[str, list[tuple[int, _Shape]]] = {}
        # Catalogue.matches reads a statement's product identity only (vendor, product,
        # aliases, cpe, purl): statements sharing it are checked once, through the first.
        named: dict[tuple[object, ...], tuple[AffectedProduct, list[int]]] = {}
        for i, candidate in enumerate(candidates):
            st = candidate.statement
            matcher, shape = prepared(st)
            self.matchers.append(matcher)
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
        self.indexes: list[_SchemeIndex] = []
        for scheme, members in plain.items():
            try:
                self.indexes.append(_SchemeIndex(scheme, members))
            except TypeError:  # bounds that do not order: no pre-filter for them
                always.extend(i for i, _ in members)
        self.always = frozenset(always)
        self._hits: dict[str, tuple[int, ...]] = {}

    def hits(self, version: str) -> tuple[int, ...]:
        """Positions of the candidates whose verdict for `version` may not be "not affected",
        in order; each distinct version string is looked at once."""
        found = self._hits.get(version)
        if found is None:
            found = self._hits[version] = self._find(version)
        return found

    def _find(self, version: str) -> tuple[int, ...]:
        text = version.strip()
        # No version, or a second numbering ("2023.0.1 (15.0.1)"): let every statement judge.
        if not text or split_dual(text)[1] is not None:
            return self.everything
        out = set(self.always)
        norm = norm_text(text)
        for index in self.indexes:
            index.add_hits(text, norm, out)
        return tuple(sorted(out))

    def judge(self, item: InventoryItem, ids: Iterable[int]) -> list[tuple[Candidate, Verdict]]:
        """`judge` over the candidates at `ids`, with each statement compiled once."""
        candidates, matchers = self.candidates, self.matchers
        return _strongest(item, ((candidates[i], matchers[i]) for i in ids))
