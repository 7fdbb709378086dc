"""Chunked scoring (`ChunkedRun`, behind ``steps score FILE``) against the per-object path.

A generated file of 3,000 streams is scored chunk by chunk; every card must equal what
`steps.score` gives for the whole loaded file, the chunks must be bounded, and the
output must appear only once complete.  Arbitrary generated datasets, their records in any
order, give every indicator's value, score and missing flag of the per-object cards.
"""

from __future__ import annotations

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
from steps.scoring.cards import card_head, card_rows, iter_rows
from steps.scoring.engine import score_table
from steps.scoring.streaming import ChunkedRun, needs_stream_facts, open_streams
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


def chunked(
    path: Path, scorers: list[str] | None = None, **options: Any
) -> tuple[ChunkedRun, list[ScoreCard]]:
    """A run of the chunked engine as ``steps score`` makes it for a table or CSV (no
    advice), and its cards, read once."""
    run = ChunkedRun(path, scorers, advice=False, **options)
    return run, [card for cards in run.slices() for card in cards]


def summaries(cards: Iterable[ScoreCard]) -> list[dict[str, Any]]:
    """One row per card: its head and each component's score by key."""
    return [
        {**card_head(card), "components": {c.key: c.score for c in card.components}}
        for card in cards
    ]


def close(got: float | None, want: float | None) -> bool:
    if got is None or want is None:
        return got is want
    return math.isclose(got, want, rel_tol=0.0, abs_tol=TOLERANCE)


def compare(rows: list[dict[str, Any]], want: ScoreResults) -> list[str]:
    """How the card summaries differ from the per-object cards (every card must have its
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
def test_chunked_scores_equal_the_per_object_scores(sample: Path, per_object: ScoreResults) -> None:
    run, cards = chunked(sample, chunk_rows=400)
    assert (run.streams, run.chunks, run.max_chunk_rows) == (3_000, 8, 400)
    assert run.errors == []
    assert run.skipped == ()
    assert not run.facts_pass
    # every stream by both stream scorers, every brand by the three brand scorers
    assert run.cards == len(cards) == len(per_object.cards) == 3_000 * 2 + 3 * 3
    assert compare(summaries(cards), per_object) == []
    assert [s.name for s in run.scorers] == sorted(s.name for s in per_object.scorers)


def indicator_problems(rows: list[dict[str, Any]], want: ScoreResults) -> list[str]:
    """How the indicator rows (`iter_rows` of the cards) differ from the per-object cards:
    each card's score and confidence, each component's score, each indicator's value, score
    and missing flag (a row's value is None where the card's indicator is missing)."""
    got: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    cards: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        card_key = (row["scorer"], row["brand_id"], row["subject_id"])
        cards[card_key] = row
        got[(*card_key, f"{row['component']}.{row['indicator']}")] = row
    problems = []
    wanted = [c for c in want.cards if c.subject_kind.value == "stream"]
    if len(wanted) != len(cards):
        problems.append(f"{len(cards)} cards in chunks, {len(wanted)} per object")
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
def test_chunked_indicators_equal_the_per_object_cards(
    dataset: Dataset, order: str, chunk_rows: int, seed: int
) -> None:
    """Streams without plans or products, products listed before or after the streams
    (or anywhere), zero prices...: every STAGE and Douyin indicator streamed equals the
    per-object card's, and no indicator is reported not available for want of columns."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.jsonl"
        _write_in_order(dataset, path, order, seed)
        run, cards = chunked(path, STREAM_SCORERS, chunk_rows=chunk_rows)
        assert run.errors == []
        assert not [w.message for w in run.warnings if "not available" in w.message]
        assert stage_gaps(next(iter(read_jsonl(path)), StreamTable.empty()).column_names) == set()
        want = score(load(path), STREAM_SCORERS)
        assert indicator_problems(list(iter_rows(cards)), want) == []


