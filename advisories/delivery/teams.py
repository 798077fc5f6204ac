"""The Teams channel: an Adaptive Card per alert, posted to a channel's Workflows webhook.

Microsoft retired Office 365 connectors on 2026-03-31; a Workflows webhook takes only
Adaptive Cards, wrapped as a message with one attachment. The card is schema 1.4 (what Teams
renders): the council, then each advisory, most urgent first, with its severity, whether it is
exploited, the CISA KEV due date where known, the council's rows (product, version, platform,
devices), what to do and its links. It stays under Teams' 28 KB limit: beyond it, the most
urgent in full and one line "N more: see the email / CSV". Feed text goes in TextBlocks with
Markdown's marks escaped, so a feed cannot put a link or an image on the card; links are
buttons (Action.OpenUrl), http(s) only, named by their host.

A withdrawal (alerts sent through CVEs since rejected) is a card of its own, plainly not an
alert: "[WITHDRAWN]" and "no action needed" at the top, then each rejected CVE with why, and the
rows the council had been told of through it (product, version, platform, devices, when first
alerted), capped the same way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from advisories.delivery import Transport
from advisories.delivery.channels import Setup, post_rows
from advisories.delivery.http import PostTransport
from advisories.delivery.notice import Item, Notice, Rejected, WithdrawalNotice, items, rejected
from advisories.models import Message, Outgoing

LIMIT_BYTES = 27 * 1024  # Teams refuses a post over 28 KB; the rest is headroom
ROWS = 8  # rows per advisory on the card; the email and its CSV list them all
LINKS = 3
TEXT = 600  # characters of feed text per block
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"

# Markdown's marks (CommonMark, which Teams' TextBlocks follow) escaped with a backslash.
_MARKS = re.compile(r"([\\`*_\[\]()<>!#~|])")
_LIST_START = re.compile(r"^(\s*)([-+]|\d+[.)])(\s)", re.MULTILINE)


def plain(text: str, limit: int = TEXT) -> str:
    """Feed text as a TextBlock shows it: no link, image, emphasis or list of its own."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return _LIST_START.sub(r"\1\\\2\3", _MARKS.sub(r"\\\1", text))


def card(notice: Notice, limit: int = LIMIT_BYTES) -> dict[str, Any]:
    """The message Teams takes: the card in its envelope, under `limit` bytes as JSON."""
    found = items(notice)
    return _fit(_heading(notice, found), [_advisory(item) for item in found], limit)


def withdrawal_card(notice: WithdrawalNotice, limit: int = LIMIT_BYTES) -> dict[str, Any]:
    """The withdrawal as Teams takes it, under `limit` bytes as JSON like an alert's card."""
    return _fit(_withdrawal_heading(notice), [_rejected(r) for r in rejected(notice)], limit)


