"""Pure matching: advisories x inventories -> matches, each with the reason.

Built for sector scale. An Estate groups every council's rows by what they are (product, vendor,
version, platform), so each distinct row is matched once and fanned out to the councils that
have it; statements are indexed by product key, so a row costs one dict look-up unless some
advisory names its product.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from advisories.models import Advisory, AffectedProduct, InventoryItem, Match, Status
from advisories.products import Catalogue
from advisories.versions import Verdict, compile_statement

RowId = tuple[str, str, str, str, str | None, str | None]  # product, vendor, version, platform, purl, cpe
_STATUS_RANK = {Status.AFFECTED: 2, Status.UNKNOWN: 1}


@dataclass(frozen=True)
class Candidate:
    advisory: Advisory
    statement: AffectedProduct


class Estate:
    """Every council's inventory rows, grouped by identity so each is matched once."""

    def __init__(self, items: Iterable[InventoryItem]) -> None:
        self.groups: dict[RowId, list[InventoryItem]] = {}
        for item in items:
            rid = (item.product, item.vendor, item.version, item.platform, item.purl, item.cpe)
            group = self.groups.get(rid)
            if group is None:
                self.groups[rid] = [item]
            else:
                group.append(item)

    def __len__(self) -> int:
        return sum(len(g) for g in self.groups.values())


class Matcher:
    def __init__(self, advisories: Sequence[Advisory], catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.index: dict[str, list[Candidate]] = {}
        for advisory in advisories:
            for statement in advisory.affects:
                for key in catalogue.keys_for(statement):
                    self.index.setdefault(key, []).append(Candidate(advisory, statement))

    def candidates(self, item: InventoryItem) -> list[Candidate]:
        found = self.index.get(self.catalogue.key_for(item))
        if not found:
            return []
        # Same key is not enough: "Desktop App" by 3CX is not someone else's "Desktop App".
        return [c for c in found if self.catalogue.matches(item, c.statement)]

    def match_items(self, items: Iterable[InventoryItem]) -> list[Match]:
        return self.match_estate(Estate(items))

    def match_estate(self, estate: Estate) -> list[Match]:
        matches: list[Match] = []
        for group in estate.groups.values():
            first = group[0]
            candidates = self.candidates(first)
            if not candidates:
                continue
            for candidate, verdict in judge(first, candidates):
                for item in group:
                    matches.append(Match(candidate.advisory, item, candidate.statement,
                                         verdict.status, verdict.reason, verdict.label))
        return matches


def judge(item: InventoryItem, candidates: list[Candidate]) -> list[tuple[Candidate, Verdict]]:
    """Verdicts for one distinct row: at most one per advisory, the strongest."""
    best: dict[str, tuple[Candidate, Verdict]] = {}
    for candidate in candidates:
        verdict = platform_verdict(item, candidate.statement)
        if verdict is None or verdict.status is Status.NOT_AFFECTED:
            continue
        seen = best.get(candidate.advisory.id)
        if seen is None or _STATUS_RANK[verdict.status] > _STATUS_RANK[seen[1].status]:
            best[candidate.advisory.id] = (candidate, verdict)
    return list(best.values())


def platform_verdict(item: InventoryItem, statement: AffectedProduct) -> Verdict | None:
    """The version verdict, if the statement applies to the row's platform at all.

    A statement for one platform never applies to a row on another. A row whose platform the
    inventory does not give is checked anyway and, if its version is hit, reported as unknown:
    missing data is never a silent "not affected".
    """
    if statement.platform not in ("any", item.platform) and item.platform != "any":
        return None
    verdict = compile_statement(statement).status(item.version)
    if item.platform == "any" and statement.platform != "any" and verdict.status is Status.AFFECTED:
        return Verdict(
            Status.UNKNOWN,
            f"{verdict.reason} on {statement.platform}; the inventory does not say which "
            "platform this device runs, so check it manually",
            verdict.label,
        )
    return verdict
