"""Streaming scoring (``steps score FILE --stream``) against the per-object path.

A generated file of 3,000 streams is scored chunk by chunk; every card must equal what
:func:`steps.score` gives for the whole loaded file, the chunks must be bounded, and the
output must appear only once complete.  Arbitrary generated datasets, their records in any
order, give every indicator's value, score and missing flag of the per-object cards.
"""

from __future__ import annotations

import io
import json
import math
import random
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steps.cli import main
from steps.columnar import StreamTable, read_jsonl
from steps.domain import Dataset
from steps.domain.enums import Platform
from steps.domain.errors import InvalidDataError
from steps.io.files import dump, iter_jsonl, load
from steps.sample import write_jsonl
from steps.scoring import ScoreCard, ScoreResults, ScoringContext, score
from steps.scoring.batch import StreamFacts, TableCatalog
from steps.scoring.engine import score_table
from steps.scoring.streaming import (
    SUMMARY_COLUMNS,
    ProgressBar,
    default_progress,
    indicator_rows,
    needs_stream_facts,
    open_streams,
    score_file,
    summary_rows,
)
from steps.testing import datasets

STREAM_SCORERS = ["douyin-interest", "stage"]
TOLERANCE = 1e-9
#: STAGE indicators read from the optional columns a JSON Lines chunk carries (spend pacing
#: from the plan, the others from the line-up's products: steps.columnar.table.EXTRA_SCHEMA).
NEEDS_EXTRA = (
    "spend_pacing",
    "tier_coverage",
    "price_spread",
    "discount_depth",
    "heroes_explained",
)
#: The column of steps.columnar.table.EXTRA_SCHEMA each of them needs.
NEEDS_COLUMN = {
    "spend_pacing": "plan_spend_pacing",
    "tier_coverage": "lineup_roles",
    "price_spread": "lineup_min_price_fen",
    "discount_depth": "lineup_discount_sum",
    "heroes_explained": "lineup_heroes_listed",
}


def stage_gaps(columns: Iterable[str] | None = None) -> frozenset[str]:
    """The STAGE components a table holding only ``columns`` cannot match: by default those
    of a Spark streams DataFrame (``steps.spark.streams_schema``, which does not carry the
    optional columns yet; tests/test_spark.py compares with it).  JSON Lines chunks and
    streaming carry them: none."""
    from steps.plugins.stage import COMPONENTS

    if columns is None:
        from steps.spark import _schema_ddl

        columns = [name for name, _, _ in _schema_ddl()]
    names = set(columns)
    missing = {key for key, column in NEEDS_COLUMN.items() if column not in names}
    return frozenset(c.key for c in COMPONENTS if any(i.key in missing for i in c.indicators))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("streaming") / "streams.jsonl"
    counts = write_jsonl(path, brands=3, seed=0, streams_per_brand=1_000)
    assert counts["stream"] == 3_000
    # Declared coverage: which stream sections were provided needs no pass over the streams.
    dataset = load(path)
    declared = tuple(attrs.evolve(b, coverage=b.covered()) for b in dataset.brands)
    dump(attrs.evolve(dataset, brands=declared), path)
    return path


@pytest.fixture(scope="module")
def per_object(sample: Path) -> ScoreResults:
    return score(load(sample))


def read_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def close(got: float | None, want: float | None) -> bool:
    if got is None or want is None:
        return got is want
    return math.isclose(got, want, rel_tol=0.0, abs_tol=TOLERANCE)


