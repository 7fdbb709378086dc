"""Import what merchant back offices export (CSV or Excel) into one dataset.

A back office (快手小店 / 生意通 / 磁力金牛 on Kuaishou, 抖店 / 罗盘 / 巨量百应 / 巨量千川 on
Douyin) exports each part of a merchant's data on its own: the live-session list, order
details, the product list, talent (达人) results, fan groups, paid-campaign reports.  A
*mapping profile* (a TOML file, kept as data) says which part an export is (its
``section``), maps each column header to a field of that part and says how to read its
cells: counts with 万/亿 units, money in yuan (``¥1,234.56``, ``1.2万``), percentages,
durations (``2小时30分``, ``02:30:00``), dates and date-times in a given format and time zone,
yes/no cells, and labels translated through a table the profile gives.  Profiles for the
Kuaishou and Douyin exports ship in ``steps/data/mappings``; users write their own without
code.

`import_exports` reads several exports into one brand: the profile of each is named
or detected from its headers (`detect_profile`), the records of all of them are put
together (accounts from the ids and names the exports carry), the references between them
are resolved (orders naming streams and products, talent results naming products), and the
brand declares which sections were provided and the dates each covers
(`SectionCoverage`).  `read_export` reads one export.

An import reports what it could and could not map: columns no profile entry knows, fields
no column provides, and every unreadable cell with its row and column.  Nothing is guessed:

* two columns of one export that fill the same field are read in the order the profile's
  ``[prefer]`` table declares (the column read and the one ignored are both reported); with
  no declared order, they are an error, never resolved by their place in the file;
* numbers use ``.`` as the decimal point and ``,`` only between thousands (``1,234,567.89``)
  unless the profile declares ``decimal = ","`` (then ``1.234.567,89``); an ambiguous
  number (``1.234,56`` under the default) is an error naming its row and column;
* a date-time format is checked when the profile loads (known directives, none twice, at
  most `MAX_FORMAT_LENGTH` characters);
* a column derived from others (GPM, conversion rates, ROI, 客单价, an average watch time
  beside the total) is not stored: it is checked against the columns it is computed from,
  allowing for the rounding of every cell involved, and a mismatch is a warning naming its
  row and column (an error under ``strict``);
* a reference no export of the bundle resolves (an order naming a stream the live-session
  export does not hold) is left out of its record and reported, never kept dangling and
  never dropped in silence (an error under ``strict``).

Excel files are read with limits checked before the work they bound: the unpacked size of
the archive (and each member's compression ratio, against zip bombs), the number of columns
of each row as it is read (the sheet's own ``dimension`` claim is ignored) and of rows.
Every problem, a corrupt file included, is an `InvalidDataError`.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import json
import re
import tomllib
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, Final, NamedTuple

import attrs

from steps.domain.enums import Platform, ProductRole, Section, TrafficSource
from steps.domain.errors import MAX_PROBLEMS, InvalidDataError, Problem
from steps.domain.model import (
    Account,
    Brand,
    Dataset,
    FanGroup,
    Order,
    PaidCampaign,
    Product,
    SectionCoverage,
    Stream,
    TalentCollab,
)
from steps.io.files import read_capped
from steps.report.escape import escape_control

__all__ = [
    "DETECTION_MARGIN",
    "IMPORTABLE_SECTIONS",
    "MAX_COLUMNS",
    "MAX_EXCEL_RATIO",
    "MAX_EXCEL_UNPACKED_BYTES",
    "MAX_EXPORT_BYTES",
    "MAX_FORMAT_LENGTH",
    "MAX_PROFILE_BYTES",
    "MAX_ROWS",
    "BundleResult",
    "Detection",
    "ExportFile",
    "FieldSpec",
    "ImportReport",
    "ImportResult",
    "MappingProfile",
    "builtin_profiles",
    "detect_profile",
    "import_exports",
    "load_profile",
    "read_export",
    "section_fields",
]

CELL_TYPES: Final = frozenset(
    {
        "text", "count", "money", "number", "rate", "duration", "per_viewer_duration",
        "datetime", "date", "boolean", "choice", "list", "period",
    }
)  # fmt: skip
MAX_ROWS: Final = 1_000_000
#: The most columns an export row may have (live-session lists have a few dozen).
MAX_COLUMNS: Final = 1_000
#: The largest export file read (it is read whole): 512 MiB, ample for `MAX_ROWS` rows.
MAX_EXPORT_BYTES: Final = 512 * 1024**2
#: The most an Excel file may unpack to (the sum of its archive members' sizes): 1 GiB,
#: ample for `MAX_ROWS` rows of a few dozen columns.
MAX_EXCEL_UNPACKED_BYTES: Final = 1024**3
#: The highest compression ratio of an Excel archive member over 1 MiB: sheets compress
#: about 15 to 1; a zip bomb, a thousand to 1.
MAX_EXCEL_RATIO: Final = 100
#: The longest date-time format a mapping profile may give.
MAX_FORMAT_LENGTH: Final = 64
#: The largest mapping profile read: a profile is a few kilobytes of TOML.
MAX_PROFILE_BYTES: Final = 1024**2
#: How far ahead of every other profile the detected one must be (in the share of its
#: fields whose column the export has): closer than this, the export is ambiguous.
DETECTION_MARGIN: Final = 0.1
#: The sections an export can fill, in the order a bundle is put together.
IMPORTABLE_SECTIONS: Final = (
    Section.STREAMS,
    Section.PRODUCTS,
    Section.TALENT_COLLABS,
    Section.ORDERS,
    Section.FAN_GROUPS,
    Section.PAID_CAMPAIGNS,
)


# -- what each section's exports can fill ------------------------------------------------------


@attrs.frozen
class FieldSpec:
    """A field an export of one section can fill, and the cells that can fill it.

    ``kind`` is ``text``, ``datetime``, ``date``, ``number``, ``boolean``, ``choice`` (one
    of ``choices``), ``list`` (of ids), ``period`` (two dates) or ``check``: a column
    derived from two others (``numerator × scale / denominator``), read only to be checked
    against them, with cells of type ``cell``.
    """

    kind: str
    choices: tuple[str, ...] = ()
    parts: tuple[str, str] | None = None
    scale: int = 1
    cell: str | None = None

    def formula(self, numerator: str, denominator: str) -> str:
        """How the derived value is computed, with the columns given for the parts."""
        scaled = f" × {self.scale}" if self.scale != 1 else ""
        return f"{numerator}{scaled} / {denominator}"


def _specs(kind: str, names: str) -> dict[str, FieldSpec]:
    return {name: FieldSpec(kind) for name in names.split()}


def _check(numerator: str, denominator: str, cell: str, scale: int = 1) -> FieldSpec:
    return FieldSpec("check", parts=(numerator, denominator), scale=scale, cell=cell)


_SOURCES: Final = tuple(s.value for s in TrafficSource)
_FIELDS: Final[Mapping[Section, Mapping[str, FieldSpec]]] = {
    Section.STREAMS: {
        **_specs("text", "stream_id account_id account_name campaign"),
        **_specs("datetime", "started_at"),
        **_specs(
            "number",
            "duration_seconds exposure uv views watch_seconds peak_concurrent comments likes "
            "shares new_followers fan_group_joins product_exposure_uv product_click_uv "
            "orders_created gmv_fen orders buyers refund_fen paid_spend_fen reservations "
            "first_minutes_uv",
        ),
        # 千次观看成交金额 (GPM), UV价值, 客单价, and the conversion rates of the funnel.
        "gpm_fen": _check("gmv_fen", "views", "money", 1000),
        "uv_value_fen": _check("gmv_fen", "uv", "money"),
        "average_order_value_fen": _check("gmv_fen", "buyers", "money"),
        "conversion_rate": _check("buyers", "uv", "rate"),
        "exposure_watch_rate": _check("uv", "exposure", "rate"),
        "product_click_rate": _check("product_click_uv", "product_exposure_uv", "rate"),
        "click_conversion_rate": _check("buyers", "product_click_uv", "rate"),
    },
    Section.ORDERS: {
        **_specs("text", "order_id line_id buyer_key product_id stream_id talent_id"),
        **_specs("datetime", "placed_at"),
        **_specs("number", "amount_fen quantity refunded_fen"),
        "traffic_source": FieldSpec("choice", choices=_SOURCES),
        "refund_status": FieldSpec("choice", choices=("none", "partial", "full")),
        "order_status": FieldSpec("choice", choices=("paid", "unpaid")),
        "fan_group_member": FieldSpec("boolean"),
    },
    Section.PRODUCTS: {
        **_specs("text", "product_id name category"),
        **_specs("number", "price_fen list_price_fen"),
        "role": FieldSpec("choice", choices=tuple(r.value for r in ProductRole)),
        "channel_exclusive": FieldSpec("boolean"),
        "bundle": FieldSpec("boolean"),
    },
    Section.TALENT_COLLABS: {
        **_specs("text", "collab_id talent_id talent_name"),
        **_specs(
            "number",
            "talent_followers streams gmv_fen commission_fen orders buyers audience_reached "
            "new_followers_for_brand fixed_fee_fen",
        ),
        **_specs("date", "started_on ended_on"),
        "period": FieldSpec("period"),
        "product_ids": FieldSpec("list"),
        "commission_rate": _check("commission_fen", "gmv_fen", "rate"),
        "average_order_value_fen": _check("gmv_fen", "buyers", "money"),
    },
    Section.FAN_GROUPS: {
        **_specs("text", "account_id account_name"),
        **_specs(
            "number",
            "members active_members new_members member_gmv_fen member_buyers "
            "member_repeat_buyers followers",
        ),
        "period": FieldSpec("period"),
        "active_rate": _check("active_members", "members", "rate"),
    },
    Section.PAID_CAMPAIGNS: {
        **_specs("text", "campaign_id name account_id account_name stream_id"),
        **_specs("date", "date started_on ended_on"),
        "period": FieldSpec("period"),
        **_specs("number", "spend_fen gmv_fen orders impressions clicks new_followers"),
        "roi": _check("gmv_fen", "spend_fen", "number"),
        "click_rate": _check("clicks", "impressions", "rate"),
    },
}

#: The fields an export may fill, whatever its section (see `section_fields`).
IMPORTABLE_FIELDS: Final = frozenset(f for fields in _FIELDS.values() for f in fields)

#: What each section's rows must give: every entry is met by one of its alternatives (a
#: set of fields all present).  ``period`` is also met by the period an import gives a file.
_REQUIRED: Final[Mapping[Section, tuple[tuple[tuple[str, ...], ...], ...]]] = {
    Section.STREAMS: (
        *(((field,),) for field in ("started_at", "duration_seconds", "uv", "watch_seconds")),
        *(((field,),) for field in ("orders", "buyers", "gmv_fen")),
        (("account_id",), ("account_name",)),
    ),
    Section.ORDERS: ((("order_id",),), (("buyer_key",),), (("placed_at",),), (("amount_fen",),)),
    Section.PRODUCTS: ((("product_id",),), (("name",),), (("category",),), (("price_fen",),)),
    Section.TALENT_COLLABS: (
        (("talent_id",),),
        (("talent_followers",),),
        (("streams",),),
        (("gmv_fen",),),
        (("commission_fen",),),
        (("orders",),),
        (("buyers",),),
        (("started_on", "ended_on"), ("period",)),
    ),
    Section.FAN_GROUPS: (
        (("account_id",), ("account_name",)),
        (("members",),),
        (("active_members",),),
    ),
    Section.PAID_CAMPAIGNS: (
        (("campaign_id",),),
        (("spend_fen",),),
        (("date",), ("started_on", "ended_on"), ("period",)),
    ),
}
#: The fields of the first alternative of every requirement: a row that has them all meets
#: every requirement (required fields are never ``None``: no choice or yes-or-no is required).
_PRIMARY: Final = {
    section: frozenset(f for alternatives in required for f in alternatives[0])
    for section, required in _REQUIRED.items()
}
#: The live-session list's required fields (kept for the callers that name them).
REQUIRED_FIELDS: Final = (
    "started_at", "duration_seconds", "uv", "watch_seconds", "orders", "buyers", "gmv_fen",
)  # fmt: skip
#: Ids made by the import when no column gives them; a row of a column that gives them must.
_GENERATED_IDS: Final = {Section.STREAMS: "stream_id", Section.TALENT_COLLABS: "collab_id"}
_NOUNS: Final = {
    Section.STREAMS: "stream",
    Section.ORDERS: "order",
    Section.PRODUCTS: "product",
    Section.TALENT_COLLABS: "talent collaboration",
    Section.FAN_GROUPS: "fan group",
    Section.PAID_CAMPAIGNS: "paid campaign",
}


def section_fields(section: Section) -> Mapping[str, FieldSpec]:
    """The fields an export of ``section`` can fill, each with the cells that fill it.
    ``KeyError`` for a section no export fills (plans, trust signals ...)."""
    return _FIELDS[section]


# -- mapping profiles --------------------------------------------------------------------------


@attrs.frozen
class ColumnRule:
    """How one column is read: the field it fills and the type of its cells.

    ``values`` translates the cells of a ``choice`` or ``boolean`` column (``"*"``: any
    other cell; a target of ``""``: unknown)."""

    field: str
    type: str
    format: str | None = None
    unit: str = "seconds"
    values: Mapping[str, object] | None = None


@attrs.frozen
class MappingProfile:
    """A named mapping from the column headers of one kind of export to the fields of one
    section of the model (``section``: streams, orders, products, talent_collabs,
    fan_groups or paid_campaigns).

    ``prefer`` lists, for a field more than one column can fill, those columns in the order
    they are read: when an export has several of them, the first present one is used.
    ``decimal`` is the decimal separator of the export's numbers (``"."`` or ``","``).
    """

    name: str
    platform: Platform
    columns: Mapping[str, ColumnRule]
    description: str = ""
    timezone: timezone = UTC
    prefer: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    decimal: str = "."
    section: Section = Section.STREAMS

    @property
    def fields(self) -> frozenset[str]:
        """The fields some column of the profile fills."""
        return frozenset(rule.field for rule in self.columns.values())


_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def _key(key: str) -> str:
    """``key`` as it reads in a path: quoted as TOML quotes it when it is empty or holds
    characters that would blur the path (dots, brackets, quotes, spaces)."""
    if key and key.isprintable() and not any(c in key for c in ".[]\"' \t"):
        return key
    return json.dumps(key, ensure_ascii=False)


_PROFILE_KEYS: Final = frozenset(
    {"name", "platform", "description", "timezone", "decimal", "section"}
)
_RULE_KEYS: Final = frozenset({"field", "type", "format", "unit", "values"})


def _parse_profile(document: Mapping[str, Any], source: str) -> MappingProfile:
    problems: list[Problem] = []
    head = document.get("profile")
    if not isinstance(head, dict):
        raise InvalidDataError([Problem("profile", "a [profile] table is required")], source)
    for key in sorted(set(document) - {"profile", "columns", "prefer"}):
        problems.append(Problem(_key(key), "unknown table"))
    for key in sorted(set(head) - _PROFILE_KEYS):
        problems.append(Problem(f"profile.{_key(key)}", "unknown key"))
    name = head.get("name")
    if not isinstance(name, str) or not name:
        problems.append(Problem("profile.name", "is required (a string)"))
    try:
        platform = Platform(str(head.get("platform")))
    except ValueError:
        allowed = ", ".join(repr(p.value) for p in Platform)
        problems.append(Problem("profile.platform", f"must be one of {allowed}"))
        platform = Platform.OTHER
    section = Section.STREAMS
    raw_section = head.get("section", Section.STREAMS.value)
    if isinstance(raw_section, str) and raw_section in {s.value for s in IMPORTABLE_SECTIONS}:
        section = Section(raw_section)
    else:
        allowed = ", ".join(repr(s.value) for s in IMPORTABLE_SECTIONS)
        problems.append(Problem("profile.section", f"must be one of {allowed}"))
    zone = UTC
    offset = head.get("timezone", "+00:00")
    match = _OFFSET.match(offset) if isinstance(offset, str) else None
    hours, minutes = (int(match.group(2)), int(match.group(3))) if match else (0, 0)
    if match is None or hours > 23 or minutes > 59:
        problems.append(
            Problem("profile.timezone", "must be a UTC offset from -23:59 to +23:59 such as +08:00")
        )
    else:
        sign = -1 if match.group(1) == "-" else 1
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    decimal = head.get("decimal", ".")
    if decimal not in (".", ","):
        problems.append(Problem("profile.decimal", "must be '.' or ','"))
        decimal = "."
    columns: dict[str, ColumnRule] = {}
    raw_columns = document.get("columns")
    if not isinstance(raw_columns, dict) or not raw_columns:
        problems.append(Problem("columns", "a non-empty [columns] table is required"))
        raw_columns = {}
    fields = _FIELDS[section]
    noun = _NOUNS[section]
    usable = _section_types(section)
    dated = [t for t in ("datetime", "date") if t in usable]
    for header, rule in raw_columns.items():
        path = f"columns.{_key(header)}"
        if not isinstance(rule, dict):
            problems.append(
                Problem(path, "must be a table such as { field = 'uv', type = 'count' }")
            )
            continue
        for key in sorted(set(rule) - _RULE_KEYS):
            problems.append(Problem(f"{path}.{_key(key)}", "unknown key"))
        field, kind = rule.get("field"), rule.get("type")
        spec = fields.get(field) if isinstance(field, str) else None
        if spec is None:
            problems.append(Problem(f"{path}.field", f"unknown {noun} field {field!r:.60}"))
        if not isinstance(kind, str) or kind not in usable:
            problems.append(Problem(f"{path}.type", f"must be one of {', '.join(usable)}"))
        elif isinstance(field, str) and spec is not None:
            mismatch = _type_mismatch(field, spec, kind)
            if mismatch:
                problems.append(Problem(f"{path}.type", mismatch))
        unit = rule.get("unit", "seconds")
        if unit not in ("seconds", "minutes"):
            problems.append(Problem(f"{path}.unit", "must be 'seconds' or 'minutes'"))
        fmt = rule.get("format")
        if fmt is not None:
            reason = (
                "must be a strptime format string"
                if not isinstance(fmt, str)
                else f"applies to {' and '.join(dated)} columns only"
                if kind not in dated
                else _format_problem(fmt)
            )
            if reason is not None:
                problems.append(Problem(f"{path}.format", reason))
        values = _parse_values(rule.get("values"), kind, spec, f"{path}.values", problems)
        if isinstance(field, str) and isinstance(kind, str):
            columns[header.strip()] = ColumnRule(field, kind, fmt, unit, values)
    prefer = _parse_prefer(document.get("prefer", {}), columns, section, problems)
    if problems:
        raise InvalidDataError(problems, source)
    assert isinstance(name, str)  # noqa: S101  # checked above: problems would have raised
    return MappingProfile(
        name=name,
        platform=platform,
        columns=columns,
        description=str(head.get("description", "")),
        timezone=zone,
        prefer=prefer,
        decimal=decimal,
        section=section,
    )


def _parse_values(
    table: object, kind: object, spec: FieldSpec | None, path: str, problems: list[Problem]
) -> Mapping[str, object] | None:
    """The ``values`` table of a choice or boolean column: cell text → the field's value."""
    if kind == "choice" and table is None:
        problems.append(Problem(path, "a choice column needs a values table"))
        return None
    if table is None:
        return None
    if kind not in ("choice", "boolean"):
        problems.append(Problem(path, "applies to choice and boolean columns only"))
        return None
    if not isinstance(table, dict) or not table:
        problems.append(Problem(path, "must be a non-empty table of cell = value"))
        return None
    values: dict[str, object] = {}
    for cell, target in table.items():
        if kind == "boolean":
            valid = isinstance(target, bool) or target == ""
            expected = "true, false or '' (unknown)"
        else:
            choices = spec.choices if spec is not None else ()
            valid = isinstance(target, str) and (target == "" or target in choices)
            expected = f"one of {', '.join(repr(c) for c in choices)} or '' (unknown)"
        if not valid:
            problems.append(Problem(f"{path}.{_key(cell)}", f"must be {expected}"))
            continue
        values[cell.strip()] = None if target == "" else target
    return values


