"""`advisories check`: every problem in the configuration, rules, inventories and templates at once.

A broken feeds.toml does not stop the rest: the rules folder, inventories and templates it
names are still read (as far as the file can be read at all), so one `check` shows everything.

Templates are not only compiled but rendered, with a sample alert, bulletin and weekly summary
that fill every section: StrictUndefined only fails on a name a render actually reaches, so a
typo such as `{{ alert.council_nmae }}` compiles cleanly and breaks the emails at run time.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import tomllib
import traceback
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2

from advisories.alerts import AlertSection, CouncilAlert, Withdrawal, withdrawn_row
from advisories.config import Config, CouncilConfig, load_config
from advisories.defaults import catalogue_path, default_folder
from advisories.digest.build import WEEKLY_TEMPLATES
from advisories.digest.content import Digest, collect_digest
from advisories.digest.council import CouncilWeek, Group, Line
from advisories.digest.notes import Note, render_note
from advisories.digest.output import (
    EMAIL_LIMITS,
    digest_environment,
    inline_css,
)
from advisories.digest.week import IsoWeek
from advisories.errors import AdvisoriesError, ConfigError
from advisories.inventory import load_inventory
from advisories.models import (
    Advisory,
    AffectedProduct,
    Bound,
    InventoryItem,
    Match,
    Status,
    VersionRange,
)
from advisories.products import Catalogue
from advisories.render import ALERT_TEMPLATES, WITHDRAWN_TEMPLATES, environment
from advisories.rules import load_rules
from advisories.sources import known_kinds
from advisories.store import Exposure
from advisories.versions import parse_version


def check_all(path: Path) -> tuple[list[str], list[str]]:
    """Returns (problems, notes): one line each, naming the file and the key or line."""
    try:
        config = load_config(path)
    except ConfigError as exc:
        problems = exc.message.splitlines()[1:] or [str(exc)]
        rules, templates, inventories = _named_anyway(path)
        notes: list[str] = []
        if rules is not None:
            problems += _check_rules(rules, notes)
            problems += check_templates(templates, _timezone(path))
            for council_id, inventory in inventories:
                problems += _check_inventory(council_id, inventory, notes)
        return problems, notes
    notes = [f"{path}: {len(config.feeds)} feed(s), {len(config.councils)} council(s)"]
    problems = _check_feeds(config, notes) + _check_state(config)
    problems += _check_rules(config.rules, notes)
    for council in config.councils:
        problems += _check_inventory(council.id, council.inventory, notes, council.platform)
        notes.append(_channels_note(council))
    problems += check_templates(config.templates, config.timezone)
    return problems, notes


def _channels_note(council: CouncilConfig) -> str:
    """Where a council's alerts go (load_config has checked each entry and its variables)."""
    from advisories.delivery.channels import label

    where = [f"email to {len(council.recipients)} address(es)"] if council.recipients else []
    where += [f"{label(d.kind)} {d.url_env}" + (" (signed)" if d.secret_env else "") for d in council.webhooks]
    return f"{council.id}: {', '.join(where)}"


def _check_feeds(config: Config, notes: list[str]) -> list[str]:
    problems = []
    kinds = known_kinds()
    for i, feed in enumerate(config.feeds):
        if feed.kind not in kinds:
            problems.append(f"{config.path}: feeds[{i}].kind: {feed.kind!r} is not available "
                            f"in this build (available: {', '.join(kinds)})")
        # A `cve` feed's path is a folder: a local copy of the CVE list.
        if feed.path is not None and not (feed.path.is_dir() if feed.kind == "cve" else feed.path.is_file()):
            what = "folder" if feed.kind == "cve" else "file"
            problems.append(f"{config.path}: feeds[{i}].path: {feed.path} does not exist (or is not a {what})")
        if feed.api_key_env and feed.api_key_env not in os.environ:
            problems.append(f"{config.path}: feeds[{i}].api_key_env: environment variable "
                            f"{feed.api_key_env} is not set (remove the key to run without one)")
        state = "" if feed.enabled else ", disabled"
        notes.append(f"feed {feed.name}: {feed.kind}, {feed.url or feed.path}, every {feed.every_s}s{state}")
    return problems


