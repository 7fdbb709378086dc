"""STAGE: Kuaishou's per-stream operating method (STAGE 直播运营方法论), as a scorer plugin.

One stream is judged on the five parts of the method (DOMAIN.md section 4), each a
component of indicators:

* ``script``: script and rhythm (直播脚本、节奏): a run-of-show, timing against it, products
  explained per hour, airtime spent explaining, hosts on air;
* ``traffic``: commercial traffic (商业化投放): GMV against target, spend against target,
  realised paid ROI, paid share of UV against the plan, spend spread over segments as planned;
* ``goods``: assortment (货品): traffic / hero / profit tiers, price-band spread, discount
  depth, GMV concentration in the hit items;
* ``welfare``: gifts and welfare (福利): coupon use, giveaways, retention, interaction,
  viewer → buyer conversion;
* ``warmup``: early warm-up (预热): preheat videos and their views, reservations, reserved
  viewers who came, the share of viewers in the first minutes.

Each card carries one recommendation per weak part for the next stream, with the numbers
from this stream that justify it, in the context's language: the advice and the details are
the ``stage.*`` messages of ``steps/data/messages``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from steps.domain import metrics
from steps.domain.enums import ProductRole, TrafficSource
from steps.domain.model import Product, ShowSegment, Stream
from steps.plugins._support import (
    Detail,
    IndexedStreamMethodology,
    PerComponentAdvice,
    index_of,
    linear,
    money,
    yuan,
)
from steps.scoring.contract import Scorer, ScoringContext, StreamSubject
from steps.scoring.hookspecs import hookimpl
from steps.scoring.indicators import Component, Indicator
from steps.scoring.messages import join, text

if TYPE_CHECKING:
    from steps.columnar.table import StreamTable
    from steps.domain.model import Dataset
    from steps.scoring.batch import TableCatalog, TableScores

__all__ = [
    "COMPONENTS",
    "StageScorer",
    "spend_pacing",
    "steps_register_scorers",
    "timing_adherence",
]

Subject = StreamSubject
Ind = Indicator[StreamSubject]

_ASSUME = "assumption: "
_CHEN = (
    "DOMAIN.md §6 (Chen, Dou & Xiao 2023: more products per show and more time per product "
    "raise GMV); level: assumption"
)


def _hours(stream: Stream) -> float | None:
    return stream.duration_seconds / 3600 if stream.duration_seconds > 0 else None


# --------------------------------------------------------------------------- script (直播脚本)


def plan_completeness(s: Subject) -> float | None:
    """Share of the three planning elements present: segments, a GMV target, a paid-UV plan.

    A stream without a recorded plan scores 0 here: the plan is what this indicator judges.
    """
    plan = s.stream.plan
    if plan is None:
        return 0.0
    present = (
        bool(plan.segments),
        plan.gmv_target_fen is not None,
        plan.planned_paid_uv_share is not None,
    )
    return sum(present) / len(present)


def timing_adherence(segments: Sequence[ShowSegment]) -> float | None:
    """``1 − Σ|actual − planned| / Σ planned`` over segments whose actual time was recorded,
    floored at 0.  ``None`` without such segments or planned time."""
    timed = [g for g in segments if g.actual_seconds is not None]
    planned = sum(g.planned_seconds for g in timed)
    if not timed or planned == 0:
        return None
    deviation = sum(abs((g.actual_seconds or 0) - g.planned_seconds) for g in timed)
    return max(0.0, 1.0 - deviation / planned)


def _segment_adherence(s: Subject) -> float | None:
    plan = s.stream.plan
    return None if plan is None else timing_adherence(plan.segments)


def _products_per_hour(s: Subject) -> float | None:
    stream = s.stream
    if not stream.products:
        return None
    explained = sum(1 for p in stream.products if p.explain_count > 0)
    return metrics.ratio(explained, _hours(stream))


def _explain_share(s: Subject) -> float | None:
    stream = s.stream
    if not stream.products or stream.duration_seconds == 0:
        return None
    seconds = sum(p.explain_seconds for p in stream.products)
    return min(1.0, seconds / stream.duration_seconds)


def _hosts(s: Subject) -> float | None:
    return None if s.stream.hosts is None else float(s.stream.hosts)


# --------------------------------------------------------------------------- traffic (商业化)


def _gmv_target(s: Subject) -> int | None:
    plan = s.stream.plan
    if plan is None or not plan.gmv_target_fen:
        return None
    return plan.gmv_target_fen


def _target_attainment(s: Subject) -> float | None:
    return metrics.ratio(s.stream.gmv_fen, _gmv_target(s))


def _spend_to_target(s: Subject) -> float | None:
    if s.stream.paid_spend_fen == 0:
        return None
    return metrics.ratio(s.stream.paid_spend_fen, _gmv_target(s))


def _paid_roi(s: Subject) -> float | None:
    return metrics.paid_roi((s.stream,))


def _paid_share(stream: Stream) -> float | None:
    return metrics.uv_share(stream, TrafficSource.PAID)


def _paid_share_gap(s: Subject) -> float | None:
    plan = s.stream.plan
    actual = _paid_share(s.stream)
    if plan is None or plan.planned_paid_uv_share is None or actual is None:
        return None
    return abs(actual - plan.planned_paid_uv_share)


def spend_pacing(segments: Sequence[ShowSegment]) -> float | None:
    """How closely spend followed the plan over time: ``1 − ½ Σ |a_i/A − p_i/P|`` (one
    minus the total-variation distance between the actual and planned spend shares) over
    segments with both planned and actual spend.  ``None`` unless both totals are positive."""
    paced = [
        (g.planned_spend_fen, g.actual_spend_fen)
        for g in segments
        if g.planned_spend_fen is not None and g.actual_spend_fen is not None
    ]
    planned = sum(p for p, _ in paced)
    actual = sum(a for _, a in paced)
    if planned == 0 or actual == 0:
        return None
    distance = math.fsum(abs(a / actual - p / planned) for p, a in paced) / 2
    return max(0.0, 1.0 - distance)


def _spend_pacing(s: Subject) -> float | None:
    plan = s.stream.plan
    return None if plan is None else spend_pacing(plan.segments)


# --------------------------------------------------------------------------- goods (货品)


def _catalogue(s: Subject) -> list[Product]:
    """The catalogue entries of the stream's line-up: the products explained (讲解), or all
    listed products when the stream records no explanation."""
    products = index_of(s).products
    listed = s.stream.products
    explained = [p for p in listed if p.explain_count > 0] or listed
    return [products[p.product_id] for p in explained if p.product_id in products]


def _tier_coverage(s: Subject) -> float | None:
    roles = {p.role for p in _catalogue(s) if p.role is not None}
    if not roles:
        return None
    return len(roles) / len(ProductRole)


def _price_spread(s: Subject) -> float | None:
    prices = [p.price_fen for p in _catalogue(s) if p.price_fen > 0]
    if len(prices) < 2:
        return None
    return max(prices) / min(prices)


def _discount_depth(s: Subject) -> float | None:
    depths = [1 - p.price_fen / p.list_price_fen for p in _catalogue(s) if p.list_price_fen]
    if not depths:
        return None
    return math.fsum(depths) / len(depths)


def _hit_concentration(s: Subject) -> float | None:
    gmvs = sorted((p.gmv_fen for p in s.stream.products), reverse=True)
    total = sum(gmvs)
    if total == 0:
        return None
    top = max(1, math.ceil(len(gmvs) / 5))
    return sum(gmvs[:top]) / total


# --------------------------------------------------------------------------- welfare (福利)


def _coupon_use(s: Subject) -> float | None:
    return metrics.ratio(s.stream.coupons_used, s.stream.coupons_issued)


def _giveaways_per_hour(s: Subject) -> float | None:
    return metrics.ratio(s.stream.giveaways, _hours(s.stream))


def _avg_watch(s: Subject) -> float | None:
    return metrics.avg_watch_minutes(s.stream)


def _interaction(s: Subject) -> float | None:
    return metrics.interaction_rate(s.stream)


def _conversion(s: Subject) -> float | None:
    return metrics.conversion_rate(s.stream)


# --------------------------------------------------------------------------- warm-up (预热)


def _preheat_videos(s: Subject) -> float | None:
    return float(s.stream.preheat_videos)


def _preheat_views(s: Subject) -> float | None:
    return metrics.ratio(s.stream.preheat_video_views, s.stream.uv)


def _reservations(s: Subject) -> float | None:
    return metrics.ratio(s.stream.reservations, s.stream.uv)


def _reserved_attendance(s: Subject) -> float | None:
    return metrics.ratio(s.stream.reserved_attendees, s.stream.uv)


def _first_minutes(s: Subject) -> float | None:
    return metrics.ratio(s.stream.first_minutes_uv, s.stream.uv)


# --------------------------------------------------------------------------- definitions

SCRIPT: Component[StreamSubject] = Component(
    key="script",
    name="Script and rhythm",
    name_zh="直播脚本、节奏",
    indicators=(
        Ind(
            key="plan_completeness",
            name="Run-of-show planned",
            name_zh="直播脚本完整度",
            unit="share",
            measure=plan_completeness,
            defaults=linear(
                0.0,
                1.0,
                _ASSUME + "the article asks for a script, a GMV target and a traffic plan "
                "before every stream; all three present is the target",
            ),
            inputs=("plan",),
            formula="(segments? + gmv_target? + planned_paid_uv_share?) / 3; 0 without a plan",
        ),
        Ind(
            key="segment_adherence",
            name="Timing adherence",
            name_zh="节奏执行度",
            unit="share",
            measure=_segment_adherence,
            defaults=linear(
                0.5,
                0.9,
                _ASSUME + "segments within about 10% of their planned time is a controlled "
                "rhythm; half the time off plan is none",
            ),
            inputs=("plan.segments[].planned_seconds", "plan.segments[].actual_seconds"),
            formula="1 − Σ|actual_seconds − planned_seconds| / Σ planned_seconds",
        ),
        Ind(
            key="products_per_hour",
            name="Products explained per hour",
            name_zh="每小时讲解商品数",
            unit="products per hour",
            measure=_products_per_hour,
            defaults=linear(1.0, 6.0, _CHEN + " (one product every 10 minutes is the target)"),
            inputs=("products[].explain_count", "duration_seconds"),
            formula="count(products with explain_count > 0) / (duration_seconds / 3600)",
        ),
        Ind(
            key="explain_share",
            name="Airtime spent explaining",
            name_zh="讲解时长占比",
            unit="share",
            measure=_explain_share,
            defaults=linear(0.3, 0.8, _CHEN + " (most airtime on products is the target)"),
            weight=0.5,
            inputs=("products[].explain_seconds", "duration_seconds"),
            formula="min(1, Σ products[].explain_seconds / duration_seconds)",
        ),
        Ind(
            key="hosts",
            name="Hosts on air",
            name_zh="主播配置",
            unit="hosts",
            measure=_hosts,
            defaults=linear(
                0.0,
                2.0,
                _ASSUME + "a main host plus an assistant host (主播 + 副播) is the usual "
                "minimum staffing the article's 人员设计 calls for",
            ),
            weight=0.5,
            inputs=("hosts",),
            formula="hosts",
        ),
    ),
)

TRAFFIC: Component[StreamSubject] = Component(
    key="traffic",
    name="Commercial traffic",
    name_zh="商业化投放",
    indicators=(
        Ind(
            key="target_attainment",
            name="GMV against target",
            name_zh="GMV目标达成率",
            unit="share",
            measure=_target_attainment,
            defaults=linear(
                0.5, 1.0, _ASSUME + "meeting the stream's own GMV target is the target"
            ),
            inputs=("plan.gmv_target_fen", "gmv_fen"),
            formula="gmv_fen / plan.gmv_target_fen",
        ),
        Ind(
            key="spend_to_target",
            name="Paid spend against GMV target",
            name_zh="投放费比(计划)",
            unit="share",
            measure=_spend_to_target,
            defaults=linear(
                0.4,
                0.1,
                _ASSUME + "a planned spend of 10% of the GMV target (ROI 10) is lean; 40% "
                "(ROI 2.5) leaves little margin",
            ),
            inputs=("paid_spend_fen > 0", "plan.gmv_target_fen"),
            formula="paid_spend_fen / plan.gmv_target_fen (lower is better)",
        ),
        Ind(
            key="paid_roi",
            name="Paid ROI",
            name_zh="投放ROI",
            unit="×",
            measure=_paid_roi,
            defaults=linear(
                1.0,
                3.0,
                _ASSUME + "ROI 1 only recovers the spend; 3 is a common break-even for "
                "about one-third gross margin",
            ),
            inputs=("paid_spend_fen > 0", "gmv_by_source[paid]"),
            formula="gmv_by_source[paid] / paid_spend_fen",
        ),
        Ind(
            key="paid_share_gap",
            name="Paid UV share off plan",
            name_zh="付费流量占比偏差",
            unit="share points",
            measure=_paid_share_gap,
            defaults=linear(
                0.2,
                0.02,
                _ASSUME + "within 2 points of the planned paid share is on plan; 20 points "
                "off means the plan did not steer the buying",
            ),
            inputs=("uv_by_source", "plan.planned_paid_uv_share"),
            formula="|uv_by_source[paid] / uv − plan.planned_paid_uv_share|",
        ),
        Ind(
            key="spend_pacing",
            name="Spend spread as planned",
            name_zh="分时段投放执行度",
            unit="share",
            measure=_spend_pacing,
            defaults=linear(
                0.6,
                0.9,
                _ASSUME + "90% of spend placed in the planned time slots is on plan",
            ),
            inputs=("plan.segments[].planned_spend_fen", "plan.segments[].actual_spend_fen"),
            formula="1 − ½ Σ_i |actual_i / Σ actual − planned_i / Σ planned| over segments",
        ),
    ),
)

GOODS: Component[StreamSubject] = Component(
    key="goods",
    name="Assortment",
    name_zh="货品",
    indicators=(
        Ind(
            key="tier_coverage",
            name="Traffic / hero / profit tiers",
            name_zh="货品结构完整度",
            unit="share",
            measure=_tier_coverage,
            defaults=linear(
                1 / 3,
                1.0,
                _ASSUME + "the article's product structure: traffic (引流款), hero (爆款) and "
                "profit (利润款) items in every show",
            ),
            inputs=("products[].product_id", "brand.products[].role"),
            formula="|roles among the explained products| / 3",
        ),
        Ind(
            key="price_spread",
            name="Price-band spread",
            name_zh="价格带宽度",
            unit="× (max / min price)",
            measure=_price_spread,
            defaults=linear(
                1.5,
                6.0,
                _ASSUME + "a 9.9 traffic item next to a 59 hero item spans about 6×",
            ),
            weight=0.5,
            inputs=("at least 2 priced products", "brand.products[].price_fen"),
            formula="max(price_fen) / min(price_fen) over the explained products",
        ),
        Ind(
            key="discount_depth",
            name="Discount depth",
            name_zh="优惠力度",
            unit="share of list price",
            measure=_discount_depth,
            defaults=linear(
                0.0,
                0.3,
                _ASSUME + "about 30% off the list price is a clear live-room deal; deeper "
                "adds no score",
            ),
            weight=0.5,
            inputs=("brand.products[].list_price_fen",),
            formula="mean(1 − price_fen / list_price_fen) over the explained products",
        ),
        Ind(
            key="hit_concentration",
            name="GMV concentration in hit items",
            name_zh="爆款集中度",
            unit="share",
            measure=_hit_concentration,
            defaults=linear(
                0.2,
                0.6,
                _ASSUME + "the top fifth of items bringing 60% of GMV shows a hit has "
                "formed (a Pareto-like 60/20)",
            ),
            inputs=("products[].gmv_fen",),
            formula="Σ gmv of the top ⌈n/5⌉ products / Σ products[].gmv_fen",
        ),
    ),
)

WELFARE: Component[StreamSubject] = Component(
    key="welfare",
    name="Gifts and welfare",
    name_zh="福利",
    indicators=(
        Ind(
            key="coupon_use_rate",
            name="Coupon use rate",
            name_zh="优惠券核销率",
            unit="share",
            measure=_coupon_use,
            defaults=linear(0.1, 0.5, _ASSUME + "half of the issued coupons used is strong"),
            inputs=("coupons_issued > 0", "coupons_used"),
            formula="coupons_used / coupons_issued",
        ),
        Ind(
            key="giveaways_per_hour",
            name="Giveaways per hour",
            name_zh="每小时福袋数",
            unit="per hour",
            measure=_giveaways_per_hour,
            defaults=linear(0.0, 4.0, _ASSUME + "a giveaway (福袋) every 15 minutes"),
            weight=0.5,
            inputs=("duration_seconds",),
            formula="giveaways / (duration_seconds / 3600)",
        ),
        Ind(
            key="avg_watch_minutes",
            name="Average watch time",
            name_zh="人均观看时长",
            unit="minutes",
            measure=_avg_watch,
            defaults=linear(
                0.5,
                3.0,
                _ASSUME + "three minutes per viewer holds a viewer through a product pitch",
                douyin=(0.5, 2.0, _ASSUME + "Douyin feed viewers browse faster: 2 minutes"),
            ),
            inputs=("uv", "watch_seconds"),
            formula="watch_seconds / 60 / uv",
        ),
        Ind(
            key="interaction_rate",
            name="Interaction rate",
            name_zh="互动率",
            unit="per viewer",
            measure=_interaction,
            defaults=linear(0.1, 2.0, _ASSUME + "two interactions (likes included) per viewer"),
            weight=0.5,
            inputs=("uv", "comments", "likes", "shares"),
            formula="(comments + likes + shares) / uv",
        ),
        Ind(
            key="conversion_rate",
            name="Viewer → buyer conversion",
            name_zh="观看-成交转化率",
            unit="share",
            measure=_conversion,
            defaults=linear(0.005, 0.05, _ASSUME + "5% of viewers buying is a strong live room"),
            inputs=("uv", "buyers"),
            formula="buyers / uv",
        ),
    ),
)

WARMUP: Component[StreamSubject] = Component(
    key="warmup",
    name="Early warm-up",
    name_zh="预热",
    indicators=(
        Ind(
            key="preheat_videos",
            name="Preheat videos",
            name_zh="预热短视频数",
            unit="videos",
            measure=_preheat_videos,
            defaults=linear(0.0, 3.0, _ASSUME + "three preheat videos in the days before"),
            weight=0.5,
            inputs=("preheat_videos",),
            formula="preheat_videos",
        ),
        Ind(
            key="preheat_views_per_viewer",
            name="Preheat views per viewer",
            name_zh="预热视频播放/观看人数",
            unit="views per viewer",
            measure=_preheat_views,
            defaults=linear(0.0, 1.0, _ASSUME + "preheat views matching the stream's UV"),
            weight=0.5,
            inputs=("uv", "preheat_video_views"),
            formula="preheat_video_views / uv",
        ),
        Ind(
            key="reservations_per_viewer",
            name="Reservations per viewer",
            name_zh="预约率",
            unit="per viewer",
            measure=_reservations,
            defaults=linear(0.0, 0.1, _ASSUME + "reservations equal to 10% of the viewers"),
            inputs=("uv", "reservations"),
            formula="reservations / uv",
        ),
        Ind(
            key="reserved_attendance",
            name="Reserved viewers who came",
            name_zh="预约到场占比",
            unit="share of viewers",
            measure=_reserved_attendance,
            defaults=linear(
                0.0,
                0.05,
                _ASSUME + "5% of viewers arriving through a reservation (reservations "
                "per viewer 10% × attendance 50%)",
            ),
            inputs=("uv", "reserved_attendees"),
            formula="reserved_attendees / uv (= reservations per viewer × attendance rate)",
        ),
        Ind(
            key="first_minutes_share",
            name="Viewers in the first minutes",
            name_zh="开播前段UV占比",
            unit="share",
            measure=_first_minutes,
            defaults=linear(
                0.05,
                0.3,
                _ASSUME + "30% of viewers in the opening minutes shows the warm-up "
                "brought people to the start",
            ),
            inputs=("uv", "first_minutes_uv"),
            formula="first_minutes_uv / uv",
        ),
    ),
)

#: The five STAGE parts, in the article's order.
COMPONENTS: tuple[Component[StreamSubject], ...] = (SCRIPT, TRAFFIC, GOODS, WELFARE, WARMUP)


# --------------------------------------------------------------------------- concrete advice

# Each detail quotes this stream's numbers in the recommendation of its indicator; the
# sentences are the catalogue's "stage.<indicator>.detail" (or named variants).


def _detail_adherence(s: Subject, language: str) -> str | None:
    plan = s.stream.plan
    if plan is None:
        return None
    timed = [g for g in plan.segments if g.actual_seconds is not None]
    if not timed:
        return None
    worst = max(timed, key=lambda g: abs((g.actual_seconds or 0) - g.planned_seconds))
    off = ((worst.actual_seconds or 0) - worst.planned_seconds) / 60
    key = "overran" if off > 0 else "fell_short"
    return text(f"stage.segment_adherence.{key}", language, segment=worst.name, minutes=abs(off))


def _detail_products(s: Subject, language: str) -> str | None:
    hours = _hours(s.stream)
    if hours is None:
        return None
    explained = sum(1 for p in s.stream.products if p.explain_count > 0)
    needed = max(0, math.ceil(6 * hours) - explained)
    return text(
        "stage.products_per_hour.detail",
        language,
        explained=explained,
        hours=hours,
        needed=needed,
    )


def _detail_roi(s: Subject, language: str) -> str | None:
    stream = s.stream
    paid = stream.gmv_by_source.get(TrafficSource.PAID, 0)
    return text(
        "stage.paid_roi.detail",
        language,
        spend=money(yuan(stream.paid_spend_fen)),
        gmv=money(yuan(paid)),
    )


def _detail_spend_target(s: Subject, language: str) -> str | None:
    target = _gmv_target(s)
    if target is None:
        return None
    return text(
        "stage.spend_to_target.detail",
        language,
        target=money(yuan(target)),
        allowed=money(yuan(target * 0.1)),
        spent=money(yuan(s.stream.paid_spend_fen)),
    )


def _detail_tiers(s: Subject, language: str) -> str | None:
    roles = {p.role for p in _catalogue(s) if p.role is not None}
    missing = [text(f"stage.role.{r.value}", language) for r in ProductRole if r not in roles]
    if not missing:
        return None
    return text("stage.tier_coverage.detail", language, tiers=join(missing, language))


def _detail_hits(s: Subject, language: str) -> str | None:
    items = sorted(s.stream.products, key=lambda p: (-p.gmv_fen, p.product_id))
    if not items:
        return None
    top = items[0]
    products = index_of(s).products
    name = products[top.product_id].name if top.product_id in products else top.product_id
    return text("stage.hit_concentration.detail", language, product=name, times=top.explain_count)


def _detail_reservations(s: Subject, language: str) -> str | None:
    stream = s.stream
    if stream.uv == 0:
        return None
    needed = max(0, math.ceil(0.1 * stream.uv) - stream.reservations)
    return text(
        "stage.reservations_per_viewer.detail",
        language,
        reservations=stream.reservations,
        uv=stream.uv,
        needed=needed,
    )


def _detail_attendance(s: Subject, language: str) -> str | None:
    rate = metrics.reservation_attendance_rate(s.stream)
    if rate is None:
        return None
    return text(
        "stage.reserved_attendance.detail",
        language,
        rate=rate,
        reservations=s.stream.reservations,
    )


def _detail_conversion(s: Subject, language: str) -> str | None:
    stream = s.stream
    if stream.uv == 0:
        return None
    return text("stage.conversion_rate.detail", language, buyers=stream.buyers, uv=stream.uv)


_DETAILS: Mapping[str, Detail[Subject]] = {
    "segment_adherence": _detail_adherence,
    "products_per_hour": _detail_products,
    "paid_roi": _detail_roi,
    "spend_to_target": _detail_spend_target,
    "tier_coverage": _detail_tiers,
    "hit_concentration": _detail_hits,
    "reservations_per_viewer": _detail_reservations,
    "reserved_attendance": _detail_attendance,
    "conversion_rate": _detail_conversion,
}


# --------------------------------------------------------------------------- the scorer


class StageScorer(PerComponentAdvice[StreamSubject], IndexedStreamMethodology):
    """STAGE, per stream: script, traffic, goods, welfare and warm-up (equal weights)."""

    name: ClassVar[str] = "stage"
    version: ClassVar[str] = "0.1"
    title: ClassVar[str] = "STAGE stream operation (STAGE 直播运营)"
    description: ClassVar[str] = (
        "Kuaishou's per-stream method: script and rhythm, commercial traffic, assortment, "
        "gifts and welfare, early warm-up; one recommendation per weak part for the next "
        "stream."
    )
    max_recommendations: ClassVar[int] = len(COMPONENTS)
    details: ClassVar[Mapping[str, Detail[Any]]] = _DETAILS

    def components(
        self, subject: StreamSubject, context: ScoringContext
    ) -> Sequence[Component[StreamSubject]]:
        return COMPONENTS

    def notes(self, subject: StreamSubject, context: ScoringContext) -> Mapping[str, str]:
        notes: dict[str, str] = {}
        attendance = metrics.reservation_attendance_rate(subject.stream)
        if attendance is not None:
            notes["reservation_attendance_rate"] = f"{attendance:.4f}"
        paid = _paid_share(subject.stream)
        if paid is not None:
            notes["paid_uv_share"] = f"{paid:.4f}"
        return notes

    def score_table(
        self, table: StreamTable, catalog: Dataset | TableCatalog, context: ScoringContext
    ) -> TableScores:
        """Every stream of ``table`` at once, with numpy (the same scores as :meth:`score`;
        see :mod:`steps.plugins.stage_batch`).  Recommendations are made by
        :meth:`TableScores.to_cards <steps.scoring.batch.TableScores.to_cards>` for the
        rows whose subjects it is given."""
        from steps.plugins.stage_batch import score_table

        return score_table(self, table, catalog, context)


@hookimpl
def steps_register_scorers(register: Callable[[Scorer], None]) -> None:
    """Register the STAGE scorer."""
    register(StageScorer())
