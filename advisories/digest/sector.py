"""Sector exposure: how many councils an advisory reached, aggregated so that none is named.

The rows handed to templates carry only display text for council counts, never the numbers
behind them: a restyled template cannot print "1 council" by accident when the threshold says
"fewer than 3". Device counts are shown as they are (they identify nobody).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from advisories.acks.decide import LABELS
from advisories.alerts import SEVERITY_RANK
from advisories.models import Advisory
from advisories.prose import alerts_on
from advisories.store import Exposure

AFFECTED, UNKNOWN = "affected", "unknown"


@dataclass(frozen=True)
class SectorRow:
    advisory: Advisory
    councils: str  # "fewer than 3 councils", "4 councils"
    devices: int
    remediated: str  # councils since remediated: "none yet", "fewer than 3", "4", "all but ..."
    # Councils that answered an alert link, by answer: "risk accepted: fewer than 3; patched: 4"
    acknowledged: str = "none"


@dataclass(frozen=True)
class ReviewRow:
    """An advisory some councils run with a version that could not be confirmed either way."""

    advisory: Advisory
    products: str
    councils: str
    devices: int
    # For versions read from an advisory's text: the shell command that drafts a rule from it.
    # Kept apart from the prose so every output can show it as code, never as Markdown.
    command: str | None = None


def councils_text(n: int, threshold: int) -> str:
    if n == 0:
        return "no councils"
    if n < threshold:
        return f"fewer than {threshold} councils"
    return f"{n} council" + ("" if n == 1 else "s")


def remediated_text(remediated: int, councils: int, threshold: int) -> str:
    """Councils that have since remediated, out of `councils`, without a small number showing.

    Zero is shown as it is: "nobody has fixed it yet" singles out no council, nor does "all of
    them". Every other number a reader could work out counts too: "4 councils, 3 remediated"
    would say exactly one council is still exposed, so a still-open count below the threshold
    is hidden as well.
    """
    if remediated == 0:
        return "none yet"
    if remediated < threshold:
        return f"fewer than {threshold}"
    if 0 < councils - remediated < threshold:
        return f"all but fewer than {threshold}"
    return str(remediated)


def acknowledged_text(rows: list[Exposure], answered: Mapping[str, str], threshold: int) -> str:
    """Councils whose still-open exposure to one advisory holds an answer, per kind of answer,
    counted and hidden as remediated_text does (a council with several answers counts in each)."""
    councils = {e.council_id for e in rows}
    by_kind: dict[str, set[str]] = {}
    for e in rows:
        if e.remediated_at is None and e.key in answered:
            by_kind.setdefault(answered[e.key], set()).add(e.council_id)
    parts = [f"{LABELS[kind]}: {remediated_text(len(by_kind[kind]), len(councils), threshold)}"
             for kind in LABELS if kind in by_kind]
    return "; ".join(parts) or "none"


def wrong_match_rows(
    advisories: dict[str, Advisory], exposures: Iterable[Exposure], answered: Mapping[str, str], threshold: int
) -> list[ReviewRow]:
    """Still-open exposures councils answered "wrong match", per advisory and product version:
    for the LGA team to check the rule or the catalogue. No council is named."""
    grouped: dict[tuple[str, str], list[Exposure]] = {}
    for e in exposures:
        if e.remediated_at is None and answered.get(e.key) == "wrong_match" and e.advisory_id in advisories:
            _, product, version, platform = e.key.rsplit("|", 3)
            names = {a.product.casefold(): a.product for a in advisories[e.advisory_id].affects}
            what = f"{names.get(product, product)} {version or '(no version)'} on {platform}"
            grouped.setdefault((e.advisory_id, what), []).append(e)
    return [ReviewRow(advisory=advisories[aid], products=f"{what}: answered \"wrong match\"",
                      councils=councils_text(len({e.council_id for e in items}), threshold),
                      devices=sum(e.devices for e in items))
            for (aid, what), items in sorted(grouped.items())]


def _by_advisory(exposures: Iterable[Exposure], status: str) -> dict[str, list[Exposure]]:
    grouped: dict[str, list[Exposure]] = {}
    for e in exposures:
        if e.status == status:
            grouped.setdefault(e.advisory_id, []).append(e)
    return grouped


def sector_rows(
    advisories: dict[str, Advisory],
    exposures: Iterable[Exposure],
    ids: Iterable[str],
    threshold: int,
    answered: Mapping[str, str] | None = None,
) -> list[SectorRow]:
    """One row per advisory in `ids` that some council ran an affected version of.

    A council counts as remediated when none of its exposures to the advisory is still open,
    i.e. every one has `remediated_at` set (the inventory no longer shows it).
    """
    grouped = _by_advisory(exposures, AFFECTED)
    ranked: list[tuple[tuple[int, int, int, int, str], SectorRow]] = []
    for aid in set(ids):
        rows, advisory = grouped.get(aid), advisories.get(aid)
        if not rows or advisory is None:
            continue
        councils = {e.council_id for e in rows}
        still_open = {e.council_id for e in rows if e.remediated_at is None}
        devices = sum(e.devices for e in rows)
        row = SectorRow(
            advisory=advisory,
            councils=councils_text(len(councils), threshold),
            devices=devices,
            remediated=remediated_text(len(councils - still_open), len(councils), threshold),
            acknowledged=acknowledged_text(rows, answered or {}, threshold),
        )
        severity = SEVERITY_RANK.get(advisory.severity or "", 0)
        key = (-advisory.exploited, -severity, -len(councils), -devices, advisory.title)
        ranked.append((key, row))
    return [row for _, row in sorted(ranked, key=lambda kr: kr[0])]


def review_rows(
    advisories: dict[str, Advisory], exposures: Iterable[Exposure], threshold: int
) -> list[ReviewRow]:
    """Open exposures whose version could not be confirmed ("check manually"), per advisory.

    Not limited to the week: an unreviewed product stays on the list until it is resolved.
    """
    grouped = _by_advisory((e for e in exposures if e.remediated_at is None), UNKNOWN)
    rows = []
    for aid, items in grouped.items():
        advisory = advisories.get(aid)
        if advisory is None:
            continue
        products = dict.fromkeys(a.product for a in advisory.affects)
        rows.append(ReviewRow(
            advisory=advisory,
            products=", ".join(products) or advisory.title,
            councils=councils_text(len({e.council_id for e in items}), threshold),
            devices=sum(e.devices for e in items),
        ))
    rows.sort(key=lambda r: (-r.devices, r.advisory.title))
    return rows


def extracted_rows(advisories: Iterable[Advisory]) -> list[ReviewRow]:
    """Versions read from an advisory's text that were too doubtful to alert on.

    They reach no council until someone confirms them, so they are listed here for the LGA
    team: `advisories draft-rule ID` turns one into a rule to check and commit.
    """
    rows = []
    for advisory in advisories:
        doubtful = [s for s in advisory.affects if s.from_text and not alerts_on(s)]
        if not doubtful:
            continue
        products = "; ".join(
            f"{s.product} {', '.join(s.versions) or 'versions unclear'}"
            + (f" ({s.note})" if s.note else "") for s in doubtful
        )
        rows.append(ReviewRow(
            advisory=advisory,
            products=products,
            councils="read from the text, not confirmed",
            devices=0,
            # The id comes from a feed (an RSS guid): quoted, so pasting the command into a
            # shell runs draft-rule on that id and nothing else.
            command=f"advisories draft-rule {shlex.quote(advisory.id)}",
        ))
    return rows
