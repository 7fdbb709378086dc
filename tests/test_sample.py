"""The seeded synthetic generator (steps.sample): determinism, validity, lifecycle shapes,
the streaming JSON Lines path, the CLI and the bundled sample."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest

import steps
from steps.cli import main
from steps.domain import LifecycleStage, Platform, TrafficSource, metrics
from steps.io.files import dumps, loads
from steps.sample import (
    MAX_WINDOW_DAYS,
    brand_spec,
    generate,
    iter_records,
    sample_dataset,
    write_jsonl,
)

SEEDS = (0, 1, 2, 2021)


def talent_share(brand: steps.Brand) -> float:
    talent = metrics.talent_gmv_fen(brand)
    return talent / (talent + metrics.self_broadcast_gmv_fen(brand))


def known(value: float | None) -> float:
    assert value is not None
    return value


def streams_per_week(brand: steps.Brand) -> float:
    assert brand.window_start is not None
    assert brand.window_end is not None
    days = (brand.window_end - brand.window_start).days + 1
    return len(brand.streams) / (days / 7)


def test_same_seed_same_data_and_different_seed_different_data():
    assert generate(3, seed=5) == generate(3, seed=5)
    assert generate(3, seed=5) != generate(3, seed=6)


def test_brands_cycle_stages_platforms_and_categories():
    dataset = generate(6, seed=0)
    specs = [brand_spec(i) for i in range(6)]
    assert [s.stage for s in specs] == [
        LifecycleStage.LAUNCH,
        LifecycleStage.GROWTH,
        LifecycleStage.MATURE,
    ] * 2
    assert [s.platform for s in specs] == [Platform.KUAISHOU] * 3 + [Platform.DOUYIN] * 3
    for brand, spec in zip(dataset.brands, specs, strict=True):
        assert brand.category == spec.category
        assert brand.tier
        assert {a.platform for a in brand.accounts} == {spec.platform}
        assert brand.window_start is not None
        assert brand.window_end is not None
        assert all(
            brand.window_start <= s.started_at.date() <= brand.window_end for s in brand.streams
        )


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_data_round_trips_through_the_loader(seed):
    dataset = generate(6, seed=seed)
    # loads() validates every object again from plain data.
    assert loads(dumps(dataset)) == dataset


@pytest.mark.parametrize("streams", [1, 2, 7, 120])
def test_any_stream_count_gives_valid_data(streams):
    dataset = generate(6, seed=3, streams_per_brand=streams, days=30)
    assert [len(b.streams) for b in dataset.brands] == [streams] * 6
    assert loads(dumps(dataset)) == dataset


def test_many_streams_stretch_the_window_then_add_accounts():
    dataset = generate(1, seed=0, streams_per_brand=2_000, orders=False)
    (brand,) = dataset.brands
    assert brand.window_start is not None
    assert brand.window_end is not None
    assert (brand.window_end - brand.window_start).days + 1 == MAX_WINDOW_DAYS
    assert len(brand.accounts) >= 2_000 / MAX_WINDOW_DAYS
    per_account_day = Counter((s.account_id, s.started_at.date()) for s in brand.streams)
    assert max(per_account_day.values()) == 1


def test_records_are_plausible():
    dataset = generate(6, seed=1)
    streams = [s for b in dataset.brands for s in b.streams]
    assert sum(s.plan is not None for s in streams) > 0.75 * len(streams)
    for brand in dataset.brands:
        products = {p.product_id: p for p in brand.products}
        assert {p.role for p in brand.products} >= {"traffic", "hero", "profit"}
        for stream in brand.streams:
            assert stream.uv_by_source
            assert stream.gmv_by_source
            assert stream.exposure is not None
            assert stream.exposure >= stream.uv
            assert stream.orders_created is not None
            assert stream.orders_created >= stream.orders >= stream.buyers
            assert stream.products
            assert sum(p.gmv_fen for p in stream.products) <= stream.gmv_fen
            assert sum(p.orders for p in stream.products) <= stream.orders
            assert all(p.orders > 0 for p in stream.products if p.gmv_fen > 0)
        for collab in brand.talent_collabs:
            assert 0.1 <= collab.commission_fen / collab.gmv_fen <= 0.3
            assert collab.audience is not None
        for order in brand.orders:
            assert order.buyer_key.startswith("u_")
            assert order.product_id in products
        assert brand.short_videos
        assert brand.trust_signals


@pytest.mark.parametrize("seed", SEEDS)
def test_lifecycle_shapes(seed):
    launch, growth, mature = generate(3, seed=seed).brands

    assert talent_share(launch) > 0.8
    assert streams_per_week(launch) <= 2
    assert len(launch.accounts) == 1
    assert all(a.fan_group is None or a.fan_group.members < 1_000 for a in launch.accounts)

    assert 4 <= streams_per_week(growth) <= 5
    assert len(growth.accounts) in (2, 3)
    # 100w+ talents: >= 1,000,000 CNY of distribution GMV (DOMAIN.md section 6).
    assert sum(c.gmv_fen >= 100_000_000 for c in growth.talent_collabs) >= 2
    assert 2 <= known(metrics.paid_roi(growth.streams)) <= 4

    assert streams_per_week(mature) >= 6
    assert sum(p.channel_exclusive for p in mature.products) > 0
    assert known(metrics.gmv_share_from(mature.streams, TrafficSource.PRIVATE)) > 0.5
    assert min(a.fan_group.members for a in mature.accounts if a.fan_group) > 10_000

    # Kuaishou's published repurchase rate: 65% (2020), above 70% (September 2021).
    rates = [known(metrics.repurchase_rate(b.orders)) for b in (launch, growth, mature)]
    assert 0.6 <= rates[2] <= 0.75
    assert rates[0] < rates[1] < rates[2]
    shares = [talent_share(b) for b in (launch, growth, mature)]
    assert shares[0] > shares[1] > shares[2]


def test_growth_brand_warms_up_over_its_first_streams():
    growth = generate(3, seed=0, streams_per_brand=60).brands[1]
    main = [s for s in growth.streams if s.account_id == growth.accounts[0].account_id]
    first, later = main[:5], main[-10:]
    assert sum(s.uv for s in first) / len(first) < sum(s.uv for s in later) / len(later)


def test_douyin_brands_live_on_public_traffic_and_short_videos():
    dataset = generate(6, seed=0)
    for kuaishou, douyin in zip(dataset.brands[:3], dataset.brands[3:], strict=True):
        public = (TrafficSource.PUBLIC_NATURAL, TrafficSource.SHORT_VIDEO)
        assert known(metrics.gmv_share_from(douyin.streams, *public)) > known(
            metrics.gmv_share_from(kuaishou.streams, *public)
        )
        weeks = len(douyin.streams) / streams_per_week(douyin)
        assert len(douyin.short_videos) / weeks > len(kuaishou.short_videos) / weeks


def test_orders_false_leaves_out_orders_and_nothing_else():
    with_orders = generate(3, seed=4)
    without = generate(3, seed=4, orders=False)
    assert all(not b.orders for b in without.brands)
    assert [b.streams for b in without.brands] == [b.streams for b in with_orders.brands]
    assert [b.talent_collabs for b in without.brands] == [
        b.talent_collabs for b in with_orders.brands
    ]


def test_jsonl_path_equals_generate(tmp_path):
    path = tmp_path / "brands.jsonl"
    counts = write_jsonl(path, 4, seed=9, streams_per_brand=40)
    assert steps.load(path) == generate(4, seed=9, streams_per_brand=40)
    assert counts["brand"] == 4
    assert counts["stream"] == 160


def test_fast_writer_writes_exactly_what_json_makes_of_the_records(tmp_path):
    path = tmp_path / "brands.jsonl"
    write_jsonl(path, 6, seed=2, streams_per_brand=30)
    encode = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode
    expected = "".join(encode(r) + "\n" for r in iter_records(6, seed=2, streams_per_brand=30))
    assert path.read_text(encoding="utf-8") == expected


@pytest.mark.parametrize(
    "arguments",
    [{"brands": -1}, {"seed": -1}, {"streams_per_brand": 0}, {"days": 0}],
)
def test_bad_arguments_are_refused(tmp_path, arguments):
    with pytest.raises(ValueError, match="must be"):
        generate(**arguments)
    with pytest.raises(ValueError, match="must be"):
        iter_records(**arguments)  # at the call, not at the first record
    with pytest.raises(ValueError, match="must be"):
        write_jsonl(tmp_path / "never.jsonl", **arguments)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_cli_writes_a_loadable_file(tmp_path, capsys, suffix):
    path = tmp_path / f"sample{suffix}"
    arguments = ["--brands", "2", "--seed", "7", "--streams-per-brand", "5", "-o", str(path)]
    assert main(["sample", *arguments]) == 0
    assert steps.load(path) == generate(2, seed=7, streams_per_brand=5)
    assert "2 brands, 10 streams" in capsys.readouterr().err


def test_cli_no_orders_and_bad_suffix(tmp_path, capsys):
    path = tmp_path / "sample.jsonl"
    assert main(["sample", "--brands", "1", "--no-orders", "-o", str(path)]) == 0
    assert not steps.load(path).brands[0].orders
    assert main(["sample", "-o", str(tmp_path / "sample.csv")]) == 1
    assert "unknown file type" in capsys.readouterr().err


def test_bundled_sample_is_up_to_date():
    assert sample_dataset() == generate(brands=3, seed=2021), (
        "steps/data/sample.json is stale: regenerate it with "
        "`steps sample --brands 3 --seed 2021 -o steps/data/sample.json`"
    )
    assert sample_dataset() is sample_dataset()
    assert steps.sample_dataset is sample_dataset


def test_generated_dates_follow_start():
    dataset = generate(1, seed=0, start=date(2022, 6, 1), days=20)
    assert dataset.brands[0].window_start == date(2022, 6, 1)
    assert {s.campaign for s in dataset.brands[0].streams} <= {"618", None}
