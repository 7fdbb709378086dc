"""The columnar path (``score_table``) against the per-object path (``score``).

Property tests on arbitrary generated datasets: both paths give the same card scores,
confidences, component and indicator values, scores, weights, contributions and
missing-data flags (to 1e-9), with default benchmarks, peers, user overrides (including a
benchmark that is neither linear nor peers), chunked JSON Lines input (product records
before or after the streams), tables given the optional columns as plain columns, tables
without them, and empty tables.
"""

from __future__ import annotations

import math
import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steps.columnar import StreamTable, from_arrow, read_jsonl
from steps.columnar.table import EXTRA_SCHEMA, LINEUP_COLUMNS, PACING_COLUMNS
from steps.domain import Account, Brand, Dataset, Platform, Product, Stream
from steps.domain.enums import ProductRole, TrafficSource
from steps.domain.model import RunOfShow, ShowSegment, StreamProduct
from steps.io.files import iter_jsonl
from steps.plugins.douyin import DouyinStreamScorer
from steps.plugins.stage import StageScorer
from steps.scoring import (
    BenchmarkOverrides,
    Component,
    Direction,
    Indicator,
    LinearBenchmark,
    PeerBenchmark,
    ScoreCard,
    ScoringContext,
    evaluate,
    score,
)
from steps.scoring.batch import (
    TABLE_MATERIALISED,
    BenchmarkColumn,
    TableCatalog,
    TableScores,
    evaluate_columns,
    materialise,
    normalise_column,
    ratio,
)
from steps.scoring.engine import BATCH_FALLBACK, score_table
from steps.scoring.peers import build_peers
from steps.testing.plugins import isolated_host
from steps.testing.strategies import datasets
from tests.scoring.support import FakeScorer, Plugin, make_dataset

SCORERS = ("douyin-interest", "stage")
TOLERANCE = 1e-9
#: STAGE indicators computed from the optional columns (steps.columnar.table.EXTRA_SCHEMA).
NEEDS_EXTRA = frozenset(
    {"spend_pacing", "tier_coverage", "price_spread", "discount_depth", "heroes_explained"}
)


# -- comparing cards ----------------------------------------------------------------------


def close(got: float | None, want: float | None, *, relative: bool = False) -> bool:
    if got is None or want is None:
        return got is want
    tolerance = TOLERANCE * max(1.0, abs(want)) if relative else TOLERANCE
    return abs(got - want) <= tolerance


def card_problems(
    got: ScoreCard, want: ScoreCard, *, skip: frozenset[str] = frozenset(), advice: bool = True
) -> list[str]:
    """How ``got`` (columnar) differs from ``want`` (per object), indicators in ``skip``
    left out (and the totals with them)."""
    problems = []
    if (got.scorer, got.subject_id, got.brand_id) != (want.scorer, want.subject_id, want.brand_id):
        return [f"ids {got.subject_id}/{got.brand_id} != {want.subject_id}/{want.brand_id}"]
    if not skip:
        if not close(got.score, want.score):
            problems.append(f"score {got.score} != {want.score}")
        if not close(got.confidence, want.confidence):
            problems.append(f"confidence {got.confidence} != {want.confidence}")
        if got.missing != want.missing:
            problems.append(f"missing {got.missing} != {want.missing}")
        if dict(got.notes) != dict(want.notes):
            problems.append(f"notes {dict(got.notes)} != {dict(want.notes)}")
    assert [c.key for c in got.components] == [c.key for c in want.components]
    exact = True
    for mine, theirs in zip(got.components, want.components, strict=True):
        # With indicators skipped, the weights across components may differ; within a
        # component that has none skipped, its score and its indicators' weights may not.
        touched = any(i.key in skip for i in theirs.indicators)
        if not touched and not close(mine.score, theirs.score):
            problems.append(f"component {mine.key}: {mine.score} != {theirs.score}")
        if not skip and not (
            close(mine.weight, theirs.weight) and close(mine.contribution, theirs.contribution)
        ):
            problems.append(f"component {mine.key}: {mine} != {theirs}")
        for a, b in zip(mine.indicators, theirs.indicators, strict=True):
            assert a.key == b.key
            if a.key in skip:
                continue
            if (a.value is None) != (b.value is None) or a.missing != b.missing:
                problems.append(f"{a.key}: available {a.value} vs {b.value}")
                continue
            if not close(a.value, b.value, relative=True) or not close(a.score, b.score):
                problems.append(f"{a.key}: value/score {a.value}/{a.score} != {b.value}/{b.score}")
            if not touched and not close(a.weight, b.weight):
                problems.append(f"{a.key}: weight {a.weight} != {b.weight}")
            if not skip and not close(a.contribution, b.contribution):
                problems.append(f"{a.key}: contribution {a.contribution} != {b.contribution}")
            if (a.benchmark, a.benchmark_source) != (b.benchmark, b.benchmark_source):
                problems.append(f"{a.key}: benchmark {a.benchmark} != {b.benchmark}")
            if (a.value, a.score) == (b.value, b.score):
                if a.explanation != b.explanation:
                    problems.append(f"{a.key}: {a.explanation!r} != {b.explanation!r}")
            else:
                exact = False
    if advice and exact and not skip and got.recommendations != want.recommendations:
        problems.append(f"recommendations {got.recommendations} != {want.recommendations}")
    return problems


