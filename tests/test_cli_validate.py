"""``steps validate`` lists every mistake with its path and never shows a traceback;
``steps schema`` prints JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from steps.cli import main
from steps.io.files import dump, loads
from steps.io.schema import json_schema

REPO = Path(__file__).resolve().parents[1]

#: A dataset with seven mistakes, and where each must be reported.
BROKEN = {
    "schema_version": "1.0",
    "brands": [
        {
            "brand_id": "b1",
            "name": "辛选",
            "category": "美妆",
            "accounts": [{"account_id": "a1", "platform": "kuaishou", "name": "官方旗舰店"}],
            "products": [
                {"product_id": "p1", "name": "口红", "category": "美妆", "price_fen": 9900},
                {
                    "product_id": "p2",
                    "name": "面霜",
                    "category": "美妆",
                    "price_fen": 19900,
                    "colour": "red",
                },
            ],
            "streams": [
                {
                    "stream_id": "s1",
                    "account_id": "a1",
                    "started_at": "2021-11-11T20:00:00+08:00",
                    "duration_seconds": 3600,
                    "uv": 1000,
                    "watch_seconds": 60000,
                    "orders": 10,
                    "buyers": 8,
                    "gmv_fen": -500,
                },
                {
                    "stream_id": "s2",
                    "account_id": "a1",
                    "started_at": "2021-11-12T20:00:00+08:00",
                    "duration_seconds": 3600,
                    "uv": "lots",
                    "watch_seconds": 60000,
                    "orders": 10,
                    "buyers": 8,
                    "gmv_fen": 500,
                },
                {
                    "stream_id": "s3",
                    "account_id": "ghost",
                    "started_at": "2021-11-13T20:00:00",
                    "duration_seconds": 3600,
                    "uv": 1000,
                    "watch_seconds": 60000,
                    "orders": 10,
                    "buyers": 8,
                    "gmv_fen": 500,
                },
            ],
            "orders": [
                {
                    "order_id": "o1",
                    "buyer_key": "13800138000",
                    "placed_at": "2021-11-11T20:30:00+08:00",
                    "amount_fen": 500,
                }
            ],
            "talent_collabs": [
                {
                    "collab_id": "c1",
                    "talent_id": "t1",
                    "talent_name": "达人",
                    "platform": "douyin",
                    "talent_followers": 1,
                    "started_on": "2021-11-30",
                    "ended_on": "2021-11-01",
                    "streams": 1,
                    "gmv_fen": 0,
                    "commission_fen": 0,
                    "orders": 0,
                    "buyers": 0,
                }
            ],
        }
    ],
}
EXPECTED = [
    ("brands[0].products[1].colour", "unknown field"),
    ("brands[0].streams[0].gmv_fen", "must be >= 0"),
    ("brands[0].streams[1].uv", "must be an integer"),
    ("brands[0].streams[2].started_at", "timezone-aware"),
    ("brands[0].orders[0].buyer_key", "not a phone number"),
    ("brands[0].talent_collabs[0].ended_on", "must not be before started_on"),
]


@pytest.fixture
def broken_file(tmp_path: Path) -> Path:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(BROKEN, ensure_ascii=False), encoding="utf-8")
    return path


def test_validate_lists_every_mistake_with_its_path(
    broken_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(broken_file)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out
    lines = err.splitlines()
    for path, message in EXPECTED:
        assert any(path in line and message in line for line in lines), (path, err)
    assert str(broken_file) in err
    assert "valid (" not in out


def test_a_stream_naming_an_unknown_account_is_reported_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The third stream's naive time hides nothing else: fix it, and its unknown account
    shows up alongside the other mistakes."""
    fixed = json.loads(json.dumps(BROKEN))
    fixed["brands"][0]["streams"][2]["started_at"] = "2021-11-13T20:00:00+08:00"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(fixed), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "brands[0].streams[2].account_id: unknown account 'ghost'" in err
    assert "brands[0].streams[0].gmv_fen" in err


def test_validate_jsonl_reports_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    brand = BROKEN["brands"][0]  # type: ignore[index]
    lines = [
        {"record": "header", "schema_version": "1.0"},
        {"record": "brand", "brand_id": "b1", "name": "辛选", "category": "美妆"},
        *({"record": "account", "brand_id": "b1", **a} for a in brand["accounts"]),
        *({"record": "stream", "brand_id": "b1", **s} for s in brand["streams"]),
    ]
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "line 4: brands[0].streams[0].gmv_fen" in err
    assert "line 5: brands[0].streams[1].uv" in err
    assert "line 6: brands[0].streams[2].started_at" in err


def test_validate_as_a_subprocess_shows_no_traceback(broken_file: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "steps.cli", "validate", str(broken_file)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for path, _ in EXPECTED:
        assert path in result.stderr


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("missing.json", None),
        ("empty.json", ""),
        ("deep.json", "[" * 100_000),
        ("data.csv", "a,b\n"),
        ("bad.jsonl", '{"record": "header", "schema_version": "1.0"}\n{"record":'),
    ],
)
def test_validate_broken_files_exit_1_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str | None
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out, err = capsys.readouterr()
    assert err.startswith("steps validate: ")
    assert "Traceback" not in out + err


def test_validate_a_valid_file_returns_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    valid = json.loads(json.dumps(BROKEN))
    brand = valid["brands"][0]
    del brand["products"][1]["colour"]
    brand["streams"][0]["gmv_fen"] = 500
    brand["streams"][1]["uv"] = 1000
    brand["streams"][2]["started_at"] = "2021-11-13T20:00:00+08:00"
    brand["streams"][2]["account_id"] = "a1"
    brand["orders"][0]["buyer_key"] = "u-13800138000"
    brand["talent_collabs"][0]["ended_on"] = "2021-12-01"
    for suffix in (".json", ".jsonl"):
        path = tmp_path / f"valid{suffix}"
        if suffix == ".json":
            path.write_text(json.dumps(valid, ensure_ascii=False), encoding="utf-8")
        else:
            dump(loads(json.dumps(valid)), path)
        assert main(["validate", str(path)]) == 0
        out, err = capsys.readouterr()
        assert err == ""
        assert f"{path}: valid (1 brands, 3 streams)" in out


@pytest.mark.parametrize("fmt", [None, "json", "jsonl"])
def test_schema_prints_json_that_parses(
    capsys: pytest.CaptureFixture[str], fmt: str | None
) -> None:
    argv = ["schema"] if fmt is None else ["schema", "--format", fmt]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out) == json_schema(fmt or "json")


def test_validate_says_what_each_brand_covers(tmp_path, capsys):
    declared = {
        "schema_version": "1.0",
        "brands": [
            {
                "brand_id": "b1",
                "name": "辛选",
                "category": "美妆",
                "accounts": [{"account_id": "a1", "platform": "kuaishou", "name": "店"}],
                "coverage": [
                    {"section": "talent_collabs"},
                    {"section": "orders", "start": "2021-09-01", "end": "2021-09-06"},
                ],
            },
            {"brand_id": "b2", "name": "乙", "category": "美妆"},
        ],
    }
    path = tmp_path / "covered.json"
    path.write_text(json.dumps(declared), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == (
        "  b1: provided talent_collabs (0), orders (0 2021-09-01..2021-09-06); not provided: "
        "streams, plans, stream_products, products, fan_groups, trust_signals, short_videos, "
        "paid_campaigns, audience (coverage declared)"
    )
    assert lines[2].startswith("  b2: provided nothing; not provided: streams")
    assert lines[2].endswith("(coverage inferred from the records)")
