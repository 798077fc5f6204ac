"""Product identity: is this inventory row the product an affected statement speaks of?

Matching is by key equality, never by similarity. `normalise_name` turns a display name into a
key; the catalogue (rules/products.toml) folds aliases, vendor spellings, CPEs and purls onto
one canonical key per product ("cat:<id>"). The matcher indexes statements by
`Catalogue.keys_for` and looks inventory rows up by `Catalogue.key_for`, then confirms with
`Catalogue.matches` (the vendor check). Similarity is only used by `explain`, to tell a user
why a near name was not taken.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from advisories.cpe import parse_cpe
from advisories.errors import ConfigError
from advisories.identity.articles import article_numbers, articles_agree, without_articles
from advisories.identity.designations import designations_agree, has_letters
from advisories.identity.lines import NO_LINE, ReleaseLine, line_of, lines_agree, scoped
from advisories.identity.windows import WINDOWS_EDITIONS, is_windows_client, without_channel
from advisories.models import AffectedProduct, InventoryItem
from advisories.versions import SCHEMES

CATALOGUE_PREFIX = "cat:"
# Schemes in which a release line in a statement's name narrows its versions (`with_scheme`).
_LINE_SCHEMES = frozenset({None, "generic", "siemens"})
_SCHEMED_LIMIT = 1 << 16  # statements remembered by `with_scheme`
PURL_PREFIX = "pkg:"
# purl types that only wrap a program's display name (CycloneDX OBOMs of Windows programs):
# they say no more than the name does, so such a row is still identified by its name.
_NAME_PURLS = ("pkg:swid/", "pkg:generic/")

# Words naming a separate build line (VERSIONS.md pitfall 8). They survive version stripping
# and are split off a version they are glued to ("115.4.0esr", "13.1-FIPS"). Citrix's LTSR
# (Long Term Service Release) is one too: its cumulative updates carry fixes the current
# release gets in a later release, and Citrix's bulletins give each LTSR its own fixed build
# (CTX678036: "before 2403.1", "2402 LTSR before 2402 LTSR CU1"), so "Citrix Workspace 2402
# LTSR" (24.2.1001.2) is never judged by a current-release range; nor is any other Citrix
# row whose name says LTSR (Session Recording, VDA, StoreFront: CVE-2024-8069).
VARIANT_WORDS = frozenset({"fips", "ndcpp", "6k7k", "esr", "lts", "ltsr"})
# Words that only introduce a version: "Java 8 Update 381", "... 2019 Cumulative Update 13".
_VERSION_WORDS = frozenset({"update", "cumulative", "version", "build", "release", "rev"})
# Editions of one product, never products of their own (longest first). A client Windows
# name has more ("Pro", "Home", "Education": `identity.windows`).
_EDITIONS = (
    ("home", "and", "business"), ("home", "and", "student"), ("professional", "plus"),
    ("home", "business"), ("home", "student"), ("professional",), ("standard",),
    ("enterprise",), ("datacenter",),
)
_ARCH = frozenset({"x64", "x86", "x86_64", "amd64", "arm64", "aarch64", "i386", "i686"})
# Inside brackets these are install details, not name: "(x64 en-GB)", "(User)", "(x64 edition)".
_BRACKET_NOISE = _ARCH | {"arm", "user", "machine", "edition", "all", "users", "bit"}
_VERSION = re.compile(
    r"v?\d+(?:[._]\d+)*(?:[a-z]{1,3}\d*(?:[._]\d+)*)?"  # 119.0 23.01 1.1.1w 22.7r2.4 8u381
    r"|(?:r|u|cu|sp|rc|kb)\d+(?:[._]\d+)*"  # R2  U3  CU13  SP1
)
_LOCALE = re.compile(r"[a-z]{2,3}-[a-z]{2,4}")
# Language codes that may stand alone where a locale goes: ISO 639-1, and the three-letter
# codes among Mozilla's shipped Firefox locales (ach, ast, hsb, ...). Mozilla names a build
# without a region by its bare language: "Mozilla Firefox (x64 cy)", "(x64 ast)". A list,
# not "any 2-3 letters", so that "(x64 Pro)", "(x64 SDK)" or "(x64 ESR)" keep their word.
_LANGUAGE_CODES = """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu
    cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho
    hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv
    kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr
    nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq
    sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh
    yi yo za zh zu ach ast cak dsb fur hsb hye kab lij ltg meh sat sco skr son szl trs
