"""``steps peers FILE -o PEERS``: measure a population once, judge against it later."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "peers",
        help="build a peers file: indicator percentiles of a population",
        description="Measure every indicator of the chosen scorers over the brands and streams "
        "of FILE, grouped by category and tier, and save the values to PEERS. "
        "`steps score --peers PEERS` then scores each value as its percentile among "
        "comparable peers ('better than 80%% of comparable streams').",
    )
    parser.add_argument("file", help="dataset file with the population (.json, .jsonl)")
    parser.add_argument("-o", "--output", required=True, help="peers file to write (.json)")
    parser.add_argument(
        "--scorer",
        action="append",
        metavar="NAME",
        dest="scorers",
        help="measure only this scorer's indicators (repeat; default: all)",
    )
    parser.add_argument(
        "--min-group-size",
        type=int,
        default=5,
        help="smallest group used before falling back to a wider one (default: 5)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from steps.cli.scorers import command_host
    from steps.scoring.peers import peers_command

    records = command_host().scorers()
    chosen = [r.scorer for r in records if not args.scorers or r.name in args.scorers]
    print(peers_command(args.file, args.output, chosen, min_group_size=args.min_group_size))
    return 0
