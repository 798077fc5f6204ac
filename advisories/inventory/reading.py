"""Getting text out of an inventory file: size cap, binary formats refused, encodings guessed."""

from __future__ import annotations

import codecs
from pathlib import Path

from advisories.errors import InventoryError
from advisories.inventory._common import Problems

MAX_BYTES = 200 * 1024 * 1024  # far above a real export (2 million rows is ~150 MB)

# Files people save by mistake instead of a CSV export, by their first bytes.
_BINARY = (
    (b"PK\x03\x04", "an Excel workbook or ZIP file", "save it as CSV (or unzip the Intune export)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook", "save it as CSV"),
    (b"%PDF", "a PDF", "export the report as CSV"),
)


def read_bytes(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The whole file, or InventoryError if it is missing, too big, empty or binary."""
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InventoryError(f"{path}: inventory file not found", "check the inventory path in feeds.toml") from None
    except OSError as exc:
        raise InventoryError(f"{path}: cannot read ({exc.strerror})", "check the file") from None
    if len(data) > max_bytes:
        raise InventoryError(
            f"{path}: larger than {max_bytes // (1024 * 1024)} MB",
            "split the export (one file per site or platform) or check it is the right file",
        )
    if not data.strip():
        raise InventoryError(f"{path}: the file is empty", "export the inventory again")
    for magic, what, todo in _BINARY:
        if data.startswith(magic):
            raise InventoryError(f"{path}: this is {what}, not CSV or JSON", todo)
    return data


def decode(data: bytes, problems: Problems) -> str:
    """UTF-8 (with or without BOM), UTF-16 (Excel "Unicode text"), else Windows-1252.

    Windows tools still write cp1252; reading it as UTF-8 would fail on the first "é", so we
    fall back and say so, because a wrong guess garbles names.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif b"\x00" in data[:4096]:
        text = _decode_utf16_without_bom(data, problems)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            text = _decode_legacy(data, exc, problems)
    if "\x00" in text:
        problems.add("", "contains NUL characters; they were removed (is the file corrupted?)")
        text = text.replace("\x00", "")
    return text


def _decode_utf16_without_bom(data: bytes, problems: Problems) -> str:
    # ASCII text in UTF-16 has every other byte zero: which ones says the byte order.
    little = data[1:4096:2].count(0) > data[0:4096:2].count(0)
    encoding = "utf-16-le" if little else "utf-16-be"
    problems.add("", f"read as {encoding.upper()} (no byte-order mark); check the names look right")
    return data.decode(encoding, errors="replace")


def _decode_legacy(data: bytes, exc: UnicodeDecodeError, problems: Problems) -> str:
    line = data.count(b"\n", 0, exc.start) + 1
    try:
        text = data.decode("cp1252")
        used = "Windows-1252 (cp1252)"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        used = "Latin-1"
    problems.add(
        "",
        f"not UTF-8 (first bad byte on line {line}); read as {used} (check accented names, or export as UTF-8)",
    )
    return text.removeprefix("ï»¿")  # a UTF-8 BOM seen through cp1252
