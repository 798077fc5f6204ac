"""[web]: where answer links point, the keys that sign them, and how long they last.

    [web]
    base_url = "https://advisories.example.gov.uk"   # what the reverse proxy serves
    key_env = "ADVISORIES_WEB_KEY"                   # the signing key: an environment variable
    previous_key_env = "ADVISORIES_WEB_KEY_OLD"      # optional: still verifies, during a rotation
    max_accept = "90d"                               # "accept the risk until" at most this far ahead
    link_expiry = "30d"                              # a link answers for this long after the email

Keys are only ever read from the environment, as [smtp]'s credentials are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

MIN_KEY_BYTES = 32  # HMAC-SHA256: a shorter key is guessable sooner than the MAC is forged
_DURATION = re.compile(r"^\s*(\d+)\s*([hd])\s*$")
_KNOWN = {"base_url", "key_env", "previous_key_env", "max_accept", "link_expiry"}

Problem = Callable[[str, str], None]


@dataclass(frozen=True)
class WebConfig:
    base_url: str
    keys: tuple[bytes, ...] = field(default=(), repr=False)  # signing key first, then the previous one
    max_accept_s: int = 90 * 86400
    link_expiry_s: int = 30 * 86400

    def link(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}/ack/{token}"


def web_settings(value: Any, env: Mapping[str, str], add: Problem, *, need_secrets: bool = True) -> WebConfig | None:
    """[web] read and checked; every problem goes to `add(key, what)`. None without [web]."""
    if value is None:
        return None
    if not isinstance(value, dict):
        add("web", "must be a table ([web])")
        return None
    for key in value.keys() - _KNOWN:
        add(f"web.{key}", f"unknown key (known: {', '.join(sorted(_KNOWN))})")
    for secret in ("key", "secret", "previous_key"):
        if secret in value:
            add(f"web.{secret}", "keys never go in feeds.toml: use key_env/previous_key_env")
    base = value.get("base_url")
    if not (isinstance(base, str) and base.startswith(("https://", "http://"))):
        add("web.base_url", "must be the http(s) address the reverse proxy serves, e.g. "
            "\"https://advisories.example.gov.uk\"")
        base = "https://invalid.invalid"
    keys = [_key(value, "key_env", env, add, required=need_secrets)]
    if "previous_key_env" in value:
        keys.append(_key(value, "previous_key_env", env, add, required=need_secrets))
    return WebConfig(
        base_url=str(base),
        keys=tuple(k for k in keys if k),
        max_accept_s=_days(value, "max_accept", "90d", add),
        link_expiry_s=_days(value, "link_expiry", "30d", add),
    )


def _key(table: dict[str, Any], name: str, env: Mapping[str, str], add: Problem, *, required: bool) -> bytes | None:
    var = table.get(name)
    if var is None:
        if name == "key_env":
            add("web.key_env", "is required: name the environment variable holding the signing key")
        return None
    if not isinstance(var, str) or not var:
        add(f"web.{name}", "must name an environment variable")
        return None
    secret = env.get(var)
    if secret is None:
        if required:
            add(f"web.{name}", f"environment variable {var} is not set")
        return None
    if len(secret.encode()) < MIN_KEY_BYTES:
        add(f"web.{name}", f"the key in {var} is shorter than {MIN_KEY_BYTES} bytes "
            "(make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))')")
        return None
    return secret.encode()


def _days(table: dict[str, Any], key: str, default: str, add: Problem) -> int:
    text = table.get(key, default)
    m = _DURATION.match(str(text))
    if not m or int(m.group(1)) == 0:
        add(f"web.{key}", f"{text!r} is not a duration in hours or days (e.g. '90d')")
        m = _DURATION.match(default)
        assert m
    return int(m.group(1)) * (86400 if m.group(2) == "d" else 3600)
