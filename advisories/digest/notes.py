"""The editor's note: a tiny, safe Markdown subset -> HTML, plain text and clean Markdown.

Supported: paragraphs (blank-line separated), **bold**, [text](https://link), and "- " / "* " /
"1. " lists. Nothing else is interpreted: raw HTML in the file is shown as text, and a link
whose URL is not plain http(s) stays as text. A hand-written subset rather than the `markdown`
package, because the team needs only these four things and a full Markdown parser would pass
raw HTML through unless sanitised afterwards; nh3 still cleans the result as a second line.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import nh3
from markupsafe import Markup

from advisories.sanitise import safe_url

MAX_NOTE_CHARS = 20_000
_BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+(.*)$")
# Applied to already-escaped text, so the captured pieces never contain raw < > & or ".
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "a"}


@dataclass(frozen=True)
class Note:
    html: Markup
    text: str
    markdown: Markup  # already escaped for Markdown: the .md template must not escape it again


def load_note(folder: Path | None, week: str) -> Note | None:
    """The note for `week` (<folder>/2023-W13.md), or None when there is none."""
    if folder is None:
        return None
    path = folder / f"{week}.md"
    try:
        source = path.read_text(encoding="utf-8")[:MAX_NOTE_CHARS]
    except FileNotFoundError:
        return None
    return render_note(source) if source.strip() else None


def render_note(source: str) -> Note:
    blocks = _blocks(source)
    return Note(
        html=Markup(_clean("".join(_block_html(kind, lines) for kind, lines in blocks))),
        text="\n\n".join(_block_text(kind, lines) for kind, lines in blocks),
        markdown=Markup("\n\n".join(_block_markdown(kind, lines) for kind, lines in blocks)),
    )


def _blocks(source: str) -> list[tuple[str, list[str]]]:
    """Paragraphs and lists: ("p", lines), ("ul", items) or ("ol", items)."""
    blocks: list[tuple[str, list[str]]] = []
    for chunk in re.split(r"\n\s*\n", source.replace("\r\n", "\n").strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        for pattern, kind in ((_BULLET, "ul"), (_NUMBERED, "ol")):
            items = [m.group(1) for m in map(pattern.match, lines) if m]
            if lines and len(items) == len(lines):
                blocks.append((kind, items))
                break
        else:
            if lines:
                blocks.append(("p", [" ".join(lines)]))
    return blocks


def _inline(text: str, link: str, bold: str, *, quote: bool = True) -> str:
    escaped = html.escape(text, quote=quote)

    def one_link(m: re.Match[str]) -> str:
        url = safe_url(html.unescape(m.group(2)))
        if url is None:
            return m.group(0)  # not a plain http(s) link: leave the text as typed
        return link.format(text=m.group(1), url=html.escape(url, quote=quote))

    return _BOLD.sub(lambda m: bold.format(text=m.group(1)), _LINK.sub(one_link, escaped))


def _block_html(kind: str, lines: list[str]) -> str:
    render = [_inline(line, '<a href="{url}">{text}</a>', "<strong>{text}</strong>")
              for line in lines]
    if kind == "p":
        return f"<p>{render[0]}</p>"
    return f"<{kind}>" + "".join(f"<li>{item}</li>" for item in render) + f"</{kind}>"


def _block_text(kind: str, lines: list[str]) -> str:
    render = [html.unescape(_inline(line, "{text} ({url})", "{text}")) for line in lines]
    if kind == "p":
        return render[0]
    return "\n".join(
        f"{i}. {item}" if kind == "ol" else f"- {item}" for i, item in enumerate(render, 1)
    )


def _block_markdown(kind: str, lines: list[str]) -> str:
    # Escaped: the copy is pasted into other tools, which may render raw HTML in Markdown.
    render = [_inline(line, "[{text}]({url})", "**{text}**", quote=False) for line in lines]
    if kind == "p":
        return render[0]
    return "\n".join(
        f"{i}. {item}" if kind == "ol" else f"- {item}" for i, item in enumerate(render, 1)
    )


def _clean(markup: str) -> str:
    return nh3.clean(
        markup,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer",
    )
