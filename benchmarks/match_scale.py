"""Sector-scale matching: 400 councils x 5,000 inventory rows against 20,000 advisories.

    python benchmarks/match_scale.py                  # 10 % (40 councils), then 100 % (400)
    python benchmarks/match_scale.py --councils 40    # one scale, in this process

Everything is generated in memory from a fixed seed (random.Random(2023)): a pool of 600
products (about 60 real ones with the names, publishers and version shapes that Intune and
Add/Remove Programs exports show, and a long tail of invented council software), and for each
council 5,000 distinct (product, version, platform) rows, most of them the same few hundred
products at the newest few versions, with a stale tail. 20,000 advisories carry 1-4 affected
statements each: exact version lists, OSV ranges (`osv_range`) and vers strings
(`parse_vers`), mostly about versions that estates have moved past, so that about 1 % of rows
are affected (the run prints the actual fraction).

Figures, each printed on its own line:

- load_s: building the InventoryItems, the Estate (grouping the rows, reading each distinct
  version string once, resolving each product's catalogue key) and the Matcher (compiling and
  indexing the statements), with no file parsing. The 10 % run also writes its inventories as
  CSV and reads them back with `load_inventory`, reported apart as csv_load_s.
- full_s: `Matcher.match_estate` over every loaded row and every advisory.
- incremental_s: a new Matcher of 100 new advisories (a few of them fresh, about the newest
  versions) run over every loaded inventory: the every-hour case.
- limit_s: the floor on this machine, one bare dict look-up per row over the same rows.
  (Printed beside it for context, not as the floor: keyed_lookup_s, one look-up per row keyed
  by (product, version, platform).)
- pairwise_ratio: the naive loop (every row x every statement, `Catalogue.matches` then
  `compile_statement(...).status`) timed on a sample of rows, scaled to every row, over
  full_s. The sample's answers, naive and fast, are compared and must be equal.
- peak_rss_mb: the process's peak resident set size.

Each scale runs in a child process so that neither inherits the other's caches or memory.
The last line printed is the 100 % result:

    match_scale: rows=2000000 advisories=20000 load_s=<s> full_s=<s> incremental_s=<s> \
limit_s=<s> peak_rss_mb=<mb> pairwise_ratio=<x>

Targets (2-core machine): full_s <= 3 x limit_s, incremental_s <= 0.2, peak RSS <= 2 GB,
cost linear in rows. It is a benchmark, not a test: CI does not run it.
"""

from __future__ import annotations

import argparse
import csv
import gc
import heapq
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from advisories.inventory import load_inventory
from advisories.matching import Candidate, Estate, Matcher, judge
from advisories.models import Advisory, AffectedProduct, InventoryItem, Match
from advisories.products import Catalogue
from advisories.versions import osv_range, parse_vers

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "rules" / "products.toml"
SEED = 2023
COUNCILS = 400
ROWS_PER_COUNCIL = 5_000
ADVISORIES = 20_000
NEW_ADVISORIES = 100
PRODUCTS = 600
HEAD_PRODUCTS = 150  # every council runs these; each runs TAIL_SHARE of the rest
TAIL_SHARE = 0.7
STALE_ROWS = 0.015  # rows at a random older version
STALE = 1.1  # old fixes are at least this far back, as a share of a council's usual spread
SAMPLE_ROWS = 200  # random rows for the naive loop (timed)
SAMPLE_HITS = 60  # affected rows added to the comparison (not timed)

# -- the product pool ------------------------------------------------------------------------

