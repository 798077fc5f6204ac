"""Build a week's bulletin: collect from the store, render, write the files. Sends nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from advisories.config import Config
from advisories.digest.content import collect_digest
from advisories.digest.notes import load_note
from advisories.digest.output import (
    DigestFiles,
    digest_environment,
    render_email,
    render_markdown,
    render_webpage,
    write_files,
)
from advisories.digest.week import IsoWeek, resolve_week
from advisories.store import Store, now

WEEKLY_TEMPLATES = ("weekly.subject.txt", "weekly.txt", "weekly.html")


DIGEST_KEY_PREFIX = "digest-"


def digest_key(week: IsoWeek) -> str:
    """The outbox key of a week's bulletin: the UNIQUE key makes sending it once per week."""
    return f"{DIGEST_KEY_PREFIX}{week}"


def web_url(config: Config, week: IsoWeek) -> str | None:
    """Where the web copy is published, if the config says (a `web_url` base under [digest])."""
    base = config.digest.web_url
    return f"{str(base).rstrip('/')}/{week}.html" if base else None


def build_digest(
    config: Config,
    store: Store,
    week: str | IsoWeek | None = None,
    *,
    clock: Callable[[], datetime] = now,
    key: str | None = None,
) -> DigestFiles:
    """Write the week's bulletin (web page, Markdown, email HTML and text) to [settings] bulletins.

    `week` is "2023-W13", or None for the week `clock()` falls in (in [settings] timezone).
    Sends nothing; `key` is the outbox key the returned Message will carry.
    """
    tz = ZoneInfo(config.timezone)
    at = clock()
    iso = resolve_week(week, at, tz)
    digest = collect_digest(
        week=iso,
        tz=tz,
        advisories=store.advisories(),
        first_seen=store.advisory_first_seen(),
        exposures=store.exposures(),
        threshold=config.digest.threshold,
        note=load_note(config.digest.notes, str(iso)),
        now=at,
    )
    env = digest_environment(config.templates, tz)
    message = render_email(
        env, digest, key=key or digest_key(iso), recipients=config.digest.recipients,
        sender=config.sender, web_url=web_url(config, iso),
    )
    return write_files(config.bulletins, message, render_webpage(env, digest),
                       render_markdown(env, digest), iso)
