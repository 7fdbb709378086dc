"""Imports that guess nothing, and the small holes of the loaders.

* Two columns of one export that fill the same field are read in the order the profile's
  ``[prefer]`` table gives, whatever their order in the file, and the report names the
  column read and the one ignored; a profile that gives no order makes the export an error.
  The bundled Douyin profile reads 直播间成交金额 (the live room's GMV) before 成交金额.
* Numbers are explicit: ``,`` only between thousands unless the profile declares
  ``decimal = ","``; an ambiguous number is a problem of its row and column.
* Date-time formats are checked when the profile loads (and fuzzed: no format, however
  odd, gives anything but a problem or a working profile).
* CSV problems give the physical line (a quoted cell may span lines); a JSON Lines header
  with other keys, a benchmark profile or peers file with a key given twice, are problems;
  "empty file" is said of empty files only; :func:`load_jsonl` reads text streams too.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steps.domain.errors import InvalidDataError
from steps.io.exports import MAX_FORMAT_LENGTH, builtin_profiles, load_profile, read_export
from steps.io.files import load, load_jsonl
from steps.scoring.benchmarks import load_benchmarks
from steps.scoring.peers import load_peers
from tests.hardening.test_fuzz_loaders import SCALE, attempt, check_dataset

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DOUYIN = FIXTURES / "douyin_sessions.csv"
KUAISHOU = FIXTURES / "kuaishou_sessions.csv"


def _rows(source: Path) -> list[list[str]]:
    with source.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _swap(rows: list[list[str]], a: str, b: str) -> list[list[str]]:
    i, j = rows[0].index(a), rows[0].index(b)
    swapped = []
    for row in rows:
        cells = list(row)
        cells[i], cells[j] = cells[j], cells[i]
        swapped.append(cells)
    return swapped


def _import(path: Path, profile: str = "douyin-live-sessions") -> object:
    bundled = builtin_profiles()
    chosen = bundled[profile] if profile in bundled else load_profile(profile)
    return read_export(path, chosen, brand_id="b01", brand_name="品牌", category="beauty")


# -- two columns, one field --------------------------------------------------------------------


@pytest.mark.parametrize("swapped", [False, True])
def test_the_douyin_profile_reads_the_live_room_gmv_whatever_the_column_order(
    tmp_path: Path, swapped: bool
) -> None:
    rows = _rows(DOUYIN)
    if swapped:
        rows = _swap(rows, "成交金额", "直播间成交金额")
    path = tmp_path / "douyin.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    result = read_export(
        path, builtin_profiles()["douyin-live-sessions"], brand_id="b", brand_name="n", category="c"
    )
    gmv = [s.gmv_fen for s in result.dataset.brands[0].streams]
    assert gmv == [10_000_000, 8_642_000, 3_095_000]  # 直播间成交金额, in fen
    assert dict(result.report.ignored) == {"成交金额": "直播间成交金额"}
    assert result.report.mapped["直播间成交金额"] == "gmv_fen"
    assert "成交金额" not in result.report.mapped
    assert (
        "ignored: 成交金额 (gmv_fen is read from 直播间成交金额, which the profile prefers)"
        in result.report.lines()
    )


MAPPING = """
[profile]
name = "mine"
platform = "douyin"
timezone = "+08:00"
{profile_extra}

