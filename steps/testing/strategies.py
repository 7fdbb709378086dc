"""Hypothesis strategies that generate *valid* model objects, for property tests.

Every strategy builds objects that pass all of the model's checks by construction: dependent
fields are drawn after the fields they depend on (``buyers <= orders <= orders_created``,
``uv <= exposure``, source splits that add up to at most the total, ``watch_seconds <= uv ×
duration_seconds``), ids are unique within their collection and every reference names an
object that exists.  Values lean towards the edges: zeros, empty collections, ``None`` for
optional fields, amounts near `MAX_MONEY_FEN`, Chinese text and
timezone-aware datetimes in several UTC offsets (``+08:00`` among them).

Plugin authors can property-test a scorer with them:

    import math

    from hypothesis import given
    from steps.testing import brands

    @given(brands())
    def test_score_is_finite(brand):
        assert math.isfinite(my_scorer(brand))

Sizes are small by default (a hundred brands take a second or two to generate); raise the
``max_*`` arguments for bigger objects.

This module needs Hypothesis, which steps does not install by itself: depend on
``steps-commerce[test]``.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from enum import Enum
from typing import Any, TypeVar

import attrs

try:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ModuleNotFoundError as missing:
    if missing.name != "hypothesis":
        raise
    raise ModuleNotFoundError(
        "steps.testing.strategies needs Hypothesis, which the test extra installs: "
        "pip install 'steps-commerce[test]'",
        name="hypothesis",
    ) from missing

from steps.domain.enums import (
    AgeBand,
    CityTier,
    Platform,
    ProductRole,
    Section,
    TrafficSource,
    TrustSignalKind,
)
from steps.domain.fields import MAX_COUNT, MAX_ID_LENGTH, MAX_MONEY_FEN
from steps.domain.model import (
    Account,
    AudienceProfile,
    Brand,
    Dataset,
    FanGroup,
    Order,
    PaidCampaign,
    Product,
    RunOfShow,
    SectionCoverage,
    ShortVideo,
    ShowSegment,
    Stream,
    StreamProduct,
    TalentCollab,
    TrustSignal,
)

__all__ = [
    "UTC_OFFSETS",
    "accounts",
    "audience_profiles",
    "aware_datetimes",
    "brands",
    "buyer_keys",
    "counts",
    "datasets",
    "fan_groups",
    "identifiers",
    "money",
    "orders",
    "products",
    "short_videos",
    "streams",
    "talent_collabs",
    "texts",
    "trust_signals",
]

T = TypeVar("T")
E = TypeVar("E", bound=Enum)

#: The fixed UTC offsets datetimes are drawn in.  The data format records an offset, not a
#: zone name, so fixed offsets are what a round trip preserves.
UTC_OFFSETS: tuple[tzinfo, ...] = (
    timezone(timedelta(hours=8)),  # China Standard Time, the common case
    UTC,
    timezone(timedelta(hours=9)),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=5, minutes=45)),
    timezone(timedelta(hours=-3, minutes=-30)),
    timezone(timedelta(hours=14)),
    timezone(timedelta(hours=-12)),
)

_EARLIEST = date(2000, 1, 1)
_LATEST = date(2039, 12, 31)

_CHINESE = "快手抖音直播电商品牌达人粉丝团信任购爆款利润款引流款主播旗舰店官方小店美妆服饰珠宝翡翠"
_ID_ALPHABET = string.ascii_letters + string.digits + "-_." + _CHINESE
_CHINESE_NAMES = (
    "辛选官方旗舰店",
    "珠宝翡翠直播间",
    "美妆达人小红",
    "双十一大促",
    "引流款 9.9 元包邮",
    "快手 STEPS 品牌",
    "",
    " ",
)


def identifiers(max_size: int = 12) -> st.SearchStrategy[str]:
    """Valid ids: non-blank, ASCII or Chinese, at most ``max_size`` characters or (sometimes)
    exactly `MAX_ID_LENGTH`, the longest an id may be."""
    return st.one_of(
        st.text(_ID_ALPHABET, min_size=1, max_size=max_size),
        st.sampled_from(("a", "品")).map(lambda c: c * MAX_ID_LENGTH),
    )


def texts(max_size: int = 16) -> st.SearchStrategy[str]:
    """Free text (names, categories): any Unicode without surrogates, blank allowed,
    Chinese names often."""
    return st.one_of(
        st.sampled_from(_CHINESE_NAMES),
        st.text(_CHINESE + " ", max_size=max_size),
        st.text(max_size=max_size),
    )


def buyer_keys() -> st.SearchStrategy[str]:
    """Pseudonymous buyer keys: they start with a letter (or Chinese character) and hold no
    ``@``, so none looks like a phone number or an e-mail address."""
    return st.builds(
        lambda head, tail: head + tail,
        st.sampled_from(("u", "buyer-", "买家", "K")),
        st.text(string.ascii_letters + string.digits + "-_", max_size=12),
    )


def money(max_value: int = MAX_MONEY_FEN) -> st.SearchStrategy[int]:
    """Amounts in fen: zero, small amounts and amounts near ``max_value`` (by default the cap,
    `MAX_MONEY_FEN`)."""
    max_value = min(max_value, MAX_MONEY_FEN)
    return st.one_of(
        st.just(0),
        st.integers(0, min(max_value, 10**7)),
        st.integers(max(0, max_value - 1_000), max_value),
    )


def counts(max_value: int = MAX_COUNT) -> st.SearchStrategy[int]:
    """Counts: zero, small counts and counts near ``max_value``."""
    max_value = min(max_value, MAX_COUNT)
    return st.one_of(
        st.just(0),
        st.integers(0, min(max_value, 10_000)),
        st.integers(max(0, max_value - 100), max_value),
    )


def aware_datetimes(
    min_date: date = _EARLIEST, max_date: date = _LATEST
) -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes whose *local* date (``.date()``) lies in
    [min_date, max_date], in one of `UTC_OFFSETS`, with microseconds."""
    return st.datetimes(
        min_value=datetime.combine(min_date, time.min),
        max_value=datetime.combine(max_date, time.max),
        timezones=st.sampled_from(UTC_OFFSETS),
    )