@pytest.mark.slow
def test_the_sample_scores_every_stage_indicator_in_chunks(sample: Path) -> None:
    """On the generated sample, the line-up and spend pacing indicators are available
    (most streams have explained products and a paced plan), as on the per-object path."""
    run, cards = chunked(sample, ["stage"], chunk_rows=1_000)
    assert not run.warnings
    every = list(iter_rows(cards))
    rows = [r for r in every if r["indicator"] in NEEDS_EXTRA]
    assert {r["indicator"] for r in rows if r["value"] is not None} == set(NEEDS_EXTRA)
    assert indicator_problems(every, score(load(sample), ["stage"])) == []


@pytest.mark.slow
def test_chunking_is_bounded_and_does_not_change_the_cards(sample: Path) -> None:
    runs = {size: chunked(sample, STREAM_SCORERS, chunk_rows=size) for size in (3_000, 1_000, 700)}
    assert [(r.chunks, r.max_chunk_rows) for r, _ in runs.values()] == [
        (1, 3_000),
        (3, 1_000),
        (5, 700),
    ]
    whole = runs[3_000][1]
    assert len(whole) == 6_000
    for size in (1_000, 700):
        assert runs[size][1] == whole


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

    run, cards = chunked(path, STREAM_SCORERS, chunk_rows=7)
    assert run.facts_pass
    assert run.chunks == math.ceil(80 / 7)
    assert compare(summaries(cards), score(load(path), STREAM_SCORERS)) == []


@pytest.mark.parametrize("language", ["en", "zh"])
def test_table_rows_are_the_rows_of_the_cards(sample: Path, language: Any) -> None:
    source = read_jsonl(sample, chunk_rows=300)
    chunk = next(iter(source))
    context = ScoringContext(language=language)
    results = score_table(
        chunk, TableCatalog(source.catalog, StreamFacts()), STREAM_SCORERS, context
    )
    rows = results.to_rows()
    assert rows == [row for card in results.to_results().cards for row in card_rows(card)]
    explained = " ".join(str(row["explanation"]) for row in rows)
    assert ("against" in explained) == (language == "en")
    assert ("对照" in explained) == (language == "zh")


# -- output ---------------------------------------------------------------------------------


