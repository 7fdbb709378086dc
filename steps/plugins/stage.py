"""STAGE: Kuaishou's per-stream operating method (STAGE 直播运营方法论), as a scorer plugin.

One stream is judged on the five parts of the method as the source article describes them
(see ``docs/scorers/stage.md``), each a component of indicators:

* ``script``: script and rhythm (直播脚本、节奏): a run-of-show, timing against it, products
  explained per hour, airtime spent explaining, hosts on air;
* ``traffic``: commercial traffic (商业化投放): GMV against target, spend against target,
  realised paid ROI, paid share of UV against the plan, spend spread over segments as planned,
  the returning buyers' share of GMV against the planned audience mix;
* ``goods``: assortment (货品): product structure, price-band spread, discount depth, GMV
  concentration in the hit items, different products for new and returning buyers, the same
  item bought again within a week (purchase fatigue), items that sold out (supply readiness);
* ``welfare``: gifts and welfare (福利): coupon use, giveaways, retention, interaction,
  selling points stated on the hero items, viewer → buyer conversion;
* ``warmup``: early warm-up (预热): preheat videos and their views, the days they were posted
  on (rhythm), reservations, reserved viewers who came, the share of viewers in the first
  minutes.

Every indicator says where it comes from (`Indicator.provenance`): the article's phrase it
implements, a published source, or our assumption; every default threshold says so in its source.

Each card carries one recommendation per weak part for the next stream, with the numbers
from this stream that justify it, in the context's language: the advice and the details are
the ``stage.*`` messages of ``steps/data/messages``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final

import numpy as np
import numpy.typing as npt

from steps.columnar.table import EXTRA_SCHEMA, LINEUP_COLUMNS, PACING_COLUMNS, ROLE_BITS
from steps.domain import metrics
from steps.domain.enums import ProductRole, Section, TrafficSource
from steps.domain.model import Brand, Product, Stream
from steps.plugins._history import (
    FATIGUE_DAYS,
    LOOKBACK_DAYS,
    PREHEAT_DAYS,
    order_columns,
    preheat_days,
)
from steps.plugins._support import (
    Detail,
    PerComponentAdvice,
    article,
    assumed,
    assumption,
    avg_watch_minutes,
    money,
    per_viewer,
    published,
    yuan,
)
from steps.scoring.batch import (
    BoolArray,
    ColumnStreamMethodology,
    FloatArray,
    Measured,
    StreamColumns,
    interaction_rate,
    ratio,
)
from steps.scoring.contract import Scorer, StreamSubject
from steps.scoring.hookspecs import hookimpl
from steps.scoring.indicators import Component, Evaluation, Indicator, Provenance
from steps.scoring.messages import join, text

if TYPE_CHECKING:
    from steps.columnar.table import StreamTable
    from steps.scoring.batch import TableCatalog

__all__ = ["COMPONENTS", "WEIGHTS", "StageScorer", "steps_register_scorers"]

Subject = StreamSubject
Ind = Indicator[StreamSubject]

_CHEN = (
    " (the direction is published: Chen, Dou & Xiao 2023 found that more products per show "
    "and more time per product drive GMV, sources.md#stage-chen-dou-xiao-2023)"
)
_EXTRA_DTYPES: Final = {c.name: c.dtype for c in EXTRA_SCHEMA}


# Every indicator is defined once, over the columns of a table of streams
# (`StreamColumns`): a single stream is a table of one row.


def _hours(c: StreamColumns) -> FloatArray:
    return c.memo("hours", lambda: c("duration_seconds") / 3600)


def _listed(c: StreamColumns) -> BoolArray:
    return c.memo(
        "listed",
        lambda: c.provided(Section.STREAM_PRODUCTS) & (c("products_listed") > 0),
    )


def _planned(c: StreamColumns) -> BoolArray:
    return c.memo("planned", lambda: c.provided(Section.PLANS) & c("has_plan"))


def _gmv_target_known(c: StreamColumns) -> BoolArray:
    return c.memo(
        "gmv_target_known",
        lambda: _planned(c) & c("has_plan_gmv_target_fen") & (c("plan_gmv_target_fen") != 0),
    )


def _catalogued(c: StreamColumns) -> BoolArray:
    """Where the line-up can be looked up: stream products and the brand's products given."""
    return c.memo(
        "catalogued", lambda: c.provided(Section.PRODUCTS) & c.provided(Section.STREAM_PRODUCTS)
    )


# --------------------------------------------------------------------------- script (直播脚本)


def _plan_completeness(c: StreamColumns) -> Measured:
    # Where run-of-show plans were provided, a stream without one had none and scores 0:
    # the plan is what this indicator judges.  Where they were not, it is unknown.
    present = (
        (c("plan_segments") > 0).astype(np.int64)
        + c("has_plan_gmv_target_fen")
        + c("has_plan_planned_paid_uv_share")
    )
    return c.where(c.provided(Section.PLANS), present / 3 * c("has_plan"))