# Strategies drawn again and again are built once: Hypothesis validates each new strategy
# object, and building them per draw would make generation several times slower.  For the
# same reason the model builders below are plain functions of ``draw`` that call each other,
# and the public strategies wrap them.
_identifiers = functools.cache(identifiers)
_texts = functools.cache(texts)
_money = functools.cache(money)
_counts = functools.cache(counts)
_aware_datetimes = functools.cache(aware_datetimes)
_buyer_keys = functools.cache(buyer_keys)
_DATES = st.dates(_EARLIEST, _LATEST)
_EDGE = st.integers(0, 3)
_COIN = st.booleans()
_UNIT = st.floats(0.0, 1.0)
_DURATIONS = st.one_of(st.just(0), st.integers(1, 6 * 3600), _counts())
_PLATFORMS = st.sampled_from(Platform)
_ROLES = st.sampled_from(ProductRole)
_TRUST_KINDS = st.sampled_from(TrustSignalKind)
_FLAG_VALUES = st.sampled_from((0.0, 1.0))
_SCORES = st.floats(0.0, 100.0)
_QUANTITIES = st.one_of(st.just(1), _counts(1_000))
_TIERS = st.sampled_from(("KA", "腰部", "头部", ""))
_CITY_TIERS = tuple(CityTier)
_AGE_BANDS = tuple(AgeBand)
_SOURCES = tuple(TrafficSource)


def _pick(draw: st.DrawFn, low: int, high: int) -> int:
    """An integer in [low, high], often one of the bounds."""
    if high <= low:
        return low
    which = draw(_EDGE)
    if which == 0:
        return low
    if which == 1:
        return high
    picked: int = draw(st.integers(low, high))
    return picked


def _index(draw: st.DrawFn, size: int) -> int:
    """An index into a sequence of ``size`` > 0 elements (shrinks towards the first)."""
    return draw(st.integers(0, size - 1)) if size > 1 else 0


def _choice(draw: st.DrawFn, items: Sequence[T]) -> T:
    return items[_index(draw, len(items))]


def _maybe(draw: st.DrawFn) -> bool:
    """Whether to fill an optional field (shrinks towards ``None``)."""
    fill: bool = draw(_COIN)
    return fill


