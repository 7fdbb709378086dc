"""Builders of `StreamTable` that create no model object per
stream: a steps JSON Lines file read in chunks, Arrow, pandas and polars frames, Parquet
files and plain columns.

Every builder applies the model's checks, vectorised: each value against its kind (integer
counts and money in [0, 10^15], rates in [0, 1], non-blank ids of at most 128 characters,
timezone-aware times), then the relations between fields (``buyers <= orders``,
``Σ uv_by_source <= uv``, ``watch_seconds <= uv × duration_seconds``, ...) on the rows whose
fields are all valid.  Problems are `Problem` objects in the
model's words, raised together as one `InvalidDataError`; they
name the line and the path a whole-file load (`steps.io.files.load`) would give
(``line 12: brands[0].streams[3].buyers: must be <= orders (2), got 5``) for JSON Lines, and
the row (``rows[3].buyers``) for frames and columns.

Optional dependencies are imported inside the functions that need them: ``pyarrow`` (the
``arrow`` extra), ``pandas`` (the ``pandas`` extra) and ``polars`` (the ``polars`` extra).
Stream records are decoded by msgspec into structs typed from the model's field metadata
(`_STREAM_RECORD`: a field the model requires is required, one it lets go is optional),
which checks each value's type and bounds as it parses.  A line the decoder refuses is
parsed by ``orjson`` when it is installed, else by the standard library, tried again with
its integral floats made ints (``3.0`` is the count 3 for the model too), and else read by
the model itself (`steps.io.converter.structure`), which words its problems: there is no
second validator of JSON values to keep in step with the model.
"""

from __future__ import annotations

import importlib
import math
import operator
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from itertools import chain, compress, repeat
from operator import attrgetter, itemgetter
from pathlib import Path
from types import ModuleType, NoneType
from typing import Annotated, Any, Final, Literal, get_origin

import attrs
import msgspec
import numpy as np
import numpy.typing as npt

from steps.columnar.table import (
    _EPOCH,
    _MICROSECOND,
    DICTIONARY_COLUMNS,
    EXTRA_GROUPS,
    EXTRA_SCHEMA,
    INT_FIELDS,
    ROLE_BITS,
    SCHEMA,
    SOURCES,
    Column,
    IntField,
    ProductCatalogue,
    StreamTable,
    _offset_minutes,
    int_fields,
    lineup_columns,
    merge_dictionaries,
    offset_problem,
    pacing_columns,
    recode,
    shared_columns,
)
from steps.domain.enums import Section
from steps.domain.errors import InvalidDataError, Problem, join_path
from steps.domain.fields import (
    MAX_COUNT,
    MAX_ID_LENGTH,
    MAX_MONEY_FEN,
    MAX_TEXT_LENGTH,
    Kind,
    _check_string,
    kind_of,
)
from steps.domain.model import (
    Account,
    Brand,
    Dataset,
    Order,
    PaidCampaign,
    Product,
    ShortVideo,
    ShowSegment,
    Stream,
    StreamProduct,
    TalentCollab,
    TrustSignal,
)
from steps.io.converter import _json_type, structure, unstructure
from steps.io.files import (
    MAX_LINE_BYTES,
    RECORD_FIELDS,
    _add_record,
    _check_version,
    _locate,
    _parse_json,
    _syntax_problem,
)

