"""Benchmark SmtpTransport: pooled, reused connections against one connection per message.

    python benchmarks/deliver.py [--messages 1000] [--latency-ms 0] [--plain]

The messages are queued in a fresh SQLite outbox and delivered by the outbox stage, exactly
as a run does. A local aiosmtpd server runs in a child process (so it does not share the GIL with the
client) and accepts everything. 1,000 alert emails rendered by the shipped templates (text + HTML) are sent
twice: with the default pool (4 connections, 50 messages each), then the baseline, one
connection per message, one at a time (SmtpTransport with max_connections=1,
messages_per_connection=1, so both runs pay the same MIME building).

Both runs use STARTTLS with a throw-away certificate, as the shipped configuration does
(`--plain` turns it off). On loopback a round trip costs microseconds, which flatters the baseline: a real relay is
milliseconds away and, unlike aiosmtplib, needs a round trip per SMTP command. `--latency-ms`
makes the server wait that long before every reply (greeting included) to model it. The
default run uses no added latency. The last line printed is the result:

    deliver: messages=1000 seconds=<s> per_s=<n> baseline_per_s=<n>
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from advisories.alerts import build_alert
from advisories.delivery.mime import to_bytes
from advisories.delivery.outbox import deliver_queued
from advisories.delivery.smtp import SmtpSettings, SmtpTransport
from advisories.models import Advisory, AffectedProduct, InventoryItem, Match, Message, Status
from advisories.render import environment, render_alert
from advisories.report import RunSummary
from advisories.store import Store

SENDER = "Council Alerts <alerts@advisories.bench>"
PRODUCTS = [
    ("Fortinet", "FortiOS", "7.2.4", "7.2.8"),
    ("Ivanti", "Connect Secure", "22.3R1", "22.7R2.3"),
    ("Microsoft", "Exchange Server 2019", "CU12", "CU14 SU3"),
    ("Citrix", "NetScaler ADC", "13.1-48.47", "13.1-51.15"),
    ("Google", "Chrome", "121.0.6167.85", "122.0.6261.57"),
]


def build_messages(count: int) -> list[Message]:
    """`count` alerts rendered by the real templates, as a run queues them: each for one
    council, about one advisory in three with a second, 3-25 affected devices per row."""
    env = environment(None)
    return [_alert(env, n) for n in range(count)]


def _alert(env: jinja2.Environment, n: int) -> Message:
    council = f"council-{n:04d}"
    matches = []
    for k in range(1 + (n % 3 == 0)):
        vendor, product, version, fixed = PRODUCTS[(n + k) % len(PRODUCTS)]
        cve = f"CVE-2024-{20000 + n * 2 + k}"
        statement = AffectedProduct(vendor, product, "windows", versions=(version,), fixed_in=fixed)
        advisory = Advisory(
            id=f"rule-{cve}", source="rules", title=f"{vendor} {product}: {cve} exploited in the wild",
            summary=f"{vendor} {product} {version} is affected by {cve} (CVSS 9.8), exploited in the "
                    "wild according to CISA's KEV catalogue. " * 3,
            severity="critical", exploited=True, cves=(cve,), kind="rule",
            links=(f"https://nvd.nist.gov/vuln/detail/{cve}", "https://www.ncsc.gov.uk/"),
            action=f"Upgrade {product} to {fixed} or later; if you cannot today, apply the vendor's "
                   "mitigation and restrict access to the management interface.",
            affects=(statement,),
        )
        devices = 3 + (n * 7 + k) % 23
        hosts = tuple(f"{council}-pc-{h:03d}" for h in range(devices))
        item = InventoryItem(council, product, version, "windows", vendor, devices=devices, hosts=hosts)
        matches.append(Match(advisory, item, statement, Status.AFFECTED,
                             f"{version} is one of the listed affected builds ({version})"))
    alert = build_alert(council, f"Council {n:04d}", (f"security@{council}.gov.uk",), matches, {})
    assert alert is not None
    return render_alert(env, alert, sender=SENDER, context={"run_time": "22 November 2026 09:00 GMT"})


# --- the server, run as `deliver.py --serve` in a child process -----------------------------


def serve(latency_s: float, cert: str | None) -> None:
    """Accept everything on 127.0.0.1:<free port>; print the port; stop when stdin closes."""
    import ssl

    from aiosmtpd.smtp import SMTP

    tls: dict[str, Any] = {}
    if cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, str(Path(cert).with_name("key.pem")))
        tls = {"tls_context": context, "require_starttls": True}

    class Sink:
        received = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            Sink.received += 1
            return "250 2.0.0 OK"

    class SlowSMTP(SMTP):
        async def push(self, status: Any) -> None:
            await asyncio.sleep(latency_s)  # one network round trip per reply
            await super().push(status)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        smtp_class = SlowSMTP if latency_s else SMTP
        server = await loop.create_server(
            lambda: smtp_class(Sink(), hostname="bench.test", **tls), "127.0.0.1", 0
        )
        print(server.sockets[0].getsockname()[1], flush=True)
        await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
        server.close()
        print(Sink.received, flush=True)

    asyncio.run(main())


def _start_server(latency_ms: float, cert: Path | None) -> tuple[subprocess.Popen[str], int]:
    tls = ["--cert", str(cert)] if cert else []
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--latency-ms", str(latency_ms), *tls],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    return child, int(child.stdout.readline())


def _stop_server(child: subprocess.Popen[str]) -> int:
    received, _ = child.communicate(timeout=30)
    return int(received.strip() or 0)


# --- the measurements -----------------------------------------------------------------------


def make_certificate(folder: Path) -> Path:
    """A throw-away self-signed certificate for 127.0.0.1 (cert.pem beside key.pem)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return cert