# (publisher as exports give it, vendor as advisories write it, product as advisories write
# it, inventory display name, version shape, platforms: w=windows m=macos l=linux a=any).
# "{v}" in a display name is the version (7-Zip, WinSCP...), "{loc}" a locale.
REAL = [
    ("Google LLC", "Google", "Chrome", "Google Chrome", "chrome", "wml"),
    ("Microsoft Corporation", "Microsoft", "Edge", "Microsoft Edge", "chrome", "wm"),
    ("Microsoft Corporation", "Microsoft", "Microsoft Edge WebView2 Runtime",
     "Microsoft Edge WebView2 Runtime", "chrome", "w"),
    ("Mozilla", "Mozilla", "Firefox", "Mozilla Firefox (x64 {loc})", "firefox", "wml"),
    ("Microsoft Corporation", "Microsoft", "Microsoft 365 Apps for enterprise",
     "Microsoft 365 Apps for enterprise - en-gb", "four", "w"),
    ("Microsoft Corporation", "Microsoft", "Teams", "Microsoft Teams", "four", "wm"),
    ("Microsoft Corporation", "Microsoft", "OneDrive", "Microsoft OneDrive", "four", "wm"),
    ("Adobe Inc.", "Adobe", "Acrobat Reader", "Adobe Acrobat Reader (64-bit)", "adobe", "wm"),
    ("Zoom Video Communications, Inc.", "Zoom", "Zoom Workplace", "Zoom", "four", "wm"),
    ("Igor Pavlov", "Igor Pavlov", "7-Zip", "7-Zip {v} (x64)", "two", "w"),
    ("Microsoft Corporation", "Microsoft", "Visual C++ 2015-2022 Redistributable",
     "Microsoft Visual C++ 2015-2022 Redistributable (x64) - {v}", "four", "w"),
    ("Oracle Corporation", "Oracle", "Java SE", "Java 8 Update {u} (64-bit)", "java", "w"),
    ("Citrix Systems, Inc.", "Citrix", "Workspace app", "Citrix Workspace app", "workspace", "wm"),
    ("VMware, Inc.", "VMware", "VMware Tools", "VMware Tools", "four", "wl"),
    ("Notepad++ Team", "Notepad++", "Notepad++", "Notepad++ (64-bit x64)", "three", "w"),
    ("VideoLAN", "VideoLAN", "VLC media player", "VLC media player", "three", "wm"),
    ("Cisco Systems, Inc.", "Cisco", "AnyConnect Secure Mobility Client",
     "Cisco AnyConnect Secure Mobility Client", "three", "wm"),
    ("Fortinet Technologies (Canada) ULC", "Fortinet", "FortiClient", "FortiClient VPN",
     "four", "wm"),
    ("3CX Ltd", "3CX", "3CX Desktop App", "3CX Desktop App", "three", "wm"),
    ("Mozilla", "Mozilla", "Thunderbird", "Mozilla Thunderbird (x64 {loc})", "firefox", "w"),
    ("Microsoft Corporation", "Microsoft", "Visual Studio Code",
     "Microsoft Visual Studio Code", "three", "wml"),
    ("Python Software Foundation", "Python Software Foundation", "Python",
     "Python {v} (64-bit)", "three", "w"),
    ("Simon Tatham", "Simon Tatham", "PuTTY", "PuTTY release {v} (64-bit)", "two", "w"),
    ("Martin Prikryl", "Martin Prikryl", "WinSCP", "WinSCP {v}", "three", "w"),
    ("Dominik Reichl", "Dominik Reichl", "KeePass Password Safe", "KeePass Password Safe {v}",
     "two", "w"),
    ("TeamViewer", "TeamViewer", "TeamViewer", "TeamViewer", "three", "wm"),
    ("AnyDesk Software GmbH", "AnyDesk", "AnyDesk", "AnyDesk", "three", "wm"),
    ("Slack Technologies Inc.", "Slack", "Slack", "Slack", "three", "wm"),
    ("Dell Inc.", "Dell", "Command Update", "Dell Command Update for Windows Universal",
     "three", "w"),
    ("HP Inc.", "HP", "Support Assistant", "HP Support Assistant", "four", "w"),
    ("Sophos Limited", "Sophos", "Endpoint Agent", "Sophos Endpoint Agent", "year", "wm"),
    ("CrowdStrike, Inc.", "CrowdStrike", "Falcon Sensor", "CrowdStrike Windows Sensor",
     "four", "w"),
    ("The Git Development Community", "Git", "Git", "Git", "four", "w"),
    ("Microsoft Corporation", "Microsoft", "PowerShell", "PowerShell 7-x64", "three", "w"),
    ("win.rar GmbH", "win.rar GmbH", "WinRAR", "WinRAR {v} (64-bit)", "two", "w"),
    ("Wireshark Foundation", "Wireshark Foundation", "Wireshark", "Wireshark {v} 64-bit",
     "three", "wm"),
    ("Foxit Software Inc.", "Foxit", "PDF Reader", "Foxit PDF Reader", "year", "w"),
    ("Cisco Systems, Inc.", "Cisco", "Webex", "Webex", "four", "wm"),
    ("Node.js Foundation", "Node.js", "Node.js", "Node.js", "three", "wml"),
    ("Microsoft Corporation", "Microsoft", "SQL Server 2019", "Microsoft SQL Server 2019 (64-bit)",
     "four", "w"),
    ("Veeam Software Group GmbH", "Veeam", "Agent for Microsoft Windows",
     "Veeam Agent for Microsoft Windows", "four", "w"),
    ("Apple Inc.", "Apple", "iTunes", "iTunes", "four", "w"),
    ("Docker Inc.", "Docker", "Docker Desktop", "Docker Desktop", "three", "wm"),
    ("Oracle Corporation", "Oracle", "VM VirtualBox", "Oracle VM VirtualBox {v}", "three", "wml"),
    ("Microsoft Corporation", "Microsoft", ".NET Runtime", "Microsoft .NET Runtime - {v} (x64)",
     "three", "w"),
    ("Adobe Inc.", "Adobe", "Creative Cloud", "Adobe Creative Cloud", "four", "wm"),
    ("Autodesk, Inc.", "Autodesk", "AutoCAD", "AutoCAD 2024 - English", "three", "w"),
    ("GoTo Technologies USA, Inc.", "GoTo", "GoTo Meeting", "GoTo Meeting", "three", "wm"),
    ("Sage (UK) Limited", "Sage", "Sage 50 Accounts", "Sage 50 Accounts", "three", "w"),
    ("Microsoft Corporation", "Microsoft", "Power BI Desktop", "Microsoft Power BI Desktop (x64)",
     "four", "w"),
    ("Progress Software Corporation", "Progress", "MOVEit Transfer", "MOVEit Transfer", "year", "w"),
    ("Microsoft Corporation", "Microsoft", "Exchange Server", "Microsoft Exchange Server 2019",
     "four", "w"),
    ("PaperCut Software Pty Ltd", "PaperCut", "PaperCut MF", "PaperCut MF", "three", "w"),
    ("PaperCut Software Pty Ltd", "PaperCut", "PaperCut NG", "PaperCut NG", "three", "w"),
    ("Apache Software Foundation", "Apache", "Tomcat", "Apache Tomcat {v}", "three", "wl"),
    ("Apache Software Foundation", "Apache", "Log4j", "Apache Log4j", "three", "l"),
    ("OpenSSL", "OpenSSL", "OpenSSL", "OpenSSL", "openssl", "l"),
    ("Citrix Systems, Inc.", "Citrix", "NetScaler ADC", "NetScaler ADC", "citrix", "a"),
    ("Citrix Systems, Inc.", "Citrix", "NetScaler Gateway", "NetScaler Gateway", "citrix", "a"),
    ("Fortinet", "Fortinet", "FortiOS", "FortiOS", "three", "a"),
    ("Ivanti", "Ivanti", "Connect Secure", "Ivanti Connect Secure", "ivanti", "a"),
]
SCHEMES = {"java": "java", "citrix": "citrix", "ivanti": "ivanti", "openssl": "openssl"}
LOCALES = ("en-GB", "en-US", "cy", "pl", "fr")

