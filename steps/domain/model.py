"""The typed model of live-stream e-commerce (直播电商).

Every class is frozen and slotted, and validates itself at construction: each field against
its declared kind (money in integer fen, counts, rates in [0, 1], timezone-aware times, ids),
then the relations between fields and objects.  A violation raises
`InvalidDataError` naming every offending field.

Money is integer fen (分; 100 fen = 1 yuan).  Collections are tuples; mappings are read-only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

import attrs

from steps.domain.enums import (
    AgeBand,
    CityTier,
    Platform,
    ProductRole,
    Section,
    TrafficSource,
    TrustSignalKind,
)
from steps.domain.errors import Problem
from steps.domain.fields import (
    AWARE_DATETIME,
    BOOL,
    COUNT,
    DATE,
    IDENTIFIER,
    MONEY,
    RATE,
    TEXT,
    check_fields,
    count_map,
    enum_of,
    many,
    nested,
    number,
    share_map,
    to_platform,
    to_product_role,
    to_section,
    to_traffic_source,
    to_trust_signal_kind,
)

__all__ = [
    "Account",
    "AudienceProfile",
    "Brand",
    "Dataset",
    "FanGroup",
    "Order",
    "PaidCampaign",
    "Product",
    "RunOfShow",
    "SectionCoverage",
    "ShortVideo",
    "ShowSegment",
    "Stream",
    "StreamProduct",
    "TalentCollab",
    "TrustSignal",
]


def _frozen_map(value: Mapping[Any, Any] | None) -> Mapping[Any, Any]:
    if value is None:
        return MappingProxyType({})
    if isinstance(value, MappingProxyType):
        return value
    if isinstance(value, Mapping):
        return MappingProxyType(dict(value))
    return value  # type: ignore[unreachable]  # rejected by the field check with its type


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    if isinstance(value, tuple):
        return value
    if isinstance(value, list):
        return tuple(value)
    return value  # type: ignore[return-value]  # rejected by the field check with its type


def _at_most(path: str, value: int | None, bound: int | None, bound_name: str) -> Iterator[Problem]:
    if value is not None and bound is not None and value > bound:
        yield Problem(path, f"must be <= {bound_name} ({bound}), got {value}")


def _unique(path: str, ids: Iterable[str], what: str) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, ident in enumerate(ids):
        if ident in seen:
            yield Problem(f"{path}[{index}]", f"duplicate {what} {ident!r}")
        seen.add(ident)


class _Model:
    """Runs the field checks and the class's relation checks after construction."""

    __slots__ = ()

    def __attrs_post_init__(self) -> None:
        check_fields(self, self._relations())

    def _relations(self) -> Iterator[Problem]:
        return iter(())


@attrs.frozen
class AudienceProfile(_Model):
    """Who watches or buys (用户画像): shares of people by city tier and by age band.

    Shares are rates in [0, 1]; each mapping adds up to at most 1 (the rest is unknown).
    """

    city_tiers: Mapping[CityTier, float] = attrs.field(
        factory=dict, converter=_frozen_map, metadata=share_map(CityTier)
    )
    age_bands: Mapping[AgeBand, float] = attrs.field(
        factory=dict, converter=_frozen_map, metadata=share_map(AgeBand)
    )
    female_share: float | None = attrs.field(default=None, metadata=RATE)


@attrs.frozen
class FanGroup(_Model):
    """An account's fan group (粉丝团) over the brand's window."""

    members: int = attrs.field(metadata=COUNT)
    active_members: int = attrs.field(metadata=COUNT)
    new_members: int | None = attrs.field(default=None, metadata=COUNT)
    member_gmv_fen: int | None = attrs.field(default=None, metadata=MONEY)
    member_buyers: int | None = attrs.field(default=None, metadata=COUNT)
    member_repeat_buyers: int | None = attrs.field(default=None, metadata=COUNT)

    def _relations(self) -> Iterator[Problem]:
        yield from _at_most("active_members", self.active_members, self.members, "members")
        yield from _at_most("new_members", self.new_members, self.members, "members")
        yield from _at_most(
            "member_repeat_buyers", self.member_repeat_buyers, self.member_buyers, "member_buyers"
        )


