"""``steps trend`` and ``steps plan`` from the command line, in both languages."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import attrs
import pytest

import steps
from steps.cli import COMMANDS, main
from steps.domain.model import Dataset
from steps.io.files import dump
from tests.gmv.support import douyin_brand, english_words, kuaishou_brand

WINDOW = {"window_start": date(2021, 8, 1), "window_end": date(2021, 9, 30)}


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Dataset]:
    dataset = steps.sample_dataset()
    path = tmp_path_factory.mktemp("sample") / "sample.json"
    dump(dataset, path)
    return path, dataset


@pytest.fixture(scope="module")
def mixed_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Dataset]:
    dataset = Dataset(
        brands=(attrs.evolve(kuaishou_brand(), **WINDOW), attrs.evolve(douyin_brand(), **WINDOW))
    )
    path = tmp_path_factory.mktemp("mixed") / "mixed.json"
    dump(dataset, path)
    return path, dataset


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_commands_are_registered() -> None:
    assert {"trend", "plan"} <= set(COMMANDS)


# -- steps trend --------------------------------------------------------------------------------


def test_trend_text(capsys: pytest.CaptureFixture[str], sample_file: tuple[Path, Dataset]) -> None:
    path, dataset = sample_file
    code, out, err = run(
        capsys, "trend", str(path), "--brand", "b01", "--by", "month", "--lang", "en"
    )
    brand = next(b for b in dataset.brands if b.brand_id == "b01")
    month_gmv = {
        month: sum(s.gmv_fen for s in brand.streams if s.started_at.month == month)
        for month in (8, 9)
    }
    change = month_gmv[9] / month_gmv[8] - 1
    assert code == 0, err
    assert "GMV trend by month: self-broadcast streams" in out
    assert "b01 云织服饰 · kuaishou · Kuaishou content form, five factors" in out
    lines = out.splitlines()
    row = next(line for line in lines if line.startswith("2021-09 "))
    assert f"{change:+.1%}" in row  # 环比 on August
    # the change table: September's contributions add up to its ΔGMV
    changes = lines[lines.index(next(x for x in lines if x.startswith("Change on the period"))) :]
    september = next(line for line in changes if line.startswith("2021-09"))
    cells = [int(c.replace(",", "").replace(".", "")) for c in september.split()[1:]]
    assert cells[0] == sum(cells[1:])
    assert "STEPS per period" in out
    assert "Pillars: S Self-broadcast, T Public-domain traffic boost" in out
    # no year back in the sample: no 同比 column
    assert "vs year ago" not in out


def test_trend_json_and_csv_add_up(
    capsys: pytest.CaptureFixture[str], mixed_file: tuple[Path, Dataset]
) -> None:
    path, _ = mixed_file
    code, out, _ = run(capsys, "trend", str(path), "--by", "week", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert [t["identity"]["key"] for t in document["trends"]] == ["kuaishou", "douyin-fact-plus"]
    for series in document["trends"]:
        for p in series["periods"]:
            if p["previous"] is not None:
                change = p["previous"]
                assert sum(change["contributions_fen"].values()) == change["delta_fen"]
    code, out, _ = run(capsys, "trend", str(path), "--by", "month", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["brand_id"], r["period"]) for r in rows] == [
        ("ks", "2021-08"), ("ks", "2021-09"), ("dy", "2021-08"), ("dy", "2021-09"),
    ]  # fmt: skip
    for row in rows:
        if row["pop_delta_fen"]:
            parts = [int(v) for k, v in row.items() if k.startswith("pop_contribution_fen.") and v]
            assert sum(parts) == int(row["pop_delta_fen"])
    assert rows[0]["factor.uv"]
    assert not rows[0]["factor.exposure"]
    assert rows[2]["factor.exposure"]
    assert not rows[2]["factor.uv"]


def test_trend_in_chinese(
    capsys: pytest.CaptureFixture[str], mixed_file: tuple[Path, Dataset]
) -> None:
    path, dataset = mixed_file
    for fmt in ("text", "csv"):
        code, out, err = run(capsys, "trend", str(path), "--lang", "zh", "--format", fmt)
        assert code == 0, err
        assert english_words(out, dataset) == [], fmt
    code, out, _ = run(capsys, "trend", str(path), "--lang", "zh")
    assert "环比" in out
    assert "GMV 趋势（按周）" in out
    assert "抖音 FACT+：内容宽度 × 转化深度" in out


def test_trend_errors(capsys: pytest.CaptureFixture[str], mixed_file: tuple[Path, Dataset]) -> None:
    path, _ = mixed_file
    code, _out, err = run(capsys, "trend", str(path), "--brand", "nope")
    assert code == 2
    assert "no brand 'nope' (known: ks, dy)" in err
    with pytest.raises(SystemExit):
        main(["trend", str(path), "--by", "day"])


# -- steps plan ---------------------------------------------------------------------------------


def test_plan_text(capsys: pytest.CaptureFixture[str], sample_file: tuple[Path, Dataset]) -> None:
    path, _ = sample_file
    code, out, err = run(
        capsys, "plan", str(path), "--brand", "b00", "--target-gmv", "50万", "--hold", "uv",
        "--lang", "en",
    )  # fmt: skip
    assert code == 0, err
    assert "Base: 2021-09, the latest complete month of the data" in out
    assert "Target for 2021-10: GMV 500,000.00 yuan" in out
    assert "Held at their base value: viewers (UV)." in out
    assert "The factor targets multiply back to 500,000.00 yuan (target 500,000.00 yuan)." in out
    assert "viewers (UV): held" in out
    assert "Repurchase rate · STEPS:" in out
    for key in ("orders_per_buyer", "buyers_per_minute", "minutes_per_viewer"):
        assert key not in out


def test_plan_json_multiplies_back(
    capsys: pytest.CaptureFixture[str], mixed_file: tuple[Path, Dataset]
) -> None:
    path, _ = mixed_file
    for brand, identity in (("ks", "kuaishou"), ("dy", "douyin-fact-plus")):
        code, out, err = run(
            capsys, "plan", str(path), "--brand", brand, "--target-gmv", "¥1,234,567.89",
            "--weight", "aov_per_buyer=3" if brand == "dy" else "aov=3", "--format", "json",
        )  # fmt: skip
        assert code == 0, err
        document = json.loads(out)
        assert document["identity"]["key"] == identity
        assert document["target_gmv_fen"] == 123_456_789
        product = 1.0
        for f in document["factors"]:
            product *= f["target"]
        assert abs(product / 123_456_789 - 1) <= 1e-9
        assert all(f["levers"] for f in document["factors"])


def test_plan_in_chinese(
    capsys: pytest.CaptureFixture[str], mixed_file: tuple[Path, Dataset]
) -> None:
    path, dataset = mixed_file
    for brand in ("ks", "dy"):
        code, out, err = run(
            capsys, "plan", str(path), "--brand", brand, "--target-gmv", "1.2亿", "--lang", "zh",
            "--hold", "uv" if brand == "ks" else "exposure",
        )  # fmt: skip
        assert code == 0, err
        assert "目标拆解" in out
        assert "1.20亿元" in out
        # advice quoted from the scorers is theirs; the plan's own words are Chinese
        own = "\n".join(line for line in out.splitlines() if not line.startswith("      "))
        assert english_words(own, dataset) == []


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["--target-gmv", "lots"], 2, "--target-gmv: must be a number"),
        (["--target-gmv", "0"], 2, "--target-gmv: must be a positive amount"),
        (["--target-gmv", "50万", "--hold", "viewers"], 2, "unknown factor(s) viewers"),
        (["--target-gmv", "50万", "--weight", "aov"], 2, "must be FACTOR=WEIGHT"),
        (["--target-gmv", "50万", "--base", "2020-01-01..2020-01-31"], 1,
         "no self-broadcast GMV in 2020-01-01..2020-01-31"),
        (["--target-gmv", "50万", "--platform", "mars"], 2, "unknown platform 'mars'"),
    ],
)  # fmt: skip
def test_plan_errors(
    capsys: pytest.CaptureFixture[str],
    sample_file: tuple[Path, Dataset],
    arguments: list[str],
    code: int,
    message: str,
) -> None:
    path, _ = sample_file
    if "--weight" in arguments:
        with pytest.raises(SystemExit) as exited:
            main(["plan", str(path), "--brand", "b00", *arguments])
        assert exited.value.code == 2
        assert message in capsys.readouterr().err
        return
    got, out, err = run(capsys, "plan", str(path), "--brand", "b00", *arguments)
    assert got == code
    assert out == ""
    assert message in err
    assert re.match(r"^steps plan: ", err)
