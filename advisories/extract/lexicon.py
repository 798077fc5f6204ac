"""The words and patterns prose advisories use around versions: version shapes, operators,
platforms and list words (noise and dates: `noise`; fixed and affected cues: `cue_words`).

Kept apart from the grammar so a new phrasing is one line here, not a new rule there.
"""

from __future__ import annotations

import re

from advisories import products

# ---------------------------------------------------------------------------- versions
# One version as printed. `core` keeps the vendor's own spelling; the alternatives cover
# Citrix 13.1-49.13, Log4j 2.0-beta9, Ivanti 22.7R2.5, OpenSSL 1.1.1t / Cisco 17.9.4a,
# VMware "7.0 U2b", wildcards "9.x", and slash triples that are mangled builds (11/18/1213).
# A leading "V" or "v" is kept as the vendor prints it (Siemens "V11.6.2", kubelet "v1.27.4",
# QNAP "v16.0.0415"); the version schemes read past it.
# Citrix names an LTSR's updates in words, "2203.1 LTSR CU6 Hotfix 2", "2402 LTSR CU1": kept
# whole, since the update is the version (the citrix-workspace schemes read CU6 Hotfix 2 as
# 22.3.6002), and `ltsr` marks its line. A release with LTSR after it ("2203 LTSR", "2402
# LTSR") is the release, LTSR its line (`variant`); an undotted one is a version only then
# or right next to a bound ("before 2311": lookaround.is_build_number).
VERSION = re.compile(
    # A letter before the number is kept: Siemens "V11.5.1", kubelet "v1.28.0", and QNAP's
    # per-OS letter before a three-part or longer build (QuTS hero "h5.1.5.2647").
    r"(?<![\w.\-/])(?P<vee>[Vv](?=\d+\.\d)|[a-uw-z](?=\d+\.\d+\.\d))?v?"
    r"(?P<core>"
    r"\d+(?:\.\d+)*\.[xX*](?![\w])"
    r"|\d{1,4}/\d{1,4}/\d{1,5}"
    r"|\d+(?:\.\d+)*\s+(?P<ltsr>LTSR)\s+(?i:CU\s?\d+(?:\s+(?:hotfix|HF)\s?\d+)?)"
    r"|\d{4}(?=\s+LTSR\b)"
    r"|\d{1,2}u\d{1,4}(?:-[a-z]{2,8})?"  # Oracle Java "8u431", "8u431-perf"
    r"|R[6-9]\d(?:\.\d{1,2})?"  # Check Point "R81.20", "R81", "R80.40": the R is the release's own
    r"|\d{2,5}\.v[0-9a-f]{8,}(?:_[0-9a-f]+)*"  # Jenkins plugin "1335.vf07d9ce377a_e": a build and its commit
    r"|\d_\d+(?:\.\d+)+"  # TP-Link firmware "1_1.1.6": the hardware revision and the release
    r"|\d{1,2}-20\d{2}(?:0[1-9]|1[0-2])(?![\d-])"  # Cisco SSM On-Prem "8-202206": a release and its month
    # Ivanti EPM "2022 SU5", ColdFusion "2021 Update 6": a release year and its service update
    r"|(?:19|20)\d{2}\s(?:(?:SU|SP|SR)\s?\d+|Update\s\d+)"  # also "2022 SU 5"
    r"|\d+(?:\.\d+)+"
    # Tomcat's milestones are "11.0.0-M1" and "9.0.0.M1"; SonicOS builds "5.9.2.14-12o".
    # SonicOS also "6.5.4.4-44v-21-1452" (a build of a build), "7.0.1-R579", SMA "10.2.0.8-37sv".
    r"(?:(?:-\d+(?:\.\d+)*[a-z]{0,2})+|-R\d+|[-._](?:alpha|beta|Beta|BETA|rc|RC|pre|m|M)[.-]?\d*|[Rr]\d+(?:\.\d+)*|[a-z]{1,2}\d*"
    r"|\s?U\d+[a-z]?)?"
    r"(?:-(?:h|hf|hotfix)\d+)?"  # PAN-OS 11.1.2-h3: a hotfix of the release before it
    r"(?:-[pr]\d+)?"  # Adobe Commerce 2.4.3-p1, Juniper SSR 6.3.3-r2: a patch or revision of it
    r"(?:-S\d+)?"  # Junos 20.4R3-S9: a service release of 20.4R3
    r"(?:_(?:U|Update)?\d+)?"  # CrushFTP "11.3.4_23": the build of 11.3.4; WatchGuard "12.7.2_U1", "_Update1"
    r"(?:\([A-Z]{4}\.\d+\)(?:C\d+)?"  # Zyxel "V5.21(AAZF.17)C0", "6.70(ABVT.4)": the model's build of V5.21
    # Any other bracket glued to the number ("15.2(4)M11", "9.8(4.20)") is part of the build
    # too: cut at the bracket, the reading would be a shorter, wrong version (and the operator
    # after it lost). Kept whole, and marked for review (shapes.bracketed).
    r"|\([0-9A-Za-z.]{1,12}\)[0-9A-Za-z]{0,6})?"
    r"(?:-(?:lts|sts))?"  # Juniper SSR "6.1.9-lts": the support track is part of the name
    # Sophos "v19.0 MR1", "V7.4 SP1", Mitel "9.4 SP1 FP1", SolarWinds "2024.1 SR 1" (a service release)
    # ... and with a space before the number, as "2024.1 SR 1" is: "7.50 SP 23", "10.4 MR 2".
    r"(?:\s(?:MR|SU|SP|SR)\s?\d+(?:\s(?:FP|HF)\s?\d+)?)?"
    r"(?:\sGA\b)?"  # Sophos "19.5 GA": the general-availability release is the version
    r"(?:\s(?:HF|Hotfix)\s?\d+)?"  # SolarWinds "15.4.2 HF 1": the hotfix is the build
    r"(?:\s(?:Patch|Update)\s\d+[a-z]?)?"  # Cisco ISE "3.3 Patch 7", ESXi "8.0 Update 3d"
    r"(?:\+[0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*)?"  # semver build metadata: Grafana "11.0.5+security-01"
    r")"
    r"(?P<variant>-?(?:FIPS|NDcPP)|\s+LTSR\b)?"
    r"(?P<alt>(?:/\.\d+)+|(?:/\d{1,5}(?![\d./]))+)?"
    r"(?![\w]|\.\d|\s*(?:%|percent|million|billion|thousand|[KMGT]B\b))"
)
WILDCARD = re.compile(r"^(\d+(?:\.\d+)*)\.[xX*]$")
SLASHED = re.compile(r"^\d{1,4}/\d{1,4}/\d{1,5}$")

