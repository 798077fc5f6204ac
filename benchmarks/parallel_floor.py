"""What a second process can win on this machine: the floor under `run --once`'s worker processes.

    python benchmarks/parallel_floor.py [--mb 400]

Times two kinds of work alone and then in two processes at once: interpreter work on data that
is already in memory (a dict look-up loop), and touching memory the process has never used
(what loading inventories and building an estate does, a page at a time). On a machine whose
cores are really two, the first takes as long in two processes as in one; the second shows
whether first-touch page faults are served in parallel too.

The last line is exactly:
    parallel_floor: cpu_one_s=<s> cpu_two_s=<s> fresh_one_s=<s> fresh_two_s=<s>
(`*_two_s`: the slower of the two processes running at once.)
"""

from __future__ import annotations

import argparse
import multiprocessing
import time


def lookups(_: int) -> float:
    table = {str(n): n for n in range(200_000)}
    keys = list(table) * 10
    started = time.perf_counter()
    total = 0
    for key in keys:
        total += table[key]
    return time.perf_counter() - started


def fresh_pages(mb: int) -> float:
    started = time.perf_counter()
    block = bytearray(mb * 1024 * 1024)
    for at in range(0, len(block), 4096):
        block[at] = 1
    return time.perf_counter() - started


def alone_and_paired(work: object, arg: int) -> tuple[float, float]:
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        one = pool.apply(work, (arg,))  # type: ignore[arg-type]
    with context.Pool(2) as pool:
        two = max(pool.map(work, (arg, arg)))  # type: ignore[arg-type]
    return one, two


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=400, help="fresh memory each process touches")
    args = parser.parse_args()
    cpu_one, cpu_two = alone_and_paired(lookups, 0)
    fresh_one, fresh_two = alone_and_paired(fresh_pages, args.mb)
    print(f"interpreter work: one process {cpu_one:.2f}s, two at once {cpu_two:.2f}s each (slower one)")
    print(f"first touch of {args.mb} MB: one process {fresh_one:.2f}s, two at once {fresh_two:.2f}s each")
    print(f"parallel_floor: cpu_one_s={cpu_one:.2f} cpu_two_s={cpu_two:.2f} "
          f"fresh_one_s={fresh_one:.2f} fresh_two_s={fresh_two:.2f}")


if __name__ == "__main__":
    main()