def compare(rows: list[dict[str, Any]], want: ScoreResults) -> list[str]:
    """How the summary rows differ from the per-object cards (every card must have its
    row and every row its card)."""
    got = {(r["scorer"], r["subject_kind"], r["brand_id"], r["subject_id"]): r for r in rows}
    assert len(got) == len(rows), "a subject × scorer appears twice"
    problems = []
    keys = set()
    for card in want.cards:
        key = (card.scorer, card.subject_kind.value, card.brand_id, card.subject_id)
        keys.add(key)
        row = got.get(key)
        if row is None:
            problems.append(f"no row for {key}")
            continue
        if row["scorer_version"] != card.scorer_version:
            problems.append(f"{key}: version {row['scorer_version']}")
        if not (close(row["score"], card.score) and close(row["confidence"], card.confidence)):
            problems.append(f"{key}: {row['score']}/{row['confidence']} != {card.score}")
        components = {c.key: c.score for c in card.components}
        if set(row["components"]) != set(components):
            problems.append(f"{key}: components {sorted(row['components'])}")
            continue
        for name, value in components.items():
            if not close(row["components"][name], value):
                problems.append(f"{key}: {name} {row['components'][name]} != {value}")
    problems.extend(f"row without a card: {key}" for key in got.keys() - keys)
    return problems


# -- equality with the per-object path ------------------------------------------------------


@pytest.mark.slow
def test_streamed_scores_equal_the_per_object_scores(
    sample: Path, per_object: ScoreResults, tmp_path: Path
) -> None:
    out = tmp_path / "scores.jsonl"
    run = score_file(sample, out, chunk_rows=400)
    assert (run.streams, run.chunks, run.max_chunk_rows) == (3_000, 8, 400)
    assert run.ok
    assert run.error_count == 0
    assert run.skipped == ()
    assert not run.facts_pass
    # every stream by both stream scorers, every brand by the three brand scorers
    assert run.cards == len(per_object.cards) == 3_000 * 2 + 3 * 3
    rows = read_rows(out)
    assert len(rows) == run.rows == run.cards
    assert all(tuple(row) == SUMMARY_COLUMNS for row in rows)
    assert compare(rows, per_object) == []
    assert [s.name for s in run.scorers] == sorted(s.name for s in per_object.scorers)


def indicator_problems(rows: list[dict[str, Any]], want: ScoreResults) -> list[str]:
    """How the indicator rows (``rows=True``) differ from the per-object cards: each card's
    score and confidence, each component's score, each indicator's value, score and
    missing flag (a row's value is None where the card's indicator is missing)."""
    got: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    cards: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        card_key = (row["scorer"], row["brand_id"], row["subject_id"])
        cards[card_key] = row
        got[(*card_key, f"{row['component']}.{row['indicator']}")] = row
    problems = []
    wanted = [c for c in want.cards if c.subject_kind.value == "stream"]
    if len(wanted) != len(cards):
        problems.append(f"{len(cards)} cards streamed, {len(wanted)} per object")
    for card in wanted:
        problems.extend(_card_problems(card, cards, got))
    return problems


def _card_problems(
    card: ScoreCard,
    cards: dict[tuple[str, str, str], dict[str, Any]],
    got: dict[tuple[str, str, str, str], dict[str, Any]],
) -> list[str]:
    key = (card.scorer, card.brand_id, card.subject_id)
    head = cards.get(key)
    if head is None:
        return [f"no rows for {key}"]
    problems = []
    if not (close(head["score"], card.score) and close(head["confidence"], card.confidence)):
        problems.append(f"{key}: {head['score']}/{head['confidence']} != {card.score}")
    for component in card.components:
        for indicator in component.indicators:
            row = got.get((*key, f"{component.key}.{indicator.key}"))
            if row is None:
                problems.append(f"{key}: no row for {indicator.key}")
                continue
            if not close(row["component_score"], component.score):
                problems.append(f"{key}: {component.key} {row['component_score']}")
            if (row["value"] is None) != (not indicator.available):
                problems.append(f"{key}: {indicator.key} missing {row['value']}")
            value_ok = close(row["value"], indicator.value)
            if not (value_ok and close(row["indicator_score"], indicator.score)):
                problems.append(
                    f"{key}: {indicator.key} {row['value']}/{row['indicator_score']} != "
                    f"{indicator.value}/{indicator.score}"
                )
    return problems


