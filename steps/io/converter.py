"""The one cattrs converter between the model and plain data (JSON-shaped dicts and lists).

Structuring is strict (no silent coercion of ``"12"`` to ``12`` or ``1.5`` to ``1``) and
collects *every* problem with its exact path instead of stopping at the first.  A collection
with some bad elements still has its good elements checked against the rest of the object
(a stream naming an unknown account is reported even when another stream is malformed).
"""

from __future__ import annotations

import enum
import math
import re
import typing
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import date, datetime, tzinfo
from types import MappingProxyType, NoneType, UnionType
from typing import Any, TypeVar, Union

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn

from steps.domain import enums
from steps.domain.errors import MAX_PROBLEMS, InvalidDataError, Problem
from steps.domain.fields import value_problems

__all__ = ["CONVERTER", "register_enum", "structure", "unstructure"]

T = TypeVar("T")


class _PartialError(InvalidDataError):
    """Problems in some elements of a collection; ``partial`` holds the good elements and
    ``positions`` their original indices."""

    def __init__(
        self, problems: list[Problem], partial: tuple[Any, ...], positions: tuple[int, ...]
    ) -> None:
        super().__init__(problems)
        self.partial = partial
        self.positions = positions


#: Set by `structure` for one call: once a collection has gathered
#: `MAX_PROBLEMS` problems, every collection stops checking (a
#: document of a million broken records costs a thousand problems, not a million).
_STOPPED: ContextVar[list[bool] | None] = ContextVar("steps_structure_stopped", default=None)


def _stop() -> None:
    flag = _STOPPED.get()
    if flag is not None:
        flag[0] = True


def _stopping() -> bool:
    flag = _STOPPED.get()
    return flag is not None and flag[0]


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _fail(message: str) -> InvalidDataError:
    return InvalidDataError([Problem("", message)])


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        # JSON has one number type; 3.0 is the integer 3, but 3.5 is not.
        return int(value)
    raise _fail(f"must be an integer, got {_json_type(value)} {value!r:.40}")


def _structure_float(value: object, _: type) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number):
            return number
        raise _fail("must be a finite number")
    raise _fail(f"must be a number, got {_json_type(value)}")


def _structure_str(value: object, _: type) -> str:
    if isinstance(value, str):
        return value
    raise _fail(f"must be a string, got {_json_type(value)}")


def _structure_bool(value: object, _: type) -> bool:
    if isinstance(value, bool):
        return value
    raise _fail(f"must be true or false, got {_json_type(value)}")


