"""``steps demo``: score the bundled sample brands with every built-in scorer."""

from __future__ import annotations

import argparse
from typing import Any

from steps.cli._language import add_language_argument
from steps.cli.score import add_color_argument


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="score the bundled sample brands and print what to do next",
        description="Load the bundled sample dataset, score it with every scorer, and print "
        "a report a brand operator can read in a minute: overall scores, the STEPS pillars, "
        "the weakest point and the next moves.  On a terminal it is drawn with coloured score "
        "bars; piped it is plain text (--color).",
    )

    add_language_argument(parser, "labels, explanations and advice")
    add_color_argument(parser, "the report")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from steps.cli._output import say, stdout
    from steps.report.terminal import console_for, print_demo
    from steps.report.text import demo_report
    from steps.sample import sample_dataset
    from steps.scoring.contract import ScoringContext
    from steps.scoring.engine import score

    dataset = sample_dataset()
    results = score(dataset, context=ScoringContext(language=args.lang))
    console = console_for(stdout(), args.color)
    if console is None:
        say(demo_report(dataset, results, lang=args.lang))
    else:
        print_demo(console, dataset, results, lang=args.lang)
    return 0