def _segment_adherence(c: StreamColumns) -> Measured:
    planned = c("plan_timed_planned_seconds")
    known = _planned(c) & (c("plan_timed_segments") > 0) & (planned != 0)
    deviation, _ = ratio(c("plan_timing_deviation_seconds"), planned, known)
    return c.where(known, np.maximum(1.0 - deviation, 0.0))


def _products_per_hour(c: StreamColumns) -> Measured:
    return ratio(c("products_explained"), _hours(c), _listed(c))


def _explain_share(c: StreamColumns) -> Measured:
    share, known = ratio(c("products_explain_seconds"), c("duration_seconds"), _listed(c))
    return c.where(known, np.minimum(share, 1.0))


def _hosts(c: StreamColumns) -> Measured:
    return c.where(c("has_hosts"), c("hosts"))


# --------------------------------------------------------------------------- traffic (商业化)


def _target_attainment(c: StreamColumns) -> Measured:
    return ratio(c("gmv_fen"), c("plan_gmv_target_fen"), _gmv_target_known(c))


def _spend_to_target(c: StreamColumns) -> Measured:
    spend = c("paid_spend_fen")
    return ratio(spend, c("plan_gmv_target_fen"), _gmv_target_known(c) & (spend != 0))


def _paid_roi(c: StreamColumns) -> Measured:
    known = c("has_gmv_by_source") & c("has_paid_spend_fen")
    return ratio(c("gmv_by_source_paid"), c("paid_spend_fen"), known)


def _paid_share(c: StreamColumns) -> Measured:
    return c.memo(
        "paid_share", lambda: ratio(c("uv_by_source_paid"), c("uv"), c("has_uv_by_source"))
    )


def _paid_share_gap(c: StreamColumns) -> Measured:
    share, known = _paid_share(c)
    known = known & _planned(c) & c("has_plan_planned_paid_uv_share")
    return c.where(known, np.abs(share - c("plan_planned_paid_uv_share")))


def _spend_pacing(c: StreamColumns) -> Measured:
    extra, known = _extra(c)
    known = known["plan_spend_pacing"] & extra["has_plan_spend_pacing"] & _planned(c)
    return c.where(known, extra["plan_spend_pacing"])


def _audience_mix_gap(c: StreamColumns) -> Measured:
    counts, _, history = order_columns(c)
    share, known = ratio(counts["returning_gmv_fen"], counts["gmv_fen"], history)
    known = known & _planned(c) & c("has_plan_planned_returning_share")
    return c.where(known, np.abs(share - c("plan_planned_returning_share")))


# --------------------------------------------------------------------------- goods (货品)
# The line-up of a stream is its explained products (讲解), or all its listed products when
# none was explained, looked up in the brand's products (the ``lineup_*`` columns).


def _extra(c: StreamColumns) -> tuple[dict[str, npt.NDArray[Any]], dict[str, BoolArray]]:
    return c.memo("stage.extra", lambda: _extra_columns(c.table, c.brands.catalog))


def _tier_coverage(c: StreamColumns) -> Measured:
    extra, known = _extra(c)
    roles = extra["lineup_roles"].astype(np.int64)
    count = sum(((roles & bit) != 0).astype(np.int64) for bit in ROLE_BITS.values())
    known = known["lineup_roles"] & (roles != 0) & _catalogued(c)
    return c.where(known, count / len(ProductRole))


def _price_spread(c: StreamColumns) -> Measured:
    extra, known = _extra(c)
    return ratio(
        extra["lineup_max_price_fen"],
        extra["lineup_min_price_fen"],
        known["lineup_priced"] & (extra["lineup_priced"] >= 2) & _catalogued(c),
    )


def _discount_depth(c: StreamColumns) -> Measured:
    extra, known = _extra(c)
    counted = extra["lineup_list_priced"]
    return ratio(
        extra["lineup_discount_sum"],
        counted,
        known["lineup_list_priced"] & (counted > 0) & _catalogued(c),
    )


def _hit_concentration(c: StreamColumns) -> Measured:
    return ratio(c("products_top_fifth_gmv_fen"), c("products_gmv_fen"), _listed(c))


def _fan_assortment_split(c: StreamColumns) -> Measured:
    counts, _, history = order_columns(c)
    # Both groups must have bought a recorded product for their line-ups to differ.
    both = (counts["new_products"] > 0) & (counts["returning_products"] > 0)
    return ratio(counts["split_products"], counts["bought_products"], history & both)


