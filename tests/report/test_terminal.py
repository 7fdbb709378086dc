"""What a terminal gets: the console choice, the score bands and bars, the demo drawn with rich
(aligned in Chinese too) and the transient progress on stderr."""

from __future__ import annotations

import io
import re
from functools import cache

import pytest
from rich.cells import cell_len

from steps.cli.score import add_color_argument
from steps.domain import Dataset
from steps.report import terminal
from steps.report.terminal import band, console_for, phases, print_demo, score_bar
from steps.report.text import BAR_WIDTH, SIDE_CARDS, card_for, demo_report, stage_overview
from steps.sample import sample_dataset
from steps.scoring import ScoreResults, score
from steps.scoring.messages import text as message

#: Any escape sequence; and the ones that set a foreground colour (standard or bright).
ESCAPE = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7])(?:;[0-9;]*)?m")


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal, as a real tty would."""

    def isatty(self) -> bool:
        return True


def plain(text: str) -> str:
    """``text`` without its escape sequences, as a reader sees it."""
    return ESCAPE.sub("", text)


@pytest.fixture(autouse=True)
def colour_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A colour terminal 120 columns wide, whatever the environment running the tests."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("NO_COLOR", raising=False)


@cache
def sample_results() -> tuple[Dataset, ScoreResults]:
    dataset = sample_dataset()
    return dataset, score(dataset)


# -- choosing rich or plain -----------------------------------------------------------------


def test_auto_draws_on_a_terminal_only() -> None:
    assert console_for(io.StringIO(), "auto") is None
    assert console_for(FakeTerminal(), "auto") is not None


def test_never_and_always_override_the_stream() -> None:
    assert console_for(FakeTerminal(), "never") is None
    assert console_for(io.StringIO(), "always") is not None


def test_a_dumb_terminal_gets_plain_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    assert console_for(FakeTerminal(), "auto") is None
    assert console_for(io.StringIO(), "always") is not None


def test_force_color_does_not_draw_into_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert console_for(io.StringIO(), "auto") is None


def test_the_option_offers_the_choices_the_terminal_knows() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_color_argument(parser, "it")
    [action] = [a for a in parser._actions if a.dest == "color"]
    assert tuple(action.choices or ()) == terminal.COLOR_CHOICES
    assert action.default == "auto"


# -- bands and bars -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "style"),
    [(0, "red"), (39.9, "red"), (40, "yellow"), (69.9, "yellow"), (70, "green"), (100, "green")],
)
def test_bands(score: float, style: str) -> None:
    assert band(score) == style


def test_the_bar_is_coloured_by_band_and_keeps_its_width() -> None:
    bar = score_bar(55, 10)
    assert bar.plain == "█" * 6 + "░" * 4
    assert [(span.start, span.end, str(span.style)) for span in bar.spans] == [
        (0, 6, "yellow"),
        (6, 10, "dim"),
    ]
    missing = score_bar(None, 5)
    assert missing.plain == "n/a  "
    assert [str(span.style) for span in missing.spans] == ["dim"]
    assert score_bar(100, 4).plain == "████"


# -- steps demo on a terminal ---------------------------------------------------------------


def draw_demo(lang: str = "en", *, color: terminal.Color = "auto") -> str:
    dataset, results = sample_results()
    stream = FakeTerminal()
    console = console_for(stream, color)
    assert console is not None
    print_demo(console, dataset, results, lang=lang)
    return stream.getvalue()


def test_the_demo_holds_what_the_plain_report_holds() -> None:
    dataset, results = sample_results()
    drawn = draw_demo()
    text = plain(drawn)
    # Wrapped to the terminal's width: compare word runs, not lines.
    words = " ".join(text.split())
    report = demo_report(dataset, results)
    assert text.count("Next moves") == report.count("Next moves:") == 3
    for brand in dataset.brands:
        assert f"{brand.name} ({brand.brand_id}) · " in text
        steps_card = card_for(results, "steps", brand.brand_id, brand.brand_id)
        assert steps_card is not None
        notes = steps_card.notes
        assert f"STEPS {steps_card.score:.0f}/100 {'█' * round(steps_card.score / 5)}" in words
        assert f"stage: {notes['stage']} ({notes['stage_source']})" in words
        weakest = steps_card.component(notes["weakest_pillar"])
        assert f"weakest pillar for the stage: {weakest.key} {weakest.name}" in words
        for number, move in enumerate(steps_card.recommendations, 1):
            assert f"{number}. {' '.join(move.text.split())}" in words
        for scorer, title in SIDE_CARDS:
            card = card_for(results, scorer, brand.brand_id, brand.brand_id)
            assert card is not None
            parts = ", ".join(
                f"{c.key if c.key.isupper() else c.name[0].lower() + c.name[1:]} "
                f"{message('report.na', 'en') if c.score is None else f'{c.score:.0f}'}"
                for c in card.components
            )
            assert f"{message(title, 'en')} {card.score:.0f}/100" in words
            assert parts in words
            assert f"next: {' '.join(card.recommendations[0].text.split())}" in words
        overview = stage_overview(results, brand, "en")
        assert overview is not None
        assert f"STAGE over {overview.streams} streams, average {overview.average:.0f}/100" in (
            words
        )
        assert f"most often the weakest part: {overview.weakest_part}" in words
    assert "░" in text
    assert not results.errors
    assert " ! " not in text
    assert all(code in drawn for code in ("\x1b[31m", "\x1b[32m", "\x1b[33m"))


def test_scorer_failures_are_shown_in_red() -> None:
    from steps.scoring import ScoreError

    dataset, results = sample_results()
    card = results.cards[0]
    failure = ScoreError(
        scorer="steps",
        plugin="p",
        subject_kind=card.subject_kind,
        subject_id=card.subject_id,
        brand_id=card.brand_id,
        error_type="RuntimeError",
        message="boom",
    )
    stream = FakeTerminal()
    console = console_for(stream, "auto")
    assert console is not None
    broken = ScoreResults(
        cards=results.cards, errors=(failure,), warnings=(), scorers=results.scorers
    )
    print_demo(console, dataset, broken, lang="en")
    assert f"\x1b[31m! {failure}" in stream.getvalue()


def test_the_demo_pillars_line_up_in_chinese() -> None:
    text = plain(draw_demo("zh"))
    rows = [line for line in text.splitlines() if re.match(r"\s+(S|T|E|P|SS)\s+\S", line)]
    names = ["品牌自播", "公域流量加持", "达人分销", "私域运营", "渠道特供"]
    assert len(rows) == 3 * len(names)
    assert all(any(name in row for name in names) for row in rows)
    # The bar of every pillar starts in the same terminal column, whatever the width of the
    # Chinese name before it (two columns a character).
    starts = {cell_len(re.split("[█░]", row, maxsplit=1)[0]) for row in rows}
    assert len(starts) == 1
    ends = {cell_len(row.split("weight")[0]) for row in rows}
    assert len(ends) == 1
    assert all(len(bar) == BAR_WIDTH for row in rows for bar in re.findall("[█░]+", row))


def test_no_color_keeps_the_drawing_without_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    drawn = draw_demo()
    assert "█" in drawn
    assert "\x1b[" in drawn  # bold and dim remain
    assert not COLOUR.search(drawn)
    assert COLOUR.search(draw_demo(color="always"))  # an explicit --color always wins


def test_data_is_not_read_as_markup_or_control_codes() -> None:
    from steps.report.terminal import print_score_tables
    from steps.report.text import BrandScores, ScoreRow

    stream = FakeTerminal()
    console = console_for(stream, "auto")
    assert console is not None
    block = BrandScores("[red]Brand[/red] \x1b[2Jx", (ScoreRow("brand b", "s", 50.0, 1.0, ""),))
    print_score_tables(console, "1 cards", [block])
    out = stream.getvalue()
    assert "[red]Brand[/red]" in out
    assert "\x1b[2J" not in out
    assert "\\x1b[2Jx" in out


# -- progress on stderr ---------------------------------------------------------------------


def test_phases_show_on_a_terminal_and_are_erased() -> None:
    stream = FakeTerminal()
    with phases(stream=stream) as phase:
        with phase("loading brands.json"):
            pass
        with phase("scoring 2 brands"):
            pass
    out = stream.getvalue()
    assert "loading brands.json" in out
    assert "scoring 2 brands" in out
    assert "\x1b[2K" in out  # the line is cleared when the phase ends


@pytest.mark.parametrize("quiet", [True, False])
def test_phases_are_silent_when_quiet_or_piped(quiet: bool) -> None:
    stream: io.StringIO = FakeTerminal() if quiet else io.StringIO()
    with phases(quiet=quiet, stream=stream) as phase, phase("loading brands.json"):
        pass
    assert stream.getvalue() == ""


def test_a_closed_pipe_surfaces_as_broken_pipe() -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    console = console_for(ClosedPipe(), "always")
    assert console is not None
    # The command line reads BrokenPipeError as the reader having had enough (status 0).
    with pytest.raises(BrokenPipeError):
        console.print("x")