def _opt_pick(draw: st.DrawFn, low: int, high: int) -> int | None:
    return _pick(draw, low, high) if _maybe(draw) else None


def _opt(draw: st.DrawFn, strategy: st.SearchStrategy[T]) -> T | None:
    return draw(strategy) if _maybe(draw) else None


def _split(draw: st.DrawFn, total: int, parts: int) -> list[int]:
    """``parts`` non-negative integers adding up to at most ``total``."""
    if parts == 0:
        return []
    budget = _pick(draw, 0, total)
    cuts = sorted(_pick(draw, 0, budget) for _ in range(parts - 1))
    edges = [0, *cuts, budget]
    return [edges[i + 1] - edges[i] for i in range(parts)]


def _subset(draw: st.DrawFn, items: Sequence[T], max_size: int | None = None) -> list[T]:
    """Distinct elements of ``items`` in a random order (so a mapping's insertion order
    varies too)."""
    pool = list(items)
    size = _pick(draw, 0, len(pool) if max_size is None else min(max_size, len(pool)))
    return [pool.pop(_index(draw, len(pool))) for _ in range(size)]


def _int_split_map(draw: st.DrawFn, keys: Sequence[E], total: int) -> dict[E, int]:
    chosen = _subset(draw, keys)
    return dict(zip(chosen, _split(draw, total, len(chosen)), strict=True))


def _share_map(draw: st.DrawFn, keys: Sequence[E]) -> dict[E, float]:
    """Shares in [0, 1] adding up to at most 1 (sometimes one key takes all of it)."""
    shares: dict[E, float] = {}
    remaining = 1.0
    for key in _subset(draw, keys):
        which = draw(_EDGE)
        share = 0.0 if which == 0 else remaining if which == 1 else remaining * draw(_UNIT)
        shares[key] = share
        remaining = max(0.0, remaining - share)
    return shares


def _audience_profile(draw: st.DrawFn) -> AudienceProfile:
    return AudienceProfile(
        city_tiers=_share_map(draw, _CITY_TIERS),
        age_bands=_share_map(draw, _AGE_BANDS),
        female_share=_opt(draw, _UNIT),
    )


def _opt_audience(draw: st.DrawFn) -> AudienceProfile | None:
    return _audience_profile(draw) if _maybe(draw) else None


def audience_profiles() -> st.SearchStrategy[AudienceProfile]:
    """Audience profiles (用户画像): share maps adding up to at most 1, often empty."""
    return st.composite(_audience_profile)()


def _fan_group(draw: st.DrawFn) -> FanGroup:
    members = draw(_counts())
    member_buyers = _opt(draw, _counts())
    return FanGroup(
        members=members,
        active_members=_pick(draw, 0, members),
        new_members=_opt_pick(draw, 0, members),
        member_gmv_fen=_opt(draw, _money()),
        member_buyers=member_buyers,
        # Repeat buyers without a buyer count are accepted (nothing to compare them with).
        member_repeat_buyers=_opt_pick(
            draw, 0, MAX_COUNT if member_buyers is None else member_buyers
        ),
    )


def fan_groups() -> st.SearchStrategy[FanGroup]:
    """Fan groups (粉丝团) with ``active_members, new_members <= members`` and
    ``member_repeat_buyers <= member_buyers``."""
    return st.composite(_fan_group)()


def _account(draw: st.DrawFn, platform: Platform | None, account_id: str | None) -> Account:
    return Account(
        account_id=account_id if account_id is not None else draw(_identifiers()),
        platform=platform if platform is not None else draw(_PLATFORMS),
        name=draw(_texts()),
        followers=_opt(draw, _counts()),
        opened_on=_opt(draw, _DATES),
        fan_group=_fan_group(draw) if _maybe(draw) else None,
        audience=_opt_audience(draw),
    )


def accounts(
    platform: Platform | None = None, *, account_id: str | None = None
) -> st.SearchStrategy[Account]:
    """Accounts (账号) on ``platform`` (any platform when ``None``), with ``account_id`` when
    given."""
    return st.composite(_account)(platform, account_id)


