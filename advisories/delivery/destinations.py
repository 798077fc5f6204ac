"""A council's `webhooks = [...]` in feeds.toml: where its alerts are posted besides email.

    webhooks = [{ kind = "teams", url_env = "BARSETSHIRE_TEAMS_URL" },
                { kind = "webhook", url_env = "BARSETSHIRE_HOOK_URL", secret_env = "BARSETSHIRE_HOOK_SECRET" }]

URLs and secrets come only from the environment, never from the file (a Workflows URL carries
its own signature). A URL must be https, except on this machine (loopback), for tests and a
local relay. A signed webhook needs a Standard Webhooks secret ("whsec_" + base64); Teams takes
none. Every problem is reported with its TOML path, as config.py does.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from advisories.delivery.channels import post_kinds
from advisories.delivery.notice import Destination

Add = Callable[[str, str], None]  # (TOML path, what is wrong)
_KEYS = {"kind", "url_env", "secret_env"}
_NOT_HERE = {"url", "secret", "token"}


def destinations(
    value: Any, where: str, env: Mapping[str, str], add: Add, *, need_secrets: bool
) -> tuple[tuple[Destination, ...], dict[str, str], dict[str, str]]:
    """(the council's destinations, url_env -> URL, url_env -> secret) for the ones usable."""
    found: list[Destination] = []
    urls: dict[str, str] = {}
    secrets: dict[str, str] = {}
    if value is None:
        return (), urls, secrets
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        add(where, 'must be a list of tables: [{ kind = "teams", url_env = "..." }]')
        return (), urls, secrets
    kinds = post_kinds()
    for i, entry in enumerate(value):
        at = f"{where}[{i}]"
        for key in sorted(entry.keys() - _KEYS):
            add(
                f"{at}.{key}",
                "URLs and secrets never go in feeds.toml: name environment variables with url_env / secret_env"
                if key in _NOT_HERE
                else f"unknown key (known: {', '.join(sorted(_KEYS))})",
            )
        kind = entry.get("kind")
        if kind not in kinds:
            add(f"{at}.kind", f"{kind!r}: use one of {', '.join(kinds)}")
            continue
        url_env, secret_env = entry.get("url_env"), entry.get("secret_env")
        if not (isinstance(url_env, str) and url_env):
            add(f"{at}.url_env", "must name the environment variable holding the URL")
            continue
        if url_env in urls or any(d.url_env == url_env for d in found):
            add(f"{at}.url_env", f"{url_env} is listed twice for this council")
            continue
        if kind == "webhook" and not (isinstance(secret_env, str) and secret_env):
            add(f"{at}.secret_env", "a webhook is signed: name the environment variable holding its whsec_ secret")
            continue
        if kind != "webhook" and secret_env is not None:
            add(f"{at}.secret_env", f"a {kind} destination takes no secret (its URL carries its own signature)")
            continue
        found.append(Destination(kind, url_env, secret_env))
        _resolve(found[-1], at, env, add, urls, secrets, need_secrets=need_secrets)
    return tuple(found), urls, secrets


def _resolve(
    d: Destination,
    at: str,
    env: Mapping[str, str],
    add: Add,
    urls: dict[str, str],
    secrets: dict[str, str],
    *,
    need_secrets: bool,
) -> None:
    url = env.get(d.url_env)
    if url is None:
        if need_secrets:
            add(f"{at}.url_env", f"environment variable {d.url_env} is not set")
    elif problem := url_problem(url):
        add(f"{at}.url_env", f"{d.url_env}: {problem}")  # never the URL itself: it is a credential
    else:
        urls[d.url_env] = url
    if d.secret_env is None:
        return
    secret = env.get(d.secret_env)
    if secret is None:
        if need_secrets:
            add(f"{at}.secret_env", f"environment variable {d.secret_env} is not set")
        return
    from advisories.delivery.webhook import secret_key

    try:
        secret_key(secret)
    except ValueError as exc:
        add(f"{at}.secret_env", f"{d.secret_env}: {exc}")
        return
    secrets[d.url_env] = secret


def url_problem(url: str) -> str | None:
    """Why `url` is no place to post an alert, or None: https, or http to this machine only."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "not a URL"
    if not host:
        return "not a URL (https://...)"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and _loopback(host):
        return None
    return "must be an https:// URL (http only to this machine)"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
