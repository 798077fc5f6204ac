"""Build a week's bulletin: collect from the store, render, write the files. Sends nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from advisories.acks.decide import holding_answers
from advisories.config import Config
from advisories.digest.content import collect_digest, local_time
from advisories.digest.draft import edited
from advisories.digest.edition import Edition, Period, load_blocks, parse_period, resolve_period
from advisories.digest.output import (
    DigestFiles,
    digest_environment,
    render_draft,
    render_email,
    render_markdown,
    render_webpage,
    write_files,
)
from advisories.digest.week import aware
from advisories.store import Store, now
from advisories.store.editions import edition_number, next_edition, number_edition

WEEKLY_TEMPLATES = ("weekly.subject.txt", "weekly.txt", "weekly.html")


DIGEST_KEY_PREFIX = "digest-"
# A preview of a week already sent goes here, beside the state file: never in [settings]
# bulletins, which is published, and whose copy the sent email links to.
PREVIEWS = "bulletin-previews"
# The first sending of a week only; a forced resend (digest-2023-W13-force-1) changes nothing
# about which advisories that week's bulletin held.
_WEEK_KEY = re.compile(rf"^{DIGEST_KEY_PREFIX}(\d{{4}}-(?:W\d{{2}}|\d{{2}}))$")


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


def digest_key(week: Period) -> str:
    """The outbox key of a period's edition: the UNIQUE key makes sending it once per period."""
    return f"{DIGEST_KEY_PREFIX}{week}"


def web_url(config: Config, week: Period) -> str | None:
    """Where the web copy is published, if the config says (a `web_url` base under [digest])."""
    base = config.digest.web_url
    return f"{str(base).rstrip('/')}/{week}.html" if base else None


def bulletins_made(store: Store) -> dict[Period, Made]:
    """Every period whose bulletin is in the outbox, whatever its delivery state."""
    made: dict[Period, Made] = {}
    for key, state, created, sent in store.outbox_times(DIGEST_KEY_PREFIX):
        match = _WEEK_KEY.match(key)
        if match:
            made[parse_period(match.group(1))] = Made(key, state, aware(created), aware(sent) if sent else None)
    return made


def build_digest(
    config: Config,
    store: Store,
    week: str | Period | None = None,
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
    iso = resolve_period(config.digest.period, week, at, tz)
    # Only editions of the same kind: weeks and months do not order against each other.
    made = {p: m for p, m in bulletins_made(store).items() if type(p) is type(iso)}
    blocks = load_blocks(config.digest.notes, str(iso))
    digest = collect_digest(
        week=iso,
        tz=tz,
        advisories=store.advisories(),
        first_seen=store.advisory_first_seen(),
        exposures=store.exposures(),
        threshold=config.digest.threshold,
        note=blocks.get("introduction"),
        now=at,
        made={w: m.created for w, m in made.items()},
        epss=store.epss_scores(),
        answered=holding_answers(store, at, tz),
    )
    digest = replace(digest, edition=edition(config, store, iso, numbering=key is not None, at=at),
                     blocks=blocks)
    env = digest_environment(config.templates, tz)
    message = render_email(
        env, digest, key=key or digest_key(iso), recipients=config.digest.recipients,
        sender=config.sender, web_url=web_url(config, iso),
    )
    sent = made.get(iso) if key is None else None
    folder = config.state.parent / PREVIEWS if sent else config.bulletins
    markdown: str | None = render_markdown(env, digest)
    mine = edited(config.bulletins / f"{iso}.md")
    webpage = render_webpage(env, digest)
    if mine is not None:
        # The editor's draft is the bulletin now: rendered as it stands, and never overwritten.
        message, webpage = render_draft(env, digest, message, mine, web_url(config, iso))
        markdown = None if folder == config.bulletins else mine
    return write_files(folder, message, webpage, markdown, iso,
                       already_sent=sent.describe(tz) if sent else None)


def edition(config: Config, store: Store, period: Period, *, numbering: bool,
            at: datetime) -> Edition:
    """The edition's number: given at its first sending (so previews use no number up); a
    preview shows the number it has, or the one it will get."""
    first = config.digest.first_edition
    if numbering:
        return Edition(period, number_edition(store, str(period), first=first, at=at))
    number = edition_number(store, str(period))
    return Edition(period, number if number is not None else next_edition(store, first))


def preview_digest(
    config: Config,
    store: Store,
    week: str | Period | None = None,
    *,
    clock: Callable[[], datetime] = now,
) -> list[str]:
    """`advisories digest` without --send: write a preview and say what it is, one line each."""
    files = build_digest(config, store, week, clock=clock)
    if files.already_sent:
        head = (f"digest {files.week}: already {files.already_sent}; the published copy is "
                "left as sent. This preview is not sent, and is written to:")
    elif files.edited:
        head = (f"digest {files.week}: the draft {files.markdown.name} was edited, so it is kept as "
                "it is and the previews are rendered from it (add --send to send it):")
    else:
        head = (f"digest {files.week}: written, not sent; edit the draft {files.markdown.name}, "
                "then add --send to send it:")
    return [head, *(f"  {path}" for path in files.paths)]
