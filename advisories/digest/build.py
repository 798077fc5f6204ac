"""Build a week's bulletin: collect from the store, render, write the files. Sends nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from advisories.acks.decide import holding_answers
from advisories.config import Config
from advisories.digest.content import collect_digest, local_time
from advisories.digest.notes import load_note
from advisories.digest.output import (
    DigestFiles,
    digest_environment,
    render_email,
    render_markdown,
    render_webpage,
    write_files,
)
from advisories.digest.week import IsoWeek, aware, resolve_week
from advisories.store import Store, now

WEEKLY_TEMPLATES = ("weekly.subject.txt", "weekly.txt", "weekly.html")


DIGEST_KEY_PREFIX = "digest-"
# A preview of a week already sent goes here, beside the state file: never in [settings]
# bulletins, which is published, and whose copy the sent email links to.
PREVIEWS = "bulletin-previews"
# The first sending of a week only; a forced resend (digest-2023-W13-force-1) changes nothing
# about which advisories that week's bulletin held.
_WEEK_KEY = re.compile(rf"^{DIGEST_KEY_PREFIX}(\d{{4}}-W\d{{2}})$")


@dataclass(frozen=True)
class Made:
    """A week's bulletin in the outbox: made (built and queued) at `created`, sent at `sent`."""

    key: str
    state: str
    created: datetime
    sent: datetime | None

    def describe(self, tz: ZoneInfo) -> str:
        if self.state == "sent" and self.sent is not None:
            return f"sent on {local_time(self.sent, tz)} (outbox {self.key})"
        return f"{self.state} since {local_time(self.created, tz)}, not sent yet (outbox {self.key})"


def digest_key(week: IsoWeek) -> str:
    """The outbox key of a week's bulletin: the UNIQUE key makes sending it once per week."""
    return f"{DIGEST_KEY_PREFIX}{week}"


def web_url(config: Config, week: IsoWeek) -> str | None:
    """Where the web copy is published, if the config says (a `web_url` base under [digest])."""
    base = config.digest.web_url
    return f"{str(base).rstrip('/')}/{week}.html" if base else None


def bulletins_made(store: Store) -> dict[IsoWeek, Made]:
    """Every week whose bulletin is in the outbox, whatever its delivery state."""
    made = {}
    for key, state, created, sent in store.outbox_times(DIGEST_KEY_PREFIX):
        match = _WEEK_KEY.match(key)
        if match:
            made[IsoWeek.parse(match.group(1))] = Made(key, state, aware(created), aware(sent) if sent else None)
    return made


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
    Sends nothing; `key` is the outbox key the returned Message will carry, given only by the
    sending code. Without it this is a preview: if the week was already sent, the preview is
    written to the previews folder and the published copy stays as it was sent.
    """
    tz = ZoneInfo(config.timezone)
    at = clock()
    iso = resolve_week(week, at, tz)
    made = bulletins_made(store)
    digest = collect_digest(
        week=iso,
        tz=tz,
        advisories=store.advisories(),
        first_seen=store.advisory_first_seen(),
        exposures=store.exposures(),
        threshold=config.digest.threshold,
        note=load_note(config.digest.notes, str(iso)),
        now=at,
        made={w: m.created for w, m in made.items()},
        epss=store.epss_scores(),
        answered=holding_answers(store, at, tz),
    )
    env = digest_environment(config.templates, tz)
    message = render_email(
        env, digest, key=key or digest_key(iso), recipients=config.digest.recipients,
        sender=config.sender, web_url=web_url(config, iso),
    )
    sent = made.get(iso) if key is None else None
    folder = config.state.parent / PREVIEWS if sent else config.bulletins
    return write_files(folder, message, render_webpage(env, digest), render_markdown(env, digest),
                       iso, already_sent=sent.describe(tz) if sent else None)


def preview_digest(
    config: Config,
    store: Store,
    week: str | IsoWeek | None = None,
    *,
    clock: Callable[[], datetime] = now,
) -> list[str]:
    """`advisories digest` without --send: write a preview and say what it is, one line each."""
    files = build_digest(config, store, week, clock=clock)
    if files.already_sent:
        head = (f"digest {files.week}: already {files.already_sent}; the published copy is "
                "left as sent. This preview is not sent, and is written to:")
    else:
        head = f"digest {files.week}: written, not sent (add --send to send it):"
    return [head, *(f"  {path}" for path in files.paths)]
