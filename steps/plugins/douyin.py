"""Douyin interest e-commerce (抖音兴趣电商), as two scorer plugins.

``douyin-interest`` (per stream) judges public-domain efficiency, which the source article
says Douyin's interest e-commerce stresses (「强调对公共领域流量的运营和调控」):

* ``efficiency``: GPM, GMV per thousand views (千次观看成交金额; not "gifts per minute"), and
  value per viewer (UV价值);
* ``reach``: exposure → entry rate (曝光进入率), recommendation-feed and short-video UV shares;
* ``engagement``: average watch time, interaction rate, content output of the account
  (short videos per week);
* ``funnel``: the stream funnel exposure → entry → product exposure → click → order created →
  paid, step by step, and its overall conversion, the product of the step rates
  (`funnel_rates`);
* ``demand``: hidden demand found (「发现用户隐藏的消费需求」): the stream's buyers new to the
  brand, and those who did not come from the private domain, from the order details.

``douyin-interest-brand`` (per brand) follows Douyin's FACT matrix (2021), a component per
letter: ``F`` Field (own stations, self-broadcast), ``A`` Alliance (talent matrix), ``C``
Campaign (platform events, streams tagged with ``Stream.campaign``) and ``T`` Top-KOL (big
talents).  Each is measured the FACT+ way (May 2022): its share of GMV, its content width
(exposure per week) and its conversion depth (GMV per thousand exposures), so that
``width × depth / 1000`` gives back the GMV per week of what was measured.  FACT and FACT+
are Douyin's published frameworks, not the article's (the sources are on
``docs/sources.md``).

Every indicator says where it comes from (`Indicator.provenance`) and reads only the sections of
data the brand provided: a share of GMV needs both the streams and the talent collaborations.

Advice and details are the ``douyin-interest.*`` and ``douyin-interest-brand.*`` messages of
``steps/data/messages``, written in the context's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Final

import numpy as np

from steps.domain import metrics
from steps.domain.enums import Section
from steps.domain.model import Brand, ShortVideo, Stream, TalentCollab
from steps.plugins._history import LOOKBACK_DAYS, order_columns
from steps.plugins._support import (
    Detail,
    PerComponentAdvice,
    article,
    assumed,
    assumption,
    avg_watch_minutes,
    brand_weeks,
    indicator_value,
    published,
    window_dates,
    yuan,
)
from steps.scoring.base import BrandMethodology
from steps.scoring.batch import (
    ColumnStreamMethodology,
    Measured,
    StreamColumns,
    interaction_rate,
    ratio,
)
from steps.scoring.contract import Scorer, ScoringContext, StreamSubject
from steps.scoring.hookspecs import hookimpl
from steps.scoring.indicators import Component, Evaluation, Indicator, Provenance
from steps.scoring.messages import display_name, text

__all__ = [
    "BRAND_COMPONENTS",
    "DEFAULT_TOP_KOL_FOLLOWERS",
    "FUNNEL_STEPS",
    "STREAM_COMPONENTS",
    "WEIGHTS",
    "DouyinBrandScorer",
    "DouyinStreamScorer",
    "fact_components",
    "funnel_rates",
    "steps_register_scorers",
]

Subject = StreamSubject
Ind = Indicator[StreamSubject]
BInd = Indicator[Brand]

_SCALE = " (absolute level: depends on category and tier; prefer peer benchmarks)"


# --------------------------------------------------------------------------- the funnel

#: The keys of the funnel steps, in order: exposure → entry → product exposure → click →
#: order created → paid.  Step ``x`` is the indicator ``x_rate`` (the entry rate is part of
#: ``reach``, the others of ``funnel``).
FUNNEL_STEPS: tuple[str, ...] = ("entry", "product_exposure", "click", "create", "pay")


def funnel_rates(c: StreamColumns) -> dict[str, Measured]:
    """The five step rates of every row, by step key (`FUNNEL_STEPS`): each is
    ``numerator / denominator``, not available where either is not recorded or the
    denominator is 0.  They multiply to ``orders / exposure``, so the overall conversion
    decomposes like GMV."""

    def compute() -> dict[str, Measured]:
        uv = c("uv")
        exposure_uv, clicks, created = (
            c("product_exposure_uv"),
            c("product_click_uv"),
            c("orders_created"),
        )
        has_exposure_uv, has_clicks, has_created = (
            c("has_product_exposure_uv"),
            c("has_product_click_uv"),
            c("has_orders_created"),
        )
        return {
            "entry": ratio(uv, c("exposure"), c("has_exposure")),
            "product_exposure": ratio(exposure_uv, uv, has_exposure_uv),
            "click": ratio(clicks, exposure_uv, has_clicks & has_exposure_uv),
            "create": ratio(created, clicks, has_created & has_clicks),
            "pay": ratio(c("orders"), created, has_created),
        }

    return c.memo("douyin.funnel", compute)


def _step(key: str) -> Callable[[StreamColumns], Measured]:
    def columns(c: StreamColumns) -> Measured:
        return funnel_rates(c)[key]

    columns.__name__ = f"funnel_{key}"
    return columns


def _funnel_conversion(c: StreamColumns) -> Measured:
    conversion = np.ones(len(c), dtype=np.float64)
    known = np.ones(len(c), dtype=np.bool_)
    for value, available in funnel_rates(c).values():
        conversion = conversion * value
        known &= available
    return conversion * known, known


# --------------------------------------------------------------------------- stream measures


def _gpm(c: StreamColumns) -> Measured:
    gpm, known = ratio(c("gmv_fen") * 1000, c("views"), c("has_views"))
    return gpm / 100, known


def _uv_value(c: StreamColumns) -> Measured:
    value, known = ratio(c("gmv_fen"), c("uv"))
    return value / 100, known


def _feed_share(c: StreamColumns) -> Measured:
    return ratio(c("uv_by_source_public_natural"), c("uv"), c("has_uv_by_source"))


def _short_video_share(c: StreamColumns) -> Measured:
    return ratio(c("uv_by_source_short_video"), c("uv"), c("has_uv_by_source"))


def _content_output(c: StreamColumns) -> Measured:
    values, known = c.brands.content_output()
    return c.where(known & c.provided(Section.SHORT_VIDEOS), values)


def _first_time_buyers(c: StreamColumns) -> Measured:
    counts, _, history = order_columns(c)
    return ratio(counts["new_buyers"], counts["buyers"], history)


def _public_buyers(c: StreamColumns) -> Measured:
    counts, provided, _ = order_columns(c)
    return ratio(counts["public_buyers"], counts["sourced_buyers"], provided)


_PUBLIC: Final = "强调对公共领域流量的运营和调控"
_FUNNEL: Final = assumption(
    "The in-room funnel of the platforms' dashboards (曝光-进入-商品曝光-点击-创单-成交); "
    "the article does not name it."
)


EFFICIENCY: Component[StreamSubject] = Component(
    key="efficiency",
    name="Public-domain efficiency",
    name_zh="公域效率",
    indicators=(
        Ind(
            key="gpm",
            name="GPM, GMV per thousand views",
            name_zh="千次观看成交金额 (GPM)",
            unit="CNY per 1,000 views",
            columns=_gpm,
            defaults=assumed(
                100.0,
                800.0,
                "800 CNY per thousand views is a strong live room, 100 a weak one" + _SCALE,
            ),
            weight=2.0,
            inputs=("views", "gmv_fen"),
            formula="gmv_fen / 100 × 1000 / views (GMV per thousand views; not gifts per minute)",
            provenance=article(
                _PUBLIC,
                "GPM (千次观看成交金额) is how Douyin's dashboards state what that traffic "
                "returns.",
            ),
            moves=("conversion",),
        ),
        Ind(
            key="uv_value",
            name="Value per viewer",
            name_zh="UV价值",
            unit="CNY per viewer",
            columns=_uv_value,
            defaults=assumed(0.3, 3.0, "3 CNY per viewer is strong" + _SCALE),
            inputs=("uv", "gmv_fen"),
            formula="gmv_fen / 100 / uv",
            provenance=article(
                _PUBLIC, "What each viewer the public domain sent was worth (UV价值)."
            ),
            moves=("conversion",),
        ),
    ),
)

REACH: Component[StreamSubject] = Component(
    key="reach",
    name="Traffic capture",
    name_zh="流量获取",
    indicators=(
        Ind(
            key="entry_rate",
            name="Exposure → entry rate",
            name_zh="曝光进入率",
            unit="share",
            columns=_step("entry"),
            defaults=assumed(
                0.05,
                0.2,
                "one in five exposures entering the room is a strong cover and "
                "opening; one in twenty a weak one",
            ),
            weight=2.0,
            inputs=("exposure", "uv"),
            formula="uv / exposure",
            provenance=article(_PUBLIC, "The share of feed exposures that entered the room."),
            moves=("entry_rate",),
        ),
        Ind(
            key="feed_share",
            name="Recommendation-feed UV share",
            name_zh="推荐流量占比",
            unit="share",
            columns=_feed_share,
            defaults=assumed(
                0.1,
                0.5,
                "half of the viewers from the recommendation feed shows the "
                "algorithm is distributing the room",
                kuaishou=(
                    0.1,
                    0.4,
                    "Kuaishou rooms lean on followers more; the trade press puts "
                    "public-domain traffic at about 70% of Kuaishou live traffic, feed and "
                    "short video together (no primary source found: "
                    "sources.md#douyin-kuaishou-public-traffic)",
                ),
                douyin=(
                    0.1,
                    0.6,
                    "the article says Douyin leans on interest recommendation "
                    "(「算法的主要兴趣推荐」): 60% from the feed is the target there",
                ),
            ),
            inputs=("uv_by_source",),
            formula="uv_by_source[public_natural] / uv",
            provenance=article(
                "算法的主要兴趣推荐", "Viewers the interest recommendation (the feed) sent."
            ),
            moves=("exposure",),
        ),
        Ind(
            key="short_video_share",
            name="Short-video UV share",
            name_zh="短视频引流占比",
            unit="share",
            columns=_short_video_share,
            defaults=assumed(
                0.02, 0.15, "15% of viewers arriving from short videos shows working content"
            ),
            inputs=("uv_by_source",),
            formula="uv_by_source[short_video] / uv",
            provenance=article(
                "通过优质内容", "Viewers that short-video content brought to the room."
            ),
            moves=("exposure",),
        ),
    ),
)

ENGAGEMENT: Component[StreamSubject] = Component(
    key="engagement",
    name="Content engagement",
    name_zh="内容承接",
    indicators=(
        Ind(
            key="avg_watch_minutes",
            name="Average watch time",
            name_zh="人均观看时长",
            unit="minutes",
            columns=avg_watch_minutes,
            defaults=assumed(
                0.5,
                2.0,
                "2 minutes per feed viewer is a strong hold",
                kuaishou=(0.5, 3.0, "Kuaishou's follower audience stays longer"),
            ),
            inputs=("uv", "watch_seconds"),
            formula="watch_seconds / 60 / uv",
            provenance=article(
                "内容消费的转型", "Content consumption, measured as watch time per viewer."
            ),
            moves=("seeding_rate",),
        ),
        Ind(
            key="interaction_rate",
            name="Interaction rate",
            name_zh="互动率",
            unit="per viewer",
            columns=interaction_rate,
            defaults=assumed(0.05, 1.0, "one interaction (likes included) per viewer"),
            inputs=("uv", "comments", "likes", "shares"),
            formula="(comments + likes + shares) / uv",
            provenance=assumption(
                "The article does not name interaction; the recommender reads it as a "
                "signal of interest."
            ),
            moves=("seeding_rate",),
        ),
        Ind(
            key="content_output",
            name="Short videos per week",
            name_zh="短视频产出(条/周)",
            unit="videos per week",
            columns=_content_output,
            defaults=assumed(1.0, 7.0, "a short video a day feeds the interest graph"),
            inputs=("brand.short_videos", "a brand window or dated records"),
            formula="short videos of the stream's account in the window / window weeks",
            provenance=article(
                "通过优质内容", "The content the account puts out, as short videos per week."
            ),
            moves=("exposure",),
        ),
    ),
)

FUNNEL: Component[StreamSubject] = Component(
    key="funnel",
    name="Conversion funnel",
    name_zh="转化漏斗",
    indicators=(
        Ind(
            key="product_exposure_rate",
            name="Entry → product exposure",
            name_zh="商品曝光率",
            unit="share",
            columns=_step("product_exposure"),
            defaults=assumed(0.3, 0.7, "70% of viewers seeing a product card"),
            inputs=("uv", "product_exposure_uv"),
            formula="product_exposure_uv / uv",
            provenance=_FUNNEL,
            moves=("product_exposure_rate",),
        ),
        Ind(
            key="click_rate",
            name="Product exposure → click",
            name_zh="商品点击率",
            unit="share",
            columns=_step("click"),
            defaults=assumed(0.05, 0.2, "one in five product viewers clicking"),
            inputs=("product_exposure_uv", "product_click_uv"),
            formula="product_click_uv / product_exposure_uv",
            provenance=_FUNNEL,
            moves=("click_rate",),
        ),
        Ind(
            key="create_rate",
            name="Click → order created",
            name_zh="点击-创单率",
            unit="orders per clicker",
            columns=_step("create"),
            defaults=assumed(0.1, 0.4, "four orders created per ten clickers"),
            inputs=("product_click_uv", "orders_created"),
            formula="orders_created / product_click_uv",
            provenance=_FUNNEL,
            moves=("order_rate",),
        ),
        Ind(
            key="pay_rate",
            name="Order created → paid",
            name_zh="创单-成交率",
            unit="share",
            columns=_step("pay"),
            defaults=assumed(0.5, 0.85, "85% of created orders paid"),
            inputs=("orders_created", "orders"),
            formula="orders / orders_created",
            provenance=_FUNNEL,
            moves=("paid_rate",),
        ),
        Ind(
            key="funnel_conversion",
            name="Exposure → paid order (overall)",
            name_zh="曝光-成交转化率",
            unit="orders per exposure",
            columns=_funnel_conversion,
            defaults=assumed(0.0005, 0.005, "5 paid orders per thousand exposures"),
            weight=2.0,
            inputs=(
                "exposure",
                "uv",
                "product_exposure_uv",
                "product_click_uv",
                "orders_created",
                "orders",
            ),
            formula="product of the five step rates (= orders / exposure)",
            provenance=_FUNNEL,
            moves=("conversion",),
        ),
    ),
)

DEMAND: Component[StreamSubject] = Component(
    key="demand",
    name="Hidden demand found",
    name_zh="发现隐藏需求",
    indicators=(
        Ind(
            key="first_time_buyer_share",
            name="Buyers new to the brand",
            name_zh="新客占比",
            unit="share",
            columns=_first_time_buyers,
            defaults=assumed(
                0.2,
                0.6,
                "six in ten of a stream's buyers buying from the brand for the "
                "first time shows the room reaching demand beyond the existing customers",
            ),
            inputs=("orders[].stream_id", f"{LOOKBACK_DAYS} days of orders before the stream"),
            formula=(
                "buyers without an earlier paid order with the brand / buyers of the "
                "stream's paid orders"
            ),
            provenance=article(
                "发现用户隐藏的消费需求",
                "Demand found, read as buyers the brand had not sold to before.",
            ),
        ),
        Ind(
            key="non_follower_buyer_share",
            name="Buyers from outside the private domain",
            name_zh="非粉成交人数占比",
            unit="share",
            columns=_public_buyers,
            defaults=assumed(
                0.2,
                0.7,
                "seven in ten buyers arriving through recommendation, search, "
                "short videos, paid traffic or talents rather than as followers",
            ),
            inputs=("orders[].stream_id", "orders[].traffic_source"),
            formula=(
                "buyers none of whose orders came from the private domain / buyers with a "
                "recorded traffic source, over the stream's paid orders"
            ),
            provenance=article(
                "帮助商家真正将产品推荐给感兴趣的人",
                "Products recommended to interested people who did not follow the account: "
                "buyers from outside the private domain (followers, fan group).",
            ),
        ),
    ),
)

#: The stream scorer's components.
STREAM_COMPONENTS: tuple[Component[StreamSubject], ...] = (
    EFFICIENCY,
    REACH,
    ENGAGEMENT,
    FUNNEL,
    DEMAND,
)

#: Where the weights come from: the article gives none.
WEIGHTS: Final = assumption(
    "Neither the article nor FACT gives weights: the components weigh equally and, "
    "inside a component, the headline measure weighs 2 (GPM, entry rate, overall "
    "conversion) or 1, supporting ones 0.5 (active accounts, talents in the matrix).",
)


def _detail_gpm(s: Subject, evaluation: Evaluation, language: str) -> str | None:
    views = s.stream.views
    if not views:
        return None
    return text(
        "douyin-interest.gpm.detail",
        language,
        views=views,
        gmv=yuan(s.stream.gmv_fen),
        extra=views / 10,
    )


_STEP_NAMES: Mapping[str, tuple[str, str]] = {
    "entry": ("Exposure → entry", "曝光进入率"),
    "product_exposure": ("Entry → product exposure", "商品曝光率"),
    "click": ("Product exposure → click", "商品点击率"),
    "create": ("Click → order created", "点击-创单率"),
    "pay": ("Order created → paid", "创单-成交率"),
}


def _detail_funnel(s: Subject, evaluation: Evaluation, language: str) -> str | None:
    # The weakest step, read from the measured step indicators.
    rates = [
        (rate, step)
        for step in FUNNEL_STEPS
        if (rate := indicator_value(evaluation, f"{step}_rate")) is not None
    ]
    if not rates:
        return None
    rate, weakest = min(rates)
    name = display_name(*_STEP_NAMES[weakest], language)
    return text("douyin-interest.funnel_conversion.detail", language, step=name, rate=rate)


def _detail_content(s: Subject, evaluation: Evaluation, language: str) -> str | None:
    output = indicator_value(evaluation, "content_output")
    if output is None:
        return None
    return text("douyin-interest.content_output.detail", language, videos=output)


_STREAM_DETAILS: Mapping[str, Detail[Subject]] = {
    "gpm": _detail_gpm,
    "funnel_conversion": _detail_funnel,
    "content_output": _detail_content,
}


class DouyinStreamScorer(PerComponentAdvice[StreamSubject], ColumnStreamMethodology):
    """Douyin interest e-commerce, per stream: efficiency, reach, engagement, funnel and
    hidden demand.

    Every indicator is defined over columns: a table of a million streams and a single
    stream (a table of one row) go through the same computation."""

    name: ClassVar[str] = "douyin-interest"
    version: ClassVar[str] = "0.1"
    title: ClassVar[str] = "Douyin interest e-commerce, per stream (兴趣电商)"
    description: ClassVar[str] = (
        "Public-domain efficiency of a stream: GPM (GMV per thousand views, 千次观看成交金额), "
        "value per viewer, entry rate, feed and short-video traffic, watch time, interaction, "
        "content output, the exposure → paid funnel, and the buyers new to the brand or "
        "from outside its private domain."
    )
    COMPONENTS: ClassVar[tuple[Component[StreamSubject], ...]] = STREAM_COMPONENTS
    #: Where the weights of its components and indicators come from.
    weights_provenance: ClassVar[Provenance] = WEIGHTS
    max_recommendations: ClassVar[int] = len(STREAM_COMPONENTS)
    details: ClassVar[Mapping[str, Detail[Any]]] = _STREAM_DETAILS

    def table_notes(self, columns: StreamColumns) -> Mapping[str, Measured]:
        return {f"funnel.{key}": rate for key, rate in funnel_rates(columns).items()}


# --------------------------------------------------------------------------- FACT (brand)

#: Talents with at least this many followers count as Top-KOL (头部达人) by default.
#: Override with the option ``"douyin-interest-brand.top_kol_followers"``.
DEFAULT_TOP_KOL_FOLLOWERS = 5_000_000


def _self_gmv(brand: Brand) -> int:
    return metrics.self_broadcast_gmv_fen(brand)


def _both_channels(brand: Brand) -> bool:
    """Whether both channels' GMV is known: a share of the brand's total needs the streams
    and the talent collaborations (without one, its GMV is unknown, not 0)."""
    return brand.provided(Section.STREAMS) and brand.provided(Section.TALENT_COLLABS)


def _total_gmv(brand: Brand) -> int | None:
    if not _both_channels(brand):
        return None
    return metrics.self_broadcast_gmv_fen(brand) + metrics.talent_gmv_fen(brand)


def _share_of_total(brand: Brand, part: int) -> float | None:
    total = _total_gmv(brand)
    return None if total is None else metrics.ratio(part, total)


def _videos_in_window(brand: Brand) -> list[ShortVideo]:
    window = window_dates(brand)
    if window is None:
        return []
    start, end = window
    return [v for v in brand.short_videos if start <= v.posted_at.date() <= end]


def _field_reach(brand: Brand) -> tuple[int, int] | None:
    """(content exposure, GMV) of the own stations: exposure of the streams that record it
    plus views of the short videos in the window; GMV of those streams."""
    exposed = [s for s in brand.streams if s.exposure is not None]
    if not exposed:
        return None
    exposure = sum(s.exposure or 0 for s in exposed)
    exposure += sum(v.views for v in _videos_in_window(brand) if v.views is not None)
    return exposure, sum(s.gmv_fen for s in exposed)


def _field_gmv_share(brand: Brand) -> float | None:
    return _share_of_total(brand, _self_gmv(brand))


def _field_accounts(brand: Brand) -> float | None:
    if not brand.provided(Section.STREAMS) or not brand.streams:
        return None
    return float(len({s.account_id for s in brand.streams}))


def _field_width(brand: Brand) -> float | None:
    reach = _field_reach(brand)
    return None if reach is None else metrics.ratio(reach[0], brand_weeks(brand))


def _field_depth(brand: Brand) -> float | None:
    reach = _field_reach(brand)
    if reach is None:
        return None
    depth = metrics.ratio(reach[1] * 1000, reach[0])
    return None if depth is None else yuan(depth)


def _reached(collabs: Sequence[TalentCollab]) -> list[TalentCollab]:
    return [c for c in collabs if c.audience_reached]


def _alliance_gmv_share(brand: Brand) -> float | None:
    return _share_of_total(brand, metrics.talent_gmv_fen(brand))


def _alliance_talents(brand: Brand) -> float | None:
    # Provided and empty is a measured "no talents"; not provided is unknown.
    if not brand.provided(Section.TALENT_COLLABS):
        return None
    return float(len({c.talent_id for c in brand.talent_collabs}))


def _width(collabs: Sequence[TalentCollab], brand: Brand) -> float | None:
    return metrics.ratio(sum(c.audience_reached or 0 for c in collabs), brand_weeks(brand))


def _depth(collabs: Sequence[TalentCollab]) -> float | None:
    depth = metrics.ratio(
        sum(c.gmv_fen for c in collabs) * 1000, sum(c.audience_reached or 0 for c in collabs)
    )
    return None if depth is None else yuan(depth)


def _alliance_width(brand: Brand) -> float | None:
    reached = _reached(brand.talent_collabs)
    return _width(reached, brand) if reached else None


def _alliance_depth(brand: Brand) -> float | None:
    return _depth(_reached(brand.talent_collabs))


def _is_campaign(stream: Stream) -> bool:
    return stream.campaign is not None and stream.campaign.strip() != ""


def _campaign_gmv_share(brand: Brand) -> float | None:
    # An export that tags no stream with a campaign cannot tell "no events" from "not
    # tagged": the share is known only where some stream is tagged.
    tagged = [s for s in brand.streams if _is_campaign(s)]
    if not tagged:
        return None
    return metrics.ratio(sum(s.gmv_fen for s in tagged), _self_gmv(brand))


def _campaign_split(brand: Brand) -> tuple[list[Stream], list[Stream]]:
    exposed = [s for s in brand.streams if s.exposure]
    return [s for s in exposed if _is_campaign(s)], [s for s in exposed if not _is_campaign(s)]


def _campaign_width(brand: Brand) -> float | None:
    """Exposure per campaign stream / exposure per regular stream."""
    campaign, regular = _campaign_split(brand)
    if not campaign or not regular:
        return None
    per_campaign = sum(s.exposure or 0 for s in campaign) / len(campaign)
    per_regular = sum(s.exposure or 0 for s in regular) / len(regular)
    return metrics.ratio(per_campaign, per_regular)


def _campaign_depth(brand: Brand) -> float | None:
    """GMV per exposure on campaign streams / GMV per exposure on regular streams."""
    campaign, regular = _campaign_split(brand)
    if not campaign or not regular:
        return None
    depth_campaign = sum(s.gmv_fen for s in campaign) / sum(s.exposure or 0 for s in campaign)
    depth_regular = sum(s.gmv_fen for s in regular) / sum(s.exposure or 0 for s in regular)
    return metrics.ratio(depth_campaign, depth_regular)


def fact_components(
    top_kol_followers: int = DEFAULT_TOP_KOL_FOLLOWERS,
) -> tuple[Component[Brand], ...]:
    """The FACT components, with Top-KOL meaning ``talent_followers >= top_kol_followers``."""
    if isinstance(top_kol_followers, bool) or not (
        isinstance(top_kol_followers, int) and top_kol_followers > 0
    ):
        raise ValueError(f"top_kol_followers must be a positive integer, got {top_kol_followers!r}")

    def top(brand: Brand) -> list[TalentCollab]:
        return [c for c in brand.talent_collabs if c.talent_followers >= top_kol_followers]

    def top_gmv_share(brand: Brand) -> float | None:
        return _share_of_total(brand, sum(c.gmv_fen for c in top(brand)))

    def top_width(brand: Brand) -> float | None:
        if not _reached(brand.talent_collabs):
            return None  # no talent records its audience: reach unknown, not zero
        return _width(_reached(top(brand)), brand)

    def top_depth(brand: Brand) -> float | None:
        return _depth(_reached(top(brand)))

    kol = f"talents with ≥ {top_kol_followers:,} followers"
    field = Component(
        key="F",
        name="Field: own stations",
        name_zh="自播阵地",
        indicators=(
            BInd(
                key="field_gmv_share",
                name="Self-broadcast GMV share",
                name_zh="自播GMV占比",
                unit="share",
                measure=_field_gmv_share,
                defaults=assumed(0.1, 0.5, "half of GMV from own stations is a strong Field"),
                inputs=("streams[].gmv_fen and talent_collabs[].gmv_fen",),
                formula="Σ streams.gmv_fen / (Σ streams.gmv_fen + Σ talent_collabs.gmv_fen)",
                provenance=published(
                    "douyin-fact-2021",
                    "FACT's Field (阵地自营): the share of GMV the brand's own stations bring.",
                ),
                moves=("exposure",),
            ),
            BInd(
                key="field_accounts",
                name="Active own accounts",
                name_zh="活跃自播账号数",
                unit="accounts",
                measure=_field_accounts,
                defaults=assumed(0.0, 3.0, "a matrix of three active accounts"),
                weight=0.5,
                inputs=("streams",),
                formula="|distinct streams[].account_id|",
                provenance=published(
                    "douyin-fact-2021", "FACT's Field: the own accounts (a matrix, 矩阵) streaming."
                ),
                moves=("exposure",),
            ),
            BInd(
                key="field_width",
                name="Own content exposure per week",
                name_zh="自播内容曝光(周)",
                unit="exposures per week",
                measure=_field_width,
                defaults=assumed(10_000.0, 1_000_000.0, "FACT+ content width" + _SCALE),
                inputs=("streams[].exposure", "a brand window or dated records"),
                formula="(Σ exposure of streams recording it + Σ short-video views) / weeks",
                provenance=published(
                    "douyin-fact-plus-2022",
                    "FACT+ content width (内容宽度) of the own stations: their exposure per week.",
                ),
                moves=("exposure",),
            ),
            BInd(
                key="field_depth",
                name="Own GMV per thousand exposures",
                name_zh="自播转化深度",
                unit="CNY per 1,000 exposures",
                measure=_field_depth,
                defaults=assumed(20.0, 200.0, "FACT+ conversion depth" + _SCALE),
                inputs=("streams[].exposure",),
                formula="Σ gmv of streams recording exposure / 100 × 1000 / content exposure",
                provenance=published(
                    "douyin-fact-plus-2022",
                    "FACT+ conversion depth (转化深度) of the own stations: GMV per "
                    "thousand exposures.",
                ),
                moves=("conversion",),
            ),
        ),
    )
    alliance = Component(
        key="A",
        name="Alliance: talent matrix",
        name_zh="达人矩阵",
        indicators=(
            BInd(
                key="alliance_gmv_share",
                name="Talent GMV share",
                name_zh="达人GMV占比",
                unit="share",
                measure=_alliance_gmv_share,
                defaults=assumed(0.05, 0.4, "40% of GMV through the talent matrix"),
                inputs=("streams[].gmv_fen and talent_collabs[].gmv_fen",),
                formula="Σ talent_collabs.gmv_fen / (Σ streams.gmv_fen + Σ talent_collabs.gmv_fen)",
                provenance=published(
                    "douyin-fact-2021",
                    "FACT's Alliance (达人矩阵): the share of GMV through talents.",
                ),
            ),
            BInd(
                key="alliance_talents",
                name="Talents in the matrix",
                name_zh="合作达人数",
                unit="talents",
                measure=_alliance_talents,
                defaults=assumed(
                    0.0,
                    10.0,
                    "the score stops rising at 10 because more streamers help a "
                    "brand's live sales only up to a point (published: an inverted-U effect, "
                    "Li & Tang 2024, sources.md#douyin-li-tang-2024); the level is ours",
                ),
                weight=0.5,
                inputs=("talent_collabs",),
                formula="|distinct talent_collabs[].talent_id|",
                provenance=published(
                    "douyin-fact-2021", "FACT's Alliance: the talents in the matrix."
                ),
            ),
            BInd(
                key="alliance_width",
                name="Talent audience reached per week",
                name_zh="达人内容曝光(周)",
                unit="viewers per week",
                measure=_alliance_width,
                defaults=assumed(10_000.0, 500_000.0, "FACT+ content width" + _SCALE),
                inputs=("talent_collabs[].audience_reached", "a brand window or dated records"),
                formula="Σ audience_reached / weeks",
                provenance=published(
                    "douyin-fact-plus-2022",
                    "FACT+ content width of the talent matrix: audience reached per week.",
                ),
            ),
            BInd(
                key="alliance_depth",
                name="Talent GMV per thousand reached",
                name_zh="达人转化深度",
                unit="CNY per 1,000 reached",
                measure=_alliance_depth,
                defaults=assumed(20.0, 200.0, "FACT+ conversion depth" + _SCALE),
                inputs=("talent_collabs[].audience_reached",),
                formula="Σ gmv_fen / 100 × 1000 / Σ audience_reached (collabs recording reach)",
                provenance=published(
                    "douyin-fact-plus-2022",
                    "FACT+ conversion depth of the talent matrix: GMV per thousand reached.",
                ),
            ),
        ),
    )
    campaign = Component(
        key="C",
        name="Campaign: platform events",
        name_zh="营销活动",
        indicators=(
            BInd(
                key="campaign_gmv_share",
                name="Campaign GMV share",
                name_zh="活动GMV占比",
                unit="share",
                measure=_campaign_gmv_share,
                defaults=assumed(0.0, 0.3, "30% of own GMV from platform events"),
                inputs=("streams[].gmv_fen", "streams[].campaign (at least one stream tagged)"),
                formula="Σ gmv of streams with a campaign / Σ streams.gmv_fen",
                provenance=published(
                    "douyin-fact-2021",
                    "FACT's Campaign (营销活动): the share of own GMV from platform events.",
                ),
            ),
            BInd(
                key="campaign_width",
                name="Campaign exposure uplift",
                name_zh="活动曝光提升",
                unit="×",
                measure=_campaign_width,
                defaults=assumed(1.0, 2.0, "an event doubling a stream's exposure"),
                inputs=("campaign and regular streams with exposure",),
                formula="mean exposure per campaign stream / mean exposure per regular stream",
                provenance=published(
                    "douyin-fact-plus-2022",
                    "FACT+ content width of events, against regular streams.",
                ),
                moves=("exposure",),
            ),
            BInd(
                key="campaign_depth",
                name="Campaign conversion uplift",
                name_zh="活动转化提升",
                unit="×",
                measure=_campaign_depth,
                defaults=assumed(0.8, 1.5, "events converting 1.5× a regular stream's exposure"),
                inputs=("campaign and regular streams with exposure and GMV",),
                formula="(GMV / exposure on campaign streams) / (GMV / exposure on regular)",
                provenance=published(
                    "douyin-fact-plus-2022",
                    "FACT+ conversion depth of events, against regular streams.",
                ),
                moves=("conversion",),
            ),
        ),
    )
    top_kol = Component(
        key="T",
        name="Top-KOL: big talents",
        name_zh="头部达人",
        indicators=(
            BInd(
                key="top_kol_gmv_share",
                name="Top-KOL GMV share",
                name_zh="头部达人GMV占比",
                unit="share",
                measure=top_gmv_share,
                defaults=assumed(0.0, 0.2, "20% of GMV through big talents"),
                inputs=("streams[].gmv_fen and talent_collabs[].gmv_fen",),
                formula=f"Σ gmv of {kol} / (Σ streams.gmv_fen + Σ talent_collabs.gmv_fen)",
                provenance=published(
                    "douyin-fact-2021",
                    "FACT's Top-KOL (头部达人): the share of GMV through big talents.",
                ),
            ),
            BInd(
                key="top_kol_width",
                name="Top-KOL audience reached per week",
                name_zh="头部达人曝光(周)",
                unit="viewers per week",
                measure=top_width,
                defaults=assumed(0.0, 1_000_000.0, "FACT+ content width" + _SCALE),
                inputs=("talent_collabs[].audience_reached",),
                formula=f"Σ audience_reached of {kol} / weeks",
                provenance=published(
                    "douyin-fact-plus-2022",
                    "FACT+ content width of the big talents: audience reached per week.",
                ),
            ),
            BInd(
                key="top_kol_depth",
                name="Top-KOL GMV per thousand reached",
                name_zh="头部达人转化深度",
                unit="CNY per 1,000 reached",
                measure=top_depth,
                defaults=assumed(20.0, 200.0, "FACT+ conversion depth" + _SCALE),
                inputs=(
                    f"talent_collabs[].talent_followers ≥ {top_kol_followers:,}",
                    "talent_collabs[].audience_reached",
                ),
                formula=f"Σ gmv_fen / 100 × 1000 / Σ audience_reached of {kol}",
                provenance=published(
                    "douyin-fact-plus-2022",
                    "FACT+ conversion depth of the big talents: GMV per thousand reached.",
                ),
            ),
        ),
    )
    return (field, alliance, campaign, top_kol)


#: The FACT components with the default Top-KOL threshold.
BRAND_COMPONENTS: tuple[Component[Brand], ...] = fact_components()


class DouyinBrandScorer(PerComponentAdvice[Brand], BrandMethodology):
    """Douyin FACT, per brand: Field, Alliance, Campaign, Top-KOL (equal weights)."""

    name: ClassVar[str] = "douyin-interest-brand"
    version: ClassVar[str] = "0.1"
    title: ClassVar[str] = "Douyin FACT matrix, per brand (FACT+ 经营矩阵)"
    description: ClassVar[str] = (
        "A brand on Douyin's FACT matrix: Field (own stations), Alliance (talents), "
        "Campaign (platform events), Top-KOL (big talents), each by GMV share, content "
        "width and conversion depth (FACT+)."
    )
    #: Where the weights of its components and indicators come from.
    weights_provenance: ClassVar[Provenance] = WEIGHTS
    max_recommendations: ClassVar[int] = len(BRAND_COMPONENTS)

    def _threshold(self, context: ScoringContext) -> int:
        value = context.option(self.name, "top_kol_followers", DEFAULT_TOP_KOL_FOLLOWERS)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(
                f"option {self.name}.top_kol_followers must be a positive integer, got {value!r}"
            )
        return value

    def components(self, subject: Brand, context: ScoringContext) -> Sequence[Component[Brand]]:
        threshold = self._threshold(context)
        if threshold == DEFAULT_TOP_KOL_FOLLOWERS:
            return BRAND_COMPONENTS
        return fact_components(threshold)

    def notes(self, subject: Brand, context: ScoringContext) -> Mapping[str, str]:
        notes = {"top_kol_followers": str(self._threshold(context))}
        weeks = brand_weeks(subject)
        if weeks is not None:
            notes["weeks"] = f"{weeks:.2f}"
        return notes


@hookimpl
def steps_register_scorers(register: Callable[[Scorer], None]) -> None:
    """Register the Douyin interest scorers, per stream and per brand."""
    register(DouyinStreamScorer())
    register(DouyinBrandScorer())
