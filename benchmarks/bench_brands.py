"""Brand scorers on a large JSON Lines file: one brand at a time against the whole file.

    python benchmarks/bench_brands.py                         # 100,000 streams, 10 brands
    python benchmarks/bench_brands.py --streams 200000 --brands 20
    python benchmarks/bench_brands.py --file big.jsonl        # an existing file

Each measurement is a single cold pass in a fresh process (peak RSS is the process's
``ru_maxrss``, imports included; CPU the process's time in the measured call):

- ``whole``: the baseline, ``steps.score(steps.load(file), brand scorers)``: what
  ``steps score FILE`` did for a file of at most 64 MB before the chunked engine;
- ``per-brand``: the chunked engine behind ``steps score FILE`` (``ChunkedRun(file, brand
  scorers, advice=False)``, its cards read once), which reads the brands with
  ``steps.io.brands.iter_brands`` and scores them one at a time;
- ``index``: the reader's first pass alone (each line's brand, no parsing of lines written
  by steps), the price of reading a brand only once it is complete;
- with ``--interleaved``, ``per-brand`` again on a copy of the file whose records are
  shuffled (the reader then seeks to each brand's lines all over the file).

Ratios are against the baseline measured in the same run.  The file is generated with
``steps.sample.write_jsonl`` without order details unless ``--orders``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MODES = ("whole", "per-brand", "index")


def run_mode(mode: str, path: Path) -> dict[str, Any]:
    """Run ``mode`` on ``path`` in this process; what it measured."""
    from steps.scoring import SubjectKind
    from steps.scoring.plugins import default_host

    host = default_host()
    names = [r.name for r in host.select(None) if r.subject is SubjectKind.BRAND]
    wall, cpu = time.perf_counter(), time.process_time()
    brands = cards = 0
    largest = 0
    if mode == "whole":
        from steps.io.files import load
        from steps.scoring.engine import score

        dataset = load(path)
        brands = len(dataset.brands)
        largest = max(len(b.streams) for b in dataset.brands)
        cards = len(score(dataset, names, host=host).cards)
    elif mode == "per-brand":
        from steps.scoring.streaming import ChunkedRun

        run = ChunkedRun(path, names, host=host, advice=False)
        cards = sum(len(part) for part in run.slices())
        brands = cards // max(len(names), 1)
    else:
        from steps.io.brands import _index

        with path.open("rb") as stream:
            order, runs = _index(stream, str(path))
        brands = len(order)
        largest = max(len(r) // 3 for r in runs.values())  # runs, not streams, here
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "mode": mode,
        "brands": brands,
        "cards": cards,
        "largest": largest,
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "rss": usage.ru_maxrss * 1024,
    }


def measure(mode: str, path: Path, scratch: Path) -> dict[str, Any]:
    """``mode`` in a fresh interpreter (a cold pass, its own peak)."""
    done = subprocess.run(  # noqa: S603  # this script, with our own arguments
        [sys.executable, __file__, "--child", mode, "--file", str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=scratch,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _shuffle(source: Path, target: Path, seed: int) -> None:
    """``source`` with its records (not its header) in a random order."""
    with source.open("rb") as stream:
        header, *records = stream.readlines()
    random.Random(seed).shuffle(records)
    with target.open("wb") as out:
        out.write(header)
        out.writelines(records)


def _mb(size: float) -> str:
    return f"{size / 1024**2:,.0f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--file", type=Path, help="an existing steps JSON Lines file")
    parser.add_argument("--streams", type=int, default=100_000)
    parser.add_argument("--brands", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--orders", action="store_true", help="generate order details too")
    parser.add_argument("--keep", type=Path, help="write the generated file here and keep it")
    parser.add_argument(
        "--interleaved", action="store_true", help="also score a copy with shuffled records"
    )
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        if args.child:
            result = run_mode(args.child, args.file)
            print(json.dumps(result))
            return 0
        path = args.file
        if path is None:
            from steps.sample import write_jsonl

            path = args.keep or Path(scratch) / "brands.jsonl"
            started = time.perf_counter()
            per_brand = -(-args.streams // args.brands)
            write_jsonl(
                path,
                brands=args.brands,
                seed=args.seed,
                streams_per_brand=per_brand,
                orders=args.orders,
            )
            print(f"generated {path.name} in {time.perf_counter() - started:.1f}s")
        size = path.stat().st_size
        results = {mode: measure(mode, path, Path(scratch)) for mode in MODES}
        if args.interleaved:
            shuffled = Path(scratch) / "interleaved.jsonl"
            _shuffle(path, shuffled, args.seed)
            results["interleaved"] = measure("per-brand", shuffled, Path(scratch))
        whole = results["whole"]
        print(
            f"file: {_mb(size)}, {whole['brands']} brands, largest "
            f"{whole['largest']:,} streams; brand scorers' cards: {whole['cards']}"
        )
        for mode, got in results.items():
            print(
                f"{mode:>11}: peak RSS {_mb(got['rss']):>9} ({got['rss'] / whole['rss']:.2f}x), "
                f"CPU {got['cpu']:6.1f}s ({got['cpu'] / whole['cpu']:.2f}x), "
                f"wall {got['wall']:6.1f}s"
            )
        for name in ("per-brand", "interleaved"):
            if name in results and results[name]["cards"] != whole["cards"]:
                print(f"{name} and whole runs gave different card counts", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