__all__ = [
    "JsonlStreamSource",
    "from_arrow",
    "from_columns",
    "from_pandas",
    "from_polars",
    "read_jsonl",
    "read_parquet",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
Message = str | Callable[[int], str]

#: Default rows per chunk of `read_jsonl`.
CHUNK_ROWS: Final = 100_000
#: Rows checked together: the checks are vectorised over them.
_BATCH: Final = 1024
#: Records parsed together: few enough to be read again while in the CPU cache.
_GROUP: Final = 32
#: Bytes read at a time (a block costs about three times this while it is split).
_BLOCK_BYTES: Final = 1024**2
_STREAM_PREFIX: Final = b'{"record":"stream"'
#: Record kinds the first pass leaves for the catalog (stream checks do not need them).
_DEFERRED_KINDS: Final = frozenset(
    ("stream", "talent_collab", "order", "trust_signal", "short_video", "paid_campaign")
)
_DEFERRED_PREFIXES: Final = tuple(b'{"record":"%s"' % k.encode() for k in sorted(_DEFERRED_KINDS))
#: Out-of-range integers are clamped to this before the range checks, which then report
#: them in the model's words; far above any valid value, and five of them still fit int64.
_CLAMP: Final = 2**53
_BIG: Final = 2.0**62
_EPOCH_DAY: Final = date(1970, 1, 1).toordinal()
_DAY_US: Final = 86_400_000_000
_MAXIMUM: Final = {"count": MAX_COUNT, "money": MAX_MONEY_FEN}
_SOURCE_KEYS: Final = tuple(s.value for s in SOURCES)
_ALLOWED_SOURCES: Final = ", ".join(repr(k) for k in _SOURCE_KEYS)


def _import(module: str, extra: str, what: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"{what} needs {module}: install it with pip install 'steps-commerce[{extra}]'"
        ) from None


class _Absent:
    """A key missing from a JSON object (distinct from an explicit null)."""

    def __repr__(self) -> str:
        return "<absent>"


_ABSENT: Final = _Absent()


# =========================================================================== problems


class _Problems:
    """Problems found in a batch of rows: (row, path within the stream, message)."""

    def __init__(self, size: int) -> None:
        self.items: list[tuple[int, str, Message]] = []
        self.bad = np.zeros(size, dtype=np.bool_)

    def add(self, row: int, path: str, message: Message) -> None:
        self.items.append((row, path, message))
        self.bad[row] = True

    def add_rows(
        self, rows: npt.NDArray[Any], path: str | Callable[[int], str], message: Message
    ) -> None:
        for row in rows.tolist():
            where = path if isinstance(path, str) else path(row)
            self.items.append((row, where, message))
        if len(rows):
            self.bad[rows] = True

    def problems(
        self, prefix: Callable[[int], str], line: Callable[[int], int | None]
    ) -> list[Problem]:
        ordered = sorted(self.items, key=itemgetter(0))
        return [
            Problem(
                join_path(prefix(row), path),
                message if isinstance(message, str) else message(row),
                line(row),
            )
            for row, path, message in ordered
        ]


# =========================================================================== JSON values


def _json_ints(
    values: Sequence[object], mode: str
) -> tuple[IntArray, BoolArray | None, list[tuple[int, str]]]:
    """Integers from the cells of a column of Python objects, the way the converter reads
    them (``3.0`` is 3, ``3.5``, ``true`` and ``"3"`` are not), ``_ABSENT`` where one is
    missing; ``mode`` is "required" or "optional".

    Returns the values (0 where missing or invalid; out-of-range integers clamped to
    ±2**53), where a value is present (None when all are), and (index, message) problems."""
    if not values or set(map(type, values)) == {int}:
        try:
            return np.array(values, dtype=np.int64), None, []
        except OverflowError:
            pass
    out: list[int] = []
    present: list[bool] = []
    problems: list[tuple[int, str]] = []
    for index, value in enumerate(values):
        kind = type(value)
        if kind is int:
            out.append(max(-_CLAMP, min(_CLAMP, value)))  # type: ignore[call-overload]
            present.append(True)
            continue
        if value is _ABSENT:
            if mode == "required":
                problems.append((index, "is required"))
            out.append(0)
            present.append(mode != "optional")
            continue
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            out.append(int(value))
            present.append(True)
            continue
        problems.append((index, f"must be an integer, got {_json_type(value)} {value!r:.40}"))
        out.append(0)
        present.append(mode != "optional")
    return (
        np.array(out, dtype=np.int64),
        np.array(present, dtype=np.bool_),
        problems,
    )


def _json_rates(
    values: Sequence[object],
) -> tuple[FloatArray, BoolArray, list[tuple[int, str]]]:
    """Optional rates in [0, 1] from JSON values."""
    if set(map(type, values)) <= {float, int, NoneType}:
        try:
            numbers = np.array(values, dtype=np.float64)  # None becomes NaN
        except OverflowError:
            numbers = None
        if numbers is not None:
            present_mask = ~np.isnan(numbers)
            numbers[~present_mask] = 0.0
            wrong = present_mask & ~((numbers >= 0.0) & (numbers <= 1.0))
            problems_fast = [
                (i, f"must lie in [0, 1], got {numbers[i]}")
                if np.isfinite(numbers[i])
                else (i, "must be a finite number")
                for i in np.flatnonzero(wrong).tolist()
            ]
            return numbers, present_mask, problems_fast
    out: list[float] = []
    present: list[bool] = []
    problems: list[tuple[int, str]] = []
    for index, value in enumerate(values):
        if value is None or value is _ABSENT:
            out.append(0.0)
            present.append(False)
        elif type(value) in (int, float):
            number = float(value)  # type: ignore[arg-type]
            if not np.isfinite(number):
                problems.append((index, "must be a finite number"))
            elif not 0.0 <= number <= 1.0:
                problems.append((index, f"must lie in [0, 1], got {number}"))
            out.append(number)
            present.append(True)
        else:
            problems.append((index, f"must be a number, got {_json_type(value)}"))
            out.append(0.0)
            present.append(False)
    return np.array(out, dtype=np.float64), np.array(present, dtype=np.bool_), problems


def _json_strings(
    values: Sequence[object], mode: str, limit: int, *, allow_blank: bool, repeats: bool = False
) -> tuple[list[str | None], list[tuple[int, str]]]:
    """Strings from JSON values (None where an optional one is missing), checked as the
    model checks ids (non-blank) and texts; each distinct value is checked once."""
    problems: list[tuple[int, str]] = []
    strings: list[str | None]
    kinds = set(map(type, values))
    if kinds == {str} or (mode == "optional" and kinds <= {str, NoneType}):
        strings = list(values)  # type: ignore[arg-type]
    else:
        strings = []
        for index, value in enumerate(values):
            if isinstance(value, str):
                strings.append(value)
                continue
            strings.append(None)
            if value is _ABSENT or value is None:
                if mode == "required":
                    problems.append(
                        (index, "is required")
                        if value is _ABSENT
                        else (index, f"must be a string, got {_json_type(value)}")
                    )
            else:
                problems.append((index, f"must be a string, got {_json_type(value)}"))
    bad = _string_problems(
        list(dict.fromkeys(strings)) if repeats else strings, limit, allow_blank=allow_blank
    )
    if bad:
        problems.extend((i, bad[s]) for i, s in enumerate(strings) if s in bad)
        problems.sort()
    return strings, problems


def _string_problems(
    strings: Sequence[str | None], limit: int, *, allow_blank: bool
) -> dict[str, str]:
    """The distinct strings that fail the model's check, with its message."""
    given = [s for s in strings if s is not None] if None in strings else strings
    if not given:
        return {}
    clean = max(map(len, given)) <= limit and all(map(str.isascii, given))  # type: ignore[arg-type]
    if clean and not allow_blank:
        clean = min(map(len, given)) > 0 and not any(map(str.isspace, given))  # type: ignore[arg-type]
    if clean:
        return {}
    unique = [s for s in dict.fromkeys(given) if s is not None]
    found: dict[str, str] = {}
    for value in unique:
        message = _check_string(value, limit, allow_blank=allow_blank)
        if message:
            found[value] = message
    return found


def _parse_time(value: str) -> tuple[int, int] | str:
    """(microseconds since the epoch, UTC offset in minutes), or the problem's message."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return f"must be an ISO 8601 date-time, got {value!r:.60}"
    if moment.tzinfo is None or moment.utcoffset() is None:
        return "must be timezone-aware (e.g. 2021-09-01T20:00:00+08:00)"
    minutes = _offset_minutes(moment)
    if minutes is None:
        return offset_problem(moment)
    return (moment - _EPOCH) // _MICROSECOND, minutes


# "2021-08-02T18:00:00+08:00" and "2021-08-02T18:00:00.123456+08:00": the forms
# datetime.isoformat() writes, parsed in numpy; anything else goes to fromisoformat.
_SHORT_TIME: Final = "0000-00-00T00:00:00+00:00"
_LONG_TIME: Final = "0000-00-00T00:00:00.000000+00:00"


def _fast_times(values: Sequence[str], template: str) -> tuple[IntArray, IntArray, BoolArray]:
    """Parse strings shaped like ``template`` (same length): microseconds, offset minutes,
    and which parsed (the rest, wrong or unusual, are left to `_parse_time`)."""
    n, width = len(values), len(template)
    codes = np.array(values, dtype=f"<U{width}").view(np.uint32).reshape(n, width)
    digits = codes.astype(np.int64) - ord("0")
    pattern = np.frombuffer(template.encode("utf-32-le"), dtype=np.uint32)
    is_digit = pattern == ord("0")
    ok = np.all((digits[:, is_digit] >= 0) & (digits[:, is_digit] <= 9), axis=1)
    fixed = ~is_digit
    fixed[width - 6] = False  # the offset's sign
    ok &= np.all(codes[:, fixed] == pattern[fixed], axis=1)
    sign_code = codes[:, width - 6]
    ok &= (sign_code == ord("+")) | (sign_code == ord("-"))

    def number(start: int, length: int) -> IntArray:
        out = np.zeros(n, dtype=np.int64)
        for k in range(start, start + length):
            out = out * 10 + digits[:, k]
        return out

    year, month, day = number(0, 4), number(5, 2), number(8, 2)
    hour, minute, second = number(11, 2), number(14, 2), number(17, 2)
    micro = number(20, 6) if width == len(_LONG_TIME) else np.zeros(n, dtype=np.int64)
    off_hour, off_minute = number(width - 5, 2), number(width - 2, 2)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    ok &= day <= month_days[np.clip(month, 0, 12)] + (leap & (month == 2))
    ok &= (hour < 24) & (minute < 60) & (second < 60) & (off_hour < 24) & (off_minute < 60)
    # days from civil (H. Hinnant), proleptic Gregorian
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    days = era * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468
    offset = np.where(sign_code == ord("-"), -1, 1) * (off_hour * 60 + off_minute)
    local = (days * 86_400 + hour * 3600 + minute * 60 + second) * 1_000_000 + micro
    return local - offset * 60_000_000, offset, ok


def _json_times(
    values: Sequence[str],
) -> tuple[IntArray, npt.NDArray[np.int32], list[tuple[int, str]]]:
    """(epoch microseconds, UTC offset minutes) of ISO 8601 strings, as
    ``datetime.fromisoformat`` reads them."""
    n = len(values)
    micros = np.zeros(n, dtype=np.int64)
    offsets = np.zeros(n, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=n)
    for template in (_SHORT_TIME, _LONG_TIME):
        rows = np.flatnonzero(lengths == len(template))
        if len(rows):
            picked = [values[i] for i in rows.tolist()]
            got, offset, ok = _fast_times(picked, template)
            micros[rows[ok]], offsets[rows[ok]], done[rows[ok]] = got[ok], offset[ok], True
    problems: list[tuple[int, str]] = []
    for index in np.flatnonzero(~done).tolist():
        parsed = _parse_time(values[index])
        if isinstance(parsed, str):
            problems.append((index, parsed))
        else:
            micros[index], offsets[index] = parsed
    return micros, offsets.astype(np.int32), problems


# =========================================================================== segments


def _segment_sums(
    values: IntArray, starts: IntArray, counts: IntArray
) -> tuple[IntArray, BoolArray]:
    """Per-segment sums of ``values`` (segments are consecutive runs), and where a sum
    does not fit int64."""
    total = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(values, out=total[1:])
    sums = total[starts + counts] - total[starts]
    overflow = np.zeros(len(counts), dtype=np.bool_)
    if len(values) and float(np.abs(values).max()) * float(counts.max()) >= _BIG:
        floats = np.zeros(len(values) + 1)
        np.cumsum(values.astype(np.float64), out=floats[1:])
        overflow = np.abs(floats[starts + counts] - floats[starts]) >= _BIG
    return sums, overflow


def _segment_max(values: IntArray, starts: IntArray, counts: IntArray) -> IntArray:
    out = np.zeros(len(counts), dtype=np.int64)
    nonempty = counts > 0
    if nonempty.any():
        out[nonempty] = np.maximum.reduceat(values, starts[nonempty])
    return out


@attrs.define
class _Nested:
    """Where the items of a nested list of each row lie, flattened."""

    parent: IntArray  # the row of each item
    position: IntArray  # the item's index in its row's list
    starts: IntArray  # where each row's items start
    counts: IntArray  # items per row


# =========================================================================== stream batch

_STRING_FIELDS: Final = ("stream_id", "account_id")
_OTHER_KEYS: Final = (
    "stream_id",
    "account_id",
    "started_at",
    "uv_by_source",
    "gmv_by_source",
    "products",
    "brand_id",
)
_SPLITS: Final = ("uv_by_source", "gmv_by_source")
_PRODUCT_INTS: Final = int_fields(StreamProduct)
_SEGMENT_INTS: Final = int_fields(ShowSegment)


@attrs.define
class _Brands:
    """What the checks need to know of the brands: index (in the dataset), accounts,
    products and window (days since the epoch) of each brand id; and the products' roles
    and prices, for the line-up columns."""

    index: dict[str, int]
    accounts: list[frozenset[str]]
    products: list[frozenset[str]]
    windows: list[tuple[date | None, date | None]]
    catalogue: ProductCatalogue
    #: The dates the brand's coverage gives its streams, checked (as the loader does) before
    #: the window.
    stream_dates: list[tuple[date | None, date | None]] = attrs.field(factory=list)

    @classmethod
    def of(cls, dataset: Dataset) -> _Brands:
        return cls(
            {b.brand_id: i for i, b in enumerate(dataset.brands)},
            [frozenset(a.account_id for a in b.accounts) for b in dataset.brands],
            [frozenset(p.product_id for p in b.products) for b in dataset.brands],
            [(b.window_start, b.window_end) for b in dataset.brands],
            ProductCatalogue.of(dataset.brands),
            [_stream_dates(b) for b in dataset.brands],
        )


def _stream_dates(brand: Brand) -> tuple[date | None, date | None]:
    for entry in brand.coverage or ():
        if entry.section is Section.STREAMS:
            return entry.start, entry.end
    return None, None


@attrs.define
class _Batch:
    """A batch of rows in the table's layout, before dictionary encoding."""

    size: int
    columns: dict[str, npt.NDArray[Any]]
    strings: dict[str, list[str | None]]
    brand: IntArray  # index of each row's brand in the catalog (-1: unknown)
    problems: _Problems


def _finish_batch(
    raw: Mapping[str, Sequence[Any]],
    columns: dict[str, npt.NDArray[Any]],
    product_ids: _ProductIds | None,
    brands: _Brands,
    problems: _Problems,
) -> _Batch:
    """The rest of a batch: brand, strings and time from their decoded values, then the
    relations on the rows whose fields are all valid."""
    n = len(problems.bad)
    brand, brand_strings = _brand_index(raw["brand_id"], brands, problems)
    strings: dict[str, list[str | None]] = {"brand_id": brand_strings}
    for name in _STRING_FIELDS:
        strings[name], errors = _json_strings(
            raw[name], "required", MAX_ID_LENGTH, allow_blank=False
        )
        for i, message in errors:
            problems.add(i, name, message)
    strings["campaign"], errors = _json_strings(
        raw["campaign"], "optional", MAX_TEXT_LENGTH, allow_blank=True, repeats=True
    )
    for i, message in errors:
        problems.add(i, "campaign", message)
    micros, offsets, errors = _json_times(raw["started_at"])
    for i, message in errors:
        problems.add(i, "started_at", message)
    columns["started_at_us"] = micros
    columns["started_at_offset_min"] = offsets
    ok = ~problems.bad
    _relations(columns, ok, problems)
    if product_ids is not None:
        _duplicate_products(product_ids, ok, problems)
    ok &= ~problems.bad
    _brand_relations(
        brands,
        brand,
        columns,
        accounts=strings["account_id"],
        product_ids=product_ids,
        ok=ok,
        problems=problems,
    )
    _lineup(brands, brand, product_ids, columns)
    return _Batch(n, columns, strings, brand, problems)


def _lineup(
    brands: _Brands,
    brand: IntArray,
    product_ids: _ProductIds | None,
    columns: dict[str, npt.NDArray[Any]],
) -> None:
    """The line-up columns, from the items' product ids looked up in their brand's products
    (all products are known before any stream is read: the first pass reads them)."""
    n = len(brand)
    if product_ids is None:
        none = np.zeros(0, dtype=np.int64)
        columns.update(lineup_columns(n, none, none, none, brands.catalogue))
        return
    item_brand = brand[product_ids.parent]
    product = brands.catalogue.lookup(item_brand, product_ids.codes, product_ids.values)
    columns.update(
        lineup_columns(n, product_ids.parent, product_ids.explain, product, brands.catalogue)
    )


def _brand_index(
    values: Sequence[object], brands: _Brands, problems: _Problems
) -> tuple[IntArray, list[str | None]]:
    """Each row's brand (its index in the catalog, -1 when unknown) and brand id."""
    n = len(values)
    strings: list[str | None] = [v if type(v) is str else None for v in values]
    unique = list(dict.fromkeys(strings))
    lookup = np.array([brands.index.get(b, -1) if b is not None else -1 for b in unique])
    position = {b: i for i, b in enumerate(unique)}
    brand = lookup[np.fromiter(map(position.__getitem__, strings), np.int64, n)]
    for value in unique:
        if value is not None and value in brands.index:
            continue
        where = np.flatnonzero(np.fromiter((s == value for s in strings), np.bool_, n))
        if value is None:
            problems.add_rows(where, "brand_id", "is required (a string) on every record")
        else:
            problems.add_rows(
                where, "brand_id", f"records name brand {value!r}, which has no brand record"
            )
    return brand.astype(np.int64), strings


#: An int the record leaves out, in the decoded structs and the int blocks (every count and
#: money is >= 0).
_LEFT_OUT: Final = -1


def _compiled_type(kind: Kind | None) -> Any:
    """The msgspec type that accepts a field of ``kind``: the bounds come from the field's
    metadata, so the compiled decoder checks what the model checks (strings and times are
    checked column-wise afterwards, with the relations)."""
    if kind is None:
        raise TypeError("a stream field without a Kind in its metadata")
    if kind.name in ("count", "money"):
        return Annotated[int, msgspec.Meta(ge=int(kind.minimum or 0), le=int(kind.maximum or 0))]
    if kind.name in ("rate", "number"):
        return Annotated[float, msgspec.Meta(ge=kind.minimum, le=kind.maximum)]
    if kind.name in ("identifier", "text", "aware_datetime"):
        return str
    if kind.name == "count_map":
        bounded = _compiled_type(attrs.evolve(kind, name="count"))
        # A source left out is -1 (null is not a count, for the model either).
        fields = [(member.value, bounded, _LEFT_OUT) for member in kind.item]
        return msgspec.defstruct(kind.item.__name__, fields, forbid_unknown_fields=True, gc=False)
    if kind.name == "many":
        return list[_compiled_struct(kind.item)]  # type: ignore[misc]
    if kind.name == "nested":
        return _compiled_struct(kind.item)
    raise TypeError(f"no compiled type for a {kind.name} field")


def _compiled_struct(cls: type, extra: Sequence[tuple[str, Any]] = ()) -> Any:
    """A msgspec Struct for `cls`, with no other key: a field the model requires is
    required, one that defaults to None may be absent or null (None on the struct), any
    other default is taken when the field is absent."""
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = list(extra)
    for attribute in attrs.fields(cls):
        kind = kind_of(attribute)
        compiled = _compiled_type(kind)
        default = attribute.default
        if default is attrs.NOTHING:
            fields.append((attribute.name, compiled))
        elif default is None:
            # An int left out is -1, which the int blocks take as they are; null (rarer)
            # is None, replaced by -1 in a second pass.
            left_out = _LEFT_OUT if kind is not None and kind.name in ("count", "money") else None
            fields.append((attribute.name, compiled | None, left_out))
        elif isinstance(default, attrs.Factory) or default == ():  # type: ignore[arg-type]
            empty = get_origin(compiled) or compiled  # a list, or a split's struct
            fields.append((attribute.name, compiled, msgspec.field(default_factory=empty)))
        else:
            fields.append((attribute.name, compiled, default))
    return msgspec.defstruct(f"_{cls.__name__}Record", fields, forbid_unknown_fields=True, gc=False)


_STREAM_RECORD: Final = _compiled_struct(Stream, (("record", Literal["stream"]), ("brand_id", str)))
#: Decodes and checks one stream line in compiled code.
_DECODE: Final[Callable[[bytes], Any]] = msgspec.json.Decoder(_STREAM_RECORD).decode
_GET_INTS: Final = attrgetter(*(f.name for f in INT_FIELDS))
_GET_OTHER: Final = attrgetter(*_OTHER_KEYS)
_GET_SOURCES: Final = attrgetter(*_SOURCE_KEYS)
_GET_PRODUCT_INTS: Final = attrgetter(*(f.name for f in _PRODUCT_INTS))
_GET_PRODUCT_ID: Final = attrgetter("product_id")
_GET_PLAN: Final = attrgetter(
    "segments", "gmv_target_fen", "planned_paid_uv_share", "planned_returning_share"
)
_GET_SEGMENT_INTS: Final = attrgetter(*(f.name for f in _SEGMENT_INTS))
_GET_SEGMENT_NAME: Final = attrgetter("name")
_GET_PLAN_OF: Final = attrgetter("plan")
_GET_CAMPAIGN: Final = attrgetter("campaign")


class _Rows:
    """Stream records decoded and checked by the compiled decoder, gathered as columns.

    `add` takes a few lines at a time (few enough to stay in the CPU cache), decodes them
    into structs whose types come from the model's field metadata (so each value's type
    and bounds are checked while it is parsed), and keeps compact int blocks, where -1
    marks a value left out (every count and money is >= 0); `batch` checks what is left
    (strings, times, relations) for everything at once.  A line the decoder refuses makes
    `add` refuse its whole group; the reader then takes the group's lines one by one, and
    the model reads each line refused (`JsonlStreamSource._read_refused`), wording its
    problems."""

    size: int
    plan_rows: list[int]
    segment_counts: list[int]
    targets: list[int | None]
    segment_ints: list[IntArray]
    shares: list[float | None]
    returning: list[float | None]
    segment_names: list[Any]
    ints: list[IntArray]
    splits: list[IntArray]
    product_counts: list[IntArray]
    product_ints: list[IntArray]
    raw: dict[str, list[Any]]

    def __init__(self) -> None:
        self.clear()

    def add(self, lines: list[bytes]) -> bool:
        try:
            records = list(map(_DECODE, lines))
        except msgspec.MsgspecError:
            return False
        self.extend(records)
        return True

    def extend(self, records: list[Any]) -> None:
        """Add decoded records."""
        n = len(records)
        ints = list(map(_GET_INTS, records))
        stream_ids, account_ids, started, uvs, gmvs, products, brand_ids = zip(
            *map(_GET_OTHER, records), strict=True
        )
        splits = list(map(_GET_SOURCES, uvs + gmvs))
        items = list(chain.from_iterable(products))
        product_ints = list(map(_GET_PRODUCT_INTS, items))
        plans = list(map(_GET_PLAN_OF, records))
        planned = [plan for plan in plans if plan is not None]
        targets: Sequence[int | None] = ()
        segment_ints: list[tuple[int | None, ...]] = []
        if planned:
            segment_lists, targets, shares, returning = zip(*map(_GET_PLAN, planned), strict=True)
            segments = list(chain.from_iterable(segment_lists))
            segment_ints = list(map(_GET_SEGMENT_INTS, segments))
            self.plan_rows.extend(i + self.size for i, plan in enumerate(plans) if plan is not None)
            self.shares.extend(shares)
            self.returning.extend(returning)
            self.segment_counts.extend(map(len, segment_lists))
            self.segment_names.extend(map(_GET_SEGMENT_NAME, segments))

        def values() -> Iterator[Any]:
            return chain(
                chain.from_iterable(ints),
                chain.from_iterable(splits),
                chain.from_iterable(product_ints),
                targets,
                chain.from_iterable(segment_ints),
            )

        try:
            flat = np.fromiter(values(), dtype=np.int64)
        except TypeError:  # an explicit null
            flat = np.fromiter((_LEFT_OUT if v is None else v for v in values()), np.int64)
        sizes = np.cumsum(
            [
                n * len(INT_FIELDS),
                2 * n * len(_SOURCE_KEYS),
                len(items) * len(_PRODUCT_INTS),
                len(targets),
            ]
        ).tolist()
        self.ints.append(flat[: sizes[0]].reshape(n, len(INT_FIELDS)))
        self.splits.append(flat[sizes[0] : sizes[1]].reshape(2, n, len(_SOURCE_KEYS)))
        self.product_ints.append(flat[sizes[1] : sizes[2]].reshape(len(items), len(_PRODUCT_INTS)))
        if planned:
            self.targets.extend(flat[sizes[2] : sizes[3]].tolist())
            self.segment_ints.append(
                flat[sizes[3] :].reshape(len(segment_ints), len(_SEGMENT_INTS))
            )
        self.product_counts.append(np.fromiter(map(len, products), np.int64, n))
        raw = self.raw
        raw["brand_id"].extend(brand_ids)
        raw["stream_id"].extend(stream_ids)
        raw["account_id"].extend(account_ids)
        raw["started_at"].extend(started)
        raw["products"].extend(map(_GET_PRODUCT_ID, items))
        raw["campaign"].extend(map(_GET_CAMPAIGN, records))
        self.size += n

    def batch(self, brands: _Brands) -> _Batch:
        """Everything added so far as one checked batch (and start afresh)."""
        n = self.size
        problems = _Problems(n)
        columns: dict[str, npt.NDArray[Any]] = {}
        ints = _stacked(self.ints, len(INT_FIELDS))
        for name, given in _block_columns(ints, INT_FIELDS, columns).items():
            columns[f"has_{name}"] = given
        splits = (
            np.concatenate(self.splits, axis=1)
            if n
            else np.zeros((2, 0, len(_SOURCE_KEYS)), np.int64)
        )
        for split, block in zip(_SPLITS, splits, strict=True):
            given = block >= 0
            for k, key in enumerate(_SOURCE_KEYS):
                columns[f"{split}_{key}"] = np.where(given[:, k], block[:, k], 0)
            columns[f"has_{split}"] = given.any(axis=1)
        counts = np.concatenate(self.product_counts) if n else np.zeros(0, np.int64)
        values_of: dict[str, IntArray] = {}
        present_of = _block_columns(
            _stacked(self.product_ints, len(_PRODUCT_INTS)), _PRODUCT_INTS, values_of
        )
        product_ids = _products(
            self.raw["products"], values_of, present_of, _layout(counts), problems, columns
        )
        self._plan(problems, columns)
        batch = _finish_batch(self.raw, columns, product_ids, brands, problems)
        self.clear()
        return batch

    def _plan(self, problems: _Problems, columns: dict[str, npt.NDArray[Any]]) -> None:
        """Check the segments' names, and fill the plan's columns."""
        n = self.size
        plan_rows = np.array(self.plan_rows, dtype=np.int64)
        nested = _layout(np.array(self.segment_counts, dtype=np.int64))
        values_of: dict[str, IntArray] = {}
        present_of = _block_columns(
            _stacked(self.segment_ints, len(_SEGMENT_INTS)), _SEGMENT_INTS, values_of
        )
        for name in (
            "plan_segments",
            "plan_planned_seconds",
            "plan_actual_seconds",
            "plan_timed_segments",
            "plan_timed_planned_seconds",
            "plan_timing_deviation_seconds",
            "plan_planned_spend_fen",
            "plan_actual_spend_fen",
            "plan_gmv_target_fen",
        ):
            columns[name] = np.zeros(n, dtype=np.int64)
        columns["has_plan"] = np.zeros(n, dtype=np.bool_)
        columns["has_plan"][plan_rows] = True
        target = np.array(self.targets, dtype=np.int64)
        columns["has_plan_gmv_target_fen"] = np.zeros(n, dtype=np.bool_)
        columns["has_plan_gmv_target_fen"][plan_rows] = target >= 0
        columns["plan_gmv_target_fen"][plan_rows] = np.maximum(target, 0)
        for name, shares in (
            ("plan_planned_paid_uv_share", self.shares),
            ("plan_planned_returning_share", self.returning),
        ):
            share = np.array(shares, dtype=np.float64)  # None is NaN
            given = ~np.isnan(share)
            columns[name] = np.zeros(n, dtype=np.float64)
            columns[name][plan_rows] = np.where(given, share, 0.0)
            columns[f"has_{name}"] = np.zeros(n, dtype=np.bool_)
            columns[f"has_{name}"][plan_rows] = given
        columns.update(
            pacing_columns(
                n,
                plan_rows,
                nested.parent,
                (values_of["planned_spend_fen"], present_of["planned_spend_fen"]),
                (values_of["actual_spend_fen"], present_of["actual_spend_fen"]),
            )
        )
        if not len(plan_rows):
            return
        position = nested.position
        _, errors = _json_strings(
            self.segment_names, "required", MAX_TEXT_LENGTH, allow_blank=True, repeats=True
        )
        for i, message in errors:
            problems.add(
                int(plan_rows[nested.parent[i]]), f"plan.segments[{position[i]}].name", message
            )
        starts, counts = nested.starts, nested.counts
        planned = values_of["planned_seconds"]
        actual = values_of["actual_seconds"]
        timed = present_of["actual_seconds"]
        overflow = np.zeros(len(plan_rows), dtype=np.bool_)
        for name, source in (
            ("plan_planned_seconds", planned),
            ("plan_actual_seconds", actual),
            ("plan_timed_segments", timed.astype(np.int64)),
            ("plan_timed_planned_seconds", np.where(timed, planned, 0)),
            ("plan_timing_deviation_seconds", np.where(timed, np.abs(actual - planned), 0)),
            ("plan_planned_spend_fen", values_of["planned_spend_fen"]),
            ("plan_actual_spend_fen", values_of["actual_spend_fen"]),
        ):
            sums, wide = _segment_sums(source, starts, counts)
            overflow |= wide
            columns[name][plan_rows] = sums
        columns["plan_segments"][plan_rows] = counts
        _report_overflow(plan_rows[overflow], problems, "plan.segments")

    def clear(self) -> None:
        self.size = 0
        self.ints, self.splits, self.product_counts, self.product_ints = [], [], [], []
        self.raw = {key: [] for key in (*_OTHER_KEYS, "campaign")}
        self.plan_rows, self.segment_counts = [], []
        self.targets, self.segment_ints = [], []
        self.shares, self.segment_names = [], []
        self.returning = []


def _stacked(blocks: list[IntArray], width: int) -> IntArray:
    return np.concatenate(blocks) if blocks else np.zeros((0, width), np.int64)


def _block_columns(
    block: IntArray, fields: Sequence[IntField], columns: dict[str, npt.NDArray[Any]]
) -> dict[str, BoolArray]:
    """The columns of an int block, one per field (in range: the decoder checked them);
    returns where each optional field is given (-1 in the block where it is not)."""
    given: dict[str, BoolArray] = {}
    for k, field in enumerate(fields):
        column = block[:, k]
        if field.mode == "optional":
            given[field.name] = present = column >= 0
            column = np.where(present, column, 0)
        columns[field.name] = column
    return given


def _layout(counts: IntArray) -> _Nested:
    """Where each row's items lie in a flat list, given how many each row has."""
    starts = np.zeros(len(counts), dtype=np.int64)
    if len(counts) > 1:
        np.cumsum(counts[:-1], out=starts[1:])
    total = int(counts.sum()) if len(counts) else 0
    parent = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    position = np.arange(total, dtype=np.int64) - starts[parent]
    return _Nested(parent, position, starts, counts)


@attrs.define
class _ProductIds:
    """The product id of each item, dictionary-encoded, with the item's row, index and
    ``explain_count``."""

    codes: IntArray
    values: list[str | None]
    parent: IntArray
    position: IntArray
    explain: IntArray

    @classmethod
    def of(
        cls, ids: Sequence[str | None], parent: IntArray, position: IntArray, explain: IntArray
    ) -> _ProductIds:
        lookup = {value: code for code, value in enumerate(dict.fromkeys(ids))}
        codes = np.fromiter(map(lookup.__getitem__, ids), dtype=np.int64, count=len(ids))
        return cls(codes, list(lookup), parent, position, explain)


def _products(  # noqa: PLR0917 - one step of `_Rows.batch`
    raw_ids: Sequence[object],
    values_of: Mapping[str, IntArray],
    present_of: Mapping[str, BoolArray],
    nested: _Nested,
    problems: _Problems,
    columns: dict[str, npt.NDArray[Any]],
) -> _ProductIds | None:
    """Check the products' ids and StreamProduct's relation (as problems of their rows),
    and fill the products' aggregate columns."""
    parent, position, starts, counts = nested.parent, nested.position, nested.starts, nested.counts
    item_problems = _Problems(len(parent))
    ids, errors = _json_strings(raw_ids, "required", MAX_ID_LENGTH, allow_blank=False, repeats=True)
    for i, message in errors:
        item_problems.add(i, f"products[{position[i]}].product_id", message)
    exposures, clicks = values_of["exposures"], values_of["clicks"]
    both = present_of["exposures"] & present_of["clicks"]
    over = np.flatnonzero(both & ~item_problems.bad & (clicks > exposures))
    item_problems.add_rows(
        over,
        lambda i: f"products[{position[i]}].clicks",
        lambda i: f"must be <= exposures ({exposures[i]}), got {clicks[i]}",
    )
    for item, where, said in item_problems.items:
        problems.add(int(parent[item]), where, said if isinstance(said, str) else said(item))

    n = len(counts)
    gmv = values_of["gmv_fen"]
    overflow = np.zeros(n, dtype=np.bool_)
    for name, source in (
        ("products_explain_count", values_of["explain_count"]),
        ("products_explain_seconds", values_of["explain_seconds"]),
        ("products_gmv_fen", gmv),
        ("products_explained", (values_of["explain_count"] > 0).astype(np.int64)),
    ):
        columns[name], wide = _segment_sums(source, starts, counts)
        overflow |= wide
    columns["products_listed"] = counts
    top = _segment_max(gmv, starts, counts)
    columns["products_max_gmv_fen"] = top
    if len(gmv):
        order = np.lexsort((-gmv, parent))
        rank = np.arange(len(gmv), dtype=np.int64) - starts[parent[order]]
        keep = rank < (counts[parent[order]] + 4) // 5
        columns["products_top_fifth_gmv_fen"], _ = _segment_sums(
            np.where(keep, gmv[order], 0), starts, counts
        )
    else:
        columns["products_top_fifth_gmv_fen"] = np.zeros(n, dtype=np.int64)
    total = columns["products_gmv_fen"]
    with np.errstate(divide="ignore", invalid="ignore"):
        columns["products_max_gmv_share"] = np.where(
            total > 0, top / np.where(total > 0, total, 1), np.nan
        )
    stocked = present_of["stock_units"] & present_of["units_sold"]
    sold_out = stocked & (values_of["units_sold"] >= values_of["stock_units"])
    columns["products_stocked"], _ = _segment_sums(stocked.astype(np.int64), starts, counts)
    columns["products_sold_out"], _ = _segment_sums(sold_out.astype(np.int64), starts, counts)
    _report_overflow(np.flatnonzero(overflow), problems, "products")
    if not len(gmv):
        return None
    return _ProductIds.of(ids, parent, position, values_of["explain_count"])


def _report_overflow(rows: IntArray, problems: _Problems, path: str) -> None:
    problems.add_rows(rows, path, "sums of its values are beyond the 64-bit range of a StreamTable")


def _whole_numbers(value: Any) -> Any:
    """A parsed JSON value with each integral float made an int, as the converter reads a
    count (``3.0`` is 3); a rate given as ``1.0`` is read as a float all the same."""
    if type(value) is float:
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if type(value) is dict:
        return {key: _whole_numbers(item) for key, item in value.items()}
    if type(value) is list:
        return [_whole_numbers(item) for item in value]
    return value


def _refused_row(brand_id: object, refused: Sequence[Problem], brands: _Brands) -> _Batch:
    """The row of a stream record the model refuses, or that names no brand: its problems
    and zeros (a chunk with problems is never yielded)."""
    problems = _Problems(1)
    brand, strings = _brand_index([brand_id], brands, problems)
    for problem in refused:
        problems.add(0, problem.path, problem.message)
    columns = {c.name: np.zeros(1, dtype=c.dtype) for c in _ALL_COLUMNS}
    none: list[str | None] = [None]
    named = {"brand_id": strings, "stream_id": none, "account_id": none, "campaign": none}
    return _Batch(1, columns, named, brand, problems)


_RELATIONS: Final = (
    ("buyers", "orders"),
    ("buyers", "uv"),
    ("uv", "exposure"),
    ("uv", "views"),
    ("first_minutes_uv", "uv"),
    ("peak_concurrent", "uv"),
    ("product_exposure_uv", "uv"),
    ("product_click_uv", "product_exposure_uv"),
    ("product_click_uv", "uv"),
    ("orders", "orders_created"),
    ("refund_fen", "gmv_fen"),
    ("coupons_used", "coupons_issued"),
    ("reserved_attendees", "reservations"),
    ("reserved_attendees", "uv"),
)
_OPTIONAL: Final = frozenset(f.name for f in INT_FIELDS if f.mode == "optional")


def _relations(columns: Mapping[str, npt.NDArray[Any]], ok: BoolArray, problems: _Problems) -> None:
    """The relations of `Stream`, on the rows where ``ok``."""

    def report(mask: BoolArray, path: str, message: Callable[[int], str]) -> None:
        problems.add_rows(np.flatnonzero(mask), path, message)

    def at_most(field: str, bound: str) -> None:
        value, limit = columns[field], columns[bound]
        mask = ok & (value > limit)
        for name in (field, bound):
            if name in _OPTIONAL:
                mask &= columns[f"has_{name}"]
        if mask.any():
            report(mask, field, _bound_message(value, limit, bound))

    for field, bound in _RELATIONS:
        at_most(field, bound)
    uv, duration, watch = columns["uv"], columns["duration_seconds"], columns["watch_seconds"]
    exact = uv.astype(np.float64) * duration.astype(np.float64) < _BIG
    with np.errstate(over="ignore"):
        product = np.where(exact, uv * duration, 0)
    mask = ok & exact & (watch > product)
    if mask.any():
        report(mask, "watch_seconds", _bound_message(watch, product, "uv × duration_seconds"))
    gmv, orders = columns["gmv_fen"], columns["orders"]
    mask = ok & (gmv > 0) & (orders == 0)
    if mask.any():
        report(mask, "orders", lambda _: "must be > 0 when gmv_fen is positive")
    for split, total_name in (("uv_by_source", "uv"), ("gmv_by_source", "gmv_fen")):
        total = np.sum([columns[f"{split}_{s.value}"] for s in SOURCES], axis=0)
        mask = ok & (total > columns[total_name])
        if mask.any():
            report(mask, split, _bound_message(total, columns[total_name], total_name))
    products = columns["products_gmv_fen"]
    mask = ok & (products > gmv)
    if mask.any():
        report(
            mask,
            "products",
            _bound_message(products, gmv, "gmv_fen (sum of products' gmv_fen)"),
        )


def _bound_message(
    value: npt.NDArray[Any], bound: npt.NDArray[Any], name: str
) -> Callable[[int], str]:
    """The model's message for ``value[row] > bound[row]``."""

    def message(row: int) -> str:
        return f"must be <= {name} ({bound[row]}), got {value[row]}"

    return message


def _duplicate_products(ids: _ProductIds, ok: BoolArray, problems: _Problems) -> None:
    """Stream's relation: no product listed twice (reported at each repeat)."""
    codes = ids.codes
    order = np.lexsort((codes, ids.parent))
    same = (np.diff(ids.parent[order]) == 0) & (np.diff(codes[order]) == 0)
    repeats = order[1:][same]
    repeats = repeats[ok[ids.parent[repeats]]]
    for item in np.sort(repeats).tolist():
        problems.add(
            int(ids.parent[item]),
            f"products[{ids.position[item]}]",
            f"duplicate product {ids.values[codes[item]]!r}",
        )


def _brand_relations(
    brands: _Brands,
    brand: IntArray,
    columns: Mapping[str, npt.NDArray[Any]],
    *,
    accounts: Sequence[str | None],
    product_ids: _ProductIds | None,
    ok: BoolArray,
    problems: _Problems,
) -> None:
    """Brand's relations on its streams: known accounts and products, dates in the window."""
    account_pairs = dict.fromkeys(zip(brand.tolist(), accounts, strict=True))
    strangers = {p for p in account_pairs if p[0] >= 0 and p[1] not in brands.accounts[p[0]]}
    if strangers:
        for row, pair in enumerate(zip(brand.tolist(), accounts, strict=True)):
            if ok[row] and pair in strangers:
                problems.add(row, "account_id", f"unknown account {pair[1]!r}")
    if product_ids is not None:
        item_brand = brand[product_ids.parent]
        width = len(product_ids.values)
        combined = item_brand * width + product_ids.codes
        unknown = [
            pair
            for pair in np.unique(combined).tolist()
            if pair >= 0 and product_ids.values[pair % width] not in brands.products[pair // width]
        ]
        if unknown:
            for item in np.flatnonzero(np.isin(combined, unknown)).tolist():
                row = int(product_ids.parent[item])
                if ok[row]:
                    problems.add(
                        row,
                        f"products[{product_ids.position[item]}].product_id",
                        f"unknown product {product_ids.values[product_ids.codes[item]]!r}",
                    )
    _window_check(brands, brand, columns, ok, problems)


def _window_check(
    brands: _Brands,
    brand: IntArray,
    columns: Mapping[str, npt.NDArray[Any]],
    ok: BoolArray,
    problems: _Problems,
) -> None:
    local = (
        columns["started_at_us"] + columns["started_at_offset_min"].astype(np.int64) * 60_000_000
    )
    day = local // _DAY_US

    def coverage(start: date | None, end: date | None) -> str:
        return f"lies outside the dates coverage gives streams ({start or '…'}..{end or '…'})"

    def window(start: date | None, end: date | None) -> str:
        return f"lies outside the brand's window {start}..{end}"

    # The loader's order: the coverage's dates, then the window.
    for spans, message in ((brands.stream_dates, coverage), (brands.windows, window)):
        if not any(start is not None or end is not None for start, end in spans):
            continue
        low = np.array([(s.toordinal() - _EPOCH_DAY) if s else -(2**62) for s, _ in spans] + [0])
        high = np.array([(e.toordinal() - _EPOCH_DAY) if e else 2**62 for _, e in spans] + [0])
        outside = ok & (brand >= 0) & ((day < low[brand]) | (day > high[brand]))
        for row in np.flatnonzero(outside).tolist():
            when = date.fromordinal(int(day[row]) + _EPOCH_DAY)
            problems.add(row, "started_at", f"{when} {message(*spans[brand[row]])}")


# =========================================================================== chunks


class _Encoder:
    """Dictionary encoding of one string column across the batches of a chunk."""

    def __init__(self) -> None:
        self.lookup: dict[str, int] = {}

    def encode(self, values: Sequence[str | None]) -> npt.NDArray[np.int32]:
        lookup = self.lookup
        for value in dict.fromkeys(values):
            if value is not None and value not in lookup:
                lookup[value] = len(lookup)
        codes = map(lookup.get, values, repeat(-1))  # type: ignore[arg-type]
        return np.fromiter(codes, np.int32, len(values))


#: The columns of a chunk read from JSON Lines: every one, the optional ones included.
_ALL_COLUMNS: Final = (*SCHEMA, *EXTRA_SCHEMA)


class _ChunkBuilder:
    def __init__(self, capacity: int, columns: Sequence[Column] = _ALL_COLUMNS) -> None:
        self.capacity = capacity
        self.size = 0
        self.columns = {c.name: np.empty(capacity, dtype=c.dtype) for c in columns}
        self.encoders = {name: _Encoder() for name in DICTIONARY_COLUMNS}

    @property
    def room(self) -> int:
        return self.capacity - self.size

    def add(self, batch: _Batch) -> None:
        start, stop = self.size, self.size + batch.size
        for name, encoder in self.encoders.items():
            self.columns[name][start:stop] = encoder.encode(batch.strings[name])
        for name, array in self.columns.items():
            if name not in self.encoders:
                array[start:stop] = batch.columns[name]
        self.size = stop

    def build(self) -> StreamTable:
        """The table of the rows added; the builder lets go of them (so that a chunk the
        caller has dropped is freed before the next one is allocated)."""
        size = self.size
        columns = {
            name: (array if size == self.capacity else array[:size].copy())
            for name, array in self.columns.items()
        }
        dictionaries = {name: tuple(e.lookup) for name, e in self.encoders.items()}
        self.columns = {}
        self.encoders = {}
        self.capacity = self.size = 0
        return StreamTable._trusted(columns, dictionaries)


class _SeenStreams:
    """Stream ids seen so far, as 64-bit hashes of (brand, stream id) in sorted runs (8
    bytes a stream), for the check that ids are unique within their brand across chunks.
    A hash found again is confirmed against the file before it is reported."""

    def __init__(self) -> None:
        self.runs: list[IntArray] = []

    @staticmethod
    def keys(brand: IntArray, stream_ids: Sequence[str | None]) -> IntArray:
        hashes = np.fromiter(map(hash, stream_ids), dtype=np.int64, count=len(stream_ids))
        with np.errstate(over="ignore"):
            mix = (brand.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)).view(np.int64)
        return hashes ^ mix

    def contains(self, keys: IntArray) -> BoolArray:
        found = np.zeros(len(keys), dtype=np.bool_)
        for run in self.runs:
            at = np.minimum(np.searchsorted(run, keys), len(run) - 1)
            found |= run[at] == keys
        return found

    def add(self, keys: IntArray) -> None:
        if not len(keys):
            return
        self.runs.append(np.sort(keys))
        while len(self.runs) > 1 and len(self.runs[-2]) <= 2 * len(self.runs[-1]):
            merged = np.concatenate(self.runs[-2:])
            del self.runs[-2:]
            merged.sort(kind="stable")  # two sorted runs: a linear merge
            self.runs.append(merged)


# =========================================================================== JSON Lines


def _loads_function() -> Callable[[bytes], Any]:
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is optional
        return lambda line: _parse_json(line.decode("utf-8"))
    loads: Callable[[bytes], Any] = orjson.loads
    return loads


def _blocks(path: Path) -> Iterator[tuple[int, list[bytes]]]:
    """(number of the first line, whole lines without their newline) over the file."""
    with path.open("rb") as stream:
        first = 1
        rest = b""
        while True:
            data = stream.read(_BLOCK_BYTES)
            if not data:
                if rest:
                    yield first, [rest]
                return
            lines = (rest + data).split(b"\n") if rest else data.split(b"\n")
            rest = lines.pop()
            if len(rest) > MAX_LINE_BYTES:
                raise InvalidDataError(
                    [Problem("", f"line longer than {MAX_LINE_BYTES} bytes", first + len(lines))],
                    str(path),
                )
            if lines:
                if max(map(len, lines)) > MAX_LINE_BYTES:
                    long = next(i for i, x in enumerate(lines) if len(x) > MAX_LINE_BYTES)
                    raise InvalidDataError(
                        [Problem("", f"line longer than {MAX_LINE_BYTES} bytes", first + long)],
                        str(path),
                    )
                yield first, lines
                first += len(lines)


class _PassState:
    """What a pass of `JsonlStreamSource.chunks` keeps between batches."""

    def __init__(self, brands: _Brands, chunk_rows: int, streams: int) -> None:
        self.brands = brands
        self.chunk_rows = chunk_rows
        self.left = streams  # stream records not yet in a chunk (counted in the first pass)
        self.seen = _SeenStreams()
        self.counts = np.zeros(len(brands.index) + 1, dtype=np.int64)
        self.pending: list[Problem] = []
        self.rows = _Rows()
        self.row_lines: list[IntArray] = []
        self.builder = _ChunkBuilder(max(1, min(chunk_rows, streams)))

    @property
    def room(self) -> int:
        """Rows the chunk being built can still take (beyond the decoded rows waiting)."""
        return self.builder.room - self.rows.size

    def take_chunk(self) -> StreamTable:
        """The chunk built so far; a new one is started."""
        self.left -= self.builder.size
        chunk = self.builder.build()
        self.builder = _ChunkBuilder(0)
        return chunk

    def start_chunk(self) -> None:
        self.builder = _ChunkBuilder(max(1, min(self.chunk_rows, self.left)))


#: What `JsonlStreamSource._read_compact` makes of each kind of record's body.
_ITEM_TYPES: Final[Mapping[str, type[Any]]] = {
    "accounts": Account,
    "products": Product,
    "talent_collabs": TalentCollab,
    "trust_signals": TrustSignal,
    "short_videos": ShortVideo,
    "paid_campaigns": PaidCampaign,
}
#: Keys of a record that are not fields of its object.
_META_KEYS: Final = frozenset(("record", "brand_id"))
#: Fields a brand record must not hold (they come as records of their own).
_INLINE: Final = frozenset(RECORD_FIELDS.values())
#: String fields repeated across records (a short video names its account): kept once.
_SHARED_KEYS: Final = ("account_id", "platform", "kind", "source")


@attrs.define
class _OrderRef:
    brand: int
    index: int
    stream_id: str
    line: int


class JsonlStreamSource:
    """A steps JSON Lines file read as `StreamTable` chunks.

    Passes over the file:

    * construction reads what the stream checks need: the header and the brand, account
      and product records (every other line is recognised by its ``{"record":"<kind>"``
      prefix and skipped unparsed; a line that starts otherwise is parsed to learn its
      kind);
    * `chunks` parses only the stream records, in batches, into tables of at most
      ``chunk_rows`` rows, with the optional columns of
      `EXTRA_SCHEMA` (each line-up looked up in the products the
      first pass read, so product records may come before or after the streams);
    * `catalog` (read on first use, then kept) parses every record but the streams,
      making each one a model object as it is read (a file with a problem is read again
      the whole-file way, to report every problem as `steps.io.files.load` does).

    Memory is bounded by one chunk (``chunk_rows`` rows of columns plus one batch of
    parsed records), the catalog when it is read, and 16 bytes a stream for the check that
    stream ids are unique within their brand.  The whole-file limit of
    `steps.io.files.load` does not apply; the line limit does.

    Problems raise `InvalidDataError` with the line and the path
    `steps.io.files.load` would report.  A chunk with problems is never yielded: the
    error lists every problem in that chunk.  Orders naming a stream are checked against
    the streams (by a 64-bit hash of brand and stream id) once both the catalog and a full
    pass of `chunks` have been read.  A key given twice in a stream record is not
    detected (the last value wins, in the compiled decoder as with orjson); with orjson
    installed, an integer beyond 64 bits in a stream record makes its line "not valid
    JSON" (orjson's limit) rather than out of range; the standard library parser, used
    for every other record, behaves as `steps.io.files.load` does.
    """

    def __init__(self, path: str | os.PathLike[str], *, chunk_rows: int = CHUNK_ROWS) -> None:
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be at least 1")
        self.path = Path(path)
        self.chunk_rows = chunk_rows
        self._loads = _loads_function()
        self._other_stream_lines: set[int] = set()
        self._order_refs: list[_OrderRef] = []
        self._catalog: Dataset | None = None
        self._orders: dict[str, tuple[Order, ...]] = {}
        self._seen: _SeenStreams | None = None
        #: How many stream records the file holds (counted when it was opened).
        self.stream_records = 0
        self._brands = _Brands.of(self._read(full=False)[0])

    def __iter__(self) -> Iterator[StreamTable]:
        return self.chunks()

    @property
    def catalog(self) -> Dataset:
        """The brands with everything but their streams: accounts, products, talent
        collaborations, orders, trust signals, short videos (read on first use).  The
        orders' streams are checked against the stream records once a full pass of
        `chunks` has been read (the catalog's brands hold no streams to check them
        against); `orders` holds the same orders by brand id."""
        if self._catalog is None:
            self._catalog, self._orders = self._read(full=True)
            if self._seen is not None:
                self._check_order_refs(self._seen)
        return self._catalog

    @property
    def orders(self) -> dict[str, tuple[Order, ...]]:
        """Each brand's orders (by brand id), validated against the catalog."""
        _ = self.catalog
        return self._orders

    def table(self) -> StreamTable:
        """Every stream in one table (the chunks concatenated column by column, so the
        peak is about one table plus one column)."""
        parts = list(self.chunks())
        if len(parts) <= 1:
            return parts[0] if parts else StreamTable.empty()
        return _concat_consuming(parts)

    # -- the records that are not streams -------------------------------------------------

    def _read(self, *, full: bool) -> tuple[Dataset, dict[str, tuple[Order, ...]]]:
        """The brands from the records that are not streams: all of them (``full``), or
        only brands, accounts and products."""
        if full:
            compact = self._read_compact()
            if compact is not None:
                return compact
        source = str(self.path)
        problems: list[Problem] = []
        brands: dict[str, dict[str, Any]] = {}
        brand_lines: dict[str, int] = {}
        origin: dict[tuple[str, str, int], int] = {}
        try:
            header = self._scan(problems, brands, brand_lines, origin, full=full)
        except OSError as error:
            raise InvalidDataError(
                [Problem("", f"cannot read: {error.strerror or error}")], source
            ) from None
        if not header:
            problems.append(Problem("", "empty file: expected a header line with schema_version"))
        problems.extend(
            Problem("brand_id", f"records name brand {b!r}, which has no brand record")
            for b in brands
            if b not in brand_lines
        )
        if problems:
            raise InvalidDataError(problems, source)
        order = sorted(brand_lines, key=brand_lines.__getitem__)
        raw_orders = {b: brands[b].pop("orders", []) for b in order}
        try:
            dataset = structure({"brands": [brands[b] for b in order]}, Dataset)
        except InvalidDataError as error:
            located = [_locate(p, order, brand_lines, origin) for p in error.problems]
            raise InvalidDataError(located, source) from None
        orders = self._structure_orders(dataset, order, raw_orders, origin, problems)
        if problems:
            raise InvalidDataError(problems, source)
        try:
            return _with_orders(dataset, orders), orders
        except InvalidDataError as error:
            raise InvalidDataError(error.problems, source) from None

    def _read_compact(self) -> tuple[Dataset, dict[str, tuple[Order, ...]]] | None:
        """What ``_read(full=True)`` returns, holding only model objects: each record is
        made an object as it is read, so the parsed records of the whole file (several
        times the size of the objects: a million-stream file has some 600,000 short videos)
        are never in memory together, and repeated ids are one string each.  None at the
        first thing that is not right: the whole-file path then reports every problem, with
        its line, as `steps.io.files.load` does."""
        bodies: dict[str, dict[str, Any]] = {}
        brand_lines: dict[str, int] = {}
        objects: dict[str, dict[str, list[Any]]] = {}
        raw_orders: dict[str, list[Any]] = {}
        origin: dict[tuple[str, str, int], int] = {}
        shared: dict[str, str] = {}
        header = False
        try:
            for first, lines in _blocks(self.path):
                offsets: Iterable[int] = range(len(lines))
                if header:
                    skip = map(bytes.startswith, lines, repeat(_STREAM_PREFIX))
                    offsets = compress(offsets, map(operator.not_, skip))
                for offset in offsets:
                    line = lines[offset]
                    if not line.strip():
                        continue
                    record = _parse_json(line.decode("utf-8"))
                    if not header:
                        if not isinstance(record, dict) or record.get("record") != "header":
                            return None
                        if _check_version(record, "the header line"):
                            return None
                        header = True
                        continue
                    if not isinstance(record, dict):
                        return None
                    kind, brand_id = record.get("record"), record.get("brand_id")
                    if kind == "stream":
                        continue
                    if not isinstance(brand_id, str):
                        return None
                    body = {k: v for k, v in record.items() if k not in _META_KEYS}
                    if kind == "brand":
                        if brand_id in brand_lines or not _INLINE.isdisjoint(body):
                            return None
                        bodies[brand_id] = body
                        brand_lines[brand_id] = first + offset
                        continue
                    field = RECORD_FIELDS.get(kind) if isinstance(kind, str) else None
                    if field is None:
                        return None
                    if field == "orders":
                        items = raw_orders.setdefault(brand_id, [])
                        origin[(brand_id, field, len(items))] = first + offset
                        items.append(body)
                        continue
                    for key in _SHARED_KEYS:
                        value = body.get(key)
                        if type(value) is str:
                            body[key] = shared.setdefault(value, value)
                    made = structure(body, _ITEM_TYPES[field])
                    objects.setdefault(brand_id, {}).setdefault(field, []).append(made)
        except (OSError, UnicodeDecodeError, ValueError, RecursionError, InvalidDataError):
            return None
        if not header or not brand_lines.keys() >= objects.keys() | raw_orders.keys():
            return None
        order = sorted(brand_lines, key=brand_lines.__getitem__)
        try:
            brands = []
            for brand_id in order:
                brand = structure({"brand_id": brand_id, **bodies[brand_id]}, Brand)
                lists: dict[str, Any] = {k: tuple(v) for k, v in objects.pop(brand_id, {}).items()}
                brands.append(attrs.evolve(brand, **lists))
            dataset = Dataset(brands=tuple(brands))
        except (InvalidDataError, ValueError, TypeError):
            return None
        problems: list[Problem] = []
        orders = self._structure_orders(
            dataset, order, {b: raw_orders.get(b, []) for b in order}, origin, problems
        )
        if problems:
            return None
        try:
            return _with_orders(dataset, orders), orders
        except (InvalidDataError, ValueError, TypeError):
            return None

    def _scan(
        self,
        problems: list[Problem],
        brands: dict[str, dict[str, Any]],
        brand_lines: dict[str, int],
        origin: dict[tuple[str, str, int], int],
        *,
        full: bool,
    ) -> bool:
        """Gather the records that are not streams into ``brands`` (as
        `steps.io.files.load_jsonl` gathers them); without ``full``, only brands,
        accounts and products.  Returns whether a header was seen; stops at a wrong
        header, as the whole-file loader does."""
        header = False
        skipped = _STREAM_PREFIX if full else _DEFERRED_PREFIXES
        count = not full
        wanted = None if full else frozenset(("brand", "account", "product"))
        for first, lines in _blocks(self.path):
            if header:
                # Lines of the skipped kinds are counted and passed over in C.
                skip = list(map(bytes.startswith, lines, repeat(skipped)))
                if count:
                    self.stream_records += sum(
                        map(bytes.startswith, compress(lines, skip), repeat(_STREAM_PREFIX))
                    )
                offsets: Iterable[int] = compress(range(len(lines)), map(operator.not_, skip))
            else:
                offsets = range(len(lines))
            for offset in offsets:
                line = lines[offset]
                if header and line.startswith(skipped):
                    if count and line.startswith(_STREAM_PREFIX):
                        self.stream_records += 1
                    continue
                if not line.strip():
                    continue
                number = first + offset
                try:
                    record = _parse_json(line.decode("utf-8"))
                except UnicodeDecodeError as error:
                    problems.append(Problem("", f"not valid UTF-8 at byte {error.start}", number))
                    continue
                except (ValueError, RecursionError) as error:
                    problems.append(Problem("", _syntax_problem(error), number))
                    continue
                if not header:
                    header = True
                    wrong = _check_version(record, "the header line")
                    if not wrong and record.get("record") != "header":
                        wrong = [_no_header(number)]
                    if wrong:
                        problems.extend(p.at_line(number) for p in wrong)
                        return True
                    continue
                kind = record.get("record") if isinstance(record, dict) else None
                if not isinstance(kind, str):
                    kind = None  # a hostile kind (a list, say) is reported by _add_record
                if kind == "stream":
                    if count:
                        self._other_stream_lines.add(number)
                        self.stream_records += 1
                    continue
                if wanted is not None and kind in _DEFERRED_KINDS:
                    continue
                problems.extend(_add_record(record, number, brands, brand_lines, origin))
        return header

    def _structure_orders(
        self,
        dataset: Dataset,
        order: list[str],
        raw_orders: dict[str, Any],
        origin: dict[tuple[str, str, int], int],
        problems: list[Problem],
    ) -> dict[str, tuple[Order, ...]]:
        result: dict[str, tuple[Order, ...]] = {}
        self._order_refs = []
        for k, brand_id in enumerate(order):
            brand = dataset.brands[k]
            products = {p.product_id for p in brand.products}
            collabs = {c.collab_id for c in brand.talent_collabs}
            seen: set[str] = set()
            orders: list[Order] = []
            for i, item in enumerate(raw_orders[brand_id]):
                line = origin.get((brand_id, "orders", i))
                prefix = f"brands[{k}].orders[{i}]"
                try:
                    placed = structure(item, Order)
                except InvalidDataError as error:
                    problems.extend(
                        Problem(p.under(prefix).path, p.message, line) for p in error.problems
                    )
                    continue
                if placed.order_id in seen:
                    problems.append(Problem(prefix, f"duplicate order {placed.order_id!r}", line))
                seen.add(placed.order_id)
                for attr, known, what in (
                    ("product_id", products, "product"),
                    ("collab_id", collabs, "collab"),
                ):
                    ref = getattr(placed, attr)
                    if ref is not None and ref not in known:
                        problems.append(
                            Problem(f"{prefix}.{attr}", f"unknown {what} {ref!r}", line)
                        )
                if placed.stream_id is not None:
                    self._order_refs.append(_OrderRef(k, i, placed.stream_id, line or 0))
                orders.append(placed)
            result[brand_id] = tuple(orders)
        return result

    # -- second pass: the streams ----------------------------------------------------------

    def _stream_lines(self) -> Iterator[tuple[list[bytes], IntArray]]:
        """The stream lines in small groups (small enough that their values are read while
        still in the CPU cache), with their line numbers."""
        others = self._other_stream_lines
        for first, lines in _blocks(self.path):
            if others and any(first <= x < first + len(lines) for x in others):
                picked = [
                    i
                    for i, line in enumerate(lines)
                    if line.startswith(_STREAM_PREFIX) or first + i in others
                ]
            else:
                picked = list(
                    compress(
                        range(len(lines)), map(bytes.startswith, lines, repeat(_STREAM_PREFIX))
                    )
                )
            numbers_of = np.array(picked, dtype=np.int64) + first
            for start in range(0, len(picked), _GROUP):
                chosen = [lines[i] for i in picked[start : start + _GROUP]]
                yield chosen, numbers_of[start : start + _GROUP]

    def _parse(
        self, lines: list[bytes], numbers: IntArray
    ) -> tuple[list[dict[str, Any]], IntArray, list[Problem]]:
        """Parsed stream records with their lines, and the problems of lines that are not
        valid JSON or not stream records."""
        loads = self._loads
        problems: list[Problem] = []
        try:
            records = list(map(loads, lines))
        except (ValueError, RecursionError):
            records, keep = [], []
            for k, line in enumerate(lines):
                try:
                    records.append(loads(line))
                    keep.append(k)
                except (ValueError, RecursionError) as error:
                    problems.append(Problem("", _syntax_problem(error), int(numbers[k])))
            numbers = numbers[keep]
        kinds = [r.get("record") if type(r) is dict else None for r in records]
        if kinds.count("stream") != len(kinds):
            keep = [k for k, kind in enumerate(kinds) if kind == "stream"]
            problems.extend(
                _not_a_stream(records[k], int(numbers[k]))
                for k, kind in enumerate(kinds)
                if kind != "stream"
            )
            records = [records[k] for k in keep]
            numbers = numbers[keep]
        return records, numbers, problems

    def chunks(self) -> Iterator[StreamTable]:
        """The streams in tables of at most ``chunk_rows`` rows, in file order."""
        source = str(self.path)
        state = _PassState(self._brands, self.chunk_rows, self.stream_records)
        for lines, numbers in self._stream_lines():
            start = 0
            while start < len(lines):
                take = min(state.room, len(lines) - start)
                group, group_lines = lines[start : start + take], numbers[start : start + take]
                start += take
                if state.rows.add(group):
                    state.row_lines.append(group_lines)
                else:
                    for k in range(len(group)):
                        self._read_refused(state, group[k : k + 1], group_lines[k : k + 1])
                if state.rows.size >= _BATCH:
                    self._accept_rows(state)
                if state.room == 0:
                    self._accept_rows(state)
                    if state.pending:
                        raise InvalidDataError(_by_line(state.pending), source)
                    yield state.take_chunk()
                    state.start_chunk()
        self._accept_rows(state)
        if state.pending:
            raise InvalidDataError(_by_line(state.pending), source)
        if state.builder.size:
            yield state.builder.build()
        self._seen = state.seen
        if self._catalog is not None:
            self._check_order_refs(state.seen)

    def _read_refused(self, state: _PassState, line: list[bytes], number: IntArray) -> None:
        """A line of a group the decoder refused: decoded alone, or with its integral floats
        made ints, or else read by the model, which words its problems as the whole-file
        loader does."""
        if state.rows.add(line):
            state.row_lines.append(number)
            return
        records, _, syntax = self._parse(line, number)
        state.pending.extend(syntax)
        if not records:
            return
        try:  # integral floats are the commonest other shape: one more compiled try
            state.rows.extend([msgspec.convert(_whole_numbers(records[0]), _STREAM_RECORD)])
            state.row_lines.append(number)
            return
        except msgspec.ValidationError:
            pass
        brand_id = records[0].get("brand_id")
        body = {k: v for k, v in records[0].items() if k not in _META_KEYS}
        refused: Sequence[Problem] = ()
        try:
            stream = structure(body, Stream)
        except InvalidDataError as error:
            refused = error.problems
        else:
            if type(brand_id) is str:
                # Valid in a shape the decoder does not take (an integral float, say).
                usual = {"record": "stream", "brand_id": brand_id, **unstructure(stream)}
                state.rows.extend([msgspec.convert(usual, _STREAM_RECORD)])
                state.row_lines.append(number)
                return
        self._accept_rows(state)
        self._accept(state, _refused_row(brand_id, refused, state.brands), number)

    def _accept_rows(self, state: _PassState) -> None:
        if state.rows.size:
            lines = np.concatenate(state.row_lines)
            state.row_lines = []
            self._accept(state, state.rows.batch(state.brands), lines)

    def _accept(self, state: _PassState, batch: _Batch, lines: IntArray) -> None:
        """Add a checked batch to the chunk being built, with its problems."""
        self._check_unique(batch, lines, state.seen)
        index_in_brand = _positions(batch.brand, state.counts)
        brand = batch.brand
        state.pending.extend(
            batch.problems.problems(
                lambda r: (
                    f"brands[{brand[r]}].streams[{index_in_brand[r]}]" if brand[r] >= 0 else ""
                ),
                lambda r: int(lines[r]),
            )
        )
        state.builder.add(batch)

    def _check_unique(self, batch: _Batch, lines: IntArray, seen: _SeenStreams) -> None:
        """Stream ids unique within their brand: repeats (in this batch or earlier) are
        problems at the repeat, as the model reports them."""
        problems = batch.problems
        rows = np.flatnonzero(~problems.bad & (batch.brand >= 0))
        ids = batch.strings["stream_id"]
        pairs = list(zip(batch.brand[rows].tolist(), [ids[r] for r in rows.tolist()], strict=True))
        keys = seen.keys(batch.brand[rows], [pair[1] for pair in pairs])
        repeats: set[int] = set()
        order = np.argsort(keys, kind="stable")
        same = keys[order][1:] == keys[order][:-1]
        for later, first in zip(order[1:][same].tolist(), order[:-1][same].tolist(), strict=True):
            if pairs[later] == pairs[first]:
                repeats.add(later)
        earlier = [k for k in np.flatnonzero(seen.contains(keys)).tolist() if k not in repeats]
        if earlier:
            known = self._earlier_streams({pairs[k] for k in earlier}, int(lines[rows[0]]))
            repeats.update(k for k in earlier if pairs[k] in known)
        for k in sorted(repeats):
            problems.add(int(rows[k]), "", f"duplicate stream {pairs[k][1]!r}")
        ok = ~problems.bad[rows]
        seen.add(keys[ok])

    def _earlier_streams(
        self, wanted: set[tuple[int, str | None]], before: int
    ) -> set[tuple[int, str | None]]:
        """Which of ``wanted`` (brand index, stream id) a stream record before line
        ``before`` has (a rescan of the file, for the rare hash found again)."""
        found: set[tuple[int, str | None]] = set()
        index = self._brands.index
        for lines, picked in self._stream_lines():
            records, numbers, _ = self._parse(lines, picked)
            for record, number in zip(records, numbers.tolist(), strict=True):
                if number >= before:
                    return found
                brand = record.get("brand_id")
                pair = (
                    index.get(brand, -1) if isinstance(brand, str) else -1,
                    record.get("stream_id"),
                )
                if pair in wanted:
                    found.add(pair)
        return found

    def _check_order_refs(self, seen: _SeenStreams) -> None:
        if not self._order_refs:
            return
        brand = np.array([ref.brand for ref in self._order_refs], dtype=np.int64)
        keys = seen.keys(brand, [ref.stream_id for ref in self._order_refs])
        missing = ~seen.contains(keys)
        problems = [
            Problem(
                f"brands[{ref.brand}].orders[{ref.index}].stream_id",
                f"unknown stream {ref.stream_id!r}",
                ref.line,
            )
            for ref, gone in zip(self._order_refs, missing.tolist(), strict=True)
            if gone
        ]
        if problems:
            raise InvalidDataError(problems, str(self.path))


def _with_orders(dataset: Dataset, orders: Mapping[str, tuple[Order, ...]]) -> Dataset:
    """The brands of ``dataset`` holding their orders; a brand they make invalid (its
    declared coverage does not list orders, say) raises with the brand's path."""
    if not any(orders.values()):
        return dataset
    brands: list[Brand] = []
    problems: list[Problem] = []
    for k, brand in enumerate(dataset.brands):
        placed = orders.get(brand.brand_id)
        if not placed:
            brands.append(brand)
            continue
        try:
            brands.append(attrs.evolve(brand, orders=placed))
        except InvalidDataError as error:
            problems.extend(p.under(f"brands[{k}]") for p in error.problems)
    if problems:
        raise InvalidDataError(problems)
    return Dataset(brands=tuple(brands))


def _no_header(line: int) -> Problem:
    return Problem("record", 'the first line must be the header ("record": "header")', line)


def _not_a_stream(record: object, line: int) -> Problem:
    if not isinstance(record, dict):
        return Problem("", "a record must be a JSON object", line)
    kind = record.get("record")
    known = ", ".join(["brand", *RECORD_FIELDS])
    return Problem("record", f"unknown record kind {kind!r} (known: {known})", line)


def _by_line(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.line or 0)


def _positions(brand: IntArray, counts: IntArray) -> IntArray:
    """Each row's index among its brand's stream records (``counts`` is advanced)."""
    slot = np.where(brand >= 0, brand, len(counts) - 1)
    order = np.argsort(slot, kind="stable")
    sorted_slots = slot[order]
    first = np.searchsorted(sorted_slots, sorted_slots, side="left")
    rank = np.empty(len(slot), dtype=np.int64)
    rank[order] = np.arange(len(slot)) - first
    positions = counts[slot] + rank
    np.add.at(counts, slot, 1)
    return positions


def _concat_consuming(parts: list[StreamTable]) -> StreamTable:
    """`concat`, dropping each chunk's column once it is copied, so that the peak is
    about the result plus one column of the chunks (the chunks must not be used after)."""
    dictionaries, remaps = merge_dictionaries(parts)
    columns: dict[str, npt.NDArray[Any]] = {}
    for column in shared_columns(parts):
        arrays = [part._columns[column.name] for part in parts]
        if column.dictionary:
            arrays = [recode(a, r[column.name]) for a, r in zip(arrays, remaps, strict=True)]
        columns[column.name] = np.concatenate(arrays)
        del arrays
        for part in parts:  # a fresh array: a slice would keep the chunk's buffer alive
            part._columns[column.name] = np.empty(0, dtype=column.dtype)
    return StreamTable._trusted(columns, dictionaries)


def read_jsonl(path: str | os.PathLike[str], *, chunk_rows: int = CHUNK_ROWS) -> JsonlStreamSource:
    """Open a steps JSON Lines file for columnar reading: ``.catalog`` holds the brands
    without their streams, iterating (or ``.chunks()``) yields `StreamTable` chunks
    of at most ``chunk_rows`` streams, ``.table()`` all of them in one table."""
    return JsonlStreamSource(path, chunk_rows=chunk_rows)


# =========================================================================== columns


@attrs.frozen
class _Input:
    """One input column: numbers (any numpy dtype), Python objects, or codes into a
    dictionary (``-1`` for null); ``nulls`` marks missing values."""

    values: npt.NDArray[Any]
    nulls: BoolArray | None = None
    dictionary: tuple[Any, ...] | None = None


_NAMES: Final = frozenset(c.name for c in _ALL_COLUMNS)
_REQUIRED: Final = (
    "brand_id",
    "stream_id",
    "account_id",
    "started_at_us",
    "started_at_offset_min",
    *(f.name for f in INT_FIELDS if f.mode == "required"),
)


def _column_array(name: str, values: Any) -> npt.NDArray[Any]:
    """``values`` as a one-dimensional array; cells numpy cannot stack (lists, mappings)
    stay Python objects, so that the checks report them by row."""
    try:
        array = np.asarray(values)
    except (ValueError, TypeError):
        array = None
    # numpy reads True as 1 in a list of numbers; the model refuses a bool for a number.
    mixed_bools = (
        array is not None
        and not isinstance(values, np.ndarray)
        and array.dtype.kind in "iuf"
        and any(type(cell) is bool for cell in values)
    )
    if array is None or mixed_bools or (array.ndim > 1 and array.dtype == object):
        cells = list(values)
        array = np.empty(len(cells), dtype=object)
        for position, cell in enumerate(cells):
            array[position] = cell
    if array.ndim != 1:
        raise InvalidDataError(
            [Problem(name, f"must be a one-dimensional column, got {array.ndim} dimensions")]
        )
    return array


def from_columns(columns: Mapping[str, Any], *, catalog: Dataset | None = None) -> StreamTable:
    """A table from plain columns: a mapping of column name (see
    `SCHEMA`) to a list or numpy array, with the model's checks.

    Strings come as strings (``None`` for no campaign); ``started_at_us`` and
    ``started_at_offset_min`` as integers.  An optional field may come with its ``has_*``
    mask, or with ``None`` (NaN in a float column) where it is missing.  Columns with a
    default (counts that default to 0, the traffic splits, every aggregate of products and
    plan) may be left out or hold nulls: they take their default, so a frame without the
    aggregates describes streams without products or plan.  ``has_uv_by_source`` left out
    means "a split where any source column holds a value"; ``products_max_gmv_share`` is
    always recomputed.  With ``catalog``, streams are checked against their brand as the
    model does (known brand and account, started within the brand's window, unique ids).
    """
    inputs: dict[str, _Input] = {}
    for name, values in columns.items():
        array = _column_array(name, values)
        if array.dtype == object:
            nulls = np.fromiter((v is None for v in array.tolist()), np.bool_, len(array))
            inputs[name] = _Input(array, nulls if nulls.any() else None)
        elif array.dtype.kind == "f":
            nulls = np.isnan(array)
            inputs[name] = _Input(array, nulls if nulls.any() else None)
        elif array.dtype.kind in "US":
            inputs[name] = _Input(array.astype(object))
        else:
            inputs[name] = _Input(array)
    return _from_inputs(inputs, catalog)


def _from_inputs(inputs: Mapping[str, _Input], catalog: Dataset | None) -> StreamTable:
    problems: list[Problem] = [
        Problem(name, "unknown column") for name in inputs if name not in _NAMES
    ]
    problems += [Problem(name, "is required") for name in _REQUIRED if name not in inputs]
    lengths = {len(i.values) for i in inputs.values()}
    if len(lengths) > 1:
        problems.append(Problem("", f"columns have different lengths: {sorted(lengths)}"))
    if problems:
        raise InvalidDataError(problems)
    n = lengths.pop() if lengths else 0
    rows = np.arange(n, dtype=np.int64)
    found = _Problems(n)
    columns: dict[str, npt.NDArray[Any]] = {}
    strings: dict[str, list[str | None]] = {}
    for name in DICTIONARY_COLUMNS:
        given = inputs.get(name)
        if given is None:
            strings[name] = [None] * n
            continue
        strings[name] = _input_strings(name, given, found)

    def column_ints(name: str, mode: str, kind: str) -> tuple[IntArray, BoolArray]:
        given = inputs.get(name)
        if given is None:
            return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.bool_)
        return _input_ints(name, given, mode, kind, rows=rows, problems=found)

    columns["started_at_us"], _ = column_ints("started_at_us", "required", "time")
    offsets, _ = column_ints("started_at_offset_min", "required", "offset")
    columns["started_at_offset_min"] = offsets.astype(np.int32)
    for field in INT_FIELDS:
        mode = "optional" if field.mode == "optional" else field.mode
        values, present = column_ints(field.name, mode, field.kind)
        if field.mode == "optional":
            present = _mask(f"has_{field.name}", inputs, present, found)
            values = np.where(present, values, 0)
            columns[f"has_{field.name}"] = present
        columns[field.name] = values
    for split in ("uv_by_source", "gmv_by_source"):
        any_value = np.zeros(n, dtype=np.bool_)
        for source in SOURCES:
            name = f"{split}_{source.value}"
            columns[name], present = column_ints(name, "default", "count")
            any_value |= present & (name in inputs)
        has = _mask(f"has_{split}", inputs, any_value, found)
        for source in SOURCES:
            name = f"{split}_{source.value}"
            stray = ~has & (columns[name] != 0)
            found.add_rows(rows[stray], name, f"must be 0 where has_{split} is false")
        columns[f"has_{split}"] = has
    for column in SCHEMA:
        if not column.derived or column.dtype == "float64":
            continue
        if column.dtype == "bool":
            columns[column.name] = _mask(column.name, inputs, np.zeros(n, np.bool_), found)
        else:
            # a sum of many values: only int64 bounds it, not the maximum of one value
            columns[column.name], _ = column_ints(column.name, "default", "sum")
    columns["plan_gmv_target_fen"] = np.where(
        columns["has_plan_gmv_target_fen"], columns["plan_gmv_target_fen"], 0
    )
    for share in ("plan_planned_paid_uv_share", "plan_planned_returning_share"):
        columns[share] = _input_rates(share, inputs, columns[f"has_{share}"], found)
    total, top = columns["products_gmv_fen"], columns["products_max_gmv_fen"]
    with np.errstate(divide="ignore", invalid="ignore"):
        columns["products_max_gmv_share"] = np.where(
            total > 0, top / np.where(total > 0, total, 1), np.nan
        )
    _check_aggregates(columns, rows, found)
    extras = _extra_inputs(inputs, columns, column_ints, found)
    _relations(columns, ~found.bad, found)
    brand_index = np.full(n, -1, dtype=np.int64)
    if catalog is not None:
        brands = _Brands.of(catalog)
        for row, value in enumerate(strings["brand_id"]):
            if value is not None and value not in brands.index:
                found.add(row, "brand_id", f"unknown brand {value!r}")
        brand_index = np.array([brands.index.get(b or "", -1) for b in strings["brand_id"]])
        ok = ~found.bad
        _brand_relations(
            brands,
            brand_index,
            columns,
            accounts=strings["account_id"],
            product_ids=None,
            ok=ok,
            problems=found,
        )
        _unique_streams(brand_index, strings["stream_id"], ~found.bad, found)
    if found.items:
        raise InvalidDataError(found.problems(lambda r: f"rows[{r}]", lambda _: None))
    builder = _ChunkBuilder(n, [*SCHEMA, *extras])
    batch = _Batch(n, columns, strings, brand_index, found)
    builder.add(batch)
    return builder.build()


