"""Makers: a publisher's name as words, and whether two publishers can be one maker.

"Microsoft Corporation" is "microsoft", "Fortinet Technologies (Canada) ULC" is "fortinet",
and "Zoom" agrees with "Zoom Video Communications, Inc." (one is a word prefix of the other).
The catalogue adds its own spellings of a maker on top (`Catalogue.canonical_vendor`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Legal and generic suffixes of publisher names: "Google LLC", "Cisco Systems, Inc.".
_VENDOR_SUFFIXES = frozenset(
    {
        *("inc", "incorporated", "ltd", "limited", "llc", "plc", "corp", "corporation", "co"),
        *("company", "gmbh", "ag", "sa", "sas", "srl", "bv", "nv", "pty", "ulc", "oy", "ab"),
        *("kk", "lp", "llp", "software", "systems", "technologies", "technology"),
        *("international", "foundation", "project", "community"),
    }
)
_NO_VENDOR = frozenset({"", "n/a", "na", "none", "unknown", "-", "null", "not available"})


@lru_cache(maxsize=1 << 16)
def normalise_vendor(vendor: str) -> str:
    """'Microsoft Corporation' -> 'microsoft', 'Fortinet Technologies (Canada) ULC' -> 'fortinet'.

    Words are kept space-separated so that `vendors_compatible` can compare them word by word.
    """
    text = unicodedata.normalize("NFKC", vendor).casefold().strip()
    if text in _NO_VENDOR:
        return ""
    url = re.match(r"https?://(?:www\.)?([^/:]+)", text)
    if url:  # some installers give a web site as publisher: "https://go.dev" -> "go"
        text = url[1].rsplit(".", 1)[0] if "." in url[1] else url[1]
    text = re.sub(r"\([^)]*\)", " ", text).replace(".", "").replace("&", " and ")
    words = re.findall(r"[^\W_]+", text)
    if words and words[0] == "the" and len(words) > 1:
        words = words[1:]
    while len(words) > 1 and words[-1] in _VENDOR_SUFFIXES:
        words.pop()
    return " ".join(words)


def vendors_compatible(a: str, b: str) -> bool:
    """False only when both vendors are given and are known to differ.

    'zoom' and 'zoom video communications' agree (one is a word prefix of the other).
    """
    return makers_agree(maker_words(a), maker_words(b))


@lru_cache(maxsize=1 << 16)
def maker_words(vendor: str) -> tuple[str, ...]:
    """The words `vendors_compatible` compares: 'Zoom Video Communications, Inc.' ->
    ('zoom', 'video', 'communications')."""
    return tuple(normalise_vendor(vendor).split())


def makers_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """`vendors_compatible` on `maker_words`: no words on one side, or one a word prefix of
    the other."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]