def _parse_prefer(
    table: object,
    columns: Mapping[str, ColumnRule],
    section: Section,
    problems: list[Problem],
) -> dict[str, tuple[str, ...]]:
    """The ``[prefer]`` table: field → the columns filling it, in the order they are read."""
    if not isinstance(table, dict):
        problems.append(Problem("prefer", "must be a table of field = [column, ...]"))
        return {}
    prefer: dict[str, tuple[str, ...]] = {}
    for field, order in table.items():
        path = f"prefer.{_key(field)}"
        if field not in _FIELDS[section]:
            problems.append(Problem(path, f"unknown {_NOUNS[section]} field {field!r:.60}"))
            continue
        if not isinstance(order, list) or not all(isinstance(h, str) for h in order):
            problems.append(Problem(path, "must be a list of column headers"))
            continue
        headers = [h.strip() for h in order]
        filling = sorted(h for h, rule in columns.items() if rule.field == field)
        if len(set(headers)) != len(headers):
            problems.append(Problem(path, "names a column twice"))
        strangers = [h for h in headers if h not in filling]
        if strangers:
            problems.append(
                Problem(path, f"names columns that do not fill {field}: {', '.join(strangers)}")
            )
        left_out = [h for h in filling if h not in headers]
        if left_out:
            problems.append(
                Problem(path, f"leaves out columns that fill {field}: {', '.join(left_out)}")
            )
        prefer[field] = tuple(headers)
    return prefer


#: The directives of `datetime.strptime` (``%%`` included).
_DIRECTIVES: Final = frozenset("aAwdbBmyYHIpMSfzZjUWcxXGuV%")


def _format_problem(fmt: str) -> str | None:
    """Why ``fmt`` is not a date-time format a column can use (``None``: it is): longer than
    `MAX_FORMAT_LENGTH`, an unknown or unfinished directive, or a directive given
    twice (``%c``, ``%x`` and ``%X`` count as the directives they stand for)."""
    if len(fmt) > MAX_FORMAT_LENGTH:
        return f"must be at most {MAX_FORMAT_LENGTH} characters, got {len(fmt)}"
    if not fmt.strip():
        return "must not be empty"
    index = 0
    while index < len(fmt):
        if fmt[index] != "%":
            index += 1
            continue
        directive = fmt[index + 1 : index + 2]
        if not directive:
            return "ends with a lone '%' (write '%%' for a percent sign)"
        if directive not in _DIRECTIVES:
            return f"has an unknown directive %{directive} (see Python's strptime directives)"
        index += 2
    try:
        datetime.strptime("", fmt)
    except re.error:
        return "gives a directive twice"
    except ValueError:
        pass  # "" does not match the format: the format itself is fine
    return None