"""
_LANGUAGES = frozenset(_LANGUAGE_CODES.split()) - VARIANT_WORDS
# Mozilla's locale variants after the language: "ca-valencia", "ja-JP-mac".
_SUBTAG = re.compile(r"[a-z0-9]{2,8}")
# Click-to-Run installs name themselves "<product> - <locale>": "Microsoft 365 Apps for
# enterprise - en-gb", "... - cy-gb", "... - sr-latn-rs". Only a language-region tag whose
# language is a known code is taken, so "Cisco Secure Client - AnyConnect VPN" and
# "Foo - add-on" keep their words.
_DASH_LOCALE = re.compile(r"\s+[-\u2013\u2014]\s+([a-z]{2,3})(?:-[a-z]{4})?-[a-z]{2}\s*$", re.IGNORECASE)
# Adobe's and Office's per-language installs spell the language out instead: "Adobe Acrobat
# Reader DC - English", "Adobe Acrobat Reader - Français", "Microsoft Office Proofing Tools
# 2016 - Cymraeg", "... Language Pack 2010 - Français/French". Only a tail made of known
# language names (English or the language's own) and region or script words is taken, so
# "Sophos - Endpoint Agent" or "Widget - English Edition" keep their words.
_DASH_TAIL = re.compile(r"\s+[-\u2013\u2014]\s+([^-\u2013\u2014]+?)\s*$")
_LANGUAGE_NAME_WORDS = """
    english welsh cymraeg irish gaeilge gaelic gàidhlig french français german deutsch
    spanish español castellano italian italiano dutch nederlands polish polski portuguese
    português swedish svenska danish dansk norwegian norsk bokmål nynorsk finnish suomi
    czech čeština slovak slovenčina slovenian slovenščina hungarian magyar romanian română
    croatian hrvatski serbian srpski српски bulgarian български greek ελληνικά russian
    русский ukrainian українська turkish türkçe estonian eesti latvian latviešu lithuanian
    lietuvių icelandic íslenska catalan català basque euskara galician galego japanese
    日本語 korean 한국어 chinese 中文 简体中文 繁體中文 繁体中文 arabic العربية hebrew עברית
    hindi हिन्दी thai ไทย vietnamese tiếng indonesian malay bahasa
"""
# Words that may follow a language name in such a tail: "English (United Kingdom)",
# "Português (Brasil)", "Chinese Simplified", "Tiếng Việt", "Bahasa Indonesia".
_LANGUAGE_QUALIFIER_WORDS = """
    uk us gb united kingdom states american british international brasil brazil brazilian
    portugal do canada canadian canadien españa spain latin america latinoamérica mexico
    france belgium switzerland simplified traditional việt indonesia melayu
