"""Data frames (pandas, polars, pyarrow) of score results and of the model, a CSV writer safe
to open in a spreadsheet, a Parquet writer of any number of rows, and the HTML that notebooks
show for results and cards.


    import steps
    from steps.frames import dataset_from_frames, dataset_to_frames, write_csv

    results = steps.score(dataset)
    frame = results.to_pandas()                  # or .to_polars(), .to_arrow()
    frames = dataset_to_frames(dataset, "polars")  # one table per entity
    again = dataset_from_frames(frames)            # through the converter: every check
    assert again == dataset

Results become one row per card × indicator with the columns of
`steps.scoring.ROW_COLUMNS` (`result_columns` gives each one's type).  A dataset
becomes the tables of `TABLES`, one per entity, every row carrying its ``brand_id``;
nested objects and maps are flattened into dotted columns (``fan_group.members``,
``uv_by_source.paid``), nested lists get tables of their own (``stream_products``,
``plan_segments``, ``collab_products``).  `dataset_from_frames` goes back through
`steps.io.converter.structure`, so every validation applies, and a problem's path
names the table, the row (0-based position) and the column: ``streams[3].gmv_fen``.

Types, the same in every backend (docs/dataframes.md has the full tables):

* strings and enumerations: pandas' default string dtype (``str`` in pandas 3, ``object``
  in pandas 2), polars ``String``, arrow ``string``;
* money and counts: integers, never floats: ``int64``, or pandas' nullable ``Int64`` where
  the value may be missing; polars ``Int64`` and arrow ``int64`` with nulls;
* rates, shares and scores: ``float64``; a missing value is NaN in pandas and null in
  polars and arrow (the model and the cards never hold NaN, so NaN always means missing);
* dates: pandas ``datetime64[s]`` at midnight, polars ``Date``, arrow ``date32``;
* date-times: two columns, the instant as a UTC timestamp (``datetime64[us, UTC]``,
  ``Datetime("us", "UTC")``, ``timestamp[us, tz=UTC]``) and ``<name>_offset_min``, the UTC
  offset it was recorded in, in minutes, so the local time and date survive the round trip;
* an optional nested object ``x`` also has ``has_x`` (``bool``): the object is there even
  when all of its fields are empty.

pandas, polars and pyarrow are imported on first use only: the extras ``pandas``,
``polars`` and ``arrow`` install them, and a missing one raises an `ImportError`
naming the extra.  `write_csv` and the HTML need none of them.
"""

from __future__ import annotations

import csv
import enum
import html
import importlib
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol, TypeAlias, cast, overload

import attrs

from steps.domain.errors import InvalidDataError, Problem
from steps.domain.fields import kind_of
from steps.domain.model import (
    Account,
    Brand,
    Dataset,
    Order,
    PaidCampaign,
    Product,
    SectionCoverage,
    ShortVideo,
    ShowSegment,
    Stream,
    StreamProduct,
    TalentCollab,
    TrustSignal,
)

if TYPE_CHECKING:
    # Only for the annotations: none of the three is needed to import this module, and the
    # types check without them (they are then Any).
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    from steps.scoring.engine import ScoreResults
    from steps.scoring.results import ScoreCard

__all__ = [
    "BACKENDS",
    "HTML_MAX_ROWS",
    "TABLES",
    "Backend",
    "FrameColumn",
    "FrameTable",
    "card_html",
    "dataset_from_frames",
    "dataset_to_frames",
    "neutralise",
    "result_columns",
    "results_html",
    "results_to_frame",
    "write_csv",
    "write_parquet",
]

#: The name of a data frame library: ``"pandas"`` (a ``pandas.DataFrame``), ``"polars"`` (a
#: ``polars.DataFrame``) or ``"arrow"`` (a ``pyarrow.Table``).
Backend: TypeAlias = Literal["pandas", "polars", "arrow"]
#: The data frame libraries supported, by the name `dataset_to_frames` takes.
BACKENDS: Final[tuple[Backend, ...]] = ("pandas", "polars", "arrow")
#: The rows `ScoreResults._repr_html_` shows before
#: "… N more".
HTML_MAX_ROWS: Final = 20

#: The module each backend imports, and the extra that installs it.
_MODULES: Final = {
    "pandas": ("pandas", "pandas"),
    "polars": ("polars", "polars"),
    "arrow": ("pyarrow", "arrow"),
}
#: A UTC offset must lie strictly within a day (`datetime.timezone`).
_DAY_MINUTES: Final = 24 * 60


def _import(backend: str, what: str) -> Any:
    if backend not in BACKENDS:
        known = ", ".join(repr(b) for b in BACKENDS)
        raise ValueError(f"unknown backend {backend!r} (known: {known})")
    module, extra = _MODULES[backend]
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"{what} needs {module}: install it with pip install 'steps-commerce[{extra}]'"
        ) from None


# =========================================================================== the columns