def _check_state(config: Config) -> list[str]:
    """The state file must be usable and its folder writable: a run finds out too late.

    Nothing here creates or changes the state file: an existing one is opened read-only.
    """
    problems = []
    state, where = config.state, f"{config.path}: settings.state: {config.state}"
    if state.is_dir():
        problems.append(f"{where} is a folder; give a file name, e.g. data/state.sqlite3")
    elif state.exists():
        problem = _state_file_problem(state)
        if problem:
            problems.append(f"{where} {problem}")
    # SQLite's journal and the run lock are created beside the state file, so its folder
    # must be writable even when the file already exists.
    problem = _folder_problem(state.parent)
    if problem:
        problems.append(f"{where}: {problem}; choose a folder this user can write, "
                        "e.g. state = \"data/state.sqlite3\"")
    problem = _folder_problem(config.outbox)
    if problem:
        problems.append(f"{config.path}: settings.outbox: {config.outbox}: {problem}; "
                        "choose a folder this user can write, e.g. outbox = \"data/outbox\"")
    return problems


def _state_file_problem(state: Path) -> str | None:
    # immutable=1: SQLite takes no lock and creates no -wal/-shm files (mode=ro alone would
    # create them for a WAL database), so check leaves the state exactly as it found it.
    uri = state.as_uri() + "?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return (f"is not a usable SQLite database ({exc}): point state at the right file, or "
                "move this one away and a new one is created on the next run")
    except sqlite3.Error as exc:
        return f"cannot be read ({exc}): check its owner and permissions"
    if not os.access(state, os.W_OK):
        return "is read-only for this user: make it writable, or run as its owner"
    return None


def _folder_problem(folder: Path) -> str | None:
    """Why files cannot be created in `folder` (or the folders a run would make), else None."""
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is None:
        return "no part of this path exists"
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    # A real attempt, not os.access(): root passes os.access() on mounts it cannot write
    # (/sys, /proc, a read-only bind mount) and the run then fails with PermissionError.
    try:
        with tempfile.TemporaryDirectory(dir=existing, prefix=".advisories-check-"):
            pass
    except OSError as exc:
        return f"cannot create anything in {existing} ({exc.strerror or exc})"
    return None


def _check_rules(folder: Path, notes: list[str]) -> list[str]:
    rules = load_rules(folder)
    problems = list(rules.problems)
    # Not problems: the rule still loads, cut. cli prints notes; the word says what it is.
    notes.extend(f"warning: {w}" for w in rules.warnings)
    if folder.is_dir():
        notes.append(f"{folder}: {len(rules.advisories)} rule(s)")
    try:
        path = catalogue_path(folder)
        catalogue = Catalogue.load(path)
        notes.append(f"product catalogue {path}: {len(catalogue.products)} product(s)")
    except AdvisoriesError as exc:
        problems.append(str(exc))
        return problems
    return problems + _bounds_in_product_schemes(rules.advisories, catalogue)


def _bounds_in_product_schemes(rules: Iterable[Advisory], catalogue: Catalogue) -> list[str]:
    """Rule versions and bounds the catalogue's scheme for their product cannot read. Loading
    the rules checks bounds in the scheme a rule names, or the generic one; a statement naming
    none is read in its product's scheme (Citrix Workspace's), where "2402 Hotfix 1" is no
    release: every row would read "check manually"."""
    problems = []
    for advisory in rules:
        for n, statement in enumerate(advisory.affects):
            scheme = catalogue.with_scheme(statement).scheme
            if statement.scheme or not scheme:
                continue
            bounds = [b.version for r in statement.ranges for b in (r.lower, r.upper) if b is not None]
            for version in (*statement.versions, *statement.excluded, *bounds):
                if parse_version(version, scheme) is None:
                    problems.append(
                        f"rule {advisory.id}: affects[{n}]: {version!r} cannot be read as a {scheme} "
                        f"version, the numbering the catalogue gives {statement.product}; write the "
                        "release as the vendor names it (e.g. \"2203.1 LTSR CU6 Hotfix 2\"), or set scheme"
                    )
    return problems


def _check_inventory(council_id: str, inventory: Path, notes: list[str], platform: str | None = None) -> list[str]:
    try:
        loaded = load_inventory(inventory, council_id, platform=platform)
    except (AdvisoriesError, OSError) as exc:
        return [f"councils[{council_id}].inventory: {exc}"]
    notes.append(f"{inventory}: {len(loaded.items)} distinct product row(s)")
    unplaced = sum(item.platform == "any" for item in loaded.items)
    if unplaced and platform is None and not _has_platforms(inventory, council_id):
        # Each such row is checked against every platform's statements, and a hit on a
        # one-platform statement can only say "check manually".
        notes.append(
            f"councils[{council_id}]: {unplaced} of those rows give no platform, so a hit by an "
            "advisory for one platform reads 'check manually'; if this export covers one platform "
            "only, say which with platform = \"windows\" (or macos, linux) in its [[councils]] entry"
        )
    problems = list(loaded.problems)
    if not loaded.items:
        problems.append(f"councils[{council_id}].inventory: {inventory} has no usable rows")
    return problems


