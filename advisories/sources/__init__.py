"""Sources turn downloaded bytes into advisories. One module per kind, listed in SOURCES.

A source never touches HTTP, the store or email: `fetch.py` downloads, the pipeline stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from advisories.models import Advisory, FetchResult


class Source(Protocol):
    kind: str

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


def register(source: Source) -> Source:
    if source.kind in SOURCES:
        raise ValueError(f"source kind {source.kind!r} registered twice")
    SOURCES[source.kind] = source
    return source


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


BUILTIN_MODULES: tuple[str, ...] = ("rss", "csaf", "kev", "nvd")
