"""Excel exports: read like CSV when they are sound, one problem when they are not.

The workbooks are written here with openpyxl from the CSV fixtures (the Kuaishou and Douyin
live-session lists: Chinese headers, 万 units, money with thousands separators, dashes for
missing cells), then broken: not a zip archive, cut short, a member missing or malformed, a
zip bomb, a directory that lies about sizes, a sheet whose ``dimension`` claims 16,384
columns, a row with a cell in the last column.  Every broken file is an
:class:`InvalidDataError` with one problem (no traceback, no MemoryError); limits are checked
before the work they bound.  A fuzzing property flips, cuts and splices the bytes of a sound
workbook (and of its sheet inside the archive) under the loaders' oracle.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.worksheet import _read_only

from steps.domain.errors import InvalidDataError
from steps.io import exports
from steps.io.exports import builtin_profiles, read_export
from tests.hardening.test_fuzz_loaders import SCALE, attempt, check_dataset

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KUAISHOU = FIXTURES / "kuaishou_sessions.csv"
DOUYIN = FIXTURES / "douyin_sessions.csv"
PROFILES = {"kuaishou": "kuaishou-live-sessions", "douyin": "douyin-live-sessions"}
SHEET = "xl/worksheets/sheet1.xml"


def _rows(source: Path) -> list[list[str]]:
    with source.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def workbook(rows: list[list[Any]]) -> bytes:
    """An .xlsx holding ``rows`` on its one sheet, cells as given (text stays text)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "直播明细"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import(path: Path, platform: str = "kuaishou") -> exports.ImportResult:
    return read_export(
        path,
        builtin_profiles()[PROFILES[platform]],
        brand_id="b01",
        brand_name="青禾美妆",
        category="beauty",
    )


def _write(folder: Path, data: bytes, name: str = "export.xlsx") -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _one_problem(path: Path, platform: str = "kuaishou") -> str:
    with pytest.raises(InvalidDataError) as caught:
        _import(path, platform)
    [problem] = caught.value.problems
    assert "\n" not in str(problem)
    return str(problem)


