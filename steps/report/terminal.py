"""What ``steps score`` and ``steps demo`` draw on a terminal: rich tables with score bars
coloured by band, and a transient progress display on stderr.

Whether a stream gets this or the plain text of `steps.report.text` is decided here, once:
see `console_for`.  Every piece of data goes through `rich.text.Text` (never
console markup), so a brand named ``[red]x`` prints as itself, and control characters in the
data are shown as escapes (`steps.report.escape.escape_control`) rather than sent to
the terminal.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import IO, Literal

from rich import box
from rich.console import Console, RenderableType
from rich.padding import Padding
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from steps.domain.model import Brand, Dataset
from steps.report.escape import escape_control
from steps.report.summary import brand_summary_lines
from steps.report.text import (
    BAR_WIDTH,
    DEMO_SCORERS,
    SIDE_CARDS,
    BrandScores,
    ScoreRow,
    card_for,
    generic_scorers,
    label,
    part_name,
    score_header,
    scorer_title,
    stage_name,
    stage_overview,
    stage_source,
    withheld_text,
)
from steps.scoring.engine import ScoreResults
from steps.scoring.messages import text
from steps.scoring.results import ScoreCard, SubjectKind

__all__ = [
    "COLOR_CHOICES",
    "Advance",
    "Color",
    "band",
    "console_for",
    "is_terminal",
    "phases",
    "print_demo",
    "print_score_tables",
    "score_bar",
]

Color = Literal["auto", "always", "never"]
#: ``advance(done, total)``: how far a `phases` phase has got.
Advance = Callable[[int, int], None]
COLOR_CHOICES: tuple[Color, ...] = ("auto", "always", "never")

#: Lower bounds of the score bands: below ``LOW`` is weak (red), below ``HIGH`` middling
#: (amber), the rest strong (green).
LOW, HIGH = 40.0, 70.0

#: The width of the bars in ``steps score``'s tables, narrower than the demo's because a
#: table has a row per scorer and stream.
TABLE_BAR_WIDTH = 8


def is_terminal(stream: IO[str]) -> bool:
    """``stream`` is an interactive terminal that understands escape codes."""
    if os.environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty is not None and isatty())
    except ValueError:  # closed, e.g. at interpreter shutdown
        return False


class _Console(Console):
    """A console that lets a closed pipe surface as `BrokenPipeError`, which the
    command line treats as the reader having had enough (status 0); rich's own handling
    exits with status 1."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def console_for(stream: IO[str], color: Color = "auto") -> Console | None:
    """A console drawing rich output on ``stream``, or ``None`` when it gets plain text.

    ``auto``: rich output when ``stream`` is a terminal (not with ``TERM=dumb``), coloured
    unless ``NO_COLOR`` is set; ``always``: rich and coloured whatever the stream and
    ``NO_COLOR``; ``never``: plain text.  ``FORCE_COLOR`` and ``TTY_COMPATIBLE`` are not
    consulted: ``--color always`` is the one way to force it, so a stray variable in a CI
    environment cannot put escape codes into a file or a test's captured output.
    """
    if color == "never" or (color == "auto" and not is_terminal(stream)):
        return None
    forced = color == "always"
    return _Console(
        file=stream,
        force_terminal=True,
        # The colours used are the 8 standard ones, which every terminal draws; "auto" still
        # lets rich pick the Windows console API where that is what works.
        color_system="standard" if forced else "auto",
        no_color=False if forced else None,
        markup=False,
        emoji=False,
        highlight=False,
    )


def _text(value: str, style: str = "") -> Text:
    """``value`` as rich text, its control characters shown as ``\\xNN``."""
    # A span, not the Text's base style, which would spill onto whatever is appended.
    text = Text()
    text.append(_clean(value), style=style)
    return text


#: Stands in for a styled piece while a message is filled; a NUL never survives ``_clean``.
_SLOT = re.compile("\x00(\\d+)\x00")


def _clean(value: str) -> str:
    # Data holding control characters (an escape sequence in a brand name) would drive the
    # terminal instead of being read; rich lays out tabs and newlines itself.
    return escape_control(value, keep="\t\n")


