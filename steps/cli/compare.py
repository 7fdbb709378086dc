"""``steps compare FILE``: each brand under Kuaishou's STEPS and Douyin's interest logic."""

from __future__ import annotations

import argparse
from typing import Any

from steps.cli._language import add_language_argument


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "compare",
        help="judge each brand by STEPS and by Douyin interest logic, side by side",
        description="Score each brand with the STEPS scorer (Kuaishou, trust e-commerce) and "
        "the Douyin interest scorers (FACT per brand, interest per stream) and print them "
        "pillar by pillar; every other installed scorer follows, one line per brand card and "
        "a brief of each stream scorer's cards.",
    )
    parser.add_argument("file", help="dataset file (.json, .jsonl)")

    add_language_argument(parser, "labels, explanations and advice")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from steps.cli._output import say, warn
    from steps.io.files import load
    from steps.report.escape import escape_control
    from steps.report.text import compare_report
    from steps.scoring.contract import ScoringContext
    from steps.scoring.engine import score

    dataset = load(args.file)
    # Every installed scorer: the two logics side by side, then the others after the verdict.
    results = score(dataset, context=ScoringContext(language=args.lang))
    say(compare_report(dataset, results, lang=args.lang))
    for error in results.errors:
        warn(f"steps compare: {escape_control(str(error))}")
    return 0
