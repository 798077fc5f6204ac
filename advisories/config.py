"""feeds.toml (+ secrets from the environment) -> a frozen Config.

Unknown keys are rejected and every problem is collected, so an operator fixes them all in one go.
Relative paths resolve against the config file's folder, so cron can run from anywhere.
"""

from __future__ import annotations

import math
import os
import re
import ssl
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from advisories.acks.settings import WebConfig, web_settings
from advisories.defaults import default_folder
from advisories.delivery.destinations import destinations
from advisories.delivery.mime import envelope_address, sender_address
from advisories.delivery.notice import Destination
from advisories.errors import ConfigError
from advisories.models import PLATFORMS
from advisories.sources import known_kinds

DEFAULT_CONFIG = "feeds.toml"
CONFIG_ENV = "ADVISORIES_CONFIG"
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
# Names the program itself uses where a feed name or council id also goes: refused so a log line,
# an outbox record or a stored source label always means one thing.
RESERVED_FEED_NAMES = {"rules": "curated rules are stored under the source name 'rules'"}
RESERVED_COUNCIL_IDS = {"digest": "the weekly bulletin's outbox records use the id 'digest'",
                        "operator": "the operator's notices use the id 'operator'"}
# What a council may say its export's rows run ([[councils]] platform).
ROW_PLATFORMS = tuple(p for p in PLATFORMS if p != "any")


@dataclass(frozen=True)
class FeedConfig:
    name: str
    kind: str
    url: str | None
    path: Path | None
    every_s: int
    enabled: bool = True
    api_key_env: str | None = None  # NVD: the environment variable holding the API key
    # All of one poll's downloads (the feed, its article pages or documents, every retry) end
    # by then: a hung publisher costs a run this long at most.
    deadline_s: int = 120
    max_bytes: int = 10 * 1024 * 1024  # a download (or local file) larger than this is refused


@dataclass(frozen=True)
class CouncilConfig:
    id: str
    name: str
    recipients: tuple[str, ...]
    inventory: Path
    weekly: bool = False
    # What rows the inventory gives no platform for run (a software report without an OS
    # column, from an estate of one platform); None: "platform unknown", checked on every one.
    platform: str | None = None
    # Where its alerts are posted besides email (`webhooks`: Teams channels, signed webhooks).
    webhooks: tuple[Destination, ...] = ()


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str
    sender: str
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    max_connections: int = 4
    timeout_s: float = 30.0
    data_timeout_s: float = 600.0  # the wait for the reply after a message's body (RFC 5321)
    ca_file: Path | None = None  # PEM CA certificate(s) trusted instead of the system store


@dataclass(frozen=True)
class DigestConfig:
    recipients: tuple[str, ...] = ()
    schedule: str = "mon 08:00"
    threshold: int = 3
    notes: Path | None = None
    web_url: str | None = None
    period: str = "week"  # "week" (ISO weeks) or "month" (calendar months): one edition each
    first_edition: int = 1  # the number of the first edition this service sends ("No.8")


@dataclass(frozen=True)
class OperatorConfig:
    """Who runs the service, and when trouble has lasted long enough to tell them."""

    recipients: tuple[str, ...] = ()
    stuck_after_s: int = 3600  # a message still queued this long after it was queued is stuck
    silent_after_s: int = 86400  # a feed (or stage) with no success for this long is stale


@dataclass(frozen=True)
class Config:
    path: Path
    state: Path
    outbox: Path
    rules: Path
    templates: Path | None
    bulletins: Path
    timezone: str
    sender: str
    smtp: SmtpConfig | None
    feeds: tuple[FeedConfig, ...]
    councils: tuple[CouncilConfig, ...]
    digest: DigestConfig
    operator: OperatorConfig = OperatorConfig()
    web: WebConfig | None = None  # [web]: answer links in alerts, and the endpoint that takes them
    # The councils' webhooks, from the environment: url_env -> URL, and url_env -> its secret.
    channel_urls: dict[str, str] = field(default_factory=dict, repr=False)
    channel_secrets: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def root(self) -> Path:
        return self.path.parent