def object_cards(dataset: Dataset, context: ScoringContext | None = None) -> dict[Any, ScoreCard]:
    results = score(dataset, SCORERS, context)
    assert results.ok, results.errors
    return {(c.scorer, c.brand_id, c.subject_id): c for c in results.cards}


def assert_parity(
    table: StreamTable,
    catalog: Dataset | TableCatalog,
    want: dict[Any, ScoreCard],
    context: ScoringContext | None = None,
    *,
    subjects_from: Dataset | None = None,
    skip: frozenset[str] = frozenset(),
) -> None:
    results = score_table(table, catalog, SCORERS, context)
    assert results.ok, results.errors
    assert not results.cards
    assert sorted(results.scores) == sorted(SCORERS)
    rows: Sequence[int] | None = None
    subjects = None
    if subjects_from is not None:
        groups = materialise(table, subjects_from)
        rows = [r for _, _, group_rows in groups for r in group_rows]
        subjects = [s for _, group, _ in groups for s in group]
    for name in SCORERS:
        scores = results.scores[name]
        assert len(scores) == len(table)
        assert scores.problem(len(table)) is None
        cards = scores.to_cards(rows, subjects=subjects)
        assert len(cards) == len(table)
        for card in cards:
            reference = want[(name, card.brand_id, card.subject_id)]
            problems = card_problems(
                card,
                reference,
                skip=skip if name == "stage" else frozenset(),
                advice=subjects is not None,
            )
            assert not problems, (card.subject_id, problems)
        # The missing-data matrix agrees with the cards' flags.
        width = len(list(scores.indicators()))
        flags = np.array([[i.score is None for i in c.indicators()] for c in cards], dtype=bool)
        order = np.arange(len(table)) if rows is None else np.asarray(rows, dtype=np.intp)
        assert np.array_equal(scores.missing()[order], flags.reshape(len(cards), width))


# -- the properties ------------------------------------------------------------------------


@given(datasets(max_brands=2, max_streams=4))
@settings(max_examples=40)
def test_table_scores_equal_object_scores(dataset: Dataset) -> None:
    table = StreamTable.from_dataset(dataset)
    assert_parity(table, dataset, object_cards(dataset), subjects_from=dataset)


@given(datasets(max_brands=3, max_streams=4))
@settings(max_examples=20)
def test_parity_with_peer_benchmarks(dataset: Dataset) -> None:
    peers = build_peers(dataset, [StageScorer(), DouyinStreamScorer()], min_group_size=1)
    context = ScoringContext(peers=peers)
    table = StreamTable.from_dataset(dataset)
    assert_parity(table, dataset, object_cards(dataset, context), context, subjects_from=dataset)


