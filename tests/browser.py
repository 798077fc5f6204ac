"""Headless Chromium for tests: screenshot an HTML file, and measure its layout at a width.

`chromium_or_skip()` fails the test with a clear message under CI (CI=true), where chromium
must be installed, and skips it on a developer machine without it. The PNG is decoded with
the standard library (zlib), so the check needs no imaging package.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL = "apt-get update && apt-get install -y chromium"
TIMEOUT_S = 60
# Flags that keep a headless run quiet, offline and reproducible (no sync, no updates, no QUIC).
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--force-device-scale-factor=1",
)
# Injected into a copy of the page only: the email itself carries no script. It records the
# document's scroll width and any element whose right edge passes the viewport.
_PROBE = """<script>
(function () {
  var width = window.innerWidth, wide = [];
  document.querySelectorAll("body *").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 0.5) {
      wide.push(el.tagName + ": " + (el.textContent || "").trim().slice(0, 60));
    }
  });
  var out = {scrollWidth: document.documentElement.scrollWidth, innerWidth: width,
             contentHeight: Math.ceil(document.body.getBoundingClientRect().bottom),
             overflowing: wide.slice(0, 5), textLength: document.body.innerText.length};
  document.body.setAttribute("data-probe", JSON.stringify(out));
})();
</script>"""
_PROBE_RE = re.compile(r'data-probe="([^"]*)"')


@dataclass(frozen=True)
class Layout:
    scroll_width: int
    inner_width: int
    content_height: int
    overflowing: list[str]
    text_length: int


def find_chromium() -> str | None:
    return next(filter(None, map(shutil.which, NAMES)), None)


def chromium_or_skip() -> str:
    found = find_chromium()
    if found:
        return found
    unavailable(f"chromium is not installed (tried {', '.join(NAMES)}); install it: {INSTALL}")


def unavailable(message: str) -> NoReturn:
    """A tool a test needs is missing: a failure on CI, which installs it (.ci/run), and a skip
    on a developer's machine, naming what to install."""
    if os.environ.get("CI"):
        pytest.fail(f"CI: {message}", pytrace=False)
    pytest.skip(message)


def _run(chromium: str, width: int, height: int, *args: str) -> str:
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        result = subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
             *args],
            capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
        )
    if result.returncode != 0:
        raise AssertionError(f"chromium failed ({result.returncode}): {result.stderr[-2000:]}")
    return result.stdout


def screenshot(chromium: str, html: Path, png: Path, *, width: int = 600,
               height: int = 2000) -> None:
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    _run(chromium, width, height, f"--screenshot={png}", html.resolve().as_uri())
    assert png.is_file(), f"chromium wrote no screenshot to {png}"


def measure(chromium: str, html: str, folder: Path, *, width: int = 600) -> Layout:
    page = folder / "probe.html"
    page.write_text(html.replace("</body>", _PROBE + "</body>", 1), encoding="utf-8")
    dom = _run(chromium, width, 2000, "--dump-dom", page.resolve().as_uri())
    match = _PROBE_RE.search(dom)
    assert match, "the layout probe did not run (no data-probe attribute in the DOM)"
    data = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    return Layout(data["scrollWidth"], data["innerWidth"], data["contentHeight"],
                  data["overflowing"], data["textLength"])


def png_size(png: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", png.read_bytes()[16:24])
    return width, height


def ink_pixels(png: Path, *, threshold: int = 230) -> int:
    """How many pixels are darker than near-white: zero means a blank screenshot."""
    rows, width, channels = _decode(png.read_bytes())
    count = 0
    for row in rows:
        # Sum the colour channels per pixel; alpha (if any) is ignored.
        for x in range(0, width * channels, channels):
            if row[x] < threshold or row[x + 1] < threshold or row[x + 2] < threshold:
                count += 1
    return count


def _decode(data: bytes) -> tuple[list[bytes], int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    pos, idat, header = 8, bytearray(), b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), f"unsupported PNG (depth {depth}, colour {colour})"
    channels = 3 if colour == 2 else 4
    return _unfilter(zlib.decompress(bytes(idat)), width, height, channels), width, channels


def _unfilter(raw: bytes, width: int, height: int, bpp: int) -> list[bytes]:
    stride = width * bpp
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = previous[i], previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return rows
