"""The contracts between stages: every stage takes and returns these frozen values.

sources -> Advisory -> matching (x InventoryItem) -> Match -> alerts -> Message -> delivery
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from advisories.identity.platforms import named_platform

PLATFORMS = ("windows", "macos", "linux", "ios", "android", "any")
# How a platform is written for people (emails, the bulletin, CSV cells).
PLATFORM_NAMES = {"windows": "Windows", "macos": "macOS", "linux": "Linux", "ios": "iOS",
                  "android": "Android", "any": "unknown platform"}
SEVERITIES = ("critical", "high", "medium", "low")


class Status(enum.StrEnum):
    """Whether a version lies inside an affected statement.

    UNKNOWN is a finding, never a silent "no": it alerts with "check this manually".
    """

    AFFECTED = "affected"
    NOT_AFFECTED = "not_affected"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Bound:
    version: str
    inclusive: bool


@dataclass(frozen=True, slots=True)
class VersionRange:
    """One interval of affected versions; None on a side means unbounded.

    Every input form (OSV introduced/fixed/last_affected, vers, NVD start/end) becomes this.
    """

    lower: Bound | None = None
    upper: Bound | None = None


@dataclass(frozen=True, slots=True)
class AffectedProduct:
    """One affected statement: a product on a platform, and which of its versions are hit.

    A version is affected when it is in `versions`, inside any of `ranges`, or when
    `all_versions` is set. `labels` name groups of builds ("Update 7") that inventories
    sometimes report instead of the build number. A statement given no platform takes the
    one its product name names, if any ("Zoom Client for Windows" -> windows).
    """

    vendor: str
    product: str
    platform: str = "any"
    versions: tuple[str, ...] = ()
    ranges: tuple[VersionRange, ...] = ()
    all_versions: bool = False
    aliases: tuple[str, ...] = ()
    labels: tuple[tuple[str, tuple[str, ...]], ...] = ()
    scheme: str | None = None
    version_aliases: tuple[tuple[str, str], ...] = ()
    excluded: tuple[str, ...] = ()
    cpe: str | None = None
    purl: str | None = None
    fixed_in: str | None = None
    note: str | None = None  # e.g. the version text a source gave that could not be read
    # Versions the advisory says nothing about, though they sit beside what it does say: a
    # release line between two lines it gives fixes for. Inside one and in no range: UNKNOWN.
    undecided: tuple[VersionRange, ...] = ()
    from_text: bool = False  # versions read from prose by the extractor: to be verified
    confidence: float | None = None  # the extractor's, for from_text statements

    def __post_init__(self) -> None:
        # Vendors write the platform into the name ("FortiClientWindows", "FortiClientMac",
        # "Citrix Workspace app for Mac") and most sources then leave `platform` at "any",
        # which would put a Windows-only statement on every Mac. Every source, the store and
        # the dry run build statements through here, so none of them can forget it. A platform
        # other than "any" is kept as given ("any" cannot be told from no platform here).
        if self.platform == "any":
            named = named_platform(self.product)
            if named is not None:
                object.__setattr__(self, "platform", named[0])

    def describe(self) -> str:
        """Human summary of the affected set, for emails and `match --json`."""
        parts: list[str] = []
        if self.all_versions:
            parts.append("all versions")
        if self.versions:
            parts.append(", ".join(self.versions))
        for r in self.ranges:
            lo = (
                f"{'>=' if r.lower.inclusive else '>'}{r.lower.version}" if r.lower else ""
            )
            hi = (
                f"{'<=' if r.upper.inclusive else '<'}{r.upper.version}" if r.upper else ""
            )
            parts.append(" ".join(p for p in (lo, hi) if p) or "all versions")
        where = "" if self.platform == "any" else f" on {self.platform}"
        return f"{self.product}{where}: {'; '.join(parts) or 'no versions given'}"


@dataclass(frozen=True, slots=True)
class Score:
    """One CVSS base score and who gave it: the CNA, CISA-ADP or NVD.

    Sources disagree (NVD often scores lower or higher than the vendor), so a merged advisory
    keeps every scorer's, named, and the alert says whose decided the order.
    """

    version: str  # "4.0", "3.1", "3.0"
    base: float
    vector: str
    role: str  # "CNA", "CISA-ADP" or "NVD"
    by: str = ""  # the scorer's name where the role alone does not say it: "Google"

    def describe(self) -> str:
        """'CVSS 3.1 9.8 (CNA: Google)'; base scores are written with one decimal, as CVSS does."""
        who = f"{self.role}: {self.by}" if self.by else self.role
        return f"CVSS {self.version} {self.base:.1f} ({who})"


@dataclass(frozen=True, slots=True)
class Epss:
    """FIRST's EPSS for one CVE: the probability of exploitation activity in the next 30 days.

    Enrichment only: read from the state at run time, never stored with an advisory, never a
    reason to alert (see alerts.signature).
    """

    score: float  # 0-1
    percentile: float  # 0-1: the share of scored CVEs at or below this score
    scored_on: date | None = None
    model: str = ""  # "v2025.03.14"

    def describe(self) -> str:
        day = f", {self.scored_on.isoformat()}" if self.scored_on else ""
        return f"EPSS {self.score:.1%} ({_ordinal(int(self.percentile * 100))} percentile{day})"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True, slots=True)
class Advisory:
    """One advisory from one source entry (a feed item, a rule file, a CSAF document)."""

    id: str
    source: str
    title: str
    summary: str = ""
    url: str | None = None
    published: datetime | None = None
    severity: str | None = None
    exploited: bool = False
    cves: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    action: str | None = None
    affects: tuple[AffectedProduct, ...] = ()
    kind: str = "report"
    updated: datetime | None = None
    revision: str | None = None
    due_date: date | None = None  # CISA KEV: the date by which US agencies must act
    ransomware: str | None = None  # CISA KEV knownRansomwareCampaignUse: "Known" / "Unknown"
    kev_added: date | None = None  # CISA KEV dateAdded (from KEV, or CISA-ADP's KEV entry)
    required_action: str | None = None  # CISA KEV requiredAction, kept apart from `action`
    scores: tuple[Score, ...] = ()  # CVSS base scores, each named by its scorer
    ssvc_exploitation: str | None = None  # CISA-ADP's SSVC Exploitation: none / poc / active
    # Joined from the state at run time (priority.with_epss); the codec never stores it.
    epss: Epss | None = None
    notes: tuple[str, ...] = ()  # e.g. where sources disagree on the affected versions
    sources: tuple[str, ...] = ()  # ids of the advisories merged into this one
    # A CVE record REJECTED by its CNA: what the CVE said before is withdrawn (no statements).
    withdrawn: bool = False
    replaced_by: tuple[str, ...] = ()  # a rejected duplicate's CVE ids that stand in its place
    # Which source decided the statements, in words for the alert ("Google's CVE record").
    versions_from: str = ""
    # The main text of a feed item's article page (NCSC items carry a teaser only): read for
    # CVE ids and versions, kept as the evidence for what was read from it.
    article: str = ""


@dataclass(frozen=True, slots=True)
class InventoryItem:
    """One (product, version, platform) a council runs, aggregated over its devices."""

    council_id: str
    product: str
    version: str
    platform: str = "any"
    vendor: str = ""
    devices: int = 1
    hosts: tuple[str, ...] = ()
    source: str = ""
    line: int = 0
    purl: str | None = None
    cpe: str | None = None


class Match(NamedTuple):
    """One inventory row inside one advisory's affected statement.

    A named tuple, not a dataclass: matching at sector scale builds about 10^5 of them per
    run, and a tuple is built three times faster than a frozen slotted dataclass.
    """

    advisory: Advisory
    item: InventoryItem
    statement: AffectedProduct
    status: Status
    reason: str
    label: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What the fetcher got for one feed. `body` is None when the server said 304."""

    feed: str
    url: str
    status: int
    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    permanent_url: str | None = None