@attrs.frozen
class FrameColumn:
    """One column of a frame.

    ``type`` is the logical type, the same in every backend: ``"string"``, ``"int"``,
    ``"float"``, ``"bool"``, ``"date"`` or ``"timestamp"`` (docs/dataframes.md maps each to
    its pandas, polars and arrow type).  ``nullable`` says whether the column may hold
    missing values.
    """

    name: str
    type: str
    nullable: bool = False
    #: ``key`` (names the parent object), ``field`` (a value of the entity), ``presence``
    #: (``has_x``: whether the nested object ``x`` is there), ``collection`` (``has_x``:
    #: whether the optional collection ``x``, a table of its own, is there, even empty) or
    #: ``offset`` (the UTC offset of a date-time, minutes).
    role: str = "field"
    #: Where the value lives in the entity's plain data: field names and map keys.
    path: tuple[str, ...] = ()
    #: Whether a table with rows must have this column (required fields and keys).
    required: bool = False
    #: How to read the value off the model object: (``"attr"``, name) or (``"key"``, member).
    steps: tuple[tuple[str, Any], ...] = attrs.field(default=(), eq=False, repr=False)


@attrs.frozen
class FrameTable:
    """One table of `dataset_to_frames`: the rows of one entity of the model."""

    name: str
    #: The model class of a row (``str`` for ``collab_products``, a talent's product ids).
    entity: type
    #: The table whose objects hold this table's rows (``None`` for ``brands``).
    parent: str | None
    #: The collection in the parent object: ``("streams",)``, ``("plan", "segments")``.
    field: tuple[str, ...]
    #: The key columns naming the parent object: ``brand_id``, then the parent's own id.
    keys: tuple[str, ...]
    columns: tuple[FrameColumn, ...]
    #: The column whose value identifies a row for the rows of a child table.
    id_column: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


_SCALAR_TYPES: Final = {
    "identifier": "string",
    "text": "string",
    "enum": "string",
    "money": "int",
    "count": "int",
    "rate": "float",
    "number": "float",
    "bool": "bool",
    "date": "date",
}


def _flatten(
    cls: type,
    prefix: tuple[str, ...] = (),
    steps: tuple[tuple[str, Any], ...] = (),
    *,
    inside_optional: bool = False,
) -> list[FrameColumn]:
    """The columns of the scalar fields, maps and nested objects of ``cls`` (in field order);
    ``many`` fields are tables of their own."""
    columns: list[FrameColumn] = []
    for attribute in attrs.fields(cls):
        kind = kind_of(attribute)
        if kind is None:  # pragma: no cover - every model field declares its kind
            raise TypeError(f"{cls.__name__}.{attribute.name} declares no kind")
        path = (*prefix, attribute.name)
        name = ".".join(path)
        here = (*steps, ("attr", attribute.name))
        nullable = inside_optional or attribute.default is None
        required = not inside_optional and attribute.default is attrs.NOTHING
        if kind.name in _SCALAR_TYPES:
            columns.append(
                FrameColumn(name, _SCALAR_TYPES[kind.name], nullable, "field", path, required, here)
            )
        elif kind.name == "aware_datetime":
            columns.append(FrameColumn(name, "timestamp", nullable, "field", path, required, here))
            columns.append(
                FrameColumn(f"{name}_offset_min", "int", nullable, "offset", path, False, here)
            )
        elif kind.name in ("count_map", "share_map"):
            value_type = "int" if kind.name == "count_map" else "float"
            for member in kind.item:
                columns.append(
                    FrameColumn(
                        f"{name}.{member.value}",
                        value_type,
                        True,
                        "field",
                        (*path, member.value),
                        False,
                        (*here, ("key", member)),
                    )
                )
        elif kind.name == "nested":
            presence = "has_" + name
            columns.append(FrameColumn(presence, "bool", False, "presence", path, False, here))
            columns.extend(_flatten(kind.item, path, here, inside_optional=True))
        elif kind.name == "many" and attribute.default is None:
            # An optional collection: "not given" (None) differs from "given and empty".
            presence = "has_" + name
            columns.append(FrameColumn(presence, "bool", False, "collection", path, False, here))
        elif kind.name != "many":  # pragma: no cover - a new kind needs a column type
            raise TypeError(f"{cls.__name__}.{attribute.name}: no column type for {kind.name}")
    return columns


_TABLE_SPECS: Final = (
    # name, entity, parent, field in the parent, id column for the children
    ("brands", Brand, None, ("brands",), "brand_id"),
    ("accounts", Account, "brands", ("accounts",), None),
    ("products", Product, "brands", ("products",), None),
    ("streams", Stream, "brands", ("streams",), "stream_id"),
    ("stream_products", StreamProduct, "streams", ("products",), None),
    ("plan_segments", ShowSegment, "streams", ("plan", "segments"), None),
    ("talent_collabs", TalentCollab, "brands", ("talent_collabs",), "collab_id"),
    ("collab_products", str, "talent_collabs", ("product_ids",), None),
    ("orders", Order, "brands", ("orders",), None),
    ("trust_signals", TrustSignal, "brands", ("trust_signals",), None),
    ("short_videos", ShortVideo, "brands", ("short_videos",), None),
    ("paid_campaigns", PaidCampaign, "brands", ("paid_campaigns",), None),
    ("coverage", SectionCoverage, "brands", ("coverage",), None),
)


def _tables() -> Mapping[str, FrameTable]:
    tables: dict[str, FrameTable] = {}
    for name, entity, parent, field, id_column in _TABLE_SPECS:
        keys: tuple[str, ...] = ()
        if parent is not None:
            above = tables[parent]
            keys = (*above.keys, above.id_column or "")
        key_columns = [FrameColumn(key, "string", False, "key", (), True) for key in keys]
        if entity is str:
            own = [FrameColumn("product_id", "string", False, "field", (), True)]
        else:
            own = _flatten(entity)
        clash = {c.name for c in key_columns} & {c.name for c in own}
        if clash:  # pragma: no cover - a model change that needs a new key name
            raise TypeError(f"table {name}: key columns {sorted(clash)} clash with fields")
        tables[name] = FrameTable(
            name, entity, parent, field, keys, (*key_columns, *own), id_column
        )
    return MappingProxyType(tables)