# ----------------------------------------------------------------------------- operators
# Operator families (phrase -> family). Longer phrases are tried first.
#   pre_fixed   "before X": X is the first fixed version (exclusive)
#   pre_last    "up to X": X is the last affected version (inclusive)
#   post_last   "X and earlier"
#   post_later  "X and later"      pre_later "starting with X"
#   infix       "X through Y" (inclusive)      between "between X and Y"
#   fix         "fixed in X", "upgrade to X": X fixes its own branch
#   all         "all versions"
#   neg         the clause says something is NOT affected
#   excl        "excluding X, Y": those versions are carved out, never affected
OPERATORS: dict[str, str] = {
    "before": "pre_fixed",
    "prior to": "pre_fixed",
    "earlier than": "pre_fixed",
    "older than": "pre_fixed",
    "lower than": "pre_fixed",
    "less than": "pre_fixed",
    "below": "pre_fixed",  # "a build number below 15.2.1544.14"; "X and below" is longer, tried first
    "<": "pre_fixed",
    "up to but not including": "pre_fixed",
    "up to and including": "pre_last",
    "up to": "pre_last",
    "<=": "pre_last",
    "=<": "pre_last",
    "and earlier": "post_last",
    "and all previous versions": "post_last",
    "and all earlier versions": "post_last",
    "and all earlier": "post_last",  # "8.8.1 and all earlier releases", "... earlier version 12 builds"
    "and all older": "post_last",
    "and all prior": "post_last",
    "and all prior versions": "post_last",
    "and previous versions": "post_last",
    # "7.0.41.1141 (and any earlier build)", "2.3 or any earlier release".
    **{
        f"{conj} any {adj} {noun}": "post_last"
        for conj in ("and", "or")
        for adj in ("earlier", "older", "previous", "prior")
        for noun in ("build", "builds", "version", "versions", "release", "releases")
    },
    "and earlier versions": "post_last",
    "or previous versions": "post_last",
    "or earlier versions": "post_last",
    "and prior": "post_last",
    # Ivanti's "4.6 Patch 518 and before"; "and before 4.44.3" is a bound of its own (BOUND_NEXT).
    "and before": "post_last",
    "or before": "post_last",
    "and below": "post_last",
    "and older": "post_last",
    "and lower": "post_last",
    "or earlier": "post_last",
    "or older": "post_last",
    "or below": "post_last",
    "or lower": "post_last",
    "and later": "post_later",
    "and above": "post_later",
    "and newer": "post_later",
    "and higher": "post_later",
    "or later": "post_later",
    "or above": "post_later",
    "or newer": "post_later",
    "or higher": "post_later",
    # "update to 3.92.1 or a higher version": the fixed release and those after it.
    **{
        f"or {det} {adj} {noun}": "post_later"
        for det in ("a", "any")
        for adj in ("higher", "later", "newer")
        for noun in ("version", "release", "build")
    },
    "onwards": "post_later",
    "and up": "post_later",
    "starting with": "pre_later",
    "starting from": "pre_later",
    "starting at": "pre_later",
    "from": "pre_later",
    "since": "pre_later",
    "at least": "pre_later",
    ">=": "pre_later",
    "through": "infix",
    "thru": "infix",
    "to": "infix",
    "-": "infix",
    "between": "between",
    "fixed in": "fix",
    "fixed versions": "fix",
    "fixed version": "fix",
    "fixed releases": "fix",
    "fixed release": "fix",
    "first fixed release": "fix",
    "first fixed": "fix",
    "patched in": "fix",
    "resolved in": "fix",
    "addressed in": "fix",
    "upgrade to": "fix",
    "upgrading to": "fix",
    "update to": "fix",
    "updated to": "fix",
    "updating to": "fix",
    # "Customers running an affected release should move to 5.3.18": urged to move, the release is the fix.
    **{f"{modal} {verb} to": "fix" for modal in ("should", "must", "please") for verb in ("move", "migrate", "switch")},
    # Announcements name the release that fixes: "Google has released Chrome 120.0.6099.129",
    # "After installation the build number is 15.2.1544.14", "the patch is included in 11.10.0.2".
    "released": "fix",
    "build number is": "fix",
    "build numbers are": "fix",
    "build number will be": "fix",
    "report build number": "fix",
    "reports build number": "fix",
    "show build number": "fix",
    "shows build number": "fix",
    "included in": "fix",
    # "the bulletin moves customers to 8.0.5", "brings users to", "takes admins to": a verb of
    # moving the product's people to a release names the release that fixes.
    **{
        f"{verb} {det}{people} to": "fix"
        for verb in (
            *("move", "moves", "moved", "moving", "bring", "brings", "brought", "bringing"),
            *("take", "takes", "took", "taking", "get", "gets", "got", "getting"),
        )
        for det in ("", "all ", "its ", "their ", "our ", "your ", "existing ")
        for people in ("customers", "users", "admins", "administrators", "operators", "owners", "clients")
    },
    "all supported versions": "all",
    "all supported builds": "all",
    "all versions": "all",
    "all releases": "all",
    "all builds": "all",
    "every version": "all",
    "every release": "all",
    "every build": "all",
    "not affected": "neg",
    "not vulnerable": "neg",
    "not impacted": "neg",
    "not susceptible": "neg",
    "unaffected": "neg",
    "does not affect": "neg",
    "do not affect": "neg",
    "all clear": "neg",
    # "9.0, 9.1 and 10.1 were never affected", "isn't vulnerable", "have not been impacted".
    **{
        f"{neg} {state}": "neg"
        for neg in ("not", "never", "never been", "not been", "no longer", "isn't", "aren't", "wasn't", "weren't")
        for state in ("affected", "vulnerable", "impacted", "susceptible", "exposed")
    },
    "excluding": "excl",
    "except": "excl",
    "other than": "excl",
    "with the exception of": "excl",
    "apart from": "excl",
    "aside from": "excl",
}
# A version right after "and before" / "or before": "starting with 4.25 and before 4.44.3".
BOUND_NEXT = re.compile(r"\s+(?:(?:versions?|builds?|releases?)\s+)?[Vv]?\d")
PRE_FAMILIES = frozenset({"pre_fixed", "pre_last", "pre_later", "fix"})


