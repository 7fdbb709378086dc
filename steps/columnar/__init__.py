"""Columnar streams: `StreamTable` holds streams as numpy columns for vectorised
work over millions of rows, built without one model object per stream.


    from steps.columnar import read_jsonl

    source = read_jsonl("streams.jsonl")   # first pass: brands, accounts, products...
    for chunk in source:                    # second pass: StreamTable chunks
        groups = chunk.groups("brand_id")
        gmv_by_brand = groups.sum(chunk.column("gmv_fen"))

The object model stays the source of truth: see `steps.columnar.table` for the columns
and what stays in the objects only.  pyarrow, pandas and polars are optional (extras
``arrow``, ``pandas`` and ``polars``).
"""

from __future__ import annotations

from steps.columnar.readers import (
    JsonlStreamSource,
    from_arrow,
    from_columns,
    from_pandas,
    from_polars,
    read_jsonl,
    read_parquet,
)
from steps.columnar.table import SCHEMA, Column, Groups, StreamTable, concat

__all__ = [
    "SCHEMA",
    "Column",
    "Groups",
    "JsonlStreamSource",
    "StreamTable",
    "concat",
    "from_arrow",
    "from_columns",
    "from_pandas",
    "from_polars",
    "read_jsonl",
    "read_parquet",
]
