"""Products that another product runs on: a plugin's platform, an app's operating system.

"The Ultimate Member plugin for WordPress before 2.6.7", "LiteSpeed Cache for WordPress 6.3":
the versions are the plugin's, and WordPress only says where it runs. "HBS 3 v16.0.0415 on QTS
4.5.2", "on QTS 5.0.1 install Photo Station 6.1.2": the host's own version is a condition of
the other product's build, not a statement about the host. Both readings leave the host out, so
its name never takes the add-on's versions and its condition never becomes a fix or an alert.
"""

from __future__ import annotations

from .lookaround import is_conj, is_filler
from .model import Tok

# Nouns for a product that extends another: "the X plugin for WordPress", "X app for Confluence".
_ADD_ON = frozenset(
    {"plugin", "plug-in", "extension", "add-on", "addon", "app", "theme", "module", "connector", "integration"}
)


def drop_hosts(toks: list[Tok]) -> list[Tok]:
    out = list(toks)
    for i, tok in enumerate(toks):
        if tok.kind != "prod" or i == 0 or toks[i - 1].kind != "word":
            continue
        word = toks[i - 1].text.lower()
        if word == "for" and _add_on_before(toks, i - 2, tok.product):
            out[i] = Tok("word", tok.text)  # its name only: the versions after it are the add-on's
        elif word == "on" and _has_own_version(toks, i):
            end = _version_list_end(toks, i + 1)
            after_a_build = i >= 2 and toks[i - 2].kind == "ver"  # "HBS 3 v16.0.0415 on QTS 4.5.2"
            if after_a_build or _versioned_product_at(toks, end, tok.product):
                out[i:end] = [Tok("word", "")] * (end - i)  # the condition, blanked in place
    return [t for t in out if t.kind != "word" or t.text]


def _add_on_before(toks: list[Tok], k: int, host: int) -> bool:
    """ "Ultimate Member plugin for", "LiteSpeed Cache for": another product right before."""
    if k >= 0 and toks[k].kind == "word" and toks[k].text.lower() in _ADD_ON:
        k -= 1
    return k >= 0 and toks[k].kind == "prod" and toks[k].product != host


def _has_own_version(toks: list[Tok], i: int) -> bool:
    return i + 1 < len(toks) and toks[i + 1].kind == "ver"


def _version_list_end(toks: list[Tok], j: int) -> int:
    """The end of the versions right after a name: "4.5.2", "5.0.0 and 4.5.x"."""
    end = j
    while j < len(toks) and (toks[j].kind == "ver" or is_conj(toks[j]) or is_filler(toks[j])):
        if toks[j].kind == "ver":
            end = j + 1
        j += 1
    return end


def _versioned_product_at(toks: list[Tok], k: int, host: int) -> bool:
    """ "on QTS 5.0.1 install Photo Station 6.1.2": another product, with a version right after
    its name, right after the host's versions (one verb between at most)."""
    if k < len(toks) and toks[k].kind == "word" and not is_filler(toks[k]):
        k += 1
    if k >= len(toks) or toks[k].kind != "prod" or toks[k].product == host:
        return False
    j = k + 1
    while j < len(toks) and is_filler(toks[j]):
        j += 1
    return j < len(toks) and toks[j].kind == "ver"
