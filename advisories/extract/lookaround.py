"""Looking around a token: who owns a version, is a number a build, which words are filler.

Pure functions over one clause's tokens, used by the grammar.
"""

from __future__ import annotations

import re

from . import cue_words as cue
from . import lexicon as lx
from .model import Tok

# Verbs a bounded build is the subject of: "before 11302 lets ...", "through 4304 has ...".
# A count is followed by its noun instead ("up to 1000 users", "before 30 days").
_SUBJECT_VERBS = cue.HAVING_VERBS | frozenset(
    {"lets", "let", "allows", "allow", "permits", "enables", "fails", "mishandles", "mishandle", "exposes"}
)

_MIN_BUILD_DIGITS = 4
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_VERSION_NOUNS = frozenset({"version", "versions", "release", "releases", "build", "builds", "v", "number"})
# Words naming the kind of release, not another product: "fixed in Critical Patch build 14.0.0.14039";
# and the release channel or track it ships on: "Extended Stable 116.0.1938.98", "the Sustain
# Release 7.6.3" are the product's own builds.
_RELEASE_KINDS = frozenset(
    {"critical", "patch", "security", "update", "hotfix", "service", "pack", "cumulative", "maintenance", "feature"}
    | {"stable", "extended", "beta", "canary", "channel", "sustain", "sustaining"}
)
FOREIGN = "\0foreign"
_RELEASE_LABEL = re.compile(r"^[vV]\d+[a-z]?$")


def is_filler(tok: Tok) -> bool:
    return tok.kind == "word" and tok.text.lower() in lx.FILLER


def is_conj(tok: Tok) -> bool:
    return (tok.kind == "word" and tok.text.lower() in lx.CONJUNCTIONS) or (
        tok.kind == "punct" and tok.text in lx.CONJUNCTIONS
    )


def line_base(tok: Tok) -> str:
    m = lx.WILDCARD.match(tok.text)
    return m.group(1) if m else tok.text


def skip_fillers(t: list[Tok], j: int) -> int:
    while j < len(t) and is_filler(t[j]):
        j += 1
    return j


def is_build_number(t: list[Tok], i: int) -> bool:
    """ "ServiceDesk Plus through 14003": an undotted build, but only right next to a
    bound operator, and never a year or a count ("up to 1000 users")."""
    text = t[i].text
    if _YEAR.match(text):
        return False
    if len(text) < _MIN_BUILD_DIGITS and not _major_bound(t, i):
        return False
    if _named_a_build(t, i) or _row_of_a_product(t, i):
        return True
    j = i - 1
    while j >= 0 and (is_filler(t[j]) or t[j].kind == "prod"):
        j -= 1  # "fixed in ServiceDesk Plus build 14004"
    before = (
        j >= 0
        and t[j].kind == "op"
        and (t[j].family in ("pre_fixed", "pre_last", "fix") or t[j].text in ("through", "thru"))
    )
    k = skip_fillers(t, i + 1)
    after = k < len(t) and t[k].kind == "op" and t[k].family in ("post_last", "post_later")
    nxt = t[i + 1] if i + 1 < len(t) else None
    noun = (
        nxt is not None
        and nxt.kind == "word"
        and nxt.text.lower() not in lx.GLUE - lx.LABEL_NOUNS
        and not (before and nxt.text.lower() in _SUBJECT_VERBS)
    )
    return (before or after) and not noun


def _named_a_build(t: list[Tok], i: int) -> bool:
    """ "has fixed ADSelfService Plus in build 6122": a number the text itself calls a build is
    one, with no operator next to it; not a release's date stamp ("5.0.1.2234 build 20221201"),
    which belongs to the release before it."""
    if i < 1 or t[i - 1].kind != "word" or t[i - 1].text.lower() != "build":
        return False
    stamp = i >= 2 and t[i - 2].kind == "ver"
    return not stamp and not _DATE_STAMP.match(t[i].text)