def _has_platforms(inventory: Path, council_id: str) -> bool:
    """Whether the export says which platform its rows run (a platform column, an operating-
    system component): then a council's `platform` would change nothing, and unreadable
    cells are reported by the loader itself."""
    return any(item.platform == "any" for item in load_inventory(inventory, council_id, platform="linux").items)


def _named_anyway(path: Path) -> tuple[Path | None, Path | None, list[tuple[str, Path]]]:
    """The rules folder, templates and inventories a broken feeds.toml names, read leniently."""
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None, None, []
    root = path.resolve().parent
    settings = raw.get("settings")
    settings = settings if isinstance(settings, dict) else {}
    rules = settings.get("rules")
    templates = settings.get("templates")
    councils = raw.get("councils")
    councils = councils if isinstance(councils, list) else []
    inventories = [
        (str(c.get("id", f"#{i}")), root / c["inventory"])
        for i, c in enumerate(councils)
        if isinstance(c, dict) and isinstance(c.get("inventory"), str)
    ]
    return (
        # Not named: the shipped rules, as a run uses them (never "<config folder>/rules").
        root / rules if isinstance(rules, str) else default_folder("rules"),
        root / templates if isinstance(templates, str) else None,
        inventories,
    )


def _timezone(path: Path) -> str:
    """The [settings] timezone of a config that failed to load, for rendering samples."""
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8")).get("settings")
        zone = settings.get("timezone", "Europe/London") if isinstance(settings, dict) else ""
        ZoneInfo(str(zone))
        return str(zone)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ZoneInfoNotFoundError,
            ValueError):
        return "Europe/London"


# -- templates -------------------------------------------------------------------------------

SAMPLE_SENDER = "Council Cyber Alerts <alerts@example.gov.uk>"
SAMPLE_WEEK = IsoWeek(2023, 13)
INLINED = ("digest.html", "weekly.html")  # run through css-inline before sending


def check_templates(override: Path | None, timezone: str) -> list[str]:
    """Compile and render every template a run or a digest uses, with sample data.

    Each template is rendered on its own, so one broken file does not hide another; the data
    has the shape the real renderers pass (render.render_alert with the pipeline's run_time,
    digest.output.render_email/render_webpage/render_markdown, digest.council.render_weekly).
    """
    tz = ZoneInfo(timezone)
    alert_env, digest_env = environment(override), digest_environment(override, tz)
    # Also as an alert too long for its body (the rest in the CSV), which the templates say.
    alerts = [{"alert": a, "run_time": "30 March 2023 09:00 BST"} for a in (sample_alert(), sample_alert().within(1))]
    busy, quiet = sample_digest(tz), sample_digest(tz, quiet=True)
    email = [
        {"digest": busy, "webpage": False, "web_url": "https://bulletins.example.gov.uk/2023-W13.html",
         "limit": EMAIL_LIMITS[-1]},
        {"digest": quiet, "webpage": False, "web_url": None, "limit": EMAIL_LIMITS[0]},
        {"digest": busy, "webpage": True, "web_url": None, "limit": None},
    ]
    weekly = [{"summary": sample_week()}, {"summary": sample_week(all_clear=True)}]
    contexts: dict[str, tuple[jinja2.Environment, list[dict[str, Any]]]] = {
        **{name: (alert_env, alerts) for name in ALERT_TEMPLATES},
        **{name: (alert_env, [{"withdrawal": sample_withdrawal(), "run_time": "30 March 2023 09:00 BST"}])
           for name in WITHDRAWN_TEMPLATES},
        "digest.subject.txt": (digest_env, [{"digest": busy}, {"digest": quiet}]),
        "digest.txt": (digest_env, email),
        "digest.html": (digest_env, email),
        "digest.md": (digest_env, [{"digest": busy, "limit": None},
                                   {"digest": quiet, "limit": None}]),
        **{name: (digest_env, weekly) for name in WEEKLY_TEMPLATES},
    }
    folders = [f for f in (override, default_folder("templates")) if f is not None]
    problems: dict[str, None] = {}  # ordered, and one line per fault even if several renders hit it
    for name, (env, datas) in contexts.items():
        for data in datas:
            problem = _render_problem(env, name, data, folders, override)
            if problem:
                problems.setdefault(problem)
                break
    return list(problems)


