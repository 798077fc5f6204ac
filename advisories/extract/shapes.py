"""What a version string's shape says: its branch, whether it extends a label, whether it is
a truncated or mangled copy of a known build.

Pure string work on the vendor's own spelling; ordering questions go to `versions.compare`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import permutations

_RELEASE_BUILD = re.compile(r"^(\d+(?:\.\d+)*)(?:(?:-\d+(?:\.\d+)*[a-z]{0,2})+|-R\d+|[Rr]\d+(?:\.\d+)*(?:-S\d+)?)$")
_UPDATE = re.compile(r"^(\d+(?:\.\d+)*)\s?U\d+[a-z]?$")
# Siemens "V11.5.1", kubelet "v1.27.4"; QNAP's per-OS letter, QuTS hero "h5.1.5.2647",
# QuTScloud "c5.1.5.2651" (lexicon.VERSION reads a lower-case letter only before X.Y.Z).
_SIEMENS_V = re.compile(r"^(?:[Vv]\d|[a-z](?=\d+\.\d+\.\d))")
_NAMED_UPDATE = re.compile(r"\s(?:Patch|Update)\s")
_NUMERIC_HEAD = re.compile(r"^\d+(?:\.\d+)*")
_PLAIN = re.compile(r"^\d+(?:\.\d+)*$")
# Citrix Workspace app releases are named by year and month: 2311, 2403.1 (YYMM, YYMM.n).
# They are one numbering that runs on from release to release, not a branch each: "before
# 2403.1" covers 2402 and 2311 too.
_YYMM = r"(?:1[89]|[2-9]\d)(?:0[1-9]|1[0-2])"  # from 2018: the first Workspace app was 1808
_CALENDAR = re.compile(rf"^{_YYMM}(?:\.\d{{1,3}})?$")
# An LTSR and its updates, as Citrix writes them: "2203.1 LTSR CU6 Hotfix 2", "2402 LTSR CU1".
# An update only counts inside its own LTSR, whose release leads the text.
_LTSR = re.compile(r"^(\d+(?:\.\d+)*)\s+LTSR\b(?P<update>\s+CU)?", re.IGNORECASE)
# Shapes seen in the vendors' own data (VERSIONS.md table e); anything else is "unusual".
_USUAL = re.compile(
    r"^\d+(?:\.\d+){1,3}(?:(?:-\d+(?:\.\d+)?[a-z]{0,2})+|-R\d+|-(?:alpha|beta|rc)\d*|[Rr]\d+(?:\.\d+)?|[a-z]{1,2}\d?)?"
    r"(?:-h\d+|-S\d+)?(?:\+[0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*)?$"
    rf"|^{_YYMM}(?:\.\d{{1,3}})?(?:\s+LTSR(?:\s+CU\d+(?:\s+Hotfix\s\d+)?)?)?$"  # Citrix Workspace (README)
)


# Zyxel's model build after its release, "V5.21(AAZF.17)C0", "6.70(ABVT.4)": a known shape.
_MODEL_BUILD = re.compile(r"\([A-Z]{4}\.\d+\)(?:C\d+)?$")
_BRACKET = re.compile(r"\([^()]*\)")


def bracketed(version: str) -> bool:
    """ "15.2(4)M11", "9.8(4.20)": a build with a bracket in it that is no known shape; read
    whole, but how it orders against other builds is the vendor's own scheme, so it is a
    reading to check, not one to alert on."""
    return bool(_BRACKET.search(version)) and not _MODEL_BUILD.search(version)


def is_release_build(version: str) -> bool:
    """Citrix 13.1-49.13 and Ivanti 22.7R2.5: a build number that only counts inside its release."""
    return bool(_RELEASE_BUILD.match(version))


def is_calendar_release(version: str) -> bool:
    """Citrix Workspace app's 2311 and 2403.1: one running numbering, with no branch to scope to."""
    return bool(_CALENDAR.match(version))


def is_line_update(version: str) -> bool:
    """Citrix's "2402 LTSR CU1": an update that only counts inside its LTSR (2402)."""
    m = _LTSR.match(version)
    return bool(m and m.group("update"))


def branch(version: str) -> str:
    """The line a version belongs to, as the vendor spells it.

    Release-build and update forms keep their release (13.1-49.13 -> 13.1, 22.7R2.5 -> 22.7,
    7.0 U2b -> 7.0), an LTSR form its LTSR (2203.1 LTSR CU6 Hotfix 2 -> 2203, the month's
    release, whatever its point; 7.15 LTSR CU9 -> 7.15); otherwise the numeric head minus its
    last part (7.2.4 -> 7.2, 15.2.1118.20 -> 15.2.1118, 17.9.4a -> 17.9), which is each
    vendor's patch line.
    """
    if _SIEMENS_V.match(version):
        return version[0] + branch(version[1:])
    ltsr = _LTSR.match(version)
    if ltsr:
        release = ltsr.group(1)
        return release.split(".")[0] if is_calendar_release(release) else release
    for shape in (_RELEASE_BUILD, _UPDATE):
        m = shape.match(version)
        if m:
            return m.group(1)
    head = _NUMERIC_HEAD.match(version)
    if not head:
        return version
    parts = head.group(0).split(".")
    return ".".join(parts[:-1]) if len(parts) > 1 else parts[0]


