"""Hostile-input helper: every copy of a JSON document with one value swapped for the wrong type."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

WRONG_VALUES: tuple[Any, ...] = (None, "x", 7, [], {}, ["x"])


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    out = [path] if path else []
    for key, child in children:
        out.extend(_paths(child, (*path, key)))
    return out


def with_wrong_types(original: Any) -> Iterator[Any]:
    """Each value at each path in `original`, replaced in turn by each of WRONG_VALUES."""
    for path in _paths(original):
        for wrong in WRONG_VALUES:
            doc = json.loads(json.dumps(original))
            parent = doc
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = wrong
            yield doc
