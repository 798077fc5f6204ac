"""Prose -> affected-version statements: what an advisory's sentences say is affected.

Pure: text and a list of known products in, frozen statements out. Nothing is guessed
silently: a mangled or truncated version, or a list widened into a range, comes back with
`suspect=True` and a confidence of at most 0.4 (plus a suggested reading when the product's
known builds make it clear), so the pipeline routes it to a human instead of alerting on it.

Passes: layout (headings, sentences, list blocks) -> scan (noise masked, products,
versions, operators) -> grammar (expressions per clause) -> assemble (branch scoping, fixes
folded into affected ranges, garble checks, confidence). The branch-scoping rule is in
`scoping`'s docstring. A version is affected only when its clause says so (`mood`): an
affected cue, an "Affected" heading, lead-in or column, or an affected-only range operator;
any other version is a fix mention, so no unseen fix phrasing can become an affected build.

Public API:
    extract_statements(text, products) -> list[ExtractedStatement]
    to_json(statement) -> dict
    known_products(catalogue_entries, builds=None) -> tuple[KnownProduct, ...]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from advisories.models import VersionRange

from . import cue_words as cue
from . import lexicon as lx
from .assemble import assemble
from .grammar import ClauseParser
from .layout import Unit, units
from .model import Expr, ExtractedStatement, KnownProduct, Mention
from .mood import only_a_list
from .scan import ProductIndex, mask_noise, product_index, tokenize

__all__ = [
    "ExtractedStatement",
    "KnownProduct",
    "extract_statements",
    "known_products",
    "to_json",
]

_EXCLUSION = re.compile(r"\([^()]*\b(?:excluding|except)\b[^()]*\)", re.IGNORECASE)
# "So is WebLogic Server 12.2.1.4.0.", "So are 5.1 and 5.2.": a sentence that only repeats the
# predicate of the one before for other builds; it says what that one said (affected, when it
# stated its versions affected and named no fix).
_ECHO = re.compile(r"^\s*(?:And\s+)?[Ss]o\s+(?:is|are|was|were|does|do)\b")


def extract_statements(text: str, products: Sequence[KnownProduct]) -> list[ExtractedStatement]:
    """Every affected statement the text makes about a product in `products`.

    Versions whose product is not in `products` are dropped: they cannot be matched, and
    pinning them on a neighbouring product would be worse.
    """
    index = product_index(tuple(products))
    exprs: list[Expr] = []
    evidence: list[str] = []
    context: list[Mention] | None = None  # the product the text is currently about
    heading_platforms: tuple[str, ...] | None = None
    lead_in = False  # an "Affected versions:" heading or lead-in: the list after it is affected
    was_affected = False  # the sentence before stated its versions affected, and named no fix
    described: dict[int, set[tuple[str, ...]]] = {}  # product -> platforms the text names it on
    for unit in units(text):
        if unit.kind == "break":
            heading_platforms = None
            continue
        echoed = was_affected and bool(_ECHO.match(unit.evidence))
        found, group, platforms, was_affected = _parse_unit(
            unit, index, described, lead_in=(lead_in and unit.kind == "list") or echoed
        )
        if unit.kind != "list":
            lead_in = _leads_in(unit)
        # The product the text goes on about is the one this unit stated versions of, when it
        # did: "Spring 5.3.x before 5.3.18 ... deployed to Tomcat" goes on about Spring, not
        # Tomcat (and Spring, outside the catalogue, is [], so its fix is no Tomcat build).
        spoken_of = next((e.group for e in reversed(found) if e.group is not None and e.kind != "fix"), None)
        for e in found:
            e.unit = len(evidence)
            if e.group is None:
                e.group, e.direct = context, False
            if e.platforms is None:
                e.platforms = heading_platforms
        exprs += found
        evidence.append(unit.evidence)
        context = spoken_of if spoken_of is not None else group or context
        if unit.kind == "heading":
            heading_platforms = platforms
    _scope_to_platform(text, exprs)
    _platform_from_description(exprs, described)
    return assemble(exprs, evidence, index.products, index.line)


def _platform_from_description(exprs: list[Expr], described: Mapping[int, set[tuple[str, ...]]]) -> None:
    """ "An authentication bypass in VMware Tools for Windows ... Every 11.x release is
    affected": the text places the flaw in the product on one platform, and its versions,
    named without one, are that product's there. Only when the text names the product on that
    platform alone and none of its versions names a platform of its own."""
    for product, platforms in described.items():
        mine = [e for e in exprs if e.group and any(m[0] == product for m in e.group)]
        if len(platforms) != 1 or any(e.platforms for e in mine):
            continue
        only = next(iter(platforms))
        for e in mine:
            if len(e.group or ()) == 1:
                e.platforms = only


def _scope_to_platform(text: str, exprs: list[Expr]) -> None:
    """ "Windows users only: ...", "the flaw applies to Windows hosts only", "Only Firefox on
    Windows is affected", "only affects Windows": one platform the text limits the whole flaw to is the platform of
    every statement that names none itself."""
    found = {lx.platform_of(m["own"] or m["on"] or m["affects"]) for m in lx.PLATFORM_ONLY.finditer(mask_noise(text))}
    if len(found) != 1:
        return
    only = (found.pop(),)
    for e in exprs:
        e.platforms = e.platforms or only


def _parse_unit(
    unit: Unit, index: ProductIndex, described: dict[int, set[tuple[str, ...]]], *, lead_in: bool
) -> tuple[list[Expr], list[Mention] | None, tuple[str, ...] | None, bool]:
    """The unit's expressions, the product list and platforms it leaves current, and whether
    its last clause stated its versions affected without naming a fix."""
    group: list[Mention] | None = None
    platforms: tuple[str, ...] | None = None
    found: list[Expr] = []
    carry = lead_in  # the clause before said "affected"; a bare list after ";" goes on with it
    affected_only = False
    for clause in unit.clauses:
        toks = tokenize(clause, index)
        inherited = lead_in or (carry and only_a_list(toks))
        parser = ClauseParser(
            toks, fix_mood=_fix_mood(clause), group=group, affected_mood=_affected_mood(clause), inherited=inherited
        )
        found += parser.parse()
        for mention, on in parser.described:
            described.setdefault(mention[0], set()).add(on)
        carry = bool(parser.cues.affected)
        affected_only = carry and not parser.cues.fixes
        group = parser.group or group
        platforms = parser.fwd or platforms
    return found, group, platforms, affected_only


def _leads_in(unit: Unit) -> bool:
    """ "Affected versions", "The following builds are affected:": a heading or a lead-in
    that says "affected" and names no version itself."""
    text = unit.evidence.strip()
    lead = unit.kind == "heading" or text.endswith(":")
    return lead and _affected_mood(text) and not lx.VERSION.search(mask_noise(text))


def _fix_mood(clause: str) -> bool:
    """A clause about fixing, and not about being affected, lists fixed releases."""
    text = _EXCLUSION.sub(" ", clause)
    return bool(cue.FIX_CUE.search(text)) and not cue.AFFECTED_CUE.search(text)


def _affected_mood(clause: str) -> bool:
    return bool(cue.AFFECTED_CUE.search(_EXCLUSION.sub(" ", clause)))


def _range_json(r: VersionRange) -> dict[str, str]:
    out = {"introduced": r.lower.version if r.lower else "0"}
    if r.upper is not None:
        out["last_affected" if r.upper.inclusive else "fixed"] = r.upper.version
    return out


def to_json(statement: ExtractedStatement) -> dict[str, Any]:
    """The statement as JSON-ready data; ranges in OSV event words."""
    out: dict[str, Any] = {
        "product": statement.product,
        "vendor": statement.vendor,
        "platform": statement.platform,
        "versions": list(statement.versions),
        "ranges": [_range_json(r) for r in statement.ranges],
        "confidence": statement.confidence,
        "suspect": statement.suspect,
        "suggested_versions": list(statement.suggested_versions),
        "evidence": statement.evidence,
    }
    if statement.excluded:  # only when the text carves builds out: the documented keys stay as they were
        out["excluded"] = list(statement.excluded)
    return out


class CatalogueEntry(Protocol):
    @property
    def vendor(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...


def known_products(
    entries: Iterable[CatalogueEntry], builds: Mapping[str, Sequence[str]] | None = None
) -> tuple[KnownProduct, ...]:
    """Catalogue entries (`products.Product` or anything with vendor/name/aliases) as input.

    `builds` maps a product name to its known builds, when the caller has them.
    """
    builds = builds or {}
    return tuple(KnownProduct(e.vendor, e.name, tuple(e.aliases), tuple(builds.get(e.name, ()))) for e in entries)
