"""The words that say what a clause states about its versions: fixed, or affected (extract/mood.py)."""

from __future__ import annotations

import re

# --------------------------------------------------------------------------------- moods
# A clause that talks about fixing and not about being affected lists fixed releases
# ("Fixes ... are available in 17.9.4a", "The November SUs (15.2.1118.20) address ...").
FIX_CUE = re.compile(
    # "GitLab 14.9.2, 14.8.5 and 14.7.7 remove a hardcoded password": what a release does to a
    # flaw, said with the verbs release notes use for it.
    r"\b(?:fix(?:es|ed|ing)?|hotfix(?:es)?|patch(?:es|ed)?|resolve[sd]?|remediat\w*|upgrade[sd]?|upgrading"
    r"|remov(?:e|es|ed)|correct(?:s|ed)?|plug(?:s|ged)?|clos(?:es|ed\s+by|ing)|prevents"
    r"|(?<!IP )address(?:es|ed)?|released|build numbers?)\b|\bSUs?\b|\bsecurity updates?\b",
    re.IGNORECASE,
)
# Words a clause needs before any version in it is an affected build (extract/mood.py); the
# phrasings CNAs and vendors use: "This issue affects", "affected builds", "FortiOS 7.2.4 is
# vulnerable", "A flaw was found in", "exists in", "contains the flaw", "are at risk",
# "the malicious builds", "X allows remote attackers to", MITRE's "An issue was discovered in".
# Not "exploited" (a flaw is exploited, whatever release fixes it), not "introduced in" (F5's
# "Fixes introduced in" column), and not "vulnerable code path" (what a fix removes).
_TECH_NOUN = (
    r"code|function(?:ality)?|component|module|servlet|endpoint|feature|parameter|method|class|api|interface"
    r"|library|path|plugin|driver|setting|configuration|page|script|file"
)
_FIX_WORD = r"(?:fix|patch|update|upgrade|correct|remed|mitigat|workaround|protect|defen[cs]|check)"
_FLAW_KIND = (
    r"(?:injection|overflow|overread|over-read|traversal|bypass|disclosure|deseriali[sz]ation|escalation|forgery"
    r"|scripting|use-after-free|xss|csrf|ssrf|hard-?coded|undocumented"
    # Memory-safety and other kinds release notes name: "close a heap out-of-bounds read".
    r"|out-of-bounds|memory\s+corruption|race(?:\s+condition)?|type\s+confusion|denial[- ]of[- ]service)s?\b"
)
_AFFECTED = (
    r"affect(?:s|ed|ing)?|impact(?:s|ed)|exposed\s+to|exploitable|susceptible|compromised|trojani[sz]ed|unpatched"
    rf"|vulnerable(?!\s+(?:{_TECH_NOUN})s?\b)|at\s+risk"
    r"|contain(?:s|ed|ing)?\s+(?:(?:the|a|an|this|that|same)\s+){0,2}"
    r"(?:flaw|vulnerabilit(?:y|ies)|bug|weakness|backdoor|malicious|defect)"
    # "... 3.3.5 and 3.3.6 contain a server-side template injection", "4.60 contains an
    # undocumented account": a kind of flaw after a few describing words (never a fix word).
    # "12.2.1.3.0 and 12.2.1.4.0 contain an unauthenticated deserialisation flaw": or the flaw
    # itself after those words.
    rf"|contain(?:s|ed|ing)?\s+(?:an?|the)\s+(?:(?!{_FIX_WORD})[\w-]+\s+){{0,3}}"
    rf"(?:{_FLAW_KIND}|(?:flaw|vulnerabilit(?:y|ies)|bug|weakness|hole|defect)s?\b)"
    # "Contact Form 7 5.3.1 has an unrestricted upload flaw", "1.4.11 suffers from a bug": a build
    # that has a flaw (a few describing words between, none a fix word or a preposition).
    r"|(?:ha[sd]|have|carr(?:y|ies|ied)|suffer(?:s|ed)?\s+from|harbou?r(?:s|ed)?|expos(?:e|es|ed))\s+"
    # A describing word may hold a digit: "has a V8 type confusion flaw", "an L2 bypass".
    rf"(?:an?|the|this|two|several|multiple)\s+(?:(?!{_FIX_WORD}|for\b|to\b|of\b|in\b|on\b|that\b|which\b)[a-z0-9-]+\s+){{0,3}}"
    r"(?:(?:flaw|vulnerabilit(?:y|ies)|bug|weakness|hole|defect)s?|weaknesses|"
    rf"{_FLAW_KIND})"
    r"|(?:is|are|was|were)\s+(?:also\s+)?hit\b"  # "FortiManager and FortiAnalyzer are hit as well: ..."
    # "the backdoor is limited to 5.6.0 and 5.6.1", "the flaw is confined to 4.2 builds": what the
    # flaw reaches, said by its limits.
    r"|(?:is|are|was|were)\s+(?:only\s+)?(?:limited|confined|restricted)\s+to\b"
    # "4.2.1 is exposed", "builds that remain exposed": a build left open, said in one word.
    r"|(?:is|are|was|were|remains?|stays?|left)\s+(?:still\s+)?exposed\b"
    r"|(?:is|are|was|were|remains?|stays?|left)\s+(?:still\s+|wide\s+)?open\s+to\b"  # "remain open to the bypass"
    # "The same injection (CVE-...) also reaches the USG router on V2.00": a flaw that reaches
    # or extends to a product is in it (a fix never reaches a flaw in these words).
    rf"|(?:(?:flaw|vulnerabilit(?:y|ies)|bug|weakness|issue)s?|{_FLAW_KIND})\s+(?:\([^()]*\)\s+)?(?:also\s+)?"
    r"(?:reach(?:es|ed)?|extends?\s+to|spread(?:s)?\s+to)\b"
    r"|exist(?:s|ed)?\s+in|(?:lies|resides|(?:is|are|was|were)\s+present)\s+in"
    r"|(?:issue|flaw|vulnerabilit(?:y|ies)|bug|weakness)s?\s+(?:was|were|has\s+been|have\s+been|is|are)\s+"
    r"(?:found|discovered|identified|reported)\s+in"
    r"|malicious\s+(?:version|build|release|update|installer|package)s?"
    # "builds 18.12.407 and 18.12.416, which shipped a malicious ffmpeg.dll": a build that
    # carries something malicious is compromised, whatever the thing is called.
    r"|(?:ship(?:s|ped)?|bundle[sd]?|carr(?:y|ies|ied)|include[sd]?|contain(?:s|ed)?)\s+(?:an?|the)\s+malicious\b"
    # "may let a man-in-the-middle attacker read": a describing word may be hyphenated.
    r"|(?:allow(?:s|ed)?|lets?)\s+(?:an?\s+)?(?:[\w-]+\s+){0,2}(?:attackers?|adversar(?:y|ies)|threat\s+actors?)"
    # "1.10.1 let a non-server agent reach server-only calls", "allows any logged-in user to":
    # what a flawed release lets some unnamed party do (an indefinite party: "lets admins
    # disable telnet" names a feature's users).
    # "it allows path traversal and remote code execution in 2.4.49": what a flawed release
    # allows, named as the kind of flaw.
    rf"|(?:allow(?:s|ed)?|permit(?:s|ted)?|enable(?:s|d)?)\s+(?:(?!{_FIX_WORD})[\w-]+\s+){{0,2}}"
    rf"(?:{_FLAW_KIND}|(?:code|command)\s+execution)"
    r"|(?:allow(?:s|ed)?|lets?|permit(?:s|ted)?)\s+(?:an?|any)\s+(?:[\w-]+\s+){0,3}?"
    r"(?:users?|agents?|clients?|accounts?|callers?|insiders?|part(?:y|ies)|actors?|holders?|peers?|guests?)"
    # What a flawed release does, in CVE descriptions: "7-Zip 24.06 mishandles ...", "can crash".
    r"|mishandle[sd]?|(?:can|could|may)\s+(?:be\s+made\s+to\s+)?crash"
    # "7.2.0 can be made to run code", "can be tricked into loading": a release an attacker can
    # steer; "an attacker could bypass the integrity check in 7.4.3": a check the flaw defeats.
    r"|(?:can|could|may|might)\s+be\s+(?:made|tricked|forced|coerced|abused)\s+(?:to|into)"
    r"|(?:can|could|may|might)\s+(?:then\s+)?(?:bypass|circumvent|evade|defeat)"
)
AFFECTED_CUE = re.compile(rf"\b(?:{_AFFECTED})\b", re.IGNORECASE)
AFFECTED_AT = re.compile(rf"(?:{_AFFECTED})\b", re.IGNORECASE)  # at the start of a token window

