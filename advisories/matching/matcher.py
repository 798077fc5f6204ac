"""The Matcher: statements indexed by product key; one verdict per distinct row, fanned out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

from advisories.identity.lines import ReleaseLine, lines_agree
from advisories.matching.estate import Estate, _Reading
from advisories.matching.prefilter import _Bucket, _Compiled, _Prepare
from advisories.matching.terms import (
    _NO_PLATFORM,
    _STATUS_RANK,
    _UNSEEN,
    Candidate,
    Found,
    Identity,
)
from advisories.models import Advisory, AffectedProduct, InventoryItem, Match, Status
from advisories.products import (
    CATALOGUE_PREFIX,
    PURL_PREFIX,
    Catalogue,
    checked_line,
    lines_conflict,
    makers_agree,
    normalise_name,
    release_line,
    statement_line,
)
from advisories.prose import alerts_on
from advisories.versions import (
    DEFAULT_SCHEME,
    Verdict,
    VersionMatcher,
    compile_statement,
)


@dataclass(frozen=True, slots=True)
class PublisherClash:
    """An advisory's statement and the rows that share its product's name, not its maker."""

    advisory: Advisory
    statement: AffectedProduct
    items: tuple[InventoryItem, ...]


class Matcher:
    def __init__(self, advisories: Sequence[Advisory], catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.advisories = len(advisories)  # how many it matches against (a scoped run reads a few)
        self.index: dict[str, list[Candidate]] = {}
        for advisory in advisories:
            for statement in advisory.affects:
                if not alerts_on(statement):
                    continue  # a doubtful reading from prose: the digest's review list, not an alert
                # Read in its product's own numbering (Citrix Workspace's "2403.1" is the
                # installed 24.3.1.97) when it names no scheme; here, so that the pre-filter
                # and VersionMatcher both see the scheme the statement is judged in.
                candidate = Candidate(advisory, catalogue.with_scheme(statement))
                for key in catalogue.keys_for(statement):
                    self.index.setdefault(key, []).append(candidate)
        # A key's bucket (its statements' builds and bounds read, and the pre-filter over them)
        # is built when an estate first looks the key up: only the keys its rows have, not
        # every key the advisories give (in benchmarks/load_floor.py, 92 of 809). Each
        # distinct candidate list is indexed once: a product's keys ("cat:google-chrome",
        # "chrome", "googlechrome") usually share one.
        self._prepared = _Prepare()
        self._shared: dict[tuple[int, ...], _Bucket] = {}
        self._buckets: dict[str, _Bucket] = {}
        self._selected: dict[Identity, _Bucket | None] = {}
        self._chosen: dict[tuple[str, str], _Bucket | None] = {}
        self._lines: dict[_Bucket, tuple[list[ReleaseLine], list[int]]] = {}
        self._readings: dict[str, _Reading] = {}
        self._makers: dict[_Bucket, list[tuple[tuple[str, ...], list[int]]]] = {}
        self._names: dict[_Bucket, dict[str, list[Candidate]]] = {}

    def candidates(self, item: InventoryItem) -> list[Candidate]:
        found = self.index.get(self.catalogue.key_for(item))
        if not found:
            return []
        # Same key is not enough: "Desktop App" by 3CX is not someone else's "Desktop App".
        return [c for c in found if self.catalogue.matches(item, c.statement)]

    def match_items(self, items: Iterable[InventoryItem]) -> list[Match]:
        return self.match_estate(Estate(items, self.catalogue))

    def match_estate(self, estate: Estate) -> list[Match]:
        found: list[tuple[int, list[Match]]] = []
        selected = self._selected
        keys = estate.keys if estate.catalogue is self.catalogue else {}
        ladders = estate.ladders
        read = self._reader(estate)
        fan_out = _fan_out
        for ident, entries in estate.identities.items():
            bucket = selected.get(ident, _UNSEEN)
            if bucket is _UNSEEN:
                first = entries[0][1][0]
                key = keys.get(ident)
                bucket = selected[ident] = self._select(
                    first, key if key is not None else self.catalogue.key_for(first)
                )
            if bucket is None:
                continue  # no advisory names this product: all its rows, one look-up
            quick = bucket.quick
            if quick is not None:
                # Versions newer than anything the advisories name: all at once.
                ladder = ladders[ident] if quick[0] == DEFAULT_SCHEME else estate.ladder(ident, quick[0])
                below = ladder.below(quick[1], quick[2])
                if below is not None:
                    entries = below
            hits, judged = bucket.hits, bucket.judged
            for order, group in entries:
                first = group[0]
                version = first.version
                ids = hits.get(version)
                if ids is None:
                    ids = hits[version] = bucket.find(read(version))
                if not ids:
                    continue
                platform = first.platform
                results = judged.get((version, platform))
                if results is None:
                    results = judged[version, platform] = bucket.judge(
                        read(version), version, platform, ids
                    )
                if results:
                    found.append((order, fan_out(results, group)))
        found.sort(key=itemgetter(0))  # the order of the rows, as one pass over them gives
        return list(chain.from_iterable(map(itemgetter(1), found)))

    def publisher_clashes(self, estate: Estate) -> list[PublisherClash]:
        """Rows named as an advisory's product whose publisher is another maker's, with a
        version the statement would hit. They are not matches (a same-named product of
        another vendor is another product), but a vendor that renamed itself (Ipswitch ->
        Progress, VMware -> Broadcom) looks exactly like this, so an operator should look.

        Only names equal as written, vendor prefix and all ("Acme Endpoint Agent" and "Intel
        Endpoint Agent" share a key, but each name says whose it is), and only names that one
        maker's advisories use: a name several makers use ("Asset Manager") is generic, and
        listing it every run would bury the renamed makers."""
        clashes: list[PublisherClash] = []
        keys = estate.keys if estate.catalogue is self.catalogue else {}
        canonical = self.catalogue.canonical_vendor
        for ident, entries in estate.identities.items():
            first = entries[0][1][0]
            key = keys.get(ident) or self.catalogue.key_for(first)
            bucket = self._bucket(key)
            if bucket is None:
                continue
            line = release_line(first.product)
            named = [c for c in self._by_name(bucket).get(normalise_name(first.product), ())
                     if not lines_conflict(line, c.statement)]
            if len({canonical(c.statement.vendor) for c in named}) != 1:
                continue
            chosen = self._select(first, key)
            kept = {id(c) for c in chosen.candidates} if chosen is not None else set()
            seen: set[str] = set()
            for candidate in named:
                advisory, statement = candidate.advisory, candidate.statement
                if id(candidate) in kept or advisory.id in seen:
                    continue
                matcher = self._prepared(statement)[0]
                hit = [
                    item
                    for _, group in entries
                    if (verdict := _verdict(group[0], statement, matcher)) is not None
                    and verdict.status is not Status.NOT_AFFECTED
                    for item in group
                ]
                if hit:
                    seen.add(advisory.id)
                    clashes.append(PublisherClash(advisory, statement, tuple(hit)))
        return clashes

    def _by_name(self, bucket: _Bucket) -> dict[str, list[Candidate]]:
        """The bucket's candidates by each name their statement gives the product, in the
        bucket's order: read once per bucket, not once per row identity of every estate."""
        found = self._names.get(bucket)
        if found is None:
            found = self._names[bucket] = {}
            for candidate in bucket.candidates:
                statement = candidate.statement
                for name in {normalise_name(n) for n in (statement.product, *statement.aliases)}:
                    found.setdefault(name, []).append(candidate)
        return found

    def _reader(self, estate: Estate) -> Callable[[str], _Reading]:
        """Each distinct version string read once: by the Estate when it was loaded, else here."""
        loaded, own = estate.readings, self._readings

        def read(version: str) -> _Reading:
            reading = loaded.get(version)
            if reading is None:
                reading = own.get(version)
                if reading is None:
                    reading = own[version] = _Reading(version)
            return reading

        return read

    def _bucket(self, key: str) -> _Bucket | None:
        """The key's candidates, indexed (built the first time the key is looked up)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            found = self.index.get(key)
            if not found:
                return None
            bucket = self._buckets[key] = self._part(found)
        return bucket

    def _select(self, item: InventoryItem, key: str) -> _Bucket | None:
        """The candidates of the row's key that are the row's product (one Catalogue.matches
        call per product the key's statements name, not per statement)."""
        bucket = self._bucket(key)
        if bucket is None:
            return None
        # Catalogue.matches reads the row through its key, its vendor and the release line
        # its name ends with. Rows that share key and vendor ("Mozilla Firefox (x64 en-GB)",
        # "... (x64 pl)") share the makers' choice; the line then narrows that, compared
        # once per distinct line a statement names, and not at all when none names one.
        chosen = self._chosen.get((key, item.vendor), _UNSEEN)
        if chosen is _UNSEEN:
            chosen = self._chosen[key, item.vendor] = self._choose(bucket, item, key)
        if chosen is None:
            return None
        return self._on_line(chosen, item)

    def _choose(self, bucket: _Bucket, item: InventoryItem, key: str) -> _Bucket | None:
        # Every statement here has the row's key, so a key the catalogue or a purl settled
        # passes them all (as in Catalogue.matches), and no call per statement is needed.
        if key.startswith((CATALOGUE_PREFIX, PURL_PREFIX)):
            return bucket
        # Same key is not enough: "Desktop App" by 3CX is not someone else's "Desktop App".
        # Here that is all Catalogue.matches checks: the makers, each of them compared once.
        makers = self._makers.get(bucket)
        if makers is None:
            grouped: dict[tuple[str, ...], list[int]] = {}
            for statement, positions in bucket.products:
                grouped.setdefault(self.catalogue.maker_words(statement.vendor), []).extend(positions)
            makers = self._makers[bucket] = list(grouped.items())
        maker = self.catalogue.maker_words(item.vendor)
        passing = [n for n, (words, _) in enumerate(makers) if makers_agree(maker, words)]
        if len(passing) == len(makers):
            return bucket
        if not passing:
            return None
        return self._part([bucket.candidates[i] for i in sorted(i for n in passing for i in makers[n][1])])

    def _on_line(self, bucket: _Bucket, item: InventoryItem) -> _Bucket | None:
        """The bucket's candidates whose line can be the row's ("Office 2016" shares the key
        "office" with "Office 2019" statements): `lines_conflict` for each, as one
        `lines_agree` per distinct line the bucket's statements name."""
        named = self._lines.get(bucket)
        if named is None:
            named = self._lines[bucket] = _statement_lines(bucket)
        lines, at = named
        if not lines:
            return bucket  # no statement names a line: none conflicts, whatever the row's
        line = release_line(item.product)
        if not line:
            return bucket  # the row names none: its version decides
        agree = [lines_agree(line, theirs) for theirs in lines]
        if all(agree):
            return bucket
        agree.append(True)  # at[i] == -1: the statement names no line
        same = [c for c, i in zip(bucket.candidates, at, strict=True) if agree[i]]
        return self._part(same) if same else None

    def _part(self, chosen: list[Candidate]) -> _Bucket:
        """The candidates, in their order, indexed once per distinct list: a key's whole list,
        or the part chosen for a row, which is often another key's list already ("Exor Update
        Service" of "updateservice")."""
        signature = tuple(map(id, chosen))
        part = self._shared.get(signature)
        if part is None:
            part = self._shared[signature] = _Bucket(chosen, self._prepared)
        return part


def _statement_lines(bucket: _Bucket) -> tuple[list[ReleaseLine], list[int]]:
    """The distinct lines the bucket's statements name (`checked_line`), and for each
    candidate the position of its line among them, -1 for none. A line is read from the
    product's name, so each product the bucket names is read once, and its statements one
    by one only when that name gives a line."""
    index: dict[ReleaseLine, int] = {}
    at: list[int] = []
    for statement, positions in bucket.products:
        if not statement_line(statement.product):
            continue  # nor has any statement of this product (`checked_line`)
        if not at:
            at = [-1] * len(bucket.candidates)
        for i in positions:
            line = checked_line(bucket.candidates[i].statement)
            if line:
                at[i] = index.setdefault(line, len(index))
    return list(index), at


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
    item: InventoryItem, statement: AffectedProduct, matcher: VersionMatcher | _Compiled | None
) -> Verdict | None:
    if statement.platform not in ("any", item.platform) and item.platform != "any":
        return None
    if matcher is None:
        matcher = compile_statement(statement)
    verdict = matcher.status(item.version)
    if item.platform == "any" and statement.platform != "any" and verdict.status is Status.AFFECTED:
        return Verdict(Status.UNKNOWN, f"{verdict.reason} on {statement.platform}{_NO_PLATFORM}", verdict.label)
    return verdict


def _strongest(
    item: InventoryItem, pairs: Iterable[tuple[Candidate, VersionMatcher | None]]
) -> list[tuple[Candidate, Verdict]]:
    """At most one verdict per advisory, the strongest, the first of equals. An "unknown"
    that only says the row is on another release line (`Verdict.elsewhere`) counts only when
    no statement of the same advisory judged the row's own line: an advisory with one
    statement per LTSR line or IOS train clears a patched row through its own line's."""
    best: dict[str, tuple[Candidate, Verdict]] = {}
    judged: set[str] = set()  # advisories with a statement that compared the row
    aside: dict[str, tuple[Candidate, Verdict]] = {}
    for candidate, matcher in pairs:
        aid = candidate.advisory.id
        seen = best.get(aid)
        if seen is not None and seen[1].status is Status.AFFECTED:
            continue  # nothing outranks it, and the first of equals is kept
        verdict = _verdict(item, candidate.statement, matcher)
        if verdict is None:
            continue
        if verdict.elsewhere:
            aside.setdefault(aid, (candidate, verdict))
            continue
        judged.add(aid)
        if verdict.status is Status.NOT_AFFECTED:
            continue
        if seen is None or _STATUS_RANK[verdict.status] > _STATUS_RANK[seen[1].status]:
            best[aid] = (candidate, verdict)
    for aid, found in aside.items():
        if aid not in judged:
            best[aid] = found
    return list(best.values())


# -- the fan-out -----------------------------------------------------------------------------


_new_tuple = tuple.__new__


def _fan_out(results: list[Found], group: list[InventoryItem]) -> list[Match]:
    # tuple.__new__ directly, not the Python-level __new__ a NamedTuple generates: a sixth of
    # the sector-scale match is building these (benchmarks/match_scale.py).
    return [_new_tuple(Match, (a, item, s, st, r, lb)) for a, s, st, r, lb in results for item in group]
