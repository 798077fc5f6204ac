"""NVD CVE API 2.0 responses -> one Advisory per CVE; `collect` pages through the API.

`configurations` become statements. A cpeMatch with vulnerable=true is the
product; vulnerable=false CPEs (the OS in "app running on OS") only ever narrow the
platform. NVD does not order versions, so bounds are kept as strings for versions.py.

A statement is one product line: the CPE's fields other than version and update (edition,
language, sw_edition, target_sw, target_hw, other) are part of what the product is, and the
statement carries them, as NVD wrote them, in its `cpe`. The catalogue needs them to tell the
3CX desktop app ("3cx:3cx" with target_sw windows or macos) from the phone system, and
NetScaler ADC's standard line (sw_edition "-") from its FIPS and NDcPP lines, whose fixed
builds are their own (VERSIONS.md, pitfall 8), and the Citrix Workspace app's current release
(sw_edition "current") from its LTSR ("ltsr"): CPEs that differ there are never merged into one
statement, and a variant word of the edition ("fips", "ltsr") ends the statement's name, so
"workspace ltsr" reaches LTSR rows only. target_sw also sets the statement's platform (pitfall 7).

An exact CPE names a version in CPE's own spelling: backslash-quoted ("15.2\\(4\\)m7"), and
with the update in a field of its own ("jre:1.8.0:update371", "esxi:7.0:update_3c",
"exchange_server:2019:cumulative_update_13"). Where that maps onto a version an inventory
records, it becomes that version and its scheme ("1.8.0_371", java; "7.0U3c", vmware);
where it does not, the product gets a statement with no versions (UNKNOWN, "check
manually"), never a name that compares as a version and reads "not affected".

Oracle Java SE (jre, jdk, java_se) is the exception to "an exact CPE is one version": Oracle's
Critical Patch Updates name only the newest affected build of each supported line ("Oracle
Java SE: 8u371, 8u371-perf, 11.0.19, 17.0.7, 20.0.1", CPU July 2023, CVE-2023-22049) and say
"it is likely that earlier versions of affected releases are also affected". NVD copies the
list as exact CPEs, so each becomes its own line up to that build (OSV last_affected):
1.8.0_371 is >=1.8.0 <=1.8.0_371, 11.0.19 is >=11.0.0 <=11.0.19. A line Oracle does not name
stays not affected: a fix on one line says nothing of another (VERSIONS.md, pitfall 4).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from advisories import versions
from advisories.cpe import cpe_value
from advisories.cpe import formatted_fields as cpe_fields
from advisories.errors import ParseError
from advisories.models import SEVERITIES, Advisory, AffectedProduct, Bound, Score, VersionRange
from advisories.products import VARIANT_WORDS
from advisories.sanitise import clean_header_text, plain_to_text, safe_url
from advisories.sources import Collected, Fetcher, register
from advisories.sources.nvd_collect import PAGE_SIZE, Paging, RateLimiter, collect_cves

log = logging.getLogger(__name__)

DETAIL_URL = "https://nvd.nist.gov/vuln/detail/{}"
# CPE target_sw values -> our platform names.
_TARGET_SW = {
    "windows": "windows", "macos": "macos", "mac_os": "macos", "mac_os_x": "macos",
    "linux": "linux", "linux_kernel": "linux", "iphone_os": "ios", "ipados": "ios", "ios": "ios",
    "android": "android",
}
# CPE 2.3 formatted-string fields (NISTIR 7695, 6.2): "cpe", "2.3", then these eleven.
_CPE_LENGTH = 13
_VERSION_FIELDS = (5, 6)  # version, update: what the statement's versions and ranges say
_EDITION_FIELDS = (7, 9, 12)  # edition, sw_edition, other: where NVD names a build line (fips)
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
_NVD = "nvd@nist.gov"
_CISA_ADP_ORG = "134c704f-9b21-4f2e-91b3-4a467353bcc0"  # how NVD names CISA-ADP's scores
# Products whose CPE versions need a scheme of their own (advisories/versions): Java and ESXi
# keep the update in the CPE's update field; IOS trains must not compare across trains.
_SCHEMES = {
    ("oracle", "jre"): "java", ("oracle", "jdk"): "java", ("oracle", "java_se"): "java",
    ("vmware", "esxi"): "vmware", ("cisco", "ios"): "cisco-ios", ("cisco", "ios_xe"): "cisco-ios",
}
# Oracle Java SE products whose exact CPEs are the newest affected build of a line (see the
# module docstring). Not GraalVM: its lines are GraalVM's own (Enterprise 20.3, 21.3, 22.3;
# GraalVM for JDK 21 is also published as 23.1.x), not Java lines, so the java line rule
# below would be wrong for it; NVD's GraalVM builds stay exact.
_NEWEST_PER_LINE = frozenset({("oracle", "jre"), ("oracle", "jdk"), ("oracle", "java_se")})
# Java 8 and older: "1.8.0" (jre, jdk) or "8" (java_se), each with "updateNNN" / "update_NNN".
_JAVA_LINE = re.compile(r"1\.[1-8]\.0|[1-8]")
_JAVA_UPDATE = re.compile(r"update_?(\d+)")
# The line of a Java version as _java writes it: 1.8.0_371 (line 1.8.0), 8u381 (line 8),
# 11.0.19 (line 11; from Java 9 the first number is the feature release).
_JAVA_LEGACY_LINE = re.compile(r"(1\.[1-8]\.0)(?:_\d+)?|([1-8])(?:u\d+)?")
_JAVA_MODERN_LINE = re.compile(r"(\d+)(?:\.\d+)*")
# ESXi "7.0" / "7.0.0" with "update_3c", a patch letter ("b", 7.0b) or "-" (the GA release).
_ESXI_RELEASE = re.compile(r"(\d+\.\d+)(?:\.0)?")
_ESXI_UPDATE = re.compile(r"update_?0*(\d+)([a-z]?)")
# Microsoft names products by year or release id ("exchange_server:2019",
# "windows_10:1607"); inventories record build numbers (15.2.1258.12, 10.0.14393.x).
_MICROSOFT_NAME = re.compile(r"\d{4}|\d{2}h\d")
# Updates that are spelled as part of the version the product reports: pre-releases
# ("openssl:1.0.2:beta1" is 1.0.2-beta1) and OpenSSH's portable "p1" (8.9p1).
_PRERELEASE = re.compile(r"(?:alpha|beta|rc|pre|preview|dev|m|milestone)\d*")
_PORTABLE = re.compile(r"p\d+")
_NOTE_LIMIT = 8  # names quoted in one statement's note


class NvdSource:
    """The registered instance paces itself in real time; tests inject sleep, clock and now."""

    kind = "nvd"
    rank = 40
    structured = True
    label = "NVD's CPE configurations"
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
    affects = _statements(_objs(cve.get("configurations")))
    summary = plain_to_text(description, 2000)
    # A note on a statement with no versions says why it is UNKNOWN; one beside versions says
    # how they were read (Oracle's newest build per line), which is no reason to check by hand.
    if notes := [s.note for s in affects if s.note and not _gives_versions(s)]:
        summary += "\n\nCheck manually: " + "; ".join(notes)  # as the CSAF source says it
    return Advisory(
        id=f"nvd:{cve_id}",
        source=feed,
        title=clean_header_text(title, 160),
        summary=summary,
        url=DETAIL_URL.format(cve_id),
        published=_timestamp(cve.get("published")),
        severity=_severity(cve.get("metrics")),
        scores=_scores(cve.get("metrics")),
        # NVD copies KEV membership into cisaExploitAdd; no other field means "exploited".
        exploited=bool(cve.get("cisaExploitAdd")),
        cves=(cve_id,),
        links=tuple(dict.fromkeys(
            u for r in _objs(cve.get("references")) if (u := safe_url(str(r.get("url", ""))))
        )),
        action=str(cve.get("cisaRequiredAction") or "") or None,
        affects=affects,
        kind="nvd",
        notes=tuple(dict.fromkeys(s.note for s in affects if s.note and _gives_versions(s))),
    )


def _gives_versions(statement: AffectedProduct) -> bool:
    return bool(statement.versions or statement.ranges or statement.all_versions)


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


def _scores(metrics: Any) -> tuple[Score, ...]:
    """NVD's own ("Primary", nvd@nist.gov) scores and those it copied from the CNA or CISA-ADP,
    each named by who scored it: a merge keeps the CVE record's copy of the same CNA score."""
    found: dict[tuple[str, str], Score] = {}
    for key in sorted(_METRICS, reverse=True):  # V40, V31, V30: as the CVE record lists them
        for metric in _objs(metrics.get(key)) if isinstance(metrics, dict) else []:
            data: dict[str, Any] = metric["cvssData"] if isinstance(metric.get("cvssData"), dict) else {}
            base, source = data.get("baseScore"), str(metric.get("source") or "")
            if isinstance(base, bool) or not isinstance(base, (int, float)) or not 0 <= base <= 10:
                continue
            role = "NVD" if source == _NVD else "CISA-ADP" if source == _CISA_ADP_ORG else "CNA"
            by = source.rpartition("@")[2] if role == "CNA" else ""
            version = str(data.get("version") or key[-2] + "." + key[-1])[:5]
            score = Score(version, float(base), clean_header_text(str(data.get("vectorString") or ""), 200), role,
                          clean_header_text(by, 60))
            if (version, role) not in found or score.base > found[version, role].base:
                found[version, role] = score
    return tuple(found.values())