def _structure_datetime(value: object, _: type) -> datetime:
    if not isinstance(value, str):
        raise _fail(f"must be an ISO 8601 date-time string, got {_json_type(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(f"must be an ISO 8601 date-time, got {value!r:.60}") from None
    # Each parse makes its own time zone: one per offset is kept instead (a million short
    # videos held 70 MB of identical zones).
    zone = moment.tzinfo
    if zone is not None:
        shared = _ZONES.setdefault(zone, zone)
        if shared is not zone:
            return moment.replace(tzinfo=shared)
    return moment


_ZONES: dict[tzinfo, tzinfo] = {}


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _structure_date(value: object, _: type) -> date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise _fail(f"must be a date as YYYY-MM-DD, got {value!r:.60}")
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise _fail(f"must be a valid date: {error}") from None


def _enum_hook(enum_type: type[enum.Enum]) -> Callable[[object, type], enum.Enum]:
    allowed = ", ".join(repr(m.value) for m in enum_type)

    def hook(value: object, _: type) -> enum.Enum:
        try:
            return enum_type(value)
        except (ValueError, TypeError):
            raise _fail(f"must be one of {allowed}, got {value!r:.60}") from None

    return hook


def _enum_value(member: enum.Enum) -> Any:
    return member.value


#: Every enumeration of the domain (a new one is picked up without an edit here).
_DOMAIN_ENUMS: tuple[type[enum.Enum], ...] = tuple(
    member
    for member in vars(enums).values()
    if isinstance(member, type)
    and issubclass(member, enum.Enum)
    and member.__module__ == enums.__name__
)


def _under(error: InvalidDataError, prefix: str) -> list[Problem]:
    return [p.under(prefix) for p in error.problems]


def _structure_value(value: object, type_: Any, path: str) -> Any:
    try:
        return CONVERTER.structure(value, type_)
    except InvalidDataError:
        raise
    except RecursionError:
        raise _fail("is nested too deeply") from None
    except Exception as error:  # a hook outside ours; report it, never crash
        raise _fail(f"invalid value ({type(error).__name__}: {error})") from None


def _is_optional(type_: Any) -> bool:
    return typing.get_origin(type_) in (Union, UnionType) and NoneType in typing.get_args(type_)


def _optional_hook(type_: Any) -> Callable[[object, type], Any]:
    inner = [a for a in typing.get_args(type_) if a is not NoneType]
    target = inner[0] if len(inner) == 1 else Union[tuple(inner)]  # noqa: UP007

    def hook(value: object, _: type) -> Any:
        if value is None:
            return None
        return _structure_value(value, target, "")

    return hook


def _is_tuple_of(type_: Any) -> bool:
    args = typing.get_args(type_)
    return typing.get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis


def _tuple_hook(type_: Any) -> Callable[[object, type], tuple[Any, ...]]:
    item_type = typing.get_args(type_)[0]

    def hook(value: object, _: type) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise _fail(f"must be an array, got {_json_type(value)}")
        items: list[Any] = []
        positions: list[int] = []
        problems: list[Problem] = []
        for index, element in enumerate(value):
            if len(problems) >= MAX_PROBLEMS:
                _stop()
            if _stopping():
                break
            try:
                items.append(_structure_value(element, item_type, ""))
                positions.append(index)
            except InvalidDataError as error:
                problems.extend(_under(error, f"[{index}]"))
        if problems:
            raise _PartialError(problems, tuple(items), tuple(positions))
        return tuple(items)

    return hook


def _is_mapping(type_: Any) -> bool:
    return typing.get_origin(type_) in (Mapping, dict)


def _mapping_hook(type_: Any) -> Callable[[object, type], Mapping[Any, Any]]:
    key_type, value_type = typing.get_args(type_)

    def hook(value: object, _: type) -> Mapping[Any, Any]:
        if not isinstance(value, dict):
            raise _fail(f"must be an object, got {_json_type(value)}")
        result: dict[Any, Any] = {}
        problems: list[Problem] = []
        for raw_key, raw_value in value.items():
            if len(problems) >= MAX_PROBLEMS:
                _stop()
            if _stopping():
                break
            try:
                key = _structure_value(raw_key, key_type, "")
            except InvalidDataError as error:
                problems.append(
                    Problem("", f"unknown key {raw_key!r:.60}: {error.problems[0].message}")
                )
                continue
            try:
                result[key] = _structure_value(raw_value, value_type, "")
            except InvalidDataError as error:
                problems.extend(_under(error, str(raw_key)))
        if problems:
            raise InvalidDataError(problems)
        return MappingProxyType(result)

    return hook


_INDEXED = re.compile(r"^([A-Za-z_]+)\[(\d+)\](.*)$")


def _restore_index(problem: Problem, positions: dict[str, tuple[int, ...]]) -> Problem:
    """Map an index into a partial collection back to the element's index in the input."""
    match = _INDEXED.match(problem.path)
    if match and match.group(1) in positions:
        name, index, rest = match.groups()
        original = positions[name][int(index)]
        return Problem(f"{name}[{original}]{rest}", problem.message, problem.line)
    return problem


_UNKNOWN_REFERENCE = re.compile(r"^unknown (\w+) ")
_COLLECTION_OF = {
    "account": "accounts",
    "product": "products",
    "stream": "streams",
    "collab": "talent_collabs",
}


def _refers_to_dropped(problem: Problem, partial_positions: dict[str, tuple[int, ...]]) -> bool:
    """A reference into a collection some of whose elements were malformed may point at one
    of them: that is not a new problem, the malformed element is already reported."""
    match = _UNKNOWN_REFERENCE.match(problem.message)
    return match is not None and _COLLECTION_OF.get(match.group(1), "") in partial_positions


def _validator_problem(error: ValueError | TypeError, names: set[str]) -> Problem:
    """A problem for a plain ``ValueError``/``TypeError`` raised while constructing an attrs
    object.  Some attrs validators pass the field as the second argument, others (and steps'
    own) start the message with the field's name, quoted or not (``"'size' must be > 0: 0"``,
    ``"score must lie in [0, 100], got 120"``)."""
    args = error.args
    if len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], attrs.Attribute):
        name = args[1].name
        message = args[0].removeprefix(f"'{name}' ").strip() or args[0]
        return Problem(name, message)
    text = str(error) or type(error).__name__
    head, _, rest = text.partition(" ")
    name = head.removeprefix("'").removesuffix("'")
    if name in names and rest:
        return Problem(name, rest)
    return Problem("", text)


