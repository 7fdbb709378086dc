"""``steps score FILE``: run the scorers over a dataset file."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from steps.domain.model import Dataset
    from steps.scoring.contract import Scorer, ScoringContext
    from steps.scoring.engine import ScoreResults
    from steps.scoring.results import ScoreCard

#: Errors printed to stderr before the rest are summarised (all are in the JSON output).
MAX_PRINTED_ERRORS = 20


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "score",
        help="score every brand and stream of a dataset file",
        description="Load FILE (.json or .jsonl) and run the installed scorers over it: brand "
        "scorers on every brand, stream scorers on every stream.  A scorer that fails on a "
        "subject is reported on stderr (with its plugin) and every other score is still "
        "produced.  Exits 0, or with --strict 1 when a scorer failed or a plugin was skipped.",
    )
    parser.add_argument("file", help="dataset file (.json, .jsonl)")
    parser.add_argument(
        "--scorer",
        action="append",
        metavar="NAME",
        dest="scorers",
        help="run only this scorer (repeat for several; default: all, see `steps scorers`)",
    )
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table: a summary per subject; json: the full results (default: table)",
    )
    parser.add_argument("-o", "--output", metavar="OUT", help="write to OUT (atomically)")
    add_context_arguments(parser)
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when any scorer failed on any subject or any plugin was skipped",
    )
    parser.set_defaults(run=run)


def add_context_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that shape the scoring context, shared by the commands that score."""
    parser.add_argument(
        "--benchmarks",
        metavar="FILE",
        help="your benchmark profile (.toml or .json) replacing the defaults",
    )
    parser.add_argument(
        "--peers",
        metavar="FILE",
        help="a peers file from `steps peers`: judge against percentiles of comparable peers",
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="SCORER.NAME=VALUE",
        help="a scorer option, e.g. steps.stage=launch to override the inferred stage",
    )
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language")


def build_context(args: argparse.Namespace, scorers: Sequence[Scorer]) -> ScoringContext:
    """The scoring context the command-line options describe; bad files or options raise
    :class:`InvalidDataError` naming the problem."""
    from steps.domain.errors import InvalidDataError, Problem
    from steps.scoring.benchmarks import known_indicators, load_benchmarks
    from steps.scoring.contract import ScoringContext
    from steps.scoring.indicators import BenchmarkOverrides
    from steps.scoring.peers import load_peers

    options: dict[str, str] = {}
    problems = []
    for index, item in enumerate(args.option):
        key, sep, value = item.partition("=")
        if not sep or "." not in key:
            problems.append(
                Problem(f"--option[{index}]", f"expected SCORER.NAME=VALUE, got {item!r}")
            )
        else:
            options[key.strip()] = value.strip()
    if problems:
        raise InvalidDataError(problems)
    overrides = (
        load_benchmarks(args.benchmarks, known=known_indicators(scorers))
        if args.benchmarks
        else BenchmarkOverrides()
    )
    peers = load_peers(args.peers) if args.peers else None
    return ScoringContext(benchmarks=overrides, peers=peers, options=options, language=args.lang)


def _weakest(card: ScoreCard) -> str:
    named = card.notes.get("weakest_pillar")
    if named is not None and named != "none":
        try:
            component = card.component(named)
        except KeyError:
            pass
        else:
            if component.score is not None:
                return f"{component.key} {component.score:.0f}"
    weakest = card.weakest_component
    if weakest is None or weakest.score is None:
        return ""
    return f"{weakest.key} {weakest.score:.0f}"


def render_table(dataset: Dataset, results: ScoreResults) -> str:
    """One block per brand; within it the brand's own cards, then each stream's."""
    from steps.cli.scorers import format_table

    by_subject: dict[tuple[str, str, str], list[tuple[str, ...]]] = {}
    for card in results.cards:
        by_subject.setdefault((card.brand_id, card.subject_kind.value, card.subject_id), []).append(
            (card.scorer, f"{card.score:5.1f}", f"{card.confidence:.2f}", _weakest(card))
        )
    for error in results.errors:
        by_subject.setdefault(
            (error.brand_id, error.subject_kind.value, error.subject_id), []
        ).append((error.scorer, "  —", "", f"failed: {error.error_type} (see stderr)"))
    header = ("SUBJECT", "SCORER", "SCORE", "CONF", "WEAKEST")
    blocks: list[str] = []
    for brand in dataset.brands:
        subjects = [("brand", brand.brand_id)] + [("stream", s.stream_id) for s in brand.streams]
        rows: list[tuple[str, ...]] = []
        for kind, subject_id in subjects:
            lines = sorted(by_subject.get((brand.brand_id, kind, subject_id), []))
            for index, line in enumerate(lines):
                label = f"{kind} {subject_id}" if index == 0 else ""
                rows.append((label, *line))
        title = f"{brand.name} ({brand.brand_id}) · {brand.category}"
        body = format_table(header, rows) if rows else "(no scores)"
        blocks.append(f"{title}\n" + "\n".join("  " + line for line in body.splitlines()))
    counts = f"{len(results.cards)} cards, {len(results.errors)} errors"
    scorers = ", ".join(f"{s.name} {s.version}" for s in results.scorers) or "no scorers"
    return "\n\n".join([f"{counts} · {scorers}", *blocks]) + "\n"


def _report(results: ScoreResults) -> None:
    for error in results.errors[:MAX_PRINTED_ERRORS]:
        print(f"steps score: error: {error}", file=sys.stderr)
    rest = results.errors[MAX_PRINTED_ERRORS:]
    if rest:
        per_plugin = Counter((e.scorer, e.plugin) for e in rest)
        for (scorer, plugin), count in sorted(per_plugin.items()):
            print(
                f"steps score: error: … and {count} more of {scorer} (plugin {plugin}); "
                "--format json lists them all",
                file=sys.stderr,
            )
    for warning in results.warnings:
        print(f"steps score: warning: {warning}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from steps.cli.scorers import command_host, quiet_plugin_warnings, report_problems
    from steps.io.files import atomic_writer, load
    from steps.scoring.engine import score
    from steps.scoring.plugins import PluginError, UnknownScorerError

    dataset = load(args.file)
    try:
        with quiet_plugin_warnings():
            host = command_host()
            try:
                chosen = [
                    r.scorer for r in host.scorers() if not args.scorers or r.name in args.scorers
                ]
                context = build_context(args, chosen)
                results = score(dataset, args.scorers, context, host=host)
            finally:
                problems = report_problems("score", host)
    except UnknownScorerError as error:
        print(f"steps score: {error}", file=sys.stderr)
        return 2
    except PluginError as error:
        print(f"steps score: plugin error: {error}", file=sys.stderr)
        return 1
    text = results.to_json() if args.format == "json" else render_table(dataset, results)
    if args.output:
        with atomic_writer(args.output) as stream:
            stream.write(text)
        print(f"wrote {args.output} ({len(results.cards)} cards, {len(results.errors)} errors)")
    else:
        sys.stdout.write(text)
    _report(results)
    failed = bool(results.errors or problems)
    return 1 if args.strict and failed else 0
