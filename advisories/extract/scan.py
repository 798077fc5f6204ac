"""Clause text -> tokens: noise masked, catalogue products found, versions and operators read."""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from dataclasses import dataclass
from functools import lru_cache

from . import lexicon as lx
from . import noise
from .hosts import drop_hosts
from .model import KnownProduct, Mention, Tok
from .modifiers import drop_modifiers
from .release_names import builds_for_names

_GLUED_RANGE = re.compile(r"^(\d+(?:\.\d+)+)-(\d+(?:\.\d+)+)$")
_WORD = re.compile(r"[A-Za-z][\w'.-]*\w|[A-Za-z]")
_NUM = re.compile(r"\d+")
_PUNCT = re.compile(r"[(),:;|/&\[\]]")
_VARIANT_SUFFIX = re.compile(r"-((?=[0-9A-Za-z]*[A-Za-z])[0-9A-Z][0-9A-Za-z]{1,9})(?![\w-])")
_ELLIPSIS = re.compile(r"\s*(?:\([^()]{1,40}\)\s*)?(?:,|and|or|&|/)\s*(?:the\s+)?([A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,2})")
# "Grafana Labs has released 9.5.4": a product name that is part of its maker's name is the
# vendor, not the product (the versions are those of the products the text is about).
_COMPANY_AFTER = re.compile(r"\s+(?:Labs|Inc|Ltd|LLC|Corp|Corporation|GmbH)\b")
_LIST_GAP = re.compile(r"\s*(?:,|,?\s*(?:and|or|&))?\s*(?:the\s+)?")
_BEFORE_PLATFORM = re.compile(r"\b(?:for|on|running|under)\s+$", re.IGNORECASE)
# "iOS 17.1.2", "iOS and iPadOS 18.3.2", "iOS and iPadOS 17 before 17.4", "iOS and iPadOS to
# 18.6.2", "macOS Sonoma 14.1.2", "iOS and iPadOS before 17.3", "watchOS earlier than 11.3": an
# OS name with its own version or bound (maybe after a sibling OS name or a release codename)
# is the product being fixed, not the platform of the products around it.
_OS_BOUND = r"(?:to|before|prior\s+to|earlier\s+than|older\s+than|below|through|up\s+to(?:\s+and\s+including)?)"
_OWN_VERSION = re.compile(
    r"\s+(?:(?:and|or|&|/)\s+[A-Za-z]+OS\s+)?(?:[A-Z][a-z]+\s+){0,2}(?:versions?\s+)?"
    rf"(?:{_OS_BOUND}\s+)?v?\d+(?:\.\d|\s+(?:before|prior\s+to)\s+\d)"
)


def mask_noise(text: str, products: Container[str] = ()) -> str:
    """Blank out ids, dates, CVSS scores and the like, keeping every other offset.

    `products`: the catalogue's names as `_key`s; a runtime the catalogue lists keeps its version."""
    for pattern in noise.NOISE:
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    text = noise.RUNTIME.sub(lambda m: m.group(0) if _key(m.group("name")) in products else " " * len(m.group(0)), text)
    for pattern in noise.DATES:
        text = pattern.sub(lambda m: m.group(0) if _date_as_version(m) else " " * len(m.group(0)), text)
    return text


def _date_as_version(m: re.Match[str]) -> bool:
    """ "FortiOS 7/2/2004 and below": a date where a version belongs was a version once (a
    spreadsheet's doing); left in, it reads as a mangled version and goes to review."""
    text = m.string
    after = noise.DATE_AS_VERSION_AFTER.match(text, m.end())
    return bool(after or noise.DATE_AS_VERSION_BEFORE.search(text, 0, m.start()))


def _key(name: str) -> str:
    # Spacing is not identity: "3CX Desktop App", "3CX DesktopApp" and "3CXDesktopApp"; nor is
    # the vendor's possessive: "Microsoft's Edge" is "Microsoft Edge".
    return "".join(_POSSESSIVE.sub("", name).lower().split())


_POSSESSIVE = re.compile(r"(?<=\w)['’]s(?=\s)")


def _spelling(name: str) -> str:
    """A catalogue name as a pattern: any spacing between its words, and after the first word
    (the vendor's, in a multi-word name) an optional possessive ("Microsoft's Edge")."""
    words = [re.escape(w) for w in name.split()]
    if len(words) < 2:
        return "".join(words)
    return words[0] + r"(?:['’]s)?\s*" + r"\s*".join(words[1:])


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    product: int
    variant: str = ""
    ellipsis: bool = False