def _extra_inputs(
    inputs: Mapping[str, _Input],
    columns: dict[str, npt.NDArray[Any]],
    column_ints: Callable[[str, str, str], tuple[IntArray, BoolArray]],
    found: _Problems,
) -> list[Column]:
    """The groups of `EXTRA_SCHEMA` given as input columns, checked: each group whole
    or not at all, values that some plan or line-up could have.  Returns their columns."""
    n = len(found.bad)
    rows = np.arange(n, dtype=np.int64)
    kept: list[Column] = []
    for group in EXTRA_GROUPS:
        given = [name for name in group if name in inputs]
        if not given:
            continue
        if len(given) < len(group):
            for name in group:
                if name not in inputs:
                    found.add_rows(rows[:1], name, f"is required with {', '.join(given)}")
            continue
        kept += [c for c in EXTRA_SCHEMA if c.name in group]
    names = {c.name for c in kept}

    def report(mask: BoolArray, name: str, message: str) -> None:
        found.add_rows(rows[mask & ~found.bad], name, message)

    if "plan_spend_pacing" in names:
        has = _mask("has_plan_spend_pacing", inputs, np.zeros(n, np.bool_), found)
        pacing = _input_rates("plan_spend_pacing", inputs, has, found)
        report(has & ~columns["has_plan"], "has_plan_spend_pacing", "must be false without a plan")
        columns["has_plan_spend_pacing"], columns["plan_spend_pacing"] = has, pacing
    if "lineup_roles" in names:
        for name in (
            "lineup_roles",
            "lineup_priced",
            "lineup_list_priced",
            "lineup_heroes_listed",
            "lineup_heroes_explained",
        ):
            columns[name], _ = column_ints(name, "default", "count")
        for name in ("lineup_min_price_fen", "lineup_max_price_fen"):
            columns[name], _ = column_ints(name, "default", "money")
        low, high = columns["lineup_min_price_fen"], columns["lineup_max_price_fen"]
        priced, list_priced = columns["lineup_priced"], columns["lineup_list_priced"]
        roles = columns["lineup_roles"]
        report(roles > sum(ROLE_BITS.values()), "lineup_roles", "holds bits of no role")
        report((priced > 0) & ((low < 1) | (low > high)), "lineup_min_price_fen",
               "must lie in [1, lineup_max_price_fen] where lineup_priced > 0")  # fmt: skip
        report((priced == 0) & ((low != 0) | (high != 0)), "lineup_max_price_fen",
               "must be 0 where lineup_priced is 0")  # fmt: skip
        depth = _input_floats("lineup_discount_sum", inputs["lineup_discount_sum"], found)
        bad = ~((depth >= 0.0) & (depth <= list_priced))
        report(bad, "lineup_discount_sum", "must lie in [0, lineup_list_priced]")
        columns["lineup_discount_sum"] = np.where(bad, 0.0, depth)
        heroes = columns["lineup_heroes_listed"]
        report(heroes > columns["products_listed"], "lineup_heroes_listed",
               "must be <= products_listed")  # fmt: skip
        report(columns["lineup_heroes_explained"] > heroes, "lineup_heroes_explained",
               "must be <= lineup_heroes_listed")  # fmt: skip
    return kept