_NUMBER_TYPES: Final = ("count", "money", "rate", "duration", "per_viewer_duration")
#: The cell types of each kind of field (``number`` fields: see `_type_mismatch`).
_KIND_TYPES: Final = {
    "text": ("text",),
    "datetime": ("datetime",),
    "date": ("date", "datetime"),
    "boolean": ("boolean",),
    "choice": ("choice",),
    "list": ("list",),
    "period": ("period",),
}
_KIND_NAMES: Final = {
    "text": "is read from text",
    "datetime": "is a date-time",
    "date": "is a date",
    "boolean": "is yes or no",
    "choice": "is one of a set of values",
    "list": "is a list of ids",
    "period": "is a period of two dates",
}


def _section_types(section: Section) -> tuple[str, ...]:
    """The cell types some field of ``section`` can be read from, sorted."""
    types: set[str] = set()
    for field, spec in _FIELDS[section].items():
        if spec.kind == "check":
            types.add(str(spec.cell))
        elif spec.kind == "number":
            types.update(t for t in _NUMBER_TYPES if not _type_mismatch(field, spec, t))
        else:
            types.update(_KIND_TYPES[spec.kind])
    return tuple(sorted(types))


def _type_mismatch(field: str, spec: FieldSpec, kind: str) -> str | None:
    """Why cells of type ``kind`` cannot fill ``field`` (``None``: they can)."""

    def use(types: Sequence[str]) -> str:
        return " or ".join(f"'{t}'" for t in types)

    if spec.kind == "check":
        assert spec.cell is not None  # noqa: S101  # every check declares its cells
        if kind == spec.cell:
            return None
        return f"{field} is derived and checked as {spec.cell}: use type '{spec.cell}'"
    if spec.kind == "number":
        if kind == "per_viewer_duration" and field != "watch_seconds":
            return "per_viewer_duration fills watch_seconds only"
        if kind in _NUMBER_TYPES:
            return None
        return f"{field} is a number: use count, money, duration, per_viewer_duration or rate"
    allowed = _KIND_TYPES[spec.kind]
    if kind in allowed:
        return None
    return f"{field} {_KIND_NAMES[spec.kind]}: use type {use(allowed)}"


def load_profile(path: str | Path) -> MappingProfile:
    """Read a mapping profile from a TOML file; every problem is reported with its key."""
    try:
        raw = read_capped(path, MAX_PROFILE_BYTES)
    except OSError as error:
        raise InvalidDataError(
            [Problem("", f"cannot read: {error.strerror or error}")], str(path)
        ) from None
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise InvalidDataError(
            [Problem("", f"not valid UTF-8 at byte {error.start}")], str(path)
        ) from None
    except ValueError as error:  # TOMLDecodeError, or an integer of over 4300 digits
        raise InvalidDataError([Problem("", f"not valid TOML: {error}")], str(path)) from None
    except RecursionError:
        raise InvalidDataError(
            [Problem("", "not valid TOML: nested too deeply")], str(path)
        ) from None
    return _parse_profile(document, str(path))


def builtin_profiles() -> dict[str, MappingProfile]:
    """The profiles that ship with steps, by name."""
    profiles = {}
    folder = resources.files("steps") / "data" / "mappings"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            profile = _parse_profile(tomllib.loads(entry.read_text(encoding="utf-8")), entry.name)
            profiles[profile.name] = profile
    return profiles


# -- detection ---------------------------------------------------------------------------------


@attrs.frozen
class Detection:
    """How well a profile fits an export's header: ``matched`` of the ``fields`` it maps
    have a column in the export."""

    profile: str
    matched: int
    fields: int
    #: Several platforms' profiles fit as well; the platform of the other exports decided.
    by_platform: bool = False

    @property
    def share(self) -> float:
        return self.matched / self.fields if self.fields else 0.0

    def __str__(self) -> str:
        return f"{self.profile} ({self.matched} of {self.fields} fields)"


def _missing_requirements(
    section: Section, provided: Iterable[str], *, has_period: bool = False
) -> list[tuple[str, ...]]:
    """The requirements of ``section`` that fields ``provided`` do not meet, each as its
    alternatives' fields (the first alternative first)."""
    present = set(provided)
    if has_period:
        present.add("period")
    return [
        tuple(f for option in alternatives for f in option)
        for alternatives in _REQUIRED[section]
        if _unmet(alternatives, present)
    ]


def _unmet(alternatives: Sequence[Sequence[str]], present: Container[str]) -> bool:
    """Whether no alternative of a requirement is met by the fields ``present``."""
    return not any(all(f in present for f in option) for option in alternatives)


def detect_profile(
    header: Sequence[str],
    profiles: Iterable[MappingProfile],
    *,
    source: str | None = None,
    has_period: bool = False,
    platform: Platform | None = None,
) -> tuple[MappingProfile, Detection]:
    """The profile that reads an export with this ``header``: of the profiles whose every
    required field has a column, the one with the largest share of its fields present,
    provided it leads every other by at least `DETECTION_MARGIN`.  When the profiles
    that fit about as well are one export of several platforms, the one of ``platform``
    (the platform of the other exports of a bundle) is taken.

    Raises `InvalidDataError` when no profile can read the export (naming the best
    and what it lacks) or when several fit about as well (naming them all: name one with
    ``--profile FILE=NAME``)."""
    present = {h.strip() for h in header}
    scored: list[tuple[MappingProfile, Detection, list[tuple[str, ...]]]] = []
    for profile in profiles:
        found = {rule.field for h, rule in profile.columns.items() if h in present}
        detection = Detection(profile.name, len(found), len(profile.fields))
        lacking = _missing_requirements(profile.section, found, has_period=has_period)
        scored.append((profile, detection, lacking))
    scored.sort(key=lambda item: (-item[1].share, item[1].profile))
    readable = [item for item in scored if not item[2]]
    if not readable:
        near = [item for item in scored if item[1].matched][:3]
        if not near:
            reason = "no profile knows any of its columns"
        else:
            reason = "no profile finds every column it needs: " + "; ".join(
                f"{d} lacks {', '.join(' or '.join(r) if len(r) > 1 else r[0] for r in lacking)}"
                for _, d, lacking in near
            )
        raise InvalidDataError(
            [Problem("", f"{reason} (name a profile, or write one: see --list-profiles)", 1)],
            source,
        )
    best = readable[0]
    rivals = [item for item in readable[1:] if item[1].share > best[1].share - DETECTION_MARGIN]
    if not rivals:
        return best[0], best[1]
    tied = [best, *rivals]
    if platform is not None and len({item[0].section for item in tied}) == 1:
        # The same export of several platforms (a product list is a product list): the
        # platform of the bundle's other exports decides.
        same = [item for item in tied if item[0].platform is platform]
        if len(same) == 1:
            return same[0][0], attrs.evolve(same[0][1], by_platform=True)
    listed = ", ".join(str(d) for _, d, _ in tied)
    raise _AmbiguousError(
        [
            Problem(
                "",
                f"the headers fit several profiles about as well: {listed}; "
                "name the one to use (--profile FILE=NAME)",
                1,
            )
        ],
        source,
        profiles=tuple(item[0] for item in tied),
    )


class _AmbiguousError(InvalidDataError):
    """An export several profiles fit about as well (``profiles``)."""

    def __init__(
        self,
        problems: Iterable[Problem],
        source: str | None = None,
        *,
        profiles: tuple[MappingProfile, ...] = (),
    ) -> None:
        super().__init__(problems, source)
        self.profiles = profiles


# -- cells -------------------------------------------------------------------------------------
# Every parser takes a non-empty cell (a string, or a number or datetime from Excel) and
# returns the field's value or raises ValueError with a reader-facing message.  The numeric
# parsers also give the half-width of the cell's last written digit (``3.2万``: 500), the
# rounding a derived column is checked with.

_UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
#: A number as exports write it, for each decimal separator: digits, or thousands groups
#: (``1,234,567`` / ``1.234.567``), then an optional fraction and a 万/亿 unit.
_NUMBERS: Final = {
    ".": re.compile(r"^([+-]?)(\d+|\d{1,3}(?:,\d{3})+)(?:\.(\d+))?(万|亿)?$"),
    ",": re.compile(r"^([+-]?)(\d+|\d{1,3}(?:\.\d{3})+)(?:,(\d+))?(万|亿)?$"),
}
_EXAMPLES: Final = {".": "1,234,567.89", ",": "1.234.567,89"}
_HALF: Final = Decimal("0.5")
_ONE: Final = Decimal(1)
_EMPTY: Final = frozenset({"", "-", "--"})


def _number(cell: object, decimal: str = ".") -> tuple[Decimal, int, Decimal]:
    """The number in ``cell``, the decimal places it is written with and its unit (万, 亿):
    a number from Excel, or text with the profile's ``decimal`` separator, thousands
    separators only between groups of three digits, an optional ``¥``, a 万/亿 unit and a
    元/人/次 suffix."""
    if isinstance(cell, bool):
        raise ValueError("must be a number")
    if isinstance(cell, int):
        return Decimal(cell), 0, _ONE
    if isinstance(cell, float):
        value = Decimal(str(cell))
        if not value.is_finite():
            raise ValueError(f"must be a number, got {cell!r:.40}")
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)  # noqa: S101  # finite: an integer exponent
        return value, max(-exponent, 0), _ONE
    text = str(cell).strip().replace("，", ",")
    if text[:1] in ("¥", "￥"):
        text = text[1:]
    text = text.removesuffix("元").removesuffix("人").removesuffix("次").strip()
    match = _NUMBERS[decimal].match(text)
    if match is None:
        raise ValueError(
            f"must be a number written like {_EXAMPLES[decimal]} (万 and 亿 allowed), "
            f"got {cell!r:.40}"
        )
    sign, whole, fraction, unit = match.groups()
    digits = whole.replace("," if decimal == "." else ".", "")
    try:
        value = Decimal(f"{sign}{digits}.{fraction or 0}")
    except InvalidOperation:
        raise ValueError(f"must be a number, got {cell!r:.40}") from None
    if unit:
        scale = _UNITS[unit]
        return value * scale, len(fraction or ""), scale
    return value, len(fraction or ""), _ONE


def _measured(cell: object, decimal: str = ".") -> tuple[Decimal, Decimal]:
    """The number in ``cell`` and half the unit of its last written digit."""
    value, places, scale = _number(cell, decimal)
    return value, _HALF.scaleb(-places) * scale


#: Far beyond any count or amount the model accepts (10^15): a larger cell is refused before
#: it is rounded, where it would overflow the decimal context's precision.
_LARGEST_CELL: Final = Decimal(10) ** 18


def _whole(value: Decimal, cell: object) -> int:
    """``value`` rounded to the nearest integer (half to even)."""
    if value.copy_abs() > _LARGEST_CELL:
        raise ValueError(f"is too large, got {cell!r:.40}")
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _rate_measured(cell: object, decimal: str = ".") -> tuple[Decimal, Decimal]:
    text = str(cell).strip()
    if text.endswith("%"):
        value, places, scale = _number(text[:-1], decimal)
        value, places = value / 100, places + 2
    else:
        value, places, scale = _number(cell, decimal)
    if not 0 <= value <= 1:
        raise ValueError(f"must be a rate in [0, 1] or a percentage, got {cell!r:.40}")
    return value, _HALF.scaleb(-places) * scale


