"""Vendor schemes whose shapes the generic scheme cannot read correctly on its own.

Each parser returns None for a string that does not have the vendor's shape, which the
matcher reports as UNKNOWN ("check manually"), never as not affected.
"""

from __future__ import annotations

import re

from .core import ParsedVersion, clean
from .tokens import GENERIC_WORDS, parse_generic, render, token_key


def _ints(*parts: str | None) -> tuple[int, ...]:
    """Integers with trailing zeros dropped, so 22.7R2 == 22.7R2.0 and 13.1 == 13.1-0.0."""
    nums = [int(p) if p else 0 for p in parts]
    while nums and nums[-1] == 0:
        nums.pop()
    return tuple(nums)


# OpenSSL before 3.0: letters are patch levels after the base (z < za < zg); -betaN and
# -preN are pre-releases before it. From 3.0 the letters stop and it is semver-like.
_OPENSSL = re.compile(
    r"^(?:openssl[ _-]?)?(\d+)\.(\d+)(?:\.(\d+))?([a-z]*)"
    r"(?:-(alpha|beta|pre)(\d*))?(?:-(?:fips|dev))?$"
)
_OPENSSL_PRE = {"alpha": 0, "beta": 1, "pre": 2}


def parse_openssl(text: str) -> ParsedVersion | None:
    m = _OPENSSL.match(clean(text).lower())
    if not m:
        return None
    major, minor, patch, letters, pre, pre_n = m.groups()
    nums = (int(major), int(minor), int(patch or 0))
    pre_key = (1, 0) if pre is None else (0, _OPENSSL_PRE[pre], int(pre_n or 0))
    norm = "{}.{}.{}{}".format(*nums, letters)
    if pre is not None:
        norm += f"-{pre}{int(pre_n or 0)}"
    return ParsedVersion(text, "openssl", (nums, letters, pre_key), norm)


# Java: 8u381 == 1.8.0_381 == "8 Update 381" == Windows file version 8.0.3810.9.
_JAVA_LEGACY = re.compile(r"^(?:1\.)?(\d+)(?:u|\s*update\s*)(\d+)$")
_JAVA_DOTTED_OLD = re.compile(r"^1\.(\d+)(?:\.(\d+))?(?:_(\d+))?$")
_JAVA_WINDOWS = re.compile(r"^([1-8])\.0\.(\d{2,})\.(\d+)$")
_JAVA_MODERN = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?$")
# GA build numbers and vendor tags say nothing about the release order.
_JAVA_NOISE = re.compile(r"(?:-b\d+|\+\d+|-lts|-ga|-perf)+$")