def _input_floats(name: str, given: _Input, problems: _Problems) -> FloatArray:
    """Finite numbers of one input column (0.0 where null)."""
    values = given.values
    if values.dtype.kind in "iuf":
        out = values.astype(np.float64)
    else:
        raw = values.tolist()
        number = [type(v) in (int, float) for v in raw]
        out = np.array([v if ok else math.nan for v, ok in zip(raw, number, strict=True)])
        wrong = [
            i for i, (v, ok) in enumerate(zip(raw, number, strict=True)) if v is not None and not ok
        ]
        problems.add_rows(np.array(wrong, dtype=np.int64), name, "must be a number")
        out = np.where(np.isnan(out) & ~np.array(number, dtype=np.bool_), 0.0, out)
    if given.nulls is not None:
        out = np.where(given.nulls, 0.0, out)
    infinite = ~np.isfinite(out)
    problems.add_rows(np.flatnonzero(infinite), name, "must be a finite number")
    return np.where(infinite, 0.0, out)


def _unique_streams(
    brand: IntArray, ids: Sequence[str | None], ok: BoolArray, problems: _Problems
) -> None:
    seen: set[tuple[int, str | None]] = set()
    for row, key in enumerate(zip(brand.tolist(), ids, strict=True)):
        if not ok[row]:
            continue
        if key in seen:
            problems.add(row, "stream_id", f"duplicate stream {key[1]!r}")
        seen.add(key)