def _repeat_product_share(c: StreamColumns) -> Measured:
    counts, _, history = order_columns(c)
    return ratio(counts["repeat_product_orders"], counts["product_orders"], history)


def _sold_out_share(c: StreamColumns) -> Measured:
    return ratio(c("products_sold_out"), c("products_stocked"), _listed(c))


# --------------------------------------------------------------------------- welfare (福利)


def _coupon_use(c: StreamColumns) -> Measured:
    known = c("has_coupons_used") & c("has_coupons_issued")
    return ratio(c("coupons_used"), c("coupons_issued"), known)


def _giveaways_per_hour(c: StreamColumns) -> Measured:
    return ratio(c("giveaways"), _hours(c), c("has_giveaways"))


def _conversion(c: StreamColumns) -> Measured:
    return ratio(c("buyers"), c("uv"))


def _heroes_explained(c: StreamColumns) -> Measured:
    extra, known = _extra(c)
    return ratio(
        extra["lineup_heroes_explained"],
        extra["lineup_heroes_listed"],
        known["lineup_heroes_listed"] & _catalogued(c),
    )


# --------------------------------------------------------------------------- warm-up (预热)


def _preheat_videos(c: StreamColumns) -> Measured:
    return c.where(c("has_preheat_videos"), c("preheat_videos"))


def _preheat_rhythm(c: StreamColumns) -> Measured:
    return preheat_days(c)