def _message(key: str, lang: str, /, **params: str | int | float | Text) -> Text:
    """The message ``key`` filled with ``params`` as rich text: a `Text` parameter
    keeps its style (a score in its band's colour) wherever the language's template puts
    it."""
    styled: list[Text] = []
    values: dict[str, str | int | float] = {}
    for name, value in params.items():
        if isinstance(value, Text):
            values[name] = f"\x00{len(styled)}\x00"
            styled.append(value)
        else:
            values[name] = _clean(value) if isinstance(value, str) else value
    result = Text()
    for index, piece in enumerate(_SLOT.split(text(key, lang, **values))):
        if index % 2:
            result.append_text(styled[int(piece)])
        elif piece:
            result.append_text(_text(piece))
    return result


def band(score: float | None) -> str:
    """The style of a score: red below 40, amber below 70, green from 70; dim when missing."""
    if score is None:
        return "dim"
    if score < LOW:
        return "red"
    if score < HIGH:
        return "yellow"
    return "green"


def score_bar(score: float | None, width: int = BAR_WIDTH, lang: str = "en") -> Text:
    """A score in [0, 100] as a bar in the colour of its band (``n/a`` when missing)."""
    if score is None:
        missing = _text(text("report.na", lang), style="dim")
        missing.pad_right(max(0, width - missing.cell_len))
        return missing
    filled = round(score / 100 * width)
    bar = Text()
    bar.append("█" * filled, style=band(score))
    bar.append("░" * (width - filled), style="dim")
    return bar


def _score(score: float | None, spec: str, lang: str = "en") -> Text:
    value = text("report.na", lang) if score is None else format(score, spec)
    return _text(value, style=band(score))


def _indent(renderable: RenderableType, spaces: int = 2) -> Padding:
    # Not expanded: trailing spaces to the terminal's width would be copied with the text.
    return Padding(renderable, (0, 0, 0, spaces), expand=False)


# -- steps score ----------------------------------------------------------------------------


def print_score_tables(
    console: Console, headline: str, blocks: Sequence[BrandScores], *, lang: str = "en"
) -> None:
    """``steps score``'s table on a terminal: a table per brand with a bar per score."""
    console.print(_text(headline, style="bold"))
    for block in blocks:
        console.print()
        console.print(_text(block.title, style="bold"))
        if not block.rows:
            console.print(_indent(_text(text("report.score.no_scores", lang), style="dim")))
            continue
        console.print(_indent(_score_table(block.rows, lang)))


def _score_table(rows: Sequence[ScoreRow], lang: str) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        header_style="bold",
    )
    subject, scorer, score_, confidence_, weakest_ = score_header(lang)
    table.add_column(subject, no_wrap=True)
    table.add_column(scorer, no_wrap=True)
    table.add_column(score_, no_wrap=True)
    table.add_column(confidence_, justify="right", no_wrap=True)
    table.add_column(weakest_)
    for row in rows:
        if row.failed:
            score = _text("    —", style="red")
            weakest = _text(row.weakest, style="red")
        elif row.withheld:
            score = _text("    —", style="yellow")
            weakest = _text(row.weakest, style="yellow")
        else:
            score = _score(row.score, "5.1f", lang)
            score.append(" ")
            score.append_text(score_bar(row.score, TABLE_BAR_WIDTH, lang))
            weakest = _text(row.weakest)
        confidence = "" if row.confidence is None else f"{row.confidence:.2f}"
        table.add_row(
            _text(row.subject, style="bold"), _text(row.scorer), score, _text(confidence), weakest
        )
    return table


# -- steps demo -----------------------------------------------------------------------------