def _row_of_a_product(t: list[Tok], i: int) -> bool:
    """ "Endpoint Central: 10.1.2228.11; ADManager Plus: 7162": a flattened table row gives each
    product its build after a colon, an undotted build as much as a dotted one."""
    return i >= 2 and t[i - 1].text == ":" and t[i - 2].kind == "prod" and not _DATE_STAMP.match(t[i].text)


_DATE_STAMP = re.compile(r"^(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$")


def _major_bound(t: list[Tok], i: int) -> bool:
    """ "Opal Browser versions earlier than 121", "Firefox before 96": a browser-style major
    release as the bound of "before", right after the product it bounds (never a count:
    "before 30 days")."""
    if not re.fullmatch(r"[1-9]\d{1,2}", t[i].text) or i < 2:
        return False
    op = t[i - 1]
    if op.kind != "op" or op.family != "pre_fixed" or op.text.lower() in ("<", "below", "less than", "lower than"):
        return False
    j = i - 2
    while j >= 0 and is_filler(t[j]):
        j -= 1
    return j >= 0 and t[j].kind == "prod"


def starts_a_range(t: list[Tok], i: int) -> bool:
    """ "Thunderbird 68 to 102.7.0", "Edge 90 through 101.0.1210.53": a product's bare major
    release right before a range operator and a dotted version above it is the range's lower
    end, as printed (never a year: "2019 to 2022.1" is no range of releases)."""
    j = i - 1
    while j >= 0 and is_filler(t[j]):
        j -= 1
    if j < 0 or t[j].kind != "prod" or _YEAR.match(t[i].text) or len(t[i].text) > 3:
        return False
    k = i + 1
    infix = k < len(t) and t[k].kind == "op" and t[k].family == "infix"
    hi = t[k + 1] if infix and k + 1 < len(t) else None
    major = _MAJOR.match(hi.text) if hi is not None and hi.kind == "ver" and "." in hi.text else None
    return major is not None and int(t[i].text) < int(major[1])


_MAJOR = re.compile(r"\D{0,2}(\d+)\.")


def owner_of(t: list[Tok], i: int) -> str:
    """Who an unknown name right before a version makes its owner: "" (the product being
    described), a variant word ("LTS 2.426.2"), or FOREIGN: "... and libwebp 1.3.2",
    "use of Apache xmlsec (aka ...) 1.4.1" name something outside the catalogue."""
    j = i - 1
    if j >= 0 and t[j].kind == "close":
        j = _opening(t, j) - 1
    elif j >= 1 and t[j].kind == "open" and t[j - 1].kind == "word" and not lx.UPDATE_LABEL.match(t[j - 1].text):
        j -= 1  # "... and ZTA gateways (22.8R2.2)": the name before the bracket owns it
    start = j
    while j >= 0 and t[j].kind == "word" and t[j].text.lower() in _VERSION_NOUNS:
        j -= 1  # "FortiPAM versions 1.2.0"
    crossed = j != start
    names: list[Tok] = []
    while j >= 0 and len(names) < 2 and t[j].kind == "word":
        if t[j].text.lower() in lx.GLUE:
            break
        names.append(t[j])
        j -= 1
    # Across "versions" only a capitalised name owns the list, not "effecting versions".
    if not names or (crossed and not any(c.isupper() for c in names[0].text)):
        return ""
    if _RELEASE_LABEL.match(names[0].text) or all(n.text.lower() in _RELEASE_KINDS for n in names):
        return ""  # Veeam "V12 build 12.0.0.1420": the product's own release, not another product
    if names[0].text.lower() in lx.VARIANT_WORDS:
        return names[0].text
    # "FortiOS SSL-VPN 7.2.0", "macOS Big Sur 11.7.10": a qualifier of the product itself.
    return "" if j < 0 or t[j].kind in ("prod", "plat") else FOREIGN


def _opening(t: list[Tok], close: int) -> int:
    depth = 0
    for j in range(close, -1, -1):
        depth += {"close": 1, "open": -1}.get(t[j].kind, 0)
        if depth == 0:
            return j
    return 0
