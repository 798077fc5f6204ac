"""Which versions a clause says are affected: a positive cue is needed, never a default.

A version is an affected build only when its clause says so: an affected cue ("affected",
"vulnerable", "exists in", "contains the flaw", "are at risk", ...) or a range operator only
affected statements use ("before X", "X and earlier", "up to X", "A through B", "9.x", "all
versions": the grammar reads those). Any other version is a fix mention: advisories name
fixed releases in endless ways ("pushed X to the Stable channel", "X is available", "move to
X"), so "not affected unless said" is the one reading no new phrasing can turn into an alert.

In a clause with both kinds of cue ("X fixes a flaw that is exploitable"), a version list
hangs from the cue right before it ("The affected builds are A, B and C"; "fixes: A, B"); else
each version takes the nearer cue, and a tie is a fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import cue_words as cue
from .lookaround import is_conj, is_filler
from .model import Tok

_REACH = 5  # tokens a multi-word cue may span ("contains the same flaw", "are at risk")
# The longest affected cue the cue words spell: a verb of having, a determiner, three describing
# words and the flaw ("carry the same fgfmd format-string bug", "suffers from a ... flaw").
_CUE_SPAN = 7
_LIST_KINDS = frozenset({"ver", "prod", "plat", "num", "open", "close"})
_COPULA = frozenset({"is", "are", "was", "were", "include", "includes", "including", "namely", "remain", "remains"})
# Between a version list and its predicate: "... are also affected", "... remain vulnerable".
_PREDICATE_GLUE = frozenset({"is", "are", "was", "were", "remain", "remains", "also", "still", "all", "both", "as"})
_FIX_COPULA = frozenset({"is", "are", "was", "were"})
_DETERMINERS = frozenset({"the", "our", "its", "their", "now", "new"})
INHERITED = -1  # the cue sits before the clause: a lead-in or a heading says "affected:"


@dataclass(frozen=True, slots=True)
class Cues:
    """Token positions of the affected and fix cues of one clause."""

    affected: tuple[int, ...]
    fixes: tuple[int, ...]
    # Affected cues of a relative clause about a flaw, which a version after them took as its
    # own ("fixes a flaw that lets attackers read files in 4.2.7.9", "the bug that lets
    # attackers in is gone in 4.2.8": where that clause ends, no word shows).
    released: tuple[int, ...] = ()
    # Stamped releases after a perfect fix verb ("has fixed ... in QTS 5.0.1.2234 build
    # 20221201"): the fix, whatever cue stands nearer (`_stamped_release`).
    stamped: tuple[int, ...] = ()

    def doubtful_at(self, toks: list[Tok], i: int) -> bool:
        """ "The update fixes a flaw that lets attackers read files in HarbourOS 4.2.7.9": is
        4.2.7.9 where the flaw is, or where the fix is? Both readings occur ("fixes a flaw in
        Java SE 8u411": affected; "has fixed the flaw ... in QTS 5.0.1.2234": fixed), and a fix
        said in words no cue knows ("is gone in 4.2.8") leaves only the flaw's cue. A version
        stated affected only by such a cue, when the cue does not govern it ("a flaw that affects
        FortiOS 7.2.4" does), is kept for review and never alerted on."""
        if not self.released or not self.affected_at(toks, i):
            return False
        before = [k for k in self.affected if k < i]
        if not before or before[-1] not in self.released:
            return False
        head = _list_head(toks, i)
        return head is None or not any(head[0] <= k <= head[1] for k in self.affected)

    def affected_at(self, toks: list[Tok], i: int) -> bool:
        """Does the clause state the version at token `i` as affected?"""
        if not self.affected or i in self.stamped or self._fix_predicate(toks, i):
            return False
        if self._affected_predicate(toks, i):
            return True
        head = _list_head(toks, i)
        if head is not None:
            lo, hi = head
            if any(lo <= k <= hi for k in self.affected):
                return True
            if any(k == hi for k in self.fixes):
                return False
        near_affected = min(abs(i - k) for k in self.affected)
        near_fix = min((abs(i - k) for k in self.fixes), default=len(toks) + 2)
        return near_affected < near_fix

    def _fix_predicate(self, toks: list[Tok], i: int) -> bool:
        """ "... are vulnerable and LTS 2.426.3 has the fix": a version list that is the subject
        of a fix predicate (the first cue right after the list is a fix) names fixed builds,
        whatever affected cue came before it."""
        if self._fix_copula(toks, i):
            return True
        j = i + 1
        while j < len(toks) and _list_material(toks[j]) and toks[j].text != ",":
            j += 1
        for k in range(j, min(j + _REACH, len(toks))):
            if k in self.fixes:
                return True
            if k in self.affected or toks[k].kind in ("open", "op"):
                return False  # "8.0 or later (excluding patched versions)": another phrase
        return False

    def _fix_copula(self, toks: list[Tok], i: int) -> bool:
        """ "..., and 8.3.3, 8.4.3 and 8.5.2 are the fixed releases", "4.1, 4.2 are patched": a
        whole version list, commas and all, that is the subject of a copula whose complement is
        a fix names fixed builds (the copula closes the list: a fix operator right after a
        comma, "affected: 4.2, 4.3, patched in 4.4", starts a phrase of its own)."""
        j = i + 1
        while j < len(toks) and _list_material(toks[j]):
            j += 1
        if j >= len(toks) or toks[j].text.lower() not in _FIX_COPULA:
            return False
        j += 1
        while j < len(toks) and toks[j].kind == "word" and toks[j].text.lower() in _PREDICATE_GLUE | _DETERMINERS:
            j += 1
        return j in self.fixes and j not in self.affected

    def _affected_predicate(self, toks: list[Tok], i: int) -> bool:
        """ "(CVE-2024-36138): 18.20.3, 20.15.0 and 22.4.0 are affected": a version list that is
        the subject of "is/are affected" names affected builds, whatever word it hangs from
        (here "that batch-file fix" before the colon)."""
        j = i + 1
        while j < len(toks) and _list_material(toks[j]):
            j += 1
        while j < len(toks) and toks[j].kind == "word" and toks[j].text.lower() in _PREDICATE_GLUE:
            j += 1
        return j in self.affected and j not in self.fixes


def cues(toks: list[Tok], *, inherited: bool = False) -> Cues:
    """Where the clause's cues are; `inherited`: the clause continues an "affected:" lead-in."""
    affected: list[int] = [INHERITED] if inherited else []
    fixes: list[int] = []
    relative = False  # inside "a flaw that is exploitable": the cue is about the flaw
    held: list[int] = []  # cues about the flaw, until versions show they are its object
    released: list[int] = []
    stamped: list[int] = []
    for k, tok in enumerate(toks):
        if tok.kind == "ver" and _shipped_release(toks, fixes, k):
            stamped.append(k)
        if tok.kind == "op" and tok.family == "fix":
            fixes.append(k)
        elif tok.kind in ("ver", "prod"):
            # "reported that 3CX DesktopApp 18.12.416 was trojanised": its own subject; "fixes a
            # flaw that affects FortiOS 7.2.4": the versions are what the held cue speaks of.
            # Not after "has fixed" when the release carries a build stamp ("... in QTS
            # 5.0.1.2234 build 20221201"): a stamped release after a perfect fix is the fix.
            if held and not _shipped_release(toks, fixes, k):
                affected += held
                released += held
            held, relative = [], False
        elif tok.kind == "punct" and tok.text in ",;:":
            # "plug an SQL injection hole: search parameters were mishandled": after a fix, a
            # colon right after the flaw opens a description of the flaw, not of the builds.
            held, relative = [], bool(fixes) and tok.text == ":" and _flaw_noun_at(toks, k - 1)
        elif tok.kind == "word":
            relative = relative or _relative_to_a_noun(toks, k) or (bool(fixes) and _describes_the_flaw(toks, k))
            if cue.AFFECTED_AT.match(" ".join(t.text for t in toks[k : k + _CUE_SPAN])) and not _negated(toks, k):
                (held if relative else affected).append(k)
            elif cue.FIX_CUE.fullmatch(tok.text) or _acts_on_a_flaw(toks, k) or _urged_update(toks, k):
                fixes.append(k)
    return Cues(tuple(sorted(affected)), tuple(fixes), tuple(released), tuple(stamped))


_HAVE = frozenset({"has", "have", "had"})
_NEGATORS = frozenset({"not", "never", "cannot", "nor"})


def _negated(toks: list[Tok], k: int) -> bool:
    """ "4.4.3 no longer allows path traversal", "does not contain the flaw", "doesn't allow":
    a cue said not to hold of the build is no affected cue (it is how fixes are described)."""
    before = [t.text.lower() for t in toks[max(0, k - 2) : k] if t.kind == "word"]
    return bool(before) and (
        before[-1] in _NEGATORS or before[-1].endswith("n't") or before[-2:] == ["no", "longer"]
    )


def _perfect_fix(toks: list[Tok], fixes: list[int]) -> bool:
    """ "QNAP has fixed ...", "the maintainers have now patched ...": a fix verb in the perfect
    tense reports a fix already shipped, so a release named after it is where the fix is."""
    for f in fixes:
        word = toks[f].text.lower()
        before = [t.text.lower() for t in toks[max(0, f - 2) : f] if t.kind == "word"]
        if word.endswith("ed") and any(b in _HAVE for b in before):
            return True
    return False


def _shipped_release(toks: list[Tok], fixes: list[int], k: int) -> bool:
    """The release at `k` is where a reported fix shipped: after "has fixed" when printed with
    its build stamp, or after a fix the vendor reports ("has fixed", "Tidewater fixed") as the
    "in X" that ends the clause ("fixed the takeover for 9.3.2.870, which is vulnerable, in
    9.3.2.881")."""
    if _perfect_fix(toks, fixes) and _stamped_release(toks, k):
        return True
    return (_perfect_fix(toks, fixes) or _past_fix(toks, fixes)) and _closing_in(toks, k)


# What stands before a participle or adjective, never before a vendor's simple past verb.
_NOT_A_SUBJECT = frozenset(
    {"is", "are", "was", "were", "be", "been", "being", "get", "gets", "got", "not", "and", "or", "of", "as"}
    | {"a", "an", "the", "this", "that", "these", "those", "its", "their", "our", "first", "newly", "now"}
)


def _past_fix(toks: list[Tok], fixes: list[int]) -> bool:
    """ "Tidewater fixed the takeover ...", "The maintainers quietly patched it ...": a fix verb
    in the simple past whose subject is a word (the vendor, its team), not a release: not a
    participle ("was fixed", "the fixed build") nor a release's own verb ("9.3.2.881 fixed")."""
    for f in fixes:
        tok = toks[f]
        if tok.kind != "word" or not tok.text.lower().endswith("ed"):
            continue
        j = f - 1
        while j >= 0 and toks[j].kind == "word" and toks[j].text.lower().endswith("ly"):
            j -= 1  # "quietly fixed"
        if j >= 0 and toks[j].kind == "word" and toks[j].text.lower() not in _NOT_A_SUBJECT | _HAVE:
            return True
    return False


def _closing_in(toks: list[Tok], k: int) -> bool:
    """ "... in StoreOS Pro 9.3.2.881.": the release, after "in" (and its product's name), is the
    last thing in the clause, and no affected cue ends at that "in"."""
    j = k - 1
    while j >= 0 and toks[j].kind == "prod":
        j -= 1
    if j < 0 or toks[j].kind != "word" or toks[j].text.lower() != "in":
        return False
    # "... a flaw that exists in 9.3.2.870": an "in" an affected cue ends is where the flaw is.
    window = " ".join(t.text for t in toks[max(0, j - _REACH) : j + 1])
    if any(m.end() == len(window) for m in cue.AFFECTED_CUE.finditer(window)):
        return False
    return k + 1 == len(toks) or (toks[k + 1].kind == "punct" and toks[k + 1].text in ".;")


def _stamped_release(toks: list[Tok], k: int) -> bool:
    """ "QTS 5.0.1.2234 build 20221201", "4.2.7.9 (build 4711)": a release printed with its
    build or date stamp, the way release notes name a shipped build."""
    j = k
    while j < len(toks) and toks[j].kind == "prod":
        j += 1
    if j >= len(toks) or toks[j].kind != "ver":
        return False
    j += 2 if j + 1 < len(toks) and toks[j + 1].kind == "open" else 1
    stamp = j + 1 < len(toks) and toks[j].text.lower() == "build" and toks[j + 1].kind == "num"
    return stamp and len(toks[j + 1].text) >= 4


def _urged_update(toks: list[Tok], k: int) -> bool:
    before = toks[k - 1].text.lower() if k > 0 else ""
    return toks[k].text.lower() == "update" and before in cue.URGING


def _relative_to_a_noun(toks: list[Tok], k: int) -> bool:
    """ "closes a hole that is exploitable", "a flaw in WebRTC which attackers exploit": a
    relative clause about a noun other than the versions ("versions that are affected",
    "7.2.4, which is vulnerable" still speak of them). Set off by commas too: "has fixed the
    flaw, which could let attackers in, in 5.0.1": the remark is about the flaw, and the
    comma after it ends it (`cues` drops its held cues there)."""
    if toks[k].text.lower() not in ("that", "which", "who") or k == 0:
        return False
    j = k - 1
    if toks[j].kind == "punct" and toks[j].text == "," and j >= 1:
        j -= 1
        if toks[j].kind == "close":  # "fixes CVE-2025-1234 (CVSS 9.9), which let ...": the remark's noun
            while j > 0 and toks[j].kind != "open":
                j -= 1
            j -= 1
    return j >= 0 and toks[j].kind == "word" and not is_filler(toks[j]) and toks[j].text.lower() not in _SAYING


# Verbs whose "that" opens what is said, not a relative clause: "should note that this release
# is vulnerable", "Citrix warns that 12.1 is affected" speak of the versions themselves.
_SAYING = frozenset(
    {"note", "notes", "noted", "warn", "warns", "warned", "say", "says", "said", "confirm", "confirms", "confirmed"}
    | {"state", "states", "stated", "advise", "advises", "advised", "stress", "stresses", "stressed"}
    | {"know", "knows", "aware", "means", "mean", "remember", "understand", "believe", "believes"}
)


def _flaw_noun_at(toks: list[Tok], k: int) -> bool:
    return 0 <= k < len(toks) and toks[k].kind == "word" and bool(cue.FLAW_NOUN.fullmatch(toks[k].text))


def _describes_the_flaw(toks: list[Tok], k: int) -> bool:
    """ "removes an injection flaw affecting the address book", "closes a bug allowing attackers
    to ...": once a fix is named, a participle right after the flaw describes the flaw."""
    return toks[k].text.lower().endswith("ing") and _flaw_noun_at(toks, k - 1)


def _acts_on_a_flaw(toks: list[Tok], k: int) -> bool:
    """ "Roundcube Webmail 1.4.12 and 1.3.17 seal an SQL injection hole", "The 14.9.2 and 14.8.5
    releases of GitLab deal with two bugs": a version list that is the subject of a verb whose
    object is a flaw names the releases that act on it, i.e. fixes, whatever the verb (a build
    that has a flaw says so with a verb of having: `cue_words.HAVING_VERBS`)."""
    verb = toks[k].text
    if not verb.isalpha() or not verb.islower() or verb in cue.HAVING_VERBS or is_filler(toks[k]):
        return False
    if not _subject_is_versions(toks, k):
        return False
    j = k + 1
    if j < len(toks) and toks[j].kind == "word" and toks[j].text.lower() in cue.VERB_PARTICLES:
        j += 1
    if j >= len(toks) or toks[j].kind != "word" or toks[j].text.lower() not in cue.FLAW_DETERMINERS:
        return False
    for m in range(j + 1, min(j + 6, len(toks))):
        if toks[m].kind != "word" or cue.FIX_CUE.fullmatch(toks[m].text):
            return False
        if cue.FLAW_NOUN.fullmatch(toks[m].text):
            return True
    return False


def _subject_is_versions(toks: list[Tok], k: int) -> bool:
    """The words right before `k` are a version list ("GitLab 14.9.2, 14.8.5 and 14.7.7 releases",
    "The 1.4.12 and 1.3.17 releases of Roundcube Webmail") at the start of the clause or after a
    word that is no preposition or operator."""
    j = k - 1
    seen = False
    while j >= 0 and (_list_material(toks[j]) or toks[j].text.lower() == "of"):
        seen = seen or toks[j].kind == "ver"
        j -= 1
    return seen and (j < 0 or (toks[j].kind == "word" and toks[j].text.lower() not in _PREPOSITIONS))


_PREPOSITIONS = frozenset({"of", "in", "for", "on", "with", "from", "at", "by", "under", "to", "into", "than", "via"})


def _list_head(toks: list[Tok], i: int) -> tuple[int, int] | None:
    """The words a version list hangs from: walking left from `i` over list material
    (versions, names, fillers, commas, "and"), the word reached, or the few words before it
    when it is a copula ("affected builds are", "versions at risk include"), as a span of
    positions; None when the list starts the clause."""
    j = i - 1
    while j >= 0 and _list_material(toks[j]):
        j -= 1
    if j < 0:
        return None
    reach = _REACH - 1 if toks[j].text.lower() in _COPULA else 2  # "contain the flaw: A, B"
    return (max(0, j - reach) if toks[j].kind == "word" else j), j


def only_a_list(toks: list[Tok]) -> bool:
    """ "18.11.1213, 18.12.402 for macOS", "Windows: 18.12.407": a clause with nothing but
    versions, names and list words continues the statement before it."""
    return any(t.kind == "ver" for t in toks) and all(_list_material(t) or _range_word(t) for t in toks)


def _range_word(tok: Tok) -> bool:
    """ "...; FortiNDR 7.6.0, 7.4.0 through 7.4.7": a range operator only affected statements
    use keeps a clause a list ("all versions", "through", "and earlier"), never a fix word."""
    return tok.kind == "op" and tok.family in ("infix", "post_last", "all")


def _list_material(tok: Tok) -> bool:
    if tok.kind == "punct":
        return tok.text in ",:/&"
    return tok.kind in _LIST_KINDS or is_filler(tok) or is_conj(tok)


def listed_among_bounds(toks: list[Tok], i: int) -> bool:
    """ "FortiManager 7.6.0, 7.4.4 and below, 7.2.7 and below": a bare build in one list with
    bounds only affected statements use ("and below", "through") is one more item of what that
    list states, an affected build; read alone as a fix, it would clear the build it names.
    The list is the run of list material around `i`; any other word or operator ends it."""
    bounds = 0
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(toks) and (_list_material(toks[j]) or _range_word(toks[j])):
            bounds += _affected_bound(toks[j])
            j += step
    return bounds > 0


def _affected_bound(tok: Tok) -> bool:
    return tok.kind == "op" and (tok.family == "post_last" or tok.text in ("through", "thru"))


# Verbs a build does with what it holds ("7.1.0-49 can embed a file", "12.1.0 exposes a method",
# "3.0.2 creates an account"): the having verbs without the copulas and auxiliaries a release
# announcement also uses ("is rolling out", "has been promoted", "gets 1.1.1x").
_HOLDING_VERBS = cue.HAVING_VERBS - frozenset(
    {"is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "having", "remain", "remains"}
    | {"still", "also", "all", "both", "only", "each", "do", "does", "will", "would", "get", "gets", "got"}
)


def unsettled(toks: list[Tok], cues_: Cues, i: int) -> bool:
    """A bare build the clause neither states affected nor names beside any fix word, that is
    the subject of what a build does with a flaw ("Foxit Reader 12.1.0 exposes ... so a
    malicious PDF ...", "7.1.0-49 can embed an arbitrary local file"): read as a fix by default
    it would clear the very build the clause blames, and read as affected it would rest on no
    cue. Its role is unsettled: better say nothing. Only in a clause that speaks of a flaw or
    an attacker; "4.4.3 can be downloaded now", "4.4.3 ships with a new kernel" announce a release."""
    if cues_.fixes or cues_.affected_at(toks, i) or not any(_speaks_of_a_flaw(t) for t in toks):
        return False
    j = i + 1
    while j < len(toks) and _list_material(toks[j]) and toks[j].kind != "prod":
        j += 1
    if j >= len(toks) or toks[j].kind != "word" or toks[j].text.lower() not in _HOLDING_VERBS:
        return False
    passive = j + 1 < len(toks) and toks[j + 1].text.lower() == "be"  # "can be installed"
    return not passive


# Words that show a clause describes a flaw, beside the flaw's own names (cue_words.FLAW_NOUN).
_FLAW_WORDS = frozenset({"attacker", "attackers", "malicious", "arbitrary", "exploit", "exploits", "exploited"})


def _speaks_of_a_flaw(tok: Tok) -> bool:
    return tok.kind == "word" and (tok.text.lower() in _FLAW_WORDS or bool(cue.FLAW_NOUN.fullmatch(tok.text)))