@attrs.frozen
class Account(_Model):
    """A live-stream account (账号) the brand broadcasts from itself (自播)."""

    account_id: str = attrs.field(metadata=IDENTIFIER)
    platform: Platform = attrs.field(converter=to_platform, metadata=enum_of(Platform))
    name: str = attrs.field(metadata=TEXT)
    followers: int | None = attrs.field(default=None, metadata=COUNT)
    opened_on: date | None = attrs.field(default=None, metadata=DATE)
    fan_group: FanGroup | None = attrs.field(default=None, metadata=nested(FanGroup))
    audience: AudienceProfile | None = attrs.field(default=None, metadata=nested(AudienceProfile))


@attrs.frozen
class Product(_Model):
    """A product (商品 / SKU) the brand sells."""

    product_id: str = attrs.field(metadata=IDENTIFIER)
    name: str = attrs.field(metadata=TEXT)
    category: str = attrs.field(metadata=TEXT)
    price_fen: int = attrs.field(metadata=MONEY)
    list_price_fen: int | None = attrs.field(default=None, metadata=MONEY)
    role: ProductRole | None = attrs.field(
        default=None, converter=to_product_role, metadata=enum_of(ProductRole)
    )
    channel_exclusive: bool = attrs.field(default=False, metadata=BOOL)
    #: Whether the product is a set (套装) of several items, such as a hero bundle; ``None``:
    #: the product list does not say.
    bundle: bool | None = attrs.field(default=None, metadata=BOOL)

    def _relations(self) -> Iterator[Problem]:
        if self.list_price_fen is not None and self.list_price_fen < self.price_fen:
            yield Problem(
                "list_price_fen",
                f"must be >= price_fen ({self.price_fen}), got {self.list_price_fen}",
            )


@attrs.frozen
class StreamProduct(_Model):
    """A product as explained (讲解) and sold in one stream."""

    product_id: str = attrs.field(metadata=IDENTIFIER)
    explain_count: int = attrs.field(default=0, metadata=COUNT)
    explain_seconds: int = attrs.field(default=0, metadata=COUNT)
    exposures: int | None = attrs.field(default=None, metadata=COUNT)
    clicks: int | None = attrs.field(default=None, metadata=COUNT)
    orders: int = attrs.field(default=0, metadata=COUNT)
    gmv_fen: int = attrs.field(default=0, metadata=MONEY)
    #: Units made available to the stream (库存), when the product export says.
    stock_units: int | None = attrs.field(default=None, metadata=COUNT)
    #: Units sold in the stream (成交件数), when the product export says.
    units_sold: int | None = attrs.field(default=None, metadata=COUNT)

    def _relations(self) -> Iterator[Problem]:
        yield from _at_most("clicks", self.clicks, self.exposures, "exposures")

    @property
    def sold_out(self) -> bool | None:
        """Whether the stock ran out (``units_sold >= stock_units``); ``None`` unless both
        are recorded."""
        if self.stock_units is None or self.units_sold is None:
            return None
        return self.units_sold >= self.stock_units


@attrs.frozen
class ShowSegment(_Model):
    """One planned segment of a run-of-show (直播脚本), with what actually happened."""

    name: str = attrs.field(metadata=TEXT)
    planned_seconds: int = attrs.field(metadata=COUNT)
    actual_seconds: int | None = attrs.field(default=None, metadata=COUNT)
    planned_spend_fen: int | None = attrs.field(default=None, metadata=MONEY)
    actual_spend_fen: int | None = attrs.field(default=None, metadata=MONEY)