@attrs.frozen
class Threshold:
    """A benchmark that is neither linear nor peers: 100 above ``level``, else 0."""

    level: float
    source: str = "assumption: a threshold"

    def normalise(self, value: float) -> float:
        return 100.0 if value > self.level else 0.0

    def describe(self) -> str:
        return f"above {self.level}"


OVERRIDES = BenchmarkOverrides(
    {
        "stage.conversion_rate": {"*": LinearBenchmark(0.05, 0.0, "lower is better, for a test")},
        "stage.hosts": {"kuaishou": Threshold(1.0), "douyin": LinearBenchmark(0, 5)},
        "douyin-interest.gpm": {"*": Threshold(10.0), "douyin": LinearBenchmark(50, 5_000)},
        "douyin-interest.entry_rate": {
            "*": PeerBenchmark((0.01, 0.1, 0.1, 0.3), direction=Direction.LOWER_IS_BETTER)
        },
    }
)


@given(datasets(max_brands=3, max_streams=3))
@settings(max_examples=20)
def test_parity_with_benchmark_overrides(dataset: Dataset) -> None:
    context = ScoringContext(benchmarks=OVERRIDES)
    table = StreamTable.from_dataset(dataset)
    assert_parity(table, dataset, object_cards(dataset, context), context, subjects_from=dataset)


def _jsonl_chunks(
    dataset: Dataset, chunk_rows: int, products_last: bool
) -> Iterator[tuple[Dataset, list[StreamTable]]]:
    lines = list(iter_jsonl(dataset))
    if products_last:  # every product record after every stream record
        products = [line for line in lines if line.startswith('{"record":"product"')]
        lines = [line for line in lines if line not in products] + products
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "data.jsonl")
        with open(path, "w", encoding="utf-8") as out:
            out.writelines(line + "\n" for line in lines)
        source = read_jsonl(path, chunk_rows=chunk_rows)
        chunks = list(source)
        yield source.catalog, chunks


@given(datasets(max_brands=2, max_streams=4), st.integers(1, 3), st.booleans())
@settings(max_examples=25)
def test_parity_on_json_lines_chunks(
    dataset: Dataset, chunk_rows: int, products_last: bool
) -> None:
    """A catalog without streams: brand contexts (main platform, open windows) come from the
    streams of all chunks; STAGE's line-up and spend pacing from the chunks' optional
    columns, which the reader builds whichever comes first, products or streams."""
    want = object_cards(dataset)
    for catalog, chunks in _jsonl_chunks(dataset, chunk_rows, products_last):
        assert all(not b.streams for b in catalog.brands)
        shared = TableCatalog.over(catalog, chunks)
        for chunk in chunks:
            assert chunk.has_columns(c.name for c in EXTRA_SCHEMA)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                assert_parity(chunk, shared, want)
            results = score_table(chunk, shared, ["stage"])
            assert not [w for w in results.warnings if "not available" in w.message]


def _catalog_without_streams(dataset: Dataset) -> Dataset:
    return Dataset(brands=tuple(attrs.evolve(b, streams=()) for b in dataset.brands))


@given(datasets(max_brands=2, max_streams=4))
@settings(max_examples=25)
def test_extra_columns_read_from_the_table(dataset: Dataset) -> None:
    """With the optional columns given as plain columns (Arrow, as a Parquet file holds
    them), STAGE needs no stream object: full parity with a catalog that holds no streams."""
    pytest.importorskip("pyarrow")
    table = from_arrow(StreamTable.from_dataset(dataset).to_arrow())
    assert table.has_columns(c.name for c in EXTRA_SCHEMA)
    catalog = _catalog_without_streams(dataset)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_parity(table, TableCatalog.over(catalog, [table]), object_cards(dataset))


