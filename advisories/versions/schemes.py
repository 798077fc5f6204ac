"""The scheme registry, and the cached `parse_version` / `compare` everyone calls."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from .core import LABEL, ParsedVersion, Relation
from .packages import parse_deb, parse_pep440, parse_rpm, parse_semver
from .tokens import labels_comparable, parse_generic, parse_maven, parse_nginx
from .vendor import (
    parse_cisco_ios,
    parse_citrix,
    parse_citrix_workspace,
    parse_citrix_workspace_ltsr,
    parse_ivanti,
    parse_java,
    parse_openssl,
    parse_python_windows,
    parse_siemens,
    parse_vmware,
    siemens_ordered,
)

# Never PEP 440 or semver (VERSIONS.md pitfall 1): they read 17.9.4a and 1.1.1c as
# pre-releases and reject 22.4R2.1. The generic vendor scheme orders every shape in the
# brief sensibly and refuses the ones it would order wrongly (epochs, IOS trains).
DEFAULT_SCHEME = "generic"

Parser = Callable[[str], ParsedVersion | None]

_PARSERS: dict[str, Parser] = {
    "generic": parse_generic,
    "pep440": parse_pep440,
    "semver": parse_semver,
    "maven": parse_maven,
    "deb": parse_deb,
    "rpm": parse_rpm,
    "openssl": parse_openssl,
    "nginx": parse_nginx,
    "java": parse_java,
    "citrix": parse_citrix,
    "ivanti": parse_ivanti,
    "cisco-ios": parse_cisco_ios,
    "vmware": parse_vmware,
    "citrix-workspace": parse_citrix_workspace,
    "citrix-workspace-ltsr": parse_citrix_workspace_ltsr,
    "siemens": parse_siemens,
    "python-windows": parse_python_windows,
}

SCHEMES: frozenset[str] = frozenset(_PARSERS)


class UnknownSchemeError(ValueError):
    """A scheme name that is not in SCHEMES (a programming or rule-file error)."""


def resolve_scheme(scheme: str | None) -> str:
    """The scheme to use: the given one, lower-cased, or DEFAULT_SCHEME when None/empty."""
    if not scheme:
        return DEFAULT_SCHEME
    name = scheme.strip().lower()
    if name not in _PARSERS:
        raise UnknownSchemeError(
            f"unknown version scheme {scheme!r}; expected one of {', '.join(sorted(SCHEMES))}"
        )
    return name


@lru_cache(maxsize=1 << 18)
def _parse_cached(text: str, scheme: str) -> ParsedVersion | None:
    return _PARSERS[scheme](text)


MAX_VERSION_CHARS = 200


def parse_version(text: str, scheme: str | None = None) -> ParsedVersion | None:
    """Read `text` under `scheme` (default: the generic vendor scheme).

    Returns None when the string does not have the scheme's shape: callers must treat
    that as "cannot tell", never as "not affected". Raises UnknownSchemeError (a
    ValueError) for a scheme name outside SCHEMES. Results are cached per (text, scheme).
    """
    scheme = resolve_scheme(scheme)
    if len(text) > MAX_VERSION_CHARS:
        return None  # no release is written so long; feed text is hostile (regex cost, int limits)
    return _parse_cached(text, scheme)


def relation(a: ParsedVersion, b: ParsedVersion) -> Relation:
    """Whether `a` and `b` can be ordered (ORDERED), lie on different lines (OTHER_LINE:
    Cisco IOS trains; a Citrix Workspace LTSR and the current release), or cannot be
    compared at all (UNCLEAR: other schemes, or other notations of possibly the same
    release, such as "8u381" and "1.8.0_381" in the generic scheme)."""
    if a.scheme != b.scheme:
        return Relation.UNCLEAR
    if a.scheme == "siemens":  # its one line marks a notation, not a release line
        return Relation.ORDERED if siemens_ordered(a, b) else Relation.UNCLEAR
    if a.line == b.line:
        return Relation.ORDERED
    if (a.line is not None and a.line[0] == LABEL) or (b.line is not None and b.line[0] == LABEL):
        return Relation.ORDERED if labels_comparable(a, b) else Relation.UNCLEAR
    return Relation.OTHER_LINE


def compare_parsed(a: ParsedVersion, b: ParsedVersion) -> int | None:
    """-1/0/1, or None when the two are not comparable (different schemes, IOS trains or
    notations; see `relation`)."""
    if a.scheme != b.scheme or (a.line != b.line and relation(a, b) is not Relation.ORDERED):
        return None
    if a.key == b.key:
        return 0
    return -1 if a.key < b.key else 1


def compare(a: str, b: str, scheme: str | None = None) -> int | None:
    """Compare two version strings under one scheme: -1, 0 or 1.

    None when either string cannot be read under the scheme or the two cannot be ordered
    (Cisco IOS versions on different trains, a Workspace LTSR update and a current release
    in "citrix-workspace"; in the generic scheme, a release written with
    an update label against a finer build number: "8u381" and "1.8.0_381").
    """
    pa, pb = parse_version(a, scheme), parse_version(b, scheme)
    if pa is None or pb is None:
        return None
    return compare_parsed(pa, pb)