@attrs.frozen
class RunOfShow(_Model):
    """The plan of a stream (直播脚本与节奏): segments, GMV target and traffic plan."""

    segments: tuple[ShowSegment, ...] = attrs.field(
        default=(), converter=_tuple, metadata=many(ShowSegment)
    )
    gmv_target_fen: int | None = attrs.field(default=None, metadata=MONEY)
    planned_paid_uv_share: float | None = attrs.field(default=None, metadata=RATE)
    #: The share of the GMV target planned to come from returning buyers (老客), the rest
    #: from new ones: the audience mix behind the target (客群构成).
    planned_returning_share: float | None = attrs.field(default=None, metadata=RATE)


@attrs.frozen
class Stream(_Model):
    """One live session (直播场次) on one of the brand's accounts.

    Viewer counts are unique viewers (UV, 观看人数); ``views`` is the number of views
    (观看次数, PV).  ``uv_by_source`` and ``gmv_by_source`` split UV and GMV by traffic
    source; each adds up to at most the total (the rest is unattributed).
    """

    stream_id: str = attrs.field(metadata=IDENTIFIER)
    account_id: str = attrs.field(metadata=IDENTIFIER)
    started_at: datetime = attrs.field(metadata=AWARE_DATETIME)
    duration_seconds: int = attrs.field(metadata=COUNT)
    uv: int = attrs.field(metadata=COUNT)
    watch_seconds: int = attrs.field(metadata=COUNT)
    orders: int = attrs.field(metadata=COUNT)
    buyers: int = attrs.field(metadata=COUNT)
    gmv_fen: int = attrs.field(metadata=MONEY)
    exposure: int | None = attrs.field(default=None, metadata=COUNT)
    views: int | None = attrs.field(default=None, metadata=COUNT)
    peak_concurrent: int | None = attrs.field(default=None, metadata=COUNT)
    first_minutes_uv: int | None = attrs.field(default=None, metadata=COUNT)
    uv_by_source: Mapping[TrafficSource, int] = attrs.field(
        factory=dict, converter=_frozen_map, metadata=count_map(TrafficSource)
    )
    gmv_by_source: Mapping[TrafficSource, int] = attrs.field(
        factory=dict, converter=_frozen_map, metadata=count_map(TrafficSource)
    )
    comments: int | None = attrs.field(default=None, metadata=COUNT)
    likes: int | None = attrs.field(default=None, metadata=COUNT)
    shares: int | None = attrs.field(default=None, metadata=COUNT)
    new_followers: int | None = attrs.field(default=None, metadata=COUNT)
    fan_group_joins: int | None = attrs.field(default=None, metadata=COUNT)
    product_exposure_uv: int | None = attrs.field(default=None, metadata=COUNT)
    product_click_uv: int | None = attrs.field(default=None, metadata=COUNT)
    orders_created: int | None = attrs.field(default=None, metadata=COUNT)
    refund_fen: int | None = attrs.field(default=None, metadata=MONEY)
    paid_spend_fen: int | None = attrs.field(default=None, metadata=MONEY)
    reservations: int | None = attrs.field(default=None, metadata=COUNT)
    reserved_attendees: int | None = attrs.field(default=None, metadata=COUNT)
    preheat_videos: int | None = attrs.field(default=None, metadata=COUNT)
    preheat_video_views: int | None = attrs.field(default=None, metadata=COUNT)
    coupons_issued: int | None = attrs.field(default=None, metadata=COUNT)
    coupons_used: int | None = attrs.field(default=None, metadata=COUNT)
    giveaways: int | None = attrs.field(default=None, metadata=COUNT)
    hosts: int | None = attrs.field(default=None, metadata=COUNT)
    products: tuple[StreamProduct, ...] = attrs.field(
        default=(), converter=_tuple, metadata=many(StreamProduct)
    )
    plan: RunOfShow | None = attrs.field(default=None, metadata=nested(RunOfShow))
    campaign: str | None = attrs.field(default=None, metadata=TEXT)

    def _relations(self) -> Iterator[Problem]:
        yield from _at_most("buyers", self.buyers, self.orders, "orders")
        yield from _at_most("buyers", self.buyers, self.uv, "uv")
        yield from _at_most("uv", self.uv, self.exposure, "exposure")
        yield from _at_most("uv", self.uv, self.views, "views")
        yield from _at_most("first_minutes_uv", self.first_minutes_uv, self.uv, "uv")
        yield from _at_most("peak_concurrent", self.peak_concurrent, self.uv, "uv")
        yield from _at_most("product_exposure_uv", self.product_exposure_uv, self.uv, "uv")
        yield from _at_most(
            "product_click_uv",
            self.product_click_uv,
            self.product_exposure_uv,
            "product_exposure_uv",
        )
        yield from _at_most("product_click_uv", self.product_click_uv, self.uv, "uv")
        yield from _at_most("orders", self.orders, self.orders_created, "orders_created")
        yield from _at_most("refund_fen", self.refund_fen, self.gmv_fen, "gmv_fen")
        yield from _at_most(
            "coupons_used", self.coupons_used, self.coupons_issued, "coupons_issued"
        )
        yield from _at_most(
            "reserved_attendees", self.reserved_attendees, self.reservations, "reservations"
        )
        yield from _at_most("reserved_attendees", self.reserved_attendees, self.uv, "uv")
        yield from _at_most(
            "watch_seconds",
            self.watch_seconds,
            self.uv * self.duration_seconds,
            "uv × duration_seconds",
        )
        if self.gmv_fen > 0 and self.orders == 0:
            yield Problem("orders", "must be > 0 when gmv_fen is positive")
        yield from _at_most("uv_by_source", sum(self.uv_by_source.values()), self.uv, "uv")
        yield from _at_most(
            "gmv_by_source", sum(self.gmv_by_source.values()), self.gmv_fen, "gmv_fen"
        )
        yield from _at_most(
            "products",
            sum(p.gmv_fen for p in self.products),
            self.gmv_fen,
            "gmv_fen (sum of products' gmv_fen)",
        )
        yield from _unique("products", (p.product_id for p in self.products), "product")


