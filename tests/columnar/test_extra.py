"""The optional columns (:data:`steps.columnar.table.EXTRA_SCHEMA`): spend pacing and the
line-up's roles, prices and discounts.  Read from JSON Lines in chunks (product records
before or after the streams, or anywhere), built from objects, or given as plain columns,
they equal a hand-written per-stream definition (:mod:`tests.columnar.oracle`) exactly."""

from __future__ import annotations

import json
import random
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steps.columnar import StreamTable, concat, from_arrow, from_columns, read_jsonl
from steps.columnar.table import (
    EXTRA_SCHEMA,
    LINEUP_COLUMNS,
    PACING_COLUMNS,
    ProductCatalogue,
    lineup_columns,
    pacing_columns,
    row_fsum,
)
from steps.domain import Account, Brand, Dataset, InvalidDataError, Platform, Product, Stream
from steps.domain.enums import ProductRole
from steps.domain.fields import MAX_MONEY_FEN
from steps.domain.model import RunOfShow, ShowSegment, StreamProduct
from steps.io.files import iter_jsonl, load
from steps.testing import datasets
from steps.testing.strategies import products, streams
from tests.columnar.oracle import spend_pacing, stage_aggregates

NAMES = tuple(c.name for c in EXTRA_SCHEMA)
ORDERS = ("as written", "products last", "products first", "shuffled")
#: Spends small enough that the plan's sums pass from_columns' range checks (which check a
#: sum given as a column against the maximum of one value).
SMALL = 10**13


def test_the_stage_plugin_reads_these_columns() -> None:
    assert tuple(c.name for c in EXTRA_SCHEMA) == NAMES
    assert (*PACING_COLUMNS, *LINEUP_COLUMNS) == NAMES


# -- writing a dataset as JSON Lines, records in some order ---------------------------------


def reorder(lines: list[str], order: str, seed: int) -> list[str]:
    """The header, then the records in ``order`` (the loader accepts any order)."""
    header, records = lines[0], lines[1:]

    def is_product(line: str) -> bool:
        return bool(json.loads(line)["record"] == "product")

    rest = [line for line in records if not is_product(line)]
    found = [line for line in records if is_product(line)]
    if order == "products last":
        records = rest + found
    elif order == "products first":
        records = found + rest
    elif order == "shuffled":
        random.Random(seed).shuffle(records)
    return [header, *records]


def write(dataset: Dataset, folder: str, order: str = "as written", seed: int = 0) -> Path:
    path = Path(folder) / "data.jsonl"
    lines = reorder(list(iter_jsonl(dataset)), order, seed)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def expected(dataset: Dataset) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (brand.brand_id, stream.stream_id): stage_aggregates(
            stream, {p.product_id: p for p in brand.products}
        )
        for brand in dataset.brands
        for stream in brand.streams
    }


def assert_equal_to_reference(
    table: StreamTable, want: dict[tuple[str, str], dict[str, Any]]
) -> None:
    """Every row's optional columns equal ``stage_aggregates`` of its stream, bit for bit."""
    assert table.has_columns(NAMES)
    keys = list(zip(table.strings("brand_id"), table.strings("stream_id"), strict=True))
    for name in NAMES:
        got = table.column(name).tolist()
        for key, value in zip(keys, got, strict=True):
            reference = want[key][name]  # type: ignore[index]
            assert type(value) is type(reference), (name, key, value, reference)
            assert value == reference, (name, key, value, reference)


# -- the properties -------------------------------------------------------------------------


