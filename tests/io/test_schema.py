"""The generated JSON Schema is valid draft 2020-12 and accepts every valid dataset."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from steps.domain import Dataset
from steps.io.files import dumps, iter_jsonl
from steps.io.schema import json_schema
from steps.testing import datasets

JSON_VALIDATOR = Draft202012Validator(
    json_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
)
JSONL_VALIDATOR = Draft202012Validator(
    json_schema("jsonl"), format_checker=Draft202012Validator.FORMAT_CHECKER
)


def _errors(validator: Draft202012Validator, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_schema_is_valid_draft_2020_12(fmt: str) -> None:
    schema = json_schema(fmt)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    # Plain JSON: it can be written to a file as is.
    assert json.loads(json.dumps(schema)) == schema


def test_check_schema_does_reject_an_invalid_schema() -> None:
    """Guard: ``check_schema`` really checks (so the test above can fail)."""
    with pytest.raises(SchemaError):
        Draft202012Validator.check_schema({**json_schema(), "type": "dataset"})


def test_schema_is_deterministic_and_fresh() -> None:
    first = json_schema()
    first["$defs"].clear()  # the caller's copy is theirs to change
    assert json_schema() == json_schema()
    assert json_schema()["$defs"]


def test_unknown_schema_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        json_schema("yaml")


def test_schema_requires_the_version_and_covers_every_model() -> None:
    schema = json_schema()
    assert schema["required"] == ["schema_version"]
    assert schema["properties"]["schema_version"] == {"const": "1.0"}
    assert {
        "Brand",
        "Account",
        "Stream",
        "StreamProduct",
        "RunOfShow",
        "ShowSegment",
        "Order",
        "TalentCollab",
        "TrustSignal",
        "ShortVideo",
        "Product",
        "AudienceProfile",
        "FanGroup",
    } <= set(schema["$defs"])


@given(datasets())
def test_every_valid_dataset_validates_against_the_schema(dataset: Dataset) -> None:
    document = json.loads(dumps(dataset))
    assert _errors(JSON_VALIDATOR, document) == []


@given(datasets())
def test_every_jsonl_record_validates_against_the_record_schema(dataset: Dataset) -> None:
    for number, line in enumerate(iter_jsonl(dataset), start=1):
        assert _errors(JSONL_VALIDATOR, json.loads(line)) == [], f"line {number}: {line}"


STREAM = {
    "stream_id": "s",
    "account_id": "a",
    "started_at": "2021-09-01T20:00:00+08:00",
    "duration_seconds": 60,
    "uv": 10,
    "watch_seconds": 60,
    "orders": 1,
    "buyers": 1,
    "gmv_fen": 100,
}


def _document(**stream_changes: Any) -> dict[str, Any]:
    stream = {k: v for k, v in (STREAM | stream_changes).items() if v is not ...}
    brand = {"brand_id": "b", "name": "n", "category": "c", "streams": [stream]}
    return {"schema_version": "1.0", "brands": [brand]}


def test_the_schema_accepts_the_base_document() -> None:
    assert _errors(JSON_VALIDATOR, _document()) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"gmv_fen": -1},
        {"gmv_fen": 10**15 + 1},
        {"uv": 1.5},
        {"uv": "10"},
        {"uv": True},
        {"uv": ...},  # missing
        {"stream_id": ""},
        {"stream_id": "x" * 129},
        {"colour": "red"},
        {"uv_by_source": {"carrier_pigeon": 1}},
        {"uv_by_source": {"paid": -1}},
        {"started_at": "yesterday"},
        {"started_at": "2021-09-01T20:00:00"},  # no offset
        {"plan": {"planned_paid_uv_share": 1.5}},
        {"products": {}},
    ],
)
def test_the_schema_rejects_what_the_loader_rejects(changes: dict[str, Any]) -> None:
    assert _errors(JSON_VALIDATOR, _document(**changes))


def test_the_schema_rejects_a_missing_or_wrong_version() -> None:
    document = _document()
    assert _errors(JSON_VALIDATOR, {**document, "schema_version": "2.0"})
    del document["schema_version"]
    assert _errors(JSON_VALIDATOR, document)


@pytest.mark.parametrize(
    "record",
    [
        {"record": "header", "schema_version": "2.0"},
        {"record": "header"},
        {"record": "brand", "brand_id": "b", "name": "n"},
        {"record": "brand", "brand_id": "b", "name": "n", "category": "c", "streams": []},
        {"record": "stream", **STREAM},  # no brand_id
        {"record": "stream", "brand_id": "b", **STREAM, "gmv_fen": -1},
        {"record": "gift", "brand_id": "b"},
        {"brand_id": "b", **STREAM},  # no record kind
        {"brand_id": "b", "name": "n", "category": "c"},  # a brand needs its kind too
    ],
)
def test_the_record_schema_rejects_bad_records(record: dict[str, Any]) -> None:
    assert _errors(JSONL_VALIDATOR, record)


def test_the_record_schema_accepts_each_kind() -> None:
    records = [
        {"record": "header", "schema_version": "1.0"},
        {"record": "brand", "brand_id": "b", "name": "n", "category": "c"},
        {"record": "stream", "brand_id": "b", **STREAM},
        {"record": "account", "brand_id": "b", "account_id": "a", "platform": "douyin", "name": ""},
    ]
    for record in records:
        assert _errors(JSONL_VALIDATOR, record) == [], record
