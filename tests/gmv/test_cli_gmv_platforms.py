"""``steps gmv`` on brands of different platforms, with order details, and in Chinese."""

from __future__ import annotations

import json
import re
from pathlib import Path

import attrs
import pytest

from steps.cli import main
from steps.domain import metrics
from steps.domain.model import Dataset
from steps.io.files import dump
from tests.gmv.support import douyin_brand, english_words, kuaishou_brand, with_order_details

MONTHS = ["--from", "2021-08-01..2021-08-31", "--to", "2021-09-01..2021-09-30"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["gmv", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def mixed(tmp_path: Path) -> tuple[Path, Dataset]:
    dataset = Dataset(brands=(kuaishou_brand(), douyin_brand()))
    path = tmp_path / "mixed.json"
    dump(dataset, path)
    return path, dataset


def test_each_platform_under_its_own_identity_never_pooled(
    capsys: pytest.CaptureFixture[str], mixed: tuple[Path, Dataset]
) -> None:
    path, _ = mixed
    code, out, err = run(capsys, str(path), *MONTHS, "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    identities = {s["brand_id"]: s["identity"]["key"] for s in document["sections"]}
    assert identities == {"ks": "kuaishou", "dy": "douyin-fact-plus"}
    assert {s["platform"] for s in document["sections"]} == {"kuaishou", "douyin"}
    # different identities: no pooled total
    assert document["pooled"] == []
    douyin = next(s for s in document["sections"] if s["brand_id"] == "dy")
    factors = [f["key"] for f in douyin["attribution"]["factors"]]
    assert factors == ["exposure", "seeding_rate", "conversion", "aov_per_buyer"]
    assert (
        sum(f["contribution_fen"] for f in douyin["attribution"]["factors"])
        == (douyin["attribution"]["delta_fen"])
    )
    code, out, _ = run(capsys, str(path), *MONTHS, "--lang", "en")
    assert "ks 快手茶饮 · kuaishou · Kuaishou content form, five factors" in out
    assert "dy 抖音美妆 · douyin · Douyin FACT+: content width × conversion depth" in out
    assert "Pooled" not in out


def test_a_brand_on_two_platforms_is_split(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ks, dy = kuaishou_brand("both"), douyin_brand("dyb")
    brand = attrs.evolve(ks, accounts=ks.accounts + dy.accounts, streams=ks.streams + dy.streams)
    path = tmp_path / "both.json"
    dump(Dataset(brands=(brand,)), path)
    code, out, _ = run(capsys, str(path), *MONTHS, "--format", "json")
    assert code == 0
    document = json.loads(out)
    sections = [(s["platform"], s["identity"]["key"]) for s in document["sections"]]
    assert sections == [("kuaishou", "kuaishou"), ("douyin", "douyin-fact-plus")]
    total = sum(s["attribution"]["delta_fen"] for s in document["sections"])
    september = sum(s.gmv_fen for s in brand.streams if s.started_at.month == 9)
    august = sum(s.gmv_fen for s in brand.streams if s.started_at.month == 8)
    assert total == september - august


def test_douyin_without_exposure_falls_back_and_says_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dataset = Dataset(brands=(douyin_brand(exposure=False),))
    path = tmp_path / "bare.json"
    dump(dataset, path)
    code, out, _ = run(capsys, str(path), *MONTHS, "--format", "json", "--lang", "en")
    assert code == 0
    (section,) = json.loads(out)["sections"]
    assert section["identity"]["key"] == "traditional"
    assert section["identity_fallback"]["wanted"] == "douyin-fact-plus"
    assert section["identity_fallback"]["missing"] == ["exposure", "product_click_uv"]
    assert "no stream records exposure (5 streams)" in section["identity_fallback"]["reason"]
    code, out, _ = run(capsys, str(path), *MONTHS, "--lang", "en")
    assert (
        "Douyin FACT+: content width × conversion depth needs exposure, product-click viewers, "
        "which these streams do not all record; read by Traditional e-commerce" in out
    )
    code, out, _ = run(capsys, str(path), *MONTHS, "--lang", "zh")
    assert "抖音 FACT+：内容宽度 × 转化深度需要曝光次数、商品点击人数，这些直播没有完整记录" in out
    assert english_words(out, dataset) == []


def test_distinct_buyers_from_complete_order_details(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    brand = with_order_details(kuaishou_brand())
    path = tmp_path / "orders.json"
    dump(Dataset(brands=(brand,)), path)
    code, out, _ = run(capsys, str(path), *MONTHS, "--format", "json", "--lang", "en")
    assert code == 0
    (section,) = json.loads(out)["sections"]
    buyers = section["buyers"]
    assert buyers["definition"] == "distinct"
    assert buyers["itemised_orders"] == buyers["orders"] == len(brand.orders)
    for side, month in (("from", 8), ("to", 9)):
        ids = {s.stream_id for s in brand.streams if s.started_at.month == month}
        orders = [o for o in brand.orders if o.stream_id in ids]
        # an independent count: distinct keys among the period's orders (none refunded)
        assert buyers[side] == len({o.buyer_key for o in orders})
        assert buyers[side] == metrics.distinct_buyers(orders)
        assert buyers[side] < sum(s.buyers for s in brand.streams if s.stream_id in ids)
    factors = {f["key"]: f for f in section["attribution"]["factors"]}
    august = [s for s in brand.streams if s.started_at.month == 8]
    assert factors["orders_per_buyer"]["before"] == pytest.approx(
        sum(s.orders for s in august) / buyers["from"]
    )
    assert (
        sum(f["contribution_fen"] for f in factors.values())
        == (section["attribution"]["delta_fen"])
    )
    code, out, _ = run(capsys, str(path), *MONTHS, "--lang", "en")
    assert "buyers: distinct buyers over each period, from the order details" in out
    # partial order details: per-stream totals, and the text says how many are itemised
    partial = attrs.evolve(brand, orders=brand.orders[:100])
    dump(Dataset(brands=(partial,)), path)
    code, out, _ = run(capsys, str(path), *MONTHS, "--lang", "en")
    assert "the order details itemise 100 of 580 orders" in out


@pytest.mark.parametrize("by", [None, "account", "traffic_source", "product", "stream"])
def test_chinese_output_is_chinese(
    capsys: pytest.CaptureFixture[str], mixed: tuple[Path, Dataset], by: str | None
) -> None:
    path, dataset = mixed
    extra = ["--by", by] if by is not None else []
    code, out, err = run(capsys, str(path), *MONTHS, "--lang", "zh", *extra)
    assert code == 0, err
    assert "品牌自播" in out
    assert english_words(out, dataset) == []
    code, _, err = run(capsys, str(path), "--from", "2021-08-01..2021-09-05", *MONTHS[2:],
                       "--lang", "zh", *extra)  # fmt: skip
    assert code == 0
    assert english_words(err, dataset) == []


def test_english_output_has_no_chinese_of_its_own(
    capsys: pytest.CaptureFixture[str], mixed: tuple[Path, Dataset]
) -> None:
    path, dataset = mixed
    code, out, _ = run(capsys, str(path), *MONTHS, "--lang", "en", "--by", "traffic_source",
                       "--identity", "kuaishou")  # fmt: skip
    assert code == 0
    names = {b.name for b in dataset.brands} | {a.name for b in dataset.brands for a in b.accounts}
    for name in names:
        out = out.replace(name, "")
    assert re.findall(r"[\u4e00-\u9fff]+", out) == []


def test_segments_by_source_where_the_identity_starts_with_uv(
    capsys: pytest.CaptureFixture[str], mixed: tuple[Path, Dataset]
) -> None:
    path, _ = mixed
    code, out, _ = run(capsys, str(path), *MONTHS, "--by", "traffic_source", "--format", "json")
    assert code == 0
    kuaishou, douyin = json.loads(out)["sections"]
    assert kuaishou["attribution"]["segments"]["dimension"] == "traffic_source"
    assert kuaishou["segments_note"] is None
    assert douyin["attribution"]["segments"] is None
    assert douyin["segments_note"].endswith("this one starts with content width (exposure).")
    # an identity asked for by name must fit every brand
    code, _, err = run(capsys, str(path), *MONTHS, "--by", "traffic_source", "--identity",
                       "douyin-fact-plus")  # fmt: skip
    assert code == 2
    assert "needs an identity whose first factor is UV" in err