def _input_strings(name: str, given: _Input, problems: _Problems) -> list[str | None]:
    if given.dictionary is not None:
        lookup = np.empty(len(given.dictionary) + 1, dtype=object)
        lookup[: len(given.dictionary)] = given.dictionary
        lookup[-1] = None
        codes = given.values.astype(np.int64)
        values: list[Any] = lookup[np.where(codes < 0, len(given.dictionary), codes)].tolist()
    else:
        values = given.values.tolist()
    if name == "campaign":
        strings, errors = _json_strings(values, "optional", MAX_TEXT_LENGTH, allow_blank=True)
    else:
        values = [_ABSENT if v is None else v for v in values]
        strings, errors = _json_strings(values, "required", MAX_ID_LENGTH, allow_blank=False)
    for row, message in errors:
        problems.add(row, name, message)
    return strings


def _input_ints(
    name: str, given: _Input, mode: str, kind: str, *, rows: IntArray, problems: _Problems
) -> tuple[IntArray, BoolArray]:
    """Integers of one input column; ``kind`` is count, money, sum (of counts or money),
    time or offset."""
    values, nulls = given.values, given.nulls
    n = len(values)
    present = np.ones(n, dtype=np.bool_) if nulls is None else ~nulls
    if values.dtype.kind in "iu":
        if values.dtype.kind == "u" and len(values) and values.max() > _CLAMP:
            out = np.minimum(values, _CLAMP).astype(np.int64)
        else:
            out = values.astype(np.int64)
    elif values.dtype.kind == "f":
        out = np.zeros(n, dtype=np.int64)
        finite = present & np.isfinite(values)
        whole = finite & (np.abs(values) < 2**53)
        whole &= np.floor(np.where(whole, values, 0)) == np.where(whole, values, 0)
        out[whole] = values[whole].astype(np.int64)
        bad = present & ~whole
        problems.add_rows(
            rows[bad], name, lambda r: f"must be an integer, got number {float(values[r])!r:.40}"
        )
    elif values.dtype.kind == "b":
        problems.add_rows(rows[present], name, "must be an integer, got boolean")
        out = np.zeros(n, dtype=np.int64)
    else:
        raw = [_ABSENT if v is None else v for v in values.tolist()]
        json_mode = "optional" if mode != "required" else "required"
        out, mask, errors = _json_ints(raw, json_mode)
        for row, message in errors:
            problems.add(row, name, message)
        if mask is not None:
            present &= mask
    if mode == "required" and nulls is not None:
        problems.add_rows(rows[nulls], name, "is required")
    out = np.where(present, out, 0)
    if kind in _MAXIMUM:
        maximum = _MAXIMUM[kind]
        low, high = out < 0, out > maximum
        problems.add_rows(
            rows[low | high], name, lambda r: "must be >= 0" if low[r] else f"must be <= {maximum}"
        )
    elif kind == "sum":
        problems.add_rows(rows[present & (out < 0)], name, "must be >= 0")
    elif kind == "offset":
        wrong = present & (np.abs(out) >= 24 * 60)
        problems.add_rows(rows[wrong], name, "must lie strictly between -1440 and 1440 minutes")
    return out, present


