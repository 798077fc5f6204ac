"""Benchmark building alert emails' wire bytes: the email package against to_bytes()'s fast path.

    python benchmarks/mime_build.py [--emails 400] [--rows 260]

Each email is sector-scale: a text and an HTML body listing `--rows` table rows (a few with
non-ASCII names, so some bodies go base64) and a CSV attachment of the same rows. The reference
is to_email(...).as_bytes() (the email package); the fast path is to_bytes(). Both get the same
seed for each email, and their bytes are checked to be identical before timing. The last line
printed is the result (per email, best of --repeat passes):

    mime_build: emails=<n> reference_ms=<ms per email> fast_ms=<ms per email>
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from advisories.delivery.mime import list_id, to_bytes, to_email
from advisories.models import Attachment, Message

SENDER = "Council Cyber Alerts <alerts@example.gov.uk>"
WHEN = datetime(2023, 3, 30, 9, 0, tzinfo=UTC)
COUNCILS = ("barsetshire", "wessex", "ynys-mon", "loamshire", "midsomer")
PRODUCTS = ("Google Chrome", "Microsoft Edge", "3CX Desktop App", "Zoom", "FortiClient VPN", "Gwasanaeth Môn")


def alert(n: int, rows: int) -> Message:
    council = COUNCILS[n % len(COUNCILS)]
    table = [(PRODUCTS[(n + r) % len(PRODUCTS)] if r % 50 == 0 else PRODUCTS[(n + r) % 5],
              f"{100 + r % 17}.0.{r}.{n}", "windows" if r % 3 else "macos", r % 40 + 1,
              f"BS-PC-{r:04d}, BS-PC-{r + 1:04d}") for r in range(rows)]
    text = "\n".join([f"Advisory {n} for {council}", "", *(
        f"  - {p} {v} on {plat}: {d} devices ({h})" for p, v, plat, d, h in table), "", "Regards"]) + "\n"
    html = "\n".join(["<html><body><table>", *(
        f'<tr><td style="padding:4px">{p}</td><td>{v}</td><td>{plat}</td><td>{d}</td><td>{h}</td></tr>'
        for p, v, plat, d, h in table), "</table></body></html>"]) + "\n"
    csv = "product,version,platform,devices,hosts\r\n" + "".join(
        f'{p},{v},{plat},{d},"{h}"\r\n' for p, v, plat, d, h in table)
    return Message(
        key=f"alert-{council}-{n}", council_id=council, to=(f"it-security@{council}.example.gov.uk",),
        subject=f"[HIGH] {council.title()} County Council: Google Chrome, Zoom and {n % 7} more"
                f" - {n % 5 + 1} advisories",
        text=text, html=html, message_id=f"<alert-{n:08x}{'0' * 24}@example.gov.uk>",
        headers=(("X-Advisories-Council", council), ("List-Id", list_id("alerts", council))),
        attachments=(Attachment(f"{council}-affected-rows.csv", "text/csv", csv),),
    )


def timed(build: Callable[[Message], bytes], messages: list[Message]) -> float:
    start = time.perf_counter()
    for n, message in enumerate(messages):
        random.seed(n)
        build(message)
    return (time.perf_counter() - start) * 1000 / len(messages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=400)
    parser.add_argument("--rows", type=int, default=260)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    messages = [alert(n, args.rows) for n in range(args.emails)]

    def reference(message: Message) -> bytes:
        return to_email(message, SENDER, date=WHEN).as_bytes()

    def fast(message: Message) -> bytes:
        return to_bytes(message, SENDER, date=WHEN)

    for n, message in enumerate(messages):
        random.seed(n)
        expected = reference(message)
        random.seed(n)
        if fast(message) != expected:
            raise SystemExit(f"mime_build: email {n} differs from the email package's bytes")
    size = sum(len(fast(m)) for m in messages[:10]) // 10
    print(f"{args.emails} emails of about {size // 1024} KB ({args.rows} rows, text + HTML + CSV): bytes identical")
    reference_ms = min(timed(reference, messages) for _ in range(args.repeat))
    fast_ms = min(timed(fast, messages) for _ in range(args.repeat))
    print(f"mime_build: emails={args.emails} reference_ms={reference_ms:.2f} fast_ms={fast_ms:.2f}")


if __name__ == "__main__":
    main()