def _product(draw: st.DrawFn, product_id: str | None) -> Product:
    price = draw(_money())
    return Product(
        product_id=product_id if product_id is not None else draw(_identifiers()),
        name=draw(_texts()),
        category=draw(_texts()),
        price_fen=price,
        list_price_fen=_opt_pick(draw, price, MAX_MONEY_FEN),
        role=_opt(draw, _ROLES),
        channel_exclusive=draw(_COIN),
    )


def products(*, product_id: str | None = None) -> st.SearchStrategy[Product]:
    """Products (商品) with ``list_price_fen >= price_fen`` when a list price is given."""
    return st.composite(_product)(product_id)


def _stream_products(
    draw: st.DrawFn, product_ids: Sequence[str], gmv_fen: int
) -> tuple[StreamProduct, ...]:
    chosen = _subset(draw, product_ids, max_size=3)
    items = []
    for product_id, gmv in zip(chosen, _split(draw, gmv_fen, len(chosen)), strict=True):
        exposures = _opt(draw, _counts())
        items.append(
            StreamProduct(
                product_id=product_id,
                explain_count=draw(_counts(1_000)),
                explain_seconds=draw(_counts()),
                exposures=exposures,
                clicks=_opt_pick(draw, 0, MAX_COUNT if exposures is None else exposures),
                orders=draw(_counts()),
                gmv_fen=gmv,
                stock_units=_opt(draw, _counts()),
                units_sold=_opt(draw, _counts()),
            )
        )
    return tuple(items)


def _run_of_show(draw: st.DrawFn) -> RunOfShow:
    segments = tuple(
        ShowSegment(
            name=draw(_texts()),
            planned_seconds=draw(_counts()),
            actual_seconds=_opt(draw, _counts()),
            planned_spend_fen=_opt(draw, _money()),
            actual_spend_fen=_opt(draw, _money()),
        )
        for _ in range(_pick(draw, 0, 3))
    )
    return RunOfShow(
        segments=segments,
        gmv_target_fen=_opt(draw, _money()),
        planned_paid_uv_share=_opt(draw, _UNIT),
        planned_returning_share=_opt(draw, _UNIT),
    )


def _stream(
    draw: st.DrawFn,
    *,
    account_ids: Sequence[str],
    product_ids: Sequence[str],
    stream_id: str | None,
    window_start: date | None,
    window_end: date | None,
) -> Stream:
    duration = draw(_DURATIONS)
    uv = draw(_counts())
    orders = draw(_counts())
    gmv = draw(_money()) if orders else 0
    required: dict[str, Any] = {
        "stream_id": stream_id if stream_id is not None else draw(_identifiers()),
        "account_id": _choice(draw, account_ids),
        "started_at": draw(
            _aware_datetimes(
                window_start if window_start is not None else _EARLIEST,
                window_end if window_end is not None else _LATEST,
            )
        ),
        "duration_seconds": duration,
        "uv": uv,
        "watch_seconds": _pick(draw, 0, min(uv * duration, MAX_COUNT)),
        "orders": orders,
        "buyers": _pick(draw, 0, min(orders, uv)),
        "gmv_fen": gmv,
    }
    if not _maybe(draw):
        # Required fields only, every other field at its default: half the examples, and
        # cheap ones (a fully detailed stream takes a hundred draws).
        return Stream(**required)
    product_exposure_uv = _opt_pick(draw, 0, uv)
    reservations = _opt(draw, _counts())
    coupons_issued = _opt(draw, _counts())
    return Stream(
        **required,
        exposure=_opt_pick(draw, uv, MAX_COUNT),
        views=_opt_pick(draw, uv, MAX_COUNT),
        peak_concurrent=_opt_pick(draw, 0, uv),
        first_minutes_uv=_opt_pick(draw, 0, uv),
        uv_by_source=_int_split_map(draw, _SOURCES, uv),
        gmv_by_source=_int_split_map(draw, _SOURCES, gmv),
        comments=_opt(draw, _counts()),
        likes=_opt(draw, _counts()),
        shares=_opt(draw, _counts()),
        new_followers=_opt(draw, _counts()),
        fan_group_joins=_opt(draw, _counts()),
        product_exposure_uv=product_exposure_uv,
        product_click_uv=_opt_pick(
            draw, 0, uv if product_exposure_uv is None else product_exposure_uv
        ),
        orders_created=_opt_pick(draw, orders, MAX_COUNT),
        refund_fen=_opt_pick(draw, 0, gmv),
        paid_spend_fen=_opt(draw, _money()),
        reservations=reservations,
        reserved_attendees=_opt_pick(
            draw, 0, uv if reservations is None else min(reservations, uv)
        ),
        preheat_videos=_opt(draw, _counts(100)),
        preheat_video_views=_opt(draw, _counts()),
        coupons_issued=coupons_issued,
        coupons_used=_opt_pick(draw, 0, MAX_COUNT if coupons_issued is None else coupons_issued),
        giveaways=_opt(draw, _counts()),
        hosts=_opt(draw, _counts(10)),
        products=_stream_products(draw, product_ids, gmv),
        plan=_run_of_show(draw) if _maybe(draw) else None,
        campaign=_opt(draw, _texts()),
    )