def _phrase(p: str) -> str:
    body = r",?\s+".join(re.escape(w) for w in p.split())  # "up to, but not including"
    return body if not p[0].isalpha() else rf"\b{body}\b"


OPERATOR = re.compile("|".join(_phrase(p) for p in sorted(OPERATORS, key=len, reverse=True)), re.IGNORECASE)

# ---------------------------------------------------------------------------- platforms
PLATFORM = re.compile(
    r"\b(?:Microsoft\s+)?[Ww]indows\b|\b[Mm]ac\s?OS(?:\s?X)?\b|\bOS\s?X\b|\bMac\b"
    r"|\b[Ll]inux\b|\biOS\b|\biPadOS\b|\b[Aa]ndroid\b"
)


def platform_of(word: str) -> str:
    w = word.lower()
    if "windows" in w:
        return "windows"
    if "mac" in w or "os x" in w or "osx" in w:
        return "macos"
    if "linux" in w:
        return "linux"
    if "android" in w:
        return "android"
    return "ios"


# A flaw limited to one platform: "Windows users only", "applies to Windows hosts only",
# "Only Firefox on Windows is affected", "only affects Windows" (extract._scope_to_platform).
_OS = r"Windows|macOS|Mac|Linux"
PLATFORM_ONLY = re.compile(
    rf"\b(?P<own>{_OS})\s+(?:(?:users|hosts|systems|machines|devices|installations|builds|clients)\s+)?only\b"
    rf"|\bonly\s+(?:[\w+-]+\s+){{0,3}}(?:on|for|under)\s+(?P<on>{_OS})\s+(?:is|are)\s+(?:affected|vulnerable)\b"
    rf"|\b(?:only\s+affects?|affects?\s+only)\s+(?:\w+\s+){{0,2}}?(?:on\s+)?(?P<affects>{_OS})\b",
    re.IGNORECASE,
)
PLATFORM_WORDS = frozenset({"windows", "macos", "mac", "linux", "ios", "ipados", "android"})
# Operating systems with no platform of their own in the schema: "On Linux and FreeBSD, ..."
# names two systems, so it limits the statement to neither.
OTHER_OS = frozenset({"freebsd", "openbsd", "netbsd", "solaris", "aix", "hp-ux", "unix", "chromeos", "illumos"})
# Things an OS name may describe that are not where the product runs: "lets Linux containers
# reach the API", "a Windows registry key", "the Linux kernel".
OS_THINGS = frozenset(
    {"container", "containers", "kernel", "kernels", "subsystem", "shell", "registry", "service", "services"}
    | {"path", "paths", "file", "files", "command", "commands", "process", "processes", "account", "accounts"}
    | {"domain", "domains", "credentials", "defender", "firewall", "sandbox"}
)