@given(datasets(max_brands=2, max_streams=4), st.sampled_from(["pacing", "lineup", "both"]))
@settings(max_examples=20)
def test_tables_without_the_columns(dataset: Dataset, lacking: str) -> None:
    """A table without (a group of) the optional columns: bridged from the catalog's stream
    objects when it holds them (full parity), else those indicators are not available and a
    warning says so."""
    pytest.importorskip("pyarrow")
    dropped = {"pacing": PACING_COLUMNS, "lineup": LINEUP_COLUMNS}.get(
        lacking, (*PACING_COLUMNS, *LINEUP_COLUMNS)
    )
    table = from_arrow(StreamTable.from_dataset(dataset).to_arrow().drop_columns(list(dropped)))
    assert not table.has_columns(dropped)
    want = object_cards(dataset)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_parity(table, dataset, want)
    catalog = TableCatalog.over(_catalog_without_streams(dataset), [table])
    lost = {
        "pacing": {"spend_pacing"},
        "lineup": NEEDS_EXTRA - {"spend_pacing"},
        "both": NEEDS_EXTRA,
    }[lacking]
    assert_parity(table, catalog, want, skip=frozenset(lost))
    results = score_table(table, catalog, ["stage"])
    warned = [w for w in results.warnings if "not available" in w.message]
    assert bool(warned) == bool(len(table))
    stage = results.scores["stage"]
    for key in lost:
        assert not stage.indicator(key).available.any()


def test_empty_table() -> None:
    for catalog in (Dataset(), make_dataset()):
        results = score_table(StreamTable.empty(), catalog, SCORERS)
        assert results.ok
        assert not results.warnings
        assert not results.cards
        for name in SCORERS:
            scores = results.scores[name]
            assert len(scores) == 0
            assert scores.to_cards() == []
            assert scores.to_rows() == []
            assert scores.missing().shape[0] == 0
            assert all(len(column) == 0 for column in scores.to_columns().values())
        assert results.to_results().cards == ()


def _edge_brand() -> Brand:
    """Streams with every denominator zero or missing, and one with products and a plan
    whose sums are zero."""
    started = datetime(2024, 5, 1, 20, tzinfo=UTC)
    empty_plan = RunOfShow(
        segments=(
            ShowSegment("open", planned_seconds=0, actual_seconds=0, planned_spend_fen=0),
            ShowSegment("close", planned_seconds=0, actual_spend_fen=0),
        ),
        gmv_target_fen=0,
        planned_paid_uv_share=0.0,
    )
    zero = {"uv": 0, "watch_seconds": 0, "orders": 0, "buyers": 0, "gmv_fen": 0}
    return Brand(
        brand_id="edge",
        name="Edge",
        category="food",
        accounts=(Account("a", Platform.KUAISHOU, "A"),),
        products=(
            Product("p1", "P1", "food", price_fen=0, list_price_fen=0, role=ProductRole.HERO),
            Product("p2", "P2", "food", price_fen=0),
        ),
        streams=(
            Stream("s0", "a", started, duration_seconds=0, **zero),
            Stream(
                "s1",
                "a",
                started,
                duration_seconds=0,
                exposure=0,
                views=0,
                first_minutes_uv=0,
                uv_by_source={TrafficSource.PAID: 0},
                gmv_by_source={},
                product_exposure_uv=0,
                product_click_uv=0,
                orders_created=0,
                reserved_attendees=0,
                paid_spend_fen=0,
                hosts=0,
                products=(StreamProduct("p1"), StreamProduct("p2", explain_count=0)),
                plan=empty_plan,
                **zero,
            ),
            Stream(
                "s2",
                "a",
                started,
                duration_seconds=60,
                uv=0,
                watch_seconds=0,
                orders=0,
                buyers=0,
                gmv_fen=0,
                paid_spend_fen=5,
                plan=RunOfShow(),
            ),
        ),
    )