def streams(
    account_ids: Sequence[str],
    product_ids: Sequence[str] = (),
    *,
    stream_id: str | None = None,
    window_start: date | None = None,
    window_end: date | None = None,
) -> st.SearchStrategy[Stream]:
    """Streams (直播场次) on one of ``account_ids`` (which must not be empty), selling some of
    ``product_ids``, starting on a local date within [window_start, window_end].

    Every relation of `Stream` holds: ``buyers <= orders <=
    orders_created``; ``buyers``, ``peak_concurrent``, ``first_minutes_uv``,
    ``reserved_attendees <= uv <= exposure, views``; ``product_click_uv <=
    product_exposure_uv <= uv``; the source splits and the products' GMV add up to at most
    the totals; ``refund_fen <= gmv_fen``; ``coupons_used <= coupons_issued``;
    ``watch_seconds <= uv × duration_seconds``; no GMV without orders; each product once.
    """
    if not account_ids:
        raise InvalidArgument("streams() needs at least one account id")
    if window_start is not None and window_end is not None and window_end < window_start:
        raise InvalidArgument(f"window_end {window_end} is before window_start {window_start}")
    return st.composite(_stream)(
        account_ids=list(account_ids),
        product_ids=list(product_ids),
        stream_id=stream_id,
        window_start=window_start,
        window_end=window_end,
    )


def _talent_collab(
    draw: st.DrawFn, product_ids: Sequence[str], collab_id: str | None
) -> TalentCollab:
    started = draw(_DATES)
    orders = draw(_counts())
    gmv = draw(_money()) if orders else 0
    return TalentCollab(
        collab_id=collab_id if collab_id is not None else draw(_identifiers()),
        talent_id=draw(_identifiers()),
        talent_name=draw(_texts()),
        platform=draw(_PLATFORMS),
        talent_followers=draw(_counts()),
        started_on=started,
        ended_on=started + timedelta(days=_pick(draw, 0, (_LATEST - started).days)),
        streams=draw(_counts(1_000)),
        gmv_fen=gmv,
        commission_fen=_pick(draw, 0, gmv),
        orders=orders,
        buyers=_pick(draw, 0, orders),
        audience_reached=_opt(draw, _counts()),
        new_followers_for_brand=_opt(draw, _counts()),
        product_ids=tuple(_subset(draw, product_ids, max_size=3)),
        audience=_opt_audience(draw),
    )


def talent_collabs(
    product_ids: Sequence[str] = (), *, collab_id: str | None = None
) -> st.SearchStrategy[TalentCollab]:
    """Talent collaborations (达人分销) naming some of ``product_ids``, with
    ``started_on <= ended_on``, ``buyers <= orders``, ``commission_fen <= gmv_fen`` and no
    GMV without orders."""
    return st.composite(_talent_collab)(list(product_ids), collab_id)