[columns]
"直播间ID" = {{ field = "stream_id", type = "text" }}
"抖音号" = {{ field = "account_id", type = "text" }}
"开播时间" = {{ field = "started_at", type = "datetime", format = "{date_format}" }}
"直播时长" = {{ field = "duration_seconds", type = "duration" }}
"累计观看人数" = {{ field = "uv", type = "count" }}
"人均观看时长" = {{ field = "watch_seconds", type = "per_viewer_duration" }}
"成交金额" = {{ field = "gmv_fen", type = "money" }}
"直播间成交金额" = {{ field = "gmv_fen", type = "money" }}
"成交订单数" = {{ field = "orders", type = "count" }}
"成交人数" = {{ field = "buyers", type = "count" }}
{extra}
"""


def _mapping(
    folder: Path, extra: str = "", date_format: str = "%Y/%m/%d %H:%M", profile_extra: str = ""
) -> Path:
    path = folder / "mine.toml"
    path.write_text(
        MAPPING.format(extra=extra, date_format=date_format, profile_extra=profile_extra),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("swapped", [False, True])
def test_without_a_declared_order_two_columns_for_one_field_are_an_error(
    tmp_path: Path, swapped: bool
) -> None:
    rows = _rows(DOUYIN)
    if swapped:
        rows = _swap(rows, "成交金额", "直播间成交金额")
    path = tmp_path / "douyin.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    mapping = _mapping(tmp_path)
    with pytest.raises(InvalidDataError) as caught:
        _import(path, str(mapping))
    [problem] = caught.value.problems
    assert problem.path == "gmv_fen"
    assert "both fill it and the profile does not say which to read" in problem.message


def test_a_declared_order_is_followed(tmp_path: Path) -> None:
    path = tmp_path / "douyin.csv"
    path.write_text(DOUYIN.read_text(encoding="utf-8"), encoding="utf-8")
    mapping = _mapping(tmp_path, '[prefer]\ngmv_fen = ["成交金额", "直播间成交金额"]')
    result = _import(path, str(mapping))
    assert [s.gmv_fen for s in result.dataset.brands[0].streams] == [  # type: ignore[attr-defined]
        25_000_000,
        18_230_050,
        4_120_000,
    ]
    assert dict(result.report.ignored) == {"直播间成交金额": "成交金额"}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("prefer", "message"),
    [
        ('gmv_fen = ["成交金额"]', "leaves out columns that fill gmv_fen: 直播间成交金额"),
        ('gmv_fen = ["成交金额", "直播间成交金额", "抖音号"]', "do not fill gmv_fen: 抖音号"),
        ('gmv_fen = ["成交金额", "成交金额", "直播间成交金额"]', "names a column twice"),
        ('gmv_fen = "成交金额"', "must be a list of column headers"),
        ('gmv = ["成交金额"]', "unknown stream field 'gmv'"),
    ],
)
def test_a_prefer_table_is_checked_when_the_profile_loads(
    tmp_path: Path, prefer: str, message: str
) -> None:
    with pytest.raises(InvalidDataError) as caught:
        load_profile(_mapping(tmp_path, f"[prefer]\n{prefer}"))
    assert any(message in p.message and p.path.startswith("prefer.") for p in caught.value.problems)


def test_the_bundled_profiles_order_every_field_several_columns_fill() -> None:
    for profile in builtin_profiles().values():
        by_field: dict[str, list[str]] = {}
        for header, rule in profile.columns.items():
            by_field.setdefault(rule.field, []).append(header)
        several = {field for field, headers in by_field.items() if len(headers) > 1}
        assert several == set(profile.prefer), profile.name


# -- numbers -----------------------------------------------------------------------------------


def _kuaishou_with_gmv(folder: Path, gmv: str) -> Path:
    rows = _rows(KUAISHOU)
    rows[1][rows[0].index("成交金额")] = gmv
    path = folder / "kuaishou.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("cell", "fen"),
    [
        ("1,234,567.89", 123_456_789),
        ("¥182,345.60", 18_234_560),
        ("1234567.89", 123_456_789),
        ("1.2万", 1_200_000),
        ("123456", 12_345_600),
    ],
)
def test_commas_between_thousands_are_read(tmp_path: Path, cell: str, fen: int) -> None:
    result = _import(_kuaishou_with_gmv(tmp_path, cell), "kuaishou-live-sessions")
    assert result.dataset.brands[0].streams[0].gmv_fen == fen  # type: ignore[attr-defined]


@pytest.mark.parametrize("cell", ["1.234,56", "1,23", "12,34,567", "1,234.5,6", "1.234.567"])
def test_an_ambiguous_number_is_a_problem_of_its_cell(tmp_path: Path, cell: str) -> None:
    with pytest.raises(InvalidDataError) as caught:
        _import(_kuaishou_with_gmv(tmp_path, cell), "kuaishou-live-sessions")
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("rows[0].成交金额", 2)
    assert "must be a number written like 1,234,567.89" in problem.message
    assert repr(cell) in problem.message


@pytest.mark.parametrize(
    ("cell", "fen"), [("1.234,56", 123_456), ("1.234.567,89", 123_456_789), ("12,5", 1_250)]
)
def test_a_profile_may_declare_a_decimal_comma(tmp_path: Path, cell: str, fen: int) -> None:
    rows = _rows(DOUYIN)
    for row in rows[1:]:  # every number of the export written the European way
        for index, value in enumerate(row):
            if re.fullmatch(r"[\d,.]+(万|亿)?", value):
                row[index] = value.translate(str.maketrans(",.", ".,"))
    rows[1][rows[0].index("直播间成交金额")] = cell
    path = tmp_path / "douyin.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    mapping = _mapping(
        tmp_path,
        '[prefer]\ngmv_fen = ["直播间成交金额", "成交金额"]',
        profile_extra='decimal = ","',
    )
    result = _import(path, str(mapping))
    assert result.dataset.brands[0].streams[0].gmv_fen == fen  # type: ignore[attr-defined]


# -- date-time formats -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date_format", "message"),
    [
        ("%Y-%m-%d %Y", "gives a directive twice"),
        ("%d %x", "gives a directive twice"),
        ("%Y-%Q", "unknown directive %Q"),
        ("%Y-%m-%", "lone '%'"),
        ("%Y" * 5_000, f"at most {MAX_FORMAT_LENGTH} characters"),
        ("   ", "must not be empty"),
    ],
)
def test_a_date_time_format_is_checked_when_the_profile_loads(
    tmp_path: Path, date_format: str, message: str
) -> None:
    with pytest.raises(InvalidDataError) as caught:
        load_profile(_mapping(tmp_path, date_format=date_format))
    [problem] = [p for p in caught.value.problems if p.path.endswith(".format")]
    assert problem.path == "columns.开播时间.format"
    assert message in problem.message


def test_a_format_on_a_column_that_is_not_a_date_time_is_a_problem(tmp_path: Path) -> None:
    extra = '"观看次数" = { field = "views", type = "count", format = "%Y" }'
    with pytest.raises(InvalidDataError) as caught:
        load_profile(_mapping(tmp_path, extra))
    assert [str(p) for p in caught.value.problems] == [
        "columns.观看次数.format: applies to datetime columns only"
    ]


DIRECTIVE = st.sampled_from([f"%{c}" for c in "aAwdbBmyYHIpMSfzZjUWcxXGuV%qQ:"] + ["%"])
FORMAT_PIECE = st.one_of(DIRECTIVE, st.text(" -/:年月日时分秒T", min_size=1, max_size=3))


@settings(
    max_examples=max(1, round(400 * SCALE)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(pieces=st.lists(FORMAT_PIECE, max_size=12), stamp=st.sampled_from(["2021/09/02 19:00", ""]))
def test_date_time_formats_fuzzed(tmp_path: Path, pieces: list[str], stamp: str) -> None:
    date_format = "".join(pieces).replace("\\", "/").replace('"', "'")
    mapping = _mapping(tmp_path, '[prefer]\ngmv_fen = ["直播间成交金额", "成交金额"]', date_format)
    profile = attempt("load_profile-formats", lambda: load_profile(mapping))
    if isinstance(profile, InvalidDataError):
        return
    rows = _rows(DOUYIN)
    if stamp:
        rows[1][rows[0].index("开播时间")] = stamp
    path = tmp_path / "douyin.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    result = attempt(
        "read_export-formats",
        lambda: read_export(path, profile, brand_id="b", brand_name="n", category="c"),
    )
    if not isinstance(result, InvalidDataError):
        check_dataset(result.dataset)


# -- lines and keys ----------------------------------------------------------------------------


def test_csv_problems_give_the_physical_line(tmp_path: Path) -> None:
    rows = _rows(KUAISHOU)
    rows[0].append("备注")
    rows[1].append("第一行\n第二行\n第三行")  # a quoted cell over three lines
    rows[2].append("")
    rows[3].append("")
    rows[3][rows[0].index("观看人数")] = "很多"
    path = tmp_path / "notes.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    with pytest.raises(InvalidDataError) as caught:
        _import(path, "kuaishou-live-sessions")
    [problem] = caught.value.problems
    assert problem.path == "rows[2].观看人数"
    assert problem.line == 6  # header 1, first row 2-4, second row 5, third row 6
    assert path.read_text(encoding="utf-8").splitlines()[5].startswith(rows[3][0])


def test_a_json_lines_header_with_other_keys_is_a_problem() -> None:
    text = '{"record": "header", "schema_version": "1.0", "source": "x"}\n'
    with pytest.raises(InvalidDataError) as caught:
        load_jsonl(io.BytesIO(text.encode()))
    assert [str(p) for p in caught.value.problems] == [
        "line 1: source: unknown key in the header line"
    ]


def test_empty_file_is_said_of_empty_files_only(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"record": "header", "schema_version": \n{"record": "brand"}\n', "utf-8")
    with pytest.raises(InvalidDataError) as caught:
        load(broken)
    assert [p.line for p in caught.value.problems] == [1]
    assert "empty file" not in str(caught.value)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InvalidDataError, match="empty file"):
        load(empty)


def test_load_jsonl_reads_a_text_stream() -> None:
    lines = [
        '{"record": "header", "schema_version": "1.0"}',
        '{"record": "brand", "brand_id": "b", "name": "青禾", "category": "beauty"}',
    ]
    dataset = load_jsonl(io.StringIO("\n".join(lines)))
    assert [b.name for b in dataset.brands] == ["青禾"]
    with pytest.raises(TypeError, match="load_jsonl reads an open file"):
        load_jsonl("brands.jsonl")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "text", "call"),
    [
        (
            "b.json",
            '{"steps": {"repurchase_rate": {"*": {"floor": 0.1, "target": 0.5}}}, '
            '"steps": {"repurchase_rate": {"*": {"floor": 0.9, "target": 0.1}}}}',
            load_benchmarks,
        ),
        (
            "p.json",
            '{"format": "steps-peers", "version": 1, "indicators": {}, "indicators": {}}',
            load_peers,
        ),
    ],
)
def test_a_key_given_twice_in_json_is_a_problem(
    tmp_path: Path, name: str, text: str, call: object
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidDataError) as caught:
        call(path)  # type: ignore[operator]
    assert [p.message for p in caught.value.problems] == [
        "not valid JSON: duplicate key 'steps'"
        if name == "b.json"
        else "not valid JSON: duplicate key 'indicators'"
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("our \\u001b[31mcohort", "control character (U+001B)"),
        ("our \\u0085 cohort", "control character (U+0085)"),
        ("x" * 1_001, "at most 1000 characters"),
    ],
)
def test_a_benchmark_source_must_be_plain_text(tmp_path: Path, source: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(
        '{"steps": {"repurchase_rate": {"*": {"floor": 0.1, "target": 0.5, "source": "'
        + source
        + '"}}}}',
        encoding="utf-8",
    )
    with pytest.raises(InvalidDataError) as caught:
        load_benchmarks(path)
    [problem] = caught.value.problems
    assert problem.path == 'steps.repurchase_rate["*"].source'
    assert message in problem.message


def test_a_peers_file_with_a_lone_surrogate_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(
        '{"format": "steps-peers", "version": 1, "indicators": {"steps.x": '
        '{"groups": {"category:\\udc00": [1.0]}}}}',
        encoding="utf-8",
    )
    with pytest.raises(InvalidDataError) as caught:
        load_peers(path)
    [problem] = caught.value.problems
    assert problem.message == "holds a lone surrogate (not valid Unicode text)"
    assert problem.path == '["indicators"]["steps.x"]["groups"]["category:\\udc00"]'


def test_a_benchmark_profile_with_a_lone_surrogate_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(
        '{"steps": {"repurchase_rate": {"*": {"floor": 0.1, "target": 0.5, '
        '"source": "our \\ud800 cohort"}}}}',
        encoding="utf-8",
    )
    with pytest.raises(InvalidDataError) as caught:
        load_benchmarks(path)
    [problem] = caught.value.problems
    assert problem.message == "holds a lone surrogate (not valid Unicode text)"
    assert problem.path == '["steps"]["repurchase_rate"]["*"]["source"]'
