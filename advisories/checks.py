"""`advisories check`: every problem in the configuration, rules, inventories and templates at once.

A broken feeds.toml does not stop the rest: the rules folder, inventories and templates it
names are still read (as far as the file can be read at all), so one `check` shows everything.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from advisories.config import Config, load_config
from advisories.digest import check_templates as check_digest_templates
from advisories.errors import AdvisoriesError, ConfigError
from advisories.inventory import load_inventory
from advisories.products import Catalogue
from advisories.render import check_templates
from advisories.rules import CATALOGUE_FILE, load_rules
from advisories.sources import known_kinds


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
            problems += _check_templates(templates)
            for council_id, inventory in inventories:
                problems += _check_inventory(council_id, inventory, notes)
        return problems, notes
    notes = [f"{path}: {len(config.feeds)} feed(s), {len(config.councils)} council(s)"]
    problems = _check_feeds(config, notes) + _check_state(config)
    problems += _check_rules(config.rules, notes)
    for council in config.councils:
        problems += _check_inventory(council.id, council.inventory, notes)
    problems += _check_templates(config.templates)
    return problems, notes


def _check_feeds(config: Config, notes: list[str]) -> list[str]:
    problems = []
    kinds = known_kinds()
    for i, feed in enumerate(config.feeds):
        if feed.kind not in kinds:
            problems.append(f"{config.path}: feeds[{i}].kind: {feed.kind!r} is not available "
                            f"in this build (available: {', '.join(kinds)})")
        if feed.path is not None and not feed.path.is_file():
            problems.append(f"{config.path}: feeds[{i}].path: {feed.path} does not exist")
        if feed.api_key_env and feed.api_key_env not in os.environ:
            problems.append(f"{config.path}: feeds[{i}].api_key_env: environment variable "
                            f"{feed.api_key_env} is not set (remove the key to run without one)")
        state = "" if feed.enabled else ", disabled"
        notes.append(f"feed {feed.name}: {feed.kind}, {feed.url or feed.path}, every {feed.every_s}s{state}")
    return problems


def _check_state(config: Config) -> list[str]:
    """The state file and outbox folder must be creatable: a run finds out too late."""
    problems = []
    for key, target in (("settings.state", config.state), ("settings.outbox", config.outbox)):
        if key == "settings.state" and target.is_dir():
            problems.append(f"{config.path}: {key}: {target} is a folder; give a file name")
            continue
        existing = target if target.exists() else next(p for p in target.parents if p.exists())
        if not os.access(existing, os.W_OK):
            problems.append(f"{config.path}: {key}: {existing} is not writable by this user")
    return problems


def _check_rules(folder: Path, notes: list[str]) -> list[str]:
    rules = load_rules(folder)
    notes.append(f"{folder}: {len(rules.advisories)} rule(s)")
    problems = list(rules.problems)
    try:
        catalogue = Catalogue.load(folder / CATALOGUE_FILE)
        notes.append(f"product catalogue: {len(catalogue.products)} product(s)")
    except AdvisoriesError as exc:
        problems.append(str(exc))
    return problems


def _check_inventory(council_id: str, inventory: Path, notes: list[str]) -> list[str]:
    try:
        loaded = load_inventory(inventory, council_id)
    except (AdvisoriesError, OSError) as exc:
        return [f"councils[{council_id}].inventory: {exc}"]
    notes.append(f"{inventory}: {len(loaded.items)} distinct product row(s)")
    problems = list(loaded.problems)
    if not loaded.items:
        problems.append(f"councils[{council_id}].inventory: {inventory} has no usable rows")
    return problems


def _check_templates(override: Path | None) -> list[str]:
    return check_templates(override) + check_digest_templates(override)


def _named_anyway(path: Path) -> tuple[Path | None, Path | None, list[tuple[str, Path]]]:
    """The rules folder, templates and inventories a broken feeds.toml names, read leniently."""
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None, None, []
    root = path.resolve().parent
    settings = raw.get("settings")
    settings = settings if isinstance(settings, dict) else {}
    rules = settings.get("rules", "rules")
    templates = settings.get("templates")
    councils = raw.get("councils")
    councils = councils if isinstance(councils, list) else []
    inventories = [
        (str(c.get("id", f"#{i}")), root / c["inventory"])
        for i, c in enumerate(councils)
        if isinstance(c, dict) and isinstance(c.get("inventory"), str)
    ]
    return (
        root / rules if isinstance(rules, str) else root / "rules",
        root / templates if isinstance(templates, str) else None,
        inventories,
    )