def _render_problem(env: jinja2.Environment, name: str, data: dict[str, Any],
                    folders: list[Path], override: Path | None) -> str | None:
    try:
        out = env.get_template(name).render(data)
        if name in INLINED:
            inline_css(out)
    except jinja2.TemplateSyntaxError as exc:
        return f"{exc.filename or name} line {exc.lineno}: {exc.message} (fix the template syntax)"
    except jinja2.TemplateNotFound as exc:
        return f"template {exc.name} not found in {override} or the shipped defaults"
    except Exception as exc:  # template code can raise anything: report it and go on
        file, line = _template_frame(exc, folders)
        where = f"{file} line {line}" if file else f"template {name}"
        what = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else str(exc)
        return f"{where}: {what} (fix the template: rendering it with sample data failed)"
    return None


def _template_frame(exc: BaseException, folders: list[Path]) -> tuple[str | None, int | None]:
    """The template file and line where a render failed (Jinja puts them in the traceback)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if any(Path(frame.filename).is_relative_to(folder) for folder in folders):
            return frame.filename, frame.lineno
    return None, None


def sample_withdrawal() -> Withdrawal:
    key = "barsetshire|CVE-2023-5129|libwebp|1.3.1|windows"
    return Withdrawal("barsetshire", "Barsetshire County Council", ("it@barsetshire.example.gov.uk",),
                      (withdrawn_row(key, 12, "26 September 2023"),),
                      (("CVE-2023-5129", "Rejected by its CNA on 2023-09-27; Replaced by CVE-2023-4863"),))


def sample_alert() -> CouncilAlert:
    """An alert with every section a template can show: exploited, KEV review, check manually."""
    statement = AffectedProduct(
        vendor="3CX", product="3CX Desktop App", platform="windows",
        versions=("18.12.407", "18.12.416"), aliases=("3CXDesktopApp",),
        labels=(("Update 7", ("18.12.407", "18.12.416")),), fixed_in="18.12.422",
    )
    from_text = AffectedProduct(vendor="3CX", product="3CX Desktop App", platform="macos",
                                versions=("18.11.1213",), from_text=True, confidence=0.9)
    rule = Advisory(
        id="ncsc-2023-3cx-desktop-app", source="rules", kind="rule",
        title="3CX Desktop App supply-chain compromise",
        summary="Trojanised builds of the 3CX Desktop App were signed and distributed by 3CX.",
        url="https://www.ncsc.gov.uk/news/3cx-desktop-app", published=_at(2023, 3, 30),
        severity="critical", exploited=True, cves=("CVE-2023-29059",),
        links=("https://www.3cx.com/blog/news/desktopapp-security-alert/",),
        action="Uninstall the desktop app and use the browser-based PWA.",
        affects=(statement, from_text), due_date=date(2023, 4, 20), ransomware="Unknown",
        notes=("NVD lists a wider range than the vendor.",),
    )
    kev = Advisory(id="kev-CVE-2023-28252", source="cisa-kev", kind="kev",
                   title="Windows CLFS privilege escalation", exploited=True,
                   cves=("CVE-2023-28252",), affects=(AffectedProduct("Microsoft", "Windows"),))
    prose = Advisory(id="ncsc-reports-42", source="ncsc-reports", title="Zoom client advisory",
                     severity="medium", affects=(AffectedProduct("Zoom", "Zoom"),))
    chrome = AffectedProduct("Google", "Google Chrome", ranges=(
        VersionRange(upper=Bound("116.0.5845.187", inclusive=False)),))
    psirt = Advisory(id="chrome-2023-09", source="vendor-psirt", title="Chrome security update",
                     severity="high", affects=(chrome,))
    hosts = tuple(f"BS-PC-{n:03d}" for n in range(1, 26))  # over 20: the "and N more" line
    pc = _item("3CX Desktop App", "Update 7", "windows", 25, hosts)
    mac = _item("3CX Desktop App", "18.11.1213", "macos", 3, ("BS-MAC-001",))
    sections = (
        AlertSection(rule, (
            Match(rule, pc, statement, Status.AFFECTED, "Update 7 is listed", "Update 7"),
            Match(rule, mac, from_text, Status.AFFECTED, "18.11.1213 is listed"),
        ), "exploitation newly confirmed"),
        AlertSection(kev, (Match(kev, _item("Windows", "", "any", 1, ()), kev.affects[0],
                                 Status.UNKNOWN, "no versions given"),), None),
        AlertSection(prose, (Match(prose, _item("Zoom", "5.x", "windows", 4, ()), prose.affects[0],
                                   Status.UNKNOWN, "'5.x' cannot be compared"),), None),
        # A fourth product: subjects shorten long product lists ("and 1 more").
        AlertSection(psirt, (Match(psirt, _item("Google Chrome", "116.0.5845.96", "windows", 7, ()),
                                   chrome, Status.AFFECTED, "below 116.0.5845.187"),), None),
    )
    return CouncilAlert("barsetshire", "Barsetshire County Council",
                        ("it-security@barsetshire.example.gov.uk",), sections, ())


def sample_digest(tz: ZoneInfo, *, quiet: bool = False) -> Digest:
    """A week's bulletin with more items per section than the email shows, or an empty week."""
    advisories: list[Advisory] = []
    exposures: list[Exposure] = []
    day = _at(2023, 3, 28)
    for n in range(3):
        stem = f"2023-{n}"
        advisories += [
            # The first of each kind has no link and the rest do: templates branch on both.
            Advisory(id=f"ncsc-{stem}", source="ncsc-reports", title=f"NCSC report {n}",
                     summary="The NCSC advises organisations to update.", published=day,
                     url=f"https://www.ncsc.gov.uk/report/{n}" if n else None),
            Advisory(id=f"kev-{stem}", source="cisa-kev", kind="kev", title=f"Exploited flaw {n}",
                     summary="Exploited in the wild.", exploited=True, severity="high",
                     cves=(f"CVE-2023-000{n}",), published=day,
                     links=(f"https://www.cisa.gov/kev/{n}",) if n else (),
                     action="Apply the update. Due date: 2023-04-18",
                     affects=(AffectedProduct("Vendor", f"Product {n}"),)),
            Advisory(id=f"vendor-{stem}", source="vendor-psirt", title=f"Vendor advisory {n}",
                     severity=("critical", "high", None)[n], published=day,
                     cves=tuple(f"CVE-2023-1{n}0{k}" for k in range(n + 2)),
                     url=f"https://psirt.example.com/{n}" if n else None,
                     affects=(AffectedProduct("Vendor", f"Tool {n}", versions=("1.2",),
                                              from_text=True, confidence=0.2, note="unclear"),)),
        ]
        for council in ("barsetshire", "wessex", "loamshire"):
            for status, aid in (("affected", f"kev-{stem}"), ("unknown", f"vendor-{stem}")):
                remediated = day + timedelta(days=2) if council == "wessex" else None
                exposures.append(Exposure(
                    f"{council}|{aid}|product {n}|1.0|windows", council, aid, 12, status, day,
                    remediated if status == "affected" else None))
    note: Note | None = render_note("**Welcome** to the bulletin.\n\n- one [link](https://www.lga.gov.uk/)\n"
                       "- two\n\n1. first\n2. second")
    if quiet:
        advisories, exposures, note = [], [], None
    return collect_digest(week=SAMPLE_WEEK, tz=tz, advisories=advisories,
                          first_seen={a.id: day for a in advisories}, exposures=exposures,
                          threshold=3, note=note, now=_at(2023, 4, 3))


