"""Reading inventories against the csv module's floor, and building the Matcher, in one run.

    python benchmarks/load_floor.py [--councils 100] [--repeat 3]

Writes each council's inventory as a plain CSV export (5,000 rows each, the match_scale
generator, written as benchmarks/sector_run.py writes them), then times over the same files
(each phase the best of --repeat runs, in CPU seconds):

- loader_s: `load_inventory` on every file, keeping every load (as a run keeps them);
- dictreader_floor_s: csv.DictReader plus a dict sum of devices keyed by (product, vendor,
  version, platform), per file: the least a loader that reads by header name costs;
- csvreader_floor_s: the same with csv.reader and column positions;
- peak_mb: the loader's peak traced memory over every file with every load kept (a second,
  untimed pass under tracemalloc, so the timings above are not slowed by it).

Then builds `Matcher(advisories, catalogue)` for the 20,000 match_scale advisories and matches
the loaded rows, as a run does (an Estate of every council's rows, without the catalogue):

    load_floor: files=<n> rows=<n> loader_s=<s> dictreader_floor_s=<s> csvreader_floor_s=<s> ratio=<x> peak_mb=<mb>
    matcher_build: advisories=<n> build_s=<s> match_s=<s>

A `matches:` line gives a digest of every match (council, row, advisory, status, reason) and
of the publisher clashes a run also reports, so two runs can be checked to agree. It is a
benchmark, not a test: CI does not run it.
"""

from __future__ import annotations

import argparse
import csv
import gc
import hashlib
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from match_scale import CATALOGUE, SEED, Product, council_rows, make_advisories, product_pool  # noqa: E402

from advisories.inventory import InventoryLoad, load_inventory  # noqa: E402
from advisories.matching import Estate, Matcher  # noqa: E402
from advisories.models import Match  # noqa: E402
from advisories.products import Catalogue  # noqa: E402

ADVISORIES = 20_000
T = TypeVar("T")


def write_inventories(folder: Path, councils: int, rng: random.Random, pool: list[Product]) -> tuple[list[Path], int]:
    """One CSV export per council, as sector_run writes them; returns (paths, rows)."""
    paths, rows = [], 0
    for n in range(councils):
        name = f"council-{n:03d}"
        mine = council_rows(rng, name, pool)
        rows += len(mine)
        path = folder / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(("product", "vendor", "version", "platform", "devices"))
            out.writerows((r[1], r[4], r[2], r[3], r[5]) for r in mine)
        paths.append(path)
    return paths, rows


def load_all(paths: list[Path]) -> list[InventoryLoad]:
    return [load_inventory(path, path.stem) for path in paths]


def dictreader_floor(paths: list[Path]) -> list[dict[tuple[str, str, str, str], int]]:
    sums = []
    for path in paths:
        totals: dict[tuple[str, str, str, str], int] = {}
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                key = (row["product"], row["vendor"], row["version"], row["platform"])
                totals[key] = totals.get(key, 0) + int(row["devices"])
        sums.append(totals)
    return sums


def csvreader_floor(paths: list[Path]) -> list[dict[tuple[str, str, str, str], int]]:
    sums = []
    for path in paths:
        totals: dict[tuple[str, str, str, str], int] = {}
        with path.open(newline="", encoding="utf-8") as f:
            rows = csv.reader(f)
            next(rows)
            for product, vendor, version, platform, devices in rows:
                key = (product, vendor, version, platform)
                totals[key] = totals.get(key, 0) + int(devices)
        sums.append(totals)
    return sums


def timed(work: Callable[..., T], *args: Any, repeat: int = 1) -> tuple[float, T]:
    """The CPU seconds of the best of `repeat` runs, and the last run's result. CPU time, not
    wall time: the work is single-threaded, so on an idle machine the two agree, and on a
    shared one other processes' load does not count against this run's figures."""
    best, result = float("inf"), None
    for _ in range(repeat):
        del result  # the previous run's result is freed before the next is timed
        gc.collect()
        start = time.process_time()
        result = work(*args)
        best = min(best, time.process_time() - start)
    return best, cast(T, result)


def digest(matches: list[Match]) -> str:
    h = hashlib.sha256()
    for m in matches:
        it = m.item
        h.update(
            repr(
                (
                    it.council_id,
                    it.product,
                    it.version,
                    it.platform,
                    it.line,
                    m.advisory.id,
                    m.statement.product,
                    m.status.value,
                    m.reason,
                    m.label,
                )
            ).encode()
        )
    return h.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--councils", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="time each phase this many times; the best is shown")
    args = parser.parse_args()
    rng = random.Random(SEED)
    pool = product_pool(rng)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        paths, rows = write_inventories(Path(tmp), args.councils, rng, pool)
        print(f"generated {len(paths)} inventories ({rows} rows) in {time.perf_counter() - t:.1f}s", flush=True)
        for path in paths:  # every file in the page cache before anything is timed
            path.read_bytes()
        dict_s, _ = timed(dictreader_floor, paths, repeat=args.repeat)
        reader_s, _ = timed(csvreader_floor, paths, repeat=args.repeat)
        loader_s, loads = timed(load_all, paths, repeat=args.repeat)
        del loads
        gc.collect()
        tracemalloc.start()
        loads = load_all(paths)
        peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    items = [item for load in loads for item in load.items]
    print(
        f"load_floor: files={len(paths)} rows={len(items)} loader_s={loader_s:.3f} dictreader_floor_s={dict_s:.3f} "
        f"csvreader_floor_s={reader_s:.3f} ratio={loader_s / dict_s:.2f} peak_mb={peak_mb:.0f}",
        flush=True,
    )

    advisories = make_advisories(rng, pool, ADVISORIES, 0, 0.0)
    # Each timed run from a new catalogue, Matcher and Estate: all three cache what they read.
    build_s = match_s = float("inf")
    for _ in range(args.repeat):
        catalogue = Catalogue.load(CATALOGUE)
        seconds, matcher = timed(Matcher, advisories, catalogue)
        build_s = min(build_s, seconds)
        estate = Estate(items)
        seconds, matches = timed(matcher.match_estate, estate)
        match_s = min(match_s, seconds)
    clashes_s, clashes = timed(matcher.publisher_clashes, estate)
    named = sorted((c.advisory.id, c.statement.product, len(c.items)) for c in clashes)
    print(
        f"matches: count={len(matches)} digest={digest(matches)} publisher_clashes={len(clashes)} "
        f"clashes_digest={hashlib.sha256(repr(named).encode()).hexdigest()[:16]} clashes_s={clashes_s:.3f}",
        flush=True,
    )
    print(f"matcher_build: advisories={len(advisories)} build_s={build_s:.3f} match_s={match_s:.3f}", flush=True)


if __name__ == "__main__":
    main()
