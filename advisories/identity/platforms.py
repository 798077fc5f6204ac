"""The platform a product name is written for: "FortiClientMac", "Zoom Client for Windows".

Vendors write the platform into the name, and a statement named so applies on that platform
alone (`models.AffectedProduct` takes its platform from here). A bottom-level module: it
imports only `identity.words` (which imports nothing that imports `models`), so `models` can
import it directly.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from advisories.identity.words import VARIANT_WORDS, VERSION, VERSION_WORDS, raw_words

# Spellings of the platforms (models.PLATFORMS) that vendors write into product names.
_PLATFORM_SPELLING = r"windows|mac\s?os(?:\s?x)?|os\s?x|macintosh|mac|linux"
# "Zoom Client for Windows", "Citrix Workspace app for Mac", "Defender for Endpoint on Linux".
_FOR_PLATFORM = re.compile(rf"\s+(?:for|on)\s+({_PLATFORM_SPELLING})(?![^\W_])", re.IGNORECASE)
# "Foo (Windows)".
_BRACKET_PLATFORM = re.compile(rf"\s*[(\[]\s*({_PLATFORM_SPELLING})\s*[)\]]", re.IGNORECASE)
# Fortinet PSIRT's "FortiClientWindows", "FortiClientMac", "FortiClientLinux": glued by case
# to a camel-case word of at least three letters (`_glued_platforms`), so "iMac", "Machine"
# or the distribution names "AlmaLinux" and "CloudLinux" are not read as a platform.
_GLUED_PLATFORM = re.compile(r"(?<![^\W_])([^\W_]{2,}[a-z])(Windows|MacOS|macOS|Mac|Linux)(?![^\W_])")
# Every mention, for telling "Windows Subsystem for Linux" (two platforms: neither) apart.
_ANY_PLATFORM = re.compile(rf"(?<![^\W_])({_PLATFORM_SPELLING})(?![^\W_])", re.IGNORECASE)


def _glued_platforms(text: str) -> list[re.Match[str]]:
    return [m for m in _GLUED_PLATFORM.finditer(text) if any(c.isupper() for c in m[1][1:])]


def _platform_of(spelling: str) -> str:
    low = spelling.casefold()
    if low == "windows":
        return "windows"
    return "linux" if low == "linux" else "macos"


def _only_trailing(text: str) -> bool:
    """True when `text` holds nothing but what trails a name: versions, variant words
    ("2203 LTSR"), bitness, arch."""
    words = raw_words(text)
    return all(w.casefold() in VARIANT_WORDS | VERSION_WORDS or VERSION.fullmatch(w.casefold()) for w in words)


@lru_cache(maxsize=1 << 14)
def named_platform(name: str) -> tuple[str, str] | None:
    """The platform a product name is written for, and the name without it; None if none.

    named_platform("FortiClientMac") == ("macos", "FortiClient")
    named_platform("Citrix Workspace app for Windows LTSR") == ("windows", "Citrix Workspace app LTSR")
    A name that mentions two platforms ("Windows Subsystem for Linux") names none. A "for
    Windows" followed by more of the name ("... for Windows Server") gives the platform but
    stays in the name, whose words would otherwise run together into another product's.
    """
    text = unicodedata.normalize("NFKC", name)
    glued = _glued_platforms(text)
    phrases = [*_FOR_PLATFORM.finditer(text), *_BRACKET_PLATFORM.finditer(text)]
    mentioned = {_platform_of(m[1]) for m in (*phrases, *_ANY_PLATFORM.finditer(text))}
    mentioned |= {_platform_of(m[2]) for m in glued}
    if len(mentioned) != 1 or not (glued or phrases):
        return None
    for m in reversed(glued):  # from the end, so earlier offsets still hold
        text = text[: m.start(2)] + text[m.end(2) :]
    if (bracket := _BRACKET_PLATFORM.search(text)) is not None:
        text = text[: bracket.start()] + text[bracket.end() :]
    phrase = _FOR_PLATFORM.search(text)
    if phrase is not None and _only_trailing(text[phrase.end() :]):
        text = text[: phrase.start()] + text[phrase.end() :]
    return mentioned.pop(), " ".join(text.split())


def with_platform_dropped(names: tuple[str, ...]) -> list[str]:
    """Each statement name, then the same name without the platform it names.

    "FortiClientMac" is FortiClient, and "Citrix Workspace app for Mac" the Workspace app,
    for statements only: such a statement applies on that platform alone (models.AffectedProduct
    takes its platform from the name), so it may share the product's key. Rows keep their
    names as written.
    """
    out = list(names)
    for name in names:
        named = named_platform(name)
        if named is not None:
            out.append(named[1])
    return list(dict.fromkeys(out))