@attrs.frozen
class TalentCollab(_Model):
    """A talent's distribution for the brand (达人分销 / 达人合作) over a period."""

    collab_id: str = attrs.field(metadata=IDENTIFIER)
    talent_id: str = attrs.field(metadata=IDENTIFIER)
    talent_name: str = attrs.field(metadata=TEXT)
    platform: Platform = attrs.field(converter=to_platform, metadata=enum_of(Platform))
    talent_followers: int = attrs.field(metadata=COUNT)
    started_on: date = attrs.field(metadata=DATE)
    ended_on: date = attrs.field(metadata=DATE)
    streams: int = attrs.field(metadata=COUNT)
    gmv_fen: int = attrs.field(metadata=MONEY)
    commission_fen: int = attrs.field(metadata=MONEY)
    orders: int = attrs.field(metadata=COUNT)
    buyers: int = attrs.field(metadata=COUNT)
    audience_reached: int | None = attrs.field(default=None, metadata=COUNT)
    new_followers_for_brand: int | None = attrs.field(default=None, metadata=COUNT)
    product_ids: tuple[str, ...] = attrs.field(default=(), converter=_tuple, metadata=many(str))
    audience: AudienceProfile | None = attrs.field(default=None, metadata=nested(AudienceProfile))
    #: Fixed fees paid whatever sells (坑位费, slot fees); ``None``: not recorded.
    fixed_fee_fen: int | None = attrs.field(default=None, metadata=MONEY)

    def _relations(self) -> Iterator[Problem]:
        if self.ended_on < self.started_on:
            yield Problem("ended_on", f"must not be before started_on ({self.started_on})")
        yield from _at_most("buyers", self.buyers, self.orders, "orders")
        yield from _at_most("commission_fen", self.commission_fen, self.gmv_fen, "gmv_fen")
        if self.gmv_fen > 0 and self.orders == 0:
            yield Problem("orders", "must be > 0 when gmv_fen is positive")


