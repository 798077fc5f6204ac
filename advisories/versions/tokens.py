"""The token engine behind the generic (default), Maven and nginx schemes.

A version is split into runs of digits and runs of letters; separators (. - _ + ~ space)
only delimit. Each run becomes an item `(kind, number, word)` and the key is the tuple of
items followed by an END item. At any position the kinds order as

    pre-release word  <  END  <  other word  <  number

so that `2.0-beta9 < 2.0`, `17 < 17 Update 6 < 17 Update 7 < 18`, `1.1.1 < 1.1.1w`,
`17.9.4 < 17.9.4a` and `22.4R2 < 22.4R2.1`. Numbers compare as integers, and zeros just
before a word or the end are dropped, so `18.12.416 == 18.12.416.0` and `1.0-rc1 == 1-rc1`.
Words compare by their rank in the scheme's table, then alphabetically (`z < za < zg`).
Because every key ends with the same END item, plain tuple comparison is a total order.

The generic scheme also knows update labels ("8u381", "7.0 U3c", "2019 CU13"): their
spellings are one word, and a labelled version carries a LABEL line, because it can be
ordered only against versions in its own notation (`labels_comparable`); across
notations `compare` answers None and the matcher "check manually".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

from .core import LABEL, ParsedVersion, clean

PRE, END, WORD, NUM = 0, 1, 2, 3
Item = tuple[int, int, str]
_END: Item = (END, 0, "")
_TOKEN = re.compile(r"\d+|[a-z]+")


@dataclass(frozen=True, slots=True)
class WordTable:
    """How one scheme ranks the words inside versions."""

    pre: Mapping[str, tuple[int, str]]  # word -> (rank, canonical spelling)
    release: frozenset[str] = frozenset()  # words that equal the plain version
    post_rank: Mapping[str, int] = field(default_factory=dict)  # default rank 1
    pre_needs_digit: frozenset[str] = frozenset()  # Maven "a1" is alpha, a lone "a" is not


# Single letters are deliberately not pre-release words in the generic scheme: Cisco
# rebuild letters (17.9.4a) and OpenSSL patch letters (1.1.1w) both sort after the base.
GENERIC_WORDS = WordTable(
    pre={
        "dev": (0, "dev"),
        "snapshot": (1, "snapshot"),
        "alpha": (2, "alpha"),
        "beta": (3, "beta"),
        "milestone": (4, "milestone"),
        "pre": (5, "pre"),
        "preview": (6, "preview"),
        "rc": (7, "rc"),
    },
    release=frozenset({"ga", "final", "release"}),
)

# Maven ComparableVersion: alpha < beta < milestone < rc = cr < snapshot < "" = ga = final
# = release < sp < any other qualifier.
MAVEN_WORDS = WordTable(
    pre={
        "alpha": (1, "alpha"),
        "a": (1, "alpha"),
        "beta": (2, "beta"),
        "b": (2, "beta"),
        "milestone": (3, "milestone"),
        "m": (3, "milestone"),
        "rc": (4, "rc"),
        "cr": (4, "rc"),
        "snapshot": (5, "snapshot"),
    },
    release=frozenset({"ga", "final", "release"}),
    post_rank={"sp": 0},
    pre_needs_digit=frozenset({"a", "b", "m"}),
)

_GENERIC_SHAPE = re.compile(r"^\d[0-9a-z._+~ -]*$")
_MAVEN_SHAPE = re.compile(r"^\d[0-9a-z._-]*$")
_NUMERIC_SHAPE = re.compile(r"^\d+(?:\.\d+)*$")


def _drop_trailing_zeros(items: list[Item]) -> None:
    while items and items[-1][0] == NUM and items[-1][1] == 0:
        items.pop()


def _word_item(tok: str, next_tok: str | None, table: WordTable) -> Item | None:
    pre = table.pre.get(tok)
    if pre is not None and (
        tok not in table.pre_needs_digit or (next_tok is not None and next_tok[0].isdigit())
    ):
        return (PRE, pre[0], pre[1])
    if tok in table.release:
        return None
    return (WORD, table.post_rank.get(tok, 1), tok)


def token_key(text: str, table: WordTable) -> tuple[Item, ...]:
    """The ordering key of an already validated, lower-cased version string."""
    toks = _TOKEN.findall(text)
    items: list[Item] = []
    for i, tok in enumerate(toks):
        if tok[0].isdigit():
            items.append((NUM, int(tok), ""))
            continue
        _drop_trailing_zeros(items)
        item = _word_item(tok, toks[i + 1] if i + 1 < len(toks) else None, table)
        if item is not None:
            items.append(item)
    _drop_trailing_zeros(items)
    items.append(_END)
    return tuple(items)


def render(key: tuple[Item, ...]) -> str:
    """Canonical spelling of a token key; distinct keys give distinct strings."""
    out: list[str] = []
    prev_num = False
    for kind, num, word in key:
        if kind == END:
            break
        if kind == NUM:
            out.append(f".{num}" if prev_num else str(num))
        else:
            out.append(f"-{word}" if out else word)
        prev_num = kind == NUM
    return "".join(out) or "0"


def _parse(
    text: str, scheme: str, shape: re.Pattern[str], table: WordTable
) -> ParsedVersion | None:
    s = clean(text).lower()
    if not shape.match(s):
        return None
    key = token_key(s, table)
    return ParsedVersion(text, scheme, key, render(key))


# Update labels name a release as a base plus an update number: Java "8u381", VMware
# "7.0 U3c", Exchange "2019 CU13", Siemens "V17 Update 6", SolarWinds "2019.4 HF 5". Each
# label's spellings become one word, so "8u381" = "8 Update 381" and "7.0 U3c" = "7.0U3c" =
# "7.0 update_3c" (an NVD CPE update field) and "2019 CU13" = "2019 cumulative_update_13".
# Java's own "1.8.0_381" is update 381 of 1.8.0, as NVD writes it ("1.8.0 update381").
_LABEL_SPELLINGS = (
    (re.compile(r"^(1\.[1-8]\.0)_(?=\d)"), r"\1 update"),
    (re.compile(r"cumulative[\s._-]*update"), "cu"),
    (re.compile(r"service[\s._-]*pack"), "sp"),
    (re.compile(r"(?<![a-z])(?:update|upd|u)(?=[\s._-]*\d)"), "update"),
    (re.compile(r"(?<![a-z])hotfix(?=[\s._-]*\d)"), "hf"),
)
LABEL_WORDS = frozenset({"update", "cu", "su", "sp", "hf"})


def _label_line(s: str) -> tuple[str, int, str] | None:
    """The LABEL line of a version whose first word is an update label followed by a
    number: (LABEL, how many numbers the base is written with, the label)."""
    toks = _TOKEN.findall(s)
    for i, tok in enumerate(toks):
        if tok[0].isdigit():
            continue
        if tok in LABEL_WORDS and i + 1 < len(toks) and toks[i + 1][0].isdigit():
            return (LABEL, i, tok)
        return None
    return None


def _label(v: ParsedVersion) -> tuple[int, str] | None:
    line = v.line
    if line is None or line[0] != LABEL:
        return None
    depth, word = line[1], line[2]
    assert isinstance(depth, int) and isinstance(word, str)
    return depth, word


def _base(key: tuple[object, ...]) -> tuple[int, ...]:
    """The numbers a token key starts with (its trailing zeros are already dropped)."""
    out = []
    for kind, num, _ in cast("tuple[Item, ...]", key):  # generic keys are token keys
        if kind != NUM:
            break
        out.append(num)
    return tuple(out)


def labels_comparable(a: ParsedVersion, b: ParsedVersion) -> bool:
    """Whether two generic versions, at least one written with an update label, can be
    ordered. A label qualifies its base release, so it orders against the same label on
    the same base ("7.0 U3c" < "7.0 U3d"), and against a plain version written no finer
    than the base ("17" < "17 Update 6" < "18", "7.0 U3c" < "7.1"). A plain version with
    more numbers than the base is in practice a build number in another numbering of the
    product ("15.2.1258.12" for "2019 CU13", "1.8.0_381" for "8u381", "7.0.3c" for
    "7.0 U3c"), as is a label on a base written differently ("1.8.0 update381" for
    "8u381"): ordering those would be a confident answer from the wrong numbering."""
    la, lb = _label(a), _label(b)
    if la is not None and lb is not None:
        return la[1] == lb[1] and (la[0] == lb[0] or _base(a.key) == _base(b.key))
    if la is not None and b.line is None:
        return len(_base(b.key)) <= la[0]
    if lb is not None and a.line is None:
        return len(_base(a.key)) <= lb[0]
    return False


def parse_generic(text: str) -> ParsedVersion | None:
    """Default vendor scheme. Rejects strings with ':' or '(' (Debian epochs, Cisco IOS
    trains) rather than ordering them wrongly: those need the deb or cisco-ios scheme.
    A version written with an update label gets a LABEL line (see `labels_comparable`)."""
    s = clean(text).lower()
    if not _GENERIC_SHAPE.match(s):
        return None
    line = None
    if not _NUMERIC_SHAPE.match(s):  # the common, all-numeric case has no label
        for pattern, word in _LABEL_SPELLINGS:
            s = pattern.sub(word, s)
        line = _label_line(s)
    key = token_key(s, GENERIC_WORDS)
    return ParsedVersion(text, "generic", key, render(key), line)


def parse_maven(text: str) -> ParsedVersion | None:
    return _parse(text, "maven", _MAVEN_SHAPE, MAVEN_WORDS)


def parse_nginx(text: str) -> ParsedVersion | None:
    """nginx versions are plain dotted numbers; the branch rules live in `nginx_ranges`."""
    return _parse(text, "nginx", _NUMERIC_SHAPE, GENERIC_WORDS)