def config_path(explicit: str | None) -> Path:
    return Path(explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def parse_duration(text: str) -> int:
    m = _DURATION.match(text)
    if not m:
        raise ValueError(text)
    return int(m.group(1)) * _UNITS[m.group(2)]


class _Problems:
    """Collects every problem with its TOML key path instead of stopping at the first."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.items: list[str] = []

    def add(self, key: str, what: str) -> None:
        self.items.append(f"{self.file}: {key}: {what}")

    def raise_if_any(self) -> None:
        if self.items:
            raise ConfigError(
                f"{len(self.items)} problem(s) in the configuration:\n  " + "\n  ".join(self.items),
                "fix them and run `advisories check`",
            )


def load_config(path: Path, environ: dict[str, str] | None = None, *, secrets: bool = True) -> Config:
    """`secrets=False`: for commands that never send (`outbox`, `status`), an SMTP credential
    variable that is not set is not a problem; the credentials are left out."""
    env = dict(os.environ if environ is None else environ)
    path = path.resolve()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such configuration file",
            f"pass --config PATH or set {CONFIG_ENV}; see the README for an example",
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", "fix the syntax at that line") from None
    problems = _Problems(path)
    _reject_unknown(raw, {"settings", "smtp", "feeds", "councils", "digest", "operator", "web"}, "", problems)
    root = path.parent
    settings = _table(raw, "settings", problems)
    _reject_unknown(
        settings,
        {"state", "outbox", "rules", "templates", "timezone", "bulletins", "from"},
        "settings.",
        problems,
    )

    def rel(value: Any, key: str, default: str) -> Path:
        if value is None:
            value = default
        if not isinstance(value, str) or not value:
            problems.add(key, "must be a path string")
            return root / default
        return (root / value).resolve()

    timezone = settings.get("timezone", "Europe/London")
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        problems.add("settings.timezone", f"unknown time zone {timezone!r} (e.g. 'Europe/London')")
    smtp = _smtp(raw.get("smtp"), env, root, problems, need_secrets=secrets)
    # With [smtp], its `from` is the one sender: the header and the envelope must agree.
    sender = str((smtp.sender if smtp else None) or settings.get("from") or _DEFAULT_SENDER)
    try:
        sender_address(sender)
    except ValueError:
        key = "smtp.from" if smtp and smtp.sender else "settings.from"
        problems.add(key, f"{sender!r} has no usable address: use 'Name <alerts@example.gov.uk>'")
    templates = settings.get("templates")
    channel_urls: dict[str, str] = {}
    channel_secrets: dict[str, str] = {}
    config = Config(
        path=path,
        state=rel(settings.get("state"), "settings.state", "data/state.sqlite3"),
        outbox=rel(settings.get("outbox"), "settings.outbox", "data/outbox"),
        # Not set: the shipped curated rules, as the templates are the shipped ones.
        rules=rel(settings.get("rules"), "settings.rules", "rules") if "rules" in settings else default_folder("rules"),
        # `templates = ""` is a mistake, not "no templates": rel() reports it.
        templates=rel(templates, "settings.templates", "templates") if templates is not None else None,
        bulletins=rel(settings.get("bulletins"), "settings.bulletins", "bulletins"),
        timezone=str(timezone),
        sender=sender,
        smtp=smtp,
        feeds=_feeds(raw.get("feeds", []), root, problems),
        councils=_councils(raw.get("councils", []), root, problems, env, need_secrets=secrets,
                           urls=channel_urls, secrets=channel_secrets),
        digest=_digest(raw.get("digest"), root, problems),
        operator=_operator(raw.get("operator"), problems),
        web=web_settings(raw.get("web"), env, problems.add, need_secrets=secrets),
        channel_urls=channel_urls,
        channel_secrets=channel_secrets,
    )
    problems.raise_if_any()
    return config


_DEFAULT_SENDER = "Council Cyber Alerts <alerts@localhost>"


def _table(raw: dict[str, Any], key: str, problems: _Problems) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        problems.add(key, "must be a table ([" + key + "])")
        return {}
    return value


def _reject_unknown(table: dict[str, Any], known: set[str], prefix: str, p: _Problems) -> None:
    for key in table:
        if key not in known:
            p.add(f"{prefix}{key}", f"unknown key (known: {', '.join(sorted(known))})")


def _string(table: dict[str, Any], key: str, where: str, p: _Problems, required: bool = True) -> str:
    value = table.get(key)
    if value is None:
        if required:
            p.add(f"{where}.{key}", "is required")
        return ""
    if not isinstance(value, str) or not value.strip():
        p.add(f"{where}.{key}", "must be a non-empty string")
        return ""
    return value.strip()


def _array_of_tables(
    value: Any, name: str, p: _Problems, each: Callable[[dict[str, Any], str], Any]
) -> list[Any]:
    if not isinstance(value, list):
        p.add(name, f"must be an array of tables ([[{name}]])")
        return []
    out = []
    for i, item in enumerate(value):
        where = f"{name}[{i}]"
        if not isinstance(item, dict):
            p.add(where, "must be a table")
            continue
        result = each(item, where)
        if result is not None:
            out.append(result)
    return out


def _feeds(value: Any, root: Path, p: _Problems) -> tuple[FeedConfig, ...]:
    def one(t: dict[str, Any], where: str) -> FeedConfig | None:
        _reject_unknown(t, {"name", "kind", "url", "path", "every", "enabled", "api_key_env", "deadline",
                            "max_size_mb"},
                        f"{where}.", p)
        api_key_env = t.get("api_key_env")
        if api_key_env is not None and not (isinstance(api_key_env, str) and api_key_env):
            p.add(f"{where}.api_key_env", "must name an environment variable")
            api_key_env = None
        name = _string(t, "name", where, p)
        if name.casefold() in RESERVED_FEED_NAMES:
            p.add(f"{where}.name", f"{name!r} is reserved ({RESERVED_FEED_NAMES[name.casefold()]}): "
                  "choose another name")
        kind = _string(t, "kind", where, p)
        if kind and kind not in known_kinds():
            p.add(f"{where}.kind", f"unknown kind {kind!r} (one of: {', '.join(known_kinds())})")
        url, path = t.get("url"), t.get("path")
        if (url is None) == (path is None):
            p.add(where, "give exactly one of url or path")
        if isinstance(url, str) and not url.strip():
            p.add(f"{where}.url", "is empty: give the feed's http(s) URL, or a local file as path")
            url = None
        elif url is not None and not (isinstance(url, str) and url.startswith(("https://", "http://"))):
            p.add(f"{where}.url", "must be an http(s) URL")
            url = None
        # An empty path would resolve to the config folder itself: refuse it here, not at run time.
        if path is not None and not (isinstance(path, str) and path.strip()):
            p.add(f"{where}.path", "must be the path of a local feed file (a non-empty string), "
                  "or use url")
            path = None
        every_s = _duration(t, "every", "1h", where, p)
        deadline_s = _duration(t, "deadline", "2m", where, p)
        max_mb = t.get("max_size_mb", 10)
        if not _whole(max_mb) or not 1 <= max_mb <= 1024:
            p.add(f"{where}.max_size_mb", f"{max_mb!r}: must be a whole number of megabytes from 1 to 1024")
            max_mb = 10
        enabled = t.get("enabled", True)
        if not isinstance(enabled, bool):
            p.add(f"{where}.enabled", "must be true or false")
        return FeedConfig(
            name=name,
            kind=kind,
            url=url,
            path=(root / path).resolve() if path else None,
            every_s=every_s,
            enabled=bool(enabled),
            api_key_env=api_key_env,
            deadline_s=deadline_s,
            max_bytes=max_mb * 1024 * 1024,
        )

    feeds = _array_of_tables(value, "feeds", p, one)
    _unique([f.name for f in feeds], "feeds", "name", p)
    return tuple(feeds)


def _recipients(t: dict[str, Any], key: str, where: str, p: _Problems) -> tuple[str, ...]:
    value = t.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        p.add(f"{where}.{key}", "must be a list of email addresses")
        return ()
    for addr in value:
        try:
            envelope_address(addr)  # the rule the email builder applies: agree now, not at send time
        except ValueError:
            p.add(f"{where}.{key}", f"{addr!r} is not a plain email address (name@example.gov.uk)")
    return tuple(value)


def _councils(value: Any, root: Path, p: _Problems, env: dict[str, str], *, need_secrets: bool,
              urls: dict[str, str], secrets: dict[str, str]) -> tuple[CouncilConfig, ...]:
    """The [[councils]]; the URLs and secrets their webhooks name are added to `urls` and `secrets`."""
    def one(t: dict[str, Any], where: str) -> CouncilConfig | None:
        _reject_unknown(t, {"id", "name", "recipients", "inventory", "weekly", "platform", "webhooks"},
                        f"{where}.", p)
        cid = _string(t, "id", where, p)
        if cid and not _ID.match(cid):
            p.add(f"{where}.id", f"{cid!r}: use lower-case letters, digits, '-' and '_'")
        elif cid in RESERVED_COUNCIL_IDS:
            p.add(f"{where}.id", f"{cid!r} is reserved ({RESERVED_COUNCIL_IDS[cid]}): "
                  "choose another id")
        recipients = _recipients(t, "recipients", where, p)
        webhooks, found_urls, found_secrets = destinations(t.get("webhooks"), f"{where}.webhooks", env, p.add,
                                                           need_secrets=need_secrets)
        urls.update(found_urls)
        secrets.update(found_secrets)
        if not recipients and not webhooks and "webhooks" not in t:
            p.add(f"{where}.recipients", "give at least one address (or `webhooks`), or nobody will be told")
        inventory = _string(t, "inventory", where, p)
        weekly = t.get("weekly", False)
        if not isinstance(weekly, bool):
            p.add(f"{where}.weekly", "must be true or false")
        elif weekly and not recipients and webhooks:
            p.add(f"{where}.weekly", "the weekly summary is an email: give `recipients` too")
        platform = t.get("platform")
        if platform is not None and platform not in ROW_PLATFORMS:
            p.add(f"{where}.platform", f"{platform!r}: use one of {', '.join(ROW_PLATFORMS)}, or leave it out "
                  "when the inventory's rows run on several platforms")
            platform = None
        return CouncilConfig(
            id=cid,
            name=_string(t, "name", where, p) or cid,
            recipients=recipients,
            inventory=(root / inventory).resolve(),
            weekly=bool(weekly),
            platform=platform,
            webhooks=webhooks,
        )

    councils = _array_of_tables(value, "councils", p, one)
    _unique([c.id for c in councils], "councils", "id", p)
    return tuple(councils)


def _unique(values: list[str], name: str, key: str, p: _Problems) -> None:
    seen: set[str] = set()
    for i, v in enumerate(values):
        if v and v in seen:
            p.add(f"{name}[{i}].{key}", f"{v!r} is used twice; each must be unique")
        seen.add(v)


def _smtp(value: Any, env: dict[str, str], root: Path, p: _Problems, *, need_secrets: bool) -> SmtpConfig | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        p.add("smtp", "must be a table ([smtp])")
        return None
    known = {"host", "port", "security", "username_env", "password_env", "from",
             "max_connections", "timeout", "data_timeout", "ca_file"}
    secrets = {"username", "password", "user", "pass"}
    _reject_unknown({k: v for k, v in value.items() if k not in secrets}, known, "smtp.", p)
    for secret in sorted(secrets & value.keys()):
        p.add(f"smtp.{secret}", "credentials never go in feeds.toml: use username_env/password_env")
    security = value.get("security", "starttls")
    if security not in ("starttls", "tls", "none"):
        p.add("smtp.security", f"{security!r}: use starttls, tls or none")
    port = value.get("port", {"tls": 465, "none": 25}.get(str(security), 587))
    if not _whole(port) or not 0 < port < 65536:
        p.add("smtp.port", "must be a port number")
        port = 587
    # Not needed: an unset variable is no problem, and the credentials are left out.
    secret_problems = p if need_secrets else _Problems(p.file)
    username = _secret(value, "username_env", env, secret_problems)
    password = _secret(value, "password_env", env, secret_problems)
    if (username is None) != (password is None):
        p.add("smtp", "set both username_env and password_env, or neither")
    if security == "none" and ("username_env" in value or "password_env" in value):
        # The transport refuses this at send time; say so now, before a run exits 2.
        p.add("smtp.security", "'none' would send the SMTP username and password unencrypted: "
              "use security = \"starttls\" or \"tls\"")
    sender = _string(value, "from", "smtp", p, required=False)  # else [settings] from
    timeout = _seconds(value, "timeout", 30, p)
    data_timeout = _seconds(value, "data_timeout", 600, p)
    max_connections = value.get("max_connections", 4)
    if not _whole(max_connections) or not 1 <= max_connections <= 32:
        p.add("smtp.max_connections", "must be a whole number from 1 to 32")
        max_connections = 4
    return SmtpConfig(
        host=_string(value, "host", "smtp", p),
        port=port,
        security=str(security),
        sender=sender,
        username=username,
        password=password,
        max_connections=max_connections,
        timeout_s=timeout,
        data_timeout_s=data_timeout,
        ca_file=_ca_file(value, str(security), root, p),
    )


def _duration(table: dict[str, Any], key: str, default: str, where: str, p: _Problems) -> int:
    value = table.get(key, default)
    try:
        return parse_duration(str(value))
    except ValueError:
        p.add(f"{where}.{key}", f"{value!r} is not a duration (use e.g. '30s', '30m', '1h', '1d')")
        return parse_duration(default)


def _seconds(table: dict[str, Any], key: str, default: float, p: _Problems) -> float:
    value = table.get(key, default)
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not (math.isfinite(value) and value > 0)):
        p.add(f"smtp.{key}", f"{value!r}: must be a number of seconds above 0, e.g. {default:g}")
        return default
    return float(value)


def _ca_file(table: dict[str, Any], security: str, root: Path, p: _Problems) -> Path | None:
    """The PEM file of the CA that issued a private relay's certificate, checked now: a wrong
    path would otherwise only show as a TLS failure at send time, with mail piling up."""
    value = table.get("ca_file")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        p.add("smtp.ca_file", "must be the path of a PEM certificate file, e.g. \"certs/relay-ca.pem\"")
        return None
    if security == "none":
        p.add("smtp.ca_file", "is only used with security = \"starttls\" or \"tls\"")
    path = (root / value).resolve()
    if not path.is_file():
        p.add("smtp.ca_file", f"{path}: no such file")
        return None
    try:
        ssl.create_default_context(cafile=str(path))
    except ssl.SSLError:
        p.add("smtp.ca_file", f"{path}: holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")")
    except OSError as exc:
        p.add("smtp.ca_file", f"{path}: cannot be read ({exc.strerror or exc})")
    return path


def _secret(table: dict[str, Any], key: str, env: dict[str, str], p: _Problems) -> str | None:
    name = table.get(key)
    if name is None:
        return None
    if not isinstance(name, str) or not name:
        p.add(f"smtp.{key}", "must name an environment variable")
        return None
    if name not in env:
        p.add(f"smtp.{key}", f"environment variable {name} is not set")
        return None
    return env[name]


def _digest(value: Any, root: Path, p: _Problems) -> DigestConfig:
    if value is None:
        return DigestConfig()
    if not isinstance(value, dict):
        p.add("digest", "must be a table ([digest])")
        return DigestConfig()
    _reject_unknown(value, {"recipients", "schedule", "threshold", "notes", "web_url", "period",
                            "first_edition"}, "digest.", p)
    period = value.get("period", "week")
    if period not in ("week", "month"):
        p.add("digest.period", f"{period!r}: must be \"week\" or \"month\" (one edition each)")
        period = "week"
    first = value.get("first_edition", 1)
    if not _whole(first) or first < 1:
        p.add("digest.first_edition", "must be a whole number of at least 1 (the first edition's No.)")
        first = 1
    web_url = value.get("web_url")
    if web_url is not None and not (isinstance(web_url, str) and web_url.startswith("https://")):
        p.add("digest.web_url", "must be an https:// address where the bulletins folder is published")
        web_url = None
    threshold = value.get("threshold", 3)
    if not _whole(threshold) or threshold < 1:
        p.add("digest.threshold", "must be a whole number of at least 1")
        threshold = 3
    schedule = value.get("schedule", "mon 08:00")
    if not isinstance(schedule, str) or not re.match(
        r"^(mon|tue|wed|thu|fri|sat|sun) ([01]\d|2[0-3]):[0-5]\d$", schedule
    ):
        p.add("digest.schedule", f"{schedule!r}: use a day and a 24h time, e.g. 'mon 08:00'")
        schedule = "mon 08:00"
    notes = value.get("notes")
    if notes is not None and not (isinstance(notes, str) and notes.strip()):
        p.add("digest.notes", f"{notes!r}: must be the path of a folder of notes, e.g. \"notes\"")
        notes = None
    return DigestConfig(
        recipients=_recipients(value, "recipients", "digest", p),
        schedule=schedule,
        threshold=threshold,
        notes=(root / notes).resolve() if isinstance(notes, str) else None,
        web_url=web_url,
        period=period,
        first_edition=first,
    )


def _operator(value: Any, p: _Problems) -> OperatorConfig:
    if value is None:
        return OperatorConfig()
    if not isinstance(value, dict):
        p.add("operator", "must be a table ([operator])")
        return OperatorConfig()
    _reject_unknown(value, {"recipients", "stuck_after", "silent_after"}, "operator.", p)
    default = OperatorConfig()

    def duration(key: str, fallback: int) -> int:
        text = value.get(key)
        if text is None:
            return fallback
        try:
            return parse_duration(str(text))
        except ValueError:
            p.add(f"operator.{key}", f"{text!r} is not a duration (use e.g. '30m', '2h', '1d')")
            return fallback

    return OperatorConfig(
        recipients=_recipients(value, "recipients", "operator", p),
        stuck_after_s=duration("stuck_after", default.stuck_after_s),
        silent_after_s=duration("silent_after", default.silent_after_s),
    )


def _whole(value: Any) -> bool:
    # TOML's true/false are Python bools, which are ints: `port = true` must not read as port 1.
    return isinstance(value, int) and not isinstance(value, bool)