# Pseudonymous buyer keys only: anything shaped like a phone number or an e-mail address is
# refused, since China's Personal Information Protection Law applies to buyers.
_PHONE_LIKE = re.compile(r"^\+?[\d\s\-()]{7,20}$")


def _buyer_key_problem(key: str) -> str | None:
    if "@" in key:
        return "must be a pseudonymous key, not an e-mail address"
    if _PHONE_LIKE.match(key) and sum(c.isdigit() for c in key) >= 7:
        return "must be a pseudonymous key, not a phone number"
    return None


@attrs.frozen
class Order(_Model):
    """One paid order.  ``buyer_key`` is a pseudonymous token, never a name or phone number."""

    order_id: str = attrs.field(metadata=IDENTIFIER)
    buyer_key: str = attrs.field(metadata=IDENTIFIER)
    placed_at: datetime = attrs.field(metadata=AWARE_DATETIME)
    amount_fen: int = attrs.field(metadata=MONEY)
    quantity: int = attrs.field(default=1, metadata=COUNT)
    product_id: str | None = attrs.field(default=None, metadata=IDENTIFIER)
    stream_id: str | None = attrs.field(default=None, metadata=IDENTIFIER)
    collab_id: str | None = attrs.field(default=None, metadata=IDENTIFIER)
    refunded_fen: int | None = attrs.field(default=None, metadata=MONEY)
    #: Where the buyer came from (流量来源), when the export says.
    traffic_source: TrafficSource | None = attrs.field(
        default=None, converter=to_traffic_source, metadata=enum_of(TrafficSource)
    )
    #: Whether the buyer was a member of the account's fan group (粉丝团) when ordering.
    fan_group_member: bool | None = attrs.field(default=None, metadata=BOOL)
    #: Whether the buyer held the platform's trust card (信任卡), a benefit for honest
    #: consumers, when ordering.
    trust_card: bool | None = attrs.field(default=None, metadata=BOOL)

    @property
    def paid(self) -> bool:
        """Whether the order counts as paid: an amount above 0 not refunded in full (an
        order whose refunds were not exported counts as paid; a free gift never does)."""
        return self.amount_fen > 0 and (
            self.refunded_fen is None or self.refunded_fen < self.amount_fen
        )

    def _relations(self) -> Iterator[Problem]:
        problem = _buyer_key_problem(self.buyer_key)
        if problem:
            yield Problem("buyer_key", problem)
        yield from _at_most("refunded_fen", self.refunded_fen, self.amount_fen, "amount_fen")
        if self.stream_id is not None and self.collab_id is not None:
            yield Problem("collab_id", "an order comes from a stream or a talent, not both")


@attrs.frozen
class TrustSignal(_Model):
    """Evidence of trust (信任信号).  Flags (enrolments) take 1 or 0; rates lie in [0, 1];
    the store experience score is on a 0–100 scale (multiply a 5-point score by 20)."""

    kind: TrustSignalKind = attrs.field(
        converter=to_trust_signal_kind, metadata=enum_of(TrustSignalKind)
    )
    value: float = attrs.field(metadata=number(0, 100))
    observed_on: date | None = attrs.field(default=None, metadata=DATE)
    source: str | None = attrs.field(default=None, metadata=TEXT)

    def _relations(self) -> Iterator[Problem]:
        if self.kind.is_flag and self.value not in (0, 1):
            yield Problem("value", f"must be 1 or 0 for {self.kind.value}, got {self.value}")
        elif self.kind.is_rate and not 0 <= self.value <= 1:
            yield Problem("value", f"must lie in [0, 1] for {self.kind.value}, got {self.value}")


@attrs.frozen
class ShortVideo(_Model):
    """A short video (短视频) posted by one of the brand's accounts: content output."""

    video_id: str = attrs.field(metadata=IDENTIFIER)
    account_id: str = attrs.field(metadata=IDENTIFIER)
    posted_at: datetime = attrs.field(metadata=AWARE_DATETIME)
    views: int | None = attrs.field(default=None, metadata=COUNT)
    likes: int | None = attrs.field(default=None, metadata=COUNT)
    #: The stream this video warms up (预热视频), when the brand links them.
    for_stream_id: str | None = attrs.field(default=None, metadata=IDENTIFIER)


