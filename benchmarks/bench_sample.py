"""Benchmark: synthetic streams to JSON Lines with steps.sample.write_jsonl.

    python benchmarks/bench_sample.py                   # 1,000,000 streams, no orders
    python benchmarks/bench_sample.py --streams 100000
    python benchmarks/bench_sample.py --orders --streams 30000 --streams-per-brand 1000

As a same-run baseline it times writing the same number of minimal, fixed JSON lines with
``json.dumps`` in a plain loop, so the ratio says what the generator costs on this machine
relative to the least a Python JSON Lines writer does per line.  Each full stream record
carries ~40 fields, 3-6 explained products and usually a 4-6 segment run-of-show (~2 KB).

Without ``--orders`` the order details are left out (``orders=False``): a default brand
sells tens to hundreds of orders a stream, every one of them a record.  With ``--orders``
the baseline writes as many minimal lines as there are records, and the orders per second
are reported too.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time
from pathlib import Path

from steps.sample import write_jsonl


def baseline(path: Path, lines: int) -> None:
    record = {"record": "stream", "brand_id": "b00", "stream_id": "b00-s000001", "uv": 1000}
    with path.open("w", encoding="utf-8") as stream:
        for _ in range(lines):
            stream.write(json.dumps(record) + "\n")


def timed(function, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1_000_000)
    parser.add_argument("--streams-per-brand", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dir", help="where to write (default: a temporary directory)")
    parser.add_argument(
        "--orders", action="store_true", help="write every order too (default: no orders)"
    )
    args = parser.parse_args()
    brands = math.ceil(args.streams / args.streams_per_brand)
    per_brand = math.ceil(args.streams / brands)

    with tempfile.TemporaryDirectory(dir=args.dir) as directory:
        target = Path(directory) / "streams.jsonl"
        counts, wall, cpu = timed(
            write_jsonl,
            target,
            brands,
            args.seed,
            streams_per_brand=per_brand,
            orders=args.orders,
        )
        size = os.path.getsize(target)
        target.unlink()
        streams = counts["stream"]
        orders = counts.get("order", 0)
        records = sum(counts.values())
        lines = records if args.orders else streams
        plain = Path(directory) / "baseline.jsonl"
        _, base_wall, base_cpu = timed(baseline, plain, lines)

    print(
        f"write_jsonl: {brands} brands x {per_brand:,} streams, seed {args.seed}, "
        f"{'every order' if args.orders else 'no orders'}"
    )
    print(
        f"  {streams:,} streams ({records:,} records, {size / 1e9:.2f} GB) in {wall:.1f} s "
        f"(cpu {cpu:.1f} s): {streams / wall:,.0f} streams/s"
    )
    if args.orders:
        print(f"  {orders:,} orders: {orders / cpu:,.0f} orders per cpu second")
    print(
        f"baseline: {lines:,} minimal json.dumps lines in {base_wall:.1f} s "
        f"(cpu {base_cpu:.1f} s): {lines / base_wall:,.0f} lines/s"
    )
    print(f"ratio: {wall / base_wall:.1f}x the baseline's time (cpu {cpu / base_cpu:.1f}x)")


if __name__ == "__main__":
    main()