_MONEY: Final = ColumnRule("amount", "money")
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")
_CHINESE_DURATION = re.compile(
    r"^(?:(\d+(?:\.\d+)?)(?:小时|时))?(?:(\d+(?:\.\d+)?)(?:分钟|分))?(?:(\d+(?:\.\d+)?)秒)?$"
)
_PART_SECONDS: Final = (3600, 60, 1)


def _seconds(cell: object, unit: str, decimal: str = ".") -> tuple[Decimal, Decimal]:
    """A duration in seconds, and half the unit of its last written part."""
    text = str(cell).strip().replace(" ", "")
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes, seconds = clock.groups()
        return Decimal(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)), _HALF
    chinese = _CHINESE_DURATION.match(text.replace(",", ".") if decimal == "," else text)
    if chinese and any(chinese.groups()):
        parts = chinese.groups()
        total = sum(
            (Decimal(p) * s for p, s in zip(parts, _PART_SECONDS, strict=True) if p),
            Decimal(0),
        )
        last = max(i for i, p in enumerate(parts) if p)
        places = len(str(parts[last]).partition(".")[2])
        return total, _HALF.scaleb(-places) * _PART_SECONDS[last]
    value, half = _measured(cell, decimal)
    return (value * 60, half * 60) if unit == "minutes" else (value, half)


def _numeric(cell: object, rule: ColumnRule, decimal: str) -> tuple[Decimal, Decimal]:
    """A numeric cell in the field's units (fen, seconds, a fraction for rates), unrounded,
    and the half-width of its rounding; negative amounts and durations are refused."""
    if rule.type == "rate":
        return _rate_measured(cell, decimal)
    if rule.type in ("duration", "per_viewer_duration"):
        value, half = _seconds(cell, rule.unit, decimal)
        if value < 0:
            raise ValueError(f"must be a duration >= 0, got {cell!r:.40}")
        return value, half
    value, half = _measured(cell, decimal)
    if value < 0 and rule.type in ("count", "money"):
        raise ValueError(f"must be >= 0, got {cell!r:.40}")
    return (value * 100, half * 100) if rule.type == "money" else (value, half)


def _value(cell: object, rule: ColumnRule, decimal: str = ".") -> Decimal:
    """`_numeric` without the rounding's width: the path every numeric cell of an
    import takes."""
    kind = rule.type
    if kind == "rate":
        return _rate_measured(cell, decimal)[0]
    if kind in ("duration", "per_viewer_duration"):
        value = _seconds(cell, rule.unit, decimal)[0]
        if value < 0:
            raise ValueError(f"must be a duration >= 0, got {cell!r:.40}")
        return value
    value = _number(cell, decimal)[0]
    if value < 0 and kind in ("count", "money"):
        raise ValueError(f"must be >= 0, got {cell!r:.40}")
    return value * 100 if kind == "money" else value


def _money_fen(cell: object, decimal: str = ".") -> int:
    """An amount in yuan as exports write it (``¥1,234.56``, ``1.2万``), in fen; a negative
    amount is refused.  (Also the reader of amounts typed on the command line.)"""
    return _whole(_value(cell, _MONEY, decimal), cell)


def _text(cell: object) -> str:
    # Excel may hold an id as a number: 7012345678901, never "7012345678901.0".
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


_DATE_TEXT: Final = (
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{4})(\d{2})(\d{2})"
)
#: A date, perhaps followed by a time of day (exports write ``2021-09-01 00:00:00``).
_DATE: Final = re.compile(rf"^(?:{_DATE_TEXT})(?:\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?$")
_PERIOD: Final = re.compile(rf"^({_DATE_TEXT})\s*(?:~|～|至|到|—|–|-)\s*({_DATE_TEXT})$")


def _date_of(match: Sequence[str | None]) -> date:
    year, month, day = match[:3] if match[0] is not None else match[3:6]
    return date(int(year or 0), int(month or 0), int(day or 0))


def _date(cell: object, fmt: str | None) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = str(cell).strip()
    try:
        if fmt:
            return datetime.strptime(text, fmt).date()
        match = _DATE.match(text)
        if match is None:
            raise ValueError(text)
        return _date_of(match.groups())
    except ValueError:
        expected = f"in the format {fmt}" if fmt else "such as 2021-09-01"
        raise ValueError(f"must be a date {expected}, got {cell!r:.40}") from None


def _period(cell: object) -> tuple[date, date]:
    match = _PERIOD.match(str(cell).strip())
    try:
        if match is None:
            raise ValueError(cell)
        groups = match.groups()
        start, end = _date_of(groups[1:7]), _date_of(groups[8:14])
    except ValueError:
        raise ValueError(
            f"must be a period such as 2021-09-01~2021-09-30, got {cell!r:.40}"
        ) from None
    if end < start:
        raise ValueError(f"ends before it starts, got {cell!r:.40}")
    return start, end


_TRUE: Final = frozenset({"是", "y", "yes", "true", "1", "√", "✓"})
_FALSE: Final = frozenset({"否", "n", "no", "false", "0", "×", "✗"})


def _boolean(cell: object, values: Mapping[str, object] | None) -> bool | None:
    if values is not None:
        return _chosen(cell, values)  # type: ignore[return-value]  # checked at load
    if isinstance(cell, bool):
        return cell
    text = _text(cell).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"must be yes or no (是/否, Y/N, 1/0), got {cell!r:.40}")


def _chosen(cell: object, values: Mapping[str, object]) -> object:
    text = _text(cell)
    if text in values:
        return values[text]
    if "*" in values:
        return values["*"]
    known = ", ".join(v for v in values if v != "*")
    raise ValueError(f"is not a value the profile knows ({known:.200}), got {cell!r:.40}")


_LIST_SEPARATORS: Final = re.compile(r"[,，、;；|\s]+")


def _ids(cell: object) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for p in _LIST_SEPARATORS.split(_text(cell)) if p))


