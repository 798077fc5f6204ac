"""The catalogue file, rules/products.toml: its [[product]] tables read and checked.

Each table becomes a `Product`, the catalogue's record of one canonical product (key
"cat:<id>"). Every error is reported at once, each with its TOML path ("product[3]
(citrix-workspace).cpe: ... is not a CPE 2.3 name"), as `config.py` does for feeds.toml.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisories.cpe import parse_cpe
from advisories.errors import ConfigError
from advisories.identity.packages import purl_base
from advisories.versions import SCHEMES

CATALOGUE_PREFIX = "cat:"


@dataclass(frozen=True, slots=True)
class Product:
    """One canonical product of the catalogue."""

    id: str
    vendor: str
    name: str
    aliases: tuple[str, ...] = ()
    vendor_aliases: tuple[str, ...] = ()
    cpe: tuple[str, ...] = ()
    purl: tuple[str, ...] = ()
    note: str = ""
    # The version scheme of the product's own numbering, for statements that name none.
    scheme: str | None = None

    @property
    def key(self) -> str:
        return CATALOGUE_PREFIX + self.id

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


_FIELDS: dict[str, type] = {
    "id": str,
    "vendor": str,
    "name": str,
    "aliases": list,
    "vendor_aliases": list,
    "cpe": list,
    "purl": list,
    "note": str,
    "scheme": str,
}
_REQUIRED = ("id", "vendor", "name")


def read_catalogue(path: Path) -> list[Product]:
    """Parse and check every [[product]] table; all errors at once, each with its TOML path."""
    hint = "see the comment at the top of rules/products.toml for the keys a product takes"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the product catalogue ({exc.strerror})", hint) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", hint) from None
    errors = [f"unknown top-level key {k!r}" for k in data if k != "product"]
    tables = data.get("product", [])
    if not isinstance(tables, list):
        errors.append("'product' must be an array of tables ([[product]])")
        tables = []
    products = []
    for i, table in enumerate(tables):
        product, problems = _product_from_table(table, f"product[{i}]")
        errors.extend(problems)
        if product is not None:
            products.append(product)
    if errors:
        raise ConfigError(f"{path}: " + "; ".join(errors), hint)
    return products


def _field_errors(table: dict[str, Any], where: str) -> list[str]:
    errors = [f"{where}: missing key {k!r}" for k in _REQUIRED if not table.get(k)]
    for key, value in table.items():
        want = _FIELDS.get(key)
        if want is None:
            close = difflib.get_close_matches(key, list(_FIELDS), n=1)
            maybe = f" (did you mean {close[0]!r}?)" if close else ""
            errors.append(f"{where}: unknown key {key!r}{maybe}")
        elif want is str and not isinstance(value, str):
            errors.append(f"{where}.{key}: must be a string")
        elif want is list and not (isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)):
            errors.append(f"{where}.{key}: must be a list of non-empty strings")
    return errors


def _product_from_table(table: Any, where: str) -> tuple[Product | None, list[str]]:
    if not isinstance(table, dict):
        return None, [f"{where} must be a table"]
    if isinstance(table.get("id"), str):
        where = f"{where} ({table['id']})"
    errors = _field_errors(table, where)
    if errors:
        return None, errors
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", table["id"]):
        errors.append(f"{where}.id: use lower-case letters, digits and '-'")
    for cpe in table.get("cpe", []):
        if not cpe.startswith("cpe:2.3:") or parse_cpe(cpe) is None:
            errors.append(f"{where}.cpe: {cpe!r} is not a CPE 2.3 name")
    for purl in table.get("purl", []):
        if purl_base(purl) is None:
            errors.append(f"{where}.purl: {purl!r} is not a purl (pkg:type/namespace/name)")
    scheme = table.get("scheme")
    if scheme is not None and scheme not in SCHEMES:
        close = difflib.get_close_matches(scheme, sorted(SCHEMES), n=1)
        maybe = f" (did you mean {close[0]!r}?)" if close else ""
        errors.append(f"{where}.scheme: unknown version scheme {scheme!r}{maybe}")
    if errors:
        return None, errors
    lists = {k: tuple(table.get(k, ())) for k in ("aliases", "vendor_aliases", "cpe", "purl")}
    note = table.get("note", "")
    return Product(table["id"], table["vendor"], table["name"], **lists, note=note, scheme=scheme), []
