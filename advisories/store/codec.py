"""Frozen models <-> JSON, for the store. Kept apart so the models stay plain dataclasses."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from advisories.models import Advisory, AffectedProduct, Bound, Message, VersionRange


def advisory_to_json(advisory: Advisory) -> str:
    data = asdict(advisory)
    data["published"] = advisory.published.isoformat() if advisory.published else None
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def advisory_from_json(text: str) -> Advisory:
    data = json.loads(text)
    data["published"] = datetime.fromisoformat(data["published"]) if data["published"] else None
    data["affects"] = tuple(_affected(a) for a in data["affects"])
    for key in ("cves", "links"):
        data[key] = tuple(data[key])
    return Advisory(**data)


def _bound(data: dict[str, Any] | None) -> Bound | None:
    return Bound(**data) if data else None


def _affected(data: dict[str, Any]) -> AffectedProduct:
    data = dict(data)
    data["ranges"] = tuple(
        VersionRange(lower=_bound(r["lower"]), upper=_bound(r["upper"])) for r in data["ranges"]
    )
    data["labels"] = tuple((name, tuple(builds)) for name, builds in data["labels"])
    data["version_aliases"] = tuple(tuple(pair) for pair in data["version_aliases"])
    for key in ("versions", "aliases", "excluded"):
        data[key] = tuple(data[key])
    return AffectedProduct(**data)


def message_to_json(message: Message) -> str:
    return json.dumps(asdict(message), sort_keys=True, ensure_ascii=False)


def message_from_json(text: str) -> Message:
    data = json.loads(text)
    data["to"] = tuple(data["to"])
    data["headers"] = tuple(tuple(h) for h in data["headers"])
    return Message(**data)
