"""The words that say what a clause states about its versions: fixed, or affected (extract/mood.py)."""

from __future__ import annotations

import re

# --------------------------------------------------------------------------------- moods
# A clause that talks about fixing and not about being affected lists fixed releases
# ("Fixes ... are available in 17.9.4a", "The November SUs (15.2.1118.20) address ...").
FIX_CUE = re.compile(
    # "GitLab 14.9.2, 14.8.5 and 14.7.7 remove a hardcoded password": what a release does to a
    # flaw, said with the verbs release notes use for it.
    r"\b(?:fix(?:es|ed)?|hotfix(?:es)?|patch(?:es|ed)?|resolve[sd]?|remediat\w*|upgrade[sd]?|upgrading"
    r"|remov(?:e|es|ed)|correct(?:s|ed)?|plug(?:s|ged)?|closes"
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
    r"(?:injection|overflow|overread|over-read|traversal|bypass|disclosure|deserial[iz]ation|escalation|forgery"
    r"|scripting|use-after-free|xss|csrf|ssrf|hard-?coded|undocumented)s?\b"
)
_AFFECTED = (
    r"affect(?:s|ed|ing)?|impact(?:s|ed)|exposed\s+to|exploitable|susceptible|compromised|trojani[sz]ed|unpatched"
    rf"|vulnerable(?!\s+(?:{_TECH_NOUN})s?\b)|at\s+risk"
    r"|contain(?:s|ed|ing)?\s+(?:(?:the|a|an|this|that|same)\s+){0,2}"
    r"(?:flaw|vulnerabilit(?:y|ies)|bug|weakness|backdoor|malicious|defect)"
    # "... 3.3.5 and 3.3.6 contain a server-side template injection", "4.60 contains an
    # undocumented account": a kind of flaw after a few describing words (never a fix word).
    rf"|contain(?:s|ed|ing)?\s+(?:an?|the)\s+(?:(?!{_FIX_WORD})[\w-]+\s+){{0,3}}(?:{_FLAW_KIND})"
    r"|(?:is|are|was|were)\s+(?:also\s+)?hit\b"  # "FortiManager and FortiAnalyzer are hit as well: ..."
    r"|exist(?:s|ed)?\s+in|(?:lies|resides|(?:is|are|was|were)\s+present)\s+in"
    r"|(?:issue|flaw|vulnerabilit(?:y|ies)|bug|weakness)s?\s+(?:was|were|has\s+been|have\s+been|is|are)\s+"
    r"(?:found|discovered|identified|reported)\s+in"
    r"|malicious\s+(?:version|build|release|update|installer|package)s?"
    r"|(?:allow(?:s|ed)?|lets?)\s+(?:an?\s+)?(?:\w+\s+){0,2}(?:attackers?|adversar(?:y|ies)|threat\s+actors?)"
    # What a flawed release does, in CVE descriptions: "7-Zip 24.06 mishandles ...", "can crash".
    r"|mishandle[sd]?|(?:can|could|may)\s+(?:be\s+made\s+to\s+)?crash"
)
AFFECTED_CUE = re.compile(rf"\b(?:{_AFFECTED})\b", re.IGNORECASE)
AFFECTED_AT = re.compile(rf"(?:{_AFFECTED})\b", re.IGNORECASE)  # at the start of a token window