def parse_java(text: str) -> ParsedVersion | None:
    s = _JAVA_NOISE.sub("", clean(text).lower().removeprefix("jdk-").removeprefix("jre-"))
    if m := _JAVA_LEGACY.match(s):
        key = _ints(m.group(1), "0", m.group(2))
    elif m := _JAVA_DOTTED_OLD.match(s):
        key = _ints(m.group(1), m.group(2), m.group(3))
    elif m := _JAVA_WINDOWS.match(s):
        # Windows: 8.0.3810.9 is update 381 (last digit: special release), build 9.
        update = int(m.group(2))
        key = _ints(m.group(1), "0", str(update // 10), str(update % 10))
    elif m := _JAVA_MODERN.match(s):
        key = _ints(*m.groups())
    else:
        return None
    return ParsedVersion(text, "java", key, ".".join(map(str, key)) or "0")


# Citrix NetScaler: release-build.patch, "13.1-49.13"; the banner form is cleaned in core.
_CITRIX = re.compile(r"^(\d+)\.(\d+)(?:\s*(?:-|\s)\s*(?:build\s*)?(\d+)(?:\.(\d+))?)?(?:\.nc)?$")


def parse_citrix(text: str) -> ParsedVersion | None:
    m = _CITRIX.match(clean(text).lower())
    if not m:
        return None
    major, minor, build, patch = (int(g or 0) for g in m.groups())
    return ParsedVersion(text, "citrix", _ints(*m.groups()), f"{major}.{minor}-{build}.{patch}")


# Ivanti / Pulse Secure: major.minor R release . patch, "22.4R2.1", "9.1r18.9".
_IVANTI = re.compile(r"^(\d+)\.(\d+)(?:\s*r\s*(\d+)(?:\.(\d+))?)?$")


def parse_ivanti(text: str) -> ParsedVersion | None:
    m = _IVANTI.match(clean(text).lower())
    if not m:
        return None
    major, minor, rel, patch = (int(g or 0) for g in m.groups())
    return ParsedVersion(text, "ivanti", _ints(*m.groups()), f"{major}.{minor}R{rel}.{patch}")


# Cisco classic IOS: 15.2(4)M7 = release 15.2, throttle 4, train M, rebuild 7. Trains are
# not totally ordered, so the train is the comparability line. IOS XE is dotted
# (17.9.4a, 17.09.04a, 17.9.1x1) and its rebuild letters sort after the base.
_IOS = re.compile(r"^(\d+)\.(\d+)\((\d+)([a-z]?)\)([a-z]*)(\d*)([a-z]?)$")
_IOS_XE = re.compile(r"^\d+\.\d+(?:\.\d+)*[a-z0-9]*$")


def parse_cisco_ios(text: str) -> ParsedVersion | None:
    s = clean(text).lower()
    if m := _IOS.match(s):
        major, minor, throttle, t_letter, train, rebuild, r_letter = m.groups()
        key = (int(throttle), t_letter, int(rebuild or 0), r_letter)
        line = ("ios", int(major), int(minor), train)
        norm = f"{int(major)}.{int(minor)}({int(throttle)}{t_letter}){train.upper()}"
        norm += f"{int(rebuild or 0)}{r_letter}"
        return ParsedVersion(text, "cisco-ios", key, norm, line)
    if _IOS_XE.match(s):
        tkey = token_key(s, GENERIC_WORDS)
        return ParsedVersion(text, "cisco-ios", tkey, render(tkey), ("xe",))
    return None


# VMware: "7.0 U1c", "7.0U3o", "ESXi 7.0 Update 3", "8.0 GA". Update N is the third number
# (ESXi 7.0 Update 3 reports itself as 7.0.3); the letter is a later patch of that update.
_VMWARE = re.compile(
    r"^(?:(?:vmware\s+)?(?:esxi|vcenter(?:\s+server)?)\s+)?(\d+)\.(\d+)"
    r"(?:\.(\d+)|\s*(?:u|update)\s*(\d+))?([a-z]?)(?:\s*ga)?$"
)


def parse_vmware(text: str) -> ParsedVersion | None:
    m = _VMWARE.match(clean(text).lower())
    if not m:
        return None
    major, minor, patch, update, letter = m.groups()
    nums = (int(major), int(minor), int(patch or update or 0))
    norm = f"{nums[0]}.{nums[1]}.{nums[2]}{letter}"
    return ParsedVersion(text, "vmware", (nums, letter), norm)


# Citrix Workspace app: Citrix names a release by year and month, "2403.1" (YYMM.n), and its
# bulletins and NVD's CPE ranges use that name; Windows, Intune and ConfigMgr report the same
# release dotted, 24.3.1.97 (YY.M.n.build). LTSR cumulative updates and their hotfixes count
# in thousands in the third number: 2203.1 LTSR CU6 is 22.3.6000.x, CU6 Hotfix 2 22.3.6002.x
# (CTX678036). Both forms become (year, month, n), so either side may use either form.
_WORKSPACE_RELEASE = re.compile(
    r"^(\d{2})(\d{2})(?:\.(\d{1,3}))?(\s*ltsr)?"
    r"(?:\s*(?:cu|cumulative[\s_]*update)[\s_]*(\d{1,2})"
    r"(?:\s*(?:hotfix|hot[\s_]*fix|hf)[\s_]*(\d{1,3}))?)?$"
)
_WORKSPACE_DOTTED = re.compile(r"^(\d{2})\.(\d{1,2})(?:\.(\d{1,5})(?:\.\d+)?)?$")
# Citrix never names the fourth (build) number: a release is all of its builds, so "fixed in
# 2403.1" clears 24.3.1.97 and "up to 2402" keeps 24.2.0.172.
_CU = 1000
# Each LTSR is a line of its own (VERSIONS.md pitfall 4): its cumulative updates get fixes
# the current release (CR) gets in a later release, so 2402 LTSR CU1 (24.2.1001.x) is neither
# before nor after CR 2403.1, and a CR bound says nothing about it (Relation.OTHER_LINE:
# unknown, "check manually"). The line is ("ltsr", year, month) of the LTSR's release.
LTSR_LINE = "ltsr"


def _read_workspace(text: str) -> tuple[int, int, int, bool] | None:
    """(year, month, n, whether the text says LTSR) of a Workspace app version, or None."""
    s = clean(text).lower()
    if m := _WORKSPACE_DOTTED.match(s):
        year, month, n = (int(g or 0) for g in m.groups())
        named = False
    elif m := _WORKSPACE_RELEASE.match(s):
        year, month = int(m.group(1)), int(m.group(2))
        point, cu, hotfix = (int(m.group(i) or 0) for i in (3, 5, 6))
        named = m.group(4) is not None
        if m.group(5) is None:
            n = point
        elif cu:  # a CU counts from its LTSR release, whatever that release's point ("2203.1")
            n = cu * _CU + hotfix
        else:
            return None  # "CU0" names no update
    else:
        return None  # "CU6 Hotfix 2" alone, "2402 Hotfix 1", Receiver's 4.9.9002: not placeable
    if month > 12:
        return None  # "2413" is no release
    return year, month, n, named


def parse_citrix_workspace(text: str) -> ParsedVersion | None:
    """The current-release reading. An LTSR update (n >= 1000: 22.3.6002.6116, "2402 LTSR
    CU1") and a version written with "LTSR" ("2203.1 LTSR", a bound of Citrix's LTSR line)
    are on that LTSR's line; everything else is on the CR line (None), the base LTSR release
    too: 24.2.0.172 is the very build of CR 2402, whichever track installed it."""
    read = _read_workspace(text)
    if read is None:
        return None
    year, month, n, named = read
    ltsr = named or n >= _CU
    line = (LTSR_LINE, year, month) if ltsr else None
    name = _workspace_name(year, month, n, ltsr)
    return ParsedVersion(text, "citrix-workspace", (year, month, n), name, line)


def parse_citrix_workspace_ltsr(text: str) -> ParsedVersion | None:
    """The LTSR reading, for statements about the LTSR product (catalogue scheme
    "citrix-workspace-ltsr"): every version is on the LTSR line of its release, so "2402",
    24.2.0.172 and "2402 LTSR CU1" compare with each other, and a 2203 LTSR bound says
    nothing about a 2402 LTSR build."""
    read = _read_workspace(text)
    if read is None:
        return None
    year, month, n, _ = read
    name = _workspace_name(year, month, n, True)
    return ParsedVersion(text, "citrix-workspace-ltsr", (year, month, n), name, (LTSR_LINE, year, month))


def _workspace_name(year: int, month: int, n: int, ltsr: bool) -> str:
    """Citrix's own name of the release: "2403.1", "2402 LTSR", "2203 LTSR CU6 Hotfix 2"."""
    release = f"{year:02d}{month:02d}"
    if n < _CU:
        point = f"{release}.{n}" if n else release
        return f"{point} LTSR" if ltsr else point
    hotfix = f" Hotfix {n % _CU}" if n % _CU else ""
    return f"{release} LTSR CU{n // _CU}{hotfix}"


# Siemens writes a release as a version plus named parts: "V17 Update 6", "V7.4 SP1 Update
# 14", "V5.6 SP2 HF3", "V9.0 Upd3", "V3.15 P038" (WinCC OA patch). The key is (major, minor,
# service pack, update, hotfix or patch), so "V7.4 Update 3" < "V7.4 SP1" < "V7.4 SP1 Update
# 14" < "V7.5", which the generic scheme cannot order (different label words).
_SIEMENS = re.compile(
    r"^v?(\d+)(?:\.(\d+))?((?:\s*(?:sp|service\s*pack|upd|update|hf|hotfix|p|patch)\s*\d+)*)$"
)
_SIEMENS_PART = re.compile(r"(sp|service\s*pack|upd|update|hf|hotfix|p|patch)\s*(\d+)")
_SIEMENS_SLOT = {"sp": 0, "servicepack": 0, "upd": 1, "update": 1, "hf": 2, "hotfix": 2, "p": 2, "patch": 2}
_SIEMENS_DOTTED = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?$")
# Inventories write these releases dotted. Four numbers are major.minor.SP.update (WinCC
# V7.5 SP2 Update 14 is 7.5.2.14); three are major.minor.update (TIA Portal V17 Update 6 is
# 17.0.6), so a three-number version cannot say which service pack it is on: it orders
# against releases without a service pack only, and "check manually" against the rest
# (`siemens_relation`). Its line marks it.
SIEMENS_THREE = ("siemens", 3)


def parse_siemens(text: str) -> ParsedVersion | None:
    s = clean(text).lower().replace("_", " ")
    if m := _SIEMENS.match(s):
        parts = [0, 0, 0]
        for word, number in _SIEMENS_PART.findall(m.group(3)):
            slot = _SIEMENS_SLOT[re.sub(r"\s+", "", word)]
            if parts[slot] or any(parts[slot + 1 :]):
                return None  # a part twice, or out of order ("HF3 SP2"): not a Siemens release
            parts[slot] = int(number)
        key = (int(m.group(1)), int(m.group(2) or 0), *parts)
        return ParsedVersion(text, "siemens", key, _siemens_name(key))
    if m := _SIEMENS_DOTTED.match(s):
        a, b, c = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if m.group(4) is None:
            return ParsedVersion(text, "siemens", (a, b, 0, c, 0), f"{a}.{b}.{c}", SIEMENS_THREE)
        key = (a, b, c, int(m.group(4)), 0)
        return ParsedVersion(text, "siemens", key, _siemens_name(key))
    return None


def _siemens_name(key: tuple[int, ...]) -> str:
    """Siemens' own spelling of a release: "V7.4 SP1 Update 14", "V17 Update 6"."""
    major, minor, sp, update, fix = key
    words = [f"V{major}.{minor}" if minor else f"V{major}"]
    words += [f"{w} {n}" if w == "Update" else f"{w}{n}" for w, n in (("SP", sp), ("Update", update), ("HF", fix)) if n]
    return " ".join(words)


def siemens_ordered(a: ParsedVersion, b: ParsedVersion) -> bool:
    """Whether two Siemens versions order: always, unless one is a three-number dotted
    version (which names no service pack) and the other names a service pack."""
    return not any(x.line == SIEMENS_THREE and y.line != SIEMENS_THREE and y.key[2] for x, y in ((a, b), (b, a)))


# The Windows installer of CPython reports its release as major.minor.FIELD where FIELD is
# micro * 1000 + level * 10 + serial (level 10 alpha, 11 beta, 12 rc, 15 final): Python 3.11.7
# is 3.11.7150.0, 3.13.0a1 is 3.13.101. Read as written, 3.11.7150 is above the fix 3.11.9 and
# a vulnerable install reads "not affected". Bounds from advisories (3.11.9) stay as written.
_PY_INSTALLER = re.compile(r"^(\d+)\.(\d+)\.(\d{3,})(?:\.0)?$")
_PY_LEVELS = {10: "alpha", 11: "beta", 12: "rc"}


def parse_python_windows(text: str) -> ParsedVersion | None:
    s = clean(text)
    if (m := _PY_INSTALLER.match(s)) and int(m.group(3)) >= 100:
        field = int(m.group(3))
        micro, level, serial = field // 1000, field % 1000 // 10, field % 10
        if level == 15:
            return parse_generic(f"{m.group(1)}.{m.group(2)}.{micro}")
        if level in _PY_LEVELS:
            return parse_generic(f"{m.group(1)}.{m.group(2)}.{micro}{_PY_LEVELS[level]}{serial}")
        return None  # not an installer version after all: say so, never guess
    return parse_generic(text)
