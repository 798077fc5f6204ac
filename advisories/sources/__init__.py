"""Sources turn downloaded bytes into advisories. One module per kind, listed in SOURCES.

A source never touches HTTP, the store or email: `fetch.py` downloads, the pipeline stores.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from advisories.models import Advisory


class Source(Protocol):
    kind: str

    def parse(self, body: bytes, *, feed: str, url: str) -> list[Advisory]:
        """Parse one downloaded document. Raise ParseError when it is not this kind at all."""
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
Loader = Callable[[bytes], list[Advisory]]