@given(
    datasets(max_brands=3, max_streams=5),
    st.sampled_from(ORDERS),
    st.integers(1, 4),
    st.integers(0, 2**16),
)
@settings(max_examples=40, deadline=None)
def test_json_lines_columns_equal_stage_aggregates(
    dataset: Dataset, order: str, chunk_rows: int, seed: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write(dataset, folder, order, seed)
        want = expected(load(path))
        source = read_jsonl(path, chunk_rows=chunk_rows)
        chunks = list(source.chunks())
        for chunk in chunks:
            assert_equal_to_reference(chunk, want)
        whole = source.table()
        assert_equal_to_reference(whole, want)
        assert len(whole) == len(want)


@given(datasets(max_brands=3, max_streams=5))
@settings(max_examples=30, deadline=None)
def test_object_columns_equal_stage_aggregates(dataset: Dataset) -> None:
    assert_equal_to_reference(StreamTable.from_dataset(dataset), expected(dataset))


@st.composite
def lineups(draw: st.DrawFn) -> tuple[list[Product], list[Stream]]:
    """A brand's products and streams naming products the brand may not list."""
    known = draw(st.lists(st.sampled_from(["p1", "p2", "p3", "p4", "p5"]), unique=True))
    strangers = draw(st.lists(st.sampled_from(["x1", "x2", "x3"]), unique=True))
    listed = [draw(products(product_id=p)) for p in known]
    made = draw(st.lists(streams(["a"], [*known, *strangers]), max_size=5))
    return listed, made


@given(lineups())
@settings(max_examples=150, deadline=None)
def test_lineups_leave_out_unknown_products(case: tuple[list[Product], list[Stream]]) -> None:
    """Ids the brand does not list are left out of the line-up, as ``stage_aggregates``
    leaves them out (a valid file never has them: the readers reject it)."""
    listed, made = case
    catalogue = ProductCatalogue.from_products([listed])
    items = [(row, p) for row, stream in enumerate(made) for p in stream.products]
    ids = sorted({p.product_id for _, p in items})
    codes = np.array([ids.index(p.product_id) for _, p in items], dtype=np.int64)
    rows = np.array([row for row, _ in items], dtype=np.int64)
    product = catalogue.lookup(np.zeros(len(items), dtype=np.int64), codes, ids)
    explain = np.array([p.explain_count for _, p in items], dtype=np.int64)
    got = lineup_columns(len(made), rows, explain, product, catalogue)
    by_id = {p.product_id: p for p in listed}
    for row, stream in enumerate(made):
        want = stage_aggregates(stream, by_id)
        for name in LINEUP_COLUMNS:
            assert got[name][row].item() == want[name], (name, row)


_SPENDS = st.one_of(st.none(), st.just(0), st.integers(0, 100), st.integers(0, MAX_MONEY_FEN))


@given(st.lists(st.lists(st.tuples(_SPENDS, _SPENDS), max_size=12), max_size=6))
@settings(max_examples=200, deadline=None)
def test_pacing_is_spend_pacing(plans: list[list[tuple[int | None, int | None]]]) -> None:
    """Including totals beyond 2**53 (twelve segments of up to 10**15 fen each)."""
    segments = [
        tuple(ShowSegment("s", 0, planned_spend_fen=p, actual_spend_fen=a) for p, a in plan)
        for plan in plans
    ]
    owner = np.array([k for k, plan in enumerate(plans) for _ in plan], dtype=np.int64)
    flat = [spend for plan in plans for spend in plan]
    planned = np.array([p or 0 for p, _ in flat], dtype=np.int64)
    actual = np.array([a or 0 for _, a in flat], dtype=np.int64)
    got = pacing_columns(
        len(plans) + 1,
        np.arange(1, len(plans) + 1, dtype=np.int64),  # row 0 has no plan
        owner,
        (planned, np.array([p is not None for p, _ in flat], dtype=np.bool_)),
        (actual, np.array([a is not None for _, a in flat], dtype=np.bool_)),
    )
    assert not got["has_plan_spend_pacing"][0]
    assert got["plan_spend_pacing"][0] == 0.0
    for k, plan in enumerate(segments, start=1):
        want = spend_pacing(plan)
        assert got["has_plan_spend_pacing"][k] == (want is not None)
        assert got["plan_spend_pacing"][k] == (0.0 if want is None else want)


@given(st.lists(st.lists(st.floats(-1e16, 1e16), max_size=7), max_size=8))
@settings(max_examples=200, deadline=None)
def test_row_fsum_is_fsum(rows: list[list[float]]) -> None:
    import math

    values = np.array([v for row in rows for v in row], dtype=np.float64)
    owner = np.array([k for k, row in enumerate(rows) for _ in row], dtype=np.int64)
    got = row_fsum(values, owner, len(rows))
    assert got.tolist() == [math.fsum(row) for row in rows]


# -- edge cases, by hand ----------------------------------------------------------------------


def edge_dataset(big: int = MAX_MONEY_FEN) -> Dataset:
    """Streams without plan or products, a line-up of unexplained products, zero prices,
    and a plan whose spends total beyond 2**53 (with ``big`` at its maximum)."""
    start = datetime(2024, 5, 1, 20, tzinfo=UTC)
    zero = {"uv": 0, "watch_seconds": 0, "orders": 0, "buyers": 0, "gmv_fen": 0}

    def stream(stream_id: str, **fields: Any) -> Stream:
        return Stream(stream_id, "a", start, duration_seconds=60, **{**zero, **fields})

    return Dataset(
        brands=(
            Brand(
                "b",
                "B",
                "food",
                accounts=(Account("a", Platform.DOUYIN, "A"),),
                products=(
                    Product("free", "F", "food", price_fen=0, list_price_fen=0),
                    Product("gift", "G", "food", price_fen=0, list_price_fen=500),
                    Product("hero", "H", "food", 9_900, 12_900, ProductRole.HERO),
                    Product("bait", "T", "food", 990, None, ProductRole.TRAFFIC),
                    Product("same", "S", "food", 5_000, 5_000, ProductRole.TRAFFIC),
                    Product("top", "P", "food", big, big, ProductRole.PROFIT),
                ),
                streams=(
                    stream("none"),  # no plan, no products
                    stream(
                        "unexplained",  # none explained: the whole list is the line-up
                        products=(StreamProduct("free"), StreamProduct("gift")),
                        plan=RunOfShow(segments=()),
                    ),
                    stream(
                        "explained",
                        products=(
                            StreamProduct("hero", explain_count=1),
                            StreamProduct("bait"),
                            StreamProduct("same", explain_count=3),
                            StreamProduct("top", explain_count=1),
                            StreamProduct("gift", explain_count=2),
                        ),
                        plan=RunOfShow(
                            segments=(
                                ShowSegment("a", 60, planned_spend_fen=big, actual_spend_fen=1),
                                ShowSegment("b", 60, planned_spend_fen=big, actual_spend_fen=big),
                                ShowSegment("c", 60, planned_spend_fen=big, actual_spend_fen=3),
                                *(
                                    ShowSegment(
                                        "d", 60, planned_spend_fen=big - k, actual_spend_fen=big
                                    )
                                    for k in range(9)
                                ),
                                ShowSegment("e", 60, planned_spend_fen=7),  # one-sided
                            )
                        ),
                    ),
                    stream(
                        "unpaced",  # spends planned, none actual
                        plan=RunOfShow(
                            segments=(
                                ShowSegment("a", 60, planned_spend_fen=5, actual_spend_fen=0),
                            )
                        ),
                    ),
                ),
            ),
        )
    )


def test_edge_cases() -> None:
    dataset = edge_dataset()
    want = expected(dataset)
    assert want[("b", "explained")]["has_plan_spend_pacing"]
    assert want[("b", "unpaced")]["has_plan_spend_pacing"] is False
    assert want[("b", "unexplained")]["lineup_list_priced"] == 1
    assert want[("b", "explained")]["lineup_roles"] == 7
    assert_equal_to_reference(StreamTable.from_dataset(dataset), want)
    for order in ORDERS:
        with tempfile.TemporaryDirectory() as folder:
            assert_equal_to_reference(read_jsonl(write(dataset, folder, order)).table(), want)


def test_a_stream_naming_an_unknown_product_is_refused(tmp_path: Path) -> None:
    path = write(edge_dataset(), str(tmp_path), "products last")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [
        line.replace('"product_id":"hero"', '"product_id":"nope"')
        if line.startswith('{"record":"stream"')
        else line
        for line in lines
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InvalidDataError, match="unknown product 'nope'") as caught:
        read_jsonl(path).table()
    with pytest.raises(InvalidDataError) as loaded:
        load(path)
    assert [p.line for p in caught.value.problems] == [p.line for p in loaded.value.problems]


# -- as plain columns --------------------------------------------------------------------------


def test_arrow_and_parquet_carry_the_columns(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from steps.columnar import read_parquet

    table = StreamTable.from_dataset(edge_dataset(SMALL))
    arrow = table.to_arrow()
    assert set(NAMES) <= set(arrow.column_names)
    assert from_arrow(arrow).equals(table)
    pq.write_table(arrow, tmp_path / "streams.parquet")
    assert read_parquet(tmp_path / "streams.parquet").equals(table)
    bare = from_arrow(arrow.drop_columns(list(NAMES)))
    assert not bare.has_columns(PACING_COLUMNS)
    assert not bare.has_columns(LINEUP_COLUMNS)
    with pytest.raises(KeyError, match="optional column"):
        bare.column("lineup_roles")
    only_pacing = from_arrow(arrow.drop_columns(list(LINEUP_COLUMNS)))
    assert only_pacing.has_columns(PACING_COLUMNS)
    assert not only_pacing.has_columns(LINEUP_COLUMNS)
    # concatenation keeps the columns every part holds
    assert concat([table, table]).has_columns(NAMES)
    mixed = concat([table, only_pacing])
    assert mixed.has_columns(PACING_COLUMNS)
    assert not mixed.has_columns(LINEUP_COLUMNS)
    assert len(mixed) == 2 * len(table)


def _columns_of(table: StreamTable) -> dict[str, Any]:
    return {
        name: table.strings(name) if name in ("brand_id", "stream_id", "account_id", "campaign")
        else table.column(name).tolist()
        for name in table.column_names
    }  # fmt: skip


def test_given_columns_are_checked() -> None:
    table = StreamTable.from_dataset(edge_dataset(SMALL))
    columns = _columns_of(table)
    assert from_columns(columns).equals(table)
    partial = {k: v for k, v in columns.items() if k != "lineup_priced"}
    with pytest.raises(InvalidDataError, match=r"lineup_priced: is required with"):
        from_columns(partial)
    for name, row, value, message in (
        ("has_plan_spend_pacing", 0, True, "must be false without a plan"),
        ("plan_spend_pacing", 2, 1.5, r"must lie in \[0, 1\]"),
        ("lineup_roles", 1, 8, "holds bits of no role"),
        ("lineup_min_price_fen", 2, 0, "must lie in"),
        ("lineup_max_price_fen", 0, 3, "must be 0 where lineup_priced is 0"),
        ("lineup_discount_sum", 1, 2.0, r"must lie in \[0, lineup_list_priced\]"),
        ("lineup_priced", 1, -1, "must be >= 0"),
    ):
        wrong = {k: list(v) for k, v in columns.items()}
        wrong[name][row] = value
        with pytest.raises(InvalidDataError, match=rf"rows\[{row}\]\.{name}: {message}"):
            from_columns(wrong)


def test_the_layout_constructor_takes_whole_groups() -> None:
    table = StreamTable.from_dataset(edge_dataset())
    columns = table.columns()
    dictionaries = {
        n: table.dictionary(n) for n in ("brand_id", "stream_id", "account_id", "campaign")
    }
    assert StreamTable(columns, dictionaries).equals(table)
    without = {k: v for k, v in columns.items() if k not in LINEUP_COLUMNS}
    assert StreamTable(without, dictionaries).column_names == tuple(without)
    with pytest.raises(ValueError, match="columns missing"):
        StreamTable({k: v for k, v in columns.items() if k != "lineup_roles"}, dictionaries)
    empty = StreamTable.empty()
    assert empty.has_columns(NAMES)
    assert not table.equals(StreamTable(without, dictionaries))


# -- the catalog, record by record -------------------------------------------------------------


@given(datasets(max_brands=3, max_streams=3), st.sampled_from(ORDERS), st.integers(0, 2**16))
@settings(max_examples=30, deadline=None)
def test_the_catalog_made_record_by_record_is_the_whole_file_one(
    dataset: Dataset, order: str, seed: int
) -> None:
    """The catalog is built one record at a time (so that the parsed records of the whole file
    are never held together): the same brands, products, short videos... and orders as the
    whole-file path gives."""
    with tempfile.TemporaryDirectory() as folder:
        path = write(dataset, folder, order, seed)
        source = read_jsonl(path)
        compact = source._read_compact()
        assert compact is not None
        whole = read_jsonl(path)
        whole._read_compact = lambda: None  # type: ignore[method-assign]
        assert compact == whole._read(full=True)
        assert source.catalog == compact[0]
        loaded = load(path)
        assert [b.brand_id for b in source.catalog.brands] == [b.brand_id for b in loaded.brands]
        for mine, theirs in zip(source.catalog.brands, loaded.brands, strict=True):
            assert mine.short_videos == theirs.short_videos
            assert mine.products == theirs.products
            assert source.orders[mine.brand_id] == theirs.orders


def test_a_catalog_with_a_problem_is_reported_as_the_loader_reports_it(tmp_path: Path) -> None:
    path = write(edge_dataset(), str(tmp_path), "products last")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append('{"record":"short_video","brand_id":"b","video_id":"v","account_id":"zz",'
                 '"posted_at":"2024-05-01T20:00:00+08:00","views":-1}')  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = read_jsonl(path)
    assert source._read_compact() is None
    with pytest.raises(InvalidDataError) as caught:
        _ = source.catalog
    with pytest.raises(InvalidDataError) as loaded:
        load(path)
    assert caught.value.problems == loaded.value.problems
