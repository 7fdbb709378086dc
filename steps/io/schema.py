"""A JSON Schema (draft 2020-12) of the data format, generated from the model itself.

The schema reads the same field metadata as the model's checks, so it cannot drift from
them.  Relations between objects (a stream's account exists, buyers <= orders) are beyond
JSON Schema; ``steps validate`` checks them.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Mapping
from datetime import date, datetime
from types import NoneType, UnionType
from typing import Any, Union

import attrs

from steps.domain.fields import Kind, kind_of
from steps.domain.model import Brand, Dataset
from steps.io.files import RECORD_FIELDS, SCHEMA_VERSION

__all__ = ["json_schema"]


_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_DATE_TIME_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}(:\d{2})?)$"
)


def _kind_schema(kind: Kind | None) -> dict[str, Any]:
    if kind is None:
        return {}
    schema: dict[str, Any] = {}
    if kind.name in ("money", "count"):
        schema = {
            "type": "integer",
            "minimum": int(kind.minimum or 0),
            "maximum": int(kind.maximum or 0),
        }
        if kind.name == "money":
            schema["description"] = "integer fen (分); 100 fen = 1 yuan"
    elif kind.name in ("rate", "number"):
        schema = {"type": "number", "minimum": kind.minimum, "maximum": kind.maximum}
    elif kind.name == "identifier":
        schema = {
            "type": "string",
            "minLength": 1,
            "maxLength": 128,
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$",
        }
    elif kind.name == "text":
        schema = {"type": "string", "maxLength": 1000}
    return schema


def _type_schema(type_: Any, kind: Kind | None, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(type_)
    args = typing.get_args(type_)
    if origin in (Union, UnionType) and NoneType in args:
        inner = next(a for a in args if a is not NoneType)
        return {"anyOf": [_type_schema(inner, kind, defs), {"type": "null"}]}
    if origin is tuple:
        return {"type": "array", "items": _type_schema(args[0], None, defs)}
    if origin in (Mapping, dict):
        key_enum, value_type = args
        value = _type_schema(value_type, None, defs)
        if kind is not None and kind.name == "share_map":
            value = {"type": "number", "minimum": 0, "maximum": 1}
        elif kind is not None and kind.name == "count_map":
            value = {"type": "integer", "minimum": 0}
        return {
            "type": "object",
            "propertyNames": {"enum": [m.value for m in key_enum]},
            "additionalProperties": value,
        }
    if isinstance(type_, type) and issubclass(type_, enum.Enum):
        return {"enum": [m.value for m in type_]}
    if attrs.has(type_):
        _define(type_, defs)
        return {"$ref": f"#/$defs/{type_.__name__}"}
    if type_ is datetime:
        return {
            "type": "string",
            "format": "date-time",
            # The pattern holds where a validator skips formats: the UTC offset is required.
            "pattern": _DATE_TIME_PATTERN,
            "description": "ISO 8601 with a UTC offset",
        }
    if type_ is date:
        return {"type": "string", "format": "date", "pattern": _DATE_PATTERN}
    if type_ is bool:
        return {"type": "boolean"}
    if type_ is int:
        return _kind_schema(kind) or {"type": "integer"}
    if type_ is float:
        return _kind_schema(kind) or {"type": "number"}
    if type_ is str:
        return _kind_schema(kind) or {"type": "string"}
    raise TypeError(f"no JSON Schema for {type_!r}")


def _object_schema(
    cls: type, defs: dict[str, Any], *, skip: frozenset[str] = frozenset()
) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in attrs.fields(cls):
        if field.name in skip:
            continue
        properties[field.name] = _type_schema(hints[field.name], kind_of(field), defs)
        if field.default is attrs.NOTHING:
            required.append(field.name)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if cls.__doc__:
        schema["description"] = " ".join(cls.__doc__.split())
    if required:
        schema["required"] = required
    return schema


def _define(cls: type, defs: dict[str, Any]) -> None:
    if cls.__name__ in defs:
        return
    defs[cls.__name__] = {}  # reserve the name first: the model may refer to itself
    defs[cls.__name__] = _object_schema(cls, defs)


def json_schema(fmt: str = "json") -> dict[str, Any]:
    """The JSON Schema of a ``.json`` dataset document, or (``fmt="jsonl"``) of one record
    of a JSON Lines file."""
    defs: dict[str, Any] = {}
    if fmt == "json":
        body = _object_schema(Dataset, defs)
        body["properties"] = {"schema_version": {"const": SCHEMA_VERSION}, **body["properties"]}
        body["required"] = ["schema_version"]
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "steps dataset",
            **body,
            "$defs": defs,
        }
    if fmt != "jsonl":
        raise ValueError(f"unknown format {fmt!r}: use 'json' or 'jsonl'")
    brand = _object_schema(Brand, defs, skip=frozenset(RECORD_FIELDS.values()))
    brand["properties"] = {"record": {"const": "brand"}, **brand["properties"]}
    brand["required"] = ["record", *brand.get("required", [])]
    variants: list[dict[str, Any]] = [
        {
            "type": "object",
            "properties": {
                "record": {"const": "header"},
                "schema_version": {"const": SCHEMA_VERSION},
            },
            "required": ["record", "schema_version"],
            "additionalProperties": False,
        },
        brand,
    ]
    hints = typing.get_type_hints(Brand)
    for record, field in RECORD_FIELDS.items():
        item_type = typing.get_args(hints[field])[0]
        item = _object_schema(item_type, defs)
        item["properties"] = {
            "record": {"const": record},
            "brand_id": {"type": "string", "minLength": 1},
            **item["properties"],
        }
        item["required"] = ["record", "brand_id", *item.get("required", [])]
        variants.append(item)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "steps dataset record (JSON Lines)",
        "oneOf": variants,
        "$defs": defs,
    }
