"""Frozen models <-> JSON, for the store. Kept apart so the models stay plain dataclasses."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any, TypeVar, cast

from advisories.models import Advisory, AffectedProduct, Attachment, Bound, Message, Score, VersionRange

# Priority signals, written only when a source gives them: an advisory stored before they
# existed keeps its content hash, so an upgrade does not count every advisory as updated.
T = TypeVar("T")

_SIGNALS = ("kev_added", "required_action", "scores", "ssvc_exploitation")


def advisory_to_json(advisory: Advisory) -> str:
    data = asdict(advisory)
    for statement in data["affects"]:
        if not statement["undecided"]:
            del statement["undecided"]  # said only when some source gives it, as before it existed
    for key in ("published", "updated", "due_date", "kev_added"):
        value = getattr(advisory, key)
        data[key] = value.isoformat() if value else None
    for key in _SIGNALS:
        if not data[key]:
            del data[key]
    del data["epss"]  # enrichment, joined from the state's own table at run time
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def advisory_from_json(text: str) -> Advisory:
    data = json.loads(text)
    for key in ("published", "updated"):
        data[key] = datetime.fromisoformat(data[key]) if data.get(key) else None
    for key in ("due_date", "kev_added"):
        data[key] = date.fromisoformat(data[key]) if data.get(key) else None
    data["scores"] = tuple(Score(**score) for score in data.get("scores", ()))
    data["affects"] = tuple(_affected(a) for a in data["affects"])
    for key in ("cves", "links", "notes", "sources", "replaced_by"):
        data[key] = tuple(data.get(key, ()))
    return _ADVISORY(data)


def _bound(data: dict[str, Any] | None) -> Bound | None:
    return Bound(data["version"], data["inclusive"]) if data else None


def _affected(data: dict[str, Any]) -> AffectedProduct:
    for key in ("ranges", "undecided"):  # undecided: absent from advisories stored before it
        data[key] = tuple(VersionRange(_bound(r["lower"]), _bound(r["upper"])) for r in data.get(key, ()))
    data["labels"] = tuple((name, tuple(builds)) for name, builds in data["labels"])
    data["version_aliases"] = tuple(tuple(pair) for pair in data["version_aliases"])
    for key in ("versions", "aliases", "excluded"):
        data[key] = tuple(data[key])
    return _STATEMENT(data)


def _builder(cls: type[T]) -> Callable[[dict[str, Any]], T]:
    """`cls(**data)` for a frozen, slotted dataclass, a third faster: each slot set directly,
    then `__post_init__`, which is all its generated `__init__` does (through a slower
    object.__setattr__ per field). Reading 20,000 stored advisories is on every sector run's
    critical path. A key that is not a field goes to the constructor, to fail as it would."""
    fields = dataclasses.fields(cast("Any", cls))
    names = frozenset(f.name for f in fields)
    setters = [(f.name, getattr(cls, f.name).__set__, f.default, f.default_factory) for f in fields]
    post_init = getattr(cls, "__post_init__", None)
    new, missing = object.__new__, dataclasses.MISSING

    def build(data: dict[str, Any]) -> T:
        if not names.issuperset(data):
            return cls(**data)
        made = new(cls)
        for name, set_slot, default, factory in setters:
            if name in data:
                set_slot(made, data[name])
            elif default is not missing:
                set_slot(made, default)
            elif factory is not missing:
                set_slot(made, factory())
            else:
                return cls(**data)  # a required field missing: the constructor says which
        if post_init is not None:
            post_init(made)
        return made

    return build


_ADVISORY = _builder(Advisory)
_STATEMENT = _builder(AffectedProduct)


def message_to_json(message: Message) -> str:
    data = asdict(message)
    del data["raw"]  # kept in its own column, as bytes
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def message_from_json(text: str) -> Message:
    data = json.loads(text)
    data["to"] = tuple(data["to"])
    data["headers"] = tuple(tuple(h) for h in data["headers"])
    # Messages queued before attachments existed have none.
    data["attachments"] = tuple(Attachment(**a) for a in data.get("attachments", ()))
    return Message(**data)


def message_from_raw(raw: bytes, *, key: str, council_id: str) -> Message:
    """An email's parts read back from its bytes, for a person or a test to look at (delivery
    sends the bytes as they are and never reads them)."""
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    text, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    attachments = tuple(Attachment(part.get_filename() or "", part.get_content_type(), part.get_content())
                        for part in parsed.iter_attachments())
    skip = {"to", "subject", "message-id", "from", "date", "mime-version", "content-type",
            "content-transfer-encoding"}
    return Message(
        key=key,
        council_id=council_id,
        to=tuple(a.addr_spec for a in getattr(parsed["To"], "addresses", ())),
        subject=str(parsed["Subject"] or ""),
        text=text.get_content() if isinstance(text, EmailMessage) else "",
        html=html.get_content() if isinstance(html, EmailMessage) else "",
        message_id=str(parsed["Message-ID"] or ""),
        headers=tuple((name, str(value)) for name, value in parsed.items() if name.lower() not in skip),
        attachments=attachments,
        raw=raw,
    )
