"""``steps sample``: write a seeded synthetic dataset (see `steps.sample`)."""

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


def _scale(text: str) -> float:
    from steps.sample import MAX_SCALE

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not 0 < value <= MAX_SCALE:
        raise argparse.ArgumentTypeError(f"must be > 0 and <= {MAX_SCALE:g}, got {text}")
    return value


def _sections(text: str) -> tuple[str, ...]:
    from steps.domain.enums import Section

    names = tuple(part.strip() for part in text.split(",") if part.strip())
    known = {s.value for s in Section}
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown section {', '.join(unknown) or '(none)'}: sections are "
            + ", ".join(s.value for s in Section)
        )
    return names


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sample",
        help="write a seeded synthetic dataset",
        description="Generate N synthetic brands (launch, growth and mature, Kuaishou and "
        "Douyin, in turn) from seed S and write them to FILE: .json as one document, "
        ".jsonl streamed record by record (fast enough for millions of streams). "
        "Every order of every stream and talent is written (--no-orders leaves them out); "
        "--shape or --sections keep part of the data, as one back-office export would "
        "hold it. The same arguments always give the same data.",
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
        "--scale",
        type=_scale,
        default=1.0,
        metavar="X",
        help="multiply every brand's audience, and so its orders and GMV "
        "(default: 1, small merchants; 20: large brands)",
    )
    parser.add_argument(
        "--no-orders",
        dest="orders",
        action="store_false",
        help="leave out the order details (every order of every stream and talent)",
    )
    from steps._shapes import SHAPES

    part = parser.add_mutually_exclusive_group()
    part.add_argument(
        "--shape",
        choices=sorted(SHAPES),
        help="keep what one back-office export holds: "
        + "; ".join(f"{name}: {shape.description}" for name, shape in sorted(SHAPES.items())),
    )
    part.add_argument(
        "--sections",
        type=_sections,
        metavar="A,B",
        help="keep only these sections (streams, plans, stream_products, orders, products, "
        "talent_collabs, fan_groups, trust_signals, short_videos, paid_campaigns, audience)",
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
    options = {
        "streams_per_brand": args.streams_per_brand,
        "days": args.days,
        "orders": args.orders,
        "scale": args.scale,
        "shape": args.shape,
        "sections": args.sections,
    }
    from steps.sample import iter_records

    try:
        iter_records(args.brands, args.seed, **options)  # checks the arguments, draws nothing
    except ValueError as error:
        raise InvalidDataError([Problem("", str(error))], str(path)) from None
    if suffix == ".json":
        from steps.io.files import dump
        from steps.sample import generate

        dataset = generate(args.brands, args.seed, **options)
        dump(dataset, path)
        counts = {
            "stream": sum(len(b.streams) for b in dataset.brands),
            "order": sum(len(b.orders) for b in dataset.brands),
        }
    else:
        from steps.sample import write_jsonl

        counts = write_jsonl(path, args.brands, args.seed, **options)
    seconds = time.perf_counter() - started
    warn(
        f"{path}: {args.brands} brands, {counts.get('stream', 0):,} streams, "
        f"{counts.get('order', 0):,} orders (seed {args.seed}, {seconds:.1f} s)"
    )
    return 0