@dataclass(frozen=True, slots=True)
class Lookup:
    """A document fetched because an advisory named it (a CVE record by id, a feed item's
    article page by url), kept with its validators so a refresh is a conditional request.

    `outcome` is "ok", "missing" (the server says there is no such document) or the last error.
    `body` is what was read from it (a record's JSON, an article's text), for the next run.
    """

    key: str
    fetched_at: datetime
    outcome: str
    etag: str | None = None
    last_modified: str | None = None
    body: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A text file sent with a message, e.g. an alert's rows beyond the body's limit as CSV.

    Text, not bytes: it is stored with the queued message as JSON and sent later, maybe by
    a later run.
    """

    filename: str
    content_type: str  # "text/csv"
    text: str


@dataclass(frozen=True, slots=True)
class Message:
    """A rendered email, ready for the outbox."""

    key: str
    council_id: str
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    message_id: str
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    attachments: tuple[Attachment, ...] = ()
    # The exact bytes to send, built once when the message is queued, so every attempt sends
    # the same thing and delivery does no MIME work. None: the transport builds them.
    raw: bytes | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Outgoing:
    """One outbox row, as delivery sees it: one message for one destination of one channel.

    An alert is queued as one row per channel and destination (its email, each Teams channel,
    each webhook), each with its own attempts, so one that went is never sent again while
    another is retried. `raw` is what goes out: an email's MIME bytes, a post's JSON body.
    """

    key: str  # the row's key: an email's message key; "<message key>/<channel>/<destination>" for a post
    council_id: str
    channel: str  # a kind in delivery.channels.CHANNELS: "email", "teams", "webhook"
    destination: str = ""  # a post's: the environment variable naming its URL; "" for email
    # Email: the envelope recipients (on delivery: those still waiting). A post: its destination.
    to: tuple[str, ...] = ()
    subject: str = ""  # one line naming the message, for the outbox's and the run's lines
    raw: bytes | None = field(default=None, repr=False, compare=False)
    # An email queued without its bytes (built at its first attempt, with that Date): its parts.
    draft: Message | None = field(default=None, repr=False, compare=False)
    message_key: str = ""  # the alert's key, shared by its rows on every channel; "" means `key`

    @property
    def message(self) -> str:
        return self.message_key or self.key
