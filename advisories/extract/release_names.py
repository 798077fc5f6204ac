"""A release named in words with its build in brackets: the build is the version.

"Sophos Firewall v21.0 MR1 (21.0.1)", "Report Server 2024 Q1 (10.0.24.130)", "MiCollab 9.8
SP1 FP2 (9.81.201)": the name (a maintenance release, a quarter, a service pack) orders
nothing the version schemes can read, and the vendor prints the build it stands for right
after it. The build takes the name's place, so a bound or a fix is on the build's own line.
A plain version before a plain version in brackets ("2021.0.8 (13.0.8)") is a second
numbering of one build and stays as it is.
"""

from __future__ import annotations

import re

from .model import Tok

_NAMED = re.compile(r"\s(?:(?:MR|SU|SP|HF|Hotfix|Patch|Update)\s?\d+[a-z]?(?:\s(?:FP|HF)\d+)?|GA)$", re.IGNORECASE)
_NAME_PART = re.compile(r"^(?:Q[1-4]|H[12]|R[1-4]|[A-Z]{1,3}\d{1,2})$")  # "Q1", "R2", "FP2", "SP1"
_YEAR = re.compile(r"^20\d{2}$")


def builds_for_names(toks: list[Tok]) -> list[Tok]:
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        end = _name_end(toks, i)
        build = _bracketed_build(toks, end) if end else None
        if build is not None:
            out.append(build)
            i = end + (4 if toks[end + 1].kind == "word" else 3)
            continue
        out.append(toks[i])
        i += 1
    return out


def _name_end(toks: list[Tok], i: int) -> int:
    """Where a release name starting at `i` ends (its bracket), or 0 when none starts there."""
    tok = toks[i]
    named = tok.kind == "ver" and bool(_NAMED.search(tok.text))
    year = tok.kind == "num" and bool(_YEAR.match(tok.text))
    j = i + 1
    while j < len(toks) and toks[j].kind == "word" and _NAME_PART.match(toks[j].text):
        named = named or year or tok.kind == "ver"
        j += 1
    return j if named and j < len(toks) and toks[j].kind == "open" else 0


def _bracketed_build(toks: list[Tok], k: int) -> Tok | None:
    """ "(21.0.1)", "(build 10.0.24.130)": one version alone in the brackets."""
    k += 1
    if k < len(toks) and toks[k].kind == "word" and toks[k].text.lower() == "build":
        k += 1
    if k + 1 < len(toks) and toks[k].kind == "ver" and toks[k + 1].kind == "close":
        return toks[k]
    return None