def test_zero_denominators_and_missing_fields() -> None:
    dataset = Dataset(brands=(_edge_brand(),))
    table = StreamTable.from_dataset(dataset)
    assert_parity(table, dataset, object_cards(dataset), subjects_from=dataset)
    results = score_table(table, dataset, SCORERS)
    douyin = results.scores["douyin-interest"]
    for key in ("gpm", "uv_value", "entry_rate", "funnel_conversion", "content_output"):
        assert not douyin.indicator(key).available.any(), key
    stage = results.scores["stage"]
    assert stage.indicator("plan_completeness").available.all()
    assert not stage.indicator("preheat_videos").available.any()
    assert not stage.indicator("conversion_rate").available.any()
    assert (stage.confidence < 1).all()


def test_ratios_of_integers_beyond_2_53_round_as_python_does() -> None:
    """``gmv_fen × 1000`` passes 2**53 for a large stream: numpy's float division of the
    two converted integers differs from Python's exactly rounded ``int / int`` there."""
    gmv, views = 436_203_972_119_579, 236_389_797_578_263
    assert float(gmv * 1000) / float(views) != gmv * 1000 / views  # the case is real
    started = datetime(2024, 5, 1, 20, tzinfo=UTC)
    stream = Stream("big", "a", started, duration_seconds=3600, uv=10**9, views=views,
                    watch_seconds=10**12, orders=10**6, buyers=10**6, gmv_fen=gmv)  # fmt: skip
    brand = Brand(
        brand_id="big",
        name="Big",
        category="food",
        accounts=(Account("a", Platform.DOUYIN, "A"),),
        streams=(stream,),
    )
    dataset = Dataset(brands=(brand,))
    table = StreamTable.from_dataset(dataset)
    assert_parity(table, dataset, object_cards(dataset), subjects_from=dataset)
    gpm = score_table(table, dataset, SCORERS).scores["douyin-interest"].indicator("gpm")
    assert gpm.value[0] == gmv * 1000 / views / 100
    wide = np.array([gmv * 1000, 6], dtype=np.int64)
    values, ok = ratio(wide, np.array([views, 0], dtype=np.int64))
    assert values.tolist() == [gmv * 1000 / views, 0.0]
    assert ok.tolist() == [True, False]


# -- the arithmetic alone ------------------------------------------------------------------

_VALUES = st.one_of(
    st.none(),
    st.just(math.nan),
    st.just(math.inf),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from((0.0, 0.5, 1.0, 0.1, 0.3)),
)
_WEIGHTS = st.sampled_from((0.5, 1.0, 2.0, 1 / 3, 0.1, 7.0))


@st.composite
def _benchmarks(draw: st.DrawFn) -> Any:
    kind = draw(st.integers(0, 2))
    if kind == 0:
        floor = draw(st.floats(-10, 10))
        target = draw(st.floats(-10, 10).filter(lambda t: t != floor))
        return LinearBenchmark(floor, target)
    if kind == 1:
        values = draw(st.lists(st.floats(-10, 10), min_size=1, max_size=6))
        return PeerBenchmark(values, direction=draw(st.sampled_from(Direction)))
    return Threshold(draw(st.floats(-5, 5)))


@st.composite
def _cases(draw: st.DrawFn) -> tuple[list[Component[int]], dict[str, float], dict[str, Any], Any]:
    rows = draw(st.integers(0, 6))
    components: list[Component[int]] = []
    columns: dict[str, list[float | None]] = {}
    benchmarks: dict[str, Any] = {}
    for c in range(draw(st.integers(1, 4))):
        indicators = []
        for i in range(draw(st.integers(0, 4))):
            path = f"c{c}.i{i}"
            columns[path] = draw(st.lists(_VALUES, min_size=rows, max_size=rows))
            choices = draw(st.lists(_benchmarks(), min_size=1, max_size=2))
            codes = draw(st.lists(st.integers(0, len(choices) - 1), min_size=rows, max_size=rows))
            benchmarks[path] = BenchmarkColumn(tuple(choices), np.array(codes, dtype=np.intp))
            indicators.append(
                Indicator[int](
                    key=f"i{i}",
                    name=f"I{i}",
                    name_zh="指标",
                    unit="u",
                    measure=lambda row, path=path: columns[path][row],
                    defaults={"*": LinearBenchmark(0, 1)},
                    weight=draw(_WEIGHTS),
                    inputs=draw(st.sampled_from(((), ("x",), ("x", "y")))),
                )
            )
        components.append(Component(f"c{c}", f"C{c}", "组", tuple(indicators)))
    weights = {c.key: draw(st.sampled_from((0.0, 1.0, 2.0, 0.25))) for c in components}
    if not any(weights.values()):
        weights[components[0].key] = 1.0
    return components, weights, benchmarks, (rows, columns)