def sample_week(*, all_clear: bool = False) -> CouncilWeek:
    """A council's weekly summary with every section, or a quiet week's all-clear."""
    advisory = Advisory(id="ncsc-2023-3cx-desktop-app", source="rules",
                        title="3CX Desktop App supply-chain compromise", exploited=True,
                        action="Uninstall the desktop app and use the browser-based PWA.")
    group = Group(advisory, (Line("3CX Desktop App", "18.12.416", "windows", 40, False),
                             Line("3CX Desktop App", "(no version)", "unknown platform", 1, True)))
    groups = () if all_clear else (group,)
    return CouncilWeek(
        council_id="barsetshire", council_name="Barsetshire County Council", week=SAMPLE_WEEK,
        period=SAMPLE_WEEK.label(), generated="3 April 2023, 08:00 BST", new=groups,
        still_open=groups, remediated=groups, advisories_checked=12, advisories_known=340,
        last_fetch=None if all_clear else "2 April 2023, 23:00 BST",
    )


def _at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, 0, tzinfo=UTC)


def _item(product: str, version: str, platform: str, devices: int,
          hosts: tuple[str, ...]) -> InventoryItem:
    return InventoryItem(council_id="barsetshire", product=product, version=version,
                         platform=platform, vendor="3CX", devices=devices, hosts=hosts,
                         source="barsetshire.csv", line=2)
