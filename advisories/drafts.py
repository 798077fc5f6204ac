"""`advisories draft-rule`: a rule file drafted from a prose advisory, for the LGA team to review.

The draft is written to `<rules>/drafts/`, which runs never read: a person checks the versions
against the vendor's advisory, fills in severity and action, and moves it into `rules/`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from advisories.extract import ExtractedStatement
from advisories.models import Advisory, Bound, VersionRange

DRAFTS = "drafts"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:80] or "draft"


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _range(r: VersionRange) -> str:
    parts = [f"introduced = {_q(_lower(r.lower))}"]
    if r.upper is not None:
        key = "last_affected" if r.upper.inclusive else "fixed"
        parts.append(f"{key} = {_q(r.upper.version)}")
    return "{ " + ", ".join(parts) + " }"


def _lower(bound: Bound | None) -> str:
    return bound.version if bound is not None else "0"


def draft_rule(advisory: Advisory, statements: list[ExtractedStatement]) -> str:
    lines = [
        f"# DRAFT from {advisory.id}: check every version against the vendor's advisory,",
        "# set severity, exploited and action, then move this file into rules/.",
        f"id = {_q(slug(advisory.id))}",
        f"title = {_q(advisory.title)}",
    ]
    if advisory.published:
        lines.append(f"published = {advisory.published.date().isoformat()}")
    lines += [
        '# severity = "high"              # critical | high | medium | low',
        f"exploited = {'true' if advisory.exploited else 'false'}",
        f"cves = [{', '.join(_q(c) for c in advisory.cves)}]",
        f"links = [{', '.join(_q(link) for link in advisory.links)}]",
        f"summary = {_q(advisory.summary[:1000])}",
        '# action = "..."',
    ]
    if not statements:
        lines.append("\n# No affected versions could be read from the text: add [[affects]] by hand.")
    for s in statements:
        lines += ["", f"# confidence {s.confidence:.2f}, from: {s.evidence[:300]!r}"]
        if not (s.versions or s.ranges):
            # A fix whose line the text does not show: left for the reviewer, commented out so
            # the draft still loads (a rule statement must name its versions).
            lines += [
                f"# CHECK MANUALLY: the text names a fix for {s.product} but no affected versions.",
                "# [[affects]]",
                f"# vendor = {_q(s.vendor)}",
                f"# product = {_q(s.product)}",
                '# ranges = [{ introduced = "...", fixed = "..." }]',
            ]
            continue
        if s.suspect:
            suggestion = f" (perhaps {', '.join(s.suggested_versions)})" if s.suggested_versions else ""
            lines.append(f"# SUSPECT: the versions look damaged in the text{suggestion}")
        lines += [
            "[[affects]]",
            f"vendor = {_q(s.vendor)}",
            f"product = {_q(s.product)}",
            f"platform = {_q(s.platform or 'any')}",
        ]
        if s.versions:
            lines.append(f"versions = [{', '.join(_q(v) for v in s.versions)}]")
        if s.ranges:
            lines.append(f"ranges = [{', '.join(_range(r) for r in s.ranges)}]")
        if s.excluded:
            # A rule carves builds out only through `vers` ("!=" terms): the reviewer writes it.
            lines.append(f"# NOT affected, the text excludes: {', '.join(s.excluded)}")
    return "\n".join(lines) + "\n"


def write_draft(rules: Path, advisory: Advisory, statements: list[ExtractedStatement]) -> Path:
    folder = rules / DRAFTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug(advisory.id)}.toml"
    path.write_text(draft_rule(advisory, statements), encoding="utf-8")
    return path
