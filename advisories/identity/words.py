"""The words of a display name, as an inventory or a bulletin writes it: the first reading.

"Mozilla Firefox 119.0 (x64 en-GB)", "Adobe Acrobat Reader DC - English", "Notepad++ (64-bit)":
trade marks, bitness, bracketed install details (architecture, locale, "User"), a spelled-out
language after a dash and bracketed article numbers go; what is left is split into words in
their original case (`raw_words`). The word classes later readings share live here too: the
variant words that name a separate build line, the version words, the version pattern and the
architectures.

A bottom-level module: it imports nothing from the package beyond `identity.articles` (itself
bottom-level), so `identity.platforms`, and through it `models`, can use it without a cycle.
"""

from __future__ import annotations

import re
import unicodedata

from advisories.identity.articles import without_articles

# Words naming a separate build line (VERSIONS.md pitfall 8). They survive version stripping
# and are split off a version they are glued to ("115.4.0esr", "13.1-FIPS"). Citrix's LTSR
# (Long Term Service Release) is one too: its cumulative updates carry fixes the current
# release gets in a later release, and Citrix's bulletins give each LTSR its own fixed build
# (CTX678036: "before 2403.1", "2402 LTSR before 2402 LTSR CU1"), so "Citrix Workspace 2402
# LTSR" (24.2.1001.2) is never judged by a current-release range; nor is any other Citrix
# row whose name says LTSR (Session Recording, VDA, StoreFront: CVE-2024-8069).
VARIANT_WORDS = frozenset({"fips", "ndcpp", "6k7k", "esr", "lts", "ltsr"})
# Words that only introduce a version: "Java 8 Update 381", "... 2019 Cumulative Update 13".
VERSION_WORDS = frozenset({"update", "cumulative", "version", "build", "release", "rev"})
ARCH = frozenset({"x64", "x86", "x86_64", "amd64", "arm64", "aarch64", "i386", "i686"})
# Inside brackets these are install details, not name: "(x64 en-GB)", "(User)", "(x64 edition)".
_BRACKET_NOISE = ARCH | {"arm", "user", "machine", "edition", "all", "users", "bit"}
VERSION = re.compile(
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


def _is_language_tag(part: str) -> bool:
    """'cy', 'ast', 'ca-valencia', 'ja-jp-mac': a known language, then any subtags."""
    first, *rest = part.split("-")
    return first in _LANGUAGES and all(_SUBTAG.fullmatch(t) for t in rest)


def _bracket_is_noise(inner: str) -> bool:
    parts = [p for p in re.split(r"[\s,;/_]+", inner.casefold()) if p]
    if all(p in _BRACKET_NOISE or VERSION.fullmatch(p) or _LOCALE.fullmatch(p) for p in parts):
        return True
    # A bare language is read as the locale only beside an architecture, as in Mozilla's
    # "(x64 de)": alone, "(IT)" or "(NO)" could be part of a name.
    return any(p in ARCH for p in parts) and all(
        p in _BRACKET_NOISE or VERSION.fullmatch(p) or _is_language_tag(p) for p in parts
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


def raw_words(name: str) -> list[str]:
    """Words of a name in their original case, with marks, bitness, bracketed noise and
    bracketed article numbers (identity, but kept apart: `release_line`) gone."""
    text = _drop_locale_suffix(_MARKS.sub(" ", without_articles(unicodedata.normalize("NFKC", name))))
    text = _PLUS.sub(lambda m: "plus" * len(m.group()), text)  # Notepad++ is not Notepad
    text = _GLUED_VARIANT.sub(r" \1", _BITNESS.sub(" ", text))
    text = _BRACKETS.sub(lambda m: " " if _bracket_is_noise(m[1]) else f" {m[1]} ", text)
    return [w for w in _WORD.findall(text) if w.casefold() not in ARCH]
