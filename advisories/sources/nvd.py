"""NVD CVE API 2.0 responses -> one Advisory per CVE; `collect` pages through the API.

`configurations` become statements. A cpeMatch with vulnerable=true is the
product; vulnerable=false CPEs (the OS in "app running on OS") only ever narrow the
platform. NVD does not order versions, so bounds are kept as strings for versions.py.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from advisories import versions
from advisories.errors import ParseError
from advisories.models import SEVERITIES, Advisory, AffectedProduct, VersionRange
from advisories.sanitise import clean_header_text, plain_to_text, safe_url
from advisories.sources import Collected, Fetcher, register
from advisories.sources.nvd_collect import PAGE_SIZE, Paging, RateLimiter, collect_cves

log = logging.getLogger(__name__)

DETAIL_URL = "https://nvd.nist.gov/vuln/detail/{}"
# CPE target_sw values -> our platform names.
_TARGET_SW = {
    "windows": "windows", "macos": "macos", "mac_os": "macos", "mac_os_x": "macos",
    "linux": "linux", "linux_kernel": "linux", "iphone_os": "ios", "ipados": "ios",
    "android": "android",
}
# (vendor, product prefix) of OS CPEs -> platform, for AND nodes and vulnerable OS CPEs.
_OS_CPES = (
    ("microsoft", "windows", "windows"), ("apple", "macos", "macos"),
    ("apple", "mac_os", "macos"), ("linux", "linux_kernel", "linux"),
    ("apple", "iphone_os", "ios"), ("apple", "ipados", "ios"), ("google", "android", "android"),
)
_BOUNDS = (
    ("start_including", "versionStartIncluding"), ("start_excluding", "versionStartExcluding"),
    ("end_including", "versionEndIncluding"), ("end_excluding", "versionEndExcluding"),
)
_METRICS = ("cvssMetricV31", "cvssMetricV30", "cvssMetricV40")


class NvdSource:
    """The registered instance paces itself in real time; tests inject sleep, clock and now."""

    kind = "nvd"
    accept = "application/json"

    def __init__(
        self,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        window_s: float = 30.0,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.sleep, self.now, self.page_size = sleep, now, page_size
        # One limiter per kind of access, kept across runs: NVD counts requests, not runs.
        self._limiters = {key: RateLimiter.for_nvd(key, clock, window_s) for key in (False, True)}

    def parse(self, body: bytes, *, feed: str, url: str) -> list[Advisory]:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"feed {feed!r}: not valid NVD JSON: {exc}",
                             "the server may have sent an HTML page") from exc
        return parse_cves(data, feed)

    def collect(
        self, feed: str, url: str, get: Fetcher, cursor: str | None, secret: str | None
    ) -> Collected:
        """CVEs modified since `cursor`, with `secret` (if any) sent as the apiKey header."""
        paging = Paging(self._limiters[bool(secret)], self.sleep, self.page_size)
        return collect_cves(feed, url, get, cursor, secret, parse=parse_cves, paging=paging, now=self.now())


def parse_cves(data: Any, feed: str) -> list[Advisory]:
    """A decoded API response (or a bare cve object) -> its advisories."""
    advisories: list[Advisory] = []
    for cve in _cve_objects(data, feed):
        advisory = _advisory(cve, feed)
        if advisory is not None:
            advisories.append(advisory)
    return advisories


def _objs(value: Any) -> list[dict[str, Any]]:
    """The JSON objects in a list, or [] when it is not a list (never trust the shape)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _cve_objects(data: Any, feed: str) -> list[dict[str, Any]]:
    """The API envelope's vulnerabilities[].cve, or a bare cve object (as in test files)."""
    if isinstance(data, dict) and isinstance(data.get("vulnerabilities"), list):
        return [v["cve"] for v in _objs(data["vulnerabilities"]) if isinstance(v.get("cve"), dict)]
    if isinstance(data, dict) and "id" in data and "descriptions" in data:
        return [data]
    raise ParseError(f"feed {feed!r}: not an NVD CVE API 2.0 response",
                     "expected {'vulnerabilities': [{'cve': ...}]} or a single cve object")


def _advisory(cve: dict[str, Any], feed: str) -> Advisory | None:
    cve_id = str(cve.get("id") or "").strip()
    if not cve_id.upper().startswith("CVE-"):
        log.warning("feed %r: NVD entry without a CVE id; skipped", feed)
        return None
    if cve.get("vulnStatus") == "Rejected":
        return None  # withdrawn by its CNA: nothing to alert on
    description = _english(cve.get("descriptions"))
    title = str(cve.get("cisaVulnerabilityName") or f"{cve_id}: {description.split('. ')[0]}")
    return Advisory(
        id=f"nvd:{cve_id}",
        source=feed,
        title=clean_header_text(title, 160),
        summary=plain_to_text(description, 2000),
        url=DETAIL_URL.format(cve_id),
        published=_timestamp(cve.get("published")),
        severity=_severity(cve.get("metrics")),
        # NVD copies KEV membership into cisaExploitAdd; no other field means "exploited".
        exploited=bool(cve.get("cisaExploitAdd")),
        cves=(cve_id,),
        links=tuple(dict.fromkeys(
            u for r in _objs(cve.get("references")) if (u := safe_url(str(r.get("url", ""))))
        )),
        action=str(cve.get("cisaRequiredAction") or "") or None,
        affects=_statements(_objs(cve.get("configurations"))),
        kind="nvd",
    )


