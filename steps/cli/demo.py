"""``steps demo``: the bundled sample brands, summarised."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="summarise the bundled sample brands",
        description="Load the bundled sample dataset and print a summary a brand operator "
        "can read in a minute.",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from steps.report.summary import dataset_summary
    from steps.sample import sample_dataset

    print(dataset_summary(sample_dataset()))
    return 0