def _attrs_hook(cls: type[T]) -> Callable[[object, type], T]:
    fields = attrs.fields(cls)  # type: ignore[arg-type]  # only called for attrs classes
    names = {f.name for f in fields}
    hints = typing.get_type_hints(cls)

    def hook(data: object, _: type) -> T:
        if not isinstance(data, dict):
            raise _fail(f"must be an object, got {_json_type(data)}")
        # An empty key still gets a path ('""'), so the problem says where it is.
        unknown = [key for key in data if key not in names]
        if len(unknown) > MAX_PROBLEMS:
            _stop()
        problems = [Problem(str(key) or '""', "unknown field") for key in unknown[:MAX_PROBLEMS]]
        kwargs: dict[str, Any] = {}
        constructible = True
        partial_positions: dict[str, tuple[int, ...]] = {}
        for field in fields:
            if field.name not in data:
                if field.default is attrs.NOTHING:
                    problems.append(Problem(field.name, "is required"))
                    constructible = False
                continue
            try:
                kwargs[field.name] = _structure_value(data[field.name], hints[field.name], "")
            except _PartialError as error:
                problems.extend(_under(error, field.name))
                kwargs[field.name] = error.partial
                partial_positions[field.name] = error.positions
            except InvalidDataError as error:
                problems.extend(_under(error, field.name))
                constructible = False
        if constructible and not _stopping():
            try:
                instance = cls(**kwargs)
            except InvalidDataError as error:
                for problem in error.problems:
                    if not _refers_to_dropped(problem, partial_positions):
                        problems.append(_restore_index(problem, partial_positions))
            except (ValueError, TypeError) as error:
                # An attrs validator (or __attrs_post_init__) of a class that does not raise
                # InvalidDataError itself: keep the field's name as the problem's path.
                problems.append(_validator_problem(error, names))
            else:
                if not problems:
                    return instance
        else:
            # The object cannot be built, but the fields that did structure still get their
            # range checks, so that every problem is reported in one pass.
            problems.extend(value_problems(cls, kwargs))
        raise InvalidDataError(problems)

    return hook


def _key_rank(key: object) -> tuple[int, int, str]:
    if isinstance(key, enum.Enum):
        return (0, type(key)._member_names_.index(key.name), "")
    return (1, 0, str(key))


def _unstructure_mapping(mapping: Mapping[Any, Any]) -> dict[Any, Any]:
    """Keys in a fixed order (an enum's declaration order): equal objects, equal text."""
    items = sorted(mapping.items(), key=lambda item: _key_rank(item[0]))
    return {CONVERTER.unstructure(k): CONVERTER.unstructure(v) for k, v in items}


def _unstructure_attrs_factory(cls: type) -> Callable[[Any], dict[str, Any]]:
    return make_dict_unstructure_fn(cls, CONVERTER, _cattrs_omit_if_default=True)


def _build() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True)
    # Each enum is registered by its own class: a StrEnum is a str subclass, and class
    # dispatch must find the enum's hook before the plain string's.
    for exact, hook in (
        (int, _structure_int),
        (float, _structure_float),
        (str, _structure_str),
        (bool, _structure_bool),
        (datetime, _structure_datetime),
        (date, _structure_date),
    ):
        converter.register_structure_hook(exact, hook)
    for enum_type in _DOMAIN_ENUMS:
        converter.register_structure_hook(enum_type, _enum_hook(enum_type))
        converter.register_unstructure_hook(enum_type, _enum_value)
    converter.register_structure_hook_factory(_is_optional, _optional_hook)
    converter.register_structure_hook_factory(_is_tuple_of, _tuple_hook)
    converter.register_structure_hook_factory(_is_mapping, _mapping_hook)
    converter.register_structure_hook_factory(attrs.has, _attrs_hook)

    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_unstructure_hook(MappingProxyType, _unstructure_mapping)
    converter.register_unstructure_hook_factory(_is_mapping, lambda _: _unstructure_mapping)
    converter.register_unstructure_hook_factory(attrs.has, _unstructure_attrs_factory)
    return converter


CONVERTER: cattrs.Converter = _build()


def register_enum(enum_type: type[enum.Enum]) -> None:
    """Make ``enum_type`` structure from its value (any other value is a problem naming the
    allowed ones) and unstructure to its value.  Needed for every enum outside the domain
    model, a ``StrEnum`` above all (it would otherwise be taken for a plain string)."""
    CONVERTER.register_structure_hook(enum_type, _enum_hook(enum_type))
    CONVERTER.register_unstructure_hook(enum_type, _enum_value)


def structure(data: object, cls: type[T]) -> T:
    """Build a model object of type ``cls`` from plain data.

    Raises `InvalidDataError` listing every problem.
    """
    flag = [False]
    token = _STOPPED.set(flag)
    try:
        return _structure_value(data, cls, "")  # type: ignore[no-any-return]
    except InvalidDataError as error:
        raise InvalidDataError(error.problems, omitted=error.omitted, stopped=flag[0]) from None
    finally:
        _STOPPED.reset(token)


def unstructure(obj: object) -> Any:
    """Plain data (dicts, lists, strings, numbers) for a model object; defaults are omitted."""
    return CONVERTER.unstructure(obj)
