"""``steps sample``: write a seeded synthetic dataset (see :mod:`steps.sample`)."""

from __future__ import annotations

import argparse
from typing import Any


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sample",
        help="write a seeded synthetic dataset",
        description="Generate N synthetic brands (launch, growth and mature, Kuaishou and "
        "Douyin, in turn) from seed S and write them to FILE: .json as one document, "
        ".jsonl streamed record by record (fast enough for millions of streams). "
        "The same arguments always give the same data.",
    )
    parser.add_argument("--brands", type=_non_negative, default=3, metavar="N")
    parser.add_argument("--seed", type=_non_negative, default=0, metavar="S")
    parser.add_argument(
        "--streams-per-brand",
        type=_positive,
        metavar="K",
        help="streams of each brand (default: the brand's cadence over --days)",
    )
    parser.add_argument(
        "--days", type=_positive, default=61, help="length of the window (default: 61)"
    )
    parser.add_argument(
        "--no-orders",
        dest="orders",
        action="store_false",
        help="leave out the per-brand order sample",
    )
    parser.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="output file (.json, .jsonl)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from steps.cli._output import warn
    from steps.domain.errors import InvalidDataError, Problem
    from steps.io.output import check_output

    path = Path(args.output)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".jsonl", ".ndjson"):
        raise InvalidDataError(
            [Problem("", f"unknown file type {suffix or '(none)'!r}: use .json or .jsonl")],
            str(path),
        )
    check_output(path)
    started = time.perf_counter()
    if suffix == ".json":
        from steps.io.files import dump
        from steps.sample import generate

        dataset = generate(
            args.brands,
            args.seed,
            streams_per_brand=args.streams_per_brand,
            days=args.days,
            orders=args.orders,
        )
        dump(dataset, path)
        counts = {
            "stream": sum(len(b.streams) for b in dataset.brands),
            "order": sum(len(b.orders) for b in dataset.brands),
        }
    else:
        from steps.sample import write_jsonl

        counts = write_jsonl(
            path,
            args.brands,
            args.seed,
            streams_per_brand=args.streams_per_brand,
            days=args.days,
            orders=args.orders,
        )
    seconds = time.perf_counter() - started
    warn(
        f"{path}: {args.brands} brands, {counts.get('stream', 0):,} streams, "
        f"{counts.get('order', 0):,} orders (seed {args.seed}, {seconds:.1f} s)"
    )
    return 0
