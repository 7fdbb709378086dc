"""Declarative field constraints shared by every model class.

Each field carries a `Kind` in its attrs metadata.  One generic checker reads them, so
a model object reports *every* bad field at once (not just the first), and the JSON Schema
generator reads the same metadata, so the schema cannot drift from the checks.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any, Final, TypeVar

import attrs

from steps.domain.enums import Platform, ProductRole, Section, TrafficSource, TrustSignalKind
from steps.domain.errors import InvalidDataError, Problem

__all__ = [
    "AWARE_DATETIME",
    "BOOL",
    "COUNT",
    "DATE",
    "IDENTIFIER",
    "MAX_ID_LENGTH",
    "MAX_TEXT_LENGTH",
    "MONEY",
    "RATE",
    "TEXT",
    "Kind",
    "check_fields",
    "count_map",
    "enum_of",
    "many",
    "member",
    "nested",
    "number",
    "share_map",
    "to_platform",
    "to_product_role",
    "to_section",
    "to_traffic_source",
    "to_trust_signal_kind",
]

METADATA_KEY: Final = "steps"
MAX_ID_LENGTH: Final = 128
MAX_TEXT_LENGTH: Final = 1_000
#: The largest money amount accepted, in fen: 10^15 fen is ten trillion yuan, beyond any
#: brand's GMV; the cap keeps hostile files from smuggling in numbers no sum can hold exactly.
MAX_MONEY_FEN: Final = 10**15
MAX_COUNT: Final = 10**15
SHARE_TOLERANCE: Final = 1e-6


@attrs.frozen
class Kind:
    """What a field holds.  ``name`` selects the check; the rest parameterise it."""

    name: str
    item: Any = None
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""


IDENTIFIER: Final = {METADATA_KEY: Kind("identifier")}
TEXT: Final = {METADATA_KEY: Kind("text")}
MONEY: Final = {METADATA_KEY: Kind("money", minimum=0, maximum=MAX_MONEY_FEN)}
COUNT: Final = {METADATA_KEY: Kind("count", minimum=0, maximum=MAX_COUNT)}
RATE: Final = {METADATA_KEY: Kind("rate", minimum=0.0, maximum=1.0)}
BOOL: Final = {METADATA_KEY: Kind("bool")}
AWARE_DATETIME: Final = {METADATA_KEY: Kind("aware_datetime")}
DATE: Final = {METADATA_KEY: Kind("date")}


def number(minimum: float, maximum: float) -> dict[str, Kind]:
    return {METADATA_KEY: Kind("number", minimum=minimum, maximum=maximum)}


def enum_of(enum_type: type[enum.Enum]) -> dict[str, Kind]:
    """An enumeration field.  Give it a converter as well (`member` through a named function
    such as `to_platform`), so that the constructor takes a value too:
    `Account(..., platform="kuaishou")`."""
    return {METADATA_KEY: Kind("enum", item=enum_type)}


E = TypeVar("E", bound=enum.Enum)


def member(enum_type: type[E], value: object) -> E:
    """`value` as a member of `enum_type`: a member stays as it is, a plain string that is
    one of the values becomes its member.  Anything else comes back unchanged, for the field
    check to report with the enumeration's name and values."""
    if type(value) is str:  # not a member of another enumeration that happens to share a value
        try:
            return enum_type(value)
        except ValueError:
            pass
    return value  # type: ignore[return-value]  # rejected by the field check with its type


# Named converters, one per enumeration a model field holds: attrs' mypy plugin types a
# constructor's argument from a named function's parameter, so ``role="hero"`` type-checks.


def to_platform(value: Platform | str) -> Platform:
    """A `Platform` or its value (`"kuaishou"`)."""
    return member(Platform, value)


def to_product_role(value: ProductRole | str | None) -> ProductRole | None:
    """A `ProductRole`, its value (`"hero"`) or `None`."""
    return None if value is None else member(ProductRole, value)


def to_trust_signal_kind(value: TrustSignalKind | str) -> TrustSignalKind:
    """A `TrustSignalKind` or its value (`"trust_buy"`)."""
    return member(TrustSignalKind, value)