"""
# Split as a tail is (`_names_a_language`), so a script whose vowel signs are not word
# characters (हिन्दी) is compared piece by piece on both sides.
_LANGUAGE_NAMES = frozenset(re.findall(r"[^\W_]+", _LANGUAGE_NAME_WORDS.casefold()))
_LANGUAGE_QUALIFIERS = frozenset(re.findall(r"[^\W_]+", _LANGUAGE_QUALIFIER_WORDS.casefold()))
_MARKS = re.compile(r"\((?:tm|r|c)\)|[™®©]", re.IGNORECASE)
_BITNESS = re.compile(r"(?<![^\W_])(?:32|64)[\s-]?bits?(?![^\W_])", re.IGNORECASE)
_GLUED_VARIANT = re.compile(r"(?<=\d)(esr|fips|ndcpp|ltsr)(?![^\W_])", re.IGNORECASE)
_PLUS = re.compile(r"(?<=[^\W_])\++")
_BRACKETS = re.compile(r"[(\[]([^()\[\]]*)[)\]]")
_WORD = re.compile(r"[^\W_]+(?:[._][^\W_]+)*")

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


def _is_language_tag(part: str) -> bool:
    """'cy', 'ast', 'ca-valencia', 'ja-jp-mac': a known language, then any subtags."""
    first, *rest = part.split("-")
    return first in _LANGUAGES and all(_SUBTAG.fullmatch(t) for t in rest)


def _bracket_is_noise(inner: str) -> bool:
    parts = [p for p in re.split(r"[\s,;/_]+", inner.casefold()) if p]
    if all(p in _BRACKET_NOISE or _VERSION.fullmatch(p) or _LOCALE.fullmatch(p) for p in parts):
        return True
    # A bare language is read as the locale only beside an architecture, as in Mozilla's
    # "(x64 de)": alone, "(IT)" or "(NO)" could be part of a name.
    return any(p in _ARCH for p in parts) and all(
        p in _BRACKET_NOISE or _VERSION.fullmatch(p) or _is_language_tag(p) for p in parts
    )


def _names_a_language(tail: str) -> bool:
    """'English', 'Français/French', 'English (United Kingdom)'; not 'Endpoint Agent'."""
    words = re.findall(r"[^\W_]+", tail.casefold())
    known = _LANGUAGE_NAMES | _LANGUAGE_QUALIFIERS
    return any(w in _LANGUAGE_NAMES for w in words) and all(w in known for w in words)


def _drop_locale_suffix(text: str) -> str:
    found = _DASH_LOCALE.search(text)
    if found and found[1].casefold() in _LANGUAGES:
        return text[: found.start()]
    found = _DASH_TAIL.search(text)
    return text[: found.start()] if found and _names_a_language(found[1]) else text


def _raw_words(name: str) -> list[str]:
    """Words of a name in their original case, with marks, bitness, bracketed noise and
    bracketed article numbers (identity, but kept apart: `release_line`) gone."""
    text = _drop_locale_suffix(_MARKS.sub(" ", without_articles(unicodedata.normalize("NFKC", name))))
    text = _PLUS.sub(lambda m: "plus" * len(m.group()), text)  # Notepad++ is not Notepad
    text = _GLUED_VARIANT.sub(r" \1", _BITNESS.sub(" ", text))
    text = _BRACKETS.sub(lambda m: " " if _bracket_is_noise(m[1]) else f" {m[1]} ", text)
    return [w for w in _WORD.findall(text) if w.casefold() not in _ARCH]


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
        elif _VERSION.fullmatch(low):
            saw_version = True
        elif not (saw_version and low in _VERSION_WORDS):
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
def _name_parts(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`_split_name` of the name's words, read once per spelling: its key (`name_words`, per
    vendor) and its release line (`release_line`) both start from it."""
    words, trailing = _split_name(_raw_words(name))
    return tuple(words), tuple(trailing)


@lru_cache(maxsize=1 << 16)
def name_words(name: str, vendor: str = "") -> tuple[str, ...]:
    """The words of a product name, lower case, as used for keys and explanations."""
    words = list(_name_parts(name)[0])
    return tuple(w.casefold() for w in _strip_vendor(words, vendor))


@lru_cache(maxsize=1 << 16)
def release_line(name: str) -> ReleaseLine:
    """The release line a name ends with, which its key leaves out: "Microsoft Office
    Professional Plus 2019" -> 2019, "SIMATIC PCS 7 V8.1" -> 7 8.1, "Siveillance Video 2020
    R2" -> 2020 R2, "SINUMERIK 808D V4.7" -> model 808D on line 4.7, "... CPU 1511-1 PN
    (6ES7511-1AK01-0AB0)" -> that article, "Firefox" -> none."""
    line = line_of(_name_parts(name)[1])
    articles = article_numbers(name)
    return replace(line, articles=articles) if articles else line


def lines_conflict(row: ReleaseLine, statement: AffectedProduct) -> bool:
    """Whether a row on release line `row` (from its name) cannot be on the line the
    statement's name gives: "Office 2016" for an "Office 2019" statement. The statement is
    read as `Catalogue.with_scheme` gives it: a scheme with lines of its own (Citrix Workspace
    LTSRs, Cisco IOS trains) tells the lines apart by version instead, and says "check
    manually" for another line rather than nothing."""
    return statement.scheme in _LINE_SCHEMES and not lines_agree(row, statement_line(statement.product))


def checked_line(statement: AffectedProduct) -> ReleaseLine:
    """The line `lines_conflict` holds a row's against: the statement's, or none (which
    agrees with every line) in a scheme that tells its lines apart by version. For the
    matcher, which compares each distinct line once."""
    return statement_line(statement.product) if statement.scheme in _LINE_SCHEMES else NO_LINE


@lru_cache(maxsize=1 << 14)
def statement_line(product: str) -> ReleaseLine:
    """A statement's release line, read without the platform its name names ("Citrix
    Workspace App 2203 LTSR for Windows" is on line 2203), as its keys are."""
    named = named_platform(product)
    return release_line(named[1] if named is not None else product)


