"""The model validates itself at construction: every field kind, every relation, every problem
at once; objects are frozen and their mappings read-only."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import given

from steps.domain import (
    Account,
    AgeBand,
    AudienceProfile,
    Brand,
    CityTier,
    Dataset,
    FanGroup,
    InvalidDataError,
    Order,
    PaidCampaign,
    Platform,
    Product,
    ProductRole,
    RunOfShow,
    Section,
    SectionCoverage,
    ShortVideo,
    ShowSegment,
    Stream,
    StreamProduct,
    TalentCollab,
    TrafficSource,
    TrustSignal,
    TrustSignalKind,
)
from steps.domain.fields import MAX_COUNT, MAX_ID_LENGTH, MAX_MONEY_FEN, MAX_TEXT_LENGTH
from steps.testing import brands, datasets, streams

CST = timezone(timedelta(hours=8))
T0 = datetime(2021, 9, 1, 20, 0, tzinfo=CST)


def problems_of(build: Callable[[], object]) -> dict[str, str]:
    """``{path: message}`` of the InvalidDataError that ``build`` raises."""
    with pytest.raises(InvalidDataError) as caught:
        build()
    problems = caught.value.problems
    assert problems, "an InvalidDataError must carry at least one problem"
    return {p.path: p.message for p in problems}


def stream(**overrides: Any) -> Stream:
    values: dict[str, Any] = {
        "stream_id": "s1",
        "account_id": "a1",
        "started_at": T0,
        "duration_seconds": 3600,
        "uv": 1000,
        "watch_seconds": 60_000,
        "orders": 50,
        "buyers": 40,
        "gmv_fen": 500_000,
    }
    return Stream(**(values | overrides))


def order(**overrides: Any) -> Order:
    values: dict[str, Any] = {
        "order_id": "o1",
        "buyer_key": "u-42",
        "placed_at": T0,
        "amount_fen": 1_000,
    }
    return Order(**(values | overrides))


def collab(**overrides: Any) -> TalentCollab:
    values: dict[str, Any] = {
        "collab_id": "c1",
        "talent_id": "t1",
        "talent_name": "达人小红",
        "platform": Platform.DOUYIN,
        "talent_followers": 10_000,
        "started_on": date(2021, 9, 1),
        "ended_on": date(2021, 9, 30),
        "streams": 3,
        "gmv_fen": 100_000,
        "commission_fen": 20_000,
        "orders": 10,
        "buyers": 8,
    }
    return TalentCollab(**(values | overrides))


def account(account_id: str = "a1") -> Account:
    return Account(account_id=account_id, platform=Platform.KUAISHOU, name="官方旗舰店")


def product(product_id: str = "p1") -> Product:
    return Product(product_id=product_id, name="翡翠手镯", category="珠宝", price_fen=9_900)


def brand(**overrides: Any) -> Brand:
    values: dict[str, Any] = {
        "brand_id": "b1",
        "name": "品牌",
        "category": "珠宝",
        "accounts": (account(),),
        "products": (product(),),
        "streams": (stream(),),
    }
    return Brand(**(values | overrides))


def test_the_helpers_build_valid_objects() -> None:
    assert brand().streams[0].gmv_fen == 500_000
    assert order().quantity == 1
    assert collab().gmv_fen == 100_000


# --- field kinds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (-1, "must be >= 0"),
        (MAX_MONEY_FEN + 1, f"must be <= {MAX_MONEY_FEN}"),
        (1.5, "must be an integer"),
        (100.0, "must be an integer"),  # a float is not an amount in fen, even a whole one
        (True, "must be an integer"),
        ("100", "must be an integer"),
        (None, "must be an integer"),
    ],
)
def test_money_field(value: object, fragment: str) -> None:
    got = problems_of(lambda: stream(gmv_fen=value, orders=1))
    assert fragment in got["gmv_fen"]
    assert stream(gmv_fen=MAX_MONEY_FEN).gmv_fen == MAX_MONEY_FEN
    assert stream(gmv_fen=0, refund_fen=0).gmv_fen == 0


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (-1, "must be >= 0"),
        (MAX_COUNT + 1, f"must be <= {MAX_COUNT}"),
        (2.5, "must be an integer"),
        (False, "must be an integer"),
        ("7", "must be an integer"),
    ],
)
def test_count_field(value: object, fragment: str) -> None:
    assert fragment in problems_of(lambda: stream(comments=value))["comments"]
    assert stream(comments=MAX_COUNT).comments == MAX_COUNT


def test_optional_count_accepts_none_but_required_does_not() -> None:
    assert stream(exposure=None).exposure is None
    assert "must be an integer" in problems_of(lambda: stream(uv=None))["uv"]
    assert stream(comments=None).comments is None  # not recorded: unknown, not 0


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (-0.01, "must lie in [0, 1]"),
        (1.01, "must lie in [0, 1]"),
        (math.nan, "must be a finite number"),
        (math.inf, "must be a finite number"),
        ("0.5", "must be a number"),
        (True, "must be a number"),
    ],
)
def test_rate_field(value: object, fragment: str) -> None:
    assert fragment in problems_of(lambda: AudienceProfile(female_share=value))["female_share"]
    for ok in (0, 0.0, 0.5, 1, 1.0, None):
        assert AudienceProfile(female_share=ok).female_share == ok


def test_number_field_bounds() -> None:
    score = TrustSignalKind.STORE_EXPERIENCE_SCORE
    assert TrustSignal(kind=score, value=100).value == 100
    assert (
        "must lie in [0, 100]" in problems_of(lambda: TrustSignal(kind=score, value=100.5))["value"]
    )
    assert "must lie in [0, 100]" in problems_of(lambda: TrustSignal(kind=score, value=-1))["value"]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("x" * (MAX_ID_LENGTH + 1), f"at most {MAX_ID_LENGTH} characters"),
        (12, "must be a string"),
        (None, "must be a string"),
        ("bad\udc80id", "lone surrogate"),
    ],
)
def test_identifier_field(value: object, fragment: str) -> None:
    assert fragment in problems_of(lambda: account(account_id=value))["account_id"]  # type: ignore[arg-type]
    assert account("x" * MAX_ID_LENGTH).account_id == "x" * MAX_ID_LENGTH
    assert account("账号一").account_id == "账号一"


def test_text_field() -> None:
    assert Account(account_id="a", platform=Platform.OTHER, name="").name == ""
    assert Account(account_id="a", platform=Platform.OTHER, name=" ").name == " "
    long = "字" * (MAX_TEXT_LENGTH + 1)
    got = problems_of(lambda: Account(account_id="a", platform=Platform.OTHER, name=long))
    assert f"at most {MAX_TEXT_LENGTH} characters" in got["name"]
    got = problems_of(lambda: Account(account_id="a", platform=Platform.OTHER, name=b"x"))
    assert "must be a string" in got["name"]
    assert stream(campaign=None).campaign is None


def test_bool_field() -> None:
    assert (
        "must be true or false"
        in problems_of(
            lambda: Product(product_id="p", name="", category="", price_fen=1, channel_exclusive=1)
        )["channel_exclusive"]
    )


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (datetime(2021, 9, 1, 20, 0), "timezone-aware"),
        (date(2021, 9, 1), "must be a datetime"),
        ("2021-09-01T20:00:00+08:00", "must be a datetime"),
        (1630497600, "must be a datetime"),
    ],
)
def test_aware_datetime_field(value: object, fragment: str) -> None:
    assert fragment in problems_of(lambda: stream(started_at=value))["started_at"]


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(hours=8), timedelta(hours=-12)])
def test_aware_datetimes_in_any_offset_are_accepted(offset: timedelta) -> None:
    moment = datetime(2021, 9, 1, 20, 0, tzinfo=timezone(offset))
    assert stream(started_at=moment).started_at.utcoffset() == offset


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (datetime(2021, 9, 1, tzinfo=UTC), "must be a date"),  # a datetime is not a date here
        ("2021-09-01", "must be a date"),
    ],
)
def test_date_field(value: object, fragment: str) -> None:
    assert fragment in problems_of(lambda: collab(started_on=value))["started_on"]


def test_enum_field() -> None:
    # A value is taken for its member (tests/domain/test_enum_values.py has the details).
    assert Account(account_id="a", platform="kuaishou", name="").platform is Platform.KUAISHOU
    got = problems_of(lambda: Account(account_id="a", platform="Kuaishou", name=""))
    assert "must be a Platform or one of its values ('kuaishou', 'douyin'" in got["platform"]
    got = problems_of(
        lambda: Product(product_id="p", name="", category="", price_fen=1, role="star")
    )
    assert got["role"].endswith("got 'star'")
    assert (
        Product(product_id="p", name="", category="", price_fen=1, role=ProductRole.HERO).role
        is ProductRole.HERO
    )


def test_nested_field() -> None:
    got = problems_of(
        lambda: Account(account_id="a", platform=Platform.DOUYIN, name="", fan_group={"members": 1})  # type: ignore[arg-type]
    )
    assert got == {"fan_group": "must be a FanGroup, got dict"}


def test_many_field() -> None:
    built = Brand(brand_id="b", name="", category="", accounts=[account("a1"), account("a2")])
    assert isinstance(built.accounts, tuple)
    got = problems_of(
        lambda: Brand(brand_id="b", name="", category="", accounts=(account(), product()))  # type: ignore[arg-type]
    )
    assert got == {"accounts[1]": "must be a Account, got Product"}
    got = problems_of(
        lambda: Brand(brand_id="b", name="", category="", accounts=iter([account()]))  # type: ignore[arg-type]
    )
    assert "must be a tuple of Account" in got["accounts"]
    got = problems_of(lambda: collab(product_ids=("p1", 2)))
    assert got == {"product_ids[1]": "must be a str, got int"}


def test_count_map_field() -> None:
    got = problems_of(lambda: stream(uv_by_source={TrafficSource.PAID: -1}))
    assert got == {"uv_by_source.paid": "must be >= 0"}
    got = problems_of(lambda: stream(uv_by_source={"paid": 1}))
    member = "key 'paid' must be the member TrafficSource.PAID, not its value"
    assert got == {"uv_by_source": member}
    got = problems_of(lambda: stream(uv_by_source={TrafficSource.PAID: 1.0}))
    assert "must be an integer" in got["uv_by_source.paid"]
    got = problems_of(lambda: stream(uv_by_source=[(TrafficSource.PAID, 1)]))
    assert "must be a mapping" in got["uv_by_source"]


def test_share_map_field() -> None:
    tiers = {CityTier.TIER1: 0.6, CityTier.TIER2: 0.4}
    assert AudienceProfile(city_tiers=tiers).city_tiers == tiers
    # Rounding of shares that add up to one is tolerated.
    thirds = dict.fromkeys([AgeBand.AGE_18_23, AgeBand.AGE_24_30, AgeBand.AGE_31_40], 1 / 3)
    assert len(AudienceProfile(age_bands=thirds).age_bands) == 3
    got = problems_of(
        lambda: AudienceProfile(city_tiers={CityTier.TIER1: 0.6, CityTier.TIER2: 0.5})
    )
    assert "must add up to at most 1" in got["city_tiers"]
    got = problems_of(lambda: AudienceProfile(age_bands={AgeBand.OVER_50: 1.5}))
    assert "must lie in [0, 1]" in got["age_bands.51+"]
    got = problems_of(lambda: AudienceProfile(age_bands={AgeBand.OVER_50: math.nan}))
    assert "finite" in got["age_bands.51+"]
    got = problems_of(lambda: AudienceProfile(age_bands={CityTier.TIER1: 0.1}))  # type: ignore[dict-item]
    assert "unknown key" in got["age_bands"]


# --- relations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "path", "fragment"),
    [
        ({"buyers": 51}, "buyers", "must be <= orders (50)"),
        ({"uv": 30, "watch_seconds": 0}, "buyers", "must be <= uv (30)"),
        ({"exposure": 999}, "uv", "must be <= exposure (999)"),
        ({"views": 999}, "uv", "must be <= views (999)"),
        ({"first_minutes_uv": 1001}, "first_minutes_uv", "must be <= uv"),
        ({"peak_concurrent": 1001}, "peak_concurrent", "must be <= uv"),
        ({"product_exposure_uv": 1001}, "product_exposure_uv", "must be <= uv"),
        (
            {"product_exposure_uv": 10, "product_click_uv": 11},
            "product_click_uv",
            "must be <= product_exposure_uv (10)",
        ),
        ({"product_click_uv": 1001}, "product_click_uv", "must be <= uv"),
        ({"orders_created": 49}, "orders", "must be <= orders_created (49)"),
        ({"refund_fen": 500_001}, "refund_fen", "must be <= gmv_fen"),
        ({"coupons_issued": 5, "coupons_used": 6}, "coupons_used", "must be <= coupons_issued"),
        (
            {"reservations": 5, "reserved_attendees": 6},
            "reserved_attendees",
            "must be <= reservations",
        ),
        (
            {"reservations": 5000, "reserved_attendees": 1001},
            "reserved_attendees",
            "must be <= uv",
        ),
        ({"watch_seconds": 3_600_001}, "watch_seconds", "must be <= uv × duration_seconds"),
        ({"duration_seconds": 0, "watch_seconds": 1}, "watch_seconds", "uv × duration_seconds"),
        ({"orders": 0, "buyers": 0}, "orders", "must be > 0 when gmv_fen is positive"),
        (
            {"uv_by_source": {TrafficSource.PRIVATE: 600, TrafficSource.PAID: 401}},
            "uv_by_source",
            "must be <= uv (1000), got 1001",
        ),
        (
            {"gmv_by_source": {TrafficSource.TALENT: 500_001}},
            "gmv_by_source",
            "must be <= gmv_fen",
        ),
        (
            {
                "products": (
                    StreamProduct(product_id="p1", gmv_fen=300_000),
                    StreamProduct(product_id="p2", gmv_fen=200_001),
                )
            },
            "products",
            "sum of products' gmv_fen",
        ),
        (
            {"products": (StreamProduct(product_id="p1"), StreamProduct(product_id="p1"))},
            "products[1]",
            "duplicate product 'p1'",
        ),
    ],
)
def test_stream_relation(overrides: dict[str, Any], path: str, fragment: str) -> None:
    got = problems_of(lambda: stream(**overrides))
    assert path in got, got
    assert fragment in got[path]


def test_stream_relations_at_their_bounds_are_accepted() -> None:
    at_bounds = stream(
        buyers=50,
        exposure=1000,
        views=1000,
        first_minutes_uv=1000,
        peak_concurrent=1000,
        product_exposure_uv=1000,
        product_click_uv=1000,
        orders_created=50,
        refund_fen=500_000,
        coupons_issued=3,
        coupons_used=3,
        reservations=1000,
        reserved_attendees=1000,
        watch_seconds=3_600_000,
        uv_by_source={TrafficSource.PRIVATE: 600, TrafficSource.PAID: 400},
        gmv_by_source={TrafficSource.TALENT: 500_000},
        products=(StreamProduct(product_id="p1", gmv_fen=500_000),),
    )
    assert at_bounds.buyers == 50
    assert stream(uv=0, watch_seconds=0, buyers=0, orders=0, gmv_fen=0).uv == 0


def test_other_relations() -> None:
    assert (
        "must be <= members"
        in problems_of(lambda: FanGroup(members=5, active_members=6))["active_members"]
    )
    assert (
        "must be <= members"
        in problems_of(lambda: FanGroup(members=5, active_members=5, new_members=6))["new_members"]
    )
    got = problems_of(
        lambda: FanGroup(members=5, active_members=1, member_buyers=2, member_repeat_buyers=3)
    )
    assert "must be <= member_buyers" in got["member_repeat_buyers"]
    got = problems_of(
        lambda: Product(product_id="p", name="", category="", price_fen=100, list_price_fen=99)
    )
    assert "must be >= price_fen (100)" in got["list_price_fen"]
    got = problems_of(lambda: StreamProduct(product_id="p", exposures=5, clicks=6))
    assert "must be <= exposures" in got["clicks"]
    got = problems_of(lambda: collab(ended_on=date(2021, 8, 31)))
    assert "must not be before started_on" in got["ended_on"]
    assert "must be <= orders" in problems_of(lambda: collab(buyers=11))["buyers"]
    assert (
        "must be <= gmv_fen"
        in problems_of(lambda: collab(commission_fen=100_001))["commission_fen"]
    )
    assert "must be > 0" in problems_of(lambda: collab(orders=0, buyers=0))["orders"]
    assert "must be <= amount_fen" in problems_of(lambda: order(refunded_fen=1_001))["refunded_fen"]
    got = problems_of(lambda: order(stream_id="s1", collab_id="c1"))
    assert "not both" in got["collab_id"]
    flag = TrustSignalKind.TRUST_BUY
    assert "must be 1 or 0" in problems_of(lambda: TrustSignal(kind=flag, value=0.5))["value"]
    rate = TrustSignalKind.REFUND_RATE
    assert "must lie in [0, 1]" in problems_of(lambda: TrustSignal(kind=rate, value=2))["value"]
    assert TrustSignal(kind=flag, value=1).value == 1
    assert TrustSignal(kind=rate, value=0.02).value == 0.02


@pytest.mark.parametrize(
    "key",
    [
        "13800138000",
        "+86 138 0013 8000",
        "(010) 6552-9988",
        "138-0013-8000",
        "1234567",
        "someone@example.com",
        "买家@qq.com",
        "@",
    ],
)
def test_buyer_keys_that_look_like_phones_or_emails_are_refused(key: str) -> None:
    got = problems_of(lambda: order(buyer_key=key))
    assert "must be a pseudonymous key" in got["buyer_key"]


@pytest.mark.parametrize("key", ["u13800138000", "123456", "buyer-1", "买家12345678", "k_(1)"])
def test_pseudonymous_buyer_keys_are_accepted(key: str) -> None:
    assert order(buyer_key=key).buyer_key == key


def test_brand_window_relation_uses_the_local_date() -> None:
    late_evening = datetime(2021, 9, 1, 23, 30, tzinfo=CST)  # 15:30 UTC, same day
    just_after_midnight = datetime(2021, 9, 2, 0, 30, tzinfo=CST)  # 2021-09-01 16:30 UTC
    window = {"window_start": date(2021, 9, 1), "window_end": date(2021, 9, 1)}
    assert brand(**window, streams=(stream(started_at=late_evening),)).window_end == date(
        2021, 9, 1
    )
    got = problems_of(lambda: brand(**window, streams=(stream(started_at=just_after_midnight),)))
    assert "2021-09-02 lies outside the brand's window" in got["streams[0].started_at"]
    got = problems_of(
        lambda: brand(window_start=date(2021, 9, 2), streams=(stream(started_at=late_evening),))
    )
    assert "outside the brand's window 2021-09-02..None" in got["streams[0].started_at"]
    got = problems_of(lambda: brand(window_start=date(2021, 9, 2), window_end=date(2021, 9, 1)))
    assert "must not be before window_start" in got["window_end"]


def test_brand_relations_duplicates_and_references() -> None:
    got = problems_of(
        lambda: Brand(
            brand_id="b",
            name="",
            category="",
            accounts=(account("a1"), account("a1")),
            products=(product("p1"), product("p1")),
            streams=(
                stream(stream_id="s1"),
                stream(stream_id="s1"),
                stream(
                    stream_id="s2",
                    account_id="ghost",
                    products=(StreamProduct(product_id="p9"),),
                ),
            ),
            talent_collabs=(collab(), collab(product_ids=("p1", "p8"))),
            orders=(
                order(order_id="o1", stream_id="s9"),
                order(order_id="o1", product_id="p7"),
                order(order_id="o2", collab_id="c9"),
            ),
            short_videos=(
                ShortVideo(video_id="v", account_id="a1", posted_at=T0),
                ShortVideo(video_id="v", account_id="a2", posted_at=T0),
            ),
        )
    )
    assert got == {
        "accounts[1]": "duplicate account 'a1'",
        "products[1]": "duplicate product 'p1'",
        "streams[1]": "duplicate stream 's1'",
        "talent_collabs[1]": "duplicate collab 'c1'",
        "orders[1]": "duplicate order 'o1'",
        "short_videos[1]": "duplicate video 'v'",
        "streams[2].account_id": "unknown account 'ghost'",
        "streams[2].products[0].product_id": "unknown product 'p9'",
        "talent_collabs[1].product_ids[1]": "unknown product 'p8'",
        "orders[0].stream_id": "unknown stream 's9'",
        "orders[1].product_id": "unknown product 'p7'",
        "orders[2].collab_id": "unknown collab 'c9'",
        "short_videos[1].account_id": "unknown account 'a2'",
    }


def test_dataset_brand_ids_are_unique() -> None:
    got = problems_of(lambda: Dataset(brands=(brand(), brand(), brand(brand_id="b2"))))
    assert got == {"brands[1]": "duplicate brand 'b1'"}
    assert Dataset().brands == ()
    with pytest.raises(KeyError, match="known: b1"):
        Dataset(brands=(brand(),)).brand("nope")
    assert Dataset(brands=(brand(),)).brand("b1").brand_id == "b1"


# --- every problem at once -------------------------------------------------------------------


def test_all_field_problems_are_reported_at_once() -> None:
    got = problems_of(
        lambda: stream(
            stream_id="",
            started_at=datetime(2021, 9, 1),
            uv=-1,
            gmv_fen=1.5,
            exposure="many",
            uv_by_source={TrafficSource.PAID: -3},
            campaign=7,
        )
    )
    assert set(got) == {
        "stream_id",
        "started_at",
        "uv",
        "gmv_fen",
        "exposure",
        "uv_by_source.paid",
        "campaign",
    }


def test_all_relation_problems_are_reported_at_once() -> None:
    got = problems_of(
        lambda: stream(
            buyers=60,
            exposure=10,
            refund_fen=600_000,
            coupons_issued=1,
            coupons_used=2,
            watch_seconds=10**9,
        )
    )
    assert {"buyers", "uv", "refund_fen", "coupons_used", "watch_seconds"} <= set(got)


def test_error_message_lists_every_problem() -> None:
    with pytest.raises(InvalidDataError) as caught:
        stream(uv=-1, gmv_fen=-2)
    text = str(caught.value)
    assert text.startswith("2 problems:")
    assert "uv: must be >= 0" in text
    assert "gmv_fen: must be >= 0" in text
    assert isinstance(caught.value, ValueError)


# --- strategies produce valid objects and relations can be broken one at a time ------------


@given(streams(["a1", "a2"], ["p1", "p2"]))
def test_breaking_buyers_le_orders_on_any_valid_stream_is_caught(valid: Stream) -> None:
    assert valid.buyers <= valid.orders
    if valid.orders < MAX_COUNT:
        got = problems_of(lambda: attrs.evolve(valid, buyers=valid.orders + 1))
        assert "buyers" in got


@given(streams(["a1"]))
def test_breaking_uv_le_exposure_on_any_valid_stream_is_caught(valid: Stream) -> None:
    if valid.uv > 0:
        got = problems_of(lambda: attrs.evolve(valid, exposure=valid.uv - 1))
        assert "must be <= exposure" in got["uv"]


@given(brands())
def test_a_valid_brand_rebuilt_from_its_fields_is_equal(valid: Brand) -> None:
    rebuilt = Brand(**{f.name: getattr(valid, f.name) for f in attrs.fields(Brand)})
    assert rebuilt == valid


@given(datasets(max_brands=2))
def test_dropping_an_account_that_streams_use_is_caught(valid: Dataset) -> None:
    for b in valid.brands:
        used = {s.account_id for s in b.streams} | {v.account_id for v in b.short_videos}
        if used:
            kept = tuple(a for a in b.accounts if a.account_id not in used)
            got = problems_of(lambda b=b, kept=kept: attrs.evolve(b, accounts=kept))
            assert any(p.endswith(".account_id") for p in got)


# --- frozen and read-only --------------------------------------------------------------------


def test_objects_are_frozen() -> None:
    built = brand()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.name = "other"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.streams[0].gmv_fen = 0  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        built.new_attribute = 1  # type: ignore[attr-defined]  # slotted: no new attributes
    with pytest.raises(AttributeError):
        built.streams.append(stream())  # type: ignore[attr-defined]


def test_mappings_are_read_only_and_copied() -> None:
    split = {TrafficSource.PAID: 100}
    built = stream(uv_by_source=split)
    assert isinstance(built.uv_by_source, MappingProxyType)
    with pytest.raises(TypeError):
        built.uv_by_source[TrafficSource.PAID] = 2000  # type: ignore[index]
    split[TrafficSource.PAID] = 5000  # changing the caller's dict changes nothing
    assert built.uv_by_source == {TrafficSource.PAID: 100}
    profile = AudienceProfile(city_tiers={CityTier.TIER1: 0.5})
    with pytest.raises(TypeError):
        profile.city_tiers[CityTier.TIER2] = 0.9  # type: ignore[index]
    assert stream().gmv_by_source == {}
    with pytest.raises(TypeError):
        stream().gmv_by_source[TrafficSource.PAID] = 1  # type: ignore[index]


def test_run_of_show_and_segments() -> None:
    plan = RunOfShow(
        segments=[ShowSegment(name="开场福利", planned_seconds=600)], planned_paid_uv_share=0.3
    )
    assert isinstance(plan.segments, tuple)
    assert stream(plan=plan).plan == plan
    assert (
        "must lie in [0, 1]"
        in problems_of(lambda: RunOfShow(planned_paid_uv_share=1.2))["planned_paid_uv_share"]
    )
    got = problems_of(lambda: ShowSegment(name="x", planned_seconds=-5, actual_spend_fen=-1))
    assert set(got) == {"planned_seconds", "actual_spend_fen"}


# --- coverage --------------------------------------------------------------------------------


def test_without_declared_coverage_a_section_is_provided_when_it_holds_records() -> None:
    subject = brand()
    assert subject.coverage is None
    assert subject.provided(Section.STREAMS)
    assert subject.provided(Section.PRODUCTS)
    assert not subject.provided(Section.TALENT_COLLABS)  # empty: cannot tell, so unknown
    assert not subject.provided(Section.ORDERS)
    assert {c.section for c in subject.covered()} == {Section.STREAMS, Section.PRODUCTS}


def test_declared_coverage_tells_provided_and_empty_from_not_provided() -> None:
    subject = brand(
        coverage=(
            SectionCoverage(Section.STREAMS, date(2021, 9, 1), date(2021, 9, 6)),
            SectionCoverage(Section.PRODUCTS),
            SectionCoverage(Section.TALENT_COLLABS),  # provided: no talents at all
        )
    )
    assert subject.provided(Section.TALENT_COLLABS)
    assert not subject.talent_collabs
    assert not subject.provided(Section.ORDERS)
    assert subject.covered()[0].covers(date(2021, 9, 3))
    assert not subject.covered()[0].covers(date(2021, 9, 7))


def test_declared_coverage_must_list_what_the_brand_holds_once_and_hold_its_dates() -> None:
    problems = problems_of(
        lambda: brand(
            orders=(order(),),
            coverage=(
                SectionCoverage(Section.STREAMS, date(2021, 10, 1)),
                SectionCoverage(Section.PRODUCTS),
                SectionCoverage(Section.PRODUCTS),
            ),
        )
    )
    assert problems["coverage[2].section"] == "section 'products' listed twice"
    assert "orders holds 1 record(s) but coverage does not list it" in problems["coverage"]
    assert "lies outside the dates coverage gives streams" in problems["streams[0].started_at"]
    assert (
        "must not be before start"
        in problems_of(lambda: SectionCoverage(Section.ORDERS, date(2021, 9, 2), date(2021, 9, 1)))[
            "end"
        ]
    )


def test_paid_campaigns_are_checked_and_optional_fields_are_unknown_not_zero() -> None:
    campaign = PaidCampaign(
        campaign_id="c1", started_on=date(2021, 9, 1), ended_on=date(2021, 9, 3), spend_fen=100
    )
    assert campaign.gmv_fen is None
    problems = problems_of(
        lambda: brand(
            paid_campaigns=(
                attrs.evolve(campaign, account_id="nobody"),
                attrs.evolve(campaign, stream_id="s-none"),
            )
        )
    )
    assert problems["paid_campaigns[1]"] == "duplicate paid campaign 'c1'"
    assert problems["paid_campaigns[0].account_id"] == "unknown account 'nobody'"
    assert problems["paid_campaigns[1].stream_id"] == "unknown stream 's-none'"
    assert (
        "must be <= impressions"
        in problems_of(lambda: attrs.evolve(campaign, impressions=5, clicks=6))["clicks"]
    )
    assert stream().comments is None
    assert stream().paid_spend_fen is None


def test_an_order_is_paid_unless_refunded_in_full() -> None:
    assert order().paid  # refunds not exported: counts as paid
    assert attrs.evolve(order(), refunded_fen=0).paid
    assert not attrs.evolve(order(), refunded_fen=order().amount_fen).paid