def _english(descriptions: Any) -> str:
    texts = [d for d in _objs(descriptions) if d.get("value")]
    english = [d for d in texts if d.get("lang") == "en"] or texts
    return str(english[0]["value"]) if english else ""


def _timestamp(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # NVD times are UTC


def _severity(metrics: Any) -> str | None:
    for key in _METRICS:
        entries = _objs(metrics.get(key)) if isinstance(metrics, dict) else []
        # NVD's own ("Primary") score first, then the CNA's.
        for metric in sorted(entries, key=lambda m: m.get("type") != "Primary"):
            data = metric.get("cvssData")
            severity = str(data.get("baseSeverity", "")).lower() if isinstance(data, dict) else ""
            if severity in SEVERITIES:
                return severity
    return None


# --- configurations -> statements ----------------------------------------------------------


@dataclass
class _Group:
    versions: list[str] = field(default_factory=list)
    ranges: list[VersionRange] = field(default_factory=list)
    all_versions: bool = False


def _statements(configurations: list[dict[str, Any]]) -> tuple[AffectedProduct, ...]:
    """One statement per (vendor, product, platform), exact versions and ranges united."""
    groups: dict[tuple[str, str, str, str], _Group] = {}
    for config in configurations:
        nodes = [n for n in _objs(config.get("nodes")) if not n.get("negate")]
        context = _context_platforms(nodes) if config.get("operator") == "AND" else ["any"]
        for node in nodes:
            for match in _objs(node.get("cpeMatch")):
                if match.get("vulnerable") is True:
                    _add_match(groups, match, context)
    return tuple(
        AffectedProduct(
            vendor=vendor, product=product, platform=platform,
            versions=tuple(dict.fromkeys(g.versions)), ranges=tuple(dict.fromkeys(g.ranges)),
            all_versions=g.all_versions, cpe=f"cpe:2.3:{part}:{vendor}:{product}",
        )
        for (part, vendor, product, platform), g in groups.items()
    )


def _add_match(groups: dict[tuple[str, str, str, str], _Group], match: dict[str, Any],
               context: list[str]) -> None:
    fields = cpe_fields(str(match.get("criteria", "")))
    if len(fields) < 11:
        log.warning("unreadable CPE %r; skipped", match.get("criteria"))
        return
    part, vendor, product, version, update = fields[2:7]
    target_sw = fields[10]
    own = _TARGET_SW.get(target_sw) or _os_platform(part, vendor, product)
    bounds = {ours: str(match[theirs]) for ours, theirs in _BOUNDS if match.get(theirs)}
    for platform in [own] if own else context:
        group = groups.setdefault((part, vendor, product, platform), _Group())
        if bounds:
            group.ranges.append(_range(bounds))
        elif version == "*":
            group.all_versions = True
        elif version != "-":  # "-" is "not applicable": no versions, so UNKNOWN to the matcher
            group.versions.append(version if update in ("*", "-") else f"{version} {update}")


def _range(bounds: dict[str, str]) -> VersionRange:
    try:
        return versions.nvd_range(**bounds)
    except ValueError:
        # Both an including and an excluding bound on one side: keep the wider, inclusive one,
        # since a missed affected version is worse than a false alarm.
        for side in ("start", "end"):
            if f"{side}_including" in bounds:
                bounds.pop(f"{side}_excluding", None)
        return versions.nvd_range(**bounds)


def _context_platforms(nodes: list[dict[str, Any]]) -> list[str]:
    """Platforms named by an AND configuration's vulnerable:false CPEs, or ["any"].

    If any context CPE is not a known OS (hardware, a runtime), the statement cannot be
    narrowed safely, so it stays "any".
    """
    found: list[str] = []
    for node in nodes:
        for match in _objs(node.get("cpeMatch")):
            if match.get("vulnerable") is not False:
                continue
            fields = cpe_fields(str(match.get("criteria", "")))
            platform = _os_platform(*fields[2:5]) if len(fields) > 4 else None
            if platform is None:
                return ["any"]
            found.append(platform)
    return list(dict.fromkeys(found)) or ["any"]


def _os_platform(part: str, vendor: str, product: str) -> str | None:
    if part != "o":  # google:android_studio is an application, not the OS
        return None
    for os_vendor, prefix, platform in _OS_CPES:
        if vendor == os_vendor and product.startswith(prefix):
            return platform
    return None


def cpe_fields(cpe: str) -> list[str]:
    """Split a CPE 2.3 formatted string on its unescaped colons ("\\:" stays in a field)."""
    fields, current, escaped = [], [], False
    for ch in cpe:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            current.append(ch)
            escaped = True
        elif ch == ":":
            fields.append("".join(current))
            current = []
        else:
            current.append(ch)
    fields.append("".join(current))
    return fields if fields[:2] == ["cpe", "2.3"] else []


register(NvdSource())
