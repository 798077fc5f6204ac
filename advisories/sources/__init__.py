"""Sources turn downloaded bytes into advisories. One module per kind, listed in BUILTIN_MODULES.

A source never touches HTTP, the store or email: `fetch.py` downloads, the pipeline stores.
Each source says what it is: its kind, its authority rank (who decides the affected versions
when several sources speak of one CVE; lower wins) and whether it is structured (states its
versions itself) or prose. Adding a source is one module and one line in BUILTIN_MODULES;
the config, `check` and the merge read what it declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from advisories.models import Advisory, FetchResult


@dataclass(frozen=True, slots=True)
class Authority:
    """Where a kind of advisory stands when sources disagree on the affected versions."""

    kind: str
    rank: int  # lower wins: the curated rule, then the vendor's CSAF, the CNA's CVE record, ...
    structured: bool  # states its versions itself; prose (False) is only read as a fallback
    label: str  # in words, for "versions from ..." on an alert


# Curated rules are read from rules/, not fetched: an authority with no feed kind.
RULE = Authority("rule", 0, True, "the LGA team's curated rule")
# Feed items (NCSC reports, vendor RSS) and anything unregistered: prose, read last.
PROSE = Authority("prose", 100, False, "the advisory's own text")


class Source(Protocol):
    kind: str
    rank: int
    structured: bool
    label: str

    def parse(self, body: bytes, *, feed: str, url: str) -> list[Advisory]:
        """Parse one downloaded document. Raise ParseError when it is not this kind at all."""
        ...


class Fetcher(Protocol):
    """Downloads one URL for the feed being collected (fetch.py, with the feed's policy)."""

    def __call__(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
        extra_headers: Mapping[str, str] | None = None,
    ) -> FetchResult: ...


@dataclass
class Collected:
    """What a collecting source found in one run.

    `cursor` is stored for the feed and handed back next run (a CSAF changes.csv timestamp,
    an NVD lastModified window end), so only what is new or changed is downloaded again.
    `problems` holds one line per document that failed: one bad document never stops the rest.
    """

    advisories: list[Advisory] = field(default_factory=list)
    cursor: str | None = None
    problems: list[str] = field(default_factory=list)


@runtime_checkable
class CollectingSource(Source, Protocol):
    """A source that needs more than one download per run (CSAF discovery, NVD paging)."""

    def collect(
        self, feed: str, url: str, get: Fetcher, cursor: str | None, secret: str | None
    ) -> Collected:
        """`secret` is the API key read from the feed's `api_key_env`, if any."""
        ...


SOURCES: dict[str, Source] = {}
_AUTHORITIES: dict[str, Authority] = {RULE.kind: RULE}


def register(source: Source) -> Source:
    if source.kind in SOURCES:
        raise ValueError(f"source kind {source.kind!r} registered twice")
    SOURCES[source.kind] = source
    register_authority(Authority(source.kind, source.rank, source.structured, source.label))
    return source


def register_authority(authority: Authority) -> None:
    """For advisory kinds a source emits beside its own (CISA-ADP data inside a CVE record)."""
    if _AUTHORITIES.get(authority.kind, authority) != authority:
        raise ValueError(f"advisory kind {authority.kind!r} registered twice")
    _AUTHORITIES[authority.kind] = authority


def authority_of(kind: str) -> Authority:
    """A stored advisory's standing; feed items ("report", "news", "alert") are prose."""
    _load_builtins()
    return _AUTHORITIES.get(kind, PROSE)


def source_for(kind: str) -> Source:
    _load_builtins()
    return SOURCES[kind]


def known_kinds() -> list[str]:
    _load_builtins()
    return sorted(SOURCES)


_loaded = False


def _load_builtins() -> None:
    # Imported lazily so a broken optional source cannot stop the others from loading.
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib

    for name in BUILTIN_MODULES:
        importlib.import_module(f"advisories.sources.{name}")


BUILTIN_MODULES: tuple[str, ...] = ("rss", "csaf", "cve", "kev", "nvd", "epss")
