"""Near misses: the statements whose products looked like a row's but were not taken, and why.

Similarity is used here only, to pick and rank the explanations a user reads ("vendor
differs: ...", "'office 2016' is release line 2016, and the statement is about line 2019
only"); matching itself is by key (`identity.catalogue`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from advisories.identity.articles import articles_agree
from advisories.identity.designations import designations_agree, has_letters
from advisories.identity.lines import lines_conflict, release_line, statement_line
from advisories.identity.names import name_words
from advisories.identity.packages import PURL_PREFIX
from advisories.identity.vendors import normalise_vendor
from advisories.identity.words import VARIANT_WORDS
from advisories.models import AffectedProduct, InventoryItem

if TYPE_CHECKING:
    from advisories.identity.catalogue import Catalogue


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A statement whose product looked like the item's but was rejected, and why."""

    product: str
    vendor: str
    score: float
    reason: str


def explain(
    catalogue: Catalogue, item: InventoryItem, statements: Iterable[AffectedProduct], limit: int = 5
) -> list[NearMiss]:
    """The nearest statement products that did not match this item, and why, best first
    (`Catalogue.explain`)."""
    misses: list[NearMiss] = []
    for st in statements:
        if catalogue.matches(item, st):
            continue
        # An item without a vendor is read as if it had the statement's vendor.
        item_words = _bare_words(catalogue, item.product, item.vendor or st.vendor)
        st_words = _bare_words(catalogue, st.product, st.vendor)
        score = _similarity(item_words, st_words)
        if score < 0.5 and not _same_vendor(catalogue, item, st):
            continue
        reason = _why(catalogue, item, st, item_words, st_words)
        misses.append(NearMiss(st.product, st.vendor, round(score, 2), reason))
    misses.sort(key=lambda m: -m.score)
    return misses[:limit]


def _bare_words(catalogue: Catalogue, name: str, vendor: str) -> tuple[str, ...]:
    """The name's words without whichever spelling of its maker it starts with, so that
    "VMware Workstation" reads "workstation" whether VMware or Broadcom is named."""
    return min((name_words(name, s) for s in catalogue.vendor_spellings(vendor)), key=len)


def _same_vendor(catalogue: Catalogue, item: InventoryItem, st: AffectedProduct) -> bool:
    """Positively the same maker: both vendors given and agreeing, or the row's name
    starts with the statement's vendor ("3CX Phone System" for a 3CX statement)."""
    if item.vendor and st.vendor:
        return catalogue.vendors_compatible(item.vendor, st.vendor)
    vendor = normalise_vendor(st.vendor).split()
    return bool(vendor) and list(name_words(item.product)[: len(vendor)]) == vendor


def _display_vendor(catalogue: Catalogue, vendor: str) -> str:
    canon = catalogue.canonical_vendor(vendor)
    known = next((p.vendor for p in catalogue.products if normalise_vendor(p.vendor) == canon), "")
    return known or vendor.strip()


def _why(
    catalogue: Catalogue,
    item: InventoryItem,
    st: AffectedProduct,
    item_words: tuple[str, ...],
    st_words: tuple[str, ...],
) -> str:
    key = catalogue.key_for(item)
    if key.startswith(PURL_PREFIX):
        return f"identified by its package URL {key}, which the statement does not name"
    if not catalogue.vendors_compatible(item.vendor, st.vendor):
        return f"vendor differs: {_display_vendor(catalogue, item.vendor)} vs {_display_vendor(catalogue, st.vendor)}"
    shown = " ".join(name_words(item.product))
    row_line = release_line(item.product)
    if lines_conflict(row_line, catalogue.with_scheme(st)):
        theirs_line = statement_line(st.product)
        models = (row_line.model, theirs_line.model)
        if any(map(has_letters, models)) and not designations_agree(*models):
            return (
                f"'{shown}' is model {row_line.model}, and the statement is about model "
                f"{theirs_line.model} only"
            )
        if not articles_agree(row_line.articles, theirs_line.articles):
            return (
                f"'{shown}' is article {', '.join(sorted(row_line.articles))}, and the statement "
                f"is about {', '.join(sorted(theirs_line.articles))} only"
            )
        return (
            f"'{shown}' is release line {row_line.shown()}, and the statement is about "
            f"line {statement_line(st.product).shown()} only"
        )
    ours, theirs = catalogue.product(key), catalogue.product_for_statement(st)
    if ours is not None and theirs is not None:
        # Two catalogue products: their own names say which line each is, where the
        # spellings do not ("Citrix Workspace 2402 LTSR" vs "... app for Windows").
        item_words = _bare_words(catalogue, ours.name, ours.vendor)
        st_words = _bare_words(catalogue, theirs.name, theirs.vendor)
    extra = [w for w in item_words if w not in st_words]
    missing = [w for w in st_words if w not in item_words]
    if extra and set(extra) <= VARIANT_WORDS and not missing:
        return f"'{shown}' is a separate build line ({' '.join(extra)})"
    if missing and set(missing) <= VARIANT_WORDS and not extra:
        return f"'{shown}' is not the {' '.join(missing)} build line the statement names"
    if extra and not missing:
        return f"'{shown}' has the extra words '{' '.join(extra)}'"
    if missing and not extra:
        return f"'{shown}' lacks the words '{' '.join(missing)}'"
    if item_words == st_words or not (extra or missing):
        return f"'{shown}' is spelled like '{st.product}' but the catalogue keeps them apart"
    names = f"'{' '.join(item_words)}' is not '{' '.join(st_words)}'"
    if _same_vendor(catalogue, item, st):
        return f"another {_display_vendor(catalogue, st.vendor)} product: {names}"
    return f"different names: {names}"


def _similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """How near two names look, 0..1; only used to pick and rank explanations.

    The best of character similarity, word overlap, and (discounted) containment, so that
    "edge webview2 runtime" is near "edge" although most of its characters are extra.
    """
    if not a or not b:
        return 0.0
    chars = difflib.SequenceMatcher(None, " ".join(a), " ".join(b)).ratio()
    common = len(set(a) & set(b))
    overlap = common / len(set(a) | set(b))
    contained = 0.8 * common / min(len(set(a)), len(set(b)))
    return max(chars, overlap, contained)
