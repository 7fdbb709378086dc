"""Enumerations of the live-commerce domain.  Values are the stable strings of the data format."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AgeBand",
    "CityTier",
    "LifecycleStage",
    "Platform",
    "ProductRole",
    "Section",
    "TrafficSource",
    "TrustSignalKind",
]


class Platform(StrEnum):
    """Live-commerce platform (平台).  The model is not tied to two: every platform shares
    the same shape of accounts, streams, traffic and orders."""

    KUAISHOU = "kuaishou"  # 快手
    DOUYIN = "douyin"  # 抖音
    TAOBAO_LIVE = "taobao_live"  # 淘宝直播
    WECHAT_CHANNELS = "wechat_channels"  # 微信视频号
    TIKTOK_SHOP = "tiktok_shop"
    OTHER = "other"


class TrafficSource(StrEnum):
    """Where a stream's viewers (and GMV) came from (流量来源)."""

    PRIVATE = "private"  # 私域: followers, fan group, follow feed
    PUBLIC_NATURAL = "public_natural"  # 公域自然: recommendation feed, search
    SHORT_VIDEO = "short_video"  # 短视频引流: short video -> live room (public domain)
    PAID = "paid"  # 商业化: 磁力金牛 (Kuaishou), 巨量千川 (Douyin)
    TALENT = "talent"  # 达人分销: talents sending viewers


#: Sources that belong to the public domain (公域).
PUBLIC_SOURCES = frozenset({TrafficSource.PUBLIC_NATURAL, TrafficSource.SHORT_VIDEO})


class ProductRole(StrEnum):
    """A product's role in the assortment (货品结构)."""

    TRAFFIC = "traffic"  # 引流款
    HERO = "hero"  # 爆款 / 主推款
    PROFIT = "profit"  # 利润款


class TrustSignalKind(StrEnum):
    """Evidence of trust between platform, merchant and buyer (信任信号)."""

    # Enrolment flags: value 1 (enrolled / granted) or 0.
    TRUST_BUY = "trust_buy"  # 信任购
    REFUND_WITHOUT_RETURN = "refund_without_return"  # 退款不退货
    JEWELLERY_APPRAISAL = "jewellery_appraisal"  # 真宝仓 official appraisal
    PHONE_WARRANTY_180D = "phone_warranty_180d"  # 二手手机 180 天质保
    TRUST_CARD = "trust_card"  # 信任卡 benefits
    IP_PROTECTION = "ip_protection"  # 知识产权保护 compliance
    # Measured values.
    STORE_EXPERIENCE_SCORE = "store_experience_score"  # 店铺体验分, 0-100 points
    COMPLAINT_RATE = "complaint_rate"  # 投诉率
    REFUND_RATE = "refund_rate"  # 退款率
    NEGATIVE_REVIEW_RATE = "negative_review_rate"  # 差评率
    ON_TIME_SHIPPING_RATE = "on_time_shipping_rate"  # 及时发货率

    @property
    def is_flag(self) -> bool:
        return self in _FLAG_KINDS

    @property
    def is_rate(self) -> bool:
        return self in _RATE_KINDS


_FLAG_KINDS = frozenset(
    {
        TrustSignalKind.TRUST_BUY,
        TrustSignalKind.REFUND_WITHOUT_RETURN,
        TrustSignalKind.JEWELLERY_APPRAISAL,
        TrustSignalKind.PHONE_WARRANTY_180D,
        TrustSignalKind.TRUST_CARD,
        TrustSignalKind.IP_PROTECTION,
    }
)
_RATE_KINDS = frozenset(
    {
        TrustSignalKind.COMPLAINT_RATE,
        TrustSignalKind.REFUND_RATE,
        TrustSignalKind.NEGATIVE_REVIEW_RATE,
        TrustSignalKind.ON_TIME_SHIPPING_RATE,
    }
)


class CityTier(StrEnum):
    """City tier (城市等级) of viewers or buyers."""

    TIER1 = "tier1"  # 一线
    NEW_TIER1 = "new_tier1"  # 新一线
    TIER2 = "tier2"  # 二线
    TIER3 = "tier3"  # 三线
    TIER4 = "tier4"  # 四线
    TIER5_AND_BELOW = "tier5_and_below"  # 五线及以下


class AgeBand(StrEnum):
    """Age band (年龄段) of viewers or buyers."""

    UNDER_18 = "0-17"
    AGE_18_23 = "18-23"
    AGE_24_30 = "24-30"
    AGE_31_40 = "31-40"
    AGE_41_50 = "41-50"
    OVER_50 = "51+"


class LifecycleStage(StrEnum):
    """A brand's stage on a platform (生命周期): the STEPS methodology weighs pillars by it."""

    LAUNCH = "launch"  # 起步期
    GROWTH = "growth"  # 成长期
    MATURE = "mature"  # 成熟期


class Section(StrEnum):
    """A part of a brand's data that a merchant back office exports on its own (one export
    each): what a dataset can say it was given, with the dates each covers
    (`SectionCoverage`)."""

    STREAMS = "streams"  # 直播明细: the live-session list
    PLANS = "plans"  # 直播脚本: run-of-show plans of the streams
    STREAM_PRODUCTS = "stream_products"  # 直播商品明细: products explained and sold per stream
    ORDERS = "orders"  # 订单明细: order details
    PRODUCTS = "products"  # 商品列表: the product list
    TALENT_COLLABS = "talent_collabs"  # 达人带货 / 分销: talent collaboration results
    FAN_GROUPS = "fan_groups"  # 粉丝团: fan-group members
    TRUST_SIGNALS = "trust_signals"  # 信任购, store scores
    SHORT_VIDEOS = "short_videos"  # 短视频: short videos posted
    PAID_CAMPAIGNS = "paid_campaigns"  # 磁力金牛 / 巨量千川: paid-campaign reports
    AUDIENCE = "audience"  # 用户画像: audience profiles
