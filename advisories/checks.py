"""`advisories check`: every problem in the configuration, rules, inventories and templates at once."""

from __future__ import annotations

import os
from pathlib import Path

from advisories.config import load_config
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
        return exc.message.splitlines()[1:] or [str(exc)], []
    problems: list[str] = []
    notes = [f"{path}: {len(config.feeds)} feed(s), {len(config.councils)} council(s)"]
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
    rules = load_rules(config.rules)
    problems.extend(rules.problems)
    notes.append(f"{config.rules}: {len(rules.advisories)} rule(s)")
    try:
        catalogue = Catalogue.load(config.rules / CATALOGUE_FILE)
        notes.append(f"product catalogue: {len(catalogue.products)} product(s)")
    except AdvisoriesError as exc:
        problems.append(str(exc))
    for council in config.councils:
        try:
            loaded = load_inventory(council.inventory, council.id)
        except (AdvisoriesError, OSError) as exc:
            problems.append(f"councils[{council.id}].inventory: {exc}")
            continue
        problems.extend(loaded.problems)
        notes.append(f"{council.inventory}: {len(loaded.items)} distinct product row(s)")
    problems.extend(check_templates(config.templates))
    problems.extend(check_digest_templates(config.templates))
    return problems, notes