TAIL_VENDORS = (
    "Civica", "Idox", "Capita", "Northgate", "Bluefin", "Arcus", "Granicus", "Jadu", "Uniform",
    "Tascomi", "Abritas", "Kier", "Xantura", "Ohms", "Mayrise", "Confirm", "Agilisys", "Boomi",
    "Netcall", "Liberata", "Firmstep", "Orbis", "Acolaid", "Lagan", "Mosaic", "Servelec",
    "Liquidlogic", "Tribal", "Synergy", "Zipporah", "Iken", "Tranman", "Whitespace", "Bartec",
    "Yotta", "Symology", "Exor", "Pitney", "Kofax", "Nuance", "Ricoh", "Konica", "Sharp",
    "Brother", "Epson", "Lexmark", "Xerox", "Kyocera", "Canon", "Jabra", "Plantronics",
    "Logitech", "Lenovo", "Intel", "Realtek", "Synaptics", "Conexant", "Elan", "Broadcom",
    "Qualcomm", "Dolby", "Nvidia", "AMD", "Matrox", "Avaya", "Mitel", "Gamma", "Redcentric",
    "Sysaid", "Ninite", "Snow", "Flexera", "Quest", "Ivanti", "ManageEngine", "SolarWinds",
    "Paessler", "Nagios", "Barracuda", "Mimecast", "Egress", "Proofpoint", "Forcepoint",
)
TAIL_THINGS = (
    "Asset Manager", "Print Agent", "Backup Client", "Remote Support", "Reporting Console",
    "Document Viewer", "Scan Utility", "Sync Client", "Update Service", "Connector",
    "Desktop Client", "Audio Driver", "Display Driver", "Card Reader", "Web Launcher",
    "Citizen Portal Plugin", "Payments Gateway", "Licensing Service", "Workflow Designer",
    "Forms Designer", "Data Loader", "Case Manager", "Housing Client", "Planning Client",
    "Revenues Client", "Benefits Client", "Highways Client", "Waste Client", "Diagnostics",
    "Control Center", "Hotkey Utility", "Telemetry Agent", "Endpoint Agent", "Mail Plugin",
)


