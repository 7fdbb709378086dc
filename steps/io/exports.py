"""Import the live-session lists that merchant back offices export (CSV or Excel).

A *mapping profile* (a TOML file, kept as data) maps each column header to a stream field
and says how to read its cells: counts with 万/亿 units, money in yuan (``¥1,234.56``,
``1.2万``), percentages, durations (``2小时30分``, ``02:30:00``), date-times in a given format
and time zone.  Profiles for the Kuaishou and Douyin exports ship in ``steps/data/mappings``;
users write their own without code.

An import reports what it could and could not map: columns no profile entry knows, fields
no column provides, and every unreadable cell with its row and column.  Nothing is guessed:

* two columns of one export that fill the same field are read in the order the profile's
  ``[prefer]`` table declares (the column read and the one ignored are both reported); with
  no declared order, they are an error, never resolved by their place in the file;
* numbers use ``.`` as the decimal point and ``,`` only between thousands (``1,234,567.89``)
  unless the profile declares ``decimal = ","`` (then ``1.234.567,89``); an ambiguous
  number (``1.234,56`` under the default) is an error naming its row and column;
* a date-time format is checked when the profile loads (known directives, none twice, at
  most :data:`MAX_FORMAT_LENGTH` characters).

Excel files are read with limits checked before the work they bound: the unpacked size of
the archive (and each member's compression ratio, against zip bombs), the number of columns
of each row as it is read (the sheet's own ``dimension`` claim is ignored) and of rows.
Every problem, a corrupt file included, is an :class:`InvalidDataError`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
import warnings
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, Final

import attrs

from steps.domain.enums import Platform
from steps.domain.errors import MAX_PROBLEMS, InvalidDataError, Problem
from steps.domain.model import Account, Brand, Dataset, Stream
from steps.io.files import read_capped
from steps.report.escape import escape_control

__all__ = [
    "MAX_COLUMNS",
    "MAX_EXCEL_RATIO",
    "MAX_EXCEL_UNPACKED_BYTES",
    "MAX_EXPORT_BYTES",
    "MAX_FORMAT_LENGTH",
    "MAX_PROFILE_BYTES",
    "MAX_ROWS",
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
#: The most columns an export row may have (live-session lists have a few dozen).
MAX_COLUMNS: Final = 1_000
#: The largest export file read (it is read whole): 512 MiB, ample for :data:`MAX_ROWS` rows.
MAX_EXPORT_BYTES: Final = 512 * 1024**2
#: The most an Excel file may unpack to (the sum of its archive members' sizes): 1 GiB,
#: ample for :data:`MAX_ROWS` rows of a few dozen columns.
MAX_EXCEL_UNPACKED_BYTES: Final = 1024**3
#: The highest compression ratio of an Excel archive member over 1 MiB: sheets compress
#: about 15 to 1; a zip bomb, a thousand to 1.
MAX_EXCEL_RATIO: Final = 100
#: The longest date-time format a mapping profile may give.
MAX_FORMAT_LENGTH: Final = 64
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
    """A named mapping from export column headers to stream fields.

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


_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def _key(key: str) -> str:
    """``key`` as it reads in a path: quoted as TOML quotes it when it is empty or holds
    characters that would blur the path (dots, brackets, quotes, spaces)."""
    if key and key.isprintable() and not any(c in key for c in ".[]\"' \t"):
        return key
    return json.dumps(key, ensure_ascii=False)


_PROFILE_KEYS: Final = frozenset({"name", "platform", "description", "timezone", "decimal"})
_RULE_KEYS: Final = frozenset({"field", "type", "format", "unit"})


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
        if fmt is not None:
            reason = (
                "must be a strptime format string"
                if not isinstance(fmt, str)
                else "applies to datetime columns only"
                if kind != "datetime"
                else _format_problem(fmt)
            )
            if reason is not None:
                problems.append(Problem(f"{path}.format", reason))
        if isinstance(field, str) and isinstance(kind, str):
            columns[header.strip()] = ColumnRule(field, kind, fmt, unit)
    prefer = _parse_prefer(document.get("prefer", {}), columns, problems)
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
    )


def _parse_prefer(
    table: object, columns: Mapping[str, ColumnRule], problems: list[Problem]
) -> dict[str, tuple[str, ...]]:
    """The ``[prefer]`` table: field → the columns filling it, in the order they are read."""
    if not isinstance(table, dict):
        problems.append(Problem("prefer", "must be a table of field = [column, ...]"))
        return {}
    prefer: dict[str, tuple[str, ...]] = {}
    for field, order in table.items():
        path = f"prefer.{_key(field)}"
        if field not in IMPORTABLE_FIELDS:
            problems.append(Problem(path, f"unknown stream field {field!r:.60}"))
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


#: The directives of :meth:`datetime.strptime` (``%%`` included).
_DIRECTIVES: Final = frozenset("aAwdbBmyYHIpMSfzZjUWcxXGuV%")