@lru_cache(maxsize=1 << 16)
def normalise_name(name: str, vendor: str = "") -> str:
    """A product key: case, punctuation, spacing, arch, trailing versions and vendor prefix gone.

    normalise_name("Mozilla Firefox 119.0 (x64 en-GB)", "Mozilla") == "firefox"
    normalise_name("3CXDesktopApp", "3CX Ltd") == normalise_name("3CX Desktop App", "3CX")
    """
    return "".join(name_words(name, vendor)).replace(".", "").replace("_", "")


# -- the platform a product name names ------------------------------------------------------

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
    words = _raw_words(text)
    return all(
        w.casefold() in VARIANT_WORDS | _VERSION_WORDS or _VERSION.fullmatch(w.casefold()) for w in words
    )


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


@lru_cache(maxsize=1 << 14)
def purl_base(purl: str) -> str | None:
    """'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar' -> 'pkg:maven/org...core'.

    Lower case, percent-decoded, no version, qualifiers or subpath. None if it is not a purl.
    """
    text = purl.strip()
    if not text.casefold().startswith(PURL_PREFIX):
        return None
    text = text[len(PURL_PREFIX) :].lstrip("/").split("#")[0].split("?")[0]
    path, _, _version = text.rpartition("@") if "@" in text.split("/")[-1] else (text, "", "")
    parts = [unquote(p) for p in path.split("/") if p]
    if len(parts) < 2:
        return None
    return PURL_PREFIX + "/".join(parts).casefold()


_CPE_IGNORED = (3, 4)  # version and update belong to the version check, not to identity


def _cpe_fits(pattern: tuple[str, ...], given: tuple[str, ...]) -> bool:
    """A catalogue pattern fits a given CPE when each pattern field that is not '*' is equal.

    '-' (the standard line, NVD's NA) also accepts '*', so "any edition" resolves to the
    standard NetScaler line and never to FIPS; '3cx:3cx' with target_sw '*' (the phone
    system) never resolves to the desktop app, whose patterns name windows or macos.
    """
    for i, want in enumerate(pattern):
        if want == "*" or i in _CPE_IGNORED:
            continue
        if given[i] != want and not (want == "-" and given[i] == "*"):
            return False
    return True


@dataclass(frozen=True, slots=True)
class Product:
    """One canonical product of the catalogue."""

    id: str
    vendor: str
    name: str
    aliases: tuple[str, ...] = ()
    vendor_aliases: tuple[str, ...] = ()
    cpe: tuple[str, ...] = ()
    purl: tuple[str, ...] = ()
    note: str = ""
    # The version scheme of the product's own numbering, for statements that name none.
    scheme: str | None = None

    @property
    def key(self) -> str:
        return CATALOGUE_PREFIX + self.id

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A statement whose product looked like the item's but was rejected, and why."""

    product: str
    vendor: str
    score: float
    reason: str