def to_section(value: Section | str) -> Section:
    """A `Section` or its value (`"orders"`)."""
    return member(Section, value)


def to_traffic_source(value: TrafficSource | str | None) -> TrafficSource | None:
    """A `TrafficSource`, its value (`"paid"`) or `None`."""
    return None if value is None else member(TrafficSource, value)


def nested(cls: type) -> dict[str, Kind]:
    return {METADATA_KEY: Kind("nested", item=cls)}


def many(cls: type) -> dict[str, Kind]:
    return {METADATA_KEY: Kind("many", item=cls)}


def count_map(key_enum: type[enum.Enum]) -> dict[str, Kind]:
    return {METADATA_KEY: Kind("count_map", item=key_enum, minimum=0, maximum=MAX_COUNT)}


def share_map(key_enum: type[enum.Enum]) -> dict[str, Kind]:
    return {METADATA_KEY: Kind("share_map", item=key_enum, minimum=0.0, maximum=1.0)}


def kind_of(attribute: attrs.Attribute[Any]) -> Kind | None:
    kind = attribute.metadata.get(METADATA_KEY)
    return kind if isinstance(kind, Kind) else None


def _is_real(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_bounded_int(value: object, kind: Kind, unit: str) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return f"must be an integer {unit}, got {type(value).__name__}"
    if kind.minimum is not None and value < kind.minimum:
        return f"must be >= {int(kind.minimum)}"
    if kind.maximum is not None and value > kind.maximum:
        return f"must be <= {int(kind.maximum)}"
    return None


def _check_real(value: object, kind: Kind) -> str | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return f"must be a number, got {type(value).__name__}"
    if not math.isfinite(value):
        return "must be a finite number"
    if (
        kind.minimum is not None
        and kind.maximum is not None
        and not kind.minimum <= value <= kind.maximum
    ):
        return f"must lie in [{_fmt(kind.minimum)}, {_fmt(kind.maximum)}], got {value}"
    return None


def _fmt(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


#: What an identifier may not hold: C0 and C1 control characters and DEL.  An id is a key,
#: printed on its own line in reports and errors: an escape sequence in one is never data.
_ID_CONTROL: Final = re.compile("[\x00-\x1f\x7f-\x9f]")


def _check_string(value: object, limit: int, *, allow_blank: bool) -> str | None:
    if not isinstance(value, str):
        return f"must be a string, got {type(value).__name__}"
    if not allow_blank and not value.strip():
        return "must not be empty"
    if len(value) > limit:
        return f"must be at most {limit} characters, got {len(value)}"
    if not allow_blank:
        control = _ID_CONTROL.search(value)
        if control is not None:
            code = ord(control.group())
            return f"must not hold control characters, got U+{code:04X} at {control.start()}"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            # A lone surrogate ("\ud800" in JSON) loads but can never be written back.
            return f"must be valid Unicode text, got a lone surrogate at {error.start}"
    return None


def _check_map(value: object, kind: Kind) -> Iterator[tuple[str, str]]:
    if not isinstance(value, Mapping):
        yield "", f"must be a mapping, got {type(value).__name__}"
        return
    for key, item in value.items():
        if not isinstance(key, kind.item):
            yield "", _key_problem(key, kind.item)
            continue
        sub = f"{key.value}"
        if kind.name == "count_map":
            error = _check_bounded_int(item, kind, "count")
        else:
            error = _check_real(item, kind)
        if error:
            yield sub, error
    if kind.name == "share_map" and all(_is_real(v) for v in value.values()):
        total = math.fsum(value.values())
        if total > 1.0 + SHARE_TOLERANCE:
            yield "", f"shares must add up to at most 1, got {total:.6g}"


def _values(enum_type: type[enum.Enum]) -> str:
    return ", ".join(repr(m.value) for m in enum_type)


def _enum_problem(value: object, enum_type: type[enum.Enum]) -> str:
    return (
        f"must be a {enum_type.__name__} or one of its values ({_values(enum_type)}), "
        f"got {value!r:.60}"
    )


def _key_problem(key: object, enum_type: type[enum.Enum]) -> str:
    name = enum_type.__name__
    if type(key) is str and key in enum_type._value2member_map_:
        found = enum_type(key)
        return f"key {key!r} must be the member {name}.{found.name}, not its value"
    return f"unknown key {key!r:.60}: keys are {name} members ({_values(enum_type)})"


def _problems_for(value: object, kind: Kind) -> Iterator[tuple[str, str]]:
    error: str | None = None
    name = kind.name
    if name == "identifier":
        error = _check_string(value, MAX_ID_LENGTH, allow_blank=False)
    elif name == "text":
        error = _check_string(value, MAX_TEXT_LENGTH, allow_blank=True)
    elif name == "money":
        error = _check_bounded_int(value, kind, "amount in fen")
    elif name == "count":
        error = _check_bounded_int(value, kind, "count")
    elif name in ("rate", "number"):
        error = _check_real(value, kind)
    elif name == "bool":
        if not isinstance(value, bool):
            error = f"must be true or false, got {type(value).__name__}"
    elif name == "aware_datetime":
        if not isinstance(value, datetime):
            error = f"must be a datetime, got {type(value).__name__}"
        elif value.tzinfo is None or value.utcoffset() is None:
            error = "must be timezone-aware (e.g. 2021-09-01T20:00:00+08:00)"
    elif name == "date":
        if not isinstance(value, date) or isinstance(value, datetime):
            error = f"must be a date, got {type(value).__name__}"
    elif name == "enum":
        if not isinstance(value, kind.item):
            error = _enum_problem(value, kind.item)
    elif name == "nested":
        if not isinstance(value, kind.item):
            error = f"must be a {kind.item.__name__}, got {type(value).__name__}"
    elif name == "many":
        if not isinstance(value, tuple):
            error = f"must be a tuple of {kind.item.__name__}, got {type(value).__name__}"
        else:
            for index, item in enumerate(value):
                if not isinstance(item, kind.item):
                    yield (
                        f"[{index}]",
                        f"must be a {kind.item.__name__}, got {type(item).__name__}",
                    )
    elif name in ("count_map", "share_map"):
        yield from _check_map(value, kind)
    if error:
        yield "", error


_FIELD_CACHE: dict[type, tuple[tuple[str, Kind, bool], ...]] = {}


def _fields_of(cls: type) -> tuple[tuple[str, Kind, bool], ...]:
    cached = _FIELD_CACHE.get(cls)
    if cached is None:
        entries = []
        for attribute in attrs.fields(cls):
            kind = kind_of(attribute)
            if kind is not None:
                entries.append((attribute.name, kind, attribute.default is None))
        cached = _FIELD_CACHE[cls] = tuple(entries)
    return cached


def field_problems(obj: object) -> list[Problem]:
    """Every per-field problem of ``obj`` (types, ranges, lengths), with field paths."""
    return value_problems(
        type(obj), {name: getattr(obj, name) for name, _, _ in _fields_of(type(obj))}
    )


def value_problems(cls: type, values: Mapping[str, object]) -> list[Problem]:
    """Every per-field problem of the given field values of ``cls`` (fields not given are
    skipped): what `field_problems` would report on an object that cannot be built."""
    problems: list[Problem] = []
    for name, kind, optional in _fields_of(cls):
        if name not in values:
            continue
        value = values[name]
        if value is None and optional:
            continue
        for sub, message in _problems_for(value, kind):
            path = f"{name}.{sub}" if sub and not sub.startswith("[") else f"{name}{sub}"
            problems.append(Problem(path, message))
    return problems


def check_fields(obj: object, relations: Iterator[Problem] | None = None) -> None:
    """Raise `InvalidDataError` listing every field and relation problem of ``obj``.

    Relations are only checked once every field is individually valid, since a relation
    between two fields means nothing when one of them has the wrong type.
    """
    problems = field_problems(obj)
    if not problems and relations is not None:
        problems.extend(relations)
    if problems:
        raise InvalidDataError(problems)
