"""Round trips through JSON and JSON Lines are lossless, and the text written is deterministic."""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from steps.domain import (
    Account,
    Brand,
    Dataset,
    Order,
    Platform,
    Stream,
    TrafficSource,
)
from steps.domain.fields import MAX_MONEY_FEN
from steps.io.files import dump, dumps, iter_jsonl, load, loads
from steps.testing import datasets

# --- exact comparison ------------------------------------------------------------------------


def assert_identical(got: Any, want: Any, path: str = "") -> None:
    """Stricter than ``==``: same types all the way down (an amount that came back as the
    float 100.0 equals the int 100, but is not the same data), datetimes with the same UTC
    offset and wall time (two aware datetimes at the same instant compare equal whatever
    their offsets), floats bit-for-bit (sign of zero included)."""
    where = path or "<root>"
    assert type(got) is type(want), f"{where}: {type(got).__name__} != {type(want).__name__}"
    if attrs.has(type(want)):
        for field in attrs.fields(type(want)):
            assert_identical(
                getattr(got, field.name), getattr(want, field.name), f"{path}.{field.name}"
            )
    elif isinstance(want, tuple):
        assert len(got) == len(want), f"{where}: length {len(got)} != {len(want)}"
        for index, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_identical(g, w, f"{path}[{index}]")
    elif isinstance(want, Mapping):
        assert list(got) == list(want) or set(got) == set(want), f"{where}: keys differ"
        for key, value in want.items():
            assert_identical(got[key], value, f"{path}.{key}")
    elif isinstance(want, datetime):
        assert got == want, f"{where}: {got!r} != {want!r}"
        assert got.utcoffset() == want.utcoffset(), f"{where}: offset {got.utcoffset()}"
        assert got.replace(tzinfo=None) == want.replace(tzinfo=None), f"{where}: wall time"
    elif isinstance(want, float):
        assert got == want or (math.isnan(got) and math.isnan(want)), f"{where}: {got!r}"
        assert math.copysign(1.0, got) == math.copysign(1.0, want), f"{where}: sign of zero"
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


def test_assert_identical_catches_what_equality_misses() -> None:
    """The comparison above is what makes the round-trip tests meaningful: check that it
    does fail on what ``==`` lets through."""
    at_8 = datetime(2021, 9, 1, 20, 0, tzinfo=timezone(timedelta(hours=8)))
    at_utc = at_8.astimezone(UTC)
    assert at_8 == at_utc
    with pytest.raises(AssertionError, match="offset"):
        assert_identical(at_utc, at_8)
    assert float(100) == 100
    with pytest.raises(AssertionError, match="float != int"):
        assert_identical(100.0, 100)
    with pytest.raises(AssertionError, match="sign of zero"):
        assert_identical(-0.0, 0.0)


# --- a hand-written dataset with every edge the format must keep -----------------------------

CST = timezone(timedelta(hours=8))
NEPAL = timezone(timedelta(hours=5, minutes=45))
NEWFOUNDLAND = timezone(timedelta(hours=-3, minutes=-30))


def _edge_dataset() -> Dataset:
    account = Account(account_id="账号-1", platform=Platform.KUAISHOU, name="辛选官方旗舰店")
    streams = (
        Stream(
            stream_id="s-cst",
            account_id="账号-1",
            started_at=datetime(2021, 11, 11, 0, 0, 0, 1, tzinfo=CST),
            duration_seconds=3600,
            uv=10**15,
            watch_seconds=10**15,
            orders=10**15,
            buyers=10**15,
            gmv_fen=MAX_MONEY_FEN,
            refund_fen=MAX_MONEY_FEN - 1,
            uv_by_source={TrafficSource.TALENT: 1, TrafficSource.PRIVATE: 2},
        ),
        Stream(
            stream_id="s-nepal",
            account_id="账号-1",
            started_at=datetime(2021, 11, 10, 23, 59, 59, 999_999, tzinfo=NEPAL),
            duration_seconds=0,
            uv=0,
            watch_seconds=0,
            orders=0,
            buyers=0,
            gmv_fen=0,
        ),
        Stream(
            stream_id="s-nl",
            account_id="账号-1",
            started_at=datetime(2021, 11, 10, 12, 0, tzinfo=NEWFOUNDLAND),
            duration_seconds=1,
            uv=1,
            watch_seconds=1,
            orders=1,
            buyers=1,
            gmv_fen=1,
        ),
    )
    order = Order(
        order_id="o1",
        buyer_key="买家-42",
        placed_at=datetime(2021, 11, 11, 0, 1, tzinfo=UTC),
        amount_fen=1,
        stream_id="s-cst",
    )
    brand = Brand(
        brand_id="品牌",
        name="",
        category="珠宝 翡翠",
        window_start=date(2021, 11, 10),
        window_end=date(2021, 11, 11),
        accounts=(account,),
        streams=streams,
        orders=(order,),
    )
    return Dataset(brands=(brand,))


