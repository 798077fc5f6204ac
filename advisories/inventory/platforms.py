"""Platform names as inventories write them -> windows / macos / linux / ios / android / any."""

from __future__ import annotations

import re
from functools import lru_cache

# Values that say "not known" rather than naming a platform we do not know.
_UNKNOWN = frozenset({"", "unknown", "n/a", "na", "none", "null", "other", "-", "?", "all", "any"})
_LINUX = (
    "linux",
    "ubuntu",
    "debian",
    "redhat",
    "rhel",
    "centos",
    "fedora",
    "suse",
    "sles",
    "rocky",
    "almalinux",
    "oraclelinux",
    "amazonlinux",
    "mint",
    "raspbian",
)


@lru_cache(maxsize=4096)
def classify_platform(value: str) -> str | None:
    """The platform a value names, "any" when it says "unknown", None when we cannot tell.

    Checked in an order that keeps look-alikes apart: "macOS" before "iOS", and "Windows"
    first so that "Windows Subsystem for Linux" style strings stay Windows.
    """
    text = re.sub(r"[^a-z0-9]", "", value.casefold())
    if value.strip().casefold() in _UNKNOWN or not text:
        return "any"
    if "windows" in text or re.match(r"win(?:\d|nt|32|64|$)", text):
        return "windows"
    if text.startswith(("macos", "macmdm", "osx", "darwin")) or text in ("mac", "macintosh"):
        return "macos"
    if text.startswith(("ios", "ipados", "iphone", "ipad")):
        return "ios"
    if "android" in text:
        return "android"
    if any(name in text for name in _LINUX):
        return "linux"
    return None


def normalise_platform(value: str) -> str:
    """'Windows 11 Enterprise' -> 'windows', 'MacMDM' -> 'macos', blank or unknown -> 'any'."""
    return classify_platform(value) or "any"
