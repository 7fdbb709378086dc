"""Invalid input is rejected with an ``InvalidDataError`` naming the exact path (and, for JSON
Lines, the line), and broken files never raise anything else."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from steps.domain import InvalidDataError, Stream, TrafficSource
from steps.domain.fields import MAX_COUNT, kind_of
from steps.io.converter import unstructure
from steps.io.files import RECORD_FIELDS, dumps, load, load_jsonl, loads
from steps.testing import datasets

STREAM_FIELDS = {f.name: f for f in attrs.fields(Stream)}
KINDS = {name: kind_of(f).name for name, f in STREAM_FIELDS.items()}  # type: ignore[union-attr]
MONEY_FIELDS = sorted(n for n, k in KINDS.items() if k == "money")
COUNT_FIELDS = sorted(n for n, k in KINDS.items() if k == "count")
REQUIRED_FIELDS = sorted(n for n, f in STREAM_FIELDS.items() if f.default is attrs.NOTHING)
OPTIONAL_FIELDS = {n for n, f in STREAM_FIELDS.items() if f.default is None}

#: JSON values of the wrong type for each kind of field.
WRONG_TYPES: dict[str, list[Any]] = {
    "count": ["12", True, [], {}, None],
    "money": ["12", False, [1], {"fen": 1}, None],
    "identifier": [12, True, [], {}, None],
    "text": [12, False, ["x"], {}],
    "aware_datetime": [20210901, True, [], {}, None],
    "count_map": [[], "paid", 3, True],
    "many": [{}, "p1", 3, True],
    "nested": ["plan", 3, [], True],
}
assert set(KINDS.values()) <= set(WRONG_TYPES), "a new kind of stream field needs wrong values"


def _document(dataset: Any) -> dict[str, Any]:
    return {"schema_version": "1.0", **unstructure(dataset)}


def _jsonl_lines(
    document: dict[str, Any], target: tuple[int, int] | None = None
) -> tuple[list[str], int]:
    """The JSON Lines form of ``document`` and the line (1-based) of the stream at
    ``target`` = (brand index, stream index), or 0 without a target."""
    lines = [json.dumps({"record": "header", "schema_version": document["schema_version"]})]
    target_line = 0
    for b, brand in enumerate(document.get("brands", [])):
        plain = {k: v for k, v in brand.items() if k not in RECORD_FIELDS.values()}
        lines.append(json.dumps({"record": "brand", **plain}))
        for kind, field in RECORD_FIELDS.items():
            for i, item in enumerate(brand.get(field, [])):
                lines.append(json.dumps({"record": kind, "brand_id": brand["brand_id"], **item}))
                if (b, i) == target and field == "streams":
                    target_line = len(lines)
    assert target is None or target_line
    return lines, target_line


# An injection changes one stream of a plain document and returns (the path under the
# stream that must be reported, a fragment of its message).
Injection = Callable[[st.DataObject, dict[str, Any], set[str]], tuple[str, str]]


def negative_money(data: st.DataObject, stream: dict[str, Any], _: set[str]) -> tuple[str, str]:
    field = data.draw(st.sampled_from(MONEY_FIELDS))
    stream[field] = data.draw(st.integers(max_value=-1))
    return field, "must be >= 0"


def float_count(data: st.DataObject, stream: dict[str, Any], _: set[str]) -> tuple[str, str]:
    field = data.draw(st.sampled_from(COUNT_FIELDS))
    stream[field] = data.draw(
        st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer())
    )
    return field, "must be an integer"


def rate_above_one(data: st.DataObject, stream: dict[str, Any], _: set[str]) -> tuple[str, str]:
    rate = data.draw(st.floats(min_value=1.0, exclude_min=True, allow_infinity=False))
    stream["plan"] = {"planned_paid_uv_share": rate}
    return "plan.planned_paid_uv_share", "must lie in [0, 1]"


def naive_datetime(data: st.DataObject, stream: dict[str, Any], _: set[str]) -> tuple[str, str]:
    moment = data.draw(st.datetimes())
    stream["started_at"] = moment.isoformat()
    return "started_at", "timezone-aware"


def unknown_key(data: st.DataObject, stream: dict[str, Any], _: set[str]) -> tuple[str, str]:
    key = data.draw(
        st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=20).filter(
            lambda k: k not in STREAM_FIELDS and k not in ("record", "brand_id")
        )
    )
    stream[key] = data.draw(st.sampled_from([0, "x", None, [], {}]))
    return key, "unknown field"


def wrong_type(data: st.DataObject, stream: dict[str, Any], _: set[str]) -> tuple[str, str]:
    field = data.draw(st.sampled_from(sorted(STREAM_FIELDS)))
    wrong = [v for v in WRONG_TYPES[KINDS[field]] if not (v is None and field in OPTIONAL_FIELDS)]
    stream[field] = data.draw(st.sampled_from(wrong))
    return field, "must be"


def unknown_enum(data: st.DataObject, stream: dict[str, Any], _: set[str]) -> tuple[str, str]:
    field = data.draw(st.sampled_from(["uv_by_source", "gmv_by_source"]))
    known = {s.value for s in TrafficSource}
    key = data.draw(st.text(max_size=12).filter(lambda k: k not in known))
    stream[field] = {key: 0}
    return field, "unknown key"


def missing_required(data: st.DataObject, stream: dict[str, Any], _: set[str]) -> tuple[str, str]:
    field = data.draw(st.sampled_from(REQUIRED_FIELDS))
    del stream[field]
    return field, "is required"


def buyers_above_orders(
    data: st.DataObject, stream: dict[str, Any], _: set[str]
) -> tuple[str, str]:
    stream["buyers"] = min(stream["orders"] + 1, MAX_COUNT)
    if stream["orders"] == MAX_COUNT:
        stream["orders"] -= 1
        stream.pop("orders_created", None)
        stream["gmv_fen"] = stream.get("gmv_fen", 0)
    return "buyers", "must be <= orders"


def unknown_account(
    data: st.DataObject, stream: dict[str, Any], accounts: set[str]
) -> tuple[str, str]:
    # Any text an id may hold (ids refuse control characters: that is another problem).
    letters = st.characters(exclude_categories=("Cc", "Cs"))
    ghost = data.draw(st.text(letters, min_size=1, max_size=12).map(lambda t: "ghost-" + t))
    assume(ghost not in accounts)
    stream["account_id"] = ghost
    return "account_id", "unknown account"


INJECTIONS: list[Injection] = [
    negative_money,
    float_count,
    rate_above_one,
    naive_datetime,
    unknown_key,
    wrong_type,
    unknown_enum,
    missing_required,
    buyers_above_orders,
    unknown_account,
]


def _inject(data: st.DataObject) -> tuple[dict[str, Any], tuple[int, int], str, str]:
    dataset = data.draw(datasets(max_brands=3, max_streams=4), label="dataset")
    targets = [(b, i) for b, brand in enumerate(dataset.brands) for i in range(len(brand.streams))]
    assume(targets)
    b, i = data.draw(st.sampled_from(targets), label="target")
    document = _document(dataset)
    stream = document["brands"][b]["streams"][i]
    accounts = {a.account_id for a in dataset.brands[b].accounts}
    injection = data.draw(st.sampled_from(INJECTIONS), label="injection")
    sub, message = injection(data, stream, accounts)
    return document, (b, i), f"brands[{b}].streams[{i}].{sub}", message


def _assert_reported(error: InvalidDataError, prefix: str, path: str, message: str) -> None:
    found = [p for p in error.problems if p.path == path]
    assert found, f"{path} not reported; got {[str(p) for p in error.problems]}"
    assert any(message in p.message for p in found), [p.message for p in found]
    # Nothing else is blamed: the other streams, brands and references are valid.
    stray = [str(p) for p in error.problems if not p.path.startswith(prefix)]
    assert not stray, stray


@given(st.data())
def test_invalid_stream_value_is_reported_at_its_exact_path(data: st.DataObject) -> None:
    document, (b, i), path, message = _inject(data)
    with pytest.raises(InvalidDataError) as caught:
        loads(json.dumps(document))
    _assert_reported(caught.value, f"brands[{b}].streams[{i}]", path, message)


@given(st.data())
def test_invalid_stream_record_is_reported_with_its_line(data: st.DataObject) -> None:
    document, target, path, message = _inject(data)
    lines, line = _jsonl_lines(document, target)
    with pytest.raises(InvalidDataError) as caught:
        load_jsonl(io.BytesIO("\n".join(lines).encode()))
    error = caught.value
    _assert_reported(error, f"brands[{target[0]}].streams[{target[1]}]", path, message)
    assert {p.line for p in error.problems if p.path == path} == {line}


@given(datasets(max_brands=2), st.data())
def test_syntax_error_in_a_jsonl_file_names_its_line(dataset: Any, data: st.DataObject) -> None:
    lines, _ = _jsonl_lines(_document(dataset))
    index = data.draw(st.integers(1, len(lines)), label="broken line")
    broken = data.draw(
        st.sampled_from(["{", '{"record": NaN}', "[1,]", '{"a": 1, "a": 2}', "\udcff", "[" * 5000])
    )
    lines.insert(index, broken)
    with pytest.raises(InvalidDataError) as caught:
        load_jsonl(io.BytesIO("\n".join(lines).encode("utf-8", "surrogateescape")))
    assert [p.line for p in caught.value.problems] == [index + 1]


def test_every_problem_of_a_record_is_reported_at_once() -> None:
    lines = [
        '{"record": "header", "schema_version": "1.0"}',
        '{"record": "brand", "brand_id": "b", "name": "n", "category": "c"}',
        '{"record": "account", "brand_id": "b", "account_id": "a", "platform": "kuaishou",'
        ' "name": "x"}',
        '{"record": "stream", "brand_id": "b", "stream_id": "s", "account_id": "a",'
        ' "started_at": "2021-09-01T20:00:00", "duration_seconds": -1, "uv": 1.5,'
        ' "watch_seconds": 0, "orders": 0, "buyers": 0, "gmv_fen": "0", "colour": "red"}',
        '{"record": "order", "brand_id": "b", "order_id": "o", "buyer_key": "a@b.cn",'
        ' "placed_at": "2021-09-01T20:00:00+08:00", "amount_fen": 5, "refunded_fen": 6}',
        '{"record": "gift", "brand_id": "b"}',
    ]
    with pytest.raises(InvalidDataError) as caught:
        load_jsonl(io.BytesIO("\n".join(lines).encode()))
    got = {(p.line, p.path) for p in caught.value.problems}
    assert got == {
        (6, "record"),  # unknown record kind: reported before the model is built
    }
    del lines[5]
    with pytest.raises(InvalidDataError) as caught:
        load_jsonl(io.BytesIO("\n".join(lines).encode()))
    got = {(p.line, p.path) for p in caught.value.problems}
    # Type errors (uv, gmv_fen) and range errors (duration_seconds, a naive started_at) of
    # the same record together, not the range errors only once the types are fixed.
    assert got == {
        (4, "brands[0].streams[0].started_at"),
        (4, "brands[0].streams[0].duration_seconds"),
        (4, "brands[0].streams[0].uv"),
        (4, "brands[0].streams[0].gmv_fen"),
        (4, "brands[0].streams[0].colour"),
        (5, "brands[0].orders[0].buyer_key"),
        (5, "brands[0].orders[0].refunded_fen"),
    }


# --- robustness: anything at all gives a Dataset or an InvalidDataError ---------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def _problems_or_none(parse: Callable[[], Any]) -> tuple[Any, ...] | None:
    """The problems ``parse`` reports, or ``None`` when it succeeds; any exception other than
    InvalidDataError fails the test."""
    try:
        parse()
    except InvalidDataError as error:
        problems = error.problems
    else:
        return None
    assert problems, "an InvalidDataError must carry at least one problem"
    return problems


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _nodes(child, (*path, index))
    return found


@given(datasets(max_brands=2), st.data())
def test_any_value_anywhere_gives_a_dataset_or_invalid_data_error(
    dataset: Any, data: st.DataObject
) -> None:
    document = _document(dataset)
    where = data.draw(st.sampled_from(_nodes(document)[1:] or [("brands",)]), label="node")
    replacement = data.draw(JSON_VALUES, label="replacement")
    parent: Any = document
    for step in where[:-1]:
        parent = parent[step]
    parent[where[-1]] = replacement
    problems = _problems_or_none(lambda: loads(json.dumps(document)))
    assert problems is None or all(isinstance(p.path, str) and p.message for p in problems)


@given(st.binary(max_size=200))
def test_any_bytes_give_a_dataset_or_invalid_data_error(raw: bytes) -> None:
    for parse in (loads, lambda b: load_jsonl(io.BytesIO(b))):
        _problems_or_none(lambda parse=parse: parse(raw))


@given(JSON_VALUES)
def test_any_schema_version_or_header_gives_invalid_data_error(version: Any) -> None:
    if version == "1.0":
        return
    with pytest.raises(InvalidDataError) as caught:
        loads(json.dumps({"schema_version": version, "brands": []}))
    assert caught.value.problems[0].path == "schema_version" or version is None
    header = json.dumps({"record": "header", "schema_version": version})
    with pytest.raises(InvalidDataError):
        load_jsonl(io.BytesIO(header.encode()))


# --- broken files ----------------------------------------------------------------------------

VALID = (
    '{"schema_version": "1.0", "brands": [{"brand_id": "b", "name": "品牌", "category": "c",'
    ' "accounts": [{"account_id": "a", "platform": "douyin", "name": "x"}]}]}'
)
VALID_JSONL = (
    '{"record": "header", "schema_version": "1.0"}\n'
    '{"record": "brand", "brand_id": "b", "name": "品牌", "category": "c"}\n'
    '{"record": "account", "brand_id": "b", "account_id": "a", "platform": "douyin",'
    ' "name": "x"}\n'
)


def _load_bytes(tmp_path: Path, name: str, content: bytes) -> InvalidDataError:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidDataError) as caught:
        load(path)
    assert caught.value.problems
    assert caught.value.source == str(path)
    return caught.value


def test_the_valid_files_used_below_do_load(tmp_path: Path) -> None:
    (tmp_path / "ok.json").write_text(VALID, encoding="utf-8")
    (tmp_path / "ok.jsonl").write_text(VALID_JSONL, encoding="utf-8")
    assert load(tmp_path / "ok.json") == load(tmp_path / "ok.jsonl")


@given(st.data())
def test_truncated_json_is_rejected(data: st.DataObject) -> None:
    end = data.draw(st.integers(0, VALID.rindex("}") - 1))
    with pytest.raises(InvalidDataError) as caught:
        loads(VALID[:end])
    assert "not valid JSON" in caught.value.problems[0].message


@given(st.data())
def test_truncated_jsonl_names_the_last_line(data: st.DataObject) -> None:
    last = VALID_JSONL.rstrip("\n").rfind("\n") + 1
    end = data.draw(st.integers(last + 1, len(VALID_JSONL) - 3))
    with pytest.raises(InvalidDataError) as caught:
        load_jsonl(io.BytesIO(VALID_JSONL[:end].encode()))
    assert [p.line for p in caught.value.problems] == [3]


BROKEN_FILES: list[tuple[str, bytes, str]] = [
    ("truncated.json", VALID[:40].encode(), "not valid JSON"),
    ("bad-utf8.json", VALID.replace("品牌", "\udcff").encode("utf-8", "surrogateescape"), "UTF-8"),
    ("latin1.json", VALID.replace("品牌", "é").encode("latin-1"), "UTF-8"),
    ("nan.json", VALID.replace('"brands": [', '"x": NaN, "brands": [').encode(), "NaN"),
    ("inf.json", b'{"schema_version": "1.0", "brands": [Infinity]}', "Infinity"),
    ("neginf.json", b'{"schema_version": "1.0", "brands": [-Infinity]}', "Infinity"),
    ("dup.json", b'{"schema_version": "1.0", "schema_version": "1.0"}', "duplicate key"),
    (
        "dup-nested.json",
        VALID.replace('"name": "x"', '"name": "x", "name": "y"').encode(),
        "duplicate key",
    ),
    ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (
        "deep-inside.json",
        b'{"schema_version": "1.0", "brands": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "nested too deeply",
    ),
    ("deep-open.json", b"[" * 100_000, "not valid JSON"),
    ("empty.json", b"", "not valid JSON"),
    ("blank.json", b" \n\t\n", "not valid JSON"),
    ("bom.json", b"\xef\xbb\xbf" + VALID.encode(), "not valid JSON"),
    ("array.json", b"[]", "must be a JSON object"),
    ("string.json", b'"1.0"', "must be a JSON object"),
    ("no-version.json", b'{"brands": []}', "is required"),
    ("null-version.json", b'{"schema_version": null, "brands": []}', "is required"),
    ("old-version.json", b'{"schema_version": "0.9", "brands": []}', "unsupported"),
    ("number-version.json", b'{"schema_version": 1.0, "brands": []}', "unsupported"),
    ("list-version.json", b'{"schema_version": ["1.0"], "brands": []}', "unsupported"),
    ("dict-version.json", b'{"schema_version": {}, "brands": []}', "unsupported"),
    ("huge-int.json", b'{"schema_version": "1.0", "x": ' + b"9" * 5000 + b"}", "not valid"),
    ("truncated.jsonl", VALID_JSONL[:-20].encode(), "not valid JSON"),
    (
        "bad-utf8.jsonl",
        VALID_JSONL.replace("品牌", "\udcff").encode("utf-8", "surrogateescape"),
        "UTF-8",
    ),
    ("nan.jsonl", VALID_JSONL.replace('"name": "x"', '"name": NaN').encode(), "NaN"),
    (
        "dup.jsonl",
        VALID_JSONL.replace('"name": "x"', '"name": "x", "name": "x"').encode(),
        "duplicate key",
    ),
    ("deep.jsonl", VALID_JSONL.encode() + b"[" * 100_000 + b"]" * 100_000, "nested"),
    ("empty.jsonl", b"", "empty file"),
    ("blank.jsonl", b"\n\n  \n", "empty file"),
    ("no-version.jsonl", b'{"record": "header"}\n', "is required"),
    ("old-version.jsonl", b'{"record": "header", "schema_version": "2.0"}\n', "unsupported"),
    (
        "list-version.jsonl",
        b'{"record": "header", "schema_version": []}\n',
        "unsupported",
    ),
    ("no-header.jsonl", VALID_JSONL.split("\n", 1)[1].encode(), "is required"),
    (
        "not-header.jsonl",
        b'{"record": "brand", "schema_version": "1.0", "brand_id": "b"}\n',
        "header",
    ),
    ("array-header.jsonl", b"[]\n", "must be a JSON object"),
    ("record-array.jsonl", VALID_JSONL.encode() + b"[1, 2]\n", "must be a JSON object"),
    (
        "unknown-record.jsonl",
        VALID_JSONL.encode() + b'{"record": "gift", "brand_id": "b"}\n',
        "unknown record kind",
    ),
    (
        "orphan.jsonl",
        VALID_JSONL.encode()
        + b'{"record": "product", "brand_id": "nobody", "product_id": "p", "name": "",'
        b' "category": "", "price_fen": 1}\n',
        "no brand record",
    ),
    (
        "inline.jsonl",
        b'{"record": "header", "schema_version": "1.0"}\n'
        b'{"record": "brand", "brand_id": "b", "name": "", "category": "", "streams": []}\n',
        "separate records",
    ),
    (
        "dup-brand.jsonl",
        VALID_JSONL.encode()
        + b'{"record": "brand", "brand_id": "b", "name": "", "category": ""}\n',
        "duplicate brand",
    ),
    (
        "no-brand-id.jsonl",
        VALID_JSONL.encode() + b'{"record": "product", "product_id": "p"}\n',
        "brand_id",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "fragment"), BROKEN_FILES, ids=[name for name, _, _ in BROKEN_FILES]
)
def test_broken_file_gives_invalid_data_error(
    tmp_path: Path, name: str, content: bytes, fragment: str
) -> None:
    error = _load_bytes(tmp_path, name, content)
    assert any(fragment in str(p) for p in error.problems), [str(p) for p in error.problems]
    assert fragment in str(error)


@pytest.mark.parametrize("name", ["data.csv", "data.txt", "data", "data.json.gz", "data.yaml"])
def test_unknown_suffix_is_refused(tmp_path: Path, name: str) -> None:
    error = _load_bytes(tmp_path, name, VALID.encode())
    assert "unknown file type" in error.problems[0].message


def test_suffix_case_does_not_matter(tmp_path: Path) -> None:
    (tmp_path / "DATA.JSON").write_text(VALID, encoding="utf-8")
    assert load(tmp_path / "DATA.JSON").brands[0].brand_id == "b"


def test_missing_file_gives_invalid_data_error(tmp_path: Path) -> None:
    for name in ("missing.json", "missing.jsonl"):
        with pytest.raises(InvalidDataError) as caught:
            load(tmp_path / name)
        assert "cannot read" in caught.value.problems[0].message
        assert caught.value.source == str(tmp_path / name)


def test_directory_gives_invalid_data_error(tmp_path: Path) -> None:
    (tmp_path / "folder.json").mkdir()
    with pytest.raises(InvalidDataError, match="cannot read"):
        load(tmp_path / "folder.json")


def test_error_lines_point_at_the_record(tmp_path: Path) -> None:
    content = VALID_JSONL + (
        '{"record": "stream", "brand_id": "b", "stream_id": "s", "account_id": "a",'
        ' "started_at": "2021-09-01T20:00:00+08:00", "duration_seconds": 60, "uv": 10,'
        ' "watch_seconds": 600, "orders": 1, "buyers": 2, "gmv_fen": 100}\n'
        "\n"
        '{"record": "short_video", "brand_id": "b", "video_id": "v", "account_id": "zz",'
        ' "posted_at": "2021-09-01T20:00:00+08:00"}\n'
    )
    error = _load_bytes(tmp_path, "lines.jsonl", content.encode())
    assert {(p.line, p.path) for p in error.problems} == {
        (4, "brands[0].streams[0].buyers"),
        (6, "brands[0].short_videos[0].account_id"),
    }
    assert "line 4: brands[0].streams[0].buyers" in str(error)


def test_json_document_and_dumps_agree_on_the_edge_dataset() -> None:
    """A guard for the fixtures above: ``dumps`` of the loaded VALID document loads back."""
    assert loads(dumps(loads(VALID))) == loads(VALID)