@given(_cases(), st.booleans())
@settings(max_examples=150)
def test_evaluate_columns_is_evaluate(case: Any, exact: bool) -> None:
    components, weights, benchmarks, (rows, columns) = case
    values = {
        path: (
            np.array([math.nan if v is None else v for v in column], dtype=np.float64),
            np.array([v is not None for v in column], dtype=bool),
        )
        for path, column in columns.items()
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        evaluation = evaluate_columns(
            components, values, benchmarks, weights, size=rows, exact=exact
        )
    scores = TableScores.of("t", "1", StreamTable.empty(), evaluation)
    got = scores.evaluations()
    assert len(got) == rows
    for row in range(rows):
        want = evaluate(
            row,
            components,
            lambda indicator, row=row, component=None: next(
                benchmarks[f"{c.key}.{indicator.key}"].at(row)
                for c in components
                if indicator in c.indicators
            ),
            component_weights=weights,
        )
        mine = got[row]
        assert close(mine.score, want.score)
        assert close(mine.confidence, want.confidence)
        assert mine.missing == want.missing
        for a, b in zip(mine.components, want.components, strict=True):
            assert close(a.score, b.score), (a, b)
            assert close(a.weight, b.weight), (a, b)
            assert close(a.contribution, b.contribution)
            for x, y in zip(a.indicators, b.indicators, strict=True):
                assert x.value == y.value, (x, y)
                assert x.score == y.score, (x, y)
                assert close(x.weight, y.weight)
                assert close(x.contribution, y.contribution)
                assert x.explanation == y.explanation
                assert x.missing == y.missing


@given(_benchmarks(), st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=20))
@settings(max_examples=100)
def test_normalise_column_is_normalise(benchmark: Any, values: list[float]) -> None:
    column = normalise_column(benchmark, np.array(values, dtype=np.float64))
    want = [min(100.0, max(0.0, benchmark.normalise(v))) for v in values]
    assert column.tolist() == want


# -- the engine ----------------------------------------------------------------------------


def test_scorers_without_score_table_are_scored_per_object() -> None:
    dataset = make_dataset()
    host = isolated_host(Plugin("third", FakeScorer("third-party")), builtins=True)
    table = StreamTable.from_dataset(dataset)
    results = score_table(table, dataset, ["third-party", "stage"], host=host)
    assert results.ok
    assert not results.warnings
    assert list(results.scores) == ["stage"]
    want = score(dataset, ["third-party"], host=host).cards
    assert results.cards == want
    everything = results.to_results()
    assert [c.scorer for c in everything.cards] == ["stage"] * 5 + ["third-party"] * 5
    assert len(results.to_rows()) == len(everything.to_rows())


