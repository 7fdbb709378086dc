"""``steps gmv``: the factor table, JSON, segments and the errors."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from steps.cli import COMMANDS, main
from steps.domain.enums import Platform
from steps.domain.model import Account, Brand, Dataset, Product, StreamProduct
from steps.io.files import dump
from tests.gmv.support import five_factor_streams, make_stream

PERIODS = ["--from", "2021-08-01..2021-08-31", "--to", "2021-09-01..2021-09-30"]


def _brand(brand_id: str = "b1") -> Brand:
    (aug,), (sep,) = five_factor_streams()
    products = [StreamProduct("p1", orders=50, gmv_fen=600_000)]
    return Brand(
        brand_id=brand_id,
        name="茶饮旗舰",
        category="food",
        accounts=(
            Account(account_id="main", platform=Platform.KUAISHOU, name="官方旗舰店"),
            Account(account_id="side", platform=Platform.KUAISHOU, name="福利号"),
        ),
        products=(Product(product_id="p1", name="乌龙茶", category="food", price_fen=12_000),),
        streams=(
            # the worked example on account "main", plus a stream on "side" in each month
            make_stream("aug", account="main", day=date(2021, 8, 10), uv=aug.uv,
                        watch_minutes=aug.watch_seconds // 60, buyers=aug.buyers,
                        orders=aug.orders, gmv_yuan=aug.gmv_fen // 100,
                        uv_by_source=aug.uv_by_source, products=products),
            make_stream("sep", account="main", day=date(2021, 9, 10), uv=sep.uv,
                        watch_minutes=sep.watch_seconds // 60, buyers=sep.buyers,
                        orders=sep.orders, gmv_yuan=sep.gmv_fen // 100,
                        uv_by_source=sep.uv_by_source),
            make_stream("aug-side", account="side", day=date(2021, 8, 31), uv=200,
                        watch_minutes=400, buyers=10, orders=10, gmv_yuan=1000),
            make_stream("sep-side", account="side", day=date(2021, 9, 1), uv=200,
                        watch_minutes=400, buyers=10, orders=10, gmv_yuan=1000),
            make_stream("july", account="side", day=date(2021, 7, 31), uv=9, watch_minutes=9,
                        buyers=9, orders=9, gmv_yuan=9),
        ),
    )  # fmt: skip


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "brands.json"
    dump(Dataset(brands=(_brand(),)), path)
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["gmv", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_gmv_is_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert "gmv" in COMMANDS
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "gmv" in capsys.readouterr().out


def test_table(capsys: pytest.CaptureFixture[str], data_file: Path) -> None:
    code, out, err = _run(capsys, str(data_file), *PERIODS, "--by", "account", "--lang", "en")
    assert code == 0, err
    assert err == ""
    assert "Periods: 2021-08-01..2021-08-31 → 2021-09-01..2021-09-30 · method: additive LMDI" in out
    # the scope is stated: self-broadcast streams, talent GMV beside it
    assert "Scope: self-broadcast streams" in out
    assert "Talent distribution: no collaborations on this platform recorded" in out
    assert "b1 茶饮旗舰 · kuaishou · Kuaishou content form, five factors" in out
    # the worked example plus 1,000 yuan on the side account in each period (no change)
    assert "streams: 2 → 2" in out
    assert "GMV rose 70.3% (12,000.00 yuan → 20,440.00 yuan)" in out
    # the largest positive driver and the largest drag are named apart
    assert (
        "largest positive driver: buyers per watch-minute (+3,245.41 yuan, 38.5% of the change)"
        in out
    )
    assert "largest drag: AOV per order (-1,591.94 yuan)" in out
    assert "largest contribution" not in out
    lines = out.splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("factor "))) :]
    uv = next(line for line in table if line.startswith("viewers (UV)"))
    # L(20440, 12000) = 8440 / ln(20440 / 12000) = 15,847.03; × ln(1400 / 1200) = 2,442.85
    assert uv.split()[-5:] == ["1,200", "1,400", "+16.7%", "+2,442.85", "28.9%"]
    total = next(line for line in table if line.startswith("GMV (total)"))
    assert total.split()[-5:] == ["12,000.00", "20,440.00", "+70.3%", "+8,440.00", "100.0%"]
    assert "Viewers rose 16.7% (1,200 → 1,400): public natural viewers rose 50.0%" in out
    assert "Top 2 of 2 segments by account" in out
    main_row = next(line for line in lines if line.startswith("main 官方旗舰店"))
    # the main account carries the worked example's contributions exactly, and its driver is
    # named, not keyed
    assert main_row.split()[2:11] == [
        "11,000.00", "19,440.00", "+8,440.00", "100.0%",
        "+2,702.31", "+2,702.31", "+3,307.35", "+1,289.65", "-1,561.62",
    ]  # fmt: skip
    assert main_row.endswith("buyers per watch-minute")
    side_row = next(line for line in lines if line.startswith("side 福利号"))
    assert side_row.split()[-1] == "-"  # nothing moved on the side account
    assert "Factor totals over all segments: viewers (UV) +2,702.31" in out
    assert "buyers_per_minute" not in out
    assert "gmv_fen" not in out


def test_json(capsys: pytest.CaptureFixture[str], data_file: Path) -> None:
    code, out, _ = _run(
        capsys, str(data_file), *PERIODS, "--by", "traffic_source", "--top", "2",
        "--format", "json", "--method", "multiplicative", "--lang", "en",
    )  # fmt: skip
    assert code == 0
    document = json.loads(out)
    assert document["scope"] == "self_broadcast"
    assert document["periods"] == {"from": "2021-08-01..2021-08-31", "to": "2021-09-01..2021-09-30"}
    assert document["warnings"] == []
    assert document["pooled"] == []
    (section,) = document["sections"]
    assert section["brand_id"] == "b1"
    assert section["platform"] == "kuaishou"
    assert section["identity"]["key"] == "kuaishou"
    assert section["streams"] == {"from": 2, "to": 2}
    assert section["buyers"]["definition"] == "per_stream"
    attribution = section["attribution"]
    assert attribution["method"] == "multiplicative"
    assert attribution["delta_fen"] == 844_000
    assert sum(f["contribution_fen"] for f in attribution["factors"]) == 844_000
    assert attribution["largest_driver"] == "buyers_per_minute"
    assert attribution["largest_drag"] == "aov"
    assert next(f["key"] for f in attribution["factors"]) == "uv"
    assert all(f["index"] is not None for f in attribution["factors"])
    segments = attribution["segments"]
    assert segments["dimension"] == "traffic_source"
    assert len(segments["top"]) == 2
    assert segments["top"][0]["display_label"] == "public natural viewers"
    assert sum(segments["column_totals_fen"].values()) == 844_000
    assert section["uv_by_source"]["uv_before"] == 1200
    assert section["uv_by_source"]["sentence"].startswith("Viewers rose 16.7%")


def test_product_segments_explain_their_factors(
    capsys: pytest.CaptureFixture[str], data_file: Path
) -> None:
    for lang, note, rest in (
        ("en", "By product: each product row carries", "(not itemised)"),
        ("zh", "按商品：每个商品行沿用", "（未逐项记录）"),
    ):
        code, out, _ = _run(
            capsys, str(data_file), *PERIODS, "--by", "product", "--top", "5", "--lang", lang
        )
        assert code == 0
        assert "p1 乌龙茶" in out
        assert rest in out
        assert note in out
        # the note names the factors a product's own orders and GMV move, by their names
        named = "orders per buyer, AOV per order" if lang == "en" else "购买频次（复购）、客单价"
        assert named in out
        for key in ("orders_per_buyer", "aov", "buyers_per_minute", "minutes_per_viewer"):
            assert key not in out
    code, out, _ = _run(
        capsys, str(data_file), *PERIODS, "--by", "stream", "--method", "shapley", "--top", "0",
        "--lang", "en",
    )  # fmt: skip
    assert code == 0
    assert "method: Shapley" in out
    assert "segments by" not in out


def test_several_brands_are_shown_each_and_pooled(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "two.jsonl"
    dump(Dataset(brands=(_brand("b1"), _brand("b2"))), path)
    code, out, _ = _run(capsys, str(path), *PERIODS, "--by", "account", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert [s["brand_id"] for s in document["sections"]] == ["b1", "b2"]
    for section in document["sections"]:
        assert section["attribution"]["delta_fen"] == 844_000
        labels = {s["label"] for s in section["attribution"]["segments"]["top"]}
        assert labels == {"main", "side"}
        names = {s["label"]: s["name"] for s in section["attribution"]["segments"]["top"]}
        assert names["main"] == "官方旗舰店"
    # one identity for both: a pooled total beside them
    (pooled,) = document["pooled"]
    assert pooled["brands"] == ["b1", "b2"]
    assert pooled["identity"]["key"] == "kuaishou"
    assert pooled["attribution"]["delta_fen"] == 2 * 844_000
    code, out, _ = _run(capsys, str(path), *PERIODS, "--brand", "b2", "--format", "json")
    document = json.loads(out)
    assert [s["brand_id"] for s in document["sections"]] == ["b2"]
    assert document["pooled"] == []


def test_a_period_without_data_is_an_error(
    capsys: pytest.CaptureFixture[str], data_file: Path
) -> None:
    code, out, err = _run(
        capsys, str(data_file), "--from", "2020-01-01..2020-01-31", "--to", "2021-09-10",
        "--lang", "en",
    )  # fmt: skip
    assert code == 1
    assert out == ""
    assert err == (
        "steps gmv: no self-broadcast streams in the --from period 2020-01-01..2020-01-31 "
        "(brand b1)\n"
    )
    code, out, err = _run(
        capsys, str(data_file), "--from", "2021-08-01..2021-08-31", "--to", "2022-01-01",
        "--lang", "zh",
    )  # fmt: skip
    assert code == 1
    assert err == "steps gmv: 对比期 2022-01-01 没有品牌自播直播（品牌 b1）\n"


def test_overlapping_periods_are_a_warning(
    capsys: pytest.CaptureFixture[str], data_file: Path
) -> None:
    code, out, err = _run(
        capsys, str(data_file), "--from", "2021-08-01..2021-09-05", "--to",
        "2021-09-01..2021-09-30", "--lang", "en",
    )  # fmt: skip
    assert code == 0
    assert err == (
        "warning: the periods overlap on 2021-09-01..2021-09-05; streams in both count in each\n"
    )
    assert "streams: 3 → 2" in out
    code, out, _ = _run(
        capsys, str(data_file), "--from", "2021-08-01..2021-09-05", "--to",
        "2021-09-01..2021-09-30", "--format", "json", "--lang", "en",
    )  # fmt: skip
    assert json.loads(out)["warnings"] == [err.strip()]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "2021-08-31..2021-08-01", "--to", "2021-09-01..2021-09-30"],
         "--from: '2021-08-31..2021-08-01' ends (2021-08-01) before it starts (2021-08-31)"),
        (["--from", "2021-08-01..2021-08-31", "--to", "September"],
         "--to: 'September' is not a period: use START..END"),
        (["--from", "2021-08-01..2021-08-32", "--to", "2021-09-01"], "--from: "),
        ([*PERIODS, "--identity", "grow"],
         "unknown identity 'grow' (known: douyin-fact-plus, funnel, kuaishou, "
         "kuaishou-content-views, traditional)"),
        ([*PERIODS, "--brand", "nope"], "no brand 'nope' (known: b1)"),
        ([*PERIODS, "--identity", "funnel", "--by", "traffic_source"],
         "needs an identity whose first factor is UV"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], data_file: Path, arguments: list[str], message: str
) -> None:
    code, out, err = _run(capsys, str(data_file), *arguments)
    assert code == 2
    assert out == ""
    assert err.startswith("steps gmv: ")
    assert message in err


def test_missing_input_exits_1_naming_the_streams(
    capsys: pytest.CaptureFixture[str], data_file: Path
) -> None:
    code, out, err = _run(capsys, str(data_file), *PERIODS, "--identity", "funnel")
    assert code == 1
    assert out == ""
    assert "identity 'funnel' needs exposure" in err
    assert "no stream records exposure (2 streams)" in err


def test_invalid_file_and_bad_top(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema_version": "1.0", "brands": [{"brand_id": 1}]}', encoding="utf-8")
    code, _, err = _run(capsys, str(broken), *PERIODS)
    assert code == 1
    assert "broken.json" in err
    with pytest.raises(SystemExit) as exited:
        main(["gmv", str(broken), *PERIODS, "--top", "-3"])
    assert exited.value.code == 2
    assert "must be >= 0" in capsys.readouterr().err