def _extra_columns(
    table: StreamTable, catalog: TableCatalog
) -> tuple[dict[str, npt.NDArray[Any]], dict[str, BoolArray]]:
    """The line-up and spend-pacing columns (`EXTRA_SCHEMA`) of
    every row and, per column, where they are known: from the table for each group it
    holds, else built from the catalog's stream objects (for the rows whose streams the
    catalog holds; the other rows are not known, and a warning says why)."""
    n = len(table)
    names = set(table.column_names)
    columns: dict[str, npt.NDArray[Any]] = {}
    known: dict[str, BoolArray] = {}
    missing: list[str] = []
    for group in (PACING_COLUMNS, LINEUP_COLUMNS):
        if names.issuperset(group):
            columns.update({name: table.column(name) for name in group})
            known.update(dict.fromkeys(group, np.ones(n, dtype=np.bool_)))
        else:
            missing += group
    if not missing:
        return columns, known
    bridged = np.zeros(n, dtype=np.bool_)
    for name in missing:
        columns[name] = np.zeros(n, dtype=_EXTRA_DTYPES[name])
        known[name] = bridged
    brand_ids = table.dictionary("brand_id")
    stream_ids = table.dictionary("stream_id")
    brands: list[Brand] = []
    position: dict[str, int] = {}
    rows: list[int] = []
    streams: list[tuple[int, Stream]] = []
    unknown: set[str] = set()
    pairs = zip(table.column("brand_id").tolist(), table.column("stream_id").tolist(), strict=True)
    for row, (brand_code, stream_code) in enumerate(pairs):
        brand_id = brand_ids[brand_code]
        stream = catalog.stream_objects(brand_id).get(stream_ids[stream_code])
        if stream is None:
            unknown.add(brand_id)
            continue
        index = position.get(brand_id)
        if index is None:
            index = position[brand_id] = len(brands)
            brands.append(catalog.brand(brand_id))
        rows.append(row)
        streams.append((index, stream))
    if rows:
        rebuilt = type(table).from_streams(brands, streams)
        at = np.array(rows, dtype=np.intp)
        bridged[at] = True
        for name in missing:
            columns[name][at] = rebuilt.column(name)
    if unknown:
        lost = ", ".join(
            key
            for key, group in (
                ("spend_pacing", PACING_COLUMNS),
                ("tier_coverage, price_spread, discount_depth, heroes_explained", LINEUP_COLUMNS),
            )
            if group[0] in missing
        )
        warnings.warn(
            f"the table has no column {', '.join(missing)} (read_jsonl and "
            "StreamTable.from_dataset build them; give them as columns to from_columns, "
            "from_arrow or read_parquet) and the catalog does not hold the streams of "
            f"{len(unknown)} brand(s) (e.g. {min(unknown)!r}): {lost} not available there",
            stacklevel=2,
        )
    return columns, known


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
            columns=_plan_completeness,
            defaults=assumed(
                0.0,
                1.0,
                "a script, a GMV target and a traffic plan before every stream; all "
                "three present is the target",
            ),
            inputs=("plan",),
            formula=(
                "(segments? + gmv_target? + planned_paid_uv_share?) / 3; "
                "0 without a plan where plans were provided"
            ),
            provenance=article(
                "制作直播脚本",
                "The article asks for a script before the stream; the GMV target and the paid "
                "share it counts come from the commercial part (「盘点每场直播的GMV目标」, "
                "「初步设定投放比例」).",
            ),
            moves=("minutes_per_viewer",),
        ),
        Ind(
            key="segment_adherence",
            name="Timing adherence",
            name_zh="节奏执行度",
            unit="share",
            columns=_segment_adherence,
            defaults=assumed(
                0.5,
                0.9,
                "segments within about 10% of their planned time is a controlled "
                "rhythm; half the time off plan is none",
            ),
            inputs=("plan.segments[].planned_seconds", "plan.segments[].actual_seconds"),
            formula="1 − Σ|actual_seconds − planned_seconds| / Σ planned_seconds",
            provenance=article(
                "控制活动节奏", "Controlling the rhythm, read as keeping to the planned timing."
            ),
            moves=("minutes_per_viewer",),
        ),
        Ind(
            key="products_per_hour",
            name="Products explained per hour",
            name_zh="每小时讲解商品数",
            unit="products per hour",
            columns=_products_per_hour,
            defaults=assumed(1.0, 6.0, "one product every 10 minutes is the target" + _CHEN),
            inputs=("products[].explain_count", "duration_seconds"),
            formula="count(products with explain_count > 0) / (duration_seconds / 3600)",
            provenance=published(
                "stage-chen-dou-xiao-2023",
                "Selling more products in a show drives GMV (Chen, Dou & Xiao 2023); it gives "
                "the article's rhythm (「明确直播节奏」) a measure.",
            ),
            moves=("buyers_per_minute",),
        ),
        Ind(
            key="explain_share",
            name="Airtime spent explaining",
            name_zh="讲解时长占比",
            unit="share",
            columns=_explain_share,
            defaults=assumed(0.3, 0.8, "most airtime on products is the target" + _CHEN),
            weight=0.5,
            inputs=("products[].explain_seconds", "duration_seconds"),
            formula="min(1, Σ products[].explain_seconds / duration_seconds)",
            provenance=published(
                "stage-chen-dou-xiao-2023",
                "Spending more time on each product drives GMV (Chen, Dou & Xiao 2023).",
            ),
            moves=("buyers_per_minute",),
        ),
        Ind(
            key="hosts",
            name="Hosts on air",
            name_zh="主播配置",
            unit="hosts",
            columns=_hosts,
            defaults=assumed(
                0.0, 2.0, "a main host plus an assistant host is the usual minimum staffing"
            ),
            weight=0.5,
            inputs=("hosts",),
            formula="hosts",
            provenance=article("加强人员设计", "Staffing the stream, counted as hosts on air."),
            moves=("buyers_per_minute",),
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
            columns=_target_attainment,
            defaults=assumed(0.5, 1.0, "meeting the stream's own GMV target is the target"),
            inputs=("plan.gmv_target_fen", "gmv_fen"),
            formula="gmv_fen / plan.gmv_target_fen",
            provenance=article(
                "盘点每场直播的GMV目标", "Each stream has a GMV target; this is how far it got."
            ),
            moves=("uv",),
        ),
        Ind(
            key="spend_to_target",
            name="Paid spend against GMV target",
            name_zh="投放费比(计划)",
            unit="share",
            columns=_spend_to_target,
            defaults=assumed(
                0.4,
                0.1,
                "a planned spend of 10% of the GMV target (ROI 10) is lean; 40% "
                "(ROI 2.5) leaves little margin",
            ),
            inputs=("paid_spend_fen > 0", "plan.gmv_target_fen"),
            formula="paid_spend_fen / plan.gmv_target_fen (lower is better)",
            provenance=article(
                "匹配对应的商业投放策略",
                "Paid placement matched to the GMV target, read as the spend the target carries.",
            ),
            moves=("uv",),
        ),
        Ind(
            key="paid_roi",
            name="Paid ROI",
            name_zh="投放ROI",
            unit="×",
            columns=_paid_roi,
            defaults=assumed(
                1.0,
                3.0,
                "ROI 1 only recovers the spend; 3 is a common break-even for "
                "about one-third gross margin",
            ),
            inputs=("paid_spend_fen > 0", "gmv_by_source[paid]"),
            formula="gmv_by_source[paid] / paid_spend_fen",
            provenance=assumption(
                "The article's commercial part does not name a return; what the paid traffic "
                "brought back is the usual test of whether the placement paid off."
            ),
            moves=("uv",),
        ),
        Ind(
            key="paid_share_gap",
            name="Paid UV share off plan",
            name_zh="付费流量占比偏差",
            unit="share points",
            columns=_paid_share_gap,
            defaults=assumed(
                0.2,
                0.02,
                "within 2 points of the planned paid share is on plan; 20 points "
                "off means the plan did not steer the buying",
            ),
            inputs=("uv_by_source", "plan.planned_paid_uv_share"),
            formula="|uv_by_source[paid] / uv − plan.planned_paid_uv_share|",
            provenance=article(
                "初步设定投放比例", "The planned paid share, against the share it reached."
            ),
            moves=("uv",),
        ),
        Ind(
            key="spend_pacing",
            name="Spend spread as planned",
            name_zh="分时段投放执行度",
            unit="share",
            columns=_spend_pacing,
            defaults=assumed(0.6, 0.9, "90% of spend placed in the planned time slots is on plan"),
            inputs=("plan.segments[].planned_spend_fen", "plan.segments[].actual_spend_fen"),
            formula="1 − ½ Σ_i |actual_i / Σ actual − planned_i / Σ planned| over segments",
            provenance=article(
                "初步设定投放比例不同的时间段",
                "Spend set by time slot, against where it was spent.",
            ),
            moves=("uv",),
        ),
        Ind(
            key="audience_mix_gap",
            name="Buyer mix off plan",
            name_zh="客群构成偏差",
            unit="share points",
            columns=_audience_mix_gap,
            defaults=assumed(
                0.3,
                0.05,
                "the returning buyers' share of GMV within 5 points of the plan "
                "is on plan; 30 points off means the traffic bought another audience",
            ),
            inputs=(
                "plan.planned_returning_share",
                "orders[].stream_id",
                f"{LOOKBACK_DAYS} days of orders before the stream",
            ),
            formula=(
                "|returning buyers' Σ amount_fen / Σ amount_fen − "
                "plan.planned_returning_share| over the stream's paid orders"
            ),
            provenance=article(
                "盘点每场直播的GMV目标对应的客群构成",
                "The audience mix behind the GMV target, as the planned share of it from "
                "returning buyers (the rest from new ones) against the share their paid "
                "orders brought.",
            ),
            moves=("uv",),
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
            columns=_tier_coverage,
            defaults=assumed(
                1 / 3,
                1.0,
                "traffic, hero and profit items in every show, the usual live-commerce structure",
            ),
            inputs=("products[].product_id", "brand.products[].role"),
            formula="|roles among the explained products| / 3",
            provenance=article(
                "设计直播产品结构",
                "The article asks for a designed product structure without saying which; the "
                "traffic / hero / profit tiers measured here are common live-commerce practice, "
                "not the article's.",
            ),
            moves=("aov",),
        ),
        Ind(
            key="price_spread",
            name="Price-band spread",
            name_zh="价格带宽度",
            unit="× (max / min price)",
            columns=_price_spread,
            defaults=assumed(1.5, 6.0, "a 9.9 traffic item next to a 59 hero item spans about 6×"),
            weight=0.5,
            inputs=("at least 2 priced products", "brand.products[].price_fen"),
            formula="max(price_fen) / min(price_fen) over the explained products",
            provenance=article(
                "确定付款、数量、定价、优惠策略",
                "Pricing decided for the line-up, measured as the width of its price bands.",
            ),
            moves=("aov",),
        ),
        Ind(
            key="discount_depth",
            name="Discount depth",
            name_zh="优惠力度",
            unit="share of list price",
            columns=_discount_depth,
            defaults=assumed(
                0.0,
                0.3,
                "about 30% off the list price is a clear live-room deal; deeper adds no score",
            ),
            weight=0.5,
            inputs=("brand.products[].list_price_fen",),
            formula="mean(1 − price_fen / list_price_fen) over the explained products",
            provenance=article(
                "确定付款、数量、定价、优惠策略",
                "The discount strategy, measured as the depth of the deal against list price.",
            ),
            moves=("buyers_per_minute",),
        ),
        Ind(
            key="hit_concentration",
            name="GMV concentration in hit items",
            name_zh="爆款集中度",
            unit="share",
            columns=_hit_concentration,
            defaults=assumed(
                0.2,
                0.6,
                "the top fifth of items bringing 60% of GMV shows a hit has "
                "formed (a Pareto-like 60/20)",
            ),
            inputs=("products[].gmv_fen",),
            formula="Σ gmv of the top ⌈n/5⌉ products / Σ products[].gmv_fen",
            provenance=article(
                "制造爆炸", "Making hits (爆款), seen as GMV gathered on a few items."
            ),
            moves=("buyers_per_minute",),
        ),
        Ind(
            key="fan_assortment_split",
            name="Different products for new and returning buyers",
            name_zh="新老客商品区分度",
            unit="share",
            columns=_fan_assortment_split,
            defaults=assumed(
                0.1,
                0.6,
                "six in ten products bought by only one of the two groups shows a "
                "line-up grouped for them; one in ten, the same goods for everyone",
            ),
            inputs=(
                "orders[].stream_id",
                "orders[].product_id",
                f"{LOOKBACK_DAYS} days of orders before the stream",
            ),
            formula=(
                "|products bought by new buyers △ products bought by returning buyers| / "
                "|their union| over the stream's paid orders"
            ),
            provenance=article(
                "为新老粉丝提供不同的商品",
                "New and returning fans are read from the order details as first-time and "
                "returning buyers of the brand.",
            ),
            moves=("orders_per_buyer",),
        ),
        Ind(
            key="repeat_product_share",
            name="Same item re-bought within a week",
            name_zh="7日内重复购买同款占比",
            unit="share of orders",
            columns=_repeat_product_share,
            defaults=assumed(
                0.3,
                0.05,
                "one order in twenty repeating an item the buyer took in the week "
                "before is normal replenishment; three in ten is the same offer pushed again",
            ),
            inputs=(
                "orders[].stream_id",
                "orders[].product_id",
                f"{LOOKBACK_DAYS} days of orders before the stream",
            ),
            formula=(
                f"paid orders of a product the buyer bought within {FATIGUE_DAYS} days before "
                "/ paid orders naming a product (lower is better)"
            ),
            provenance=article(
                "以免让粉丝购买疲劳",
                "Purchase fatigue, read as the same buyers offered and buying the same item "
                f"again within {FATIGUE_DAYS} days.",
            ),
            moves=("orders_per_buyer",),
        ),
        Ind(
            key="sold_out_share",
            name="Items that sold out",
            name_zh="售罄商品占比",
            unit="share",
            columns=_sold_out_share,
            defaults=assumed(
                0.5,
                0.0,
                "stock that lasts the stream is ready supply; half the items "
                "selling out means sales were turned away",
            ),
            weight=0.5,
            inputs=("products[].stock_units", "products[].units_sold"),
            formula=(
                "products with units_sold ≥ stock_units / products recording both (lower is better)"
            ),
            provenance=article(
                "做好准备从供应链端推进",
                "Supply readiness, read as the stream's stock outlasting its sales.",
            ),
            moves=("buyers_per_minute",),
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
            columns=_coupon_use,
            defaults=assumed(0.1, 0.5, "half of the issued coupons used is strong"),
            inputs=("coupons_issued > 0", "coupons_used"),
            formula="coupons_used / coupons_issued",
            provenance=article(
                "利用好直播中的营销工具", "Coupons, the marketing tool measured, and their use."
            ),
            moves=("buyers_per_minute",),
        ),
        Ind(
            key="giveaways_per_hour",
            name="Giveaways per hour",
            name_zh="每小时福袋数",
            unit="per hour",
            columns=_giveaways_per_hour,
            defaults=assumed(0.0, 4.0, "a giveaway every 15 minutes"),
            weight=0.5,
            inputs=("duration_seconds",),
            formula="giveaways / (duration_seconds / 3600)",
            provenance=article("提前做好福利营销准备", "Welfare prepared, counted as giveaways."),
            moves=("minutes_per_viewer",),
        ),
        Ind(
            key="avg_watch_minutes",
            name="Average watch time",
            name_zh="人均观看时长",
            unit="minutes",
            columns=avg_watch_minutes,
            defaults=assumed(
                0.5,
                3.0,
                "three minutes per viewer holds a viewer through a product pitch",
                douyin=(0.5, 2.0, "Douyin feed viewers browse faster: 2 minutes"),
            ),
            inputs=("uv", "watch_seconds"),
            formula="watch_seconds / 60 / uv",
            provenance=article("留住用户在直播间", "Keeping users in the room: watch time."),
            moves=("minutes_per_viewer",),
        ),
        Ind(
            key="interaction_rate",
            name="Interaction rate",
            name_zh="互动率",
            unit="per viewer",
            columns=interaction_rate,
            defaults=assumed(0.1, 2.0, "two interactions (likes included) per viewer"),
            weight=0.5,
            inputs=("uv", "comments", "likes", "shares"),
            formula="(comments + likes + shares) / uv",
            provenance=assumption(
                "The article does not name interaction; it is where welfare conditions "
                "(comment to enter a giveaway) show in the data."
            ),
            moves=("minutes_per_viewer",),
        ),
        Ind(
            key="heroes_explained",
            name="Selling points stated on the hero items",
            name_zh="爆款讲解覆盖率",
            unit="share",
            columns=_heroes_explained,
            defaults=assumed(0.5, 1.0, "every hero item on sale explained at least once"),
            weight=0.5,
            inputs=("products[].explain_count", "brand.products[].role"),
            formula="hero items explained / hero items listed in the stream",
            provenance=article(
                "明确产品卖点",
                "Selling points stated, read as the hero items (role hero) explained on air "
                "(讲解) at least once.",
            ),
            moves=("buyers_per_minute",),
        ),
        Ind(
            key="conversion_rate",
            name="Viewer → buyer conversion",
            name_zh="观看-成交转化率",
            unit="share",
            columns=_conversion,
            defaults=assumed(0.005, 0.05, "5% of viewers buying is a strong live room"),
            inputs=("uv", "buyers"),
            formula="buyers / uv",
            provenance=article("接收用户流量实现转化", "Traffic turned into buyers."),
            moves=("buyers_per_minute",),
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
            columns=_preheat_videos,
            defaults=assumed(0.0, 3.0, "three preheat videos in the days before"),
            weight=0.5,
            inputs=("preheat_videos",),
            formula="preheat_videos",
            provenance=article("策划预热内容", "Warm-up content, counted as preheat videos."),
            moves=("uv",),
        ),
        Ind(
            key="preheat_rhythm",
            name="Days with warm-up videos",
            name_zh="预热节奏(天数)",
            unit="days",
            columns=_preheat_rhythm,
            defaults=assumed(
                0.0,
                3.0,
                "warm-up videos on three of the days before the stream (for "
                "instance three days before, the day before and the day itself) is a rhythm",
            ),
            weight=0.5,
            inputs=("short_videos[].for_stream_id", "short_videos[].posted_at"),
            formula=(
                "distinct days (in the stream's UTC offset) with a video linked to the stream "
                f"posted in the {PREHEAT_DAYS} days before it started"
            ),
            provenance=article(
                "制定预热节奏",
                "The warm-up rhythm, read as warm-up videos spread over the days before the "
                "stream rather than posted at once.",
            ),
            moves=("uv",),
        ),
        Ind(
            key="preheat_views_per_viewer",
            name="Preheat views per viewer",
            name_zh="预热视频播放/观看人数",
            unit="views per viewer",
            columns=per_viewer("preheat_video_views"),
            defaults=assumed(0.0, 1.0, "preheat views matching the stream's UV"),
            weight=0.5,
            inputs=("uv", "preheat_video_views"),
            formula="preheat_video_views / uv",
            provenance=article(
                "通过公共领域曝光锁定用户", "Public exposure before the stream: preheat views."
            ),
            moves=("uv",),
        ),
        Ind(
            key="reservations_per_viewer",
            name="Reservations per viewer",
            name_zh="预约率",
            unit="per viewer",
            columns=per_viewer("reservations"),
            defaults=assumed(0.0, 0.1, "reservations equal to 10% of the viewers"),
            inputs=("uv", "reservations"),
            formula="reservations / uv",
            provenance=article("吸引更多消费者预订直播", "Reservations (预约) of the stream."),
            moves=("uv",),
        ),
        Ind(
            key="reserved_attendance",
            name="Reserved viewers who came",
            name_zh="预约到场占比",
            unit="share of viewers",
            columns=per_viewer("reserved_attendees"),
            defaults=assumed(
                0.0,
                0.05,
                "5% of viewers arriving through a reservation (reservations "
                "per viewer 10% × attendance 50%)",
            ),
            inputs=("uv", "reserved_attendees"),
            formula="reserved_attendees / uv (= reservations per viewer × attendance rate)",
            provenance=article("吸引更多消费者预订直播", "Reservations that turned into viewers."),
            moves=("uv",),
        ),
        Ind(
            key="first_minutes_share",
            name="Viewers in the first minutes",
            name_zh="开播前段UV占比",
            unit="share",
            columns=per_viewer("first_minutes_uv"),
            defaults=assumed(
                0.05,
                0.3,
                "30% of viewers in the opening minutes shows the warm-up "
                "brought people to the start",
            ),
            inputs=("uv", "first_minutes_uv"),
            formula="first_minutes_uv / uv",
            provenance=assumption(
                "The article does not name it: viewers at the opening are where a warm-up "
                "shows in the stream itself."
            ),
            moves=("uv",),
        ),
    ),
)

