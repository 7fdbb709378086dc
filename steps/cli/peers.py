"""``steps peers FILE -o PEERS``: measure a population once, judge against it later."""

from __future__ import annotations

import argparse
from typing import Any

from steps.cli._language import add_language_argument


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "peers",
        help="build a peers file: indicator percentiles of a population",
        description="Measure every indicator of the chosen scorers over the brands and streams "
        "of FILE, grouped by category, tier and lifecycle stage (as the STEPS card infers "
        "it), and save the values to PEERS.  A card whose score was withheld for want of "
        "data gives no values.  `steps score --peers PEERS` then scores each value as its "
        "percentile among comparable peers ('better than 80%% of comparable streams'; a "
        "value no peer beats scores 100).",
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
        type=_positive,
        default=5,
        help="smallest group used before falling back to a wider one (at least 1; default: 5)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when any scorer failed on any subject or any plugin was skipped",
    )
    add_language_argument(parser, "the summary it prints")
    parser.set_defaults(run=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    from steps.cli._output import say, warn
    from steps.cli.score import report_failures
    from steps.cli.scorers import command_host, quiet_plugin_warnings, report_problems
    from steps.io.output import check_output
    from steps.scoring.peers import peers_run
    from steps.scoring.plugins import PluginError, UnknownScorerError

    check_output(args.output, inputs=[args.file])
    try:
        with quiet_plugin_warnings():
            host = command_host()
            try:
                host.scorers()
                report, measured = peers_run(
                    args.file,
                    args.output,
                    host=host,
                    names=args.scorers,
                    min_group_size=args.min_group_size,
                    language=args.lang,
                )
            finally:
                problems = report_problems("peers", host)
    except UnknownScorerError as error:
        warn(f"steps peers: {error}")
        return 2
    except PluginError as error:
        warn(f"steps peers: plugin error: {error}")
        return 1
    say(report)
    report_failures("peers", measured.errors, measured.warnings)
    failed = bool(measured.errors or problems)
    return 1 if args.strict and failed else 0