class ProductIndex:
    """Finds catalogue names and aliases in text, longest first, case-insensitively."""

    def __init__(self, products: Sequence[KnownProduct]) -> None:
        self.products = tuple(products)
        self.names: dict[str, int] = {}
        for i, p in enumerate(self.products):
            for name in (p.name, *p.aliases):
                self.names.setdefault(_key(name), i)
        self.lines = self._lines()
        spelled = sorted({n for p in self.products for n in (p.name, *p.aliases)}, key=len, reverse=True)
        body = "|".join(_spelling(a) for a in spelled)
        # Not inside a file name or a path: "/includes/backup-heart.php" names no PHP. Nor
        # ending inside a version: "Struts 2.3.32" is Struts at 2.3.32, not "Struts 2" at ".3.32".
        self.pattern = (
            re.compile(rf"(?<![A-Za-z0-9])(?<!\w[./\\])(?:{body})(?![A-Za-z0-9]|\.\d)", re.I) if spelled else None
        )

    def _lines(self) -> dict[Mention, int]:
        """(product, variant word) -> the catalogue product that is that build line, when the
        catalogue lists it: "Citrix Workspace app" (or its alias "... for Windows") + LTSR is
        "Citrix Workspace app LTSR"; a product already named for the line is itself."""
        lines: dict[Mention, int] = {}
        for i, p in enumerate(self.products):
            for name in (p.name, *p.aliases):
                words = name.split()
                for word in words:
                    if word.lower() in lx.VARIANT_WORDS:
                        lines.setdefault((i, word.lower()), i)
                base = self.names.get(_key(" ".join(words[:-1])))
                if words[-1].lower() in lx.VARIANT_WORDS and base is not None and base != i:
                    lines.setdefault((base, words[-1].lower()), i)
        return lines

    def line(self, mention: Mention) -> Mention:
        """The mention as the catalogue's own product when it lists the variant's line
        (no variant left then), otherwise unchanged."""
        product, variant = mention
        hit = self.lines.get((product, variant.lower())) if variant else None
        return mention if hit is None else (hit, "")

    def find(self, text: str) -> list[Span]:
        if self.pattern is None:
            return []
        spans = [self._span(m, text) for m in self.pattern.finditer(text)]
        spans = [s for s in self._drop_platform_words(spans, text) if not _COMPANY_AFTER.match(text, s.end)]
        return sorted(spans + self._ellipses(spans, text), key=lambda s: s.start)

    def _span(self, m: re.Match[str], text: str) -> Span:
        # "FortiOS-6K7K" is a separate build line of FortiOS (pitfall 8), not FortiOS itself.
        v = _VARIANT_SUFFIX.match(text, m.end())
        end = v.end() if v else m.end()
        return Span(m.start(), end, self.names[_key(m.group(0))], v.group(1) if v else "")

    def _drop_platform_words(self, spans: list[Span], text: str) -> list[Span]:
        # A product named like a platform ("Windows") is the platform after "for"/"on", or
        # when another product is the subject of the sentence.
        def is_platform(s: Span) -> bool:
            return _key(text[s.start : s.end]) in lx.PLATFORM_WORDS

        def used_as_platform(s: Span) -> bool:
            # "for macOS", "macOS: 18.11.1213", or another product is the subject.
            if _BEFORE_PLATFORM.search(text[: s.start]) or text[s.end : s.end + 1] == ":":
                return True
            return others and not _OWN_VERSION.match(text, s.end)

        others = any(not is_platform(s) for s in spans)
        return [s for s in spans if not is_platform(s) or not used_as_platform(s)]

    def _ellipses(self, spans: list[Span], text: str) -> list[Span]:
        """ "PaperCut MF or NG", "NetScaler ADC and Gateway": the second name shares the first's head."""
        taken = {s.start for s in spans}
        found: list[Span] = []
        chain: list[Span] = []  # the names listed so far: "Zyxel VPN, USG FLEX and ATP series"
        for s in sorted(spans, key=lambda s: s.start):
            chain = [*chain, s] if chain and _LIST_GAP.fullmatch(text, chain[-1].end, s.start) else [s]
            m = _ELLIPSIS.match(text, s.end)
            if not m or m.start(1) in taken:
                continue
            tail = m.group(1).split()
            # The nearest name first; an earlier one of the same list may hold the shared head
            # ("Zyxel" of "Zyxel VPN" for "ATP series" after "USG FLEX").
            for named in reversed(chain):
                hit = self._complete(text[named.start : named.end].split(), tail)
                if hit is not None:
                    words, product = hit
                    end = m.start(1) + len(" ".join(tail[:words]))
                    found.append(Span(m.start(1), end, product, ellipsis=True))
                    break
        return found

    def _complete(self, head: list[str], tail: list[str]) -> tuple[int, int] | None:
        for words in range(len(tail), 0, -1):
            for drop in range(1, len(head)):
                name = _key(" ".join(head[:-drop] + tail[:words]))
                if name in self.names:
                    return words, self.names[name]
        return None


@lru_cache(maxsize=32)
def product_index(products: tuple[KnownProduct, ...]) -> ProductIndex:
    return ProductIndex(products)