def measure(port: int, messages: list[Message], cert: Path | None, **pool: int) -> float:
    """Queue the messages in a fresh outbox (SQLite), then time delivering the queue: the
    same path as a run, recording each message as sent as soon as the server accepts it."""
    import ssl

    settings = SmtpSettings(
        host="127.0.0.1", port=port, security="starttls" if cert else "none", sender=SENDER,
        local_hostname="bench-client.test",
        tls_context=ssl.create_default_context(cafile=str(cert)) if cert else None, **pool,
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as folder, Store.open(Path(folder) / "state.sqlite3") as store:
        at = datetime.now(UTC)
        for message in messages:  # built when queued, as a run does: not part of delivery
            store.queue(replace(message, raw=to_bytes(message, SENDER)), [], at=at)
        tally = RunSummary()
        started = time.perf_counter()
        deliver_queued(store, SmtpTransport(settings), tally)
        elapsed = time.perf_counter() - started
        left = store.outbox_counts()
    if tally.emails_sent != len(messages) or left.get("queued") or left.get("failed"):
        raise SystemExit(f"not all sent: {tally.emails_retrying[:1] + tally.emails_failed[:1]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="server delay per reply")
    parser.add_argument("--max-connections", type=int, default=4)
    parser.add_argument("--messages-per-connection", type=int, default=50)
    parser.add_argument("--plain", action="store_true",
                        help="no STARTTLS (the default, like the shipped config, uses it)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cert", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.latency_ms / 1000, args.cert)
        return
    with tempfile.TemporaryDirectory() as folder:
        run(args, None if args.plain else make_certificate(Path(folder)))


def run(args: argparse.Namespace, cert: Path | None) -> None:
    messages = build_messages(args.messages)
    sample = messages[:20]
    size = sum(len(to_bytes(m, SENDER)) for m in sample) / len(sample)
    print(f"{len(messages)} messages, about {size / 1024:.1f} KB each on the wire", flush=True)
    child, port = _start_server(args.latency_ms, cert)
    try:
        pooled = measure(
            port, messages, cert,
            max_connections=args.max_connections,
            messages_per_connection=args.messages_per_connection,
        )  # fmt: skip
        print(f"pooled:   {pooled:.2f} s ({len(messages) / pooled:.0f}/s)", flush=True)
        baseline = measure(port, messages, cert, max_connections=1, messages_per_connection=1)
        print(f"baseline: {baseline:.2f} s ({len(messages) / baseline:.0f}/s)", flush=True)
    finally:
        received = _stop_server(child)
    print(f"server received {received} messages (expected {2 * len(messages)})")
    print(f"(STARTTLS: {'no' if cert is None else 'yes'}; server latency {args.latency_ms:g} ms per reply)")
    print(
        f"deliver: messages={len(messages)} seconds={pooled:.2f} "
        f"per_s={len(messages) / pooled:.0f} baseline_per_s={len(messages) / baseline:.0f}"
    )


if __name__ == "__main__":
    main()