def print_demo(console: Console, dataset: Dataset, results: ScoreResults, *, lang: str) -> None:
    """``steps demo`` on a terminal: what the plain report holds, in the same order, with the
    scores coloured by band, bars for the cards and a table of the STEPS pillars."""
    if not dataset.brands:
        console.print(_text(text("report.no_brands", lang)))
    for number, brand in enumerate(dataset.brands):
        if number:
            console.print()
        head, *details = brand_summary_lines(brand, lang=lang)
        console.print(Rule(_text(head, style="bold"), align="left", style="dim"))
        for line in details:
            console.print(_indent(_text(line.strip())))
        console.print()
        steps_card = card_for(results, "steps", brand.brand_id, brand.brand_id)
        if steps_card is not None:
            _print_steps(console, steps_card, lang)
        # The side cards, then every other brand scorer that ran (a third party's) the same way.
        others = generic_scorers(results, DEMO_SCORERS)
        side = [(scorer, text(title, lang)) for scorer, title in SIDE_CARDS] + [
            (info.name, scorer_title(results, info.name, lang))
            for info in others
            if info.subject is SubjectKind.BRAND
        ]
        for scorer, title in side:
            card = card_for(results, scorer, brand.brand_id, brand.brand_id)
            if card is None:
                continue
            parts = Text()
            separator = text("core.list_separator", lang)
            for index, component in enumerate(card.components):
                parts.append(separator if index else "")
                parts.append_text(_text(f"{part_name(component, lang)} "))
                parts.append_text(_score(component.score, ".0f", lang))
            console.print(_indent(_card_headline(title, card, parts, lang)))
            if card.recommendations:
                next_label = text("report.card.next", lang)
                console.print(_indent(_labelled(next_label, card.recommendations[0].text), 4))
        _print_stage(console, results, brand, lang)
        for info in others:
            if info.subject is SubjectKind.STREAM:
                _print_stage(console, results, brand, lang, info.name)
        for error in results.errors:
            if error.brand_id == brand.brand_id:
                console.print(_indent(_text(f"! {error}", style="red")))


def _labelled(label_text: str, body: str, style: str = "") -> Text:
    text = _text(label_text, style="bold")
    text.append_text(_text(body, style=style))
    return text


def _card_headline(title: str, card: ScoreCard, detail: Text, lang: str) -> Text:
    """A card's headline: its score and bar, or (withheld) what data to provide."""
    if card.score is not None:
        return _headline(title, card.score, detail)
    text = _text(title, style="bold")
    text.append(" ")
    text.append_text(_text(withheld_text(card, lang), style="yellow"))
    text.append("  ")
    text.append_text(detail)
    return text


def _headline(title: str, score: float, detail: Text) -> Text:
    """``TITLE 57/100 ████░░ detail``: a card's (or an average's) score and bar."""
    text = _text(title, style="bold")
    text.append(" ")
    text.append_text(_score(score, ".0f"))
    text.append("/100", style="dim")
    text.append(" ")
    text.append_text(score_bar(score))
    text.append("  ")
    text.append_text(detail)
    return text


def _print_steps(console: Console, card: ScoreCard, lang: str) -> None:
    notes = card.notes
    detail = _message(
        "report.steps.detail",
        lang,
        confidence=card.confidence,
        stage=stage_name(notes.get("stage"), lang),
        source=stage_source(notes.get("stage_source"), lang),
    )
    console.print(_indent(_card_headline("STEPS", card, detail, lang)))
    if "stage_evidence" in notes:
        evidence = _labelled(
            text("report.steps.evidence", lang), str(notes["stage_evidence"]), "dim"
        )
        console.print(_indent(evidence, 4))
    weakest = notes.get("weakest_pillar")
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column()
    table.add_column(no_wrap=True, min_width=BAR_WIDTH)
    # Three columns for a score of 100, so that every brand's table lines up with the others.
    table.add_column(justify="right", no_wrap=True, min_width=3)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    for component in card.components:
        is_weakest = component.key == weakest
        table.add_row(
            _text(component.key, style="bold red" if is_weakest else "bold"),
            _text(label(component, lang)),
            score_bar(component.score, lang=lang),
            _score(component.score, ".0f", lang),
            _text(text("report.steps.weight", lang, weight=component.weight), style="dim"),
            _text("◀", style="bold red") if is_weakest else _text(""),
        )
    console.print(_indent(table, 4))
    if weakest and weakest != "none":
        name = label(card.component(weakest), lang)
        weakest_label = text("report.steps.weakest", lang)
        console.print(_indent(_labelled(weakest_label, f"{weakest} {name}", "red"), 4))
    if card.recommendations:
        console.print(_indent(_text(text("report.steps.next_moves", lang), style="bold")))
        moves = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
        moves.add_column(justify="right", no_wrap=True)
        # Chinese runs for a whole clause without a space: rich would cut such a run short
        # with "…" rather than break it, losing part of the advice.
        moves.add_column(overflow="fold")
        for number, recommendation in enumerate(card.recommendations, 1):
            moves.add_row(_text(f"{number}.", style="bold"), _text(recommendation.text))
        console.print(_indent(moves, 4))