#: The tables of `dataset_to_frames`, by name, in order.
TABLES: Final[Mapping[str, FrameTable]] = _tables()

_FLOAT_RESULT_COLUMNS: Final = frozenset(
    {
        "score",
        "confidence",
        "component_score",
        "value",
        "indicator_score",
        "weight",
        "contribution",
    }
)
#: The card's columns that are never missing (``score`` is, where it was withheld).
_CARD_RESULT_COLUMNS: Final = frozenset(
    {"scorer", "scorer_version", "subject_kind", "subject_id", "brand_id", "confidence"}
)


def result_columns() -> tuple[FrameColumn, ...]:
    """The columns of `results_to_frame`: `steps.scoring.ROW_COLUMNS` in order,
    each with its logical type (``string`` or ``float``); the card's columns (``scorer``
    to ``confidence``) are never missing but ``score``, which is where it was withheld
    (``withheld`` then says why)."""
    from steps.scoring.engine import ROW_COLUMNS

    return tuple(
        FrameColumn(
            name,
            "float" if name in _FLOAT_RESULT_COLUMNS else "string",
            name not in _CARD_RESULT_COLUMNS,
        )
        for name in ROW_COLUMNS
    )


# =========================================================================== building frames


def _pandas_string_dtype(pd: Any) -> Any:
    """pandas' default dtype for strings: ``str`` in pandas 3, ``object`` in pandas 2."""
    return pd.Series(["x"]).dtype


def _pandas_frame(columns: Sequence[FrameColumn], data: Mapping[str, list[Any]], what: str) -> Any:
    import numpy as np

    pd = _import("pandas", what)
    string = _pandas_string_dtype(pd)
    series: dict[str, Any] = {}
    for column in columns:
        values = data[column.name]
        if column.type == "string":
            series[column.name] = pd.Series(values, dtype=string)
        elif column.type == "int":
            if column.nullable:
                series[column.name] = pd.Series(pd.array(values, dtype="Int64"))
            else:
                series[column.name] = pd.Series(np.array(values, dtype=np.int64))
        elif column.type == "float":
            floats = [math.nan if v is None else float(v) for v in values]
            series[column.name] = pd.Series(np.array(floats, dtype=np.float64))
        elif column.type == "bool":
            if column.nullable:
                series[column.name] = pd.Series(pd.array(values, dtype="boolean"))
            else:
                series[column.name] = pd.Series(np.array(values, dtype=np.bool_))
        elif column.type == "date":
            days = [
                np.datetime64("NaT", "s") if v is None else np.datetime64(v, "s") for v in values
            ]
            series[column.name] = pd.Series(np.array(days, dtype="datetime64[s]"))
        else:  # timestamp: naive UTC datetimes
            stamps = [
                np.datetime64("NaT", "us") if v is None else np.datetime64(v, "us") for v in values
            ]
            naive = pd.Series(np.array(stamps, dtype="datetime64[us]"))
            series[column.name] = naive.dt.tz_localize("UTC")
    return pd.DataFrame(series, columns=[c.name for c in columns])


def _polars_frame(columns: Sequence[FrameColumn], data: Mapping[str, list[Any]], what: str) -> Any:
    pl = _import("polars", what)
    series = []
    for column in columns:
        values = data[column.name]
        if column.type == "string":
            series.append(pl.Series(column.name, values, dtype=pl.String))
        elif column.type == "int":
            series.append(pl.Series(column.name, values, dtype=pl.Int64))
        elif column.type == "float":
            floats = [None if v is None else float(v) for v in values]
            series.append(pl.Series(column.name, floats, dtype=pl.Float64))
        elif column.type == "bool":
            series.append(pl.Series(column.name, values, dtype=pl.Boolean))
        elif column.type == "date":
            series.append(pl.Series(column.name, values, dtype=pl.Date))
        else:
            naive = pl.Series(column.name, values, dtype=pl.Datetime("us"))
            series.append(naive.dt.replace_time_zone("UTC"))
    return pl.DataFrame(series)


