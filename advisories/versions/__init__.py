"""Version schemes and ranges: is an installed version inside an advisory's affected set?

"Cannot parse" is UNKNOWN, never "not affected". The default scheme is the generic vendor
scheme (numeric segments as integers, trailing zeros equal, pre-release words before the
release, other words after it); see `tokens` for the exact rule and VERSIONS.md for why
PEP 440 and semver are never the default.

Public API:
    parse_version(text, scheme=None) -> ParsedVersion | None
    compare(a, b, scheme=None) -> -1 | 0 | 1 | None
    compile_statement(statement) -> VersionMatcher;  VersionMatcher.status(version) -> Verdict
    osv_range(...), nvd_range(...), nginx_ranges(...) -> models.VersionRange(s)
    parse_vers(text) -> VersSpec  (raises VersParseError, a ValueError)
"""

from __future__ import annotations

from .core import ParsedVersion
from .matcher import Verdict, VersionMatcher, compile_statement
from .ranges import describe_range, nginx_ranges, nvd_range, osv_range
from .schemes import (
    DEFAULT_SCHEME,
    SCHEMES,
    UnknownSchemeError,
    compare,
    compare_parsed,
    parse_version,
)
from .vers import VERS_TYPES, VersParseError, VersSpec, parse_vers

__all__ = [
    "DEFAULT_SCHEME",
    "SCHEMES",
    "VERS_TYPES",
    "ParsedVersion",
    "UnknownSchemeError",
    "Verdict",
    "VersParseError",
    "VersSpec",
    "VersionMatcher",
    "compare",
    "compare_parsed",
    "compile_statement",
    "describe_range",
    "nginx_ranges",
    "nvd_range",
    "osv_range",
    "parse_vers",
    "parse_version",
]