class Catalogue:
    """The canonical products, indexed for dict look-ups. Build with `load` or from Products."""

    def __init__(self, products: Iterable[Product] = (), source: str = "catalogue") -> None:
        self.products = tuple(products)
        self.source = source
        self._by_id: dict[str, Product] = {}
        self._by_name: dict[str, Product] = {}
        self._by_vendor_name: dict[tuple[str, str], Product] = {}
        self._by_purl: dict[str, Product] = {}
        self._cpes: dict[tuple[str, ...], list[tuple[tuple[str, ...], Product]]] = {}
        self._vendor_alias: dict[str, str] = {}
        self._vendor_spellings: dict[str, tuple[str, ...]] = {}
        self._item_keys: dict[tuple[str, str, str | None, str | None], str] = {}
        errors = self._index()
        if errors:
            raise ConfigError(
                f"{source}: " + "; ".join(errors),
                "each name, vendor spelling, CPE and purl may belong to one product only",
            )
        # Per-instance caches: a few thousand distinct names, millions of rows.
        self._lookup_name = lru_cache(maxsize=1 << 16)(self._lookup_name_uncached)
        self._lookup_cpe = lru_cache(maxsize=1 << 14)(self._lookup_cpe_uncached)
        self._statement_keys = lru_cache(maxsize=1 << 14)(self._statement_keys_uncached)
        # statement id -> (statement, the statement in its product's scheme): by identity, so
        # a statement keeps being itself, and only statements whose product has a scheme.
        self._schemed: dict[int, tuple[AffectedProduct, AffectedProduct]] = {}

    @classmethod
    def load(cls, path: Path) -> Catalogue:
        """Read rules/products.toml; ConfigError names the file and the key that is wrong."""
        return cls(_read_catalogue(path), source=str(path))

    # -- building ---------------------------------------------------------------------------

    def _claim(self, table: dict, key: object, product: Product, what: str) -> str | None:
        owner = table.setdefault(key, product)
        if owner is not product and owner.id != product.id:
            return f"{product.id}: {what} is also claimed by {owner.id}"
        return None

    def _index(self) -> list[str]:
        errors: list[str] = []
        for p in self.products:
            if p.id in self._by_id:
                errors.append(f"id {p.id!r} is used twice")
            self._by_id[p.id] = p
            canon = normalise_vendor(p.vendor)
            for spelling in (p.vendor, *p.vendor_aliases):
                owner = self._vendor_alias.setdefault(normalise_vendor(spelling), canon)
                if owner != canon:
                    errors.append(f"{p.id}: vendor spelling {spelling!r} also means {owner!r}")
                known = self._vendor_spellings.get(canon, (canon,))
                if normalise_vendor(spelling) not in known:
                    self._vendor_spellings[canon] = (*known, normalise_vendor(spelling))
            errors.extend(e for e in self._index_names(p, canon) if e)
            for purl in p.purl:
                errors.append(self._claim(self._by_purl, purl_base(purl), p, f"purl {purl}") or "")
            for cpe in p.cpe:
                fields = parse_cpe(cpe)
                if fields is not None:
                    self._cpes.setdefault(fields[:3], []).append((fields, p))
        return [e for e in errors if e]

    def _index_names(self, p: Product, canon: str) -> list[str | None]:
        claims: list[str | None] = []
        for name in p.names:
            claims.append(self._claim(self._by_name, normalise_name(name), p, f"name {name!r}"))
            for spelling in (p.vendor, *p.vendor_aliases):
                for key in (normalise_name(name, spelling), normalise_name(name)):
                    claims.append(self._claim(self._by_vendor_name, (canon, key), p, f"name {name!r}"))
        return claims

    # -- resolving --------------------------------------------------------------------------

    def canonical_vendor(self, vendor: str) -> str:
        """A vendor's normalised name, through the catalogue's vendor spellings."""
        words = normalise_vendor(vendor)
        return self._vendor_alias.get(words, words)

    def vendors_compatible(self, a: str, b: str) -> bool:
        return makers_agree(self.maker_words(a), self.maker_words(b))

    def maker_words(self, vendor: str) -> tuple[str, ...]:
        """`maker_words` of the vendor's canonical name: what `vendors_compatible` compares."""
        return maker_words(self.canonical_vendor(vendor))

    def vendor_spellings(self, vendor: str) -> tuple[str, ...]:
        """The vendor as given, then every spelling the catalogue gives the same maker.

        vendor_spellings("Broadcom") == ("Broadcom", "vmware", "broadcom", ...): a rename
        (VMware to Broadcom, Citrix to Cloud Software Group) changes who publishes, not the
        brand in the product's name.
        """
        canon = self.canonical_vendor(vendor)
        return tuple(dict.fromkeys((vendor, *self._vendor_spellings.get(canon, (canon,)))))

    def product(self, key: str) -> Product | None:
        """The catalogue product behind a 'cat:' key, for display."""
        if key.startswith(CATALOGUE_PREFIX):
            return self._by_id.get(key[len(CATALOGUE_PREFIX) :])
        return None

    def product_for_name(self, name: str, vendor: str = "") -> Product | None:
        return self._lookup_name(name, vendor)

    def _lookup_name_uncached(self, name: str, vendor: str) -> Product | None:
        canon = self.canonical_vendor(vendor)
        if canon:
            for key in (normalise_name(name, vendor), normalise_name(name, canon)):
                found = self._by_vendor_name.get((canon, key))
                if found is not None:
                    return found
        found = self._by_name.get(normalise_name(name))
        if found is not None and self.vendors_compatible(vendor, found.vendor):
            return found
        return None

    def _lookup_cpe_uncached(self, cpe: str) -> Product | None:
        given = parse_cpe(cpe)
        if given is None:
            return None
        fitting = [
            (sum(f not in ("*", "-") for f in pattern), p)
            for pattern, p in self._cpes.get(given[:3], ())
            if _cpe_fits(pattern, given)
        ]
        return max(fitting, key=lambda t: t[0])[1] if fitting else None

    def _lookup_purl(self, purl: str | None) -> Product | None:
        base = purl_base(purl) if purl else None
        return self._by_purl.get(base) if base else None

    def key_for(self, item: InventoryItem) -> str:
        """The one key the matcher looks this row up by (a dict hit after the first time)."""
        cache_key = (item.product, item.vendor, item.purl, item.cpe)
        key = self._item_keys.get(cache_key)
        if key is None:
            key = self._item_keys[cache_key] = self._item_key(*cache_key)
        return key

    def _item_key(self, product: str, vendor: str, purl: str | None, cpe: str | None) -> str:
        base = purl_base(purl) if purl else None
        if base and not base.startswith(_NAME_PURLS):
            # A package-ecosystem purl names a package exactly, and decides: the gem "openssl"
            # (Ruby's binding) and Debian's "openssl" (patched per DSA-5532-1) are not upstream
            # OpenSSL, whatever their bare name or a scanner's guessed CPE says. Only a
            # statement naming this purl, or a catalogue product listing it, is this package.
            listed = self._by_purl.get(base)
            return listed.key if listed is not None else base
        found = (
            self._lookup_purl(purl) or (self._lookup_cpe(cpe) if cpe else None) or self._lookup_name(product, vendor)
        )
        if found is not None:
            return found.key
        return normalise_name(product, vendor)

    def keys_for(self, statement: AffectedProduct) -> frozenset[str]:
        """Every key an inventory row may have and still be this statement's product."""
        return self._statement_keys(
            statement.vendor,
            statement.product,
            statement.aliases,
            statement.cpe,
            statement.purl,
        )

    def _statement_keys_uncached(
        self,
        vendor: str,
        product: str,
        aliases: tuple[str, ...],
        cpe: str | None,
        purl: str | None,
    ) -> frozenset[str]:
        keys: set[str] = set()
        found = self._lookup_purl(purl) or (self._lookup_cpe(cpe) if cpe else None)
        # A row strips its own publisher's name ("VMware Workstation" by VMware, Inc. is
        # "workstation"), which may be another spelling of the statement's maker (Broadcom
        # publishes VMSA-2024-0010): strip every spelling, so either side may use any.
        spellings = self.vendor_spellings(vendor)
        short = [n for name in (product, *aliases) for n in bracket_names(name)]
        for name in _with_platform_dropped((product, *aliases, *short)):
            found = found or self._lookup_name(name, vendor)
            full = normalise_name(name)
            keys.add(full)
            for spelling in spellings:
                stripped = normalise_name(name, spelling)
                keys.add(stripped)
                if stripped == full and spelling:  # "Widget" by Acme may be listed as "Acme Widget"
                    keys.add(normalise_name(f"{spelling} {name}"))
        if found is not None:
            keys.add(found.key)
            keys.update(normalise_name(n) for n in found.names)
        base = purl_base(purl) if purl else None
        if base:
            keys.add(base)
        keys.discard("")
        return frozenset(keys)

    def product_for_statement(self, statement: AffectedProduct) -> Product | None:
        """The catalogue product a statement speaks of, if the catalogue knows it."""
        for key in self.keys_for(statement):
            if key.startswith(CATALOGUE_PREFIX):
                return self.product(key)
        return None

    def with_scheme(self, statement: AffectedProduct) -> AffectedProduct:
        """The statement as the matcher reads it: in its product's numbering (the catalogue
        product's `scheme` when it names none itself), and narrowed to the release line its
        name names when that line is in the version numbering (`identity.lines.scoped`:
        "TIA Portal V14", all versions, is >=V14 <V15).

        Citrix's bulletin and NVD say "before 2403.1" with no scheme; in the default generic
        scheme the installed 24.3.1.97 is below it (24 < 2403). A scheme the statement gives
        is its source's word on how its versions order and is kept. The same statement always
        gives the same object (itself when nothing changes, else one changed copy), so
        matchers compiled for it are shared.
        """
        known = self._schemed.get(id(statement))
        if known is not None and known[0] is statement:
            return known[1]
        read = statement
        if not statement.scheme:
            product = self.product_for_statement(statement)
            if product is not None and product.scheme is not None:
                read = replace(statement, scheme=product.scheme)
        if read.scheme in _LINE_SCHEMES:  # Workspace LTSRs and IOS trains carry their own lines
            read = scoped(read, statement_line(read.product))
        if len(self._schemed) >= _SCHEMED_LIMIT:
            self._schemed.clear()
        self._schemed[id(statement)] = (statement, read)
        return read

    def matches(self, item: InventoryItem, statement: AffectedProduct) -> bool:
        """Same product: equal keys, release lines that agree ("Office 2016" is never "Office
        2019"), and no vendor clash unless an identifier settled it."""
        key = self.key_for(item)
        if key not in self.keys_for(statement):
            return False
        if lines_conflict(release_line(item.product), self.with_scheme(statement)):
            return False
        if key.startswith((CATALOGUE_PREFIX, PURL_PREFIX)):
            return True  # the catalogue or the purl already checked who makes it
        return self.vendors_compatible(item.vendor, statement.vendor)

    # -- explaining -------------------------------------------------------------------------

    def explain(self, item: InventoryItem, statements: Iterable[AffectedProduct], limit: int = 5) -> list[NearMiss]:
        """The nearest statement products that did not match this item, and why, best first."""
        misses: list[NearMiss] = []
        for st in statements:
            if self.matches(item, st):
                continue
            # An item without a vendor is read as if it had the statement's vendor.
            item_words = self._bare_words(item.product, item.vendor or st.vendor)
            st_words = self._bare_words(st.product, st.vendor)
            score = _similarity(item_words, st_words)
            if score < 0.5 and not self._same_vendor(item, st):
                continue
            reason = self._why(item, st, item_words, st_words)
            misses.append(NearMiss(st.product, st.vendor, round(score, 2), reason))
        misses.sort(key=lambda m: -m.score)
        return misses[:limit]

    def _bare_words(self, name: str, vendor: str) -> tuple[str, ...]:
        """The name's words without whichever spelling of its maker it starts with, so that
        "VMware Workstation" reads "workstation" whether VMware or Broadcom is named."""
        return min((name_words(name, s) for s in self.vendor_spellings(vendor)), key=len)

    def _same_vendor(self, item: InventoryItem, st: AffectedProduct) -> bool:
        """Positively the same maker: both vendors given and agreeing, or the row's name
        starts with the statement's vendor ("3CX Phone System" for a 3CX statement)."""
        if item.vendor and st.vendor:
            return self.vendors_compatible(item.vendor, st.vendor)
        vendor = normalise_vendor(st.vendor).split()
        return bool(vendor) and list(name_words(item.product)[: len(vendor)]) == vendor

    def _display_vendor(self, vendor: str) -> str:
        canon = self.canonical_vendor(vendor)
        known = next((p.vendor for p in self.products if normalise_vendor(p.vendor) == canon), "")
        return known or vendor.strip()

    def _why(
        self,
        item: InventoryItem,
        st: AffectedProduct,
        item_words: tuple[str, ...],
        st_words: tuple[str, ...],
    ) -> str:
        key = self.key_for(item)
        if key.startswith(PURL_PREFIX):
            return f"identified by its package URL {key}, which the statement does not name"
        if not self.vendors_compatible(item.vendor, st.vendor):
            return f"vendor differs: {self._display_vendor(item.vendor)} vs {self._display_vendor(st.vendor)}"
        shown = " ".join(name_words(item.product))
        row_line = release_line(item.product)
        if lines_conflict(row_line, self.with_scheme(st)):
            theirs_line = statement_line(st.product)
            models = (row_line.model, theirs_line.model)
            if any(map(has_letters, models)) and not designations_agree(*models):
                return (
                    f"'{shown}' is model {row_line.model}, and the statement is about model "
                    f"{theirs_line.model} only"
                )
            if not articles_agree(row_line.articles, theirs_line.articles):
                return (
                    f"'{shown}' is article {', '.join(sorted(row_line.articles))}, and the statement "
                    f"is about {', '.join(sorted(theirs_line.articles))} only"
                )
            return (
                f"'{shown}' is release line {row_line.shown()}, and the statement is about "
                f"line {statement_line(st.product).shown()} only"
            )
        ours, theirs = self.product(key), self.product_for_statement(st)
        if ours is not None and theirs is not None:
            # Two catalogue products: their own names say which line each is, where the
            # spellings do not ("Citrix Workspace 2402 LTSR" vs "... app for Windows").
            item_words = self._bare_words(ours.name, ours.vendor)
            st_words = self._bare_words(theirs.name, theirs.vendor)
        extra = [w for w in item_words if w not in st_words]
        missing = [w for w in st_words if w not in item_words]
        if extra and set(extra) <= VARIANT_WORDS and not missing:
            return f"'{shown}' is a separate build line ({' '.join(extra)})"
        if missing and set(missing) <= VARIANT_WORDS and not extra:
            return f"'{shown}' is not the {' '.join(missing)} build line the statement names"
        if extra and not missing:
            return f"'{shown}' has the extra words '{' '.join(extra)}'"
        if missing and not extra:
            return f"'{shown}' lacks the words '{' '.join(missing)}'"
        if item_words == st_words or not (extra or missing):
            return f"'{shown}' is spelled like '{st.product}' but the catalogue keeps them apart"
        names = f"'{' '.join(item_words)}' is not '{' '.join(st_words)}'"
        if self._same_vendor(item, st):
            return f"another {self._display_vendor(st.vendor)} product: {names}"
        return f"different names: {names}"


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