def _mask(
    name: str, inputs: Mapping[str, _Input], default: BoolArray, problems: _Problems
) -> BoolArray:
    given = inputs.get(name)
    if given is None:
        return default
    values = given.values
    if values.dtype.kind == "b":
        mask = values.astype(np.bool_)
    else:
        raw = values.tolist()
        ok = [type(v) is bool or isinstance(v, np.bool_) or v is None for v in raw]
        for row in np.flatnonzero(~np.array(ok, dtype=np.bool_)).tolist():
            problems.add(row, name, f"must be true or false, got {_json_type(raw[row])}")
        mask = np.array([bool(v) if o else False for v, o in zip(raw, ok, strict=True)], np.bool_)
    if given.nulls is not None:
        mask = np.where(given.nulls, default, mask)
    return mask


def _input_rates(
    name: str, inputs: Mapping[str, _Input], present: BoolArray, problems: _Problems
) -> FloatArray:
    given = inputs.get(name)
    n = len(present)
    if given is None:
        return np.zeros(n, dtype=np.float64)
    values = given.values
    if values.dtype.kind in "iuf":
        out = values.astype(np.float64)
    else:
        raw = [_ABSENT if v is None else v for v in values.tolist()]
        out, _, errors = _json_rates(raw)
        for row, message in errors:
            problems.add(row, name, message)
    use = present & ~(given.nulls if given.nulls is not None else np.zeros(n, np.bool_))
    bad = use & ~((out >= 0.0) & (out <= 1.0))
    problems.add_rows(np.flatnonzero(bad), name, lambda r: f"must lie in [0, 1], got {out[r]}")
    missing = present & ~use
    problems.add_rows(np.flatnonzero(missing), name, f"is required where has_{name} is true")
    return np.where(use, out, 0.0)