@attrs.frozen
class PaidCampaign(_Model):
    """A paid-traffic campaign (商业化投放: 磁力金牛 on Kuaishou, 巨量千川 on Douyin) over a
    period, as the campaign report exports it: spend and what the platform attributes to it.
    ``stream_id`` ties a campaign to one stream when the report does."""

    campaign_id: str = attrs.field(metadata=IDENTIFIER)
    started_on: date = attrs.field(metadata=DATE)
    ended_on: date = attrs.field(metadata=DATE)
    spend_fen: int = attrs.field(metadata=MONEY)
    gmv_fen: int | None = attrs.field(default=None, metadata=MONEY)
    orders: int | None = attrs.field(default=None, metadata=COUNT)
    impressions: int | None = attrs.field(default=None, metadata=COUNT)
    clicks: int | None = attrs.field(default=None, metadata=COUNT)
    new_followers: int | None = attrs.field(default=None, metadata=COUNT)
    account_id: str | None = attrs.field(default=None, metadata=IDENTIFIER)
    stream_id: str | None = attrs.field(default=None, metadata=IDENTIFIER)
    name: str | None = attrs.field(default=None, metadata=TEXT)

    def _relations(self) -> Iterator[Problem]:
        if self.ended_on < self.started_on:
            yield Problem("ended_on", f"must not be before started_on ({self.started_on})")
        yield from _at_most("clicks", self.clicks, self.impressions, "impressions")