def _datetime(cell: object, fmt: str | None, zone: timezone) -> datetime:
    if isinstance(cell, datetime):
        moment = cell
    else:
        text = str(cell).strip()
        try:
            moment = datetime.strptime(text, fmt) if fmt else datetime.fromisoformat(text)
        except ValueError:
            expected = f" in the format {fmt}" if fmt else " (ISO 8601)"
            raise ValueError(f"must be a date-time{expected}, got {cell!r:.40}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _cell(cell: object, rule: ColumnRule, zone: timezone, decimal: str = ".") -> object:
    kind = rule.type
    if kind == "text":
        return _text(cell)
    if kind in ("count", "money", "duration"):
        return _whole(_value(cell, rule, decimal), cell)
    if kind in ("rate", "number"):
        return float(_value(cell, rule, decimal))
    if kind == "datetime":
        return _datetime(cell, rule.format, zone)
    if kind == "date":
        return _date(cell, rule.format)
    if kind == "boolean":
        return _boolean(cell, rule.values)
    if kind == "choice":
        assert rule.values is not None  # noqa: S101  # a choice column has values (load)
        return _chosen(cell, rule.values)
    if kind == "list":
        return _ids(cell)
    if kind == "period":
        return _period(cell)
    raise ValueError(f"unknown cell type {kind!r}")


# -- reports -----------------------------------------------------------------------------------


@attrs.frozen
class ImportReport:
    """What the import of one export could and could not map.

    ``mapped`` is each column read → the field it filled; ``ignored`` each column that
    could fill a field another column filled instead → that column (the profile prefers
    it, see `MappingProfile.prefer`); ``checked`` each derived column → what it was
    checked against; ``unchecked`` each derived column that could not be checked → why.
    ``missing_fields`` are the fields the profile knows that no column of the export
    gives.  ``rows`` counts the rows read into records, ``skipped`` the rows left out by
    reason (an order not paid); ``records`` counts the records made (the lines of one order
    make one).  ``start``..``end`` are the dates the export covers (its ``period`` when one
    was given, else the dates of its records).  ``warnings`` are derived columns that do
    not match their parts and references left unresolved; ``notes`` what else a reader
    should know (cells a profile's ``"*"`` entry read).
    """

    profile: str
    mapped: Mapping[str, str]
    unknown_columns: tuple[str, ...]
    missing_fields: tuple[str, ...]
    rows: int
    generated_ids: bool
    ignored: Mapping[str, str] = attrs.field(factory=dict)
    section: Section = Section.STREAMS
    detected: Detection | None = None
    checked: Mapping[str, str] = attrs.field(factory=dict)
    unchecked: Mapping[str, str] = attrs.field(factory=dict)
    skipped: Mapping[str, int] = attrs.field(factory=dict)
    records: int = 0
    start: date | None = None
    end: date | None = None
    warnings: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        how = ""
        if self.detected is not None:
            how = f", detected: {self.detected.matched} of {self.detected.fields} fields"
            if self.detected.by_platform:
                how += " and the platform of the other exports"
        records = "" if self.records == self.rows else f" ({self.records} {self.section.value})"
        out = [
            f"profile {escape_control(self.profile)} ({self.section.value}{how}): "
            f"{self.rows} rows{records}"
        ]
        out.append("mapped: " + ", ".join(f"{_shown(h)} → {f}" for h, f in self.mapped.items()))
        for column, against in self.checked.items():
            out.append(f"checked: {_shown(column)} against {against}")
        for column, used in self.ignored.items():
            field = self.mapped[used]
            out.append(
                f"ignored: {_shown(column)} ({field} is read from {_shown(used)}, which the "
                "profile prefers)"
            )
        for column, why in self.unchecked.items():
            out.append(f"not checked (ignored): {_shown(column)} ({why})")
        if self.unknown_columns:
            out.append("not mapped (ignored): " + ", ".join(map(_shown, self.unknown_columns)))
        if self.missing_fields:
            out.append("no column for: " + ", ".join(self.missing_fields))
        if self.generated_ids:
            field = _GENERATED_IDS.get(self.section, "id")
            how = (
                "account and start time"
                if self.section is Section.STREAMS
                else "talent and start date"
            )
            out.append(f"no {field.replace('_', ' ')} column: ids were made from {how}")
        for reason, count in self.skipped.items():
            out.append(f"skipped: {_rows(count)} ({reason})")
        if self.start is not None and self.end is not None:
            out.append(f"dates: {self.start}..{self.end}")
        out.extend(f"note: {escape_control(note)}" for note in self.notes)
        out.extend(f"warning: {escape_control(str(w))}" for w in self.warnings)
        return out


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _records(count: int, section: Section) -> str:
    noun = _NOUNS[section]
    return f"1 {noun}" if count == 1 else f"{count} {noun}s"


def _name(count: int) -> str:
    return "names" if count == 1 else "name"


def _shown(header: str) -> str:
    """A column header as a report line shows it: on one line, control characters escaped."""
    return escape_control(header)


@attrs.frozen
class ImportResult:
    """One export read into a one-brand dataset, and what the import could map."""

    dataset: Dataset
    report: ImportReport


@attrs.frozen
class ExportFile:
    """An export to import: its path, the profile that reads it (``None``: detected from
    its headers among the candidates `import_exports` is given) and the dates it
    covers, when known (``None``: the dates of its records)."""

    path: str | Path
    profile: MappingProfile | None = None
    period: tuple[date, date] | None = None


@attrs.frozen
class BundleResult:
    """Exports read into one brand: the dataset and each file's report, in the order
    given."""

    dataset: Dataset
    files: tuple[tuple[str, ImportReport], ...]

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(w for _, report in self.files for w in report.warnings)


Rows = Iterator[tuple[int, Sequence[object]]]


def _read_table(path: Path) -> tuple[list[str], Rows]:
    """The header of the export and an iterator of ``(line, row)``: the file's physical line
    for CSV (the header is line 1; a quoted cell may span lines), the sheet's row number for
    Excel."""
    raw = read_capped(path, MAX_EXPORT_BYTES)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_excel(raw, str(path))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise InvalidDataError([Problem("", "not UTF-8 or GB18030 text")], str(path))
    del raw
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = _csv_rows(reader, str(path))
    try:
        _, header = next(rows)
    except StopIteration:
        raise InvalidDataError(
            [Problem("", "empty file: expected a header row")], str(path)
        ) from None
    return [str(h).strip() for h in header], rows


def _csv_rows(reader: Any, source: str) -> Rows:
    """``(line, row)`` of each CSV row, ``line`` the physical line the row starts on; a
    malformed row (a cell longer than the csv module's field size limit) raises
    `InvalidDataError` with its line."""
    ended = 0  # the line the previous row ended on
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InvalidDataError(
                [Problem("", f"not valid CSV: {error}", ended + 1)], source
            ) from None
        start, ended = ended + 1, reader.line_num
        yield start, row


class _ExcelError(Exception):
    """Anything a spreadsheet library raised on a file it could not read."""


def _excel_problem(error: BaseException) -> str:
    text = " ".join(str(error).split())
    text = text if len(text) <= 200 else text[:199] + "…"
    return f"not a valid Excel file (.xlsx): {type(error).__name__}" + (f": {text}" if text else "")


def _check_archive(raw: bytes, source: str) -> None:
    """Refuse, before any member is unpacked, an archive that is not a zip file or unpacks
    to more than `MAX_EXCEL_UNPACKED_BYTES` or has a member compressed more than
    `MAX_EXCEL_RATIO` to 1.  (`zipfile` then reads no member beyond the size it
    declares: the bytes actually unpacked are capped too.)"""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except Exception as error:  # BadZipFile, and what a forged directory raises
        raise InvalidDataError([Problem("", _excel_problem(error))], source) from None
    total = sum(m.file_size for m in members)
    if total > MAX_EXCEL_UNPACKED_BYTES:
        raise InvalidDataError(
            [
                Problem(
                    "",
                    f"not a valid Excel file (.xlsx): it unpacks to {total} bytes; the limit "
                    f"is {MAX_EXCEL_UNPACKED_BYTES}",
                )
            ],
            source,
        )
    for member in members:
        if member.file_size > 1024**2 and member.file_size > MAX_EXCEL_RATIO * max(
            member.compress_size, 1
        ):
            raise InvalidDataError(
                [
                    Problem(
                        "",
                        f"not a valid Excel file (.xlsx): {member.filename!r:.80} is compressed "
                        f"{member.file_size // max(member.compress_size, 1)} to 1 (more than "
                        f"{MAX_EXCEL_RATIO} to 1: a zip bomb)",
                    )
                ],
                source,
            )


def _read_excel(raw: bytes, source: str) -> tuple[list[str], Rows]:
    try:
        import openpyxl  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise InvalidDataError(
            [Problem("", "reading Excel needs openpyxl: pip install 'steps-commerce[excel]'")],
            source,
        ) from None
    _check_archive(raw, source)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not read: not our concern.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
            sheet = book.active
            if sheet is None:
                raise InvalidDataError([Problem("", "the workbook has no sheet")], source)
            # The sheet's <dimension> is a claim, not a fact: a forged A1:XFD1048576 would
            # pad every row to 16,384 cells.  Rows are read as they are.
            sheet.reset_dimensions()
            rows = _sheet_rows(sheet.iter_rows(values_only=True), source)
            header = next(rows, None)
    except InvalidDataError:
        raise
    except Exception as error:
        raise InvalidDataError([Problem("", _excel_problem(error))], source) from None
    if header is None:
        raise InvalidDataError([Problem("", "empty sheet: expected a header row")], source)
    return [str(h or "").strip() for h in header[1]], rows


def _sheet_rows(rows: Iterator[tuple[object, ...]], source: str) -> Rows:
    """``(row number, cells)`` of each sheet row; a row of more than `MAX_COLUMNS`
    cells, or any error of the spreadsheet library while reading, raises
    `InvalidDataError`."""
    number = 0
    while True:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                row = next(rows)
        except StopIteration:
            return
        except Exception as error:
            raise InvalidDataError(
                [Problem("", _excel_problem(error), number + 1)], source
            ) from None
        number += 1
        if len(row) > MAX_COLUMNS:
            last = max(i for i, cell in enumerate(row) if cell is not None) + 1
            if last > MAX_COLUMNS:
                raise InvalidDataError(
                    [
                        Problem(
                            "", f"more than {MAX_COLUMNS} columns (a cell in column {last})", number
                        )
                    ],
                    source,
                )
            row = row[:MAX_COLUMNS]
        yield number, row


# -- one export --------------------------------------------------------------------------------


class _Row(NamedTuple):
    """A record read from one row, where it came from, and what the record cannot hold
    (the account a stream names, the talent an order names ...).  A named tuple: one is
    made per row."""

    record: Any
    row_index: int
    line: int
    extra: Mapping[str, Any]


@attrs.define
class _Read:
    """One export read: its records and its report (finished when the bundle is built)."""

    name: str
    profile: MappingProfile
    report: ImportReport
    rows: list[_Row]
    #: field → the header of the column read for it.
    columns: dict[str, str]
    period: tuple[date, date] | None
    warnings: list[Problem] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)


@attrs.frozen
class _Check:
    """A derived column (at ``position``) and the columns of its parts."""

    position: int
    spec: FieldSpec
    numerator: int
    denominator: int


def _is_empty(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and cell.strip() in _EMPTY)


def _read_file(
    file: ExportFile, candidates: Sequence[MappingProfile], platform: Platform | None = None
) -> _Read:
    path = Path(file.path)
    name = str(file.path)
    try:
        header, rows = _read_table(path)
    except OSError as error:
        raise InvalidDataError(
            [Problem("", f"cannot read: {error.strerror or error}")], name
        ) from None
    detection = None
    profile = file.profile
    if profile is None:
        profile, detection = detect_profile(
            header, candidates, source=name, has_period=file.period is not None, platform=platform
        )
    section = profile.section
    specs = _FIELDS[section]
    chosen, ignored, clashes = _choose_columns(header, profile)
    if clashes:
        raise InvalidDataError(clashes, name)
    columns = {f: i for f, i in chosen.items() if specs[f].kind != "check"}
    checks, checked, unchecked = _plan_checks(header, profile, chosen, ignored)
    mapped = {header[i]: field for field, i in sorted(columns.items(), key=lambda c: c[1])}
    unknown = tuple(h for h in header if h and h not in profile.columns)
    has_period = file.period is not None
    lacking = _missing_requirements(section, columns, has_period=has_period)
    if lacking:
        raise InvalidDataError(
            [
                Problem(
                    fields[0],
                    "no column maps to this required field"
                    + (f" (nor to {' or '.join(fields[1:])})" if len(fields) > 1 else ""),
                )
                for fields in lacking
            ],
            name,
        )
    generated = section in _GENERATED_IDS and _GENERATED_IDS[section] not in columns
    # Fields of a requirement met another way (dates from a period) are not missing.
    provided = {*columns, *(["period"] if has_period else [])}
    elsewhere = {
        field
        for alternatives in _REQUIRED[section]
        if len(alternatives) > 1 and not _unmet(alternatives, provided)
        for option in alternatives
        for field in option
    }
    missing_fields = tuple(
        dict.fromkeys(
            rule.field
            for rule in profile.columns.values()
            if rule.field not in chosen
            and rule.field not in elsewhere
            and specs[rule.field].kind != "check"
        )
    )
    problems: list[Problem] = []
    warned: list[Problem] = []
    stopped = False
    records: list[_Row] = []
    skipped: Counter[str] = Counter()
    fallbacks: Counter[tuple[str, str]] = Counter()
    plan = _plan(header, columns, profile, fallbacks)
    for index, (line, row) in enumerate(rows):
        if index >= MAX_ROWS:
            problems.append(Problem("", f"more than {MAX_ROWS} rows", line))
            break
        if len(problems) >= MAX_PROBLEMS:
            stopped = True
            break
        if not any(str(c).strip() for c in row if c is not None):
            continue
        values, row_problems = _read_row(plan, row, index=index, line=line)
        if section is Section.ORDERS and values.get("order_status") == "unpaid":
            skipped[f"{header[columns['order_status']]} says not paid"] += 1
            continue
        if not row_problems:
            row_problems = _required_problems(
                section, values, columns, header, index=index, line=line, has_period=has_period
            )
        if checks and not row_problems:
            row_problems, row_warnings = _check_row(
                checks, header, row, profile=profile, index=index, line=line
            )
            warned.extend(row_warnings)
        if row_problems:
            problems.extend(row_problems)
            continue
        try:
            made = _BUILDERS[section](values, profile, file.period)
        except InvalidDataError as error:
            problems.extend(p.under(f"rows[{index}]").at_line(line) for p in error.problems)
            continue
        record, extra = made
        outside = None if file.period is None else _outside(record, file.period)
        if outside is not None:
            field, day = outside
            where = _key(header[columns[field]])
            assert file.period is not None  # noqa: S101  # only a given period has an outside
            problems.append(
                Problem(
                    f"rows[{index}].{where}",
                    f"{day} lies outside the period given for this export "
                    f"({file.period[0]}..{file.period[1]})",
                    line,
                )
            )
            continue
        if section is Section.ORDERS:
            warned.extend(_refund_warnings(values, extra, header, columns, index=index, line=line))
        records.append(_Row(record, index, line, extra))
    if problems:
        raise InvalidDataError(problems, name, stopped=stopped)
    start, end = file.period if file.period is not None else _dates(section, records)
    notes = [
        f"{_rows(count)} read {_shown(column)} {text!r:.40} as unknown (the profile's '*' entry)"
        for (column, text), count in sorted(fallbacks.items())
    ]
    report = ImportReport(
        profile.name,
        mapped,
        unknown,
        missing_fields,
        len(records),
        generated,
        {header[i]: header[chosen[field]] for i, field in ignored.items()},
        section=section,
        detected=detection,
        checked=checked,
        unchecked=unchecked,
        skipped=dict(skipped),
        records=len(records),
        start=start,
        end=end,
    )
    field_columns = {field: header[i] for field, i in columns.items()}
    return _Read(name, profile, report, records, field_columns, file.period, warned, notes)