def _check_aggregates(
    columns: Mapping[str, npt.NDArray[Any]], rows: IntArray, problems: _Problems
) -> None:
    """Aggregates given as columns must be ones some products and plan could have."""
    ok = ~problems.bad

    def at_most(field: str, bound: str) -> None:
        mask = ok & (columns[field] > columns[bound])
        if mask.any():
            problems.add_rows(
                rows[mask], field, _bound_message(columns[field], columns[bound], bound)
            )

    at_most("products_explained", "products_listed")
    at_most("products_stocked", "products_listed")
    at_most("products_sold_out", "products_stocked")
    at_most("products_max_gmv_fen", "products_top_fifth_gmv_fen")
    at_most("products_top_fifth_gmv_fen", "products_gmv_fen")
    at_most("plan_timed_segments", "plan_segments")
    at_most("plan_timed_planned_seconds", "plan_planned_seconds")
    no_products = ok & (columns["products_listed"] == 0)
    for name in (
        "products_explain_count",
        "products_explain_seconds",
        "products_gmv_fen",
        "products_max_gmv_fen",
        "products_top_fifth_gmv_fen",
    ):
        problems.add_rows(
            rows[no_products & (columns[name] != 0)], name, "must be 0 where products_listed is 0"
        )
    no_plan = ok & ~columns["has_plan"]
    for column in SCHEMA:
        if column.name.startswith(("plan_", "has_plan_")):
            values = columns[column.name]
            problems.add_rows(
                rows[no_plan & (values != 0)], column.name, "must be 0 where has_plan is false"
            )


