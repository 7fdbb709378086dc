"""One output shape at any size: cards built when read, writers that write them a card at a
time, and ``steps score FILE`` / ``steps.score(path)`` through the chunked engine giving
the very text the whole-file run gives."""

from __future__ import annotations

import gc
import io
import json
import re
import types
from pathlib import Path

import pytest

import steps
from steps.cli import main
from steps.columnar.table import StreamTable
from steps.domain import Dataset
from steps.io.files import dump, load
from steps.plugins.stage import StageScorer
from steps.scoring import ScoreResults, ScoringContext, StreamSubject
from steps.scoring.batch import TableScores
from steps.scoring.cards import CardView, write_csv, write_json
from steps.scoring.engine import score
from steps.scoring.indicators import Evaluation
from steps.scoring.results import Recommendation
from steps.scoring.streaming import ChunkedRun
from steps.testing.plugins import isolated_host
from tests.scoring.support import Plugin

SAMPLE = Path(steps.__file__).parent / "data" / "sample.json"


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return load(SAMPLE)


@pytest.fixture(scope="module")
def sample_jsonl(sample: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("one-output") / "sample.jsonl"
    dump(sample, path)
    return path


def _old_json(results: ScoreResults) -> str:
    """The text the whole-file run wrote before cards were built lazily: every card made,
    then one ``json.dumps`` of the whole document."""
    eager = ScoreResults(
        cards=tuple(results.cards),
        errors=tuple(results.errors),
        warnings=tuple(results.warnings),
        scorers=results.scorers,
    )
    document = eager.to_dict()
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _old_csv(results: ScoreResults) -> str:
    """The CSV the whole-file run wrote: ``to_rows`` of every card, through the one CSV
    writer."""
    from steps.frames import write_csv as write_rows

    buffer = io.StringIO()
    write_rows(ScoreResults(cards=tuple(results.cards)).to_rows(), buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def old(sample: Dataset) -> dict[str, str]:
    results = score(sample)
    return {"json": _old_json(results), "csv": _old_csv(results)}


# -- the command: the same bytes from every path ---------------------------------------------


@pytest.mark.parametrize("case", [("json", None), ("csv", None), ("json", "7"), ("csv", "7")])
def test_the_command_writes_the_whole_file_runs_text_from_json_and_json_lines(
    case: tuple[str, str | None],
    sample_jsonl: Path,
    old: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    form, chunk_rows = case
    tuning = ["--chunk-rows", chunk_rows] if chunk_rows else []
    for source in (SAMPLE, sample_jsonl):
        out = tmp_path / f"{source.suffix[1:]}.{form}"
        assert main(["score", str(source), "--format", form, "-o", str(out), *tuning]) == 0
        assert out.read_bytes().decode("utf-8") == old[form], (source, chunk_rows)
        said = capsys.readouterr().out
        assert said == f"wrote {out} (221 cards, 0 errors)\n"
    # Chunks of 7 streams cut through every brand: its cards still come together.
    assert main(["score", str(sample_jsonl), "--format", form, *tuning]) == 0
    assert capsys.readouterr().out == old[form]


def test_the_table_is_the_same_from_json_lines(
    sample_jsonl: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", str(SAMPLE), "--color", "never"]) == 0
    whole = capsys.readouterr().out
    assert main(["score", str(sample_jsonl), "--color", "never", "--chunk-rows", "5"]) == 0
    assert capsys.readouterr().out == whole
    assert whole.startswith("221 cards, 0 errors")


def test_a_large_table_shows_the_first_streams_and_counts_the_rest(
    sample_jsonl: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("steps.cli.score.MAX_TABLE_STREAMS", 10)
    assert main(["score", str(sample_jsonl), "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("221 cards, 0 errors")  # every card is counted
    assert out.count("  stream ") == 10
    assert "more streams of this brand (--format csv|json lists every card)" in out
    # Streams are counted, not their cards (each stream has one per stream scorer): the
    # sample's brands hold 13, 37 and 56 streams and the first 10 are shown.
    counts = re.findall(r"\((b0\d)\) .*… and (\d+) more streams", out)
    assert counts == [("b00", "3"), ("b01", "37"), ("b02", "56")]


# -- steps.score(path) ------------------------------------------------------------------------


def test_score_of_a_path_is_score_of_the_loaded_dataset(
    sample_jsonl: Path, old: dict[str, str]
) -> None:
    results = steps.score(sample_jsonl)
    assert isinstance(results.cards, CardView)
    assert results.cards.lazy
    assert results.to_json() == old["json"]
    assert steps.score(str(SAMPLE)).to_json() == old["json"]


def test_score_of_a_large_path_advises_from_streams_rebuilt_from_the_columns(
    sample_jsonl: Path, old: dict[str, str]
) -> None:
    # Over the size loaded whole, stream cards' advice comes from streams rebuilt from the
    # columns: the scores, explanations and brand cards are the same, and advice is there.
    run = ChunkedRun(sample_jsonl, whole_max_bytes=1)
    cards = [card for part in run.slices() for card in part]
    assert not run.errors
    assert len(cards) == 221
    expected = json.loads(old["json"])["cards"]
    assert [c.score for c in cards] == [c.get("score") for c in expected]
    assert all(c.recommendations for c in cards if c.subject_kind.value == "stream")


def _held(root: object) -> list[object]:
    """The chunk tables and score columns reachable from ``root`` (modules, classes and
    functions are not followed: they reach everything)."""
    found: list[object] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, type | types.ModuleType | types.FunctionType):
            continue
        seen.add(id(item))
        if isinstance(item, StreamTable | TableScores):
            found.append(item)
        else:
            stack += gc.get_referents(item)
    return found


def test_a_finished_run_keeps_no_chunk_and_reads_its_chunks_again(
    sample_jsonl: Path, old: dict[str, str]
) -> None:
    # steps.score(path) keeps the parts of every chunk, not their tables or score columns:
    # cards read later read the chunk from the file again (one chunk held at a time).
    run = ChunkedRun(sample_jsonl, chunk_rows=7)
    results = run.results()
    assert run.chunks > 10
    held = _held(results)
    # The catalog's lookups of the last table it was asked about are all that is left.
    assert not [h for h in held if isinstance(h, TableScores)]
    assert len(held) <= 1
    assert results.to_json() == old["json"]
    held = _held(results)
    assert len([h for h in held if isinstance(h, TableScores)]) <= len(run.records)
    assert len([h for h in held if isinstance(h, StreamTable)]) <= 2


def test_cards_read_after_the_file_changed_are_refused(sample_jsonl: Path, tmp_path: Path) -> None:
    path = tmp_path / "changing.jsonl"
    path.write_bytes(sample_jsonl.read_bytes())
    results = ChunkedRun(path, chunk_rows=7).results()
    with path.open("a", encoding="utf-8") as file:
        file.write("\n")
    with pytest.raises(RuntimeError, match="changed since it was scored"):
        list(results.cards)


# -- cards built when read --------------------------------------------------------------------


def test_cards_are_a_view_that_reads_like_the_tuple(sample: Dataset) -> None:
    results = score(sample)
    view = results.cards
    assert isinstance(view, CardView)
    every = tuple(view)
    assert len(view) == len(every) == 221
    assert view == every
    assert every == view
    assert [view[k] for k in (0, 5, 120, -1)] == [every[k] for k in (0, 5, 120, -1)]
    assert view[3:9] == every[3:9]
    assert results.for_scorer("stage") == tuple(c for c in every if c.scorer == "stage")
    stream = next(c for c in every if c.scorer == "stage")
    assert results.card("stage", stream.subject_id, brand_id=stream.brand_id) == stream
    assert results == ScoreResults(cards=every, errors=(), warnings=(), scorers=results.scorers)
    with pytest.raises(IndexError):
        view[221]


def test_withheld_scores_hold_for_cards_built_when_read(sample: Dataset) -> None:
    context = ScoringContext(options={"stage.min_confidence": "0.9"})
    results = score(sample, ["stage"], context)
    cards = list(results.cards)
    withheld = [c for c in cards if c.score is None]
    assert withheld
    assert len(withheld) < len(cards)
    assert all(c.confidence < 0.9 and c.withheld for c in withheld)
    assert all(c.confidence >= 0.9 for c in cards if c.score is not None)


class AdvisorFails(StageScorer):
    """STAGE, but its advice raises for one stream (and warns for every one)."""

    name = "stage-advice-fails"

    def next_moves(
        self, subject: StreamSubject, evaluation: Evaluation, context: ScoringContext
    ) -> list[Recommendation]:
        import warnings

        warnings.warn("advising", UserWarning, stacklevel=1)
        if subject.stream.stream_id == BROKEN:
            raise RuntimeError("no advice for this one")
        return super().next_moves(subject, evaluation, context)


BROKEN = "b01-s000003"


def test_an_advisor_that_raises_while_cards_are_built_gives_a_score_error(
    sample: Dataset,
) -> None:
    host = isolated_host(Plugin("advice-plugin", AdvisorFails()))
    results = score(sample, host=host)
    streams = sum(len(b.streams) for b in sample.brands)
    # Nothing was built yet; counting builds the cards once and finds the failure.
    assert len(results.cards) == streams - 1
    (error,) = results.errors
    assert (error.scorer, error.plugin, error.subject_id) == (
        "stage-advice-fails",
        "advice-plugin",
        BROKEN,
    )
    assert (error.error_type, error.message) == ("RuntimeError", "no advice for this one")
    assert BROKEN not in {c.subject_id for c in results.cards}
    (warning,) = results.warnings
    assert (warning.category, warning.count) == ("UserWarning", streams)
    # A writer carries on, and writes the error after the cards.
    fresh = score(sample, host=host)
    buffer = io.StringIO()
    assert write_json(fresh, buffer) == streams - 1
    document = json.loads(buffer.getvalue())
    assert [e["subject_id"] for e in document["errors"]] == [BROKEN]
    assert buffer.getvalue() == results.to_json()
    assert write_csv(fresh.cards, io.StringIO()) > 0


def test_the_command_reports_an_advisor_failure_and_writes_the_rest(
    sample_jsonl: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = isolated_host(Plugin("advice-plugin", AdvisorFails()))
    monkeypatch.setattr("steps.cli.scorers.command_host", lambda: host)
    out = tmp_path / "cards.json"
    argv = ["score", str(sample_jsonl), "--format", "json", "-o", str(out), "--strict"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    failed = f"stage-advice-fails (plugin advice-plugin) failed on stream '{BROKEN}': RuntimeError"
    assert failed in err
    assert "UserWarning: advising (106 times)" in err
    document = json.loads(out.read_text(encoding="utf-8"))
    assert len(document["cards"]) == 105
    assert [e["subject_id"] for e in document["errors"]] == [BROKEN]