def _plan_checks(
    header: Sequence[str],
    profile: MappingProfile,
    chosen: Mapping[str, int],
    ignored: Mapping[int, str],
) -> tuple[list[_Check], dict[str, str], dict[str, str]]:
    """The derived columns an export has that can be checked, what each is checked
    against, and those that cannot be (a part has no column)."""
    specs = _FIELDS[profile.section]
    checks: list[_Check] = []
    checked: dict[str, str] = {}
    unchecked: dict[str, str] = {}
    for field, position in sorted(chosen.items(), key=lambda c: c[1]):
        spec = specs[field]
        if spec.parts is None:
            continue
        absent = [p for p in spec.parts if p not in chosen]
        if absent:
            unchecked[header[position]] = f"needs a column for {' and '.join(absent)}"
            continue
        numerator, denominator = (chosen[p] for p in spec.parts)
        checks.append(_Check(position, spec, numerator, denominator))
        checked[header[position]] = spec.formula(header[numerator], header[denominator])
    # An average watch time beside the total it averages: the total is read (the profile
    # prefers it), the average checked against it.
    watch = chosen.get("watch_seconds")
    uv = chosen.get("uv")
    for position, field in sorted(ignored.items()):
        rule = profile.columns[header[position]]
        if field != "watch_seconds" or rule.type != "per_viewer_duration" or watch is None:
            continue
        if profile.columns[header[watch]].type == "per_viewer_duration":
            continue
        if uv is None:
            unchecked[header[position]] = "needs a column for uv"
            continue
        spec = FieldSpec("check", parts=("watch_seconds", "uv"), cell="per_viewer_duration")
        checks.append(_Check(position, spec, watch, uv))
        checked[header[position]] = spec.formula(header[watch], header[uv])
    return checks, checked, unchecked


Reader = Callable[[object], object]


class _Column(NamedTuple):
    """How one column of an export is read: where it is, its header, the field it fills
    and the function that reads a non-empty cell; for an average per viewer, ``read`` is
    ``None`` and ``average`` reads the seconds (the total needs the row's viewers)."""

    position: int
    header: str
    field: str
    read: Reader | None
    average: Callable[[object], Decimal] | None = None


def _plan(
    header: Sequence[str],
    columns: Mapping[str, int],
    profile: MappingProfile,
    fallbacks: Counter[tuple[str, str]],
) -> list[_Column]:
    """The columns of an export as `_read_row` reads them, each with its reader made
    once (per file, not per cell)."""
    specs = _FIELDS[profile.section]
    plan = []
    for position in columns.values():
        column = header[position]
        rule = profile.columns[column]
        if rule.type == "per_viewer_duration":
            average = functools.partial(_value, rule=rule, decimal=profile.decimal)
            plan.append(_Column(position, column, rule.field, None, average))
        else:
            read = _reader(rule, specs[rule.field], profile, column, fallbacks)
            plan.append(_Column(position, column, rule.field, read))
    return plan


def _reader(
    rule: ColumnRule,
    spec: FieldSpec,
    profile: MappingProfile,
    column: str,
    fallbacks: Counter[tuple[str, str]],
) -> Reader:
    decimal, zone = profile.decimal, profile.timezone
    kind = rule.type
    if kind in ("count", "money"):
        money = kind == "money"

        def whole(cell: object) -> object:
            value = _number(cell, decimal)[0]
            if value < 0:
                raise ValueError(f"must be >= 0, got {cell!r:.40}")
            return _whole(value * 100 if money else value, cell)

        return whole
    if kind == "datetime" and spec.kind == "date":
        fmt = rule.format
        return lambda cell: _datetime(cell, fmt, zone).date()
    values = rule.values
    if values is not None and "*" in values:
        # Cells read through the "*" entry are counted for the report.
        def chosen(cell: object) -> object:
            text = _text(cell)
            if text not in values:
                fallbacks[(column, text)] += 1
            return _cell(cell, rule, zone, decimal)

        return chosen
    return lambda cell: _cell(cell, rule, zone, decimal)


def _read_row(
    plan: Sequence[_Column],
    row: Sequence[object],
    *,
    index: int,
    line: int,
) -> tuple[dict[str, Any], list[Problem]]:
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    per_viewer: _Column | None = None
    width = len(row)
    for column in plan:
        cell = row[column.position] if column.position < width else None
        if cell is None or (isinstance(cell, str) and cell.strip() in _EMPTY):
            continue
        if column.read is None:
            per_viewer = column
            continue
        try:
            values[column.field] = column.read(cell)
        except ValueError as error:
            problems.append(Problem(f"rows[{index}].{_key(column.header)}", str(error), line))
    if per_viewer is not None and per_viewer.average is not None and not problems:
        cell = row[per_viewer.position]
        try:
            # An average per viewer: the total is average × viewers, capped by what the
            # stream's length allows (exports round the average).
            uv = values.get("uv", 0)
            total = per_viewer.average(cell) * Decimal(str(uv))
            cap = uv * values.get("duration_seconds", 0)
            values[per_viewer.field] = min(cap, _whole(total, cell))
        except ValueError as error:
            problems.append(Problem(f"rows[{index}].{_key(per_viewer.header)}", str(error), line))
    return values, problems


def _required_problems(
    section: Section,
    values: Mapping[str, Any],
    columns: Mapping[str, int],
    header: Sequence[str],
    *,
    index: int,
    line: int,
    has_period: bool,
) -> list[Problem]:
    """A problem for each required field whose cell is empty ("", "-", "--")."""
    generated = _GENERATED_IDS.get(section)
    if _PRIMARY[section] <= values.keys() and (
        generated is None or generated not in columns or generated in values
    ):
        return []  # the usual row: every field the first alternatives name (none is None)
    present = (
        values if None not in values.values() else {f for f, v in values.items() if v is not None}
    )
    needed = _missing_requirements(section, present, has_period=has_period)
    if generated is not None and generated in columns and generated not in present:
        needed.append((generated,))
    problems = []
    for fields in needed:
        field = next((f for f in fields if f in columns), fields[0])
        where = _key(header[columns[field]]) if field in columns else field
        problems.append(Problem(f"rows[{index}].{where}", f"is empty: {field} is required", line))
    return problems


def _shown_value(value: Decimal, cell: str) -> str:
    if cell == "money":
        return f"{value / 100:,.2f}"
    if cell == "rate":
        return f"{value * 100:.2f}%"
    if cell == "per_viewer_duration":
        return f"{value:.1f} s"
    return f"{value:.2f}"


def _check_row(
    checks: Sequence[_Check],
    header: Sequence[str],
    row: Sequence[object],
    *,
    profile: MappingProfile,
    index: int,
    line: int,
) -> tuple[list[Problem], list[Problem]]:
    """Each derived cell of the row against the cells it is computed from: an unreadable
    derived cell is a problem, one that does not match beyond the rounding of every cell
    involved a warning."""
    problems: list[Problem] = []
    warned: list[Problem] = []
    for check in checks:
        cells = [
            row[p] if p < len(row) else None
            for p in (check.position, check.numerator, check.denominator)
        ]
        if any(_is_empty(c) for c in cells):
            continue
        rules = [
            profile.columns[header[p]] for p in (check.position, check.numerator, check.denominator)
        ]
        column = header[check.position]
        try:
            value, half = _numeric(cells[0], rules[0], profile.decimal)
        except ValueError as error:
            problems.append(Problem(f"rows[{index}].{_key(column)}", str(error), line))
            continue
        # The parts were read without a problem: they parse.
        top, top_half = _numeric(cells[1], rules[1], profile.decimal)
        bottom, bottom_half = _numeric(cells[2], rules[2], profile.decimal)
        if bottom - bottom_half <= 0:
            continue
        low = max(top - top_half, Decimal(0)) * check.spec.scale / (bottom + bottom_half)
        high = (top + top_half) * check.spec.scale / (bottom - bottom_half)
        if value + half >= low and value - half <= high:
            continue
        cell_type = str(check.spec.cell)
        shown_low, shown_high = _shown_value(low, cell_type), _shown_value(high, cell_type)
        between = shown_low if shown_low == shown_high else f"{shown_low} to {shown_high}"
        formula = check.spec.formula(header[check.numerator], header[check.denominator])
        warned.append(
            Problem(
                f"rows[{index}].{_key(column)}",
                f"{_shown_value(value, cell_type)} does not match {formula} "
                f"({between}, allowing for the rounding of each cell)",
                line,
            )
        )
    return problems, warned


def _refund_warnings(
    values: Mapping[str, Any],
    extra: Mapping[str, Any],
    header: Sequence[str],
    columns: Mapping[str, int],
    *,
    index: int,
    line: int,
) -> list[Problem]:
    """An order whose refund status says otherwise than its refund amount."""
    status = extra.get("refund_status")
    refunded = values.get("refunded_fen")
    amount = values.get("amount_fen")
    if status is None or refunded is None or amount is None:
        return []
    agrees = {
        "none": refunded == 0,
        "full": refunded == amount,
        "partial": 0 < refunded < amount,
    }[status]
    if agrees:
        return []
    column = header[columns["refund_status"]]
    return [
        Problem(
            f"rows[{index}].{_key(column)}",
            f"says {status} refund, but {header[columns['refunded_fen']]} is "
            f"{refunded / 100:,.2f} of {amount / 100:,.2f}",
            line,
        )
    ]


def _record_dates(
    section: Section, record: Any, extra: Mapping[str, Any]
) -> tuple[date, date] | None:
    if section is Section.STREAMS:
        return record.started_at.date(), record.started_at.date()
    if section is Section.ORDERS:
        return record.placed_at.date(), record.placed_at.date()
    if section in (Section.TALENT_COLLABS, Section.PAID_CAMPAIGNS):
        return record.started_on, record.ended_on
    period = extra.get("period")
    return period if isinstance(period, tuple) else None


def _dates(section: Section, rows: Sequence[_Row]) -> tuple[date | None, date | None]:
    spans = [_record_dates(section, r.record, r.extra) for r in rows]
    known = [s for s in spans if s is not None]
    if not known:
        return None, None
    return min(s[0] for s in known), max(s[1] for s in known)


def _outside(record: Any, period: tuple[date, date] | None) -> tuple[str, date] | None:
    """The field and date of a stream or order outside the period given for its export."""
    if period is None:
        return None
    for field in ("started_at", "placed_at"):
        moment = getattr(record, field, None)
        if isinstance(moment, datetime) and not period[0] <= moment.date() <= period[1]:
            return field, moment.date()
    return None


def _choose_columns(
    header: Sequence[str], profile: MappingProfile
) -> tuple[dict[str, int], dict[int, str], list[Problem]]:
    """Which column fills each field: ``field → column index``; the columns left out because
    the profile prefers another for their field (``index → field``); and a problem for each
    field several columns fill with no order declared.  A header given twice is a problem
    too."""
    by_field: dict[str, list[int]] = {}
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    for index, name in enumerate(header):
        rule = profile.columns.get(name)
        if rule is None:
            continue
        if name in seen:
            problems.append(
                Problem(_key(name), f"the header is in columns {seen[name] + 1} and {index + 1}")
            )
            continue
        seen[name] = index
        by_field.setdefault(rule.field, []).append(index)
    chosen: dict[str, int] = {}
    ignored: dict[int, str] = {}
    for field, indices in by_field.items():
        if len(indices) == 1:
            chosen[field] = indices[0]
            continue
        order = profile.prefer.get(field)
        if order is None:
            names = " and ".join(header[i] for i in indices)
            problems.append(
                Problem(
                    field,
                    f"columns {names} both fill it and the profile does not say which to read "
                    f"(add {field} = [...] to its [prefer] table)",
                )
            )
            continue
        rank = {name: position for position, name in enumerate(order)}
        best = min(indices, key=lambda i: rank[header[i]])
        chosen[field] = best
        ignored.update((i, field) for i in indices if i != best)
    return chosen, ignored, problems


# -- records of each section -------------------------------------------------------------------

Made = tuple[Any, dict[str, Any]]


