"""The Estate: every council's rows, grouped and read once while they are loaded."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from operator import itemgetter

from advisories.matching.terms import (
    _ON_LINE,
    _UNSEEN,
    Identity,
    Key,
    RowId,
    _row_id,
)
from advisories.models import InventoryItem
from advisories.products import Catalogue
from advisories.versions import (
    DEFAULT_SCHEME,
    parse_version,
)
from advisories.versions.core import norm_text, split_dual


class _Reading:
    """One distinct inventory version string, read once: stripped, in its norm_text spelling,
    whether it is one plain numbering, and its parsed key per scheme (None when the scheme
    cannot read it, _ON_LINE when the version belongs to a comparability line)."""

    __slots__ = ("keys", "norm", "simple", "text")

    def __init__(self, version: str) -> None:
        text = self.text = version.strip()
        self.norm = norm_text(text)
        # No version, or a second numbering ("2023.0.1 (15.0.1)"): every statement judges it.
        self.simple = bool(text) and split_dual(text)[1] is None
        self.keys: dict[str, Key] = {}
        if self.simple:
            self.key(DEFAULT_SCHEME)

    def key(self, scheme: str) -> Key:
        key = self.keys.get(scheme, _UNSEEN)
        if key is _UNSEEN:
            parsed = parse_version(self.text, scheme)
            key = self.keys[scheme] = (
                None if parsed is None else parsed.key if parsed.line is None else _ON_LINE
            )
        return key


class _Ladder:
    """One product identity's groups in the order of their versions (in one scheme), so that
    every group above the newest version a product's advisories name is passed over at once.
    `rest` holds the groups whose version does not order there."""

    __slots__ = ("entries", "keys", "norms", "rest")

    def __init__(self, entries: list[tuple[int, list[InventoryItem]]], readings: dict[str, _Reading],
                 scheme: str = DEFAULT_SCHEME) -> None:
        ranked: list[tuple[Key, str, int, list[InventoryItem]]] = []
        self.rest: list[tuple[int, list[InventoryItem]]] = []
        for order, group in entries:
            reading = readings[group[0].version]
            key = reading.key(scheme) if reading.simple else None
            if key is None or key is _ON_LINE:
                self.rest.append((order, group))
            else:
                ranked.append((key, reading.norm, order, group))
        try:
            ranked.sort(key=itemgetter(0))
        except TypeError:  # keys that do not order against each other: no ladder
            self.rest = entries
            ranked = []
        self.keys = [key for key, _, _, _ in ranked]
        self.norms = [norm for _, norm, _, _ in ranked]
        self.entries = [(order, group) for _, _, order, group in ranked]

    def below(self, ceiling: Key, named: frozenset[str]) -> list[tuple[int, list[InventoryItem]]] | None:
        """The groups whose version is not above `ceiling` or is spelt as one of `named`
        (None when the versions do not order against `ceiling`)."""
        try:
            top = bisect_right(self.keys, ceiling)
        except TypeError:
            return None
        kept = self.entries[:top] + self.rest if top else self.rest
        if not named.isdisjoint(self.norms[top:]):
            kept = kept + [e for e, n in zip(self.entries[top:], self.norms[top:], strict=True) if n in named]
        return kept


class Estate:
    """Every council's inventory rows, grouped by identity so each is matched once.

    `groups` maps each distinct row to the rows that are it, in first-seen order;
    `identities` maps each product identity (product, vendor, purl, cpe) to its groups, each
    with its position in `groups`. Loading also reads each distinct version string once
    (`readings`) and ranks each identity's groups by version (`ladders`); with a `catalogue`,
    it resolves each identity to its catalogue key (`keys`), which a Matcher on the same
    catalogue then uses instead of resolving it while matching.
    """

    def __init__(self, items: Iterable[InventoryItem], catalogue: Catalogue | None = None) -> None:
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
        self.catalogue = catalogue
        self.keys: dict[Identity, str] = {}
        if catalogue is not None:
            key_for = catalogue.key_for
            self.keys = {ident: key_for(entries[0][1][0]) for ident, entries in identities.items()}
        self.readings: dict[str, _Reading] = {}
        readings = self.readings
        for rid in groups:
            if rid[2] not in readings:
                readings[rid[2]] = _Reading(rid[2])
        self.ladders = {ident: _Ladder(entries, readings) for ident, entries in identities.items()}
        self._other_ladders: dict[tuple[Identity, str], _Ladder] = {}

    def ladder(self, ident: Identity, scheme: str) -> _Ladder:
        """The identity's ladder in `scheme`: built when a product's advisories use a scheme of
        their own (the catalogue's python-windows), once per identity and scheme."""
        if scheme == DEFAULT_SCHEME:
            return self.ladders[ident]
        ladder = self._other_ladders.get((ident, scheme))
        if ladder is None:
            ladder = self._other_ladders[ident, scheme] = _Ladder(self.identities[ident], self.readings, scheme)
        return ladder

    def __len__(self) -> int:
        return sum(len(g) for g in self.groups.values())

