"""Release lines at the end of product names: "Office 2019", "Teamcenter V13.1", "STEP 7 V16".

A number that ends a product name is identity, not noise: Office 2016 and Office 2019 are
two products that share a name key ("office"), and so are "Widget Server 12" and "Widget
Server 13". The key leaves the numbers out so that an inventory row naming its own version
("7-Zip 23.01 (x64)", "Mozilla Firefox 119.0") still finds the product; the line kept here
then decides whether a statement and a row can be the same line at all (`lines_agree`).

Siemens names one product per release line ("TIA Portal V14" with "all versions", "Teamcenter
V13.1" with "<V13.1.0.9"): the line is also the statement's version scope, so `scoped`
narrows such a statement's versions to its line. Without that, "all versions" of V14 would
hit TIA Portal V17 Update 6, and the V13.1 fix bound would hit Teamcenter 13.0.0.9.

Three more things a name ends with are identity too. An R-release after the year: Siemens'
"Siveillance Video 2020 R2" and "2020 R3" are two lines with their own fixes (ICSA-23-131-03),
as Windows Server 2012 and 2012 R2 are two products. A line introduced by "version" or
"release": "System Configuration Tool (SCT) version 14" is not version 15 (ICSA-23-040-03).
And the article numbers a hardware name gives in brackets (`identity.articles`).

`release_line` reads a name's line (from the versions `identity.names` splits off its end),
`statement_line` a statement's (without the platform its name names), and `lines_conflict`
is the matcher's question: can this row be on the statement's line at all?
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from advisories.identity.articles import article_numbers, articles_agree
from advisories.identity.designations import designation_of, designations_agree, has_letters
from advisories.identity.names import name_parts
from advisories.identity.platforms import named_platform
from advisories.models import AffectedProduct, Bound, VersionRange
from advisories.versions.schemes import compare

# A word that is a plain release number: "2019", "V13.1", "12", "2201.0012". A word with
# letters ("CU13", "SP2", "22H2", "8u381", "1.1.1w") or a version word ("Update") is a build
# or an update on a line, and ends the line: "Exchange Server 2019 CU13" is on line 2019.
_PLAIN = re.compile(r"[vV]?(\d+(?:[._]\d+)*)")
_LEADING = re.compile(r"\s*[vV]?(\d+)")
# An R-release right after a line's number: "2020 R2", "2012 R2". Part of the line.
_RELEASE = re.compile(r"[rR](\d+)")
# Words that introduce the line after them: "SCT version 15", "Foo Release 7". Words that
# introduce a build ("Update 381", "Build 1234") are not among them: they end the line.
_LINE_WORDS = frozenset({"version", "release"})
# Schemes in which a release line in a statement's name narrows its versions (`with_scheme`).
LINE_SCHEMES = frozenset({None, "generic", "siemens"})


@dataclass(frozen=True, slots=True)
class ReleaseLine:
    """The release numbers a product name ends with, one tuple per word ("SIMATIC PCS 7
    V8.1" -> ((7,), (8, 1))), the last such word as written ("V8.1"), the R-release after
    them ("2020 R2" -> 2), the model designation the numbers start with ("808D" of
    "SINUMERIK 808D V4.7", "2019" of "Office 2019": `identity.designations`), and the
    article numbers the name gives in brackets (not shown: they are no line, and are named
    apart). A designation with letters is no release number, and is not among the groups."""

    groups: tuple[tuple[int, ...], ...] = ()
    text: str = ""
    release: int | None = None
    articles: frozenset[str] = frozenset()
    model: str = ""

    def __bool__(self) -> bool:
        return bool(self.groups or self.articles or self.model)

    def shown(self) -> str:
        words = [self.model] if has_letters(self.model) else []
        words += [".".join(map(str, g)) for g in self.groups]
        if self.release is not None:
            words.append(f"R{self.release}")
        return " ".join(words)


NO_LINE = ReleaseLine()


def line_of(trailing: Sequence[str]) -> ReleaseLine:
    """The release line of a name's trailing version words (as `names.name_parts` splits them off)."""
    groups: list[tuple[int, ...]] = []
    text, release = "", None
    words = list(trailing)
    model = designation_of(words[0]) if words else ""
    if has_letters(model):
        words = words[1:]  # "808D V4.7" is model 808D on line 4.7
    elif len(words) > 1 and words[0].casefold() in _LINE_WORDS:
        words = words[1:]  # "version 15" is line 15
    for word in words:
        m = _PLAIN.fullmatch(word)
        if m is None:
            r = _RELEASE.fullmatch(word)
            release = int(r[1]) if r is not None and groups else None
            break
        groups.append(tuple(int(n) for n in re.split(r"[._]", m[1])))
        text = word
    return ReleaseLine(tuple(groups), text, release, model=model) if groups or model else NO_LINE


def lines_agree(a: ReleaseLine, b: ReleaseLine) -> bool:
    """False only when both names give a line and the lines differ: word by word, the shorter
    numbers must begin the longer ("V13.1" and "13.1.0.9" agree; "2016" and "2019" do not).
    A name without a line, or with fewer words ("SIMATIC PCS 7" beside "SIMATIC PCS 7 V8.1"),
    leaves the question to the version. R-releases after the same numbers must be equal
    ("2020 R2" is not "2020 R3"; "2020" may be either), and so must model designations
    (`designations.designations_agree`: "808D" is not "828D") and article numbers
    (`articles.articles_agree`) where both names give some."""
    if not (articles_agree(a.articles, b.articles) and designations_agree(a.model, b.model)):
        return False
    for x, y in zip(a.groups, b.groups, strict=False):
        n = min(len(x), len(y))
        if x[:n] != y[:n]:
            return False
    if a.release is None or b.release is None or len(a.groups) != len(b.groups):
        return True
    return a.release == b.release


def next_line(text: str) -> str:
    """The first release past a line as written: "V13.1" -> "V13.2", "V14" -> "V15"."""
    head, _, last = text.rpartition(".")
    bumped = re.sub(r"\d+$", lambda d: str(int(d.group(0)) + 1), last)
    return f"{head}.{bumped}" if head else bumped


def _leading_number(text: str) -> int | None:
    m = _LEADING.match(text)
    return int(m.group(1)) if m else None


def in_numbering(statement: AffectedProduct, line: ReleaseLine) -> bool:
    """Whether the line in the name is written in the product's version numbering, so that a
    version tells which line it is on. Yes when every version and bound the statement gives
    starts with the line's number ("Teamcenter V13.1" with "<V13.1.0.9"); for "all versions",
    when the line is written as a version ("V14", "10.2"). No for "Office 2019" with fixed
    build 16.0.10417.20012: its line is a name, and only a row's name can say it."""
    if not line.groups:
        return False
    major = line.groups[-1][0]
    texts = [*statement.versions, *(b.version for r in statement.ranges for b in (r.lower, r.upper) if b)]
    if texts:
        return all(_leading_number(t) == major for t in texts)
    return statement.all_versions and (line.text[:1] in "vV" or "." in line.text)


def scoped(statement: AffectedProduct, line: ReleaseLine) -> AffectedProduct:
    """The statement with its ranges and "all versions" narrowed to its name's release line,
    when that line is in the version numbering; otherwise the statement itself.

    "TIA Portal V14", all versions -> >=V14 <V15; "Teamcenter V13.1", <V13.1.0.9 -> >=V13.1
    <V13.1.0.9. Listed builds are exact already. Applying it twice changes nothing.
    """
    if not in_numbering(statement, line):
        return statement
    lower, upper = Bound(line.text, True), Bound(next_line(line.text), False)
    if statement.all_versions:
        return replace(statement, all_versions=False, ranges=(VersionRange(lower, upper),))
    ranges = tuple(VersionRange(r.lower or lower, r.upper or upper) for r in statement.ranges)
    if any(_empty(r, statement.scheme) for r in ranges):
        # "Widget Server 2" fixed in 2.0: everything below the line's first release cannot be
        # on that line, so the name's number was the product's, not a release line; scoping it
        # would leave nothing affected, and a council on 1.2.0 would never hear of it.
        return statement
    return statement if ranges == statement.ranges else replace(statement, ranges=ranges)


def _empty(r: VersionRange, scheme: str | None) -> bool:
    if r.lower is None or r.upper is None:
        return False
    order = compare(r.lower.version, r.upper.version, scheme)
    return order is not None and (order > 0 or (order == 0 and not (r.lower.inclusive and r.upper.inclusive)))


@lru_cache(maxsize=1 << 16)
def release_line(name: str) -> ReleaseLine:
    """The release line a name ends with, which its key leaves out: "Microsoft Office
    Professional Plus 2019" -> 2019, "SIMATIC PCS 7 V8.1" -> 7 8.1, "Siveillance Video 2020
    R2" -> 2020 R2, "SINUMERIK 808D V4.7" -> model 808D on line 4.7, "... CPU 1511-1 PN
    (6ES7511-1AK01-0AB0)" -> that article, "Firefox" -> none."""
    line = line_of(name_parts(name)[1])
    articles = article_numbers(name)
    return replace(line, articles=articles) if articles else line


def lines_conflict(row: ReleaseLine, statement: AffectedProduct) -> bool:
    """Whether a row on release line `row` (from its name) cannot be on the line the
    statement's name gives: "Office 2016" for an "Office 2019" statement. The statement is
    read as `Catalogue.with_scheme` gives it: a scheme with lines of its own (Citrix Workspace
    LTSRs, Cisco IOS trains) tells the lines apart by version instead, and says "check
    manually" for another line rather than nothing."""
    return statement.scheme in LINE_SCHEMES and not lines_agree(row, statement_line(statement.product))


def checked_line(statement: AffectedProduct) -> ReleaseLine:
    """The line `lines_conflict` holds a row's against: the statement's, or none (which
    agrees with every line) in a scheme that tells its lines apart by version. For the
    matcher, which compares each distinct line once."""
    return statement_line(statement.product) if statement.scheme in LINE_SCHEMES else NO_LINE


@lru_cache(maxsize=1 << 14)
def statement_line(product: str) -> ReleaseLine:
    """A statement's release line, read without the platform its name names ("Citrix
    Workspace App 2203 LTSR for Windows" is on line 2203), as its keys are."""
    named = named_platform(product)
    return release_line(named[1] if named is not None else product)
