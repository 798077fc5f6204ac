"""Shared pieces of the version schemes: the parsed value and vendor-string clean-up.

Every scheme turns a string into a `ParsedVersion` whose `key` is a plain tuple, so that
comparing two versions is one tuple comparison (the matcher does this millions of times).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True, slots=True)
class ParsedVersion:
    """A version string read under one scheme.

    `key` orders versions of the same scheme and `line`; `normalized` is a canonical
    spelling, equal for two versions of one line exactly when their keys are equal. `line`
    is None for totally ordered schemes. Cisco IOS sets it to the release train, and the
    Citrix Workspace app schemes to the LTSR a build belongs to (("ltsr", 24, 2) for 2402
    LTSR CU1): versions on different lines are not comparable at all. The generic scheme
    sets it to a LABEL line for a release written as a base plus an update label ("8u381",
    "2019 CU13"), which orders only against versions written at the base's level (see
    `schemes.relation`).
    """

    text: str
    scheme: str
    key: tuple[object, ...]
    normalized: str
    line: tuple[object, ...] | None = None


# First item of a `line` that names a way of writing versions (a notation), not a product
# line: a version on another notation may be the very same release, so comparing across
# notations is "cannot tell", never "another line, so not affected".
LABEL = "label"


class Relation(Enum):
    """How two parsed versions relate: ORDERED compares their keys; OTHER_LINE (another
    Cisco IOS train, another Citrix Workspace LTSR or its current release) says nothing
    about each other; UNCLEAR (another scheme or notation) cannot be compared and must be
    checked by hand."""

    ORDERED = "ordered"
    OTHER_LINE = "other_line"
    UNCLEAR = "unclear"


# Vendor wrappers around the version itself (VERSIONS.md pitfall 10). Each is removed
# before any scheme reads the string, and the original text is kept in ParsedVersion.text.
_CITRIX_BANNER = re.compile(
    r"^ns\s*(\d+\.\d+)\s*:?\s*(?:build\s*)?(\d+(?:\.\d+)?)(?:\.nc)?$", re.IGNORECASE
)
# Inventories also write the banner without "NS": "13.1 Build 37.150" is 13.1-37.150.
# Read as written, "build" would be a word and sort the version below every 13.1-x.y, so
# CTX579459's 13.1-FIPS 37.150 (< 37.164) would read as not affected. Only Citrix's exact
# shape, release x.y then build.patch with a build of at most two digits: longer numbers
# after "build" (VMware "7.0 build 22348816") are build stamps for `_BUILD_SUFFIX` to drop.
_CITRIX_BUILD = re.compile(r"^(\d+\.\d+)\s*build[\s-]*(\d{1,2}\.\d+)(?:\.nc)?$", re.IGNORECASE)
# "OpenSSH_9.2p1", "nginx/1.25.3", "Apache/2.4.58": a product name glued to the version.
_PRODUCT_PREFIX = re.compile(r"^([A-Za-z][A-Za-z+-]*)[/_](?=[vV]?\d)")
# ...but "Update_7" or "SP_2" name a part of a version: stripping them would turn the
# label into a bare "7" and compare it as if it were the whole version.
_NOT_PRODUCTS = re.compile(
    r"^(?:update|upd|u|build|patch|p|hotfix|hf|sp|servicepack|cu|su|release|rel|r|rev|revision"
    r"|fix|rollup)$",
    re.IGNORECASE,
)
# Only a parenthesis preceded by a space is an annotation: Cisco "15.2(4)" is the version.
_TRAILING_PAREN = re.compile(r"\s+\(([^()]*)\)$")
# Three or more digits: Fortinet "build1396", VMware "build 22348816". Citrix builds are
# shorter and are part of the version ("13.1 Build 49.13", see `_CITRIX_BUILD`).
_BUILD_SUFFIX = re.compile(r"(?:,\s*|\s+)build[\s-]*\d{3,}$", re.IGNORECASE)
_DUAL = re.compile(r"^v?\d+(?:\.\d+)+$", re.IGNORECASE)
_LEADING_V = re.compile(r"^[vV](?=\d)")
_SPACES = re.compile(r"\s+")
# Nothing to clean in the common case (digits first, no spaces, brackets or commas).
_ALREADY_CLEAN = re.compile(r"^\d[0-9A-Za-z.+~_-]*$")


def split_dual(text: str) -> tuple[str, str | None]:
    """Clean a vendor version string and split off a second numbering, if any.

    "2023.0.1 (15.0.1)" -> ("2023.0.1", "15.0.1"); "v7.2.4,build1396 (GA.F)" -> ("7.2.4", None);
    "NS13.1: Build 49.13.nc" and "13.1 Build 49.13" -> ("13.1-49.13", None);
    "16.5.1 (c)" -> ("16.5.1 c", None), because Apple's Rapid Security Response letter
    sorts after the base version.
    """
    if _ALREADY_CLEAN.match(text):
        return text, None
    s = _SPACES.sub(" ", text.strip())
    alt: str | None = None
    m = _TRAILING_PAREN.search(s)
    if m:
        inner = m.group(1).strip()
        s = s[: m.start()]
        if _DUAL.match(inner):
            alt = _LEADING_V.sub("", inner)
        elif len(inner) == 1 and inner.isalpha():
            s = f"{s} {inner}"
    banner = _CITRIX_BANNER.match(s) or _CITRIX_BUILD.match(s)
    if banner:
        s = f"{banner.group(1)}-{banner.group(2)}"
    s = _BUILD_SUFFIX.sub("", s)
    prefix = _PRODUCT_PREFIX.match(s)
    if prefix and not _NOT_PRODUCTS.match(prefix.group(1)):
        s = s[prefix.end() :]
    return _LEADING_V.sub("", s), alt


def clean(text: str) -> str:
    """The version part of a vendor string (see `split_dual`), second numbering dropped."""
    return split_dual(text)[0]


def norm_text(text: str) -> str:
    """Spelling-insensitive form for string-identical matching of unparseable versions."""
    return _LEADING_V.sub("", _SPACES.sub(" ", text.strip()).casefold())


def label_key(text: str) -> str:
    """Labels match ignoring case and spaces: "Update 7", "update 7" and "Update7" are one."""
    return _SPACES.sub("", text).casefold()
