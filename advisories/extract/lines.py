"""Where a clause names a release line, read from the tokens around a version.

Branch labels ("13.1 before 13.1-49.15", "CrushFTP 10 before 10.8.4"), a line named after an
"and earlier" ("4.9.5 and earlier 4.x releases") and an X.Y the text calls a release or line
("every FortiProxy 1.2 and 1.1 release"). Pure functions over one clause's tokens.
"""

from __future__ import annotations

from advisories.versions import compare

from . import lexicon as lx
from .lookaround import is_conj, is_filler, line_base, skip_fillers
from .model import Tok
from .shapes import date_like, extends, is_plain_line
from .shapes import versionlike as shapes_versionlike

AFTER_VERSION = frozenset({"infix", "post_last", "post_later", "all"})
_SEPARATORS = frozenset({"|", ":"})
_LABEL_GAP = 7  # words allowed between a label and its operator: "3.0 users should upgrade to"
_LINE_NOUNS = frozenset({"release", "releases", "line", "lines", "branch", "branches", "train", "trains"})
_WHOLE = frozenset({"every", "all", "each", "the"})


def numbers_a_line(t: list[Tok], i: int) -> bool:
    """ "CrushFTP 10 before 10.8.4, 11 before 11.3.1": the number is the bound's line."""
    j = skip_fillers(t, i + 1)
    if j >= len(t) or t[j].kind != "op" or t[j].family not in ("pre_fixed", "pre_last"):
        return False
    k = skip_fillers(t, j + 1)
    return k < len(t) and t[k].kind == "ver" and extends(t[k].text, t[i].text)


def line_after(t: list[Tok], tok: Tok, k: int) -> tuple[str, int] | None:
    """ "4.9.5 and earlier 4.x releases", "12.3.2.4465 and all earlier version 12 builds": the
    line the bound's "earlier" stays on, and the index after it; None when none is named.
    The product's own name may stand before the line ("10.0.7 and earlier PAN-OS 10.0
    versions"): it repeats the product the bound is of, and names no other line."""
    if k < len(t) and t[k].kind == "prod" and _names_again(t, k):
        k += 1
    if k < len(t) and t[k].kind == "word" and t[k].text.lower() in ("version", "versions"):
        k += 1
    if k >= len(t) or t[k].kind not in ("ver", "num"):
        return None
    line = line_base(t[k])
    named = t[k].wildcard or (k + 1 < len(t) and t[k + 1].text.lower() in lx.RELEASE_NOUNS)
    if not named or line == tok.text or not extends(tok.text, line):
        return None
    return line, k + 1


def _names_again(t: list[Tok], k: int) -> bool:
    """The product named at `k` is the one named last before it."""
    before = next((x for x in reversed(t[:k]) if x.kind == "prod"), None)
    return before is not None and before.product == t[k].product and before.variant == t[k].variant


def _past_line_list(t: list[Tok], i: int) -> int | None:
    """Where the list of versions that a plain X.Y at `i` begins ends; None if t[i] is no X.Y."""
    text = t[i].text
    if not is_plain_line(text) or len(text.split(".")[1]) > 2:
        return None
    j = i + 1
    while j < len(t) and (t[j].kind == "ver" or is_conj(t[j])):
        j += 1
    return j


def called_a_line(t: list[Tok], i: int) -> bool:
    """ "Every FortiProxy 1.2 and 1.1 release", "the 12.1 and 13.0 releases": an X.Y (not a
    running build such as Jenkins 2.442) the text calls a release or line. The caller checks
    that the clause states it affected."""
    j = _past_line_list(t, i)
    if j is None:
        return False
    k = i - 1
    # "the end-of-life 12.1 and 13.0 releases": a release's standing sits between.
    while k >= 0 and (t[k].kind in ("ver", "prod") or is_conj(t[k]) or t[k].text.lower() in lx.STANDING):
        k -= 1
    noun = j < len(t) and t[j].text.lower() in _LINE_NOUNS
    return noun and k >= 0 and t[k].text.lower() in _WHOLE


def reached_end_of_life(t: list[Tok], i: int) -> bool:
    """ "PAN-OS 11.0 reached end of life on 17 November and is vulnerable": only a release line
    reaches its end of life, so the X.Y is the whole line, not its first build (a reading the
    words imply rather than state: the caller marks it for a lower confidence)."""
    j = _past_line_list(t, i)
    if j is None:
        return False
    # "... Gateway 12.1 should note that this release is end of life": the words up to the
    # next version, operator or product (those would be about something else).
    words: list[str] = []
    for w in t[j : j + _EOL_REACH]:
        if w.kind != "word":
            break
        words.append(w.text.lower())
    said = " ".join(words)
    return " end of life" in f" {said}" or any(w in ("end-of-life", "eol") for w in words)


_EOL_REACH = 9


