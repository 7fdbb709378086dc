"""Bad input at volume for the columnar readers: JSON Lines read in chunks, and plain columns.

The malformed documents are made as in :mod:`tests.hardening.test_fuzz_loaders` (the same
tree and byte edits of the same valid sample), and the oracle is the same: a reader returns a
complete result or raises :class:`InvalidDataError` whose problems all have a message and a
place.  Two more checks tie the fast path to the model:

* whatever :func:`steps.io.files.load_jsonl` accepts, :func:`steps.columnar.read_jsonl`
  accepts too, with one row per stream and the same catalog (the columnar reader may refuse
  less, never more: it skips parsing some records twice, see its docstring);
* a column of hostile values (NaN, infinities, negative, huge, wrong types, blank ids) given
  to :func:`steps.columnar.from_columns` is a problem naming its row, never a crash or a
  silently clipped number.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steps.columnar import StreamTable, from_columns, read_jsonl
from steps.domain.errors import InvalidDataError
from steps.io.files import load_jsonl
from tests.hardening.test_fuzz_loaders import (
    EDITS,
    JSON_RAW,
    JSONL_BASE,
    SCALE,
    _jsonl_records,
    attempt,
    mutate_bytes,
    mutate_tree,
    to_jsonl,
)

#: Examples per property (``STEPS_FUZZ_SCALE`` scales them as in the loaders' suite).
EXAMPLES: Final = {"read_jsonl": 1200, "from_columns": 600}

_COUNTER: Iterator[int] = itertools.count()


def fuzz(name: str) -> settings:
    return settings(
        max_examples=max(1, round(EXAMPLES[name] * SCALE)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-columnar")


def _read_all(path: Path, chunk_rows: int) -> tuple[StreamTable, Any]:
    source = read_jsonl(path, chunk_rows=chunk_rows)
    table = source.table()
    return table, source.catalog


@fuzz("read_jsonl")
@given(edits=EDITS, ascii_only=st.booleans(), chunk_rows=st.sampled_from([1, 3, 25_000]))
def test_columnar_json_lines(
    folder: Path,
    edits: tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]],
    ascii_only: bool,
    chunk_rows: int,
) -> None:
    tree_edits, byte_edits = edits
    records = mutate_tree(_jsonl_records(), tree_edits, JSON_RAW)
    data = mutate_bytes(to_jsonl(records, ascii_only) if tree_edits else JSONL_BASE, byte_edits)
    path = folder / f"fuzz-{next(_COUNTER)}.jsonl"
    path.write_bytes(data)
    try:
        columnar = attempt(
            "read_jsonl", lambda: _read_all(path, chunk_rows), malformed=data != JSONL_BASE
        )
        try:
            whole = load_jsonl(io.BytesIO(data), source="fuzz.jsonl")
        except InvalidDataError:
            return
        assert not isinstance(columnar, InvalidDataError), (
            f"load_jsonl accepts what the columnar reader refuses: {columnar}"
        )
        table, catalog = columnar
        streams = [(b.brand_id, s.stream_id) for b in whole.brands for s in b.streams]
        assert len(table) == len(streams)
        pairs = zip(table.strings("brand_id"), table.strings("stream_id"), strict=True)
        assert sorted(pairs) == sorted(streams)
        assert [b.brand_id for b in catalog.brands] == [b.brand_id for b in whole.brands]
        assert path.read_bytes() == data  # the input is never modified
    finally:
        path.unlink()


#: Valid plain columns of two streams; the property breaks one cell.
def _columns() -> dict[str, list[Any]]:
    return {
        "brand_id": ["b1", "b1"],
        "stream_id": ["s1", "s2"],
        "account_id": ["a1", "a1"],
        "started_at_us": [1_767_268_800_000_000, 1_767_355_200_000_000],
        "started_at_offset_min": [480, 480],
        "duration_seconds": [3600, 7200],
        "uv": [1000, 2000],
        "watch_seconds": [60_000, 90_000],
        "orders": [10, 20],
        "buyers": [8, 15],
        "gmv_fen": [100_000, 250_000],
    }


HOSTILE: Final[tuple[object, ...]] = (
    math.nan,
    math.inf,
    -math.inf,
    -1,
    -(2**63),
    2**63,
    2**200,
    10**15 + 1,
    1.5,
    "12",
    "",
    "   ",
    None,
    True,
    b"bytes",
    [],
    {},
    "x" * 10_000,
    2**31,  # beyond any UTC offset in minutes
)


@fuzz("from_columns")
@given(
    column=st.sampled_from(sorted(_columns())),
    row=st.integers(0, 1),
    value=st.sampled_from(HOSTILE),
    as_array=st.booleans(),
)
def test_columns_with_a_hostile_cell(column: str, row: int, value: object, as_array: bool) -> None:
    columns: dict[str, Any] = _columns()
    columns[column][row] = value
    given_columns: dict[str, Any] = {
        name: np.array(values, dtype=object) if as_array else values
        for name, values in columns.items()
    }
    result = attempt("from_columns", lambda: from_columns(given_columns))
    if isinstance(result, InvalidDataError):
        assert any(p.path.startswith(f"rows[{row}]") for p in result.problems), str(result)
        return
    # Accepted: then the value was a valid one, kept exactly (never clipped or rounded).
    assert isinstance(result, StreamTable)
    assert len(result) == 2
    if column in {"uv", "orders", "buyers", "gmv_fen", "duration_seconds", "watch_seconds"}:
        kept = result.column(column)[row]
        assert isinstance(value, int)
        assert not isinstance(value, bool)
        assert int(kept) == value


def test_a_column_must_be_one_dimensional() -> None:
    columns: dict[str, Any] = _columns()
    columns["uv"] = [[1000], [2000]]
    with pytest.raises(InvalidDataError, match="uv: must be a one-dimensional column"):
        from_columns(columns)


def test_a_bool_among_numbers_is_a_problem_of_its_row() -> None:
    columns: dict[str, Any] = _columns()
    columns["orders"] = [True, 20]
    with pytest.raises(InvalidDataError) as caught:
        from_columns(columns)
    assert [p.path for p in caught.value.problems] == ["rows[0].orders"]


def test_a_record_kind_that_is_not_a_string_is_a_problem_of_its_line(folder: Path) -> None:
    lines = JSONL_BASE.decode("utf-8").splitlines()
    lines.insert(1, '{"record": ["brand"], "brand_id": "x"}')
    path = folder / "kind.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InvalidDataError) as caught:
        _read_all(path, 10)
    assert [p.line for p in caught.value.problems] == [2]
