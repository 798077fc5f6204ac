"""The draft: the bulletin's Markdown is the source of truth once the editor has touched it.

`advisories digest` writes the draft (2023-W13.md) and remembers a hash of what it wrote
(.2023-W13.md.written). While the draft is as written, every run regenerates it. Once the
editor changes it, it is theirs: runs leave it alone, and the previews and the email sent by
`--send` are rendered from it, into the same frame as the generated email (digest.html).

Rendering uses markdown-it-py (CommonMark, tables), with raw HTML off (it shows as text),
images off (nothing remote is loaded) and no autolinking: feed text in the draft was escaped
when it was written (output.md_escape), so a bare URL, a heading or an image in a feed's
title stays text however often the draft is rendered. What the editor writes as Markdown
(links, bold, lists, headings, tables) renders as such; nh3 then keeps only plain tags and
http(s)/mailto links, a second line behind the renderer.
"""

from __future__ import annotations

import hashlib
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_MD.enable("table").disable("image")
_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "code", "pre", "h3", "h4", "blockquote",
         "table", "thead", "tbody", "tr", "th", "td", "br", "hr"}
_GRID = '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" class="grid">'


@dataclass(frozen=True)
class Section:
    heading: str
    html: Markup


@dataclass(frozen=True)
class Draft:
    """An edited draft, rendered: the title (its `#` line), the text before the first `##`
    section (the introduction), and each section."""

    source: str
    title: str
    intro: Markup
    sections: tuple[Section, ...]


def written_mark(draft: Path) -> Path:
    return draft.with_name(f".{draft.name}.written")


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def edited(draft: Path) -> str | None:
    """The draft's text if the editor changed it since it was written, else None."""
    try:
        text = draft.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    mark = written_mark(draft)
    written = mark.read_text(encoding="ascii").strip() if mark.is_file() else None
    return text if written is not None and digest_of(text) != written else None


def html_of(markdown: str) -> Markup:
    clean = nh3.clean(_MD.render(markdown), tags=_TAGS, attributes={"a": {"href"}},
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    # h1 and h2 frame the email; a heading inside a section is one level below.
    return Markup(clean.replace("<table>", _GRID))


def parse(source: str) -> Draft:
    title = ""
    head: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    current: tuple[str, list[str]] | None = None
    for line in source.replace("\r\n", "\n").split("\n"):
        if line.startswith("# ") and not title and current is None:
            title = line[2:].strip()
        elif line.startswith("## "):
            current = (line[3:].strip(), [])
            sections.append(current)
        else:
            (current[1] if current else head).append(line)
    return Draft(source, _inline_text(title), html_of("\n".join(head)),
                 tuple(Section(_inline_text(h), html_of("\n".join(body))) for h, body in sections))


def _inline_text(markdown: str) -> str:
    tokens = _MD.parseInline(markdown)
    return "".join(_inline(t.children or []) for t in tokens)


def _inline(children: list[Token]) -> str:
    out, href = [], None
    for t in children:
        if t.type in ("text", "code_inline"):
            out.append(t.content)
        elif t.type == "softbreak":
            out.append(" ")
        elif t.type == "hardbreak":
            out.append("\n")
        elif t.type == "link_open":
            href = str(t.attrs.get("href", ""))
            start = len(out)
        elif t.type == "link_close" and href:
            shown = "".join(out[start:])
            if shown != href:
                out.append(f" ({href})")
            href = None
    return "".join(out)


def text_of(source: str, width: int = 76) -> str:
    """The plain-text part: headings in capitals, lists as "- ", links as "text (url)"."""
    lines: list[str] = []
    prefix, numbers = "", []
    row: list[str] | None = None
    for t in _MD.parse(source):
        if t.type == "tr_open":
            row = []
        elif t.type == "inline" and row is not None:
            row.append(_inline(t.children or []))
        elif t.type == "heading_open":
            prefix = t.tag
        elif t.type in ("bullet_list_open", "ordered_list_open"):
            numbers.append(0 if t.type == "ordered_list_open" else -1)
        elif t.type in ("bullet_list_close", "ordered_list_close"):
            numbers.pop()
            lines.append("")
        elif t.type == "list_item_open" and numbers:
            numbers[-1] += 1 if numbers[-1] >= 0 else 0
            prefix = f"{numbers[-1]}. " if numbers[-1] >= 0 else "- "
        elif t.type == "tr_close" and row is not None:
            lines.append(" | ".join(row))
            row = None
        elif t.type == "table_close":
            lines.append("")
        elif t.type == "inline":
            lines.extend(_block(_inline(t.children or []), prefix, width, in_list=bool(numbers)))
            prefix = ""
    return "\n".join(lines).strip() + "\n"


def _block(text: str, prefix: str, width: int, *, in_list: bool) -> list[str]:
    if prefix in ("h1", "h2"):
        return ["", text.upper(), ("=" if prefix == "h1" else "-") * min(70, width), ""]
    if prefix.startswith("h"):
        return [f"* {text}"]
    if prefix:
        wrapped = textwrap.wrap(text, width - 2, break_on_hyphens=False) or [""]
        return [prefix + wrapped[0], *("  " + w for w in wrapped[1:])]
    if in_list:  # a table cell or a list item's second paragraph
        return ["  " + w for w in textwrap.wrap(text, width - 2, break_on_hyphens=False)]
    return [*textwrap.wrap(text, width, break_on_hyphens=False), ""]