#: The five STAGE parts, in the article's order.
COMPONENTS: tuple[Component[StreamSubject], ...] = (SCRIPT, TRAFFIC, GOODS, WELFARE, WARMUP)

#: Where the weights come from: the parts weigh equally and the weights inside a part are
#: ours (the article gives none).
WEIGHTS: Final = assumption(
    "The article gives no weights: the five parts weigh equally and, inside a part, "
    "indicators that measure a practice directly weigh 1, supporting ones 0.5.",
)


# --------------------------------------------------------------------------- concrete advice

# Each detail quotes this stream's numbers in the recommendation of its indicator; the
# sentences are the catalogue's "stage.<indicator>.detail" (or named variants).


def _stream_hours(stream: Stream) -> float | None:
    return stream.duration_seconds / 3600 if stream.duration_seconds > 0 else None


def _lineup(s: Subject) -> list[Product]:
    """The catalogue entries of the stream's line-up, for the sentences that name them."""
    products = {p.product_id: p for p in s.brand.products}
    listed = s.stream.products
    explained = [p for p in listed if p.explain_count > 0] or listed
    return [products[p.product_id] for p in explained if p.product_id in products]


def _detail_adherence(s: Subject, evaluation: Evaluation, language: str) -> str | None:
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


def _detail_products(s: Subject, evaluation: Evaluation, language: str) -> str | None:
    hours = _stream_hours(s.stream)
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