def _order(
    draw: st.DrawFn,
    stream_ids: Sequence[str],
    product_ids: Sequence[str],
    collab_ids: Sequence[str],
    order_id: str | None,
) -> Order:
    amount = draw(_money())
    channels: list[tuple[str | None, str | None]] = [(None, None)]
    channels += [(s, None) for s in stream_ids] + [(None, c) for c in collab_ids]
    stream_id, collab_id = _choice(draw, channels)
    return Order(
        order_id=order_id if order_id is not None else draw(_identifiers()),
        buyer_key=draw(_buyer_keys()),
        placed_at=draw(_aware_datetimes()),
        amount_fen=amount,
        quantity=draw(_QUANTITIES),
        product_id=_choice(draw, product_ids) if product_ids and _maybe(draw) else None,
        stream_id=stream_id,
        collab_id=collab_id,
        refunded_fen=_opt_pick(draw, 0, amount),
        traffic_source=_opt(draw, st.sampled_from(TrafficSource)),
        fan_group_member=_opt(draw, st.booleans()),
        trust_card=_opt(draw, st.booleans()),
    )


def orders(
    stream_ids: Sequence[str] = (),
    product_ids: Sequence[str] = (),
    collab_ids: Sequence[str] = (),
    *,
    order_id: str | None = None,
) -> st.SearchStrategy[Order]:
    """Orders from one of ``stream_ids`` or one of ``collab_ids`` (never both; sometimes
    neither), for one of ``product_ids`` or none, with a pseudonymous buyer key and
    ``refunded_fen <= amount_fen``."""
    return st.composite(_order)(list(stream_ids), list(product_ids), list(collab_ids), order_id)


def _trust_signal(draw: st.DrawFn) -> TrustSignal:
    kind = draw(_TRUST_KINDS)
    if kind.is_flag:
        value = draw(_FLAG_VALUES)
    elif kind.is_rate:
        value = draw(_UNIT)
    else:
        value = draw(_SCORES)
    return TrustSignal(
        kind=kind,
        value=value,
        observed_on=_opt(draw, _DATES),
        source=_opt(draw, _texts()),
    )


def trust_signals() -> st.SearchStrategy[TrustSignal]:
    """Trust signals (信任信号): flags 0 or 1, rates in [0, 1], the store score in [0, 100]."""
    return st.composite(_trust_signal)()


def _short_video(
    draw: st.DrawFn,
    account_ids: Sequence[str],
    video_id: str | None,
    stream_ids: Sequence[str] = (),
) -> ShortVideo:
    return ShortVideo(
        video_id=video_id if video_id is not None else draw(_identifiers()),
        account_id=_choice(draw, account_ids),
        posted_at=draw(_aware_datetimes()),
        views=_opt(draw, _counts()),
        likes=_opt(draw, _counts()),
        for_stream_id=_choice(draw, stream_ids) if stream_ids and _maybe(draw) else None,
    )


def short_videos(
    account_ids: Sequence[str], *, video_id: str | None = None
) -> st.SearchStrategy[ShortVideo]:
    """Short videos (短视频) posted by one of ``account_ids`` (which must not be empty)."""
    if not account_ids:
        raise InvalidArgument("short_videos() needs at least one account id")
    return st.composite(_short_video)(list(account_ids), video_id)