def _format_problem(fmt: str) -> str | None:
    """Why ``fmt`` is not a date-time format a column can use (``None``: it is): longer than
    :data:`MAX_FORMAT_LENGTH`, an unknown or unfinished directive, or a directive given
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


# Cell parsing.  Every parser takes a non-empty cell (a string, or a number or datetime from
# Excel) and returns the field's value or raises ValueError with a reader-facing message.

_UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
#: A number as exports write it, for each decimal separator: digits, or thousands groups
#: (``1,234,567`` / ``1.234.567``), then an optional fraction and a 万/亿 unit.
_NUMBERS: Final = {
    ".": re.compile(r"^([+-]?)(\d+|\d{1,3}(?:,\d{3})+)(?:\.(\d+))?(万|亿)?$"),
    ",": re.compile(r"^([+-]?)(\d+|\d{1,3}(?:\.\d{3})+)(?:,(\d+))?(万|亿)?$"),
}
_EXAMPLES: Final = {".": "1,234,567.89", ",": "1.234.567,89"}


def _decimal(cell: object, decimal: str = ".") -> Decimal:
    """The number in ``cell``: a number from Excel, or text with the profile's ``decimal``
    separator, thousands separators only between groups of three digits, an optional
    ``¥``, a 万/亿 unit and a 元/人/次 suffix."""
    if isinstance(cell, bool):
        raise ValueError("must be a number")
    if isinstance(cell, int | float):
        return Decimal(str(cell))
    text = str(cell).strip().replace("，", ",")
    for prefix in ("¥", "￥"):
        text = text.removeprefix(prefix)
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
    return value * _UNITS.get(unit or "", Decimal(1))


#: Far beyond any count or amount the model accepts (10^15): a larger cell is refused before
#: it is rounded, where it would overflow the decimal context's precision.
_LARGEST_CELL: Final = Decimal(10) ** 18


def _whole(value: Decimal, cell: object) -> int:
    """``value`` rounded to the nearest integer (half to even)."""
    if value.copy_abs() > _LARGEST_CELL:
        raise ValueError(f"is too large, got {cell!r:.40}")
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _count(cell: object, decimal: str = ".") -> int:
    value = _decimal(cell, decimal)
    if value < 0:
        raise ValueError(f"must be >= 0, got {cell!r:.40}")
    # Exports show 万-rounded figures ("1.2万"); the nearest whole count is the honest reading.
    return _whole(value, cell)


def _money_fen(cell: object, decimal: str = ".") -> int:
    value = _decimal(cell, decimal)
    if value < 0:
        raise ValueError(f"must be >= 0, got {cell!r:.40}")
    return _whole(value * 100, cell)


def _rate(cell: object, decimal: str = ".") -> float:
    text = str(cell).strip()
    value = _decimal(text[:-1], decimal) / 100 if text.endswith("%") else _decimal(cell, decimal)
    if not 0 <= value <= 1:
        raise ValueError(f"must be a rate in [0, 1] or a percentage, got {cell!r:.40}")
    return float(value)


_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")
_CHINESE_DURATION = re.compile(
    r"^(?:(\d+(?:\.\d+)?)(?:小时|时))?(?:(\d+(?:\.\d+)?)(?:分钟|分))?(?:(\d+(?:\.\d+)?)秒)?$"
)


def _seconds(cell: object, unit: str, decimal: str = ".") -> Decimal:
    text = str(cell).strip().replace(" ", "")
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes, seconds = clock.groups()
        return Decimal(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds))
    chinese = _CHINESE_DURATION.match(text.replace(",", ".") if decimal == "," else text)
    if chinese and any(chinese.groups()):
        hours, minutes, seconds = (Decimal(g) if g else Decimal(0) for g in chinese.groups())
        return hours * 3600 + minutes * 60 + seconds
    value = _decimal(cell, decimal)
    return value * 60 if unit == "minutes" else value


def _duration(cell: object, unit: str, decimal: str = ".") -> int:
    value = _seconds(cell, unit, decimal)
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
    """What an import could and could not map.

    ``mapped`` is each column read → the field it filled; ``ignored`` each column that
    could fill a field another column filled instead → that column (the profile prefers
    it, see :attr:`MappingProfile.prefer`).
    """

    profile: str
    mapped: Mapping[str, str]
    unknown_columns: tuple[str, ...]
    missing_fields: tuple[str, ...]
    rows: int
    generated_ids: bool
    ignored: Mapping[str, str] = attrs.field(factory=dict)

    def lines(self) -> list[str]:
        out = [f"profile {escape_control(self.profile)}: {self.rows} rows"]
        out.append("mapped: " + ", ".join(f"{_shown(h)} → {f}" for h, f in self.mapped.items()))
        for column, used in self.ignored.items():
            field = self.mapped[used]
            out.append(
                f"ignored: {_shown(column)} ({field} is read from {_shown(used)}, which the "
                "profile prefers)"
            )
        if self.unknown_columns:
            out.append("not mapped (ignored): " + ", ".join(map(_shown, self.unknown_columns)))
        if self.missing_fields:
            out.append("no column for: " + ", ".join(self.missing_fields))
        if self.generated_ids:
            out.append("no stream id column: ids were made from account and start time")
        return out


def _shown(header: str) -> str:
    """A column header as a report line shows it: on one line, control characters escaped."""
    return escape_control(header)


@attrs.frozen
class ImportResult:
    dataset: Dataset
    report: ImportReport


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
    :class:`InvalidDataError` with its line."""
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
    to more than :data:`MAX_EXCEL_UNPACKED_BYTES` or has a member compressed more than
    :data:`MAX_EXCEL_RATIO` to 1.  (:mod:`zipfile` then reads no member beyond the size it
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
    """``(row number, cells)`` of each sheet row; a row of more than :data:`MAX_COLUMNS`
    cells, or any error of the spreadsheet library while reading, raises
    :class:`InvalidDataError`."""
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
    with the file's line), every required field no column provides, and every field two
    columns of the export fill without the profile saying which to read; after
    :data:`~steps.domain.errors.MAX_PROBLEMS` problems the reading stops.
    """
    file = Path(path)
    try:
        header, rows = _read_table(file)
    except OSError as error:
        raise InvalidDataError(
            [Problem("", f"cannot read: {error.strerror or error}")], str(file)
        ) from None
    columns, ignored, clashes = _choose_columns(header, profile)
    if clashes:
        raise InvalidDataError(clashes, str(file))
    mapped = {header[i]: profile.columns[header[i]].field for i in sorted(columns.values())}
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
    stopped = False
    streams: list[Stream] = []
    accounts: dict[str, str] = {}
    # A row the csv module or the spreadsheet library cannot read raises InvalidDataError
    # (with its line) from here.
    for index, (line, row) in enumerate(rows):
        if index >= MAX_ROWS:
            problems.append(Problem("", f"more than {MAX_ROWS} rows", line))
            break
        if len(problems) >= MAX_PROBLEMS:
            stopped = True
            break
        if not any(str(c).strip() for c in row if c is not None):
            continue
        values, row_problems = _read_row(
            header, columns, row, profile=profile, index=index, line=line
        )
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
        raise InvalidDataError(problems, str(file), stopped=stopped)
    report = ImportReport(
        profile.name,
        mapped,
        unknown,
        (),
        len(streams),
        generated_ids,
        {header[i]: header[columns[field]] for i, field in ignored.items()},
    )
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


def _read_row(
    header: Sequence[str],
    columns: Mapping[str, int],
    row: Sequence[object],
    *,
    profile: MappingProfile,
    index: int,
    line: int,
) -> tuple[dict[str, Any], list[Problem]]:
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    per_viewer: tuple[str, object, ColumnRule] | None = None
    decimal = profile.decimal
    for position in columns.values():
        cell = row[position] if position < len(row) else None
        column = header[position]
        rule = profile.columns[column]
        if cell is None or str(cell).strip() in ("", "-", "--"):
            continue
        try:
            if rule.type == "per_viewer_duration":
                per_viewer = (column, cell, rule)
                continue
            values[rule.field] = _cell(cell, rule, profile.timezone, decimal)
        except ValueError as error:
            problems.append(Problem(f"rows[{index}].{_key(column)}", str(error), line))
    if per_viewer is not None and not problems:
        column, cell, rule = per_viewer
        try:
            # An average per viewer: the total is average × viewers, capped by what the
            # stream's length allows (exports round the average).
            uv = values.get("uv", 0)
            total = _seconds(cell, rule.unit, decimal) * Decimal(str(uv))
            cap = uv * values.get("duration_seconds", 0)
            values[rule.field] = min(cap, _whole(total, cell))
        except ValueError as error:
            problems.append(Problem(f"rows[{index}].{_key(column)}", str(error), line))
    if not problems:
        # A required field whose cell is empty ("", "-", "--"): the stream cannot be built.
        # (Without a stream id column, ids are made from the account and the start.)
        needed = list(REQUIRED_FIELDS)
        if "stream_id" in columns:
            needed.append("stream_id")
        required = [f for f in needed if f not in values]
        if "account_id" not in values and "account_name" not in values:
            required.append("account_id")
        for field in required:
            filled_by = columns.get(field)
            if filled_by is None and field == "account_id":
                filled_by = columns.get("account_name")
            where = _key(header[filled_by]) if filled_by is not None else field
            problems.append(
                Problem(f"rows[{index}].{where}", f"is empty: {field} is required", line)
            )
    return values, problems


def _cell(cell: object, rule: ColumnRule, zone: timezone, decimal: str = ".") -> object:
    if rule.type == "text":
        return str(cell).strip()
    if rule.type == "count":
        return _count(cell, decimal)
    if rule.type == "money":
        return _money_fen(cell, decimal)
    if rule.type == "rate":
        return _rate(cell, decimal)
    if rule.type == "duration":
        return _duration(cell, rule.unit, decimal)
    if rule.type == "datetime":
        return _datetime(cell, rule.format, zone)
    raise ValueError(f"unknown cell type {rule.type!r}")
