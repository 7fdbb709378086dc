"""``steps validate FILE``: load a file and report every problem with its path."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "validate",
        help="check a dataset file and list every problem",
        description="Load FILE (.json or .jsonl) and report every problem with its path. "
        "Exits 0 when the file is valid, 1 when it is not.",
    )
    parser.add_argument("file", help="dataset file (.json, .jsonl)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from steps.cli._output import say
    from steps.io.files import load

    dataset = load(args.file)
    streams = sum(len(b.streams) for b in dataset.brands)
    say(f"{args.file}: valid ({len(dataset.brands)} brands, {streams} streams)")
    return 0
