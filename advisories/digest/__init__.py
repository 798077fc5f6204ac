"""The weekly bulletin ("NCSC updates" for the LGA's Cyber, Digital and Technology Bulletin)
and each council's optional weekly summary.

    store (the week's advisories, exposures) -> content.collect_digest -> output (templates,
    inlined CSS) -> files in [settings] bulletins, and with --send -> outbox -> transport

Public API (the CLI and the scheduler use only these):
    build_digest(config, store, week, *, clock) -> DigestFiles     writes the files, sends nothing
    preview_digest(config, store, week, *, clock) -> list[str]     the same, as lines for the CLI
    send_digest(config, store, week, *, force, clock) -> str       once per week via the outbox
    send_weekly_summaries(config, store, week, *, clock) -> list[str]
    schedule_digest(scheduler, config, report)                    the Monday job + start-up catch-up
"""

from __future__ import annotations

from advisories.digest.build import build_digest, digest_key, preview_digest, web_url
from advisories.digest.content import Digest
from advisories.digest.council import send_weekly_summaries
from advisories.digest.output import DigestFiles
from advisories.digest.send import schedule_digest, send_digest
from advisories.digest.week import IsoWeek

__all__ = [
    "Digest",
    "DigestFiles",
    "IsoWeek",
    "build_digest",
    "digest_key",
    "preview_digest",
    "schedule_digest",
    "send_digest",
    "send_weekly_summaries",
    "web_url",
]