def test_streams_are_rebuilt_when_the_catalog_lacks_them() -> None:
    dataset = make_dataset()
    catalog = Dataset(brands=tuple(attrs.evolve(b, streams=()) for b in dataset.brands))
    host = isolated_host(Plugin("third", FakeScorer("third-party")))
    results = score_table(StreamTable.from_dataset(dataset), catalog, host=host)
    assert [w.category for w in results.warnings] == [TABLE_MATERIALISED]
    assert [(c.brand_id, c.subject_id) for c in results.cards] == [
        (c.brand_id, c.subject_id) for c in score(dataset, host=host).cards
    ]
    rebuilt = [
        s.stream
        for _, subjects, _ in materialise(StreamTable.from_dataset(dataset), catalog)
        for s in subjects
    ]
    assert [s.stream_id for s in rebuilt] == ["s3", "s1", "s2", "t1", "t2"]
    original = {s.stream_id: s for b in dataset.brands for s in b.streams}
    for stream in rebuilt:  # make_stream sets only scalar fields: rebuilt exactly
        assert stream == original[stream.stream_id]


@attrs.define
class BrokenTableScorer(FakeScorer):
    """A scorer whose ``score_table`` misbehaves in the way ``answer`` says."""

    table_answer: Any = None

    def score_table(self, table: StreamTable, catalog: Any, context: Any) -> Any:
        return self.table_answer(self, table)


def _raise(_: Any, __: Any) -> Any:
    raise RuntimeError("boom")


def _nan_scores(scorer: Any, table: StreamTable) -> TableScores:
    scores = StageScorer().score_table(table, make_dataset(), ScoringContext())
    return attrs.evolve(scores, scorer=scorer.name, score=np.full(len(table), np.nan))


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (_raise, "raised RuntimeError: boom"),
        (lambda s, t: 42, "returned int, not TableScores"),
        (_nan_scores, "score must be"),
    ],
)
def test_a_failing_score_table_falls_back(answer: Any, reason: str) -> None:
    dataset = make_dataset()
    scorer = BrokenTableScorer("broken", table_answer=answer)
    host = isolated_host(Plugin("third", scorer))
    results = score_table(StreamTable.from_dataset(dataset), dataset, host=host)
    assert not results.scores
    assert results.ok
    assert results.cards == score(dataset, host=host).cards
    [warning] = results.warnings
    assert warning.category == BATCH_FALLBACK
    assert reason in warning.message


def test_brands_must_be_in_the_catalog() -> None:
    table = StreamTable.from_dataset(make_dataset())
    with pytest.raises(ValueError, match="brand 'b2' of the table is not in the catalog"):
        score_table(table, Dataset(), SCORERS)


def test_brand_scorers_are_refused() -> None:
    with pytest.raises(ValueError, match="brand scorers"):
        score_table(StreamTable.empty(), Dataset(), ["douyin-interest-brand"])


def test_to_columns_matches_to_rows() -> None:
    dataset = make_dataset()
    results = score_table(StreamTable.from_dataset(dataset), dataset, ["stage"])
    scores = results.scores["stage"]
    columns = scores.to_columns()
    rows = scores.to_rows()
    assert len(rows) == len(columns["score"])
    for k, row in enumerate(rows):
        for key in ("subject_id", "brand_id", "component", "indicator", "weight", "benchmark"):
            assert columns[key][k] == row[key], key
        value = columns["value"][k]
        assert (row["value"] is None and np.isnan(value)) or value == row["value"]


def test_started_dates_follow_the_recorded_offset() -> None:
    """A brand whose window is open is closed by its streams' *local* dates."""
    stream = Stream(
        "late",
        "a",
        datetime.fromisoformat("2024-05-31T23:30:00-05:00"),
        duration_seconds=60,
        uv=1,
        watch_seconds=1,
        orders=0,
        buyers=0,
        gmv_fen=0,
    )
    account = Account("a", Platform.DOUYIN, "A")
    brand = Brand(
        "b", "B", "c", window_start=date(2024, 5, 1), accounts=(account,), streams=(stream,)
    )
    catalog = TableCatalog(Dataset(brands=(attrs.evolve(brand, streams=()),)))
    facts = catalog.brands(StreamTable.from_dataset(Dataset(brands=(brand,)))).facts[0]
    assert facts is not None
    assert facts.weeks == 31 / 7
    assert facts.platform == "douyin"