def _rezip(data: bytes, changes: dict[str, bytes | None]) -> bytes:
    """The archive ``data`` with members replaced (or removed, for ``None``)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in changes:
                replacement = changes[info.filename]
                if replacement is not None:
                    target.writestr(info.filename, replacement)
            else:
                target.writestr(info, source.read(info))
    return buffer.getvalue()


# -- sound workbooks ---------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["kuaishou", "douyin"])
def test_a_workbook_imports_as_its_csv_does(tmp_path: Path, platform: str) -> None:
    source = KUAISHOU if platform == "kuaishou" else DOUYIN
    path = _write(tmp_path, workbook(_rows(source)))
    from_excel, from_csv = _import(path, platform), _import(source, platform)
    assert from_excel.dataset == from_csv.dataset
    assert from_excel.report == from_csv.report
    check_dataset(from_excel.dataset)


def test_numbers_and_dates_typed_by_excel_are_read(tmp_path: Path) -> None:
    from datetime import datetime

    rows = _rows(KUAISHOU)
    header = rows[0]
    typed = []
    for row in rows[1:]:
        cells: list[Any] = list(row)
        cells[header.index("直播开始时间")] = datetime.fromisoformat(row[3])
        cells[header.index("成交订单数")] = int(row[header.index("成交订单数")])
        typed.append(cells)
    path = _write(tmp_path, workbook([header, *typed]))
    assert _import(path).dataset == _import(KUAISHOU).dataset


def test_a_forged_dimension_is_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = workbook(_rows(KUAISHOU))
    sheet = zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    forged = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', sheet)
    assert forged != sheet
    path = _write(tmp_path, _rezip(data, {SHEET: forged}))
    widths: list[int] = []
    get_row = _read_only.ReadOnlyWorksheet._get_row

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        row = get_row(self, *args, **kwargs)
        widths.append(len(row))
        return row

    monkeypatch.setattr(_read_only.ReadOnlyWorksheet, "_get_row", spy)
    assert _import(path).dataset == _import(KUAISHOU).dataset
    # Rows are as wide as their cells, not as wide as the sheet claims (16,384 columns).
    assert max(widths) == len(_rows(KUAISHOU)[0])


# -- broken workbooks --------------------------------------------------------------------------


def test_a_file_that_is_not_a_zip_archive(tmp_path: Path) -> None:
    path = _write(tmp_path, KUAISHOU.read_bytes())  # a CSV named .xlsx
    assert _one_problem(path).startswith("not a valid Excel file (.xlsx): BadZipFile")


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.999])
def test_a_workbook_cut_short(tmp_path: Path, keep: float) -> None:
    data = workbook(_rows(KUAISHOU))
    path = _write(tmp_path, data[: int(len(data) * keep)])
    assert _one_problem(path).startswith("not a valid Excel file (.xlsx): ")


@pytest.mark.parametrize(
    ("member", "content", "error"),
    [
        ("xl/workbook.xml", None, "KeyError"),
        (SHEET, None, "the workbook has no sheet"),
        (SHEET, b"<worksheet><sheetData><row r='1'>", "ParseError"),
        (SHEET, b"\xff\xfe not xml at all", "ParseError"),
        ("xl/workbook.xml", b"<workbook/>", "the workbook has no sheet"),
        ("[Content_Types].xml", b"<Types", "ParseError"),
        ("xl/styles.xml", b"<styleSheet><numFmts", "ParseError"),
        (
            SHEET,
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row r="1"><c r="A1" t="n"><v>not a number</v></c></row>'
            b"</sheetData></worksheet>",
            "ValueError",
        ),
    ],
)
def test_a_workbook_with_a_broken_member(
    tmp_path: Path, member: str, content: bytes | None, error: str
) -> None:
    data = workbook(_rows(KUAISHOU))
    path = _write(tmp_path, _rezip(data, {member: content}))
    problem = _one_problem(path)
    assert problem.startswith(("not a valid Excel file (.xlsx): ", "line 1: not a valid", "the"))
    assert error in problem


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in zipfile.ZipFile(io.BytesIO(workbook(_rows(KUAISHOU)))).infolist():
            if info.filename != SHEET:
                archive.writestr(info.filename, b"")
        with archive.open(SHEET, "w") as sheet:
            block = b" " * 1024**2
            for _ in range(64):  # 64 MiB of blanks: a few dozen kilobytes packed
                sheet.write(block)
    data = buffer.getvalue()
    assert len(data) < 1024**2
    path = _write(tmp_path, data)
    problem = _one_problem(path)
    assert "zip bomb" in problem
    assert SHEET in problem


def test_a_workbook_over_the_unpacked_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = workbook(_rows(KUAISHOU))
    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    monkeypatch.setattr(exports, "MAX_EXCEL_UNPACKED_BYTES", unpacked - 1)
    path = _write(tmp_path, data)
    assert _one_problem(path) == (
        f"not a valid Excel file (.xlsx): it unpacks to {unpacked} bytes; the limit is "
        f"{unpacked - 1}"
    )


def _lie_about_size(data: bytes, member: str, size: int) -> bytes:
    """``data`` with the sizes ``member`` declares (local header and central directory)
    replaced by ``size``: its real content is larger than it says."""
    out = bytearray(data)
    name = member.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (found := out.find(signature, start)) >= 0:
            name_at = found + (30 if signature == b"PK\x03\x04" else 46)
            if out[name_at : name_at + len(name)] == name:
                out[found + offset : found + offset + 4] = size.to_bytes(4, "little")
            start = found + 4
    return bytes(out)


def test_a_member_larger_than_it_declares_is_read_no_further(tmp_path: Path) -> None:
    data = workbook(_rows(KUAISHOU))
    path = _write(tmp_path, _lie_about_size(data, SHEET, 100))
    assert _one_problem(path).startswith("not a valid Excel file (.xlsx): ")


def test_a_row_wider_than_the_column_cap_is_a_problem_of_its_row(tmp_path: Path) -> None:
    rows: list[list[Any]] = [list(row) for row in _rows(KUAISHOU)]
    book = openpyxl.load_workbook(io.BytesIO(workbook(rows)))
    sheet = book.active
    assert sheet is not None
    sheet.cell(row=3, column=16_384, value="far away")
    buffer = io.BytesIO()
    book.save(buffer)
    path = _write(tmp_path, buffer.getvalue())
    assert _one_problem(path) == (
        f"line 3: more than {exports.MAX_COLUMNS} columns (a cell in column 16384)"
    )


def test_rows_beyond_the_cap_are_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "MAX_ROWS", 2)
    path = _write(tmp_path, workbook(_rows(KUAISHOU)))
    assert _one_problem(path) == "line 4: more than 2 rows"


def test_an_empty_workbook(tmp_path: Path) -> None:
    path = _write(tmp_path, workbook([]))
    assert _one_problem(path) == "empty sheet: expected a header row"


# -- fuzzing -----------------------------------------------------------------------------------

#: Workbooks tried by the fuzzing property (``STEPS_FUZZ_SCALE`` multiplies them).
EXAMPLES = 300
BASE = workbook(_rows(KUAISHOU))
BASE_SHEET = zipfile.ZipFile(io.BytesIO(BASE)).read(SHEET)

EDIT = st.tuples(st.sampled_from(["flip", "cut", "insert", "delete"]), st.integers(0, 2**20))


def _edit(data: bytes, edits: list[tuple[str, int]]) -> bytes:
    out = bytearray(data)
    for kind, where in edits:
        if not out:
            break
        at = where % len(out)
        if kind == "flip":
            out[at] ^= 1 << (where % 8)
        elif kind == "cut":
            del out[at:]
        elif kind == "insert":
            out[at:at] = bytes([where % 256]) * (1 + where % 7)
        else:
            del out[at : at + 1 + where % 64]
    return bytes(out)


@settings(
    max_examples=max(1, round(EXAMPLES * SCALE)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(inside=st.booleans(), edits=st.lists(EDIT, min_size=1, max_size=4))
def test_broken_workbooks(tmp_path: Path, inside: bool, edits: list[tuple[str, int]]) -> None:
    # Inside: a sound archive holding a broken sheet.
    data = _rezip(BASE, {SHEET: _edit(BASE_SHEET, edits)}) if inside else _edit(BASE, edits)
    path = _write(tmp_path, data, "fuzzed.xlsx")
    profile = builtin_profiles()[PROFILES["kuaishou"]]
    result = attempt(
        "read_export-xlsx",
        lambda: read_export(path, profile, brand_id="b", brand_name="n", category="c"),
    )
    if not isinstance(result, InvalidDataError):
        check_dataset(result.dataset)
