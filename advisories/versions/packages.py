"""Package-ecosystem schemes: PEP 440, SemVer, Debian (dpkg) and RPM (rpmvercmp).

Debian and RPM keys are built so that tuple comparison reproduces the reference
algorithms (dpkg's verrevcmp and rpm's rpmvercmp) exactly; comments say where.
"""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version

from .core import ParsedVersion, clean


def parse_pep440(text: str) -> ParsedVersion | None:
    """PEP 440 through `packaging`; strict, so vendor shapes like 1.1.1w are rejected."""
    try:
        v = Version(clean(text))
    except InvalidVersion:
        return None
    release = list(v.release)
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    # str(Version) keeps trailing zeros ("1.0" vs "1.0.0") although they compare equal.
    norm = (f"{v.epoch}!" if v.epoch else "") + ".".join(map(str, release))
    if v.pre is not None:
        norm += f"{v.pre[0]}{v.pre[1]}"
    if v.post is not None:
        norm += f".post{v.post}"
    if v.dev is not None:
        norm += f".dev{v.dev}"
    if v.local is not None:
        norm += f"+{v.local}"
    return ParsedVersion(text, "pep440", (v,), norm)


# SemVer 2.0, tolerant: "v" prefix, missing minor/patch (1.2 -> 1.2.0), leading zeros.
_SEMVER = re.compile(
    r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9a-z-]+(?:\.[0-9a-z-]+)*))?(?:\+[0-9a-z.-]+)?$"
)


def parse_semver(text: str) -> ParsedVersion | None:
    """Build metadata (+...) is ignored, as SemVer section 10 requires."""
    m = _SEMVER.match(clean(text).lower())
    if not m:
        return None
    nums = tuple(int(g or 0) for g in m.groups()[:3])
    norm = "{}.{}.{}".format(*nums)
    pre = m.group(4)
    if pre is None:
        return ParsedVersion(text, "semver", (*nums, (1,)), norm)
    # Numeric identifiers sort before alphanumeric ones, and a longer list after its prefix.
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    norm += "-" + ".".join(str(i[1]) if i[0] == 0 else i[2] for i in ids)
    return ParsedVersion(text, "semver", (*nums, (0, *ids)), norm)


_DEB = re.compile(r"^(?:(\d+):)?([0-9][A-Za-z0-9.+~:-]*?)(?:-([A-Za-z0-9.+~]+))?$")
_DIGITS_OR_NOT = re.compile(r"(\D*)(\d*)")


def _dpkg_char_weight(c: str) -> int:
    # dpkg's order(): '~' before everything (even the end), letters before other symbols.
    if c == "~":
        return -1
    return ord(c) if c.isalpha() else ord(c) + 256


DebPart = tuple[tuple[tuple[int, ...], int], ...]


def _dpkg_part_key(part: str) -> DebPart:
    """verrevcmp as a key: alternating (non-digit run, digit run) pairs. A run ends with
    weight 0, which is what dpkg compares when one string is shorter."""
    pairs: list[tuple[tuple[int, ...], int]] = []
    for letters, digits in _DIGITS_OR_NOT.findall(part):
        if not letters and not digits:
            continue
        pairs.append(((*map(_dpkg_char_weight, letters), 0), int(digits or 0)))
    end = ((0,), 0)
    while pairs and pairs[-1] == end:  # "1.0-0" == "1.0" in dpkg
        pairs.pop()
    # An all-zero part keeps one explicit "0" pair: with only the end marker it would be a
    # tuple prefix of "0~1" and sort before it, where dpkg sorts it after.
    return (*(pairs or [end]), end)


def parse_deb(text: str) -> ParsedVersion | None:
    """Debian epoch:upstream-revision. Case-sensitive, as dpkg is."""
    m = _DEB.match(clean(text))
    if not m:
        return None
    epoch, upstream, revision = int(m.group(1) or 0), m.group(2), m.group(3) or ""
    up_key, rev_key = _dpkg_part_key(upstream), _dpkg_part_key(revision)
    return ParsedVersion(text, "deb", (epoch, up_key, rev_key), _render_deb(epoch, up_key, rev_key))


def _render_deb_part(pairs: DebPart) -> str:
    out = []
    for weights, num in pairs[:-1]:
        chars = "".join("~" if w == -1 else chr(w if w < 256 else w - 256) for w in weights[:-1])
        out.append(f"{chars}{num}")
    return "".join(out)


def _render_deb(epoch: int, upstream: DebPart, revision: DebPart) -> str:
    rev = _render_deb_part(revision)
    return (
        (f"{epoch}:" if epoch else "")
        + _render_deb_part(upstream)
        + (f"-{rev}" if rev != "0" else "")
    )


# rpmvercmp: separators only delimit; '~' sorts before the end, '^' after the end but
# before any further segment; a numeric segment is newer than an alphabetic one.
_RPM = re.compile(r"^(?:(\d+):)?([A-Za-z0-9._+~^]+)(?:-([A-Za-z0-9._+~^]+))?$")
_RPM_SEG = re.compile(r"~|\^|\d+|[A-Za-z]+")
_TILDE, _RPM_END, _CARET, _ALPHA, _NUM = 0, 1, 2, 3, 4


def _rpm_part_key(part: str) -> tuple[tuple[int, int, str], ...]:
    items: list[tuple[int, int, str]] = []
    for seg in _RPM_SEG.findall(part):
        if seg == "~":
            items.append((_TILDE, 0, ""))
        elif seg == "^":
            items.append((_CARET, 0, ""))
        elif seg.isdigit():
            items.append((_NUM, int(seg), ""))
        else:
            items.append((_ALPHA, 0, seg))
    return (*items, (_RPM_END, 0, ""))


def parse_rpm(text: str) -> ParsedVersion | None:
    """RPM [epoch:]version[-release]. A missing release sorts before every release (rpm
    itself would skip the release comparison, which is not a total order)."""
    m = _RPM.match(clean(text))
    if not m:
        return None
    epoch, version, release = int(m.group(1) or 0), m.group(2), m.group(3)
    ver_key, rel_key = _rpm_part_key(version), _rpm_part_key(release or "")
    rel = _render_rpm_part(rel_key)
    norm = f"{epoch}:{_render_rpm_part(ver_key)}" + (f"-{rel}" if rel else "")
    return ParsedVersion(text, "rpm", (epoch, ver_key, rel_key), norm)


def _render_rpm_part(items: tuple[tuple[int, int, str], ...]) -> str:
    marks = {_TILDE: "~", _CARET: "^"}
    return ".".join(marks.get(k, str(n) if k == _NUM else s) for k, n, s in items[:-1])