def test_parquet_output_holds_the_rows_of_the_cards(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--format parquet``: the rows of ``--format csv`` (one per card and indicator),
    typed, written a row group at a time from the cards of the chunked run."""
    pq = pytest.importorskip("pyarrow.parquet")
    from steps.frames import result_columns, write_parquet

    out = tmp_path / "rows.parquet"
    argv = ["score", str(sample), "--scorer", "douyin-interest", "--chunk-rows", "1000"]
    assert main([*argv, "--format", "parquet", "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out} (3000 cards, 0 errors)\n"
    _, cards = chunked(sample, ["douyin-interest"], chunk_rows=1_000)
    rows = list(iter_rows(cards))
    assert len(rows) > len(cards) == 3_000
    table = pq.read_table(out)
    assert table.column_names == [c.name for c in result_columns()]
    assert table.to_pylist() == rows

    grouped = tmp_path / "grouped.parquet"
    with grouped.open("wb") as sink:
        assert write_parquet(iter(rows), sink, group_rows=4_000) == len(rows)
    assert pq.ParquetFile(grouped).num_row_groups == math.ceil(len(rows) / 4_000)
    assert pq.read_table(grouped).to_pylist() == rows
    empty = tmp_path / "empty.parquet"
    with empty.open("wb") as sink:
        assert write_parquet([], sink) == 0
    assert pq.read_table(empty).schema == table.schema


def test_parquet_input_with_a_catalog(sample: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    source = read_jsonl(sample)
    streams = tmp_path / "streams.parquet"
    pq.write_table(source.table().to_arrow(), streams, row_group_size=1_000)
    _, from_jsonl = chunked(sample, STREAM_SCORERS, chunk_rows=1_000)
    run, from_parquet = chunked(streams, STREAM_SCORERS, chunk_rows=1_000, catalog=source.catalog)
    assert (run.streams, run.chunks) == (3_000, 3)
    assert from_parquet == from_jsonl
    with pytest.raises(ValueError, match="catalog"):
        open_streams(streams)
    skipped, cards = chunked(streams, ["trust"], chunk_rows=1_000, catalog=source.catalog)
    assert (skipped.skipped, cards) == (("trust",), [])
    assert "Parquet" in skipped.notes[0]


def test_brand_scorers_run_on_a_file_of_any_size(sample: Path) -> None:
    # The file holds every order of its 3,000 streams: over the 64 MB once loaded whole.
    assert sample.stat().st_size > 64 * 1024**2
    run, cards = chunked(sample, ["steps", "stage"])
    assert (run.skipped, run.notes) == ((), ())
    assert sorted(c.subject_id for c in cards if c.scorer == "steps") == ["b00", "b01", "b02"]


# -- atomic output --------------------------------------------------------------------------


def corrupt(sample: Path, target: Path, stream_index: int) -> None:
    """A copy of ``sample`` whose ``stream_index``-th stream has more buyers than orders."""
    lines = sample.read_text(encoding="utf-8").splitlines(keepends=True)
    streams = [i for i, line in enumerate(lines) if line.startswith('{"record":"stream"')]
    at = streams[stream_index]
    lines[at] = re.sub(r'"buyers":\d+', '"buyers":999999999', lines[at], count=1)
    target.write_text("".join(lines), encoding="utf-8")


def test_a_failed_run_leaves_the_output_untouched(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    corrupt(sample, bad, 2_500)
    seen: list[int] = []
    run = ChunkedRun(bad, STREAM_SCORERS, chunk_rows=500, progress=lambda d, t: seen.append(d))
    with pytest.raises(InvalidDataError, match="buyers"):
        for _ in run.slices():
            pass
    assert seen[-1] == 2_500  # five chunks were scored and their cards read before the problem

    out = tmp_path / "scores.csv"
    out.write_text("older results\n", encoding="utf-8")
    argv = ["score", str(bad), "--scorer", "stage", "--format", "csv", "--chunk-rows", "500"]
    assert main([*argv, "-o", str(out)]) == 1
    assert "buyers" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "older results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "scores.csv"]


def test_an_interrupted_run_leaves_no_output(
    sample: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from steps.scoring import engine

    scored = engine.score_table
    calls: list[int] = []

    def interrupt(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) > 2:
            raise KeyboardInterrupt
        return scored(*args, **kwargs)

    monkeypatch.setattr(engine, "score_table", interrupt)
    out = tmp_path / "scores.csv"
    argv = ["score", str(sample), "--scorer", "stage", "--format", "csv", "--chunk-rows", "500"]
    assert main([*argv, "-o", str(out)]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert len(calls) == 3
    assert list(tmp_path.iterdir()) == []


# -- the command ----------------------------------------------------------------------------


def test_stream_and_rows_are_deprecated_and_change_nothing(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["score", str(sample), "--scorer", "douyin-interest", "--chunk-rows", "1000"]
    plain, deprecated = tmp_path / "plain.csv", tmp_path / "deprecated.csv"
    assert main([*argv, "--format", "csv", "-o", str(plain)]) == 0
    assert "deprecated" not in capsys.readouterr().err
    for flags in (["--stream"], ["--rows"], ["--stream", "--rows"]):
        assert main([*argv, *flags, "--format", "csv", "-o", str(deprecated)]) == 0
        err = capsys.readouterr().err
        assert "steps score: --stream and --rows are deprecated and do nothing" in err
        assert deprecated.read_bytes() == plain.read_bytes()
    assert main([*argv, "--stream", "--color", "never"]) == 0
    table = capsys.readouterr().out
    assert main([*argv, "--color", "never"]) == 0
    assert capsys.readouterr().out == table


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--catalog", "x.json"], "--catalog FILE is needed with a .parquet"),
        (["--stream", "--catalog", "x.json"], "--catalog FILE is needed with a .parquet"),
        (["--format", "parquet"], "--format parquet writes a file: give -o OUT"),
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
    out = tmp_path / "scores.csv"
    argv = ["score", str(streams), "--catalog", str(sample), "--format", "csv", "-o", str(out)]
    assert main([*argv, "--scorer", "stage", "--scorer", "trust"]) == 0
    captured = capsys.readouterr()
    assert "brand scorers trust skipped" in captured.err
    assert captured.out == f"wrote {out} (3000 cards, 0 errors)\n"
