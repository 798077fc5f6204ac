"""Name keys: a product's display name as the one key it is matched by.

Matching is by key equality, never by similarity. `normalise_name` turns a display name into
a key: case, punctuation, spacing, architecture, trailing versions, editions ("Professional
Plus", a client Windows name's "Pro" or "LTSC 2019") and the maker's name in front of it
go ("Mozilla Firefox 119.0 (x64 en-GB)" by Mozilla is "firefox"). The versions that ended
the name are kept apart (`name_parts`): the release line is read from them (`identity.lines`).
`bracket_names` gives the other names a name spells out ("Totally Integrated Automation
Portal (TIA Portal)").
"""

from __future__ import annotations

import re
from functools import lru_cache

from advisories.identity.vendors import normalise_vendor
from advisories.identity.windows import WINDOWS_EDITIONS, is_windows_client, without_channel
from advisories.identity.words import VARIANT_WORDS, VERSION, VERSION_WORDS, raw_words

# Editions of one product, never products of their own (longest first). A client Windows
# name has more ("Pro", "Home", "Education": `identity.windows`).
_EDITIONS = (
    ("home", "and", "business"), ("home", "and", "student"), ("professional", "plus"),
    ("home", "business"), ("home", "student"), ("professional",), ("standard",),
    ("enterprise",), ("datacenter",),
)


def _split_trailing_versions(words: list[str]) -> tuple[list[str], list[str]]:
    """The name without the versions at its end (variant words found among them kept), and
    those versions as written.

    "NetScaler ADC 13.1-FIPS" -> "NetScaler ADC FIPS"; "Java 8 Update 381" -> "Java";
    "Citrix Workspace 2402 LTSR CU1" and "Citrix Workspace LTSR 2402" -> "Citrix Workspace
    LTSR". At least one word always stays.
    """
    end, saw_version = len(words), False
    variants: list[str] = []
    while end > 1:
        low = words[end - 1].casefold()
        if low in VARIANT_WORDS:
            variants.insert(0, words[end - 1])
        elif VERSION.fullmatch(low):
            saw_version = True
        elif not (saw_version and low in VERSION_WORDS):
            break
        end -= 1
    trailing = [w for w in words[end:] if w.casefold() not in VARIANT_WORDS]
    return words[:end] + variants, trailing


def _edition_at_end(words: list[str], editions: tuple[tuple[str, ...], ...] = _EDITIONS) -> int:
    """How many words at the end of `words` are an edition ("Professional Plus"), 0 if none.

    An edition is not a product of its own: Intune lists "Microsoft Office Professional Plus
    2019" where Microsoft's bulletin says "Microsoft Office 2019". "for Enterprise" is part
    of a name ("Microsoft 365 Apps for enterprise"), and one word always stays.
    """
    low = [w.casefold() for w in words]
    for edition in editions:
        n = len(edition)
        if len(low) > n and tuple(low[-n:]) == edition and low[-n - 1] not in ("for", "and"):
            return n
    return 0


def _split_name(words: list[str]) -> tuple[list[str], list[str]]:
    """(name words, the versions that ended the name): editions and versions at the end go,
    in whichever order they come ("Office Professional Plus 2019", "Windows Server 2019
    Standard"). A client Windows name loses its servicing channel first, and has editions
    of its own ("Windows 10 Enterprise LTSC 2019", "Windows 10 Pro 22H2": `identity.windows`)."""
    trailing: list[str] = []
    editions = WINDOWS_EDITIONS if is_windows_client(words) else _EDITIONS
    words = without_channel(words)
    while True:
        words, found = _split_trailing_versions(words)
        trailing = found + trailing
        cut = _edition_at_end(words, editions)
        if not cut:
            return words, trailing
        words = words[:-cut]


def _camel_boundary(word: str, at: int) -> bool:
    """True when `word` splits at `at` by case: '3CX|DesktopApp', not 'Microsoft|ware'."""
    return (
        at < len(word)
        and word[at].isupper()
        and (word[at - 1].islower() or (at + 1 < len(word) and word[at + 1].islower()))
    )


def _strip_vendor(words: list[str], vendor: str) -> list[str]:
    vendor_words = normalise_vendor(vendor).split()
    if not vendor_words:
        return words
    low = [w.casefold() for w in words]
    n = len(vendor_words)
    if len(words) > n and low[:n] == vendor_words:
        return words[n:]
    glued = "".join(vendor_words)
    if words and low[0].startswith(glued) and _camel_boundary(words[0], len(glued)):
        return [words[0][len(glued) :], *words[1:]]
    return words


@lru_cache(maxsize=1 << 16)
def name_parts(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`_split_name` of the name's words, read once per spelling: its key (`name_words`, per
    vendor) and its release line (`release_line`) both start from it."""
    words, trailing = _split_name(raw_words(name))
    return tuple(words), tuple(trailing)


@lru_cache(maxsize=1 << 16)
def name_words(name: str, vendor: str = "") -> tuple[str, ...]:
    """The words of a product name, lower case, as used for keys and explanations."""
    words = list(name_parts(name)[0])
    return tuple(w.casefold() for w in _strip_vendor(words, vendor))


@lru_cache(maxsize=1 << 16)
def normalise_name(name: str, vendor: str = "") -> str:
    """A product key: case, punctuation, spacing, arch, trailing versions and vendor prefix gone.

    normalise_name("Mozilla Firefox 119.0 (x64 en-GB)", "Mozilla") == "firefox"
    normalise_name("3CXDesktopApp", "3CX Ltd") == normalise_name("3CX Desktop App", "3CX")
    """
    return "".join(name_words(name, vendor)).replace(".", "").replace("_", "")


_ROUND_BRACKET = re.compile(r"\s*\(([^()]+)\)")


def _abbreviates(short: list[str], long: list[str]) -> int:
    """How many words at the end of `long` the words `short` stand for, 0 if they do not:
    each short word is the long word itself or, in capitals, its initials ("TIA Portal" for
    "Totally Integrated Automation Portal" is 4). At least one must be initials."""
    j, initials = len(long), False
    for word in reversed(short):
        if j and word.casefold() == long[j - 1].casefold():
            j -= 1
            continue
        n = len(word)
        letters = "".join(w[0] for w in long[max(j - n, 0) : j]).casefold()
        if n < 2 or not word.isupper() or j < n or letters != word.casefold():
            return 0
        j, initials = j - n, True
    return len(long) - j if initials else 0


def bracket_names(name: str) -> list[str]:
    """A name that spells a product out and gives its short name in brackets, as the short
    name and as the long name alone: "Totally Integrated Automation Portal (TIA Portal) V17"
    -> "TIA Portal V17", "Totally Integrated Automation Portal V17". A
    bracket that abbreviates nothing before it ("SIMATIC STEP 7 (TIA Portal) V16": STEP 7
    for the TIA Portal) is a qualifier, and gives no other name."""
    found = []
    for m in _ROUND_BRACKET.finditer(name):
        before = name[: m.start()].split()
        n = _abbreviates(m[1].split(), before)
        if n:  # the short name, and the long one without its brackets
            found.append(" ".join([*before[: len(before) - n], m[1]]) + name[m.end() :])
            found.append(name[: m.start()] + name[m.end() :])
    return found