# --- configurations -> statements ----------------------------------------------------------


@dataclass
class _Group:
    versions: list[str] = field(default_factory=list)
    ranges: list[VersionRange] = field(default_factory=list)
    all_versions: bool = False
    unreadable: list[str] = field(default_factory=list)  # CPE versions no scheme can compare
    newest: list[str] = field(default_factory=list)  # Oracle's newest affected build per line


# A statement's identity: the CPE with version and update as "*" (the product line), and the
# platform the statement applies to.
_Key = tuple[str, str]


def _statements(configurations: list[dict[str, Any]]) -> tuple[AffectedProduct, ...]:
    """One statement per product line (the CPE but for version and update) and platform, exact
    versions and ranges united, and one with no versions (UNKNOWN) beside it when some of its
    CPEs cannot be compared."""
    groups: dict[_Key, _Group] = {}
    for config in configurations:
        nodes = [n for n in _objs(config.get("nodes")) if not n.get("negate")]
        context = _context_platforms(nodes) if config.get("operator") == "AND" else ["any"]
        for node in nodes:
            for match in _objs(node.get("cpeMatch")):
                if match.get("vulnerable") is True:
                    _add_match(groups, match, context)
    # Oracle's newest builds are named once per product, whichever edition's CPE carries them
    # (jre:1.8.0:update371 has sw_edition "-", jre:11.0.19 "*"), so the alert says it once.
    newest: dict[tuple[str, str], list[str]] = {}
    for (cpe, _), g in groups.items():
        newest.setdefault(_vendor_product(cpe), []).extend(g.newest)
    out: list[AffectedProduct] = []
    for (cpe, platform), g in groups.items():
        vendor, product = _vendor_product(cpe)
        base = AffectedProduct(vendor=vendor, product=_line_name(cpe), platform=platform,
                               scheme=_SCHEMES.get((vendor, product)), cpe=cpe)
        if g.versions or g.ranges or g.all_versions or not g.unreadable:
            out.append(replace(base, versions=tuple(dict.fromkeys(g.versions)),
                               ranges=tuple(dict.fromkeys(g.ranges)), all_versions=g.all_versions,
                               note=_newest_note(newest[vendor, product]) if g.newest else None))
        if g.unreadable:
            # Kept apart: the statement above still finds the versions it can compare, and
            # this one makes every other version of the product UNKNOWN, not "not affected".
            out.append(replace(base, note=_unreadable_note(product, g.unreadable)))
    return tuple(out)


