"""Golden files for parsed advisories: compare, or rewrite with ADVISORIES_REGENERATE=1."""

from __future__ import annotations

import json
import os
from pathlib import Path

from advisories.models import Advisory
from advisories.store.codec import advisory_to_json


def check_golden(path: Path, advisories: list[Advisory]) -> None:
    actual = json.dumps([json.loads(advisory_to_json(a)) for a in advisories],
                        indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("ADVISORIES_REGENERATE") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with ADVISORIES_REGENERATE=1"
    assert actual == path.read_text(encoding="utf-8")
