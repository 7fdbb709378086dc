"""Import the live-session lists that merchant back offices export (CSV or Excel).

A *mapping profile* (a TOML file, kept as data) maps each column header to a stream field
and says how to read its cells: counts with 万/亿 units, money in yuan (``¥1,234.56``,
``1.2万``), percentages, durations (``2小时30分``, ``02:30:00``), date-times in a given format
and time zone.  Profiles for the Kuaishou and Douyin exports ship in ``steps/data/mappings``;
users write their own without code.

An import reports what it could and could not map: columns no profile entry knows, fields
no column provides, and every unreadable cell with its row and column.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, Final

import attrs

from steps.domain.enums import Platform
from steps.domain.errors import InvalidDataError, Problem
from steps.domain.model import Account, Brand, Dataset, Stream

__all__ = [
    "ImportReport",
    "ImportResult",
    "MappingProfile",
    "builtin_profiles",
    "load_profile",
    "read_export",
]

CELL_TYPES: Final = frozenset(
    {"text", "count", "money", "rate", "duration", "per_viewer_duration", "datetime"}
)
#: Stream fields an export may fill, plus ``account_name`` for the account record.
IMPORTABLE_FIELDS: Final = frozenset(
    {
        "stream_id", "account_id", "account_name", "started_at", "duration_seconds",
        "exposure", "uv", "views", "watch_seconds", "peak_concurrent", "comments", "likes",
        "shares", "new_followers", "fan_group_joins", "product_exposure_uv",
        "product_click_uv", "orders_created", "gmv_fen", "orders", "buyers", "refund_fen",
        "paid_spend_fen", "reservations", "first_minutes_uv", "campaign",
    }
)  # fmt: skip
REQUIRED_FIELDS: Final = (
    "started_at", "duration_seconds", "uv", "watch_seconds", "orders", "buyers", "gmv_fen",
)  # fmt: skip
MAX_ROWS: Final = 1_000_000
#: The largest export file read (it is read whole): 512 MiB, ample for :data:`MAX_ROWS` rows.
MAX_EXPORT_BYTES: Final = 512 * 1024**2
#: The largest mapping profile read: a profile is a few kilobytes of TOML.
MAX_PROFILE_BYTES: Final = 1024**2
#: Fields read from text cells and the one read from a date-time; every other field is a
#: number (count, money, duration or rate).
TEXT_FIELDS: Final = frozenset({"stream_id", "account_id", "account_name", "campaign"})
DATETIME_FIELDS: Final = frozenset({"started_at"})


@attrs.frozen
class ColumnRule:
    """How one column is read: the field it fills and the type of its cells."""

    field: str
    type: str
    format: str | None = None
    unit: str = "seconds"


@attrs.frozen
class MappingProfile:
    """A named mapping from export column headers to stream fields."""

    name: str
    platform: Platform
    columns: Mapping[str, ColumnRule]
    description: str = ""
    timezone: timezone = UTC


_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def _key(key: str) -> str:
    """``key`` as it reads in a path: quoted as TOML quotes it when it is empty or holds
    characters that would blur the path (dots, brackets, quotes, spaces)."""
    if key and key.isprintable() and not any(c in key for c in ".[]\"' \t"):
        return key
    return json.dumps(key, ensure_ascii=False)


def _parse_profile(document: Mapping[str, Any], source: str) -> MappingProfile:
    problems: list[Problem] = []
    head = document.get("profile")
    if not isinstance(head, dict):
        raise InvalidDataError([Problem("profile", "a [profile] table is required")], source)
    for key in sorted(set(document) - {"profile", "columns"}):
        problems.append(Problem(_key(key), "unknown table"))
    for key in sorted(set(head) - {"name", "platform", "description", "timezone"}):
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
    columns: dict[str, ColumnRule] = {}
    raw_columns = document.get("columns")
    if not isinstance(raw_columns, dict) or not raw_columns:
        problems.append(Problem("columns", "a non-empty [columns] table is required"))
        raw_columns = {}
    for header, rule in raw_columns.items():
        path = f"columns.{_key(header)}"
        if not isinstance(rule, dict):
            problems.append(
                Problem(path, "must be a table such as { field = 'uv', type = 'count' }")
            )
            continue
        for key in sorted(set(rule) - {"field", "type", "format", "unit"}):
            problems.append(Problem(f"{path}.{_key(key)}", "unknown key"))
        field, kind = rule.get("field"), rule.get("type")
        if not isinstance(field, str) or field not in IMPORTABLE_FIELDS:
            problems.append(Problem(f"{path}.field", f"unknown stream field {field!r:.60}"))
        if not isinstance(kind, str) or kind not in CELL_TYPES:
            problems.append(
                Problem(f"{path}.type", f"must be one of {', '.join(sorted(CELL_TYPES))}")
            )
        elif isinstance(field, str) and field in IMPORTABLE_FIELDS:
            mismatch = _type_mismatch(field, kind)
            if mismatch:
                problems.append(Problem(f"{path}.type", mismatch))
        unit = rule.get("unit", "seconds")
        if unit not in ("seconds", "minutes"):
            problems.append(Problem(f"{path}.unit", "must be 'seconds' or 'minutes'"))
        fmt = rule.get("format")
        if fmt is not None and not isinstance(fmt, str):
            problems.append(Problem(f"{path}.format", "must be a strptime format string"))
        if isinstance(field, str) and isinstance(kind, str):
            columns[header.strip()] = ColumnRule(field, kind, fmt, unit)
    if problems:
        raise InvalidDataError(problems, source)
    assert isinstance(name, str)  # noqa: S101  # checked above: problems would have raised
    return MappingProfile(
        name=name,
        platform=platform,
        columns=columns,
        description=str(head.get("description", "")),
        timezone=zone,
    )


def _type_mismatch(field: str, kind: str) -> str | None:
    """Why cells of type ``kind`` cannot fill ``field`` (``None``: they can)."""
    if field in TEXT_FIELDS:
        return None if kind == "text" else f"{field} is read from text: use type 'text'"
    if field in DATETIME_FIELDS:
        return None if kind == "datetime" else f"{field} is a date-time: use type 'datetime'"
    if kind in ("text", "datetime"):
        return f"{field} is a number: use count, money, duration, per_viewer_duration or rate"
    return None


def load_profile(path: str | Path) -> MappingProfile:
    """Read a mapping profile from a TOML file; every problem is reported with its key."""
    try:
        size = Path(path).stat().st_size
    except OSError as error:
        raise InvalidDataError([Problem("", f"cannot read: {error}")], str(path)) from None
    if size > MAX_PROFILE_BYTES:
        raise InvalidDataError(
            [Problem("", f"file is {size} bytes; the limit is {MAX_PROFILE_BYTES}")], str(path)
        )
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidDataError([Problem("", f"cannot read: {error}")], str(path)) from None
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


# Cell parsing.  Every parser takes a non-empty cell (a string, or a number or datetime from
# Excel) and returns the field's value or raises ValueError with a reader-facing message.

_UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?)(万|亿)?$")


def _decimal(cell: object) -> Decimal:
    if isinstance(cell, bool):
        raise ValueError("must be a number")
    if isinstance(cell, int | float):
        return Decimal(str(cell))
    text = str(cell).strip().replace(",", "").replace("，", "")
    for prefix in ("¥", "￥"):
        text = text.removeprefix(prefix)
    text = text.removesuffix("元").removesuffix("人").removesuffix("次").strip()
    match = _NUMBER.match(text)
    if match is None:
        raise ValueError(f"must be a number (万 and 亿 allowed), got {cell!r:.40}")
    try:
        value = Decimal(match.group(1))
    except InvalidOperation:
        raise ValueError(f"must be a number, got {cell!r:.40}") from None
    return value * _UNITS.get(match.group(2) or "", Decimal(1))


#: Far beyond any count or amount the model accepts (10^15): a larger cell is refused before
#: it is rounded, where it would overflow the decimal context's precision.
_LARGEST_CELL: Final = Decimal(10) ** 18


def _whole(value: Decimal, cell: object) -> int:
    """``value`` rounded to the nearest integer (half to even)."""
    if value.copy_abs() > _LARGEST_CELL:
        raise ValueError(f"is too large, got {cell!r:.40}")
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _count(cell: object) -> int:
    value = _decimal(cell)
    if value < 0:
        raise ValueError(f"must be >= 0, got {cell!r:.40}")
    # Exports show 万-rounded figures ("1.2万"); the nearest whole count is the honest reading.
    return _whole(value, cell)


def _money_fen(cell: object) -> int:
    value = _decimal(cell)
    if value < 0:
        raise ValueError(f"must be >= 0, got {cell!r:.40}")
    return _whole(value * 100, cell)


def _rate(cell: object) -> float:
    text = str(cell).strip()
    value = _decimal(text[:-1]) / 100 if text.endswith("%") else _decimal(cell)
    if not 0 <= value <= 1:
        raise ValueError(f"must be a rate in [0, 1] or a percentage, got {cell!r:.40}")
    return float(value)


_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")
_CHINESE_DURATION = re.compile(
    r"^(?:(\d+(?:\.\d+)?)(?:小时|时))?(?:(\d+(?:\.\d+)?)(?:分钟|分))?(?:(\d+(?:\.\d+)?)秒)?$"
)


def _seconds(cell: object, unit: str) -> Decimal:
    text = str(cell).strip().replace(" ", "")
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes, seconds = clock.groups()
        return Decimal(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds))
    chinese = _CHINESE_DURATION.match(text)
    if chinese and any(chinese.groups()):
        hours, minutes, seconds = (Decimal(g) if g else Decimal(0) for g in chinese.groups())
        return hours * 3600 + minutes * 60 + seconds
    value = _decimal(cell)
    return value * 60 if unit == "minutes" else value


def _duration(cell: object, unit: str) -> int:
    value = _seconds(cell, unit)
    if value < 0:
        raise ValueError(f"must be a duration >= 0, got {cell!r:.40}")
    return _whole(value, cell)


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


@attrs.frozen
class ImportReport:
    """What an import could and could not map."""

    profile: str
    mapped: Mapping[str, str]
    unknown_columns: tuple[str, ...]
    missing_fields: tuple[str, ...]
    rows: int
    generated_ids: bool

    def lines(self) -> list[str]:
        out = [f"profile {self.profile}: {self.rows} rows"]
        out.append("mapped: " + ", ".join(f"{h} → {f}" for h, f in self.mapped.items()))
        if self.unknown_columns:
            out.append("not mapped (ignored): " + ", ".join(self.unknown_columns))
        if self.missing_fields:
            out.append("no column for: " + ", ".join(self.missing_fields))
        if self.generated_ids:
            out.append("no stream id column: ids were made from account and start time")
        return out


@attrs.frozen
class ImportResult:
    dataset: Dataset
    report: ImportReport


def _read_table(path: Path) -> tuple[list[str], Iterator[tuple[int, Sequence[object]]]]:
    size = path.stat().st_size
    if size > MAX_EXPORT_BYTES:
        raise InvalidDataError(
            [Problem("", f"file is {size} bytes; the limit is {MAX_EXPORT_BYTES}")], str(path)
        )
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_excel(path)
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise InvalidDataError([Problem("", "not UTF-8 or GB18030 text")], str(path))
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = _csv_rows(reader, str(path))
    try:
        _, header = next(rows)
    except StopIteration:
        raise InvalidDataError(
            [Problem("", "empty file: expected a header row")], str(path)
        ) from None
    return [str(h).strip() for h in header], rows


def _csv_rows(reader: Any, source: str) -> Iterator[tuple[int, Sequence[object]]]:
    """``(line, row)`` of each CSV row; a malformed row (a cell longer than the csv module's
    field size limit) raises :class:`InvalidDataError` with its line."""
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InvalidDataError(
                [Problem("", f"not valid CSV: {error}", reader.line_num)], source
            ) from None
        number += 1
        yield number, row


def _read_excel(path: Path) -> tuple[list[str], Iterator[tuple[int, Sequence[object]]]]:
    try:
        import openpyxl  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise InvalidDataError(
            [Problem("", "reading Excel needs openpyxl: pip install 'steps-commerce[excel]'")],
            str(path),
        ) from None
    sheet = openpyxl.load_workbook(path, read_only=True, data_only=True).active
    if sheet is None:
        raise InvalidDataError([Problem("", "the workbook has no sheet")], str(path))
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise InvalidDataError([Problem("", "empty sheet: expected a header row")], str(path))
    return [str(h or "").strip() for h in header], ((n, row) for n, row in enumerate(rows, start=2))


def read_export(
    path: str | Path,
    profile: MappingProfile,
    *,
    brand_id: str,
    brand_name: str,
    category: str,
) -> ImportResult:
    """Read a live-session export into a one-brand :class:`Dataset`.

    Raises :class:`InvalidDataError` listing every unreadable cell (``rows[3].观看人数``,
    with the file's line) and every required field no column provides.
    """
    file = Path(path)
    try:
        header, rows = _read_table(file)
    except OSError as error:
        raise InvalidDataError(
            [Problem("", f"cannot read: {error.strerror or error}")], str(file)
        ) from None
    mapped = {h: profile.columns[h].field for h in header if h in profile.columns}
    unknown = tuple(h for h in header if h and h not in profile.columns)
    provided = set(mapped.values())
    generated_ids = "stream_id" not in provided
    missing = tuple(f for f in REQUIRED_FIELDS if f not in provided)
    if "account_id" not in provided and "account_name" not in provided:
        missing = (*missing, "account_id")
    if missing:
        raise InvalidDataError(
            [Problem(f, "no column maps to this required field") for f in missing], str(file)
        )
    problems: list[Problem] = []
    streams: list[Stream] = []
    accounts: dict[str, str] = {}
    # A row the csv module cannot read raises InvalidDataError (with its line) from here.
    for index, (line, row) in enumerate(rows):
        if index >= MAX_ROWS:
            problems.append(Problem("", f"more than {MAX_ROWS} rows", line))
            break
        if not any(str(c).strip() for c in row if c is not None):
            continue
        values, row_problems = _read_row(header, row, profile, index, line)
        problems.extend(row_problems)
        if row_problems:
            continue
        account_id = str(values.pop("account_id", None) or values.get("account_name"))
        name = str(values.pop("account_name", None) or account_id)
        accounts.setdefault(account_id, name)
        if generated_ids:
            values["stream_id"] = f"{account_id}-{values['started_at']:%Y%m%d%H%M}"
        try:
            streams.append(Stream(account_id=account_id, **values))
        except InvalidDataError as error:
            problems.extend(p.under(f"rows[{index}]").at_line(line) for p in error.problems)
    if problems:
        raise InvalidDataError(problems, str(file))
    report = ImportReport(profile.name, mapped, unknown, (), len(streams), generated_ids)
    try:
        brand = Brand(
            brand_id=brand_id,
            name=brand_name,
            category=category,
            accounts=tuple(
                Account(account_id=a, platform=profile.platform, name=n)
                for a, n in accounts.items()
            ),
            streams=tuple(streams),
        )
    except InvalidDataError as error:
        raise InvalidDataError(error.problems, str(file)) from None
    return ImportResult(Dataset(brands=(brand,)), report)


def _read_row(
    header: Sequence[str],
    row: Sequence[object],
    profile: MappingProfile,
    index: int,
    line: int,
) -> tuple[dict[str, Any], list[Problem]]:
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    per_viewer: tuple[str, object, ColumnRule] | None = None
    for column, cell in zip(header, row, strict=False):
        rule = profile.columns.get(column)
        if rule is None or cell is None or str(cell).strip() in ("", "-", "--"):
            continue
        try:
            if rule.type == "per_viewer_duration":
                per_viewer = (column, cell, rule)
                continue
            values[rule.field] = _cell(cell, rule, profile.timezone)
        except ValueError as error:
            problems.append(Problem(f"rows[{index}].{column}", str(error), line))
    if per_viewer is not None and not problems:
        column, cell, rule = per_viewer
        try:
            # An average per viewer: the total is average × viewers, capped by what the
            # stream's length allows (exports round the average).
            uv = values.get("uv", 0)
            total = _seconds(cell, rule.unit) * Decimal(str(uv))
            cap = uv * values.get("duration_seconds", 0)
            values[rule.field] = min(cap, _whole(total, cell))
        except ValueError as error:
            problems.append(Problem(f"rows[{index}].{column}", str(error), line))
    if not problems:
        # A required field whose cell is empty ("", "-", "--"): the stream cannot be built.
        # (Without a stream id column, ids are made from the account and the start.)
        needed = list(REQUIRED_FIELDS)
        if any(profile.columns[h].field == "stream_id" for h in header if h in profile.columns):
            needed.append("stream_id")
        required = [f for f in needed if f not in values]
        if "account_id" not in values and "account_name" not in values:
            required.append("account_id")
        for field in required:
            columns = [h for h in header if h in profile.columns and _fills(profile, h, field)]
            where = columns[0] if columns else field
            problems.append(
                Problem(f"rows[{index}].{where}", f"is empty: {field} is required", line)
            )
    return values, problems


def _fills(profile: MappingProfile, column: str, field: str) -> bool:
    filled = profile.columns[column].field
    return filled == field or (field == "account_id" and filled == "account_name")


def _cell(cell: object, rule: ColumnRule, zone: timezone) -> object:
    if rule.type == "text":
        return str(cell).strip()
    if rule.type == "count":
        return _count(cell)
    if rule.type == "money":
        return _money_fen(cell)
    if rule.type == "rate":
        return _rate(cell)
    if rule.type == "duration":
        return _duration(cell, rule.unit)
    if rule.type == "datetime":
        return _datetime(cell, rule.format, zone)
    raise ValueError(f"unknown cell type {rule.type!r}")