@attrs.frozen
class SectionCoverage(_Model):
    """That a section of the brand's data was provided (an export was given), and the
    dates it covers when known (inclusive).  A section a brand's ``coverage`` does not
    list was not provided: what would be computed from it is unknown, never zero."""

    section: Section = attrs.field(converter=to_section, metadata=enum_of(Section))
    start: date | None = attrs.field(default=None, metadata=DATE)
    end: date | None = attrs.field(default=None, metadata=DATE)

    def _relations(self) -> Iterator[Problem]:
        if self.start is not None and self.end is not None and self.end < self.start:
            yield Problem("end", f"must not be before start ({self.start})")

    def covers(self, day: date) -> bool:
        """Whether ``day`` lies within the dates (an open end covers everything that way)."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


def _missing(
    path: str, items: Iterable[tuple[str, str | None]], known: set[str], what: str
) -> Iterator[Problem]:
    for sub, ref in items:
        if ref is not None and ref not in known:
            yield Problem(f"{path}{sub}", f"unknown {what} {ref!r}")


@attrs.frozen
class Brand(_Model):
    """A brand or merchant (品牌 / 商家): its own accounts and what it sells through them and
    through talents, over an optional analysis window (inclusive dates)."""

    brand_id: str = attrs.field(metadata=IDENTIFIER)
    name: str = attrs.field(metadata=TEXT)
    category: str = attrs.field(metadata=TEXT)
    tier: str | None = attrs.field(default=None, metadata=TEXT)
    window_start: date | None = attrs.field(default=None, metadata=DATE)
    window_end: date | None = attrs.field(default=None, metadata=DATE)
    accounts: tuple[Account, ...] = attrs.field(
        default=(), converter=_tuple, metadata=many(Account)
    )
    products: tuple[Product, ...] = attrs.field(
        default=(), converter=_tuple, metadata=many(Product)
    )
    streams: tuple[Stream, ...] = attrs.field(default=(), converter=_tuple, metadata=many(Stream))
    talent_collabs: tuple[TalentCollab, ...] = attrs.field(
        default=(), converter=_tuple, metadata=many(TalentCollab)
    )
    orders: tuple[Order, ...] = attrs.field(default=(), converter=_tuple, metadata=many(Order))
    trust_signals: tuple[TrustSignal, ...] = attrs.field(
        default=(), converter=_tuple, metadata=many(TrustSignal)
    )
    short_videos: tuple[ShortVideo, ...] = attrs.field(
        default=(), converter=_tuple, metadata=many(ShortVideo)
    )
    audience: AudienceProfile | None = attrs.field(default=None, metadata=nested(AudienceProfile))
    paid_campaigns: tuple[PaidCampaign, ...] = attrs.field(
        default=(), converter=_tuple, metadata=many(PaidCampaign)
    )
    #: The sections of data provided and the dates each covers.  ``None`` (not declared):
    #: a section is taken as provided when it holds records (see `provided`).
    coverage: tuple[SectionCoverage, ...] | None = attrs.field(
        default=None, converter=_tuple, metadata=many(SectionCoverage)
    )

    def held(self) -> dict[Section, int]:
        """How many records the brand holds in each section."""
        return {
            Section.STREAMS: len(self.streams),
            Section.PLANS: sum(1 for s in self.streams if s.plan is not None),
            Section.STREAM_PRODUCTS: sum(1 for s in self.streams if s.products),
            Section.ORDERS: len(self.orders),
            Section.PRODUCTS: len(self.products),
            Section.TALENT_COLLABS: len(self.talent_collabs),
            Section.FAN_GROUPS: sum(1 for a in self.accounts if a.fan_group is not None),
            Section.TRUST_SIGNALS: len(self.trust_signals),
            Section.SHORT_VIDEOS: len(self.short_videos),
            Section.PAID_CAMPAIGNS: len(self.paid_campaigns),
            Section.AUDIENCE: (self.audience is not None)
            + sum(1 for a in self.accounts if a.audience is not None)
            + sum(1 for c in self.talent_collabs if c.audience is not None),
        }

    def provided(self, section: Section) -> bool:
        """Whether ``section`` was provided: listed in `coverage` when the brand
        declares it, else (coverage not declared) whether the brand holds records of it.
        A section not provided is unknown: an indicator computed from it is not available."""
        if self.coverage is not None:
            return any(c.section is section for c in self.coverage)
        return self.held()[section] > 0

    def covered(self) -> tuple[SectionCoverage, ...]:
        """The provided sections with their dates: `coverage` when declared, else one
        entry (without dates) per section that holds records."""
        if self.coverage is not None:
            return self.coverage
        return tuple(SectionCoverage(s) for s, held in self.held().items() if held)

    def _coverage_problems(self) -> Iterator[Problem]:
        if self.coverage is None:
            return
        declared: dict[Section, SectionCoverage] = {}
        for index, entry in enumerate(self.coverage):
            if entry.section in declared:
                yield Problem(
                    f"coverage[{index}].section", f"section {entry.section.value!r} listed twice"
                )
            declared[entry.section] = entry
        for section, held in self.held().items():
            if held and section not in declared:
                yield Problem(
                    "coverage",
                    f"{section.value} holds {held} record(s) but coverage does not list it "
                    "as provided",
                )
        dated = (
            (Section.STREAMS, "streams", "started_at", self.streams),
            (Section.ORDERS, "orders", "placed_at", self.orders),
            (Section.SHORT_VIDEOS, "short_videos", "posted_at", self.short_videos),
        )
        for section, path, field, records in dated:
            dates = declared.get(section)
            if dates is None or (dates.start is None and dates.end is None):
                continue
            for index, record in enumerate(records):
                day = getattr(record, field).date()
                if not dates.covers(day):
                    yield Problem(
                        f"{path}[{index}].{field}",
                        f"{day} lies outside the dates coverage gives {section.value} "
                        f"({dates.start or '…'}..{dates.end or '…'})",
                    )

    def _relations(self) -> Iterator[Problem]:
        yield from self._coverage_problems()
        yield from _unique(
            "paid_campaigns", (c.campaign_id for c in self.paid_campaigns), "paid campaign"
        )
        if (
            self.window_start is not None
            and self.window_end is not None
            and self.window_end < self.window_start
        ):
            yield Problem("window_end", f"must not be before window_start ({self.window_start})")
        yield from _unique("accounts", (a.account_id for a in self.accounts), "account")
        yield from _unique("products", (p.product_id for p in self.products), "product")
        yield from _unique("streams", (s.stream_id for s in self.streams), "stream")
        yield from _unique("talent_collabs", (c.collab_id for c in self.talent_collabs), "collab")
        yield from _unique("orders", (o.order_id for o in self.orders), "order")
        yield from _unique("short_videos", (v.video_id for v in self.short_videos), "video")
        accounts = {a.account_id for a in self.accounts}
        products = {p.product_id for p in self.products}
        streams = {s.stream_id for s in self.streams}
        collabs = {c.collab_id for c in self.talent_collabs}
        yield from _missing(
            "streams",
            ((f"[{i}].account_id", s.account_id) for i, s in enumerate(self.streams)),
            accounts,
            "account",
        )
        yield from _missing(
            "streams",
            (
                (f"[{i}].products[{j}].product_id", p.product_id)
                for i, s in enumerate(self.streams)
                for j, p in enumerate(s.products)
            ),
            products,
            "product",
        )
        yield from _missing(
            "talent_collabs",
            (
                (f"[{i}].product_ids[{j}]", pid)
                for i, c in enumerate(self.talent_collabs)
                for j, pid in enumerate(c.product_ids)
            ),
            products,
            "product",
        )
        # Orders, short videos and campaigns name streams only where the brand holds its
        # streams: the columnar reader builds a brand's catalogue without them (the streams
        # are its table's rows) and checks those references against the rows it reads.
        order_refs = [("product", products, "product_id"), ("collab", collabs, "collab_id")]
        if self.streams:
            order_refs.insert(0, ("stream", streams, "stream_id"))
        for what, known, attr in order_refs:
            yield from _missing(
                "orders",
                ((f"[{i}].{attr}", getattr(o, attr)) for i, o in enumerate(self.orders)),
                known,
                what,
            )
        yield from _missing(
            "short_videos",
            ((f"[{i}].account_id", v.account_id) for i, v in enumerate(self.short_videos)),
            accounts,
            "account",
        )
        if self.streams:
            yield from _missing(
                "short_videos",
                (
                    (f"[{i}].for_stream_id", v.for_stream_id)
                    for i, v in enumerate(self.short_videos)
                ),
                streams,
                "stream",
            )
        references = [("account", accounts, "account_id")]
        if self.streams:
            references.append(("stream", streams, "stream_id"))
        for what, known, attr in references:
            yield from _missing(
                "paid_campaigns",
                ((f"[{i}].{attr}", getattr(c, attr)) for i, c in enumerate(self.paid_campaigns)),
                known,
                what,
            )
        if self.window_start is not None or self.window_end is not None:
            for i, stream in enumerate(self.streams):
                day = stream.started_at.date()
                if (self.window_start is not None and day < self.window_start) or (
                    self.window_end is not None and day > self.window_end
                ):
                    yield Problem(
                        f"streams[{i}].started_at",
                        f"{day} lies outside the brand's window "
                        f"{self.window_start}..{self.window_end}",
                    )


@attrs.frozen
class Dataset(_Model):
    """One or many brands: what a data file holds and what scorers run over."""

    brands: tuple[Brand, ...] = attrs.field(default=(), converter=_tuple, metadata=many(Brand))

    def _relations(self) -> Iterator[Problem]:
        yield from _unique("brands", (b.brand_id for b in self.brands), "brand")

    def brand(self, brand_id: str) -> Brand:
        """The brand with this id; ``KeyError`` names the known ids when there is none."""
        for brand in self.brands:
            if brand.brand_id == brand_id:
                return brand
        known = ", ".join(b.brand_id for b in self.brands) or "none"
        raise KeyError(f"no brand {brand_id!r} (known: {known})")