def _write_in_order(dataset: Dataset, path: Path, order: str, seed: int) -> None:
    lines = list(iter_jsonl(dataset))
    header, records = lines[0], lines[1:]
    products = [line for line in records if line.startswith('{"record":"product"')]
    rest = [line for line in records if line not in products]
    if order == "products last":
        records = rest + products
    elif order == "shuffled":
        random.Random(seed).shuffle(records)
    path.write_text("".join(line + "\n" for line in [header, *records]), encoding="utf-8")


@given(
    datasets(max_brands=2, max_streams=5),
    st.sampled_from(["as written", "products last", "shuffled"]),
    st.integers(1, 4),
    st.integers(0, 2**16),
)
@settings(max_examples=20, deadline=None)
def test_streamed_indicators_equal_the_per_object_cards(
    dataset: Dataset, order: str, chunk_rows: int, seed: int
) -> None:
    """Streams without plans or products, products listed before or after the streams
    (or anywhere), zero prices...: every STAGE and Douyin indicator streamed equals the
    per-object card's, and no indicator is reported not available for want of columns."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.jsonl"
        _write_in_order(dataset, path, order, seed)
        out = Path(folder) / "rows.jsonl"
        run = score_file(path, out, chunk_rows=chunk_rows, scorers=STREAM_SCORERS, rows=True)
        assert run.ok, run.errors
        assert not [w.message for w in run.warnings if "not available" in w.message]
        assert stage_gaps(next(iter(read_jsonl(path)), StreamTable.empty()).column_names) == set()
        want = score(load(path), STREAM_SCORERS)
        assert indicator_problems(read_rows(out), want) == []


@pytest.mark.slow
def test_the_sample_streams_every_stage_indicator(sample: Path, tmp_path: Path) -> None:
    """On the generated sample, the line-up and spend pacing indicators are available
    (most streams have explained products and a paced plan), as on the per-object path."""
    out = tmp_path / "rows.jsonl"
    run = score_file(sample, out, chunk_rows=1_000, scorers=["stage"], rows=True)
    assert not run.warnings
    rows = [r for r in read_rows(out) if r["indicator"] in NEEDS_EXTRA]
    assert {r["indicator"] for r in rows if r["value"] is not None} == set(NEEDS_EXTRA)
    assert indicator_problems(read_rows(out), score(load(sample), ["stage"])) == []


@pytest.mark.slow
def test_chunking_is_bounded_and_does_not_change_the_rows(sample: Path, tmp_path: Path) -> None:
    runs = {}
    for size in (3_000, 1_000, 700):
        out = tmp_path / f"scores-{size}.jsonl"
        runs[size] = (score_file(sample, out, chunk_rows=size, scorers=STREAM_SCORERS), out)
    assert [(r.chunks, r.max_chunk_rows) for r, _ in runs.values()] == [
        (1, 3_000),
        (3, 1_000),
        (5, 700),
    ]

    def keyed(path: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
        return {(r["scorer"], r["brand_id"], r["subject_id"]): r for r in read_rows(path)}

    whole = keyed(runs[3_000][1])
    assert len(whole) == 6_000
    for size in (1_000, 700):
        assert keyed(runs[size][1]) == whole


def test_open_windows_and_mixed_platforms_read_the_stream_facts(tmp_path: Path) -> None:
    """A brand whose window is open, or whose accounts are on two platforms, takes its
    context from all its streams, whichever chunk is scored."""
    generated = tmp_path / "generated.jsonl"
    write_jsonl(generated, brands=2, seed=3, streams_per_brand=40, orders=False)
    dataset = load(generated)
    brands = []
    for brand in dataset.brands:
        accounts = tuple(
            attrs.evolve(a, platform=Platform.DOUYIN if i % 2 else Platform.KUAISHOU)
            for i, a in enumerate(brand.accounts)
        )
        brands.append(attrs.evolve(brand, window_start=None, window_end=None, accounts=accounts))
    dataset = attrs.evolve(dataset, brands=tuple(brands))
    path = tmp_path / "open.jsonl"
    dump(dataset, path)
    source = read_jsonl(path)
    assert needs_stream_facts(source.catalog)
    assert open_streams(path).stream_facts() == StreamFacts.over(read_jsonl(path, chunk_rows=7))

    out = tmp_path / "scores.jsonl"
    run = score_file(path, out, chunk_rows=7, scorers=STREAM_SCORERS)
    assert run.facts_pass
    assert run.chunks == math.ceil(80 / 7)
    assert compare(read_rows(out), score(load(path), STREAM_SCORERS)) == []


@pytest.mark.parametrize("language", ["en", "zh"])
def test_indicator_rows_are_the_rows_of_the_cards(sample: Path, language: Any) -> None:
    source = read_jsonl(sample, chunk_rows=300)
    chunk = next(iter(source))
    context = ScoringContext(language=language)
    results = score_table(
        chunk, TableCatalog(source.catalog, StreamFacts()), STREAM_SCORERS, context
    )
    rows = indicator_rows(results)
    assert rows == results.to_rows()
    assert summary_rows(results) == summary_rows(results.to_results())
    explained = " ".join(str(row["explanation"]) for row in rows)
    assert ("against" in explained) == (language == "en")
    assert ("对照" in explained) == (language == "zh")


# -- output ---------------------------------------------------------------------------------


def test_rows_mode_and_parquet_output(sample: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    jsonl, parquet = tmp_path / "rows.jsonl", tmp_path / "rows.parquet"
    options: dict[str, Any] = {"chunk_rows": 1_000, "scorers": ["douyin-interest"], "rows": True}
    first = score_file(sample, jsonl, **options)
    second = score_file(sample, parquet, **options)
    assert first.rows == second.rows > first.cards == 3_000
    assert pq.read_table(parquet).to_pylist() == read_rows(jsonl)

    summary = tmp_path / "summary.parquet"
    score_file(sample, summary, chunk_rows=1_000, scorers=["stage"])
    table = pq.read_table(summary).to_pylist()
    assert len(table) == 3_000
    assert [tuple(r) for r in table[:1]] == [SUMMARY_COLUMNS]
    assert all(isinstance(r["components"], list) for r in table)


def test_parquet_input_with_a_catalog(sample: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    source = read_jsonl(sample)
    streams = tmp_path / "streams.parquet"
    pq.write_table(source.table().to_arrow(), streams, row_group_size=1_000)
    from_jsonl, from_parquet = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    score_file(sample, from_jsonl, chunk_rows=1_000, scorers=STREAM_SCORERS)
    run = score_file(
        streams, from_parquet, chunk_rows=1_000, scorers=STREAM_SCORERS, catalog=source.catalog
    )
    assert (run.streams, run.chunks) == (3_000, 3)
    assert read_rows(from_parquet) == read_rows(from_jsonl)
    with pytest.raises(ValueError, match="catalog"):
        open_streams(streams)
    skipped = score_file(
        streams, tmp_path / "c.jsonl", chunk_rows=1_000, scorers=["trust"], catalog=source.catalog
    )
    assert skipped.skipped == ("trust",)
    assert "Parquet" in skipped.notes[0]


def test_brand_scorers_run_on_a_file_of_any_size(sample: Path, tmp_path: Path) -> None:
    # The file holds every order of its 3,000 streams: over the 64 MB once loaded whole.
    assert sample.stat().st_size > 64 * 1024**2
    run = score_file(sample, tmp_path / "out.jsonl", scorers=["steps", "stage"])
    assert (run.skipped, run.notes) == ((), ())
    rows = read_rows(tmp_path / "out.jsonl")
    assert sorted(r["subject_id"] for r in rows if r["scorer"] == "steps") == ["b00", "b01", "b02"]


# -- atomic output --------------------------------------------------------------------------


def corrupt(sample: Path, target: Path, stream_index: int) -> None:
    """A copy of ``sample`` whose ``stream_index``-th stream has more buyers than orders."""
    lines = sample.read_text(encoding="utf-8").splitlines(keepends=True)
    streams = [i for i, line in enumerate(lines) if line.startswith('{"record":"stream"')]
    at = streams[stream_index]
    lines[at] = re.sub(r'"buyers":\d+', '"buyers":999999999', lines[at], count=1)
    target.write_text("".join(lines), encoding="utf-8")


def test_a_failed_run_leaves_the_output_untouched(sample: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    corrupt(sample, bad, 2_500)
    out = tmp_path / "scores.jsonl"
    out.write_text("older results\n", encoding="utf-8")
    seen: list[int] = []
    with pytest.raises(InvalidDataError, match="buyers"):
        score_file(
            bad, out, chunk_rows=500, scorers=STREAM_SCORERS, progress=lambda d, t: seen.append(d)
        )
    assert seen[-1] == 2_500  # five chunks were scored and written before the problem
    assert out.read_text(encoding="utf-8") == "older results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "scores.jsonl"]


def test_an_interrupted_run_leaves_no_output(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.parquet"

    def interrupt(done: int, total: int) -> None:
        if done >= 1_000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_file(sample, out, chunk_rows=500, scorers=["stage"], progress=interrupt)
    assert list(tmp_path.iterdir()) == []


# -- the command ----------------------------------------------------------------------------


def test_the_command_streams_to_a_file(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scores.jsonl"
    argv = ["score", str(sample), "--stream", "--chunk-rows", "1000", "-o", str(out)]
    assert main([*argv, "--scorer", "douyin-interest"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"wrote {out} (3,000 rows, 3,000 cards, 0 errors;")
    assert "\r" not in captured.err  # no progress bar when stderr is not a terminal
    assert len(read_rows(out)) == 3_000

    assert main([*argv, "--scorer", "douyin-interest", "--quiet", "--rows"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "\r" not in captured.err
    assert len(read_rows(out)) > 3_000


def test_the_command_streams_to_stdout(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(sample), "--stream", "--scorer", "stage", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3_000
    assert json.loads(lines[0])["scorer"] == "stage"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--rows"], "need --stream"),
        (["--chunk-rows", "10"], "need --stream"),
        (["--stream", "--format", "json"], "--format does not apply"),
        (["--stream", "--catalog", "x.json"], "--catalog FILE is needed with a .parquet"),
    ],
)
def test_the_command_rejects_options_that_do_not_go_together(
    sample: Path, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", str(sample), *extra]) == 2
    assert message in capsys.readouterr().err


def test_the_command_reads_parquet_with_a_catalog(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    streams = tmp_path / "streams.parquet"
    pq.write_table(read_jsonl(sample).table().to_arrow(), streams)
    out = tmp_path / "scores.parquet"
    argv = ["score", str(streams), "--stream", "--catalog", str(sample), "-o", str(out)]
    assert main([*argv, "--scorer", "stage", "--scorer", "trust"]) == 0
    assert "brand scorers trust skipped" in capsys.readouterr().err
    assert pq.read_table(out).num_rows == 3_000


# -- the progress bar -----------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar() -> None:
    screen, clock = io.StringIO(), Clock()
    bar = ProgressBar(screen, clock=clock, interval=1.0)
    bar.status("reading the catalog…")
    clock.now += 30  # the catalog does not count in the rate
    bar(0, 3_000)
    clock.now += 2
    bar(1_000, 3_000)
    clock.now += 0.5
    bar(1_500, 3_000)  # too soon: not shown
    clock.now += 1
    bar(3_000, 3_000)
    bar.close()
    frames = screen.getvalue().split("\r")
    assert frames[1] == "reading the catalog…"
    assert frames[3].startswith("streams 1,000/3,000 (33%) · 500/s · 0:02")
    assert all("1,500" not in frame for frame in frames)
    assert frames[-1].startswith("streams 3,000/3,000 (100%) · 857/s · 0:03")
    assert frames[-1].endswith("\n")


def test_the_progress_bar_only_on_a_terminal() -> None:
    assert default_progress(stream=io.StringIO()) is None
    assert default_progress(stream=Terminal(), quiet=True) is None
    assert isinstance(default_progress(stream=Terminal()), ProgressBar)