def _arrow_table(columns: Sequence[FrameColumn], data: Mapping[str, list[Any]], what: str) -> Any:
    pa = _import("arrow", what)
    types = {
        "string": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "bool": pa.bool_(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us", tz="UTC"),
    }
    schema = pa.schema([pa.field(c.name, types[c.type], nullable=c.nullable) for c in columns])
    arrays = []
    for column in columns:
        values = data[column.name]
        if column.type == "float":
            values = [None if v is None else float(v) for v in values]
        arrays.append(pa.array(values, type=types[column.type]))
    return pa.Table.from_arrays(arrays, schema=schema)


_BUILDERS: Final[
    dict[str, Callable[[Sequence[FrameColumn], Mapping[str, list[Any]], str], Any]]
] = {"pandas": _pandas_frame, "polars": _polars_frame, "arrow": _arrow_table}


def _build(
    backend: str, columns: Sequence[FrameColumn], data: Mapping[str, list[Any]], what: str
) -> Any:
    if backend not in _BUILDERS:
        known = ", ".join(repr(b) for b in BACKENDS)
        raise ValueError(f"unknown backend {backend!r} (known: {known})")
    return _BUILDERS[backend](columns, data, what)


# =========================================================================== results


class _HasRows(Protocol):
    def to_rows(self) -> list[dict[str, Any]]: ...


_Results: TypeAlias = _HasRows | Iterable[Mapping[str, Any]]


@overload
def results_to_frame(results: _Results, backend: Literal["pandas"] = "pandas") -> pd.DataFrame: ...
@overload
def results_to_frame(results: _Results, backend: Literal["polars"]) -> pl.DataFrame: ...
@overload
def results_to_frame(results: _Results, backend: Literal["arrow"]) -> pa.Table: ...
@overload
def results_to_frame(
    results: _Results, backend: Backend
) -> pd.DataFrame | pl.DataFrame | pa.Table: ...
def results_to_frame(results: _Results, backend: Backend = "pandas") -> Any:
    """The rows of `ScoreResults.to_rows` (one per
    card × indicator) as a data frame with the columns `result_columns`, in order:
    a ``pandas.DataFrame``, a ``polars.DataFrame`` or a ``pyarrow.Table`` (``backend``
    ``"pandas"``, ``"polars"`` or ``"arrow"``).  ``results`` is anything with ``to_rows()``
    (score results, table results) or the rows themselves.

    Strings are strings, numbers ``float64``; a value that is ``None`` in the rows is NaN
    in pandas and null in polars and arrow.  Needs the extra of the backend.
    """
    to_rows = getattr(results, "to_rows", None)
    rows: list[Mapping[str, Any]] = (
        to_rows() if callable(to_rows) else list(cast("Iterable[Mapping[str, Any]]", results))
    )
    columns = result_columns()
    data: dict[str, list[Any]] = {c.name: [row.get(c.name) for row in rows] for c in columns}
    return _build(backend, columns, data, f"results to {backend}")


# =========================================================================== dataset → frames


def _utc(value: datetime) -> tuple[datetime, int]:
    """A naive UTC datetime and the UTC offset in minutes of an aware datetime."""
    offset = value.utcoffset()
    if offset is None:  # pragma: no cover - the model only holds aware datetimes
        raise ValueError("must be timezone-aware")
    minutes, rest = divmod(offset, timedelta(minutes=1))
    if rest:
        raise ValueError(f"UTC offset {offset} is not a whole number of minutes")
    return value.replace(tzinfo=None) - offset, int(minutes)


def _read(obj: Any, steps: tuple[tuple[str, Any], ...]) -> Any:
    for how, what in steps:
        if obj is None:
            return None
        obj = getattr(obj, what) if how == "attr" else obj.get(what)
    return obj


def _cell_of(obj: Any, column: FrameColumn) -> Any:
    if column.role in ("presence", "collection"):
        return _read(obj, column.steps) is not None
    value = _read(obj, column.steps)
    if value is None:
        return None
    if column.type == "timestamp":
        return _utc(value)[0]
    if column.role == "offset":
        return _utc(value)[1]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _children(obj: Any, field: tuple[str, ...]) -> tuple[Any, ...]:
    for name in field:
        if obj is None:
            return ()
        obj = getattr(obj, name)
    return tuple(obj) if obj is not None else ()


def _dataset_columns(dataset: Dataset) -> dict[str, dict[str, list[Any]]]:
    """Every table's columns as lists of plain values (naive UTC datetimes, offsets)."""
    data: dict[str, dict[str, list[Any]]] = {
        name: {column.name: [] for column in table.columns} for name, table in TABLES.items()
    }
    by_parent: dict[str, list[FrameTable]] = {}
    for table in TABLES.values():
        by_parent.setdefault(table.parent or "", []).append(table)

    def add(table: FrameTable, obj: Any, keys: tuple[str, ...], path: str) -> None:
        columns = data[table.name]
        key_columns = table.columns[: len(keys)]
        for column, key in zip(key_columns, keys, strict=True):
            columns[column.name].append(key)
        for column in table.columns[len(keys) :]:
            if table.entity is str:
                columns[column.name].append(obj)
                continue
            try:
                columns[column.name].append(_cell_of(obj, column))
            except (ValueError, OverflowError) as error:
                where = ".".join(column.path)
                raise InvalidDataError(
                    [Problem(f"{path}.{where}", f"cannot be stored in a frame: {error}")]
                ) from None
        if table.id_column is None:
            return
        own = (*keys, getattr(obj, table.id_column))
        for child in by_parent.get(table.name, ()):
            for index, item in enumerate(_children(obj, child.field)):
                add(child, item, own, f"{path}.{'.'.join(child.field)}[{index}]")

    for index, brand in enumerate(dataset.brands):
        add(TABLES["brands"], brand, (), f"brands[{index}]")
    return data


@overload
def dataset_to_frames(
    dataset: Dataset, backend: Literal["pandas"] = "pandas"
) -> dict[str, pd.DataFrame]: ...
@overload
def dataset_to_frames(dataset: Dataset, backend: Literal["polars"]) -> dict[str, pl.DataFrame]: ...
@overload
def dataset_to_frames(dataset: Dataset, backend: Literal["arrow"]) -> dict[str, pa.Table]: ...
@overload
def dataset_to_frames(
    dataset: Dataset, backend: Backend
) -> dict[str, pd.DataFrame] | dict[str, pl.DataFrame] | dict[str, pa.Table]: ...
def dataset_to_frames(dataset: Dataset, backend: Backend = "pandas") -> dict[str, Any]:
    """The dataset as one frame per entity (`TABLES`, in order): ``brands``,
    ``accounts``, ``products``, ``streams``, ``stream_products``, ``plan_segments``,
    ``talent_collabs``, ``collab_products``, ``orders``, ``trust_signals`` and
    ``short_videos``.  Every table has all of its columns, even with no rows.

    ``backend`` is ``"pandas"``, ``"polars"`` or ``"arrow"`` (a ``pyarrow.Table`` per
    entity).  `dataset_from_frames` turns the frames back into an equal dataset.
    A date-time whose UTC offset is not a whole number of minutes cannot be stored and
    raises `InvalidDataError` naming it.
    """
    data = _dataset_columns(dataset)
    return {
        name: _build(backend, table.columns, data[name], f"dataset_to_frames({backend!r})")
        for name, table in TABLES.items()
    }


# =========================================================================== frames → dataset


def _python(value: Any) -> Any:
    """A plain Python value for a cell: None for every kind of missing value (None, NaN,
    NaT, pandas.NA), numpy scalars as Python numbers, pandas timestamps as datetimes."""
    if value is None or isinstance(value, str):
        return value
    module = type(value).__module__
    if module.startswith("numpy"):
        return _python(value.item())
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, bool | int):
        return value
    if module.startswith("pandas"):
        if type(value).__name__ in ("NAType", "NaTType"):
            return None
        if hasattr(value, "to_pydatetime"):
            return value.to_pydatetime(warn=False)
    return value


