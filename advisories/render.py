"""Jinja2 templates -> Message. Autoescape on, StrictUndefined: a typo in a template fails loudly.

The shipped templates are the defaults; an operator's `templates` folder overrides them file by
file (a ChoiceLoader looks there first).
"""

from __future__ import annotations

import csv
import hashlib
import io
import traceback
from dataclasses import replace
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import jinja2

from advisories import priority
from advisories.alerts import BODY_ROWS, CouncilAlert, Withdrawal
from advisories.defaults import default_folder
from advisories.delivery.mime import list_id
from advisories.models import PLATFORM_NAMES, Attachment, Match, Message
from advisories.sanitise import clean_header_text

ALERT_TEMPLATES = ("alert.subject.txt", "alert.txt", "alert.html")
WITHDRAWN_TEMPLATES = ("withdrawn.subject.txt", "withdrawn.txt", "withdrawn.html")


def environment(override: Path | None = None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if override is not None:
        loaders.append(jinja2.FileSystemLoader(override))
    loaders.append(jinja2.FileSystemLoader(default_folder("templates")))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        # Every template is escaped for HTML except the plain-text ones, named *.txt.
        autoescape=lambda name: bool(name) and not str(name).endswith(".txt"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["devices"] = lambda n: f"{n} device" + ("" if n == 1 else "s")
    env.filters["platform"] = lambda p: PLATFORM_NAMES.get(p, p)
    env.filters["why"] = priority.why  # {{ advisory|why }}: why it is where it is in the order
    env.filters["scores"] = priority.scores_line
    # Answer links per row (acks.alerting.link_context); none unless [web] is configured.
    env.globals["ack_links"] = lambda match: []
    return env


def template_problem(exc: jinja2.TemplateError) -> str:
    """Where a template failed while rendering, as "file line n: message"."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{exc.filename or exc.name} line {exc.lineno}: {exc.message}"
    # Jinja rewrites the traceback so that template frames carry the template's file and line.
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.endswith(".py")]
    where = f"{frames[-1].filename} line {frames[-1].lineno}: " if frames else ""
    return f"{where}{exc.message or type(exc).__name__}"


def message_id(key: str, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "advisories.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def render_alert(
    env: jinja2.Environment, alert: CouncilAlert, *, sender: str, context: dict[str, Any]
) -> Message:
    """The alert; beyond BODY_ROWS rows the body lists the most urgent and a CSV the rest."""
    shown = alert.within(BODY_ROWS)
    message = _render(env, "alert", {"alert": shown, **context}, key=alert.message_key,
                      council_id=alert.council_id, to=alert.recipients, sender=sender)
    if alert.thread:  # an update: threaded under the earlier emails on the same advisories
        thread = alert.thread
        if len(thread) > THREAD_REFERENCES:  # the root, and the latest ones
            thread = thread[:1] + thread[1 - THREAD_REFERENCES:]
        message = replace(message, headers=(*message.headers, ("In-Reply-To", thread[-1]),
                                             ("References", " ".join(thread))))
    rest = shown.rows_in_csv
    if not rest:
        return message
    return replace(message, attachments=(Attachment(shown.csv_name, "text/csv", rows_csv(rest)),))


# References kept on an update: the first (the thread's root) and the latest matter to mail
# clients; a long-lived advisory must not grow the header without end.
THREAD_REFERENCES = 10


CSV_COLUMNS = ("severity", "exploited", "advisory", "title", "cves", "status", "product", "vendor",
               "version", "platform", "devices", "hosts", "why", "link")
CSV_HOSTS = 20  # device names per row, as in the body; the count says how many there are
# A cell a spreadsheet would run as a formula (OWASP "CSV injection"): feed titles and export
# cells are not ours, so such a cell is written with a leading apostrophe, which shows as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def rows_csv(rows: tuple[Match, ...]) -> str:
    """Alert rows as CSV (one line per row, CRLF, a header line), for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for m in rows:
        item, advisory = m.item, m.advisory
        hosts = ", ".join(item.hosts[:CSV_HOSTS])
        if len(item.hosts) > CSV_HOSTS:
            hosts += f" and {len(item.hosts) - CSV_HOSTS} more"
        status = "check manually" if m.status.value == "unknown" else "affected"
        cells = (advisory.severity or "", "yes" if advisory.exploited else "no", advisory.id, advisory.title,
                 " ".join(advisory.cves), status, item.product, item.vendor, item.version or "(no version)",
                 PLATFORM_NAMES.get(item.platform, item.platform), str(item.devices), hosts,
                 m.reason + (f" ({m.label})" if m.label else ""), advisory.url or next(iter(advisory.links), ""))
        writer.writerow([_as_text(c) for c in cells])
    return out.getvalue()


def _as_text(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def render_withdrawal(
    env: jinja2.Environment, withdrawal: Withdrawal, *, sender: str, context: dict[str, Any]
) -> Message:
    """A notice that alerts sent through now-rejected CVEs are withdrawn: no action needed.
    Beyond BODY_ROWS rows it lists the first and attaches every row as CSV, as an alert does."""
    message = _render(env, "withdrawn", {"withdrawal": withdrawal, **context}, key=withdrawal.message_key,
                      council_id=withdrawal.council_id, to=withdrawal.recipients, sender=sender)
    if len(withdrawal.rows) <= len(withdrawal.shown):
        return message
    return replace(message, attachments=(Attachment(withdrawal.csv_name, "text/csv", withdrawn_csv(withdrawal)),))


def withdrawn_csv(withdrawal: Withdrawal) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("cve", "product", "version", "platform", "devices", "alerted"))
    for r in withdrawal.rows:
        cells = (r.cve, r.product, r.version or "(no version)", PLATFORM_NAMES.get(r.platform, r.platform),
                 str(r.devices), r.first_alerted)
        writer.writerow([_as_text(c) for c in cells])
    return out.getvalue()


def _render(env: jinja2.Environment, name: str, data: dict[str, Any], *, key: str, council_id: str,
            to: tuple[str, ...], sender: str) -> Message:
    """`name`.subject.txt, `name`.txt and `name`.html as one council's message."""
    subject = env.get_template(f"{name}.subject.txt").render(data)
    return Message(
        key=key,
        council_id=council_id,
        to=to,
        subject=clean_header_text(subject, max_chars=200),
        text=env.get_template(f"{name}.txt").render(data),
        html=env.get_template(f"{name}.html").render(data),
        message_id=message_id(key, sender),
        # Auto-Submitted and X-Auto-Response-Suppress: mime.to_email sets them on every email.
        headers=(("X-Advisories-Council", council_id), ("List-Id", list_id("alerts", council_id))),
    )
