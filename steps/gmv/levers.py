"""Which indicators of the built-in scorers move which factor of a GMV identity: the levers a
plan (:mod:`steps.gmv.plans`) names for each factor target.

The table is data, kept here in one place and keyed by identity and factor; each lever is an
indicator key ``scorer.indicator`` (``steps.repurchase_rate``, ``stage.avg_watch_minutes``).
Nothing here imports a scorer: a plan looks the indicators up in the score cards of the
scorers that are installed, and a lever whose scorer is missing is shown unscored.

Why each lever is where it is (the library's reading: the article names the factors, not
what moves them; and the identity's arithmetic):

* **UV** grows with time on air and accounts (cadence, matrix), public and paid traffic
  (公域流量加持, ROI of 磁力金牛 / 巨量千川), warm-up (预热: preheat videos, reservations)
  and viewers that fans bring;
* **minutes per viewer** (内容消费时间) with retention: welfare (福利: giveaways), interaction,
  a run-of-show kept to;
* **buyers per watch-minute** (单位时间订单转化率) with selling on air: explaining the hero
  products, coupons used, the viewer → buyer conversion;
* **orders per buyer** (回购频率) with the private domain (私域): repurchase, fan-group size and
  activity, and the trust that brings buyers back (信任购 lifted repurchase by about 20%, by
  the platform's published figure, not the article's);
* **AOV** (客单价) with channel-exclusive supply (渠道特供) and the assortment's tiers and
  price bands.

Douyin's FACT+ reads exposure (content width: own accounts' exposure, short videos, the
recommendation feed), the seeding rate (entry, product exposure, clicks), conversion
(order creation and payment) and AOV per buyer.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["LEVERS", "levers_for"]

_UV: Final = (
    "steps.streaming_hours_per_week",
    "steps.streaming_days_per_week",
    "steps.active_matrix_accounts",
    "steps.public_uv_share",
    "steps.paid_roi",
    "steps.fan_shares_per_100_viewers",
    "stage.preheat_videos",
    "stage.reservations_per_viewer",
    "stage.reserved_attendance",
)
_WATCH: Final = (
    "stage.avg_watch_minutes",
    "stage.giveaways_per_hour",
    "stage.interaction_rate",
    "stage.segment_adherence",
)
_CONVERSION: Final = (
    "stage.conversion_rate",
    "stage.explain_share",
    "stage.coupon_use_rate",
    "steps.hero_explains_per_stream",
    "steps.talent_hits_carried",
)
_REPURCHASE: Final = (
    "steps.repurchase_rate",
    "steps.private_gmv_share",
    "steps.fan_group_size",
    "steps.fan_group_activity",
    "trust.trust_buy",
    "trust.store_experience_score",
)
_AOV: Final = (
    "steps.exclusive_aov_ratio",
    "steps.exclusive_gmv_share",
    "stage.tier_coverage",
    "stage.price_spread",
)


def _frozen(
    table: Mapping[str, Mapping[str, tuple[str, ...]]],
) -> Mapping[str, Mapping[str, tuple[str, ...]]]:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in table.items()})


#: identity key → factor key → indicator keys (``scorer.indicator``), the likeliest first.
LEVERS: Final = _frozen(
    {
        "kuaishou": {
            "uv": _UV,
            "minutes_per_viewer": _WATCH,
            "buyers_per_minute": _CONVERSION,
            "orders_per_buyer": _REPURCHASE,
            "aov": _AOV,
        },
        "kuaishou-content-views": {
            "uv": _UV,
            "content_views_per_viewer": (
                "stage.preheat_videos",
                "stage.preheat_rhythm",
                "stage.preheat_views_per_viewer",
                "douyin-interest.content_output",
                *_WATCH,
            ),
            "buyers_per_content_view": _CONVERSION,
            "orders_per_buyer": _REPURCHASE,
            "aov": _AOV,
        },
        "traditional": {
            "uv": _UV,
            "cvr": (*_CONVERSION, *_WATCH),
            "aov_per_buyer": (*_AOV, *_REPURCHASE),
        },
        "douyin-fact-plus": {
            "exposure": (
                "douyin-interest-brand.field_width",
                "douyin-interest-brand.field_accounts",
                "douyin-interest-brand.campaign_width",
                "douyin-interest.content_output",
                "douyin-interest.feed_share",
                "douyin-interest.short_video_share",
            ),
            "seeding_rate": (
                "douyin-interest.entry_rate",
                "douyin-interest.product_exposure_rate",
                "douyin-interest.click_rate",
                "douyin-interest.avg_watch_minutes",
                "douyin-interest.interaction_rate",
            ),
            "conversion": (
                "douyin-interest.create_rate",
                "douyin-interest.pay_rate",
                "douyin-interest-brand.field_depth",
                "douyin-interest-brand.campaign_depth",
            ),
            "aov_per_buyer": ("stage.tier_coverage", "stage.price_spread"),
        },
        "funnel": {
            "exposure": (
                "douyin-interest-brand.field_width",
                "douyin-interest.content_output",
                "douyin-interest.feed_share",
            ),
            "entry_rate": ("douyin-interest.entry_rate",),
            "product_exposure_rate": ("douyin-interest.product_exposure_rate",),
            "click_rate": ("douyin-interest.click_rate",),
            "order_rate": ("douyin-interest.create_rate",),
            "paid_rate": ("douyin-interest.pay_rate",),
            "aov": _AOV,
        },
    }
)


def levers_for(identity_key: str, factor_key: str) -> tuple[str, ...]:
    """The indicator keys that move ``factor_key`` of the identity ``identity_key`` (empty
    for an identity or factor the table does not know, e.g. a plugin's)."""
    return LEVERS.get(identity_key, {}).get(factor_key, ())