# =========================================================================== frames


def from_arrow(table: Any, *, catalog: Dataset | None = None) -> StreamTable:
    """A table from a ``pyarrow.Table`` (or ``RecordBatch``) with the columns of
    `SCHEMA` (see `from_columns` for which may be left
    out or null); string columns may be plain or dictionary-encoded.  Needs the ``arrow``
    extra (``pip install 'steps-commerce[arrow]'``)."""
    pa = _import("pyarrow", "arrow", "from_arrow")
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    inputs: dict[str, _Input] = {}
    for name in table.column_names:
        array = table.column(name).combine_chunks()
        inputs[name] = _arrow_input(pa, array)
    return _from_inputs(inputs, catalog)


def _arrow_input(pa: ModuleType, array: Any) -> _Input:
    types = pa.types
    nulls = array.is_null().to_numpy(zero_copy_only=False) if array.null_count else None
    if types.is_dictionary(array.type):
        codes = array.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        return _Input(codes, nulls, tuple(array.dictionary.to_pylist()))
    if types.is_string(array.type) or types.is_large_string(array.type):
        encoded = array.dictionary_encode()
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        return _Input(codes, nulls, tuple(encoded.dictionary.to_pylist()))
    if types.is_integer(array.type) or types.is_floating(array.type):
        filled = array.fill_null(0) if nulls is not None else array
        return _Input(filled.to_numpy(zero_copy_only=False), nulls)
    if types.is_boolean(array.type):
        filled = array.fill_null(False) if nulls is not None else array
        return _Input(filled.to_numpy(zero_copy_only=False), nulls)
    return _Input(np.array(array.to_pylist(), dtype=object), nulls)


def read_parquet(path: str | os.PathLike[str], *, catalog: Dataset | None = None) -> StreamTable:
    """A table from a Parquet file with the columns of
    `SCHEMA` (as `StreamTable.to_arrow` writes them with
    ``pyarrow.parquet.write_table``).  Needs the ``arrow`` extra."""
    _import("pyarrow", "arrow", "read_parquet")
    parquet = _import("pyarrow.parquet", "arrow", "read_parquet")
    return from_arrow(parquet.read_table(os.fspath(path)), catalog=catalog)


def from_pandas(frame: Any, *, catalog: Dataset | None = None) -> StreamTable:
    """A table from a ``pandas.DataFrame`` with the columns of
    `SCHEMA` (see `from_columns`); strings may be
    ``object``, ``string`` or ``category`` columns, optional counts nullable ``Int64`` or
    floats with NaN.  Needs the ``pandas`` extra."""
    pd = _import("pandas", "pandas", "from_pandas")
    inputs: dict[str, _Input] = {}
    for name in frame.columns:
        series = frame[name]
        nulls_array = series.isna().to_numpy(dtype=np.bool_)
        nulls = nulls_array if nulls_array.any() else None
        dtype = series.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            inputs[str(name)] = _Input(
                series.cat.codes.to_numpy(dtype=np.int64),
                nulls,
                tuple(series.cat.categories.tolist()),
            )
        elif pd.api.types.is_bool_dtype(dtype):
            inputs[str(name)] = _Input(series.to_numpy(dtype=np.bool_, na_value=False), nulls)
        elif pd.api.types.is_integer_dtype(dtype):
            inputs[str(name)] = _Input(series.to_numpy(dtype=np.int64, na_value=0), nulls)
        elif pd.api.types.is_float_dtype(dtype):
            inputs[str(name)] = _Input(series.to_numpy(dtype=np.float64, na_value=np.nan), nulls)
        else:
            values = series.astype(object).where(~series.isna(), None).to_numpy(dtype=object)
            inputs[str(name)] = _Input(values, nulls)
    return _from_inputs(inputs, catalog)


def from_polars(frame: Any, *, catalog: Dataset | None = None) -> StreamTable:
    """A table from a ``polars.DataFrame`` with the columns of
    `SCHEMA` (see `from_columns`); strings may be
    ``String``, ``Categorical`` or ``Enum`` columns, nulls mark missing values.  Needs the
    ``polars`` extra (no pyarrow needed)."""
    pl = _import("polars", "polars", "from_polars")
    inputs: dict[str, _Input] = {}
    for name in frame.columns:
        series = frame.get_column(name)
        nulls_array = series.is_null().to_numpy()
        nulls = nulls_array if nulls_array.any() else None
        dtype = series.dtype
        if dtype in (pl.Categorical, pl.Enum) or isinstance(dtype, pl.Enum | pl.Categorical):
            series = series.cast(pl.String)
            dtype = pl.String
        if dtype == pl.String:
            inputs[name] = _Input(np.array(series.to_list(), dtype=object), nulls)
        elif dtype == pl.Boolean:
            inputs[name] = _Input(series.fill_null(False).to_numpy(), nulls)
        elif dtype.is_integer() or dtype.is_float():
            filled = series.fill_null(0) if nulls is not None else series
            inputs[name] = _Input(filled.to_numpy(), nulls)
        else:
            inputs[name] = _Input(np.array(series.to_list(), dtype=object), nulls)
    return _from_inputs(inputs, catalog)