@dataclass
class Product:
    vendor: str  # publisher, as inventories give it
    st_vendor: str  # as advisories write it
    st_product: str
    template: str
    scheme: str | None
    platforms: tuple[str, ...]
    versions: list[str]  # canonical, oldest first (what advisories quote)
    shown: list[str]  # as inventories give each version
    names: list[list[str]]  # display names per version (locales give several)
    weight: float
    tail: bool
    spread: int = 0  # how many versions back a council's rows usually reach


def _timeline(rng: random.Random, shape: str, n: int) -> tuple[list[str], list[str]]:
    """n increasing versions of one shape: (as advisories quote them, as inventories give them)."""
    out: list[str] = []
    if shape == "chrome":
        major, build = rng.randint(60, 80), rng.randint(3000, 3500)
        while len(out) < n:
            for patch in sorted(rng.sample(range(20, 230), 4)):
                out.append(f"{major}.0.{build}.{patch}")
            major, build = major + 1, build + rng.randint(60, 120)
    elif shape == "firefox":
        major = rng.randint(60, 80)
        while len(out) < n:
            out += [f"{major}.0", f"{major}.0.1", f"{major}.0.2"][: rng.randint(1, 3)]
            major += 1
    elif shape == "java":
        updates = range(rng.randint(150, 200), 500)
        out = [f"8u{u}" for u in updates][:n]
        shown = [f"8.0.{u}0.{rng.randint(5, 12)}" for u in updates][:n]
        return out, shown
    elif shape == "openssl":
        for base, letters in (("1.0.2", 21), ("1.1.1", 23)):
            out += [base] + [base + chr(ord("a") + i) for i in range(letters)]
        out += [f"3.{minor}.{p}" for minor in range(4) for p in range(14)]
    elif shape == "citrix":
        for release in ("12.1", "13.0", "13.1", "14.1"):
            build = rng.randint(20, 40)
            for _ in range(n // 4 + 1):
                build += rng.randint(1, 3)
                out.append(f"{release}-{build}.{rng.randint(10, 60)}")
    elif shape == "workspace":  # Citrix's year.month.point.build: 2403.1 is 24.3.1.97
        year, month = rng.randint(19, 21), rng.randint(1, 12)
        while len(out) < n:
            out += [f"{year}.{month}.{point}.{rng.randint(20, 200)}" for point in range(rng.randint(1, 2))]
            month += rng.randint(1, 3)
            if month > 12:
                year, month = year + 1, month - 12
    elif shape == "ivanti":
        for release in ("9.1", "22.1", "22.2", "22.3", "22.4", "22.5", "22.6", "22.7"):
            out += [f"{release}R{r}.{p}" for r in range(1, 4) for p in range(rng.randint(1, 3))]
    else:
        a, b, c, d = rng.randint(1, 20), 0, 0, rng.randint(100, 30000)
        year = rng.randint(2014, 2018)
        while len(out) < n:
            roll = rng.random()
            if shape == "two":
                b += 1
                if b > 99 or roll < 0.1:
                    a, b = a + 1, 0
                out.append(f"{a}.{b:02d}")
            elif shape == "year":
                b, c = (b + 1, 0) if roll < 0.3 else (b, c + 1)
                if b > 4:
                    year, b = year + 1, 1
                out.append(f"{year}.{b}.{c}")
            elif shape == "adobe":
                b, d = (b + 1, rng.randint(20000, 20100)) if roll < 0.25 else (b, d + 7)
                if b > 12:
                    a, b = a + 1, 1
                out.append(f"{a}.{b:03d}.{d}")
            elif shape == "four":
                if roll < 0.05:
                    a, b, c = a + 1, 0, c + 1
                elif roll < 0.3:
                    b, c = b + 1, c + rng.randint(1, 400)
                d += rng.randint(3, 200)
                out.append(f"{a}.{b}.{c}.{d}")
            else:  # three
                if roll < 0.05:
                    a, b, c = a + 1, 0, 0
                elif roll < 0.3:
                    b, c = b + 1, 0
                else:
                    c += 1
                out.append(f"{a}.{b}.{c}")
    return out[:n], out[:n]


def product_pool(rng: random.Random) -> list[Product]:
    specs = list(REAL)
    seen = {spec[3] for spec in specs}
    vendors = list(TAIL_VENDORS)
    while len(specs) < PRODUCTS:
        vendor, thing = rng.choice(vendors), rng.choice(TAIL_THINGS)
        # Most tail names carry the vendor; some do not, so that "Print Agent" by Ricoh and by
        # Kyocera share a key and only the vendor check keeps them apart.
        name = thing if rng.random() < 0.15 else f"{vendor} {thing}"
        if (vendor, thing) in seen:
            continue
        seen.add((vendor, thing))
        publisher = rng.choice((f"{vendor} Ltd", f"{vendor} Limited", f"{vendor} Inc.", vendor))
        shape = rng.choice(("three", "three", "four", "four", "two", "year"))
        specs.append((publisher, vendor, name, name, shape, rng.choice(("w", "w", "w", "wm"))))
    pool = []
    for rank, (publisher, st_vendor, st_product, template, shape, plats) in enumerate(specs):
        tail = rank >= len(REAL)
        length = rng.randint(30, 60) if tail else rng.randint(250, 450)
        versions, shown = _timeline(rng, shape, length)
        names = []
        for canon, display in zip(versions, shown, strict=True):
            if "{loc}" in template:
                names.append([template.format(loc=loc) for loc in LOCALES])
            else:
                u = canon.partition("u")[2]
                names.append([template.format(v=display, u=u)])
        platforms = tuple({"w": "windows", "m": "macos", "l": "linux", "a": "any"}[p] for p in plats)
        pool.append(Product(publisher, st_vendor, st_product, template, SCHEMES.get(shape),
                            platforms, versions, shown, names, 1.0 / (rank + 1) ** 0.8, tail))
    total = sum(p.weight**0.6 * (1.0 if i < HEAD_PRODUCTS else TAIL_SHARE) for i, p in enumerate(pool))
    for p in pool:
        p.spread = round(ROWS_PER_COUNCIL * p.weight**0.6 / total) + 4
    return pool


# -- inventories -----------------------------------------------------------------------------

PLATFORM_WEIGHT = {"windows": 0.86, "macos": 0.10, "linux": 0.04, "any": 1.0}
Row = tuple[str, str, str, str, str, int]  # council, product, version, platform, vendor, devices


def council_rows(rng: random.Random, council: str, pool: list[Product]) -> list[Row]:
    """5,000 distinct (product, version, platform) rows of one council.

    The council runs every head product and a random part of the tail; rows are shared out by
    popularity and, within a product, go mostly to the newest versions with a stale tail
    (a jittered recency rank), so that most councils' rows are the same few thousand.
    """
    lag = rng.uniform(0.6, 1.6)  # some councils patch later than others
    runs = [p for i, p in enumerate(pool) if i < HEAD_PRODUCTS or rng.random() < TAIL_SHARE]
    total = sum(p.weight**0.6 for p in runs)
    rows: list[Row] = []
    for p in runs:
        want = max(1, round(ROWS_PER_COUNCIL * p.weight**0.6 / total))
        plats = p.platforms
        combos = []
        for back in range(min(len(p.versions), 3 * want + 8)):
            for plat in plats:
                rank = back / (PLATFORM_WEIGHT[plat] if len(plats) > 1 else 1.0)
                combos.append((rank + rng.expovariate(1.0 / (2.0 * lag)), back, plat))
        for _, back, plat in heapq.nsmallest(want, combos):
            if rng.random() < STALE_ROWS:  # the machine nobody updates
                back = min(len(p.versions) - 1, back + int(rng.expovariate(1 / (p.spread + 10))))
            index = len(p.versions) - 1 - back
            names = p.names[index]
            if plat != "any" and rng.random() < 0.02:
                plat = "any"  # an export that does not say which OS
            version = p.shown[index]
            if p.tail and rng.random() < 0.0002:
                version = rng.choice(("", "Varies with device"))
            rows.append((council, names[len(rows) % len(names)], version, plat, p.vendor,
                         1 + int(rng.expovariate(0.05))))
    # Exactly 5,000: drop rows at random, or pad with more of the head products' versions.
    rows = list({(r[1], r[2], r[3]): r for r in rows}.values())
    while len(rows) > ROWS_PER_COUNCIL:
        rows.pop(rng.randrange(len(rows)))
    have = {(r[1], r[2], r[3]) for r in rows}
    while len(rows) < ROWS_PER_COUNCIL:
        p = pool[min(int(rng.expovariate(1 / 40)), len(pool) - 1)]
        index = max(0, len(p.versions) - 1 - int(rng.expovariate(1 / 8)))
        row = (council, p.names[index][0], p.shown[index], rng.choice(p.platforms), p.vendor, 1)
        if (row[1], row[2], row[3]) not in have:
            have.add((row[1], row[2], row[3]))
            rows.append(row)
    return rows


# -- advisories ------------------------------------------------------------------------------


def _statement(rng: random.Random, p: Product, fresh: bool) -> tuple[str, AffectedProduct]:
    """One affected statement about p: an exact list, an OSV range or a vers string.

    The fix lands `back` versions before the newest. Old advisories fix versions older than
    nearly every council runs (`p.spread` is how far back a council's rows usually reach),
    so they hit only the stale tail; fresh ones hit many of a product's rows.
    """
    n = len(p.versions)
    stale = rng.randint(min(n - 1, int(STALE * p.spread)), n - 1)
    back = rng.randint(1, 3) if fresh else min(n - 1, stale)
    fixed = n - 1 - back
    platform = "any" if rng.random() < 0.8 or p.platforms == ("any",) else rng.choice(p.platforms)
    common = {"vendor": p.st_vendor, "product": p.st_product, "platform": platform,
              "scheme": p.scheme}
    kind = rng.random()
    if kind < 0.35 or fixed < 2:  # the listed affected builds just before the fix
        first = max(0, fixed - rng.randint(1, 3))
        listed = tuple(p.versions[first:fixed] or p.versions[:1])
        return "list", AffectedProduct(**common, versions=listed, fixed_in=p.versions[fixed])
    start = max(0, fixed - rng.randint(1, 4))  # one branch's builds
    if kind < 0.75 or p.scheme not in (None, "openssl"):
        # OSV "introduced 0" reaches back to the first release: only for old fixes.
        unbounded = rng.random() < 0.08 and back > p.spread + 10
        window = osv_range("0" if unbounded else p.versions[start], fixed=p.versions[fixed])
        return "osv", AffectedProduct(**common, ranges=(window,), fixed_in=p.versions[fixed])
    vtype = p.scheme or "generic"
    spec = parse_vers(f"vers:{vtype}/>={p.versions[start]}|<{p.versions[fixed]}")
    return "vers", AffectedProduct(
        vendor=p.st_vendor, product=p.st_product, platform=platform, versions=spec.versions,
        ranges=spec.ranges, excluded=spec.excluded, scheme=spec.scheme, fixed_in=p.versions[fixed],
    )


def make_advisories(
    rng: random.Random, pool: list[Product], count: int, first: int, fresh_share: float,
    kinds: Counter[str] | None = None,
) -> list[Advisory]:
    weights = [p.weight**0.5 for p in pool]
    out = []
    for n in range(first, first + count):
        fresh = rng.random() < fresh_share
        main = rng.choices(pool, weights)[0]
        made = [_statement(rng, main, fresh)]
        for _ in range(rng.choices((0, 1, 2, 3), (50, 25, 15, 10))[0]):
            # Extra statements: another platform or branch of the same product, or a product
            # sharing the flaw (Chromium in Chrome and Edge, a library in several tools).
            other = main if rng.random() < 0.5 else rng.choices(pool, weights)[0]
            made.append(_statement(rng, other, fresh))
        if kinds is not None:
            kinds.update(kind for kind, _ in made)
        statements = [statement for _, statement in made]
        cve = f"CVE-{2018 + n % 6}-{10000 + n}"
        out.append(Advisory(
            id=f"ADV-{n:05d}", source=rng.choice(("ncsc", "cisa-kev", "msrc", "nvd", "csaf")),
            title=f"{main.st_vendor} {main.st_product}: {cve}",
            severity=rng.choice(("critical", "high", "high", "medium", "low")),
            exploited=rng.random() < 0.05, cves=(cve,), affects=tuple(statements),
        ))
    return out


# -- measuring -------------------------------------------------------------------------------


def naive(rows: list[InventoryItem], advisories: list[Advisory], catalogue: Catalogue) -> list[Match]:
    """The pairwise loop the matcher replaces: every row against every statement (each read
    in its product's scheme when it names none), the strongest verdict per advisory."""
    out = []
    for item in rows:
        for advisory in advisories:
            candidates = [Candidate(advisory, catalogue.with_scheme(statement)) for statement in advisory.affects
                          if catalogue.matches(item, statement)]
            for candidate, v in judge(item, candidates):
                out.append(Match(advisory, item, candidate.statement, v.status, v.reason, v.label))
    return out


def answers(matches: list[Match]) -> set[tuple[object, ...]]:
    return {(m.item.council_id, m.item.product, m.item.version, m.item.platform, m.advisory.id,
             m.status.value, m.reason, id(m.statement)) for m in matches}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def csv_load(rows: list[Row], councils: list[str]) -> tuple[float, int]:
    """Write each council's rows as a plain CSV export, then time `load_inventory` on them."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        by_council: dict[str, list[Row]] = {c: [] for c in councils}
        for row in rows:
            by_council[row[0]].append(row)
        for council, mine in by_council.items():
            path = Path(tmp) / f"{council}.csv"
            with path.open("w", newline="", encoding="utf-8") as f:
                out = csv.writer(f)
                out.writerow(("product", "vendor", "version", "platform", "devices"))
                out.writerows((r[1], r[4], r[2], r[3], r[5]) for r in mine)
            paths.append((council, path))
        start = time.perf_counter()
        loaded = sum(len(load_inventory(path, council).items) for council, path in paths)
        return time.perf_counter() - start, loaded


def run(councils: int, csv_too: bool) -> str:
    rng = random.Random(SEED)
    t0 = time.perf_counter()
    pool = product_pool(rng)
    kinds: Counter[str] = Counter()
    advisories = make_advisories(rng, pool, ADVISORIES, 0, fresh_share=0.0, kinds=kinds)
    new = make_advisories(random.Random(SEED + 1), pool, NEW_ADVISORIES, ADVISORIES, 0.05)
    names = [f"council-{i:03d}" for i in range(1, COUNCILS + 1)]
    raw: list[Row] = []
    for council in names[:councils]:  # the same councils at every scale: 10 % is a prefix
        raw += council_rows(random.Random(f"{SEED}:{council}"), council, pool)
    statements = sum(len(a.affects) for a in advisories)
    print(f"generated: councils={councils} rows={len(raw)} products={len(pool)} "
          f"distinct_names={len({r[1] for r in raw})} advisories={len(advisories)} "
          f"statements={statements} (exact lists={kinds['list']} osv ranges={kinds['osv']} "
          f"vers={kinds['vers']}) in {time.perf_counter() - t0:.1f}s", flush=True)
    if csv_too:
        seconds, loaded = csv_load(raw, names[:councils])
        print(f"csv: files={councils} rows={loaded} csv_load_s={seconds:.3f} "
              f"(load_inventory, not part of load_s)", flush=True)

    gc.collect()
    gc.disable()  # building millions of long-lived objects: no collector passes meanwhile
    t = time.perf_counter()
    rows = [InventoryItem(c, product, version, platform, vendor, devices, source="intune.csv",
                          line=i + 2)
            for i, (c, product, version, platform, vendor, devices) in enumerate(raw)]
    items_s = time.perf_counter() - t
    del raw
    t = time.perf_counter()
    catalogue = Catalogue.load(CATALOGUE)
    catalogue_s = time.perf_counter() - t
    t = time.perf_counter()
    estate = Estate(rows, catalogue)  # also each product's key and each version, read once
    estate_s = time.perf_counter() - t
    t = time.perf_counter()
    matcher = Matcher(advisories, catalogue)
    matcher_s = catalogue_s + time.perf_counter() - t
    load_s = items_s + estate_s + matcher_s
    print(f"load: items_s={items_s:.3f} estate_s={estate_s:.3f} matcher_s={matcher_s:.3f} "
          f"distinct_rows={len(estate.groups)} load_s={load_s:.3f}", flush=True)
    # What was loaded lives as long as the process, as in a long-running service: the
    # collector runs while matching, but no longer walks the loaded objects.
    gc.collect()
    gc.freeze()
    gc.enable()

    t = time.perf_counter()
    matches = matcher.match_estate(estate)
    full_s = time.perf_counter() - t
    hit_rows = {id(m.item) for m in matches}
    statuses = Counter(m.status.value for m in matches)
    print(f"full: matches={len(matches)} affected={statuses['affected']} "
          f"unknown={statuses['unknown']} rows_hit={len(hit_rows)} "
          f"rows_hit_pct={100 * len(hit_rows) / len(rows):.2f} full_s={full_s:.3f}", flush=True)

    t = time.perf_counter()
    fresh = Matcher(new, catalogue).match_estate(estate)
    incremental_s = time.perf_counter() - t
    print(f"incremental: advisories={len(new)} matches={len(fresh)} "
          f"rows_hit={len({id(m.item) for m in fresh})} incremental_s={incremental_s:.3f}",
          flush=True)

    floor = {p: p for p in {item.product for item in rows}}
    get = floor.get
    t = time.perf_counter()
    for item in rows:
        get(item.product)
    limit_s = time.perf_counter() - t
    print(f"limit: rows={len(rows)} limit_s={limit_s:.3f} full_over_limit={full_s / limit_s:.2f}",
          flush=True)
    # Context only, not the target's floor: one look-up per row keyed by what the row is, the
    # least a per-row "match each distinct (product, version, platform) once" pass costs.
    keyed = {(i.product, i.version, i.platform): None for i in rows}
    get_keyed = keyed.get
    t = time.perf_counter()
    for item in rows:
        get_keyed((item.product, item.version, item.platform))
    keyed_s = time.perf_counter() - t
    del keyed
    print(f"context: keyed_lookup_s={keyed_s:.3f} (one dict look-up per row by (product, version, "
          f"platform)); full_s is {full_s / keyed_s:.2f} x that", flush=True)

    # The naive loop on a sample: timed on random rows, and compared with the fast answers
    # on those rows plus some affected ones (random rows are rarely hit).
    pick = random.Random(SEED + 2)
    sample = pick.sample(rows, SAMPLE_ROWS)
    hits = [m.item for m in pick.sample(matches, min(SAMPLE_HITS, len(matches)))]
    t = time.perf_counter()
    slow = naive(sample, advisories, catalogue)
    naive_s = time.perf_counter() - t
    sampled = {id(i) for i in sample}
    extra = list({id(i): i for i in hits if id(i) not in sampled}.values())
    slow += naive(extra, advisories, catalogue)
    chosen = sampled | {id(i) for i in extra}
    fast = [m for m in matches if id(m.item) in chosen]
    if answers(fast) != answers(slow) or len(fast) != len(slow):
        only_fast, only_slow = answers(fast) - answers(slow), answers(slow) - answers(fast)
        raise SystemExit(f"fast and naive answers differ: fast only {sorted(only_fast)[:5]}, "
                         f"naive only {sorted(only_slow)[:5]}")
    naive_full_s = naive_s / len(sample) * len(rows)
    pairwise_ratio = naive_full_s / full_s
    print(f"pairwise: sample_rows={len(sample)} checked_rows={len(chosen)} "
          f"checked_matches={len(slow)} naive_s={naive_s:.2f} naive_full_s={naive_full_s:.0f} "
          f"pairwise_ratio={pairwise_ratio:.0f} (fast == naive on the sample)", flush=True)

    rss = peak_rss_mb()
    verdicts = [
        f"full_s<=3*limit_s: {'met' if full_s <= 3 * limit_s else 'MISSED'}",
        f"incremental_s<=0.2: {'met' if incremental_s <= 0.2 else 'MISSED'}",
        f"peak_rss<=2GB: {'met' if rss <= 2048 else 'MISSED'}",
    ]
    print("targets: " + ", ".join(verdicts), flush=True)
    return (f"match_scale: rows={len(rows)} advisories={len(advisories)} load_s={load_s:.3f} "
            f"full_s={full_s:.3f} incremental_s={incremental_s:.3f} limit_s={limit_s:.3f} "
            f"peak_rss_mb={rss:.0f} pairwise_ratio={pairwise_ratio:.0f}")


def _figures(line: str) -> dict[str, float]:
    return {k: float(v) for k, v in (f.split("=") for f in line.split()[1:])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--councils", type=int, default=None,
                        help="run one scale in this process (default: 40 then 400, each in a child)")
    parser.add_argument("--csv", action="store_true",
                        help="also write the inventories as CSV and time load_inventory on them")
    args = parser.parse_args(argv)
    if args.councils is not None:
        print(run(args.councils, args.csv), flush=True)
        return 0
    lines = []
    for councils, csv_too in ((COUNCILS // 10, True), (COUNCILS, False)):
        print(f"--- {councils} councils ({100 * councils // COUNCILS} %) ---", flush=True)
        cmd = [sys.executable, __file__, "--councils", str(councils)] + (["--csv"] if csv_too else [])
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
        out = proc.stdout.rstrip("\n").split("\n")
        print("\n".join(out[:-1]), flush=True)
        if proc.returncode != 0 or not out[-1].startswith("match_scale:"):
            print(out[-1])
            return proc.returncode or 1
        lines.append(out[-1])
    small, big = (_figures(line) for line in lines)
    growth = {k: big[k] / small[k] for k in ("rows", "load_s", "full_s", "incremental_s", "limit_s")}
    print("scaling 10 % -> 100 %: " + " ".join(f"{k} x{v:.1f}" for k, v in growth.items()))
    print(lines[0])
    print(lines[1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