def _line_cpe(fields: list[str]) -> str:
    """The CPE of the product line a cpeMatch names: its own fields, wildcards as NVD gave
    them, but version and update "*", since the statement's versions and ranges say which
    builds of the line are affected."""
    return ":".join("*" if i in _VERSION_FIELDS else f for i, f in enumerate(fields))


def _vendor_product(cpe: str) -> tuple[str, str]:
    fields = cpe_fields(cpe)
    return fields[3], fields[4]


def _line_name(cpe: str) -> str:
    """The product name, with the variant words of its edition fields after it.

    The catalogue tells the lines apart by CPE; the name does it where no catalogue product
    does: "netscaler_application_delivery_controller fips" keys like an inventory row's
    "... 13.1-FIPS" and never like the standard line's row. Only the catalogue's variant words
    are added: "enterprise" or "community" editions are not build lines an inventory names.
    """
    fields = cpe_fields(cpe)
    words = [w for i in _EDITION_FIELDS for w in re.split(r"[^a-z0-9]+", (cpe_value(fields[i]) or "").lower())
             if w in VARIANT_WORDS]
    return " ".join([fields[4], *dict.fromkeys(words)])


def _unreadable_note(product: str, names: list[str]) -> str:
    names = list(dict.fromkeys(names))
    more = f" and {len(names) - _NOTE_LIMIT} more" if len(names) > _NOTE_LIMIT else ""
    return (f"NVD names {product} {', '.join(names[:_NOTE_LIMIT])}{more}, which cannot be "
            "compared with an installed version")


def _newest_note(builds: list[str]) -> str:
    # Said on the statement and the alert because the ranges reach below the builds NVD lists.
    # No product name: jre and jdk get the same words, so the alert says it once.
    builds = list(dict.fromkeys(builds))
    return (f"Oracle names only the newest affected build of each Java line ({', '.join(builds)}), "
            "so earlier builds of those lines are affected too")