def test_edge_dataset_round_trips_exactly(tmp_path: Path) -> None:
    dataset = _edge_dataset()
    text = dumps(dataset)
    assert '"gmv_fen": 1000000000000000' in text  # an integer, not 1e+15
    assert "2021-11-10T23:59:59.999999+05:45" in text
    assert "辛选官方旗舰店" in text  # written as text, not \\u escapes
    assert_identical(loads(text), dataset)
    for name in ("edge.json", "edge.jsonl", "edge.ndjson"):
        dump(dataset, tmp_path / name)
        assert_identical(load(tmp_path / name), dataset)


# --- properties over arbitrary valid datasets ------------------------------------------------


@given(datasets())
def test_json_text_round_trip_is_lossless(dataset: Dataset) -> None:
    text = dumps(dataset)
    back = loads(text)
    assert back == dataset
    assert_identical(back, dataset)


@given(datasets())
def test_json_and_jsonl_files_round_trip_losslessly(dataset: Dataset) -> None:
    with tempfile.TemporaryDirectory() as directory:
        for name in ("data.json", "data.jsonl"):
            path = Path(directory) / name
            dump(dataset, path)
            back = load(path)
            assert back == dataset
            assert_identical(back, dataset)
        # No temporary files left beside the target by the atomic writer.
        assert sorted(p.name for p in Path(directory).iterdir()) == ["data.json", "data.jsonl"]


@given(datasets())
def test_jsonl_file_is_a_header_then_one_record_a_line(dataset: Dataset) -> None:
    lines = list(iter_jsonl(dataset))
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    records = [json.loads(line) for line in lines]
    assert records[0] == {"record": "header", "schema_version": "1.0"}
    brand_records = [r for r in records if r["record"] == "brand"]
    assert [r["brand_id"] for r in brand_records] == [b.brand_id for b in dataset.brands]
    expected = 1 + sum(
        1
        + len(b.accounts)
        + len(b.products)
        + len(b.streams)
        + len(b.talent_collabs)
        + len(b.orders)
        + len(b.trust_signals)
        + len(b.short_videos)
        + len(b.paid_campaigns)
        for b in dataset.brands
    )
    assert len(records) == expected


def _reordered(value: Any) -> Any:
    """An equal copy of ``value`` built independently, with every mapping's keys inserted
    in the reverse order."""
    if attrs.has(type(value)):
        return type(value)(
            **{f.name: _reordered(getattr(value, f.name)) for f in attrs.fields(type(value))}
        )
    if isinstance(value, tuple):
        return tuple(_reordered(v) for v in value)
    if isinstance(value, Mapping):
        return {k: _reordered(value[k]) for k in reversed(list(value))}
    return value


@given(datasets())
def test_dumps_is_deterministic(dataset: Dataset) -> None:
    text = dumps(dataset)
    assert dumps(dataset) == text
    # The same dataset, built again (from the text, or with mappings filled in another
    # order), gives the same text: the output depends on the data, not on its history.
    assert dumps(loads(text)) == text
    copy = _reordered(dataset)
    assert copy == dataset
    assert dumps(copy) == text
    assert list(iter_jsonl(copy)) == list(iter_jsonl(dataset))


@given(st.data())
def test_mapping_order_does_not_change_the_text(data: st.DataObject) -> None:
    sources = data.draw(st.permutations(list(TrafficSource)))
    split = {source: index for index, source in enumerate(sources)}
    stream = Stream(
        stream_id="s",
        account_id="a",
        started_at=datetime(2021, 9, 1, 20, tzinfo=CST),
        duration_seconds=60,
        uv=100,
        watch_seconds=60,
        orders=0,
        buyers=0,
        gmv_fen=0,
        uv_by_source=split,
    )
    brand = Brand(
        brand_id="b",
        name="n",
        category="c",
        accounts=(Account(account_id="a", platform=Platform.DOUYIN, name="x"),),
        streams=(stream,),
    )
    text = dumps(Dataset(brands=(brand,)))
    written = json.loads(text)["brands"][0]["streams"][0]["uv_by_source"]
    assert list(written) == [s.value for s in TrafficSource]  # declaration order