def _account(values: dict[str, Any]) -> tuple[str, str]:
    account_id = str(values.pop("account_id", None) or values.get("account_name"))
    name = str(values.pop("account_name", None) or account_id)
    return account_id, name


def _stream(values: dict[str, Any], profile: MappingProfile, _: object) -> Made:
    account_id, name = _account(values)
    if "stream_id" not in values:
        values["stream_id"] = f"{account_id}-{values['started_at']:%Y%m%d%H%M}"
    return Stream(account_id=account_id, **values), {"account": (account_id, name)}


def _order(values: dict[str, Any], profile: MappingProfile, _: object) -> Made:
    values.pop("order_status", None)
    status = values.pop("refund_status", None)
    extra = {
        "line_id": values.pop("line_id", None),
        "talent_id": values.pop("talent_id", None),
        "refund_status": status,
    }
    if "refunded_fen" not in values and status is not None:
        # A refund status without an amount: none and full are amounts too; a partial
        # refund of an unknown amount stays unknown.
        values["refunded_fen"] = {"none": 0, "full": values["amount_fen"]}.get(status)
    values = {k: v for k, v in values.items() if v is not None}
    if "traffic_source" in values:
        values["traffic_source"] = TrafficSource(values["traffic_source"])
    return Order(**values), extra


def _product(values: dict[str, Any], profile: MappingProfile, _: object) -> Made:
    values = {k: v for k, v in values.items() if v is not None}
    return Product(**values), {}


def _dated(values: dict[str, Any], period: tuple[date, date] | None) -> None:
    """Fill ``started_on``/``ended_on`` from a one-day ``date`` cell, else the row's
    ``period`` cell, else the period given for the export."""
    day = values.pop("date", None)
    span = values.pop("period", None) or period
    if day is not None:
        span = (day, day)
    if span is not None:
        values.setdefault("started_on", span[0])
        values.setdefault("ended_on", span[1])


def _collab(
    values: dict[str, Any], profile: MappingProfile, period: tuple[date, date] | None
) -> Made:
    _dated(values, period)
    values.setdefault("talent_name", values["talent_id"])
    generated = "collab_id" not in values
    values.setdefault("collab_id", f"{values['talent_id']}-{values['started_on']:%Y%m%d}")
    return TalentCollab(platform=profile.platform, **values), {"generated": generated}


def _fan_group(
    values: dict[str, Any], profile: MappingProfile, period: tuple[date, date] | None
) -> Made:
    account_id, name = _account(values)
    extra = {
        "account": (account_id, name),
        "followers": values.pop("followers", None),
        "period": values.pop("period", None) or period,
    }
    values = {k: v for k, v in values.items() if v is not None}
    return FanGroup(**values), extra


def _campaign(
    values: dict[str, Any], profile: MappingProfile, period: tuple[date, date] | None
) -> Made:
    _dated(values, period)
    extra: dict[str, Any] = {}
    if "account_id" in values or "account_name" in values:
        account_id, name = _account(values)
        values["account_id"] = account_id
        extra["account"] = (account_id, name)
    return PaidCampaign(**values), extra


_BUILDERS: Final = {
    Section.STREAMS: _stream,
    Section.ORDERS: _order,
    Section.PRODUCTS: _product,
    Section.TALENT_COLLABS: _collab,
    Section.FAN_GROUPS: _fan_group,
    Section.PAID_CAMPAIGNS: _campaign,
}


# -- the bundle --------------------------------------------------------------------------------


@attrs.define
class _AccountSeen:
    platform: Platform
    name: str
    where: str
    followers: int | None = None
    fan_group: FanGroup | None = None


def _where(read: _Read, row: _Row) -> str:
    return f"{read.name} line {row.line}"