def tokenize(text: str, index: ProductIndex) -> list[Tok]:
    masked = mask_noise(text, index.names)
    tokens: list[Tok] = []
    pos = 0
    for span in index.find(masked):
        if span.start < pos:
            continue
        tokens += _scan(masked, pos, span.start)
        family = "ellipsis" if span.ellipsis else ""
        tokens.append(Tok("prod", masked[span.start : span.end], family, span.product, span.variant))
        pos = span.end
    return drop_modifiers(drop_hosts(builds_for_names(_opaque(tokens + _scan(masked, pos, len(masked))))))


def _scan(text: str, start: int, end: int) -> list[Tok]:
    out: list[Tok] = []
    i = start
    while i < end:
        if text[i].isspace():
            i += 1
            continue
        tok, i2 = _one(text, i, end)
        if tok:
            out += tok
        i = max(i2, i + 1)
    return out


def _opaque(tokens: list[Tok]) -> list[Tok]:
    """ "6.7 before ESXi670-202102401-SG", "released ESXi80U2sb-23305545 and ESXi70U3p-...": a
    patch name with digits right after a bound or a fix (or after another one and a
    conjunction) is that bound or fix, though no version; kept as written, marked opaque."""
    out: list[Tok] = []
    for tok in tokens:
        if tok.kind == "word" and _patch_name(tok.text) and _opaque_slot(out):
            tok = Tok("ver", tok.text, family="opaque")
        out.append(tok)
    return out


def _patch_name(text: str) -> bool:
    return any(ch.isdigit() for ch in text) and not lx.UPDATE_LABEL.match(text)


def _opaque_slot(before: list[Tok]) -> bool:
    prev = before[-1] if before else None
    if prev is not None and prev.kind == "op" and prev.family in ("pre_fixed", "pre_last", "fix"):
        return True
    return (
        len(before) >= 2
        and prev is not None
        and (prev.text.lower() in lx.CONJUNCTIONS)
        and before[-2].family == "opaque"
    )


def _one(text: str, i: int, end: int) -> tuple[list[Tok], int]:
    m = lx.VERSION.match(text, i, end)
    if m:
        return _version(m), m.end()
    m = lx.OPERATOR.match(text, i, end)
    if m:
        phrase = " ".join(m.group(0).lower().replace(",", " ").split())
        if phrase.endswith(" before") and lx.BOUND_NEXT.match(text, m.end(), end):
            # "from 4.25 and before 4.44.3": a conjunction, then the "before" of the next bound.
            conj = _WORD.match(text, i, end)
            if conj:
                return [Tok("word", conj.group(0))], conj.end()
        return [Tok("op", phrase, lx.OPERATORS[phrase])], m.end()
    m = lx.PLATFORM.match(text, i, end)
    if m:
        return [Tok("plat", m.group(0), lx.platform_of(m.group(0)))], m.end()
    for kind, rx in (("word", _WORD), ("num", _NUM), ("punct", _PUNCT)):
        m = rx.match(text, i, end)
        if m:
            return [_punct(m.group(0)) if kind == "punct" else Tok(kind, m.group(0))], m.end()
    return [], i + 1


def _punct(ch: str) -> Tok:
    kind = {"(": "open", "[": "open", ")": "close", "]": "close"}.get(ch, "punct")
    return Tok(kind, ch, ch)


def _version(m: re.Match[str]) -> list[Tok]:
    # Siemens and Zyxel write "V11.6.2", "V5.38": the V is kept as written (their schemes read it).
    core = (m.group("vee") or "") + m.group("core")
    glued = _GLUED_RANGE.match(core)
    if glued:
        a, b = glued.groups()
        # "8.0.0-8.3.2", "15.0.0-15.1.0.3" and "5.1.3.001-9.2.0.006" are ranges; "13.1-49.13"
        # is a Citrix release-build: a two-part release whose build restarts per release, so
        # the build's first part never repeats the release's major.
        if a.count(".") >= 2 or (a.count(".") == b.count(".") and a.split(".")[0] == b.split(".")[0]):
            return [Tok("ver", a), Tok("op", "-", "infix", variant="glued"), Tok("ver", b)]
    # "13.1-FIPS", "2203 LTSR", "2402 LTSR CU1": the build line the version is on.
    variant = "LTSR" if m.group("ltsr") else (m.group("variant") or "").lstrip("-").strip()
    alts = tuple(_alternate(core, a) for a in (m.group("alt") or "").split("/") if a)
    return [
        Tok(
            "ver",
            core,
            variant=variant,
            alts=alts,
            wildcard=bool(lx.WILDCARD.match(core)),
        )
    ]


def _alternate(core: str, suffix: str) -> str:
    """ "116.0.5845.187/.188" and "120.0.6099.129/130": the alternative replaces the last part;
    a shorter one its last digits, as page ranges are written ("187/.88" is 188)."""
    head, _, last = core.rpartition(".")
    digits = suffix.lstrip(".")
    return f"{head}.{last[: max(len(last) - len(digits), 0)]}{digits}"