# -------------------------------------------------------------------------------- words
# Words that may sit inside a version list without ending it ("version 7.2.4 and below,
# version 7.0.11 and below"). Any other word ends a distributed operator ("before A, B").
FILLER = frozenset(
    {"version", "versions", "release", "releases", "build", "builds", "and", "or", "the", "v"}
    | {"for", "on", "also", "only", "versions:", "version:"}
    | {"plus"}  # "2.1.0 through 2.1.3, plus 2.0 and 1.1": one more item of the same list
)
# Nouns after a line that say it is one: "earlier 4.x releases", "earlier version 12 builds".
RELEASE_NOUNS = frozenset({"release", "releases", "build", "builds", "version", "versions"})
# Nouns after a version that make it a branch label: "OpenSSL 3.0 users should ...".
LABEL_NOUNS = frozenset({"users", "customers", "branch", "line", "train", "series"})
# A release's standing, which names no other product: "the end-of-life PAN-OS 8.0".
STANDING = frozenset({"end-of-life", "eol", "unsupported", "legacy", "out-of-support", "deprecated", "retired", "old"})
# Ordinary words that may stand right before a version. Any other word there, starting a new
# list item ("... and libwebp 1.3.2"), names something outside the catalogue.
GLUE = (
    FILLER
    | LABEL_NOUNS
    | {
        *("all", "any", "every", "each", "both", "supported", "affected", "vulnerable", "unpatched"),
        *("patched", "fixed", "current", "previous", "earlier", "later", "older", "newer"),
        *("including", "namely", "then", "even", "at", "from", "in", "to", "via", "with", "is"),
        *("are", "was", "were", "be", "running", "runs", "see", "e.g", "i.e", "like", "as"),
        *("still", "showing", "shows", "reporting", "reports", "report", "remain", "remains"),
        # A release's standing and the verbs that hand a build over name no other product:
        # "the end-of-life 8.5.0 to 8.5.100", "premium support customers get 1.1.1zd".
        *STANDING,
        *("get", "gets", "receive", "receives", "install", "installs", "apply", "applies", "use", "uses"),
        *("download", "deploy", "need", "needs", "require", "requires", "ship", "ships", "move", "migrate"),
        # What the build is of, said in kind: "in firmware 10.2.1.10-62sv", "on ZLD firmware V5.00".
        *("firmware", "software"),
        # The verbs that say a flaw reaches a build: "..., hits 14.1 before 14.1-47.46".
        *("affects", "affect", "affecting", "hits", "hit", "impacts", "impacting", "reaches", "touches"),
    }
)
# Words naming a separate build line of the product before them (pitfall 8): "Jenkins 2.441
# and earlier, LTS 2.426.2 and earlier", "2203 LTSR". The catalogue's own list.
VARIANT_WORDS = products.VARIANT_WORDS
# Column headings of advisory tables whose cells never say "affected".
AFFECTED_COLUMN = re.compile(r"\b(?:affected|vulnerable|impacted)\b", re.IGNORECASE)
UNAFFECTED_COLUMN = re.compile(r"\b(?:unaffected|not\s+affected)\b", re.IGNORECASE)
FIXED_COLUMN = re.compile(r"\b(?:fixed|fix(?:es)?|solution|resolution|remediation|patched)\b", re.I)
CONJUNCTIONS = frozenset({"and", "or", ",", "&", "/", "nor"})
# Update labels that sit inside a list of builds without ending it: Exchange's "15.2.1258.39
# on CU13", "Exchange Server 2019 CU14", Windows "SP1".
UPDATE_LABEL = re.compile(r"^(?:CU|SU|RU|SP|HF)\d+$", re.IGNORECASE)
# Clause breaks inside a sentence: a negation or a fix after "but" talks about other versions;
# not a bound that closes the open range before it ("V11.5.1 or later but below V11.6.2").
CLAUSE_BREAK = re.compile(
    r";|(?<!later)(?<!above)(?<!higher)(?<!newer),?\s+\b(?:but|while|whereas|however)\b(?!\s+not\s+including)"
    r"(?!\s+(?:below|before|prior\s+to|earlier\s+than|lower\s+than)\b),?\s+",
    re.IGNORECASE,
)
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"'])")
BULLET = re.compile(r"^\s*(?:[-*•·◦▪‣]|\d{1,2}[.)]|#{1,6})\s+")