def _with_platform_dropped(names: tuple[str, ...]) -> list[str]:
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


def _similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """How near two names look, 0..1; only used to pick and rank explanations.

    The best of character similarity, word overlap, and (discounted) containment, so that
    "edge webview2 runtime" is near "edge" although most of its characters are extra.
    """
    if not a or not b:
        return 0.0
    chars = difflib.SequenceMatcher(None, " ".join(a), " ".join(b)).ratio()
    common = len(set(a) & set(b))
    overlap = common / len(set(a) | set(b))
    contained = 0.8 * common / min(len(set(a)), len(set(b)))
    return max(chars, overlap, contained)


# -- the catalogue file ---------------------------------------------------------------------

_FIELDS: dict[str, type] = {
    "id": str,
    "vendor": str,
    "name": str,
    "aliases": list,
    "vendor_aliases": list,
    "cpe": list,
    "purl": list,
    "note": str,
    "scheme": str,
}
_REQUIRED = ("id", "vendor", "name")


def _read_catalogue(path: Path) -> list[Product]:
    """Parse and check every [[product]] table; all errors at once, each with its TOML path."""
    hint = "see the comment at the top of rules/products.toml for the keys a product takes"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the product catalogue ({exc.strerror})", hint) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", hint) from None
    errors = [f"unknown top-level key {k!r}" for k in data if k != "product"]
    tables = data.get("product", [])
    if not isinstance(tables, list):
        errors.append("'product' must be an array of tables ([[product]])")
        tables = []
    products = []
    for i, table in enumerate(tables):
        product, problems = _product_from_table(table, f"product[{i}]")
        errors.extend(problems)
        if product is not None:
            products.append(product)
    if errors:
        raise ConfigError(f"{path}: " + "; ".join(errors), hint)
    return products