def _detail_roi(s: Subject, evaluation: Evaluation, language: str) -> str | None:
    stream = s.stream
    if stream.paid_spend_fen is None:
        return None
    paid = stream.gmv_by_source.get(TrafficSource.PAID, 0)
    return text(
        "stage.paid_roi.detail",
        language,
        spend=money(yuan(stream.paid_spend_fen)),
        gmv=money(yuan(paid)),
    )


def _detail_spend_target(s: Subject, evaluation: Evaluation, language: str) -> str | None:
    plan = s.stream.plan
    target = None if plan is None else plan.gmv_target_fen
    if not target or s.stream.paid_spend_fen is None:
        return None
    return text(
        "stage.spend_to_target.detail",
        language,
        target=money(yuan(target)),
        allowed=money(yuan(target * 0.1)),
        spent=money(yuan(s.stream.paid_spend_fen)),
    )


def _detail_tiers(s: Subject, evaluation: Evaluation, language: str) -> str | None:
    roles = {p.role for p in _lineup(s) if p.role is not None}
    missing = [text(f"stage.role.{r.value}", language) for r in ProductRole if r not in roles]
    if not missing:
        return None
    return text("stage.tier_coverage.detail", language, tiers=join(missing, language))


def _detail_hits(s: Subject, evaluation: Evaluation, language: str) -> str | None:
    items = sorted(s.stream.products, key=lambda p: (-p.gmv_fen, p.product_id))
    if not items:
        return None
    top = items[0]
    products = {p.product_id: p for p in s.brand.products}
    name = products[top.product_id].name if top.product_id in products else top.product_id
    return text("stage.hit_concentration.detail", language, product=name, times=top.explain_count)