def _print_stage(
    console: Console, results: ScoreResults, brand: Brand, lang: str, scorer: str = "stage"
) -> None:
    """The brief of the brand's STAGE cards, or of another stream scorer's under its title."""
    overview = stage_overview(results, brand, lang, scorer)
    if overview is None:
        return
    group, named = ("report.stage", {}) if scorer == "stage" else ("report.other", {
        "scorer": scorer_title(results, scorer, lang)
    })  # fmt: skip
    best, worst = overview.best, overview.worst
    if overview.average is None or best is None or worst is None:
        all_withheld = _message(
            f"{group}.all_withheld",
            lang,
            streams=overview.streams,
            withheld=_text(overview.withheld_text or "", style="yellow"),
            **named,
        )
        console.print(_indent(all_withheld))
    else:
        detail = _message(
            "report.stage.extremes",
            lang,
            best=best.subject_id,
            best_score=_score(best.score, ".0f", lang),
            worst=worst.subject_id,
            worst_score=_score(worst.score, ".0f", lang),
        )
        title = text(
            f"{group}.headline", lang, streams=overview.streams - overview.withheld, **named
        )
        console.print(_indent(_headline(title, overview.average, detail)))
        if overview.withheld:
            withheld = _message(
                "report.stage.withheld",
                lang,
                count=overview.withheld,
                streams=overview.streams,
                withheld=_text(overview.withheld_text or "", style="yellow"),
            )
            console.print(_indent(withheld, 4))
    if overview.weakest_part is not None:
        count = text(
            "report.stage.weakest_count",
            lang,
            part=overview.weakest_part,
            count=overview.weakest_count,
            streams=overview.streams,
        )
        console.print(_indent(_labelled(text("report.stage.weakest", lang), count), 4))
    if overview.next_move is not None:
        next_label = text("report.stage.next", lang)
        console.print(_indent(_labelled(next_label, overview.next_move), 4))


# -- progress -------------------------------------------------------------------------------


class _DoneOfTotal(ProgressColumn):
    """``done/total`` once the total is known; nothing before (a phase such as loading a
    file has no count, and ``0/?`` would read as stuck)."""

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        return Text(f"{int(task.completed):,}/{int(task.total):,}")


def _no_progress(done: int, total: int) -> None:
    return None


@contextmanager
def phases(
    *, quiet: bool = False, color: Color = "auto", stream: IO[str] | None = None
) -> Iterator[Callable[[str], AbstractContextManager[Advance]]]:
    """Yield ``phase(description)``: a context manager showing a spinner, the description
    and the time elapsed on ``stream`` (stderr) while its block runs, erased when it ends.
    It gives the block ``advance(done, total)``: once called, a bar and ``done/total``
    show how far the phase has got (``steps.score``'s ``progress`` callback fits it).

    Nothing is shown with ``quiet`` or when ``stream`` is not a terminal (``--color`` only
    chooses whether the spinner is coloured).  Nothing may be printed to ``stream`` inside a
    phase: the display would overwrite it.
    """
    target = sys.stderr if stream is None else stream
    if quiet or not is_terminal(target):
        yield lambda description: nullcontext(_no_progress)
        return
    console = Console(
        file=target,
        force_terminal=True,
        no_color=True if color == "never" else None,
        markup=False,
        emoji=False,
        highlight=False,
    )

    @contextmanager
    def phase(description: str) -> Iterator[Advance]:
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            _DoneOfTotal(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            # The command writes its results to stdout, which must not end up on stderr.
            redirect_stdout=False,
            redirect_stderr=False,
        )
        with progress:
            task = progress.add_task(description, total=None, visible=True)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            yield advance

    yield phase
