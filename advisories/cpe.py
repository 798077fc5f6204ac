"""The one CPE reader: CPE 2.3 formatted strings and CPE 2.2 URIs -> eleven fields.

NISTIR 7695 (CPE Naming 2.3) binds a name two ways: the formatted string
`cpe:2.3:a:microsoft:edge:116.0:*:*:*:*:*:*:*`, where a backslash quotes the next character
("15.2\\(4\\)m7", "foo\\:bar"), and the older URI `cpe:/o:redhat:enterprise_linux:9`, where
fields may be cut short, special characters are percent-encoded and the edition field may
pack four 2.3 fields (`~edition~sw_edition~target_sw~target_hw~other`). Both become the same
`Cpe`: eleven fields in formatted-string spelling, lower case, "*" where nothing was said.
NVD, CSAF product helpers, rule files and the catalogue all read CPEs through here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple
from urllib.parse import unquote

FORMATTED_PREFIX = "cpe:2.3:"
URI_PREFIX = "cpe:/"
# Characters a formatted-string value quotes with a backslash (NISTIR 7695, 5.3.2).
_QUOTED = set("!\"#$%&'()+,/:;<=>@[]^`{|}~\\*?")


class Cpe(NamedTuple):
    """Eleven fields, part to other. A tuple, so the catalogue slices and indexes it."""

    part: str
    vendor: str
    product: str
    version: str
    update: str
    edition: str
    language: str
    sw_edition: str
    target_sw: str
    target_hw: str
    other: str

    def formatted(self) -> str:
        return FORMATTED_PREFIX + ":".join(self)


FIELDS = len(Cpe._fields)


def formatted_fields(text: str) -> list[str]:
    """A CPE 2.3 formatted string split on its unescaped colons, "cpe" and "2.3" included and
    quoting kept ("\\:" stays inside its field); [] for anything else."""
    fields, current, escaped = [], [], False
    for ch in text:
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


def cpe_value(field: str) -> str | None:
    """A formatted-string value with its quoting removed, or None for a pattern.

    A backslash quotes the next character ("15.2\\(4\\)m7" is 15.2(4)m7), and an unquoted
    "*" or "?" inside a value is a wildcard (NISTIR 7695, 6.2). The logical values "*" (ANY)
    and "-" (NA) are the caller's to read.
    """
    out: list[str] = []
    escaped = False
    for ch in field:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "*?":
            return None
        else:
            out.append(ch)
    return "".join(out)


def _quote(value: str) -> str:
    """A URI value decoded into formatted-string spelling: "%21" -> "\\!", "~" stays quoted."""
    decoded = unquote(value)
    return "".join(f"\\{ch}" if ch in _QUOTED else ch for ch in decoded)


def _uri_fields(text: str) -> list[str]:
    """A CPE 2.2 URI's seven fields as eleven: a packed edition ("~~~windows~~") unpacked."""
    fields = text[len(URI_PREFIX) :].split(":")
    if len(fields) > 7:
        return []
    fields += [""] * (7 - len(fields))
    edition = fields[5]
    if edition.startswith("~") and edition.count("~") == 5:
        packed = edition.split("~")[1:]  # edition, sw_edition, target_sw, target_hw, other
        fields = [*fields[:5], packed[0], fields[6], *packed[1:]]
    else:
        fields += [""] * 4
    # In a URI an empty field is ANY and "-" is NA, as in the formatted string's "*" and "-".
    return [_quote(f) if f not in ("", "-") else (f or "*") for f in fields]


@lru_cache(maxsize=1 << 14)
def parse_cpe(text: str) -> Cpe | None:
    """A CPE 2.3 formatted string or 2.2 URI -> its eleven fields, lower case; None when it is
    neither, has too many fields, or names no vendor and product (nothing to identify)."""
    low = text.strip().casefold()
    if low.startswith(FORMATTED_PREFIX):
        fields = formatted_fields(low)[2:]
    elif low.startswith(URI_PREFIX):
        fields = _uri_fields(low)
    else:
        return None
    if not 3 <= len(fields) <= FIELDS:
        return None
    fields = [f or "*" for f in fields] + ["*"] * (FIELDS - len(fields))
    if fields[1] == "*" or fields[2] == "*":
        return None
    return Cpe(*fields)
