"""Order numbers in brackets: "SIMATIC S7-1500 CPU 1511-1 PN (6ES7511-1AK01-0AB0)".

Siemens names hardware by its article number (MLFB), and ICSA-24-284-01 lists the
6ES7511-1AK01-0AB0 and the 6ES7511-1AL03-0AB0 as two products with one display name and
different fixes. The article number is identity, not a version: two names that differ only
in it are different products. A name without one ("SIMATIC S7-1500 CPU 1511-1 PN", as an
inventory lists it) is still the product, left to its version, so the number is taken out of
the name's words (`without_articles`) and kept beside its release line (`article_numbers`).
"""

from __future__ import annotations

import re

# 6ES7511-1AK01-0AB0, 6GK1160-4AA01, 6AG1518-4AX00-4AC0: digit, two letters, four digits,
# then "-" digit, two letters, two digits, and optionally "-" digit, two letters, digit.
_ARTICLE = re.compile(r"(?<![\w-])\d[A-Z]{2}\d{4}-\d[A-Z]{2}\d{2}(?:-\d[A-Z]{2}\d)?(?![\w-])", re.IGNORECASE)
# A bracket holding at least one article number, whatever else it says ("(MLFB:
# 6ES7518-4AX00-1AC0, 6AG1518-4AX00-4AC0, incl. SIPLUS variant)").
_ARTICLE_BRACKET = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]")


def _brackets(name: str) -> list[re.Match[str]]:
    return [m for m in _ARTICLE_BRACKET.finditer(name) if _ARTICLE.search(m[1])]


def article_numbers(name: str) -> frozenset[str]:
    """The article numbers a name gives in brackets, in capitals; empty when it gives none."""
    return frozenset(a.upper() for m in _brackets(name) for a in _ARTICLE.findall(m[1]))


def without_articles(name: str) -> str:
    """The name without its brackets of article numbers ("... 1511-1 PN (6ES7511-1AK01-0AB0)"
    -> "... 1511-1 PN"), so that it has the key of the same name written without them."""
    found = _brackets(name)
    if not found:
        return name
    parts, at = [], 0
    for m in found:
        parts.append(name[at : m.start()])
        at = m.end()
    return " ".join(p for p in ("".join(parts), name[at:].strip()) if p)


def articles_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    """False only when both names give article numbers and share none: a name without one
    may be either, and its version decides."""
    return not a or not b or not a.isdisjoint(b)
