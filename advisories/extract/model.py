"""The extractor's input, output and the two internal shapes between its passes."""

from __future__ import annotations

from dataclasses import dataclass

from advisories.models import VersionRange


@dataclass(frozen=True, slots=True)
class KnownProduct:
    """One catalogue product, as the extractor needs it.

    `known_builds` are real version strings of the product; they let the extractor recognise
    a truncated or mangled build and suggest the reading it must be.
    """

    vendor: str
    name: str
    aliases: tuple[str, ...] = ()
    known_builds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ExtractedStatement:
    """What one sentence (or one list) says is affected, for one product on one platform."""

    product: str
    vendor: str
    platform: str | None
    versions: tuple[str, ...]
    ranges: tuple[VersionRange, ...]
    confidence: float
    suspect: bool
    suggested_versions: tuple[str, ...]
    evidence: str
    # Builds the text carves out of the ranges ("before 5.16.10 (excluding 5.14.14 and 5.15.12)").
    excluded: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Tok:
    """One token of a clause. `family` is the operator family, platform name or punctuation."""

    kind: str  # ver prod plat op word num open close punct
    text: str
    family: str = ""
    product: int = -1
    variant: str = ""
    alts: tuple[str, ...] = ()
    wildcard: bool = False


Mention = tuple[int, str]  # (catalogue index, variant such as "6K7K" or "")


@dataclass(slots=True)
class Expr:
    """One version expression found in a clause, before branch scoping.

    kind: version (explicit), range (lower..upper), bound (open below: "before X"),
    fix ("fixed in X"), wild (a whole line: "9.x", "1.2 all versions"), all ("all versions").
    `group` is shared with the other expressions of the same product list; None means the
    clause named no product (the heading or an earlier sentence supplies it), [] means the
    versions belong to something outside the catalogue.
    """

    kind: str
    version: str = ""
    lower: str = ""
    upper: str = ""
    upper_kind: str = ""
    label: str = ""
    variant: str = ""
    alts: tuple[str, ...] = ()
    group: list[Mention] | None = None
    direct: bool = True
    platforms: tuple[str, ...] | None = None
    pos: int = 0
    unit: int = 0
    by_line: bool = False  # a bound the vendor scopes to its own branch ("7.2.4 and below")
    excluded: tuple[str, ...] = ()  # "(excluding 5.14.14 and 5.15.12)": carved out of this one
    from_zero: bool = False  # "all versions prior to X": explicitly every older version
    doubtful: bool = False  # affected or fixed? the clause reads both ways (mood.Cues.doubtful_at)
    implied_line: bool = False  # a whole line the words imply ("11.0 reached end of life"), not state