@functools.cache
def _unique_ids(max_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(_identifiers(), unique=True, max_size=max_size)


def _window(draw: st.DrawFn) -> tuple[date | None, date | None]:
    start = _opt(draw, _DATES)
    if not _maybe(draw):
        return start, None
    low = start or _EARLIEST
    return start, low + timedelta(days=_pick(draw, 0, (_LATEST - low).days))


def _brand(
    draw: st.DrawFn,
    *,
    brand_id: str | None,
    max_accounts: int,
    max_products: int,
    max_streams: int,
    max_collabs: int,
    max_orders: int,
    max_trust_signals: int,
    max_short_videos: int,
) -> Brand:
    start, end = _window(draw)
    account_ids = draw(_unique_ids(max_accounts))
    product_ids = draw(_unique_ids(max_products))
    collab_ids = draw(_unique_ids(max_collabs))
    stream_ids = draw(_unique_ids(max_streams)) if account_ids else []
    video_ids = draw(_unique_ids(max_short_videos)) if account_ids else []
    order_ids = draw(_unique_ids(max_orders))
    campaign_ids = draw(_unique_ids(2))
    brand = Brand(
        brand_id=brand_id if brand_id is not None else draw(_identifiers()),
        name=draw(_texts()),
        category=draw(_texts()),
        tier=_opt(draw, _TIERS),
        window_start=start,
        window_end=end,
        accounts=tuple(_account(draw, None, a) for a in account_ids),
        products=tuple(_product(draw, p) for p in product_ids),
        streams=tuple(
            _stream(
                draw,
                account_ids=account_ids,
                product_ids=product_ids,
                stream_id=s,
                window_start=start,
                window_end=end,
            )
            for s in stream_ids
        ),
        talent_collabs=tuple(_talent_collab(draw, product_ids, c) for c in collab_ids),
        orders=tuple(_order(draw, stream_ids, product_ids, collab_ids, o) for o in order_ids),
        trust_signals=tuple(_trust_signal(draw) for _ in range(_pick(draw, 0, max_trust_signals))),
        short_videos=tuple(_short_video(draw, account_ids, v, stream_ids) for v in video_ids),
        audience=_opt_audience(draw),
        paid_campaigns=tuple(
            _paid_campaign(draw, account_ids, stream_ids, c) for c in campaign_ids
        ),
    )
    if not _maybe(draw):
        return brand  # coverage not declared: inferred from what the brand holds
    # Declared: what the brand holds, and sometimes a section provided but empty.
    held = {c.section for c in brand.covered()}
    extra = draw(st.sets(st.sampled_from(Section)))
    declared = tuple(SectionCoverage(s) for s in Section if s in held or s in extra)
    return attrs.evolve(brand, coverage=declared)


def _paid_campaign(
    draw: st.DrawFn, account_ids: Sequence[str], stream_ids: Sequence[str], campaign_id: str
) -> PaidCampaign:
    started = draw(st.dates(_EARLIEST, _LATEST))
    impressions = _opt(draw, _counts())
    return PaidCampaign(
        campaign_id=campaign_id,
        started_on=started,
        ended_on=started + timedelta(days=draw(st.integers(0, 30))),
        spend_fen=draw(_money()),
        gmv_fen=_opt(draw, _money()),
        orders=_opt(draw, _counts()),
        impressions=impressions,
        clicks=_opt_pick(draw, 0, MAX_COUNT if impressions is None else impressions),
        new_followers=_opt(draw, _counts()),
        account_id=_choice(draw, account_ids) if account_ids and _maybe(draw) else None,
        stream_id=_choice(draw, stream_ids) if stream_ids and _maybe(draw) else None,
        name=_opt(draw, _texts()),
    )


def brands(
    *,
    brand_id: str | None = None,
    max_accounts: int = 2,
    max_products: int = 3,
    max_streams: int = 3,
    max_collabs: int = 2,
    max_orders: int = 4,
    max_trust_signals: int = 2,
    max_short_videos: int = 2,
) -> st.SearchStrategy[Brand]:
    """Brands (品牌) whose collections have unique ids, whose references (streams' and short
    videos' accounts, products sold, orders' streams, products and collabs) all exist, and
    whose streams start within the analysis window when one is set.  Any collection may be
    empty; a brand without accounts has no streams and no short videos."""
    return st.composite(_brand)(
        brand_id=brand_id,
        max_accounts=max_accounts,
        max_products=max_products,
        max_streams=max_streams,
        max_collabs=max_collabs,
        max_orders=max_orders,
        max_trust_signals=max_trust_signals,
        max_short_videos=max_short_videos,
    )


def _dataset(draw: st.DrawFn, max_brands: int, max_streams: int) -> Dataset:
    return Dataset(
        brands=tuple(
            _brand(
                draw,
                brand_id=b,
                max_accounts=2,
                max_products=3,
                max_streams=max_streams,
                max_collabs=2,
                max_orders=4,
                max_trust_signals=2,
                max_short_videos=2,
            )
            for b in draw(_unique_ids(max_brands))
        )
    )


def datasets(*, max_brands: int = 2, max_streams: int = 3) -> st.SearchStrategy[Dataset]:
    """Datasets of up to ``max_brands`` brands with unique ids (sometimes none), each with up
    to ``max_streams`` streams."""
    return st.composite(_dataset)(max_brands, max_streams)