def _add_match(groups: dict[_Key, _Group], match: dict[str, Any], context: list[str]) -> None:
    fields = cpe_fields(str(match.get("criteria", "")))
    if not 11 <= len(fields) <= _CPE_LENGTH:
        log.warning("unreadable CPE %r; skipped", match.get("criteria"))
        return
    # A string cut short after target_sw leaves target_hw and other unsaid: "*" (ANY).
    fields += ["*"] * (_CPE_LENGTH - len(fields))
    part, vendor, product, version, update = fields[2:7]
    target_sw = fields[10]
    identity = _line_cpe(fields)
    own = _TARGET_SW.get(target_sw) or _os_platform(part, vendor, product)
    bounds = {ours: str(match[theirs]) for ours, theirs in _BOUNDS if match.get(theirs)}
    listed = None if bounds or version in ("*", "-") else _listed(vendor, product, version, update)
    for platform in [own] if own else context:
        group = groups.setdefault((identity, platform), _Group())
        if bounds:
            group.ranges.append(_range(bounds))
        elif version == "*":
            group.all_versions = True
        elif version == "-":
            continue  # "not applicable": no versions, so UNKNOWN to the matcher
        elif isinstance(listed, VersionRange):
            group.ranges.append(listed)
        elif listed is not None and (vendor, product) in _NEWEST_PER_LINE:
            line = _java_line_up_to(listed)
            if line is None:
                group.versions.append(listed)  # no line to widen to: at least the build itself
            else:
                group.ranges.append(line)
                group.newest.append(listed)
        elif listed is not None:
            group.versions.append(listed)
        else:
            name = " ".join(cpe_value(f) or f for f in (version, update) if f not in ("*", "-"))
            group.unreadable.append(name)


def _listed(vendor: str, product: str, version: str, update: str) -> str | VersionRange | None:
    """An exact CPE's version as inventories write it, a whole release line when its update is
    "any" (ESXi "7.0:*" is every 7.0 update), or None when it cannot be compared at all."""
    value, upd = cpe_value(version), cpe_value(update) if update not in ("*", "-") else update
    if value is None or upd is None:
        return None  # an unquoted wildcard inside a value is a pattern, not a version
    scheme = _SCHEMES.get((vendor, product))
    if scheme == "java":
        return _java(value, upd)
    if scheme == "vmware":
        return _esxi(value, upd)
    if vendor == "microsoft" and _MICROSOFT_NAME.fullmatch(value):
        return None
    if upd in ("*", "-"):
        return value
    if _PORTABLE.fullmatch(upd):
        return f"{value}{upd}"
    if _PRERELEASE.fullmatch(upd):
        return f"{value}-{upd}"
    return None  # "cumulative_update_13", "sp1", "650-201701001": names, not versions


def _java(version: str, update: str) -> str | VersionRange | None:
    legacy = _JAVA_LINE.fullmatch(version)
    if update == "-" or (update == "*" and not legacy):
        return version  # 11.0.19 is the whole version: nothing in the update field
    if update == "*":
        return VersionRange(Bound(version, True), Bound(_next_line(version), False))
    m = _JAVA_UPDATE.fullmatch(update)
    if m is None or not legacy:
        return None
    # 1.8.0 + update371 is 1.8.0_371 (java -version); java_se 8 + update381 is 8u381.
    return f"{version}_{m.group(1)}" if version.startswith("1.") else f"{version}u{m.group(1)}"


def _java_line_up_to(build: str) -> VersionRange | None:
    """Every Java version from the start of `build`'s line up to `build` itself: 1.8.0_371 ->
    >=1.8.0 <=1.8.0_371, 8u381 -> >=8 <=8u381, 11.0.19 -> >=11.0.0 <=11.0.19. None when the
    build has no line this can name, or when the java scheme cannot read either end (a range
    it cannot read would make every version UNKNOWN rather than compare)."""
    if m := _JAVA_LEGACY_LINE.fullmatch(build):
        start = m.group(1) or m.group(2)
    elif m := _JAVA_MODERN_LINE.fullmatch(build):
        start = f"{m.group(1)}.0.0"
    else:
        return None
    if versions.parse_version(start, "java") is None or versions.parse_version(build, "java") is None:
        return None
    return versions.osv_range(introduced=start, last_affected=build)


def _esxi(version: str, update: str) -> str | VersionRange | None:
    m = _ESXI_RELEASE.fullmatch(version)
    if m is None:
        return version if update in ("*", "-") else None
    release = m.group(1)
    if update in ("-", "ga"):
        return release
    if update == "*":
        return VersionRange(Bound(release, True), Bound(_next_line(release), False))
    if u := _ESXI_UPDATE.fullmatch(update):
        return f"{release}U{int(u.group(1))}{u.group(2)}"
    if re.fullmatch(r"[a-z]", update):
        return f"{release}{update}"  # ESXi 7.0b, 8.0c: patch releases named by a letter
    return None  # "650-201701001", "beta": patch bulletins and previews have no version


def _next_line(version: str) -> str:
    """The first version past a release line: 7.0 -> 7.1, 1.8.0 -> 1.8.1, 8 -> 9."""
    head, _, last = version.rpartition(".")
    return f"{head}.{int(last) + 1}" if head else str(int(last) + 1)


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


register(NvdSource())