def _detail_reservations(s: Subject, evaluation: Evaluation, language: str) -> str | None:
    stream = s.stream
    if stream.uv == 0 or stream.reservations is None:
        return None
    needed = max(0, math.ceil(0.1 * stream.uv) - stream.reservations)
    return text(
        "stage.reservations_per_viewer.detail",
        language,
        reservations=stream.reservations,
        uv=stream.uv,
        needed=needed,
    )


def _detail_attendance(s: Subject, evaluation: Evaluation, language: str) -> str | None:
    rate = metrics.reservation_attendance_rate(s.stream)
    if rate is None:
        return None
    return text(
        "stage.reserved_attendance.detail",
        language,
        rate=rate,
        reservations=s.stream.reservations,
    )


def _detail_conversion(s: Subject, evaluation: Evaluation, language: str) -> str | None:
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


class StageScorer(PerComponentAdvice[StreamSubject], ColumnStreamMethodology):
    """STAGE, per stream: script, traffic, goods, welfare and warm-up (equal weights).

    Every indicator is defined over columns: a table of a million streams and a single
    stream (a table of one row) go through the same computation."""

    name: ClassVar[str] = "stage"
    version: ClassVar[str] = "0.1"
    title: ClassVar[str] = "STAGE stream operation (STAGE 直播运营)"
    description: ClassVar[str] = (
        "Kuaishou's per-stream method: script and rhythm, commercial traffic, assortment, "
        "gifts and welfare, early warm-up; one recommendation per weak part for the next "
        "stream."
    )
    COMPONENTS: ClassVar[tuple[Component[StreamSubject], ...]] = COMPONENTS
    #: Where the weights of its components and indicators come from.
    weights_provenance: ClassVar[Provenance] = WEIGHTS
    max_recommendations: ClassVar[int] = len(COMPONENTS)
    details: ClassVar[Mapping[str, Detail[Any]]] = _DETAILS

    def table_notes(self, columns: StreamColumns) -> Mapping[str, Measured]:
        return {
            "reservation_attendance_rate": ratio(
                columns("reserved_attendees"),
                columns("reservations"),
                columns("has_reserved_attendees") & columns("has_reservations"),
            ),
            "paid_uv_share": _paid_share(columns),
        }


@hookimpl
def steps_register_scorers(register: Callable[[Scorer], None]) -> None:
    """Register the STAGE scorer."""
    register(StageScorer())
