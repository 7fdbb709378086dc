"""The seeded synthetic generator (steps.sample): determinism, validity, lifecycle shapes,
the streaming JSON Lines path, the CLI and the bundled sample."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import date
from importlib import resources
from pathlib import Path

import attrs
import pytest

import steps
from steps.cli import main
from steps.domain import LifecycleStage, Platform, Section, TrafficSource, metrics
from steps.domain.model import Brand, Order, Stream
from steps.io.exports import builtin_profiles
from steps.io.files import dumps, loads
from steps.sample import (
    MAX_WINDOW_DAYS,
    SHAPES,
    brand_spec,
    generate,
    iter_records,
    sample_dataset,
    write_jsonl,
)

SEEDS = (0, 1, 2, 2021)
#: Sections a stream record carries inside it.
IN_STREAMS = {Section.PLANS, Section.STREAM_PRODUCTS}


@pytest.fixture(scope="module")
def six() -> steps.Dataset:
    """Three Kuaishou and three Douyin brands, one of each stage, with every order."""
    return generate(6, seed=2021)


def paid(order: Order) -> bool:
    return order.amount_fen > 0 and (order.refunded_fen or 0) < order.amount_fen


def by_channel(brand: Brand) -> dict[str, list[Order]]:
    orders: dict[str, list[Order]] = defaultdict(list)
    for order in brand.orders:
        channel = order.stream_id or order.collab_id
        assert channel is not None
        orders[channel].append(order)
    return orders


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
    assert 2 <= known(metrics.paid_roi(growth.streams)) <= 4

    assert streams_per_week(mature) >= 6
    assert sum(p.channel_exclusive for p in mature.products) > 0
    assert known(metrics.gmv_share_from(mature.streams, TrafficSource.PRIVATE)) > 0.5

    # Kuaishou's published repurchase rate: 65% (2020), above 70% (September 2021).
    rates = [known(metrics.paid_repurchase_rate(b.orders)) for b in (launch, growth, mature)]
    assert 0.6 <= rates[2] <= 0.75
    assert rates[0] < rates[1] < rates[2]
    assert rates[0] < 0.3
    shares = [talent_share(b) for b in (launch, growth, mature)]
    assert shares[0] > shares[1] > shares[2]


@pytest.mark.parametrize("seed", SEEDS)
def test_large_brands_reach_the_published_milestones(seed):
    _, growth, mature = generate(3, seed=seed, scale=20, orders=False).brands
    # 100w+ talents: >= 1,000,000 CNY of distribution GMV (the article).
    assert sum(c.gmv_fen >= 100_000_000 for c in growth.talent_collabs) >= 2
    assert min(a.fan_group.members for a in mature.accounts if a.fan_group) > 10_000
    assert sum(s.uv for s in mature.streams) / len(mature.streams) > 100_000


def test_scale_multiplies_the_audience_and_the_orders():
    small, large = generate(3, seed=8), generate(3, seed=8, scale=4)
    for a, b in zip(small.brands, large.brands, strict=True):
        assert [s.started_at for s in a.streams] == [s.started_at for s in b.streams]
        ratio = sum(s.uv for s in b.streams) / sum(s.uv for s in a.streams)
        assert 3 < ratio < 5
        assert 3 < len(b.orders) / len(a.orders) < 5


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
    for full, bare in zip(with_orders.brands, without.brands, strict=True):
        assert full.orders
        assert not bare.orders
        assert not bare.provided(Section.ORDERS)
        coverage = tuple(c for c in full.covered() if c.section is not Section.ORDERS)
        assert bare == attrs.evolve(full, orders=(), coverage=coverage)


def test_jsonl_path_equals_generate(tmp_path):
    path = tmp_path / "brands.jsonl"
    counts = write_jsonl(path, 4, seed=9, streams_per_brand=40)
    dataset = generate(4, seed=9, streams_per_brand=40)
    assert steps.load(path) == dataset
    assert counts["brand"] == 4
    assert counts["stream"] == 160
    assert counts["order"] == sum(len(b.orders) for b in dataset.brands) > 0
    assert counts["paid_campaign"] == sum(len(b.paid_campaigns) for b in dataset.brands) > 0


@pytest.mark.parametrize(
    "arguments",
    [
        {"streams_per_brand": 30},
        {"streams_per_brand": 3, "shape": "kuaishou-live-export"},
        {"streams_per_brand": 3, "shape": "douyin-live-export"},
        {"streams_per_brand": 3, "sections": ("orders", "products", "fan_groups")},
    ],
)
def test_fast_writer_writes_exactly_what_json_makes_of_the_records(tmp_path, arguments):
    path = tmp_path / "brands.jsonl"
    write_jsonl(path, 6, seed=2, **arguments)
    encode = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode
    expected = "".join(encode(r) + "\n" for r in iter_records(6, seed=2, **arguments))
    assert path.read_text(encoding="utf-8") == expected
    assert steps.load(path) == generate(6, seed=2, **arguments)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"brands": -1}, "brands must be >= 0"),
        ({"seed": -1}, "seed must be >= 0"),
        ({"streams_per_brand": 0}, "streams_per_brand must be >= 1"),
        ({"days": 0}, "days must be >= 1"),
        ({"scale": 0}, "scale must be > 0"),
        ({"scale": float("nan")}, "scale must be > 0"),
        ({"scale": 1e6}, "scale must be > 0 and <= 1000"),
        ({"shape": "taobao-export"}, "unknown shape 'taobao-export': shapes are"),
        ({"sections": ("streams", "tweets")}, "unknown section 'tweets'"),
        ({"sections": "streams"}, "not one string"),
        ({"sections": ("plans",)}, "section plans needs streams as well"),
        ({"sections": ("streams", "stream_products")}, "needs products as well"),
        ({"shape": "douyin-live-export", "sections": ("streams",)}, "not both"),
    ],
)
def test_bad_arguments_are_refused(tmp_path, arguments, message):
    with pytest.raises(ValueError, match=message):
        generate(**arguments)
    with pytest.raises(ValueError, match=message):
        iter_records(**arguments)  # at the call, not at the first record
    with pytest.raises(ValueError, match=message):
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


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_cli_shape_sections_and_scale(tmp_path, capsys, suffix):
    shaped = tmp_path / f"live{suffix}"
    arguments = ["--brands", "2", "--seed", "3", "--days", "6", "--shape", "douyin-live-export"]
    assert main(["sample", *arguments, "-o", str(shaped)]) == 0
    dataset = steps.load(shaped)
    assert dataset == generate(2, seed=3, days=6, shape="douyin-live-export")
    assert all(b.covered() == dataset.brands[0].covered() for b in dataset.brands)
    assert [c.section for c in dataset.brands[0].covered()] == [Section.STREAMS]
    assert "0 orders" in capsys.readouterr().err

    parts = tmp_path / f"parts{suffix}"
    arguments = ["--brands", "1", "--scale", "0.5", "--sections", "orders, products"]
    assert main(["sample", *arguments, "-o", str(parts)]) == 0
    (brand,) = steps.load(parts).brands
    assert brand == generate(1, scale=0.5, sections=("orders", "products")).brands[0]
    assert {c.section for c in brand.covered()} == {Section.ORDERS, Section.PRODUCTS}
    assert brand.orders
    assert not brand.streams


def test_cli_refuses_bad_parts(tmp_path, capsys):
    target = tmp_path / "never.json"
    assert main(["sample", "--sections", "plans", "-o", str(target)]) == 1
    assert "section plans needs streams as well" in capsys.readouterr().err
    for arguments in (
        ["--shape", "taobao-export"],
        ["--sections", "streams,tweets"],
        ["--scale", "0"],
        ["--scale", "many"],
        ["--shape", "kuaishou-live-export", "--sections", "streams"],
    ):
        with pytest.raises(SystemExit) as exit_:
            main(["sample", *arguments, "-o", str(target)])
        assert exit_.value.code == 2
    assert not target.exists()


def test_bundled_sample_is_up_to_date():
    assert sample_dataset() == generate(brands=3, seed=2021), (
        "steps/data/sample.json is stale: regenerate it with "
        "`steps sample --brands 3 --seed 2021 -o steps/data/sample.json`"
    )
    assert sample_dataset() is sample_dataset()
    assert steps.sample_dataset is sample_dataset


def test_bundled_sample_stays_small_and_complete():
    # It ships in the wheel: complete order details of three small merchants, a few MB.
    size = (resources.files("steps") / "data" / "sample.json").read_bytes()
    assert len(size) < 6_000_000
    for brand in sample_dataset().brands:
        assert sum(len(orders) for orders in by_channel(brand).values()) == sum(
            s.orders for s in brand.streams
        ) + sum(c.orders for c in brand.talent_collabs)
        assert brand.provided(Section.ORDERS)


def test_generated_dates_follow_start():
    dataset = generate(1, seed=0, start=date(2022, 6, 1), days=20)
    assert dataset.brands[0].window_start == date(2022, 6, 1)
    assert {s.campaign for s in dataset.brands[0].streams} <= {"618", None}


# -- complete order details ------------------------------------------------------------------


def test_every_stream_and_collaboration_is_itemised_to_the_fen(six):
    for brand in six.brands:
        orders = by_channel(brand)
        assert set(orders) == {s.stream_id for s in brand.streams if s.orders} | {
            c.collab_id for c in brand.talent_collabs if c.orders
        }
        for stream in brand.streams:
            mine = orders.get(stream.stream_id, [])
            assert len(mine) == stream.orders
            assert len({o.buyer_key for o in mine}) == stream.buyers
            assert sum(o.amount_fen for o in mine) == stream.gmv_fen
            assert sum(o.refunded_fen or 0 for o in mine) == stream.refund_fen
            placed = [o.placed_at for o in mine]
            assert all(stream.started_at <= t for t in placed)
            end = stream.started_at.timestamp() + stream.duration_seconds
            assert all(t.timestamp() < end for t in placed)
            # The explained products' orders and GMV, exactly; the rest went elsewhere.
            explained = {p.product_id: p for p in stream.products}
            count = Counter(o.product_id for o in mine)
            amount: Counter[str | None] = Counter()
            for order in mine:
                amount[order.product_id] += order.amount_fen
            for product in stream.products:
                assert count[product.product_id] == product.orders
                assert amount[product.product_id] == product.gmv_fen
            assert all(o.product_id is not None for o in mine)
            assert sum(
                n for pid, n in count.items() if pid not in explained
            ) == stream.orders - sum(p.orders for p in stream.products)
        for collab in brand.talent_collabs:
            mine = orders.get(collab.collab_id, [])
            assert len(mine) == collab.orders
            assert len({o.buyer_key for o in mine}) == collab.buyers
            assert sum(o.amount_fen for o in mine) == collab.gmv_fen
            assert {o.product_id for o in mine} <= set(collab.product_ids)
            assert all(collab.started_on <= o.placed_at.date() <= collab.ended_on for o in mine)
        assert [o.order_id for o in brand.orders] == sorted(o.order_id for o in brand.orders)
        assert [o.placed_at for o in brand.orders] == sorted(o.placed_at for o in brand.orders)


def test_repurchase_equals_an_independent_count(six):
    rates = {}
    for brand in six.brands:
        paid_orders: dict[str, int] = {}
        for order in brand.orders:
            if order.amount_fen > 0 and order.refunded_fen < order.amount_fen:
                paid_orders[order.buyer_key] = paid_orders.get(order.buyer_key, 0) + 1
        again = len([k for k, n in paid_orders.items() if n > 1])
        rate = metrics.paid_repurchase_rate(brand.orders)
        assert rate == again / len(paid_orders)
        assert metrics.distinct_buyers(brand.orders) == len(paid_orders)
        assert metrics.purchase_frequency(brand.orders) == sum(paid_orders.values()) / len(
            paid_orders
        )
        rates[brand.brand_id] = rate
    # The article: 65% on Kuaishou in 2020, above 70% in September 2021 (mature brand).
    launch, growth, mature, dy_launch, dy_growth, dy_mature = rates.values()
    assert 0.6 <= mature <= 0.75
    assert launch < growth < mature
    assert dy_launch < dy_growth < dy_mature < mature  # Douyin repurchases less


def test_buyers_carry_the_streams_traffic_mix(six):
    for brand in six.brands:
        orders = by_channel(brand)
        for stream in brand.streams:
            buyers: dict[TrafficSource | None, set[str]] = defaultdict(set)
            for order in orders.get(stream.stream_id, []):
                buyers[order.traffic_source].add(order.buyer_key)
            for source in TrafficSource:
                share = stream.gmv_by_source.get(source, 0) / max(stream.gmv_fen, 1)
                assert abs(len(buyers[source]) - stream.buyers * share) < 2
        for collab in brand.talent_collabs:
            assert {o.traffic_source for o in orders[collab.collab_id]} == {TrafficSource.TALENT}
    # About 80% of Kuaishou repurchases come through the follow page: repeat buyers come
    # back through the private domain more than one-time buyers do.
    mature = six.brands[2]
    channels: dict[str, set[str]] = defaultdict(set)
    for order in mature.orders:
        channels[order.buyer_key].add(order.stream_id or order.collab_id or "")
    streamed = [o for o in mature.orders if o.stream_id]

    def private(orders: list[Order]) -> float:
        return sum(o.traffic_source is TrafficSource.PRIVATE for o in orders) / len(orders)

    again = [o for o in streamed if len(channels[o.buyer_key]) > 1]
    once = [o for o in streamed if len(channels[o.buyer_key]) == 1]
    assert private(again) > private(once) + 0.2


def test_fan_group_membership_matches_the_fan_groups(six):
    checked = 0
    for brand in six.brands:
        account_of = {s.stream_id: s.account_id for s in brand.streams}
        groups = {a.account_id: a.fan_group for a in brand.accounts}
        members: dict[str, set[str]] = defaultdict(set)
        paid_orders: dict[tuple[str, str], int] = Counter()
        for order in brand.orders:
            if order.collab_id is not None:
                assert order.fan_group_member is None  # the talent's room: not known
                continue
            assert order.stream_id is not None
            account = account_of[order.stream_id]
            if groups[account] is None:
                assert order.fan_group_member is False
            if order.fan_group_member:
                members[account].add(order.buyer_key)
                paid_orders[account, order.buyer_key] += paid(order)
        for account, group in groups.items():
            if group is None:
                continue
            assert len(members[account]) == group.member_buyers
            repeat = sum(1 for key in members[account] if paid_orders[account, key] >= 2)
            assert repeat == group.member_repeat_buyers
            checked += 1
    assert checked >= 8


# -- coverage --------------------------------------------------------------------------------


def test_coverage_declares_what_each_brand_holds(six):
    for brand in six.brands:
        assert brand.coverage is not None
        declared = {c.section: c for c in brand.coverage}
        assert set(declared) == set(Section)
        held = brand.held()
        assert all(declared.get(s) for s, n in held.items() if n)
        for section in (Section.STREAMS, Section.ORDERS, Section.SHORT_VIDEOS):
            entry = declared[section]
            assert entry.start == brand.window_start
        assert declared[Section.STREAMS].end == brand.window_end
        assert declared[Section.ORDERS].end is not None
        assert brand.window_end is not None
        assert declared[Section.ORDERS].end >= brand.window_end
        assert max(o.placed_at.date() for o in brand.orders) <= declared[Section.ORDERS].end
        assert declared[Section.PRODUCTS].start is None  # a list, not a period
    # Provided and empty: a launch account without a fan group, a Douyin launch brand that
    # buys no traffic (its campaign report was given, and lists nothing).
    launch, *_, dy_launch, _, _ = six.brands
    assert launch.provided(Section.FAN_GROUPS)
    assert launch.held()[Section.FAN_GROUPS] == 0
    assert dy_launch.provided(Section.PAID_CAMPAIGNS)
    assert not dy_launch.paid_campaigns
    assert all(s.paid_spend_fen == 0 for s in dy_launch.streams)
    assert metrics.paid_roi(dy_launch.streams) is None


def test_paid_campaigns_spend_what_the_streams_spent(six):
    for brand in six.brands:
        streams = {s.stream_id: s for s in brand.streams}
        paid_gmv = sum(s.gmv_by_source.get(TrafficSource.PAID, 0) for s in brand.streams)
        spend = sum(s.paid_spend_fen or 0 for s in brand.streams)
        assert sum(c.spend_fen for c in brand.paid_campaigns) == spend
        assert sum(c.gmv_fen or 0 for c in brand.paid_campaigns) == paid_gmv
        for campaign in brand.paid_campaigns:
            assert campaign.started_on == campaign.ended_on
            days = [s for s in brand.streams if s.started_at.date() == campaign.started_on]
            assert campaign.spend_fen == sum(s.paid_spend_fen or 0 for s in days) > 0
            if campaign.stream_id is not None:
                stream = streams[campaign.stream_id]
                assert days == [stream]
                assert campaign.account_id == stream.account_id
                assert campaign.clicks == stream.uv_by_source.get(TrafficSource.PAID)
            assert campaign.impressions is not None
            assert campaign.clicks is not None
            assert campaign.impressions >= campaign.clicks
        if brand.paid_campaigns:
            roi = sum(c.gmv_fen or 0 for c in brand.paid_campaigns) / spend
            assert roi == pytest.approx(known(metrics.paid_roi(brand.streams)))


# -- partial shapes --------------------------------------------------------------------------


def test_sections_keep_only_what_they_name():
    full = generate(3, seed=6)
    part = generate(3, seed=6, sections=("streams", "orders", "fan_groups"))
    for whole, brand in zip(full.brands, part.brands, strict=True):
        assert [c.section for c in brand.covered()] == [
            Section.STREAMS,
            Section.ORDERS,
            Section.FAN_GROUPS,
        ]
        held = {s for s, n in brand.held().items() if n}
        assert held <= {Section.STREAMS, Section.ORDERS, Section.FAN_GROUPS}
        assert not brand.products
        assert not brand.talent_collabs
        assert brand.audience is None
        assert all(a.audience is None for a in brand.accounts)
        assert [a.fan_group for a in brand.accounts] == [a.fan_group for a in whole.accounts]
        # The streams are the full ones without what other sections hold.
        assert list(brand.streams) == [
            attrs.evolve(s, plan=None, products=()) for s in whole.streams
        ]
        # Orders name no product or talent the dataset does not hold.
        assert [attrs.evolve(o, product_id=None, collab_id=None) for o in whole.orders] == list(
            brand.orders
        )


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_live_exports_hold_only_what_the_export_holds(name):
    shape = SHAPES[name]
    assert shape.platform is not None
    brands = 6
    dataset = generate(brands, seed=5, days=6, shape=name)
    full = generate(brands, seed=5, days=6)
    kept = shape.fields["stream"]
    lacking = {
        f.name
        for f in attrs.fields(Stream)
        if f.default is not attrs.NOTHING and f.name not in kept
    }
    assert {"uv_by_source", "plan", "products", "preheat_videos", "coupons_issued"} <= lacking
    for index, brand in enumerate(dataset.brands):
        assert brand_spec(index).stage.value in ("launch", "growth", "mature")
        assert {a.platform for a in brand.accounts} == {shape.platform}
        assert brand.coverage is not None
        (coverage,) = brand.coverage
        assert coverage.section is Section.STREAMS
        assert (coverage.start, coverage.end) == (brand.window_start, brand.window_end)
        assert {s for s, n in brand.held().items() if n} <= {Section.STREAMS}
        for section in Section:
            assert brand.provided(section) is (section is Section.STREAMS)
        assert brand.tier is None
        assert brand.audience is None
        for records in (brand.orders, brand.products, brand.talent_collabs):
            assert records == ()
        for records in (brand.trust_signals, brand.short_videos, brand.paid_campaigns):
            assert records == ()
        for account in brand.accounts:
            assert (account.followers, account.opened_on, account.fan_group) == (None, None, None)
        for stream in brand.streams:
            for field in lacking:
                assert getattr(stream, field) in (None, (), {}), field
            for field in kept:
                assert getattr(stream, field) is not None, field
        # Same platform, same brand: the export's columns are the full dataset's values.
        if brand_spec(index).platform is shape.platform:
            whole = full.brands[index]
            assert [s.stream_id for s in brand.streams] == [s.stream_id for s in whole.streams]
            for stream, source in zip(brand.streams, whole.streams, strict=True):
                for field in kept:
                    assert getattr(stream, field) == getattr(source, field)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_live_exports_fill_only_columns_the_import_profiles_read(name):
    shape = SHAPES[name]
    profiles = [
        p for p in builtin_profiles().values() if p.platform is shape.platform and "live" in p.name
    ]
    assert profiles
    columns = {rule.field for p in profiles for rule in p.columns.values()}
    assert shape.fields["stream"] <= columns


# -- the documentation -----------------------------------------------------------------------

SAMPLE_PAGE = Path(__file__).parents[1] / "docs" / "api" / "sample.md"


def bundled_sample_table() -> str:
    """The Sample data page's table of the bundled sample, from the data."""
    rows = [
        "| Brand | Stage | Streams | Orders: streams + talents | Distinct buyers | "
        "Repurchase rate | GMV: streams + talents |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for index, brand in enumerate(sample_dataset().brands):
        streams = sum(s.orders for s in brand.streams)
        talents = sum(c.orders for c in brand.talent_collabs)
        rate = known(metrics.paid_repurchase_rate(brand.orders))
        self_gmv = metrics.self_broadcast_gmv_fen(brand) / 100
        talent_gmv = metrics.talent_gmv_fen(brand) / 100
        rows.append(
            f"| `{brand.brand_id}` {brand.name} ({brand.category}) "
            f"| {brand_spec(index).stage.value} | {len(brand.streams)} "
            f"| {streams:,} + {talents:,} | {metrics.distinct_buyers(brand.orders):,} "
            f"| {rate:.0%} | ¥{self_gmv:,.0f} + ¥{talent_gmv:,.0f} |"
        )
    return "\n".join(rows) + "\n"


def test_the_sample_page_states_the_bundled_sample():
    text = SAMPLE_PAGE.read_text(encoding="utf-8")
    match = re.search(
        r"<!-- bundled-sample:start -->\n(.*?)<!-- bundled-sample:end -->", text, re.S
    )
    assert match, "docs/api/sample.md has no bundled-sample block"
    assert match.group(1) == bundled_sample_table(), (
        "the bundled-sample block is stale; it should read:\n" + bundled_sample_table()
    )
    for name, shape in SHAPES.items():
        assert f"`{name}`" in text
        for field in sorted(shape.fields["stream"]):
            assert f"`{field}`" in text