def _field_errors(table: dict[str, Any], where: str) -> list[str]:
    errors = [f"{where}: missing key {k!r}" for k in _REQUIRED if not table.get(k)]
    for key, value in table.items():
        want = _FIELDS.get(key)
        if want is None:
            close = difflib.get_close_matches(key, list(_FIELDS), n=1)
            maybe = f" (did you mean {close[0]!r}?)" if close else ""
            errors.append(f"{where}: unknown key {key!r}{maybe}")
        elif want is str and not isinstance(value, str):
            errors.append(f"{where}.{key}: must be a string")
        elif want is list and not (isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)):
            errors.append(f"{where}.{key}: must be a list of non-empty strings")
    return errors


def _product_from_table(table: Any, where: str) -> tuple[Product | None, list[str]]:
    if not isinstance(table, dict):
        return None, [f"{where} must be a table"]
    if isinstance(table.get("id"), str):
        where = f"{where} ({table['id']})"
    errors = _field_errors(table, where)
    if errors:
        return None, errors
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", table["id"]):
        errors.append(f"{where}.id: use lower-case letters, digits and '-'")
    for cpe in table.get("cpe", []):
        if not cpe.startswith("cpe:2.3:") or parse_cpe(cpe) is None:
            errors.append(f"{where}.cpe: {cpe!r} is not a CPE 2.3 name")
    for purl in table.get("purl", []):
        if purl_base(purl) is None:
            errors.append(f"{where}.purl: {purl!r} is not a purl (pkg:type/namespace/name)")
    scheme = table.get("scheme")
    if scheme is not None and scheme not in SCHEMES:
        close = difflib.get_close_matches(scheme, sorted(SCHEMES), n=1)
        maybe = f" (did you mean {close[0]!r}?)" if close else ""
        errors.append(f"{where}.scheme: unknown version scheme {scheme!r}{maybe}")
    if errors:
        return None, errors
    lists = {k: tuple(table.get(k, ())) for k in ("aliases", "vendor_aliases", "cpe", "purl")}
    note = table.get("note", "")
    return Product(table["id"], table["vendor"], table["name"], **lists, note=note, scheme=scheme), []
