"""A whole `advisories run --once` at sector scale, as an operator would run it from cron.

    python benchmarks/sector_run.py [--councils 400] [--at 10,50,100]

Writes each council's inventory as a CSV export (5,000 rows each, the match_scale generator),
stores the 20,000 match_scale advisories in the SQLite state as earlier runs would have, then
times the real command in a child process: reading every inventory, matching, rendering one
alert per affected council and writing them to the outbox as .eml files. A second run shows
the every-hour case (nothing new, nothing sent); a third, one council's inventory exported
again with one more row. Each run's per-phase seconds (the summary's `time` line) are printed
beside it, and the floor, in the same run: `csv.DictReader` plus a dict sum of the devices over
the same files. The last line printed is the result:

    sector_run: councils=<n> rows=<n> advisories=<n> first_s=<s> emails=<n> repeat_s=<s>
                changed_s=<s> peak_rss_mb=<mb> csv_floor_s=<s>   (one line)

`--at 10,50,100` first runs the first run alone at those percentages of the councils, so that
the growth from 10 % to 100 % shows (`scale: councils=<n> first_s=<s> per_council_ms=<ms>`).
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from match_scale import SEED, council_rows, make_advisories, product_pool  # noqa: E402

from advisories.store import Store  # noqa: E402


def write_estate(folder: Path, councils: int) -> tuple[str, int, int]:
    """The config, the inventories and the stored advisories; returns (config, rows, advisories)."""
    rng = random.Random(SEED)
    pool = product_pool(rng)
    names = [f"council-{n:03d}" for n in range(councils)]
    rows = 0
    toml = ['[settings]\nrules = "rules"\ntimezone = "Europe/London"\n']
    (folder / "rules").mkdir()
    (folder / "inventories").mkdir()
    for name in names:
        mine = council_rows(rng, name, pool)
        rows += len(mine)
        with (folder / "inventories" / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(("product", "vendor", "version", "platform", "devices"))
            out.writerows((r[1], r[4], r[2], r[3], r[5]) for r in mine)
        toml.append(f'[[councils]]\nid = "{name}"\nname = "{name.title()}"\n'
                    f'recipients = ["it@{name}.example.gov.uk"]\ninventory = "inventories/{name}.csv"\n')
    (folder / "feeds.toml").write_text("\n".join(toml), encoding="utf-8")
    advisories = make_advisories(rng, pool, 20_000, 0, 0.0)
    at = datetime.now(UTC)
    with Store.open(folder / "data" / "state.sqlite3") as store:
        for advisory in advisories:
            store.upsert_advisory(advisory, at=at)
    return str(folder / "feeds.toml"), rows, len(advisories)


def csv_floor(folder: Path) -> float:
    """Seconds for csv.DictReader and a dict sum of devices per row over every inventory."""
    started = time.perf_counter()
    for path in sorted((folder / "inventories").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            devices: dict[tuple[str, str, str, str], int] = {}
            for row in csv.DictReader(f):
                key = (row["product"], row["vendor"], row["version"], row["platform"])
                devices[key] = devices.get(key, 0) + int(row["devices"] or 1)
    return time.perf_counter() - started


def timed_run(config: str) -> tuple[float, str, float]:
    """(seconds, summary, peak RSS in MB) of one `advisories run --once` in a child process: the
    run's own process plus its largest worker's times the workers (they read the councils at
    sector scale; a worker's RSS counts the pages it shares with the run, so this overstates)."""
    script = ("import resource, sys; from advisories.cli import main; code = main(sys.argv[1:]); "
              "print(f'peak_rss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}'); "
              "print(f'worker_rss_kb={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}'); sys.exit(code)")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script, "run", "--once", "--config", config],
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(done.stdout + done.stderr)
    own, worker = (int(n) for n in re.findall(r"(?:peak|worker)_rss_kb=(\d+)", done.stdout))
    workers = re.search(r"read in (\d+) processes", done.stdout)
    return seconds, done.stdout, (own + (int(workers.group(1)) * worker if workers else 0)) / 1024


def phases(summary: str) -> str:
    """The summary's `time` line (seconds per phase), or a note that the run was too quick for one."""
    found = re.search(r"^  time\s+(.*)$", summary, re.MULTILINE)
    return found.group(1) if found else "(under 1 s in all)"


def scale(percentages: list[int], councils: int) -> None:
    for pct in percentages:
        n = max(1, councils * pct // 100)
        with tempfile.TemporaryDirectory() as tmp:
            config, _, _ = write_estate(Path(tmp), n)
            seconds, summary, rss = timed_run(config)
        print(f"scale: councils={n} first_s={seconds:.1f} per_council_ms={1000 * seconds / n:.0f} "
              f"peak_rss_mb={rss:.0f} phases: {phases(summary)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--councils", type=int, default=400)
    parser.add_argument("--at", help="percentages of --councils to time a first run at, as 10,50,100")
    args = parser.parse_args()
    if args.at:
        scale([int(p) for p in args.at.split(",")], args.councils)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        config, rows, advisories = write_estate(folder, args.councils)
        print(f"generated {args.councils} inventories ({rows} rows) and {advisories} stored advisories "
              f"in {time.perf_counter() - t:.1f}s", flush=True)
        floor = csv_floor(folder)
        first_s, summary, rss = timed_run(config)
        print(summary.strip(), flush=True)
        print(f"phases first: {phases(summary)}", flush=True)
        emails = len(list((folder / "data" / "outbox").glob("*.eml")))
        repeat_s, again, _ = timed_run(config)
        assert "queued 0" in again, again
        print(f"phases repeat: {phases(again)}", flush=True)
        # One council exports its inventory again, one machine more: only it is read again.
        with (folder / "inventories" / "council-000.csv").open("a", newline="", encoding="utf-8") as f:
            csv.writer(f).writerow(("Benchmark Tool", "Benchmark Ltd", "1.0.0", "windows", "1"))
        changed_s, changed, _ = timed_run(config)
        assert f"({args.councils - 1} unchanged" in changed, changed
        print(f"phases changed: {phases(changed)}", flush=True)
        print(f"sector_run: councils={args.councils} rows={rows} advisories={advisories} "
              f"first_s={first_s:.1f} emails={emails} repeat_s={repeat_s:.1f} changed_s={changed_s:.1f} "
              f"peak_rss_mb={rss:.0f} csv_floor_s={floor:.1f}")


if __name__ == "__main__":
    main()