def is_label(t: list[Tok], i: int) -> bool:
    """ "13.1 before 13.1-49.15", "7.x before 7.0 U2b", "FortiOS 7.4 | 7.4.0 through 7.4.2": a
    version followed by an operator whose operand lies inside it names the bound's line."""
    base = line_base(t[i])
    j = skip_fillers(t, i + 1)
    while t[i].variant and j < len(t) and _same_line_variant(t[j], base):
        j = skip_fillers(t, j + 1)  # "12.1-FIPS and 12.1-NDcPP before 12.1-55.296": both label it
    if j >= len(t):
        return False
    nxt = t[j]
    if t[i].variant and nxt.kind == "ver" and not nxt.variant and extends(nxt.text, base):
        return True  # "NetScaler ADC 13.1-FIPS 13.1-37.207": the variant line, then its build
    dash = (nxt.kind, nxt.text) == ("op", "-")
    if dash or (nxt.kind == "punct" and nxt.text in _SEPARATORS):
        if _label_by_separator(t, base, j, dash=dash):
            return True
        if dash:
            return False
    # "the 10.2 train, every release before 10.2.12-h2": a line noun lets the label reach
    # past a comma and an "every release" to its bound.
    noun = nxt.kind == "word" and nxt.text.lower() in lx.LABEL_NOUNS
    k, steps = j, 0
    while k < len(t) and steps < _LABEL_GAP and _label_gap(t[k], noun=noun):
        k, steps = k + 1, steps + 1
    if k >= len(t) or t[k].kind != "op" or t[k].family not in lx.PRE_FAMILIES:
        return False
    m = k + 1
    while m < len(t) and (is_filler(t[m]) or t[m].kind == "prod"):
        m += 1
    if m >= len(t) or t[m].kind != "ver":
        return False
    # An opaque patch name ("7.0 before ESXi70U1c-17325551") cannot show its line, nor can a
    # bound a spreadsheet turned into a date ("6.x before 06/06/2001"): a wildcard names it.
    bound = t[m].text
    return (
        extends(bound, base)
        or t[m].family == "opaque"
        or (t[i].wildcard and date_like(bound))
        or (damaged_bound(t[i].text, bound) and _bare_line_before(t, i, k))
    )


def _bare_line_before(t: list[Tok], i: int, k: int) -> bool:
    """The X.Y at `i` stands alone before the operator at `k`: no operator of its own before
    it ("earlier than 15.3, watchOS earlier than 11.3") and no other number between."""
    p = i - 1
    while p >= 0 and (is_filler(t[p]) or t[p].kind == "prod"):
        p -= 1
    own_op = p >= 0 and t[p].kind == "op"
    return not own_op and not any(tok.kind in ("ver", "num") for tok in t[i + 1 : k])


def damaged_bound(line: str, bound: str) -> bool:
    """ "14.1 before 12.35", "13.1 are affected before 13.159.22": after a bare X.Y line, a bound
    below it, or one that runs on from its digits, is that line's build with a part lost (no
    line's range starts above its own end); the line stays the label, and the range is marked
    for review as the damaged bound is read (finish)."""
    if not is_plain_line(line) or not shapes_versionlike(bound):
        return False
    return compare(bound, line) == -1 or (bound.startswith(line) and bound[len(line) : len(line) + 1].isdigit())


def _label_gap(tok: Tok, *, noun: bool) -> bool:
    if tok.kind in ("word", "num", "prod") or tok.text in _SEPARATORS:
        return True
    return noun and (tok.text == "," or (tok.kind == "op" and tok.family == "all"))


def _label_by_separator(t: list[Tok], base: str, j: int, *, dash: bool) -> bool:
    """ "FortiOS 7.4 | 7.4.0 through 7.4.2", "6.0 - 6.0.0 to 6.0.4", "6.0 | 6.0 all versions"."""
    k = skip_fillers(t, j + 1)
    if k >= len(t) or t[k].kind != "ver":
        return False
    inner = t[k].text
    if inner != base and not extends(inner, base):
        return False
    if not dash:
        return True
    after = skip_fillers(t, k + 1)
    return after < len(t) and t[after].kind == "op" and t[after].family in AFTER_VERSION


def _same_line_variant(tok: Tok, base: str) -> bool:
    return tok.kind == "ver" and bool(tok.variant) and line_base(tok) == base


def joins_label(t: list[Tok], i: int, label: tuple[str, str] | None) -> bool:
    """ "12.1-FIPS and 12.1-NDcPP before ...": the second variant of the same release, right
    after the first, labels the same bound."""
    j = i - 1
    while j >= 0 and is_filler(t[j]):
        j -= 1
    prev = t[j] if j >= 0 else None
    if label is None or not label[1] or prev is None:
        return False
    return _same_line_variant(prev, label[0]) and _same_line_variant(t[i], label[0])