def _frame_columns(frame: Any, table: str) -> tuple[list[str], list[list[Any]]]:
    """The column names of a pandas, polars or pyarrow frame and each column's values."""
    module = type(frame).__module__.partition(".")[0]
    if module == "pandas" and hasattr(frame, "iloc"):
        names = [str(name) for name in frame.columns]
        columns = []
        for position in range(len(names)):
            series = frame.iloc[:, position]
            missing = series.isna().tolist()
            columns.append(
                [None if gone else v for v, gone in zip(series.tolist(), missing, strict=True)]
            )
        return names, columns
    if module == "polars" and hasattr(frame, "get_column"):
        names = list(frame.columns)
        return names, [frame.get_column(name).to_list() for name in names]
    if module == "pyarrow" and hasattr(frame, "column_names"):
        names = list(frame.column_names)
        return names, [frame.column(i).to_pylist() for i in range(len(names))]
    hint = " (call .collect() on a LazyFrame first)" if "Lazy" in type(frame).__name__ else ""
    raise TypeError(
        f"table {table!r}: expected a pandas or polars DataFrame or a pyarrow Table, "
        f"got {type(frame).__module__}.{type(frame).__name__}{hint}"
    )


def _date_text(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None and value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat()  # refused by the converter, which shows it
    if isinstance(value, date):
        return value.isoformat()
    return value


def _timestamp_text(value: Any, offset: Any) -> Any:
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value  # the converter says what is wrong with it
    if not isinstance(moment, datetime):
        return value
    if moment.tzinfo is not None and offset is not None:
        moment = moment.astimezone(timezone(timedelta(minutes=offset)))
    return moment.isoformat()


def _offset_problem(value: Any) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number of minutes, got {value!r:.40}"
    if not -_DAY_MINUTES < value < _DAY_MINUTES:
        return f"must lie strictly between -{_DAY_MINUTES} and {_DAY_MINUTES}, got {value}"
    return None


def _put(target: dict[str, Any], path: Sequence[str], value: Any) -> None:
    for name in path[:-1]:
        target = target.setdefault(name, {})
    target[path[-1]] = value


def _presence(value: Any) -> bool | str:
    """A ``has_x`` cell: True, False, or a problem."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    return f"must be true or false, got {value!r:.40}"


@attrs.define
class _Row:
    """One row as plain data for the converter, with the keys naming its parent."""

    keys: tuple[Any, ...]
    data: Any
    #: The nested objects a ``has_x`` false made absent, by path.
    absent: set[tuple[str, ...]] = attrs.field(factory=set)


def _row(table: FrameTable, index: int, cells: Mapping[str, Any], problems: list[Problem]) -> _Row:
    where = f"{table.name}[{index}]"
    keys = tuple(cells.get(key) for key in table.keys)
    if table.entity is str:
        return _Row(keys, cells.get("product_id"))
    data: dict[str, Any] = {}
    row = _Row(keys, data)
    for column in table.columns:
        if column.role not in ("presence", "collection") or cells.get(column.name) is None:
            continue  # no has_x: x is there when one of its columns (or rows) has a value
        answer = _presence(cells[column.name])
        if isinstance(answer, str):
            problems.append(Problem(f"{where}.{column.name}", answer))
        elif answer and column.role == "collection":
            data[column.path[-1]] = []
        elif answer:
            _put_object(data, column.path)
        else:
            row.absent.add(column.path)
    for column in table.columns:
        value = cells.get(column.name)
        if column.role in ("key", "presence", "collection", "offset") or value is None:
            continue
        shut = [path for path in row.absent if column.path[: len(path)] == path]
        if shut:
            problems.append(
                Problem(
                    f"{where}.{column.name}",
                    f"must be empty where has_{'.'.join(shut[0])} is false",
                )
            )
            continue
        if column.type == "date":
            value = _date_text(value)
        elif column.type == "timestamp":
            offset_name = f"{column.name}_offset_min"
            offset = cells.get(offset_name)
            if offset is not None:
                problem = _offset_problem(offset)
                if problem:
                    problems.append(Problem(f"{where}.{offset_name}", problem))
                    offset = None
                else:
                    offset = int(offset)
            value = _timestamp_text(value, offset)
        _put(data, column.path, value)
    return row


def _put_object(data: dict[str, Any], path: tuple[str, ...]) -> None:
    target = data
    for name in path:
        target = target.setdefault(name, {})


def _key_problem(value: Any) -> str | None:
    if value is None:
        return "is required"
    if not isinstance(value, str):
        return f"must be a string, got {type(value).__name__}"
    return None


def _check_columns(
    table: FrameTable, names: Sequence[str], rows: int, problems: list[Problem]
) -> None:
    import difflib

    known = set(table.column_names)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(Problem(f"{table.name}.{name}", "duplicate column"))
        seen.add(name)
        if name not in known:
            close = difflib.get_close_matches(name, table.column_names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(Problem(f"{table.name}.{name}", f"unknown column{hint}"))
    if rows:
        for column in table.columns:
            if column.required and column.name not in seen:
                problems.append(Problem(f"{table.name}.{column.name}", "missing column"))


class _Locations:
    """Where each object of the plain data came from: ``brands[0].streams[2]`` →
    ``("streams", 5)``; turns a converter problem's path into a table's row and column."""

    def __init__(self) -> None:
        self.places: dict[str, tuple[str, int]] = {}

    def add(self, path: str, table: str, row: int) -> None:
        self.places[path] = (table, row)

    def translate(self, problem: Problem) -> Problem:
        path = problem.path
        for end in range(len(path), 0, -1):
            if end < len(path) and path[end] not in ".[":
                continue
            place = self.places.get(path[:end])
            if place is None:
                continue
            table, row = place
            rest = path[end:].removeprefix(".")
            if table == "collab_products" and not rest:
                rest = "product_id"
            text = f"{table}[{row}]" + (f".{rest}" if rest and not rest.startswith("[") else rest)
            return Problem(text, problem.message, problem.line)
        return problem


def dataset_from_frames(frames: Mapping[str, Any]) -> Dataset:
    """The dataset held by frames shaped like those of `dataset_to_frames` (pandas,
    polars or pyarrow, mixed freely; a table left out has no rows).

    Rows become plain data that `steps.io.converter.structure` builds the model from,
    so every check of a data file applies.  Child rows attach to the brand (and stream or
    talent collaboration) their key columns name, in table order.  Columns may be left out
    when every value would be missing; ``has_x`` columns may be left out (a nested object is
    then there when one of its columns has a value).  Raises
    `InvalidDataError` listing every problem, each with a path
    naming the table, the row (its 0-based position) and the column, e.g.
    ``streams[3].gmv_fen: must be >= 0``.
    """
    problems: list[Problem] = []
    for name in frames:
        if name not in TABLES:
            known = ", ".join(TABLES)
            problems.append(Problem(str(name), f"unknown table (known: {known})"))
    columns_of: dict[str, tuple[list[str], list[list[Any]]]] = {}
    for name, table in TABLES.items():
        if name not in frames:
            continue
        names, values = _frame_columns(frames[name], name)
        rows = len(values[0]) if values else 0
        _check_columns(table, names, rows, problems)
        columns_of[name] = (names, values)
    if problems:
        raise InvalidDataError(problems)

    locations = _Locations()
    brands: list[Any] = []
    # The rows child rows attach to, by table and key (brand_id, then the row's own id),
    # with the path of their object in the plain data.
    parents: dict[str, dict[tuple[Any, ...], tuple[_Row, str]]] = {name: {} for name in TABLES}
    for name, table in TABLES.items():
        names, values = columns_of.get(name, ([], []))
        converted = [[_python(value) for value in column] for column in values]
        for index in range(len(values[0]) if values else 0):
            cells = {column: converted[i][index] for i, column in enumerate(names)}
            row = _row(table, index, cells, problems)
            if table.parent is None:
                path = f"brands[{len(brands)}]"
                brands.append(row.data)
            else:
                attached = _attach(table, index, row, parents[table.parent], problems)
                if attached is None:
                    continue
                path = attached
            locations.add(path, name, index)
            if table.id_column is not None:
                key = (*row.keys, row.data.get(table.id_column))
                if isinstance(key[-1], str):
                    parents[name].setdefault(key, (row, path))  # the first of duplicates
    try:
        dataset = _structure({"brands": brands})
    except InvalidDataError as error:
        problems.extend(locations.translate(p) for p in error.problems)
        raise InvalidDataError(problems) from None
    if problems:
        raise InvalidDataError(problems)
    return dataset


def _attach(
    table: FrameTable,
    index: int,
    row: _Row,
    parents: Mapping[tuple[Any, ...], tuple[_Row, str]],
    problems: list[Problem],
) -> str | None:
    """Append the row's data to its parent's collection; its path in the plain data, or
    ``None`` (with a problem) when its keys name no parent."""
    where = f"{table.name}[{index}]"
    bad = False
    for key, value in zip(table.keys, row.keys, strict=True):
        problem = _key_problem(value)
        if problem:
            problems.append(Problem(f"{where}.{key}", problem))
            bad = True
    if bad:
        return None
    found = parents.get(row.keys)
    if found is None:
        problems.append(_orphan(table, where, row.keys))
        return None
    parent, parent_path = found
    holder = table.field[:-1]
    if table.field in parent.absent:
        problems.append(
            Problem(
                f"{where}.{table.keys[-1]}",
                f"{table.parent}: has_{'.'.join(table.field)} is false for this one",
            )
        )
        return None
    if holder and holder in parent.absent:
        problems.append(
            Problem(
                f"{where}.{table.keys[-1]}",
                f"{table.parent}: has_{'.'.join(holder)} is false for this one",
            )
        )
        return None
    target = parent.data
    for step in holder:
        target = target.setdefault(step, {})
    items = target.setdefault(table.field[-1], [])
    items.append(row.data)
    return f"{parent_path}.{'.'.join(table.field)}[{len(items) - 1}]"


def _structure(data: Any) -> Dataset:
    from steps.io.converter import structure

    return structure(data, Dataset)


def _orphan(table: FrameTable, where: str, keys: tuple[Any, ...]) -> Problem:
    if len(keys) == 1:
        return Problem(f"{where}.brand_id", f"unknown brand {keys[0]!r} (not in brands)")
    parent = TABLES[table.parent or "brands"]
    what = "stream" if parent.name == "streams" else "collab"
    return Problem(
        f"{where}.{table.keys[-1]}",
        f"unknown {what} {keys[-1]!r} of brand {keys[0]!r} (not in {parent.name})",
    )


# =========================================================================== CSV


#: What a spreadsheet may take for the start of a formula (OWASP, "CSV injection").
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A string a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return) with a leading ``'``; anything else (numbers
    included, negative ones too) unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(
    rows: Iterable[Mapping[str, Any]],
    stream: Any,
    columns: Sequence[str] | None = None,
) -> int:
    """Write ``rows`` to the text ``stream`` as CSV (RFC 4180: ``,``, ``"`` quoting, CRLF
    line ends; open files with ``newline=""``): a header of ``columns`` (default
    `steps.scoring.ROW_COLUMNS`), then one line per row, ``None`` as an empty cell.
    Keys of a row not in ``columns`` are left out.  Every string cell that a spreadsheet
    would run as a formula is neutralised with a leading ``'`` (`neutralise`);
    numbers are written as numbers.  Returns the number of rows written.
    """
    if columns is None:
        from steps.scoring.engine import ROW_COLUMNS

        columns = ROW_COLUMNS
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in columns])
    count = 0
    for row in rows:
        writer.writerow([_csv_cell(row.get(name)) for name in columns])
        count += 1
    return count


def write_parquet(
    rows: Iterable[Mapping[str, Any]], stream: Any, *, group_rows: int = 8_192
) -> int:
    """Write ``rows`` to the binary ``stream`` as Parquet with the columns of
    `result_columns` (the types of `results_to_frame`'s ``"arrow"`` frame), a row group per
    ``group_rows`` rows, so that memory holds one group however many rows come; returns the
    number of rows written.  Needs pyarrow (the ``arrow`` extra)."""
    _import("arrow", "writing Parquet")  # names the extra when pyarrow is missing
    from pyarrow import parquet

    columns = result_columns()
    schema = _arrow_table(columns, {c.name: [] for c in columns}, "writing Parquet").schema
    count = 0
    remaining = iter(rows)
    with parquet.ParquetWriter(stream, schema) as writer:
        while group := list(itertools.islice(remaining, group_rows)):
            data = {c.name: [row.get(c.name) for row in group] for c in columns}
            writer.write_table(_arrow_table(columns, data, "writing Parquet"))
            count += len(group)
    return count


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    return neutralise(value if isinstance(value, str) else str(value))


# =========================================================================== HTML

_BAR_WIDTH: Final = 10


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _bar(score: float | None) -> str:
    if score is None:
        return ""
    filled = max(0, min(_BAR_WIDTH, round(score / 100 * _BAR_WIDTH)))
    blocks = "█" * filled + "░" * (_BAR_WIDTH - filled)
    return f'<span style="font-family:monospace;color:#4c78a8">{blocks}</span>'


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _weakest(card: ScoreCard) -> str:
    """The component to show as weakest: the one a scorer names in its ``weakest_pillar``
    note (STEPS weighs pillars by the lifecycle stage), else the lowest-scoring one."""
    named = card.notes.get("weakest_pillar")
    if named is not None and named != "none":
        try:
            component = card.component(named)
        except KeyError:
            pass
        else:
            if component.score is not None:
                return f"{component.key} {component.score:.0f}"
    weakest = card.weakest_component
    if weakest is None or weakest.score is None:
        return ""
    return f"{weakest.key} {weakest.score:.0f}"


_TABLE_STYLE: Final = 'style="border-collapse:collapse;font-size:0.9em"'
_CELL: Final = 'style="text-align:left;padding:2px 8px"'
_NUMBER_CELL: Final = 'style="text-align:right;padding:2px 8px;white-space:nowrap"'


def _cells(*cells: tuple[str, bool]) -> str:
    return "".join(f"<td {_NUMBER_CELL if n else _CELL}>{text}</td>" for text, n in cells)


def results_html(results: ScoreResults, max_rows: int = HTML_MAX_ROWS) -> str:
    """A compact HTML table of the results: subject, scorer, score with a bar, confidence
    and weakest component, one line per card (then per failure), the first ``max_rows``
    of them and a "… N more" line.  Every string is escaped."""
    lines: list[str] = []
    for card in results.cards:
        lines.append(
            "<tr>"
            + _cells(
                (f"{_e(card.subject_kind.value)} {_e(card.subject_id)}", False),
                (_e(card.scorer), False),
                (f"{_bar(card.score)} {_number(card.score)}", True),
                (f"{card.confidence:.2f}", True),
                (_e(_weakest(card)) if card.score is not None else _withheld_html(card), False),
            )
            + "</tr>"
        )
    for error in results.errors:
        lines.append(
            "<tr>"
            + _cells(
                (f"{_e(error.subject_kind.value)} {_e(error.subject_id)}", False),
                (_e(error.scorer), False),
                ("—", True),
                ("", True),
                (f"failed: {_e(error.error_type)}: {_e(_short(error.message))}", False),
            )
            + "</tr>"
        )
    scorers = ", ".join(f"{s.name} {s.version}" for s in results.scorers) or "no scorers"
    head = (
        f"<p><strong>ScoreResults</strong>: {len(results.cards)} cards, "
        f"{len(results.errors)} errors, {len(results.warnings)} warnings · {_e(scorers)}</p>"
    )
    header = "".join(
        f"<th {_CELL}>{name}</th>"
        for name in ("subject", "scorer", "score", "confidence", "weakest")
    )
    shown = lines[: max(0, max_rows)]
    more = len(lines) - len(shown)
    tail = f"<p>… {more} more (<code>.to_pandas()</code> has every row)</p>" if more else ""
    return (
        f'<div class="steps-results">{head}<table {_TABLE_STYLE}>'
        f"<thead><tr>{header}</tr></thead><tbody>{''.join(shown)}</tbody></table>{tail}</div>"
    )


def _withheld_html(card: ScoreCard) -> str:
    """ "insufficient data — provide …", the full reason on hover."""
    from steps.scoring.confidence import insufficient_text

    return f'<span title="{_e(card.withheld or "")}">{_e(insufficient_text(card))}</span>'


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def card_html(card: ScoreCard) -> str:
    """The card as HTML: the score, its components and their indicators (value, score,
    weight, contribution, benchmark, explanation), what is missing and the recommendations.
    Every string is escaped."""
    parts = [
        f'<div class="steps-card"><p><strong>{_e(card.scorer)}</strong> {_e(card.scorer_version)}'
        f" · {_e(card.subject_kind.value)} <code>{_e(card.subject_id)}</code>"
        f" (brand <code>{_e(card.brand_id)}</code>) · score <strong>{_number(card.score)}</strong>"
        f" {_bar(card.score)} · confidence {card.confidence:.2f}</p>"
    ]
    if card.withheld is not None:
        parts.append(f"<p>{_withheld_html(card)}: {_e(card.withheld)}</p>")
    if card.notes:
        notes = "; ".join(f"{_e(k)}: {_e(v)}" for k, v in card.notes.items())
        parts.append(f"<p>{notes}</p>")
    if card.components:
        header = "".join(
            f"<th {_CELL}>{name}</th>"
            for name in (
                "component / indicator",
                "value",
                "score",
                "weight",
                "points",
                "benchmark",
                "explanation",
            )
        )
        body: list[str] = []
        for component in card.components:
            body.append(
                '<tr style="font-weight:bold">'
                + _cells(
                    (f"{_e(component.key)} {_e(component.name)}", False),
                    ("", True),
                    (f"{_bar(component.score)} {_number(component.score, 0)}", True),
                    (f"{component.weight:.0%}", True),
                    (f"{component.contribution:.1f}", True),
                    ("", False),
                    ("", False),
                )
                + "</tr>"
            )
            for indicator in component.indicators:
                value = (
                    "n/a"
                    if indicator.value is None
                    else f"{indicator.value:.4g} {_e(indicator.unit)}".strip()
                )
                body.append(
                    "<tr>"
                    + _cells(
                        (
                            f'<span style="padding-left:1.5em">{_e(indicator.key)}</span> '
                            f"{_e(indicator.name)}",
                            False,
                        ),
                        (value, True),
                        (_number(indicator.score, 0), True),
                        (f"{indicator.weight:.0%}", True),
                        (f"{indicator.contribution:.1f}", True),
                        (
                            f'<span title="{_e(indicator.benchmark_source)}">'
                            f"{_e(indicator.benchmark)}</span>",
                            False,
                        ),
                        (_e(indicator.explanation), False),
                    )
                    + "</tr>"
                )
        parts.append(
            f"<table {_TABLE_STYLE}><thead><tr>{header}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>"
        )
    if card.missing:
        parts.append(f"<p>missing: {_e('; '.join(card.missing))}</p>")
    if card.recommendations:
        items = "".join(
            f"<li>{_e(r.text)}"
            + (f" <small>({_e(r.component)})</small>" if r.component else "")
            + "</li>"
            for r in card.recommendations  # ranked by the GMV each puts at stake
        )
        parts.append(f"<ol>{items}</ol>")
    parts.append("</div>")
    return "".join(parts)
