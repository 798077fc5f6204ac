"""What the endpoint answers to a link: a confirmation page on GET, a record on POST.

Only POST records: mail scanners and link previews follow every link in an email with a GET,
so a GET must never change anything. Every link is verified again on POST (its clock may have
passed the expiry since the page was shown). Pages are rendered from `ack.html` with autoescape;
nothing from a feed reaches them unescaped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from advisories.acks.decide import LABELS, day
from advisories.acks.links import KINDS, Claim, LinkError, signature_digest, verify
from advisories.config import Config
from advisories.render import PLATFORM_NAMES, environment
from advisories.store import Store, now
from advisories.store import acks as stored

MAX_REASON = 500


@dataclass(frozen=True)
class Page:
    status: int
    html: str


@dataclass(frozen=True)
class _Shown:
    """What the page says about the exposure (display text only)."""

    council: str
    advisory: str
    product: str
    version: str
    platform: str
    devices: int
    to: str


@dataclass
class _View:
    state: str  # confirm, recorded, refused
    title: str
    status: int = 200
    kind: str = ""
    label: str = ""
    shown: _Shown | None = None
    error: str = ""
    lines: list[str] = field(default_factory=list)
    earliest: str = ""
    latest: str = ""


class AckPages:
    def __init__(self, config: Config, *, clock: Callable[[], datetime] = now) -> None:
        assert config.web is not None and config.web.keys, "[web] with a key is required"
        self.config, self.web, self.clock = config, config.web, clock
        self.tz = ZoneInfo(config.timezone)
        self.env = environment(config.templates)

    def get(self, token: str) -> Page:
        return self._handle(token, None)

    def post(self, token: str, form: Mapping[str, str]) -> Page:
        return self._handle(token, form)

    def _handle(self, token: str, form: Mapping[str, str] | None) -> Page:
        at = self.clock()
        try:
            claim = verify(token, self.web.keys, at)
        except LinkError as exc:
            return self._refused(exc.why)
        with Store.open(self.config.state) as store:
            exposure = stored.told(store, claim.council_id, claim.key)
            if exposure is None:
                return self._refused("unknown")
            if signature_digest(exposure.signature) != claim.signature:
                return self._refused("superseded")
            view = self._confirm(claim, self._shown(store, claim, exposure), at)
            if form is None:
                return self._page(view)
            error, reason, until = self._read(claim.kind, form, at)
            if error:
                view.error, view.status = error, 400
                return self._page(view)
            answer = stored.record(store, exposure, kind=claim.kind, reason=reason, until=until,
                                   sent_to=", ".join(claim.to), at=at)
        return self._page(self._recorded(view, answer))

    def _confirm(self, claim: Claim, shown: _Shown, at: datetime) -> _View:
        today = at.astimezone(self.tz).date()
        return _View("confirm", f"Answer: {LABELS[claim.kind]}", kind=claim.kind, label=LABELS[claim.kind],
                     shown=shown, earliest=(today + timedelta(days=1)).isoformat(),
                     latest=self._latest(today).isoformat())

    def _latest(self, today: date) -> date:
        return today + timedelta(seconds=self.web.max_accept_s)

    def _shown(self, store: Store, claim: Claim, exposure: stored.Told) -> _Shown:
        _, subject, rest = claim.key.split("|", 2)
        product, version, platform = rest.rsplit("|", 2)
        advisory = store.advisory(exposure.advisory_id)
        names = {a.product.casefold(): a.product for a in advisory.affects} if advisory else {}
        council = next((c.name for c in self.config.councils if c.id == claim.council_id), claim.council_id)
        return _Shown(council, advisory.title if advisory else subject, names.get(product, product),
                      version or "(no version)", PLATFORM_NAMES.get(platform, platform), exposure.devices,
                      ", ".join(claim.to))

    def _read(self, kind: str, form: Mapping[str, str], at: datetime) -> tuple[str, str | None, date | None]:
        """(error, reason, until) from the posted form."""
        if kind == "not_affected":
            reason = " ".join(form.get("reason", "").split())
            if not reason:
                return "Say why it is not affected here (one line is enough).", None, None
            if len(reason) > MAX_REASON:
                return f"Keep the reason under {MAX_REASON} characters.", None, None
            return "", reason, None
        if kind == "accepted":
            today = at.astimezone(self.tz).date()
            try:
                until = date.fromisoformat(form.get("until", "").strip())
            except ValueError:
                return "Give the date the acceptance ends (YYYY-MM-DD).", None, None
            if not today < until <= self._latest(today):
                return (f"The date must be after today and at most {day(self._latest(today), self.tz)} "
                        f"(the longest this service accepts a risk for).", None, None)
            return "", None, until
        return "", None, None

    def _recorded(self, view: _View, answer: stored.Answer) -> _View:
        view.state, view.title = "recorded", f"Recorded: {view.label}"
        view.lines = [f"Answered {day(answer.answered_at, self.tz)} for {answer.sent_to}."]
        if answer.until:
            view.lines.append(f"The risk is accepted until {day(answer.until, self.tz)}; if the inventory "
                              "still shows it after that, you will be told again once.")
        elif answer.kind == "patched":
            view.lines.append("If an inventory exported after today still shows it, you will be told again once.")
        if answer.reason:
            view.lines.append(f"Reason: {answer.reason}")
        view.lines.append("You will not be alerted about this again unless the advisory changes materially.")
        return view

    def _refused(self, why: str) -> Page:
        titles = {
            "tampered": (400, "This link is not valid", "The link has been changed or damaged. Nothing was "
                         "recorded. Open the link from the alert email again, without editing it."),
            "expired": (410, "This link has expired", "Answer links last a limited time. Nothing was recorded. "
                        "Use the links in the latest alert, or ask the service's operator."),
            "unknown": (404, "This alert is not known here", "Nothing was recorded. The service no longer "
                        "holds this alert: ask the service's operator."),
            "superseded": (409, "A newer alert replaces this one", "Nothing was recorded. Something material "
                           "changed since this email: answer from the latest alert about it."),
        }
        status, title, text = titles[why]
        return self._page(_View("refused", title, status=status, lines=[text]))

    def _page(self, view: _View) -> Page:
        data: dict[str, Any] = {"page": view, "kinds": KINDS, "max_reason": MAX_REASON}
        return Page(view.status, self.env.get_template("ack.html").render(data))
