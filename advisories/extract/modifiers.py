"""Product names used as modifiers of another noun: "place a PHP file on the server", "run
arbitrary Python code". The name says what kind of file or code it is, not which product the
sentence is about, so it must not become the product that a later clause's versions ("site
owners should update to 1.3.79") fall back on.
"""

from __future__ import annotations

from .model import Tok

# Things an attacker uploads, writes or runs, named by the language or format they are in.
_ARTEFACTS = frozenset(
    {"file", "files", "script", "scripts", "code", "payload", "payloads", "webshell", "webshells", "snippet"}
    | {"snippets", "document", "documents", "archive", "archives", "macro", "macros", "expression", "expressions"}
)


def drop_modifiers(toks: list[Tok]) -> list[Tok]:
    """A name right before an artefact noun, with no version of its own, becomes a plain word."""
    out = list(toks)
    for i, tok in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if tok.kind != "prod" or nxt is None or nxt.kind != "word" or nxt.text.lower() not in _ARTEFACTS:
            continue
        if i > 0 and toks[i - 1].kind in ("ver", "prod"):
            continue  # "Firefox 128.1 files": not a modifier after all
        out[i] = Tok("word", tok.text)
    return out
