"""StreamTable: columns equal the objects they came from, the JSON Lines reader agrees with
the objects and with the whole-file loader (values and problems), table operations, and the
Arrow / pandas / polars / Parquet builders."""

from __future__ import annotations

import json
import math
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from steps.columnar import (
    SCHEMA,
    StreamTable,
    concat,
    from_arrow,
    from_columns,
    from_pandas,
    from_polars,
    read_jsonl,
    read_parquet,
)
from steps.columnar import readers as readers_module
from steps.columnar.table import DICTIONARY_COLUMNS, EXTRA_SCHEMA, INT_FIELDS, SOURCES
from steps.domain import (
    Account,
    Brand,
    Dataset,
    InvalidDataError,
    Order,
    Platform,
    Product,
    Stream,
    TrafficSource,
)
from steps.domain.fields import MAX_MONEY_FEN
from steps.domain.model import RunOfShow, ShowSegment, StreamProduct
from steps.io.files import dump, iter_jsonl, load
from steps.testing import datasets
from tests.columnar.oracle import stage_aggregates

CST = timezone(timedelta(hours=8))
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- an independent oracle: each column's value for one stream -------------------------


def expected_row(brand_id: str, stream: Stream) -> dict[str, Any]:
    """What every column should hold for ``stream``, computed straight from the object."""
    row: dict[str, Any] = {
        "brand_id": brand_id,
        "stream_id": stream.stream_id,
        "account_id": stream.account_id,
        "campaign": stream.campaign,
        "started_at_us": (stream.started_at - EPOCH) // timedelta(microseconds=1),
        "started_at_offset_min": int(stream.started_at.utcoffset().total_seconds()) // 60,  # type: ignore[union-attr]
    }
    for field in INT_FIELDS:
        value = getattr(stream, field.name)
        if field.mode == "optional":
            row[f"has_{field.name}"] = value is not None
        row[field.name] = value or 0
    for split in ("uv_by_source", "gmv_by_source"):
        mapping = getattr(stream, split)
        row[f"has_{split}"] = len(mapping) > 0
        for source in TrafficSource:
            row[f"{split}_{source.value}"] = mapping.get(source, 0)
    gmvs = [p.gmv_fen for p in stream.products]
    ranked = sorted(gmvs, reverse=True)
    row.update(
        products_listed=len(gmvs),
        products_explained=len([p for p in stream.products if p.explain_count]),
        products_explain_count=sum(p.explain_count for p in stream.products),
        products_explain_seconds=sum(p.explain_seconds for p in stream.products),
        products_gmv_fen=sum(gmvs),
        products_max_gmv_fen=max(gmvs, default=0),
        products_top_fifth_gmv_fen=sum(ranked[: -(-len(ranked) // 5)]),
        products_max_gmv_share=max(gmvs) / sum(gmvs) if gmvs and sum(gmvs) else math.nan,
        products_stocked=sum(
            1 for p in stream.products if p.stock_units is not None and p.units_sold is not None
        ),
        products_sold_out=sum(
            1
            for p in stream.products
            if p.stock_units is not None
            and p.units_sold is not None
            and p.units_sold >= p.stock_units
        ),
    )
    plan = stream.plan
    segments = plan.segments if plan else ()
    timed = [
        (g.planned_seconds, g.actual_seconds) for g in segments if g.actual_seconds is not None
    ]
    target = plan.gmv_target_fen if plan else None
    share = plan.planned_paid_uv_share if plan else None
    returning = plan.planned_returning_share if plan else None
    row.update(
        {
            "has_plan": plan is not None,
            "plan_segments": len(segments),
            "plan_planned_seconds": sum(g.planned_seconds for g in segments),
            "plan_actual_seconds": sum(actual for _, actual in timed),
            "plan_timed_segments": len(timed),
            "plan_timed_planned_seconds": sum(planned for planned, _ in timed),
            "plan_timing_deviation_seconds": sum(abs(a - p) for p, a in timed),
            "plan_planned_spend_fen": sum(g.planned_spend_fen or 0 for g in segments),
            "plan_actual_spend_fen": sum(g.actual_spend_fen or 0 for g in segments),
            "has_plan_gmv_target_fen": target is not None,
            "plan_gmv_target_fen": target or 0,
            "has_plan_planned_paid_uv_share": share is not None,
            "plan_planned_paid_uv_share": share or 0.0,
            "has_plan_planned_returning_share": returning is not None,
            "plan_planned_returning_share": returning or 0.0,
        }
    )
    return row


def assert_matches_objects(table: StreamTable, dataset: Dataset) -> None:
    rows = [
        {
            **expected_row(b.brand_id, s),
            **stage_aggregates(s, {p.product_id: p for p in b.products}),
        }
        for b in dataset.brands
        for s in b.streams
    ]
    assert len(table) == len(rows)
    assert set(rows[0] if rows else table.column_names) == set(table.column_names)
    for column in (*SCHEMA, *EXTRA_SCHEMA):
        if column.dictionary:
            got: list[Any] = table.strings(column.name)
        else:
            got = table.column(column.name).tolist()
            assert table.column(column.name).dtype == np.dtype(column.dtype), column.name
        want = [r[column.name] for r in rows]
        if column.dtype == "float64":
            assert all(
                (math.isnan(g) and math.isnan(w)) or g == w for g, w in zip(got, want, strict=True)
            ), column.name
        else:
            assert got == want, column.name


def assert_identical(got: StreamTable, want: StreamTable) -> None:
    """Same codes and dictionaries, not only the same values."""
    assert len(got) == len(want)
    for name in DICTIONARY_COLUMNS:
        assert got.dictionary(name) == want.dictionary(name), name
    assert got.column_names == want.column_names
    for column in (c for c in (*SCHEMA, *EXTRA_SCHEMA) if c.name in want.column_names):
        a, b = got.column(column.name), want.column(column.name)
        assert a.dtype == b.dtype, column.name
        assert np.array_equal(a, b, equal_nan=column.dtype == "float64"), column.name
    assert got.equals(want)


def write_jsonl(dataset: Dataset, directory: str) -> Path:
    path = Path(directory) / "data.jsonl"
    dump(dataset, path)
    return path


# --- a small hand-built dataset --------------------------------------------------------------


def small_dataset() -> Dataset:
    start = datetime(2021, 9, 1, 20, 0, tzinfo=CST)
    streams = (
        Stream(
            stream_id="s1",
            account_id="a1",
            started_at=start,
            duration_seconds=7200,
            uv=1000,
            watch_seconds=300_000,
            orders=50,
            buyers=40,
            gmv_fen=500_000,
            exposure=8000,
            views=None,
            hosts=2,
            uv_by_source={TrafficSource.PRIVATE: 300, TrafficSource.PAID: 200},
            gmv_by_source={TrafficSource.PAID: 100_000},
            products=(
                StreamProduct("p1", explain_count=2, explain_seconds=600, gmv_fen=300_000),
                StreamProduct("p2", explain_count=0, gmv_fen=150_000, exposures=10, clicks=3),
            ),
            plan=RunOfShow(
                segments=(
                    ShowSegment("开场", planned_seconds=900, actual_seconds=1000),
                    ShowSegment("讲解", planned_seconds=5400, planned_spend_fen=20_000),
                ),
                gmv_target_fen=600_000,
            ),
            campaign="双十一",
        ),
        Stream(
            stream_id="s2",
            account_id="a2",
            started_at=datetime(
                2021, 9, 2, 1, 30, 15, 123456, tzinfo=timezone(-timedelta(hours=5))
            ),
            duration_seconds=0,
            uv=0,
            watch_seconds=0,
            orders=0,
            buyers=0,
            gmv_fen=0,
        ),
    )
    first = Brand(
        brand_id="b1",
        name="品牌一",
        category="beauty",
        window_start=date(2021, 9, 1),
        window_end=date(2021, 9, 30),
        accounts=(
            Account("a1", Platform.KUAISHOU, "旗舰店"),
            Account("a2", Platform.DOUYIN, "小店"),
        ),
        products=(Product("p1", "精华", "beauty", 9900), Product("p2", "面霜", "beauty", 19900)),
        streams=streams,
        orders=(
            Order(
                "o1",
                buyer_key="k1",
                placed_at=start,
                amount_fen=9900,
                stream_id="s1",
                product_id="p1",
            ),
        ),
    )
    second = Brand(
        brand_id="b2",
        name="品牌二",
        category="food",
        accounts=(Account("a1", Platform.DOUYIN, "食品店"),),
        streams=(
            Stream(
                stream_id="s1",  # the same id as b1's first stream: ids are unique per brand
                account_id="a1",
                started_at=start,
                duration_seconds=60,
                uv=10,
                watch_seconds=600,
                orders=1,
                buyers=1,
                gmv_fen=MAX_MONEY_FEN,
                campaign="双十一",
            ),
        ),
    )
    return Dataset(brands=(first, second))


def test_schema_covers_every_stream_field() -> None:
    names = {c.name for c in SCHEMA}
    assert len(names) == len(SCHEMA)
    scalar = {f.name for f in INT_FIELDS}
    for field in attrs.fields(Stream):
        if field.name in ("products", "plan", "uv_by_source", "gmv_by_source"):
            continue
        if field.name == "started_at":
            assert {"started_at_us", "started_at_offset_min"} <= names
        else:
            assert field.name in names, field.name
        if field.default is None and field.name in scalar:
            assert f"has_{field.name}" in names
    for source in SOURCES:
        assert f"uv_by_source_{source.value}" in names
        assert f"gmv_by_source_{source.value}" in names
    for column in SCHEMA:
        if column.mask is not None:
            assert column.mask in names


def test_from_dataset_columns() -> None:
    dataset = small_dataset()
    table = StreamTable.from_dataset(dataset)
    assert_matches_objects(table, dataset)
    assert len(table) == 3
    assert table.brand_ids == ("b1", "b2")
    assert table.dictionary("stream_id") == ("s1", "s2")
    assert table.strings("campaign") == ["双十一", None, "双十一"]
    assert table.column("campaign").tolist() == [0, -1, 0]
    assert table.column("started_at_offset_min").tolist() == [480, -300, 480]
    assert table.column("has_views").tolist() == [False, False, False]
    assert table.column("has_exposure").tolist() == [True, False, False]
    assert table.present("exposure").tolist() == [True, False, False]
    assert table.present("campaign").tolist() == [True, False, True]
    assert table.column("uv_by_source_paid").tolist() == [200, 0, 0]
    assert table.column("has_gmv_by_source").tolist() == [True, False, False]
    assert table.column("products_explained").tolist() == [1, 0, 0]
    assert table.column("products_top_fifth_gmv_fen").tolist() == [300_000, 0, 0]
    assert table.column("products_max_gmv_share")[0] == 300_000 / 450_000
    assert math.isnan(table.column("products_max_gmv_share")[1])
    assert table.column("plan_timing_deviation_seconds").tolist() == [100, 0, 0]
    assert table.column("plan_timed_planned_seconds").tolist() == [900, 0, 0]
    assert table.column("plan_planned_spend_fen").tolist() == [20_000, 0, 0]
    assert table.column("gmv_fen").tolist()[2] == MAX_MONEY_FEN


def test_columns_are_read_only() -> None:
    table = StreamTable.from_dataset(small_dataset())
    for name in table.column_names:
        with pytest.raises(ValueError, match="read-only"):
            table.column(name)[:1] = 0
    assert not table.slice(0, 2).column("uv").flags.writeable
    assert not table.take([1]).column("uv").flags.writeable


def test_jsonl_reader_agrees_with_objects_and_loader() -> None:
    dataset = small_dataset()
    with tempfile.TemporaryDirectory() as directory:
        path = write_jsonl(dataset, directory)
        source = read_jsonl(path)
        assert source.stream_records == 3
        table = source.table()
        assert_identical(table, StreamTable.from_dataset(load(path)))
        assert_identical(table, StreamTable.from_dataset(dataset))
        assert source.catalog == Dataset(
            brands=tuple(attrs.evolve(b, streams=()) for b in dataset.brands)
        )
        assert source.orders == {b.brand_id: b.orders for b in dataset.brands}


@given(dataset=datasets(max_brands=3, max_streams=4), chunk_rows=st.integers(1, 4))
def test_reader_and_objects_give_identical_columns(dataset: Dataset, chunk_rows: int) -> None:
    expected = StreamTable.from_dataset(dataset)
    assert_matches_objects(expected, dataset)
    with tempfile.TemporaryDirectory() as directory:
        path = write_jsonl(dataset, directory)
        source = read_jsonl(path, chunk_rows=chunk_rows)
        chunks = list(source.chunks())
        assert all(0 < len(chunk) <= chunk_rows for chunk in chunks)
        assert_identical(concat(chunks), expected)
        assert_identical(source.table(), expected)
        assert len(source.catalog.brands) == len(dataset.brands)
        assert source.orders == {b.brand_id: b.orders for b in dataset.brands}


def test_reader_without_orjson_gives_the_same_table(monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = small_dataset()
    with tempfile.TemporaryDirectory() as directory:
        path = write_jsonl(dataset, directory)
        fast = read_jsonl(path).table()
        monkeypatch.setattr(readers_module, "_loads_function", lambda: json.loads)
        assert_identical(read_jsonl(path).table(), fast)


def test_records_in_any_order_and_key_order() -> None:
    """Streams before their brand's records, keys in another order, blank lines."""
    dataset = small_dataset()
    lines = list(iter_jsonl(dataset))
    header, rest = lines[0], lines[1:]
    streams = [line for line in rest if '"record":"stream"' in line]
    others = [line for line in rest if '"record":"stream"' not in line]
    reordered = []
    for line in streams:
        record = json.loads(line)
        reordered.append(json.dumps(dict(reversed(list(record.items()))), ensure_ascii=False))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "mixed.jsonl"
        text = header + "\n" + "\n".join(reordered[:1]) + "\n\n" + "".join(others)
        text += "\n".join(reordered[1:]) + "\n"
        path.write_text(text, encoding="utf-8")
        assert_identical(read_jsonl(path).table(), StreamTable.from_dataset(load(path)))


# --- empty tables --------------------------------------------------------------------------


def test_empty_tables() -> None:
    empty = StreamTable.empty()
    assert len(empty) == 0
    for column in SCHEMA:
        assert empty.column(column.name).dtype == np.dtype(column.dtype)
        assert len(empty.column(column.name)) == 0
    assert empty.equals(StreamTable.from_dataset(Dataset()))
    assert empty.brand_ids == ()
    assert len(empty.groups()) == 0
    assert empty.groups().starts().tolist() == []
    assert empty.groups().max(empty.column("uv")).tolist() == []
    assert empty.groups().sum(empty.column("gmv_fen")).tolist() == []
    assert len(concat([])) == 0
    assert len(concat([empty, empty])) == 0
    assert len(empty.filter(np.zeros(0, dtype=bool))) == 0
    assert len(empty.take([])) == 0
    assert len(empty.slice(0, 10)) == 0
    table = StreamTable.from_dataset(small_dataset())
    assert_identical(concat([empty, table, empty]), table)
    none = table.filter(np.zeros(len(table), dtype=bool))
    assert len(none) == 0
    assert none.brand_ids == ()


def test_empty_files() -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = write_jsonl(Dataset(), directory)
        source = read_jsonl(path)
        assert list(source.chunks()) == []
        assert len(source.table()) == 0
        assert source.catalog == Dataset()
        no_streams = Dataset(brands=(Brand("b1", "品牌", "food"),))
        path = write_jsonl(no_streams, directory)
        assert len(read_jsonl(path).table()) == 0
        assert read_jsonl(path).catalog == no_streams


# --- table operations -------------------------------------------------------------------------


def test_slice_take_filter_concat() -> None:
    table = StreamTable.from_dataset(small_dataset())
    assert table.slice(1).column("uv").tolist() == [0, 10]
    taken = table.take([2, 0])
    assert taken.strings("stream_id") == ["s1", "s1"]
    assert taken.strings("brand_id") == ["b2", "b1"]
    assert taken.brand_ids == ("b1", "b2")
    kept = table.filter(table.column("uv") > 0)
    assert kept.column("uv").tolist() == [1000, 10]
    assert_identical(concat([table.slice(0, 1), table.slice(1)]), table)
    assert concat([table.take([2]), table.take([0])]).dictionary("brand_id") == ("b2", "b1")
    assert concat([table.take([2]), table.take([0])]).equals(taken)
    with pytest.raises(ValueError, match="boolean array"):
        table.filter([True, False])
    with pytest.raises(KeyError, match="no column"):
        table.column("nope")


def test_groups() -> None:
    table = StreamTable.from_dataset(small_dataset())
    by_brand = table.groups()
    assert by_brand.keys == ("b1", "b2")
    assert by_brand.sizes().tolist() == [2, 1]
    assert np.bincount(by_brand.codes).tolist() == [2, 1]
    assert by_brand.sum(table.column("gmv_fen")).tolist() == [500_000, MAX_MONEY_FEN]
    assert by_brand.max(table.column("uv")).tolist() == [1000, 10]
    assert by_brand.min(table.column("uv")).tolist() == [0, 10]
    order, starts = by_brand.order(), by_brand.starts()
    reduced = np.add.reduceat(table.column("orders")[order], starts)
    assert reduced.tolist() == [50, 1]
    accounts = table.groups(("brand_id", "account_id"))
    assert accounts.keys == (("b1", "a1"), ("b1", "a2"), ("b2", "a1"))
    assert accounts.sizes().tolist() == [1, 1, 1]
    assert table.groups("campaign").keys == ("双十一", None)
    assert table.groups("has_plan").keys == (False, True)


def test_group_sums_are_exact_beyond_float_precision() -> None:
    big = MAX_MONEY_FEN - 1  # 2**53 < 10**15 * 3: float64 sums would round
    columns = _plain_columns(3)
    columns["gmv_fen"] = [big, big, 1]
    columns["orders"] = [1, 1, 1]
    columns["uv"] = [1, 1, 1]
    table = from_columns(columns)
    assert table.groups().sum(table.column("gmv_fen")).tolist() == [2 * big + 1]


def test_layout_constructor_checks_layout() -> None:
    table = StreamTable.from_dataset(small_dataset())
    columns = table.columns()
    dictionaries = {name: table.dictionary(name) for name in DICTIONARY_COLUMNS}
    assert StreamTable(columns, dictionaries).equals(table)
    with pytest.raises(ValueError, match="columns missing"):
        StreamTable({k: v for k, v in columns.items() if k != "uv"}, dictionaries)
    with pytest.raises(TypeError, match="must be int64"):
        StreamTable({**columns, "uv": columns["uv"].astype(float)}, dictionaries)
    with pytest.raises(ValueError, match="out of range"):
        StreamTable(columns, {**dictionaries, "stream_id": ("s1",)})


# --- invalid JSON Lines: the same problems as the whole-file loader -------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(key: str, value: Any) -> Mutation:
    def mutate(record: dict[str, Any]) -> None:
        record[key] = value

    return mutate


def _delete(key: str) -> Mutation:
    def mutate(record: dict[str, Any]) -> None:
        del record[key]

    return mutate


def _product(index: int, key: str, value: Any) -> Mutation:
    def mutate(record: dict[str, Any]) -> None:
        record["products"][index][key] = value

    return mutate


def _segment(index: int, key: str, value: Any) -> Mutation:
    def mutate(record: dict[str, Any]) -> None:
        record["plan"]["segments"][index][key] = value

    return mutate


MUTATIONS: dict[str, Mutation] = {
    "negative count": _set("uv", -1),
    "negative money": _set("gmv_fen", -5),
    "too much money": _set("refund_fen", MAX_MONEY_FEN + 1),
    "string count": _set("uv", "1000"),
    "fraction": _set("likes", 1.5),
    "boolean": _set("shares", True),
    "null required": _set("orders", None),
    "null optional count": _set("comments", -1),
    "missing required": _delete("watch_seconds"),
    "unknown field": _set("gifts", 3),
    "buyers over orders": _set("buyers", 51),
    "uv over exposure": _set("exposure", 999),
    "watch over uv x duration": _set("watch_seconds", 7_200_001),
    "gmv without orders": lambda r: r.update(orders=0, buyers=0),
    "split over uv": _set("uv_by_source", {"private": 900, "paid": 200}),
    "unknown source": _set("uv_by_source", {"private": 1, "tv": 2}),
    "negative source": _set("gmv_by_source", {"paid": -1}),
    "split not an object": _set("uv_by_source", [1, 2]),
    "products over gmv": _product(0, "gmv_fen", 400_000),
    "clicks over exposures": _product(1, "clicks", 11),
    "product unknown field": _product(0, "price", 1),
    "product negative": _product(0, "explain_seconds", -1),
    "product without id": lambda r: r["products"][0].pop("product_id"),
    "product not an object": lambda r: r["products"].append(7),
    "products not an array": _set("products", {"p1": 1}),
    "duplicate product": _product(1, "product_id", "p1"),
    "unknown product": _product(1, "product_id", "p9"),
    "unknown account": _set("account_id", "a9"),
    "blank stream id": _set("stream_id", " "),
    "long stream id": _set("stream_id", "s" * 129),
    "naive time": _set("started_at", "2021-09-01T20:00:00"),
    "not a time": _set("started_at", "yesterday"),
    "time not a string": _set("started_at", 1_630_000_000),
    "outside the window": _set("started_at", "2021-10-01T00:00:00+08:00"),
    "local date decides the window": _set("started_at", "2021-08-31T23:30:00-01:00"),
    "segment negative": _segment(0, "planned_seconds", -1),
    "segment without name": lambda r: r["plan"]["segments"][1].pop("name"),
    "segment unknown field": _segment(0, "note", "x"),
    "share over one": lambda r: r["plan"].update(planned_paid_uv_share=1.5),
    "share not a number": lambda r: r["plan"].update(planned_paid_uv_share="high"),
    "plan unknown field": lambda r: r["plan"].update(budget=1),
    "plan not an object": _set("plan", [1]),
    "campaign too long": _set("campaign", "活" * 1001),
    "campaign not a string": _set("campaign", 11),
    "null source": _set("uv_by_source", {"private": None}),
    "null split": _set("gmv_by_source", None),
    "null product count with a default": _product(0, "explain_count", None),
    "null segments": lambda r: r["plan"].update(segments=None),
}


def _mutated_file(directory: str, mutate: Mutation) -> tuple[Path, int]:
    lines = list(iter_jsonl(small_dataset()))
    target = next(i for i, line in enumerate(lines) if '"stream_id":"s1"' in line)
    record = json.loads(lines[target])
    mutate(record)
    lines[target] = json.dumps(record, ensure_ascii=False) + "\n"
    path = Path(directory) / "bad.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    return path, target + 1


def _problems(error: InvalidDataError) -> set[tuple[int | None, str, str]]:
    return {(p.line, p.path, p.message) for p in error.problems}


@pytest.mark.parametrize("name", MUTATIONS)
def test_invalid_stream_gives_the_loaders_problems(name: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path, line = _mutated_file(directory, MUTATIONS[name])
        with pytest.raises(InvalidDataError) as loaded:
            load(path)
        with pytest.raises(InvalidDataError) as read:
            read_jsonl(path).table()
    want = _problems(loaded.value)
    assert {p[0] for p in want} == {line}
    assert _problems(read.value) == want
    assert read.value.source == str(path)


@given(
    field=st.sampled_from([f.name for f in INT_FIELDS]),
    value=st.one_of(
        st.integers(max_value=-1), st.floats(allow_nan=False, allow_infinity=False), st.text()
    ),
)
def test_any_bad_count_is_rejected_with_its_line(field: str, value: Any) -> None:
    if isinstance(value, float) and value.is_integer() and value >= 0:
        value = -1.0 if value == 0 else -value  # integral floats are integers
    with tempfile.TemporaryDirectory() as directory:
        path, line = _mutated_file(directory, _set(field, value))
        with pytest.raises(InvalidDataError) as read:
            read_jsonl(path).table()
    assert {p.line for p in read.value.problems} == {line}
    assert any(p.path.endswith(f".{field}") for p in read.value.problems)


def test_integral_floats_are_integers() -> None:
    with tempfile.TemporaryDirectory() as directory:
        path, _ = _mutated_file(directory, _set("likes", 42.0))
        table = read_jsonl(path).table()
    assert table.column("likes").tolist()[0] == 42


def test_a_whole_rate_is_still_a_rate() -> None:
    """The integral float count sends the record to a second compiled try with its whole
    numbers made ints: the rate of 1.0 stays a rate."""
    with tempfile.TemporaryDirectory() as directory:
        path, _ = _mutated_file(
            directory, lambda r: r.update(plan={"planned_paid_uv_share": 1.0}, likes=42.0)
        )
        table = read_jsonl(path).table()
        assert_identical(table, StreamTable.from_dataset(load(path)))
    assert table.column("plan_planned_paid_uv_share").tolist()[0] == 1.0
    assert table.column("likes").tolist()[0] == 42


@pytest.mark.parametrize(
    "mutate",
    [_set("started_at", 3.0), _set("uv", 2.0**53), _product(0, "orders", 2.5)],
    ids=["a time given as a number", "a float beyond exact integers", "a fraction"],
)
def test_whole_numbers_change_nothing_the_model_refuses(mutate: Mutation) -> None:
    """Integral floats made ints for a second compiled try: what the model refuses is
    still refused, with its problems."""
    with tempfile.TemporaryDirectory() as directory:
        path, _ = _mutated_file(directory, mutate)
        with pytest.raises(InvalidDataError) as loaded:
            load(path)
        with pytest.raises(InvalidDataError) as read:
            read_jsonl(path).table()
    assert _problems(read.value) == _problems(loaded.value)


def test_syntax_errors_name_their_lines() -> None:
    lines = list(iter_jsonl(small_dataset()))
    target = next(i for i, line in enumerate(lines) if '"stream_id":"s2"' in line)
    lines[target] = lines[target][:40] + "\n"
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "broken.jsonl"
        path.write_text("".join(lines), encoding="utf-8")
        with pytest.raises(InvalidDataError) as read:
            read_jsonl(path).table()
    assert [p.line for p in read.value.problems] == [target + 1]
    assert read.value.problems[0].message.startswith("not valid JSON")


def test_stream_of_unknown_brand_and_order_of_unknown_stream() -> None:
    lines = list(iter_jsonl(small_dataset()))
    target = next(i for i, line in enumerate(lines) if '"stream_id":"s2"' in line)
    lines[target] = lines[target].replace('"brand_id":"b1"', '"brand_id":"b9"')
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "orphan.jsonl"
        path.write_text("".join(lines), encoding="utf-8")
        with pytest.raises(InvalidDataError) as read:
            read_jsonl(path).table()
        assert _problems(read.value) == {
            (target + 1, "brand_id", "records name brand 'b9', which has no brand record")
        }
        lines = list(iter_jsonl(small_dataset()))
        order_line = next(i for i, line in enumerate(lines) if '"record":"order"' in line)
        lines[order_line] = lines[order_line].replace('"stream_id":"s1"', '"stream_id":"s7"')
        path.write_text("".join(lines), encoding="utf-8")
        with pytest.raises(InvalidDataError) as loaded:
            load(path)
        source = read_jsonl(path)
        source.table()  # the streams are fine; the order is checked once both are read
        with pytest.raises(InvalidDataError) as read:
            _ = source.catalog
        assert _problems(read.value) == _problems(loaded.value)
        source = read_jsonl(path)
        _ = source.orders  # catalog first, then a full pass over the streams
        with pytest.raises(InvalidDataError) as read:
            source.table()
        assert _problems(read.value) == _problems(loaded.value)


def test_duplicate_stream_ids_across_chunks() -> None:
    dataset = small_dataset()
    lines = list(iter_jsonl(dataset))
    target = next(i for i, line in enumerate(lines) if '"stream_id":"s2"' in line)
    lines[target] = lines[target].replace('"stream_id":"s2"', '"stream_id":"s1"')
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "twice.jsonl"
        path.write_text("".join(lines), encoding="utf-8")
        with pytest.raises(InvalidDataError) as loaded:
            load(path)
        source = read_jsonl(path, chunk_rows=1)
        chunks = source.chunks()
        first = next(chunks)  # a valid chunk is yielded before the repeat is seen
        assert first.strings("stream_id") == ["s1"]
        with pytest.raises(InvalidDataError) as read:
            next(chunks)
    assert _problems(read.value) == _problems(loaded.value)


def test_bad_catalog_is_rejected_when_opened() -> None:
    lines = list(iter_jsonl(small_dataset()))
    target = next(i for i, line in enumerate(lines) if '"record":"account"' in line)
    lines[target] = lines[target].replace('"platform":"kuaishou"', '"platform":"myspace"')
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "account.jsonl"
        path.write_text("".join(lines), encoding="utf-8")
        with pytest.raises(InvalidDataError) as loaded:
            load(path)
        with pytest.raises(InvalidDataError) as read:
            read_jsonl(path)
    assert _problems(read.value) == _problems(loaded.value)


# --- columns, Arrow, pandas, polars, Parquet -----------------------------------------------


def _plain_columns(rows: int) -> dict[str, Any]:
    """The required columns of ``rows`` valid, empty streams."""
    columns: dict[str, Any] = {
        "brand_id": ["b"] * rows,
        "stream_id": [f"s{i}" for i in range(rows)],
        "account_id": ["a"] * rows,
        "started_at_us": [1_630_497_600_000_000] * rows,
        "started_at_offset_min": [480] * rows,
    }
    for field in INT_FIELDS:
        if field.mode == "required":
            columns[field.name] = [0] * rows
    return columns


def test_from_columns_defaults_and_nulls() -> None:
    columns = _plain_columns(2)
    columns["exposure"] = [None, 5]
    columns["campaign"] = [None, "618"]
    table = from_columns(columns)
    assert table.column("exposure").tolist() == [0, 5]
    assert table.column("has_exposure").tolist() == [False, True]
    assert table.strings("campaign") == [None, "618"]
    assert table.column("comments").tolist() == [0, 0]
    assert table.column("has_plan").tolist() == [False, False]
    assert np.isnan(table.column("products_max_gmv_share")).all()
    columns["exposure"] = np.array([np.nan, 5.0])
    assert from_columns(columns).equals(table)


def test_from_columns_problems_name_rows() -> None:
    columns = _plain_columns(4)
    columns["uv"] = [10, -1, 10, 10]
    columns["buyers"] = [0, 0, 2, 0]
    columns["orders"] = [0, 0, 1, 0]
    columns["likes"] = [1.5, 0, 0, 0]
    columns["products_explained"] = [0, 0, 0, 1]
    columns["color"] = [1, 2, 3, 4]
    with pytest.raises(InvalidDataError) as caught:
        from_columns(columns)
    assert _problems(caught.value) == {(None, "color", "unknown column")}
    del columns["color"]
    with pytest.raises(InvalidDataError) as caught:
        from_columns(columns)
    assert _problems(caught.value) == {
        (None, "rows[0].likes", "must be an integer, got number 1.5"),
        (None, "rows[1].uv", "must be >= 0"),
        (None, "rows[2].buyers", "must be <= orders (1), got 2"),
        (None, "rows[3].products_explained", "must be <= products_listed (0), got 1"),
    }
    del columns["uv"]
    with pytest.raises(InvalidDataError) as caught:
        from_columns(columns)
    assert (None, "uv", "is required") in _problems(caught.value)


def test_from_columns_checks_against_a_catalog() -> None:
    dataset = small_dataset()
    columns = _plain_columns(3)
    columns["brand_id"] = ["b1", "b1", "b3"]
    columns["account_id"] = ["a1", "a7", "a1"]
    columns["stream_id"] = ["x", "x", "y"]
    with pytest.raises(InvalidDataError) as caught:
        from_columns(columns, catalog=dataset)
    assert _problems(caught.value) == {
        (None, "rows[1].account_id", "unknown account 'a7'"),
        (None, "rows[2].brand_id", "unknown brand 'b3'"),
    }
    columns["account_id"] = ["a1", "a1", "a1"]
    columns["brand_id"] = ["b1", "b1", "b2"]
    with pytest.raises(InvalidDataError) as caught:
        from_columns(columns, catalog=dataset)
    assert _problems(caught.value) == {(None, "rows[1].stream_id", "duplicate stream 'x'")}


def test_arrow_round_trip_and_parquet() -> None:
    pq = pytest.importorskip("pyarrow.parquet")

    table = StreamTable.from_dataset(small_dataset())
    arrow = table.to_arrow()
    assert_identical(from_arrow(arrow), table)
    assert_identical(StreamTable.from_arrow(arrow), table)
    plain = arrow.set_column(
        arrow.schema.get_field_index("stream_id"),
        "stream_id",
        arrow.column("stream_id").cast("string"),
    )
    assert from_arrow(plain).equals(table)
    assert from_arrow(arrow.combine_chunks().to_batches()[0]).equals(table)  # a RecordBatch
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "streams.parquet"
        pq.write_table(arrow, path)
        assert_identical(read_parquet(path), table)


def test_pandas_frames() -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    table = StreamTable.from_dataset(small_dataset())
    frame = table.to_arrow().to_pandas()
    assert_identical(from_pandas(frame), table)
    natural = pd.DataFrame(
        {
            name: table.strings(name) if name in DICTIONARY_COLUMNS else table.column(name)
            for name in table.column_names
            if name != "has_exposure"
        }
    )
    natural["exposure"] = pd.array(
        [
            v if h else None
            for v, h in zip(table.column("exposure"), table.present("exposure"), strict=True)
        ],
        dtype="Int64",
    )
    assert from_pandas(natural).equals(table)
    natural["uv"] = natural["uv"].astype(float)
    natural.loc[0, "uv"] = -2.0
    with pytest.raises(InvalidDataError, match=r"rows\[0\].uv: must be >= 0"):
        from_pandas(natural)


def test_polars_frames() -> None:
    pl = pytest.importorskip("polars")
    table = StreamTable.from_dataset(small_dataset())
    frame = pl.DataFrame(
        {
            name: table.strings(name) if name in DICTIONARY_COLUMNS else table.column(name)
            for name in table.column_names
        }
    )
    assert_identical(from_polars(frame), table)
    categorical = frame.with_columns(pl.col("brand_id").cast(pl.Categorical))
    assert from_polars(categorical).equals(table)


def test_missing_optional_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("pyarrow", "pyarrow.parquet", "pandas", "polars"):
        monkeypatch.setitem(sys.modules, module, None)  # makes the import fail
    with pytest.raises(ImportError, match=r"steps-commerce\[arrow\]"):
        from_arrow(None)
    with pytest.raises(ImportError, match=r"steps-commerce\[pandas\]"):
        from_pandas(None)
    with pytest.raises(ImportError, match=r"steps-commerce\[polars\]"):
        from_polars(None)
    with pytest.raises(ImportError, match=r"steps-commerce\[arrow\]"):
        read_parquet("x.parquet")
    with pytest.raises(ImportError, match=r"steps-commerce\[arrow\]"):
        StreamTable.empty().to_arrow()


# --- the fast path: files in the usual shape (as steps.sample.write_jsonl writes them) ---


def _sample_lines(directory: str) -> list[str]:
    sample = pytest.importorskip("steps.sample")
    path = Path(directory) / "sample.jsonl"
    sample.write_jsonl(path, brands=3, seed=7)
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_sample_files_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    general = []
    original = readers_module.JsonlStreamSource._read_refused

    def counting(self: Any, state: Any, line: Any, number: Any) -> None:
        general.append(len(line))
        original(self, state, line, number)

    monkeypatch.setattr(readers_module.JsonlStreamSource, "_read_refused", counting)
    with tempfile.TemporaryDirectory() as directory:
        lines = _sample_lines(directory)
        path = Path(directory) / "sample.jsonl"
        expected = StreamTable.from_dataset(load(path))
        assert_identical(read_jsonl(path).table(), expected)
        assert general == []
        for chunk_rows in (1, 7, 50):
            assert_identical(concat(read_jsonl(path, chunk_rows=chunk_rows).chunks()), expected)
        # one record in a shape the decoder refuses is read by the model; the same table
        target = next(i for i, line in enumerate(lines) if '"record":"stream"' in line)
        record = json.loads(lines[target])
        record["likes"] = float(record["likes"])  # the same count, as a float
        lines[target] = json.dumps({"hosts": record.pop("hosts"), **record}) + "\n"
        path.write_text("".join(lines), encoding="utf-8")
        assert_identical(read_jsonl(path).table(), expected)
    assert sum(general) > 0


SHAPE_KEEPING: dict[str, Mutation] = {
    "negative count": _set("uv", -1),
    "too much money": _set("refund_fen", MAX_MONEY_FEN + 1),
    "buyers over orders": lambda r: r.update(buyers=r["orders"] + 1),
    "watch over uv x duration": lambda r: r.update(
        watch_seconds=r["uv"] * r["duration_seconds"] + 1
    ),
    "split over uv": lambda r: r["uv_by_source"].update(private=r["uv"] + 1),
    "negative source": lambda r: r["gmv_by_source"].update(paid=-1),
    "product negative": _product(0, "orders", -3),
    "clicks over exposures": lambda r: r["products"][0].update(
        clicks=r["products"][0]["exposures"] + 1
    ),
    "duplicate product": lambda r: r["products"][1].update(
        product_id=r["products"][0]["product_id"]
    ),
    "unknown product": _product(0, "product_id", "nope"),
    "unknown account": _set("account_id", "nope"),
    "blank stream id": _set("stream_id", ""),
    "outside the window": _set("started_at", "2030-01-01T20:00:00+08:00"),
    "not a time": _set("started_at", "2021-13-01T20:00:00+08:00"),
    "naive time": _set("started_at", "2021-08-02T20:00:00"),
    "campaign too long": _set("campaign", "x" * 1001),
    "segment negative": _segment(0, "actual_seconds", -1),
    "segment name not text": _segment(0, "name", 5),
    "target negative": lambda r: r["plan"].update(gmv_target_fen=-1),
    "share over one": lambda r: r["plan"].update(planned_paid_uv_share=1.5),
    # these leave the usual shape: the general path takes the group
    "string count": _set("uv", "10"),
    "boolean": _set("likes", False),
    "missing required": _delete("orders"),
    "unknown field": _set("gifts", 1),
}


@pytest.mark.parametrize("name", SHAPE_KEEPING)
def test_sample_file_problems_match_the_loader(name: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        lines = _sample_lines(directory)
        target = next(
            i
            for i, line in enumerate(lines)
            if '"record":"stream"' in line and '"plan"' in line and '"exposures"' in line
        )
        record = json.loads(lines[target])
        SHAPE_KEEPING[name](record)
        lines[target] = json.dumps(record, ensure_ascii=False) + "\n"
        path = Path(directory) / "sample.jsonl"
        path.write_text("".join(lines), encoding="utf-8")
        with pytest.raises(InvalidDataError) as loaded:
            load(path)
        with pytest.raises(InvalidDataError) as read:
            read_jsonl(path).table()
    want = _problems(loaded.value)
    assert {p[0] for p in want} == {target + 1}
    assert _problems(read.value) == want


def test_huge_integers() -> None:
    """Beyond 64 bits orjson refuses the line; the standard library parser reads it and
    the range check reports it, as the whole-file loader does."""
    with tempfile.TemporaryDirectory() as directory:
        lines = _sample_lines(directory)
        target = next(i for i, line in enumerate(lines) if '"record":"stream"' in line)
        record = json.loads(lines[target])
        record["likes"] = 2**70
        lines[target] = json.dumps(record, ensure_ascii=False) + "\n"
        path = Path(directory) / "sample.jsonl"
        path.write_text("".join(lines), encoding="utf-8")
        with pytest.raises(InvalidDataError) as read:
            read_jsonl(path).table()
        assert {p.line for p in read.value.problems} == {target + 1}
        with pytest.raises(InvalidDataError) as loaded:
            load(path)
        source = read_jsonl(path)
        source._loads = json.loads
        with pytest.raises(InvalidDataError) as strict:
            source.table()
    assert _problems(strict.value) == _problems(loaded.value)


def test_explicit_nulls_in_a_sample_file() -> None:
    with tempfile.TemporaryDirectory() as directory:
        lines = _sample_lines(directory)
        target = next(i for i, line in enumerate(lines) if '"record":"stream"' in line)
        record = json.loads(lines[target])
        record.update(hosts=None, plan=None, campaign=None)
        lines[target] = json.dumps(record, ensure_ascii=False) + "\n"
        path = Path(directory) / "sample.jsonl"
        path.write_text("".join(lines), encoding="utf-8")
        table = read_jsonl(path).table()
        assert_identical(table, StreamTable.from_dataset(load(path)))
    assert not table.column("has_hosts")[0]
    assert not table.column("has_plan")[0]


def _leave_out(record: dict[str, Any], index: int) -> None:
    """Leave out or null (by turns) what the model lets go: optional counts, traffic sources,
    the products' optional fields and the plan's."""
    for k, key in enumerate(("comments", "exposure", "hosts", "refund_fen")):
        if (index + k) % 2:
            record.pop(key, None)
        else:
            record[key] = None
    record["uv_by_source"].pop("paid", None)
    if index % 3 == 0:
        record.pop("gmv_by_source", None)
    for product in record["products"]:
        product.pop("explain_seconds", None)
        product["clicks"] = None
        product.pop("exposures", None)
    plan = record.get("plan")
    if plan is not None:
        plan.pop("gmv_target_fen", None)
        plan["planned_paid_uv_share"] = None
        for segment in plan["segments"]:
            segment.pop("actual_seconds", None)
            segment["planned_spend_fen"] = None


def test_fields_left_out_or_null_take_the_compiled_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the model lets a record leave out or null, the compiled decoder takes too
    (its struct types come from the same field metadata), with the loader's table."""
    refused = []
    monkeypatch.setattr(
        readers_module.JsonlStreamSource, "_read_refused", lambda *args: refused.append(args)
    )
    with tempfile.TemporaryDirectory() as directory:
        lines = _sample_lines(directory)
        for index, line in enumerate(lines):
            if '"record":"stream"' in line:
                record = json.loads(line)
                _leave_out(record, index)
                lines[index] = json.dumps(record, ensure_ascii=False) + "\n"
        path = Path(directory) / "sample.jsonl"
        path.write_text("".join(lines), encoding="utf-8")
        for chunk_rows in (7, 100_000):
            table = read_jsonl(path, chunk_rows=chunk_rows).table()
            assert_identical(table, StreamTable.from_dataset(load(path)))
    assert refused == []
    assert not table.column("has_comments").any()
    assert not table.column("has_plan_gmv_target_fen").any()
    assert table.column("has_plan").any()
    assert table.column("has_uv_by_source").all()
    assert not table.column("has_gmv_by_source").all()


def test_hash_collisions_are_not_duplicates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every stream given the same hash: the file is rescanned and no distinct ids are
    reported; a real repeat still is."""

    def same(brand: Any, stream_ids: Any) -> Any:
        return np.zeros(len(stream_ids), dtype=np.int64)

    monkeypatch.setattr(readers_module._SeenStreams, "keys", staticmethod(same))
    dataset = small_dataset()
    with tempfile.TemporaryDirectory() as directory:
        path = write_jsonl(dataset, directory)
        assert_identical(
            concat(read_jsonl(path, chunk_rows=1).chunks()), StreamTable.from_dataset(dataset)
        )
        lines = list(iter_jsonl(dataset))
        target = next(i for i, line in enumerate(lines) if '"stream_id":"s2"' in line)
        lines[target] = lines[target].replace('"stream_id":"s2"', '"stream_id":"s1"')
        path.write_text("".join(lines), encoding="utf-8")
        with pytest.raises(InvalidDataError) as read:
            read_jsonl(path, chunk_rows=1).table()
    assert {(p.line, p.message) for p in read.value.problems} == {
        (target + 1, "duplicate stream 's1'")
    }


def test_the_compiled_decoder_takes_its_bounds_from_the_field_metadata() -> None:
    """Each count and money field of a stream record is refused by the compiled decoder just
    beyond its metadata's maximum and below its minimum (then the general path reports it),
    and accepted at the bounds."""
    with tempfile.TemporaryDirectory() as directory:
        lines = _sample_lines(directory)
    record = json.loads(next(line for line in lines if '"record":"stream"' in line))
    decode = readers_module._DECODE
    assert decode(json.dumps(record).encode()).uv == record["uv"]
    for field in attrs.fields(Stream):
        kind = field.metadata["steps"]
        if kind.name not in ("count", "money"):
            continue
        for value, accepted in (
            (int(kind.maximum), True),
            (int(kind.maximum) + 1, False),
            (int(kind.minimum), True),
            (int(kind.minimum) - 1, False),
        ):
            line = json.dumps({**record, field.name: value}).encode()
            if accepted:
                assert getattr(decode(line), field.name) == value
            else:
                with pytest.raises(readers_module.msgspec.ValidationError, match=field.name):
                    decode(line)
