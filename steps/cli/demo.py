"""``steps demo``: score the bundled sample brands with every built-in scorer."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="score the bundled sample brands and print what to do next",
        description="Load the bundled sample dataset, score it with every scorer, and print "
        "a report a brand operator can read in a minute: overall scores, the STEPS pillars, "
        "the weakest point and the next moves.",
    )
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="label language")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from steps.report.text import demo_report
    from steps.sample import sample_dataset
    from steps.scoring.engine import score

    dataset = sample_dataset()
    print(demo_report(dataset, score(dataset), lang=args.lang))
    return 0