def fix_line(version: str) -> str | None:
    """The release line a fixed build speaks for, or None when the build does not show one.

    The first two numeric parts (7.2.5 -> 7.2, 120.0.6099.129 -> 120.0, 15.2.1544.14 -> 15.2,
    10.2.9-h1 -> 10.2); a release-build or update form keeps its release (13.1-49.13 -> 13.1,
    22.7R2.5 -> 22.7, 8.0 U2b -> 8.0), an LTSR update its LTSR; a two-part build its major
    (2.442 -> 2), but not an X.0 (5.0 starts a line). A single number (build 14004), a patch
    name (ESXi80U2sb-23305545) or a date-like string shows no line: the caller says "check
    manually" instead of guessing.
    """
    if _SIEMENS_V.match(version):  # "V34.0.250" is on the V34.0 line
        line = fix_line(version[1:])
        return None if line is None else version[0] + line
    if _NAMED_UPDATE.search(version):
        return None  # "3.3 Patch 7": the patch's own numbering, not a build on the 3.3 line
    if _LTSR.match(version) or _RELEASE_BUILD.match(version) or _UPDATE.match(version):
        release = branch(version)
        # SonicOS 7.0.1-5035, SMA 12.4.3-02804: a build of a three-part release is on the
        # release's own X.Y line, as any other build is; Citrix's 13.1-49.13 stays on 13.1.
        return ".".join(release.split(".")[:2])
    head = _NUMERIC_HEAD.match(version)
    if not head or date_like(version):
        return None
    parts = head.group(0).split(".")
    if len(parts) == 1 or (len(parts) == 2 and int(parts[1]) == 0 and head.group(0) == version):
        return None  # "move to 5.0", "19.0": a new line's first release, no earlier build on it
    if len(parts) == 2 and head.group(0) != version:
        # "9.3p2", "v9.705 MR5", "2024.1 SR 1": a patch or maintenance release of the X.Y
        # release it names, so on that release's line (a bare 2.442 is a build of line 2).
        return head.group(0)
    return ".".join(parts[:2]) if len(parts) > 2 else parts[0]


# A version a spreadsheet or a re-publisher turned into a date: 11/18/1213, 7/2/2004, 07.02.2004.
_DATE_LIKE = re.compile(r"^\d{1,4}/\d{1,4}/\d{1,5}$|^(?:0?[1-9]|[12]\d|3[01])\.(?:0?[1-9]|1[0-2])\.(?:19|20)\d{2}$")


def date_like(version: str) -> bool:
    return bool(_DATE_LIKE.match(version))


def next_branch(line: str) -> str:
    """The first version past a whole line: 1.2 -> 1.3, 9 -> 10 (exact under numeric order)."""
    parts = line.split(".")
    parts[-1] = str(int(parts[-1]) + 1)
    return ".".join(parts)


def extends(longer: str, label: str) -> bool:
    """True when `longer` is a version inside the line `label` names (13.1 -> 13.1-49.15)."""
    if not longer.startswith(label) or longer == label:
        return False
    nxt = longer[len(label)]
    return nxt in ".-Rr " or nxt.isalpha()


def is_plain_line(version: str) -> bool:
    """A bare major.minor such as Citrix "12.1": maybe a release line, not a build."""
    return bool(_PLAIN.match(version)) and version.count(".") == 1


def versionlike(version: str) -> bool:
    """Starts with a number: "7.0 U2b" is a version, "ESXi70U1c-17325551" a patch name."""
    return bool(_NUMERIC_HEAD.match(_unprefixed(version)))


def unusual(version: str) -> bool:
    return not _USUAL.match(_unprefixed(version))


def _unprefixed(version: str) -> str:
    return version[1:] if _SIEMENS_V.match(version) else version


def suggest(version: str, known_builds: Sequence[str]) -> str | None:
    """The one known build a mangled or truncated version must be, or None when unclear.

    Truncated: "12.407" is the tail of 18.12.407. Mangled: "11/18/1213" holds the parts of
    18.11.1213 in another order. Only a unique candidate counts as a clear reading.
    """
    if not known_builds or version in known_builds:
        return None
    parts = re.split(r"[./]", version)
    found = {
        b for b in known_builds if (b.endswith("." + version) or _lost_a_separator(version, b)) and "/" not in version
    }
    if "/" in version:
        found = {".".join(p) for p in permutations(parts)} & set(known_builds)
    return found.pop() if len(found) == 1 else None


def truncated(version: str, known_builds: Sequence[str]) -> bool:
    """A version that is a known build with its leading part(s) dropped (pitfall 13), or with a
    separator lost inside it ("1.6.20720" for 1.6.2-0720)."""
    if not known_builds or version in known_builds:
        return False
    return any(b.endswith("." + version) or _lost_a_separator(version, b) for b in known_builds)


def _lost_a_separator(version: str, build: str) -> bool:
    """The same digits as a known build, in order, with fewer separators between them."""
    digits = _SEPARATORS.sub("", version)
    fewer = len(_SEPARATORS.findall(version)) < len(_SEPARATORS.findall(build))
    return fewer and digits == _SEPARATORS.sub("", build) and version[:1] == build[:1]


_SEPARATORS = re.compile(r"[.\-_]")


def dropped_major(version: str, siblings: Sequence[str]) -> bool:
    """Without known builds: "12.407" listed next to "18.12.402" lost its "18." prefix."""
    mine = version.split(".")
    for other in siblings:
        theirs = other.split(".")
        if len(theirs) == len(mine) + 1 and theirs[1] == mine[0] and _PLAIN.match(other):
            return True
    return False