def _fit(head: list[dict[str, Any]], sections: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    """`head`, then as many of `sections` (in their order) as fit, then "N more" for the rest."""
    for shown in range(len(sections) + 1):
        rest = len(sections) - shown
        blocks = head + sections[:shown]
        if rest:
            blocks.append(_text(f"{rest} more: see the email / CSV", weight="Bolder", separator=True))
        if shown == len(sections) or len(encode(_envelope([*blocks, sections[shown]]))) > limit:
            return _envelope(blocks)
    raise AssertionError("unreachable: the loop returns")


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _envelope(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    content = {
        "$schema": SCHEMA,
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": blocks,
        "msteams": {"width": "Full"},
    }
    return {"type": "message", "attachments": [{"contentType": CARD_TYPE, "contentUrl": None, "content": content}]}


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _heading(notice: Notice, found: list[Item]) -> list[dict[str, Any]]:
    urgent = any(i.exploited or i.severity == "critical" for i in found)
    blocks: list[dict[str, Any]] = [
        {
            "type": "Container",
            "style": "attention" if urgent else "emphasis",
            "bleed": True,
            "items": [
                _text(plain(notice.title, 300), size="Large", weight="Bolder"),
                _text(
                    f"{plain(notice.run_time)}. Only software found in your own inventory export; "
                    "the email lists every row.",
                    isSubtle=True,
                    spacing="Small",
                ),
            ],
        }
    ]
    if notice.test:
        blocks.append(
            _text(
                "THIS IS A TEST sent with advisories test-send: it names no real advisory; no action is needed.",
                color="Attention",
                weight="Bolder",
            )
        )
    return blocks


def _advisory(item: Item) -> dict[str, Any]:
    facts = [
        {"title": "Severity", "value": (item.severity or "not stated").capitalize()},
        {"title": "Exploited", "value": "YES, in the wild" if item.exploited else "not known"},
    ]
    if item.kev_due:
        facts.append({"title": "CISA KEV due", "value": item.kev_due.isoformat()})
    if item.cves:
        facts.append({"title": "CVEs", "value": plain(", ".join(item.cves[:10]), 300)})
    facts.append({"title": "Devices", "value": str(item.devices)})
    blocks: list[dict[str, Any]] = [
        _text(
            plain(item.title, 300), size="Medium", weight="Bolder", color="Attention" if item.exploited else "Default"
        ),
        {"type": "FactSet", "facts": facts},
    ]
    if item.update:
        blocks.append(_text("Update: what changed since we last told you", weight="Bolder", spacing="Small"))
        blocks.extend(_text("• " + plain(line, 300), spacing="None") for line in item.changes[:5])
    blocks.append(_text("Your affected software", weight="Bolder", spacing="Small"))
    blocks.extend(_row_lines(
        [f"{_row(r.product, r.version, r.platform, r.devices)}{' (check manually)' if r.status != 'affected' else ''}"
         for r in item.rows[:ROWS]], len(item.rows)))
    blocks.append(_text("What to do: " + plain(item.action), spacing="Small"))
    actions = [
        {"type": "Action.OpenUrl", "title": plain(urlsplit(url).hostname or "link", 60), "url": url}
        for url in item.links
        if urlsplit(url).scheme in ("http", "https")
    ][:LINKS]
    if actions:
        blocks.append({"type": "ActionSet", "actions": actions})
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": blocks}


def _withdrawal_heading(notice: WithdrawalNotice) -> list[dict[str, Any]]:
    one = len(notice.withdrawal.reasons) == 1
    return [
        {
            "type": "Container",
            "style": "good",
            "bleed": True,
            "items": [
                _text(plain(notice.title, 300), size="Large", weight="Bolder"),
                _text(plain(notice.run_time), isSubtle=True, spacing="Small"),
            ],
        },
        _text(
            f"We alerted you about the software below through {'this CVE' if one else 'these CVEs'}. The CVE "
            f"Program has since rejected {'it' if one else 'them'}, so that alert no longer stands. There is no "
            f"action to take for {'it' if one else 'them'}; any other alert we sent you still stands.",
        ),
    ]


def _rejected(found: Rejected) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        _text(f"{plain(found.cve, 60)}: rejected", size="Medium", weight="Bolder"),
        _text("Why: " + plain(found.reason), spacing="Small"),
        _text("What we had told you of", weight="Bolder", spacing="Small"),
    ]
    blocks.extend(_row_lines(
        [f"{_row(r.product, r.version, r.platform, r.devices)} (alerted {plain(r.first_alerted, 40)})"
         for r in found.rows[:ROWS]], len(found.rows)))
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": blocks}


def _row(product: str, version: str, platform: str, devices: int) -> str:
    return (f"{plain(product, 120)} {plain(version, 60)} on {plain(platform, 40)}: "
            f"{devices} device{'' if devices == 1 else 's'}")


def _row_lines(lines: list[str], total: int) -> list[dict[str, Any]]:
    """One bullet per row shown, and how many more the email and its CSV list."""
    blocks = [_text("• " + line, spacing="None") for line in lines]
    if total > len(lines):
        blocks.append(_text(f"and {total - len(lines)} more rows: see the email / CSV", spacing="None", isSubtle=True))
    return blocks


@dataclass(frozen=True)
class TeamsChannel:
    kind: str = "teams"
    label: str = "Teams"

    def render(self, notice: Notice, setup: Setup) -> list[Message | Outgoing]:
        return post_rows(notice, self.kind, lambda: encode(card(notice)))

    def render_withdrawal(self, notice: WithdrawalNotice, setup: Setup) -> list[Message | Outgoing]:
        return post_rows(notice, self.kind, lambda: encode(withdrawal_card(notice)))

    def transport(self, setup: Setup) -> Transport:
        return PostTransport(self.label, setup.urls, setup.http)


CHANNEL = TeamsChannel()
