"""A columnar table of streams: one read-only numpy array per scalar field of
`Stream`, plus per-stream aggregates of its nested lists.

The object model (`steps.domain.model`) stays the source of truth; a
`StreamTable` is the same streams laid out for vectorised work over millions of rows.
Every value is exact: counts and money are ``int64`` (fen), never floats, and a value that
was not recorded is explicit in a boolean ``has_*`` mask instead of a NaN.

Columns (`SCHEMA` lists them in order, each with its dtype and meaning):

* **strings**, dictionary-encoded as ``int32`` codes into a tuple of distinct values
  (`StreamTable.dictionary`, in order of first appearance): ``brand_id`` (the brand
  the stream belongs to), ``stream_id``, ``account_id`` and ``campaign`` (code ``-1`` where a
  stream names no campaign);
* **time**: ``started_at_us`` (``int64`` microseconds since 1970-01-01T00:00:00Z) and
  ``started_at_offset_min`` (``int32``, the UTC offset the time was recorded in, so that
  the local time and date survive; offsets are whole minutes);
* **counts and money** (``int64``), one column per field: required fields
  (``duration_seconds``, ``uv``, ``watch_seconds``, ``orders``, ``buyers``, ``gmv_fen``),
  fields with a default of 0 (``comments``, ``likes``, ...) and optional fields
  (``exposure``, ``views``, ``peak_concurrent``, ``first_minutes_uv``,
  ``product_exposure_uv``, ``product_click_uv``, ``orders_created``, ``reserved_attendees``,
  ``hosts``).  An optional field ``x`` also has ``has_x`` (``bool``); ``x`` is 0 where
  ``has_x`` is false;
* **traffic splits**: ``uv_by_source_<source>`` and ``gmv_by_source_<source>`` for every
  `TrafficSource` (``int64``; a source missing from a split reads
  0, as in `steps.domain.metrics`), and ``has_uv_by_source`` / ``has_gmv_by_source``,
  true when the stream records a split at all (a non-empty mapping);
* **aggregates of** ``products`` (`StreamProduct`), all
  ``int64`` and 0 for a stream without products: ``products_listed`` (how many),
  ``products_explained`` (how many with ``explain_count > 0``), ``products_explain_count``
  and ``products_explain_seconds`` (sums), ``products_gmv_fen`` (sum of ``gmv_fen``),
  ``products_max_gmv_fen`` (the largest ``gmv_fen``), ``products_top_fifth_gmv_fen`` (sum
  of the ``ceil(n / 5)`` largest ``gmv_fen``: the numerator of hit concentration), and
  ``products_max_gmv_share`` (``float64``: ``products_max_gmv_fen / products_gmv_fen``,
  NaN where the products' GMV is 0, the one column where NaN means "undefined"),
  ``products_stocked`` (how many record both ``stock_units`` and ``units_sold``) and
  ``products_sold_out`` (how many of those sold out: ``units_sold >= stock_units``);
* **aggregates of** ``plan`` (`RunOfShow`): ``has_plan``;
  ``plan_segments`` (how many); ``plan_planned_seconds`` (sum over all segments);
  ``plan_actual_seconds``, ``plan_timed_segments``, ``plan_timed_planned_seconds`` and
  ``plan_timing_deviation_seconds`` (sum of ``actual_seconds``, count, sum of
  ``planned_seconds`` and sum of ``|actual − planned|`` over segments that record
  ``actual_seconds``); ``plan_planned_spend_fen`` and ``plan_actual_spend_fen`` (sums over
  segments that record them); ``plan_gmv_target_fen`` with ``has_plan_gmv_target_fen``;
  ``plan_planned_paid_uv_share`` (``float64``) with ``has_plan_planned_paid_uv_share``;
  ``plan_planned_returning_share`` (``float64``) with ``has_plan_planned_returning_share``.
  All are 0 (false) without a plan.

**Optional columns** (`EXTRA_SCHEMA`, in two groups a table holds whole or not at
all, `EXTRA_GROUPS`): ``plan_spend_pacing`` with ``has_plan_spend_pacing`` (from the
plan's spend by segment), and the *line-up* columns ``lineup_roles``, ``lineup_priced``,
``lineup_min_price_fen``, ``lineup_max_price_fen``, ``lineup_list_priced`` and
``lineup_discount_sum`` (from the roles and prices of the stream's explained products, looked
up in its brand's products: `ProductCatalogue`), ``lineup_heroes_listed`` and
``lineup_heroes_explained`` (the listed hero items, and how many of them were explained).
STAGE reads them (`steps.plugins.stage`).  `read_jsonl` and
`StreamTable.from_dataset` build both groups; ``from_columns``, ``from_arrow``,
``read_parquet`` and the frame readers keep a group given as columns, and
`StreamTable.to_arrow` writes the groups a table holds.

What the table does not hold stays in the object model: the products' ids, exposures,
clicks and orders one by one, each segment's name, and everything outside streams (brands,
accounts, products, talents, orders; see
`steps.columnar.readers.JsonlStreamSource.catalog`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt

from steps.domain.enums import ProductRole, TrafficSource
from steps.domain.errors import InvalidDataError, Problem
from steps.domain.fields import METADATA_KEY, Kind
from steps.domain.model import Brand, Dataset, Product, Stream

__all__ = [
    "DICTIONARY_COLUMNS",
    "EXTRA_GROUPS",
    "EXTRA_SCHEMA",
    "INT_FIELDS",
    "LINEUP_COLUMNS",
    "PACING_COLUMNS",
    "ROLE_BITS",
    "SCHEMA",
    "SOURCES",
    "Column",
    "Groups",
    "IntField",
    "ProductCatalogue",
    "StreamTable",
    "concat",
    "lineup_columns",
    "pacing_columns",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
CodeArray = npt.NDArray[np.int32]

#: Traffic sources in declaration order: the order of the per-source columns.
SOURCES: Final = tuple(TrafficSource)
#: Columns holding int32 codes into a tuple of strings.
DICTIONARY_COLUMNS: Final = ("brand_id", "stream_id", "account_id", "campaign")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
_INT64_MAX: Final = 2**63 - 1


@attrs.frozen
class Column:
    """One column of a `StreamTable`."""

    name: str
    dtype: str  # a numpy dtype name: int64, int32, bool, float64
    description: str
    #: The ``has_*`` column saying where this column's value was recorded (optional fields).
    mask: str | None = None
    #: Whether the column holds int32 codes into a tuple of strings.
    dictionary: bool = False
    #: Whether the column is aggregated from a stream's nested lists (not a field of Stream).
    derived: bool = False


@attrs.frozen
class IntField:
    """A count or money field of `Stream` (or of what a stream holds)."""

    name: str
    kind: str  # "count" or "money"
    #: "required" (no default), "default" (defaults to ``default``) or "optional" (None).
    mode: str
    default: int = 0


def int_fields(cls: type) -> tuple[IntField, ...]:
    """The count and money fields of a model class, in its order, from their metadata."""
    fields: list[IntField] = []
    for attribute in attrs.fields(cls):
        kind = attribute.metadata.get(METADATA_KEY)
        if not isinstance(kind, Kind) or kind.name not in ("count", "money"):
            continue
        if attribute.default is attrs.NOTHING:
            fields.append(IntField(attribute.name, kind.name, "required"))
        elif attribute.default is None:
            fields.append(IntField(attribute.name, kind.name, "optional"))
        else:
            fields.append(IntField(attribute.name, kind.name, "default", int(attribute.default)))
    return tuple(fields)


#: Every count and money field of Stream, in the model's order (read from its metadata, so
#: that a new field becomes a column without an edit here).
INT_FIELDS: Final = int_fields(Stream)

_PRODUCT_AGGREGATES: Final = (
    ("products_listed", "int64", "number of products listed in the stream"),
    ("products_explained", "int64", "number of products with explain_count > 0"),
    ("products_explain_count", "int64", "sum of products' explain_count"),
    ("products_explain_seconds", "int64", "sum of products' explain_seconds"),
    ("products_gmv_fen", "int64", "sum of products' gmv_fen"),
    ("products_max_gmv_fen", "int64", "largest product gmv_fen (0 without products)"),
    (
        "products_top_fifth_gmv_fen",
        "int64",
        "sum of the ceil(n/5) largest product gmv_fen (hit concentration's numerator)",
    ),
    (
        "products_max_gmv_share",
        "float64",
        "products_max_gmv_fen / products_gmv_fen; NaN where products_gmv_fen is 0",
    ),
    ("products_stocked", "int64", "number of products recording stock_units and units_sold"),
    (
        "products_sold_out",
        "int64",
        "number of those products whose units_sold reached stock_units (sold out)",
    ),
)
_PLAN_AGGREGATES: Final = (
    ("has_plan", "bool", "whether the stream records a plan (run-of-show)"),
    ("plan_segments", "int64", "number of plan segments"),
    ("plan_planned_seconds", "int64", "sum of segments' planned_seconds"),
    ("plan_actual_seconds", "int64", "sum of actual_seconds over segments recording it"),
    ("plan_timed_segments", "int64", "number of segments recording actual_seconds"),
    (
        "plan_timed_planned_seconds",
        "int64",
        "sum of planned_seconds over segments recording actual_seconds",
    ),
    (
        "plan_timing_deviation_seconds",
        "int64",
        "sum of |actual_seconds - planned_seconds| over segments recording actual_seconds",
    ),
    ("plan_planned_spend_fen", "int64", "sum of planned_spend_fen over segments recording it"),
    ("plan_actual_spend_fen", "int64", "sum of actual_spend_fen over segments recording it"),
)


def _schema() -> tuple[Column, ...]:
    columns = [
        Column("brand_id", "int32", "brand of the stream (codes)", dictionary=True),
        Column("stream_id", "int32", "stream_id (codes)", dictionary=True),
        Column("account_id", "int32", "account_id (codes)", dictionary=True),
        Column("campaign", "int32", "campaign (codes; -1 where none)", dictionary=True),
        Column("started_at_us", "int64", "started_at, microseconds since the Unix epoch (UTC)"),
        Column("started_at_offset_min", "int32", "UTC offset of started_at, minutes"),
    ]
    for field in INT_FIELDS:
        if field.mode == "optional":
            mask = f"has_{field.name}"
            columns.append(Column(field.name, "int64", f"{field.name} (0 where missing)", mask))
            columns.append(Column(mask, "bool", f"whether {field.name} was recorded"))
        else:
            columns.append(Column(field.name, "int64", field.name))
    for split in ("uv_by_source", "gmv_by_source"):
        for source in SOURCES:
            columns.append(
                Column(f"{split}_{source.value}", "int64", f"{split}[{source.value}] (0 if absent)")
            )
        columns.append(Column(f"has_{split}", "bool", f"whether {split} is recorded"))
    for name, dtype, description in _PRODUCT_AGGREGATES:
        columns.append(Column(name, dtype, description, derived=True))
    for name, dtype, description in _PLAN_AGGREGATES:
        columns.append(Column(name, dtype, description, derived=True))
    columns += [
        Column(
            "plan_gmv_target_fen",
            "int64",
            "plan.gmv_target_fen (0 where missing)",
            mask="has_plan_gmv_target_fen",
            derived=True,
        ),
        Column(
            "has_plan_gmv_target_fen", "bool", "whether plan.gmv_target_fen is set", derived=True
        ),
        Column(
            "plan_planned_paid_uv_share",
            "float64",
            "plan.planned_paid_uv_share (0.0 where missing)",
            mask="has_plan_planned_paid_uv_share",
            derived=True,
        ),
        Column(
            "has_plan_planned_paid_uv_share",
            "bool",
            "whether plan.planned_paid_uv_share is set",
            derived=True,
        ),
        Column(
            "plan_planned_returning_share",
            "float64",
            "plan.planned_returning_share (0.0 where missing)",
            mask="has_plan_planned_returning_share",
            derived=True,
        ),
        Column(
            "has_plan_planned_returning_share",
            "bool",
            "whether plan.planned_returning_share is set",
            derived=True,
        ),
    ]
    return tuple(columns)


#: Every column of a StreamTable, in order.
SCHEMA: Final = _schema()

#: The bit of each product role in ``lineup_roles``: 1, 2, 4 in declaration order.
ROLE_BITS: Final = {role: 1 << bit for bit, role in enumerate(ProductRole)}
_ROLE_MASK: Final = sum(ROLE_BITS.values())

#: Optional columns: per-stream aggregates of the plan's spend by segment and of the
#: stream's *line-up* (its products with ``explain_count > 0``, or all its listed products
#: when none was explained, looked up in the brand's products; an id the brand does not
#: list is left out), defined once, here (`lineup_columns`, `pacing_columns`).
#: A table holds each group (`EXTRA_GROUPS`) whole or not at all.
EXTRA_SCHEMA: Final = (
    Column(
        "plan_spend_pacing",
        "float64",
        "spend pacing of plan.segments: 1 − ½ Σ|a_i/A − p_i/P| over segments "
        "recording both planned and actual spend, floored at 0 (0.0 where not defined)",
        mask="has_plan_spend_pacing",
        derived=True,
    ),
    Column(
        "has_plan_spend_pacing",
        "bool",
        "whether plan_spend_pacing is defined: a plan whose segments recording both spends "
        "sum to P > 0 planned and A > 0 actual",
        derived=True,
    ),
    Column(
        "lineup_roles", "int64", "bit mask of the line-up's product roles (ROLE_BITS)", derived=True
    ),
    Column("lineup_priced", "int64", "line-up products with price_fen > 0", derived=True),
    Column(
        "lineup_min_price_fen",
        "int64",
        "smallest price_fen > 0 in the line-up (0: none)",
        derived=True,
    ),
    Column(
        "lineup_max_price_fen", "int64", "largest price_fen in the line-up (0: none)", derived=True
    ),
    Column(
        "lineup_list_priced",
        "int64",
        "line-up products with a list_price_fen that is not 0",
        derived=True,
    ),
    Column(
        "lineup_discount_sum",
        "float64",
        "math.fsum of 1 − price_fen / list_price_fen over those products (0.0: none)",
        derived=True,
    ),
    Column(
        "lineup_heroes_listed",
        "int64",
        "listed products (explained or not) whose role in the brand's products is hero",
        derived=True,
    ),
    Column(
        "lineup_heroes_explained",
        "int64",
        "of those, products with explain_count > 0",
        derived=True,
    ),
)
#: The two groups of `EXTRA_SCHEMA`: spend pacing (from the plan alone) and the
#: line-up (which needs the brand's products).
PACING_COLUMNS: Final = ("plan_spend_pacing", "has_plan_spend_pacing")
LINEUP_COLUMNS: Final = tuple(c.name for c in EXTRA_SCHEMA if c.name.startswith("lineup_"))
EXTRA_GROUPS: Final = (PACING_COLUMNS, LINEUP_COLUMNS)
_BY_NAME: Final = {c.name: c for c in SCHEMA}
_EXTRA_BY_NAME: Final = {c.name: c for c in EXTRA_SCHEMA}
_ANY_BY_NAME: Final = {**_BY_NAME, **_EXTRA_BY_NAME}
_DTYPES: Final = {c.name: np.dtype(c.dtype) for c in (*SCHEMA, *EXTRA_SCHEMA)}


def _read_only(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    if array.flags.writeable:
        array.flags.writeable = False
    return array


@attrs.frozen(eq=False)
class Groups:
    """Rows grouped by key, for vectorised grouped reductions.

    ``codes[i]`` is the group of row ``i`` (``0 <= codes[i] < len(keys)``), so
    ``np.bincount(groups.codes, minlength=len(groups))`` counts rows per group; for
    ``np.add.reduceat``-style reductions, take ``values[groups.order()]`` and reduce at
    ``groups.starts()``.  `sum` is exact for integer columns (``np.bincount`` with
    weights goes through float64, which is not exact above 2**53 fen).
    """

    codes: npt.NDArray[np.intp]
    #: The key of each group: a string (or None) for one dictionary column, a tuple for
    #: several columns, a number for a numeric column.
    keys: tuple[Any, ...]

    def __len__(self) -> int:
        return len(self.keys)

    def sizes(self) -> IntArray:
        """Rows per group."""
        return np.bincount(self.codes, minlength=len(self.keys)).astype(np.int64)

    def order(self) -> npt.NDArray[np.intp]:
        """Row indices sorted by group (stable: rows keep their order within a group)."""
        return np.argsort(self.codes, kind="stable")

    def starts(self) -> npt.NDArray[np.intp]:
        """Where each group starts in ``values[order()]`` (groups are never empty)."""
        sizes = self.sizes()
        starts = np.zeros(len(sizes), dtype=np.intp)
        np.cumsum(sizes[:-1], out=starts[1:])
        return starts

    def sum(self, values: npt.ArrayLike) -> npt.NDArray[Any]:
        """Per-group sums: exact ``int64`` for integer or boolean values, float64 otherwise."""
        array = np.asarray(values)
        if array.dtype.kind in "biu":
            out = np.zeros(len(self.keys), dtype=np.int64)
            np.add.at(out, self.codes, array.astype(np.int64, copy=False))
            return out
        return np.bincount(self.codes, weights=array, minlength=len(self.keys))

    def max(self, values: npt.ArrayLike) -> npt.NDArray[Any]:
        """Per-group maxima (every group has at least one row)."""
        array = np.asarray(values)
        order = self.order()
        return np.maximum.reduceat(array[order], self.starts()) if len(array) else array[:0]

    def min(self, values: npt.ArrayLike) -> npt.NDArray[Any]:
        """Per-group minima (every group has at least one row)."""
        array = np.asarray(values)
        order = self.order()
        return np.minimum.reduceat(array[order], self.starts()) if len(array) else array[:0]


class StreamTable:
    """Streams as columns: one read-only numpy array per column of `SCHEMA`, and of
    each group of the optional `EXTRA_SCHEMA` it holds (`column_names`).

    Build one with `from_dataset` (from model objects),
    `steps.columnar.readers.read_jsonl` (a steps JSON Lines file, in chunks, without
    model objects), `from_columns`, `from_arrow`, `from_pandas`,
    `from_polars` or `steps.columnar.readers.read_parquet`.  Every builder but
    `from_dataset` (whose objects are valid already) applies the model's checks.
    """

    __slots__ = ("_columns", "_dictionaries", "_length")

    SCHEMA: Final = SCHEMA

    _columns: dict[str, npt.NDArray[Any]]
    _dictionaries: dict[str, tuple[str, ...]]
    _length: int

    def __init__(
        self,
        columns: Mapping[str, npt.ArrayLike],
        dictionaries: Mapping[str, Sequence[str]],
    ) -> None:
        """A table from arrays already in the table's layout (codes for strings).

        Checks the layout (names, dtypes, lengths, codes within their dictionaries) but not
        the values: use `from_columns` to build a table from data with the model's
        checks.  The arrays are copied.  Each group of `EXTRA_SCHEMA` may be given
        whole or left out.
        """
        missing = [c.name for c in SCHEMA if c.name not in columns]
        unknown = [name for name in columns if name not in _ANY_BY_NAME]
        for group in EXTRA_GROUPS:
            given = [name for name in group if name in columns]
            if given and len(given) < len(group):
                missing += [name for name in group if name not in columns]
        if missing or unknown:
            raise ValueError(f"columns missing: {missing}; unknown: {unknown}")
        built: dict[str, npt.NDArray[Any]] = {}
        for column in (*SCHEMA, *(c for c in EXTRA_SCHEMA if c.name in columns)):
            array = np.asarray(columns[column.name])
            if array.ndim != 1:
                raise ValueError(f"column {column.name!r} must be one-dimensional")
            if array.dtype != _DTYPES[column.name] and not np.can_cast(
                array.dtype, _DTYPES[column.name], "safe"
            ):
                raise TypeError(f"column {column.name!r} must be {column.dtype}, got {array.dtype}")
            built[column.name] = np.array(array, dtype=_DTYPES[column.name])
        lengths = {len(a) for a in built.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns have different lengths: {sorted(lengths)}")
        dicts: dict[str, tuple[str, ...]] = {}
        for name in DICTIONARY_COLUMNS:
            values = tuple(dictionaries.get(name, ()))
            if len(set(values)) != len(values) or not all(isinstance(v, str) for v in values):
                raise ValueError(f"dictionary {name!r} must hold distinct strings")
            codes = built[name]
            low = -1 if name == "campaign" else 0
            if len(codes) and (codes.min() < low or codes.max() >= len(values)):
                raise ValueError(f"codes of {name!r} out of range of its dictionary")
            dicts[name] = values
        self._init(built, dicts)

    def _init(
        self, columns: dict[str, npt.NDArray[Any]], dictionaries: dict[str, tuple[str, ...]]
    ) -> None:
        self._columns = {
            name: _read_only(columns[name]) for name in _ANY_BY_NAME if name in columns
        }
        self._dictionaries = dictionaries
        self._length = len(columns["stream_id"])

    @classmethod
    def _trusted(
        cls, columns: dict[str, npt.NDArray[Any]], dictionaries: dict[str, tuple[str, ...]]
    ) -> StreamTable:
        """A table over arrays built by this package (right names, dtypes and codes)."""
        table = cls.__new__(cls)
        table._init(columns, dictionaries)
        return table

    # -- reading ------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._length

    def __repr__(self) -> str:
        return (
            f"<StreamTable: {self._length} streams, {len(self.brand_ids)} brands, "
            f"{len(self._columns)} columns, {self.nbytes:,} bytes>"
        )

    @property
    def column_names(self) -> tuple[str, ...]:
        """The columns of `SCHEMA`, then those of `EXTRA_SCHEMA` the table holds."""
        return tuple(self._columns)

    def has_columns(self, names: Iterable[str]) -> bool:
        """Whether the table holds every column of ``names`` (e.g. `LINEUP_COLUMNS`)."""
        return all(name in self._columns for name in names)

    def column(self, name: str) -> npt.NDArray[Any]:
        """The (read-only) array of column ``name``: codes for a dictionary column."""
        try:
            return self._columns[name]
        except KeyError:
            raise KeyError(_no_column(name)) from None

    def present(self, name: str) -> BoolArray:
        """Where column ``name`` holds a recorded value: its ``has_*`` mask for an optional
        field, ``codes >= 0`` for ``campaign``, all true otherwise."""
        column = _ANY_BY_NAME.get(name)
        if column is None or name not in self._columns:
            raise KeyError(_no_column(name))
        if column.mask is not None:
            return self._columns[column.mask]
        if name == "campaign":
            return _read_only(self._columns[name] >= 0)
        return _read_only(np.ones(self._length, dtype=np.bool_))

    def dictionary(self, name: str) -> tuple[str, ...]:
        """The distinct values a dictionary column's codes index (may include values no row
        uses any more after `take` or `filter`)."""
        try:
            return self._dictionaries[name]
        except KeyError:
            raise KeyError(f"{name!r} is not a dictionary column {DICTIONARY_COLUMNS}") from None

    def strings(self, name: str) -> list[str | None]:
        """The decoded values of a dictionary column, one per row (None: no campaign)."""
        return _decode(self._columns[name], self.dictionary(name)).tolist()  # type: ignore[no-any-return]

    @property
    def brand_ids(self) -> tuple[str, ...]:
        """The brands with at least one row, in dictionary order (first appearance)."""
        codes = self._columns["brand_id"]
        values = self._dictionaries["brand_id"]
        used = np.bincount(codes, minlength=len(values)) > 0
        return tuple(v for v, u in zip(values, used, strict=True) if u)

    @property
    def nbytes(self) -> int:
        """Bytes held by the column arrays (not counting the dictionaries' strings)."""
        return sum(a.nbytes for a in self._columns.values())

    def columns(self) -> dict[str, npt.NDArray[Any]]:
        """Every column by name (read-only arrays, in `column_names` order)."""
        return dict(self._columns)

    # -- selecting ----------------------------------------------------------------------

    def slice(self, start: int, stop: int | None = None) -> StreamTable:
        """Rows ``start:stop`` (views, no copy)."""
        rows = slice(start, stop)
        return StreamTable._trusted(
            {n: a[rows] for n, a in self._columns.items()}, self._dictionaries
        )

    def take(self, indices: npt.ArrayLike) -> StreamTable:
        """The rows at ``indices`` (in that order, repeats allowed)."""
        index = np.asarray(indices)
        if index.dtype.kind not in "iu":
            if index.size == 0:
                index = index.astype(np.intp)
            else:
                raise TypeError(f"indices must be integers, got {index.dtype}")
        return StreamTable._trusted(
            {n: a[index] for n, a in self._columns.items()}, self._dictionaries
        )

    def filter(self, mask: npt.ArrayLike) -> StreamTable:
        """The rows where ``mask`` (a boolean array of the table's length) is true."""
        keep = np.asarray(mask)
        if keep.dtype != np.bool_ or keep.shape != (self._length,):
            raise ValueError(f"mask must be a boolean array of length {self._length}")
        return StreamTable._trusted(
            {n: a[keep] for n, a in self._columns.items()}, self._dictionaries
        )

    def groups(self, by: str | Sequence[str] = "brand_id") -> Groups:
        """Rows grouped by one column or several (keys are then tuples).

        Dictionary columns group by value, in dictionary order; only keys with rows appear.
        Group by ``("brand_id", "account_id")`` for accounts: ids are unique per brand.
        """
        names = (by,) if isinstance(by, str) else tuple(by)
        if not names:
            raise ValueError("groups() needs at least one column")
        parts = [self._group_part(name) for name in names]
        if len(parts) == 1:
            return Groups(parts[0][0], parts[0][1])
        combined = np.zeros(self._length, dtype=np.int64)
        for codes, keys in parts:
            combined = combined * max(len(keys), 1) + codes
        unique, inverse = np.unique(combined, return_inverse=True)
        keys_out: list[tuple[Any, ...]] = []
        for combined_key in unique.tolist():
            key: list[Any] = []
            rest = combined_key
            for _, part_keys in reversed(parts):
                rest, index = divmod(rest, max(len(part_keys), 1))
                key.append(part_keys[index])
            keys_out.append(tuple(reversed(key)))
        return Groups(inverse.astype(np.intp).reshape(-1), tuple(keys_out))

    def _group_part(self, name: str) -> tuple[npt.NDArray[np.intp], tuple[Any, ...]]:
        array = self.column(name)
        if name in DICTIONARY_COLUMNS:
            values: tuple[str | None, ...] = self._dictionaries[name]
            codes = array.astype(np.intp)
            if name == "campaign":
                values = (*values, None)
                codes = np.where(codes < 0, len(values) - 1, codes)
            used = np.bincount(codes, minlength=len(values)) > 0
            remap = np.cumsum(used) - 1
            keys = tuple(v for v, u in zip(values, used, strict=True) if u)
            return remap[codes].astype(np.intp), keys
        unique, inverse = np.unique(array, return_inverse=True)
        return inverse.astype(np.intp).reshape(-1), tuple(unique.tolist())

    # -- comparing ------------------------------------------------------------------------

    def equals(self, other: StreamTable) -> bool:
        """Same rows with the same values (strings compared by value, NaN equal to NaN) in
        the same columns (optional ones included)."""
        if not isinstance(other, StreamTable) or len(self) != len(other):
            return False
        if self.column_names != other.column_names:
            return False
        for column in (_ANY_BY_NAME[name] for name in self._columns):
            mine, theirs = self._columns[column.name], other._columns[column.name]
            if column.dictionary:
                if self._dictionaries[column.name] == other._dictionaries[column.name]:
                    if not np.array_equal(mine, theirs):
                        return False
                elif not np.array_equal(
                    _decode(mine, self._dictionaries[column.name]),
                    _decode(theirs, other._dictionaries[column.name]),
                ):
                    return False
            elif column.dtype == "float64":
                if not np.array_equal(mine, theirs, equal_nan=True):
                    return False
            elif not np.array_equal(mine, theirs):
                return False
        return True

    # -- building -------------------------------------------------------------------------

    @classmethod
    def empty(cls) -> StreamTable:
        """A table with no rows (and every column, the optional ones included)."""
        return cls._trusted(
            {c.name: np.zeros(0, dtype=_DTYPES[c.name]) for c in (*SCHEMA, *EXTRA_SCHEMA)},
            dict.fromkeys(DICTIONARY_COLUMNS, ()),
        )

    @classmethod
    def concat(cls, tables: Iterable[StreamTable]) -> StreamTable:
        """The rows of ``tables`` one after another (dictionaries merged)."""
        return concat(tables)

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> StreamTable:
        """Every stream of every brand of ``dataset``, in order (brand by brand), with the
        columns of `EXTRA_SCHEMA` (the line-up from each brand's products).

        Builds no model objects (it reads them); the objects are valid already, so the only
        problem it can raise is one the table cannot represent (a UTC offset that is not a
        whole number of minutes, a sum beyond int64)."""
        catalogue = ProductCatalogue.of(dataset.brands)
        return _from_streams(
            ((index, brand.brand_id, stream) for index, brand in enumerate(dataset.brands)
             for stream in brand.streams),
            catalogue,
        )  # fmt: skip

    @classmethod
    def from_streams(
        cls, brands: Sequence[Brand], streams: Iterable[tuple[int, Stream]]
    ) -> StreamTable:
        """Chosen streams, in the order given, each with the index in ``brands`` of the
        brand it belongs to (the line-up of `EXTRA_SCHEMA` from that brand's
        products).  `from_dataset` is every stream of every brand."""
        catalogue = ProductCatalogue.of(brands)
        return _from_streams(
            ((index, brands[index].brand_id, stream) for index, stream in streams), catalogue
        )

    @classmethod
    def from_columns(cls, columns: Mapping[str, Any]) -> StreamTable:
        """A table from plain columns (lists or numpy arrays), with the model's checks.

        See `steps.columnar.readers.from_columns` for the accepted layout."""
        from steps.columnar.readers import from_columns

        return from_columns(columns)

    @classmethod
    def from_arrow(cls, table: Any) -> StreamTable:
        """See `steps.columnar.readers.from_arrow`."""
        from steps.columnar.readers import from_arrow

        return from_arrow(table)

    @classmethod
    def from_pandas(cls, frame: Any) -> StreamTable:
        """See `steps.columnar.readers.from_pandas`."""
        from steps.columnar.readers import from_pandas

        return from_pandas(frame)

    @classmethod
    def from_polars(cls, frame: Any) -> StreamTable:
        """See `steps.columnar.readers.from_polars`."""
        from steps.columnar.readers import from_polars

        return from_polars(frame)

    def to_arrow(self) -> Any:
        """A ``pyarrow.Table`` with the same columns (dictionary columns as Arrow
        dictionary arrays, ``campaign`` null where none).  Needs the ``arrow`` extra."""
        from steps.columnar.readers import _import

        pa = _import("pyarrow", "arrow", "StreamTable.to_arrow")
        arrays: dict[str, Any] = {}
        for column in (_ANY_BY_NAME[name] for name in self._columns):
            values = self._columns[column.name]
            if column.dictionary:
                codes = values
                mask = codes < 0 if column.name == "campaign" else None
                indices = pa.array(np.where(codes < 0, 0, codes), type=pa.int32(), mask=mask)
                arrays[column.name] = pa.DictionaryArray.from_arrays(
                    indices, pa.array(self._dictionaries[column.name], type=pa.string())
                )
            else:
                arrays[column.name] = pa.array(values)
        return pa.table(arrays)


def _decode(codes: npt.NDArray[Any], values: tuple[str, ...]) -> npt.NDArray[np.object_]:
    lookup = np.empty(len(values) + 1, dtype=object)
    lookup[: len(values)] = values
    lookup[len(values)] = None
    decoded: npt.NDArray[np.object_] = lookup[np.where(codes < 0, len(values), codes)]
    return decoded


def concat(tables: Iterable[StreamTable]) -> StreamTable:
    """The rows of ``tables`` one after another.  Dictionaries are merged and hold the
    values the rows use, in order of first appearance (so chunks concatenate to what one
    pass over all the rows builds)."""
    parts = list(tables)
    if not parts:
        return StreamTable.empty()
    dictionaries, remaps = merge_dictionaries(parts)
    columns: dict[str, npt.NDArray[Any]] = {}
    for column in shared_columns(parts):
        arrays = [p._columns[column.name] for p in parts]
        if column.dictionary:
            arrays = [recode(a, r[column.name]) for a, r in zip(arrays, remaps, strict=True)]
        columns[column.name] = np.concatenate(arrays).astype(_DTYPES[column.name], copy=False)
    return StreamTable._trusted(columns, dictionaries)


def shared_columns(parts: Sequence[StreamTable]) -> list[Column]:
    """The columns every one of ``parts`` holds: `SCHEMA`, and the groups of
    `EXTRA_SCHEMA` they all have (a group some part lacks is left out)."""
    names = set.intersection(*(set(p.column_names) for p in parts)) if parts else set()
    return [c for c in (*SCHEMA, *EXTRA_SCHEMA) if c.name in names]


def _no_column(name: str) -> str:
    if name in _EXTRA_BY_NAME:
        return (
            f"the table has no column {name!r}: an optional column (steps.columnar."
            "EXTRA_SCHEMA) that read_jsonl and StreamTable.from_dataset build, and that "
            "from_columns, from_arrow and read_parquet take when given"
        )
    return f"no column {name!r} (see steps.columnar.SCHEMA)"


def merge_dictionaries(
    parts: Sequence[StreamTable],
) -> tuple[dict[str, tuple[str, ...]], list[dict[str, CodeArray]]]:
    """The merged dictionaries of ``parts`` (used values, in order of first appearance by
    row) and, for each part, the new code of each of its old codes (-1: unused)."""
    dictionaries: dict[str, tuple[str, ...]] = {}
    remaps: list[dict[str, CodeArray]] = [{} for _ in parts]
    for name in DICTIONARY_COLUMNS:
        lookup: dict[str, int] = {}
        for part, remap in zip(parts, remaps, strict=True):
            values = part._dictionaries[name]
            codes = part._columns[name]
            used, first = np.unique(codes[codes >= 0], return_index=True)
            new = np.full(len(values), -1, dtype=np.int32)
            for code in used[np.argsort(first, kind="stable")].tolist():
                new[code] = lookup.setdefault(values[code], len(lookup))
            remap[name] = new
        dictionaries[name] = tuple(lookup)
    return dictionaries, remaps


def recode(codes: npt.NDArray[Any], remap: CodeArray) -> CodeArray:
    """``codes`` mapped through ``remap`` (-1 stays -1)."""
    if not len(remap):
        return np.full(len(codes), -1, dtype=np.int32)
    mapped: CodeArray = np.where(codes < 0, -1, remap[np.maximum(codes, 0)]).astype(np.int32)
    return mapped


# -- from model objects ---------------------------------------------------------------------


def _offset_minutes(moment: datetime) -> int | None:
    offset = moment.utcoffset() or timedelta(0)  # the model only holds aware datetimes
    seconds, micro = divmod(offset // _MICROSECOND, 1_000_000)
    if micro or seconds % 60:
        return None
    return seconds // 60


def offset_problem(moment: datetime) -> str:
    return f"must have a UTC offset of whole minutes to fit a StreamTable, got {moment.utcoffset()}"


def _from_streams(
    items: Iterable[tuple[int, str, Stream]], catalogue: ProductCatalogue
) -> StreamTable:
    """A table of ``(brand index in catalogue, brand id, stream)`` items."""
    lookups: dict[str, dict[str, int]] = {name: {} for name in DICTIONARY_COLUMNS}
    values: dict[str, list[Any]] = {c.name: [] for c in SCHEMA}
    problems: list[Problem] = []
    # The nested lists, flattened for the vectorised EXTRA_SCHEMA aggregates.
    item_row: list[int] = []
    item_explain: list[int] = []
    item_product: list[int] = []
    plan_rows: list[int] = []
    segment_plan: list[int] = []
    spends: list[tuple[int | None, int | None]] = []

    def code(name: str, value: str) -> int:
        lookup = lookups[name]
        return lookup.setdefault(value, len(lookup))

    for row, (brand_index, brand_id, stream) in enumerate(items):
        known = catalogue.index[brand_index]
        for listed in stream.products:
            item_row.append(row)
            item_explain.append(listed.explain_count)
            item_product.append(known.get(listed.product_id, -1))
        if stream.plan is not None:
            for segment in stream.plan.segments:
                segment_plan.append(len(plan_rows))
                spends.append((segment.planned_spend_fen, segment.actual_spend_fen))
            plan_rows.append(row)
        out = {
            "brand_id": code("brand_id", brand_id),
            "stream_id": code("stream_id", stream.stream_id),
            "account_id": code("account_id", stream.account_id),
            "campaign": -1 if stream.campaign is None else code("campaign", stream.campaign),
            "started_at_us": (stream.started_at - _EPOCH) // _MICROSECOND,
        }
        minutes = _offset_minutes(stream.started_at)
        if minutes is None:
            problems.append(Problem(f"rows[{row}].started_at", offset_problem(stream.started_at)))
        out["started_at_offset_min"] = minutes or 0
        for field in INT_FIELDS:
            value = getattr(stream, field.name)
            if field.mode == "optional":
                out[f"has_{field.name}"] = value is not None
                value = 0 if value is None else value
            out[field.name] = value
        for split in ("uv_by_source", "gmv_by_source"):
            mapping = getattr(stream, split)
            for source in SOURCES:
                out[f"{split}_{source.value}"] = mapping.get(source, 0)
            out[f"has_{split}"] = bool(mapping)
        out.update(_product_aggregates(stream))
        out.update(_plan_aggregates(stream))
        for name, value in out.items():
            if isinstance(value, int) and not isinstance(value, bool) and value > _INT64_MAX:
                problems.append(
                    Problem(f"rows[{row}].{name}", "is beyond the 64-bit range of a StreamTable")
                )
                values[name].append(0)
            else:
                values[name].append(value)
    if problems:
        raise InvalidDataError(problems)
    columns = {c.name: np.array(values[c.name], dtype=_DTYPES[c.name]) for c in SCHEMA}
    n = len(columns["stream_id"])
    columns.update(
        lineup_columns(
            n,
            np.array(item_row, dtype=np.int64),
            np.array(item_explain, dtype=np.int64),
            np.array(item_product, dtype=np.int64),
            catalogue,
        )
    )
    planned = [p for p, _ in spends]
    actual = [a for _, a in spends]
    columns.update(
        pacing_columns(
            n,
            np.array(plan_rows, dtype=np.int64),
            np.array(segment_plan, dtype=np.int64),
            (
                np.array([p or 0 for p in planned], dtype=np.int64),
                np.array([p is not None for p in planned], dtype=np.bool_),
            ),
            (
                np.array([a or 0 for a in actual], dtype=np.int64),
                np.array([a is not None for a in actual], dtype=np.bool_),
            ),
        )
    )
    return StreamTable._trusted(columns, {name: tuple(lookups[name]) for name in lookups})


def _product_aggregates(stream: Stream) -> dict[str, Any]:
    gmvs = sorted((p.gmv_fen for p in stream.products), reverse=True)
    total = sum(gmvs)
    top = gmvs[0] if gmvs else 0
    return {
        "products_listed": len(stream.products),
        "products_explained": sum(1 for p in stream.products if p.explain_count > 0),
        "products_explain_count": sum(p.explain_count for p in stream.products),
        "products_explain_seconds": sum(p.explain_seconds for p in stream.products),
        "products_gmv_fen": total,
        "products_max_gmv_fen": top,
        "products_top_fifth_gmv_fen": sum(gmvs[: math.ceil(len(gmvs) / 5)]),
        "products_max_gmv_share": top / total if total else math.nan,
        "products_stocked": sum(1 for p in stream.products if p.sold_out is not None),
        "products_sold_out": sum(1 for p in stream.products if p.sold_out),
    }


def _plan_aggregates(stream: Stream) -> dict[str, Any]:
    plan = stream.plan
    segments = plan.segments if plan is not None else ()
    timed = [g for g in segments if g.actual_seconds is not None]
    target = None if plan is None else plan.gmv_target_fen
    share = None if plan is None else plan.planned_paid_uv_share
    returning = None if plan is None else plan.planned_returning_share
    return {
        "has_plan": plan is not None,
        "plan_segments": len(segments),
        "plan_planned_seconds": sum(g.planned_seconds for g in segments),
        "plan_actual_seconds": sum(g.actual_seconds or 0 for g in timed),
        "plan_timed_segments": len(timed),
        "plan_timed_planned_seconds": sum(g.planned_seconds for g in timed),
        "plan_timing_deviation_seconds": sum(
            abs((g.actual_seconds or 0) - g.planned_seconds) for g in timed
        ),
        "plan_planned_spend_fen": sum(g.planned_spend_fen or 0 for g in segments),
        "plan_actual_spend_fen": sum(g.actual_spend_fen or 0 for g in segments),
        "plan_gmv_target_fen": target or 0,
        "has_plan_gmv_target_fen": target is not None,
        "plan_planned_paid_uv_share": share or 0.0,
        "has_plan_planned_paid_uv_share": share is not None,
        "plan_planned_returning_share": returning or 0.0,
        "has_plan_planned_returning_share": returning is not None,
    }


# -- the optional columns (EXTRA_SCHEMA) ------------------------------------------------------


@attrs.frozen(eq=False)
class ProductCatalogue:
    """The products of some brands as arrays, for looking up line-ups without objects:
    ``index[b]`` maps each product id of brand ``b`` to its position in the arrays."""

    index: tuple[Mapping[str, int], ...]
    roles: IntArray  # the ROLE_BITS bit of each product's role (0: none)
    prices: IntArray  # price_fen
    list_prices: IntArray  # list_price_fen (0: none)

    @classmethod
    def of(cls, brands: Sequence[Brand]) -> ProductCatalogue:
        return cls.from_products([brand.products for brand in brands])

    @classmethod
    def from_products(cls, products: Sequence[Sequence[Product]]) -> ProductCatalogue:
        """From the products of each brand, in brand order."""
        index: list[dict[str, int]] = []
        flat: list[Product] = []
        for listed in products:
            index.append({p.product_id: len(flat) + k for k, p in enumerate(listed)})
            flat.extend(listed)
        return cls(
            tuple(index),
            np.array([0 if p.role is None else ROLE_BITS[p.role] for p in flat], dtype=np.int64),
            np.array([p.price_fen for p in flat], dtype=np.int64),
            np.array([p.list_price_fen or 0 for p in flat], dtype=np.int64),
        )

    def lookup(self, brand: IntArray, codes: IntArray, ids: Sequence[str | None]) -> IntArray:
        """The position of each item's product: ``brand`` (an index into `index`,
        -1: unknown) and ``codes`` (into ``ids``) per item; -1 where the brand does not
        list the product."""
        width = max(len(ids), 1)
        pairs, inverse = np.unique(brand * width + codes, return_inverse=True)
        found = np.full(len(pairs), -1, dtype=np.int64)
        for k, pair in enumerate(pairs.tolist()):
            b, c = divmod(pair, width)
            product_id = ids[c]
            if b >= 0 and product_id is not None:
                found[k] = self.index[b].get(product_id, -1)
        located: IntArray = found[inverse.reshape(-1)]
        return located


def row_fsum(values: FloatArray, rows: IntArray, n: int) -> FloatArray:
    """``math.fsum`` of each row's values, exactly: ``rows`` (non-decreasing) is the row of
    each value.  One term is itself and two are one IEEE addition (correctly rounded, as
    ``fsum``); rows of more terms go through ``math.fsum``, grouped by length."""
    counts = np.bincount(rows, minlength=n)
    out = np.zeros(n, dtype=np.float64)
    if not len(values):
        return out
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    one = counts == 1
    out[one] = values[starts[one]]
    two = np.flatnonzero(counts == 2)
    out[two] = values[starts[two]] + values[starts[two] + 1]
    for k in np.unique(counts[counts > 2]).tolist():
        picked = np.flatnonzero(counts == k)
        matrix = values[starts[picked][:, None] + np.arange(k)]
        out[picked] = list(map(math.fsum, matrix.tolist()))
    return out


def lineup_columns(
    n: int,
    item_row: IntArray,
    explain_count: IntArray,
    product: IntArray,
    catalogue: ProductCatalogue,
) -> dict[str, npt.NDArray[Any]]:
    """The `LINEUP_COLUMNS` of ``n`` rows from their listed products, flattened:
    each item's row (non-decreasing), ``explain_count`` and position in ``catalogue``
    (-1: not a product of the brand)."""
    explained = explain_count > 0
    any_explained = np.bincount(item_row[explained], minlength=n) > 0
    chosen = (explained | ~any_explained[item_row]) & (product >= 0)
    rows, picked = item_row[chosen], product[chosen]
    role_of = catalogue.roles[picked]
    roles = np.zeros(n, dtype=np.int64)
    for bit in ROLE_BITS.values():
        roles |= np.where(np.bincount(rows[(role_of & bit) != 0], minlength=n) > 0, bit, 0)
    price = catalogue.prices[picked]
    priced = price > 0
    priced_rows, priced_values = rows[priced], price[priced]
    low = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    high = np.zeros(n, dtype=np.int64)
    np.minimum.at(low, priced_rows, priced_values)
    np.maximum.at(high, priced_rows, priced_values)
    count = np.bincount(priced_rows, minlength=n).astype(np.int64)
    known = product >= 0
    hero = np.zeros(len(product), dtype=np.bool_)
    hero[known] = catalogue.roles[product[known]] == ROLE_BITS[ProductRole.HERO]
    listing = catalogue.list_prices[picked]
    listed = listing != 0
    # Each price is below 2**53, so the float division is Python's int / int exactly.
    depth = 1.0 - price[listed] / listing[listed]
    return {
        "lineup_roles": roles,
        "lineup_priced": count,
        "lineup_min_price_fen": np.where(count > 0, low, 0),
        "lineup_max_price_fen": high,
        "lineup_list_priced": np.bincount(rows[listed], minlength=n).astype(np.int64),
        "lineup_discount_sum": row_fsum(depth, rows[listed], n),
        "lineup_heroes_listed": np.bincount(item_row[hero], minlength=n).astype(np.int64),
        "lineup_heroes_explained": np.bincount(item_row[hero & explained], minlength=n).astype(
            np.int64
        ),
    }


_EXACT: Final = 2**53


def pacing_columns(
    n: int,
    plan_rows: IntArray,
    segment_plan: IntArray,
    planned: tuple[IntArray, BoolArray],
    actual: tuple[IntArray, BoolArray],
) -> dict[str, npt.NDArray[Any]]:
    """The `PACING_COLUMNS` of ``n`` rows: ``plan_rows`` are the rows with a plan,
    ``segment_plan`` (non-decreasing) the plan of each segment (an index into
    ``plan_rows``), ``planned`` and ``actual`` each segment's spends with where they are
    recorded.  The same values as ``steps.plugins.stage.spend_pacing``."""
    (planned_spend, planned_ok), (actual_spend, actual_ok) = planned, actual
    plans = len(plan_rows)
    paced = planned_ok & actual_ok
    owner = segment_plan[paced]
    p, a = planned_spend[paced], actual_spend[paced]
    total_p = np.zeros(plans, dtype=np.int64)
    total_a = np.zeros(plans, dtype=np.int64)
    np.add.at(total_p, owner, p)
    np.add.at(total_a, owner, a)
    defined = (total_p != 0) & (total_a != 0)
    safe_p = np.where(defined, total_p, 1)[owner]
    safe_a = np.where(defined, total_a, 1)[owner]
    terms = np.abs(a / safe_a - p / safe_p)
    # A total beyond 2**53 is not exact as a float: Python's int / int is, so use it there.
    wide = np.flatnonzero((np.abs(safe_p) >= _EXACT) | (np.abs(safe_a) >= _EXACT))
    if len(wide):
        terms[wide] = [
            abs(x / y - u / v)
            for x, y, u, v in zip(
                a[wide].tolist(),
                safe_a[wide].tolist(),
                p[wide].tolist(),
                safe_p[wide].tolist(),
                strict=True,
            )
        ]
    distance = row_fsum(terms, owner, plans) / 2
    pacing = np.zeros(n, dtype=np.float64)
    has = np.zeros(n, dtype=np.bool_)
    pacing[plan_rows] = np.where(defined, np.maximum(0.0, 1.0 - distance), 0.0)
    has[plan_rows] = defined
    return {"plan_spend_pacing": pacing, "has_plan_spend_pacing": has}