def _listed(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(escape_control(str(i)) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


class _Bundle:
    """Puts the records of several exports together into one brand."""

    def __init__(self, reads: Sequence[_Read]) -> None:
        self.reads = reads
        self.problems: list[Problem] = []
        self.accounts: dict[str, _AccountSeen] = {}
        self.provided = {read.profile.section for read in reads}
        self.orders_of: dict[int, int] = {}

    def of(self, section: Section) -> Iterator[_Read]:
        return (read for read in self.reads if read.profile.section is section)

    def problem(self, read: _Read, row: _Row, field: str, message: str) -> None:
        column = read.columns.get(field, field)
        self.problems.append(
            Problem(f"{read.name}: rows[{row.row_index}].{_key(column)}", message, row.line)
        )

    def account(self, read: _Read, row: _Row, account_id: str, name: str) -> None:
        seen = self.accounts.get(account_id)
        platform = read.profile.platform
        if seen is None:
            self.accounts[account_id] = _AccountSeen(platform, name, _where(read, row))
        elif seen.platform is not platform:
            self.problem(
                read,
                row,
                "account_id",
                f"account {account_id!r} is on {platform.value} here and on "
                f"{seen.platform.value} in {seen.where}",
            )
        elif seen.name == account_id and name != account_id:
            seen.name = name

    def unique(self, section: Section, key: str, what: str) -> list[tuple[_Read, _Row]]:
        """The rows of ``section`` in order.  A record whose ``key`` an earlier one has is a
        problem, unless the two are equal and come from two exports (exports of overlapping
        dates): it is then read once, and a note says so."""
        seen: dict[str, tuple[_Read, _Row]] = {}
        kept = []
        for read in self.of(section):
            again = 0
            for row in read.rows:
                ident = getattr(row.record, key)
                first = seen.get(ident)
                if first is None:
                    seen[ident] = (read, row)
                    kept.append((read, row))
                elif first[0] is not read and first[1].record == row.record:
                    again += 1
                else:
                    other = "" if first[1].record == row.record else ", with other values"
                    self.problem(
                        read, row, key, f"{what} {ident!r} is also in {_where(*first)}{other}"
                    )
            if again:
                read.notes.append(
                    f"{again} of the {what}s are also in an earlier export, the same: read once"
                )
                read.report = attrs.evolve(read.report, records=read.report.records - again)
        return kept

    # -- sections --------------------------------------------------------------------------

    def streams(self) -> list[Stream]:
        rows = self.unique(Section.STREAMS, "stream_id", "stream")
        for read, row in rows:
            self.account(read, row, *row.extra["account"])
        return [row.record for _, row in rows]

    def products(self) -> list[Product]:
        return [row.record for _, row in self.unique(Section.PRODUCTS, "product_id", "product")]

    def collabs(self, products: set[str]) -> list[TalentCollab]:
        made: list[TalentCollab] = []
        taken: set[str] = set()
        for read in self.of(Section.TALENT_COLLABS):
            dropped: list[str] = []
            for row in read.rows:
                collab: TalentCollab = row.record
                ident = collab.collab_id
                if row.extra["generated"]:
                    # One talent with several rows starting the same day (a row per
                    # product): numbered in the order of the file.
                    number = 2
                    while ident in taken:
                        ident = f"{collab.collab_id}-{number}"
                        number += 1
                elif ident in taken:
                    self.problem(read, row, "collab_id", f"collaboration {ident!r} is given twice")
                    continue
                taken.add(ident)
                known = tuple(p for p in collab.product_ids if p in products)
                dropped.extend(p for p in collab.product_ids if p not in products)
                made.append(attrs.evolve(collab, collab_id=ident, product_ids=known))
            if dropped:
                self.unresolved(read, "product_ids", Section.PRODUCTS, "products", dropped)
        return made

    def unresolved(
        self,
        read: _Read,
        field: str,
        section: Section,
        what: str,
        ids: Sequence[str],
        *,
        lines: Sequence[int] = (),
        unheld: str = "no imported export holds",
    ) -> None:
        """References no export of the bundle resolves: a warning when the section they
        name was imported (it should hold them), a note when it was not."""
        distinct = list(dict.fromkeys(ids))
        column = read.columns.get(field, field)
        where = f" (first at line {lines[0]})" if lines else ""
        naming = f"{_records(len(ids), read.profile.section)} {_name(len(ids))} {what}"
        if section in self.provided:
            read.warnings.append(
                Problem(
                    _key(column),
                    f"{naming} {unheld} ({_listed(distinct)}): left out of those records{where}",
                )
            )
        else:
            read.notes.append(
                f"{_shown(column)}: {naming}, left out of those records: no {section.value} "
                "export was imported"
            )

    def orders(
        self, streams: set[str], products: set[str], collabs: Sequence[TalentCollab]
    ) -> list[Order]:
        by_talent: dict[str, list[TalentCollab]] = {}
        for collab in collabs:
            by_talent.setdefault(collab.talent_id, []).append(collab)
        made: list[Order] = []
        seen: dict[str, str] = {}
        for read in self.of(Section.ORDERS):
            before = len(made)
            grouped = self.lines_of(read)
            lost: dict[str, tuple[list[str], list[int]]] = {}
            talent_rooms = 0
            for rows in grouped:
                order = self.merged(read, rows)
                if order is None:
                    continue
                if order.order_id in seen:
                    self.problem(
                        read,
                        rows[0],
                        "order_id",
                        f"order {order.order_id!r} is also in {seen[order.order_id]}",
                    )
                    continue
                seen[order.order_id] = _where(read, rows[0])
                changes: dict[str, Any] = {}
                lose: list[tuple[str, str]] = []
                own = order.stream_id is not None and order.stream_id in streams
                talent = rows[0].extra.get("talent_id")
                if talent is not None and talent not in self.accounts and not own:
                    # A talent's order: the live room it names is the talent's, not one of
                    # the brand's streams.
                    day = order.placed_at.date()
                    match = next(
                        (c for c in by_talent.get(talent, ()) if c.started_on <= day <= c.ended_on),
                        None,
                    )
                    if match is None:
                        lose.append(("talent_id", talent))
                    else:
                        changes["collab_id"] = match.collab_id
                        if order.stream_id is not None:
                            changes["stream_id"] = None
                            talent_rooms += 1
                if order.stream_id is not None and not own and "stream_id" not in changes:
                    lose.append(("stream_id", order.stream_id))
                    changes["stream_id"] = None
                if order.product_id is not None and order.product_id not in products:
                    lose.append(("product_id", order.product_id))
                    changes["product_id"] = None
                for field, ident in lose:
                    ids, lines = lost.setdefault(field, ([], []))
                    ids.append(ident)
                    lines.append(rows[0].line)
                made.append(attrs.evolve(order, **changes) if changes else order)
            for field, (ids, lines) in lost.items():
                section, what, unheld = {
                    "stream_id": (Section.STREAMS, "streams", "no imported export holds"),
                    "product_id": (Section.PRODUCTS, "products", "no imported export holds"),
                    "talent_id": (
                        Section.TALENT_COLLABS,
                        "talents",
                        "with no imported collaboration on the order's date",
                    ),
                }[field]
                self.unresolved(read, field, section, what, ids, lines=lines, unheld=unheld)
            if talent_rooms:
                read.notes.append(
                    f"{talent_rooms} of the orders came through talents' collaborations: the "
                    "live rooms they name are the talents', not the brand's streams"
                )
            read.report = attrs.evolve(read.report, records=len(made) - before)
        return made

    def lines_of(self, read: _Read) -> list[list[_Row]]:
        """The rows of each order: the lines (sub-orders) of one order when the export has a
        line id column, else one row each (a second row of an order is then a problem)."""
        if "line_id" not in read.columns:
            return [[row] for row in read.rows]
        groups: dict[str, list[_Row]] = {}
        lines: dict[tuple[str, str], _Row] = {}
        for row in read.rows:
            order: Order = row.record
            line_id = row.extra.get("line_id")
            if line_id is not None:
                first = lines.get((order.order_id, line_id))
                if first is not None:
                    self.problem(
                        read,
                        row,
                        "line_id",
                        f"line {line_id!r} of order {order.order_id!r} is also at line "
                        f"{first.line}",
                    )
                    continue
                lines[(order.order_id, line_id)] = row
            groups.setdefault(order.order_id, []).append(row)
        return list(groups.values())

    def merged(self, read: _Read, rows: Sequence[_Row]) -> Order | None:
        """One order from its lines: amounts, quantities and refunds added, the earliest
        time; what the lines do not agree on (the product) left unset."""
        first: Order = rows[0].record
        if len(rows) == 1:
            return first
        orders: list[Order] = [r.record for r in rows]
        if len({o.buyer_key for o in orders}) > 1:
            self.problem(
                read,
                rows[1],
                "buyer_key",
                f"order {first.order_id!r} names other buyers on other lines",
            )
            return None
        refunds = [o.refunded_fen for o in orders]
        changes: dict[str, Any] = {
            "amount_fen": sum(o.amount_fen for o in orders),
            "quantity": sum(o.quantity for o in orders),
            "refunded_fen": None if None in refunds else sum(r or 0 for r in refunds),
            "placed_at": min(o.placed_at for o in orders),
        }
        for field in ("product_id", "stream_id", "traffic_source", "fan_group_member"):
            if len({getattr(o, field) for o in orders}) > 1:
                changes[field] = None
        try:
            return attrs.evolve(first, **changes)
        except InvalidDataError as error:
            self.problems.extend(
                Problem(f"{read.name}: order {first.order_id!r}.{p.path}", p.message, rows[0].line)
                for p in error.problems
            )
            return None

    def fan_groups(self) -> None:
        for read in self.of(Section.FAN_GROUPS):
            for row in read.rows:
                account_id, name = row.extra["account"]
                self.account(read, row, account_id, name)
                seen = self.accounts[account_id]
                if seen.fan_group is not None:
                    self.problem(
                        read, row, "account_id", f"account {account_id!r} has a fan group already"
                    )
                    continue
                seen.fan_group = row.record
                if row.extra["followers"] is not None:
                    seen.followers = row.extra["followers"]

    def campaigns(self, streams: set[str]) -> list[PaidCampaign]:
        """One campaign from its rows (a row a day, or a row a period): spend and what the
        platform attributes added (unknown when one row does not say), over the dates of
        all; two rows of one campaign may not cover the same day."""
        by_id: dict[str, list[tuple[_Read, _Row]]] = {}
        for read in self.of(Section.PAID_CAMPAIGNS):
            for row in read.rows:
                by_id.setdefault(row.record.campaign_id, []).append((read, row))
                if "account" in row.extra:
                    self.account(read, row, *row.extra["account"])
        made = []
        lost: dict[int, tuple[_Read, list[str], list[int]]] = {}
        for ident, rows in by_id.items():
            rows.sort(key=lambda item: item[1].record.started_on)
            for (before, earlier), (read, row) in itertools.pairwise(rows):
                if row.record.started_on <= earlier.record.ended_on:
                    self.problem(
                        read,
                        row,
                        "campaign_id",
                        f"campaign {ident!r} covers {row.record.started_on} twice (also at "
                        f"{_where(before, earlier)})",
                    )
            campaigns: list[PaidCampaign] = [row.record for _, row in rows]
            accounts = {c.account_id for c in campaigns if c.account_id is not None}
            if len(accounts) > 1:
                self.problem(
                    *rows[1],
                    "account_id",
                    f"campaign {ident!r} names accounts {_listed(sorted(accounts))}",
                )
                continue
            stream_ids = sorted({c.stream_id for c in campaigns if c.stream_id is not None})
            stream = stream_ids[0] if len(stream_ids) == 1 else None
            if len(stream_ids) > 1:
                rows[0][0].notes.append(
                    f"campaign {escape_control(ident)} runs over several streams "
                    f"({_listed(stream_ids)}): it is kept without a stream"
                )
            if stream is not None and Section.STREAMS in self.provided and stream not in streams:
                read, row = rows[0]
                entry = lost.setdefault(id(read), (read, [], []))
                entry[1].append(stream)
                entry[2].append(row.line)
                stream = None

            try:
                made.append(
                    PaidCampaign(
                        campaign_id=ident,
                        started_on=campaigns[0].started_on,
                        ended_on=max(c.ended_on for c in campaigns),
                        spend_fen=sum(c.spend_fen for c in campaigns),
                        gmv_fen=_total(campaigns, "gmv_fen"),
                        orders=_total(campaigns, "orders"),
                        impressions=_total(campaigns, "impressions"),
                        clicks=_total(campaigns, "clicks"),
                        new_followers=_total(campaigns, "new_followers"),
                        account_id=accounts.pop() if accounts else None,
                        stream_id=stream,
                        name=next((c.name for c in campaigns if c.name is not None), None),
                    )
                )
            except InvalidDataError as error:
                read, row = rows[0]
                self.problems.extend(
                    Problem(f"{read.name}: campaign {ident!r}.{p.path}", p.message, row.line)
                    for p in error.problems
                )
        for read, ids, lines in lost.values():
            self.unresolved(read, "stream_id", Section.STREAMS, "streams", ids, lines=lines)
        return made

    def coverage(self) -> tuple[SectionCoverage, ...]:
        spans: dict[Section, list[tuple[date | None, date | None]]] = {}
        for read in self.reads:
            spans.setdefault(read.profile.section, []).append((read.report.start, read.report.end))
        entries = []
        for section in Section:
            if section not in spans:
                continue
            starts = [s for s, _ in spans[section]]
            ends = [e for _, e in spans[section]]
            entries.append(
                SectionCoverage(
                    section,
                    start=None if None in starts else min(s for s in starts if s is not None),
                    end=None if None in ends else max(e for e in ends if e is not None),
                )
            )
        return tuple(entries)


def _total(campaigns: Sequence[PaidCampaign], field: str) -> int | None:
    """The sum of a field over a campaign's rows; unknown when one row does not say."""
    parts = [getattr(c, field) for c in campaigns]
    return None if None in parts else sum(parts)


def _assemble(reads: Sequence[_Read], *, brand_id: str, brand_name: str, category: str) -> Brand:
    bundle = _Bundle(reads)
    streams = bundle.streams()
    products = bundle.products()
    stream_ids = {s.stream_id for s in streams}
    product_ids = {p.product_id for p in products}
    collabs = bundle.collabs(product_ids)
    bundle.fan_groups()
    campaigns = bundle.campaigns(stream_ids)
    orders = bundle.orders(stream_ids, product_ids, collabs)
    if bundle.problems:
        raise InvalidDataError(bundle.problems, _sources(reads))
    try:
        return Brand(
            brand_id=brand_id,
            name=brand_name,
            category=category,
            accounts=tuple(
                Account(
                    account_id=ident,
                    platform=seen.platform,
                    name=seen.name,
                    followers=seen.followers,
                    fan_group=seen.fan_group,
                )
                for ident, seen in bundle.accounts.items()
            ),
            products=tuple(products),
            streams=tuple(streams),
            talent_collabs=tuple(collabs),
            orders=tuple(orders),
            paid_campaigns=tuple(campaigns),
            coverage=bundle.coverage(),
        )
    except InvalidDataError as error:
        raise InvalidDataError(error.problems, _sources(reads)) from None


def _sources(reads: Sequence[_Read]) -> str:
    return reads[0].name if len(reads) == 1 else f"{len(reads)} exports"


def _combined(failures: Sequence[InvalidDataError]) -> InvalidDataError:
    """The problems of several exports as one error, each problem naming its file."""
    if len(failures) == 1:
        return failures[0]
    return InvalidDataError(
        (
            Problem(f"{e.source}: {p.path}" if p.path else str(e.source), p.message, p.line)
            for e in failures
            for p in e.problems
        ),
        f"{len(failures)} exports",
        omitted=sum(e.omitted for e in failures),
        stopped=any(e.stopped for e in failures),
    )


def import_exports(
    files: Iterable[ExportFile | str | Path],
    *,
    brand_id: str,
    brand_name: str,
    category: str,
    profiles: Mapping[str, MappingProfile] | None = None,
    strict: bool = False,
) -> BundleResult:
    """Read several exports (live sessions, orders, products, talents, fan groups, paid
    campaigns, in any order and any number of each) into one brand.

    An export given without a profile is read with the one of ``profiles`` (by default
    the bundled ones, `builtin_profiles`) that `detect_profile` finds for its
    header.  The brand's accounts are made from the ids and names the exports carry; its
    ``coverage`` lists the section of every export with the dates it covers, so that a
    section no export filled is "not provided" and an export without rows makes its
    section "provided and empty".  References between the exports are resolved: one that
    does not resolve is left out of its record and reported in its export's report (a
    warning; with ``strict``, warnings are errors).

    Raises `InvalidDataError` with every problem of every export (each naming its
    file when there are several).
    """
    candidates = list((profiles if profiles is not None else builtin_profiles()).values())
    given = [item if isinstance(item, ExportFile) else ExportFile(item) for item in files]
    if not given:
        raise InvalidDataError([Problem("files", "no export to import")])
    read: dict[int, _Read] = {}
    failed: dict[int, InvalidDataError] = {}
    pending: list[int] = []
    for position, file in enumerate(given):
        try:
            read[position] = _read_file(file, candidates)
        except _AmbiguousError:
            pending.append(position)
        except InvalidDataError as error:
            failed[position] = error
    # An export several platforms' profiles fit (a product list): read once the platform
    # of the others is known.
    platforms = {r.profile.platform for r in read.values()}
    hint = next(iter(platforms)) if len(platforms) == 1 else None
    for position in pending:
        try:
            read[position] = _read_file(given[position], candidates, hint)
        except InvalidDataError as error:
            failed[position] = error
    if failed:
        raise _combined([failed[p] for p in sorted(failed)])
    reads = [read[p] for p in sorted(read)]
    brand = _assemble(reads, brand_id=brand_id, brand_name=brand_name, category=category)
    reports = tuple(
        (
            read.name,
            attrs.evolve(read.report, warnings=tuple(read.warnings), notes=tuple(read.notes)),
        )
        for read in reads
    )
    result = BundleResult(Dataset(brands=(brand,)), reports)
    if strict and result.warnings:
        raise _combined(
            [InvalidDataError(report.warnings, name) for name, report in reports if report.warnings]
        )
    return result


def read_export(
    path: str | Path,
    profile: MappingProfile,
    *,
    brand_id: str,
    brand_name: str,
    category: str,
    period: tuple[date, date] | None = None,
) -> ImportResult:
    """Read one export into a one-brand `Dataset` whose coverage lists the
    profile's section (see `import_exports`, which reads several).

    Raises `InvalidDataError` listing every unreadable cell (``rows[3].观看人数``,
    with the file's line), every required field no column provides, and every field two
    columns of the export fill without the profile saying which to read; after
    `MAX_PROBLEMS` problems the reading stops.
    """
    result = import_exports(
        [ExportFile(path, profile, period)],
        brand_id=brand_id,
        brand_name=brand_name,
        category=category,
    )
    return ImportResult(result.dataset, result.files[0][1])
