"""Windows client names: editions and servicing channels that are no product of their own.

Intune, ConfigMgr and Defender list a PC's operating system as "Microsoft Windows 11 Pro",
"Windows 10 Pro 22H2", "Windows 10 Education", "Windows 10 Pro for Workstations" or
"Microsoft Windows 10 Enterprise LTSC 2019". Microsoft's CVE records name the release
instead ("Windows 10 Version 22H2", "Windows 11 version 23H2", "Windows 10 Version 1809")
and tell the releases apart by build (10.0.19045.x, 10.0.22631.x, 10.0.17763.x). So the
edition is, as "Enterprise" already is for every product, left out of the key, and the
row's build decides which release's range it is judged by.

The words are read only in a client Windows name, "Windows" and its release number ("10",
"11", "8.1") first: "Pro", "Home" and "Education" end other products' names as part of
them ("Windows Mixed Reality Home", "Minecraft Education"), and "LTSC 2021" is a release
line of its own in "Office LTSC 2021". In a Windows client name the LTSC (or LTSB) year
only names the servicing channel of a release that its build gives (LTSC 2019 is 1809,
build 17763; LTSC 2021 is 21H2, build 19044), and is no release line: "Windows 10
Enterprise LTSC 2019" is on line 10.
"""

from __future__ import annotations

import re

# Editions of a Windows client release (longest first), each also as its European "N"
# variant without the media apps ("Windows 10 Pro N"). "Enterprise", "Professional" and
# "Standard" are editions of any product (`names._EDITIONS`).
_BASE_EDITIONS = (
    ("pro", "for", "workstations"), ("pro", "education"), ("iot", "enterprise"),
    ("enterprise", "multi", "session"), ("home", "single", "language"), ("home", "premium"),
    ("pro",), ("education",), ("home",), ("enterprise",), ("professional",), ("ultimate",),
)
WINDOWS_EDITIONS = tuple(e for base in _BASE_EDITIONS for e in ((*base, "n"), base))
_CHANNELS = frozenset({"ltsc", "ltsb"})
_YEAR = re.compile(r"20\d\d")
_RELEASE = re.compile(r"\d+(?:\.\d+)?")


def is_windows_client(words: list[str]) -> bool:
    """Whether a name's words start with a client Windows release: "Windows 10 ...",
    "Microsoft Windows 11 ...", "Windows 8.1 ..."; not "Windows Server 2019" or "Windows
    Admin Center"."""
    low = [w.casefold() for w in words[:3]]
    if low[:1] == ["microsoft"]:
        low = low[1:]
    return len(low) >= 2 and low[0] == "windows" and _RELEASE.fullmatch(low[1]) is not None


def without_channel(words: list[str]) -> list[str]:
    """A client Windows name's words without its servicing channel and the channel's year:
    "Windows 10 Enterprise LTSC 2019" and "Windows 10 Enterprise 2016 LTSB" -> "Windows 10
    Enterprise". Other names are returned as they are."""
    if not is_windows_client(words):
        return words
    low = [w.casefold() for w in words]
    drop: set[int] = set()
    for i, word in enumerate(low):
        if word in _CHANNELS:
            drop.add(i)
            drop.update(j for j in (i - 1, i + 1) if 0 <= j < len(low) and _YEAR.fullmatch(low[j]))
    return [w for i, w in enumerate(words) if i not in drop]
