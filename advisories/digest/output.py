"""Digest -> the email (HTML with inlined CSS + plain text), the web page and the Markdown copy.

Templates keep their styles in a <style> block so the team can restyle them in one place;
css-inline then copies every rule onto the elements, because Outlook and Gmail ignore or strip
<style>. Nothing remote is ever loaded (no images, no stylesheets): the email must render the
same offline, behind a council's proxy, and without tracking anyone.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import css_inline
import jinja2
from markupsafe import Markup

from advisories.delivery.mime import list_id
from advisories.digest.content import Digest
from advisories.digest.draft import digest_of, parse, text_of, written_mark
from advisories.digest.edition import Period
from advisories.digest.week import aware
from advisories.models import Message
from advisories.render import environment, message_id
from advisories.sanitise import clean_header_text

DIGEST_TEMPLATES = ("digest.subject.txt", "digest.txt", "digest.html", "digest.md")
# Gmail clips messages over ~102 KB; stay below with room for the MIME headers and encoding.
MAX_EMAIL_BYTES = 100_000
# Items per list in the email; the web page lists everything. Lowered if the email is too big.
EMAIL_LIMITS = (10, 5, 2)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#!])")
# GitHub-flavoured Markdown turns bare URLs, www. names and e-mail addresses into links (its
# "autolink" extension). A backslash before the ":" of "://" or the "." of "www." keeps them
# text (rendered unchanged). An address is matched after the text is put together, where no
# escape helps, so its "@" is written "[@]" (the usual defanged form).
_MD_SCHEME = re.compile(r":(?=//)")
_MD_WWW = re.compile(r"(?i)(www)\.")
_MD_EMAIL_AT = re.compile(r"(?<=[\w.+-])@(?=[\w-])")
# At the start of the text: a list marker, or a number that would start an ordered list
# (escaped at its "." or ")": a backslash before a digit is no escape and would show).
_MD_LEADING = re.compile(r"^([-+]|\d{1,9}[.)])")
_BACKTICKS = re.compile(r"`+")
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)


@dataclass(frozen=True)
class DigestFiles:
    """What `build_digest` wrote, and the email it would send."""

    week: Period
    email_html: Path
    email_text: Path
    webpage: Path
    markdown: Path
    message: Message
    # Set when the week's bulletin was already in the outbox and this is only a preview,
    # written away from the published copy: "sent on 3 April 2023, 08:00 BST (outbox ...)".
    already_sent: str | None = None
    edited: bool = False  # the draft was the editor's: kept, and the email rendered from it

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.webpage, self.markdown, self.email_html, self.email_text)


def md_escape(value: object) -> Markup:
    """Feed text for Markdown: it renders as the same text, and never as markup or a link.

    One line (a line break could start a heading or a list), HTML-escaped, Markdown's own
    punctuation backslash-escaped, and autolinks broken (see _MD_SCHEME).
    """
    text = " ".join(str(value).split())
    text = _MD_EMAIL_AT.sub("[@]", text)
    text = _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
    text = _MD_WWW.sub(r"\1\\.", _MD_SCHEME.sub(r"\\:", text))
    return Markup(_MD_LEADING.sub(_escape_last, text, count=1))


def _escape_last(match: re.Match[str]) -> str:
    return f"{match.group(1)[:-1]}\\{match.group(1)[-1]}"


def md_code(value: object) -> Markup:
    """Text as Markdown inline code, e.g. a command holding a feed's id.

    Nothing inside a code span is markup, a link or HTML. The fence is one backtick longer than
    any run inside, so a backtick in the text cannot end the span early.
    """
    text = " ".join(str(value).split())
    fence = "`" * (max(map(len, _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return Markup(f"{fence}{pad}{text}{pad}{fence}")


def md_url(value: object) -> Markup:
    # Parentheses and angle brackets would end or break the (url) part of a Markdown link.
    url = str(value)
    for ch, code in (("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E"), (" ", "%20")):
        url = url.replace(ch, code)
    return Markup(url)


def digest_environment(override: Path | None, tz: ZoneInfo) -> jinja2.Environment:
    env = environment(override)
    env.filters["md"] = md_escape
    env.filters["mdurl"] = md_url
    env.filters["mdcode"] = md_code

    def local_date(moment: datetime) -> str:
        day = aware(moment).astimezone(tz)
        return f"{day.day} {day:%B %Y}"

    env.filters["local_date"] = local_date
    return env


def inline_css(markup: str) -> str:
    return str(_INLINER.inline(markup))


def render_email(
    env: jinja2.Environment,
    digest: Digest,
    *,
    key: str,
    recipients: tuple[str, ...],
    sender: str,
    web_url: str | None,
) -> Message:
    """The bulletin email, with lists shortened until it fits under MAX_EMAIL_BYTES."""
    subject = env.get_template("digest.subject.txt").render(digest=digest)
    for limit in EMAIL_LIMITS:
        data = {"digest": digest, "webpage": False, "web_url": web_url, "limit": limit}
        text = env.get_template("digest.txt").render(data)
        markup = inline_css(env.get_template("digest.html").render(data))
        if len(text.encode()) + len(markup.encode()) <= MAX_EMAIL_BYTES:
            break
    return Message(
        key=key,
        council_id="digest",
        to=recipients,
        subject=clean_header_text(subject, max_chars=200),
        text=text,
        html=markup,
        message_id=message_id(key, sender),
        headers=(("X-Advisories-Digest", str(digest.week)), ("List-Id", list_id("bulletin"))),
    )


def render_webpage(env: jinja2.Environment, digest: Digest) -> str:
    data = {"digest": digest, "webpage": True, "web_url": None, "limit": None}
    return inline_css(env.get_template("digest.html").render(data))


def render_markdown(env: jinja2.Environment, digest: Digest) -> str:
    return env.get_template("digest.md").render(digest=digest, limit=None)


def render_draft(env: jinja2.Environment, digest: Digest, message: Message, source: str,
                 web_url: str | None) -> tuple[Message, str]:
    """The edited draft in the email's frame: the email (HTML and text) and the web page."""
    draft = parse(source)
    frame = env.get_template("digest.html")
    common = {"digest": digest, "draft": draft, "limit": None}
    markup = inline_css(frame.render(common, webpage=False, web_url=web_url))
    page = inline_css(frame.render(common, webpage=True, web_url=None))
    return replace(message, html=markup, text=text_of(source)), page


def write_files(folder: Path, message: Message, webpage: str, markdown: str | None,
                week: Period, *, already_sent: str | None = None) -> DigestFiles:
    """`markdown` None: the draft is the editor's and is left as it is."""
    stem = str(week)
    files = DigestFiles(
        week=week,
        email_html=folder / f"{stem}.email.html",
        email_text=folder / f"{stem}.email.txt",
        webpage=folder / f"{stem}.html",
        markdown=folder / f"{stem}.md",
        message=message,
        already_sent=already_sent,
        edited=markdown is None,
    )
    folder.mkdir(parents=True, exist_ok=True)
    for path, content in ((files.webpage, webpage), (files.email_html, message.html),
                          (files.email_text, message.text)):
        write_atomically(path, content)
    if markdown is not None:
        write_atomically(files.markdown, markdown)
        write_atomically(written_mark(files.markdown), digest_of(markdown) + "\n")
    return files


def write_atomically(path: Path, content: str) -> None:
    # A web server may be serving the folder: readers see the old page or the new, never half.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
