"""``steps report FILE -o report.html``: one self-contained HTML report of a dataset.


    steps report brands.json -o report.html --lang zh
    steps report brands.json -o report.html \\
        --from 2021-08-01..2021-08-31 --to 2021-09-01..2021-09-30

Per brand: a STEPS radar against the stage's emphasis, the Douyin-interest (FACT) radar
beside it, the GMV attribution waterfall (Kuaishou's five factors, LMDI; each brand's
window split in halves unless ``--from``/``--to`` are given), the trust card, a STAGE
table of its streams and a generic section for every other installed scorer.  The file
embeds its chart library and opens offline.  Needs the ``report`` extra (``pip install
'steps-commerce[report]'``, which installs plotly).

Exit status: 0 when the report was written (a scorer that failed is named in the report
and on stderr), 1 when the file is invalid or plotly is missing, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
from typing import Any

from steps.cli._language import add_language_argument
from steps.cli._output import say, warn
from steps.cli._periods import USAGE_ERROR, UsageError, parse_period

_DATA_ERROR = 1


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="write a self-contained HTML report: STEPS, interest, trust, GMV, STAGE",
        description="Score FILE (.json or .jsonl) and write ONE self-contained HTML file "
        "(charts included, opens offline): per brand a STEPS radar against its lifecycle "
        "stage, the Douyin-interest view, a GMV attribution waterfall (Kuaishou's five "
        "factors, LMDI), the trust card, a per-stream STAGE table and a section for every "
        "other installed scorer.  Needs plotly (pip install 'steps-commerce[report]').",
    )
    parser.add_argument("file", help="dataset file (.json, .jsonl)")
    parser.add_argument(
        "-o", "--output", required=True, metavar="OUT", help="the HTML file to write (atomically)"
    )

    add_language_argument(parser, "labels, explanations and advice")
    parser.add_argument(
        "--from", dest="period_from", metavar="START..END",
        help="GMV attribution base period, e.g. 2021-08-01..2021-08-31 (with --to; default: "
        "the first half of each brand's window)",
    )  # fmt: skip
    parser.add_argument(
        "--to", dest="period_to", metavar="START..END",
        help="GMV attribution comparison period (with --from; default: the second half)",
    )  # fmt: skip
    parser.add_argument(
        "--brand",
        action="append",
        metavar="ID",
        dest="brands",
        help="report on this brand only (repeat for several; default: every brand)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except UsageError as error:
        warn(f"steps report: {error}")
        return USAGE_ERROR


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    if (args.period_from is None) != (args.period_to is None):
        raise UsageError("--from and --to go together: give both or neither")
    periods = None
    if args.period_from is not None:
        periods = (
            parse_period(args.period_from, "--from"),
            parse_period(args.period_to, "--to"),
        )
    try:
        import plotly  # type: ignore[import-untyped,unused-ignore]  # noqa: F401
    except ImportError:
        warn("steps report: needs plotly: pip install 'steps-commerce[report]'")
        return _DATA_ERROR

    from steps.cli.scorers import command_host, quiet_plugin_warnings, report_problems
    from steps.io.files import load
    from steps.io.output import check_output
    from steps.report.html import write_report
    from steps.scoring.messages import text
    from steps.scoring.plugins import PluginError

    check_output(args.output, inputs=[args.file])
    dataset = load(args.file)
    if args.brands:
        known = {brand.brand_id for brand in dataset.brands}
        unknown = [b for b in args.brands if b not in known]
        if unknown:
            raise UsageError(
                f"no brand {', '.join(map(repr, unknown))} in {args.file} "
                f"(known: {', '.join(sorted(known)) or 'none'})"
            )
    try:
        with quiet_plugin_warnings():
            host = command_host()
            try:
                summary = write_report(
                    args.output, dataset, lang=args.lang, periods=periods, brands=args.brands,
                    host=host, source=Path(args.file).name,
                )  # fmt: skip
            finally:
                report_problems("report", host)
    except PluginError as error:
        warn(f"steps report: plugin error: {error}")
        return _DATA_ERROR
    say(
        text(
            "report.written",
            args.lang,
            path=summary.path,
            brands=summary.brands,
            charts=summary.charts,
            cards=summary.cards,
            errors=summary.errors,
            megabytes=summary.bytes / 1_000_000,
        )
    )
    if summary.errors:
        warn(
            f"steps report: {summary.errors} scorer errors; the report names them "
            "(see `steps score` for the details)"
        )
    return 0