# ------------------------------------------------------------------- what a release does to a flaw
# What a flaw is called: "a hole", "an SQL injection flaw", "two bugs", "the weakness".
FLAW_NOUN = re.compile(
    rf"(?:flaw|vulnerabilit(?:y|ies)|bug|weakness(?:es)?|hole|defect|issue|problem|backdoor)s?|{_FLAW_KIND}",
    re.IGNORECASE,
)
# "site owners should update WordPress Automatic to 3.92.1", "we urge admins to update": "update"
# after a word that asks for it is the fix verb, whatever stands between it and its "to".
URGING = frozenset({"should", "must", "to", "please", "promptly", "immediately", "urgently"})

# Words that open the flaw's noun phrase after the verb: "plug a hole", "seal two flaws".
FLAW_DETERMINERS = frozenset(
    {"a", "an", "the", "this", "that", "these", "those", "its", "their", "another", "both", "several", "multiple"}
    | {"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "one"}
)
# Particles of a phrasal verb before the flaw: "deal with a hole", "stamp out a bug".
VERB_PARTICLES = frozenset({"with", "out", "off", "up", "away", "down", "against", "on"})
# Verbs a build does to a flaw it has, never to one it fixes: "5.3.1 has a flaw", "1.4.11 and
# 1.4.10 carry the bug", "users of 2.1 face a hole". Forms of "be" and "have" included.
HAVING_VERBS = frozenset(
    {"has", "have", "had", "having", "is", "are", "was", "were", "be", "been", "being", "remain", "remains"}
    | {"contain", "contains", "contained", "include", "includes", "included", "carry", "carries", "carried"}
    | {"suffer", "suffers", "suffered", "harbour", "harbours", "harbor", "harbors", "expose", "exposes", "exposed"}
    | {"introduce", "introduces", "introduced", "reintroduce", "reintroduces", "reintroduced", "inherit", "inherits"}
    | {"ship", "ships", "shipped", "bundle", "bundles", "embed", "embeds", "keep", "keeps", "kept", "retain", "retains"}
    | {"face", "faces", "faced", "see", "sees", "saw", "hit", "hits", "trigger", "triggers", "open", "opens", "opened"}
    | {"get", "gets", "got", "use", "uses", "used", "run", "runs", "report", "reports", "reported", "show", "shows"}
    | {"still", "also", "all", "both", "only", "each", "may", "might", "can", "could", "would", "will", "do", "does"}
)
