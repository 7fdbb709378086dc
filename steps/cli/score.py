"""``steps score FILE``: run the scorers over a dataset file."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from steps.cli._language import add_language_argument
from steps.report.escape import escape_control

if TYPE_CHECKING:
    from steps.domain.model import Dataset
    from steps.report.text import BrandScores
    from steps.scoring.contract import Scorer, ScoringContext
    from steps.scoring.engine import ScoreResults, ScoreWarning
    from steps.scoring.results import ScoreCard, ScoreError

#: Errors printed to stderr before the rest are summarised (all are in the JSON output).
MAX_PRINTED_ERRORS = 20


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "score",
        help="score every brand and stream of a dataset file",
        description="Score FILE (.json, .jsonl, or .parquet with --catalog): brand "
        "scorers on every brand, stream scorers on every stream.  A file of streams is read "
        "and scored in chunks, in bounded memory, and written card by card: the output is "
        "the same whatever the file's size.  A scorer that fails on a subject is reported on "
        "stderr (with its plugin) and every other score is still produced.  On a terminal "
        "the table is drawn with a coloured bar per score and a spinner shows the progress; "
        "piped or with -o it is plain text (--color).  Exits 0, or with --strict 1 when a "
        "scorer failed or a plugin was skipped.",
    )
    parser.add_argument("file", help="dataset file (.json, .jsonl, .parquet)")
    parser.add_argument(
        "--scorer",
        action="append",
        metavar="NAME",
        dest="scorers",
        help="run only this scorer (repeat for several; default: all, see `steps scorers`)",
    )
    parser.add_argument(
        "--format",
        choices=("table", "json", "csv", "parquet"),
        default="table",
        help="table: a summary per subject; json: the full results; csv: one row per card "
        "and indicator; parquet: the rows of csv as Parquet, to -o OUT (the arrow extra) "
        "(default: table)",
    )
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="write to OUT (atomically; the table as plain text)"
    )
    add_color_argument(parser, "the table")
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress display and no summary line (errors and warnings still on stderr)",
    )
    add_context_arguments(parser)
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when any scorer failed on any subject or any plugin was skipped",
    )
    parser.add_argument(
        "--time-budget",
        type=_seconds,
        metavar="SECONDS",
        help="per scorer, over the whole run: a scorer that takes longer is reported (with "
        "its plugin) and its remaining subjects are skipped, each with an OverBudget error",
    )
    add_stream_arguments(parser)
    parser.set_defaults(run=run)


def _seconds(text: str) -> float:
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_stream_arguments(parser: argparse.ArgumentParser) -> None:
    """The tuning options of the chunked engine (`steps.scoring.streaming`); ``--stream``
    and ``--rows``, which chose the row files of earlier versions, are accepted and do
    nothing but warn."""
    group = parser.add_argument_group("large files")
    group.add_argument(
        "--chunk-rows",
        type=_positive,
        metavar="N",
        help="streams read and scored at once from a .jsonl or .parquet FILE (default: "
        "25000); memory grows with N, the output does not change",
    )
    group.add_argument(
        "--catalog",
        metavar="FILE",
        help="with a .parquet FILE (and only then): the dataset file (.json, .jsonl) holding "
        "the brands, accounts and products of its streams",
    )
    for flag in ("--stream", "--rows"):
        group.add_argument(flag, action="store_true", help="deprecated: does nothing")


def add_color_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """``--color``: see `steps.report.terminal.console_for`."""
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help=f"auto: {what} as rich tables with coloured score bars when stdout is a terminal "
        "(no colour with NO_COLOR set), plain text otherwise; always: rich and coloured even "
        "when piped; never: plain text (default: auto)",
    )


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
        help="a scorer option, e.g. steps.stage=launch to override the inferred stage, or "
        "stage.min_confidence=0.3 to score STAGE cards from less data (0: never withhold)",
    )

    add_language_argument(parser, "explanations and advice")


def build_context(args: argparse.Namespace, scorers: Sequence[Scorer]) -> ScoringContext:
    """The scoring context the command-line options describe; bad files or options raise
    `InvalidDataError` naming the problem."""
    from steps.domain.errors import InvalidDataError, Problem
    from steps.scoring.benchmarks import known_indicators, load_benchmarks
    from steps.scoring.confidence import OPTION, option_minimum
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
            continue
        key, value = key.strip(), value.strip()
        scorer, _, name = key.rpartition(".")
        if name == OPTION:
            try:
                option_minimum({key: value}, scorer)
            except ValueError as error:
                problems.append(Problem(f"--option[{index}]", str(error)))
                continue
        options[key] = value
    if problems:
        raise InvalidDataError(problems)
    overrides = (
        load_benchmarks(args.benchmarks, known=known_indicators(scorers))
        if args.benchmarks
        else BenchmarkOverrides()
    )
    peers = load_peers(args.peers) if args.peers else None
    return ScoringContext(benchmarks=overrides, peers=peers, options=options, language=args.lang)


def _weakest(card: ScoreCard, lang: str) -> str:
    from steps.report.text import part_name

    named = card.notes.get("weakest_pillar")
    if named is not None and named != "none":
        try:
            component = card.component(named)
        except KeyError:
            pass
        else:
            if component.score is not None:
                return f"{part_name(component, lang)} {component.score:.0f}"
    weakest = card.weakest_component
    if weakest is None or weakest.score is None:
        return ""
    return f"{part_name(weakest, lang)} {weakest.score:.0f}"


#: Streams shown in ``steps score``'s table; the others are counted per brand (CSV and JSON
#: hold every card).
MAX_TABLE_STREAMS = 2_000
#: The options that write every card, as the table's note names them.
_EVERY_CARD = "--format csv|json"


def score_blocks(
    dataset: Dataset | Callable[[], Dataset],
    results: ScoreResults,
    lang: str = "en",
    *,
    cards: Iterable[ScoreCard] | None = None,
    limit: int | None = None,
) -> list[BrandScores]:
    """The rows of the table, one block per brand in dataset order; within it the brand's own
    cards, then each stream's (in the order of its first card), a subject's rows ordered by
    scorer.  ``cards`` (default: ``results.cards``) are read once; past ``limit`` streams
    their rows are left out and counted in their brand's title.  ``dataset`` may be a
    function giving it, called once the cards have been read."""
    from steps.report.summary import category_name
    from steps.report.text import BrandScores, ScoreRow, withheld_text
    from steps.scoring.messages import text

    by_subject: dict[tuple[str, str, str], list[ScoreRow]] = {}
    # Each stream scorer gives every stream one card or one error, so a brand's streams left
    # out are its most by any one scorer (no set of a million ids is kept to count them).
    hidden: Counter[tuple[str, str]] = Counter()
    shown: set[tuple[str, str]] = set()

    def room(brand_id: str, kind: str, subject_id: str, scorer: str) -> bool:
        if kind != "stream" or limit is None or (brand_id, subject_id) in shown:
            return True
        if len(shown) >= limit:
            hidden[brand_id, scorer] += 1
            return False
        shown.add((brand_id, subject_id))
        return True

    for card in results.cards if cards is None else cards:
        kind = card.subject_kind.value
        if not room(card.brand_id, kind, card.subject_id, card.scorer):
            continue
        # A withheld score says what data would produce it where the weakest part would be.
        detail = _weakest(card, lang) if card.score is not None else withheld_text(card, lang)
        by_subject.setdefault((card.brand_id, kind, card.subject_id), []).append(
            ScoreRow(
                "",
                card.scorer,
                card.score,
                card.confidence,
                escape_control(detail),
                withheld=card.score is None,
            )
        )
    for error in results.errors:
        kind = error.subject_kind.value
        if (error.brand_id, kind, error.subject_id) not in by_subject and not room(
            error.brand_id, kind, error.subject_id, error.scorer
        ):
            continue
        failed = text("report.score.failed", lang, error_type=error.error_type)
        by_subject.setdefault((error.brand_id, kind, error.subject_id), []).append(
            ScoreRow("", error.scorer, None, None, failed)
        )
    order: dict[str, list[tuple[str, str]]] = {}
    for brand_id, kind, subject_id in by_subject:
        order.setdefault(brand_id, []).append((kind, subject_id))
    blocks = []
    brands = (dataset() if callable(dataset) else dataset).brands  # known once cards are read
    for brand in brands:
        subjects = [("brand", brand.brand_id)] + [
            s for s in order.get(brand.brand_id, []) if s[0] != "brand"
        ]
        rows: list[ScoreRow] = []
        for kind, subject_id in subjects:
            lines = sorted(
                by_subject.get((brand.brand_id, kind, subject_id), []), key=ScoreRow.cells
            )
            for index, line in enumerate(lines):
                label = text(f"report.score.{kind}", lang, id=subject_id) if index == 0 else ""
                rows.append(attrs.evolve(line, subject=label))
        category = category_name(brand.category, lang)
        title = escape_control(f"{brand.name} ({brand.brand_id}) · {category}")
        left_out = max((n for (b, _), n in hidden.items() if b == brand.brand_id), default=0)
        if left_out:
            count = f"{left_out:,}"
            more = text("report.score.more_streams", lang, count=count, option=_EVERY_CARD)
            title += " · " + more
        blocks.append(BrandScores(title, tuple(rows)))
    return blocks


def score_headline(results: ScoreResults, lang: str = "en", *, cards: int | None = None) -> str:
    """The first line of the table: the counts (``cards``: of the cards read, when
    ``results`` were read once) and the scorers that ran."""
    from steps.scoring.messages import join, text

    scorers = join((f"{s.name} {s.version}" for s in results.scorers), lang)
    return text(
        "report.score.headline",
        lang,
        cards=len(results.cards) if cards is None else cards,
        errors=len(results.errors),
        scorers=scorers or text("report.score.no_scorers", lang),
    )


def render_table(
    dataset: Dataset, results: ScoreResults, lang: str = "en", *, cards: int | None = None
) -> str:
    """The plain table: one block per brand, subjects in dataset order."""
    return _plain_table(
        score_headline(results, lang, cards=cards), score_blocks(dataset, results, lang), lang
    )


def _plain_table(headline: str, blocks: Sequence[BrandScores], lang: str) -> str:
    from steps.cli.scorers import format_table
    from steps.report.text import score_header
    from steps.scoring.messages import text

    header = score_header(lang)
    lines: list[str] = []
    for block in blocks:
        rows = [(row.subject, *row.cells()) for row in block.rows]
        body = format_table(header, rows) if rows else text("report.score.no_scores", lang)
        lines.append(f"{block.title}\n" + "\n".join("  " + line for line in body.splitlines()))
    return "\n\n".join([headline, *lines]) + "\n"


def render_csv(results: ScoreResults, lang: str = "en") -> str:
    """The rows of ``results.to_rows()`` as CSV, formulas neutralised
    (`steps.frames.write_csv`).  The header is the columns' keys; in a language other
    than English the ``unit`` and ``benchmark_source`` cells are shown in it, as the
    explanations already are (JSON keeps them as the scorer declared them).
    `steps.scoring.cards.write_csv` writes the same text to a file, a card at a time."""
    import io

    from steps.scoring.cards import write_csv

    buffer = io.StringIO()
    write_csv(results.cards, buffer, lang)
    return buffer.getvalue()


def report_failures(
    command: str, errors: Sequence[ScoreError], warnings: Sequence[ScoreWarning]
) -> None:
    """Print scorer failures (the first `MAX_PRINTED_ERRORS`, then counts) and
    warnings to stderr, one line each."""
    from steps.cli._output import warn

    for error in errors[:MAX_PRINTED_ERRORS]:
        warn(f"steps {command}: error: {escape_control(str(error))}")
    rest = errors[MAX_PRINTED_ERRORS:]
    if rest:
        per_plugin = Counter((e.scorer, e.plugin) for e in rest)
        for (scorer, plugin), count in sorted(per_plugin.items()):
            warn(
                f"steps {command}: error: … and {count} more of {scorer} (plugin {plugin}); "
                "--format json lists them all"
            )
    for warning in warnings:
        warn(f"steps {command}: warning: {escape_control(str(warning))}")


def run(args: argparse.Namespace) -> int:
    import importlib.util
    from pathlib import Path

    from steps.cli._output import say, stdout, warn
    from steps.cli.scorers import command_host, quiet_plugin_warnings, report_problems
    from steps.io.files import atomic_writer, load
    from steps.io.output import check_output
    from steps.report.terminal import console_for, phases
    from steps.scoring.engine import score
    from steps.scoring.plugins import PluginError, UnknownScorerError
    from steps.scoring.streaming import CHUNK_ROWS, ChunkedRun

    if args.stream or args.rows:
        warn(
            "steps score: --stream and --rows are deprecated and do nothing: every file is "
            "scored in chunks (--chunk-rows); --format csv or parquet writes a row per card "
            "and indicator"
        )
    suffix = Path(args.file).suffix.lower()
    # One engine, whatever the size: a file of streams is scored in chunks (a .json file is
    # one document, loaded whole; so is any file under a time budget, which needs the
    # per-subject path).
    chunked = suffix in (".jsonl", ".ndjson", ".parquet") and args.time_budget is None
    if suffix == ".parquet" and not chunked:
        warn("steps score: --time-budget applies to .json and .jsonl files, not .parquet")
        return 2
    if (suffix == ".parquet") != bool(args.catalog):
        warn("steps score: --catalog FILE is needed with a .parquet FILE, and only then")
        return 2
    if args.format == "parquet" and not args.output:
        warn("steps score: --format parquet writes a file: give -o OUT")
        return 2
    if args.format == "parquet" and importlib.util.find_spec("pyarrow") is None:
        warn("steps score: --format parquet needs pyarrow: pip install 'steps-commerce[arrow]'")
        return 2
    inputs = [args.file, args.catalog, args.benchmarks, args.peers]
    if args.output:
        check_output(args.output, inputs=inputs)
    name = Path(args.file).name
    # Machine output is written while the file is scored: no display over it on a terminal.
    shows = bool(args.output) or args.format == "table" or not _is_terminal(stdout())
    with phases(quiet=args.quiet or not shows, color=args.color) as phase:
        try:
            with quiet_plugin_warnings():
                host = command_host()
                try:
                    chosen = [
                        r.scorer
                        for r in host.scorers()
                        if not args.scorers or r.name in args.scorers
                    ]
                    if chunked:
                        catalog = _stream_catalog(args.catalog) if args.catalog else None
                        context = build_context(args, chosen)
                        with phase(f"scoring {name}") as advance:
                            run = ChunkedRun(
                                args.file,
                                args.scorers,
                                context,
                                host=host,
                                chunk_rows=args.chunk_rows or CHUNK_ROWS,
                                catalog=catalog,
                                progress=advance,
                                advice=args.format == "json",
                            )
                            written = _write(args, run, atomic_writer, inputs)
                        results: Any = run
                    else:
                        with phase(f"loading {name}"):
                            dataset = load(args.file)
                        context = build_context(args, chosen)
                        streams = sum(len(b.streams) for b in dataset.brands)
                        scoring = f"scoring {len(dataset.brands):,} brands and {streams:,} streams"
                        with phase(scoring) as advance:
                            results = score(
                                dataset,
                                args.scorers,
                                context,
                                host=host,
                                time_budget=args.time_budget,
                                progress=advance,
                            )
                        with phase(f"writing {args.format}"):
                            written = _write(args, results, atomic_writer, inputs, dataset)
                finally:
                    problems = report_problems("score", host)
        except UnknownScorerError as error:
            warn(f"steps score: {error}")
            return 2
        except PluginError as error:
            warn(f"steps score: plugin error: {error}")
            return 1
    cards, table = written
    errors = list(results.errors)
    if table is not None:
        console = None if args.output else console_for(stdout(), args.color)
        headline, blocks = table
        if console is not None:
            from steps.report.terminal import print_score_tables

            print_score_tables(console, headline, blocks, lang=args.lang)
        else:
            text = _plain_table(headline, blocks, args.lang)
            if args.output:
                with atomic_writer(args.output, inputs=inputs) as sink:
                    sink.write(text)
            else:
                say(text.removesuffix("\n"))
    if args.output and not args.quiet:
        say(f"wrote {args.output} ({cards} cards, {len(errors)} errors)")
    report_failures("score", errors, results.warnings)
    for note in getattr(results, "notes", ()):
        warn(f"steps score: note: {note}")
    failed = bool(errors or problems)
    return 1 if args.strict and failed else 0


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty()) if callable(isatty) else False


def _write(
    args: argparse.Namespace,
    results: Any,
    atomic_writer: Any,
    inputs: Sequence[str | None],
    dataset: Dataset | None = None,
) -> tuple[int, tuple[str, list[BrandScores]] | None]:
    """Write ``results`` (`ScoreResults`, or a `ChunkedRun` read once) as ``--format``
    says, a card at a time; the table is only gathered (at most `MAX_TABLE_STREAMS`
    streams).  Returns the cards written and the table's headline and blocks."""
    from steps.cli._output import stdout
    from steps.frames import write_parquet
    from steps.scoring.cards import iter_rows, write_csv, write_json

    count = 0

    def cards() -> Iterator[ScoreCard]:
        """Every card, read once, counted as it goes."""
        nonlocal count
        parts = results.slices() if hasattr(results, "slices") else (results.cards,)
        for part in parts:
            for card in part:
                count += 1
                yield card

    if args.format == "table":
        blocks = score_blocks(
            dataset if dataset is not None else lambda: results.catalog,
            results,
            args.lang,
            cards=cards(),
            limit=MAX_TABLE_STREAMS,
        )
        return count, (score_headline(results, args.lang, cards=count), blocks)

    def body(sink: Any) -> None:
        nonlocal count
        if args.format == "json":
            count = write_json(results, sink)
        elif args.format == "parquet":
            write_parquet(iter_rows(cards(), args.lang), sink.buffer)
        else:
            write_csv(cards(), sink, args.lang)

    if args.output:
        with atomic_writer(args.output, inputs=inputs) as sink:
            body(sink)
    else:
        body(stdout())
    return count, None


def _stream_catalog(path: str) -> Dataset:
    """The brands of ``--catalog``: a JSON Lines file is read without its streams."""
    from pathlib import Path

    from steps.columnar import read_jsonl
    from steps.io.files import load

    if Path(path).suffix.lower() in (".jsonl", ".ndjson"):
        return read_jsonl(path).catalog
    return load(path)
